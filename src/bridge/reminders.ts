// Reminders in a topic when a buyer has waited too long: once after REMINDER_MINUTES, and on
// marketplaces with a reply window (Ozon: 48 hours), once more when less than 4 hours remain.
// Each threshold fires once per wait; a staff answer starts the count again. The chat's owner
// is mentioned first (a link that notifies), then whoever is on duty; a button takes the chat.
import type { Logger } from "../logger.ts";
import type { Account } from "./account.ts";
import { mention, takeButton } from "./ownership.ts";
import { waitsForUs } from "./status.ts";
import type { TopicRecord } from "./store/index.ts";
import type { InlineButton } from "./telegram.ts";
import { escapeHtml } from "./text.ts";
import type { Texts } from "./texts/index.ts";
import type { Topics } from "./topics.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** How long before a reply window closes the last reminder comes. */
const WINDOW_WARNING = 4 * HOUR;

export class Reminders {
  private readonly accounts: Map<string, Account>;
  private readonly topics: Topics;
  private readonly texts: Texts;
  private readonly log: Logger;
  private readonly afterMs: number;
  private readonly mentions: string;
  private readonly send: (
    topic: TopicRecord,
    html: string,
    buttons: InlineButton[],
  ) => Promise<void>;

  constructor(deps: {
    accounts: Account[];
    topics: Topics;
    texts: Texts;
    log: Logger;
    reminderMinutes: number;
    onDuty: string[];
    /** Posts loudly in the topic: a reminder is meant to ring. */
    send: (topic: TopicRecord, html: string, buttons: InlineButton[]) => Promise<void>;
  }) {
    this.accounts = new Map(deps.accounts.map((a) => [a.id, a]));
    this.topics = deps.topics;
    this.texts = deps.texts;
    this.log = deps.log;
    this.afterMs = deps.reminderMinutes * MINUTE;
    this.mentions = deps.onDuty.map((name) => `@${escapeHtml(name.replace(/^@/, ""))}`).join(" ");
    this.send = deps.send;
  }

  get enabled(): boolean {
    return this.afterMs > 0;
  }

  /** Posts what is due at `now`; called every minute, and by tests with a fake clock. */
  async tick(now: number): Promise<void> {
    if (!this.enabled) return;
    for (const topic of await this.topics.waiting()) {
      const account = this.accounts.get(topic.accountId);
      if (!account || !waitsForUs(topic) || topic.waitingSince === undefined) continue;
      const due = this.due(account, topic, now - topic.waitingSince);
      if (!due) continue;
      try {
        const who = [topic.owner && mention(topic.owner), this.mentions].filter(Boolean).join(" ");
        await this.send(topic, [due.text, who].filter(Boolean).join("\n"), [
          takeButton(this.texts),
        ]);
        await this.topics.update(account, topic.chatId, {
          reminded: [...(topic.reminded ?? []), due.key],
        });
      } catch (error) {
        this.log.warn({ chatId: topic.chatId, err: error }, "reminder failed");
      }
    }
  }

  private due(account: Account, topic: TopicRecord, waitedMs: number) {
    const done = new Set(topic.reminded ?? []);
    const windowHours = account.provider.capabilities.replyWindowHours;
    if (windowHours && !done.has("window") && waitedMs >= windowHours * HOUR - WINDOW_WARNING) {
      const left = Math.max(0, Math.ceil((windowHours * HOUR - waitedMs) / HOUR));
      return { key: "window", text: this.texts.reminderWindow(left, windowHours) };
    }
    if (!done.has("wait") && waitedMs >= this.afterMs) {
      return { key: "wait", text: this.texts.reminderWait(Math.floor(waitedMs / MINUTE)) };
    }
    return undefined;
  }
}
