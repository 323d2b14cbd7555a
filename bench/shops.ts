// One process serving many shops: N accounts (Ozon and Yandex Market alternately, from an
// ACCOUNTS_FILE), each a fake of its own holding M answered chats, all posting into one staff
// group. The bridge runs as the start script's process (its own RSS and event loop); the fakes
// run in the bench's process. Figures: the first start of every shop, then a window of idle
// polling at the default interval: marketplace calls per poll cycle per shop, RSS, and the
// event loop's delay (bench/loop-probe.ts, preloaded).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeOzon } from "../test/fakes/ozon.ts";
import { FakeYandex } from "../test/fakes/yandex.ts";
import { startBridgeProcess } from "../test/support/bridge-process.ts";
import { fakeTelegram, now, progress, removeDir, STAFF, TOKEN, tempDir, until } from "./common.ts";
import { idleOzonChats, idleYandexChats } from "./fakes.ts";
import { fillCompileCache, procStatusMb, ROOT } from "./process.ts";

export const SHOPS = 200;
export const CHATS_PER_SHOP = 2000;
/** Real time at the default POLL_INTERVAL_SECONDS (5 s): 12 cycles, one of them a sweep page. */
export const IDLE_WINDOW_MS = 60_000;
const FIRST_START_TIMEOUT_MS = 600_000;

export interface LoopDelay {
  /** Timer ticks observed (one per 10 ms of an idle loop). */
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ShopsFigures {
  shops: number;
  chatsPerShop: number;
  /** Process spawn → the last shop's first poll cycle ended (every chat listed and recorded). */
  firstStart: { ms: number; loop: LoopDelay };
  idle: {
    ms: number;
    /** Marketplace requests and poll cycles within the window, by marketplace. */
    ozon: { calls: number; cycles: number };
    yandex: { calls: number; cycles: number };
    /** Telegram calls other than getUpdates within the window. */
    telegramCalls: number;
    loop: LoopDelay;
    rssMb: number;
  };
  /** VmHWM at the end: the first start's peak. */
  peakRssMb: number;
  /** 420 answers of the fake Yandex, warnings and errors of the bridge: should all be 0. */
  throttled: number;
  warnings: number;
}

/** A steady poll cycle's end as the bench saw it, and the shop's request count then. */
interface Mark {
  at: number;
  requests: number;
}

interface Shop {
  marketplace: "ozon" | "yandex";
  id: string;
  requests(): number;
}

/**
 * The fakes' clock runs a minute behind while their chats are written, then on time: the shop's
 * chats were last written to a minute before the bridge starts, as on a real shop (otherwise the
 * same-second re-check of Yandex's updatedAt reads every chat once).
 */
function lagging(): { now: () => Date; catchUp: () => void } {
  let lagMs = 60_000;
  return {
    now: () => new Date(Date.now() - lagMs),
    catchUp: () => {
      lagMs = 0;
    },
  };
}

export async function shops(
  count: number,
  chatsPerShop: number,
  windowMs = IDLE_WINDOW_MS,
): Promise<ShopsFigures> {
  progress(`shops: one process, ${count} shops of ${chatsPerShop} chats each`);
  const telegram = fakeTelegram();
  await telegram.start();
  const clock = lagging();
  const fakes: Array<FakeOzon | FakeYandex> = [];
  const entries: Record<string, string>[] = [];
  const shopList: Shop[] = [];
  for (let i = 0; i < count; i++) {
    const name = `Shop ${i + 1}`;
    const apiKey = `bench-shop-key-${i + 1}`;
    if (i % 2 === 0) {
      const clientId = String(500_000 + i);
      const ozon = new FakeOzon({ clientId, apiKey, now: clock.now });
      await ozon.start();
      idleOzonChats(ozon, chatsPerShop);
      fakes.push(ozon);
      entries.push({ marketplace: "ozon", name, clientId, apiKey, apiUrl: ozon.url });
      shopList.push({
        marketplace: "ozon",
        id: `ozon-${clientId}`,
        requests: () => ozon.requests.length,
      });
    } else {
      const businessId = 80_000 + i;
      const yandex = new FakeYandex({ apiKey, businessId, now: clock.now });
      await yandex.start();
      idleYandexChats(yandex, chatsPerShop);
      fakes.push(yandex);
      entries.push({
        marketplace: "yandex",
        name,
        businessId: String(businessId),
        apiKey,
        apiUrl: yandex.url,
      });
      shopList.push({
        marketplace: "yandex",
        id: `yandex-${businessId}`,
        requests: () => yandex.requests.length,
      });
    }
  }
  clock.catchUp();

  const dir = tempDir("shops");
  const accountsFile = join(dir, "accounts.json");
  writeFileSync(accountsFile, JSON.stringify({ accounts: entries }));
  const compileCache = tempDir("compile-cache");
  const nodeOptions = `--import=${join(ROOT, "bench", "loop-probe.ts")}`;
  fillCompileCache(compileCache, nodeOptions);

  // The bridge's own lines, read as they come: poll cycles per account, the probe's figures.
  // Each steady cycle's line marks the shop's request count when it is read: the cycle's
  // requests were answered before its line was written, the next cycle's start 5 s later.
  const shopById = new Map(shopList.map((s) => [s.id, s]));
  const firstDone = new Set<string>();
  const marks = new Map<string, Mark[]>();
  const loopLines: LoopDelay[] = [];
  let warnings = 0;
  const onLine = (raw: string) => {
    if (!raw.startsWith("{")) return;
    const line = JSON.parse(raw) as Record<string, unknown>;
    if (line.msg === "poll cycle") {
      const shop = shopById.get(String(line.account));
      if (!shop) return;
      if (line.scope === "all") firstDone.add(shop.id);
      else {
        const list = marks.get(shop.id) ?? [];
        list.push({ at: now(), requests: shop.requests() });
        marks.set(shop.id, list);
      }
    } else if (line.msg === "bench loop delay") {
      loopLines.push(line as unknown as LoopDelay);
    } else if (line.level === "warn" || line.level === "error" || line.level === "fatal") {
      warnings++;
    }
  };
  const lines = () => {
    let pending = "";
    return (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const complete = pending.split("\n");
      pending = complete.pop() ?? "";
      for (const raw of complete) onLine(raw);
    };
  };

  const started = now();
  const bridge = startBridgeProcess({
    NODE_COMPILE_CACHE: compileCache,
    NODE_OPTIONS: nodeOptions,
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_STAFF_CHAT_ID: String(STAFF),
    TELEGRAM_API_ROOT: telegram.url,
    ACCOUNTS_FILE: accountsFile,
    DATA_DIR: join(dir, "data"),
    // The poller's "poll cycle" lines count the cycles; nothing else logs at debug.
    LOG_LEVEL: "debug",
  });
  bridge.child.stdout?.on("data", lines());
  bridge.child.stderr?.on("data", lines());
  const alive = () => {
    if (bridge.child.exitCode !== null || bridge.child.signalCode !== null) {
      throw new Error(`bench: the bridge exited:\n${bridge.output().slice(-4000)}`);
    }
  };
  const loopDelay = async (): Promise<LoopDelay> => {
    const seen = loopLines.length;
    bridge.child.kill("SIGUSR2");
    return until(() => loopLines[seen], "the loop probe's line", 10_000, 5);
  };
  try {
    const pid = bridge.child.pid;
    if (pid === undefined) throw new Error("bench: the bridge process did not start");
    const ticker = setInterval(
      () => progress(`  ${firstDone.size} of ${count} shops through their first start`),
      15_000,
    );
    try {
      await until(
        () => firstDone.size >= count || bridge.child.exitCode !== null,
        `the first start of ${count} shops`,
        FIRST_START_TIMEOUT_MS,
        20,
      );
    } finally {
      clearInterval(ticker);
    }
    alive();
    const firstStartMs = now() - started;
    // The window starts once every shop has polled at least once after its first start.
    await until(
      () => shopList.every((s) => marks.has(s.id)),
      "a poll cycle of every shop after the first start",
      60_000,
      20,
    );
    const firstLoop = await loopDelay();
    const telegramCalls = () => telegram.calls.filter((c) => c.method !== "getUpdates").length;
    const telegramFrom = telegramCalls();
    const windowStart = now();
    progress(`shops: ${windowMs / 1000} s of idle polling`);
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const windowEnd = now();
    alive();
    const telegramTo = telegramCalls();
    const rssMb = procStatusMb(pid, "VmRSS");
    const peakRssMb = procStatusMb(pid, "VmHWM");
    const idleLoop = await loopDelay();
    // Per shop, from its first cycle ended within the window to its last: whole cycles only.
    const within = (m: "ozon" | "yandex") => {
      const sum = { calls: 0, cycles: 0 };
      for (const shop of shopList.filter((s) => s.marketplace === m)) {
        const inside = (marks.get(shop.id) ?? []).filter(
          (mark) => mark.at >= windowStart && mark.at <= windowEnd,
        );
        const first = inside[0];
        const last = inside.at(-1);
        if (!first || !last) continue;
        sum.calls += last.requests - first.requests;
        sum.cycles += inside.length - 1;
      }
      return sum;
    };
    let throttled = 0;
    for (const fake of fakes) if (fake instanceof FakeYandex) throttled += fake.count420;
    return {
      shops: count,
      chatsPerShop,
      firstStart: { ms: firstStartMs, loop: firstLoop },
      idle: {
        ms: windowEnd - windowStart,
        ozon: within("ozon"),
        yandex: within("yandex"),
        telegramCalls: telegramTo - telegramFrom,
        loop: idleLoop,
        rssMb,
      },
      peakRssMb,
      throttled,
      warnings,
    };
  } finally {
    await bridge.stop();
    await telegram.stop();
    for (const fake of fakes) await fake.stop();
    removeDir(dir);
    removeDir(compileCache);
  }
}
