// A fake auth.qwen.ai for index.test.ts (UPSTREAMS-2026-11 §2.1): access tokens
// are JWTs with `iat` and `exp` that live `lifetimeSec` seconds; refresh
// tokens rotate, and one that was already used is refused, as upstream.
//
//   GET  /api/v2/auths/refresh   Cookie: refresh_token=<rt>  → {success, data:{access_token, refresh_token}}
//   POST /api/v2/auths/signin    {email, password: sha256 hex} → {success, data:{access_token}} + Set-Cookie refresh_token
//
// Like the real host it usually answers HTTP 200 and says what went wrong in
// `data.code` / `data.details`; `refreshAnswers` queues the other answers
// UPSTREAMS-2026-12 I1 lists (429 RateLimited, 403 Unauthorized, 令牌已撤销,
// Bad_Request, an HTML verification page), which spend nothing.

import { createHash, randomUUID } from "node:crypto";

export interface FakeAuthHost {
  url: string;
  /** Successful refreshes and sign-ins so far. */
  refreshes: number;
  signIns: number;
  /** Refresh requests that presented a token already spent: qwenplug must never send one. */
  reusedRefreshTokens: number;
  /** Requests refused for missing browser headers (x-request-origin, version, …). */
  badHeaderRequests: number;
  /** Sign-in bodies as received. */
  signInBodies: unknown[];
  /** Every access and refresh token handed out, for checks that none leaks. */
  issued: string[];
  /** Holds each refresh answer this long, so that concurrent callers overlap. */
  refreshDelayMs: number;
  /** Answers the next refresh requests get, first first, before the token is even looked at (nothing is spent). */
  refreshAnswers: Array<() => Response>;
  /** The refresh token each refresh request presented, in order. */
  presentedRefreshTokens: string[];
  /** Put into every access token's signature and refresh token issued from now on (e.g. "AwsC", an anti-bot marker). */
  tokenInfix: string;
  /** A fresh refresh token, as a user would copy from a browser. */
  issueRefreshToken(): string;
  /** A refresh request as qwenplug would send it; true when the host accepted the token. */
  tryRefresh(refreshToken: string): Promise<boolean>;
  /** Whether the chat host should accept this access token now. */
  isValid(token: string | undefined): boolean;
  /** The newest access token handed out. */
  newestToken(): string | undefined;
  stop(): Promise<void>;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

export function startFakeAuthHost(options: { lifetimeSec: number; email?: string; password?: string }): FakeAuthHost {
  const accessExpiry = new Map<string, number>();
  const liveRefreshTokens = new Set<string>();
  const spentRefreshTokens = new Set<string>();
  let serial = 0;

  const issueAccess = (): string => {
    serial++;
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + options.lifetimeSec;
    const token = `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url({ id: "user-1", iat, exp, n: serial })}.fake-SECRET-sig-${state.tokenInfix}${randomUUID()}`;
    accessExpiry.set(token, exp * 1000);
    state.issued.push(token);
    return token;
  };
  const issueRefresh = (): string => {
    const token = `rt-SECRET-${state.tokenInfix}${randomUUID()}`;
    liveRefreshTokens.add(token);
    state.issued.push(token);
    return token;
  };
  const answer = (body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { headers: { "content-type": "application/json", ...headers } });
  const refused = (code: string, details: string) => answer({ success: false, request_id: randomUUID(), data: { code, details } });
  const hasBrowserHeaders = (req: Request) =>
    ["x-request-origin", "origin", "version", "source", "timezone", "x-request-id"].every((name) => (req.headers.get(name) ?? "") !== "");

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (!hasBrowserHeaders(req)) {
        state.badHeaderRequests++;
        return refused("Bad_Request", "Missing origin");
      }
      if (path === "/api/v2/auths/refresh" && req.method === "GET") {
        const cookie = req.headers.get("cookie") ?? "";
        const presented = /(?:^|;\s*)refresh_token=([^;]+)/.exec(cookie)?.[1] ?? "";
        state.presentedRefreshTokens.push(presented);
        if (state.refreshDelayMs > 0) await Bun.sleep(state.refreshDelayMs);
        const canned = state.refreshAnswers.shift();
        if (canned !== undefined) return canned();
        if (spentRefreshTokens.has(presented)) {
          state.reusedRefreshTokens++;
          return refused("Unauthorized", "refresh token already used");
        }
        if (!liveRefreshTokens.has(presented)) return refused("Unauthorized", "401 Unauthorized");
        liveRefreshTokens.delete(presented);
        spentRefreshTokens.add(presented);
        state.refreshes++;
        return answer({ success: true, request_id: randomUUID(), data: { access_token: issueAccess(), refresh_token: issueRefresh() } });
      }
      if (path === "/api/v2/auths/signin" && req.method === "POST") {
        const body = (await req.json().catch(() => ({}))) as { email?: unknown; password?: unknown };
        state.signInBodies.push(body);
        if (options.email === undefined || body.email !== options.email || body.password !== sha256Hex(options.password ?? "")) {
          return refused("Unauthorized", "Incorrect email or password");
        }
        state.signIns++;
        return answer(
          { success: true, request_id: randomUUID(), data: { access_token: issueAccess(), token_type: "Bearer" } },
          { "set-cookie": `refresh_token=${issueRefresh()}; Path=/; Domain=.qwen.ai; HttpOnly; Secure; SameSite=Lax` },
        );
      }
      return refused("Not_Found", "not found");
    },
  });

  const state: FakeAuthHost = {
    url: `http://127.0.0.1:${server.port}`,
    refreshes: 0,
    signIns: 0,
    reusedRefreshTokens: 0,
    badHeaderRequests: 0,
    signInBodies: [],
    issued: [],
    refreshDelayMs: 0,
    refreshAnswers: [],
    presentedRefreshTokens: [],
    tokenInfix: "",
    issueRefreshToken: issueRefresh,
    async tryRefresh(refreshToken) {
      const response = await fetch(`${state.url}/api/v2/auths/refresh`, {
        headers: { cookie: `refresh_token=${refreshToken}`, "x-request-origin": "x", origin: "x", version: "0.3.12", source: "web", timezone: "x", "x-request-id": "x" },
      });
      return ((await response.json()) as { success?: boolean }).success === true;
    },
    isValid(token) {
      const expiry = token === undefined ? undefined : accessExpiry.get(token);
      return expiry !== undefined && Date.now() < expiry;
    },
    newestToken: () => [...accessExpiry.keys()].pop(),
    stop: async () => {
      await server.stop(true);
    },
  };
  return state;
}

const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** The refusals of UPSTREAMS-2026-12 I1, for `refreshAnswers`. */
export const AUTH_REFUSALS = {
  rateLimited: (retryAfter = "1") => () => jsonAnswer(429, { success: false, data: { code: "RateLimited" } }, { "retry-after": retryAfter }),
  unauthorized403: () => jsonAnswer(403, { data: { code: "Unauthorized" } }),
  revoked: () => jsonAnswer(200, { success: false, data: { code: "Unauthorized", details: "令牌已撤销，请重新登录" } }),
  badRequest: () => jsonAnswer(200, { success: false, data: { code: "Bad_Request", details: "Invalid request header" } }),
  htmlPage: () =>
    new Response("<!DOCTYPE html><html><head><title>Verify</title></head><body><div id=\"nocaptcha\"></div></body></html>", { status: 200, headers: { "content-type": "text/html" } }),
};
