// OFF_HOURS_REPLY: a buyer who writes outside working hours is told so, once per chat per
// off-hours period (the period is named by the opening that ends it). Checked every minute
// from the topics' state, not when the message is posted: a restart, a failed send of the note
// or a crash in the middle leave the state to try from, and the topic remembers the period it
// answered, so nothing goes twice.
import type { Logger } from "../logger.ts";
import type { Account } from "./account.ts";
import { type Serves, servesAll } from "./leases.ts";
import { waitsForUs } from "./status.ts";
import type { TopicRecord } from "./store/index.ts";
import type { Topics } from "./topics.ts";
import type { WorkingHours } from "./working-hours.ts";

export class OffHoursReply {
  private readonly accounts: Map<string, Account>;
  private readonly topics: Topics;
  private readonly hours: WorkingHours;
  private readonly text: string | undefined;
  private readonly log: Logger;
  private readonly serves: Serves;
  private readonly send: (
    account: Account,
    topic: TopicRecord,
    text: string,
    key: string,
  ) => Promise<void>;

  constructor(deps: {
    accounts: Account[];
    topics: Topics;
    hours: WorkingHours;
    /** OFF_HOURS_REPLY; unset: nothing is ever sent. */
    text: string | undefined;
    log: Logger;
    /** Staff groups other instances hold are left to them. */
    serves?: Serves;
    /** Sends through the marketplace like a staff message (Outbound.sendAutomatic). */
    send: (account: Account, topic: TopicRecord, text: string, key: string) => Promise<void>;
  }) {
    this.accounts = new Map(deps.accounts.map((a) => [a.id, a]));
    this.topics = deps.topics;
    this.hours = deps.hours;
    this.text = deps.text;
    this.log = deps.log;
    this.serves = deps.serves ?? servesAll;
    this.send = deps.send;
  }

  /** Replies to the buyers who wrote in the off-hours period `now` is in; called every minute. */
  async tick(now: number): Promise<void> {
    const text = this.text;
    if (!text || this.hours.isOpen(now)) return;
    for (const topic of await this.topics.waiting()) {
      const account = this.accounts.get(topic.accountId);
      // Never in a closed chat or one under dispute: the marketplace's arbiter reads it.
      if (!account || !this.serves(account.staffChatId)) continue;
      if (!waitsForUs(topic) || topic.disputed || topic.buyerAt === undefined) continue;
      if (this.hours.isOpen(topic.buyerAt)) continue;
      const period = this.hours.nextOpen(topic.buyerAt);
      // Written in an earlier off-hours period that staff have been through already.
      if (now >= period || topic.autoReplied === period) continue;
      try {
        await this.send(account, topic, text, String(period));
        await this.topics.update(account, topic.chatId, { autoReplied: period });
      } catch (error) {
        this.log.warn({ chatId: topic.chatId, err: error }, "off-hours reply failed");
      }
    }
  }
}
