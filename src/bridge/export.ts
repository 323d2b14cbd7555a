// /export: a chat's whole conversation as the marketplace holds it (read from its history, not
// from what the bridge relayed), posted into the chat's topic as one HTML file.
import type { Account } from "./account.ts";
import { errorText } from "./errors.ts";
import { type Id, type MarketMessage, oldestFirst, readsHistory } from "./provider.ts";
import type { GroupSendQueue } from "./send-queue.ts";
import type { Store, TopicRecord } from "./store/index.ts";
import type { TelegramPort } from "./telegram.ts";
import { escapeHtml } from "./text.ts";
import type { Texts } from "./texts/index.ts";
import { moscowTime, renderTranscript, type TranscriptEntry } from "./transcript.ts";

/** More than any real buyer chat; a file of this size still opens on a phone. */
export const MAX_EXPORT_MESSAGES = 5000;
const READ_TIMEOUT_MS = 120_000;

export class ChatExport {
  private readonly store: Store;
  private readonly telegram: TelegramPort;
  private readonly queue: GroupSendQueue;
  private readonly texts: Texts;
  private readonly maxMessages: number;

  constructor(deps: {
    store: Store;
    telegram: TelegramPort;
    queue: GroupSendQueue;
    texts: Texts;
    maxMessages?: number;
  }) {
    this.store = deps.store;
    this.telegram = deps.telegram;
    this.queue = deps.queue;
    this.texts = deps.texts;
    this.maxMessages = deps.maxMessages ?? MAX_EXPORT_MESSAGES;
  }

  /** Posts the file into the topic; returns what to tell staff instead (HTML) when it cannot. */
  async post(account: Account, chatId: Id, threadId: number): Promise<string | undefined> {
    const t = this.texts;
    const provider = account.provider;
    if (!readsHistory(provider)) return t.exportNotSupported(escapeHtml(provider.marketplaceTitle));
    const messages: MarketMessage[] = [];
    let cut = false;
    try {
      for await (const page of provider.history(chatId, AbortSignal.timeout(READ_TIMEOUT_MS))) {
        messages.push(...page);
        // Pages go back in time: past the cap, the oldest are left out.
        if (messages.length > this.maxMessages) {
          cut = true;
          break;
        }
      }
    } catch (error) {
      account.log.warn({ chatId, err: error }, "could not read the chat's history");
      return t.exportFailed(escapeHtml(errorText(error)));
    }
    const kept = oldestFirst(messages).slice(-this.maxMessages);
    const topic = await this.store.topics.get(account.id, chatId);
    // Who sent what the bridge sent: known for the messages that came back while it ran.
    const authors = await this.store.answers.authors(account.id, chatId);
    const html = renderTranscript({
      title: t.exportTitle,
      facts: this.facts(account, chatId, topic),
      notes: [
        t.exportTimeNote,
        ...(cut ? [t.exportCut(kept.length)] : []),
        ...(kept.length === 0 ? [t.exportEmpty] : []),
      ],
      entries: kept.map((m) => this.entry(account, topic, m, authors.get(m.id))),
    });
    const name = `${fileStem(topic?.orderNumber ?? topic?.returnNumber ?? chatId)}.html`;
    const file = { name, bytes: new TextEncoder().encode(html) };
    try {
      await this.queue.send(account.staffChatId, () =>
        this.telegram.sendMedia(
          account.staffChatId,
          threadId,
          "document",
          file,
          t.exportCaption(kept.length),
        ),
      );
    } catch (error) {
      account.log.warn({ chatId, err: error }, "could not post the exported conversation");
      return t.exportFailed(escapeHtml(errorText(error)));
    }
    return undefined;
  }

  private facts(account: Account, chatId: Id, topic: TopicRecord | undefined): [string, string][] {
    const t = this.texts;
    const title = account.provider.marketplaceTitle;
    const facts: [string, string][] = [
      [t.headerMarketplace, account.showName ? `${title} · ${account.name}` : title],
    ];
    if (topic?.orderNumber) facts.push([t.headerOrder, topic.orderNumber]);
    if (topic?.returnNumber) facts.push([t.headerReturn, topic.returnNumber]);
    if (topic?.buyerName) facts.push([t.headerBuyer, topic.buyerName]);
    facts.push([t.headerChat, chatId], [t.exportedAt, moscowTime(Date.now())]);
    return facts;
  }

  private entry(
    account: Account,
    topic: TopicRecord | undefined,
    message: MarketMessage,
    author: string | undefined,
  ): TranscriptEntry {
    const t = this.texts;
    let who: string;
    if (message.role === "buyer") {
      who = topic?.buyerName ? `${t.exportBuyer} · ${topic.buyerName}` : t.exportBuyer;
    } else if (message.role === "seller") {
      who = author ? `${t.exportShop} · ${author}` : t.exportShop;
    } else {
      who = `${account.provider.marketplaceTitle} · ${message.senderLabel}`;
    }
    return {
      at: message.createdAt,
      role: message.role,
      who,
      text: message.text,
      files: message.attachments.map((a) => a.name),
    };
  }
}

/** A file name from an order number or chat id: anything unusual becomes "_". */
function fileStem(value: string): string {
  return value.replace(/[^\p{L}\p{N}._-]+/gu, "_").slice(0, 100) || "chat";
}
