// Ozon push notifications → PushEvent, and the replies the push chapters document
// (Seller API swagger 2025-09, tags push_start, push_types, service_response).
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { parseJsonLossless } from "../../src/providers/http.ts";
import { ozonPush } from "../../src/providers/ozon/push.ts";

const NOW = new Date("2026-07-17T10:09:49.759Z");
const CHAT = "b646d975-0c9c-4872-9f41-8b1e57181063";

// The chat examples of push_types, verbatim apart from the type (note the Cyrillic С in
// "Сustomer" and the string seller_id, both as documented).
const NEW_MESSAGE = {
  message_type: "TYPE_NEW_MESSAGE",
  chat_id: CHAT,
  chat_type: "Buyer_Seller",
  message_id: "3000000000817031942",
  created_at: "2022-07-18T20:58:04.528Z",
  user: { id: "115568", type: "Сustomer" },
  data: ["Текст сообщения"],
  seller_id: "7",
};
const UPDATE_MESSAGE = {
  ...NEW_MESSAGE,
  message_type: "TYPE_UPDATE_MESSAGE",
  updated_at: "2022-07-18T20:59:04.528Z",
};
const MESSAGE_READ = {
  message_type: "TYPE_MESSAGE_READ",
  chat_id: CHAT,
  chat_type: "Buyer_Seller",
  message_id: "3000000000817031942",
  created_at: "2022-07-18T20:58:04.528Z",
  user: { id: "115568", type: "Сustomer" },
  last_read_message_id: "3000000000817031942",
  seller_id: "7",
};
const CHAT_CLOSED = {
  message_type: "TYPE_CHAT_CLOSED",
  chat_id: CHAT,
  chat_type: "Buyer_Seller",
  user: { id: "115568", type: "Сustomer" },
  seller_id: "7",
};

// The push_types table.
const OTHER_TYPES = [
  "TYPE_NEW_POSTING",
  "TYPE_POSTING_CANCELLED",
  "TYPE_STATE_CHANGED",
  "TYPE_CUTOFF_DATE_CHANGED",
  "TYPE_DELIVERY_DATE_CHANGED",
  "TYPE_CREATE_OR_UPDATE_ITEM",
  "TYPE_CREATE_ITEM",
  "TYPE_UPDATE_ITEM",
  "TYPE_PRICE_INDEX_CHANGED",
  "TYPE_STOCKS_CHANGED",
];
const ERROR_CODES = ["ERROR_UNKNOWN", "ERROR_PARAMETER_VALUE_MISSED", "ERROR_REQUEST_DUPLICATED"];

function expectResultTrue(reply: { status: number; body: unknown }): void {
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ result: true });
}

function expectError(reply: { status: number; body: unknown }, code: string): void {
  expect(reply.status).toBeGreaterThanOrEqual(400);
  expect(reply.status).toBeLessThan(500);
  const body = reply.body as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["code", "details", "message"]);
  expect(ERROR_CODES).toContain(body.error.code);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.details).toBeNull();
}

describe("ozonPush", () => {
  it("is the ozon parser", () => {
    expect(ozonPush.marketplace).toBe("ozon");
  });

  it("answers TYPE_PING with exactly version, name and a UTC time", () => {
    const result = ozonPush.handle(
      { message_type: "TYPE_PING", time: "2019-08-24T14:15:22Z" },
      NOW,
    );
    expect(result.event).toEqual({ type: "ping" });
    expect(result.reply.status).toBe(200);
    expect(result.reply.body).toEqual({
      version: pkg.version,
      name: "marketplace-chat-bridge",
      time: "2026-07-17T10:09:49Z",
    });
    // The documented form, "2019-08-24T14:15:22Z".
    const time = (result.reply.body as { time: string }).time;
    expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(time)).toBe(Math.floor(NOW.getTime() / 1000) * 1000);
  });

  it("maps a new buyer message to chat_changed, answering {result: true}", () => {
    const result = ozonPush.handle(NEW_MESSAGE, NOW);
    expect(result.event).toEqual({ type: "chat_changed", chatId: CHAT });
    expect(result.accountKey).toBe("7");
    expectResultTrue(result.reply);
  });

  it("accepts every spelling of the buyer chat type", () => {
    for (const chatType of [
      "Buyer_Seller",
      "BUYER_SELLER",
      "buyer_seller",
      "BUYER_SELLER_SELECT",
    ]) {
      const result = ozonPush.handle({ ...NEW_MESSAGE, chat_type: chatType }, NOW);
      expect(result.event, chatType).toEqual({ type: "chat_changed", chatId: CHAT });
    }
  });

  it("ignores chat pushes about support, notification and typeless chats", () => {
    for (const chatType of ["Seller_Support", "Seller_Notification", "UNSPECIFIED", undefined]) {
      for (const body of [NEW_MESSAGE, UPDATE_MESSAGE, MESSAGE_READ, CHAT_CLOSED]) {
        const result = ozonPush.handle({ ...body, chat_type: chatType }, NOW);
        expect(result.event?.type, `${body.message_type} ${chatType}`).toBe("ignored");
        expectResultTrue(result.reply);
      }
    }
  });

  it("maps an edited message to chat_changed", () => {
    const result = ozonPush.handle(UPDATE_MESSAGE, NOW);
    expect(result.event).toEqual({ type: "chat_changed", chatId: CHAT });
    expectResultTrue(result.reply);
  });

  it("maps a read receipt to read_by_buyer up to last_read_message_id", () => {
    const result = ozonPush.handle(MESSAGE_READ, NOW);
    expect(result.event).toEqual({
      type: "read_by_buyer",
      chatId: CHAT,
      upToId: "3000000000817031942",
    });
    expectResultTrue(result.reply);
  });

  it("keeps a 19-digit last_read_message_id exact when it arrives as a bare number", () => {
    const raw = `{"message_type":"TYPE_MESSAGE_READ","chat_id":"${CHAT}","chat_type":"Buyer_Seller",
      "user":{"id":"1","type":"Customer"},"last_read_message_id":3000000000817031943,"seller_id":7}`;
    const result = ozonPush.handle(parseJsonLossless(raw), NOW);
    expect(result.event).toEqual({
      type: "read_by_buyer",
      chatId: CHAT,
      upToId: "3000000000817031943",
    });
    expect(result.accountKey).toBe("7");
  });

  it("ignores a read receipt from support, not the buyer", () => {
    const body = { ...MESSAGE_READ, user: { id: "1", type: "Support" } };
    const result = ozonPush.handle(body, NOW);
    expect(result.event?.type).toBe("ignored");
    expectResultTrue(result.reply);
  });

  it("maps a closed chat to chat_closed", () => {
    const result = ozonPush.handle(CHAT_CLOSED, NOW);
    expect(result.event).toEqual({ type: "chat_closed", chatId: CHAT });
    expectResultTrue(result.reply);
  });

  it("acknowledges the other documented and unknown types with {result: true}", () => {
    for (const type of [...OTHER_TYPES, "TYPE_SOMETHING_NEW"]) {
      const result = ozonPush.handle(
        { message_type: type, posting_number: "1-2-3", seller_id: 15 },
        NOW,
      );
      expect(result.event, type).toEqual({ type: "ignored", what: type });
      expect(result.accountKey).toBe("15");
      expectResultTrue(result.reply);
    }
  });

  it("parses a repeated notification to the same event (de-duplication is the bridge's)", () => {
    for (const body of [NEW_MESSAGE, MESSAGE_READ, CHAT_CLOSED]) {
      expect(ozonPush.handle(structuredClone(body), NOW)).toEqual(ozonPush.handle(body, NOW));
    }
  });

  it("answers ERROR_UNKNOWN to a body that is not an object", () => {
    for (const body of [null, 1, "TYPE_PING", [NEW_MESSAGE]]) {
      const result = ozonPush.handle(body, NOW);
      expect(result.event).toBeUndefined();
      expectError(result.reply, "ERROR_UNKNOWN");
    }
  });

  it("answers ERROR_PARAMETER_VALUE_MISSED when a needed field is missing", () => {
    const { chat_id: _chat, ...noChat } = NEW_MESSAGE;
    const { last_read_message_id: _last, ...noLastRead } = MESSAGE_READ;
    const bodies = [
      {},
      { message_type: "" },
      { time: "2019-08-24T14:15:22Z" },
      noChat,
      { ...CHAT_CLOSED, chat_id: "" },
      noLastRead,
      { ...MESSAGE_READ, last_read_message_id: "not-a-number" },
    ];
    for (const body of bodies) {
      const result = ozonPush.handle(body, NOW);
      expect(result.event, JSON.stringify(body)).toBeUndefined();
      expectError(result.reply, "ERROR_PARAMETER_VALUE_MISSED");
    }
  });

  it("documents the answer to a body that is not JSON", () => {
    expectError(ozonPush.malformed(NOW, "body is not valid JSON"), "ERROR_UNKNOWN");
  });
});
