// Accounts whose marketplace has one event feed for all chats (Wildberries): read the pages
// after the account's feed cursor, deliver each chat's messages through inbound (which skips
// what the chat's cursor already covers), and store the feed cursor only once every chat of
// the page is delivered. A failure leaves the cursor where it was: the page is read again and
// the chats already delivered post nothing twice.
import type { AccountWith } from "./account.ts";
import { KeyedGate } from "./gate.ts";
import type { Inbound } from "./inbound.ts";
import type { MarketMessage, ReadsEventFeed } from "./provider.ts";
import type { Store } from "./store/index.ts";

/** Pages read in one sync at most: a feed that never says "no more" still ends the turn. */
const MAX_PAGES_PER_SYNC = 100;
/** A chat seen for the first time on a first start brings at most its newest messages. */
const FIRST_SIGHT_MESSAGES = 50;

export type FeedAccount = AccountWith<ReadsEventFeed>;

export class FeedSync {
  private readonly store: Store;
  private readonly inbound: Inbound;
  /** One sync per account at a time; a request during one waits for the next. */
  private readonly serial = new KeyedGate();
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(deps: { store: Store; inbound: Inbound }) {
    this.store = deps.store;
    this.inbound = deps.inbound;
  }

  /** Reads the account's feed to its end now; resolves false when a page failed. Throws none. */
  sync(account: FeedAccount, signal?: AbortSignal): Promise<boolean> {
    // Requests that come while one waits share it: one more read covers them all.
    const waiting = this.pending.get(account.id);
    if (waiting) return waiting;
    const run = this.serial.run(account.id, async () => {
      this.pending.delete(account.id);
      return this.read(account, signal);
    });
    this.pending.set(account.id, run);
    return run;
  }

  /** One poll cycle's read: like sync, but a failure throws for the poller to report. */
  async cycle(account: FeedAccount, signal: AbortSignal): Promise<void> {
    await this.serial.run(account.id, () => this.readOrThrow(account, signal));
  }

  private async read(account: FeedAccount, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.readOrThrow(account, signal);
      return true;
    } catch (error) {
      if (!signal?.aborted) account.log.warn({ err: error }, "event feed read failed; will retry");
      return false;
    }
  }

  private async readOrThrow(account: FeedAccount, signal?: AbortSignal): Promise<void> {
    const firstStart = !(await this.store.baselined(account.id));
    let cursor = await this.store.feeds.get(account.id);
    for (let page = 0; page < MAX_PAGES_PER_SYNC; page++) {
      const fetchedAt = Date.now();
      const read = await account.provider.readFeed(cursor, signal);
      for (const [chatId, messages] of byChat(read.messages)) {
        const chatCursor = await this.store.cursors.get(account.id, chatId);
        // A first start mirrors only what waits for an answer; the rest becomes history.
        const wanted = firstStart && !chatCursor ? waitingPart(messages) : messages;
        await this.inbound.deliver(account, chatId, wanted, {
          cursor: chatCursor,
          changeToken: undefined,
          fetchedAt,
          covers: messages.map((m) => m.id),
        });
      }
      cursor = read.cursor;
      await this.store.feeds.set(account.id, cursor);
      if (read.more) continue;
      if (firstStart) await this.store.markBaselined(account.id);
      return;
    }
  }
}

function byChat(messages: MarketMessage[]): Map<string, MarketMessage[]> {
  const chats = new Map<string, MarketMessage[]>();
  for (const message of messages) {
    const list = chats.get(message.chatId) ?? [];
    list.push(message);
    chats.set(message.chatId, list);
  }
  return chats;
}

/** What came after the shop's last answer (nothing when the shop spoke last). */
function waitingPart(messages: MarketMessage[]): MarketMessage[] {
  const lastAnswer = messages.findLastIndex((m) => m.role === "seller");
  return messages.slice(lastAnswer + 1).slice(-FIRST_SIGHT_MESSAGES);
}
