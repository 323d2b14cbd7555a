// The push endpoints over real HTTP on 127.0.0.1: routing by secret path, source allow-lists,
// the body cap, slow and surplus clients, the replies each marketplace documents, and dispatch
// after the reply.
import { once } from "node:events";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { PushResult } from "../../src/bridge/push.ts";
import { sleep } from "../../src/bridge/sleep.ts";
import { parseAllowList } from "../../src/http/ip-allow-list.ts";
import {
  type HttpServerOptions,
  MAX_PUSH_BODY_BYTES,
  type RunningHttpServer,
  startHttpServer,
} from "../../src/http/server.ts";
import { ozonPush } from "../../src/providers/ozon/push.ts";
import { yandexPush } from "../../src/providers/yandex/push.ts";
import { waitFor } from "../support/wait-for.ts";

const SECRET = "s3cr3t-Push_path-0123456789";
const CHAT = "b646d975-0c9c-4872-9f41-8b1e57181063";

interface Setup {
  server: RunningHttpServer;
  base: string;
  dispatched: Array<{ marketplace: string; result: PushResult }>;
  logs: string[];
}

let running: RunningHttpServer | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(overrides: Partial<HttpServerOptions> = {}): Promise<Setup> {
  const dispatched: Setup["dispatched"] = [];
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString("utf8"));
      done();
    },
  });
  const server = await startHttpServer({
    port: 0,
    host: "127.0.0.1",
    pushSecret: SECRET,
    parsers: [yandexPush, ozonPush],
    allowLists: new Map(),
    trustProxy: false,
    receiver: { dispatch: (marketplace, result) => dispatched.push({ marketplace, result }) },
    log: pino({ level: "debug" }, sink),
    ...overrides,
  });
  running = server;
  return { server, base: `http://127.0.0.1:${server.port}`, dispatched, logs };
}

async function post(
  setup: Setup,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | undefined; json: unknown }> {
  const res = await request(`${setup.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.body.text();
  const contentType = res.headers["content-type"];
  return {
    status: res.statusCode,
    contentType: Array.isArray(contentType) ? contentType[0] : contentType,
    json: text === "" ? undefined : JSON.parse(text),
  };
}

const yandexPing = JSON.stringify({ notificationType: "PING", time: "2026-07-17T10:00:00Z" });
const ozonPing = JSON.stringify({ message_type: "TYPE_PING", time: "2019-08-24T14:15:22Z" });
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe("push server: Yandex", () => {
  it("answers PING on the registered URL and on its /notification form", async () => {
    const setup = await start();
    for (const path of [`/push/${SECRET}/yandex`, `/push/${SECRET}/yandex/notification`]) {
      const res = await post(setup, path, yandexPing);
      expect(res.status).toBe(200);
      expect(res.contentType).toBe("application/json");
      const body = res.json as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["name", "time", "version"]);
      expect(body.name).toBe("marketplace-chat-bridge");
      expect(body.time).toMatch(DATE_TIME);
    }
    expect(setup.dispatched.map((d) => d.result.event)).toEqual([
      { type: "ping" },
      { type: "ping" },
    ]);
  });

  it("acknowledges a new message and then dispatches chat_changed for the business", async () => {
    const setup = await start();
    const body = JSON.stringify({
      notificationType: "CHAT_MESSAGE_SENT",
      chatId: 12345,
      messageId: "987",
      businessId: 777,
      sentAt: "2026-07-17T10:00:00Z",
    });
    const res = await post(setup, `/push/${SECRET}/yandex`, body);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json as object).sort()).toEqual(["name", "time", "version"]);
    await waitFor(() => setup.dispatched.length === 1);
    expect(setup.dispatched[0]?.marketplace).toBe("yandex");
    expect(setup.dispatched[0]?.result.event).toEqual({ type: "chat_changed", chatId: "12345" });
    expect(setup.dispatched[0]?.result.accountKey).toBe("777");
  });

  it("answers 400 WRONG_EVENT_FORMAT to bodies it cannot read, dispatching nothing", async () => {
    const setup = await start();
    for (const body of [
      "{not json",
      "",
      "[]",
      JSON.stringify({ notificationType: "CHAT_CREATED" }),
    ]) {
      const res = await post(setup, `/push/${SECRET}/yandex`, body);
      expect(res.status, body).toBe(400);
      expect(res.contentType).toBe("application/json");
      const error = (res.json as { error: { type: string; message: unknown } }).error;
      expect(error.type).toBe("WRONG_EVENT_FORMAT");
      expect(typeof error.message).toBe("string");
    }
    expect(setup.dispatched).toEqual([]);
  });
});

describe("push server: Ozon", () => {
  it("answers TYPE_PING with version, name and time", async () => {
    const setup = await start();
    const res = await post(setup, `/push/${SECRET}/ozon`, ozonPing);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe("application/json");
    const body = res.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["name", "time", "version"]);
    expect(body.time).toMatch(DATE_TIME);
  });

  it("keeps 19-digit ids exact through the raw body and answers {result: true}", async () => {
    const setup = await start();
    // Bare numbers on purpose: JSON.parse would round them to ...7031900.
    const raw = `{"message_type":"TYPE_MESSAGE_READ","chat_id":"${CHAT}","chat_type":"BUYER_SELLER",
      "message_id":3000000000817031942,"user":{"id":"1","type":"Customer"},
      "last_read_message_id":3000000000817031943,"seller_id":1234567890123456789}`;
    const res = await post(setup, `/push/${SECRET}/ozon`, raw);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ result: true });
    await waitFor(() => setup.dispatched.length === 1);
    expect(setup.dispatched[0]?.result.event).toEqual({
      type: "read_by_buyer",
      chatId: CHAT,
      upToId: "3000000000817031943",
    });
    expect(setup.dispatched[0]?.result.accountKey).toBe("1234567890123456789");
  });

  it("dispatches the same event for a repeated push", async () => {
    const setup = await start();
    const body = JSON.stringify({
      message_type: "TYPE_NEW_MESSAGE",
      chat_id: CHAT,
      chat_type: "Buyer_Seller",
      message_id: "3000000000817031942",
      seller_id: "7",
    });
    await post(setup, `/push/${SECRET}/ozon`, body);
    await post(setup, `/push/${SECRET}/ozon`, body);
    await waitFor(() => setup.dispatched.length === 2);
    expect(setup.dispatched[1]).toEqual(setup.dispatched[0]);
    expect(setup.dispatched[0]?.result.event).toEqual({ type: "chat_changed", chatId: CHAT });
  });

  it("answers the documented error shapes to malformed bodies", async () => {
    const setup = await start();
    const notJson = await post(setup, `/push/${SECRET}/ozon`, "<xml/>");
    expect(notJson.status).toBe(400);
    expect(notJson.contentType).toBe("application/json");
    expect(notJson.json).toEqual({
      error: { code: "ERROR_UNKNOWN", message: expect.any(String), details: null },
    });
    const missing = await post(setup, `/push/${SECRET}/ozon`, JSON.stringify({ chat_id: CHAT }));
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({
      error: { code: "ERROR_PARAMETER_VALUE_MISSED", message: expect.any(String), details: null },
    });
    expect(setup.dispatched).toEqual([]);
  });

  it("does not serve Yandex's /notification form", async () => {
    const setup = await start();
    expect((await post(setup, `/push/${SECRET}/ozon/notification`, ozonPing)).status).toBe(404);
  });
});

describe("push server: routing and secrets", () => {
  it("answers 404 to a wrong secret or an unknown path and does no work", async () => {
    const setup = await start();
    const paths = [
      "/push/wrong/yandex",
      `/push/${SECRET}x/yandex`,
      `/push/${SECRET.slice(0, -1)}/ozon`,
      "/push//ozon",
      `/push/${SECRET}/wildberries`,
      `/push/${SECRET}/yandex/other`,
      `/push/${SECRET}/yandex/notification/x`,
      `/push/${SECRET}`,
      `/hook/${SECRET}/yandex`,
      "/",
    ];
    for (const path of paths) {
      const res = await post(setup, path, yandexPing);
      expect(res.status, path).toBe(404);
      expect(res.contentType).toBe("application/json");
    }
    expect(setup.dispatched).toEqual([]);
  });

  it("has no push routes without a secret", async () => {
    const setup = await start({ pushSecret: undefined });
    expect((await post(setup, "/push/undefined/yandex", yandexPing)).status).toBe(404);
    expect((await post(setup, "/push//yandex", yandexPing)).status).toBe(404);
    expect(setup.dispatched).toEqual([]);
  });

  it("accepts only POST", async () => {
    const setup = await start();
    const res = await request(`${setup.base}/push/${SECRET}/yandex`, { method: "GET" });
    await res.body.dump();
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe("POST");
    expect(res.headers["content-type"]).toBe("application/json");
    expect(setup.dispatched).toEqual([]);
  });

  it("ignores the query string", async () => {
    const setup = await start();
    expect((await post(setup, `/push/${SECRET}/yandex?x=1`, yandexPing)).status).toBe(200);
  });

  it("never logs the secret, and logs the marketplace and event type", async () => {
    const setup = await start();
    await post(setup, `/push/${SECRET}/yandex/notification?s=${SECRET}`, yandexPing);
    await post(setup, `/push/${SECRET}/ozon`, "{broken");
    await post(setup, `/push/${SECRET}x/ozon`, ozonPing);
    const get = await request(`${setup.base}/push/${SECRET}/ozon`, { method: "GET" });
    await get.body.dump();
    await waitFor(() => setup.logs.length >= 2);
    expect(setup.logs.join("\n")).not.toContain(SECRET);
    const received = setup.logs
      .map((line) => JSON.parse(line))
      .find((l) => l.msg === "push received");
    expect(received).toMatchObject({ marketplace: "yandex", event: "ping" });
  });

  it("serves extra routes next to the push routes", async () => {
    const setup = await start({
      routes: [
        {
          method: "GET",
          path: "/healthz",
          handle: () => ({ status: 200, body: '{"ok":true}', contentType: "application/json" }),
        },
      ],
    });
    const res = await request(`${setup.base}/healthz`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ ok: true });
    expect((await post(setup, "/healthz", "{}")).status).toBe(405);
  });
});

describe("push server: source allow-lists", () => {
  it("accepts a listed source and refuses others with 403 before any work", async () => {
    const allowed = await start({
      allowLists: new Map([["yandex", parseAllowList("127.0.0.0/8")]]),
    });
    expect((await post(allowed, `/push/${SECRET}/yandex`, yandexPing)).status).toBe(200);
    await allowed.server.close();

    const refused = await start({
      allowLists: new Map([["yandex", parseAllowList("5.45.207.0/25, 141.8.142.0/25")]]),
    });
    const res = await post(refused, `/push/${SECRET}/yandex`, yandexPing);
    expect(res.status).toBe(403);
    expect(res.contentType).toBe("application/json");
    // A wrong secret from outside gets the same answer, so outsiders cannot probe secrets.
    expect((await post(refused, "/push/guess/yandex", yandexPing)).status).toBe(403);
    // Lists are per marketplace: Ozon has none here.
    expect((await post(refused, `/push/${SECRET}/ozon`, ozonPing)).status).toBe(200);
    expect(refused.dispatched.map((d) => d.marketplace)).toEqual(["ozon"]);
  });

  it("ignores X-Forwarded-For unless the proxy is trusted", async () => {
    const allowLists = new Map([["ozon", parseAllowList("195.34.21.0/24")]]);
    const forwarded = { "x-forwarded-for": "195.34.21.10" };
    const direct = await start({ allowLists, trustProxy: false });
    expect((await post(direct, `/push/${SECRET}/ozon`, ozonPing, forwarded)).status).toBe(403);
    await direct.server.close();

    const proxied = await start({ allowLists, trustProxy: true });
    expect((await post(proxied, `/push/${SECRET}/ozon`, ozonPing, forwarded)).status).toBe(200);
    // Without the header the peer (127.0.0.1) counts.
    expect((await post(proxied, `/push/${SECRET}/ozon`, ozonPing)).status).toBe(403);
  });

  it("uses the right-most X-Forwarded-For entry, the one the proxy appended", async () => {
    const setup = await start({
      allowLists: new Map([["ozon", parseAllowList("195.34.21.0/24, 2001:db8::/32")]]),
      trustProxy: true,
    });
    const path = `/push/${SECRET}/ozon`;
    // A client can put anything on the left; only the proxy's own entry is trusted.
    const spoofed = { "x-forwarded-for": "195.34.21.10, 198.51.100.7" };
    expect((await post(setup, path, ozonPing, spoofed)).status).toBe(403);
    const real = { "x-forwarded-for": "198.51.100.7, 195.34.21.10" };
    expect((await post(setup, path, ozonPing, real)).status).toBe(200);
    const withPort = { "x-forwarded-for": "195.34.21.10:50312" };
    expect((await post(setup, path, ozonPing, withPort)).status).toBe(200);
    const mapped = { "x-forwarded-for": "::ffff:195.34.21.10" };
    expect((await post(setup, path, ozonPing, mapped)).status).toBe(200);
    for (const v6 of ["2001:db8::7", "[2001:db8::7]:50312", "[2001:db8::7]"]) {
      expect((await post(setup, path, ozonPing, { "x-forwarded-for": v6 })).status, v6).toBe(200);
    }
    const outsideV6 = { "x-forwarded-for": "[2001:db9::7]:50312" };
    expect((await post(setup, path, ozonPing, outsideV6)).status).toBe(403);
  });
});

describe("push server: body size", () => {
  it("refuses a declared oversized body with 413 without waiting for it", async () => {
    const setup = await start();
    const res = await rawPost(setup, `/push/${SECRET}/yandex`, {
      "content-type": "application/json",
      "content-length": String(MAX_PUSH_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(res.body)).toMatchObject({ error: { type: "WRONG_EVENT_FORMAT" } });
    expect(setup.dispatched).toEqual([]);
  });

  it("stops a chunked body once it passes the cap", async () => {
    const setup = await start({ maxBodyBytes: 64 * 1024 });
    const res = await rawPost(
      setup,
      `/push/${SECRET}/ozon`,
      { "content-type": "application/json" },
      {
        chunk: Buffer.alloc(16 * 1024, 0x20),
        maxChunks: 256,
      },
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "ERROR_UNKNOWN", details: null } });
    expect(setup.dispatched).toEqual([]);
  });

  it("accepts a body right at the cap", async () => {
    const setup = await start({ maxBodyBytes: 1024 });
    const body = ozonPing.padEnd(1024, " ");
    expect((await post(setup, `/push/${SECRET}/ozon`, body)).status).toBe(200);
  });
});

describe("push server: slow and surplus clients", () => {
  // Far below the ~28 s that slow clients used to get whatever the configured timeout said.
  const BOUND_MS = 10_000;

  it.each([
    {
      part: "headers",
      opening: `POST /push/${SECRET}/yandex HTTP/1.1\r\nhost: x\r\n`,
      more: "x-more: 1\r\n",
    },
    {
      part: "body",
      opening:
        `POST /push/${SECRET}/yandex HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
        `content-length: ${yandexPing.length + 1000}\r\n\r\n${yandexPing}`,
      more: " ",
    },
  ])(
    "cuts a client still sending its $part at the configured request timeout",
    async ({ opening, more }) => {
      const setup = await start({ requestTimeoutMs: 1_000 });
      const client = await rawConnect(setup);
      client.socket.write(opening);
      const drip = setInterval(() => client.socket.write(more), 100);
      try {
        expect(await closedWithin(client, BOUND_MS)).toBe(true);
      } finally {
        clearInterval(drip);
      }
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(setup.dispatched).toEqual([]);
    },
  );

  it("closes connections over the cap at once and serves again when one ends", async () => {
    const release = Promise.withResolvers<void>();
    let held = 0;
    const setup = await start({
      maxConnections: 2,
      routes: [
        {
          method: "GET",
          path: "/hold",
          handle: async () => {
            held++;
            await release.promise;
            return { status: 200, body: "{}", contentType: "application/json" };
          },
        },
      ],
    });
    const holders = [await rawConnect(setup), await rawConnect(setup)];
    for (const holder of holders) holder.socket.write("GET /hold HTTP/1.1\r\nhost: x\r\n\r\n");
    // Both requests reached the handler, so both connections count.
    await waitFor(() => held === 2);

    const surplus = await rawConnect(setup);
    expect(await closedWithin(surplus, BOUND_MS)).toBe(true);
    expect(surplus.received()).toBe("");
    expect(setup.logs.join("\n")).toContain("too many connections");

    release.resolve();
    for (const holder of holders) holder.socket.destroy();
    await waitFor(
      async () => (await post(setup, `/push/${SECRET}/yandex`, yandexPing)).status === 200,
    );
  });
});

interface RawClient {
  socket: Socket;
  /** Everything the server has sent so far. */
  received(): string;
  /** Settles when the connection is gone, whoever ended it. */
  closed: Promise<void>;
}

/** A bare TCP connection, to send a request as slowly or as partly as a test needs. */
async function rawConnect(setup: Setup): Promise<RawClient> {
  const socket = connect(setup.server.port, "127.0.0.1");
  let text = "";
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  // A reset or a write after the server hung up is just another way of being cut.
  socket.on("error", () => undefined);
  const closed = once(socket, "close").then(() => undefined);
  await once(socket, "connect");
  return { socket, received: () => text, closed };
}

async function closedWithin(client: RawClient, ms: number): Promise<boolean> {
  const stop = new AbortController();
  try {
    return await Promise.race([
      client.closed.then(() => true),
      sleep(ms, stop.signal).then(() => false),
    ]);
  } finally {
    stop.abort();
  }
}

/**
 * A POST that sends only headers (streaming: chunks until the answer comes), so a refusal can
 * be observed before the body would have been complete. Errors after the answer (the server
 * closing the connection mid-upload) are expected and ignored.
 */
function rawPost(
  setup: Setup,
  path: string,
  headers: Record<string, string>,
  stream?: { chunk: Buffer; maxChunks: number },
): Promise<{ status: number; headers: IncomingMessage["headers"]; body: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(`${setup.base}${path}`, { method: "POST", headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", () => undefined);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    req.flushHeaders();
    if (!stream) return;
    let sent = 0;
    const pump = (): void => {
      while (!answered && sent < stream.maxChunks) {
        sent++;
        if (!req.write(stream.chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      // All sent and no refusal yet: finish, so a missing cap fails fast instead of hanging.
      if (!answered) req.end();
    };
    pump();
  });
}
