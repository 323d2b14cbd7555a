// Nudges in a topic while a buyer waits for an answer: after REMINDER_MINUTES (the chat's owner
// is mentioned, or whoever is on duty when it has none), after ESCALATE_MINUTES (the
// supervisors), and on marketplaces with a reply window, when 4 hours and when 1 hour of it
// remain. Each fires once per wait; a staff answer or a closed chat ends the wait.
//
// Working hours: the wait is counted in working time, so a buyer who writes at night is
// reminded of at opening + REMINDER_MINUTES, and nothing rings outside working hours; unless
// the reply window closes before the next opening: then the wait counts in clock time and the
// nudges go out at once, since waiting for the morning would lose the chat.
import type { Logger } from "../logger.ts";
import type { Account } from "./account.ts";
import { type Serves, servesAll } from "./leases.ts";
import { mention, takeButton } from "./ownership.ts";
import { replyDeadline, waitsForUs } from "./status.ts";
import type { TopicRecord } from "./store/index.ts";
import type { InlineButton } from "./telegram.ts";
import { escapeHtml } from "./text.ts";
import type { Texts } from "./texts/index.ts";
import type { Topics } from "./topics.ts";
import { ALWAYS_OPEN, type WorkingHours } from "./working-hours.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** How long before a reply window closes the last warnings come, most urgent first. */
const WINDOW_WARNINGS = [
  { key: "window1", before: HOUR },
  { key: "window", before: 4 * HOUR },
];

/** A nudge that is due, and the lesser ones it makes pointless for this wait. */
interface Due {
  keys: string[];
  text: string;
  who: string;
  /** A window warning: the card's "time left" is worked out again. */
  window: boolean;
}

export class Reminders {
  private readonly accounts: Map<string, Account>;
  private readonly topics: Topics;
  private readonly texts: Texts;
  private readonly log: Logger;
  private readonly serves: Serves;
  private readonly afterMs: number;
  private readonly escalateMs: number;
  private readonly onDuty: string;
  private readonly supervisors: string;
  private readonly hours: WorkingHours;
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
    /** Staff groups other instances hold are left to them. */
    serves?: Serves;
    reminderMinutes: number;
    onDuty: string[];
    /** 0 or no supervisors: no escalation. */
    escalateMinutes?: number;
    supervisors?: string[];
    hours?: WorkingHours;
    /** Posts loudly in the topic: a reminder is meant to ring. */
    send: (topic: TopicRecord, html: string, buttons: InlineButton[]) => Promise<void>;
  }) {
    this.accounts = new Map(deps.accounts.map((a) => [a.id, a]));
    this.topics = deps.topics;
    this.texts = deps.texts;
    this.log = deps.log;
    this.serves = deps.serves ?? servesAll;
    this.afterMs = deps.reminderMinutes * MINUTE;
    this.onDuty = usernames(deps.onDuty);
    this.supervisors = usernames(deps.supervisors ?? []);
    this.escalateMs = this.supervisors ? (deps.escalateMinutes ?? 0) * MINUTE : 0;
    this.hours = deps.hours ?? ALWAYS_OPEN;
    this.send = deps.send;
  }

  get enabled(): boolean {
    return this.afterMs > 0 || this.escalateMs > 0;
  }

  /** Posts what is due at `now`; called every minute, and by tests with a fake clock. */
  async tick(now: number): Promise<void> {
    if (!this.enabled) return;
    for (const topic of await this.topics.waiting()) {
      const account = this.accounts.get(topic.accountId);
      if (!account || !this.serves(account.staffChatId)) continue;
      if (!waitsForUs(topic) || topic.waitingSince === undefined) continue;
      const deadline = replyDeadline(account, topic);
      // Urgent: the window is still open but closes before staff are back.
      const urgent =
        deadline !== undefined && now < deadline && deadline <= this.hours.nextOpen(now);
      if (!urgent && !this.hours.isOpen(now)) continue;
      const waited = urgent
        ? now - topic.waitingSince
        : this.hours.workingMs(topic.waitingSince, now);
      const due = this.due(account, topic, waited, deadline, now);
      if (!due) continue;
      try {
        const buttons = [takeButton(this.texts)];
        await this.send(topic, [due.text, due.who].filter(Boolean).join("\n"), buttons);
        await this.topics.update(account, topic.chatId, {
          reminded: [...(topic.reminded ?? []), ...due.keys],
          ...(due.window ? { cardAt: now } : {}),
        });
      } catch (error) {
        this.log.warn({ chatId: topic.chatId, err: error }, "reminder failed");
      }
    }
  }

  /** The most urgent nudge due, one per tick (the next comes a minute later). */
  private due(
    account: Account,
    topic: TopicRecord,
    waitedMs: number,
    deadline: number | undefined,
    now: number,
  ): Due | undefined {
    const done = new Set(topic.reminded ?? []);
    const owner = topic.owner ? mention(topic.owner) : this.onDuty;
    if (deadline !== undefined && this.afterMs > 0 && now < deadline) {
      const warnings = WINDOW_WARNINGS.filter((w) => deadline - now <= w.before);
      const first = warnings[0];
      if (first && !done.has(first.key)) {
        const left = Math.ceil((deadline - now) / HOUR);
        const hours = account.provider.capabilities.replyWindowHours ?? 0;
        return {
          // Said to the same people as the first reminder, and more urgent.
          keys: [...warnings.map((w) => w.key), "wait"],
          text: this.texts.reminderWindow(left, hours),
          who: owner,
          window: true,
        };
      }
    }
    // Staff are told how long the buyer has really waited, whatever the hours counted.
    const waited = this.texts.duration(Math.floor((now - (topic.waitingSince ?? now)) / MINUTE));
    if (this.escalateMs > 0 && !done.has("escalate") && waitedMs >= this.escalateMs) {
      return {
        keys: ["escalate", "wait"],
        text: this.texts.reminderEscalate(waited),
        who: this.supervisors,
        window: false,
      };
    }
    if (
      this.afterMs > 0 &&
      !done.has("wait") &&
      !done.has("escalate") &&
      waitedMs >= this.afterMs
    ) {
      return { keys: ["wait"], text: this.texts.reminderWait(waited), who: owner, window: false };
    }
    return undefined;
  }
}

/** "@anna @boris" from ON_DUTY or SUPERVISORS. */
function usernames(list: string[]): string {
  return list.map((name) => `@${escapeHtml(name.replace(/^@/, ""))}`).join(" ");
}
