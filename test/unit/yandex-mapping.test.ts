import { describe, expect, it } from "vitest";
import type { MarketMessage } from "../../src/bridge/provider.ts";
import {
  describeYandexError,
  isYandexHost,
  yandexRetryAfterMs,
} from "../../src/providers/yandex/client.ts";
import {
  attachmentKind,
  mapChatDetails,
  mapChatSummary,
  mapMessage,
  markUnread,
} from "../../src/providers/yandex/mapping.ts";

const UPDATED = "2026-07-17T10:00:00+03:00";

function chat(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    chatId: 21,
    context: { type: "ORDER", orderId: 100500 },
    type: "CHAT",
    status: "NEW",
    createdAt: "2026-07-17T09:00:00+03:00",
    updatedAt: UPDATED,
    ...fields,
  };
}

describe("mapChatSummary", () => {
  it("maps a chat: change token from time and status, unread from the status", () => {
    expect(mapChatSummary(chat({ status: "WAITING_FOR_PARTNER" }))).toEqual({
      chatId: "21",
      isBuyerChat: true,
      changeToken: `${UPDATED}|WAITING_FOR_PARTNER`,
      unreadCount: 1,
      answered: false,
      closed: false,
      disputed: false,
      updatedAt: Date.parse(UPDATED),
    });
    expect(mapChatSummary(chat({ status: "WAITING_FOR_ARBITER" }))?.disputed).toBe(true);
  });

  // Only WAITING_FOR_CUSTOMER says the shop wrote last; in a dispute or a finished chat the
  // buyer may have written last, unanswered.
  it.each([
    ["NEW", 1, false, false],
    ["WAITING_FOR_PARTNER", 1, false, false],
    ["WAITING_FOR_CUSTOMER", 0, true, false],
    ["WAITING_FOR_ARBITER", 0, false, false],
    ["WAITING_FOR_MARKET", 0, false, false],
    ["FINISHED", 0, false, true],
    ["SOMETHING_NEW", 0, false, false],
  ])(
    "status %s → unreadCount %i, answered %s, closed %s",
    (status, unreadCount, answered, closed) => {
      expect(mapChatSummary(chat({ status }))).toMatchObject({ unreadCount, answered, closed });
    },
  );

  it.each([
    ["CHAT", { type: "ORDER" }, true],
    ["ARBITRAGE", { type: "RETURN" }, true],
    ["FUTURE_TYPE", { type: "DIRECT" }, true],
    ["FUTURE_TYPE", { type: "ORDER" }, true],
    ["FUTURE_TYPE", { type: "SUPPORT_TICKET" }, false],
    [undefined, undefined, false],
  ])("type %s with context %j is a buyer chat: %s", (type, context, expected) => {
    expect(mapChatSummary(chat({ type, context }))?.isBuyerChat).toBe(expected);
  });

  it("changes the token when only the status changes", () => {
    const a = mapChatSummary(chat({ status: "WAITING_FOR_PARTNER" }));
    const b = mapChatSummary(chat({ status: "WAITING_FOR_ARBITER" }));
    expect(a?.changeToken).not.toBe(b?.changeToken);
  });

  it("accepts string ids and skips items without a usable chatId", () => {
    expect(mapChatSummary(chat({ chatId: "9007199254740993" }))?.chatId).toBe("9007199254740993");
    expect(mapChatSummary(chat({ chatId: undefined }))).toBeUndefined();
    expect(mapChatSummary(chat({ chatId: "abc" }))).toBeUndefined();
    expect(mapChatSummary(null)).toBeUndefined();
  });
});

describe("mapChatDetails", () => {
  it("takes order, return and buyer from the context", () => {
    const info = chat({
      type: "ARBITRAGE",
      status: "WAITING_FOR_ARBITER",
      context: {
        type: "RETURN",
        orderId: 100500,
        returnId: 777,
        campaignId: 5,
        customer: { name: "Иван П.", publicId: "abc" },
      },
    });
    expect(mapChatDetails("21", info)).toEqual({
      chatId: "21",
      orderNumber: "100500",
      returnNumber: "777",
      buyerName: "Иван П.",
      disputed: true,
      closed: false,
    });
  });

  it("falls back to the deprecated orderId and knows a finished, undisputed chat", () => {
    const info = chat({ status: "FINISHED", orderId: 42, context: { type: "DIRECT" } });
    expect(mapChatDetails("21", info)).toEqual({
      chatId: "21",
      orderNumber: "42",
      disputed: false,
      closed: true,
    });
  });

  it("sees a dispute by status alone", () => {
    expect(mapChatDetails("21", chat({ status: "WAITING_FOR_ARBITER" })).disputed).toBe(true);
  });
});

describe("mapMessage", () => {
  const base = { messageId: 7, createdAt: "2026-07-17T10:00:00+03:00" };

  it.each([
    ["CUSTOMER", "buyer"],
    ["PARTNER", "seller"],
    ["MARKET", "system"],
    ["SUPPORT", "system"],
    ["CHAT_BOT", "system"],
  ])("maps sender %s to %s and keeps the raw label", (sender, role) => {
    expect(mapMessage("21", { ...base, sender, message: "hi" })).toMatchObject({
      id: "7",
      chatId: "21",
      role,
      senderLabel: sender,
      text: "hi",
      attachments: [],
    });
  });

  it("labels a missing sender as unknown system and tolerates a missing text", () => {
    expect(mapMessage("21", base)).toMatchObject({
      role: "system",
      senderLabel: "unknown",
      text: "",
    });
  });

  it("turns payload into attachments, images by extension", () => {
    const message = mapMessage("21", {
      ...base,
      sender: "CUSTOMER",
      payload: [
        { name: "Фото.JPG", url: "https://files.messenger.yandex.net/file/1/a", size: 2048 },
        { name: "check.pdf", url: "https://files.messenger.yandex.net/file/b", size: 100 },
        { name: "scan.heic", url: "https://files.messenger.yandex.net/file/c", size: 1 },
        { name: "no-extension", url: "https://files.messenger.yandex.net/file/d", size: 5 },
        { name: "broken" },
      ],
    });
    expect(message?.text).toBe("");
    expect(message?.attachments).toEqual([
      {
        name: "Фото.JPG",
        url: "https://files.messenger.yandex.net/file/1/a",
        size: 2048,
        kind: "image",
      },
      {
        name: "check.pdf",
        url: "https://files.messenger.yandex.net/file/b",
        size: 100,
        kind: "file",
      },
      {
        name: "scan.heic",
        url: "https://files.messenger.yandex.net/file/c",
        size: 1,
        kind: "image",
      },
      {
        name: "no-extension",
        url: "https://files.messenger.yandex.net/file/d",
        size: 5,
        kind: "file",
      },
    ]);
  });

  it("sets the order number when the history names one, and skips items without an id", () => {
    expect(mapMessage("21", { ...base, sender: "CUSTOMER" }, "100500")?.orderNumber).toBe("100500");
    expect(mapMessage("21", { createdAt: base.createdAt, sender: "CUSTOMER" })).toBeUndefined();
  });

  it.each([
    ["a.png", "image"],
    ["a.webp", "image"],
    ["a.gif", "image"],
    ["a.jpeg", "image"],
    ["a.mp4", "file"],
    ["", "file"],
  ])("attachmentKind(%s) = %s", (name, kind) => {
    expect(attachmentKind(name)).toBe(kind);
  });
});

describe("markUnread", () => {
  function msg(id: string, role: MarketMessage["role"]): MarketMessage {
    return { id, chatId: "21", createdAt: "", role, senderLabel: role, text: "", attachments: [] };
  }

  it("marks buyer messages after the shop's last message as unread, all else read", () => {
    const marked = markUnread([
      msg("1", "buyer"),
      msg("2", "seller"),
      msg("3", "buyer"),
      msg("4", "system"),
      msg("5", "buyer"),
    ]);
    expect(marked.map((m) => [m.id, m.unread])).toEqual([
      ["1", false],
      ["2", false],
      ["3", true],
      ["4", false],
      ["5", true],
    ]);
  });

  it("marks every buyer message unread when the shop never answered", () => {
    expect(markUnread([msg("1", "buyer"), msg("2", "buyer")]).map((m) => m.unread)).toEqual([
      true,
      true,
    ]);
  });
});

describe("isYandexHost", () => {
  it.each([
    ["api.partner.market.yandex.ru", true],
    ["files.messenger.yandex.net", true],
    ["avatars.mds.yandex.net", true],
    ["yandex.net", true],
    ["yandex.ru", true],
    ["files.messenger.yandex.net:8443", true],
    ["127.0.0.1:4010", true],
    ["127.0.0.1:4011", false],
    ["evilyandex.net", false],
    ["yandex.net.evil.test", false],
    ["yandex.com", false],
    ["cdn.example.test", false],
  ])("%s → %s", (host, expected) => {
    expect(isYandexHost(host, "127.0.0.1:4010")).toBe(expected);
  });
});

describe("yandexRetryAfterMs", () => {
  const now = Date.parse("2026-07-17T12:00:00Z");

  it("waits until X-RateLimit-Resource-Until (RFC 822 date)", () => {
    const headers = {
      "x-ratelimit-resource-until": "Fri, 17 Jul 2026 12:30:00 GMT",
      "x-ratelimit-resource-remaining": "0",
    };
    expect(yandexRetryAfterMs(headers, now)).toBe(30 * 60 * 1000);
    expect(
      yandexRetryAfterMs({ "x-ratelimit-resource-until": "Fri, 17 Jul 2026 15:01:00 +0300" }, now),
    ).toBe(60 * 1000);
  });

  it("never returns a tight loop: past dates and missing headers give a floor or the default", () => {
    expect(
      yandexRetryAfterMs({ "x-ratelimit-resource-until": "Fri, 17 Jul 2026 11:00:00 GMT" }, now),
    ).toBe(1000);
    expect(yandexRetryAfterMs({}, now)).toBe(10_000);
    expect(yandexRetryAfterMs({ "x-ratelimit-resource-until": "soon" }, now)).toBe(10_000);
  });

  it("treats a 420 with hourly quota left as the parallel limit", () => {
    const headers = {
      "x-ratelimit-resource-until": "Fri, 17 Jul 2026 13:00:00 GMT",
      "x-ratelimit-resource-remaining": "4900",
    };
    expect(yandexRetryAfterMs(headers, now)).toBe(10_000);
  });
});

describe("describeYandexError", () => {
  const envelope = (...errors: object[]) => ({ status: "ERROR", errors });

  it.each([
    [400, "invalid"],
    [401, "auth"],
    [403, "forbidden"],
    [404, "not_found"],
    [415, "invalid"],
    [420, "rate_limited"],
    [423, "transient"],
    [500, "transient"],
    [503, "transient"],
  ])("HTTP %i → %s", (status, kind) => {
    expect(describeYandexError(status, envelope({ code: "X" })).kind).toBe(kind);
  });

  it("joins codes and messages", () => {
    const body = envelope(
      { code: "BAD_REQUEST", message: "Limit exceeded" },
      { code: "BAD_REQUEST", message: "Collection of field must not be empty" },
      { code: "ONLY_CODE" },
    );
    expect(describeYandexError(400, body).message).toBe(
      "BAD_REQUEST: Limit exceeded; BAD_REQUEST: Collection of field must not be empty; ONLY_CODE",
    );
  });

  it("names the parallel limit's short wait from the message", () => {
    const body = envelope({
      code: "LIMIT_EXCEEDED",
      message: "Hit rate limit of 4 parallel requests for businessId 5",
    });
    expect(describeYandexError(420, body)).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 10_000,
    });
    const hourly = envelope({
      code: "LIMIT_EXCEEDED",
      message: "Hit rate limit of 1000 requests per hour",
    });
    expect(describeYandexError(420, hourly).retryAfterMs).toBeUndefined();
  });

  it("leaves non-envelope bodies to the generic handling", () => {
    expect(describeYandexError(502, "<html>Bad Gateway</html>").message).toBeUndefined();
  });
});
