// A fake mainland chat2 upstream (UPSTREAMS-2026-11 §1.3) that replays
// fixtures/cn2 and, above all, checks request signatures the way §1.3
// describes, independently of qwenplug's own signing code:
//
//   POST /security/external/access/register   a device id, a token and single-use salts
//   GET  /security/external/access/refresh    more salts for a registered device, on its qwen_web
//                                              scene's id and token (UPSTREAMS-2026-12 M3)
//   GET  /api/calibration/getMillisTimeStamp   the fake's clock, deliberately skewed
//   POST /api/v2/chat                          verified, then a fixture replayed
//   GET  /api/v1/model/list, /api/v1/user/info
//   POST /api/v1/session/delete                 the single-session delete (UPSTREAMS-2026-12 M5): 400
//                                               `msg:"ut"` without `ut` in the query
//   POST /api/v1/session/delete/batch           the older batch delete
//   POST /api/v2/chat with ai_tool_scene zaodian_generate_image, POST /api/v1/chat/snap,
//   GET /gen/{id}.png                           image generation (§3.4); snap verified like chat
//   POST /1/oss_token, PUT /oss-bucket/{object}, POST /1/oss/callback
//                                              the mainland image upload (§3.3): the two
//                                              POSTs verified like chat, with the
//                                              registration's workspace_api token and salts
//
// A chat request is refused with 403 {"status":1,"code":"EX015","msg":"签名错误"}
// unless: its salt was issued to its device and never used before; its
// `clt-acs-reqt` is within a minute of the fake's (skewed) clock; its
// `clt-acs-request-params` names the query keys in order; and both HMACs
// match, computed here over the raw body bytes and the query values. The
// reason for a refusal is in the `x-fake-reason` header, for tests.
//
// The prompt (or the cookie) may carry directives as in fake-upstream.ts:
// `fixture:NAME`, `then:NAME` (the fixture once the prompt holds a tool
// result), `chunk:N`, `drip:MS`, and `zstd:1` (compress the reply). A name
// with no fixture is refused with HTTP 400 {"status":1,"code":"NO_FIXTURE"}.
// `fixture:not-login` in the cookie is a logged-out account (user/info too).
// In a reply, `{cwd}` stands for the directory the fake runs in (JSON-escaped),
// so tool-write's file lands there rather than at a fixed path.
//
//   bun bench/fake-chat2.ts      # on 127.0.0.1:8092

import { createHash, createHmac } from "node:crypto";
import { join } from "node:path";
import { directive, drip, fixtureNameOf, noFixtureText, recordedBody, FAKE_T2I_PNG, type Fixture, loadFixtures, replay } from "./fake-upstream";

const FIXTURE_DIR = join(import.meta.dir, "..", "fixtures", "cn2");
/** How far the fake's clock is ahead of the real one: a signer that ignores calibration fails. */
const DEFAULT_CLOCK_SKEW_MS = 7 * 60 * 1000;
const MAX_REQT_DRIFT_MS = 60 * 1000;

export interface Chat2Call {
  method: string;
  path: string;
  /** Path and query as sent. */
  url: string;
  headers: Record<string, string>;
  /** The raw body text. */
  rawBody: string;
  body: unknown;
}

export interface FakeChat2Upstream {
  url: string;
  calls: Chat2Call[];
  /** Device registrations answered with salts. */
  registrations: number;
  /** Salt refills answered with salts. */
  refills: number;
  /** Registrations answered after this many are refused (403 JSON), if set. */
  maxRegistrations?: number;
  /** Replaces the refill answer, if set (after the device check). */
  refillAnswer?: () => Response;
  /** Prefixed to every issued salt and token: `AwsC` checks that good answers are not read as anti-bot pages. */
  issuePrefix: string;
  /** A device made as a logged-in page would hold it, not counted as a registration: the `_qk_busc_info_v1qwen_web` localStorage value. */
  seedScenes(): string;
  /** Salts spent by accepted chat requests, in order. */
  usedSalts: string[];
  /** Why each refused chat request was refused (bfg, sign, salt, reqt, params, device, unsigned). */
  refusals: string[];
  /** Session ids deleted, by either endpoint. */
  deletedSessions: string[];
  /** Which endpoint deleted each of them, in order: "single" (M5) or "batch". */
  deleteEndpoints: Array<"single" | "batch">;
  /** Answers the single-session delete with this instead, if set and it gives an answer (a site without it: 404). */
  singleDeleteAnswer?: () => Response | undefined;
  /** Every device id, token and salt handed out: capture tests check that none reaches a file. */
  issued: string[];
  cancelledStreams: number;
  /** Salts per registration: the smaller of this and the `eo-clt-sftcnt` asked for. */
  saltsPerRegistration: number;
  clockSkewMs: number;
  /** Answers the clock endpoint with this instead, if set (a failing calibration). */
  clockAnswer?: () => Response;
  /** When false, unsigned chat requests are accepted (the Chat2API peers' claim). */
  requireSignature: boolean;
  /** Where the fake expects `kp` in the signed string (see CN_SIGN_ORDER in index.ts). */
  signOrder: "kp-query" | "query-kp";
  /** Refuses every signature, however right (a front-end change the fake cannot follow). */
  refuseAllSignatures: boolean;
  /** How a chat request with a bad signature is refused: 403 EX015 (§1.3), or HTTP 200 with the fixed refusal of fixtures/cn2/refusal.sse (UPSTREAMS-2026-12 M1). */
  badSignatureAnswer: "ex015" | "fixed-refusal";
  /** Answers registration with this, if set and it gives an answer (undefined: registered as usual). */
  registrationAnswer?: () => Response | undefined;
  /** Cookie substrings of logged-out accounts: 401 on chat and user/info. */
  deadAccounts: Set<string>;
  /** Overrides the chat reply after verification; undefined falls back to fixtures. */
  respond?: (body: Record<string, unknown>, headers: Headers) => Response | undefined;
  /** Uploaded bytes by object key (PUT after an oss_token grant). */
  uploads: Map<string, Uint8Array>;
  /** The parsed `biz_data` of each image-generation request. */
  imageRequests: Array<Record<string, unknown>>;
  /** When set, a generation's stream names no picture, and snap names it from this poll on (1-based); 0 never. */
  imageViaSnapAfter?: number;
  /** Snap calls answered (verified). */
  snapCalls: number;
  /** Replaces the oss_token answer (after verification), if set. */
  uploadGrantAnswer?: () => Response;
  /** Why each refused upload PUT or callback was refused. */
  uploadRefusals: string[];
  /** Forgets every registered device, as a server restart or a revoked registration would: their salts stop working. */
  forgetDevices(): void;
  stop(): Promise<void>;
}

interface Scene {
  actkn: string;
  /** Issued and not yet spent. */
  unspent: Set<string>;
}

/** A registered device: the chat scene's token and salts, and the upload (workspace_api) scene's. */
interface Device extends Scene {
  workspace: Scene;
  /** The qwen_web scene's token: refills are asked for with it (M3). */
  webActkn: string;
}

/** What an oss_token answer granted: the PUT must carry exactly these. */
interface Grant {
  authorization: string;
  md5: string;
  size: number;
  ossHeaders: Array<{ key: string; value: string }>;
  fileName: string;
}

const hmac = (key: string, text: string) => createHmac("sha256", key).update(text, "utf8").digest("base64");
const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
/** A fixture with `{cwd}` replaced by the fake's working directory, escaped twice: it sits in tool-call JSON inside a frame's JSON. */
function withCwd(fixture: Fixture): Fixture {
  const text = new TextDecoder().decode(fixture.body);
  if (!text.includes("{cwd}")) return fixture;
  const escaped = JSON.stringify(JSON.stringify(process.cwd()).slice(1, -1)).slice(1, -1);
  return { ...fixture, body: new TextEncoder().encode(text.replaceAll("{cwd}", escaped)) };
}
const randomHex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

export function startFakeChat2Upstream(options: { port?: number; hostname?: string; fixtureDir?: string } = {}): FakeChat2Upstream {
  const fixtures = loadFixtures(options.fixtureDir ?? FIXTURE_DIR);
  const devices = new Map<string, Device>();
  const state: FakeChat2Upstream = {
    url: "",
    calls: [],
    registrations: 0,
    refills: 0,
    issuePrefix: "",
    seedScenes: () => JSON.stringify({ scene_list: sceneList(newDevice(state.saltsPerRegistration)) }),
    usedSalts: [],
    refusals: [],
    deletedSessions: [],
    deleteEndpoints: [],
    issued: [],
    cancelledStreams: 0,
    saltsPerRegistration: 100,
    clockSkewMs: DEFAULT_CLOCK_SKEW_MS,
    requireSignature: true,
    signOrder: "query-kp",
    refuseAllSignatures: false,
    badSignatureAnswer: "ex015",
    deadAccounts: new Set(),
    uploads: new Map(),
    imageRequests: [],
    snapCalls: 0,
    uploadRefusals: [],
    forgetDevices: () => devices.clear(),
    stop: async () => {
      await server.stop(true);
    },
  };
  const now = () => Date.now() + state.clockSkewMs;

  /** A fixture's bytes, zstd-compressed when asked (the header says so, as Chat2API-WXS saw the site do). */
  const replayFixture = (fixture: Fixture, chunkBytes: number, isZstd: boolean): Response => {
    if (!isZstd) return replay(state, fixture, chunkBytes, 0, 0);
    const response = replay(state, { ...fixture, body: new Uint8Array(Bun.zstdCompressSync(fixture.body)) }, chunkBytes, 0, 0);
    response.headers.set("content-encoding", "zstd");
    return response;
  };

  /** One cumulative chat2 frame of an endless answer: for abort tests. */
  const dripFrame = (n: number) => ({
    error_code: 0,
    error_msg: "",
    data: { messages: [{ mime_type: "multi_load/iframe", content: Array.from({ length: n }, (_, i) => `${i + 1} `).join(""), status: "processing" }] },
  });

  /** §1.3's checks, in the order a server would likely make them; returns why a request fails, or undefined. */
  const verify = (url: URL, headers: Headers, rawBody: string, sceneName: "chat" | "workspace" = "chat"): string | undefined => {
    const header = (name: string) => headers.get(name) ?? "";
    const sign = header("clt-acs-sign");
    if (sign === "") return state.requireSignature ? "unsigned" : undefined;
    if (state.refuseAllSignatures) return "refused";
    const registered = devices.get(header("eo-clt-dvidn"));
    const device = registered === undefined ? undefined : sceneName === "workspace" ? registered.workspace : registered;
    if (device === undefined || header("eo-clt-actkn") !== device.actkn) return "device";
    if (header("clt-acs-caer") !== "vrad" || header("eo-clt-acs-ve") !== "1.0.0") return "version";
    const keys = [...url.searchParams.keys()];
    if (header("clt-acs-request-params") !== keys.join(",")) return "params";
    const reqt = header("clt-acs-reqt");
    if (!(Math.abs(Number(reqt) - now()) <= MAX_REQT_DRIFT_MS)) return "reqt";
    const salt = header("eo-clt-sacsft");
    const key = `${salt}:${reqt}`;
    const bfg = hmac(key, rawBody);
    if (header("clt-acs-bfg") !== bfg) return "bfg";
    const cookie = header("cookie");
    const kp = /(?:^|;\s*)tongyi_sso_ticket_hash=([^;]*)/.exec(cookie)?.[1]?.trim() ?? "";
    if (header("eo-clt-acs-kp") !== kp) return "kp";
    const values = keys.map((k) => url.searchParams.get(k) ?? "").join("");
    const middle = state.signOrder === "kp-query" ? `${kp}${values}` : `${values}${kp}`;
    if (sign !== hmac(key, `${header("eo-clt-dvidn")}1.0.0${middle}${bfg}`)) return "sign";
    // Checked last, so a tampered replay is reported as tampered rather than as reused.
    if (!device.unspent.delete(salt)) return "salt";
    state.usedSalts.push(salt);
    return undefined;
  };

  const token = (kind: string) => {
    const value = `${state.issuePrefix}${kind}-${randomHex(8)}`;
    state.issued.push(value);
    return value;
  };
  /** `count` new salts for a scene, and its token with a deadline in Unix seconds. */
  const issue = (scene: Scene, count: number) => {
    const salts = Array.from({ length: count }, () => `${state.issuePrefix}${randomHex(12)}`);
    state.issued.push(...salts);
    for (const salt of salts) scene.unspent.add(salt);
    return { "eo-clt-actkn": scene.actkn, "eo-clt-actkn-dl": Math.floor(now() / 1000) + 24 * 3600, "eo-clt-bacsft": salts };
  };
  /** A registered device and what its registration hands out, by scene, as the page's scene_list holds it. */
  const newDevice = (count: number) => {
    const dvidn = `dv-${randomHex(8)}`;
    state.issued.push(dvidn);
    const device: Device = { actkn: token("ak"), unspent: new Set(), webActkn: token("base"), workspace: { actkn: token("ws"), unspent: new Set() } };
    devices.set(dvidn, device);
    return { dvidn, device, count };
  };
  const sceneList = ({ dvidn, device, count }: ReturnType<typeof newDevice>) => ({
    qwen_web: { "eo-clt-dvidn": dvidn, "eo-clt-snver": "lv", "eo-clt-actkn": device.webActkn, "eo-clt-actkn-dl": Math.floor(now() / 1000) + 24 * 3600, "eo-clt-bacsft": [] as string[] },
    workspace_api: issue(device.workspace, count),
    qwen_chat: issue(device, count),
  });

  const grants = new Map<string, Grant>();

  /** §3.3 step 1: one object on the fake's own host, with a made-up authorization and headers the PUT must echo. */
  const grantUpload = (record: Record<string, unknown>): Response => {
    if (record.content_type !== "application/octet-stream" || typeof record.content_md5 !== "string" || typeof record.size !== "number" || typeof record.file_name !== "string") {
      return json({ code: 400, msg: "bad upload request" });
    }
    const object = `qwen/upload/${randomHex(8)}/${record.file_name}`;
    const grant: Grant = {
      authorization: `OSS fakeKey:${randomHex(10)}`,
      md5: record.content_md5,
      size: record.size,
      ossHeaders: [
        { key: "x-oss-date", value: new Date().toUTCString() },
        { key: "x-oss-security-token", value: `sec-${randomHex(6)}` },
      ],
      fileName: record.file_name,
    };
    grants.set(object, grant);
    return json({ code: 0, data: { host: `${state.url}/oss-bucket`, object, bucket: "fake-bucket", endpoint: "oss-cn-fake.aliyuncs.com", authorization: grant.authorization, oss_headers: grant.ossHeaders } });
  };

  /** §3.3 step 2: the granted authorization, headers and MD5, and exactly the granted size. */
  const putObject = async (req: Request, url: URL): Promise<Response> => {
    const object = decodeURIComponent(url.pathname.slice("/oss-bucket/".length));
    const bytes = new Uint8Array(await req.arrayBuffer());
    const grant = grants.get(object);
    const refuse = (why: string) => {
      state.uploadRefusals.push(why);
      return new Response(`<Error><Code>AccessDenied</Code><Message>${why}</Message></Error>`, { status: 403, headers: { "content-type": "application/xml" } });
    };
    if (grant === undefined) return refuse("no grant for this object");
    if (url.searchParams.get("biz_id") !== "ai_qwen" || !/^[0-9a-f-]{36}$/.test(url.searchParams.get("req_id") ?? "")) return refuse("query lacks req_id or biz_id");
    if (req.headers.get("authorization") !== grant.authorization) return refuse("authorization is not the granted one");
    for (const { key, value } of grant.ossHeaders) if (req.headers.get(key) !== value) return refuse(`header ${key} missing`);
    const md5 = createHash("md5").update(bytes).digest("base64");
    if (req.headers.get("content-md5") !== grant.md5 || md5 !== grant.md5) return refuse("Content-Md5 does not match the bytes");
    if (bytes.byteLength !== grant.size) return refuse("size differs from the grant");
    state.uploads.set(object, bytes);
    return new Response(null, { status: 200 });
  };

  /** §3.3 step 3: only for an object that was uploaded; names a CDN URL on the fake. */
  const uploadCallback = (url: URL, record: Record<string, unknown>): Response => {
    const object = typeof record.object === "string" ? record.object : "";
    const bytes = state.uploads.get(object);
    if (bytes === undefined || url.searchParams.get("req_id") === null) return json({ code: 404, msg: "no such upload" });
    if (record.file_md5 !== createHash("md5").update(bytes).digest("hex") || record.entry !== "qwen_pc" || record.bucket !== "fake-bucket") return json({ code: 400, msg: "callback fields do not match the upload" });
    return json({ code: 0, data: { ws_gid: `gid-${randomHex(6)}`, material_cdn_url: `${state.url}/cdn/${object}` } });
  };

  /** §3.4: progress frames, then (unless snap is to name it) a picture URL, then the end. */
  const generateImage = (record: Record<string, unknown>): Response => {
    state.imageRequests.push(typeof record.biz_data === "string" ? (JSON.parse(record.biz_data) as Record<string, unknown>) : {});
    const frame = (messages: unknown[]) => `data:${JSON.stringify({ error_code: 0, error_msg: "", data: { messages } })}\n\n`;
    const url = `${state.url}/gen/${randomHex(6)}.png`;
    const body = [
      frame([{ mime_type: "bar/progress", content: "生成中", status: "processing" }]),
      frame([{ mime_type: "multi_load/iframe", content: "", status: "processing", meta_data: { multi_load: [{ type: "image_gen", content: { progress: 50 } }] } }]),
      state.imageViaSnapAfter === undefined
        ? frame([{ mime_type: "multi_load/iframe", content: "", status: "complete", meta_data: { multi_load: [{ type: "image_gen", content: { images: [{ url, width: 1024, height: 1024 }] } }] } }])
        : frame([{ mime_type: "multi_load/iframe", content: "", status: "complete" }]),
      "event:complete\ndata:true\n\n",
    ].join("");
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  };

  const server = Bun.serve({
    port: options.port ?? 0,
    hostname: options.hostname ?? "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method === "PUT" && url.pathname.startsWith("/oss-bucket/")) return putObject(req, url);
      if (req.method === "GET" && url.pathname.startsWith("/gen/")) return new Response(FAKE_T2I_PNG, { headers: { "content-type": "image/png" } });
      const rawBody = await req.text();
      const body = recordedBody(rawBody);
      state.calls.push({ method: req.method, path: url.pathname, url: url.pathname + url.search, headers: Object.fromEntries(req.headers), rawBody, body });
      const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
      const cookie = req.headers.get("cookie") ?? "";
      const isDead = [...state.deadAccounts].some((marker) => cookie.includes(marker)) || directive(cookie, "fixture") === "not-login";

      switch (url.pathname) {
        case "/security/external/access/register": {
          const custom = state.registrationAnswer?.();
          if (custom !== undefined) return custom;
          if (state.maxRegistrations !== undefined && state.registrations >= state.maxRegistrations) {
            return json({ status: 1, code: "REGISTER_LIMIT", msg: "too many device registrations" }, 403);
          }
          state.registrations++;
          const scenes = sceneList(newDevice(Math.min(state.saltsPerRegistration, Number(req.headers.get("eo-clt-sftcnt") ?? 20) || 20)));
          const { qwen_web: web, ...others } = scenes;
          return json({ status: 0, data: { ...web, unifyRelate: Object.entries(others).map(([businessScene, scene]) => ({ businessScene, ...scene })) } });
        }
        case "/security/external/access/refresh": {
          const device = devices.get(req.headers.get("eo-clt-dvidn") ?? "");
          if (req.method !== "GET" || url.searchParams.get("businessScene") !== "qwen_web" || !/^[0-9a-f]{32}$/.test(url.searchParams.get("chid") ?? "")) {
            return json({ status: 1, code: "BAD_REQUEST", msg: "bad refresh request" }, 400);
          }
          if (device === undefined || req.headers.get("eo-clt-actkn") !== device.webActkn) return json({ status: 1, code: "DEVICE_INVALID", msg: "device unknown" });
          if (state.refillAnswer) return state.refillAnswer();
          state.refills++;
          const count = Math.min(state.saltsPerRegistration, Number(req.headers.get("eo-clt-sftcnt") ?? 20) || 20);
          const wanted = (url.searchParams.get("unifyRelateGenerate") ?? "").split(",");
          const unifyRelate = [];
          if (wanted.includes("qwen_chat")) unifyRelate.push({ businessScene: "qwen_chat", ...issue(device, count) });
          if (wanted.includes("workspace_api")) unifyRelate.push({ businessScene: "workspace_api", ...issue(device.workspace, count) });
          return json({ status: 0, data: { "eo-clt-dvidn": req.headers.get("eo-clt-dvidn"), "eo-clt-snver": "lv", "eo-clt-actkn": device.webActkn, "eo-clt-bacsft": [token("web")], unifyRelate } });
        }
        case "/api/calibration/getMillisTimeStamp":
          return state.clockAnswer?.() ?? json({ status: 0, data: { millisTimeStamp: now() } });
        case "/api/v1/model/list":
          return new Response(fixtures.get("model-list")?.body ?? "{}", { headers: { "content-type": "application/json" } });
        case "/api/v1/user/info":
          if (isDead) return new Response(fixtures.get("not-login")?.body ?? "{}", { status: 401, headers: { "content-type": "application/json" } });
          return new Response(fixtures.get("user-info")?.body ?? "{}", { headers: { "content-type": "application/json" } });
        case "/api/v1/session/delete": {
          const custom = state.singleDeleteAnswer?.();
          if (custom !== undefined) return custom;
          if (req.method !== "POST") return new Response("method not allowed", { status: 405 });
          // M5: without the page's common query the site answers 400 msg "ut".
          if (!url.searchParams.get("ut")) return json({ success: false, code: 400, msg: "ut" }, 400);
          if (typeof record.session_id !== "string" || record.biz_id !== "ai_qwen") return json({ success: false, code: 1, msg: "bad session" });
          state.deletedSessions.push(record.session_id);
          state.deleteEndpoints.push("single");
          return json({ success: true, code: 0, data: true });
        }
        case "/api/v1/session/delete/batch": {
          const ids = Array.isArray(record.session_ids) ? record.session_ids : [];
          for (const id of ids) {
            if (typeof id !== "string") continue;
            state.deletedSessions.push(id);
            state.deleteEndpoints.push("batch");
          }
          return json({ success: true, code: 0, data: true });
        }
        case "/1/oss_token":
        case "/1/oss/callback": {
          const refusal = verify(url, req.headers, rawBody, "workspace");
          if (refusal !== undefined) {
            state.refusals.push(`upload ${refusal}`);
            return new Response(JSON.stringify({ status: 1, code: "EX015", msg: "签名错误" }), { status: 403, headers: { "content-type": "application/json", "x-fake-reason": refusal } });
          }
          if (url.pathname === "/1/oss/callback") return uploadCallback(url, record);
          return state.uploadGrantAnswer?.() ?? grantUpload(record);
        }
        case "/api/v1/chat/snap": {
          const refusal = verify(url, req.headers, rawBody);
          if (refusal !== undefined) return new Response(JSON.stringify({ status: 1, code: "EX015", msg: "签名错误" }), { status: 403, headers: { "x-fake-reason": refusal } });
          state.snapCalls++;
          const after = state.imageViaSnapAfter ?? 0;
          const ready = after > 0 && state.snapCalls >= after;
          return json({ success: true, errorCode: null, data: { status: ready ? "complete" : "processing", messages: ready ? [{ mime_type: "image/url", content: `${state.url}/gen/snap-${randomHex(4)}.png`, status: "complete" }] : [] } });
        }
        case "/api/v2/chat":
          break;
        default:
          return new Response("not found", { status: 404 });
      }

      if (req.method !== "POST") return new Response("method not allowed", { status: 405 });
      const refusal = verify(url, req.headers, rawBody);
      if (refusal !== undefined) {
        state.refusals.push(refusal);
        const fixedRefusal = fixtures.get("refusal");
        if (state.badSignatureAnswer === "fixed-refusal" && fixedRefusal !== undefined) return replayFixture(fixedRefusal, 1 << 30, false);
        return new Response(JSON.stringify({ status: 1, code: "EX015", msg: "签名错误" }), {
          status: 403,
          headers: { "content-type": "application/json", "x-fake-reason": refusal },
        });
      }
      const custom = state.respond?.(record, req.headers);
      if (custom) return custom;
      if (record.ai_tool_scene === "zaodian_generate_image") return generateImage(record);
      if (isDead) return replayFixture(fixtures.get("not-login") as Fixture, 1 << 30, false);
      const messages = Array.isArray(record.messages) ? record.messages : [];
      // Image items come before the text (§3.3): directives are in the text item.
      const textItem = messages.find((m) => (m as { mime_type?: unknown }).mime_type === "text/plain") ?? messages[0];
      const prompt = String((textItem as { content?: unknown } | undefined)?.content ?? "");
      const pick = (key: string) => directive(cookie, key) ?? directive(prompt, key);
      const dripMs = pick("drip");
      if (dripMs !== undefined) return drip(state, Number(dripMs), dripFrame);
      const name = fixtureNameOf(prompt, cookie);
      const fixture = fixtures.get(name);
      if (!fixture) return json({ status: 1, code: "NO_FIXTURE", msg: noFixtureText(name, "cn2") }, 400);
      return replayFixture(withCwd(fixture), Number(pick("chunk") ?? 1 << 30), pick("zstd") === "1");
    },
  });
  state.url = `http://127.0.0.1:${server.port}`;
  return state;
}

if (import.meta.main) {
  const fake = startFakeChat2Upstream({ port: 8092 });
  console.log(`fake chat2 upstream on ${fake.url} (set QWEN_CN_BASE_URL to it; fixtures: ${[...loadFixtures(FIXTURE_DIR).keys()].join(", ")})`);
}
