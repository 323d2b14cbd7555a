import type { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OzonProvider } from "../../src/providers/ozon/provider.ts";
import { collect, failure, offlineAgent, replyJson } from "../support/provider-http.ts";

const API = "https://api-seller.ozon.ru";
const CLIENT_ID = "836412";
const API_KEY = "0f6b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d";
const CHAT = "18b8e1f9-4ae7-461c-84ea-8e1f54d1a45e";

let agent: MockAgent;
let ozon: OzonProvider;

beforeEach(() => {
  agent = offlineAgent();
  ozon = new OzonProvider({
    clientId: CLIENT_ID,
    apiKey: API_KEY,
    dispatcher: agent,
    retry: { baseDelayMs: 0 },
  });
});

afterEach(async () => {
  await agent.close();
});

function reply(path: string, status: number, body: string | object, headers = {}): void {
  replyJson(agent, API, { path, method: "POST" }, status, body, headers);
}

function rawBodies(path: string): string[] {
  const calls = agent.getCallHistory()?.filterCalls({ path }) ?? [];
  return calls.map((c) => String(c.body));
}

function sentBodies(path: string): unknown[] {
  return rawBodies(path).map((body) => JSON.parse(body));
}

function message(id: string, text: string, type = "Customer"): string {
  // Bare JSON numbers, as real responses sometimes carry them.
  return `{"message_id":${id},"created_at":"2026-01-01T00:00:00Z","user":{"id":"1","type":"${type}"},"data":[${JSON.stringify(text)}],"is_read":false}`;
}

describe("OzonProvider.listChats", () => {
  it("pages with the cursor while has_next, sending credentials and the unread filter", async () => {
    reply(
      "/v3/chat/list",
      200,
      `{"chats":[{"chat":{"chat_id":"a","chat_status":"OPENED","chat_type":"BUYER_SELLER"},"last_message_id":3000000000817031942,"unread_count":1}],"cursor":"c-1","has_next":"true"}`,
    );
    reply("/v3/chat/list", 200, {
      chats: [
        { chat_id: "b", chat_type: "Seller_Support", last_message_id: "17", unread_count: 0 },
      ],
      cursor: "c-2",
      has_next: false,
    });
    const chats = await collect(ozon.listChats("unread"));
    expect(chats.map((c) => [c.chatId, c.isBuyerChat, c.lastMessageId])).toEqual([
      ["a", true, "3000000000817031942"],
      ["b", false, "17"],
    ]);
    expect(sentBodies("/v3/chat/list")).toEqual([
      { limit: 100, filter: { chat_status: "ALL", unread_only: true } },
      { limit: 100, filter: { chat_status: "ALL", unread_only: true }, cursor: "c-1" },
    ]);
    const headers = agent.getCallHistory()?.firstCall()?.headers as Record<string, string>;
    expect(headers).toMatchObject({ "Client-Id": CLIENT_ID, "Api-Key": API_KEY });
  });

  it("omits unread_only for all chats and stops on a repeated cursor", async () => {
    reply("/v3/chat/list", 200, { chats: [], cursor: "same", has_next: true });
    reply("/v3/chat/list", 200, { chats: [], cursor: "same", has_next: true });
    await collect(ozon.listChats("all"));
    const bodies = sentBodies("/v3/chat/list");
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toEqual({ limit: 100, filter: { chat_status: "ALL" } });
  });
});

describe("OzonProvider.messagesAfter", () => {
  const after = "3000000000817031942";

  it("asks Forward from the id as a bare integer and drops ids at or below it", async () => {
    reply(
      "/v3/chat/history",
      200,
      `{"has_next":true,"messages":[${message(after, "old")},${message("3000000000817031943", "one")},${message("3000000000817031944", "two")}]}`,
    );
    reply(
      "/v3/chat/history",
      200,
      `{"has_next":false,"messages":[${message("3000000000817031944", "two")},${message("3000000000817031945", "three")}]}`,
    );
    const messages = await ozon.messagesAfter(CHAT, after);
    expect(messages.map((m) => [m.id, m.text])).toEqual([
      ["3000000000817031943", "one"],
      ["3000000000817031944", "two"],
      ["3000000000817031945", "three"],
    ]);
    // Compared as text: a JSON.parse of these bodies would round the ids.
    expect(rawBodies("/v3/chat/history")).toEqual([
      `{"chat_id":"${CHAT}","direction":"Forward","from_message_id":${after},"limit":100}`,
      `{"chat_id":"${CHAT}","direction":"Forward","from_message_id":3000000000817031944,"limit":100}`,
    ]);
  });

  it("refuses an id that is not a number", async () => {
    const error = await failure(ozon.messagesAfter(CHAT, "not-an-id"));
    expect(error.kind).toBe("invalid");
  });
});

describe("OzonProvider.recentMessages", () => {
  it("reads Backward without from_message_id and returns oldest first", async () => {
    reply(
      "/v3/chat/history",
      200,
      `{"has_next":true,"messages":[${message("3000000000000000003", "c")},${message("3000000000000000002", "b", "Seller")},${message("3000000000000000001", "a")}]}`,
    );
    const messages = await ozon.recentMessages(CHAT);
    expect(messages.map((m) => [m.text, m.role])).toEqual([
      ["a", "buyer"],
      ["b", "seller"],
      ["c", "buyer"],
    ]);
    expect(sentBodies("/v3/chat/history")).toEqual([
      { chat_id: CHAT, direction: "Backward", limit: 50 },
    ]);
  });
});

describe("OzonProvider sends", () => {
  it("sends text", async () => {
    reply("/v1/chat/send/message", 200, { result: "success" });
    await ozon.sendText(CHAT, "Здравствуйте! 👋");
    expect(sentBodies("/v1/chat/send/message")).toEqual([
      { chat_id: CHAT, text: "Здравствуйте! 👋" },
    ]);
  });

  it("refuses empty or over-long text without a request", async () => {
    expect((await failure(ozon.sendText(CHAT, ""))).kind).toBe("invalid");
    expect((await failure(ozon.sendText(CHAT, "x".repeat(1001)))).kind).toBe("invalid");
    expect(agent.getCallHistory()?.calls()).toHaveLength(0);
  });

  it("counts an emoji as one character", async () => {
    // 1000 emoji are 2000 UTF-16 units: sent whole when counted as characters.
    reply("/v1/chat/send/message", 200, { result: "success" });
    await ozon.sendText(CHAT, "😀".repeat(1000));
    expect(sentBodies("/v1/chat/send/message")).toEqual([
      { chat_id: CHAT, text: "😀".repeat(1000) },
    ]);
    const error = await failure(ozon.sendText(CHAT, "😀".repeat(1001)));
    expect(error.kind).toBe("invalid");
    expect(error.message).toContain("this one has 1001");
    expect(agent.getCallHistory()?.calls()).toHaveLength(1);
  });

  it("sends a file as base64 with an extension in its name", async () => {
    reply("/v1/chat/send/file", 200, { result: "success" });
    await ozon.sendFile(CHAT, { name: "photo", mime: "image/jpeg", bytes: Buffer.from("abc") });
    expect(sentBodies("/v1/chat/send/file")).toEqual([
      { chat_id: CHAT, base64_content: "YWJj", name: "photo.jpg" },
    ]);
  });

  it("refuses files over the capability limit", async () => {
    const bytes = new Uint8Array(ozon.capabilities.maxFileBytes + 1);
    const error = await failure(ozon.sendFile(CHAT, { name: "a.bin", mime: "x/y", bytes }));
    expect(error.kind).toBe("invalid");
  });

  it("starts a chat by posting number", async () => {
    reply("/v1/chat/start", 200, { result: { chat_id: "5969c331-2e64-44b7-8a0e-ff9526762c62" } });
    expect(await ozon.startChat({ kind: "posting", number: " 47873153-0052-1 " })).toBe(
      "5969c331-2e64-44b7-8a0e-ff9526762c62",
    );
    expect(sentBodies("/v1/chat/start")).toEqual([{ posting_number: "47873153-0052-1" }]);
    expect((await failure(ozon.startChat({ kind: "order", number: "1" }))).kind).toBe("invalid");
  });

  it("marks read up to an id sent as a bare integer, or everything", async () => {
    reply("/v2/chat/read", 200, { unread_count: 0 });
    reply("/v2/chat/read", 200, { unread_count: 0 });
    await ozon.markRead(CHAT, "3000000000817031942");
    await ozon.markRead(CHAT);
    expect(rawBodies("/v2/chat/read")).toEqual([
      `{"chat_id":"${CHAT}","from_message_id":3000000000817031942}`,
      `{"chat_id":"${CHAT}"}`,
    ]);
  });
});

describe("OzonProvider errors", () => {
  it.each([
    [401, { code: 16, message: "Invalid Api-Key, please check the key and try again" }, "auth"],
    [403, { code: 7, message: "Method is available only with Premium Plus" }, "forbidden"],
    [400, { code: 9, message: "chat is closed" }, "forbidden"],
    [404, { code: 5, message: "chat not found" }, "not_found"],
    [400, { code: 3, message: "text is too long" }, "invalid"],
    [500, { code: 13, message: "Internal error" }, "transient"],
  ])("maps %i %j to %s with Ozon's message", async (status, body, kind) => {
    reply("/v1/chat/send/message", status, body);
    const error = await failure(ozon.sendText(CHAT, "hi"));
    expect(error.kind).toBe(kind);
    expect(error.status).toBe(status);
    expect(error.message).toContain(body.message);
    expect(error.message).not.toContain(API_KEY);
  });

  it("reports 429 with its Retry-After", async () => {
    reply("/v1/chat/send/message", 429, { code: 8, message: "rate limit" }, { "retry-after": "3" });
    const error = await failure(ozon.sendText(CHAT, "hi"));
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 3000 });
  });

  it("reports truncated JSON as transient", async () => {
    reply("/v1/chat/start", 200, '{"result":{"chat_id":"59');
    expect((await failure(ozon.startChat({ kind: "posting", number: "1-1" }))).kind).toBe(
      "transient",
    );
  });

  it("reports a connection reset as transient and does not resend", async () => {
    const reset = Object.assign(new Error("other side closed"), { code: "ECONNRESET" });
    agent
      .get(API)
      .intercept({ path: "/v1/chat/send/message", method: "POST" })
      .replyWithError(reset);
    expect((await failure(ozon.sendText(CHAT, "hi"))).kind).toBe("transient");
    expect(agent.getCallHistory()?.calls()).toHaveLength(1);
  });

  it("retries a failed history read", async () => {
    reply("/v3/chat/history", 503, "");
    reply("/v3/chat/history", 200, { has_next: false, messages: [] });
    expect(await ozon.recentMessages(CHAT)).toEqual([]);
  });
});

describe("OzonProvider.download", () => {
  const fileUrl = `${API}/v2/chat/file/messenger/0f1e.jpg`;

  it("sends credentials to the Ozon host only, across a redirect to a foreign host", async () => {
    agent
      .get(API)
      .intercept({ path: "/v2/chat/file/messenger/0f1e.jpg", method: "GET" })
      .reply(302, "", { headers: { location: "https://cdn.ozone.test/s3/0f1e.jpg?sig=1" } });
    agent
      .get("https://cdn.ozone.test")
      .intercept({ path: "/s3/0f1e.jpg?sig=1", method: "GET" })
      .reply(200, Buffer.from([0xff, 0xd8, 0xff]), {
        headers: { "content-type": "application/octet-stream" },
      });
    const file = await ozon.download({ url: fileUrl, name: "Фото", kind: "image" });
    expect(file).toEqual({
      name: "Фото.jpg",
      mime: "image/jpeg",
      bytes: new Uint8Array([0xff, 0xd8, 0xff]),
    });
    const calls = agent.getCallHistory()?.calls() ?? [];
    expect(calls.map((c) => c.host)).toEqual(["api-seller.ozon.ru", "cdn.ozone.test"]);
    expect(calls[0]?.headers).toMatchObject({ "Client-Id": CLIENT_ID, "Api-Key": API_KEY });
    const foreign = JSON.stringify(calls[1]?.headers ?? {});
    expect(foreign).not.toContain(API_KEY);
    expect(foreign).not.toContain(CLIENT_ID);
  });

  it("keeps the attachment's name and extension", async () => {
    agent
      .get(API)
      .intercept({ path: "/v2/chat/file/x/uuid.pdf", method: "GET" })
      .reply(200, "%PDF", { headers: { "content-type": "application/pdf" } });
    const file = await ozon.download({
      url: `${API}/v2/chat/file/x/uuid.pdf`,
      name: "Чек.pdf",
      kind: "file",
    });
    expect(file).toMatchObject({ name: "Чек.pdf", mime: "application/pdf" });
  });

  it("refuses files over 20 MB", async () => {
    agent
      .get(API)
      .intercept({ path: "/v2/chat/file/messenger/0f1e.jpg", method: "GET" })
      .reply(200, "x", { headers: { "content-length": String(21 * 1024 * 1024) } });
    const error = await failure(ozon.download({ url: fileUrl, name: "a.jpg", kind: "image" }));
    expect(error.kind).toBe("invalid");
    expect(error.message).toContain("file too large");
  });

  it("gives up after three redirects", async () => {
    agent
      .get(API)
      .intercept({ path: "/v2/chat/file/messenger/0f1e.jpg", method: "GET" })
      .reply(302, "", { headers: { location: fileUrl } })
      .persist();
    const error = await failure(ozon.download({ url: fileUrl, name: "a.jpg", kind: "image" }));
    expect(error.kind).toBe("invalid");
    expect(agent.getCallHistory()?.calls()).toHaveLength(4);
  });
});
