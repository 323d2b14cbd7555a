// Yandex Market notifications → PushEvent, and the replies the notification API documents.
// Schemas and enums below are copied from the official notification OpenAPI
// (yandex-market/yandex-market-notification-api @ a7b53f9d, openapi/components/schemas/*.yaml).
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { yandexPush } from "../../src/providers/yandex/push.ts";

const NOW = new Date("2026-07-17T10:09:49.759Z");

// SendNotificationResponse.yaml; date-time is checked separately (ajv-formats is not installed).
const RESPONSE_SCHEMA = {
  type: "object",
  required: ["version", "name", "time"],
  properties: {
    version: { type: "string", minLength: 1, maxLength: 100 },
    name: { type: "string", minLength: 1, maxLength: 100 },
    time: { type: "string" },
  },
};
// SendNotificationErrorResponse.yaml + NotificationApiErrorDTO.yaml + NotificationApiErrorType.yaml
const ERROR_SCHEMA = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        type: { type: "string", enum: ["UNKNOWN", "WRONG_EVENT_FORMAT", "DUPLICATED_EVENT"] },
        message: { type: "string" },
      },
    },
  },
};
// NotificationType.yaml
const NOTIFICATION_TYPES = [
  "PING",
  "ORDER_CREATED",
  "ORDER_CANCELLED",
  "ORDER_STATUS_UPDATED",
  "ORDER_RETURN_CREATED",
  "ORDER_CANCELLATION_REQUEST",
  "ORDER_RETURN_STATUS_UPDATED",
  "ORDER_UPDATED",
  "GOODS_FEEDBACK_CREATED",
  "GOODS_FEEDBACK_COMMENT_CREATED",
  "CHAT_CREATED",
  "CHAT_MESSAGE_SENT",
  "CHAT_ARBITRAGE_STARTED",
  "CHAT_ARBITRAGE_FINISHED",
  "QUESTION_CREATED",
  "QUESTION_ANSWER_CREATED",
  "QUESTION_COMMENT_CREATED",
];
const CHAT_TYPES = new Set([
  "CHAT_CREATED",
  "CHAT_MESSAGE_SENT",
  "CHAT_ARBITRAGE_STARTED",
  "CHAT_ARBITRAGE_FINISHED",
]);

const ajv = new Ajv({ allErrors: true, strict: true });
const validResponse = ajv.compile(RESPONSE_SCHEMA);
const validError = ajv.compile(ERROR_SCHEMA);

// RFC 3339 date-time (OpenAPI "format: date-time").
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

// Bodies valid per Chat*NotificationDTO.yaml (all required fields present).
const CHAT_BODIES: Record<string, Record<string, unknown>> = {
  CHAT_CREATED: {
    notificationType: "CHAT_CREATED",
    chatId: 12345,
    businessId: 777,
    createdAt: "2026-07-17T13:00:00.213+03:00",
  },
  CHAT_MESSAGE_SENT: {
    notificationType: "CHAT_MESSAGE_SENT",
    chatId: 12345,
    messageId: "987654",
    businessId: 777,
    sentAt: "2026-07-17T13:00:01.000Z",
  },
  CHAT_ARBITRAGE_STARTED: {
    notificationType: "CHAT_ARBITRAGE_STARTED",
    chatId: 12345,
    businessId: 777,
    startedAt: "2026-07-17T13:00:02Z",
  },
  CHAT_ARBITRAGE_FINISHED: {
    notificationType: "CHAT_ARBITRAGE_FINISHED",
    chatId: 12345,
    businessId: 777,
    finishedAt: "2026-07-17T13:00:03Z",
  },
};

function chatBody(type: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const base = CHAT_BODIES[type];
  if (!base) throw new Error(`no fixture for ${type}`);
  return { ...base, ...changes };
}

function expectSuccess(body: unknown): void {
  expect(validResponse(body), JSON.stringify(validResponse.errors)).toBe(true);
}

function expectWrongFormat(reply: { status: number; body: unknown }): void {
  expect(reply.status).toBe(400);
  expect(validError(reply.body), JSON.stringify(validError.errors)).toBe(true);
  const error = (reply.body as { error: { type: string; message: string } }).error;
  expect(error.type).toBe("WRONG_EVENT_FORMAT");
  expect(error.message).not.toBe("");
}

describe("yandexPush", () => {
  it("is the yandex parser", () => {
    expect(yandexPush.marketplace).toBe("yandex");
  });

  it("answers PING with exactly version, name and the UTC start of processing", () => {
    const result = yandexPush.handle(
      { notificationType: "PING", time: "2026-07-17T10:09:49Z" },
      NOW,
    );
    expect(result.event).toEqual({ type: "ping" });
    expect(result.reply.status).toBe(200);
    expect(result.reply.body).toEqual({
      version: pkg.version,
      name: "marketplace-chat-bridge",
      time: "2026-07-17T10:09:49.759Z",
    });
    expectSuccess(result.reply.body);
    const time = (result.reply.body as { time: string }).time;
    expect(time).toMatch(DATE_TIME);
    expect(new Date(time).getTime()).toBe(NOW.getTime());
  });

  it("answers PING without a time field too (PingNotificationDTO requires none)", () => {
    const result = yandexPush.handle({ notificationType: "PING" }, NOW);
    expect(result.event).toEqual({ type: "ping" });
    expectSuccess(result.reply.body);
  });

  it("maps CHAT_CREATED and CHAT_MESSAGE_SENT to chat_changed with string ids", () => {
    for (const type of ["CHAT_CREATED", "CHAT_MESSAGE_SENT"]) {
      const result = yandexPush.handle(chatBody(type), NOW);
      expect(result.event).toEqual({ type: "chat_changed", chatId: "12345" });
      expect(result.accountKey).toBe("777");
      expect(result.reply.status).toBe(200);
      expectSuccess(result.reply.body);
    }
  });

  it("maps arbitration start and finish to dispute events", () => {
    expect(yandexPush.handle(chatBody("CHAT_ARBITRAGE_STARTED"), NOW).event).toEqual({
      type: "dispute",
      chatId: "12345",
      active: true,
    });
    expect(yandexPush.handle(chatBody("CHAT_ARBITRAGE_FINISHED"), NOW).event).toEqual({
      type: "dispute",
      chatId: "12345",
      active: false,
    });
  });

  it("keeps int64 ids beyond 2^53 exact when the lossless parser made them strings", () => {
    const result = yandexPush.handle(
      chatBody("CHAT_MESSAGE_SENT", {
        chatId: "9223372036854775807",
        businessId: "9007199254740993",
      }),
      NOW,
    );
    expect(result.event).toEqual({ type: "chat_changed", chatId: "9223372036854775807" });
    expect(result.accountKey).toBe("9007199254740993");
  });

  it("acknowledges every other documented type with 200 and ignores it", () => {
    for (const type of NOTIFICATION_TYPES.filter((t) => t !== "PING" && !CHAT_TYPES.has(t))) {
      const result = yandexPush.handle({ notificationType: type, businessId: 5, orderId: 1 }, NOW);
      expect(result.event, type).toEqual({ type: "ignored", what: type });
      expect(result.reply.status).toBe(200);
      expectSuccess(result.reply.body);
      expect(result.accountKey).toBe("5");
    }
  });

  it("acknowledges an unknown type with 200 and ignores it", () => {
    const result = yandexPush.handle({ notificationType: "SOMETHING_NEW", campaignId: 1 }, NOW);
    expect(result.event).toEqual({ type: "ignored", what: "SOMETHING_NEW" });
    expect(result.reply.status).toBe(200);
    expectSuccess(result.reply.body);
    expect(result.accountKey).toBeUndefined();
  });

  it("parses a repeated notification to the same event (de-duplication is the bridge's)", () => {
    const body = chatBody("CHAT_MESSAGE_SENT");
    const first = yandexPush.handle(body, NOW);
    const second = yandexPush.handle(structuredClone(body), NOW);
    expect(second).toEqual(first);
    expect(second.reply.status).toBe(200);
  });

  it("rejects bodies that are not objects or have no notificationType", () => {
    for (const body of [null, 42, "PING", [{ notificationType: "PING" }], {}, { type: "PING" }]) {
      const result = yandexPush.handle(body, NOW);
      expect(result.event, JSON.stringify(body)).toBeUndefined();
      expectWrongFormat(result.reply);
    }
  });

  it("rejects a chat notification missing any of its required fields", () => {
    for (const [type, body] of Object.entries(CHAT_BODIES)) {
      for (const field of Object.keys(body).filter((f) => f !== "notificationType")) {
        const { [field]: _dropped, ...rest } = body;
        const result = yandexPush.handle(rest, NOW);
        expect(result.event, `${type} without ${field}`).toBeUndefined();
        expectWrongFormat(result.reply);
      }
    }
  });

  it("rejects ids that are not positive integers", () => {
    for (const chatId of [0, "0", -1, 1.5, "abc", null]) {
      expectWrongFormat(yandexPush.handle(chatBody("CHAT_CREATED", { chatId }), NOW).reply);
    }
  });

  it("documents the answer to a body that is not JSON", () => {
    expectWrongFormat(yandexPush.malformed(NOW, "body is not valid JSON"));
  });
});
