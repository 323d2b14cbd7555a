// While a group's Telegram budget is used up (or more posts are on their way than it holds),
// a chat's waiting text messages go out as one post; with budget to spare, each message is
// its own post.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type Account, TOPIC_ICON_COLORS } from "../../src/bridge/account.ts";
import { Echoes } from "../../src/bridge/echoes.ts";
import { type ChatRead, Inbound } from "../../src/bridge/inbound.ts";
import type { MarketMessage, MarketplaceProvider } from "../../src/bridge/provider.ts";
import { Receipts } from "../../src/bridge/receipts.ts";
import { type Clock, GroupSendQueue } from "../../src/bridge/send-queue.ts";
import { Store } from "../../src/bridge/store/index.ts";
import type { TelegramPort } from "../../src/bridge/telegram.ts";
import { textsFor } from "../../src/bridge/texts/index.ts";
import { Topics } from "../../src/bridge/topics.ts";

/** Records what the bridge posts; every call succeeds. */
function recordingTelegram(posts: string[]): TelegramPort {
  let id = 100;
  const ok = async () => undefined;
  return {
    createTopic: async () => ++id,
    renameTopic: ok,
    reopenTopic: ok,
    closeTopic: ok,
    editText: ok,
    pin: ok,
    react: ok,
    sendText: async (_chat, _thread, html) => {
      posts.push(html);
      return ++id;
    },
    sendMedia: async () => ++id,
    fileInfo: async () => ({}),
    downloadFile: async () => new Uint8Array(),
    rightsProblem: ok,
  };
}

async function setup(perMinute: number) {
  let now = 0;
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
  const store = await Store.open(mkdtempSync(join(tmpdir(), "inbound-merge-")));
  const posts: string[] = [];
  const telegram = recordingTelegram(posts);
  const queue = new GroupSendQueue(perMinute, { clock });
  const log = pino({ level: "silent" });
  const texts = textsFor("en");
  const topics = new Topics({ store, telegram, queue, texts, log });
  const inbound = new Inbound({
    store,
    topics,
    echoes: new Echoes(store),
    receipts: new Receipts({ store, telegram, log }),
    telegram,
    queue,
    texts,
    log,
  });
  const provider = {
    marketplace: "test",
    marketplaceTitle: "Test",
    capabilities: { maxTextLength: 4000, maxFileBytes: 1_000_000, startChatBy: [] },
  } as unknown as MarketplaceProvider;
  const account: Account = {
    id: "t",
    name: "Test",
    staffChatId: -1001,
    provider,
    iconColor: TOPIC_ICON_COLORS.violet,
    words: { startNumbers: {} },
    showName: false,
    log: pino({ level: "silent" }),
  };
  return { store, posts, inbound, account, queue };
}

const buyer = (id: number, text: string): MarketMessage => ({
  id: String(id),
  chatId: "c1",
  createdAt: new Date(0).toISOString(),
  role: "buyer",
  senderLabel: "Customer",
  text,
  attachments: [],
});

/** The read a sync hands to inbound: the chat's cursor as stored now. */
async function read(store: Store): Promise<ChatRead> {
  return { cursor: await store.cursors.get("t", "c1"), changeToken: "t", fetchedAt: Date.now() };
}

describe("backlog merging", () => {
  it("sends each message on its own while the budget allows", async () => {
    const { store, posts, inbound, account } = await setup(100);
    await inbound.deliver(
      account,
      "c1",
      [buyer(1, "a"), buyer(2, "b"), buyer(3, "c")],
      await read(store),
    );
    expect(posts.slice(1)).toEqual(["a", "b", "c"]); // after the order card
    await store.close();
  });

  it("merges a chat's waiting texts into one post when the budget is used up", async () => {
    const { store, posts, inbound, account } = await setup(3);
    const messages = Array.from({ length: 8 }, (_, i) => buyer(i + 1, `message ${i + 1}`));
    await inbound.deliver(account, "c1", messages, await read(store));
    const texts = posts.slice(1);
    expect(texts.length).toBeLessThan(messages.length);
    expect(texts.join("\n\n")).toBe(messages.map((m) => m.text).join("\n\n"));
    expect((await store.cursors.get("t", "c1"))?.lastId).toBe("8");
    await store.close();
  });

  it("merges from the first post when more chats are on their way than the budget holds", async () => {
    const { store, posts, inbound, account, queue } = await setup(20);
    // 25 other changed chats whose histories are being fetched.
    const others = Array.from({ length: 25 }, () => queue.expect(account.staffChatId));
    const messages = Array.from({ length: 5 }, (_, i) => buyer(i + 1, `message ${i + 1}`));
    await inbound.deliver(account, "c1", messages, await read(store));
    expect(posts.slice(1)).toEqual([messages.map((m) => m.text).join("\n\n")]);
    // Once they are queued or dropped, a chat's messages go one by one again.
    for (const done of others) done();
    await inbound.deliver(account, "c1", [buyer(6, "f"), buyer(7, "g")], await read(store));
    expect(posts.slice(2)).toEqual(["f", "g"]);
    await store.close();
  });
});
