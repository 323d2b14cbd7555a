// The real entry point (`node src/main.ts`) with an Ozon and a Yandex Market account against
// the fakes, shared by the tests of one lane: starting a process costs seconds, so the tests of
// a lane run one after another on it. Lanes have their own fakes and process and run side by
// side (vitest runs one file at a time on a two-core machine). Everything any process printed
// is kept, so a lane can count log lines per incident and, at the end, look for the configured
// secrets in all of it.
import { rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect } from "vitest";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram, type PostedMessage } from "../fakes/telegram.ts";
import { FakeYandex } from "../fakes/yandex.ts";
import { type BridgeProcess, startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { leakedSecrets } from "../support/secrets.ts";
import { waitFor } from "../support/wait-for.ts";

export const TOKEN = "123456789:AAH-faults-token-Zq8Xw7Vu6Ts5";
export const STAFF = -1001234567890;
export const OZON_CLIENT_ID = "424242";
export const OZON_KEY = "ozon-key-faults-5b1c0d9e7f";
/** How the bridge names the Ozon account in its logs. */
export const OZON_ACCOUNT = `ozon-${OZON_CLIENT_ID}`;
export const YANDEX_KEY = "ACMA:yandex-key-faults:77aa31bc";
export const BUSINESS = 7654321;
export const PUSH_SECRET = "push_faults_secret_0123456789";

export const OZON_LIST = "/v3/chat/list";
export const OZON_HISTORY = "/v3/chat/history";
export const OZON_SEND = "/v1/chat/send/message";
export const OZON_SEND_FILE = "/v1/chat/send/file";
export const OZON_READ = "/v2/chat/read";

export type LogLine = Record<string, unknown>;

const PROBLEM_LEVELS = new Set(["warn", "error", "fatal"]);

export interface WorldOptions {
  /** Enables the push endpoints (PUSH_SECRET). */
  push?: boolean;
  /** Which marketplace accounts the process gets; default both. */
  accounts?: ReadonlyArray<"ozon" | "yandex">;
  /** DATA_DIR; default a fresh temporary directory. */
  dataDir?: string;
  /** DATABASE_URL: the state in this Postgres database instead of DATA_DIR. */
  databaseUrl?: string;
}

export class World {
  readonly telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  readonly ozon = new FakeOzon({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY });
  readonly yandex: FakeYandex;
  readonly dataDir: string;
  readonly options: WorldOptions;
  /** While set, the Yandex fake's clock stands still (its dates have whole seconds). */
  yandexFrozenAt: number | undefined;
  #bridge: BridgeProcess | undefined;
  #earlierOutput = "";

  constructor(options: WorldOptions = {}) {
    this.options = options;
    this.dataDir = options.dataDir ?? tempDataDir();
    this.yandex = new FakeYandex({
      apiKey: YANDEX_KEY,
      businessId: BUSINESS,
      now: () => new Date(this.yandexFrozenAt ?? Date.now()),
    });
  }

  get bridge(): BridgeProcess {
    if (this.#bridge === undefined) throw new Error("world: no bridge process");
    return this.#bridge;
  }

  /** Every secret the processes were configured with, by label. */
  get secrets(): Record<string, string> {
    return {
      TELEGRAM_BOT_TOKEN: TOKEN,
      OZON_API_KEY: OZON_KEY,
      YANDEX_API_KEY: YANDEX_KEY,
      ...(this.options.push ? { PUSH_SECRET } : {}),
      ...(this.options.databaseUrl ? { DATABASE_URL: this.options.databaseUrl } : {}),
    };
  }

  async start(): Promise<void> {
    await Promise.all([this.telegram.start(), this.ozon.start(), this.yandex.start()]);
    await this.startBridge();
  }

  env(): Record<string, string> {
    const accounts = this.options.accounts ?? ["ozon", "yandex"];
    return {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: this.telegram.url,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "60000",
      ...(accounts.includes("ozon")
        ? { OZON_CLIENT_ID, OZON_API_KEY: OZON_KEY, OZON_API_URL: this.ozon.url }
        : {}),
      ...(accounts.includes("yandex")
        ? {
            YANDEX_API_KEY: YANDEX_KEY,
            YANDEX_BUSINESS_ID: String(BUSINESS),
            YANDEX_API_URL: this.yandex.url,
          }
        : {}),
      DATA_DIR: this.dataDir,
      POLL_INTERVAL_SECONDS: "1",
      BOT_LANGUAGE: "en",
      // Lanes run side by side: each process takes a free port for its HTTP server.
      HTTP_PORT: "0",
      ...(this.options.push ? { PUSH_SECRET } : {}),
      ...(this.options.databaseUrl ? { DATABASE_URL: this.options.databaseUrl } : {}),
    };
  }

  /** Starts a process on the shared DATA_DIR and waits until it serves Telegram updates. */
  async startBridge(): Promise<void> {
    if (this.#bridge !== undefined) throw new Error("world: a bridge process is running");
    const bridge = startBridgeProcess(this.env());
    this.#bridge = bridge;
    await bridge.waitForLog("bridge started", 20_000);
  }

  /** Stops the running process (SIGKILL: a crash) and returns how it ended. */
  async stopBridge(signal: NodeJS.Signals = "SIGTERM") {
    const bridge = this.bridge;
    const exit = await bridge.stop(signal);
    this.#earlierOutput += bridge.output();
    this.#bridge = undefined;
    return exit;
  }

  /** All output of every process of this world so far. */
  output(): string {
    return this.#earlierOutput + (this.#bridge?.output() ?? "");
  }

  /** Every text and caption the bot posted in the staff group. */
  botTexts(): string {
    return this.telegram
      .messagesIn(STAFF)
      .map((m) => `${m.message.text ?? ""}\n${m.message.caption ?? ""}`)
      .join("\n");
  }

  /** A position in the running process's log; see logsSince. */
  mark(): number {
    return this.bridge.logs().length;
  }

  logsSince(mark: number): LogLine[] {
    return this.bridge.logs().slice(mark);
  }

  /** Warnings and errors logged since `mark`. */
  problemsSince(mark: number): LogLine[] {
    return this.logsSince(mark).filter((line) => PROBLEM_LEVELS.has(String(line.level)));
  }

  expectAlive(): void {
    const { child } = this.bridge;
    expect(child.exitCode, this.bridge.output().slice(-3000)).toBeNull();
    expect(child.signalCode).toBeNull();
  }

  /** The topic of a marketplace chat, found by the "Chat ID: <id>" line of its header. */
  threadOf(chatId: string | number): number | undefined {
    const marker = `Chat ID: ${chatId}`;
    const headers = this.telegram
      .messagesIn(STAFF)
      .filter((m) => m.message.is_topic_message && m.message.text?.includes(marker));
    return headers.at(-1)?.message.message_thread_id;
  }

  waitForThread(chatId: string | number, timeoutMs = 15_000): Promise<number> {
    return waitFor(() => this.threadOf(chatId), {
      timeoutMs,
      message: `a topic for chat ${chatId}`,
    });
  }

  /** Loud bot posts in a topic: buyer messages (headers and notices are silent). */
  buyerPosts(thread: number): PostedMessage[] {
    return this.telegram
      .messagesIn(STAFF, thread)
      .filter((m) => !m.service && !m.deleted && m.params?.disable_notification !== true);
  }

  /** Silent, non-service bot posts: headers, system and cabinet messages, notices. */
  silentPosts(thread: number): PostedMessage[] {
    return this.telegram
      .messagesIn(STAFF, thread)
      .filter((m) => !m.service && !m.deleted && m.params?.disable_notification === true);
  }

  /** Texts of the bot's posts in General (outside every topic). */
  generalTexts(): string[] {
    return this.telegram
      .messagesIn(STAFF, "general")
      .filter((m) => !m.service && !m.deleted)
      .map((m) => m.message.text ?? "")
      .filter((t) => t !== "");
  }

  buyerTexts(thread: number): string[] {
    return this.buyerPosts(thread).map(
      (m) => m.message.text ?? m.message.caption ?? m.message.document?.file_name ?? "",
    );
  }

  /** Waits until `text` is among the topic's buyer posts and returns how often it is there. */
  async waitForBuyerText(thread: number, text: string, timeoutMs = 15_000): Promise<number> {
    await waitFor(() => this.buyerTexts(thread).includes(text), {
      timeoutMs,
      message: `"${text.slice(0, 60)}" in topic ${thread}`,
    });
    return this.buyerTexts(thread).filter((t) => t === text).length;
  }

  async openOzonChat(text: string): Promise<{ chat: string; thread: number }> {
    const chat = this.ozon.addChat();
    this.ozon.buyerWrites(chat, text);
    const thread = await this.waitForThread(chat);
    await this.waitForBuyerText(thread, text);
    return { chat, thread };
  }

  async openYandexChat(text: string): Promise<{ chat: number; thread: number }> {
    const chat = this.yandex.addChat();
    this.yandex.customerWrites(chat, text);
    const thread = await this.waitForThread(chat);
    await this.waitForBuyerText(thread, text);
    return { chat, thread };
  }

  /** The bot's reply under a staff message. */
  replyTo(messageId: number, timeoutMs = 15_000): Promise<PostedMessage> {
    return waitFor(
      () =>
        this.telegram
          .messagesIn(STAFF)
          .find((m) => m.message.reply_to_message?.message_id === messageId),
      { timeoutMs, message: `a reply to staff message ${messageId}` },
    );
  }

  /** Waits for the 👍 receipt on a staff message. */
  async receiptOn(messageId: number, timeoutMs = 20_000): Promise<void> {
    await waitFor(() => this.telegram.reactions.some((r) => r.messageId === messageId), {
      timeoutMs,
      message: `the receipt on staff message ${messageId}`,
    });
  }

  /** Resolves after the bridge listed Ozon chats `n` more times (about n poll cycles). */
  ozonCycles(n: number, timeoutMs = 20_000): Promise<unknown> {
    const target = this.ozon.countByPath(OZON_LIST) + n;
    return waitFor(() => this.ozon.countByPath(OZON_LIST) >= target, {
      timeoutMs,
      message: `${n} more Ozon poll cycles`,
    });
  }

  /** Resolves after the bridge listed Yandex chats `n` more times (about n poll cycles). */
  yandexCycles(n: number, timeoutMs = 20_000): Promise<unknown> {
    const target = this.yandex.countByOperation("getChats") + n;
    return waitFor(() => this.yandex.countByOperation("getChats") >= target, {
      timeoutMs,
      message: `${n} more Yandex poll cycles`,
    });
  }

  async close(): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    const exit = this.#bridge === undefined ? undefined : await this.stopBridge("SIGTERM");
    await Promise.all([this.telegram.stop(), this.ozon.stop(), this.yandex.stop()]);
    rmSync(this.dataDir, { recursive: true, force: true });
    return exit;
  }
}

/**
 * A group of tests that run in order on their own World, side by side with the file's other
 * lanes. Call useWorld inside `body`.
 */
export function lane(name: string, body: () => void): void {
  describe(name, { concurrent: true }, () => {
    describe("", { concurrent: false }, body);
  });
}

/**
 * One World for the calling suite (a lane): started before its first test, closed after the
 * last, when the process must stop cleanly and none of the output may contain a configured
 * secret. After each test the process must still be running.
 */
export function useWorld(options: WorldOptions = {}): World {
  const world = new World(options);
  beforeAll(() => world.start(), 60_000);
  afterEach(() => world.expectAlive());
  afterAll(async () => {
    const exit = await world.close();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(leakedSecrets(world.output(), world.secrets)).toEqual([]);
    expect(leakedSecrets(world.botTexts(), world.secrets)).toEqual([]);
  }, 30_000);
  return world;
}

/** Warnings and errors since `mark`, by message. */
export function problems(world: World, mark: number): string[] {
  return world.problemsSince(mark).map((line) => String(line.msg));
}

/**
 * Exactly one warning or error since `mark`: `msg`, with an `err` that contains `err` (a string)
 * or matches it (a RegExp). "Logged once" is what every fault suite asks of a fault that
 * outlasts the retries.
 */
export function expectOneProblem(
  world: World,
  mark: number,
  msg: string,
  err: string | RegExp,
): void {
  const lines = world.problemsSince(mark);
  expect(lines.map((l) => l.msg)).toEqual([msg]);
  expect(String(lines[0]?.err)).toMatch(err);
}

/** Short summary of log lines for assertion messages: level, msg and err of each. */
export function describeLines(lines: LogLine[]): string {
  return lines.map((l) => `${String(l.level)} ${String(l.msg)} ${String(l.err ?? "")}`).join("\n");
}
