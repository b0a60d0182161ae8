// Tests for qwenplug, in three layers (see STYLE.md): pure functions with exact
// wire strings; the server on a real port against a fake CN upstream replaying
// fixtures/cn; and the official `openai` client as the oracle for every
// response, streamed or not, including errors.

import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, setSystemTime, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import * as zc from "zod";
import { FAKE_PUNISH_PATH, startFakeCnUpstream, startFakeIntlUpstream, type FakeCnUpstream, type FakeIntlUpstream } from "./bench/fake-upstream";
import { AUTH_REFUSALS, sha256Hex, startFakeAuthHost, type FakeAuthHost } from "./bench/fake-auth";
import { startFakeChat2Upstream, type FakeChat2Upstream } from "./bench/fake-chat2";
import { FAKE_STS, startFakeOss, type FakeOss } from "./bench/fake-oss";
import { buildBundle, readDockerRecipe } from "./bench/dockerfile";
import { FAKE_T2I_PNG } from "./bench/fake-upstream";
import {
  classifyAnswer,
  ConfigError,
  createCumulativeDiff,
  createPool,
  driftLines,
  type EventBatch,
  type NeutralRequest,
  runWithFailover,
  Stop,
  createUtf8ChunkDecoder,
  createSseDataParser,
  createToolCallParser,
  estimateTokens,
  extractToolCalls,
  flattenMessages,
  flattenTurns,
  checkAccounts,
  formatCheck,
  listeningLine,
  HttpError,
  imageDimensions,
  isSecretField,
  jsonDepthExceeds,
  limitOutputTokens,
  loadConfig,
  makeRedactor,
  NO_TOOLS,
  ossPutHeaders,
  type NeutralEvent,
  type NeutralTool,
  parseToolCallBlock,
  probeAccountsAtStart,
  redactThenCut,
  repairJson,
  retryAfterSeconds,
  scrubCapturedText,
  startServer,
  type Tooling,
  createMemoryStore,
  createRedisStore,
  createSqliteStore,
  openStateStore,
  storeLine,
  type StateStore,
  type UpstreamName,
  accountRegistriesFrom,
  createIntlAdapter,
  routeOf,
  secondsUntilSiteMidnight,
  splitForDocument,
  intlBodyBytesBound,
  INTL_BODY_FRAME_BYTES,
  COMPILE_AFTER_PARSES,
  hotSchema,
  requestSchemas,
} from "./index";

// ── Helpers ─────────────────────────────────────────────────────────────────

const MASTER_KEY = "sk-test-master-key-0123456789";
const COOKIE_1 = "tongyi_sso_ticket=ticket-one-SECRET-abcdefghijklmnop; XSRF-TOKEN=xsrf-one-0123456789abcdef";
const COOKIE_2 = "tongyi_sso_ticket=ticket-two-SECRET-qrstuvwxyz012345";

/** Polls until `check` holds; never sleeps and hopes. */
async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}

interface Gateway {
  url: string;
  client: OpenAI;
  logs: string[];
  app: ReturnType<typeof startServer>["app"];
  /** Stops the server, after checking that every account slot came back (see `expectSlotsFree`). */
  stop(): Promise<void>;
}

/**
 * The suite's invariant: once a test's requests are over, every account's
 * in-flight count returns to 0, whatever ended them (success, error, abort).
 * Release can trail the response by a moment, so this polls.
 */
async function expectSlotsFree(gw: Gateway): Promise<void> {
  const inFlight = () => Object.values(gw.app.pools).flatMap((pool) => pool.snapshot().map((a) => a.in_flight));
  try {
    await waitFor(() => inFlight().every((n) => n === 0), 8000);
  } catch {
    throw new Error(`account slots still taken after the test: ${JSON.stringify(inFlight())}`);
  }
}

/**
 * Starts what a describe block's tests share (a gateway, a fake upstream or
 * both) before them and stops it after; checks the slot invariant after each test.
 */
function useGateway(start: () => { gw?: Gateway; fake?: { stop(): Promise<void> } }): void {
  let started: ReturnType<typeof start> = {};
  beforeAll(() => {
    started = start();
  });
  afterEach(async () => {
    if (started.gw) await expectSlotsFree(started.gw);
  });
  afterAll(async () => {
    await started.gw?.stop();
    await started.fake?.stop();
  });
}

/** Starts qwenplug on a free port; an env value of undefined removes that variable. */
/** `deps.fetch` stands in for qwenplug's upstream fetch (a relay that does not decode, a slow body). */
function launchGateway(env: Record<string, string | undefined>, idleTimeoutSec?: number, deps: { store?: StateStore; fetch?: typeof fetch } = {}): Gateway {
  const logs: string[] = [];
  // Both upstreams default to a closed loopback port, so no test can reach a real host by omission.
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    API_MASTER_KEY: MASTER_KEY,
    QWEN_CN_BASE_URL: "http://127.0.0.1:9",
    QWEN_INTL_BASE_URL: "http://127.0.0.1:9",
    // The CN tests above the chat2 blocks replay /dialog fixtures; chat2 tests ask for chat2 explicitly.
    CN_PROTOCOL: "dialog",
    // Image URLs in tests point at loopback fakes; the SSRF tests take this away again.
    IMAGE_FETCH_ALLOW_PRIVATE: "1",
    ...env,
  });
  const { server, app } = startServer(config, { log: (line) => logs.push(line), idleTimeoutSec, ...deps });
  const url = `http://127.0.0.1:${server.port}`;
  const gw: Gateway = {
    url,
    client: new OpenAI({ apiKey: MASTER_KEY, baseURL: `${url}/v1`, maxRetries: 0 }),
    logs,
    app,
    stop: async () => {
      try {
        await expectSlotsFree(gw);
      } finally {
        // A reply's session delete runs on after it; one left in flight would land in the next test's fake.
        await app.settle(2000);
        await server.stop(true);
      }
    },
  };
  return gw;
}

/** qwenplug with one CN account on the fake CN upstream. */
const startGateway = (fake: FakeCnUpstream, env: Record<string, string | undefined> = {}, idleTimeoutSec?: number, store?: StateStore): Gateway =>
  launchGateway({ QWEN_CN_BASE_URL: fake.url, CN_PROTOCOL: "dialog", CN_ACCOUNT_1_COOKIE: COOKIE_1, ...env }, idleTimeoutSec, { store });

/** Runs `body` against a fresh fake upstream and a gateway on it, and stops both afterwards, whatever happens. */
async function withGateway<F extends { stop(): Promise<void> }>(startFake: () => F, startGw: (fake: F) => Gateway, body: (fake: F, gw: Gateway) => Promise<void>): Promise<void> {
  const fake = startFake();
  try {
    const gw = startGw(fake);
    try {
      await body(fake, gw);
    } finally {
      await gw.stop();
    }
  } finally {
    await fake.stop();
  }
}

/** A system message and a user message to the thinking-search variant: what the request-shape tests send. */
const askWithSystem = (gw: Gateway) =>
  gw.client.chat.completions.create({ model: "qwen-max-thinking-search", messages: [{ role: "system", content: "S" }, { role: "user", content: "fixture:plain" }] });

type StreamedChunk = OpenAI.Chat.Completions.ChatCompletionChunk;
const reasoningOf = (value: object): string | undefined => (value as { reasoning_content?: string }).reasoning_content;

async function collectStream(client: OpenAI, prompt: string, model = "qwen-max") {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: "user", content: prompt }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks: StreamedChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const content = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  const reasoning = chunks.map((c) => (c.choices[0] ? (reasoningOf(c.choices[0].delta) ?? "") : "")).join("");
  const finish = chunks.map((c) => c.choices[0]?.finish_reason).find((r) => r);
  return { chunks, content, reasoning, finish };
}

async function rawPost(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
}

type ApiError = InstanceType<typeof OpenAI.APIError>;

/** The API error a call ends with; fails the test if it succeeds. */
async function apiError(call: PromiseLike<unknown>): Promise<ApiError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error("expected an API error");
}

/** The API error one request ends with through the openai SDK, streamed (and drained) or not; fails the test if it succeeds. */
function requestError(gw: Gateway, prompt: string, stream: boolean, model = "qwen-max"): Promise<ApiError> {
  const messages = [{ role: "user" as const, content: prompt }];
  return apiError(
    (async () => {
      if (!stream) return gw.client.chat.completions.create({ model, messages });
      for await (const _ of await gw.client.chat.completions.create({ model, messages, stream: true })) {
        // drained
      }
    })(),
  );
}

/** A stream's text up to the in-stream error that ended it, and that error. */
async function streamUntilError(gw: Gateway, model: string, prompt: string): Promise<{ content: string; caught: unknown }> {
  let content = "";
  try {
    for await (const chunk of await gw.client.chat.completions.create({ model, messages: [{ role: "user", content: prompt }], stream: true })) content += chunk.choices[0]?.delta.content ?? "";
  } catch (err) {
    return { content, caught: err };
  }
  return { content, caught: undefined };
}

/** The same on a gateway of its own, started for this one request and stopped after it. */
async function freshGatewayError(start: () => Gateway, prompt: string, stream: boolean, model?: string): Promise<ApiError> {
  const local = start();
  try {
    return await requestError(local, prompt, stream, model);
  } finally {
    await local.stop();
  }
}

const TRICKY_TEXT = 'He said "hi" 👋\ndata: [DONE]\n[DONE] 中文😀 \\path\\to\n\n```js\nconsole.log("ok")\n```';

// ── Pure functions ──────────────────────────────────────────────────────────

describe("SSE data parser", () => {
  const parseAll = (pieces: string[]) => {
    const out: string[] = [];
    const parser = createSseDataParser((d) => out.push(d));
    for (const piece of pieces) parser.feed(piece);
    parser.end();
    return out;
  };
  const wire = '\uFEFFdata: {"a":1}\r\n\r\ndata:{"b":"中😀"}\n\n: comment\nevent: x\ndata: l1\ndata: l2\r\rdata: [DONE]\n\n';
  const expected = ['{"a":1}', '{"b":"中😀"}', "l1\nl2", "[DONE]"];

  test("parses LF, CRLF and CR line ends, BOM, comments and multi-line data", () => {
    expect(parseAll([wire])).toEqual(expected);
  });

  test("gives the same events when the input is split at every position", () => {
    for (let i = 0; i <= wire.length; i++) {
      expect(parseAll([wire.slice(0, i), wire.slice(i)])).toEqual(expected);
    }
    expect(parseAll([...wire])).toEqual(expected);
  });

  test("flushes an event left open at the end of the stream", () => {
    expect(parseAll(['data: {"x":1}'])).toEqual(['{"x":1}']);
  });

  test("rejects a line over the cap instead of buffering forever", () => {
    const parser = createSseDataParser(() => {}, 100);
    expect(() => {
      for (let i = 0; i < 20; i++) parser.feed("data: 0123456789");
    }).toThrow(/longer than 100/);
  });
});

describe("UTF-8 chunk decoder", () => {
  const decodeAll = (chunks: Uint8Array[]) => {
    const decoder = createUtf8ChunkDecoder();
    return chunks.map((c) => decoder.decode(c)).join("") + decoder.end();
  };
  const samples = [
    new TextEncoder().encode('data: {"t":"中文😀é a\u00e9"}\n\n你好👋🏽'),
    // Invalid and truncated sequences: a lone continuation byte, a 4-byte lead cut short, a bare 0xFF.
    new Uint8Array([0x61, 0x80, 0x62, 0xf0, 0x9f, 0x63, 0xff, 0xe4, 0xb8, 0xad, 0xe4, 0xb8]),
  ];

  test("gives what one TextDecoder call gives, split at every position and byte by byte", () => {
    for (const bytes of samples) {
      const expected = new TextDecoder().decode(bytes);
      for (let i = 0; i <= bytes.length; i++) expect(decodeAll([bytes.slice(0, i), bytes.slice(i)])).toBe(expected);
      expect(decodeAll([...bytes].map((b) => new Uint8Array([b])))).toBe(expected);
      for (let i = 0; i < bytes.length; i++) {
        for (let j = i; j <= bytes.length; j++) expect(decodeAll([bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)])).toBe(expected);
      }
    }
  });
});

describe("cumulative diff", () => {
  test("emits only the new suffix of each snapshot", () => {
    const diff = createCumulativeDiff();
    expect([diff.next("你好"), diff.next("你好！我是"), diff.next("你好！我是通义千问")]).toEqual(["你好", "！我是", "通义千问"]);
  });

  test("holds back a replacement character until a later snapshot completes it", () => {
    const diff = createCumulativeDiff();
    expect(diff.next("温度是\uFFFD")).toBe("温度是");
    expect(diff.next("温度是30°C")).toBe("30°C");
    expect(diff.next("A\uFFFD", true)).toBe("");
  });

  test("a rewrite emits nothing and later snapshots continue from it", () => {
    const diff = createCumulativeDiff();
    expect(diff.next("Answer: A")).toBe("Answer: A");
    expect(diff.next("Answer: B is")).toBe("");
    expect(diff.next("Answer: B is right")).toBe(" right");
  });

  test("a genuine U+FFFD in the text passes through and does not freeze the diff", () => {
    const diff = createCumulativeDiff();
    expect(diff.next("a\uFFFDb")).toBe("a\uFFFDb");
    expect(diff.next("a\uFFFDbc")).toBe("c");
    expect(diff.next("a\uFFFDbc\uFFFD\uFFFDd")).toBe("\uFFFD\uFFFDd");
  });

  test("only a U+FFFD at the very end of a non-final snapshot is held back", () => {
    const diff = createCumulativeDiff();
    expect(diff.next("温度\uFFFD")).toBe("温度");
    expect(diff.next("温度是\uFFFD\uFFFD")).toBe("是");
    expect(diff.next("温度是30°")).toBe("30°");
    expect(diff.next("温度是30°\uFFFD x\uFFFD")).toBe("\uFFFD x");
    expect(diff.next("温度是30°\uFFFD x\uFFFD", true)).toBe("\uFFFD");
  });

  /** A long text with no period, so a shifted copy never matches itself. */
  const longText = Array.from({ length: 400 }, (_, i) => (i * 7919).toString(36)).join(" ");

  test("detects a character inserted or removed in the middle of a long text", () => {
    const middle = Math.floor(longText.length / 2);
    const inserted = createCumulativeDiff();
    inserted.next(longText);
    expect(inserted.next(`${longText.slice(0, middle)}Z${longText.slice(middle)} more`)).toBe("");
    expect(inserted.next(`${longText.slice(0, middle)}Z${longText.slice(middle)} more and more`)).toBe(" and more");
    const removed = createCumulativeDiff();
    removed.next(longText);
    expect(removed.next(`${longText.slice(0, middle)}${longText.slice(middle + 1)} more text`)).toBe("");
  });

  test("stays linear: the cost per snapshot does not grow with the length of the text", () => {
    // Snapshots are slices of one flat string (no copy each); n events at length L against n at 4L.
    const events = 20_000;
    const step = 2;
    const run = (base: number) => {
      const full = "x".repeat(base) + longText.repeat(Math.ceil((events * step) / longText.length) + 1);
      const snapshots = Array.from({ length: events }, (_, i) => full.slice(0, base + (i + 1) * step));
      return () => {
        const diff = createCumulativeDiff();
        diff.next(full.slice(0, base));
        let total = 0;
        for (const snapshot of snapshots) total += diff.next(snapshot).length;
        expect(total).toBe(events * step);
      };
    };
    // 16× the length: a comparison of the whole text per snapshot would cost about 13× as much, a linear
    // diff the same; the bound of 4 leaves room for a shared, busy machine (a ratio of 2 at 4× did not).
    const short = run(100_000);
    const long = run(1_600_000);
    const ratio = fastestMs(long) / Math.max(fastestMs(short), 0.05);
    expect(ratio).toBeLessThan(4); // about 1 measured
  });
});

describe("Stop: the request path's cancellation", () => {
  test("listeners run once, in order, after any taken off; one that throws is reported and the rest still run", () => {
    const stop = new Stop();
    const heard: string[] = [];
    stop.onAbort(() => heard.push("a"));
    const off = stop.onAbort(() => heard.push("b"));
    stop.onAbort(() => {
      throw new Error("listener broke");
    });
    stop.onAbort(() => heard.push("c"));
    off();
    const reported: unknown[] = [];
    const report = globalThis.reportError;
    globalThis.reportError = (err: unknown) => void reported.push(err);
    try {
      stop.abort("first");
      stop.abort("second");
    } finally {
      globalThis.reportError = report;
    }
    expect(heard).toEqual(["a", "c"]);
    expect(reported).toHaveLength(1);
    expect(stop.reason).toBe("first");
    let late = false;
    stop.onAbort(() => (late = true));
    expect(late).toBe(false);
  });

  test("a child follows its parent with the parent's reason until unlinked, at once if the parent is over; its signal, made late, is already aborted", () => {
    const parent = new Stop();
    const child = new Stop();
    const unlinked = new Stop();
    child.follow(parent);
    unlinked.follow(parent)();
    parent.abort("client left");
    expect(child.aborted).toBe(true);
    expect(child.reason).toBe("client left");
    expect(unlinked.aborted).toBe(false);
    expect(child.signal.aborted).toBe(true);
    expect(child.signal.reason).toBe("client left");
    const early = new Stop();
    const { signal } = early;
    early.abort("timeout");
    expect(signal.aborted).toBe(true);
    const afterwards = new Stop();
    afterwards.follow(child);
    expect(afterwards.reason).toBe("client left");
  });

  test("following an AbortSignal: aborts with it, or at once if it already has", () => {
    const controller = new AbortController();
    const stop = Stop.following(controller.signal);
    expect(stop.aborted).toBe(false);
    controller.abort("gone");
    expect(stop.reason).toBe("gone");
    expect(Stop.following(AbortSignal.abort("over")).reason).toBe("over");
  });
});

describe("estimateTokens", () => {
  test("counts CJK characters one each and other text by fours", () => {
    expect(estimateTokens("你好")).toBe(2);
    expect(estimateTokens("abcdefgh")).toBe(2);
    expect(estimateTokens("")).toBe(0);
  });
});

describe("flattenMessages", () => {
  test("a lone user message is sent as is", () => {
    expect(flattenMessages([{ role: "user", content: "hello" }], 1000).prompt).toBe("hello");
  });

  test("system, turns, content parts and tool turns make one deterministic prompt", () => {
    const { prompt } = flattenMessages(
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "Weather?" }, { type: "text", text: "In Paris." }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "c1", content: "18°C" },
        { role: "user", content: "Thanks" },
      ],
      10_000,
    );
    expect(prompt).toBe(
      [
        "<system>\nBe brief.\n</system>",
        "Human: Weather?\nIn Paris.",
        'Assistant: <tool_call>\n{"name":"get_weather","arguments":{"city":"Paris"}}\n</tool_call>',
        "Tool result (c1):\n<tool_response>\n18°C\n</tool_response>",
        "Human: Thanks",
        "Assistant:",
      ].join("\n\n"),
    );
  });

  test("drops the oldest turns first and keeps the system block and the last turn", () => {
    const messages = [
      { role: "system" as const, content: "SYS" },
      { role: "user" as const, content: "old ".repeat(50) },
      { role: "assistant" as const, content: "older reply ".repeat(20) },
      { role: "user" as const, content: "latest question" },
    ];
    const { prompt, droppedTurns } = flattenMessages(messages, 120);
    expect(droppedTurns).toBe(2);
    expect(prompt).toBe("<system>\nSYS\n</system>\n\n[2 earlier turns omitted to fit the prompt budget]\n\nHuman: latest question\n\nAssistant:");
  });

  test("refuses a last message over the budget with context_length_exceeded", () => {
    try {
      flattenMessages([{ role: "user", content: "x".repeat(200) }], 100);
      throw new Error("should have thrown");
    } catch (err) {
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).code).toBe("context_length_exceeded");
    }
  });

  test("refuses part types it cannot send clearly instead of dropping them (images are taken since issue 14)", () => {
    expect(() => flattenMessages([{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }], 1000)).toThrow(/Content of type "input_audio" is not supported/);
    expect(() => flattenMessages([{ role: "assistant", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }], 1000)).toThrow(/Image input is not supported/);
  });
});

describe("loadConfig", () => {
  test("defaults", () => {
    const config = loadConfig({});
    expect(config.port).toBe(8082);
    expect(config.host).toBe("0.0.0.0");
    expect(config.cnBaseUrl).toBe("https://api.qianwen.com");
    expect(config.cnOrigin).toBe("https://www.qianwen.com");
    expect(config.cnReferer).toBe("https://www.qianwen.com/");
    expect(config.cnAccounts).toEqual([]);
    expect(config.masterKeyDigests).toEqual([]);
  });

  test("a bad value stops start-up with one sentence naming the variable", () => {
    expect(() => loadConfig({ PORT: "abc" })).toThrow(/^PORT must be a whole number/);
    expect(() => loadConfig({ QWEN_CN_BASE_URL: "ftp://x" })).toThrow(/^QWEN_CN_BASE_URL must be an http/);
    expect(() => loadConfig({ HEARTBEAT_MS: "5" })).toThrow(/HEARTBEAT_MS/);
    expect(() => loadConfig({ CN_ACCOUNT_3_XSRF_TOKEN: "x" })).toThrow(/CN_ACCOUNT_3_COOKIE is not/);
    expect(() => loadConfig({ CN_ACCOUNT_1_COOKIE: "  " })).toThrow(/CN_ACCOUNT_1_COOKIE is set but empty/);
    expect(() => loadConfig({ CN_ACCOUNT_1_COOKIE: "a=b\r\nx: y" })).toThrow(/line break/);
    expect(() => loadConfig({ MODEL_ALIASES: "broken" })).toThrow(ConfigError);
  });

  test("accounts: any n, gaps allowed, bare tickets, XSRF from variable, cookie or a fresh UUID", () => {
    const ticket = "t".repeat(40);
    const config = loadConfig({
      CN_ACCOUNT_7_COOKIE: ticket,
      CN_ACCOUNT_2_COOKIE: "tongyi_sso_ticket=abc; XSRF-TOKEN=from-cookie",
      CN_ACCOUNT_12_COOKIE: "tongyi_sso_ticket=def",
      CN_ACCOUNT_12_XSRF_TOKEN: "from-variable",
    });
    expect(config.cnAccounts.map((a) => a.number)).toEqual([2, 7, 12]);
    const [two, seven, twelve] = config.cnAccounts;
    expect(two?.xsrfToken).toBe("from-cookie");
    expect(seven?.cookie).toStartWith(`tongyi_sso_ticket=${ticket}; aliyun_choice=intl; _samesite_flag_=true; t=`);
    expect(seven?.xsrfToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(twelve?.xsrfToken).toBe("from-variable");
    const longTicket = loadConfig({ CN_ACCOUNT_1_COOKIE: "L".repeat(150) });
    expect(longTicket.cnAccounts[0]?.cookie).toStartWith("login_aliyunid_ticket=");
  });

  test("several comma-separated master keys and alias overrides", () => {
    const config = loadConfig({ API_MASTER_KEY: "a-key, b-key,,", MODEL_ALIASES: "mine=tongyi-x, Qwen-Max=tongyi-y" });
    expect(config.masterKeyDigests.length).toBe(2);
    expect(config.aliases.get("mine")).toBe("tongyi-x");
    expect(config.aliases.get("qwen-max")).toBe("tongyi-y");
    expect(loadConfig({ MODEL_ALIASES: '{"j":"tongyi-z"}' }).aliases.get("j")).toBe("tongyi-z");
  });
});

// ── The server against a fake upstream, with the openai client as oracle ────

describe("chat completions over the CN upstream", () => {
  let fake: FakeCnUpstream, gw: Gateway;
  useGateway(() => ({ gw: (gw = startGateway((fake = startFakeCnUpstream()))), fake }));

  test("streams the UPSTREAMS §3.1.2 transcript as exact OpenAI deltas", async () => {
    const { chunks, content, finish } = await collectStream(gw.client, "fixture:plain");
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const deltas = chunks.map((c) => c.choices[0]?.delta.content).filter((d) => d);
    expect(deltas).toEqual(["你好", "！我是通义千问", "，有什么可以帮你？"]);
    expect(content).toBe("你好！我是通义千问，有什么可以帮你？");
    expect(finish).toBe("stop");
    const usageChunk = chunks[chunks.length - 1];
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage?.completion_tokens).toBe(estimateTokens(content));
    expect(usageChunk?.usage?.prompt_tokens).toBe(estimateTokens("fixture:plain"));
  });

  test("the wire format is exactly data: events, a finish chunk, then [DONE]", async () => {
    const response = await rawPost(gw.url, { model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }], stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    const text = await response.text();
    const events = text.split("\n\n").filter((e) => e !== "");
    for (const event of events) expect(event).toStartWith("data: ");
    expect(events[events.length - 1]).toBe("data: [DONE]");
    const finish = JSON.parse((events[events.length - 2] as string).slice(6));
    expect(finish.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "stop" });
    expect(text).not.toContain('"usage"');
  });

  test("non-streaming answers one JSON body assembled from the stream", async () => {
    const completion = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toBe("你好！我是通义千问，有什么可以帮你？");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  test("Chinese, emoji, quotes and literal [DONE] arrive byte-exact, even split into 1-byte upstream chunks", async () => {
    for (const prompt of ["fixture:tricky", "fixture:tricky chunk:1", "fixture:tricky chunk:7"]) {
      expect((await collectStream(gw.client, prompt)).content).toBe(TRICKY_TEXT);
      const completion = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: prompt }] });
      expect(completion.choices[0]?.message.content).toBe(TRICKY_TEXT);
    }
  });

  test("every fixture gives the same answer whole and split byte by byte", async () => {
    for (const name of ["plain", "think", "incremental", "split-char", "content-filter", "rewrite"]) {
      const whole = await collectStream(gw.client, `fixture:${name}`, "qwen-max-thinking");
      const split = await collectStream(gw.client, `fixture:${name} chunk:1`, "qwen-max-thinking");
      expect({ name, content: split.content, reasoning: split.reasoning, finish: split.finish }).toEqual({
        name,
        content: whole.content,
        reasoning: whole.reasoning,
        finish: whole.finish,
      });
    }
  });

  test("thinking goes to reasoning_content, never into content", async () => {
    const streamed = await collectStream(gw.client, "fixture:think", "qwen-max-thinking");
    expect(streamed.reasoning).toBe("用户问的是1+1，答案是2。");
    expect(streamed.content).toBe("1+1=2");
    const completion = await gw.client.chat.completions.create({ model: "qwen-max-thinking", messages: [{ role: "user", content: "fixture:think" }] });
    expect(completion.choices[0]?.message.content).toBe("1+1=2");
    expect(reasoningOf(completion.choices[0]?.message as object)).toBe("用户问的是1+1，答案是2。");
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(estimateTokens("用户问的是1+1，答案是2。"));
  });

  test("incremental items, held-back U+FFFD and rewrites", async () => {
    expect((await collectStream(gw.client, "fixture:incremental")).content).toBe("Hello, world!");
    expect((await collectStream(gw.client, "fixture:split-char")).content).toBe("温度是30°C。");
    expect((await collectStream(gw.client, "fixture:rewrite")).content).toBe("Answer: A right");
  });

  test("canShare:false finishes with content_filter", async () => {
    const streamed = await collectStream(gw.client, "fixture:content-filter");
    expect(streamed.finish).toBe("content_filter");
    expect(streamed.content).toBe("这个问题");
    const completion = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:content-filter" }] });
    expect(completion.choices[0]?.finish_reason).toBe("content_filter");
  });

  test("sends the G1 request: headers, flattened prompt, model id and switches", async () => {
    const before = fake.calls.length;
    await askWithSystem(gw);
    const call = fake.calls.slice(before).find((c) => c.path === "/dialog/conversation");
    expect(call).toBeDefined();
    expect(call?.headers.cookie).toBe(COOKIE_1);
    expect(call?.headers["x-xsrf-token"]).toBe("xsrf-one-0123456789abcdef");
    expect(call?.headers["x-platform"]).toBe("pc_tongyi");
    expect(call?.headers.origin).toBe("https://www.qianwen.com");
    expect(call?.headers.referer).toBe("https://www.qianwen.com/");
    const body = call?.body as { sessionId: string; params: Record<string, unknown>; contents: Array<Record<string, unknown>> };
    expect(body.sessionId).toBe("");
    expect(body.params.specifiedModel).toBe("tongyi-qwen3-max-model");
    expect(body.params.deepThink).toBe(true);
    expect(body.params.searchType).toBe("depth");
    expect(body.contents[0]?.content).toBe("<system>\nS\n</system>\n\nHuman: fixture:plain\n\nAssistant:");
  });

  test("reasoning_effort and enable_thinking switch deep thinking; the live model list resolves display names", async () => {
    const cases: Array<[Record<string, unknown>, boolean, string]> = [
      [{ model: "qwen-max", reasoning_effort: "high" }, true, "tongyi-qwen3-max-model"],
      [{ model: "qwen-max-thinking", reasoning_effort: "low" }, false, "tongyi-qwen3-max-model"],
      [{ model: "qwen-plus", enable_thinking: true }, true, "tongyi-qwen-plus-latest"],
      [{ model: "Qwen3.8-Max" }, false, "tongyi-qwen3.8-max-model"],
      [{ model: "tongyi-some-new-model" }, false, "tongyi-some-new-model"],
    ];
    for (const [extra, deepThink, specifiedModel] of cases) {
      const before = fake.calls.length;
      const response = await rawPost(gw.url, { messages: [{ role: "user", content: "fixture:plain" }], ...extra });
      expect(response.status).toBe(200);
      const call = fake.calls.slice(before).find((c) => c.path === "/dialog/conversation");
      const params = (call?.body as { params: Record<string, unknown> }).params;
      expect({ extra, deepThink: params.deepThink, specifiedModel: params.specifiedModel }).toEqual({ extra, deepThink, specifiedModel });
    }
  });

  test("deletes the upstream session after success and after errors", async () => {
    // A fake of its own: other tests' background deletes must not count here.
    const own = startFakeCnUpstream();
    const local = startGateway(own);
    try {
      await collectStream(local.client, "fixture:plain");
      await rawPost(local.url, { model: "qwen-max", messages: [{ role: "user", content: "fixture:finished-error" }] });
      await waitFor(() => own.deletedSessions.length >= 2);
      expect(own.deletedSessions).toEqual(["9f2c4e1a7b3d4c5e8f60718293a4b5c6", "9f2c4e1a7b3d4c5e8f60718293a4b5c6"]);
    } finally {
      await local.stop();
      await own.stop();
    }
  });

  test("a client that disconnects cancels the upstream stream at once and the session is deleted", async () => {
    const cancelledBefore = fake.cancelledStreams;
    const deletedBefore = fake.deletedSessions.length;
    const stream = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "drip:50" }], stream: true });
    let seen = "";
    for await (const chunk of stream) {
      seen += chunk.choices[0]?.delta.content ?? "";
      if (seen.includes("2 ")) break; // breaking out aborts the request
    }
    await waitFor(() => fake.cancelledStreams > cancelledBefore);
    await waitFor(() => fake.deletedSessions.length > deletedBefore);
    expect(fake.deletedSessions[fake.deletedSessions.length - 1]).toBe("drip0000000000000000000000000000");
  });

  test("lists models in the OpenAI shape: live ids, thinking variants and aliases", async () => {
    const page = await gw.client.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toContain("tongyi-qwen3-max-model");
    expect(ids).toContain("tongyi-qwen3-max-model-thinking");
    expect(ids).not.toContain("tongyi-qwen3.5-flash-thinking");
    expect(ids).toContain("qwen-max");
    expect(page.data[0]?.object).toBe("model");
  });

  test("logs one line per request with status, model, account and timings, and no secrets or prompt text", async () => {
    const before = gw.logs.length;
    await collectStream(gw.client, "fixture:plain secret-prompt-words");
    await waitFor(() => gw.logs.length > before);
    const line = gw.logs[gw.logs.length - 1] as string;
    expect(line).toMatch(/POST \/v1\/chat\/completions 200 model=qwen-max account=cn#1 dur_ms=\d+ ttft_ms=\d+ outcome=stop/);
    const all = gw.logs.join("\n");
    for (const secret of ["SECRET", MASTER_KEY, "xsrf-one", "secret-prompt-words"]) expect(all).not.toContain(secret);
  });
});

describe("upstream failures reach the client as OpenAI errors", () => {
  let fake: FakeCnUpstream, gw: Gateway;
  useGateway(() => ({ gw: (gw = startGateway((fake = startFakeCnUpstream()))), fake }));

  // Each failure class puts the single account in a cooldown; a fresh gateway per case keeps the cases independent.
  const expectApiError = (prompt: string, stream: boolean) => freshGatewayError(() => startGateway(fake), prompt, stream);

  for (const stream of [false, true]) {
    const mode = stream ? "streamed" : "non-streamed";

    test(`NOT_LOGIN (in a stream and as JSON) is a 503 naming CN_ACCOUNT_1_COOKIE, ${mode}`, async () => {
      for (const fixture of ["not-login", "not-login-json"]) {
        const err = await expectApiError(`fixture:${fixture}`, stream);
        expect(err).toBeInstanceOf(OpenAI.InternalServerError);
        expect(err.status).toBe(503);
        expect(err.message).toContain("CN_ACCOUNT_1_COOKIE");
        expect(err.code).toBe("upstream_account_expired");
        expect(err.headers?.get("x-should-retry")).toBe("false");
      }
    });

    test(`WAF JSON and captcha HTML are a 503 with Retry-After, ${mode}`, async () => {
      for (const prompt of ["fixture:waf", "fixture:waf-html", "fixture:waf-html chunk:3"]) {
        const err = await expectApiError(prompt, stream);
        expect(err.status).toBe(503);
        expect(err.code).toBe("upstream_waf_blocked");
        expect(Number(err.headers?.get("retry-after"))).toBeGreaterThan(0);
      }
    });

    test(`upstream 5xx is a 502, ${mode}`, async () => {
      const err = await expectApiError("fixture:server-error", stream);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect(err.status).toBe(502);
    });

    test(`an empty 200 stream is an error, never an empty answer, ${mode}`, async () => {
      const err = await expectApiError("fixture:empty", stream);
      expect(err.status).toBe(502);
      expect(err.code).toBe("upstream_truncated");
    });
  }

  test("a login page instead of a stream is reported as an expired account", async () => {
    const err = await expectApiError("fixture:login-page", false);
    expect(err.status).toBe(503);
    expect(err.message).toContain("CN_ACCOUNT_1_COOKIE");
  });

  test("a stream that ends without msgStatus finished is never a clean stop", async () => {
    const nonStream = await expectApiError("fixture:truncated", false);
    expect(nonStream.status).toBe(502);
    expect(nonStream.code).toBe("upstream_truncated");
    // Text already went out, so the streamed error arrives as a final error event.
    const { content, caught } = await streamUntilError(gw, "qwen-max", "fixture:truncated");
    expect(content).toBe("一半的回答");
    expect(caught).toBeInstanceOf(OpenAI.APIError);
    expect((caught as InstanceType<typeof OpenAI.APIError>).message).toContain("ended before the reply finished");
  });

  test("a finished event with an errorCode is an error after the partial text", async () => {
    const err = await expectApiError("fixture:finished-error", false);
    expect(err.status).toBe(502);
    expect(err.message).toContain("MODEL_BUSY");
    const streamErr = await expectApiError("fixture:finished-error", true);
    expect(streamErr).toBeInstanceOf(OpenAI.APIError);
  });
});

describe("request schemas switch to zod's compiled parser", () => {
  // What each body parses to, or its first issue's code and path: the same before and after the switch.
  const outcome = (schema: { safeParse(body: unknown): { success: boolean; data?: unknown; error?: { issues: ReadonlyArray<{ code: string; path: ReadonlyArray<PropertyKey> }> } } }, body: unknown) => {
    const parsed = schema.safeParse(body);
    return parsed.success ? { data: parsed.data } : { issues: parsed.error?.issues.map((issue) => [issue.code, issue.path.map(String).join(".")]) };
  };
  /** What parseBody uses for `schema` once it has parsed COMPILE_AFTER_PARSES bodies. */
  const warmed = <S extends Parameters<typeof hotSchema>[0]>(schema: S): S => {
    let used = schema;
    for (let i = 0; i <= COMPILE_AFTER_PARSES; i++) used = hotSchema(schema);
    return used;
  };
  const bodies: Record<string, unknown[]> = {
    chat: [
      { model: "qwen-max", stream: true, extra: { kept: 1 }, messages: [{ role: "system", content: "be brief" }, { role: "user", content: [{ type: "text", text: "hi" }] }] },
      { model: "qwen-max", messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] }, { role: "tool", tool_call_id: "c1", content: "ok" }], tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }], tool_choice: { type: "function", function: { name: "f" } } },
      { model: "", messages: [] },
      { model: "qwen-max", messages: [{ role: "robot", content: 3 }] },
      { model: "qwen-max", messages: [{ role: "user", content: "x" }], stream: "yes", n: 1.5 },
      { messages: "hi" },
    ],
    messages: [
      { model: "claude-x", max_tokens: 10, system: [{ type: "text", text: "s" }], messages: [{ role: "user", content: "hi" }] },
      { model: "claude-x", messages: [{ role: "user", content: [{ type: "image" }] }] },
      { model: "claude-x", max_tokens: "ten", messages: [] },
    ],
    countTokens: [{ model: "claude-x", messages: [{ role: "user", content: "hi" }] }, { model: 1 }],
    responses: [{ model: "qwen-max", input: "hi", stream: true }, { model: "qwen-max", input: [{ role: "user", content: [{ type: "input_text", text: "hi" }] }] }, { model: "qwen-max", input: 5 }],
    images: [{ prompt: "a cat", n: 2, size: "1024x1024" }, { prompt: "", n: 9 }, { prompt: "a cat", response_format: "png" }],
  };

  test("every request schema compiles, and parses and refuses every body as before", () => {
    for (const [name, schema] of Object.entries(requestSchemas())) {
      const cases = bodies[name] ?? [];
      expect(cases.length).toBeGreaterThan(0);
      const before = cases.map((body) => outcome(schema, body));
      const used = warmed(schema);
      // z.compile hands back the schema itself when it cannot compile it: a clone means the fast path is in use.
      expect({ name, compiled: used !== schema }).toEqual({ name, compiled: true });
      expect(cases.map((body) => outcome(used, body))).toEqual(before);
    }
  });

  test("the bodies the openai and Anthropic SDKs send parse to the same values both ways", async () => {
    // Each SDK call's JSON body, caught by a fetch that answers 400 at once (no retries).
    const sent: Array<{ path: string; body: unknown }> = [];
    const catcher = (async (input: string | URL | Request, init?: RequestInit) => {
      sent.push({ path: new URL(String(input instanceof Request ? input.url : input)).pathname, body: JSON.parse(String(init?.body)) });
      return Response.json({ error: { message: "caught", type: "invalid_request_error" } }, { status: 400 });
    }) as typeof fetch;
    const openai = new OpenAI({ apiKey: "k", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0, fetch: catcher });
    const anthropic = new Anthropic({ apiKey: "k", baseURL: "http://127.0.0.1:9", maxRetries: 0, fetch: catcher });
    const Person = zc.object({ name: zc.string(), born: zc.number().int() });
    const tool = { type: "function" as const, function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: true } };
    const calls: Array<Promise<unknown>> = [
      openai.chat.completions.create({ model: "qwen-max", messages: [{ role: "developer", content: "Be brief." }, { role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } }] }], stream: true, stream_options: { include_usage: true }, temperature: 0.2, max_completion_tokens: 50, user: "u1", metadata: { a: "b" } }),
      openai.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "weather?" }, { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] }, { role: "tool", tool_call_id: "call_1", content: "sunny" }], tools: [tool], tool_choice: "auto", parallel_tool_calls: false }),
      openai.chat.completions.parse({ model: "qwen-max", messages: [{ role: "user", content: "Ada?" }], response_format: zodResponseFormat(Person, "person") }),
      openai.responses.create({ model: "qwen-max", instructions: "Be brief.", input: [{ role: "user", content: [{ type: "input_text", text: "hi" }] }], tools: [{ type: "function", name: "get_weather", parameters: tool.function.parameters, strict: true }], stream: true, store: false, reasoning: { effort: "low" } }),
      openai.responses.parse({ model: "qwen-max", input: "Ada?", text: { format: zodTextFormat(Person, "person") } }),
      openai.images.generate({ model: "dall-e-3", prompt: "a cat", n: 1, size: "1024x1024", response_format: "b64_json" }),
      anthropic.messages.create({ model: "claude-sonnet-4-6", max_tokens: 1024, system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }], messages: [{ role: "user", content: "weather?" }, { role: "assistant", content: [{ type: "tool_use", id: "tu_1", name: "get_weather", input: { city: "Paris" } }] }, { role: "user", content: [{ type: "tool_result", tool_use_id: "tu_1", content: "sunny" }] }], tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }], tool_choice: { type: "auto" }, thinking: { type: "enabled", budget_tokens: 2048 }, stream: true, metadata: { user_id: "u1" } }),
      anthropic.messages.countTokens({ model: "claude-sonnet-4-6", messages: [{ role: "user", content: "hi" }], system: "Be brief." }),
    ];
    await Promise.allSettled(calls);
    const schemaOf: Record<string, keyof ReturnType<typeof requestSchemas>> = { "/v1/chat/completions": "chat", "/v1/responses": "responses", "/v1/images/generations": "images", "/v1/messages": "messages", "/v1/messages/count_tokens": "countTokens" };
    expect(sent.map((s) => s.path).sort()).toEqual(["/v1/chat/completions", "/v1/chat/completions", "/v1/chat/completions", "/v1/images/generations", "/v1/messages", "/v1/messages/count_tokens", "/v1/responses", "/v1/responses"]);
    for (const { path, body } of sent) {
      const schema = requestSchemas()[schemaOf[path] as keyof ReturnType<typeof requestSchemas>];
      const plain = outcome(schema, body);
      expect({ path, ...plain }).toEqual({ path, data: expect.anything() });
      expect({ path, ...outcome(warmed(schema), body) }).toEqual({ path, ...plain });
    }
  });
});

describe("client errors", () => {
  let fake: FakeCnUpstream, gw: Gateway;
  useGateway(() => ({ gw: (gw = startGateway((fake = startFakeCnUpstream()), { MAX_BODY_BYTES: "2048", API_MASTER_KEY: `${MASTER_KEY},second-key-abcdef` })), fake }));

  const cases: Array<[string, string | Record<string, unknown>, number, string | null]> = [
    ["invalid JSON", "{not json", 400, "invalid_json"],
    ["empty body", "", 400, "invalid_json"],
    ["a JSON array", "[]", 400, "invalid_json"],
    ["missing messages", { model: "qwen-max" }, 400, "missing_required_parameter"],
    ["empty messages", { model: "qwen-max", messages: [] }, 400, "invalid_value"],
    ["wrong message type", { model: "qwen-max", messages: "hi" }, 400, "invalid_value"],
    ["bad role", { model: "qwen-max", messages: [{ role: "robot", content: "x" }] }, 400, "invalid_value"],
    ["stream not boolean", { model: "qwen-max", messages: [{ role: "user", content: "x" }], stream: "yes" }, 400, "invalid_value"],
    ["missing model", { messages: [{ role: "user", content: "x" }] }, 400, "missing_required_parameter"],
    ["n=2", { model: "qwen-max", n: 2, messages: [{ role: "user", content: "x" }] }, 400, "unsupported_value"],
    ["audio part", { model: "qwen-max", messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }] }, 400, "unsupported_content"],
    ["image part with an unusable URL", { model: "qwen-max", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] }, 400, "invalid_image"],
    ["unknown model", { model: "no-such-model", messages: [{ role: "user", content: "x" }] }, 404, "model_not_found"],
    ["body over MAX_BODY_BYTES", { model: "qwen-max", messages: [{ role: "user", content: "x".repeat(4096) }] }, 413, "request_too_large"],
  ];
  for (const [name, body, status, code] of cases) {
    test(`${name} → ${status} ${code}`, async () => {
      const response = await rawPost(gw.url, body);
      expect(response.status).toBe(status);
      const json = (await response.json()) as { error: Record<string, unknown> };
      expect(Object.keys(json.error).sort()).toEqual(["code", "message", "param", "type"]);
      expect(json.error.code).toBe(code);
      expect(String(json.error.message)).not.toMatch(/at .*\.ts:\d+|ZodError/);
    });
  }

  test("the openai client gets the right error classes", async () => {
    // The SDK's APIPromise is a thenable, not a Promise, so `.rejects` cannot see it.
    const bad = await gw.client.chat.completions.create({ model: "qwen-max", messages: [] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    const missing = await gw.client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const wrongKey = new OpenAI({ apiKey: "sk-wrong", baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const denied = await wrongKey.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test("a chunked body over the limit is cut off with 413", async () => {
    const big = new TextEncoder().encode(JSON.stringify({ model: "qwen-max", messages: [{ role: "user", content: "y".repeat(5000) }] }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 512) controller.enqueue(big.slice(i, i + 512));
        controller.close();
      },
    });
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(413);
  });

  test("API keys: Bearer and x-api-key, any of several keys, wrong or missing key → 401", async () => {
    const ok = { model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] };
    expect((await rawPost(gw.url, ok)).status).toBe(200);
    expect((await rawPost(gw.url, ok, { authorization: "Bearer second-key-abcdef" })).status).toBe(200);
    expect((await rawPost(gw.url, ok, { authorization: "", "x-api-key": MASTER_KEY })).status).toBe(200);
    const wrong = await rawPost(gw.url, ok, { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key");
    const missing = await rawPost(gw.url, ok, { authorization: "" });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("missing_api_key");
  });

  test("a private Space: Authorization holds the hf_ token and the key comes in x-api-key or api-key (issue 23)", async () => {
    const ok = { model: "qwen-max", messages: [{ role: "user" as const, content: "fixture:plain" }] };
    const space = { authorization: "Bearer hf_x" };
    expect((await rawPost(gw.url, ok, { ...space, "x-api-key": MASTER_KEY })).status).toBe(200);
    expect((await rawPost(gw.url, ok, { ...space, "api-key": MASTER_KEY })).status).toBe(200);
    expect((await rawPost(gw.url, ok, { authorization: "", "api-key": MASTER_KEY })).status).toBe(200);
    const wrong = await rawPost(gw.url, ok, { ...space, "x-api-key": "nope" });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key");
    const alone = await rawPost(gw.url, ok, space);
    expect(alone.status).toBe(401);
    expect(((await alone.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key");
    // The client settings the README gives for a private Space.
    const openai = new OpenAI({ apiKey: "hf_x", baseURL: `${gw.url}/v1`, defaultHeaders: { "api-key": MASTER_KEY }, maxRetries: 0 });
    expect((await openai.chat.completions.create(ok)).choices[0]?.message.content).toBe("你好！我是通义千问，有什么可以帮你？");
    const anthropic = new Anthropic({ authToken: "hf_x", baseURL: gw.url, defaultHeaders: { "x-api-key": MASTER_KEY }, maxRetries: 0 });
    expect((await anthropic.messages.create({ ...ok, max_tokens: 100 })).content[0]?.type).toBe("text");
  });

  test("health is public and secret-free; unknown paths are JSON 404; CORS preflight works", async () => {
    const health = await fetch(`${gw.url}/health`);
    expect(health.status).toBe(200);
    const text = await health.text();
    expect(JSON.parse(text)).toMatchObject({ status: "ok", accounts: { cn: 1 }, auth: "api_key" });
    expect(text).not.toContain("SECRET");
    const missing = await fetch(`${gw.url}/v2/whatever`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const preflight = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const wrongMethod = await fetch(`${gw.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(wrongMethod.status).toBe(405);
  });
});

describe("without API_MASTER_KEY", () => {
  let fake: FakeCnUpstream, gw: Gateway;
  useGateway(() => ({ gw: (gw = startGateway((fake = startFakeCnUpstream()), { API_MASTER_KEY: undefined })), fake }));

  test("serves direct loopback clients only, and nothing that came through a proxy", async () => {
    const body = { model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] };
    expect((await rawPost(gw.url, body, { authorization: "" })).status).toBe(200);
    for (const header of ["x-forwarded-for", "forwarded", "x-real-ip"]) {
      const proxied = await rawPost(gw.url, body, { authorization: "", [header]: "203.0.113.9" });
      expect(proxied.status).toBe(401);
      expect(((await proxied.json()) as { error: { code: string } }).error.code).toBe("master_key_not_configured");
    }
    expect(JSON.parse(await (await fetch(`${gw.url}/health`)).text()).auth).toBe("loopback_only");
  });
});

describe("accounts", () => {
  test("an expired account fails over before any text, then cools down instead of being retried on every request", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_1_COOKIE: `${COOKIE_1}; fixture:not-login`, CN_ACCOUNT_2_COOKIE: COOKIE_2 }), async (fake, gw) => {
      for (let i = 0; i < 3; i++) {
        const { content } = await collectStream(gw.client, "fixture:plain");
        expect(content).toBe("你好！我是通义千问，有什么可以帮你？");
      }
      const conversations = fake.calls.filter((c) => c.path === "/dialog/conversation");
      const byAccount1 = conversations.filter((c) => c.headers.cookie?.includes("ticket-one"));
      expect(byAccount1.length).toBe(1);
      expect(conversations.length).toBe(4);
    });
  });

  test("no account configured → a 503 that says which variable to set", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_1_COOKIE: undefined }), async (fake, gw) => {
      const response = await rawPost(gw.url, { model: "qwen-max", messages: [{ role: "user", content: "x" }] });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain("CN_ACCOUNT_1_COOKIE");
    });
  });
});

describe("long upstream silence", () => {
  test(
    "12 s of upstream silence keeps the client connection alive, streamed (with heartbeats) and not",
    async () => {
      const fake = startFakeCnUpstream();
      // Bun's idle timer is coarse (10 s fires after about 12 s), so the server
      // runs with an 8 s idle timeout here: well inside the 12 s silence.
      const gw = startGateway(fake, { HEARTBEAT_MS: "2000" }, 8);
      try {
        const streamed = (async () => {
          const response = await rawPost(gw.url, { model: "qwen-max", stream: true, messages: [{ role: "user", content: "fixture:plain silence:12000" }] });
          return response.text();
        })();
        const nonStreamed = gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain silence:12000" }] });
        const [wire, completion] = await Promise.all([streamed, nonStreamed]);
        expect(wire).toContain(": keep-alive\n\n");
        expect(wire).toEndWith("data: [DONE]\n\n");
        expect(completion.choices[0]?.message.content).toBe("你好！我是通义千问，有什么可以帮你？");
      } finally {
        await gw.stop();
        await fake.stop();
      }
    },
    { timeout: 30_000 },
  );

  test("an upstream that never answers, or stops mid-reply, ends in a 504 naming the timeout, not a hang", async () => {
    const fake = startFakeCnUpstream();
    const gw = startGateway(fake, { UPSTREAM_CONNECT_TIMEOUT_MS: "500", UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "500", UPSTREAM_IDLE_TIMEOUT_MS: "500" });
    const first = new TextEncoder().encode('data: {"sessionId":"s","msgStatus":"generating","contents":[{"role":"assistant","contentType":"text","content":"Hal"}]}\n\n');
    fake.respond = (body) => {
      const prompt = String((body.contents as Array<{ content: string }>)[0]?.content);
      let sent = false;
      const stream = new ReadableStream<Uint8Array>({
        pull: (controller) => {
          if (prompt === "stall-after-text" && !sent) {
            sent = true;
            controller.enqueue(first);
            return;
          }
          return new Promise<void>(() => {});
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream" } });
    };
    try {
      const create = (content: string) => apiError(gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content }] }));
      const silent = await create("silent");
      expect(silent).toBeInstanceOf(OpenAI.APIError);
      expect(silent.status).toBe(504);
      expect(silent.message).toMatch(/UPSTREAM_(CONNECT|FIRST_BYTE)_TIMEOUT_MS/);
      const stalled = await create("stall-after-text");
      expect(stalled.status).toBe(504);
      expect(stalled.message).toContain("UPSTREAM_IDLE_TIMEOUT_MS");
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });
});

// ── The INTL upstream (chat.qwen.ai) ────────────────────────────────────────

const INTL_TOKEN = "eyJhbGciOiJIUzI1NiJ9.intl-SECRET-token.sig0123456789";

/** qwenplug with one INTL account on the fake INTL upstream. */
function startIntlGateway(fake: FakeIntlUpstream, env: Record<string, string | undefined> = {}): Gateway {
  return launchGateway({ QWEN_INTL_BASE_URL: fake.url, INTL_ACCOUNT_1_TOKEN: INTL_TOKEN, INTL_ACCOUNT_1_COOKIE: "ssxmod_itna=abc123", ...env });
}

const completionCalls = (fake: FakeIntlUpstream, from = 0) => fake.calls.slice(from).filter((c) => c.path === "/api/v2/chat/completions");

describe("chat completions over the INTL upstream", () => {
  let fake: FakeIntlUpstream, gw: Gateway;
  useGateway(() => ({ gw: (gw = startIntlGateway((fake = startFakeIntlUpstream()))), fake }));

  test("the captured plain answer: exact text and the upstream's own usage, streamed and not", async () => {
    const streamed = await collectStream(gw.client, "fixture:plain");
    expect(streamed.content).toBe("Hi!");
    expect(streamed.finish).toBe("stop");
    expect(streamed.chunks[streamed.chunks.length - 1]?.usage).toMatchObject({ prompt_tokens: 1049, completion_tokens: 2, total_tokens: 1051 });
    const completion = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain chunk:1" }] });
    expect(completion.choices[0]?.message.content).toBe("Hi!");
    expect(completion.usage).toMatchObject({ prompt_tokens: 1049, completion_tokens: 2 });
  });

  test("the captured summary-thinking answer: reasoning_content, text and reasoning tokens", async () => {
    const streamed = await collectStream(gw.client, "fixture:thinking-summary", "qwen3.7-plus-thinking");
    expect(streamed.reasoning).toBe("我是一位由阿里巴巴通义实验室研发的超大规模语言模型……");
    expect(streamed.content).toBe("我是通義千問（Qwen");
    expect(streamed.chunks[streamed.chunks.length - 1]?.usage).toMatchObject({
      prompt_tokens: 1438,
      completion_tokens: 806,
      completion_tokens_details: { reasoning_tokens: 102 },
    });
  });

  test("cumulative summary arrays give each thought once, never a repeated paragraph", async () => {
    for (const prompt of ["fixture:thinking-summary-multi", "fixture:thinking-summary-multi chunk:5"]) {
      const streamed = await collectStream(gw.client, prompt, "qwen3.7-plus-thinking");
      expect(streamed.reasoning).toBe("段1：用户想知道\n\n段2\n\n段3 final");
      expect(streamed.content).toBe("答案是42。");
      const completion = await gw.client.chat.completions.create({ model: "qwen3.7-plus-thinking", messages: [{ role: "user", content: prompt }] });
      expect(reasoningOf(completion.choices[0]?.message as object)).toBe("段1：用户想知道\n\n段2\n\n段3 final");
      expect(completion.usage).toMatchObject({ prompt_tokens: 1200, completion_tokens: 50, completion_tokens_details: { reasoning_tokens: 38 } });
    }
  });

  test("detail thinking (phase think) is incremental reasoning", async () => {
    const streamed = await collectStream(gw.client, "fixture:think-detail", "qwen3.7-plus-thinking");
    expect(streamed.reasoning).toBe("好的，用户想确认1+1的结果。");
    expect(streamed.content).toBe("1+1=2");
  });

  test("Chinese, emoji, quotes and literal [DONE] arrive byte-exact, and a trailing data: [DONE] is tolerated", async () => {
    for (const prompt of ["fixture:tricky", "fixture:tricky chunk:1"]) {
      expect((await collectStream(gw.client, prompt)).content).toBe(TRICKY_TEXT);
    }
  });

  test("search results of both shapes become a numbered sources list after the answer; [[n]] markers stay", async () => {
    const info = await collectStream(gw.client, "fixture:search-info", "qwen3.8-max-search");
    expect(info.content).toBe("根据搜索结果[[1]]，答案在这里[[2]]。\n\nSources:\n1. [Example A](https://example.com/a)\n2. [Example B](https://example.org/b)");
    const tool = await gw.client.chat.completions.create({ model: "qwen3.8-max-search", messages: [{ role: "user", content: "fixture:search-tool" }] });
    expect(tool.choices[0]?.message.content).toBe("Bitcoin is trading at …\n\nSources:\n1. [BTC price](https://example.com/btc)");
  });

  test("sends the v2 request: create chat, one flattened message with output_schema phase, browser headers", async () => {
    const before = fake.calls.length;
    await askWithSystem(gw);
    const calls = fake.calls.slice(before);
    const created = calls.find((c) => c.path === "/api/v2/chats/new");
    const completion = calls.find((c) => c.path === "/api/v2/chat/completions");
    expect(created?.body).toMatchObject({ models: ["qwen3.8-max"], chat_mode: "normal", chat_type: "t2t" });
    const headers = completion?.headers ?? {};
    expect(headers.authorization).toBe(`Bearer ${INTL_TOKEN}`);
    expect(headers.cookie).toBe(`token=${INTL_TOKEN}; ssxmod_itna=abc123`);
    expect(headers.version).toBe("0.2.91");
    expect(headers.source).toBe("web");
    expect(headers.accept).toBe("application/json");
    expect(headers["bx-v"]).toBeUndefined();
    expect(headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers.timezone).toMatch(/^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}$/);
    const body = completion?.body as { chat_id: string; chatId: string; model: string; incremental_output: boolean; messages: Array<Record<string, unknown>> };
    expect(headers.referer).toBe(`${fake.url}/c/${body.chat_id}`);
    expect(body.chatId).toBe(body.chat_id);
    expect(body.model).toBe("qwen3.8-max");
    expect(body.incremental_output).toBe(true);
    expect(body.messages.length).toBe(1);
    const message = body.messages[0] as { content: string; chat_type: string; sub_chat_type: string; feature_config: Record<string, unknown>; extra: unknown };
    expect(message.content).toBe("<system>\nS\n</system>\n\nHuman: fixture:plain\n\nAssistant:");
    expect(message.feature_config).toMatchObject({ output_schema: "phase", thinking_enabled: true, thinking_mode: "Thinking", thinking_format: "summary", auto_search: true });
    expect([message.chat_type, message.sub_chat_type, message.extra]).toEqual(["t2t", "t2t", { meta: { subChatType: "t2t" } }]);
  });

  test("thinking is off unless asked for: suffix, reasoning_effort medium+, or enable_thinking", async () => {
    const cases: Array<[Record<string, unknown>, boolean]> = [
      [{ model: "qwen3.7-plus" }, false],
      [{ model: "qwen3.7-plus-thinking" }, true],
      [{ model: "qwen3.7-plus", reasoning_effort: "medium" }, true],
      [{ model: "qwen3.7-plus", reasoning_effort: "low" }, false],
      [{ model: "qwen3.7-plus", enable_thinking: true }, true],
    ];
    for (const [extra, thinking] of cases) {
      const before = fake.calls.length;
      expect((await rawPost(gw.url, { messages: [{ role: "user", content: "fixture:plain" }], ...extra })).status).toBe(200);
      const message = (completionCalls(fake, before)[0]?.body as { messages: Array<{ feature_config: { thinking_enabled: boolean; thinking_mode: string } }> }).messages[0];
      expect({ extra, thinking: message?.feature_config.thinking_enabled, mode: message?.feature_config.thinking_mode }).toEqual({
        extra,
        thinking,
        mode: thinking ? "Thinking" : "Fast",
      });
    }
  });

  test("intlBodyBytesBound is never under the completion body sent, even for a prompt that JSON escapes at 6 bytes a character", async () => {
    const config = loadConfig({});
    for (const content of ["fixture:plain", `fixture:plain ${"\u0001".repeat(3000)}"\\你好`]) {
      const before = fake.calls.length;
      expect((await rawPost(gw.url, { messages: [{ role: "user", content }], model: "qwen3.7-plus-thinking", reasoning_effort: "high" })).status).toBe(200);
      const body = completionCalls(fake, before)[0]?.body as { model: string; messages: Array<{ content: string }> };
      const sent = Buffer.byteLength(JSON.stringify(body));
      const prompt = body.messages[0]?.content ?? "";
      expect(sent).toBeLessThanOrEqual(intlBodyBytesBound(config, { prompt, upstreamModel: body.model } as Parameters<typeof intlBodyBytesBound>[1]));
      // What is not the prompt or the model: well inside the frame the bound allows for it.
      const frame = sent - Buffer.byteLength(JSON.stringify(prompt)) - 3 * Buffer.byteLength(JSON.stringify(body.model));
      expect(frame).toBeLessThan(INTL_BODY_FRAME_BYTES * 0.75);
    }
  });

  test("deletes the upstream chat after success, after an error and after a client disconnect", async () => {
    const createdBefore = fake.createdChats.length;
    await collectStream(gw.client, "fixture:plain");
    await rawPost(gw.url, { model: "qwen-max", messages: [{ role: "user", content: "fixture:error-string" }] });
    const stream = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "drip:50" }], stream: true });
    const cancelledBefore = fake.cancelledStreams;
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content?.includes("2")) break;
    await waitFor(() => fake.cancelledStreams > cancelledBefore);
    const created = fake.createdChats.slice(createdBefore);
    expect(created.length).toBe(3);
    await waitFor(() => created.every((id) => fake.deletedChats.includes(id)));
  });

  test("lists live models with thinking and search variants from their capabilities", async () => {
    const ids = (await gw.client.models.list()).data.map((m) => m.id);
    for (const id of ["qwen3.8-max", "qwen3.8-max-thinking", "qwen3.8-max-search", "qwen3.8-max-thinking-search", "qwen3.7-plus-thinking", "qwen3.5-flash", "qwen-max"]) {
      expect(ids).toContain(id);
    }
    expect(ids).not.toContain("qwen3.5-flash-thinking");
    expect(ids).not.toContain("qwen3.5-flash-search");
  });

  test("an unknown model is a 404 once the live list is known; qwen-plus resolves to the newest plus", async () => {
    const missing = await rawPost(gw.url, { model: "qwen9-imaginary", messages: [{ role: "user", content: "x" }] });
    expect(missing.status).toBe(404);
    const before = fake.calls.length;
    await rawPost(gw.url, { model: "qwen-plus", messages: [{ role: "user", content: "fixture:plain" }] });
    expect((completionCalls(fake, before)[0]?.body as { model: string }).model).toBe("qwen3.7-plus");
  });
});

describe("INTL failures reach the client as OpenAI errors", () => {
  let fake: FakeIntlUpstream;
  useGateway(() => ({ fake: (fake = startFakeIntlUpstream()) }));

  /** A fresh gateway per case, since each failure class rests the account. */
  const failWith = async (options: { prompt?: string; cookie?: string; stream?: boolean }) => {
    const gw = startIntlGateway(fake, options.cookie ? { INTL_ACCOUNT_1_COOKIE: options.cookie } : {});
    try {
      const messages = [{ role: "user" as const, content: options.prompt ?? "fixture:plain" }];
      if (options.stream) {
        let content = "";
        const stream = await gw.client.chat.completions.create({ model: "qwen-max", messages, stream: true });
        for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? "";
        throw new Error(`expected an error, got "${content}"`);
      }
      await gw.client.chat.completions.create({ model: "qwen-max", messages });
    } catch (err) {
      if (err instanceof OpenAI.APIError) return err;
      throw err;
    } finally {
      await gw.stop();
    }
    throw new Error("expected an error");
  };

  test("RateLimited (on chats/new, and as the first stream line) → 429 with Retry-After in hours", async () => {
    const onCreate = await failWith({ cookie: "a=1; newchat:rate-limited" });
    expect(onCreate).toBeInstanceOf(OpenAI.RateLimitError);
    expect(onCreate.headers?.get("retry-after")).toBe(String(6 * 3600));
    expect(onCreate.message).toContain("6 h");
    for (const stream of [false, true]) {
      const inStream = await failWith({ prompt: "fixture:rate-limited-stream", stream });
      expect(inStream.status).toBe(429);
      expect(inStream.headers?.get("retry-after")).toBe(String(2 * 3600));
    }
  });

  test("401 Unauthorized → 503 naming INTL_ACCOUNT_1_TOKEN", async () => {
    for (const stream of [false, true]) {
      const err = await failWith({ prompt: "fixture:unauthorized", stream });
      expect(err.status).toBe(503);
      expect(err.code).toBe("upstream_account_expired");
      expect(err.message).toContain("Set INTL_ACCOUNT_1_REFRESH_TOKEN with INTL_ACCOUNT_1_EMAIL and INTL_ACCOUNT_1_PASSWORD so that qwenplug renews the token by itself");
      expect(err.message).toContain("INTL_ACCOUNT_1_TOKEN lasts about 15 minutes");
      expect(err.message).not.toContain("SECRET");
    }
  });

  test("Bad_Request → 502 that points at QWEN_INTL_VERSION", async () => {
    const err = await failWith({ prompt: "fixture:bad-request" });
    expect(err.status).toBe(502);
    expect(err.message).toContain("QWEN_INTL_VERSION");
  });

  test("Not_Found recreates the chat once, then fails with 502; both chats are deleted", async () => {
    const createdBefore = fake.createdChats.length;
    const err = await failWith({ prompt: "fixture:not-found" });
    expect(err.status).toBe(502);
    const created = fake.createdChats.slice(createdBefore);
    expect(created.length).toBe(2);
    await waitFor(() => created.every((id) => fake.deletedChats.includes(id)));
  });

  test("quota in-stream after the first characters: 429 before any byte went out, an error event after", async () => {
    const nonStream = await failWith({ prompt: "fixture:quota-after-text" });
    expect(nonStream.status).toBe(429);
    expect(nonStream.code).toBe("upstream_quota_exceeded");
    const gw = startIntlGateway(fake);
    try {
      const stream = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:quota-after-text" }], stream: true });
      let content = "";
      const caught = await (async () => {
        try {
          for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? "";
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(content).toBe("Hi");
      expect(caught).toBeInstanceOf(OpenAI.APIError);
      expect(String((caught as Error).message)).toContain("quota");
    } finally {
      await gw.stop();
    }
  });

  test("content inspection failure → 400 content_filter", async () => {
    const err = await failWith({ prompt: "fixture:content-filter" });
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe("content_filter");
  });

  test("WAF JSON and HTML → 503 with Retry-After", async () => {
    for (const prompt of ["fixture:waf", "fixture:waf-html", "fixture:waf-html chunk:4"]) {
      const err = await failWith({ prompt });
      expect(err.status).toBe(503);
      expect(err.code).toBe("upstream_waf_blocked");
      expect(Number(err.headers?.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  test("a plain-string in-stream error, a truncated stream and a thinking-only stream are 502s", async () => {
    for (const prompt of ["fixture:error-string", "fixture:truncated", "fixture:thinking-only"]) {
      const err = await failWith({ prompt });
      expect({ prompt, status: err.status }).toEqual({ prompt, status: 502 });
    }
  });
});

describe("choosing the upstream", () => {
  test("with both upstreams: bare names go to DEFAULT_UPSTREAM, cn/ and intl/ prefixes and tongyi- ids are explicit", async () => {
    const cn = startFakeCnUpstream();
    const intl = startFakeIntlUpstream();
    const env = { QWEN_CN_BASE_URL: cn.url, CN_ACCOUNT_1_COOKIE: COOKIE_1 };
    const intlFirst = startIntlGateway(intl, env);
    const cnFirst = startIntlGateway(intl, { ...env, DEFAULT_UPSTREAM: "cn" });
    // Only completion calls count: the previous request's session delete runs in the background.
    const completions = () => [cn.calls.filter((c) => c.path === "/dialog/conversation").length, completionCalls(intl).length];
    const served = async (gw: Gateway, model: string) => {
      const [cnBefore = 0, intlBefore = 0] = completions();
      const response = await rawPost(gw.url, { model, messages: [{ role: "user", content: "fixture:plain" }] });
      expect(response.status).toBe(200);
      const [cnAfter = 0, intlAfter = 0] = completions();
      return cnAfter > cnBefore ? "cn" : intlAfter > intlBefore ? "intl" : "none";
    };
    try {
      expect(await served(intlFirst, "qwen-max")).toBe("intl");
      expect(await served(intlFirst, "cn/qwen-max")).toBe("cn");
      expect(await served(intlFirst, "tongyi-qwen3-max-model")).toBe("cn");
      expect(await served(cnFirst, "qwen-max")).toBe("cn");
      expect(await served(cnFirst, "intl/qwen3.7-plus")).toBe("intl");
      const ids = (await intlFirst.client.models.list()).data.map((m) => m.id);
      expect(ids).toContain("qwen3.8-max");
      expect(ids).toContain("cn/tongyi-qwen3-max-model");
      expect(ids).toContain("cn/qwen-max");
      const health = (await (await fetch(`${intlFirst.url}/health`)).json()) as { accounts: Record<string, number> };
      expect(health.accounts).toEqual({ cn: 1, intl: 1 });
    } finally {
      await intlFirst.stop();
      await cnFirst.stop();
      await cn.stop();
      await intl.stop();
    }
  });

  test("a prefix naming an upstream without accounts gets a 503 that says what to set, without calling it", async () => {
    const cn = startFakeCnUpstream();
    const intl = startFakeIntlUpstream();
    const gw = startGateway(cn, { QWEN_INTL_BASE_URL: intl.url });
    try {
      const response = await rawPost(gw.url, { model: "intl/qwen-max", messages: [{ role: "user", content: "x" }] });
      expect(response.status).toBe(503);
      // The credentials qwenplug renews by itself, not the 15-minute token (issue 23).
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain("INTL_ACCOUNT_1_REFRESH_TOKEN with INTL_ACCOUNT_1_EMAIL and INTL_ACCOUNT_1_PASSWORD");
      expect(intl.calls).toEqual([]);
    } finally {
      await gw.stop();
      await cn.stop();
      await intl.stop();
    }
  });

  test("with no account at all, /v1/models lists the aliases and asks no upstream", async () => {
    const intl = startFakeIntlUpstream();
    const gw = launchGateway({ QWEN_INTL_BASE_URL: intl.url });
    try {
      const ids = (await gw.client.models.list()).data.map((m) => m.id);
      expect(ids).toContain("qwen-max");
      expect(intl.calls).toEqual([]);
    } finally {
      await gw.stop();
      await intl.stop();
    }
  });
});

// ── Tool calls ──────────────────────────────────────────────────────────────

const WEATHER_TOOL: NeutralTool = {
  name: "get_weather",
  description: "Current weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city"] },
};
const TOOLING: Tooling = { tools: [WEATHER_TOOL], choice: { type: "auto" }, parallel: true };

/** Feeds `pieces` through a parser; returns all text joined and the calls without their ids. */
function parsePieces(pieces: readonly string[], tooling: Tooling = TOOLING) {
  const parser = createToolCallParser(tooling);
  const out = [...pieces.flatMap((piece) => parser.feed(piece)), ...parser.end()];
  let text = "";
  const calls: Array<{ index: number; name: string; args: unknown }> = [];
  const ids: string[] = [];
  for (const event of out) {
    if (event.type === "text") text += event.text;
    else {
      calls.push({ index: event.call.index, name: event.call.name, args: JSON.parse(event.call.argumentsJson) });
      ids.push(event.call.id);
    }
  }
  return { text, calls, ids, isFinished: parser.isFinished };
}

const REPLIES: Record<string, { reply: string; text: string; calls: Array<{ index: number; name: string; args: unknown }> }> = {
  single: {
    reply: '我来查一下。\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
    text: "我来查一下。\n",
    calls: [{ index: 0, name: "get_weather", args: { city: "Paris" } }],
  },
  parallel: {
    reply: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Tokyo 😀"}}\n</tool_call>\n',
    text: "",
    calls: [
      { index: 0, name: "get_weather", args: { city: "Paris" } },
      { index: 1, name: "get_weather", args: { city: "Tokyo 😀" } },
    ],
  },
  malformed: {
    reply: "Trying.\n<tool_call>\nget_weather(city=Paris)\n</tool_call>",
    text: "Trying.\nget_weather(city=Paris)",
    calls: [],
  },
  "not a tag": {
    reply: "a < b, <tool_response> and <tool_cal are not calls <",
    text: "a < b, <tool_response> and <tool_cal are not calls <",
    calls: [],
  },
  "invented result": {
    reply: '<tool_call>\n{"name": "get_weather", "arguments": {}}\n</tool_call>\n<tool_response>\n{"temp": 99}\n</tool_response>\nIt is 99.',
    text: "",
    calls: [{ index: 0, name: "get_weather", args: {} }],
  },
  "repairable": {
    reply: '<tool_call>\n```json\n{"name": "get_weather", "arguments": {"city": "Pa\nris", "days": 3,},}\n```\n</tool_call>',
    text: "",
    calls: [{ index: 0, name: "get_weather", args: { city: "Pa\nris", days: 3 } }],
  },
};

describe("tool-call parser", () => {
  test("gives the same text and calls whole, split at every position, and one character at a time", () => {
    for (const [name, { reply, text, calls }] of Object.entries(REPLIES)) {
      const expected = { name, text, calls };
      expect({ name, ...pick(parsePieces([reply])) }).toEqual(expected);
      for (let i = 0; i <= reply.length; i++) {
        expect({ name, ...pick(parsePieces([reply.slice(0, i), reply.slice(i)])) }).toEqual(expected);
      }
      expect({ name, ...pick(parsePieces([...reply])) }).toEqual(expected);
    }
  });

  test("no tag text ever comes out as text, at any split", () => {
    for (const { reply } of Object.values(REPLIES)) {
      for (let i = 0; i <= reply.length; i++) {
        const { text } = parsePieces([reply.slice(0, i), reply.slice(i)]);
        expect(text).not.toContain("<tool_call>");
        expect(text).not.toContain("</tool_call>");
      }
    }
  });

  test("calls get unique ids; text after a call ends the reply; parallel off keeps only the first call", () => {
    const parallel = parsePieces([REPLIES.parallel?.reply as string]);
    expect(parallel.ids[0]).toMatch(/^call_[0-9a-f]{24}$/);
    expect(new Set(parallel.ids).size).toBe(2);
    expect(parsePieces([REPLIES["invented result"]?.reply as string]).isFinished).toBe(true);
    const single = parsePieces([REPLIES.parallel?.reply as string], { ...TOOLING, parallel: false });
    expect(single.calls.map((c) => c.args)).toEqual([{ city: "Paris" }]);
    expect(single.isFinished).toBe(true);
  });

  test("a block the reply never closed is a call only if it parses as it is", () => {
    expect(pick(parsePieces(['Checking.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}']))).toEqual({
      text: "Checking.\n",
      calls: [{ index: 0, name: "get_weather", args: { city: "Paris" } }],
    });
    expect(pick(parsePieces(['<tool_call>\n{"name": "get_weather", "arguments": {"city": "Par']))).toEqual({
      text: '{"name": "get_weather", "arguments": {"city": "Par',
      calls: [],
    });
  });

  test("reads arrays of calls, arguments sent as a JSON string, and Qwen3-Coder's XML form typed by the schema", () => {
    expect(parseToolCallBlock('[{"name":"a","arguments":{"x":1}},{"name":"b","parameters":{"y":2}}]', [], true)).toEqual([
      { name: "a", arguments: { x: 1 } },
      { name: "b", arguments: { y: 2 } },
    ]);
    expect(parseToolCallBlock('{"name":"a","arguments":"{\\"x\\": 1}"}', [], true)).toEqual([{ name: "a", arguments: { x: 1 } }]);
    const xml = "\n<function=get_weather>\n<parameter=city>\n1984\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n";
    expect(parseToolCallBlock(xml, [WEATHER_TOOL], true)).toEqual([{ name: "get_weather", arguments: { city: "1984", days: 3 } }]);
    expect(parseToolCallBlock('{"arguments":{}}', [], true)).toBeUndefined();
    expect(parseToolCallBlock('{"name":"a","arguments":[1]}', [], true)).toBeUndefined();
  });

  test("repairJson fixes the obvious and leaves the rest for JSON.parse to refuse", () => {
    expect(JSON.parse(repairJson('{"a": "x\ny\tz", "b": [1, 2,],}'))).toEqual({ a: "x\ny\tz", b: [1, 2] });
    expect(JSON.parse(repairJson('Sure: {"a": {"b": "c'))).toEqual({ a: { b: "c" } });
    expect(JSON.parse(repairJson('{"a": 1}} and more'))).toEqual({ a: 1 });
    expect(() => JSON.parse(repairJson("{a: 1}"))).toThrow();
    expect(repairJson('{"a": [1}')).toBe('{"a": [1}');
  });

  test("limitOutputTokens cuts text at the estimated budget and ends with length", async () => {
    async function* source(): AsyncGenerator<NeutralEvent> {
      yield { type: "reasoning", text: "思考" };
      yield { type: "text", text: "abcdefgh你好ijkl" };
      yield { type: "done", reason: "stop" };
    }
    const out: NeutralEvent[] = [];
    for await (const event of limitOutputTokens(source(), 5)) out.push(event);
    expect(out).toEqual([
      { type: "reasoning", text: "思考" },
      { type: "text", text: "abcdefgh你" },
      { type: "done", reason: "length" },
    ]);
  });
});

/** Only text and calls, for comparing parses. */
function pick(result: { text: string; calls: unknown[] }) {
  return { text: result.text, calls: result.calls };
}

describe("flattening with tools", () => {
  const conversation = [
    { role: "system" as const, content: "Be brief." },
    { role: "user" as const, content: "Weather in Paris?" },
  ];

  test("the tools go into the system block in Qwen's format, with the tool_choice rule", () => {
    const { prompt } = flattenMessages(conversation, 100_000, TOOLING);
    expect(prompt).toStartWith("<system>\nBe brief.\n\n# Tools\n\nYou may call one or more functions");
    expect(prompt).toContain(`<tools>\n${JSON.stringify({ type: "function", function: WEATHER_TOOL })}\n</tools>`);
    expect(prompt).toContain('<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>');
    expect(prompt).toContain("Call a function only when it helps");
    expect(prompt).toEndWith("</system>\n\nHuman: Weather in Paris?\n\nAssistant:");
    const rule = (tooling: Partial<Tooling>) => flattenMessages(conversation, 100_000, { ...TOOLING, ...tooling }).prompt;
    expect(rule({ choice: { type: "required" } })).toContain("You must call at least one function in this reply.");
    expect(rule({ choice: { type: "function", name: "get_weather" } })).toContain('You must call the function "get_weather" in this reply.');
    expect(rule({ parallel: false })).toContain("Call at most one function per reply.");
    const none = rule({ choice: { type: "none" } });
    expect(none).toContain("Do not call any function in this reply");
    expect(none).not.toContain("<tools>");
    expect(flattenMessages([{ role: "user", content: "hi" }], 100_000, TOOLING).prompt).toStartWith("<system>\n# Tools");
    expect(flattenMessages([{ role: "user", content: "hi" }], 100_000, NO_TOOLS).prompt).toBe("hi");
  });

  test("the budget drops the oldest turns, never the tool definitions, the last user turn or the final turn", () => {
    const bigTools: Tooling = {
      ...TOOLING,
      tools: Array.from({ length: 40 }, (_, i) => ({ name: `tool_${i}`, description: "d".repeat(1000), parameters: { type: "object" } })),
    };
    const turns = [
      { role: "user" as const, text: "old question ".repeat(300) },
      { role: "assistant" as const, text: "old answer ".repeat(300), calls: [] },
      { role: "user" as const, text: "THE TASK" },
      ...Array.from({ length: 30 }, (_, i) => [
        { role: "assistant" as const, text: "", calls: [{ name: "tool_1", arguments: { step: i } }] },
        { role: "tool" as const, text: `result ${i} `.repeat(100), label: "tool_1" },
      ]).flat(),
    ];
    const toolsOnly = flattenTurns([{ role: "user", text: "x" }], bigTools, 1_000_000).prompt.length;
    const { prompt, droppedTurns } = flattenTurns(turns, bigTools, toolsOnly + 12_000);
    expect(prompt.length).toBeLessThanOrEqual(toolsOnly + 12_000);
    for (let i = 0; i < 40; i++) expect(prompt).toContain(`"name":"tool_${i}"`);
    expect(prompt).toContain("[2 earlier turns omitted to fit the prompt budget]\n\nHuman: THE TASK\n\n[");
    expect(prompt).toContain(`result 29 result 29`);
    expect(prompt).toEndWith("</tool_response>\n\nAssistant:");
    expect(droppedTurns).toBeGreaterThan(2);
    try {
      flattenTurns(turns, bigTools, toolsOnly - 100);
      throw new Error("should have thrown");
    } catch (err) {
      expect((err as HttpError).code).toBe("context_length_exceeded");
    }
  });
});

type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
const OPENAI_TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather in a city",
      parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } }, required: ["city"], additionalProperties: false },
    },
  },
  {
    type: "function",
    function: { name: "get_time", parameters: { type: "object", properties: { timezone: { type: "string" } }, required: ["timezone"], additionalProperties: false } },
  },
];

/** A CN upstream reply whose text arrives as the given incremental pieces. */
function cnPieces(pieces: readonly string[]): Response {
  const events = pieces.map(
    (content, i) =>
      `data: ${JSON.stringify({ sessionId: "5e551011", msgStatus: i === pieces.length - 1 ? "finished" : "generating", incremental: true, contents: [{ role: "assistant", contentType: "text", content }] })}\n\n`,
  );
  return new Response(events.join(""), { headers: { "content-type": "text/event-stream" } });
}

const lastPrompt = (fake: FakeCnUpstream) => {
  const call = [...fake.calls].reverse().find((c) => c.path === "/dialog/conversation");
  return String((call?.body as { contents: Array<{ content: string }> }).contents[0]?.content);
};

describe("OpenAI tool calling over the CN upstream", () => {
  let fake: FakeCnUpstream, gw: Gateway;
  useGateway(() => ({ gw: (gw = startGateway((fake = startFakeCnUpstream()))), fake }));
  const ask = (prompt: string, extra: Partial<ChatParams> = {}): ChatParams => ({
    model: "qwen-max",
    messages: [{ role: "user", content: prompt }],
    tools: OPENAI_TOOLS,
    ...extra,
  });

  test("one call, not streamed: tool_calls, finish_reason tool_calls, the text before it as content", async () => {
    const completion = await gw.client.chat.completions.create(ask("fixture:tool-call"));
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBe("我来查一下巴黎的天气。\n");
    const calls = choice?.message.tool_calls ?? [];
    expect(calls.length).toBe(1);
    const call = calls[0] as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(call.type).toBe("function");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris", unit: "celsius" });
  });

  test("one call, streamed: finalChatCompletion() accepts the fragments, strict arguments parse", async () => {
    for (const prompt of ["fixture:tool-call", "fixture:tool-call chunk:1"]) {
      const strictTools = OPENAI_TOOLS.map((t) => (t.type === "function" ? { ...t, function: { ...t.function, strict: true } } : t));
      const stream = gw.client.chat.completions.stream({ ...ask(prompt), tools: strictTools, stream: true });
      const final = await stream.finalChatCompletion();
      const choice = final.choices[0];
      expect(choice?.finish_reason).toBe("tool_calls");
      expect(choice?.message.content).toBe("我来查一下巴黎的天气。\n");
      const call = choice?.message.tool_calls?.[0] as OpenAI.Chat.Completions.ParsedFunctionToolCall;
      expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
      expect(call.function.name).toBe("get_weather");
      expect(call.function.parsed_arguments).toEqual({ city: "Paris", unit: "celsius" });
    }
  });

  test("parallel calls get indexes 0 and 1 and distinct ids, streamed and not", async () => {
    const expected = [
      { name: "get_weather", args: { city: "Paris" } },
      { name: "get_time", args: { timezone: "Asia/Tokyo" } },
    ];
    const summary = (calls: OpenAI.Chat.Completions.ChatCompletionMessageToolCall[] | undefined) =>
      (calls ?? []).map((c) => (c.type === "function" ? { name: c.function.name, args: JSON.parse(c.function.arguments) } : {}));
    const whole = await gw.client.chat.completions.create(ask("fixture:tool-calls-parallel"));
    expect(summary(whole.choices[0]?.message.tool_calls)).toEqual(expected);
    expect(whole.choices[0]?.message.content).toBeNull();
    const final = await gw.client.chat.completions.stream({ ...ask("fixture:tool-calls-parallel"), stream: true }).finalChatCompletion();
    expect(summary(final.choices[0]?.message.tool_calls)).toEqual(expected);
    const ids = (final.choices[0]?.message.tool_calls ?? []).map((c) => c.id);
    expect(new Set(ids).size).toBe(2);
  });

  test("the wire: the first fragment of each call carries index, id, type and name; no markup in any content", async () => {
    const response = await rawPost(gw.url, { ...ask("fixture:tool-calls-parallel"), stream: true });
    const text = await response.text();
    expect(text).not.toContain("<tool_call>");
    const deltas = text
      .split("\n\n")
      .filter((e) => e.startsWith("data: {"))
      .map((e) => JSON.parse(e.slice(6)).choices[0]?.delta);
    const fragments = deltas.flatMap((d) => d?.tool_calls ?? []);
    expect(fragments).toEqual([
      { index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 0, function: { arguments: '{"city":"Paris"}' } },
      { index: 1, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_time", arguments: "" } },
      { index: 1, function: { arguments: '{"timezone":"Asia/Tokyo"}' } },
    ]);
    expect(text).toContain('"finish_reason":"tool_calls"');
    expect(text).toEndWith("data: [DONE]\n\n");
  });

  test("a malformed block comes back as text with finish_reason stop, streamed and not", async () => {
    const whole = await gw.client.chat.completions.create(ask("fixture:tool-call-malformed"));
    expect(whole.choices[0]?.finish_reason).toBe("stop");
    expect(whole.choices[0]?.message.content).toBe("Let me try.\nget_weather(city=Paris)");
    expect(whole.choices[0]?.message.tool_calls).toBeUndefined();
    const final = await gw.client.chat.completions.stream({ ...ask("fixture:tool-call-malformed"), stream: true }).finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("Let me try.\nget_weather(city=Paris)");
    expect(final.choices[0]?.finish_reason).toBe("stop");
  });

  test("obviously broken JSON is repaired; an unclosed block that parses is a call; an invented tool response is cut off", async () => {
    const writeFile: OpenAI.Chat.Completions.ChatCompletionTool = {
      type: "function",
      function: { name: "write_file", parameters: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } } } },
    };
    const repaired = await gw.client.chat.completions.create(ask("fixture:tool-call-repair", { tools: [...OPENAI_TOOLS, writeFile] }));
    const call = repaired.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ path: "a.py", content: "print(1)\nprint(2)" });
    const unclosed = await gw.client.chat.completions.stream({ ...ask("fixture:tool-call-unclosed"), stream: true }).finalChatCompletion();
    expect(unclosed.choices[0]?.message.content).toBe("Checking.\n");
    expect(unclosed.choices[0]?.message.tool_calls?.length).toBe(1);
    const invented = await gw.client.chat.completions.create(ask("fixture:tool-call-invented-result"));
    expect(invented.choices[0]?.message.content).toBeNull();
    expect(invented.choices[0]?.finish_reason).toBe("tool_calls");
    expect(JSON.stringify(invented)).not.toContain("tool_response");
    expect(JSON.stringify(invented)).not.toContain("99 degrees");
  });

  test("text after a call ends the reply at once and cancels the upstream, which may go on forever", async () => {
    let isCancelled = false;
    const encoder = new TextEncoder();
    let n = 0;
    fake.respond = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            const content = n++ === 0 ? '<tool_call>\n{"name": "get_time", "arguments": {"timezone": "UTC"}}\n</tool_call>\n' : "<tool_response>made up</tool_response> ";
            if (n > 1) await Bun.sleep(20);
            controller.enqueue(encoder.encode(`data: ${JSON.stringify({ sessionId: "endless", msgStatus: "generating", incremental: true, contents: [{ role: "assistant", contentType: "text", content }] })}\n\n`));
          },
          cancel() {
            isCancelled = true;
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    try {
      const final = await gw.client.chat.completions.stream({ ...ask("x"), stream: true }).finalChatCompletion();
      expect(final.choices[0]?.finish_reason).toBe("tool_calls");
      expect(final.choices[0]?.message.tool_calls?.length).toBe(1);
      await waitFor(() => isCancelled);
    } finally {
      fake.respond = undefined;
    }
  });

  test("a text-only reply with tools offered is an ordinary answer", async () => {
    const whole = await gw.client.chat.completions.create(ask("fixture:plain"));
    expect(whole.choices[0]?.message.content).toBe("你好！我是通义千问，有什么可以帮你？");
    expect(whole.choices[0]?.finish_reason).toBe("stop");
    const streamed = await gw.client.chat.completions.stream({ ...ask("fixture:plain"), stream: true }).finalChatCompletion();
    expect(streamed.choices[0]?.message.content).toBe("你好！我是通义千问，有什么可以帮你？");
    expect(streamed.choices[0]?.message.tool_calls).toBeUndefined();
  });

  test("without tools the reply is not touched, even when it contains <tool_call> text", async () => {
    const completion = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:tool-call" }] });
    expect(completion.choices[0]?.message.content).toBe('我来查一下巴黎的天气。\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}\n</tool_call>');
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  test("a reply split into one-character upstream events still gives the exact calls", async () => {
    const reply = '好的。<tool_call>\n{"name": "get_weather", "arguments": {"city": "巴黎 😀"}}\n</tool_call>\n<tool_call>{"name": "get_time", "arguments": {"timezone": "UTC"}}</tool_call>';
    fake.respond = () => cnPieces([...[...reply], ""]);
    try {
      const final = await gw.client.chat.completions.stream({ ...ask("x"), stream: true }).finalChatCompletion();
      expect(final.choices[0]?.message.content).toBe("好的。");
      expect((final.choices[0]?.message.tool_calls ?? []).map((c) => (c.type === "function" ? [c.function.name, c.function.arguments] : []))).toEqual([
        ["get_weather", '{"city":"巴黎 😀"}'],
        ["get_time", '{"timezone":"UTC"}'],
      ]);
    } finally {
      fake.respond = undefined;
    }
  });

  test("tool-result round trip: the model sees the tools, its call and the result, then answers", async () => {
    const first = await gw.client.chat.completions.create(ask("fixture:tool-call"));
    const message = first.choices[0]?.message as OpenAI.Chat.Completions.ChatCompletionMessage;
    const call = message.tool_calls?.[0] as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    const second = await gw.client.chat.completions.create(
      ask("fixture:tool-call", {
        messages: [
          { role: "user", content: "Weather in Paris? fixture:tool-reply-text" },
          message,
          { role: "tool", tool_call_id: call.id, content: '{"temp": 18, "sky": "clear"}' },
        ],
      }),
    );
    expect(second.choices[0]?.message.content).toBe("巴黎现在18°C，晴。");
    expect(second.choices[0]?.finish_reason).toBe("stop");
    const prompt = lastPrompt(fake);
    expect(prompt).toContain('"name":"get_weather"');
    expect(prompt).toContain(
      [
        "Human: Weather in Paris? fixture:tool-reply-text",
        'Assistant: 我来查一下巴黎的天气。\n<tool_call>\n{"name":"get_weather","arguments":{"city":"Paris","unit":"celsius"}}\n</tool_call>',
        `Tool result (${call.id}):\n<tool_response>\n{"temp": 18, "sky": "clear"}\n</tool_response>`,
        "Assistant:",
      ].join("\n\n"),
    );
  });

  test("tool_choice: required and named are told to the model; a name not in tools and non-function tools are 400s", async () => {
    await gw.client.chat.completions.create(ask("fixture:tool-call", { tool_choice: "required" }));
    expect(lastPrompt(fake)).toContain("You must call at least one function in this reply.");
    await gw.client.chat.completions.create(ask("fixture:tool-call", { tool_choice: { type: "function", function: { name: "get_time" } }, parallel_tool_calls: false }));
    expect(lastPrompt(fake)).toContain('You must call the function "get_time" in this reply. Call at most one function per reply.');
    const unknown = await rawPost(gw.url, { ...ask("x"), tool_choice: { type: "function", function: { name: "nope" } } });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { param: string } }).error.param).toBe("tool_choice");
    const custom = await rawPost(gw.url, { ...ask("x"), tools: [{ type: "custom", custom: { name: "c" } }] });
    expect(custom.status).toBe(400);
    expect(((await custom.json()) as { error: { code: string } }).error.code).toBe("unsupported_value");
  });

  test("a large agent prompt stays within PROMPT_MAX_CHARS with every tool definition and the last user turn", async () => {
    const local = startGateway(fake, { PROMPT_MAX_CHARS: "60000" });
    try {
      const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = Array.from({ length: 30 }, (_, i) => ({
        type: "function",
        function: { name: `tool_${i}`, description: `Does thing ${i}. ${"Details. ".repeat(100)}`, parameters: { type: "object", properties: { arg: { type: "string" } } } },
      }));
      const history: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = Array.from({ length: 40 }, (_, i) => [
        { role: "assistant" as const, content: null, tool_calls: [{ id: `c${i}`, type: "function" as const, function: { name: "tool_1", arguments: `{"arg":"${i}"}` } }] },
        { role: "tool" as const, tool_call_id: `c${i}`, content: `output ${i} `.repeat(120) },
      ]).flat();
      const completion = await local.client.chat.completions.create({
        model: "qwen-max",
        tools,
        messages: [{ role: "system", content: "You are an agent." }, { role: "user", content: "fixture:plain THE TASK" }, ...history],
      });
      expect(completion.choices[0]?.message.content).toBe("你好！我是通义千问，有什么可以帮你？");
      const prompt = lastPrompt(fake);
      expect(prompt.length).toBeLessThanOrEqual(60_000);
      for (let i = 0; i < 30; i++) expect(prompt).toContain(`"name":"tool_${i}"`);
      expect(prompt).toContain("Human: fixture:plain THE TASK\n\n[");
      expect(prompt).toContain("output 39 output 39");
      expect(prompt).not.toContain("output 0 output 0");
      const tooBig = await rawPost(local.url, { model: "qwen-max", tools: [...tools, ...tools, ...tools], messages: [{ role: "user", content: "hi" }] });
      expect(tooBig.status).toBe(400);
      expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe("context_length_exceeded");
    } finally {
      await local.stop();
    }
  });
});

describe("OpenAI tool calling over the INTL upstream", () => {
  test("a streamed call with the upstream's usage", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const stream = gw.client.chat.completions.stream({
        model: "qwen-max",
        messages: [{ role: "user", content: "fixture:tool-call chunk:5" }],
        tools: OPENAI_TOOLS,
        stream: true,
        stream_options: { include_usage: true },
      });
      const final = await stream.finalChatCompletion();
      expect(final.choices[0]?.message.content).toBe("I'll look that up.\n");
      const call = final.choices[0]?.message.tool_calls?.[0];
      expect(call?.type === "function" && [call.function.name, call.function.arguments]).toEqual(["get_weather", '{"city":"Paris"}']);
      expect(final.choices[0]?.finish_reason).toBe("tool_calls");
      expect(final.usage?.prompt_tokens).toBe(2100);
    });
  });
});

// ── Anthropic Messages API ──────────────────────────────────────────────────

const ANTHROPIC_TOOLS: Anthropic.Messages.Tool[] = [
  {
    name: "get_weather",
    description: "Current weather in a city",
    input_schema: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } }, required: ["city"] },
  },
  { name: "get_time", input_schema: { type: "object", properties: { timezone: { type: "string" } } } },
];

/** The SSE events of a raw Anthropic stream as [event name, parsed data]. */
async function anthropicEvents(response: Response): Promise<Array<[string, Record<string, unknown>]>> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((e) => e !== "")
    .map((e) => {
      const [nameLine, dataLine] = e.split("\n");
      return [String(nameLine).replace(/^event: /, ""), JSON.parse(String(dataLine).replace(/^data: /, ""))];
    });
}

describe("Anthropic Messages API over the CN upstream", () => {
  let fake: FakeCnUpstream;
  let gw: Gateway;
  let anthropic: Anthropic;
  useGateway(() => {
    fake = startFakeCnUpstream();
    gw = startGateway(fake);
    anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0 });
    return { gw, fake };
  });
  const postMessages = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "x-api-key": MASTER_KEY, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  test("a text reply: content, end_turn, usage, the client's model name; claude-* names get a stand-in", async () => {
    const before = fake.calls.length;
    const message = await anthropic.messages.create({ model: "claude-sonnet-4-6", max_tokens: 1024, messages: [{ role: "user", content: "fixture:plain" }] });
    expect(message.type).toBe("message");
    expect(message.role).toBe("assistant");
    expect(message.id).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(message.model).toBe("claude-sonnet-4-6");
    expect(message.content as unknown).toEqual([{ type: "text", text: "你好！我是通义千问，有什么可以帮你？" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBe(estimateTokens("你好！我是通义千问，有什么可以帮你？"));
    expect(message.usage.input_tokens).toBe(estimateTokens("fixture:plain"));
    const call = fake.calls.slice(before).find((c) => c.path === "/dialog/conversation");
    expect((call?.body as { params: { specifiedModel: string } }).params.specifiedModel).toBe("tongyi-qwen3-coder");
    await anthropic.messages.create({ model: "claude-3-5-haiku-20241022", max_tokens: 100, messages: [{ role: "user", content: "fixture:plain" }] });
    const haiku = [...fake.calls].reverse().find((c) => c.path === "/dialog/conversation");
    expect((haiku?.body as { params: { specifiedModel: string } }).params.specifiedModel).toBe("tongyi-qwen3.5-flash");
  });

  test("auth by x-api-key or Bearer; a wrong key is an authentication_error in Anthropic's shape", async () => {
    const bearer = new Anthropic({ authToken: MASTER_KEY, apiKey: null, baseURL: gw.url, maxRetries: 0 });
    const viaBearer = await bearer.messages.create({ model: "qwen-max", max_tokens: 100, messages: [{ role: "user", content: "fixture:plain" }] });
    expect(viaBearer.content[0]?.type).toBe("text");
    const wrong = new Anthropic({ apiKey: "sk-wrong", baseURL: gw.url, maxRetries: 0 });
    const denied = await wrong.messages.create({ model: "qwen-max", max_tokens: 100, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError);
    const raw = await postMessages({ model: "qwen-max", max_tokens: 10, messages: [{ role: "user", content: "x" }] }, { "x-api-key": "sk-wrong" });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ type: "error", error: { type: "authentication_error", message: "Incorrect API key provided." } });
  });

  test("tool_use, not streamed: text, then tool_use blocks with id, name and input; stop_reason tool_use", async () => {
    const message = await anthropic.messages.create({ model: "qwen-max", max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: [{ role: "user", content: "fixture:tool-call" }] });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content[0] as unknown).toEqual({ type: "text", text: "我来查一下巴黎的天气。\n" });
    const use = message.content[1] as Anthropic.Messages.ToolUseBlock;
    expect(use.type).toBe("tool_use");
    expect(use.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(use.name).toBe("get_weather");
    expect(use.input).toEqual({ city: "Paris", unit: "celsius" });
    const parallel = await anthropic.messages.create({ model: "qwen-max", max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: [{ role: "user", content: "fixture:tool-calls-parallel" }] });
    expect(parallel.content.map((b) => (b.type === "tool_use" ? [b.name, b.input] : b.type))).toEqual([
      ["get_weather", { city: "Paris" }],
      ["get_time", { timezone: "Asia/Tokyo" }],
    ]);
  });

  test("tool_use, streamed: finalMessage() rebuilds the blocks, and the wire has the exact event sequence", async () => {
    for (const prompt of ["fixture:tool-call", "fixture:tool-call chunk:1"]) {
      const final = await anthropic.messages.stream({ model: "qwen-max", max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: [{ role: "user", content: prompt }] }).finalMessage();
      expect(final.stop_reason).toBe("tool_use");
      expect(final.content.map((b) => (b.type === "text" ? b.text : b.type === "tool_use" ? [b.name, b.input] : b.type))).toEqual([
        "我来查一下巴黎的天气。\n",
        ["get_weather", { city: "Paris", unit: "celsius" }],
      ]);
    }
    const events = await anthropicEvents(await postMessages({ model: "qwen-max", max_tokens: 1024, stream: true, tools: ANTHROPIC_TOOLS, messages: [{ role: "user", content: "fixture:tool-calls-parallel" }] }));
    for (const [name, data] of events) expect(data.type).toBe(name);
    expect(events.map(([name]) => name)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[2]?.[1]).toEqual({ type: "content_block_start", index: 0, content_block: { type: "tool_use", id: expect.stringMatching(/^call_/), name: "get_weather", input: {} } });
    expect(events[3]?.[1]).toEqual({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"city":"Paris"}' } });
    expect(events[5]?.[1]).toMatchObject({ index: 1, content_block: { name: "get_time" } });
    expect(events[8]?.[1]).toMatchObject({ delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: expect.any(Number) } });
  });

  test("streamed text and thinking: thinking_delta then text_delta blocks; no markup for a text-only reply with tools", async () => {
    const stream = anthropic.messages.stream({ model: "qwen-max", max_tokens: 1024, thinking: { type: "enabled", budget_tokens: 512 }, messages: [{ role: "user", content: "fixture:think" }] });
    const deltas: string[] = [];
    stream.on("streamEvent", (event) => {
      if (event.type === "content_block_delta") deltas.push(event.delta.type);
    });
    const final = await stream.finalMessage();
    expect(final.content as unknown).toEqual([
      { type: "thinking", thinking: "用户问的是1+1，答案是2。", signature: "" },
      { type: "text", text: "1+1=2" },
    ]);
    expect(new Set(deltas)).toEqual(new Set(["thinking_delta", "text_delta"]));
    const conversation = [...fake.calls].reverse().find((c) => c.path === "/dialog/conversation");
    expect((conversation?.body as { params: { deepThink: boolean } }).params.deepThink).toBe(true);
    const plain = await anthropic.messages.stream({ model: "qwen-max", max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: [{ role: "user", content: "fixture:plain" }] }).finalMessage();
    expect(plain.content as unknown).toEqual([{ type: "text", text: "你好！我是通义千问，有什么可以帮你？" }]);
    expect(plain.stop_reason).toBe("end_turn");
  });

  test("tool_result round trip: system blocks, the tool_use and its result reach the model; tool_choice rules", async () => {
    const first = await anthropic.messages.create({ model: "qwen-max", max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: [{ role: "user", content: "fixture:tool-call" }] });
    const use = first.content.find((b) => b.type === "tool_use") as Anthropic.Messages.ToolUseBlock;
    const second = await anthropic.messages.create({
      model: "qwen-max",
      max_tokens: 1024,
      system: [{ type: "text", text: "You are a weather bot." }, { type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      tools: ANTHROPIC_TOOLS,
      tool_choice: { type: "auto" },
      messages: [
        { role: "user", content: "Weather? fixture:tool-reply-text" },
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: use.id, content: [{ type: "text", text: '{"temp": 18}' }] },
            { type: "text", text: "Answer in Chinese." },
          ],
        },
      ],
    });
    expect(second.content as unknown).toEqual([{ type: "text", text: "巴黎现在18°C，晴。" }]);
    const prompt = lastPrompt(fake);
    expect(prompt).toStartWith("<system>\nYou are a weather bot.\n\nBe brief.\n\n# Tools");
    expect(prompt).toContain(
      [
        "Human: Weather? fixture:tool-reply-text",
        'Assistant: 我来查一下巴黎的天气。\n<tool_call>\n{"name":"get_weather","arguments":{"city":"Paris","unit":"celsius"}}\n</tool_call>',
        'Tool result (get_weather):\n<tool_response>\n{"temp": 18}\n</tool_response>',
        "Human: Answer in Chinese.",
        "Assistant:",
      ].join("\n\n"),
    );
    await anthropic.messages.create({ model: "qwen-max", max_tokens: 10, tools: ANTHROPIC_TOOLS, tool_choice: { type: "tool", name: "get_time", disable_parallel_tool_use: true }, messages: [{ role: "user", content: "fixture:plain" }] });
    expect(lastPrompt(fake)).toContain('You must call the function "get_time" in this reply. Call at most one function per reply.');
    await anthropic.messages.create({ model: "qwen-max", max_tokens: 10, tools: ANTHROPIC_TOOLS, tool_choice: { type: "any" }, messages: [{ role: "user", content: "fixture:plain" }] });
    expect(lastPrompt(fake)).toContain("You must call at least one function in this reply.");
  });

  test("the request shape Claude Code 2.1 sends: ?beta=true, system messages inside messages, adaptive thinking, extra fields", async () => {
    const response = await fetch(`${gw.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27",
      },
      body: JSON.stringify({
        model: "claude-opus-5-5",
        max_tokens: 32000,
        stream: true,
        thinking: { type: "adaptive", display: "omitted" },
        context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
        output_config: { effort: "high" },
        metadata: { user_id: "{}" },
        system: [{ type: "text", text: "You are a Claude agent.", cache_control: { type: "ephemeral" } }],
        tools: [
          { ...ANTHROPIC_TOOLS[0], cache_control: { type: "ephemeral" } },
          { name: "DeferredToolPlaceholder", description: "never call this tool", input_schema: { type: "object", properties: {} }, defer_loading: true },
        ],
        messages: [
          { role: "user", content: [{ type: "text", text: "<system-reminder>\nrules\n</system-reminder>\n" }, { type: "text", text: "fixture:tool-call" }] },
          { role: "system", content: [{ type: "text", text: "# Environment\n - Primary working directory: /tmp/w" }] },
        ],
      }),
    });
    expect(response.status).toBe(200);
    const events = await anthropicEvents(response);
    expect(events[events.length - 2]?.[1]).toMatchObject({ delta: { stop_reason: "tool_use" } });
    const prompt = lastPrompt(fake);
    expect(prompt).toStartWith("<system>\nYou are a Claude agent.\n\n# Environment\n - Primary working directory: /tmp/w\n\n# Tools");
    expect(prompt).toContain("Human: <system-reminder>\nrules\n</system-reminder>\n\nfixture:tool-call\n\nAssistant:");
    const conversation = [...fake.calls].reverse().find((c) => c.path === "/dialog/conversation");
    expect((conversation?.body as { params: { deepThink: boolean } }).params.deepThink).toBe(false);
  });

  test("max_tokens is enforced on estimated tokens: the reply is cut with stop_reason max_tokens, streamed and not", async () => {
    const whole = await anthropic.messages.create({ model: "qwen-max", max_tokens: 3, messages: [{ role: "user", content: "fixture:plain" }] });
    expect(whole.stop_reason).toBe("max_tokens");
    expect(whole.content as unknown).toEqual([{ type: "text", text: "你好！" }]);
    const streamed = await anthropic.messages.stream({ model: "qwen-max", max_tokens: 3, messages: [{ role: "user", content: "fixture:plain" }] }).finalMessage();
    expect(streamed.stop_reason).toBe("max_tokens");
    expect(streamed.content as unknown).toEqual([{ type: "text", text: "你好！" }]);
  });

  test("count_tokens gives an estimate of the whole flattened request", async () => {
    const counted = await anthropic.messages.countTokens({ model: "claude-sonnet-4-6", system: "Be brief.", tools: ANTHROPIC_TOOLS, messages: [{ role: "user", content: "hello there" }] });
    const expected = estimateTokens(flattenTurns([{ role: "system", text: "Be brief." }, { role: "user", text: "hello there" }], { ...TOOLING, tools: ANTHROPIC_TOOLS.map((t) => ({ name: t.name, description: t.description, parameters: t.input_schema })) }, 1e9).prompt);
    expect(counted.input_tokens).toBe(expected);
  });

  test("request errors are Anthropic-shaped: missing max_tokens, unknown model, image blocks, bad tool_choice", async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ model: "qwen-max", messages: [{ role: "user", content: "x" }] }, 400, "invalid_request_error"],
      [{ model: "no-such-model", max_tokens: 10, messages: [{ role: "user", content: "x" }] }, 404, "not_found_error"],
      [{ model: "qwen-max", max_tokens: 10, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AA==" } }] }] }, 400, "invalid_request_error"],
      [{ model: "qwen-max", max_tokens: 10, tools: ANTHROPIC_TOOLS, tool_choice: { type: "tool", name: "nope" }, messages: [{ role: "user", content: "x" }] }, 400, "invalid_request_error"],
      [{ model: "qwen-max", max_tokens: 10, tools: [{ type: "bash_20250124", name: "bash" }], messages: [{ role: "user", content: "x" }] }, 400, "invalid_request_error"],
    ];
    for (const [body, status, type] of cases) {
      const response = await postMessages(body);
      const json = (await response.json()) as { type: string; error: { type: string; message: string } };
      expect({ body, status: response.status, type: json.type, errorType: json.error.type }).toEqual({ body, status, type: "error", errorType: type });
      expect(json.error.message).not.toMatch(/ZodError|at .*\.ts:\d+/);
    }
    const sdkError = await anthropic.messages.create({ model: "no-such-model", max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(sdkError).toBeInstanceOf(Anthropic.NotFoundError);
  });

  test("upstream failures: a status before the stream starts, an error event after it", async () => {
    const local = startGateway(fake);
    const client = new Anthropic({ apiKey: MASTER_KEY, baseURL: local.url, maxRetries: 0 });
    try {
      const early = await client.messages.create({ model: "qwen-max", max_tokens: 10, messages: [{ role: "user", content: "fixture:server-error" }] }).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(Anthropic.InternalServerError);
      expect((early as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
      expect((early as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "api_error" } });
      const stream = client.messages.stream({ model: "qwen-max", max_tokens: 100, messages: [{ role: "user", content: "fixture:truncated" }] });
      let text = "";
      stream.on("text", (delta) => (text += delta));
      const late = await stream.finalMessage().catch((e: unknown) => e);
      expect(text).toBe("一半的回答");
      expect(late).toBeInstanceOf(Anthropic.APIError);
      expect(String((late as Error).message)).toContain("ended before the reply finished");
      const wire = await (await fetch(`${local.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": MASTER_KEY, "content-type": "application/json" },
        body: JSON.stringify({ model: "qwen-max", max_tokens: 100, stream: true, messages: [{ role: "user", content: "fixture:truncated" }] }),
      })).text();
      expect(wire).toContain('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The Qwen CN stream ended');
      const expired = startGateway(fake, { CN_ACCOUNT_1_COOKIE: `${COOKIE_1}; fixture:not-login` });
      try {
        const response = await fetch(`${expired.url}/v1/messages`, {
          method: "POST",
          headers: { "x-api-key": MASTER_KEY, "content-type": "application/json" },
          body: JSON.stringify({ model: "qwen-max", max_tokens: 100, messages: [{ role: "user", content: "x" }] }),
        });
        expect(response.status).toBe(503);
        expect(response.headers.get("x-should-retry")).toBe("false");
        expect(((await response.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type: "overloaded_error", message: expect.stringContaining("CN_ACCOUNT_1_COOKIE") });
      } finally {
        await expired.stop();
      }
    } finally {
      await local.stop();
    }
  });

  test("a silent upstream gets ping events, and web_search as a server tool turns on Qwen's search", async () => {
    const local = startGateway(fake, { HEARTBEAT_MS: "500" });
    try {
      const response = await fetch(`${local.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": MASTER_KEY, "content-type": "application/json" },
        body: JSON.stringify({ model: "qwen-max", max_tokens: 100, stream: true, messages: [{ role: "user", content: "fixture:plain silence:1600" }] }),
      });
      const names = (await anthropicEvents(response)).map(([name]) => name);
      expect(names.filter((n) => n === "ping").length).toBeGreaterThanOrEqual(3);
      expect(names[names.length - 1]).toBe("message_stop");
    } finally {
      await local.stop();
    }
    const before = fake.calls.length;
    await anthropic.messages.create({
      model: "qwen-max",
      max_tokens: 100,
      tools: [{ type: "web_search_20250305", name: "web_search" }],
      messages: [{ role: "user", content: "fixture:plain" }],
    });
    const call = fake.calls.slice(before).find((c) => c.path === "/dialog/conversation");
    expect((call?.body as { params: { searchType: string } }).params.searchType).toBe("depth");
    expect(lastPrompt(fake)).toBe("fixture:plain");
  });
});

describe("Anthropic Messages API over the INTL upstream", () => {
  test("a streamed tool_use with the upstream's usage", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0 });
      const final = await anthropic.messages.stream({ model: "qwen-max", max_tokens: 1024, tools: ANTHROPIC_TOOLS, messages: [{ role: "user", content: "fixture:tool-call chunk:3" }] }).finalMessage();
      expect(final.content.map((b) => (b.type === "text" ? b.text : b.type === "tool_use" ? [b.name, b.input] : b.type))).toEqual(["I'll look that up.\n", ["get_weather", { city: "Paris" }]]);
      expect(final.stop_reason).toBe("tool_use");
      expect(final.usage.input_tokens).toBe(2100);
    });
  });
});

// ── Account pool, failover and shutdown ─────────────────────────────────────

/** Streams and collects one reply through a fresh OpenAI client, or returns the error it ends with. */
async function replyOrError(client: OpenAI, model: string, prompt: string, stream: boolean): Promise<{ content?: string; error?: ApiError }> {
  try {
    if (!stream) {
      const completion = await client.chat.completions.create({ model, messages: [{ role: "user", content: prompt }] });
      return { content: completion.choices[0]?.message.content ?? "" };
    }
    const s = await client.chat.completions.create({ model, messages: [{ role: "user", content: prompt }], stream: true });
    let content = "";
    for await (const chunk of s) content += chunk.choices[0]?.delta.content ?? "";
    return { content };
  } catch (err) {
    if (err instanceof OpenAI.APIError) return { error: err };
    throw err;
  }
}

/**
 * A loopback HTTP proxy that relays each request (absolute-form, as Bun's
 * fetch sends them) and records its path: a second network route for the
 * tests. Its credentials are a secret qwenplug must never print.
 */
function startRelayProxy(user = "relayuser", password = "relay-SECRET-pass", record: (req: Request) => string = (req) => new URL(req.url).pathname) {
  const relayed: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch: async (req) => {
      relayed.push(record(req));
      return fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: "manual" });
    },
  });
  return { url: `http://${user}:${password}@127.0.0.1:${server.port}`, host: `127.0.0.1:${server.port}`, relayed, stop: () => server.stop(true) };
}

describe("failover", () => {
  const PLAIN_CN = "你好！我是通义千问，有什么可以帮你？";

  for (const stream of [false, true]) {
    const mode = stream ? "streamed" : "non-streamed";

    test(`CN: each failure class on account 1 moves to account 2 with the exact reply, ${mode}`, async () => {
      const fake = startFakeCnUpstream();
      try {
        // A CN stream commits at its first character, so failures after text
        // ("truncated", "finished-error") can move on only when not streamed.
        const afterText = stream ? [] : ["truncated", "finished-error"];
        // An anti-bot challenge rests the route both accounts share: see "anti-bot challenges rest the route".
        for (const fixture of ["not-login", "not-login-json", "rate-limited", "server-error", "empty", "login-page", ...afterText]) {
          const gw = startGateway(fake, { CN_ACCOUNT_1_COOKIE: `${COOKIE_1}; fixture:${fixture}`, CN_ACCOUNT_2_COOKIE: COOKIE_2 });
          try {
            const result = await replyOrError(gw.client, "qwen-max", "fixture:plain", stream);
            expect({ fixture, content: result.content, error: result.error?.message }).toEqual({ fixture, content: PLAIN_CN, error: undefined });
          } finally {
            await gw.stop();
          }
        }
      } finally {
        await fake.stop();
      }
    });

    test(`INTL: each failure class on account 1 moves to account 2 with the exact reply, ${mode}`, async () => {
      const fake = startFakeIntlUpstream();
      try {
        // fixture:waf rests the route both accounts share: see "anti-bot challenges rest the route".
        for (const cookie of ["newchat:rate-limited", "fixture:rate-limited-stream", "fixture:quota-after-text", "fixture:unauthorized", "fixture:error-string", "fixture:truncated", "fixture:thinking-only"]) {
          const gw = startIntlGateway(fake, { INTL_ACCOUNT_1_COOKIE: `a=1; ${cookie}`, INTL_ACCOUNT_2_TOKEN: "second-intl-token-0123456789" });
          try {
            const result = await replyOrError(gw.client, "qwen-max", "fixture:plain", stream);
            expect({ cookie, content: result.content, error: result.error?.message }).toEqual({ cookie, content: "Hi!", error: undefined });
          } finally {
            await gw.stop();
          }
        }
      } finally {
        await fake.stop();
      }
    });
  }

  test("a CN stream commits at its first character: a later failure is an in-stream error, not a second reply", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_1_COOKIE: `${COOKIE_1}; fixture:truncated`, CN_ACCOUNT_2_COOKIE: `${COOKIE_2}; fixture:truncated` }), async (fake, gw) => {
      const result = await replyOrError(gw.client, "qwen-max", "x", true);
      expect(result.error?.message).toContain("ended before the reply finished");
      expect(fake.calls.filter((c) => c.path === "/dialog/conversation").length).toBe(1);
    });
  });

  test("quota after the first characters: the client gets the other account's exact reply, nothing twice", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake, { INTL_ACCOUNT_1_COOKIE: "a=1; fixture:quota-after-text", INTL_ACCOUNT_2_TOKEN: "second-intl-token-0123456789" }), async (fake, gw) => {
      for (const chunkSize of ["", " chunk:1"]) {
        // Account 1 is least loaded again only after a success elsewhere; start from a fresh pool state each round.
        const { chunks, content } = await collectStream(gw.client, `fixture:tricky${chunkSize}`);
        expect(content).toBe(TRICKY_TEXT);
        expect(chunks.filter((c) => c.choices[0]?.delta.role === "assistant").length).toBe(1);
      }
      const status = (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as {
        upstreams: { intl: { accounts: Array<{ number: number; state: string; failures: Record<string, number>; successes: number }> } };
      };
      const [one, two] = status.upstreams.intl.accounts;
      expect(one).toMatchObject({ number: 1, state: "cooling", failures: { quota: 1 } });
      expect(two).toMatchObject({ number: 2, state: "healthy", successes: 2 });
    });
  });

  test("with every account logged out: one clear 503 naming each variable, and no retries against them", async () => {
    const fake = startFakeCnUpstream();
    const gw = startGateway(fake, {
      LOG_LEVEL: "debug",
      CN_ACCOUNT_1_COOKIE: `${COOKIE_1}; fixture:not-login`,
      CN_ACCOUNT_3_COOKIE: "tongyi_sso_ticket=ticket-three-SECRET-0000000000; fixture:not-login",
    });
    try {
      const first = await apiError(gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "x" }] }));
      expect(first.status).toBe(503);
      expect(first.message).toContain("CN_ACCOUNT_3_COOKIE");
      // The liveness calls confirm both are logged out.
      await waitFor(() => fake.calls.filter((c) => c.path === "/dialog/session/list").length >= 2);
      const conversationsBefore = fake.calls.filter((c) => c.path === "/dialog/conversation").length;
      await waitFor(() => gw.logs.filter((l) => l.includes("liveness check: dead")).length >= 2);
      const second = await apiError(gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "x" }] }));
      expect(second.status).toBe(503);
      expect(second.message).toContain("CN account 1 is logged out (refresh CN_ACCOUNT_1_COOKIE)");
      expect(second.message).toContain("CN account 3 is logged out (refresh CN_ACCOUNT_3_COOKIE)");
      expect(second.headers?.get("x-should-retry")).toBe("false");
      expect(fake.calls.filter((c) => c.path === "/dialog/conversation").length).toBe(conversationsBefore);
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });

  test("accounts that are only cooling give a 503 with Retry-After when the first cooldown ends", async () => {
    // Account 2 goes out by its own proxy, so account 1's challenge (which rests the direct route) leaves it in service.
    const proxy = startRelayProxy();
    try {
      await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_1_COOKIE: `${COOKIE_1}; fixture:waf`, CN_ACCOUNT_2_COOKIE: `${COOKIE_2}; fixture:rate-limited`, CN_ACCOUNT_2_PROXY: proxy.url }), async (fake, gw) => {
        await apiError(gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "x" }] }));
        const err = await apiError(gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "x" }] }));
        expect(err.status).toBe(503);
        expect(err.code).toBe("no_upstream_account");
        expect(err.message).toMatch(/CN account 1 waits for its route \(direct\), which rests for \d+ s after an anti-bot challenge; CN account 2 is resting for \d+ s after rate/);
        const retryAfter = Number(err.headers?.get("retry-after"));
        expect(retryAfter).toBeGreaterThan(50);
        expect(retryAfter).toBeLessThanOrEqual(60);
      });
    } finally {
      await proxy.stop();
    }
  });

  test("a blip is not a death sentence, and an account fixed upstream comes back without a restart", async () => {
    const fake = startFakeCnUpstream();
    const gw = startGateway(fake, { CN_ACCOUNT_2_COOKIE: COOKIE_2, ACCOUNT_REPROBE_MS: "200", LOG_LEVEL: "debug" });
    const stateOf = async (n: number) => {
      const status = (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as {
        upstreams: { cn: { accounts: Array<{ number: number; state: string }> } };
      };
      return status.upstreams.cn.accounts.find((a) => a.number === n)?.state;
    };
    try {
      fake.deadAccounts.add("ticket-one");
      for (let i = 0; i < 2; i++) expect((await collectStream(gw.client, "fixture:plain")).content).toBe(PLAIN_CN);
      await waitFor(() => gw.logs.some((l) => l.includes("CN account 1 liveness check: dead; now invalid")));
      expect(await stateOf(1)).toBe("invalid");
      fake.deadAccounts.delete("ticket-one");
      // /status itself starts the due re-probe; poll until it has run.
      let state: string | undefined;
      await waitFor(() => {
        void stateOf(1).then((s) => (state = s));
        return state === "healthy";
      });
      const before = fake.calls.filter((c) => c.path === "/dialog/conversation" && c.headers.cookie?.includes("ticket-one")).length;
      await collectStream(gw.client, "fixture:plain");
      await collectStream(gw.client, "fixture:plain");
      expect(fake.calls.filter((c) => c.path === "/dialog/conversation" && c.headers.cookie?.includes("ticket-one")).length).toBeGreaterThan(before);
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });

  test("a busy account makes requests wait for a slot instead of failing", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { ACCOUNT_MAX_IN_FLIGHT: "1" }), async (fake, gw) => {
      const replies = await Promise.all([0, 1, 2].map(() => collectStream(gw.client, "fixture:plain gap:30 chunk:100")));
      for (const reply of replies) expect(reply.content).toBe(PLAIN_CN);
      const noQueue = startGateway(fake, { ACCOUNT_MAX_IN_FLIGHT: "1", ACCOUNT_QUEUE_TIMEOUT_MS: "0" });
      try {
        const results = await Promise.all([0, 1].map(() => replyOrError(noQueue.client, "qwen-max", "fixture:plain gap:30 chunk:100", false)));
        const busy = results.find((r) => r.error);
        expect(busy?.error?.status).toBe(503);
        expect(busy?.error?.message).toContain("busy");
        expect(results.filter((r) => r.content === PLAIN_CN).length).toBe(1);
      } finally {
        await noQueue.stop();
      }
    });
  });

  test("/status needs the key and shows accounts by number with counts and TTFT, never a secret", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_2_COOKIE: COOKIE_2 }), async (fake, gw) => {
      expect((await fetch(`${gw.url}/status`)).status).toBe(401);
      await collectStream(gw.client, "fixture:plain");
      const response = await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      const text = await response.text();
      for (const secret of ["SECRET", "xsrf-one", MASTER_KEY]) expect(text).not.toContain(secret);
      const status = JSON.parse(text) as { ttft_ms: { p50: number; samples: number }; upstreams: { cn: { accounts: Array<Record<string, unknown>> } } };
      expect(status.ttft_ms.samples).toBe(1);
      expect(status.upstreams.cn.accounts.map((a) => a.number)).toEqual([1, 2]);
      const used = status.upstreams.cn.accounts.find((a) => a.successes === 1);
      expect(used).toMatchObject({ state: "healthy", in_flight: 0, failures: {}, last_error_at: null });
      expect((used?.ttft_ms as { p50: number }).p50).toBeGreaterThanOrEqual(0);
    });
  });
});

describe("secrets", () => {
  test("at LOG_LEVEL=debug, through failures and failover, no log line or response holds a secret", async () => {
    const cn = startFakeCnUpstream();
    const intl = startFakeIntlUpstream();
    const gw = startIntlGateway(intl, {
      LOG_LEVEL: "debug",
      QWEN_CN_BASE_URL: cn.url,
      CN_ACCOUNT_1_COOKIE: `${COOKIE_1}; fixture:not-login`,
      CN_ACCOUNT_2_COOKIE: COOKIE_2,
      INTL_ACCOUNT_1_COOKIE: "ssxmod_itna=SECRET-itna-value-123456; fixture:unauthorized",
      INTL_ACCOUNT_2_TOKEN: "intl-two-SECRET-token-0123456789",
      INTL_ACCOUNT_2_HEADERS: '{"bx-ua":"bx-SECRET-value-0123456789"}',
    });
    // An upstream that quotes the credential back in its error message.
    cn.respond = (_body, headers) =>
      headers.get("cookie")?.includes("quote-me")
        ? new Response(JSON.stringify({ success: false, errorCode: "BAD", errorMsg: `bad ticket ${COOKIE_2.split("=")[1]}` }), { headers: { "content-type": "application/json" } })
        : undefined;
    const bodies: string[] = [];
    try {
      for (const model of ["qwen-max", "cn/qwen-max", "intl/no-such", "cn/tongyi-x"]) {
        for (const stream of [false, true]) {
          const response = await rawPost(gw.url, { model, stream, messages: [{ role: "user", content: "fixture:plain" }] });
          bodies.push(await response.text());
        }
      }
      const quoting = startGateway(cn, { LOG_LEVEL: "debug", CN_ACCOUNT_1_COOKIE: `${COOKIE_2}; quote-me` });
      try {
        const response = await rawPost(quoting.url, { model: "qwen-max", messages: [{ role: "user", content: "x" }] });
        const text = await response.text();
        expect(text).toContain("[redacted]");
        bodies.push(text, ...quoting.logs);
      } finally {
        await quoting.stop();
      }
      bodies.push(await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).text());
      await waitFor(() => gw.logs.some((l) => l.includes("liveness check")));
      const everything = [...bodies, ...gw.logs].join("\n");
      expect(gw.logs.length).toBeGreaterThan(8);
      for (const secret of ["SECRET", MASTER_KEY, INTL_TOKEN, "xsrf-one", "ticket-two"]) expect(everything).not.toContain(secret);
    } finally {
      await gw.stop();
      await cn.stop();
      await intl.stop();
    }
  });
});

/** A port the OS just handed out and that is free again. */
function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = probe.port as number;
  probe.stop(true);
  return port;
}

/**
 * qwenplug as `bun index.ts` in a child process on a free port, with the test key and no state file,
 * once its /health answers (killed if it never does): for signals, start-up, and loads one process
 * cannot drive against itself.
 */
async function spawnGateway(env: Record<string, string>, command: readonly string[] = ["index.ts"]): Promise<{ child: Bun.Subprocess<"ignore", "pipe", "ignore">; url: string; stop(): void }> {
  const port = freePort();
  const child = Bun.spawn([process.execPath, ...command], {
    cwd: import.meta.dir,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", API_MASTER_KEY: MASTER_KEY, STATE_PATH: "off", ...env },
    stdout: "pipe",
    stderr: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  let isUp = false;
  await waitFor(() => {
    void fetch(`${url}/health`).then((r) => r.ok && (isUp = true), () => {});
    return isUp;
  }, 10_000).catch((err) => {
    child.kill("SIGKILL");
    throw err;
  });
  return { child, url, stop: () => child.kill("SIGKILL") };
}

/** Runs `body` against `bun index.ts` as a child process on a fake CN upstream, once its /health answers; kills both after. */
async function withChildGateway(env: Record<string, string>, body: (child: Bun.Subprocess<"ignore", "pipe", "ignore">, url: string, fake: FakeCnUpstream) => Promise<void>) {
  const fake = startFakeCnUpstream();
  const { child, url } = await spawnGateway({ QWEN_CN_BASE_URL: fake.url, CN_PROTOCOL: "dialog", CN_ACCOUNT_1_COOKIE: COOKIE_1, ...env }).catch(async (err) => {
    await fake.stop();
    throw err;
  });
  try {
    await body(child, url, fake);
  } finally {
    child.kill("SIGKILL");
    await fake.stop();
  }
}

describe("graceful shutdown", () => {
  test(
    "SIGTERM: health says stopping, the open stream finishes, new connections are refused, the process exits 0",
    () =>
      withChildGateway({ SHUTDOWN_GRACE_MS: "10000" }, async (child, url) => {
        // About 1.5 s of reply: 10-byte pieces 10 ms apart.
        const response = await rawPost(url, { model: "qwen-max", stream: true, messages: [{ role: "user", content: "fixture:plain chunk:10 gap:10" }] });
        const body = response.text();
        child.kill("SIGTERM");
        // While the stream is open the server keeps listening: health says "stopping", new completions get a 503.
        let sawStopping = false;
        await waitFor(() => {
          void fetch(`${url}/health`).then(
            (r) => r.status === 503 && (sawStopping = true),
            () => {},
          );
          return sawStopping;
        });
        const refusedChat = await rawPost(url, { model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
        expect(refusedChat.status).toBe(503);
        expect(((await refusedChat.json()) as { error: { code: string } }).error.code).toBe("server_stopping");
        const wire = await body;
        expect(wire).toContain("有什么可以帮你？");
        expect(wire).toEndWith("data: [DONE]\n\n");
        expect(await child.exited).toBe(0);
        expect(await fetch(`${url}/health`).then(() => "answered", () => "refused")).toBe("refused");
        expect(await new Response(child.stdout).text()).toContain("SIGTERM received");
      }),
    { timeout: 30_000 },
  );

  test(
    "SIGTERM with a stream that never ends: the process still exits after SHUTDOWN_GRACE_MS, and deletes the open upstream session first",
    () =>
      withChildGateway({ SHUTDOWN_GRACE_MS: "500" }, async (child, url, fake) => {
        const response = await rawPost(url, { model: "qwen-max", stream: true, messages: [{ role: "user", content: "drip:100" }] });
        const reader = response.body?.getReader();
        await reader?.read();
        child.kill("SIGTERM");
        expect(await child.exited).toBe(0);
        await reader?.cancel().catch(() => {});
        await waitFor(() => fake.cancelledStreams > 0);
        // Cut short, but not left behind: the upstream session was deleted before the process exited.
        expect(fake.deletedSessions).toContain("drip0000000000000000000000000000");
      }),
    { timeout: 30_000 },
  );
});

/** One Anthropic message with a PNG image block (base64) and a text block, through the SDK. */
const anthropicImageMessage = (gw: Gateway, model: string, image: Uint8Array, text: string) =>
  new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0 }).messages.create({
    model,
    max_tokens: 100,
    messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: Buffer.from(image).toString("base64") } }, { type: "text", text }] }],
  });

// ── One clean-up path (issue 9): each proven defect, as a test ──────────────

/** Reads a raw response until `until` holds for the text so far, then cancels the body (the client goes away). */
async function readUntil(response: Response, until: (text: string) => boolean): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!until(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({ model: "qwen-max", messages: [{ role: "user", content }], ...extra });

/**
 * What a fake's body stream fails with to drop the connection: Bun.serve
 * (1.4.5) resets the socket for any stream error, and prints an Error's stack
 * to stderr, where it reads as a failing test; without a value it prints nothing.
 */
const CONNECTION_RESET = undefined;

/** A CN reply body that starts, then breaks off with a reset, or never ends. */
function brokenBody(status: number, kind: "reset" | "stall"): Response {
  let isStarted = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!isStarted) {
        isStarted = true;
        controller.enqueue(new TextEncoder().encode('{"success":false,"errorCo'));
        return;
      }
      // A reset: the fake drops the connection mid-body. A stall: it never sends again.
      if (kind === "reset") controller.error(CONNECTION_RESET);
      return new Promise<void>(() => {});
    },
  });
  return new Response(stream, { status, headers: { "content-type": "application/json" } });
}

/** A CN pool of two accounts, one slot each, both taken. */
async function twoBusyAccounts() {
  const accounts = [1, 2].map((number) => ({ upstream: "cn" as const, number }));
  const pool = createPool({ name: "cn", accounts, credentialVar: (n) => `CN_ACCOUNT_${n}_COOKIE`, probe: async () => "alive" }, { maxInFlight: 1, queueTimeoutMs: 20_000, reprobeMs: 60_000 });
  const signal = new Stop();
  const one = await pool.acquire(new Set(), signal);
  const two = await pool.acquire(new Set(), signal);
  if (one === undefined || two === undefined) throw new Error("the pool gave no slot");
  return { pool, signal, one, two };
}

describe("one clean-up path: the defects of issue 9", () => {
  test("#1 a client that leaves while the failover gate holds text after heartbeats frees its slot (INTL, two accounts)", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake, { INTL_ACCOUNT_2_TOKEN: `${INTL_TOKEN}-2`, HEARTBEAT_MS: "500" }), async (fake, gw) => {
      // Headers and heartbeats at 500 ms, the first text at 1,200 ms (held 300 ms by the gate), the client gone 150 ms later.
      const started = Date.now();
      const controller = new AbortController();
      const response = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(chatBody("fixture:plain chunk:1100 silence:1200 gap:60000", { stream: true })),
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      await Bun.sleep(Math.max(0, 1350 - (Date.now() - started)));
      controller.abort();
      await waitFor(() => gw.app.pools.intl.snapshot().every((a) => a.in_flight === 0));
      // Both accounts serve again: nothing says "busy".
      for (let i = 0; i < 3; i++) expect((await collectStream(gw.client, "fixture:plain")).content).toBe("Hi!");
    });
  });

  test("#2 a reset or stalled error body is a 502/504 that fails over, never a 500, and the pool counts a failure", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_2_COOKIE: COOKIE_2, UPSTREAM_CONNECT_TIMEOUT_MS: "800", HEARTBEAT_MS: "500" }), async (fake, gw) => {
      fake.respond = (_body, headers) => ((headers.get("cookie") ?? "").includes("ticket-one") ? brokenBody(500, "reset") : undefined);
      const whole = await gw.client.chat.completions.create(chatBody("fixture:plain") as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
      expect(whole.choices[0]?.message.content).toBe("你好！我是通义千问，有什么可以帮你？");
      const account1 = gw.app.pools.cn.snapshot().find((a) => a.number === 1);
      expect(account1?.failures.upstream).toBe(1);
      expect(account1?.successes).toBe(0);

      // One account whose error body stalls: past the first heartbeat, the client still gets an error event, not an empty 200.
      const single = startGateway(fake, { UPSTREAM_CONNECT_TIMEOUT_MS: "1500", HEARTBEAT_MS: "500" });
      try {
        fake.respond = () => brokenBody(503, "stall");
        const err = await apiError((async () => {
          const stream = await single.client.chat.completions.create({ ...chatBody("fixture:plain"), stream: true } as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
          for await (const _ of stream) {
            // drained
          }
        })());
        expect(err.message).toContain("UPSTREAM_CONNECT_TIMEOUT_MS");
        const raw = await rawPost(single.url, chatBody("fixture:plain", { stream: true }));
        const wire = await raw.text();
        expect(raw.status).toBe(200);
        expect(wire).toContain('"code":"upstream_timeout"');
      } finally {
        await single.stop();
      }
    });
  }, 20_000);

  test("#4 a freed slot wakes a waiter that may use it, not the oldest one that may not", async () => {
    const { pool, signal, one, two } = await twoBusyAccounts();
    expect([one?.account.number, two?.account.number]).toEqual([1, 2]);
    let gotA: number | undefined;
    let gotB: number | undefined;
    const waiterA = pool.acquire(new Set([2]), signal).then((s) => (gotA = s?.account.number));
    const waiterB = pool.acquire(new Set([1]), signal).then((s) => (gotB = s?.account.number));
    pool.release(two, { kind: "success" }, undefined);
    await waitFor(() => gotB === 2, 3000);
    expect(gotA).toBeUndefined();
    pool.release(one, { kind: "success" }, undefined);
    await waitFor(() => gotA === 1, 3000);
    await Promise.all([waiterA, waiterB]);
  });

  test("#4 a waiter whose request stops (the client left) gives up its place at once; the freed slot goes to the next", async () => {
    const { pool, signal, one, two } = await twoBusyAccounts();
    const leaving = new Stop();
    let left: unknown = "waiting";
    const leaver = pool.acquire(new Set(), leaving).then((s) => (left = s));
    let got: number | undefined;
    const stayer = pool.acquire(new Set(), signal).then((s) => (got = s?.account.number));
    leaving.abort(new Error("the client left"));
    // Both accounts are still busy: only the abort can end this wait before ACCOUNT_QUEUE_TIMEOUT_MS (20 s here).
    await leaver;
    expect(left).toBeUndefined();
    pool.release(one, { kind: "success" }, undefined);
    await waitFor(() => got === 1, 3000);
    await stayer;
    pool.release(two, { kind: "success" }, undefined);
  });

  test("#4 an ending cooldown wakes the waiters", async () => {
    const { pool, signal, one, two } = await twoBusyAccounts();
    pool.release(two, { kind: "failure", failure: { kind: "rate", message: "slow down", retryAfterSec: 1 } }, undefined);
    expect(pool.snapshot().find((a) => a.number === 2)?.state).toBe("cooling");
    let got: number | undefined;
    const waiter = pool.acquire(new Set(), signal).then((s) => (got = s?.account.number));
    // Account 1 stays busy: only the end of account 2's one-second rest can serve the waiter.
    await waitFor(() => got === 2, 5000);
    await waiter;
    pool.release(one, { kind: "success" }, undefined);
  });

  test("#4 an aborted attempt counts neither as a success nor as a failure; rests are finite", async () => {
    const accounts = [{ upstream: "intl" as const, number: 1 }];
    const pool = createPool({ name: "intl", accounts, credentialVar: (n) => `INTL_ACCOUNT_${n}_TOKEN`, probe: async () => "alive" }, { maxInFlight: 4, queueTimeoutMs: 0, reprobeMs: 60_000 });
    const signal = new Stop();
    const slot = await pool.acquire(new Set(), signal);
    pool.release(slot as NonNullable<typeof slot>, { kind: "aborted" }, undefined);
    expect(pool.snapshot()[0]).toMatchObject({ successes: 0, failures: {}, in_flight: 0, state: "healthy" });
    const again = await pool.acquire(new Set(), signal);
    pool.release(again as NonNullable<typeof again>, { kind: "failure", failure: { kind: "quota", message: "quota", retryAfterSec: 1e306 } }, undefined);
    const rest = pool.snapshot()[0]?.available_in_s ?? 0;
    expect(rest).toBeGreaterThan(0);
    expect(rest).toBeLessThanOrEqual(24 * 3600);
    expect(pool.unavailable().retryAfterSec).toBeLessThanOrEqual(24 * 3600);
  });

  test("adapters never throw: an exception inside complete() is an error event, and the slot comes back", async () => {
    const account = { upstream: "cn" as const, number: 1 };
    const adapter = {
      name: "cn" as const,
      accounts: [account],
      canFailAfterText: false,
      credentialVar: (n: number) => `CN_ACCOUNT_${n}_COOKIE`,
      prepare: (req: NeutralRequest) => ({ ...req, prompt: "hi" }),
      // An adapter that fails before its first event.
      async *complete(): AsyncGenerator<EventBatch> {
        throw new TypeError("boom");
      },
      liveModels: async () => undefined,
      resolveModel: (name: string) => name,
      aliasNames: () => [],
      probe: async () => "alive" as const,
    };
    const pool = createPool(adapter, { maxInFlight: 1, queueTimeoutMs: 0, reprobeMs: 60_000 });
    const req = { upstream: "cn" as const, clientModel: "m", upstreamModel: "m", thinking: false, search: false, turns: [], tooling: NO_TOOLS, stream: true, includeUsage: false, prompt: "hi" };
    const batches: EventBatch[] = [];
    for await (const batch of runWithFailover(req, { adapter, pool, maxAttempts: 1, holdbackChars: 16, holdbackMs: 300, debug: () => {} }, new Stop())) batches.push(batch);
    expect(batches.flat()).toEqual([{ type: "error", failure: { kind: "upstream", message: "The Qwen CN adapter failed unexpectedly (TypeError); try again." } }]);
    expect(pool.snapshot()[0]).toMatchObject({ in_flight: 0, failures: { upstream: 1 }, successes: 0 });
  });

  test("#5 /v1/messages ends at message_stop when max_tokens cuts text the holdback deadline released", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake, { INTL_ACCOUNT_2_TOKEN: `${INTL_TOKEN}-2`, FAILOVER_HOLDBACK_CHARS: "10000", FAILOVER_HOLDBACK_MS: "200" }), async (fake, gw) => {
      // "Hi" and "!" arrive in the first 1,100 bytes; the rest of the reply a minute later.
      const response = await fetch(`${gw.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": MASTER_KEY, "content-type": "application/json" },
        body: JSON.stringify({ model: "qwen-max", max_tokens: 1, stream: true, messages: [{ role: "user", content: "fixture:plain chunk:1100 gap:60000" }] }),
      });
      const events = await anthropicEvents(response);
      expect(events.map(([name]) => name).slice(-2)).toEqual(["message_delta", "message_stop"]);
      expect(events.find(([name]) => name === "message_delta")?.[1]).toMatchObject({ delta: { stop_reason: "max_tokens" } });
      await waitFor(() => fake.cancelledStreams === 1);
    });
  }, 10_000);

  test("#6 a client that stops reading is dropped after CLIENT_STALL_TIMEOUT_MS, not reported as a silent upstream", async () => {
    const fake = startFakeCnUpstream();
    const gw = startGateway(fake, { CLIENT_STALL_TIMEOUT_MS: "1000", UPSTREAM_IDLE_TIMEOUT_MS: "300", REPLY_MAX_CHARS: "100000000" });
    // An upstream that writes 64 KiB of new text per event, as fast as it may.
    const piece = "字".repeat(64 * 1024);
    fake.respond = () => {
      let text = "";
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            text += piece;
            controller.enqueue(new TextEncoder().encode(`data: ${JSON.stringify({ sessionId: "s1", msgStatus: "generating", incremental: true, contents: [{ role: "assistant", contentType: "text", content: piece }] })}\n\n`));
            if (text.length > 64 * 1024 * 1024) controller.close();
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    };
    const { connect } = await import("node:net");
    const socket = connect(Number(new URL(gw.url).port), "127.0.0.1");
    try {
      const body = JSON.stringify(chatBody("never read", { stream: true }));
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${MASTER_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      socket.pause();
      await waitFor(() => gw.logs.some((line) => line.includes("outcome=")), 20_000);
      expect(gw.logs.find((line) => line.includes("outcome="))).toContain("outcome=client_stalled");
      await waitFor(() => gw.app.pools.cn.snapshot()[0]?.in_flight === 0);
    } finally {
      socket.destroy();
      await gw.stop();
      await fake.stop();
    }
  }, 30_000);

  test("#7 only the exact Anthropic paths are served: /v1/messages/batches and /v1/messagesXYZ are 404", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (fake, gw) => {
      for (const path of ["/v1/messages/batches", "/v1/messagesXYZ", "/v1/chat/completionsX"]) {
        const response = await fetch(`${gw.url}${path}`, { method: "POST", headers: { "x-api-key": MASTER_KEY, "content-type": "application/json" }, body: JSON.stringify(chatBody("fixture:plain", { max_tokens: 10 })) });
        expect(response.status).toBe(404);
      }
      expect(fake.calls.filter((c) => c.path === "/dialog/conversation")).toHaveLength(0);
    });
  });

  test("#9 model names that are Object.prototype keys are unknown models (404), on both upstreams", async () => {
    const cn = startFakeCnUpstream();
    const intl = startFakeIntlUpstream();
    const gw = launchGateway({ QWEN_CN_BASE_URL: cn.url, CN_ACCOUNT_1_COOKIE: COOKIE_1, QWEN_INTL_BASE_URL: intl.url, INTL_ACCOUNT_1_TOKEN: INTL_TOKEN });
    try {
      for (const model of ["cn/constructor", "cn/__proto__", "cn/toString", "intl/constructor", "intl/__proto__", "intl/hasOwnProperty"]) {
        const err = await apiError(gw.client.chat.completions.create({ model, messages: [{ role: "user", content: "fixture:plain" }] }));
        expect({ model, status: err.status }).toEqual({ model, status: 404 });
      }
    } finally {
      await gw.stop();
      await cn.stop();
      await intl.stop();
    }
  });

  test("#10 a stream opens with its first event, before any heartbeat", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { HEARTBEAT_MS: "500" }), async (fake, gw) => {
      const anthropic = await fetch(`${gw.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": MASTER_KEY, "content-type": "application/json" },
        body: JSON.stringify({ model: "qwen-max", max_tokens: 100, stream: true, messages: [{ role: "user", content: "fixture:plain silence:1600" }] }),
      });
      const names = (await anthropicEvents(anthropic)).map(([name]) => name);
      expect(names[0]).toBe("message_start");
      expect(names.filter((n) => n === "ping").length).toBeGreaterThan(1);
      const openai = await (await rawPost(gw.url, chatBody("fixture:plain silence:1600", { stream: true }))).text();
      expect(openai.indexOf('"role":"assistant"')).toBeLessThan(openai.indexOf(": keep-alive"));
      expect(openai.indexOf(": keep-alive")).toBeGreaterThan(-1);
    });
  });

  test("#12 config: PORT digits only, no leading zeros in account numbers, no line break in QWEN_INTL_VERSION", () => {
    for (const [env, variable] of [
      [{ PORT: "0x1F90" }, "PORT"],
      [{ PORT: "1e3" }, "PORT"],
      [{ CN_ACCOUNT_01_COOKIE: COOKIE_1 }, "CN_ACCOUNT_01_COOKIE"],
      [{ INTL_ACCOUNT_007_TOKEN: INTL_TOKEN }, "INTL_ACCOUNT_007_TOKEN"],
      [{ QWEN_INTL_VERSION: "0.2.91\r\nx-evil: 1" }, "QWEN_INTL_VERSION"],
    ] as const) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(variable);
    }
    expect(loadConfig({ PORT: "8080" }).port).toBe(8080);
  });

  test("#12 a master key under 8 characters is redacted too", async () => {
    await withGateway(startFakeCnUpstream, (fake) => launchGateway({ QWEN_CN_BASE_URL: fake.url, CN_ACCOUNT_1_COOKIE: COOKIE_1, API_MASTER_KEY: "k3y-ab", LOG_LEVEL: "debug" }), async (fake, gw) => {
      const response = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer k3y-ab", "content-type": "application/json" }, body: JSON.stringify(chatBody("k3y-ab fixture:plain", { model: "qwen-max k3y-ab" })) });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("k3y-ab");
      expect(gw.logs.join("\n")).not.toContain("k3y-ab");
    });
  });

  test("a full pool answers 503 with Retry-After before any byte, streamed too, instead of a 200 with an in-stream error", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { ACCOUNT_MAX_IN_FLIGHT: "1", ACCOUNT_QUEUE_TIMEOUT_MS: "1500", HEARTBEAT_MS: "500" }), async (fake, gw) => {
      const busy = await rawPost(gw.url, chatBody("drip:100", { stream: true }));
      await waitFor(() => gw.app.pools.cn.snapshot()[0]?.in_flight === 1);
      const queued = await rawPost(gw.url, chatBody("fixture:plain", { stream: true }));
      expect(queued.status).toBe(503);
      expect(Number(queued.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await queued.json()) as { error: { code: string } }).error.code).toBe("no_upstream_account");
      await readUntil(busy, (text) => text.includes('"content":"2 "'));
    });
  });

  test("tool_choice none: a reply that writes a tool block anyway stays text", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (fake, gw) => {
      const completion = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:tool-call" }], tools: OPENAI_TOOLS, tool_choice: "none" });
      expect(completion.choices[0]?.finish_reason).toBe("stop");
      expect(completion.choices[0]?.message.tool_calls ?? []).toEqual([]);
      expect(completion.choices[0]?.message.content).toContain("<tool_call>");
    });
  });
});

// ── INTL in 2026: credentials with a lifecycle (issue 12) ───────────────────

/** qwenplug on the INTL fake with its auth host on `auth`; the account's credentials come from `env`. */
const startRenewingGateway = (fake: FakeIntlUpstream, auth: FakeAuthHost, env: Record<string, string | undefined>, store?: StateStore): Gateway =>
  launchGateway({ QWEN_INTL_BASE_URL: fake.url, QWEN_INTL_AUTH_BASE_URL: auth.url, LOG_LEVEL: "debug", ...env }, undefined, { store });

const ask = (gw: Gateway, prompt = "fixture:plain") => gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: prompt }] });

/** No log line holds an access token, refresh token, password or its hash. */
function expectNoCredentialInLogs(gw: Gateway, auth: FakeAuthHost, extra: string[] = []): void {
  const everything = gw.logs.join("\n");
  expect(auth.issued.length).toBeGreaterThan(0);
  for (const secret of [...auth.issued, ...extra]) expect(everything).not.toContain(secret);
  expect(everything).not.toContain("SECRET");
}

describe("INTL credentials: 15-minute tokens renewed by refresh token or sign-in", () => {
  const PASSWORD = "pass-SECRET-word-42";
  let auth: FakeAuthHost;
  let fake: FakeIntlUpstream;
  useGateway(() => {
    auth = startFakeAuthHost({ lifetimeSec: 2, email: "user@example.com", password: PASSWORD });
    fake = startFakeIntlUpstream({ validateToken: (token) => auth.isValid(token) });
    return { fake: { stop: async () => Promise.all([fake.stop(), auth.stop()]).then(() => undefined) } };
  });

  test(
    "a refresh token alone answers across several token lifetimes, refreshing once per lifetime with the rotated token",
    async () => {
      const firstRefreshToken = auth.issueRefreshToken();
      const gw = startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_REFRESH_TOKEN: firstRefreshToken });
      try {
        const start = Date.now();
        let requests = 0;
        while (Date.now() - start < 4500) {
          expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
          requests++;
        }
        const elapsed = Date.now() - start;
        // A token lives 2 s (1–2 s after rounding iat down) and is renewed 0.4 s early: at most one renewal per 0.6 s.
        expect(auth.refreshes).toBeGreaterThanOrEqual(3);
        expect(auth.refreshes).toBeLessThanOrEqual(Math.ceil(elapsed / 600) + 1);
        expect(requests).toBeGreaterThan(3 * auth.refreshes);
        expect(auth.reusedRefreshTokens).toBe(0);
        expect(fake.rejectedTokens).toBe(0);
        expect(auth.badHeaderRequests).toBe(0);
        // The fake refuses a spent refresh token, so reusing one would have failed the requests above.
        expect(await auth.tryRefresh(firstRefreshToken)).toBe(false);
        expectNoCredentialInLogs(gw, auth);
      } finally {
        await gw.stop();
      }
    },
    { timeout: 20_000 },
  );

  test(
    "a refresh-token-only account keeps working across a restart after its configured refresh token was spent (issue 19)",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "qwenplug-intl-"));
      const env = { INTL_ACCOUNT_1_REFRESH_TOKEN: auth.issueRefreshToken(), STATE_PATH: join(dir, "state.db") };
      // The fakes live for the whole block: count from here.
      const reused = auth.reusedRefreshTokens;
      const rejected = fake.rejectedTokens;
      try {
        for (const round of [1, 2]) {
          // Each round is a new process's worth of state: a SQLite store opened afresh on the same file.
          const store = await openStateStore(loadConfig({ API_MASTER_KEY: MASTER_KEY, ...env }), () => {});
          const gw = startRenewingGateway(fake, auth, env, store);
          try {
            const refreshes = auth.refreshes;
            expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
            // Round 1 spends the configured refresh token; round 2 must not present it again.
            if (round === 1) expect(auth.refreshes).toBe(refreshes + 1);
            await Bun.sleep(2100);
            expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
          } finally {
            await gw.stop();
            await store.close();
          }
        }
        expect(auth.reusedRefreshTokens).toBe(reused);
        expect(fake.rejectedTokens).toBe(rejected);
        // Nothing live in plain text on disk.
        const onDisk = readdirSync(dir).map((name) => readFileSync(join(dir, name)).toString("latin1")).join("\n");
        for (const secret of auth.issued) expect(onDisk).not.toContain(secret);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { timeout: 20_000 },
  );

  test(
    "two instances sharing one store and one account renew once per lifetime between them: every answer, no refused refresh (issue 19)",
    async () => {
      const store = createMemoryStore();
      const env = { INTL_ACCOUNT_1_REFRESH_TOKEN: auth.issueRefreshToken() };
      const reused = auth.reusedRefreshTokens;
      const rejected = fake.rejectedTokens;
      const refreshes = auth.refreshes;
      const a = startRenewingGateway(fake, auth, env, store);
      const b = startRenewingGateway(fake, auth, env, store);
      auth.refreshDelayMs = 100;
      try {
        const start = Date.now();
        let answered = 0;
        const worker = async (gw: Gateway) => {
          while (Date.now() - start < 4500) {
            expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
            answered++;
          }
        };
        await Promise.all([worker(a), worker(b), worker(a), worker(b)]);
        expect(answered).toBeGreaterThan(20);
        expect(auth.reusedRefreshTokens).toBe(reused);
        expect(fake.rejectedTokens).toBe(rejected);
        // One renewal per token lifetime for both: at most one per 0.6 s, as for one instance.
        expect(auth.refreshes - refreshes).toBeLessThanOrEqual(Math.ceil((Date.now() - start) / 600) + 1);
      } finally {
        auth.refreshDelayMs = 0;
        await a.stop();
        await b.stop();
      }
    },
    { timeout: 20_000 },
  );

  test(
    "concurrent requests at expiry wait for exactly one refresh",
    async () => {
      const gw = startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_REFRESH_TOKEN: auth.issueRefreshToken() });
      auth.refreshDelayMs = 200;
      const reusedBefore = auth.reusedRefreshTokens;
      try {
        const burst = async () => {
          const replies = await Promise.all(Array.from({ length: 8 }, () => ask(gw)));
          for (const reply of replies) expect(reply.choices[0]?.message.content).toBe("Hi!");
        };
        const before = auth.refreshes;
        await burst(); // no token yet: the first renewal
        expect(auth.refreshes - before).toBe(1);
        const token = auth.newestToken();
        await waitFor(() => !auth.isValid(token), 5000);
        await burst(); // the token has expired: one renewal for all eight
        expect(auth.refreshes - before).toBe(2);
        expect(fake.rejectedTokens).toBe(0);
        expect(auth.reusedRefreshTokens).toBe(reusedBefore);
      } finally {
        auth.refreshDelayMs = 0;
        await gw.stop();
      }
    },
    { timeout: 20_000 },
  );

  test("a token the upstream calls unauthorized is renewed at once and the request runs again on the same account", async () => {
    const stale = "eyJhbGciOiJIUzI1NiJ9.stale-SECRET-token-without-exp.sig";
    const gw = startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_TOKEN: stale, INTL_ACCOUNT_1_COOKIE: `a=1; refresh_token=${auth.issueRefreshToken()}` });
    try {
      const rejectedBefore = fake.rejectedTokens;
      const refreshesBefore = auth.refreshes;
      expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
      expect(fake.rejectedTokens - rejectedBefore).toBe(1);
      expect(auth.refreshes - refreshesBefore).toBe(1);
      expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
      expect(auth.refreshes - refreshesBefore).toBe(1);
      expectNoCredentialInLogs(gw, auth, [stale]);
    } finally {
      await gw.stop();
    }
  });

  test("e-mail and password sign in with the SHA-256 of the password; the refresh token from Set-Cookie renews later", async () => {
    const gw = startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_EMAIL: "user@example.com", INTL_ACCOUNT_1_PASSWORD: PASSWORD });
    try {
      const signInsBefore = auth.signIns;
      const refreshesBefore = auth.refreshes;
      expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
      expect(auth.signIns - signInsBefore).toBe(1);
      expect(auth.signInBodies[auth.signInBodies.length - 1]).toEqual({ email: "user@example.com", password: sha256Hex(PASSWORD) });
      const token = auth.newestToken();
      await waitFor(() => !auth.isValid(token), 5000);
      expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
      expect(auth.signIns - signInsBefore).toBe(1);
      expect(auth.refreshes - refreshesBefore).toBe(1);
      expectNoCredentialInLogs(gw, auth, [PASSWORD, sha256Hex(PASSWORD)]);
    } finally {
      await gw.stop();
    }
  });

  test("a wrong password is an account error naming the variables, without the password", async () => {
    const wrong = "wrong-SECRET-password";
    const gw = startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_EMAIL: "user@example.com", INTL_ACCOUNT_1_PASSWORD: wrong });
    try {
      const err = await apiError(ask(gw));
      expect(err.status).toBe(503);
      expect(err.code).toBe("upstream_account_expired");
      expect(err.message).toContain("INTL_ACCOUNT_1_PASSWORD");
      expect(err.message).not.toContain(wrong);
      expect(fake.calls.some((c) => c.path === "/api/v2/chats/new" && c.headers.cookie?.includes("wrong"))).toBe(false);
      const everything = gw.logs.join("\n");
      expect(everything).not.toContain(wrong);
      expect(everything).not.toContain(sha256Hex(wrong));
    } finally {
      await gw.stop();
    }
  });

  test("sign-in falls back from an unreachable auth host to the chat host's v2, then v1 route", async () => {
    const gw = launchGateway({ QWEN_INTL_BASE_URL: fake.url, QWEN_INTL_AUTH_BASE_URL: "http://127.0.0.1:9", INTL_ACCOUNT_1_EMAIL: "user@example.com", INTL_ACCOUNT_1_PASSWORD: PASSWORD });
    try {
      const before = fake.calls.length;
      const err = await apiError(ask(gw));
      expect(err.status).toBe(502);
      expect(fake.calls.slice(before).map((c) => c.path)).toEqual(["/api/v2/auths/signin", "/api/v1/auths/signin"]);
      expect(fake.calls.slice(before).every((c) => (c.body as { password?: string }).password === sha256Hex(PASSWORD))).toBe(true);
      expect(err.message).not.toContain(PASSWORD);
    } finally {
      await gw.stop();
    }
  });

  test("an unreachable auth host is an error event, not a crash", async () => {
    const gw = launchGateway({ QWEN_INTL_BASE_URL: fake.url, QWEN_INTL_AUTH_BASE_URL: "http://127.0.0.1:9", INTL_ACCOUNT_1_REFRESH_TOKEN: "rt-SECRET-unused-0123456789" });
    try {
      for (const stream of [false, true]) {
        const response = await rawPost(gw.url, { model: "qwen-max", stream, messages: [{ role: "user", content: "fixture:plain" }] });
        const text = await response.text();
        expect(text).toContain("token refresh");
        expect(text).not.toContain("SECRET");
      }
    } finally {
      await gw.stop();
    }
  });

  // The auth host by its codes (issue 18, UPSTREAMS-2026-12 I1).
  describe("the auth host by its codes (issue 18)", () => {
    afterEach(() => {
      auth.refreshAnswers.length = 0;
      auth.tokenInfix = "";
    });


    test("tokens that contain AwsC: the refresh answer is a success, and the rotated refresh token is the one used next time", async () => {
      auth.tokenInfix = "AwsC";
      const first = auth.issueRefreshToken();
      const gw = startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_REFRESH_TOKEN: first });
      try {
        const from = auth.presentedRefreshTokens.length;
        const reusedBefore = auth.reusedRefreshTokens;
        expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
        const token = auth.newestToken();
        expect(token).toContain("AwsC");
        await waitFor(() => !auth.isValid(token), 5000);
        expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
        const presented = auth.presentedRefreshTokens.slice(from);
        expect(presented[0]).toBe(first);
        expect(presented.length).toBeGreaterThanOrEqual(2);
        expect(presented[1]).toContain("AwsC");
        expect(new Set(presented).size).toBe(presented.length);
        expect(auth.reusedRefreshTokens).toBe(reusedBefore);
      } finally {
        await gw.stop();
      }
    });

    test(
      "two rate-limited refreshes cost seconds and keep the refresh token: the third refresh succeeds with the original one",
      async () => {
        const original = auth.issueRefreshToken();
        auth.refreshAnswers.push(AUTH_REFUSALS.rateLimited("1"), AUTH_REFUSALS.rateLimited("1"));
        const gw = startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_REFRESH_TOKEN: original });
        try {
          const from = auth.presentedRefreshTokens.length;
          const errors: ApiError[] = [];
          let content: string | null | undefined;
          const deadline = Date.now() + 15_000;
          while (content === undefined && Date.now() < deadline) {
            try {
              content = (await ask(gw)).choices[0]?.message.content;
            } catch (err) {
              if (!(err instanceof OpenAI.APIError)) throw err;
              errors.push(err);
              await Bun.sleep(100);
            }
          }
          expect(content).toBe("Hi!");
          expect(auth.presentedRefreshTokens.slice(from)).toEqual([original, original, original]);
          expect(errors.some((e) => e.status === 429 && e.code === "upstream_rate_limited" && e.message.includes("refresh token is kept"))).toBe(true);
          for (const err of errors) {
            expect(Number(err.headers?.get("retry-after"))).toBeLessThanOrEqual(5);
            expect(err.code).not.toBe("upstream_account_expired");
            expect(err.message).not.toContain("REFRESH_TOKEN");
          }
          expect(gw.app.pools.intl.snapshot()[0]?.state).not.toBe("invalid");
        } finally {
          await gw.stop();
        }
      },
      { timeout: 20_000 },
    );

    /** The error one request gets from a fresh gateway when the auth host answers its refresh with `refusal`. */
    const errorAfterRefusal = async (refusal: () => Response, refreshToken = auth.issueRefreshToken()) => {
      auth.refreshAnswers.push(refusal);
      const gw = startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_REFRESH_TOKEN: refreshToken });
      try {
        return await apiError(ask(gw));
      } finally {
        await gw.stop();
      }
    };

    test("a revoked or unauthorized refresh token is an account error naming INTL_ACCOUNT_1_REFRESH_TOKEN; with e-mail and password it signs in instead", async () => {
      for (const refusal of [AUTH_REFUSALS.revoked, AUTH_REFUSALS.unauthorized403]) {
        const err = await errorAfterRefusal(refusal);
        expect(err.status).toBe(503);
        expect(err.code).toBe("upstream_account_expired");
        expect(err.message).toContain("INTL_ACCOUNT_1_REFRESH_TOKEN");
      }
      auth.refreshAnswers.push(AUTH_REFUSALS.revoked);
      const gw = startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_REFRESH_TOKEN: auth.issueRefreshToken(), INTL_ACCOUNT_1_EMAIL: "user@example.com", INTL_ACCOUNT_1_PASSWORD: PASSWORD });
      try {
        const signInsBefore = auth.signIns;
        expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
        expect(auth.signIns - signInsBefore).toBe(1);
      } finally {
        await gw.stop();
      }
    });

    test("Bad_Request names the auth host's version header; an HTML answer asks for browser verification and spends nothing", async () => {
      const badRequest = await errorAfterRefusal(AUTH_REFUSALS.badRequest);
      expect(badRequest.status).toBe(502);
      expect(badRequest.message).toContain("version");
      expect(badRequest.message).toContain("INTL_AUTH_CLIENT_VERSION");
      const kept = auth.issueRefreshToken();
      const page = await errorAfterRefusal(AUTH_REFUSALS.htmlPage, kept);
      expect(page.status).toBe(503);
      expect(page.code).toBe("upstream_waf_blocked");
      expect(page.message).toContain("browser verification");
      expect(Number(page.headers?.get("retry-after"))).toBeGreaterThan(0);
      // Not spent: the auth host still takes it.
      expect(await auth.tryRefresh(kept)).toBe(true);
    });
  });
});

describe("INTL configuration for 2026 credentials", () => {
  test("any credential makes an account; cookie jars give refresh tokens; half a sign-in or a bare cookie is refused", () => {
    const config = loadConfig({
      INTL_ACCOUNT_1_TOKEN: "t-0123456789",
      INTL_ACCOUNT_2_REFRESH_TOKEN: "rt-0123456789",
      INTL_ACCOUNT_3_COOKIE: "a=1; refresh_token=rt-from-jar-0123456789",
      INTL_ACCOUNT_4_EMAIL: "u@example.com",
      INTL_ACCOUNT_4_PASSWORD: "pw-0123456789",
    });
    expect(config.intlAccounts.map((a) => a.number)).toEqual([1, 2, 3, 4]);
    expect(config.intlAccounts[2]?.refreshToken).toBe("rt-from-jar-0123456789");
    expect(config.intlAuthStyle).toBe("both");
    expect(config.intlAuthBaseUrl).toBe("https://auth.qwen.ai");
    expect(config.intlVersion).toBe("0.2.91");
    expect(config.secrets).toContain("pw-0123456789");
    expect(config.secrets).toContain(sha256Hex("pw-0123456789"));
    expect(() => loadConfig({ INTL_ACCOUNT_1_EMAIL: "u@example.com" })).toThrow(/INTL_ACCOUNT_1_PASSWORD is not/);
    expect(() => loadConfig({ INTL_ACCOUNT_2_COOKIE: "a=1" })).toThrow(/^INTL_ACCOUNT_2_COOKIE is set but no credential is: set INTL_ACCOUNT_2_REFRESH_TOKEN/);
    expect(() => loadConfig({ INTL_AUTH_STYLE: "header" })).toThrow(/^INTL_AUTH_STYLE must be one of cookie, bearer, both/);
    expect(() => loadConfig({ QWEN_INTL_VERSION: "0.2.91\r\nx: y" })).toThrow(/QWEN_INTL_VERSION contains a line break/);
  });

  test("INTL_AUTH_STYLE decides whether the token travels as cookie, Bearer header or both; bx-v only beside bx-ua", async () => {
    const fake = startFakeIntlUpstream();
    try {
      const seen: Record<string, { authorization?: string; cookie?: string; bxV?: string }> = {};
      for (const style of ["cookie", "bearer", "both"]) {
        const gw = startIntlGateway(fake, { INTL_AUTH_STYLE: style, INTL_ACCOUNT_1_HEADERS: style === "both" ? '{"bx-ua":"bx-ua-value-0123456789"}' : undefined });
        try {
          const before = fake.calls.length;
          expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
          const headers = completionCalls(fake, before)[0]?.headers ?? {};
          seen[style] = { authorization: headers.authorization, cookie: headers.cookie, bxV: headers["bx-v"] };
        } finally {
          await gw.stop();
        }
      }
      expect(seen).toEqual({
        cookie: { authorization: undefined, cookie: `token=${INTL_TOKEN}; ssxmod_itna=abc123`, bxV: undefined },
        bearer: { authorization: `Bearer ${INTL_TOKEN}`, cookie: "ssxmod_itna=abc123", bxV: undefined },
        both: { authorization: `Bearer ${INTL_TOKEN}`, cookie: `token=${INTL_TOKEN}; ssxmod_itna=abc123`, bxV: "2.5.37" },
      });
    } finally {
      await fake.stop();
    }
  });
});

describe("INTL streams and errors in 2026", () => {
  let fake: FakeIntlUpstream;
  let gw: Gateway;
  useGateway(() => {
    fake = startFakeIntlUpstream();
    return { gw: (gw = startIntlGateway(fake)), fake };
  });

  test("two interleaved candidates (§2.7) give exactly one answer, streamed and not, at any chunking", async () => {
    for (const prompt of ["fixture:two-candidates", "fixture:two-candidates chunk:7"]) {
      const streamed = await collectStream(gw.client, prompt, "qwen3.7-plus");
      expect(streamed.content).toBe("巴黎是法国的首都。");
      expect(streamed.finish).toBe("stop");
      expect(streamed.chunks[streamed.chunks.length - 1]?.usage).toMatchObject({ completion_tokens: 7 });
      const completion = await gw.client.chat.completions.create({ model: "qwen3.7-plus", messages: [{ role: "user", content: prompt }] });
      expect(completion.choices[0]?.message.content).toBe("巴黎是法国的首都。");
    }
  });

  test("the other candidate's thinking is dropped too: the first candidate with content is followed", async () => {
    const streamed = await collectStream(gw.client, "fixture:two-candidates-thinking", "qwen3.7-plus-thinking");
    expect(streamed.reasoning).toBe("用户问法国首都。是巴黎。");
    expect(streamed.content).toBe("法国的首都是巴黎。");
  });

  test("the third search shape (phase search / image_search, extra.search_result) gives sources", async () => {
    const completion = await gw.client.chat.completions.create({ model: "qwen3.8-max-search", messages: [{ role: "user", content: "fixture:search-result" }] });
    expect(completion.choices[0]?.message.content).toBe("Paris.\n\nSources:\n1. [Paris - Wikipedia](https://en.wikipedia.org/wiki/Paris)\n2. [Eiffel Tower](https://example.com/eiffel.jpg)");
  });

  test("each 2026 error code maps to its kind; RateLimited reads minutes or hours from its template and is capped", async () => {
    const cases: Array<[string, number, string, string?]> = [
      ["unauthorized-lower", 503, "upstream_account_expired"],
      ["parallel-limited", 429, "upstream_rate_limited", "10"],
      ["too-many-requests", 429, "upstream_rate_limited", "60"],
      ["quota-limited", 429, "upstream_quota_exceeded", "3600"],
      ["exceed-limit", 429, "upstream_quota_exceeded", "3600"],
      ["chat-in-progress", 502, "upstream_error"],
      ["parent-not-found", 502, "upstream_error"],
      ["rate-limited-minutes", 429, "upstream_quota_exceeded", String(30 * 60)],
      ["rate-limited-huge", 429, "upstream_quota_exceeded", String(24 * 3600)],
    ];
    for (const [fixture, status, code, retryAfter] of cases) {
      // A fresh gateway per case: each failure class rests the account.
      const each = startIntlGateway(fake);
      try {
        const err = await apiError(ask(each, `fixture:${fixture}`));
        expect({ fixture, status: err.status, code: err.code }).toEqual({ fixture, status, code });
        if (retryAfter !== undefined) expect({ fixture, retryAfter: err.headers?.get("retry-after") }).toEqual({ fixture, retryAfter });
      } finally {
        await each.stop();
      }
    }
  });

  test("PARENT_NOT_FOUND recreates the chat once, like Not_Found", async () => {
    const createdBefore = fake.createdChats.length;
    const each = startIntlGateway(fake);
    try {
      await apiError(ask(each, "fixture:parent-not-found"));
      expect(fake.createdChats.length - createdBefore).toBe(2);
    } finally {
      await each.stop();
    }
  });

  test("a redirect is an upstream error naming where it pointed, never followed", async () => {
    const each = startIntlGateway(fake, { INTL_ACCOUNT_1_COOKIE: "a=1; newchat:redirect" });
    try {
      const err = await apiError(ask(each));
      expect(err.status).toBe(502);
      expect(err.message).toContain("login.example.com");
    } finally {
      await each.stop();
    }
  });

  test("front-end bodies: create-chat without title, completion with parentId, id:null, ms timestamps; forced thinking with a budget", async () => {
    const before = fake.calls.length;
    expect((await rawPost(gw.url, { model: "qwen3.8-max", reasoning_effort: "low", messages: [{ role: "user", content: "fixture:plain" }] })).status).toBe(200);
    const calls = fake.calls.slice(before);
    const created = calls.find((c) => c.path === "/api/v2/chats/new")?.body as Record<string, unknown>;
    expect(created).toMatchObject({ chatId: "", models: ["qwen3.8-max"], project_id: "", chat_type: "t2t", chat_mode: "normal" });
    expect(created.title).toBeUndefined();
    expect(Math.abs(Number(created.timestamp) - Date.now())).toBeLessThan(60_000);
    const body = completionCalls(fake, before)[0]?.body as { parentId: unknown; timestamp: number; messages: Array<Record<string, unknown>> };
    expect(body.parentId).toBeNull();
    expect(Math.abs(body.timestamp - Date.now())).toBeLessThan(60_000);
    const message = body.messages[0] as { id: unknown; status: string; contentType: string; feature_config: Record<string, unknown> };
    expect([message.id, message.status, message.contentType]).toEqual([null, "completed", "text"]);
    // qwen3.8-max cannot skip thinking (think_skip.enable false): on, although reasoning_effort low asked for none; no budget given.
    expect(message.feature_config).toMatchObject({ thinking_enabled: true, instructions: null });
    expect(message.feature_config.thinking_budget).toBeUndefined();
    for (const [extra, budget] of [
      [{ reasoning_effort: "high" }, 16384],
      [{ reasoning_effort: "xhigh", model: "qwen3.8-max" }, 32768],
    ] as const) {
      const from = fake.calls.length;
      await rawPost(gw.url, { model: "qwen3.7-plus", messages: [{ role: "user", content: "fixture:plain" }], ...extra });
      const config = ((completionCalls(fake, from)[0]?.body as { messages: Array<{ feature_config: Record<string, unknown> }> }).messages[0] as { feature_config: Record<string, unknown> }).feature_config;
      expect(config.thinking_budget).toBe(budget);
    }
    const anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0 });
    const from = fake.calls.length;
    await anthropic.messages.create({ model: "qwen3.8-max", max_tokens: 100, thinking: { type: "enabled", budget_tokens: 99999 }, messages: [{ role: "user", content: "fixture:plain" }] });
    const config = ((completionCalls(fake, from)[0]?.body as { messages: Array<{ feature_config: Record<string, unknown> }> }).messages[0] as { feature_config: Record<string, unknown> }).feature_config;
    expect(config.thinking_budget).toBe(38912); // capped by max_thinking_generation_length
  });

  test("the model list comes from /api/v2/models/, and from /api/models when that fails", async () => {
    expect(fake.calls.some((c) => c.path === "/api/v2/models/")).toBe(true);
    const old = startFakeIntlUpstream({ hasV2Models: false });
    const each = startIntlGateway(old);
    try {
      const ids = (await each.client.models.list()).data.map((m) => m.id);
      expect(ids).toContain("qwen3.8-max");
      expect(old.calls.map((c) => c.path)).toContain("/api/models");
    } finally {
      await each.stop();
      await old.stop();
    }
  });
});

// ── Hardened text machinery (issues 9 and 10) ───────────────────────────────

/** The fastest of a few runs, in ms: timing ratios, never absolute limits. */
function fastestMs(run: () => void, runs = 5): number {
  run();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe("SSE data parser: spec details and caps", () => {
  const parseEvents = (pieces: readonly string[]) => {
    const out: Array<[string, string]> = [];
    const parser = createSseDataParser((data, event) => out.push([data, event]));
    for (const piece of pieces) parser.feed(piece);
    parser.end();
    return out;
  };
  const data = (pieces: readonly string[]) => parseEvents(pieces).map(([d]) => d);

  test("an empty feed between a CR and its LF keeps them one line end, at every split", () => {
    expect(data(["data: a\r", "", "\ndata: b\n\n"])).toEqual(["a\nb"]);
    const wire = "data: 1\r\ndata: 2\r\n\r\ndata: 3\r\r";
    for (let i = 0; i <= wire.length; i++) {
      expect(data([wire.slice(0, i), "", "", wire.slice(i)])).toEqual(["1\n2", "3"]);
    }
  });

  test("a bare `data` line is an empty data line", () => {
    expect(data(["data\ndata: x\n\n"])).toEqual(["\nx"]);
    expect(data(["data\n\n"])).toEqual([""]);
    expect(data(["data: x\ndata\n\n"])).toEqual(["x\n"]);
  });

  test("the event name comes with the data, message by default, reset after each event", () => {
    expect(parseEvents(["event: complete\ndata: {}\n\ndata: 2\n\nevent:x\n\ndata: 3\n\nevent\ndata: 4\n\n"])).toEqual([
      ["{}", "complete"],
      ["2", "message"],
      ["3", "message"],
      ["4", "message"],
    ]);
    const wire = "event: complete\r\ndata: {}\r\n\r\n";
    for (let i = 0; i <= wire.length; i++) expect(parseEvents([wire.slice(0, i), wire.slice(i)])).toEqual([["{}", "complete"]]);
  });

  test("only the stream's first character is dropped as a BOM", () => {
    expect(data(["\uFEFFdata: a\n\n", "\uFEFFdata: b\n\n", "data: \uFEFFc\n\n"])).toEqual(["a", "\uFEFFc"]);
    expect(data(["", "\uFEFF", "data: a\n\n"])).toEqual(["a"]);
  });

  test("data lines without a blank line are capped per event, not only per line", () => {
    const parser = createSseDataParser(() => {}, 100, 1000);
    expect(() => {
      for (let i = 0; i < 200; i++) parser.feed("data: 0123456789\n");
    }).toThrow(/event longer than 1000/);
    const events: string[] = [];
    const fine = createSseDataParser((d) => events.push(d), 100, 1000);
    for (let i = 0; i < 200; i++) fine.feed("data: 0123456789\ndata: 0123456789\n\n");
    fine.end();
    expect(events.length).toBe(200);
  });
});

describe("UTF-8 chunk decoder: U+FEFF", () => {
  const enc = (text: string) => new TextEncoder().encode(text);
  const decodeAll = (chunks: Uint8Array[]) => {
    const decoder = createUtf8ChunkDecoder();
    return chunks.map((c) => decoder.decode(c)).join("") + decoder.end();
  };

  test("a U+FEFF at the start of a later chunk survives, at every byte split", () => {
    expect(decodeAll([enc("ab"), enc("\uFEFFc")])).toBe("ab\uFEFFc");
    const bytes = enc("ab\uFEFFc\uFEFF");
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) expect(decodeAll([bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)])).toBe("ab\uFEFFc\uFEFF");
    }
  });

  test("decoder and parser together drop the stream's BOM and keep every other U+FEFF", () => {
    const bytes = enc("\uFEFFdata: \uFEFFa\n\ndata: b\uFEFF\n\n");
    for (let i = 0; i <= bytes.length; i++) {
      const out: string[] = [];
      const decoder = createUtf8ChunkDecoder();
      const parser = createSseDataParser((d) => out.push(d));
      parser.feed(decoder.decode(bytes.slice(0, i)));
      parser.feed(decoder.decode(bytes.slice(i)));
      parser.feed(decoder.end());
      parser.end();
      expect(out).toEqual(["\uFEFFa", "b\uFEFF"]);
    }
  });
});


describe("tool-call parser: tags inside arguments, broken JSON, size, offered functions", () => {
  const WRITE_TOOL: NeutralTool = { name: "write_file", parameters: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } } } };
  const TIME_TOOL: NeutralTool = { name: "get_time", parameters: { type: "object", properties: { timezone: { type: "string" } } } };
  const AGENT: Tooling = { tools: [WEATHER_TOOL, WRITE_TOOL, TIME_TOOL], choice: { type: "auto" }, parallel: true };
  const docs = {
    path: "TOOLS.md",
    content: 'Wrap each call in <tool_call> and </tool_call> tags:\n<tool_call>\n{"name": "x"}\n</tool_call>\nA quote " then </tool_call>, a backslash \\</tool_call> and \\"</tool_call>',
  };
  const agentReply = `I'll write the docs.\n<tool_call>\n${JSON.stringify({ name: "write_file", arguments: docs })}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {"timezone": "UTC"}}\n</tool_call>`;

  /** Parses `reply` whole, split once at every position, and one character at a time; all must agree. */
  const everySplit = (reply: string, tooling: Tooling, check: (result: ReturnType<typeof parsePieces>) => void) => {
    check(parsePieces([reply], tooling));
    for (let i = 0; i <= reply.length; i++) check(parsePieces([reply.slice(0, i), reply.slice(i)], tooling));
    check(parsePieces([...reply], tooling));
  };

  test("</tool_call> inside a JSON string argument does not cut the call, at any split", () => {
    everySplit(agentReply, AGENT, (result) =>
      expect(pick(result)).toEqual({
        text: "I'll write the docs.\n",
        calls: [
          { index: 0, name: "write_file", args: docs },
          { index: 1, name: "get_time", args: { timezone: "UTC" } },
        ],
      }),
    );
  });

  test("an unbalanced quote still ends the block at its first </tool_call> when nothing else can", () => {
    const broken = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris}}\n</tool_call>';
    everySplit(broken, AGENT, (result) => expect(pick(result)).toEqual({ text: "", calls: [{ index: 0, name: "get_weather", args: { city: "Paris}}" } }] }));
    // A broken block, then a good one: the first comes back as its text, the second is a call, no tags anywhere.
    const thenGood = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Par"is"}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {"timezone": "UTC"}}\n</tool_call>';
    everySplit(thenGood, AGENT, (result) =>
      expect(pick(result)).toEqual({ text: '{"name": "get_weather", "arguments": {"city": "Par"is"}}\n', calls: [{ index: 0, name: "get_time", args: { timezone: "UTC" } }] }),
    );
    // Two broken blocks whose quotes pair up across the tags: a close outside a string that gives no calls falls back too.
    const twoBroken = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Par"is"}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {"timezone": "U"TC"}}\n</tool_call>';
    everySplit(twoBroken, AGENT, (result) => {
      expect(result.text).not.toContain("tool_call>");
      expect(result.calls).toEqual([]);
      expect(result.text).toContain('"U"TC"');
    });
  });

  test("a block naming a function that was not offered is text, not a call", () => {
    expect(pick(parsePieces(['Sure.\n<tool_call>\n{"name": "delete_everything", "arguments": {}}\n</tool_call>']))).toEqual({
      text: 'Sure.\n{"name": "delete_everything", "arguments": {}}',
      calls: [],
    });
    const mixed = '<tool_call>\n[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "rm", "arguments": {}}]\n</tool_call>';
    expect(parsePieces([mixed]).calls).toEqual([]);
  });

  test("tool choice none: no extraction, the text passes through untouched", async () => {
    const none: Tooling = { ...TOOLING, choice: { type: "none" } };
    const reply = REPLIES.single?.reply as string;
    everySplit(reply, none, (result) => expect(pick(result)).toEqual({ text: reply, calls: [] }));
    async function* source(): AsyncGenerator<NeutralEvent> {
      yield { type: "text", text: reply };
      yield { type: "done", reason: "stop" };
    }
    const out: NeutralEvent[] = [];
    for await (const event of extractToolCalls(source(), none)) out.push(event);
    expect(out).toEqual([
      { type: "text", text: reply },
      { type: "done", reason: "stop" },
    ]);
  });

  test("an unclosed block followed by endless text is released as text once it passes the cap", () => {
    const parser = createToolCallParser(TOOLING, { maxBlockChars: 1000 });
    let released = "";
    const collect = (events: ReturnType<typeof parser.feed>) => {
      for (const event of events) if (event.type === "text") released += event.text;
    };
    collect(parser.feed("Hi <tool_call>\n{"));
    for (let i = 0; i < 30; i++) collect(parser.feed("x".repeat(100)));
    // Released while the reply goes on, not held until its end.
    expect(released.length).toBeGreaterThan(1000);
    const before = released.length;
    collect(parser.feed("more"));
    expect(released.length).toBe(before + 4);
    collect(parser.end());
    expect(released).toBe(`Hi \n{${"x".repeat(3000)}more`);
    // After a call only whitespace may follow: an endless unclosed block there ends the reply.
    const after = createToolCallParser(TOOLING, { maxBlockChars: 1000 });
    after.feed(`${REPLIES.single?.reply}\n<tool_call>\n`);
    for (let i = 0; i < 30 && !after.isFinished; i++) after.feed("y".repeat(100));
    expect(after.isFinished).toBe(true);
    expect(after.callCount).toBe(1);
  });

  test("linear in its input: 100k <parameter= markers and a huge fence, time(8n)/time(n) well under the quadratic 64", () => {
    const xml = (n: number) => `<function=get_weather>\n${"<parameter=city>v\n".repeat(n)}</function>`;
    const unclosedXml = (n: number) => `<function=get_weather>\n${"<parameter=a".repeat(n)}\n</function>`;
    const fence = (n: number) => `\`\`\`${" \n".repeat(n)}x`;
    for (const build of [xml, unclosedXml, fence]) {
      const small = build(12_500);
      const large = build(100_000);
      const ratio = fastestMs(() => parseToolCallBlock(large, [WEATHER_TOOL], true)) / Math.max(fastestMs(() => parseToolCallBlock(small, [WEATHER_TOOL], true)), 0.05);
      // Linear is about 8; the bound leaves room for a busy machine and stays far below quadratic.
      expect(ratio).toBeLessThan(24);
    }
    // The same through the streaming parser, in 1,000-character pieces.
    const stream = (n: number) => {
      const reply = `<tool_call>\n${xml(n)}\n</tool_call>`;
      const pieces = Array.from({ length: Math.ceil(reply.length / 1000) }, (_, i) => reply.slice(i * 1000, (i + 1) * 1000));
      return () => {
        const parser = createToolCallParser(TOOLING, { maxBlockChars: 16 * 1024 * 1024 });
        const calls = [...pieces.flatMap((p) => parser.feed(p)), ...parser.end()].filter((e) => e.type === "tool_call");
        expect(calls.length).toBe(1);
      };
    };
    const ratio = fastestMs(stream(100_000)) / Math.max(fastestMs(stream(12_500)), 0.05);
    expect(ratio).toBeLessThan(24);
  });
});

describe("redactThenCut", () => {
  test("a long token quoted at every cut position never leaves even 8 of its characters", () => {
    const short = "tok-0123456789abcdefghijklmnopqrstuvwxyz-SIGNATURE-ABCDEFGHIJ";
    const long = `sk-${"0123456789abcdef".repeat(20)}`;
    const redact = makeRedactor([short, long]);
    for (const secret of [short, long]) {
      const windows = Array.from({ length: secret.length - 7 }, (_, k) => secret.slice(k, k + 8));
      for (let pad = 0; pad <= 210; pad++) {
        const message = `${"e".repeat(pad)} token "${secret}" is invalid`;
        const out = redactThenCut(redact, message, 200);
        expect(out.length).toBeLessThanOrEqual(200);
        for (const window of windows) expect(out).not.toContain(window);
      }
    }
    expect(redactThenCut(redact, { not: "a string" })).toBe("");
    expect(redactThenCut(redact, "x".repeat(300)).length).toBe(200);
  });
});

describe("jsonDepthExceeds", () => {
  test("counts nesting outside strings, escapes included", () => {
    expect(jsonDepthExceeds("[[1]]", 2)).toBe(false);
    expect(jsonDepthExceeds("[[1]]", 1)).toBe(true);
    expect(jsonDepthExceeds('{"a": {"b": [1, {"c": 2}]}}', 3)).toBe(true);
    expect(jsonDepthExceeds('{"a": {"b": [1, {"c": 2}]}, "d": [[]]}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a": "[[[[{{{{", "b": "\\"[[[["}', 1)).toBe(false);
    // An escaped backslash ends before the quote, which then closes the string.
    expect(jsonDepthExceeds('["\\\\", [1]]', 1)).toBe(true);
    expect(jsonDepthExceeds('"[[[["', 0)).toBe(false);
  });

  test("a body nested 45k deep is found without recursion", () => {
    const deep = `{"tools": [{"function": {"parameters": ${'{"a":['.repeat(45_000)}1${"]}".repeat(45_000)}}}]}`;
    expect(jsonDepthExceeds(deep, 64)).toBe(true);
    expect(jsonDepthExceeds(deep, 100_000)).toBe(false);
  });
});

describe("hostile client input (issue 10)", () => {
  test("#9 JSON nested ~45k deep, in the body or in tool-call arguments, is a 400, not a 500", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (fake, gw) => {
      const deep = `${'{"a":['.repeat(45_000)}1${"]}".repeat(45_000)}`;
      const inTools = `{"model":"qwen-max","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":${deep}}}]}`;
      const inSchema = await rawPost(gw.url, inTools);
      expect(inSchema.status).toBe(400);
      expect(((await inSchema.json()) as { error: { message: string } }).error.message).toContain("deeper than");
      const inArguments = await gw.client.chat.completions
        .create({
          model: "qwen-max",
          messages: [
            { role: "user", content: "x" },
            { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: deep } }] },
            { role: "tool", tool_call_id: "c1", content: "ok" },
          ],
        })
        .then(() => 200, (err: ApiError) => err.status);
      expect(inArguments).toBe(400);
      const anthropic = await fetch(`${gw.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": MASTER_KEY, "content-type": "application/json" },
        body: `{"model":"qwen-max","max_tokens":10,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f","input_schema":${deep}}]}`,
      });
      expect(anthropic.status).toBe(400);
      expect(fake.calls.filter((c) => c.path === "/dialog/conversation")).toHaveLength(0);
    });
  });

  test("#4 an upstream error quoting a long token is redacted before it is cut, at every cut position", async () => {
    const token = "tok-SECRET-".padEnd(400, "x9");
    const redact = makeRedactor([token]);
    for (let prefix = 0; prefix <= 300; prefix += 7) {
      const quoted = `${"e".repeat(prefix)}${token} trailing`;
      const out = redactThenCut(redact, quoted, 200);
      expect(out).not.toContain(token.slice(0, 8));
    }
  });

  test("#8 a CR/LF in a model name cannot forge an access-log line", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (fake, gw) => {
      // tongyi-* names pass through to CN as they are, so this one is served and logged.
      const model = "tongyi-x\r\n2026-01-01T00:00:00.000Z POST /v1/chat/completions 200 model=forged";
      expect((await rawPost(gw.url, { model, messages: [{ role: "user", content: "fixture:plain" }] })).status).toBe(200);
      await waitFor(() => gw.logs.some((line) => line.includes("forged")));
      expect(gw.logs.some((line) => /[\r\n]/.test(line))).toBe(false);
      expect(gw.logs.find((line) => line.includes("forged"))).toContain("model=tongyi-x\\x0d\\x0a2026");
    });
  });
});

// ── OpenAI Responses API (issue 13) ─────────────────────────────────────────

const RESPONSES_WEATHER_TOOL = {
  type: "function" as const,
  name: "get_weather",
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } }, required: ["city"] },
  strict: false,
};

/** Event types and sequence numbers of a raw Responses stream, in order. */
async function responsesEvents(response: Response): Promise<Array<Record<string, unknown> & { type: string; sequence_number: number }>> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((frame) => frame.includes("data: "))
    .map((frame) => {
      const name = /^event: (.+)$/m.exec(frame)?.[1];
      const data = JSON.parse(/^data: (.+)$/m.exec(frame)?.[1] ?? "null") as Record<string, unknown> & { type: string; sequence_number: number };
      expect(data.type).toBe(name as string);
      return data;
    });
}

/** The events around one streamed message item, deltas left out. */
const MESSAGE_ITEM_EVENTS = ["response.output_item.added", "response.content_part.added", "response.output_text.done", "response.content_part.done", "response.output_item.done"];

const postResponses = (gw: Gateway, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("OpenAI Responses API", () => {
  let fake: FakeCnUpstream, gw: Gateway;
  useGateway(() => ({ gw: (gw = startGateway((fake = startFakeCnUpstream()))), fake }));

  test("responses.create with a string input: a completed response whose output_text is the answer, with usage", async () => {
    const response = await gw.client.responses.create({ model: "qwen-max", input: "fixture:plain" });
    expect(response.object).toBe("response");
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe("completed");
    expect(response.model).toBe("qwen-max");
    expect(response.output_text).toBe("你好！我是通义千问，有什么可以帮你？");
    expect(response.output).toHaveLength(1);
    expect(response.output[0]?.type).toBe("message");
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    expect(response.usage?.total_tokens).toBe((response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0));
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(0);
    // A lone user message goes to the web chat as it is.
    expect(lastPrompt(fake)).toBe("fixture:plain");
  });

  test("item input with instructions, a developer message and history reaches the prompt in order", async () => {
    const response = await gw.client.responses.create({
      model: "qwen-max",
      instructions: "Be brief.",
      input: [
        { role: "developer", content: "Answer in English." },
        { role: "user", content: [{ type: "input_text", text: "What is 1+1?" }] },
        { role: "assistant", content: [{ type: "output_text", text: "2", annotations: [] }] } as never,
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: null } as never,
        { role: "user", content: "fixture:plain And 2+2?" },
      ],
    });
    expect(response.status).toBe("completed");
    expect(response.instructions).toBe("Be brief.");
    const prompt = lastPrompt(fake);
    expect(prompt).toStartWith("<system>\nBe brief.\n\nAnswer in English.\n</system>");
    expect(prompt).toContain("Human: What is 1+1?\n\nAssistant: 2\n\nHuman: fixture:plain And 2+2?\n\nAssistant:");
  });

  test("responses.stream: the documented event sequence, sequence numbers 0, 1, 2, …, and finalResponse", async () => {
    const stream = gw.client.responses.stream({ model: "qwen-max", input: "fixture:plain" });
    const seen: string[] = [];
    const numbers: number[] = [];
    let deltas = "";
    for await (const event of stream) {
      seen.push(event.type);
      numbers.push(event.sequence_number);
      if (event.type === "response.output_text.delta") deltas += event.delta;
    }
    const final = await stream.finalResponse();
    expect(numbers).toEqual(numbers.map((_, i) => i));
    expect(seen[0]).toBe("response.created");
    expect(seen[1]).toBe("response.in_progress");
    expect(seen.filter((t) => t !== "response.output_text.delta")).toEqual([
      "response.created",
      "response.in_progress",
      ...MESSAGE_ITEM_EVENTS,
      "response.completed",
    ]);
    expect(deltas).toBe("你好！我是通义千问，有什么可以帮你？");
    expect(final.output_text).toBe(deltas);
    expect(final.status).toBe("completed");
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
  });

  test("reasoning: summary events around the text, a reasoning item first, reasoning tokens counted", async () => {
    const raw = await postResponses(gw, { model: "qwen-max", input: "fixture:think", stream: true, reasoning: { effort: "high", summary: "auto" } });
    expect(raw.status).toBe(200);
    const events = await responsesEvents(raw);
    expect(events.map((e) => e.type).filter((t) => !t.endsWith(".delta"))).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      ...MESSAGE_ITEM_EVENTS,
      "response.completed",
    ]);
    const summary = events.filter((e) => e.type === "response.reasoning_summary_text.delta").map((e) => e.delta).join("");
    expect(summary).toBe("用户问的是1+1，答案是2。");
    const completed = events.at(-1)?.response as OpenAI.Responses.Response;
    expect(completed.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    expect((completed.output[0] as OpenAI.Responses.ResponseReasoningItem).summary[0]?.text).toBe(summary);
    expect(completed.usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    // reasoning.effort high switches thinking on, with its budget.
    const body = [...fake.calls].reverse().find((c) => c.path === "/dialog/conversation")?.body as { params: Record<string, unknown> };
    expect(body.params.deepThink).toBe(true);
  });

  test("a function-call round trip: function_call items out, function_call_output back in, labelled with the function's name", async () => {
    const first = await gw.client.responses.create({ model: "qwen-max", input: "fixture:tool-call weather in Paris?", tools: [RESPONSES_WEATHER_TOOL] });
    expect(first.status).toBe("completed");
    const call = first.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === "function_call");
    expect(call?.name).toBe("get_weather");
    expect(JSON.parse(call?.arguments ?? "")).toEqual({ city: "Paris", unit: "celsius" });
    expect(call?.call_id).toMatch(/^call_/);
    expect(lastPrompt(fake)).toContain('"name":"get_weather"');

    const second = await gw.client.responses.create({
      model: "qwen-max",
      tools: [RESPONSES_WEATHER_TOOL],
      input: [
        { role: "user", content: "weather in Paris?" },
        { type: "function_call", call_id: call?.call_id ?? "", name: "get_weather", arguments: call?.arguments ?? "" },
        { type: "function_call_output", call_id: call?.call_id ?? "", output: "22 degrees, sunny" },
        { role: "user", content: "fixture:plain thanks" },
      ],
    });
    expect(second.status).toBe("completed");
    const prompt = lastPrompt(fake);
    expect(prompt).toContain('Assistant: <tool_call>\n{"name":"get_weather","arguments":{"city":"Paris","unit":"celsius"}}\n</tool_call>');
    expect(prompt).toContain("Tool result (get_weather):\n<tool_response>\n22 degrees, sunny\n</tool_response>");
  });

  test("a streamed function call: output_item.added, arguments delta and done, output_item.done", async () => {
    const events = await responsesEvents(await postResponses(gw, { model: "qwen-max", input: "fixture:tool-call", tools: [RESPONSES_WEATHER_TOOL], stream: true }));
    const types = events.map((e) => e.type);
    const at = types.indexOf("response.function_call_arguments.delta");
    expect(at).toBeGreaterThan(0);
    expect(types.slice(at - 1, at + 3)).toEqual(["response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done"]);
    expect(JSON.parse(String(events[at + 1]?.arguments))).toEqual({ city: "Paris", unit: "celsius" });
    expect(types.at(-1)).toBe("response.completed");
  });

  test("previous_response_id: a follow-up sends only the new input; GET returns the stored response; DELETE forgets it", async () => {
    const first = await gw.client.responses.create({ model: "qwen-max", instructions: "Be brief.", input: "fixture:plain first question" });
    const second = await gw.client.responses.create({ model: "qwen-max", previous_response_id: first.id, input: "second question" });
    expect(second.previous_response_id).toBe(first.id);
    const prompt = lastPrompt(fake);
    expect(prompt).toContain(`Human: fixture:plain first question\n\nAssistant: ${first.output_text}\n\nHuman: second question`);
    // Instructions do not carry over to a follow-up (as OpenAI documents).
    expect(prompt).not.toContain("Be brief.");

    const fetched = await gw.client.responses.retrieve(first.id);
    expect(fetched.id).toBe(first.id);
    expect(fetched.output_text).toBe(first.output_text);
    const deleted = await fetch(`${gw.url}/v1/responses/${first.id}`, { method: "DELETE", headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(await deleted.json()).toEqual({ id: first.id, object: "response.deleted", deleted: true });
    const gone = await apiError(gw.client.responses.retrieve(first.id));
    expect(gone.status).toBe(404);
    const unknown = await apiError(gw.client.responses.create({ model: "qwen-max", previous_response_id: first.id, input: "again" }));
    expect(unknown.status).toBe(404);
    expect(unknown.code).toBe("previous_response_not_found");
  });

  test("store: false keeps nothing, so it cannot be continued", async () => {
    const response = await gw.client.responses.create({ model: "qwen-max", input: "fixture:plain", store: false });
    expect((await apiError(gw.client.responses.retrieve(response.id))).status).toBe(404);
  });

  test("unsupported tool types are skipped; web_search turns on the upstream's search; accepted fields do not fail", async () => {
    const response = await gw.client.responses.create({
      model: "qwen-max",
      input: "fixture:plain",
      tools: [{ type: "web_search" }, { type: "file_search", vector_store_ids: ["vs_1"] }, { type: "mcp", server_label: "x", server_url: "https://example.com" } as never, { type: "custom", name: "apply_patch" } as never],
      include: ["reasoning.encrypted_content"],
      metadata: { run: "1" },
      prompt_cache_key: "abc",
      max_output_tokens: 1000,
      parallel_tool_calls: false,
      text: { format: { type: "text" } },
    });
    expect(response.status).toBe("completed");
    expect(response.metadata).toEqual({ run: "1" });
    const body = [...fake.calls].reverse().find((c) => c.path === "/dialog/conversation")?.body as { params: Record<string, unknown> };
    expect(body.params.searchType).toBe("depth");
    expect(lastPrompt(fake)).toBe("fixture:plain");
  });

  test("max_output_tokens cuts the reply: status incomplete with reason max_output_tokens", async () => {
    const response = await gw.client.responses.create({ model: "qwen-max", input: "fixture:plain", max_output_tokens: 2 });
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details?.reason).toBe("max_output_tokens");
  });

  test("errors before the first byte are OpenAI-shaped with the right status", async () => {
    const image = await apiError(
      gw.client.responses.create({ model: "qwen-max", input: [{ role: "user", content: [{ type: "input_image", image_url: "https://example.com/a.png", detail: "auto" }] }] }),
    );
    expect(image.status).toBe(400);
    expect(image.code).toBe("unsupported_content");
    expect(image.message).toContain("Image input");
    const model = await apiError(gw.client.responses.create({ model: "no-such-model", input: "hi" }));
    expect(model.status).toBe(404);
    expect(model.code).toBe("model_not_found");
    const empty = await apiError(gw.client.responses.create({ model: "qwen-max", input: [] }));
    expect(empty.status).toBe(400);
    expect(empty.param).toBe("input");
    const choice = await apiError(gw.client.responses.create({ model: "qwen-max", input: "x", tools: [RESPONSES_WEATHER_TOOL], tool_choice: { type: "function", name: "nope" } }));
    expect(choice.status).toBe(400);
    expect(choice.param).toBe("tool_choice");
    // A rate-limited account cools down: on its own gateway, so the other tests keep theirs.
    await withGateway(startFakeCnUpstream, (own) => startGateway(own), async (_, own) => {
      const upstream = await apiError(own.client.responses.create({ model: "qwen-max", input: "fixture:rate-limited" }));
      expect(upstream.status).toBe(429);
      expect(upstream.type).toBe("rate_limit_error");
    });
  });

  test("an error after the stream opened ends it with response.failed carrying the error", async () => {
    const events = await responsesEvents(await postResponses(gw, { model: "qwen-max", input: "fixture:truncated", stream: true }));
    const last = events.at(-1) as unknown as { type: string; response: OpenAI.Responses.Response };
    expect(last.type).toBe("response.failed");
    expect(last.response.status).toBe("failed");
    expect(last.response.error?.code).toBeTruthy();
  });
});

describe("structured output", () => {
  let fake: FakeCnUpstream, gw: Gateway;
  useGateway(() => ({ gw: (gw = startGateway((fake = startFakeCnUpstream()))), fake }));
  const Person = zc.object({ name: zc.string(), age: zc.number() });

  test("responses.parse with zodTextFormat: the schema goes into the prompt, the fence is stripped, output_parsed is the object", async () => {
    const response = await gw.client.responses.parse({ model: "qwen-max", input: "fixture:json-fenced Who is Ada?", text: { format: zodTextFormat(Person, "person") } });
    expect(response.output_parsed).toEqual({ name: "Ada", age: 36 });
    expect(response.output_text).toBe('{"name": "Ada", "age": 36}');
    const prompt = lastPrompt(fake);
    expect(prompt).toContain('named "person"');
    expect(prompt).toContain('"properties":{"name":{"type":"string"},"age":{"type":"number"}}');
  });

  test("chat.completions.parse with zodResponseFormat, whole and streamed", async () => {
    const completion = await gw.client.chat.completions.parse({ model: "qwen-max", messages: [{ role: "user", content: "fixture:json-fenced" }], response_format: zodResponseFormat(Person, "person") });
    expect(completion.choices[0]?.message.parsed).toEqual({ name: "Ada", age: 36 });
    const stream = gw.client.chat.completions.stream({ model: "qwen-max", messages: [{ role: "user", content: "fixture:json-fenced" }], response_format: zodResponseFormat(Person, "person") });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.parsed).toEqual({ name: "Ada", age: 36 });
  });

  test("json_object strips the fence; a strict schema with an answer that is not JSON is reported, whole (502) and streamed (in-stream error)", async () => {
    const loose = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:json-fenced" }], response_format: { type: "json_object" } });
    expect(JSON.parse(loose.choices[0]?.message.content ?? "")).toEqual({ name: "Ada", age: 36 });
    expect(lastPrompt(fake)).toContain("Answer with one valid JSON object");
    const notJson = await apiError(gw.client.responses.parse({ model: "qwen-max", input: "fixture:json-broken", text: { format: zodTextFormat(Person, "person") } }));
    expect(notJson.status).toBe(502);
    expect(notJson.message).toContain("not valid JSON");
    // Streamed, the answer is held until it is whole, so the failure still comes before the first byte.
    const streamed = await postResponses(gw, { model: "qwen-max", input: "fixture:json-broken", stream: true, text: { format: { type: "json_schema", name: "p", schema: { type: "object" }, strict: true } } });
    expect(streamed.status).toBe(502);
    expect(((await streamed.json()) as { error: { message: string } }).error.message).toContain("not valid JSON");
    // Without strict, the same answer passes as text.
    const lax = await gw.client.responses.create({ model: "qwen-max", input: "fixture:json-broken", text: { format: { type: "json_schema", name: "p", schema: { type: "object" }, strict: false } } });
    expect(lax.output_text).toBe("Sure! Here is Ada: name Ada, age 36.");
  });

  test("an unknown format type is a 400 naming the field", async () => {
    const err = await apiError(rawPost(gw.url, { model: "qwen-max", messages: [{ role: "user", content: "x" }], response_format: { type: "yaml" } }).then(async (r) => {
      if (!r.ok) throw new OpenAI.APIError(r.status, (await r.json()) as object, undefined, r.headers);
    }));
    expect(err.status).toBe(400);
  });
});

describe("client gaps (issue 13)", () => {
  let fake: FakeCnUpstream, gw: Gateway;
  useGateway(() => {
    fake = startFakeCnUpstream();
    gw = startGateway(fake, { LOG_LEVEL: "debug", PROMPT_MAX_CHARS: "1000" });
    return { fake, gw };
  });

  test("models.retrieve returns one listed model; an unknown one is a 404", async () => {
    const model = await gw.client.models.retrieve("qwen-max");
    expect(model).toMatchObject({ id: "qwen-max", object: "model" });
    expect((await apiError(gw.client.models.retrieve("no-such-model"))).status).toBe(404);
  });

  test("a browser preflight with arbitrary headers gets them allowed back", async () => {
    const asked = "authorization, content-type, x-requested-with, openai-beta, x-stainless-brand-new-header";
    const response = await fetch(`${gw.url}/v1/responses`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST", "access-control-request-headers": asked },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toBe(asked);
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    const bad = await fetch(`${gw.url}/v1/responses`, { method: "OPTIONS", headers: { "access-control-request-headers": "x-ok, bad/header" } });
    expect(bad.headers.get("access-control-allow-headers")).toBe("x-ok");
  });

  test("a long conversation over PROMPT_MAX_CHARS: x-qwenplug-dropped-turns says how many, and a debug line the request shape without content", async () => {
    const old = "SECRET-CONTENT ".repeat(70);
    const messages = [
      { role: "user" as const, content: old },
      { role: "assistant" as const, content: old },
      { role: "user" as const, content: "fixture:plain now" },
    ];
    const { response } = await gw.client.chat.completions.create({ model: "qwen-max", messages }).withResponse();
    expect(response.headers.get("x-qwenplug-dropped-turns")).toBe("2");
    const shape = gw.logs.find((line) => line.includes("request shape:"));
    expect(shape).toContain("path=/v1/chat/completions");
    expect(shape).toContain("turns=user:2,assistant:1");
    expect(shape).toContain("dropped_turns=2");
    expect(gw.logs.join("\n")).not.toContain("SECRET-CONTENT");
    await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }], temperature: 0.2, seed: 3 });
    expect(gw.logs.at(-2)).toContain("ignored=temperature,seed");
  });
});

describe("stored responses and model ids: paths", () => {
  let fake: FakeCnUpstream, gw: Gateway;
  useGateway(() => ({ gw: (gw = startGateway((fake = startFakeCnUpstream()))), fake }));
  const get = (path: string) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });

  test("a listed model id with a suffix resolves; a sub-path of a stored response is an unknown path; POST on one is a 405", async () => {
    const listed = ((await (await get("/v1/models")).json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    expect(listed).toContain("qwen-max");
    expect(((await (await get("/v1/models/qwen-max-thinking")).json()) as { id: string }).id).toBe("qwen-max-thinking");
    const sub = await get("/v1/responses/resp_x/input_items");
    expect(sub.status).toBe(404);
    expect(((await sub.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const postOnStored = await fetch(`${gw.url}/v1/responses/resp_x`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(postOnStored.status).toBe(405);
  });
});

describe("Responses API over chat.qwen.ai", () => {
  test("the captured summary-thinking answer: a reasoning item with the summary, the text, and the upstream's real usage", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (_, gw) => {
      const stream = gw.client.responses.stream({ model: "qwen3.7-plus-thinking", input: "fixture:thinking-summary", reasoning: { summary: "auto" } });
      let summary = "";
      for await (const event of stream) if (event.type === "response.reasoning_summary_text.delta") summary += event.delta;
      const final = await stream.finalResponse();
      expect(summary).toBe("我是一位由阿里巴巴通义实验室研发的超大规模语言模型……");
      expect(final.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
      expect(final.output_text).toBe("我是通義千問（Qwen");
      expect(final.usage).toMatchObject({ input_tokens: 1438, output_tokens: 806, output_tokens_details: { reasoning_tokens: 102 }, total_tokens: 2244 });
    });
  });
});

// ── A hostile upstream (issue 10), run against each adapter ─────────────────

/** A stream that calls `next()` for each piece until it returns undefined or the reader goes away. */
function endless(next: (n: number) => string | undefined, gapMs = 0): Response {
  let n = 0;
  const encoder = new TextEncoder();
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (gapMs > 0 && n > 0) await Bun.sleep(gapMs);
        const piece = next(n++);
        if (piece === undefined) controller.close();
        else controller.enqueue(encoder.encode(piece));
      },
    }),
    { headers: { "content-type": "text/event-stream" } },
  );
}

interface HostileTarget {
  name: string;
  secret: string;
  /** A fake and a gateway on it; `respond` replaces the fake's completion answer. */
  start(env: Record<string, string>): { gw: Gateway; fake: { stop(): Promise<void> }; respond(answer: () => Response): void };
  /** The `n`th upstream event of a reply that adds `text` each time (a cumulative upstream resends it all). */
  frame(text: string, n: number): string;
}

const HOSTILE_TARGETS: HostileTarget[] = [
  {
    name: "CN /dialog",
    secret: "ticket-one-SECRET-abcdefghijklmnop",
    start(env) {
      const fake = startFakeCnUpstream();
      return { fake, gw: startGateway(fake, env), respond: (answer) => (fake.respond = answer) };
    },
    frame: (text) => `data: ${JSON.stringify({ sessionId: "s1", msgStatus: "generating", incremental: true, contents: [{ role: "assistant", contentType: "text", content: text }] })}\n\n`,
  },
  {
    name: "INTL",
    secret: INTL_TOKEN,
    start(env) {
      const fake = startFakeIntlUpstream();
      return { fake, gw: startIntlGateway(fake, env), respond: (answer) => (fake.respond = answer) };
    },
    frame: (text) => `data: ${JSON.stringify({ choices: [{ delta: { role: "assistant", content: text, phase: "answer", status: "typing" } }], response_id: "r1" })}\n\n`,
  },
  {
    name: "CN chat2",
    secret: "ticket-one-SECRET-abcdefghijklmnop",
    start(env) {
      const fake = startFakeChat2Upstream();
      return { fake, gw: startChat2Gateway(fake, env), respond: (answer) => (fake.respond = answer) };
    },
    frame: (text, n) =>
      `data:${JSON.stringify({ error_code: 0, error_msg: "", communication: { sessionid: "s1", reqid: "r1", resid: "x1" }, data: { messages: [{ mime_type: "multi_load/iframe", content: text.repeat(n + 1), status: "processing", meta_data: {} }] } })}\n\n`,
  },
];

/** The error a request ends with, streamed or not, as the openai SDK reports it. */
const hostileError = (gw: Gateway, stream: boolean) => requestError(gw, "hello", stream);

for (const target of HOSTILE_TARGETS) {
  describe(`a hostile ${target.name} upstream`, () => {
    const withHostile = async (env: Record<string, string>, answer: () => Response, body: (gw: Gateway) => Promise<void>) => {
      const { gw, fake, respond } = target.start(env);
      respond(answer);
      try {
        await body(gw);
      } finally {
        await gw.stop();
        await fake.stop();
      }
    };

    test("endless content stops at REPLY_MAX_CHARS with a 502, streamed and not", () =>
      withHostile({ REPLY_MAX_CHARS: "5000" }, () => endless((n) => target.frame("x".repeat(1000), n)), async (gw) => {
        for (const stream of [false, true]) {
          const err = await hostileError(gw, stream);
          expect({ stream, code: err.code }).toEqual({ stream, code: "upstream_limit_exceeded" });
          expect(err.message).toContain("REPLY_MAX_CHARS");
        }
      }));

    test("data lines without a blank line stop at UPSTREAM_MAX_EVENT_CHARS", () =>
      withHostile({ UPSTREAM_MAX_EVENT_CHARS: "65536" }, () => endless(() => `data: ${"y".repeat(4096)}\n`), async (gw) => {
        const err = await hostileError(gw, false);
        expect(err.status).toBe(502);
        expect(err.message).toContain("longer than 65536");
      }));

    test("keep-alives only, after the reply started, end at UPSTREAM_NO_CONTENT_TIMEOUT_MS", () =>
      withHostile({ UPSTREAM_NO_CONTENT_TIMEOUT_MS: "400" }, () => endless((n) => (n === 0 ? target.frame("Hello", 0) : ": keep-alive\n\n"), 50), async (gw) => {
        const err = await hostileError(gw, true);
        expect(err.message).toContain("UPSTREAM_NO_CONTENT_TIMEOUT_MS");
      }));

    test("comments only, from the start, end at REPLY_MAX_MS", () =>
      withHostile({ REPLY_MAX_MS: "1500" }, () => endless(() => ": ping\n\n", 50), async (gw) => {
        const err = await hostileError(gw, false);
        expect(err.status).toBe(504);
        expect(err.message).toContain("REPLY_MAX_MS");
      }));

    test("a redirect is not followed: the error names the target host", () =>
      withHostile({}, () => new Response(null, { status: 307, headers: { location: "http://attacker.example:8080/steal" } }), async (gw) => {
        const err = await hostileError(gw, false);
        expect(err.status).toBe(502);
        expect(err.message).toContain("attacker.example:8080");
      }));

    test("a huge Retry-After gives a finite one, capped at a day", () =>
      withHostile({}, () => new Response('{"error":"slow down"}', { status: 429, headers: { "retry-after": "1e306", "content-type": "application/json" } }), async (gw) => {
        const err = await hostileError(gw, false);
        expect(err.status).toBe(429);
        const retryAfter = Number(err.headers?.get("retry-after"));
        expect(Number.isFinite(retryAfter) && retryAfter >= 1 && retryAfter <= 86_400).toBe(true);
        const status = (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { upstreams: Record<string, { accounts: Array<{ available_in_s: number }> }> };
        for (const account of Object.values(status.upstreams).flatMap((u) => u.accounts)) expect(account.available_in_s).toBeLessThanOrEqual(86_400);
      }));

    test("an error quoting the account's secret at length is scrubbed before it is cut", () =>
      withHostile({}, () => new Response(JSON.stringify({ success: false, errorCode: "BAD", errorMsg: `${"e".repeat(150)} ${target.secret}`, data: { code: "Bad_Request", details: `${"e".repeat(150)} ${target.secret}` } }), { status: 400, headers: { "content-type": "application/json" } }), async (gw) => {
        const err = await hostileError(gw, false);
        expect(err.message).not.toContain(target.secret.slice(0, 12));
        expect(gw.logs.join("\n")).not.toContain(target.secret.slice(0, 12));
      }));
  });
}

describe("loopback-only mode and CORS (issue 10)", () => {
  test("#3 without API_MASTER_KEY: a web page's request (Origin) and a foreign Host are refused; CORS_ORIGINS lets a page in", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { API_MASTER_KEY: undefined }), async (fake, gw) => {
      const body = JSON.stringify(chatBody("fixture:plain"));
      const fromPage = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "text/plain", origin: "http://evil.example" }, body });
      expect(fromPage.status).toBe(403);
      expect(fromPage.headers.get("access-control-allow-origin")).toBeNull();
      const rebound = await fetch(`${gw.url}/status`, { headers: { host: "rebind.evil.example:8082" } });
      expect(rebound.status).toBe(403);
      expect(((await rebound.json()) as { error: { code: string } }).error.code).toBe("host_not_allowed");
      expect((await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", host: "localhost:8082" }, body })).status).toBe(200);
      expect(fake.calls.filter((c) => c.path === "/dialog/conversation")).toHaveLength(1);
    });
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { API_MASTER_KEY: undefined, CORS_ORIGINS: "http://app.local:3000" }), async (_fake, gw) => {
      const allowed = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", origin: "http://app.local:3000" }, body: JSON.stringify(chatBody("fixture:plain")) });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get("access-control-allow-origin")).toBe("http://app.local:3000");
    });
  });

  test("#10 a body past MAX_BODY_BYTES, with or without a length, gets a JSON 413 with CORS headers", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { MAX_BODY_BYTES: "2048" }), async (_fake, gw) => {
      const big = JSON.stringify(chatBody("x".repeat(4 * 1024 * 1024)));
      const declared = await rawPost(gw.url, big);
      expect(declared.status).toBe(413);
      expect(declared.headers.get("access-control-allow-origin")).toBe("*");
      expect(((await declared.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
      const chunked = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
        body: new Blob([big]).stream(),
      });
      expect(chunked.status).toBe(413);
      expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
    });
  });

  test("bodies being read at once are bounded by BODY_BYTES_IN_FLIGHT_MAX: the excess gets a 503 with Retry-After", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { BODY_BYTES_IN_FLIGHT_MAX: "100000" }), async (_fake, gw) => {
      // Two bodies that trickle in: together they pass the budget while both are still being read.
      const slowBody = () => {
        let sent = 0;
        return new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (sent >= 120_000) return controller.close();
            await Bun.sleep(5);
            sent += 20_000;
            controller.enqueue(new TextEncoder().encode(sent === 20_000 ? `{"model":"qwen-max","messages":[{"role":"user","content":"${"z".repeat(20_000 - 52)}` : "z".repeat(20_000)));
          },
        });
      };
      const post = () => fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" }, body: slowBody() });
      const statuses = (await Promise.all([post(), post()])).map((r) => r.status);
      expect(statuses).toContain(503);
    });
  });
});

// ── CN chat2 (issue 11) ─────────────────────────────────────────────────────

const TICKET_HASH = "hash-one-0123456789abcdef";
const CHAT2_COOKIE_1 = `${COOKIE_1}; tongyi_sso_ticket_hash=${TICKET_HASH}`;

/** qwenplug speaking chat2, signed unless the env says otherwise, to a fake chat2 upstream; registrations unspaced unless a test spaces them. */
const startChat2Gateway = (fake: FakeChat2Upstream, env: Record<string, string | undefined> = {}, deps: { store?: StateStore; fetch?: typeof fetch } = {}): Gateway =>
  launchGateway({ CN_PROTOCOL: "chat2", QWEN_CN_BASE_URL: fake.url, CN_ACCOUNT_1_COOKIE: CHAT2_COOKIE_1, CN_REGISTER_INTERVAL_MS: "0", ...env }, undefined, deps);

/** The error a client call ends with (bun's `expect().rejects` does not await the SDK's APIPromise). */
async function rejectionOf(promise: PromiseLike<unknown>) {
  try {
    await promise;
  } catch (err) {
    return err as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error("expected the call to fail");
}

const chat2Calls = (fake: FakeChat2Upstream) => fake.calls.filter((c) => c.path === "/api/v2/chat");
const lastChat2Call = (fake: FakeChat2Upstream) => {
  const call = chat2Calls(fake).at(-1);
  if (call === undefined) throw new Error("no chat2 call");
  return call;
};

/** The failure a fresh gateway reports for one prompt; each class may rest the only account, so every case gets its own. */
const chat2Error = (fake: FakeChat2Upstream, prompt: string, stream: boolean, env: Record<string, string | undefined> = {}) =>
  freshGatewayError(() => startChat2Gateway(fake, env), prompt, stream, "qwen");

describe("SSE data parser: event names", () => {
  test("reports each event's name, message by default, reset after every event", () => {
    const out: Array<[string, string]> = [];
    const parser = createSseDataParser((data, event) => out.push([data, event]));
    const wire = 'data:{"a":1}\n\nevent:complete\ndata:true\n\nevent: skipped\n\ndata: x\n\n';
    for (const ch of wire) parser.feed(ch);
    parser.end();
    expect(out).toEqual([
      ['{"a":1}', "message"],
      ["true", "complete"],
      ["x", "message"],
    ]);
  });
});

describe("chat completions over CN chat2", () => {
  let fake: FakeChat2Upstream;
  let gw: Gateway;
  useGateway(() => {
    fake = startFakeChat2Upstream();
    return { gw: (gw = startChat2Gateway(fake, { CN_ACCOUNT_1_UMIDTOKEN: "umid-browser-made-0123456789" })), fake };
  });

  test("streams the cumulative snapshots as exact deltas, with the upstream's usage", async () => {
    const { chunks, content, finish } = await collectStream(gw.client, "你好", "qwen");
    expect(content).toBe("你好！我是千问，很高兴见到你。");
    expect(finish).toBe("stop");
    const deltas = chunks.map((c) => c.choices[0]?.delta.content).filter((d) => d);
    expect(deltas).toEqual(["你好！", "我是千问，", "很高兴见到你。"]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 13, total_tokens: 34 });
  });

  test("non-streamed: one JSON body with the upstream's usage", async () => {
    const reply = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "fixture:plain chunk:7" }] });
    expect(reply.choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
    expect(reply.choices[0]?.finish_reason).toBe("stop");
    expect(reply.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 13, total_tokens: 34 });
  });

  test("thinking: deep_think goes to reasoning_content, markers are stripped; chat_mode is CN_THINK_MODE (think), deep_search stays null", async () => {
    const { content, reasoning } = await collectStream(gw.client, "fixture:think chunk:5", "qwen-max-thinking");
    expect(reasoning).toBe("用户在打招呼，我应该礼貌回应。");
    expect(content).toBe("你好！有什么可以帮你？");
    const body = lastChat2Call(fake).body as Record<string, unknown>;
    expect(body.chat_mode).toBe("think");
    expect(body.deep_search).toBeNull();
    expect(body.model).toBe("Qwen3.8-Max");
  });

  test("a marker cut by a frame boundary never reaches the client; event:complete alone ends a reply", async () => {
    expect((await collectStream(gw.client, "fixture:markers", "qwen")).content).toBe("答案：四十二。");
    const byEvent = await collectStream(gw.client, "fixture:event-complete chunk:3", "qwen");
    // The trailing "[" could start a marker, so it waits; the end of the stream releases it.
    expect(byEvent.content).toBe("只靠事件结束，末尾是 [");
    expect(byEvent.finish).toBe("stop");
  });

  test("a zstd-compressed stream arrives decoded", async () => {
    const { content } = await collectStream(gw.client, "fixture:plain zstd:1", "qwen");
    expect(content).toBe("你好！我是千问，很高兴见到你。");
  });

  test("a zstd body that reaches qwenplug still compressed (a relay, a fetch that does not decode) is decoded", async () => {
    // Bun's `decompress: false` hands over the body as it came: compressed.
    const rawFetch = ((input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, decompress: false })) as typeof fetch;
    const raw = startChat2Gateway(fake, {}, { fetch: rawFetch });
    try {
      const reply = await raw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "fixture:plain zstd:1" }] });
      expect(reply.choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
    } finally {
      await raw.stop();
    }
  });

  test("sends the 2026-09-28 request (M4): query in order, body field for field, headers, and registers with the account's bx-umidtoken", async () => {
    await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "你好" }] });
    // The body as the working script of 2026-09-28 sends it, key order included (the signature covers the exact bytes).
    const plain = lastChat2Call(fake).body as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual(["req_id", "parent_req_id", "messages", "scene", "sub_scene", "scene_param", "session_id", "biz_id", "topic_id", "model", "from", "protocol_version", "messages_merge", "chat_client", "deep_search", "temporary", "params_extra", "chat_mode", "bucket"]);
    expect(plain).toMatchObject({ parent_req_id: "0", scene: "chat", sub_scene: "", scene_param: "first_turn", biz_id: "ai_qwen", model: "Qwen", from: "default", protocol_version: "v2", messages_merge: false, chat_client: "h5", deep_search: null, temporary: false, params_extra: { supports_cowork: "true" }, chat_mode: "quick", bucket: {} });
    expect(plain.topic_id).toMatch(/^[0-9a-f]{32}$/);
    expect(plain.topic_id).not.toBe(plain.session_id);
    await gw.client.chat.completions.create({ model: "qwen-search", messages: [{ role: "user", content: "查一下天气" }] });
    const call = lastChat2Call(fake);
    const url = new URL(call.url, fake.url);
    expect([...url.searchParams.keys()]).toEqual(["biz_id", "fe_version", "chat_client", "device", "fr", "pr", "ut", "la", "tz", "wv", "ve", "nonce", "timestamp"]);
    expect(url.searchParams.get("wv")).toBe("4.9.1");
    expect(url.searchParams.get("nonce")).toMatch(/^[0-9a-z]{11}$/);
    const body = call.body as Record<string, unknown>;
    // Search: deep_search is CN_SEARCH_VALUE (the newer client's "normal"); chat_mode stays quick.
    expect(body).toMatchObject({ parent_req_id: "0", scene: "chat", biz_id: "ai_qwen", model: "Qwen", deep_search: "normal", chat_mode: "quick", protocol_version: "v2" });
    expect(body.enable_search).toBeUndefined();
    expect(body.messages).toEqual([{ mime_type: "text/plain", content: "查一下天气", meta_data: { ori_query: "查一下天气" }, status: "complete" }]);
    expect(body.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.req_id).toMatch(/^[0-9a-f]{32}$/);
    const h = call.headers;
    expect(h["x-chat-id"]).toBe(body.req_id as string);
    expect(JSON.parse(h["x-chat-biz"] ?? "")).toEqual({ chatId: body.req_id, agentId: "", enableWebp: "" });
    expect(h.prod_id).toBe("tongyi");
    expect(h.accept).toBe("application/json, text/event-stream, text/plain, */*");
    expect(h["x-platform"]).toBe("pc_tongyi");
    expect(h["x-device-id"]).toBe(url.searchParams.get("ut") as string);
    expect(h["x-csrf-token"]).toBe("xsrf-one-0123456789abcdef");
    expect(h.cookie).toBe(CHAT2_COOKIE_1);
    expect(h["eo-clt-acs-kp"]).toBe(TICKET_HASH);
    expect(h["bx-umidtoken"]).toBe("umid-browser-made-0123456789");
    expect(h["clt-acs-request-params"]).toBe([...url.searchParams.keys()].join(","));
    const register = fake.calls.find((c) => c.path === "/security/external/access/register");
    expect(register?.headers["bx-umidtoken"]).toBe("umid-browser-made-0123456789");
    expect(register?.headers["clt-acs-caer"]).toBe("vrad");
    expect(register?.body).toMatchObject({ businessScene: "qwen_web", unifyRelateGenerate: ["qwen_chat", "workspace_api", "voice_command"] });
    expect(fake.calls.some((c) => c.path === "/api/calibration/getMillisTimeStamp")).toBe(true);
    // The fake's clock runs 7 minutes ahead: an accepted request proves reqt followed it.
    expect(Math.abs(Number(h["clt-acs-reqt"]) - (Date.now() + fake.clockSkewMs))).toBeLessThan(60_000);
  });

  test("deletes the upstream session after success, after an error and after an abort", async () => {
    await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
    const done = (lastChat2Call(fake).body as { session_id: string }).session_id;
    await waitFor(() => fake.deletedSessions.includes(done));
    expect((await rejectionOf(gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "fixture:error-code" }] }))).status).toBe(502);
    const failed = (lastChat2Call(fake).body as { session_id: string }).session_id;
    await waitFor(() => fake.deletedSessions.includes(failed));
    const controller = new AbortController();
    const cancelledBefore = fake.cancelledStreams;
    const stream = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "drip:20" }], stream: true }, { signal: controller.signal });
    try {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) controller.abort();
    } catch {
      // the abort
    }
    const aborted = (lastChat2Call(fake).body as { session_id: string }).session_id;
    await waitFor(() => fake.cancelledStreams > cancelledBefore && fake.deletedSessions.includes(aborted));
    // M5: the single-session endpoint, with the page's common query (ut included) and x-xsrf-token.
    const deleteCall = fake.calls.find((c) => c.path === "/api/v1/session/delete" && c.rawBody.includes(done));
    expect(deleteCall?.body).toEqual({ session_id: done, biz_id: "ai_qwen" });
    const query = new URL(deleteCall?.url ?? "", fake.url).searchParams;
    expect([...query.keys()]).toEqual(["biz_id", "chat_client", "device", "fr", "pr", "ut", "la", "tz", "wv", "ve"]);
    expect(query.get("ut")).toBe(new URL(lastChat2Call(fake).url, fake.url).searchParams.get("ut"));
    expect(deleteCall?.headers["x-xsrf-token"]).toBe("xsrf-one-0123456789abcdef");
    expect(fake.deleteEndpoints.every((endpoint) => endpoint === "single")).toBe(true);
    expect(fake.calls.some((c) => c.path === "/api/v1/session/delete/batch")).toBe(false);
  });

  test("models: the live modelCode list (show:false left out), aliases to the newest of a family, tongyi-* ids", async () => {
    const list = await gw.client.models.list();
    const ids = list.data.map((m) => m.id);
    for (const id of ["Qwen", "Qwen3.8-Max", "Qwen3.7-Max", "Qwen3.6-Flash", "Qwen3.8-Max-thinking", "qwen-max", "qwen-flash"]) expect(ids).toContain(id);
    expect(ids).not.toContain("Qwen3-Max-Thinking-Preview");
    const sent = async (model: string) => {
      await gw.client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
      return (lastChat2Call(fake).body as { model: string }).model;
    };
    expect(await sent("qwen-max")).toBe("Qwen3.8-Max");
    expect(await sent("qwen-flash")).toBe("Qwen3.6-Flash");
    expect(await sent("Qwen3.7-Max")).toBe("Qwen3.7-Max");
    expect(await sent("qwen3.7-千问")).toBe("Qwen");
    expect(await sent("tongyi-qwen3-max-model")).toBe("Qwen3.8-Max");
    expect(await sent("tongyi-qwen-plus-latest")).toBe("Qwen");
    expect(await sent("tongyi-qwen3.5-flash")).toBe("Qwen3.6-Flash");
    expect((await rejectionOf(gw.client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }))).status).toBe(404);
  });
});

/** A chat2 gateway on a fake that issues `salts` per registration, the registrations so far, and a one-line request. */
function chat2WithSalts(fake: FakeChat2Upstream, salts: number) {
  fake.saltsPerRegistration = salts;
  const before = fake.registrations;
  const gw = startChat2Gateway(fake);
  const ask = () => gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
  return { gw, before, ask };
}

describe("CN chat2 signing", () => {
  let fake: FakeChat2Upstream;
  useGateway(() => {
    fake = startFakeChat2Upstream();
    return { fake };
  });

  test("one registration serves a burst; salts are spent once each across many requests, sequential and parallel", async () => {
    const { gw, before, ask } = chat2WithSalts(fake, 100);
    try {
      await Promise.all(Array.from({ length: 12 }, ask));
      expect(fake.registrations - before).toBe(1);
      for (let i = 0; i < 10; i++) await ask();
      expect(fake.refusals).toEqual([]);
      expect(new Set(fake.usedSalts).size).toBe(fake.usedSalts.length);
      expect(fake.usedSalts.length).toBe(22);
    } finally {
      await gw.stop();
    }
  });

  test("refills on the same device (M3) when salts run low, before they run out: one registration, every request signed", async () => {
    const { gw, before, ask } = chat2WithSalts(fake, 8);
    const refills = fake.refills;
    try {
      for (let i = 0; i < 6; i++) await ask();
      await waitFor(() => fake.refills > refills);
      for (let i = 0; i < 20; i++) await ask();
      await Promise.all(Array.from({ length: 12 }, ask));
      expect(fake.refusals).toEqual([]);
      expect(new Set(fake.usedSalts).size).toBe(fake.usedSalts.length);
      expect(fake.registrations - before).toBe(1);
      expect(fake.refills - refills).toBeGreaterThanOrEqual(4);
      // The refill is asked for with the qwen_web scene's id and token, as M3 describes, and no bx-umidtoken.
      const refill = fake.calls.find((c) => c.path === "/security/external/access/refresh");
      expect(refill?.headers["eo-clt-actkn"]).toStartWith("base-");
      expect(refill?.headers["bx-umidtoken"]).toBeUndefined();
      expect(refill?.url).toContain("unifyRelateGenerate=voice_command%2Cqwen_chat");
    } finally {
      fake.saltsPerRegistration = 100;
      await gw.stop();
    }
  });

  test("a token within 30 minutes of its deadline is refilled on the same device; a device past its deadline is registered anew", async () => {
    fake.saltsPerRegistration = 100;
    const gw = startChat2Gateway(fake);
    const start = Date.now();
    try {
      const ask = () => gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
      await ask();
      const registrations = fake.registrations;
      const refills = fake.refills;
      // Both qwenplug and the fake run in this process, so both clocks move. The fake's tokens last 24 h.
      setSystemTime(new Date(start + 23.7 * 3600 * 1000));
      await ask();
      await waitFor(() => fake.refills === refills + 1);
      expect(fake.registrations).toBe(registrations);
      setSystemTime(new Date(start + 49 * 3600 * 1000));
      await ask();
      expect(fake.registrations).toBe(registrations + 1);
      expect(fake.refusals).toEqual([]);
    } finally {
      setSystemTime();
      await gw.stop();
    }
  });

  test("the fake refuses a replayed salt, a tampered body and a tampered query with EX015", async () => {
    const gw = startChat2Gateway(fake);
    try {
      await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
    } finally {
      await gw.stop();
    }
    const call = lastChat2Call(fake);
    const send = (url: string, body: string) => fetch(new URL(url, fake.url), { method: "POST", headers: call.headers, body });
    const replayed = await send(call.url, call.rawBody);
    expect(replayed.status).toBe(403);
    expect(await replayed.json()).toEqual({ status: 1, code: "EX015", msg: "签名错误" });
    expect(fake.refusals.at(-1)).toBe("salt");
    await send(call.url, call.rawBody.replace('"hi"', '"hI"'));
    expect(fake.refusals.at(-1)).toBe("bfg");
    await send(call.url.replace(/nonce=[0-9a-z]+/, "nonce=00000000000"), call.rawBody);
    expect(fake.refusals.at(-1)).toBe("sign");
  });

  for (const stream of [false, true]) {
    test(`a refused signature (403 EX015) is a 503 naming what to try, never a reply, ${stream ? "streamed" : "non-streamed"}`, async () => {
      fake.refuseAllSignatures = true;
      try {
        const err = await chat2Error(fake, "hi", stream);
        expect(err.status).toBe(503);
        expect(err.code).toBe("upstream_waf_blocked");
        expect(err.message).toContain("refused the request signature");
        for (const variable of ["CN_ACCOUNT_1_SCENES", "CN_ACCOUNT_1_UMIDTOKEN", "QWEN_CN_WEB_VERSION"]) expect(err.message).toContain(variable);
        // M1: unsigned requests draw a fixed refusal, so CN_SIGNING=off is no fix to offer.
        expect(err.message).not.toContain("CN_SIGNING");
      } finally {
        fake.refuseAllSignatures = false;
      }
    });
  }

  for (const order of ["kp-query", "query-kp"] as const) {
    test(`the signing order is learned: a site expecting ${order} answers ten requests in a row with at most one refusal, and a restart keeps the order`, async () => {
      fake.signOrder = order;
      const store = createMemoryStore();
      try {
        for (const round of [1, 2]) {
          const refusals = fake.refusals.length;
          const gw = startChat2Gateway(fake, {}, { store });
          try {
            for (let i = 0; i < 10; i++) {
              const reply = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
              expect(reply.choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
            }
          } finally {
            await gw.stop();
          }
          // The default follows the newest evidence (M2: the hash after the query values); the other order costs one refusal, once.
          expect(fake.refusals.length - refusals).toBe(round === 1 && order === "kp-query" ? 1 : 0);
        }
      } finally {
        fake.signOrder = "query-kp";
      }
    });
  }

  test("CN_SIGN_ORDER forces one order: a site expecting the other refuses it, and the error names CN_SIGN_ORDER=auto", async () => {
    fake.signOrder = "query-kp";
    const refused = await chat2Error(fake, "hi", false, { CN_SIGN_ORDER: "kp-query" });
    expect(fake.refusals.at(-1)).toBe("sign");
    expect(refused.message).toContain("CN_SIGN_ORDER=auto");
    const gw = startChat2Gateway(fake, { CN_SIGN_ORDER: "query-kp" });
    try {
      const reply = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
      expect(reply.choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
    } finally {
      await gw.stop();
    }
  });

  test("CN_SIGNING=off sends no signing headers and no registration; the upstream's verdict decides", async () => {
    fake.requireSignature = false;
    const registrations = fake.registrations;
    const gw = startChat2Gateway(fake, { CN_SIGNING: "off" });
    try {
      const reply = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
      expect(reply.choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
      const headers = lastChat2Call(fake).headers;
      expect(Object.keys(headers).filter((h) => h.startsWith("clt-acs") || h.startsWith("eo-clt"))).toEqual([]);
      expect(fake.registrations).toBe(registrations);
    } finally {
      fake.requireSignature = true;
      await gw.stop();
    }
    const err = await chat2Error(fake, "hi", false, { CN_SIGNING: "off" });
    expect(fake.refusals.at(-1)).toBe("unsigned");
    expect(err.message).toContain("refused the request signature");
  });

  test("a refused device registration is an upstream error naming CN_ACCOUNT_1_UMIDTOKEN, not an anti-bot block; no chat request is sent", async () => {
    fake.registrationAnswer = () => new Response(JSON.stringify({ status: 1, code: "RG001", msg: "umid invalid" }), { status: 200, headers: { "content-type": "application/json" } });
    const chats = chat2Calls(fake).length;
    try {
      const err = await chat2Error(fake, "hi", false);
      expect(err.status).toBe(502);
      expect(err.code).toBe("upstream_error");
      expect(err.message).toContain("refused the signing-device registration");
      expect(err.message).toContain("RG001 umid invalid");
      expect(err.message).toContain("CN_ACCOUNT_1_UMIDTOKEN");
      expect(chat2Calls(fake).length).toBe(chats);
    } finally {
      fake.registrationAnswer = undefined;
    }
  });
});

describe("CN chat2 failures reach the client as OpenAI errors", () => {
  let fake: FakeChat2Upstream;
  useGateway(() => {
    fake = startFakeChat2Upstream();
    return { fake };
  });

  for (const stream of [false, true]) {
    const mode = stream ? "streamed" : "non-streamed";

    test(`not logged in (HTTP 401, or an error_code saying so) is a 503 naming CN_ACCOUNT_1_COOKIE, ${mode}`, async () => {
      fake.deadAccounts.add("ticket-one");
      try {
        const err = await chat2Error(fake, "hi", stream);
        expect(err.status).toBe(503);
        expect(err.code).toBe("upstream_account_expired");
        expect(err.message).toContain("CN_ACCOUNT_1_COOKIE");
      } finally {
        fake.deadAccounts.clear();
      }
      const inStream = await chat2Error(fake, "fixture:error-login", stream);
      expect(inStream.code).toBe("upstream_account_expired");
    });

    test(`WAF JSON and captcha HTML are a 503 with Retry-After, ${mode}`, async () => {
      for (const prompt of ["fixture:waf-json", "fixture:waf-page chunk:5"]) {
        const err = await chat2Error(fake, prompt, stream);
        expect(err.status).toBe(503);
        expect(err.code).toBe("upstream_waf_blocked");
        expect(Number(err.headers?.get("retry-after"))).toBeGreaterThan(0);
        expect(err.message).toContain("CN_ACCOUNT_1_UMIDTOKEN");
      }
    });

    test(`5xx is a 502, ${mode}`, async () => {
      const err = await chat2Error(fake, "fixture:server-error", stream);
      expect(err.status).toBe(502);
      expect(err.message).toContain("CN_PROTOCOL=dialog");
    });

    test(`an error_code frame is an error, never part of the answer, ${mode}`, async () => {
      const err = await chat2Error(fake, "fixture:error-code", stream);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.message).toContain("10010");
      expect(err.message).toContain("内容生成失败");
      expect(err.message).toContain("CN_PROTOCOL=dialog");
    });
  }

  test("a truncated stream is never a clean stop", async () => {
    const err = await chat2Error(fake, "fixture:truncated", false);
    expect(err.status).toBe(502);
    expect(err.code).toBe("upstream_truncated");
    const gw = startChat2Gateway(fake);
    try {
      const { content, caught } = await streamUntilError(gw, "qwen", "fixture:truncated");
      expect(content).toBe("说到一半就断");
      expect((caught as Error).message).toContain("ended before the reply finished");
    } finally {
      await gw.stop();
    }
  });

  test("a redirect names its target host; an unreadable error body and a broken stream are errors, not exceptions", async () => {
    fake.respond = (body) => {
      const prompt = String((body.messages as Array<{ content: string }>)[0]?.content);
      if (prompt === "redirect") return new Response(null, { status: 302, headers: { location: "https://login.qianwen.com/login?x=1" } });
      const broken = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(prompt === "broken-stream" ? 'data:{"error_code":0,"data":{"messages":[{"mime_type":"multi_load/iframe","content":"开"}]}}\n\n' : "<html>"));
          controller.error(CONNECTION_RESET);
        },
      });
      return new Response(broken, { status: prompt === "broken-stream" ? 200 : 500, headers: { "content-type": prompt === "broken-stream" ? "text/event-stream" : "text/html" } });
    };
    try {
      const redirect = await chat2Error(fake, "redirect", false);
      expect(redirect.status).toBe(502);
      expect(redirect.message).toContain("login.qianwen.com");
      const unreadable = await chat2Error(fake, "unreadable", false);
      expect(unreadable.status).toBeGreaterThanOrEqual(500);
      const broken = await chat2Error(fake, "broken-stream", false);
      expect(broken.status).toBe(502);
    } finally {
      fake.respond = undefined;
    }
  });

  test("an account found logged out is confirmed by /api/v1/user/info and marked invalid", async () => {
    fake.deadAccounts.add("ticket-one");
    const gw = startChat2Gateway(fake);
    try {
      expect((await rejectionOf(gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] }))).status).toBe(503);
      await waitFor(() => gw.app.pools.cn.snapshot()[0]?.state === "invalid");
      expect(fake.calls.some((c) => c.path === "/api/v1/user/info")).toBe(true);
    } finally {
      fake.deadAccounts.clear();
      await gw.stop();
    }
  });

  test("with two accounts, a logged-out one fails over to the other before any text", async () => {
    fake.deadAccounts.add("ticket-one");
    const gw = startChat2Gateway(fake, { CN_ACCOUNT_2_COOKIE: COOKIE_2 });
    try {
      const reply = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
      expect(reply.choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
    } finally {
      fake.deadAccounts.clear();
      await gw.stop();
    }
  });
});

describe("loadConfig: CN chat2 settings", () => {
  test("chat2 and signing by default; QWEN_CN_BASE_URL replaces every mainland host", () => {
    const defaults = loadConfig({ CN_ACCOUNT_1_COOKIE: COOKIE_1 });
    expect(defaults).toMatchObject({
      cnProtocol: "chat2",
      cnSigning: true,
      cnWebVersion: "4.9.1",
      cnChatUrl: "https://chat2.qianwen.com",
      cnApiUrl: "https://chat2-api.qianwen.com",
      cnSecUrl: "https://sec.qianwen.com",
      cnResUrl: "https://workspace-res.qianwen.com",
      cnBaseUrl: "https://api.qianwen.com",
    });
    const single = loadConfig({ QWEN_CN_BASE_URL: "http://relay.local:8080/", QWEN_CN_SEC_URL: "https://other.example" });
    for (const key of ["cnChatUrl", "cnApiUrl", "cnSecUrl", "cnResUrl", "cnBaseUrl"] as const) expect(single[key]).toBe("http://relay.local:8080");
    expect(() => loadConfig({ CN_PROTOCOL: "v3" })).toThrow(/^CN_PROTOCOL must be one of chat2, dialog/);
    expect(() => loadConfig({ CN_SIGNING: "maybe" })).toThrow(/^CN_SIGNING must be one of on, off/);
    expect(() => loadConfig({ CN_SIGN_ORDER: "random" })).toThrow(/^CN_SIGN_ORDER must be one of auto, kp-query, query-kp/);
    expect(defaults.cnSignOrder).toBe("auto");
    expect(defaults.cnRegisterIntervalMs).toBe(10_000);
    // The unverified thinking and search values (M4) and the refusal patterns (M1, none by default).
    expect(defaults).toMatchObject({ cnThinkMode: "think", cnSearchValue: "normal", cnRefusalPatterns: [] });
    expect(loadConfig({ CN_THINK_MODE: "deep", CN_SEARCH_VALUE: "1" })).toMatchObject({ cnThinkMode: "deep", cnSearchValue: "1" });
    expect(() => loadConfig({ CN_THINK_MODE: "two words" })).toThrow(/^CN_THINK_MODE must be one short word/);
    expect(loadConfig({ CN_REFUSAL_PATTERNS: " 抱歉，我无法 | Sorry, I can't |" }).cnRefusalPatterns).toEqual(["抱歉，我无法", "sorry, i can't"]);
    expect(String(loadConfig({ CN_REFUSAL_PATTERNS: "/^无法.*回答$/s" }).cnRefusalPatterns)).toBe("/^无法.*回答$/s");
    expect(() => loadConfig({ CN_REFUSAL_PATTERNS: "/(unclosed/" })).toThrow(/^CN_REFUSAL_PATTERNS is not a valid regular expression/);
    expect(loadConfig({ CAPTURE_DIR: " /tmp/qwen-capture " }).captureDir).toBe("/tmp/qwen-capture");
    expect(defaults.captureDir).toBeUndefined();
    expect(() => loadConfig({ CN_ACCOUNT_2_UMIDTOKEN: "x" })).toThrow(/CN_ACCOUNT_2_COOKIE is not/);
    const withUmid = loadConfig({ CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_1_UMIDTOKEN: "umid-secret-0123456789" });
    expect(withUmid.cnAccounts[0]?.umidToken).toBe("umid-secret-0123456789");
    expect(withUmid.secrets).toContain("umid-secret-0123456789");
  });
});

describe("accounting and clean-up under hostile clients (issue 10 #11, #12)", () => {
  test("#11 a chat2 request aborted before the first upstream event still deletes its session", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      // Headers, then silence: the client leaves before any event names the session.
      fake.respond = () => new Response(new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => {}) }), { headers: { "content-type": "text/event-stream" } });
      const controller = new AbortController();
      const response = fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "qwen", stream: false, messages: [{ role: "user", content: "hi" }] }),
        signal: controller.signal,
      }).catch(() => undefined);
      await waitFor(() => fake.calls.some((c) => c.path === "/api/v2/chat"));
      const sent = fake.calls.find((c) => c.path === "/api/v2/chat")?.body as { session_id?: string };
      controller.abort();
      await response;
      await waitFor(() => fake.deletedSessions.includes(String(sent.session_id)));
    });
  });

  test("#12 a client that drops mid-upload is logged as 499 client_closed, not a 500", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (_fake, gw) => {
      const { connect } = await import("node:net");
      const socket = connect(Number(new URL(gw.url).port), "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${MASTER_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"model":"qwen-max","messages":[`);
      await Bun.sleep(100);
      socket.destroy();
      await waitFor(() => gw.logs.some((line) => line.includes("/v1/chat/completions")));
      const line = gw.logs.find((l) => l.includes("/v1/chat/completions")) ?? "";
      expect(line).toContain(" 499 ");
      expect(gw.logs.join("\n")).not.toContain("internal error");
    });
  });

  test("#12 an account that keeps answering 5xx is rested with back-off, and the others serve meanwhile", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_2_COOKIE: COOKIE_2 }), async (fake, gw) => {
      fake.respond = (_body, headers) => ((headers.get("cookie") ?? "").includes("ticket-one") ? new Response("<html>502 Bad Gateway</html>", { status: 502, headers: { "content-type": "text/html" } }) : undefined);
      for (let i = 0; i < 8; i++) expect((await collectStream(gw.client, "fixture:plain")).content).toBe("你好！我是通义千问，有什么可以帮你？");
      const account1 = gw.app.pools.cn.snapshot().find((a) => a.number === 1);
      expect(account1?.state).toBe("cooling");
      // Three failures in a row rest it; after that it is no longer tried first on every request.
      expect(account1?.failures.upstream).toBe(3);
      expect(account1?.available_in_s).toBeGreaterThan(0);
    });
  });
});

describe("Responses store limits", () => {
  test("RESPONSES_STORE_MAX evicts the oldest reply first; RESPONSES_STORE_TTL_MS expires replies", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { RESPONSES_STORE_MAX: "2", RESPONSES_STORE_TTL_MS: "1000" }), async (_, gw) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await gw.client.responses.create({ model: "qwen-max", input: "fixture:plain" })).id);
      expect((await apiError(gw.client.responses.retrieve(ids[0] as string))).status).toBe(404);
      expect((await gw.client.responses.retrieve(ids[1] as string)).id).toBe(ids[1] as string);
      expect((await gw.client.responses.retrieve(ids[2] as string)).id).toBe(ids[2] as string);
      const started = Date.now();
      await waitFor(() => Date.now() - started > 1100);
      expect((await apiError(gw.client.responses.retrieve(ids[2] as string))).status).toBe(404);
    });
  });
});

describe("Claude model names on every mainland protocol", () => {
  test("claude-* names (Claude Code's defaults) resolve on chat2 too: Max for sonnet/opus, Flash for haiku", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      const anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0 });
      for (const [model, family] of [["claude-opus-4-8", /max/i], ["claude-sonnet-4-6", /max/i], ["claude-haiku-4-5", /flash/i]] as const) {
        const before = fake.calls.length;
        const message = await anthropic.messages.create({ model, max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
        expect(message.model).toBe(model);
        const sent = fake.calls.slice(before).find((c) => c.path === "/api/v2/chat")?.body as { model?: string };
        expect(sent.model).toMatch(family);
      }
    });
  });
});

// ── Operations (issue 15): fair use, check, start-up probe, status page ─────

describe("fair use of accounts (issue 15)", () => {
  test("10 sequential requests over 3 accounts split 4/3/3, in turn", async () => {
    const accounts = [1, 2, 3].map((number) => ({ upstream: "cn" as const, number }));
    const pool = createPool({ name: "cn", accounts, credentialVar: (n) => `CN_ACCOUNT_${n}_COOKIE`, probe: async () => "alive" }, { maxInFlight: 4, queueTimeoutMs: 0, reprobeMs: 60_000 });
    const signal = new Stop();
    const order: number[] = [];
    for (let i = 0; i < 10; i++) {
      const slot = await pool.acquire(new Set(), signal);
      if (slot === undefined) throw new Error("no account");
      order.push(slot.account.number);
      pool.release(slot, { kind: "success" }, 100);
    }
    expect(order).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1]);
    expect(pool.snapshot().map((a) => a.successes)).toEqual([4, 3, 3]);
  });

  test("load still comes first: a busy account is passed over even when it was used least recently", async () => {
    const accounts = [1, 2].map((number) => ({ upstream: "cn" as const, number }));
    const pool = createPool({ name: "cn", accounts, credentialVar: (n) => `CN_ACCOUNT_${n}_COOKIE`, probe: async () => "alive" }, { maxInFlight: 4, queueTimeoutMs: 0, reprobeMs: 60_000 });
    const signal = new Stop();
    const first = await pool.acquire(new Set(), signal);
    const second = await pool.acquire(new Set(), signal);
    const third = await pool.acquire(new Set(), signal);
    // 1 then 2 (least recently used), then 1 again: both hold one request and 1 was chosen longest ago.
    expect([first, second, third].map((s) => s?.account.number)).toEqual([1, 2, 1]);
    pool.release(first as NonNullable<typeof first>, { kind: "success" }, undefined);
    // Account 1 still holds one request and account 2 one: 2 was used longer ago.
    const fourth = await pool.acquire(new Set(), signal);
    expect(fourth?.account.number).toBe(2);
    for (const slot of [second, third, fourth]) pool.release(slot as NonNullable<typeof slot>, { kind: "success" }, undefined);
  });

  test("over HTTP: sequential chats on three CN accounts reach the upstream with each account's cookie in turn", async () => {
    const cookies = [COOKIE_1, COOKIE_2, "tongyi_sso_ticket=ticket-three-SECRET-zyxwvutsrq987654"];
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_2_COOKIE: cookies[1], CN_ACCOUNT_3_COOKIE: cookies[2] }), async (fake, gw) => {
      for (let i = 0; i < 10; i++) await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
      const chats = fake.calls.filter((c) => c.path === "/dialog/conversation");
      const perAccount = cookies.map((cookie) => chats.filter((c) => c.headers.cookie === cookie).length);
      expect(perAccount).toEqual([4, 3, 3]);
    });
  });
});

const COOKIE_3 = "tongyi_sso_ticket=ticket-three-SECRET-zyxwvutsrq987654";
/** What no line, page or JSON of the operations tools may ever contain. */
const SECRET_MARKERS = ["ticket-one-SECRET", "ticket-two-SECRET", "ticket-three-SECRET", "xsrf-one-0123456789abcdef", "intl-SECRET-token", MASTER_KEY];
const expectNoSecret = (text: string) => {
  for (const marker of SECRET_MARKERS) expect(text).not.toContain(marker);
};
/** A config for in-process checks: both upstreams on fakes (or a closed port). */
const checkConfig = (env: Record<string, string>) =>
  loadConfig({ PORT: "0", HOST: "127.0.0.1", QWEN_CN_BASE_URL: "http://127.0.0.1:9", QWEN_INTL_BASE_URL: "http://127.0.0.1:9", CN_PROTOCOL: "dialog", ...env });

describe("bun index.ts --check (issue 15)", () => {
  test("liveness calls on every account: a logged-out one names its variable, nothing secret is printed, not all usable", async () => {
    const cn = startFakeCnUpstream();
    const intl = startFakeIntlUpstream();
    try {
      cn.deadAccounts.add("ticket-two");
      const seen: string[] = [];
      const fetchSpy = ((input: string | URL | Request, init?: RequestInit) => {
        seen.push(new URL(typeof input === "string" || input instanceof URL ? input : input.url).pathname);
        return fetch(input, init);
      }) as typeof fetch;
      const config = checkConfig({ QWEN_CN_BASE_URL: cn.url, CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_2_COOKIE: COOKIE_2, QWEN_INTL_BASE_URL: intl.url, INTL_ACCOUNT_1_TOKEN: INTL_TOKEN });
      const checks = await checkAccounts(config, { withChat: false, fetch: fetchSpy });
      expect(checks.map(({ upstream, number, state, refresh }) => ({ upstream, number, state, refresh }))).toEqual([
        { upstream: "cn", number: 1, state: "ok", refresh: undefined },
        { upstream: "cn", number: 2, state: "logged_out", refresh: "CN_ACCOUNT_2_COOKIE" },
        { upstream: "intl", number: 1, state: "ok", refresh: undefined },
      ]);
      for (const check of checks) expect(check.latencyMs).toBeGreaterThanOrEqual(0);
      // Liveness calls only: no chat was started without --check=chat.
      expect(seen.filter((path) => path.includes("/conversation") || path.includes("/chat/completions"))).toEqual([]);
      expect(seen.filter((path) => path === "/dialog/session/list")).toHaveLength(2);
      const { lines, isAllUsable } = formatCheck(checks);
      expect(isAllUsable).toBe(false);
      expect(lines[1]).toMatch(/^CN +account 2 +logged_out +\d+ ms +refresh CN_ACCOUNT_2_COOKIE$/);
      expect(lines.at(-1)).toBe("qwenplug check: 2 of 3 account(s) usable");
      expectNoSecret(lines.join("\n"));
    } finally {
      await cn.stop();
      await intl.stop();
    }
  });

  test("--check=chat: one tiny chat per live account, its upstream chat deleted; a failing chat is reported by kind", async () => {
    const cn = startFakeCnUpstream();
    try {
      // Account 2's chats fail with a 500; its liveness call still answers.
      const failing = ((input: string | URL | Request, init?: RequestInit) => {
        const url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
        const cookie = new Headers(init?.headers).get("cookie") ?? "";
        if (url.endsWith("/dialog/conversation") && cookie.includes("ticket-two")) return Promise.resolve(new Response("oops", { status: 500 }));
        return fetch(input, init);
      }) as typeof fetch;
      const config = checkConfig({ QWEN_CN_BASE_URL: cn.url, CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_2_COOKIE: COOKIE_2 });
      const checks = await checkAccounts(config, { withChat: true, fetch: failing });
      expect(checks.map((c) => [c.number, c.state, c.chatFailure])).toEqual([
        [1, "ok", undefined],
        [2, "chat_failed", "upstream"],
      ]);
      const chats = cn.calls.filter((c) => c.path === "/dialog/conversation");
      expect(chats).toHaveLength(1);
      expect(cn.deletedSessions.length).toBeGreaterThanOrEqual(1);
      const { lines, isAllUsable } = formatCheck(checks);
      expect(isAllUsable).toBe(false);
      expect(lines[1]).toContain("the test chat failed (upstream)");
      expectNoSecret(lines.join("\n"));
    } finally {
      await cn.stop();
    }
  });

  test("no account configured: says what to set, not usable", () => {
    expect(formatCheck([])).toEqual({
      lines: ["qwenplug check: no account is configured; set INTL_ACCOUNT_1_REFRESH_TOKEN with INTL_ACCOUNT_1_EMAIL and INTL_ACCOUNT_1_PASSWORD (chat.qwen.ai) or CN_ACCOUNT_1_COOKIE (qianwen.com)."],
      isAllUsable: false,
    });
  });

  test("the start-up line names the address to open from this machine, as the README does (issue 23)", () => {
    const line = (env: Record<string, string>) => listeningLine(loadConfig({ CN_ACCOUNT_1_COOKIE: COOKIE_1, ...env }), 8082);
    expect(line({})).toContain("listening on 0.0.0.0:8082 (http://127.0.0.1:8082 from this machine) — CN accounts: 1; INTL accounts: none; no API_MASTER_KEY");
    expect(line({ HOST: "127.0.0.1", API_MASTER_KEY: MASTER_KEY })).toContain("listening on http://127.0.0.1:8082 — CN accounts: 1; INTL accounts: none; 1 API key(s)");
  });

  test("the real CLI: exit 0 when every account is usable, 1 with a logged-out one, 2 for an unknown mode; one line per account", async () => {
    const cn = startFakeCnUpstream();
    try {
      cn.deadAccounts.add("ticket-three");
      const run = async (args: string[], env: Record<string, string>) => {
        const child = Bun.spawn([process.execPath, "index.ts", ...args], {
          cwd: import.meta.dir,
          env: { ...process.env, HOST: "127.0.0.1", QWEN_CN_BASE_URL: cn.url, QWEN_INTL_BASE_URL: "http://127.0.0.1:9", CN_PROTOCOL: "dialog", STATE_PATH: "off", ...env },
          stdout: "pipe",
          stderr: "pipe",
        });
        const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
        return { out, err, code };
      };
      const good = await run(["--check=chat"], { CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_2_COOKIE: COOKIE_2 });
      expect(good.code).toBe(0);
      expect(good.out.trim().split("\n")).toHaveLength(4);
      expect(good.out).toMatch(/^CN +account 1 +ok +\d+ ms\nCN +account 2 +ok +\d+ ms\nqwenplug check: 2 of 2 account\(s\) usable\nqwenplug state: in memory \(STATE_PATH=off\): nothing survives a restart\n$/);
      const bad = await run(["--check"], { CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_3_COOKIE: COOKIE_3 });
      expect(bad.code).toBe(1);
      expect(bad.out).toContain("refresh CN_ACCOUNT_3_COOKIE");
      expectNoSecret(good.out + good.err + bad.out + bad.err);
      const unknown = await run(["--check=everything"], { CN_ACCOUNT_1_COOKIE: COOKIE_1 });
      expect(unknown.code).toBe(2);
      expect(unknown.err).toContain("unknown option --check=everything");
    } finally {
      await cn.stop();
    }
  }, 30_000);
});

describe("start-up probe (issue 15)", () => {
  test("every account is probed through its pool; /status tells a logged-out account from a live one, and the log says it once with the variable", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_2_COOKIE: COOKIE_2, CN_ACCOUNT_3_COOKIE: COOKIE_3 }), async (fake, gw) => {
      fake.deadAccounts.add("ticket-two");
      const states = () => gw.app.pools.cn.snapshot().map((a) => a.state);
      // Before the probe, an expired account looks healthy: the defect the probe fixes.
      expect(states()).toEqual(["healthy", "healthy", "healthy"]);
      const lines: string[] = [];
      await probeAccountsAtStart(gw.app, (line) => lines.push(line));
      expect(states()).toEqual(["healthy", "invalid", "healthy"]);
      expect(lines.filter((l) => l.includes("logged out"))).toEqual([expect.stringMatching(/^qwenplug: CN account 2 is logged out \(liveness check, \d+ ms\): refresh CN_ACCOUNT_2_COOKIE, then restart$/)]);
      expect(lines.filter((l) => l.includes("is usable"))).toHaveLength(2);
      const status = (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { upstreams: { cn: { accounts: Array<{ number: number; state: string; refresh?: string }> } } };
      expect(status.upstreams.cn.accounts.map((a) => [a.number, a.state, a.refresh])).toEqual([
        [1, "healthy", undefined],
        [2, "invalid", "CN_ACCOUNT_2_COOKIE"],
        [3, "healthy", undefined],
      ]);
      // Traffic now skips the dead account from the first request.
      await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
      expect(fake.calls.filter((c) => c.path === "/dialog/conversation").map((c) => c.headers.cookie)).toEqual([COOKIE_1]);
    });
  });

  test("bounded concurrency: at most 4 liveness calls at once, every account probed once", async () => {
    const accounts = Array.from({ length: 10 }, (_, i) => ({ upstream: "intl" as const, number: i + 1 }));
    let running = 0;
    let peak = 0;
    const probed: number[] = [];
    const adapter = {
      name: "intl" as const,
      accounts,
      credentialVar: (n: number) => `INTL_ACCOUNT_${n}_TOKEN`,
      probe: async (account: { number: number }) => {
        running++;
        peak = Math.max(peak, running);
        await Bun.sleep(5);
        running--;
        probed.push(account.number);
        return "alive" as const;
      },
    };
    const none = { name: "cn" as const, accounts: [], credentialVar: (n: number) => `CN_ACCOUNT_${n}_COOKIE`, probe: async () => "alive" as const };
    const options = { maxInFlight: 1, queueTimeoutMs: 0, reprobeMs: 60_000 };
    await probeAccountsAtStart({ pools: { cn: createPool(none, options), intl: createPool(adapter, options) }, adapters: { cn: none, intl: adapter } }, () => {});
    expect(peak).toBe(4);
    expect(probed.sort((a, b) => a - b)).toEqual(accounts.map((a) => a.number));
  });

  test("the real server logs each account's state within seconds of start", () =>
    withChildGateway({}, async (child) => {
      const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let out = "";
      const deadline = Date.now() + 5000;
      while (!out.includes("CN account 1 is usable") && Date.now() < deadline) {
        const { done, value } = await reader.read();
        if (done) break;
        out += decoder.decode(value, { stream: true });
      }
      reader.releaseLock();
      expect(out).toMatch(/qwenplug: CN account 1 is usable \(liveness check, \d+ ms\)/);
      expectNoSecret(out);
    }), 30_000);
});

describe("status page and /status window (issue 15)", () => {
  const html = (url: string, headers: Record<string, string> = {}) => fetch(`${url}/`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8", ...headers } });

  test("GET / gives a browser the page (the same bytes with or without a key, a CSP, no secret); scripts keep the health JSON", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (_fake, gw) => {
      const page = await html(gw.url);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
      expect(csp).toContain("connect-src 'self'");
      const body = await page.text();
      expect(body).toStartWith("<!doctype html>");
      expect(body).not.toMatch(/(src|href)="(https?:)?\/\//);
      expectNoSecret(body);
      expect(await (await html(gw.url, { authorization: `Bearer ${MASTER_KEY}` })).text()).toBe(body);
      for (const headers of [{ accept: "application/json" }, {}, { accept: "*/*" }] as Array<Record<string, string>>) {
        const response = await fetch(`${gw.url}/`, { headers });
        expect(response.headers.get("content-type")).toContain("application/json");
        expect(((await response.json()) as { status: string }).status).toBe("ok");
      }
    });
  });

  test("the CSP hashes match the page's inline style and script", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (_fake, gw) => {
      const page = await html(gw.url);
      const csp = page.headers.get("content-security-policy") ?? "";
      const body = await page.text();
      const digest = (text: string) => `'sha256-${new Bun.CryptoHasher("sha256").update(text).digest("base64")}'`;
      const script = /<script>([\s\S]*?)<\/script>/.exec(body)?.[1] ?? "";
      const style = /<style>([\s\S]*?)<\/style>/.exec(body)?.[1] ?? "";
      expect(csp).toContain(`script-src ${digest(script)}`);
      expect(csp).toContain(`style-src ${digest(style)}`);
    });
  });

  test("without API_MASTER_KEY the page is for this machine only, like every route", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { API_MASTER_KEY: undefined }), async (_fake, gw) => {
      expect((await html(gw.url)).status).toBe(200);
      const foreign = await html(gw.url, { host: "qwenplug.example.com" });
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get("content-type")).toContain("application/json");
      const proxied = await html(gw.url, { "x-forwarded-for": "203.0.113.9" });
      expect(proxied.status).toBe(401);
    });
  });

  test("/status: a rolling window of 60 ten-second buckets counts completions, failures and TTFT; /health has the uptime", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (fake, gw) => {
      for (let i = 0; i < 3; i++) await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
      await collectStream(gw.client, "fixture:plain");
      fake.respond = () => new Response("busy", { status: 500 });
      await apiError(gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] }));
      fake.respond = undefined;
      // Not completions: not counted.
      await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      type Window = { bucket_s: number; buckets: Array<{ start: number; requests: number; errors: number; ttft_avg_ms: number | null }> };
      const status = (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { window: Window };
      const { window } = status;
      expect(window.bucket_s).toBe(10);
      expect(window.buckets).toHaveLength(60);
      expect(window.buckets.every((b, i) => i === 0 || b.start - (window.buckets[i - 1] as { start: number }).start === 10_000)).toBe(true);
      expect(window.buckets.at(-1)?.start).toBeLessThanOrEqual(Date.now());
      expect(window.buckets.reduce((n, b) => n + b.requests, 0)).toBe(5);
      expect(window.buckets.reduce((n, b) => n + b.errors, 0)).toBe(1);
      expect(window.buckets.some((b) => b.ttft_avg_ms !== null && b.ttft_avg_ms >= 0)).toBe(true);
      const health = (await (await fetch(`${gw.url}/health`)).json()) as { uptime_s: number };
      expect(health.uptime_s).toBeGreaterThanOrEqual(0);
      expect((await fetch(`${gw.url}/status`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    });
  });
});

// ── The status page in a real headless browser (issue 15) ───────────────────

/** Debian's headless Chromium (.ci/run installs it with apt), or CHROMIUM_PATH. */
const BROWSER_PATH = [Bun.env.CHROMIUM_PATH, "/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].find((path) => path !== undefined && path !== "" && Bun.which(path) !== null);
/** Flags for a container without a GPU, sandbox or network beyond loopback. */
const BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

describe("status page in a headless browser (issue 15)", () => {
  if (BROWSER_PATH === undefined) console.log("skipping the status page browser test: neither chromium-headless-shell nor chromium is installed (apt-get install -y chromium-headless-shell, or set CHROMIUM_PATH)");

  test.skipIf(BROWSER_PATH === undefined)(
    "the key entered once shows each upstream's accounts and the traffic chart, survives a reload, and no secret reaches the DOM",
    async () => {
      const { chromium } = await import("playwright-core");
      const { mkdtempSync, rmSync, statSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      const cn = startFakeCnUpstream();
      const intl = startFakeIntlUpstream();
      const gw = launchGateway({
        QWEN_CN_BASE_URL: cn.url,
        CN_ACCOUNT_1_COOKIE: COOKIE_1,
        CN_ACCOUNT_2_COOKIE: COOKIE_2,
        CN_ACCOUNT_3_COOKIE: COOKIE_3,
        QWEN_INTL_BASE_URL: intl.url,
        INTL_ACCOUNT_1_TOKEN: INTL_TOKEN,
        DEFAULT_UPSTREAM: "cn",
      });
      const profile = mkdtempSync(join(tmpdir(), "qwenplug-browser-"));
      const context = await chromium.launchPersistentContext(profile, { executablePath: BROWSER_PATH, headless: true, args: BROWSER_ARGS, viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1 });
      try {
        cn.deadAccounts.add("ticket-two");
        await probeAccountsAtStart(gw.app, () => {});
        for (let i = 0; i < 6; i++) await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
        await gw.client.chat.completions.create({ model: "intl/qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
        cn.respond = () => new Response("busy", { status: 500 });
        await apiError(gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] }));
        cn.respond = undefined;

        const page = context.pages()[0] ?? (await context.newPage());
        const problems: string[] = [];
        // Every console error counts: a visit without a key asks nothing that answers 401 (issue 23).
        page.on("console", (message) => {
          if (message.type() === "error") problems.push(message.text());
        });
        page.on("pageerror", (err) => problems.push(err.message));
        const statusCalls: number[] = [];
        page.on("response", (response) => {
          if (new URL(response.url()).pathname === "/status") statusCalls.push(response.status());
        });
        await page.goto(`${gw.url}/`);
        // The public part needs no key.
        await page.waitForFunction('document.getElementById("health")?.textContent === "ok"');
        expect(await page.textContent("#base")).toBe(`${gw.url}/v1`);
        expect(await page.isVisible("#private")).toBe(false);
        await page.waitForSelector("#keyform:not([hidden])");
        expect(statusCalls).toEqual([]);

        await page.fill("#key", MASTER_KEY);
        await page.click("#keyform button[type=submit]");
        await page.waitForSelector("table[data-upstream=cn] tr:nth-child(4)");
        const rows = await page.$$eval("table[data-upstream=cn] tr", (trs) => trs.slice(1).map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
        expect(rows.map((r) => [r[0], r[1]])).toEqual([
          ["1", "healthy"],
          ["2", "invalid"],
          ["3", "healthy"],
        ]);
        expect(rows[1]?.[7]).toBe("refresh CN_ACCOUNT_2_COOKIE");
        // Logged out by the start-up probe, no request failed on it: the last error still says why.
        expect(rows[1]?.[5]).toMatch(/^auth \(\d+ s ago\)$/);
        expect(await page.$$eval("table[data-upstream=intl] tr", (trs) => trs.length)).toBe(2);
        // The chart: a bar for the minute's completions, a TTFT line.
        expect(await page.$$eval("svg#chart .bars rect", (rects) => rects.length)).toBeGreaterThan(0);
        expect(await page.$$eval("svg#chart polyline.ttft", (lines) => lines.length)).toBe(1);
        expect(await page.textContent("#chart-legend")).toContain("8 completion(s), 1 failed");
        expect(await page.textContent("#state")).toBe("State: in memory only: nothing survives a restart (STATE_PATH=off)");
        // The typed key is not left in the field; it lives in localStorage only.
        expect(await page.inputValue("#key")).toBe("");
        expectNoSecret(await page.content());

        await page.reload();
        await page.waitForSelector("table[data-upstream=cn] tr:nth-child(4)");
        expectNoSecret(await page.content());
        expect(problems).toEqual([]);

        const shot = Bun.env.UPDATE_SCREENSHOT === "1" ? join(import.meta.dir, "docs", "status-page.png") : join(profile, "status-page.png");
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeLessThan(150_000);
        expect(statusCalls.every((status) => status === 200)).toBe(true);

        // A phone (390 × 844): nothing wider than the screen, the tables scroll in their box, the chart as tall as on a desktop.
        await page.setViewportSize({ width: 390, height: 844 });
        await page.reload();
        await page.waitForSelector("table[data-upstream=cn] tr:nth-child(4)");
        expect(await page.$eval("html", (html) => html.scrollWidth)).toBeLessThanOrEqual(390);
        const chart = await page.$eval("svg#chart", (svg) => svg.getBoundingClientRect().height);
        expect(chart).toBeGreaterThan(140);
        if (Bun.env.PHONE_SHOT !== undefined) await page.screenshot({ path: Bun.env.PHONE_SHOT, fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
        await gw.stop();
        await cn.stop();
        await intl.stop();
      }
    },
    60_000,
  );
});

describe("the /status window rolls (issue 15)", () => {
  test("completions older than 10 minutes leave the window; a new one lands in the newest bucket", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (_fake, gw) => {
      type Window = { buckets: Array<{ start: number; requests: number }> };
      const window = async () => ((await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { window: Window }).window;
      const ask = () => gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
      await ask();
      expect((await window()).buckets.at(-1)?.requests).toBe(1);
      const start = Date.now();
      try {
        setSystemTime(new Date(start + 5 * 60_000));
        const halfway = await window();
        expect(halfway.buckets.reduce((n, b) => n + b.requests, 0)).toBe(1);
        expect(halfway.buckets.at(-1)?.requests).toBe(0);
        setSystemTime(new Date(start + 11 * 60_000));
        expect((await window()).buckets.reduce((n, b) => n + b.requests, 0)).toBe(0);
        await ask();
        const after = await window();
        expect(after.buckets.at(-1)?.requests).toBe(1);
        expect(after.buckets.reduce((n, b) => n + b.requests, 0)).toBe(1);
      } finally {
        setSystemTime();
      }
    });
  });
});

describe("--check on the chat2 adapter (issue 15)", () => {
  test("CN_PROTOCOL=chat2: the check uses that adapter's liveness call and test chat; a logged-out account names its cookie variable", async () => {
    const fake = startFakeChat2Upstream();
    try {
      fake.deadAccounts.add("chat2-two");
      const config = checkConfig({ CN_PROTOCOL: "chat2", QWEN_CN_BASE_URL: fake.url, CN_ACCOUNT_1_COOKIE: CHAT2_COOKIE_1, CN_ACCOUNT_2_COOKIE: "tongyi_sso_ticket=chat2-two-SECRET-0123456789abcdef" });
      const checks = await checkAccounts(config, { withChat: true });
      expect(checks.map((c) => [c.upstream, c.number, c.state, c.refresh])).toEqual([
        ["cn", 1, "ok", undefined],
        ["cn", 2, "logged_out", "CN_ACCOUNT_2_COOKIE"],
      ]);
      // One test chat, on the live account only, and its session deleted.
      expect(fake.calls.filter((c) => c.path === "/api/v2/chat").map((c) => c.headers.cookie?.includes("ticket-one"))).toEqual([true]);
      expect(fake.calls.filter((c) => c.path === "/api/v1/session/delete")).toHaveLength(1);
      const { lines } = formatCheck(checks);
      for (const line of lines) expect(line).not.toContain("SECRET");
    } finally {
      await fake.stop();
    }
  });
});

describe("the fakes for trying qwenplug (issue 23)", () => {
  test("a directive in the cookie makes a logged-out account on every fake, liveness call included", async () => {
    const cn = startFakeCnUpstream();
    const chat2 = startFakeChat2Upstream();
    const intl = startFakeIntlUpstream();
    try {
      const dialog = checkConfig({ QWEN_CN_BASE_URL: cn.url, CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_2_COOKIE: "fixture:not-login", QWEN_INTL_BASE_URL: intl.url, INTL_ACCOUNT_1_TOKEN: INTL_TOKEN, INTL_ACCOUNT_2_TOKEN: `${INTL_TOKEN}-2`, INTL_ACCOUNT_2_COOKIE: "fixture:unauthorized" });
      const signed = checkConfig({ CN_PROTOCOL: "chat2", QWEN_CN_BASE_URL: chat2.url, CN_ACCOUNT_1_COOKIE: CHAT2_COOKIE_1, CN_ACCOUNT_2_COOKIE: "fixture:not-login" });
      const states = async (config: ReturnType<typeof checkConfig>) => (await checkAccounts(config, { withChat: false })).map((c) => `${c.upstream} ${c.number} ${c.state}`);
      expect(await states(dialog)).toEqual(["cn 1 ok", "cn 2 logged_out", "intl 1 ok", "intl 2 logged_out"]);
      expect(await states(signed)).toEqual(["cn 1 ok", "cn 2 logged_out"]);
    } finally {
      await Promise.all([cn.stop(), chat2.stop(), intl.stop()]);
    }
  });

  test("a fixture name no fake has is a 400 that says so, on every fake, and rests no account", async () => {
    const cases: Array<[string, () => { fake: { stop(): Promise<void> }; gw: Gateway; pool: "cn" | "intl" }]> = [
      ["dialog", () => { const fake = startFakeCnUpstream(); return { fake, gw: startGateway(fake), pool: "cn" }; }],
      ["chat2", () => { const fake = startFakeChat2Upstream(); return { fake, gw: startChat2Gateway(fake), pool: "cn" }; }],
      ["intl", () => { const fake = startFakeIntlUpstream(); return { fake, gw: startIntlGateway(fake), pool: "intl" }; }],
    ];
    for (const [name, start] of cases) {
      const { fake, gw, pool } = start();
      try {
        // More than the three plain failures in a row that rest an account.
        for (let i = 0; i < 4; i++) {
          const err = await apiError(gw.client.chat.completions.create(chatBody("fixture:no-such-thing") as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming));
          expect({ name, status: err.status, says: err.message.includes("the fake has no fixture no-such-thing") }).toEqual({ name, status: 400, says: true });
          expect(err.message).not.toContain("CN_PROTOCOL");
        }
        expect({ name, state: gw.app.pools[pool].snapshot()[0]?.state }).toEqual({ name, state: "healthy" });
        expect((await gw.client.chat.completions.create(chatBody("fixture:plain") as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)).choices[0]?.finish_reason).toBe("stop");
      } finally {
        await gw.stop();
        await fake.stop();
      }
    }
  });

  test("chat2: then:NAME answers once the conversation holds a tool result, so Claude Code's loop ends; tool-write writes under the fake's directory", async () => {
    const fake = startFakeChat2Upstream();
    const gw = startChat2Gateway(fake);
    try {
      const anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0 });
      const tools = [{ name: "Write", description: "Writes a file", input_schema: { type: "object" as const, properties: { file_path: { type: "string" }, content: { type: "string" } }, required: ["file_path", "content"] } }];
      const ask = { role: "user" as const, content: "fixture:tool-write then:plain write the file" };
      const first = await anthropic.messages.create({ model: "qwen-max", max_tokens: 1024, tools, messages: [ask] });
      const call = first.content.find((block) => block.type === "tool_use");
      expect(first.stop_reason).toBe("tool_use");
      expect(call?.type === "tool_use" ? call.input : undefined).toEqual({ file_path: `${process.cwd()}/cc-try/hello.txt`, content: "hi from qwen\n" });
      if (call?.type !== "tool_use") throw new Error("no tool_use");
      const second = await anthropic.messages.create({
        model: "qwen-max",
        max_tokens: 1024,
        tools,
        messages: [ask, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "File created" }] }],
      });
      expect(second.stop_reason).toBe("end_turn");
      expect(second.content as unknown).toEqual([{ type: "text", text: "你好！我是千问，很高兴见到你。" }]);
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });
});

// ── Images on chat.qwen.ai (issue 14) ───────────────────────────────────────

const sha256Of = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

/** A PNG-signed blob of random bytes: qwenplug checks the signature, the fakes check the bytes. */
function fakePng(size: number): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(size));
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return bytes;
}

const filesOf = (fake: FakeIntlUpstream) => {
  const body = completionCalls(fake).at(-1)?.body as { messages: Array<{ files: Array<Record<string, unknown>>; chat_type: string; sub_chat_type: string; extra: { meta: { subChatType: string } } }>; size?: string };
  return { body, files: body.messages[0]?.files ?? [] };
};

describe("images: vision input on chat.qwen.ai", () => {
  let oss: FakeOss;
  beforeAll(() => {
    oss = startFakeOss();
  });
  afterAll(async () => {
    await oss.stop();
  });
  const startFake = () => startFakeIntlUpstream({ ossUrl: oss.url });
  const gateway = (env: Record<string, string | undefined> = {}) => (fake: FakeIntlUpstream) => startIntlGateway(fake, { QWEN_INTL_OSS_URL: oss.url, LOG_LEVEL: "debug", ...env });

  test("issue 21 #2: fetched images held by waiting requests are bounded by IMAGE_BYTES_IN_FLIGHT_MAX: the excess gets a 503 with Retry-After, and the budget comes back", async () => {
    const site = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(fakePng(40_000), { headers: { "content-type": "image/png" } }) });
    const withImage = (text: string) => [{ role: "user" as const, content: [{ type: "text" as const, text }, { type: "image_url" as const, image_url: { url: `http://127.0.0.1:${site.port}/cat.png` } }] }];
    try {
      await withGateway(startFake, gateway({ ACCOUNT_MAX_IN_FLIGHT: "1", IMAGE_BYTES_IN_FLIGHT_MAX: "65536" }), async (_fake, gw) => {
        // The only slot is taken by an endless reply; the next request loads its image and waits for the slot.
        const holder = new AbortController();
        const busy = await rawPost(gw.url, chatBody("drip:100", { stream: true }), {}, holder.signal);
        const waiter = new AbortController();
        const waiting = rawPost(gw.url, { model: "qwen3.8-max", messages: withImage("fixture:plain") }, {}, waiter.signal).catch(() => undefined);
        await waitFor(() => gw.logs.some((line) => line.includes("images: ")));
        const refused = await rawPost(gw.url, { model: "qwen3.8-max", messages: withImage("fixture:plain") });
        expect(refused.status).toBe(503);
        expect(refused.headers.get("retry-after")).toBe("1");
        expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("IMAGE_BYTES_IN_FLIGHT_MAX");
        waiter.abort();
        holder.abort();
        await busy.body?.cancel().catch(() => {});
        await waiting;
        // Both gone: their bytes are released, and an image request fits again.
        await waitFor(() => gw.app.pools.intl.snapshot()[0]?.in_flight === 0);
        const again = await rawPost(gw.url, { model: "qwen3.8-max", messages: withImage("fixture:plain") });
        expect(again.status).toBe(200);
      });
    } finally {
      await site.stop(true);
    }
  });

  test("issue 21 #3: image URLs naming loopback, private, link-local or unique-local addresses are refused before any connection, naming the rule", async () => {
    let visits = 0;
    const site = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => (visits++, new Response(fakePng(100), { headers: { "content-type": "image/png" } })) });
    try {
      await withGateway(startFake, gateway({ IMAGE_FETCH_ALLOW_PRIVATE: undefined }), async (_fake, gw) => {
        // Literal private addresses are refused before anything is sent: no test connects beyond loopback.
        const cases: Array<[string, string]> = [
          [`http://localhost:${site.port}/cat.png`, "resolves to a loopback address"],
          [`http://127.0.0.1:${site.port}/cat.png`, "resolves to a loopback address"],
          ["http://10.1.2.3/cat.png", "resolves to a private address"],
          ["http://192.168.1.20:8080/cat.png", "resolves to a private address"],
          ["http://169.254.169.254/latest/meta-data", "resolves to a link-local address"],
          ["http://[fd00::1]/cat.png", "resolves to a unique-local address"],
          ["http://[::ffff:172.16.0.1]/cat.png", "resolves to a private address"],
          ["http://0.0.0.0:9/cat.png", "resolves to an unspecified address (0.0.0.0/8)"],
        ];
        for (const [url, rule] of cases) {
          const err = await apiError(gw.client.chat.completions.create({ model: "qwen3.8-max", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] }));
          expect({ url, status: err.status, code: err.code }).toEqual({ url, status: 400, code: "invalid_image" });
          expect(err.message).toContain(`${rule}; set IMAGE_FETCH_ALLOW_PRIVATE=1 to allow`);
        }
        expect(visits).toBe(0);
      });
      await withGateway(startFake, gateway(), async (_fake, gw) => {
        const causeOf = async (url: string) =>
          (await apiError(gw.client.chat.completions.create({ model: "qwen3.8-max", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] }))).message;
        // Allowed, the fetch error names the real cause.
        expect(await causeOf("http://127.0.0.1:9/cat.png")).toContain("could not be fetched: connection refused.");
        const missing = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => (new URL(req.url).pathname === "/moved" ? Response.redirect("http://127.0.0.1:9/x", 302) : new Response("no", { status: 404 })) });
        try {
          expect(await causeOf(`http://127.0.0.1:${missing.port}/cat.png`)).toContain("could not be fetched: HTTP 404.");
          expect(await causeOf(`http://127.0.0.1:${missing.port}/moved`)).toContain("it redirects (HTTP 302), and redirects are not followed");
        } finally {
          await missing.stop(true);
        }
      });
    } finally {
      await site.stop(true);
    }
  });

  test("a data: URL through the openai SDK: V1-signed upload of exactly the client's bytes, referenced in files[] with the minimal shape", async () => {
    const image = fakePng(50_000);
    await withGateway(startFake, gateway(), async (fake, gw) => {
      const before = oss.objects.size;
      const reply = await gw.client.chat.completions.create({
        model: "qwen3.8-max",
        messages: [{ role: "user", content: [{ type: "text", text: "What is this? fixture:plain" }, { type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(image).toString("base64")}` } }] }],
      });
      expect(reply.choices[0]?.message.content).toBe("Hi!");
      expect(oss.rejections).toEqual([]);
      expect(oss.objects.size).toBe(before + 1);
      const [path, stored] = [...oss.objects].at(-1) as [string, { bytes: Uint8Array; contentType: string; signing: string }];
      expect(sha256Of(stored.bytes)).toBe(sha256Of(image));
      expect(stored.signing).toBe("v1");
      expect(stored.contentType).toBe("image/png");
      const sts = fake.calls.find((c) => c.path === "/api/v2/files/getstsToken")?.body as Record<string, unknown>;
      expect(sts).toEqual({ filename: expect.stringMatching(/\.png$/), filesize: String(image.byteLength), filetype: "image" });
      const { body, files } = filesOf(fake);
      expect(body.messages[0]?.chat_type).toBe("t2t");
      expect(files).toEqual([{ type: "image", name: sts.filename, file_type: "image/png", showType: "image", status: "uploaded", file_class: "vision", url: expect.stringContaining(`${oss.url}${path}?`) }]);
      // Uploaded bytes never reach the log, not even in debug.
      const b64 = Buffer.from(image).toString("base64");
      expect(gw.logs.some((line) => line.includes(b64.slice(100, 160)))).toBe(false);
      expect(gw.logs.some((line) => line.includes("uploaded for INTL account 1 (50000 bytes)"))).toBe(true);
    });
  });

  test("an http URL served by a local server, with V4 signing and the file_name body variant", async () => {
    const image = fakePng(30_000);
    const site = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(image, { headers: { "content-type": "image/png" } }) });
    try {
      await withGateway(startFake, gateway({ QWEN_INTL_OSS_SIGNING: "v4", QWEN_INTL_STS_BODY: "file_name" }), async (fake, gw) => {
        const reply = await gw.client.chat.completions.create({
          model: "qwen3.8-max",
          messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `http://127.0.0.1:${site.port}/cat.png` } }, { type: "text", text: "fixture:plain" }] }],
        });
        expect(reply.choices[0]?.message.content).toBe("Hi!");
        expect(oss.rejections).toEqual([]);
        const stored = [...oss.objects.values()].at(-1);
        expect(stored?.signing).toBe("v4");
        expect(sha256Of(stored?.bytes ?? new Uint8Array())).toBe(sha256Of(image));
        const sts = fake.calls.find((c) => c.path === "/api/v2/files/getstsToken")?.body as Record<string, unknown>;
        expect(sts).toEqual({ file_name: expect.stringMatching(/\.png$/), file_size: image.byteLength, file_type: "image" });
        expect(filesOf(fake).files).toHaveLength(1);
      });
    } finally {
      await site.stop(true);
    }
  });

  test("an Anthropic image block (base64) is uploaded byte for byte", async () => {
    const image = fakePng(10_000);
    await withGateway(startFake, gateway(), async (fake, gw) => {
      const message = await anthropicImageMessage(gw, "qwen3.8-max", image, "fixture:plain");
      expect(message.content.map((block) => (block.type === "text" ? block.text : block.type))).toEqual(["Hi!"]);
      expect(sha256Of([...oss.objects.values()].at(-1)?.bytes ?? new Uint8Array())).toBe(sha256Of(image));
      expect(filesOf(fake).files[0]?.file_class).toBe("vision");
    });
  });

  test("IMAGE_HISTORY: the last user turn's images by default, every turn's with all", async () => {
    const first = fakePng(2000);
    const second = fakePng(3000);
    const part = (bytes: Uint8Array) => ({ type: "image_url" as const, image_url: { url: `data:image/png;base64,${Buffer.from(bytes).toString("base64")}` } });
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: "user", content: [part(first), { type: "text", text: "one" }] },
      { role: "assistant", content: "ok" },
      { role: "user", content: [part(second), { type: "text", text: "fixture:plain" }] },
    ];
    for (const [history, expected] of [["last", [second]], ["all", [first, second]]] as const) {
      await withGateway(startFake, gateway({ IMAGE_HISTORY: history }), async (fake, gw) => {
        const before = [...oss.objects.keys()];
        await gw.client.chat.completions.create({ model: "qwen3.8-max", messages });
        const added = [...oss.objects].filter(([key]) => !before.includes(key)).map(([, o]) => sha256Of(o.bytes));
        expect(added).toEqual(expected.map(sha256Of));
        expect(filesOf(fake).files).toHaveLength(expected.length);
      });
    }
  });

  test("a model without vision and an unreachable image each get a clear 400 before anything is uploaded", async () => {
    await withGateway(startFake, gateway({ IMAGE_FETCH_TIMEOUT_MS: "2000" }), async (fake, gw) => {
      const data = `data:image/png;base64,${Buffer.from(fakePng(100)).toString("base64")}`;
      const blind = await apiError(gw.client.chat.completions.create({ model: "qwen3.7-max", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: data } }] }] }));
      expect(blind.status).toBe(400);
      expect(blind.code).toBe("model_not_vision_capable");
      expect(blind.message).toContain("qwen3.8-max");
      const gone = await apiError(
        gw.client.chat.completions.create({ model: "qwen3.8-max", messages: [{ role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "http://127.0.0.1:9/missing.png" } }] }] }),
      );
      expect(gone.status).toBe(400);
      expect(gone.code).toBe("invalid_image");
      expect(gone.message).toContain("messages[0].content[1]");
      expect(gone.message).toContain("127.0.0.1:9");
      const notImage = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("<html></html>", { headers: { "content-type": "text/html" } }) });
      try {
        const html = await apiError(gw.client.chat.completions.create({ model: "qwen3.8-max", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `http://127.0.0.1:${notImage.port}/a.png` } }] }] }));
        expect(html.status).toBe(400);
        expect(html.message).toContain("not an image");
      } finally {
        await notImage.stop(true);
      }
      expect(fake.calls.filter((c) => c.path === "/api/v2/files/getstsToken")).toHaveLength(0);
      expect(completionCalls(fake)).toHaveLength(0);
    });
  });

  test("too many images and oversized images are refused with their setting named", async () => {
    await withGateway(startFake, gateway({ IMAGE_MAX_PER_REQUEST: "1", IMAGE_MAX_BYTES: "4096" }), async (_fake, gw) => {
      const url = (n: number) => `data:image/png;base64,${Buffer.from(fakePng(n)).toString("base64")}`;
      const many = await apiError(gw.client.chat.completions.create({ model: "qwen3.8-max", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: url(10) } }, { type: "image_url", image_url: { url: url(10) } }] }] }));
      expect(many.message).toContain("IMAGE_MAX_PER_REQUEST");
      const big = await apiError(gw.client.chat.completions.create({ model: "qwen3.8-max", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: url(5000) } }] }] }));
      expect(big.status).toBe(400);
      expect(big.message).toContain("IMAGE_MAX_BYTES");
    });
  });

  test("a Responses API input_image is uploaded byte for byte, and a stored follow-up keeps no image", async () => {
    const image = fakePng(8000);
    await withGateway(startFake, gateway(), async (fake, gw) => {
      const first = await gw.client.responses.create({
        model: "qwen3.8-max",
        input: [{ role: "user", content: [{ type: "input_text", text: "fixture:plain" }, { type: "input_image", image_url: `data:image/png;base64,${Buffer.from(image).toString("base64")}`, detail: "auto" }] }],
      });
      expect(first.output_text).toBe("Hi!");
      expect(sha256Of([...oss.objects.values()].at(-1)?.bytes ?? new Uint8Array())).toBe(sha256Of(image));
      expect(filesOf(fake).files).toHaveLength(1);
      const uploads = oss.objects.size;
      await gw.client.responses.create({ model: "qwen3.8-max", previous_response_id: first.id, input: "fixture:plain" });
      expect(oss.objects.size).toBe(uploads);
      expect(filesOf(fake).files).toEqual([]);
      expect(gw.logs.some((line) => line.includes("request shape:") && line.includes("images=1"))).toBe(true);
    });
  });

  test("an upload slower than UPSTREAM_CONNECT_TIMEOUT_MS does not trip it (the chat's own calls still have it)", async () => {
    const slow = startFakeOss({ delayMs: 700 });
    try {
      const image = fakePng(1000);
      await withGateway(
        () => startFakeIntlUpstream({ ossUrl: slow.url }),
        (fake) => startIntlGateway(fake, { QWEN_INTL_OSS_URL: slow.url, UPSTREAM_CONNECT_TIMEOUT_MS: "300" }),
        async (_fake, gw) => {
          const reply = await gw.client.chat.completions.create({
            model: "qwen3.8-max",
            messages: [{ role: "user", content: [{ type: "text", text: "fixture:plain" }, { type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(image).toString("base64")}` } }] }],
          });
          expect(reply.choices[0]?.message.content).toBe("Hi!");
          expect(sha256Of([...slow.objects.values()][0]?.bytes ?? new Uint8Array())).toBe(sha256Of(image));
        },
      );
    } finally {
      await slow.stop();
    }
  });

  test("storage refusing the upload: a 502 that names the OSS error and the other signing setting; no completion is sent", async () => {
    const strict = startFakeOss({ secret: "not-the-handed-out-secret" });
    try {
      await withGateway(
        () => startFakeIntlUpstream({ ossUrl: strict.url }),
        (fake) => startIntlGateway(fake, { QWEN_INTL_OSS_URL: strict.url }),
        async (fake, gw) => {
          const err = await apiError(
            gw.client.chat.completions.create({ model: "qwen3.8-max", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(fakePng(500)).toString("base64")}` } }] }] }),
          );
          expect(err.status).toBe(502);
          expect(err.message).toContain("SignatureDoesNotMatch");
          expect(err.message).toContain("QWEN_INTL_OSS_SIGNING=v4");
          expect(strict.rejections).toContain("V1 signature does not match");
          expect(completionCalls(fake)).toHaveLength(0);
        },
      );
    } finally {
      await strict.stop();
    }
  });

  test("the fake OSS refuses a V1 signature made with the wrong secret (the check can fail)", async () => {
    const grant = { accessKeyId: FAKE_STS.accessKeyId, accessKeySecret: "wrong-secret", securityToken: FAKE_STS.securityToken, bucket: FAKE_STS.bucket, endpoint: FAKE_STS.endpoint, region: "ap-southeast-1", filePath: "user-1/x.png" };
    const response = await fetch(`${oss.url}/${FAKE_STS.bucket}/user-1/x.png`, { method: "PUT", headers: ossPutHeaders(grant, "image/png", "v1", new Date()), body: fakePng(10) });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("SignatureDoesNotMatch");
    const good = await fetch(`${oss.url}/${FAKE_STS.bucket}/user-1/y.png`, { method: "PUT", headers: ossPutHeaders({ ...grant, accessKeySecret: FAKE_STS.accessKeySecret, filePath: "user-1/y.png" }, "image/png", "v1", new Date()), body: fakePng(10) });
    expect(good.status).toBe(200);
  });
});

describe("images: vision input on CN chat2", () => {
  /** A PNG whose IHDR says 640 × 480, the rest random. */
  const sizedPng = (size: number) => {
    const bytes = fakePng(size);
    bytes.set([0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52], 8);
    new DataView(bytes.buffer).setUint32(16, 640);
    new DataView(bytes.buffer).setUint32(20, 480);
    return bytes;
  };

  test("a data: URL through the openai SDK: oss_token signed with the workspace scene, exactly the client's bytes PUT, the image item before the text", async () => {
    const image = sizedPng(40_000);
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake, { LOG_LEVEL: "debug" }), async (fake, gw) => {
      const reply = await gw.client.chat.completions.create({
        model: "qwen",
        messages: [{ role: "user", content: [{ type: "text", text: "这是什么？" }, { type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(image).toString("base64")}` } }] }],
      });
      expect(reply.choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
      expect(fake.refusals).toEqual([]);
      expect(fake.uploadRefusals).toEqual([]);
      expect(fake.uploads.size).toBe(1);
      const [object, stored] = [...fake.uploads][0] as [string, Uint8Array];
      expect(sha256Of(stored)).toBe(sha256Of(image));
      const grant = fake.calls.find((c) => c.path === "/1/oss_token");
      expect(grant?.body).toEqual({ file_name: expect.stringMatching(/\.png$/), content_type: "application/octet-stream", content_md5: createHash("md5").update(image).digest("base64"), size: image.byteLength });
      // The upload spends the workspace_api scene's token, the chat its own.
      expect(grant?.headers["eo-clt-actkn"]).toStartWith("ws-");
      expect(lastChat2Call(fake).headers["eo-clt-actkn"]).toStartWith("ak-");
      const callback = fake.calls.find((c) => c.path === "/1/oss/callback");
      expect(callback?.url).toContain("req_id=");
      expect(callback?.body).toMatchObject({ file_type: "PNG", entry: "qwen_pc", object, bucket: "fake-bucket", endpoint: "oss-cn-fake.aliyuncs.com" });
      const messages = (lastChat2Call(fake).body as { messages: Array<Record<string, unknown>> }).messages;
      expect(messages).toHaveLength(2);
      expect(messages[0]).toEqual({
        mime_type: "image/url",
        content: `${fake.url}/cdn/${object}`,
        meta_data: { resource_infos: [{ id: expect.stringMatching(/^gid-/), url: `${fake.url}/cdn/${object}`, width: 640, height: 480, file_format: "png", file_name: (grant?.body as { file_name: string }).file_name, file_size: image.byteLength }] },
        status: "complete",
      });
      expect(messages[1]).toMatchObject({ mime_type: "text/plain", status: "complete" });
      expect(String(messages[1]?.content)).toContain("这是什么？");
      const b64 = Buffer.from(image).toString("base64");
      expect(gw.logs.some((line) => line.includes(b64.slice(100, 160)))).toBe(false);
      expect(gw.logs.some((line) => line.includes("uploaded for CN account 1 (40000 bytes)"))).toBe(true);
    });
  });

  test("an Anthropic image block, unsigned (CN_SIGNING=off, the fake not asking for signatures): the bytes arrive, the item goes first", async () => {
    const image = fakePng(12_345);
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake, { CN_SIGNING: "off" }), async (fake, gw) => {
      fake.requireSignature = false;
      const message = await anthropicImageMessage(gw, "qwen", image, "看图");
      expect(message.content.map((block) => (block.type === "text" ? block.text : block.type))).toEqual(["你好！我是千问，很高兴见到你。"]);
      expect(sha256Of([...fake.uploads.values()][0] ?? new Uint8Array())).toBe(sha256Of(image));
      expect(fake.calls.find((c) => c.path === "/1/oss_token")?.headers["clt-acs-sign"]).toBeUndefined();
      const messages = (lastChat2Call(fake).body as { messages: Array<{ mime_type: string }> }).messages;
      expect(messages.map((m) => m.mime_type)).toEqual(["image/url", "text/plain"]);
    });
  });

  test("a refused upload signature (a forgotten device) registers a new device and tries once more", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      const ask = () =>
        gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(fakePng(500)).toString("base64")}` } }] }] });
      expect((await ask()).choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
      const before = fake.registrations;
      fake.forgetDevices();
      expect((await ask()).choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
      expect(fake.registrations - before).toBe(1);
      expect(fake.refusals).toEqual(["upload device"]);
      expect(fake.uploads.size).toBe(2);
    });
  });

  test("imageDimensions reads PNG, GIF, BMP and JPEG headers, and says 0 × 0 otherwise", () => {
    const png = new Uint8Array(24);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 3, 0, 0, 0, 2, 0]);
    expect(imageDimensions(png)).toEqual({ width: 768, height: 512 });
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x20, 0x01, 0x10, 0x00]);
    expect(imageDimensions(gif)).toEqual({ width: 288, height: 16 });
    const bmp = new Uint8Array(26);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setInt32(18, 100, true);
    new DataView(bmp.buffer).setInt32(22, -50, true);
    expect(imageDimensions(bmp)).toEqual({ width: 100, height: 50 });
    // SOI, an APP0 segment of 16 bytes, then SOF0: precision, height 0x01e0, width 0x0280.
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...new Array(14).fill(0), 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03]);
    expect(imageDimensions(jpeg)).toEqual({ width: 640, height: 480 });
    expect(imageDimensions(new Uint8Array([0x52, 0x49, 0x46, 0x46]))).toEqual({ width: 0, height: 0 });
  });

  test("a refused upload grant ends the request with an error naming it, before any chat; CN_PROTOCOL=dialog still refuses images with a 400", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      fake.uploadGrantAnswer = () => new Response(JSON.stringify({ code: "FILE_TOO_LARGE", msg: "文件过大" }), { headers: { "content-type": "application/json" } });
      const image = sizedPng(1_000);
      const err = await rejectionOf(
        gw.client.chat.completions.create({
          model: "qwen",
          messages: [{ role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(image).toString("base64")}` } }] }],
        }),
      );
      expect(err.status).toBe(502);
      expect(err.message).toContain("upload grant (oss_token)");
      expect(err.message).toContain("FILE_TOO_LARGE");
      expect(chat2Calls(fake)).toHaveLength(0);
      expect(fake.uploads.size).toBe(0);
    });
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (_fake, gw) => {
      const err = await rejectionOf(
        gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] }] }),
      );
      expect(err.status).toBe(400);
      expect(err.code).toBe("unsupported_content");
      expect(err.message).toContain("CN_PROTOCOL=dialog");
    });
  });
});

describe("images: generation on CN chat2", () => {
  const biz = (fake: FakeChat2Upstream) => fake.imageRequests.at(-1) as { req: { prompt: string; originPrompt: string; negativePrompt: string; params: { size: string; features: string[] }; rootModel: string }; bizScene: string };

  test("images.generate: a signed zaodian_generate_image chat, the size mapped, the URL from the stream; b64_json fetches the bytes", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      const img = await gw.client.images.generate({ model: "qwen", prompt: "雪中的红狐狸", size: "1792x1024" });
      expect(img.data?.[0]?.url).toStartWith(`${fake.url}/gen/`);
      expect(fake.refusals).toEqual([]);
      const body = lastChat2Call(fake).body as Record<string, unknown>;
      expect(body.ai_tool_scene).toBe("zaodian_generate_image");
      expect(biz(fake)).toEqual({ req: { rootModel: "qwen2", prompt: expect.stringContaining("雪中的红狐狸"), originPrompt: expect.stringContaining("雪中的红狐狸"), negativePrompt: "", params: { size: "16:9", features: ["qwen_image_2"] } }, bizScene: "genImage" });
      await gw.client.images.generate({ model: "qwen", prompt: "x", size: "1024x1536" });
      expect(biz(fake).req.params.size).toBe("3:4");
      await gw.client.images.generate({ prompt: "x", size: "1024x1024" });
      expect(biz(fake).req.params.size).toBe("1:1");
      const b64 = await gw.client.images.generate({ model: "qwen", prompt: "x", response_format: "b64_json" });
      expect(Buffer.from(b64.data?.[0]?.b64_json ?? "", "base64")).toEqual(Buffer.from(FAKE_T2I_PNG));
    });
  });

  test("a stream without the picture: snap is polled (CN_IMAGE_POLL_MS) until it names one; a -image chat model answers in Markdown", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake, { CN_IMAGE_POLL_MS: "10" }), async (fake, gw) => {
      fake.imageViaSnapAfter = 3;
      const reply = await gw.client.chat.completions.create({ model: "qwen-image", messages: [{ role: "user", content: "一只猫" }] });
      expect(reply.choices[0]?.message.content).toMatch(new RegExp(`^!\\[image\\]\\(${fake.url}/gen/snap-[0-9a-f]+\\.png\\)$`));
      expect(fake.snapCalls).toBe(3);
      const snap = fake.calls.filter((c) => c.path === "/api/v1/chat/snap");
      expect(snap.at(-1)?.rawBody).toBe(lastChat2Call(fake).rawBody);
      expect(fake.refusals).toEqual([]);
      fake.imageViaSnapAfter = 0;
      const err = await rejectionOf(gw.client.images.generate({ model: "qwen", prompt: "x" }));
      expect(err.status).toBe(502);
      expect(err.message).toContain("without an image URL");
      expect(fake.snapCalls).toBe(3 + 26);
    });
  });

  test("CN_PROTOCOL=dialog still answers image generation with a 400", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (_fake, gw) => {
      const err = await rejectionOf(gw.client.images.generate({ model: "qwen-max", prompt: "x" }));
      expect(err.status).toBe(400);
      expect(err.message).toContain("CN_PROTOCOL=dialog");
    });
  });
});

describe("images: generation on chat.qwen.ai", () => {
  test("images.generate (url): a t2i chat with the mapped ratio, keep-alive frames tolerated, the image_gen URL returned", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const result = await gw.client.images.generate({ model: "qwen3.8-max", prompt: "a cat chunk:60 gap:20", size: "1792x1024" });
      expect(result.data?.[0]?.url).toBe(`${fake.url}/cdn/output/user-1/t2i/r-t2i-1/1780468951.png?key=eyJhbGciOiJIUzI1NiJ9.fake.sig`);
      const created = fake.calls.find((c) => c.path === "/api/v2/chats/new")?.body as Record<string, unknown>;
      expect(created.chat_type).toBe("t2i");
      const { body } = filesOf(fake);
      expect(body.size).toBe("16:9");
      expect([body.messages[0]?.chat_type, body.messages[0]?.sub_chat_type, body.messages[0]?.extra.meta.subChatType]).toEqual(["t2i", "t2i", "t2i"]);
    });
  });

  test("images.generate (b64_json, n=2): qwenplug fetches each picture and returns its bytes", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const result = await gw.client.images.generate({ model: "dall-e-3", prompt: "two cats", n: 2, response_format: "b64_json", size: "1024x1536" });
      expect(result.data).toHaveLength(2);
      for (const item of result.data ?? []) expect(sha256Of(new Uint8Array(Buffer.from(item.b64_json ?? "", "base64")))).toBe(sha256Of(FAKE_T2I_PNG));
      expect(completionCalls(fake).map((c) => (c.body as { size?: string }).size)).toEqual(["3:4", "3:4"]);
    });
  });

  test("no URL in the stream: the chat is read (GET /api/v2/chats/<id>) and its image returned", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const result = await gw.client.images.generate({ model: "qwen3.8-max", prompt: "a dog fixture:t2i-no-url" });
      expect(result.data?.[0]?.url).toContain("/cdn/output/user-1/t2i/r-t2i-2/1780468999.png");
      expect(fake.calls.filter((c) => c.path.startsWith("/api/v2/chats/") && c.path !== "/api/v2/chats/new" && c.body === undefined).length).toBeGreaterThan(0);
    });
  });

  test("an unmappable size, an n over 4 and a missing prompt are OpenAI-shaped 400s", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const size = await apiError(gw.client.images.generate({ prompt: "x", size: "512x512" }));
      expect(size.status).toBe(400);
      expect(size.param).toBe("size");
      const many = await apiError(gw.client.images.generate({ prompt: "x", n: 5 }));
      expect(many.status).toBe(400);
      expect(many.param).toBe("n");
      const none = await apiError(gw.client.images.generate({ prompt: "" }));
      expect(none.status).toBe(400);
      const blind = await apiError(gw.client.images.generate({ prompt: "x", model: "qwen3.7-max" }));
      expect(blind.status).toBe(400);
      expect(blind.code).toBe("model_not_image_capable");
      expect(blind.message).toContain("qwen3.8-max");
      const chat = await apiError(gw.client.chat.completions.create({ model: "qwen3.7-max-image", messages: [{ role: "user", content: "x" }] }));
      expect(chat.code).toBe("model_not_image_capable");
      expect(completionCalls(fake)).toHaveLength(0);
    });
  });

  test("a chat request to a -image variant answers with the picture as Markdown; /v1/models lists the variant", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const ids = (await gw.client.models.list()).data.map((m) => m.id);
      expect(ids).toContain("qwen3.8-max-image");
      expect(ids).not.toContain("qwen3.7-max-image");
      const reply = await gw.client.chat.completions.create({ model: "qwen3.8-max-image", messages: [{ role: "user", content: "a cat" }] });
      expect(reply.choices[0]?.message.content).toBe(`![image](${fake.url}/cdn/output/user-1/t2i/r-t2i-1/1780468951.png?key=eyJhbGciOiJIUzI1NiJ9.fake.sig)`);
      const streamed = await collectStream(gw.client, "a cat", "qwen3.8-max-image");
      expect(streamed.content).toContain("![image](");
      expect((filesOf(fake).body.messages[0] as unknown as { feature_config: { thinking_enabled: boolean } }).feature_config.thinking_enabled).toBe(false);
    });
  });
});

describe("chat2: a stale device registration", () => {
  test("a signature refused on the first try registers a new device and signs once more; a second refusal is the error", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      const ask = () => gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
      expect((await ask()).choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
      const before = fake.registrations;
      fake.forgetDevices();
      expect((await ask()).choices[0]?.message.content).toBe("你好！我是千问，很高兴见到你。");
      expect(fake.registrations - before).toBe(1);
      expect(fake.refusals.filter((r) => r === "device")).toHaveLength(1);
      fake.refuseAllSignatures = true;
      const err = await requestError(gw, "hi", false, "qwen");
      expect(err.message).toContain("EX015");
      expect(fake.registrations - before).toBe(2);
    });
  });
});

/** One HTTP/1.1 POST on its own socket (no fetch queue): the status and the whole body, which must not be chunked. */
async function socketPost(base: string, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  const payload = JSON.stringify(body);
  let received = "";
  return new Promise((resolve, reject) => {
    void Bun.connect({
      hostname,
      port: Number(port),
      socket: {
        open(socket) {
          socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${MASTER_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`);
        },
        data(_socket, chunk) {
          received += new TextDecoder().decode(chunk);
        },
        close() {
          const split = received.indexOf("\r\n\r\n");
          resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? 0), body: split === -1 ? "" : received.slice(split + 4) });
        },
        error(_socket, err) {
          reject(err);
        },
      },
    }).catch(reject);
  });
}

describe("chat2 signing state under load (issue 18)", () => {
  const ask = (gw: Gateway, content = "hi") => gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content }] });
  const REPLY = "你好！我是千问，很高兴见到你。";
  const accountOf = async (gw: Gateway) => {
    const status = (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { upstreams: { cn: { accounts: Array<{ state: string; failures: Record<string, number> }> } } };
    return status.upstreams.cn.accounts[0];
  };

  test(
    "300 concurrent requests on one account, 20 salts per registration or refill, a third registration refused: all answer exactly, no salt twice, the account healthy after",
    async () => {
      // qwenplug runs in a process of its own: in this one, Bun's fetch would hold the 300 client requests and
      // qwenplug's upstream calls in one queue of 256. The client speaks HTTP/1.1 on raw sockets for the same reason.
      const fake = startFakeChat2Upstream();
      fake.saltsPerRegistration = 20;
      fake.maxRegistrations = 2;
      const gw = await spawnGateway({ CN_PROTOCOL: "chat2", QWEN_CN_BASE_URL: fake.url, CN_ACCOUNT_1_COOKIE: CHAT2_COOKIE_1, ACCOUNT_MAX_IN_FLIGHT: "400", LOG_LEVEL: "silent" });
      try {
        const answers = await Promise.all(Array.from({ length: 300 }, () => socketPost(gw.url, "/v1/chat/completions", chatBody("hi", { model: "qwen" }))));
        const contents = answers.map((a) => (a.status === 200 ? (JSON.parse(a.body) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content : `${a.status} ${a.body}`));
        expect(contents).toEqual(Array.from({ length: 300 }, () => REPLY));
        expect(fake.refusals).toEqual([]);
        expect(new Set(fake.usedSalts).size).toBe(300);
        expect(fake.registrations).toBe(1);
        expect(fake.refills).toBeGreaterThanOrEqual(14);
        const after = await socketPost(gw.url, "/v1/chat/completions", chatBody("hi", { model: "qwen" }));
        expect(after.status).toBe(200);
        const status = (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { upstreams: { cn: { accounts: Array<{ state: string; failures: Record<string, number> }> } } };
        expect(status.upstreams.cn.accounts[0]?.state).toBe("healthy");
        expect(status.upstreams.cn.accounts[0]?.failures).toEqual({});
      } finally {
        gw.stop();
        await fake.stop();
      }
    },
    { timeout: 60_000 },
  );

  test("steady load (10 in flight) is served by one device, refilled in place", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      fake.saltsPerRegistration = 20;
      let done = 0;
      const worker = async () => {
        for (let i = 0; i < 40; i++) {
          expect((await ask(gw)).choices[0]?.message.content).toBe(REPLY);
          done++;
        }
      };
      await Promise.all(Array.from({ length: 10 }, worker));
      expect(done).toBe(400);
      expect(fake.registrations).toBe(1);
      expect(fake.refills).toBeGreaterThanOrEqual(19);
      expect(new Set(fake.usedSalts).size).toBe(400);
      expect(fake.refusals).toEqual([]);
    });
  });

  test("tokens and salts that contain AwsC are signing material, not an anti-bot page", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      fake.issuePrefix = "AwsC";
      fake.saltsPerRegistration = 22;
      for (let i = 0; i < 5; i++) expect((await ask(gw)).choices[0]?.message.content).toBe(REPLY);
      await waitFor(() => fake.refills >= 1);
      for (let i = 0; i < 25; i++) expect((await ask(gw)).choices[0]?.message.content).toBe(REPLY);
      expect(fake.usedSalts.every((salt) => salt.startsWith("AwsC"))).toBe(true);
      expect(fake.registrations).toBe(1);
    });
  });

  test("a registration answered 429 with Retry-After: 2 costs seconds: the request waits, then signs; the account does not rest", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      let limited = 0;
      fake.registrationAnswer = () =>
        limited++ === 0 ? new Response(JSON.stringify({ status: 1, code: "RateLimited", msg: "slow down" }), { status: 429, headers: { "content-type": "application/json", "retry-after": "2" } }) : undefined;
      const started = performance.now();
      expect((await ask(gw)).choices[0]?.message.content).toBe(REPLY);
      const waitedMs = performance.now() - started;
      expect(limited).toBe(2);
      expect(fake.registrations).toBe(1);
      // Reported, not asserted as a limit: the wait follows Retry-After, not a five-minute WAF rest.
      console.log(`registration 429 Retry-After: 2 → answered after ${Math.round(waitedMs)} ms`);
      const account = await accountOf(gw);
      expect(account?.state).toBe("healthy");
    });
  });

  test("the page's signing material (CN_ACCOUNT_1_SCENES) signs without any registration, and is refilled on its own device", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => {
      fake.saltsPerRegistration = 22;
      return startChat2Gateway(fake, { CN_ACCOUNT_1_SCENES: fake.seedScenes() });
    }, async (fake, gw) => {
      for (let i = 0; i < 30; i++) expect((await ask(gw)).choices[0]?.message.content).toBe(REPLY);
      expect(fake.registrations).toBe(0);
      expect(fake.refills).toBeGreaterThanOrEqual(1);
      expect(fake.refusals).toEqual([]);
      expect(fake.calls.some((c) => c.headers["bx-umidtoken"] !== undefined)).toBe(false);
    });
  });

  test("CN_ACCOUNT_<n>_SCENES is checked at start-up, and its tokens and salts are secrets", () => {
    expect(() => loadConfig({ CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_1_SCENES: "not json" })).toThrow(/CN_ACCOUNT_1_SCENES is not JSON/);
    expect(() => loadConfig({ CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_1_SCENES: '{"scene_list":{}}' })).toThrow(/lacks scene_list.qwen_web/);
    expect(() => loadConfig({ CN_ACCOUNT_2_SCENES: "{}" })).toThrow(/CN_ACCOUNT_2_COOKIE is not/);
    const scenes = JSON.stringify({ scene_list: { qwen_web: { "eo-clt-dvidn": "dv-0123456789", "eo-clt-actkn": "web-token-0123456789" }, qwen_chat: { "eo-clt-actkn": "chat-token-0123456789", "eo-clt-bacsft": ["salt-0123456789ab"] } } });
    const config = loadConfig({ CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_1_SCENES: scenes });
    expect(config.cnAccounts[0]?.scenes).toBe(scenes);
    for (const secret of ["web-token-0123456789", "chat-token-0123456789", "salt-0123456789ab"]) expect(config.secrets).toContain(secret);
  });

  test("a stale device refused under concurrency is dropped once: one new registration, however many requests saw the refusal", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      await Promise.all(Array.from({ length: 10 }, () => ask(gw)));
      const before = fake.registrations;
      fake.forgetDevices();
      const replies = await Promise.all(Array.from({ length: 20 }, () => ask(gw)));
      expect(replies.every((r) => r.choices[0]?.message.content === REPLY)).toBe(true);
      expect(fake.registrations - before).toBe(1);
      expect(new Set(fake.usedSalts).size).toBe(fake.usedSalts.length);
    });
  });

  test("registrations are spaced (CN_REGISTER_INTERVAL_MS): a device refused right after its registration waits, then is replaced once", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake, { CN_REGISTER_INTERVAL_MS: "400" }), async (fake, gw) => {
      expect((await ask(gw)).choices[0]?.message.content).toBe(REPLY);
      const before = fake.registrations;
      fake.forgetDevices();
      const replies = await Promise.all(Array.from({ length: 5 }, () => ask(gw)));
      expect(replies.every((r) => r.choices[0]?.message.content === REPLY)).toBe(true);
      expect(fake.registrations - before).toBe(1);
      const registers = fake.calls.filter((c) => c.path === "/security/external/access/register");
      expect(registers).toHaveLength(2);
    });
  });

  test("a restart with the same store reuses the device and its unspent salts: no new registration, no salt presented twice", async () => {
    const fake = startFakeChat2Upstream();
    const store = createMemoryStore();
    try {
      for (const round of [1, 2, 3]) {
        const gw = startChat2Gateway(fake, {}, { store });
        try {
          for (let i = 0; i < 5; i++) expect((await ask(gw)).choices[0]?.message.content).toBe(REPLY);
        } finally {
          await gw.stop();
        }
        expect(fake.registrations).toBe(1);
        expect(fake.usedSalts).toHaveLength(5 * round);
      }
      expect(new Set(fake.usedSalts).size).toBe(15);
      expect(fake.refusals).toEqual([]);
      // Another cookie is another credential: it starts afresh.
      const other = startChat2Gateway(fake, { CN_ACCOUNT_1_COOKIE: `${CHAT2_COOKIE_1}; extra=1` }, { store });
      try {
        await ask(other);
      } finally {
        await other.stop();
      }
      expect(fake.registrations).toBe(2);
    } finally {
      await fake.stop();
    }
  });

  test("two gateways sharing one store share the device and its salts: one registration, no salt presented twice", async () => {
    const fake = startFakeChat2Upstream();
    fake.saltsPerRegistration = 20;
    const store = createMemoryStore();
    const a = startChat2Gateway(fake, {}, { store });
    const b = startChat2Gateway(fake, {}, { store });
    try {
      const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => ask(i % 2 === 0 ? a : b)));
      expect(replies.every((r) => r.choices[0]?.message.content === REPLY)).toBe(true);
      expect(fake.registrations).toBe(1);
      expect(new Set(fake.usedSalts).size).toBe(60);
      expect(fake.refusals).toEqual([]);
    } finally {
      await a.stop();
      await b.stop();
      await fake.stop();
    }
  });
});

describe("protocol drift is counted, not swallowed (issue 15)", () => {
  const statusOf = async (gw: Gateway) =>
    (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { upstreams: Record<string, { drift: Array<{ kind: string; count: number; samples: string[] }> }> };

  test("chat.qwen.ai: unknown frames, phases and non-JSON lines are counted and sampled, scrubbed; the reply is unharmed", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const frame = (delta: Record<string, unknown>) => `data: ${JSON.stringify({ choices: [{ delta }], response_id: "r1" })}\n\n`;
      fake.respond = () =>
        new Response(
          [
            `data: ${JSON.stringify({ "response.hologram": { token: INTL_TOKEN } })}\n\n`,
            frame({ role: "assistant", content: "", phase: "telepathy" }),
            "data: <<not json at all>>\n\n",
            frame({ role: "assistant", content: "Hi!", phase: "answer", status: "typing" }),
            frame({ role: "assistant", content: "", phase: "answer", status: "finished" }),
          ].join(""),
          { headers: { "content-type": "text/event-stream" } },
        );
      expect((await collectStream(gw.client, "hello")).content).toBe("Hi!");
      const drift = (await statusOf(gw)).upstreams.intl?.drift ?? [];
      expect(drift.map((d) => [d.kind, d.count]).sort()).toEqual([["non-JSON event", 1], ["unknown event shape", 1], ["unknown phase", 1]]);
      expect(drift.find((d) => d.kind === "unknown phase")?.samples).toEqual(["telepathy"]);
      expect(JSON.stringify(drift)).not.toContain(INTL_TOKEN);
      // --check prints the same, one line per kind.
      const lines = driftLines(gw.app.drift);
      expect(lines).toHaveLength(3);
      expect(lines.find((line) => line.includes("unknown phase"))).toContain("chat.qwen.ai sent 1 unknown phase since");
    });
  });

  test("mainland chat2: an unknown mime_type and an unknown error code are counted; the secret in a sample is scrubbed", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (fake, gw) => {
      const envelope = (messages: unknown[], extra: Record<string, unknown> = {}) => `data:${JSON.stringify({ error_code: 0, error_msg: "", communication: { sessionid: "s", reqid: "r", resid: "x" }, data: { messages }, ...extra })}\n\n`;
      fake.respond = (body) =>
        String((body.messages as Array<{ content: string }>)[0]?.content).includes("fail")
          ? new Response(envelope([], { error_code: 77, error_msg: `strange ${COOKIE_1}` }), { headers: { "content-type": "text/event-stream" } })
          : new Response(envelope([{ mime_type: "hologram/iframe", content: "?", status: "processing", meta_data: {} }]) + envelope([{ mime_type: "multi_load/iframe", content: "好", status: "complete", meta_data: {} }]), { headers: { "content-type": "text/event-stream" } });
      expect((await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] })).choices[0]?.message.content).toBe("好");
      await requestError(gw, "fail", false, "qwen");
      const drift = (await statusOf(gw)).upstreams.cn?.drift ?? [];
      expect(drift.map((d) => d.kind).sort()).toEqual(["unknown error code", "unknown mime_type"]);
      expect(JSON.stringify(drift)).not.toContain("ticket-one-SECRET");
    });
  });
});

describe("per-account outbound proxies (issue 15)", () => {
  /** The relay proxy, recording each path with the account whose cookie it carried. */
  const startRecordingProxy = () => startRelayProxy("proxyuser", "proxy-SECRET-pass", (req) => `${new URL(req.url).pathname} ${req.headers.get("cookie")?.includes("ticket-two") ? "account 2" : "account 1"}`);

  test("account 2's calls (chat, session delete) go through its proxy, account 1's do not; the proxy's credentials are scrubbed", async () => {
    const proxy = startRecordingProxy();
    try {
      await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CN_ACCOUNT_2_COOKIE: COOKIE_2, CN_ACCOUNT_2_PROXY: proxy.url, ACCOUNT_MAX_IN_FLIGHT: "1", LOG_LEVEL: "debug" }), async (fake, gw) => {
        // Two at once: one per account.
        const replies = await Promise.all([collectStream(gw.client, "fixture:plain chunk:10 gap:5"), collectStream(gw.client, "fixture:plain chunk:10 gap:5")]);
        for (const reply of replies) expect(reply.content).toBe("你好！我是通义千问，有什么可以帮你？");
        await waitFor(() => fake.deletedSessions.length === 2);
        await waitFor(() => proxy.relayed.includes("/dialog/session/delete account 2"));
        expect(proxy.relayed.filter((p) => p.startsWith("/dialog/conversation"))).toEqual(["/dialog/conversation account 2"]);
        const byAccount = fake.calls.filter((c) => c.path === "/dialog/conversation").map((c) => (c.headers.cookie?.includes("ticket-two") ? "2" : "1"));
        expect(byAccount.sort()).toEqual(["1", "2"]);
        expect(gw.logs.join("\n")).not.toContain("proxy-SECRET-pass");
      });
    } finally {
      await proxy.stop();
    }
  });

  test("chat.qwen.ai: chat creation, completion, delete and token refresh all go through the account's proxy", async () => {
    const proxy = startRecordingProxy();
    const auth = startFakeAuthHost({ lifetimeSec: 60 });
    try {
      await withGateway(startFakeIntlUpstream, (fake) => startRenewingGateway(fake, auth, { INTL_ACCOUNT_1_REFRESH_TOKEN: auth.issueRefreshToken(), INTL_ACCOUNT_1_PROXY: proxy.url }), async (fake, gw) => {
        expect((await collectStream(gw.client, "fixture:plain")).content).toBe("Hi!");
        await waitFor(() => fake.deletedChats.length === 1);
        const paths = proxy.relayed.map((p) => p.split(" ")[0]);
        for (const path of ["/api/v2/auths/refresh", "/api/v2/chats/new", "/api/v2/chat/completions"]) expect(paths).toContain(path);
        await waitFor(() => proxy.relayed.some((p) => p.startsWith(`/api/v2/chats/${fake.createdChats[0]}`)));
      });
    } finally {
      await auth.stop();
      await proxy.stop();
    }
  });

  test("QWEN_PROXY is every account's default; a bad proxy URL stops start-up naming the variable", () => {
    const config = loadConfig({ CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_2_COOKIE: COOKIE_2, CN_ACCOUNT_2_PROXY: "http://127.0.0.1:3128", QWEN_PROXY: "http://u:long-proxy-password@127.0.0.1:8888" });
    expect(config.cnAccounts.map((a) => a.proxy)).toEqual(["http://u:long-proxy-password@127.0.0.1:8888", "http://127.0.0.1:3128"]);
    expect(config.secrets).toContain("long-proxy-password");
    expect(() => loadConfig({ CN_ACCOUNT_1_COOKIE: COOKIE_1, CN_ACCOUNT_1_PROXY: "socks5://127.0.0.1:1080" })).toThrow("CN_ACCOUNT_1_PROXY");
    expect(() => loadConfig({ INTL_ACCOUNT_3_PROXY: "http://127.0.0.1:3128" })).toThrow("INTL_ACCOUNT_3_PROXY");
  });
});

// ── Issue 18: one classifier for upstream answers, the auth host by its codes, calibration ──

describe("classifyAnswer: one meaning for an upstream answer (issue 18)", () => {
  const read = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, headers: new Headers(headers), body: typeof body === "string" ? body : JSON.stringify(body) });
  const dataOf = (json: Record<string, unknown>) => (typeof json.data === "object" && json.data !== null ? (json.data as Record<string, unknown>) : undefined);
  const accessToken = (json: Record<string, unknown>) => {
    const token = dataOf(json)?.access_token;
    return typeof token === "string" ? token : undefined;
  };

  test("the success shape comes first: a refresh answer whose tokens hold AwsC is a success", async () => {
    const body = { success: true, data: { access_token: "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.sigAwsCxyz", refresh_token: "rt-AwsC-0123" } };
    const answer = await classifyAnswer(read(200, body), { label: "the token refresh", success: accessToken });
    expect("value" in answer ? answer.value : answer.failure.message).toBe("eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.sigAwsCxyz");
  });

  test("markers in a success payload are ignored: a chat2 registration whose token and salts hold AwsC is not waf", async () => {
    const body = { code: "0", success: true, data: { "eo-clt-dvidn": "dv-1", "eo-clt-actkn": "tokAwsCtok", "eo-clt-bacsft": ["saltAwsC01", "baxiaPunishCaptcha"] } };
    const salts = (json: Record<string, unknown>) => {
      const list = dataOf(json)?.["eo-clt-bacsft"];
      return Array.isArray(list) ? list : undefined;
    };
    const answer = await classifyAnswer(read(200, body), { label: "the device registration", success: salts });
    expect("value" in answer && answer.value).toEqual(["saltAwsC01", "baxiaPunishCaptcha"]);
    // A 200 JSON answer the call does not recognise is still not waf for what its payload holds.
    const unrecognised = await classifyAnswer(read(200, body), { label: "the device registration", success: () => undefined });
    expect("failure" in unrecognised && unrecognised.failure.kind).toBe("upstream");
  });

  test("markers in an HTML page or another non-JSON body, and in a JSON body's error fields, are waf with Retry-After", async () => {
    const page = await classifyAnswer(read(200, "<!DOCTYPE html><html><script src=//g.alicdn.com/AWSC/AWSC/awsc.js></script></html>", { "retry-after": "120" }), { label: "x", success: accessToken });
    expect("failure" in page && page.failure).toMatchObject({ kind: "waf", retryAfterSec: 120 });
    const text = await classifyAnswer(read(405, "Sorry, punish: please complete the captcha"), { label: "x" });
    expect("failure" in text && text.failure.kind).toBe("waf");
    const field = await classifyAnswer(read(200, { success: false, msg: "请完成滑块验证" }), { label: "x", success: accessToken });
    expect("failure" in field && field.failure.kind).toBe("waf");
  });

  test("FAIL_SYS_USER_VALIDATE in a 200 body is a silent challenge with Retry-After, never an empty success", async () => {
    const choices = (json: Record<string, unknown>) => (Array.isArray(json.choices) ? json.choices : undefined);
    for (const body of [{ ret: ["FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦,请稍后重试"], data: {} }, { success: false, data: { code: "FAIL_SYS_USER_VALIDATE" } }]) {
      const answer = await classifyAnswer(read(200, body), { label: "INTL account 1", success: choices });
      expect("failure" in answer && answer.failure.kind).toBe("waf");
      expect("failure" in answer && answer.failure.message).toContain("FAIL_SYS_USER_VALIDATE");
      expect("failure" in answer && answer.failure.retryAfterSec).toBeGreaterThan(0);
    }
  });

  test("429 is rate with the answer's Retry-After, in seconds or as an HTTP date, finite and capped", async () => {
    const after = (value: string, fallback = 60, cap?: number) => retryAfterSeconds(new Headers({ "retry-after": value }), fallback, cap);
    expect(after("7")).toBe(7);
    const inHalfAMinute = after(new Date(Date.now() + 30_000).toUTCString());
    expect(inHalfAMinute).toBeGreaterThanOrEqual(29);
    expect(inHalfAMinute).toBeLessThanOrEqual(31);
    expect(after(new Date(Date.now() - 60_000).toUTCString())).toBe(1);
    expect(after("soon")).toBe(60);
    expect(after("Infinity")).toBe(60);
    expect(after("99999999", 60, 3600)).toBe(3600);
    expect(retryAfterSeconds(new Headers(), 5)).toBe(5);
    const answer = await classifyAnswer(read(429, "{}", { "retry-after": "2" }), { label: "the registration" });
    expect("failure" in answer && answer.failure).toMatchObject({ kind: "rate", retryAfterSec: 2 });
  });

  test("unknown refusals are upstream, not waf; 401/403 name the variable; 5xx is upstream; a broken body is a failure, not a throw", async () => {
    for (const status of [200, 400]) {
      const answer = await classifyAnswer(read(status, { success: false, code: "SOMETHING_NEW", msg: "never seen" }), { label: "x", success: accessToken });
      expect("failure" in answer && answer.failure.kind).toBe("upstream");
    }
    const refused = await classifyAnswer(read(403, "{}"), { label: "CN account 1", refreshHint: "Set CN_ACCOUNT_1_COOKIE." });
    expect("failure" in refused && refused.failure).toMatchObject({ kind: "auth" });
    expect("failure" in refused && refused.failure.message).toContain("CN_ACCOUNT_1_COOKIE");
    const failed = await classifyAnswer(read(502, ""), { label: "x" });
    expect("failure" in failed && failed.failure.kind).toBe("upstream");
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("{\"success\":"));
        controller.error(new Error("connection reset"));
      },
    });
    const cut = await classifyAnswer(new Response(broken, { status: 200 }), { label: "x", success: accessToken });
    expect("failure" in cut && cut.failure.kind).toBe("upstream");
  });

  test("a failure's tag is a field: the classifier passes it on and a spread copy keeps it", async () => {
    const answer = await classifyAnswer(read(403, { code: "EX015" }), {
      label: "CN account 1",
      errorOf: (json) => (json.code === "EX015" ? { kind: "waf", message: "signature refused", tag: "signature_refused" } : undefined),
    });
    expect("failure" in answer && answer.failure.tag).toBe("signature_refused");
    if (!("failure" in answer)) throw new Error("expected a failure");
    const copy = { ...answer.failure, message: `${answer.failure.message} More.` };
    expect(copy.tag).toBe("signature_refused");
  });
});

describe("FAIL_SYS_USER_VALIDATE in a 200 chat answer is an anti-bot refusal (issue 18, M6, I8)", () => {
  const silentChallenge = (sse: boolean) =>
    sse
      ? new Response(`data: {"code":"FAIL_SYS_USER_VALIDATE","msg":"哎哟喂,被挤爆啦,请稍后重试"}\n\n`, { status: 200, headers: { "content-type": "text/event-stream" } })
      : new Response(JSON.stringify({ ret: ["FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦,请稍后重试"], data: {} }), { status: 200, headers: { "content-type": "application/json" } });

  test("chat.qwen.ai: 503 with Retry-After through the openai SDK, not an empty success", async () => {
    const fake = startFakeIntlUpstream();
    try {
      for (const sse of [true, false]) {
        fake.respond = () => silentChallenge(sse);
        for (const stream of [false, true]) {
          const err = await freshGatewayError(() => startIntlGateway(fake), "hi", stream);
          expect({ sse, stream, status: err.status, code: err.code }).toEqual({ sse, stream, status: 503, code: "upstream_waf_blocked" });
          expect(Number(err.headers?.get("retry-after"))).toBeGreaterThan(0);
        }
      }
    } finally {
      await fake.stop();
    }
  });

  test("chat2: 503 with Retry-After through the openai SDK, not an empty success", async () => {
    const fake = startFakeChat2Upstream();
    try {
      fake.respond = () => new Response(`data:{"ret":["FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦"],"data":{}}\n\n`, { status: 200, headers: { "content-type": "text/event-stream" } });
      for (const stream of [false, true]) {
        const err = await chat2Error(fake, "hi", stream);
        expect({ stream, status: err.status, code: err.code }).toEqual({ stream, status: 503, code: "upstream_waf_blocked" });
        expect(Number(err.headers?.get("retry-after"))).toBeGreaterThan(0);
      }
    } finally {
      await fake.stop();
    }
  });
});

describe("chat2 clock calibration (issue 18)", () => {
  test("a failed calibration keeps the account's last good offset, so the next registration still signs on the site's clock", async () => {
    const fake = startFakeChat2Upstream();
    const gw = startChat2Gateway(fake, { LOG_LEVEL: "debug" });
    try {
      const ask = () => gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
      await ask();
      const before = fake.registrations;
      const clockCalls = () => fake.calls.filter((c) => c.path === "/api/calibration/getMillisTimeStamp").length;
      const clockBefore = clockCalls();
      fake.clockAnswer = () => new Response("<html>busy</html>", { status: 503, headers: { "content-type": "text/html" } });
      // A forgotten device is refused once and registered anew; the fake's clock stays 7 minutes ahead.
      fake.forgetDevices();
      expect((await ask()).choices[0]?.message.content).toBeTruthy();
      expect(fake.registrations).toBe(before + 1);
      expect(clockCalls()).toBe(clockBefore + 1);
      expect(fake.refusals).toEqual(["device"]);
      expect(gw.logs.join("\n")).toContain("keeping the last offset");
    } finally {
      setSystemTime();
      fake.clockAnswer = undefined;
      await gw.stop();
      await fake.stop();
    }
  });
});

// ── Bounded and clean (issue 21) ────────────────────────────────────────────

/** A chat2 frame whose text is `text` (a cumulative upstream resends all of it every time). */
const chat2Frame = (text: string) =>
  `data:${JSON.stringify({ error_code: 0, error_msg: "", communication: { sessionid: "s1", reqid: "r1", resid: "x1" }, data: { messages: [{ mime_type: "multi_load/iframe", content: text, status: "processing", meta_data: {} }] } })}\n\n`;

/** A process's peak resident memory in MB (VmHWM), or 0 once it is gone. */
function peakRssMb(pid: number): number {
  try {
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string)?.[1];
    return Number(kb ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * Holds the fake's answer at `path` (through `hold`), sends a streamed request, leaves once the
 * fake has it, and waits until the account's slot is free; returns what releases the fake.
 */
async function leaveWhileHeld(gw: Gateway, upstream: UpstreamName, fake: { calls: Array<{ path: string }> }, path: string, prompt: string, hold: (held: Promise<void>) => void): Promise<() => void> {
  let answer = () => {};
  hold(new Promise<void>((resolve) => (answer = resolve)));
  const controller = new AbortController();
  const asked = rawPost(gw.url, chatBody(prompt, { stream: true }), {}, controller.signal).catch(() => undefined);
  await waitFor(() => fake.calls.some((c) => c.path === path));
  controller.abort();
  await asked;
  await waitFor(() => gw.app.pools[upstream].snapshot()[0]?.in_flight === 0);
  return answer;
}

describe("bounded and clean (issue 21)", () => {
  test(
    "#1 a chat2 reply growing at loopback speed: the gateway process peaks under 300 MB and the client gets upstream_limit_exceeded",
    async () => {
      const fake = startFakeChat2Upstream();
      const step = "x".repeat(3000);
      fake.respond = () => endless((n) => chat2Frame(step.repeat(n + 1)));
      const port = freePort();
      const child = Bun.spawn([process.execPath, "index.ts"], {
        cwd: import.meta.dir,
        env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", API_MASTER_KEY: MASTER_KEY, CN_PROTOCOL: "chat2", QWEN_CN_BASE_URL: fake.url, CN_ACCOUNT_1_COOKIE: CHAT2_COOKIE_1, LOG_LEVEL: "silent", STATE_PATH: "off" },
        stdout: "ignore",
        stderr: "ignore",
      });
      const url = `http://127.0.0.1:${port}`;
      try {
        let isUp = false;
        await waitFor(() => {
          void fetch(`${url}/health`).then((r) => r.ok && (isUp = true), () => {});
          return isUp;
        }, 10_000);
        // Polled while the reply runs, so that a gateway on its way to a gigabyte fails the test at 300 MB.
        let answer: { status: number; code?: string; message?: string } | undefined;
        void rawPost(url, chatBody("grow", { model: "qwen" })).then(async (r) => {
          const body = (await r.json()) as { error?: { code: string; message: string } };
          answer = { status: r.status, code: body.error?.code, message: body.error?.message };
        });
        await waitFor(() => answer !== undefined || peakRssMb(child.pid) > 300, 20_000);
        const peak = peakRssMb(child.pid);
        expect(peak).toBeLessThan(300);
        expect(answer).toMatchObject({ status: 502, code: "upstream_limit_exceeded" });
        expect(answer?.message).toContain("UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS");
      } finally {
        child.kill("SIGKILL");
        await fake.stop();
      }
    },
    { timeout: 40_000 },
  );

  test("#7 the redactor keeps every secret still in use: an early one after 1,000 others, an owner's current one after 1,000 renewals of another", () => {
    const redact = makeRedactor([]);
    const secret = (name: string, n: number) => `${name}-${String(n).padStart(6, "0")}-0123456789abcdef`;
    redact.add(secret("early", 0));
    redact.add(secret("device", 0), "cn#1 device");
    for (let n = 1; n <= 1000; n++) redact.add(secret("token", n));
    for (let n = 1; n <= 1000; n++) redact.add(secret("renewed", n), "intl#1 access token");
    for (const kept of [secret("early", 0), secret("device", 0), secret("token", 1), secret("renewed", 1000), secret("renewed", 999)]) expect(redact(`quoted: ${kept}`)).toBe("quoted: [redacted]");
    // A replaced secret is kept for a while, not for ever.
    expect(redact(secret("renewed", 1))).toBe(secret("renewed", 1));
  });

  test("#8 a reply cut by the shutdown grace says server_shutting_down (503), in-stream and whole, not upstream_truncated", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake), async (fake, gw) => {
      const streamed = await rawPost(gw.url, chatBody("drip:100", { stream: true }));
      const reader = streamed.body?.getReader();
      await reader?.read();
      const whole = rawPost(gw.url, chatBody("drip:100"));
      await waitFor(() => gw.app.pools.cn.snapshot()[0]?.in_flight === 2);
      expect(await gw.app.drain(0)).toBe(2);
      let wire = "";
      for (;;) {
        const chunk = await reader?.read();
        if (chunk === undefined || chunk.done) break;
        wire += new TextDecoder().decode(chunk.value);
      }
      expect(wire).toContain('"code":"server_shutting_down"');
      expect(wire).not.toContain("upstream_truncated");
      const answer = await whole;
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("5");
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("server_shutting_down");
      await waitFor(() => fake.deletedSessions.length === 2);
    });
  });

  test("#6 a zstd-labelled chat2 body still compressed: its first byte gets the first-byte limit, each compressed chunk counts as progress", async () => {
    const fake = startFakeChat2Upstream();
    const sse = `data:${JSON.stringify({ error_code: 0, communication: { sessionid: "s1" }, data: { messages: [{ mime_type: "multi_load/iframe", content: "压缩的回答", status: "complete", meta_data: {} }] } })}\n\n`;
    const compressed = new Uint8Array(Bun.zstdCompressSync(new TextEncoder().encode(sse.repeat(50))));
    // After the headers: 400 ms of silence (past the 200 ms connect limit, within first-byte), then
    // eight pieces 150 ms apart (1.2 s in all, past the first-byte limit, each within the idle one).
    // Like a real fetch's body, it breaks off when the request's signal aborts (a watchdog timeout).
    const slowBody = (signal: AbortSignal) => {
      let piece = 0;
      const size = Math.ceil(compressed.length / 8);
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          await Bun.sleep(piece === 0 ? 400 : 150);
          if (signal.aborted) return controller.error(signal.reason);
          if (piece === 8) return controller.close();
          controller.enqueue(compressed.slice(piece * size, ++piece * size));
        },
      });
    };
    const slowFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      if (!String(input).includes("/api/v2/chat?")) return response;
      await response.body?.cancel();
      return new Response(slowBody(init?.signal ?? new AbortController().signal), { headers: { "content-type": "text/event-stream", "content-encoding": "zstd" } });
    }) as typeof fetch;
    const gw = startChat2Gateway(fake, { UPSTREAM_CONNECT_TIMEOUT_MS: "200", UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "1000", UPSTREAM_IDLE_TIMEOUT_MS: "400" }, { fetch: slowFetch });
    try {
      const reply = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hello" }] });
      expect(reply.choices[0]?.message.content).toBe("压缩的回答");
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });

  test("#4 images with n=4: the first failure closes the other three at once (slots and upstream streams freed)", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake, { FAILOVER_MAX_ATTEMPTS: "1" }), async (fake, gw) => {
      let calls = 0;
      const open = new Set<number>();
      fake.respond = () => {
        const n = ++calls;
        // The last of the four to arrive fails, so three are surely open when it does.
        if (n === 4) return new Response(JSON.stringify({ success: false, data: { code: "Bad_Request", details: "refused" } }), { status: 400, headers: { "content-type": "application/json" } });
        open.add(n);
        // Keep-alives only, until the gateway lets go.
        return new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              await Bun.sleep(50);
              controller.enqueue(new TextEncoder().encode(': ping\n\n'));
            },
            cancel: () => void open.delete(n),
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      };
      const err = await apiError(gw.client.images.generate({ model: "qwen3.8-max", prompt: "a fox", n: 4 }));
      expect(err.status).toBe(502);
      await waitFor(() => open.size === 0 && gw.app.pools.intl.snapshot()[0]?.in_flight === 0, 3000);
      expect(calls).toBe(4);
    });
  });

  test("#4 an image generation that only keeps alive ends at UPSTREAM_NO_CONTENT_TIMEOUT_MS, as a text reply would", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake, { UPSTREAM_NO_CONTENT_TIMEOUT_MS: "400", REPLY_MAX_MS: "20000", FAILOVER_MAX_ATTEMPTS: "1" }), async (fake, gw) => {
      fake.respond = () => endless(() => `data: ${JSON.stringify({ "response.info": { status: "running" } })}\n\n`, 50);
      const err = await apiError(gw.client.images.generate({ model: "qwen3.8-max", prompt: "a fox" }));
      expect(err.status).toBe(504);
      expect(err.message).toContain("UPSTREAM_NO_CONTENT_TIMEOUT_MS");
    });
  });

  test("#1 a chat2 line that never ends is cut at UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS, not read on to the 8 MiB line limit", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake, { UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS: "65536" }), async (fake, gw) => {
      let sent = 0;
      fake.respond = () =>
        endless((n) => {
          sent += 4096;
          return n === 0 ? `data:{"data":{"messages":[{"content":"` : "z".repeat(4096);
        });
      const err = await requestError(gw, "hello", false, "qwen");
      expect(err.code).toBe("upstream_limit_exceeded");
      expect(err.message).toContain("longer than 65536 characters (UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS)");
      // Stopped near the cap (socket buffers aside), before the 8 MiB line limit.
      expect(sent).toBeLessThan(8 * 1024 * 1024);
    });
  });

  test("#5 chat.qwen.ai: a client that leaves while chats/new is answering gets its slot back at once, and the chat made afterwards is deleted", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake, { FAILOVER_MAX_ATTEMPTS: "1" }), async (fake, gw) => {
      // Neither the slot nor the client waits for the chat being made.
      const answer = await leaveWhileHeld(gw, "intl", fake, "/api/v2/chats/new", "fixture:plain", (held) => (fake.newChatHold = held));
      expect(fake.createdChats).toEqual([]);
      answer();
      await waitFor(() => fake.createdChats.length === 1 && fake.deletedChats.includes(fake.createdChats[0] as string));
      expect(completionCalls(fake)).toEqual([]);
    });
  });

  test("#5 /dialog: a client that leaves before the first event gets its slot back at once, and the session that event names is deleted", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { FAILOVER_MAX_ATTEMPTS: "1" }), async (fake, gw) => {
      const answer = await leaveWhileHeld(gw, "cn", fake, "/dialog/conversation", "drip:20", (held) => (fake.conversationHold = held));
      expect(fake.deletedSessions).toEqual([]);
      answer();
      await waitFor(() => fake.deletedSessions.includes("drip0000000000000000000000000000"));
      // Once the id is in, the endless stream is cancelled, not read on for nobody.
      await waitFor(() => fake.cancelledStreams === 1);
    });
  });

  test("#5 /dialog: a client that leaves mid-stream before the session id came: the stream is read on in the background until it does, then the session is deleted", async () => {
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { FAILOVER_MAX_ATTEMPTS: "1" }), async (fake, gw) => {
      let answer = () => {};
      const held = new Promise<void>((resolve) => (answer = resolve));
      const encode = (event: unknown) => new TextEncoder().encode(`data: ${JSON.stringify(event)}\n\n`);
      let step = 0;
      let isCancelled = false;
      fake.respond = () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              step++;
              if (step === 1) return controller.enqueue(encode({ msgStatus: "generating", contents: [{ role: "assistant", contentType: "text", content: "早" }] }));
              await held;
              if (step === 2) return controller.enqueue(encode({ sessionId: "late0000000000000000000000000000", msgStatus: "generating", contents: [{ role: "assistant", contentType: "text", content: "早上好" }] }));
              await Bun.sleep(20); // then keep-alives, until the gateway lets go
              controller.enqueue(new TextEncoder().encode(": ping\n\n"));
            },
            cancel: () => void (isCancelled = true),
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      const controller = new AbortController();
      const stream = await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "hi" }], stream: true }, { signal: controller.signal });
      try {
        for await (const chunk of stream) if (chunk.choices[0]?.delta.content) controller.abort();
      } catch {
        // the abort
      }
      await waitFor(() => gw.app.pools.cn.snapshot()[0]?.in_flight === 0);
      expect(fake.deletedSessions).toEqual([]);
      answer();
      await waitFor(() => fake.deletedSessions.includes("late0000000000000000000000000000") && isCancelled);
    });
  });

  test("#5 chat2: a client that leaves before the first event: the session (named by the gateway) is deleted all the same", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake, { FAILOVER_MAX_ATTEMPTS: "1" }), async (fake, gw) => {
      let answer = () => {};
      const held = new Promise<void>((resolve) => (answer = resolve));
      let isAsked = false;
      fake.respond = () => {
        isAsked = true;
        return new Response(
          new ReadableStream<Uint8Array>({
            async pull() {
              await held;
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      };
      const controller = new AbortController();
      const asked = rawPost(gw.url, { model: "qwen", messages: [{ role: "user", content: "hi" }], stream: true }, {}, controller.signal).catch(() => undefined);
      await waitFor(() => isAsked);
      controller.abort();
      await asked;
      const sessionId = (lastChat2Call(fake).body as { session_id: string }).session_id;
      await waitFor(() => fake.deletedSessions.includes(sessionId) && gw.app.pools.cn.snapshot()[0]?.in_flight === 0);
      answer();
    });
  });
});

// ── State store ─────────────────────────────────────────────────────────────

/** A private temp directory, removed by the caller's cleanup. */
function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "qwenplug-state-"));
}

/** Debian's redis-server on a random loopback port, in a temp dir, with no persistence; undefined (and a printed reason) when it is not installed. */
interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const REDIS_SERVER = Bun.which("redis-server");
if (REDIS_SERVER === null) console.log("state store: redis-server not found (apt-get install redis-server): the Redis tests are skipped");

async function isPortOpen(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** A TCP relay to a local port that can drop its connections and refuse new ones: one replica cut off from Redis while others are not. */
async function startTcpRelay(targetPort: number) {
  let isCut = false;
  type Pair = { client: Bun.Socket<{ upstream?: Bun.Socket<unknown>; pending: Uint8Array[] }>; upstream?: Bun.Socket<unknown> };
  const pairs = new Set<Pair>();
  const server = Bun.listen<{ upstream?: Bun.Socket<unknown>; pending: Uint8Array[] }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        if (isCut) {
          client.end();
          return;
        }
        client.data = { pending: [] };
        const pair: Pair = { client };
        pairs.add(pair);
        void Bun.connect({
          hostname: "127.0.0.1",
          port: targetPort,
          socket: {
            data: (_s, chunk) => void client.write(chunk),
            close: () => void client.end(),
            error: () => void client.end(),
          },
        }).then((upstream) => {
          pair.upstream = upstream;
          client.data.upstream = upstream;
          for (const chunk of client.data.pending) upstream.write(chunk);
          client.data.pending = [];
        }, () => client.end());
      },
      data(client, chunk) {
        if (client.data.upstream !== undefined) client.data.upstream.write(chunk);
        else client.data.pending.push(new Uint8Array(chunk));
      },
      close(client) {
        client.data?.upstream?.end();
      },
    },
  });
  return {
    port: server.port,
    cut() {
      isCut = true;
      for (const pair of pairs) {
        pair.client.end();
        pair.upstream?.end();
      }
      pairs.clear();
    },
    restore() {
      isCut = false;
    },
    stop: () => server.stop(true),
  };
}

async function startTestRedis(): Promise<TestRedis> {
  const port = freePort();
  const dir = tempDir();
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  const start = async () => {
    proc = Bun.spawn([REDIS_SERVER as string, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdout: "ignore", stderr: "ignore" });
    const deadline = Date.now() + 5000;
    while (!(await isPortOpen(port))) {
      if (Date.now() > deadline) throw new Error("redis-server did not start");
      await Bun.sleep(20);
    }
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async stop() {
      proc?.kill("SIGKILL");
      await proc?.exited;
    },
  };
}

/** The same expectations for every backend. */
function storeContract(name: string, open: () => Promise<{ store: StateStore; done: () => Promise<void> }>, isSkipped = false) {
  describe.skipIf(isSkipped)(`state store contract: ${name}`, () => {
    let store: StateStore;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ store, done } = await open());
    });
    afterAll(async () => {
      await done();
    });

    test("records: get, put with versions, ifVersion conflicts, delete", async () => {
      expect(await store.get("c:a")).toBeUndefined();
      expect(await store.put("c:a", { n: 1, bytes: new Uint8Array([1, 2, 250]) })).toBe(1);
      const got = await store.get<{ n: number; bytes: Uint8Array }>("c:a");
      expect(got?.version).toBe(1);
      expect(got?.value.n).toBe(1);
      expect([...(got?.value.bytes ?? [])]).toEqual([1, 2, 250]);
      expect(await store.put("c:a", { n: 2 }, { ifVersion: 0 })).toBeUndefined();
      expect(await store.put("c:a", { n: 2 }, { ifVersion: 1 })).toBe(2);
      expect(await store.put("c:a", { n: 3 }, { ifVersion: 1 })).toBeUndefined();
      expect((await store.get<{ n: number }>("c:a"))?.value.n).toBe(2);
      expect(await store.put("c:new", "x", { ifVersion: 0 })).toBe(1);
      await store.delete("c:a");
      expect(await store.get("c:a")).toBeUndefined();
      expect(await store.put("c:a", "again", { ifVersion: 0 })).toBe(1);
    });

    test("ttl: a record and a list expire", async () => {
      await store.put("c:ttl", "soon", { ttlMs: 150 });
      await store.push("c:ttl-list", ["a"], 150);
      expect((await store.get<string>("c:ttl"))?.value).toBe("soon");
      expect(await store.length("c:ttl-list")).toBe(1);
      const deadline = Date.now() + 3000;
      while ((await store.get("c:ttl")) !== undefined || (await store.length("c:ttl-list")) !== 0) {
        if (Date.now() > deadline) throw new Error("did not expire");
        await Bun.sleep(20);
      }
      expect(await store.put("c:ttl", "fresh", { ifVersion: 0 })).toBe(1);
    });

    test("lists: push, shift in order, length, delete", async () => {
      expect(await store.push("c:list", ["1", "2"])).toBe(2);
      expect(await store.push("c:list", ["3"])).toBe(3);
      expect(await store.shift("c:list")).toBe("1");
      expect(await store.length("c:list")).toBe(2);
      expect(await store.shift("c:list")).toBe("2");
      expect(await store.shift("c:list")).toBe("3");
      expect(await store.shift("c:list")).toBeUndefined();
      await store.push("c:list", ["x"]);
      await store.delete("c:list");
      expect(await store.length("c:list")).toBe(0);
    });

    test("200 concurrent shifts take each item once", async () => {
      const items = Array.from({ length: 150 }, (_, i) => `salt-${i}`);
      await store.push("c:salts", items);
      const taken = await Promise.all(Array.from({ length: 200 }, () => store.shift("c:salts")));
      const got = taken.filter((t): t is string => t !== undefined);
      expect(got.length).toBe(150);
      expect(new Set(got).size).toBe(150);
    });

    test("take: batches in order, each item once under 60 concurrent takes, an empty list gives none", async () => {
      const items = Array.from({ length: 150 }, (_, i) => `batch-${i}`);
      await store.push("c:batch", items);
      expect(await store.take("c:batch", 3)).toEqual(["batch-0", "batch-1", "batch-2"]);
      const taken = (await Promise.all(Array.from({ length: 60 }, () => store.take("c:batch", 4)))).flat();
      expect(taken.length).toBe(147);
      expect(new Set(taken).size).toBe(147);
      expect(await store.take("c:batch", 4)).toEqual([]);
    });

    test("locks: exclusion, unlock only by its token, lease expiry", async () => {
      const token = await store.lock("c:lock", 10_000);
      expect(token).toBeString();
      expect(await store.lock("c:lock", 10_000)).toBeUndefined();
      await store.unlock("c:lock", "not-the-token");
      expect(await store.lock("c:lock", 10_000)).toBeUndefined();
      await store.unlock("c:lock", token as string);
      const short = await store.lock("c:lock", 100);
      expect(short).toBeString();
      const deadline = Date.now() + 3000;
      let next: string | undefined;
      while ((next = await store.lock("c:lock", 10_000)) === undefined) {
        if (Date.now() > deadline) throw new Error("lease did not run out");
        await Bun.sleep(20);
      }
      expect(next).not.toBe(short);
      expect(store.status().isHealthy).toBe(true);
    });
  });
}

const STATE_KEY_A = "state-key-A-0123456789abcdef";
const STATE_KEY_B = "state-key-B-0123456789abcdef";

storeContract("memory", async () => ({ store: createMemoryStore(), done: async () => {} }));
storeContract("sqlite", async () => {
  const dir = tempDir();
  const store = createSqliteStore({ path: join(dir, "state.db"), keyMaterial: STATE_KEY_A, log: () => {} });
  return { store, done: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
});
storeContract(
  "redis",
  async () => {
    const redis = await startTestRedis();
    const store = await createRedisStore({ url: redis.url, keyMaterial: STATE_KEY_A, prefix: "t1:", timeoutMs: 2000, log: () => {} });
    return { store, done: async () => { await store.close(); await redis.stop(); } };
  },
  REDIS_SERVER === null,
);

describe("state store: SQLite", () => {
  test("survives close and reopen; file and its WAL are 0600 and hold no plain-text value", async () => {
    const dir = tempDir();
    const path = join(dir, "sub", "state.db");
    const marker = "SECRET-MARKER-refresh-token-7f3a9c";
    let store = createSqliteStore({ path, keyMaterial: STATE_KEY_A, log: () => {} });
    await store.put("intl:1:hash:token", { refreshToken: marker });
    await store.push("cn:1:salts", [`${marker}-salt`]);
    for (const suffix of ["", "-wal", "-shm"]) {
      if (existsSync(path + suffix)) expect(statSync(path + suffix).mode & 0o777).toBe(0o600);
    }
    const bytes = Buffer.concat(["", "-wal"].filter((s) => existsSync(path + s)).map((s) => readFileSync(path + s)));
    expect(bytes.includes(marker)).toBe(false);
    await store.close();
    store = createSqliteStore({ path, keyMaterial: STATE_KEY_A, log: () => {} });
    expect((await store.get<{ refreshToken: string }>("intl:1:hash:token"))?.value.refreshToken).toBe(marker);
    expect(await store.shift("cn:1:salts")).toBe(`${marker}-salt`);
    expect(store.status()).toEqual({ backend: "sqlite", location: path, isHealthy: true });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("sealed under another key or unreadable: set aside with one log line, a new empty store", async () => {
    const dir = tempDir();
    const path = join(dir, "state.db");
    const first = createSqliteStore({ path, keyMaterial: STATE_KEY_A, log: () => {} });
    await first.put("k", "v");
    await first.close();
    const logs: string[] = [];
    const second = createSqliteStore({ path, keyMaterial: STATE_KEY_B, log: (line) => logs.push(line) });
    expect(logs.length).toBe(1);
    expect(logs[0]).toContain("sealed under another key");
    expect(logs.join("")).not.toContain(STATE_KEY_A);
    expect(logs.join("")).not.toContain(STATE_KEY_B);
    expect(await second.get("k")).toBeUndefined();
    expect(readdirSync(dir).some((name) => name.startsWith("state.db.unreadable-"))).toBe(true);
    await second.close();

    const junkPath = join(dir, "junk.db");
    writeFileSync(junkPath, "this is not a database at all ".repeat(200));
    const junkLogs: string[] = [];
    const third = createSqliteStore({ path: junkPath, keyMaterial: STATE_KEY_A, log: (line) => junkLogs.push(line) });
    expect(junkLogs.length).toBe(1);
    expect(junkLogs[0]).toContain("not a readable");
    expect(await third.put("k", "v")).toBe(1);
    await third.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("without STATE_KEY or API_MASTER_KEY, a random key kept beside the file (0600) reopens it", async () => {
    const dir = tempDir();
    const path = join(dir, "state.db");
    let store = createSqliteStore({ path, log: () => {} });
    await store.put("k", "v");
    await store.close();
    expect(statSync(`${path}.key`).mode & 0o777).toBe(0o600);
    store = createSqliteStore({ path, log: () => {} });
    expect((await store.get<string>("k"))?.value).toBe("v");
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("configuration: STATE_PATH, STATE_KEY, REDIS_URL and their secrets", async () => {
    const config = loadConfig({ STATE_PATH: "off", REDIS_URL: "rediss://default:redis-password-123@cache.example:6380", STATE_KEY: STATE_KEY_A, STATE_PREFIX: "qp:" });
    expect(config.state).toMatchObject({ path: "off", prefix: "qp:", keyMaterial: STATE_KEY_A, redisTimeoutMs: 2000 });
    expect(config.secrets).toContain(STATE_KEY_A);
    expect(config.secrets).toContain("redis-password-123");
    expect(loadConfig({ API_MASTER_KEY: MASTER_KEY }).state.keyMaterial).toBe(MASTER_KEY);
    expect(loadConfig({}).state.path).toBeUndefined();
    expect(() => loadConfig({ REDIS_URL: "http://default:pw@x" })).toThrow(/^REDIS_URL must be/);
    let message = "";
    try {
      loadConfig({ REDIS_URL: "http://default:pw-secret@x" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toStartWith("REDIS_URL must be");
    expect(message).not.toContain("pw-secret");
    expect(() => loadConfig({ STATE_KEY: "short" })).toThrow(/^STATE_KEY must be/);
    expect(storeLine((await openStateStore(loadConfig({ STATE_PATH: "off" }), () => {})).status())).toContain("in memory");
    await expect(openStateStore(loadConfig({ REDIS_URL: "redis://127.0.0.1:1" }), () => {})).rejects.toThrow(/STATE_KEY/);
  });
});

describe.skipIf(REDIS_SERVER === null)("state store: Redis", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  const open = (prefix: string, log: (line: string) => void = () => {}) => createRedisStore({ url: redis.url, keyMaterial: STATE_KEY_A, prefix, timeoutMs: 1000, log, retryMs: 100 });

  test("two gateways on one Redis share a chat2 device and its salts (one registration, no salt twice) and a chat.qwen.ai refresh token (no refused refresh) (issues 18, 19)", async () => {
    const chat2 = startFakeChat2Upstream();
    chat2.saltsPerRegistration = 20;
    const auth = startFakeAuthHost({ lifetimeSec: 2 });
    const intl = startFakeIntlUpstream({ validateToken: (token) => auth.isValid(token) });
    const stores = await Promise.all([open("gw:"), open("gw:")]);
    const env = { CN_PROTOCOL: "chat2", QWEN_CN_BASE_URL: chat2.url, CN_ACCOUNT_1_COOKIE: CHAT2_COOKIE_1, QWEN_INTL_BASE_URL: intl.url, QWEN_INTL_AUTH_BASE_URL: auth.url, INTL_ACCOUNT_1_REFRESH_TOKEN: auth.issueRefreshToken() };
    const gws = stores.map((store) => launchGateway(env, undefined, { store }));
    try {
      const cnReplies = await Promise.all(Array.from({ length: 60 }, (_, i) => (gws[i % 2] as Gateway).client.chat.completions.create({ model: "cn/qwen", messages: [{ role: "user", content: "hi" }] })));
      expect(cnReplies.every((r) => r.choices[0]?.message.content === "你好！我是千问，很高兴见到你。")).toBe(true);
      expect(chat2.registrations).toBe(1);
      expect(new Set(chat2.usedSalts).size).toBe(60);
      expect(chat2.refusals).toEqual([]);
      const start = Date.now();
      let answered = 0;
      await Promise.all(
        gws.map(async (gw) => {
          while (Date.now() - start < 4000) {
            expect((await gw.client.chat.completions.create({ model: "intl/qwen-max", messages: [{ role: "user", content: "fixture:plain" }] })).choices[0]?.message.content).toBe("Hi!");
            answered++;
          }
        }),
      );
      expect(answered).toBeGreaterThan(10);
      expect(auth.refreshes).toBeGreaterThanOrEqual(2);
      expect(auth.reusedRefreshTokens).toBe(0);
      expect(intl.rejectedTokens).toBe(0);
    } finally {
      for (const gw of gws) await gw.stop();
      for (const store of stores) await store.close();
      await Promise.all([chat2.stop(), auth.stop(), intl.stop()]);
    }
  }, 30_000);

  test("two replicas see each other's writes, share one list atomically and one lock", async () => {
    const [a, b] = await Promise.all([open("two:"), open("two:")]);
    try {
      expect(await a.put("rec", { from: "a" })).toBe(1);
      expect((await b.get<{ from: string }>("rec"))?.value.from).toBe("a");
      expect(await b.put("rec", { from: "b" }, { ifVersion: 1 })).toBe(2);
      expect(await a.put("rec", { from: "a" }, { ifVersion: 1 })).toBeUndefined();
      await a.push("salts", Array.from({ length: 100 }, (_, i) => `s${i}`));
      const taken = await Promise.all(Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? a : b).shift("salts")));
      const got = taken.filter((t): t is string => t !== undefined);
      expect(got.length).toBe(100);
      expect(new Set(got).size).toBe(100);
      const token = await a.lock("renew", 10_000);
      expect(token).toBeString();
      expect(await b.lock("renew", 10_000)).toBeUndefined();
      await b.unlock("renew", "guess");
      expect(await b.lock("renew", 10_000)).toBeUndefined();
      await a.unlock("renew", token as string);
      expect(await b.lock("renew", 10_000)).toBeString();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("a different STATE_KEY does not read the other's records and says so once", async () => {
    const a = await open("keys:");
    await a.put("rec", "sealed-with-A");
    const logs: string[] = [];
    const b = await createRedisStore({ url: redis.url, keyMaterial: STATE_KEY_B, prefix: "keys:", timeoutMs: 1000, log: (line) => logs.push(line) });
    expect(await b.get("rec")).toBeUndefined();
    expect(logs.length).toBe(1);
    expect(logs[0]).toContain("sealed under another key");
    await Promise.all([a.close(), b.close()]);
  });

  test("Redis lost while running: served from memory, unhealthy; back: healthy, writes made while away are in Redis, salts are not", async () => {
    const logs: string[] = [];
    const a = await open("lost:", (line) => logs.push(line));
    const observer = await open("lost:");
    try {
      await a.put("seen", "before");
      await a.push("salts", ["x"]);
      await redis.stop();
      expect((await a.get<string>("seen"))?.value).toBe("before");
      expect(a.status().isHealthy).toBe(false);
      expect(a.status().detail).toContain("serving from memory");
      expect(await a.put("away", "written while away")).toBe(1);
      expect(await a.put("seen", "changed while away", { ifVersion: 1 })).toBe(2);
      await a.push("away-salts", ["never written back"]);
      expect(await a.shift("away-salts")).toBe("never written back");
      await a.push("away-salts", ["never written back either"]);
      // The test server keeps nothing on disk: it comes back empty, and a's records are written back.
      await redis.start();
      await waitFor(() => a.status().isHealthy, 5000);
      expect(logs.some((line) => line.includes("lost Redis"))).toBe(true);
      expect(logs.some((line) => line.includes("is back"))).toBe(true);
      expect((await observer.get<string>("away"))?.value).toBe("written while away");
      expect((await observer.get<string>("seen"))?.value).toBe("changed while away");
      expect(await observer.length("away-salts")).toBe(0);
    } finally {
      await Promise.all([a.close(), observer.close()]);
    }
  });

  test("a replica cut off from Redis: its write-back loses to a write another replica made meanwhile", async () => {
    const link = await startTcpRelay(redis.port);
    const a = await createRedisStore({ url: `redis://127.0.0.1:${link.port}`, keyMaterial: STATE_KEY_A, prefix: "cut:", timeoutMs: 500, log: () => {}, retryMs: 100 });
    const b = await open("cut:");
    try {
      expect(await a.put("shared", "v1")).toBe(1);
      expect(await a.put("mine", "m1")).toBe(1);
      link.cut();
      expect((await a.get<string>("shared"))?.value).toBe("v1");
      expect(a.status().isHealthy).toBe(false);
      expect(await a.put("shared", "a while away", { ifVersion: 1 })).toBe(2);
      expect(await a.put("mine", "m2 while away", { ifVersion: 1 })).toBe(2);
      expect(await b.put("shared", "b meanwhile", { ifVersion: 1 })).toBe(2);
      link.restore();
      await waitFor(() => a.status().isHealthy, 5000);
      expect((await b.get<string>("shared"))?.value).toBe("b meanwhile");
      expect((await b.get<string>("mine"))?.value).toBe("m2 while away");
      expect((await a.get<string>("shared"))?.value).toBe("b meanwhile");
    } finally {
      await Promise.all([a.close(), b.close()]);
      link.stop();
    }
  });

  test("start with REDIS_URL at a closed port: exit 1 with one sentence naming REDIS_URL, no password", async () => {
    const port = freePort();
    const child = Bun.spawn([process.execPath, "index.ts"], {
      cwd: import.meta.dir,
      env: { ...process.env, HOST: "127.0.0.1", PORT: String(freePort()), REDIS_URL: `redis://default:closed-port-password@127.0.0.1:${port}`, STATE_KEY: STATE_KEY_A, REDIS_TIMEOUT_MS: "500" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    expect(code).toBe(1);
    expect(err).toContain("REDIS_URL");
    expect(err).toContain(`127.0.0.1:${port}`);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(out + err).not.toContain("closed-port-password");
  });
});

describe("state store: the Responses store", () => {
  /** A response created on one gateway, continued on a second one with its own store object on the same state. */
  async function continuesAcross(openStore: () => Promise<StateStore>) {
    const fake = startFakeCnUpstream();
    const first = startGateway(fake, {}, undefined, await openStore());
    let created: { id: string; output_text: string };
    try {
      created = await first.client.responses.create({ model: "qwen-max", input: "fixture:plain first question" });
    } finally {
      await first.stop();
      await first.app.store.close();
    }
    const second = startGateway(fake, {}, undefined, await openStore());
    try {
      const next = await second.client.responses.create({ model: "qwen-max", previous_response_id: created.id, input: "second question" });
      expect(next.previous_response_id).toBe(created.id);
      expect(lastPrompt(fake)).toContain(`Human: fixture:plain first question\n\nAssistant: ${created.output_text}\n\nHuman: second question`);
      expect((await second.client.responses.retrieve(created.id)).output_text).toBe(created.output_text);
    } finally {
      await second.stop();
      await second.app.store.close();
      await fake.stop();
    }
  }

  test("previous_response_id continues after a restart on the same SQLite file", async () => {
    const dir = tempDir();
    await continuesAcross(async () => createSqliteStore({ path: join(dir, "state.db"), keyMaterial: STATE_KEY_A, log: () => {} }));
    rmSync(dir, { recursive: true, force: true });
  });

  test.skipIf(REDIS_SERVER === null)("previous_response_id continues on a second replica sharing Redis", async () => {
    const redis = await startTestRedis();
    try {
      await continuesAcross(() => createRedisStore({ url: redis.url, keyMaterial: STATE_KEY_A, prefix: "resp:", timeoutMs: 1000, log: () => {} }));
    } finally {
      await redis.stop();
    }
  });

  test("the byte budget evicts the oldest; one entry larger than the budget is not stored and says store: false", async () => {
    const fake = startFakeCnUpstream();
    const gw = startGateway(fake, { RESPONSES_STORE_MAX_BYTES: "6000" });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await gw.client.responses.create({ model: "qwen-max", input: `fixture:plain ${"x".repeat(1200)} ${i}` })).id);
      const kept = await Promise.all(ids.map(async (id) => (await fetch(`${gw.url}/v1/responses/${id}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).status));
      // Each entry is about 2 KB of JSON: the oldest went, the newest stayed.
      expect(kept[0]).toBe(404);
      expect(kept[3]).toBe(200);
      const huge = await gw.client.responses.create({ model: "qwen-max", input: `fixture:plain ${"y".repeat(8000)}` });
      expect((huge as unknown as { store: boolean }).store).toBe(false);
      expect((await apiError(gw.client.responses.retrieve(huge.id))).status).toBe(404);
      expect((await fetch(`${gw.url}/v1/responses/${ids[3]}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).status).toBe(200);
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });
});

describe("state store: operations", () => {
  test("/status names the backend and its health, never the Redis password", async () => {
    const dir = tempDir();
    const path = join(dir, "state.db");
    const fake = startFakeCnUpstream();
    const gw = startGateway(fake, {}, undefined, createSqliteStore({ path, keyMaterial: STATE_KEY_A, log: () => {} }));
    try {
      const status = (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { state: unknown };
      expect(status.state).toEqual({ backend: "sqlite", location: path, healthy: true, detail: null });
    } finally {
      await gw.stop();
      await gw.app.store.close();
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(storeLine({ backend: "redis", location: "rediss://cache.example:6380", isHealthy: false, detail: "Redis at rediss://cache.example:6380 unreachable" })).toBe(
      "qwenplug state: redis at rediss://cache.example:6380 — unhealthy: Redis at rediss://cache.example:6380 unreachable",
    );
  });

  test.skipIf(REDIS_SERVER === null)("/status with Redis: the location has no password; unhealthy while Redis is away", async () => {
    const redis = await startTestRedis();
    const config = loadConfig({ REDIS_URL: `redis://default:status-password-1234@127.0.0.1:${redis.port}`, STATE_KEY: STATE_KEY_A, STATE_PREFIX: "st:" });
    const store = await openStateStore(config, () => {});
    const fake = startFakeCnUpstream();
    const gw = startGateway(fake, {}, undefined, store);
    const state = async () => ((await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { state: { backend: string; location: string; healthy: boolean } }).state;
    try {
      expect(await state()).toMatchObject({ backend: "redis", location: `redis://127.0.0.1:${redis.port}`, healthy: true });
      await redis.stop();
      await store.get("probe");
      const away = await state();
      expect(away.healthy).toBe(false);
      expect(JSON.stringify(away)).not.toContain("status-password-1234");
    } finally {
      await gw.stop();
      await store.close();
      await fake.stop();
      await redis.stop();
    }
  });
});

describe("state store: shared cooldowns and the traffic window", () => {
  const accounts = [
    { upstream: "cn" as const, number: 1 },
    { upstream: "cn" as const, number: 2 },
  ];
  const replicaPool = (store: StateStore, probe: () => Promise<"alive" | "dead"> = async () => "alive") =>
    createPool({ name: "cn", accounts, credentialVar: (n) => `CN_ACCOUNT_${n}_COOKIE`, probe }, { maxInFlight: 4, queueTimeoutMs: 0, reprobeMs: 60_000, store, syncMs: 30 });

  test("an account rested on replica A rests on replica B and after a restart; a logged-out account is not shared", async () => {
    const dir = tempDir();
    const path = join(dir, "state.db");
    const storeA = createSqliteStore({ path, keyMaterial: STATE_KEY_A, log: () => {} });
    const storeB = createSqliteStore({ path, keyMaterial: STATE_KEY_A, log: () => {} });
    const a = replicaPool(storeA, async () => "dead");
    const b = replicaPool(storeB);
    const signal = new Stop();
    const slot = await a.acquire(new Set([2]), signal);
    a.release(slot as NonNullable<typeof slot>, { kind: "failure", failure: { kind: "rate", message: "slow down", retryAfterSec: 120 } }, undefined);
    await waitFor(() => b.snapshot().find((s) => s.number === 1)?.state === "cooling", 3000);
    const rested = b.snapshot().find((s) => s.number === 1);
    expect(rested?.available_in_s).toBeGreaterThan(100);
    expect(rested?.last_error_kind).toBe("rate");
    // B picks account 2, not the one A found rate-limited.
    const picked = await b.acquire(new Set(), signal);
    expect(picked?.account.number).toBe(2);
    b.release(picked as NonNullable<typeof picked>, { kind: "success" }, undefined);
    // Logged out on A (auth, confirmed by the probe): B keeps account 2 in service.
    const two = await a.acquire(new Set([1]), signal);
    a.release(two as NonNullable<typeof two>, { kind: "failure", failure: { kind: "auth", message: "logged out" } }, undefined);
    await waitFor(() => a.snapshot().find((s) => s.number === 2)?.state === "invalid", 3000);
    await storeA.close();
    // A restart: a new pool on the reopened file honours the running cooldown at once.
    const reopened = createSqliteStore({ path, keyMaterial: STATE_KEY_A, log: () => {} });
    const restarted = replicaPool(reopened);
    await waitFor(() => restarted.snapshot().find((s) => s.number === 1)?.state === "cooling", 3000);
    expect(restarted.snapshot().find((s) => s.number === 2)?.state).toBe("healthy");
    expect(b.snapshot().find((s) => s.number === 2)?.state).toBe("healthy");
    await Promise.all([storeB.close(), reopened.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("the traffic window survives a restart on the same state file", async () => {
    const dir = tempDir();
    const path = join(dir, "state.db");
    const fake = startFakeCnUpstream();
    const first = startGateway(fake, {}, undefined, createSqliteStore({ path, keyMaterial: STATE_KEY_A, log: () => {} }));
    const window = async (gw: Gateway) =>
      ((await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as { window: { buckets: Array<{ requests: number }> } }).window.buckets.reduce((sum, b) => sum + b.requests, 0);
    try {
      for (let i = 0; i < 3; i++) await first.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
      expect(await window(first)).toBe(3);
      await first.app.drain(0);
    } finally {
      await first.stop();
      await first.app.store.close();
    }
    const second = startGateway(fake, {}, undefined, createSqliteStore({ path, keyMaterial: STATE_KEY_A, log: () => {} }));
    try {
      let total = 0;
      await waitFor(() => {
        void window(second).then((n) => (total = n), () => {});
        return total === 3;
      }, 3000);
    } finally {
      await second.stop();
      await second.app.store.close();
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ── Operators: admin API, named keys, usage history (issue 24) ─────────────

const ADMIN_KEY = "admin-key-0123456789-SECRET";
const ADDED_TOKEN = "eyJhbGciOiJIUzI1NiJ9.added-SECRET-token.sig9876543210";

describe("operators: the admin API", () => {
  const admin = (gw: Gateway, method: string, path: string, body?: unknown, key: string | null = ADMIN_KEY) =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  const errorOf = async (response: Response) => ((await response.json()) as { error: { message: string; type: string; code: string; param: string | null } }).error;
  type AccountRow = { upstream: string; number: number; source: string; state: string };
  const accountsOf = async (gw: Gateway) => ((await (await admin(gw, "GET", "/admin/accounts")).json()) as { accounts: AccountRow[] }).accounts;

  test("without ADMIN_KEY the admin routes do not exist (404); a missing or wrong admin key is 401, the master key is not an admin key", async () => {
    const off = launchGateway({});
    try {
      const response = await admin(off, "GET", "/admin/accounts");
      expect(response.status).toBe(404);
      expect((await errorOf(response)).message).toContain("ADMIN_KEY");
    } finally {
      await off.stop();
    }
    const gw = launchGateway({ ADMIN_KEY });
    try {
      const missing = await admin(gw, "GET", "/admin/accounts", undefined, null);
      expect(missing.status).toBe(401);
      expect((await errorOf(missing)).code).toBe("missing_admin_key");
      for (const path of ["/admin/accounts", "/admin/keys", "/admin/usage", "/admin/accounts/intl/1"]) {
        const wrong = await admin(gw, path.endsWith("/1") ? "DELETE" : "GET", path, undefined, "wrong-key-0123456789");
        expect(wrong.status).toBe(401);
        expect((await errorOf(wrong)).code).toBe("invalid_admin_key");
      }
      expect((await admin(gw, "GET", "/admin/accounts", undefined, MASTER_KEY)).status).toBe(401);
      const viaHeader = await fetch(`${gw.url}/admin/accounts`, { headers: { "x-admin-key": ADMIN_KEY } });
      expect(viaHeader.status).toBe(200);
      // The admin key is redacted like the master key, and a short one is refused at start.
      expect(gw.app.redact(`k=${ADMIN_KEY}`)).toBe("k=[redacted]");
      expect(() => loadConfig({ ADMIN_KEY: "short" })).toThrow(/ADMIN_KEY must be at least 16/);
    } finally {
      await gw.stop();
    }
  });

  test("POST /admin/accounts: bad input is a 400 naming the field, and nothing is half-added", async () => {
    const fake = startFakeIntlUpstream();
    const gw = launchGateway({ ADMIN_KEY, QWEN_INTL_BASE_URL: fake.url, INTL_ACCOUNT_1_TOKEN: INTL_TOKEN });
    try {
      const cases: Array<[unknown, string | null, RegExp]> = [
        ["[1]", null, /JSON object/],
        [{ refresh_token: "rt-0123456789" }, "upstream", /upstream must be/],
        [{ upstream: "moon" }, "upstream", /upstream must be/],
        [{ upstream: "intl", sauce: "x" }, "sauce", /sauce is not a field of intl accounts/],
        [{ upstream: "intl", token: 5 }, "token", /token must be a string/],
        [{ upstream: "intl", email: "a@example.com" }, "email", /email is set but password is not/],
        [{ upstream: "intl", cookie: "a=b" }, "cookie", /cookie is set but no credential is/],
        [{ upstream: "intl" }, "refresh_token", /needs refresh_token, token, or email and password/],
        [{ upstream: "intl", token: ADDED_TOKEN, headers: "{not json" }, "headers", /headers must be a JSON object/],
        [{ upstream: "intl", token: ADDED_TOKEN, proxy: "socks5://127.0.0.1:1" }, "proxy", /proxy must be an http/],
        [{ upstream: "intl", token: "" }, "token", /token is set but empty/],
        [{ upstream: "cn", xsrf_token: "x" }, "xsrf_token", /xsrf_token is set but cookie is not/],
        [{ upstream: "cn", cookie: COOKIE_2, scenes: "nope" }, "scenes", /scenes is not JSON/],
        [{ upstream: "cn", token: "x" }, "token", /token is not a field of cn accounts/],
      ];
      for (const [body, param, message] of cases) {
        const response = await admin(gw, "POST", "/admin/accounts", body);
        expect(response.status).toBe(400);
        const error = await errorOf(response);
        expect(error.type).toBe("invalid_request_error");
        expect(error.param).toBe(param);
        expect(error.message).toMatch(message);
        expect(error.message).not.toContain("INTL_ACCOUNT_");
      }
      expect((await accountsOf(gw)).map((a) => `${a.upstream}#${a.number}:${a.source}`)).toEqual(["intl#1:environment"]);
      expect(await gw.app.store.get("operators:accounts")).toBeUndefined();
      expect(fake.calls.filter((c) => c.path === "/api/v1/auths/")).toHaveLength(0);
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });

  test("an added account is probed, answered 201 with its number and the probe, serves requests, and its secrets are redacted; environment accounts are read-only", async () => {
    const fake = startFakeIntlUpstream({ validateToken: (token) => token !== "eyJ.dead-SECRET-token.0123456789" });
    const gw = launchGateway({ ADMIN_KEY, QWEN_INTL_BASE_URL: fake.url, INTL_ACCOUNT_1_TOKEN: INTL_TOKEN });
    try {
      const added = await admin(gw, "POST", "/admin/accounts", { upstream: "intl", token: ADDED_TOKEN, headers: { "bx-ua": "ua-0123456789" } });
      expect(added.status).toBe(201);
      expect(await added.json()).toEqual({ upstream: "intl", number: 2, probe: "alive" });
      expect(fake.calls.some((c) => c.path === "/api/v1/auths/" && (c.headers.cookie ?? c.headers.authorization ?? "").includes(ADDED_TOKEN))).toBe(true);
      const dead = await admin(gw, "POST", "/admin/accounts", { upstream: "intl", token: "eyJ.dead-SECRET-token.0123456789" });
      expect(dead.status).toBe(201);
      expect(await dead.json()).toEqual({ upstream: "intl", number: 3, probe: "dead" });
      const rows = await accountsOf(gw);
      expect(rows.map((a) => `${a.upstream}#${a.number}:${a.source}:${a.state}`)).toEqual(["intl#1:environment:healthy", "intl#2:admin:healthy", "intl#3:admin:invalid"]);
      expect(JSON.stringify(rows)).not.toContain("SECRET");
      // Round the accounts: the least recently used serves next, so two requests reach both healthy accounts.
      const from = fake.calls.length;
      for (let i = 0; i < 2; i++) await gw.client.chat.completions.create({ model: "qwen3-max", messages: [{ role: "user", content: "hi" }] });
      const tokensUsed = completionCalls(fake, from).map((c) => ((c.headers.cookie ?? "").includes(ADDED_TOKEN) ? "added" : "env"));
      expect(tokensUsed.sort()).toEqual(["added", "env"]);
      expect(gw.app.redact(`t=${ADDED_TOKEN}`)).toBe("t=[redacted]");
      // Sealed in the store: the SQLite/Redis backends seal every value; here the record is there for a restart.
      const stored = (await gw.app.store.get<Array<{ number: number }>>("operators:accounts"))?.value ?? [];
      expect(stored.map((a) => a.number)).toEqual([2, 3]);

      const envDelete = await admin(gw, "DELETE", "/admin/accounts/intl/1");
      expect(envDelete.status).toBe(409);
      expect((await errorOf(envDelete)).message).toContain("read-only");
      expect((await admin(gw, "DELETE", "/admin/accounts/intl/9")).status).toBe(404);
      expect((await admin(gw, "DELETE", "/admin/accounts/moon/1")).status).toBe(404);
      const removed = await admin(gw, "DELETE", "/admin/accounts/intl/3");
      expect(removed.status).toBe(200);
      await waitFor(() => gw.app.accounts.intl.get(3) === undefined);
      expect((await accountsOf(gw)).map((a) => a.number)).toEqual([1, 2]);
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });

  test("DELETE drains: a stream in flight on the account finishes, nothing new starts on it, and a number used again starts afresh", async () => {
    const fake = startFakeIntlUpstream();
    const gw = launchGateway({ ADMIN_KEY, QWEN_INTL_BASE_URL: fake.url });
    const events = readFileSync(join(import.meta.dir, "fixtures/intl/plain.sse"), "utf8").split("\n\n").filter((e) => e.trim() !== "").map((e) => `${e}\n\n`);
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    fake.respond = () =>
      new Response(
        new ReadableStream({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode(events.slice(0, 2).join("")));
            await released;
            controller.enqueue(new TextEncoder().encode(events.slice(2).join("")));
            controller.close();
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    try {
      expect(await (await admin(gw, "POST", "/admin/accounts", { upstream: "intl", token: ADDED_TOKEN })).json()).toEqual({ upstream: "intl", number: 1, probe: "alive" });
      const stream = await gw.client.chat.completions.create({ model: "qwen3-max", messages: [{ role: "user", content: "hi" }], stream: true });
      const reading = (async () => {
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
        return text;
      })();
      await waitFor(() => gw.app.pools.intl.snapshot().some((a) => a.in_flight === 1));
      const removed = await admin(gw, "DELETE", "/admin/accounts/intl/1");
      expect(await removed.json()).toEqual({ upstream: "intl", number: 1, removed: true, draining: 1 });
      // Nothing new goes to it: with no other account, a new request has none.
      const refused = await gw.client.chat.completions.create({ model: "qwen3-max", messages: [{ role: "user", content: "hi" }] }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(OpenAI.APIError);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect(gw.app.accounts.intl.get(1)).toBeDefined(); // still draining
      release();
      expect(await reading).toBe("Hi!");
      await waitFor(() => gw.app.accounts.intl.get(1) === undefined);
      // Number 1 again, another token: its credentials are made afresh, not the removed account's.
      fake.respond = undefined;
      const again = await admin(gw, "POST", "/admin/accounts", { upstream: "intl", token: INTL_TOKEN });
      expect(((await again.json()) as { number: number }).number).toBe(1);
      const from = fake.calls.length;
      await gw.client.chat.completions.create({ model: "qwen3-max", messages: [{ role: "user", content: "hi" }] });
      const cookie = completionCalls(fake, from)[0]?.headers.cookie ?? "";
      expect(cookie).toContain(INTL_TOKEN);
      expect(cookie).not.toContain(ADDED_TOKEN);
    } finally {
      release();
      await gw.stop();
      await fake.stop();
    }
  });

  test("added accounts and named keys survive a restart on a shared SQLite store; environment keys and accounts stay read-only", async () => {
    const fake = startFakeIntlUpstream();
    const dir = mkdtempSync(join(tmpdir(), "qwenplug-operators-"));
    const env = { ADMIN_KEY, QWEN_INTL_BASE_URL: fake.url, STATE_PATH: join(dir, "state.db"), API_KEYS: "ci:ci-key-0123456789" };
    const open = async () => openStateStore(loadConfig({ ...env, API_MASTER_KEY: MASTER_KEY }), () => {});
    try {
      const store1 = await open();
      const gw1 = launchGateway(env, undefined, { store: store1 });
      let key = "";
      try {
        expect((await admin(gw1, "POST", "/admin/accounts", { upstream: "intl", token: ADDED_TOKEN })).status).toBe(201);
        const made = await admin(gw1, "POST", "/admin/keys", { name: "alice" });
        expect(made.status).toBe(201);
        key = ((await made.json()) as { key: string }).key;
        expect(key).toStartWith("sk-qp-");
        expect((await admin(gw1, "POST", "/admin/keys", { name: "alice" })).status).toBe(409);
        expect((await admin(gw1, "POST", "/admin/keys", { name: "ci" })).status).toBe(409);
        const badName = await admin(gw1, "POST", "/admin/keys", { name: "no spaces" });
        expect(badName.status).toBe(400);
        expect((await errorOf(badName)).param).toBe("name");
        expect((await admin(gw1, "DELETE", "/admin/keys/ci")).status).toBe(409);
        expect((await admin(gw1, "DELETE", "/admin/keys/nobody")).status).toBe(404);
      } finally {
        await gw1.stop();
        await store1.close();
      }
      // Nothing readable at rest: the file holds neither the account's token nor the key.
      const raw = readFileSync(join(dir, "state.db")).toString("latin1");
      expect(raw).not.toContain(ADDED_TOKEN);
      expect(raw).not.toContain(key);

      const store2 = await open();
      const gw2 = launchGateway(env, undefined, { store: store2 });
      try {
        await gw2.app.ready();
        expect((await accountsOf(gw2)).map((a) => `${a.upstream}#${a.number}:${a.source}`)).toEqual(["intl#1:admin"]);
        const keys = ((await (await admin(gw2, "GET", "/admin/keys")).json()) as { keys: Array<{ name: string; source: string }> }).keys;
        expect(keys).toEqual([{ name: "master", source: "environment" }, { name: "ci", source: "environment" }, { name: "alice", source: "admin" }]);
        const viaKey = new OpenAI({ apiKey: key, baseURL: `${gw2.url}/v1`, maxRetries: 0 });
        expect((await viaKey.chat.completions.create({ model: "qwen3-max", messages: [{ role: "user", content: "hi" }] })).choices[0]?.message.content).toBe("Hi!");
        expect(completionCalls(fake).at(-1)?.headers.cookie ?? "").toContain(ADDED_TOKEN);
        expect((await admin(gw2, "DELETE", "/admin/keys/alice")).status).toBe(200);
        expect((await viaKey.models.list().catch((err: unknown) => err)) as { status?: number }).toMatchObject({ status: 401 });
        expect((await admin(gw2, "DELETE", "/admin/accounts/intl/1")).status).toBe(200);
        await waitFor(() => gw2.app.accounts.intl.list.length === 0);
      } finally {
        await gw2.stop();
        await store2.close();
      }
      const store3 = await open();
      const gw3 = launchGateway(env, undefined, { store: store3 });
      try {
        await gw3.app.ready();
        expect(await accountsOf(gw3)).toEqual([]);
      } finally {
        await gw3.stop();
        await store3.close();
      }
    } finally {
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("usage is counted per key and per account per day, with reported and estimated tokens apart", async () => {
    const intl = startFakeIntlUpstream();
    const cn = startFakeCnUpstream();
    const gw = launchGateway({ ADMIN_KEY, API_KEYS: "ci:ci-key-0123456789,bob:bob-key-0123456789", QWEN_INTL_BASE_URL: intl.url, INTL_ACCOUNT_1_TOKEN: INTL_TOKEN, QWEN_CN_BASE_URL: cn.url, CN_ACCOUNT_1_COOKIE: COOKIE_1 });
    try {
      const as = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      await as("ci-key-0123456789").chat.completions.create({ model: "qwen3-max", messages: [{ role: "user", content: "hi" }] });
      await as("ci-key-0123456789").chat.completions.create({ model: "intl/qwen3-max", messages: [{ role: "user", content: "hi" }], stream: true }).then(async (s) => {
        for await (const _ of s);
      });
      const cnReply = await as("bob-key-0123456789").chat.completions.create({ model: "cn/qwen-max", messages: [{ role: "user", content: "fixture:plain" }] });
      await gw.client.chat.completions.create({ model: "cn/qwen-max", messages: [{ role: "user", content: "fixture:not-login" }] }).catch(() => {});
      expect((await as("wrong-key-0123456789").models.list().catch((err: unknown) => err)) as { status?: number }).toMatchObject({ status: 401 });

      const response = await admin(gw, "GET", "/admin/usage?days=2");
      expect(response.status).toBe(200);
      const { days } = (await response.json()) as { days: Array<{ date: string; accounts: Record<string, unknown>; keys: Record<string, unknown> }> };
      expect(days.map((d) => d.date)).toEqual([new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), new Date().toISOString().slice(0, 10)]);
      const today = days[1] as { accounts: Record<string, { requests: number; failures: Record<string, number>; tokens: { prompt: number; completion: number }; estimated_tokens: { prompt: number; completion: number } }>; keys: Record<string, { requests: number; failures: Record<string, number>; tokens: { prompt: number; completion: number }; estimated_tokens: { prompt: number; completion: number } }> };
      expect(today.keys.ci).toEqual({ requests: 2, failures: {}, tokens: { prompt: 2098, completion: 4 }, estimated_tokens: { prompt: 0, completion: 0 } });
      expect(today.keys.bob).toEqual({ requests: 1, failures: {}, tokens: { prompt: 0, completion: 0 }, estimated_tokens: { prompt: cnReply.usage?.prompt_tokens ?? -1, completion: cnReply.usage?.completion_tokens ?? -1 } });
      expect(today.keys.master?.requests).toBe(1);
      expect(Object.keys(today.keys.master?.failures ?? {})).toHaveLength(1);
      expect(today.accounts["intl#1"]?.requests).toBe(2);
      expect(today.accounts["cn#1"]?.requests).toBe(2);
      expect(Object.keys(today.keys).sort()).toEqual(["bob", "ci", "master"]);
      expect((await admin(gw, "GET", "/admin/usage?days=91")).status).toBe(400);
      expect((await errorOf(await admin(gw, "GET", "/admin/usage?days=x"))).param).toBe("days");
    } finally {
      await gw.stop();
      await intl.stop();
      await cn.stop();
    }
  });
});

describe("operators: the status page with the admin key (issue 24)", () => {
  test.skipIf(BROWSER_PATH === undefined)(
    "the admin key entered in the page adds and removes an account and shows the usage chart; without it the page stays read-only",
    async () => {
      const { chromium } = await import("playwright-core");
      const intl = startFakeIntlUpstream();
      const gw = launchGateway({ ADMIN_KEY, QWEN_INTL_BASE_URL: intl.url, INTL_ACCOUNT_1_TOKEN: INTL_TOKEN });
      const profile = mkdtempSync(join(tmpdir(), "qwenplug-browser-"));
      const context = await chromium.launchPersistentContext(profile, { executablePath: BROWSER_PATH, headless: true, args: BROWSER_ARGS, viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1 });
      try {
        await gw.client.chat.completions.create({ model: "qwen3-max", messages: [{ role: "user", content: "hi" }] });
        const page = context.pages()[0] ?? (await context.newPage());
        const problems: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error" && !message.text().includes("status of 401")) problems.push(message.text());
        });
        page.on("pageerror", (err) => problems.push(err.message));
        // Polled from here: the page's CSP allows no string evaluation inside it.
        const waitText = async (selector: string, check: (text: string) => boolean) => {
          const deadline = Date.now() + 10_000;
          while (!check((await page.textContent(selector)) ?? "")) {
            if (Date.now() > deadline) throw new Error(`${selector} never matched; it says: ${await page.textContent(selector)}`);
            await Bun.sleep(20);
          }
        };
        await page.goto(`${gw.url}/`);
        await waitText("#health", (t) => t === "ok");
        // Read-only without the admin key: no form to add or remove.
        expect(await page.isVisible("#admin")).toBe(false);
        expect(await page.isVisible("#addform")).toBe(false);

        await page.fill("#admin-key", "wrong-admin-key-0123456789");
        await page.click("#adminform button[type=submit]");
        await waitText("#adminmsg", (t) => t.includes("refused"));
        expect(await page.isVisible("#admin")).toBe(false);

        await page.fill("#admin-key", ADMIN_KEY);
        await page.click("#adminform button[type=submit]");
        await page.waitForSelector("#admin:not([hidden]) #admin-accounts tr:nth-child(2)");
        expect(await page.$$eval("#admin-accounts button", (buttons) => buttons.length)).toBe(0); // the environment's account is read-only
        expect(await page.$$eval("#usage-chart rect", (rects) => rects.length)).toBe(1);
        expect(await page.textContent("#usage-keys")).toContain("master");

        await page.selectOption("#add-upstream", "intl");
        await page.selectOption("#add-field", "token");
        await page.fill("#add-value", ADDED_TOKEN);
        await page.click("#addform button[type=submit]");
        await waitText("#adminmsg", (t) => t === "Added intl account 2; liveness check: alive.");
        await page.waitForSelector('#admin-accounts button[data-account="intl/2"]');
        expect(gw.app.accounts.intl.get(2)).toBeDefined();
        expect(await page.inputValue("#add-value")).toBe("");

        const shot = Bun.env.UPDATE_SCREENSHOT === "1" ? join(import.meta.dir, "docs", "status-page-operator.png") : join(profile, "status-page-operator.png");
        await page.screenshot({ path: shot, fullPage: true });
        if (Bun.env.OPERATOR_SHOT !== undefined) await page.screenshot({ path: Bun.env.OPERATOR_SHOT, fullPage: true });

        await page.click('#admin-accounts button[data-account="intl/2"]');
        await waitText("#adminmsg", (t) => t.startsWith("intl account 2 removed"));
        await waitFor(() => gw.app.accounts.intl.get(2) === undefined);
        const content = await page.content();
        expectNoSecret(content);
        expect(content).not.toContain(ADDED_TOKEN);
        expect(content).not.toContain(ADMIN_KEY);
        // The admin key lives for this tab only: a reload keeps it, and "Forget" drops it.
        await page.reload();
        await page.waitForSelector("#admin:not([hidden])");
        await page.click("#admin-forget");
        await page.waitForSelector("#admin[hidden]", { state: "attached" });
        expect(await page.isVisible("#admin")).toBe(false);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
        await gw.stop();
        await intl.stop();
      }
    },
    60_000,
  );
});

// ── Issue 20: chat.qwen.ai as of autumn 2026 (UPSTREAMS-2026-12 I2–I8) ───────

type RouteSnapshot = { route: string; accounts: number[]; resting_s: number; punish_url: string | null };
type StatusWithRoutes = { upstreams: Record<"cn" | "intl", { accounts: Array<{ number: number; state: string; route: string; route_resting_s: number; available_in_s: number }>; routes: RouteSnapshot[]; drift: Array<{ kind: string; count: number }> }> };
const statusWithRoutes = async (gw: Gateway) => (await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as StatusWithRoutes;
const SECOND_INTL_TOKEN = "second-intl-token-0123456789";
const THIRD_INTL_TOKEN = "third-intl-token-0123456789";
/** Which INTL account made a call, by the token it carried. */
const intlCaller = (call: { headers: Record<string, string> }) => {
  const carried = `${call.headers.cookie ?? ""} ${call.headers.authorization ?? ""}`;
  return carried.includes(THIRD_INTL_TOKEN) ? 3 : carried.includes(SECOND_INTL_TOKEN) ? 2 : carried.includes(INTL_TOKEN) ? 1 : 0;
};

describe("I2: bx-v 2.5.37, and no advice to replay a stored bx-ua", () => {
  test("hints and the README never suggest pasting a bx-ua; the HEADERS example names bx-umidtoken", () => {
    expect(() => loadConfig({ INTL_ACCOUNT_1_TOKEN: "t-0123456789", INTL_ACCOUNT_1_HEADERS: "not json" })).toThrow(/\{"bx-umidtoken":"…"\}/);
    // The README and the docs it links to.
    const docs = join(import.meta.dir, "docs");
    const readme = [join(import.meta.dir, "README.md"), ...readdirSync(docs).filter((name) => name.endsWith(".md")).map((name) => join(docs, name))].map((path) => readFileSync(path, "utf8")).join("\n");
    expect(readme).not.toContain('{"bx-ua":');
    expect(readme).toContain("2.5.37");
  });

  test("a WAF answer's message names the route and no bx-* header", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (_fake, gw) => {
      const err = await requestError(gw, "fixture:waf", false);
      expect(err.status).toBe(503);
      expect(err.message).toContain("network route (direct)");
      expect(err.message).not.toMatch(/bx-/);
    });
  });
});

describe("I5: chats/new headers", () => {
  const newChatHeaders = (fake: FakeIntlUpstream, from: number) => fake.calls.slice(from).find((c) => c.path === "/api/v2/chats/new")?.headers ?? {};

  test("always version, x-request-id and timezone; no Authorization by default (the token goes as the cookie), the completion keeps it", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const before = fake.calls.length;
      expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
      const headers = newChatHeaders(fake, before);
      expect(headers.version).toBe("0.2.91");
      expect(headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(headers.timezone).toMatch(/^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}$/);
      expect(headers.authorization).toBeUndefined();
      expect(headers.cookie).toContain(`token=${INTL_TOKEN}`);
      expect(completionCalls(fake, before)[0]?.headers.authorization).toBe(`Bearer ${INTL_TOKEN}`);
    });
  });

  test("INTL_NEW_CHAT_AUTH=on sends it; INTL_AUTH_STYLE=bearer keeps it (the only credential); off with bearer is refused at start", async () => {
    for (const [env, expected] of [
      [{ INTL_NEW_CHAT_AUTH: "on" }, `Bearer ${INTL_TOKEN}`],
      [{ INTL_AUTH_STYLE: "bearer" }, `Bearer ${INTL_TOKEN}`],
      [{ INTL_NEW_CHAT_AUTH: "off", INTL_AUTH_STYLE: "cookie" }, undefined],
    ] as const) {
      await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake, env), async (fake, gw) => {
        const before = fake.calls.length;
        await ask(gw);
        const headers = newChatHeaders(fake, before);
        expect({ env, authorization: headers.authorization, version: headers.version, timezone: typeof headers.timezone }).toEqual({ env, authorization: expected, version: "0.2.91", timezone: "string" });
      });
    }
    expect(() => loadConfig({ INTL_NEW_CHAT_AUTH: "off", INTL_AUTH_STYLE: "bearer" })).toThrow(/INTL_NEW_CHAT_AUTH=off with INTL_AUTH_STYLE=bearer/);
    expect(() => loadConfig({ INTL_NEW_CHAT_AUTH: "sometimes" })).toThrow(/INTL_NEW_CHAT_AUTH must be one of on, off/);
  });
});

describe("I3: anti-bot challenges rest the route, not the account", () => {
  test("chat.qwen.ai: a challenge on account 1 skips account 2 (same direct route) and is served by account 3 (its own proxy); the route, not the account, rests", async () => {
    const proxy = startRelayProxy();
    try {
      await withGateway(
        startFakeIntlUpstream,
        (fake) => startIntlGateway(fake, { INTL_ACCOUNT_1_COOKIE: "a=1; fixture:waf", INTL_ACCOUNT_2_TOKEN: SECOND_INTL_TOKEN, INTL_ACCOUNT_3_TOKEN: THIRD_INTL_TOKEN, INTL_ACCOUNT_3_PROXY: proxy.url, LOG_LEVEL: "debug" }),
        async (fake, gw) => {
          for (const stream of [false, true]) {
            const before = fake.calls.length;
            expect(await replyOrError(gw.client, "qwen-max", "fixture:plain", stream)).toEqual({ content: "Hi!" });
            const callers = completionCalls(fake, before).map(intlCaller);
            // The first request meets the wall on account 1 and goes to account 3; the second goes to account 3 at once.
            expect(callers).toEqual(stream ? [3] : [1, 3]);
          }
          expect(fake.calls.filter((c) => c.path === "/api/v2/chats/new").map(intlCaller)).not.toContain(2);
          expect(proxy.relayed).toContain("/api/v2/chat/completions");
          const text = await (await fetch(`${gw.url}/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).text();
          expect(text).not.toContain("relay-SECRET-pass");
          expect(text).not.toContain("relayuser");
          const status = JSON.parse(text) as StatusWithRoutes;
          const accounts = status.upstreams.intl.accounts;
          // The account itself is not rested for it: healthy, but waiting for its route.
          expect(accounts.map((a) => [a.number, a.state, a.route])).toEqual([
            [1, "healthy", "direct"],
            [2, "healthy", "direct"],
            [3, "healthy", `proxy ${proxy.host}`],
          ]);
          expect(accounts[0]?.route_resting_s).toBeGreaterThan(250);
          expect(accounts[1]?.available_in_s).toBeGreaterThan(250);
          expect(accounts[2]?.route_resting_s).toBe(0);
          expect(status.upstreams.intl.routes.map((r) => [r.route, r.accounts, r.resting_s > 250])).toEqual([
            ["direct", [1, 2], true],
            [`proxy ${proxy.host}`, [3], false],
          ]);
          expect(gw.logs.join("\n")).toMatch(/INTL account 1 met an anti-bot challenge: route direct rests for \d+ s \(its accounts: 1, 2\)/);
          expect(gw.logs.join("\n")).not.toContain("relay-SECRET-pass");
        },
      );
    } finally {
      await proxy.stop();
    }
  });

  test("every account on one route: one 503 with Retry-After, no second account thrown at the wall; later requests wait without calling Qwen", async () => {
    await withGateway(
      startFakeIntlUpstream,
      (fake) => startIntlGateway(fake, { INTL_ACCOUNT_1_COOKIE: "a=1; fixture:waf", INTL_ACCOUNT_2_TOKEN: SECOND_INTL_TOKEN }),
      async (fake, gw) => {
        const before = fake.calls.length;
        const first = await requestError(gw, "fixture:plain", false);
        expect(first.status).toBe(503);
        expect(first.code).toBe("upstream_waf_blocked");
        expect(Number(first.headers?.get("retry-after"))).toBeGreaterThanOrEqual(250);
        expect(first.message).toContain("INTL account 2 waits for its route (direct)");
        expect(completionCalls(fake, before).map(intlCaller)).toEqual([1]);
        for (const stream of [false, true]) {
          const from = fake.calls.length;
          const later = await requestError(gw, "fixture:plain", stream);
          expect({ stream, status: later.status, code: later.code, shouldRetry: later.headers?.get("x-should-retry") }).toEqual({ stream, status: 503, code: "upstream_waf_blocked", shouldRetry: null });
          expect(Number(later.headers?.get("retry-after"))).toBeGreaterThanOrEqual(250);
          expect(later.message).toContain("judges the network route, not the account");
          // (The first request's chat is still being deleted in the background: only new chats and completions count.)
          expect(fake.calls.slice(from).filter((c) => c.path === "/api/v2/chats/new" || c.path === "/api/v2/chat/completions")).toEqual([]);
        }
      },
    );
  });

  test("mainland /dialog: the same rule; account 2 on the direct route is skipped, account 3 behind its proxy answers", async () => {
    const proxy = startRelayProxy();
    try {
      await withGateway(
        startFakeCnUpstream,
        (fake) => startGateway(fake, { CN_ACCOUNT_1_COOKIE: `${COOKIE_1}; fixture:waf`, CN_ACCOUNT_2_COOKIE: COOKIE_2, CN_ACCOUNT_3_COOKIE: COOKIE_3, CN_ACCOUNT_3_PROXY: proxy.url }),
        async (fake, gw) => {
          expect((await replyOrError(gw.client, "qwen-max", "fixture:plain", false)).content).toBe("你好！我是通义千问，有什么可以帮你？");
          const callers = fake.calls.filter((c) => c.path === "/dialog/conversation").map((c) => (c.headers.cookie?.includes("ticket-three") ? 3 : c.headers.cookie?.includes("ticket-two") ? 2 : 1));
          expect(callers).toEqual([1, 3]);
          expect((await statusWithRoutes(gw)).upstreams.cn.routes.find((r) => r.route === "direct")?.resting_s).toBeGreaterThan(250);
        },
      );
    } finally {
      await proxy.stop();
    }
  });

  test("mainland chat2: a challenge (FAIL_SYS_USER_VALIDATE in a 200) rests the route the same way", async () => {
    const proxy = startRelayProxy();
    try {
      await withGateway(
        startFakeChat2Upstream,
        (fake) => startChat2Gateway(fake, { CN_ACCOUNT_1_COOKIE: `${CHAT2_COOKIE_1}; fixture:waf-json`, CN_ACCOUNT_2_COOKIE: COOKIE_2, CN_ACCOUNT_3_COOKIE: COOKIE_3, CN_ACCOUNT_3_PROXY: proxy.url }),
        async (fake, gw) => {
          expect((await replyOrError(gw.client, "qwen", "hi", false)).content).toBe("你好！我是千问，很高兴见到你。");
          const callers = chat2Calls(fake).map((c) => (c.headers.cookie?.includes("ticket-three") ? 3 : c.headers.cookie?.includes("ticket-two") ? 2 : 1));
          expect(callers).toEqual([1, 3]);
          expect(proxy.relayed).toContain("/api/v2/chat");
        },
      );
    } finally {
      await proxy.stop();
    }
  });

  const poolAccounts = [
    { upstream: "intl" as const, number: 1 },
    { upstream: "intl" as const, number: 2 },
    { upstream: "intl" as const, number: 3, proxy: "http://user:route-SECRET@127.0.0.1:3128" },
  ];
  const poolOf = (options: Partial<Parameters<typeof createPool>[1]> = {}) =>
    createPool({ name: "intl", accounts: poolAccounts, credentialVar: (n) => `INTL_ACCOUNT_${n}_TOKEN`, probe: async () => "alive" }, { maxInFlight: 4, queueTimeoutMs: 0, reprobeMs: 60_000, ...options });
  const challenge = { kind: "waf" as const, message: "challenged", retryAfterSec: 300 };
  const never = new Stop();

  test("routes: the direct one, or a proxy by a hash of its URL, shown by host only", () => {
    expect(routeOf({})).toEqual({ key: "direct", label: "direct" });
    const route = routeOf({ proxy: "http://user:route-SECRET@proxy.example:8080" });
    expect(route.label).toBe("proxy proxy.example:8080");
    expect(route.key).toMatch(/^proxy-[0-9a-f]{16}$/);
    expect(JSON.stringify(route)).not.toContain("route-SECRET");
    expect(routeOf({ proxy: "http://other:pw@proxy.example:8080" }).key).not.toBe(route.key);
  });

  test("the rest backs off: 300 s, then 600 s for the next challenge in a row; challenges during a rest add no strike; a success clears it", async () => {
    let t = 1_000_000;
    const pool = poolOf({ now: () => t });
    const take = async (exclude: number[] = []) => (await pool.acquire(new Set(exclude), never)) as NonNullable<Awaited<ReturnType<typeof pool.acquire>>>;
    const direct = () => pool.routes().find((r) => r.route === "direct") as RouteSnapshot;
    const one = await take();
    const two = await take([1]);
    pool.release(one, { kind: "failure", failure: challenge }, undefined);
    expect(direct().resting_s).toBe(300);
    // Account 2's request was in flight on the same route: its challenge is the same incident.
    pool.release(two, { kind: "failure", failure: challenge }, undefined);
    expect(direct().resting_s).toBe(300);
    // Meanwhile only account 3 (its own proxy) is picked.
    const three = await take();
    expect(three.account.number).toBe(3);
    pool.release(three, { kind: "success" }, undefined);
    t += 301_000;
    const again = await take([3]);
    expect(again.account.number).toBe(1);
    pool.release(again, { kind: "failure", failure: challenge }, undefined);
    expect(direct().resting_s).toBe(600);
    t += 601_000;
    const passes = await take([3]);
    pool.release(passes, { kind: "success" }, undefined);
    const next = await take([3]);
    pool.release(next, { kind: "failure", failure: challenge }, undefined);
    expect(direct().resting_s).toBe(300);
    // Accounts are never rested for it.
    expect(pool.snapshot().map((a) => a.state)).toEqual(["healthy", "healthy", "healthy"]);
  });

  test("a refused request signature (chat2 EX015) rests the account, not its route", async () => {
    const pool = poolOf();
    const slot = (await pool.acquire(new Set(), never)) as NonNullable<Awaited<ReturnType<typeof pool.acquire>>>;
    pool.release(slot, { kind: "failure", failure: { kind: "waf", message: "EX015", retryAfterSec: 300, tag: "signature_refused" } }, undefined);
    expect(pool.snapshot()[0]?.state).toBe("cooling");
    expect(pool.routes().every((r) => r.resting_s === 0)).toBe(true);
    expect((await pool.acquire(new Set(), never))?.account.number).toBe(2);
  });

  test("shared through the state store: a route rested on replica A rests on replica B (route:<upstream>:<key> with a TTL)", async () => {
    const store = createMemoryStore();
    const a = poolOf({ store, syncMs: 20 });
    const b = poolOf({ store, syncMs: 20 });
    const slot = (await a.acquire(new Set(), never)) as NonNullable<Awaited<ReturnType<typeof a.acquire>>>;
    a.release(slot, { kind: "failure", failure: { ...challenge, punishUrl: "https://chat.qwen.ai/x/punish?action=captchaconnect" } }, undefined);
    const record = await store.get<{ until: number; punishUrl?: string }>("route:intl:direct");
    expect(record?.value.until).toBeGreaterThan(Date.now() + 250_000);
    expect(record?.value.punishUrl).toBe("https://chat.qwen.ai/x/punish?action=captchaconnect");
    await waitFor(() => b.routes().find((r) => r.route === "direct")?.resting_s !== 0, 3000);
    expect((await b.acquire(new Set(), never))?.account.number).toBe(3);
    expect(b.routes().find((r) => r.route === "direct")?.punish_url).toBe("https://chat.qwen.ai/x/punish?action=captchaconnect");
  });

  test("--check says per account whether its route rests (from the state store), one line per resting route, no proxy credential", async () => {
    const fake = startFakeIntlUpstream();
    const proxy = startRelayProxy();
    try {
      const store = createMemoryStore();
      await store.put("route:intl:direct", { until: Date.now() + 120_000, strikes: 1, punishUrl: "https://chat.qwen.ai/p/punish?action=captchaconnect" }, { ttlMs: 120_000 });
      const config = checkConfig({ QWEN_INTL_BASE_URL: fake.url, INTL_ACCOUNT_1_TOKEN: INTL_TOKEN, INTL_ACCOUNT_2_TOKEN: SECOND_INTL_TOKEN, INTL_ACCOUNT_2_PROXY: proxy.url, INTL_ACCOUNT_3_TOKEN: THIRD_INTL_TOKEN });
      const checks = await checkAccounts(config, { withChat: false, store });
      expect(checks.map((c) => [c.number, c.state, c.route?.label, (c.route?.restingSec ?? 0) > 100])).toEqual([
        [1, "ok", "direct", true],
        [2, "ok", `proxy ${proxy.host}`, false],
        [3, "ok", "direct", true],
      ]);
      const { lines, isAllUsable } = formatCheck(checks);
      expect(isAllUsable).toBe(true);
      expect(lines[0]).toMatch(/^INTL +account 1 +ok +\d+ ms +route direct resting \d+ s$/);
      expect(lines[1]).toMatch(/^INTL +account 2 +ok +\d+ ms$/);
      expect(lines.at(-1)).toMatch(/^qwenplug route: INTL direct rests for \d+ s after an anti-bot challenge; accounts 1, 3 wait for it; puzzle page: https:\/\/chat\.qwen\.ai\/p\/punish\?action=captchaconnect$/);
      expect(lines.join("\n")).not.toContain("relay-SECRET-pass");
    } finally {
      await proxy.stop();
      await fake.stop();
    }
  });
});

describe("I4: the connect-the-dots punish page is reported with its URL", () => {
  const CONNECT_URL = "https://chat.qwen.ai:443//api/v2/chat/completions/_____tmd_____/punish?x5secdata=xg0fake0connect0puzzle0data__bx__chat.qwen.ai:443/api/v2/chat/completions&x5step=2&action=captchaconnect&pureCaptcha=";

  test("in a JSON answer (data.url), in an event stream, in a web page and behind a redirect: 503 naming the URL, with Retry-After", async () => {
    const fake = startFakeIntlUpstream();
    try {
      const cases: Array<[string, Record<string, string>, string]> = [
        ["fixture:waf-connect", {}, CONNECT_URL],
        ["fixture:waf-connect-page", {}, "https://chat.qwen.ai/api/v2/chat/completions/_____tmd_____/punish?x5secdata=xg0fake0html0page&x5step=2&action=captchaconnect&pureCaptcha="],
        ["fixture:plain", { INTL_ACCOUNT_1_COOKIE: "a=1; newchat:punish" }, `${fake.url}${FAKE_PUNISH_PATH}`],
        ["stream-frame", {}, CONNECT_URL],
      ];
      fake.respond = (body) => {
        const content = String(((body.messages as Array<{ content: string }>)[0] as { content: string }).content);
        return content === "stream-frame" ? new Response(`data: ${readFileSync(join(import.meta.dir, "fixtures/intl/waf-connect.json"), "utf8").trim()}\n\n`, { headers: { "content-type": "text/event-stream" } }) : undefined;
      };
      for (const [prompt, env, url] of cases) {
        for (const stream of [false, true]) {
          const gw = startIntlGateway(fake, env);
          try {
            const err = await requestError(gw, prompt, stream);
            expect({ prompt, stream, status: err.status, code: err.code }).toEqual({ prompt, stream, status: 503, code: "upstream_waf_blocked" });
            expect(err.message).toContain(url);
            expect(err.message).toContain("connect-the-dots");
            expect(Number(err.headers?.get("retry-after"))).toBeGreaterThanOrEqual(250);
            // The route keeps the URL: /status shows it, and the next request's 503 names it too.
            expect((await statusWithRoutes(gw)).upstreams.intl.routes[0]?.punish_url).toBe(url);
            const later = await requestError(gw, "fixture:plain", false);
            expect(later.message).toContain(`The last challenge was a puzzle page: ${url}`);
          } finally {
            await gw.stop();
          }
        }
      }
    } finally {
      await fake.stop();
    }
  });

  test("a redirect elsewhere is still an upstream error that is not followed", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake, { INTL_ACCOUNT_1_COOKIE: "a=1; newchat:redirect" }), async (_fake, gw) => {
      const err = await requestError(gw, "fixture:plain", false);
      expect(err.status).toBe(502);
      expect(err.message).toContain("login.example.com");
    });
  });
});

describe("I8: long requests send their older turns as an uploaded document", () => {
  let fake: FakeIntlUpstream, oss: FakeOss;
  beforeAll(() => {
    oss = startFakeOss();
    fake = startFakeIntlUpstream({ ossUrl: oss.url, ossObjects: oss.objects });
  });
  afterEach(() => {
    fake.documentMode = "accept";
  });
  afterAll(async () => {
    await fake.stop();
    await oss.stop();
  });
  const startLong = (env: Record<string, string> = {}) => startIntlGateway(fake, { QWEN_INTL_OSS_URL: oss.url, ...env });
  /** A conversation of `turns` pairs, each side about 5 KB, then a last question. */
  const longConversation = (turns: number, last = "fixture:plain LAST-QUESTION"): OpenAI.Chat.Completions.ChatCompletionMessageParam[] => [
    { role: "system", content: "SYSTEM-RULES: answer briefly." },
    ...Array.from({ length: turns }, (_, i): OpenAI.Chat.Completions.ChatCompletionMessageParam[] => [
      { role: "user", content: `turn-${i}-question ${"q".repeat(5000)}` },
      { role: "assistant", content: `turn-${i}-answer ${"a".repeat(5000)}` },
    ]).flat(),
    { role: "user", content: last },
  ];
  const documentOf = (path: string) => new TextDecoder().decode(oss.objects.get(path)?.bytes);
  const lastDocumentPath = () => `/qwen-webui-prod/${[...fake.uploads.values()].filter((u) => u.filetype === "file").at(-1)?.filePath}`;

  test("a 200 KB conversation (over the default 120000 bytes): the old turns go as a parsed text document, the system block and last turns inline; the body stays under the limit", async () => {
    const gw = startLong();
    try {
      for (const stream of [false, true]) {
        const before = fake.calls.length;
        const messages = longConversation(20);
        const content = stream
          ? (await (async () => {
              let text = "";
              for await (const chunk of await gw.client.chat.completions.create({ model: "qwen-max", messages, stream: true })) text += chunk.choices[0]?.delta.content ?? "";
              return text;
            })())
          : (await gw.client.chat.completions.create({ model: "qwen-max", messages })).choices[0]?.message.content;
        expect(content).toBe("Hi!");
        const calls = fake.calls.slice(before);
        const sts = calls.find((c) => c.path === "/api/v2/files/getstsToken")?.body as Record<string, unknown>;
        expect(sts).toMatchObject({ filetype: "file" });
        expect(String(sts.filename)).toMatch(/^conversation-[0-9a-f]{8}\.txt$/);
        expect(calls.map((c) => c.path)).toContain("/api/v2/files/parse");
        expect(calls.map((c) => c.path)).toContain("/api/v2/files/parse/status");
        const completion = calls.find((c) => c.path === "/api/v2/chat/completions");
        expect(completion?.bytes).toBeLessThanOrEqual(120_000);
        const message = (completion?.body as { messages: Array<{ content: string; files: Array<Record<string, unknown>> }> }).messages[0];
        const documents = message?.files.filter((f) => f.file_class === "document") ?? [];
        expect(documents).toHaveLength(1);
        expect(documents[0]).toMatchObject({ type: "file", showType: "file", file_type: "text/plain", status: "uploaded", name: sts.filename });
        expect(fake.documentRefs.at(-1)).toBe(documents[0]?.id as string);
        expect(message?.content).toStartWith("<system>\nSYSTEM-RULES: answer briefly.\n</system>\n\n[The earlier part of this conversation is in the attached document conversation-");
        expect(message?.content).toEndWith("Human: fixture:plain LAST-QUESTION\n\nAssistant:");
        expect(message?.content).not.toContain("turn-0-question");
        const stored = oss.objects.get(lastDocumentPath());
        expect(stored?.contentType).toBe("text/plain");
        const document = documentOf(lastDocumentPath());
        expect(document).toContain("Human: turn-0-question");
        expect(document).toContain("Assistant: turn-0-answer");
        expect(document).not.toContain("LAST-QUESTION");
        expect(document).not.toContain("SYSTEM-RULES");
      }
    } finally {
      await gw.stop();
    }
  });

  test("one long message alone goes whole into the document; the message points at it", async () => {
    const gw = startLong({ INTL_INLINE_MAX_BYTES: "20000" });
    try {
      const before = fake.calls.length;
      const text = `LONE-START ${"z".repeat(30_000)} LONE-END`;
      expect((await gw.client.chat.completions.create({ model: "qwen-max", messages: [{ role: "user", content: text }] })).choices[0]?.message.content).toBe("Hi!");
      const message = (completionCalls(fake, before)[0]?.body as { messages: Array<{ content: string }> }).messages[0];
      expect(message?.content).toMatch(/^\[The earlier part of this conversation is in the attached document conversation-[0-9a-f]{8}\.txt \(1 part, oldest first\)\. Read it first as if it were written here, then answer its last turn\.\]$/);
      expect(documentOf(lastDocumentPath())).toContain(text);
    } finally {
      await gw.stop();
    }
  });

  test("an upload that is refused (getstsToken, or the parse) is a 413 naming INTL_INLINE_MAX_BYTES, streamed or not; nothing is sent to the chat and the account stays in service", async () => {
    const gw = startLong();
    try {
      for (const mode of ["refuse-sts", "fail-parse"] as const) {
        fake.documentMode = mode;
        for (const stream of [false, true]) {
          const before = fake.calls.length;
          const err = await apiError(
            (async () => {
              const messages = longConversation(20);
              if (!stream) return gw.client.chat.completions.create({ model: "qwen-max", messages });
              for await (const _ of await gw.client.chat.completions.create({ model: "qwen-max", messages, stream: true })) {
                // drained
              }
            })(),
          );
          expect({ mode, stream, status: err.status, code: err.code, type: err.type }).toEqual({ mode, stream, status: 413, code: "context_upload_refused", type: "invalid_request_error" });
          expect(err.message).toContain("INTL_INLINE_MAX_BYTES (120000)");
          expect(err.message).toContain(mode === "refuse-sts" ? "File type is not supported" : "unsupported encoding");
          expect(completionCalls(fake, before)).toEqual([]);
        }
      }
      fake.documentMode = "accept";
      expect((await ask(gw)).choices[0]?.message.content).toBe("Hi!");
      expect((await statusWithRoutes(gw)).upstreams.intl.accounts[0]?.state).toBe("healthy");
    } finally {
      await gw.stop();
    }
  });

  test("sent inline anyway (INTL_INLINE_MAX_BYTES raised), the fake's silent challenge is a 503, never an empty answer", async () => {
    const gw = startLong({ INTL_INLINE_MAX_BYTES: "10000000" });
    try {
      const before = fake.oversizedBodies;
      const err = await apiError(gw.client.chat.completions.create({ model: "qwen-max", messages: longConversation(20) }));
      expect(err.status).toBe(503);
      expect(err.code).toBe("upstream_waf_blocked");
      expect(err.message).toContain("FAIL_SYS_USER_VALIDATE");
      expect(fake.oversizedBodies).toBe(before + 1);
    } finally {
      await gw.stop();
    }
  });

  test("the fake refuses a completion that references a document it never granted or parsed", async () => {
    const chatId = (((await (await fetch(`${fake.url}/api/v2/chats/new`, { method: "POST", body: "{}" })).json()) as { data: { id: string } }).data.id);
    const answer = await fetch(`${fake.url}/api/v2/chat/completions?chat_id=${chatId}`, {
      method: "POST",
      body: JSON.stringify({ chat_id: chatId, messages: [{ content: "x", files: [{ type: "file", id: "no-such-file", file_class: "document", showType: "file", url: "x" }] }] }),
    });
    expect(await answer.json()).toMatchObject({ success: false, data: { code: "Bad_Request", details: "unknown document no-such-file" } });
  });

  test("an unknown parse status is counted as drift, and the parse goes on", async () => {
    const gw = startLong({ INTL_INLINE_MAX_BYTES: "20000" });
    const original = fake.respond;
    try {
      let polls = 0;
      const odd = startFakeIntlUpstream({ ossUrl: oss.url, ossObjects: oss.objects });
      const relay = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch: async (req) => {
          const url = new URL(req.url);
          if (url.pathname === "/api/v2/files/parse/status" && polls++ === 0) return Response.json({ success: true, data: [{ file_id: "x", status: "hologram" }] });
          return fetch(`${odd.url}${url.pathname}${url.search}`, { method: req.method, headers: req.headers, body: req.body });
        },
      });
      const local = startIntlGateway(odd, { QWEN_INTL_BASE_URL: `http://127.0.0.1:${relay.port}`, QWEN_INTL_OSS_URL: oss.url, INTL_INLINE_MAX_BYTES: "20000" });
      try {
        expect((await local.client.chat.completions.create({ model: "qwen-max", messages: longConversation(3) })).choices[0]?.message.content).toBe("Hi!");
        expect(polls).toBeGreaterThanOrEqual(2);
        const drift = (await statusWithRoutes(local)).upstreams.intl.drift;
        expect(drift.find((d) => d.kind === "unknown parse status")?.count).toBe(1);
      } finally {
        await local.stop();
        await relay.stop(true);
        await odd.stop();
      }
    } finally {
      fake.respond = original;
      await gw.stop();
    }
  });

  test("splitForDocument: newest parts stay, the trailer always; the system block moves only when it leaves no room", () => {
    const parts: [string, string, string, string, string] = ["<system>\nS\n</system>", `Human: ${"a".repeat(1000)}`, `Assistant: ${"b".repeat(1000)}`, "Human: c", "Assistant:"];
    expect(splitForDocument(parts, 1, 400)).toEqual({ head: [parts[0]], isHeadMoved: false, moved: [parts[1], parts[2]], kept: ["Human: c", "Assistant:"] });
    expect(splitForDocument(parts, 1, 1200)).toEqual({ head: [parts[0]], isHeadMoved: false, moved: [parts[1]], kept: [parts[2], "Human: c", "Assistant:"] });
    expect(splitForDocument(parts, 1, 0)).toEqual({ head: [parts[0]], isHeadMoved: true, moved: parts.slice(0, 4), kept: ["Assistant:"] });
    expect(splitForDocument(["x".repeat(100)], 0, 10)).toEqual({ head: [], isHeadMoved: false, moved: ["x".repeat(100)], kept: [] });
    // CJK and quotes are counted as the JSON body carries them.
    expect(splitForDocument(["Human: 字字字", "Assistant:"], 0, 4 + 16 + 14)).toMatchObject({ moved: [], kept: ["Human: 字字字", "Assistant:"] });
  });
});

describe("I6: models and the daily quota", () => {
  const adapterWithoutList = () =>
    createIntlAdapter({
      config: loadConfig({ INTL_ACCOUNT_1_TOKEN: INTL_TOKEN, QWEN_INTL_BASE_URL: "http://127.0.0.1:9" }),
      fetch: (() => Promise.reject(new Error("offline"))) as never,
      redact: (text: string) => text,
      debug: () => {},
      addSecret: () => {},
      drift: { note: () => {}, snapshot: () => [] },
      store: createMemoryStore(),
      accounts: accountRegistriesFrom(loadConfig({ INTL_ACCOUNT_1_TOKEN: INTL_TOKEN, QWEN_INTL_BASE_URL: "http://127.0.0.1:9" })),
      inBackground: () => {},
    });

  test("without the live list: qwen-max → qwen3.8-max, qwen / qwen-plus → qwen3.7-plus (the site's default), qwen-omni → qwen3.8-omni-flash", () => {
    const adapter = adapterWithoutList();
    const resolved = Object.fromEntries(["qwen-max", "qwen", "qwen-plus", "qwen-omni", "qwen3-omni-flash", "qwen-flash"].map((name) => [name, adapter.resolveModel(name, undefined)]));
    expect(resolved).toEqual({ "qwen-max": "qwen3.8-max", qwen: "qwen3.7-plus", "qwen-plus": "qwen3.7-plus", "qwen-omni": "qwen3.8-omni-flash", "qwen3-omni-flash": "qwen3.8-omni-flash", "qwen-flash": "qwen3.5-flash" });
    expect(adapter.aliasNames()).toContain("qwen-omni");
  });

  test("with the live list: qwen3.8-omni-flash is listed and served, qwen-omni resolves to it", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake), async (fake, gw) => {
      const ids = (await gw.client.models.list()).data.map((m) => m.id);
      expect(ids).toContain("qwen3.8-omni-flash");
      expect(ids).toContain("qwen-omni");
      for (const model of ["qwen-omni", "qwen3.8-omni-flash"]) {
        const before = fake.calls.length;
        await gw.client.chat.completions.create({ model, messages: [{ role: "user", content: "fixture:plain" }] });
        expect((completionCalls(fake, before)[0]?.body as { model: string }).model).toBe("qwen3.8-omni-flash");
      }
    });
  });

  test("the daily quota: with a wait in the answer, its hours; without, until midnight UTC+8; the text alone (no code) too", async () => {
    const fake = startFakeIntlUpstream();
    try {
      const cases: Array<[string, () => number]> = [
        ["rate-limited", () => 6 * 3600],
        ["daily-quota", () => secondsUntilSiteMidnight()],
        ["daily-quota-text", () => secondsUntilSiteMidnight()],
      ];
      for (const [fixture, expected] of cases) {
        for (const stream of [false, true]) {
          const gw = startIntlGateway(fake);
          try {
            const err = await requestError(gw, `fixture:${fixture}`, stream);
            expect({ fixture, stream, status: err.status, code: err.code }).toEqual({ fixture, stream, status: 429, code: "upstream_quota_exceeded" });
            expect(Math.abs(Number(err.headers?.get("retry-after")) - expected())).toBeLessThanOrEqual(5);
            if (fixture !== "rate-limited") expect(err.message).toContain("until the daily reset, midnight UTC+8");
          } finally {
            await gw.stop();
          }
        }
      }
    } finally {
      await fake.stop();
    }
  });

  test("drift still counts what is unknown: an unknown error code is counted, a challenge or the daily quota is not", async () => {
    await withGateway(startFakeIntlUpstream, (fake) => startIntlGateway(fake, { INTL_ACCOUNT_2_TOKEN: SECOND_INTL_TOKEN }), async (fake, gw) => {
      fake.respond = (body) => {
        const content = String(((body.messages as Array<{ content: string }>)[0] as { content: string }).content);
        return content === "odd" ? Response.json({ success: false, request_id: "x", data: { code: "Hologram_Error", details: "?" } }) : undefined;
      };
      expect((await requestError(gw, "odd", false)).status).toBe(502);
      await requestError(gw, "fixture:daily-quota", false);
      await requestError(gw, "fixture:waf", false);
      const drift = (await statusWithRoutes(gw)).upstreams.intl.drift;
      // Twice: the request fails over to account 2, which meets the same code.
      expect(drift.map((d) => [d.kind, d.count])).toEqual([["unknown error code", 2]]);
    });
  });

  test("secondsUntilSiteMidnight counts to 00:00 UTC+8", () => {
    expect(secondsUntilSiteMidnight(Date.parse("2026-10-04T15:30:00Z"))).toBe(1800);
    expect(secondsUntilSiteMidnight(Date.parse("2026-10-04T16:00:00Z"))).toBe(86_400);
    expect(secondsUntilSiteMidnight(Date.parse("2026-10-04T15:59:50Z"))).toBe(60);
  });
});

// ── Issue 20: the mainland wire as of 2026-09-28, and capture mode ──────────

const CHAT2_REPLY = "你好！我是千问，很高兴见到你。";
const sseReply = (frames: string[]) => new Response(frames.join(""), { headers: { "content-type": "text/event-stream" } });
const wireFrame = (messages: unknown[], extra: Record<string, unknown> = {}) =>
  `data:${JSON.stringify({ error_code: 0, error_msg: "", communication: { sessionid: "s", reqid: "r", resid: "x" }, data: { messages }, ...extra })}\n\n`;
const answerFrame = (content: string, status = "processing") => wireFrame([{ mime_type: "multi_load/iframe", content, status, meta_data: {} }]);
const promptOf = (body: Record<string, unknown>) => String((body.messages as Array<{ content: string }>).at(-1)?.content);

describe("mainland chat2 session delete (issue 20, M5)", () => {
  test("the fake serves the single-session endpoint as M5 describes: 400 msg \"ut\" without ut in the query", async () => {
    const fake = startFakeChat2Upstream();
    try {
      const bare = await fetch(`${fake.url}/api/v1/session/delete`, { method: "POST", body: JSON.stringify({ session_id: "a".repeat(32), biz_id: "ai_qwen" }) });
      expect(bare.status).toBe(400);
      expect(await bare.json()).toMatchObject({ msg: "ut" });
      expect(fake.deletedSessions).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  for (const [name, answer] of [
    ["a 404 (a site without the single endpoint)", () => new Response("not found", { status: 404 })],
    ["a 405", () => new Response("method not allowed", { status: 405 })],
    ["a refusal that is not success (code 1, success false)", () => new Response(JSON.stringify({ success: false, code: 1, msg: "busy" }), { headers: { "content-type": "application/json" } })],
    ["a 400 msg ut", () => new Response(JSON.stringify({ success: false, code: 400, msg: "ut" }), { status: 400, headers: { "content-type": "application/json" } })],
  ] as const) {
    test(`the batch endpoint is the fallback after ${name}`, async () => {
      await withGateway(startFakeChat2Upstream, (fake) => {
        fake.singleDeleteAnswer = answer;
        return startChat2Gateway(fake);
      }, async (fake, gw) => {
        expect((await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] })).choices[0]?.message.content).toBe(CHAT2_REPLY);
        const session = (lastChat2Call(fake).body as { session_id: string }).session_id;
        await waitFor(() => fake.deletedSessions.includes(session));
        expect(fake.deleteEndpoints).toEqual(["batch"]);
        expect(fake.calls.filter((c) => c.path === "/api/v1/session/delete")).toHaveLength(1);
        expect(fake.calls.find((c) => c.path === "/api/v1/session/delete/batch")?.body).toEqual({ session_ids: [session] });
      });
    });
  }

  test("a success-status delete answer of an unknown shape is counted as drift, and the batch endpoint still deletes", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => {
      fake.singleDeleteAnswer = () => new Response(JSON.stringify({ result: "deleted?" }), { headers: { "content-type": "application/json" } });
      return startChat2Gateway(fake);
    }, async (fake, gw) => {
      await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
      await waitFor(() => fake.deleteEndpoints.includes("batch"));
      await waitFor(() => gw.app.drift.cn.snapshot().some((d) => d.kind === "unknown session-delete answer"));
      expect(gw.app.drift.cn.snapshot().find((d) => d.kind === "unknown session-delete answer")?.samples[0]).toContain("deleted?");
    });
  });
});

describe("a fixed refusal in a 200 is an error, not an answer (issue 20, M1)", () => {
  test("with CN_REFUSAL_PATTERNS unset (the default), the same reply is an ordinary answer", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake), async (_fake, gw) => {
      const reply = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "fixture:refusal" }] });
      expect(reply.choices[0]?.message.content).toBe("抱歉，当前请求无法处理，请稍后再试。");
    });
  });

  for (const [setting, label] of [
    ["当前请求无法处理|另一个", "substrings"],
    ["/^抱歉.{0,20}无法处理/", "a regex"],
  ] as const) {
    for (const stream of [false, true]) {
      test(`a reply matching ${label} is a 502 upstream_error naming the refusal and what to try, ${stream ? "streamed" : "not streamed"}, with no text sent`, async () => {
        const fake = startFakeChat2Upstream();
        try {
          const err = await freshGatewayError(() => startChat2Gateway(fake, { CN_REFUSAL_PATTERNS: setting }), "fixture:refusal chunk:40", stream, "qwen");
          expect(err.status).toBe(502);
          expect(err.code).toBe("upstream_error");
          expect(err.message).toContain("fixed refusal");
          expect(err.message).toContain("most likely its signature");
          expect(err.message).toContain("CN_ACCOUNT_1_SCENES");
          // M1: unsigned requests draw exactly this refusal, so CN_SIGNING=off is no fix to offer.
          expect(err.message).not.toContain("CN_SIGNING");
        } finally {
          await fake.stop();
        }
      });
    }
  }

  test("a site that answers a wrong signing order with the fixed refusal (200): the unconfirmed order is switched, the next request is answered, and only a real answer confirms it", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => {
      fake.signOrder = "kp-query";
      fake.badSignatureAnswer = "fixed-refusal";
      return startChat2Gateway(fake, { CN_REFUSAL_PATTERNS: "当前请求无法处理" });
    }, async (fake, gw) => {
      const err = await requestError(gw, "hi", false, "qwen");
      expect(err.message).toContain("fixed refusal");
      expect(fake.refusals).toEqual(["sign"]);
      expect((await gw.app.adapters.cn.protocolDetails?.({ upstream: "cn", number: 1 }))?.[0]).toBe("sign order kp-query (tried after a refusal, not confirmed yet)");
      for (let i = 0; i < 3; i++) expect((await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] })).choices[0]?.message.content).toBe(CHAT2_REPLY);
      expect(fake.refusals).toEqual(["sign"]);
      expect((await gw.app.adapters.cn.protocolDetails?.({ upstream: "cn", number: 1 }))?.[0]).toBe("sign order kp-query (learned)");
    });
  });

  test("the match looks at the start of the reply only: a long answer quoting a pattern later streams as usual; case does not matter", async () => {
    const long = `${"答".repeat(300)} Sorry, I cannot help with that.`;
    await withGateway(startFakeChat2Upstream, (fake) => {
      fake.respond = (body) => (promptOf(body) === "long" ? sseReply([answerFrame("答".repeat(150)), answerFrame("答".repeat(300)), answerFrame(long, "complete")]) : sseReply([answerFrame("SORRY, I "), answerFrame("SORRY, I CANNOT help with that.", "complete")]));
      return startChat2Gateway(fake, { CN_REFUSAL_PATTERNS: "sorry, i cannot" });
    }, async (_fake, gw) => {
      const { content, finish } = await collectStream(gw.client, "long", "qwen");
      expect(content).toBe(long);
      expect(finish).toBe("stop");
      const err = await requestError(gw, "short", true, "qwen");
      expect(err.message).toContain("fixed refusal");
    });
  });
});

describe("FAIL_SYS_USER_VALIDATE inside a chat2 stream (issue 20, M6)", () => {
  const cases: Array<[string, string]> = [
    ["a JSON frame after text", `data:{"ret":["FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦"],"data":{}}\n\n`],
    ["a line that is not JSON", "data:FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦\n\n"],
    ["an error event", `event:error\ndata:{"code":"FAIL_SYS_USER_VALIDATE","msg":"哎哟喂"}\n\n`],
  ];
  for (const [name, challenge] of cases) {
    test(`${name}: before any text a 503 with Retry-After, after text an in-stream upstream_waf_blocked, never a clean stop`, async () => {
      await withGateway(startFakeChat2Upstream, (fake) => {
        fake.respond = (body) => sseReply(promptOf(body) === "late" ? [answerFrame("开头"), challenge, answerFrame("开头，结尾", "complete")] : [challenge, answerFrame("不该出现", "complete")]);
        return startChat2Gateway(fake);
      }, async (_fake, gw) => {
        const early = await requestError(gw, "early", false, "qwen");
        expect({ status: early.status, code: early.code }).toEqual({ status: 503, code: "upstream_waf_blocked" });
        expect(Number(early.headers?.get("retry-after"))).toBeGreaterThan(0);
        // A challenge judges the route (I3): the direct route rests, the account does not.
        await waitFor(() => (gw.app.pools.cn.snapshot()[0]?.route_resting_s ?? 0) > 0);
        expect(gw.app.pools.cn.snapshot()[0]?.state).toBe("healthy");
      });
      // A fresh gateway (the first one's only route rests): the challenge after the first text.
      await withGateway(startFakeChat2Upstream, (fake) => {
        fake.respond = (body) => sseReply(promptOf(body) === "late" ? [answerFrame("开头"), challenge, answerFrame("开头，结尾", "complete")] : [challenge]);
        return startChat2Gateway(fake);
      }, async (_fake, gw) => {
        const { content, caught } = await streamUntilError(gw, "qwen", "late");
        expect(content).toBe("开头");
        expect((caught as ApiError | undefined)?.code).toBe("upstream_waf_blocked");
      });
    });
  }
});

describe("mainland chat2 drift (issue 20)", () => {
  test("frame and data fields, multi_load types and mime_types qwenplug does not read are counted once per reply; known ones are not; the reply is unharmed", async () => {
    await withGateway(startFakeChat2Upstream, (fake) => {
      fake.respond = () =>
        sseReply([
          wireFrame([{ mime_type: "multi_load/iframe", content: "", status: "processing", meta_data: { multi_load: [{ type: "search_result", content: { items: [{ title: "天气" }] } }] } }], { brand_new: { x: 1 } }),
          `data:${JSON.stringify({ error_code: 0, error_msg: "", data: { messages: [{ mime_type: "multi_load/iframe", content: "好", status: "processing", meta_data: { multi_load: [{ type: "search_result" }] } }], debug: {}, audit_info: { error_code: 0 }, extra_info: {}, search_cards: [] }, brand_new: 2 })}\n\n`,
          wireFrame([{ mime_type: "multi_load/iframe", content: "好的", status: "complete", meta_data: { multi_load: [] } }]),
        ]);
      return startChat2Gateway(fake);
    }, async (_fake, gw) => {
      expect((await gw.client.chat.completions.create({ model: "qwen-search", messages: [{ role: "user", content: "hi" }] })).choices[0]?.message.content).toBe("好的");
      await gw.client.chat.completions.create({ model: "qwen-search", messages: [{ role: "user", content: "hi" }] });
      const drift = Object.fromEntries(gw.app.drift.cn.snapshot().map((d) => [d.kind, d]));
      expect(Object.keys(drift).sort()).toEqual(["unknown data field", "unknown frame field", "unknown multi_load type"]);
      // Two replies, each field once however many frames carried it.
      expect(drift["unknown frame field"]?.count).toBe(2);
      expect(drift["unknown multi_load type"]?.count).toBe(2);
      expect(drift["unknown data field"]?.samples[0]).toContain("search_cards");
      expect(drift["unknown multi_load type"]?.samples[0]).toContain("search_result");
    });
  });
});

describe("--check says what each chat2 account is served with (issue 20)", () => {
  test("the sign order (default, learned, forced) and the signing device (none yet, registered, the page's material)", async () => {
    const fake = startFakeChat2Upstream();
    try {
      const store = createMemoryStore();
      const scenes = fake.seedScenes();
      const config = (env: Record<string, string> = {}) =>
        checkConfig({ CN_PROTOCOL: "chat2", QWEN_CN_BASE_URL: fake.url, CN_ACCOUNT_1_COOKIE: CHAT2_COOKIE_1, CN_ACCOUNT_2_COOKIE: COOKIE_2, CN_ACCOUNT_2_SCENES: scenes, CN_REGISTER_INTERVAL_MS: "0", ...env });
      const before = await checkAccounts(config(), { withChat: false, store });
      expect(before.map((c) => c.details)).toEqual([
        ["sign order query-kp (default, not confirmed yet)", "signing device: none yet (one is registered at the first request)"],
        ["sign order query-kp (default, not confirmed yet)", "signing device: none yet (the page's material in CN_ACCOUNT_2_SCENES is used first)"],
      ]);
      // A test chat per account, then the same store read again: what the running server would be serving with.
      await checkAccounts(config(), { withChat: true, store });
      const after = await checkAccounts(config(), { withChat: false, store });
      expect(after[0]?.details?.[0]).toBe("sign order query-kp (learned)");
      // One test chat each: a batch of 8 salts (CHAT2_SALT_BATCH) left the store's 100 for the process's reserve.
      expect(after[0]?.details?.[1]).toMatch(/^signing device: a registered device, 92 salts left, token good for 2\d\.\d h$/);
      expect(after[1]?.details?.[1]).toMatch(/^signing device: the page's material \(CN_ACCOUNT_2_SCENES\), 92 salts left/);
      expect(fake.registrations).toBe(1);
      const forced = await checkAccounts(config({ CN_SIGN_ORDER: "kp-query" }), { withChat: false, store: createMemoryStore() });
      expect(forced[0]?.details?.[0]).toBe("sign order kp-query (forced by CN_SIGN_ORDER)");
      const { lines } = formatCheck(after);
      expect(lines[0]).toMatch(/^CN +account 1 +ok +\d+ ms$/);
      expect(lines[1]).toMatch(/^ {6}served with: sign order query-kp \(learned\); signing device: a registered device, 92 salts left/);
      expect(lines.at(-1)).toBe("qwenplug check: 2 of 2 account(s) usable");
      expectNoSecret(lines.join("\n"));
    } finally {
      await fake.stop();
    }
  });
});

/** Every file in a capture directory, by name, with its text. */
function captureFiles(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]));
}

/** The capture's sidecars, parsed. */
const sidecars = (files: Map<string, string>) => [...files].filter(([name]) => name.endsWith(".meta.json")).map(([, text]) => JSON.parse(text) as Record<string, unknown>);

/** No captured file holds any of `secrets`; the directory is 0700 and every file 0600. */
function expectCleanCapture(dir: string, secrets: readonly string[]): Map<string, string> {
  const files = captureFiles(dir);
  expect(files.size).toBeGreaterThan(0);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  for (const [name, text] of files) {
    expect({ name, mode: statSync(join(dir, name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
    for (const secret of secrets) if (text.includes(secret)) throw new Error(`${name} holds a secret: ${secret.slice(0, 12)}…`);
  }
  return files;
}

/** The last captured file (they are numbered in order) that answered `path` with an event stream. */
function capturedStream(files: Map<string, string>, path: string): { name: string; text: string } {
  const meta = sidecars(files).filter((m) => String(m.path).split("?")[0] === path && typeof m.file === "string" && String(m.file).endsWith(".sse"));
  expect(meta.length).toBeGreaterThanOrEqual(1);
  const name = String(meta.at(-1)?.file);
  return { name, text: files.get(name) as string };
}

/** A copy of a fixtures directory with one captured stream added as `captured.sse`. */
function fixturesWith(from: string, stream: string): string {
  const dir = mkdtempSync(join(tmpdir(), "qwenplug-replay-"));
  cpSync(join(import.meta.dir, "fixtures", from), dir, { recursive: true });
  writeFileSync(join(dir, "captured.sse"), stream);
  return dir;
}

describe("capture mode (issue 20)", () => {
  const captureDir = () => join(mkdtempSync(join(tmpdir(), "qwenplug-capture-")), "capture");

  test("scrubbing: JSON fields by name (nested, in arrays, in JSON strings, user records), SSE frames one by one, JWTs and e-mails anywhere; untouched frames stay byte for byte", () => {
    const redact = makeRedactor(["configured-SECRET-0123"]);
    const sse = [
      'data: {"a":1,  "text":"keep   spacing"}',
      'data:{"data":{"eo-clt-actkn":"tok-SECRET","eo-clt-bacsft":["s1-SECRET","s2-SECRET"],"eo-clt-actkn-dl":1760000000,"usage":{"prompt_tokens":5}}}',
      'data:{"biz_data":"{\\"access_token\\":\\"inner-SECRET\\"}","user":{"email":"x@y.cn","id":"user-77","name":"Wang","role":"user"}}',
      "data:[heartbeat] eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2ln mail me at a.b@c.org configured-SECRET-0123",
      "",
    ].join("\n");
    const out = scrubCapturedText(sse, redact);
    expect(out).not.toContain("SECRET");
    expect(out).not.toContain("x@y.cn");
    expect(out).not.toContain("a.b@c.org");
    expect(out).not.toContain("user-77");
    expect(out).not.toContain("Wang");
    expect(out).not.toContain("eyJpZCI6MX0");
    const lines = out.split("\n");
    expect(lines[0]).toBe('data: {"a":1,  "text":"keep   spacing"}');
    expect(JSON.parse(lines[1]?.slice(5) ?? "")).toEqual({ data: { "eo-clt-actkn": "[redacted]", "eo-clt-bacsft": ["[redacted]", "[redacted]"], "eo-clt-actkn-dl": 0, usage: { prompt_tokens: 5 } } });
    expect(JSON.parse(JSON.parse(lines[2]?.slice(5) ?? "").biz_data)).toEqual({ access_token: "[redacted]" });
    expect(JSON.parse(lines[2]?.slice(5) ?? "").user.role).toBe("user");
    expect(scrubCapturedText('<script>var c = {"refresh_token":"rt-SECRET-1"};</script>', redact)).toBe('<script>var c = {"refresh_token":"[redacted]"};</script>');
    for (const key of ["token", "access_token", "refreshToken", "eo-clt-dvidn", "clt-acs-sign", "salt", "cookie", "userId", "user_id", "uid", "email", "x-xsrf-token", "eo-clt-acs-kp"]) expect({ key, secret: isSecretField(key) }).toEqual({ key, secret: true });
    for (const key of ["prompt_tokens", "total_tokens", "content", "model", "session_id", "status", "mime_type"]) expect({ key, secret: isSecretField(key) }).toEqual({ key, secret: false });
  });

  test("mainland chat2: every exchange is a fixture with a sidecar; no cookie, token, salt, device id or umidtoken reaches a file; the stream replays to the same answer", async () => {
    const dir = captureDir();
    const umid = "umid-browser-SECRET-0123456789";
    let original: Awaited<ReturnType<typeof collectStream>> | undefined;
    let files = new Map<string, string>();
    await withGateway(startFakeChat2Upstream, (fake) => startChat2Gateway(fake, { CAPTURE_DIR: dir, CN_ACCOUNT_1_UMIDTOKEN: umid }), async (fake, gw) => {
      await requestError(gw, "fixture:error-code", false, "qwen");
      await gw.client.models.list();
      // The last chat captured: the one replayed below.
      original = await collectStream(gw.client, "fixture:think chunk:9", "qwen-max-thinking");
      await waitFor(() => fake.deletedSessions.length === 2);
      await gw.app.drain(0);
      await gw.app.capture?.flush();
      const cookieParts = CHAT2_COOKIE_1.split(/[;=]\s*/).filter((part) => part.length >= 16);
      files = expectCleanCapture(dir, [CHAT2_COOKIE_1, ...cookieParts, TICKET_HASH, "xsrf-one-0123456789abcdef", umid, ...fake.issued, ...fake.usedSalts, MASTER_KEY]);
      expect(fake.usedSalts.length).toBe(2);
      expect(fake.issued.length).toBeGreaterThan(100);
    });
    const metas = sidecars(files);
    const paths = metas.map((m) => String(m.path).split("?")[0]);
    for (const path of ["/security/external/access/register", "/api/calibration/getMillisTimeStamp", "/api/v2/chat", "/api/v1/session/delete", "/api/v1/model/list"]) expect(paths).toContain(path);
    const chat = metas.filter((m) => String(m.path).startsWith("/api/v2/chat?") && m.status === 200).at(-1) as Record<string, unknown>;
    expect(chat).toMatchObject({ upstream: "cn", account: 1, method: "POST", host: expect.stringMatching(/^127\.0\.0\.1:\d+$/), contentType: expect.stringContaining("text/event-stream"), ended: expect.stringMatching(/^complete/) });
    expect(chat.path).toBe("/api/v2/chat?biz_id=*&fe_version=*&chat_client=*&device=*&fr=*&pr=*&ut=*&la=*&tz=*&wv=*&ve=*&nonce=*&timestamp=*");
    // Header names only; the signing headers are there, their values are not.
    expect(chat.requestHeaders).toEqual(expect.arrayContaining(["clt-acs-sign", "cookie", "eo-clt-sacsft", "x-chat-id", "prod_id"]));
    const shape = chat.requestBody as Record<string, unknown>;
    expect(shape).toMatchObject({ scene: "chat", scene_param: "first_turn", chat_mode: "think", deep_search: null, temporary: false, params_extra: { supports_cowork: "true" }, bucket: {}, model: "Qwen3.8-Max" });
    // The prompt is described, not copied.
    expect(JSON.stringify(shape)).not.toContain("fixture:think");
    expect((shape.messages as Array<Record<string, unknown>>)[0]).toMatchObject({ mime_type: "text/plain", content: "<string, 21 chars>" });
    // An error answer is a fixture named with its status when it is not 200; the registration's salts are placeholders.
    const register = metas.find((m) => m.path === "/security/external/access/register?chid=*") as Record<string, unknown>;
    expect(register.requestHeaders).toContain("bx-umidtoken");
    expect((register.requestBody as Record<string, unknown>).fingerprint).toBe("[redacted]");
    expect(files.get(String(register.file))).toContain('"eo-clt-bacsft":["[redacted]"');

    // Replayed: the captured stream, dropped into a fixtures directory, gives the same answer through the gateway.
    const { text } = capturedStream(files, "/api/v2/chat");
    const fixtures = fixturesWith("cn2", text);
    try {
      await withGateway(() => startFakeChat2Upstream({ fixtureDir: fixtures }), (fake) => startChat2Gateway(fake), async (_fake, gw) => {
        const replayed = await collectStream(gw.client, "fixture:captured chunk:9", "qwen-max-thinking");
        expect({ content: replayed.content, reasoning: replayed.reasoning, usage: replayed.chunks.at(-1)?.usage }).toEqual({ content: original?.content ?? "", reasoning: original?.reasoning ?? "", usage: original?.chunks.at(-1)?.usage });
        expect(replayed.content).toBe("你好！有什么可以帮你？");
      });
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  test("chat.qwen.ai with the fake auth host: no access or refresh token, password, its hash or e-mail reaches a file; the stream replays to the same answer", async () => {
    const dir = captureDir();
    const password = "pass-SECRET-word-42";
    const email = "capture.user@example.com";
    const auth = startFakeAuthHost({ lifetimeSec: 60, email, password });
    const fake = startFakeIntlUpstream({ validateToken: (token) => auth.isValid(token) });
    let original = "";
    let files = new Map<string, string>();
    try {
      const refresh = auth.issueRefreshToken();
      const gw = launchGateway({ QWEN_INTL_BASE_URL: fake.url, QWEN_INTL_AUTH_BASE_URL: auth.url, CAPTURE_DIR: dir, INTL_ACCOUNT_1_REFRESH_TOKEN: refresh, INTL_ACCOUNT_1_COOKIE: "ssxmod_itna=capture-SECRET-cookie-value", INTL_ACCOUNT_2_EMAIL: email, INTL_ACCOUNT_2_PASSWORD: password });
      try {
        original = (await ask(gw, "fixture:plain")).choices[0]?.message.content ?? "";
        await ask(gw, "fixture:plain");
        expect(auth.refreshes + auth.signIns).toBe(2);
        await waitFor(() => fake.deletedChats.length === 2);
        await gw.app.drain(0);
        await gw.app.capture?.flush();
      } finally {
        await gw.stop();
      }
      files = expectCleanCapture(dir, [...auth.issued, refresh, password, sha256Hex(password), email, "capture-SECRET-cookie-value", MASTER_KEY]);
      const paths = sidecars(files).map((m) => String(m.path).split("?")[0]);
      for (const path of ["/api/v2/auths/refresh", "/api/v2/auths/signin", "/api/v2/chats/new", "/api/v2/chat/completions", "/api/v2/chats/{id}"]) expect(paths).toContain(path);
      const signIn = sidecars(files).find((m) => m.path === "/api/v2/auths/signin") as Record<string, unknown>;
      expect(signIn.requestBody).toEqual({ email: "[redacted]", password: "[redacted]" });
      expect(files.get(String(sidecars(files).find((m) => m.path === "/api/v2/auths/refresh")?.file))).toContain('"access_token":"[redacted]"');
    } finally {
      await fake.stop();
      await auth.stop();
    }
    const fixtures = fixturesWith("intl", capturedStream(files, "/api/v2/chat/completions").text);
    try {
      await withGateway(() => startFakeIntlUpstream({ fixtureDir: fixtures }), (replayFake) => startIntlGateway(replayFake), async (_fake, gw) => {
        expect((await ask(gw, "fixture:captured")).choices[0]?.message.content).toBe(original);
        expect(original.length).toBeGreaterThan(0);
      });
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  test("the /dialog protocol: no cookie reaches a file; the stream replays to the same answer", async () => {
    const dir = captureDir();
    let original: Awaited<ReturnType<typeof collectStream>> | undefined;
    let files = new Map<string, string>();
    await withGateway(startFakeCnUpstream, (fake) => startGateway(fake, { CAPTURE_DIR: dir }), async (fake, gw) => {
      original = await collectStream(gw.client, "fixture:think chunk:7", "qwen-max");
      await waitFor(() => fake.deletedSessions.length === 1);
      await gw.app.drain(0);
      await gw.app.capture?.flush();
      files = expectCleanCapture(dir, ["ticket-one-SECRET-abcdefghijklmnop", "xsrf-one-0123456789abcdef", COOKIE_1, MASTER_KEY]);
    });
    const fixtures = fixturesWith("cn", capturedStream(files, "/dialog/conversation").text);
    try {
      await withGateway(() => startFakeCnUpstream({ fixtureDir: fixtures }), (fake) => startGateway(fake), async (_fake, gw) => {
        const replayed = await collectStream(gw.client, "fixture:captured chunk:7", "qwen-max");
        expect({ content: replayed.content, reasoning: replayed.reasoning }).toEqual({ content: original?.content ?? "", reasoning: original?.reasoning ?? "" });
        expect(replayed.content.length).toBeGreaterThan(0);
      });
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  test("a capped body: the client gets every byte, the file stops at the cap and its sidecar says so; a client that leaves early is recorded as cancelled", async () => {
    const dir = captureDir();
    const big = "字".repeat(3 * 1024 * 1024);
    await withGateway(startFakeChat2Upstream, (fake) => {
      fake.respond = (body) => (promptOf(body) === "big" ? sseReply([answerFrame(big.slice(0, 1024)), answerFrame(big.slice(0, 2 * 1024 * 1024)), answerFrame(big, "complete")]) : undefined);
      return startChat2Gateway(fake, { CAPTURE_DIR: dir, UPSTREAM_MAX_CUMULATIVE_EVENT_CHARS: String(8 * 1024 * 1024), REPLY_MAX_CHARS: String(10_000_000) });
    }, async (fake, gw) => {
      const reply = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "big" }] });
      expect(reply.choices[0]?.message.content).toBe(big);
      const controller = new AbortController();
      const cancelled = fake.cancelledStreams;
      const stream = await gw.client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "drip:20" }], stream: true }, { signal: controller.signal });
      try {
        for await (const chunk of stream) if (chunk.choices[0]?.delta.content) controller.abort();
      } catch {
        // the abort
      }
      await waitFor(() => fake.cancelledStreams > cancelled && fake.deletedSessions.length === 2);
      await gw.app.drain(0);
      await gw.app.capture?.flush();
    });
    const metas = sidecars(captureFiles(dir)).filter((m) => String(m.path).startsWith("/api/v2/chat?"));
    const capped = metas.find((m) => m.cutAtBytes !== undefined) as Record<string, unknown>;
    expect(capped.bodyBytes).toBeGreaterThan(8 * 1024 * 1024);
    expect(statSync(join(dir, String(capped.file))).size).toBeLessThanOrEqual(8 * 1024 * 1024 + 1024);
    expect(metas.some((m) => m.ended === "cancelled by qwenplug before the end")).toBe(true);
    rmSync(dirname(dir), { recursive: true, force: true });
  });

  test("bun index.ts --capture DIR: the flag wins over CAPTURE_DIR, the start says where and that files are scrubbed; a directory that cannot be made stops it", async () => {
    const root = mkdtempSync(join(tmpdir(), "qwenplug-cli-capture-"));
    const fake = startFakeCnUpstream();
    try {
      const run = async (args: string[], env: Record<string, string> = {}) => {
        const child = Bun.spawn([process.execPath, "index.ts", ...args], {
          cwd: import.meta.dir,
          env: { ...process.env, HOST: "127.0.0.1", QWEN_CN_BASE_URL: fake.url, QWEN_INTL_BASE_URL: "http://127.0.0.1:9", CN_PROTOCOL: "dialog", STATE_PATH: "off", CN_ACCOUNT_1_COOKIE: COOKIE_1, ...env },
          stdout: "pipe",
          stderr: "pipe",
        });
        const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
        return { out, err, code };
      };
      const dir = join(root, "from-flag");
      const checked = await run(["--check=chat", "--capture", dir], { CAPTURE_DIR: join(root, "from-env") });
      expect(checked.code).toBe(0);
      expect(checked.out).toContain(`capture mode: every upstream exchange is written to ${dir}`);
      expect(existsSync(join(root, "from-env"))).toBe(false);
      const files = expectCleanCapture(dir, ["ticket-one-SECRET-abcdefghijklmnop", "xsrf-one-0123456789abcdef"]);
      expect(sidecars(files).map((m) => String(m.path).split("?")[0]).sort()).toEqual(["/dialog/api/chat/config/getModelSeries", "/dialog/conversation", "/dialog/session/delete", "/dialog/session/list"]);
      writeFileSync(join(root, "a-file"), "");
      const refused = await run(["--check", `--capture=${join(root, "a-file", "sub")}`]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain("the capture directory");
      expect((await run(["--check", "--capture"])).code).toBe(2);
    } finally {
      await fake.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("the Docker image's bundle", () => {
  test(
    "built as the Dockerfile builds it and started as its CMD starts it (NODE_ENV=production, no transpiler cache): openai parses a completion, a stream and an error; SIGTERM exits 0",
    async () => {
      // The Dockerfile's own RUN bun build, CMD and ENV (bench/dockerfile.ts, as the benchmark builds it), so this test follows it.
      const recipe = readDockerRecipe(import.meta.dir);
      if (typeof recipe === "string") throw new Error(recipe);
      const dir = mkdtempSync(join(tmpdir(), "qwenplug-bundle-"));
      const fake = startFakeChat2Upstream();
      try {
        const bundle = buildBundle(import.meta.dir, recipe, dir, { ...process.env } as Record<string, string>);
        if (typeof bundle === "string") throw new Error(bundle);
        expect(bundle.env).toMatchObject({ NODE_ENV: "production", BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" });
        if (recipe.build.includes("--bytecode")) expect(existsSync(`${bundle.entry}.jsc`)).toBe(true);
        const gw = await spawnGateway(
          { ...bundle.env, CN_PROTOCOL: "chat2", QWEN_CN_BASE_URL: fake.url, CN_ACCOUNT_1_COOKIE: CHAT2_COOKIE_1, LOG_LEVEL: "silent" },
          [...bundle.bunArgs, bundle.entry],
        );
        try {
          const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
          const completion = await client.chat.completions.create({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
          const reply = completion.choices[0]?.message.content ?? "";
          expect(reply).toContain("千问");
          let streamed = "";
          for await (const chunk of await client.chat.completions.create({ model: "qwen", stream: true, messages: [{ role: "user", content: "hi" }] })) streamed += chunk.choices[0]?.delta.content ?? "";
          expect(streamed).toBe(reply);
          const refused = await client.chat.completions.create({ model: "qwen", messages: [] }).catch((err: unknown) => err);
          expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
          gw.child.kill("SIGTERM");
          expect(await gw.child.exited).toBe(0);
        } finally {
          gw.stop();
        }
      } finally {
        await fake.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
