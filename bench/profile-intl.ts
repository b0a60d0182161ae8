// CPU per chat.qwen.ai request, in-process. One command:
//
//   bun bench/profile-intl.ts                       streamed and non-streamed, 4,000 each after 2,000 warm-up
//   bun bench/profile-intl.ts --requests=8000 --warmup=4000 --inflight=20 --mode=stream|whole|both
//   bun bench/profile-intl.ts --floor               also the harness's own cost (a handler that answers at once)
//   bun bench/profile-intl.ts --mode=transcode     CPU per upstream event: the bench's long incremental stream
//                                                   (--events=20000 per reply, --requests replies, 1 in flight)
//   bun bench/profile-intl.ts --app=/tmp/old/index.ts  another copy of index.ts (an older commit, for before/after
//                                                   in one sitting; give it a node_modules beside it)
//   bun --cpu-prof --cpu-prof-md --cpu-prof-dir=/tmp/prof bench/profile-intl.ts --mode=whole
//                                                   Bun's sampling profiler over the whole run (warm-up included)
//
// What runs: bench/upstream.ts (the fake upstreams, in a process of their own,
// as bench/run.ts runs them), and in this process createApp from index.ts with
// two INTL accounts on the fake's chat.qwen.ai server (the environment of
// bench/run.ts's transcode section: STATE_PATH=off, LOG_LEVEL=silent, model
// "intl/qwen-max"). Requests go to `app.fetch` directly, no HTTP server in
// between, `--inflight` at a time; each asks for the fake's short reply
// (`bench:ttft`: chats/new, a three-event completion sent whole, the chat
// delete in the background) and is checked for the exact text.
//
// What it prints: CPU per request by thread, from /proc/self/task/*/schedstat
// (nanoseconds on CPU, per thread) read before and after the measured requests,
// after the warm-up; the thread names are Bun's ("bun" is the JavaScript
// thread, "HTTP Client" the fetch thread, "HeapHelper"/"Heap*" the GC, "JIT*"
// the compiler); and the fake upstream's own CPU over the same requests (all
// its threads), which is the "fake's own" in the 2× target. The
// JavaScript thread's figure includes this harness's client side (building
// the Request, reading the reply); `--floor` measures that alone.

import { join } from "node:path";
import { threadCpuNs, usPerUnitByGroup } from "./threads.ts";
import { BENCH_INTL_ACCOUNTS, increments, spawnUpstream, TRANSCODE_SEED, TTFT_INCREMENTS } from "./upstream.ts";

interface Options {
  requests: number;
  warmup: number;
  inflight: number;
  modes: Array<"stream" | "whole" | "transcode">;
  events: number;
  floor: boolean;
  reps: number;
  app: string;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { requests: 4000, warmup: 2000, inflight: 20, modes: ["whole", "stream"], floor: false, reps: 1, events: 20_000, app: join(import.meta.dir, "..", "index.ts") };
  for (const arg of argv) {
    const [flag, value = ""] = arg.split("=", 2) as [string, string | undefined];
    if (flag === "--requests") options.requests = Number(value);
    else if (flag === "--warmup") options.warmup = Number(value);
    else if (flag === "--inflight") options.inflight = Number(value);
    else if (flag === "--reps") options.reps = Number(value);
    else if (flag === "--floor") options.floor = true;
    else if (flag === "--events") options.events = Number(value);
    else if (flag === "--app") options.app = value;
    else if (flag === "--mode") options.modes = value === "both" ? ["whole", "stream"] : [value as "stream" | "whole" | "transcode"];
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

/** Nanoseconds on CPU per thread of a process, keyed by "name/tid" (empty where the kernel has no schedstat). */
const threadCpu = (pid: number | "self"): Map<string, number> => threadCpuNs(pid) ?? new Map();

/** µs per request by thread name (threads of one name summed), between two readings. */
/** Threads by name, Bun's GC helpers (Heap*) and JIT workers each folded into one. */
const perRequest = (before: Map<string, number>, after: Map<string, number>, requests: number): Map<string, number> =>
  usPerUnitByGroup(before, after, requests, (name) => (name.startsWith("Heap") ? "GC (Heap*)" : name.startsWith("JIT") ? "JIT" : name));

let EXPECTED = TTFT_INCREMENTS.join("");
let PROMPT = "bench:ttft";
const MASTER_KEY = "bench-key";

/** Sends `count` requests, `inflight` at a time, and checks each reply's text. */
async function drive(fetchApp: (req: Request) => Promise<Response>, count: number, inflight: number, stream: boolean, check: boolean): Promise<number> {
  const body = JSON.stringify({ model: "intl/qwen-max", stream, messages: [{ role: "user", content: PROMPT }] });
  let next = 0;
  let failures = 0;
  const one = async () => {
    const response = await fetchApp(
      new Request("http://127.0.0.1/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
        body,
      }),
    );
    if (!check) {
      // Read and dropped: the measured requests cost the harness as little as it can.
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      while (!(await reader.read()).done);
      return;
    }
    const text = await response.text();
    let got = "";
    if (stream) {
      for (const line of text.split("\n")) {
        if (!line.startsWith("data: {")) continue;
        const delta = (JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content;
        if (typeof delta === "string") got += delta;
      }
    } else {
      got = (JSON.parse(text) as { choices?: Array<{ message?: { content?: string } }> }).choices?.[0]?.message?.content ?? "";
    }
    if (response.status !== 200 || got !== EXPECTED) {
      if (failures++ < 3) console.error(`failed: HTTP ${response.status} ${text.slice(0, 300)}`);
    }
  };
  const worker = async () => {
    while (next < count) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return failures;
}

/** A handler with the shape of a reply and none of the work: what the harness costs by itself. */
function floorFetch(stream: boolean): (req: Request) => Promise<Response> {
  const sse = `data: {"id":"chatcmpl-x","object":"chat.completion.chunk","created":1,"model":"intl/qwen-max","choices":[{"index":0,"delta":{"role":"assistant","content":"${EXPECTED}"},"finish_reason":null}]}\n\ndata: [DONE]\n\n`;
  const whole = JSON.stringify({ id: "chatcmpl-x", object: "chat.completion", created: 1, model: "intl/qwen-max", choices: [{ index: 0, message: { role: "assistant", content: EXPECTED }, finish_reason: "stop" }] });
  return async (req) => {
    await req.json();
    if (!stream) return new Response(whole, { headers: { "content-type": "application/json" } });
    const bytes = new TextEncoder().encode(sse);
    return new Response(new ReadableStream({ pull: (c) => (c.enqueue(bytes), c.close()) }), { headers: { "content-type": "text/event-stream" } });
  };
}

async function measure(label: string, fetchApp: (req: Request) => Promise<Response>, options: Options, stream: boolean, upstreamPid: number | undefined, settle: () => Promise<unknown>, unit = "request", perRequestUnits = 1) {
  const warmFailures = await drive(fetchApp, options.warmup, options.inflight, stream, true);
  await settle();
  Bun.gc(true);
  const before = threadCpu("self");
  const upstreamBefore = upstreamPid === undefined ? undefined : threadCpu(upstreamPid);
  const started = performance.now();
  const failures = await drive(fetchApp, options.requests, options.inflight, stream, false);
  await settle();
  const wallMs = performance.now() - started;
  const after = threadCpu("self");
  const units = options.requests * perRequestUnits;
  const rows = [...perRequest(before, after, units)].filter(([, us]) => us >= 0.05).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, us]) => sum + us, 0);
  let upstream = "";
  if (upstreamPid !== undefined && upstreamBefore !== undefined) {
    const fake = [...perRequest(upstreamBefore, threadCpu(upstreamPid), units).values()].reduce((a, b) => a + b, 0);
    upstream = `; fake upstream ${fake.toFixed(1)} µs (×${(total / fake).toFixed(2)})`;
  }
  console.log(`${label}: ${options.requests} requests, ${options.inflight} in flight, ${(options.requests / (wallMs / 1000)).toFixed(0)} req/s; failures ${warmFailures + failures}`);
  console.log(`  CPU per ${unit}: total ${total.toFixed(1)} µs${upstream}`);
  for (const [name, us] of rows) console.log(`    ${name.padEnd(16)} ${us.toFixed(1).padStart(7)} µs`);
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const { createApp, loadConfig } = (await import(options.app)) as typeof import("../index.ts");
  const upstream = await spawnUpstream();
  try {
    const config = loadConfig({
      API_MASTER_KEY: MASTER_KEY,
      HOST: "127.0.0.1",
      QWEN_INTL_BASE_URL: upstream.ready.intlUrl,
      QWEN_CN_BASE_URL: "http://127.0.0.1:9",
      ...BENCH_INTL_ACCOUNTS,
      STATE_PATH: "off",
      LOG_LEVEL: "silent",
    });
    const app = createApp({ config, log: () => {} });
    await app.ready();
    await app.adapters.intl.liveModels();
    for (let rep = 0; rep < options.reps; rep++) {
      for (const mode of options.modes) {
        if (mode === "transcode") {
          PROMPT = "bench:transcode";
          EXPECTED = increments(TRANSCODE_SEED, options.events, 1, 3).join("");
          await upstream.ask({ type: "prepare", events: options.events }, "prepared");
          const few = { ...options, inflight: 1, warmup: Math.min(options.warmup, 5), requests: Math.min(options.requests, 20) };
          await measure(`qwenplug, transcode (${options.events} events per reply)`, (req) => app.fetch(req), few, true, upstream.proc.pid, () => app.settle(5000), "upstream event", options.events + 2);
          PROMPT = "bench:ttft";
          EXPECTED = TTFT_INCREMENTS.join("");
          continue;
        }
        const stream = mode === "stream";
        if (options.floor) await measure(`floor (harness only), ${mode}`, floorFetch(stream), options, stream, undefined, async () => {});
        await measure(`qwenplug, ${mode}`, (req) => app.fetch(req), options, stream, upstream.proc.pid, () => app.settle(5000));
      }
    }
  } finally {
    upstream.proc.kill();
  }
}

await main();
