// qwenplug state store benchmark: what each backend costs per operation and
// per Responses request, and what SQLite costs a starting process.
//
//   bun bench/state.ts
//
// Memory, SQLite (a temp file) and Redis (Debian's redis-server on a random
// loopback port, started and stopped here; its row is skipped when it is not
// installed). Operations run one after another (latency, not throughput).
// Then `bun index.ts` is started with STATE_PATH=off and with a SQLite file:
// time until /health answers, and resident memory once idle.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryStore, createRedisStore, createResponsesStore, createSqliteStore, type StateStore } from "../index";

const OPS = 2000;
const KEY_MATERIAL = "bench-state-key-0123456789abcdef";
const dir = mkdtempSync(join(tmpdir(), "qwenplug-bench-state-"));
const children: Array<{ kill(signal?: number | NodeJS.Signals): void }> = [];
const cleanUp = () => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
};
process.on("SIGINT", () => {
  cleanUp();
  process.exit(130);
});

async function timeEach(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return ((performance.now() - started) * 1000) / count;
}

/** µs per get, put, versioned put, push, shift, lock+unlock, and per Responses request (store + follow-up read). */
async function measure(store: StateStore) {
  const record = { refreshToken: "r".repeat(200), accessToken: "a".repeat(600), expiresAt: Date.now() };
  await store.put("bench:record", record);
  const put = await timeEach(OPS, () => store.put("bench:record", record));
  const get = await timeEach(OPS, () => store.get("bench:record"));
  let version = (await store.get("bench:cas"))?.version ?? 0;
  const cas = await timeEach(OPS, async () => (version = (await store.put("bench:cas", record, { ifVersion: version })) ?? version));
  const push = await timeEach(OPS, (i) => store.push("bench:salts", [`salt-${i}-${"s".repeat(40)}`]));
  const shift = await timeEach(OPS, () => store.shift("bench:salts"));
  const lock = await timeEach(OPS, async () => {
    const token = await store.lock("bench:lock", 10_000);
    if (token !== undefined) await store.unlock("bench:lock", token);
  });
  const responses = createResponsesStore(store, { max: 1000, ttlMs: 3_600_000, maxBytes: 64 * 1024 * 1024 });
  const entry = { response: { id: "x", output: [{ type: "message", content: [{ type: "output_text", text: "o".repeat(1500) }] }] }, turns: [{ role: "user" as const, text: "q".repeat(500) }], callNames: new Map<string, string>() };
  const responsesRequest = await timeEach(300, async (i) => {
    responses.put(`resp_${i}`, { ...entry, storedAt: Date.now() });
    await responses.get(`resp_${i}`);
  });
  return { get, put, cas, push, shift, lock, responsesRequest };
}

const rows: Array<[string, Awaited<ReturnType<typeof measure>>]> = [];
rows.push(["memory", await measure(createMemoryStore())]);
const sqlite = createSqliteStore({ path: join(dir, "bench.db"), keyMaterial: KEY_MATERIAL, log: () => {} });
rows.push(["sqlite", await measure(sqlite)]);
await sqlite.close();

const redisServer = Bun.which("redis-server");
if (redisServer === null) console.log("redis-server not found: no Redis row");
else {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = probe.port as number;
  probe.stop(true);
  const proc = Bun.spawn([redisServer, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdout: "ignore", stderr: "ignore" });
  children.push(proc);
  let redis: StateStore | undefined;
  for (let i = 0; i < 100 && redis === undefined; i++) {
    redis = await createRedisStore({ url: `redis://127.0.0.1:${port}`, keyMaterial: KEY_MATERIAL, prefix: "bench:", timeoutMs: 2000, log: () => {} }).catch(async () => {
      await Bun.sleep(50);
      return undefined;
    });
  }
  if (redis === undefined) console.log("redis-server did not start: no Redis row");
  else {
    rows.push(["redis", await measure(redis)]);
    await redis.close();
  }
  proc.kill("SIGKILL");
}

const fmt = (us: number) => us.toFixed(1).padStart(8);
console.log(`State store, µs per operation (${OPS} sequential operations each; Responses: one stored reply + its follow-up read, 300 times)`);
console.log(["backend ", "     get", "     put", " put@ver", "    push", "   shift", "lock+unl", "resp req"].join("  "));
for (const [name, r] of rows) console.log([name.padEnd(8), fmt(r.get), fmt(r.put), fmt(r.cas), fmt(r.push), fmt(r.shift), fmt(r.lock), fmt(r.responsesRequest)].join("  "));

/** `bun index.ts` with `env`: ms until /health answers, and VmRSS once idle. */
async function coldStart(env: Record<string, string>): Promise<{ ms: number; rssMb: number }> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = probe.port as number;
  probe.stop(true);
  const started = performance.now();
  const child = Bun.spawn([process.execPath, "index.ts"], { cwd: join(import.meta.dir, ".."), env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), ...env }, stdout: "ignore", stderr: "ignore" });
  children.push(child);
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (performance.now() - started > 20_000) throw new Error("qwenplug did not start");
    await Bun.sleep(5);
  }
  const ms = performance.now() - started;
  await Bun.sleep(1000);
  const status = await Bun.file(`/proc/${child.pid}/status`).text();
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  child.kill("SIGKILL");
  await child.exited;
  return { ms, rssMb: rssKb / 1024 };
}

console.log("\n`bun index.ts`: cold start (until /health answers) and idle RSS, median of 3");
for (const [name, env] of [
  ["STATE_PATH=off", { STATE_PATH: "off" }],
  ["SQLite", { STATE_PATH: join(dir, "cold.db"), STATE_KEY: KEY_MATERIAL }],
] as const) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await coldStart(env));
  const median = (values: number[]) => values.sort((a, b) => a - b)[1] as number;
  console.log(`${name.padEnd(15)} ${median(runs.map((r) => r.ms)).toFixed(0).padStart(5)} ms  ${median(runs.map((r) => r.rssMb)).toFixed(1).padStart(6)} MB`);
}
cleanUp();
