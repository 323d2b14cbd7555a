// Ozon wire items → the bridge's normalized model. Tolerant by design: Ozon has changed
// enum spellings (Buyer_Seller → BUYER_SELLER), item shapes (flat v2 → nested v3) and id
// encodings (number ↔ string) without notice.

import type { ChatSummary, MarketMessage, SenderRole } from "../../bridge/provider.ts";
import { idValue, isRecord, nonEmptyString } from "../wire.ts";
import { parseOzonMarkdown } from "./markdown.ts";

// Cyrillic letters that look Latin; the docs themselves spell "Сustomer" with a Cyrillic С.
const LOOKALIKES: Record<string, string> = {
  А: "a",
  В: "b",
  Е: "e",
  К: "k",
  М: "m",
  Н: "h",
  О: "o",
  Р: "p",
  С: "c",
  Т: "t",
  У: "y",
  Х: "x",
  а: "a",
  е: "e",
  к: "k",
  о: "o",
  р: "p",
  с: "c",
  у: "y",
  х: "x",
};

const BUYER_CHAT_TYPES = new Set(["buyerseller", "buyersellerselect"]);
const ROLE_BY_USER_TYPE: Record<string, SenderRole> = { customer: "buyer", seller: "seller" };

/** Lower-case Latin letters only: "Buyer_Seller", "BUYER_SELLER" → "buyerseller". */
export function normalizeEnum(value: unknown): string {
  if (typeof value !== "string") return "";
  return value
    .normalize("NFKC")
    .replace(/[\u0400-\u04ff]/g, (letter) => LOOKALIKES[letter] ?? letter)
    .toLowerCase()
    .replace(/[^a-z]/g, "");
}

function count(value: unknown): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.trunc(n) : 0;
}

/** One /v3/chat/list item, nested `{chat: {…}, …}` (v3) or flat (seen in real v2 answers). */
export function mapChatSummary(item: unknown): ChatSummary | undefined {
  if (!isRecord(item)) return undefined;
  const chat = isRecord(item.chat) ? item.chat : item;
  const chatId = nonEmptyString(chat.chat_id);
  if (chatId === undefined) return undefined;
  const lastMessageId = idValue(item.last_message_id);
  const status = normalizeEnum(chat.chat_status);
  const summary: ChatSummary = {
    chatId,
    isBuyerChat: BUYER_CHAT_TYPES.has(normalizeEnum(chat.chat_type)),
    // The list has no update time; the newest id changes with every message, the status
    // when the chat is closed without one.
    changeToken: `${lastMessageId ?? ""}|${status}`,
    unreadCount: count(item.unread_count),
  };
  if (lastMessageId !== undefined) summary.lastMessageId = lastMessageId;
  if (status === "closed") summary.closed = true;
  else if (status === "opened") summary.closed = false;
  return summary;
}

/** One /v3/chat/history message; undefined when it has no usable id. */
export function mapMessage(
  chatId: string,
  raw: unknown,
  apiOrigin: string,
): MarketMessage | undefined {
  if (!isRecord(raw)) return undefined;
  const id = idValue(raw.message_id);
  if (id === undefined) return undefined;
  const user = isRecord(raw.user) ? raw.user : {};
  const userType = nonEmptyString(user.type);
  const data = Array.isArray(raw.data) ? raw.data.filter((d) => typeof d === "string") : [];
  const content = parseOzonMarkdown(data.join("\n"), apiOrigin, raw.is_image === true);
  const message: MarketMessage = {
    id,
    chatId,
    createdAt: nonEmptyString(raw.created_at) ?? "",
    role: ROLE_BY_USER_TYPE[normalizeEnum(userType)] ?? "system",
    senderLabel: userType ?? "unknown",
    text: content.text,
    attachments: content.attachments,
  };
  if (typeof raw.is_read === "boolean") message.unread = !raw.is_read;
  const orderNumber = isRecord(raw.context) ? nonEmptyString(raw.context.order_number) : undefined;
  if (orderNumber !== undefined) message.orderNumber = orderNumber;
  const sku = isRecord(raw.context) ? idValue(raw.context.sku) : undefined;
  if (sku !== undefined && sku !== "0") message.sku = sku;
  return message;
}
