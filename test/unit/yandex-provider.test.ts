import type { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type MarketplaceProvider, marksRead, ProviderError } from "../../src/bridge/provider.ts";
import { YandexProvider } from "../../src/providers/yandex/provider.ts";
import { collect, failure, offlineAgent, replyJson } from "../support/provider-http.ts";

const API = "https://api.partner.market.yandex.ru";
const API_KEY = "ACMA:I4c4CxCSYaI41RSC2uYWP2qj3Rhhm4knMiBEga5K:151c0664";
const BUSINESS = "4815162342";
const BASE = `/v2/businesses/${BUSINESS}`;
const CHAT = "2187";

let agent: MockAgent;
let yandex: YandexProvider;

beforeEach(() => {
  agent = offlineAgent();
  yandex = new YandexProvider({
    apiKey: API_KEY,
    businessId: BUSINESS,
    dispatcher: agent,
    retry: { baseDelayMs: 0 },
  });
});

afterEach(async () => {
  vi.useRealTimers();
  await yandex.close();
  await agent.close();
});

function reply(
  method: "GET" | "POST",
  path: string,
  status: number,
  body: string | object,
  headers = {},
): void {
  replyJson(agent, API, { path, method }, status, body, headers);
}

function ok(result?: object): object {
  return result === undefined ? { status: "OK" } : { status: "OK", result };
}

/** Calls so far; `path` with its query string, as the call history keeps it in fullUrl. */
function calls(path?: string) {
  const history = agent.getCallHistory();
  if (path === undefined) return history?.calls() ?? [];
  return history?.filterCalls({ fullUrl: `${API}${path}` }) ?? [];
}

function sentBodies(path: string): unknown[] {
  return calls(path).map((c) => JSON.parse(String(c.body)));
}

function chatInfo(chatId: number, status = "NEW", type = "CHAT"): object {
  return {
    chatId,
    context: { type: "ORDER", orderId: 100500, campaignId: 1 },
    type,
    status,
    createdAt: "2026-07-17T09:00:00+03:00",
    updatedAt: "2026-07-17T10:00:00+03:00",
  };
}

function msg(messageId: number, sender = "CUSTOMER", text = `m${messageId}`): object {
  return { messageId, createdAt: "2026-07-17T10:00:00+03:00", sender, message: text };
}

function history(messages: object[], nextPageToken?: string): object {
  return ok({
    context: { type: "ORDER", orderId: 100500 },
    messages,
    ...(nextPageToken ? { paging: { nextPageToken } } : {}),
  });
}

describe("YandexProvider.listChats", () => {
  it("pages with nextPageToken and limit 20, sending the Api-Key without Bearer", async () => {
    reply("POST", `${BASE}/chats?limit=20`, 200, {
      status: "OK",
      result: { chats: [chatInfo(1)], paging: { nextPageToken: "p2" } },
    });
    reply("POST", `${BASE}/chats?limit=20&pageToken=p2`, 200, {
      status: "OK",
      result: { chats: [chatInfo(2, "FINISHED", "ARBITRAGE")], paging: {} },
    });
    const chats = await collect(yandex.listChats("all"));
    expect(chats.map((c) => [c.chatId, c.isBuyerChat, c.unreadCount, c.closed])).toEqual([
      ["1", true, 1, false],
      ["2", true, 0, true],
    ]);
    expect(calls().map((c) => c.fullUrl.slice(API.length))).toEqual([
      `${BASE}/chats?limit=20`,
      `${BASE}/chats?limit=20&pageToken=p2`,
    ]);
    expect(calls().map((c) => c.body)).toEqual(["{}", "{}"]);
    const headers = calls()[0]?.headers as Record<string, string>;
    expect(headers["Api-Key"]).toBe(API_KEY);
    expect(headers).not.toHaveProperty("authorization");
  });

  it("asks only chats waiting for the shop on the unread scope, never an empty filter", async () => {
    reply("POST", `${BASE}/chats?limit=20`, 200, ok({ chats: [] }));
    await collect(yandex.listChats("unread"));
    const [body] = sentBodies(`${BASE}/chats?limit=20`);
    expect(body).toEqual({ statuses: ["NEW", "WAITING_FOR_PARTNER"] });
    for (const value of Object.values(body as object)) {
      expect(Array.isArray(value) && value.length > 0).toBe(true);
    }
  });

  it("stops on a repeated page token", async () => {
    reply("POST", `${BASE}/chats?limit=20`, 200, ok({ chats: [], paging: { nextPageToken: "t" } }));
    reply(
      "POST",
      `${BASE}/chats?limit=20&pageToken=t`,
      200,
      ok({ chats: [], paging: { nextPageToken: "t" } }),
    );
    await collect(yandex.listChats("all"));
    expect(calls()).toHaveLength(2);
  });
});

describe("YandexProvider.messagesAfter", () => {
  const path = `${BASE}/chats/history?chatId=${CHAT}&limit=100`;

  it("sends messageIdFrom as a number, drops ids at or below it and sorts ascending", async () => {
    // Newest first and including the id asked from: both undocumented, both handled.
    reply("POST", path, 200, history([msg(13), msg(12, "PARTNER"), msg(10)], "next"));
    reply("POST", `${path}&pageToken=next`, 200, history([msg(11), msg(10)]));
    const messages = await yandex.messagesAfter(CHAT, "10");
    expect(messages.map((m) => [m.id, m.role, m.text, m.orderNumber, m.unread])).toEqual([
      ["11", "buyer", "m11", "100500", false],
      ["12", "seller", "m12", "100500", false],
      ["13", "buyer", "m13", "100500", true],
    ]);
    expect(sentBodies(path)).toEqual([{ messageIdFrom: 10 }]);
    expect(sentBodies(`${path}&pageToken=next`)).toEqual([{ messageIdFrom: 10 }]);
    expect(String(calls(path)[0]?.body)).toBe('{"messageIdFrom":10}');
  });

  it("stops when a page brings nothing new", async () => {
    reply("POST", path, 200, history([msg(10)], "more"));
    expect(await yandex.messagesAfter(CHAT, "10")).toEqual([]);
    expect(calls()).toHaveLength(1);
  });

  it("refuses ids that a JSON number cannot carry, before any request", async () => {
    expect((await failure(yandex.messagesAfter(CHAT, "9007199254740993"))).kind).toBe("invalid");
    expect((await failure(yandex.messagesAfter(CHAT, "abc"))).kind).toBe("invalid");
    expect((await failure(yandex.messagesAfter("chat-1", "5"))).kind).toBe("invalid");
    expect(calls()).toHaveLength(0);
  });
});

describe("YandexProvider.recentMessages", () => {
  const path = `${BASE}/chats/history?chatId=${CHAT}&limit=100`;

  it("reads every page without messageIdFrom and returns all it read, oldest first", async () => {
    const first = Array.from({ length: 100 }, (_, i) =>
      msg(i + 1, i === 59 ? "PARTNER" : "CUSTOMER"),
    );
    const second = [msg(101, "MARKET"), msg(102)];
    reply("POST", path, 200, history(first, "p2"));
    reply("POST", `${path}&pageToken=p2`, 200, history(second));
    const messages = await yandex.recentMessages(CHAT);
    expect(messages).toHaveLength(102);
    expect(messages[0]?.id).toBe("1");
    expect(messages.at(-1)?.id).toBe("102");
    expect(sentBodies(path)).toEqual([{}]);
    // Buyer messages after the shop's answer (id 60) are unread; Market's notice is not.
    const unread = messages.filter((m) => m.unread).map((m) => m.id);
    expect(unread[0]).toBe("61");
    expect(unread).not.toContain("101");
    expect(unread).toContain("102");
    expect(messages.find((m) => m.id === "60")).toMatchObject({ role: "seller", unread: false });
  });

  it("stops after a page that is evidently newest first", async () => {
    reply("POST", path, 200, history([msg(3), msg(2, "PARTNER"), msg(1)], "older"));
    const messages = await yandex.recentMessages(CHAT);
    expect(messages.map((m) => m.id)).toEqual(["1", "2", "3"]);
    expect(calls()).toHaveLength(1);
  });
});

describe("YandexProvider single reads", () => {
  it("reads chat details by GET /chat?chatId", async () => {
    reply(
      "GET",
      `${BASE}/chat?chatId=${CHAT}`,
      200,
      ok({
        ...chatInfo(2187, "WAITING_FOR_ARBITER", "ARBITRAGE"),
        context: { type: "RETURN", orderId: 100500, returnId: 77, customer: { name: "Анна" } },
      }),
    );
    expect(await yandex.chatDetails(CHAT)).toEqual({
      chatId: CHAT,
      orderNumber: "100500",
      returnNumber: "77",
      buyerName: "Анна",
      disputed: true,
      closed: false,
    });
  });

  it("reads one message by GET /chats/message?chatId&messageId", async () => {
    reply(
      "GET",
      `${BASE}/chats/message?chatId=${CHAT}&messageId=55`,
      200,
      ok({
        messageId: 55,
        createdAt: "2026-07-17T10:00:00+03:00",
        sender: "SUPPORT",
        payload: [{ name: "a.png", url: "https://files.messenger.yandex.net/file/1/x", size: 3 }],
      }),
    );
    expect(await yandex.message(CHAT, "55")).toMatchObject({
      id: "55",
      chatId: CHAT,
      role: "system",
      senderLabel: "SUPPORT",
      text: "",
      attachments: [{ name: "a.png", kind: "image", size: 3 }],
    });
  });
});

describe("YandexProvider sends", () => {
  it("sends text to POST /chats/message?chatId", async () => {
    reply("POST", `${BASE}/chats/message?chatId=${CHAT}`, 200, ok());
    await yandex.sendText(CHAT, "Здравствуйте! 👋");
    expect(sentBodies(`${BASE}/chats/message?chatId=${CHAT}`)).toEqual([
      { message: "Здравствуйте! 👋" },
    ]);
  });

  it("refuses empty or over-long text without a request", async () => {
    reply("POST", `${BASE}/chats/message?chatId=${CHAT}`, 200, ok());
    expect((await failure(yandex.sendText(CHAT, " "))).kind).toBe("invalid");
    expect((await failure(yandex.sendText(CHAT, "x".repeat(4097)))).kind).toBe("invalid");
    expect(calls()).toHaveLength(0);
    await yandex.sendText(CHAT, "x".repeat(4096));
    expect(calls()).toHaveLength(1);
  });

  it("refuses files over 5 MB before any request, saying so", async () => {
    expect(yandex.capabilities.maxFileBytes).toBe(5 * 1024 * 1024);
    const bytes = new Uint8Array(5 * 1024 * 1024 + 1);
    const error = await failure(yandex.sendFile(CHAT, { name: "a.pdf", mime: "x/y", bytes }));
    expect(error.kind).toBe("invalid");
    expect(error.message).toContain("5 MB");
    const empty = await failure(
      yandex.sendFile(CHAT, { name: "a.pdf", mime: "x/y", bytes: new Uint8Array() }),
    );
    expect(empty.kind).toBe("invalid");
    expect(calls()).toHaveLength(0);
  });

  it("starts chats by order and return number and returns the chat id as a string", async () => {
    reply("POST", `${BASE}/chats/new`, 200, ok({ chatId: 9001 }));
    reply("POST", `${BASE}/chats/new`, 200, ok({ chatId: 9002 }));
    expect(await yandex.startChat({ kind: "order", number: " 100500 " })).toBe("9001");
    expect(await yandex.startChat({ kind: "return", number: "77" })).toBe("9002");
    expect(sentBodies(`${BASE}/chats/new`)).toEqual([
      { context: { type: "ORDER", id: 100500 } },
      { context: { type: "RETURN", id: 77 } },
    ]);
    expect((await failure(yandex.startChat({ kind: "posting", number: "1-1" }))).kind).toBe(
      "invalid",
    );
    expect((await failure(yandex.startChat({ kind: "order", number: "12-3" }))).kind).toBe(
      "invalid",
    );
    expect(calls()).toHaveLength(2);
  });

  it("marks read without a request (Yandex has no such method)", async () => {
    // The bridge marks read only where the provider says it can.
    const provider: MarketplaceProvider = yandex;
    expect(marksRead(provider)).toBe(false);
    await provider.markRead?.(CHAT, "5");
    await provider.markRead?.(CHAT);
    expect(calls()).toHaveLength(0);
  });
});

describe("YandexProvider errors", () => {
  const path = `${BASE}/chats/message?chatId=${CHAT}`;

  it.each([
    [400, "invalid"],
    [401, "auth"],
    [403, "forbidden"],
    [404, "not_found"],
    [423, "transient"],
    [500, "transient"],
  ])("maps HTTP %i with the error envelope to %s", async (status, kind) => {
    reply("POST", path, status, {
      status: "ERROR",
      errors: [
        { code: "FIRST", message: "first problem" },
        { code: "SECOND", message: "second problem" },
      ],
    });
    const error = await failure(yandex.sendText(CHAT, "hi"));
    expect(error).toMatchObject({ kind, status });
    expect(error.message).toContain("FIRST: first problem; SECOND: second problem");
    expect(error.message).not.toContain(API_KEY);
  });

  it("maps 420 to rate_limited, waiting until X-RateLimit-Resource-Until", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-07-17T12:00:00Z"));
    reply(
      "POST",
      path,
      420,
      {
        status: "ERROR",
        errors: [{ code: "LIMIT", message: "Hit rate limit of 1000 requests per hour" }],
      },
      {
        "X-RateLimit-Resource-Limit": "1000",
        "X-RateLimit-Resource-Remaining": "0",
        "X-RateLimit-Resource-Until": "Fri, 17 Jul 2026 12:40:00 GMT",
      },
    );
    const error = await failure(yandex.sendText(CHAT, "hi"));
    expect(error).toMatchObject({ kind: "rate_limited", status: 420, retryAfterMs: 40 * 60_000 });
    expect(error.retryable).toBe(true);
  });

  it("gives the parallel limit a short wait even though Until names the hour's end", async () => {
    reply(
      "POST",
      path,
      420,
      {
        status: "ERROR",
        errors: [{ code: "LIMIT", message: "Hit rate limit of 4 parallel requests" }],
      },
      { "X-RateLimit-Resource-Until": new Date(Date.now() + 3_600_000).toUTCString() },
    );
    expect(await failure(yandex.sendText(CHAT, "hi"))).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 10_000,
    });
  });

  it("treats a 200 that says status ERROR as a failure", async () => {
    reply("POST", `${BASE}/chats/new`, 200, { status: "ERROR", errors: [{ code: "OOPS" }] });
    const error = await failure(yandex.startChat({ kind: "order", number: "1" }));
    expect(error.message).toContain("OOPS");
  });

  it("retries a failed history read", async () => {
    const historyPath = `${BASE}/chats/history?chatId=${CHAT}&limit=100`;
    reply("POST", historyPath, 503, "");
    reply("POST", historyPath, 200, history([msg(1)]));
    expect((await yandex.recentMessages(CHAT)).map((m) => m.id)).toEqual(["1"]);
  });
});

describe("YandexProvider.download", () => {
  const FILES = "https://files.messenger.yandex.net";

  it("sends the Api-Key to Yandex file hosts only, not across a redirect elsewhere", async () => {
    agent
      .get(FILES)
      .intercept({ path: "/file/123/abc", method: "GET" })
      .reply(302, "", { headers: { location: "https://cdn.example.test/s/abc?sig=1" } });
    agent
      .get("https://cdn.example.test")
      .intercept({ path: "/s/abc?sig=1", method: "GET" })
      .reply(200, Buffer.from([0xff, 0xd8, 0xff]), {
        headers: { "content-type": "application/octet-stream" },
      });
    const file = await yandex.download({
      url: `${FILES}/file/123/abc`,
      name: "Фото",
      kind: "file",
    });
    expect(file.bytes).toEqual(new Uint8Array([0xff, 0xd8, 0xff]));
    expect(file.name).toBe("Фото.bin");
    const all = calls();
    expect(all.map((c) => c.host)).toEqual(["files.messenger.yandex.net", "cdn.example.test"]);
    expect(all[0]?.headers).toMatchObject({ "Api-Key": API_KEY });
    expect(JSON.stringify(all[1]?.headers ?? {})).not.toContain(API_KEY);
  });

  it("keeps the Api-Key across a redirect to another Yandex host", async () => {
    agent
      .get(FILES)
      .intercept({ path: "/file/abc", method: "GET" })
      .reply(302, "", { headers: { location: "https://avatars.mds.yandex.net/get-mssngr/1/abc" } });
    agent
      .get("https://avatars.mds.yandex.net")
      .intercept({ path: "/get-mssngr/1/abc", method: "GET" })
      .reply(200, "%PDF", { headers: { "content-type": "application/pdf" } });
    const file = await yandex.download({ url: `${FILES}/file/abc`, name: "чек.pdf", kind: "file" });
    expect(file).toMatchObject({ name: "чек.pdf", mime: "application/pdf" });
    expect(calls()[1]?.headers).toMatchObject({ "Api-Key": API_KEY });
  });

  it("refuses files over 20 MB", async () => {
    agent
      .get(FILES)
      .intercept({ path: "/file/big", method: "GET" })
      .reply(200, "x", { headers: { "content-length": String(21 * 1024 * 1024) } });
    const error = await failure(
      yandex.download({ url: `${FILES}/file/big`, name: "a.jpg", kind: "image" }),
    );
    expect(error.kind).toBe("invalid");
  });
});

describe("YandexProvider construction", () => {
  it("describes itself and refuses a businessId that is not digits", () => {
    expect(yandex.marketplace).toBe("yandex");
    expect(yandex.marketplaceTitle).toBe("Yandex Market");
    expect(yandex.capabilities).toEqual({
      maxTextLength: 4096,
      maxFileBytes: 5 * 1024 * 1024,
      startChatBy: ["order", "return"],
      listCallsPerHour: 5000,
    });
    expect(() => new YandexProvider({ apiKey: API_KEY, businessId: "abc" })).toThrow(ProviderError);
  });
});
