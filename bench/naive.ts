// The naive baseline the issue compares against, built only for the benchmark: every cycle it
// lists every chat and reads the history of every chat; it posts one Telegram message per buyer
// message as fast as it can, with no budget of its own, waiting only when Telegram says 429.
// It uses the bridge's real providers (for Wildberries its client) for the marketplace side, so
// the HTTP work per call is the same and only the strategy differs.

import { forEachLimited } from "../src/bridge/gate.ts";
import type { MarketMessage, MarketplaceProvider, ReadsChats } from "../src/bridge/provider.ts";
import { sleep } from "../src/bridge/sleep.ts";
import type { WildberriesClient } from "../src/providers/wildberries/client.ts";
import { drainEvents, initialCursor } from "../src/providers/wildberries/cursor.ts";
import { now, STAFF, TOKEN } from "./common.ts";

/** The parallelism a careful naive client keeps (Yandex answers a fifth request with 420). */
const PARALLEL = 4;

export class NaivePoller {
  readonly cursors = new Map<string, string>();
  private readonly provider: MarketplaceProvider & ReadsChats;

  constructor(provider: MarketplaceProvider & ReadsChats) {
    this.provider = provider;
  }

  /** One cycle: the whole chat list, then the history of every chat. */
  async cycle(): Promise<Map<string, MarketMessage[]>> {
    const chats: string[] = [];
    for await (const page of this.provider.listChats("all")) {
      for (const chat of page) if (chat.isBuyerChat) chats.push(chat.chatId);
    }
    const found = new Map<string, MarketMessage[]>();
    await forEachLimited(chats, PARALLEL, async (chatId) => {
      const messages = await this.provider.messagesAfter(chatId, this.cursors.get(chatId) ?? "0");
      const last = messages.at(-1);
      if (last) this.cursors.set(chatId, last.id);
      found.set(chatId, messages);
    });
    return found;
  }
}

/**
 * Wildberries has no per-chat history: a chat's messages are only in the one event feed. The
 * naive cycle is the same strategy in WB's terms: the whole chat list (GET /chats, one answer with
 * every chat), then every chat's history, which is the feed read from its start.
 */
export class NaiveWildberries {
  private readonly client: WildberriesClient;

  constructor(client: WildberriesClient) {
    this.client = client;
  }

  async cycle(): Promise<void> {
    await this.client.chats();
    await drainEvents(this.client, initialCursor(), { maxPages: Number.POSITIVE_INFINITY });
  }
}

export interface NaivePost {
  text: string;
  threadId: number;
  at: number;
}

/** One sendMessage per buyer message, straight to the Bot API, sequentially. */
export class NaiveTelegram {
  readonly posts: NaivePost[] = [];
  private readonly base: string;

  constructor(apiRoot: string) {
    this.base = `${apiRoot}/bot${TOKEN}`;
  }

  async createTopic(name: string): Promise<number> {
    const result = (await this.call("createForumTopic", { chat_id: STAFF, name })) as {
      message_thread_id: number;
    };
    return result.message_thread_id;
  }

  async send(threadId: number, text: string): Promise<void> {
    await this.call("sendMessage", { chat_id: STAFF, message_thread_id: threadId, text });
    this.posts.push({ text, threadId, at: now() });
  }

  private async call(method: string, params: Record<string, unknown>): Promise<unknown> {
    // Bounded: a fake that keeps answering 429 cannot hold the benchmark forever.
    for (let attempt = 0; attempt < 1000; attempt++) {
      const response = await fetch(`${this.base}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(params),
      });
      const body = (await response.json()) as {
        ok: boolean;
        result?: unknown;
        description?: string;
        parameters?: { retry_after?: number };
      };
      if (body.ok) return body.result;
      const retryAfter = body.parameters?.retry_after;
      if (response.status !== 429 || retryAfter === undefined) {
        throw new Error(`naive ${method}: ${response.status} ${body.description ?? ""}`);
      }
      // Seconds, as Telegram means it (bench/fakes.ts rewrites the fake's scaled unit).
      await sleep(retryAfter * 1000);
    }
    throw new Error(`naive ${method}: still 429 after 1000 attempts`);
  }
}
