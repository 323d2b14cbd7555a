// Topic lifecycle: one forum topic per marketplace chat, created once even when a poll and a
// push race, recreated when a human deleted it, reopened when closed.
import type { Logger } from "../logger.ts";
import { type Account, accountLabel } from "./account.ts";
import type { Id } from "./provider.ts";
import type { GroupSendQueue } from "./send-queue.ts";
import { chatKey, type Store, type TopicRecord, threadKey } from "./store.ts";
import type { TelegramPort } from "./telegram.ts";
import { escapeHtml } from "./text.ts";
import type { Texts } from "./texts/index.ts";

/** Topic icon colours Telegram allows; the colour tells staff the marketplace at a glance. */
const ICON_COLORS: Record<string, number> = { ozon: 0x6fb9f0, yandex: 0xffd67e };
const DEFAULT_ICON_COLOR = 0xcb86db;
const MAX_TITLE = 128;

/** What a topic's name and header say about the chat. */
export interface TopicFacts {
  orderNumber?: string;
  returnNumber?: string;
  buyerName?: string;
  disputed?: boolean;
}

export class Topics {
  private readonly inFlight = new Map<string, Promise<TopicRecord>>();
  private readonly store: Store;
  private readonly telegram: TelegramPort;
  private readonly queue: GroupSendQueue;
  private readonly texts: Texts;
  private readonly log: Logger;

  constructor(deps: {
    store: Store;
    telegram: TelegramPort;
    queue: GroupSendQueue;
    texts: Texts;
    log: Logger;
  }) {
    this.store = deps.store;
    this.telegram = deps.telegram;
    this.queue = deps.queue;
    this.texts = deps.texts;
    this.log = deps.log;
  }

  get(account: Account, chatId: Id): Promise<TopicRecord | undefined> {
    return this.store.topics.get(chatKey(account.id, chatId));
  }

  /** The chat's topic, created on first use; concurrent callers share one creation. */
  ensure(account: Account, chatId: Id, hint: TopicFacts): Promise<TopicRecord> {
    const key = chatKey(account.id, chatId);
    const running = this.inFlight.get(key);
    if (running) return running;
    const task = (async () => {
      const existing = await this.store.topics.get(key);
      if (existing) return this.refreshTitle(account, existing, hint);
      return this.create(account, chatId, hint, false);
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, task);
    return task;
  }

  /** The topic is gone (deleted by a human): make a new one and point the chat at it. */
  recreate(account: Account, stale: TopicRecord): Promise<TopicRecord> {
    const key = chatKey(account.id, stale.chatId);
    const running = this.inFlight.get(key);
    if (running) return running;
    const task = (async () => {
      const current = await this.store.topics.get(key);
      // Someone else already recreated it while we were failing on the old thread.
      if (current && current.threadId !== stale.threadId) return current;
      await this.store.threads.delete(threadKey(stale.staffChatId, stale.threadId));
      this.log.warn(
        { account: account.id, chatId: stale.chatId, threadId: stale.threadId },
        "topic was deleted in Telegram; creating it again",
      );
      return this.create(account, stale.chatId, factsOf(stale), true);
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, task);
    return task;
  }

  async reopen(topic: TopicRecord): Promise<void> {
    await this.telegram.reopenTopic(topic.staffChatId, topic.threadId);
  }

  /** Marks a dispute started or finished: in the topic's name and with a notice. */
  async setDisputed(account: Account, chatId: Id, disputed: boolean): Promise<void> {
    const topic = await this.get(account, chatId);
    if (!topic || Boolean(topic.disputed) === disputed) return;
    await this.rename(account, { ...topic, disputed });
    await this.notice(topic, disputed ? this.texts.disputeStarted : this.texts.disputeFinished);
  }

  /** A silent line from the bridge in the chat's topic, when the chat has one. */
  async notice(topic: TopicRecord, text: string): Promise<void> {
    await this.queue.send(topic.staffChatId, () =>
      this.telegram.sendText(topic.staffChatId, topic.threadId, escapeHtml(text), { silent: true }),
    );
  }

  private async create(
    account: Account,
    chatId: Id,
    hint: TopicFacts,
    recreated: boolean,
  ): Promise<TopicRecord> {
    const facts = { ...hint, ...(await this.details(account, chatId)) };
    const title = this.title(account, chatId, facts);
    const color = ICON_COLORS[account.provider.marketplace] ?? DEFAULT_ICON_COLOR;
    const threadId = await this.queue.send(account.staffChatId, () =>
      this.telegram.createTopic(account.staffChatId, title, color),
    );
    const record: TopicRecord = {
      accountId: account.id,
      chatId,
      staffChatId: account.staffChatId,
      threadId,
      title,
      ...facts,
    };
    // Reverse key first: a crash in between leaves a thread that is found, never a chat
    // mapped to a thread that nothing routes back from.
    await this.store.threads.set(threadKey(account.staffChatId, threadId), {
      accountId: account.id,
      chatId,
    });
    await this.store.topics.set(chatKey(account.id, chatId), record);
    this.log.info({ account: account.id, chatId, threadId, title }, "topic created");
    await this.postHeader(account, record, recreated);
    return record;
  }

  /** Order, return and buyer from the marketplace, when it tells them; a name is not worth a lost message. */
  private async details(account: Account, chatId: Id): Promise<TopicFacts> {
    if (!account.provider.chatDetails) return {};
    try {
      const d = await account.provider.chatDetails(chatId);
      return {
        ...(d.orderNumber ? { orderNumber: d.orderNumber } : {}),
        ...(d.returnNumber ? { returnNumber: d.returnNumber } : {}),
        ...(d.buyerName ? { buyerName: d.buyerName } : {}),
        ...(d.disputed ? { disputed: true } : {}),
      };
    } catch (error) {
      this.log.warn(
        { account: account.id, chatId, err: (error as Error).message },
        "chat details unavailable; naming the topic without them",
      );
      return {};
    }
  }

  private async refreshTitle(
    account: Account,
    topic: TopicRecord,
    hint: TopicFacts,
  ): Promise<TopicRecord> {
    // Named once: a chat that mentions several orders keeps its first one, not a flickering name.
    if (!hint.orderNumber || topic.orderNumber) return topic;
    return this.rename(account, { ...topic, orderNumber: hint.orderNumber });
  }

  private async rename(account: Account, topic: TopicRecord): Promise<TopicRecord> {
    const title = this.title(account, topic.chatId, topic);
    if (title !== topic.title) {
      await this.queue.send(topic.staffChatId, () =>
        this.telegram.renameTopic(topic.staffChatId, topic.threadId, title),
      );
    }
    const updated = { ...topic, title };
    await this.store.topics.set(chatKey(account.id, topic.chatId), updated);
    return updated;
  }

  private title(account: Account, chatId: Id, facts: TopicFacts): string {
    const subject = facts.orderNumber
      ? facts.orderNumber
      : facts.returnNumber
        ? this.texts.returnSubject(facts.returnNumber)
        : this.texts.chatSubject(chatId.slice(0, 8));
    const parts = [subject, facts.buyerName, accountLabel(account)].filter(Boolean);
    const title = `${facts.disputed ? "⚖️ " : ""}${parts.join(" · ")}`;
    return title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title;
  }

  private async postHeader(account: Account, topic: TopicRecord, recreated: boolean) {
    const t = this.texts;
    const lines = [
      `<b>${recreated ? t.headerRecreated : t.headerTitle}</b>`,
      `${t.headerMarketplace}: ${escapeHtml(accountLabel(account))}`,
      ...(topic.orderNumber
        ? [`${t.headerOrder}: <code>${escapeHtml(topic.orderNumber)}</code>`]
        : []),
      ...(topic.returnNumber
        ? [`${t.headerReturn}: <code>${escapeHtml(topic.returnNumber)}</code>`]
        : []),
      ...(topic.buyerName ? [`${t.headerBuyer}: ${escapeHtml(topic.buyerName)}`] : []),
      ...(topic.disputed ? [t.headerDispute] : []),
      `${t.headerChat}: <code>${escapeHtml(topic.chatId)}</code>`,
    ];
    await this.queue.send(topic.staffChatId, () =>
      this.telegram.sendText(topic.staffChatId, topic.threadId, lines.join("\n"), { silent: true }),
    );
  }
}

function factsOf(topic: TopicRecord): TopicFacts {
  const { orderNumber, returnNumber, buyerName, disputed } = topic;
  return {
    ...(orderNumber ? { orderNumber } : {}),
    ...(returnNumber ? { returnNumber } : {}),
    ...(buyerName ? { buyerName } : {}),
    ...(disputed ? { disputed } : {}),
  };
}
