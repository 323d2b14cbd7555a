// "Read by the buyer" receipts. A staff message's marketplace id is learned only when it comes
// back in the chat history (sends return no id); a read notification then marks every staff
// message up to the id it names.
import type { Logger } from "../logger.ts";
import { compareIds, type Id } from "./provider.ts";
import type { SentRecord, StaffMessageRef, Store } from "./store/index.ts";
import type { TelegramPort } from "./telegram.ts";

const READ_RECEIPT = "👀";
/** Enough for any real conversation; a chat never read by the buyer does not grow forever. */
const KEEP_PER_CHAT = 100;

export class Receipts {
  private readonly store: Store;
  private readonly telegram: TelegramPort;
  private readonly log: Logger;

  constructor(deps: { store: Store; telegram: TelegramPort; log: Logger }) {
    this.store = deps.store;
    this.telegram = deps.telegram;
    this.log = deps.log;
  }

  async delivered(accountId: string, chatId: Id, marketId: Id, staff: StaffMessageRef) {
    const list = (await this.store.sent.get(accountId, chatId)) ?? [];
    list.push({ ...staff, marketId });
    await this.store.sent.set(accountId, chatId, list.slice(-KEEP_PER_CHAT));
  }

  async readUpTo(accountId: string, chatId: Id, upToId: Id): Promise<void> {
    const list = (await this.store.sent.get(accountId, chatId)) ?? [];
    const read = list.filter((s) => compareIds(s.marketId, upToId) <= 0);
    if (read.length === 0) return;
    const rest = list.filter((s) => compareIds(s.marketId, upToId) > 0);
    if (rest.length > 0) await this.store.sent.set(accountId, chatId, rest);
    else await this.store.sent.delete(accountId, chatId);
    // Several parts of one staff message share one receipt.
    const messages = new Map<string, SentRecord>(
      read.map((s) => [`${s.staffChatId}:${s.messageId}`, s]),
    );
    for (const staff of messages.values()) {
      try {
        await this.telegram.react(staff.staffChatId, staff.messageId, READ_RECEIPT);
      } catch (error) {
        this.log.warn({ err: error }, "could not set the read receipt");
      }
    }
  }
}
