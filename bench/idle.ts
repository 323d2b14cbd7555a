// API calls per idle poll cycle: the bridge (startBridge, real poller and providers) against a
// fake marketplace holding N answered chats, then the naive baseline against the same fake.
// Cycles are told apart by the poller's own debug lines ("poll cycle", "cycle skipped"): the
// capture logger runs synchronously inside the log call, so the fake's request count taken
// there is exactly the count at the end of that cycle's listing.
//
// The bridge polls every millisecond, but Date.now runs on a virtual clock that advances 5 s
// per cycle (the default POLL_INTERVAL_SECONDS): the poller's hourly list allowance
// (a SlidingWindow in src/bridge/poller.ts) reads Date.now, so it is spent as in real hours of polling, not
// thousands of cycles squeezed into one real hour.
import { startBridge } from "../src/app.ts";
import type { MarketplaceProvider, ReadsChats } from "../src/bridge/provider.ts";
import { OzonProvider } from "../src/providers/ozon/provider.ts";
import { YandexProvider } from "../src/providers/yandex/provider.ts";
import { FakeOzon } from "../test/fakes/ozon.ts";
import type { FakeYandex } from "../test/fakes/yandex.ts";
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
  YANDEX_BUSINESS_ID,
  YANDEX_KEY,
} from "./common.ts";
import { fakeYandex, idleOzonChats, idleYandexChats } from "./fakes.ts";
import { NaivePoller } from "./naive.ts";

export type Marketplace = "ozon" | "yandex";

/** The default POLL_INTERVAL_SECONDS, as the virtual clock's step per cycle. */
export const VIRTUAL_CYCLE_MS = 5000;
/** One hour at that interval. */
export const HOUR_CYCLES = 720;
/** Upper bound of a run: two sweep starts at 10 000 Yandex chats (500 pages × 12 cycles). */
const MAX_CYCLES = 12_000;

export interface Window {
  first: number;
  cycles: number;
  calls: number;
  perCycle: number;
  /** Sweep pages read (one per sweep cycle). */
  sweepPages: number;
  /** Cycles the poller skipped because the hourly allowance was used up (blind cycles). */
  skipped: number;
}

export interface IdleFigures {
  marketplace: Marketplace;
  chats: number;
  /** From the first page of one sweep to the last page of it: the steady state, amortised. */
  period: Window | undefined;
  /** Cycles 2–721: the first hour at 5 s after the first start. */
  hour: Window;
  firstStart: { calls: number; ms: number };
  naive: { perCycle: number; cycles: number };
  /** 420/429 answers and warnings while idle: should all be 0. */
  throttled: number;
  warnings: number;
}

interface CycleEvent {
  /** all (first start), unread, sweep (one page of the sweep) or skipped. */
  scope: string;
  /** Which page of its sweep a sweep cycle read (1 = a sweep starts). */
  sweepPage?: number;
  calls: number;
  at: number;
}

/**
 * Replaces Date.now with a clock that the caller advances; `restore` puts the real one back.
 * One function with a moving offset: the list budget reads Date.now at every call.
 */
function virtualClock(): { step: (cycles: number) => void; restore: () => void } {
  const real = Date.now;
  // The bridge starts a minute after the shop's chats were last written to, as on a real
  // shop; otherwise the same-second re-check (Yandex updatedAt) reads every chat once.
  const base = real() + 60_000;
  let offset = base - real();
  Date.now = () => real() + offset;
  return {
    step(cycles) {
      offset = base + cycles * VIRTUAL_CYCLE_MS - real();
    },
    restore() {
      Date.now = real;
    },
  };
}

export async function idleRun(marketplace: Marketplace, chats: number): Promise<IdleFigures> {
  progress(`idle ${marketplace} ${chats} chats`);
  const telegram = fakeTelegram();
  await telegram.start();
  // Yandex: the fake's hourly limits are lifted so that the bridge's first start (one history
  // call per chat) and the naive cycle finish instead of waiting out an hour of 420s; the
  // bridge keeps its own getChats allowance all the same.
  const ozon =
    marketplace === "ozon"
      ? new FakeOzon({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY })
      : undefined;
  const yandex =
    marketplace === "yandex"
      ? fakeYandex({ getChats: 1_000_000_000, getChatHistory: 1_000_000_000 })
      : undefined;
  const fake = (ozon ?? yandex) as FakeOzon | FakeYandex;
  await fake.start();
  if (ozon) idleOzonChats(ozon, chats);
  if (yandex) idleYandexChats(yandex, chats);

  const clock = virtualClock();
  const events: CycleEvent[] = [];
  let warnings = 0;
  const cycleEnded = (scope: string, sweepPage?: number) => {
    events.push({
      scope,
      calls: fake.requests.length,
      at: now(),
      ...(sweepPage ? { sweepPage } : {}),
    });
    clock.step(events.length);
  };
  const log = captureLog("debug", (line) => {
    if (line.msg === "poll cycle") {
      cycleEnded(String(line.scope), typeof line.sweepPage === "number" ? line.sweepPage : 0);
    } else if (line.msg === "hourly list budget used up; cycle skipped") cycleEnded("skipped");
    else if (line.level === "warn" || line.level === "error" || line.level === "fatal") {
      warnings++;
    }
  });
  const sweepStarts = () =>
    events.flatMap((e, i) => (e.scope === "sweep" && e.sweepPage === 1 ? [i] : []));
  const dataDir = tempDir("idle");
  const started = now();
  try {
    const bridge = await startBridge(
      bridgeConfig({
        telegram,
        ...(ozon ? { ozon } : { yandex: yandex as FakeYandex }),
        dataDir,
        pollIntervalMs: 1,
      }),
      log,
    );
    try {
      await until(
        () =>
          (sweepStarts().length >= 2 && events.length >= HOUR_CYCLES + 2) ||
          events.length >= MAX_CYCLES,
        `poll cycles (is the poller's "poll cycle" debug line still there?)`,
        300_000,
        5,
      );
    } finally {
      await bridge.stop();
    }
  } finally {
    clock.restore();
  }

  const start = events[1] as CycleEvent;
  const unreadListing = (index: number) => {
    if (ozon) {
      const r = ozon.requests[index];
      return r?.path === "/v3/chat/list" && r.rawBody.includes('"unread_only":true');
    }
    const r = (yandex as FakeYandex).requests[index];
    return r?.operationId === "getChats" && r.rawBody.toString("utf8").includes("statuses");
  };
  let firstStartCalls = 0;
  for (let i = 0; i < start.calls; i++) if (!unreadListing(i)) firstStartCalls++;

  /** Cycles first+1 … last, counted from the end of cycle `first`. */
  const window = (first: number, last: number): Window => {
    const from = events[first] as CycleEvent;
    const to = events[last] as CycleEvent;
    const measured = events.slice(first + 1, last + 1);
    return {
      first: first + 1,
      cycles: last - first,
      calls: to.calls - from.calls,
      perCycle: (to.calls - from.calls) / (last - first),
      sweepPages: measured.filter((e) => e.scope === "sweep").length,
      skipped: measured.filter((e) => e.scope === "skipped").length,
    };
  };
  // Cycles a … b-1, from one sweep's first page to the cycle before the next sweep's first
  // page: exactly one whole sweep with the cycles between its pages.
  const [a, b] = sweepStarts();
  const period = a !== undefined && b !== undefined ? window(a - 1, b - 1) : undefined;

  // The naive baseline on the same chats; its cycles are identical by construction, so fewer
  // of them are averaged at 10 000 chats to keep the run short.
  const provider: MarketplaceProvider & ReadsChats = ozon
    ? new OzonProvider({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY, apiUrl: ozon.url })
    : new YandexProvider({
        apiKey: YANDEX_KEY,
        businessId: String(YANDEX_BUSINESS_ID),
        apiUrl: (yandex as FakeYandex).url,
      });
  const naive = new NaivePoller(provider);
  const naiveCycles = chats >= 10_000 ? 1 : 2;
  const before = fake.requests.length;
  for (let i = 0; i < naiveCycles; i++) await naive.cycle();
  const naivePerCycle = (fake.requests.length - before) / naiveCycles;
  await provider.close?.();

  // Ozon's fake enforces no rate here (no rps option), so only Yandex can throttle.
  const throttled = yandex?.count420 ?? 0;
  await telegram.stop();
  await fake.stop();
  removeDir(dataDir);
  return {
    marketplace,
    chats,
    period,
    hour: window(1, HOUR_CYCLES + 1),
    firstStart: { calls: firstStartCalls, ms: start.at - started },
    naive: { perCycle: naivePerCycle, cycles: naiveCycles },
    throttled,
    warnings,
  };
}
