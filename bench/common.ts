// Shared pieces of the benchmark: one clock for every timestamp, configs for the in-process
// bridge, a log capture, and small statistics. Nothing here knows a scenario.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { sleep } from "../src/bridge/sleep.ts";
import { type Config, loadConfig } from "../src/config.ts";
import type { Logger } from "../src/logger.ts";
import type { FakeOzon } from "../test/fakes/ozon.ts";
import { FakeTelegram } from "../test/fakes/telegram.ts";
import type { FakeWildberries } from "../test/fakes/wildberries.ts";
import type { FakeYandex } from "../test/fakes/yandex.ts";

export const TOKEN = "123456789:bench-token-for-the-fake";
export const STAFF = -1001234567890;
export const OZON_CLIENT_ID = "424242";
export const OZON_KEY = "ozon-api-key-bench-7d1e";
export const YANDEX_BUSINESS_ID = 77001;
export const YANDEX_KEY = "yandex-api-key-bench-3c9a";
export const PUSH_SECRET = "bench_push_secret_0123456789";

/**
 * Epoch milliseconds with sub-millisecond resolution. The fakes and the bench share it, so a
 * time taken in one can be subtracted from a time taken in another (Date.now is whole ms).
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Polls until `check` is truthy; fails with `what` after `timeoutMs`, so no loop is unbounded. */
export async function until<T>(
  check: () => T | undefined | null | false,
  what: string,
  timeoutMs: number,
  intervalMs = 2,
): Promise<T> {
  // performance.now, not Date.now: the idle part runs Date.now on a virtual clock.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() > deadline)
      throw new Error(`bench: timed out after ${timeoutMs} ms: ${what}`);
    await sleep(intervalMs);
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A fake Telegram on the shared clock, so its CallRecord.time is comparable with now(). */
export function fakeTelegram(budget?: { perWindow: number; windowMs: number }): FakeTelegram {
  return new FakeTelegram({
    token: TOKEN,
    staffChatId: STAFF,
    now,
    ...(budget ? { groupMessagesPerMinute: budget.perWindow, windowMs: budget.windowMs } : {}),
  });
}

/**
 * The configuration startBridge gets: the real loader with the production defaults for
 * everything the bench does not set. The poll interval is then set directly (the environment
 * allows ≥ 1 s) so that hundreds of cycles fit in seconds; no measured figure depends on it.
 */
export function bridgeConfig(options: {
  telegram: FakeTelegram;
  ozon?: FakeOzon;
  yandex?: FakeYandex;
  /** The fake and the token it knows (one token per run: the bridge keeps a limiter per token). */
  wildberries?: { fake: FakeWildberries; token: string };
  dataDir: string;
  /** Set: the state in this PostgreSQL database instead of dataDir's SQLite file. */
  databaseUrl?: string;
  pollIntervalMs: number;
  groupMessagesPerMinute?: number;
  push?: boolean;
}): Config {
  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_STAFF_CHAT_ID: String(STAFF),
    TELEGRAM_API_ROOT: options.telegram.url,
    TELEGRAM_GROUP_MESSAGES_PER_MINUTE: String(options.groupMessagesPerMinute ?? 1_000_000),
    DATA_DIR: options.dataDir,
    LOG_LEVEL: "silent",
    BOT_LANGUAGE: "en",
  };
  if (options.ozon) {
    Object.assign(env, {
      OZON_CLIENT_ID,
      OZON_API_KEY: OZON_KEY,
      OZON_API_URL: options.ozon.url,
    });
  }
  if (options.yandex) {
    Object.assign(env, {
      YANDEX_BUSINESS_ID: String(YANDEX_BUSINESS_ID),
      YANDEX_API_KEY: YANDEX_KEY,
      YANDEX_API_URL: options.yandex.url,
    });
  }
  if (options.wildberries) {
    env.WB_API_TOKEN = options.wildberries.token;
    env.WB_API_URL = options.wildberries.fake.url;
  }
  if (options.push) env.PUSH_SECRET = PUSH_SECRET;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  const config = loadConfig(env);
  return { ...config, httpPort: 0, pollIntervalMs: options.pollIntervalMs };
}

/** The id startBridge gives the only account of a marketplace in `config`. */
export function accountId(config: Config, marketplace: "ozon" | "yandex" | "wildberries"): string {
  const account = config.accounts.find((a) => a.marketplace === marketplace);
  if (!account) throw new Error(`bench: no ${marketplace} account in the configuration`);
  return account.id;
}

export interface LogLine {
  msg?: string;
  level?: string;
  [key: string]: unknown;
}

/**
 * A pino logger whose lines are handed to `onLine` as they are written (synchronously, so a
 * handler can take a snapshot of a fake's counters at the exact point of the log call).
 */
export function captureLog(level: string, onLine: (line: LogLine) => void): Logger {
  return pino(
    { level, base: undefined, formatters: { level: (label) => ({ level: label }) } },
    {
      write(text: string) {
        for (const raw of text.split("\n")) {
          if (raw.startsWith("{")) onLine(JSON.parse(raw) as LogLine);
        }
      },
    },
  );
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function median(samples: number[]): number {
  return percentile(samples, 50);
}

export function progress(text: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}
