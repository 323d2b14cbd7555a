// Figures of the real entry point, `node src/main.ts` as `npm start` runs it, started through
// test/support/bridge-process.ts against the fakes: memory after mapping 10 000 chats and
// relaying 10 000 messages, and cold start to the first getUpdates.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FakeOzon } from "../test/fakes/ozon.ts";
import { START_SCRIPT, startBridgeProcess } from "../test/support/bridge-process.ts";
import {
  fakeTelegram,
  now,
  OZON_CLIENT_ID,
  OZON_KEY,
  progress,
  removeDir,
  STAFF,
  TOKEN,
  tempDir,
  until,
} from "./common.ts";

export const ROOT = join(import.meta.dirname, "..");

export interface MemoryFigures {
  chats: number;
  messages: number;
  /** From the process's start to the last buyer message reaching Telegram. */
  relayMs: number;
  rssMb: number;
  /** After the probe's full GC: what the process keeps, not what the first start left. */
  rssAfterGcMb: number;
  peakRssMb: number;
  heapUsedMb: number;
  heapUsedAfterGcMb: number;
  externalMb: number;
  heapTotalMb: number;
  /** A restarted bridge on the mapped chats, all read, after RESTART_CYCLES poll cycles. */
  restarted: { rssMb: number; peakRssMb: number };
}

export interface ColdStartFigures {
  runs: number[];
  /** `node -e 0`: Node's own start-up on this machine, for scale. */
  nodeOnly: number[];
  /** Spawn to exit of a process that only imports src/app.ts (the module graph). */
  importOnly: number[];
  /** RSS one second after the first getUpdates, with no chats at all. */
  idleRssMb: number[];
  /** The same for the first start after an install, with Node's compile cache still empty. */
  firstStart: { ms: number; idleRssMb: number };
}

export function env(
  telegramUrl: string,
  ozonUrl: string,
  dataDir: string,
  compileCache: string,
): Record<string, string> {
  return {
    // Its own compile cache (the start script's default is node_modules/.cache), so the bench
    // knows whether a start finds it filled.
    NODE_COMPILE_CACHE: compileCache,
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_STAFF_CHAT_ID: String(STAFF),
    TELEGRAM_API_ROOT: telegramUrl,
    OZON_CLIENT_ID,
    OZON_API_KEY: OZON_KEY,
    OZON_API_URL: ozonUrl,
    DATA_DIR: dataDir,
  };
}

export function procStatusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
  if (kb === undefined) throw new Error(`bench: no ${field} in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

/**
 * As every start after the first: an earlier start (one that stops at the missing
 * configuration, having loaded every module) leaves Node's compile cache filled for these flags.
 */
export function fillCompileCache(compileCache: string, nodeOptions?: string): void {
  spawnSync("sh", ["-c", START_SCRIPT], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_COMPILE_CACHE: compileCache,
      ...(nodeOptions !== undefined ? { NODE_OPTIONS: nodeOptions } : {}),
    },
    stdio: "ignore",
  });
}

const MB = 1024 * 1024;
/** Poll cycles of the restarted bridge before its memory is read: two sweep pages among them. */
export const RESTART_CYCLES = 15;

export async function memory(chats: number): Promise<MemoryFigures> {
  progress(`memory: npm start's command maps ${chats} chats and relays ${chats} messages`);
  const telegram = fakeTelegram();
  const ozon = new FakeOzon({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY });
  await telegram.start();
  await ozon.start();
  // First start on a shop where every chat has one unread buyer message: each gets a topic
  // (createForumTopic, header) and its message, which is the most state per chat.
  const chatIds: string[] = [];
  for (let i = 0; i < chats; i++) {
    const chat = ozon.addChat({ orderNumber: `${40_000_000 + i}-0001-1` });
    ozon.buyerWrites(chat, `mem-${i} Здравствуйте! Подскажите, когда доставка?`);
    chatIds.push(chat);
  }
  let relayed = 0;
  telegram.onCall((call) => {
    if (call.method === "sendMessage" && call.outcome === "ok") {
      if (/^mem-\d+ /.test(String(call.params.text ?? ""))) relayed++;
    }
  });
  const dataDir = tempDir("memory");
  const compileCache = tempDir("compile-cache");
  const nodeOptions = `--expose-gc --import=${join(ROOT, "bench", "memory-probe.ts")}`;
  fillCompileCache(compileCache, nodeOptions);
  const started = now();
  const bridgeEnv = {
    ...env(telegram.url, ozon.url, dataDir, compileCache),
    // Telegram's budget is not what this figure is about; at 20/min the run would take hours.
    TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "1000000",
    NODE_OPTIONS: nodeOptions,
  };
  let bridge = startBridgeProcess(bridgeEnv);
  try {
    const pid = bridge.child.pid;
    if (pid === undefined) throw new Error("bench: the bridge process did not start");
    const ticker = setInterval(() => progress(`  ${relayed} of ${chats} relayed`), 15_000);
    try {
      await until(() => relayed >= chats, `${chats} messages relayed`, 400_000, 50);
    } finally {
      clearInterval(ticker);
    }
    const relayMs = now() - started;
    // Let the writes after the last post (cursor, topic state) finish before reading memory.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const rssMb = procStatusMb(pid, "VmRSS");
    const peakRssMb = procStatusMb(pid, "VmHWM");
    bridge.child.kill("SIGUSR2");
    const line = (await bridge.waitForLog("bench memory", 10_000)) as {
      before: NodeJS.MemoryUsage;
      after: NodeJS.MemoryUsage;
    };
    const rssAfterGcMb = procStatusMb(pid, "VmRSS");

    // The same shop a day later: staff have read everything, and a restarted bridge polls its
    // 10 000 mapped chats (one list call a second here, a sweep page every 12th).
    progress(
      `memory: the bridge restarted on ${chats} mapped chats, ${RESTART_CYCLES} poll cycles`,
    );
    await bridge.stop();
    for (const chat of chatIds) ozon.sellerReadsInCabinet(chat);
    const listCalls = () => ozon.requests.filter((r) => r.path === "/v3/chat/list").length;
    const listedBefore = listCalls();
    bridge = startBridgeProcess({ ...bridgeEnv, POLL_INTERVAL_SECONDS: "1" });
    const restartedPid = bridge.child.pid;
    if (restartedPid === undefined) throw new Error("bench: the bridge process did not start");
    await until(
      () => listCalls() >= listedBefore + RESTART_CYCLES,
      `${RESTART_CYCLES} poll cycles after the restart`,
      120_000,
      100,
    );
    const restarted = {
      rssMb: procStatusMb(restartedPid, "VmRSS"),
      peakRssMb: procStatusMb(restartedPid, "VmHWM"),
    };
    return {
      restarted,
      chats,
      messages: relayed,
      relayMs,
      rssMb,
      rssAfterGcMb,
      peakRssMb,
      heapUsedMb: line.before.heapUsed / MB,
      heapUsedAfterGcMb: line.after.heapUsed / MB,
      externalMb: line.before.external / MB,
      heapTotalMb: line.before.heapTotal / MB,
    };
  } finally {
    await bridge.stop();
    await telegram.stop();
    await ozon.stop();
    removeDir(dataDir);
    removeDir(compileCache);
  }
}

/** Milliseconds from spawning `node args` to its exit (code 0 required). */
function timeToExit(args: string[], compileCache: string): Promise<number> {
  const started = now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", NODE_NO_WARNINGS: "1", NODE_COMPILE_CACHE: compileCache },
    stdio: "ignore",
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve(now() - started);
      else reject(new Error(`bench: node ${args.join(" ")} exited ${code}`));
    });
  });
}

export async function coldStart(runs: number): Promise<ColdStartFigures> {
  progress(`cold start: ${runs} runs of npm start's command to its first getUpdates`);
  const telegram = fakeTelegram();
  const ozon = new FakeOzon({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY });
  await telegram.start();
  await ozon.start();
  const times: number[] = [];
  const idleRss: number[] = [];
  const compileCache = tempDir("compile-cache");
  try {
    // Run 0 is the first start after an install: Node's compile cache is still empty.
    for (let i = 0; i <= runs; i++) {
      const dataDir = tempDir("cold");
      const started = now();
      const bridge = startBridgeProcess(env(telegram.url, ozon.url, dataDir, compileCache));
      try {
        const first = await until(
          () => telegram.calls.find((c) => c.method === "getUpdates" && c.time > started),
          "the first getUpdates",
          20_000,
          1,
        );
        times.push(first.time - started);
        // What the process holds once started with nothing to do, for scale with the above.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const pid = bridge.child.pid;
        if (pid !== undefined) idleRss.push(procStatusMb(pid, "VmRSS"));
      } finally {
        await bridge.stop();
        removeDir(dataDir);
      }
    }
  } finally {
    await telegram.stop();
    await ozon.stop();
  }
  const nodeOnly: number[] = [];
  const importOnly: number[] = [];
  for (let i = 0; i < runs; i++) {
    nodeOnly.push(await timeToExit(["-e", "0"], compileCache));
    importOnly.push(
      await timeToExit(["--input-type=module", "-e", 'await import("./src/app.ts")'], compileCache),
    );
  }
  removeDir(compileCache);
  const [first, ...warm] = times as [number, ...number[]];
  const [firstRss, ...warmRss] = idleRss as [number, ...number[]];
  return {
    runs: warm,
    nodeOnly,
    importOnly,
    idleRssMb: warmRss,
    firstStart: { ms: first, idleRssMb: firstRss },
  };
}
