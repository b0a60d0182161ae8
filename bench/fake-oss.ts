// A fake Alibaba OSS endpoint for the image-upload tests (UPSTREAMS-2026-11
// §3.1 step 2): path-style `PUT /{bucket}/{key}`, as qwenplug sends uploads
// when QWEN_INTL_OSS_URL is set. It verifies the V1 signature (HMAC-SHA1 over
// the documented string-to-sign) against the STS secret the INTL fake hands
// out, checks that a V4 request has the documented header shape, and keeps
// the bytes so a test can compare them with what the client sent. `GET` on
// the same path serves the bytes back (the fake's `file_url`).

import { createHmac } from "node:crypto";

/** The STS grant the INTL fake returns from getstsToken; the signature is checked with this secret. */
export const FAKE_STS = {
  accessKeyId: "STS.fakeAccessKeyId0001",
  accessKeySecret: "fake-oss-secret-0123456789",
  securityToken: "CAIS-fake-security-token-0123456789",
  bucket: "qwen-webui-prod",
  region: "oss-ap-southeast-1",
  endpoint: "oss-ap-southeast-1.aliyuncs.com",
};

export interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
  signing: "v1" | "v4";
}

export interface FakeOss {
  url: string;
  /** Uploads accepted, by `/{bucket}/{key}`. */
  objects: Map<string, StoredObject>;
  /** Why each refused PUT was refused. */
  rejections: string[];
  stop(): Promise<void>;
}

const ossError = (status: number, code: string) =>
  new Response(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>fake OSS</Message></Error>`, { status, headers: { "content-type": "application/xml" } });

/** The V1 string-to-sign, written out from Alibaba's documentation rather than shared with qwenplug's code. */
function v1StringToSign(req: Request, resource: string): string {
  const ossHeaders: string[] = [];
  req.headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith("x-oss-")) ossHeaders.push(`${name.toLowerCase()}:${value.trim()}`);
  });
  ossHeaders.sort();
  return [req.method, req.headers.get("content-md5") ?? "", req.headers.get("content-type") ?? "", req.headers.get("date") ?? ""].join("\n") + "\n" + ossHeaders.map((h) => `${h}\n`).join("") + resource;
}

/** `delayMs`: how long each PUT waits before it is answered (a slow upload); `secret`: verify with another secret than the one handed out. */
export function startFakeOss(options: { delayMs?: number; secret?: string } = {}): FakeOss {
  const state: FakeOss = { url: "", objects: new Map(), rejections: [], stop: async () => void (await server.stop(true)) };
  const reject = (why: string, code = "SignatureDoesNotMatch") => {
    state.rejections.push(why);
    return ossError(403, code);
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = decodeURIComponent(new URL(req.url).pathname);
      if (req.method === "GET") {
        const stored = state.objects.get(path);
        return stored ? new Response(stored.bytes, { headers: { "content-type": stored.contentType } }) : ossError(404, "NoSuchKey");
      }
      if (req.method !== "PUT") return ossError(405, "MethodNotAllowed");
      if (options.delayMs !== undefined) await Bun.sleep(options.delayMs);
      if (!path.startsWith(`/${FAKE_STS.bucket}/`)) return reject(`wrong bucket in ${path}`, "NoSuchBucket");
      if (req.headers.get("x-oss-security-token") !== FAKE_STS.securityToken) return reject("x-oss-security-token missing or wrong", "InvalidAccessKeyId");
      const auth = req.headers.get("authorization") ?? "";
      let signing: "v1" | "v4";
      if (auth.startsWith("OSS4-HMAC-SHA256 ")) {
        // Header shape only: Credential=<id>/<yyyymmdd>/<region>/oss/aliyun_v4_request, a hex Signature, x-oss-date, UNSIGNED-PAYLOAD.
        const match = /^OSS4-HMAC-SHA256 Credential=([^/,]+)\/(\d{8})\/([a-z0-9-]+)\/oss\/aliyun_v4_request,(?:AdditionalHeaders=[^,]*,)?Signature=([0-9a-f]{64})$/.exec(auth);
        if (!match) return reject(`V4 authorization has the wrong shape: ${auth.slice(0, 40)}`);
        if (match[1] !== FAKE_STS.accessKeyId) return reject("V4 credential names another key", "InvalidAccessKeyId");
        const date = req.headers.get("x-oss-date") ?? "";
        if (!/^\d{8}T\d{6}Z$/.test(date) || date.slice(0, 8) !== match[2]) return reject(`x-oss-date "${date}" does not match the credential scope`);
        if (req.headers.get("x-oss-content-sha256") !== "UNSIGNED-PAYLOAD") return reject("x-oss-content-sha256 is not UNSIGNED-PAYLOAD");
        if (match[3]?.startsWith("oss-")) return reject("V4 region must not carry the oss- prefix");
        signing = "v4";
      } else {
        const match = /^OSS ([^:]+):(.+)$/.exec(auth);
        if (!match) return reject("no OSS authorization header", "AccessDenied");
        if (match[1] !== FAKE_STS.accessKeyId) return reject("V1 authorization names another key", "InvalidAccessKeyId");
        if (Number.isNaN(Date.parse(req.headers.get("date") ?? ""))) return reject("V1 request without a Date header");
        const expected = createHmac("sha1", options.secret ?? FAKE_STS.accessKeySecret).update(v1StringToSign(req, path)).digest("base64");
        if (match[2] !== expected) return reject("V1 signature does not match");
        signing = "v1";
      }
      const bytes = new Uint8Array(await req.arrayBuffer());
      state.objects.set(path, { bytes, contentType: req.headers.get("content-type") ?? "", signing });
      return new Response(null, { status: 200, headers: { etag: `"${bytes.byteLength}"` } });
    },
  });
  state.url = `http://127.0.0.1:${server.port}`;
  return state;
}
