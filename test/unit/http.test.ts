import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HttpClient,
  type HttpClientOptions,
  jsonInteger,
  parseJsonLossless,
  parseRetryAfter,
} from "../../src/providers/http.ts";
import { failure, offlineAgent } from "../support/provider-http.ts";

const ORIGIN = "https://api.example.test";
const SECRET = "secret-key-0123456789";

let agent: MockAgent;

beforeEach(() => {
  agent = offlineAgent();
});

afterEach(async () => {
  await agent.close();
});

function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    name: "Test API",
    baseUrl: ORIGIN,
    headers: { "Api-Key": SECRET },
    dispatcher: agent,
    retry: { baseDelayMs: 0 },
    ...options,
  });
}

function calls(): number {
  return agent.getCallHistory()?.calls().length ?? 0;
}

describe("parseJsonLossless", () => {
  it("keeps 19- and 20-digit bare integers as exact digit strings", () => {
    const parsed = parseJsonLossless(
      '{"id":3000000000817031942,"ids":[30000000001280042740,-9007199254740993]}',
    );
    expect(parsed).toEqual({
      id: "3000000000817031942",
      ids: ["30000000001280042740", "-9007199254740993"],
    });
  });

  it("leaves safe integers, fractions, exponents and strings alone", () => {
    const parsed = parseJsonLossless(
      '{"a":12,"b":1.5,"c":1e300,"d":"3000000000817031942","e":9007199254740991}',
    );
    expect(parsed).toEqual({
      a: 12,
      b: 1.5,
      c: 1e300,
      d: "3000000000817031942",
      e: 9007199254740991,
    });
  });
});

describe("jsonInteger", () => {
  it("writes the digits as a bare JSON integer, exactly, without leading zeros", () => {
    const body = { id: jsonInteger("3000000000817031942"), small: jsonInteger("007") };
    expect(JSON.stringify(body)).toBe('{"id":3000000000817031942,"small":7}');
  });

  it("refuses anything but digits", () => {
    expect(() => jsonInteger("3e18")).toThrow(TypeError);
    expect(() => jsonInteger("0x1f")).toThrow(TypeError);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("HttpClient.json", () => {
  it("posts JSON with the default headers and parses the answer losslessly", async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: "/v1/thing", method: "POST" })
      .reply(200, '{"id":3000000000817031942}', {
        headers: { "content-type": "application/json" },
      });
    const result = await client().json({
      path: "/v1/thing",
      body: { from: "3000000000817031942" },
    });
    expect(result).toEqual({ id: "3000000000817031942" });
    const call = agent.getCallHistory()?.lastCall();
    expect(call?.body).toBe('{"from":"3000000000817031942"}');
    expect(call?.headers).toMatchObject({ "Api-Key": SECRET, "content-type": "application/json" });
  });

  it("returns undefined for an empty success body", async () => {
    agent.get(ORIGIN).intercept({ path: "/x", method: "POST" }).reply(204, "");
    expect(await client().json({ path: "/x" })).toBeUndefined();
  });

  it.each([
    [401, "auth"],
    [403, "forbidden"],
    [404, "not_found"],
    [400, "invalid"],
    [409, "invalid"],
    [413, "invalid"],
    [422, "invalid"],
    [500, "transient"],
    [503, "transient"],
  ])("maps HTTP %i to %s", async (status, kind) => {
    agent.get(ORIGIN).intercept({ path: "/x", method: "POST" }).reply(status, { message: "nope" });
    const error = await failure(client().json({ path: "/x" }));
    expect(error.kind).toBe(kind);
    expect(error.status).toBe(status);
    expect(error.message).toContain("nope");
  });

  it("takes the 403 message from the body", async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: "/x", method: "POST" })
      .reply(403, { errors: [{ code: "FORBIDDEN", message: "Access denied for this shop" }] });
    const error = await failure(client().json({ path: "/x" }));
    expect(error.kind).toBe("forbidden");
    expect(error.message).toContain("Access denied for this shop");
  });

  it("reads Retry-After on 429, in seconds or as a date", async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: "/s", method: "POST" })
      .reply(429, "", { headers: { "retry-after": "7" } });
    const date = new Date(Date.now() + 3_600_000).toUTCString();
    pool
      .intercept({ path: "/d", method: "POST" })
      .reply(429, "", { headers: { "retry-after": date } });
    pool.intercept({ path: "/n", method: "POST" }).reply(429, "");
    const seconds = await failure(client().json({ path: "/s" }));
    expect(seconds.kind).toBe("rate_limited");
    expect(seconds.retryAfterMs).toBe(7000);
    const dated = await failure(client().json({ path: "/d" }));
    expect(dated.retryAfterMs).toBeGreaterThan(60_000);
    const bare = await failure(client().json({ path: "/n" }));
    expect(bare.retryAfterMs).toBeGreaterThan(0);
  });

  it("treats caller-listed statuses as rate limits and uses the caller's header parser", async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: "/x", method: "POST" })
      .reply(420, { status: "ERROR" }, { headers: { "x-wait": "42" } });
    const http = client({
      rateLimitStatuses: [420],
      retryAfterMs: (headers) => Number(headers["x-wait"]) * 1000,
    });
    const error = await failure(http.json({ path: "/x" }));
    expect(error.kind).toBe("rate_limited");
    expect(error.retryAfterMs).toBe(42_000);
  });

  it("lets a marketplace describe its own errors", async () => {
    agent.get(ORIGIN).intercept({ path: "/x", method: "POST" }).reply(400, { code: 8 });
    const http = client({
      describeError: (_status, body) =>
        (body as { code?: number }).code === 8
          ? { kind: "rate_limited", message: "slow down", retryAfterMs: 5 }
          : undefined,
    });
    const error = await failure(http.json({ path: "/x" }));
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 5 });
    expect(error.message).toContain("slow down");
  });

  it("reports truncated JSON in a 200 as transient", async () => {
    agent.get(ORIGIN).intercept({ path: "/x", method: "POST" }).reply(200, '{"chats":[{"chat');
    const error = await failure(client().json({ path: "/x" }));
    expect(error.kind).toBe("transient");
    expect(error.message).toContain("malformed JSON");
  });

  it("reports a connection reset as transient", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    agent.get(ORIGIN).intercept({ path: "/x", method: "POST" }).replyWithError(reset);
    const error = await failure(client().json({ path: "/x" }));
    expect(error.kind).toBe("transient");
    expect(error.message).toContain("ECONNRESET");
  });

  it("never puts header values into messages, even when the body echoes them", async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: "/x", method: "POST" })
      .reply(401, { message: `Invalid Api-Key ${SECRET}` });
    const error = await failure(client().json({ path: "/x" }));
    expect(error.kind).toBe("auth");
    expect(error.message).not.toContain(SECRET);
    expect(error.message).toContain("Invalid Api-Key");
  });

  it("retries idempotent reads on transient failures", async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: "/x", method: "POST" }).reply(502, "bad gateway");
    pool.intercept({ path: "/x", method: "POST" }).reply(200, { ok: true });
    expect(await client().json({ path: "/x", idempotent: true })).toEqual({ ok: true });
    expect(calls()).toBe(2);
  });

  it("gives up after the configured attempts", async () => {
    agent.get(ORIGIN).intercept({ path: "/x", method: "POST" }).reply(500, "").times(3);
    const error = await failure(client().json({ path: "/x", idempotent: true }));
    expect(error.kind).toBe("transient");
    expect(calls()).toBe(3);
  });

  it("never retries non-idempotent calls", async () => {
    agent.get(ORIGIN).intercept({ path: "/x", method: "POST" }).reply(500, "");
    await failure(client().json({ path: "/x" }));
    expect(calls()).toBe(1);
  });

  it("honours a short rate-limit wait and refuses one above the cap", async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: "/x", method: "POST" })
      .reply(429, "", { headers: { "retry-after": "0" } });
    pool.intercept({ path: "/x", method: "POST" }).reply(200, { ok: 1 });
    expect(await client().json({ path: "/x", idempotent: true })).toEqual({ ok: 1 });
    pool
      .intercept({ path: "/y", method: "POST" })
      .reply(429, "", { headers: { "retry-after": "120" } });
    const error = await failure(client().json({ path: "/y", idempotent: true }));
    expect(error.retryAfterMs).toBe(120_000);
    expect(calls()).toBe(3);
  });

  it("does not retry invalid requests", async () => {
    agent.get(ORIGIN).intercept({ path: "/x", method: "POST" }).reply(400, { message: "bad" });
    await failure(client().json({ path: "/x", idempotent: true }));
    expect(calls()).toBe(1);
  });

  it("reports a missed deadline as transient", async () => {
    agent.get(ORIGIN).intercept({ path: "/x", method: "POST" }).reply(200, "{}").delay(1000);
    const error = await failure(client({ timeoutMs: 20 }).json({ path: "/x" }));
    expect(error.kind).toBe("transient");
    expect(error.message).toContain("timed out");
  });

  it("rethrows the caller's abort reason instead of a ProviderError", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    controller.abort(reason);
    await expect(client().json({ path: "/x", signal: controller.signal })).rejects.toBe(reason);
  });

  it("stops waiting to retry when the caller aborts, with the caller's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    agent
      .get(ORIGIN)
      .intercept({ path: "/x", method: "POST" })
      .reply(() => {
        // Aborted once the failed answer is in, so the client is in (or about to be in) its
        // hour-long wait before the second attempt.
        setImmediate(() => controller.abort(reason));
        return { statusCode: 503, data: "" };
      });
    const http = client({ retry: { baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 } });
    await expect(
      http.json({ path: "/x", idempotent: true, signal: controller.signal }),
    ).rejects.toBe(reason);
    expect(calls()).toBe(1);
  });

  it("sends GET query parameters", async () => {
    agent.get(ORIGIN).intercept({ path: "/chat?chatId=5", method: "GET" }).reply(200, { ok: true });
    expect(await client().json({ method: "GET", path: "/chat", query: { chatId: "5" } })).toEqual({
      ok: true,
    });
  });
});

describe("HttpClient concurrency limit", () => {
  let server: Server;
  let active = 0;
  let peak = 0;

  beforeEach(async () => {
    active = 0;
    peak = 0;
    server = createServer((_req, res) => {
      active++;
      peak = Math.max(peak, active);
      res.on("finish", () => active--);
      setTimeout(() => res.end('{"ok":true}'), 5);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("keeps at most maxInFlight requests open", async () => {
    const { port } = server.address() as AddressInfo;
    const http = new HttpClient({
      name: "Local",
      baseUrl: `http://127.0.0.1:${port}`,
      maxInFlight: 2,
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => http.json({ method: "GET", path: "/" })),
    );
    await http.close();
    expect(results).toHaveLength(8);
    expect(peak).toBeLessThanOrEqual(2);
  });
});

describe("HttpClient.downloadFile", () => {
  const FILES = "https://files.example.test";
  const FOREIGN = "https://cdn.elsewhere.test";
  const auth = { "Api-Key": SECRET };
  const options = {
    allowedHosts: (host: string) => host === "files.example.test",
    authHeaders: auth,
    maxBytes: 1000,
  };

  function headersOf(n: number): Record<string, unknown> {
    return (agent.getCallHistory()?.nthCall(n)?.headers ?? {}) as Record<string, unknown>;
  }

  it("returns bytes, type and the name from Content-Disposition", async () => {
    agent
      .get(FILES)
      .intercept({ path: "/f/1", method: "GET" })
      .reply(200, Buffer.from("hello"), {
        headers: {
          "content-type": "text/plain; charset=utf-8",
          "content-disposition":
            "attachment; filename=\"x.txt\"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.txt",
        },
      });
    const file = await client().downloadFile(`${FILES}/f/1`, options);
    expect(Buffer.from(file.bytes).toString()).toBe("hello");
    expect(file.mime).toBe("text/plain");
    expect(file.nameFromHeaders).toBe("отчёт.txt");
    expect(headersOf(1)).toMatchObject(auth);
  });

  it.each([
    [
      "a broken filename* falls back to filename",
      "attachment; filename*=UTF-8''%E0%A4%A.txt; filename=\"fallback.txt\"",
      "fallback.txt",
    ],
    [
      "an unknown charset falls back to filename",
      "attachment; filename*=KOI8-R''%F3.txt; filename=\"x.txt\"",
      "x.txt",
    ],
    ["ISO-8859-1 is decoded", "attachment; filename*=ISO-8859-1''caf%E9.txt", "café.txt"],
    ["an escaped quote is kept", 'attachment; filename="a \\"b\\".pdf"', 'a "b".pdf'],
    ["garbage gives no name", ";;=\"; filename*=''", undefined],
    ["an empty name is no name", 'attachment; filename=""', undefined],
  ])("reads Content-Disposition: %s, without failing the download", async (_, header, name) => {
    agent
      .get(FILES)
      .intercept({ path: "/f/1", method: "GET" })
      .reply(200, "ok", { headers: { "content-disposition": header } });
    const file = await client().downloadFile(`${FILES}/f/1`, options);
    expect(Buffer.from(file.bytes).toString()).toBe("ok");
    expect(file.nameFromHeaders).toBe(name);
  });

  it("sends credentials to allowed hosts only, across redirects", async () => {
    agent
      .get(FILES)
      .intercept({ path: "/f/1", method: "GET" })
      .reply(302, "", { headers: { location: `${FOREIGN}/blob/1` } });
    agent
      .get(FOREIGN)
      .intercept({ path: "/blob/1", method: "GET" })
      .reply(302, "", { headers: { location: `${FILES}/f/2` } });
    agent.get(FILES).intercept({ path: "/f/2", method: "GET" }).reply(200, "ok");
    const file = await client().downloadFile(`${FILES}/f/1`, options);
    expect(Buffer.from(file.bytes).toString()).toBe("ok");
    expect(headersOf(1)).toMatchObject(auth);
    expect(headersOf(2)).not.toHaveProperty("Api-Key");
    expect(JSON.stringify(headersOf(2))).not.toContain(SECRET);
    expect(headersOf(3)).toMatchObject(auth);
  });

  it("drops credentials when a redirect downgrades https to http", async () => {
    agent
      .get(FILES)
      .intercept({ path: "/f/1", method: "GET" })
      .reply(301, "", { headers: { location: "http://files.example.test/f/1" } });
    agent
      .get("http://files.example.test")
      .intercept({ path: "/f/1", method: "GET" })
      .reply(200, "ok");
    await client().downloadFile(`${FILES}/f/1`, options);
    expect(headersOf(2)).not.toHaveProperty("Api-Key");
  });

  it("never sends the client's default headers", async () => {
    agent.get(FOREIGN).intercept({ path: "/x", method: "GET" }).reply(200, "ok");
    await client().downloadFile(`${FOREIGN}/x`, options);
    expect(JSON.stringify(headersOf(1))).not.toContain(SECRET);
  });

  it("stops after maxRedirects", async () => {
    agent
      .get(FILES)
      .intercept({ path: "/loop", method: "GET" })
      .reply(302, "", { headers: { location: "/loop" } })
      .persist();
    const error = await failure(
      client().downloadFile(`${FILES}/loop`, { ...options, maxRedirects: 2 }),
    );
    expect(error.kind).toBe("invalid");
    expect(error.message).toContain("redirects");
    expect(calls()).toBe(3);
  });

  it("refuses a declared size over the cap before reading", async () => {
    agent
      .get(FILES)
      .intercept({ path: "/big", method: "GET" })
      // Declared size alone must trip the cap: the body itself would fit.
      .reply(200, Buffer.alloc(10), { headers: { "content-length": "5000" } });
    const error = await failure(client().downloadFile(`${FILES}/big`, options));
    expect(error.kind).toBe("invalid");
    expect(error.message).toContain("file too large");
  });

  it("counts streamed bytes when no size is declared", async () => {
    agent.get(FILES).intercept({ path: "/big", method: "GET" }).reply(200, Buffer.alloc(2000));
    const error = await failure(client().downloadFile(`${FILES}/big`, options));
    expect(error.kind).toBe("invalid");
    expect(error.message).toContain("file too large");
  });

  it("refuses non-http URLs without a request", async () => {
    const error = await failure(client().downloadFile("file:///etc/passwd", options));
    expect(error.kind).toBe("invalid");
    expect(calls()).toBe(0);
  });

  it("maps error statuses like JSON calls", async () => {
    agent.get(FILES).intercept({ path: "/gone", method: "GET" }).reply(404, "no such file");
    const error = await failure(client().downloadFile(`${FILES}/gone`, options));
    expect(error.kind).toBe("not_found");
  });
});
