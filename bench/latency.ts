// Bridge overhead on loopback, one message at a time so that no queueing is counted:
// - poll: the fake Ozon writes the chat-list answer that first shows the message's id →
//   the fake Telegram receives the sendMessage carrying it;
// - push: the bench starts the Ozon push POST → the fake Telegram receives the sendMessage;
// - staff: the fake Telegram answers getUpdates with the staff message → the fake Ozon receives
//   /v1/chat/send/message.
// Every timestamp comes from one clock (common.ts now()); the fakes share the bridge's process
// and event loop, as in the integration tests. The state is in DATA_DIR's SQLite file, or with
// a database URL in PostgreSQL (DATABASE_URL).
import pg from "pg";
import { startBridge } from "../src/app.ts";
import type { CallRecord, FakeTelegram } from "../test/fakes/telegram.ts";
import {
  accountId,
  bridgeConfig,
  captureLog,
  fakeTelegram,
  now,
  OZON_CLIENT_ID,
  PUSH_SECRET,
  progress,
  removeDir,
  tempDir,
  until,
} from "./common.ts";
import { OZON_SEND, TimedOzon } from "./fakes.ts";

const CHATS = 10;
/** Not counted: connection set-up, JIT warm-up and the topics' creation. */
const WARM_UP = 50;
const STEP_TIMEOUT_MS = 10_000;

export interface OverheadSamples {
  poll: number[];
  push: number[];
  staff: number[];
}

/** Resolves `wait(key)` when `fire(key)` is called, whichever comes first. */
class Signals {
  private readonly fired = new Map<string, number>();
  private readonly waiting = new Map<string, (at: number) => void>();

  fire(key: string, at: number): void {
    if (this.fired.has(key)) return;
    this.fired.set(key, at);
    this.waiting.get(key)?.(at);
  }

  wait(key: string): Promise<number> {
    const at = this.fired.get(key);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench: ${key} did not arrive in ${STEP_TIMEOUT_MS} ms`)),
        STEP_TIMEOUT_MS,
      );
      this.waiting.set(key, (time) => {
        clearTimeout(timer);
        this.waiting.delete(key);
        resolve(time);
      });
    });
  }
}

/** Fires `tg:<token>` when a sendMessage carrying `<prefix>-<n>` reached the fake Telegram. */
function watchTelegram(telegram: FakeTelegram, signals: Signals): void {
  telegram.onCall((call: CallRecord) => {
    if (call.method !== "sendMessage" || call.outcome !== "ok") return;
    for (const match of String(call.params.text ?? "").matchAll(/\b(?:poll|push)-\d+\b/g)) {
      // Arrival time of the request (the fake's clock is now()), not when it was answered.
      signals.fire(`tg:${match[0]}`, call.time);
    }
  });
}

async function setUp(push: boolean, pollIntervalMs: number, databaseUrl: string | undefined) {
  const telegram = fakeTelegram();
  const ozon = new TimedOzon();
  await telegram.start();
  await ozon.start();
  const dataDir = tempDir("latency");
  const config = bridgeConfig({
    telegram,
    ozon,
    dataDir,
    pollIntervalMs,
    push,
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  const bridge = await startBridge(
    config,
    captureLog("silent", () => {}),
  );
  const account = accountId(config, "ozon");
  const chats = Array.from({ length: CHATS }, (_, i) =>
    ozon.addChat({ orderNumber: `${30_000_000 + i}-0001-1` }),
  );
  const close = async () => {
    await bridge.stop();
    await telegram.stop();
    await ozon.stop();
    removeDir(dataDir);
  };
  return { telegram, ozon, bridge, account, chats, close };
}

/**
 * A new empty database on the server whose superuser URL is `serverUrl`; its URL. Each run
 * starts on an empty state, as with a fresh DATA_DIR.
 */
export async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `databaseUrl`: the state in that PostgreSQL database; otherwise SQLite in a temp DATA_DIR. */
export async function overheadPoll(count: number, databaseUrl?: string): Promise<number[]> {
  progress(`overhead poll: ${count} buyer messages${databaseUrl ? " (Postgres)" : ""}`);
  // A 10 ms interval only shortens the wait for the next cycle, which is not measured.
  const { telegram, ozon, chats, close } = await setUp(false, 10, databaseUrl);
  const signals = new Signals();
  watchTelegram(telegram, signals);
  const pending = new Map<string, string>();
  ozon.onListAnswer = (body, at) => {
    for (const [id, token] of pending) {
      if (body.includes(`"last_message_id":${id}`)) {
        signals.fire(`list:${token}`, at);
        pending.delete(id);
      }
    }
  };
  const samples: number[] = [];
  try {
    for (let i = 0; i < WARM_UP + count; i++) {
      const token = `poll-${i}`;
      const id = ozon.buyerWrites(chats[i % CHATS] as string, `${token} Где мой заказ?`);
      pending.set(id, token);
      const delivered = await signals.wait(`tg:${token}`);
      const visible = await signals.wait(`list:${token}`);
      if (i >= WARM_UP) samples.push(delivered - visible);
    }
  } finally {
    await close();
  }
  return samples;
}

export async function overheadPushAndStaff(
  count: number,
  databaseUrl?: string,
): Promise<{ push: number[]; staff: number[] }> {
  progress(
    `overhead push and staff: ${count} messages each way${databaseUrl ? " (Postgres)" : ""}`,
  );
  // The poller runs once at start (no chats yet) and then sleeps: only pushes deliver.
  const { telegram, ozon, bridge, account, chats, close } = await setUp(
    true,
    3_600_000,
    databaseUrl,
  );
  const signals = new Signals();
  watchTelegram(telegram, signals);
  const pushUrl = `http://127.0.0.1:${bridge.httpPort}/push/${PUSH_SECRET}/ozon`;
  const push: number[] = [];
  const staff: number[] = [];
  try {
    for (let i = 0; i < WARM_UP + count; i++) {
      const chat = chats[i % CHATS] as string;
      const token = `push-${i}`;
      const text = `${token} Где мой заказ?`;
      const messageId = ozon.buyerWrites(chat, text);
      const sent = now();
      const response = await fetch(pushUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"message_type":"TYPE_NEW_MESSAGE","chat_id":"${chat}","chat_type":"Buyer_Seller","message_id":${messageId},"created_at":"${new Date().toISOString()}","user":{"id":"1","type":"Customer"},"data":${JSON.stringify([text])},"seller_id":"${OZON_CLIENT_ID}"}`,
      });
      await response.body?.cancel();
      const delivered = await signals.wait(`tg:${token}`);
      if (i >= WARM_UP) push.push(delivered - sent);
    }

    const threads = new Map<string, number>();
    for (const chat of chats) {
      const topic = await bridge.store.topics.get(account, chat);
      if (!topic) throw new Error(`bench: no topic for chat ${chat}`);
      threads.set(chat, topic.threadId);
    }
    const handedOut = new Map<number, number>();
    telegram.onCall((call) => {
      if (call.method !== "getUpdates" || call.outcome !== "ok") return;
      const at = now();
      for (const update of call.result as Array<{ message?: { message_id: number } }>) {
        if (update.message) handedOut.set(update.message.message_id, at);
      }
    });
    let sendArrivedAt = 0;
    ozon.onArrival = (path, at) => {
      if (path === OZON_SEND) sendArrivedAt = at;
    };
    for (let i = 0; i < WARM_UP + count; i++) {
      const chat = chats[i % CHATS] as string;
      const text = `staff-${i} Добрый день, заказ уже в пути.`;
      const reactions = telegram.reactions.length;
      sendArrivedAt = 0;
      const message = telegram.staffSends({ threadId: threads.get(chat) as number, text });
      await until(
        () => ozon.sentBySeller(chat).some((s) => s.kind === "text" && s.text === text),
        `staff message ${i} at Ozon`,
        STEP_TIMEOUT_MS,
        1,
      );
      const delivered = handedOut.get(message.message_id);
      if (delivered === undefined || sendArrivedAt === 0) {
        throw new Error(`bench: staff message ${i} was not seen leaving Telegram or reaching Ozon`);
      }
      if (i >= WARM_UP) staff.push(sendArrivedAt - delivered);
      // Let the receipt (👍) finish so that it does not overlap the next measurement.
      await until(() => telegram.reactions.length > reactions, "the receipt", 2000, 1).catch(
        () => undefined,
      );
    }
  } finally {
    await close();
  }
  return { push, staff };
}
