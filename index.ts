// qwenplug — an OpenAI-compatible gateway in front of Qwen's web chats, in one Bun file.
//
// Run:    bun index.ts            (listens on $HOST:$PORT, default 0.0.0.0:8082)
//         bun index.ts --check    (probes every configured account and exits)
//         bun index.ts --capture DIR   (also writes every upstream exchange to DIR, scrubbed)
// Test:   bun test
// Config: environment variables only, parsed once at start-up (see `loadConfig`
//         and the README's configuration table). Secrets are never printed.
//
// One request, in the order this file reads (see shared DESIGN.md):
//   route → auth → dialect.decode → NeutralRequest → adapter.prepare (the
//   prompt) → pool → failover gate → adapter.complete (fetch + SSE parse) →
//   NeutralEvent batches → stages (output limit, tool calls, JSON answers) →
//   dialect encoder (SSE or one JSON body) → client. One clean-up path ends
//   every request: abort the upstream, release the account, delete the chat.
//
// Contents (search for the banner):
//   ── Defaults                           constants, alias tables
//   ── Config                             one zod schema over the environment
//   ── Neutral types                      NeutralRequest, NeutralEvent, error kinds
//   ── Errors                             HttpError, the status of each kind
//   ── SSE codec and text helpers         parser, UTF-8, cumulative diff, redaction
//   ── State store                      one interface: memory, SQLite, Redis
//   ── Upstreams: shared plumbing         adapter interface, watchdog, stream reader, limits
//   ── Upstreams: the prompt              turns flattened into one prompt
//   ── Upstream: CN /dialog               the older mainland protocol
//   ── Upstream: CN chat2                 the 2026 mainland protocol, signed
//   ── Upstream: CN chat2 images          workspace-res uploads, zaodian image generation
//   ── Upstream: INTL                     chat.qwen.ai, with renewed credentials
//   ── Upstream: chat.qwen.ai images      client images, STS + signed OSS upload, t2i
//   ── Account pool                       health, slots, waiters, cooldowns, route rests
//   ── Failover gate                      holdback and retry on another account
//   ── Stages                             tool calls, output limits
//   ── Client dialects                    shared shape; OpenAI chat, Anthropic, Responses
//   ── Serve                              whole replies and streams, the clean-up path
//   ── Routes                             auth, bodies, models, status, createApp
//   ── Operators                          admin API: accounts while running, named keys, usage
//   ── Capture mode                       upstream exchanges written as scrubbed fixtures
//   ── Operations                         --check, start-up probe, status page
//   ── Server                             Bun.serve, shutdown

import type { Database } from "bun:sqlite";
import { RedisClient } from "bun";
// zod/mini: the same validation as zod's classic API, with 4 MB less memory at start-up.
import * as z from "zod/mini";

/**
 * node:crypto, loaded on first use: importing it at start-up cost about 10 ms
 * and 1.5 MB of idle memory (it pulls in Node's stream internals), and only
 * image uploads, key generation and a state file from before its key
 * fingerprint need it; the request path and the state store's sealing use
 * Web Crypto and Bun's hashers.
 */
const nodeCrypto = (): typeof import("node:crypto") => require("node:crypto");
/**
 * node:fs and bun:sqlite, loaded on first use too (about 7 ms and 4 MB, and
 * 3 ms and 2 MB, at start-up): the state file, its key file, the /data check
 * and capture mode need them; a process with STATE_PATH=off or REDIS_URL
 * never loads them.
 */
const nodeFs = (): typeof import("node:fs") => require("node:fs");
const bunSqlite = (): typeof import("bun:sqlite") => require("bun:sqlite");
/** Makes `dir` (and its parents) if need be and leaves it 0700: capture mode's directory holds traffic. */
const makePrivateDir = (dir: string): void => {
  const fs = nodeFs();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
};
/** The directory part of a POSIX path ("." when there is none), without node:path. */
const dirOf = (path: string) => {
  const slash = path.replace(/\/+$/, "").lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
};
const randomUUID = () => crypto.randomUUID();
const timingSafeEqual = (a: Uint8Array, b: Uint8Array) => crypto.timingSafeEqual(a, b);
const randomBytes = (size: number) => crypto.getRandomValues(Buffer.alloc(size));

// ── Defaults ────────────────────────────────────────────────────────────────

const VERSION = "0.1.0";
const DEFAULT_CN_BASE_URL = "https://api.qianwen.com";
/** The mainland chat2 hosts (UPSTREAMS-2026-11 §1.3); QWEN_CN_BASE_URL, when set, replaces all of them. */
const DEFAULT_CN_CHAT_URL = "https://chat2.qianwen.com";
const DEFAULT_CN_API_URL = "https://chat2-api.qianwen.com";
const DEFAULT_CN_SEC_URL = "https://sec.qianwen.com";
const DEFAULT_CN_RES_URL = "https://workspace-res.qianwen.com";
/** The mainland front end's version, sent as `wv`/`ve`; the newest a signing peer sent (§1.2, ~Sep 2026). */
const DEFAULT_CN_WEB_VERSION = "4.9.1";
const DEFAULT_CN_ORIGIN = "https://www.qianwen.com";
const DEFAULT_INTL_BASE_URL = "https://chat.qwen.ai";
/** The web app's `version` header, a hard gate on INTL write endpoints (UPSTREAMS §2.2); newest value a peer sent (UPSTREAMS-2026-11 §2.2). */
const DEFAULT_INTL_VERSION = "0.2.91";
const DEFAULT_INTL_AUTH_BASE_URL = "https://auth.qwen.ai";
const BROWSER_USER_AGENT =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
/** An upstream SSE line longer than this is treated as a broken stream. */
const MAX_UPSTREAM_LINE_CHARS = 8 * 1024 * 1024;
/** Upstream error bodies are read at most this far, then quoted in part. */
const MAX_ERROR_BODY_CHARS = 64 * 1024;
const MODEL_LIST_TTL_MS = 10 * 60 * 1000;
const MODEL_LIST_TIMEOUT_MS = 5_000;
/** After a failed model-list fetch, requests resolve names without it for this long. */
const MODEL_LIST_RETRY_MS = 60_000;
/** Deleting the upstream chat after a reply happens in the background, bounded by this. */
const CLEANUP_TIMEOUT_MS = 10_000;
/** What is read of an abandoned /dialog stream while looking for its session id (the first event carries it). */
const CLEANUP_READ_MAX_BYTES = 256 * 1024;
const PROBE_TIMEOUT_MS = 10_000;
/** How deep a request's JSON may nest; real tool schemas stay far below it, and every later step may recurse safely. */
const MAX_JSON_DEPTH = 128;
/** package.json's engines.bun: bun.lock is written by Bun 1.4, and Bun 1.3 refused it with --frozen-lockfile (issue 13). */
const MIN_BUN_VERSION = "1.4.0";

/**
 * Client-facing names → CN `specifiedModel` ids (UPSTREAMS §5.4), plus the
 * display codes of §5.3 so names copied from the web UI work too.
 * MODEL_ALIASES overrides or extends this table.
 */
const DEFAULT_CN_ALIASES: ReadonlyMap<string, string> = new Map([
  ["qwen-max", "tongyi-qwen3-max-model"],
  ["qwen3-max", "tongyi-qwen3-max-model"],
  ["qwen-max-latest", "tongyi-qwen3-max-model"],
  ["qwen-plus", "tongyi-qwen-plus-latest"],
  ["qwen3-plus", "tongyi-qwen-plus-latest"],
  ["qwen", "tongyi-qwen-plus-latest"],
  ["qwen3.5-plus", "tongyi-qwen35-plus-model"],
  ["qwen-turbo", "tongyi-qwen3.5-flash"],
  ["qwen-flash", "tongyi-qwen3.5-flash"],
  ["qwen3.5-flash", "tongyi-qwen3.5-flash"],
  ["qwen3-flash", "tongyi-qwen-flash"],
  ["qwen3-coder", "tongyi-qwen3-coder"],
  ["qwen3-coder-plus", "tongyi-qwen3-coder"],
  ["qwen3-coder-flash", "tongyi-qwen3-coder-flash"],
  ["qwen3-235b-a22b", "tongyi-qwen3-235b-a22b-instruct-2507"],
  ["qwen3-30b-a3b", "tongyi-qwen3-30b-a3b-instruct-2507"],
  ["qwen3-next-80b-a3b", "tongyi-qwen3-next-80b-a3b"],
  ["qwen-vl-max", "tongyi-qwen3-vl-plus"],
  ["qwen3-vl-plus", "tongyi-qwen3-vl-plus"],
  ["qwen3-omni-flash", "tongyi-qwen3-omni-flash"],
  ["gpt-4o", "tongyi-qwen3-max-model"],
  ["gpt-4.1", "tongyi-qwen3-max-model"],
  ["gpt-4o-mini", "tongyi-qwen3.5-flash"],
  ["gpt-3.5-turbo", "tongyi-qwen3.5-flash"],
]);

// ── Config ──────────────────────────────────────────────────────────────────

/** A start-up configuration problem; its message is one sentence naming the variable. */
export class ConfigError extends Error {}

/**
 * An optional variable turned into its value; `fail(sentence)` throws the
 * ConfigError that names it. Plain functions, not zod schemas: each is run
 * once at start-up, and 80 `pipe(optional(string()), transform())` schemas
 * cost about 8 ms and 4 MB to build before the first request.
 */
type EnvReader<T> = (raw: string | undefined) => T;

const failConfig = (message: string): never => {
  throw new ConfigError(message);
};

const fromEnv =
  <T>(parse: (raw: string | undefined, fail: (message: string) => never) => T): EnvReader<T> =>
  (raw) =>
    parse(raw, failConfig);

const intFromEnv = (name: string, min: number, max: number, fallback: number) =>
  fromEnv((raw, fail) => {
    if (raw === undefined || raw.trim() === "") return fallback;
    // Digits only: Number() would also take "0x1F90", "1e3" or " 8082 ".
    const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) return fail(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return value;
  });

const urlFromEnv = (name: string, fallback: string) =>
  fromEnv((raw, fail) => {
    const value = (raw ?? "").trim() || fallback;
    try {
      const url = new URL(value);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
      return value.replace(/\/+$/, "");
    } catch {
      return fail(`${name} must be an http(s) URL such as ${fallback} (got "${value}")`);
    }
  });

const choiceFromEnv = <T extends string>(name: string, choices: readonly T[], fallback: T) =>
  fromEnv((raw, fail): T => {
    const value = (raw ?? "").trim() || fallback;
    return choices.find((c) => c.toLowerCase() === value.toLowerCase()) ?? fail(`${name} must be one of ${choices.join(", ")} (got "${raw}")`);
  });

const optionalString = (): EnvReader<string | undefined> => (raw) => raw;

/** A short word sent as a value on the wire (a mode name such as `think`). */
const wireWordFromEnv = (name: string, fallback: string) =>
  fromEnv((raw, fail) => {
    const value = (raw ?? "").trim() || fallback;
    return /^[\w.-]{1,40}$/.test(value) ? value : fail(`${name} must be one short word such as ${fallback} (got "${raw}")`);
  });

/**
 * CN_REFUSAL_PATTERNS: `/regex/flags`, or substrings separated by `|`
 * (matched without regard to case). Empty: no reply counts as a refusal.
 */
function refusalPatternsFrom(raw: string): RegExp | string[] {
  const text = raw.trim();
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (regex) return new RegExp(regex[1] as string, regex[2]);
  return text
    .split("|")
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== "");
}

/** The first refusal pattern a reply's text matches, as the user wrote it; undefined when none does. */
function refusalIn(patterns: RegExp | readonly string[], text: string): string | undefined {
  if (patterns instanceof RegExp) {
    patterns.lastIndex = 0;
    return patterns.test(text) ? patterns.source : undefined;
  }
  const lower = text.toLowerCase();
  return patterns.find((pattern) => lower.includes(pattern));
}

/** Every plain variable and how it is read, in the order they are checked (the first bad one is reported). */
const ENV_READERS = {
  PORT: intFromEnv("PORT", 0, 65535, 8082),
  HOST: fromEnv((raw) => (raw ?? "").trim() || "0.0.0.0"),
  API_MASTER_KEY: fromEnv((raw) =>
    (raw ?? "")
      .split(",")
      .map((key) => key.trim())
      .filter((key) => key.length > 0),
  ),
  API_KEYS: fromEnv((raw, fail) => {
    const keys: Array<{ name: string; key: string }> = [];
    for (const pair of (raw ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "")) {
      const colon = pair.indexOf(":");
      const name = pair.slice(0, colon).trim();
      const key = pair.slice(colon + 1).trim();
      // The entry is not echoed: it holds a key.
      if (colon <= 0 || !KEY_NAME.test(name) || name === "master") return fail(`API_KEYS must be name:key pairs separated by commas, each name 1 to 64 letters, digits or _ . - and not "master".`);
      if (key.length < 8) return fail(`API_KEYS: the key named "${name}" is shorter than 8 characters.`);
      if (keys.some((k) => k.name === name)) return fail(`API_KEYS names "${name}" twice.`);
      keys.push({ name, key });
    }
    return keys;
  }),
  ADMIN_KEY: fromEnv((raw, fail) => {
    const value = (raw ?? "").trim();
    if (value === "") return undefined;
    return value.length >= 16 ? value : fail("ADMIN_KEY must be at least 16 characters; use a long random string such as the output of `openssl rand -base64 32`.");
  }),
  QWEN_CN_BASE_URL: urlFromEnv("QWEN_CN_BASE_URL", DEFAULT_CN_BASE_URL),
  QWEN_CN_CHAT_URL: urlFromEnv("QWEN_CN_CHAT_URL", DEFAULT_CN_CHAT_URL),
  QWEN_CN_API_URL: urlFromEnv("QWEN_CN_API_URL", DEFAULT_CN_API_URL),
  QWEN_CN_SEC_URL: urlFromEnv("QWEN_CN_SEC_URL", DEFAULT_CN_SEC_URL),
  QWEN_CN_RES_URL: urlFromEnv("QWEN_CN_RES_URL", DEFAULT_CN_RES_URL),
  QWEN_CN_DIALOG_URL: urlFromEnv("QWEN_CN_DIALOG_URL", DEFAULT_CN_BASE_URL),
  QWEN_CN_WEB_VERSION: fromEnv((raw, fail) => {
    const value = (raw ?? "").trim() || DEFAULT_CN_WEB_VERSION;
    return /^[0-9A-Za-z.+-]{1,40}$/.test(value) ? value : fail(`QWEN_CN_WEB_VERSION must be a version such as ${DEFAULT_CN_WEB_VERSION} (got "${raw}")`);
  }),
  CN_PROTOCOL: choiceFromEnv("CN_PROTOCOL", ["chat2", "dialog"] as const, "chat2"),
  CN_SIGNING: choiceFromEnv("CN_SIGNING", ["on", "off"] as const, "on"),
  CN_SIGN_ORDER: choiceFromEnv("CN_SIGN_ORDER", ["auto", "kp-query", "query-kp"] as const, "auto"),
  CN_THINK_MODE: wireWordFromEnv("CN_THINK_MODE", "think"),
  CN_SEARCH_VALUE: wireWordFromEnv("CN_SEARCH_VALUE", "normal"),
  CN_REFUSAL_PATTERNS: fromEnv((raw, fail) => {
    try {
      return refusalPatternsFrom(raw ?? "");
    } catch (err) {
      return fail(`CN_REFUSAL_PATTERNS is not a valid regular expression (${err instanceof Error ? err.message : String(err)}); write /pattern/flags, or substrings separated by |`);
    }
  }),
  CAPTURE_DIR: fromEnv((raw) => ((raw ?? "").trim() === "" ? undefined : (raw as string).trim())),
  CN_REGISTER_INTERVAL_MS: intFromEnv("CN_REGISTER_INTERVAL_MS", 0, 24 * 3600 * 1000, 10_000),
  QWEN_CN_ORIGIN: urlFromEnv("QWEN_CN_ORIGIN", DEFAULT_CN_ORIGIN),
  QWEN_CN_REFERER: optionalString(),
  QWEN_INTL_BASE_URL: urlFromEnv("QWEN_INTL_BASE_URL", DEFAULT_INTL_BASE_URL),
  QWEN_INTL_VERSION: fromEnv((raw, fail) => {
    const value = (raw ?? "").trim() || DEFAULT_INTL_VERSION;
    return HEADER_UNSAFE.test(value) ? fail("QWEN_INTL_VERSION contains a line break; set it to a version such as 0.2.91.") : value;
  }),
  QWEN_INTL_AUTH_BASE_URL: urlFromEnv("QWEN_INTL_AUTH_BASE_URL", DEFAULT_INTL_AUTH_BASE_URL),
  INTL_AUTH_STYLE: choiceFromEnv("INTL_AUTH_STYLE", ["cookie", "bearer", "both"] as const, "both"),
  // UPSTREAMS-2026-12 I5: the web page sends no Authorization on chats/new (its token travels as the `token` cookie).
  INTL_NEW_CHAT_AUTH: choiceFromEnv("INTL_NEW_CHAT_AUTH", ["on", "off"] as const, "off"),
  // UPSTREAMS-2026-12 I8: bodies over ~128 KB draw a silent challenge; 8 KB below that, since the figure is a peer's, not a measurement.
  INTL_INLINE_MAX_BYTES: intFromEnv("INTL_INLINE_MAX_BYTES", 8192, 64 * 1024 * 1024, 120_000),
  QWEN_INTL_THINKING_FORMAT: choiceFromEnv("QWEN_INTL_THINKING_FORMAT", ["summary", "detail"] as const, "summary"),
  QWEN_INTL_THINKING_MODES: fromEnv((raw, fail) => {
    const [on, off, extra] = ((raw ?? "").trim() || "Thinking,Fast").split(",").map((s) => s.trim());
    if (!on || !off || extra !== undefined) return fail(`QWEN_INTL_THINKING_MODES must be two values "on,off" such as Thinking,Fast or Auto,Disabled (got "${raw}")`);
    return { on, off };
  }),
  QWEN_INTL_SEARCH_STYLE: choiceFromEnv("QWEN_INTL_SEARCH_STYLE", ["auto_search", "chat_type"] as const, "auto_search"),
  SEARCH_SOURCES: choiceFromEnv("SEARCH_SOURCES", ["append", "off"] as const, "append"),
  DEFAULT_UPSTREAM: choiceFromEnv("DEFAULT_UPSTREAM", ["intl", "cn"] as const, "intl"),
  MODEL_ALIASES: optionalString(),
  INTL_MODEL_ALIASES: optionalString(),
  MAX_BODY_BYTES: intFromEnv("MAX_BODY_BYTES", 1024, 64 * 1024 * 1024, 4 * 1024 * 1024),
  // 240 000: the smallest context the web chats list is 131 072 tokens with up to 8 192 answer and 38 912
  // thinking tokens (UPSTREAMS §5.1), which leaves ~84 000 tokens, ~250 000 characters at 3 per token of English
  // and code; Claude Code's first request alone is 48 000+ characters. CJK text runs nearer 1 character per token.
  PROMPT_MAX_CHARS: intFromEnv("PROMPT_MAX_CHARS", 1000, 2_000_000, 240_000),
  RESPONSES_STORE_MAX: intFromEnv("RESPONSES_STORE_MAX", 0, 1_000_000, 1000),
  RESPONSES_STORE_TTL_MS: intFromEnv("RESPONSES_STORE_TTL_MS", 1000, 7 * 86_400_000, 3_600_000),
  RESPONSES_STORE_MAX_BYTES: intFromEnv("RESPONSES_STORE_MAX_BYTES", 0, 64 * 1024 * 1024 * 1024, 64 * 1024 * 1024),
  STATE_PATH: fromEnv((raw) => {
    const value = (raw ?? "").trim();
    return value === "" ? undefined : value.toLowerCase() === "off" ? ("off" as const) : value;
  }),
  REDIS_URL: fromEnv((raw, fail) => {
    const value = (raw ?? "").trim();
    if (value === "") return undefined;
    let protocol = "";
    try {
      protocol = new URL(value).protocol;
    } catch {
      // Reported below.
    }
    // The value is not echoed: it may hold the password.
    return ["redis:", "rediss:", "valkey:", "valkeys:"].includes(protocol) ? value : fail("REDIS_URL must be a redis:// or rediss:// URL such as rediss://default:password@host:6379.");
  }),
  STATE_KEY: fromEnv((raw, fail) => {
    const value = (raw ?? "").trim();
    if (value === "") return undefined;
    return value.length >= 16 ? value : fail("STATE_KEY must be at least 16 characters; use a long random string such as the output of `openssl rand -base64 32`.");
  }),
  STATE_PREFIX: fromEnv((raw, fail) => {
    const value = (raw ?? "").trim() || "qwenplug:";
    return /^[\w:.-]{1,64}$/.test(value) ? value : fail(`STATE_PREFIX must be 1 to 64 letters, digits, or _ : . - (got "${raw}")`);
  }),
  REDIS_TIMEOUT_MS: intFromEnv("REDIS_TIMEOUT_MS", 50, 600_000, 2000),
  HEARTBEAT_MS: intFromEnv("HEARTBEAT_MS", 500, 60_000, 5_000),
  UPSTREAM_CONNECT_TIMEOUT_MS: intFromEnv("UPSTREAM_CONNECT_TIMEOUT_MS", 100, 600_000, 20_000),
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: intFromEnv("UPSTREAM_FIRST_BYTE_TIMEOUT_MS", 100, 600_000, 60_000),
  ACCOUNT_MAX_IN_FLIGHT: intFromEnv("ACCOUNT_MAX_IN_FLIGHT", 1, 100_000, 64),
  ACCOUNT_QUEUE_TIMEOUT_MS: intFromEnv("ACCOUNT_QUEUE_TIMEOUT_MS", 0, 600_000, 30_000),
  ACCOUNT_REPROBE_MS: intFromEnv("ACCOUNT_REPROBE_MS", 100, 86_400_000, 600_000),
  FAILOVER_MAX_ATTEMPTS: intFromEnv("FAILOVER_MAX_ATTEMPTS", 1, 10, 3),
  FAILOVER_HOLDBACK_CHARS: intFromEnv("FAILOVER_HOLDBACK_CHARS", 0, 10_000, 16),
  FAILOVER_HOLDBACK_MS: intFromEnv("FAILOVER_HOLDBACK_MS", 0, 60_000, 300),
  UPSTREAM_IDLE_TIMEOUT_MS: intFromEnv("UPSTREAM_IDLE_TIMEOUT_MS", 100, 600_000, 120_000),
  UPSTREAM_NO_CONTENT_TIMEOUT_MS: intFromEnv("UPSTREAM_NO_CONTENT_TIMEOUT_MS", 100, 3_600_000, 300_000),
  REPLY_MAX_MS: intFromEnv("REPLY_MAX_MS", 1000, 86_400_000, 1_800_000),
  REPLY_MAX_CHARS: intFromEnv("REPLY_MAX_CHARS", 1000, 100_000_000, 2_000_000),
  // Cumulative protocols resend the whole text in every event: a 100k-character reply in 5,000 events is about 750 MB.
  UPSTREAM_MAX_BYTES: intFromEnv("UPSTREAM_MAX_BYTES", 65_536, 64 * 1024 * 1024 * 1024, 8 * 1024 * 1024 * 1024),
  UPSTREAM_MAX_EVENT_CHARS: intFromEnv("UPSTREAM_MAX_EVENT_CHARS", 65_536, 256 * 1024 * 1024, 8 * 1024 * 1024),
  // One chat2 frame holds the whole reply and thinking so far: 1 MiB is several times the longest real reply,
  // and a stream of frames growing towards it stays far below 300 MB of memory (issue 21 #1).
  UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS: intFromEnv("UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS", 65_536, 8 * 1024 * 1024, 1024 * 1024),
  TOOL_BLOCK_MAX_CHARS: intFromEnv("TOOL_BLOCK_MAX_CHARS", 1024, 64 * 1024 * 1024, 1024 * 1024),
  BODY_BYTES_IN_FLIGHT_MAX: intFromEnv("BODY_BYTES_IN_FLIGHT_MAX", 1024, 4 * 1024 * 1024 * 1024, 64 * 1024 * 1024),
  IMAGE_BYTES_IN_FLIGHT_MAX: intFromEnv("IMAGE_BYTES_IN_FLIGHT_MAX", 1024, 4 * 1024 * 1024 * 1024, 128 * 1024 * 1024),
  CORS_ORIGINS: optionalString(),
  QWEN_PROXY: fromEnv((raw) => ((raw ?? "").trim() === "" ? undefined : (raw as string).trim())),
  CLIENT_STALL_TIMEOUT_MS: intFromEnv("CLIENT_STALL_TIMEOUT_MS", 100, 3_600_000, 60_000),
  SHUTDOWN_GRACE_MS: intFromEnv("SHUTDOWN_GRACE_MS", 0, 600_000, 25_000),
  LOG_LEVEL: choiceFromEnv("LOG_LEVEL", ["silent", "info", "debug"] as const, "info"),
  IMAGE_MAX_BYTES: intFromEnv("IMAGE_MAX_BYTES", 1024, 64 * 1024 * 1024, 10 * 1024 * 1024),
  IMAGE_MAX_PER_REQUEST: intFromEnv("IMAGE_MAX_PER_REQUEST", 0, 100, 8),
  IMAGE_FETCH_TIMEOUT_MS: intFromEnv("IMAGE_FETCH_TIMEOUT_MS", 100, 600_000, 15_000),
  IMAGE_FETCH_ALLOW_PRIVATE: choiceFromEnv("IMAGE_FETCH_ALLOW_PRIVATE", ["0", "1"] as const, "0"),
  CN_IMAGE_POLL_MS: intFromEnv("CN_IMAGE_POLL_MS", 10, 60_000, 5_000),
  IMAGE_HISTORY: choiceFromEnv("IMAGE_HISTORY", ["last", "all"] as const, "last"),
  QWEN_INTL_STS_BODY: choiceFromEnv("QWEN_INTL_STS_BODY", ["filename", "file_name"] as const, "filename"),
  QWEN_INTL_OSS_SIGNING: choiceFromEnv("QWEN_INTL_OSS_SIGNING", ["v1", "v4"] as const, "v1"),
  QWEN_INTL_OSS_URL: optionalString(),
} satisfies Record<string, EnvReader<unknown>>;

type EnvValues = { [K in keyof typeof ENV_READERS]: ReturnType<(typeof ENV_READERS)[K]> };

/** Reads every variable of ENV_READERS; throws the first one's ConfigError. */
function readEnv(env: Record<string, string | undefined>): EnvValues {
  const values: Record<string, unknown> = {};
  for (const [name, read] of Object.entries(ENV_READERS)) values[name] = read(env[name]);
  // Each key was filled by its own reader just above, so the record has EnvValues' shape.
  return values as EnvValues;
}

export type LogLevel = "silent" | "info" | "debug";

export type UpstreamName = "cn" | "intl";

/** An account is named in output only by upstream and number, never by a secret. */
export interface Account {
  readonly upstream: UpstreamName;
  /** The n of CN_ACCOUNT_<n>_… or INTL_ACCOUNT_<n>_…. */
  readonly number: number;
  /** The http(s) proxy every upstream call of this account goes through, if any. */
  readonly proxy?: string;
}

export interface CnAccount extends Account {
  readonly upstream: "cn";
  readonly cookie: string;
  readonly xsrfToken: string;
  readonly deviceId: string;
  /** A browser-made `bx-umidtoken` for chat2 device registration, if the user supplied one. */
  readonly umidToken?: string;
  /** The logged-in page's signing material (`_qk_busc_info_v1qwen_web`), so chat2 signs without registering a device. */
  readonly scenes?: string;
}

/** Any combination of credentials; at least one of token, refresh token, or e-mail and password. */
export interface IntlAccount extends Account {
  readonly upstream: "intl";
  /** An access token as pasted; it may be short-lived (about 15 minutes since late September 2026). */
  readonly token?: string;
  /** The long-lived, rotating `refresh_token` cookie, from its own variable or the cookie jar. */
  readonly refreshToken?: string;
  readonly email?: string;
  readonly password?: string;
  /** The user's extra cookies as pasted (`token=` and `refresh_token=` are kept current at run time). */
  readonly cookie: string;
  /** Static extra headers such as browser-made `bx-*` values. */
  readonly extraHeaders: Readonly<Record<string, string>>;
}

export interface Config {
  port: number;
  host: string;
  /** SHA-256 digests of the accepted master keys; the keys themselves are not kept. */
  masterKeyDigests: Buffer[];
  /** API_KEYS: named client keys, as digests; requests are counted against the name. */
  namedKeys: Array<{ name: string; digest: Buffer }>;
  /** ADMIN_KEY's digest: the admin API (/admin/…) exists only when it is set. */
  adminKeyDigest?: Buffer;
  /** QWEN_PROXY: the proxy of accounts without their own, those added while running included. */
  defaultProxy?: string;
  /** The /dialog host: QWEN_CN_BASE_URL when set, else QWEN_CN_DIALOG_URL. */
  cnBaseUrl: string;
  /** Which mainland protocol the CN adapter speaks. */
  cnProtocol: "chat2" | "dialog";
  /** chat2 hosts (chat, API, security, resources); all QWEN_CN_BASE_URL when that is set. */
  cnChatUrl: string;
  cnApiUrl: string;
  cnSecUrl: string;
  cnResUrl: string;
  cnWebVersion: string;
  /** Whether chat2 requests carry the ACS signature (CN_SIGNING). */
  cnSigning: boolean;
  /** Where the ticket hash goes in the signed string; "auto" learns it per account (newest evidence first). */
  cnSignOrder: "auto" | "kp-query" | "query-kp";
  /** The shortest time between two signing-device registrations of one account. */
  cnRegisterIntervalMs: number;
  /** chat2's `chat_mode` when thinking is asked for (else "quick"), and `deep_search` when search is (else null): both unverified (M4). */
  cnThinkMode: string;
  cnSearchValue: string;
  /** Replies that are the site's fixed refusal, not an answer (CN_REFUSAL_PATTERNS; M1): a regex, or lower-case substrings. */
  cnRefusalPatterns: RegExp | string[];
  cnOrigin: string;
  cnReferer: string;
  cnAccounts: CnAccount[];
  aliases: ReadonlyMap<string, string>;
  intlBaseUrl: string;
  intlVersion: string;
  intlAuthBaseUrl: string;
  /** How the access token travels: `token=` cookie, Bearer header, or both. */
  intlAuthStyle: "cookie" | "bearer" | "both";
  /** Whether `chats/new` carries the Authorization header (INTL_NEW_CHAT_AUTH; always with INTL_AUTH_STYLE=bearer). */
  intlNewChatAuth: boolean;
  /** The largest completion body sent as it is; longer conversations send their older turns as an uploaded document (INTL_INLINE_MAX_BYTES). */
  intlInlineMaxBytes: number;
  intlThinkingFormat: "summary" | "detail";
  intlThinkingModes: { on: string; off: string };
  intlSearchStyle: "auto_search" | "chat_type";
  intlAccounts: IntlAccount[];
  intlAliases: ReadonlyMap<string, string>;
  searchSources: "append" | "off";
  defaultUpstream: UpstreamName;
  maxBodyBytes: number;
  promptMaxChars: number;
  /** How many Responses API replies are kept for previous_response_id, and for how long. */
  responsesStoreMax: number;
  responsesStoreTtlMs: number;
  /** The most bytes (JSON) the Responses store holds; the oldest entries go first. */
  responsesStoreMaxBytes: number;
  /** Where state lives (STATE_PATH, REDIS_URL, …); `keyMaterial` seals it (STATE_KEY, else the first API_MASTER_KEY). */
  state: { path?: string; redisUrl?: string; keyMaterial?: string; prefix: string; redisTimeoutMs: number };
  heartbeatMs: number;
  upstreamLimits: UpstreamLimits;
  /** The most characters one <tool_call> block may hold. */
  toolBlockMaxChars: number;
  /** Request-body bytes being read at once, across all requests. */
  bodyBytesInFlightMax: number;
  /** Origins allowed to call from a browser; empty: any with a key, none without one. */
  corsOrigins: string[];
  /** How long a streaming client may read nothing before it is dropped and its account slot freed. */
  clientStallMs: number;
  /** Requests one account may serve at once; more wait for a slot. */
  accountMaxInFlight: number;
  /** How long a request may wait for a free account slot. */
  accountQueueTimeoutMs: number;
  /** How often an account found logged out is checked again. */
  accountReprobeMs: number;
  /** Attempts per request across accounts, the first included. */
  failoverMaxAttempts: number;
  /** Text held back before the first byte goes out, so a failure can still move to another account. */
  holdbackChars: number;
  holdbackMs: number;
  shutdownGraceMs: number;
  logLevel: LogLevel;
  /** Client images: limits, and which turns' images are sent (IMAGE_*). */
  /** `allowPrivate`: image URLs may name loopback, private and link-local addresses (IMAGE_FETCH_ALLOW_PRIVATE=1). */
  /** `bytesInFlightMax`: fetched image bytes held at once across requests, from their fetch until their request ends. */
  images: { maxBytes: number; maxPerRequest: number; fetchTimeoutMs: number; history: "last" | "all"; allowPrivate: boolean; bytesInFlightMax: number };
  /** How far apart chat2 image generation polls `/api/v1/chat/snap` when the stream named no picture (§3.4: 5 s). */
  cnImagePollMs: number;
  /** The getstsToken body's field names (UPSTREAMS-2026-11 §3.1 step 1), the OSS signature, and a path-style upload base. */
  intlStsBody: "filename" | "file_name";
  intlOssSigning: "v1" | "v4";
  intlOssUrl?: string;
  /** Where capture mode writes every upstream exchange (`--capture DIR`, CAPTURE_DIR); off when unset. */
  captureDir?: string;
  /** Every secret value, so that any text leaving the process can be scrubbed of them. */
  secrets: string[];
}

/** A client key's name (API_KEYS, POST /admin/keys): it appears in usage figures and logs. */
const KEY_NAME = /^[\w.-]{1,64}$/;
const ACCOUNT_VAR = /^CN_ACCOUNT_(\d+)_(COOKIE|XSRF_TOKEN|UMIDTOKEN|SCENES|PROXY)$/;
const INTL_ACCOUNT_VAR = /^INTL_ACCOUNT_(\d+)_(TOKEN|REFRESH_TOKEN|EMAIL|PASSWORD|COOKIE|HEADERS|PROXY)$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_UNSAFE = /[\r\n\0]/;

// Bun's own hasher: node:crypto's createHash wrapper cost a few µs per API-key check (issue 22's profile).
const sha256 = (text: string): Buffer => {
  const digest = Buffer.alloc(32);
  Bun.SHA256.hash(text, digest);
  return digest;
};

/** A bare ticket becomes the cookie string QFA and FREEQWEN build (UPSTREAMS §1.2). */
function cookieFromTicketOrCookie(raw: string): string {
  if (raw.includes("=")) return raw;
  const name = raw.length > 100 ? "login_aliyunid_ticket" : "tongyi_sso_ticket";
  return `${name}=${raw}; aliyun_choice=intl; _samesite_flag_=true; t=${randomUUID().replaceAll("-", "")}`;
}

function cookieValue(cookie: string, name: string): string | undefined {
  for (const part of cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Alias tables are Maps: a client's model name must never reach Object.prototype ("constructor", "__proto__"). */
function parseAliases(name: string, raw: string | undefined): Map<string, string> {
  const aliases = new Map<string, string>();
  if (raw === undefined || raw.trim() === "") return aliases;
  const text = raw.trim();
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError(`${name} is not valid JSON; use {"alias":"upstream-id"} or alias=upstream-id,alias2=id2.`);
    }
    const result = z.record(z.string(), z.string().check(z.minLength(1))).safeParse(parsed);
    if (!result.success) throw new ConfigError(`${name} must map names to non-empty upstream model ids.`);
    for (const [alias, target] of Object.entries(result.data)) aliases.set(alias.toLowerCase(), target);
    return aliases;
  }
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    const alias = pair.slice(0, eq).trim();
    const target = pair.slice(eq + 1).trim();
    if (eq <= 0 || alias === "" || target === "") {
      throw new ConfigError(`${name} has a malformed entry "${pair.trim()}"; use alias=upstream-id pairs separated by commas.`);
    }
    aliases.set(alias.toLowerCase(), target);
  }
  return aliases;
}

/** `{"bx-umidtoken":"…"}`: header names and values that cannot break the request. */
function parseExtraHeaders(name: string, raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be a JSON object of header names to values, such as {"bx-umidtoken":"…"}.`);
  }
  const result = z.record(z.string(), z.string()).safeParse(parsed);
  if (!result.success) throw new ConfigError(`${name} must be a JSON object of header names to string values.`);
  const headers: Record<string, string> = {};
  for (const [header, value] of Object.entries(result.data)) {
    if (!HEADER_NAME.test(header) || HEADER_UNSAFE.test(value)) throw new ConfigError(`${name} has an invalid header "${header}".`);
    headers[header.toLowerCase()] = value;
  }
  return headers;
}

type AccountVars = (field: string) => Map<number, string>;

/** Values of the account variables matching `pattern`, by field then account number. */
function scanAccountVars(env: Record<string, string | undefined>, pattern: RegExp): AccountVars {
  const fields = new Map<string, Map<number, string>>();
  for (const [name, value] of Object.entries(env)) {
    const match = pattern.exec(name);
    if (!match || value === undefined) continue;
    const number = Number(match[1]);
    const trimmed = value.trim();
    if (number < 1) throw new ConfigError(`${name}: account numbers start at 1.`);
    // CN_ACCOUNT_01_… and CN_ACCOUNT_1_… would silently be one account.
    if (match[1] !== String(number)) throw new ConfigError(`${name}: write the account number without leading zeros (${name.replace(match[1] as string, String(number))}).`);
    if (trimmed === "") throw new ConfigError(`${name} is set but empty; remove it or paste the value.`);
    if (HEADER_UNSAFE.test(trimmed)) throw new ConfigError(`${name} contains a line break; paste it as one line.`);
    const field = match[2] as string;
    if (!fields.has(field)) fields.set(field, new Map());
    fields.get(field)?.set(number, trimmed);
  }
  return (field: string) => fields.get(field) ?? new Map<number, string>();
}

/** A UUID-shaped text from hash bytes. */
const uuidFrom = (bytes: Buffer) => {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** CN_ACCOUNT_<n>_SCENES: the page's `_qk_busc_info_v1qwen_web` value (or its `scene_list`), checked for what signing needs. */
function scenesFromEnv(number: number, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = `CN_ACCOUNT_${number}_SCENES`;
  try {
    JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} is not JSON; paste the whole value of localStorage._qk_busc_info_v1qwen_web from www.qianwen.com (README: "Credentials: the mainland site").`);
  }
  const scenes = chat2ScenesOfPage(raw);
  const field = (scene: string, key: string) => {
    const value = scenes[scene]?.[key];
    return typeof value === "string" && value !== "";
  };
  if (!field("qwen_web", "eo-clt-dvidn") || !field("qwen_web", "eo-clt-actkn") || !field("qwen_chat", "eo-clt-actkn")) {
    throw new ConfigError(`${name} lacks scene_list.qwen_web (eo-clt-dvidn, eo-clt-actkn) or scene_list.qwen_chat (eo-clt-actkn); send one message on www.qianwen.com, then copy the value again.`);
  }
  return raw;
}

function cnAccountsFrom(cnVars: AccountVars): CnAccount[] {
  const cookies = cnVars("COOKIE");
  const xsrfTokens = cnVars("XSRF_TOKEN");
  const umidTokens = cnVars("UMIDTOKEN");
  const scenes = cnVars("SCENES");
  for (const [field, values] of [["XSRF_TOKEN", xsrfTokens], ["UMIDTOKEN", umidTokens], ["SCENES", scenes], ["PROXY", cnVars("PROXY")]] as const) {
    for (const number of values.keys()) {
      if (!cookies.has(number)) throw new ConfigError(`CN_ACCOUNT_${number}_${field} is set but CN_ACCOUNT_${number}_COOKIE is not; set the cookie too.`);
    }
  }
  return [...cookies.keys()]
    .sort((a, b) => a - b)
    .map((number) => {
      const cookie = cookieFromTicketOrCookie(cookies.get(number) as string);
      return {
        upstream: "cn",
        number,
        cookie,
        xsrfToken: xsrfTokens.get(number) ?? cookieValue(cookie, "XSRF-TOKEN") ?? randomUUID(),
        // The same browser across restarts and replicas: the site sees one `ut` per account, as a person's browser keeps one.
        deviceId: uuidFrom(sha256(`qwenplug-ut:${cookie}`)),
        umidToken: umidTokens.get(number),
        scenes: scenesFromEnv(number, scenes.get(number)),
      };
    });
}

function intlAccountsFrom(intlVars: AccountVars): IntlAccount[] {
  const intlNumbers = new Set<number>();
  for (const field of ["TOKEN", "REFRESH_TOKEN", "EMAIL", "PASSWORD", "COOKIE", "HEADERS", "PROXY"]) for (const number of intlVars(field).keys()) intlNumbers.add(number);
  return [...intlNumbers]
    .sort((a, b) => a - b)
    .map((number) => {
      const v = `INTL_ACCOUNT_${number}`;
      const token = intlVars("TOKEN").get(number)?.replace(/^Bearer\s+/i, "");
      const cookie = intlVars("COOKIE").get(number) ?? "";
      const refreshToken = intlVars("REFRESH_TOKEN").get(number) ?? cookieValue(cookie, "refresh_token");
      const email = intlVars("EMAIL").get(number);
      const password = intlVars("PASSWORD").get(number);
      if ((email === undefined) !== (password === undefined)) {
        throw new ConfigError(email === undefined ? `${v}_PASSWORD is set but ${v}_EMAIL is not; set both to sign in.` : `${v}_EMAIL is set but ${v}_PASSWORD is not; set both to sign in.`);
      }
      if (token === undefined && refreshToken === undefined && email === undefined) {
        const what = ["COOKIE", "HEADERS", "PROXY"].filter((f) => intlVars(f).has(number)).map((f) => `${v}_${f}`).join(" and ");
        throw new ConfigError(`${what} is set but no credential is: set ${v}_REFRESH_TOKEN (or a cookie jar with refresh_token=), ${v}_TOKEN, or ${v}_EMAIL and ${v}_PASSWORD.`);
      }
      return {
        upstream: "intl",
        number,
        ...(token === undefined ? {} : { token }),
        ...(refreshToken === undefined ? {} : { refreshToken }),
        ...(email === undefined || password === undefined ? {} : { email, password }),
        cookie,
        extraHeaders: parseExtraHeaders(`${v}_HEADERS`, intlVars("HEADERS").get(number)),
      };
    });
}

/** Every configured secret the logs and errors must never show; `pastedCookies` are the CN cookies as given, before ticket expansion. */
/** Each account's proxy: its own `<UPSTREAM>_ACCOUNT_<n>_PROXY`, else QWEN_PROXY; an http(s) URL, credentials allowed. */
function withProxies<A extends Account>(accounts: A[], vars: AccountVars, prefix: string, fallback: string | undefined): A[] {
  return accounts.map((account) => {
    const name = `${prefix}_ACCOUNT_${account.number}_PROXY`;
    const proxy = vars("PROXY").get(account.number) ?? fallback;
    if (proxy === undefined) return account;
    let url: URL;
    try {
      url = new URL(proxy);
    } catch {
      throw new ConfigError(`${vars("PROXY").has(account.number) ? name : "QWEN_PROXY"} must be an http(s) proxy URL such as http://user:password@proxy.example:8080.`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`${vars("PROXY").has(account.number) ? name : "QWEN_PROXY"} must be an http:// or https:// proxy URL.`);
    return { ...account, proxy };
  });
}

/** A proxy URL with credentials is a secret, and so is its password alone. */
function proxySecrets(accounts: readonly Account[]): string[] {
  const secrets = new Set<string>();
  for (const { proxy } of accounts) {
    if (proxy === undefined) continue;
    const url = new URL(proxy);
    if (url.password === "" && url.username === "") continue;
    secrets.add(proxy);
    const password = decodeURIComponent(url.password);
    if (password.length >= 8) secrets.add(password);
  }
  return [...secrets];
}

/** The tokens and salts inside a scene list: each is a secret on its own, as it would appear in a header. */
function sceneSecrets(scenes: string): string[] {
  const found: string[] = [];
  JSON.parse(scenes, (key, value: unknown) => {
    if (typeof value === "string" && value.length >= 8 && key !== "businessScene") found.push(value);
    return value;
  });
  return found;
}

function configSecrets(cnAccounts: CnAccount[], pastedCookies: Iterable<string>, intlAccounts: IntlAccount[], masterKeys: string[]): string[] {
  return [
    ...cnAccounts.flatMap((a) => [a.cookie, a.xsrfToken, ...(a.umidToken === undefined ? [] : [a.umidToken]), ...secretPartsOfCookie(a.cookie), ...(a.scenes === undefined ? [] : [a.scenes, ...sceneSecrets(a.scenes)])]),
    ...pastedCookies,
    ...intlAccounts.flatMap((a) => [
      ...[a.token, a.refreshToken, a.password, a.password === undefined ? undefined : sha256(a.password).toString("hex")].filter((s): s is string => s !== undefined),
      a.cookie,
      ...secretPartsOfCookie(a.cookie),
      ...Object.values(a.extraHeaders),
    ]),
  ]
    .filter((s) => s.length >= 8)
    // A master key is redacted whatever its length: it is the one secret a client sends in every request.
    .concat(masterKeys);
}

/** Parses the environment once. Throws ConfigError with one sentence naming the variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const e = readEnv(env);

  const cnVars = scanAccountVars(env, ACCOUNT_VAR);
  const intlVars = scanAccountVars(env, INTL_ACCOUNT_VAR);
  const cnAccounts = withProxies(cnAccountsFrom(cnVars), cnVars, "CN", e.QWEN_PROXY);
  const intlAccounts = withProxies(intlAccountsFrom(intlVars), intlVars, "INTL", e.QWEN_PROXY);

  if ((env.INTL_NEW_CHAT_AUTH ?? "").trim().toLowerCase() === "off" && e.INTL_AUTH_STYLE === "bearer") {
    throw new ConfigError("INTL_NEW_CHAT_AUTH=off with INTL_AUTH_STYLE=bearer would create chats with no credential at all; use INTL_AUTH_STYLE=both (or cookie), or leave INTL_NEW_CHAT_AUTH unset.");
  }
  const referer = (e.QWEN_CN_REFERER ?? "").trim() || `${e.QWEN_CN_ORIGIN}/`;
  if (HEADER_UNSAFE.test(referer)) throw new ConfigError("QWEN_CN_REFERER contains a line break.");
  // One base for every mainland host: tests, a private relay, and deployments that set it before chat2.
  const cnSingleBase = (env.QWEN_CN_BASE_URL ?? "").trim() === "" ? undefined : e.QWEN_CN_BASE_URL;
  const stateKeyMaterial = e.STATE_KEY ?? e.API_MASTER_KEY[0];

  return {
    port: e.PORT,
    host: e.HOST,
    masterKeyDigests: e.API_MASTER_KEY.map(sha256),
    namedKeys: e.API_KEYS.map(({ name, key }) => ({ name, digest: sha256(key) })),
    ...(e.ADMIN_KEY === undefined ? {} : { adminKeyDigest: sha256(e.ADMIN_KEY) }),
    ...(e.QWEN_PROXY === undefined ? {} : { defaultProxy: e.QWEN_PROXY }),
    cnBaseUrl: cnSingleBase ?? e.QWEN_CN_DIALOG_URL,
    cnProtocol: e.CN_PROTOCOL,
    cnChatUrl: cnSingleBase ?? e.QWEN_CN_CHAT_URL,
    cnApiUrl: cnSingleBase ?? e.QWEN_CN_API_URL,
    cnSecUrl: cnSingleBase ?? e.QWEN_CN_SEC_URL,
    cnResUrl: cnSingleBase ?? e.QWEN_CN_RES_URL,
    cnWebVersion: e.QWEN_CN_WEB_VERSION,
    cnSigning: e.CN_SIGNING === "on",
    cnSignOrder: e.CN_SIGN_ORDER,
    cnRegisterIntervalMs: e.CN_REGISTER_INTERVAL_MS,
    cnThinkMode: e.CN_THINK_MODE,
    cnSearchValue: e.CN_SEARCH_VALUE,
    cnRefusalPatterns: e.CN_REFUSAL_PATTERNS,
    cnOrigin: e.QWEN_CN_ORIGIN,
    cnReferer: referer,
    cnAccounts,
    aliases: new Map([...DEFAULT_CN_ALIASES, ...parseAliases("MODEL_ALIASES", e.MODEL_ALIASES)]),
    intlBaseUrl: e.QWEN_INTL_BASE_URL,
    intlVersion: e.QWEN_INTL_VERSION,
    intlAuthBaseUrl: e.QWEN_INTL_AUTH_BASE_URL,
    intlAuthStyle: e.INTL_AUTH_STYLE,
    // With INTL_AUTH_STYLE=bearer the header is the only credential, so chats/new keeps it.
    intlNewChatAuth: e.INTL_NEW_CHAT_AUTH === "on" || e.INTL_AUTH_STYLE === "bearer",
    intlInlineMaxBytes: e.INTL_INLINE_MAX_BYTES,
    intlThinkingFormat: e.QWEN_INTL_THINKING_FORMAT,
    intlThinkingModes: e.QWEN_INTL_THINKING_MODES,
    intlSearchStyle: e.QWEN_INTL_SEARCH_STYLE,
    intlAccounts,
    intlAliases: parseAliases("INTL_MODEL_ALIASES", e.INTL_MODEL_ALIASES),
    searchSources: e.SEARCH_SOURCES,
    defaultUpstream: e.DEFAULT_UPSTREAM,
    maxBodyBytes: e.MAX_BODY_BYTES,
    promptMaxChars: e.PROMPT_MAX_CHARS,
    responsesStoreMax: e.RESPONSES_STORE_MAX,
    responsesStoreTtlMs: e.RESPONSES_STORE_TTL_MS,
    responsesStoreMaxBytes: e.RESPONSES_STORE_MAX_BYTES,
    state: {
      ...(e.STATE_PATH === undefined ? {} : { path: e.STATE_PATH }),
      ...(e.REDIS_URL === undefined ? {} : { redisUrl: e.REDIS_URL }),
      ...(stateKeyMaterial === undefined ? {} : { keyMaterial: stateKeyMaterial }),
      prefix: e.STATE_PREFIX,
      redisTimeoutMs: e.REDIS_TIMEOUT_MS,
    },
    heartbeatMs: e.HEARTBEAT_MS,
    upstreamLimits: {
      connectMs: e.UPSTREAM_CONNECT_TIMEOUT_MS,
      firstByteMs: e.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      idleMs: e.UPSTREAM_IDLE_TIMEOUT_MS,
      noContentMs: e.UPSTREAM_NO_CONTENT_TIMEOUT_MS,
      totalMs: e.REPLY_MAX_MS,
      maxEventChars: e.UPSTREAM_MAX_EVENT_CHARS,
      maxCumulativeEventChars: e.UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS,
      maxReplyChars: e.REPLY_MAX_CHARS,
      maxBodyBytes: e.UPSTREAM_MAX_BYTES,
    },
    toolBlockMaxChars: e.TOOL_BLOCK_MAX_CHARS,
    bodyBytesInFlightMax: e.BODY_BYTES_IN_FLIGHT_MAX,
    corsOrigins: (e.CORS_ORIGINS ?? "").split(",").map((o) => o.trim().replace(/\/+$/, "")).filter((o) => o !== ""),
    clientStallMs: e.CLIENT_STALL_TIMEOUT_MS,
    accountMaxInFlight: e.ACCOUNT_MAX_IN_FLIGHT,
    accountQueueTimeoutMs: e.ACCOUNT_QUEUE_TIMEOUT_MS,
    accountReprobeMs: e.ACCOUNT_REPROBE_MS,
    failoverMaxAttempts: e.FAILOVER_MAX_ATTEMPTS,
    holdbackChars: e.FAILOVER_HOLDBACK_CHARS,
    holdbackMs: e.FAILOVER_HOLDBACK_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
    images: { maxBytes: e.IMAGE_MAX_BYTES, maxPerRequest: e.IMAGE_MAX_PER_REQUEST, fetchTimeoutMs: e.IMAGE_FETCH_TIMEOUT_MS, history: e.IMAGE_HISTORY, allowPrivate: e.IMAGE_FETCH_ALLOW_PRIVATE === "1", bytesInFlightMax: e.IMAGE_BYTES_IN_FLIGHT_MAX },
    cnImagePollMs: e.CN_IMAGE_POLL_MS,
    intlStsBody: e.QWEN_INTL_STS_BODY,
    intlOssSigning: e.QWEN_INTL_OSS_SIGNING,
    ...((e.QWEN_INTL_OSS_URL ?? "").trim() === "" ? {} : { intlOssUrl: ossUrlFromEnv(e.QWEN_INTL_OSS_URL as string) }),
    ...(e.CAPTURE_DIR === undefined ? {} : { captureDir: e.CAPTURE_DIR }),
    secrets: [
      ...configSecrets(cnAccounts, cnVars("COOKIE").values(), intlAccounts, e.API_MASTER_KEY),
      ...proxySecrets([...cnAccounts, ...intlAccounts]),
      ...stateSecrets(e.STATE_KEY, e.REDIS_URL),
      // Client and admin keys are redacted whatever their length, like the master key.
      ...e.API_KEYS.map((k) => k.key),
      ...(e.ADMIN_KEY === undefined ? [] : [e.ADMIN_KEY]),
    ],
  };
}

/** STATE_KEY, the Redis URL and its password: never printed. */
function stateSecrets(stateKey: string | undefined, redisUrl: string | undefined): string[] {
  const secrets = stateKey === undefined ? [] : [stateKey];
  if (redisUrl === undefined) return secrets;
  const password = decodeURIComponent(new URL(redisUrl).password);
  return [...secrets, redisUrl, ...(password.length >= 4 ? [password] : [])];
}

/** QWEN_INTL_OSS_URL: an http(s) base that uploads go to path-style, `{base}/{bucket}/{file_path}`. */
function ossUrlFromEnv(raw: string): string {
  try {
    const url = new URL(raw.trim());
    if (url.protocol === "http:" || url.protocol === "https:") return raw.trim().replace(/\/+$/, "");
  } catch {
    // Reported below.
  }
  throw new ConfigError(`QWEN_INTL_OSS_URL must be an http(s) URL such as http://127.0.0.1:9000 (got "${raw}")`);
}

/** The individual cookie values, so a ticket quoted alone is scrubbed too. */
function secretPartsOfCookie(cookie: string): string[] {
  return cookie
    .split(";")
    .map((part) => part.slice(part.indexOf("=") + 1).trim())
    .filter((value) => value.length >= 16);
}

// ── Neutral types ───────────────────────────────────────────────────────────

/** One turn of a conversation, free of any wire format; both dialects decode into these. */
export type NeutralTurn =
  | { role: "system"; text: string }
  /** `images` as the client sent them: bytes, or a URL qwenplug fetches (`loadImages`). */
  | { role: "user"; text: string; images?: readonly NeutralImage[] }
  /** `arguments` is the parsed object, or the raw string when the client sent malformed JSON. */
  | { role: "assistant"; text: string; calls: ReadonlyArray<{ name: string; arguments: unknown }> }
  /** `label` names the call the result answers: the function name, else the call id. */
  | { role: "tool"; text: string; label: string };

/** An image a client sent: its bytes (a data: URL, base64) or an http(s) URL; `label` names where it was in the request. */
export interface NeutralImage {
  label: string;
  mediaType?: string;
  data?: Uint8Array;
  url?: string;
}

/** An image ready to upload: bytes checked against IMAGE_MAX_BYTES, with a known image type. */
export interface LoadedImage {
  label: string;
  mediaType: string;
  data: Uint8Array;
}

/** The five aspect ratios chat.qwen.ai's t2i accepts (UPSTREAMS-2026-11 §3.2). */
export type ImageRatio = "1:1" | "3:4" | "4:3" | "16:9" | "9:16";

/** A function the client offers the model. */
export interface NeutralTool {
  name: string;
  description?: string;
  /** A JSON Schema, passed to the model as it is. */
  parameters?: unknown;
}

export type ToolChoice = { type: "auto" } | { type: "none" } | { type: "required" } | { type: "function"; name: string };

/** The tools of a request; with none offered, replies are not scanned for tool calls at all. */
export interface Tooling {
  tools: readonly NeutralTool[];
  choice: ToolChoice;
  /** Whether one reply may call several functions. */
  parallel: boolean;
}

export const NO_TOOLS: Tooling = { tools: [], choice: { type: "auto" }, parallel: true };

/** What the user asked for, free of any wire format; both dialects produce it. */
export interface NeutralRequest {
  upstream: UpstreamName;
  /** The model name as the client sent it (echoed back in responses). */
  clientModel: string;
  /** The upstream model id to request. */
  upstreamModel: string;
  thinking: boolean;
  /** Thinking tokens the client allows (reasoning_effort, Anthropic budget_tokens), when it said. */
  thinkingBudget?: number;
  search: boolean;
  /** The conversation; the adapter turns it into its own prompt (`UpstreamAdapter.prepare`). */
  turns: readonly NeutralTurn[];
  tooling: Tooling;
  stream: boolean;
  includeUsage: boolean;
  /**
   * The web chats take no output limit, so a client's limit is enforced here
   * on estimated tokens: the reply is cut and ends with reason `length`.
   */
  maxOutputTokens?: number;
  /**
   * The client asked for a JSON answer (response_format, text.format): its
   * code fences are stripped, and with `strict` an answer that does not parse
   * is reported as an error rather than passed off as success.
   */
  jsonAnswer?: { strict: boolean };
  /** Generate an image at this ratio instead of answering in text (the `-image` model variants, /v1/images/generations). */
  imageRatio?: ImageRatio;
}

/** A request as an adapter sends it: the conversation flattened into one prompt, tool definitions included. */
export interface UpstreamRequest extends NeutralRequest {
  prompt: string;
  /** Old turns left out to fit PROMPT_MAX_CHARS (reported to the client in x-qwenplug-dropped-turns). */
  droppedTurns?: number;
  /** The images to send with the prompt (IMAGE_HISTORY decides which turns'), fetched and checked. */
  images?: readonly LoadedImage[];
  /** The pieces `prompt` is made of (see `FlatPrompt`): chat.qwen.ai moves the older ones into a document when the body grows too long. */
  promptParts?: Pick<FlatPrompt, "parts" | "headParts">;
}

/** The closed set of failure kinds shared by adapters, pool and dialects. */
export type ErrorKind =
  | "auth"
  | "quota"
  | "rate"
  | "waf"
  | "upstream"
  | "truncated"
  | "timeout"
  | "bad_request"
  | "content_filter"
  /** The reply broke one of qwenplug's own limits (size, time); another account would not do better. */
  | "limit"
  /** qwenplug's own resources ran short under its own load (signing salts); a wait, never the account's fault. */
  | "busy"
  /** The request is too long to send as it is, and the way around that (a chat.qwen.ai document upload) was refused: 413. */
  | "too_large"
  | "no_account";

export interface UpstreamFailure {
  kind: ErrorKind;
  message: string;
  /** Seconds after which trying again may help. */
  retryAfterSec?: number;
  /**
   * What an adapter does next with this failure, as a field so that a copy
   * (`{ ...failure, message }`) keeps it: a refused signature (EX015) one
   * fresh device may cure; an access token the upstream refused, renewed
   * and the request run once more; a generation that named no picture,
   * polled for; a chat2 reply that was the site's fixed refusal (M1).
   */
  tag?: "signature_refused" | "token_rejected" | "missing_image" | "fixed_refusal";
  /** The anti-bot puzzle page an answer pointed at (UPSTREAMS-2026-12 I4), so that later answers for the resting route can name it too. */
  punishUrl?: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
}

/** One function call the model made, found in its reply by the tool-call extractor. */
export interface ToolCall {
  /** 0, 1, … in the order of the reply. */
  index: number;
  id: string;
  name: string;
  /** The arguments object as JSON text. */
  argumentsJson: string;
}

export type FinishReason = "stop" | "content_filter" | "tool_calls" | "length";

/**
 * Events travel in batches, one per upstream network read, so that the
 * layers between upstream and client cost one async step per read rather
 * than per event, and one read becomes one write to the client.
 */
export type EventBatch = NeutralEvent[];

/** What an upstream said, free of any wire format; `tool_call` comes from the extractor, never an adapter. */
export type NeutralEvent =
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "tool_call"; call: ToolCall }
  | { type: "usage"; usage: Usage }
  | { type: "sources"; sources: Array<{ title: string; url: string }> }
  | { type: "done"; reason: FinishReason }
  | { type: "error"; failure: UpstreamFailure };

// ── Errors ──────────────────────────────────────────────────────────────────

/** An error that becomes an OpenAI-shaped JSON response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** No Retry-After above a day, whatever an upstream figure said. */
const MAX_RETRY_AFTER_SEC = 24 * 3600;

/**
 * Status, type and code for each failure kind; the one place that decides them.
 * `headers`: "retry" passes the upstream's Retry-After on, "final" adds
 * x-should-retry: false, "waf" asks for five minutes unless the upstream said.
 */
const FAILURE_RESPONSES: Readonly<Record<ErrorKind, { status: number; type: string; code: string; headers?: "retry" | "final" | "waf" }>> = {
  auth: { status: 503, type: "upstream_error", code: "upstream_account_expired", headers: "final" },
  no_account: { status: 503, type: "upstream_error", code: "no_upstream_account", headers: "final" },
  waf: { status: 503, type: "upstream_error", code: "upstream_waf_blocked", headers: "waf" },
  rate: { status: 429, type: "rate_limit_error", code: "upstream_rate_limited", headers: "retry" },
  quota: { status: 429, type: "rate_limit_error", code: "upstream_quota_exceeded", headers: "retry" },
  timeout: { status: 504, type: "upstream_error", code: "upstream_timeout" },
  bad_request: { status: 400, type: "invalid_request_error", code: "upstream_rejected_request" },
  content_filter: { status: 400, type: "invalid_request_error", code: "content_filter" },
  truncated: { status: 502, type: "upstream_error", code: "upstream_truncated" },
  limit: { status: 502, type: "upstream_error", code: "upstream_limit_exceeded" },
  busy: { status: 503, type: "upstream_error", code: "upstream_busy", headers: "retry" },
  too_large: { status: 413, type: "invalid_request_error", code: "context_upload_refused" },
  upstream: { status: 502, type: "upstream_error", code: "upstream_error" },
};

function httpErrorFromFailure(failure: UpstreamFailure): HttpError {
  const retryAfter: Record<string, string> =
    failure.retryAfterSec !== undefined && Number.isFinite(failure.retryAfterSec) ? { "retry-after": String(Math.min(MAX_RETRY_AFTER_SEC, Math.max(1, Math.ceil(failure.retryAfterSec)))) } : {};
  const { status, type, code, headers } = FAILURE_RESPONSES[failure.kind];
  const extra =
    headers === "final" ? { ...retryAfter, "x-should-retry": "false" } : headers === "waf" ? { "retry-after": "300", ...retryAfter } : headers === "retry" ? retryAfter : {};
  return new HttpError(status, failure.message, type, code, null, extra);
}

const tooDeep = (what: string, param: string | null = null) =>
  new HttpError(400, `${what} nests JSON deeper than ${MAX_JSON_DEPTH} levels.`, "invalid_request_error", "invalid_value", param);

function errorBody(err: HttpError): string {
  return JSON.stringify({ error: { message: err.message, type: err.type, param: err.param, code: err.code } });
}

/** Headers on every response; `access-control-allow-origin` is added per request (see `corsOrigin`). */
const BASE_HEADERS: Record<string, string> = {
  "access-control-expose-headers": "retry-after, x-request-id, x-should-retry, x-qwenplug-dropped-turns",
};

function jsonResponse(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { ...BASE_HEADERS, "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function errorResponse(err: HttpError): Response {
  return jsonResponse(err.status, errorBody(err), err.headers);
}

// ── SSE codec and text helpers ──────────────────────────────────────────────

export interface SseDataParser {
  /** Feeds decoded text; calls onData once per complete event that has a `data` field. */
  feed(text: string): void;
  /** Flushes an event left open by a stream that ended without a blank line. */
  end(): void;
}

/** The most characters of `data` one upstream event may collect before the parser gives up. */
const MAX_UPSTREAM_EVENT_CHARS = 8 * 1024 * 1024;

/** What the SSE parser throws when a line or an event passes its cap: a limit, not a broken stream. */
class SseLimitError extends Error {}

/**
 * A push parser for `text/event-stream` that collects the `data` and `event`
 * fields; `event` is "message" when the event had none (WHATWG HTML §9.2.6).
 * Lines end in LF, CRLF or CR (a CR may be the last char of one chunk and the
 * LF the first of a later one, with empty chunks between). A partial line is
 * kept as a list of pieces and joined only once its end arrives, so a long
 * line split into many chunks is not re-copied on every chunk. Both the
 * unfinished line and the data of the open event are capped: an upstream that
 * never sends a line end or a blank line makes feed() throw instead of
 * growing memory without bound.
 */
export function createSseDataParser(
  onData: (data: string, event: string) => void,
  maxLineChars: number = MAX_UPSTREAM_LINE_CHARS,
  maxEventChars: number = MAX_UPSTREAM_EVENT_CHARS,
): SseDataParser {
  let pieces: string[] = [];
  let pieceChars = 0;
  let skipLeadingLf = false;
  const dataLines: string[] = [];
  let dataChars = 0;
  let eventName = "";
  let isStreamStart = true;

  const dispatch = () => {
    const event = eventName === "" ? "message" : eventName;
    eventName = "";
    if (dataLines.length === 0) return;
    const data = dataLines.length === 1 ? (dataLines[0] as string) : dataLines.join("\n");
    // Emptied in place, not replaced: one array per stream instead of one per event.
    dataLines.length = 0;
    dataChars = 0;
    onData(data, event);
  };

  const line = (text: string) => {
    if (text.length === 0) return dispatch();
    if (text.charCodeAt(0) === 58 /* : */) return;
    const colon = text.indexOf(":");
    // A line without a colon is a field with an empty value: a bare `data` is an empty data line.
    const nameEnd = colon === -1 ? text.length : colon;
    const value = colon === -1 ? "" : text.charCodeAt(colon + 1) === 32 ? text.slice(colon + 2) : text.slice(colon + 1);
    // The field's name is compared in place, not sliced out: nearly every line is `data:`.
    if (nameEnd === 4 && text.startsWith("data")) {
      dataChars += value.length + 1;
      if (dataChars > maxEventChars) {
        dataLines.length = 0;
        dataChars = 0;
        throw new SseLimitError(`upstream sent an event longer than ${maxEventChars} characters`);
      }
      dataLines.push(value);
    } else if (nameEnd === 5 && text.startsWith("event")) {
      eventName = value;
    }
    // Other fields (id:, retry:) carry nothing we use.
  };

  return {
    feed(text: string) {
      // An empty chunk must not end the wait for the LF of a CRLF split across chunks.
      if (text.length === 0) return;
      let start = 0;
      if (isStreamStart) {
        isStreamStart = false;
        if (text.charCodeAt(0) === 0xfeff) start = 1;
      }
      if (skipLeadingLf) {
        skipLeadingLf = false;
        if (text.charCodeAt(start) === 10) start++;
      }
      const length = text.length;
      let cr = text.indexOf("\r", start);
      let lf = text.indexOf("\n", start);
      while (cr !== -1 || lf !== -1) {
        const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
        let piece = text.slice(start, end);
        if (pieces.length > 0) {
          pieces.push(piece);
          piece = pieces.join("");
          pieces = [];
          pieceChars = 0;
        }
        if (end === cr && text.charCodeAt(end + 1) === 10) start = end + 2;
        else start = end + 1;
        if (end === cr && end === length - 1) skipLeadingLf = true;
        if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
        if (lf !== -1 && lf < start) lf = text.indexOf("\n", start);
        line(piece);
      }
      if (start < length) {
        pieces.push(text.slice(start));
        pieceChars += length - start;
        if (pieceChars > maxLineChars) {
          pieces = [];
          pieceChars = 0;
          throw new SseLimitError(`upstream sent a line longer than ${maxLineChars} characters`);
        }
      }
    },
    end() {
      if (pieces.length > 0) {
        const rest = pieces.join("");
        pieces = [];
        pieceChars = 0;
        line(rest);
      }
      dispatch();
    },
  };
}

/**
 * Decodes UTF-8 network chunks whose boundaries may split a character: the
 * incomplete tail (at most 3 bytes) is carried to the next chunk. Same output
 * as TextDecoder's stream mode, which in Bun 1.4.5 decodes about 2.8× slower
 * on CN's large cumulative events (bench/run.ts, transcoding profile).
 * `ignoreBOM`: without it every decode() call would drop a U+FEFF at the start
 * of its chunk; the SSE parser strips the one BOM a stream may start with.
 */
export function createUtf8ChunkDecoder() {
  // Buffer's UTF-8 decoding gives what TextDecoder("utf-8", { ignoreBOM: true }) gives (a BOM kept, U+FFFD
  // for the same invalid bytes, checked over random bytes) at about half the CPU in Bun 1.4.5.
  const decode = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  let carry: Uint8Array | undefined;
  return {
    decode(chunk: Uint8Array): string {
      let bytes = chunk;
      if (carry !== undefined) {
        bytes = new Uint8Array(carry.length + chunk.length);
        bytes.set(carry);
        bytes.set(chunk, carry.length);
        carry = undefined;
      }
      let end = bytes.length;
      let lead = end - 1;
      while (lead >= 0 && end - lead < 4 && ((bytes[lead] as number) & 0xc0) === 0x80) lead--;
      if (lead >= 0) {
        const first = bytes[lead] as number;
        const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
        if (end - lead < length) end = lead;
      }
      if (end < bytes.length) carry = bytes.slice(end);
      return decode(end === bytes.length ? bytes : bytes.subarray(0, end));
    },
    /** What an unfinished character at the very end becomes (U+FFFD, as TextDecoder does). */
    end(): string {
      const rest = carry === undefined ? "" : decode(carry);
      carry = undefined;
      return rest;
    },
  };
}

/** Encodes one SSE event whose data is already-serialized JSON (JSON has no raw newlines). */
const sseData = (json: string) => `data: ${json}\n\n`;

/** The same with an event name, as the Anthropic stream needs. */
const sseEvent = (name: string, json: string) => `event: ${name}\ndata: ${json}\n\n`;

/**
 * A copy of `text` that shares no storage with the string it was sliced from.
 * In Bun 1.4.5 (JavaScriptCore) slice() shares its base string, so each small
 * increment cut from a cumulative snapshot kept that whole snapshot alive for
 * as long as the increment lived: a whole reply collecting 1,000 increments
 * held 1,000 snapshots, 500 MB (issue 21 #1). join() builds a new string.
 */
const detachedCopy = (text: string): string => [text, ""].join("");

/**
 * Turns cumulative snapshots into increments in O(new characters): instead of
 * comparing the whole previous text on every event (quadratic over a long
 * reply), it checks that the new snapshot still carries the previous one's
 * first and last characters at the same places. A snapshot that fails the check
 * is a rewrite: nothing already sent can be taken back, so it is only
 * remembered. A U+FFFD at the very end of a snapshot is held back until a
 * later snapshot completes the character (an event can end inside a
 * multi-byte character); one anywhere else is text and passes through.
 * A character replaced in the middle by one of the same length is not seen
 * (that would cost O(text) per event), and need not be: the new part is the
 * same either way, and what was sent cannot be taken back.
 */
export function createCumulativeDiff() {
  let previous = "";
  const ANCHOR = 32;
  return {
    next(snapshot: string, isFinal = false): string {
      const prevLength = previous.length;
      if (snapshot.length < prevLength) {
        previous = snapshot;
        return "";
      }
      const head = Math.min(ANCHOR, prevLength);
      const tailStart = Math.max(head, prevLength - ANCHOR);
      const continues =
        snapshot.startsWith(previous.slice(0, head)) &&
        snapshot.slice(tailStart, prevLength) === previous.slice(tailStart);
      if (!continues) {
        previous = snapshot;
        return "";
      }
      let added = snapshot.slice(prevLength);
      if (!isFinal) {
        let end = added.length;
        while (end > 0 && added.charCodeAt(end - 1) === 0xfffd) end--;
        if (end < added.length) added = added.slice(0, end);
      }
      // The snapshot is known to extend `previous`, so keep it (or its checked prefix) as is:
      // `previous + added` would build a rope that the next slice() flattens, copying the whole text per event.
      previous = prevLength + added.length === snapshot.length ? snapshot : snapshot.slice(0, prevLength + added.length);
      return detachedCopy(added);
    },
    get text() {
      return previous;
    },
  };
}

/**
 * A rough token count for upstreams that report none: one token per CJK
 * character, one per four other characters. Documented as an estimate.
 */
export function estimateTokens(text: string): number {
  let cjk = 0;
  for (let i = 0; i < text.length; i++) if (isCjkCode(text.charCodeAt(i))) cjk++;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

const isCjkCode = (c: number) => (c >= 0x2e80 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xffef);

/** 32 hex digits: a UUID without its dashes, cut out by position (a third of the cost of `replaceAll`). */
const randomHex32 = () => {
  const uuid = randomUUID();
  return uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24);
};

/** How many replaced secrets stay scrubbed (a late error may still quote one); current ones are kept whatever their number. */
const MAX_RETIRED_SECRETS = 256;
/**
 * Secrets added without an owner: nothing says when one is replaced, so many
 * are kept (a renewal adds one or two, so thousands of renewals); pass an owner
 * to keep exactly the current one and its recent predecessors.
 */
const MAX_UNOWNED_SECRETS = 4096;

export type Redactor = ((text: string) => string) & {
  /**
   * Adds a secret learned at run time. With an `owner` (a stable name such as
   * "intl#1 access token"), it replaces that owner's previous secret, which is
   * retired: still scrubbed until MAX_RETIRED_SECRETS newer ones were retired.
   */
  add(secret: string, owner?: string): void;
};

/**
 * Replaces every configured secret in a text that is about to leave the
 * process; `add` extends the set with a secret learned at run time. Every
 * secret still in use stays in the set (issue 21 #7): only retired ones, and
 * unowned ones past MAX_UNOWNED_SECRETS, are ever dropped.
 */
export function makeRedactor(secrets: readonly string[]): Redactor {
  const configured = [...new Set(secrets)];
  const current = new Map<string, string>();
  const unowned: string[] = [];
  const retired: string[] = [];
  let sorted = [...configured].sort((a, b) => b.length - a.length);
  const redact = (text: string) => {
    let out = text;
    for (const secret of sorted) if (out.includes(secret)) out = out.replaceAll(secret, "[redacted]");
    return out;
  };
  const keepLast = (list: string[], max: number) => list.splice(0, Math.max(0, list.length - max));
  const add = (secret: string, owner?: string) => {
    if (secret.length < 8) return;
    if (owner === undefined) {
      if (sorted.includes(secret)) return;
      unowned.push(secret);
      keepLast(unowned, MAX_UNOWNED_SECRETS);
    } else {
      const previous = current.get(owner);
      if (previous === secret) return;
      current.set(owner, secret);
      if (previous !== undefined) {
        retired.push(previous);
        keepLast(retired, MAX_RETIRED_SECRETS);
      }
    }
    sorted = [...new Set([...configured, ...current.values(), ...unowned, ...retired])].sort((a, b) => b.length - a.length);
  };
  return Object.assign(redact, { add });
}

/**
 * A string from an upstream, redacted whole and then cut to `max` characters;
 * anything else gives "". Cutting first would leave the start of a secret the
 * cut went through, which no longer matches and so leaks (issue 10 #4).
 */
export function redactThenCut(redact: (text: string) => string, value: unknown, max = 200): string {
  return typeof value === "string" ? redact(value).slice(0, max) : "";
}

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`, found in
 * one pass without parsing (strings and their escapes skipped), so a body
 * nested tens of thousands deep can be refused before JSON.parse or zod
 * recurse into it. Not a validator: malformed text gets whatever its brackets
 * say, and JSON.parse still judges it afterwards.
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let isInString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isInString) {
      if (c === 92 /* backslash: skip the escaped character */) i++;
      else if (c === 34 /* " */) isInString = false;
    } else if (c === 34) {
      isInString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return false;
}

// ── State store ─────────────────────────────────────────────────────────────
//
// What qwenplug keeps beyond one request (DESIGN "A credential store with
// three backends"): the rotated tokens of chat.qwen.ai accounts, each
// mainland account's signing device and its unspent salts, the Responses
// store, account cooldowns. One interface, three backends: memory
// (STATE_PATH=off, tests), SQLite (`bun:sqlite`, the default) and Redis
// (REDIS_URL, shared by replicas). The rest of the file does not know which
// one is in use. Keys are plain strings such as `intl:1:<hash>:token`; values
// are JSON; the SQLite and Redis backends seal every value at rest.

/** A record and the version its last write gave it (1 after the first write). */
export interface Versioned<T> {
  value: T;
  version: number;
}

/** What /status, the status page and --check say about the store: never a secret. */
export interface StoreStatus {
  backend: "memory" | "sqlite" | "redis";
  /** Where the state lives: a file path, a Redis host (no password), or "memory". */
  location: string;
  /** False while a shared backend is unreachable and the process serves from memory. */
  isHealthy: boolean;
  detail?: string;
}

export interface StateStore {
  /** A record, or undefined when absent or expired. */
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Writes a record. With `ifVersion`, only when the stored version still is
   * that (0: only when absent): the new version, or undefined when another
   * writer came first. `ttlMs` lets the record expire.
   */
  put<T>(key: string, value: T, options?: { ifVersion?: number; ttlMs?: number }): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  /** Appends to a list (created on first use; `ttlMs` renews its expiry); the list's new length. */
  push(key: string, items: readonly string[], ttlMs?: number): Promise<number>;
  /** Removes and returns a list's first item, atomically across replicas; undefined when the list is empty. */
  shift(key: string): Promise<string | undefined>;
  /** Removes and returns up to `count` first items at once, atomically across replicas (one round trip for a batch). */
  take(key: string, count: number): Promise<string[]>;
  length(key: string): Promise<number>;
  /** A lock with a lease: a token when taken, undefined while someone else holds it. It ends at `unlock` with that token, or when the lease runs out. */
  lock(key: string, leaseMs: number): Promise<string | undefined>;
  unlock(key: string, token: string): Promise<void>;
  status(): StoreStatus;
  close(): Promise<void>;
}

/** The store in this process's memory: STATE_PATH=off, tests, and the fallback while Redis is away. */
export function createMemoryStore(now: () => number = Date.now): StateStore {
  const records = new Map<string, { value: unknown; version: number; expiresAt: number }>();
  const lists = new Map<string, { items: string[]; expiresAt: number }>();
  const locks = new Map<string, { token: string; expiresAt: number }>();
  const live = <E extends { expiresAt: number }>(map: Map<string, E>, key: string): E | undefined => {
    const entry = map.get(key);
    if (entry !== undefined && entry.expiresAt <= now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  };
  const expiry = (ttlMs: number | undefined) => (ttlMs === undefined ? Number.POSITIVE_INFINITY : now() + ttlMs);
  return {
    async get<T>(key: string) {
      const entry = live(records, key);
      return entry === undefined ? undefined : { value: entry.value as T, version: entry.version };
    },
    async put(key, value, options = {}) {
      const version = live(records, key)?.version ?? 0;
      if (options.ifVersion !== undefined && options.ifVersion !== version) return undefined;
      records.set(key, { value, version: version + 1, expiresAt: expiry(options.ttlMs) });
      return version + 1;
    },
    async delete(key) {
      records.delete(key);
      lists.delete(key);
    },
    async push(key, items, ttlMs) {
      const list = live(lists, key) ?? { items: [], expiresAt: 0 };
      list.items.push(...items);
      list.expiresAt = expiry(ttlMs);
      lists.set(key, list);
      return list.items.length;
    },
    async shift(key) {
      return live(lists, key)?.items.shift();
    },
    async take(key, count) {
      return live(lists, key)?.items.splice(0, count) ?? [];
    },
    async length(key) {
      return live(lists, key)?.items.length ?? 0;
    },
    async lock(key, leaseMs) {
      if (live(locks, key) !== undefined) return undefined;
      const token = randomUUID();
      locks.set(key, { token, expiresAt: now() + leaseMs });
      return token;
    },
    async unlock(key, token) {
      if (locks.get(key)?.token === token) locks.delete(key);
    },
    status: () => ({ backend: "memory", location: "memory", isHealthy: true }),
    async close() {},
  };
}

// ── · Sealing ──
//
// Every value the SQLite and Redis backends hold is sealed with AES-256-GCM
// under a key derived (HKDF-SHA256) from STATE_KEY, else from the first
// API_MASTER_KEY, else (SQLite only) from a random key kept beside the file.
// The record's name is the additional data, so a sealed value moved to
// another name does not open. Names are not secret and never hold a secret.

const STATE_KEY_SALT = "qwenplug state store";
const STATE_KEY_INFO = "aes-256-gcm v1";
/** The sealed check record written when a store is created: another key cannot open it. */
const STATE_CHECK_KEY = "qwenplug:check";
const STATE_CHECK_TEXT = "qwenplug state v1";
/** The SQLite key check: the key's fingerprint, matched without a cipher (the sealed check record above is still read in files that have no fingerprint). */
const STATE_FINGERPRINT_KEY = "qwenplug:fingerprint";
const STATE_CHECK_INFO = "key check v1";
/** How often the SQLite backend deletes expired rows. */
const STATE_SWEEP_MS = 60_000;
/** How often a lost Redis is tried again. */
const REDIS_RETRY_MS = 3_000;
/** Records remembered from Redis, so a record read before stays available while Redis is away. */
const REDIS_LOCAL_RECORDS_MAX = 2_000;

interface Sealer {
  seal(name: string, text: string): Promise<string>;
  /** The text; rejects when the value was sealed under another key or name, or is damaged. */
  open(name: string, sealed: string): Promise<string>;
  /** The text, or undefined for a value that no longer opens (damaged, or sealed under another key): it counts as absent. */
  openOrUndefined(name: string, sealed: string | null): Promise<string | undefined>;
  /** The items of a list that open, in order. */
  openAll(name: string, sealed: readonly string[]): Promise<string[]>;
  /** The key check's value: a one-way derivation of the material (HKDF, its own info), so a file can be matched to a key without a cipher. */
  readonly fingerprint: string;
  /** `open` with node:crypto, synchronously: only for a check record written before the fingerprint existed. */
  openNow(name: string, sealed: string): string;
}

/** HKDF-SHA256 (RFC 5869) for up to 32 bytes, with Bun's HMAC: node:crypto's hkdfSync cost loading node:crypto (12–17 ms, about 10 MB) at start. */
function hkdf32(material: string | Uint8Array, salt: string, info: string): Buffer {
  const prk = new Bun.CryptoHasher("sha256", salt).update(material).digest();
  return new Bun.CryptoHasher("sha256", prk).update(info).update(new Uint8Array([1])).digest();
}

/**
 * AES-256-GCM with Web Crypto (already in the runtime; node:crypto loaded
 * only for a check record from before the fingerprint). The layout is
 * iv (12) | tag (16) | body; Web Crypto's ciphertext is body | tag.
 */
function createSealer(material: string | Uint8Array): Sealer {
  const raw = hkdf32(material, STATE_KEY_SALT, STATE_KEY_INFO);
  let key: Promise<CryptoKey> | undefined;
  const cryptoKey = () => (key ??= crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
  const open = async (name: string, sealed: string): Promise<string> => {
    const bytes = Buffer.from(sealed, "base64");
    if (bytes.length < 28) throw new Error("sealed value too short");
    const data = Buffer.concat([bytes.subarray(28), bytes.subarray(12, 28)]);
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: Buffer.from(name) }, await cryptoKey(), data);
    return Buffer.from(plain).toString("utf8");
  };
  const openOrUndefined = async (name: string, sealed: string | null): Promise<string | undefined> => {
    if (sealed === null) return undefined;
    try {
      return await open(name, sealed);
    } catch {
      return undefined;
    }
  };
  return {
    async seal(name, text) {
      const iv = randomBytes(12);
      const out = Buffer.from(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: Buffer.from(name) }, await cryptoKey(), Buffer.from(text, "utf8")));
      const bodyLength = out.length - 16;
      return Buffer.concat([iv, out.subarray(bodyLength), out.subarray(0, bodyLength)]).toString("base64");
    },
    open,
    openOrUndefined,
    openAll: async (name, sealed) => (await Promise.all(sealed.map((one) => openOrUndefined(name, one)))).filter((item): item is string => item !== undefined),
    fingerprint: hkdf32(material, STATE_KEY_SALT, STATE_CHECK_INFO).toString("base64"),
    openNow(name, sealed) {
      const bytes = Buffer.from(sealed, "base64");
      if (bytes.length < 28) throw new Error("sealed value too short");
      const decipher = nodeCrypto().createDecipheriv("aes-256-gcm", raw, bytes.subarray(0, 12)).setAAD(Buffer.from(name));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
    },
  };
}

/** JSON that keeps Uint8Array (image bytes) as `{"$bytes": base64}`. */
const toStateJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString("base64") } : v));
const fromStateJson = (text: string): unknown =>
  JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const bytes = (v as { $bytes?: unknown }).$bytes;
      if (typeof bytes === "string" && Object.keys(v).length === 1) return new Uint8Array(Buffer.from(bytes, "base64"));
    }
    return v;
  });

// ── · SQLite backend ──

/** The file's key when neither STATE_KEY nor API_MASTER_KEY is set: 32 random bytes in `<file>.key`, mode 0600. */
function stateKeyFile(path: string): Buffer {
  const keyPath = `${path}.key`;
  const fs = nodeFs();
  if (fs.existsSync(keyPath)) return Buffer.from(fs.readFileSync(keyPath, "utf8").trim(), "base64");
  const key = randomBytes(32);
  fs.writeFileSync(keyPath, key.toString("base64"), { mode: 0o600, flag: "wx" });
  return key;
}

class SealedUnderAnotherKey extends Error {}

/** Opens (or creates) the state file: WAL, the tables, the check record; created mode 0600, like its -wal and -shm. */
function openStateFile(path: string, sealer: Sealer): Database {
  const previousMask = process.umask(0o077);
  try {
    const db = new (bunSqlite().Database)(path, { create: true, strict: true });
    try {
      db.run("PRAGMA busy_timeout = 5000");
      db.run("PRAGMA journal_mode = WAL");
      // FULL, not WAL's usual NORMAL: a salt taken must stay taken even after a power cut (about 0.2 ms a write, bench/state.ts).
      db.run("PRAGMA synchronous = FULL");
      // One transaction for the tables and the fingerprint: a new file costs one fsync instead of five (26–36 ms → 8–14 ms here).
      db.transaction(() => checkStateFile(db, sealer)).immediate();
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  } finally {
    process.umask(previousMask);
  }
}

/** Makes the tables if need be, and checks that the file was sealed under this key (throws SealedUnderAnotherKey if not). */
function checkStateFile(db: Database, sealer: Sealer): void {
  db.run("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER)");
  db.run("CREATE TABLE IF NOT EXISTS lists (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, item TEXT NOT NULL, expires_at INTEGER)");
  db.run("CREATE INDEX IF NOT EXISTS lists_by_key ON lists (key, id)");
  db.run("CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at INTEGER NOT NULL)");
  const valueOf = db.query<{ value: string }, [string]>("SELECT value FROM records WHERE key = ?");
  const fingerprint = valueOf.get(STATE_FINGERPRINT_KEY);
  if (fingerprint !== null) {
    if (fingerprint.value !== sealer.fingerprint) throw new SealedUnderAnotherKey("sealed under another key");
    return;
  }
  // A file from before the fingerprint: its sealed check record decides, once (node:crypto, synchronously); then the fingerprint joins it.
  const check = valueOf.get(STATE_CHECK_KEY);
  if (check !== null) {
    let text: string | undefined;
    try {
      text = sealer.openNow(STATE_CHECK_KEY, check.value);
    } catch {
      // Reported below.
    }
    if (text !== STATE_CHECK_TEXT) throw new SealedUnderAnotherKey("sealed under another key");
  }
  db.query("INSERT INTO records (key, value, version, expires_at) VALUES (?, ?, 1, NULL)").run(STATE_FINGERPRINT_KEY, sealer.fingerprint);
}

export interface SqliteStoreOptions {
  path: string;
  /** STATE_KEY or API_MASTER_KEY; without it, a random key kept in `<path>.key`. */
  keyMaterial?: string;
  log: (line: string) => void;
  now?: () => number;
}

/**
 * The default backend: one SQLite file (`bun:sqlite`), WAL mode, each change
 * one transaction (BEGIN IMMEDIATE where it reads, then writes), so two
 * processes on one file stay consistent. A file that cannot be read, or was
 * sealed under another key, is set aside as `<file>.unreadable-<time>` with
 * one log line, and a new one is started.
 */
export function createSqliteStore(options: SqliteStoreOptions): StateStore {
  const { path, log } = options;
  const now = options.now ?? Date.now;
  const fs = nodeFs();
  fs.mkdirSync(dirOf(path), { recursive: true, mode: 0o700 });
  const sealer = createSealer(options.keyMaterial ?? stateKeyFile(path));
  let db: Database;
  try {
    db = openStateFile(path, sealer);
  } catch (err) {
    const isOtherKey = err instanceof SealedUnderAnotherKey;
    const stamp = new Date(now()).toISOString().replace(/[:.]/g, "-");
    const aside = `${path}.unreadable-${stamp}`;
    for (const suffix of ["", "-wal", "-shm"]) if (fs.existsSync(path + suffix)) fs.renameSync(path + suffix, aside + suffix);
    log(
      `qwenplug: the state file ${path} ${isOtherKey ? "was sealed under another key (STATE_KEY or API_MASTER_KEY changed)" : "is not a readable qwenplug state file"}; ` +
        `moved it to ${aside} and starting a new one from the configured credentials`,
    );
    db = openStateFile(path, sealer);
  }
  for (const suffix of ["", "-wal", "-shm"]) if (fs.existsSync(path + suffix)) fs.chmodSync(path + suffix, 0o600);

  const q = {
    get: db.query<{ value: string; version: number; expires_at: number | null }, [string]>("SELECT value, version, expires_at FROM records WHERE key = ?"),
    upsert: db.query("INSERT INTO records (key, value, version, expires_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET value = ?2, version = ?3, expires_at = ?4"),
    deleteRecord: db.query("DELETE FROM records WHERE key = ?"),
    deleteList: db.query("DELETE FROM lists WHERE key = ?"),
    deleteExpiredItems: db.query("DELETE FROM lists WHERE key = ? AND expires_at IS NOT NULL AND expires_at <= ?"),
    pushItem: db.query("INSERT INTO lists (key, item, expires_at) VALUES (?, ?, ?)"),
    renewList: db.query("UPDATE lists SET expires_at = ? WHERE key = ?"),
    count: db.query<{ n: number }, [string, number]>("SELECT count(*) AS n FROM lists WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)"),
    first: db.query<{ id: number; item: string }, [string]>("SELECT id, item FROM lists WHERE key = ? ORDER BY id LIMIT 1"),
    deleteItem: db.query("DELETE FROM lists WHERE id = ?"),
    getLock: db.query<{ expires_at: number }, [string]>("SELECT expires_at FROM locks WHERE key = ?"),
    setLock: db.query("INSERT INTO locks (key, token, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET token = ?2, expires_at = ?3"),
    unlock: db.query("DELETE FROM locks WHERE key = ? AND token = ?"),
  };
  const isLive = (expiresAt: number | null) => expiresAt === null || expiresAt > now();
  const liveVersion = (key: string) => {
    const row = q.get.get(key);
    return row !== null && isLive(row.expires_at) ? row.version : 0;
  };
  const put = db.transaction((key: string, sealed: string, ifVersion: number | undefined, ttlMs: number | undefined): number | undefined => {
    const version = liveVersion(key);
    if (ifVersion !== undefined && ifVersion !== version) return undefined;
    q.upsert.run(key, sealed, version + 1, ttlMs === undefined ? null : now() + ttlMs);
    return version + 1;
  });
  const push = db.transaction((key: string, sealed: string[], ttlMs: number | undefined): number => {
    q.deleteExpiredItems.run(key, now());
    const expiresAt = ttlMs === undefined ? null : now() + ttlMs;
    for (const item of sealed) q.pushItem.run(key, item, expiresAt);
    q.renewList.run(expiresAt, key);
    return (q.count.get(key, now()) as { n: number }).n;
  });
  const shift = db.transaction((key: string): string | undefined => {
    q.deleteExpiredItems.run(key, now());
    const row = q.first.get(key);
    if (row === null) return undefined;
    q.deleteItem.run(row.id);
    return row.item;
  });
  const take = db.transaction((key: string, count: number): string[] => {
    q.deleteExpiredItems.run(key, now());
    const items: string[] = [];
    for (let row = q.first.get(key); row !== null && items.length < count; row = q.first.get(key)) {
      q.deleteItem.run(row.id);
      items.push(row.item);
    }
    return items;
  });
  const lock = db.transaction((key: string, leaseMs: number): string | undefined => {
    const held = q.getLock.get(key);
    if (held !== null && held.expires_at > now()) return undefined;
    const token = randomUUID();
    q.setLock.run(key, token, now() + leaseMs);
    return token;
  });
  const sweep = () => {
    const t = now();
    db.run("DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= ?", [t]);
    db.run("DELETE FROM lists WHERE expires_at IS NOT NULL AND expires_at <= ?", [t]);
    db.run("DELETE FROM locks WHERE expires_at <= ?", [t]);
  };
  sweep();
  const sweeper = setInterval(sweep, STATE_SWEEP_MS);
  sweeper.unref?.();
  const { openOrUndefined, openAll } = sealer;

  return {
    async get<T>(key: string) {
      const row = q.get.get(key);
      if (row === null || !isLive(row.expires_at)) return undefined;
      const text = await openOrUndefined(key, row.value);
      return text === undefined ? undefined : { value: fromStateJson(text) as T, version: row.version };
    },
    async put(key, value, options = {}) {
      return put.immediate(key, await sealer.seal(key, toStateJson(value)), options.ifVersion, options.ttlMs);
    },
    async delete(key) {
      db.transaction(() => {
        q.deleteRecord.run(key);
        q.deleteList.run(key);
      })();
    },
    async push(key, items, ttlMs) {
      return push.immediate(key, await Promise.all(items.map((item) => sealer.seal(key, item))), ttlMs);
    },
    async shift(key) {
      for (;;) {
        const sealed = shift.immediate(key);
        if (sealed === undefined) return undefined;
        const item = await openOrUndefined(key, sealed);
        if (item !== undefined) return item;
      }
    },
    async take(key, count) {
      return openAll(key, take.immediate(key, count));
    },
    async length(key) {
      return (q.count.get(key, now()) as { n: number }).n;
    },
    async lock(key, leaseMs) {
      return lock.immediate(key, leaseMs);
    },
    async unlock(key, token) {
      q.unlock.run(key, token);
    },
    status: () => ({ backend: "sqlite", location: path, isHealthy: true }),
    async close() {
      clearInterval(sweeper);
      db.close();
    },
  };
}

// ── · Redis backend ──

/** A Redis URL without its user name and password, for logs and /status. */
export function redisLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch {
    return "the REDIS_URL server";
  }
}

// ARGV[5] = "1" (a write-back after Redis was away) also writes over an absent record: a Redis restarted empty gets it back.
const REDIS_PUT = `local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local want = tonumber(ARGV[2])
if want >= 0 and n ~= want and not (ARGV[5] == '1' and n == 0) then return -1 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'n', n + 1, 'e', ARGV[4])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return n + 1`;
const REDIS_DELETE_IF_VERSION = `local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
return 1`;
const REDIS_PUSH = `for i = 2, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) else redis.call('PERSIST', KEYS[1]) end
return redis.call('LLEN', KEYS[1])`;
const REDIS_UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisStoreOptions {
  url: string;
  /** STATE_KEY or API_MASTER_KEY: every replica needs the same. */
  keyMaterial: string;
  /** Prepended to every Redis key (STATE_PREFIX). */
  prefix: string;
  /** How long one command may take before Redis counts as lost (REDIS_TIMEOUT_MS). */
  timeoutMs: number;
  log: (line: string) => void;
  retryMs?: number;
  now?: () => number;
}

/** A Redis command that did not answer within REDIS_TIMEOUT_MS. */
function redisDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Shared state for replicas, through Bun's RedisClient. Versioned writes and
 * the lock's release are Lua scripts (atomic on the server); a list's shift is
 * LPOP; a lock is `SET key token NX PX lease`. While Redis is away the store
 * answers from memory (records read before stay available; writes are kept
 * and written back when Redis returns, unless another replica wrote the same
 * record meanwhile: then Redis wins (a record Redis lost, restarted empty, is
 * written back); lists are never written back, so a salt
 * is never presented twice) and tries Redis again every few seconds.
 * Unreachable at start: a ConfigError naming REDIS_URL.
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<StateStore> {
  const { prefix, timeoutMs, log } = options;
  const now = options.now ?? Date.now;
  const retryMs = options.retryMs ?? REDIS_RETRY_MS;
  const where = redisLocation(options.url);
  const sealer = createSealer(options.keyMaterial);
  // No offline queue: a command while disconnected fails at once and the store answers from memory.
  // No auto-reconnect: the retry timer below reconnects, and resynchronises when it does.
  const client = new RedisClient(options.url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: timeoutMs });
  const send = async (command: string, args: string[]): Promise<unknown> => redisDeadline(client.send(command, args), timeoutMs);
  try {
    await redisDeadline(client.connect(), timeoutMs);
    await send("PING", []);
  } catch {
    client.close();
    throw new ConfigError(`REDIS_URL: could not reach Redis at ${where} within ${timeoutMs} ms; check the URL, its password and that the server is running, or unset REDIS_URL to keep state in a file.`);
  }
  const recordKey = (key: string) => `${prefix}r:${key}`;
  const listKey = (key: string) => `${prefix}l:${key}`;
  const lockKey = (key: string) => `${prefix}k:${key}`;
  const checkKey = `${prefix}check`;
  const check = (await send("GET", [checkKey])) as string | null;
  let isCheckReadable = false;
  try {
    isCheckReadable = check !== null && (await sealer.open(checkKey, check)) === STATE_CHECK_TEXT;
  } catch {
    // Reported below.
  }
  if (check !== null && !isCheckReadable) log(`qwenplug: the state in Redis at ${where} (prefix ${prefix}) was sealed under another key (STATE_KEY or API_MASTER_KEY differs); those records are ignored and will be overwritten`);
  if (!isCheckReadable) await send("SET", [checkKey, await sealer.seal(checkKey, STATE_CHECK_TEXT)]);

  type Local = { value: unknown; version: number; expiresAt: number };
  /** Records as last read or written, newest last. */
  const local = new Map<string, Local>();
  /** Records written while Redis was away: the version Redis had, and what to write back. */
  const dirty = new Map<string, { base: number; ttlMs?: number; isDeleted: boolean }>();
  let away = createMemoryStore(now);
  let isHealthy = true;
  let reason: string | undefined;
  let isClosed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const remember = (key: string, entry: Local) => {
    local.delete(key);
    local.set(key, entry);
    if (local.size <= REDIS_LOCAL_RECORDS_MAX) return;
    for (const old of local.keys()) {
      if (!dirty.has(old)) {
        local.delete(old);
        break;
      }
    }
  };
  const lose = (err: unknown) => {
    if (isClosed) return;
    if (isHealthy) {
      isHealthy = false;
      reason = `Redis at ${where} unreachable (${err instanceof Error ? err.message : "no answer"}); serving from memory`;
      log(`qwenplug: lost Redis at ${where}; serving state from memory and trying again every ${Math.round(retryMs / 1000)} s`);
    }
    scheduleRetry();
  };
  const resync = async () => {
    for (const [key, write] of dirty) {
      const entry = local.get(key);
      if (write.isDeleted || entry === undefined) await send("EVAL", [REDIS_DELETE_IF_VERSION, "1", recordKey(key), String(write.base)]);
      else {
        const ttlMs = entry.expiresAt === Number.POSITIVE_INFINITY ? 0 : Math.max(1, entry.expiresAt - now());
        const expiresAt = entry.expiresAt === Number.POSITIVE_INFINITY ? 0 : entry.expiresAt;
        const version = Number(await send("EVAL", [REDIS_PUT, "1", recordKey(key), await sealer.seal(key, toStateJson(entry.value)), String(write.base), String(ttlMs), String(expiresAt), "1"]));
        // Another replica wrote it meanwhile: Redis wins, and this copy is forgotten.
        if (version < 0) local.delete(key);
        else remember(key, { ...entry, version });
      }
      dirty.delete(key);
    }
    away = createMemoryStore(now);
  };
  function scheduleRetry(): void {
    if (retryTimer !== undefined || isClosed) return;
    retryTimer = setTimeout(async () => {
      retryTimer = undefined;
      try {
        if (!client.connected) await redisDeadline(client.connect(), timeoutMs);
        await send("PING", []);
        await resync();
        isHealthy = true;
        reason = undefined;
        log(`qwenplug: Redis at ${where} is back; state resynchronised`);
      } catch {
        scheduleRetry();
      }
    }, retryMs);
    retryTimer.unref?.();
  }
  client.onclose = (err) => lose(err);

  /** The command on Redis, or on memory while Redis is away (and when this command finds it gone). */
  async function either<T>(remote: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (!isHealthy) return fallback();
    try {
      return await remote();
    } catch (err) {
      lose(err);
      return fallback();
    }
  }
  const liveLocal = (key: string): Local | undefined => {
    const entry = local.get(key);
    return entry !== undefined && entry.expiresAt > now() ? entry : undefined;
  };
  const { openOrUndefined, openAll } = sealer;

  return {
    get: <T>(key: string) =>
      either(
        async () => {
          const [sealed, version, expiresAt] = (await send("HMGET", [recordKey(key), "v", "n", "e"])) as [string | null, string | null, string | null];
          const text = await openOrUndefined(key, sealed);
          if (text === undefined || version === null) {
            local.delete(key);
            return undefined;
          }
          const value = fromStateJson(text);
          remember(key, { value, version: Number(version), expiresAt: expiresAt === null || expiresAt === "0" ? Number.POSITIVE_INFINITY : Number(expiresAt) });
          return { value: value as T, version: Number(version) };
        },
        async () => {
          const entry = liveLocal(key);
          return entry === undefined ? undefined : { value: entry.value as T, version: entry.version };
        },
      ),
    put: (key, value, options = {}) =>
      either(
        async () => {
          const expiresAt = options.ttlMs === undefined ? 0 : now() + options.ttlMs;
          const args = [REDIS_PUT, "1", recordKey(key), await sealer.seal(key, toStateJson(value)), String(options.ifVersion ?? -1), String(options.ttlMs ?? 0), String(expiresAt), "0"];
          const version = Number(await send("EVAL", args));
          if (version < 0) return undefined;
          remember(key, { value, version, expiresAt: expiresAt === 0 ? Number.POSITIVE_INFINITY : expiresAt });
          return version;
        },
        async () => {
          const version = liveLocal(key)?.version ?? 0;
          if (options.ifVersion !== undefined && options.ifVersion !== version) return undefined;
          remember(key, { value, version: version + 1, expiresAt: options.ttlMs === undefined ? Number.POSITIVE_INFINITY : now() + options.ttlMs });
          dirty.set(key, { base: dirty.get(key)?.base ?? version, isDeleted: false });
          return version + 1;
        },
      ),
    delete: (key) =>
      either(
        async () => {
          local.delete(key);
          await send("DEL", [recordKey(key), listKey(key)]);
        },
        async () => {
          const version = liveLocal(key)?.version ?? 0;
          dirty.set(key, { base: dirty.get(key)?.base ?? version, isDeleted: true });
          local.delete(key);
          await away.delete(key);
        },
      ),
    push: (key, items, ttlMs) =>
      either(
        async () => Number(await send("EVAL", [REDIS_PUSH, "1", listKey(key), String(ttlMs ?? 0), ...(await Promise.all(items.map((item) => sealer.seal(key, item))))])),
        () => away.push(key, items, ttlMs),
      ),
    shift: (key) =>
      either(
        async () => {
          for (;;) {
            const sealed = (await send("LPOP", [listKey(key)])) as string | null;
            if (sealed === null) return undefined;
            const item = await openOrUndefined(key, sealed);
            if (item !== undefined) return item;
          }
        },
        () => away.shift(key),
      ),
    take: (key, count) =>
      either(
        async () => openAll(key, ((await send("LPOP", [listKey(key), String(count)])) as string[] | null) ?? []),
        () => away.take(key, count),
      ),
    length: (key) =>
      either(
        async () => Number(await send("LLEN", [listKey(key)])),
        () => away.length(key),
      ),
    lock: (key, leaseMs) =>
      either(
        async () => {
          const token = randomUUID();
          return (await send("SET", [lockKey(key), token, "NX", "PX", String(leaseMs)])) === "OK" ? token : undefined;
        },
        () => away.lock(key, leaseMs),
      ),
    unlock: (key, token) =>
      either(
        async () => {
          await send("EVAL", [REDIS_UNLOCK, "1", lockKey(key), token]);
        },
        () => away.unlock(key, token),
      ),
    status: () => ({ backend: "redis", location: where, isHealthy, ...(reason === undefined ? {} : { detail: reason }) }),
    async close() {
      isClosed = true;
      clearTimeout(retryTimer);
      client.close();
    },
  };
}

// ── · Choosing the backend ──

/** Where state lives when STATE_PATH is not set: Hugging Face's persistent /data when writable, else the user's home. */
export function defaultStatePath(env: Record<string, string | undefined> = Bun.env): string {
  try {
    const fs = nodeFs();
    fs.accessSync("/data", fs.constants.W_OK);
    if (fs.statSync("/data").isDirectory()) return "/data/qwenplug.db";
  } catch {
    // No persistent storage mounted.
  }
  return `${env.HOME ?? "."}/.qwenplug/state.db`;
}

/** The configured store: Redis when REDIS_URL is set, memory with STATE_PATH=off, else SQLite. Throws ConfigError with one sentence. */
export async function openStateStore(config: Config, log: (line: string) => void): Promise<StateStore> {
  const { state } = config;
  if (state.redisUrl !== undefined) {
    if (state.keyMaterial === undefined) {
      throw new ConfigError("REDIS_URL is set but neither STATE_KEY nor API_MASTER_KEY is: set STATE_KEY to a long random string (the same on every replica) so the state in Redis is sealed.");
    }
    return createRedisStore({ url: state.redisUrl, keyMaterial: state.keyMaterial, prefix: state.prefix, timeoutMs: state.redisTimeoutMs, log });
  }
  if (state.path === "off") return createMemoryStore();
  const path = state.path ?? defaultStatePath();
  try {
    return createSqliteStore({ path, keyMaterial: state.keyMaterial, log });
  } catch (err) {
    throw new ConfigError(`STATE_PATH: cannot use ${path} (${err instanceof Error ? err.message : String(err)}); set STATE_PATH to a writable file, or to off to keep state in memory.`);
  }
}

/** One line about the store for --check and the log. */
export function storeLine(status: StoreStatus): string {
  const what = status.backend === "memory" ? "in memory (STATE_PATH=off): nothing survives a restart" : `${status.backend} at ${status.location}`;
  return `qwenplug state: ${what}${status.isHealthy ? "" : ` — unhealthy: ${status.detail ?? "unreachable"}`}`;
}

// ── Upstreams: shared plumbing ──────────────────────────────────────────────

/** Substrings of Alibaba's anti-bot answers (UPSTREAMS §4.1), matched case-insensitively. */
const WAF_MARKERS = [
  "人机验证", "安全验证", "验证码", "访问验证", "滑块验证", "请完成验证",
  "access verification", "security verification", "human verification",
  "captcha", "aliyuncaptcha", "aliyun_waf", "cf_app_waf", "verifycenter",
  "punish", "x5sec", "baxia", "awsc", "nc_1_n1z", "aliyun.com/verify",
  "fail_sys_user_validate", "rgv587", "connect them in order",
];

/**
 * Whether a text holds an anti-bot marker. Only for texts that cannot be
 * random: a whole non-JSON body, or the error fields of a JSON one
 * (`antiBotIn`). Never a success payload: base64 (tokens, salts,
 * signatures) holds `awsc` about once per million characters.
 */
const looksLikeWaf = (text: string): boolean => {
  const lower = text.toLowerCase();
  return WAF_MARKERS.some((marker) => lower.includes(marker));
};

/** A model as an upstream's own list describes it. */
export interface UpstreamModel {
  id: string;
  displayName?: string;
  canThink: boolean;
  canSearch: boolean;
  /** Whether the model takes images (chat.qwen.ai's `capabilities.vision`); undefined where the list does not say. */
  canSee?: boolean;
  /** Whether the model generates images (`t2i` among its chat types). */
  canDraw?: boolean;
}

/** What the router needs from an upstream; each adapter section builds one. */
export interface UpstreamAdapter {
  readonly name: UpstreamName;
  readonly accounts: readonly Account[];
  /**
   * Whether a reply can fail after its first characters (chat.qwen.ai's quota
   * errors do, UPSTREAMS §4.2), so that the failover gate holds text back.
   */
  readonly canFailAfterText: boolean;
  /** The variable a user refreshes when account n is logged out. */
  credentialVar(number: number): string;
  /**
   * The request in this upstream's terms (today: the conversation flattened
   * into one prompt). Runs before anything is sent, so a conversation that
   * cannot fit is refused with a 400 here.
   */
  prepare(req: NeutralRequest): UpstreamRequest;
  /**
   * One completion on one account, as neutral events. Yields exactly one
   * terminal event (`done` or `error`) unless `stop` aborts, in which case
   * it ends quietly. Never throws: whatever goes wrong becomes an `error`
   * event. Always cleans up the upstream chat it created.
   */
  complete(req: UpstreamRequest, account: Account, stop: Stop): AsyncGenerator<EventBatch>;
  /** The live model list, cached, one fetch in flight at a time; undefined if unreachable. */
  liveModels(): Promise<UpstreamModel[] | undefined>;
  /** Maps a client model name (suffixes stripped) to an upstream id, or undefined if unknown. */
  resolveModel(name: string, live: UpstreamModel[] | undefined): string | undefined;
  /** Names `/v1/models` lists beside the live ids. */
  aliasNames(): string[];
  /**
   * A cheap liveness call (UPSTREAMS §1.4, §2.3) that confirms an auth
   * failure: "dead" only when the upstream clearly says logged out.
   */
  probe(account: Account): Promise<ProbeResult>;
  /**
   * Which protocol details the account is served with now (chat2: the
   * signing order and where its signing device came from), one short phrase
   * each, for `--check`; absent or empty when there is nothing to say.
   */
  protocolDetails?(account: Account): Promise<string[]>;
}

export type ProbeResult = "alive" | "dead" | "unknown";

/** INTL read endpoints answer 200 and put the real status in a header (UPSTREAMS §2.2). */
function actualStatus(response: Response): number {
  const actual = Number(response.headers.get("x-actual-status-code"));
  return Number.isInteger(actual) && actual >= 100 ? actual : response.status;
}

/** Runs a liveness request and classifies its answer (`classifyAnswer`): "dead" only for a logout (401/403 or `isDead`); network trouble and WAF pages are "unknown". */
async function runProbe(request: () => Promise<Response>, isAlive: (json: Record<string, unknown>) => boolean, isDead: (json: Record<string, unknown>) => boolean): Promise<ProbeResult> {
  try {
    const answer = await classifyAnswer(await request(), {
      label: "the liveness probe",
      success: (json) => (!isDead(json) && isAlive(json) ? true : undefined),
      errorOf: (json) => (isDead(json) ? { kind: "auth", message: "logged out" } : undefined),
    });
    if ("value" in answer) return "alive";
    return answer.failure.kind === "auth" ? "dead" : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * The fetch adapters use for every upstream call. `account` names whose call
 * it is, so the call goes out through that account's proxy
 * (`*_ACCOUNT_<n>_PROXY`, else `QWEN_PROXY`).
 */
export type UpstreamFetch = (input: string | URL | Request, init?: RequestInit & { account?: Account }) => Promise<Response>;

/** The same fetch with every call made for `account`. */
const fetchFor =
  (upstreamFetch: UpstreamFetch, account: Account): UpstreamFetch =>
  (input, init) =>
    upstreamFetch(input, { ...init, account });

/**
 * The accounts of one upstream, read by its adapter and its pool: those the
 * environment gave at start-up (read-only) and those an operator added while
 * running (the admin API). `list` is live: the same array, changed in place.
 * Per-account state an adapter builds (headers, signers, credentials) is made
 * on first use and dropped when the account leaves, so a number used again
 * starts afresh.
 */
export interface AccountRegistry<A extends Account = Account> {
  readonly upstream: UpstreamName;
  readonly list: readonly A[];
  get(number: number): A | undefined;
  /** Whether account n came from the environment: those cannot be removed while running. */
  isFromEnv(number: number): boolean;
  add(account: A): void;
  remove(number: number): A | undefined;
  /** Runs after an account left, so per-account state built for it goes too. */
  onRemove(listener: (account: A) => void): void;
}

export interface AccountRegistries {
  cn: AccountRegistry<CnAccount>;
  intl: AccountRegistry<IntlAccount>;
}

export function createAccountRegistry<A extends Account>(upstream: UpstreamName, fromEnv: readonly A[]): AccountRegistry<A> {
  const list = [...fromEnv];
  const envNumbers = new Set(fromEnv.map((a) => a.number));
  const listeners: Array<(account: A) => void> = [];
  return {
    upstream,
    list,
    get: (number) => list.find((a) => a.number === number),
    isFromEnv: (number) => envNumbers.has(number),
    add(account) {
      if (list.some((a) => a.number === account.number)) throw new Error(`${upstream} account ${account.number} exists`);
      list.push(account);
      list.sort((a, b) => a.number - b.number);
    },
    remove(number) {
      const index = list.findIndex((a) => a.number === number);
      if (index === -1 || envNumbers.has(number)) return undefined;
      const [removed] = list.splice(index, 1) as [A];
      for (const listener of listeners) listener(removed);
      return removed;
    },
    onRemove: (listener) => void listeners.push(listener),
  };
}

export const accountRegistriesFrom = (config: Config): AccountRegistries => ({
  cn: createAccountRegistry("cn", config.cnAccounts),
  intl: createAccountRegistry("intl", config.intlAccounts),
});

export interface AdapterOptions {
  config: Config;
  /** The accounts this upstream serves with, added and removed while running. */
  accounts: AccountRegistries;
  fetch: UpstreamFetch;
  redact: (text: string) => string;
  debug: (line: string) => void;
  /** Adds a secret learned at run time (a renewed token) to the redaction set of logs and errors; an `owner` makes it replace that owner's previous one (see `Redactor.add`). */
  addSecret(value: string, owner?: string): void;
  /** Where this upstream's unrecognised frames and fields are counted. */
  drift: DriftLog;
  /** Where credential state that outlives a request lives (tokens, devices, salts), shared by replicas with Redis. */
  store: StateStore;
  /** Hands over clean-up that outlives its request (a chat still being made when the client left); a shutdown waits for it. It must be bounded and never reject. */
  inBackground(task: Promise<unknown>): void;
}

/** The JSON object a text holds, or undefined when it is not JSON or not an object. */
const jsonRecordOf = (text: string): Record<string, unknown> | undefined => {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
};

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;


function errorName(err: unknown): string {
  if (err instanceof Error) return err.name === "Error" ? err.message.slice(0, 300) : err.name;
  return "unknown error";
}

async function readTextCapped(response: Response, maxChars: number): Promise<string> {
  if (response.body === null) return "";
  // A body that says it fits (and is not compressed, where Content-Length counts the compressed bytes) is read
  // whole: text() decodes as TextDecoder does, without a reader, its loop and its cancel (a few µs per answer).
  const declared = response.headers.get("content-length");
  if (declared !== null && Number(declared) <= maxChars && !response.headers.has("content-encoding")) return (await response.text()).slice(0, maxChars);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < maxChars) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return text.slice(0, maxChars);
}

/** What one upstream attempt may take, in time and in size; every buffer that grows with upstream input has a cap here. */
export interface UpstreamLimits {
  /** Until the upstream's response headers arrive (chat creation included). */
  connectMs: number;
  /** From the headers until the first body bytes. */
  firstByteMs: number;
  /** The longest silence between body chunks. */
  idleMs: number;
  /** Once the reply has started: the longest stretch of keep-alives and comments without new content. */
  noContentMs: number;
  /** The whole attempt, however busy the upstream keeps it. */
  totalMs: number;
  /** Characters of `data` in one upstream event. */
  maxEventChars: number;
  /** The same for protocols whose every event resends the whole reply (`StreamDecoder.isCumulative`): kept lower, since such events come thick and fast. */
  maxCumulativeEventChars: number;
  /** Characters of text and reasoning in one reply. */
  maxReplyChars: number;
  /** Bytes of one upstream body. */
  maxBodyBytes: number;
}

/**
 * Cancellation along the request path: the run, each attempt, its watchdog
 * and the clean-up grace, each stopping when the one above it does. In Bun
 * every AbortController, and every "abort" listener on its signal, is a
 * native object that each garbage collection treats as a root to revisit:
 * the chain of four controllers and six listeners a chat used to make cost
 * a /dialog chat 25–45 µs, much of it in the collector (docs/performance.md,
 * "The abort chain"). A Stop is plain JavaScript, its listeners a list; it
 * makes an AbortSignal only when something that takes one (fetch) asks for
 * `signal`.
 */
export class Stop {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] | undefined;
  private controller: AbortController | undefined;

  /** A Stop that aborts when `signal` does: one listener on it, for a caller holding an AbortSignal. */
  static following(signal: AbortSignal): Stop {
    const stop = new Stop();
    if (signal.aborted) stop.abort(signal.reason);
    else signal.addEventListener("abort", () => stop.abort(signal.reason), { once: true });
    return stop;
  }

  /** This Stop as an AbortSignal, made on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners !== undefined) {
      for (const listener of listeners) {
        try {
          listener();
        } catch (err) {
          reportError(err); // as an "abort" listener's exception: reported, and the others still run
        }
      }
    }
    this.controller?.abort(reason);
  }

  /** Calls `listener` once when this aborts (never, if it already has); the function returned takes it off. */
  onAbort(listener: () => void): () => void {
    if (this.aborted) return NOTHING_TO_UNDO;
    (this.listeners ??= []).push(listener);
    return () => {
      const at = this.listeners?.indexOf(listener) ?? -1;
      if (at >= 0) this.listeners?.splice(at, 1);
    };
  }

  /** Aborts this Stop when `parent` does (now, if it has), with its reason; the function returned undoes the link. */
  follow(parent: Stop): () => void {
    if (!parent.aborted) return parent.onAbort(() => this.abort(parent.reason));
    this.abort(parent.reason);
    return NOTHING_TO_UNDO;
  }
}

const NOTHING_TO_UNDO = () => {};

const TIMEOUT_PHASES = {
  connect: { limit: "connectMs", variable: "UPSTREAM_CONNECT_TIMEOUT_MS", what: "did not answer" },
  firstByte: { limit: "firstByteMs", variable: "UPSTREAM_FIRST_BYTE_TIMEOUT_MS", what: "accepted the request but sent nothing" },
  idle: { limit: "idleMs", variable: "UPSTREAM_IDLE_TIMEOUT_MS", what: "went silent mid-reply" },
} as const;

/**
 * One timer per upstream attempt, through three phases (connect, first
 * byte, idle), each with its own limit. `touch()` only records the time; the
 * timer re-arms itself lazily instead of being reset on every chunk.
 * Its `stop` aborts on a timeout (or with `parent`), and with it the fetch
 * that was given its `signal`. While `paused` (the consumer has not asked
 * for more, so nothing is being read) the clock does not run against the
 * upstream: a slow client is not a silent upstream.
 */
function createWatchdog(parent: Stop, limits: UpstreamLimits) {
  const stop = new Stop();
  let phase: keyof typeof TIMEOUT_PHASES = "connect";
  let limitMs = limits.connectMs;
  let lastActivity = Date.now();
  let fired: UpstreamFailure | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending timer fires (ms, Date.now()'s clock). */
  let timerDue = 0;
  const arm = (ms: number) => {
    timerDue = Date.now() + ms;
    timer = setTimeout(check, ms);
  };
  const unfollow = stop.follow(parent);
  let isPaused = false;
  const check = () => {
    const idle = isPaused ? 0 : Date.now() - lastActivity;
    if (idle >= limitMs) {
      const { variable, what } = TIMEOUT_PHASES[phase];
      fired = { kind: "timeout", message: `Qwen ${what} within ${limitMs} ms (${variable}).` };
      stop.abort(new Error("upstream timeout"));
    } else {
      arm(limitMs - idle);
    }
  };
  arm(limitMs);
  const total = setTimeout(() => {
    fired ??= { kind: "timeout", message: `Qwen's reply did not finish within ${limits.totalMs} ms (REPLY_MAX_MS).` };
    stop.abort(new Error("upstream timeout"));
  }, limits.totalMs);
  return {
    stop,
    /** For fetch: made on first use. */
    get signal(): AbortSignal {
      return stop.signal;
    },
    limits,
    touch() {
      lastActivity = Date.now();
    },
    pause() {
      isPaused = true;
    },
    resume() {
      isPaused = false;
      lastActivity = Date.now();
    },
    enter(next: "firstByte" | "idle") {
      phase = next;
      limitMs = limits[TIMEOUT_PHASES[next].limit];
      lastActivity = Date.now();
      // Re-armed only when the new limit ends before the pending timer fires (the defaults grow phase by phase, so a
      // reply usually keeps its first timer): a later one just checks and re-arms itself for what is left.
      if (timer !== undefined && fired === undefined && lastActivity + limitMs < timerDue) {
        clearTimeout(timer);
        arm(limitMs);
      }
    },
    failure: () => fired,
    clear() {
      if (timer !== undefined) clearTimeout(timer);
      clearTimeout(total);
      unfollow();
    },
  };
}

type Watchdog = ReturnType<typeof createWatchdog>;

/**
 * A signal for an upstream call whose result needs cleaning up (the chat it
 * makes, the session id it carries): it aborts with the watchdog's timeouts,
 * but when the attempt is abandoned (`abandoned` aborts: the client left, the
 * attempt is over) the call gets CLEANUP_TIMEOUT_MS more, so its clean-up can
 * finish in the background. `release()` once the result is known: the signal
 * then follows the watchdog again (aborting now if the attempt is already over).
 */
function cleanupGrace(watchdog: Watchdog, abandoned: Stop) {
  const stop = new Stop();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let isReleased = false;
  const onStop = () => {
    if (isReleased || !abandoned.aborted) stop.abort(watchdog.stop.reason);
    else timer ??= setTimeout(() => stop.abort(new Error("clean-up time over")), CLEANUP_TIMEOUT_MS);
  };
  if (watchdog.stop.aborted) onStop();
  else watchdog.stop.onAbort(onStop);
  return {
    /** For fetch: made on first use. */
    get signal(): AbortSignal {
      return stop.signal;
    },
    release() {
      isReleased = true;
      clearTimeout(timer);
      if (watchdog.stop.aborted) stop.abort(watchdog.stop.reason);
    },
  };
}

/** The promise's value, or undefined as soon as `stop` aborts (the promise runs on; whoever needs its result keeps it). */
function unlessAborted<T>(promise: Promise<T>, stop: Stop): Promise<T | undefined> {
  if (stop.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const off = stop.onAbort(() => resolve(undefined));
    promise.then(resolve, reject).finally(off);
  });
}

/** How many samples of one unknown kind are kept, how long each may be, and how many kinds are told apart. */
const DRIFT_SAMPLES = 3;
const DRIFT_SAMPLE_CHARS = 300;
const DRIFT_KINDS = 40;

export interface DriftEntry {
  kind: string;
  count: number;
  since: string;
  last: string;
  samples: string[];
}

/**
 * What an upstream sent that no decoder branch understood (an unknown event
 * shape, phase, mime_type or error code, non-JSON where JSON was expected),
 * counted per kind with its newest samples, scrubbed of secrets and cut
 * (DESIGN.md: unknown is counted, not swallowed). It is how a deployment learns
 * that the upstream moved; /status, the status page and --check show it.
 */
export interface DriftLog {
  note(kind: string, sample: unknown): void;
  snapshot(): DriftEntry[];
}

function createDriftLog(redact: (text: string) => string): DriftLog {
  const kinds = new Map<string, DriftEntry>();
  return {
    note(kind, sample) {
      const key = kinds.has(kind) || kinds.size < DRIFT_KINDS ? kind : "other";
      const now = new Date().toISOString();
      const entry = kinds.get(key) ?? { kind: key, count: 0, since: now, last: now, samples: [] };
      kinds.set(key, entry);
      entry.count++;
      entry.last = now;
      let text: string;
      try {
        text = typeof sample === "string" ? sample : (JSON.stringify(sample) ?? String(sample));
      } catch {
        text = String(sample);
      }
      entry.samples.unshift(redactThenCut(redact, text, DRIFT_SAMPLE_CHARS));
      entry.samples.length = Math.min(entry.samples.length, DRIFT_SAMPLES);
    },
    snapshot: () => [...kinds.values()].map((entry) => ({ ...entry, samples: [...entry.samples] })),
  };
}

/** Room for a field name and its colon on an SSE line (`data: `), beyond the event cap. */
const SSE_FIELD_SLACK_CHARS = 16;

/** Payloads every upstream sends that carry nothing: not drift. */
const KNOWN_NON_JSON = new Set(["[DONE]", "[heartbeat]", "true", ""]);

/** Turns one upstream's `data:` payloads into neutral events; one per request. */
interface StreamDecoder {
  /** Whether every event carries the whole reply so far (chat2): such events get the lower UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS cap. */
  readonly isCumulative?: boolean;
  /**
   * Whether this is an image generation, which has no text until its picture:
   * the no-content clock then runs from the first byte, so a generation that
   * only keeps alive ends after UPSTREAM_NO_CONTENT_TIMEOUT_MS as a text reply would.
   */
  readonly isImageGeneration?: boolean;
  /** An error carried by a payload (an error envelope inside a 200 stream); checked before `onJson`, and it ends the reply. */
  failureOf?(json: Record<string, unknown>): UpstreamFailure | undefined;
  /** Handles one JSON payload; returns a terminal event when the reply is over. */
  onJson(json: Record<string, unknown>, out: NeutralEvent[]): NeutralEvent | undefined;
  /** What the end of the body means when no terminal event came. */
  onEnd(out: NeutralEvent[]): NeutralEvent;
  /** Handles an event with an `event:` name other than "message" (chat2 ends with `event:complete`). */
  onNamedEvent?(event: string, data: string, out: NeutralEvent[]): NeutralEvent | undefined;
}

/**
 * Reads an SSE body through a decoder and yields its events a network chunk
 * at a time, as one batch per chunk; non-JSON payloads (`[DONE]`,
 * `[heartbeat]`) are skipped. Ends with exactly one terminal event, or
 * quietly when `stop` aborts.
 */
async function* readUpstreamStream(
  body: ReadableStream<Uint8Array> | BodyReader,
  decoder: StreamDecoder,
  watchdog: Watchdog,
  stop: Stop,
  upstreamLabel: string,
  drift?: DriftLog,
): AsyncGenerator<EventBatch> {
  const { limits } = watchdog;
  // A line cap just above the event cap stops reading as soon as one event passes it, not at the 8 MiB line limit.
  const isCumulativeCap = decoder.isCumulative === true && limits.maxCumulativeEventChars < limits.maxEventChars;
  const eventCap = isCumulativeCap ? limits.maxCumulativeEventChars : limits.maxEventChars;
  const out: NeutralEvent[] = [];
  let terminal: NeutralEvent | undefined;
  const handle = (json: Record<string, unknown> | undefined) => {
    if (json === undefined || terminal !== undefined) return;
    const failure = decoder.failureOf?.(json);
    terminal = failure ? { type: "error", failure } : decoder.onJson(json, out);
  };
  const parser = createSseDataParser((data, event) => {
    if (terminal !== undefined) return;
    const isJson = data.charCodeAt(0) === 123; /* { */
    // A payload that is not JSON but names the silent challenge is one, wherever it comes (M6); a JSON one is judged by its error fields.
    if (!isJson && /fail_sys_user_validate/i.test(data)) {
      terminal = {
        type: "error",
        failure: { kind: "waf", message: `Qwen's anti-bot check silently refused the ${upstreamLabel} reply mid-stream (FAIL_SYS_USER_VALIDATE); wait a few minutes, send fewer parallel requests and shorter prompts.`, retryAfterSec: WAF_COOLDOWN_SEC },
      };
      return;
    }
    if (event !== "message" && decoder.onNamedEvent) terminal = decoder.onNamedEvent(event, data, out);
    if (terminal !== undefined) return;
    if (!isJson) {
      if (event === "message" && !KNOWN_NON_JSON.has(data.trim())) drift?.note("non-JSON event", data);
      return;
    }
    try {
      handle(asRecord(JSON.parse(data)));
    } catch {
      // Several JSON lines sent without blank lines between them arrive joined.
      for (const piece of data.split("\n")) {
        try {
          handle(asRecord(JSON.parse(piece)));
        } catch {
          // Not JSON: ignored like any other non-JSON line, and counted.
          drift?.note("unreadable JSON event", piece);
        }
      }
    }
  }, Math.min(MAX_UPSTREAM_LINE_CHARS, eventCap + SSE_FIELD_SLACK_CHARS), eventCap);
  const reader = body instanceof ReadableStream ? body.getReader() : body;
  const text = createUtf8ChunkDecoder();
  watchdog.enter("firstByte");
  let isFirstChunk = true;
  let bodyBytes = 0;
  let replyChars = 0;
  let lastContentAt: number | undefined;
  let isBodyOver = false;
  const overLimit = (message: string): NeutralEvent => ({ type: "error", failure: { kind: "limit", message } });
  try {
    while (terminal === undefined) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (stop.aborted) return;
        terminal = {
          type: "error",
          failure: watchdog.failure() ?? { kind: "truncated", message: `The ${upstreamLabel} stream broke off before the reply finished (${errorName(err)}).` },
        };
        break;
      }
      if (isFirstChunk) {
        isFirstChunk = false;
        watchdog.enter("idle");
        if (decoder.isImageGeneration === true) lastContentAt = Date.now();
      } else {
        watchdog.touch();
      }
      try {
        if (chunk.done) {
          isBodyOver = true;
          parser.feed(text.end());
          parser.end();
        } else {
          bodyBytes += chunk.value.byteLength;
          if (bodyBytes > limits.maxBodyBytes) terminal ??= overLimit(`The ${upstreamLabel} stream passed ${limits.maxBodyBytes} bytes (UPSTREAM_MAX_BYTES); the reply was cut.`);
          else parser.feed(text.decode(chunk.value));
        }
      } catch (err) {
        terminal =
          err instanceof SseLimitError
            ? overLimit(`The ${upstreamLabel} stream sent an event longer than ${eventCap} characters (${isCumulativeCap ? "UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS" : "UPSTREAM_MAX_EVENT_CHARS"}); the reply was cut.`)
            : { type: "error", failure: { kind: "upstream", message: `The ${upstreamLabel} stream could not be read (${errorName(err)}).` } };
      }
      terminal ??= checkProgress();
      if (out.length > 0 && terminal === undefined) {
        // Suspended here until the consumer asks for more: that wait is the client's, not the upstream's.
        watchdog.pause();
        yield out.splice(0);
        watchdog.resume();
      }
      if (chunk.done) break;
    }
  } finally {
    // A body read to its end has nothing to cancel: the call cost a few µs per reply.
    if (!isBodyOver) reader.cancel().catch(() => {});
  }
  terminal ??= decoder.onEnd(out);
  yield [...out, terminal];

  /** The reply-size and no-content limits, after each chunk: a terminal error when one is broken. */
  function checkProgress(): NeutralEvent | undefined {
    let added = 0;
    for (const event of out) if (event.type === "text" || event.type === "reasoning") added += event.text.length;
    const now = Date.now();
    if (added > 0) {
      lastContentAt = now;
      replyChars += added;
      if (replyChars > limits.maxReplyChars) return overLimit(`Qwen's reply passed ${limits.maxReplyChars} characters (REPLY_MAX_CHARS); it was cut there.`);
    } else if (lastContentAt !== undefined && now - lastContentAt > limits.noContentMs) {
      // Keep-alives and comments are not progress once the reply has started.
      return { type: "error", failure: { kind: "timeout", message: `Qwen sent nothing but keep-alives for ${limits.noContentMs} ms mid-reply (UPSTREAM_NO_CONTENT_TIMEOUT_MS).` } };
    }
    return undefined;
  }
}

/**
 * The adapter contract enforced in one place (the gate's read of the
 * adapter's next batch): whatever still escapes an adapter becomes an `error`
 * event, so the gate and the pool see a failure, never an exception. A
 * generator wrapped around the adapter did this before, at the cost of one
 * more async hop per batch.
 */
function escapedFromAdapter(adapter: UpstreamAdapter, err: unknown, stop: Stop): IteratorResult<EventBatch> {
  if (stop.aborted) return { done: true, value: undefined };
  return { done: false, value: [{ type: "error", failure: { kind: "upstream", message: `The Qwen ${adapter.name.toUpperCase()} adapter failed unexpectedly (${errorName(err)}); try again.` } }] };
}

/** The keys of a JSON answer that carry an error, at the top and one level down in `data` / `error`. */
const ERROR_FIELDS = ["code", "msg", "message", "error", "errorCode", "errorMsg", "error_code", "error_msg", "details", "ret"];

/** The text of a JSON answer's error fields (strings, and the strings of `ret` arrays), joined; never its payload. */
function errorFieldsText(json: Record<string, unknown>): string {
  const parts: string[] = [];
  const take = (record: Record<string, unknown> | undefined) => {
    for (const key of ERROR_FIELDS) {
      const value = record?.[key];
      if (typeof value === "string") parts.push(value);
      else if (Array.isArray(value)) for (const item of value) if (typeof item === "string") parts.push(item);
    }
  };
  take(json);
  take(asRecord(json.data));
  take(asRecord(json.error));
  return parts.join("\n");
}

/** Whether a body (non-JSON: whole; JSON: its error fields only) is an anti-bot answer; `FAIL_SYS_USER_VALIDATE` says it silently. */
function antiBotIn(body: string, json: Record<string, unknown> | undefined): "silent" | "page" | undefined {
  const text = json === undefined ? body : errorFieldsText(json);
  // Most JSON answers (every stream event) have no error fields at all.
  if (text === "") return undefined;
  if (/fail_sys_user_validate/i.test(text)) return "silent";
  return looksLikeWaf(text) ? "page" : undefined;
}

const isHtml = (body: string) => /^\s*(<!doctype html|<html)/i.test(body);

/** What an anti-bot page looks like in a URL: Alibaba's punish path (`/_____tmd_____/punish?x5secdata=…`) or its captcha actions. */
const PUNISH_URL = /\/punish\b|x5secdata=|[?&]action=captcha/i;

/**
 * The puzzle page an anti-bot answer points at (UPSTREAMS-2026-12 I4): a
 * punish URL in a JSON answer's `data.url` or `url`, in a redirect's
 * Location, or written in a page. Cut to 600 characters; undefined when the
 * answer names none.
 */
function punishUrlOf(json: Record<string, unknown> | undefined, body: string, headers?: Headers): string | undefined {
  const fromJson = [asRecord(json?.data)?.url, json?.url].find((u): u is string => typeof u === "string" && PUNISH_URL.test(u));
  const location = headers?.get("location") ?? undefined;
  const fromPage = json === undefined ? /https?:\/\/[^\s"'<>]*\/punish\?[^\s"'<>]*/i.exec(body)?.[0] : undefined;
  const url = fromJson ?? (location !== undefined && PUNISH_URL.test(location) ? location : undefined) ?? fromPage;
  return url?.replaceAll("&amp;", "&").slice(0, 600);
}

/** Whether the puzzle is the connect-the-dots one (`action=captchaconnect`, "Please connect them in order"), which slider solvers do not pass. */
const isConnectPuzzle = (url: string | undefined, body: string) => /action=captchaconnect/i.test(url ?? "") || /captchaconnect|connect them in order/i.test(body);

/**
 * The words for an answer with a puzzle page: where it is and what to do.
 * Nothing solves it automatically; qwenplug backs off (the route rests, the
 * rest doubling while challenges continue).
 */
function puzzleSentence(url: string | undefined, body: string): string {
  if (url === undefined) return "";
  const what = isConnectPuzzle(url, body) ? 'a connect-the-dots puzzle ("Please connect them in order", action=captchaconnect)' : "a captcha page";
  return ` It asks for ${what} at ${url}; qwenplug cannot solve it: open that URL in a browser that goes out by the same network route (the same proxy, or this machine), or wait while qwenplug rests the route.`;
}

/**
 * An answer's Retry-After in seconds: delta-seconds or an HTTP date, finite,
 * at least 1 and at most `capSec`; `fallbackSec` when absent or unreadable.
 */
export function retryAfterSeconds(headers: Headers, fallbackSec: number, capSec = MAX_RETRY_AFTER_SEC): number {
  const raw = headers.get("retry-after")?.trim() ?? "";
  let seconds: number | undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) seconds = Number(raw);
  else if (raw !== "") {
    const at = Date.parse(raw);
    if (Number.isFinite(at)) seconds = (at - Date.now()) / 1000;
  }
  if (seconds === undefined || !Number.isFinite(seconds)) return fallbackSec;
  return Math.min(capSec, Math.max(1, Math.ceil(seconds)));
}

/** An answer to classify: a live Response (its body is read capped here), or what was already read of one. */
export type UpstreamAnswer = Response | { status: number; headers: Headers; body: string };

/** What the answer showed besides its body: for success extractors that read headers (Set-Cookie). */
export interface AnswerMeta {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * How one call site reads its answers; see `classifyAnswer`.
 *   label          whose call it was, for messages: "CN account 1", "the upload grant for CN account 2"
 *   refreshHint    the sentence naming the variable to refresh when the answer says logged out
 *   success        the call's success shape, checked first on a 2xx JSON answer: a value means success
 *   errorOf        the upstream's own JSON error codes (NOT_LOGIN, RateLimited, EX015, …); a specific
 *                  kind wins over the HTTP status, a generic `upstream` one loses to it
 *   html           what an HTML page without anti-bot markers means: a "login" redirect (auth),
 *                  "verification" (a browser check: waf, said so), or by default an upstream error
 *   expected       what a success looks like, for the message when the answer is none of the above
 *   rateDefaultSec Retry-After for a 429 that names none (60); rateMaxSec caps it (a day)
 *   wafHint        appended to anti-bot messages (what to change)
 *   maxChars       how much of the body is read (MAX_ERROR_BODY_CHARS)
 *   watchdog       the attempt's timer: its failure explains a body that stalled
 */
export interface AnswerSpec<T> {
  label: string;
  refreshHint?: string;
  success?: (json: Record<string, unknown>, meta: AnswerMeta) => T | undefined;
  errorOf?: (json: Record<string, unknown>, meta: AnswerMeta) => UpstreamFailure | undefined;
  html?: "login" | "verification";
  expected?: string;
  rateDefaultSec?: number;
  rateMaxSec?: number;
  wafHint?: string;
  maxChars?: number;
  watchdog?: Watchdog;
}

export type ClassifiedAnswer<T> = ({ value: T; json: Record<string, unknown> } & AnswerMeta) | { failure: UpstreamFailure };

/**
 * One meaning for an upstream answer (DESIGN "Seams for state"):
 * `await classifyAnswer(responseOrRead, { label, success, errorOf, … })` →
 * `{ value, json, status, headers, body }` or `{ failure }`. Never throws.
 * Order: a body that breaks off is `upstream`; the call's success shape
 * first; then the upstream's own error codes; anti-bot markers only in a
 * non-JSON body or a JSON body's error fields (`FAIL_SYS_USER_VALIDATE`
 * in a 200 is a silent challenge, never an empty success); 401/403 →
 * `auth` with the refresh hint; 429 → `rate` with the answer's
 * Retry-After; 5xx and unknown refusals → `upstream`, never `waf`.
 */
export async function classifyAnswer<T>(answer: UpstreamAnswer, spec: AnswerSpec<T>): Promise<ClassifiedAnswer<T>> {
  const meta = await readAnswer(answer, spec);
  if ("failure" in meta) return meta;
  const json = meta.body.startsWith("{") ? jsonRecordOf(meta.body) : undefined;
  if (json !== undefined && meta.status >= 200 && meta.status < 300 && spec.success) {
    const value = spec.success(json, meta);
    if (value !== undefined) return { value, json, ...meta };
  }
  return { failure: classifyRefusal(spec, meta, json) };
}

/** Status, headers and the capped, trimmed body of an answer; a body that breaks off is an `upstream` failure. */
async function readAnswer(answer: UpstreamAnswer, spec: AnswerSpec<unknown>): Promise<AnswerMeta | { failure: UpstreamFailure }> {
  if (!(answer instanceof Response)) return { status: answer.status, headers: answer.headers, body: answer.body.trim() };
  const status = actualStatus(answer);
  try {
    return { status, headers: answer.headers, body: (await readTextCapped(answer, spec.maxChars ?? MAX_ERROR_BODY_CHARS)).trim() };
  } catch (err) {
    // A reset or stalled body is still an upstream failure, never an exception out of the adapter.
    return { failure: spec.watchdog?.failure() ?? { kind: "upstream", message: `Qwen answered ${spec.label} with HTTP ${status} and its body broke off (${errorName(err)}).` } };
  }
}

/** The failure an answer that is not the call's success means (see `classifyAnswer`). */
function classifyRefusal(spec: AnswerSpec<unknown>, meta: AnswerMeta, json: Record<string, unknown> | undefined): UpstreamFailure {
  const { label } = spec;
  const { status, headers, body } = meta;
  const jsonFailure = json && spec.errorOf?.(json, meta);
  // A specific JSON error (NOT_LOGIN, RateLimited, …) says more than the status; a generic one less.
  if (jsonFailure && jsonFailure.kind !== "upstream") return jsonFailure;
  const hint = spec.wafHint === undefined ? "" : ` ${spec.wafHint}`;
  const punishUrl = punishUrlOf(json, body, headers);
  const puzzle = puzzleSentence(punishUrl, body);
  const challenge = (message: string): UpstreamFailure => ({ kind: "waf", message: `${message}${puzzle}${hint}`, retryAfterSec: retryAfterSeconds(headers, WAF_COOLDOWN_SEC), ...(punishUrl === undefined ? {} : { punishUrl }) });
  if (json === undefined && spec.html === "verification" && isHtml(body)) {
    return challenge(`Qwen answered ${label} with a web page (HTTP ${status}): browser verification is needed (a captcha) for this network route. Open the site in a browser on the same network or proxy and pass the check; qwenplug tries again later.`);
  }
  const antiBot = antiBotIn(body, json);
  if (antiBot === "silent") {
    return challenge(`Qwen's anti-bot check silently refused ${label} (FAIL_SYS_USER_VALIDATE, HTTP ${status}, no answer); wait a few minutes, send fewer parallel requests and shorter prompts.`);
  }
  if (antiBot === "page" || (json === undefined && punishUrl !== undefined)) {
    return challenge(`Qwen's anti-bot check (WAF) blocked ${label} (HTTP ${status}, ${punishUrl !== undefined && status >= 300 && status < 400 ? "a redirect to its puzzle page" : "captcha page"}); wait a few minutes before trying again, and send fewer parallel requests.`);
  }
  const refreshHint = spec.refreshHint === undefined ? "" : ` ${spec.refreshHint}`;
  if (status === 401 || status === 403) return { kind: "auth", message: `Qwen refused ${label} (HTTP ${status}).${refreshHint}`, retryAfterSec: AUTH_COOLDOWN_SEC };
  if (status === 429) return { kind: "rate", message: `Qwen rate-limited ${label} (HTTP 429); slow down.`, retryAfterSec: retryAfterSeconds(headers, spec.rateDefaultSec ?? 60, spec.rateMaxSec) };
  if (status >= 500) return { kind: "upstream", message: `Qwen failed with HTTP ${status} for ${label}; try again shortly.` };
  if (jsonFailure) return jsonFailure;
  if (isHtml(body) && spec.html === "login") {
    return { kind: "auth", message: `Qwen answered ${label} with a web page instead of a stream, which usually means a login redirect.${refreshHint}`, retryAfterSec: AUTH_COOLDOWN_SEC };
  }
  if (status >= 400) return { kind: "upstream", message: `Qwen rejected the request for ${label} with HTTP ${status}.` };
  const expected = spec.expected ?? "the answer it expects";
  return { kind: "upstream", message: body === "" ? `Qwen answered ${label} with an empty body instead of ${expected}.` : `Qwen answered ${label} with something that is not ${expected}.` };
}

/**
 * A non-stream answer where a stream was expected (a chat request refused),
 * as a failure: `classifyAnswer` without a success shape. `fromJson` knows
 * the upstream's JSON errors; an HTML page here is a login redirect.
 */
async function failureFromHttpAnswer(
  response: Response,
  label: string,
  refreshHint: string,
  fromJson: (json: Record<string, unknown>, meta: AnswerMeta) => UpstreamFailure | undefined,
  watchdog?: Watchdog,
): Promise<UpstreamFailure> {
  const spec: AnswerSpec<never> = { label, refreshHint, errorOf: fromJson, html: "login", expected: "an event stream", watchdog };
  const meta = await readAnswer(response, spec);
  return "failure" in meta ? meta.failure : classifyRefusal(spec, meta, meta.body.startsWith("{") ? jsonRecordOf(meta.body) : undefined);
}

/**
 * An HTTP 400 whose error code an adapter does not know: the request itself
 * was refused, and another account would be refused alike, so it is the
 * client's 400 and rests no account (a 5xx counts toward a rest).
 */
const refusedAsInvalid = (label: string, detail: string): UpstreamFailure => ({ kind: "bad_request", message: `Qwen refused the request for ${label} as invalid (HTTP 400, ${detail}).` });

const WAF_COOLDOWN_SEC = 300;
const AUTH_COOLDOWN_SEC = 60;

/**
 * Shared model-list cache: one fetch in flight at a time; a stale list is
 * served at once while it refreshes in the background; after a failed fetch
 * with nothing cached, requests do not wait on the upstream again for a while.
 */
function createModelCache(load: () => Promise<UpstreamModel[] | undefined>) {
  let cache: { models: UpstreamModel[]; at: number } | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<UpstreamModel[] | undefined> | undefined;
  const refresh = () =>
    (inFlight ??= load().then((models) => {
      inFlight = undefined;
      if (models && models.length > 0) cache = { models, at: Date.now() };
      else failedAt = Date.now();
      return cache?.models;
    }));
  return (): Promise<UpstreamModel[] | undefined> => {
    const now = Date.now();
    if (cache && now - cache.at < MODEL_LIST_TTL_MS) return Promise.resolve(cache.models);
    if (cache) {
      void refresh();
      return Promise.resolve(cache.models);
    }
    if (now - failedAt < MODEL_LIST_RETRY_MS) return Promise.resolve(undefined);
    return refresh();
  };
}

const findLiveModel = (live: UpstreamModel[] | undefined, lower: string) =>
  live?.find((m) => m.id.toLowerCase() === lower || m.displayName?.toLowerCase() === lower);

// ── Upstreams: the prompt ───────────────────────────────────────────────────
//
// The web chats take one user message, so a conversation is flattened into one
// prompt (the adapters call this; dialects hand over turns).

function turnText(turn: Exclude<NeutralTurn, { role: "system" }>): string {
  switch (turn.role) {
    case "user":
      return `Human: ${turn.text}`;
    case "assistant": {
      const calls = turn.calls.map((call) => `${TOOL_OPEN}\n${JSON.stringify({ name: call.name, arguments: call.arguments })}\n${TOOL_CLOSE}`);
      return `Assistant: ${[calls.length > 0 ? turn.text.trimEnd() : turn.text, ...calls].filter((s) => s !== "").join("\n")}`;
    }
    case "tool":
      return `Tool result (${turn.label}):\n<tool_response>\n${turn.text}\n</tool_response>`;
  }
}

/**
 * Flattens a conversation into one prompt (UPSTREAMS §1.7): system text and
 * the tool definitions first in a <system> block, then `Human:` /
 * `Assistant:` / tool-result turns separated by blank lines, then a trailing
 * `Assistant:`. A lone user message without tools is sent as is.
 *
 * The budget: over `maxChars`, the oldest turns are dropped first and a note
 * says how many. The system block (with the tools), the last user turn and
 * the final turn always stay; if they alone are over, the request is refused.
 */
export function flattenTurns(turns: readonly NeutralTurn[], tooling: Tooling, maxChars: number): FlatPrompt {
  const systemParts: string[] = [];
  const chat: Array<Exclude<NeutralTurn, { role: "system" }>> = [];
  for (const turn of turns) {
    if (turn.role !== "system") chat.push(turn);
    else if (turn.text !== "") systemParts.push(turn.text);
  }
  const toolText = describeTools(tooling);
  if (toolText !== "") systemParts.push(toolText);
  const last = chat[chat.length - 1];
  if (systemParts.length === 0 && chat.length === 1 && last?.role === "user") {
    if (last.text.length > maxChars) throw promptTooLong(last.text.length, maxChars);
    return { prompt: last.text, droppedTurns: 0, parts: [last.text], headParts: 0 };
  }
  const system = systemParts.length > 0 ? `<system>\n${systemParts.join("\n\n")}\n</system>` : "";
  const trailer = last?.role === "assistant" ? "" : "Assistant:";
  const texts = chat.map(turnText);
  const SEPARATOR = "\n\n";
  const omittedNote = (n: number) => `[${n} earlier turn${n === 1 ? "" : "s"} omitted to fit the prompt budget]`;
  const noteChars = (n: number) => (n === 0 ? 0 : omittedNote(n).length + SEPARATOR.length);
  let lastUser = -1;
  chat.forEach((turn, i) => {
    if (turn.role === "user") lastUser = i;
  });
  // Oldest first: the turns before the last user turn, then those after it, never the final one.
  let total = [system, ...texts, trailer].filter((s) => s !== "").reduce((sum, s) => sum + s.length + SEPARATOR.length, 0);
  const dropped = new Set<number>();
  let droppedBefore = 0;
  let droppedAfter = 0;
  for (let i = 0; i < texts.length - 1 && total + noteChars(droppedBefore) + noteChars(droppedAfter) > maxChars; i++) {
    if (i === lastUser) continue;
    dropped.add(i);
    total -= (texts[i] as string).length + SEPARATOR.length;
    if (i < lastUser) droppedBefore++;
    else droppedAfter++;
  }
  const parts = [system];
  for (let i = 0; i < texts.length; i++) {
    if (!dropped.has(i)) parts.push(texts[i] as string);
    else if (!dropped.has(i - 1)) parts.push(omittedNote(i < lastUser ? droppedBefore : droppedAfter));
  }
  parts.push(trailer);
  const kept = parts.filter((s) => s !== "");
  const prompt = kept.join(SEPARATOR);
  if (prompt.length > maxChars) throw promptTooLong(prompt.length, maxChars);
  return { prompt, droppedTurns: dropped.size, parts: kept, headParts: system === "" ? 0 : 1 };
}

/** A flattened conversation: the prompt, and the pieces it is made of (joined by blank lines), for an adapter that sends part of it another way. */
export interface FlatPrompt {
  prompt: string;
  droppedTurns: number;
  /** The system block (if any), then one piece per turn or omission note, then the trailing `Assistant:` (if any). */
  parts: readonly string[];
  /** How many leading parts are the system block: 0 or 1. */
  headParts: number;
}

/** The `prepare` of both web chats: the conversation flattened within the prompt budget. */
const flattenedRequest =
  (maxChars: number) =>
  (req: NeutralRequest): UpstreamRequest => {
    const { prompt, droppedTurns, parts, headParts } = flattenTurns(req.turns, req.tooling, maxChars);
    return { ...req, prompt, droppedTurns, promptParts: { parts, headParts } };
  };

function promptTooLong(chars: number, maxChars: number): HttpError {
  return new HttpError(
    400,
    `The system prompt, the tool definitions and the last user turn come to ${chars} characters, over the ${maxChars}-character prompt budget (PROMPT_MAX_CHARS); shorten them.`,
    "invalid_request_error",
    "context_length_exceeded",
    "messages",
  );
}
//
// The web chats' own tools cannot run a client's functions (UPSTREAMS §2.5:
// native tool flags stay off), so the functions are described in the prompt's
// system block and the model is asked for Qwen's native format, one block per
// call:  <tool_call>\n{"name": "…", "arguments": {…}}\n</tool_call>
// The extractor finds those blocks in the reply text and turns them into
// `tool_call` events. It runs only when the client offered tools and did not
// choose "none": otherwise the text is not touched at all. A block naming a
// function the client did not offer is not a call.

const TOOL_OPEN = "<tool_call>";
const TOOL_CLOSE = "</tool_call>";

/** The tools part of the system block, or "" when no tools were offered. */
function describeTools(tooling: Tooling): string {
  if (tooling.tools.length === 0) return "";
  if (tooling.choice.type === "none") return "# Tools\n\nDo not call any function in this reply; answer in plain text.";
  const signatures = tooling.tools.map((tool) =>
    JSON.stringify({
      type: "function",
      function: { name: tool.name, description: tool.description ?? "", parameters: tool.parameters ?? { type: "object", properties: {} } },
    }),
  );
  const choice = tooling.choice;
  const rule =
    choice.type === "required"
      ? "You must call at least one function in this reply."
      : choice.type === "function"
        ? `You must call the function "${choice.name}" in this reply.`
        : "Call a function only when it helps; otherwise answer directly.";
  return [
    "# Tools",
    tooling.parallel ? "You may call one or more functions to assist with the user query." : "You may call one function to assist with the user query.",
    `You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n${signatures.join("\n")}\n</tools>`,
    `For each function call, return a json object with function name and arguments within ${TOOL_OPEN}${TOOL_CLOSE} XML tags:\n${TOOL_OPEN}\n{"name": <function-name>, "arguments": <args-json-object>}\n${TOOL_CLOSE}`,
    tooling.parallel ? rule : `${rule} Call at most one function per reply.`,
    `Write any words for the user before the first ${TOOL_OPEN}. After the last ${TOOL_CLOSE}, stop: the results come back in the next turn inside <tool_response></tool_response> tags. Never write a <tool_response> yourself.`,
  ].join("\n\n");
}

// ── Upstream: CN (千问 web chat, /dialog protocol) ───────────────────────────

/** Bodies the G1 protocol expects (UPSTREAMS §1.5). */
function cnConversationBody(req: UpstreamRequest): string {
  const searchType = req.search ? "depth" : "";
  return JSON.stringify({
    mode: "chat",
    model: "",
    action: "next",
    userAction: "chat",
    actionSource: "",
    requestId: randomHex32(),
    sessionId: "",
    sessionType: "text_chat",
    parentMsgId: "",
    topicId: randomHex32(),
    params: {
      specifiedModel: req.upstreamModel,
      lastUseModelList: [req.upstreamModel],
      recordModelName: req.upstreamModel,
      deepThink: req.thinking,
      deepResearch: false,
      searchType,
      pptGenerate: false,
      bizScene: "",
      bizSceneInfo: {},
      agentId: "",
      fileUploadBatchId: "",
    },
    contents: [
      {
        role: "user",
        contentType: "text",
        content: req.prompt,
        ext: { deepThink: req.thinking, searchType, pptGenerate: false, deepResearch: false },
      },
    ],
  });
}

interface CnContentItem {
  role?: unknown;
  contentType?: unknown;
  content?: unknown;
  incremental?: unknown;
}

/** The thinking text inside a CN `think` item, whose content is itself JSON `{"content": "…"}`. */
function thinkText(raw: string): string {
  if (raw.charCodeAt(0) !== 123) return raw;
  try {
    const inner = asRecord(JSON.parse(raw));
    return typeof inner?.content === "string" ? inner.content : raw;
  } catch {
    return raw;
  }
}

/** What the /dialog steps share: the adapter's options and each account's headers. */
interface CnContext extends AdapterOptions {
  /**
   * Headers are fixed per account, so they are built once, on first use, for each `accept` a call asks for
   * ("" for the chat's own), and dropped when the account leaves.
   */
  headersByAccount: Map<number, Map<string, Record<string, string>>>;
}

const cnLabel = (n: number) => `CN account ${n}`;
const cnRefreshHint = (n: number) =>
  `Copy a fresh cookie from a logged-in browser into CN_ACCOUNT_${n}_COOKIE (and CN_ACCOUNT_${n}_XSRF_TOKEN), then restart qwenplug.`;

function cnHeaders(config: Config, account: CnAccount): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: "text/event-stream",
    "accept-language": "zh-CN,zh;q=0.9,en;q=0.8",
    origin: config.cnOrigin,
    referer: config.cnReferer,
    "user-agent": BROWSER_USER_AGENT,
    "x-platform": "pc_tongyi",
    "x-xsrf-token": account.xsrfToken,
    "x-deviceid": account.deviceId,
    cookie: account.cookie,
    "sec-fetch-dest": "empty",
    "sec-fetch-mode": "cors",
    "sec-fetch-site": "same-site",
  };
}

const cnHeadersFor = (ctx: CnContext, account: Account, accept = ""): Record<string, string> => {
  let byAccept = ctx.headersByAccount.get(account.number);
  const cached = byAccept?.get(accept);
  if (cached !== undefined) return cached;
  const cn = ctx.accounts.cn.get(account.number);
  if (cn === undefined) return accept === "" ? {} : { accept };
  if (byAccept === undefined) ctx.headersByAccount.set(account.number, (byAccept = new Map()));
  const own = byAccept.get("") ?? cnHeaders(ctx.config, cn);
  const headers = accept === "" ? own : { ...own, accept };
  byAccept.set("", own).set(accept, headers);
  return headers;
};

/** Classifies a JSON object that carries an upstream error, or returns undefined. */
function cnFailureFromJson(ctx: CnContext, json: Record<string, unknown>, n: number, status?: number): UpstreamFailure | undefined {
  if (antiBotIn("", json) !== undefined) {
    return {
      kind: "waf",
      message: `Qwen's anti-bot check (WAF) blocked ${cnLabel(n)}; wait a few minutes before trying again, and send fewer parallel requests.`,
      retryAfterSec: WAF_COOLDOWN_SEC,
    };
  }
  const code = typeof json.errorCode === "string" ? json.errorCode : undefined;
  if (code === "NOT_LOGIN") {
    return { kind: "auth", message: `${cnLabel(n)} is not logged in (NOT_LOGIN): its cookie has expired or is invalid. ${cnRefreshHint(n)}`, retryAfterSec: AUTH_COOLDOWN_SEC };
  }
  if (json.success === false || (code !== undefined && json.msgStatus === undefined)) {
    const detail = redactThenCut(ctx.redact, [code, json.errorMsg].filter((s) => typeof s === "string" && s !== "").join(": ") || "no error code", 300);
    if (status === 400) return refusedAsInvalid(cnLabel(n), detail);
    ctx.drift.note("unknown error code", detail);
    return { kind: "upstream", message: `Qwen CN answered with an error (${detail}).` };
  }
  return undefined;
}

function cnDeleteSession(ctx: CnContext, account: Account, sessionId: string): Promise<void> {
  return ctx
    .fetch(`${ctx.config.cnBaseUrl}/dialog/session/delete`, {
      account,
      method: "POST",
      headers: cnHeadersFor(ctx, account, "application/json, text/plain, */*"),
      body: JSON.stringify({ sessionId }),
      signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS),
    })
    .then((response) => response.body?.cancel())
    .catch((err: unknown) => ctx.debug(`cn session delete failed for account ${account.number}: ${errorName(err)}`));
}

/** The two calls made on a response body's reader. */
interface BodyReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}
type BodyRead = Awaited<ReturnType<BodyReader["read"]>>;

/** Finds the first session id in a /dialog stream's events, fed a chunk at a time; `found` is undefined until then. */
function createCnSessionSniffer() {
  const text = createUtf8ChunkDecoder();
  let bytes = 0;
  const sniffer = {
    found: undefined as string | undefined,
    /** Whether it should be fed more: no id yet, and less than CLEANUP_READ_MAX_BYTES read. */
    get isHungry() {
      return sniffer.found === undefined && bytes < CLEANUP_READ_MAX_BYTES;
    },
    feed(chunk: Uint8Array) {
      bytes += chunk.byteLength;
      try {
        parser.feed(text.decode(chunk));
      } catch {
        bytes = Number.POSITIVE_INFINITY; // an event past the cap: stop looking
      }
    },
  };
  const parser = createSseDataParser(
    (data) => {
      for (const line of data.split("\n")) {
        const id = jsonRecordOf(line)?.sessionId;
        if (typeof id === "string" && id !== "") sniffer.found ??= id;
      }
    },
    CLEANUP_READ_MAX_BYTES,
    CLEANUP_READ_MAX_BYTES,
  );
  return sniffer;
}

/**
 * The background end of a /dialog stream whose client left before its session
 * id came: reads on (bounded by `grace`'s CLEANUP_TIMEOUT_MS and by
 * CLEANUP_READ_MAX_BYTES) until the id arrives, cancels the body, deletes the session.
 */
async function cnDeleteLateSession(
  ctx: CnContext,
  account: Account,
  reader: BodyReader,
  pendingRead: Promise<BodyRead> | undefined,
  sniffer: ReturnType<typeof createCnSessionSniffer>,
  grace: ReturnType<typeof cleanupGrace>,
): Promise<void> {
  try {
    while (sniffer.isHungry) {
      const chunk = await (pendingRead ?? reader.read());
      pendingRead = undefined;
      if (chunk.done) break;
      sniffer.feed(chunk.value);
    }
  } catch (err) {
    ctx.debug(`cn stream left by its client ended before its session id (account ${account.number}): ${errorName(err)}`);
  } finally {
    reader.cancel().catch(() => {});
    grace.release();
  }
  if (sniffer.found !== undefined) await cnDeleteSession(ctx, account, sniffer.found);
}

/** CN events: cumulative (or incremental) text and think items, `msgStatus:"finished"` at the end (UPSTREAMS §3.1). */
function createCnDecoder(ctx: CnContext, req: NeutralRequest, n: number, onSession: (id: string) => void): StreamDecoder {
  const textDiff = createCumulativeDiff();
  const thinkDiff = createCumulativeDiff();
  return {
    failureOf: (json) => cnFailureFromJson(ctx, json, n),
    onJson(json, out) {
      if (typeof json.sessionId === "string" && json.sessionId !== "") onSession(json.sessionId);
      const isFinal = json.msgStatus === "finished";
      const eventIncremental = json.incremental === true;
      const contents = Array.isArray(json.contents) ? (json.contents as CnContentItem[]) : [];
      for (const item of contents) {
        if (item === null || typeof item !== "object" || item.role === "user" || typeof item.content !== "string") continue;
        const incremental = item.incremental === true || (item.incremental === undefined && eventIncremental);
        if (item.contentType === "text") {
          // A lone "Thinking" is a placeholder some thinking models send before the answer.
          if (req.thinking && textDiff.text === "" && item.content === "Thinking" && !isFinal) continue;
          const added = incremental ? item.content : textDiff.next(item.content, isFinal);
          if (added !== "") out.push({ type: "text", text: added });
        } else if (item.contentType === "think") {
          const thought = thinkText(item.content);
          const added = incremental ? thought : thinkDiff.next(thought, isFinal);
          if (added !== "") out.push({ type: "reasoning", text: added });
        }
        // Other item types (search cards, images, files) are metadata here (UPSTREAMS §3.1.4).
      }
      if (!isFinal) return undefined;
      if (typeof json.errorCode === "string" && json.errorCode !== "") {
        return { type: "error", failure: { kind: "upstream", message: `Qwen CN stopped with error ${redactThenCut(ctx.redact, json.errorCode, 100)}.` } };
      }
      return { type: "done", reason: json.canShare === false ? "content_filter" : "stop" };
    },
    onEnd: () => ({
      type: "error",
      failure: { kind: "truncated", message: 'The Qwen CN stream ended before the reply finished (no msgStatus "finished"); the answer may be incomplete.' },
    }),
  };
}

/**
 * The session id comes with the first event. A client that leaves before it
 * does not wait: the request (and the body, through a stream that breaks off
 * for the client only) runs on in the background within CLEANUP_TIMEOUT_MS,
 * until the id arrives and the session can be deleted.
 */
async function* cnComplete(ctx: CnContext, req: UpstreamRequest, account: Account, stop: Stop): AsyncGenerator<EventBatch> {
  const { config } = ctx;
  const n = account.number;
  const watchdog = createWatchdog(stop, config.upstreamLimits);
  const grace = cleanupGrace(watchdog, stop);
  let sessionId: string | undefined;
  let leftBehind: Promise<void> | undefined;
  try {
    let response: Response;
    const answering = ctx.fetch(`${config.cnBaseUrl}/dialog/conversation`, {
      account,
      method: "POST",
      headers: cnHeadersFor(ctx, account),
      body: cnConversationBody(req),
      signal: grace.signal,
    });
    try {
      const answered = await unlessAborted(answering, stop);
      if (answered === undefined) {
        leftBehind = answering.then((late) => {
          if (late.status !== 200 || late.body === null) return void late.body?.cancel().catch(() => {});
          return cnDeleteLateSession(ctx, account, late.body.getReader(), undefined, createCnSessionSniffer(), grace);
        });
        return;
      }
      response = answered;
    } catch (err) {
      if (stop.aborted) return;
      yield [{ type: "error", failure: watchdog.failure() ?? { kind: "upstream", message: `Could not reach Qwen CN at ${config.cnBaseUrl} (${errorName(err)}).` } }];
      return;
    }
    const contentType = response.headers.get("content-type") ?? "";
    if (response.status !== 200 || !contentType.includes("text/event-stream") || response.body === null) {
      grace.release();
      yield [{ type: "error", failure: await failureFromHttpAnswer(response, cnLabel(n), cnRefreshHint(n), (json, meta) => cnFailureFromJson(ctx, json, n, meta.status), watchdog) }];
      return;
    }
    const reader = response.body.getReader();
    const sniffer = createCnSessionSniffer();
    // Chunks read before the decoder saw the session id. The sniffer reads them only when it is needed (the
    // client left first, or the id came in an event the decoder stopped at): sniffing every reply parsed its first events twice.
    let unsniffed: Uint8Array[] = [];
    let unsniffedBytes = 0;
    const sniffUnsniffed = () => {
      for (const chunk of unsniffed) if (sniffer.isHungry) sniffer.feed(chunk);
      unsniffed = [];
    };
    let pendingRead: Promise<BodyRead> | undefined;
    let isBodyOver = false;
    // One abort listener for the whole reply, waking the read in progress: a listener added and removed per read cost more than the read's own work.
    let wakeOnLeave: ((nothing: undefined) => void) | undefined;
    stop.onAbort(() => wakeOnLeave?.(undefined));
    const isLeftBehind = () => {
      if (!stop.aborted || sessionId !== undefined) return false;
      sniffUnsniffed();
      return sniffer.isHungry;
    };
    // What the decoder reads: the body, except that it breaks off as soon as the client leaves, keeping the read in progress for the clean-up.
    // A reader over the body's reader, not a ReadableStream around it: a wrapping stream cost a pull, an enqueue and a read per chunk.
    const forClient: BodyReader = {
      async read() {
        const reading = (pendingRead ??= reader.read());
        const chunk = stop.aborted
          ? undefined
          : await new Promise<BodyRead | undefined>((resolve, reject) => {
              wakeOnLeave = resolve;
              reading.then(resolve, reject);
            });
        wakeOnLeave = undefined;
        if (chunk === undefined) throw new Error("the client left");
        pendingRead = undefined;
        if (chunk.done) isBodyOver = true;
        else if (sessionId === undefined && unsniffedBytes < CLEANUP_READ_MAX_BYTES) {
          unsniffed.push(chunk.value);
          unsniffedBytes += chunk.value.byteLength;
        }
        return chunk;
      },
      cancel: async (reason) => {
        if (!isLeftBehind()) await reader.cancel(reason);
      },
    };
    const decoder = createCnDecoder(ctx, req, n, (id) => {
      sessionId = id;
      unsniffed = [];
    });
    try {
      yield* readUpstreamStream(forClient, decoder, watchdog, stop, "Qwen CN", ctx.drift);
    } finally {
      if (sessionId === undefined) sniffUnsniffed();
      sessionId ??= sniffer.found;
      if (isLeftBehind()) leftBehind = cnDeleteLateSession(ctx, account, reader, pendingRead, sniffer, grace);
      else if (!isBodyOver) reader.cancel().catch(() => {});
    }
  } finally {
    watchdog.clear();
    if (leftBehind !== undefined) ctx.inBackground(leftBehind.catch((err: unknown) => ctx.debug(`cn clean-up failed for account ${n}: ${errorName(err)}`)).finally(grace.release));
    else {
      grace.release();
      if (sessionId !== undefined) void cnDeleteSession(ctx, account, sessionId);
    }
  }
}

async function cnModelList(ctx: CnContext): Promise<UpstreamModel[] | undefined> {
  const account = ctx.accounts.cn.list[0];
  if (account === undefined) return undefined;
  try {
    const response = await ctx.fetch(`${ctx.config.cnBaseUrl}/dialog/api/chat/config/getModelSeries`, {
      account,
      method: "POST",
      headers: cnHeadersFor(ctx, account, "*/*"),
      body: JSON.stringify({ configType: "MAIN_CHAT", interactionScene: "all_chat", version: "v1" }),
      signal: AbortSignal.timeout(MODEL_LIST_TIMEOUT_MS),
    });
    const answer = await classifyAnswer(response, {
      label: "the model list",
      success: (json) => (json.success === true && Array.isArray(json.data) ? json.data : undefined),
      maxChars: 4 * 1024 * 1024,
    });
    if ("failure" in answer) {
      ctx.debug(`cn model list unavailable: ${answer.failure.message}`);
      return undefined;
    }
    const list: UpstreamModel[] = [];
    for (const series of answer.value) {
      const params = asRecord(series)?.params;
      if (!Array.isArray(params)) continue;
      for (const raw of params) {
        const entry = asRecord(raw);
        if (!entry) continue;
        // Which field holds the tongyi-* id is inferred (UPSTREAMS §5.3), so accept either.
        const names = [entry.modelName, entry.modelCode].filter((s): s is string => typeof s === "string" && s !== "");
        const id = names.find((s) => /^tongyi-/i.test(s)) ?? names[0];
        if (id === undefined) continue;
        const capsules = Array.isArray(entry.capsule) ? entry.capsule : [];
        list.push({
          id,
          displayName: names.find((s) => s !== id),
          canThink: capsules.some((c) => asRecord(c)?.code === "deep_think" && asRecord(c)?.enable !== false),
          canSearch: false,
        });
      }
    }
    return list;
  } catch (err) {
    ctx.debug(`cn model list unavailable: ${errorName(err)}`);
    return undefined;
  }
}

/** What both mainland protocols share. Both fail before the first text (NOT_LOGIN, WAF, a refused signature) or at the very end. */
function cnAdapterBase(config: Config, accounts: AccountRegistries): Pick<UpstreamAdapter, "name" | "accounts" | "canFailAfterText" | "credentialVar" | "prepare"> {
  return {
    name: "cn",
    accounts: accounts.cn.list,
    canFailAfterText: false,
    credentialVar: (n) => `CN_ACCOUNT_${n}_COOKIE`,
    prepare: flattenedRequest(config.promptMaxChars),
  };
}

export function createCnAdapter(options: AdapterOptions): UpstreamAdapter {
  const { config } = options;
  const ctx: CnContext = { ...options, headersByAccount: new Map() };
  options.accounts.cn.onRemove((account) => ctx.headersByAccount.delete(account.number));

  return {
    ...cnAdapterBase(config, options.accounts),
    complete: (req, account, stop) => cnComplete(ctx, req, account, stop),
    liveModels: createModelCache(() => cnModelList(ctx)),
    resolveModel: (name, live) => findLiveModel(live, name.toLowerCase())?.id ?? config.aliases.get(name.toLowerCase()) ?? (/^tongyi-/i.test(name) ? name : undefined),
    aliasNames: () => [...config.aliases.keys()],
    probe: (account) =>
      runProbe(
        () =>
          ctx.fetch(`${config.cnBaseUrl}/dialog/session/list`, {
            account,
            method: "POST",
            headers: cnHeadersFor(ctx, account, "application/json, text/plain, */*"),
            body: "{}",
            signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
          }),
        // QFA treats "data is an array" as alive.
        (json) => json.success === true && Array.isArray(json.data),
        (json) => json.errorCode === "NOT_LOGIN",
      ),
  };
}

// ── Upstream: CN chat2 (chat2.qianwen.com) ──────────────────────────────────
//
// The mainland site's 2026 protocol (UPSTREAMS-2026-11 §1.3): one signed
// `POST {chat}/api/v2/chat` per reply, with a client-made session id that is
// deleted afterwards. Signing is a step inside this adapter: each account
// registers a device at `{sec}` and gets single-use salts; every chat request
// spends one salt on two HMACs (`clt-acs-bfg` over the body, `clt-acs-sign`
// over the device id, the key part and the query values). CN_SIGNING=off
// sends the same request without those headers; since 2026-09 the site
// answers such a request 200 with a fixed refusal (UPSTREAMS-2026-12 M1), so
// it is no fix to offer, and a reply matching CN_REFUSAL_PATTERNS is an error.

const CHAT2_SIGN_VERSION = "1.0.0";
/** A token whose answer gave no deadline (`eo-clt-actkn-dl`) is taken to last 22 h; they last about 24 (§1.3). */
const CHAT2_DEVICE_TTL_MS = 22 * 3600 * 1000;
/** Salts asked for per registration or refill: the newer front end's count (§1.3, M3; carzygod asked for 20). */
const CHAT2_SALTS_REQUESTED = 100;
/** A refill starts when this few salts are left, or the token is this close to its deadline (the 09-28 script's figures, M3). */
const CHAT2_SALT_LOW_WATER = 20;
const CHAT2_TOKEN_RENEW_MS = 30 * 60 * 1000;
/** The newest working script puts the ticket hash after the query values (UPSTREAMS-2026-12 M2); the June peer before them. */
const CHAT2_DEFAULT_SIGN_ORDER = "query-kp";
/** The local copy of an account's device is read again from the store this often (another replica may have replaced it). */
const CHAT2_DEVICE_REREAD_MS = 5_000;
/** While another replica holds the signing lock, the store is looked at again after this long. */
const CHAT2_STORE_POLL_MS = 50;
/** Salts a process takes out of the store at once: one store round trip per this many signed requests. */
const CHAT2_SALT_BATCH = 8;
/** The longest one replica may hold an account's signing lock (a registration or refill takes one round trip). */
const CHAT2_LOCK_LEASE_MS = 30_000;
/** After a failed refill or registration without a Retry-After, the next try waits this long. */
const CHAT2_SEC_RETRY_SEC = 2;
/** Registration and clock answers are small JSON objects. */
const CHAT2_SMALL_BODY_CHARS = 256 * 1024;
/** A zstd body is buffered whole before it is decoded (Chat2API-WXS does the same), so it is capped. */
const CHAT2_MAX_ZSTD_BYTES = 32 * 1024 * 1024;
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
/** Marker strings the site puts inside answer and thinking text (§1.3). */
const CHAT2_MARKER = /\[\((?:deep_think|multimodal_chat_think(?:_\d+)?)\)\]/g;
/** What a marker cut off by the end of a frame can look like; held back until the next frame completes or drops it. */
const CHAT2_PARTIAL_MARKER = /^\[(?:\([a-z_]*\d*\)?)?$/;
const CHAT2_MAX_MARKER_CHARS = 40;

/**
 * Friendly names → chat2 model families. A family resolves to its newest
 * entry in the live list (by the version number in its `modelCode`), else to
 * the fallback code seen on the 2026-09-06 list (§1.3).
 */
interface Chat2Family {
  pattern: RegExp;
  fallback: string;
}
const CHAT2_FAMILIES = {
  default: { pattern: /^qwen$/i, fallback: "Qwen" },
  max: { pattern: /max/i, fallback: "Qwen3.8-Max" },
  flash: { pattern: /flash/i, fallback: "Qwen3.6-Flash" },
} as const satisfies Record<string, Chat2Family>;
type Chat2FamilyName = keyof typeof CHAT2_FAMILIES;

const CHAT2_ALIASES: ReadonlyMap<string, Chat2FamilyName> = new Map<string, Chat2FamilyName>([
  ["qwen", "default"],
  ["qwen-plus", "default"],
  ["qwen3", "default"],
  ["qwen-latest", "default"],
  ["qwen-max", "max"],
  ["qwen3-max", "max"],
  ["qwen-max-latest", "max"],
  ["qwen-flash", "flash"],
  ["qwen-turbo", "flash"],
  ["qwen3-flash", "flash"],
  ["gpt-4o", "max"],
  ["gpt-4.1", "max"],
  ["o3", "max"],
  ["gpt-4o-mini", "flash"],
  ["gpt-3.5-turbo", "flash"],
  // The stand-ins for Claude models (`claudeStandIn`) and coding agents' usual names: chat2 lists no coder model, Max codes best.
  ["qwen3-coder", "max"],
  ["qwen-coder", "max"],
  ["qwen3-coder-plus", "max"],
]);

/**
 * The /dialog era's `tongyi-*` ids still work: Max ids go to the newest Max,
 * Flash and Turbo ids to the newest Flash, every other one (Plus, Coder, VL,
 * Omni, open-weight sizes) to the site's default model `Qwen`, since chat2's
 * list has no counterpart for them.
 */
function chat2FamilyOfLegacyId(lower: string): Chat2FamilyName {
  if (lower.includes("max")) return "max";
  if (lower.includes("flash") || lower.includes("turbo")) return "flash";
  return "default";
}

/** The version number inside a model code ("Qwen3.8-Max" → 3.8), for "newest of a family". */
function chat2CodeVersion(code: string): number {
  const match = /(\d+(?:\.\d+)?)/.exec(code);
  return match ? Number(match[1]) : 0;
}

const NONCE_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz";

/** The 11-character nonce the front end puts in the query (§1.3). */
function chat2Nonce(): string {
  let nonce = "";
  for (let i = 0; i < 11; i++) nonce += NONCE_CHARS[Math.floor(Math.random() * NONCE_CHARS.length)];
  return nonce;
}

const hmacBase64 = (key: string, text: string) => new Bun.CryptoHasher("sha256", key).update(text, "utf8").digest("base64");

/**
 * The two ACS signatures of §1.3. The key is `<salt>:<reqt>`; `clt-acs-bfg`
 * covers the exact body bytes; `clt-acs-sign` covers the device id, the
 * signing version, `kp` and the query values in query order, then the bfg.
 * The sources disagree on where `kp` goes (§1.3 and carzygod: before the
 * query values; a 2026-09-28 note on front end 4.9.0: after them), hence `order`.
 */
export function signChat2(input: { salt: string; reqt: string; dvidn: string; kp: string; queryValues: readonly string[]; body: string; order: "kp-query" | "query-kp" }): { bfg: string; sign: string } {
  const key = `${input.salt}:${input.reqt}`;
  const bfg = hmacBase64(key, input.body);
  const values = input.queryValues.join("");
  const middle = input.order === "kp-query" ? `${input.kp}${values}` : `${values}${input.kp}`;
  const sign = hmacBase64(key, `${input.dvidn}${CHAT2_SIGN_VERSION}${middle}${bfg}`);
  return { bfg, sign };
}

type Chat2SignOrder = "kp-query" | "query-kp";

/** One scene's token and when it stops signing (ms). */
interface Chat2SceneToken {
  actkn: string;
  deadline: number;
}

/**
 * A signing device (§1.3, UPSTREAMS-2026-12 M3): what every signed request
 * carries. Its single-use salts are not here: they live in the store, one
 * list per scene, and leave it one at a time.
 */
interface Chat2Device {
  dvidn: string;
  snver: string;
  /** The qwen_web scene's token: refills are asked for with it. */
  webActkn: string;
  /** The qwen_chat scene's token: chat requests carry it. */
  chat: Chat2SceneToken;
  /** The workspace_api scene (uploads), when the site gave it a token of its own; else uploads sign like chat. */
  workspace?: Chat2SceneToken;
  /** Server clock minus local clock, so `clt-acs-reqt` follows the server (§1.3 step 2). */
  clockOffsetMs: number;
}

/** What the store holds per account: the device (none after it was dropped) and when the last registration was made, for spacing. */
interface Chat2DeviceRecord {
  device?: Chat2Device;
  registeredAt?: number;
  /** Where the device came from: a registration, or the logged-in page's material (CN_ACCOUNT_<n>_SCENES). */
  source?: "registered" | "page";
}

/** One account's signing state in this process: a copy of the stored device, the learned order, the one refill or registration running. */
interface Chat2Signer {
  key: string;
  cached?: Versioned<Chat2DeviceRecord>;
  cachedAt: number;
  order: Chat2SignOrder;
  /** Forced by CN_SIGN_ORDER, read from the store, or confirmed by an accepted signature. */
  isOrderKnown: boolean;
  orderRead?: Promise<void>;
  /** Salts left in the store per scene, as this process last counted: decides when to refill without asking the store each time. */
  saltsLeft: Record<Chat2Scene, number>;
  /** Salts this process took out of the store in one batch and has not used yet, by the list they came from. */
  reserve: Map<string, string[]>;
  work?: Promise<UpstreamFailure | undefined>;
  /** After a failed refill or registration: the failure that answers until `until`. */
  pause?: { until: number; failure: UpstreamFailure };
}

interface Chat2Taken {
  device: Chat2Device;
  salt: string;
  actkn: string;
  order: Chat2SignOrder;
}

/**
 * The body of one chat2 message request, field for field as the 2026-09-28
 * working script sends it (UPSTREAMS-2026-12 M4), multi-turn flattened into
 * one message of a new session, so always `first_turn` with `parent_req_id`
 * "0". Thinking and search are the unverified part: `chat_mode`
 * CN_THINK_MODE instead of "quick", `deep_search` CN_SEARCH_VALUE instead of null.
 */
function chat2Body(config: Config, req: UpstreamRequest, sessionId: string, reqId: string, imageItems: readonly Chat2ImageItem[] = []): string {
  return JSON.stringify({
    req_id: reqId,
    parent_req_id: "0",
    // Uploaded images go before the text (§3.3 step 4).
    messages: [...imageItems, { mime_type: "text/plain", content: req.prompt, meta_data: { ori_query: req.prompt }, status: "complete" }],
    scene: "chat",
    sub_scene: "",
    scene_param: "first_turn",
    session_id: sessionId,
    biz_id: "ai_qwen",
    topic_id: randomHex32(),
    model: req.upstreamModel,
    from: "default",
    protocol_version: "v2",
    messages_merge: false,
    chat_client: "h5",
    deep_search: req.search ? config.cnSearchValue : null,
    temporary: false,
    params_extra: { supports_cowork: "true" },
    chat_mode: req.thinking ? config.cnThinkMode : "quick",
    bucket: {},
  });
}

/** The headers the 09-28 script adds to a chat request (M4): the request id twice, and the product. Not signed. */
const chat2ChatHeaders = (reqId: string): Record<string, string> => ({
  "x-chat-id": reqId,
  "x-chat-biz": JSON.stringify({ chatId: reqId, agentId: "", enableWebp: "" }),
  prod_id: "tongyi",
});

/**
 * Removes the marker strings from text increments in O(increment): markers
 * are stripped from the new text only, and a possible marker start at its
 * end waits for the next increment.
 */
function createMarkerFilter() {
  let pending = "";
  return (added: string, isFinal: boolean): string => {
    let text = pending + added;
    pending = "";
    if (text.includes("[(")) text = text.replace(CHAT2_MARKER, "");
    if (!isFinal) {
      const open = text.lastIndexOf("[");
      if (open !== -1 && text.length - open <= CHAT2_MAX_MARKER_CHARS && CHAT2_PARTIAL_MARKER.test(text.slice(open))) {
        pending = text.slice(open);
        text = text.slice(0, open);
      }
    }
    return text;
  };
}

/** A finite number from a JSON value that may be a number or a numeric string. */
const numberFrom = (value: unknown): number | undefined => {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};

/**
 * A body that starts with the zstd frame magic is buffered and decoded.
 * Bun 1.4.5's fetch already decodes `Content-Encoding: zstd` on its own, so
 * this only acts when something between (a relay, an injected fetch) passed
 * the compressed bytes through. The watchdog sees this read as the reply's:
 * first-byte limit for the first chunk, then each compressed chunk is progress.
 */
async function decodeZstdIfNeeded(body: ReadableStream<Uint8Array>, watchdog: Pick<Watchdog, "enter" | "touch">): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  watchdog.enter("firstByte");
  const first = await reader.read();
  watchdog.enter("idle");
  const head = first.value;
  const isZstd = head !== undefined && head.length >= 4 && ZSTD_MAGIC.every((byte, i) => head[i] === byte);
  if (!isZstd) {
    return new ReadableStream<Uint8Array>({
      start(controller) {
        if (head !== undefined) controller.enqueue(head);
        if (first.done) controller.close();
      },
      async pull(controller) {
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }
  const parts: Uint8Array[] = [head];
  let size = head.length;
  for (;;) {
    const next = await reader.read();
    watchdog.touch();
    if (next.done) break;
    size += next.value.length;
    if (size > CHAT2_MAX_ZSTD_BYTES) {
      reader.cancel().catch(() => {});
      throw new Error(`zstd body over ${CHAT2_MAX_ZSTD_BYTES} bytes`);
    }
    parts.push(next.value);
  }
  const decoded = new Uint8Array(Bun.zstdDecompressSync(Buffer.concat(parts)));
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(decoded);
      controller.close();
    },
  });
}

/** What the chat2 steps share: the adapter's options and each account's signing state. */
interface Chat2Context extends AdapterOptions {
  signers: Map<number, Chat2Signer>;
  /** Per account, the single-session delete's URL and headers: the same for every reply, built once. */
  deleteRequests: WeakMap<CnAccount, { url: string; headers: Record<string, string> }>;
  /** Per account, the last clock offset the calibration endpoint gave: a failed calibration keeps it. */
  clockOffsets: Map<number, number>;
}

const chat2Label = (n: number) => `CN account ${n}`;
const chat2RefreshHint = (n: number) =>
  `Copy a fresh cookie (the whole cookie jar, with tongyi_sso_ticket) from a browser logged in at www.qianwen.com into CN_ACCOUNT_${n}_COOKIE, then restart qwenplug.`;
const chat2SigningHint = (config: Config, n: number) =>
  `Try, in this order: the logged-in page's signing material in CN_ACCOUNT_${n}_SCENES (docs/mainland.md, "Mainland signing"); a browser-made bx-umidtoken in CN_ACCOUNT_${n}_UMIDTOKEN; the site's current front-end version in QWEN_CN_WEB_VERSION (now ${config.cnWebVersion})${config.cnSignOrder === "auto" ? "" : `; CN_SIGN_ORDER=auto (now forced to ${config.cnSignOrder})`}.`;
const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 100);
  }
};
const chat2BaseHeaders = (config: Config, account: CnAccount): Record<string, string> => ({
  "accept-language": "zh-CN,zh;q=0.9,en;q=0.8",
  origin: config.cnOrigin,
  referer: config.cnReferer,
  "user-agent": BROWSER_USER_AGENT,
  cookie: account.cookie,
  "x-platform": "pc_tongyi",
  "x-device-id": account.deviceId,
  "x-csrf-token": account.xsrfToken,
  "sec-fetch-dest": "empty",
  "sec-fetch-mode": "cors",
  "sec-fetch-site": "same-site",
});

/** The common query of §1.3 in the front end's order; `ut` is the account's device id. */
const chat2CommonQuery = (config: Config, account: CnAccount, timestamp: number): Array<[string, string]> => [
  ["biz_id", "ai_qwen"],
  ["fe_version", CHAT2_SIGN_VERSION],
  ["chat_client", "h5"],
  ["device", "pc"],
  ["fr", "pc"],
  ["pr", "qwen"],
  ["ut", account.deviceId],
  ["la", "zh-CN"],
  ["tz", "Asia/Shanghai"],
  ["wv", config.cnWebVersion],
  ["ve", config.cnWebVersion],
  ["nonce", chat2Nonce()],
  ["timestamp", String(timestamp)],
];
/** Values that encodeURIComponent leaves as they are; most query values are, and skipping the call halves the cost of a query string. */
const QUERY_SAFE = /^[\w.!~*'()-]*$/;
const queryString = (query: ReadonlyArray<[string, string]>) => query.map(([k, v]) => `${k}=${QUERY_SAFE.test(v) ? v : encodeURIComponent(v)}`).join("&");

function chat2SignerOf(ctx: Chat2Context, account: CnAccount): Chat2Signer {
  let signer = ctx.signers.get(account.number);
  if (signer === undefined) {
    signer = {
      key: chat2StateKey(account),
      cachedAt: Number.NEGATIVE_INFINITY,
      order: ctx.config.cnSignOrder === "auto" ? CHAT2_DEFAULT_SIGN_ORDER : ctx.config.cnSignOrder,
      isOrderKnown: ctx.config.cnSignOrder !== "auto",
      saltsLeft: { chat: 0, workspace: 0 },
      reserve: new Map(),
    };
    ctx.signers.set(account.number, signer);
  }
  return signer;
}

/** The store key of an account's signing state: its number and a hash of what was configured, so a new cookie or scene list starts afresh. */
const chat2StateKey = (account: CnAccount) => `cn:${account.number}:${sha256(`${account.cookie}\n${account.scenes ?? ""}`).toString("hex").slice(0, 16)}`;
const chat2SaltsKey = (signer: Chat2Signer, device: Chat2Device, scene: Chat2Scene) => `${signer.key}:salts:${chat2OwnScene(device, scene)}:${device.dvidn}`;

/** A refused or failed registration or refill as a failure naming what to try. */
function chat2SecFailure(ctx: Chat2Context, n: number, what: string, detail: string, kind: ErrorKind, retryAfterSec?: number): UpstreamFailure {
  const hint = kind === "upstream" ? `${chat2SigningHint(ctx.config, n)} If the security host moved: QWEN_CN_SEC_URL (now ${hostOf(ctx.config.cnSecUrl)}).` : chat2SigningHint(ctx.config, n);
  return { kind, message: `Qwen CN refused the ${what} for ${chat2Label(n)} (${ctx.redact(detail)}), so no signed request can be sent now. ${hint}`, ...(retryAfterSec === undefined ? {} : { retryAfterSec }) };
}

/**
 * Server time minus local time. When the clock endpoint does not answer, the
 * account's last good offset (kept in `ctx.clockOffsets`), else 0: the local clock.
 */
async function chat2Calibrate(ctx: Chat2Context, account: CnAccount): Promise<number> {
  const n = account.number;
  let problem: string;
  try {
    const sentAt = Date.now();
    const response = await ctx.fetch(`${ctx.config.cnSecUrl}/api/calibration/getMillisTimeStamp?t=${sentAt}`, {
      account,
      headers: { accept: "application/json", "user-agent": BROWSER_USER_AGENT },
      signal: AbortSignal.timeout(ctx.config.upstreamLimits.connectMs),
      redirect: "manual",
    });
    const receivedAt = Date.now();
    const answer = await classifyAnswer(response, {
      label: `the clock calibration for ${chat2Label(n)}`,
      success: (json) => numberFrom(asRecord(json.data)?.millisTimeStamp),
      errorOf: (json) => chat2FailureFromJson(ctx, json, n),
      expected: "a millisTimeStamp",
      maxChars: CHAT2_SMALL_BODY_CHARS,
    });
    if ("value" in answer) {
      const offset = Math.round(answer.value - (sentAt + receivedAt) / 2);
      ctx.clockOffsets.set(n, offset);
      return offset;
    }
    problem = answer.failure.message;
  } catch (err) {
    problem = errorName(err);
  }
  const kept = ctx.clockOffsets.get(n);
  ctx.debug(`cn chat2 clock calibration failed for account ${n}: ${problem}; ${kept === undefined ? "using the local clock" : `keeping the last offset, ${kept} ms`}`);
  return kept ?? 0;
}

const chat2SecHeaders = (config: Config, account: CnAccount): Record<string, string> => ({
  accept: "application/json, text/plain, */*",
  origin: config.cnOrigin,
  referer: config.cnReferer,
  "user-agent": BROWSER_USER_AGENT,
  cookie: account.cookie,
  "x-xsrf-token": account.xsrfToken,
  "clt-acs-caer": "vrad",
  "eo-clt-sftcnt": String(CHAT2_SALTS_REQUESTED),
  "eo-clt-acs-bx-intss": "2",
});

/** §1.3's registration: a synthetic but stable fingerprint, and a browser-made bx-umidtoken when the user gave one. */
function chat2RegistrationRequest(config: Config, account: CnAccount, chid: string): RequestInit {
  return {
    method: "POST",
    headers: { ...chat2SecHeaders(config, account), "content-type": "application/json", "bx-umidtoken": account.umidToken ?? "" },
    body: JSON.stringify({
      screenResolution: "1920x1080",
      cookieEnabled: true,
      localStorageEnabled: true,
      timezoneOffset: -480,
      fontList: ["Microsoft YaHei", "SimSun", "SimHei", "Arial", "Calibri"],
      pluginList: [],
      language: ["zh-CN", "zh"],
      unifyRelateGenerate: ["qwen_chat", "workspace_api", "voice_command"],
      // A stable per-account fingerprint: the site expects an md5 (§1.3) and never sees the device id it is made from.
      fingerprint: new Bun.CryptoHasher("md5").update(`qwenplug:${account.deviceId}`).digest("hex"),
      businessScene: "qwen_web",
      chid,
    }),
  };
}

/** M3's refill: more salts (and a renewed token) for the device, asked for with its qwen_web scene's id and token; no bx-umidtoken. */
function chat2RefillRequest(config: Config, account: CnAccount, device: Chat2Device, scene: Chat2Scene): { url: string; init: RequestInit } {
  const query = new URLSearchParams({ businessScene: "qwen_web", unifyRelateGenerate: scene === "chat" ? "voice_command,qwen_chat" : "workspace_api", chid: randomHex32() });
  return {
    url: `${config.cnSecUrl}/security/external/access/refresh?${query}`,
    init: { method: "GET", headers: { ...chat2SecHeaders(config, account), "eo-clt-dvidn": device.dvidn, "eo-clt-actkn": device.webActkn } },
  };
}

/**
 * One call to the security host (registration or refill), read by
 * `classifyAnswer`: `{status:0, data}` is the material whatever its tokens
 * contain. A login code is the cookie's fault (`auth`), a rate limit waits
 * the answer's Retry-After, an anti-bot page is `waf`, any other refusal
 * `upstream`: none of them says the account did wrong by signing too much.
 */
async function chat2SecCall(ctx: Chat2Context, account: CnAccount, url: string, init: RequestInit, what: string): Promise<{ data: Record<string, unknown> } | UpstreamFailure> {
  const n = account.number;
  let response: Response;
  try {
    response = await ctx.fetch(url, { ...init, account, signal: AbortSignal.timeout(ctx.config.upstreamLimits.connectMs), redirect: "manual" });
  } catch (err) {
    return chat2SecFailure(ctx, n, what, `could not reach ${hostOf(ctx.config.cnSecUrl)}: ${errorName(err)}`, "upstream", CHAT2_SEC_RETRY_SEC);
  }
  const answer = await classifyAnswer(response, {
    label: `the ${what} for ${chat2Label(n)}`,
    refreshHint: chat2RefreshHint(n),
    success: (json) => (numberFrom(json.status) === 0 ? asRecord(json.data) : undefined),
    errorOf: (json, meta) => {
      const said = [redactThenCut(ctx.redact, json.code, 40), redactThenCut(ctx.redact, json.msg ?? json.message, 120)].filter(Boolean).join(" ");
      if (/not_?login|unauthori[sz]ed|登录/i.test(said)) return { kind: "auth", message: `${chat2Label(n)} is not logged in (the ${what} answered ${said}). ${chat2RefreshHint(n)}`, retryAfterSec: AUTH_COOLDOWN_SEC };
      if (/rate_?limit|频繁|too many/i.test(said)) return chat2SecFailure(ctx, n, what, said, "rate", retryAfterSeconds(meta.headers, CHAT2_SEC_RETRY_SEC));
      return chat2SecFailure(ctx, n, what, `HTTP ${meta.status}${said === "" ? "" : `, ${said}`}`, "upstream");
    },
    rateDefaultSec: CHAT2_SEC_RETRY_SEC,
    wafHint: chat2SigningHint(ctx.config, n),
    maxChars: CHAT2_SMALL_BODY_CHARS,
    expected: "signing material",
  });
  return "failure" in answer ? answer.failure : { data: answer.value };
}

/** `eo-clt-actkn-dl` as a time in ms: the site sends Unix seconds (M3); a figure already in ms is taken as it is. */
function chat2Deadline(value: unknown, fallback: number): number {
  const n = numberFrom(value);
  if (n === undefined || n <= 0) return fallback;
  return n < 1e11 ? n * 1000 : n;
}

const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((s): s is string => typeof s === "string" && s !== "") : []);

/**
 * Signing material by scene, as a registration or refill answer holds it
 * (the qwen_web fields at the top, the other scenes in `unifyRelate`) and as
 * the logged-in page keeps it (`scene_list`, M3): the device, and the salts
 * each scene brought. `previous` fills what a refill does not repeat.
 */
function chat2Material(scenes: Record<string, Record<string, unknown> | undefined>, previous?: Chat2Device): { device: Chat2Device; salts: Record<Chat2Scene, string[]> } | undefined {
  const web = scenes.qwen_web ?? {};
  // Older answers (carzygod) put the chat scene's token and salts at the top.
  const chat = scenes.qwen_chat ?? web;
  const workspace = scenes.workspace_api;
  const dvidn = textOf(web["eo-clt-dvidn"]) ?? previous?.dvidn;
  const webActkn = textOf(web["eo-clt-actkn"]) ?? previous?.webActkn;
  const chatActkn = textOf(chat["eo-clt-actkn"]) ?? previous?.chat.actkn;
  if (dvidn === undefined || webActkn === undefined || chatActkn === undefined) return undefined;
  const fallbackDeadline = Date.now() + CHAT2_DEVICE_TTL_MS;
  const token = (scene: Record<string, unknown>, actkn: string): Chat2SceneToken => ({ actkn, deadline: chat2Deadline(scene["eo-clt-actkn-dl"], fallbackDeadline) });
  const workspaceActkn = textOf(workspace?.["eo-clt-actkn"]);
  const device: Chat2Device = {
    dvidn,
    snver: textOf(web["eo-clt-snver"]) ?? previous?.snver ?? "",
    webActkn,
    chat: token(chat, chatActkn),
    ...(workspace !== undefined && workspaceActkn !== undefined ? { workspace: token(workspace, workspaceActkn) } : previous?.workspace === undefined ? {} : { workspace: previous.workspace }),
    clockOffsetMs: previous?.clockOffsetMs ?? 0,
  };
  return { device, salts: { chat: stringsOf(chat["eo-clt-bacsft"]), workspace: stringsOf(workspace?.["eo-clt-bacsft"]) } };
}

/** A registration or refill answer's scenes by name: the qwen_web fields at the top, the others in `unifyRelate`. */
function chat2ScenesOfAnswer(data: Record<string, unknown>): Record<string, Record<string, unknown> | undefined> {
  const { unifyRelate, ...web } = data;
  const scenes: Record<string, Record<string, unknown> | undefined> = { qwen_web: web };
  for (const raw of Array.isArray(unifyRelate) ? unifyRelate : []) {
    const scene = asRecord(raw);
    if (typeof scene?.businessScene === "string") scenes[scene.businessScene] = scene;
  }
  return scenes;
}

/** The page's `_qk_busc_info_v1qwen_web` value (CN_ACCOUNT_<n>_SCENES) as scenes by name; validated at start-up. */
function chat2ScenesOfPage(value: string): Record<string, Record<string, unknown> | undefined> {
  const json = jsonRecordOf(value) ?? {};
  const list = asRecord(json.scene_list) ?? json;
  return Object.fromEntries(Object.entries(list).map(([name, scene]) => [name, asRecord(scene)]));
}

/** The account's device as the store has it, read again when the local copy is older than CHAT2_DEVICE_REREAD_MS. */
async function chat2StoredDevice(ctx: Chat2Context, signer: Chat2Signer, isFresh = false): Promise<Versioned<Chat2DeviceRecord> | undefined> {
  if (!isFresh && Date.now() - signer.cachedAt < CHAT2_DEVICE_REREAD_MS) return signer.cached;
  signer.cached = await ctx.store.get<Chat2DeviceRecord>(`${signer.key}:device`);
  signer.cachedAt = Date.now();
  return signer.cached;
}

/** Stores a device (or none) and its scenes' salts; false when another replica changed the record first. */
async function chat2SaveDevice(ctx: Chat2Context, signer: Chat2Signer, record: Chat2DeviceRecord, salts?: Partial<Record<Chat2Scene, string[]>>): Promise<boolean> {
  const device = record.device;
  if (device !== undefined && salts !== undefined) {
    for (const scene of ["chat", "workspace"] as const) {
      const list = salts[scene];
      if (list === undefined || list.length === 0) continue;
      // The new salts replace what was left: the 09-28 script does the same, so salts a refill may have voided are never tried.
      const key = chat2SaltsKey(signer, device, scene);
      await ctx.store.delete(key);
      signer.saltsLeft[scene] = await ctx.store.push(key, list, Math.max(1000, chat2TokenOf(device, scene).deadline - Date.now()));
    }
  }
  // Tokens sign for the account: secrets, each replacing its predecessor in the redaction set. Salts are
  // not added: single-use, and never part of a message qwenplug writes, they would only grow that set.
  if (device !== undefined) {
    for (const [name, secret] of [["web", device.webActkn], ["chat", device.chat.actkn], ["workspace", device.workspace?.actkn]] as const) {
      if (secret !== undefined) ctx.addSecret(secret, `${signer.key} ${name} token`);
    }
  }
  const version = await ctx.store.put(`${signer.key}:device`, record, { ifVersion: signer.cached?.version ?? 0 });
  if (version === undefined) {
    signer.cachedAt = Number.NEGATIVE_INFINITY;
    return false;
  }
  signer.cached = { value: record, version };
  signer.cachedAt = Date.now();
  return true;
}

/** The scene whose token and salts sign for `scene`: uploads sign like chat when the site gave them no scene of their own. */
const chat2OwnScene = (device: Chat2Device | undefined, scene: Chat2Scene): Chat2Scene => (scene === "workspace" && device !== undefined && device.workspace === undefined ? "chat" : scene);
const chat2TokenOf = (device: Chat2Device, scene: Chat2Scene): Chat2SceneToken => (chat2OwnScene(device, scene) === "workspace" && device.workspace !== undefined ? device.workspace : device.chat);

/** Whether a device may still sign for a scene: its token not past the deadline. */
const chat2CanSign = (device: Chat2Device | undefined, scene: Chat2Scene): device is Chat2Device => device !== undefined && Date.now() < chat2TokenOf(device, scene).deadline;

/**
 * Salts for one scene, by the cheapest way that works: the page's material
 * (CN_ACCOUNT_<n>_SCENES) when the store has no device yet, a refill on the
 * current device (M3), and a new registration only when there is no device,
 * it expired, or its refill was refused, spaced by CN_REGISTER_INTERVAL_MS.
 * One at a time per account: in this process by `signer.work`, across
 * replicas by a lock in the store. Undefined when salts may now be there.
 */
function chat2Replenish(ctx: Chat2Context, account: CnAccount, scene: Chat2Scene): Promise<UpstreamFailure | undefined> {
  const signer = chat2SignerOf(ctx, account);
  signer.work ??= chat2ReplenishLocked(ctx, account, signer, scene)
    .catch((err: unknown): UpstreamFailure => ({ kind: "upstream", message: `Renewing the signing material of ${chat2Label(account.number)} failed (${ctx.redact(errorName(err))}).`, retryAfterSec: CHAT2_SEC_RETRY_SEC }))
    .finally(() => {
      signer.work = undefined;
    });
  return signer.work;
}

async function chat2ReplenishLocked(ctx: Chat2Context, account: CnAccount, signer: Chat2Signer, wanted: Chat2Scene): Promise<UpstreamFailure | undefined> {
  if (signer.pause !== undefined && Date.now() < signer.pause.until) return signer.pause.failure;
  const lock = await ctx.store.lock(`${signer.key}:signing-lock`, CHAT2_LOCK_LEASE_MS);
  if (lock === undefined) {
    // Another replica is at it: read what it stored in a moment.
    await Bun.sleep(CHAT2_STORE_POLL_MS);
    signer.cachedAt = Number.NEGATIVE_INFINITY;
    return undefined;
  }
  try {
    const stored = (await chat2StoredDevice(ctx, signer, true))?.value;
    const device = stored?.device;
    const scene = chat2OwnScene(device, wanted);
    if (chat2CanSign(device, scene)) {
      // Someone may have refilled while this one waited for the lock.
      const left = await ctx.store.length(chat2SaltsKey(signer, device, scene));
      signer.saltsLeft[scene] = left;
      if (left > CHAT2_SALT_LOW_WATER && chat2TokenOf(device, scene).deadline - Date.now() > CHAT2_TOKEN_RENEW_MS) return undefined;
      const refilled = await chat2Refill(ctx, account, signer, device, stored ?? {}, scene);
      if (refilled === undefined || refilled.kind === "auth") return refilled;
      // A device with salts left keeps serving while the refill is retried later.
      if (left > 0) return chat2Pause(signer, refilled);
      if (refilled.kind !== "upstream" || refilled.retryAfterSec !== undefined) return chat2Pause(signer, refilled);
      ctx.debug(`cn chat2 account ${account.number}: refill refused (${refilled.message}); registering a new device`);
    } else if (stored === undefined && account.scenes !== undefined) {
      const imported = chat2Material(chat2ScenesOfPage(account.scenes));
      if (imported !== undefined && (imported.salts[scene].length > 0 || scene === "workspace")) {
        imported.device.clockOffsetMs = await chat2Calibrate(ctx, account);
        if (await chat2SaveDevice(ctx, signer, { device: imported.device, source: "page" }, imported.salts)) ctx.debug(`cn chat2 account ${account.number}: signing with the page's material (CN_ACCOUNT_${account.number}_SCENES)`);
        return undefined;
      }
      if (imported !== undefined) {
        // The page's device without salts: refill it rather than register.
        const refilled = await chat2Refill(ctx, account, signer, imported.device, { source: "page" }, scene);
        if (refilled === undefined || refilled.kind === "auth") return refilled;
      }
    }
    return await chat2RegisterLocked(ctx, account, signer, stored ?? {});
  } finally {
    await ctx.store.unlock(`${signer.key}:signing-lock`, lock);
  }
}

/** After a failed refill or registration, requests wait this failure's Retry-After (a few seconds by default) instead of asking again at once. */
function chat2Pause(signer: Chat2Signer, failure: UpstreamFailure): UpstreamFailure {
  signer.pause = { until: Date.now() + (failure.retryAfterSec ?? CHAT2_SEC_RETRY_SEC) * 1000, failure };
  return failure;
}

async function chat2Refill(ctx: Chat2Context, account: CnAccount, signer: Chat2Signer, device: Chat2Device, stored: Chat2DeviceRecord, scene: Chat2Scene): Promise<UpstreamFailure | undefined> {
  const { url, init } = chat2RefillRequest(ctx.config, account, device, scene);
  const answer = await chat2SecCall(ctx, account, url, init, "salt refill");
  if ("kind" in answer) return answer;
  const material = chat2Material(chat2ScenesOfAnswer(answer.data), device);
  if (material === undefined || material.salts[scene].length === 0) return chat2SecFailure(ctx, account.number, "salt refill", "the answer had no salts", "upstream");
  if (material.device.dvidn !== device.dvidn) material.device.clockOffsetMs = await chat2Calibrate(ctx, account);
  await chat2SaveDevice(ctx, signer, { ...stored, device: material.device }, material.salts);
  ctx.debug(`cn chat2 account ${account.number} refilled ${material.salts[scene].length} ${scene} salts on its device`);
  return undefined;
}

async function chat2RegisterLocked(ctx: Chat2Context, account: CnAccount, signer: Chat2Signer, stored: Chat2DeviceRecord): Promise<UpstreamFailure | undefined> {
  const n = account.number;
  const wait = (stored.registeredAt ?? Number.NEGATIVE_INFINITY) + ctx.config.cnRegisterIntervalMs - Date.now();
  if (wait > 0) {
    return chat2Pause(signer, {
      kind: "busy",
      message: `${chat2Label(n)} registered a signing device ${Math.round((ctx.config.cnRegisterIntervalMs - wait) / 1000)} s ago and waits CN_REGISTER_INTERVAL_MS before registering another.`,
      retryAfterSec: Math.ceil(wait / 1000),
    });
  }
  const chid = `${Date.now()}${Math.random().toString(36).slice(2, 12)}`;
  const answer = await chat2SecCall(ctx, account, `${ctx.config.cnSecUrl}/security/external/access/register?chid=${chid}`, chat2RegistrationRequest(ctx.config, account, chid), "signing-device registration");
  if ("kind" in answer) return answer.kind === "auth" ? answer : chat2Pause(signer, answer);
  const material = chat2Material(chat2ScenesOfAnswer(answer.data));
  if (material === undefined || material.salts.chat.length === 0) return chat2Pause(signer, chat2SecFailure(ctx, n, "signing-device registration", "the answer had no device id, token or salts", "upstream"));
  material.device.clockOffsetMs = await chat2Calibrate(ctx, account);
  await chat2SaveDevice(ctx, signer, { device: material.device, registeredAt: Date.now(), source: "registered" }, material.salts);
  ctx.debug(`cn chat2 account ${n} registered a signing device with ${material.salts.chat.length} salts (clock offset ${material.device.clockOffsetMs} ms)`);
  return undefined;
}

/** The signing order for an account: a forced CN_SIGN_ORDER, else what the store learned, else the newest evidence's (M2). */
async function chat2OrderOf(ctx: Chat2Context, signer: Chat2Signer): Promise<Chat2SignOrder> {
  if (!signer.isOrderKnown && signer.orderRead === undefined) {
    signer.orderRead = ctx.store.get<Chat2SignOrder>(`${signer.key}:order`).then((stored) => {
      if (stored !== undefined && !signer.isOrderKnown) {
        signer.order = stored.value;
        signer.isOrderKnown = true;
      }
    });
  }
  await signer.orderRead;
  return signer.order;
}

/**
 * A device and one salt of `scene`, the salt taken out of the store before
 * it is used (a crash may lose salts, never send one twice). With none left
 * the request waits for the account's one refill or registration, for at
 * most ACCOUNT_QUEUE_TIMEOUT_MS: running short under one's own load is a
 * wait, then a `busy` 503, never a failure that rests the account.
 */
async function chat2TakeSalt(ctx: Chat2Context, account: CnAccount, scene: Chat2Scene, stop: Stop): Promise<Chat2Taken | UpstreamFailure> {
  const signer = chat2SignerOf(ctx, account);
  const deadline = Date.now() + ctx.config.accountQueueTimeoutMs;
  let failure: UpstreamFailure | undefined;
  while (!stop.aborted) {
    const device = (await chat2StoredDevice(ctx, signer))?.value.device;
    if (chat2CanSign(device, scene)) {
      const salt = await chat2NextSalt(ctx, signer, device, scene);
      if (salt !== undefined) {
        const token = chat2TokenOf(device, scene);
        if (signer.saltsLeft[chat2OwnScene(device, scene)] <= CHAT2_SALT_LOW_WATER || token.deadline - Date.now() < CHAT2_TOKEN_RENEW_MS) {
          void chat2Replenish(ctx, account, scene).then((result) => result && ctx.debug(`cn chat2 account ${account.number}: background refill failed: ${result.message}`));
        }
        return { device, salt, actkn: token.actkn, order: await chat2OrderOf(ctx, signer) };
      }
    }
    failure = await chat2Replenish(ctx, account, scene);
    // A rate limit or spacing passes; a refusal or a logged-out cookie does not, so it is said at once.
    if (failure !== undefined && failure.kind !== "rate" && failure.kind !== "busy") return failure;
    const left = deadline - Date.now();
    if (left <= 0) break;
    if (failure !== undefined) await unlessAborted(Bun.sleep(Math.min(left, Math.max(CHAT2_STORE_POLL_MS, (signer.pause?.until ?? 0) - Date.now()))), stop);
  }
  return {
    kind: "busy",
    message: `${chat2Label(account.number)} has no signing salts left and none came within ${ctx.config.accountQueueTimeoutMs} ms (ACCOUNT_QUEUE_TIMEOUT_MS)${failure === undefined ? "" : `: ${failure.message}`}`,
    retryAfterSec: Math.max(1, failure?.retryAfterSec ?? 1),
  };
}

/**
 * The next salt of a device's scene: from this process's reserve, else a
 * batch taken out of the store in one step (one store round trip per
 * CHAT2_SALT_BATCH requests; a crash loses at most a batch, never sends a
 * salt twice). A reserve of a replaced device is dropped with it.
 */
async function chat2NextSalt(ctx: Chat2Context, signer: Chat2Signer, device: Chat2Device, scene: Chat2Scene): Promise<string | undefined> {
  const key = chat2SaltsKey(signer, device, scene);
  const ready = signer.reserve.get(key);
  if (ready !== undefined && ready.length > 0) return ready.shift();
  const batch = await ctx.store.take(key, CHAT2_SALT_BATCH);
  signer.saltsLeft[chat2OwnScene(device, scene)] -= batch.length;
  const salt = batch.shift();
  if (batch.length > 0) {
    // Concurrent requests may each have taken a batch: they pool their rest.
    const kept = signer.reserve.get(key);
    if (kept !== undefined) kept.push(...batch);
    else {
      signer.reserve.clear();
      signer.reserve.set(key, batch);
    }
  }
  return salt;
}

/** Which registration scene signs a request: chat requests, or uploads (`workspace_api`). */
type Chat2Scene = "chat" | "workspace";

/** A signed request's URL and headers, and what signed it (none when CN_SIGNING=off). */
interface Chat2Prepared {
  url: string;
  headers: Record<string, string>;
  signedWith?: { dvidn: string; order: Chat2SignOrder };
}

/**
 * The URL and headers of one signed POST (§1.3): the common query (plus
 * `extraQuery` at its end), one salt of `scene`, both HMACs. Unsigned with CN_SIGNING=off.
 */
async function chat2PrepareSigned(ctx: Chat2Context, account: CnAccount, endpoint: string, body: string, options: Chat2CallOptions, stop: Stop): Promise<Chat2Prepared | UpstreamFailure> {
  const { config } = ctx;
  const headers: Record<string, string> = {
    ...chat2BaseHeaders(config, account),
    "content-type": "application/json",
    accept: options.accept,
  };
  const extra = options.extraQuery ?? [];
  if (!config.cnSigning) {
    return { url: `${endpoint}?${queryString([...chat2CommonQuery(config, account, Date.now()), ...extra])}`, headers };
  }
  const taken = await chat2TakeSalt(ctx, account, options.scene ?? "chat", stop);
  if ("kind" in taken) return taken;
  const { device, salt, order } = taken;
  // The query timestamp and `clt-acs-reqt` are the same server-clock instant.
  const reqt = Date.now() + device.clockOffsetMs;
  const query = [...chat2CommonQuery(config, account, reqt), ...extra];
  const kp = cookieValue(account.cookie, "tongyi_sso_ticket_hash") ?? "";
  const { bfg, sign } = signChat2({ salt, reqt: String(reqt), dvidn: device.dvidn, kp, queryValues: query.map(([, v]) => v), body, order });
  Object.assign(headers, {
    "clt-acs-sign": sign,
    "clt-acs-reqt": String(reqt),
    "clt-acs-request-params": query.map(([k]) => k).join(","),
    "clt-acs-caer": "vrad",
    "clt-acs-bfg": bfg,
    "eo-clt-dvidn": device.dvidn,
    "eo-clt-sacsft": salt,
    "eo-clt-snver": device.snver,
    "eo-clt-actkn": taken.actkn,
    "eo-clt-acs-ve": CHAT2_SIGN_VERSION,
    "eo-clt-acs-kp": kp,
  });
  if (account.umidToken !== undefined) headers["bx-umidtoken"] = account.umidToken;
  return { url: `${endpoint}?${queryString(query)}`, headers, signedWith: { dvidn: device.dvidn, order } };
}

interface Chat2CallOptions {
  accept: string;
  scene?: Chat2Scene;
  extraQuery?: ReadonlyArray<[string, string]>;
}

/** How a signed call's answer judged its signature: `refused` is EX015; `unknown` says nothing either way (a network error, a block). */
type Chat2Verdict = "accepted" | "refused" | "unknown";

/**
 * One signed call, and the one policy for a refused signature (EX015),
 * shared by chat, uploads and image polling: while the account's signing
 * order is unconfirmed, the other order is tried once; otherwise the device
 * that signed is dropped, if it still is the current one, and the call waits
 * for the account's one new device (never re-signing with the stale one).
 * An accepted signature confirms the order for the account, in the store.
 */
async function chat2SignedCall<T>(
  ctx: Chat2Context,
  account: CnAccount,
  endpoint: string,
  body: string,
  options: Chat2CallOptions,
  stop: Stop,
  send: (prepared: Chat2Prepared) => Promise<T>,
  verdictOf: (result: T) => Chat2Verdict,
): Promise<T | UpstreamFailure> {
  let hasTriedOtherOrder = false;
  let hasTriedNewDevice = false;
  for (;;) {
    const prepared = await chat2PrepareSigned(ctx, account, endpoint, body, options, stop);
    if ("kind" in prepared) return prepared;
    const result = await send(prepared);
    const used = prepared.signedWith;
    if (used === undefined || stop.aborted) return result;
    const verdict = verdictOf(result);
    if (verdict === "accepted") await chat2SignatureAccepted(ctx, account, used.order);
    if (verdict !== "refused") return result;
    const signer = chat2SignerOf(ctx, account);
    if (!signer.isOrderKnown && !hasTriedOtherOrder) {
      hasTriedOtherOrder = true;
      // Only the first refusal with the current order flips it; concurrent ones just sign again with the new one.
      if (signer.order === used.order) signer.order = used.order === "kp-query" ? "query-kp" : "kp-query";
      ctx.debug(`cn chat2 account ${account.number}: signature refused; trying the ${signer.order} signing order`);
      continue;
    }
    if (hasTriedNewDevice) return result;
    hasTriedNewDevice = true;
    await chat2DropDevice(ctx, signer, used.dvidn);
    ctx.debug(`cn chat2 account ${account.number}: signature refused; signing again with a new device`);
  }
}

async function chat2SignatureAccepted(ctx: Chat2Context, account: CnAccount, order: Chat2SignOrder): Promise<void> {
  const signer = chat2SignerOf(ctx, account);
  if (signer.isOrderKnown || signer.order !== order) return;
  signer.isOrderKnown = true;
  await ctx.store.put(`${signer.key}:order`, order);
  ctx.debug(`cn chat2 account ${account.number}: the site accepts the ${order} signing order`);
}

/**
 * A reply that was the site's fixed refusal (CN_REFUSAL_PATTERNS, M1) most
 * likely means a refused signature: while nothing has confirmed the
 * account's signing order, the next request tries the other one.
 */
function chat2RefusedByReply(ctx: Chat2Context, account: CnAccount, order: Chat2SignOrder): void {
  const signer = chat2SignerOf(ctx, account);
  if (signer.isOrderKnown || signer.order !== order) return;
  signer.order = order === "kp-query" ? "query-kp" : "kp-query";
  ctx.debug(`cn chat2 account ${account.number}: the reply was the fixed refusal; trying the ${signer.order} signing order next`);
}

/** Drops the device that signed a refused request, unless it was replaced meanwhile (by this process or another replica). */
async function chat2DropDevice(ctx: Chat2Context, signer: Chat2Signer, dvidn: string): Promise<void> {
  const stored = await chat2StoredDevice(ctx, signer, true);
  const device = stored?.value.device;
  if (device?.dvidn !== dvidn) return;
  if (await chat2SaveDevice(ctx, signer, { ...stored?.value, device: undefined })) {
    for (const scene of ["chat", "workspace"] as const) await ctx.store.delete(chat2SaltsKey(signer, device, scene));
  }
}

/** What a chat request asks for: the stream, or the JSON a refusal comes as. */
const CHAT2_CHAT_OPTIONS: Chat2CallOptions = { accept: "application/json, text/event-stream, text/plain, */*" };

/** A signed call's verdict from its failure, if any: EX015 (tagged `signature_refused`) is a refused signature; any other failure says nothing about it. */
const chat2Verdict = (failure: UpstreamFailure | undefined): Chat2Verdict => (failure === undefined ? "accepted" : failure.tag === "signature_refused" ? "refused" : "unknown");

/** Classifies a JSON object that carries a chat2 error, or returns undefined. */
function chat2FailureFromJson(ctx: Chat2Context, json: Record<string, unknown>, n: number, status?: number): UpstreamFailure | undefined {
  const { redact } = ctx;
  if (json.code === "EX015") {
    // "waf", not "auth": the cookie is fine, the signature is not. "auth" would mark the account
    // logged out after a liveness probe that succeeds; "waf" rests it and names what to change.
    return {
      kind: "waf",
      message: `Qwen CN refused the request signature for ${chat2Label(n)} (403 EX015 签名错误). ${chat2SigningHint(ctx.config, n)}`,
      retryAfterSec: WAF_COOLDOWN_SEC,
      tag: "signature_refused",
    };
  }
  // Markers in the error fields only (`ret`, code, msg, …): FAIL_SYS_USER_VALIDATE in a 200 is a silent challenge (M6).
  if (antiBotIn("", json) !== undefined) {
    const said = redactThenCut(redact, errorFieldsText(json), 120);
    return { kind: "waf", message: `Qwen's anti-bot check (WAF) blocked ${chat2Label(n)} (${said}); wait a few minutes, send fewer parallel requests. ${chat2SigningHint(ctx.config, n)}`, retryAfterSec: WAF_COOLDOWN_SEC };
  }
  const code = json.error_code ?? (json.status === 1 || json.success === false ? json.code : undefined);
  if (code === undefined || code === null || code === 0 || code === "0" || code === "") return undefined;
  const message = [redactThenCut(redact, json.error_msg), redactThenCut(redact, json.msg), redactThenCut(redact, json.message)].find((s) => s !== "") ?? "";
  const detail = `${redactThenCut(redact, String(code), 60)}${message === "" ? "" : `: ${message}`}`;
  if (/not_?login|unauthori[sz]ed|登录|401/i.test(detail)) {
    return { kind: "auth", message: `${chat2Label(n)} is not logged in (${detail}). ${chat2RefreshHint(n)}`, retryAfterSec: AUTH_COOLDOWN_SEC };
  }
  if (/limit|频繁|too many|429/i.test(detail)) return { kind: "rate", message: `Qwen CN rate-limited ${chat2Label(n)} (${detail}); slow down.`, retryAfterSec: 60 };
  if (status === 400) return refusedAsInvalid(chat2Label(n), detail);
  ctx.drift.note("unknown error code", detail);
  return { kind: "upstream", message: `Qwen CN (chat2) answered with error ${detail}. If this keeps happening, CN_PROTOCOL=dialog selects the older protocol.` };
}

/** chat2 message types that carry nothing for a chat client (§1.3): progress signals and cards. */
const CHAT2_QUIET_MIME_TYPES = new Set(["signal/post", "bar/progress", "bar/iframe", "paa/iframe", "image/url"]);
/** The fields of a chat2 frame and of its `data` that qwenplug reads or knows to carry nothing (idx:69702734094, §1.3); others are drift. */
const CHAT2_FRAME_FIELDS = new Set(["error_code", "error_msg", "communication", "data", ...ERROR_FIELDS, "status", "success"]);
const CHAT2_DATA_FIELDS = new Set(["messages", "extra_info", "debug", "audit_info"]);
/** `meta_data.multi_load` item types qwenplug reads: thinking (§1.3). */
const CHAT2_THINK_TYPES = new Set(["deep_think", "multimodal_chat_think"]);
/**
 * With CN_REFUSAL_PATTERNS set, a reply's text is held back until it is this
 * long (or complete) and matched meanwhile: the site's fixed refusal (M1) is
 * a short reply, and one caught before any text went out is a clean error.
 */
const CHAT2_REFUSAL_HOLD_CHARS = 256;

/** The failure a reply matching CN_REFUSAL_PATTERNS is: the site refused, most likely the signature (M1). */
function chat2RefusalFailure(ctx: Chat2Context, n: number, text: string, pattern: string): UpstreamFailure {
  return {
    kind: "upstream",
    message: `Qwen CN answered ${chat2Label(n)} with a reply that CN_REFUSAL_PATTERNS calls the site's fixed refusal ("${redactThenCut(ctx.redact, text.trim(), 120)}" matches "${redactThenCut(ctx.redact, pattern, 60)}"), not an answer: the site refused the request, most likely its signature (since 2026-09 an unsigned or wrongly signed chat2 request gets HTTP 200 and a fixed refusal). ${chat2SigningHint(ctx.config, n)}`,
    tag: "fixed_refusal",
  };
}

/**
 * chat2 frames (§1.3): cumulative `multi_load/iframe` text, `deep_think`
 * thinking, usage on the last frame. Fields, `multi_load` types and
 * `mime_type`s it does not read are counted as drift, each once per reply.
 */
function createChat2Decoder(ctx: Chat2Context, n: number): StreamDecoder {
  const textDiff = createCumulativeDiff();
  const thinkDiff = createCumulativeDiff();
  const textMarkers = createMarkerFilter();
  const thinkMarkers = createMarkerFilter();
  const patterns = ctx.config.cnRefusalPatterns;
  let isHolding = patterns instanceof RegExp || patterns.length > 0;
  let held = "";
  const noted = new Set<string>();
  const noteOnce = (kind: string, name: string, sample: unknown) => {
    if (noted.has(`${kind}\n${name}`)) return;
    noted.add(`${kind}\n${name}`);
    ctx.drift.note(kind, sample);
  };
  /** Answer text out, or held while the reply may still be the fixed refusal; a terminal error once it is one. */
  const emitText = (text: string, isFinal: boolean, out: NeutralEvent[]): NeutralEvent | undefined => {
    if (!isHolding) {
      if (text !== "") out.push({ type: "text", text });
      return undefined;
    }
    held += text;
    const matched = refusalIn(patterns, held);
    if (matched !== undefined) {
      isHolding = false;
      return { type: "error", failure: chat2RefusalFailure(ctx, n, held, matched) };
    }
    if (isFinal || held.length > CHAT2_REFUSAL_HOLD_CHARS) {
      isHolding = false;
      if (held !== "") out.push({ type: "text", text: held });
      held = "";
    }
    return undefined;
  };
  /** Text held back as a possible marker start (or a possible refusal) is text after all. */
  const flush = (out: NeutralEvent[]): NeutralEvent | undefined => {
    const thought = thinkMarkers("", true);
    if (thought !== "") out.push({ type: "reasoning", text: thought });
    return emitText(textMarkers("", true), true, out);
  };
  const noteUnknownFields = (json: Record<string, unknown>, data: Record<string, unknown> | undefined) => {
    for (const key of Object.keys(json)) if (!CHAT2_FRAME_FIELDS.has(key)) noteOnce("unknown frame field", key, { [key]: json[key] });
    for (const key of Object.keys(data ?? {})) if (!CHAT2_DATA_FIELDS.has(key)) noteOnce("unknown data field", key, { [key]: data?.[key] });
  };
  return {
    isCumulative: true,
    failureOf: (json) => chat2FailureFromJson(ctx, json, n),
    onJson(json, out) {
      const data = asRecord(json.data);
      noteUnknownFields(json, data);
      const messages = Array.isArray(data?.messages) ? data.messages : [];
      let isComplete = false;
      let hasThought = false;
      let terminal: NeutralEvent | undefined;
      for (const raw of messages) {
        const message = asRecord(raw);
        if (message === undefined) continue;
        const isFinal = message.status === "complete";
        const multiLoad = asRecord(message.meta_data)?.multi_load;
        if (Array.isArray(multiLoad)) {
          const items = multiLoad.map(asRecord);
          for (const item of items) if (typeof item?.type !== "string" || !CHAT2_THINK_TYPES.has(item.type)) noteOnce("unknown multi_load type", String(item?.type), item ?? null);
          const think = items.find((item) => item?.type === "deep_think") ?? items.find((item) => item?.type === "multimodal_chat_think");
          const thought = asRecord(think?.content)?.think_content;
          if (typeof thought === "string" && !hasThought) {
            // One thinking snapshot per frame: two would be diffed against each other.
            hasThought = true;
            const added = thinkMarkers(thinkDiff.next(thought, isFinal), isFinal);
            if (added !== "") out.push({ type: "reasoning", text: added });
          }
        }
        if (message.mime_type !== "multi_load/iframe") {
          if (typeof message.mime_type !== "string" || !CHAT2_QUIET_MIME_TYPES.has(message.mime_type)) ctx.drift.note("unknown mime_type", message.mime_type ?? Object.keys(message));
          continue;
        }
        if (typeof message.content === "string") terminal ??= emitText(textMarkers(textDiff.next(message.content, isFinal), isFinal), isFinal, out);
        if (isFinal) isComplete = true;
      }
      if (terminal !== undefined) return terminal;
      const usage = asRecord(asRecord(asRecord(data?.extra_info)?.chat_odps)?.total_usage);
      const prompt = numberFrom(usage?.prompt_tokens);
      const completion = numberFrom(usage?.completion_tokens);
      if (prompt !== undefined && completion !== undefined) {
        out.push({ type: "usage", usage: { promptTokens: prompt, completionTokens: completion, reasoningTokens: 0 } });
      }
      if (!isComplete) return undefined;
      return flush(out) ?? { type: "done", reason: "stop" };
    },
    onNamedEvent(event, data, out) {
      if (event === "complete") return flush(out) ?? { type: "done", reason: "stop" };
      if (event === "error") {
        const json = jsonRecordOf(data);
        return { type: "error", failure: (json && chat2FailureFromJson(ctx, json, n)) ?? { kind: "upstream", message: `Qwen CN (chat2) sent an error event (${ctx.redact(data.slice(0, 200))}).` } };
      }
      return undefined;
    },
    onEnd: (out) =>
      flush(out) ?? {
        type: "error",
        failure: {
          kind: "truncated",
          message: `The Qwen CN chat2 stream ended before the reply finished (no "complete" event); the answer may be incomplete. If this keeps happening, CN_PROTOCOL=dialog selects the older protocol.`,
        },
      },
  };
}

/** The page's common query (M5): what the site's own delete carries, `ut` included, without the chat's fe_version, nonce and timestamp. */
const chat2PageQuery = (config: Config, account: CnAccount): Array<[string, string]> =>
  chat2CommonQuery(config, account, 0).filter(([key]) => key !== "fe_version" && key !== "nonce" && key !== "timestamp");

/**
 * Deletes a reply's session in the background; never throws. First the
 * single-session endpoint the 09-28 script uses and tested (M5): `POST
 * {api}/api/v1/session/delete?<page query>` `{session_id, biz_id}`, success
 * `code:0, success:true` (without `ut` in the query it answers 400
 * `msg:"ut"`). When that is missing (404/405) or answers anything but
 * success, the older batch endpoint is tried once.
 */
function chat2DeleteSession(ctx: Chat2Context, account: CnAccount, sessionId: string): void {
  chat2DeleteSessionNow(ctx, account, sessionId).catch((err: unknown) => ctx.debug(`cn chat2 session delete failed for account ${account.number}: ${errorName(err)}`));
}

async function chat2DeleteSessionNow(ctx: Chat2Context, account: CnAccount, sessionId: string): Promise<void> {
  const { config } = ctx;
  let request = ctx.deleteRequests.get(account);
  if (request === undefined) {
    request = {
      url: `${config.cnApiUrl}/api/v1/session/delete?${queryString(chat2PageQuery(config, account))}`,
      // The chat requests carry x-csrf-token; the site's delete sends x-xsrf-token (M5): both carry the same value.
      headers: { ...chat2BaseHeaders(config, account), "content-type": "application/json", accept: "application/json, text/plain, */*", "x-xsrf-token": account.xsrfToken },
    };
    ctx.deleteRequests.set(account, request);
  }
  const { headers } = request;
  const post = (url: string, body: unknown) =>
    ctx.fetch(url, { account, method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS), redirect: "manual" });
  const single = await post(request.url, { session_id: sessionId, biz_id: "ai_qwen" });
  let said = `HTTP ${single.status}`;
  if (single.status === 404 || single.status === 405) {
    single.body?.cancel().catch(() => {});
  } else {
    const read = { status: single.status, headers: single.headers, body: (await readTextCapped(single, CHAT2_SMALL_BODY_CHARS)).trim() };
    const answer = await classifyAnswer(read, {
      label: `the session delete for ${chat2Label(account.number)}`,
      success: (json) => (numberFrom(json.code) === 0 && json.success === true ? true : undefined),
      maxChars: CHAT2_SMALL_BODY_CHARS,
    });
    if ("value" in answer) return;
    said = answer.failure.message;
    // A 2xx that is not the success shape is a delete answer qwenplug does not know: a sign the endpoint moved.
    if (read.status >= 200 && read.status < 300) ctx.drift.note("unknown session-delete answer", read.body);
  }
  ctx.debug(`cn chat2 account ${account.number}: the single-session delete did not succeed (${said}); trying the batch endpoint`);
  const batch = await post(`${config.cnApiUrl}/api/v1/session/delete/batch?${queryString(chat2CommonQuery(config, account, Date.now()))}`, { session_ids: [sessionId] });
  const text = await readTextCapped(batch, CHAT2_SMALL_BODY_CHARS);
  if (batch.status < 200 || batch.status > 299) ctx.debug(`cn chat2 account ${account.number}: the batch session delete answered HTTP ${batch.status} (${redactThenCut(ctx.redact, text, 200)})`);
}

/** A non-stream answer to the chat request as a failure; never throws. */
async function chat2FailureFromAnswer(ctx: Chat2Context, response: Response, n: number): Promise<UpstreamFailure> {
  try {
    const failure = await failureFromHttpAnswer(response, chat2Label(n), chat2RefreshHint(n), (json, meta) => chat2FailureFromJson(ctx, json, n, meta.status));
    // The shared classifier names no chat2 setting; a block that persists may be about the signature.
    if (failure.kind === "waf" && !failure.message.includes("CN_")) return { ...failure, message: `${failure.message} If it persists: ${chat2SigningHint(ctx.config, n)}` };
    return failure.kind === "upstream" ? { ...failure, message: `${failure.message} If this keeps happening, CN_PROTOCOL=dialog selects the older protocol.` } : failure;
  } catch (err) {
    return { kind: "upstream", message: `Qwen CN answered ${chat2Label(n)} with HTTP ${response.status} and a body that could not be read (${errorName(err)}).` };
  }
}

async function* chat2Complete(ctx: Chat2Context, req: UpstreamRequest, account: Account, stop: Stop): AsyncGenerator<EventBatch> {
  const { config } = ctx;
  const n = account.number;
  const cn = ctx.accounts.cn.get(account.number);
  if (cn === undefined) {
    yield [{ type: "error", failure: { kind: "no_account", message: `${chat2Label(n)} is not configured (CN_ACCOUNT_${n}_COOKIE).` } }];
    return;
  }
  const watchdog = createWatchdog(stop, config.upstreamLimits);
  const sessionId = randomHex32();
  let mayHaveSession = false;
  let hasEnded = false;
  try {
    const uploaded = await chat2UploadImages(ctx, cn, req.images ?? [], stop, watchdog);
    if (stop.aborted) return;
    if ("kind" in uploaded) {
      hasEnded = true;
      yield [{ type: "error", failure: uploaded }];
      return;
    }
    const reqId = randomHex32();
    const body = req.imageRatio === undefined ? chat2Body(config, req, sessionId, reqId, uploaded) : chat2ImageBody(config, req, sessionId, reqId);
    // Waiting for a salt is not the upstream's silence: the watchdog runs only while a request is out.
    watchdog.pause();
    let signedWith: Chat2Prepared["signedWith"];
    const sent = await chat2SignedCall(
      ctx,
      cn,
      `${config.cnChatUrl}/api/v2/chat`,
      body,
      CHAT2_CHAT_OPTIONS,
      stop,
      async (prepared): Promise<{ response: Response; stream: ReadableStream<Uint8Array> } | UpstreamFailure> => {
        watchdog.resume();
        let answer: Response;
        try {
          mayHaveSession = true;
          answer = await ctx.fetch(prepared.url, { account: cn, method: "POST", headers: { ...prepared.headers, ...chat2ChatHeaders(reqId) }, body, signal: watchdog.signal, redirect: "manual" });
        } catch (err) {
          return watchdog.failure() ?? { kind: "upstream", message: `Could not reach Qwen CN at ${hostOf(config.cnChatUrl)} (${errorName(err)}); check QWEN_CN_CHAT_URL.` };
        }
        const contentType = answer.headers.get("content-type") ?? "";
        signedWith = prepared.signedWith;
        if (answer.status === 200 && contentType.includes("text/event-stream") && answer.body !== null) return { response: answer, stream: answer.body };
        // Refused before any reply: the upstream made no session to delete.
        mayHaveSession = answer.status === 200;
        watchdog.pause();
        return chat2FailureFromAnswer(ctx, answer, n);
      },
      // A 200 stream proves nothing yet (M1: a wrong signature may get a fixed refusal with 200): the order is confirmed by a finished reply below.
      (result) => ("kind" in result ? chat2Verdict(result) : "unknown"),
    );
    if (stop.aborted) return;
    if ("kind" in sent) {
      hasEnded = true;
      yield [{ type: "error", failure: sent }];
      return;
    }
    const { response } = sent;
    let { stream } = sent;
    try {
      // Bun keeps the header after decoding, so only a zstd-labelled body is worth peeking into.
      if (/zstd/i.test(response.headers.get("content-encoding") ?? "")) stream = await decodeZstdIfNeeded(stream, watchdog);
    } catch (err) {
      if (stop.aborted) return;
      hasEnded = true;
      yield [{ type: "error", failure: watchdog.failure() ?? { kind: "truncated", message: `The Qwen CN chat2 stream could not be read (${errorName(err)}).` } }];
      return;
    }
    const decoder = req.imageRatio === undefined ? createChat2Decoder(ctx, n) : createChat2ImageDecoder(ctx, n);
    for await (const read of readUpstreamStream(stream, decoder, watchdog, stop, "Qwen CN chat2", ctx.drift)) {
      const batch = req.imageRatio === undefined ? read : await chat2ImageBatchFromSnap(ctx, cn, read, body, stop);
      const last = batch[batch.length - 1];
      if (last?.type === "done" || last?.type === "error") hasEnded = true;
      if (signedWith !== undefined && last?.type === "done") await chat2SignatureAccepted(ctx, cn, signedWith.order);
      if (signedWith !== undefined && last?.type === "error" && last.failure.tag === "fixed_refusal") chat2RefusedByReply(ctx, cn, signedWith.order);
      yield batch;
    }
  } catch (err) {
    // Adapters never throw (DESIGN.md): anything unforeseen ends the reply as an error event.
    if (!hasEnded && !stop.aborted) yield [{ type: "error", failure: { kind: "upstream", message: `The Qwen CN chat2 request failed (${ctx.redact(errorName(err))}).` } }];
  } finally {
    watchdog.clear();
    if (mayHaveSession) chat2DeleteSession(ctx, cn, sessionId);
  }
}

async function chat2ModelList(ctx: Chat2Context): Promise<UpstreamModel[] | undefined> {
  const account = ctx.accounts.cn.list[0];
  if (account === undefined) return undefined;
  try {
    const response = await ctx.fetch(`${ctx.config.cnApiUrl}/api/v1/model/list`, {
      account,
      headers: { ...chat2BaseHeaders(ctx.config, account), accept: "application/json, text/plain, */*" },
      signal: AbortSignal.timeout(MODEL_LIST_TIMEOUT_MS),
      redirect: "manual",
    });
    const answer = await classifyAnswer(response, {
      label: "the chat2 model list",
      // The list's wrapper is not on record; accept `data` as the array or an object holding it.
      success: (json): unknown[] | undefined => {
        const data = json.data;
        const inner = asRecord(data);
        return Array.isArray(data) ? data : [inner?.list, inner?.models, inner?.modelList].find(Array.isArray);
      },
      errorOf: (json) => chat2FailureFromJson(ctx, json, account.number),
      expected: "a model list",
      maxChars: 4 * 1024 * 1024,
    });
    if ("failure" in answer) {
      ctx.debug(`cn chat2 model list unavailable: ${answer.failure.message}`);
      return undefined;
    }
    const entries = answer.value;
    const list: UpstreamModel[] = [];
    for (const raw of entries) {
      const entry = asRecord(raw);
      if (!entry || typeof entry.modelCode !== "string" || entry.modelCode === "" || entry.show === false) continue;
      list.push({
        id: entry.modelCode,
        displayName: typeof entry.displayModelName === "string" ? entry.displayModelName : undefined,
        // chat2 takes deep_search and enable_search on every model; the list says nothing about either.
        canThink: true,
        canSearch: true,
      });
    }
    return list;
  } catch (err) {
    ctx.debug(`cn chat2 model list unavailable: ${errorName(err)}`);
    return undefined;
  }
}

function chat2NewestOf(live: UpstreamModel[] | undefined, family: Chat2Family): string {
  let best: UpstreamModel | undefined;
  for (const model of live ?? []) {
    if (family.pattern.test(model.id) && (best === undefined || chat2CodeVersion(model.id) > chat2CodeVersion(best.id))) best = model;
  }
  return best?.id ?? family.fallback;
}

async function chat2Probe(ctx: Chat2Context, account: Account): Promise<ProbeResult> {
  const { config } = ctx;
  const cn = ctx.accounts.cn.get(account.number);
  if (cn === undefined) return "unknown";
  try {
    const response = await ctx.fetch(`${config.cnChatUrl}/api/v1/user/info?${queryString(chat2CommonQuery(config, cn, Date.now()))}`, {
      account: cn,
      headers: { ...chat2BaseHeaders(config, cn), accept: "application/json, text/plain, */*" },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      redirect: "manual",
    });
    // 401 is logged out; 403 is a block, not a logout (idx:59093046342), so it proves nothing about the cookie.
    if (response.status === 401) {
      response.body?.cancel().catch(() => {});
      return "dead";
    }
    let jsonFailure: UpstreamFailure | undefined;
    const answer = await classifyAnswer(response, {
      label: `the liveness probe of ${chat2Label(account.number)}`,
      success: (json) => {
        jsonFailure = chat2FailureFromJson(ctx, json, account.number);
        return jsonFailure === undefined && json.success !== false ? true : undefined;
      },
      errorOf: (json) => jsonFailure ?? chat2FailureFromJson(ctx, json, account.number),
      maxChars: CHAT2_SMALL_BODY_CHARS,
    });
    if ("value" in answer) return "alive";
    return answer.failure.kind === "auth" && response.status !== 403 ? "dead" : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * What `--check` says an account is served with: the signing order and
 * whether it was forced (CN_SIGN_ORDER), learned (an accepted signature or
 * a finished reply, kept in the store) or not confirmed yet; and the signing device's origin
 * (a registration, or the page's material from CN_ACCOUNT_<n>_SCENES).
 */
async function chat2ProtocolDetails(ctx: Chat2Context, account: Account): Promise<string[]> {
  const cn = ctx.config.cnAccounts.find((a) => a.number === account.number);
  if (cn === undefined) return [];
  if (!ctx.config.cnSigning) return ["requests unsigned (CN_SIGNING=off; the site answers those with a fixed refusal)"];
  const signer = chat2SignerOf(ctx, cn);
  const order = await chat2OrderOf(ctx, signer);
  const how = ctx.config.cnSignOrder !== "auto" ? "forced by CN_SIGN_ORDER" : signer.isOrderKnown ? "learned" : order === CHAT2_DEFAULT_SIGN_ORDER ? "default, not confirmed yet" : "tried after a refusal, not confirmed yet";
  const record = (await chat2StoredDevice(ctx, signer, true))?.value;
  const device = record?.device;
  let origin: string;
  if (device === undefined) {
    origin = cn.scenes === undefined ? "none yet (one is registered at the first request)" : `none yet (the page's material in CN_ACCOUNT_${cn.number}_SCENES is used first)`;
  } else {
    const salts = await ctx.store.length(chat2SaltsKey(signer, device, "chat"));
    const hours = Math.max(0, (device.chat.deadline - Date.now()) / 3_600_000);
    origin = `${record?.source === "page" ? `the page's material (CN_ACCOUNT_${cn.number}_SCENES)` : "a registered device"}, ${salts} salts left, token good for ${hours.toFixed(1)} h`;
  }
  return [`sign order ${order} (${how})`, `signing device: ${origin}`];
}

/** A client's model name as a chat2 `modelCode`: the user's aliases, the live list, the friendly families, legacy `tongyi-*` ids. */
function chat2ResolveModel(userAliases: ReadonlyMap<string, string>, name: string, live: UpstreamModel[] | undefined): string | undefined {
  const lower = name.toLowerCase();
  const userTarget = userAliases.get(lower);
  if (userTarget !== undefined) return /^tongyi-/i.test(userTarget) ? chat2NewestOf(live, CHAT2_FAMILIES[chat2FamilyOfLegacyId(userTarget.toLowerCase())]) : userTarget;
  const liveMatch = findLiveModel(live, lower);
  if (liveMatch) return liveMatch.id;
  const family = CHAT2_ALIASES.get(lower);
  if (family !== undefined) return chat2NewestOf(live, CHAT2_FAMILIES[family]);
  if (lower.startsWith("tongyi-")) return chat2NewestOf(live, CHAT2_FAMILIES[chat2FamilyOfLegacyId(lower)]);
  // Without a live list there is nothing to check a Qwen code against: let the upstream judge.
  return live === undefined && lower.startsWith("qwen") ? name : undefined;
}

export function createCnChat2Adapter(options: AdapterOptions): UpstreamAdapter {
  const { config } = options;
  const ctx: Chat2Context = { ...options, signers: new Map(), clockOffsets: new Map(), deleteRequests: new WeakMap() };
  // A number used again is a new account: its signer and clock offset start afresh.
  options.accounts.cn.onRemove((account) => {
    ctx.signers.delete(account.number);
    ctx.clockOffsets.delete(account.number);
  });

  // Names the user remapped with MODEL_ALIASES win over the chat2 aliases; the
  // /dialog defaults in the same table are `tongyi-*` ids, translated below.
  const userAliases = new Map<string, string>();
  for (const [alias, target] of config.aliases) {
    if (DEFAULT_CN_ALIASES.get(alias) !== target) userAliases.set(alias, target);
  }

  return {
    ...cnAdapterBase(config, options.accounts),
    complete: (req, account, stop) => chat2Complete(ctx, req, account, stop),
    liveModels: createModelCache(() => chat2ModelList(ctx)),
    resolveModel: (name, live) => chat2ResolveModel(userAliases, name, live),
    aliasNames: () => [...CHAT2_ALIASES.keys(), ...userAliases.keys()],
    probe: (account) => chat2Probe(ctx, account),
    protocolDetails: (account) => chat2ProtocolDetails(ctx, account),
  };
}

// ── Upstream: CN chat2 images ───────────────────────────────────────────────
//
// Client images on the mainland site (UPSTREAMS-2026-11 §3.3, from carzygod's
// `qianwen_web_upload.go` and a Chat2API-WXS note, not from captures): per
// image, a signed `POST {res}/1/oss_token` (the `workspace_api` scene's token
// and salts when the registration split them per scene) grants one object;
// the bytes go to `PUT {host}/{object}` with the granted `authorization` and
// headers; `POST {res}/1/oss/callback` registers the upload and names its CDN
// URL; the chat body then carries one `image/url` item per image before the
// text. Image bytes are never logged.

/** A chat2 message item for one uploaded image (§3.3 step 4). */
interface Chat2ImageItem {
  mime_type: "image/url";
  content: string;
  meta_data: { resource_infos: Array<{ id: string; url: string; width: number; height: number; file_format: string; file_name: string; file_size: number }> };
  status: "complete";
}

/** Width and height from a PNG, GIF, BMP or JPEG header; 0 × 0 when the header says nothing readable (WebP, damaged). */
export function imageDimensions(data: Uint8Array): { width: number; height: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const at = (i: number, n: number) => i + n <= data.byteLength;
  if (at(0, 24) && data[0] === 0x89 && String.fromCharCode(...data.subarray(12, 16)) === "IHDR") return { width: view.getUint32(16), height: view.getUint32(20) };
  if (at(0, 10) && data[0] === 0x47 && data[1] === 0x49) return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  if (at(0, 26) && data[0] === 0x42 && data[1] === 0x4d) return { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
  if (data[0] === 0xff && data[1] === 0xd8) {
    for (let i = 2; at(i, 9) && data[i] === 0xff; ) {
      const marker = data[i + 1] ?? 0;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { width: view.getUint16(i + 7), height: view.getUint16(i + 5) };
      i += 2 + view.getUint16(i + 2);
    }
  }
  return { width: 0, height: 0 };
}

/** One JSON answer of the upload host: `data` when `code` is 0 (or absent with `success`), else a failure naming the step. */
async function chat2ResAnswer(ctx: Chat2Context, response: Response, step: string, n: number): Promise<{ data: Record<string, unknown> } | { failure: UpstreamFailure }> {
  const isZero = (code: unknown) => code === undefined || code === null || code === 0 || code === "0";
  const answer = await classifyAnswer(response, {
    label: `${step} for ${chat2Label(n)}`,
    refreshHint: chat2RefreshHint(n),
    success: (json) => (isZero(json.code) && isZero(json.error_code) && json.success !== false ? asRecord(json.data) : undefined),
    errorOf: (json, meta) => {
      const failure = chat2FailureFromJson(ctx, json, n);
      if (failure !== undefined) return failure;
      const detail = [redactThenCut(ctx.redact, json.code, 40), redactThenCut(ctx.redact, json.msg ?? json.message, 120)].filter(Boolean).join(" ") || `HTTP ${meta.status}`;
      return { kind: "upstream", message: `Qwen CN refused ${step} for ${chat2Label(n)} (${detail}); the mainland upload flow may have changed.` };
    },
    expected: "JSON with data",
    maxChars: CHAT2_SMALL_BODY_CHARS,
  });
  return "failure" in answer ? answer : { data: answer.value };
}

/** One signed POST to the upload host, answered with `data`; a refused signature is handled as for chat (`chat2SignedCall`). */
async function chat2ResPost(ctx: Chat2Context, account: CnAccount, path: string, body: unknown, step: string, stop: Stop, extraQuery: ReadonlyArray<[string, string]> = []): Promise<{ data: Record<string, unknown> } | { failure: UpstreamFailure }> {
  const text = JSON.stringify(body);
  const options: Chat2CallOptions = { accept: "application/json, text/plain, */*", scene: "workspace", extraQuery };
  const result = await chat2SignedCall(ctx, account, `${ctx.config.cnResUrl}${path}`, text, options, stop, (prepared) => chat2ResSend(ctx, account, prepared, text, step, stop), (answer) =>
    chat2Verdict("failure" in answer ? answer.failure : undefined),
  );
  return "kind" in result ? { failure: result } : result;
}

async function chat2ResSend(ctx: Chat2Context, account: CnAccount, prepared: Chat2Prepared, text: string, step: string, stop: Stop): Promise<{ data: Record<string, unknown> } | { failure: UpstreamFailure }> {
  let response: Response;
  try {
    response = await ctx.fetch(prepared.url, { account, method: "POST", headers: prepared.headers, body: text, redirect: "manual", signal: AbortSignal.any([stop.signal, AbortSignal.timeout(ctx.config.upstreamLimits.connectMs)]) });
  } catch (err) {
    return { failure: { kind: "upstream", message: `Could not reach Qwen CN's upload host ${hostOf(ctx.config.cnResUrl)} for ${step} (${errorName(err)}); check QWEN_CN_RES_URL.` } };
  }
  try {
    return await chat2ResAnswer(ctx, response, step, account.number);
  } catch (err) {
    return { failure: { kind: "upstream", message: `Qwen CN's answer to ${step} for ${chat2Label(account.number)} broke off (${errorName(err)}).` } };
  }
}

const stringField = (record: Record<string, unknown>, ...names: string[]) => names.map((name) => record[name]).find((value): value is string => typeof value === "string" && value !== "");

/** Uploads one image through oss_token → PUT → callback (§3.3 steps 1–3); the chat item for it. */
async function chat2UploadImage(ctx: Chat2Context, account: CnAccount, image: LoadedImage, stop: Stop): Promise<Chat2ImageItem | UpstreamFailure> {
  const n = account.number;
  const format = IMAGE_MEDIA_TYPES.get(image.mediaType) ?? "png";
  const fileName = `${randomUUID()}.${format}`;
  const md5 = new Bun.CryptoHasher("md5").update(image.data);
  const md5Base64 = md5.copy().digest("base64");
  const md5Hex = md5.digest("hex");
  const granted = await chat2ResPost(ctx, account, "/1/oss_token", { file_name: fileName, content_type: "application/octet-stream", content_md5: md5Base64, size: image.data.byteLength }, "the upload grant (oss_token)", stop);
  if ("failure" in granted) return granted.failure;
  const grant = granted.data;
  const host = stringField(grant, "host")?.replace(/\/+$/, "");
  const object = stringField(grant, "object")?.replace(/^\/+/, "");
  const authorization = stringField(grant, "authorization");
  const bucket = stringField(grant, "bucket") ?? "";
  const endpoint = stringField(grant, "endpoint") ?? "";
  if (host === undefined || object === undefined || authorization === undefined) {
    const missing = Object.entries({ host, object, authorization }).filter(([, v]) => v === undefined).map(([k]) => k);
    return { kind: "upstream", message: `Qwen CN's upload grant for ${chat2Label(n)} lacked ${missing.join(", ")}; the mainland upload flow may have changed.` };
  }
  const headers: Record<string, string> = { authorization, "content-md5": md5Base64, "content-type": "application/octet-stream" };
  for (const raw of Array.isArray(grant.oss_headers) ? grant.oss_headers : []) {
    const entry = asRecord(raw);
    if (typeof entry?.key === "string" && entry.key !== "" && typeof entry.value === "string") headers[entry.key.toLowerCase()] = entry.value;
  }
  const reqId = randomUUID();
  const putUrl = `${/^https?:\/\//i.test(host) ? host : `https://${host}`}/${ossEncodeKey(object)}?req_id=${reqId}&biz_id=ai_qwen`;
  let put: Response;
  try {
    put = await ctx.fetch(putUrl, { account, method: "PUT", headers, body: image.data, redirect: "manual", signal: AbortSignal.any([stop.signal, AbortSignal.timeout(OSS_TIMEOUT_MS)]) });
  } catch (err) {
    return { kind: "upstream", message: `The image upload for ${image.label} to Qwen CN's storage failed (${errorName(err)}).` };
  }
  if (put.status !== 200) {
    const text = await readTextCapped(put, MAX_ERROR_BODY_CHARS).catch(() => "");
    const code = /<Code>([^<]{1,80})<\/Code>/.exec(text)?.[1] ?? "no code";
    return { kind: "upstream", message: `Qwen CN's storage refused the upload of ${image.label} (HTTP ${put.status}, ${code}).` };
  }
  put.body?.cancel().catch(() => {});
  const called = await chat2ResPost(
    ctx,
    account,
    "/1/oss/callback",
    { file_md5: md5Hex, file_name: fileName, file_type: format.toUpperCase(), bucket, endpoint, object, entry: "qwen_pc" },
    "the upload callback",
    stop,
    [["req_id", reqId]],
  );
  if ("failure" in called) return called.failure;
  const callback = called.data;
  const url = stringField(callback, "material_cdn_url", "material_url");
  const id = stringField(callback, "ws_gid") ?? (typeof callback.ws_gid === "number" ? String(callback.ws_gid) : undefined);
  if (url === undefined) return { kind: "upstream", message: `Qwen CN's upload callback for ${image.label} named no material URL; the mainland upload flow may have changed.` };
  ctx.debug(`images: ${logField(image.label)} uploaded for ${chat2Label(n)} (${image.data.byteLength} bytes)`);
  const { width, height } = imageDimensions(image.data);
  return {
    mime_type: "image/url",
    content: url,
    meta_data: { resource_infos: [{ id: id ?? "", url, width, height, file_format: format, file_name: fileName, file_size: image.data.byteLength }] },
    status: "complete",
  };
}

/** Every image of the request, one after another; the first failure ends it. */
async function chat2UploadImages(ctx: Chat2Context, account: CnAccount, images: readonly LoadedImage[], stop: Stop, watchdog: Pick<Watchdog, "pause" | "resume">): Promise<Chat2ImageItem[] | UpstreamFailure> {
  if (images.length === 0) return [];
  const items: Chat2ImageItem[] = [];
  // Uploads have their own limits; the connect timeout is meant for the chat request.
  watchdog.pause();
  try {
    for (const image of images) {
      const item = await chat2UploadImage(ctx, account, image, stop);
      if ("kind" in item) return item;
      items.push(item);
    }
  } finally {
    watchdog.resume();
  }
  return items;
}

// Image generation (§3.4, carzygod `submitImage`): the same signed chat
// request with `ai_tool_scene:"zaodian_generate_image"` and a `biz_data`
// string naming the prompt and ratio. The picture's URL is taken from any
// frame that holds one; a stream that ends without one is followed by
// `POST {chat}/api/v1/chat/snap` with the same payload, CN_IMAGE_POLL_MS apart,
// for at most 130 s' worth of tries at the documented 5 s.

/** §3.4: 130 s of polling at 5 s. */
const CHAT2_IMAGE_POLL_TRIES = 26;
/** A picture's URL: http(s) and an image file name (the site's look like `https://workspace-zb-cdn.qianwen.com/…png`). */
const CHAT2_IMAGE_URL = /^https?:\/\/[^\s"'<>]+\.(?:png|jpe?g|webp|gif)(?:\?[^\s"'<>]*)?$/i;

/** chat2 takes 1:1, 9:16 and 16:9 as asked; any other ratio becomes its default 3:4 (§3.4). */
export const chat2ImageRatio = (ratio: ImageRatio): string => (ratio === "1:1" || ratio === "9:16" || ratio === "16:9" ? ratio : "3:4");

/** The chat body plus §3.4's image fields; the prompt is the flattened conversation, as for chat. */
function chat2ImageBody(config: Config, req: UpstreamRequest, sessionId: string, reqId: string): string {
  const bizData = {
    req: { rootModel: "qwen2", prompt: req.prompt, originPrompt: req.prompt, negativePrompt: "", params: { size: chat2ImageRatio(req.imageRatio ?? "1:1"), features: ["qwen_image_2"] } },
    bizScene: "genImage",
  };
  const base = JSON.parse(chat2Body(config, { ...req, thinking: false, search: false }, sessionId, reqId)) as Record<string, unknown>;
  return JSON.stringify({ ...base, ai_tool_scene: "zaodian_generate_image", biz_data: JSON.stringify(bizData) });
}

/** Every picture URL anywhere in a chat2 JSON value (frames and snap answers alike; their exact shape is not on record). */
function chat2ImageUrlsIn(value: unknown, found: string[] = [], depth = 0): string[] {
  if (depth > 16) return found;
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (CHAT2_IMAGE_URL.test(trimmed) && !found.includes(trimmed)) found.push(trimmed);
    else if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      // Some fields carry JSON as a string (biz_data does).
      const inner = jsonRecordOf(trimmed);
      if (inner !== undefined) chat2ImageUrlsIn(inner, found, depth + 1);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) chat2ImageUrlsIn(item, found, depth + 1);
  } else if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) chat2ImageUrlsIn(child, found, depth + 1);
  }
  return found;
}

/** A generation's frames: picture URLs collected from any of them, one Markdown text at the end. */
function createChat2ImageDecoder(ctx: Chat2Context, n: number): StreamDecoder {
  const urls: string[] = [];
  let isComplete = false;
  const finish = (out: NeutralEvent[]): NeutralEvent => {
    if (urls.length > 0) {
      out.push({ type: "text", text: urls.map(imageMarkdown).join("\n\n") });
      return { type: "done", reason: "stop" };
    }
    // Tagged: the adapter then polls snap (chat2ImageBatchFromSnap).
    return { type: "error", failure: { kind: "truncated", message: "The Qwen CN image generation ended without an image URL, and polling the chat brought none either; try again.", tag: "missing_image" } };
  };
  return {
    isImageGeneration: true,
    failureOf: (json) => chat2FailureFromJson(ctx, json, n),
    onJson(json, out) {
      const data = asRecord(json.data);
      chat2ImageUrlsIn(data?.messages, urls);
      const messages = Array.isArray(data?.messages) ? data.messages.map(asRecord) : [];
      if (messages.some((m) => m?.mime_type === "multi_load/iframe" && m.status === "complete")) isComplete = true;
      return isComplete ? finish(out) : undefined;
    },
    onNamedEvent(event, data, out) {
      if (event === "complete") return finish(out);
      if (event === "error") {
        const json = jsonRecordOf(data);
        return { type: "error", failure: (json && chat2FailureFromJson(ctx, json, n)) ?? { kind: "upstream", message: `Qwen CN (chat2) sent an error event (${ctx.redact(data.slice(0, 200))}).` } };
      }
      return undefined;
    },
    onEnd: (out) => finish(out),
  };
}

/** One snap poll: its status and body, or a refused signature or unreachable host as a failure. */
/** One snap poll, read by `classifyAnswer`: the answer's `data`, or what refused it (a refused signature is tagged, as for chat). */
async function chat2SnapSend(ctx: Chat2Context, account: CnAccount, prepared: Chat2Prepared, body: string, stop: Stop): Promise<{ data: unknown } | UpstreamFailure> {
  const n = account.number;
  let response: Response;
  try {
    response = await ctx.fetch(prepared.url, { account, method: "POST", headers: prepared.headers, body, redirect: "manual", signal: AbortSignal.any([stop.signal, AbortSignal.timeout(ctx.config.upstreamLimits.connectMs)]) });
  } catch (err) {
    return { kind: "upstream", message: `Qwen CN's image poll failed (${errorName(err)}).` };
  }
  const answer = await classifyAnswer(response, {
    label: `the image poll for ${chat2Label(n)}`,
    refreshHint: chat2RefreshHint(n),
    success: (json) => (chat2FailureFromJson(ctx, json, n) === undefined ? { data: json.data } : undefined),
    errorOf: (json) => chat2FailureFromJson(ctx, json, n),
    maxChars: 8 * 1024 * 1024,
  });
  return "failure" in answer ? answer.failure : answer.value;
}

/** A generation batch that ended without a picture, completed by polling `POST {chat}/api/v1/chat/snap` with the same payload. */
async function chat2ImageBatchFromSnap(ctx: Chat2Context, account: CnAccount, batch: EventBatch, body: string, stop: Stop): Promise<EventBatch> {
  const last = batch[batch.length - 1];
  if (last?.type !== "error" || last.failure.tag !== "missing_image") return batch;
  const head = batch.slice(0, -1);
  for (let i = 0; i < CHAT2_IMAGE_POLL_TRIES && !stop.aborted; i++) {
    await Bun.sleep(ctx.config.cnImagePollMs);
    const answer = await chat2SignedCall(
      ctx,
      account,
      `${ctx.config.cnChatUrl}/api/v1/chat/snap`,
      body,
      { accept: "application/json, text/plain, */*" },
      stop,
      (prepared) => chat2SnapSend(ctx, account, prepared, body, stop),
      (result) => chat2Verdict("kind" in result ? result : undefined),
    );
    // A plain upstream failure may pass on the next poll; anything about the account or its signing ends the wait.
    if ("kind" in answer) {
      if (answer.kind !== "upstream" || answer.tag === "signature_refused") return [...head, { type: "error", failure: answer }];
      continue;
    }
    const urls = chat2ImageUrlsIn(answer.data);
    if (urls.length > 0) return [...head, { type: "text", text: urls.map(imageMarkdown).join("\n\n") }, { type: "done", reason: "stop" }];
  }
  return batch;
}

// ── Upstream: INTL (chat.qwen.ai, v2 API) ───────────────────────────────────

/** The browser the INTL requests look like; peers send Chrome 145–153 (UPSTREAMS-2026-11 §2.2). */
const INTL_CHROME_MAJOR = 153;
const INTL_USER_AGENT = `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${INTL_CHROME_MAJOR}.0.0.0 Safari/537.36`;
/** auth.qwen.ai's `version` header, from the front-end bundle a peer checked on 2026-09-29 (UPSTREAMS-2026-11 §2.1). */
const INTL_AUTH_CLIENT_VERSION = "0.3.12";
/** A token is renewed this long before its `exp` at most; a short-lived one at a fifth of its lifetime before. */
const TOKEN_RENEW_MARGIN_MS = 120_000;
/** After a failed renewal, requests reuse its answer this long instead of asking the auth host again. */
const TOKEN_RENEW_BACKOFF_MS = 5_000;
const AUTH_TIMEOUT_MS = 15_000;
/** How long a process waits for another's renewal of a shared account (its lock's lease too), and how often it looks. */
const INTL_RENEW_WAIT_MS = AUTH_TIMEOUT_MS * 2;
const INTL_RENEW_POLL_MS = 50;
/** A `RateLimited` rest is capped here whatever its `num` says. */
const MAX_QUOTA_REST_SEC = 24 * 3600;

/** `exp` and `iat` of a JWT in milliseconds; undefined when the token is not a readable JWT. */
function jwtTimes(token: string): { expMs?: number; iatMs?: number } {
  const payload = token.split(".")[1];
  if (payload === undefined) return {};
  try {
    const claims = asRecord(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
    const seconds = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? { ms: value * 1000 } : undefined);
    const exp = seconds(claims?.exp);
    const iat = seconds(claims?.iat);
    return { ...(exp ? { expMs: exp.ms } : {}), ...(iat ? { iatMs: iat.ms } : {}) };
  } catch {
    return {};
  }
}

/** `name=value` pairs of every Set-Cookie header of a response. */
function setCookies(headers: Headers): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const line of headers.getSetCookie()) {
    const first = line.split(";")[0] ?? "";
    const eq = first.indexOf("=");
    if (eq > 0) pairs.push([first.slice(0, eq).trim(), first.slice(eq + 1).trim()]);
  }
  return pairs;
}

const textOf = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** Auth headers for one upstream call, and the token they carry (to tell a later rejection which token it was). */
type IntlAuth = { token: string; headers: Record<string, string> };

/**
 * One INTL account's credentials and their lifecycle (DESIGN "Credentials
 * have a lifecycle"). A request asks only for current headers. The access
 * token, pasted or learned, is renewed ahead of its `exp`, and at once when
 * the upstream refuses it: with the refresh token (which rotates: the newest
 * is kept) and, when that fails, by signing in again with e-mail and
 * password. At most one renewal is in flight; concurrent requests await it.
 */
/** What the messages recommend for a chat.qwen.ai account: credentials qwenplug renews by itself (a pasted token lasts about 15 minutes). */
const intlRecommendedVars = (n: number): string => `INTL_ACCOUNT_${n}_REFRESH_TOKEN with INTL_ACCOUNT_${n}_EMAIL and INTL_ACCOUNT_${n}_PASSWORD`;

interface IntlCredentials {
  current(): Promise<IntlAuth | { failure: UpstreamFailure }>;
  /** After the upstream refused `token`: renews unless that already happened since. Undefined means: try again. */
  renewAfterRejection(token: string): Promise<UpstreamFailure | undefined>;
  /** Whether a refresh token or e-mail and password can produce new tokens. */
  readonly canRenew: boolean;
  /** The variable(s) a user fixes when this account cannot log in. */
  readonly variable: string;
}

/** Headers the auth host checks ("Missing origin" / "Invalid request header" without them). */
const intlAuthHostHeaders = (base: string): Record<string, string> => ({
  accept: "application/json",
  "content-type": "application/json",
  "accept-language": "zh-CN,zh;q=0.9,en;q=0.8",
  "user-agent": INTL_USER_AGENT,
  origin: base,
  referer: `${base}/`,
  "x-request-origin": base,
  version: INTL_AUTH_CLIENT_VERSION,
  source: "web",
  timezone: browserTimezone(),
  "x-request-id": randomUUID(),
  "sec-fetch-dest": "empty",
  "sec-fetch-mode": "cors",
  "sec-fetch-site": "same-site",
});

type IntlAuthAnswer<T> = { value: T } | { failure: UpstreamFailure; isFinal: boolean };

/** A rate-limited auth host is asked again after its Retry-After, else after this; nothing was spent (UPSTREAMS-2026-12 I1). */
const AUTH_RATE_DEFAULT_SEC = 5;
/** Whatever Retry-After the auth host names, a renewal is tried again within this. */
const AUTH_RATE_MAX_SEC = 60;

/**
 * One auth call, read by `classifyAnswer`: `success` is the call's success
 * shape; refusals are read by their codes (`intlAuthRefusal`); an HTML page is
 * browser verification. A network error, redirect, non-JSON answer or
 * unknown refusal (`upstream`) is one a fallback route may retry; any other
 * kind is final.
 */
async function intlAuthCall<T>(
  options: AdapterOptions,
  n: number,
  url: string,
  init: RequestInit,
  what: string,
  refreshHint: string,
  success: (json: Record<string, unknown>, meta: AnswerMeta) => T | undefined,
  dead: (said: string) => UpstreamFailure,
): Promise<IntlAuthAnswer<T>> {
  const host = new URL(url).host;
  let response: Response;
  try {
    response = await options.fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(AUTH_TIMEOUT_MS) });
  } catch (err) {
    return { failure: { kind: "upstream", message: `Could not reach Qwen's ${what} at ${host} for INTL account ${n} (${errorName(err)}).` }, isFinal: false };
  }
  const classified = await classifyAnswer(response, {
    label: `the ${what} at ${host} for INTL account ${n}`,
    refreshHint,
    success,
    errorOf: (json, meta) => intlAuthRefusal(options, json, meta, `the ${what} of INTL account ${n} at ${host}`, dead),
    html: "verification",
    expected: "a JSON answer",
    rateDefaultSec: AUTH_RATE_DEFAULT_SEC,
    rateMaxSec: AUTH_RATE_MAX_SEC,
  });
  if ("failure" in classified) return { failure: classified.failure, isFinal: classified.failure.kind !== "upstream" };
  return { value: classified.value };
}

const intlSaidBy = (redact: (text: string) => string, json: Record<string, unknown>) => {
  const data = asRecord(json.data);
  const said = [data?.code ?? json.code, data?.details ?? data?.message ?? json.message ?? json.msg].filter((x): x is string => typeof x === "string" && x !== "");
  return redactThenCut(redact, said.join(": ") || "no details", 200);
};

/** Codes and texts of a dead session at the auth host (I1): the credential itself is refused. */
const INTL_DEAD_SESSION = /^(unauthori[sz]ed|forbidden|invalid[_ ]?token|token[_ ]?(expired|revoked|invalid))$/i;
const INTL_DEAD_SESSION_TEXT = /令牌已撤销|重新登录|invalid token|token (has )?(expired|been revoked)|incorrect email or password/i;

/**
 * An auth-host refusal by its code (UPSTREAMS-2026-12 I1): `RateLimited` or
 * HTTP 429 spent nothing (`rate`, a short back-off); `Bad_Request` is about
 * the request's headers (`upstream`, naming the version header); a dead
 * credential (Unauthorized, forbidden, invalid token, 令牌已撤销) is `dead`;
 * any other refusal is `upstream`, counted as drift.
 */
function intlAuthRefusal(options: AdapterOptions, json: Record<string, unknown>, meta: AnswerMeta, call: string, dead: (said: string) => UpstreamFailure): UpstreamFailure | undefined {
  const data = asRecord(json.data);
  const code = textOf(data?.code) ?? textOf(json.code) ?? "";
  const said = intlSaidBy(options.redact, json);
  if (meta.status === 429 || /^rate_?limit/i.test(code)) {
    const seconds = retryAfterSeconds(meta.headers, AUTH_RATE_DEFAULT_SEC, AUTH_RATE_MAX_SEC);
    return { kind: "rate", message: `Qwen rate-limited ${call} (${said}); nothing was spent, the refresh token is kept, and qwenplug asks again in ${seconds} s.`, retryAfterSec: seconds };
  }
  if (/^bad_?request$/i.test(code)) {
    return {
      kind: "upstream",
      message: `Qwen refused ${call} as a bad request (${said}): the auth host checks the browser headers, and the \`version\` header qwenplug sends there (${INTL_AUTH_CLIENT_VERSION}, INTL_AUTH_CLIENT_VERSION in index.ts) may be out of date.`,
    };
  }
  if (INTL_DEAD_SESSION.test(code) || INTL_DEAD_SESSION_TEXT.test(said)) return dead(said);
  if (json.success === false || meta.status >= 400) {
    options.drift.note("unknown error code", said);
    return { kind: "upstream", message: `Qwen refused ${call} with an answer qwenplug does not know (${said}); nothing is discarded, it is tried again shortly.` };
  }
  return undefined;
}

/** What a renewal brings: the new access token, a rotated refresh token if one came, and the session's other cookies. */
interface IntlGrant {
  access: string;
  refreshToken: string | undefined;
  cookies: Array<[string, string]>;
}

/** A grant in a 2xx auth answer (`data.access_token`, `data.token`, `token`, or the `token` cookie) with its refresh token; undefined when it holds none. */
function intlGrantOf(json: Record<string, unknown>, meta: AnswerMeta): IntlGrant | undefined {
  if (json.success === false) return undefined;
  const data = asRecord(json.data);
  const cookies = setCookies(meta.headers);
  const cookieMap = new Map(cookies);
  const access = textOf(data?.access_token) ?? textOf(data?.token) ?? textOf(json.token) ?? cookieMap.get("token");
  if (access === undefined) return undefined;
  return { access, refreshToken: textOf(data?.refresh_token) ?? cookieMap.get("refresh_token"), cookies };
}

/** `GET {auth}/api/v2/auths/refresh` with the refresh_token cookie → a new access token and a rotated refresh token. */
async function intlRefresh(options: AdapterOptions, account: IntlAccount, current: string): Promise<IntlGrant | UpstreamFailure> {
  const { config } = options;
  const n = account.number;
  const v = `INTL_ACCOUNT_${n}`;
  const canSignIn = account.email !== undefined && account.password !== undefined;
  const hint = `Copy a fresh refresh_token cookie from chat.qwen.ai into ${v}_REFRESH_TOKEN${canSignIn ? "" : `, or set ${v}_EMAIL and ${v}_PASSWORD`}, then restart qwenplug.`;
  const answer = await intlAuthCall(
    options,
    n,
    `${config.intlAuthBaseUrl}/api/v2/auths/refresh`,
    { method: "GET", headers: { ...intlAuthHostHeaders(config.intlBaseUrl), cookie: `refresh_token=${current}` } },
    "token refresh",
    hint,
    intlGrantOf,
    (said) => ({ kind: "auth", message: `Qwen refused to renew the token of INTL account ${n} (${said}): the refresh token is spent, expired or revoked. ${hint}`, retryAfterSec: AUTH_COOLDOWN_SEC }),
  );
  if ("failure" in answer) return answer.failure;
  // Only the access token and the rotated refresh token are taken from a refresh answer.
  return { ...answer.value, cookies: [] };
}

/** Signs in at the auth host, then the chat host's v2 and v1 routes (UPSTREAMS-2026-11 §2.1); a clear refusal ends the search. */
async function intlSignIn(options: AdapterOptions, n: number, email: string, password: string): Promise<IntlGrant | UpstreamFailure | undefined> {
  const { config } = options;
  const base = config.intlBaseUrl;
  const v = `INTL_ACCOUNT_${n}`;
  const body = JSON.stringify({ email, password: new Bun.CryptoHasher("sha256").update(password).digest("hex") });
  const authHostHeaders = () => intlAuthHostHeaders(base);
  const chatHostHeaders = (): Record<string, string> => ({
    ...authHostHeaders(),
    version: config.intlVersion,
    "sec-fetch-site": "same-origin",
    referer: `${base}/auth`,
  });
  const routes: Array<[string, () => Record<string, string>]> = [
    [`${config.intlAuthBaseUrl}/api/v2/auths/signin`, authHostHeaders],
    [`${base}/api/v2/auths/signin`, chatHostHeaders],
    [`${base}/api/v1/auths/signin`, chatHostHeaders],
  ];
  const hint = `Check ${v}_EMAIL and ${v}_PASSWORD (the password as typed on chat.qwen.ai), then restart qwenplug.`;
  const refused = (said: string): UpstreamFailure => ({ kind: "auth", message: `Qwen refused to sign in INTL account ${n} (${said}); ${hint.charAt(0).toLowerCase()}${hint.slice(1)}`, retryAfterSec: AUTH_COOLDOWN_SEC });
  let failure: UpstreamFailure | undefined;
  for (const [url, headers] of routes) {
    const answer = await intlAuthCall(options, n, url, { method: "POST", headers: headers(), body }, "sign-in", hint, intlGrantOf, refused);
    if ("value" in answer) return answer.value;
    failure = answer.failure;
    if (answer.isFinal) return failure;
  }
  return failure;
}

/**
 * New tokens for an INTL account, the cheapest way that works: its current
 * refresh token; when the auth host says that one is dead, the configured one
 * (a user may have pasted a newer one: `fellBackTo`); then e-mail and
 * password. A rate-limited refresh spent nothing, so it signs nothing in.
 * Never throws.
 */
async function intlObtainGrant(options: AdapterOptions, account: IntlAccount, refreshToken: string | undefined): Promise<({ grant: IntlGrant; how: string } | { failure: UpstreamFailure }) & { fellBackTo?: string }> {
  const n = account.number;
  let failure: UpstreamFailure | undefined;
  let fellBackTo: string | undefined;
  const fell = () => (fellBackTo === undefined ? {} : { fellBackTo });
  try {
    if (refreshToken !== undefined) {
      const refreshed = await intlRefresh(options, account, refreshToken);
      if ("access" in refreshed) return { grant: refreshed, how: "refresh" };
      failure = refreshed;
    }
    if (failure?.kind === "auth" && account.refreshToken !== undefined && account.refreshToken !== refreshToken) {
      options.debug(`INTL account ${n}: the stored refresh token was refused; trying the configured one`);
      fellBackTo = account.refreshToken;
      const refreshed = await intlRefresh(options, account, account.refreshToken);
      if ("access" in refreshed) return { grant: refreshed, how: "refresh", ...fell() };
      failure = refreshed;
    }
    if ((refreshToken === undefined || (failure !== undefined && failure.kind !== "rate")) && account.email !== undefined && account.password !== undefined) {
      const signedIn = await intlSignIn(options, n, account.email, account.password);
      if (signedIn !== undefined && "access" in signedIn) return { grant: signedIn, how: "sign-in", ...fell() };
      // A refused sign-in says more than a refused refresh; a network failure says less.
      if (signedIn !== undefined && !(failure?.kind === "auth" && signedIn.kind !== "auth")) failure = signedIn;
    }
  } catch (err) {
    failure = { kind: "upstream", message: `Renewing the token of INTL account ${n} failed (${errorName(err)}).` };
  }
  return { failure: failure ?? { kind: "auth", message: `INTL account ${n} has no way to renew its token.`, retryAfterSec: AUTH_COOLDOWN_SEC }, ...fell() };
}

/** What the store keeps of an INTL account's session: the newest access token and the rotated refresh token. */
interface IntlStoredTokens {
  access?: string;
  refreshToken?: string;
  obtainedAt: number;
}

/** The store key of an account's tokens: its number and a hash of every credential configured for it. */
const intlStateKey = (account: IntlAccount) =>
  `intl:${account.number}:${sha256([account.token, account.refreshToken, account.email, account.password, account.cookie].map((part) => part ?? "").join("\n")).toString("hex").slice(0, 16)}:tokens`;

function createIntlCredentials(account: IntlAccount, adapterOptions: AdapterOptions): IntlCredentials {
  // Refreshes and sign-ins go out through the account's proxy like its chats.
  const options: AdapterOptions = { ...adapterOptions, fetch: fetchFor(adapterOptions.fetch, account) };
  const { config, debug, addSecret } = options;
  const n = account.number;
  const v = `INTL_ACCOUNT_${n}`;
  const canSignIn = account.email !== undefined && account.password !== undefined;
  const canRenew = account.refreshToken !== undefined || canSignIn;
  const variable = account.refreshToken !== undefined ? `${v}_REFRESH_TOKEN` : canSignIn ? `${v}_EMAIL and ${v}_PASSWORD` : `${v}_TOKEN (it lasts about 15 minutes; better ${intlRecommendedVars(n)})`;
  // The pasted jar, part by part: `token` and `refresh_token` are replaced by the current values;
  // parts without `=` are passed on as they are.
  const jar = account.cookie.split(";").map((part) => part.trim()).filter((part) => part !== "");
  const jarIndex = (name: string) => jar.findIndex((part) => part.slice(0, part.indexOf("=")).trim() === name);
  const setJar = (name: string, value: string) => {
    const index = jarIndex(name);
    if (index >= 0) jar[index] = `${name}=${value}`;
    lastAuth = undefined;
  };

  let token = account.token ?? cookieValue(account.cookie, "token");
  let times = token === undefined ? {} : jwtTimes(token);
  let obtainedAt = Date.now();
  let refreshToken = account.refreshToken;
  let inFlight: Promise<UpstreamFailure | undefined> | undefined;
  // The tokens as the store keeps them (a rotated refresh token outlives a restart and is shared by replicas),
  // keyed by a hash of what was configured, so pasting new credentials starts afresh.
  const stateKey = intlStateKey(account);
  let storedVersion = 0;
  let isStoreRead = false;
  let lastFailure: { at: number; failure: UpstreamFailure } | undefined;
  /** Whether the last failed renewal is recent enough to answer for a new one: its Retry-After when rate-limited, else TOKEN_RENEW_BACKOFF_MS. */
  const isRecentFailure = (last: { at: number; failure: UpstreamFailure }) =>
    Date.now() - last.at < (last.failure.kind === "rate" ? Math.min(last.failure.retryAfterSec ?? AUTH_RATE_DEFAULT_SEC, AUTH_RATE_MAX_SEC) * 1000 : TOKEN_RENEW_BACKOFF_MS);

  const isExpired = () => times.expMs !== undefined && Date.now() >= times.expMs;
  const isNearExpiry = () => {
    if (times.expMs === undefined) return false;
    const lifetime = times.expMs - (times.iatMs ?? obtainedAt);
    return Date.now() >= times.expMs - Math.min(TOKEN_RENEW_MARGIN_MS, Math.max(0, lifetime) / 5);
  };

  /** The last answer, kept while the token and the jar stay as they are: its header templates are made once (`intlHeaderTemplates`). */
  let lastAuth: IntlAuth | undefined;
  function authFor(current: string): IntlAuth {
    if (lastAuth?.token === current) return lastAuth;
    const headers: Record<string, string> = {};
    if (config.intlAuthStyle !== "cookie") headers.authorization = `Bearer ${current}`;
    const parts = jar.filter((part) => !part.startsWith("token="));
    if (config.intlAuthStyle !== "bearer") parts.unshift(`token=${current}`);
    if (parts.length > 0) headers.cookie = parts.join("; ");
    lastAuth = { token: current, headers };
    return lastAuth;
  }

  /** Takes the store's tokens when another process (or this one before a restart) wrote newer ones. */
  async function adoptStored(): Promise<void> {
    const stored = await options.store.get<IntlStoredTokens>(stateKey);
    isStoreRead = true;
    if (stored === undefined || stored.version === storedVersion) return;
    storedVersion = stored.version;
    const { access, refreshToken: storedRefresh } = stored.value;
    if (access !== undefined && access !== token) {
      addSecret(access, `intl#${n} access token`);
      token = access;
      times = jwtTimes(access);
      obtainedAt = stored.value.obtainedAt;
    }
    if (storedRefresh !== undefined && storedRefresh !== refreshToken) {
      addSecret(storedRefresh, `intl#${n} refresh token`);
      refreshToken = storedRefresh;
      setJar("refresh_token", storedRefresh);
    }
  }

  /** Writes the current tokens; when another writer came first, its tokens are the newer ones and are taken instead. */
  async function persist(): Promise<void> {
    const value: IntlStoredTokens = { access: token, refreshToken, obtainedAt };
    const version = await options.store.put(stateKey, value, { ifVersion: storedVersion });
    if (version !== undefined) storedVersion = version;
    else await adoptStored();
  }

  function accept(grant: IntlGrant, how: string): void {
    // The session's other cookies belong with its token ("pair gate", UPSTREAMS-2026-11 §2.1).
    for (const [name, value] of grant.cookies) {
      if (name === "token" || name === "refresh_token") continue;
      if (value.length >= 16) addSecret(value, `intl#${n} cookie ${name}`);
      if (jarIndex(name) >= 0) setJar(name, value);
      else {
        jar.push(`${name}=${value}`);
        lastAuth = undefined;
      }
    }
    const { access: newToken, refreshToken: newRefreshToken } = grant;
    addSecret(newToken, `intl#${n} access token`);
    token = newToken;
    times = jwtTimes(newToken);
    obtainedAt = Date.now();
    if (newRefreshToken !== undefined && newRefreshToken !== refreshToken) {
      addSecret(newRefreshToken, `intl#${n} refresh token`);
      refreshToken = newRefreshToken;
      setJar("refresh_token", newRefreshToken);
    }
    const until = times.expMs === undefined ? "an unknown time" : new Date(times.expMs).toISOString();
    debug(`INTL account ${n}: new token by ${how}, valid until ${until}`);
  }

  /**
   * One renewal across every process sharing the store: under its lock,
   * after reading what another may have renewed meanwhile (a refresh token is
   * spent by its use, so two renewals with it would log the second one out).
   * A process that finds the lock taken waits for the other's tokens.
   */
  async function renewNow(): Promise<UpstreamFailure | undefined> {
    const before = token;
    const deadline = Date.now() + INTL_RENEW_WAIT_MS;
    for (;;) {
      const lock = await options.store.lock(`${stateKey}:renew-lock`, INTL_RENEW_WAIT_MS);
      if (lock !== undefined) {
        try {
          await adoptStored();
          if (token !== undefined && token !== before && !isNearExpiry()) return undefined;
          const failure = await renewWithCredentials();
          if (failure === undefined) await persist();
          return failure;
        } finally {
          await options.store.unlock(`${stateKey}:renew-lock`, lock);
        }
      }
      await Bun.sleep(INTL_RENEW_POLL_MS);
      await adoptStored();
      if (token !== undefined && token !== before && !isNearExpiry()) return undefined;
      if (Date.now() >= deadline) return { kind: "upstream", message: `Another qwenplug instance has been renewing the token of INTL account ${n} for ${INTL_RENEW_WAIT_MS / 1000} s without storing a new one; trying again shortly.`, retryAfterSec: 5 };
    }
  }

  async function renewWithCredentials(): Promise<UpstreamFailure | undefined> {
    const outcome = await intlObtainGrant(options, account, refreshToken);
    if (outcome.fellBackTo !== undefined) {
      refreshToken = outcome.fellBackTo;
      setJar("refresh_token", outcome.fellBackTo);
    }
    if ("grant" in outcome) {
      accept(outcome.grant, outcome.how);
      lastFailure = undefined;
      return undefined;
    }
    lastFailure = { at: Date.now(), failure: outcome.failure };
    debug(`INTL account ${n}: token renewal failed: ${outcome.failure.message}`);
    return outcome.failure;
  }

  const renew = (): Promise<UpstreamFailure | undefined> =>
    (inFlight ??= renewNow().finally(() => {
      inFlight = undefined;
    }));

  return {
    canRenew,
    variable,
    async current() {
      if (!isStoreRead) await adoptStored();
      if (token !== undefined && !isNearExpiry()) return authFor(token);
      if (canRenew) {
        const recent = lastFailure !== undefined && isRecentFailure(lastFailure) ? lastFailure.failure : undefined;
        const failure = recent ?? (await renew());
        // An early renewal that failed still leaves a token that has not expired yet.
        if (token !== undefined && (failure === undefined || !isExpired())) return authFor(token);
        if (failure !== undefined) return { failure };
      }
      if (token !== undefined) return authFor(token); // expired and not renewable: the upstream says so
      return { failure: { kind: "auth", message: `INTL account ${n} has no token; set ${variable}.`, retryAfterSec: AUTH_COOLDOWN_SEC } };
    },
    async renewAfterRejection(rejected) {
      if (!canRenew) return { kind: "auth", message: `INTL account ${n} cannot renew its token; set ${v}_REFRESH_TOKEN.` };
      if (token === rejected) await adoptStored();
      if (token !== rejected && token !== undefined) return undefined;
      if (inFlight === undefined && lastFailure !== undefined && isRecentFailure(lastFailure)) return lastFailure.failure;
      return renew();
    },
  };
}

/**
 * Client names → a model family; the newest live id of that family serves it
 * (UPSTREAMS §5.4). The fallback is used while the live list is unreachable:
 * the model picker of 2026-09-26 (UPSTREAMS-2026-12 I6) offers qwen3.7-plus
 * (its default), qwen3.8-max and qwen3.8-omni-flash.
 */
const INTL_FAMILIES: ReadonlyMap<string, { pattern: RegExp; fallback: string }> = new Map([
  ["max", { pattern: /^qwen([\d.]*)-max$/, fallback: "qwen3.8-max" }],
  ["plus", { pattern: /^qwen([\d.]*)-plus$/, fallback: "qwen3.7-plus" }],
  ["flash", { pattern: /^qwen([\d.]*)-flash$/, fallback: "qwen3.5-flash" }],
  ["omni", { pattern: /^qwen([\d.]*)-omni-flash$/, fallback: "qwen3.8-omni-flash" }],
  ["coder", { pattern: /^qwen([\d.]*)-coder-plus$/, fallback: "qwen3-coder-plus" }],
]);
const INTL_FAMILY_ALIASES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    max: ["qwen-max", "qwen3-max", "qwen-max-latest", "gpt-4o", "gpt-4.1", "o3"],
    // The site's own default model (I6).
    plus: ["qwen-plus", "qwen3-plus", "qwen", "qwen-plus-latest"],
    flash: ["qwen-turbo", "qwen-flash", "gpt-4o-mini", "gpt-3.5-turbo"],
    omni: ["qwen-omni", "qwen-omni-flash", "qwen3-omni-flash", "qwen-omni-turbo"],
    coder: ["qwen3-coder", "qwen-coder"],
  }).flatMap(([family, names]) => names.map((name): [string, string] => [name, family])),
);

/** "3.8" → [3, 8]; compares versions numerically so qwen3.10 beats qwen3.9. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest live id of a family, e.g. qwen3.8-max over qwen3.7-max. */
function newestOfFamily(live: UpstreamModel[], pattern: RegExp): string | undefined {
  let best: { id: string; version: string } | undefined;
  for (const model of live) {
    const match = pattern.exec(model.id.toLowerCase());
    if (!match) continue;
    const version = match[1] || "0";
    if (best === undefined || compareVersions(version, best.version) > 0) best = { id: model.id, version };
  }
  return best?.id;
}

/**
 * The browser's `timezone` header: the current time as Date#toString writes it, without the zone's name
 * (`Tue Sep 22 2026 04:13:35 GMT+0800`). Made once per second (it has no finer part), not per call: toString and the regex cost about 5 µs, three times a chat.
 */
const browserTimezone = (() => {
  let second = Number.NaN;
  let text = "";
  return (nowMs: number = Date.now()): string => {
    const at = Math.floor(nowMs / 1000);
    if (at !== second) {
      second = at;
      text = new Date(at * 1000).toString().replace(/ \(.*\)$/, "");
    }
    return text;
  };
})();

interface IntlSource {
  title: string;
  url: string;
}


/** How long a `RateLimited` answer asks to wait: `num` in the unit its `template` names (hours unless it says minutes). */
function quotaRestSeconds(num: unknown, template: unknown): number {
  const text = typeof template === "string" ? template.toLowerCase() : "";
  const unitSec = /minute|min\b|分钟/.test(text) ? 60 : 3600;
  const count = typeof num === "number" && Number.isFinite(num) && num > 0 ? num : 1;
  return Math.min(MAX_QUOTA_REST_SEC, Math.max(60, count * unitSec));
}

const formatRest = (seconds: number) =>
  seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds < 3600 ? `${Math.ceil(seconds / 60)} min` : `${Math.floor(seconds / 3600)} h ${Math.ceil((seconds % 3600) / 60)} min`;

/** The daily quota's words (UPSTREAMS-2026-12 I6: "You've reached the upper limit for today's usage."), with or without `data.code:"RateLimited"`. */
const INTL_DAILY_QUOTA_TEXT = /upper limit for today|today's usage|今日.{0,8}上限|次数已达上限/i;
/**
 * chat.qwen.ai's day, for a daily quota whose answer names no wait: UTC+8. The
 * reset's zone is not on record; the intl site is served from Singapore and
 * run from Beijing, both UTC+8, so that is the guess.
 */
const INTL_SITE_UTC_OFFSET_H = 8;

/** Seconds from `now` to the next midnight of the site's day (at least a minute). */
export function secondsUntilSiteMidnight(now: number = Date.now()): number {
  const day = 86_400_000;
  const local = now + INTL_SITE_UTC_OFFSET_H * 3_600_000;
  return Math.max(60, Math.ceil(((Math.floor(local / day) + 1) * day - local) / 1000));
}

/** What the INTL steps share: the adapter's options and its per-account and per-model state. */
interface IntlContext extends AdapterOptions {
  credentials: Map<number, IntlCredentials>;
  /** Each credentials answer's header templates (`intlHeaderTemplates`), the account's fixed headers included; gone with the answer. */
  headerTemplates: WeakMap<IntlAuth, IntlHeaderTemplates>;
  /** What the live model list says about thinking, per model id (UPSTREAMS-2026-11 §2.4). */
  thinkingRules: Map<string, { mustThink: boolean; maxBudget?: number }>;
}

const intlLabel = (n: number) => `INTL account ${n}`;
/** An account's credentials, made on first use (and dropped when the account leaves, so a number used again starts afresh). */
function intlCredentialsOf(ctx: IntlContext, account: Account): IntlCredentials {
  let creds = ctx.credentials.get(account.number);
  if (creds === undefined) {
    creds = createIntlCredentials(ctx.accounts.intl.get(account.number) ?? (account as IntlAccount), ctx);
    ctx.credentials.set(account.number, creds);
  }
  return creds;
}
function intlRefreshHint(ctx: IntlContext, n: number): string {
  const creds = ctx.credentials.get(n);
  return creds?.canRenew
    ? `qwenplug could not renew its token; check ${creds.variable}.`
    : `Set ${intlRecommendedVars(n)} so that qwenplug renews the token by itself, and restart qwenplug (a token copied into INTL_ACCOUNT_${n}_TOKEN lasts about 15 minutes).`;
}

/**
 * The Baxia version the web app loads (UPSTREAMS-2026-12 I2: 2.5.37 in a HAR of 2026-09-13, confirmed on
 * 2026-10-04), sent as `bx-v` only beside a `bx-ua` the user supplied. qwenplug never suggests supplying
 * one: a captured `bx-ua` replayed is punished every time (I2); the mechanism stays for those who already do.
 */
const INTL_BX_V = "2.5.37";

/**
 * The constant part of the browser-aligned header set (UPSTREAMS-2026-11 §2.2), built once per account;
 * `bx-v` only beside a user-supplied `bx-ua`, since stale bx-* values invite risk control.
 */
function intlHeaders(config: Config, account: IntlAccount): Record<string, string> {
  const { "bx-v": bxV, ...extra } = account.extraHeaders;
  return {
    "content-type": "application/json",
    accept: "application/json, text/plain, */*",
    "accept-language": "zh-CN,zh;q=0.9,en;q=0.8",
    origin: config.intlBaseUrl,
    "user-agent": INTL_USER_AGENT,
    source: "web",
    version: config.intlVersion,
    "sec-ch-ua": `"Google Chrome";v="${INTL_CHROME_MAJOR}", "Not.A/Brand";v="8", "Chromium";v="${INTL_CHROME_MAJOR}"`,
    "sec-ch-ua-mobile": "?0",
    "sec-ch-ua-platform": '"Windows"',
    "sec-fetch-dest": "empty",
    "sec-fetch-mode": "cors",
    "sec-fetch-site": "same-origin",
    ...extra,
    ...(extra["bx-ua"] === undefined ? {} : { "bx-v": bxV ?? INTL_BX_V }),
  };
}

/**
 * An account's headers with one token, in the order they are sent, for the three kinds of call:
 * `referer`, `timezone` and `x-request-id` hold their places and are set per call.
 */
interface IntlHeaderTemplates {
  plain: Record<string, string>;
  /** The browser asks for JSON even though the answer is an event stream (UPSTREAMS-2026-11 §2.2). */
  completion: Record<string, string>;
  /**
   * `chats/new`'s: always `version`, `x-request-id` and `timezone`, without which it hangs
   * (UPSTREAMS-2026-12 I5); Authorization only with INTL_NEW_CHAT_AUTH=on (then last), since the web page sends
   * none there and its token travels as the `token` cookie (kept with INTL_AUTH_STYLE=bearer).
   */
  newChat: Record<string, string>;
}

/** The templates for one credentials answer, made on its first call (the credentials keep one answer per token). */
function intlHeaderTemplates(ctx: IntlContext, account: Account, auth: IntlAuth): IntlHeaderTemplates {
  let templates = ctx.headerTemplates.get(auth);
  if (templates === undefined) {
    const fixed = intlHeaders(ctx.config, ctx.accounts.intl.get(account.number) ?? (account as IntlAccount));
    const plain: Record<string, string> = { ...fixed, ...auth.headers, referer: "", timezone: "", "x-request-id": "" };
    const { authorization, ...withoutAuth } = plain;
    templates = {
      plain,
      completion: { ...plain, accept: "application/json", "x-accel-buffering": "no" },
      newChat: ctx.config.intlNewChatAuth && authorization !== undefined ? { ...withoutAuth, authorization } : withoutAuth,
    };
    ctx.headerTemplates.set(auth, templates);
  }
  return templates;
}

/** One call's headers: a copy of its template with the referer, the time and a fresh request id. */
function intlHeadersFor(ctx: IntlContext, account: Account, auth: IntlAuth, referer: string, kind: keyof IntlHeaderTemplates = "plain"): Record<string, string> {
  const headers = { ...intlHeaderTemplates(ctx, account, auth)[kind] };
  headers.referer = referer;
  headers.timezone = browserTimezone();
  headers["x-request-id"] = randomUUID();
  return headers;
}

/**
 * An error is `success:false` (code in `data.code` or `code`) or an `error`
 * key, object or string (UPSTREAMS §4.2). Returns the upstream code too, so
 * the caller can react to `Not_Found`.
 */
function intlFailureFromJson(ctx: IntlContext, json: Record<string, unknown>, n: number): (UpstreamFailure & { code?: string }) | undefined {
  // Markers in the error fields only (`ret`, code, msg, …): FAIL_SYS_USER_VALIDATE in a 200 is a silent challenge (I8).
  const antiBot = antiBotIn("", json);
  if (antiBot !== undefined) {
    // UPSTREAMS-2026-12 I3: the check judges the client and its egress, not the account; the pool rests the route.
    const punishUrl = punishUrlOf(json, "");
    const route = routeOf(ctx.config.intlAccounts.find((a) => a.number === n) ?? {}).label;
    const how = antiBot === "silent" ? "silently refused (FAIL_SYS_USER_VALIDATE, no answer)" : "blocked";
    return {
      kind: "waf",
      message:
        `Qwen's anti-bot check (WAF) ${how} ${intlLabel(n)}. It judges the network route (${route}), not the account, so qwenplug rests that route for every account on it instead of trying them one by one.` +
        `${puzzleSentence(punishUrl, errorFieldsText(json))} Wait a few minutes and send fewer parallel requests; accounts with another proxy (INTL_ACCOUNT_<n>_PROXY) are not affected.`,
      retryAfterSec: WAF_COOLDOWN_SEC,
      ...(punishUrl === undefined ? {} : { punishUrl }),
    };
  }
  let code: string | undefined;
  let details = "";
  let num: unknown;
  let template: unknown;
  if (json.success === false) {
    const data = asRecord(json.data);
    code = [data?.code, json.code].find((c): c is string => typeof c === "string");
    details = [data?.details, data?.message, json.details, json.message].find((d): d is string => typeof d === "string" && d !== "") ?? "";
    num = data?.num;
    template = data?.template;
  } else if (json.error !== undefined && json.error !== null) {
    const error = asRecord(json.error);
    if (error === undefined) details = typeof json.error === "string" ? json.error : "";
    else {
      code = [error.code, error.type].find((c): c is string => typeof c === "string");
      details = [error.details, error.message].find((d): d is string => typeof d === "string" && d !== "") ?? "";
    }
  } else {
    return undefined;
  }
  // Redacted whole, then cut: a cut through a quoted secret would leave its start unmatched.
  const said = redactThenCut(ctx.redact, [code, details].filter(Boolean).join(": ") || "no details", 300);
  if (code === "Unauthorized" || code === "unauthorized" || /token has expired/i.test(details)) {
    // Tagged "token_rejected": the credentials renew the token and the request runs once more.
    return { kind: "auth", code, message: `Qwen says ${intlLabel(n)} is not authorized (${said}). ${intlRefreshHint(ctx, n)}`, retryAfterSec: AUTH_COOLDOWN_SEC, tag: "token_rejected" };
  }
  const isDaily = INTL_DAILY_QUOTA_TEXT.test(details);
  switch (isDaily && code !== "RateLimited" && code !== "quota_limit" ? "RateLimited" : code) {
    case "RateLimited": {
      // The wait the answer names (`num` in its template's unit); the daily quota without one waits for the site's midnight.
      const hasWait = typeof num === "number" && Number.isFinite(num) && num > 0;
      const seconds = hasWait || !isDaily ? quotaRestSeconds(num, template) : secondsUntilSiteMidnight();
      const until = hasWait || !isDaily ? `it rests for ${formatRest(seconds)}` : `it rests until the daily reset, midnight UTC+${INTL_SITE_UTC_OFFSET_H} (in ${formatRest(seconds)}; the answer named no time)`;
      return { kind: "quota", code: code ?? "RateLimited", message: `${intlLabel(n)} reached Qwen's ${isDaily ? "daily " : ""}usage limit (${said}); ${until}. Add more accounts or try again later.`, retryAfterSec: seconds };
    }
    case "quota_limit": {
      // Guests' quota (I6).
      const seconds = typeof num === "number" ? quotaRestSeconds(num, template) : isDaily ? secondsUntilSiteMidnight() : 3600;
      return { kind: "quota", code, message: `${intlLabel(n)} ran out of Qwen quota (${said}); it rests for ${formatRest(seconds)}.`, retryAfterSec: seconds };
    }
    case "quotaLimited":
    case "ExceedLimit":
    case "quota_exhausted": {
      const seconds = typeof num === "number" ? quotaRestSeconds(num, template) : 3600;
      return { kind: "quota", code, message: `${intlLabel(n)} ran out of Qwen quota (${said}); it rests for ${formatRest(seconds)}.`, retryAfterSec: seconds };
    }
    case "ParallelLimited":
      return { kind: "rate", code, message: `Qwen allows ${intlLabel(n)} fewer chats at once (${said}); lower ACCOUNT_MAX_IN_FLIGHT or add accounts.`, retryAfterSec: 10 };
    case "Too_Many_Requests":
      return { kind: "rate", code, message: `Qwen rate-limited ${intlLabel(n)} (${said}); slow down.`, retryAfterSec: 60 };
    case "data_inspection_failed":
      return { kind: "content_filter", code, message: `Qwen's content check refused this conversation (${said}).` };
    case "invalid_input":
      return { kind: "bad_request", code, message: `Qwen rejected the input (${said}).` };
    case "Not_Found":
    case "CHAT_NOT_FOUND":
    case "PARENT_NOT_FOUND":
      return { kind: "upstream", code, message: `Qwen INTL lost the chat it had just created (${said}).` };
    case "CHAT_IN_PROGRESS":
      return { kind: "upstream", code, message: `Qwen INTL says another reply is still being written in this chat (${said}); try again.` };
    case "Bad_Request":
      if (/internal error/i.test(details)) return { kind: "upstream", code, message: `Qwen INTL had an internal error (${said}); try again.` };
      return {
        kind: "upstream",
        code,
        message: `Qwen INTL rejected the request (${said}). If every request fails like this, the web app's version header may have moved on: set QWEN_INTL_VERSION.`,
      };
  }
  if (code === "internal_error" && /quota/i.test(details)) {
    return { kind: "quota", code, message: `${intlLabel(n)} ran out of model quota (${said}); it rests for an hour.`, retryAfterSec: 3600 };
  }
  ctx.drift.note("unknown error code", said);
  return { kind: "upstream", code, message: `Qwen INTL answered with an error (${said}).` };
}

function intlDeleteChat(ctx: IntlContext, account: Account, chatId: string): Promise<void> {
  const base = ctx.config.intlBaseUrl;
  return intlCredentialsOf(ctx, account)
    .current()
    .then((auth) => {
      if ("failure" in auth) return;
      return ctx.fetch(`${base}/api/v2/chats/${encodeURIComponent(chatId)}`, {
        account,
        method: "DELETE",
        headers: intlHeadersFor(ctx, account, auth, `${base}/`),
        redirect: "manual",
        signal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS),
      }).then((response) => response.body?.cancel());
    })
    .catch((err: unknown) => ctx.debug(`intl chat delete failed for account ${account.number}: ${errorName(err)}`));
}

const intlChatTypeOf = (config: Config, req: UpstreamRequest) => (req.imageRatio !== undefined ? "t2i" : req.search && config.intlSearchStyle === "chat_type" ? "search" : "t2t");

/** `POST /api/v2/chats/new` with the front end's body (UPSTREAMS-2026-11 §2.3) → the chat id, or why it failed. */
async function intlCreateChat(ctx: IntlContext, req: UpstreamRequest, account: Account, auth: IntlAuth, signal: AbortSignal): Promise<{ chatId: string } | { failure: UpstreamFailure & { code?: string } }> {
  const base = ctx.config.intlBaseUrl;
  const n = account.number;
  const response = await ctx.fetch(`${base}/api/v2/chats/new`, {
    account,
    method: "POST",
    headers: intlHeadersFor(ctx, account, auth, `${base}/c/new-chat`, "newChat"),
    body: JSON.stringify({ chatId: "", models: [req.upstreamModel], project_id: "", timestamp: Date.now(), chat_type: intlChatTypeOf(ctx.config, req), chat_mode: "normal" }),
    redirect: "manual",
    signal,
  });
  const answer = await classifyAnswer(response, {
    label: intlLabel(n),
    refreshHint: intlRefreshHint(ctx, n),
    success: (json) => {
      const id = asRecord(json.data)?.id;
      // The id goes into a URL path and the Referer header: accept only what an id looks like.
      return json.success !== false && typeof id === "string" && /^[\w-]{1,100}$/.test(id) ? id : undefined;
    },
    // intlFailureFromJson's failures carry the upstream code (Not_Found → the chat is created again).
    errorOf: (json) => intlFailureFromJson(ctx, json, n),
    html: "login",
    expected: "a new chat's id",
  });
  return "failure" in answer ? answer : { chatId: answer.value };
}

/** The front-end-aligned completion body (UPSTREAMS-2026-11 §2.4); the client's turns arrive flattened into one message. */
function intlCompletionBody(ctx: IntlContext, req: UpstreamRequest, chatId: string, files: readonly IntlFileRef[] = []): string {
  const { config } = ctx;
  const chatType = intlChatTypeOf(config, req);
  const now = Date.now();
  const rule = ctx.thinkingRules.get(req.upstreamModel);
  // Models whose thinking cannot be skipped answer invalid_input to thinking_enabled:false.
  const isThinking = req.imageRatio === undefined && (req.thinking || rule?.mustThink === true);
  const budget = isThinking && req.thinkingBudget !== undefined ? Math.max(1, Math.min(Math.floor(req.thinkingBudget), rule?.maxBudget ?? Number.MAX_SAFE_INTEGER)) : undefined;
  return JSON.stringify({
    stream: true,
    version: "2.1",
    incremental_output: true,
    chat_id: chatId,
    chatId,
    chat_mode: "normal",
    model: req.upstreamModel,
    parent_id: null,
    parentId: null,
    messages: [
      {
        fid: randomUUID(),
        id: null,
        parentId: null,
        parent_id: null,
        childrenIds: [randomUUID()],
        role: "user",
        content: req.prompt,
        user_action: "chat",
        files,
        status: "completed",
        contentType: "text",
        timestamp: now,
        model: req.upstreamModel,
        models: [req.upstreamModel],
        chat_type: chatType,
        feature_config: {
          thinking_enabled: isThinking,
          output_schema: "phase",
          research_mode: "normal",
          auto_thinking: false,
          thinking_mode: isThinking ? config.intlThinkingModes.on : config.intlThinkingModes.off,
          thinking_format: config.intlThinkingFormat,
          ...(budget === undefined ? {} : { thinking_budget: budget }),
          auto_search: req.search && config.intlSearchStyle === "auto_search",
          instructions: null,
          // The upstream's own tools answer "Tool X does not exists." when enabled (UPSTREAMS §2.5).
          function_calling: false,
          enable_tools: false,
          enable_function_call: false,
          plugins_enabled: false,
        },
        extra: { meta: { subChatType: chatType } },
        sub_chat_type: chatType,
      },
    ],
    timestamp: now,
    ...(req.imageRatio === undefined ? {} : { size: req.imageRatio }),
  });
}

/** Whether an INTL delta brings anything a client would see. */
function intlHasContent(delta: Record<string, unknown>): boolean {
  if (typeof delta.content === "string" && delta.content !== "") return true;
  const extra = asRecord(delta.extra);
  const thought = asRecord(extra?.summary_thought)?.content;
  return Array.isArray(thought) && thought.some((t) => typeof t === "string" && t !== "");
}

/**
 * INTL events (UPSTREAMS §3.3): incremental `answer` and `think` content,
 * cumulative `thinking_summary` arrays, search results in three shapes,
 * usage on most events, and the end at `answer` + `finished` only. A stream
 * may carry two candidate answers interleaved (UPSTREAMS-2026-11 §2.7):
 * only the first `response_id` that brings content is followed.
 */
/** Top-level keys of chat.qwen.ai frames without a delta that are known to carry nothing new. */
const INTL_KNOWN_FRAME_KEYS = new Set(["response.created", "response.info", "response.stopped", "response_id", "usage", "done", "timestamp", "choices", "success", "request_id", "data"]);
/** Phases seen in the wild that carry nothing for a chat client (image generation, deep research, artifacts). */
const INTL_QUIET_PHASES = new Set(["image_gen", "deep_research", "research", "artifacts", "tool_call", "code", "DeepThinking"]);

function createIntlDecoder(ctx: IntlContext, n: number): StreamDecoder {
  const summary = createSummaryDiff();
  const sources: IntlSource[] = [];
  const seenUrls = new Set<string>();
  let usage: Usage | undefined;
  let hasText = false;
  let followedId: string | undefined;
  const addSources = (items: unknown) => {
    if (!Array.isArray(items)) return;
    for (const raw of items) {
      const item = asRecord(raw);
      const url = typeof item?.url === "string" ? item.url : typeof item?.link === "string" ? item.link : "";
      if (url === "" || seenUrls.has(url)) continue;
      seenUrls.add(url);
      sources.push({ url, title: typeof item?.title === "string" && item.title !== "" ? item.title : url });
    }
  };
  const finishEvents = (out: NeutralEvent[]) => {
    if (sources.length > 0) out.push({ type: "sources", sources: [...sources] });
    if (usage) out.push({ type: "usage", usage });
  };
  return {
    onJson(json, out) {
      const failure = intlFailureFromJson(ctx, json, n);
      if (failure) {
        if (failure.kind === "content_filter" && hasText) {
          finishEvents(out);
          return { type: "done", reason: "content_filter" };
        }
        return { type: "error", failure };
      }
      const choices = json.choices;
      const delta = Array.isArray(choices) ? asRecord(asRecord(choices[0])?.delta) : undefined;
      const responseId = typeof json.response_id === "string" ? json.response_id : undefined;
      if (delta !== undefined && responseId !== undefined) {
        if (followedId === undefined && intlHasContent(delta)) followedId = responseId;
        if (followedId !== undefined && responseId !== followedId) return undefined; // another candidate's frame
      }
      const rawUsage = asRecord(json.usage);
      if (rawUsage && typeof rawUsage.input_tokens === "number") {
        const reasoning = asRecord(rawUsage.output_tokens_details)?.reasoning_tokens;
        usage = {
          promptTokens: rawUsage.input_tokens,
          completionTokens: typeof rawUsage.output_tokens === "number" ? rawUsage.output_tokens : 0,
          reasoningTokens: typeof reasoning === "number" ? reasoning : (usage?.reasoningTokens ?? 0),
        };
      }
      if (delta === undefined) {
        // response.created, response.info keep-alives, usage-only frames; anything else is new.
        const unknown = Object.keys(json).filter((key) => !INTL_KNOWN_FRAME_KEYS.has(key));
        if (unknown.length > 0) ctx.drift.note("unknown event shape", `keys: ${unknown.join(", ")}`);
        return undefined;
      }
      const phase = delta.phase;
      const content = typeof delta.content === "string" ? delta.content : "";
      const extra = asRecord(delta.extra);
      if (phase === "answer" || (phase === undefined && delta.role === "assistant")) {
        if (content !== "") {
          hasText = true;
          out.push({ type: "text", text: content });
        }
        if (delta.status === "finished") {
          finishEvents(out);
          return { type: "done", reason: "stop" };
        }
      } else if (phase === "think") {
        if (content !== "") out.push({ type: "reasoning", text: content });
      } else if (phase === "thinking_summary") {
        const thought = asRecord(extra?.summary_thought)?.content;
        const added = Array.isArray(thought) ? summary.next(thought) : "";
        if (added !== "") out.push({ type: "reasoning", text: added });
      } else if (phase === "web_search") {
        addSources(extra?.web_search_info);
        addSources(asRecord(extra?.tool_result)?.docs);
      } else if (phase === "search" || phase === "image_search") {
        // The third shape (UPSTREAMS-2026-11 §2.7): a list, or an object holding one.
        const result = extra?.search_result;
        addSources(Array.isArray(result) ? result : (asRecord(result)?.results ?? asRecord(result)?.docs));
      } else if (typeof phase === "string" && !INTL_QUIET_PHASES.has(phase)) {
        ctx.drift.note("unknown phase", phase);
      }
      return undefined;
    },
    onEnd: () => ({
      type: "error",
      failure: hasText
        ? { kind: "truncated", message: "The Qwen INTL stream ended before the answer finished; the reply may be incomplete." }
        : { kind: "truncated", message: "The Qwen INTL stream ended without an answer (only thinking or nothing); try again." },
    }),
  };
}

type IntlAttemptEnd = { retry: "renew" | "recreate"; failure: UpstreamFailure; token: string } | undefined;

/**
 * What `intlCompletionBody` without files takes at most beyond its strings: its keys, punctuation, two UUIDs,
 * the measuring chat id twice, timestamps and a thinking budget come to about 1,100 bytes (index.test.ts checks it).
 */
export const INTL_BODY_FRAME_BYTES = 2048;
/** JSON writes a UTF-16 unit in at most 6 bytes (`\u001f`). */
const JSON_MAX_BYTES_PER_UNIT = 6;

/** An upper bound of `intlCompletionBody`'s size without files, from its strings' lengths alone. */
export function intlBodyBytesBound(config: Config, req: UpstreamRequest): number {
  const { on, off } = config.intlThinkingModes;
  const units = req.prompt.length + req.upstreamModel.length * 3 + Math.max(on.length, off.length) + config.intlThinkingFormat.length;
  return INTL_BODY_FRAME_BYTES + units * JSON_MAX_BYTES_PER_UNIT;
}

/** Bytes a text takes inside a JSON string (escapes included, quotes not). */
const jsonTextBytes = (text: string) => Buffer.byteLength(JSON.stringify(text)) - 2;
/** What a blank line between parts takes in JSON (`\n\n`). */
const JSON_SEPARATOR_BYTES = 4;
/** Room kept for the document's `files[]` entry and the note that points at it. */
const DOC_REF_RESERVE_BYTES = 2048;
const DOC_NOTE_RESERVE_BYTES = 512;
/** The chat id's place while a body is measured before the chat exists: the same length as a real one. */
const MEASURING_CHAT_ID = "00000000-0000-4000-8000-000000000000";

/**
 * Which parts of a flattened prompt stay inline and which go to the document
 * when the inline text may take `budgetBytes` (JSON-escaped): the newest
 * parts stay, as many as fit, the trailing `Assistant:` always; the system
 * block stays unless it alone leaves no room for the last part; everything
 * older goes to the document, oldest first. Exported for the tests.
 */
export function splitForDocument(parts: readonly string[], headParts: number, budgetBytes: number): { head: string[]; isHeadMoved: boolean; moved: string[]; kept: string[] } {
  const head = parts.slice(0, headParts);
  const body = parts.slice(headParts);
  const headBytes = head.reduce((sum, part) => sum + jsonTextBytes(part) + JSON_SEPARATOR_BYTES, 0);
  const lastBytes = body.length > 0 ? jsonTextBytes(body[body.length - 1] as string) : 0;
  const isHeadMoved = head.length > 0 && headBytes + lastBytes > budgetBytes;
  let room = budgetBytes - (isHeadMoved ? 0 : headBytes);
  let first = body.length;
  while (first > 0) {
    const bytes = jsonTextBytes(body[first - 1] as string) + JSON_SEPARATOR_BYTES;
    // The trailer is a word: it stays whatever the budget.
    const isTrailer = first === body.length && body[first - 1] === "Assistant:";
    if (bytes > room && !isTrailer) break;
    room -= bytes;
    first--;
  }
  return { head, isHeadMoved, moved: [...(isHeadMoved ? head : []), ...body.slice(0, first)], kept: body.slice(first) };
}

/**
 * A completion body that would pass INTL_INLINE_MAX_BYTES draws a silent
 * challenge (UPSTREAMS-2026-12 I8), so, as peers do, the older turns go as an
 * uploaded text document and the newest stay inline, after a note that points
 * at it. A refused upload is a 413 naming the setting (never the silent
 * challenge, never an empty answer); a challenge, a refused token or a rate
 * limit met on the way stays what it is.
 */
async function intlFitBody(
  ctx: IntlContext,
  req: UpstreamRequest,
  files: readonly IntlFileRef[],
  upload: IntlImageContext,
): Promise<{ req: UpstreamRequest; files: readonly IntlFileRef[] } | { failure: UpstreamFailure }> {
  const max = ctx.config.intlInlineMaxBytes;
  if (req.promptParts === undefined || req.imageRatio !== undefined) return { req, files };
  // Most bodies are far below the limit: then a bound says so without building the body twice.
  if (files.length === 0 && intlBodyBytesBound(ctx.config, req) <= max) return { req, files };
  const bodyBytes = Buffer.byteLength(intlCompletionBody(ctx, req, MEASURING_CHAT_ID, files));
  if (bodyBytes <= max) return { req, files };
  const overhead = bodyBytes - jsonTextBytes(req.prompt);
  const split = splitForDocument(req.promptParts.parts, req.promptParts.headParts, max - overhead - DOC_REF_RESERVE_BYTES - DOC_NOTE_RESERVE_BYTES);
  if (split.moved.length === 0) return { req, files };
  const fileName = `conversation-${randomUUID().slice(0, 8)}.txt`;
  const document = `The conversation so far, oldest first. It continues in the message this document came with.\n\n${split.moved.join("\n\n")}`;
  const uploaded = await uploadIntlDocument(document, fileName, upload);
  if ("failure" in uploaded) {
    const { failure } = uploaded;
    if (["waf", "auth", "rate", "quota", "timeout", "busy"].includes(failure.kind) || failure.tag !== undefined) return uploaded;
    return {
      failure: {
        kind: "too_large",
        message:
          `This request's chat.qwen.ai body would be ${bodyBytes} bytes, over INTL_INLINE_MAX_BYTES (${max}): bodies over about 128 KB draw a silent anti-bot challenge, ` +
          `so qwenplug sends the older turns as an uploaded document, and that upload failed: ${failure.message} ` +
          "Shorten the conversation (or lower PROMPT_MAX_CHARS so that old turns are dropped), or raise INTL_INLINE_MAX_BYTES to send it inline and risk the challenge.",
      },
    };
  }
  const where = split.kept.length > 0 ? "then continue with the turns below" : "then answer its last turn";
  const note = `[The earlier part of this conversation${split.isHeadMoved ? ", its instructions included," : ""} is in the attached document ${fileName} (${split.moved.length} part${split.moved.length === 1 ? "" : "s"}, oldest first). Read it first as if it were written here, ${where}.]`;
  const prompt = [...(split.isHeadMoved ? [] : split.head), note, ...split.kept].join("\n\n");
  ctx.debug(`long context: ${upload.accountLabel}'s body would be ${bodyBytes} bytes (INTL_INLINE_MAX_BYTES ${max}); ${split.moved.length} part(s) went to ${fileName}, ${split.kept.length} stay inline`);
  return { req: { ...req, prompt }, files: [...files, uploaded] };
}

/** One create-chat + completion round; ends with a terminal event, or with a reason to run again. */
async function* intlAttempt(ctx: IntlContext, req: UpstreamRequest, account: Account, watchdog: Watchdog, stop: Stop, chatIds: string[]): AsyncGenerator<EventBatch, IntlAttemptEnd> {
  const base = ctx.config.intlBaseUrl;
  const n = account.number;
  const auth = await intlCredentialsOf(ctx, account).current();
  if ("failure" in auth) {
    yield [{ type: "error", failure: auth.failure }];
    return undefined;
  }
  const retryFor = (failure: UpstreamFailure, code?: string, status?: number): IntlAttemptEnd => {
    if (failure.tag === "token_rejected" || status === 401) return { retry: "renew", failure, token: auth.token };
    if (code === "Not_Found" || code === "CHAT_NOT_FOUND" || code === "PARENT_NOT_FOUND") return { retry: "recreate", failure, token: auth.token };
    return undefined;
  };
  let response: Response;
  const imageContext: IntlImageContext = { config: ctx.config, fetch: fetchFor(ctx.fetch, account), headers: () => intlHeadersFor(ctx, account, auth, `${base}/`), failureFromJson: (json: Record<string, unknown>) => intlFailureFromJson(ctx, json, n), signal: watchdog.signal, watchdog, accountLabel: intlLabel(n), debug: ctx.debug, drift: ctx.drift };
  let chatId = "";
  try {
    const images = req.images === undefined || req.images.length === 0 ? { files: [] } : await uploadIntlImages(req.images, imageContext);
    // A body over INTL_INLINE_MAX_BYTES sends its older turns as a document (I8).
    const uploaded = "failure" in images ? images : await intlFitBody(ctx, req, images.files, imageContext);
    if ("failure" in uploaded) {
      const again = retryFor(uploaded.failure);
      if (again) return again;
      yield [{ type: "error", failure: uploaded.failure }];
      return undefined;
    }
    const sent = uploaded.req;
    // A client that leaves while the chat is being made does not wait for it: it is made (within CLEANUP_TIMEOUT_MS) and deleted in the background.
    const grace = cleanupGrace(watchdog, stop);
    const creating = intlCreateChat(ctx, req, account, auth, grace.signal);
    const created = await unlessAborted(creating, stop).catch((err: unknown) => {
      grace.release();
      throw err;
    });
    if (created === undefined) {
      ctx.inBackground(
        creating
          .then((made) => ("chatId" in made ? intlDeleteChat(ctx, account, made.chatId) : undefined))
          .catch((err: unknown) => ctx.debug(`intl chat made after the client left was not deleted (account ${n}): ${errorName(err)}`))
          .finally(grace.release),
      );
      return undefined;
    }
    grace.release();
    if ("failure" in created) {
      const again = retryFor(created.failure, created.failure.code);
      if (again) return again;
      yield [{ type: "error", failure: created.failure }];
      return undefined;
    }
    chatIds.push(created.chatId);
    chatId = created.chatId;
    response = await ctx.fetch(`${base}/api/v2/chat/completions?chat_id=${encodeURIComponent(created.chatId)}`, {
      account,
      method: "POST",
      headers: intlHeadersFor(ctx, account, auth, `${base}/c/${created.chatId}`, "completion"),
      body: intlCompletionBody(ctx, sent, created.chatId, uploaded.files),
      redirect: "manual",
      signal: watchdog.signal,
    });
  } catch (err) {
    if (stop.aborted) return undefined;
    yield [{ type: "error", failure: watchdog.failure() ?? { kind: "upstream", message: `Could not reach Qwen INTL at ${base} (${errorName(err)}).` } }];
    return undefined;
  }
  const contentType = response.headers.get("content-type") ?? "";
  if (response.status === 200 && contentType.includes("text/event-stream") && response.body !== null) {
    let hasOutput = false;
    const decoder = req.imageRatio === undefined ? createIntlDecoder(ctx, n) : createIntlImageDecoder(imageContext.failureFromJson);
    for await (const read of readUpstreamStream(response.body, decoder, watchdog, stop, "Qwen INTL", ctx.drift)) {
      const batch = req.imageRatio === undefined ? read : await imageBatchFromChat(read, chatId, imageContext);
      const last = batch[batch.length - 1];
      // A token refused as the first stream line: nothing reached the client yet, so the round can run again.
      if (!hasOutput && last?.type === "error" && batch.every((e) => e.type === "error" || e.type === "usage")) {
        const again = retryFor(last.failure);
        if (again) return again;
      }
      hasOutput = true;
      yield batch;
    }
    return undefined;
  }
  let code: string | undefined;
  const failure = await failureFromHttpAnswer(
    response,
    intlLabel(n),
    intlRefreshHint(ctx, n),
    (json) => {
      const found = intlFailureFromJson(ctx, json, n);
      code = found?.code;
      return found;
    },
    watchdog,
  );
  const again = retryFor(failure, code, actualStatus(response));
  if (again) return again;
  yield [{ type: "error", failure }];
  return undefined;
}

/**
 * Never throws: every failure, expected or not, ends as one `error` event.
 * A refused token is renewed and the request runs once more on the same
 * account; a chat that vanished between creation and use is recreated once.
 */
async function* intlComplete(ctx: IntlContext, req: UpstreamRequest, account: Account, stop: Stop): AsyncGenerator<EventBatch> {
  const watchdog = createWatchdog(stop, ctx.config.upstreamLimits);
  const chatIds: string[] = [];
  try {
    let hasRenewed = false;
    let hasRecreated = false;
    for (;;) {
      const end = yield* intlAttempt(ctx, req, account, watchdog, stop, chatIds);
      if (end === undefined) return;
      if (end.retry === "renew" && !hasRenewed && intlCredentialsOf(ctx, account).canRenew) {
        hasRenewed = true;
        const failure = await intlCredentialsOf(ctx, account).renewAfterRejection(end.token);
        if (failure === undefined) continue;
        yield [{ type: "error", failure }];
        return;
      }
      if (end.retry === "recreate" && !hasRecreated) {
        hasRecreated = true;
        continue;
      }
      yield [{ type: "error", failure: end.failure }];
      return;
    }
  } catch (err) {
    if (!stop.aborted) yield [{ type: "error", failure: watchdog.failure() ?? { kind: "upstream", message: `Qwen INTL failed unexpectedly (${errorName(err)}).` } }];
  } finally {
    watchdog.clear();
    for (const chatId of chatIds) intlDeleteChat(ctx, account, chatId);
  }
}

/** Reads a model list answer: `/api/models` gives {data:[…]}, the v2 list {data:{data:[…]}}. */
async function intlFetchModelList(ctx: IntlContext, path: string, auth: IntlAuth, account: Account): Promise<unknown[] | undefined> {
  const base = ctx.config.intlBaseUrl;
  const response = await ctx.fetch(`${base}${path}`, {
    account,
    headers: intlHeadersFor(ctx, account, auth, `${base}/`),
    redirect: "manual",
    signal: AbortSignal.timeout(MODEL_LIST_TIMEOUT_MS),
  });
  const answer = await classifyAnswer(response, {
    label: `the model list ${path}`,
    success: (json): unknown[] | undefined => {
      const data = Array.isArray(json.data) ? json.data : asRecord(json.data)?.data;
      return Array.isArray(data) ? data : undefined;
    },
    errorOf: (json) => intlFailureFromJson(ctx, json, account.number),
    expected: "a model list",
    maxChars: 8 * 1024 * 1024,
  });
  if ("failure" in answer) {
    ctx.debug(`intl model list ${path} unavailable: ${answer.failure.message}`);
    return undefined;
  }
  return answer.value;
}

async function intlModelList(ctx: IntlContext): Promise<UpstreamModel[] | undefined> {
  // Without accounts nothing can be served, so the list is not asked for.
  const account = ctx.accounts.intl.list[0];
  if (account === undefined) return undefined;
  try {
    const auth = await intlCredentialsOf(ctx, account).current();
    if ("failure" in auth) return undefined;
    // The front end's list first; the older route while the v2 one fails.
    let data: unknown[] | undefined;
    try {
      data = await intlFetchModelList(ctx, "/api/v2/models/", auth, account);
    } catch (err) {
      ctx.debug(`intl v2 model list unavailable: ${errorName(err)}`);
    }
    data ??= await intlFetchModelList(ctx, "/api/models", auth, account);
    if (data === undefined) return undefined;
    const list: UpstreamModel[] = [];
    for (const raw of data) {
      const entry = asRecord(raw);
      if (!entry || typeof entry.id !== "string" || entry.is_active === false) continue;
      const meta = asRecord(asRecord(entry.info)?.meta);
      const capabilities = asRecord(meta?.capabilities);
      const abilities = asRecord(meta?.abilities);
      const chatTypes = Array.isArray(meta?.chat_type) ? meta.chat_type : [];
      const mustThink = asRecord(meta?.think_skip)?.enable === false;
      const maxBudget = meta?.max_thinking_generation_length;
      ctx.thinkingRules.set(entry.id, { mustThink, ...(typeof maxBudget === "number" && maxBudget > 0 ? { maxBudget } : {}) });
      list.push({
        id: entry.id,
        displayName: typeof entry.name === "string" ? entry.name : undefined,
        canThink: mustThink || capabilities?.thinking === true || (typeof abilities?.thinking === "number" && abilities.thinking > 0),
        canSearch: chatTypes.includes("search"),
        // Unknown (undefined) when the entry does not say: only a clear "no" refuses a request.
        canSee: capabilities === undefined ? undefined : capabilities.vision === true,
        canDraw: Array.isArray(meta?.chat_type) ? chatTypes.includes("t2i") : undefined,
      });
    }
    return list;
  } catch (err) {
    ctx.debug(`intl model list unavailable: ${errorName(err)}`);
    return undefined;
  }
}

async function intlProbe(ctx: IntlContext, account: Account): Promise<ProbeResult> {
  const base = ctx.config.intlBaseUrl;
  const auth = await intlCredentialsOf(ctx, account).current();
  if ("failure" in auth) return auth.failure.kind === "auth" ? "dead" : "unknown";
  return runProbe(
    () => ctx.fetch(`${base}/api/v1/auths/`, { account, headers: intlHeadersFor(ctx, account, auth, `${base}/`), redirect: "manual", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }),
    (json) => typeof json.role === "string" || typeof json.id === "string",
    (json) => {
      const code = asRecord(json.data)?.code;
      return json.success === false && (code === "Unauthorized" || code === "unauthorized");
    },
  );
}

export function createIntlAdapter(options: AdapterOptions): UpstreamAdapter {
  const { config } = options;
  const credentials = new Map<number, IntlCredentials>();
  for (const account of options.accounts.intl.list) credentials.set(account.number, createIntlCredentials(account, options));
  const ctx: IntlContext = {
    ...options,
    credentials,
    headerTemplates: new WeakMap(),
    thinkingRules: new Map(),
  };
  // A number used again is a new account: its credentials (and with them its header templates) start afresh.
  options.accounts.intl.onRemove((account) => credentials.delete(account.number));

  return {
    name: "intl",
    accounts: options.accounts.intl.list,
    canFailAfterText: true,
    credentialVar: (n) =>
      credentials.get(n)?.variable ?? intlRecommendedVars(n),
    prepare: flattenedRequest(config.promptMaxChars),
    complete: (req, account, stop) => intlComplete(ctx, req, account, stop),
    liveModels: createModelCache(() => intlModelList(ctx)),
    resolveModel(name, live) {
      const lower = name.toLowerCase();
      const userAlias = config.intlAliases.get(lower);
      if (userAlias !== undefined) return userAlias;
      const liveMatch = findLiveModel(live, lower);
      if (liveMatch) return liveMatch.id;
      const familyName = INTL_FAMILY_ALIASES.get(lower);
      const family = familyName === undefined ? undefined : INTL_FAMILIES.get(familyName);
      if (family) return (live && newestOfFamily(live, family.pattern)) ?? family.fallback;
      // Without a live list there is nothing to check against: let the upstream judge.
      return live === undefined ? name : undefined;
    },
    aliasNames: () => [...INTL_FAMILY_ALIASES.keys(), ...config.intlAliases.keys()],
    probe: (account) => intlProbe(ctx, account),
  };
}

/**
 * `thinking_summary` thoughts arrive as an array re-sent in full on every
 * event, with paragraphs appended and the last one growing. Emits each
 * paragraph once, separated by blank lines, and only the growth of the last.
 */
export function createSummaryDiff() {
  const emitted: string[] = [];
  const seen = new Set<string>();
  return {
    next(paragraphs: readonly unknown[]): string {
      let added = "";
      paragraphs.forEach((raw, index) => {
        if (typeof raw !== "string" || raw === "") return;
        if (index === emitted.length) {
          if (seen.has(raw)) return; // the same paragraph again at a new place: never repeat it
          added += (emitted.length > 0 ? "\n\n" : "") + raw;
          emitted.push(raw);
          seen.add(raw);
          return;
        }
        const known = emitted[index];
        if (index === emitted.length - 1 && known !== undefined && raw.length > known.length && raw.startsWith(known)) {
          added += raw.slice(known.length);
          emitted[index] = raw;
          seen.add(raw);
        }
        // Earlier paragraphs are already out; a change to them cannot be taken back.
      });
      return added;
    },
  };
}

// ── Upstream: chat.qwen.ai images ───────────────────────────────────────────
//
// Images in and out of chat.qwen.ai (UPSTREAMS-2026-11 §3.1, §3.2). In: the
// dialects turn image parts into `NeutralImage`s; `attachImages` picks the
// turns IMAGE_HISTORY names, fetches remote ones (qwenplug's own fetch, not an
// upstream call) and checks limits and the model's vision; the INTL adapter
// then asks for STS credentials, PUTs each image to OSS signed by hand, and
// references the uploads in `messages[0].files[]`. Out: a `t2i` chat whose
// `image_gen` phase carries the picture's URL, as Markdown in the text.
// Image bytes are never logged: log lines name images by label and size only.

const IMAGE_MEDIA_TYPES: ReadonlyMap<string, string> = new Map([["image/png", "png"], ["image/jpeg", "jpg"], ["image/webp", "webp"], ["image/gif", "gif"], ["image/bmp", "bmp"]]);
/** The chat-fetch fallback when a t2i stream carries no URL (RFYM, §3.2): this many tries, this far apart. */
const IMAGE_POLL_TRIES = 5;
const IMAGE_POLL_INTERVAL_MS = 800;
const OSS_TIMEOUT_MS = 60_000;

const badImage = (message: string, param: string) => new HttpError(400, message, "invalid_request_error", "invalid_image", param);

/** The type the bytes say they are, whatever a header claimed. */
function sniffImageType(data: Uint8Array): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => data[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (starts(0x42, 0x4d)) return "image/bmp";
  if (starts(0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...data.subarray(8, 12)) === "WEBP") return "image/webp";
  return undefined;
}

/** Standard or URL-safe base64, strictly: a typo should be a 400, not a corrupt upload. */
function decodeBase64(text: string, where: string): Uint8Array {
  const compact = text.replace(/\s+/g, "");
  if (compact === "" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw badImage(`The image at ${where} is not valid base64.`, where);
  return new Uint8Array(Buffer.from(compact, compact.includes("-") || compact.includes("_") ? "base64url" : "base64"));
}

/** An OpenAI chat `image_url` value (`{url}` or a string) or a Responses `input_image`'s `image_url`: a data: URL is decoded now, an http(s) URL fetched later. */
function imageFromUrl(url: unknown, where: string): NeutralImage {
  if (typeof url !== "string" || url === "") throw badImage(`The image part at ${where} has no image URL (a data: or http(s) URL in image_url; file ids are not supported).`, `${where}.image_url`);
  const data = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url);
  if (data !== null) {
    if (data[2] === undefined) throw badImage(`The data: URL at ${where} is not base64; send data:image/png;base64,…`, `${where}.image_url`);
    return { label: where, mediaType: (data[1] ?? "").toLowerCase(), data: decodeBase64(data[3] ?? "", where) };
  }
  if (/^https?:\/\//i.test(url)) return { label: where, url };
  throw badImage(`The image URL at ${where} must be a data: URL or an http(s) URL.`, `${where}.image_url`);
}

/** An Anthropic image block's `source`: `{type:"base64", media_type, data}` or `{type:"url", url}`. */
function anthropicImage(source: unknown, where: string): NeutralImage {
  const s = asRecord(source);
  if (s?.type === "base64" && typeof s.data === "string") return { label: where, mediaType: typeof s.media_type === "string" ? s.media_type.toLowerCase() : "", data: decodeBase64(s.data, where) };
  if (s?.type === "url" && typeof s.url === "string" && /^https?:\/\//i.test(s.url)) return { label: where, url: s.url };
  throw badImage(`The image block at ${where} needs a base64 source (media_type, data) or a url source with an http(s) URL.`, `${where}.source`);
}

/**
 * Which rule refuses an address as an image source, or undefined for a public
 * one (issue 21 #3): loopback, unspecified, private, shared (CGNAT),
 * link-local and unique-local ranges, IPv4-mapped IPv6 forms included.
 */
export function refusedAddressRule(address: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4 !== null) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    if (a === 127) return "a loopback address";
    if (a === 0) return "an unspecified address (0.0.0.0/8)";
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "a private address";
    if (a === 100 && b >= 64 && b <= 127) return "a shared (CGNAT) address";
    if (a === 169 && b === 254) return "a link-local address";
    return undefined;
  }
  let canonical: string;
  try {
    // The URL parser canonicalises IPv6 (lower case, `::`, an embedded IPv4 as two hex groups).
    canonical = new URL(`http://[${address.replace(/^\[|\]$/g, "")}]/`).hostname.slice(1, -1);
  } catch {
    return "an address that cannot be read";
  }
  const [head = "", tail] = canonical.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right].map((g) => Number.parseInt(g, 16));
  const first = groups[0] ?? 0;
  if (groups.slice(0, 7).every((g) => g === 0)) return groups[7] === 1 ? "a loopback address" : groups[7] === 0 ? "an unspecified address" : undefined;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return refusedAddressRule(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if ((first & 0xffc0) === 0xfe80) return "a link-local address";
  if ((first & 0xfe00) === 0xfc00) return "a unique-local address";
  return undefined;
}

/**
 * Resolves an image URL's host and refuses it when any of its addresses is
 * not public, unless IMAGE_FETCH_ALLOW_PRIVATE=1. Not closed by this: fetch
 * resolves the name once more, so a DNS answer that changes in between
 * (rebinding with a zero TTL) can still reach a private address. Pinning the
 * checked address would need connecting to it while keeping the name for the
 * Host header and TLS, which Bun 1.4.5's fetch does not offer for https.
 */
async function refusedImageHost(url: URL): Promise<string | undefined> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    // Imported here, not at start-up: node:dns costs 5 ms to load and only image URLs need it.
    const { lookup } = await import("node:dns/promises");
    addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return `its host name does not resolve${typeof code === "string" ? ` (${code})` : ""}`;
  }
  for (const address of addresses) {
    const rule = refusedAddressRule(address);
    if (rule !== undefined) return `${url.hostname} resolves to ${rule}; set IMAGE_FETCH_ALLOW_PRIVATE=1 to allow`;
  }
  return addresses.length === 0 ? "its host name does not resolve" : undefined;
}

/** What a failed image fetch says: the cause by its system code (Bun 1.4.5 puts ECONNREFUSED and kin in `code`). */
function fetchFailureCause(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const causes: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "the connection was reset",
    ENOTFOUND: "its host name does not resolve",
    ETIMEDOUT: "the connection timed out",
    EHOSTUNREACH: "the host is unreachable",
    ENETUNREACH: "the network is unreachable",
  };
  if (typeof code === "string" && causes[code] !== undefined) return causes[code];
  if (typeof code === "string" && /CERT|TLS|SSL/i.test(code)) return `its TLS certificate was refused (${code})`;
  return errorName(err);
}

/**
 * A remote image, fetched by qwenplug with the client's limits: public
 * addresses only (unless IMAGE_FETCH_ALLOW_PRIVATE=1), no redirects,
 * IMAGE_FETCH_TIMEOUT_MS, IMAGE_MAX_BYTES, an image content type. Global
 * fetch on purpose: this is not an upstream call and carries no account secret.
 */
async function fetchImageBytes(url: string, label: string, limits: Config["images"], take: (bytes: number) => void = () => {}): Promise<{ data: Uint8Array; mediaType: string }> {
  const parsed = URL.parse(url);
  const host = parsed?.host ?? "an unreadable URL";
  const fail = (why: string) => badImage(`The image at ${label} (${host}) could not be fetched: ${why}.`, label);
  if (parsed === null) throw fail("the URL cannot be read");
  if (!limits.allowPrivate) {
    const refused = await refusedImageHost(parsed);
    if (refused !== undefined) throw fail(refused);
  }
  let response: Response;
  const signal = AbortSignal.timeout(limits.fetchTimeoutMs);
  try {
    response = await fetch(url, { redirect: "manual", signal, headers: { accept: "image/*" } });
  } catch (err) {
    throw fail(signal.aborted ? `no answer within ${limits.fetchTimeoutMs} ms (IMAGE_FETCH_TIMEOUT_MS)` : fetchFailureCause(err));
  }
  if (response.status >= 300 && response.status < 400) {
    response.body?.cancel().catch(() => {});
    throw fail(`it redirects (HTTP ${response.status}), and redirects are not followed`);
  }
  const declaredType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (response.status !== 200) {
    response.body?.cancel().catch(() => {});
    throw fail(`HTTP ${response.status}`);
  }
  if (!declaredType.startsWith("image/")) {
    response.body?.cancel().catch(() => {});
    throw fail(`its content type is "${declaredType || "none"}", not an image`);
  }
  if (Number(response.headers.get("content-length") ?? "0") > limits.maxBytes) {
    response.body?.cancel().catch(() => {});
    throw fail(`it is larger than ${limits.maxBytes} bytes (IMAGE_MAX_BYTES)`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    if (response.body !== null) {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > limits.maxBytes) {
          response.body.cancel().catch(() => {});
          throw fail(`it is larger than ${limits.maxBytes} bytes (IMAGE_MAX_BYTES)`);
        }
        try {
          take(chunk.byteLength);
        } catch (err) {
          response.body.cancel().catch(() => {});
          throw err;
        }
        chunks.push(chunk);
      }
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw fail(`the transfer broke off (${errorName(err)})`);
  }
  return { data: new Uint8Array(Buffer.concat(chunks)), mediaType: declaredType };
}

/** One client image, as bytes with a type chat.qwen.ai takes. */
async function loadImage(image: NeutralImage, limits: Config["images"], take: (bytes: number) => void): Promise<LoadedImage> {
  const loaded = image.data !== undefined ? { data: image.data, mediaType: image.mediaType ?? "" } : await fetchImageBytes(image.url ?? "", image.label, limits, take);
  if (loaded.data.byteLength > limits.maxBytes) throw badImage(`The image at ${image.label} is larger than ${limits.maxBytes} bytes (IMAGE_MAX_BYTES).`, image.label);
  if (loaded.data.byteLength === 0) throw badImage(`The image at ${image.label} is empty.`, image.label);
  const sniffed = sniffImageType(loaded.data);
  const mediaType = sniffed ?? (IMAGE_MEDIA_TYPES.has(loaded.mediaType) ? loaded.mediaType : undefined);
  if (mediaType === undefined) throw badImage(`The image at ${image.label} is not a PNG, JPEG, WebP, GIF or BMP image.`, image.label);
  return { label: image.label, mediaType, data: loaded.data };
}

/**
 * One request's share of IMAGE_BYTES_IN_FLIGHT_MAX: fetched image bytes are
 * counted as they arrive and held until the request is over (its images wait
 * with it in the account queue), so that queued requests cannot pile up
 * images without bound (issue 21 #2). `take` throws a 503 past the budget.
 */
interface ImageBudget {
  take(bytes: number): void;
  release(): void;
}

function createImageBudget(app: App): ImageBudget {
  let held = 0;
  let isReleased = false;
  return {
    take(bytes) {
      // A sibling image still arriving after the request failed: stop it rather than count it.
      if (isReleased) throw new Error("the request is over");
      held += bytes;
      app.imageBytesInFlight += bytes;
      if (app.imageBytesInFlight > app.config.images.bytesInFlightMax) {
        throw new HttpError(503, "qwenplug holds too many fetched images for waiting requests (IMAGE_BYTES_IN_FLIGHT_MAX); send it again in a moment.", "upstream_error", "server_busy", null, { "retry-after": "1" });
      }
    },
    release() {
      isReleased = true;
      app.imageBytesInFlight -= held;
      held = 0;
    },
  };
}

/**
 * The images a request sends (the last user turn's, or every turn's with
 * IMAGE_HISTORY=all), loaded and checked: chat.qwen.ai or CN chat2 (not /dialog), at most
 * IMAGE_MAX_PER_REQUEST, and a model whose live entry says it has vision.
 */
async function attachImages(app: App, req: UpstreamRequest, budget: ImageBudget): Promise<UpstreamRequest> {
  const users = req.turns.filter((turn): turn is Extract<NeutralTurn, { role: "user" }> => turn.role === "user");
  const chosen = app.config.images.history === "all" ? users : users.slice(-1);
  const images = chosen.flatMap((turn) => turn.images ?? []);
  if (images.length === 0) return req;
  const first = images[0]?.label ?? "messages";
  if (req.upstream !== "intl" && app.config.cnProtocol !== "chat2") {
    throw new HttpError(400, `Image input works with chat.qwen.ai (intl/…) models and with the mainland site's chat2 protocol; CN_PROTOCOL=dialog has no image upload (${first}).`, "invalid_request_error", "unsupported_content", first);
  }
  if (req.imageRatio !== undefined) throw new HttpError(400, `Image models generate from text; image input (${first}) is not taken with "${req.clientModel}".`, "invalid_request_error", "unsupported_content", first);
  if (images.length > app.config.images.maxPerRequest) {
    throw new HttpError(400, `This request sends ${images.length} images; qwenplug takes at most ${app.config.images.maxPerRequest} (IMAGE_MAX_PER_REQUEST).`, "invalid_request_error", "too_many_images", "messages");
  }
  const live = await app.adapters[req.upstream].liveModels();
  const model = live?.find((m) => m.id === req.upstreamModel);
  if (model !== undefined && model.canSee === false) {
    const seeing = (live ?? []).filter((m) => m.canSee === true).map((m) => m.id);
    throw new HttpError(
      400,
      `The model '${req.clientModel}' (${req.upstreamModel}) does not take images: chat.qwen.ai lists no vision capability for it. ${seeing.length > 0 ? `Models that do: ${seeing.slice(0, 8).join(", ")}.` : "No listed model does right now."}`,
      "invalid_request_error",
      "model_not_vision_capable",
      "model",
    );
  }
  const loaded = await Promise.all(images.map((image) => loadImage(image, app.config.images, budget.take)));
  app.debug(`images: ${loaded.map((image) => `${logField(image.label)}=${image.mediaType},${image.data.byteLength}B`).join(" ")}`);
  return { ...req, images: loaded };
}

/** What the INTL adapter lends the upload: its fetch and headers, its error reading, the request's signal. */
interface IntlImageContext {
  config: Config;
  fetch: UpstreamFetch;
  /** Headers of a chat.qwen.ai API call for this account (auth included). */
  headers: () => Record<string, string>;
  failureFromJson: (json: Record<string, unknown>) => UpstreamFailure | undefined;
  signal: AbortSignal;
  /** The attempt's watchdog: its connect timeout is paused while images upload (each call has its own limit). */
  watchdog: Pick<Watchdog, "pause" | "resume">;
  accountLabel: string;
  debug: (line: string) => void;
  /** Where answers of unknown shape are counted (the document parse's status). */
  drift?: DriftLog;
}

/** `messages[0].files[]` entry, the minimal shape verified on 2026-09-24 (§3.1 step 4). */
interface IntlImageRef {
  type: "image";
  name: string;
  file_type: string;
  showType: "image";
  status: "uploaded";
  file_class: "vision";
  url: string;
}

/**
 * `messages[0].files[]` entry of a parsed text document: the web app's shape as
 * peers send it for long context (Rfym21/Qwen2API `upload.js`, front end
 * 0.2.81; UPSTREAMS-2026-12 I8). `context: "full"` asks for the whole text.
 */
interface IntlDocumentRef {
  type: "file";
  file: {
    created_at: number;
    data: Record<string, never>;
    filename: string;
    hash: null;
    id: string;
    meta: { name: string; size: number; content_type: "text/plain"; parse_meta: { parse_status: "success" } };
    update_at: number;
    name: string;
    size: number;
    type: "text/plain";
  };
  id: string;
  url: string;
  name: string;
  collection_name: "";
  status: "uploaded";
  progress: 100;
  greenNet: "success";
  size: number;
  error: "";
  itemId: string;
  file_type: "text/plain";
  showType: "file";
  file_class: "document";
  context: "full";
}

type IntlFileRef = IntlImageRef | IntlDocumentRef;

/** What one upload asks getstsToken for: the object's name and size, and its kind (`image`, or `file` for a document, as peers send it). */
interface UploadSpec {
  fileName: string;
  size: number;
  fileType: "image" | "file";
}

interface StsGrant {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  bucket: string;
  /** The OSS host suffix, e.g. `oss-ap-southeast-1.aliyuncs.com`. */
  endpoint: string;
  /** The V4 signing region, e.g. `ap-southeast-1`. */
  region: string;
  filePath: string;
  fileUrl: string;
  /** The upload's id (`file_id`), which a document's parse and reference name. */
  fileId?: string;
}

/** `POST /api/v2/files/getstsToken` → credentials for one object (§3.1 step 1; body variant by QWEN_INTL_STS_BODY). */
async function intlStsGrant(spec: UploadSpec, ctx: IntlImageContext): Promise<StsGrant | { failure: UpstreamFailure }> {
  const base = ctx.config.intlBaseUrl;
  const body =
    ctx.config.intlStsBody === "filename"
      ? { filename: spec.fileName, filesize: String(spec.size), filetype: spec.fileType }
      : { file_name: spec.fileName, file_size: spec.size, file_type: spec.fileType };
  let response: Response;
  try {
    response = await ctx.fetch(`${base}/api/v2/files/getstsToken`, {
      method: "POST",
      headers: ctx.headers(),
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.config.upstreamLimits.connectMs)]),
    });
  } catch (err) {
    return { failure: { kind: "upstream", message: `Could not ask Qwen INTL for upload credentials for ${ctx.accountLabel} (${errorName(err)}).` } };
  }
  const answer = await classifyAnswer(response, {
    label: `the upload-credential request (getstsToken) for ${ctx.accountLabel}`,
    // A missing field is named below; an error envelope is not a grant.
    success: (json) => (json.success === false || (json.error !== undefined && json.error !== null) ? undefined : (asRecord(json.data) ?? {})),
    errorOf: ctx.failureFromJson,
    expected: "upload credentials",
  });
  if ("failure" in answer) return answer;
  const data = answer.value;
  const field = (...names: string[]) => names.map((name) => data[name]).find((value): value is string => typeof value === "string" && value !== "");
  const region = field("region");
  const endpoint = field("endpoint")?.replace(/^https?:\/\//, "").replace(/\/+$/, "") ?? (region === undefined ? undefined : `${region.startsWith("oss-") ? region : `oss-${region}`}.aliyuncs.com`);
  const grant = {
    accessKeyId: field("access_key_id", "AccessKeyId"),
    accessKeySecret: field("access_key_secret", "AccessKeySecret"),
    securityToken: field("security_token", "SecurityToken"),
    bucket: field("bucketname", "bucket_name", "bucket"),
    endpoint,
    filePath: field("file_path"),
    fileUrl: field("file_url"),
  };
  const missing = Object.entries(grant).filter(([, value]) => value === undefined).map(([name]) => name);
  if (missing.length > 0) return { failure: { kind: "upstream", message: `Qwen INTL's upload credentials lacked ${missing.join(", ")}; the upload flow may have changed (QWEN_INTL_STS_BODY switches the request's field names).` } };
  const v4Region = (region ?? /^oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/.exec(endpoint ?? "")?.[1] ?? "ap-southeast-1").replace(/^oss-/, "");
  const fileId = field("file_id");
  return { ...(grant as Omit<StsGrant, "region" | "fileId">), region: v4Region, ...(fileId === undefined ? {} : { fileId }) };
}

/** RFC 3986 encoding of an OSS object key, slashes kept. */
const ossEncodeKey = (key: string) => key.split("/").map((part) => encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join("/");

/**
 * The signed headers of an OSS `PUT` (§3.1 step 2). V1: `OSS id:base64(HMAC-SHA1(secret, verb\nmd5\ntype\ndate\nx-oss-headers/bucket/key))`.
 * V4: `OSS4-HMAC-SHA256` over a canonical request with `x-oss-content-sha256: UNSIGNED-PAYLOAD`.
 */
export function ossPutHeaders(grant: Omit<StsGrant, "fileUrl">, contentType: string, signing: "v1" | "v4", now: Date): Record<string, string> {
  const headers: Record<string, string> = { "content-type": contentType, "x-oss-security-token": grant.securityToken };
  if (signing === "v1") {
    const date = now.toUTCString();
    const ossHeaders = Object.entries(headers).filter(([name]) => name.startsWith("x-oss-")).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => `${name}:${value}\n`).join("");
    const toSign = `PUT\n\n${contentType}\n${date}\n${ossHeaders}/${grant.bucket}/${grant.filePath}`;
    const signature = nodeCrypto().createHmac("sha1", grant.accessKeySecret).update(toSign).digest("base64");
    return { ...headers, date, authorization: `OSS ${grant.accessKeyId}:${signature}` };
  }
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = stamp.slice(0, 8);
  const signed: Record<string, string> = { ...headers, "x-oss-content-sha256": "UNSIGNED-PAYLOAD", "x-oss-date": stamp };
  const names = Object.keys(signed).sort();
  const canonical = ["PUT", `/${grant.bucket}/${ossEncodeKey(grant.filePath)}`, "", names.map((name) => `${name}:${(signed[name] as string).trim()}\n`).join(""), "", "UNSIGNED-PAYLOAD"].join("\n");
  const scope = `${day}/${grant.region}/oss/aliyun_v4_request`;
  const toSign = `OSS4-HMAC-SHA256\n${stamp}\n${scope}\n${new Bun.CryptoHasher("sha256").update(canonical).digest("hex")}`;
  const hmac = (key: string | Buffer, text: string) => nodeCrypto().createHmac("sha256", key).update(text).digest();
  const key = hmac(hmac(hmac(hmac(`aliyun_v4${grant.accessKeySecret}`, day), grant.region), "oss"), "aliyun_v4_request");
  const signature = nodeCrypto().createHmac("sha256", key).update(toSign).digest("hex");
  return { ...signed, authorization: `OSS4-HMAC-SHA256 Credential=${grant.accessKeyId}/${scope},Signature=${signature}` };
}

/** Credentials for one object, then its signed PUT (§3.1 steps 1–2); the grant, whose `file_url` and `file_id` the reference names. */
async function intlPutObject(bytes: Uint8Array, contentType: string, spec: UploadSpec, what: string, ctx: IntlImageContext): Promise<StsGrant | { failure: UpstreamFailure }> {
  const grant = await intlStsGrant(spec, ctx);
  if ("failure" in grant) return grant;
  const url = ctx.config.intlOssUrl !== undefined ? `${ctx.config.intlOssUrl}/${grant.bucket}/${ossEncodeKey(grant.filePath)}` : `https://${grant.bucket}.${grant.endpoint}/${ossEncodeKey(grant.filePath)}`;
  let response: Response;
  try {
    response = await ctx.fetch(url, {
      method: "PUT",
      headers: ossPutHeaders(grant, contentType, ctx.config.intlOssSigning, new Date()),
      body: bytes,
      redirect: "manual",
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(OSS_TIMEOUT_MS)]),
    });
  } catch (err) {
    return { failure: { kind: "upstream", message: `The upload of ${what} to Qwen's storage failed (${errorName(err)}).` } };
  }
  if (response.status !== 200) {
    const text = await readTextCapped(response, MAX_ERROR_BODY_CHARS).catch(() => "");
    const code = /<Code>([^<]{1,80})<\/Code>/.exec(text)?.[1] ?? "no code";
    return { failure: { kind: "upstream", message: `Qwen's storage refused the upload of ${what} (HTTP ${response.status}, ${code}); if it says SignatureDoesNotMatch, try QWEN_INTL_OSS_SIGNING=${ctx.config.intlOssSigning === "v1" ? "v4" : "v1"}.` } };
  }
  response.body?.cancel().catch(() => {});
  return grant;
}

/** Uploads one image: credentials, then the signed PUT; the reference for `files[]`. */
async function uploadIntlImage(image: LoadedImage, ctx: IntlImageContext): Promise<IntlImageRef | { failure: UpstreamFailure }> {
  const fileName = `${randomUUID()}.${IMAGE_MEDIA_TYPES.get(image.mediaType) ?? "png"}`;
  const grant = await intlPutObject(image.data, image.mediaType, { fileName, size: image.data.byteLength, fileType: "image" }, image.label, ctx);
  if ("failure" in grant) return grant;
  ctx.debug(`images: ${logField(image.label)} uploaded for ${ctx.accountLabel} (${image.data.byteLength} bytes)`);
  return { type: "image", name: fileName, file_type: image.mediaType, showType: "image", status: "uploaded", file_class: "vision", url: grant.fileUrl };
}

/** A document parse is asked after this often, this many times (peers: 500 ms, 30 tries). */
const DOC_PARSE_POLL_MS = 500;
const DOC_PARSE_TRIES = 30;
const DOC_PARSE_DONE = new Set(["success", "completed", "done", "finished", "parsed"]);
const DOC_PARSE_FAILED = new Set(["failed", "fail", "error"]);
const DOC_PARSE_PENDING = new Set(["", "pending", "parsing", "processing", "running", "waiting", "queued", "queuing", "uploaded", "init"]);

/**
 * Asks chat.qwen.ai to parse an uploaded text document, then polls until it
 * is done (`POST /api/v2/files/parse {file_id}`, `POST
 * /api/v2/files/parse/status {file_id_list}`, as two peers do: Rfym21/Qwen2API
 * `upload.js`, youssefvdel/qwengate 2026-09-13): the model reads a document
 * only once it is parsed, and an unparsed one is silently ignored.
 */
async function intlParseDocument(fileId: string, ctx: IntlImageContext): Promise<{ failure: UpstreamFailure } | undefined> {
  const base = ctx.config.intlBaseUrl;
  const call = async (path: string, body: unknown, what: string) => {
    let response: Response;
    try {
      response = await ctx.fetch(`${base}${path}`, { method: "POST", headers: ctx.headers(), body: JSON.stringify(body), redirect: "manual", signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.config.upstreamLimits.connectMs)]) });
    } catch (err) {
      return { failure: { kind: "upstream", message: `Could not ask Qwen INTL ${what} for ${ctx.accountLabel} (${errorName(err)}).` } as UpstreamFailure };
    }
    return classifyAnswer(response, {
      label: `${what} for ${ctx.accountLabel}`,
      // `success:true` with an error code in `data.code` is the parse service down (a peer's note of 2026-09-09).
      success: (json) => (json.success === false || /error|fail/i.test(String(asRecord(json.data)?.code ?? "")) ? undefined : json),
      errorOf: ctx.failureFromJson,
      expected: `an answer to ${what}`,
    });
  };
  const started = await call("/api/v2/files/parse", { file_id: fileId }, "to parse the conversation document");
  if ("failure" in started) return started;
  for (let i = 0; i < DOC_PARSE_TRIES; i++) {
    const answer = await call("/api/v2/files/parse/status", { file_id_list: [fileId] }, "for the document's parse status");
    if ("failure" in answer) return answer;
    const data = answer.value.data;
    const records = Array.isArray(data) ? data : (asRecord(data)?.list ?? asRecord(data)?.items);
    const list = Array.isArray(records) ? records.map(asRecord).filter((r): r is Record<string, unknown> => r !== undefined) : [];
    const record = list.find((r) => r.file_id === fileId) ?? list[0] ?? asRecord(data);
    const status = String(record?.status ?? record?.parse_status ?? "").toLowerCase();
    if (DOC_PARSE_DONE.has(status)) return undefined;
    if (DOC_PARSE_FAILED.has(status)) {
      const why = [record?.error_msg, record?.message].find((m): m is string => typeof m === "string" && m !== "") ?? status;
      return { failure: { kind: "upstream", message: `Qwen INTL could not parse the conversation document (${why.slice(0, 200)}).` } };
    }
    if (!DOC_PARSE_PENDING.has(status)) ctx.drift?.note("unknown parse status", answer.body);
    if (ctx.signal.aborted) break;
    await Bun.sleep(DOC_PARSE_POLL_MS);
  }
  return { failure: { kind: "upstream", message: `Qwen INTL did not finish parsing the conversation document within ${(DOC_PARSE_TRIES * DOC_PARSE_POLL_MS) / 1000} s.` } };
}

/**
 * A long conversation's older turns as a text document (UPSTREAMS-2026-12
 * I8): credentials with the document type (`filetype:"file"`), the signed
 * PUT as `text/plain`, then the parse; the reference for `files[]`.
 */
async function uploadIntlDocument(text: string, fileName: string, ctx: IntlImageContext): Promise<IntlDocumentRef | { failure: UpstreamFailure }> {
  const bytes = new TextEncoder().encode(text);
  // A document upload, its parse included, may outlast UPSTREAM_CONNECT_TIMEOUT_MS, which is meant for the chat's own calls.
  ctx.watchdog.pause();
  try {
    const grant = await intlPutObject(bytes, "text/plain", { fileName, size: bytes.byteLength, fileType: "file" }, "the conversation document", ctx);
    if ("failure" in grant) return grant;
    if (grant.fileId === undefined) return { failure: { kind: "upstream", message: "Qwen INTL's upload credentials for the conversation document lacked file_id; the upload flow may have changed." } };
    const parsed = await intlParseDocument(grant.fileId, ctx);
    if (parsed !== undefined) return parsed;
    ctx.debug(`long context: ${fileName} (${bytes.byteLength} bytes) uploaded and parsed for ${ctx.accountLabel}`);
    const now = Date.now();
    const size = bytes.byteLength;
    return {
      type: "file",
      file: { created_at: now, data: {}, filename: fileName, hash: null, id: grant.fileId, meta: { name: fileName, size, content_type: "text/plain", parse_meta: { parse_status: "success" } }, update_at: now, name: fileName, size, type: "text/plain" },
      id: grant.fileId,
      url: grant.fileUrl,
      name: fileName,
      collection_name: "",
      status: "uploaded",
      progress: 100,
      greenNet: "success",
      size,
      error: "",
      itemId: grant.fileId,
      file_type: "text/plain",
      showType: "file",
      file_class: "document",
      context: "full",
    };
  } finally {
    ctx.watchdog.resume();
  }
}

/** Every image of the request, uploaded one after another (one STS grant each); the first failure ends it. */
async function uploadIntlImages(images: readonly LoadedImage[], ctx: IntlImageContext): Promise<{ files: IntlFileRef[] } | { failure: UpstreamFailure }> {
  const files: IntlImageRef[] = [];
  // A large upload may outlast UPSTREAM_CONNECT_TIMEOUT_MS, which is meant for the chat's own calls.
  ctx.watchdog.pause();
  try {
    for (const image of images) {
      const file = await uploadIntlImage(image, ctx);
      if ("failure" in file) return file;
      files.push(file);
    }
  } finally {
    ctx.watchdog.resume();
  }
  return { files };
}

const imageMarkdown = (url: string) => `![image](${url})`;

/**
 * A t2i stream (§3.2): `response.info` keep-alives (about every 10 s), then
 * an `image_gen` delta whose content is the picture's full signed URL. The
 * URL becomes one Markdown text event when the phase finishes or the stream
 * ends; with none, the end is marked for the chat-fetch fallback.
 */
function createIntlImageDecoder(failureFrom: (json: Record<string, unknown>) => UpstreamFailure | undefined): StreamDecoder {
  const urls: string[] = [];
  const finish = (out: NeutralEvent[]): NeutralEvent => {
    out.push({ type: "text", text: urls.map(imageMarkdown).join("\n\n") });
    return { type: "done", reason: "stop" };
  };
  return {
    isImageGeneration: true,
    failureOf: failureFrom,
    onJson(json, out) {
      const choices = json.choices;
      const delta = Array.isArray(choices) ? asRecord(asRecord(choices[0])?.delta) : undefined;
      if (delta === undefined) return undefined; // response.created, response.info keep-alives
      const content = typeof delta.content === "string" ? delta.content.trim() : "";
      if (delta.phase === "image_gen" && /^https?:\/\/\S+$/.test(content) && !urls.includes(content)) urls.push(content);
      if (delta.status === "finished" && urls.length > 0) return finish(out);
      return undefined;
    },
    onEnd(out) {
      if (urls.length > 0) return finish(out);
      // Tagged: the adapter then reads the chat instead (imageBatchFromChat).
      return { type: "error", failure: { kind: "truncated", message: "The Qwen INTL image generation ended without an image URL, and the chat held none either; try again.", tag: "missing_image" } };
    },
  };
}

/** The first image URL an `image_gen` (or assistant) message holds in a chat as `GET /api/v2/chats/<id>` returns it. */
function imageUrlInChat(value: unknown, depth = 0): string | undefined {
  if (depth > 12) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = imageUrlInChat(item, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = asRecord(value);
  if (record === undefined) return undefined;
  const content = typeof record.content === "string" ? record.content.trim() : "";
  if ((record.phase === "image_gen" || record.role === "assistant") && /^https?:\/\/\S+$/.test(content)) return content;
  for (const child of Object.values(record)) {
    const found = typeof child === "object" ? imageUrlInChat(child, depth + 1) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * A t2i batch that ended without a URL, completed from the chat itself:
 * `GET /api/v2/chats/<id>` up to IMAGE_POLL_TRIES times, IMAGE_POLL_INTERVAL_MS apart (RFYM, §3.2).
 */
async function imageBatchFromChat(batch: EventBatch, chatId: string, ctx: Pick<IntlImageContext, "config" | "fetch" | "headers" | "signal">): Promise<EventBatch> {
  const last = batch[batch.length - 1];
  if (last?.type !== "error" || last.failure.tag !== "missing_image") return batch;
  const head = batch.slice(0, -1);
  for (let i = 0; i < IMAGE_POLL_TRIES && !ctx.signal.aborted; i++) {
    await Bun.sleep(IMAGE_POLL_INTERVAL_MS);
    try {
      const response = await ctx.fetch(`${ctx.config.intlBaseUrl}/api/v2/chats/${encodeURIComponent(chatId)}`, { headers: ctx.headers(), redirect: "manual", signal: ctx.signal });
      if (response.status !== 200) {
        response.body?.cancel().catch(() => {});
        continue;
      }
      const url = imageUrlInChat(JSON.parse(await readTextCapped(response, 8 * 1024 * 1024)));
      if (url !== undefined) return [...head, { type: "text", text: imageMarkdown(url) }, { type: "done", reason: "stop" }];
    } catch {
      // Try again until the tries run out.
    }
  }
  return batch;
}

/** OpenAI image sizes → t2i ratios (RFYM's table, §3.2); the ratios themselves are accepted too. */
const IMAGE_SIZE_RATIOS: ReadonlyMap<string, ImageRatio> = new Map([
  ...([["1024x1024", "1:1"], ["1536x1024", "4:3"], ["1024x1536", "3:4"], ["1792x1024", "16:9"], ["1024x1792", "9:16"], ["auto", "1:1"]] as const),
  ...(["1:1", "3:4", "4:3", "16:9", "9:16"] as const).map((ratio): [string, ImageRatio] => [ratio, ratio]),
]);

/** A generated picture's bytes for b64_json; a failure here is the upstream's (502), not the client's. */
async function fetchGeneratedImage(url: string, index: number, limits: Config["images"]): Promise<{ data: Uint8Array; mediaType: string }> {
  try {
    return await fetchImageBytes(url, `the generated image ${index}`, limits);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    throw new HttpError(502, `${err.message} Ask for response_format "url" to get the link instead.`, "upstream_error", "upstream_image_unavailable");
  }
}

/** Image URLs in a generated reply's Markdown. */
const imageUrlsInText = (text: string) => [...text.matchAll(/!\[[^\]]*\]\((\S+?)\)/g)].map((m) => m[1] as string);

// ── Account pool ────────────────────────────────────────────────────────────

export type AccountHealth = "healthy" | "cooling" | "invalid";

interface AccountState {
  account: Account;
  /** The egress its calls leave by, shared with every account of this pool on the same proxy (or none). */
  route: RouteState;
  health: AccountHealth;
  inFlight: number;
  /** Cooling: when it may serve again. Invalid: when to check it again. */
  until: number;
  /** Rate/WAF cooldowns double with each failure in a row. */
  strikes: number;
  isProbing: boolean;
  lastFailure?: UpstreamFailure;
  lastErrorAt?: number;
  successes: number;
  failures: Partial<Record<ErrorKind, number>>;
  ttftMs: ReturnType<typeof createSampleWindow>;
  /** When `pick` last chose it (a pool-wide counter, not a time), so ties go to the least recently used. */
  lastUsedAt?: number;
}

/** The last `size` samples, for p50/p95 without keeping every request forever. */
function createSampleWindow(size = 512) {
  const samples: number[] = [];
  let next = 0;
  return {
    add(value: number) {
      if (samples.length < size) samples.push(value);
      else samples[next] = value;
      next = (next + 1) % size;
    },
    percentiles(): { p50: number | null; p95: number | null; samples: number } {
      if (samples.length === 0) return { p50: null, p95: null, samples: 0 };
      const sorted = [...samples].sort((a, b) => a - b);
      const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) * 10) / 10;
      return { p50: at(0.5), p95: at(0.95), samples: sorted.length };
    },
  };
}

/**
 * The egress an account's calls leave by (UPSTREAMS-2026-12 I3: Alibaba's WAF
 * judges the client and its egress IP, not the account): its proxy, named by
 * a hash of the proxy URL, or the direct route. `label` is what /status and
 * --check show: the proxy's host and port, never its credentials.
 */
export function routeOf(account: Pick<Account, "proxy">): { key: string; label: string } {
  if (account.proxy === undefined) return { key: "direct", label: "direct" };
  const url = URL.parse(account.proxy);
  const host = url === null ? "unreadable" : url.port === "" ? url.hostname : `${url.hostname}:${url.port}`;
  return { key: `proxy-${sha256(account.proxy).toString("hex").slice(0, 16)}`, label: `proxy ${host}` };
}

/** A route's rest: an anti-bot challenge on any account using it rests it for all of them. */
interface RouteState {
  key: string;
  label: string;
  /** When calls may leave by it again (0: not resting). */
  until: number;
  /** Challenges in a row (a success through the route clears them); the rest doubles with each. */
  strikes: number;
  lastFailure?: UpstreamFailure;
  /** How many times it was rested since start. */
  rests: number;
}

/** A challenge that belongs to the route, not the account: any anti-bot answer but a refused request signature (a device's, chat2 EX015). */
export const isRouteLevel = (failure: UpstreamFailure) => failure.kind === "waf" && failure.tag !== "signature_refused";

export const isAccountLevel = (failure: UpstreamFailure) =>
  failure.kind === "auth" || failure.kind === "quota" || failure.kind === "rate" || failure.kind === "waf";

/** Failures worth another account when nothing reached the client yet. */
const isRetryable = (failure: UpstreamFailure) =>
  isAccountLevel(failure) || failure.kind === "upstream" || failure.kind === "truncated" || failure.kind === "timeout";

const MAX_BACKOFF_SEC = 3600;
/** The longest any upstream figure may rest an account (a quota's `num` hours included), so no number rests it forever. */
const MAX_REST_SEC = 24 * 3600;
/** Plain upstream failures (5xx, truncated, timeouts) in a row before an account rests, and its first rest. */
const UPSTREAM_STRIKES_BEFORE_REST = 3;
const UPSTREAM_REST_SEC = 30;

/** A finite number of seconds from 1 to MAX_REST_SEC, whatever an upstream said. */
const restSeconds = (seconds: number | undefined, fallback: number): number =>
  Math.min(MAX_REST_SEC, Math.max(1, seconds !== undefined && Number.isFinite(seconds) ? seconds : fallback));

/** How one attempt ended, for the pool's books: an attempt the client aborted counts neither way. */
export type AttemptOutcome = { kind: "success" } | { kind: "failure"; failure: UpstreamFailure } | { kind: "aborted" };

export interface PoolOptions {
  maxInFlight: number;
  queueTimeoutMs: number;
  reprobeMs: number;
  now?: () => number;
  log?: (line: string) => void;
  /** Where cooldowns are shared with other replicas and kept across a restart. */
  store?: StateStore;
  /** How often cooldowns written by others are read (POOL_COOLDOWN_SYNC_MS). */
  syncMs?: number;
}

/** How often a pool reads the cooldowns other replicas wrote: light, and never on the request path. */
const POOL_COOLDOWN_SYNC_MS = 2_000;

/** A rest shared through the state store: `health:<upstream>:<n>`, expiring when the rest ends. Logged-out (invalid) is not shared: each replica probes. */
interface SharedCooldown {
  until: number;
  kind: ErrorKind;
}

/** A route's rest shared through the state store: `route:<upstream>:<key>`, expiring when the rest ends. */
interface SharedRouteRest {
  until: number;
  strikes: number;
  punishUrl?: string;
}

function newAccountState(account: Account, route: RouteState): AccountState {
  return {
    account,
    route,
    health: "healthy",
    inFlight: 0,
    until: 0,
    strikes: 0,
    isProbing: false,
    successes: 0,
    failures: {},
    ttftMs: createSampleWindow(),
  };
}

/** An account's health after a liveness check; an inconclusive check leaves it as it was, or re-probes an invalid one later. */
function applyProbeResult(state: AccountState, result: ProbeResult, t: number, reprobeMs: number): void {
  if (result === "alive") {
    state.health = "healthy";
    state.until = 0;
    state.strikes = 0;
  } else if (result === "dead") {
    state.health = "invalid";
    state.until = t + reprobeMs;
    // /status shows why, even when no request failed on it (the start-up probe found it logged out).
    if (state.lastFailure?.kind !== "auth") {
      state.lastFailure = { kind: "auth", message: "the liveness check found it logged out" };
      state.lastErrorAt = t;
    }
  } else if (state.health === "invalid") {
    state.until = t + reprobeMs;
  }
}

/** An account's health after a failure: rate, quota, WAF and repeated plain failures rest it, with backoff. */
function restAfterFailure(state: AccountState, failure: UpstreamFailure, t: number): void {
  if (state.health === "invalid") return;
  const isPlain = !isAccountLevel(failure);
  if (isPlain && !isRetryable(failure)) return; // the request's fault (bad input, content filter), not the account's
  state.strikes++;
  let seconds: number;
  if (failure.kind === "quota") seconds = restSeconds(failure.retryAfterSec, 3600);
  else if (isPlain) {
    if (state.strikes < UPSTREAM_STRIKES_BEFORE_REST) return;
    seconds = Math.min(MAX_BACKOFF_SEC, UPSTREAM_REST_SEC * 2 ** (state.strikes - UPSTREAM_STRIKES_BEFORE_REST));
  } else seconds = Math.min(MAX_BACKOFF_SEC, restSeconds(failure.retryAfterSec, 60) * 2 ** (state.strikes - 1));
  state.health = "cooling";
  state.until = Math.max(state.until, t + seconds * 1000);
}

/**
 * A route's rest after an anti-bot challenge: the answer's Retry-After (else
 * WAF_COOLDOWN_SEC), doubling with each challenge in a row up to an hour.
 * Challenges that arrive while it already rests (the same incident, met by
 * other requests in flight) add no strike.
 */
function restRoute(route: RouteState, failure: UpstreamFailure, t: number): void {
  if (route.until <= t) {
    route.strikes++;
    route.rests++;
  }
  const seconds = Math.min(MAX_BACKOFF_SEC, restSeconds(failure.retryAfterSec, WAF_COOLDOWN_SEC) * 2 ** (Math.max(1, route.strikes) - 1));
  route.until = Math.max(route.until, t + seconds * 1000);
  route.lastFailure = failure;
}

/**
 * Books a failure on an account and rests it as its kind says; true when a
 * liveness call must decide (an auth failure rests the account meanwhile, so
 * one blip does not mark it logged out). An anti-bot challenge rests the
 * account's route instead, never the account: the challenge belongs to the
 * egress (UPSTREAMS-2026-12 I3).
 */
function recordFailure(state: AccountState, failure: UpstreamFailure, t: number): boolean {
  state.failures[failure.kind] = (state.failures[failure.kind] ?? 0) + 1;
  state.lastFailure = failure;
  state.lastErrorAt = t;
  if (isRouteLevel(failure)) {
    restRoute(state.route, failure, t);
    return false;
  }
  if (failure.kind !== "auth") {
    restAfterFailure(state, failure, t);
    return false;
  }
  if (state.health === "healthy") {
    state.health = "cooling";
    state.until = t + restSeconds(failure.retryAfterSec, AUTH_COOLDOWN_SEC) * 1000;
  }
  return true;
}

/**
 * Requests waiting for a slot, oldest first. A freed slot wakes the oldest
 * waiter that may use that account (waking all would make every waiter
 * re-queue on every release); a change of health wakes all.
 */
function createWaitQueue() {
  const waiters: Array<{ exclude: ReadonlySet<number>; wake: () => void }> = [];
  return {
    /** Resolves when woken, after `ms`, or when `stop` aborts. */
    wait(exclude: ReadonlySet<number>, ms: number, stop: Stop): Promise<void> {
      return new Promise<void>((resolve) => {
        const waiter = { exclude, wake: () => done() };
        const done = () => {
          clearTimeout(timer);
          off();
          const index = waiters.indexOf(waiter);
          if (index !== -1) waiters.splice(index, 1);
          resolve();
        };
        const timer = setTimeout(done, ms);
        const off = stop.onAbort(done);
        waiters.push(waiter);
      });
    },
    wakeFor(number: number): void {
      waiters.find((w) => !w.exclude.has(number))?.wake();
    },
    wakeAll(): void {
      for (const waiter of [...waiters]) waiter.wake();
    },
  };
}

const routeWaitSec = (route: RouteState, t: number) => Math.max(0, Math.ceil((route.until - t) / 1000));

/** What /status shows of an account: numbers and states, never secrets. `route` is its egress (a proxy's host, or "direct"), `route_resting_s` how long that rests. */
function accountSnapshot(state: AccountState, t: number) {
  const routeWait = routeWaitSec(state.route, t);
  return {
    number: state.account.number,
    state: state.health,
    route: state.route.label,
    route_resting_s: routeWait,
    in_flight: state.inFlight,
    successes: state.successes,
    failures: state.failures,
    last_error_kind: state.lastFailure?.kind ?? null,
    last_error_at: state.lastErrorAt === undefined ? null : new Date(state.lastErrorAt).toISOString(),
    available_in_s: Math.max(routeWait, state.health === "healthy" ? 0 : Math.max(0, Math.ceil((state.until - t) / 1000))),
    ttft_ms: state.ttftMs.percentiles(),
  };
}

/** Why no account of a pool can serve right now, naming accounts by number and the variables to fix. */
function whyUnavailable(upstream: Pick<UpstreamAdapter, "name" | "credentialVar">, states: readonly AccountState[], maxInFlight: number, t: number): UpstreamFailure {
  const name = upstream.name.toUpperCase();
  if (states.length === 0) return { kind: "no_account", message: `No Qwen ${name} account is configured: set ${upstream.credentialVar(1)}, then restart qwenplug.` };
  const isRouteResting = (state: AccountState) => state.route.until > t;
  const reasons = states.map((state) => {
    const n = state.account.number;
    const wait = Math.max(1, Math.ceil((state.until - t) / 1000));
    if (state.health === "invalid") return `${name} account ${n} is logged out (refresh ${upstream.credentialVar(n)})`;
    if (state.health === "cooling") return `${name} account ${n} is resting for ${wait} s after ${state.lastFailure?.kind ?? "errors"}`;
    if (isRouteResting(state)) return `${name} account ${n} waits for its route (${state.route.label}), which rests for ${Math.max(1, routeWaitSec(state.route, t))} s after an anti-bot challenge`;
    return `${name} account ${n} is busy (${state.inFlight} requests; ACCOUNT_MAX_IN_FLIGHT is ${maxInFlight})`;
  });
  // When each account that is not logged out can serve again: its own rest and its route's, whichever ends later.
  const waits = states
    .filter((s) => s.health !== "invalid" && (s.health === "cooling" || isRouteResting(s)))
    .map((s) => Math.max(s.health === "cooling" ? s.until : t, s.route.until));
  const isAllInvalid = states.every((s) => s.health === "invalid");
  // Every account that could serve waits for a resting route: the answer is the challenge's, 503 with Retry-After.
  const isRouteWall = !isAllInvalid && states.every((s) => s.health === "invalid" || isRouteResting(s));
  const walls = [...new Map(states.filter(isRouteResting).map((s) => [s.route.key, s.route])).values()];
  const puzzle = walls.map((route) => route.lastFailure?.punishUrl).find((url) => url !== undefined);
  const wallNote = isRouteWall
    ? ` Qwen's anti-bot check judges the network route, not the account, so the other accounts on ${walls.length === 1 ? "that route" : "those routes"} are not tried until the rest ends;` +
      ` accounts with another proxy (${name}_ACCOUNT_<n>_PROXY) are not affected.${puzzle === undefined ? "" : ` The last challenge was a puzzle page: ${puzzle}`}`
    : "";
  return {
    kind: isAllInvalid ? "auth" : isRouteWall ? "waf" : "no_account",
    message: `No Qwen ${name} account can serve this request: ${reasons.join("; ")}.${wallNote}`,
    retryAfterSec: waits.length > 0 ? Math.max(1, Math.ceil((Math.min(...waits) - t) / 1000)) : isAllInvalid ? undefined : 1,
  };
}

/**
 * What a pool shares with the other replicas through the store (and with
 * itself after a restart): account cooldowns (`health:<upstream>:<n>`) and
 * route rests (`route:<upstream>:<key>`), each written with the rest's TTL,
 * and read back every `syncMs` (reading never keeps the process alive).
 * `states` is the pool's own live list; `onChange` re-arms its timer.
 */
function createSharedRests(upstream: UpstreamName, store: StateStore | undefined, states: readonly AccountState[], routes: ReadonlyMap<string, RouteState>, now: () => number, onChange: () => void, syncMs: number) {
  const healthKey = (n: number) => `health:${upstream}:${n}`;
  const routeKey = (route: RouteState) => `route:${upstream}:${route.key}`;

  /** Rests the accounts and routes another replica (or this process before a restart) found resting. */
  async function read(): Promise<void> {
    if (store === undefined) return;
    let changed = false;
    for (const state of states) {
      const cooldown = (await store.get<SharedCooldown>(healthKey(state.account.number)))?.value;
      if (cooldown === undefined || cooldown.until <= now() || state.health === "invalid" || state.isProbing) continue;
      if (state.health === "cooling" && state.until >= cooldown.until) continue;
      state.health = "cooling";
      state.until = cooldown.until;
      state.lastFailure = { kind: cooldown.kind, message: `rested by another qwenplug instance (${cooldown.kind})` };
      changed = true;
    }
    for (const route of routes.values()) {
      const rest = (await store.get<SharedRouteRest>(routeKey(route)))?.value;
      if (rest === undefined || rest.until <= now() || route.until >= rest.until) continue;
      route.until = rest.until;
      route.strikes = Math.max(route.strikes, rest.strikes);
      route.lastFailure = { kind: "waf", message: "rested by another qwenplug instance (an anti-bot challenge)", ...(rest.punishUrl === undefined ? {} : { punishUrl: rest.punishUrl }) };
      changed = true;
    }
    if (changed) onChange();
  }
  if (store !== undefined && states.length > 0) {
    read().catch(() => {});
    setInterval(() => read().catch(() => {}), syncMs).unref?.();
  }

  return {
    /** Tells the others that a route rests until its `until`. */
    route(route: RouteState): void {
      const ttlMs = route.until - now();
      if (store === undefined || ttlMs <= 0) return;
      const rest: SharedRouteRest = { until: route.until, strikes: route.strikes, ...(route.lastFailure?.punishUrl === undefined ? {} : { punishUrl: route.lastFailure.punishUrl }) };
      store.put(routeKey(route), rest, { ttlMs }).catch(() => {});
    },
    /** Tells the others that an account rests until its `until` (a logged-out account is checked, not shared). */
    cooldown(state: AccountState): void {
      const kind = state.lastFailure?.kind;
      if (store === undefined || state.health !== "cooling" || kind === undefined || kind === "auth") return;
      const ttlMs = state.until - now();
      if (ttlMs <= 0) return;
      const cooldown: SharedCooldown = { until: state.until, kind };
      store.put(healthKey(state.account.number), cooldown, { ttlMs }).catch(() => {});
    },
  };
}

/**
 * One pool per upstream. Healthy accounts serve, least-loaded first, up to
 * `maxInFlight` requests each; beyond that a request waits for a slot. An
 * auth failure is confirmed with a liveness probe before the account is
 * marked invalid (so one blip does not kill it); invalid accounts are probed
 * again every `reprobeMs` and come back when fixed upstream. Rate limits,
 * quota and repeated upstream failures cool an account down, with backoff.
 * An anti-bot challenge rests the account's route instead (its proxy, or the
 * direct route), for every account on it, so a request does not fail over
 * into the same wall; accounts on other routes still serve. One timer wakes
 * the waiters when the earliest cooldown or route rest ends.
 */
export function createPool(upstream: Pick<UpstreamAdapter, "name" | "accounts" | "credentialVar" | "probe">, options: PoolOptions) {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  // One rest per egress: accounts on the same proxy (or none) share it.
  const routes = new Map<string, RouteState>();
  /** An account's state on its route (the route's rest is shared by every account on it). */
  const stateOf = (account: Account): AccountState => {
    const { key, label } = routeOf(account);
    if (!routes.has(key)) routes.set(key, { key, label, until: 0, strikes: 0, rests: 0 });
    return newAccountState(account, routes.get(key) as RouteState);
  };
  const states: AccountState[] = upstream.accounts.map(stateOf);
  const label = (n: number) => `${upstream.name.toUpperCase()} account ${n}`;
  const queue = createWaitQueue();
  let cooldownTimer: { at: number; timer: ReturnType<typeof setTimeout> } | undefined;
  const shared = createSharedRests(upstream.name, options.store, states, routes, now, () => armCooldownTimer(), options.syncMs ?? POOL_COOLDOWN_SYNC_MS);

  /** Keeps one timer armed at the earliest cooldown end, so waiters learn of it without polling. */
  function armCooldownTimer(): void {
    const t = now();
    const ends = [...states.filter((s) => s.health === "cooling" && !s.isProbing).map((s) => s.until), ...[...routes.values()].filter((r) => r.until > t).map((r) => r.until)];
    const at = ends.length > 0 ? Math.min(...ends) : undefined;
    if (cooldownTimer !== undefined && cooldownTimer.at === at) return;
    if (cooldownTimer !== undefined) clearTimeout(cooldownTimer.timer);
    cooldownTimer = undefined;
    if (at === undefined) return;
    const timer = setTimeout(() => {
      cooldownTimer = undefined;
      refresh(now());
      queue.wakeAll();
      armCooldownTimer();
    }, Math.max(0, at - now()));
    // A cooldown alone must not keep the process alive.
    timer.unref?.();
    cooldownTimer = { at, timer };
  }

  /** Resolves with the liveness answer once the account's state follows it; undefined if a probe was already running. */
  function probe(state: AccountState): Promise<ProbeResult | undefined> {
    if (state.isProbing) return Promise.resolve(undefined);
    state.isProbing = true;
    return upstream.probe(state.account).then((result) => {
      state.isProbing = false;
      applyProbeResult(state, result, now(), options.reprobeMs);
      log(`${label(state.account.number)} liveness check: ${result}; now ${state.health}`);
      armCooldownTimer();
      queue.wakeAll();
      return result;
    });
  }

  /** Moves expired cooldowns back to healthy and starts due re-probes of invalid accounts. */
  function refresh(t: number): void {
    for (const state of states) {
      if (state.health === "cooling" && state.until <= t && !state.isProbing) state.health = "healthy";
      else if (state.health === "invalid" && state.until <= t) probe(state);
    }
  }

  let picks = 0;
  /**
   * The least-loaded healthy account with a free slot; among equals the one
   * chosen least recently, so sequential traffic goes round the accounts
   * instead of wearing out account 1 (rate limits are per account).
   */
  function pick(exclude: ReadonlySet<number>): { state?: AccountState; isFull: boolean } {
    let best: AccountState | undefined;
    let isFull = false;
    const t = now();
    for (const state of states) {
      // A resting route serves none of its accounts: the challenge would meet each of them in turn.
      if (exclude.has(state.account.number) || state.health !== "healthy" || state.route.until > t) continue;
      if (state.inFlight >= options.maxInFlight) {
        isFull = true;
        continue;
      }
      if (best === undefined || state.inFlight < best.inFlight || (state.inFlight === best.inFlight && (state.lastUsedAt ?? 0) < (best.lastUsedAt ?? 0))) best = state;
    }
    if (best !== undefined) best.lastUsedAt = ++picks;
    return { state: best, isFull };
  }

  /** Accounts removed while requests still ran on them: resolved when the last one ends. */
  const draining = new Map<AccountState, () => void>();

  return {
    get size() {
      return states.length;
    },
    /** An account added while running (the admin API) joins the pool, healthy. */
    add(account: Account, probe?: ProbeResult): void {
      if (states.some((s) => s.account.number === account.number)) return;
      const state = stateOf(account);
      if (probe !== undefined) applyProbeResult(state, probe, now(), options.reprobeMs);
      states.push(state);
      queue.wakeAll();
    },
    /**
     * Takes account n out: nothing new starts on it at once, and the promise
     * resolves when the requests still running on it have ended (drained).
     */
    remove(number: number): Promise<void> {
      const index = states.findIndex((s) => s.account.number === number);
      if (index === -1) return Promise.resolve();
      const [state] = states.splice(index, 1) as [AccountState];
      armCooldownTimer();
      if (state.inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => draining.set(state, resolve));
    },
    /** A healthy account with a free slot, waiting for one if all are busy; undefined if none can serve. */
    async acquire(exclude: ReadonlySet<number>, stop: Stop): Promise<AccountState | undefined> {
      const deadline = now() + options.queueTimeoutMs;
      for (;;) {
        refresh(now());
        const { state, isFull } = pick(exclude);
        if (state) {
          state.inFlight++;
          return state;
        }
        const wait = deadline - now();
        if (!isFull || wait <= 0 || stop.aborted) return undefined;
        await queue.wait(exclude, wait, stop);
      }
    },
    release(state: AccountState, outcome: AttemptOutcome, ttftMs: number | undefined): void {
      state.inFlight--;
      if (state.inFlight === 0) {
        draining.get(state)?.();
        draining.delete(state);
      }
      if (ttftMs !== undefined) state.ttftMs.add(ttftMs);
      if (outcome.kind === "success") {
        state.successes++;
        state.strikes = 0;
        // Through the route and back: its challenges in a row are over.
        if (state.route.until <= now()) state.route.strikes = 0;
      } else if (outcome.kind === "failure") {
        if (recordFailure(state, outcome.failure, now())) probe(state);
        else if (isRouteLevel(outcome.failure)) {
          log(`${label(state.account.number)} met an anti-bot challenge: route ${state.route.label} rests for ${routeWaitSec(state.route, now())} s (its accounts: ${states.filter((s) => s.route === state.route).map((s) => s.account.number).join(", ")})`);
          shared.route(state.route);
          // Waiters for this route's accounts learn at once that they will not be served.
          queue.wakeAll();
        } else shared.cooldown(state);
        armCooldownTimer();
      }
      if (state.health === "healthy") queue.wakeFor(state.account.number);
    },
    /** Why no account can serve right now, naming accounts by number and the variables to fix. */
    unavailable: (): UpstreamFailure => whyUnavailable(upstream, states, options.maxInFlight, now()),
    /** Checks account n now (the start-up probe), through the same machinery that confirms auth failures. */
    probeAccount(number: number): Promise<ProbeResult | undefined> {
      const state = states.find((s) => s.account.number === number);
      return state === undefined ? Promise.resolve(undefined) : probe(state);
    },
    /** Per-account figures for /status. */
    snapshot() {
      const t = now();
      refresh(t);
      return states.map((state) => accountSnapshot(state, t));
    },
    /** Each route (a proxy's host, or "direct"; never credentials) with its accounts and how long it still rests, for /status and --check. */
    routes() {
      const t = now();
      return [...routes.values()].map((route) => ({
        route: route.label,
        accounts: states.filter((s) => s.route === route).map((s) => s.account.number),
        resting_s: routeWaitSec(route, t),
        rests: route.rests,
        last_error_kind: route.lastFailure?.kind ?? null,
        punish_url: route.until > t ? (route.lastFailure?.punishUrl ?? null) : null,
      }));
    },
  };
}

type Pool = ReturnType<typeof createPool>;

// ── Failover gate ───────────────────────────────────────────────────────────
//
// Between adapter and stages: it holds events until a reply is safe to commit
// to the client, and on a retryable failure before that point starts the same
// request on another account. After the commit point it passes events through.

export interface GateOptions {
  adapter: UpstreamAdapter;
  pool: Pool;
  maxAttempts: number;
  holdbackChars: number;
  holdbackMs: number;
  debug: (line: string) => void;
  /** Called once an attempt has its account, before the upstream is asked. */
  onAttempt?: (account: Account) => void;
}

/**
 * Events held until the commit point: `commitChars` characters of text or
 * reasoning, `holdMs` after the first of them, or the end of the reply,
 * whichever comes first. With `commitChars` 1 the first character commits.
 */
function createHoldback(commitChars: number, holdMs: number) {
  const held: NeutralEvent[] = [];
  let heldChars = 0;
  let holdUntil = 0;
  let isCommitted = false;
  return {
    get isCommitted() {
      return isCommitted;
    },
    /** Milliseconds until held text must go out anyway; undefined while nothing waits on the clock. */
    msLeft(): number | undefined {
      return isCommitted || heldChars === 0 || !Number.isFinite(commitChars) ? undefined : holdUntil - performance.now();
    },
    /** Takes a batch; returns what may go to the client now. */
    add(batch: EventBatch): EventBatch {
      if (isCommitted) return batch;
      held.push(...batch);
      for (const event of batch) {
        if (event.type === "text" || event.type === "reasoning") {
          if (heldChars === 0) holdUntil = performance.now() + holdMs;
          heldChars += event.text.length;
        }
        if (heldChars >= commitChars || event.type === "done" || event.type === "error") isCommitted = true;
      }
      return isCommitted ? held.splice(0) : [];
    },
    commit(): EventBatch {
      isCommitted = true;
      return held.splice(0);
    },
  };
}

/**
 * Runs a request on the pool, moving to another account on a retryable
 * failure before the commit point, up to FAILOVER_MAX_ATTEMPTS attempts.
 * After an anti-bot challenge the next account comes from another route
 * (the pool skips the resting one); with none, the challenge is the answer,
 * saying which accounts wait for that route.
 * Ends with one terminal event, or quietly when `stop` aborts.
 */
export async function* runWithFailover(req: UpstreamRequest, gate: GateOptions, stop: Stop): AsyncGenerator<EventBatch> {
  const maxAttempts = Math.min(gate.maxAttempts, Math.max(1, gate.pool.size));
  const tried = new Set<number>();
  let lastFailure: UpstreamFailure | undefined;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const state = await gate.pool.acquire(tried, stop);
    if (state === undefined) {
      if (lastFailure !== undefined && isRouteLevel(lastFailure)) {
        const wall = gate.pool.unavailable();
        if (wall.kind === "waf") lastFailure = { ...lastFailure, message: `${lastFailure.message} ${wall.message}`, retryAfterSec: Math.max(lastFailure.retryAfterSec ?? 0, wall.retryAfterSec ?? 0) || undefined };
      }
      break;
    }
    tried.add(state.account.number);
    gate.onAttempt?.(state.account);
    const retryAfter = yield* runAttempt(req, gate, state, stop, attempt + 1 < maxAttempts);
    if (retryAfter === undefined) return;
    lastFailure = retryAfter;
  }
  if (!stop.aborted) yield [{ type: "error", failure: lastFailure ?? gate.pool.unavailable() }];
}

type AccountSlot = NonNullable<Awaited<ReturnType<Pool["acquire"]>>>;

/**
 * One attempt on one account. Returns the failure when the request should
 * move to another account, else undefined. A non-streamed reply reaches the
 * client only at its end, so it is held whole; a stream is held past its first
 * character only where replies can fail after it (chat.qwen.ai), and only when
 * another attempt is left.
 *
 * Its `finally` is the attempt's clean-up: it aborts the attempt's upstream
 * request first (a read still pending would otherwise hold up the adapter's
 * return until the upstream sends again), then lets the adapter clean up, then
 * gives the slot back with the attempt's outcome.
 */
/** The abort reason of every finished attempt (one instance, as REQUEST_OVER). */
const ATTEMPT_OVER = new Error("attempt over");

async function* runAttempt(req: UpstreamRequest, gate: GateOptions, slot: AccountSlot, stop: Stop, canRetry: boolean): AsyncGenerator<EventBatch, UpstreamFailure | undefined> {
  const attemptStop = new Stop();
  const unfollow = attemptStop.follow(stop);
  const isHoldingAll = canRetry && !req.stream;
  const isHolding = isHoldingAll || (canRetry && gate.adapter.canFailAfterText && gate.holdbackChars > 0 && gate.holdbackMs > 0);
  const hold = createHoldback(isHoldingAll ? Number.POSITIVE_INFINITY : isHolding ? gate.holdbackChars : 1, gate.holdbackMs);
  const upstream = gate.adapter.complete(req, slot.account, attemptStop);
  const started = performance.now();
  let outcome: AttemptOutcome = { kind: "aborted" };
  let ttftMs: number | undefined;
  let pending: Promise<IteratorResult<EventBatch>> | undefined;
  try {
    for (;;) {
      pending ??= upstream.next();
      const msLeft = hold.msLeft();
      let result: IteratorResult<EventBatch> | undefined;
      try {
        result = msLeft === undefined ? await pending : await withDeadline(pending, msLeft);
      } catch (err) {
        result = escapedFromAdapter(gate.adapter, err, attemptStop);
      }
      if (result === undefined) {
        yield hold.commit(); // held long enough
        continue;
      }
      pending = undefined;
      if (result.done) break;
      for (const event of result.value) {
        if (event.type === "error") outcome = { kind: "failure", failure: event.failure };
        else if (event.type === "done") outcome = { kind: "success" };
        else if (event.type === "text" || event.type === "reasoning") ttftMs ??= performance.now() - started;
      }
      if (outcome.kind === "failure" && !hold.isCommitted && canRetry && isRetryable(outcome.failure) && !stop.aborted) {
        gate.debug(`${req.upstream} account ${slot.account.number} failed with ${outcome.failure.kind} before the commit point; trying another account`);
        return outcome.failure;
      }
      const out = hold.add(result.value);
      if (out.length > 0) yield out;
    }
    // An upstream that ended without a terminal event (the request was aborted) leaves nothing to hold for.
    const rest = hold.commit();
    if (rest.length > 0) yield rest;
    return undefined;
  } finally {
    unfollow();
    // After a terminal event the adapter waits at a yield, with no read in progress: it finishes first, and its own
    // clean-up takes its listeners and timers off the attempt's stop, so the abort wakes nothing (each woken
    // listener aborted the next stop down, and armed a clean-up timer). Otherwise the abort comes first.
    const isOver = outcome.kind !== "aborted";
    if (!isOver) attemptStop.abort(ATTEMPT_OVER);
    // As the wrapper this replaced: an adapter that throws while closing is already over.
    await upstream.return(undefined).catch(() => undefined);
    if (isOver) attemptStop.abort(ATTEMPT_OVER);
    gate.pool.release(slot, outcome, ttftMs);
  }
}

// ── Stages: tool calls and output limits ────────────────────────────────────
/**
 * Fixes what models commonly get wrong in JSON: raw line breaks and tabs
 * inside strings, trailing commas, missing closing brackets or quote, text
 * before or after the value. Anything else is left for JSON.parse to refuse.
 */
export function repairJson(text: string): string {
  const start = text.search(/[[{]/);
  if (start === -1) return text;
  const out: string[] = [];
  const closers: string[] = [];
  let isInString = false;
  let isEscaped = false;
  const dropTrailingComma = () => {
    let k = out.length - 1;
    while (k >= 0 && /\s/.test(out[k] as string)) k--;
    if (out[k] === ",") out.splice(k, 1);
  };
  for (let i = start; i < text.length; i++) {
    const c = text[i] as string;
    if (isInString) {
      if (isEscaped) isEscaped = false;
      else if (c === "\\") isEscaped = true;
      else if (c === '"') isInString = false;
      out.push(c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : c);
      continue;
    }
    if (c === '"') isInString = true;
    else if (c === "{") closers.push("}");
    else if (c === "[") closers.push("]");
    else if (c === "}" || c === "]") {
      if (closers.pop() !== c) return text;
      dropTrailingComma();
      out.push(c);
      if (closers.length === 0) return out.join("");
      continue;
    }
    out.push(c);
  }
  if (isInString) {
    if (isEscaped) out.pop();
    out.push('"');
  }
  dropTrailingComma();
  while (closers.length > 0) out.push(closers.pop() as string);
  return out.join("");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

type ParsedCall = { name: string; arguments: Record<string, unknown> };

/** A `{"name", "arguments"}` object (also `parameters`, or arguments as a JSON string) as a call. */
function callFromJson(value: unknown, canRepair: boolean): ParsedCall | undefined {
  const record = asRecord(value);
  const fn = asRecord(record?.function) ?? record;
  const name = typeof fn?.name === "string" ? fn.name.trim() : "";
  if (fn === undefined || name === "") return undefined;
  let args: unknown = fn.arguments ?? fn.parameters ?? {};
  if (typeof args === "string") args = parseJson(args) ?? (canRepair ? parseJson(repairJson(args)) : undefined);
  const argsRecord = asRecord(args);
  return argsRecord && { name, arguments: argsRecord };
}

/**
 * The XML form Qwen3-Coder was trained on, in case a model answers with it:
 * <function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>\n</function>. A value
 * stays a string where the tool's schema says string, and is read as JSON
 * (number, boolean, object) otherwise when it can be. Read with indexOf in one
 * pass: a regex over the parameters re-scanned the rest of the block from
 * every unclosed `<parameter=` (quadratic, issue 10 #5).
 */
function callFromXml(text: string, tools: readonly NeutralTool[]): ParsedCall | undefined {
  const head = /^<function=([^>\s]+)>/.exec(text);
  if (!head || !text.trimEnd().endsWith("</function>")) return undefined;
  const name = head[1] as string;
  const properties = asRecord(asRecord(tools.find((t) => t.name === name)?.parameters)?.properties);
  const args: Record<string, unknown> = {};
  const OPEN = "<parameter=";
  const CLOSE = "</parameter>";
  let at = text.indexOf(OPEN);
  while (at !== -1) {
    let end = at + OPEN.length;
    while (end < text.length && text[end] !== ">" && !/\s/.test(text[end] as string)) end++;
    if (end === at + OPEN.length || text[end] !== ">") {
      // No name, or a name cut by a space: every `<parameter=` up to here ends at the same place and fails too.
      at = text.indexOf(OPEN, Math.max(end, at + 1));
      continue;
    }
    const close = text.indexOf(CLOSE, end + 1);
    if (close === -1) break;
    const key = text.slice(at + OPEN.length, end);
    let from = end + 1;
    let to = close;
    if (text[from] === "\n" && from < to) from++;
    if (text[to - 1] === "\n" && to > from) to--;
    const raw = text.slice(from, to);
    args[key] = asRecord(properties?.[key])?.type === "string" ? raw : (parseJson(raw) ?? raw);
    at = text.indexOf(OPEN, close + CLOSE.length);
  }
  return { name, arguments: args };
}

/** The inside of a ``` fence (with an optional language) around the whole text, else the text itself. */
function unfence(text: string): string {
  if (!text.startsWith("```") || !text.endsWith("```")) return text;
  const newline = text.indexOf("\n");
  if (newline === -1 || newline + 1 > text.length - 3 || !/^[\w-]*\s*$/.test(text.slice(3, newline))) return text;
  const inner = text.slice(newline + 1, text.length - 3);
  return inner.endsWith("\n") ? inner.slice(0, -1) : inner;
}

/**
 * The calls in the text between <tool_call> and </tool_call>: one JSON
 * object, a JSON array of them, either inside a ``` fence, or the XML form.
 * `canRepair` allows `repairJson`, for blocks the model closed itself (a block
 * cut off by the end of the reply must parse as it is). Undefined if
 * the block cannot be read as calls.
 */
export function parseToolCallBlock(block: string, tools: readonly NeutralTool[], canRepair: boolean): ParsedCall[] | undefined {
  const text = unfence(block.trim()).trim();
  if (text.startsWith("<function=")) {
    const call = callFromXml(text, tools);
    return call && [call];
  }
  const value = parseJson(text) ?? (canRepair ? parseJson(repairJson(text)) : undefined);
  const items = Array.isArray(value) ? value : [value];
  const calls = items.map((item) => callFromJson(item, canRepair));
  return calls.length > 0 && calls.every((c) => c !== undefined) ? (calls as ParsedCall[]) : undefined;
}

/** How much of the end of `text` could be the start of `tag`: such text must wait for the next chunk. */
function partialTagLength(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (tag.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}

/** Text up to <tool_call>, and either what follows the tag or a tail that could be the tag's start. */
function splitAtToolOpen(all: string): { before: string; rest: string; isOpen: boolean } {
  const open = all.indexOf(TOOL_OPEN);
  if (open !== -1) return { before: all.slice(0, open), rest: all.slice(open + TOOL_OPEN.length), isOpen: true };
  const keep = partialTagLength(all, TOOL_OPEN);
  return { before: all.slice(0, all.length - keep), rest: all.slice(all.length - keep), isOpen: false };
}

/** A block's calls if it reads as calls of offered functions only. */
function offeredCalls(block: string, tools: readonly NeutralTool[], offered: ReadonlySet<string>, isClosed: boolean): ParsedCall[] | undefined {
  const calls = parseToolCallBlock(block, tools, isClosed);
  return calls?.every((call) => offered.has(call.name)) ? calls : undefined;
}

type ToolParseOutput = Extract<NeutralEvent, { type: "text" | "tool_call" }>;

/** The most characters one <tool_call> block may hold; past it the block is not a call. */
const MAX_TOOL_BLOCK_CHARS = 1024 * 1024;

export interface ToolCallParserOptions {
  /** Past this many characters without </tool_call>, the block is released as text. */
  maxBlockChars?: number;
}

/**
 * One <tool_call> block as it arrives, scanned once per character: its text
 * so far, how much of </tool_call> it ends with, and, in a JSON block,
 * whether the scan is inside a string (see `createToolCallParser`).
 */
function createToolBlockScanner() {
  let pieces: string[] = [];
  let chars = 0;
  /** How many characters of </tool_call> the block's text ends with. */
  let closeMatched = 0;
  /** Whether to track JSON strings: unknown until the block's first non-blank character. */
  let isJson: boolean | undefined;
  let isInString = false;
  let isEscaped = false;
  /** Offset in the block of the first </tool_call> seen inside a string, or -1. */
  let fallbackClose = -1;
  return {
    get chars() {
      return chars;
    },
    get fallbackClose() {
      return fallbackClose;
    },
    text: (): string => pieces.join(""),
    take(): string {
      const block = pieces.join("");
      pieces = [];
      chars = 0;
      closeMatched = 0;
      isJson = undefined;
      isInString = false;
      isEscaped = false;
      fallbackClose = -1;
      return block;
    },
    /** Adds `text` up to the first </tool_call> outside a string and returns the offset just past it; or adds all of `text` and returns -1. */
    scan(text: string, isQuotingTrusted: boolean): number {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (isJson === undefined && c !== 32 && c !== 10 && c !== 13 && c !== 9) isJson = isQuotingTrusted && c !== 60 /* < */;
        closeMatched = c === TOOL_CLOSE.charCodeAt(closeMatched) ? closeMatched + 1 : c === 60 ? 1 : 0;
        if (closeMatched === TOOL_CLOSE.length) {
          closeMatched = 0;
          if (!isInString) {
            pieces.push(text.slice(0, i + 1));
            return i + 1;
          }
          if (fallbackClose === -1) fallbackClose = chars + i + 1 - TOOL_CLOSE.length;
        }
        if (!isJson) continue;
        if (isInString) {
          if (isEscaped) isEscaped = false;
          else if (c === 92 /* backslash */) isEscaped = true;
          else if (c === 34 /* " */) isInString = false;
        } else if (c === 34) {
          isInString = true;
        }
      }
      pieces.push(text);
      chars += text.length;
      return -1;
    },
  };
}

/**
 * A push parser over reply text that may arrive split at any character.
 * Plain text is released at once, except a tail that could be the start of
 * <tool_call>. A block is held until </tool_call>, then becomes tool calls,
 * or, if it cannot be read as calls of offered functions, its inner text
 * (never the tags). Between and after calls only whitespace is expected:
 * other text after a call (the model inventing a <tool_response>, say) ends
 * the reply, and so does the first call when parallel calls are off
 * (`isFinished`). Under tool choice "none" the text passes through untouched.
 *
 * Closing a block: a JSON block's string state (quotes, escapes) is tracked
 * as it arrives, in one pass, and only a </tool_call> outside a string closes
 * it, so an argument that mentions the tags is not cut (issue 9 #3). A model
 * whose JSON is broken (an unbalanced quote) may leave that string open: then
 * the first </tool_call> seen inside a string is the fallback close, taken when
 * the reply ends, when the block reaches `maxBlockChars`, or when a later
 * close does not give readable calls. After a fallback the model's quoting is
 * not trusted for the rest of the reply: later blocks close at their first
 * </tool_call>, as before, so no text is scanned more than twice. The XML form
 * (a block starting with `<`) has no JSON strings and always closes at the
 * first tag.
 *
 * Size: a block that reaches `maxBlockChars` without any close is released as
 * plain text and parsing goes on as text (after a call, where only whitespace
 * may follow, it ends the reply instead), so an unclosed block followed by
 * endless text holds at most one cap's worth of memory.
 */
export function createToolCallParser(tooling: Pick<Tooling, "tools" | "parallel"> & { choice?: ToolChoice }, options: ToolCallParserOptions = {}) {
  const maxBlockChars = options.maxBlockChars ?? MAX_TOOL_BLOCK_CHARS;
  const isOff = tooling.choice?.type === "none";
  const offered = new Set(tooling.tools.map((tool) => tool.name));
  let mode: "text" | "block" | "after" = "text";
  /** In text and after modes: a possible start of <tool_call>. */
  let held = "";
  /** In block mode: the block so far. */
  const scanner = createToolBlockScanner();
  let isQuotingTrusted = true;
  let callCount = 0;
  let isFinished = false;

  const readCalls = (block: string, isClosed: boolean) => offeredCalls(block, tooling.tools, offered, isClosed);

  const emitBlock = (block: string, calls: ParsedCall[] | undefined, out: ToolParseOutput[]) => {
    if (calls === undefined) {
      const text = block.trim();
      if (text !== "") out.push({ type: "text", text });
    } else {
      for (const call of calls) {
        if (!tooling.parallel && callCount > 0) break;
        out.push({ type: "tool_call", call: { index: callCount++, id: `call_${randomHex32().slice(0, 24)}`, name: call.name, argumentsJson: JSON.stringify(call.arguments) } });
      }
    }
    mode = callCount > 0 ? "after" : "text";
    if (!tooling.parallel && callCount > 0) isFinished = true;
  };

  /** Ends the block at its fallback close; returns the text after that close, to be read again. */
  const closeAtFallback = (block: string, out: ToolParseOutput[]): string => {
    const inner = block.slice(0, scanner.fallbackClose);
    const rest = block.slice(scanner.fallbackClose + TOOL_CLOSE.length);
    scanner.take();
    isQuotingTrusted = false;
    emitBlock(inner, readCalls(inner, true), out);
    return rest;
  };

  /** Text or after mode; returns what follows an opening tag, if one was found. */
  const feedText = (text: string, out: ToolParseOutput[]): string => {
    const { before, rest, isOpen } = splitAtToolOpen(held + text);
    held = "";
    if (mode === "after" && before.trim() !== "") {
      isFinished = true;
      return "";
    }
    if (mode === "text" && before !== "") out.push({ type: "text", text: before });
    if (!isOpen) {
      held = rest;
      return "";
    }
    mode = "block";
    return rest;
  };

  /** Block mode; returns what follows the block's close, if found. */
  const feedBlock = (text: string, out: ToolParseOutput[]): string => {
    const end = scanner.scan(text, isQuotingTrusted);
    if (end !== -1) {
      const whole = scanner.text();
      const block = whole.slice(0, whole.length - TOOL_CLOSE.length);
      const calls = readCalls(block, true);
      const after = text.slice(end);
      if (calls === undefined && scanner.fallbackClose !== -1) return closeAtFallback(whole, out) + after;
      scanner.take();
      emitBlock(block, calls, out);
      return after;
    }
    if (scanner.chars <= maxBlockChars) return "";
    const block = scanner.text();
    if (scanner.fallbackClose !== -1) return closeAtFallback(block, out);
    scanner.take();
    if (callCount > 0) {
      isFinished = true;
      return "";
    }
    mode = "text";
    out.push({ type: "text", text: block });
    return "";
  };

  const feedAll = (text: string, out: ToolParseOutput[]) => {
    let rest = text;
    while (rest !== "" && !isFinished) rest = mode === "block" ? feedBlock(rest, out) : feedText(rest, out);
  };

  return {
    feed(text: string): ToolParseOutput[] {
      if (isOff) return text === "" ? [] : [{ type: "text", text }];
      const out: ToolParseOutput[] = [];
      feedAll(text, out);
      return out;
    },
    /** The end of the reply: releases held text and reads an unclosed block strictly (or at its fallback close). */
    end(): ToolParseOutput[] {
      const out: ToolParseOutput[] = [];
      while (!isFinished && mode === "block") {
        if (scanner.fallbackClose !== -1) {
          feedAll(closeAtFallback(scanner.text(), out), out);
        } else {
          const block = scanner.take();
          emitBlock(block, readCalls(block, false), out);
        }
      }
      if (!isFinished && mode === "text" && held !== "") out.push({ type: "text", text: held });
      held = "";
      scanner.take();
      isFinished = true;
      return out;
    },
    get isFinished() {
      return isFinished;
    },
    get callCount() {
      return callCount;
    },
  };
}

/**
 * The extractor stage between the failover gate and a dialect. A reply that
 * called a function ends with `done` reason `tool_calls`; when the parser
 * decides the reply is over before the upstream does, returning cancels the
 * upstream through the generators' cleanup.
 */
export async function* extractToolCalls(events: AsyncIterable<NeutralEvent>, tooling: Tooling, options: ToolCallParserOptions = {}): AsyncGenerator<NeutralEvent> {
  const parser = createToolCallParser(tooling, options);
  for await (const event of events) {
    if (event.type === "text") {
      yield* parser.feed(event.text);
      if (parser.isFinished) {
        yield { type: "done", reason: "tool_calls" };
        return;
      }
    } else if (event.type === "done" || event.type === "error") {
      yield* parser.end();
      yield event.type === "done" && event.reason === "stop" && parser.callCount > 0 ? { type: "done", reason: "tool_calls" } : event;
      return;
    } else {
      yield event;
    }
  }
}

async function* unbatch(batches: AsyncIterable<EventBatch>): AsyncGenerator<NeutralEvent> {
  for await (const batch of batches) yield* batch;
}

/** Batches of one event, back to the shape the dialects consume. */
async function* rebatch(events: AsyncIterable<NeutralEvent>): AsyncGenerator<EventBatch> {
  for await (const event of events) yield [event];
}

/** Cuts a reply off after about `maxTokens` estimated tokens of text and reasoning, ending it with `length`. */
export async function* limitOutputTokens(events: AsyncIterable<NeutralEvent>, maxTokens: number): AsyncGenerator<NeutralEvent> {
  let left = maxTokens;
  for await (const event of events) {
    if (event.type === "text" || event.type === "reasoning") {
      const cost = estimateTokens(event.text);
      if (cost > left) {
        const text = prefixWithinTokens(event.text, left);
        if (text !== "") yield { ...event, text };
        yield { type: "done", reason: "length" };
        return;
      }
      left -= cost;
    }
    yield event;
  }
}

/** A JSON answer without the code fence models like to wrap it in. */
export function stripJsonFence(text: string): string {
  const fenced = /^\s*```[a-zA-Z]*[ \t]*\r?\n([\s\S]*?)\r?\n?```\s*$/.exec(text);
  return (fenced?.[1] ?? text).trim();
}

/**
 * The stage for a JSON answer. The text is held until the reply ends, since a
 * fence can only be told from content once the whole answer is there; then it
 * goes out as one text event. With `strict`, an answer that is not JSON ends
 * the reply with an error instead.
 */
export async function* checkJsonAnswer(events: AsyncIterable<NeutralEvent>, strict: boolean): AsyncGenerator<NeutralEvent> {
  const held: string[] = [];
  for await (const event of events) {
    if (event.type === "text") {
      held.push(event.text);
      continue;
    }
    if (event.type === "done" && held.length > 0) {
      const answer = stripJsonFence(held.join(""));
      held.length = 0;
      if (strict && event.reason === "stop" && !isJson(answer)) {
        yield { type: "error", failure: { kind: "upstream", message: "The model's answer is not valid JSON, though the request asked for a strict JSON format; ask again or loosen the format." } };
        return;
      }
      yield { type: "text", text: answer };
    }
    yield event;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The longest prefix of `text` that `estimateTokens` counts at most `tokens`, never splitting a surrogate pair. */
function prefixWithinTokens(text: string, tokens: number): string {
  let cjk = 0;
  let other = 0;
  let end = 0;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    const width = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    const isCjk = isCjkCode(code);
    if ((isCjk ? cjk + 1 : cjk) + Math.ceil((isCjk ? other : other + width) / 4) > tokens) break;
    if (isCjk) cjk++;
    else other += width;
    end += width;
  }
  return text.slice(0, end);
}

// ── Client dialects: shared ─────────────────────────────────────────────────
//
// Each client dialect (OpenAI chat, Anthropic Messages) is the same four
// things: decode a request into a NeutralRequest, encode the event stream,
// encode one whole reply, shape an error. Routes pick a dialect; nothing else
// knows which one is in use.

/** A whole reply, for clients that did not ask for a stream. */
interface CollectedReply {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
}

/**
 * How one client dialect writes one reply. Everything around it (the
 * upstream, the failover gate, the stages, heartbeats, cancellation, logs) is
 * shared by the serve functions; an encoder only turns neutral events into
 * its wire format.
 */
interface ReplyEncoder {
  /** The response id, also sent as x-request-id. */
  readonly id: string;
  /** A keep-alive that this dialect's clients ignore. */
  readonly heartbeat: string;
  /** The whole reply as one JSON body. */
  body(reply: CollectedReply): string;
  /** What a committed stream starts with; `promptTokens` is the estimate known at that point. */
  open(promptTokens: number): string;
  text(text: string): string;
  reasoning(text: string): string;
  toolCall(call: ToolCall): string;
  /** The end of a stream that finished. */
  finish(reason: FinishReason, usage: Usage): string;
  /** The end of a stream that failed after its status went out. */
  error(err: HttpError): string;
}

/** The upstream, model id and switches a client's model name resolves to. */
type ResolvedModel = Pick<NeutralRequest, "upstream" | "clientModel" | "upstreamModel" | "thinking" | "search" | "imageRatio">;

/** Resolves a model name; explicit request fields win over the name's suffix. Throws a 404 for an unknown name. */
type ModelResolver = (requested: string, explicit: { thinking?: boolean; search?: boolean }) => Promise<ResolvedModel>;

/** What a dialect may need from the app beyond the body: the Responses store. */
interface DialectServices {
  responses: ResponsesStore;
}

interface Dialect {
  /** A request body as a NeutralRequest; bad input throws a 400 (an unknown model a 404). */
  decode(body: unknown, resolveModel: ModelResolver, services: DialectServices): Promise<NeutralRequest>;
  /** The writer of one reply. */
  encoder(req: NeutralRequest): ReplyEncoder;
  /** An error as this dialect's JSON body. */
  errorBody(err: HttpError): string;
  /** The top-level request fields it reads; any others are named in the debug log as ignored. */
  readonly fields?: () => ReadonlySet<string>;
}

const optional = <T extends z.core.SomeType>(schema: T) => z.optional(schema);
const nullish = <T extends z.core.SomeType>(schema: T) => z.nullish(schema);
/** A string of at least one character; `message` ends the sentence "'field' …" when it is empty. */
const nonEmptyString = (message: string) => z.string().check(z.minLength(1, message));

/** The fields a request schema declares, for the debug log's "ignored" list. */
const fieldsOf = (schema: { def: { shape: Record<string, unknown> } }): ReadonlySet<string> => new Set(Object.keys(schema.def.shape));

/**
 * A value built on first use. The request schemas are built this way: zod
 * takes about 0.1 ms per schema node to build one (7 ms and 2.6 MB for all
 * of them, at start-up, before), and a process may never see some dialects.
 */
const onFirstUse = <T>(build: () => T): (() => T) => {
  let built: T | undefined;
  return () => (built ??= build());
};

/** A structured-output request as either API spells it once flattened: chat's response_format.json_schema is lifted up. */
const jsonFormatSchema = onFirstUse(() =>
  z.looseObject({ type: z.string(), name: optional(z.string()), description: optional(z.string()), schema: optional(z.unknown()), strict: nullish(z.boolean()) }),
);
type JsonFormat = z.infer<ReturnType<typeof jsonFormatSchema>>;

/**
 * A JSON answer asked for: the web chats take no response format, so the
 * instruction (with the schema) becomes a system turn, and the stage
 * `checkJsonAnswer` strips fences and, when strict, checks the answer parses.
 * A plain `text` format asks for nothing.
 */
function jsonAnswerOf(format: JsonFormat | null | undefined, param: string): { turn: NeutralTurn; jsonAnswer: { strict: boolean } } | undefined {
  if (format === undefined || format === null || format.type === "text") return undefined;
  if (format.type === "json_object") {
    return { turn: { role: "system", text: "# Answer format\n\nAnswer with one valid JSON object and nothing else: no code fence, no words before or after it." }, jsonAnswer: { strict: false } };
  }
  if (format.type !== "json_schema") {
    throw new HttpError(400, `${param} of type "${format.type}" is not supported; use text, json_object or json_schema.`, "invalid_request_error", "unsupported_value", param);
  }
  if (format.schema === undefined) throw new HttpError(400, `${param} of type json_schema needs a schema.`, "invalid_request_error", "missing_required_parameter", param);
  const about = format.description === undefined ? "" : ` (${format.description})`;
  const text = [
    "# Answer format",
    `Answer with one JSON value${format.name === undefined ? "" : ` named "${format.name}"`}${about} that validates against this JSON Schema, and nothing else: no code fence, no words before or after it.`,
    JSON.stringify(format.schema),
  ].join("\n\n");
  return { turn: { role: "system", text }, jsonAnswer: { strict: format.strict === true } };
}

/** Bodies a request schema parses before it switches to zod's compiled parser. */
export const COMPILE_AFTER_PARSES = 64;
const schemaUses = new WeakMap<z.ZodMiniType, { parses: number; compiled?: z.ZodMiniType }>();

/**
 * The schema to parse a body with: the one given for its first
 * COMPILE_AFTER_PARSES bodies, then zod's compiled clone of it (`z.compile`:
 * one generated function instead of a walk over the schema's nodes, about 4×
 * less work per chat body; the same output, and the same issues, since a body
 * it refuses is parsed again by the runtime parser for them). Compiling costs
 * about 10 ms once, which a process that answers a few requests should not
 * pay before its first answer. A schema zod cannot compile stays as it is.
 */
export function hotSchema<S extends z.ZodMiniType>(schema: S): S {
  let use = schemaUses.get(schema);
  if (use === undefined) schemaUses.set(schema, (use = { parses: 0 }));
  if (use.compiled !== undefined) return use.compiled as S;
  if (++use.parses >= COMPILE_AFTER_PARSES) use.compiled = z.compile(schema);
  return schema;
}

/** A request body checked against a schema; the first problem becomes a 400 that names the field. */
function parseBody<S extends z.ZodMiniType>(schema: S, body: unknown): z.output<S> {
  if (asRecord(body) === undefined) throw new HttpError(400, "Request body must be a JSON object.", "invalid_request_error", "invalid_json");
  const parsed = hotSchema(schema).safeParse(body);
  if (!parsed.success) throw formatZodIssue(parsed.error.issues, body);
  return parsed.data;
}

/**
 * The first validation problem as one sentence. The wording is ours, built
 * from the issue's fields (zod/mini carries no message catalogue); messages
 * given in the schemas are used as they are.
 */
function formatZodIssue(issues: readonly z.core.$ZodIssue[], body: unknown): HttpError {
  const issue = issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
  const name = `'${path || "body"}'`;
  let value: unknown = body;
  for (const key of issue?.path ?? []) value = (value as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
  const isMissing = issue?.code === "invalid_type" && value === undefined;
  let problem: string;
  switch (issue?.code) {
    case "invalid_type":
      problem = `${name} must be ${issue.expected === "int" ? "a whole number" : `of type ${issue.expected}`}`;
      break;
    case "invalid_value":
      problem = `${name} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      break;
    case "invalid_union":
      problem = `${name} has an unsupported type or shape`;
      break;
    case "too_small":
    case "custom":
      problem = issue.message && issue.message !== "Invalid input" ? `${name} ${issue.message}` : `${name} is too small`;
      break;
    default:
      problem = `${name} is invalid`;
  }
  const message = isMissing ? `${name} is required.` : `${problem}.`;
  return new HttpError(400, message, "invalid_request_error", isMissing ? "missing_required_parameter" : "invalid_value", path || null);
}

// ── Client dialect: OpenAI chat completions ─────────────────────────────────

const chatSchemas = onFirstUse(() => {
  const ContentPartSchema = z.looseObject({ type: z.string(), text: optional(z.string()) });

  const ToolCallSchema = z.looseObject({
    id: optional(z.string()),
    type: optional(z.string()),
    function: z.looseObject({ name: z.string(), arguments: optional(z.string()) }),
  });

  const MessageSchema = z.looseObject({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: optional(z.union([z.string(), z.array(ContentPartSchema), z.null()])),
    name: optional(z.string()),
    tool_calls: nullish(z.array(ToolCallSchema)),
    tool_call_id: optional(z.string()),
  });

  const FunctionToolSchema = z.looseObject({
    type: z.string(),
    function: optional(
      z.looseObject({ name: nonEmptyString("must be a non-empty function name"), description: nullish(z.string()), parameters: optional(z.unknown()) }),
    ),
  });

  const ChatRequestSchema = z.looseObject({
    model: nonEmptyString("must be a non-empty string"),
    messages: z.array(MessageSchema).check(z.minLength(1, "must contain at least one message")),
    stream: nullish(z.boolean()),
    stream_options: nullish(z.looseObject({ include_usage: nullish(z.boolean()) })),
    n: nullish(z.int()),
    reasoning_effort: nullish(z.string()),
    enable_thinking: nullish(z.boolean()),
    web_search: nullish(z.boolean()),
    enable_search: nullish(z.boolean()),
    tools: nullish(z.array(FunctionToolSchema)),
    tool_choice: nullish(z.union([z.enum(["auto", "none", "required"]), z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string() }) })])),
    parallel_tool_calls: nullish(z.boolean()),
    response_format: nullish(z.looseObject({ type: z.string(), json_schema: optional(z.omit(jsonFormatSchema(), { type: true })) })),
  });
  return { message: MessageSchema, request: ChatRequestSchema };
});

export type ChatRequest = z.infer<ReturnType<typeof chatSchemas>["request"]>;
type ChatMessage = z.infer<ReturnType<typeof chatSchemas>["message"]>;
/** `images`, when given, collects the message's image parts; without it an image part is refused like any other. */
function messageText(message: ChatMessage, index: number, images?: NeutralImage[]): string {
  const content = message.content;
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  const texts: string[] = [];
  content.forEach((part, partIndex) => {
    if (part.type === "text" && typeof part.text === "string") texts.push(part.text);
    else if (part.type === "text") {
      throw new HttpError(400, `messages[${index}].content[${partIndex}] is a text part without a string "text".`, "invalid_request_error", "invalid_content", `messages[${index}].content[${partIndex}].text`);
    } else if (part.type === "image_url" && images !== undefined) {
      const raw = part.image_url;
      const url = typeof raw === "string" ? raw : asRecord(raw)?.url;
      images.push(imageFromUrl(url, `messages[${index}].content[${partIndex}]`));
    } else {
      const what = part.type === "image_url" || part.type === "image" ? "Image input" : `Content of type "${part.type}"`;
      throw new HttpError(
        400,
        `${what} is not supported by qwenplug yet (messages[${index}].content[${partIndex}]); send text parts only.`,
        "invalid_request_error",
        "unsupported_content",
        `messages[${index}].content[${partIndex}]`,
      );
    }
  });
  return texts.join("\n");
}

/** An OpenAI message list as neutral turns; malformed tool-call arguments are kept as the raw string. */
function openAITurns(messages: readonly ChatMessage[]): NeutralTurn[] {
  return messages.map((message, index): NeutralTurn => {
    const images: NeutralImage[] = [];
    const text = messageText(message, index, message.role === "user" ? images : undefined);
    switch (message.role) {
      case "system":
      case "developer":
        return { role: "system", text };
      case "user":
        return images.length > 0 ? { role: "user", text, images } : { role: "user", text };
      case "assistant":
        return {
          role: "assistant",
          text,
          calls: (message.tool_calls ?? []).map((call) => {
            const raw = call.function.arguments ?? "{}";
            if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) throw tooDeep(`messages[${index}].tool_calls: the arguments`, `messages[${index}].tool_calls`);
            try {
              return { name: call.function.name, arguments: JSON.parse(raw) as unknown };
            } catch {
              // Keep the raw string: the model should see what it sent, even if malformed.
              return { name: call.function.name, arguments: raw };
            }
          }),
        };
      default:
        return { role: "tool", text, label: message.name ?? message.tool_call_id ?? "tool" };
    }
  });
}

/** Flattens an OpenAI message list (see `flattenTurns`). */
export function flattenMessages(messages: readonly ChatMessage[], maxChars: number, tooling: Tooling = NO_TOOLS): { prompt: string; droppedTurns: number } {
  return flattenTurns(openAITurns(messages), tooling, maxChars);
}
/** An OpenAI request's tools, checked: only function tools, and a named tool_choice must be one of them. */
function openAITooling(chat: ChatRequest): Tooling {
  const tools = (chat.tools ?? []).map((tool, index): NeutralTool => {
    if (tool.type !== "function" || tool.function === undefined) {
      throw new HttpError(400, `tools[${index}] is of type "${tool.type}"; qwenplug supports function tools only.`, "invalid_request_error", "unsupported_value", `tools[${index}]`);
    }
    return { name: tool.function.name, description: tool.function.description ?? undefined, parameters: tool.function.parameters };
  });
  const raw = chat.tool_choice;
  const choice: ToolChoice = raw === undefined || raw === null ? { type: "auto" } : typeof raw === "string" ? { type: raw } : { type: "function", name: raw.function.name };
  if (choice.type === "function" && !tools.some((t) => t.name === choice.name)) {
    throw new HttpError(400, `tool_choice names the function "${choice.name}", which is not in tools.`, "invalid_request_error", "invalid_value", "tool_choice");
  }
  if (choice.type !== "auto" && choice.type !== "none" && tools.length === 0) {
    throw new HttpError(400, "tool_choice asks for a tool call but no tools were given.", "invalid_request_error", "invalid_value", "tool_choice");
  }
  return { tools, choice, parallel: chat.parallel_tool_calls !== false };
}

const THINKING_EFFORTS = new Set(["medium", "high", "xhigh"]);
const THINKING_BUDGETS: ReadonlyMap<string, number> = new Map([
  ["medium", 8192],
  ["high", 16384],
  ["xhigh", 32768],
]);

/** An OpenAI chat request as a NeutralRequest. */
async function decodeOpenAIChat(body: unknown, resolveModel: ModelResolver): Promise<NeutralRequest> {
  const chat = parseBody(chatSchemas().request, body);
  if (chat.n !== undefined && chat.n !== null && chat.n !== 1) {
    throw new HttpError(400, "Only n=1 is supported.", "invalid_request_error", "unsupported_value", "n");
  }
  const tooling = openAITooling(chat);
  const turns = openAITurns(chat.messages);
  const effort = chat.reasoning_effort?.toLowerCase();
  const model = await resolveModel(chat.model, {
    thinking: chat.enable_thinking ?? (effort !== undefined ? THINKING_EFFORTS.has(effort) : undefined),
    search: chat.web_search ?? chat.enable_search ?? undefined,
  });
  const thinkingBudget = effort === undefined ? undefined : THINKING_BUDGETS.get(effort);
  const format = chat.response_format;
  const json = format === undefined || format === null ? undefined : jsonAnswerOf({ ...format.json_schema, type: format.type }, "response_format");
  return {
    ...model,
    ...(thinkingBudget === undefined ? {} : { thinkingBudget }),
    turns: json === undefined ? turns : [...turns, json.turn],
    tooling,
    stream: chat.stream === true,
    includeUsage: chat.stream_options?.include_usage === true,
    ...(json === undefined ? {} : { jsonAnswer: json.jsonAnswer }),
  };
}

/**
 * The OpenAI chat wire format. Chunks are built from strings with the
 * constant part made once per request, so the hot path only stringifies the
 * new text. A tool call goes out as two fragments, as OpenAI sends them: the
 * first with index, id, type and name, the second with the arguments.
 */
function createOpenAIEncoder(req: NeutralRequest): ReplyEncoder {
  const id = `chatcmpl-${randomHex32().slice(0, 24)}`;
  const created = Math.floor(Date.now() / 1000);
  const envelope = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(req.clientModel)},"system_fingerprint":null,"choices":`;
  const open = `${envelope}[{"index":0,"delta":`;
  const delta = (json: string) => sseData(`${open}${json},"logprobs":null,"finish_reason":null}]}`);
  return {
    id,
    heartbeat: ": keep-alive\n\n",
    open: () => delta(`{"role":"assistant","content":""}`),
    text: (text) => delta(`{"content":${JSON.stringify(text)}}`),
    reasoning: (text) => delta(`{"reasoning_content":${JSON.stringify(text)}}`),
    toolCall: (call) =>
      delta(`{"tool_calls":[{"index":${call.index},"id":${JSON.stringify(call.id)},"type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":""}}]}`) +
      delta(`{"tool_calls":[{"index":${call.index},"function":{"arguments":${JSON.stringify(call.argumentsJson)}}}]}`),
    finish: (reason, usage) =>
      sseData(`${open}{},"logprobs":null,"finish_reason":${JSON.stringify(reason)}}]}`) +
      (req.includeUsage ? sseData(`${envelope}[],"usage":${JSON.stringify(openAIUsage(usage))}}`) : "") +
      "data: [DONE]\n\n",
    error: (err) => sseData(errorBody(err)),
    body(reply) {
      const hasCalls = reply.toolCalls.length > 0;
      const message: Record<string, unknown> = { role: "assistant", content: reply.text === "" && hasCalls ? null : reply.text };
      if (reply.reasoning !== "") message.reasoning_content = reply.reasoning;
      if (hasCalls) {
        message.tool_calls = reply.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.argumentsJson } }));
      }
      return JSON.stringify({
        id,
        object: "chat.completion",
        created,
        model: req.clientModel,
        system_fingerprint: null,
        choices: [{ index: 0, message, logprobs: null, finish_reason: reply.finishReason }],
        usage: openAIUsage(reply.usage),
      });
    },
  };
}

function openAIUsage(usage: Usage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

const openAIChat: Dialect = { decode: decodeOpenAIChat, encoder: createOpenAIEncoder, errorBody, fields: onFirstUse(() => fieldsOf(chatSchemas().request)) };

// ── Client dialect: Anthropic Messages ──────────────────────────────────────
//
// POST /v1/messages and /v1/messages/count_tokens, decoded into the same
// NeutralRequest and encoded from the same neutral events as OpenAI chat.

const anthropicSchemas = onFirstUse(() => {
  const AnthropicTextBlockSchema = z.looseObject({ type: z.string(), text: optional(z.string()) });

  /** Any content block; which fields a type needs is checked while decoding. */
  const AnthropicBlockSchema = z.looseObject({
    type: z.string(),
    text: optional(z.string()),
    id: optional(z.string()),
    name: optional(z.string()),
    input: optional(z.unknown()),
    tool_use_id: optional(z.string()),
    content: optional(z.union([z.string(), z.array(AnthropicTextBlockSchema)])),
    is_error: optional(z.boolean()),
  });

  const AnthropicRequestSchema = z.looseObject({
    model: nonEmptyString("must be a non-empty string"),
    max_tokens: z.int().check(z.minimum(1, "must be at least 1")),
    messages: z
      .array(z.looseObject({ role: z.enum(["user", "assistant", "system"]), content: z.union([z.string(), z.array(AnthropicBlockSchema)]) }))
      .check(z.minLength(1, "must contain at least one message")),
    system: optional(z.union([z.string(), z.array(AnthropicTextBlockSchema)])),
    stream: nullish(z.boolean()),
    tools: optional(
      z.array(
        z.looseObject({ name: nonEmptyString("must be a non-empty tool name"), type: nullish(z.string()), description: optional(z.string()), input_schema: optional(z.unknown()) }),
      ),
    ),
    tool_choice: optional(z.looseObject({ type: z.enum(["auto", "any", "tool", "none"]), name: optional(z.string()), disable_parallel_tool_use: optional(z.boolean()) })),
    thinking: optional(z.looseObject({ type: z.string() })),
  });

  /** count_tokens takes a Messages request without max_tokens. */
  const AnthropicCountTokensSchema = z.extend(AnthropicRequestSchema, { max_tokens: optional(z.int()) });
  return { request: AnthropicRequestSchema, countTokens: AnthropicCountTokensSchema };
});

type AnthropicRequest = z.infer<ReturnType<typeof anthropicSchemas>["countTokens"]>;

/**
 * Anthropic clients ask for Claude models by name, some in the background
 * (Claude Code uses a haiku model for titles and summaries), so those names
 * get stand-ins: haiku → qwen-flash, any other claude-* → qwen3-coder.
 */
function claudeStandIn(model: string): string {
  const lower = model.toLowerCase();
  if (!lower.startsWith("claude-")) return model;
  return lower.includes("haiku") ? "qwen-flash" : "qwen3-coder";
}

const IMAGE_IN_TOOL_RESULT = "[image omitted: qwenplug passes text only]";

/**
 * The conversation as neutral turns. A user message's tool_result blocks
 * become tool turns (labelled with the name of the tool_use they answer) and
 * its text blocks a user turn, in their order; thinking blocks are the
 * model's own and are not sent back. System messages inside `messages`
 * (Claude Code 2.1 sends its environment that way) join the system block.
 */
function anthropicTurns(request: AnthropicRequest): NeutralTurn[] {
  const turns: NeutralTurn[] = [];
  const system = typeof request.system === "string" ? request.system : (request.system ?? []).map((b) => b.text ?? "").join("\n\n");
  if (system !== "") turns.push({ role: "system", text: system });
  const toolNames = new Map<string, string>();
  request.messages.forEach((message, i) => {
    const blocks = typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
    const texts: string[] = [];
    const images: NeutralImage[] = [];
    const calls: Array<{ name: string; arguments: unknown }> = [];
    const flushUserText = () => {
      if (images.length > 0) turns.push({ role: "user", text: texts.splice(0).join("\n"), images: images.splice(0) });
      else if (texts.length > 0) turns.push({ role: "user", text: texts.splice(0).join("\n") });
    };
    blocks.forEach((block, j) => {
      const where = `messages[${i}].content[${j}]`;
      if (block.type === "text") texts.push(block.text ?? "");
      else if (message.role === "assistant" && block.type === "tool_use" && block.name !== undefined) {
        calls.push({ name: block.name, arguments: block.input ?? {} });
        if (block.id !== undefined) toolNames.set(block.id, block.name);
      } else if (message.role === "user" && block.type === "tool_result") {
        flushUserText();
        const id = block.tool_use_id ?? "tool";
        const content = typeof block.content === "string" ? block.content : (block.content ?? []).map((b) => (b.type === "text" ? (b.text ?? "") : IMAGE_IN_TOOL_RESULT)).join("\n");
        const name = toolNames.get(id) ?? id;
        turns.push({ role: "tool", text: content, label: block.is_error === true ? `${name}, error` : name });
      } else if (message.role === "user" && block.type === "image") {
        images.push(anthropicImage(block.source, where));
      } else if (block.type !== "thinking" && block.type !== "redacted_thinking") {
        const what = block.type === "image" ? "Image input" : `A "${block.type}" block in a ${message.role} message`;
        throw new HttpError(400, `${what} is not supported by qwenplug (${where}); send text, tool_use and tool_result blocks.`, "invalid_request_error", "unsupported_content", where);
      }
    });
    if (message.role === "assistant") turns.push({ role: "assistant", text: texts.join("\n"), calls });
    else if (message.role === "system") turns.push({ role: "system", text: texts.join("\n") });
    else flushUserText();
  });
  return turns;
}

/**
 * The request's tools. Client tools (with an input_schema) are described to
 * the model; Anthropic's web_search server tool switches on Qwen's own
 * search instead; other server tools cannot run here.
 */
function anthropicTooling(request: AnthropicRequest): { tooling: Tooling; search?: boolean } {
  const tools: NeutralTool[] = [];
  let search: boolean | undefined;
  (request.tools ?? []).forEach((tool, index) => {
    if (tool.type === undefined || tool.type === null || tool.type === "custom") {
      tools.push({ name: tool.name, description: tool.description, parameters: tool.input_schema });
    } else if (tool.type.startsWith("web_search")) {
      search = true;
    } else {
      throw new HttpError(400, `The server tool "${tool.type}" is not supported by qwenplug; send client tools with an input_schema.`, "invalid_request_error", "unsupported_value", `tools[${index}]`);
    }
  });
  const raw = request.tool_choice;
  const choice: ToolChoice =
    raw === undefined || raw.type === "auto" ? { type: "auto" } : raw.type === "any" ? { type: "required" } : raw.type === "none" ? { type: "none" } : { type: "function", name: raw.name ?? "" };
  if (choice.type === "function" && !tools.some((t) => t.name === choice.name)) {
    throw new HttpError(400, `tool_choice names the tool "${choice.name}", which is not in tools.`, "invalid_request_error", "invalid_value", "tool_choice");
  }
  return { tooling: { tools, choice, parallel: raw?.disable_parallel_tool_use !== true }, search };
}

/** max_tokens is required by the API; the web chat cannot take it, so `limitOutputTokens` enforces it. */
async function decodeAnthropicMessages(body: unknown, resolveModel: ModelResolver): Promise<NeutralRequest> {
  const request = parseBody(anthropicSchemas().request, body);
  const { tooling, search } = anthropicTooling(request);
  const turns = anthropicTurns(request);
  const thinking = request.thinking?.type === "enabled" ? true : request.thinking?.type === "disabled" ? false : undefined;
  const model = await resolveModel(claudeStandIn(request.model), { thinking, search });
  const thinkingBudget = typeof request.thinking?.budget_tokens === "number" ? request.thinking.budget_tokens : undefined;
  return { ...model, ...(thinkingBudget === undefined ? {} : { thinkingBudget }), clientModel: request.model, turns, tooling, stream: request.stream === true, includeUsage: true, maxOutputTokens: request.max_tokens };
}

/** An estimate, like every CN count: the whole conversation flattened as the upstream would see it, with no budget applied. */
function countAnthropicTokens(body: unknown): Response {
  const request = parseBody(anthropicSchemas().countTokens, body);
  const { prompt } = flattenTurns(anthropicTurns(request), anthropicTooling(request).tooling, Number.MAX_SAFE_INTEGER);
  return jsonResponse(200, JSON.stringify({ input_tokens: estimateTokens(prompt) }));
}

const ANTHROPIC_STOP_REASONS: Readonly<Record<FinishReason, string>> = {
  stop: "end_turn",
  tool_calls: "tool_use",
  length: "max_tokens",
  content_filter: "refusal",
};

/** Anthropic's error type for a status; the status itself stays what qwenplug decided. */
function anthropicErrorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit_error";
  if (status === 503) return "overloaded_error";
  return status >= 500 ? "api_error" : "invalid_request_error";
}

const anthropicErrorBody = (err: HttpError) => JSON.stringify({ type: "error", error: { type: anthropicErrorType(err.status), message: err.message } });

function anthropicUsage(usage: Usage) {
  return { input_tokens: usage.promptTokens, output_tokens: usage.completionTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

/**
 * The Messages wire format. A stream is message_start, then content blocks
 * (thinking, text, tool_use), each opened, filled with deltas and stopped,
 * then message_delta with the stop reason and usage, and message_stop; pings
 * keep it alive. Thinking blocks carry an empty signature: nothing signs them.
 */
function createAnthropicEncoder(req: NeutralRequest): ReplyEncoder {
  const id = `msg_${randomHex32().slice(0, 24)}`;
  let openBlock: "text" | "thinking" | undefined;
  let index = -1;
  const event = (type: string, fields: Record<string, unknown>) => sseEvent(type, JSON.stringify({ type, ...fields }));
  const stopBlock = () => {
    if (openBlock === undefined) return "";
    openBlock = undefined;
    return event("content_block_stop", { index });
  };
  const startBlock = (block: Record<string, unknown>) => {
    const stop = stopBlock();
    index++;
    return stop + event("content_block_start", { index, content_block: block });
  };
  const delta = (fields: Record<string, unknown>) => event("content_block_delta", { index, delta: fields });
  const inBlock = (kind: "text" | "thinking") => {
    if (openBlock === kind) return "";
    const start = startBlock(kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" });
    openBlock = kind;
    return start;
  };
  const message = (fields: Record<string, unknown>) => ({ id, type: "message", role: "assistant", model: req.clientModel, ...fields, stop_sequence: null });
  return {
    id,
    heartbeat: event("ping", {}),
    open: (promptTokens) =>
      event("message_start", { message: message({ content: [], stop_reason: null, usage: { input_tokens: promptTokens, output_tokens: 0 } }) }) + event("ping", {}),
    text: (text) => inBlock("text") + delta({ type: "text_delta", text }),
    reasoning: (text) => inBlock("thinking") + delta({ type: "thinking_delta", thinking: text }),
    toolCall: (call) =>
      startBlock({ type: "tool_use", id: call.id, name: call.name, input: {} }) +
      delta({ type: "input_json_delta", partial_json: call.argumentsJson }) +
      event("content_block_stop", { index }),
    finish: (reason, usage) =>
      stopBlock() +
      event("message_delta", { delta: { stop_reason: ANTHROPIC_STOP_REASONS[reason], stop_sequence: null }, usage: anthropicUsage(usage) }) +
      event("message_stop", {}),
    error: (err) => sseEvent("error", anthropicErrorBody(err)),
    body(reply) {
      const content: Array<Record<string, unknown>> = [];
      if (reply.reasoning !== "") content.push({ type: "thinking", thinking: reply.reasoning, signature: "" });
      if (reply.text !== "") content.push({ type: "text", text: reply.text });
      for (const call of reply.toolCalls) content.push({ type: "tool_use", id: call.id, name: call.name, input: JSON.parse(call.argumentsJson) });
      return JSON.stringify(message({ content, stop_reason: ANTHROPIC_STOP_REASONS[reply.finishReason], usage: anthropicUsage(reply.usage) }));
    },
  };
}

const anthropicMessages: Dialect = { decode: decodeAnthropicMessages, encoder: createAnthropicEncoder, errorBody: anthropicErrorBody, fields: onFirstUse(() => fieldsOf(anthropicSchemas().request)) };

// ── Client dialect: OpenAI Responses ────────────────────────────────────────
//
// POST /v1/responses (what Codex CLI and the Agents SDK speak), decoded into
// the same NeutralRequest and encoded from the same neutral events as the
// other two dialects. Replies are kept for `previous_response_id` in the
// app's state store (so they survive a restart with SQLite and are shared by
// replicas with Redis), bounded by count, age and bytes; GET and DELETE
// /v1/responses/{id} read it.

const responsesRequestSchema = onFirstUse(() => {
  const ResponsesPartSchema = z.looseObject({ type: z.string(), text: optional(z.string()) });

  /** Any input item; which fields a type needs is checked while decoding. */
  const ResponsesItemSchema = z.looseObject({
    type: optional(z.string()),
    role: optional(z.string()),
    content: optional(z.union([z.string(), z.array(ResponsesPartSchema)])),
    call_id: optional(z.string()),
    name: optional(z.string()),
    arguments: optional(z.string()),
    output: optional(z.union([z.string(), z.array(ResponsesPartSchema)])),
  });

  return z.looseObject({
    model: nonEmptyString("must be a non-empty string"),
    input: optional(z.union([z.string(), z.array(ResponsesItemSchema)])),
    instructions: nullish(z.string()),
    tools: nullish(z.array(z.looseObject({ type: z.string(), name: optional(z.string()), description: nullish(z.string()), parameters: nullish(z.unknown()) }))),
    tool_choice: nullish(z.union([z.enum(["auto", "none", "required"]), z.looseObject({ type: z.string(), name: optional(z.string()) })])),
    parallel_tool_calls: nullish(z.boolean()),
    reasoning: nullish(z.looseObject({ effort: nullish(z.string()), summary: nullish(z.string()) })),
    max_output_tokens: nullish(z.int().check(z.minimum(1, "must be at least 1"))),
    stream: nullish(z.boolean()),
    store: nullish(z.boolean()),
    previous_response_id: nullish(z.string()),
    text: nullish(z.looseObject({ format: nullish(jsonFormatSchema()) })),
    metadata: nullish(z.record(z.string(), z.string())),
  });
});

type ResponsesRequest = z.infer<ReturnType<typeof responsesRequestSchema>>;

/** A reply kept for previous_response_id: its JSON for GET, and the conversation so far without instructions (they do not carry over). */
interface StoredResponse {
  response: Record<string, unknown>;
  turns: readonly NeutralTurn[];
  /** call_id → function name, so a later function_call_output is labelled like the other dialects label tool results. */
  callNames: ReadonlyMap<string, string>;
  storedAt: number;
}

/** A stored response as the state store holds it: JSON, with the call names as entries. */
interface StoredResponseRecord {
  response: Record<string, unknown>;
  turns: readonly NeutralTurn[];
  callNames: Array<[string, string]>;
  storedAt: number;
}

/** The entries kept, oldest first: id, JSON bytes, when stored. One record, changed by versioned writes, so replicas agree. */
type ResponsesIndex = Array<[string, number, number]>;

const RESPONSES_INDEX_KEY = "responses:index";
const responseKey = (id: string) => `responses:${id}`;

export interface ResponsesStore {
  /** Whether the entry will be kept: false (and nothing stored) when it alone exceeds RESPONSES_STORE_MAX_BYTES or the store holds nothing. */
  put(id: string, entry: StoredResponse): boolean;
  get(id: string): Promise<StoredResponse | undefined>;
  delete(id: string): Promise<void>;
}

/**
 * The Responses store on the app's StateStore: one record per response (with
 * RESPONSES_STORE_TTL_MS as its expiry) and one index record, so the count
 * (RESPONSES_STORE_MAX) and the bytes (RESPONSES_STORE_MAX_BYTES, the JSON
 * size) are bounded across replicas; the oldest entries go first. A put is
 * answered at once and written in the background; a get of that id waits for
 * the write, so a follow-up sent right after the reply finds it.
 */
export function createResponsesStore(store: StateStore, limits: { max: number; ttlMs: number; maxBytes: number }, now: () => number = Date.now): ResponsesStore {
  const writing = new Map<string, Promise<void>>();
  /** Adds an entry to the index and evicts what no longer fits; a versioned write, tried again when another writer came first. */
  async function admit(id: string, bytes: number, storedAt: number): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await store.get<ResponsesIndex>(RESPONSES_INDEX_KEY);
      const cutoff = now() - limits.ttlMs;
      const index = (current?.value ?? []).filter(([entryId, , at]) => at >= cutoff && entryId !== id);
      index.push([id, bytes, storedAt]);
      let total = index.reduce((sum, [, size]) => sum + size, 0);
      const evicted: string[] = [];
      while (index.length > limits.max || total > limits.maxBytes) {
        const [oldest, size] = index.shift() as [string, number, number];
        evicted.push(oldest);
        total -= size;
      }
      if ((await store.put(RESPONSES_INDEX_KEY, index, { ifVersion: current?.version ?? 0 })) === undefined) continue;
      await Promise.all(evicted.map((oldId) => store.delete(responseKey(oldId))));
      return;
    }
  }
  return {
    put(id, entry) {
      const record: StoredResponseRecord = { response: entry.response, turns: entry.turns, callNames: [...entry.callNames], storedAt: entry.storedAt };
      const bytes = Buffer.byteLength(toStateJson(record));
      if (limits.max === 0 || bytes > limits.maxBytes) return false;
      const write = store
        .put(responseKey(id), record, { ttlMs: limits.ttlMs })
        .then(() => admit(id, bytes, entry.storedAt))
        .catch(() => {})
        .finally(() => writing.delete(id));
      writing.set(id, write);
      return true;
    },
    async get(id) {
      await writing.get(id);
      const found = await store.get<StoredResponseRecord>(responseKey(id));
      if (found === undefined || found.value.storedAt < now() - limits.ttlMs) return undefined;
      const { response, turns, callNames, storedAt } = found.value;
      return { response, turns, callNames: new Map(callNames), storedAt };
    },
    async delete(id) {
      await writing.get(id);
      await store.delete(responseKey(id));
      for (let attempt = 0; attempt < 20; attempt++) {
        const current = await store.get<ResponsesIndex>(RESPONSES_INDEX_KEY);
        if (current === undefined || !current.value.some(([entryId]) => entryId === id)) return;
        const index = current.value.filter(([entryId]) => entryId !== id);
        if ((await store.put(RESPONSES_INDEX_KEY, index, { ifVersion: current.version })) !== undefined) return;
      }
    },
  };
}

/** What the encoder needs from the request beyond the NeutralRequest: the fields echoed in the response object, and what to store. */
interface ResponsesContext {
  echo: Record<string, unknown>;
  /** The conversation without instructions, as a follow-up continues it. */
  history: readonly NeutralTurn[];
  callNames: ReadonlyMap<string, string>;
  store: boolean;
  responses: ResponsesStore;
}

/** Decoded requests' contexts, keyed by the NeutralRequest object the encoder is later given: the shared Dialect shape stays as it is. */
const responsesContexts = new WeakMap<NeutralRequest, ResponsesContext>();

const notStored = (id: string) =>
  new HttpError(404, `No stored response has the id '${id}': it was never stored (store: false), has expired (RESPONSES_STORE_TTL_MS), was evicted (RESPONSES_STORE_MAX, RESPONSES_STORE_MAX_BYTES), or was kept in memory only (STATE_PATH=off) by a server that restarted.`, "invalid_request_error", "previous_response_not_found", "previous_response_id");

function responsesPartText(part: { type: string; text?: string; refusal?: unknown }, where: string): string {
  if ((part.type === "input_text" || part.type === "output_text" || part.type === "text" || part.type === "summary_text") && typeof part.text === "string") return part.text;
  if (part.type === "refusal") return typeof part.refusal === "string" ? part.refusal : "";
  const what = part.type === "input_image" ? "Image input" : part.type === "input_file" ? "File input" : `Content of type "${part.type}"`;
  throw new HttpError(400, `${what} is not supported by qwenplug yet (${where}); send text parts only.`, "invalid_request_error", "unsupported_content", where);
}

/**
 * The input items as neutral turns, after the stored conversation. A
 * function_call joins the assistant turn before it (parallel calls are one
 * turn); reasoning items are the model's own and are not sent back; item
 * types qwenplug cannot act on are skipped.
 */
function responsesTurns(request: ResponsesRequest, prior: StoredResponse | undefined): { turns: NeutralTurn[]; callNames: Map<string, string> } {
  const turns: NeutralTurn[] = [...(prior?.turns ?? [])];
  const callNames = new Map(prior?.callNames ?? []);
  const input = request.input ?? [];
  const items = typeof input === "string" ? [{ type: "message", role: "user", content: input }] : input;
  items.forEach((item, i) => {
    const where = `input[${i}]`;
    const type = item.type ?? "message";
    if (type === "message") {
      const content = item.content ?? "";
      const images: NeutralImage[] = [];
      const text =
        typeof content === "string"
          ? content
          : content
              .flatMap((part, j) => (item.role === "user" && part.type === "input_image" ? (images.push(imageFromUrl(part.image_url, `${where}.content[${j}]`)), []) : [responsesPartText(part, `${where}.content[${j}]`)]))
              .join("\n");
      if (item.role === "user") turns.push(images.length > 0 ? { role: "user", text, images } : { role: "user", text });
      else if (item.role === "assistant") turns.push({ role: "assistant", text, calls: [] });
      else if (item.role === "system" || item.role === "developer") turns.push({ role: "system", text });
      else throw new HttpError(400, `${where}.role must be one of "user", "assistant", "system", "developer".`, "invalid_request_error", "invalid_value", `${where}.role`);
    } else if (type === "function_call") {
      if (item.name === undefined) throw new HttpError(400, `${where} is a function_call without a name.`, "invalid_request_error", "missing_required_parameter", `${where}.name`);
      const raw = item.arguments ?? "{}";
      if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) throw tooDeep(`${where}: the arguments`, where);
      let args: unknown = raw;
      try {
        args = JSON.parse(raw);
      } catch {
        // Keep the raw string: the model should see what it sent, even if malformed.
      }
      if (item.call_id !== undefined) callNames.set(item.call_id, item.name);
      const last = turns[turns.length - 1];
      const call = { name: item.name, arguments: args };
      if (last?.role === "assistant") turns[turns.length - 1] = { ...last, calls: [...last.calls, call] };
      else turns.push({ role: "assistant", text: "", calls: [call] });
    } else if (type === "function_call_output") {
      const output = item.output ?? "";
      const text = typeof output === "string" ? output : output.map((part, j) => responsesPartText(part, `${where}.output[${j}]`)).join("\n");
      const id = item.call_id ?? "tool";
      turns.push({ role: "tool", text, label: callNames.get(id) ?? id });
    }
  });
  return { turns, callNames };
}

/**
 * Function tools (flat: name and parameters at the top) are described to the
 * model; web_search turns on the upstream's own search; every other tool type
 * (file_search, MCP, custom, namespace, …) cannot run here and is left out
 * rather than failing a client that always sends them.
 */
function responsesTooling(request: ResponsesRequest): { tooling: Tooling; search?: boolean } {
  const tools: NeutralTool[] = [];
  let search: boolean | undefined;
  (request.tools ?? []).forEach((tool, index) => {
    if (tool.type === "function") {
      if (tool.name === undefined || tool.name === "") throw new HttpError(400, `tools[${index}] is a function tool without a name.`, "invalid_request_error", "missing_required_parameter", `tools[${index}].name`);
      tools.push({ name: tool.name, description: tool.description ?? undefined, parameters: tool.parameters ?? undefined });
    } else if (tool.type.startsWith("web_search")) {
      search = true;
    }
  });
  const raw = request.tool_choice;
  const choice: ToolChoice =
    raw === undefined || raw === null
      ? { type: "auto" }
      : typeof raw === "string"
        ? { type: raw }
        : raw.type === "function"
          ? { type: "function", name: raw.name ?? "" }
          : { type: "auto" };
  if (choice.type === "function" && !tools.some((t) => t.name === choice.name)) {
    throw new HttpError(400, `tool_choice names the function "${choice.name}", which is not in tools.`, "invalid_request_error", "invalid_value", "tool_choice");
  }
  return { tooling: { tools, choice, parallel: request.parallel_tool_calls !== false }, search };
}

async function decodeResponses(body: unknown, resolveModel: ModelResolver, services: DialectServices): Promise<NeutralRequest> {
  const request = parseBody(responsesRequestSchema(), body);
  const previousId = request.previous_response_id ?? undefined;
  const prior = previousId === undefined ? undefined : await services.responses.get(previousId);
  if (previousId !== undefined && prior === undefined) throw notStored(previousId);
  const { tooling, search } = responsesTooling(request);
  const { turns: history, callNames } = responsesTurns(request, prior);
  if (!history.some((turn) => turn.role === "user" || turn.role === "tool")) {
    throw new HttpError(400, "'input' must contain at least one user message or function_call_output.", "invalid_request_error", "missing_required_parameter", "input");
  }
  const effort = request.reasoning?.effort?.toLowerCase() ?? undefined;
  const model = await resolveModel(request.model, { thinking: effort === undefined ? undefined : THINKING_EFFORTS.has(effort), search });
  const thinkingBudget = effort === undefined ? undefined : THINKING_BUDGETS.get(effort);
  const json = jsonAnswerOf(request.text?.format, "text.format");
  const instructions = request.instructions ?? "";
  const turns: NeutralTurn[] = [...(instructions === "" ? [] : [{ role: "system" as const, text: instructions }]), ...history, ...(json === undefined ? [] : [json.turn])];
  const neutral: NeutralRequest = {
    ...model,
    ...(thinkingBudget === undefined ? {} : { thinkingBudget }),
    turns,
    tooling,
    stream: request.stream === true,
    includeUsage: true,
    ...(request.max_output_tokens === undefined || request.max_output_tokens === null ? {} : { maxOutputTokens: request.max_output_tokens }),
    ...(json === undefined ? {} : { jsonAnswer: json.jsonAnswer }),
  };
  responsesContexts.set(neutral, {
    echo: {
      instructions: request.instructions ?? null,
      metadata: request.metadata ?? {},
      parallel_tool_calls: tooling.parallel,
      previous_response_id: previousId ?? null,
      reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
      store: request.store !== false,
      temperature: null,
      text: { format: request.text?.format ?? { type: "text" } },
      tool_choice: request.tool_choice ?? "auto",
      tools: (request.tools ?? []).filter((tool) => tool.type === "function"),
      top_p: null,
      max_output_tokens: request.max_output_tokens ?? null,
      truncation: "disabled",
    },
    history,
    callNames,
    store: request.store !== false,
    responses: services.responses,
  });
  return neutral;
}

function responsesUsage(usage: Usage) {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

type ResponsesItem = Record<string, unknown> & { id: string };

/**
 * The Responses wire format. A stream is response.created and
 * response.in_progress, then output items (reasoning with a summary part,
 * message with an output_text part, function_call), each added, filled with
 * deltas, and done, then response.completed (or response.incomplete when cut
 * at max_output_tokens, response.failed on an error). Every event carries a
 * sequence_number, counted here. The whole reply and the final event hold
 * the same response object, which is stored for previous_response_id.
 */
const responsesItemId = (prefix: string) => `${prefix}_${randomHex32()}`;

const messageItem = (text: string, status: string): ResponsesItem => ({
  id: responsesItemId("msg"),
  type: "message",
  status,
  role: "assistant",
  content: text === "" && status === "in_progress" ? [] : [{ type: "output_text", text, annotations: [], logprobs: [] }],
});
const reasoningItem = (text: string): ResponsesItem => ({ id: responsesItemId("rs"), type: "reasoning", summary: text === "" ? [] : [{ type: "summary_text", text }] });
const callItem = (call: ToolCall, status: string): ResponsesItem => ({ id: responsesItemId("fc"), type: "function_call", status, call_id: call.id, name: call.name, arguments: status === "completed" ? call.argumentsJson : "" });

/** Status and details for how a reply ended; `length` is OpenAI's max_output_tokens, a content filter its own reason. */
const ending = (reason: FinishReason) =>
  reason === "length"
    ? { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } }
    : reason === "content_filter"
      ? { status: "incomplete", incomplete_details: { reason: "content_filter" } }
      : { status: "completed" };

/**
 * Keeps a finished response for `previous_response_id`, with the conversation
 * it ends, unless the client said `store: false`. One that alone exceeds
 * RESPONSES_STORE_MAX_BYTES is not kept, and its `store` says false.
 */
function rememberResponse(context: ResponsesContext | undefined, id: string, final: Record<string, unknown>, text: string, calls: readonly ToolCall[]): void {
  if (context === undefined || !context.store) return;
  const callNames = new Map(context.callNames);
  for (const call of calls) callNames.set(call.id, call.name);
  const answer: NeutralTurn = { role: "assistant", text, calls: calls.map((call) => ({ name: call.name, arguments: JSON.parse(call.argumentsJson) as unknown })) };
  // Image bytes are not kept for previous_response_id: a follow-up sends only its own images.
  const history = context.history.map((turn): NeutralTurn => (turn.role === "user" && turn.images !== undefined ? { role: "user", text: turn.text } : turn));
  if (!context.responses.put(id, { response: final, turns: [...history, answer], callNames, storedAt: Date.now() })) final.store = false;
}

function createResponsesEncoder(req: NeutralRequest): ReplyEncoder {
  const id = `resp_${randomHex32()}`;
  const createdAt = Math.floor(Date.now() / 1000);
  const context = responsesContexts.get(req);
  let sequence = 0;
  const output: ResponsesItem[] = [];
  /** The item being streamed, and its text so far. */
  let open: { kind: "message" | "reasoning"; item: ResponsesItem; index: number; text: string[] } | undefined;
  const texts: string[] = [];
  const calls: ToolCall[] = [];

  const event = (type: string, fields: Record<string, unknown>) => sseEvent(type, JSON.stringify({ type, ...fields, sequence_number: sequence++ }));
  const response = (status: string, extra: Record<string, unknown> = {}) => ({
    id,
    object: "response",
    created_at: createdAt,
    status,
    error: null,
    incomplete_details: null,
    model: req.clientModel,
    output,
    ...context?.echo,
    usage: null,
    ...extra,
  });

  /** Ends the item being streamed; `status` is "incomplete" when the reply failed part-way through it. */
  const closeItem = (status = "completed"): string => {
    if (open === undefined) return "";
    const { kind, item, index, text } = open;
    open = undefined;
    const whole = text.join("");
    const at = { item_id: item.id, output_index: index };
    if (kind === "message") {
      const part = { type: "output_text", text: whole, annotations: [], logprobs: [] };
      const done = { ...item, status, content: [part] };
      output[index] = done;
      return (
        event("response.output_text.done", { ...at, content_index: 0, text: whole, logprobs: [] }) +
        event("response.content_part.done", { ...at, content_index: 0, part }) +
        event("response.output_item.done", { output_index: index, item: done })
      );
    }
    const part = { type: "summary_text", text: whole };
    const done = { ...item, summary: [part] };
    output[index] = done;
    return (
      event("response.reasoning_summary_text.done", { ...at, summary_index: 0, text: whole }) +
      event("response.reasoning_summary_part.done", { ...at, summary_index: 0, part }) +
      event("response.output_item.done", { output_index: index, item: done })
    );
  };
  const openItem = (kind: "message" | "reasoning"): string => {
    if (open?.kind === kind) return "";
    const closed = closeItem();
    const item = kind === "message" ? messageItem("", "in_progress") : reasoningItem("");
    const index = output.push(item) - 1;
    open = { kind, item, index, text: [] };
    const at = { item_id: item.id, output_index: index };
    return (
      closed +
      event("response.output_item.added", { output_index: index, item }) +
      (kind === "message"
        ? event("response.content_part.added", { ...at, content_index: 0, part: { type: "output_text", text: "", annotations: [], logprobs: [] } })
        : event("response.reasoning_summary_part.added", { ...at, summary_index: 0, part: { type: "summary_text", text: "" } }))
    );
  };
  const remember = (final: Record<string, unknown>) => rememberResponse(context, id, final, texts.join(""), calls);

  return {
    id,
    // A comment line: SSE clients skip it, and the SDKs never see an event they do not know.
    heartbeat: ": keep-alive\n\n",
    open: () => {
      const initial = response("in_progress");
      return event("response.created", { response: initial }) + event("response.in_progress", { response: initial });
    },
    text(text) {
      const start = openItem("message");
      open?.text.push(text);
      texts.push(text);
      return start + event("response.output_text.delta", { item_id: open?.item.id, output_index: open?.index, content_index: 0, delta: text, logprobs: [] });
    },
    reasoning(text) {
      const start = openItem("reasoning");
      open?.text.push(text);
      return start + event("response.reasoning_summary_text.delta", { item_id: open?.item.id, output_index: open?.index, summary_index: 0, delta: text });
    },
    toolCall(call) {
      const closed = closeItem();
      calls.push(call);
      const item = callItem(call, "in_progress");
      const index = output.push(item) - 1;
      const done = { ...item, status: "completed", arguments: call.argumentsJson };
      output[index] = done;
      return (
        closed +
        event("response.output_item.added", { output_index: index, item }) +
        event("response.function_call_arguments.delta", { item_id: item.id, output_index: index, delta: call.argumentsJson }) +
        event("response.function_call_arguments.done", { item_id: item.id, output_index: index, arguments: call.argumentsJson }) +
        event("response.output_item.done", { output_index: index, item: done })
      );
    },
    finish(reason, usage) {
      const closed = closeItem();
      const { status, ...details } = ending(reason);
      const final = response(status, { ...details, completed_at: Math.floor(Date.now() / 1000), usage: responsesUsage(usage) });
      remember(final);
      return closed + event(status === "completed" ? "response.completed" : "response.incomplete", { response: final });
    },
    error(err) {
      const closed = closeItem("incomplete");
      return closed + event("response.failed", { response: response("failed", { error: { code: err.code ?? err.type, message: err.message } }) });
    },
    body(reply) {
      if (reply.reasoning !== "") output.push(reasoningItem(reply.reasoning));
      if (reply.text !== "") output.push(messageItem(reply.text, "completed"));
      for (const call of reply.toolCalls) output.push(callItem(call, "completed"));
      texts.push(reply.text);
      calls.push(...reply.toolCalls);
      const { status, ...details } = ending(reply.finishReason);
      const final = response(status, { ...details, completed_at: Math.floor(Date.now() / 1000), usage: responsesUsage(reply.usage) });
      remember(final);
      return JSON.stringify(final);
    },
  };
}

const openAIResponses: Dialect = { decode: decodeResponses, encoder: createResponsesEncoder, errorBody, fields: onFirstUse(() => fieldsOf(responsesRequestSchema())) };

/** GET or DELETE /v1/responses/{id}: a stored reply, as it was returned. */
async function handleStoredResponse(app: App, method: string, id: string): Promise<Response> {
  const stored = await app.responses.get(id);
  if (stored === undefined) throw notStored(id);
  if (method === "DELETE") {
    await app.responses.delete(id);
    return jsonResponse(200, JSON.stringify({ id, object: "response.deleted", deleted: true }));
  }
  return jsonResponse(200, JSON.stringify(stored.response));
}

// ── Serve: one reply, whole or streamed ─────────────────────────────────────

/** What the request handlers share: built once by `createApp`. */
interface App {
  config: Config;
  adapters: Record<UpstreamName, UpstreamAdapter>;
  pools: Record<UpstreamName, Pool>;
  /** The accounts the adapters and pools serve with: the environment's, and those added while running. */
  accounts: AccountRegistries;
  /** Client keys made with POST /admin/keys: name to SHA-256 digest. */
  clientKeys: Map<string, Buffer>;
  usage: UsageBook;
  /** Settles once the accounts and keys added through the admin API are restored from the store. */
  operatorsReady: Promise<void>;
  redact: Redactor;
  /** Writes a line as it is (already redacted); `info` and `debug` redact and respect LOG_LEVEL. */
  write: (line: string) => void;
  info: (line: string) => void;
  debug: (line: string) => void;
  requestTtft: ReturnType<typeof createSampleWindow>;
  /** Completions per 10 s over the last 10 minutes, for the status page's chart. */
  traffic: TrafficWindow;
  startedAt: number;
  isStopping: boolean;
  /** Request-body bytes being read right now, across requests (BODY_BYTES_IN_FLIGHT_MAX). */
  bodyBytesInFlight: number;
  /** Fetched image bytes held by requests not yet over (IMAGE_BYTES_IN_FLIGHT_MAX). */
  imageBytesInFlight: number;
  /** Per upstream, what it sent that no decoder understood (shown in /status). */
  drift: Record<UpstreamName, DriftLog>;
  /** Completions under way, so a shutdown can wait for them or end them. */
  runs: Set<CompletionRun>;
  /** Upstreams with at least one account, the default first. */
  configured: readonly UpstreamName[];
  /** The state store, and the Responses store on it. */
  store: StateStore;
  /** When the traffic window was last saved to the store. */
  trafficSavedAt: number;
  responses: ResponsesStore;
}

/** The part of Bun's Server that the handler uses; absent in in-process tests. */
export interface ServerLike {
  timeout(request: Request, seconds: number): void;
  requestIP(request: Request): { address: string } | null;
}

interface RequestLog {
  /** The request path as sent, parsed once per request. */
  path: string;
  status: number;
  model?: string;
  /** `cn#1`, `intl#2`: upstream and account number, never a secret. */
  account?: string;
  /** The client key's name (`master`, an API_KEYS name, `local` without keys), for the usage figures. */
  keyName?: string;
  /** The reply's tokens once it ended, and whether the upstream reported them (else they are estimates). */
  usage?: () => { usage: Usage; isReported: boolean };
  ttftMs?: number;
  outcome?: string;
  /** Set once a stream is committed: it logs its own line when it ends. */
  isStreaming?: boolean;
}

/** One client request on its way through. */
interface Exchange {
  request: Request;
  server?: ServerLike;
  log: RequestLog;
  started: number;
}

/**
 * A completion under way: its event batches after every stage, a promise
 * that settles once an account serves it, and the one clean-up path.
 * `close()` is idempotent: it aborts every upstream attempt first (so no
 * pending read holds it up), then resumes the generators so that their
 * `finally` blocks run now: the slot goes back to the pool, the upstream chat
 * is deleted in the background.
 */
interface CompletionRun {
  batches: AsyncGenerator<EventBatch>;
  acquired: Promise<void>;
  readonly isClientGone: boolean;
  /** Whether the shutdown grace ended it (`close("shutdown")`): the client hears that, not a truncated upstream. */
  readonly isShutDown: boolean;
  /** "ended": the reply's terminal event has been handled, so the stages wait at a yield and can finish before the abort. */
  close(reason?: "shutdown" | "ended"): Promise<void>;
}

/** What a reply ended by the shutdown grace gets: a 503, in-stream once the stream had started (issue 21 #8). */
const shutdownCutError = () =>
  new HttpError(503, "qwenplug is shutting down and ended this reply (SHUTDOWN_GRACE_MS); send the request again in a moment.", "server_error", "server_shutting_down", null, { "retry-after": "5" });

/** The abort reason of every finished request: one instance, since building an Error (its stack) per request costs more than the abort. */
const REQUEST_OVER = new Error("request over");

function startCompletion(app: App, ex: Exchange, req: UpstreamRequest, onClose: () => void = () => {}): CompletionRun {
  const stop = new Stop();
  let isClientGone = false;
  let markAcquired = () => {};
  const acquired = new Promise<void>((resolve) => (markAcquired = resolve));
  const gate: GateOptions = {
    adapter: app.adapters[req.upstream],
    pool: app.pools[req.upstream],
    maxAttempts: app.config.failoverMaxAttempts,
    holdbackChars: app.config.holdbackChars,
    holdbackMs: app.config.holdbackMs,
    debug: app.debug,
    onAttempt: (account) => {
      ex.log.account = `${req.upstream}#${account.number}`;
      markAcquired();
    },
  };
  const batches = withStages(runWithFailover(req, gate, stop), req, app.config.toolBlockMaxChars);
  let closing: Promise<void> | undefined;
  let isShutDown = false;
  const close = (reason?: "shutdown" | "ended") =>
    (closing ??= (async () => {
      isShutDown = reason === "shutdown";
      ex.request.signal.removeEventListener("abort", onClientGone);
      // Aborting first stops a read in progress, which return() would wait behind; after the last event there is none.
      if (reason === "ended") await batches.return(undefined).catch(() => undefined);
      stop.abort(REQUEST_OVER);
      await batches.return(undefined).catch(() => undefined);
      app.runs.delete(run);
      onClose();
    })());
  const onClientGone = () => {
    isClientGone = true;
    void close();
  };
  ex.request.signal.addEventListener("abort", onClientGone, { once: true });
  const run: CompletionRun = {
    batches,
    acquired,
    get isClientGone() {
      return isClientGone;
    },
    get isShutDown() {
      return isShutDown;
    },
    close,
  };
  app.runs.add(run);
  return run;
}

/** The optional stages, each only when asked for: the output limit, then the tool-call extractor. */
function withStages(batches: AsyncGenerator<EventBatch>, req: UpstreamRequest, toolBlockMaxChars: number): AsyncGenerator<EventBatch> {
  const hasTools = req.tooling.tools.length > 0 && req.tooling.choice.type !== "none";
  if (req.maxOutputTokens === undefined && !hasTools && req.jsonAnswer === undefined) return batches; // batches pass straight through
  let events = unbatch(batches);
  if (req.maxOutputTokens !== undefined) events = limitOutputTokens(events, req.maxOutputTokens);
  if (hasTools) events = extractToolCalls(events, req.tooling, { maxBlockChars: toolBlockMaxChars });
  if (req.jsonAnswer !== undefined) events = checkJsonAnswer(events, req.jsonAnswer.strict);
  return rebatch(events);
}

/** Usage from the upstream if it reported any, else a local estimate (CN reports none); notes the first token's time. */
function createReplyMeter(app: App, ex: Exchange, prompt: string) {
  let reported: Usage | undefined;
  let completion = 0;
  let reasoning = 0;
  const promptTokens = estimateTokens(prompt);
  const total = (): Usage => reported ?? { promptTokens, completionTokens: completion + reasoning, reasoningTokens: reasoning };
  ex.log.usage = () => ({ usage: total(), isReported: reported !== undefined });
  return {
    promptTokens,
    observe(event: NeutralEvent) {
      if (event.type === "text") completion += estimateTokens(event.text);
      else if (event.type === "reasoning") reasoning += estimateTokens(event.text);
      else if (event.type === "tool_call") completion += estimateTokens(event.call.name + event.call.argumentsJson);
      else if (event.type === "usage") reported = event.usage;
      if (ex.log.ttftMs === undefined && (event.type === "text" || event.type === "reasoning" || event.type === "tool_call")) {
        ex.log.ttftMs = Math.round(performance.now() - ex.started);
        app.requestTtft.add(ex.log.ttftMs);
      }
    },
    total,
  };
}

type ReplyMeter = ReturnType<typeof createReplyMeter>;

/** Web-search sources as a numbered markdown list after the answer; `[[n]]` in the text points into it. */
function sourcesText(config: Config, sources: ReadonlyArray<{ title: string; url: string }>): string {
  if (config.searchSources === "off" || sources.length === 0) return "";
  const escape = (title: string) => title.replace(/[[\]]/g, "\\$&");
  return `\n\nSources:\n${sources.map((s, i) => `${i + 1}. [${escape(s.title)}](${s.url})`).join("\n")}`;
}

/** A failure as it may leave the process: its message scrubbed of secrets. */
const safeHttpError = (app: App, failure: UpstreamFailure) => httpErrorFromFailure({ ...failure, message: app.redact(failure.message) });

const internalError = () => new HttpError(500, "qwenplug hit an internal error; see the server log.", "server_error", "internal_error");

async function serveWhole(app: App, ex: Exchange, run: CompletionRun, encoder: ReplyEncoder, meter: ReplyMeter): Promise<Response> {
  const text: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  let finishReason: FinishReason = "stop";
  try {
    for (;;) {
      const { done, value: batch } = await run.batches.next();
      if (done) break;
      for (const event of batch) {
        meter.observe(event);
        if (event.type === "text") text.push(event.text);
        else if (event.type === "sources") text.push(sourcesText(app.config, event.sources));
        else if (event.type === "reasoning") reasoning.push(event.text);
        else if (event.type === "tool_call") toolCalls.push(event.call);
        else if (event.type === "done") finishReason = event.reason;
        else if (event.type === "error") throw httpErrorFromFailure(event.failure);
      }
    }
  } finally {
    // The loop ends at the end of the batches, or thrown out of by an error event: either way nothing is being read.
    await run.close("ended");
  }
  if (run.isClientGone) throw new HttpError(499, "Client closed the request.", "invalid_request_error", "client_closed");
  if (run.isShutDown) throw shutdownCutError();
  ex.log.outcome = finishReason;
  const reply = { text: text.join(""), reasoning: reasoning.join(""), toolCalls, finishReason, usage: meter.total() };
  return jsonResponse(200, encoder.body(reply), { "x-request-id": encoder.id });
}

/**
 * A streamed reply. The status waits for the first event, so an early
 * failure still gets its own status; once an account serves the request
 * (a full pool may keep it waiting, and then answers 503), at most one
 * heartbeat interval, after which the stream opens and heartbeats keep it alive.
 */
async function serveStream(app: App, ex: Exchange, run: CompletionRun, encoder: ReplyEncoder, meter: ReplyMeter): Promise<Response> {
  const firstRead = run.batches.next();
  const first = await Promise.race([firstRead, run.acquired.then(() => withDeadline(firstRead, app.config.heartbeatMs))]);
  const firstEvent = first === undefined || first.done ? undefined : first.value[0];
  if (firstEvent?.type === "error") {
    await run.close("ended");
    throw httpErrorFromFailure(firstEvent.failure);
  }
  if (first?.done === true && run.isShutDown) throw shutdownCutError();
  ex.log.isStreaming = true;
  // Set before the stream starts: a reply that is already complete logs from inside start().
  ex.log.status = 200;
  const body = eventStream(app, ex, run, encoder, meter, first === undefined ? firstRead : Promise.resolve(first));
  return new Response(body, {
    status: 200,
    headers: {
      ...BASE_HEADERS,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
      "x-request-id": encoder.id,
    },
  });
}

/**
 * The body of a streamed reply: each batch (one upstream read) becomes one
 * write. `end()` is the stream's one way out, whoever calls it (the reply's
 * last event, the client leaving, a client that stopped reading, an
 * exception): it is idempotent, lets the client see the end at once, and then
 * runs the completion's clean-up. Writes after it are no-ops.
 */
function eventStream(app: App, ex: Exchange, run: CompletionRun, encoder: ReplyEncoder, meter: ReplyMeter, firstRead: Promise<IteratorResult<EventBatch>>): ReadableStream<Uint8Array> {
  const { config } = app;
  const heartbeatBytes = Buffer.from(encoder.heartbeat, "utf8");
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let isClosed = false;
  let lastWrite = 0;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let wakePump: (() => void) | undefined;

  const enqueue = (bytes: Uint8Array) => {
    if (isClosed) return;
    lastWrite = Date.now();
    try {
      controller?.enqueue(bytes);
    } catch {
      end("client_closed");
    }
  };
  // Buffer.from writes the same bytes as TextEncoder (U+FFFD for a lone surrogate) in about a quarter of its CPU (Bun 1.4.5).
  const write = (text: string) => {
    if (text !== "") enqueue(Buffer.from(text, "utf8"));
  };
  /** `closeAs` "ended": called for the reply's terminal event (see CompletionRun.close). */
  const end = (outcome: string, isAbrupt = false, closeAs?: "ended") => {
    if (isClosed) return;
    isClosed = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    wakePump?.();
    try {
      if (isAbrupt) controller?.error(new Error(outcome));
      else controller?.close();
    } catch {
      // Already cancelled by the client.
    }
    ex.log.outcome = outcome;
    if (config.logLevel !== "silent") app.info(formatLogLine("POST", ex.log.path, ex.log, ex.started));
    recordTraffic(app, ex);
    void run.close(closeAs);
  };
  /** Encodes a batch and writes it at once; ends the stream at a terminal event. */
  const handle = (batch: EventBatch) => {
    let out = "";
    for (const event of batch) {
      meter.observe(event);
      if (event.type === "text") out += encoder.text(event.text);
      else if (event.type === "reasoning") out += encoder.reasoning(event.text);
      else if (event.type === "tool_call") out += encoder.toolCall(event.call);
      else if (event.type === "sources") {
        const text = sourcesText(config, event.sources);
        if (text !== "") out += encoder.text(text);
      } else if (event.type === "done") {
        write(out + encoder.finish(event.reason, meter.total()));
        return end(event.reason, false, "ended");
      } else if (event.type === "error") {
        // The status is already 200: the error can only be an in-stream event.
        write(out + encoder.error(safeHttpError(app, event.failure)));
        return end(`error:${event.failure.kind}`, false, "ended");
      }
    }
    write(out);
  };
  /** Waits until the client wants more; a client that reads nothing for CLIENT_STALL_TIMEOUT_MS is dropped. */
  const clientCatchesUp = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => end("client_stalled", true), config.clientStallMs);
      wakePump = () => {
        clearTimeout(timer);
        wakePump = undefined;
        resolve();
      };
    });
  const pump = async () => {
    try {
      let read: Promise<IteratorResult<EventBatch>> = firstRead;
      while (!isClosed) {
        const result = await read;
        if (isClosed) break;
        if (result.done) {
          // Every reply ends with a terminal event unless the client went away: never pass a cut reply off as whole.
          if (!run.isClientGone) write(encoder.error(run.isShutDown ? shutdownCutError() : new HttpError(502, "The reply ended without finishing.", "upstream_error", "upstream_truncated")));
          end(run.isClientGone ? "client_closed" : run.isShutDown ? "error:shutdown" : "error:truncated");
          break;
        }
        handle(result.value);
        if (!isClosed && (controller?.desiredSize ?? 1) <= 0) await clientCatchesUp();
        if (!isClosed) read = run.batches.next();
      }
    } catch (err) {
      // After the first byte the status is fixed: an exception becomes the dialect's error event.
      app.write(`internal error in a stream: ${app.redact(errorName(err))}`);
      write(encoder.error(internalError()));
      end("internal_error");
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        write(encoder.open(meter.promptTokens));
        // Ticking at half the interval keeps every gap under 1.5 × HEARTBEAT_MS without touching a timer per event.
        heartbeat = setInterval(() => {
          if (Date.now() - lastWrite >= config.heartbeatMs) enqueue(heartbeatBytes);
        }, config.heartbeatMs / 2);
        void pump();
      },
      pull() {
        wakePump?.();
      },
      cancel() {
        end("client_closed");
      },
    },
    { highWaterMark: 8 },
  );
}

// ── Routes ──────────────────────────────────────────────────────────────────

const CORS_PREFLIGHT_HEADERS = {
  ...BASE_HEADERS,
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers": "authorization, content-type, x-api-key, api-key, anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access, openai-organization, openai-project, x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout, x-stainless-helper-method",
  "access-control-max-age": "86400",
};

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;
const PROXY_HEADERS = ["x-forwarded-for", "forwarded", "x-real-ip"];

/** The completion routes and the dialect each speaks. */
const COMPLETION_ROUTES: ReadonlyMap<string, Dialect> = new Map([
  ["/v1/chat/completions", openAIChat],
  ["/chat/completions", openAIChat],
  ["/v1/messages", anthropicMessages],
  ["/v1/responses", openAIResponses],
  ["/responses", openAIResponses],
]);
const COUNT_TOKENS_PATH = "/v1/messages/count_tokens";
const IMAGE_GENERATION_PATHS = new Set(["/v1/images/generations", "/images/generations"]);
const READ_PATHS = new Set(["/v1/models", "/models", "/status"]);

/** Errors on the Anthropic paths take Anthropic's shape; everything else OpenAI's. */
const dialectOfPath = (path: string): Dialect => (path === COUNT_TOKENS_PATH ? anthropicMessages : (COMPLETION_ROUTES.get(path) ?? openAIChat));

/** Host names that can only mean this machine: a DNS-rebinding page on the same machine sends its own name instead. */
const LOOPBACK_HOST = /^(localhost|[\w-]+\.localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * The origin a browser may read this response from: with CORS_ORIGINS, only
 * those listed ("*" for any); without it, any origin when API keys guard the
 * server and none when they do not.
 */
function corsOrigin(config: Config, req: Request): string | undefined {
  const origin = req.headers.get("origin");
  if (config.corsOrigins.length > 0) {
    if (config.corsOrigins.includes("*")) return "*";
    return origin !== null && config.corsOrigins.includes(origin) ? origin : undefined;
  }
  return config.masterKeyDigests.length > 0 ? "*" : undefined;
}

/**
 * Without API_MASTER_KEY only direct loopback clients are served, so a
 * server started without a key never exposes the accounts to a network; and
 * not a web page either, which any site the user visits could be: a request
 * with an Origin (browsers send one on cross-origin POSTs) is refused unless
 * CORS_ORIGINS lists it, and so is a Host that is not a loopback name.
 */
function checkAuth(app: App, req: Request, server: ServerLike | undefined, log: RequestLog): HttpError | undefined {
  const { masterKeyDigests, namedKeys } = app.config;
  // Named keys (API_KEYS, or made with POST /admin/keys) require a key just as a master key does.
  if (masterKeyDigests.length + namedKeys.length + app.clientKeys.size === 0) {
    log.keyName = LOCAL_KEY_NAME;
    const ip = server?.requestIP(req)?.address;
    const isDirectLoopback = (ip === undefined || LOOPBACK.test(ip)) && !PROXY_HEADERS.some((h) => req.headers.has(h));
    if (!isDirectLoopback) {
      return new HttpError(401, "API_MASTER_KEY is not set, so qwenplug only answers clients on this machine; set API_MASTER_KEY to serve others.", "invalid_request_error", "master_key_not_configured");
    }
    const host = (req.headers.get("host") ?? "").replace(/:\d+$/, "");
    if (!LOOPBACK_HOST.test(host)) {
      return new HttpError(403, `API_MASTER_KEY is not set, so qwenplug answers only requests addressed to localhost or 127.0.0.1, not to "${host.slice(0, 100)}".`, "invalid_request_error", "host_not_allowed");
    }
    if (req.headers.has("origin") && corsOrigin(app.config, req) === undefined) {
      return new HttpError(403, "API_MASTER_KEY is not set, so qwenplug refuses requests from web pages; set API_MASTER_KEY, or list the page's origin in CORS_ORIGINS.", "invalid_request_error", "origin_not_allowed");
    }
    return undefined;
  }
  const header = req.headers.get("authorization");
  const bearer = header?.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : "";
  const keyHeader = (req.headers.get("x-api-key") ?? req.headers.get("api-key") ?? "").trim();
  // A private Hugging Face Space takes its own token (hf_…) in Authorization; the key then comes in
  // x-api-key (the Anthropic SDK's header) or api-key (Azure-style OpenAI clients).
  const presented = bearer !== "" && !(bearer.startsWith("hf_") && keyHeader !== "") ? bearer : keyHeader;
  if (presented === "") {
    return new HttpError(401, "Missing API key: send 'Authorization: Bearer <API_MASTER_KEY>', 'x-api-key' or 'api-key' (beside 'Authorization: Bearer hf_…' for a private Space).", "invalid_request_error", "missing_api_key");
  }
  const digest = sha256(presented);
  let matched: string | undefined;
  // Compare with every key, without stopping early, so timing says nothing about which matched.
  for (const key of masterKeyDigests) if (timingSafeEqual(digest, key)) matched ??= "master";
  for (const key of namedKeys) if (timingSafeEqual(digest, key.digest)) matched ??= key.name;
  for (const [name, key] of app.clientKeys) if (timingSafeEqual(digest, key)) matched ??= name;
  if (matched === undefined) return new HttpError(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
  log.keyName = matched;
  return undefined;
}

/**
 * The request body as JSON, read as a stream so that no more than
 * MAX_BODY_BYTES is ever held for one request, nor BODY_BYTES_IN_FLIGHT_MAX
 * for all requests being read at once.
 */
async function readJsonBody(app: App, req: Request): Promise<unknown> {
  const { config } = app;
  const declared = Number(req.headers.get("content-length") ?? "0");
  const tooLarge = () => new HttpError(413, `Request body is larger than ${config.maxBodyBytes} bytes (MAX_BODY_BYTES).`, "invalid_request_error", "request_too_large");
  if (declared > config.maxBodyBytes) throw tooLarge();
  const pieces: string[] = [];
  let bytes = 0;
  try {
    if (req.body !== null && declared > 0 && declared <= SMALL_BODY_BYTES && app.bodyBytesInFlight + declared <= config.bodyBytesInFlightMax) {
      // A small body of a declared length (HTTP framing holds it to that length) is read in one call: a reader,
      // a decoder and a read per chunk cost more than the rest of the body handling.
      bytes = declared;
      app.bodyBytesInFlight += declared;
      try {
        pieces.push(await req.text());
      } catch {
        throw new HttpError(499, "The client stopped sending the request body.", "invalid_request_error", "client_closed");
      }
    } else if (req.body !== null) {
      const reader = req.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch {
          throw new HttpError(499, "The client stopped sending the request body.", "invalid_request_error", "client_closed");
        }
        if (chunk.done) break;
        bytes += chunk.value.byteLength;
        app.bodyBytesInFlight += chunk.value.byteLength;
        if (bytes > config.maxBodyBytes || app.bodyBytesInFlight > config.bodyBytesInFlightMax) {
          reader.cancel().catch(() => {});
          if (bytes > config.maxBodyBytes) throw tooLarge();
          throw new HttpError(503, "qwenplug is reading too many large request bodies at once (BODY_BYTES_IN_FLIGHT_MAX); send it again in a moment.", "upstream_error", "server_busy", null, { "retry-after": "1" });
        }
        pieces.push(decoder.decode(chunk.value, { stream: true }));
      }
      pieces.push(decoder.decode());
    }
  } finally {
    app.bodyBytesInFlight -= bytes;
  }
  const text = pieces.join("");
  if (text.trim() === "") throw new HttpError(400, "Request body is empty; send a JSON chat completion request.", "invalid_request_error", "invalid_json");
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw tooDeep("Request body");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "Request body is not valid JSON.", "invalid_request_error", "invalid_json");
  }
}

/** Bodies up to this size with a Content-Length are read whole at once (`readJsonBody`). */
const SMALL_BODY_BYTES = 64 * 1024;

const MODEL_SUFFIXES: ReadonlyArray<[string, { thinking: boolean; search: boolean; image?: boolean }]> = [
  ["-thinking-search", { thinking: true, search: true }],
  ["-thinking", { thinking: true, search: false }],
  ["-search", { thinking: false, search: true }],
  ["-image", { thinking: false, search: false, image: true }],
];

function splitModelSuffix(model: string): { base: string; thinking: boolean; search: boolean; image?: boolean } {
  const lower = model.toLowerCase();
  for (const [suffix, flags] of MODEL_SUFFIXES) {
    if (lower.endsWith(suffix) && lower.length > suffix.length) return { base: model.slice(0, -suffix.length), ...flags };
  }
  return { base: model, thinking: false, search: false };
}

/**
 * Which upstream serves a model name: an explicit `cn/` or `intl/` prefix;
 * else the only upstream with accounts; with both, `tongyi-…` ids go to CN
 * and every other bare name to DEFAULT_UPSTREAM.
 */
function chooseUpstream(app: App, requested: string): { upstream: UpstreamName; model: string } {
  const prefixed = /^(cn|intl)\/(.+)$/i.exec(requested);
  if (prefixed) return { upstream: (prefixed[1] as string).toLowerCase() as UpstreamName, model: prefixed[2] as string };
  const [first] = app.configured;
  if (first === undefined) {
    throw httpErrorFromFailure({
      kind: "no_account",
      message: `No Qwen account is configured: set ${intlRecommendedVars(1)} (chat.qwen.ai) or CN_ACCOUNT_1_COOKIE (qianwen.com), then restart qwenplug.`,
    });
  }
  if (app.configured.length > 1 && /^tongyi-/i.test(requested)) return { upstream: "cn", model: requested };
  return { upstream: first, model: requested };
}

/**
 * Name resolutions by model list (a list stays the same object until it is
 * fetched again) or by adapter while there is none: an adapter's
 * `resolveModel` depends on nothing else, and lower-casing the list on every
 * request cost more than the rest of the resolution. Bounded, since names come from clients.
 */
const resolvedNames = new WeakMap<object, Map<string, string | undefined>>();
const RESOLVED_NAMES_MAX = 256;

function resolveCached(adapter: UpstreamAdapter, name: string, live: UpstreamModel[] | undefined): string | undefined {
  const owner = live ?? adapter;
  let names = resolvedNames.get(owner);
  if (names === undefined) resolvedNames.set(owner, (names = new Map()));
  if (names.has(name)) return names.get(name);
  const resolved = adapter.resolveModel(name, live);
  if (names.size >= RESOLVED_NAMES_MAX) names.clear();
  names.set(name, resolved);
  return resolved;
}

/** The `ModelResolver` the dialects decode with. */
async function resolveModel(app: App, requested: string, explicit: { thinking?: boolean; search?: boolean }): Promise<ResolvedModel> {
  const { upstream, model } = chooseUpstream(app, requested);
  const adapter = app.adapters[upstream];
  // Named explicitly but without accounts: say so before asking the upstream for its models.
  if (adapter.accounts.length === 0) throw httpErrorFromFailure(app.pools[upstream].unavailable());
  const { base, thinking, search, image } = splitModelSuffix(model);
  if (image === true && upstream !== "intl" && app.config.cnProtocol !== "chat2") {
    throw new HttpError(400, `Image generation ('${requested}') works with chat.qwen.ai models and the mainland site's chat2 protocol; CN_PROTOCOL=dialog has none.`, "invalid_request_error", "unsupported_value", "model");
  }
  const live = await adapter.liveModels();
  const upstreamModel = resolveCached(adapter, base, live);
  if (image === true && upstreamModel !== undefined && live?.find((m) => m.id === upstreamModel)?.canDraw === false) {
    const drawing = (live ?? []).filter((m) => m.canDraw === true).map((m) => m.id);
    throw new HttpError(400, `The model '${upstreamModel}' does not generate images on chat.qwen.ai (no t2i in its live entry).${drawing.length > 0 ? ` Models that do: ${drawing.slice(0, 8).join(", ")}.` : ""}`, "invalid_request_error", "model_not_image_capable", "model");
  }
  if (upstreamModel === undefined) {
    throw new HttpError(404, `The model '${requested}' does not exist; GET /v1/models lists the names qwenplug knows (aliases can be added with ${upstream === "cn" ? "MODEL_ALIASES" : "INTL_MODEL_ALIASES"}).`, "invalid_request_error", "model_not_found", "model");
  }
  return { upstream, clientModel: requested, upstreamModel, thinking: explicit.thinking ?? thinking, search: explicit.search ?? search, ...(image === true ? { imageRatio: "1:1" as const } : {}) };
}

/** One completion in any dialect: decode, prepare for the upstream, run, and serve whole or streamed. */
async function handleCompletion(app: App, ex: Exchange, dialect: Dialect): Promise<Response> {
  if (app.isStopping) {
    throw new HttpError(503, "qwenplug is shutting down; send the request again in a moment.", "upstream_error", "server_stopping", null, { "retry-after": "5" });
  }
  const body = await readJsonBody(app, ex.request);
  const neutral = await dialect.decode(body, (model, explicit) => resolveModel(app, model, explicit), app);
  ex.log.model = neutral.clientModel;
  const images = createImageBudget(app);
  let req: UpstreamRequest;
  let run: CompletionRun;
  let encoder: ReplyEncoder;
  let meter: ReplyMeter;
  try {
    req = await attachImages(app, app.adapters[neutral.upstream].prepare(neutral), images);
    if (app.config.logLevel === "debug") app.debug(requestShape(ex.log.path, body, dialect, req));
    // Long thinking can leave the upstream silent for minutes: Bun's idle timeout
    // must not close the client connection meanwhile (see startServer); the
    // upstream watchdog and CLIENT_STALL_TIMEOUT_MS bound the wait instead.
    ex.server?.timeout(ex.request, 0);
    encoder = dialect.encoder(neutral);
    meter = createReplyMeter(app, ex, req.prompt);
    run = startCompletion(app, ex, req, images.release);
  } catch (err) {
    images.release();
    throw err;
  }
  const response = await (req.stream ? serveStream(app, ex, run, encoder, meter) : serveWhole(app, ex, run, encoder, meter));
  if ((req.droppedTurns ?? 0) > 0) response.headers.set("x-qwenplug-dropped-turns", String(req.droppedTurns));
  return response;
}

const imageGenerationSchema = onFirstUse(() =>
  z.looseObject({
    prompt: nonEmptyString("must be a non-empty string"),
    model: nullish(z.string()),
    n: nullish(z.int().check(z.minimum(1, "must be from 1 to 4"), z.maximum(4, "must be from 1 to 4"))),
    size: nullish(z.string()),
    response_format: nullish(z.enum(["url", "b64_json"])),
  }),
);

/** Every request body schema, by what parses it (the tests check that each compiles: see hotSchema). */
export const requestSchemas = () => ({
  chat: chatSchemas().request,
  messages: anthropicSchemas().request,
  countTokens: anthropicSchemas().countTokens,
  responses: responsesRequestSchema(),
  images: imageGenerationSchema(),
});

/** Client names for "an image model" that mean: the default one. */
const GENERIC_IMAGE_MODELS = /^(dall-e|gpt-image)/i;

/**
 * POST /v1/images/generations (UPSTREAMS-2026-11 §3.2, §3.4): `n` generations
 * at once (t2i chats on chat.qwen.ai, zaodian chats on chat2), one picture each; b64_json fetches the pictures here. The
 * answer is one JSON body, so Bun's idle timeout is lifted as for chat.
 */
async function handleImageGeneration(app: App, ex: Exchange): Promise<Response> {
  if (app.isStopping) {
    throw new HttpError(503, "qwenplug is shutting down; send the request again in a moment.", "upstream_error", "server_stopping", null, { "retry-after": "5" });
  }
  const body = parseBody(imageGenerationSchema(), await readJsonBody(app, ex.request));
  const ratio = IMAGE_SIZE_RATIOS.get((body.size ?? "auto").toLowerCase());
  if (ratio === undefined) {
    throw new HttpError(400, `size "${body.size}" cannot be mapped to chat.qwen.ai's ratios; use ${[...IMAGE_SIZE_RATIOS.keys()].join(", ")}.`, "invalid_request_error", "invalid_value", "size");
  }
  // No model, or an OpenAI one: the first drawing model of chat.qwen.ai's live list (qwen-max while it is unknown).
  const isGeneric = body.model === undefined || body.model === null || GENERIC_IMAGE_MODELS.test(body.model);
  const drawing = isGeneric ? (await app.adapters.intl.liveModels())?.find((m) => m.canDraw === true)?.id : undefined;
  const requested = isGeneric ? `${app.configured.includes("intl") ? "intl/" : ""}${drawing ?? "qwen-max"}` : (body.model as string);
  const model = await resolveModel(app, /-image$/i.test(requested) ? requested : `${requested}-image`, { thinking: false, search: false });
  ex.log.model = model.clientModel;
  const neutral: NeutralRequest = { ...model, imageRatio: ratio, turns: [{ role: "user", text: body.prompt }], tooling: NO_TOOLS, stream: false, includeUsage: false };
  const req = app.adapters[model.upstream].prepare(neutral);
  ex.server?.timeout(ex.request, 0);
  // The first failure ends the whole request: the other generations are closed at once (their slots and
  // upstream streams freed) rather than left running for an answer nobody will get (issue 21 #4).
  const runs: CompletionRun[] = [];
  let hasFailed = false;
  const generateOne = async (): Promise<string> => {
    const run = startCompletion(app, ex, req);
    runs.push(run);
    const text: string[] = [];
    try {
      for (;;) {
        const { done, value: batch } = await run.batches.next();
        if (done) break;
        for (const event of batch) {
          if (event.type === "text") text.push(event.text);
          else if (event.type === "error") throw safeHttpError(app, event.failure);
        }
      }
    } finally {
      await run.close();
    }
    if (run.isClientGone) throw new HttpError(499, "Client closed the request.", "invalid_request_error", "client_closed");
    if (run.isShutDown) throw shutdownCutError();
    const url = imageUrlsInText(text.join(""))[0];
    if (url === undefined) throw new HttpError(502, `Qwen ${model.upstream === "cn" ? "CN" : "INTL"} finished without an image.`, "upstream_error", "upstream_no_image");
    return url;
  };
  const generateOrStopAll = () =>
    generateOne().catch((err: unknown) => {
      if (!hasFailed) {
        hasFailed = true;
        for (const run of runs) void run.close();
      }
      throw err;
    });
  const urls = await Promise.all(Array.from({ length: body.n ?? 1 }, generateOrStopAll));
  const data =
    body.response_format === "b64_json"
      ? await Promise.all(urls.map(async (url, i) => ({ b64_json: Buffer.from((await fetchGeneratedImage(url, i, app.config.images)).data).toString("base64") })))
      : urls.map((url) => ({ url }));
  ex.log.outcome = "stop";
  return jsonResponse(200, JSON.stringify({ created: Math.floor(Date.now() / 1000), data }));
}

/**
 * The debug log's line for a completion: its shape, never its content (no
 * text, no tool names or schemas, no header values).
 */
function requestShape(path: string, body: unknown, dialect: Dialect, req: UpstreamRequest): string {
  const roles = new Map<string, number>();
  for (const turn of req.turns) roles.set(turn.role, (roles.get(turn.role) ?? 0) + 1);
  const known = dialect.fields?.();
  const ignored = Object.keys(asRecord(body) ?? {}).filter((field) => known !== undefined && !known.has(field));
  return [
    `request shape: path=${logField(path)}`,
    `model=${logField(req.clientModel)}`,
    `upstream=${req.upstream}`,
    `turns=${[...roles].map(([role, n]) => `${role}:${n}`).join(",") || "0"}`,
    `tools=${req.tooling.tools.length}`,
    `tool_choice=${req.tooling.choice.type}`,
    `stream=${req.stream}`,
    `thinking=${req.thinking}`,
    `search=${req.search}`,
    `json=${req.jsonAnswer === undefined ? "no" : req.jsonAnswer.strict ? "strict" : "yes"}`,
    `prompt_chars=${req.prompt.length}`,
    `images=${req.images?.length ?? 0}`,
    `dropped_turns=${req.droppedTurns ?? 0}`,
    `ignored=${ignored.map(logField).join(",") || "-"}`,
  ].join(" ");
}

/**
 * Live ids with their suffix variants, then aliases. With both upstreams
 * configured, the default one's names are listed bare and the other's with
 * its prefix, exactly as a request must name them.
 */
async function handleModels(app: App): Promise<Response> {
  return jsonResponse(200, JSON.stringify({ object: "list", data: await listModels(app) }));
}

/** GET /v1/models/{id}: one entry of the list (the SDK's models.retrieve). */
async function handleModel(app: App, id: string): Promise<Response> {
  const model = (await listModels(app)).find((entry) => entry.id === id);
  if (model === undefined) {
    throw new HttpError(404, `The model '${id}' does not exist; GET /v1/models lists the names qwenplug knows.`, "invalid_request_error", "model_not_found", "model");
  }
  return jsonResponse(200, JSON.stringify(model));
}

async function listModels(app: App) {
  const listed: readonly UpstreamName[] = app.configured.length > 0 ? app.configured : [app.config.defaultUpstream];
  const lives = await Promise.all(listed.map((name) => app.adapters[name].liveModels()));
  const created = Math.floor(Date.now() / 1000);
  const seen = new Set<string>();
  const data: Array<{ id: string; object: "model"; created: number; owned_by: string }> = [];
  listed.forEach((name, index) => {
    const prefix = index === 0 ? "" : `${name}/`;
    const add = (id: string) => {
      if (seen.has(prefix + id)) return;
      seen.add(prefix + id);
      data.push({ id: prefix + id, object: "model", created, owned_by: `qwen-${name}` });
    };
    for (const model of lives[index] ?? []) {
      add(model.id);
      if (model.canThink) add(`${model.id}-thinking`);
      if (model.canSearch) add(`${model.id}-search`);
      if (model.canThink && model.canSearch) add(`${model.id}-thinking-search`);
      if (model.canDraw === true) add(`${model.id}-image`);
    }
    for (const alias of app.adapters[name].aliasNames()) {
      add(alias);
      add(`${alias}-thinking`);
    }
  });
  return data;
}

function handleHealth(app: App): Response {
  return jsonResponse(
    app.isStopping ? 503 : 200,
    JSON.stringify({
      status: app.isStopping ? "stopping" : "ok",
      version: VERSION,
      uptime_s: Math.round((Date.now() - app.startedAt) / 1000),
      accounts: { cn: app.accounts.cn.list.length, intl: app.accounts.intl.list.length },
      auth: hasApiKeys(app) ? "api_key" : "loopback_only",
    }),
  );
}

function handleStatus(app: App): Response {
  // A logged-out account names the variable to refresh (a name, never its value).
  const accounts = (name: UpstreamName) =>
    app.pools[name].snapshot().map((account) => (account.state === "invalid" ? { ...account, refresh: app.adapters[name].credentialVar(account.number) } : account));
  return jsonResponse(
    200,
    JSON.stringify({
      status: app.isStopping ? "stopping" : "ok",
      version: VERSION,
      uptime_s: Math.round((Date.now() - app.startedAt) / 1000),
      ttft_ms: app.requestTtft.percentiles(),
      upstreams: {
        cn: { accounts: accounts("cn"), routes: app.pools.cn.routes(), drift: app.drift.cn.snapshot() },
        intl: { accounts: accounts("intl"), routes: app.pools.intl.routes(), drift: app.drift.intl.snapshot() },
      },
      window: app.traffic.snapshot(),
      state: stateSnapshot(app.store.status()),
    }),
  );
}

/** /status's `state`: which backend holds the state, where (no password), and whether it answers. */
function stateSnapshot(status: StoreStatus) {
  return { backend: status.backend, location: status.location, healthy: status.isHealthy, detail: status.detail ?? null };
}

const KNOWN_PATHS = "/v1/chat/completions, /v1/images/generations, /v1/responses, /v1/responses/{id}, /v1/messages, /v1/messages/count_tokens, /v1/models, /v1/models/{id}, /status and /health";

/** `/v1/responses/{id}` and `/v1/models/{id}`: the resource and its id, decoded. A model id may hold a slash (`cn/qwen-max`), a response id not. */
function resourcePath(path: string): { resource: "responses" | "models"; id: string } | undefined {
  const match = /^\/(?:v1\/)?(?:responses\/([^/]+)|models\/(.+))$/.exec(path);
  if (match === null) return undefined;
  const [, responseId, modelId] = match;
  try {
    return responseId !== undefined ? { resource: "responses", id: decodeURIComponent(responseId) } : { resource: "models", id: decodeURIComponent(modelId as string) };
  } catch {
    return undefined;
  }
}

/**
 * A browser's preflight gets back the headers it asked for (SDKs add new
 * x-stainless-* and beta headers over time, and any the list missed were
 * blocked); header names only, so nothing else can be smuggled through.
 */
function preflightResponse(req: Request): Response {
  const asked = req.headers.get("access-control-request-headers") ?? "";
  const names = asked.split(",").map((name) => name.trim()).filter((name) => HEADER_NAME.test(name));
  const headers: Record<string, string> = { ...CORS_PREFLIGHT_HEADERS, vary: "access-control-request-headers" };
  if (names.length > 0) headers["access-control-allow-headers"] = names.join(", ");
  return new Response(null, { status: 204, headers });
}

async function route(app: App, ex: Exchange): Promise<Response> {
  const { request: req } = ex;
  const path = ex.log.path.length > 1 ? ex.log.path.replace(/\/+$/, "") : ex.log.path;
  if (req.method === "OPTIONS") return preflightResponse(req);
  const allowed = (...methods: string[]) => {
    if (!methods.includes(req.method)) throw new HttpError(405, `Method ${req.method} is not allowed on ${path}.`, "invalid_request_error", "method_not_allowed");
  };
  if (path === "/health" || path === "/") {
    allowed("GET", "HEAD");
    if (path === "/" && wantsStatusPage(req)) return handleStatusPage(app, req, ex.server);
    return handleHealth(app);
  }
  if (path === "/admin" || path.startsWith("/admin/")) return handleAdmin(app, ex, path);
  const dialect = COMPLETION_ROUTES.get(path);
  const resource = resourcePath(path);
  if (dialect === undefined && path !== COUNT_TOKENS_PATH && !READ_PATHS.has(path) && resource === undefined && !IMAGE_GENERATION_PATHS.has(path)) {
    throw new HttpError(404, `Unknown path ${path}; qwenplug serves ${KNOWN_PATHS}.`, "invalid_request_error", "not_found");
  }
  const authError = checkAuth(app, req, ex.server, ex.log);
  if (authError) throw authError;
  if (path === "/status") {
    allowed("GET");
    return handleStatus(app);
  }
  if (READ_PATHS.has(path)) {
    allowed("GET");
    return handleModels(app);
  }
  if (resource?.resource === "models") {
    allowed("GET");
    return handleModel(app, resource.id);
  }
  if (resource?.resource === "responses") {
    allowed("GET", "DELETE");
    return handleStoredResponse(app, req.method, resource.id);
  }
  allowed("POST");
  if (IMAGE_GENERATION_PATHS.has(path)) return handleImageGeneration(app, ex);
  if (dialect === undefined) return countAnthropicTokens(await readJsonBody(app, req));
  return handleCompletion(app, ex, dialect);
}

export interface AppDeps {
  config: Config;
  /** The fetch used for every upstream call; tests inject a fake. */
  fetch?: typeof fetch;
  /** Where log lines go; defaults to stdout. */
  log?: (line: string) => void;
  /** The state store; defaults to one in memory. `startServer` takes it from here too: only main opens the configured one. */
  store?: StateStore;
  /** How often shared cooldowns are read (tests shorten it). */
  cooldownSyncMs?: number;
}

/**
 * Every upstream call: a redirect is never followed, since it would carry the
 * account's cookies, tokens and the prompt to wherever it points (a hijacked
 * name, a captive portal). It fails the call instead, naming the target host.
 */
async function fetchWithoutRedirects(baseFetch: typeof fetch, input: string | URL | Request, init: BunFetchRequestInit): Promise<Response> {
  init.redirect = "manual";
  const response = await baseFetch(input, init);
  if (response.status < 300 || response.status > 399) return response;
  response.body?.cancel().catch(() => {});
  let target = "another address";
  try {
    const location = response.headers.get("location");
    if (location !== null) {
      const url = new URL(location, typeof input === "string" || input instanceof URL ? input : input.url);
      target = url.host;
      // An anti-bot puzzle page (UPSTREAMS-2026-12 I4): not followed either, but answered, so the classifier can name its URL.
      if (PUNISH_URL.test(url.href)) {
        const headers = new Headers(response.headers);
        headers.set("location", url.href);
        return new Response(null, { status: response.status, headers });
      }
    }
  } catch {
    // An unreadable Location still fails the call.
  }
  throw new Error(`upstream redirected to ${target} (HTTP ${response.status}); not followed: a login page there usually means the account's cookie or token expired, another host that a base-URL setting is out of date`);
}

/** Wires the parts together; the request handling itself lives in the functions above. */
export function createApp(deps: AppDeps) {
  const { config } = deps;
  const write = deps.log ?? ((line: string) => console.log(line));
  const redact = makeRedactor(config.secrets);
  const info = (line: string) => {
    if (config.logLevel !== "silent") write(redact(line));
  };
  const debug = (line: string) => {
    if (config.logLevel === "debug") write(redact(line));
  };
  const baseFetch = deps.fetch ?? fetch;
  const capture = config.captureDir === undefined ? undefined : createCapture(config.captureDir, redact, (line) => write(redact(line)));
  // Upstream calls in flight (session deletes included) and clean-up left running after its request, so a shutdown can wait for them.
  const upstreamCalls = new Set<Promise<unknown>>();
  const track = <T>(call: Promise<T>): Promise<T> => {
    upstreamCalls.add(call);
    const forget = () => upstreamCalls.delete(call);
    call.then(forget, forget);
    return call;
  };
  const trackedFetch: UpstreamFetch = (input, init) => {
    // One copy of the caller's options (it may reuse them), without `account`.
    const { account, ...rest }: RequestInit & { account?: Account; proxy?: string } = init ?? {};
    const recording = capture?.begin(input, rest, account);
    // Bun's fetch takes `proxy` (an http(s) URL, credentials allowed) beside the standard fields.
    if (account?.proxy !== undefined) rest.proxy = account.proxy;
    const sent = fetchWithoutRedirects(baseFetch, input, rest);
    return track(
      recording === undefined
        ? sent
        : sent.then(
            (response) => recording.answered(response),
            (err: unknown) => {
              recording.failed(err);
              throw err;
            },
          ),
    );
  };
  const drift: Record<UpstreamName, DriftLog> = { cn: createDriftLog(redact), intl: createDriftLog(redact) };
  const store = deps.store ?? createMemoryStore();
  const accounts = accountRegistriesFrom(config);
  const optionsFor = (name: UpstreamName): AdapterOptions => ({ config, accounts, fetch: trackedFetch, redact, debug, addSecret: redact.add, drift: drift[name], store, inBackground: (task) => void track(task) });
  const adapters: Record<UpstreamName, UpstreamAdapter> = {
    cn: (config.cnProtocol === "chat2" ? createCnChat2Adapter : createCnAdapter)(optionsFor("cn")),
    intl: createIntlAdapter(optionsFor("intl")),
  };
  const poolOptions: PoolOptions = { maxInFlight: config.accountMaxInFlight, queueTimeoutMs: config.accountQueueTimeoutMs, reprobeMs: config.accountReprobeMs, log: debug, store, syncMs: deps.cooldownSyncMs };
  const order = config.defaultUpstream === "intl" ? (["intl", "cn"] as const) : (["cn", "intl"] as const);
  const app: App = {
    config,
    adapters,
    pools: { cn: createPool(adapters.cn, poolOptions), intl: createPool(adapters.intl, poolOptions) },
    accounts,
    clientKeys: new Map(),
    usage: createUsageBook(store),
    operatorsReady: Promise.resolve(),
    redact,
    write,
    info,
    debug,
    requestTtft: createSampleWindow(),
    traffic: createTrafficWindow(),
    startedAt: Date.now(),
    isStopping: false,
    runs: new Set(),
    bodyBytesInFlight: 0,
    imageBytesInFlight: 0,
    drift,
    // A getter: accounts come and go while running (the admin API).
    get configured() {
      return order.filter((name) => adapters[name].accounts.length > 0);
    },
    store,
    trafficSavedAt: 0,
    responses: createResponsesStore(store, { max: config.responsesStoreMax, ttlMs: config.responsesStoreTtlMs, maxBytes: config.responsesStoreMaxBytes }),
  };
  app.operatorsReady = restoreOperatorState(app).catch((err: unknown) => info(`accounts and keys added through the admin API could not be restored: ${errorName(err)}`));
  let isOperatorsReady = false;
  void app.operatorsReady.then(() => (isOperatorsReady = true));
  store
    .get<Parameters<TrafficWindow["restore"]>[0]>(TRAFFIC_KEY)
    .then((saved) => {
      if (saved !== undefined && Array.isArray(saved.value)) app.traffic.restore(saved.value);
    })
    .catch(() => {});

  async function handle(req: Request, server?: ServerLike): Promise<Response> {
    const ex: Exchange = { request: req, server, log: { path: new URL(req.url).pathname, status: 0 }, started: performance.now() };
    let response: Response;
    try {
      // Awaiting a settled promise still costs a turn of the microtask queue on every request.
      if (!isOperatorsReady) await app.operatorsReady;
      response = await route(app, ex);
    } catch (err) {
      const httpError = err instanceof HttpError ? err : internalError();
      if (!(err instanceof HttpError)) write(`internal error: ${redact(err instanceof Error ? `${err.name}: ${err.message}` : String(err))}`);
      ex.log.outcome ??= httpError.code ?? undefined;
      const safe = new HttpError(httpError.status, redact(httpError.message), httpError.type, httpError.code, httpError.param, httpError.headers);
      response = jsonResponse(safe.status, dialectOfPath(ex.log.path).errorBody(safe), safe.headers);
    }
    const allowOrigin = corsOrigin(config, req);
    if (allowOrigin !== undefined) {
      response.headers.set("access-control-allow-origin", allowOrigin);
      if (allowOrigin !== "*") response.headers.append("vary", "Origin");
    }
    ex.log.status = response.status;
    // Streams log when they end; everything else logs now.
    if (!ex.log.isStreaming && config.logLevel !== "silent") info(formatLogLine(req.method, ex.log.path, ex.log, ex.started));
    if (!ex.log.isStreaming) recordTraffic(app, ex);
    return response;
  }

  return {
    fetch: handle,
    pools: app.pools,
    adapters,
    accounts,
    usage: app.usage,
    redact,
    /** Settles once accounts and keys added through the admin API are back from the store. */
    ready: () => app.operatorsReady,
    drift: app.drift,
    store,
    /** Capture mode's directory, and a wait for every exchange that has ended to be on disk. */
    capture: capture === undefined ? undefined : { dir: capture.dir, flush: () => capture.flush() },
    /** Waits, at most `ms`, until no upstream call (session deletes and other clean-up included) is in flight; true if none is. */
    async settle(ms: number = CLEANUP_TIMEOUT_MS): Promise<boolean> {
      const deadline = Date.now() + ms;
      while (upstreamCalls.size > 0 && Date.now() < deadline) await Bun.sleep(10);
      return upstreamCalls.size === 0;
    },
    /** From now on /health answers 503 "stopping", so a load balancer stops sending traffic. */
    beginShutdown() {
      app.isStopping = true;
    },
    /**
     * Shutdown: health says "stopping" and new completions get a 503 while the
     * open ones finish, for at most `graceMs` (the server keeps listening, so a
     * health check sees "stopping" rather than a refused connection). Replies
     * still open then are ended, and their upstream chats deleted, within
     * CLEANUP_TIMEOUT_MS. Returns how many replies were cut short.
     */
    async drain(graceMs: number): Promise<number> {
      app.isStopping = true;
      const deadline = Date.now() + graceMs;
      while (app.runs.size > 0 && Date.now() < deadline) await Bun.sleep(20);
      const abandoned = app.runs.size;
      await Promise.all([...app.runs].map((run) => run.close("shutdown")));
      await store.put(TRAFFIC_KEY, app.traffic.save(), { ttlMs: TRAFFIC_BUCKET_MS * TRAFFIC_BUCKETS }).catch(() => {});
      await app.usage.flush();
      app.usage.stop();
      const cleanupDeadline = Date.now() + CLEANUP_TIMEOUT_MS;
      while (upstreamCalls.size > 0 && Date.now() < cleanupDeadline) await Bun.sleep(20);
      if (capture !== undefined) await withDeadline(capture.flush(), Math.max(0, cleanupDeadline - Date.now()));
      return abandoned;
    },
  };
}

/** A log field as one token: control characters (a CR/LF in a model name, say) cannot forge a line. */
const logField = (value: string) => value.replace(/[\x00-\x20\x7f"\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

function formatLogLine(method: string, path: string, record: RequestLog, started: number): string {
  const parts = [
    new Date().toISOString(),
    logField(method),
    logField(path),
    String(record.status),
    `model=${record.model === undefined ? "-" : logField(record.model)}`,
    `account=${record.account ?? "-"}`,
    `dur_ms=${Math.round(performance.now() - started)}`,
    `ttft_ms=${record.ttftMs ?? "-"}`,
  ];
  if (record.outcome !== undefined) parts.push(`outcome=${logField(record.outcome)}`);
  return parts.join(" ");
}

/** The promise's result, or undefined if it takes longer than `ms`; the timer never outlives the race. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// ── Operators: accounts added while running, named keys, usage history ─────
//
// The admin API (/admin/…) exists only when ADMIN_KEY is set. Accounts added
// through it are parsed by the code that parses the environment (the fields
// are the variables' suffixes in lower case), probed once, kept sealed in the
// state store and restored at start; environment accounts stay read-only.
// Client keys: API_MASTER_KEY (counted as "master"), API_KEYS (name:key) and
// keys made with POST /admin/keys (only a hash is kept). Usage is counted per
// account and per key, per UTC day, in memory, and added to one store record
// per day every USAGE_FLUSH_MS (and at shutdown), kept USAGE_DAYS_KEPT days.

const ADDED_ACCOUNTS_KEY = "operators:accounts";
const CLIENT_KEYS_KEY = "operators:keys";
const usageKey = (day: string) => `operators:usage:${day}`;
const USAGE_DAYS_KEPT = 90;
const USAGE_FLUSH_MS = 5_000;
const DAY_MS = 86_400_000;
/** The name loopback clients are counted under when no key is configured. */
const LOCAL_KEY_NAME = "local";

/** The fields each upstream's accounts take: its environment variables' suffixes in lower case. */
const ACCOUNT_FIELDS: Readonly<Record<UpstreamName, readonly string[]>> = {
  cn: ["cookie", "xsrf_token", "scenes", "umidtoken", "proxy"],
  intl: ["token", "refresh_token", "email", "password", "cookie", "headers", "proxy"],
};

/** An account as an operator added it: its fields as given (sealed at rest by the store). */
interface AddedAccount {
  upstream: UpstreamName;
  number: number;
  fields: Record<string, string>;
}

/** A key made with POST /admin/keys: its name and the hex SHA-256 of the key. */
interface AddedKey {
  name: string;
  sha256: string;
}

const badField = (message: string, param: string | null) => new HttpError(400, message, "invalid_request_error", "invalid_account", param);

/**
 * Parses an added account's fields with the environment's own code
 * (`scanAccountVars`, `cnAccountsFrom`, `intlAccountsFrom`, `withProxies`), so
 * the same values pass and fail; a problem is a 400 naming the field.
 */
function accountFromFields(config: Config, upstream: UpstreamName, number: number, fields: Record<string, string>): CnAccount | IntlAccount {
  const prefix = upstream === "cn" ? "CN" : "INTL";
  const env: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) env[`${prefix}_ACCOUNT_${number}_${field.toUpperCase()}`] = value;
  let accounts: Array<CnAccount | IntlAccount>;
  try {
    const vars = scanAccountVars(env, upstream === "cn" ? ACCOUNT_VAR : INTL_ACCOUNT_VAR);
    accounts = upstream === "cn" ? withProxies(cnAccountsFrom(vars), vars, prefix, config.defaultProxy) : withProxies(intlAccountsFrom(vars), vars, prefix, config.defaultProxy);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const named = new RegExp(`\\b${prefix}_ACCOUNT_${number}_([A-Z_]+)\\b`, "g");
    const first = named.exec(err.message)?.[1];
    throw badField(err.message.replace(named, (_, field: string) => field.toLowerCase()).replace(/,? then restart qwenplug/g, ""), first === undefined ? null : first.toLowerCase());
  }
  const account = accounts[0];
  if (account === undefined) {
    throw badField(upstream === "cn" ? "A cn account needs cookie." : "An intl account needs refresh_token, token, or email and password.", upstream === "cn" ? "cookie" : "refresh_token");
  }
  return account;
}

/** The body of POST /admin/accounts as the upstream and its fields; anything else is a 400 naming the field. */
function addedAccountBody(body: unknown): { upstream: UpstreamName; fields: Record<string, string> } {
  const record = asRecord(body);
  if (record === undefined) throw badField("The body must be a JSON object such as {\"upstream\":\"intl\",\"refresh_token\":\"…\"}.", null);
  const upstream = record.upstream;
  if (upstream !== "cn" && upstream !== "intl") throw badField('upstream must be "cn" (qianwen.com) or "intl" (chat.qwen.ai).', "upstream");
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(record)) {
    if (field === "upstream") continue;
    if (!ACCOUNT_FIELDS[upstream].includes(field)) throw badField(`${field} is not a field of ${upstream} accounts; they take ${ACCOUNT_FIELDS[upstream].join(", ")}.`, field);
    // A scene list or a header set may come as the JSON object itself.
    const text = typeof value === "string" ? value : (field === "headers" || field === "scenes") && asRecord(value) !== undefined ? JSON.stringify(value) : undefined;
    if (text === undefined) throw badField(`${field} must be a string.`, field);
    fields[field] = text;
  }
  return { upstream, fields };
}

/** Every secret an added account holds, for the redactor: the same list the environment's accounts give. */
function addedAccountSecrets(account: CnAccount | IntlAccount, fields: Record<string, string>): string[] {
  const secrets = account.upstream === "cn" ? configSecrets([account], [fields.cookie ?? ""], [], []) : configSecrets([], [], [account], []);
  return [...secrets, ...proxySecrets([account])];
}

/** A read-change-write of one record that another replica may write at the same time. */
async function updateRecord<T>(store: StateStore, key: string, change: (current: T | undefined) => T, ttlMs?: number): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const current = await store.get<T>(key);
    const written = await store.put(key, change(current?.value), { ifVersion: current?.version ?? 0, ...(ttlMs === undefined ? {} : { ttlMs }) });
    if (written !== undefined) return;
  }
  throw new Error(`${key}: too many writers at once`);
}

// ── · Usage history ──

/** One subject's figures for one day; `tokens` as the upstream reported them, `estimated_tokens` counted here where it did not. */
export interface UsageCounts {
  requests: number;
  failures: Record<string, number>;
  tokens: { prompt: number; completion: number };
  estimated_tokens: { prompt: number; completion: number };
}

/** One UTC day: figures per account (`cn#1`) and per key name. */
interface UsageDay {
  accounts: Record<string, UsageCounts>;
  keys: Record<string, UsageCounts>;
}

const emptyCounts = (): UsageCounts => ({ requests: 0, failures: {}, tokens: { prompt: 0, completion: 0 }, estimated_tokens: { prompt: 0, completion: 0 } });

function addCounts(into: UsageCounts, add: UsageCounts): void {
  into.requests += add.requests;
  for (const [kind, n] of Object.entries(add.failures)) into.failures[kind] = (into.failures[kind] ?? 0) + n;
  into.tokens.prompt += add.tokens.prompt;
  into.tokens.completion += add.tokens.completion;
  into.estimated_tokens.prompt += add.estimated_tokens.prompt;
  into.estimated_tokens.completion += add.estimated_tokens.completion;
}

function addDay(into: UsageDay, add: UsageDay): UsageDay {
  for (const side of ["accounts", "keys"] as const) {
    for (const [subject, counts] of Object.entries(add[side])) {
      // Subjects are key names and `upstream#n`; defineProperty keeps a name such as "__proto__" a plain entry.
      if (!Object.hasOwn(into[side], subject)) Object.defineProperty(into[side], subject, { value: emptyCounts(), enumerable: true, writable: true, configurable: true });
      addCounts(into[side][subject] as UsageCounts, counts);
    }
  }
  return into;
}

const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The usage book: counts in memory, added to the store's day records in batches. */
export function createUsageBook(store: StateStore, now: () => number = Date.now) {
  let pending = new Map<string, UsageDay>();
  /** The UTC day being counted and when it began, so that the date is formatted once a day rather than per request. */
  let day = "";
  let dayStart = Number.NaN;
  let flushing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    flushing = flushing.then(async () => {
      const batch = pending;
      pending = new Map();
      for (const [day, counts] of batch) {
        try {
          await updateRecord<UsageDay>(store, usageKey(day), (current) => addDay(current ?? { accounts: {}, keys: {} }, counts), (USAGE_DAYS_KEPT + 1) * DAY_MS);
        } catch {
          // The store is away: keep the figures for the next flush.
          pending.set(day, addDay(pending.get(day) ?? { accounts: {}, keys: {} }, counts));
        }
      }
    });
    return flushing;
  };
  const timer = setInterval(() => void flush(), USAGE_FLUSH_MS);
  // Counting must not keep the process alive.
  timer.unref?.();
  return {
    /** Counts one finished request against its account (if one served it) and its key. */
    record(entry: { account?: string; key?: string; failure?: string; usage?: Usage; isReported: boolean }): void {
      // Added in place to the pending day: no objects per request beyond a subject's first.
      const t = now();
      if (!(t >= dayStart && t < dayStart + DAY_MS)) {
        dayStart = t - (t % DAY_MS);
        day = utcDay(t);
      }
      let into = pending.get(day);
      if (into === undefined) pending.set(day, (into = { accounts: {}, keys: {} }));
      const count = (side: Record<string, UsageCounts>, subject: string) => {
        // Subjects are key names and `upstream#n`; defineProperty keeps a name such as "__proto__" a plain entry.
        if (!Object.hasOwn(side, subject)) Object.defineProperty(side, subject, { value: emptyCounts(), enumerable: true, writable: true, configurable: true });
        const counts = side[subject] as UsageCounts;
        counts.requests++;
        if (entry.failure !== undefined) counts.failures[entry.failure] = (counts.failures[entry.failure] ?? 0) + 1;
        if (entry.usage !== undefined) {
          const tokens = entry.isReported ? counts.tokens : counts.estimated_tokens;
          tokens.prompt += entry.usage.promptTokens;
          tokens.completion += entry.usage.completionTokens;
        }
      };
      if (entry.account !== undefined) count(into.accounts, entry.account);
      if (entry.key !== undefined) count(into.keys, entry.key);
    },
    flush,
    /** The last `days` UTC days, oldest first, each with its figures (flushed first, so they include this process's latest). */
    async history(days: number): Promise<Array<{ date: string } & UsageDay>> {
      await flush();
      const today = now();
      const dates = Array.from({ length: days }, (_, i) => utcDay(today - (days - 1 - i) * DAY_MS));
      return Promise.all(
        dates.map(async (date) => {
          const saved = (await store.get<UsageDay>(usageKey(date)))?.value;
          return { date, accounts: saved?.accounts ?? {}, keys: saved?.keys ?? {} };
        }),
      );
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

export type UsageBook = ReturnType<typeof createUsageBook>;

/** Counts a finished completion against its account and key (called where the traffic window counts it). */
function recordUsage(app: App, ex: Exchange): void {
  const { log } = ex;
  const isFailure = log.status >= 400 || log.outcome === "internal_error" || (log.outcome?.startsWith("error:") ?? false);
  const failure = !isFailure ? undefined : log.outcome?.startsWith("error:") ? log.outcome.slice(6) : (log.outcome ?? `http_${log.status}`);
  const measured = log.usage?.();
  app.usage.record({ account: log.account, key: log.keyName, failure, usage: isFailure ? undefined : measured?.usage, isReported: measured?.isReported ?? false });
}

// ── · Accounts and keys at run time ──

/** Restores the accounts and keys added through the admin API, as the store keeps them. */
async function restoreOperatorState(app: App): Promise<void> {
  const accounts = (await app.store.get<AddedAccount[]>(ADDED_ACCOUNTS_KEY))?.value ?? [];
  for (const added of accounts) {
    try {
      const account = accountFromFields(app.config, added.upstream, added.number, added.fields);
      if (app.accounts[added.upstream].get(added.number) !== undefined) continue;
      joinAccount(app, account, added.fields);
      app.pools[added.upstream].add(account);
      app.info(`${added.upstream.toUpperCase()} account ${added.number} restored (added through the admin API)`);
    } catch (err) {
      app.info(`${added.upstream.toUpperCase()} account ${added.number} (added through the admin API) was not restored: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const keys = (await app.store.get<AddedKey[]>(CLIENT_KEYS_KEY))?.value ?? [];
  for (const key of keys) if (!app.config.namedKeys.some((k) => k.name === key.name)) app.clientKeys.set(key.name, Buffer.from(key.sha256, "hex"));
}

/** An account joins the registry (its adapter can use it) and its secrets the redactor; the pool is told separately. */
function joinAccount(app: App, account: CnAccount | IntlAccount, fields: Record<string, string>): void {
  for (const secret of addedAccountSecrets(account, fields)) app.redact.add(secret);
  if (account.upstream === "cn") app.accounts.cn.add(account);
  else app.accounts.intl.add(account);
}

/** The admin key from `Authorization: Bearer` or `x-admin-key`, compared in constant time. */
function checkAdminAuth(app: App, req: Request): HttpError | undefined {
  const expected = app.config.adminKeyDigest as Buffer;
  const header = req.headers.get("authorization");
  const presented = (req.headers.get("x-admin-key") ?? (header?.toLowerCase().startsWith("bearer ") ? header.slice(7) : "")).trim();
  if (presented === "") return new HttpError(401, "Missing admin key: send 'Authorization: Bearer <ADMIN_KEY>' or 'x-admin-key'.", "invalid_request_error", "missing_admin_key");
  return timingSafeEqual(sha256(presented), expected) ? undefined : new HttpError(401, "Incorrect admin key provided.", "invalid_request_error", "invalid_admin_key");
}

async function handleAdmin(app: App, ex: Exchange, path: string): Promise<Response> {
  const req = ex.request;
  if (app.config.adminKeyDigest === undefined) throw new HttpError(404, "The admin API is off: set ADMIN_KEY to turn it on.", "invalid_request_error", "not_found");
  const authError = checkAdminAuth(app, req);
  if (authError) throw authError;
  const allowed = (...methods: string[]) => {
    if (!methods.includes(req.method)) throw new HttpError(405, `Method ${req.method} is not allowed on ${path}.`, "invalid_request_error", "method_not_allowed");
  };
  if (path === "/admin/accounts") {
    allowed("GET", "POST");
    return req.method === "GET" ? listAccounts(app) : addAccount(app, await readJsonBody(app, req));
  }
  const account = /^\/admin\/accounts\/(cn|intl)\/(\d{1,9})$/.exec(path);
  if (account !== null) {
    allowed("DELETE");
    return removeAccount(app, account[1] as UpstreamName, Number(account[2]));
  }
  if (path === "/admin/keys") {
    allowed("GET", "POST");
    return req.method === "GET" ? listKeys(app) : addKey(app, await readJsonBody(app, req));
  }
  const key = /^\/admin\/keys\/([^/]+)$/.exec(path);
  if (key !== null) {
    allowed("DELETE");
    return removeKey(app, decodeURIComponent(key[1] as string));
  }
  if (path === "/admin/usage") {
    allowed("GET");
    const raw = new URL(req.url).searchParams.get("days") ?? "30";
    const days = /^\d{1,3}$/.test(raw) ? Number(raw) : 0;
    if (days < 1 || days > USAGE_DAYS_KEPT) throw new HttpError(400, `days must be a whole number from 1 to ${USAGE_DAYS_KEPT} (got "${raw.slice(0, 20)}").`, "invalid_request_error", "invalid_days", "days");
    return jsonResponse(200, JSON.stringify({ days: await app.usage.history(days), tokens_note: "tokens: as the upstream reported them; estimated_tokens: counted by qwenplug where it reported none (about 4 characters, or 1 CJK character, per token)" }));
  }
  throw new HttpError(404, `Unknown path ${path}; the admin API serves /admin/accounts, /admin/accounts/{upstream}/{n}, /admin/keys, /admin/keys/{name} and /admin/usage.`, "invalid_request_error", "not_found");
}

function listAccounts(app: App): Response {
  const rows = (["cn", "intl"] as const).flatMap((upstream) => {
    const states = new Map(app.pools[upstream].snapshot().map((s) => [s.number, s]));
    return app.accounts[upstream].list.map((account) => {
      const { number: _, ...state } = states.get(account.number) ?? { number: account.number, state: "draining" };
      return { upstream, number: account.number, source: app.accounts[upstream].isFromEnv(account.number) ? "environment" : "admin", has_proxy: account.proxy !== undefined, ...state };
    });
  });
  return jsonResponse(200, JSON.stringify({ accounts: rows }));
}

async function addAccount(app: App, body: unknown): Promise<Response> {
  const { upstream, fields } = addedAccountBody(body);
  const registry = app.accounts[upstream];
  const stored = (await app.store.get<AddedAccount[]>(ADDED_ACCOUNTS_KEY))?.value ?? [];
  const number = Math.max(0, ...registry.list.map((a) => a.number), ...stored.filter((a) => a.upstream === upstream).map((a) => a.number)) + 1;
  const account = accountFromFields(app.config, upstream, number, fields);
  // In the registry first (the adapter's probe reads it there), in the pool only once it is kept.
  joinAccount(app, account, fields);
  try {
    const probe = await app.adapters[upstream].probe(account);
    await updateRecord<AddedAccount[]>(app.store, ADDED_ACCOUNTS_KEY, (current) => {
      const list = current ?? [];
      if (list.some((a) => a.upstream === upstream && a.number === number)) throw new Error(`${upstream} account ${number} was added elsewhere at the same time`);
      return [...list, { upstream, number, fields }];
    });
    app.pools[upstream].add(account, probe);
    app.info(`${upstream.toUpperCase()} account ${number} added through the admin API; liveness check: ${probe}`);
    return jsonResponse(201, JSON.stringify({ upstream, number, probe }));
  } catch (err) {
    registry.remove(number);
    throw new HttpError(503, `The account was not added: the state store could not keep it (${app.redact(errorName(err))}).`, "server_error", "store_unavailable");
  }
}

async function removeAccount(app: App, upstream: UpstreamName, number: number): Promise<Response> {
  const registry = app.accounts[upstream];
  if (registry.get(number) === undefined) throw new HttpError(404, `There is no ${upstream} account ${number}.`, "invalid_request_error", "account_not_found");
  if (registry.isFromEnv(number)) {
    throw new HttpError(409, `${upstream} account ${number} comes from the environment (${upstream.toUpperCase()}_ACCOUNT_${number}_…) and is read-only here: remove its variables and restart qwenplug.`, "invalid_request_error", "account_read_only");
  }
  await updateRecord<AddedAccount[]>(app.store, ADDED_ACCOUNTS_KEY, (current) => (current ?? []).filter((a) => !(a.upstream === upstream && a.number === number)));
  const inFlight = app.pools[upstream].snapshot().find((s) => s.number === number)?.in_flight ?? 0;
  // Nothing new starts on it now; it leaves the registry (and its adapter state goes) once its replies have ended.
  void app.pools[upstream].remove(number).then(() => {
    registry.remove(number);
    app.info(`${upstream.toUpperCase()} account ${number} removed through the admin API`);
  });
  return jsonResponse(200, JSON.stringify({ upstream, number, removed: true, draining: inFlight }));
}

function listKeys(app: App): Response {
  const keys = [
    ...(app.config.masterKeyDigests.length > 0 ? [{ name: "master", source: "environment" }] : []),
    ...app.config.namedKeys.map((k) => ({ name: k.name, source: "environment" })),
    ...[...app.clientKeys.keys()].map((name) => ({ name, source: "admin" })),
  ];
  return jsonResponse(200, JSON.stringify({ keys }));
}

async function addKey(app: App, body: unknown): Promise<Response> {
  const name = asRecord(body)?.name;
  if (typeof name !== "string" || !KEY_NAME.test(name) || name === "master" || name === LOCAL_KEY_NAME) {
    throw new HttpError(400, `name must be 1 to 64 letters, digits or _ . - and not "master" or "${LOCAL_KEY_NAME}".`, "invalid_request_error", "invalid_key_name", "name");
  }
  if (app.config.namedKeys.some((k) => k.name === name) || app.clientKeys.has(name)) throw new HttpError(409, `A key named "${name}" exists; delete it first or choose another name.`, "invalid_request_error", "key_exists", "name");
  const key = `sk-qp-${randomBytes(24).toString("base64url")}`;
  const digest = sha256(key);
  await updateRecord<AddedKey[]>(app.store, CLIENT_KEYS_KEY, (current) => [...(current ?? []).filter((k) => k.name !== name), { name, sha256: digest.toString("hex") }]);
  app.clientKeys.set(name, digest);
  app.redact.add(key);
  return jsonResponse(201, JSON.stringify({ name, key, note: "Shown once: qwenplug keeps only its hash." }));
}

async function removeKey(app: App, name: string): Promise<Response> {
  if (app.config.namedKeys.some((k) => k.name === name) || name === "master") {
    throw new HttpError(409, `The key "${name}" comes from the environment (API_KEYS or API_MASTER_KEY) and is read-only here.`, "invalid_request_error", "key_read_only");
  }
  if (!app.clientKeys.has(name)) throw new HttpError(404, `There is no key named "${name}".`, "invalid_request_error", "key_not_found");
  await updateRecord<AddedKey[]>(app.store, CLIENT_KEYS_KEY, (current) => (current ?? []).filter((k) => k.name !== name));
  app.clientKeys.delete(name);
  return jsonResponse(200, JSON.stringify({ name, removed: true }));
}

// ── Capture mode ────────────────────────────────────────────────────────────
//
// `bun index.ts --capture DIR` (or CAPTURE_DIR=DIR): every upstream exchange
// (every call through the app's one upstream fetch) becomes a fixture in DIR
// in the format the tests replay (`fixtures/*`: `name[@status].sse|json|html`,
// the body as received), beside a `name.meta.json` that says what was asked:
// method, host, path with placeholder query values, request header names,
// the request body's shape. A user with a real account runs a few chats and
// attaches the files to a bug report; a developer drops them into
// `fixtures/` and has a failing test. Every credential, cookie, token, salt,
// signature, e-mail and user id is replaced in memory, before a byte is
// written: by the redactor (configured and learned secrets), by field names
// in JSON, and by the shapes of JWTs and e-mail addresses. Header values are
// never written. The body reaches the client unchanged and unslowed: the
// chunks are only looked at as they pass.

/** Bytes of one body recorded at most; past it the file is cut and its sidecar says so (the client still gets every byte). */
const CAPTURE_MAX_BYTES = 8 * 1024 * 1024;
const CAPTURE_PLACEHOLDER = "[redacted]";
/** How long, and how much of, the rest of a body qwenplug stopped reading is still read for the record (see `readTail`). */
const CAPTURE_TAIL_MS = 250;
const CAPTURE_TAIL_BYTES = 64 * 1024;
/** JSON nested in a string (`biz_data`) is scrubbed too, this deep at most. */
const CAPTURE_MAX_DEPTH = 32;
/** Parts of a field name (lower case, `-` and `_` removed) that make its value a secret. */
const CAPTURE_SECRET_KEY_PARTS = [
  "secret", "password", "passwd", "cookie", "ticket", "signature", "salt", "bacsft", "sacsft", "actkn", "dvidn",
  "email", "umid", "authorization", "userid", "fingerprint", "credential", "phone", "mobile", "accesskey", "apikey", "xsrf", "csrf",
];
/** Whole field names whose values are secrets or name the person: device ids, the ticket hash (`kp`), user names. */
const CAPTURE_SECRET_KEYS = new Set(["uid", "ut", "kp", "deviceid", "xdeviceid", "utdid", "cna", "aliyunid", "havanaid", "nick", "nickname", "username", "realname", "avatar", "openid", "unionid", "clientip"]);
/** In an object that holds an e-mail or phone (a user record), these name the person too. */
const CAPTURE_USER_RECORD_FIELDS = new Set(["id", "name", "displayname", "profileimageurl", "avatarurl"]);
/** Request fields whose text is the user's (prompts, titles, file names): the body shape gives their length only. */
const CAPTURE_CONTENT_KEYS = new Set(["content", "text", "prompt", "oriquery", "query", "title", "message", "input", "instructions", "system", "filename", "name", "originprompt", "negativeprompt", "description", "url", "fileurl"]);
const CAPTURE_JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
const CAPTURE_EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** A `"name": "value"` pair in text that is not parsed as JSON (a page's script, a broken frame); the string unrolled, so it runs in linear time. */
const CAPTURE_JSON_PAIR = /"([\w.-]{1,60})"(\s*:\s*)"[^"\\]*(?:\\.[^"\\]*)*"/g;

const normalKey = (key: string) => key.toLowerCase().replace(/[-_\s]/g, "");

/** Whether a JSON field of this name holds a secret (token, salt, signature, cookie, e-mail, user id, …); `*_tokens` are counts. */
export function isSecretField(key: string): boolean {
  const name = normalKey(key);
  if (CAPTURE_SECRET_KEYS.has(name)) return true;
  if (name.includes("token") && !name.endsWith("tokens")) return true;
  return CAPTURE_SECRET_KEY_PARTS.some((part) => name.includes(part)) || name.endsWith("sign") || name.endsWith("bfg") || name.endsWith("acskp");
}

/** A secret value's stand-in of the same JSON type, so a replayed fixture still parses as before. */
function capturePlaceholder(value: unknown): unknown {
  if (typeof value === "string") return value === "" ? "" : CAPTURE_PLACEHOLDER;
  if (typeof value === "number") return 0;
  if (Array.isArray(value)) return value.map(capturePlaceholder);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, capturePlaceholder(inner)]));
  return value;
}

/** A JSON value with its secret fields replaced; `changed` says whether anything was. */
function scrubJsonValue(value: unknown, depth: number): { value: unknown; changed: boolean } {
  if (depth > CAPTURE_MAX_DEPTH) return { value, changed: false };
  if (typeof value === "string") {
    const trimmed = value.trimStart();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return { value, changed: false };
    const inner = scrubJsonText(value, depth + 1);
    return { value: inner, changed: inner !== value };
  }
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const scrubbed = scrubJsonValue(item, depth + 1);
      changed ||= scrubbed.changed;
      return scrubbed.value;
    });
    return { value: items, changed };
  }
  const record = asRecord(value);
  if (record === undefined) return { value, changed: false };
  const isUserRecord = Object.keys(record).some((key) => ["email", "phone", "mobile"].includes(normalKey(key)));
  let changed = false;
  // Entries, not assignments: a field named `__proto__` stays a field.
  const entries = Object.entries(record).map(([key, inner]): [string, unknown] => {
    if (isSecretField(key) || (isUserRecord && CAPTURE_USER_RECORD_FIELDS.has(normalKey(key)))) {
      const placeholder = capturePlaceholder(inner);
      changed ||= JSON.stringify(placeholder) !== JSON.stringify(inner);
      return [key, placeholder];
    }
    const scrubbed = scrubJsonValue(inner, depth + 1);
    changed ||= scrubbed.changed;
    return [key, scrubbed.value];
  });
  return { value: Object.fromEntries(entries), changed };
}

/** JSON text with its secret fields replaced, untouched (byte for byte) when it holds none; text that is not JSON has its `"name": "value"` pairs looked at instead. */
function scrubJsonText(text: string, depth = 0): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return scrubJsonPairs(text);
  }
  const scrubbed = scrubJsonValue(parsed, depth);
  return scrubbed.changed ? JSON.stringify(scrubbed.value) : text;
}

const scrubJsonPairs = (text: string) => text.replace(CAPTURE_JSON_PAIR, (pair, key: string, colon: string) => (isSecretField(key) ? `"${key}"${colon}"${CAPTURE_PLACEHOLDER}"` : pair));

/**
 * A captured body as it may be written: JSON (a whole body, or each SSE
 * `data:` line) scrubbed by field name, frames without secrets left byte for
 * byte; `name: "value"` pairs in anything else (a page's script); then the
 * redactor's secrets, JWTs and e-mail addresses, everywhere.
 */
export function scrubCapturedText(text: string, redact: (text: string) => string): string {
  const head = text.trimStart();
  let out: string;
  if (head.startsWith("{") || head.startsWith("[")) out = scrubJsonText(text);
  else if (/^data:/m.test(text)) out = text.replace(/^(data:[ ]?)(.*)$/gm, (_line, prefix: string, payload: string) => prefix + scrubJsonText(payload));
  else out = scrubJsonPairs(text);
  return redact(out).replace(CAPTURE_JWT, CAPTURE_PLACEHOLDER).replace(CAPTURE_EMAIL, CAPTURE_PLACEHOLDER);
}

/** What a request body looked like: keys and types, values only where they are neither secret nor the user's text. */
function captureShapeOf(value: unknown, key: string, depth: number): unknown {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") return isSecretField(key) ? 0 : value;
  if (typeof value === "string") {
    if (isSecretField(key)) return CAPTURE_PLACEHOLDER;
    const trimmed = value.trimStart();
    if ((trimmed.startsWith("{") || trimmed.startsWith("[")) && depth < CAPTURE_MAX_DEPTH) {
      try {
        return { "<json in a string>": captureShapeOf(JSON.parse(value), key, depth + 1) };
      } catch {
        // Not JSON after all: described as text below.
      }
    }
    return CAPTURE_CONTENT_KEYS.has(normalKey(key)) || !/^[\w.:/+, -]{0,64}$/.test(value) ? `<string, ${value.length} chars>` : value;
  }
  if (depth >= CAPTURE_MAX_DEPTH) return "<deeper>";
  if (Array.isArray(value)) {
    const items = value.slice(0, 3).map((item) => captureShapeOf(item, key, depth + 1));
    return value.length > 3 ? [...items, `<${value.length - 3} more>`] : items;
  }
  const record = asRecord(value);
  if (record === undefined) return `<${typeof value}>`;
  return Object.fromEntries(Object.entries(record).map(([name, inner]) => [name, captureShapeOf(inner, name, depth + 1)]));
}

function captureBodyShape(body: unknown): unknown {
  if (body === undefined || body === null) return null;
  if (typeof body === "string") {
    try {
      return captureShapeOf(JSON.parse(body), "", 0);
    } catch {
      return `<text, ${body.length} chars>`;
    }
  }
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return `<binary, ${body.byteLength} bytes>`;
  if (body instanceof Blob) return `<binary, ${body.size} bytes>`;
  return `<${body.constructor?.name ?? typeof body}>`;
}

/** A path segment that names one thing (a chat id, a hash, a long number) rather than an endpoint. */
const isIdSegment = (segment: string) => /^[0-9a-f-]{16,}$/i.test(segment) || /^\d{6,}$/.test(segment) || /^[\w-]{24,}$/.test(segment) || segment.includes(".") || segment.includes("%");

/** The fixture's name and the sidecar's path: id-like segments as `{id}`, every query value as `*`. */
function capturePath(url: URL): { path: string; slug: string } {
  const segments = url.pathname.split("/").map((segment) => (segment !== "" && isIdSegment(segment) ? "{id}" : segment));
  const pathname = segments.join("/");
  const query = [...url.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=*`).join("&");
  const slug = pathname.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48) || "root";
  return { path: query === "" ? pathname : `${pathname}?${query}`, slug };
}

/** The fixture extension `loadFixtures` replays for a content type; undefined for bodies that are not text (pictures, uploads). */
function captureExtension(contentType: string, body: string): "sse" | "json" | "html" | undefined {
  const type = contentType.toLowerCase();
  if (type.includes("event-stream")) return "sse";
  if (type.includes("json")) return "json";
  if (type.includes("html")) return "html";
  if (type === "" || type.startsWith("text/") || type.includes("xml") || type.includes("javascript")) {
    const head = body.trimStart();
    return head.startsWith("{") || head.startsWith("[") ? "json" : head.startsWith("data:") ? "sse" : "html";
  }
  return undefined;
}

/** One upstream call being recorded. */
interface CaptureExchange {
  /** The answer to hand on: the same status, headers and bytes, recorded as they pass. */
  answered(response: Response): Response;
  failed(err: unknown): void;
}

export interface Capture {
  readonly dir: string;
  begin(input: string | URL | Request, init: RequestInit, account: Account | undefined): CaptureExchange;
  /** Resolves once every exchange that has ended is on disk. */
  flush(): Promise<void>;
}

/** Statuses whose answers have no body (a Response with one cannot be built, so these are handed on as they came). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Capture mode's recorder (see the banner): makes DIR (0700) if need be and
 * writes each exchange as it ends, files 0600, numbered after the highest
 * number already in DIR. A file that cannot be written is said once in the
 * log and never fails the request.
 */
export function createCapture(dir: string, redact: (text: string) => string, log: (line: string) => void): Capture {
  makePrivateDir(dir);
  const fs = nodeFs();
  let seq = 0;
  for (const name of fs.readdirSync(dir)) seq = Math.max(seq, Number(/^(\d+)-/.exec(name)?.[1] ?? 0));
  const pending = new Set<Promise<void>>();
  let hasFailed = false;

  /** Writes an exchange's files (0600, never over another file) under the next free number; returns the names. */
  const writeNew = async (slug: string, build: (base: string) => Array<{ name: string; text: string }>): Promise<void> => {
    for (let tries = 0; ; tries++) {
      const base = `${String(++seq).padStart(4, "0")}-${slug}`;
      const files = build(base);
      try {
        // The sidecar goes last: its name is taken only once the fixture's is.
        for (const file of files) await fs.promises.writeFile(`${dir}/${file.name}`, file.text, { mode: 0o600, flag: "wx" });
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== "EEXIST" || tries > 100) throw err;
      }
    }
  };

  const save = (work: () => Promise<void>) => {
    const done = work()
      .catch((err: unknown) => {
        if (!hasFailed) log(`qwenplug: capture: could not write to ${dir} (${errorName(err)}); later exchanges may be missing too`);
        hasFailed = true;
      })
      .finally(() => pending.delete(done));
    pending.add(done);
  };

  return {
    dir,
    begin(input, init, account) {
      const started = Date.now();
      const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
      const method = (init.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
      const requestHeaders = [...new Headers(init.headers).keys()].sort();
      const { path, slug } = capturePath(url);
      const request = { method, host: url.host, path, requestHeaders, requestBody: captureBodyShape(init.body) };
      const who = account === undefined ? {} : { upstream: account.upstream, account: account.number };
      const sidecar = (fields: Record<string, unknown>) => `${scrubCapturedText(JSON.stringify({ at: new Date(started).toISOString(), ...who, ...request, ...fields, ms: Date.now() - started }, null, 2), redact)}\n`;

      const write = async (response: Response, chunks: readonly Uint8Array[], bytes: number, ended: string, isCut: boolean): Promise<void> => {
        const contentType = response.headers.get("content-type") ?? "";
        const raw = new TextDecoder().decode(Buffer.concat(chunks));
        const ext = captureExtension(contentType, raw);
        const text = ext === undefined ? "" : scrubCapturedText(raw, redact);
        const status = response.status === 200 ? "" : `@${response.status}`;
        const fields = { status: response.status, contentType, responseHeaders: [...response.headers.keys()].sort(), bodyBytes: bytes, ended, ...(isCut ? { cutAtBytes: CAPTURE_MAX_BYTES } : {}) };
        await writeNew(slug, (base) => [
          ...(ext === undefined ? [] : [{ name: `${base}${status}.${ext}`, text }]),
          { name: `${base}.meta.json`, text: sidecar({ ...fields, file: ext === undefined ? null : `${base}${status}.${ext}` }) },
        ]);
      };

      return {
        answered(response) {
          if (response.body === null || NULL_BODY_STATUSES.has(response.status) || response.status < 200 || response.status > 599) {
            save(() => write(response, [], 0, "no body", false));
            return response;
          }
          const reader = response.body.getReader();
          const chunks: Uint8Array[] = [];
          let bytes = 0;
          let isCut = false;
          let hasEnded = false;
          const record = (chunk: Uint8Array) => {
            const room = CAPTURE_MAX_BYTES - bytes;
            if (room > 0) chunks.push(chunk.byteLength <= room ? chunk : chunk.subarray(0, room));
            if (chunk.byteLength > room) isCut = true;
            bytes += chunk.byteLength;
          };
          const end = (how: string) => {
            if (hasEnded) return;
            hasEnded = true;
            save(() => write(response, chunks, bytes, how, isCut));
          };
          /**
           * qwenplug stops reading at its reply's last frame, before what
           * follows it (chat2's `event:complete`): that rest is read for the
           * record for at most CAPTURE_TAIL_MS and CAPTURE_TAIL_BYTES, off the
           * client's path, then the upstream body is cancelled as qwenplug asked.
           */
          const readTail = async (reason: unknown) => {
            const until = Date.now() + CAPTURE_TAIL_MS;
            const most = Math.min(CAPTURE_MAX_BYTES, bytes + CAPTURE_TAIL_BYTES);
            let how = "cancelled by qwenplug before the end";
            try {
              while (bytes < most) {
                const next = await withDeadline(reader.read(), Math.max(0, until - Date.now()));
                if (next === undefined) break;
                if (next.done) {
                  how = "complete (its last bytes read after qwenplug had its reply)";
                  break;
                }
                record(next.value);
              }
            } catch {
              // A body that breaks off now is as good as cancelled.
            }
            reader.cancel(reason).catch(() => {});
            await write(response, chunks, bytes, how, isCut);
          };
          const body = new ReadableStream<Uint8Array>(
            {
              async pull(controller) {
                let next: Awaited<ReturnType<typeof reader.read>>;
                try {
                  next = await reader.read();
                } catch (err) {
                  end(`broke off (${errorName(err)})`);
                  controller.error(err);
                  return;
                }
                if (next.done) {
                  end("complete");
                  controller.close();
                  return;
                }
                record(next.value);
                controller.enqueue(next.value);
              },
              cancel(reason) {
                if (hasEnded) return reader.cancel(reason);
                hasEnded = true;
                save(() => readTail(reason));
              },
            },
            // Nothing is read ahead of the consumer: the upstream's pace and backpressure stay as they were.
            { highWaterMark: 0 },
          );
          return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
        },
        failed(err) {
          save(() => writeNew(slug, (base) => [{ name: `${base}.meta.json`, text: sidecar({ error: errorName(err), file: null }) }]));
        },
      };
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

// ── Operations: check, start-up probe, status page ──────────────────────────
//
// What a person running qwenplug uses to see whether it works: `--check`
// before deploying (or from cron), the start-up probe that makes /status and
// the log truthful within seconds, and the status page at GET /.

/** How many liveness calls the start-up probe and --check run at once. */
const PROBE_CONCURRENCY = 4;
/** The test chat of `--check=chat`, per account. */
const CHECK_CHAT_TIMEOUT_MS = 60_000;
const CHECK_CHAT_PROMPT = "Reply with the single word OK.";
/** The rolling window /status exposes for the page's chart: 60 buckets of 10 s. */
const TRAFFIC_BUCKET_MS = 10_000;
const TRAFFIC_BUCKETS = 60;
/** The window is saved in the state store at most this often, and restored at start, so a restart does not blank the chart. */
const TRAFFIC_SAVE_MS = 10_000;
const TRAFFIC_KEY = "traffic:window";
/** How often the page asks /health and /status again. */
const STATUS_PAGE_REFRESH_MS = 5000;

/** Runs `task` over `items`, at most `limit` at a time; resolves when all are done. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Every configured account of both upstreams, CN first. */
const allAccounts = <A extends Pick<UpstreamAdapter, "name" | "accounts">>(adapters: Record<UpstreamName, A>): Array<{ adapter: A; account: Account }> =>
  (["cn", "intl"] as const).flatMap((name) => adapters[name].accounts.map((account) => ({ adapter: adapters[name], account })));

/** What a liveness answer means for the person reading the line. */
const PROBE_MEANING: Record<ProbeResult, string> = {
  alive: "usable",
  dead: "logged out",
  unknown: "no clear answer (network, timeout or an anti-bot page)",
};

// ── · --check ──

export type AccountCheckState = "ok" | "logged_out" | "unknown" | "chat_failed";

/** One account's line of `bun index.ts --check`: numbers, states and variable names, never a secret. */
export interface AccountCheck {
  upstream: UpstreamName;
  number: number;
  state: AccountCheckState;
  /** The liveness call, plus the test chat with `--check=chat`. */
  latencyMs: number;
  /** The variable to refresh when the account is logged out. */
  refresh?: string;
  /** How the test chat failed, when it did. */
  chatFailure?: ErrorKind;
  /** The account's route (a proxy's host, or "direct"), and how long it still rests after an anti-bot challenge, as the state store says (a running qwenplug sharing it wrote it). */
  route?: { label: string; restingSec: number; punishUrl?: string };
  /** The protocol details the account is served with (`UpstreamAdapter.protocolDetails`), when its adapter names any. */
  details?: string[];
}

/** The smallest chat an account can answer: the upstream's first live model (else its first alias), streamed, no tools. */
async function checkChat(adapter: UpstreamAdapter, account: Account): Promise<UpstreamFailure | undefined> {
  const live = await adapter.liveModels();
  const name = live?.[0]?.id ?? adapter.aliasNames()[0];
  const model = name === undefined ? undefined : adapter.resolveModel(name, live);
  if (model === undefined) return { kind: "upstream", message: "no model to test with" };
  const neutral: NeutralRequest = {
    upstream: adapter.name,
    clientModel: model,
    upstreamModel: model,
    thinking: false,
    search: false,
    turns: [{ role: "user", text: CHECK_CHAT_PROMPT }],
    tooling: NO_TOOLS,
    stream: true,
    includeUsage: false,
  };
  const stop = Stop.following(AbortSignal.timeout(CHECK_CHAT_TIMEOUT_MS));
  for await (const batch of adapter.complete(adapter.prepare(neutral), account, stop)) {
    for (const event of batch) {
      if (event.type === "error") return event.failure;
      if (event.type === "done") return undefined;
    }
  }
  return { kind: "timeout", message: "the test chat did not finish" };
}

/**
 * Checks every configured account of both upstreams with the adapters' own
 * liveness calls (and, with `withChat`, one tiny chat per live account),
 * at most PROBE_CONCURRENCY at a time. Touches no pool: it is a one-off.
 */
export async function checkAccounts(config: Config, options: { withChat: boolean; fetch?: typeof fetch; onDrift?: (lines: string[]) => void; store?: StateStore }): Promise<AccountCheck[]> {
  const app = createApp({ config, fetch: options.fetch, log: () => {}, store: options.store });
  const targets = allAccounts(app.adapters);
  const results = new Map<(typeof targets)[number], AccountCheck>();
  await forEachLimited(targets, PROBE_CONCURRENCY, async (target) => {
    const { adapter, account } = target;
    const started = performance.now();
    const probe = await adapter.probe(account);
    const check: AccountCheck = { upstream: adapter.name, number: account.number, state: probe === "alive" ? "ok" : probe === "dead" ? "logged_out" : "unknown", latencyMs: 0 };
    if (check.state === "ok" && options.withChat) {
      const failure = await checkChat(adapter, account);
      if (failure !== undefined) {
        check.state = failure.kind === "auth" ? "logged_out" : "chat_failed";
        check.chatFailure = failure.kind;
      }
    }
    check.latencyMs = Math.round(performance.now() - started);
    if (check.state === "logged_out") check.refresh = adapter.credentialVar(account.number);
    const route = routeOf(account);
    const rest = (await app.store.get<SharedRouteRest>(`route:${adapter.name}:${route.key}`).catch(() => undefined))?.value;
    const restingSec = rest === undefined ? 0 : Math.max(0, Math.ceil((rest.until - Date.now()) / 1000));
    check.route = { label: route.label, restingSec, ...(restingSec > 0 && rest?.punishUrl !== undefined ? { punishUrl: rest.punishUrl } : {}) };
    const details = await adapter.protocolDetails?.(account).catch(() => undefined);
    if (details !== undefined && details.length > 0) check.details = details;
    results.set(target, check);
  });
  // The test chats' upstream deletes are still under way: let them finish.
  await app.drain(0);
  options.onDrift?.(driftLines(app.drift));
  return targets.map((target) => results.get(target) as AccountCheck);
}

/** What the upstreams sent that qwenplug did not understand, one line per kind: the sign that a protocol moved. */
export function driftLines(drift: Record<UpstreamName, Pick<DriftLog, "snapshot">>): string[] {
  const names: Record<UpstreamName, string> = { cn: "the mainland site", intl: "chat.qwen.ai" };
  return (["cn", "intl"] as const).flatMap((name) =>
    drift[name].snapshot().map((d) => `qwenplug: ${names[name]} sent ${d.count} ${d.kind}${d.count === 1 ? "" : "s"} since ${d.since}; newest: ${d.samples[0] ?? ""} (please report it)`),
  );
}

/** What to do about an account in each state, for the check's line. */
function checkAdvice(check: AccountCheck): string {
  if (check.state === "logged_out") return `refresh ${check.refresh}`;
  if (check.state === "unknown") return `${PROBE_MEANING.unknown}: try again, or check the network and the upstream's base URL`;
  if (check.state === "chat_failed") return `the test chat failed (${check.chatFailure}); the account answers its liveness call but cannot chat right now`;
  return "";
}

/** The lines `--check` prints, and whether every account is usable (the exit status). */
export function formatCheck(checks: readonly AccountCheck[]): { lines: string[]; isAllUsable: boolean } {
  if (checks.length === 0) {
    return { lines: [`qwenplug check: no account is configured; set ${intlRecommendedVars(1)} (chat.qwen.ai) or CN_ACCOUNT_1_COOKIE (qianwen.com).`], isAllUsable: false };
  }
  const routeNote = (c: AccountCheck) => (c.route !== undefined && c.route.restingSec > 0 ? `route ${c.route.label} resting ${c.route.restingSec} s` : "");
  const lines = checks.flatMap((c) => [
    [c.upstream.toUpperCase().padEnd(4), `account ${c.number}`.padEnd(11), c.state.padEnd(11), `${c.latencyMs} ms`.padStart(9), [checkAdvice(c), routeNote(c)].filter((t) => t !== "").join("; ")].join("  ").trimEnd(),
    ...(c.details === undefined ? [] : [`      served with: ${c.details.join("; ")}`]),
  ]);
  const usable = checks.filter((c) => c.state === "ok").length;
  lines.push(`qwenplug check: ${usable} of ${checks.length} account(s) usable`);
  // One line per resting route: an anti-bot challenge rests the egress for every account on it (UPSTREAMS-2026-12 I3).
  const rested = new Map<string, AccountCheck[]>();
  for (const c of checks) if (c.route !== undefined && c.route.restingSec > 0) rested.set(`${c.upstream} ${c.route.label}`, [...(rested.get(`${c.upstream} ${c.route.label}`) ?? []), c]);
  for (const group of rested.values()) {
    const first = group[0] as AccountCheck & { route: NonNullable<AccountCheck["route"]> };
    const puzzle = group.map((c) => c.route?.punishUrl).find((u) => u !== undefined);
    lines.push(
      `qwenplug route: ${first.upstream.toUpperCase()} ${first.route.label} rests for ${Math.max(...group.map((c) => c.route?.restingSec ?? 0))} s after an anti-bot challenge; ` +
        `${group.length === 1 ? "account" : "accounts"} ${group.map((c) => c.number).join(", ")} ${group.length === 1 ? "waits" : "wait"} for it${puzzle === undefined ? "" : `; puzzle page: ${puzzle}`}`,
    );
  }
  return { lines, isAllUsable: usable === checks.length };
}

// ── · Start-up probe ──

/**
 * Probes every account through its pool (the one place account state
 * changes), PROBE_CONCURRENCY at a time, so /status is true within seconds of
 * start; logs each account's state once, naming the variable to fix.
 */
export async function probeAccountsAtStart(app: { pools: Record<UpstreamName, Pick<Pool, "probeAccount">>; adapters: Record<UpstreamName, Pick<UpstreamAdapter, "name" | "accounts" | "credentialVar">> }, log: (line: string) => void): Promise<void> {
  await forEachLimited(allAccounts(app.adapters), PROBE_CONCURRENCY, async ({ adapter, account }) => {
    const started = performance.now();
    const result = await app.pools[adapter.name].probeAccount(account.number);
    if (result === undefined) return;
    const label = `${adapter.name.toUpperCase()} account ${account.number}`;
    const ms = Math.round(performance.now() - started);
    if (result === "dead") log(`qwenplug: ${label} is logged out (liveness check, ${ms} ms): refresh ${adapter.credentialVar(account.number)}, then restart`);
    else log(`qwenplug: ${label} ${result === "alive" ? "is usable" : `gave ${PROBE_MEANING.unknown}; it stays in service`} (liveness check, ${ms} ms)`);
  });
}

// ── · Traffic window ──

/** Completions per 10-second bucket over the last 10 minutes, for the page's chart; O(1) per request. */
function createTrafficWindow(now: () => number = Date.now) {
  const buckets = Array.from({ length: TRAFFIC_BUCKETS }, () => ({ start: -1, requests: 0, errors: 0, ttftSum: 0, ttftCount: 0 }));
  const bucketAt = (t: number) => {
    const index = Math.floor(t / TRAFFIC_BUCKET_MS);
    const bucket = buckets[index % TRAFFIC_BUCKETS] as (typeof buckets)[number];
    if (bucket.start !== index * TRAFFIC_BUCKET_MS) Object.assign(bucket, { start: index * TRAFFIC_BUCKET_MS, requests: 0, errors: 0, ttftSum: 0, ttftCount: 0 });
    return bucket;
  };
  return {
    record(isError: boolean, ttftMs: number | undefined): void {
      const bucket = bucketAt(now());
      bucket.requests++;
      if (isError) bucket.errors++;
      if (ttftMs !== undefined) {
        bucket.ttftSum += ttftMs;
        bucket.ttftCount++;
      }
    },
    /** The raw buckets, to save in the state store. */
    save: () => buckets.filter((bucket) => bucket.start >= 0).map((bucket) => ({ ...bucket })),
    /** Buckets saved before a restart, for those still inside the window and not counted since. */
    restore(saved: ReadonlyArray<(typeof buckets)[number]>): void {
      const oldest = (Math.floor(now() / TRAFFIC_BUCKET_MS) - TRAFFIC_BUCKETS + 1) * TRAFFIC_BUCKET_MS;
      for (const bucket of saved) {
        if (bucket.start < oldest || bucket.start % TRAFFIC_BUCKET_MS !== 0) continue;
        const slot = buckets[(bucket.start / TRAFFIC_BUCKET_MS) % TRAFFIC_BUCKETS] as (typeof buckets)[number];
        if (slot.start === bucket.start) continue;
        Object.assign(slot, { start: bucket.start, requests: bucket.requests, errors: bucket.errors, ttftSum: bucket.ttftSum, ttftCount: bucket.ttftCount });
      }
    },
    /** Oldest first, the current bucket last; `start` in ms since the epoch. */
    snapshot() {
      const current = Math.floor(now() / TRAFFIC_BUCKET_MS);
      return {
        bucket_s: TRAFFIC_BUCKET_MS / 1000,
        buckets: Array.from({ length: TRAFFIC_BUCKETS }, (_, i) => {
          const start = (current - TRAFFIC_BUCKETS + 1 + i) * TRAFFIC_BUCKET_MS;
          const bucket = buckets[(current - TRAFFIC_BUCKETS + 1 + i) % TRAFFIC_BUCKETS] as (typeof buckets)[number];
          const isLive = bucket.start === start;
          return {
            start,
            requests: isLive ? bucket.requests : 0,
            errors: isLive ? bucket.errors : 0,
            ttft_avg_ms: isLive && bucket.ttftCount > 0 ? Math.round(bucket.ttftSum / bucket.ttftCount) : null,
          };
        }),
      };
    },
  };
}

type TrafficWindow = ReturnType<typeof createTrafficWindow>;

/** Counts a finished completion (one that got as far as naming its model) in the traffic window, saved at most every TRAFFIC_SAVE_MS. */
function recordTraffic(app: App, ex: Exchange): void {
  if (ex.log.model === undefined) return;
  recordUsage(app, ex);
  app.traffic.record(ex.log.status >= 400 || ex.log.outcome === "internal_error" || (ex.log.outcome?.startsWith("error:") ?? false), ex.log.ttftMs);
  if (Date.now() - app.trafficSavedAt < TRAFFIC_SAVE_MS) return;
  app.trafficSavedAt = Date.now();
  app.store.put(TRAFFIC_KEY, app.traffic.save(), { ttlMs: TRAFFIC_BUCKET_MS * TRAFFIC_BUCKETS }).catch(() => {});
}

// ── · Status page ──

// The page is one constant: the same bytes for everyone, no build step, no
// external assets. Everything it shows comes from /health (public) and
// /status (with the key the user typed, kept in localStorage and sent only as
// a header); it writes data with textContent, never as HTML, and the CSP
// allows only this style and this script (by hash) and requests to this origin.

const STATUS_PAGE_CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--mute:#656d76;--line:#d0d7de;--bg:#fff;--card:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--bar:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--mute:#8d96a0;--line:#30363d;--bg:#0d1117;--card:#161b22;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--bar:#4493f8}}
*{box-sizing:border-box}body{margin:0 auto;max-width:1060px;padding:20px;font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px}code,pre{font:12.5px ui-monospace,monospace}
pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;margin:6px 0}
.mute{color:var(--mute)}.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}
.facts{display:flex;flex-wrap:wrap;gap:8px 22px;margin:10px 0}.facts b{font-weight:600}
.scroll{overflow-x:auto;margin:6px 0 14px}.scroll table{margin:0}
table{border-collapse:collapse;width:100%;margin:6px 0 14px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{font-weight:600;color:var(--mute)}td.n{text-align:right;font-variant-numeric:tabular-nums}
form{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}input{flex:1;min-width:0;max-width:420px;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{padding:6px 12px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg);cursor:pointer}
svg{display:block;width:100%;max-width:1020px;height:auto;background:var(--card);border:1px solid var(--line);border-radius:6px}
svg text{fill:var(--mute);font:11px system-ui,sans-serif}.bars rect{fill:var(--bar);opacity:.75}.bars rect.err{fill:var(--bad)}.ttft{fill:none;stroke:var(--warn);stroke-width:2}
select{padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
.usage rect{fill:var(--bar);opacity:.75}.usage rect.err{fill:var(--bad)}
[hidden]{display:none!important}
@media (max-width:600px){body{padding:12px}th,td{padding:4px 6px;white-space:nowrap}form input{flex-basis:100%;max-width:none}}
`;

const STATUS_PAGE_JS = `
"use strict";
const KEY = "qwenplug.apiKey";
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
const base = location.origin + "/v1";
$("base").textContent = base;
$("snippet").textContent = "curl " + base + "/chat/completions \\\\\\n  -H \\"Authorization: Bearer $API_MASTER_KEY\\" -H \\"Content-Type: application/json\\" \\\\\\n  -d '{\\"model\\": \\"qwen-max\\", \\"messages\\": [{\\"role\\": \\"user\\", \\"content\\": \\"Hello\\"}]}'\\n\\n# OpenAI SDKs and most clients: base URL and key\\nOPENAI_BASE_URL=" + base + "\\nOPENAI_API_KEY=<your API_MASTER_KEY>";
const since = (s) => s < 60 ? s + " s" : s < 3600 ? Math.floor(s / 60) + " min" : s < 86400 ? Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min" : Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
const STATE_CLASS = { healthy: "ok", cooling: "warn", invalid: "bad" };

// What /health says about keys: /status is not asked without one while one is needed, so a visit logs no 401.
let auth = null;
async function loadHealth() {
  try {
    const h = await (await fetch("/health", { headers: { accept: "application/json" }, cache: "no-store" })).json();
    auth = h.auth;
    $("version").textContent = h.version;
    $("health").textContent = h.status;
    $("health").className = h.status === "ok" ? "ok" : "bad";
    $("uptime").textContent = since(h.uptime_s);
    $("accounts").textContent = "CN " + h.accounts.cn + ", INTL " + h.accounts.intl;
    $("auth").textContent = h.auth === "api_key" ? "API key required" : "this machine only (no API_MASTER_KEY)";
  } catch { $("health").textContent = "unreachable"; $("health").className = "bad"; }
}

function showKeyForm(message) {
  $("keyform").hidden = false;
  $("forget").hidden = localStorage.getItem(KEY) === null;
  $("keymsg").textContent = message;
  $("private").hidden = true;
}

async function loadStatus() {
  const key = localStorage.getItem(KEY);
  if (key === null && auth !== "loopback_only") { showKeyForm("Enter an API key (API_MASTER_KEY) to see the accounts."); return; }
  let r;
  try { r = await fetch("/status", { headers: key ? { authorization: "Bearer " + key } : {}, cache: "no-store" }); }
  catch { $("keymsg").textContent = "qwenplug did not answer /status."; return; }
  if (r.status === 401 || r.status === 403) { showKeyForm(key ? "That key was refused; enter another." : "Enter an API key (API_MASTER_KEY) to see the accounts."); return; }
  if (!r.ok) { $("keymsg").textContent = "/status answered HTTP " + r.status + "."; return; }
  const s = await r.json();
  $("keyform").hidden = key === null;
  $("keymsg").textContent = "";
  $("forget").hidden = key === null;
  $("private").hidden = false;
  renderAccounts(s.upstreams);
  renderChart(s.window);
  renderState(s.state);
  $("updated").textContent = "updated " + new Date().toLocaleTimeString();
}

function renderAccounts(upstreams) {
  const root = $("accounts-tables");
  root.replaceChildren();
  const names = { cn: "CN (qianwen.com)", intl: "INTL (chat.qwen.ai)" };
  for (const name of ["cn", "intl"]) {
    const accounts = upstreams[name].accounts;
    if (accounts.length === 0) continue;
    root.append(el("h2", names[name]));
    const table = el("table");
    table.dataset.upstream = name;
    const head = el("tr");
    for (const h of ["#", "state", "in flight", "successes", "failures", "last error", "TTFT p50 / p95", "note"]) head.append(el("th", h));
    table.append(head);
    for (const a of accounts) {
      const row = el("tr");
      const failures = Object.entries(a.failures).map(([k, n]) => k + " " + n).join(", ") || "none";
      const last = a.last_error_kind ? a.last_error_kind + " (" + since(Math.max(0, Math.round((Date.now() - Date.parse(a.last_error_at)) / 1000))) + " ago)" : "none";
      const ttft = a.ttft_ms.p50 === null ? "no data" : a.ttft_ms.p50 + " / " + a.ttft_ms.p95 + " ms";
      const note = a.refresh ? "refresh " + a.refresh : a.route_resting_s > 0 ? "its route (" + a.route + ") rests, back in " + since(a.available_in_s) : a.state === "cooling" ? "back in " + since(a.available_in_s) : "";
      row.append(el("td", a.number, "n"), el("td", a.state, STATE_CLASS[a.state]), el("td", a.in_flight, "n"), el("td", a.successes, "n"), el("td", failures), el("td", last), el("td", ttft), el("td", note));
      table.append(row);
    }
    const scroll = el("div", undefined, "scroll");
    scroll.append(table);
    root.append(scroll);
    for (const r of upstreams[name].routes || []) {
      if (r.resting_s > 0) root.append(el("p", "Route " + r.route + " rests for " + since(r.resting_s) + " after an anti-bot challenge (accounts " + r.accounts.join(", ") + ")" + (r.punish_url ? "; puzzle page: " + r.punish_url : ""), "bad"));
    }
    for (const d of upstreams[name].drift || []) root.append(el("p", "Unrecognised from upstream: " + d.count + " × " + d.kind + " since " + d.since + "; newest: " + (d.samples[0] || "") + " (please report it)", "mute"));
  }
  if (!root.hasChildNodes()) root.append(el("p", "No account is configured.", "mute"));
}

function renderState(st) {
  const where = st.backend === "memory" ? "in memory only: nothing survives a restart (STATE_PATH=off)" : st.backend + " at " + st.location;
  $("state").textContent = "State: " + where + (st.healthy ? "" : " (unhealthy: " + (st.detail || "unreachable") + ")");
  $("state").className = st.healthy ? "mute" : "bad";
}

const SVG = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs, text) => { const e = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); if (text !== undefined) e.textContent = text; return e; };

// The drawing is as wide as its box (at least 320), so a phone gets a chart as tall as a desktop's, and text at its size.
const chartWidth = (id) => Math.max(320, Math.min(1000, Math.round($(id).getBoundingClientRect().width) || 1000));

function renderChart(w) {
  const W = chartWidth("chart"), H = 170, L = 44, R = 52, T = 14, B = 22;
  const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "completions and time to first token, last 10 minutes", id: "chart" });
  const n = w.buckets.length, step = (W - L - R) / n, plotH = H - T - B;
  const maxReq = Math.max(1, ...w.buckets.map((b) => b.requests));
  const ttfts = w.buckets.map((b) => b.ttft_avg_ms).filter((v) => v !== null);
  const maxTtft = Math.max(1, ...ttfts);
  const bars = svgEl("g", { class: "bars" });
  w.buckets.forEach((b, i) => {
    const x = L + i * step + 1, h = (b.requests / maxReq) * plotH, he = (b.errors / maxReq) * plotH;
    if (b.requests > 0) bars.append(svgEl("rect", { x, y: T + plotH - h, width: Math.max(1, step - 2), height: h }));
    if (b.errors > 0) bars.append(svgEl("rect", { x, y: T + plotH - he, width: Math.max(1, step - 2), height: he, class: "err" }));
  });
  svg.append(bars);
  const points = w.buckets.map((b, i) => b.ttft_avg_ms === null ? null : (L + (i + 0.5) * step).toFixed(1) + "," + (T + plotH - (b.ttft_avg_ms / maxTtft) * plotH).toFixed(1)).filter((p) => p !== null);
  if (points.length > 0) svg.append(svgEl("polyline", { class: "ttft", points: points.join(" ") }));
  if (points.length === 1) { const [cx, cy] = points[0].split(","); svg.append(svgEl("circle", { class: "ttft", cx, cy, r: 3 })); }
  svg.append(svgEl("line", { x1: L, y1: T + plotH, x2: W - R, y2: T + plotH, stroke: "currentColor", "stroke-opacity": 0.3 }));
  svg.append(svgEl("text", { x: L - 6, y: T + 9, "text-anchor": "end" }, String(maxReq)));
  svg.append(svgEl("text", { x: L - 6, y: T + plotH, "text-anchor": "end" }, "0"));
  svg.append(svgEl("text", { x: W - R + 6, y: T + 9 }, ttfts.length ? maxTtft + " ms" : ""));
  svg.append(svgEl("text", { x: L, y: H - 6 }, "-10 min"));
  svg.append(svgEl("text", { x: W - R, y: H - 6, "text-anchor": "end" }, "now"));
  const total = w.buckets.reduce((s, b) => s + b.requests, 0), errors = w.buckets.reduce((s, b) => s + b.errors, 0);
  $("chart-legend").textContent = "Bars: completions per " + w.bucket_s + " s (red: failed); line: mean time to first token. Last 10 minutes: " + total + " completion(s), " + errors + " failed.";
  $("chart").replaceWith(svg);
}

// The operator's part: only with the admin key, kept for this tab only (sessionStorage) and sent as x-admin-key.
const ADMIN = "qwenplug.adminKey";
const adminFetch = (path, init) => fetch(path, { ...(init || {}), headers: { ...((init && init.headers) || {}), "x-admin-key": sessionStorage.getItem(ADMIN) || "" }, cache: "no-store" });
const FIELDS = { cn: ["cookie", "xsrf_token", "scenes", "umidtoken"], intl: ["refresh_token", "token", "email", "cookie", "headers"] };
const showPassword = () => { $("add-password").hidden = $("add-field").value !== "email"; };
function fillFields() {
  $("add-field").replaceChildren(...FIELDS[$("add-upstream").value].map((f) => { const o = el("option", f); o.value = f; return o; }));
  showPassword();
}
async function loadAdmin() {
  const key = sessionStorage.getItem(ADMIN);
  $("admin-forget").hidden = key === null;
  if (key === null) { $("admin").hidden = true; return; }
  let r;
  try { r = await adminFetch("/admin/accounts"); } catch { $("adminmsg").textContent = "qwenplug did not answer /admin/accounts."; return; }
  if (r.status === 404) { $("admin").hidden = true; $("adminmsg").textContent = "The admin API is off: set ADMIN_KEY on the server."; return; }
  if (r.status === 401) { $("admin").hidden = true; $("adminmsg").textContent = "That admin key was refused; enter another."; return; }
  const { accounts } = await r.json();
  $("admin").hidden = false;
  const table = el("table");
  table.id = "admin-accounts";
  const head = el("tr");
  for (const h of ["upstream", "#", "from", "state", ""]) head.append(el("th", h));
  table.append(head);
  for (const a of accounts) {
    const row = el("tr");
    const action = el("td");
    if (a.source === "admin") {
      const button = el("button", "Remove");
      button.type = "button";
      button.dataset.account = a.upstream + "/" + a.number;
      button.addEventListener("click", async () => {
        const res = await adminFetch("/admin/accounts/" + a.upstream + "/" + a.number, { method: "DELETE" });
        $("adminmsg").textContent = res.ok ? a.upstream + " account " + a.number + " removed (in-flight replies finish first)." : (await res.json()).error.message;
        void loadAdmin(); void loadStatus();
      });
      action.append(button);
    }
    row.append(el("td", a.upstream), el("td", a.number, "n"), el("td", a.source), el("td", a.state, STATE_CLASS[a.state]), action);
    table.append(row);
  }
  $("admin-accounts").replaceWith(table);
  await loadUsage();
}
async function loadUsage() {
  const r = await adminFetch("/admin/usage?days=30");
  if (!r.ok) return;
  const { days } = await r.json();
  const W = chartWidth("usage-chart"), H = 150, L = 44, R = 12, T = 14, B = 22, plotH = H - T - B, step = (W - L - R) / days.length;
  const sum = (d, f) => Object.values(d.keys).reduce((s, c) => s + f(c), 0);
  const reqs = days.map((d) => sum(d, (c) => c.requests)), fails = days.map((d) => sum(d, (c) => Object.values(c.failures).reduce((s, n) => s + n, 0)));
  const max = Math.max(1, ...reqs);
  const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "requests per day, last 30 days", id: "usage-chart", class: "usage" });
  days.forEach((d, i) => {
    const x = L + i * step + 1, h = (reqs[i] / max) * plotH, he = (fails[i] / max) * plotH;
    if (reqs[i] > 0) svg.append(svgEl("rect", { x, y: T + plotH - h, width: Math.max(1, step - 2), height: h }));
    if (fails[i] > 0) svg.append(svgEl("rect", { x, y: T + plotH - he, width: Math.max(1, step - 2), height: he, class: "err" }));
  });
  svg.append(svgEl("text", { x: L - 6, y: T + 9, "text-anchor": "end" }, String(max)));
  svg.append(svgEl("text", { x: L - 6, y: T + plotH, "text-anchor": "end" }, "0"));
  svg.append(svgEl("text", { x: L, y: H - 6 }, days[0].date));
  svg.append(svgEl("text", { x: W - R, y: H - 6, "text-anchor": "end" }, days[days.length - 1].date));
  $("usage-chart").replaceWith(svg);
  const totals = {};
  for (const d of days) for (const [name, c] of Object.entries(d.keys)) {
    const t = totals[name] || (totals[name] = { requests: 0, failures: 0, tokens: 0, estimated: 0 });
    t.requests += c.requests; t.failures += Object.values(c.failures).reduce((s, n) => s + n, 0);
    t.tokens += c.tokens.prompt + c.tokens.completion; t.estimated += c.estimated_tokens.prompt + c.estimated_tokens.completion;
  }
  const table = el("table");
  table.id = "usage-keys";
  const head = el("tr");
  for (const h of ["key", "requests", "failed", "tokens (reported)", "tokens (estimated)"]) head.append(el("th", h));
  table.append(head);
  for (const [name, t] of Object.entries(totals)) {
    const row = el("tr");
    row.append(el("td", name), el("td", t.requests, "n"), el("td", t.failures, "n"), el("td", t.tokens, "n"), el("td", t.estimated, "n"));
    table.append(row);
  }
  $("usage-keys").replaceWith(table);
}
$("add-upstream").addEventListener("change", fillFields);
$("add-field").addEventListener("change", showPassword);
fillFields();
$("adminform").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("admin-key");
  if (input.value.trim() !== "") sessionStorage.setItem(ADMIN, input.value.trim());
  input.value = "";
  $("adminmsg").textContent = "";
  void loadAdmin();
});
$("admin-forget").addEventListener("click", () => { sessionStorage.removeItem(ADMIN); $("adminmsg").textContent = ""; void loadAdmin(); });
$("addform").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = { upstream: $("add-upstream").value };
  body[$("add-field").value] = $("add-value").value;
  if ($("add-field").value === "email") body.password = $("add-password").value;
  if ($("add-proxy").value.trim() !== "") body.proxy = $("add-proxy").value.trim();
  const res = await adminFetch("/admin/accounts", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = await res.json();
  $("adminmsg").textContent = res.ok ? "Added " + answer.upstream + " account " + answer.number + "; liveness check: " + answer.probe + "." : answer.error.message;
  if (res.ok) { $("add-value").value = ""; $("add-password").value = ""; }
  void loadAdmin(); void loadStatus();
});

$("keyform").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("key");
  if (input.value.trim() !== "") localStorage.setItem(KEY, input.value.trim());
  input.value = "";
  void loadStatus();
});
$("forget").addEventListener("click", () => { localStorage.removeItem(KEY); void loadStatus(); });
const refresh = async () => { await loadHealth(); void loadStatus(); void loadAdmin(); };
refresh();
setInterval(refresh, ${STATUS_PAGE_REFRESH_MS});
`;

const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>qwenplug</title><style>${STATUS_PAGE_CSS}</style></head>
<body>
<h1>qwenplug</h1>
<div class="mute">An OpenAI- and Anthropic-compatible API in front of Qwen's web chats.</div>
<div class="facts"><span>Health: <b id="health">…</b></span><span>Version: <b id="version">…</b></span><span>Up: <b id="uptime">…</b></span><span>Accounts: <b id="accounts">…</b></span><span>Access: <b id="auth">…</b></span></div>
<h2>Connect a client</h2>
<div>Base URL: <code id="base"></code> · <a href="/v1/models">model list</a> (needs the key) · API key: the server's <code>API_MASTER_KEY</code></div>
<pre id="snippet"></pre>
<h2>Accounts</h2>
<form id="keyform" hidden><input id="key" type="password" autocomplete="off" placeholder="API key" aria-label="API key"><button type="submit">Show accounts</button><button type="button" id="forget" hidden>Forget key</button></form>
<div id="keymsg" class="mute"></div>
<div id="private" hidden>
<div id="accounts-tables"></div>
<h2>Traffic</h2>
<svg id="chart"></svg>
<div id="chart-legend" class="mute"></div>
<div id="state" class="mute"></div>
<div id="updated" class="mute"></div>
</div>
<h2>Operator</h2>
<form id="adminform"><input id="admin-key" type="password" autocomplete="off" placeholder="Admin key (ADMIN_KEY)" aria-label="Admin key"><button type="submit">Manage</button><button type="button" id="admin-forget" hidden>Forget admin key</button></form>
<div id="adminmsg" class="mute"></div>
<div id="admin" hidden>
<div class="scroll"><table id="admin-accounts"></table></div>
<form id="addform"><select id="add-upstream" aria-label="upstream"><option value="intl">INTL (chat.qwen.ai)</option><option value="cn">CN (qianwen.com)</option></select><select id="add-field" aria-label="field"></select><input id="add-value" type="password" autocomplete="off" placeholder="value" aria-label="value"><input id="add-password" type="password" autocomplete="off" placeholder="password" aria-label="password" hidden><input id="add-proxy" autocomplete="off" placeholder="proxy (optional)" aria-label="proxy"><button type="submit">Add account</button></form>
<h2>Usage, last 30 days</h2>
<svg id="usage-chart"></svg>
<div class="mute">Bars: requests per UTC day, all keys (red: failed).</div>
<div class="scroll"><table id="usage-keys"></table></div>
</div>
<script>${STATUS_PAGE_JS}</script>
</body></html>`;

/** The page's headers, built on first use: hashing the inline style and script costs nothing at start-up then. */
let statusPageHeaders: Record<string, string> | undefined;
function pageHeaders(): Record<string, string> {
  const hash = (text: string) => `'sha256-${new Bun.CryptoHasher("sha256").update(text).digest("base64")}'`;
  statusPageHeaders ??= {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": `default-src 'none'; script-src ${hash(STATUS_PAGE_JS)}; style-src ${hash(STATUS_PAGE_CSS)}; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };
  return statusPageHeaders;
}

/** Whether GET / should get the page: a browser asks for text/html; scripts (curl's * / *, Accept: application/json) keep the health JSON. */
const wantsStatusPage = (req: Request): boolean => {
  const accept = req.headers.get("accept") ?? "";
  return accept.includes("text/html") && !accept.trimStart().startsWith("application/json");
};

/** Whether clients must send a key: a master key, or named keys (API_KEYS, POST /admin/keys) alone. */
const hasApiKeys = (app: App): boolean => app.config.masterKeyDigests.length > 0 || app.config.namedKeys.length > 0 || app.clientKeys.size > 0;

/** GET / for a browser. Without API_MASTER_KEY it is for this machine only, like every other route. */
function handleStatusPage(app: App, req: Request, server: ServerLike | undefined): Response {
  const authError = hasApiKeys(app) ? undefined : checkAuth(app, req, server, { path: "/", status: 0 });
  if (authError) throw authError;
  return new Response(req.method === "HEAD" ? null : STATUS_PAGE_HTML, { status: 200, headers: pageHeaders() });
}

// ── Server ──────────────────────────────────────────────────────────────────

/**
 * The start-up line. HOST is 0.0.0.0 by default (a Space reaches the
 * container from outside), which no browser opens: the line also says the
 * address to use from this machine, the one the README gives.
 */
export function listeningLine(config: Pick<Config, "host" | "cnAccounts" | "intlAccounts" | "masterKeyDigests">, port: number): string {
  const isAnyAddress = config.host === "0.0.0.0" || config.host === "::" || config.host === "[::]";
  const where = isAnyAddress ? `${config.host}:${port} (http://127.0.0.1:${port} from this machine)` : `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  return (
    `qwenplug ${VERSION} listening on ${where} — CN accounts: ${config.cnAccounts.map((a) => a.number).join(", ") || "none"}; ` +
    `INTL accounts: ${config.intlAccounts.map((a) => a.number).join(", ") || "none"}; ` +
    (config.masterKeyDigests.length > 0 ? `${config.masterKeyDigests.length} API key(s)` : "no API_MASTER_KEY: serving loopback clients only")
  );
}

/** Starts the server; returns it so callers (and SIGTERM) can stop it. */
export function startServer(config: Config, deps: Omit<AppDeps, "config"> & { idleTimeoutSec?: number } = {}) {
  const app = createApp({ config, ...deps });
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    // Bun closes a connection that sends no bytes for idleTimeout seconds, even
    // while a handler is still working (Bun >= 1.1.26, oven-sh/bun#13712). Chat
    // requests switch it off per request with server.timeout(req, 0) and rely
    // on the upstream watchdog and SSE heartbeats; other connections keep it.
    idleTimeout: deps.idleTimeoutSec ?? 10,
    // readJsonBody enforces MAX_BODY_BYTES as it reads, with a JSON 413 and
    // CORS headers; Bun's own limit would answer an empty 413 first, so it is
    // set out of the way (a body is never buffered whole before the handler).
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    fetch: (req, srv) => app.fetch(req, srv),
    error: () => errorResponse(internalError()),
  });
  return { server, app };
}

/** The configuration from the environment and `--capture`; a bad one ends the process with one sentence. */
function startupConfig(args: readonly string[]): Config {
  if (!Bun.semver.satisfies(Bun.version, `>=${MIN_BUN_VERSION}`)) {
    console.error(`qwenplug: needs Bun ${MIN_BUN_VERSION} or newer, and this is Bun ${Bun.version}; run \`bun upgrade\` (or use the Docker image), then start it again.`);
    process.exit(1);
  }
  let config: Config;
  try {
    config = loadConfig(Bun.env);
  } catch (err) {
    console.error(`qwenplug: configuration error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const captureAt = args.findIndex((arg) => arg === "--capture" || arg.startsWith("--capture="));
  if (captureAt !== -1) {
    const flag = args[captureAt] as string;
    const dir = flag === "--capture" ? args[captureAt + 1] : flag.slice("--capture=".length);
    if (dir === undefined || dir === "" || dir.startsWith("--")) {
      console.error("qwenplug: --capture needs a directory, e.g. bun index.ts --capture ./capture");
      process.exit(2);
    }
    config = { ...config, captureDir: dir };
  }
  if (config.captureDir !== undefined) prepareCaptureDir(config.captureDir);
  return config;
}

/** Capture mode's directory made (0700) and checked writable, or the process ends with one sentence. */
function prepareCaptureDir(dir: string): void {
  try {
    makePrivateDir(dir);
    const fs = nodeFs();
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    console.error(`qwenplug: the capture directory ${dir} cannot be used (${errorName(err)}); give CAPTURE_DIR or --capture a directory you can write to.`);
    process.exit(1);
  }
  console.log(`qwenplug: capture mode: every upstream exchange is written to ${dir} as a fixture, credentials replaced by placeholders; look the files over before you share them`);
}

/** The configured state store; a store that cannot start ends the process with one sentence, like a configuration error. */
async function openConfiguredStore(config: Config): Promise<StateStore> {
  const redact = makeRedactor(config.secrets);
  try {
    return await openStateStore(config, (line) => console.log(redact(line)));
  } catch (err) {
    console.error(`qwenplug: ${redact(err instanceof Error ? err.message : String(err))}`);
    process.exit(1);
  }
}

/** `--check` / `--check=chat`: the liveness report, then exit 0 when every account is usable, else 1. */
async function runCheck(config: Config, flag: string): Promise<never> {
  if (flag !== "--check" && flag !== "--check=chat") {
    console.error(`qwenplug: unknown option ${flag}; use --check (liveness calls) or --check=chat (plus one tiny chat per account).`);
    process.exit(2);
  }
  let drift: string[] = [];
  const store = await openConfiguredStore(config);
  const { lines, isAllUsable } = formatCheck(await checkAccounts(config, { withChat: flag === "--check=chat", onDrift: (found) => (drift = found), store }));
  for (const line of [...lines, storeLine(store.status()), ...drift]) console.log(line);
  await store.close();
  process.exit(isAllUsable ? 0 : 1);
}

/** SIGTERM/SIGINT: finish open requests (at most SHUTDOWN_GRACE_MS), stop, close the store, exit. */
function stopOnSignals(config: Config, { server, app }: ReturnType<typeof startServer>, store: StateStore): void {
  let isStopping = false;
  const shutdown = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    console.log(`qwenplug: ${signal} received; finishing open requests (at most ${config.shutdownGraceMs} ms)`);
    const abandoned = await app.drain(config.shutdownGraceMs);
    if (abandoned > 0) console.log(`qwenplug: ${abandoned} request(s) still open after SHUTDOWN_GRACE_MS; their upstream chats were deleted`);
    await server.stop(true);
    await store.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/**
 * The server's start. A function, not top-level code, so the Docker image's
 * bundle can be CommonJS with a bytecode cache (`bun build --bytecode`), which
 * top-level await rules out.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const config = startupConfig(args);
  const checkFlag = args.find((arg) => arg === "--check" || arg.startsWith("--check="));
  if (checkFlag !== undefined) await runCheck(config, checkFlag);
  const store = await openConfiguredStore(config);
  console.log(storeLine(store.status()));
  if (config.cnProtocol === "chat2" && !config.cnSigning && config.cnAccounts.length > 0) {
    console.log("qwenplug: CN_SIGNING=off: since September 2026 the mainland site answers unsigned chat2 requests with a fixed refusal, not an answer; use it only against a test fake");
  }
  const { server, app } = startServer(config, { store });
  // Warm the model lists so the first chat request does not wait for them.
  for (const adapter of Object.values(app.adapters)) if (adapter.accounts.length > 0) void adapter.liveModels();
  // In the background: /status and the log tell each account's state within seconds.
  void probeAccountsAtStart(app, (line) => console.log(line));
  console.log(listeningLine(config, server.port ?? config.port));
  stopOnSignals(config, { server, app }, store);
}

if (import.meta.main) void main();
