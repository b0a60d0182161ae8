// What the failover holdback costs: median time to first token through
// qwenplug with FAILOVER_HOLDBACK_CHARS=0 (off) and with the defaults (16
// characters or 300 ms), for chat.qwen.ai streams (the only ones held back)
// with two accounts, against the fake chat.qwen.ai sending its reply at once
// or in slow pieces. Run: bun bench/holdback.ts

import { loadConfig, startServer } from "../index";
import { startFakeIntlUpstream } from "./fake-upstream";

const REPEATS = 15;
const fake = startFakeIntlUpstream();

async function medianTtftMs(env: Record<string, string>, prompt: string): Promise<number> {
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    QWEN_INTL_BASE_URL: fake.url,
    INTL_ACCOUNT_1_TOKEN: "bench-token-1",
    INTL_ACCOUNT_2_TOKEN: "bench-token-2",
    LOG_LEVEL: "silent",
    ...env,
  });
  const { server } = startServer(config);
  const samples: number[] = [];
  try {
    for (let i = 0; i < REPEATS; i++) {
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${server.port}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "qwen3.7-plus", stream: true, messages: [{ role: "user", content: prompt }] }),
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let wire = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        wire += decoder.decode(value, { stream: true });
        // The first chunk with non-empty content is the first token.
        if (/"content":"[^"]/.test(wire)) {
          samples.push(performance.now() - started);
          break;
        }
      }
      await reader.cancel();
    }
  } finally {
    await server.stop(true);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

// plain.sse answers "Hi", then "!" (3 characters: held until the end or 300 ms);
// tricky.sse's first event alone has 16 characters (committed at once).
const cases: Array<[string, string]> = [
  ["short reply, whole", "fixture:plain"],
  ["short reply, 100-byte pieces 50 ms apart", "fixture:plain gap:50 chunk:100"],
  ["long first event, 100-byte pieces 50 ms apart", "fixture:tricky gap:50 chunk:100"],
];
console.log("| upstream pace | TTFT, holdback off | TTFT, default holdback |");
console.log("| --- | --- | --- |");
for (const [label, prompt] of cases) {
  const off = await medianTtftMs({ FAILOVER_HOLDBACK_CHARS: "0" }, prompt);
  const on = await medianTtftMs({}, prompt);
  console.log(`| ${label} | ${off.toFixed(1)} ms | ${on.toFixed(1)} ms |`);
}
await fake.stop();
