// Per account: find the chats that changed at low API cost, then bring each changed chat's new
// messages to its topic. A cycle makes one list call however many chats the shop has: most
// ask only for chats with unread messages; every `sweepEvery`-th reads instead the next page
// of a slow sweep through all chats (newest activity first), which also catches seller
// messages written in the marketplace cabinet and chats someone read there before we polled.
// Only the first start lists every chat at once, to baseline them; after a restart, sweep
// pages are read beside the unread call until one brings nothing new.
import { type Account, type AccountWith, withAbility } from "./account.ts";
import type { ChatSync, SyncRequest } from "./chat-sync.ts";
import { errorText } from "./errors.ts";
import type { FeedSync } from "./feed-sync.ts";
import { forEachLimited } from "./gate.ts";
import type { Inbound } from "./inbound.ts";
import { type Serves, servesAll } from "./leases.ts";
import { type BridgeMetrics, noMetrics } from "./metrics.ts";
import {
  type ChatSummary,
  type Id,
  ProviderError,
  type ReadsChats,
  readsChats,
  readsEventFeed,
  sharesRateWindow,
} from "./provider.ts";
import type { GroupSendQueue } from "./send-queue.ts";
import { sleep } from "./sleep.ts";
import { SlidingWindow } from "./sliding-window.ts";
import type { CursorRecord, Store } from "./store/index.ts";

/** An account whose chats are listed and read one by one. */
type ListAccount = AccountWith<ReadsChats>;

/** The period of a marketplace's list-call limit (capabilities.listCallsPerHour). */
const HOUR = 60 * 60 * 1000;

export interface PollStatus {
  lastSuccessAt?: number;
  /** When this process began polling the account: its start, or taking its group over (ms). */
  servingSince?: number;
  lastError?: string;
  cycles: number;
}

/** Hears how each cycle of an account ended: undefined when it went through. */
export interface PollObserver {
  pollResult(account: Account, error: unknown): void;
}

export class Poller {
  readonly status = new Map<string, PollStatus>();
  private readonly accounts: Account[];
  private readonly store: Store;
  private readonly chats: ChatSync;
  private readonly feeds: FeedSync;
  private readonly inbound: Inbound;
  private readonly queue: GroupSendQueue;
  private readonly metrics: BridgeMetrics;
  private readonly intervalMs: number;
  private readonly sweepEvery: number;
  /** Accounts just started: sweep pages are read beside every cycle until one brings nothing. */
  private readonly catchingUp = new Set<string>();
  /** Per account whose marketplace limits list calls an hour: what this bridge may spend. */
  private readonly budgets = new Map<string, SlidingWindow>();
  private readonly observer: PollObserver | undefined;
  /** Per staff group this instance does not serve: ends the standby loops' wait. */
  private readonly standby = new Map<number, AbortController>();
  private readonly serves: Serves;
  /** Per account: the sweep in progress, read one page per sweep cycle. */
  private readonly sweeps = new Map<
    string,
    { pages: AsyncIterator<ChatSummary[]>; page: number }
  >();
  /**
   * Accounts whose page tokens do not last from one sweep cycle to the next: they sweep all
   * pages at once, and as many sweep cycles as that took go by before the next one (the
   * value: sweep cycles still to wait).
   */
  private readonly wholeSweeps = new Map<string, number>();
  private readonly stopController = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(deps: {
    accounts: Account[];
    store: Store;
    chats: ChatSync;
    feeds: FeedSync;
    inbound: Inbound;
    queue: GroupSendQueue;
    metrics?: BridgeMetrics;
    observer?: PollObserver;
    intervalMs: number;
    sweepEvery?: number;
    /** Accounts of the groups other instances hold are left to them. */
    serves?: Serves;
  }) {
    this.observer = deps.observer;
    this.serves = deps.serves ?? servesAll;
    this.accounts = deps.accounts;
    this.store = deps.store;
    this.chats = deps.chats;
    this.feeds = deps.feeds;
    this.inbound = deps.inbound;
    this.queue = deps.queue;
    this.metrics = deps.metrics ?? noMetrics;
    this.intervalMs = deps.intervalMs;
    this.sweepEvery = deps.sweepEvery ?? 12;
    for (const account of this.accounts) {
      const perHour = account.provider.capabilities.listCallsPerHour;
      // A share of the limit: other tools of the same cabinet, and our retries, need room too.
      if (perHour) this.budgets.set(account.id, new SlidingWindow(Math.floor(perHour * 0.8), HOUR));
    }
  }

  start(): void {
    for (const account of this.accounts) this.catchingUp.add(account.id);
    this.loops = this.accounts.map((account) => this.loop(account));
  }

  /** Stops polling; syncs still waiting for Telegram are abandoned (their cursors did not move). */
  async stop(graceMs = 3000): Promise<void> {
    this.stopController.abort();
    await Promise.all([
      Promise.race([Promise.allSettled(this.loops), sleep(graceMs)]),
      this.chats.stop(graceMs),
    ]);
  }

  private async loop(account: Account): Promise<void> {
    const status: PollStatus = { cycles: 0 };
    this.status.set(account.id, status);
    const signal = this.stopController.signal;
    let serving = true;
    while (!signal.aborted) {
      if (!this.serves(account.staffChatId)) {
        serving = false;
        await this.standBy(account.staffChatId, signal);
        continue;
      }
      // Taken over from another instance: catch up as after a restart.
      if (!serving) this.catchingUp.add(account.id);
      if (!serving || status.servingSince === undefined) status.servingSince = Date.now();
      serving = true;
      // While state cannot be written, nothing is taken in that could not be recorded as
      // delivered; the incident is reported and watched elsewhere.
      if (this.store.writes.failure !== undefined) {
        await sleep(this.intervalMs, signal);
        continue;
      }
      const started = performance.now();
      try {
        const feed = withAbility(account, readsEventFeed);
        const lists = withAbility(account, readsChats);
        if (feed) await this.feeds.cycle(feed, signal);
        // Cycle 1 onwards, so a restart's second cycle reads the most recently active chats.
        else if (lists) await this.cycle(lists, (status.cycles - 1) % this.sweepEvery === 0);
        this.metrics.pollDuration(
          account.provider.marketplace,
          (performance.now() - started) / 1000,
        );
        if (status.lastError) account.log.info("polling recovered");
        status.lastSuccessAt = Date.now();
        status.lastError = undefined;
        this.observer?.pollResult(account, undefined);
      } catch (error) {
        if (signal.aborted) break;
        this.observer?.pollResult(account, error);
        const message = errorText(error);
        this.metrics.failure(
          account.provider.marketplace,
          error instanceof ProviderError ? error.kind : "poll",
        );
        if (status.lastError !== message) {
          account.log.error({ err: error }, "polling failed; will retry");
        }
        status.lastError = message;
      }
      status.cycles++;
      await sleep(this.intervalMs, signal);
    }
  }

  /**
   * This process begins working the accounts of a staff group, before any of their requests:
   * a marketplace whose rate window the previous worker's requests still fill holds back as long
   * as it needs. `previousUntil`: when the previous worker stopped at the latest, if known.
   */
  async beginWork(staffChatId: number, previousUntil?: number): Promise<void> {
    for (const account of this.accounts) {
      if (account.staffChatId !== staffChatId || !this.serves(staffChatId)) continue;
      const shares = withAbility(account, sharesRateWindow);
      shares?.provider.beginWork(await this.store.feeds.get(account.id), previousUntil);
    }
  }

  /**
   * This instance now serves the group (its lease was gained): the group's accounts poll at once
   * instead of at their next turn, so a takeover does not wait a poll interval more.
   */
  wake(staffChatId: number): void {
    this.standby.get(staffChatId)?.abort();
    this.standby.delete(staffChatId);
  }

  /** A poll interval of waiting for a group this instance does not serve; `wake` ends it. */
  private standBy(staffChatId: number, signal: AbortSignal): Promise<void> {
    let waking = this.standby.get(staffChatId);
    if (!waking) {
      waking = new AbortController();
      this.standby.set(staffChatId, waking);
    }
    return sleep(this.intervalMs, AbortSignal.any([signal, waking.signal]));
  }

  private async cycle(account: ListAccount, sweepPage: boolean): Promise<void> {
    const baselined = await this.store.baselined(account.id);
    const budget = this.budgets.get(account.id);
    if (budget && !budget.allows(1)) {
      account.log.debug("hourly list budget used up; cycle skipped");
      return;
    }
    const signal = this.stopController.signal;
    const listings = [
      !baselined
        ? account.provider.listChats("all", signal)
        : sweepPage
          ? this.nextSweepPage(account)
          : account.provider.listChats("unread", signal),
    ];
    // After a restart, the sweep's first pages hold the chats most active while the bridge was
    // stopped (read or answered in the cabinet meanwhile): one page per cycle beside the unread
    // call, until a page brings nothing new. A first start lists everything anyway.
    if (!baselined) this.catchingUp.delete(account.id);
    const catchUp = baselined && !sweepPage && this.catchingUp.has(account.id);
    if (catchUp) listings.push(this.nextSweepPage(account));
    const requests: { chatId: Id; request: SyncRequest }[] = [];
    let listed = 0;
    let calls = 0;
    for (const listing of listings) {
      const before = requests.length;
      for await (const page of listing) {
        calls++;
        budget?.record();
        listed += page.length;
        for (const chat of page) {
          if (!chat.isBuyerChat) continue;
          const request = await this.requestFor(account, chat, baselined);
          if (request) requests.push({ chatId: chat.chatId, request });
        }
        // A listing of many pages stops where the hourly allowance does.
        if (budget && !budget.allows(1)) break;
      }
      if (listing !== listings[0] && requests.length === before) {
        this.catchingUp.delete(account.id);
      }
    }
    const scope = !baselined ? "all" : sweepPage ? "sweep" : "unread";
    account.log.debug(
      {
        scope,
        calls,
        listed,
        changed: requests.length,
        ...(sweepPage || catchUp ? { sweepPage: this.sweeps.get(account.id)?.page ?? 0 } : {}),
        ...(catchUp ? { catchUp } : {}),
      },
      "poll cycle",
    );
    if (baselined) {
      // Not awaited: a chat waiting for Telegram's budget must not hold up the next listing.
      for (const { chatId, request } of requests) {
        void this.chats.sync(account, chatId, this.expectingPosts(account, request));
      }
      return;
    }
    // Until every chat seen on the first start has its cursor, a chat without one may be an old
    // chat whose read history must stay quiet, so the first-start rule keeps applying. A few
    // chats at a time: a shop with thousands of unread chats must not hold them all in memory.
    let allSynced = true;
    await forEachLimited(requests, FIRST_START_PARALLEL_SYNCS, async ({ chatId, request }) => {
      if (!(await this.chats.sync(account, chatId, this.expectingPosts(account, request)))) {
        allSynced = false;
      }
    });
    if (allSynced && !this.stopController.signal.aborted) {
      await this.store.markBaselined(account.id);
    }
  }

  /**
   * Tells the group's send queue that this chat is about to post, until its history is
   * fetched: a chat that sees many others coming merges its waiting texts from the start.
   */
  private expectingPosts(account: ListAccount, request: SyncRequest): SyncRequest {
    return { ...request, fetched: this.queue.expect(account.staffChatId) };
  }

  /** One page of the account's running sweep; a finished sweep starts over from the newest. */
  private async *nextSweepPage(account: ListAccount): AsyncGenerator<ChatSummary[]> {
    if (this.wholeSweeps.has(account.id)) {
      yield* this.wholeSweep(account);
      return;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      let sweep = this.sweeps.get(account.id);
      const started = !sweep;
      if (!sweep) {
        const pages = account.provider.listChats("all", this.stopController.signal);
        sweep = { pages: pages[Symbol.asyncIterator](), page: 0 };
        this.sweeps.set(account.id, sweep);
      }
      let next: IteratorResult<ChatSummary[]>;
      try {
        next = await sweep.pages.next();
      } catch (error) {
        this.sweeps.delete(account.id);
        // The marketplaces document no lifetime for their page tokens. One refused a cycle
        // later (not a network failure) is taken as expired: from now on, sweep in one go.
        const refused =
          error instanceof ProviderError &&
          (error.kind === "invalid" || error.kind === "not_found");
        if (started || !refused) throw error;
        account.log.warn(
          { err: error.message },
          "the chat list refused a page token from the previous sweep cycle; sweeping all pages at once from now on",
        );
        this.wholeSweeps.set(account.id, 0);
        yield* this.wholeSweep(account);
        return;
      }
      if (!next.done) {
        sweep.page++;
        yield next.value;
        return;
      }
      this.sweeps.delete(account.id);
      // The end of a sweep costs no call, so a new one starts at once, unless this one just
      // started and had no pages at all.
      if (started) return;
    }
  }

  private async *wholeSweep(account: ListAccount): AsyncGenerator<ChatSummary[]> {
    const waitCycles = this.wholeSweeps.get(account.id) ?? 0;
    const signal = this.stopController.signal;
    if (waitCycles > 0) {
      this.wholeSweeps.set(account.id, waitCycles - 1);
      yield* account.provider.listChats("unread", signal);
      return;
    }
    let pages = 0;
    for await (const page of account.provider.listChats("all", signal)) {
      pages++;
      yield page;
    }
    this.wholeSweeps.set(account.id, pages - 1);
  }

  private async requestFor(
    account: ListAccount,
    chat: ChatSummary,
    baselined: boolean,
  ): Promise<SyncRequest | undefined> {
    const cursor = await this.store.cursors.get(account.id, chat.chatId);
    if (cursor) {
      const request = {
        changeToken: chat.changeToken,
        firstSight: "all" as const,
        state: stateOf(chat),
      };
      if (cursor.changeToken !== chat.changeToken) return request;
      return unsettled(cursor, chat) ? request : undefined;
    }
    if (!baselined && chat.unreadCount === 0 && chat.lastMessageId) {
      // Existing chat with nothing waiting: start from its newest message, silently.
      await this.inbound.baseline(account, chat.chatId, {
        lastId: chat.lastMessageId,
        changeToken: chat.changeToken,
      });
      return undefined;
    }
    if (!baselined && chat.answered && chat.updatedAt !== undefined) {
      // The same without a newest id: start from the time of its last change, and read its
      // history only when it changes again (a first start of 10 000 chats costs no history).
      const now = Date.now();
      await this.inbound.baseline(account, chat.chatId, {
        lastId: "0",
        changeToken: chat.changeToken,
        syncedAt: now,
        tokenSeenAt: now,
        baselineAt: chat.updatedAt,
      });
      return undefined;
    }
    return {
      changeToken: chat.changeToken,
      firstSight: baselined ? "all" : "unread",
      ...(chat.lastMessageId ? { lastMessageId: chat.lastMessageId } : {}),
    };
  }
}

/** How far the marketplace's clock may be off ours. */
const MAX_CLOCK_SKEW_MS = 30_000;

/**
 * A chat whose token has whole seconds (Yandex updatedAt) may have had a message in the same
 * second as our read of it, which leaves the token as it was. One more read at least a second
 * after the first read of the token settles it, whatever the two clocks say; so does a first
 * read long after the change.
 */
function unsettled(cursor: CursorRecord, chat: ChatSummary): boolean {
  if (chat.updatedAt === undefined) return false;
  const readAt = cursor.syncedAt ?? 0;
  const seenAt = cursor.tokenSeenAt ?? readAt;
  return readAt - seenAt < 1000 && seenAt < chat.updatedAt + MAX_CLOCK_SKEW_MS;
}

/** Chats synced at once on a first start (their fetches are further limited in ChatSync). */
const FIRST_START_PARALLEL_SYNCS = 16;

function stateOf(chat: ChatSummary): { closed?: boolean; disputed?: boolean } {
  return {
    ...(chat.closed !== undefined ? { closed: chat.closed } : {}),
    ...(chat.disputed !== undefined ? { disputed: chat.disputed } : {}),
  };
}
