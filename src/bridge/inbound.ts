// Marketplace message → its forum topic, exactly once and in order. The chat's cursor moves
// only after Telegram accepted the message; a crash in between re-posts at most that message.
import type { Logger } from "../logger.ts";
import { type Account, accountLabel } from "./account.ts";
import { buyerWrote, emptyActivity, shopAnswered, writtenAt } from "./activity.ts";
import type { Echoes } from "./echoes.ts";
import { refusalText } from "./errors.ts";
import { KeyedGate } from "./gate.ts";
import { type Serves, servesAll } from "./leases.ts";
import { type BridgeMetrics, noMetrics } from "./metrics.ts";
import {
  type Attachment,
  compareIds,
  type Id,
  type MarketMessage,
  ProviderError,
} from "./provider.ts";
import type { Receipts } from "./receipts.ts";
import type { GroupSendQueue } from "./send-queue.ts";
import type { ChatActivity, CursorRecord, StaffUser, Store, TopicRecord } from "./store/index.ts";
import { isTelegramError, type MediaFile, type MediaKind, type TelegramPort } from "./telegram.ts";
import { escapeHtml, splitText } from "./text.ts";
import type { Texts } from "./texts/index.ts";
import type { Topics } from "./topics.ts";

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
/** Telegram's upload limit for photos; larger images go as documents. */
const PHOTO_LIMIT = 10 * 1024 * 1024;

/** One read of a chat's history, as inbound records it in the cursor. */
export interface ChatRead {
  /** The cursor before the read. */
  cursor: CursorRecord | undefined;
  /** The chat list's change token the read answered, if a listing asked for it. */
  changeToken: string | undefined;
  /** When the read was made (ms, our clock). */
  fetchedAt: number;
  /** Ids the read saw beyond the messages handed over (a first sight's whole page). */
  covers?: Id[];
}

/**
 * One Telegram message of a marketplace message. A file is only named here: it is fetched just
 * before its post's turn, one per group, so a backlog waiting for the budget holds one file.
 */
type Post =
  | { type: "text"; html: string }
  | {
      type: "file";
      attachment: Attachment;
      caption?: Caption;
      /** Posted later, once the marketplace finished checking it (see retryDeferred). */
      deferred?: boolean;
    };

/** A file's bytes, or the note that takes its place, or how long its marketplace still checks it. */
type Fetched = MediaFile | { note: string } | { pendingMs: number };

/** The label and text a lone file carries, apart, so that a note can join the text. */
interface Caption {
  labelHtml: string;
  body: string;
}

export class Inbound {
  private readonly store: Store;
  private readonly topics: Topics;
  private readonly echoes: Echoes;
  private readonly receipts: Receipts;
  private readonly telegram: TelegramPort;
  private readonly queue: GroupSendQueue;
  /** Per staff group: the one file fetched and waiting for, or in, its send turn. */
  private readonly fileTurns = new KeyedGate();
  private readonly texts: Texts;
  private readonly log: Logger;
  private readonly metrics: BridgeMetrics;
  /** Posts of a message already accepted by Telegram, so a retry continues, not repeats. */
  private readonly progress = new Map<string, number>();

  constructor(deps: {
    store: Store;
    topics: Topics;
    echoes: Echoes;
    receipts: Receipts;
    telegram: TelegramPort;
    queue: GroupSendQueue;
    texts: Texts;
    log: Logger;
    metrics?: BridgeMetrics;
  }) {
    this.store = deps.store;
    this.topics = deps.topics;
    this.echoes = deps.echoes;
    this.receipts = deps.receipts;
    this.telegram = deps.telegram;
    this.queue = deps.queue;
    this.texts = deps.texts;
    this.log = deps.log;
    this.metrics = deps.metrics ?? noMetrics;
  }

  /**
   * Delivers `messages` (oldest first) newer than the chat's cursor, moving the cursor past
   * each once Telegram has it, then records what the read saw. The only writer of cursors;
   * callers serialise per chat.
   */
  async deliver(
    account: Account,
    chatId: Id,
    messages: MarketMessage[],
    read: ChatRead,
  ): Promise<void> {
    let cursor = read.cursor;
    const fresh = messages.filter((m) => !cursor || compareIds(m.id, cursor.lastId) > 0);
    const activity = new ActivityNotes(this.store, account, chatId, this.metrics);
    for (let i = 0; i < fresh.length; i++) {
      // Nothing goes out that could not be recorded as delivered: it would be posted again.
      const failure = this.store.writes.failure;
      if (failure !== undefined) throw new Error(`state cannot be saved: ${failure}`);
      let message = fresh[i] as MarketMessage;
      // Statistics are written before the cursor passes what they count: the buyer's messages
      // up to the next shop message in one write, before the first of them is posted.
      if (message.role === "buyer") await activity.buyerWrote(buyerRun(fresh, i));
      const echo = await this.echoes.consume(account.id, message);
      if (echo?.staff) {
        await this.receipts.delivered(account.id, chatId, message.id, echo.staff);
        await this.store.answers.link(account.id, chatId, echo.staff.messageId, message.id);
      }
      // Our own automatic messages (an echo without a sender) answer nobody.
      if (message.role === "seller" && (!echo || echo.sender)) {
        await activity.shopAnswered(message, echo?.sender);
      }
      if (!echo) {
        const merged = this.mergeBacklog(account, fresh, i);
        i += merged.length - 1;
        message = merged.at(-1) ?? message;
        await this.post(account, merged.length > 1 ? combine(merged) : message);
      }
      cursor = { lastId: message.id, changeToken: cursor?.changeToken ?? "" };
      await this.store.cursors.set(account.id, chatId, cursor);
    }
    // What the read saw: the newest message it covered (a first sight posts only part of its
    // page), the list's change token, and when it read.
    const covered = [cursor?.lastId, ...(read.covers ?? [])]
      .filter((id): id is Id => id !== undefined)
      .sort(compareIds)
      .at(-1);
    if (covered === undefined) return;
    const base: CursorRecord =
      cursor !== undefined && covered === cursor.lastId
        ? cursor
        : { lastId: covered, changeToken: cursor?.changeToken ?? "" };
    const sameToken =
      read.changeToken === undefined || read.changeToken === read.cursor?.changeToken;
    await this.store.cursors.set(account.id, chatId, {
      ...base,
      changeToken: read.changeToken ?? base.changeToken,
      syncedAt: read.fetchedAt,
      tokenSeenAt: sameToken ? (read.cursor?.tokenSeenAt ?? read.fetchedAt) : read.fetchedAt,
    });
  }

  /**
   * A chat whose history stays unposted (a first start on an existing shop): its cursor starts
   * at what the list showed.
   */
  baseline(account: Account, chatId: Id, cursor: CursorRecord): Promise<void> {
    return this.store.cursors.set(account.id, chatId, cursor);
  }

  /**
   * While the group's Telegram budget is the bottleneck, the text-only messages that follow
   * `fresh[start]` from the same sender go out as one Telegram message (within Telegram's
   * length), so a backlog drains in fewer posts. Seller messages are never merged: each may be
   * an echo of our own send.
   */
  private mergeBacklog(account: Account, fresh: MarketMessage[], start: number): MarketMessage[] {
    const first = fresh[start] as MarketMessage;
    const group = [first];
    if (!mergeable(first) || !this.queue.backlogged(account.staffChatId)) return group;
    let length = first.text.length;
    for (const next of fresh.slice(start + 1)) {
      if (!mergeable(next) || next.role !== first.role || next.senderLabel !== first.senderLabel)
        break;
      length += MERGE_SEPARATOR.length + next.text.length;
      if (length > MERGE_LIMIT) break;
      group.push(next);
    }
    return group;
  }

  private async post(account: Account, message: MarketMessage): Promise<void> {
    const posts = this.render(account, message);
    const progressKey = `${account.id}:${message.chatId}:${message.id}`;
    const sentAt = writtenAt(message);
    let topic = await this.topics.ensure(account, message.chatId, {
      ...(message.orderNumber ? { orderNumber: message.orderNumber } : {}),
      ...(message.sku ? { sku: message.sku } : {}),
      ...(message.role === "buyer"
        ? {
            waiting: "us" as const,
            waitingSince: sentAt,
            buyerAt: sentAt,
            cardAt: Date.now(),
            activeAt: sentAt,
          }
        : {}),
    });
    const silent = message.role !== "buyer";
    for (let i = this.progress.get(progressKey) ?? 0; i < posts.length; i++) {
      const post = posts[i] as Post;
      topic = await this.sendWithRecovery(account, topic, post, silent);
      this.progress.set(progressKey, i + 1);
    }
    this.progress.delete(progressKey);
    this.metrics.messageIn(account.provider.marketplace);
    // The message is in Telegram now: a failed status rename must not post it again; the
    // rename is tried again a little later instead.
    if (message.role === "buyer") {
      this.updateStatus(account, message.chatId, () =>
        this.topics.buyerWrote(account, message.chatId, sentAt),
      );
    } else if (message.role === "seller") {
      this.updateStatus(account, message.chatId, () =>
        this.topics.weAnswered(account, message.chatId),
      );
    }
  }

  private updateStatus(account: Account, chatId: Id, update: () => Promise<unknown>, left = 3) {
    void update().catch((error: unknown) => {
      if (left <= 1) {
        account.log.warn({ chatId, err: error }, "could not update the topic's status");
        return;
      }
      setTimeout(() => this.updateStatus(account, chatId, update, left - 1), 2000).unref();
    });
  }

  /**
   * Posts the held-back files whose wait is over into their chats' topics, each once: the
   * record goes only after Telegram took the file (or the note that it cannot be had).
   */
  async retryDeferred(
    accounts: ReadonlyMap<string, Account>,
    serves: Serves = servesAll,
    now = Date.now(),
  ): Promise<void> {
    for (const file of await this.store.deferred.due(now)) {
      const account = accounts.get(file.accountId);
      // Another instance's group: its holder posts the file.
      if (account && !serves(account.staffChatId)) continue;
      const topic = account && (await this.topics.get(account, file.chatId));
      if (!account || !topic) {
        await this.store.deferred.remove(file);
        continue;
      }
      const post: Post = { type: "file", attachment: file.attachment, deferred: true };
      try {
        await this.sendWithRecovery(account, topic, post, false);
        await this.store.deferred.remove(file);
      } catch (error) {
        const pending = error instanceof ProviderError && error.kind === "pending";
        if (!pending) {
          account.log.warn(
            { chatId: file.chatId, file: file.attachment.name, err: error },
            "a held-back file could not be posted yet",
          );
        }
        const wait = (pending && error.retryAfterMs) || DEFERRED_RETRY_MS;
        await this.store.deferred.postpone(file, Date.now() + wait);
      }
    }
  }

  /**
   * Sends one post. A file is fetched before its turn in the group's send queue: a marketplace
   * holding its download back (a rate limit, a takeover's wait) then holds up only the group's
   * other files, never its texts. One fetched file per group at a time, as before.
   */
  private async sendWithRecovery(
    account: Account,
    topic: TopicRecord,
    post: Post,
    silent: boolean,
  ): Promise<TopicRecord> {
    if (post.type === "text") {
      return this.recovering(account, topic, (t) =>
        this.telegram.sendText(t.staffChatId, t.threadId, post.html, { silent }),
      );
    }
    return this.fileTurns.run(String(topic.staffChatId), async () => {
      const file = await this.download(account, post.attachment, post.deferred ?? false);
      return this.recovering(account, topic, (t) => this.sendFile(account, t, post, file, silent));
    });
  }

  /** Sends in the group's turn; a deleted topic is recreated and a closed one reopened, then it retries. */
  private async recovering(
    account: Account,
    topic: TopicRecord,
    send: (topic: TopicRecord) => Promise<number>,
  ): Promise<TopicRecord> {
    for (let attempt = 0; ; attempt++) {
      try {
        const current = topic;
        await this.queue.send(current.staffChatId, () => send(current));
        return topic;
      } catch (error) {
        if (attempt >= 2) throw error;
        if (isTelegramError(error, "thread_not_found")) {
          topic = await this.topics.recreate(account, topic);
        } else if (isTelegramError(error, "topic_closed")) {
          await this.topics.reopen(topic);
        } else {
          throw error;
        }
      }
    }
  }

  /** A fetched file's post: the file, or the note that takes its place. */
  private async sendFile(
    account: Account,
    topic: TopicRecord,
    post: Extract<Post, { type: "file" }>,
    file: Fetched,
    silent: boolean,
  ): Promise<number> {
    const { staffChatId, threadId } = topic;
    const caption = post.caption;
    if ("pendingMs" in file) {
      // Still being checked: the text goes on now, the file follows when it is ready.
      const notBefore = Date.now() + file.pendingMs;
      const held = { accountId: account.id, chatId: topic.chatId, attachment: post.attachment };
      await this.store.deferred.add({ ...held, notBefore });
      const note = this.texts.attachmentPending(post.attachment.name);
      const body = [caption?.body ?? "", note].filter(Boolean).join("\n\n");
      const html = withLabel(caption?.labelHtml ?? "", body);
      return this.telegram.sendText(staffChatId, threadId, html, { silent });
    }
    if ("note" in file) {
      // The file's place gets a note in words; a lone file's caption goes with it.
      const body = [caption?.body ?? "", file.note].filter(Boolean).join("\n\n");
      const html = withLabel(caption?.labelHtml ?? "", body);
      return this.telegram.sendText(staffChatId, threadId, html, { silent });
    }
    const captionHtml = caption && withLabel(caption.labelHtml, caption.body);
    const sendAs = (kind: MediaKind) =>
      this.telegram.sendMedia(staffChatId, threadId, kind, file, captionHtml, { silent });
    const asPhoto = post.attachment.kind === "image" && file.bytes.byteLength <= PHOTO_LIMIT;
    if (!asPhoto) return sendAs("document");
    try {
      return await sendAs("photo");
    } catch (error) {
      // Telegram refuses some images as photos (dimensions, format): a document still works.
      // In the same turn, while the file is at hand: a refused send posted nothing.
      if (!isTelegramError(error, "rejected")) throw error;
      return sendAs("document");
    }
  }

  /** The posts of a message, in order: its text first, then its files, or one captioned file. */
  private render(account: Account, message: MarketMessage): Post[] {
    const label = this.label(account, message);
    const labelHtml = label ? `<i>${escapeHtml(label)}</i>` : "";
    const body = message.text.trim();
    const files = message.attachments.map((attachment): Post => ({ type: "file", attachment }));
    const [lone] = message.attachments;
    if (lone && files.length === 1 && captionFits(label, body)) {
      const captioned = labelHtml || body ? { caption: { labelHtml, body } } : {};
      return [{ type: "file", attachment: lone, ...captioned }];
    }
    const posts: Post[] = [];
    if (body) {
      const room = TEXT_LIMIT - (label ? label.length + 1 : 0);
      splitText(body, room).forEach((part, i) => {
        posts.push({ type: "text", html: withLabel(i === 0 ? labelHtml : "", part) });
      });
    } else if (labelHtml) {
      posts.push({ type: "text", html: labelHtml });
    }
    return [...posts, ...files];
  }

  private label(account: Account, message: MarketMessage): string {
    const where = accountLabel(account);
    if (message.role === "seller") return this.texts.sellerLabel(where);
    if (message.role === "system") return this.texts.systemLabel(where, message.senderLabel);
    return "";
  }

  /**
   * A file that cannot be had (gone, too large) becomes a note; one still being checked says
   * how long to wait (or throws, when it was already waited for); a transient failure throws.
   */
  private async download(
    account: Account,
    attachment: Attachment,
    deferred: boolean,
  ): Promise<Fetched> {
    try {
      const file = await account.provider.download(attachment);
      return { name: file.name || attachment.name, bytes: file.bytes };
    } catch (error) {
      if (error instanceof ProviderError && error.kind === "pending") {
        if (deferred) throw error;
        return { pendingMs: error.retryAfterMs ?? DEFERRED_RETRY_MS };
      }
      if (error instanceof ProviderError && !error.retryable) {
        account.log.warn(
          { kind: error.kind, file: attachment.name, err: error },
          "attachment could not be downloaded",
        );
        // The error's own text names API addresses: staff get the reason in words.
        const reason = refusalText(error, this.texts.attachmentReasons, account.words.refusals);
        return { note: this.texts.attachmentUnavailable(attachment.name, reason) };
      }
      throw error;
    }
  }
}

/**
 * One delivery's changes to the chat's waiting periods (activity.ts): read at the first use,
 * written only when something changed.
 */
class ActivityNotes {
  private record: ChatActivity | undefined;
  private readonly store: Store;
  private readonly account: Account;
  private readonly chatId: Id;
  private readonly metrics: BridgeMetrics;

  constructor(store: Store, account: Account, chatId: Id, metrics: BridgeMetrics) {
    this.store = store;
    this.account = account;
    this.chatId = chatId;
    this.metrics = metrics;
  }

  async buyerWrote(messages: MarketMessage[]): Promise<void> {
    const record = await this.read();
    let changed = false;
    for (const message of messages) changed = buyerWrote(record, message) || changed;
    if (changed) await this.store.activity.set(this.account.id, this.chatId, record);
  }

  async shopAnswered(message: MarketMessage, by: StaffUser | undefined): Promise<void> {
    const record = await this.read();
    const ended = shopAnswered(record, message, by);
    if (ended?.answeredAt === undefined) return;
    await this.store.activity.set(this.account.id, this.chatId, record);
    const seconds = Math.max(0, ended.answeredAt - ended.since) / 1000;
    this.metrics.firstResponse(this.account.provider.marketplace, this.account.id, seconds);
  }

  private async read(): Promise<ChatActivity> {
    this.record ??=
      (await this.store.activity.get(this.account.id, this.chatId)) ??
      emptyActivity(this.account.id, this.chatId);
    return this.record;
  }
}

/** The buyer's messages from `fresh[start]` up to the next message of someone else. */
function buyerRun(fresh: MarketMessage[], start: number): MarketMessage[] {
  const end = fresh.findIndex((m, i) => i > start && m.role !== "buyer");
  return fresh.slice(start, end === -1 ? undefined : end);
}

/** How long a held-back file waits when the marketplace names no time, or a retry failed. */
const DEFERRED_RETRY_MS = 60_000;

const MERGE_SEPARATOR = "\n\n";
/** Room left in one Telegram message after the sender's label. */
const MERGE_LIMIT = TEXT_LIMIT - 200;

function mergeable(message: MarketMessage): boolean {
  return (
    message.role !== "seller" && message.attachments.length === 0 && message.text.trim() !== ""
  );
}

/** Consecutive messages as one: the texts in order, the newest one's id and time. */
function combine(messages: MarketMessage[]): MarketMessage {
  const last = messages.at(-1) as MarketMessage;
  return { ...last, text: messages.map((m) => m.text.trim()).join(MERGE_SEPARATOR) };
}

function captionFits(label: string, body: string): boolean {
  return label.length + 1 + body.length <= CAPTION_LIMIT;
}

/** Plain `text` as HTML under the sender's label (when there is one). */
function withLabel(labelHtml: string, text: string): string {
  return [labelHtml, escapeHtml(text)].filter(Boolean).join("\n");
}
