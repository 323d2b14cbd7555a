// Yandex Market API notifications (POST notification, SendNotificationRequest) → PushEvent.
// Spec: yandex-market-notification-openapi (paths/notification.yaml, components/schemas/*).
// Every notification that is understood gets 200 SendNotificationResponse, chat or not: any
// other status makes Market retry it for days. 400 is reserved for bodies that break the schema,
// which Market does not retry (the poller still catches up on whatever it was about).

import pkg from "../../../package.json" with { type: "json" };
import type { PushEvent, PushParser, PushReply, PushResult } from "../../bridge/push.ts";
import { isRecord } from "../wire.ts";
import { positiveId } from "./mapping.ts";

/** Shown in the cabinet's notification log. */
const INTEGRATION = { version: pkg.version, name: "marketplace-chat-bridge" };

// Required fields of the chat notifications besides notificationType, with the names of their
// time fields (Chat*NotificationDTO.yaml). chatId and businessId are int64, messageId a string.
const CHAT_TIME_FIELD: Record<string, string> = {
  CHAT_CREATED: "createdAt",
  CHAT_MESSAGE_SENT: "sentAt",
  CHAT_ARBITRAGE_STARTED: "startedAt",
  CHAT_ARBITRAGE_FINISHED: "finishedAt",
};

class Malformed extends Error {}

export const yandexPush: PushParser = {
  marketplace: "yandex",
  // Yandex documents its method as "POST notification" but whether Market appends that to the
  // registered URL is not settled (CHAT-API-REFERENCE B.9.1), so both forms are served.
  pathSuffixes: ["notification"],

  handle(body: unknown, now: Date): PushResult {
    try {
      if (!isRecord(body)) throw new Malformed("the notification is not a JSON object");
      const type = enumValue(body.notificationType);
      if (type === "") throw new Malformed("notificationType is missing");
      const event = eventOf(type, body);
      const accountKey = positiveId(body.businessId);
      return {
        reply: { status: 200, body: { ...INTEGRATION, time: now.toISOString() } },
        event,
        ...(accountKey === undefined ? {} : { accountKey }),
      };
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      return { reply: malformedReply(error.message) };
    }
  },

  malformed(_now: Date, reason: string): PushReply {
    return malformedReply(reason);
  },
};

// SendNotificationErrorResponse. Of the NotificationApiErrorType values (UNKNOWN,
// WRONG_EVENT_FORMAT, DUPLICATED_EVENT) only the format error applies: duplicates are normal.
function malformedReply(reason: string): PushReply {
  return { status: 400, body: { error: { type: "WRONG_EVENT_FORMAT", message: reason } } };
}

function eventOf(type: string, body: Record<string, unknown>): PushEvent {
  if (type === "PING") return { type: "ping" };
  const timeField = CHAT_TIME_FIELD[type];
  // ORDER_*, GOODS_FEEDBACK_*, QUESTION_* and types added later: acknowledged, not used.
  if (timeField === undefined) return { type: "ignored", what: type };
  const chatId = requiredId(body, "chatId", type);
  requiredId(body, "businessId", type);
  requiredString(body, timeField, type);
  switch (type) {
    case "CHAT_MESSAGE_SENT":
      // A string in the spec; a number would carry the same id, so it is not worth a 400.
      if (typeof body.messageId !== "number") requiredString(body, "messageId", type);
      return { type: "chat_changed", chatId };
    case "CHAT_ARBITRAGE_STARTED":
      return { type: "dispute", chatId, active: true };
    case "CHAT_ARBITRAGE_FINISHED":
      return { type: "dispute", chatId, active: false };
    default:
      return { type: "chat_changed", chatId };
  }
}

function requiredId(body: Record<string, unknown>, field: string, type: string): string {
  const id = positiveId(body[field]);
  if (id === undefined) {
    throw new Malformed(`${type}: ${field} is missing or not a positive integer`);
  }
  return id;
}

// Time fields are only checked for presence: the bridge never reads them, and rejecting a
// notification over a timestamp spelling would lose its chat event for nothing.
function requiredString(body: Record<string, unknown>, field: string, type: string): void {
  const value = body[field];
  if (typeof value !== "string" || value.trim() === "") {
    throw new Malformed(`${type}: ${field} is missing`);
  }
}

function enumValue(value: unknown): string {
  return typeof value === "string" ? value.trim().toUpperCase() : "";
}
