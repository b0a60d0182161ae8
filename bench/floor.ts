// The runtime floor under qwenplug's per-request figures: a bare relay that
// makes the same upstream calls qwenplug makes for one chat, and nothing else.
//
//   PORT=… FLOOR_DIALOG_URL=… FLOOR_CHAT2_URL=… FLOOR_INTL_URL=… bun bench/floor.ts
//
// bench/run.ts starts it beside the qwenplugs of its latency section and sends
// it the requests its direct client sends to each fake upstream, in that fake's
// own dialect. Per request it:
//   /dialog     POST /dialog/conversation, the reply passed through; then the
//               session delete (POST /dialog/session/delete)
//   chat2       POST /api/v2/chat, passed through; then the single-session delete
//               (POST /api/v1/session/delete, with the page query)
//   chat.qwen.ai  POST /api/v2/chats/new, then /api/v2/chat/completions with
//               that chat's id, passed through; then DELETE /api/v2/chats/<id>
// so it pays what Bun charges for serving one streamed reply and making those
// calls (2 for the mainland protocols, 3 for chat.qwen.ai), with no validation,
// no pool, no signing, no SSE parsing and no re-encoding. The bytes it relays
// are the fake's, unchanged; it only reads the upstream body chunk by chunk to
// know when the reply ends, as any relay that cleans up after a reply must.
// It prints "listening on <port>" once it serves.

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`bench/floor.ts needs ${name}`);
  return value.replace(/\/+$/, "");
};
const dialogUrl = env("FLOOR_DIALOG_URL");
const chat2Url = env("FLOOR_CHAT2_URL");
const intlUrl = env("FLOOR_INTL_URL");

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

const randomHex32 = () => crypto.randomUUID().replaceAll("-", "");

/** The upstream reply's body relayed unchanged; `after` runs (not awaited) once it has ended. */
function relay(upstream: Response, after: () => Promise<unknown>): Response {
  if (upstream.body === null) return new Response(null, { status: upstream.status });
  const reader = upstream.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const read = await reader.read();
      if (read.done) {
        controller.close();
        after().catch(() => {});
      } else controller.enqueue(read.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: upstream.status, headers: SSE_HEADERS });
}

/** An answer read to its end and dropped (a clean-up call's). */
const drain = (response: Promise<Response>) => response.then((r) => r.arrayBuffer());

/** The /dialog session delete, its answer drained. */
const deleteDialogSession = (signal?: AbortSignal) => drain(fetch(`${dialogUrl}/dialog/session/delete`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ sessionId: randomHex32() }), signal }));

async function dialog(req: Request): Promise<Response> {
  if (ABORT_CHAIN) return dialogWithAbortChain(req);
  const upstream = await fetch(`${dialogUrl}/dialog/conversation`, { method: "POST", headers: req.headers, body: await req.text() });
  return relay(upstream, () => deleteDialogSession());
}

/**
 * FLOOR_ABORT_CHAIN=1 (/dialog only): the same calls with the abort plumbing
 * a qwenplug chat had before 752bbba, an AbortController per stage (the
 * run, the attempt, the watchdog, the clean-up grace, then the delete's),
 * each aborting the next from an "abort" listener, the watchdog's two timers,
 * and the fetches given the last signals. What that costs the runtime, A/B:
 * `bun bench/ab.ts --floor --baseline-env=FLOOR_ABORT_CHAIN=1`.
 */
const ABORT_CHAIN = process.env.FLOOR_ABORT_CHAIN === "1";

function linked(parent: AbortSignal) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return { controller, signal: controller.signal, unlink: () => parent.removeEventListener("abort", onAbort) };
}

async function dialogWithAbortChain(req: Request): Promise<Response> {
  const run = linked(req.signal);
  const attempt = linked(run.signal);
  const watchdog = linked(attempt.signal);
  const grace = linked(watchdog.signal);
  const phase = setTimeout(() => watchdog.controller.abort(), 60_000);
  const total = setTimeout(() => watchdog.controller.abort(), 120_000);
  const upstream = await fetch(`${dialogUrl}/dialog/conversation`, { method: "POST", headers: req.headers, body: await req.text(), signal: grace.signal });
  return relay(upstream, async () => {
    clearTimeout(phase);
    clearTimeout(total);
    for (const stage of [grace, watchdog, attempt]) stage.unlink();
    const cleanup = linked(run.signal);
    await deleteDialogSession(cleanup.signal);
    cleanup.unlink();
    run.unlink();
  });
}

async function chat2(req: Request, search: string): Promise<Response> {
  const upstream = await fetch(`${chat2Url}/api/v2/chat${search}`, { method: "POST", headers: req.headers, body: await req.text() });
  return relay(upstream, () => drain(fetch(`${chat2Url}/api/v1/session/delete${search}`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ session_id: randomHex32(), biz_id: "ai_qwen" }) })));
}

async function intl(req: Request): Promise<Response> {
  const body = await req.text();
  const created = (await (await fetch(`${intlUrl}/api/v2/chats/new`, { method: "POST", headers: JSON_HEADERS, body: '{"title":"New Chat","models":["qwen3.7-max"],"chat_mode":"normal","chat_type":"t2t"}' })).json()) as { data?: { id?: string } };
  const chatId = created.data?.id ?? "bench";
  const upstream = await fetch(`${intlUrl}/api/v2/chat/completions?chat_id=${chatId}`, { method: "POST", headers: req.headers, body });
  return relay(upstream, () => drain(fetch(`${intlUrl}/api/v2/chats/${chatId}`, { method: "DELETE" })));
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  idleTimeout: 0,
  fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/dialog/conversation") return dialog(req);
    if (url.pathname === "/api/v2/chat") return chat2(req, url.search);
    if (url.pathname === "/api/v2/chat/completions") return intl(req);
    return new Response("not found", { status: 404 });
  },
});
console.log(`listening on ${server.port}`);
// An exit, not a kill, on SIGTERM: Bun writes a --cpu-prof profile only when the process exits.
process.on("SIGTERM", () => process.exit(0));
