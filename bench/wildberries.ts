// Wildberries: what polling costs when nothing happens, and how close a burst takes the bridge to
// WB's limit of 10 requests in any 10 s per seller account (WILDBERRIES-CHAT.md §3).
//
// Idle. The bridge reads WB through the one event feed of the account (src/bridge/feed-sync.ts),
// so a cycle should be one events request whatever the number of chats. As in idle.ts, the
// bridge polls every millisecond while Date.now runs on a virtual clock; here it moves 5 s per
// poll cycle (the poller's own count, RunningBridge.poller.status), plus 1.2 s for each further
// request within one cycle: WB allows one a second, so while a first start reads the feed's
// pages the client's own limiter never has to wait in real time. The fake WB answers, and
// enforces WB's limits, on the same clock; each answer is tagged with the cycle it came in.
//
// Burst. Real time: the bridge polls an empty shop at the default interval, then 40 new chats
// each bring a buyer's text and a photo at once. Every photo is a download, and every request
// counts against the same 10 in 10 s.
import { randomBytes } from "node:crypto";
import { startBridge } from "../src/app.ts";
import { WildberriesClient } from "../src/providers/wildberries/client.ts";
import { createWbLimiter } from "../src/providers/wildberries/limits.ts";
import { wbToken } from "../test/support/wb-token.ts";
import {
  accountId,
  bridgeConfig,
  captureLog,
  fakeTelegram,
  now,
  progress,
  removeDir,
  STAFF,
  tempDir,
  until,
} from "./common.ts";
import { idleWildberriesChats, MeteredWildberries, type WbAnswer } from "./fakes.ts";
import { HOUR_CYCLES, VIRTUAL_CYCLE_MS } from "./idle.ts";
import { NaiveWildberries } from "./naive.ts";

/** Virtual time per further request within one cycle: just over WB's one a second. */
const REQUEST_STEP_MS = 1_200;
/** WB's limit per seller account: 10 requests in any 10 s (ref §3). */
export const WB_LIMIT_PER_10S = 10;
export const BURST_CHATS = 40;
/** The default POLL_INTERVAL_SECONDS. */
const BURST_POLL_MS = 5_000;
const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(20_000)]);

export interface WbIdleFigures {
  chats: number;
  /** Until the feed was first read to its end: calls, answer bytes, poll cycles. */
  firstStart: { calls: number; bytes: number; cycles: number };
  /** The hour after it: cycles E+1 … E+720, E the cycle that first read the feed to its end. */
  hour: { cycles: number; calls: number; perCycle: number; bytesPerCycle: number };
  /** Most requests in any 10 s of that hour, by the fake's (virtual) clock. */
  peakIn10s: number;
  naive: { calls: number; bytes: number };
  /** 429 answers and warnings of the bridge: should be 0. */
  throttled: number;
  warnings: number;
}

export interface WbBurstFigures {
  chats: number;
  /** Written → the last photo in Telegram. */
  drainMs: number;
  photos: number;
  /** From the burst on, by the fake's clock. */
  peakIn10s: number;
  callsByPath: Record<string, number>;
  throttled: number;
  warnings: number;
}

const sum = (answers: WbAnswer[], of: (a: WbAnswer) => number) =>
  answers.reduce((total, a) => total + of(a), 0);

export async function wbIdleRun(chats: number): Promise<WbIdleFigures> {
  progress(`idle wildberries ${chats} chats`);
  // One token per run: the bridge keeps one limiter per token for the whole process.
  const token = wbToken(`bench-idle-${chats}`);
  const telegram = fakeTelegram();
  await telegram.start();
  const wb = new MeteredWildberries(token);
  await wb.start();
  idleWildberriesChats(wb, chats);
  const dataDir = tempDir("idle-wb");
  const config = bridgeConfig({
    telegram,
    wildberries: { fake: wb, token },
    dataDir,
    pollIntervalMs: 1,
  });
  const account = accountId(config, "wildberries");
  let warnings = 0;
  const log = captureLog("warn", () => warnings++);

  const real = Date.now;
  const base = real();
  let cycles = () => 0;
  let counted = 0;
  let virtual = 0;
  let naiveRunning = false;
  Date.now = () => {
    const c = cycles();
    if (c > counted) {
      virtual += (c - counted) * VIRTUAL_CYCLE_MS;
      counted = c;
    }
    return base + virtual;
  };
  wb.tagOf = () => cycles();
  wb.onArrival = () => {
    const [before, current] = wb.answers.slice(-2);
    if (naiveRunning || before?.tag === current?.tag) virtual += REQUEST_STEP_MS;
  };
  const drainedIn = () => wb.answers.find((a) => a.drained)?.tag;

  try {
    const bridge = await startBridge(config, log);
    // Set before any request arrives: startBridge returns right after the poller starts.
    cycles = () => bridge.poller.status.get(account)?.cycles ?? 0;
    try {
      await until(
        () => {
          const end = drainedIn();
          return end !== undefined && cycles() > end + HOUR_CYCLES + 1;
        },
        "an hour of poll cycles after the first start",
        300_000,
        5,
      );
    } finally {
      await bridge.stop();
    }
    const end = drainedIn() as number;
    const firstIndex = wb.answers.findIndex((a) => a.drained);
    const first = wb.answers.slice(0, firstIndex + 1);
    const hour = wb.answers.filter((a) => a.tag > end && a.tag <= end + HOUR_CYCLES);
    const hourStart = wb.requests[wb.answers.findIndex((a) => a.tag > end)]?.at;
    const peakIn10s = wb.maxRequestsIn10s(undefined, hourStart);
    const throttled = wb.count429;

    // The naive cycle on the same chats, after the bridge, on the same clock.
    naiveRunning = true;
    const client = new WildberriesClient({
      token,
      apiUrl: wb.url,
      limiter: createWbLimiter("personal"),
    });
    const before = wb.answers.length;
    await new NaiveWildberries(client).cycle();
    await client.close();
    const naive = wb.answers.slice(before);

    return {
      chats,
      firstStart: { calls: first.length, bytes: sum(first, (a) => a.bytes), cycles: end + 1 },
      hour: {
        cycles: HOUR_CYCLES,
        calls: hour.length,
        perCycle: hour.length / HOUR_CYCLES,
        bytesPerCycle: sum(hour, (a) => a.bytes) / HOUR_CYCLES,
      },
      peakIn10s,
      naive: { calls: naive.length, bytes: sum(naive, (a) => a.bytes) },
      throttled,
      warnings,
    };
  } finally {
    Date.now = real;
    await telegram.stop();
    await wb.stop();
    removeDir(dataDir);
  }
}

export async function wbBurst(chats = BURST_CHATS): Promise<WbBurstFigures> {
  progress(`wildberries burst: ${chats} new chats with a text and a photo each`);
  const token = wbToken("bench-burst");
  const telegram = fakeTelegram();
  await telegram.start();
  let photos = 0;
  telegram.onCall((call) => {
    if (call.method === "sendPhoto" && call.outcome === "ok") photos++;
  });
  const wb = new MeteredWildberries(token);
  await wb.start();
  const dataDir = tempDir("burst-wb");
  let warnings = 0;
  const log = captureLog("warn", () => warnings++);
  const bridge = await startBridge(
    bridgeConfig({
      telegram,
      wildberries: { fake: wb, token },
      dataDir,
      pollIntervalMs: BURST_POLL_MS,
    }),
    log,
  );
  try {
    // The first start has read the (empty) feed to its end.
    await until(() => wb.answers.some((a) => a.drained), "the first feed read", 30_000);
    const since = new Date();
    const started = now();
    for (let i = 0; i < chats; i++) {
      const chat = wb.addChat();
      wb.buyerWrites(chat, `burst question ${i}`);
      wb.buyerSendsImage(chat, PHOTO);
    }
    await until(() => photos >= chats, `${chats} photos in Telegram`, 300_000, 20);
    const drainMs = now() - started;
    const posted = telegram.messagesIn(STAFF).filter((m) => !m.service && m.message.photo);
    if (posted.length !== chats) {
      throw new Error(`bench: ${posted.length} photos posted for ${chats} chats`);
    }
    return {
      chats,
      drainMs,
      photos,
      peakIn10s: wb.maxRequestsIn10s(undefined, since),
      callsByPath: wb.callsByPath(),
      throttled: wb.count429,
      warnings,
    };
  } finally {
    await bridge.stop();
    await telegram.stop();
    await wb.stop();
    removeDir(dataDir);
  }
}
