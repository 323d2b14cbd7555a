// /stats, the morning digest and the response metrics, on a scripted day: the fake Ozon stamps
// messages with a clock the test sets, staff answer through the fake Telegram as two people, and
// the bridge counts by a clock the test sets too.

import type { User } from "grammy/types";
import { beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { ACCOUNT_ID, STAFF, useHarness } from "./harness.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** 09:29 on Tuesday 15 January 2030 in Moscow (UTC+3). */
const START = Date.UTC(2030, 0, 15, 6, 29);
/** A Moscow wall-clock time on Monday 14 January 2030. */
const monday = (hour: number, minute = 0) => Date.UTC(2030, 0, 14, hour - 3, minute);
const BORIS = { id: 7000002, is_bot: false, first_name: "Boris", username: "boris_staff" };

/** Monday's figures (see monday14), as /stats and the digest both show them. */
const MONDAY_FIGURES = [
  "Ozon — chats: 4, answers: 3",
  "first response in working time: median 20 min, 90% within 1 h 30 min",
  "first response by the clock: median 20 min, 90% within 1 h 30 min",
  "answered within an hour: 2 of 4 (50%)",
  "reply windows missed: 0",
  "",
  "Staff",
  "",
  "Anna Staff — chats: 1, answers: 1",
  "first response in working time: median 20 min, 90% within 20 min",
  "first response by the clock: median 20 min, 90% within 20 min",
  "answered within an hour: 1 of 1 (100%)",
  "reply windows missed: 0",
  "",
  "Boris — chats: 1, answers: 1",
  "first response in working time: median 1 h 30 min, 90% within 1 h 30 min",
  "first response by the clock: median 1 h 30 min, 90% within 1 h 30 min",
  "answered within an hour: 0 of 1 (0%)",
  "reply windows missed: 0",
];

describe("statistics", () => {
  let bridgeClock = START;
  let ozonClock = monday(0);
  beforeEach(() => {
    bridgeClock = START;
    ozonClock = monday(0);
  });
  const h = useHarness({
    start: true,
    env: () => ({ DIGEST_TIME: "09:30" }),
    ozonNow: () => new Date(ozonClock),
    now: () => bridgeClock,
  });
  const general = () => h.telegram.messagesIn(STAFF, "general");
  const digests = () => general().filter((m) => m.message.text?.startsWith("📊 Summary"));

  /** A buyer's message at `time`; the chat's topic, once it is there. */
  async function buyerAt(time: number, chat = h.ozon.addChat()) {
    ozonClock = time;
    h.ozon.buyerWrites(chat, "Здравствуйте, где заказ?");
    const thread = await h.waitForThread(chat);
    await h.waitForBuyerTexts(thread, 1);
    await waitFor(() => h.telegram.topic(thread, STAFF)?.name.startsWith("🔴"));
    return { chat, thread };
  }

  /** A staff answer that reaches Ozon at `time`, counted once inbound read it back. */
  async function answerAt(time: number, chat: { chat: string; thread: number }, from?: User) {
    ozonClock = time;
    h.telegram.staffSends({
      threadId: chat.thread,
      text: "Отправили сегодня",
      ...(from ? { from } : {}),
    });
    await waitFor(
      async () =>
        (await h.bridge.store.activity.get(ACCOUNT_ID, chat.chat))?.waits.at(-1)?.answeredAt,
      { message: "the answer read back from Ozon" },
    );
    await waitFor(() => h.telegram.topic(chat.thread, STAFF)?.name.startsWith("🟢"));
  }

  /** Monday: Anna answers in 20 min, Boris in 1 h 30 min, the cabinet in 5 min, one waits. */
  async function monday14() {
    const first = await buyerAt(monday(10));
    await answerAt(monday(10, 20), first);
    const second = await buyerAt(monday(12));
    await answerAt(monday(13, 30), second, BORIS);
    const third = await buyerAt(monday(15));
    ozonClock = monday(15, 5);
    h.ozon.sellerWritesInCabinet(third.chat, "Ответили из кабинета");
    await waitFor(() => h.telegram.topic(third.thread, STAFF)?.name.startsWith("🟢"));
    return buyerAt(monday(18));
  }

  it("/stats answers per shop and staff member, and /metrics has the same answers", async () => {
    await monday14();
    h.telegram.staffSends({ text: "/stats" });
    const stats = await waitFor(() =>
      general().find((m) => m.message.text?.startsWith("📊 First responses")),
    );
    expect(stats.message.text?.split("\n")).toEqual([
      "📊 First responses to buyers, last 7 days",
      "",
      ...MONDAY_FIGURES,
    ]);

    // Two days later the last buyer has waited past Ozon's 48-hour window.
    bridgeClock = monday(18) + 49 * HOUR;
    h.telegram.staffSends({ text: "/stats 30" });
    const month = await waitFor(() =>
      general().find((m) => m.message.text?.startsWith("📊 First responses to buyers, last 30")),
    );
    expect(month.message.text).toContain("reply windows missed: 1");
    h.telegram.staffSends({ text: "/stats a week" });
    await waitFor(() =>
      general().find(
        (m) => m.message.text === "For how many days? /stats for 7, /stats 30 for 30 (1 to 90).",
      ),
    );

    const metrics = await (await fetch(`http://127.0.0.1:${h.bridge.httpPort}/metrics`)).text();
    const labels = `{marketplace="ozon",shop="${ACCOUNT_ID}"}`;
    expect(metrics).toContain(`bridge_first_response_seconds_count${labels} 3\n`);
    expect(metrics).toContain(`bridge_first_response_seconds_sum${labels} ${(20 + 90 + 5) * 60}\n`);
    expect(metrics).toContain(
      `bridge_first_response_seconds_bucket{le="1800",marketplace="ozon",shop="${ACCOUNT_ID}"} 2\n`,
    );
    expect(metrics).toContain(`bridge_chats_waiting${labels} 1\n`);
  });

  it("posts the digest silently at DIGEST_TIME once a day, also across a restart", async () => {
    const waiting = await monday14();
    await h.bridge.digest.tick(bridgeClock);
    expect(digests()).toHaveLength(0);

    bridgeClock = START + MINUTE;
    await h.bridge.digest.tick(bridgeClock);
    expect(digests()).toHaveLength(1);
    const [digest] = digests();
    expect(digest?.params?.disable_notification).toBe(true);
    expect(digest?.message.message_thread_id).toBeUndefined();
    const title = h.telegram.topic(waiting.thread, STAFF)?.name;
    expect(digest?.message.text?.split("\n")).toEqual([
      "📊 Summary for 14 January 2030",
      "",
      ...MONDAY_FIGURES,
      "",
      "⏳ Waiting for an answer: 1 (longest first)",
      `${title} — waiting 15 h 30 min`,
    ]);
    const link = digest?.message.entities?.find((e) => e.type === "text_link");
    expect(link && "url" in link && link.url).toBe(`https://t.me/c/1234567890/${waiting.thread}`);

    bridgeClock += MINUTE;
    await h.bridge.digest.tick(bridgeClock);
    await h.stopBridge();
    await h.start();
    await h.bridge.digest.tick(bridgeClock);
    expect(digests()).toHaveLength(1);

    // The next morning: Tuesday had no new waits, and the buyer still waits.
    bridgeClock = START + 24 * HOUR + MINUTE;
    await h.bridge.digest.tick(bridgeClock);
    expect(digests()).toHaveLength(2);
    const next = digests()[1]?.message.text?.split("\n") ?? [];
    expect(next.slice(0, 3)).toEqual([
      "📊 Summary for 15 January 2030",
      "",
      "Ozon — chats: 0, answers: 0",
    ]);
    expect(next.at(-1)).toBe(`${title} — waiting 39 h 30 min`);
  });

  it("posts a digest missed while the bridge was down when it starts, the same day", async () => {
    await h.stopBridge();
    bridgeClock = START + 2 * HOUR;
    await h.start();
    await waitFor(() => digests().length === 1, { message: "the digest posted at the start" });
    expect(digests()[0]?.message.text?.split("\n").slice(0, 3)).toEqual([
      "📊 Summary for 14 January 2030",
      "",
      "Ozon — chats: 0, answers: 0",
    ]);
  });
});
