// Neither marketplace returns an id for a message we send, so our own sends come back in the
// chat history looking like any seller message. Each send registers what it will look like;
// the first matching seller message consumes the entry instead of being shown again.
//
// A consumed entry stays, marked with the id of the message that consumed it, until a newer
// message of the chat consumes another: the chat's cursor moves past a message only after it
// was consumed, so a crash in between reads it again, and it must be recognised again.
import { KeyedGate } from "./gate.ts";
import { compareIds, type MarketMessage } from "./provider.ts";
import { chatKey, type EchoRecord, type Store } from "./store/index.ts";

/** An echo that never showed up is forgotten after this long. */
const ECHO_TTL_MS = 24 * 60 * 60 * 1000;

export class Echoes {
  private readonly store: Store;
  private readonly now: () => number;
  /**
   * Per chat: a send registering its echo and the poller consuming one both rewrite the chat's
   * list, and must not interleave (the later write would undo the earlier one).
   */
  private readonly serial = new KeyedGate();

  constructor(store: Store, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  expect(
    accountId: string,
    chatId: string,
    echo: Omit<EchoRecord, "at" | "consumedBy">,
  ): Promise<void> {
    return this.serial.run(chatKey(accountId, chatId), async () => {
      const list = await this.live(accountId, chatId);
      // A consumed entry of the same key (a send repeated after a crash) does not count: the
      // repeat comes back too.
      if (list.some((e) => e.key === echo.key && e.consumedBy === undefined)) return;
      list.push({ ...echo, at: this.now() });
      await this.store.echoes.set(accountId, chatId, list);
    });
  }

  forget(accountId: string, chatId: string, echoKey: string): Promise<void> {
    return this.serial.run(chatKey(accountId, chatId), async () => {
      const list = await this.live(accountId, chatId);
      const kept = list.filter((e) => e.key !== echoKey || e.consumedBy !== undefined);
      await this.save(accountId, chatId, kept);
    });
  }

  /** Whether an expected echo is still waiting (false once its message came back). */
  async isExpected(accountId: string, chatId: string, echoKey: string): Promise<boolean> {
    return (await this.live(accountId, chatId)).some(
      (e) => e.key === echoKey && e.consumedBy === undefined,
    );
  }

  /** The expectation `message` fulfils when it is one of our own sends coming back (consumed). */
  consume(accountId: string, message: MarketMessage): Promise<EchoRecord | undefined> {
    if (message.role !== "seller") return Promise.resolve(undefined);
    const chatId = message.chatId;
    return this.serial.run(chatKey(accountId, chatId), async () => {
      const list = await this.live(accountId, chatId);
      const again = list.find((e) => e.consumedBy === message.id);
      if (again) return again;
      const echo = list.find((e) => e.consumedBy === undefined && matches(e, message));
      if (!echo) return undefined;
      echo.consumedBy = message.id;
      // Consumed by an older message: the cursor is past that one, it is not read again.
      const kept = list.filter(
        (e) => e.consumedBy === undefined || compareIds(e.consumedBy, message.id) >= 0,
      );
      await this.save(accountId, chatId, kept);
      return echo;
    });
  }

  private async live(accountId: string, chatId: string): Promise<EchoRecord[]> {
    const list = (await this.store.echoes.get(accountId, chatId)) ?? [];
    const fresh = this.now() - ECHO_TTL_MS;
    return list.filter((e) => e.at >= fresh);
  }

  private async save(accountId: string, chatId: string, list: EchoRecord[]): Promise<void> {
    if (list.length === 0) await this.store.echoes.delete(accountId, chatId);
    else await this.store.echoes.set(accountId, chatId, list);
  }
}

function normalize(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function matches(echo: EchoRecord, message: MarketMessage): boolean {
  if (echo.kind === "file") return message.attachments.length > 0;
  return message.attachments.length === 0 && normalize(message.text) === normalize(echo.text ?? "");
}
