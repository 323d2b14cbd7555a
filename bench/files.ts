// Memory under a backlog of files: 1 000 Ozon chats whose topics exist each get a buyer message
// with a 2 MB photo while the bridge is stopped; the bridge restarts on them and drains them at
// Telegram's budget, compressed in time as the backlog bench compresses it (20 posts per 2 s).
// The bridge runs in a process of its own (the start script's command and memory settings, with
// bench/scaled-bridge.ts for its entry), so its peak RSS is the bridge's alone; the fakes run in
// the bench's process.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { startBridge } from "../src/app.ts";
import { sleep } from "../src/bridge/sleep.ts";
import { FakeOzon } from "../test/fakes/ozon.ts";
import { START_SCRIPT } from "../test/support/bridge-process.ts";
import { BUDGET } from "./backlog.ts";
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
import { forgetUploads, retryAfterInRealSeconds } from "./fakes.ts";
import { env, fillCompileCache, procStatusMb, ROOT } from "./process.ts";

export const FILE_CHATS = 1000;
export const PHOTO_BYTES = 2 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 300_000;

export interface FileBacklogFigures {
  chats: number;
  photoMb: number;
  /** VmHWM of the bridge process when the last photo reached Telegram. */
  peakRssMb: number;
  /** VmRSS at the same moment. */
  rssMb: number;
  /** From the bridge's process start to the last photo in Telegram. */
  drainMs: number;
  photos: number;
  count429: number;
}

/** The start script's command with the scaled entry in place of src/main.ts. */
function scaledCommand(): string {
  const command = START_SCRIPT.replace(/\bsrc\/main\.ts\b/, "bench/scaled-bridge.ts");
  if (command === START_SCRIPT) {
    throw new Error("bench: the start script no longer runs src/main.ts; update bench/files.ts");
  }
  return command;
}

function spawnBridge(environment: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
} {
  const child = spawn("sh", ["-c", scaledCommand()], {
    cwd: ROOT,
    env: {
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      HOME: process.env.HOME ?? "",
      NODE_NO_WARNINGS: "1",
      HTTP_PORT: "0",
      // Warnings and errors only: what would explain a run that does not drain.
      LOG_LEVEL: "warn",
      ...environment,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString("utf8")).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, output: () => out };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

export async function fileBacklog(): Promise<FileBacklogFigures> {
  progress(`files: ${FILE_CHATS} chats with a ${PHOTO_BYTES / 1024 ** 2} MB photo each`);
  const telegram = fakeTelegram();
  const ozon = new FakeOzon({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY });
  retryAfterInRealSeconds(telegram);
  forgetUploads(telegram);
  await telegram.start();
  await ozon.start();
  // One stored photo that every burst message links to: the fake then holds 2 MB, not 2 GB,
  // while the bridge downloads each link on its own as it would distinct photos. It lives in a
  // support chat, which the bridge does not mirror.
  const host = ozon.addChat({ type: "SELLER_SUPPORT" });
  const photo = ozon.buyerSendsImage(host, randomBytes(PHOTO_BYTES), "jpg");
  const chats: string[] = [];
  for (let i = 0; i < FILE_CHATS; i++) {
    const chat = ozon.addChat({ orderNumber: `${30_000_000 + i}-0001-1` });
    ozon.buyerWrites(chat, `hello ${i}`);
    chats.push(chat);
  }
  const dataDir = tempDir("files");
  const compileCache = tempDir("compile-cache");
  let bridge: ReturnType<typeof spawnBridge> | undefined;
  try {
    // Setup, in-process and with no budget in the way: every chat gets its topic and first
    // message, as on a shop the bridge has been serving.
    const setup = await startBridge(
      bridgeConfig({ telegram, ozon, dataDir, pollIntervalMs: 100 }),
      captureLog("silent", () => {}),
    );
    try {
      await until(
        () =>
          telegram.callsOf("sendMessage").filter((c) => /^hello \d+$/.test(String(c.params.text)))
            .length >= FILE_CHATS,
        "the setup messages",
        120_000,
        50,
      );
    } finally {
      await setup.stop();
    }
    // A night away: every chat gets a photo while the bridge is stopped.
    for (const chat of chats) ozon.buyerWrites(chat, `![](${photo.url})`);
    // The fake counts its budget in the same compressed window as the bridge.
    await sleep(BUDGET.windowMs + 200);
    telegram.windowMs = BUDGET.windowMs;
    telegram.groupMessagesPerMinute = BUDGET.perWindow;
    const base429 = telegram.count429;
    let photos = 0;
    telegram.onCall((call) => {
      if (call.method === "sendPhoto" && call.outcome === "ok") photos++;
    });

    fillCompileCache(compileCache);
    const started = now();
    bridge = spawnBridge({
      ...env(telegram.url, ozon.url, dataDir, compileCache),
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: String(BUDGET.perWindow),
      BENCH_WINDOW_MS: String(BUDGET.windowMs),
    });
    const pid = bridge.child.pid;
    if (pid === undefined) throw new Error("bench: the bridge process did not start");
    const ticker = setInterval(
      () =>
        progress(
          `  ${photos} of ${FILE_CHATS} photos, RSS ${procStatusMb(pid, "VmRSS").toFixed(0)} MB`,
        ),
      15_000,
    );
    try {
      const current = bridge;
      await until(
        () => {
          if (current.child.exitCode !== null) {
            throw new Error(`bench: the bridge process exited: ${current.output()}`);
          }
          return photos >= FILE_CHATS;
        },
        `${FILE_CHATS} photos in Telegram`,
        DRAIN_TIMEOUT_MS,
        50,
      );
    } finally {
      clearInterval(ticker);
    }
    const drainMs = now() - started;
    return {
      chats: FILE_CHATS,
      photoMb: PHOTO_BYTES / 1024 ** 2,
      peakRssMb: procStatusMb(pid, "VmHWM"),
      rssMb: procStatusMb(pid, "VmRSS"),
      drainMs,
      photos,
      count429: telegram.count429 - base429,
    };
  } finally {
    if (bridge) await stopChild(bridge.child);
    await telegram.stop();
    await ozon.stop();
    removeDir(dataDir);
    removeDir(compileCache);
  }
}
