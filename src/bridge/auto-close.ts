// AUTO_CLOSE_DAYS: a topic whose chat has had no message for that many days is closed (⚪)
// with a silent note, so the group's list holds the chats that live. The buyer's next message
// opens it again (Topics.buyerWrote), as does /reopen, and either starts the count anew.
import type { Logger } from "../logger.ts";
import type { Account } from "./account.ts";
import { type Serves, servesAll } from "./leases.ts";
import type { Texts } from "./texts/index.ts";
import type { Topics } from "./topics.ts";

const DAY = 24 * 60 * 60_000;

export class AutoClose {
  private readonly accounts: Map<string, Account>;
  private readonly topics: Topics;
  private readonly texts: Texts;
  private readonly log: Logger;
  private readonly serves: Serves;
  private readonly days: number;

  constructor(deps: {
    accounts: Account[];
    topics: Topics;
    texts: Texts;
    log: Logger;
    /** Staff groups other instances hold are left to them. */
    serves?: Serves;
    /** 0: never. */
    days: number;
  }) {
    this.accounts = new Map(deps.accounts.map((a) => [a.id, a]));
    this.topics = deps.topics;
    this.texts = deps.texts;
    this.log = deps.log;
    this.serves = deps.serves ?? servesAll;
    this.days = deps.days;
  }

  /** Closes the topics idle at `now`; called every hour, and by tests with a fake clock. */
  async tick(now: number): Promise<void> {
    if (this.days <= 0) return;
    for (const topic of await this.topics.all()) {
      const account = this.accounts.get(topic.accountId);
      if (!account || !this.serves(account.staffChatId) || topic.closed) continue;
      try {
        if (topic.activeAt === undefined) {
          // Kept from before the bridge recorded activity: the count starts now.
          await this.topics.update(account, topic.chatId, { activeAt: now });
          continue;
        }
        if (now - topic.activeAt < this.days * DAY) continue;
        const note = this.texts.autoClosed(this.days);
        if (await this.topics.closeIfIdle(account, topic.chatId, now - this.days * DAY, note)) {
          account.log.info({ chatId: topic.chatId, days: this.days }, "idle topic closed");
        }
      } catch (error) {
        this.log.warn({ chatId: topic.chatId, err: error }, "could not close an idle topic");
      }
    }
  }
}
