// `npm run bench`: measures the current code against the fakes (loopback only) and prints one
// table; a full run also writes it to BENCHMARKS.md with the machine and how to reproduce each
// figure. `npm run bench -- idle backlog` runs only those parts and writes nothing; so do
// --chats, --shops and --messages, which change the sizes.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { startPostgres } from "../test/support/postgres-server.ts";
import { type BacklogFigures, BUDGET, backlogBridge, backlogNaive } from "./backlog.ts";
import { median, percentile, progress } from "./common.ts";
import { demoRuns } from "./demo.ts";
import { type FileBacklogFigures, fileBacklog } from "./files.ts";
import { type IdleFigures, idleRun, VIRTUAL_CYCLE_MS } from "./idle.ts";
import { freshDatabase, overheadPoll, overheadPushAndStaff } from "./latency.ts";
import {
  type ColdStartFigures,
  coldStart,
  type MemoryFigures,
  memory,
  RESTART_CYCLES,
} from "./process.ts";
import { METHOD } from "./report.ts";
import { CHATS_PER_SHOP, SHOPS, type ShopsFigures, shops } from "./shops.ts";
import {
  LEASE_SECONDS,
  POLL_SECONDS,
  PROMISED_MS,
  type TakeoverFigures,
  takeover,
} from "./takeover.ts";
import {
  BURST_CHATS,
  WB_LIMIT_PER_10S,
  type WbBurstFigures,
  type WbIdleFigures,
  wbBurst,
  wbIdleRun,
} from "./wildberries.ts";

const PARTS = [
  "idle",
  "wb",
  "shops",
  "overhead",
  "overhead-pg",
  "takeover",
  "backlog",
  "files",
  "memory",
  "cold",
  "demo",
] as const;
type Part = (typeof PARTS)[number];
const CHAT_COUNTS = [100, 2000, 10_000];
const OVERHEAD_MESSAGES = 1000;
const POLL = "buyer → Telegram, poll (list answer → sendMessage)";
const PUSH = "buyer → Telegram, push (POST → sendMessage)";
const STAFF_SEND = "staff → marketplace (getUpdates answer → Ozon send)";
const MEMORY_CHATS = 10_000;
const COLD_RUNS = 5;
const DEMO_RUNS = 3;
const TAKEOVER_ROUNDS = 5;
/**
 * The whole run must stay under 20 minutes (the shops part's first start of 400 000 chats takes
 * minutes by itself); a part that would start later is skipped.
 */
const LIMIT_MINUTES = 20;
const BUDGET_MS = (LIMIT_MINUTES - 0.5) * 60_000;

interface Row {
  figure: string;
  bridge: string;
  naive: string;
  ratio: string;
  goal: string;
  status: string;
}

const rows: Row[] = [];
const skipped: string[] = [];
const startedAt = Date.now();
/** Others may commit while the bench runs; the file says so when the code moved under it. */
const headAtStart = git(["rev-parse", "--short", "HEAD"]);
const srcDirtyAtStart = git(["status", "--porcelain", "--", "src"]) !== "";
/** Timings mean little on a loaded machine; the file records how loaded it was. */
const loadAtStart = loadavg()[0] ?? 0;

function row(figure: string, bridge: string, goal = "", status = "", naive = "", ratio = ""): void {
  rows.push({
    figure,
    bridge,
    naive: naive || "—",
    ratio: ratio || "—",
    goal: goal || "—",
    status: status || "—",
  });
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);
const ms = (value: number) => `${value.toFixed(1)} ms`;
const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;
const mb = (value: number) => `${value.toFixed(0)} MB`;
const pct = (value: number) =>
  Number.isNaN(value) ? "n/a (one window)" : `${(value * 100).toFixed(1)} %`;
const ratioOf = (a: number, b: number) => (b === 0 ? "—" : `${(a / b).toPrecision(2)}×`);
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");

function idleRows(results: IdleFigures[]): void {
  const hours = (cycles: number) => `${((cycles * VIRTUAL_CYCLE_MS) / 3_600_000).toPrecision(2)} h`;
  for (const r of results) {
    const where = `${r.marketplace === "ozon" ? "Ozon" : "Yandex"}, ${r.chats.toLocaleString("en")} chats`;
    const atGoalSize = r.chats >= 10_000;
    const naive = fixed(r.naive.perCycle, 0);
    const p = r.period;
    if (p) {
      row(
        `Idle API calls / cycle, ${where}: one sweep period (cycles ${p.first}–${p.first + p.cycles - 1} = ${hours(p.cycles)} at 5 s; the sweep: ${p.sweepPages} pages)`,
        fixed(p.perCycle),
        atGoalSize ? "≤ 1" : "",
        atGoalSize ? verdict(p.perCycle <= 1) : "",
        naive,
        ratioOf(p.perCycle, r.naive.perCycle),
      );
    } else {
      row(
        `Idle API calls / cycle, ${where}: no second full sweep within the run`,
        "—",
        "",
        "",
        naive,
      );
    }
    const h = r.hour;
    row(
      `… first hour at 5 s (cycles 2–${h.cycles + 1}: ${h.sweepPages} sweep pages, ${h.skipped} cycles skipped by the hourly budget)`,
      fixed(h.perCycle),
      atGoalSize ? "no skipped cycles" : "",
      atGoalSize ? verdict(h.skipped === 0) : "",
      naive,
      ratioOf(h.perCycle, r.naive.perCycle),
    );
    if (atGoalSize) {
      row(
        `First start, ${where}: API calls (time)`,
        `${r.firstStart.calls} (${seconds(r.firstStart.ms)})`,
        "",
        "",
        naive,
        ratioOf(r.firstStart.calls, r.naive.perCycle),
      );
    }
    if (r.throttled > 0 || r.warnings > 0) {
      row(
        `… ${where}: 420/429 answers, warnings while idle`,
        `${r.throttled}, ${r.warnings}`,
        "0",
        verdict(false),
      );
    }
  }
}

function wbIdleRows(results: WbIdleFigures[]): void {
  const size = (bytes: number) =>
    bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0)} KB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  for (const r of results) {
    const where = `Wildberries, ${r.chats.toLocaleString("en")} chats`;
    const atGoalSize = r.chats >= 10_000;
    const h = r.hour;
    row(
      `Idle API calls / cycle, ${where}: the hour after the first start (${h.cycles} cycles at 5 s)`,
      fixed(h.perCycle),
      atGoalSize ? "≤ 1" : "",
      atGoalSize ? verdict(h.perCycle <= 1) : "",
      String(r.naive.calls),
      ratioOf(h.perCycle, r.naive.calls),
    );
    row(
      "… bytes of the answers / cycle",
      size(h.bytesPerCycle),
      "",
      "",
      size(r.naive.bytes),
      ratioOf(h.bytesPerCycle, r.naive.bytes),
    );
    row(
      `… peak requests in any 10 s of that hour (WB allows ${WB_LIMIT_PER_10S})`,
      String(r.peakIn10s),
      `≤ ${WB_LIMIT_PER_10S}`,
      verdict(r.peakIn10s <= WB_LIMIT_PER_10S),
    );
    if (atGoalSize) {
      // At WB's 10 in any 10 s, n requests take at least (⌈n / 10⌉ − 1) × 10 s.
      const floor = (calls: number) => `${((Math.ceil(calls / 10) - 1) / 6).toFixed(1)} min`;
      row(
        `First start, ${where}: API calls over ${r.firstStart.cycles} cycles (at least this long at WB's limit; naive: each cycle)`,
        `${r.firstStart.calls} (${floor(r.firstStart.calls)})`,
        "",
        "",
        `${r.naive.calls} (${floor(r.naive.calls)})`,
        ratioOf(r.firstStart.calls, r.naive.calls),
      );
    }
    if (r.throttled > 0 || r.warnings > 0) {
      row(
        `… ${where}: 429 answers, warnings`,
        `${r.throttled}, ${r.warnings}`,
        "0",
        verdict(false),
      );
    }
  }
}

function wbBurstRows(b: WbBurstFigures): void {
  const calls = (path: string) => b.callsByPath[`GET /api/v1/seller/${path}`] ?? 0;
  row(
    `Wildberries burst: ${b.chats} new chats with a buyer's text and photo each, polled every 5 s: peak requests in any 10 s`,
    String(b.peakIn10s),
    `≤ ${WB_LIMIT_PER_10S}`,
    verdict(b.peakIn10s <= WB_LIMIT_PER_10S),
  );
  row(
    "… burst written → last photo in Telegram; requests (events / chats / downloads) from the bridge's start",
    `${seconds(b.drainMs)}; ${calls("events")} / ${calls("chats")} / ${calls("download/{id}")}`,
  );
  row(
    "… 429 answers, warnings",
    `${b.throttled}, ${b.warnings}`,
    "0",
    verdict(b.throttled === 0 && b.warnings === 0),
  );
}

function backlogRows(bridge: BacklogFigures, naive: BacklogFigures): void {
  const budget = `${BUDGET.perWindow} posts / ${BUDGET.windowMs / 1000} s`;
  row(
    `Backlog ${bridge.buyerMessages} msgs / ${bridge.chats} chats: group budget used while backlogged (${budget})`,
    pct(bridge.budgetUsed),
    "≥ 95 %",
    verdict(bridge.budgetUsed >= 0.95),
    pct(naive.budgetUsed),
    ratioOf(bridge.budgetUsed, naive.budgetUsed),
  );
  row(
    "Backlog: 429 answers",
    String(bridge.count429),
    "0",
    verdict(bridge.count429 === 0),
    String(naive.count429),
    ratioOf(bridge.count429, naive.count429),
  );
  row(
    "Backlog: Telegram messages per buyer message",
    fixed(bridge.postsPerBuyerMessage),
    "",
    "",
    fixed(naive.postsPerBuyerMessage),
    ratioOf(bridge.postsPerBuyerMessage, naive.postsPerBuyerMessage),
  );
  row(
    "Backlog: Telegram messages per chat in the burst",
    fixed(bridge.postsPerChat, 1),
    "≤ 1",
    verdict(bridge.postsPerChat <= 1),
    fixed(naive.postsPerChat, 1),
    ratioOf(bridge.postsPerChat, naive.postsPerChat),
  );
  row(
    "Backlog: burst written → last message in Telegram",
    seconds(bridge.drainMs),
    "",
    "",
    seconds(naive.drainMs),
    ratioOf(bridge.drainMs, naive.drainMs),
  );
  row(
    "Backlog: longest wait of a chat for its first message",
    seconds(bridge.slowestFirstMs),
    "",
    "",
    seconds(naive.slowestFirstMs),
    ratioOf(bridge.slowestFirstMs, naive.slowestFirstMs),
  );
  row(
    "Backlog: messages of one chat out of order",
    String(bridge.outOfOrder),
    "0",
    verdict(bridge.outOfOrder === 0),
    String(naive.outOfOrder),
  );
}

function fileRows(f: FileBacklogFigures): void {
  const budget = `${BUDGET.perWindow} posts / ${BUDGET.windowMs / 1000} s`;
  row(
    `Backlog of ${f.chats.toLocaleString("en")} changed chats with a ${f.photoMb} MB photo each, drained at ${budget}: peak RSS of the bridge process (RSS at the end)`,
    `${mb(f.peakRssMb)} (${mb(f.rssMb)})`,
    "< 200 MB",
    verdict(f.peakRssMb < 200),
  );
  row(
    `… restart → last photo in Telegram (${f.photos} photos); 429 answers`,
    `${seconds(f.drainMs)}; ${f.count429}`,
  );
}

function overheadRows(name: string, store: string, samples: number[]): void {
  const p99 = percentile(samples, 99);
  row(
    `Overhead ${name}, ${store}, p50 / p99 / max (${samples.length} msgs)`,
    `${ms(percentile(samples, 50))} / ${ms(p99)} / ${ms(Math.max(...samples))}`,
    "p99 < 50 ms",
    verdict(p99 < 50),
  );
}

function shopsRows(f: ShopsFigures): void {
  const delay = (d: ShopsFigures["idle"]["loop"]) =>
    `${ms(d.p50Ms)} / ${ms(d.p99Ms)} / ${ms(d.maxMs)}`;
  const ozonShops = Math.ceil(f.shops / 2);
  const { ozon, yandex } = f.idle;
  const perCycle = (m: { calls: number; cycles: number }) =>
    m.cycles === 0 ? Number.NaN : m.calls / m.cycles;
  const worst = Math.max(perCycle(ozon), perCycle(yandex));
  row(
    `One process, ${f.shops} shops (${ozonShops} Ozon, ${f.shops - ozonShops} Yandex) of ${f.chatsPerShop.toLocaleString("en")} answered chats each, one staff group: API calls / idle cycle / shop, Ozon / Yandex (${ozon.cycles} / ${yandex.cycles} shop cycles in ${seconds(f.idle.ms)} at 5 s)`,
    `${fixed(perCycle(ozon))} / ${fixed(perCycle(yandex))}`,
    "≤ 1",
    verdict(worst <= 1),
  );
  row(
    "… RSS of the bridge process after that window (peak, reached during the first start)",
    `${mb(f.idle.rssMb)} (${mb(f.peakRssMb)})`,
  );
  row("… event-loop delay while idle, p50 / p99 / max", delay(f.idle.loop));
  row(
    `… first start of all ${f.shops} shops (${(f.shops * f.chatsPerShop).toLocaleString("en")} chats listed and recorded): time; event-loop delay p50 / p99 / max during it`,
    `${seconds(f.firstStart.ms)}; ${delay(f.firstStart.loop)}`,
  );
  row(
    "… 420 answers, warnings, Telegram calls other than getUpdates while idle",
    `${f.throttled}, ${f.warnings}, ${f.idle.telegramCalls}`,
    "0",
    verdict(f.throttled === 0 && f.warnings === 0 && f.idle.telegramCalls === 0),
  );
}

function takeoverRows(t: TakeoverFigures): void {
  const figure = (values: number[]) =>
    `${seconds(median(values))} / ${seconds(Math.max(...values))}`;
  const promised = `≤ ${seconds(PROMISED_MS)}`;
  const { killed, stopped } = t;
  row(
    `Takeover, 2 instances of npm start's command on one Postgres (LEASE_SECONDS=${LEASE_SECONDS}, POLL_INTERVAL_SECONDS=${POLL_SECONDS}): SIGKILL of the staff group's holder → the next buyer message posted in Telegram by the other, median / max of ${killed.postMs.length}`,
    figure(killed.postMs),
    promised,
    verdict(Math.max(...killed.postMs) <= PROMISED_MS),
  );
  row(
    "… SIGKILL → a staff reply sent right after it reaching Ozon, median / max",
    figure(killed.replyMs),
    promised,
    verdict(Math.max(...killed.replyMs) <= PROMISED_MS),
  );
  row(
    `… hand-over at a graceful stop: SIGTERM to the holder → the next buyer message posted by the other; → a staff reply reaching Ozon, median / max of ${stopped.postMs.length}`,
    `${figure(stopped.postMs)}; ${figure(stopped.replyMs)}`,
  );
  const { lost, duplicated } = t;
  row(
    `… buyer messages, staff replies lost; duplicated (over the ${killed.postMs.length + stopped.postMs.length} rounds and the first exchange)`,
    `${lost.buyer}, ${lost.staff}; ${duplicated.buyer}, ${duplicated.staff}`,
    "0",
    verdict(lost.buyer + lost.staff + duplicated.buyer + duplicated.staff === 0),
  );
}

function memoryRows(m: MemoryFigures): void {
  row(
    `RSS after mapping ${m.chats.toLocaleString("en")} chats, relaying ${m.messages.toLocaleString("en")} msgs (peak)`,
    `${mb(m.rssMb)} (${mb(m.peakRssMb)})`,
    "< 120 MB",
    verdict(m.rssMb < 120),
  );
  row(
    "… RSS after a full GC; V8 heap total / used / used after the GC; external",
    `${mb(m.rssAfterGcMb)}; ${mb(m.heapTotalMb)} / ${mb(m.heapUsedMb)} / ${mb(m.heapUsedAfterGcMb)}; ${mb(m.externalMb)}`,
  );
  row("… time from process start to the last message relayed", seconds(m.relayMs));
  row(
    `RSS of the bridge restarted on the ${m.chats.toLocaleString("en")} mapped chats after ${RESTART_CYCLES} poll cycles (peak)`,
    `${mb(m.restarted.rssMb)} (${mb(m.restarted.peakRssMb)})`,
    "< 120 MB",
    verdict(m.restarted.rssMb < 120),
  );
}

function coldRows(c: ColdStartFigures): void {
  const range = (values: number[]) =>
    `${ms(median(values))} (${ms(Math.min(...values))}–${ms(Math.max(...values))})`;
  row(
    `Cold start: npm start's command → first getUpdates, median (min–max) of ${c.runs.length}`,
    range(c.runs),
    "< 1.5 s",
    verdict(median(c.runs) < 1500),
  );
  row("… of which Node itself (node -e 0)", range(c.nodeOnly));
  row("… loading src/app.ts and its dependencies (import only)", range(c.importOnly));
  row(
    "RSS of a started bridge with no chats (1 s after the first getUpdates)",
    mb(median(c.idleRssMb)),
  );
  row(
    "… the first start after an install (Node's compile cache still empty): cold start; RSS",
    `${ms(c.firstStart.ms)}; ${mb(c.firstStart.idleRssMb)}`,
  );
}

function demoRows(runs: number[]): void {
  row(
    `\`npm run demo\`: command → exit, median (min–max) of ${runs.length}`,
    `${seconds(median(runs))} (${seconds(Math.min(...runs))}–${seconds(Math.max(...runs))})`,
  );
}

function table(): string {
  const header = [
    "Figure",
    "Bridge (current)",
    "Naive baseline",
    "Bridge ÷ naive",
    "Goal",
    "Status",
  ];
  const lines = [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map(
      (r) => `| ${[r.figure, r.bridge, r.naive, r.ratio, r.goal, r.status].join(" | ")} |`,
    ),
  ];
  return lines.join("\n");
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function machine(): string {
  const head = git(["rev-parse", "--short", "HEAD"]);
  const dirty =
    srcDirtyAtStart || git(["status", "--porcelain", "--", "src"]) !== ""
      ? "with uncommitted changes"
      : "clean";
  const code =
    head === headAtStart
      ? `commit ${head}, src/ ${dirty}`
      : `commit ${headAtStart} at the start, ${head} at the end (the code changed during the run: in-process parts ran what was loaded at the start, child processes what was there when spawned), src/ ${dirty}`;
  return [
    `- Run: ${new Date().toISOString()}, ${seconds(Date.now() - startedAt)} in all`,
    `- Code: ${code}`,
    `- Machine: ${availableParallelism()} CPUs (nproc), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB memory, ${cpus()[0]?.model ?? "unknown CPU"}, Linux ${release()}`,
    `- Load average (1 min): ${loadAtStart.toFixed(2)} at the start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end, on ${availableParallelism()} CPUs (other work on the machine shows in the timings)`,
    `- Node ${process.version} (the \`node\` dev dependency that \`npm run\` puts first on PATH)`,
  ].join("\n");
}

async function step(name: string, work: () => Promise<void>): Promise<void> {
  if (Date.now() - startedAt > BUDGET_MS) {
    skipped.push(`${name} (the ${LIMIT_MINUTES}-minute budget is used up)`);
    progress(`skipped ${name}: the ${LIMIT_MINUTES}-minute budget is used up`);
    return;
  }
  try {
    await work();
  } catch (error) {
    // One broken part (the code under test changed under it) must not hide the others.
    const message = error instanceof Error ? error.message : String(error);
    skipped.push(`${name} (failed: ${message})`);
    progress(`${name} failed: ${error instanceof Error ? (error.stack ?? message) : message}`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const asked = args.filter((a) => !a.startsWith("-"));
  // `--chats=100,2000`: other chat counts for the idle parts (a quick look; writes nothing).
  const chatsArg = args.find((a) => a.startsWith("--chats="));
  const chatCounts = chatsArg
    ? chatsArg.slice("--chats=".length).split(",").map(Number)
    : CHAT_COUNTS;
  if (!chatCounts.every((n) => Number.isSafeInteger(n) && n > 0)) {
    throw new Error(`bench: --chats wants positive whole numbers, got "${chatsArg}"`);
  }
  for (const a of asked) {
    if (!PARTS.includes(a as Part))
      throw new Error(`bench: unknown part "${a}"; parts: ${PARTS.join(", ")}`);
  }
  const parts = new Set<Part>(asked.length > 0 ? (asked as Part[]) : PARTS);
  // `--shops=20x500`: 20 shops of 500 chats (a quick look; writes nothing).
  const shopsArg = args.find((a) => a.startsWith("--shops="));
  const [shopCount, chatsPerShop] = shopsArg
    ? shopsArg.slice("--shops=".length).split("x").map(Number)
    : [SHOPS, CHATS_PER_SHOP];
  if (![shopCount, chatsPerShop].every((n) => Number.isSafeInteger(n) && (n as number) > 0)) {
    throw new Error(`bench: --shops wants <shops>x<chats>, like 20x500; got "${shopsArg}"`);
  }
  // `--messages=100`: fewer overhead samples (a quick look; writes nothing).
  const messagesArg = args.find((a) => a.startsWith("--messages="));
  const messages = messagesArg
    ? Number(messagesArg.slice("--messages=".length))
    : OVERHEAD_MESSAGES;
  if (!Number.isSafeInteger(messages) || messages < 1) {
    throw new Error(`bench: --messages wants a positive whole number, got "${messagesArg}"`);
  }

  if (parts.has("idle")) {
    const results: IdleFigures[] = [];
    for (const marketplace of ["ozon", "yandex"] as const) {
      for (const chats of chatCounts) {
        await step(`idle ${marketplace} ${chats}`, async () => {
          results.push(await idleRun(marketplace, chats));
        });
      }
    }
    idleRows(results);
  }
  if (parts.has("wb")) {
    const results: WbIdleFigures[] = [];
    for (const chats of chatCounts) {
      await step(`idle wildberries ${chats}`, async () => {
        results.push(await wbIdleRun(chats));
      });
    }
    wbIdleRows(results);
    await step("wildberries burst", async () => wbBurstRows(await wbBurst(BURST_CHATS)));
  }
  if (parts.has("shops")) {
    await step("shops", async () =>
      shopsRows(await shops(shopCount as number, chatsPerShop as number)),
    );
  }
  if (parts.has("backlog")) {
    await step("backlog", async () => {
      const bridge = await backlogBridge();
      const naive = await backlogNaive();
      backlogRows(bridge, naive);
    });
  }
  if (parts.has("files")) {
    await step("files", async () => fileRows(await fileBacklog()));
  }
  if (parts.has("overhead")) {
    await step("overhead", async () => {
      overheadRows(POLL, "SQLite", await overheadPoll(messages));
      const { push, staff } = await overheadPushAndStaff(messages);
      overheadRows(PUSH, "SQLite", push);
      overheadRows(STAFF_SEND, "SQLite", staff);
    });
  }
  if (parts.has("overhead-pg")) {
    await step("overhead on Postgres", async () => {
      const server = await startPostgres({ throwaway: false });
      try {
        const store = "Postgres (DATABASE_URL)";
        overheadRows(
          POLL,
          store,
          await overheadPoll(messages, await freshDatabase(server.url, "bench_poll")),
        );
        const { push, staff } = await overheadPushAndStaff(
          messages,
          await freshDatabase(server.url, "bench_push"),
        );
        overheadRows(PUSH, store, push);
        overheadRows(STAFF_SEND, store, staff);
      } finally {
        await server.stop();
      }
    });
  }
  if (parts.has("takeover")) {
    await step("takeover", async () => {
      const server = await startPostgres({ throwaway: false });
      try {
        takeoverRows(
          await takeover(await freshDatabase(server.url, "bench_takeover"), TAKEOVER_ROUNDS),
        );
      } finally {
        await server.stop();
      }
    });
  }
  if (parts.has("memory")) {
    await step("memory", async () => memoryRows(await memory(MEMORY_CHATS)));
  }
  if (parts.has("cold")) {
    await step("cold start", async () => coldRows(await coldStart(COLD_RUNS)));
  }
  if (parts.has("demo")) {
    await step("demo", async () => demoRows(await demoRuns(DEMO_RUNS)));
  }

  const out = table();
  process.stdout.write(`\n${out}\n\n`);
  if (skipped.length > 0) process.stdout.write(`Not measured: ${skipped.join("; ")}\n`);
  const resized = chatsArg || shopsArg || messagesArg;
  if (parts.size === PARTS.length && !resized && skipped.length === 0) {
    const file = join(import.meta.dirname, "..", "BENCHMARKS.md");
    writeFileSync(file, `# Benchmarks\n\n${machine()}\n\n${out}\n\n${METHOD}`);
    progress(`wrote ${file}`);
  }
  if (skipped.length > 0) process.exitCode = 1;
}

// A last resort: whatever hangs, the run ends within the limit.
setTimeout(() => {
  process.stderr.write(`bench: ${LIMIT_MINUTES} minutes passed; stopping\n`);
  process.exit(1);
}, LIMIT_MINUTES * 60_000).unref();

// Leftover keep-alive sockets and timers of stopped bridges must not hold the process open.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
