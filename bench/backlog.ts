// Backlog drain: 600 buyer messages over 60 chats whose topics exist, written at once, against a
// fake Telegram that enforces a group budget scaled in time (20 posts per 2 s = 600/min, the
// shape of Telegram's 20/min compressed 30×). The bridge runs as startBridge composes it; the
// naive baseline posts one message per buyer message with no budget, honouring 429s.
import { startBridge } from "../src/app.ts";
import { GroupSendQueue } from "../src/bridge/send-queue.ts";
import { sleep } from "../src/bridge/sleep.ts";
import { OzonProvider } from "../src/providers/ozon/provider.ts";
import { FakeOzon } from "../test/fakes/ozon.ts";
import type { CallRecord, FakeTelegram } from "../test/fakes/telegram.ts";
import {
  bridgeConfig,
  captureLog,
  fakeTelegram,
  now,
  OZON_CLIENT_ID,
  OZON_KEY,
  progress,
  removeDir,
  tempDir,
  until,
} from "./common.ts";
import { retryAfterInRealSeconds } from "./fakes.ts";
import { NaivePoller, NaiveTelegram } from "./naive.ts";

export const CHATS = 60;
export const PER_CHAT = 10;
/** Posts per window and the window: 20 per 2 s is 600 per minute. */
export const BUDGET = { perWindow: 20, windowMs: 2000 };
const DRAIN_TIMEOUT_MS = 240_000;

/** Bot API methods the fake counts against the group budget (consumeBudget). */
const BUDGET_METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "sendDocument",
  "sendVideo",
  "sendAudio",
  "sendVoice",
  "sendMediaGroup",
  "copyMessage",
  "createForumTopic",
]);

export interface BacklogFigures {
  buyerMessages: number;
  chats: number;
  /** Posts that used the budget after the burst was written. */
  posts: number;
  /**
   * Posts in every full budget window from the first post on (the last, partial window left
   * out) ÷ the budget of those windows; 1.0 is ideal. NaN when the drain fit in one window.
   */
  budgetUsed: number;
  count429: number;
  postsPerBuyerMessage: number;
  postsPerChat: number;
  /** From the burst being written to the last buyer message reaching Telegram. */
  drainMs: number;
  /** Longest wait of a chat for its first burst message. */
  slowestFirstMs: number;
  /** Pairs of one chat's messages that reached Telegram out of order. */
  outOfOrder: number;
}

interface Post {
  method: string;
  at: number;
  tokens: Array<{ chat: number; seq: number }>;
}

const TOKEN_PATTERN = /burst-(\d+)-(\d+)\b/g;

/** Records every budgeted post that Telegram accepted, with the burst tokens it carries. */
function recordPosts(telegram: FakeTelegram): { posts: Post[]; seen: Set<string> } {
  const posts: Post[] = [];
  const seen = new Set<string>();
  telegram.onCall((call: CallRecord) => {
    if (call.outcome !== "ok" || !BUDGET_METHODS.has(call.method)) return;
    const text = `${call.params.text ?? ""} ${call.params.caption ?? ""}`;
    const tokens = [...text.matchAll(TOKEN_PATTERN)].map((m) => ({
      chat: Number(m[1]),
      seq: Number(m[2]),
    }));
    for (const t of tokens) seen.add(`${t.chat}-${t.seq}`);
    posts.push({ method: call.method, at: call.time, tokens });
  });
  return { posts, seen };
}

function writeBurst(ozon: FakeOzon, chats: string[]): number {
  const at = now();
  for (let seq = 0; seq < PER_CHAT; seq++) {
    chats.forEach((chat, index) => {
      ozon.buyerWrites(chat, `burst-${index}-${seq} Здравствуйте! Где мой заказ, когда привезут?`);
    });
  }
  return at;
}

function figures(posts: Post[], burstAt: number, count429: number): BacklogFigures {
  const first = posts[0]?.at ?? burstAt;
  const last = posts.at(-1)?.at ?? burstAt;
  // Windows of the budget from the first post on; the last one is where the backlog ran out,
  // so only the ones before it say whether the budget was used while there was work waiting.
  const full = Math.floor((last - first) / BUDGET.windowMs);
  const inFull = posts.filter((p) => p.at < first + full * BUDGET.windowMs).length;
  const firstByChat = new Map<number, number>();
  const lastSeq = new Map<number, number>();
  let outOfOrder = 0;
  for (const post of posts) {
    for (const token of post.tokens) {
      if (!firstByChat.has(token.chat)) firstByChat.set(token.chat, post.at - burstAt);
      if ((lastSeq.get(token.chat) ?? -1) > token.seq) outOfOrder++;
      lastSeq.set(token.chat, token.seq);
    }
  }
  const buyerMessages = CHATS * PER_CHAT;
  return {
    buyerMessages,
    chats: CHATS,
    posts: posts.length,
    budgetUsed: full > 0 ? inFull / (BUDGET.perWindow * full) : Number.NaN,
    count429,
    postsPerBuyerMessage: posts.length / buyerMessages,
    postsPerChat: posts.length / CHATS,
    drainMs: last - burstAt,
    slowestFirstMs: Math.max(...firstByChat.values()),
    outOfOrder,
  };
}

async function setUp(): Promise<{ telegram: FakeTelegram; ozon: FakeOzon; chats: string[] }> {
  const telegram = fakeTelegram();
  const ozon = new FakeOzon({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY });
  retryAfterInRealSeconds(telegram);
  await telegram.start();
  await ozon.start();
  const chats: string[] = [];
  for (let i = 0; i < CHATS; i++) {
    const chat = ozon.addChat({ orderNumber: `${20_000_000 + i}-0001-1` });
    ozon.buyerWrites(chat, `hello ${i}`);
    chats.push(chat);
  }
  return { telegram, ozon, chats };
}

/** Turns the fake's budget on once the setup posts are out of every window. */
async function enforceBudget(telegram: FakeTelegram): Promise<void> {
  await sleep(BUDGET.windowMs + 200);
  telegram.windowMs = BUDGET.windowMs;
  telegram.groupMessagesPerMinute = BUDGET.perWindow;
}

export async function backlogBridge(): Promise<BacklogFigures> {
  progress(`backlog bridge: ${CHATS * PER_CHAT} messages over ${CHATS} chats`);
  const { telegram, ozon, chats } = await setUp();
  const dataDir = tempDir("backlog");
  const config = bridgeConfig({ telegram, ozon, dataDir, pollIntervalMs: 100 });
  const log = captureLog("silent", () => {});
  // Setup: every chat gets its topic (header and first message) with no budget in the way.
  const setup = await startBridge(config, log);
  try {
    await until(
      () =>
        telegram.callsOf("sendMessage").filter((c) => /hello \d+/.test(String(c.params.text)))
          .length >= CHATS,
      "the setup messages",
      60_000,
      20,
    );
  } finally {
    await setup.stop();
  }
  // The measured bridge, restarted on the same state, counts Telegram's budget in the
  // fake's scaled window.
  const bridge = await startBridge(config, log, {
    sendQueue: new GroupSendQueue(BUDGET.perWindow, { windowMs: BUDGET.windowMs }),
  });
  try {
    await enforceBudget(telegram);
    const base429 = telegram.count429;
    const { posts, seen } = recordPosts(telegram);
    const burstAt = writeBurst(ozon, chats);
    const ticker = setInterval(
      () => progress(`  ${seen.size} of ${CHATS * PER_CHAT} delivered`),
      10_000,
    );
    try {
      await until(
        () => seen.size >= CHATS * PER_CHAT,
        "the burst to reach Telegram",
        DRAIN_TIMEOUT_MS,
        20,
      );
    } finally {
      clearInterval(ticker);
    }
    return figures(posts, burstAt, telegram.count429 - base429);
  } finally {
    await bridge.stop();
    await telegram.stop();
    await ozon.stop();
    removeDir(dataDir);
  }
}

export async function backlogNaive(): Promise<BacklogFigures> {
  progress(`backlog naive: ${CHATS * PER_CHAT} messages over ${CHATS} chats`);
  const { telegram, ozon, chats } = await setUp();
  const provider = new OzonProvider({
    clientId: OZON_CLIENT_ID,
    apiKey: OZON_KEY,
    apiUrl: ozon.url,
  });
  const naive = new NaivePoller(provider);
  const client = new NaiveTelegram(telegram.url);
  try {
    const threads = new Map<string, number>();
    for (const [chatId, messages] of await naive.cycle()) {
      const thread = await client.createTopic(`chat ${chatId.slice(0, 8)}`);
      threads.set(chatId, thread);
      for (const message of messages) await client.send(thread, message.text);
    }
    await enforceBudget(telegram);
    const base429 = telegram.count429;
    const { posts } = recordPosts(telegram);
    const burstAt = writeBurst(ozon, chats);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    for (const [chatId, messages] of await naive.cycle()) {
      for (const message of messages) {
        if (Date.now() > deadline) throw new Error("bench: naive drain timed out");
        await client.send(threads.get(chatId) as number, message.text);
      }
    }
    return figures(posts, burstAt, telegram.count429 - base429);
  } finally {
    await provider.close();
    await telegram.stop();
    await ozon.stop();
  }
}
