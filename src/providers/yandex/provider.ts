// Yandex Market Partner API behind the bridge's MarketplaceProvider contract.

import { withExtension } from "../../bridge/files.ts";
import {
  type Attachment,
  type ChatDetails,
  type ChatSummary,
  compareIds,
  type DownloadedFile,
  type Id,
  type MarketMessage,
  type MarketplaceProvider,
  type OutgoingFile,
  oldestFirst,
  type ProviderCapabilities,
  ProviderError,
  type ReadsChats,
  type ReadsHistory,
  type StartsChats,
  type StartTarget,
  type TellsChatDetails,
} from "../../bridge/provider.ts";
import { downloadAttachment, safeFileName } from "../files.ts";
import {
  type ChatsFilter,
  type HistoryPage,
  YandexClient,
  type YandexClientOptions,
} from "./client.ts";
import { mapChatDetails, mapChatSummary, mapMessage, markUnread, positiveId } from "./mapping.ts";

export type YandexProviderOptions = YandexClientOptions;

// sendMessageToChat: message 1..4096 (counted like the bridge's splitter, in UTF-16 units,
// which is never more lenient than a count in code points).
const MAX_TEXT_LENGTH = 4096;
// sendFileToChat: "Максимальный размер файла — 5 Мбайт".
const MAX_SEND_FILE_BYTES = 5 * 1024 * 1024;
// Bounds against a server that keeps sending nextPageToken: 20 000 chats (getChats pages
// hold 20), 2 000 new messages per call (the next poll continues from the newest id).
const MAX_LIST_PAGES = 1000;
const MAX_HISTORY_PAGES = 20;
// The history's order is undocumented, so the newest messages may sit on the last page: read
// up to 10 000 messages for a first sight (once per chat; getChatHistory allows 10 000 an hour).
// The bridge keeps the newest 50 of a new chat, but every message after a time-only baseline.
const MAX_RECENT_PAGES = 100;
// The unread scope: chats that wait for the shop (NEW has no answer yet at all).
const UNREAD_FILTER: ChatsFilter = { statuses: ["NEW", "WAITING_FOR_PARTNER"] };

/**
 * Not `MarksRead`: Yandex has no method to mark a chat read; the shop's answer is what changes
 * the chat's status.
 */
export class YandexProvider
  implements MarketplaceProvider, ReadsChats, ReadsHistory, StartsChats, TellsChatDetails
{
  readonly marketplace = "yandex";
  readonly marketplaceTitle = "Yandex Market";
  readonly capabilities: ProviderCapabilities = {
    maxTextLength: MAX_TEXT_LENGTH,
    maxFileBytes: MAX_SEND_FILE_BYTES,
    startChatBy: ["order", "return"],
    // getChats: x-resource-limit-config in the spec.
    listCallsPerHour: 5000,
    // No reply window: neither the chat reference nor the OpenAPI documents one.
  };
  readonly #client: YandexClient;

  constructor(options: YandexProviderOptions) {
    this.#client = new YandexClient(options);
  }

  /** Releases the keep-alive connections (graceful shutdown). */
  async close(): Promise<void> {
    await this.#client.close();
  }

  async *listChats(scope: "unread" | "all", signal?: AbortSignal): AsyncGenerator<ChatSummary[]> {
    // No filter is `{}`: the body is required, and every filter array must be non-empty.
    const filter: ChatsFilter = scope === "unread" ? UNREAD_FILTER : {};
    let token: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await this.#client.chats(filter, token, signal);
      yield result.chats.flatMap((item) => mapChatSummary(item) ?? []);
      // A repeated token would loop forever on the same page.
      if (result.nextPageToken === undefined || result.nextPageToken === token) return;
      token = result.nextPageToken;
    }
  }

  async chatDetails(chatId: Id, signal?: AbortSignal): Promise<ChatDetails> {
    const info = await this.#client.chat(requireId(chatId, "chatId"), signal);
    return mapChatDetails(chatId, info);
  }

  async messagesAfter(chatId: Id, afterId: Id, signal?: AbortSignal): Promise<MarketMessage[]> {
    requireId(chatId, "chatId");
    const from = safeNumber(afterId, "afterId");
    // messageIdFrom has minimum 1; "after 0" is simply the whole history.
    const body = from >= 1 ? { messageIdFrom: from } : {};
    // Whether messageIdFrom is inclusive is undocumented: drop that message either way.
    const isNew = (id: Id): boolean => compareIds(id, afterId) > 0;
    const found = await this.#readHistory(chatId, body, MAX_HISTORY_PAGES, signal, isNew);
    return markUnread(oldestFirst(found));
  }

  async recentMessages(chatId: Id, signal?: AbortSignal): Promise<MarketMessage[]> {
    requireId(chatId, "chatId");
    const found = await this.#readHistory(chatId, {}, MAX_RECENT_PAGES, signal, () => true);
    // Everything read: a chat baselined by time (first start) needs every message after that
    // time, however many; unread is decided on all of them.
    return markUnread(oldestFirst(found));
  }

  /**
   * The history's order is undocumented, so every page is read (as for a first sight, up to
   * 10 000 messages) and handed over newest first at once.
   */
  async *history(chatId: Id, signal?: AbortSignal): AsyncGenerator<MarketMessage[]> {
    requireId(chatId, "chatId");
    const found = await this.#readHistory(chatId, {}, MAX_RECENT_PAGES, signal, () => true);
    yield oldestFirst(found).reverse();
  }

  /**
   * getChatMessage: one message by id (push notifications name messages by id; there the
   * id is a string). Not part of MarketplaceProvider yet.
   */
  async message(chatId: Id, messageId: Id, signal?: AbortSignal): Promise<MarketMessage> {
    const raw = await this.#client.message(
      requireId(chatId, "chatId"),
      requireId(messageId, "messageId"),
      signal,
    );
    const message = mapMessage(chatId, raw);
    if (message === undefined) {
      throw new ProviderError(
        "transient",
        "Yandex Market API: GET /chats/message returned no usable message",
      );
    }
    return message;
  }

  async sendText(chatId: Id, text: string): Promise<void> {
    requireId(chatId, "chatId");
    if (text.trim() === "" || text.length > MAX_TEXT_LENGTH) {
      throw new ProviderError(
        "invalid",
        `Yandex Market: a message must have 1 to ${MAX_TEXT_LENGTH} characters, this one has ${text.length}`,
      );
    }
    await this.#client.sendMessage(chatId, text);
  }

  async sendFile(chatId: Id, file: OutgoingFile): Promise<void> {
    requireId(chatId, "chatId");
    const size = file.bytes.byteLength;
    if (size === 0) throw new ProviderError("invalid", "Yandex Market: the file is empty");
    if (size > MAX_SEND_FILE_BYTES) {
      throw new ProviderError(
        "invalid",
        `Yandex Market: file too large (${size} bytes); chat files may have at most 5 MB (${MAX_SEND_FILE_BYTES} bytes)`,
      );
    }
    await this.#client.sendFile(chatId, {
      // Yandex sends no type with chat files; the buyer's app goes by the extension.
      name: withExtension(safeFileName(file.name), file.mime),
      mime: file.mime,
      bytes: file.bytes,
    });
  }

  async startChat(target: StartTarget): Promise<Id> {
    if (target.kind === "posting") {
      throw new ProviderError("invalid", "Yandex Market starts chats by order or return number");
    }
    const number = target.number.trim();
    const what = target.kind === "order" ? "order number" : "return number";
    const id = safeNumber(number, what);
    if (id < 1) throw new ProviderError("invalid", `Yandex Market: ${what} must be positive`);
    const chatId = positiveId(
      await this.#client.createChat({ type: target.kind === "order" ? "ORDER" : "RETURN", id }),
    );
    if (chatId === undefined) {
      throw new ProviderError("transient", "Yandex Market API: POST /chats/new returned no chatId");
    }
    return chatId;
  }

  download(attachment: Attachment, signal?: AbortSignal): Promise<DownloadedFile> {
    return downloadAttachment(this.#client, attachment, signal);
  }

  /**
   * Reads history pages while nextPageToken, keeping messages `wanted` accepts. Stops early
   * when a page brings nothing new (a server repeating itself) and, since the order is
   * undocumented, when a page is evidently newest-first: the newest are then already read.
   */
  async #readHistory(
    chatId: Id,
    body: { messageIdFrom?: number },
    maxPages: number,
    signal: AbortSignal | undefined,
    wanted: (id: Id) => boolean,
  ): Promise<MarketMessage[]> {
    const found = new Map<Id, MarketMessage>();
    let token: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const result = await this.#client.history(chatId, body, token, signal);
      const orderNumber = orderNumberOf(result);
      const messages = result.messages
        .map((raw) => mapMessage(chatId, raw, orderNumber))
        .filter((m) => m !== undefined);
      let added = 0;
      for (const message of messages) {
        if (!wanted(message.id) || found.has(message.id)) continue;
        found.set(message.id, message);
        added++;
      }
      const first = messages[0];
      const last = messages.at(-1);
      const newestFirst =
        body.messageIdFrom === undefined &&
        first !== undefined &&
        last !== undefined &&
        compareIds(first.id, last.id) > 0;
      if (added === 0 || newestFirst) break;
      if (result.nextPageToken === undefined || result.nextPageToken === token) break;
      token = result.nextPageToken;
    }
    return [...found.values()];
  }
}

function orderNumberOf(page: HistoryPage): string | undefined {
  return positiveId(page.context.orderId) ?? positiveId(page.orderId);
}

/** Ids go into query strings as they are, but must be the int64 ≥ 1 the API expects. */
function requireId(id: Id, what: string): string {
  if (!/^\d+$/.test(id) || BigInt(id) < 1n) {
    throw new ProviderError("invalid", `Yandex Market: ${what} is not an id`);
  }
  return id;
}

/**
 * An id for a JSON body, where it must be a number: Yandex ids are int64 but far below
 * 2^53 today; a larger one would be silently rounded, so it is refused instead.
 */
function safeNumber(id: string, what: string): number {
  if (!/^\d+$/.test(id)) {
    throw new ProviderError("invalid", `Yandex Market: ${what} is not a number`);
  }
  if (BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ProviderError("invalid", `Yandex Market: ${what} ${id} is beyond 2^53`);
  }
  return Number(id);
}
