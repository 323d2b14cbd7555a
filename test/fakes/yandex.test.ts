import { randomBytes } from "node:crypto";
import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { validateYandexRequest, YANDEX_MAX_FILE_BYTES } from "../contract/schema.ts";
import { type Reply, rawRequest, redirectOf, withForeignHost } from "../support/raw-http.ts";
import { FakeYandex, yandexDate } from "./yandex.ts";

const API_KEY = "ACMA:I4c4CxCSYaI41RSC2uYWP2qj3Rhhm4knMiBEga5K:151c0664";
const BUSINESS = 7730215;
const BASE = `/v2/businesses/${BUSINESS}`;
const AUTH = { "api-key": API_KEY };

let fake: FakeYandex;

async function call(
  method: "GET" | "POST",
  path: string,
  options: {
    query?: Record<string, string | number>;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply> {
  const query = new URLSearchParams(
    Object.entries(options.query ?? {}).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  const hasBody = options.body !== undefined;
  return rawRequest(`${fake.url}${path}${query === "" ? "" : `?${query}`}`, {
    method,
    headers: {
      ...(hasBody ? { "content-type": "application/json" } : {}),
      ...(options.headers ?? AUTH),
    },
    body: !hasBody
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body),
  });
}

const post = (path: string, body: unknown, query?: Record<string, string | number>) =>
  call("POST", `${BASE}${path}`, { body, query });
const get = (path: string, query: Record<string, string | number>) =>
  call("GET", `${BASE}${path}`, { query });

// The form is serialised by the WHATWG encoder (what fetch sends: quoted raw UTF-8 filename)
// and posted as bytes. In this ESM project undici's own FormData handed to request() is never
// written to the socket (the request hangs), so it is not used as a body here.
async function encode(data: FormData): Promise<{ body: Buffer; contentType: string }> {
  const encoded = new Response(data);
  return {
    body: Buffer.from(await encoded.arrayBuffer()),
    contentType: encoded.headers.get("content-type") ?? "",
  };
}

async function upload(chatId: number, data: FormData | { body: Buffer; contentType: string }) {
  const { body, contentType } = data instanceof FormData ? await encode(data) : data;
  const res = await request(`${fake.url}${BASE}/chats/file/send?chatId=${chatId}`, {
    method: "POST",
    headers: { ...AUTH, "content-type": contentType },
    body,
  });
  return { status: res.statusCode, json: (await res.body.json()) as Reply["json"] };
}

function form(bytes: Uint8Array, name: string, type = "application/pdf"): FormData {
  const data = new FormData();
  data.append("file", new Blob([bytes], { type }), name);
  return data;
}

beforeEach(async () => {
  fake = new FakeYandex({ apiKey: API_KEY, businessId: BUSINESS });
  await fake.start();
});

afterEach(async () => {
  await fake.stop();
});

describe("FakeYandex transport", () => {
  it("rejects missing, wrong and Bearer-prefixed keys, and other cabinets", async () => {
    const missing = await call("POST", `${BASE}/chats`, { body: {}, headers: {} });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({
      status: "ERROR",
      errors: [{ code: "UNAUTHORIZED", message: "Credentials are not specified" }],
    });
    const wrong = await call("POST", `${BASE}/chats`, {
      body: {},
      headers: { "api-key": "ACMA:nope:00000000" },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.errors[0].message).toBe("Api-Key token is invalid");
    const bearer = await call("POST", `${BASE}/chats`, {
      body: {},
      headers: { "api-key": `Bearer ${API_KEY}` },
    });
    expect(bearer.status).toBe(401);
    expect(bearer.json.errors[0].message).toBe("Api-Key token prefix invalid");

    const other = await call("POST", "/v2/businesses/1/chats", { body: {} });
    expect(other.status).toBe(403);
    expect(other.json).toEqual({
      status: "ERROR",
      errors: [{ code: "FORBIDDEN", message: "Access denied" }],
    });
    expect(fake.requests.every((r) => !("api-key" in r.headers))).toBe(true);
    expect(fake.countByOperation("getChats")).toBe(4);
  });

  it("records contract violations and answers 400, 404, 405 and 415", async () => {
    const chatId = fake.addChat();
    const empty = await post("/chats", { statuses: [] });
    expect(empty.status).toBe(400);
    expect(empty.json.status).toBe("ERROR");
    expect(empty.json.errors[0].code).toBe("BAD_REQUEST");
    expect(fake.contractViolations.at(-1)?.errors).toEqual([
      "statuses: must NOT have fewer than 1 items, got []",
    ]);
    expect((await post("/chats", { statuses: null })).status).toBe(200);

    const noBody = await call("POST", `${BASE}/chats`, { headers: { ...AUTH } });
    expect(noBody.status).toBe(415);
    expect(noBody.json.errors[0].message).toBe("Missing Content-Type");
    expect(fake.contractViolations.at(-1)?.errors).toContain("(body): request body is required");

    const misspelt = await post("/chats/history", { fromMessageId: 5 }, { chat_id: chatId });
    expect(misspelt.status).toBe(400);
    expect(fake.contractViolations.at(-1)?.errors).toEqual([
      "query.chat_id: unknown parameter (the contract does not define it)",
      "query.chatId: required field is missing",
      "fromMessageId: unknown field (the contract does not define it)",
    ]);
    // Yandex ids are small; an int64 must be a JSON number here, not a string.
    const quoted = await post("/chats/history", { messageIdFrom: "5" }, { chatId });
    expect(quoted.status).toBe(400);
    expect(
      validateYandexRequest({
        method: "GET",
        path: `${BASE}/chats/message`,
        query: new URLSearchParams({ chatId: "12.0", messageId: "1" }),
      }),
    ).toEqual(['query.chatId: must be integer, got "12.0"']);

    expect((await call("GET", `${BASE}/chats`)).status).toBe(405);
    expect((await call("POST", `${BASE}/chatz`, { body: {} })).status).toBe(404);
    expect((await get("/chat", { chatId: 999 })).status).toBe(404);
  });

  it("reports resource limits in headers and answers 420 when a method's hour is used up", async () => {
    await fake.stop();
    let now = new Date("2025-01-16T07:09:49.500Z");
    fake = new FakeYandex({
      apiKey: API_KEY,
      businessId: BUSINESS,
      resourceLimits: { getChat: 2 },
      now: () => now,
    });
    await fake.start();
    const chatId = fake.addChat();

    const first = await post("/chats", {});
    expect(first.headers["x-ratelimit-resource-limit"]).toBe("5000");
    expect(first.headers["x-ratelimit-resource-remaining"]).toBe("4999");
    expect(first.headers["x-ratelimit-resource-until"]).toBe("Thu, 16 Jan 2025 08:09:49 GMT");
    const history = await post("/chats/history", {}, { chatId });
    expect(history.headers["x-ratelimit-resource-limit"]).toBe("10000");

    // A 404 uses up the budget like a 200 does.
    expect((await get("/chat", { chatId: 1 })).status).toBe(404);
    const second = await get("/chat", { chatId });
    expect(second.headers["x-ratelimit-resource-remaining"]).toBe("0");
    const limited = await get("/chat", { chatId });
    expect(limited.status).toBe(420);
    expect(limited.json).toEqual({
      status: "ERROR",
      errors: [
        {
          code: "HIT_RATE_LIMIT",
          message:
            "Hit rate limit of 2 requests per 1 hour for resource /v2/businesses/{businessId}/chat",
        },
      ],
    });
    expect(fake.count420).toBe(1);
    // Other methods have their own budget.
    expect((await get("/chats/message", { chatId, messageId: 1 })).status).toBe(404);

    now = new Date(now.getTime() + 60 * 60 * 1000);
    expect((await get("/chat", { chatId })).status).toBe(200);
  });

  it("answers 420 to a fifth request while four are in flight", async () => {
    for (let i = 0; i < 5; i++) fake.delayNext("getChats", 150);
    const replies = await Promise.all(Array.from({ length: 5 }, () => post("/chats", {})));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 420]);
    const limited = replies.find((r) => r.status === 420);
    expect(limited?.json.errors[0]).toEqual({
      code: "HIT_RATE_LIMIT",
      message: `Hit rate limit of 4 parallel requests for businessId ${BUSINESS}`,
    });
    expect(limited?.headers["x-ratelimit-resource-remaining"]).toBeDefined();
    expect(fake.parallelPeak).toBe(5);
    expect(fake.count420).toBe(1);
    // Slots are given back when the answers are sent.
    expect((await post("/chats", {})).status).toBe(200);
  });
});

describe("FakeYandex chats", () => {
  it("pages getChats by 20 with nextPageToken (and its alias), latest activity first", async () => {
    const ids = Array.from({ length: 45 }, () => fake.addChat());
    fake.customerWrites(ids[3] as number, "bump");
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query: Record<string, string | number> = { limit: 20 };
      // Both spellings are documented (x-aliases).
      if (token !== undefined) query[pages === 1 ? "pageToken" : "page_token"] = token;
      const res = await post("/chats", {}, query);
      expect(res.status).toBe(200);
      seen.push(...res.json.result.chats.map((c: { chatId: number }) => c.chatId));
      token = res.json.result.paging.nextPageToken;
      pages += 1;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual([ids[3], ...ids.filter((id) => id !== ids[3]).reverse()]);

    const tooMany = await post("/chats", {}, { limit: 21 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.errors).toEqual([{ code: "BAD_REQUEST", message: "Limit exceeded" }]);
    const defaultPage = await post("/chats", {});
    expect(defaultPage.json.result.chats).toHaveLength(10);
    expect((await post("/chats", {}, { pageToken: "garbage!" })).status).toBe(400);
  });

  it("describes chats as GetChatInfoDTO and filters them", async () => {
    const now = new Date("2025-01-16T07:09:49.759Z");
    await fake.stop();
    fake = new FakeYandex({ apiKey: API_KEY, businessId: BUSINESS, now: () => now });
    await fake.start();
    const order = fake.addChat({ context: { type: "ORDER", orderId: 555, customerName: "Анна" } });
    const ret = fake.addChat({ context: { type: "RETURN", orderId: 556, returnId: 77 } });
    const direct = fake.addChat({ context: { type: "DIRECT", customerName: null } });
    fake.customerWrites(order, "Где заказ?");

    const res = await get("/chat", { chatId: order });
    expect(res.json).toEqual({
      status: "OK",
      result: {
        chatId: order,
        orderId: 555,
        context: {
          type: "ORDER",
          customer: { name: "Анна", publicId: expect.any(String) },
          campaignId: expect.any(Number),
          orderId: 555,
        },
        type: "CHAT",
        status: "WAITING_FOR_PARTNER",
        createdAt: "2025-01-16T10:09:49+03:00",
        updatedAt: "2025-01-16T10:09:49+03:00",
      },
    });
    expect(yandexDate(now)).toBe("2025-01-16T10:09:49+03:00");

    const waiting = await post("/chats", { statuses: ["WAITING_FOR_PARTNER"] });
    expect(waiting.json.result.chats.map((c: { chatId: number }) => c.chatId)).toEqual([order]);
    const returns = await post("/chats", { contexts: [{ type: "RETURN", id: 77 }] });
    expect(returns.json.result.chats[0]).toMatchObject({
      chatId: ret,
      context: { type: "RETURN", orderId: 556, returnId: 77 },
    });
    const directs = await post("/chats", { contextTypes: ["DIRECT"] });
    expect(directs.json.result.chats).toEqual([
      expect.objectContaining({ chatId: direct, context: { type: "DIRECT" }, status: "NEW" }),
    ]);
  });

  it("returns history from messageIdFrom (inclusive), oldest first, in pages", async () => {
    const chatId = fake.addChat();
    const ids = ["a", "b", "c", "d", "e"].map((t) => fake.customerWrites(chatId, t));
    fake.marketWrites(chatId, "Заказ доставлен");
    fake.supportWrites(chatId, "Чем помочь?");
    const from = ids[1] as number;

    const page1 = await post("/chats/history", { messageIdFrom: from }, { chatId, limit: 2 });
    expect(page1.status).toBe(200);
    expect(page1.json.result.messages.map((m: { message: string }) => m.message)).toEqual([
      "b",
      "c",
    ]);
    expect(page1.json.result.context).toMatchObject({ type: "ORDER" });
    const token = page1.json.result.paging.nextPageToken as string;
    const page2 = await post(
      "/chats/history",
      { messageIdFrom: from },
      { chatId, limit: 100, pageToken: token },
    );
    expect(page2.json.result.messages.map((m: { sender: string }) => m.sender)).toEqual([
      "CUSTOMER",
      "CUSTOMER",
      "MARKET",
      "SUPPORT",
    ]);
    expect(page2.json.result.paging).toEqual({});

    const one = await get("/chats/message", { chatId, messageId: ids[0] as number });
    expect(one.json.result).toEqual({
      messageId: ids[0],
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00$/),
      sender: "CUSTOMER",
      message: "a",
    });
    expect((await post("/chats/history", {}, { chatId, limit: 101 })).status).toBe(400);
  });

  it("sends texts of up to 4096 characters as PARTNER messages", async () => {
    const chatId = fake.addChat();
    fake.customerWrites(chatId, "Здравствуйте");
    const text = "щ".repeat(4096);
    const sent = await post("/chats/message", { message: text }, { chatId });
    expect(sent.status).toBe(200);
    expect(sent.json).toEqual({ status: "OK" });
    expect(fake.chatStatus(chatId)).toBe("WAITING_FOR_CUSTOMER");

    const tooLong = await post("/chats/message", { message: `${text}!` }, { chatId });
    expect(tooLong.status).toBe(400);
    const empty = await post("/chats/message", { message: "" }, { chatId });
    expect(empty.status).toBe(400);
    // 4096 code points, but 8192 UTF-16 units: the stricter reading rejects it.
    const emoji = await post("/chats/message", { message: "😀".repeat(4096) }, { chatId });
    expect(emoji.status).toBe(400);

    fake.partnerWritesInCabinet(chatId, "из кабинета");
    expect(fake.sentByPartner(chatId)).toEqual([
      { kind: "text", messageId: expect.any(Number), text },
    ]);
    expect(fake.messages(chatId).map((m) => m.sender)).toEqual(["CUSTOMER", "PARTNER", "PARTNER"]);
    expect((await post("/chats/message", { message: "x" }, { chatId: 1 })).status).toBe(404);
  });

  it("creates chats idempotently for known orders and returns", async () => {
    fake.addOrder(9001, { customerName: "Олег" });
    fake.addOrder(9002, { refuse: "Chat cannot be created for a cancelled order" });
    fake.addReturn(31, { orderId: 9001 });
    const first = await post("/chats/new", { context: { type: "ORDER", id: 9001 } });
    expect(first.status).toBe(200);
    const chatId = first.json.result.chatId as number;
    const again = await post("/chats/new", { orderId: 9001 });
    expect(again.json).toEqual({ status: "OK", result: { chatId } });
    expect(fake.chatStatus(chatId)).toBe("NEW");

    const returned = await post("/chats/new", { context: { type: "RETURN", id: 31 } });
    expect(returned.json.result.chatId).not.toBe(chatId);
    const refused = await post("/chats/new", { context: { type: "ORDER", id: 9002 } });
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].message).toBe("Chat cannot be created for a cancelled order");
    expect((await post("/chats/new", { context: { type: "ORDER", id: 1 } })).status).toBe(404);
    expect((await post("/chats/new", { context: { type: "DIRECT", id: 1 } })).status).toBe(400);
    expect((await post("/chats/new", {})).status).toBe(400);
  });
});

describe("FakeYandex files", () => {
  it("takes a multipart file with a Cyrillic name containing spaces, byte-identical", async () => {
    const chatId = fake.addChat();
    const bytes = randomBytes(64 * 1024);
    const name = "Счёт на оплату №5 (копия).pdf";
    const res = await upload(chatId, form(bytes, name));
    expect(res).toEqual({ status: 200, json: { status: "OK" } });

    const [sent] = fake.sentByPartner(chatId);
    expect(sent).toMatchObject({ kind: "file", name, contentType: "application/pdf" });
    expect(sent?.kind === "file" && sent.bytes.equals(bytes)).toBe(true);
    const history = await post("/chats/history", {}, { chatId });
    const [message] = history.json.result.messages;
    expect(message).toEqual({
      messageId: expect.any(Number),
      createdAt: expect.any(String),
      sender: "PARTNER",
      payload: [
        { name, url: expect.stringMatching(/\/files\/[0-9a-f-]{36}$/), size: bytes.length },
      ],
    });
    const download = await request(message.payload[0].url, { headers: AUTH });
    expect(Buffer.from(await download.body.arrayBuffer()).equals(bytes)).toBe(true);

    // Some clients write the raw UTF-8 name unquoted; that parses to the same name.
    const boundary = "----raw-boundary";
    const raw = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename=${name}\r\n\r\n`,
      ),
      bytes.subarray(0, 10),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const unquoted = await upload(chatId, {
      body: raw,
      contentType: `multipart/form-data; boundary=${boundary}`,
    });
    expect(unquoted.status).toBe(200);
    expect(fake.sentByPartner(chatId)[1]).toMatchObject({ kind: "file", name });
  });

  it("rejects files over 5 MB and malformed uploads", async () => {
    const chatId = fake.addChat();
    const exact = await upload(chatId, form(new Uint8Array(YANDEX_MAX_FILE_BYTES), "max.bin"));
    expect(exact.status).toBe(200);
    const over = await upload(chatId, form(new Uint8Array(YANDEX_MAX_FILE_BYTES + 1), "big.bin"));
    expect(over.status).toBe(400);
    expect(over.json.status).toBe("ERROR");
    expect(over.json.errors[0].message).toMatch(/^file: at most 5242880 bytes/);

    const wrongPart = new FormData();
    wrongPart.append("document", new Blob([Buffer.from("x")]), "a.txt");
    expect((await upload(chatId, wrongPart)).status).toBe(400);
    expect(fake.contractViolations.at(-1)?.errors).toEqual([
      "file: required part is missing",
      "document: unknown part (the contract does not define it)",
    ]);
    const asJson = await post("/chats/file/send", { file: "aGVsbG8=" }, { chatId });
    expect(asJson.status).toBe(415);
    expect(fake.sentByPartner(chatId)).toHaveLength(1);
  });

  it("serves buyer files only with the Api-Key, also behind a same-host redirect", async () => {
    const chatId = fake.addChat();
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const photo = fake.customerSendsFile(chatId, bytes, "фото 1.jpg", { text: "Вот" });
    expect(fake.messages(chatId)[0]).toEqual({
      messageId: photo.messageId,
      createdAt: expect.any(String),
      sender: "CUSTOMER",
      message: "Вот",
      payload: [{ name: "фото 1.jpg", url: photo.url, size: bytes.length }],
    });

    const anonymous = await request(photo.url);
    expect(anonymous.statusCode).toBe(401);
    expect(await anonymous.body.json()).toEqual({
      status: "ERROR",
      errors: [{ code: "UNAUTHORIZED", message: "Credentials are not specified" }],
    });
    const authed = await request(photo.url, { headers: AUTH });
    expect(authed.statusCode).toBe(200);
    expect(authed.headers["content-type"]).toBe("image/jpeg");
    expect(Buffer.from(await authed.body.arrayBuffer())).toEqual(bytes);

    const doc = fake.customerSendsFile(chatId, Buffer.alloc(1024), "act.pdf", {
      redirect: "same-host",
    });
    const hop = await redirectOf(doc.url, AUTH);
    expect(hop.status).toBe(302);
    const target = await request(hop.location, { headers: AUTH });
    expect((await target.body.arrayBuffer()).byteLength).toBe(1024);
    expect(fake.countByOperation("file")).toBe(4);
  });

  it("can redirect a file link to a foreign host", async () => {
    await withForeignHost(async (foreign) => {
      const chatId = fake.addChat();
      const { url } = fake.customerSendsFile(chatId, Buffer.from("img"), "x.png", {
        redirect: `${foreign.origin}/storage/x.png`,
      });
      const hop = await redirectOf(url, AUTH);
      expect(hop.status).toBe(302);
      expect(hop.location).toBe(`${foreign.origin}/storage/x.png`);
      // A correct client follows the hop without the Api-Key.
      const res = await request(hop.location);
      expect(await res.body.text()).toBe("bytes");
      expect(foreign.seen[0]?.["api-key"]).toBeUndefined();
    });
  });
});

describe("FakeYandex faults", () => {
  it("fails, resets and truncates on demand", async () => {
    fake.failNext("getChats", { status: 500, times: 2, headers: { "retry-after": "1" } });
    const failed = await post("/chats", {});
    expect(failed.status).toBe(500);
    expect(failed.headers["retry-after"]).toBe("1");
    expect(failed.headers["x-ratelimit-resource-limit"]).toBe("5000");
    expect(failed.json).toEqual({
      status: "ERROR",
      errors: [{ code: "INTERNAL_SERVER_ERROR", message: "Internal Server Error" }],
    });
    expect((await post("/chats", {})).status).toBe(500);
    expect((await post("/chats", {})).status).toBe(200);

    fake.resetNext("getChats");
    await expect(post("/chats", {})).rejects.toThrow();

    const chatId = fake.addChat();
    fake.resetNext("sendMessageToChat", { afterProcessing: true });
    await expect(post("/chats/message", { message: "hi" }, { chatId })).rejects.toThrow();
    expect(fake.sentByPartner(chatId)).toHaveLength(1);

    fake.truncateNext("*");
    const cut = await post("/chats", {});
    expect(cut.status).toBe(200);
    expect(() => JSON.parse(cut.text)).toThrow();
    expect(fake.countByOperation("getChats")).toBe(5);
  });
});
