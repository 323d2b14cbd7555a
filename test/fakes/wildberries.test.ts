import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Reply, rawRequest } from "../support/raw-http.ts";
import type { FakeWildberriesOptions } from "./wildberries.ts";
import { FakeWildberries, parseMultipart } from "./wildberries.ts";

// The chat subset of WB's spec: every answer below is checked against it.
const SPEC_PATH = join(
  import.meta.dirname,
  "..",
  "contract",
  "wildberries-buyers-chat-subset.json",
);
const SPEC = JSON.parse(readFileSync(SPEC_PATH, "utf8")) as {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { responses: Record<string, unknown> };
};

const TOKEN = "eyJhbGciOiJFUzI1NiIsImtpZCI6IjIwMjUwOTA0djEiLCJ0eXAiOiJKV1QifQ.chat.sig";
const CONTENT_TOKEN = "eyJhbGciOiJFUzI1NiJ9.content-only.sig";
const BASIC_TOKEN = "eyJhbGciOiJFUzI1NiJ9.basic.sig";
const AUTH = { authorization: TOKEN };
const T0 = Date.parse("2026-03-02T09:00:00.000Z");

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 7)]);
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(40, 3),
]);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "latin1");
const GIF = Buffer.from("GIF89a\x01\x00\x01\x00", "latin1");

let now = T0;
let fake: FakeWildberries;

async function restart(options: Partial<FakeWildberriesOptions> = {}): Promise<void> {
  await fake?.stop();
  now = T0;
  fake = new FakeWildberries({
    token: TOKEN,
    tokens: [
      { token: CONTENT_TOKEN, categories: ["content"] },
      { token: BASIC_TOKEN, type: "basic" },
    ],
    now: () => new Date(now),
    ...options,
  });
  await fake.start();
}

beforeEach(async () => {
  await restart();
});

afterEach(async () => {
  await fake.stop();
});

// --- response validation against the spec ----------------------------------------------------

const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
ajv.addFormat("binary", true);
// The spec's own formats for ms timestamps ("Unix timestamp", "Unix Timestamp в миллисекундах"):
// checked to be ms-sized, as every example is (ref §6, §10).
const msTimestamp = { type: "number" as const, validate: (v: number) => v > 1e12 && v < 1e14 };
ajv.addFormat("Unix timestamp", msTimestamp);
ajv.addFormat("Unix Timestamp в миллисекундах", msTimestamp);
ajv.addSchema(SPEC, "wb");

function pointer(segments: string[]): string {
  return segments
    .map((s) => encodeURIComponent(s.replace(/~/g, "~0").replace(/\//g, "~1")))
    .join("/");
}

/**
 * Checks that the spec documents `reply.status` for the operation, with the reply's media type,
 * and that the body validates against that response's schema.
 */
function expectDocumented(template: string, method: string, reply: Reply): void {
  const operation = SPEC.paths[template]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} in the spec`).toBeDefined();
  let base = ["paths", template, method.toLowerCase(), "responses", String(reply.status)];
  let response = operation?.responses[String(reply.status)] as Record<string, unknown> | undefined;
  expect(response, `${reply.status} documented for ${method} ${template}`).toBeDefined();
  const ref = typeof response?.$ref === "string" ? response.$ref : undefined;
  if (ref !== undefined) {
    const name = ref.split("/").at(-1) ?? "";
    base = ["components", "responses", name];
    response = SPEC.components.responses[name] as Record<string, unknown>;
  }
  const content = response?.content as Record<string, unknown>;
  const media = String(reply.headers["content-type"] ?? "")
    .split(";")[0]
    ?.trim() as string;
  expect(Object.keys(content), `media types of ${reply.status}`).toContain(media);
  if (!media.includes("json")) return;
  const validate = ajv.getSchema(`wb#/${pointer([...base, "content", media, "schema"])}`);
  expect(validate).toBeDefined();
  const valid = validate?.(reply.json);
  expect(validate?.errors ?? [], JSON.stringify(reply.json)).toEqual([]);
  expect(valid).toBe(true);
}

const PING_SCHEMA = ajv.compile({
  type: "object",
  required: ["TS", "Status"],
  properties: { TS: { type: "string", format: "date-time" }, Status: { const: "OK" } },
  additionalProperties: false,
});

// --- HTTP helpers ----------------------------------------------------------------------------

const CHATS = "/api/v1/seller/chats";
const EVENTS = "/api/v1/seller/events";
const MESSAGE = "/api/v1/seller/message";
const DOWNLOAD = "/api/v1/seller/download/{id}";

async function get(
  path: string,
  query: Record<string, string | number> = {},
  headers: Record<string, string> = AUTH,
): Promise<Reply> {
  const search = new URLSearchParams(
    Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  return rawRequest(`${fake.url}${path}${search === "" ? "" : `?${search}`}`, {
    method: "GET",
    headers,
  });
}

async function events(next?: number | string): Promise<Reply> {
  const reply = await get(EVENTS, next === undefined ? {} : { next });
  expectDocumented(EVENTS, "GET", reply);
  return reply;
}

async function chats(): Promise<Reply> {
  const reply = await get(CHATS);
  expectDocumented(CHATS, "GET", reply);
  return reply;
}

// Serialised by the WHATWG encoder (what fetch sends) and posted as bytes (see yandex.test.ts:
// undici's FormData handed to request() hangs in this ESM project).
async function encode(data: FormData): Promise<{ body: Buffer; contentType: string }> {
  const encoded = new Response(data);
  return {
    body: Buffer.from(await encoded.arrayBuffer()),
    contentType: encoded.headers.get("content-type") ?? "",
  };
}

async function post(
  body: Buffer | string,
  contentType: string,
  headers: Record<string, string> = AUTH,
): Promise<Reply> {
  const res = await request(`${fake.url}${MESSAGE}`, {
    method: "POST",
    headers: { ...headers, "content-type": contentType },
    body,
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

interface FileSpec {
  bytes: Buffer;
  name: string;
  type?: string;
}

async function send(
  replySign: string | undefined,
  message?: string,
  files: FileSpec[] = [],
): Promise<Reply> {
  const data = new FormData();
  if (replySign !== undefined) data.append("replySign", replySign);
  if (message !== undefined) data.append("message", message);
  for (const f of files) {
    data.append("file", new Blob([f.bytes], { type: f.type ?? "" }), f.name);
  }
  const { body, contentType } = await encode(data);
  const reply = await post(body, contentType);
  if (reply.status !== 429) expectDocumented(MESSAGE, "POST", reply);
  return reply;
}

/** A multipart body written by hand, for shapes FormData cannot produce. */
function handMade(parts: { headers: string; body: Buffer | string }[]): {
  body: Buffer;
  contentType: string;
} {
  const boundary = "----wbfake7MA4YWxkTrZu0gW";
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${part.headers}\r\n\r\n`, "utf8"));
    chunks.push(typeof part.body === "string" ? Buffer.from(part.body, "utf8") : part.body);
    chunks.push(Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function download(id: string, headers: Record<string, string> = AUTH): Promise<Reply> {
  const reply = await get(`/api/v1/seller/download/${encodeURIComponent(id)}`, {}, headers);
  if (reply.status !== 429) expectDocumented(DOWNLOAD, "GET", reply);
  return reply;
}

async function downloadBytes(id: string): Promise<{ status: number; type: string; bytes: Buffer }> {
  const res = await request(`${fake.url}/api/v1/seller/download/${id}`, { headers: AUTH });
  return {
    status: res.statusCode,
    type: String(res.headers["content-type"]),
    bytes: Buffer.from(await res.body.arrayBuffer()),
  };
}

interface WbEvent {
  chatID: string;
  eventID: string;
  isNewChat?: boolean;
  replySign?: string;
  sender: string;
  source?: string;
  clientName?: string;
  addTimestamp: number;
  message?: {
    text?: string;
    attachments?: {
      goodCard?: Record<string, unknown>;
      files?: { downloadID: string; name: string; size: number; url: string }[];
      images?: { downloadID: string; url: string }[];
    };
  };
}

/** The documented procedure (ref §6): no `next` first, then `next` until totalEvents is 0. */
async function allEvents(): Promise<{ events: WbEvent[]; pages: number; next: number }> {
  const collected: WbEvent[] = [];
  let next: number | undefined;
  let pages = 0;
  for (;;) {
    const reply = await events(next);
    expect(reply.status).toBe(200);
    pages += 1;
    const result = reply.json.result;
    if (result.totalEvents === 0) return { events: collected, pages, next: result.next };
    collected.push(...(result.events as WbEvent[]));
    next = result.next;
    if (pages > 50) throw new Error("the paging does not end");
  }
}

// --- tests -----------------------------------------------------------------------------------

describe("FakeWildberries authorization", () => {
  it("takes the raw token, refuses missing, wrong and (by default) Bearer-prefixed ones", async () => {
    const ok = await chats();
    expect(ok.status).toBe(200);

    const missing = await get(CHATS, {}, {});
    expect(missing.status).toBe(401);
    expectDocumented(CHATS, "GET", missing);
    expect(missing.json).toMatchObject({
      title: "unauthorized",
      status: 401,
      statusText: "Unauthorized",
      origin: "ag-marketplace",
    });
    const wrong = await get(EVENTS, {}, { authorization: "not-a-token" });
    expect(wrong.status).toBe(401);
    expectDocumented(EVENTS, "GET", wrong);
    const bearer = await get(CHATS, {}, { authorization: `Bearer ${TOKEN}` });
    expect(bearer.status).toBe(401);

    expect(fake.requests.map((r) => r.auth)).toEqual(["raw", "missing", "raw", "bearer"]);
    expect(fake.requests.every((r) => !("authorization" in r.headers))).toBe(true);
  });

  it("accepts Bearer-prefixed tokens when told to", async () => {
    await restart({ bearerPrefix: "accept" });
    expect((await get(CHATS, {}, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(CHATS, {}, AUTH)).status).toBe(200);
  });

  it("answers 403 with the spec's example to a token of another category, /ping too", async () => {
    const headers = { authorization: CONTENT_TOKEN };
    for (const path of [CHATS, EVENTS]) {
      const reply = await get(path, {}, headers);
      expect(reply.status).toBe(403);
      expectDocumented(path, "GET", reply);
      expect(reply.json).toEqual({
        status: 403,
        statusText: "Forbidden",
        title: "Forbidden",
        detail: "scope is not allowed for this resource",
        requestId: expect.any(String),
        origin: "ag-marketplace",
        timestamp: "2026-03-02T09:00:00Z",
      });
    }
    expect((await get("/ping", {}, headers)).status).toBe(403);
    expect((await get("/ping", {}, {})).status).toBe(401);
  });

  it("answers /ping with TS and Status", async () => {
    const reply = await get("/ping");
    expect(reply.status).toBe(200);
    expect(PING_SCHEMA(reply.json)).toBe(true);
    expect(reply.json).toEqual({ TS: "2026-03-02T12:00:00+03:00", Status: "OK" });
  });
});

describe("FakeWildberries chats", () => {
  it("lists chats with replySign, goodCard and the last message", async () => {
    const alena = fake.addChat({
      clientName: "Алёна",
      goodCard: { nmID: 12345678, price: 500, rid: "2fb52cd9e25e52538a5f05994e688ae5", size: "42" },
    });
    const bare = fake.addChat({ goodCard: null });
    fake.buyerWrites(alena, "Здравствуйте! Пришёл не тот цвет.");
    now += 1000;
    fake.sellerWritesInPortal(alena, "Оформим возврат");

    const reply = await chats();
    expect(reply.json.errors).toBeNull();
    expect(reply.json.result).toEqual([
      {
        chatID: alena,
        replySign: fake.replySignOf(alena),
        clientName: "Алёна",
        goodCard: {
          nmID: 12345678,
          price: 500,
          priceCurrency: "RUB",
          rid: "2fb52cd9e25e52538a5f05994e688ae5",
          size: "42",
        },
        lastMessage: { text: "Оформим возврат", addTimestamp: T0 + 1000 },
      },
      { chatID: bare, replySign: fake.replySignOf(bare), clientName: expect.any(String) },
    ]);
    expect(alena).toMatch(/^1:[0-9a-f-]{36}$/);
    expect(fake.replySignOf(alena)).toMatch(new RegExp(`^${alena}:[0-9a-f]{128}$`));
  });
});

describe("FakeWildberries events", () => {
  it("pages with next and totalEvents until 0, oldest first, as the spec's example", async () => {
    await restart({ eventsBatchSize: 3 });
    const a = fake.addChat({ clientName: "Алёна" });
    const b = fake.addChat({ clientName: "Иван" });
    const written = [
      fake.buyerWrites(a, "a1"),
      fake.buyerWrites(b, "b1"),
      fake.sellerWritesInPortal(a, "a2"),
      fake.wbWrites(b, "b2"),
      fake.buyerWrites(a, "a3"),
      fake.bareEvent(a),
      fake.buyerWrites(b, "b3"),
    ];

    const first = await events();
    expect(first.json.errors).toBeNull();
    const result = first.json.result;
    expect(result.totalEvents).toBe(3);
    expect(result.events).toHaveLength(3);
    expect(result.next).toBe(result.events[2].addTimestamp);
    expect(result.oldestEventTime).toBe(result.events[0].addTime);
    expect(result.newestEventTime).toBe(result.events[2].addTime);
    expect(result.events[0]).toEqual({
      chatID: a,
      eventID: written[0],
      eventType: "message",
      isNewChat: true,
      message: {
        attachments: { goodCard: expect.objectContaining({ priceCurrency: "RUB" }) },
        text: "a1",
      },
      source: "rusite",
      addTimestamp: T0,
      addTime: "2026-03-02T09:00:00Z",
      replySign: fake.replySignOf(a),
      sender: "client",
      clientName: "Алёна",
    });

    const { events: all, pages, next } = await allEvents();
    expect(pages).toBe(4); // 3 + 3 + 1, then totalEvents 0
    expect(all.map((e) => e.eventID)).toEqual(written);
    const stamps = all.map((e) => e.addTimestamp);
    expect(stamps).toEqual([...stamps].sort((x, y) => x - y));
    expect(new Set(stamps).size).toBe(stamps.length);
    // replySign and isNewChat only on each chat's first event; clientName only on the buyer's.
    expect(all.filter((e) => e.isNewChat).map((e) => e.chatID)).toEqual([a, b]);
    expect(all.filter((e) => e.replySign !== undefined)).toHaveLength(2);
    expect(all.filter((e) => e.clientName !== undefined).map((e) => e.sender)).toEqual([
      "client",
      "client",
      "client",
      "client",
    ]);
    expect(all.find((e) => e.sender === "wb")?.source).toBeUndefined();
    const bare = all[5] as WbEvent;
    expect(bare.message).toBeUndefined();
    expect(bare.source).toBeUndefined();

    // Nothing new: the cursor comes back as sent. A later event comes after it.
    const idle = await events(next);
    expect(idle.json.result).toEqual({ next, totalEvents: 0, events: [] });
    const later = fake.buyerWrites(b, "b4");
    const fresh = await events(next);
    expect(fresh.json.result.events.map((e: WbEvent) => e.eventID)).toEqual([later]);
  });

  it("hands out a usable next even when there are no events yet", async () => {
    const empty = await events();
    expect(empty.json.result).toEqual({ next: T0, totalEvents: 0, events: [] });
    const chat = fake.addChat();
    const id = fake.buyerWrites(chat, "Здравствуйте");
    const reply = await events(empty.json.result.next);
    expect(reply.json.result.events.map((e: WbEvent) => e.eventID)).toEqual([id]);
    // A cursor from the future (µs, say) is echoed and hides new events; it does not move time.
    const future = T0 * 1000;
    expect((await get(EVENTS, { next: future })).json.result).toEqual({
      next: future,
      totalEvents: 0,
      events: [],
    });
    fake.buyerWrites(chat, "Ау?");
    expect((await get(EVENTS, { next: future })).json.result.totalEvents).toBe(0);
    const latest = (await events(reply.json.result.next)).json.result.events[0] as WbEvent;
    expect(latest.addTimestamp).toBe(T0 + 2);
  });

  it("refuses next=0 and non-numbers with the spec's 400 bodies and records them", async () => {
    const zero = await events(0);
    expect(zero.status).toBe(400);
    expect(zero.headers["content-type"]).toMatch(/^application\/json/);
    expect(zero.json).toEqual({
      status: 400,
      title: "Bad Request",
      origin: "proxy-chats",
      detail: 'Invalid value for "next"',
      requestId: expect.stringMatching(/^[0-9a-f]{32}$/),
      error: 'Invalid value for "next"',
    });
    for (const value of ["abc", "1.5", "", "1e12"]) {
      const reply = await events(value);
      expect(reply.status).toBe(400);
      expect(reply.json.detail).toBe("Invalid number");
    }
    expect((await events(-5)).json.detail).toBe('Invalid value for "next"');
    expect(fake.contractViolations).toHaveLength(6);
    expect(fake.contractViolations[0]).toEqual({
      method: "GET",
      path: EVENTS,
      errors: ["query.next: must be a positive Unix timestamp in ms, got 0"],
    });

    const unknown = await get(EVENTS, { from: 1 });
    expect(unknown.status).toBe(400);
    expect(fake.contractViolations.at(-1)?.errors).toEqual([
      "query.from: unknown parameter (the contract does not define it)",
    ]);
    // Seconds instead of milliseconds: answered (WB would), but recorded.
    const seconds = await get(EVENTS, { next: Math.floor(T0 / 1000) });
    expect(seconds.status).toBe(200);
    expect(fake.contractViolations.at(-1)?.errors).toEqual([
      `query.next: ${Math.floor(T0 / 1000)} looks like seconds; the contract wants milliseconds`,
    ]);
  });

  it("can repeat the boundary event (inclusive cursor) and count what remains", async () => {
    await restart({ eventsBatchSize: 2, eventsCursor: "inclusive", totalEvents: "remaining" });
    const chat = fake.addChat();
    const ids = ["1", "2", "3"].map((t) => fake.buyerWrites(chat, t));
    const first = await events();
    expect(first.json.result.totalEvents).toBe(3);
    expect(first.json.result.events.map((e: WbEvent) => e.eventID)).toEqual(ids.slice(0, 2));
    const second = await events(first.json.result.next);
    expect(second.json.result.totalEvents).toBe(2);
    expect(second.json.result.events.map((e: WbEvent) => e.eventID)).toEqual(ids.slice(1, 3));
  });
});

describe("FakeWildberries sending", () => {
  it("accepts a text with the chat's replySign and echoes it as a seller-public-api event", async () => {
    const chat = fake.addChat();
    fake.buyerWrites(chat, "Где заказ?");
    const sign = (await chats()).json.result[0].replySign as string;
    now += 5000;
    const reply = await send(sign, "Заказ в пути");
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      result: { addTime: T0, chatID: chat, sign },
      errors: [],
    });
    const sent = fake.sentBySeller(chat);
    expect(sent).toEqual([
      {
        eventID: expect.any(String),
        replySign: sign,
        text: "Заказ в пути",
        files: [],
        errors: [],
        addTimestamp: T0 + 5000,
      },
    ]);
    const { events: all } = await allEvents();
    expect(all.at(-1)).toMatchObject({
      eventID: sent[0]?.eventID,
      sender: "seller",
      source: "seller-public-api",
      message: { text: "Заказ в пути" },
    });
    expect(all.at(-1)?.clientName).toBeUndefined();
    expect(fake.requests.find((r) => r.key === "postV1SellerMessage")?.parts).toEqual([
      { name: "replySign", size: Buffer.byteLength(sign) },
      { name: "message", size: Buffer.byteLength("Заказ в пути") },
    ]);
  });

  it("answers addTime as the message time when told to", async () => {
    await restart({ sendAddTime: "message" });
    const chat = fake.addChat();
    now += 7000;
    const reply = await send(fake.replySignOf(chat), "Здравствуйте");
    expect(reply.json.result.addTime).toBe(T0 + 7000);
  });

  it("refuses unknown, stale and missing signatures", async () => {
    const chat = fake.addChat();
    const unknown = await send(`${chat}:${"0".repeat(128)}`, "x");
    expect(unknown.status).toBe(400);
    expect(unknown.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(unknown.json).toEqual({
      status: 400,
      title: "Bad Request",
      origin: "proxy-chats",
      detail: "Invalid signature",
      requestId: expect.any(String),
      error: "Invalid signature",
    });
    const old = fake.replySignOf(chat);
    const fresh = fake.rotateReplySign(chat);
    expect((await send(old, "x")).json.detail).toBe("Invalid signature");
    expect((await send(fresh, "x")).status).toBe(200);
    expect(fake.contractViolations).toEqual([]);

    const missing = await send(undefined, "x");
    expect(missing.json.detail).toBe('Invalid value for "replySign"');
    expect(fake.contractViolations.at(-1)?.errors).toEqual(["replySign: required part is missing"]);
    const long = await send("x".repeat(256), "x");
    expect(long.json.detail).toBe("Invalid signature");
    expect(fake.contractViolations.at(-1)?.errors[0]).toMatch(/^replySign: longer than 255/);
  });

  it("holds texts to 1000 characters and refuses an empty message", async () => {
    const chat = fake.addChat();
    const sign = fake.replySignOf(chat);
    expect((await send(sign, "ж".repeat(1000))).status).toBe(200);
    const long = await send(sign, "ж".repeat(1001));
    expect(long.status).toBe(400);
    expect(long.json.detail).toBe('Invalid value for "message"');
    expect(fake.contractViolations.at(-1)?.errors[0]).toMatch(/^message: at most 1000 characters/);
    // 1000 code points but 2000 UTF-16 units: the stricter reading refuses it.
    expect((await send(sign, "😀".repeat(1000))).status).toBe(400);
    expect((await send(sign, "")).json.detail).toBe('Invalid value for "message"');
    expect((await send(sign, "  \n")).status).toBe(400);
    expect((await send(sign)).status).toBe(400);
    expect(fake.sentBySeller(chat)).toHaveLength(1);
  });

  it("takes JPEG, PNG and PDF files, alone or with text, and serves them back", async () => {
    const chat = fake.addChat();
    const sign = fake.replySignOf(chat);
    const reply = await send(sign, "Фото и чек", [
      { bytes: JPEG, name: "фото 1.jpg", type: "image/jpeg" },
      { bytes: PNG, name: "scan.png" },
      { bytes: PDF, name: "Чек.pdf", type: "application/pdf" },
    ]);
    expect(reply.status).toBe(200);
    const filesOnly = await send(sign, undefined, [{ bytes: PDF, name: "акт.pdf" }]);
    expect(filesOnly.status).toBe(200);

    const [first, second] = fake.sentBySeller(chat);
    expect(first?.files.map((f) => [f.name, f.contentType, f.detectedType])).toEqual([
      ["фото 1.jpg", "image/jpeg", "image/jpeg"],
      ["scan.png", "application/octet-stream", "image/png"],
      ["Чек.pdf", "application/pdf", "application/pdf"],
    ]);
    expect(first?.files[0]?.bytes.equals(JPEG)).toBe(true);
    expect(second?.text).toBeUndefined();

    const { events: all } = await allEvents();
    const withFiles = all.at(-2) as WbEvent;
    expect(withFiles.message?.attachments?.images).toHaveLength(2);
    expect(withFiles.message?.attachments?.files).toEqual([
      {
        contentType: "application/pdf",
        date: expect.any(String),
        downloadID: first?.files[2]?.downloadID,
        name: "Чек.pdf",
        url: expect.stringMatching(/\/basket\/vol0\/.*\.pdf$/),
        size: PDF.length,
      },
    ]);
    expect(all.at(-1)?.message).toEqual({ attachments: { files: [expect.any(Object)] } });

    const back = await downloadBytes(first?.files[1]?.downloadID ?? "");
    expect(back).toEqual({ status: 200, type: "image/png", bytes: PNG });
  });

  it("refuses other types, files over 5 MiB and messages over 30 MiB with the spec's errors", async () => {
    const chat = fake.addChat();
    const sign = fake.replySignOf(chat);
    const gif = await send(sign, "x", [{ bytes: GIF, name: "anim.gif", type: "image/gif" }]);
    expect(gif.status).toBe(400);
    expect(gif.json.detail).toMatch(/^[0-9A-F]{11}: "anim.gif" has unsupported mime type$/);
    // JPEG bytes declared as something else are refused too.
    const mislabelled = await send(sign, "x", [{ bytes: JPEG, name: "a.mp4", type: "video/mp4" }]);
    expect(mislabelled.json.detail).toMatch(/"a.mp4" has unsupported mime type$/);

    const limit = 5 * 1024 * 1024;
    const exact = Buffer.concat([PDF, Buffer.alloc(limit - PDF.length)]);
    expect((await send(sign, undefined, [{ bytes: exact, name: "5.pdf" }])).status).toBe(200);
    const over = Buffer.concat([exact, Buffer.alloc(1)]);
    const big = await send(sign, "x", [{ bytes: over, name: "big.pdf" }]);
    expect(big.status).toBe(400);
    expect(big.json.detail).toMatch(/^[0-9A-F]{11}: attachment too big\. Max size: 5MiB$/);
    expect(fake.sentBySeller(chat)).toHaveLength(1);

    await restart({ maxTotalFileBytes: 100 });
    const other = fake.addChat();
    const total = await send(fake.replySignOf(other), "x", [
      { bytes: PDF, name: "1.pdf" },
      { bytes: PDF, name: "2.pdf" },
      { bytes: PDF, name: "3.pdf" },
    ]);
    expect(total.status).toBe(400);
    expect(total.json.detail).toMatch(/attachments too big/);
    // Past the total plus 8 MiB the body is not even parsed; the answer is the same.
    const huge = await send(fake.replySignOf(other), "x", [
      { bytes: Buffer.concat([PDF, Buffer.alloc(8 * 1024 * 1024 + 100)]), name: "huge.pdf" },
    ]);
    expect(huge.json.detail).toMatch(/attachments too big/);
    expect(fake.contractViolations.at(-1)?.errors[0]).toMatch(/^\(body\): larger than/);
  });

  it("delivers the good files and lists the bad ones in errors when told to", async () => {
    await restart({ fileErrors: "partial" });
    const chat = fake.addChat();
    const sign = fake.replySignOf(chat);
    const reply = await send(sign, "два файла", [
      { bytes: JPEG, name: "ok.jpg" },
      { bytes: GIF, name: "no.gif" },
    ]);
    expect(reply.status).toBe(200);
    expect(reply.json.errors).toEqual([
      expect.stringMatching(/"no.gif" has unsupported mime type$/),
    ]);
    expect(fake.sentBySeller(chat)[0]?.files.map((f) => f.name)).toEqual(["ok.jpg"]);
    // Nothing left to deliver: still a 400.
    const nothing = await send(sign, undefined, [{ bytes: GIF, name: "no.gif" }]);
    expect(nothing.status).toBe(400);
  });

  it("records malformed sends as contract violations and refuses them", async () => {
    const chat = fake.addChat();
    const sign = fake.replySignOf(chat);
    const asJson = await post(
      JSON.stringify({ replySign: sign, message: "x" }),
      "application/json",
    );
    expect(asJson.status).toBe(400);
    expectDocumented(MESSAGE, "POST", asJson);
    expect(fake.contractViolations.at(-1)?.errors).toEqual([
      'Content-Type: must be multipart/form-data, got "application/json"',
    ]);

    const misnamed = handMade([
      { headers: 'Content-Disposition: form-data; name="replySign"', body: sign },
      {
        headers:
          'Content-Disposition: form-data; name="files"; filename="a.jpg"\r\nContent-Type: image/jpeg',
        body: JPEG,
      },
    ]);
    const reply = await post(misnamed.body, misnamed.contentType);
    expect(reply.status).toBe(400);
    expect(fake.contractViolations.at(-1)?.errors).toEqual([
      "files: unknown part (the contract has replySign, message, file)",
    ]);

    const noFilename = handMade([
      { headers: 'Content-Disposition: form-data; name="replySign"', body: sign },
      { headers: 'Content-Disposition: form-data; name="file"', body: JPEG },
      { headers: 'Content-Disposition: form-data; name="message"', body: "a" },
      { headers: 'Content-Disposition: form-data; name="message"', body: "b" },
    ]);
    expect((await post(noFilename.body, noFilename.contentType)).status).toBe(400);
    expect(fake.contractViolations.at(-1)?.errors).toEqual([
      "file: must be a file part (Content-Disposition with a filename)",
      "message: must be one part, got 2",
    ]);

    const broken = await post(Buffer.from("--x\r\nnope"), "multipart/form-data; boundary=x");
    expect(broken.status).toBe(400);
    expect(fake.contractViolations.at(-1)?.errors[0]).toMatch(/^\(body\): malformed multipart/);
    expect(fake.sentBySeller(chat)).toEqual([]);
  });

  it("parses RFC 5987 filenames", () => {
    const { body, contentType } = handMade([
      {
        headers:
          'Content-Disposition: form-data; name="file"; filename="a.pdf"; filename*=UTF-8\'\'%D0%A7%D0%B5%D0%BA.pdf',
        body: PDF,
      },
    ]);
    expect(parseMultipart(body, contentType)[0]?.filename).toBe("Чек.pdf");
  });
});

describe("FakeWildberries downloads", () => {
  it("serves approved files, 202 while in moderation, 451 when refused, 400 when unknown", async () => {
    const chat = fake.addChat();
    const photo = fake.buyerSendsImage(chat, JPEG, { text: "Вот фото" });
    const receipt = fake.buyerSendsFile(chat, PDF, "Чек.pdf");
    const pending = fake.buyerSendsImage(chat, PNG, { moderation: "pending", pendingPolls: 2 });
    const refused = fake.buyerSendsImage(chat, JPEG, { moderation: "refused" });

    expect(await downloadBytes(photo.downloadID)).toEqual({
      status: 200,
      type: "image/jpeg",
      bytes: JPEG,
    });
    expectDocumented(DOWNLOAD, "GET", await download(receipt.downloadID));

    for (let i = 0; i < 2; i++) {
      const wait = await download(pending.downloadID);
      expect(wait.status).toBe(202);
      expect(wait.json).toEqual({ moderationState: "pending", retrySeconds: 30 });
    }
    expect((await downloadBytes(pending.downloadID)).bytes.equals(PNG)).toBe(true);

    const gone = await download(refused.downloadID);
    expect(gone.status).toBe(451);
    expect(gone.json).toEqual({
      status: 451,
      title: "Unavailable for Legal Reasons",
      origin: "proxy-chats",
      detail: "moderation error",
      requestId: expect.any(String),
    });
    const unknown = await download("ecaeb056-a4ee-45b4-ae45-666811755d38");
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ title: "invalid fileID", detail: "invalid fileID" });

    fake.setModeration(refused.downloadID, "approved");
    expect((await download(refused.downloadID)).status).toBe(200);
  });

  it("describes buyer files in the events and serves their urls once approved", async () => {
    const chat = fake.addChat();
    const photo = fake.buyerSendsImage(chat, PNG, { moderation: "pending" });
    const receipt = fake.buyerSendsFile(chat, PDF, "Чек.pdf", { text: "чек" });
    const { events: all } = await allEvents();
    expect(all[0]?.message).toEqual({
      attachments: {
        goodCard: expect.any(Object),
        images: [{ date: expect.any(String), downloadID: photo.downloadID, url: photo.url }],
      },
    });
    expect(all[1]?.message).toEqual({
      attachments: {
        files: [
          {
            contentType: "application/pdf",
            date: "2026-03-02T12:00:00.000Z",
            downloadID: receipt.downloadID,
            name: "Чек.pdf",
            url: receipt.url,
            size: PDF.length,
          },
        ],
      },
      text: "чек",
    });
    expect((await rawRequest(photo.url, { method: "GET" })).status).toBe(404);
    fake.setModeration(photo.downloadID, "approved");
    const res = await request(photo.url);
    expect(Buffer.from(await res.body.arrayBuffer()).equals(PNG)).toBe(true);
    expect(fake.countByOperation("basket")).toBe(2);
  });
});

describe("FakeWildberries rate limits", () => {
  it("allows a burst of 10 per 10 s, answers 429 beyond it and counts the window", async () => {
    for (let i = 0; i < 10; i++) expect((await get(CHATS)).status).toBe(200);
    const limited = await get(CHATS);
    expect(limited.status).toBe(429);
    expectDocumented(CHATS, "GET", limited);
    expect(limited.json).toMatchObject({
      title: "too many requests",
      detail: expect.stringMatching(/^limited by [0-9a-f-]{36}$/),
      status: 429,
      statusText: "Too Many Requests",
      origin: "ag-marketplace",
    });
    expect(limited.headers["x-ratelimit-retry"]).toBeUndefined();
    expect(fake.count429).toBe(1);
    expect(fake.maxRequestsIn10s()).toBe(11);

    now += 9_999;
    expect((await get(CHATS)).status).toBe(429);
    now += 1;
    expect((await get(CHATS)).status).toBe(200);
    expect(fake.maxRequestsIn10s()).toBe(12);
    now += 60_000;
    expect((await get(CHATS)).status).toBe(200);
    expect(fake.maxRequestsIn10s()).toBe(12);
    // Counted only from a moment on: the one request since.
    expect(fake.maxRequestsIn10s(undefined, new Date(now))).toBe(1);
    expect(fake.callsByPath()).toEqual({ "GET /api/v1/seller/chats": 14 });
  });

  it("shares one bucket among the four methods by default, or not when told", async () => {
    const chat = fake.addChat();
    const file = fake.buyerSendsImage(chat, JPEG);
    for (let i = 0; i < 4; i++) await get(CHATS);
    for (let i = 0; i < 4; i++) await get(EVENTS);
    await send(fake.replySignOf(chat), "x");
    await download(file.downloadID);
    expect((await download(file.downloadID)).status).toBe(429);
    expect((await get(EVENTS)).status).toBe(429);
    expect(fake.callsByPath()).toEqual({
      "GET /api/v1/seller/chats": 4,
      "GET /api/v1/seller/events": 5,
      "POST /api/v1/seller/message": 1,
      "GET /api/v1/seller/download/{id}": 2,
    });

    await restart({ sharedRateLimit: false, retryHeader: true });
    for (let i = 0; i < 10; i++) await get(CHATS);
    expect((await get(EVENTS)).status).toBe(200);
    const limited = await get(CHATS);
    expect(limited.status).toBe(429);
    expect(limited.headers["x-ratelimit-retry"]).toBe("10");
    expect(fake.maxRequestsIn10s()).toBe(12);
    expect(fake.maxRequestsIn10s(["getV1SellerEvents"])).toBe(1);
  });

  it("gives a basic token 1 request per hour per method, downloads 1 per 6 min", async () => {
    const basic = { authorization: BASIC_TOKEN };
    const chat = fake.addChat();
    const file = fake.buyerSendsImage(chat, JPEG);
    expect((await get(CHATS, {}, basic)).status).toBe(200);
    expect((await get(CHATS, {}, basic)).status).toBe(429);
    expect((await get(EVENTS, {}, basic)).status).toBe(200);
    expect((await download(file.downloadID, basic)).status).toBe(200);
    expect((await download(file.downloadID, basic)).status).toBe(429);
    now += 6 * 60 * 1000;
    expect((await download(file.downloadID, basic)).status).toBe(200);
    expect((await get(CHATS, {}, basic)).status).toBe(429);
    now += 54 * 60 * 1000;
    expect((await get(CHATS, {}, basic)).status).toBe(200);
    // The personal token has its own budget.
    expect((await get(CHATS)).status).toBe(200);
  });

  it("limits /ping to 3 per 30 s on its own", async () => {
    for (let i = 0; i < 3; i++) expect((await get("/ping")).status).toBe(200);
    expect((await get("/ping")).status).toBe(429);
    expect((await get(CHATS)).status).toBe(200);
    now += 30_000;
    expect((await get("/ping")).status).toBe(200);
    expect(fake.maxRequestsIn10s(["ping"])).toBe(4);
  });

  it("can be switched off", async () => {
    await restart({ rateLimits: false });
    for (let i = 0; i < 15; i++) expect((await get(CHATS)).status).toBe(200);
    expect(fake.maxRequestsIn10s()).toBe(15);
  });
});

describe("FakeWildberries faults and contract", () => {
  it("injects failures with the spec's bodies, or the given ones", async () => {
    fake.failNext("getV1SellerEvents", { status: 402 });
    const paid = await get(EVENTS);
    expect(paid.status).toBe(402);
    expectDocumented(EVENTS, "GET", paid);
    expect(paid.json.title).toBe("payment required");

    fake.failNext("getV1SellerChats", { status: 429, times: 2 });
    const first = await get(CHATS);
    expectDocumented(CHATS, "GET", first);
    expect((await get(CHATS)).status).toBe(429);
    expect(fake.count429).toBe(2);
    expect((await get(CHATS)).status).toBe(200);

    fake.failNext("*", { status: 503, body: "upstream timeout", headers: { "retry-after": "3" } });
    const down = await get(CHATS);
    expect(down).toMatchObject({ status: 503, text: "upstream timeout" });
    expect(down.headers["retry-after"]).toBe("3");
  });

  it("holds a delayed request while others are answered", async () => {
    const order: string[] = [];
    fake.delayNext("getV1SellerEvents", 1000);
    const slow = get(EVENTS).then((r) => order.push(`events ${r.status}`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await get(CHATS).then((r) => order.push(`chats ${r.status}`));
    await slow;
    expect(order).toEqual(["chats 200", "events 200"]);
  });

  it("records unknown routes, wrong methods and stray parameters", async () => {
    const wrongMethod = await rawRequest(`${fake.url}${CHATS}`, { method: "POST", headers: AUTH });
    expect(wrongMethod.status).toBe(405);
    expect((await get("/api/v2/seller/chats")).status).toBe(404);
    // No 400 is documented for /chats: answered, but recorded.
    const stray = await get(CHATS, { limit: 10 });
    expect(stray.status).toBe(200);
    expect(fake.contractViolations).toEqual([
      {
        method: "POST",
        path: CHATS,
        errors: ["POST /api/v1/seller/chats: the contract has only GET here"],
      },
      {
        method: "GET",
        path: "/api/v2/seller/chats",
        errors: ["GET /api/v2/seller/chats: no such operation in the contract"],
      },
      {
        method: "GET",
        path: CHATS,
        errors: ["query.limit: unknown parameter (the contract does not define it)"],
      },
    ]);
    expect(fake.countByOperation("getV1SellerChats")).toBe(2);
  });
});
