// Ozon push notifications (Seller API chapters push_start, push_types, service_response) →
// PushEvent. Ozon suspends pushes when fewer than half of the answers are 200, so everything
// that parses is acknowledged with 200, used or not; 400 only for a body missing what its type
// needs. Bodies come through a lossless JSON parser: message ids are uint64 (> 2^53).

import pkg from "../../../package.json" with { type: "json" };
import type { PushEvent, PushParser, PushReply, PushResult } from "../../bridge/push.ts";
import { idValue, isRecord } from "../wire.ts";
import { normalizeEnum } from "./mapping.ts";

/** Answered to TYPE_PING (push_start, "Запрос для проверки соединения"). */
const INTEGRATION = { version: pkg.version, name: "marketplace-chat-bridge" };

const CHAT_TYPES = new Set([
  "TYPE_NEW_MESSAGE",
  "TYPE_UPDATE_MESSAGE",
  "TYPE_MESSAGE_READ",
  "TYPE_CHAT_CLOSED",
]);
// Buyer_Seller in the push docs; BUYER_SELLER and BUYER_SELLER_SELECT in the 2026 chat API.
const BUYER_CHAT_TYPES = new Set(["buyerseller", "buyersellerselect"]);

type ErrorCode = "ERROR_UNKNOWN" | "ERROR_PARAMETER_VALUE_MISSED";

class Malformed extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export const ozonPush: PushParser = {
  marketplace: "ozon",

  handle(body: unknown, now: Date): PushResult {
    try {
      if (!isRecord(body)) {
        throw new Malformed("ERROR_UNKNOWN", "the notification is not a JSON object");
      }
      const type = typeof body.message_type === "string" ? body.message_type.trim() : "";
      if (type === "") {
        throw new Malformed("ERROR_PARAMETER_VALUE_MISSED", "message_type is missing");
      }
      const accountKey = sellerId(body.seller_id);
      const event = eventOf(type.toUpperCase(), body);
      const reply: PushReply =
        event.type === "ping"
          ? { status: 200, body: { ...INTEGRATION, time: utcSeconds(now) } }
          : { status: 200, body: { result: true } };
      return { reply, event, ...(accountKey === undefined ? {} : { accountKey }) };
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      return { reply: errorReply(error.code, error.message) };
    }
  },

  malformed(_now: Date, reason: string): PushReply {
    return errorReply("ERROR_UNKNOWN", reason);
  },
};

function eventOf(type: string, body: Record<string, unknown>): PushEvent {
  if (type === "TYPE_PING") return { type: "ping" };
  // Postings, products, prices, stocks and types added later: acknowledged, not used.
  if (!CHAT_TYPES.has(type)) return { type: "ignored", what: type };
  const chatId = typeof body.chat_id === "string" ? body.chat_id.trim() : "";
  if (chatId === "") missing(type, "chat_id");
  // Support and Ozon-notification chats have no topic; a sync of one would create it. The rule
  // covers every chat push, not only new messages, for that reason.
  const chatType = normalizeEnum(body.chat_type);
  if (!BUYER_CHAT_TYPES.has(chatType)) {
    return { type: "ignored", what: `${type} in a ${chatType || "typeless"} chat` };
  }
  switch (type) {
    case "TYPE_MESSAGE_READ": {
      // "Read by the buyer or by support" (push_types): only the buyer's reading is news.
      const reader = normalizeEnum(isRecord(body.user) ? body.user.type : undefined);
      if (reader !== "" && reader !== "customer") {
        return { type: "ignored", what: `${type} by ${reader}` };
      }
      const upToId = idValue(body.last_read_message_id);
      if (upToId === undefined) missing(type, "last_read_message_id");
      return { type: "read_by_buyer", chatId, upToId };
    }
    case "TYPE_CHAT_CLOSED":
      return { type: "chat_closed", chatId };
    default:
      return { type: "chat_changed", chatId };
  }
}

function missing(type: string, field: string): never {
  throw new Malformed("ERROR_PARAMETER_VALUE_MISSED", `${type}: ${field} is missing`);
}

/** seller_id is int64 in the tables and "7" in the examples; either spelling names the account. */
function sellerId(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  return undefined;
}

// The documented example is "2019-08-24T14:15:22Z"; Ozon rejects a time it cannot read
// (WRONG_RESULT_TIME_FIELD) without saying which forms it reads, so the answer copies that form.
function utcSeconds(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

function errorReply(code: ErrorCode, message: string): PushReply {
  return { status: 400, body: { error: { code, message, details: null } } };
}
