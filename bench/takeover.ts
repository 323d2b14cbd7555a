// Takeover between instances: two processes of npm start's command on one PostgreSQL database,
// every setting production's default (LEASE_SECONDS=15, POLL_INTERVAL_SECONDS=5), against the
// fakes of Telegram and Ozon. Round after round the holder of the staff group's lease is killed
// with SIGKILL (then, in other rounds, stopped with SIGTERM), a buyer message and a staff reply
// follow at once, and the bench times how long each takes to come through the other instance.
// A fresh standby is started after each round, so there are always two.
import { FakeOzon } from "../test/fakes/ozon.ts";
import { type BridgeProcess, startBridgeProcess } from "../test/support/bridge-process.ts";
import { Rng } from "../test/support/rng.ts";
import {
  fakeTelegram,
  now,
  OZON_CLIENT_ID,
  OZON_KEY,
  progress,
  removeDir,
  STAFF,
  tempDir,
  until,
} from "./common.ts";
import { env, fillCompileCache } from "./process.ts";

/** The defaults of src/config.ts, spelled out so that the rows can name them. */
export const LEASE_SECONDS = 15;
export const POLL_SECONDS = 5;
/** The promise: others take over within LEASE_SECONDS plus one poll interval. */
export const PROMISED_MS = (LEASE_SECONDS + POLL_SECONDS) * 1000;
const GROUP = `group:${STAFF}`;
/** Far beyond the promise: a round that takes this long is a failure, not a figure. */
const ROUND_TIMEOUT_MS = PROMISED_MS + 30_000;
const START_TIMEOUT_MS = 30_000;

export interface TakeoverFigures {
  /** Per round: the signal → the buyer message in Telegram; → the staff reply at Ozon. */
  killed: { postMs: number[]; replyMs: number[] };
  stopped: { postMs: number[]; replyMs: number[] };
  lost: { buyer: number; staff: number };
  duplicated: { buyer: number; staff: number };
}

interface Instance {
  id: string;
  process: BridgeProcess;
  port: number;
}

export async function takeover(databaseUrl: string, rounds: number): Promise<TakeoverFigures> {
  progress(`takeover: ${rounds} SIGKILLs and ${rounds} SIGTERMs of the group's holder`);
  const telegram = fakeTelegram();
  const ozon = new FakeOzon({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY });
  await telegram.start();
  await ozon.start();
  const compileCache = tempDir("compile-cache");
  fillCompileCache(compileCache);
  const dirs: string[] = [compileCache];
  const live: Instance[] = [];
  let started = 0;
  const start = async (): Promise<Instance> => {
    const dataDir = tempDir("takeover");
    dirs.push(dataDir);
    const id = `bench-${++started}`;
    const process = startBridgeProcess({
      ...env(telegram.url, ozon.url, dataDir, compileCache),
      DATABASE_URL: databaseUrl,
      INSTANCE_ID: id,
    });
    const instance = { id, process, port: 0 };
    live.push(instance);
    const listening = await process.waitForLog("http server listening", START_TIMEOUT_MS);
    await process.waitForLog("bridge started", START_TIMEOUT_MS);
    instance.port = Number(listening.port);
    return instance;
  };
  const holderOfGroup = async (asked: Instance): Promise<string | undefined> => {
    const response = await fetch(`http://127.0.0.1:${asked.port}/healthz`);
    const body = (await response.json()) as { leases: { unit: string; holder: string }[] };
    return body.leases.find((lease) => lease.unit === GROUP)?.holder;
  };

  try {
    await start();
    await start();
    const chat = ozon.addChat();
    const buyerTexts = (thread: number) =>
      telegram
        .messagesIn(STAFF, thread)
        .filter((m) => !m.service && m.params?.disable_notification !== true)
        .map((m) => m.message.text ?? "");
    const staffTexts = () =>
      ozon.sentBySeller(chat).map((sent) => (sent.kind === "text" ? sent.text : ""));
    const buyer: string[] = ["takeover-0 is my order on its way?"];
    const staff: string[] = ["takeover-0 yes, it is"];
    ozon.buyerWrites(chat, buyer[0] as string);
    const thread = await until(
      () =>
        telegram
          .messagesIn(STAFF)
          .find((m) => m.message.is_topic_message && m.message.text?.includes(chat))?.message
          .message_thread_id,
      "the chat's topic",
      ROUND_TIMEOUT_MS,
      20,
    );
    await until(() => buyerTexts(thread).length === 1, "the first buyer message", 30_000, 20);
    telegram.staffSends({ threadId: thread, text: staff[0] as string });
    await until(() => staffTexts().length === 1, "the first staff reply", 30_000, 20);

    // Kills land anywhere in the holder's renewal period (a third of a lease), as a crash does.
    const rng = new Rng(16);
    const figures: TakeoverFigures = {
      killed: { postMs: [], replyMs: [] },
      stopped: { postMs: [], replyMs: [] },
      lost: { buyer: 0, staff: 0 },
      duplicated: { buyer: 0, staff: 0 },
    };
    for (let round = 1; round <= 2 * rounds; round++) {
      const signal = round <= rounds ? "SIGKILL" : "SIGTERM";
      await new Promise((resolve) => setTimeout(resolve, rng.between(0, LEASE_SECONDS / 3) * 1000));
      const [first] = live;
      if (!first) throw new Error("bench: no instance running");
      const holderId = await holderOfGroup(first);
      const holder = live.find((i) => i.id === holderId);
      const survivor = live.find((i) => i.id !== holderId);
      if (!holder || !survivor) throw new Error(`bench: the group is held by ${holderId}`);
      const text = `takeover-${round}`;
      buyer.push(`${text} and when will it arrive?`);
      staff.push(`${text} tomorrow`);
      const at = now();
      holder.process.child.kill(signal);
      ozon.buyerWrites(chat, buyer.at(-1) as string);
      telegram.staffSends({ threadId: thread, text: staff.at(-1) as string });
      const [postAt, replyAt] = await Promise.all([
        until(
          () => buyerTexts(thread).includes(buyer.at(-1) as string) && now(),
          `round ${round}: the buyer message after ${signal}`,
          ROUND_TIMEOUT_MS,
        ),
        until(
          () => staffTexts().includes(staff.at(-1) as string) && now(),
          `round ${round}: the staff reply after ${signal}`,
          ROUND_TIMEOUT_MS,
        ),
      ]);
      await holder.process.exited;
      live.splice(live.indexOf(holder), 1);
      // The one left must hold the group now (after a SIGTERM the stopping one might otherwise
      // have posted on its way out, which would time nothing).
      const taken = survivor.process
        .logs()
        .find((l) => l.msg === "lease taken" && l.lease === GROUP);
      if ((await holderOfGroup(survivor)) !== survivor.id || !taken) {
        throw new Error(`bench: round ${round}: ${survivor.id} did not take the group over`);
      }
      if (Number(taken.time) > Math.min(postAt, replyAt) + 1) {
        throw new Error(`bench: round ${round}: delivered before ${survivor.id} took the group`);
      }
      const into = signal === "SIGKILL" ? figures.killed : figures.stopped;
      into.postMs.push(postAt - at);
      into.replyMs.push(replyAt - at);
      progress(
        `  ${signal} ${holder.id}: post ${((postAt - at) / 1000).toFixed(1)} s, reply ${((replyAt - at) / 1000).toFixed(1)} s`,
      );
      await start();
    }

    // A poll interval after the last round nothing more arrives either way.
    await new Promise((resolve) => setTimeout(resolve, (POLL_SECONDS + 1) * 1000));
    const count = (list: string[], text: string) => list.filter((t) => t === text).length;
    const posted = buyerTexts(thread);
    const replied = staffTexts();
    for (const text of buyer) {
      const n = count(posted, text);
      if (n === 0) figures.lost.buyer++;
      figures.duplicated.buyer += Math.max(0, n - 1);
    }
    for (const text of staff) {
      const n = count(replied, text);
      if (n === 0) figures.lost.staff++;
      figures.duplicated.staff += Math.max(0, n - 1);
    }
    return figures;
  } finally {
    await Promise.all(live.map((i) => i.process.stop()));
    await telegram.stop();
    await ozon.stop();
    for (const dir of dirs) removeDir(dir);
  }
}
