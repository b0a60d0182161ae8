// Signing material under load (issue 18): one chat2 account behind qwenplug,
// the signed fake (bench/fake-chat2.ts) handing out SALTS salts per
// registration or refill, and INFLIGHT requests kept in flight for SECONDS.
// Prints answered/failed requests, device registrations, refills, salts
// presented twice, and the signatures refused.
//
//   bun bench/signing.ts [SECONDS=20] [INFLIGHT=10] [SALTS=100]
//
// qwenplug runs as `bun index.ts` in a child process (STATE_PATH=off), on
// loopback only; the loop is bounded by time and stops by itself.

import { join } from "node:path";
import { startFakeChat2Upstream } from "./fake-chat2";

const [seconds = 20, inFlight = 10, salts = 100] = process.argv.slice(2).map(Number);
const KEY = "sk-bench-signing-0123456789";
const fake = startFakeChat2Upstream();
fake.saltsPerRegistration = salts;
const port = 20_000 + Math.floor(Math.random() * 20_000);
const child = Bun.spawn([process.execPath, join(import.meta.dir, "..", "index.ts")], {
  env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", API_MASTER_KEY: KEY, STATE_PATH: "off", LOG_LEVEL: "silent", CN_PROTOCOL: "chat2", QWEN_CN_BASE_URL: fake.url, CN_ACCOUNT_1_COOKIE: "tongyi_sso_ticket=bench; tongyi_sso_ticket_hash=bench-hash" },
  stdout: "ignore",
  stderr: "inherit",
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    await Bun.sleep(25);
  }
  const body = JSON.stringify({ model: "qwen", messages: [{ role: "user", content: "hi" }] });
  const until = Date.now() + seconds * 1000;
  let answered = 0;
  let failed = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body });
      await response.arrayBuffer();
      if (response.ok) answered++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const presentedTwice = fake.refusals.filter((reason) => reason === "salt").length;
  console.log(`${seconds} s, ${inFlight} in flight, ${salts} salts per grant: ${answered} answered, ${failed} failed; ${fake.registrations} registration(s), ${fake.refills} refill(s); salts used ${fake.usedSalts.length}, distinct ${new Set(fake.usedSalts).size}; presented twice ${presentedTwice}; signatures refused ${fake.refusals.length}`);
} finally {
  child.kill();
  await fake.stop();
}
