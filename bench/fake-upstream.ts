// A fake Qwen CN (/dialog) upstream that replays the transcripts in fixtures/cn.
// Used by index.test.ts and the benchmark; also runnable on its own so the
// README's curl examples can be tried without a Qwen account:
//
//   bun bench/fake-upstream.ts            # listens on 127.0.0.1:8090
//   QWEN_CN_BASE_URL=http://127.0.0.1:8090 CN_ACCOUNT_1_COOKIE=fake bun index.ts
//
// Which transcript it replays: the prompt (or the account cookie) may contain
// directives `fixture:NAME`, `chunk:N` (split the body into N-byte pieces),
// `gap:MS` (pause between pieces), `silence:MS` (pause after the headers) and
// `drip:MS` (send events one by one, MS apart, forever: for abort tests).
// A cookie directive wins over a prompt directive. Without one: plain.sse.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const FIXTURE_DIR = join(import.meta.dir, "..", "fixtures", "cn");

export interface Fixture {
  status: number;
  contentType: string;
  body: Uint8Array;
}

/** `name@502.html` → status 502, text/html; `.sse` → event stream; `.json` → JSON. */
export function loadCnFixtures(dir: string = FIXTURE_DIR): Map<string, Fixture> {
  const fixtures = new Map<string, Fixture>();
  for (const file of readdirSync(dir)) {
    const match = /^([a-z0-9-]+)(?:@(\d{3}))?\.(sse|json|html)$/.exec(file);
    if (!match) continue;
    const [, name, status, ext] = match as unknown as [string, string, string | undefined, string];
    const contentType = ext === "sse" ? "text/event-stream;charset=UTF-8" : ext === "json" ? "application/json;charset=UTF-8" : "text/html;charset=UTF-8";
    fixtures.set(name, { status: status ? Number(status) : 200, contentType, body: readFileSync(join(dir, file)) });
  }
  return fixtures;
}

export interface FakeCall {
  path: string;
  headers: Record<string, string>;
  body: unknown;
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
  /** Overrides the reply for /dialog/conversation; return undefined to fall back to fixtures. */
  respond?: (body: Record<string, unknown>, headers: Headers) => Response | undefined;
  stop(): Promise<void>;
}

const directive = (text: string, key: string): string | undefined => new RegExp(`(?:^|[\\s;])${key}:([\\w@.-]+)`).exec(text)?.[1];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startFakeCnUpstream(options: { port?: number; hostname?: string } = {}): FakeCnUpstream {
  const fixtures = loadCnFixtures();
  const state: FakeCnUpstream = {
    url: "",
    port: 0,
    calls: [],
    deletedSessions: [],
    cancelledStreams: 0,
    respond: undefined,
    stop: async () => {
      await server.stop(true);
    },
  };

  const replay = (fixture: Fixture, chunkBytes: number, gapMs: number, silenceMs: number): Response => {
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
  };

  const drip = (intervalMs: number): Response => {
    let n = 0;
    let text = "";
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (n > 0) await sleep(intervalMs);
        n++;
        text += `${n} `;
        const event = { sessionId: "drip0000000000000000000000000000", msgStatus: "generating", contents: [{ role: "assistant", contentType: "text", content: text }] };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
      },
      cancel() {
        state.cancelledStreams++;
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  };

  const json = (value: unknown) => new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });

  const server = Bun.serve({
    port: options.port ?? 0,
    hostname: options.hostname ?? "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const text = await req.text();
      let body: unknown = undefined;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      state.calls.push({ path, headers: Object.fromEntries(req.headers), body });
      const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;

      if (path === "/dialog/session/delete") {
        if (typeof record.sessionId === "string") state.deletedSessions.push(record.sessionId);
        return json({ success: true, data: true });
      }
      if (path === "/dialog/session/list") return json({ success: true, data: [] });
      if (path === "/dialog/api/chat/config/getModelSeries") {
        const fixture = fixtures.get("model-series");
        return new Response(fixture?.body ?? "{}", { headers: { "content-type": "application/json" } });
      }
      if (path !== "/dialog/conversation") return new Response("not found", { status: 404 });

      const custom = state.respond?.(record, req.headers);
      if (custom) return custom;
      const contents = Array.isArray(record.contents) ? record.contents : [];
      const prompt = String((contents[0] as { content?: unknown } | undefined)?.content ?? "");
      const cookie = req.headers.get("cookie") ?? "";
      const pick = (key: string) => directive(cookie, key) ?? directive(prompt, key);
      const dripMs = pick("drip");
      if (dripMs !== undefined) return drip(Number(dripMs));
      const name = pick("fixture") ?? "plain";
      const fixture = fixtures.get(name);
      if (!fixture) return new Response(`no fixture ${name}`, { status: 500 });
      return replay(fixture, Number(pick("chunk") ?? 1 << 30), Number(pick("gap") ?? 0), Number(pick("silence") ?? 0));
    },
  });
  state.port = server.port as number;
  state.url = `http://127.0.0.1:${server.port}`;
  return state;
}

if (import.meta.main) {
  const fake = startFakeCnUpstream({ port: Number(process.env.FAKE_PORT ?? 8090) });
  console.log(`fake Qwen CN upstream on ${fake.url} (fixtures: ${[...loadCnFixtures().keys()].join(", ")})`);
}
