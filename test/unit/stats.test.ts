// First-response statistics for a scripted week, compared with figures worked out by hand:
// two shops (one with a 48-hour reply window), two staff members, an answer from the cabinet,
// waits still open; the waits recorded the way inbound records them, on a real state file that
// is closed and opened again in between.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Account } from "../../src/bridge/account.ts";
import { buyerWrote, emptyActivity, shopAnswered } from "../../src/bridge/activity.ts";
import type { MarketMessage } from "../../src/bridge/provider.ts";
import { renderReport, Statistics } from "../../src/bridge/stats.ts";
import { type ChatActivity, Store } from "../../src/bridge/store/index.ts";
import { textsFor } from "../../src/bridge/texts/index.ts";
import { ZoneClock } from "../../src/bridge/working-hours.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 7 January 2030, 00:00 UTC. */
const MONDAY = Date.UTC(2030, 0, 7);
const at = (day: number, hour: number, minute = 0) =>
  MONDAY + day * DAY + hour * HOUR + minute * MINUTE;
const [MON, TUE, WED, THU, FRI, SAT, SUN] = [0, 1, 2, 3, 4, 5, 6];
const GROUP = -1001;

/** Working hours for the test: 09:00–18:00 UTC every day. */
function nineToSix(from: number, to: number): number {
  let total = 0;
  for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
    total += Math.max(0, Math.min(to, day + 18 * HOUR) - Math.max(from, day + 9 * HOUR));
  }
  return total;
}

function shop(id: string, name: string, staffChatId: number, replyWindowHours?: number): Account {
  return {
    id,
    name,
    staffChatId,
    provider: {
      marketplace: id.split("-")[0],
      capabilities: replyWindowHours === undefined ? {} : { replyWindowHours },
    },
  } as unknown as Account;
}

const ANNA = { userId: 1, name: "Anna" };
const BORIS = { userId: 2, name: "Boris" };
type Step = [at: number, who: "buyer" | typeof ANNA | "cabinet"];

describe("statistics of a scripted week", () => {
  let dataDir: string;
  let store: Store;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "bridge-stats-"));
    store = await Store.open(dataDir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let nextId = 100;
  /** A chat's messages in order, applied as inbound applies them. */
  async function chat(accountId: string, chatId: string, steps: Step[]): Promise<void> {
    const activity =
      (await store.activity.get(accountId, chatId)) ?? emptyActivity(accountId, chatId);
    for (const [time, who] of steps) {
      const message = {
        id: String(nextId++),
        chatId,
        role: who === "buyer" ? "buyer" : "seller",
        createdAt: new Date(time).toISOString(),
      } as MarketMessage;
      if (who === "buyer") buyerWrote(activity, message);
      else shopAnswered(activity, message, who === "cabinet" ? undefined : who);
    }
    await store.activity.set(accountId, chatId, activity);
  }

  it("counts chats, answers, medians, 90th percentiles, the hour and missed windows", async () => {
    const ozon = shop("ozon-1", "Shop A", GROUP, 48);
    const wb = shop("wb-2", "Shop B", GROUP);
    const elsewhere = shop("ozon-3", "Other group's shop", -1002, 48);
    // Shop A (48-hour window).
    await chat("ozon-1", "a1", [
      [at(MON, 12) - 2 * DAY, "buyer"], // the Saturday before: outside the week
      [at(MON, 12) - 2 * DAY + 10 * MINUTE, ANNA],
      [at(MON, 10), "buyer"], // 20 min (working 20)
      [at(MON, 10, 20), ANNA],
      [at(MON, 10, 25), ANNA], // a second answer ends nothing
      [at(WED, 12), "buyer"], // 2 h (working 2 h)
      [at(WED, 14), ANNA],
    ]);
    await chat("ozon-1", "a2", [
      [at(MON, 17, 30), "buyer"], // 16 h 10 min (working 30 + 40 = 70 min)
      [at(MON, 17, 50), "buyer"],
      [at(TUE, 9, 40), BORIS],
    ]);
    await chat("ozon-1", "a3", [
      [at(THU, 9), "buyer"], // 5 min, from the cabinet
      [at(THU, 9, 5), "cabinet"],
      [at(SAT, 10), "buyer"], // 30 min
      [at(SAT, 10, 30), BORIS],
    ]);
    await chat("ozon-1", "a4", [
      [at(FRI, 8), "buyer"], // 50 h (working 9 + 9 + 1 = 19 h): the window lapsed
      [at(SUN, 10), ANNA],
    ]);
    await chat("ozon-1", "a5", [[at(SUN, 23), "buyer"]]); // open, no working time yet
    // Shop B (no window).
    await chat("wb-2", "b1", [
      [at(TUE, 11), "buyer"], // 45 min
      [at(TUE, 11, 45), BORIS],
    ]);
    await chat("wb-2", "b2", [
      [at(WED, 20), "buyer"], // 13 h 30 min (working 30 min)
      [at(THU, 9, 30), ANNA],
    ]);
    await chat("wb-2", "b3", [[at(SAT, 12), "buyer"]]); // open for 15 working hours
    await chat("ozon-3", "c1", [
      [at(TUE, 10), "buyer"],
      [at(TUE, 10, 1), BORIS],
    ]);

    // The figures come from the state file alone.
    await store.close();
    store = await Store.open(dataDir);
    const stats = new Statistics({ accounts: [ozon, wb, elsewhere], store, workingMs: nineToSix });
    const now = at(SUN + 1, 0);
    const report = await stats.report(GROUP, now - 7 * DAY, now, now);

    const m = (minutes: number) => minutes * MINUTE;
    expect(report.shops.map((s) => [s.account.id, s.figures])).toEqual([
      [
        "ozon-1",
        {
          chats: 5,
          answered: 6,
          // clock 5, 20, 30, 120, 970, 3000; working 5, 20, 30, 70, 120, 1140
          working: { median: m(30), p90: m(1140) },
          clock: { median: m(30), p90: m(3000) },
          decided: 6,
          withinHour: 3,
          windowsMissed: 1,
        },
      ],
      [
        "wb-2",
        {
          chats: 3,
          answered: 2,
          working: { median: m(30), p90: m(45) },
          clock: { median: m(45), p90: m(810) },
          decided: 3,
          withinHour: 2,
          windowsMissed: 0,
        },
      ],
    ]);
    expect(report.staff).toEqual([
      {
        userId: 1,
        name: "Anna",
        figures: {
          chats: 3,
          answered: 4,
          // clock 20, 120, 810, 3000; working 20, 30, 120, 1140
          working: { median: m(30), p90: m(1140) },
          clock: { median: m(120), p90: m(3000) },
          decided: 4,
          withinHour: 2,
          windowsMissed: 1,
        },
      },
      {
        userId: 2,
        name: "Boris",
        figures: {
          chats: 3,
          answered: 3,
          // clock 30, 45, 970; working 30, 45, 70
          working: { median: m(45), p90: m(70) },
          clock: { median: m(45), p90: m(970) },
          decided: 3,
          withinHour: 2,
          windowsMissed: 0,
        },
      },
    ]);

    expect(renderReport(report, textsFor("en"))).toEqual([
      "",
      "<b>Shop A</b> — chats: 5, answers: 6",
      "first response in working time: median 30 min, 90% within 19 h 0 min",
      "first response by the clock: median 30 min, 90% within 50 h 0 min",
      "answered within an hour: 3 of 6 (50%)",
      "reply windows missed: 1",
      "",
      "<b>Shop B</b> — chats: 3, answers: 2",
      "first response in working time: median 30 min, 90% within 45 min",
      "first response by the clock: median 45 min, 90% within 13 h 30 min",
      "answered within an hour: 2 of 3 (67%)",
      "reply windows missed: 0",
      "",
      "<b>Staff</b>",
      "",
      "<b>Anna</b> — chats: 3, answers: 4",
      "first response in working time: median 30 min, 90% within 19 h 0 min",
      "first response by the clock: median 2 h 0 min, 90% within 50 h 0 min",
      "answered within an hour: 2 of 4 (50%)",
      "reply windows missed: 1",
      "",
      "<b>Boris</b> — chats: 3, answers: 3",
      "first response in working time: median 45 min, 90% within 1 h 10 min",
      "first response by the clock: median 45 min, 90% within 16 h 10 min",
      "answered within an hour: 2 of 3 (67%)",
      "reply windows missed: 0",
    ]);

    expect(renderReport(report, textsFor("ru")).slice(0, 7)).toEqual([
      "",
      "<b>Shop A</b> — чатов: 5, ответов: 6",
      "первый ответ в рабочее время: медиана 30 мин, 90% — за 19 ч 0 мин",
      "первый ответ по часам: медиана 30 мин, 90% — за 50 ч 0 мин",
      "ответ в течение часа: 3 из 6 (50%)",
      "пропущено окон ответа: 1",
      "",
    ]);

    // Clock time when no working hours are set; Sunday alone.
    const clockOnly = new Statistics({ accounts: [ozon, wb], store, workingMs: (f, t) => t - f });
    const sunday = await clockOnly.report(GROUP, at(SUN, 0), now, now);
    expect(sunday.shops[0]?.figures).toEqual({
      chats: 1,
      answered: 0,
      decided: 0,
      withinHour: 0,
      windowsMissed: 0,
    });
    expect(sunday.staff).toEqual([]);
  });

  it("counts a message read again after a crash once", () => {
    const activity: ChatActivity = emptyActivity("ozon-1", "x");
    const buyer = {
      id: "5",
      chatId: "x",
      role: "buyer",
      createdAt: new Date(at(MON, 10)).toISOString(),
    };
    const answer = {
      ...buyer,
      id: "6",
      role: "seller",
      createdAt: new Date(at(MON, 11)).toISOString(),
    };
    expect(buyerWrote(activity, buyer as MarketMessage)).toBe(true);
    expect(shopAnswered(activity, answer as MarketMessage, ANNA)?.answeredAt).toBe(at(MON, 11));
    expect(buyerWrote(activity, buyer as MarketMessage)).toBe(false);
    expect(shopAnswered(activity, answer as MarketMessage, BORIS)).toBeUndefined();
    expect(activity.waits).toEqual([
      { since: at(MON, 10), last: at(MON, 10), pause: 0, answeredAt: at(MON, 11), by: ANNA },
    ]);
  });
});

describe("the staff's calendar (the digest's day)", () => {
  it("finds a wall-clock time in the zone, across a change of offset", () => {
    const moscowClock = new ZoneClock("Europe/Moscow");
    const moscow = moscowClock.local(Date.UTC(2030, 0, 14, 21, 30));
    expect(moscow).toMatchObject({ year: 2030, month: 1, day: 15 });
    expect(moscowClock.instant(moscow, 9 * 60 + 30)).toBe(Date.UTC(2030, 0, 15, 6, 30));
    expect(moscowClock.instant(moscowClock.addDays(moscow, -15), 0)).toBe(
      Date.UTC(2029, 11, 30, 21),
    );
    // Berlin moves its clocks forward on 31 March 2030.
    const berlin = new ZoneClock("Europe/Berlin");
    const spring = { year: 2030, month: 3, day: 31 };
    expect(berlin.instant(spring, 0)).toBe(Date.UTC(2030, 2, 30, 23));
    expect(berlin.instant(spring, 9 * 60 + 30)).toBe(Date.UTC(2030, 2, 31, 7, 30));
  });
});

describe("DIGEST_TIME", () => {
  const env = {
    TELEGRAM_BOT_TOKEN: "123456:secret-token-value",
    TELEGRAM_STAFF_CHAT_ID: "-1001234567890",
    MARKETPLACE_SANDBOX: "1",
  };

  it("is a time of day, read as minutes after midnight; unset means no digest", () => {
    expect(loadConfig({ ...env, DIGEST_TIME: "09:30" }).digestMinutes).toBe(570);
    expect(loadConfig({ ...env, DIGEST_TIME: "0:05" }).digestMinutes).toBe(5);
    expect(loadConfig(env).digestMinutes).toBeUndefined();
  });

  it.each(["24:00", "9.30", "09:60", "morning"])("refuses %s, saying what it expects", (value) => {
    try {
      loadConfig({ ...env, DIGEST_TIME: value });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        "DIGEST_TIME: a time of day as HH:MM, like 09:30",
      ]);
    }
  });
});
