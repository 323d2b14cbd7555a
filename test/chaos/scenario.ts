// The crash test: the real entry point (`node src/main.ts`) against the fakes, while buyers
// write into many chats, staff answer in the topics, and the process is killed with SIGKILL at
// random moments and started again on the same DATA_DIR. Every random choice comes from one
// seeded generator, so a run that found something can be repeated from its printed seed.
//
// Wildberries has no chat list to poll: its chats come from the one event feed, where the
// bridge's own sends come back as seller events, and every request counts against WB's 10 in
// any 10 s (held back for a window after each restart).
//
// Afterwards it scores each direction per chat (count.ts): buyer messages in their topic, staff
// messages at the marketplace, and prints the counts. What a "duplicate" is differs by side:
// - buyer → Telegram: a post repeated because the process died after Telegram accepted it and
//   before the chat's cursor moved. Telegram's sendMessage has no idempotency key, so this is
//   allowed, at most once per kill.
// - staff → marketplace: a send repeated because the process died after the marketplace took it
//   and before the job recorded it. No marketplace has an idempotency key: allowed, at most
//   once per kill. A staff message sent again because Telegram re-delivered its update after a
//   kill is counted the same way here (the fault suite shows that one on its own).
// Every figure the report prints has a bound (`checks`), asserted by the tests that run it.
//
// With `twoInstances`, two bridges share one Postgres database (leases, LEASE_SECONDS=3): each
// kill hits one of them (the group's holder or the one standing by, drawn from the seed) and
// restarts it under a new INSTANCE_ID, as a replaced container would come back. After a kill of
// the holder the run measures the takeover: from the kill to the next post into the group or
// send to a marketplace, which only the other instance can make.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as pause } from "node:timers/promises";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram, type PostedMessage } from "../fakes/telegram.ts";
import { FakeWildberries } from "../fakes/wildberries.ts";
import { FakeYandex } from "../fakes/yandex.ts";
import { type BridgeProcess, startBridgeProcess } from "../support/bridge-process.ts";
import { Rng } from "../support/rng.ts";
import { leakedSecrets } from "../support/secrets.ts";
import { waitFor } from "../support/wait-for.ts";
import { wbToken } from "../support/wb-token.ts";
import { add, emptyTally, lateArrivals, score, type Tally } from "./count.ts";

const TOKEN = "123456789:AAChaos-token-7h3K9mQ2xZ";
const STAFF = -1001234567890;
const OZON_CLIENT_ID = "424242";
const OZON_KEY = "ozon-chaos-key-5e1f0a9b8c";
const YANDEX_KEY = "ACMA:yandex-chaos-key:31c4d5e6";
const BUSINESS = 7654321;
const WB_TOKEN = wbToken("chaos-seller");
/** The staff group's Telegram budget: far more than a run posts, so nothing waits for it. */
const GROUP_MESSAGES_PER_MINUTE = 100_000;
const POLL_SECONDS = 1;
/** LEASE_SECONDS of the two-instance mode: short, so takeovers fit the run. */
const LEASE_SECONDS = 3;
/**
 * The slowest takeover allowed: the lease runs out at most LEASE_SECONDS after the kill, the
 * other instance claims within a third of it and catches up within a poll interval; the rest is
 * margin for a start of work on a loaded machine.
 */
const TAKEOVER_MAX_MS = (LEASE_SECONDS + POLL_SECONDS + 3) * 1000;
/**
 * The fastest takeover possible: the killed holder renewed at most a third of the lease before
 * the kill, and Postgres keeps the lease a whole LEASE_SECONDS after the renewal. A faster one
 * means both instances worked for the group at once. Half a second of margin for the renewal's
 * round trip.
 */
const TAKEOVER_MIN_MS = ((LEASE_SECONDS * 2) / 3) * 1000 - 500;
const SECRETS = {
  TELEGRAM_BOT_TOKEN: TOKEN,
  OZON_API_KEY: OZON_KEY,
  YANDEX_API_KEY: YANDEX_KEY,
  WB_API_TOKEN: WB_TOKEN,
};
/** Marketplaces of the run, in the report's order. */
const MARKETPLACES = ["ozon", "yandex", "wildberries"] as const;
type Marketplace = (typeof MARKETPLACES)[number];
const TITLES: Record<Marketplace, string> = {
  ozon: "Ozon",
  yandex: "Yandex",
  wildberries: "Wildberries",
};

/** Texts buyers and staff write, to pass markup, emoji and RTL text through every crash. */
const PHRASES = [
  "где мой заказ?",
  "<b>срочно</b> & быстро",
  "размер *XL*, цвет `синий`",
  "спасибо 👍🏽",
  "مرحبا، هل وصل الطلب؟",
  "שלום, מתי המשלוח?",
  "курьер не пришёл 😕",
  "a_b_c & d < e > f",
];

export interface ChaosOptions {
  seed: number;
  ozonChats: number;
  yandexChats: number;
  wbChats: number;
  buyerMessages: number;
  staffMessages: number;
  kills: number;
  /** Buyer messages, staff messages and kills are spread over this long. */
  spreadMs: number;
  /** How long the last process gets to deliver what is still on its way. */
  drainMs: number;
  /** Progress lines while the run is going; silent when absent. */
  progress?: (line: string) => void;
  /** LOG_LEVEL of the bridge (default info); "debug" shows every poll cycle. */
  logLevel?: string;
  /** Keep DATA_DIR afterwards, to look into the state file (its path is printed). */
  keepDataDir?: boolean;
  /** Two instances on this Postgres database (an empty one) instead of one on SQLite. */
  twoInstances?: { databaseUrl: string };
}

export interface ChaosReport {
  options: ChaosOptions;
  durationMs: number;
  kills: number;
  /** Exits nobody asked for (a crash of the bridge itself). */
  unexpectedExits: number;
  /** How the last processes (one per instance) ended on SIGTERM. */
  finalExits: Array<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills that hit the holder of the staff group's lease (two instances). */
  holderKills: number;
  /** Per kill of the holder: ms from the kill to the next post or send (two instances). */
  takeoversMs: number[];
  buyer: Record<Marketplace, Tally>;
  staff: Record<Marketplace, Tally>;
  /** Buyer posts outside their chat's topic, staff units at another chat. */
  misplaced: number;
  /** Topics with none of the buyer messages in them (a kill during topic creation). */
  orphanTopics: number;
  /** Posts that carry several buyer messages (joined while posts queued up). */
  mergedPosts: number;
  /** Staff messages whose 👍 receipt never came. */
  missingReceipts: number;
  /** Staff texts shown back in their topic as if written in the marketplace cabinet. */
  echoLeaks: number;
  /** Labels of configured secrets found in any output or bot post. */
  secretsFound: string[];
  /** Where all output of all processes was written. */
  outputFile: string;
  /** What went wrong, unit by unit (lost, repeated, leaked), for the report's reader. */
  findings: string[];
  /** The most requests the fake Wildberries saw in any 10 s (WB allows 10), and its 429s. */
  wbPeakRequestsIn10s: number;
  wb429: number;
}

interface Chat {
  tag: string;
  marketplace: Marketplace;
  /** Marketplace chat id (Ozon: UUID; Yandex: number as string; WB: "1:<uuid>"), once created. */
  id?: string;
  thread?: number;
  /** When its first buyer message is due. */
  firstAt: number;
  buyer: string[];
  staff: string[];
}

type Event =
  | { at: number; kind: "buyer"; chat: Chat; n: number; file: boolean; phrase: string }
  | { at: number; kind: "staff"; chat: Chat; n: number; long: boolean; phrase: string }
  | { at: number; kind: "kill"; downMs: number; target: "holder" | "standby" };

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const say = options.progress ?? (() => {});
  const rng = new Rng(options.seed);
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  const ozon = new FakeOzon({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY });
  const yandex = new FakeYandex({ apiKey: YANDEX_KEY, businessId: BUSINESS });
  // A buyer's file in moderation would be asked for again after 1 s (the spec's example: 30 s).
  const wb = new FakeWildberries({ token: WB_TOKEN, retrySeconds: 1 });
  await Promise.all([telegram.start(), ozon.start(), yandex.start(), wb.start()]);
  const dataDir = mkdtempSync(join(tmpdir(), "bridge-chaos-"));
  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_STAFF_CHAT_ID: String(STAFF),
    TELEGRAM_API_ROOT: telegram.url,
    TELEGRAM_GROUP_MESSAGES_PER_MINUTE: String(GROUP_MESSAGES_PER_MINUTE),
    OZON_CLIENT_ID,
    OZON_API_KEY: OZON_KEY,
    OZON_API_URL: ozon.url,
    DATA_DIR: dataDir,
    POLL_INTERVAL_SECONDS: String(POLL_SECONDS),
    HTTP_PORT: "0",
    BOT_LANGUAGE: "en",
    LOG_LEVEL: options.logLevel ?? "info",
    ...(options.yandexChats > 0
      ? {
          YANDEX_API_KEY: YANDEX_KEY,
          YANDEX_BUSINESS_ID: String(BUSINESS),
          YANDEX_API_URL: yandex.url,
        }
      : {}),
    ...(options.wbChats > 0 ? { WB_API_TOKEN: WB_TOKEN, WB_API_URL: wb.url } : {}),
    ...(options.twoInstances
      ? { DATABASE_URL: options.twoInstances.databaseUrl, LEASE_SECONDS: String(LEASE_SECONDS) }
      : {}),
  };

  // ---- the bridge processes (one per instance), restarted after every kill and after any exit
  // of their own
  const slots = options.twoInstances ? ["a", "b"] : ["a"];
  let output = "";
  const running = new Map<string, BridgeProcess>();
  /** INSTANCE_ID of each slot's current process: the slot and its start count (a1, a2, …). */
  const instanceIds = new Map<string, string>();
  let kills = 0;
  let unexpectedExits = 0;
  let holderKills = 0;
  /** When each kill of the group's holder was done (the process gone). */
  const holderKilledAt: number[] = [];
  let stopping = false;
  const spawn = (slot: string) => {
    const id = `${slot}${Number(instanceIds.get(slot)?.slice(1) ?? 0) + 1}`;
    instanceIds.set(slot, id);
    let own = env;
    if (options.twoInstances) {
      own = { ...env, DATA_DIR: join(dataDir, id), INSTANCE_ID: id };
      mkdirSync(own.DATA_DIR as string);
    }
    const current = startBridgeProcess(own);
    running.set(slot, current);
    void current.exited.then((exit) => {
      output += `--- process ${id} ended ${JSON.stringify(exit)}\n${current.output()}`;
      if (running.get(slot) !== current || stopping) return;
      unexpectedExits++;
      say(`bridge ${id} exited on its own (${JSON.stringify(exit)}); starting it again`);
      spawn(slot);
    });
  };
  const kill = async (slot: string) => {
    const current = running.get(slot);
    if (current === undefined) return;
    running.delete(slot);
    current.child.kill("SIGKILL");
    await current.exited;
    kills++;
  };
  /** The slot whose process holds the staff group's lease, as a started instance tells it. */
  const groupHolder = async (): Promise<string | undefined> => {
    for (const process of running.values()) {
      const port = process.logs().find((line) => line.msg === "http server listening")?.port;
      if (port === undefined) continue;
      const health = (await fetch(`http://127.0.0.1:${port}/healthz`)
        .then((response) => response.json())
        .catch(() => undefined)) as { leases?: { unit: string; holder: string }[] } | undefined;
      const holder = health?.leases?.find((lease) => lease.unit === `group:${STAFF}`)?.holder;
      const slot = slots.find((s) => instanceIds.get(s) === holder && running.has(s));
      if (slot !== undefined) return slot;
    }
    return undefined;
  };
  /**
   * Two instances: waits until both run and one of them holds the group (a takeover before
   * finished), then kills the holder or the other one, as the schedule says.
   */
  const victim = async (target: "holder" | "standby"): Promise<string> => {
    if (slots.length === 1) return "a";
    const holder = await waitFor(
      async () =>
        slots.every((s) =>
          running
            .get(s)
            ?.logs()
            .some((line) => line.msg === "bridge started"),
        )
          ? await groupHolder()
          : undefined,
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        message: "both instances up and a holder of the group",
      },
    );
    if (target === "standby") return slots.find((s) => s !== holder) as string;
    holderKills++;
    return holder;
  };

  // ---- the schedule, drawn from the seed before anything runs
  const chats: Chat[] = [
    ...Array.from({ length: options.ozonChats }, (_, i) => newChat(`o${pad(i)}`, "ozon")),
    ...Array.from({ length: options.yandexChats }, (_, i) => newChat(`y${pad(i)}`, "yandex")),
    ...Array.from({ length: options.wbChats }, (_, i) => newChat(`w${pad(i)}`, "wildberries")),
  ];
  const events = schedule(rng, chats, options);

  // Each unit names its chat, so arrivals can be scored wherever they land.
  const buyerUnit = new Map<string, Chat>();
  /** When each buyer message was written, in ms since the first event. */
  const writtenAt = new Map<string, number>();
  let t0 = Date.now();
  const staffUnit = new Map<string, Chat>();
  const staffMessageIds: number[] = [];
  /** Staff messages never written because their chat never got a topic. */
  const unanswered: string[] = [];

  /** Thread of each chat: where its first buyer message appeared. */
  const findThreads = () => {
    for (const post of botPosts(telegram)) {
      for (const unit of unitsOf(post)) {
        const chat = buyerUnit.get(unit);
        if (chat && chat.thread === undefined) chat.thread = post.message.message_thread_id;
      }
    }
  };

  const write = (event: Extract<Event, { kind: "buyer" }>) => {
    const { chat, n } = event;
    const text = `${chat.tag} m${n}: ${event.phrase}`;
    if (chat.marketplace === "ozon") {
      chat.id ??= ozon.addChat();
      if (event.file) {
        const name = `${chat.tag}-m${n}.pdf`;
        ozon.buyerSendsFile(chat.id, randomBytes(512), name);
        chat.buyer.push(name);
      } else {
        ozon.buyerWrites(chat.id, text);
        chat.buyer.push(text);
      }
    } else if (chat.marketplace === "wildberries") {
      chat.id ??= wb.addChat();
      if (event.file) {
        const name = `${chat.tag}-m${n}.pdf`;
        wb.buyerSendsFile(
          chat.id,
          Buffer.concat([Buffer.from("%PDF-1.4\n"), randomBytes(512)]),
          name,
        );
        chat.buyer.push(name);
      } else {
        wb.buyerWrites(chat.id, text);
        chat.buyer.push(text);
      }
    } else {
      chat.id ??= String(yandex.addChat());
      if (event.file) {
        yandex.customerSendsFile(Number(chat.id), randomBytes(512), `${chat.tag}-m${n}.pdf`, {
          text,
        });
      } else {
        yandex.customerWrites(Number(chat.id), text);
      }
      chat.buyer.push(text);
    }
    buyerUnit.set(chat.buyer.at(-1) as string, chat);
    writtenAt.set(chat.buyer.at(-1) as string, Date.now() - t0);
  };

  const answer = async (event: Extract<Event, { kind: "staff" }>) => {
    const { chat, n } = event;
    // A topic exists only once the bridge has delivered the chat's first message.
    const thread = await waitFor(
      () => {
        findThreads();
        return chat.thread;
      },
      { timeoutMs: options.drainMs, intervalMs: 100 },
    ).catch(() => undefined);
    if (thread === undefined) {
      unanswered.push(`${chat.tag} s${n}`);
      return;
    }
    const head = `${chat.tag} s${n}`;
    const units = event.long
      ? [1, 2].map((part) =>
          `${head} part ${part}/2: ${event.phrase} ${"слово ".repeat(110)}`.trim(),
        )
      : [`${head}: ${event.phrase}`];
    const message = telegram.staffSends({ threadId: thread, text: units.join("\n\n") });
    staffMessageIds.push(message.message_id);
    for (const unit of units) {
      chat.staff.push(unit);
      staffUnit.set(unit, chat);
    }
  };

  try {
    for (const slot of slots) spawn(slot);
    // A first start on an empty shop, then the chats appear: every chat is a new chat.
    await waitFor(
      () =>
        ozon.countByPath("/v3/chat/list") >= 2 &&
        (options.wbChats === 0 || wb.countByOperation("getV1SellerEvents") >= 2),
      {
        timeoutMs: 30_000,
        message: "the first poll cycles",
      },
    );
    say(`seed ${options.seed}: ${events.length} events over ${options.spreadMs} ms`);

    t0 = Date.now();
    const answers: Promise<void>[] = [];
    for (const event of events) {
      // The load's own pace, not a wait for the bridge: events happen when they are due.
      const due = t0 + event.at - Date.now();
      if (due > 0) await pause(due);
      if (event.kind === "buyer") write(event);
      else if (event.kind === "staff") answers.push(answer(event));
      else {
        const slot = await victim(event.target);
        const holder = slots.length > 1 && event.target === "holder";
        const id = instanceIds.get(slot);
        await kill(slot);
        if (holder) holderKilledAt.push(Date.now());
        say(
          `kill ${kills} at ${((Date.now() - t0) / 1000).toFixed(1)} s, ${new Date().toISOString()}` +
            (slots.length > 1 ? ` (${id}, ${holder ? "the group's holder" : "standing by"})` : ""),
        );
        await pause(event.downMs);
        spawn(slot);
      }
    }
    await Promise.all(answers);
    say("all events done; waiting for the last deliveries");

    const delivered = () => {
      findThreads();
      const arrived = new Set(botPosts(telegram).flatMap(unitsOf));
      const sent = new Set(marketplaceTexts(ozon, yandex, wb, chats).flatMap(([, texts]) => texts));
      return (
        [...buyerUnit.keys()].every((unit) => arrived.has(unit)) &&
        [...staffUnit.keys()].every((unit) => sent.has(unit))
      );
    };
    await waitFor(delivered, { timeoutMs: options.drainMs, intervalMs: 250 }).catch(() =>
      say("some messages did not arrive in time"),
    );
    // Late repeats would come with the next polls; updates must all be confirmed.
    const lists = ozon.countByPath("/v3/chat/list");
    const yandexLists = yandex.countByOperation("getChats");
    const feedReads = wb.countByOperation("getV1SellerEvents");
    await waitFor(
      () =>
        ozon.countByPath("/v3/chat/list") >= lists + 3 &&
        (options.yandexChats === 0 || yandex.countByOperation("getChats") >= yandexLists + 3) &&
        (options.wbChats === 0 || wb.countByOperation("getV1SellerEvents") >= feedReads + 3) &&
        telegram.pendingUpdates.length === 0,
      { timeoutMs: 30_000, message: "three more poll cycles" },
    ).catch(() => say("the bridge did not settle"));
  } finally {
    stopping = true;
  }

  // Their output joins the rest when they exit (see spawn).
  const finalExits = await Promise.all([...running.values()].map((last) => last.stop("SIGTERM")));
  await Promise.all([telegram.stop(), ozon.stop(), yandex.stop(), wb.stop()]);
  if (options.keepDataDir) say(`state kept in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });

  // ---- scoring
  findThreads();
  const posts = botPosts(telegram);
  const findings: string[] = unanswered.map((m) => `staff message not written (no topic): ${m}`);
  const note = (what: string, units: string[]) => {
    for (const unit of units) findings.push(`${what}: ${unit.slice(0, 120)}`);
  };
  let misplaced = 0;
  const buyer = tallies();
  for (const chat of chats) {
    const mine = posts.flatMap((post) =>
      unitsOf(post)
        .filter((unit) => buyerUnit.get(unit) === chat)
        .map((unit) => ({ unit, thread: post.message.message_thread_id })),
    );
    misplaced += mine.filter((arrival) => arrival.thread !== chat.thread).length;
    const arrived = mine.map((arrival) => arrival.unit);
    const tally = score(chat.buyer, arrived);
    buyer[chat.marketplace] = add(buyer[chat.marketplace], tally);
    // With when it was written, and when the chat's message before it was.
    const at = (unit: string | undefined) =>
      `${((writtenAt.get(unit ?? "") ?? 0) / 1000).toFixed(2)} s`;
    note(
      "buyer message lost",
      chat.buyer.flatMap((unit, i) =>
        arrived.includes(unit)
          ? []
          : [`${unit} (written at ${at(unit)}, the one before at ${at(chat.buyer[i - 1])})`],
      ),
    );
    note("buyer message repeated", repeats(arrived));
    note("buyer message out of order", outOfOrder(chat.buyer, arrived));
  }
  const staff = tallies();
  for (const [chat, texts] of marketplaceTexts(ozon, yandex, wb, chats)) {
    const units = texts.filter((text) => staffUnit.has(text));
    misplaced += units.filter((unit) => staffUnit.get(unit) !== chat).length;
    const own = units.filter((unit) => staffUnit.get(unit) === chat);
    const tally = score(chat.staff, own);
    staff[chat.marketplace] = add(staff[chat.marketplace], tally);
    note(
      "staff message lost",
      chat.staff.filter((unit) => !own.includes(unit)),
    );
    note("staff message repeated", repeats(own));
    note("staff message out of order", outOfOrder(chat.staff, own));
  }
  const mergedPosts = posts.filter(
    (post) => unitsOf(post).filter((unit) => buyerUnit.has(unit)).length > 1,
  ).length;
  const usedThreads = new Set(chats.map((chat) => chat.thread));
  const orphanTopics = telegram.topics(STAFF).filter((t) => !usedThreads.has(t.id)).length;
  const reacted = new Set(
    telegram.reactions
      .filter((r) => r.reaction.some((type) => type.type === "emoji" && type.emoji === "👍"))
      .map((r) => r.messageId),
  );
  const unreceipted = staffMessageIds.filter((id) => !reacted.has(id));
  note(
    "staff message without 👍",
    unreceipted.map((id) => {
      const message = telegram.message(STAFF, id);
      const calls = telegram
        .callsOf("setMessageReaction")
        .filter((call) => Number(call.params.message_id) === id)
        .map((call) => `${call.outcome} ${JSON.stringify(call.params.reaction)}`);
      const at = ((message?.date ?? 0) * 1000 - t0) / 1000;
      const topic = telegram.topic(message?.message_thread_id ?? 0)?.name.slice(0, 2);
      return `${(message?.text ?? String(id)).slice(0, 40)} (written at ${at.toFixed(1)} s; reactions: ${calls.join(", ") || "none"}; topic now ${topic})`;
    }),
  );
  const missingReceipts = unreceipted.length;
  const leaks = telegram
    .messagesIn(STAFF)
    .filter((m) => !m.service && [...staffUnit.keys()].some((u) => m.message.text?.includes(u)));
  note(
    "staff message shown back in its topic",
    leaks.map((m) => m.message.text ?? ""),
  );
  const echoLeaks = leaks.length;
  // The first post into the group or send to a marketplace after each kill of the holder.
  const work = [
    ...telegram.calls
      .filter(
        (call) =>
          call.outcome === "ok" &&
          /^(send|createForumTopic)/.test(call.method) &&
          String(call.params.chat_id) === String(STAFF),
      )
      .map((call) => call.time),
    ...ozon.requests.filter((r) => r.path.startsWith("/v1/chat/send/")).map((r) => +r.at),
    ...yandex.requests
      .filter((r) => r.operationId === "sendMessageToChat" || r.operationId === "sendFileToChat")
      .map((r) => +r.at),
    ...wb.requests.filter((r) => r.method === "postV1SellerMessage").map((r) => +r.at),
  ].sort((a, b) => a - b);
  const takeoversMs = holderKilledAt.flatMap((killed) => {
    const next = work.find((at) => at > killed);
    return next === undefined ? [] : [next - killed];
  });
  const wbPeak = wb.maxRequestsIn10s();
  if (wbPeak > 10) {
    // The busiest 10 s, with clock times to find in the output's log lines.
    const requests = wb.requests
      .filter((r) => r.key !== undefined && r.key !== "ping" && r.key !== "basket")
      .sort((a, b) => +a.at - +b.at);
    const first = requests.findIndex((r, i) => {
      const eleventh = requests[i + 10];
      return eleventh !== undefined && +eleventh.at - +r.at < 10_000;
    });
    note(
      "WB request in the busiest 10 s",
      requests.slice(first, first + wbPeak).map((r) => `${r.at.toISOString()} ${r.key}`),
    );
  }
  const outputFile = join(tmpdir(), `bridge-chaos-${options.seed}.log`);
  writeFileSync(outputFile, output);
  const botText = telegram
    .messagesIn(STAFF)
    .map((m) => `${m.message.text ?? ""} ${m.message.caption ?? ""}`)
    .join("\n");

  return {
    options,
    durationMs: Date.now() - started,
    kills,
    unexpectedExits,
    finalExits,
    holderKills,
    takeoversMs,
    buyer,
    staff,
    misplaced,
    orphanTopics,
    mergedPosts,
    missingReceipts,
    echoLeaks,
    secretsFound: leakedSecrets(`${output}\n${botText}`, SECRETS),
    outputFile,
    findings,
    wbPeakRequestsIn10s: wbPeak,
    wb429: wb.count429,
  };
}

/** A figure of the report and the bounds it must stay within. */
export interface Check {
  name: string;
  value: number;
  min: number;
  max: number;
  /** Why the bound is what it is (printed beside it). */
  why?: string;
}

/**
 * Every figure the report prints, with its bound. The tests assert these (failedChecks), so no
 * figure is printed without being judged. A bound of "one per kill" is for a harm done only by a
 * kill that lands between a receiving side taking something and the bridge recording it. That
 * step lasts milliseconds; chats run side by side, so two chats inside it at the very moment of
 * a kill are possible but rare enough that more than one per kill means something is wrong.
 */
export function checks(report: ChaosReport): Check[] {
  const { kills } = report;
  const buyerSides = MARKETPLACES.map((m) => report.buyer[m]);
  const staffSides = MARKETPLACES.map((m) => report.staff[m]);
  const sides = [...buyerSides, ...staffSides];
  const total = (tally: keyof Tally, of: Tally[] = sides) =>
    of.reduce((sum, side) => sum + side[tally], 0);
  const exactly = (name: string, value: number, expected: number, why?: string): Check => ({
    name,
    value,
    min: expected,
    max: expected,
    ...(why ? { why } : {}),
  });
  const perKill = (name: string, value: number, why: string): Check => ({
    name,
    value,
    min: 0,
    max: kills,
    why: `one per kill: ${why}`,
  });
  return [
    exactly("kills (SIGKILL)", kills, report.options.kills),
    exactly("lost", total("lost"), 0),
    exactly("out of order", total("orderViolations"), 0),
    exactly(
      "misplaced",
      report.misplaced,
      0,
      "a buyer post in another topic, a staff text at another chat",
    ),
    perKill(
      "buyer → topic repeated",
      total("duplicates", buyerSides),
      "posted, then killed before the chat's cursor moved (Telegram has no idempotency key)",
    ),
    perKill(
      "staff → marketplace repeated",
      total("duplicates", staffSides),
      "sent, then killed before the job recorded it (no idempotency key at any marketplace)",
    ),
    exactly(
      "echo leaks",
      report.echoLeaks,
      0,
      "our own message is never shown as if from the cabinet",
    ),
    perKill(
      "orphan topics",
      report.orphanTopics,
      "Telegram created the topic, then killed before the store recorded it",
    ),
    perKill(
      "missing 👍 receipts",
      report.missingReceipts,
      "the job recorded as done, then killed before the reaction was set",
    ),
    exactly(
      "merged posts",
      report.mergedPosts,
      0,
      `texts are joined only while the group's budget is used up (${GROUP_MESSAGES_PER_MINUTE} a minute here)`,
    ),
    exactly("unexpected exits", report.unexpectedExits, 0),
    {
      name: "WB requests in any 10 s (peak)",
      value: report.wbPeakRequestsIn10s,
      min: 0,
      max: 10,
      why: "Wildberries' limit, across restarts too",
    },
    exactly("WB 429 answers", report.wb429, 0, "the bridge keeps to WB's limit by itself"),
    exactly(
      "final exit on SIGTERM",
      report.finalExits.filter((exit) => exit.code !== 0 || exit.signal !== null).length,
      0,
      `processes that did not exit with code 0: ${JSON.stringify(report.finalExits)}`,
    ),
    exactly("secrets in output or posts", report.secretsFound.length, 0),
    ...(report.options.twoInstances ? takeoverChecks(report) : []),
  ];
}

/** Two instances: the kills of the group's holder and how fast the other one took over. */
function takeoverChecks(report: ChaosReport): Check[] {
  const { holderKills, takeoversMs } = report;
  return [
    {
      name: "kills of the group's holder",
      value: holderKills,
      min: Math.ceil(report.options.kills / 2),
      max: Math.ceil(report.options.kills / 2),
      why: "half of the kills, drawn from the seed; the others hit the instance standing by",
    },
    {
      name: "takeovers measured",
      value: takeoversMs.length,
      min: holderKills,
      max: holderKills,
      why: "a post or send after every kill of the holder",
    },
    {
      name: "takeover, slowest (ms)",
      value: Math.max(0, ...takeoversMs),
      min: 0,
      max: TAKEOVER_MAX_MS,
      why: `kill of the holder → next post or send: LEASE_SECONDS (${LEASE_SECONDS}) + a poll (${POLL_SECONDS} s) + 3 s; all: ${takeoversMs.join(", ")}`,
    },
    {
      name: "takeover, fastest (ms)",
      value: takeoversMs.length === 0 ? TAKEOVER_MIN_MS : Math.min(...takeoversMs),
      min: TAKEOVER_MIN_MS,
      max: Number.POSITIVE_INFINITY,
      why: "not before the killed holder's lease ran out (else both worked for the group at once)",
    },
  ];
}

/** The checks a run failed, one line each (empty when it passed). */
export function failedChecks(report: ChaosReport): string[] {
  return checks(report)
    .filter((check) => check.value < check.min || check.value > check.max)
    .map((check) => `${check.name}: ${check.value}, bound ${bound(check)}`);
}

function bound(check: Check): string {
  if (check.min === check.max) return `= ${check.max}`;
  return check.max === Number.POSITIVE_INFINITY ? `≥ ${check.min}` : `≤ ${check.max}`;
}

/** The table a run prints, then every check with its bound. */
export function formatReport(report: ChaosReport): string {
  const o = report.options;
  const sides: Array<[string, Tally]> = [
    ...MARKETPLACES.map((m): [string, Tally] => [`buyer → topic (${TITLES[m]})`, report.buyer[m]]),
    ...MARKETPLACES.map((m): [string, Tally] => [`staff → ${TITLES[m]}`, report.staff[m]]),
  ];
  const rows: Array<[string, Tally]> = [
    ...sides,
    ["total", sides.map(([, tally]) => tally).reduce(add)],
  ];
  const line = (cells: Array<string | number>) =>
    cells
      .map((cell, i) => (i === 0 ? String(cell).padEnd(28) : String(cell).padStart(10)))
      .join(" ");
  const checkLine = (check: Check) => {
    const ok = check.value >= check.min && check.value <= check.max;
    return [
      `  ${check.name.padEnd(30)}${String(check.value).padStart(5)}  ${bound(check).padEnd(6)}`,
      ok ? "ok  " : "FAIL",
      check.why ?? "",
    ]
      .join(" ")
      .trimEnd();
  };
  return [
    `chaos run, seed ${o.seed}: ${o.buyerMessages} buyer messages over ${o.ozonChats + o.yandexChats + o.wbChats} chats ` +
      `(${o.ozonChats} Ozon, ${o.yandexChats} Yandex, ${o.wbChats} Wildberries), ${o.staffMessages} staff messages, ` +
      `${report.kills} kills${o.twoInstances ? ` of one of two instances on Postgres (LEASE_SECONDS=${LEASE_SECONDS})` : ""}, ` +
      `${(report.durationMs / 1000).toFixed(1)} s`,
    line(["", "expected", "lost", "duplicates", "order"]),
    ...rows.map(([name, t]) => line([name, t.expected, t.lost, t.duplicates, t.orderViolations])),
    "checks (figure, bound, verdict, why):",
    ...checks(report).map(checkLine),
    ...(report.secretsFound.length > 0 ? [`secrets found: ${report.secretsFound.join(", ")}`] : []),
    `all output: ${report.outputFile}`,
    ...report.findings.map((finding) => `  ${finding}`),
  ].join("\n");
}

function tallies(): Record<Marketplace, Tally> {
  return { ozon: emptyTally(), yandex: emptyTally(), wildberries: emptyTally() };
}

function newChat(tag: string, marketplace: Marketplace): Chat {
  return { tag, marketplace, firstAt: 0, buyer: [], staff: [] };
}

function pad(i: number): string {
  return String(i).padStart(2, "0");
}

/** Buyer messages, staff messages and kills, with their times and contents. */
function schedule(rng: Rng, chats: Chat[], o: ChaosOptions): Event[] {
  // Every chat gets its share of the buyer messages, in a random interleaving.
  const owners = Array.from({ length: o.buyerMessages }, (_, i) => chats[i % chats.length] as Chat);
  rng.shuffle(owners);
  const buyerTimes = sortedTimes(rng, o.buyerMessages, 0, o.spreadMs);
  const count = new Map<Chat, number>();
  const events: Event[] = owners.map((chat, i) => {
    const n = (count.get(chat) ?? 0) + 1;
    count.set(chat, n);
    const at = buyerTimes[i] as number;
    if (n === 1) chat.firstAt = at;
    return { at, kind: "buyer", chat, n, file: rng.next() < 0.05, phrase: rng.pick(PHRASES) };
  });
  // Staff answer chats whose first message is a little older than the answer.
  const staffTimes = sortedTimes(rng, o.staffMessages, o.spreadMs * 0.1, o.spreadMs);
  const staffCount = new Map<Chat, number>();
  for (const at of staffTimes) {
    const open = chats.filter((chat) => chat.firstAt < at - 2000);
    const chat = open.length > 0 ? rng.pick(open) : (chats[0] as Chat);
    const n = (staffCount.get(chat) ?? 0) + 1;
    staffCount.set(chat, n);
    // Every eighth answer to an Ozon or WB buyer is longer than their 1 000 characters: two parts.
    const long = chat.marketplace !== "yandex" && rng.next() < 1 / 8;
    events.push({ at, kind: "staff", chat, n, long, phrase: rng.pick(PHRASES) });
  }
  // Kills at random moments, at least two seconds apart, so each process gets to work.
  const killTimes = o.twoInstances
    ? spacedKillTimes(rng, o)
    : sortedTimes(rng, o.kills, 2000, o.spreadMs);
  if (!o.twoInstances) {
    for (let i = 1; i < killTimes.length; i++) {
      killTimes[i] = Math.max(killTimes[i] as number, (killTimes[i - 1] as number) + 2000);
    }
  }
  const downs = killTimes.map(() => rng.int(500));
  // Which instance each kill hits: half the holder, half the one standing by, in random order.
  const targets = killTimes.map((_, i): "holder" | "standby" =>
    i < Math.ceil(o.kills / 2) ? "holder" : "standby",
  );
  if (o.twoInstances) rng.shuffle(targets);
  for (const [i, at] of killTimes.entries()) {
    events.push({ at, kind: "kill", downMs: downs[i] ?? 0, target: targets[i] ?? "holder" });
  }
  return events.sort((a, b) => a.at - b.at);
}

/**
 * Kill times of the two-instance run: at least a lease and a poll apart, so that a takeover
 * finishes before the next kill, and all within the first 85 % of the spread, so that buyers
 * still write after the last one (its takeover is measured by the next post).
 */
function spacedKillTimes(rng: Rng, o: ChaosOptions): number[] {
  const gap = (LEASE_SECONDS + POLL_SECONDS) * 1000;
  const slack = o.spreadMs * 0.85 - 2000 - gap * (o.kills - 1);
  if (slack < 0) throw new Error(`${o.kills} kills ${gap} ms apart do not fit the spread`);
  return sortedTimes(rng, o.kills, 0, slack).map((at, i) => 2000 + at + gap * i);
}

/** Units that arrived after a newer one of their chat, each naming that one. */
function outOfOrder(expected: string[], arrived: string[]): string[] {
  return lateArrivals(expected, arrived).map(({ unit, after }) => `${unit} (after ${after})`);
}

/** Units that arrived more than once, one entry per extra copy. */
function repeats(units: string[]): string[] {
  const seen = new Set<string>();
  return units.filter((unit) => seen.has(unit) || !seen.add(unit));
}

function sortedTimes(rng: Rng, n: number, from: number, to: number): number[] {
  return Array.from({ length: n }, () => Math.round(rng.between(from, to))).sort((a, b) => a - b);
}

/** The bot's posts in the staff group, oldest first, without service messages. */
function botPosts(telegram: FakeTelegram): PostedMessage[] {
  return telegram.messagesIn(STAFF).filter((m) => !m.service && !m.deleted);
}

/**
 * The buyer messages a post shows: its text, its caption or a document's file name. While posts
 * queue up, the bridge joins a chat's waiting text messages into one post, separated by a blank
 * line (Inbound.mergeBacklog); the buyer texts here have none of their own.
 */
function unitsOf(post: PostedMessage): string[] {
  const { text, caption, document } = post.message;
  if (text !== undefined) return text.split("\n\n");
  return [caption ?? document?.file_name ?? ""];
}

/** Staff texts that reached each chat at its marketplace, oldest first. */
function marketplaceTexts(
  ozon: FakeOzon,
  yandex: FakeYandex,
  wb: FakeWildberries,
  chats: Chat[],
): Array<[Chat, string[]]> {
  return chats
    .filter((chat) => chat.id !== undefined)
    .map((chat): [Chat, string[]] => {
      const id = chat.id as string;
      if (chat.marketplace === "wildberries") {
        return [chat, wb.sentBySeller(id).flatMap((s) => (s.text === undefined ? [] : [s.text]))];
      }
      const sent =
        chat.marketplace === "ozon" ? ozon.sentBySeller(id) : yandex.sentByPartner(Number(id));
      return [chat, sent.flatMap((s) => (s.kind === "text" ? [s.text] : []))];
    });
}
