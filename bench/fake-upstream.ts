// Fake Qwen upstreams that replay the transcripts in fixtures/: CN (/dialog,
// fixtures/cn) and INTL (chat.qwen.ai v2, fixtures/intl). Used by
// index.test.ts and the benchmark; also runnable on its own so the README's
// curl examples can be tried without a Qwen account:
//
//   bun bench/fake-upstream.ts     # CN fake on 127.0.0.1:8090, INTL fake on :8091
//
// Which transcript it replays: the prompt (or the account cookie) may contain
// directives `fixture:NAME`, `chunk:N` (split the body into N-byte pieces),
// `gap:MS` (pause between pieces), `silence:MS` (pause after the headers) and
// `drip:MS` (send events one by one, MS apart, forever: for abort tests).
// A cookie directive wins over a prompt directive. Without one: plain.sse.
// Once the prompt holds a tool result, `then:NAME` names the fixture instead.
// A name with no fixture is refused with HTTP 400 and a JSON error saying
// "the fake has no fixture NAME", which qwenplug passes on as a 400: no
// account rests for it. In a cookie, `fixture:not-login` (CN) or
// `fixture:unauthorized` (INTL) makes a logged-out account, liveness call
// included: for --check and the status page.
// The INTL fake also takes `newchat:NAME` (a fixture for /api/v2/chats/new;
// `newchat:redirect` answers 302 to a login host, `newchat:punish` to an
// anti-bot puzzle page). Like chat.qwen.ai (UPSTREAMS-2026-12 I8) it answers a
// completion body over `maxBodyBytes` with a silent challenge, and it takes
// long conversations as uploaded documents: getstsToken with `filetype:"file"`,
// the PUT to the fake OSS, `/api/v2/files/parse` and `parse/status`; a
// completion that references a document it did not grant, or one not parsed,
// or (given the OSS fake's objects) one never uploaded, is refused.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FAKE_STS } from "./fake-oss.ts";

const FIXTURE_DIR = join(import.meta.dir, "..", "fixtures", "cn");
const INTL_FIXTURE_DIR = join(import.meta.dir, "..", "fixtures", "intl");

export interface Fixture {
  status: number;
  contentType: string;
  body: Uint8Array;
}

/**
 * `name@502.html` → status 502, text/html; `.sse` → event stream; `.json` → JSON.
 * Fixtures are named without their extension, so two files may not share a name.
 */
export function loadFixtures(dir: string = FIXTURE_DIR): Map<string, Fixture> {
  const fixtures = new Map<string, Fixture>();
  for (const file of readdirSync(dir)) {
    const match = /^([a-z0-9-]+)(?:@(\d{3}))?\.(sse|json|html)$/.exec(file);
    if (!match) continue;
    const [, name, status, ext] = match as unknown as [string, string, string | undefined, string];
    if (fixtures.has(name)) throw new Error(`two fixtures in ${dir} are named "${name}"; give one another name`);
    const contentType = ext === "sse" ? "text/event-stream;charset=UTF-8" : ext === "json" ? "application/json;charset=UTF-8" : "text/html;charset=UTF-8";
    fixtures.set(name, { status: status ? Number(status) : 200, contentType, body: readFileSync(join(dir, file)) });
  }
  return fixtures;
}

export interface FakeCall {
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** The body's size in bytes, as sent. */
  bytes: number;
}

export interface FakeCnUpstream {
  url: string;
  port: number;
  /** Every request received, in order. */
  calls: FakeCall[];
  /** Session ids passed to /dialog/session/delete. */
  deletedSessions: string[];
  /** How many response streams the client cancelled before they ended. */
  cancelledStreams: number;
  /** Cookie substrings of accounts that are logged out: NOT_LOGIN on every call, liveness included. */
  deadAccounts: Set<string>;
  /** Overrides the reply for /dialog/conversation; return undefined to fall back to fixtures. */
  respond?: (body: Record<string, unknown>, headers: Headers) => Response | undefined;
  /** While set, /dialog/conversation answers only once it settles (Bun sends the headers with the first event, so both wait). */
  conversationHold?: Promise<unknown>;
  stop(): Promise<void>;
}

// After `=` too: a bare cookie value (CN_ACCOUNT_2_COOKIE=fixture:not-login) is sent as `tongyi_sso_ticket=fixture:not-login`.
export const directive = (text: string, key: string): string | undefined => new RegExp(`(?:^|[\\s;=])${key}:([\\w@.-]+)`).exec(text)?.[1];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts streams the client cancelled before they ended. */
export interface CancelCounter {
  cancelledStreams: number;
}

/** Replays a fixture's bytes, `chunkBytes` at a time, with optional pauses. */
export function replay(state: CancelCounter, fixture: Fixture, chunkBytes: number, gapMs: number, silenceMs: number): Response {
  let offset = 0;
  let isDone = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset === 0 && silenceMs > 0) await sleep(silenceMs);
      else if (offset > 0 && gapMs > 0) await sleep(gapMs);
      if (offset >= fixture.body.length) {
        isDone = true;
        controller.close();
        return;
      }
      const end = Math.min(fixture.body.length, offset + chunkBytes);
      controller.enqueue(fixture.body.slice(offset, end));
      offset = end;
    },
    cancel() {
      if (!isDone) state.cancelledStreams++;
    },
  });
  return new Response(stream, { status: fixture.status, headers: { "content-type": fixture.contentType } });
}

/** An endless stream, one event every `intervalMs`, built by `event(n)`: for abort tests. */
export function drip(state: CancelCounter, intervalMs: number, event: (n: number) => unknown): Response {
  let n = 0;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (n > 0) await sleep(intervalMs);
      n++;
      controller.enqueue(encoder.encode(`data: ${JSON.stringify(event(n))}\n\n`));
    },
    cancel() {
      state.cancelledStreams++;
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream" } });
}

/** The fixture the directives name: `then:NAME` once the prompt holds a tool result, else `fixture:NAME` (the cookie's first), else plain. */
export function fixtureNameOf(prompt: string, cookie: string): string {
  // A conversation that already holds a tool result takes `then:NAME`, so a client that loops over tool calls (Codex CLI, Claude Code) ends.
  const afterTool = prompt.includes("Tool result (") ? directive(prompt, "then") : undefined;
  return afterTool ?? directive(cookie, "fixture") ?? directive(prompt, "fixture") ?? "plain";
}

/** What a fake says when a directive names no fixture; each fake wraps it in its upstream's JSON error, answered with HTTP 400. */
export const noFixtureText = (name: string, dir: string): string => `the fake has no fixture ${name} (the names are the files in fixtures/${dir})`;

/** Picks and replays the fixture the directives in `prompt` and `cookie` name; `missing` answers a name with no fixture. */
function replayByDirectives(state: CancelCounter, fixtures: Map<string, Fixture>, prompt: string, cookie: string, dripEvent: (n: number) => unknown, missing: (name: string) => Response): Response {
  const pick = (key: string) => directive(cookie, key) ?? directive(prompt, key);
  const dripMs = pick("drip");
  if (dripMs !== undefined) return drip(state, Number(dripMs), dripEvent);
  const name = fixtureNameOf(prompt, cookie);
  const fixture = fixtures.get(name);
  if (!fixture) return missing(name);
  return replay(state, fixture, Number(pick("chunk") ?? 1 << 30), Number(pick("gap") ?? 0), Number(pick("silence") ?? 0));
}

/** A request body as the fakes record it: parsed JSON, the raw text when it is not JSON, undefined when empty. */
export function recordedBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function readCall(req: Request): Promise<FakeCall> {
  const text = await req.text();
  return { path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body: recordedBody(text), bytes: Buffer.byteLength(text) };
}

/** A loopback server that records every call before `handle` answers it. */
function serveRecording(options: { port?: number; hostname?: string }, calls: FakeCall[], handle: (req: Request, call: FakeCall) => Response | Promise<Response>) {
  return Bun.serve({
    port: options.port ?? 0,
    hostname: options.hostname ?? "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const call = await readCall(req);
      calls.push(call);
      return handle(req, call);
    },
  });
}

/** A fixture whose cdn.qwenlm.ai URLs point at this fake's `/cdn`, so a client can fetch the picture. */
function withCdn(fixture: Fixture, base: string, answer: (fixture: Fixture) => Response): Response {
  const text = new TextDecoder().decode(fixture.body).replaceAll("https://cdn.qwenlm.ai", `${base}/cdn`);
  return answer({ ...fixture, body: new TextEncoder().encode(text) });
}

const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

export function startFakeCnUpstream(options: { port?: number; hostname?: string; fixtureDir?: string } = {}): FakeCnUpstream {
  const fixtures = loadFixtures(options.fixtureDir ?? FIXTURE_DIR);
  const state: FakeCnUpstream = {
    url: "",
    port: 0,
    calls: [],
    deletedSessions: [],
    cancelledStreams: 0,
    deadAccounts: new Set(),
    respond: undefined,
    stop: async () => {
      await server.stop(true);
    },
  };

  const server = serveRecording(options, state.calls, (req, call) => {
    const { path, body } = call;
    const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;

    if (path === "/dialog/session/delete") {
      if (typeof record.sessionId === "string") state.deletedSessions.push(record.sessionId);
      return json({ success: true, data: true });
    }
    const cookie = req.headers.get("cookie") ?? "";
    const isDead = [...state.deadAccounts].some((marker) => cookie.includes(marker));
    if (path === "/dialog/session/list") {
      // The liveness call: an account whose conversations say NOT_LOGIN is logged out here too.
      const isLoggedOut = isDead || directive(cookie, "fixture") === "not-login";
      return json(isLoggedOut ? { success: false, errorCode: "NOT_LOGIN", errorMsg: "未登录" } : { success: true, data: [] });
    }
    if (path === "/dialog/api/chat/config/getModelSeries") {
      const fixture = fixtures.get("model-series");
      return new Response(fixture?.body ?? "{}", { headers: { "content-type": "application/json" } });
    }
    if (path !== "/dialog/conversation") return new Response("not found", { status: 404 });
    const hold = state.conversationHold;
    return hold === undefined ? conversation(req, record, cookie, isDead) : hold.then(() => conversation(req, record, cookie, isDead));
  });

  function conversation(req: Request, record: Record<string, unknown>, cookie: string, isDead: boolean): Response {
    const custom = state.respond?.(record, req.headers);
    if (custom) return custom;
    if (isDead) return replay(state, fixtures.get("not-login") as Fixture, 1 << 30, 0, 0);
    const contents = Array.isArray(record.contents) ? record.contents : [];
    const prompt = String((contents[0] as { content?: unknown } | undefined)?.content ?? "");
    return replayByDirectives(
      state,
      fixtures,
      prompt,
      cookie,
      (n) => ({
        sessionId: "drip0000000000000000000000000000",
        msgStatus: "generating",
        contents: [{ role: "assistant", contentType: "text", content: Array.from({ length: n }, (_, i) => `${i + 1} `).join("") }],
      }),
      (name) => json({ success: false, errorCode: "NO_FIXTURE", errorMsg: noFixtureText(name, "cn") }, 400),
    );
  }
  state.port = server.port as number;
  state.url = `http://127.0.0.1:${server.port}`;
  return state;
}

export interface FakeIntlUpstream extends CancelCounter {
  url: string;
  calls: FakeCall[];
  /** Chat ids handed out by /api/v2/chats/new, and those deleted afterwards. */
  createdChats: string[];
  deletedChats: string[];
  /** Chat requests refused because `validateToken` said no (answered `unauthorized`, "Token has expired"). */
  rejectedTokens: number;
  /** Uploads granted by getstsToken, by `file_id`: what kind, its name, where it goes, and whether it was parsed. */
  uploads: Map<string, { filetype: string; name: string; filePath: string; fileUrl: string; parsed: boolean }>;
  /** Documents the completions referenced (by `file_id`), in order. */
  documentRefs: string[];
  /** How document uploads fare: accepted; refused at getstsToken (`filetype:"file"` only); or failed by the parse. */
  documentMode: "accept" | "refuse-sts" | "fail-parse";
  /** Completions answered with the silent challenge because their body passed `maxBodyBytes`. */
  oversizedBodies: number;
  /** Overrides the reply for /api/v2/chat/completions; return undefined to fall back to fixtures. */
  respond?: (body: Record<string, unknown>, headers: Headers) => Response | undefined;
  /** While set, /api/v2/chats/new makes its chat and answers only once it settles. */
  newChatHold?: Promise<unknown>;
  stop(): Promise<void>;
}

export interface FakeIntlOptions {
  port?: number;
  hostname?: string;
  /** Checks the access token (from the `token` cookie, else the Bearer header) on chat requests; without it any is accepted. */
  validateToken?: (token: string | undefined) => boolean;
  /** Whether `/api/v2/models/` exists (it does by default); without it only `/api/models` answers. */
  hasV2Models?: boolean;
  /** The fake OSS (bench/fake-oss.ts) whose path-style URLs getstsToken's `file_url` points at. */
  ossUrl?: string;
  /** That OSS fake's objects: a document a completion references must have been uploaded there. */
  ossObjects?: ReadonlyMap<string, unknown>;
  /** Completion bodies over this many bytes get the silent challenge (I8: "over ~128 KB"); default 131072. */
  maxBodyBytes?: number;
  /** Where the fixtures come from (fixtures/intl by default): a test replays captured files from elsewhere. */
  fixtureDir?: string;
}

/** chat.qwen.ai's answer to an oversized body (Rfym21/Qwen2API#147): HTTP 200, no `choices`, only the challenge's `ret`. */
const SILENT_CHALLENGE = { ret: ["FAIL_SYS_USER_VALIDATE", "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试"], data: {} };
/** Where the fake's puzzle redirect points (the shape of Rfym21/Qwen2API#157's URL). */
export const FAKE_PUNISH_PATH = "/api/v2/chat/completions/_____tmd_____/punish?x5secdata=fake-x5sec-0123&x5step=2&action=captchaconnect&pureCaptcha=";

/** The picture the fake's t2i "CDN" serves: a 1×1 PNG. */
export const FAKE_T2I_PNG = new Uint8Array(
  Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64"),
);

/** The chat.qwen.ai v2 fake: chats/new → completions?chat_id → DELETE chats/<id>, and /api/models. */
export function startFakeIntlUpstream(options: FakeIntlOptions = {}): FakeIntlUpstream {
  const fixtures = loadFixtures(options.fixtureDir ?? INTL_FIXTURE_DIR);
  const state: FakeIntlUpstream = {
    url: "",
    calls: [],
    createdChats: [],
    deletedChats: [],
    rejectedTokens: 0,
    cancelledStreams: 0,
    uploads: new Map(),
    documentRefs: [],
    documentMode: "accept",
    oversizedBodies: 0,
    stop: async () => {
      await server.stop(true);
    },
  };
  let nextChat = 0;
  /** Why a completion's document references are not acceptable, or undefined when they are. */
  const badDocument = (files: unknown): string | undefined => {
    for (const raw of Array.isArray(files) ? files : []) {
      const file = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
      if (file.type !== "file" && file.file_class !== "document") continue;
      const upload = state.uploads.get(String(file.id));
      if (upload === undefined || upload.filetype !== "file") return `unknown document ${String(file.id)}`;
      if (!upload.parsed) return `document ${String(file.id)} is not parsed`;
      if (file.url !== upload.fileUrl || file.file_class !== "document" || file.showType !== "file") return `document ${String(file.id)} is referenced with the wrong url or class`;
      if (options.ossObjects !== undefined && !options.ossObjects.has(`/qwen-webui-prod/${upload.filePath}`)) return `document ${String(file.id)} was never uploaded`;
      state.documentRefs.push(String(file.id));
    }
    return undefined;
  };
  const server = serveRecording(options, state.calls, (req, call) => {
    const cookie = req.headers.get("cookie") ?? "";
    const record = (typeof call.body === "object" && call.body !== null ? call.body : {}) as Record<string, unknown>;
    const token = /(?:^|;\s*)token=([^;]+)/.exec(cookie)?.[1] ?? /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1];
    const isChatCall = call.path === "/api/v2/chats/new" || call.path === "/api/v2/chat/completions" || call.path === "/api/v1/auths/";
    if (isChatCall && options.validateToken && !options.validateToken(token)) {
      state.rejectedTokens++;
      return json({ success: false, request_id: "ua", data: { code: "unauthorized", details: "Token has expired" } });
    }
    if (call.path === "/api/v1/auths/" && req.method === "GET") {
      const isDead = directive(cookie, "fixture") === "unauthorized";
      return isDead
        ? new Response(JSON.stringify({ success: false, data: { code: "Unauthorized", details: "token expired" } }), { status: 401, headers: { "content-type": "application/json" } })
        : json({ id: "user-1", role: "user", name: "fake" });
    }
    if (call.path === "/api/models" && req.method === "GET") {
      return new Response(fixtures.get("models")?.body ?? "{}", { headers: { "content-type": "application/json" } });
    }
    if (call.path === "/api/v2/models/" && req.method === "GET" && options.hasV2Models !== false) {
      const list = JSON.parse(new TextDecoder().decode(fixtures.get("models")?.body ?? new Uint8Array())) as { data?: unknown };
      return json({ success: true, request_id: "models", data: { data: list.data ?? [] } });
    }
    if (call.path === "/api/v2/files/getstsToken" && req.method === "POST") {
      // Either body variant of UPSTREAMS-2026-11 §3.1 step 1; a missing type is the documented refusal.
      const name = record.filename ?? record.file_name;
      const type = record.filetype ?? record.file_type;
      if (typeof name !== "string" || type === undefined) return json({ success: false, request_id: "sts", data: { code: "Bad_Request", details: "Invalid file information!" } });
      if (type === "file" && state.documentMode === "refuse-sts") return json({ success: false, request_id: "sts", data: { code: "Bad_Request", details: "File type is not supported" } });
      const filePath = `user-1/${crypto.randomUUID()}_${name}`;
      const fileId = crypto.randomUUID();
      const fileUrl = `${options.ossUrl ?? "https://qwen-webui-prod.oss-ap-southeast-1.aliyuncs.com"}/${FAKE_STS.bucket}/${filePath}?Expires=300&Signature=fake`;
      state.uploads.set(fileId, { filetype: String(type), name, filePath, fileUrl, parsed: false });
      return json({
        success: true,
        request_id: "sts",
        data: {
          access_key_id: FAKE_STS.accessKeyId,
          access_key_secret: FAKE_STS.accessKeySecret,
          security_token: FAKE_STS.securityToken,
          bucketname: FAKE_STS.bucket,
          endpoint: FAKE_STS.endpoint,
          region: FAKE_STS.region,
          file_path: filePath,
          file_url: fileUrl,
          file_id: fileId,
        },
      });
    }
    // The document parse of two peers (Rfym21/Qwen2API upload.js, qwengate 2026-09-13): start it, then poll its status.
    if (call.path === "/api/v2/files/parse" && req.method === "POST") {
      const upload = state.uploads.get(String(record.file_id));
      if (upload === undefined) return json({ success: false, request_id: "parse", data: { code: "Not_Found", details: "File not found" } });
      return json({ success: true, request_id: "parse", data: {} });
    }
    if (call.path === "/api/v2/files/parse/status" && req.method === "POST") {
      const ids = Array.isArray(record.file_id_list) ? record.file_id_list.map(String) : [];
      return json({
        success: true,
        request_id: "parse-status",
        data: ids.map((id) => {
          const upload = state.uploads.get(id);
          if (upload !== undefined && state.documentMode !== "fail-parse") upload.parsed = true;
          return { file_id: id, status: upload === undefined || state.documentMode === "fail-parse" ? "failed" : "success", ...(state.documentMode === "fail-parse" ? { error_msg: "unsupported encoding" } : {}) };
        }),
      });
    }
    if (call.path.startsWith("/cdn/output/") && req.method === "GET") return new Response(FAKE_T2I_PNG, { headers: { "content-type": "image/png" } });
    const fetchedChat = /^\/api\/v2\/chats\/([^/]+)$/.exec(call.path);
    if (fetchedChat && req.method === "GET") return withCdn(fixtures.get("chat-t2i") as Fixture, state.url, (f) => replay(state, f, 1 << 30, 0, 0));
    if (call.path === "/api/v2/chats/new" && req.method === "POST") {
      const special = directive(cookie, "newchat");
      if (special === "redirect") return new Response(null, { status: 302, headers: { location: "https://login.example.com/signin" } });
      if (special === "punish") return new Response(null, { status: 302, headers: { location: FAKE_PUNISH_PATH } });
      const fixture = special === undefined ? undefined : fixtures.get(special);
      if (fixture) return replay(state, fixture, 1 << 30, 0, 0);
      const create = () => {
        nextChat++;
        const id = `00000000-0000-4000-8000-${String(nextChat).padStart(12, "0")}`;
        state.createdChats.push(id);
        return json({ success: true, request_id: `req-${nextChat}`, data: { id } });
      };
      return state.newChatHold === undefined ? create() : state.newChatHold.then(create);
    }
    const deleted = /^\/api\/v2\/chats\/([^/]+)$/.exec(call.path);
    if (deleted && req.method === "DELETE") {
      state.deletedChats.push(decodeURIComponent(deleted[1] as string));
      return json({ success: true, data: { status: true } });
    }
    if (call.path === "/api/v2/chat/completions" && req.method === "POST") {
      const chatId = new URL(req.url).searchParams.get("chat_id") ?? "";
      if (!state.createdChats.includes(chatId) || record.chat_id !== chatId) {
        return json({ success: false, request_id: "nf", data: { code: "Not_Found", details: "Chat not found" } });
      }
      if (call.bytes > (options.maxBodyBytes ?? 128 * 1024)) {
        state.oversizedBodies++;
        return json(SILENT_CHALLENGE);
      }
      const messages = Array.isArray(record.messages) ? record.messages : [];
      const refused = badDocument((messages[0] as { files?: unknown } | undefined)?.files);
      if (refused !== undefined) return json({ success: false, request_id: "doc", data: { code: "Bad_Request", details: refused } });
      const custom = state.respond?.(record, req.headers);
      if (custom) return custom;
      const prompt = String((messages[0] as { content?: unknown } | undefined)?.content ?? "");
      if ((messages[0] as { chat_type?: unknown } | undefined)?.chat_type === "t2i") {
        const chosen = fixtures.get(directive(prompt, "fixture") ?? "t2i");
        if (chosen) return withCdn(chosen, state.url, (f) => replay(state, f, Number(directive(prompt, "chunk") ?? 1 << 30), Number(directive(prompt, "gap") ?? 0), 0));
      }
      return replayByDirectives(
        state,
        fixtures,
        prompt,
        cookie,
        (n) => ({ choices: [{ delta: { role: "assistant", content: `${n} `, phase: "answer", status: "typing" } }], response_id: "drip" }),
        // invalid_input: the code chat.qwen.ai refuses a request's content with, which is not the account's fault.
        (name) => json({ success: false, request_id: "nofixture", data: { code: "invalid_input", details: noFixtureText(name, "intl") } }, 400),
      );
    }
    return new Response("not found", { status: 404 });
  });
  state.url = `http://127.0.0.1:${server.port}`;
  return state;
}

if (import.meta.main) {
  const cn = startFakeCnUpstream({ port: Number(process.env.FAKE_PORT ?? 8090) });
  const intl = startFakeIntlUpstream({ port: Number(process.env.FAKE_INTL_PORT ?? 8091) });
  console.log(`fake Qwen CN upstream on ${cn.url} (fixtures: ${[...loadFixtures().keys()].join(", ")})`);
  console.log(`fake Qwen INTL upstream on ${intl.url} (fixtures: ${[...loadFixtures(INTL_FIXTURE_DIR).keys()].join(", ")})`);
}
