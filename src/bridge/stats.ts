// First-response statistics for /stats and the daily digest, per shop and per staff member,
// computed from the chats' waiting periods (store.activity, see activity.ts): nothing is
// counted in memory, so the figures survive restarts and a test can check them to the minute.
import type { Account } from "./account.ts";
import { chatKey, type Store, type WaitRecord } from "./store/index.ts";
import { escapeHtml } from "./text.ts";
import type { Texts } from "./texts/index.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** How much of the time between two moments counts: working time (WORKING_HOURS), or all of it. */
export type WorkingMs = (from: number, to: number) => number;

/** A median and a 90th percentile (ms). */
export interface Spread {
  median: number;
  p90: number;
}

export interface Figures {
  /** Chats in which a buyer began to wait within the period. */
  chats: number;
  /** Of those waits, the ones answered. */
  answered: number;
  /** First-response times of the answered waits; undefined without any. */
  working?: Spread;
  clock?: Spread;
  /**
   * Waits whose hour is decided: answered, or waiting for more than an hour of working time
   * (a wait younger than that may still be answered in time).
   */
  decided: number;
  /** Answered within an hour of working time. */
  withinHour: number;
  /** Waits whose reply window lapsed before an answer (or lapsed and nobody answered). */
  windowsMissed: number;
}

export interface StatsReport {
  shops: { account: Account; figures: Figures }[];
  /** Staff members who answered a wait of the period, by name. */
  staff: { userId: number; name: string; figures: Figures }[];
}

interface Wait extends WaitRecord {
  chat: string;
  windowMs: number | undefined;
}

export class Statistics {
  private readonly accounts: Account[];
  private readonly store: Store;
  private readonly workingMs: WorkingMs;

  constructor(deps: { accounts: Account[]; store: Store; workingMs: WorkingMs }) {
    this.accounts = deps.accounts;
    this.store = deps.store;
    this.workingMs = deps.workingMs;
  }

  /** The figures of a staff group's shops for the waits that began in [from, to), as of `now`. */
  async report(staffChatId: number, from: number, to: number, now: number): Promise<StatsReport> {
    const shops = this.accounts.filter((a) => a.staffChatId === staffChatId);
    const byAccount = new Map<string, Wait[]>(shops.map((a) => [a.id, []]));
    for (const activity of await this.store.activity.all()) {
      const waits = byAccount.get(activity.accountId);
      const account = shops.find((a) => a.id === activity.accountId);
      if (!waits || !account) continue;
      const window = account.provider.capabilities.replyWindowHours;
      for (const wait of activity.waits) {
        if (wait.since < from || wait.since >= to) continue;
        waits.push({
          ...wait,
          chat: chatKey(activity.accountId, activity.chatId),
          windowMs: window === undefined ? undefined : window * HOUR,
        });
      }
    }
    const all = [...byAccount.values()].flat();
    const people = new Map<number, { name: string; waits: Wait[] }>();
    for (const wait of all.sort((a, b) => a.since - b.since)) {
      if (!wait.by) continue;
      const person = people.get(wait.by.userId) ?? { name: wait.by.name, waits: [] };
      person.name = wait.by.name;
      person.waits.push(wait);
      people.set(wait.by.userId, person);
    }
    return {
      shops: shops.map((account) => ({
        account,
        figures: this.figures(byAccount.get(account.id) ?? [], now),
      })),
      staff: [...people]
        .map(([userId, { name, waits }]) => ({ userId, name, figures: this.figures(waits, now) }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.userId - b.userId),
    };
  }

  private figures(waits: Wait[], now: number): Figures {
    const answered = waits.filter((w) => w.answeredAt !== undefined) as (Wait & {
      answeredAt: number;
    })[];
    const working = answered.map((w) => this.workingMs(w.since, w.answeredAt));
    const clock = answered.map((w) => w.answeredAt - w.since);
    const decided = waits.filter(
      (w) => w.answeredAt !== undefined || this.workingMs(w.since, now) > HOUR,
    );
    const missed = waits.filter(
      (w) =>
        w.windowMs !== undefined &&
        (w.pause > w.windowMs || (w.answeredAt ?? now) - w.last > w.windowMs),
    );
    return {
      chats: new Set(waits.map((w) => w.chat)).size,
      answered: answered.length,
      ...(answered.length > 0 ? { working: spread(working), clock: spread(clock) } : {}),
      decided: decided.length,
      withinHour: working.filter((ms) => ms <= HOUR).length,
      windowsMissed: missed.length,
    };
  }
}

/** Nearest-rank percentiles: each is a time some buyer actually waited. */
function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
  return { median: rank(0.5), p90: rank(0.9) };
}

/** A report as HTML lines: each shop, then each staff member. */
export function renderReport(report: StatsReport, t: Texts): string[] {
  const lines: string[] = [];
  for (const { account, figures } of report.shops) {
    lines.push("", ...renderFigures(account.name, figures, t));
  }
  lines.push("", t.statsStaff);
  if (report.staff.length === 0) lines.push(t.statsNoStaff);
  for (const { name, figures } of report.staff) lines.push("", ...renderFigures(name, figures, t));
  return lines;
}

function renderFigures(name: string, f: Figures, t: Texts): string[] {
  const duration = (ms: number) => t.ago(Math.floor(ms / MINUTE));
  return [
    t.statsRow(escapeHtml(name), f.chats, f.answered),
    ...(f.working && f.clock
      ? [
          t.statsWorking(duration(f.working.median), duration(f.working.p90)),
          t.statsClock(duration(f.clock.median), duration(f.clock.p90)),
        ]
      : [t.statsNoAnswers]),
    f.decided > 0
      ? t.statsWithinHour(f.withinHour, f.decided, Math.round((100 * f.withinHour) / f.decided))
      : t.statsWithinHourNone,
    t.statsWindowsMissed(f.windowsMissed),
  ];
}
