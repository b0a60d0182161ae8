// qwenplug benchmark. One command:
//
//   bun bench/run.ts            full run (5 repetitions; a few minutes on 2 cores)
//   bun bench/run.ts --quick    smaller run (fewer repetitions and requests; about 1.5 minutes)
//   bun bench/run.ts --json     also write bench/results/latest.json (gitignored)
//   bun bench/run.ts --profile  also CPU-profile the qwenplug processes of sections 1–2
//                               (bench/results/profile/, Bun's --cpu-prof and --cpu-prof-md)
//   bun bench/run.ts --only=latency,transcode,streams,cold,image   some sections only
//   bun bench/run.ts --only=latency --baseline=../old/index.ts
//                               also an older copy of qwenplug in section 1, measured in the
//                               same run, interleaved with this one (before and after from one
//                               run; the copy needs a node_modules beside it, e.g. a git worktree)
//
// What runs: bench/upstream.ts (the fake Qwen upstreams, in a process of their
// own), and qwenplug itself as separate `bun index.ts` processes, so that their
// memory can be read from /proc/<pid>/status. This process is the client: every
// figure is measured side by side with the same request sent straight to the
// fake upstream, so "added" is via qwenplug minus direct, in the same
// repetition. qwenplug runs with the brief's environment ([defaults]); latency
// and concurrency are also measured with the settings that hold text back or
// cap concurrency by design lifted, so that transport cost and policy cost can
// be told apart. Sections 1 and 2 are measured for three protocols, mainland
// /dialog, signed mainland chat2 (bench/fake-chat2.ts) and chat.qwen.ai (INTL),
// section 3 for the two mainland ones, each against its own fake read directly
// in its own dialect. Section 1 also runs bench/floor.ts, a bare relay that
// makes the same upstream calls as qwenplug for each protocol and nothing else
// (the least this design can cost), and ends with a steady-state reading of
// CPU per request by thread, after the JIT has compiled the request path.
// Everything listens on 127.0.0.1;
// every loop is bounded in count and time; child processes are stopped on
// exit, on error and on SIGINT/SIGTERM.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { cpus, loadavg, tmpdir, release } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { threadCpuNs, usPerUnitByGroup } from "./threads.ts";
import { buildBundle, dockerInstructions, FALLBACK_RECIPE, gzipSize, readDockerRecipe, type Bundle } from "./dockerfile.ts";
import {
  BENCH_CN_ACCOUNTS,
  DIRECT_HEADERS,
  directBody,
  BENCH_INTL_ACCOUNTS,
  increments,
  manyIncrements,
  MANY_EVENT_GAP_MS,
  MANY_QUIET_MS,
  STREAM_EVENT_GAP_MS,
  STREAM_INCREMENTS,
  TRANSCODE_SEED,
  spawnUpstream,
  transportSettings,
  TTFT_INCREMENTS,
  type ControlMessage,
  type UpstreamMessage,
  type UpstreamStats,
} from "./upstream.ts";

const ROOT = join(import.meta.dir, "..");
const RESULTS_DIR = join(import.meta.dir, "results");
const MASTER_KEY = "bench-key";
const MODEL = "qwen-max";

/**
 * Bun's fetch runs at most 256 requests at once unless BUN_CONFIG_MAX_HTTP_REQUESTS
 * says otherwise, and it reads that variable only at start-up; the 1,000-stream
 * test needs more, so the script re-executes itself with it set (see `main`).
 */
const CLIENT_MAX_FETCHES = 4096;
/** Open files the client needs: 1,000 streams to qwenplug plus 1,000 direct, with room. */
const MIN_OPEN_FILES = 8192;

// ── Plan ────────────────────────────────────────────────────────────────────

interface Plan {
  name: "full" | "quick";
  reps: number;
  /** TTFT at concurrency 1: requests per target per repetition. */
  serialRequests: number;
  concurrency: number;
  /** TTFT at concurrency 100 with 0.5 s streams: measured requests per worker per repetition. */
  streamsPerWorker: number;
  /** TTFT at concurrency 100 with short back-to-back replies: measured requests per worker per repetition. */
  burstPerWorker: number;
  transcodeEvents: number;
  streams: number;
  streamReps: number;
  coldReps: number;
  settleMs: number;
  /** gzip the Bun binary to estimate the compressed image layer (a few seconds of CPU). */
  gzipBinary: boolean;
  /** Steady state: requests each saturation process serves after the repetitions before CPU is measured again (the JIT settles), then measured requests. */
  steadyWarmup: number;
  steadyMeasure: number;
}

const PLANS: Record<Plan["name"], Plan> = {
  full: { name: "full", reps: 5, serialRequests: 300, concurrency: 100, streamsPerWorker: 3, burstPerWorker: 10, transcodeEvents: 20_000, streams: 1000, streamReps: 3, coldReps: 6, settleMs: 1000, gzipBinary: true, steadyWarmup: 20_000, steadyMeasure: 5_000 },
  quick: { name: "quick", reps: 2, serialRequests: 100, concurrency: 100, streamsPerWorker: 1, burstPerWorker: 4, transcodeEvents: 8_000, streams: 1000, streamReps: 1, coldReps: 3, settleMs: 400, gzipBinary: false, steadyWarmup: 6_000, steadyMeasure: 2_000 },
};

interface Flags {
  quick: boolean;
  json: boolean;
  profile: boolean;
  /** Run only these sections (`--only=latency,transcode,streams,cold,image`). */
  only?: Section[];
  /** Another index.ts (an older commit's) that section 1 measures beside this one, with the transport settings. */
  baseline?: string;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { quick: false, json: false, profile: false };
  for (const arg of argv) {
    if (arg === "--quick") flags.quick = true;
    else if (arg === "--json") flags.json = true;
    else if (arg === "--profile") flags.profile = true;
    else if (arg.startsWith("--baseline=")) {
      const path = resolve(arg.slice("--baseline=".length));
      if (!existsSync(path)) usage(`--baseline: no file ${path}`);
      flags.baseline = path;
    }
    else if (arg.startsWith("--only=")) {
      const names = arg.slice("--only=".length).split(",");
      const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (unknown.length > 0) usage(`unknown section ${unknown.join(", ")}`);
      flags.only = names as Section[];
    } else usage(`unknown option ${arg}`);
  }
  return flags;
}

function usage(problem: string): never {
  console.error(`${problem}\nusage: bun bench/run.ts [--quick] [--json] [--profile] [--only=${SECTIONS.join(",")}]`);
  process.exit(2);
}

// ── Small helpers ───────────────────────────────────────────────────────────

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();
const runStarted = performance.now();
/** Progress goes to stderr (with seconds since start), the report to stdout. */
const log = (line: string) => console.error(`[bench ${((performance.now() - runStarted) / 1000).toFixed(1)} s] ${line}`);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN, values: [...values] };
}

/** Three significant figures, which is about what a noisy 2-core machine supports. */
function num(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

const withSpread = (s: Spread, unit = "") => `${num(s.median)}${unit} (${num(s.min)}–${num(s.max)})`;
/** /proc reports KiB; figures are printed in MB of 10^6 bytes (the stricter reading of the targets). */
const mb = (kb: number) => (kb * 1024) / 1e6;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ── /proc readers ───────────────────────────────────────────────────────────

interface Memory {
  rssKb: number;
  hwmKb: number;
}

function readMemory(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux build

/** User + system CPU time of a process in ms (10 ms resolution). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts a CPU clock for process `pid`; call the result for the ms of CPU it
 * used since. Read per thread from schedstat (ns resolution) where the kernel
 * has it, which matters for phases that cost a process only tens of ms; a
 * thread that ends in between loses what it used since the start (Bun's
 * threads live as long as the process). Otherwise user+sys from
 * /proc/<pid>/stat, in 10 ms ticks.
 */
function cpuClock(pid: number): () => number {
  const start = threadCpuNs(pid);
  if (start === undefined) {
    const ticksStart = cpuMs(pid);
    return () => cpuMs(pid) - ticksStart;
  }
  return () => {
    const end = threadCpuNs(pid);
    if (end === undefined) return Number.NaN;
    let ns = 0;
    for (const [tid, value] of end) ns += value - (start.get(tid) ?? 0);
    return ns / 1e6;
  };
}

function openFilesLimit(): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
  return line === undefined || line === "unlimited" ? Number.POSITIVE_INFINITY : Number(line);
}

/**
 * Every TCP connection, in any state, that has one end on one of `ports`
 * (127.0.0.1), as a set of "addressA-addressB" keys, one per connection. A
 * closed connection stays listed in TIME_WAIT for a minute, so the keys that
 * appear between two snapshots are the connections opened in between: this
 * checks that a measured phase ran on warm keep-alive connections. Filtering by
 * our servers' ports keeps other processes' traffic out of the count.
 */
function tcpConnections(ports: readonly number[]): Set<string> {
  const wanted = new Set(ports.map((port) => `:${port.toString(16).toUpperCase().padStart(4, "0")}`));
  const keys = new Set<string>();
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const [, local, remote] = line.trim().split(/\s+/);
    if (local === undefined || remote === undefined || local.length < 6) continue;
    if (!wanted.has(local.slice(-5)) && !wanted.has(remote.slice(-5))) continue;
    // Each connection between two local processes is listed twice, once per end.
    keys.add(local < remote ? `${local}-${remote}` : `${remote}-${local}`);
  }
  return keys;
}

/** Starts counting the connections opened on `ports`; call the result to read the count. */
function countConnections(ports: readonly number[]): () => number {
  const before = tcpConnections(ports);
  return () => [...tcpConnections(ports)].filter((key) => !before.has(key)).length;
}

// ── Child processes ─────────────────────────────────────────────────────────

interface ChildProcess {
  pid: number;
  exited: Promise<number>;
  kill(signal?: number | NodeJS.Signals): void;
}

const children = new Set<ChildProcess>();

/** SIGTERM (or SIGKILL with no grace), then SIGKILL after `graceMs`; waits until the process is reaped. */
async function stopProcess(proc: ChildProcess, graceMs: number) {
  proc.kill(graceMs > 0 ? "SIGTERM" : "SIGKILL");
  try {
    await withTimeout(proc.exited, Math.max(graceMs, 2000), `process ${proc.pid} exit`);
  } catch {
    proc.kill("SIGKILL");
    await withTimeout(proc.exited, 2000, `process ${proc.pid} exit`).catch(() => {});
  }
  children.delete(proc);
}

/** Kills every child still running (synchronous, for the "exit" event). */
function killChildren() {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Kills every child and waits (at most 2 s) until they are reaped, so none is left behind as a zombie. */
async function stopChildren() {
  killChildren();
  await Promise.race([Promise.allSettled([...children].map((child) => child.exited)), sleep(2000)]);
  children.clear();
}

/** Collects a child's output and lets callers wait for a line matching a pattern. */
function watchOutput(stream: ReadableStream<Uint8Array>) {
  let text = "";
  let isClosed = false;
  const listeners = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        // Keep the first 64 KB for error messages; keep reading so the pipe never fills.
        if (text.length < 65_536) text += decoder.decode(chunk, { stream: true });
        for (const listener of listeners) listener();
      }
    } catch {
      // The process was killed.
    }
    isClosed = true;
    for (const listener of listeners) listener();
  })();
  return {
    text: () => text,
    waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
      return withTimeout(
        new Promise<RegExpExecArray>((resolve, reject) => {
          const check = () => {
            const match = pattern.exec(text);
            if (match) {
              listeners.delete(check);
              resolve(match);
            } else if (isClosed) {
              listeners.delete(check);
              reject(new Error("process exited before it was ready"));
            }
          };
          listeners.add(check);
          check();
        }),
        timeoutMs,
        `waiting for ${pattern}`,
      );
    },
  };
}

function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** The environment a child gets: only what it needs, so the client's fetch limit does not leak into qwenplug. */
const baseEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", HOME: process.env.HOME ?? tmpdir() });

interface Upstream {
  url: string;
  port: number;
  /** The INTL (chat.qwen.ai v2) server of bench/upstream.ts. */
  intlUrl: string;
  /** The mainland chat2 fake (bench/fake-chat2.ts) inside bench/upstream.ts. */
  chat2Url: string;
  pid: number;
  ask<T extends UpstreamMessage["type"]>(message: ControlMessage, reply: T): Promise<Extract<UpstreamMessage, { type: T }>>;
  stop(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const { proc, ready, ask } = await spawnUpstream({ cwd: ROOT, env: baseEnv() });
  children.add(proc);
  return {
    url: ready.url,
    port: Number(new URL(ready.url).port),
    intlUrl: ready.intlUrl,
    chat2Url: ready.chat2Url,
    pid: proc.pid,
    ask: (message, reply) => ask(message, reply),
    stop: () => stopProcess(proc, 3000),
  };
}

interface Qwenplug {
  pid: number;
  url: string;
  port: number;
  /** performance.now() just before spawn, and when the "listening" line was read. */
  spawnedAt: number;
  listeningAt: number;
  stop(): Promise<void>;
}

interface SpawnOptions {
  env?: Record<string, string>;
  bunArgs?: string[];
  /** Instead of index.ts: a script given to `bun -e` (the bare-Bun baseline). */
  evalScript?: string;
  /** Instead of index.ts: another entry file, such as the Dockerfile's bundle. */
  entry?: string;
  /** Where the process runs (Bun reads .env and bunfig.toml there); the repository unless set. */
  cwd?: string;
}

async function spawnServer(upstreamUrl: string, options: SpawnOptions = {}): Promise<Qwenplug> {
  const port = freePort();
  const env = {
    ...baseEnv(),
    PORT: String(port),
    HOST: "127.0.0.1",
    QWEN_CN_BASE_URL: upstreamUrl,
    // The fake CN upstream speaks /dialog; the chat2 rows ask for chat2 in their own env.
    CN_PROTOCOL: "dialog",
    ...BENCH_CN_ACCOUNTS,
    API_MASTER_KEY: MASTER_KEY,
    LOG_LEVEL: "silent",
    // In memory: a state file would carry cooldowns and stored replies from one run into the next. bench/state.ts measures the SQLite and Redis costs.
    STATE_PATH: "off",
    ...options.env,
  };
  const command = options.evalScript !== undefined ? [process.execPath, "-e", options.evalScript] : [process.execPath, ...(options.bunArgs ?? []), options.entry ?? "index.ts"];
  const spawnedAt = now();
  const proc = Bun.spawn(command, { cwd: options.cwd ?? ROOT, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  children.add(proc);
  const stdout = watchOutput(proc.stdout);
  const stderr = watchOutput(proc.stderr);
  try {
    await stdout.waitFor(/listening on/, 15_000);
  } catch (err) {
    await stopProcess(proc, 0);
    throw new Error(`server did not start (${err instanceof Error ? err.message : String(err)}): ${stderr.text().slice(0, 500)}${stdout.text().slice(0, 500)}`);
  }
  const listeningAt = now();
  return {
    pid: proc.pid,
    url: `http://127.0.0.1:${port}`,
    port,
    spawnedAt,
    listeningAt,
    // SIGTERM lets qwenplug run its shutdown (and Bun write a CPU profile); it
    // waits for open requests, so SIGKILL follows after a while.
    stop: () => stopProcess(proc, 5000),
  };
}

// ── Requests and stream reading ─────────────────────────────────────────────

/** Direct to an upstream (CN unless `dialect` says INTL), or via qwenplug (model "qwen-max" unless `model` says otherwise). */
type Target = { kind: "direct"; url: string; dialect?: "intl" | "chat2" } | { kind: "via"; url: string; model?: string };

const hex32 = () => crypto.randomUUID().replaceAll("-", "");

const VIA_HEADERS = { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" };

const viaBody = (prompt: string, stream: boolean, model = MODEL) => JSON.stringify({ model, stream, messages: [{ role: "user", content: prompt }] });

/** The chat2 body and query index.ts's chat2 adapter sends (unsigned: the bench's chat2 fake lets unsigned requests through). */
const chat2Body = (prompt: string) =>
  JSON.stringify({ req_id: hex32(), parent_req_id: "0", messages: [{ mime_type: "text/plain", content: prompt, meta_data: { ori_query: prompt }, status: "complete" }], scene: "chat", sub_scene: "", scene_param: "first_turn", session_id: hex32(), biz_id: "ai_qwen", topic_id: hex32(), model: "Qwen3.8-Max", from: "default", protocol_version: "v2", messages_merge: false, chat_client: "h5", deep_search: "0", enable_search: false, temporary: false });
const chat2Query = () => `biz_id=ai_qwen&fe_version=1.0.0&chat_client=h5&device=pc&fr=pc&pr=qwen&ut=00000000-0000-4000-8000-000000000000&la=zh-CN&tz=Asia%2FShanghai&wv=4.6.4&ve=4.6.4&nonce=benchnonce0&timestamp=${Date.now()}`;

interface Chat2EventShape {
  data?: { messages?: Array<{ content?: unknown }> };
}

/** The INTL chat/completions body, roughly as index.ts's INTL adapter sends it. */
const intlBody = (prompt: string) =>
  JSON.stringify({ stream: true, version: "2.1", incremental_output: true, chat_id: "bench", chat_mode: "normal", model: "qwen3.7-max", parent_id: null, messages: [{ role: "user", content: prompt, chat_type: "t2t", feature_config: { thinking_enabled: false, output_schema: "phase" } }] });

interface StreamOutcome {
  ok: boolean;
  status: number;
  /** ms from just before fetch() to the first event carrying text; NaN if none. */
  ttftMs: number;
  /** ms from just before fetch() to the end of the body. */
  totalMs: number;
  /** The reply as a client assembles it: the last snapshot (direct) or the joined deltas (via). */
  text: string;
  /** Events that carried text. */
  textEvents: number;
  error?: string;
}

interface CnEventShape {
  contents?: Array<{ content?: unknown }>;
}
interface IntlEventShape {
  choices?: Array<{ delta?: { content?: unknown; phase?: unknown } }>;
}
interface ChatChunkShape {
  choices?: Array<{ delta?: { content?: unknown } }>;
  error?: { message?: unknown };
}

/**
 * Streams one request and reads it as a client would: SSE framing by hand,
 * every `data:` payload JSON-parsed. Direct CN: events whose `contents[0].content`
 * is the whole text so far. Direct INTL: events whose `choices[0].delta.content`
 * is the increment (answer phase). Via: OpenAI chunks whose
 * `choices[0].delta.content` is the increment.
 */
async function streamOnce(target: Target, prompt: string, timeoutMs: number): Promise<StreamOutcome> {
  const started = now();
  let ttftMs = Number.NaN;
  let snapshot = "";
  const deltas: string[] = [];
  let textEvents = 0;
  let inStreamError: string | undefined;

  const onIntlData = (data: string) => {
    if (data.charCodeAt(0) !== 123) return;
    const delta = (JSON.parse(data) as IntlEventShape).choices?.[0]?.delta;
    if (delta?.phase !== "answer" || typeof delta.content !== "string" || delta.content === "") return;
    if (textEvents === 0) ttftMs = now() - started;
    textEvents++;
    deltas.push(delta.content);
  };
  const onChat2Data = (data: string) => {
    if (data.charCodeAt(0) !== 123) return; // event:complete's `true`
    const content = (JSON.parse(data) as Chat2EventShape).data?.messages?.[0]?.content;
    if (typeof content !== "string" || content === "") return;
    if (textEvents === 0) ttftMs = now() - started;
    textEvents++;
    snapshot = content;
  };
  const onData =
    target.kind === "direct" && target.dialect === "intl"
      ? onIntlData
      : target.kind === "direct" && target.dialect === "chat2"
      ? onChat2Data
      : target.kind === "direct"
      ? (data: string) => {
          if (data.charCodeAt(0) !== 123) return; // [DONE], [heartbeat]
          const content = (JSON.parse(data) as CnEventShape).contents?.[0]?.content;
          if (typeof content !== "string" || content === "") return;
          if (textEvents === 0) ttftMs = now() - started;
          textEvents++;
          snapshot = content;
        }
      : (data: string) => {
          if (data.charCodeAt(0) !== 123) return; // [DONE]
          const chunk = JSON.parse(data) as ChatChunkShape;
          if (chunk.error !== undefined) inStreamError = String(chunk.error.message);
          const content = chunk.choices?.[0]?.delta?.content;
          if (typeof content !== "string" || content === "") return;
          if (textEvents === 0) ttftMs = now() - started;
          textEvents++;
          deltas.push(content);
        };

  const fail = (status: number, error: string): StreamOutcome => ({ ok: false, status, ttftMs, totalMs: now() - started, text: "", textEvents, error });
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const response =
      target.kind === "via"
        ? await fetch(`${target.url}/v1/chat/completions`, { method: "POST", headers: VIA_HEADERS, body: viaBody(prompt, true, target.model), signal })
        : target.dialect === "intl"
          ? await fetch(`${target.url}/api/v2/chat/completions?chat_id=bench`, { method: "POST", headers: { "content-type": "application/json", accept: "text/event-stream" }, body: intlBody(prompt), signal })
          : target.dialect === "chat2"
          ? await fetch(`${target.url}/api/v2/chat?${chat2Query()}`, { method: "POST", headers: { ...DIRECT_HEADERS, accept: "application/json, text/event-stream, text/plain, */*" }, body: chat2Body(prompt), signal })
          : await fetch(`${target.url}/dialog/conversation`, { method: "POST", headers: DIRECT_HEADERS, body: directBody(prompt), signal });
    if (response.status !== 200 || response.body === null) return fail(response.status, (await response.text()).slice(0, 300));
    const decoder = new TextDecoder();
    let buffer = "";
    let scanFrom = 0;
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let start = 0;
      for (;;) {
        const end = buffer.indexOf("\n\n", scanFrom);
        if (end === -1) break;
        const block = buffer.slice(start, end);
        // Both servers send one `data:` line per event; a comment line (heartbeat) may precede it.
        for (const line of block.includes("\n") ? block.split("\n") : [block]) {
          if (line.startsWith("data: ")) onData(line.slice(6));
          else if (line.startsWith("data:")) onData(line.slice(5));
        }
        start = end + 2;
        scanFrom = start;
      }
      if (start > 0) buffer = buffer.slice(start);
      // The separator may straddle two chunks: rescan from the last character kept.
      scanFrom = Math.max(0, buffer.length - 1);
    }
    const totalMs = now() - started;
    if (inStreamError !== undefined) return fail(200, `in-stream error: ${inStreamError}`);
    const isCumulative = target.kind === "direct" && target.dialect !== "intl";
    return { ok: true, status: 200, ttftMs, totalMs, text: isCumulative ? snapshot : deltas.join(""), textEvents };
  } catch (err) {
    return fail(0, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  }
}

/** A non-streaming chat completion; returns the assistant text, or throws. */
async function completeOnce(url: string, prompt: string, timeoutMs: number, model = MODEL): Promise<string> {
  const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: VIA_HEADERS, body: viaBody(prompt, false, model), signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${body.slice(0, 200)}`);
  const content = (JSON.parse(body) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
  if (typeof content !== "string") throw new Error("no choices[0].message.content");
  return content;
}

/** Counts failures by kind and keeps each kind's first message, so a broken run says why. */
class Failures {
  count = 0;
  /** Kind (what failed: phase and target) → how many, and the first message. */
  readonly kinds = new Map<string, { count: number; first: string }>();
  add(what: string, outcome: StreamOutcome | string) {
    this.count++;
    const kind = this.kinds.get(what);
    if (kind !== undefined) kind.count++;
    else if (this.kinds.size < 32) this.kinds.set(what, { count: 1, first: typeof outcome === "string" ? outcome : (outcome.error ?? `assembled text differs (${outcome.text.length} chars)`) });
  }
  summary(): string {
    return [...this.kinds].map(([what, kind]) => `${what} ×${kind.count}, first: ${kind.first}`).join("; ");
  }
}

// ── Mainland protocols ──────────────────────────────────────────────────────

/**
 * A protocol that sections 1 and 2 (and, the mainland ones, section 3) measure
 * side by side: its fake upstream (read directly in that protocol's own dialect
 * for the "direct" figures) and the environment that makes qwenplug speak it.
 */
interface Protocol {
  name: "dialog" | "chat2" | "intl";
  /** In row labels. */
  label: string;
  /** qwenplug's QWEN_CN_BASE_URL (for INTL the CN fake, unused: its INTL base URL is in `env`). */
  upstreamUrl: string;
  /** The port of the fake this protocol's requests reach (connection counts). */
  upstreamPort: number;
  direct: Target;
  env: Record<string, string>;
  /** The model qwenplug is asked for; "qwen-max" unless set. */
  model?: string;
}

/**
 * The three protocols every section measures. chat.qwen.ai (v2: chats/new,
 * chat/completions, then a delete of the chat) runs against bench/upstream.ts's
 * INTL server; INTL accounts would make INTL the default upstream for bare
 * model names, so qwenplug is asked for "intl/qwen-max".
 */
function benchProtocols(upstream: Upstream): Protocol[] {
  return [
    { name: "dialog", label: "/dialog", upstreamUrl: upstream.url, upstreamPort: upstream.port, direct: { kind: "direct", url: upstream.url }, env: {} },
    // Signed: bench/fake-chat2.ts verifies every signature qwenplug sends and hands out salts by registration and refill.
    { name: "chat2", label: "chat2 signed", upstreamUrl: upstream.chat2Url, upstreamPort: Number(new URL(upstream.chat2Url).port), direct: { kind: "direct", url: upstream.chat2Url, dialect: "chat2" }, env: { CN_PROTOCOL: "chat2" } },
    {
      name: "intl",
      label: "chat.qwen.ai",
      upstreamUrl: upstream.url,
      upstreamPort: Number(new URL(upstream.intlUrl).port),
      direct: { kind: "direct", url: upstream.intlUrl, dialect: "intl" },
      env: { QWEN_INTL_BASE_URL: upstream.intlUrl, ...BENCH_INTL_ACCOUNTS },
      model: "intl/qwen-max",
    },
  ];
}

/** What bench/floor.ts does per request for each protocol (the calls qwenplug makes for one chat). */
const FLOOR_CALLS: Record<Protocol["name"], string> = {
  dialog: "2 upstream calls (the reply, the session delete)",
  chat2: "2 upstream calls (the reply unsigned, the session delete)",
  intl: "3 upstream calls (chats/new, the reply, the chat's delete)",
};

/** bench/floor.ts, relaying to the three fakes. */
const spawnFloor = (upstream: Upstream): Promise<Qwenplug> =>
  spawnServer(upstream.url, { entry: join(import.meta.dir, "floor.ts"), env: { FLOOR_DIALOG_URL: upstream.url, FLOOR_CHAT2_URL: upstream.chat2Url, FLOOR_INTL_URL: upstream.intlUrl } });

/** The key under which a protocol's direct samples are filed. */
const directKey = (protocol: Protocol) => `${protocol.name} direct`;

/** The chat2 fake's signing counters from `before` to `after`, as text. */
function signingText(before: UpstreamStats, after: UpstreamStats): string {
  const refusals = Object.entries(after.chat2.refusals)
    .map(([reason, count]) => [reason, count - (before.chat2.refusals[reason] ?? 0)] as const)
    .filter(([, count]) => count > 0);
  const refused = refusals.length === 0 ? "no refused signature" : `refused signatures: ${refusals.map(([reason, count]) => `${reason} ${count}`).join(", ")}`;
  return `${after.chat2.registrations - before.chat2.registrations} registrations, ${after.chat2.refills - before.chat2.refills} refills, ${after.chat2.spentSalts - before.chat2.spentSalts} salts spent, ${refused}`;
}

const askStats = (upstream: Upstream, run = "") => upstream.ask({ type: "stats", run }, "stats");

// ── 1. Time to first token ──────────────────────────────────────────────────

const TTFT_TEXT = TTFT_INCREMENTS.join("");
const TTFT_PROMPT = "bench:ttft";
const STREAM_TEXT = STREAM_INCREMENTS.join("");
const STREAM_PROMPT = "bench:stream";
/** How long a `bench:stream` reply lasts on average. */
const STREAM_SECONDS = ((STREAM_INCREMENTS.length - 1) * STREAM_EVENT_GAP_MS) / 1000;

/** A request target with the key its samples are filed under: "direct" or a qwenplug variant. */
interface Keyed {
  key: string;
  target: Target;
}

/** Sequential requests over all targets, the order rotating so drift hits them alike. */
async function ttftSerial(targets: readonly Keyed[], count: number, failures: Failures): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(targets.map((t) => [t.key, []]));
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < targets.length; j++) {
      const { key, target } = targets[(i + j) % targets.length] as Keyed;
      const outcome = await streamOnce(target, TTFT_PROMPT, 10_000);
      if (!outcome.ok || outcome.text !== TTFT_TEXT) failures.add(`ttft@1 ${key}`, outcome);
      else samples.get(key)?.push(outcome.ttftMs);
    }
  }
  return samples;
}

interface Percentiles {
  p50: number;
  p99: number;
}

const p50p99 = (values: readonly number[]): Percentiles => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

interface LoopHooks {
  /** Runs when every worker has warmed up, just before the first measured request. */
  onMeasureStart(): void;
  /** Runs when the last measured request is done, before any worker stops. */
  onMeasureEnd(): void;
}

interface LoopResult {
  ttfts: number[];
  /** Requests completed per second while measuring (measured or not). */
  requestsPerSec: number;
  /** Requests completed while measuring. */
  completed: number;
}

/**
 * A closed loop of `concurrency` workers, each sending one request after
 * another. Warm-up and measurement are one uninterrupted loop: Bun keeps at most
 * 64 idle keep-alive connections per process, so letting 100 connections go idle
 * between a warm-up round and a measured round would close some and reopen them
 * while measuring. A request counts only if it starts after every worker has done
 * `warmup` requests; workers keep going until every worker has done `perWorker`
 * counted requests, so the concurrency stays constant while measuring.
 * `staggerMs` spreads the workers' starts.
 */
async function closedLoop(key: string, target: Target, prompt: string, expected: string, concurrency: number, warmup: number, perWorker: number, staggerMs: number, failures: Failures, hooks: LoopHooks): Promise<LoopResult> {
  const ttfts: number[] = [];
  let ready = 0;
  let done = 0;
  let isMeasuring = false;
  let isFinished = false;
  let completed = 0;
  let measureStart = 0;
  let measureEnd = 0;
  const maxRequestsPerWorker = 20 * (warmup + perWorker); // a bound, never reached in practice
  if (warmup === 0) {
    isMeasuring = true;
    hooks.onMeasureStart();
    measureStart = now();
  }
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      // Spread the workers' first requests over one reply's duration, so that
      // long streams are at all phases at once, as independent users would be.
      if (staggerMs > 0) await sleep((worker * staggerMs) / concurrency);
      let warmed = 0;
      let measured = 0;
      for (let i = 0; !isFinished && i < maxRequestsPerWorker; i++) {
        const counts = isMeasuring && measured < perWorker;
        const outcome = await streamOnce(target, prompt, 20_000);
        if (isMeasuring && !isFinished) completed++;
        const good = outcome.ok && outcome.text === expected;
        if (counts) {
          if (good) ttfts.push(outcome.ttftMs);
          else failures.add(`ttft@${concurrency} ${prompt} ${key}`, outcome);
          if (++measured === perWorker && ++done === concurrency) {
            isFinished = true;
            measureEnd = now();
            hooks.onMeasureEnd();
          }
        } else if (!isMeasuring && ++warmed === warmup && ++ready === concurrency) {
          isMeasuring = true;
          hooks.onMeasureStart();
          measureStart = now();
        }
      }
    }),
  );
  return { ttfts, completed, requestsPerSec: (completed * 1000) / Math.max(1, measureEnd - measureStart) };
}

/**
 * One process measured in section 1: a qwenplug for one protocol in one
 * configuration, or (config "floor") bench/floor.ts, the bare relay that makes
 * the same upstream calls and is read in the fake's own dialect, or (config
 * "baseline") the older qwenplug of --baseline, with the transport settings.
 */
interface Variant {
  /** `${protocol.name} ${config}` */
  key: string;
  protocol: Protocol;
  config: "defaults" | "transport" | "floor" | "baseline";
  q: Qwenplug;
  /** The environment added to the brief's (empty for the defaults). */
  env: Record<string, string>;
  /** 100-stream phase: unmeasured and measured requests per worker. */
  warmup: number;
  streamsPerWorker: number;
  saturation: boolean;
}

/** Where a variant's requests go: the floor is read in the fake's own dialect, a qwenplug in OpenAI's. */
const targetOf = (v: Variant): Target => (v.config === "floor" ? { ...v.protocol.direct, url: v.q.url } : { kind: "via", url: v.q.url, model: v.protocol.model });

/** One measured phase for one target. */
interface Phase {
  p50: number;
  p99: number;
  n: number;
  /** TCP connections opened while measuring (on this phase's servers' ports), and requests completed meanwhile. */
  opens: number;
  requests: number;
  requestsPerSec: number;
  /** qwenplug CPU per request, µs (NaN for direct). */
  cpuUsPerRequest: number;
  /** The fake upstreams' process CPU per request in the same phase, µs (NaN where targets interleave). */
  upstreamCpuUsPerRequest: number;
}

interface TtftRep {
  /** Keyed by a protocol's `directKey` or a variant key. */
  serial: Record<string, Phase>;
  streams: Record<string, Phase>;
  burst: Record<string, Phase>;
}

/** `items` rotated by `by`: direct and each variant take turns going first. */
const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length] as T);

async function ttftRep(plan: Plan, rep: number, protocols: readonly Protocol[], variants: readonly Variant[], upstream: Upstream, failures: Failures): Promise<TtftRep> {
  const direct = (p: Protocol): Keyed => ({ key: directKey(p), target: p.direct });
  const keyed = (v: Variant): Keyed => ({ key: v.key, target: targetOf(v) });
  const result: TtftRep = { serial: {}, streams: {}, burst: {} };

  // Concurrency 1. Warm-up first: JIT, and keep-alive connections that may have
  // been closed by idle timeouts since the last repetition.
  const serialTargets = [...protocols.map(direct), ...variants.map(keyed)];
  await ttftSerial(serialTargets, 20, new Failures());
  const serialConnections = countConnections([...protocols.map((p) => p.upstreamPort), ...variants.map((v) => v.q.port)]);
  const cpuClocks = variants.map((v) => cpuClock(v.q.pid));
  const serial = await ttftSerial(serialTargets, plan.serialRequests, failures);
  const serialOpens = serialConnections();
  for (const { key } of serialTargets) {
    const values = serial.get(key) ?? [];
    const index = variants.findIndex((v) => v.key === key);
    const variant = variants[index];
    const clock = cpuClocks[index];
    const cpuUsPerRequest = variant === undefined || clock === undefined ? Number.NaN : (clock() * 1000) / Math.max(1, values.length);
    // The phases interleave the targets, so connections are counted for all of them together.
    result.serial[key] = { ...p50p99(values), n: values.length, opens: serialOpens, requests: plan.serialRequests * serialTargets.length, requestsPerSec: Number.NaN, cpuUsPerRequest, upstreamCpuUsPerRequest: Number.NaN };
  }

  // Concurrency 100: one closed loop per target, the order rotating per repetition.
  const loop = async ({ key, target }: Keyed, protocol: Protocol, q: Qwenplug | undefined, prompt: string, expected: string, warmup: number, perWorker: number, staggerMs: number): Promise<Phase> => {
    let cpuClockOf: (() => number) | undefined;
    let cpu = Number.NaN;
    let upstreamCpuClock = () => Number.NaN;
    let upstreamCpu = Number.NaN;
    let connections = () => 0;
    let opens = 0;
    const loopResult = await closedLoop(key, target, prompt, expected, plan.concurrency, warmup, perWorker, staggerMs, failures, {
      onMeasureStart() {
        connections = countConnections(q === undefined ? [protocol.upstreamPort] : [protocol.upstreamPort, q.port]);
        if (q !== undefined) cpuClockOf = cpuClock(q.pid);
        upstreamCpuClock = cpuClock(upstream.pid);
      },
      onMeasureEnd() {
        opens = connections();
        if (cpuClockOf !== undefined) cpu = cpuClockOf();
        upstreamCpu = upstreamCpuClock();
      },
    });
    log(`  ${prompt} ×${plan.concurrency} ${key}: p50 ${num(p50p99(loopResult.ttfts).p50)} ms`);
    const perRequest = (ms: number) => (ms * 1000) / Math.max(1, loopResult.completed);
    return { ...p50p99(loopResult.ttfts), n: loopResult.ttfts.length, opens, requests: loopResult.completed, requestsPerSec: loopResult.requestsPerSec, cpuUsPerRequest: perRequest(cpu), upstreamCpuUsPerRequest: perRequest(upstreamCpu) };
  };
  const streamPhases = protocols.flatMap((p) => [
    { keyed: direct(p), protocol: p, q: undefined, warmup: 1, perWorker: plan.streamsPerWorker },
    ...variants.filter((v) => v.protocol === p).map((v) => ({ keyed: keyed(v), protocol: p, q: v.q, warmup: v.warmup, perWorker: v.streamsPerWorker })),
  ]);
  for (const phase of rotate(streamPhases, rep)) {
    result.streams[phase.keyed.key] = await loop(phase.keyed, phase.protocol, phase.q, STREAM_PROMPT, STREAM_TEXT, phase.warmup, phase.perWorker, STREAM_SECONDS * 1000);
  }
  const burstPhases = protocols.flatMap((p) => [
    { keyed: direct(p), protocol: p, q: undefined },
    ...variants.filter((v) => v.protocol === p && v.saturation).map((v) => ({ keyed: keyed(v), protocol: p, q: v.q })),
  ]);
  for (const phase of rotate(burstPhases, rep)) {
    result.burst[phase.keyed.key] = await loop(phase.keyed, phase.protocol, phase.q, TTFT_PROMPT, TTFT_TEXT, 2, plan.burstPerWorker, 0);
  }
  return result;
}

/** CPU per request by thread kind, µs. */
type ThreadSplit = Record<"js" | "http" | "jit" | "gc" | "other", number>;

/** Bun's thread names (/proc/<pid>/task/<tid>/comm) by kind. */
function threadKind(name: string): keyof ThreadSplit {
  if (name === "bun" || name === "bun.exe") return "js";
  if (name === "HTTP Client") return "http";
  if (/^JIT/.test(name)) return "jit";
  if (/^(Heap|GC|.*ollector)/.test(name)) return "gc";
  return "other";
}

/** Starts a per-thread CPU clock for `pid`; call the result for the µs per request by thread kind. */
function threadSplitClock(pid: number): (requests: number) => ThreadSplit | undefined {
  const start = threadCpuNs(pid);
  return (requests) => {
    const end = threadCpuNs(pid);
    if (start === undefined || end === undefined) return undefined;
    const split: ThreadSplit = { js: 0, http: 0, jit: 0, gc: 0, other: 0 };
    for (const [kind, us] of usPerUnitByGroup(start, end, requests, threadKind)) split[kind] = us;
    return split;
  };
}

interface SteadyPhase {
  /** The process's CPU per request by thread kind (undefined for direct, or without schedstat). */
  split?: ThreadSplit;
  /** The fake upstreams' process CPU per request in the same phase, µs. */
  upstreamCpuUsPerRequest: number;
  requests: number;
}

/**
 * Steady state, after the repetitions: each saturation process (qwenplug
 * with the transport settings, the floor) serves `steadyWarmup` more short
 * replies at 100 clients, then `steadyMeasure` measured ones, CPU read per
 * thread; each protocol's fake is read directly the same way for its own.
 * By then the JIT has compiled the request path, which the repetitions'
 * few hundred requests per process still pay for.
 */
async function steadyState(plan: Plan, protocols: readonly Protocol[], variants: readonly Variant[], upstream: Upstream, failures: Failures): Promise<Record<string, SteadyPhase>> {
  const result: Record<string, SteadyPhase> = {};
  const perWorker = Math.max(1, Math.round(plan.steadyMeasure / plan.concurrency));
  const run = async (key: string, target: Target, pid: number | undefined, warmupRequests: number) => {
    let clock: ((requests: number) => ThreadSplit | undefined) | undefined;
    let upstreamClock = () => Number.NaN;
    let upstreamMs = Number.NaN;
    const loop = await closedLoop(key, target, TTFT_PROMPT, TTFT_TEXT, plan.concurrency, Math.max(1, Math.round(warmupRequests / plan.concurrency)), perWorker, 0, failures, {
      onMeasureStart() {
        if (pid !== undefined) clock = threadSplitClock(pid);
        upstreamClock = cpuClock(upstream.pid);
      },
      onMeasureEnd() {
        upstreamMs = upstreamClock();
      },
    });
    const split = clock?.(loop.completed);
    result[key] = { split, upstreamCpuUsPerRequest: (upstreamMs * 1000) / Math.max(1, loop.completed), requests: loop.completed };
    const total = split === undefined ? Number.NaN : Object.values(split).reduce((a, b) => a + b, 0);
    log(`  steady state ${key}: ${pid === undefined ? `fake ${num(result[key].upstreamCpuUsPerRequest)} µs` : `${num(total)} µs per request`}`);
  };
  for (const protocol of protocols) {
    await run(directKey(protocol), protocol.direct, undefined, plan.concurrency * 2);
    for (const v of variants.filter((x) => x.protocol === protocol && x.saturation)) {
      await run(v.key, targetOf(v), v.q.pid, plan.steadyWarmup);
    }
  }
  return result;
}

// ── 2. Transcoding rate ─────────────────────────────────────────────────────

interface TranscodeRep {
  directEventsPerSec: number;
  viaEventsPerSec: number;
  ratio: number;
  /** qwenplug CPU per upstream event during the via run, µs. */
  cpuUsPerEvent: number;
  /** The fake upstreams' process CPU per event during the direct run (the fake's own cost) and during the via run, µs. */
  fakeCpuUsPerEventDirect: number;
  fakeCpuUsPerEventVia: number;
  /** This client's CPU per event during the direct run (it JSON-parses every event), µs; for information. */
  clientCpuUsPerEventDirect: number;
  peakRssKb: number;
}

/** One long stream read directly and through qwenplug `q`, in alternating order per repetition; `upstreamPid` is the fakes' process. */
async function transcodeRep(rep: number, events: number, expected: string, direct: Target, via: Target, q: Qwenplug, upstreamPid: number, failures: Failures, prompt = "bench:transcode"): Promise<TranscodeRep> {
  const rates = { direct: Number.NaN, via: Number.NaN };
  const fakeCpu = { direct: Number.NaN, via: Number.NaN };
  let cpuUsPerEvent = Number.NaN;
  let clientCpuUsPerEventDirect = Number.NaN;
  let peakRssKb = 0;
  for (const target of rep % 2 === 0 ? [direct, via] : [via, direct]) {
    const qCpu = cpuClock(q.pid);
    const upstreamCpu = cpuClock(upstreamPid);
    const clientCpu = process.cpuUsage();
    const sampler = target.kind === "via" ? setInterval(() => (peakRssKb = Math.max(peakRssKb, readMemory(q.pid)?.rssKb ?? 0)), 25) : undefined;
    const outcome = await streamOnce(target, prompt, 120_000);
    const upstreamCpuMs = upstreamCpu();
    const qCpuMs = qCpu();
    const clientCpuUs = process.cpuUsage(clientCpu);
    if (sampler !== undefined) clearInterval(sampler);
    if (!outcome.ok || outcome.text !== expected) {
      failures.add(`${prompt.slice("bench:".length)} ${target.kind}${target.kind === "direct" && target.dialect ? ` ${target.dialect}` : ""}`, outcome);
      continue;
    }
    rates[target.kind] = (events * 1000) / outcome.totalMs;
    fakeCpu[target.kind] = (upstreamCpuMs * 1000) / events;
    if (target.kind === "via") cpuUsPerEvent = (qCpuMs * 1000) / events;
    else clientCpuUsPerEventDirect = (clientCpuUs.user + clientCpuUs.system) / events;
  }
  return { directEventsPerSec: rates.direct, viaEventsPerSec: rates.via, ratio: rates.via / rates.direct, cpuUsPerEvent, fakeCpuUsPerEventDirect: fakeCpu.direct, fakeCpuUsPerEventVia: fakeCpu.via, clientCpuUsPerEventDirect, peakRssKb };
}

// ── 3. Many concurrent streams ──────────────────────────────────────────────

interface ManyOutcome {
  exact: number;
  wallMs: number;
  /** The most streams the upstream had open at once. */
  upstreamMaxOpen: number;
  /** The upstream's counters when the run ended. */
  stats: UpstreamStats;
}

let runCounter = 0;

/**
 * Starts `n` streaming requests at once and counts the replies that come back
 * exactly right. With `hold`, the upstream sends each reply's first event at
 * once and the rest only when all n requests have arrived (or none arrived for
 * a while), so that all n streams are open together; without it, each reply
 * goes out at once at its own pace (for a qwenplug that queues requests itself).
 */
async function manyStreams(what: string, target: Target, n: number, hold: boolean, upstream: Upstream, failures: Failures): Promise<ManyOutcome> {
  const run = `r${process.pid}-${++runCounter}`;
  const started = now();
  const outcomes = await Promise.all(
    Array.from({ length: n }, async (_, id) => {
      const outcome = await streamOnce(target, `bench:many:${run}:${id}:${n}:${hold ? 1 : 0}`, 90_000);
      if (!outcome.ok || outcome.text !== manyIncrements(id).join("")) {
        failures.add(`${n} streams ${what}`, outcome);
        return false;
      }
      return true;
    }),
  );
  const wallMs = now() - started;
  const stats = await askStats(upstream, run);
  return { exact: outcomes.filter(Boolean).length, wallMs, upstreamMaxOpen: stats.maxOpen, stats };
}

interface ManyVia extends ManyOutcome {
  hwmKb: number;
  peakRssKb: number;
  startRssKb: number;
  /** The upstream's counters before this qwenplug started: with `stats`, what it cost the chat2 fake in registrations and refills. */
  statsBefore: UpstreamStats;
}

interface ManyRep {
  direct: ManyOutcome;
  /** qwenplug with the brief's environment. */
  via: ManyVia;
  /** qwenplug with its concurrency limits raised above n (see `raisedLimitsEnv`). */
  viaRaised: ManyVia;
}

async function manyThroughFreshQwenplug(what: string, plan: Plan, upstream: Upstream, protocol: Protocol, env: Record<string, string>, hold: boolean, failures: Failures): Promise<ManyVia> {
  const statsBefore = await askStats(upstream);
  // A fresh process per repetition: VmHWM is a lifetime peak, so an older process
  // would report the peak of whatever it did before.
  const q = await spawnServer(protocol.upstreamUrl, { env: { ...protocol.env, ...env } });
  try {
    const target: Target = { kind: "via", url: q.url, model: protocol.model };
    await streamOnce(target, TTFT_PROMPT, 10_000);
    await completeOnce(q.url, TTFT_PROMPT, 10_000, protocol.model);
    const startRssKb = readMemory(q.pid)?.rssKb ?? Number.NaN;
    let peakRssKb = 0;
    const sampler = setInterval(() => (peakRssKb = Math.max(peakRssKb, readMemory(q.pid)?.rssKb ?? 0)), 20);
    const outcome = await manyStreams(what, target, plan.streams, hold, upstream, failures);
    clearInterval(sampler);
    const hwmKb = readMemory(q.pid)?.hwmKb ?? Number.NaN;
    return { ...outcome, hwmKb, peakRssKb, startRssKb, statsBefore };
  } finally {
    await q.stop();
  }
}

/**
 * The environment that lifts qwenplug's concurrency limits above `streams`:
 * Bun's fetch limit, and the per-account in-flight cap if this index.ts has one.
 */
function raisedLimitsEnv(streams: number): Record<string, string> {
  return { BUN_CONFIG_MAX_HTTP_REQUESTS: String(streams * 2 + 64), ...knownSettings({ ACCOUNT_MAX_IN_FLIGHT: String(streams) }) };
}

async function manyRep(plan: Plan, upstream: Upstream, protocol: Protocol, failures: Failures): Promise<ManyRep> {
  const direct = await manyStreams(`${protocol.name} direct`, protocol.direct, plan.streams, true, upstream, failures);
  // With its default limits qwenplug queues most requests itself, so a held
  // upstream would only wait for arrivals that cannot come.
  const via = await manyThroughFreshQwenplug(`${protocol.name} defaults`, plan, upstream, protocol, {}, false, failures);
  const viaRaised = await manyThroughFreshQwenplug(`${protocol.name} raised`, plan, upstream, protocol, raisedLimitsEnv(plan.streams), true, failures);
  return { direct, via, viaRaised };
}

/** Of `settings`, those whose names index.ts mentions: an older or newer index.ts may not have them. */
function knownSettings(settings: Record<string, string>): Record<string, string> {
  const source = readFileSync(join(ROOT, "index.ts"), "utf8");
  return Object.fromEntries(Object.entries(settings).filter(([name]) => source.includes(name)));
}

const envText = (env: Record<string, string>) => Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ");

// ── 4. Cold start and idle memory ───────────────────────────────────────────

interface ColdRep {
  listenMs: number;
  firstResponseMs: number;
  idleRssKb: number;
}

// The runtime floor to compare with: a bare Bun.serve that answers by making
// the same one upstream call, with no config parsing, zod or OpenAI encoding.
const BARE_SERVER = `
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT),
  async fetch(req) {
    await req.text();
    const upstream = await fetch(process.env.QWEN_CN_BASE_URL + "/dialog/conversation", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", content: "bench:ttft" }] }),
    });
    return new Response(JSON.stringify({ choices: [{ message: { content: await upstream.text() } }] }), { headers: { "content-type": "application/json" } });
  },
});
console.log("listening on " + server.port);
`;

/** The bundle ./Dockerfile builds and runs (bench/dockerfile.ts), and how it was built, for the notes. */
type MeasuredBundle = Bundle & { how: string };

/**
 * Builds the bundle exactly as ./Dockerfile does (bench/dockerfile.ts).
 * Without a readable recipe: `bun build index.ts --target=bun --minify
 * --outfile=server.js`, run as `bun server.js` with NODE_ENV=production.
 */
function buildDockerBundle(dir: string): MeasuredBundle | string {
  const read = readDockerRecipe(ROOT);
  const recipe = typeof read === "string" ? FALLBACK_RECIPE : read;
  const bundle = buildBundle(ROOT, recipe, dir, baseEnv());
  if (typeof bundle === "string") return bundle;
  const how = `${typeof read === "string" ? `(${read}: the fallback) ` : "as ./Dockerfile: "}\`bun build ${recipe.build.join(" ")}\` (output moved to a temporary directory; it wrote ${bundle.files.join(", ")}), run as \`${recipe.cmd.join(" ")}\` in that directory with ${envText(bundle.env)}`;
  return { ...bundle, how };
}


async function coldRep(upstream: Upstream, options: SpawnOptions, settleMs: number | undefined): Promise<ColdRep> {
  const q = await spawnServer(upstream.url, options);
  try {
    await completeOnce(q.url, TTFT_PROMPT, 10_000);
    const firstResponseMs = now() - q.spawnedAt;
    let idleRssKb = Number.NaN;
    if (settleMs !== undefined) {
      // "A couple of requests", one of each kind, then let timers and GC settle.
      if (options.evalScript === undefined) await streamOnce({ kind: "via", url: q.url }, TTFT_PROMPT, 10_000);
      else await completeOnce(q.url, TTFT_PROMPT, 10_000);
      await completeOnce(q.url, TTFT_PROMPT, 10_000);
      await sleep(settleMs);
      idleRssKb = readMemory(q.pid)?.rssKb ?? Number.NaN;
    }
    return { listenMs: q.listeningAt - q.spawnedAt, firstResponseMs, idleRssKb };
  } finally {
    await q.stop();
  }
}

// ── 5. Image size estimate ──────────────────────────────────────────────────

/**
 * Published size of the base image. There is no Docker engine or registry
 * access here, so this comes from a stored copy of the Docker Hub tag list
 * (https://hub.docker.com/r/oven/bun/tags, undated snapshot): canary-alpine
 * linux/amd64 45.3 MB compressed (distroless 46.71 MB, slim 70.68 MB, debian
 * 88.41 MB). The 1-alpine row itself was not in the snapshot; canary-alpine is
 * the same Dockerfile on a newer binary. Docker Hub lists no uncompressed size.
 */
const PUBLISHED_ALPINE = { tag: "oven/bun:canary-alpine", compressedMb: 45.3, source: "hub.docker.com/r/oven/bun/tags (stored, undated snapshot; linux/amd64)" };
/** alpine:3.2x linux/amd64 as listed on Docker Hub (3.5–3.7 MB compressed); about 8 MB on disk. */
const ALPINE_BASE_UNCOMPRESSED_MB = 8;

interface ImageEstimate {
  from: string;
  /** The Dockerfile copies a `bun build` bundle rather than index.ts + node_modules. */
  usesBundle: boolean;
  bunBinaryMb: number;
  bunBinaryGzipMb: number;
  appSourceMb: number;
  productionDepsMb: number;
  productionDepsApparentMb: number;
  /** gzip -6 of index.ts plus the production node_modules, file by file. */
  sourceAndDepsGzipMb: number;
  /** Every file the Dockerfile's `bun build` wrote, together. */
  bundleMb: number;
  bundleGzipMb: number;
  bundleFiles: string[];
}

function readDockerfile(): { from: string; usesBundle: boolean } {
  const path = join(ROOT, "Dockerfile");
  if (!existsSync(path)) return { from: "(no ./Dockerfile; assuming oven/bun:1-alpine)", usesBundle: false };
  const instructions = dockerInstructions(readFileSync(path, "utf8"));
  const froms = instructions.filter(([instruction]) => instruction === "FROM").map(([, rest]) => rest.split(/\s+/)[0] as string);
  const from = froms.length === 0 ? "(./Dockerfile has no FROM line)" : `${froms[froms.length - 1]}${froms.length > 1 ? ` (final stage of ${froms.length})` : ""}`;
  return { from, usesBundle: typeof readDockerRecipe(ROOT) !== "string" };
}

async function estimateImage(plan: Plan, bundle: Bundle | undefined): Promise<ImageEstimate> {
  const bunBinary = statSync(process.execPath).size;
  // Docker layers are gzip-compressed; gzip -6 of this machine's binary approximates the Bun layer.
  const bunBinaryGzipMb = plan.gzipBinary ? Bun.gzipSync(readFileSync(process.execPath), { level: 6 }).length / 1e6 : Number.NaN;
  // A production install into a temporary copy of package.json and bun.lock, measured with du.
  const dir = mkdtempSync(join(tmpdir(), "qwenplug-image-"));
  try {
    cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
    if (existsSync(join(ROOT, "bun.lock"))) cpSync(join(ROOT, "bun.lock"), join(dir, "bun.lock"));
    const install = Bun.spawn([process.execPath, "install", "--production", "--no-progress", "--ignore-scripts"], { cwd: dir, env: baseEnv(), stdout: "pipe", stderr: "pipe" });
    children.add(install);
    const code = await withTimeout(install.exited, 90_000, "bun install --production").catch(async (err: unknown) => {
      await stopProcess(install, 0);
      throw err;
    });
    children.delete(install);
    if (code !== 0) throw new Error(`bun install --production exited with ${code}: ${(await new Response(install.stderr).text()).slice(0, 300)}`);
    const duMb = (args: string[]) => (Number(Bun.spawnSync(["du", ...args, join(dir, "node_modules")]).stdout.toString().split(/\s/)[0]) * 1024) / 1e6;
    return {
      ...readDockerfile(),
      bunBinaryMb: bunBinary / 1e6,
      bunBinaryGzipMb,
      appSourceMb: statSync(join(ROOT, "index.ts")).size / 1e6,
      productionDepsMb: duMb(["-sk"]),
      productionDepsApparentMb: duMb(["-sk", "--apparent-size"]),
      sourceAndDepsGzipMb: (gzipSize(join(ROOT, "index.ts")) + gzipSize(join(dir, "node_modules"))) / 1e6,
      bundleMb: (bundle?.bytes ?? Number.NaN) / 1e6,
      bundleGzipMb: (bundle?.gzipBytes ?? Number.NaN) / 1e6,
      bundleFiles: bundle?.files ?? [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── Report ──────────────────────────────────────────────────────────────────

interface Row {
  id: string;
  measure: string;
  direct: string;
  via: string;
  added: string;
  target: string;
  result: string;
}

/** "met" / "missed by …" for a figure that should stay below `limit`, judged on the median. */
function below(s: Spread, limit: number, unit: string): string {
  const over = s.values.filter((v) => !(v < limit)).length;
  const reps = over > 0 && s.median < limit ? ` (${over}/${s.values.length} reps over)` : "";
  return s.median < limit ? `met${reps}` : `**missed** by ${num(s.median - limit)}${unit} (${num(s.median / limit)}× the target)`;
}

/** As `below`, for a figure that may reach `limit` (a "≤" target). */
function notAbove(s: Spread, limit: number, unit: string): string {
  const over = s.values.filter((v) => !(v <= limit)).length;
  const reps = over > 0 && s.median <= limit ? ` (${over}/${s.values.length} reps over)` : "";
  return s.median <= limit ? `met${reps}` : `**missed** by ${num(s.median - limit)}${unit} (${num(s.median / limit)}× the target)`;
}

/** Row letters after the section number: a…z, then aa, ab, … */
const rowLetters = (n: number): string => {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  return n < letters.length ? (letters[n] as string) : `${rowLetters(Math.floor(n / letters.length) - 1)}${letters[n % letters.length] as string}`;
};

function atLeast(s: Spread, limit: number, unit: string): string {
  const under = s.values.filter((v) => !(v >= limit)).length;
  const reps = under > 0 && s.median >= limit ? ` (${under}/${s.values.length} reps under)` : "";
  return s.median >= limit ? `met${reps}` : `**missed** by ${num(limit - s.median)}${unit}`;
}

function table(rows: readonly Row[]): string {
  const header = "| # | Measure | Direct to fake upstream | Via qwenplug | Added by qwenplug | Target | Result |";
  const rule = "|---|---|---|---|---|---|---|";
  const esc = (s: string) => s.replaceAll("|", "\\|");
  return [header, rule, ...rows.map((r) => `| ${r.id} | ${esc(r.measure)} | ${esc(r.direct)} | ${esc(r.via)} | ${esc(r.added)} | ${esc(r.target)} | ${esc(r.result)} |`)].join("\n");
}

// ── Sections ────────────────────────────────────────────────────────────────

const SECTIONS = ["latency", "transcode", "streams", "cold", "image"] as const;
type Section = (typeof SECTIONS)[number];

interface Context {
  plan: Plan;
  flags: Flags;
  upstream: Upstream;
  failures: Failures;
}

interface SectionResult {
  rows: Row[];
  notes: string[];
  raw: Record<string, unknown>;
}

/** Sections 1 and 2 share one long-lived qwenplug, their repetitions interleaved. */
async function runLatencyAndTranscoding(ctx: Context, doLatency: boolean, doTranscode: boolean): Promise<SectionResult> {
  const { plan, flags, upstream, failures } = ctx;
  const result: SectionResult = { rows: [], notes: [], raw: {} };
  let transcodeText = "";
  let streamMb = 0;
  let intlStreamMb = 0;
  let chat2StreamMb = 0;
  if (doTranscode) {
    // Built before anything is timed.
    const prepared = await upstream.ask({ type: "prepare", events: plan.transcodeEvents }, "prepared");
    transcodeText = increments(TRANSCODE_SEED, plan.transcodeEvents, 1, 3).join("");
    if (transcodeText.length !== prepared.finalChars) throw new Error("upstream and client disagree on the transcoding text");
    streamMb = prepared.bytes / 1e6;
    intlStreamMb = prepared.intlBytes / 1e6;
    chat2StreamMb = prepared.chat2Bytes / 1e6;
    log(`transcoding stream: ${plan.transcodeEvents} events, final text ${prepared.finalChars} chars (${num(Buffer.byteLength(transcodeText) / 1e3)} KB), whole stream ${num(streamMb)} MB (CN cumulative), ${num(chat2StreamMb)} MB (CN chat2 cumulative), ${num(intlStreamMb)} MB (INTL incremental)`);
  }

  // The brief's configuration, and (for latency) one with the settings that hold
  // text back or cap concurrency by design switched off, which leaves qwenplug's
  // transport cost on its own.
  const profileDir = join(RESULTS_DIR, "profile");
  /** With --profile, each qwenplug of these sections writes a CPU profile into its own directory when it stops. */
  const profiled = (name: string): string[] => {
    if (!flags.profile) return [];
    mkdirSync(join(profileDir, name), { recursive: true });
    return ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${join(profileDir, name)}`];
  };
  const protocols = benchProtocols(upstream);
  const transportEnv = knownSettings(transportSettings(plan.concurrency));
  const hasTransport = doLatency && Object.keys(transportEnv).length > 0;
  // Per protocol, a qwenplug with the defaults (which section 2 also
  // reads) and, for latency, one with the transport settings; when this index.ts
  // has nothing to switch off, the defaults are the transport.
  const variants: Variant[] = [];
  const defaultsOf = (name: Protocol["name"]): Qwenplug => {
    const variant = variants.find((v) => v.protocol.name === name && v.config === "defaults");
    if (variant === undefined) throw new Error(`no ${name} qwenplug with the defaults`);
    return variant.q;
  };
  const ttftReps: TtftRep[] = [];
  let steady: Record<string, SteadyPhase> = {};
  const transcodeReps: TranscodeRep[] = [];
  const intlReps: TranscodeRep[] = [];
  const chat2Reps: TranscodeRep[] = [];
  // The same three against bench:transcode-live (each event built as it is sent).
  const transcodeLiveReps: TranscodeRep[] = [];
  const intlLiveReps: TranscodeRep[] = [];
  const chat2LiveReps: TranscodeRep[] = [];
  const transcodeRepsOf = {
    dialog: { label: "CN", reps: transcodeReps, liveReps: transcodeLiveReps },
    chat2: { label: "CN chat2", reps: chat2Reps, liveReps: chat2LiveReps },
    intl: { label: "INTL", reps: intlReps, liveReps: intlLiveReps },
  } satisfies Record<Protocol["name"], unknown>;
  /** Through the protocol's qwenplug with the defaults, for the model its protocol is asked for. */
  const viaDefaults = (protocol: Protocol): Target => ({ kind: "via", url: defaultsOf(protocol.name).url, model: protocol.model });
  const statsBefore = await askStats(upstream);
  try {
    for (const protocol of protocols) {
      for (const config of hasTransport ? (["defaults", "transport"] as const) : (["defaults"] as const)) {
        const env = config === "transport" ? transportEnv : {};
        const q = await spawnServer(protocol.upstreamUrl, { bunArgs: profiled(`${protocol.name}-${config}`), env: { ...protocol.env, ...env } });
        const isTransport = doLatency && (config === "transport" || !hasTransport);
        variants.push({ key: `${protocol.name} ${config}`, protocol, config, q, env, warmup: isTransport ? 1 : 0, streamsPerWorker: isTransport ? plan.streamsPerWorker : 1, saturation: isTransport });
      }
      if (doLatency && flags.baseline !== undefined) {
        // The older copy runs from its own directory, so it resolves its own node_modules.
        const q = await spawnServer(protocol.upstreamUrl, { entry: flags.baseline, cwd: dirname(flags.baseline), env: { ...protocol.env, ...transportEnv } });
        variants.push({ key: `${protocol.name} baseline`, protocol, config: "baseline", q, env: transportEnv, warmup: 1, streamsPerWorker: plan.streamsPerWorker, saturation: true });
      }
      if (doLatency) variants.push({ key: `${protocol.name} floor`, protocol, config: "floor", q: await spawnFloor(upstream), env: {}, warmup: 1, streamsPerWorker: plan.streamsPerWorker, saturation: true });
    }
    if (doTranscode) {
      // chat2's and INTL's first stream (INTL's takes only tens of ms) would count the warm-up (JIT, the model list, connections): one unmeasured each.
      for (const protocol of protocols.filter((p) => p.name !== "dialog")) {
        for (const target of [protocol.direct, viaDefaults(protocol)]) await streamOnce(target, "bench:transcode", 60_000);
      }
    }
    for (let rep = 0; rep < plan.reps; rep++) {
      if (doLatency) {
        const t = await ttftRep(plan, rep, protocols, variants, upstream, failures);
        ttftReps.push(t);
        const p50 = (phases: Record<string, Phase>) => Object.entries(phases).map(([key, phase]) => `${key} ${num(phase.p50)}`).join(", ");
        log(`rep ${rep + 1}/${plan.reps} TTFT p50 ms: 1 stream ${p50(t.serial)}; ${plan.concurrency} streams ${p50(t.streams)}; saturation ${p50(t.burst)}`);
      }
      if (doTranscode) {
        for (const protocol of protocols) {
          const { label, reps, liveReps } = transcodeRepsOf[protocol.name];
          const q = defaultsOf(protocol.name);
          const r = await transcodeRep(rep, plan.transcodeEvents, transcodeText, protocol.direct, viaDefaults(protocol), q, upstream.pid, failures);
          reps.push(r);
          // The same reply from a fake that builds each event as it sends it: CPU per event against a server's.
          const live = await transcodeRep(rep, plan.transcodeEvents, transcodeText, protocol.direct, viaDefaults(protocol), q, upstream.pid, failures, "bench:transcode-live");
          liveReps.push(live);
          log(`rep ${rep + 1}/${plan.reps} ${label} transcoding direct ${num(r.directEventsPerSec)} ev/s, via ${num(r.viaEventsPerSec)} ev/s; CPU per event, live fake: qwenplug ${num(live.cpuUsPerEvent)} µs, fake ${num(live.fakeCpuUsPerEventDirect)} µs`);
        }
      }
    }
    if (doLatency) steady = await steadyState(plan, protocols, variants, upstream, failures);
  } finally {
    for (const variant of variants) await variant.q.stop();
  }
  const statsAfter = await askStats(upstream);
  const intlCalls = { completions: statsAfter.intl.completions - statsBefore.intl.completions, created: statsAfter.intl.chatsCreated - statsBefore.intl.chatsCreated, deleted: statsAfter.intl.chatsDeleted - statsBefore.intl.chatsDeleted };
  const intlCallsText = ` (the INTL fake over ${doLatency && doTranscode ? "sections 1 and 2" : doLatency ? "section 1" : "section 2"}: ${intlCalls.completions} chat/completions, ${intlCalls.created} chats created, ${intlCalls.deleted} deleted)`;
  result.raw = { ttftReps, steady, transcodeReps, intlReps, chat2Reps, transcodeLiveReps, chat2LiveReps, intlLiveReps, variants: variants.map((v) => ({ key: v.key, env: { ...v.protocol.env, ...v.env } })) };
  const sections = doLatency && doTranscode ? "sections 1 and 2" : doLatency ? "section 1" : "section 2";
  if (flags.profile) result.notes.push(`CPU profiles of the qwenplug processes of ${sections}: ${profileDir}/<${variants.map((v) => `${v.protocol.name}-${v.config}`).join("|")}> (.cpuprofile and .md; Bun credits idle gaps to the last sample, so compare sample counts, not times).`);
  result.notes.push(`The chat2 fake (bench/fake-chat2.ts) over ${sections}, all chat2 qwenplugs together: ${signingText(statsBefore, statsAfter)}.`);

  if (doLatency) {
    const latency = latencyResult({ plan, flags, protocols, variants, ttftReps, steady, transportEnv, intlCallsText });
    result.rows.push(...latency.rows);
    result.notes.push(...latency.notes);
  }
  if (doTranscode) {
    const transcode = transcodeResult({ plan, transcodeText, streamMb, chat2StreamMb, intlStreamMb, transcodeReps, chat2Reps, intlReps, transcodeLiveReps, chat2LiveReps, intlLiveReps });
    result.rows.push(...transcode.rows);
    result.notes.push(...transcode.notes);
  }
  return result;
}

/** What section 1 measured, as rows (1a, 1b, …) and notes. */
function latencyResult(input: {
  plan: Plan;
  flags: Flags;
  protocols: readonly Protocol[];
  variants: readonly Variant[];
  ttftReps: readonly TtftRep[];
  steady: Record<string, SteadyPhase>;
  transportEnv: Record<string, string>;
  intlCallsText: string;
}): { rows: Row[]; notes: string[] } {
  const { plan, flags, protocols, variants, ttftReps, steady, transportEnv, intlCallsText } = input;
  const result = { rows: [] as Row[], notes: [] as string[] };
  const none = Number.NaN;
  const phaseOf = (phases: Record<string, Phase>, key: string): Phase => phases[key] ?? { p50: none, p99: none, n: 0, opens: none, requests: 0, requestsPerSec: none, cpuUsPerRequest: none, upstreamCpuUsPerRequest: none };
  type Pick = (r: TtftRep) => Record<string, Phase>;
  const ttftRow = (id: string, label: string, pick: Pick, v: Variant, stat: "p50" | "p99", limit: number, isIssue22: boolean) => {
    const direct = directKey(v.protocol);
    const added = spread(ttftReps.map((r) => phaseOf(pick(r), v.key)[stat] - phaseOf(pick(r), direct)[stat]));
    result.rows.push({
      id,
      measure: label,
      direct: withSpread(spread(ttftReps.map((r) => phaseOf(pick(r), direct)[stat])), " ms"),
      via: withSpread(spread(ttftReps.map((r) => phaseOf(pick(r), v.key)[stat])), " ms"),
      added: withSpread(added, " ms"),
      target: isIssue22 ? `≤ ${limit} ms added (issue 22)` : `< ${limit} ms added`,
      result: isIssue22 ? notAbove(added, limit, " ms") : below(added, limit, " ms"),
    });
  };
  /** qwenplug's CPU per request in the saturation phase against the fake's own: its process over the direct phase of the same protocol. */
  const cpuRow = (id: string, v: Variant) => {
    const direct = directKey(v.protocol);
    const fakeOwn = (r: TtftRep) => phaseOf(r.burst, direct).upstreamCpuUsPerRequest;
    const ratio = spread(ttftReps.map((r) => phaseOf(r.burst, v.key).cpuUsPerRequest / fakeOwn(r)));
    result.rows.push({
      id,
      measure: `CPU per request, saturation [${config(v)}]: ${v.config === "floor" ? "the relay" : "qwenplug"} vs the fake's own (its process over the direct phase; in parentheses, over the via phase)`,
      direct: withSpread(spread(ttftReps.map(fakeOwn)), " µs"),
      via: `${withSpread(spread(ttftReps.map((r) => phaseOf(r.burst, v.key).cpuUsPerRequest)), " µs")} (fake ${withSpread(spread(ttftReps.map((r) => phaseOf(r.burst, v.key).upstreamCpuUsPerRequest)), " µs")})`,
      added: `ratio ${withSpread(ratio, "×")}`,
      target: "≤ 2× the fake's own (issue 22)",
      result: notAbove(ratio, 2, "×"),
    });
  };
  const first = ttftReps[0];
  const serial: Pick = (r) => r.serial;
  const streams: Pick = (r) => r.streams;
  const burst: Pick = (r) => r.burst;
  const n = (pick: Pick, v: Variant) => (first ? phaseOf(pick(first), v.key).n : 0);
  const rps = (key: string) => withSpread(spread(ttftReps.map((r) => phaseOf(r.burst, key).requestsPerSec)), " req/s");
  const config = (v: Variant) =>
    `${v.protocol.label}, ${v.config === "defaults" ? "defaults" : v.config === "floor" ? `runtime floor: bench/floor.ts relaying, ${FLOOR_CALLS[v.protocol.name]}` : v.config === "baseline" ? `baseline ${flags.baseline === undefined ? "" : join(basename(dirname(flags.baseline)), basename(flags.baseline))}, ${envText(v.env)}` : envText(v.env)}`;
  // Each measure for every protocol in turn, so that the chat2 rows stand beside the /dialog ones.
  // The issue-22 targets: 100 requests spread over half a second (the 100-stream phase) add ≤ 0.5 ms p50; a burst of 100 (saturation) ≤ 10 ms p50.
  const measures: Array<{ label: (v: Variant) => string; pick: Pick; stat: "p50" | "p99"; limit: number; isIssue22?: true; isSaturation?: true }> = [
    { label: (v) => `TTFT p50, 1 stream [${config(v)}] (${n(serial, v)} req/rep)`, pick: serial, stat: "p50", limit: 0.5 },
    { label: (v) => `TTFT p99, 1 stream [${config(v)}]`, pick: serial, stat: "p99", limit: 2 },
    { label: (v) => `TTFT p50, ${plan.concurrency} concurrent streams spread over ~${num(STREAM_SECONDS)} s [${config(v)}] (${STREAM_INCREMENTS.length} events over ~${num(STREAM_SECONDS)} s each; ${n(streams, v)} req/rep)`, pick: streams, stat: "p50", limit: 0.5, isIssue22: true },
    { label: (v) => `TTFT p99, ${plan.concurrency} concurrent streams [${config(v)}]`, pick: streams, stat: "p99", limit: 2 },
    { label: (v) => `TTFT p50, saturation (burst) [${config(v)}]: ${plan.concurrency} workers, short replies back to back (${n(burst, v)} req/rep; direct ${rps(directKey(v.protocol))}, via ${rps(v.key)})`, pick: burst, stat: "p50", limit: 10, isIssue22: true, isSaturation: true },
    { label: (v) => `TTFT p99, saturation (burst) [${config(v)}]`, pick: burst, stat: "p99", limit: 2, isSaturation: true },
  ];
  let next = 0;
  const id = () => `1${rowLetters(next++)}`;
  for (const configName of ["defaults", "transport", "baseline", "floor"] as const) {
    // The floor's and the baseline's rows: the p50s the issue-22 targets are about, and the 1-stream one.
    for (const measure of configName === "floor" || configName === "baseline" ? measures.filter((m) => m.stat === "p50") : measures) {
      for (const v of variants.filter((x) => x.config === configName && (x.saturation || !measure.isSaturation))) ttftRow(id(), measure.label(v), measure.pick, v, measure.stat, measure.limit, measure.isIssue22 === true);
    }
  }
  for (const v of variants.filter((x) => x.saturation)) cpuRow(id(), v);
  /** The steady-state figure: CPU per request by thread after the JIT has settled, against the fake's own read the same way. */
  const steadyRow = (v: Variant) => {
    const split = steady[v.key]?.split;
    const fakeOwn = steady[directKey(v.protocol)]?.upstreamCpuUsPerRequest ?? Number.NaN;
    const total = split === undefined ? Number.NaN : Object.values(split).reduce((a, b) => a + b, 0);
    const ratio = total / fakeOwn;
    result.rows.push({
      id: id(),
      measure: `CPU per request, steady state (after ${plan.steadyWarmup.toLocaleString("en-US")} more requests; ${steady[v.key]?.requests ?? 0} measured) [${config(v)}]: ${v.config === "floor" ? "the relay" : "qwenplug"} by thread vs the fake's own`,
      direct: `${num(fakeOwn)} µs`,
      via: split === undefined ? "n/a (no schedstat)" : `${num(total)} µs: JS ${num(split.js)}, HTTP client ${num(split.http)}, GC ${num(split.gc)}, JIT ${num(split.jit)}, other ${num(split.other)} (fake ${num(steady[v.key]?.upstreamCpuUsPerRequest ?? Number.NaN)} µs)`,
      added: `ratio ${num(ratio)}×`,
      target: "≤ 2× the fake's own (issue 22)",
      result: Number.isFinite(ratio) ? notAbove(spread([ratio]), 2, "×") : "—",
    });
  };
  for (const v of variants.filter((x) => x.saturation)) steadyRow(v);

  const opensText = (pick: Pick, key: string) => {
    const opens = ttftReps.reduce((sum, r) => sum + phaseOf(pick(r), key).opens, 0);
    const requests = ttftReps.reduce((sum, r) => sum + phaseOf(pick(r), key).requests, 0);
    return `${opens} for ${requests} requests`;
  };
  const cpu = (pick: Pick, key: string) => withSpread(spread(ttftReps.map((r) => phaseOf(pick(r), key).cpuUsPerRequest)), " µs");
  const fakeCpu = (pick: Pick, key: string) => `fake ${withSpread(spread(ttftReps.map((r) => phaseOf(pick(r), key).upstreamCpuUsPerRequest)), " µs")}`;
  const directKeys = protocols.map(directKey);
  const cpuText = (p: Protocol) =>
    `${p.label}: direct ${plan.concurrency} streams ${fakeCpu(streams, directKey(p))}, saturation ${fakeCpu(burst, directKey(p))}; ` +
    variants
      .filter((v) => v.protocol === p)
      .map((v) => `${v.config}: 1 stream ${cpu(serial, v.key)}, ${plan.concurrency} streams ${cpu(streams, v.key)} (${fakeCpu(streams, v.key)})${v.saturation ? `, saturation ${cpu(burst, v.key)} (${fakeCpu(burst, v.key)})` : ""}`)
      .join("; ");
  result.notes.push(
    `TTFT = time from just before fetch() to the first SSE event with text (qwenplug: choices[0].delta.content non-empty; direct /dialog: contents[0].content non-empty; direct chat2: data.messages[0].content non-empty; direct chat.qwen.ai: choices[0].delta.content non-empty in the answer phase). Replies: "1 stream" and saturation ${TTFT_INCREMENTS.length} events (${TTFT_INCREMENTS.map((t) => t.length).join("+")} chars; the first at once, the rest 2 ms later); "${plan.concurrency} concurrent streams" ${STREAM_INCREMENTS.length} events ${STREAM_EVENT_GAP_MS / 2}–${STREAM_EVENT_GAP_MS * 1.5} ms apart, each worker sending its next request when a reply ends, the workers' starts spread over ${num(STREAM_SECONDS)} s so streams are at all phases at once. Saturation is a throughput test: TTFT there is queueing (Little's law), i.e. mostly qwenplug's CPU per request.`,
    `[defaults] is qwenplug as the brief starts it. [${envText(transportEnv) || "none"}] switches off what holds text back (the failover gate's first FAILOVER_HOLDBACK_CHARS characters, up to FAILOVER_HOLDBACK_MS) and the per-account in-flight cap (ACCOUNT_MAX_IN_FLIGHT, 2 accounts here), leaving qwenplug's transport cost. With the defaults, the 100-stream TTFT is mostly time spent queued for an account slot (measured from a cold start of the loop, no warm-up). The chat2 rows run the same loads against bench/fake-chat2.ts (CN_PROTOCOL=chat2): every request qwenplug sends is signed with a single-use salt and verified by the fake; the direct client sends the same body unsigned, which that fake lets through. The chat.qwen.ai rows run them against bench/upstream.ts's INTL server, in its incremental frames, through a qwenplug with INTL_ACCOUNT_1/2_TOKEN asked for "intl/qwen-max": per request qwenplug makes three upstream calls (chats/new, chat/completions, the chat's delete) where the direct client makes the one chat/completions call${intlCallsText}.`,
    ...(flags.baseline === undefined
      ? []
      : [`[baseline …] is another qwenplug, ${flags.baseline} (index.ts sha256 ${createHash("sha256").update(readFileSync(flags.baseline)).digest("hex").slice(0, 12)}), run from its own directory with the same environment as [${envText(transportEnv)}] and measured in the same repetitions, its phases rotating with the others': before and after from one run.`]),
    `[runtime floor] is bench/floor.ts, not qwenplug: a bare Bun.serve relay that makes the calls qwenplug makes for one chat (${protocols.map((p) => `${p.label}: ${FLOOR_CALLS[p.name]}`).join("; ")}) and passes the fake's reply through unchanged, read by the direct client in the fake's own dialect. It has no validation, pool, signing, SSE parsing or re-encoding, so its rows are the least any gateway of this design (Bun.serve in front, fetch to the upstream, the protocols' calls) can cost on this machine: where the floor itself misses a target, qwenplug cannot meet it without fewer upstream calls or another runtime.`,
    `Warm connections — TCP connections opened while measuring ("via" counts both hops and qwenplug's session-delete calls), all reps: 1 stream, all targets interleaved: ${opensText(serial, directKeys[0] ?? "")}; ${plan.concurrency} streams: ${[...directKeys, ...variants.map((v) => v.key)].map((key) => `${key} ${opensText(streams, key)}`).join(", ")}; saturation: ${[...directKeys, ...variants.filter((v) => v.saturation).map((v) => v.key)].map((key) => `${key} ${opensText(burst, key)}`).join(", ")}. The [defaults] 100-stream loop starts cold (about 100 first connections per repetition); otherwise, Bun keeps at most 64 idle keep-alive sockets per process, so with 100 in flight some reconnects happen on every path.`,
    `CPU per request (all threads of the process): qwenplug's, and in parentheses the fake upstreams' process in the same phase (one process serves all three fakes, and each phase reaches one; under "direct" that is the fake's own cost per request, the figure qwenplug's is compared with in the "CPU per request, saturation" rows). Read per thread from /proc/<pid>/task/*/schedstat where present (ns), else /proc/<pid>/stat (10 ms ticks). ${protocols.map(cpuText).join(". ")}.`,
  );
  return result;
}

/** What section 2 measured, as rows (2a–2i) and notes. */
function transcodeResult(input: {
  plan: Plan;
  transcodeText: string;
  streamMb: number;
  chat2StreamMb: number;
  intlStreamMb: number;
  transcodeReps: readonly TranscodeRep[];
  chat2Reps: readonly TranscodeRep[];
  intlReps: readonly TranscodeRep[];
  transcodeLiveReps: readonly TranscodeRep[];
  chat2LiveReps: readonly TranscodeRep[];
  intlLiveReps: readonly TranscodeRep[];
}): { rows: Row[]; notes: string[] } {
  const { plan, transcodeText, streamMb, chat2StreamMb, intlStreamMb, transcodeReps, chat2Reps, intlReps, transcodeLiveReps, chat2LiveReps, intlLiveReps } = input;
  const result = { rows: [] as Row[], notes: [] as string[] };
  /** Events per second through qwenplug against direct, for one protocol's transcoding runs. */
  const rateRow = (id: string, measure: string, reps: readonly TranscodeRep[]) => {
    const ratio = spread(reps.map((r) => r.ratio));
    result.rows.push({
      id,
      measure,
      direct: withSpread(spread(reps.map((r) => r.directEventsPerSec / 1000)), "k ev/s"),
      via: withSpread(spread(reps.map((r) => r.viaEventsPerSec / 1000)), "k ev/s"),
      added: `ratio ${withSpread(ratio, "×")}`,
      target: "≥ 0.7× direct",
      result: atLeast(ratio, 0.7, "×"),
    });
  };
  const events = plan.transcodeEvents.toLocaleString("en");
  rateRow("2a", `Transcoding, CN cumulative [defaults]: ${events} events of 1–3 chars (text grows to ${num(Buffer.byteLength(transcodeText) / 1e3)} KB; the stream is ${num(streamMb)} MB)`, transcodeReps);
  rateRow("2c", `Transcoding, CN chat2 cumulative, signed [defaults + CN_PROTOCOL=chat2]: the same ${events} snapshots (the stream is ${num(chat2StreamMb)} MB)`, chat2Reps);
  rateRow("2b", `Transcoding, INTL incremental [INTL accounts]: the same ${events} increments, one per event (the stream is ${num(intlStreamMb)} MB)`, intlReps);
  const cpuPerEventRow = (id: string, label: string, reps: readonly TranscodeRep[]) => {
    const ratio = spread(reps.map((r) => r.cpuUsPerEvent / r.fakeCpuUsPerEventDirect));
    result.rows.push({
      id,
      measure: `CPU per upstream event, transcoding ${label}: qwenplug's process over the via run vs the fake's own (its process over the direct run; in parentheses, over the via run)`,
      direct: `${withSpread(spread(reps.map((r) => r.fakeCpuUsPerEventDirect)), " µs")} (via run ${withSpread(spread(reps.map((r) => r.fakeCpuUsPerEventVia)), " µs")})`,
      via: withSpread(spread(reps.map((r) => r.cpuUsPerEvent)), " µs"),
      added: `ratio ${withSpread(ratio, "×")}`,
      target: "≤ 1.1× the fake's own (issue 22)",
      result: notAbove(ratio, 1.1, "×"),
    });
  };
  cpuPerEventRow("2d", "CN /dialog [defaults]", transcodeReps);
  cpuPerEventRow("2e", "CN chat2 [defaults + CN_PROTOCOL=chat2]", chat2Reps);
  cpuPerEventRow("2f", "INTL [INTL accounts]", intlReps);
  cpuPerEventRow("2g", "CN /dialog [defaults], the fake building each event as it sends it (bench:transcode-live)", transcodeLiveReps);
  cpuPerEventRow("2h", "CN chat2 [defaults + CN_PROTOCOL=chat2], the fake building each event as it sends it", chat2LiveReps);
  cpuPerEventRow("2i", "INTL [INTL accounts], the fake building each event as it sends it", intlLiveReps);
  const perEvent = (reps: readonly TranscodeRep[]) => withSpread(spread(reps.map((r) => r.cpuUsPerEvent)), " µs");
  const clientPerEvent = (reps: readonly TranscodeRep[]) => withSpread(spread(reps.map((r) => r.clientCpuUsPerEventDirect)), " µs");
  const peak = (reps: readonly TranscodeRep[]) => withSpread(spread(reps.map((r) => mb(r.peakRssKb))), " MB");
  result.notes.push(
    `Transcoding: events/s = upstream events ÷ (request sent → body ended); the direct client JSON-parses every event as qwenplug does. The whole stream is sent as fast as the socket takes it. qwenplug CPU per upstream event: CN ${perEvent(transcodeReps)}, CN chat2 ${perEvent(chat2Reps)}, INTL ${perEvent(intlReps)}; for comparison, this client's CPU per event reading the direct stream (it JSON-parses every event, as qwenplug does): CN ${clientPerEvent(transcodeReps)}, CN chat2 ${clientPerEvent(chat2Reps)}, INTL ${clientPerEvent(intlReps)}. Rows 2d–2f: the fake sends a stream built before the run as one buffer, so its own cost per event is mostly writing bytes to the socket (and the cumulative streams are O(events²) bytes). Rows 2g–2i: the same reply from a fake that builds each event (its JSON, the whole text so far for the cumulative protocols) and writes it as it goes out, one event per pull of its response stream, as a server does; that is the fake's own cost per event the issue-22 target compares with. qwenplug RSS peak during a via run: CN ${peak(transcodeReps)}, CN chat2 ${peak(chat2Reps)}, INTL ${peak(intlReps)}. The CN chat2 row uses bench/fake-chat2.ts, which verifies qwenplug's signature on every request (the direct client sends none, which that fake allows when asked). The INTL rows use bench/upstream.ts's own minimal chat.qwen.ai server (chats/new, chat/completions, deletion, models, auth probe) and a qwenplug with INTL_ACCOUNT_1/2_TOKEN, asked for model "intl/qwen-max".`,
  );
  return result;
}

async function runStreams(ctx: Context): Promise<SectionResult> {
  const { plan, upstream, failures } = ctx;
  const protocols = benchProtocols(upstream);
  const manyReps: Record<string, ManyRep[]> = Object.fromEntries(protocols.map((p) => [p.name, []]));
  const repsOf = (p: Protocol): ManyRep[] => manyReps[p.name] ?? [];
  for (let rep = 0; rep < plan.streamReps; rep++) {
    for (const protocol of protocols) {
      const m = await manyRep(plan, upstream, protocol, failures);
      repsOf(protocol).push(m);
      const signing = protocol.name === "chat2" ? ` [chat2 fake: defaults ${signingText(m.via.statsBefore, m.via.stats)}; raised ${signingText(m.viaRaised.statsBefore, m.viaRaised.stats)}]` : "";
      log(`rep ${rep + 1}/${plan.streamReps} ${protocol.label} ${plan.streams} streams: exact direct ${m.direct.exact}, via ${m.via.exact} (VmHWM ${num(mb(m.via.hwmKb))} MB, ${num(m.via.wallMs)} ms), via with limits raised ${m.viaRaised.exact} (VmHWM ${num(mb(m.viaRaised.hwmKb))} MB)${signing}`);
    }
  }
  const raised = envText(raisedLimitsEnv(plan.streams));
  const allExact = (s: Spread) => (s.min === plan.streams ? "met" : `**missed**: worst rep ${s.min}/${plan.streams}`);
  /** A protocol's rows, as functions of its repetitions; each measure is listed for every protocol in turn. */
  const measures: Array<(p: Protocol, reps: readonly ManyRep[]) => Omit<Row, "id"> | undefined> = [
    (p, reps) => {
      const exactVia = spread(reps.map((m) => m.via.exact));
      return {
        measure: `${plan.streams} concurrent streams [${p.label}, defaults, 2 accounts]: replies whose assembled text is exactly right`,
        direct: `${withSpread(spread(reps.map((m) => m.direct.exact)))} / ${plan.streams}`,
        via: `${withSpread(exactVia)} / ${plan.streams}`,
        added: "—",
        target: `all ${plan.streams}`,
        result: allExact(exactVia),
      };
    },
    (p, reps) => {
      const hwm = spread(reps.map((m) => mb(m.via.hwmKb)));
      return {
        measure: `Peak memory (VmHWM) of a fresh qwenplug over the ${plan.streams} streams [${p.label}, defaults]`,
        direct: "—",
        via: withSpread(hwm, " MB"),
        added: `from ${withSpread(spread(reps.map((m) => mb(m.via.startRssKb))), " MB")} RSS before`,
        target: "≤ 150 MB",
        result: hwm.median <= 150 ? "met" : `**missed** by ${num(hwm.median - 150)} MB`,
      };
    },
    (p, reps) => {
      const over = (pick: (m: ManyRep) => number, unit = "") => withSpread(spread(reps.map(pick)), unit);
      return {
        measure: `[${p.label}, defaults] streams the upstream had open at once; wall time for all ${plan.streams}`,
        direct: `${over((m) => m.direct.upstreamMaxOpen)}; ${over((m) => m.direct.wallMs, " ms")}`,
        via: `${over((m) => m.via.upstreamMaxOpen)}; ${over((m) => m.via.wallMs, " ms")}`,
        added: "—",
        target: "(info)",
        result: "—",
      };
    },
    (p, reps) => {
      const over = (pick: (m: ManyRep) => number, unit = "") => withSpread(spread(reps.map(pick)), unit);
      const exactRaised = spread(reps.map((m) => m.viaRaised.exact));
      const hwmRaised = spread(reps.map((m) => mb(m.viaRaised.hwmKb)));
      return {
        measure: `${plan.streams} concurrent streams [${p.label}, ${raised}]: exact; VmHWM; open upstream at once; wall`,
        direct: `${over((m) => m.direct.exact)} / ${plan.streams}; —; ${over((m) => m.direct.upstreamMaxOpen)}; ${over((m) => m.direct.wallMs, " ms")}`,
        via: `${withSpread(exactRaised)} / ${plan.streams}; ${withSpread(hwmRaised, " MB")}; ${over((m) => m.viaRaised.upstreamMaxOpen)}; ${over((m) => m.viaRaised.wallMs, " ms")}`,
        added: "—",
        target: "all exact, ≤ 150 MB",
        result: exactRaised.min === plan.streams && hwmRaised.median <= 150 ? "met" : `**missed**: ${allExact(exactRaised)}; ${hwmRaised.median <= 150 ? "memory met" : `memory over by ${num(hwmRaised.median - 150)} MB`}`,
      };
    },
    (p, reps) =>
      p.name !== "chat2"
        ? undefined
        : {
            measure: `[${p.label}] what each fresh qwenplug of the ${plan.streams}-stream runs cost the chat2 fake (from its start, warm-up included)`,
            direct: "— (unsigned)",
            via: reps.map((m) => `defaults: ${signingText(m.via.statsBefore, m.via.stats)}; raised: ${signingText(m.viaRaised.statsBefore, m.viaRaised.stats)}`).join(" | "),
            added: "—",
            target: "a couple of registrations at most",
            result: "(info)",
          },
  ];
  const rows: Row[] = [];
  const ids = "abcdefghijklmnopqrstuvwxyz";
  for (const measure of measures) {
    for (const protocol of protocols) {
      const row = measure(protocol, repsOf(protocol));
      if (row !== undefined) rows.push({ id: `3${ids[rows.length] ?? "?"}`, ...row });
    }
  }
  const notes = [
    `${plan.streams} streams: the client starts all ${plan.streams} requests at once and keeps them open; each reply's text contains its request number, so crossed streams would count as wrong. [defaults]: qwenplug admits only as many upstream requests as its limits allow (ACCOUNT_MAX_IN_FLIGHT per account, if index.ts has it, and Bun's fetch limit of 256 per process) and queues the rest, so each reply goes out at its own pace (${manyIncrements(0).length} events ${MANY_EVENT_GAP_MS} ms apart). Direct and [${raised}]: the upstream sends each reply's first event at once, holds the rest until all ${plan.streams} requests arrived (or none arrived for ${MANY_QUIET_MS} ms), then sends them ${MANY_EVENT_GAP_MS} ms apart, so all ${plan.streams} are open at once. The chat2 rows: the same against bench/fake-chat2.ts, every request qwenplug sends signed with a single-use salt (the fake hands out 100 per registration or refill) and verified.`,
  ];
  return { rows, notes, raw: { manyReps } };
}

async function runCold(ctx: Context): Promise<SectionResult> {
  const { plan, upstream } = ctx;
  const dir = mkdtempSync(join(tmpdir(), "qwenplug-bundle-"));
  const cold: ColdRep[] = [];
  const coldNoCache: ColdRep[] = [];
  const bundled: ColdRep[] = [];
  const bundledSqlite: ColdRep[] = [];
  const bare: ColdRep[] = [];
  const bundle = buildDockerBundle(dir);
  try {
    // The Dockerfile's way: the bundle run as its CMD runs it, in the directory
    // it was built into, with its ENV and the transpiler cache off, as the
    // oven/bun base images set it.
    const bundleOptions: SpawnOptions | undefined = typeof bundle === "string" ? undefined : { entry: bundle.entry, bunArgs: bundle.bunArgs, cwd: bundle.dir, env: bundle.env };
    // The first spawn after an edit of index.ts also fills Bun's transpiler
    // cache; one unmeasured spawn makes every measured one alike.
    await coldRep(upstream, {}, undefined);
    for (let rep = 0; rep < plan.coldReps; rep++) {
      cold.push(await coldRep(upstream, {}, plan.settleMs));
      coldNoCache.push(await coldRep(upstream, { env: { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" } }, undefined));
      if (bundleOptions) {
        bundled.push(await coldRep(upstream, bundleOptions, plan.settleMs));
        // The default state store, as deployed: a SQLite file, here in a fresh directory per spawn.
        const stateDir = mkdtempSync(join(tmpdir(), "qwenplug-state-"));
        try {
          bundledSqlite.push(await coldRep(upstream, { ...bundleOptions, env: { ...bundleOptions.env, STATE_PATH: join(stateDir, "state.db") } }, plan.settleMs));
        } finally {
          rmSync(stateDir, { recursive: true, force: true });
        }
      }
      bare.push(await coldRep(upstream, { evalScript: BARE_SERVER }, plan.settleMs));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  log(`cold start median ${num(spread(cold.map((c) => c.firstResponseMs)).median)} ms`);

  const first = (c: ColdRep) => c.firstResponseMs;
  const idleRss = (c: ColdRep) => mb(c.idleRssKb);
  const minus = (a: readonly ColdRep[], b: readonly ColdRep[], pick: (c: ColdRep) => number) => spread(a.map((c, i) => pick(c) - (b[i] === undefined ? Number.NaN : pick(b[i]))));
  const of = (reps: readonly ColdRep[], pick: (c: ColdRep) => number) => spread(reps.map(pick));
  const bareFirst = `bare Bun.serve: ${withSpread(of(bare, first), " ms")}`;
  const bareIdle = `bare Bun.serve: ${withSpread(of(bare, idleRss), " MB")}`;
  const bundleLabel = `the bundle${readDockerfile().usesBundle ? " that ./Dockerfile builds and runs" : ""}`;
  const bundleFailed = typeof bundle === "string" ? bundle : undefined;
  // Issue 22: cold start to the first answer ≤ 50 ms and idle RSS ≤ 45 MB, for `bun index.ts` and for the image's bundle.
  const COLD_MS = 50;
  const IDLE_MB = 45;
  const coldTarget = `≤ ${COLD_MS} ms (issue 22)`;
  const idleTarget = `≤ ${IDLE_MB} MB (issue 22)`;
  const bundleRow = (id: string, measure: string, reps: readonly ColdRep[], pick: (c: ColdRep) => number, unit: string, limit: number, target: string, bareText: string): Row => ({
    id,
    measure,
    direct: bareText,
    via: bundleFailed ?? withSpread(of(reps, pick), unit),
    added: withSpread(minus(reps, bare, pick), unit),
    target,
    result: bundleFailed ? "—" : notAbove(of(reps, pick), limit, unit),
  });
  const rows: Row[] = [
    {
      id: "4a",
      measure: `Cold start: spawn → first non-stream completion, \`bun index.ts\` [STATE_PATH=off] (transpiler cache warm; ${plan.coldReps} spawns)`,
      direct: bareFirst,
      via: `${withSpread(of(cold, first), " ms")} (listening after ${withSpread(of(cold, (c) => c.listenMs), " ms")})`,
      added: withSpread(minus(cold, bare, first), " ms"),
      target: coldTarget,
      result: notAbove(of(cold, first), COLD_MS, " ms"),
    },
    {
      id: "4b",
      measure: "Cold start, `bun index.ts` [STATE_PATH=off] with BUN_RUNTIME_TRANSPILER_CACHE_PATH=0 (no transpiler cache, as in a fresh container)",
      direct: bareFirst,
      via: withSpread(of(coldNoCache, first), " ms"),
      added: withSpread(minus(coldNoCache, bare, first), " ms"),
      target: coldTarget,
      result: notAbove(of(coldNoCache, first), COLD_MS, " ms"),
    },
    bundleRow("4c", `Cold start of ${bundleLabel} [STATE_PATH=off] (its ENV, transpiler cache off)`, bundled, first, " ms", COLD_MS, coldTarget, bareFirst),
    bundleRow("4d", `Cold start of ${bundleLabel} [default state store: a SQLite file, STATE_PATH=<fresh dir>/state.db] (as 4c)`, bundledSqlite, first, " ms", COLD_MS, coldTarget, bareFirst),
    {
      id: "4e",
      measure: `Idle memory, \`bun index.ts\` [STATE_PATH=off]: VmRSS after start + 3 requests + ${plan.settleMs} ms`,
      direct: bareIdle,
      via: withSpread(of(cold, idleRss), " MB"),
      added: withSpread(minus(cold, bare, idleRss), " MB"),
      target: idleTarget,
      result: notAbove(of(cold, idleRss), IDLE_MB, " MB"),
    },
    bundleRow("4f", `Idle memory, ${bundleLabel} [STATE_PATH=off] (as 4c, measured as 4e)`, bundled, idleRss, " MB", IDLE_MB, idleTarget, bareIdle),
    bundleRow("4g", `Idle memory, ${bundleLabel} [default state store: SQLite file] (as 4d, measured as 4e)`, bundledSqlite, idleRss, " MB", IDLE_MB, idleTarget, bareIdle),
  ];
  const notes = [
    "Cold start: from just before spawn to the whole JSON body of the first completion; \"bare Bun.serve\" is a 15-line server making the same upstream call (the runtime's floor). Every qwenplug here has API_MASTER_KEY set; [STATE_PATH=off] keeps state in memory, [default state store] is the SQLite file users deploy with, new and empty for each spawn.",
    typeof bundle === "string" ? `The bundle could not be built: ${bundle}` : `The bundle (4c, 4d, 4f, 4g), ${bundle.how}: ${num(bundle.bytes / 1e3)} KB in ${bundle.files.length} file${bundle.files.length === 1 ? "" : "s"}, ${num(bundle.gzipBytes / 1e3)} KB gzip -6.`,
  ];
  return { rows, notes, raw: { cold, coldNoCache, bundled, bundledSqlite, bare, bundle: typeof bundle === "string" ? bundle : { ...bundle, dir: undefined } } };
}

async function runImage(ctx: Context): Promise<SectionResult> {
  const dir = mkdtempSync(join(tmpdir(), "qwenplug-bundle-"));
  let image: ImageEstimate | string;
  try {
    const bundle = buildDockerBundle(dir);
    image = await estimateImage(ctx.plan, typeof bundle === "string" ? undefined : bundle);
  } catch (err) {
    image = `estimate failed: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (typeof image === "string") return { rows: [{ id: "5", measure: "Image size estimate", direct: "—", via: image, added: "—", target: "(estimate)", result: "—" }], notes: [], raw: {} };
  // What the final stage adds on top of the base image.
  const appMb = image.usesBundle ? image.bundleMb : image.appSourceMb + image.productionDepsMb;
  const appGzipMb = image.usesBundle ? image.bundleGzipMb : image.sourceAndDepsGzipMb;
  const binary = `Bun binary here ${num(image.bunBinaryMb)} MB${Number.isFinite(image.bunBinaryGzipMb) ? ` (${num(image.bunBinaryGzipMb)} MB gzip -6)` : ""}`;
  const row: Row = {
    id: "5",
    measure: `Image size estimate (no Docker engine here). FROM ${image.from}`,
    direct: `base ${PUBLISHED_ALPINE.tag}: ${PUBLISHED_ALPINE.compressedMb} MB compressed per ${PUBLISHED_ALPINE.source}; uncompressed ≈ ${binary} + alpine ≈ ${ALPINE_BASE_UNCOMPRESSED_MB} MB`,
    via:
      `app layer: ${image.usesBundle ? `the bundle (${image.bundleFiles.join(" + ") || "not built"}, as ./Dockerfile's \`bun build\` writes it), ${num(image.bundleMb * 1000)} KB (${num(image.bundleGzipMb * 1000)} KB gzip), is all the Dockerfile copies` : "index.ts + production node_modules"}. ` +
      `For comparison: index.ts ${num(image.appSourceMb * 1000)} KB + production node_modules (zod) ${num(image.productionDepsMb)} MB on disk, ${num(image.productionDepsApparentMb)} MB apparent (du of a temporary \`bun install --production\`)`,
    added: `+${num(appMb)} MB (${num(appGzipMb)} MB gzip) → image ≈ ${num(PUBLISHED_ALPINE.compressedMb + appGzipMb)} MB compressed, ≈ ${num(image.bunBinaryMb + ALPINE_BASE_UNCOMPRESSED_MB + appMb)} MB uncompressed`,
    target: "(estimate)",
    result: "—",
  };
  return { rows: [row], notes: [], raw: { image } };
}

// ── Main ────────────────────────────────────────────────────────────────────

async function reexecWithLimits(): Promise<never> {
  const args = [process.execPath, import.meta.path, ...process.argv.slice(2)];
  // Raise the open-files limit through the shell when it is low (Bun has no setrlimit).
  const command = openFilesLimit() < MIN_OPEN_FILES ? ["/bin/sh", "-c", `ulimit -n ${MIN_OPEN_FILES} 2>/dev/null || ulimit -n hard; exec "$@"`, "sh", ...args] : args;
  const child = Bun.spawn(command, {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(CLIENT_MAX_FETCHES) },
    stdio: ["inherit", "inherit", "inherit"],
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  process.exit(await child.exited);
}

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  if (Number(process.env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? 0) < CLIENT_MAX_FETCHES) await reexecWithLimits();
  const plan = flags.quick ? PLANS.quick : PLANS.full;
  const selected = new Set<Section>(flags.only ?? SECTIONS);

  // A hard ceiling on the whole run, whatever happens.
  const deadline = setTimeout(() => {
    log("run exceeded its time limit; stopping");
    void stopChildren().finally(() => process.exit(3));
  }, flags.quick ? 360_000 : 900_000);
  let isStopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      // The signal may come both from the terminal's process group and from the re-executing parent.
      if (isStopping) return;
      isStopping = true;
      log(`${signal}: stopping`);
      void stopChildren().finally(() => process.exit(130));
    });
  }
  process.on("exit", killChildren);

  const environment = {
    bun: Bun.version,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    kernel: release(),
    indexTsSha256: createHash("sha256").update(readFileSync(join(ROOT, "index.ts"))).digest("hex").slice(0, 12),
    loadAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    plan,
    sections: [...selected],
  };
  log(`plan ${plan.name} (${[...selected].join(", ")}): ${plan.reps} reps; Bun ${Bun.version}; ${environment.cores} cores; load ${environment.loadAtStart.join(" ")}`);

  const upstream = await startUpstream();
  const ctx: Context = { plan, flags, upstream, failures: new Failures() };
  const results: SectionResult[] = [];
  try {
    if (selected.has("latency") || selected.has("transcode")) results.push(await runLatencyAndTranscoding(ctx, selected.has("latency"), selected.has("transcode")));
    if (selected.has("streams")) results.push(await runStreams(ctx));
    if (selected.has("cold")) results.push(await runCold(ctx));
    if (selected.has("image")) results.push(await runImage(ctx));
  } finally {
    clearTimeout(deadline);
    await upstream.stop();
    await stopChildren();
  }

  const elapsedS = (now() - runStarted) / 1000;
  const rows = results.flatMap((r) => r.rows);
  const { failures } = ctx;
  const notes = [
    `Each figure: median (min–max) over ${plan.reps} repetitions (${plan.streamReps} for 3x, ${plan.coldReps} spawns for 4x); "added" is via − direct within each repetition, then summarised the same way. MB = 10^6 bytes.`,
    ...results.flatMap((r) => r.notes),
    `Failures (non-200, in-stream errors, wrong text): ${failures.count}${failures.count > 0 ? ` — ${failures.summary()}` : ""}.`,
    `Machine: ${environment.cpu}, ${environment.cores} cores, Linux ${environment.kernel}, Bun ${environment.bun}; index.ts sha256 ${environment.indexTsSha256}; load average at start ${environment.loadAtStart.join(" ")}, at end ${loadavg().map((l) => l.toFixed(2)).join(" ")}. Run took ${num(elapsedS)} s.`,
  ];
  console.log([`## qwenplug benchmark (${plan.name})`, "", table(rows), "", ...notes.map((n) => `- ${n}`)].join("\n"));

  if (flags.json) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const path = join(RESULTS_DIR, "latest.json");
    const raw = Object.fromEntries(results.flatMap((r) => Object.entries(r.raw)));
    writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), environment, elapsedS, rows, notes, failures: { count: failures.count, kinds: Object.fromEntries(failures.kinds) }, raw }, null, 2)}\n`);
    log(`wrote ${path}`);
  }
}

main().catch(async (err: unknown) => {
  console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await stopChildren();
  process.exit(1);
});
