// Ozon Seller API behind the bridge's MarketplaceProvider contract.

import { withExtension } from "../../bridge/files.ts";
import {
  type Attachment,
  type ChatSummary,
  compareIds,
  type DownloadedFile,
  type Id,
  type MarketMessage,
  type MarketplaceProvider,
  type MarksRead,
  type OutgoingFile,
  oldestFirst,
  type ProviderCapabilities,
  ProviderError,
  type ReadsChats,
  type ReadsHistory,
  type StartsChats,
  type StartTarget,
} from "../../bridge/provider.ts";
import { downloadAttachment, safeFileName } from "../files.ts";
import { type ChatListRequest, OzonClient, type OzonClientOptions } from "./client.ts";
import { mapChatSummary, mapMessage } from "./mapping.ts";

export type OzonProviderOptions = OzonClientOptions;

const MAX_TEXT_LENGTH = 1000;
// Ozon documents no size limit for /v1/chat/send/file. The file travels base64-encoded in
// a JSON body (+33 %), so stay well below anything a JSON gateway is likely to accept.
const MAX_SEND_FILE_BYTES = 10 * 1024 * 1024;
const LIST_PAGE_SIZE = 100;
const HISTORY_PAGE_SIZE = 100;
const RECENT_MESSAGES = 50;
// Bounds against a server that keeps saying has_next: 100 000 chats, 2 000 new messages
// per call (the next poll continues from the newest id returned).
const MAX_LIST_PAGES = 1000;
const MAX_HISTORY_PAGES = 20;
// A whole history for an export: 100 000 messages at most.
const MAX_EXPORT_PAGES = 1000;

export class OzonProvider
  implements MarketplaceProvider, ReadsChats, ReadsHistory, MarksRead, StartsChats
{
  readonly marketplace = "ozon";
  readonly marketplaceTitle = "Ozon";
  readonly capabilities: ProviderCapabilities = {
    maxTextLength: MAX_TEXT_LENGTH,
    maxFileBytes: MAX_SEND_FILE_BYTES,
    startChatBy: ["posting"],
    // send/message: FBO only within 48 h after the buyer's last message (A.2). FBS/rFBS may
    // answer until 72 h after delivery, but no call this provider makes tells the delivery
    // date, so the certain 48 hours are what the card and the warnings count.
    replyWindowHours: 48,
  };
  readonly #client: OzonClient;

  constructor(options: OzonProviderOptions) {
    this.#client = new OzonClient(options);
  }

  /** Releases the keep-alive connections (graceful shutdown). */
  async close(): Promise<void> {
    await this.#client.close();
  }

  async *listChats(scope: "unread" | "all", signal?: AbortSignal): AsyncGenerator<ChatSummary[]> {
    const filter: ChatListRequest["filter"] =
      scope === "unread" ? { chat_status: "ALL", unread_only: true } : { chat_status: "ALL" };
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const request: ChatListRequest = { limit: LIST_PAGE_SIZE, filter };
      if (cursor !== undefined) request.cursor = cursor;
      const result = await this.#client.chatList(request, signal);
      yield result.chats.flatMap((item) => mapChatSummary(item) ?? []);
      // A missing or repeated cursor would loop forever on the same page.
      if (!result.hasNext || result.cursor === undefined || result.cursor === cursor) return;
      cursor = result.cursor;
    }
  }

  async messagesAfter(chatId: Id, afterId: Id, signal?: AbortSignal): Promise<MarketMessage[]> {
    requireId(afterId, "afterId");
    const found = new Map<Id, MarketMessage>();
    let from = afterId;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const result = await this.#client.chatHistory(
        { chat_id: chatId, direction: "Forward", from_message_id: from, limit: HISTORY_PAGE_SIZE },
        signal,
      );
      let newest = from;
      for (const raw of result.messages) {
        const message = mapMessage(chatId, raw, this.#client.origin);
        // Whether from_message_id is inclusive is undocumented: drop it either way.
        if (message === undefined || compareIds(message.id, afterId) <= 0) continue;
        found.set(message.id, message);
        if (compareIds(message.id, newest) > 0) newest = message.id;
      }
      if (!result.hasNext || newest === from) break;
      from = newest;
    }
    return oldestFirst([...found.values()]);
  }

  async recentMessages(chatId: Id, signal?: AbortSignal): Promise<MarketMessage[]> {
    const result = await this.#client.chatHistory(
      { chat_id: chatId, direction: "Backward", limit: RECENT_MESSAGES },
      signal,
    );
    const messages = result.messages
      .map((raw) => mapMessage(chatId, raw, this.#client.origin))
      .filter((m) => m !== undefined);
    return oldestFirst(messages);
  }

  /**
   * Backward from the newest message (the documented default; Forward needs a start id), each
   * page from the oldest id of the one before. Whether that id is inclusive is undocumented:
   * messages already read are dropped.
   */
  async *history(chatId: Id, signal?: AbortSignal): AsyncGenerator<MarketMessage[]> {
    const seen = new Set<Id>();
    let from: Id | undefined;
    for (let page = 0; page < MAX_EXPORT_PAGES; page++) {
      const result = await this.#client.chatHistory(
        {
          chat_id: chatId,
          direction: "Backward",
          limit: HISTORY_PAGE_SIZE,
          ...(from === undefined ? {} : { from_message_id: from }),
        },
        signal,
      );
      const fresh: MarketMessage[] = [];
      let oldest = from;
      for (const raw of result.messages) {
        const message = mapMessage(chatId, raw, this.#client.origin);
        if (message === undefined || seen.has(message.id)) continue;
        seen.add(message.id);
        fresh.push(message);
        if (oldest === undefined || compareIds(message.id, oldest) < 0) oldest = message.id;
      }
      if (fresh.length > 0) yield fresh;
      // A page with nothing older would be asked for again and again.
      if (!result.hasNext || oldest === from) return;
      from = oldest;
    }
  }

  async sendText(chatId: Id, text: string): Promise<void> {
    // Ozon counts characters; code points are the safe reading (an emoji is one).
    const length = [...text].length;
    if (text.trim() === "" || length > MAX_TEXT_LENGTH) {
      throw new ProviderError(
        "invalid",
        `Ozon: a message must have 1 to ${MAX_TEXT_LENGTH} characters, this one has ${length}`,
      );
    }
    await this.#client.sendMessage({ chat_id: chatId, text });
  }

  async sendFile(chatId: Id, file: OutgoingFile): Promise<void> {
    if (file.bytes.byteLength === 0) throw new ProviderError("invalid", "Ozon: the file is empty");
    if (file.bytes.byteLength > MAX_SEND_FILE_BYTES) {
      throw new ProviderError(
        "invalid",
        `Ozon: file too large (${file.bytes.byteLength} bytes, at most ${MAX_SEND_FILE_BYTES})`,
      );
    }
    const base64 = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
    await this.#client.sendFile({
      chat_id: chatId,
      base64_content: base64.toString("base64"),
      // Ozon wants the name "with extension"; it tells the file type.
      name: withExtension(safeFileName(file.name), file.mime),
    });
  }

  async startChat(target: StartTarget): Promise<Id> {
    if (target.kind !== "posting") {
      throw new ProviderError("invalid", "Ozon starts chats by posting number only");
    }
    const postingNumber = target.number.trim();
    if (postingNumber === "") throw new ProviderError("invalid", "Ozon: posting number is empty");
    const chatId = await this.#client.chatStart({ posting_number: postingNumber });
    if (chatId === undefined) {
      throw new ProviderError("transient", "Ozon API: POST /v1/chat/start returned no chat_id");
    }
    return chatId;
  }

  async markRead(chatId: Id, upToId?: Id): Promise<void> {
    if (upToId === undefined) {
      await this.#client.chatRead({ chat_id: chatId });
      return;
    }
    requireId(upToId, "upToId");
    await this.#client.chatRead({ chat_id: chatId, from_message_id: upToId });
  }

  download(attachment: Attachment, signal?: AbortSignal): Promise<DownloadedFile> {
    return downloadAttachment(this.#client, attachment, signal);
  }
}

function requireId(id: Id, what: string): void {
  if (!/^\d+$/.test(id)) throw new ProviderError("invalid", `Ozon: ${what} is not a message id`);
}
