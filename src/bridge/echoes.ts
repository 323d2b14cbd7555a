// Neither marketplace returns an id for a message we send, so our own sends come back in the
// chat history looking like any seller message. Each send registers what it will look like;
// the first matching seller message consumes the entry instead of being shown again.
import type { MarketMessage } from "./provider.ts";
import type { EchoRecord, Store } from "./store/index.ts";

/** An echo that never showed up is forgotten after this long. */
const ECHO_TTL_MS = 24 * 60 * 60 * 1000;

export class Echoes {
  private readonly store: Store;
  private readonly now: () => number;

  constructor(store: Store, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
  }

  async expect(accountId: string, chatId: string, echo: Omit<EchoRecord, "at">): Promise<void> {
    const list = await this.live(accountId, chatId);
    if (list.some((e) => e.key === echo.key)) return;
    list.push({ ...echo, at: this.now() });
    await this.store.echoes.set(accountId, chatId, list);
  }

  async forget(accountId: string, chatId: string, echoKey: string): Promise<void> {
    const list = await this.live(accountId, chatId);
    await this.save(
      accountId,
      chatId,
      list.filter((e) => e.key !== echoKey),
    );
  }

  /** Whether an expected echo is still waiting (false once its message came back). */
  async isExpected(accountId: string, chatId: string, echoKey: string): Promise<boolean> {
    return (await this.live(accountId, chatId)).some((e) => e.key === echoKey);
  }

  /** The expectation `message` fulfils when it is one of our own sends coming back (consumed). */
  async consume(accountId: string, message: MarketMessage): Promise<EchoRecord | undefined> {
    if (message.role !== "seller") return undefined;
    const list = await this.live(accountId, message.chatId);
    const index = list.findIndex((e) => matches(e, message));
    const [echo] = index < 0 ? [] : list.splice(index, 1);
    if (echo) await this.save(accountId, message.chatId, list);
    return echo;
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
