// Figures for /status, /find and reminders, read from the running bridge: the last poll per
// account, failures, unsent staff messages, who waits for an answer, Telegram budget use.

import type { Account } from "./account.ts";
import { errorText } from "./errors.ts";
import { BOT_LEASE, groupLease, type Leases } from "./leases.ts";
import type { PollStatus } from "./poller.ts";
import type { GroupSendQueue } from "./send-queue.ts";
import type { Store, TopicRecord } from "./store/index.ts";
import type { Topics } from "./topics.ts";

export interface AccountStatus {
  account: Account;
  lastPollAt?: number;
  lastError?: string;
  pendingJobs: number;
  waiting: number;
  /** When the longest-waiting buyer's message arrived. */
  oldestWaitSince?: number;
  /** With several instances: the one serving the account's group (the poll figures are its). */
  servedBy?: string;
}

export interface StatusReport {
  accounts: AccountStatus[];
  budget: { staffChatId: number; used: number; limit: number }[];
  /** With several instances: this one, and the one reading Telegram's updates. */
  instances?: { self: string; bot?: string };
}

export class BridgeStatus {
  private readonly accounts: Account[];
  private readonly store: Store;
  private readonly topics: Topics;
  private readonly queue: GroupSendQueue;
  private readonly polls: Map<string, PollStatus>;
  private readonly leases: Pick<Leases, "instanceId" | "holders"> | undefined;

  constructor(deps: {
    accounts: Account[];
    store: Store;
    topics: Topics;
    queue: GroupSendQueue;
    polls: Map<string, PollStatus>;
    leases?: Pick<Leases, "instanceId" | "holders">;
  }) {
    this.leases = deps.leases;
    this.accounts = deps.accounts;
    this.store = deps.store;
    this.topics = deps.topics;
    this.queue = deps.queue;
    this.polls = deps.polls;
  }

  async report(): Promise<StatusReport> {
    const [jobs, topics, leases] = await Promise.all([
      this.store.jobs.pending(),
      this.topics.all(),
      this.leases?.holders(),
    ]);
    const holder = (unit: string) => leases?.find((l) => l.unit === unit)?.holder;
    const self = this.leases?.instanceId;
    const accounts = this.accounts.map((account) => {
      const servedBy = holder(groupLease(account.staffChatId));
      // Another instance's polls are not known here.
      const poll = self === undefined || servedBy === self ? this.polls.get(account.id) : undefined;
      const waiting = topics.filter((t) => t.accountId === account.id && waitsForUs(t));
      const since = waiting.map((t) => t.waitingSince ?? Date.now());
      return {
        account,
        ...(poll?.lastSuccessAt !== undefined ? { lastPollAt: poll.lastSuccessAt } : {}),
        ...(poll?.lastError !== undefined ? { lastError: poll.lastError } : {}),
        pendingJobs: jobs.filter((j) => j.accountId === account.id).length,
        waiting: waiting.length,
        ...(since.length > 0 ? { oldestWaitSince: Math.min(...since) } : {}),
        ...(servedBy !== undefined ? { servedBy } : {}),
      };
    });
    const groups = [...new Set(this.accounts.map((a) => a.staffChatId))];
    const budget = groups.map((staffChatId) => ({ staffChatId, ...this.queue.usage(staffChatId) }));
    const bot = holder(BOT_LEASE);
    const instances = self === undefined ? {} : { instances: { self, ...(bot ? { bot } : {}) } };
    return { accounts, budget, ...instances };
  }

  /**
   * Topics of a group for /find: `@username` gives the chats that person owns; otherwise a chat
   * id or an order, posting or return number that matches exactly, else a number starting with
   * the query or a buyer's name containing it (any case).
   */
  async find(staffChatId: number, query: string): Promise<TopicRecord[]> {
    const wanted = query.trim().toLowerCase();
    const mine = (await this.topics.all()).filter((t) => t.staffChatId === staffChatId);
    if (wanted.startsWith("@")) {
      const username = wanted.slice(1);
      const known = await this.store.staff.byUsername(staffChatId, username);
      return mine.filter(
        ({ owner }) =>
          owner && (owner.userId === known?.userId || owner.username?.toLowerCase() === username),
      );
    }
    const numbers = (t: TopicRecord) =>
      [t.orderNumber, t.returnNumber]
        .filter((n): n is string => Boolean(n))
        .map((n) => n.toLowerCase());
    const exact = mine.filter(
      (t) => t.chatId.toLowerCase() === wanted || numbers(t).includes(wanted),
    );
    if (exact.length > 0) return exact;
    return mine.filter(
      (t) =>
        numbers(t).some((n) => n.startsWith(wanted)) ||
        Boolean(t.buyerName?.toLowerCase().includes(wanted)),
    );
  }
}

export function waitsForUs(topic: TopicRecord): boolean {
  return topic.waiting === "us" && !topic.closed;
}

/**
 * When the marketplace stops taking an answer to the waiting buyer (ms), on marketplaces with a
 * reply window; counted from the buyer's latest message (older records: the first unanswered).
 */
export function replyDeadline(account: Account, topic: TopicRecord): number | undefined {
  const hours = account.provider.capabilities.replyWindowHours;
  const since = topic.buyerAt ?? topic.waitingSince;
  if (!hours || !waitsForUs(topic) || since === undefined) return undefined;
  return since + hours * 60 * 60_000;
}

/** One cheap call that needs the account's key; undefined when the marketplace accepted it. */
export async function keyProblem(account: Account): Promise<string | undefined> {
  const provider = account.provider;
  const chats = provider.listChats?.("unread")[Symbol.asyncIterator]();
  try {
    if (chats) await chats.next();
    else await provider.readFeed?.(undefined);
    return undefined;
  } catch (error) {
    return errorText(error);
  } finally {
    await chats?.return?.();
  }
}
