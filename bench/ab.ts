// CPU per request of two qwenplugs side by side, interleaved: the steadiest
// before/after figure for a change to the request path, or for a runtime
// setting. One command:
//
//   bun bench/ab.ts --baseline=../old            old = ../old/index.ts (a worktree with a node_modules)
//   bun bench/ab.ts --baseline=../old --protocol=chat2 --rounds=6 --requests=4000 --warmup=15000
//   bun bench/ab.ts --baseline-env=BUN_JSC_useDFGJIT=0        old = this index.ts with that environment
//   bun bench/ab.ts --floor --baseline-env=FLOOR_ABORT_CHAIN=1  both sides bench/floor.ts (the runtime floor), /dialog
//
// --baseline-env (KEY=VALUE, comma-separated) is added to the old side's
// environment only; without --baseline, both sides run this checkout, so the
// setting is the one difference (Bun's BUN_JSC_* options, say, or a qwenplug
// setting). With --floor both sides are bench/floor.ts, sent the /dialog
// fake's own requests, so a variant of the floor (one of its FLOOR_* settings)
// can be weighed against the floor itself.
//
// What runs: bench/upstream.ts (the fake upstreams, as bench/run.ts runs
// them), and two qwenplugs on them, `bun index.ts` from the baseline's
// directory and from this repository, with the same environment (state in
// memory, the transport settings of bench/run.ts: no hold-back, no in-flight
// cap). Each is warmed with --warmup short streamed replies at 100 clients
// (the JIT settles), then --rounds rounds of --requests each, alternating
// which goes first; every round's figure is the process's CPU (all threads,
// /proc/<pid>/task/*/schedstat) per request. The host's drift hits both
// alike, which two separate bench runs cannot promise.

import { join, resolve } from "node:path";
import { threadCpuNs } from "./threads.ts";
import { BENCH_CN_ACCOUNTS, BENCH_INTL_ACCOUNTS, DIRECT_HEADERS, directBody, spawnUpstream, transportSettings, TTFT_INCREMENTS } from "./upstream.ts";

const ROOT = join(import.meta.dir, "..");
const CLIENTS = 100;

function option(name: string, fallback?: string): string {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  const value = arg?.slice(name.length + 3) ?? fallback;
  if (value === undefined) {
    console.error(`bench/ab.ts needs --${name}=… (see the comment at the top of bench/ab.ts)`);
    process.exit(2);
  }
  return value;
}

const baselineEnv = Object.fromEntries(
  option("baseline-env", "")
    .split(",")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const at = pair.indexOf("=");
      if (at <= 0) throw new Error(`--baseline-env takes KEY=VALUE pairs separated by commas, not ${pair}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
);
const isFloor = process.argv.includes("--floor");
const baselineDir = resolve(option("baseline", Object.keys(baselineEnv).length > 0 || isFloor ? ROOT : undefined).replace(/\/index\.ts$/, ""));
const protocol = option("protocol", "dialog");
if (!["dialog", "chat2", "intl"].includes(protocol)) throw new Error(`--protocol is dialog, chat2 or intl, not ${protocol}`);
if (isFloor && protocol !== "dialog") throw new Error("--floor measures the /dialog relay only");
const rounds = Number(option("rounds", "6"));
const requests = Number(option("requests", "4000"));
const warmup = Number(option("warmup", "15000"));

/** One side: `bun index.ts` (with --floor, `bun bench/floor.ts`) in `dir` on `port`, once it listens. */
async function startSide(dir: string, port: number, env: Record<string, string>) {
  const entry = isFloor ? "bench/floor.ts" : "index.ts";
  const proc = Bun.spawn([process.execPath, entry], { cwd: dir, env: { ...env, PORT: String(port) }, stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let out = "";
  while (!out.includes("listening on")) {
    const read = await reader.read();
    if (read.done) throw new Error(`bun ${entry} in ${dir} did not start`);
    out += new TextDecoder().decode(read.value);
  }
  void (async () => {
    while (!(await reader.read()).done);
  })();
  return { proc, port };
}

const upstream = await spawnUpstream({ cwd: ROOT });
const { url, chat2Url, intlUrl } = upstream.ready;
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  HOST: "127.0.0.1",
  API_MASTER_KEY: "bench-key",
  LOG_LEVEL: "silent",
  STATE_PATH: "off",
  ...transportSettings(CLIENTS),
  ...BENCH_CN_ACCOUNTS,
  QWEN_CN_BASE_URL: protocol === "chat2" ? chat2Url : url,
  CN_PROTOCOL: protocol === "chat2" ? "chat2" : "dialog",
  ...(protocol === "intl" ? { QWEN_INTL_BASE_URL: intlUrl, ...BENCH_INTL_ACCOUNTS } : {}),
  ...(isFloor ? { FLOOR_DIALOG_URL: url, FLOOR_CHAT2_URL: chat2Url, FLOOR_INTL_URL: intlUrl } : {}),
};
const port = 19600 + Math.floor(Math.random() * 300);
const sides = { old: await startSide(baselineDir, port, { ...env, ...baselineEnv }), new: await startSide(ROOT, port + 1, env) };
const body = JSON.stringify({ model: protocol === "intl" ? "intl/qwen-max" : "qwen-max", stream: true, messages: [{ role: "user", content: "bench:ttft" }] });

/** `n` short streamed replies through the qwenplug on `toPort`, 100 clients back to back; each must end with [DONE] (the floor's: hold the fake's last piece). */
async function burst(toPort: number, n: number): Promise<void> {
  let left = n;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (left-- > 0) {
        const response = isFloor
          ? await fetch(`http://127.0.0.1:${toPort}/dialog/conversation`, { method: "POST", headers: DIRECT_HEADERS, body: directBody("bench:ttft") })
          : await fetch(`http://127.0.0.1:${toPort}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer bench-key", "content-type": "application/json" }, body });
        const text = await response.text();
        if (response.status !== 200 || !text.includes(isFloor ? (TTFT_INCREMENTS.at(-1) ?? "") : "[DONE]")) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
      }
    }),
  );
}

const cpuNs = (pid: number) => [...(threadCpuNs(pid) ?? new Map<string, number>()).values()].reduce((a, b) => a + b, 0);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

try {
  for (const side of Object.values(sides)) await burst(side.port, warmup);
  const perRequest: Record<keyof typeof sides, number[]> = { old: [], new: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? (["old", "new"] as const) : (["new", "old"] as const)) {
      const side = sides[name];
      await burst(side.port, CLIENTS * 5); // connections warm again after the other side's round
      const before = cpuNs(side.proc.pid);
      await burst(side.port, requests);
      perRequest[name].push((cpuNs(side.proc.pid) - before) / 1000 / requests);
    }
  }
  const oldText = `${join(baselineDir, isFloor ? "bench/floor.ts" : "index.ts")}${Object.keys(baselineEnv).length > 0 ? ` with ${Object.entries(baselineEnv).map(([k, v]) => `${k}=${v}`).join(" ")}` : ""}`;
  console.log(`${protocol}: CPU per request (all threads, µs), ${rounds} rounds of ${requests} after ${warmup} warm-up requests, ${CLIENTS} clients; old = ${oldText}`);
  for (const name of ["old", "new"] as const) console.log(`  ${name}: ${perRequest[name].map((v) => v.toFixed(0)).join(" ")}  median ${median(perRequest[name]).toFixed(0)}`);
} finally {
  for (const side of Object.values(sides)) side.proc.kill();
  upstream.proc.kill();
  await Promise.all([...Object.values(sides).map((s) => s.proc.exited), upstream.proc.exited]);
}
