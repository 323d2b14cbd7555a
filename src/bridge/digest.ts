// The morning digest: at DIGEST_TIME (staff time zone) each staff group gets yesterday's
// first-response figures and the chats still waiting, oldest first, posted silently in General.
// The day it was posted is stored after the post: a restart does not post it again, and a
// bridge that was down at DIGEST_TIME posts it when it starts, the same day (a crash between
// the post and the record repeats it once).
import type { Logger } from "../logger.ts";
import type { Account } from "./account.ts";
import { SingleFlight } from "./gate.ts";
import { type Serves, servesAll } from "./leases.ts";
import { renderReport, type Statistics } from "./stats.ts";
import { waitsForUs } from "./status.ts";
import type { Store } from "./store/index.ts";
import { topicLink } from "./telegram.ts";
import { escapeHtml, splitText } from "./text.ts";
import type { Texts } from "./texts/index.ts";
import { ZoneClock } from "./working-hours.ts";

const MINUTE = 60_000;
/** The waiting chats a digest links to; the rest are counted. */
const WAITING_LIMIT = 20;
const TEXT_LIMIT = 4096;

/** A day as a sortable number (20300114), for remembering which day's digest was posted. */
function dayNumber(day: { year: number; month: number; day: number }): number {
  return day.year * 10_000 + day.month * 100 + day.day;
}

export class Digest {
  private readonly accounts: Account[];
  private readonly store: Store;
  private readonly stats: Statistics;
  private readonly texts: Texts;
  private readonly log: Logger;
  private readonly serves: Serves;
  /** Minutes after midnight; undefined: no digest. */
  private readonly atMinutes: number | undefined;
  private readonly clock: ZoneClock;
  private readonly post: (staffChatId: number, html: string) => Promise<void>;
  private readonly rounds = new SingleFlight();

  constructor(deps: {
    accounts: Account[];
    store: Store;
    stats: Statistics;
    texts: Texts;
    log: Logger;
    /** Staff groups other instances hold are left to them. */
    serves?: Serves;
    /** DIGEST_TIME in minutes after midnight, or undefined when it is not set. */
    atMinutes: number | undefined;
    /** The staff's IANA time zone: their day and their DIGEST_TIME. */
    timeZone: string;
    /** Posts in the group's General topic without a sound. */
    post: (staffChatId: number, html: string) => Promise<void>;
  }) {
    this.accounts = deps.accounts;
    this.store = deps.store;
    this.stats = deps.stats;
    this.texts = deps.texts;
    this.log = deps.log;
    this.serves = deps.serves ?? servesAll;
    this.atMinutes = deps.atMinutes;
    this.clock = new ZoneClock(deps.timeZone);
    this.post = deps.post;
  }

  /**
   * Posts today's digest where it is due at `now` and not posted yet; called every minute and
   * at the start. A call while one runs joins it, so a digest is never composed twice at once.
   */
  tick(now: number): Promise<void> {
    return this.rounds.run(() => this.check(now));
  }

  private async check(now: number): Promise<void> {
    // What could not be marked as posted would be posted again every minute.
    if (this.atMinutes === undefined || this.store.writes.failure !== undefined) return;
    const today = this.clock.local(now);
    if (now < this.clock.instant(today, this.atMinutes)) return;
    const yesterday = this.clock.addDays(today, -1);
    const from = this.clock.instant(yesterday, 0);
    const to = this.clock.instant(today, 0);
    for (const staffChatId of new Set(this.accounts.map((a) => a.staffChatId))) {
      if (!this.serves(staffChatId)) continue;
      const key = `digest:${staffChatId}`;
      const posted = await this.store.notices.get(key);
      if (posted !== undefined && posted >= dayNumber(today)) continue;
      try {
        const title = this.texts.digestTitle(
          this.texts.calendarDay(yesterday.year, yesterday.month, yesterday.day),
        );
        const report = await this.stats.report(staffChatId, from, to, now);
        const waiting = await this.waiting(staffChatId, now);
        const text = [title, ...renderReport(report, this.texts), "", ...waiting].join("\n");
        // Every line is whole HTML, and a part is cut at a line.
        for (const part of splitText(text, TEXT_LIMIT)) await this.post(staffChatId, part);
      } catch (error) {
        this.log.warn({ err: error, staffChatId }, "could not post the digest");
        continue;
      }
      await this.store.notices.set(key, dayNumber(today));
    }
  }

  /** The group's chats still waiting for an answer, oldest first, with links to their topics. */
  private async waiting(staffChatId: number, now: number): Promise<string[]> {
    const waiting = (await this.store.topics.waiting())
      .filter((t) => t.staffChatId === staffChatId && waitsForUs(t))
      .map((t) => ({ topic: t, since: t.waitingSince ?? now }))
      .sort((a, b) => a.since - b.since);
    if (waiting.length === 0) return [this.texts.digestNoneWaiting];
    const lines = waiting
      .slice(0, WAITING_LIMIT)
      .map(({ topic, since }) =>
        this.texts.digestWaitingChat(
          escapeHtml(topic.title),
          topicLink(topic.staffChatId, topic.threadId),
          this.texts.ago(Math.floor((now - since) / MINUTE)),
        ),
      );
    if (waiting.length > WAITING_LIMIT) {
      lines.push(this.texts.digestMore(waiting.length - WAITING_LIMIT));
    }
    return [this.texts.digestWaiting(waiting.length), ...lines];
  }
}
