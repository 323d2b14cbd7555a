import { describe, expect, it } from "vitest";
import { describeOzonError } from "../../src/providers/ozon/client.ts";
import { mapChatSummary, mapMessage, normalizeEnum } from "../../src/providers/ozon/mapping.ts";

const API = "https://api-seller.ozon.ru";

describe("normalizeEnum", () => {
  it("folds case, separators and Cyrillic look-alikes", () => {
    expect(normalizeEnum("Buyer_Seller")).toBe("buyerseller");
    expect(normalizeEnum("BUYER_SELLER")).toBe("buyerseller");
    expect(normalizeEnum("\u0421ustomer")).toBe("customer");
    expect(normalizeEnum(undefined)).toBe("");
  });
});

describe("mapChatSummary", () => {
  it.each([
    ["BUYER_SELLER", true],
    ["Buyer_Seller", true],
    ["BUYER_SELLER_SELECT", true],
    ["SELLER_SUPPORT", false],
    ["Seller_Notification", false],
    ["SOMETHING_NEW", false],
    [undefined, false],
  ])("treats chat_type %s as buyer chat: %s", (chatType, buyer) => {
    const summary = mapChatSummary({ chat: { chat_id: "c1", chat_type: chatType } });
    expect(summary?.isBuyerChat).toBe(buyer);
  });

  it("reads the nested v3 shape", () => {
    const summary = mapChatSummary({
      chat: { chat_id: "c1", chat_status: "OPENED", chat_type: "BUYER_SELLER" },
      first_unread_message_id: "3000000000118021931",
      last_message_id: "30000000001280042740",
      unread_count: 2,
    });
    expect(summary).toEqual({
      chatId: "c1",
      isBuyerChat: true,
      changeToken: "30000000001280042740|opened",
      lastMessageId: "30000000001280042740",
      unreadCount: 2,
      closed: false,
    });
  });

  it("reads the flat v2 shape with numeric ids", () => {
    const summary = mapChatSummary({
      chat_id: "c2",
      chat_status: "Closed",
      chat_type: "Buyer_Seller",
      last_message_id: 12345,
      unread_count: 0,
    });
    expect(summary).toMatchObject({ chatId: "c2", isBuyerChat: true, lastMessageId: "12345" });
    expect(summary?.closed).toBe(true);
  });

  it("skips items without a chat id", () => {
    expect(mapChatSummary({ chat: {} })).toBeUndefined();
    expect(mapChatSummary("junk")).toBeUndefined();
  });
});

describe("mapMessage", () => {
  const base = {
    message_id: "3000000000817031942",
    created_at: "2019-08-24T14:15:22Z",
    data: ["Здравствуйте"],
    is_read: false,
    context: { order_number: "123456789", sku: "987654321" },
  };

  it.each([
    ["Customer", "buyer"],
    ["customer", "buyer"],
    ["\u0421ustomer", "buyer"],
    ["Seller", "seller"],
    ["seller", "seller"],
    ["Crm", "system"],
    ["Courier", "system"],
    ["Support", "system"],
    ["NotificationUser", "system"],
    ["ChatBot", "system"],
    ["Martian", "system"],
  ])("maps user.type %s to %s", (type, role) => {
    const message = mapMessage("c1", { ...base, user: { id: "1", type } }, API);
    expect(message?.role).toBe(role);
    expect(message?.senderLabel).toBe(type);
  });

  it("maps the fields of a message", () => {
    const message = mapMessage(
      "c1",
      {
        ...base,
        data: ["Фото:", `![](${API}/v2/chat/file/a.jpg)`],
        user: { id: "1", type: "Customer" },
      },
      API,
    );
    expect(message).toEqual({
      id: "3000000000817031942",
      chatId: "c1",
      createdAt: "2019-08-24T14:15:22Z",
      role: "buyer",
      senderLabel: "Customer",
      text: "Фото:",
      attachments: [{ url: `${API}/v2/chat/file/a.jpg`, name: "a.jpg", kind: "image" }],
      unread: true,
      orderNumber: "123456789",
      sku: "987654321",
    });
  });

  it("tolerates a missing user and skips messages without an id", () => {
    expect(mapMessage("c1", { ...base, user: undefined }, API)).toMatchObject({
      role: "system",
      senderLabel: "unknown",
    });
    expect(mapMessage("c1", { ...base, message_id: "abc" }, API)).toBeUndefined();
  });
});

describe("describeOzonError", () => {
  it.each([
    [403, { code: 7, message: "Available only with Premium Plus subscription" }, "forbidden"],
    [400, { code: 3, message: "The 48 hours reply window has expired" }, "forbidden"],
    [400, { code: 3, message: "chat is closed" }, "forbidden"],
    [400, { code: 3, message: "cannot start a chat for FBO posting" }, "forbidden"],
    [400, { code: 3, message: "invalid chat_id 4812" }, undefined],
    [400, { code: 8, message: "too many" }, "rate_limited"],
    [500, { code: 14, message: "You have reached request rate limit per second" }, "rate_limited"],
    [403, { code: 7, message: "Invalid Api-Key, please check the key and try again" }, "auth"],
    [401, { code: 16, message: "unauthenticated" }, "auth"],
  ])("classifies %i %j as %s", (status, body, kind) => {
    expect(describeOzonError(status, body)?.kind).toBe(kind);
  });

  it("asks for a long pause when the circuit is open", () => {
    expect(describeOzonError(429, { code: 8, message: "Circle is open" })).toEqual({
      message: "Circle is open",
      kind: "rate_limited",
      retryAfterMs: 60_000,
    });
  });
});
