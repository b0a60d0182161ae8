// Responses API vs chat completions on the same gateway and fake upstream:
// time to the first text delta and to the end of the stream, serial requests,
// alternating the two dialects so drift hits both alike (issue 13: the new
// dialect should add no measurable cost).
//
//   bun bench/dialects.ts [requests per dialect, default 400]

import { startFakeCnUpstream } from "./fake-upstream";
import { loadConfig, startServer } from "../index";

const COUNT = Number(process.argv[2] ?? 400);
const fake = startFakeCnUpstream();
const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", QWEN_CN_BASE_URL: fake.url, CN_PROTOCOL: "dialog", QWEN_INTL_BASE_URL: "http://127.0.0.1:9", CN_ACCOUNT_1_COOKIE: "tongyi_sso_ticket=bench-ticket-0123456789abcdef", LOG_LEVEL: "silent" });
const { server } = startServer(config);
const base = `http://127.0.0.1:${server.port}`;

const DIALECTS = {
  chat: { path: "/v1/chat/completions", body: { model: "qwen-max", stream: true, messages: [{ role: "user", content: "fixture:plain" }] }, firstText: '"content":"你' },
  responses: { path: "/v1/responses", body: { model: "qwen-max", stream: true, input: "fixture:plain" }, firstText: "response.output_text.delta" },
} as const;

async function once(kind: keyof typeof DIALECTS): Promise<{ ttft: number; total: number }> {
  const { path, body, firstText } = DIALECTS[kind];
  const started = performance.now();
  const response = await fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let seen = "";
  let ttft = Number.NaN;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += decoder.decode(value, { stream: true });
    if (Number.isNaN(ttft) && seen.includes(firstText)) ttft = performance.now() - started;
  }
  if (Number.isNaN(ttft)) throw new Error(`${kind}: no text in ${seen.slice(0, 200)}`);
  return { ttft, total: performance.now() - started };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;
const samples = { chat: { ttft: [] as number[], total: [] as number[] }, responses: { ttft: [] as number[], total: [] as number[] } };
for (let i = 0; i < 50; i++) for (const kind of ["chat", "responses"] as const) await once(kind); // warm-up
for (let i = 0; i < COUNT; i++) {
  for (const kind of i % 2 === 0 ? (["chat", "responses"] as const) : (["responses", "chat"] as const)) {
    const { ttft, total } = await once(kind);
    samples[kind].ttft.push(ttft);
    samples[kind].total.push(total);
  }
}
for (const kind of ["chat", "responses"] as const) {
  const s = samples[kind];
  console.log(`${kind.padEnd(9)} n=${s.ttft.length} ttft p50 ${pct(s.ttft, 0.5).toFixed(2)} ms p95 ${pct(s.ttft, 0.95).toFixed(2)} ms · total p50 ${pct(s.total, 0.5).toFixed(2)} ms p95 ${pct(s.total, 0.95).toFixed(2)} ms`);
}
await server.stop(true);
await fake.stop();
