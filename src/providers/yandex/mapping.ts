// Yandex wire items (GetChatInfoDTO, ChatMessageDTO) → the bridge's normalized model.
// Tolerant by design: Yandex adds enum values without notice (DIRECT in 2025-07), so an
// unknown value degrades to a sensible default instead of dropping the item.

import { extensionOf } from "../../bridge/files.ts";
import type {
  Attachment,
  ChatDetails,
  ChatSummary,
  MarketMessage,
  SenderRole,
} from "../../bridge/provider.ts";
import { idValue, isRecord, nonEmptyString } from "../wire.ts";

const BUYER_CHAT_TYPES = new Set(["CHAT", "ARBITRAGE"]);
const BUYER_CONTEXT_TYPES = new Set(["ORDER", "RETURN", "DIRECT"]);
// Statuses that mean the shop owes an answer: the closest thing Yandex has to "unread".
const AWAITING_SHOP = new Set(["NEW", "WAITING_FOR_PARTNER"]);
const ROLE_BY_SENDER: Record<string, SenderRole> = { CUSTOMER: "buyer", PARTNER: "seller" };
const IMAGE_EXTENSIONS = new Set(["jpg", "jpeg", "png", "webp", "gif", "heic"]);

/** Yandex ids are int64 values from 1 up, so a 0 is no id. */
export function positiveId(value: unknown): string | undefined {
  const id = idValue(value);
  return id === undefined || /^0+$/.test(id) ? undefined : id;
}

/** Upper-case enum spelling; "" for anything that is not a string. */
function enumValue(value: unknown): string {
  return typeof value === "string" ? value.trim().toUpperCase() : "";
}

/**
 * Both chat types are conversations with a buyer (ARBITRAGE is the dispute about an order,
 * still with the buyer in it). A type added later counts as a buyer chat when the chat is
 * about an order, a return or a product (DIRECT): those are the buyer-facing contexts.
 */
export function isBuyerChat(type: unknown, context: unknown): boolean {
  if (BUYER_CHAT_TYPES.has(enumValue(type))) return true;
  return isRecord(context) && BUYER_CONTEXT_TYPES.has(enumValue(context.type));
}

/** One getChats item; undefined when it has no usable chatId. */
export function mapChatSummary(item: unknown): ChatSummary | undefined {
  if (!isRecord(item)) return undefined;
  const chatId = positiveId(item.chatId);
  if (chatId === undefined) return undefined;
  const status = enumValue(item.status);
  return {
    chatId,
    isBuyerChat: isBuyerChat(item.type, item.context),
    // updatedAt is the time of the chat's last message; the status changes without one
    // (a dispute starts, the chat is finished), which should refresh the chat too.
    changeToken: `${nonEmptyString(item.updatedAt) ?? ""}|${status}`,
    // Yandex keeps no unread counter: a chat waiting for the shop counts as one unread.
    unreadCount: AWAITING_SHOP.has(status) ? 1 : 0,
    answered: status === "WAITING_FOR_CUSTOMER",
    closed: status === "FINISHED",
    disputed: isDisputed(item.type, status),
    ...updatedAtOf(item.updatedAt),
  };
}

function updatedAtOf(value: unknown): { updatedAt?: number } {
  const at = typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? {} : { updatedAt: at };
}

/** A dispute runs while the chat is an ARBITRAGE one or waits for the arbiter. */
function isDisputed(type: unknown, status: string): boolean {
  return enumValue(type) === "ARBITRAGE" || status === "WAITING_FOR_ARBITER";
}

/** getChat result → order/return context of the chat. */
export function mapChatDetails(chatId: string, info: Record<string, unknown>): ChatDetails {
  const context = isRecord(info.context) ? info.context : {};
  const status = enumValue(info.status);
  const details: ChatDetails = {
    chatId,
    disputed: isDisputed(info.type, status),
    closed: status === "FINISHED",
  };
  // The top-level orderId is deprecated but older answers may carry only it.
  const orderNumber = positiveId(context.orderId) ?? positiveId(info.orderId);
  if (orderNumber !== undefined) details.orderNumber = orderNumber;
  const returnNumber = positiveId(context.returnId);
  if (returnNumber !== undefined) details.returnNumber = returnNumber;
  const buyerName = isRecord(context.customer) ? nonEmptyString(context.customer.name) : undefined;
  if (buyerName !== undefined) details.buyerName = buyerName;
  return details;
}

/** A payload file is an image when its name says so; Yandex sends no type. */
export function attachmentKind(name: string): Attachment["kind"] {
  const extension = extensionOf(name);
  return extension !== undefined && IMAGE_EXTENSIONS.has(extension) ? "image" : "file";
}

function mapAttachment(item: unknown): Attachment | undefined {
  if (!isRecord(item)) return undefined;
  const url = nonEmptyString(item.url);
  if (url === undefined) return undefined;
  const name = nonEmptyString(item.name) ?? "";
  const attachment: Attachment = { url, name, kind: attachmentKind(name) };
  const size = typeof item.size === "number" ? item.size : Number(item.size);
  if (Number.isSafeInteger(size) && size >= 0) attachment.size = size;
  return attachment;
}

/** One ChatMessageDTO; undefined when it has no usable messageId. */
export function mapMessage(
  chatId: string,
  raw: unknown,
  orderNumber?: string,
): MarketMessage | undefined {
  if (!isRecord(raw)) return undefined;
  const id = positiveId(raw.messageId);
  if (id === undefined) return undefined;
  const sender = nonEmptyString(raw.sender);
  const payload = Array.isArray(raw.payload) ? raw.payload : [];
  const message: MarketMessage = {
    id,
    chatId,
    createdAt: nonEmptyString(raw.createdAt) ?? "",
    // MARKET (automatic notices), SUPPORT (Market staff) and anything newer are system.
    role: ROLE_BY_SENDER[enumValue(sender)] ?? "system",
    senderLabel: sender ?? "unknown",
    text: typeof raw.message === "string" ? raw.message : "",
    attachments: payload.map(mapAttachment).filter((a) => a !== undefined),
  };
  if (orderNumber !== undefined) message.orderNumber = orderNumber;
  return message;
}

/**
 * Yandex has no read flag. What the shop has not answered yet is what a human would call
 * unread: buyer messages after the shop's last message. Everything else (the shop's own,
 * Market's notices, buyer messages already answered) is read. `messages` must be ascending.
 */
export function markUnread(messages: MarketMessage[]): MarketMessage[] {
  let lastSeller = -1;
  messages.forEach((m, index) => {
    if (m.role === "seller") lastSeller = index;
  });
  messages.forEach((m, index) => {
    m.unread = m.role === "buyer" && index > lastSeller;
  });
  return messages;
}
