// Wildberries wire items (Chat, Event) → facts for topics and the bridge's normalized model.
// Tolerant by design: every field of these schemas is optional (ref §10), `sender` already has a
// value beyond buyer and seller ("wb"), `source` is a free string, `eventType` has one value today.
//
// Message ids. The bridge orders and compares message ids as decimal BigInts (compareIds in
// src/bridge/provider.ts), but WB's only message identifier is the event's `eventID`, a
// UUID-like string (its own example has non-hex letters, ref §7). So the id of a message is
//   addTimestamp in ms, followed by 6 decimal digits taken from a hash of the eventID
// e.g. "1698037340000" + "481516". It is stable (the same event always gets the same id, on any
// page and after a restart), orders messages by WB's time, and differs for two events of one
// millisecond unless their hashes collide in 6 digits (1 in a million per such pair); within one
// millisecond the order is the hash's, not WB's. The eventID itself is kept beside the message
// (WbEventFacts.eventId) for deduplication.

import { createHash } from "node:crypto";
import type { Attachment, ChatSummary, MarketMessage, SenderRole } from "../../bridge/provider.ts";
import { idValue, isRecord, nonEmptyString } from "../wire.ts";

/** `Listing` ("goodCard"): the order and product a chat is about. */
export interface WbGoodCard {
  /** WB article (nmID), as digits. */
  nmId?: string;
  size?: string;
  /** "Actual price after all discounts"; unit undocumented (ref §11.13). */
  price?: number;
  priceCurrency?: string;
  /** Unique order id (the `srid` of other WB methods). */
  rid?: string;
}

export interface WbChatFacts {
  chatId: string;
  /** What a send to this chat needs; may rotate (ref §11.7): the list holds the current one. */
  replySign?: string;
  clientName?: string;
  goodCard?: WbGoodCard;
  lastMessage?: { text: string; at?: number };
}

/** Where a message was written (`source`, ref §5.2): who, and through what. */
export type WbOrigin =
  /** The buyer, in a WB app or site (rusite, global, ios, android). */
  | "buyer-app"
  /** The seller, in the WB seller portal. */
  | "seller-portal"
  /** The seller through the public API: this bridge, or another integration of the account. */
  | "seller-api"
  | "unknown";

export interface WbFileFacts {
  downloadId: string;
  kind: "image" | "file";
  name: string;
  contentType?: string;
  size?: number;
  /** The basket link of the event; its auth and lifetime are undocumented (ref §11.11). */
  basketUrl?: string;
}

export interface WbEventFacts {
  eventId: string;
  chatId: string;
  eventType: string;
  /** addTimestamp in ms. */
  at: number;
  isNewChat: boolean;
  /** Only on a chat's first event (isNewChat, ref §8). */
  replySign?: string;
  clientName?: string;
  /** Only on a chat's first event in the spec's example (ref §10). */
  goodCard?: WbGoodCard;
  source?: string;
  origin: WbOrigin;
  files: WbFileFacts[];
  /** False for an event with neither text nor files (the example's fourth event, ref §10). */
  hasContent: boolean;
  message: MarketMessage;
}

const ROLE_BY_SENDER: Record<string, SenderRole> = {
  client: "buyer",
  seller: "seller",
  wb: "system",
};
const BUYER_SOURCES = new Set(["rusite", "global", "ios", "android"]);
// A timestamp below this is in seconds (1e11 ms is 1973; 1e11 s is the year 5138).
const MS_THRESHOLD = 100_000_000_000;
const TIEBREAK_DIGITS = 6;

/**
 * A WB "Unix timestamp" in ms. The request's `next` is ms by the spec's words, the response
 * values only by example (ref §11.5): a value of seconds size is taken as seconds.
 */
export function timestampMs(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n <= 0) return undefined;
  return n >= MS_THRESHOLD ? n : n * 1000;
}

/** The decimal message id of an event (see the top of this file). */
export function messageIdOf(at: number, eventId: string): string {
  const hash = createHash("sha256").update(eventId).digest();
  const tiebreak = Number(hash.readBigUInt64BE(0) % 10n ** BigInt(TIEBREAK_DIGITS));
  return `${at}${String(tiebreak).padStart(TIEBREAK_DIGITS, "0")}`;
}

/** The ms part of a message id made by messageIdOf. */
export function timeOfMessageId(id: string): number | undefined {
  if (!/^\d+$/.test(id) || id.length <= TIEBREAK_DIGITS) return undefined;
  return Number(id.slice(0, -TIEBREAK_DIGITS));
}

export function mapGoodCard(raw: unknown): WbGoodCard | undefined {
  if (!isRecord(raw)) return undefined;
  const card: WbGoodCard = {};
  const nmId = idValue(raw.nmID);
  if (nmId !== undefined && nmId !== "0") card.nmId = nmId;
  const size = nonEmptyString(raw.size);
  if (size !== undefined) card.size = size;
  if (typeof raw.price === "number" && Number.isFinite(raw.price)) card.price = raw.price;
  const currency = nonEmptyString(raw.priceCurrency);
  if (currency !== undefined) card.priceCurrency = currency;
  const rid = nonEmptyString(raw.rid);
  if (rid !== undefined) card.rid = rid;
  return Object.keys(card).length > 0 ? card : undefined;
}

/** One `Chat` of GET /chats; undefined without a chatID. */
export function mapChat(raw: unknown): WbChatFacts | undefined {
  if (!isRecord(raw)) return undefined;
  const chatId = nonEmptyString(raw.chatID);
  if (chatId === undefined) return undefined;
  const chat: WbChatFacts = { chatId };
  const replySign = nonEmptyString(raw.replySign);
  if (replySign !== undefined) chat.replySign = replySign;
  const clientName = nonEmptyString(raw.clientName);
  if (clientName !== undefined) chat.clientName = clientName;
  const goodCard = mapGoodCard(raw.goodCard);
  if (goodCard !== undefined) chat.goodCard = goodCard;
  if (isRecord(raw.lastMessage)) {
    const at = timestampMs(raw.lastMessage.addTimestamp);
    chat.lastMessage = {
      text: typeof raw.lastMessage.text === "string" ? raw.lastMessage.text : "",
      ...(at === undefined ? {} : { at }),
    };
  }
  return chat;
}

/**
 * The chat as a ChatSummary. WB's list tells no unread count, no status and no id of the last
 * message, only its time and text: the time is the change token. Every chat is a buyer chat.
 */
export function chatSummary(chat: WbChatFacts): ChatSummary {
  const at = chat.lastMessage?.at;
  return {
    chatId: chat.chatId,
    isBuyerChat: true,
    changeToken: at === undefined ? "" : String(at),
    unreadCount: 0,
    ...(at === undefined ? {} : { updatedAt: at }),
  };
}

function originOf(sender: string | undefined, source: string | undefined): WbOrigin {
  if (source === "seller-portal") return "seller-portal";
  if (source === "seller-public-api") return "seller-api";
  if (source !== undefined && BUYER_SOURCES.has(source)) return "buyer-app";
  return sender === "client" ? "buyer-app" : "unknown";
}

/** The role by `sender`; without one, by `source`; anything else is a system message. */
function roleOf(sender: string | undefined, origin: WbOrigin): SenderRole {
  const bySender = sender === undefined ? undefined : ROLE_BY_SENDER[sender.toLowerCase()];
  if (bySender !== undefined) return bySender;
  if (origin === "seller-portal" || origin === "seller-api") return "seller";
  if (origin === "buyer-app") return "buyer";
  return "system";
}

function mapFiles(raw: unknown, kind: "image" | "file"): WbFileFacts[] {
  if (!Array.isArray(raw)) return [];
  const files: WbFileFacts[] = [];
  for (const item of raw) {
    if (!isRecord(item)) continue;
    const downloadId = nonEmptyString(item.downloadID);
    // Without a downloadID the documented download cannot fetch it (ref §9): nothing to pass on.
    if (downloadId === undefined) continue;
    const basketUrl = nonEmptyString(item.url);
    const file: WbFileFacts = {
      downloadId,
      kind,
      // Images carry no name (ref §9): the basket link's file name, if it has one.
      name: nonEmptyString(item.name) ?? basketName(basketUrl) ?? "",
    };
    const contentType = nonEmptyString(item.contentType);
    if (contentType !== undefined) file.contentType = contentType;
    if (typeof item.size === "number" && Number.isSafeInteger(item.size) && item.size >= 0) {
      file.size = item.size;
    }
    if (basketUrl !== undefined) file.basketUrl = basketUrl;
    files.push(file);
  }
  return files;
}

function basketName(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const last = new URL(url).pathname.split("/").at(-1) ?? "";
    return /\.[A-Za-z0-9]{2,5}$/.test(last) ? decodeURIComponent(last) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One `Event` of GET /events; undefined when it cannot become a message: no eventID, no chatID,
 * no time, or an eventType other than "message". `downloadUrl` makes the address the provider
 * fetches a file from (WildberriesClient.downloadUrl).
 */
export function mapEvent(
  raw: unknown,
  downloadUrl: (downloadId: string) => string,
): WbEventFacts | undefined {
  if (!isRecord(raw)) return undefined;
  const eventId = nonEmptyString(raw.eventID);
  const chatId = nonEmptyString(raw.chatID);
  // addTime (UTC, whole seconds) when addTimestamp is missing.
  const parsed = typeof raw.addTime === "string" ? Date.parse(raw.addTime) : Number.NaN;
  const at = timestampMs(raw.addTimestamp) ?? (Number.isNaN(parsed) ? undefined : parsed);
  const eventType = nonEmptyString(raw.eventType) ?? "message";
  if (eventId === undefined || chatId === undefined || at === undefined || at <= 0) {
    return undefined;
  }
  if (eventType !== "message") return undefined;
  const sender = nonEmptyString(raw.sender);
  const source = nonEmptyString(raw.source);
  const origin = originOf(sender, source);
  const body = isRecord(raw.message) ? raw.message : {};
  const attachments = isRecord(body.attachments) ? body.attachments : {};
  const files = [...mapFiles(attachments.images, "image"), ...mapFiles(attachments.files, "file")];
  const goodCard = mapGoodCard(attachments.goodCard);
  const messageText = typeof body.text === "string" ? body.text : "";
  const message: MarketMessage = {
    id: messageIdOf(at, eventId),
    chatId,
    createdAt: new Date(at).toISOString(),
    role: roleOf(sender, origin),
    senderLabel: sender ?? source ?? "unknown",
    text: messageText,
    attachments: files.map((file) => toAttachment(file, downloadUrl)),
  };
  if (goodCard?.rid !== undefined) message.orderNumber = goodCard.rid;
  if (goodCard?.nmId !== undefined) message.sku = goodCard.nmId;
  const facts: WbEventFacts = {
    eventId,
    chatId,
    eventType,
    at,
    isNewChat: raw.isNewChat === true,
    origin,
    files,
    hasContent: messageText.trim() !== "" || files.length > 0,
    message,
  };
  const replySign = nonEmptyString(raw.replySign);
  if (replySign !== undefined) facts.replySign = replySign;
  const clientName = nonEmptyString(raw.clientName);
  if (clientName !== undefined) facts.clientName = clientName;
  if (goodCard !== undefined) facts.goodCard = goodCard;
  if (source !== undefined) facts.source = source;
  return facts;
}

function toAttachment(file: WbFileFacts, downloadUrl: (id: string) => string): Attachment {
  return {
    url: downloadUrl(file.downloadId),
    name: file.name,
    kind: file.kind,
    ...(file.size === undefined ? {} : { size: file.size }),
  };
}
