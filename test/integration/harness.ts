// The bridge in-process (startBridge) against the real-HTTP fakes of Telegram and Ozon, with a
// temporary DATA_DIR (or, with `state: "postgres"`, a fresh database on the test run's
// PostgreSQL server) and a silent logger. Tests drive the fakes and look only at what reached
// them; the bridge's own state is used only as a "work finished" signal.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach } from "vitest";
import { type RunningBridge, startBridge } from "../../src/app.ts";
import type { Account } from "../../src/bridge/account.ts";
import { textsFor } from "../../src/bridge/texts/index.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import type { Logger } from "../../src/logger.ts";
import { ozon as ozonConnector } from "../../src/providers/ozon/connector.ts";
import { OzonProvider } from "../../src/providers/ozon/provider.ts";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram, type PostedMessage } from "../fakes/telegram.ts";
import { freshDatabase } from "../support/postgres.ts";
import { waitFor } from "../support/wait-for.ts";

export const TOKEN = "123456789:integration-token-for-the-fake";
export const STAFF = -1001234567890;
export const CLIENT_ID = "424242";
export const OZON_KEY = "ozon-api-key-integration-7d1e";
export const ACCOUNT_ID = `ozon-${CLIENT_ID}`;
export const SEND_MESSAGE = "/v1/chat/send/message";
export const SEND_FILE = "/v1/chat/send/file";

export const silentLog: Logger = pino({ level: "silent" });

export interface Harness {
  telegram: FakeTelegram;
  ozon: FakeOzon;
  dataDir: string;
  /** Where the state is: DATA_DIR, or the DATABASE_URL of a Postgres harness. */
  state: string;
  config(): Config;
  /** The running bridge; throws when none is running. */
  readonly bridge: RunningBridge;
  /** Starts a bridge on the shared DATA_DIR and waits for its first completed poll cycle. */
  start(): Promise<RunningBridge>;
  stopBridge(): Promise<void>;
  /** Stops the bridge and both fakes and removes DATA_DIR. */
  close(): Promise<void>;
  /** The topic of a marketplace chat, found by its header ("Chat ID: <id>") in Telegram. */
  threadOf(chatId: string): number | undefined;
  waitForThread(chatId: string, timeoutMs?: number): Promise<number>;
  /** Loud (not silent) bot posts in a topic: buyer messages, without the topic header. */
  buyerPosts(threadId: number): PostedMessage[];
  /** Texts (or captions) of buyerPosts. */
  buyerTexts(threadId: number): string[];
  /** Waits until a topic has at least `count` buyer posts, and returns their texts. */
  waitForBuyerTexts(threadId: number, count: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves after `n` more poll cycles of the running bridge finished. */
  cycles(n: number): Promise<void>;
  /** An Account for direct calls (poller.syncChat); its provider is closed by close(). */
  account(): Account;
  /** A new Ozon chat whose first buyer message, `text`, has reached its topic. */
  openChat(text: string): Promise<{ chat: string; thread: number }>;
}

export interface HarnessOptions {
  pollIntervalMs?: number;
  groupMessagesPerMinute?: number;
  /** More environment (another marketplace's account), read when the bridge starts. */
  env?: () => Record<string, string>;
  notePrefix?: string;
  /** The staff language (BOT_LANGUAGE); English unless a test checks the Russian words. */
  language?: "ru" | "en";
  /** The first wait between attempts of a staff message (default: the bridge's own). */
  outboundBackoffMs?: number;
  /** The fake Ozon's clock for its messages' times (default: the real one). */
  ozonNow?: () => Date;
  /**
   * The state engine; by default SQLite, or what TEST_STATE_ENGINE says (`TEST_STATE_ENGINE=postgres
   * npx vitest run test/integration` runs the whole suite on Postgres).
   */
  state?: StateEngine;
  /** The clock the bridge's digest and /stats count by. */
  now?: () => number;
}

export type StateEngine = "sqlite" | "postgres";

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF, strictImages: true });
  const ozon = new FakeOzon({
    clientId: CLIENT_ID,
    apiKey: OZON_KEY,
    ...(options.ozonNow ? { now: options.ozonNow } : {}),
  });
  await telegram.start();
  await ozon.start();
  const dataDir = mkdtempSync(join(tmpdir(), "bridge-integration-"));
  const engine =
    options.state ?? (process.env.TEST_STATE_ENGINE === "postgres" ? "postgres" : "sqlite");
  const databaseUrl = engine === "postgres" ? await freshDatabase() : undefined;
  let running: RunningBridge | undefined;
  const providers: OzonProvider[] = [];

  // Built the way the entry point builds it, so every default applies.
  const config = (): Config => ({
    ...loadConfig({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: String(options.groupMessagesPerMinute ?? 10_000),
      OZON_CLIENT_ID: CLIENT_ID,
      OZON_API_KEY: OZON_KEY,
      OZON_API_URL: ozon.url,
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      LOG_LEVEL: "silent",
      BOT_LANGUAGE: options.language ?? "en",
      HTTP_PORT: "0",
      ...options.env?.(),
      ...(options.notePrefix !== undefined ? { NOTE_PREFIX: options.notePrefix } : {}),
    }),
    // Faster than the 1 s the environment allows.
    pollIntervalMs: options.pollIntervalMs ?? 200,
  });

  const stopBridge = async () => {
    const current = running;
    running = undefined;
    if (current) await current.stop();
  };

  // The topic header's "Chat ID" line, in the staff language.
  const chatHeader = textsFor(options.language ?? "en").headerChat;
  const threadOf = (chatId: string) =>
    telegram
      .messagesIn(STAFF)
      .find(
        (m) => m.message.is_topic_message && m.message.text?.includes(`${chatHeader}: ${chatId}`),
      )?.message.message_thread_id;

  const buyerPosts = (threadId: number) =>
    telegram
      .messagesIn(STAFF, threadId)
      .filter((m) => !m.service && !m.deleted && m.params?.disable_notification !== true);

  const harness: Harness = {
    telegram,
    ozon,
    dataDir,
    state: databaseUrl ?? dataDir,
    config,
    get bridge() {
      if (!running) throw new Error("harness: the bridge is not running");
      return running;
    },
    async start() {
      if (running) throw new Error("harness: the bridge is already running");
      const bridge = await startBridge(config(), silentLog, {
        ...(options.outboundBackoffMs === undefined
          ? {}
          : { outboundBackoffMs: options.outboundBackoffMs }),
        ...(options.now ? { now: options.now } : {}),
      });
      running = bridge;
      await waitFor(() => bridge.poller.status.get(ACCOUNT_ID)?.lastSuccessAt, {
        message: "the first poll cycle",
      });
      return bridge;
    },
    stopBridge,
    async close() {
      await stopBridge();
      await Promise.allSettled(providers.map((p) => p.close()));
      await telegram.stop();
      await ozon.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    threadOf,
    waitForThread: (chatId, timeoutMs = 5000) =>
      waitFor(() => threadOf(chatId), { timeoutMs, message: `a topic for chat ${chatId}` }),
    buyerPosts,
    buyerTexts: (threadId) =>
      buyerPosts(threadId).map((m) => m.message.text ?? m.message.caption ?? ""),
    waitForBuyerTexts: (threadId, count, timeoutMs = 5000) =>
      waitFor(
        () => {
          const texts = harness.buyerTexts(threadId);
          return texts.length >= count ? texts : undefined;
        },
        { timeoutMs, message: `${count} buyer posts in topic ${threadId}` },
      ),
    async cycles(n) {
      const status = () => harness.bridge.poller.status.get(ACCOUNT_ID);
      const target = (status()?.cycles ?? 0) + n;
      await waitFor(() => (status()?.cycles ?? 0) >= target, {
        message: `${n} more poll cycles`,
      });
    },
    account() {
      const provider = new OzonProvider({
        clientId: CLIENT_ID,
        apiKey: OZON_KEY,
        apiUrl: ozon.url,
      });
      providers.push(provider);
      return {
        id: ACCOUNT_ID,
        name: "Ozon",
        staffChatId: STAFF,
        provider,
        iconColor: ozonConnector.iconColor,
        words: ozonConnector.words[options.language ?? "en"],
        showName: false,
        log: pino({ level: "silent" }),
      };
    },
    async openChat(text) {
      const chat = ozon.addChat();
      ozon.buyerWrites(chat, text);
      const thread = await harness.waitForThread(chat);
      await harness.waitForBuyerTexts(thread, 1);
      return { chat, thread };
    },
  };
  return harness;
}

/**
 * A new harness for every test of the calling suite: created (and with `start`, its bridge
 * started) before each test, closed after it. The returned object always stands for the current
 * test's harness, so a suite keeps one `h` and hooks registered later run inside its lifetime.
 */
export function useHarness(options: HarnessOptions & { start?: boolean } = {}): Harness {
  let current: Harness | undefined;
  beforeEach(async () => {
    current = await createHarness(options);
    if (options.start === true) await current.start();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return new Proxy({} as Harness, {
    get(_target, key) {
      if (current === undefined) throw new Error("harness: used outside a test");
      return Reflect.get(current, key);
    },
  });
}

/**
 * FakeOzon has no way to clear injected failures; this uses up the rest of them with harmless
 * unauthenticated requests (a failure is served before authentication, so each takes one; the
 * first request that is not failed is answered 404 for the missing key and changes nothing).
 */
export async function drainOzonFailures(ozon: FakeOzon, path: string): Promise<number> {
  let drained = 0;
  for (let i = 0; i < 1000; i++) {
    const response = await fetch(ozon.url + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chat_id: "drain", text: "drain" }),
    });
    await response.arrayBuffer();
    if (response.status !== 500) return drained;
    drained++;
  }
  throw new Error("drainOzonFailures: failures never ran out");
}
