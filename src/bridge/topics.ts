// Topic lifecycle: one forum topic per marketplace chat, created once even when a poll and a
// push race, recreated when a human deleted it. The topic's name shows who waits (🔴 the buyer
// waits for us, 🟢 we wait for the buyer, ⚪ closed) and its pinned header, the order card,
// what the marketplace tells about the order. Both change only when their content changes:
// every rename or edit costs a message from the group's budget.
import type { Logger } from "../logger.ts";
import { type Account, accountLabel } from "./account.ts";
import { KeyedGate } from "./gate.ts";
import { mention, takeButton } from "./ownership.ts";
import type { Id, ProductFacts } from "./provider.ts";
import type { GroupSendQueue } from "./send-queue.ts";
import { replyDeadline } from "./status.ts";
import { chatKey, type StaffUser, type Store, type TopicRecord } from "./store/index.ts";
import type { TelegramPort } from "./telegram.ts";
import { escapeHtml } from "./text.ts";
import type { Texts } from "./texts/index.ts";
import { DEFAULT_TIME_ZONE, ZoneClock } from "./working-hours.ts";

const MAX_TITLE = 128;
const MINUTE = 60_000;
const STATUS_MARK = { us: "🔴", buyer: "🟢", closed: "⚪" };

/** What a topic's name and order card say about the chat. */
export type TopicFacts = Pick<
  TopicRecord,
  "orderNumber" | "returnNumber" | "buyerName" | "sku" | "product" | "disputed"
>;

/** Who the conversation waits for, whether it is over, and who leads it. */
export type TopicState = Pick<
  TopicRecord,
  | "waiting"
  | "closed"
  | "waitingSince"
  | "reminded"
  | "owner"
  | "buyerAt"
  | "cardAt"
  | "activeAt"
  | "autoReplied"
>;

export class Topics {
  private readonly inFlight = new Map<string, Promise<TopicRecord>>();
  private readonly serial = new KeyedGate();
  private readonly store: Store;
  private readonly telegram: TelegramPort;
  private readonly queue: GroupSendQueue;
  private readonly texts: Texts;
  private readonly log: Logger;
  private readonly clock: ZoneClock;

  constructor(deps: {
    store: Store;
    telegram: TelegramPort;
    queue: GroupSendQueue;
    texts: Texts;
    log: Logger;
    /** The staff's time zone (TIMEZONE): the card's reply deadline is shown in it. */
    timeZone?: string;
  }) {
    this.store = deps.store;
    this.telegram = deps.telegram;
    this.queue = deps.queue;
    this.texts = deps.texts;
    this.log = deps.log;
    this.clock = new ZoneClock(deps.timeZone ?? DEFAULT_TIME_ZONE);
  }

  get(account: Account, chatId: Id): Promise<TopicRecord | undefined> {
    return this.store.topics.get(account.id, chatId);
  }

  /**
   * The chat's topic, created on first use (with `hint`, so that a buyer's first message
   * names it 🔴 at once); concurrent callers share one creation.
   */
  ensure(account: Account, chatId: Id, hint: TopicFacts & TopicState): Promise<TopicRecord> {
    return this.once(account, chatId, async (existing) => {
      if (!existing) return this.create(account, chatId, hint, false);
      // Named once: a chat that mentions several orders or products keeps its first ones.
      const learned = {
        ...(hint.orderNumber && !existing.orderNumber ? { orderNumber: hint.orderNumber } : {}),
        ...(hint.sku && !existing.sku ? { sku: hint.sku } : {}),
      };
      return Object.keys(learned).length > 0 ? this.apply(account, existing, learned) : existing;
    });
  }

  /** The topic is gone (deleted by a human): make a new one and point the chat at it. */
  recreate(account: Account, stale: TopicRecord): Promise<TopicRecord> {
    return this.once(account, stale.chatId, async (current) => {
      // Someone else already recreated it while we were failing on the old thread.
      if (current && current.threadId !== stale.threadId) return current;
      await this.store.topics.forgetThread(stale.staffChatId, stale.threadId);
      account.log.warn(
        { chatId: stale.chatId, threadId: stale.threadId },
        "topic was deleted in Telegram; creating it again",
      );
      const owner = stale.owner ? { owner: stale.owner } : {};
      return this.create(account, stale.chatId, { ...factsOf(stale), ...owner }, true);
    });
  }

  async reopen(topic: TopicRecord): Promise<void> {
    await this.telegram.reopenTopic(topic.staffChatId, topic.threadId);
  }

  /**
   * Changes facts or state of an existing topic: renames it, edits its order card and closes
   * or reopens it only where that changes anything. No topic yet: nothing to show.
   */
  update(
    account: Account,
    chatId: Id,
    patch: TopicFacts & TopicState,
  ): Promise<TopicRecord | undefined> {
    return this.serial.run(chatKey(account.id, chatId), async () => {
      const topic = await this.get(account, chatId);
      return topic && this.apply(account, topic, patch);
    });
  }

  /**
   * The buyer wrote: the chat waits for us (since the first unanswered message) and is open;
   * a reply window moves to count from this message.
   */
  buyerWrote(account: Account, chatId: Id, at: number): Promise<TopicRecord | undefined> {
    return this.serial.run(chatKey(account.id, chatId), async () => {
      const topic = await this.get(account, chatId);
      if (!topic) return undefined;
      const stillWaiting = topic.waiting === "us" && topic.waitingSince !== undefined;
      return this.apply(account, topic, {
        waiting: "us",
        closed: false,
        waitingSince: stillWaiting ? topic.waitingSince : at,
        reminded: stillWaiting ? topic.reminded : [],
        buyerAt: Math.max(at, topic.buyerAt ?? at),
        // The deadline moved: the card's "time left" is worked out again.
        cardAt: at === topic.buyerAt ? topic.cardAt : Date.now(),
        activeAt: Math.max(at, topic.activeAt ?? at),
      });
    });
  }

  /**
   * We answered (from Telegram or the cabinet): the chat waits for the buyer. The first staff
   * member whose answer reached the buyer becomes the owner, unless the chat has one.
   */
  weAnswered(account: Account, chatId: Id, sender?: StaffUser): Promise<TopicRecord | undefined> {
    return this.serial.run(chatKey(account.id, chatId), async () => {
      const topic = await this.get(account, chatId);
      if (!topic) return undefined;
      const claims = sender !== undefined && sender.userId > 0 && !topic.owner;
      return this.apply(account, topic, {
        waiting: "buyer",
        waitingSince: undefined,
        reminded: [],
        activeAt: Date.now(),
        ...(claims ? { owner: sender } : {}),
      });
    });
  }

  /** The marketplace closed the chat: a notice in the topic, then the topic closes. */
  async closedByMarketplace(account: Account, chatId: Id): Promise<void> {
    // The notice first: a bot cannot post into a closed topic.
    const topic = await this.get(account, chatId);
    if (!topic || topic.closed) return;
    await this.notice(topic, this.texts.chatClosed);
    await this.update(account, chatId, { closed: true });
  }

  /**
   * Closes the topic (with `note` before, as a bot cannot post into a closed topic) when its
   * chat has seen nothing since `idleSince`; checked in the chat's turn, so a message that
   * arrives meanwhile keeps it open. True when it closed.
   */
  closeIfIdle(account: Account, chatId: Id, idleSince: number, note: string): Promise<boolean> {
    return this.serial.run(chatKey(account.id, chatId), async () => {
      const topic = await this.get(account, chatId);
      if (!topic || topic.closed || (topic.activeAt ?? idleSince + 1) > idleSince) return false;
      await this.notice(topic, note);
      await this.apply(account, topic, { closed: true });
      return true;
    });
  }

  /** A dispute started or finished: marked in the name and the card, with a notice. */
  async setDisputed(account: Account, chatId: Id, disputed: boolean): Promise<void> {
    const before = await this.get(account, chatId);
    if (!before || Boolean(before.disputed) === disputed) return;
    const topic = await this.update(account, chatId, { disputed });
    if (topic) {
      await this.notice(topic, disputed ? this.texts.disputeStarted : this.texts.disputeFinished);
    }
  }

  /** A silent line from the bridge in the chat's topic. */
  async notice(topic: TopicRecord, text: string): Promise<void> {
    await this.queue.send(topic.staffChatId, () =>
      this.telegram.sendText(topic.staffChatId, topic.threadId, escapeHtml(text), { silent: true }),
    );
  }

  /** Every topic of every account (for /status and /find). */
  all(): Promise<TopicRecord[]> {
    return this.store.topics.all();
  }

  /** The topics whose buyer waits for an answer (for reminders). */
  waiting(): Promise<TopicRecord[]> {
    return this.store.topics.waiting();
  }

  private once(
    account: Account,
    chatId: Id,
    work: (existing: TopicRecord | undefined) => Promise<TopicRecord>,
  ): Promise<TopicRecord> {
    const key = chatKey(account.id, chatId);
    const running = this.inFlight.get(key);
    if (running) return running;
    const task = this.serial
      .run(key, async () => work(await this.store.topics.get(account.id, chatId)))
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, task);
    return task;
  }

  private async create(
    account: Account,
    chatId: Id,
    hint: TopicFacts & TopicState,
    recreated: boolean,
  ): Promise<TopicRecord> {
    const facts = { ...hint, ...(await this.details(account, chatId)) };
    const title = this.title(account, chatId, facts);
    const threadId = await this.queue.send(account.staffChatId, () =>
      this.telegram.createTopic(account.staffChatId, title, account.iconColor),
    );
    let record: TopicRecord = {
      accountId: account.id,
      chatId,
      staffChatId: account.staffChatId,
      threadId,
      title,
      activeAt: Date.now(),
      ...facts,
    };
    await this.store.topics.save(record);
    account.log.info({ chatId, threadId, title }, "topic created");
    record = await this.postCard(account, record, recreated);
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
        ...(d.product ? { sku: d.product.sku, product: d.product } : {}),
        ...(d.disputed ? { disputed: true } : {}),
      };
    } catch (error) {
      account.log.warn(
        { chatId, err: error },
        "chat details unavailable; naming the topic without them",
      );
      return {};
    }
  }

  private async apply(
    account: Account,
    topic: TopicRecord,
    patch: TopicFacts & TopicState,
  ): Promise<TopicRecord> {
    const next: TopicRecord = { ...topic, ...patch };
    const title = this.title(account, next.chatId, next);
    const { staffChatId, threadId } = topic;
    if (title !== topic.title) {
      await this.queue.send(staffChatId, () =>
        this.telegram.renameTopic(staffChatId, threadId, title),
      );
      next.title = title;
    }
    if (Boolean(next.closed) !== Boolean(topic.closed)) {
      // Reopened (by a message or /reopen): auto-closing counts from now.
      if (!next.closed && patch.activeAt === undefined) next.activeAt = Date.now();
      const change = next.closed ? this.telegram.closeTopic : this.telegram.reopenTopic;
      await this.queue.send(staffChatId, () => change.call(this.telegram, staffChatId, threadId));
    }
    const card = this.card(account, next, false);
    if (next.cardMessageId !== undefined && card !== this.card(account, topic, false)) {
      const messageId = next.cardMessageId;
      await this.queue.send(staffChatId, () =>
        this.telegram.editText(staffChatId, messageId, card, { buttons: [takeButton(this.texts)] }),
      );
    }
    await this.store.topics.save(next);
    return next;
  }

  private title(account: Account, chatId: Id, topic: TopicFacts & TopicState): string {
    const subject = topic.orderNumber
      ? topic.orderNumber
      : topic.returnNumber
        ? this.texts.returnSubject(topic.returnNumber)
        : this.texts.chatSubject(chatId.slice(0, 8));
    const status = topic.closed
      ? STATUS_MARK.closed
      : topic.waiting
        ? STATUS_MARK[topic.waiting]
        : undefined;
    const head = [status, topic.disputed ? "⚖️" : undefined].filter(Boolean).join(" ");
    const parts = [subject, topic.buyerName, accountLabel(account)].filter(Boolean).join(" · ");
    const title = head ? `${head} ${parts}` : parts;
    return title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title;
  }

  /** The order card: only what the marketplace told us; no links whose format is not documented. */
  private card(account: Account, topic: TopicRecord, recreated: boolean): string {
    const t = this.texts;
    const code = (value: string) => `<code>${escapeHtml(value)}</code>`;
    return [
      `<b>${recreated ? t.headerRecreated : t.headerTitle}</b>`,
      `${t.headerMarketplace}: ${escapeHtml(accountLabel(account))}`,
      ...(topic.orderNumber ? [`${t.headerOrder}: ${code(topic.orderNumber)}`] : []),
      ...(topic.returnNumber ? [`${t.headerReturn}: ${code(topic.returnNumber)}`] : []),
      ...(topic.buyerName ? [`${t.headerBuyer}: ${escapeHtml(topic.buyerName)}`] : []),
      ...(topic.sku ? [`${t.headerSku}: ${productLine(topic.sku, topic.product)}`] : []),
      ...(topic.disputed ? [t.headerDispute] : []),
      ...this.deadlineLine(account, topic),
      `${t.headerOwner}: ${topic.owner ? mention(topic.owner) : t.headerNoOwner}`,
      `${t.headerChat}: ${code(topic.chatId)}`,
    ].join("\n");
  }

  /**
   * When the reply window closes, in the staff's zone, and how long is left as of `cardAt`
   * (the card is edited when the deadline moves and at the last warnings, not every minute).
   */
  private deadlineLine(account: Account, topic: TopicRecord): string[] {
    const deadline = replyDeadline(account, topic);
    if (deadline === undefined) return [];
    const asOf = topic.cardAt ?? deadline;
    const at = this.clock.local(deadline);
    const now = this.clock.local(asOf);
    const hm = `${pad(at.hour)}:${pad(at.minute)}`;
    const sameDay = at.year === now.year && at.month === now.month && at.day === now.day;
    const when = sameDay ? hm : `${pad(at.day)}.${pad(at.month)} ${hm}`;
    const leftMinutes = Math.floor((deadline - asOf) / MINUTE);
    if (leftMinutes <= 0) return [this.texts.headerReplyClosed(when)];
    // Whole hours, rounded down: never more time than there is.
    const left = leftMinutes >= 60 ? Math.floor(leftMinutes / 60) * 60 : leftMinutes;
    return [this.texts.headerReplyBy(when, this.texts.duration(left))];
  }

  private async postCard(account: Account, topic: TopicRecord, recreated: boolean) {
    const { staffChatId, threadId } = topic;
    const html = this.card(account, topic, recreated);
    const cardMessageId = await this.queue.send(staffChatId, () =>
      this.telegram.sendText(staffChatId, threadId, html, {
        silent: true,
        buttons: [takeButton(this.texts)],
      }),
    );
    const record = { ...topic, cardMessageId };
    await this.store.topics.save(record);
    try {
      await this.queue.send(staffChatId, () => this.telegram.pin(staffChatId, cardMessageId));
    } catch (error) {
      // Pinning needs the "pin messages" right; the card is still there without it.
      this.log.warn({ threadId, err: error }, "could not pin the order card");
    }
    return record;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function factsOf(topic: TopicRecord): TopicFacts {
  const { orderNumber, returnNumber, buyerName, sku, product, disputed } = topic;
  return {
    ...(orderNumber ? { orderNumber } : {}),
    ...(returnNumber ? { returnNumber } : {}),
    ...(buyerName ? { buyerName } : {}),
    ...(sku ? { sku } : {}),
    ...(product ? { product } : {}),
    ...(disputed ? { disputed } : {}),
  };
}

/** The SKU (linked to the product's page when known), then its size and price. */
function productLine(sku: string, product: ProductFacts | undefined): string {
  const code = `<code>${escapeHtml(sku)}</code>`;
  const facts = product?.sku === sku ? product : undefined;
  const linked = facts?.url
    ? `<a href="${escapeHtml(facts.url).replace(/"/g, "&quot;")}">${code}</a>`
    : code;
  return [linked, facts?.size, facts?.price]
    .filter(Boolean)
    .map((part, i) => (i === 0 ? part : escapeHtml(part as string)))
    .join(" · ");
}
