// Brings one chat up to date: reads its cursor once, fetches what is newer (or, for a chat seen
// for the first time, its recent history), and hands the messages to inbound, which posts them
// and moves the cursor. Requests for a chat that is syncing coalesce into one more run after it.
// A chat holds its fetched messages until they are posted; a group's budget drains slowly, so
// only so many chats per group fetch ahead of it.
import { type Account, type AccountWith, withAbility } from "./account.ts";
import { errorText } from "./errors.ts";
import type { FeedSync } from "./feed-sync.ts";
import { Gate } from "./gate.ts";
import type { Inbound } from "./inbound.ts";
import { type BridgeMetrics, noMetrics } from "./metrics.ts";
import {
  type Id,
  type MarketMessage,
  ProviderError,
  type ReadsChats,
  readsChats,
  readsEventFeed,
} from "./provider.ts";
import { sleep } from "./sleep.ts";
import { chatKey, type Store } from "./store/index.ts";
import type { Topics } from "./topics.ts";

/** A chat seen for the first time brings at most its newest messages into its topic. */
const FIRST_SIGHT_MESSAGES = 50;
/** Chats of one group between fetching their messages and posting them. */
const CHATS_AHEAD_PER_GROUP = 64;

export interface SyncRequest {
  changeToken?: string;
  /** Called once the chat's history is fetched (or the request is dropped). */
  fetched?: () => void;
  /** The chat's state as the list showed it, reflected in its topic. */
  state?: { closed?: boolean; disputed?: boolean };
  /**
   * How a chat without a cursor is treated: "unread" on a first start on an existing shop
   * (mirror only unread messages, baseline the rest); "all" for a chat that appeared later.
   */
  firstSight: "unread" | "all";
  /** The newest message the list named: a first sight's cursor covers it. */
  lastMessageId?: Id;
}

type ListAccount = AccountWith<ReadsChats>;

interface Running {
  task: Promise<boolean>;
  /** The latest request that came in while the chat was syncing. */
  again?: SyncRequest;
}

export class ChatSync {
  private readonly store: Store;
  private readonly inbound: Inbound;
  private readonly feeds: FeedSync;
  private readonly topics: Topics;
  private readonly metrics: BridgeMetrics;
  private readonly running = new Map<string, Running>();
  private readonly errors = new Map<string, string>();
  /** History fetches at once: a burst of changed chats must not flood the API. */
  private readonly fetches: Gate;
  private readonly ahead = new Map<number, Gate>();
  private readonly stopping = new AbortController();

  constructor(deps: {
    store: Store;
    inbound: Inbound;
    feeds: FeedSync;
    topics: Topics;
    metrics?: BridgeMetrics;
    maxParallelFetches?: number;
  }) {
    this.store = deps.store;
    this.inbound = deps.inbound;
    this.feeds = deps.feeds;
    this.topics = deps.topics;
    this.metrics = deps.metrics ?? noMetrics;
    this.fetches = new Gate(deps.maxParallelFetches ?? 4);
  }

  /**
   * Brings the chat up to date; resolves true when its last sync succeeded. On a marketplace
   * with one event feed, that is a read of the account's feed.
   */
  sync(
    account: Account,
    chatId: Id,
    request: SyncRequest = { firstSight: "all" },
  ): Promise<boolean> {
    const feed = withAbility(account, readsEventFeed);
    if (feed) {
      request.fetched?.();
      return this.feeds.sync(feed, this.stopping.signal);
    }
    const lists = withAbility(account, readsChats);
    if (!lists) return Promise.resolve(false);
    const key = chatKey(account.id, chatId);
    const current = this.running.get(key);
    if (current) {
      current.again?.fetched?.();
      current.again = request;
      return current.task;
    }
    const entry: Running = { task: Promise.resolve(false) };
    this.running.set(key, entry);
    entry.task = this.syncWhileAsked(lists, chatId, request, entry);
    return entry.task;
  }

  /** Ends the syncs under way: fetches are aborted; posts already queued are refused there. */
  async stop(graceMs: number): Promise<void> {
    this.stopping.abort();
    const tasks = [...this.running.values()].map((entry) => entry.task);
    await Promise.race([Promise.allSettled(tasks), sleep(graceMs)]);
  }

  private async syncWhileAsked(
    account: ListAccount,
    chatId: Id,
    request: SyncRequest,
    entry: Running,
  ): Promise<boolean> {
    let ok = false;
    try {
      let next: SyncRequest | undefined = request;
      while (next && !this.stopping.signal.aborted) {
        entry.again = undefined;
        ok = await this.syncOnce(account, chatId, next);
        next = entry.again;
      }
    } finally {
      // In the same step as the last look at `again`: a later request starts a new run instead
      // of waiting on this finished one. A request left over at shutdown is dropped.
      this.running.delete(chatKey(account.id, chatId));
      entry.again?.fetched?.();
    }
    return ok;
  }

  private async syncOnce(account: ListAccount, chatId: Id, request: SyncRequest): Promise<boolean> {
    const key = chatKey(account.id, chatId);
    try {
      await this.aheadOf(account.staffChatId).run(
        () => this.fetchAndDeliver(account, chatId, request),
        this.stopping.signal,
      );
      if (this.errors.delete(key)) {
        account.log.info({ chatId }, "chat sync recovered");
      }
      return true;
    } catch (error) {
      if (this.stopping.signal.aborted) return false;
      this.metrics.failure(
        account.provider.marketplace,
        error instanceof ProviderError ? error.kind : "sync",
      );
      const message = errorText(error);
      if (this.errors.get(key) !== message) {
        account.log.warn({ chatId, err: error }, "chat sync failed; will retry");
        this.errors.set(key, message);
      }
      return false;
    } finally {
      request.fetched?.();
    }
  }

  private async fetchAndDeliver(account: ListAccount, chatId: Id, request: SyncRequest) {
    const signal = this.stopping.signal;
    const cursor = await this.store.cursors.get(account.id, chatId);
    // State first: a buyer message delivered after it reopens a closed chat's topic.
    if (request.state) await this.topics.update(account, chatId, request.state);
    const fetchedAt = Date.now();
    const sync = { cursor, changeToken: request.changeToken, fetchedAt };
    if (cursor && cursor.baselineAt === undefined) {
      const messages = await this.fetches.run(() =>
        account.provider.messagesAfter(chatId, cursor.lastId, signal),
      );
      request.fetched?.();
      await this.inbound.deliver(account, chatId, messages, sync);
      return;
    }
    const recent = await this.fetches.run(() => account.provider.recentMessages(chatId, signal));
    request.fetched?.();
    const since = cursor?.baselineAt;
    const wanted =
      since !== undefined
        ? recent.filter((m) => isAfter(m, since))
        : recent
            .slice(-FIRST_SIGHT_MESSAGES)
            .filter((m) => request.firstSight === "all" || m.unread !== false);
    // The cursor covers the whole page even if only some of it was mirrored.
    const newest = [request.lastMessageId, recent.at(-1)?.id].filter((id) => id !== undefined);
    await this.inbound.deliver(account, chatId, wanted, { ...sync, covers: newest });
  }

  private aheadOf(staffChatId: number): Gate {
    let gate = this.ahead.get(staffChatId);
    if (!gate) {
      gate = new Gate(CHATS_AHEAD_PER_GROUP);
      this.ahead.set(staffChatId, gate);
    }
    return gate;
  }
}

/**
 * Newer than a baseline time. A message of that very second counts only when unread: the chat
 * had nothing unread at the baseline, and a lost buyer message is worse than a repeated one.
 */
function isAfter(message: MarketMessage, since: number): boolean {
  const at = Date.parse(message.createdAt);
  if (Number.isNaN(at)) return true;
  // Whole seconds: a message's time may carry a fraction the list's time has not.
  const second = Math.floor(at / 1000);
  const sinceSecond = Math.floor(since / 1000);
  return second > sinceSecond || (second === sinceSecond && message.unread !== false);
}
