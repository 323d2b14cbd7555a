// Answer in time, with a fake clock: the card's reply deadline, nudges that wait for working
// hours, escalation to supervisors, the off-hours automatic reply, and idle topics closing.
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, useHarness } from "./harness.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 2 June 2025 in Moscow (UTC+3 all year). */
const msk = (day: number, hm: string) =>
  Date.parse(`2025-06-${String(day).padStart(2, "0")}T${hm}:00+03:00`);

/** "14:30", or "04.06 14:30" when `at` is on another Moscow day than `asOf`. */
function moscow(at: number, asOf: number): string {
  const format = (ms: number, options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat("ru-RU", { timeZone: "Europe/Moscow", ...options }).format(ms);
  const time = format(at, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const day = (ms: number) => format(ms, { day: "2-digit", month: "2-digit" });
  return day(at) === day(asOf) ? time : `${day(at)} ${time}`;
}

describe("working hours, reminders and the off-hours reply", () => {
  let clock = msk(2, "23:00");
  const h = useHarness({
    start: true,
    ozonNow: () => new Date(clock),
    env: () => ({
      WORKING_HOURS: "Mon-Fri 09:00-18:00",
      OFF_HOURS_REPLY: "Спасибо! Мы ответим с 9 утра.",
      REMINDER_MINUTES: "30",
      ESCALATE_MINUTES: "120",
      ON_DUTY: "@duty_boris",
      SUPERVISORS: "@chief_anna",
    }),
  });
  const posts = (thread: number, mark: string) =>
    h.telegram.textsIn(STAFF, thread).filter((t) => t.startsWith(mark));

  it("replies once at night, nudges at 09:00 + REMINDER_MINUTES, escalates at ESCALATE_MINUTES", async () => {
    clock = msk(2, "23:00");
    const { chat, thread } = await h.openChat("Добрый вечер, где мой заказ?");
    await h.bridge.offHours.tick(msk(2, "23:01"));
    await waitFor(() => h.ozon.sentBySeller(chat).length === 1);
    expect(h.ozon.sentBySeller(chat)).toMatchObject([
      { kind: "text", text: "Спасибо! Мы ответим с 9 утра." },
    ]);
    const note = await waitFor(() =>
      h.telegram.messagesIn(STAFF, thread).find((m) => m.message.text?.startsWith("🤖")),
    );
    expect(note.message.text).toBe(
      "🤖 Automatic reply to the buyer (outside working hours):\nСпасибо! Мы ответим с 9 утра.",
    );
    expect(note.params?.disable_notification).toBe(true);

    // The buyer writes again the same night: no second reply; the echo answers nothing.
    clock = msk(2, "23:30");
    h.ozon.buyerWrites(chat, "Алло?");
    await h.waitForBuyerTexts(thread, 2);
    await h.bridge.offHours.tick(msk(2, "23:31"));
    await h.cycles(2);
    await h.bridge.outbound.idle();
    expect(h.ozon.sentBySeller(chat)).toHaveLength(1);
    expect(h.telegram.topic(thread, STAFF)?.name).toMatch(/^🔴/);

    // A restart does not send it again.
    await h.stopBridge();
    await h.start();
    await h.bridge.offHours.tick(msk(3, "02:00"));
    await h.bridge.outbound.idle();
    expect(h.ozon.sentBySeller(chat)).toHaveLength(1);

    // Nothing rings before opening; the wait counts from 09:00.
    await h.bridge.reminders.tick(msk(3, "03:00"));
    await h.bridge.reminders.tick(msk(3, "08:59"));
    await h.bridge.reminders.tick(msk(3, "09:29"));
    expect(posts(thread, "⏰")).toEqual([]);
    await h.bridge.reminders.tick(msk(3, "09:30"));
    await h.bridge.reminders.tick(msk(3, "10:00"));
    // The automatic reply made nobody the owner: whoever is on duty is called.
    expect(posts(thread, "⏰")).toEqual([
      "⏰ The buyer has been waiting for 10 h 30 min.\n@duty_boris",
    ]);

    await h.bridge.reminders.tick(msk(3, "10:59"));
    expect(posts(thread, "🚨")).toEqual([]);
    await h.bridge.reminders.tick(msk(3, "11:00"));
    await h.bridge.reminders.tick(msk(3, "12:00"));
    expect(posts(thread, "🚨")).toEqual([
      "🚨 The buyer has been waiting for 12 h and has no answer yet.\n@chief_anna",
    ]);
    expect(posts(thread, "⏰")).toHaveLength(1);
  });

  it("sends nothing automatic to a buyer who writes in working hours", async () => {
    clock = msk(3, "11:00");
    const { chat } = await h.openChat("Здравствуйте");
    await h.bridge.offHours.tick(msk(3, "11:01"));
    await h.bridge.offHours.tick(msk(3, "19:00"));
    await h.bridge.outbound.idle();
    expect(h.ozon.sentBySeller(chat)).toEqual([]);
  });

  it("nudges at night when the reply window closes before the next opening", async () => {
    // Friday 20:00: Ozon's 48 hours end on Sunday 20:00, before Monday's opening.
    clock = msk(6, "20:00");
    const { thread } = await h.openChat("Срочно");
    await h.bridge.reminders.tick(msk(6, "20:29"));
    expect(posts(thread, "⏰")).toEqual([]);
    await h.bridge.reminders.tick(msk(6, "20:30"));
    expect(posts(thread, "⏰")).toEqual(["⏰ The buyer has been waiting for 30 min.\n@duty_boris"]);
  });
});

describe("the reply window on the card", () => {
  let clock = Date.now();
  const h = useHarness({ start: true, ozonNow: () => new Date(clock) });
  const card = (chat: string) =>
    h.telegram
      .messagesIn(STAFF)
      .find((m) => m.message.text?.includes(`Chat ID: ${chat}`))
      ?.message.text?.split("\n")
      .find((line) => line.startsWith("⏳"));

  it("shows Ozon's deadline, moves it when the buyer writes, warns once when 1 hour is left", async () => {
    clock = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
    const first = clock;
    const { chat, thread } = await h.openChat("Когда доставка?");
    expect(card(chat)).toBe(`⏳ Reply by ${moscow(first + 48 * HOUR, Date.now())} (47 h left)`);

    // A later message moves the deadline: 48 hours from it.
    clock = first + 5 * MINUTE;
    h.ozon.buyerWrites(chat, "Ау?");
    const moved = `⏳ Reply by ${moscow(first + 5 * MINUTE + 48 * HOUR, Date.now())} (47 h left)`;
    await waitFor(() => card(chat) === moved, { message: "the moved deadline" });

    const deadline = first + 5 * MINUTE + 48 * HOUR;
    await h.bridge.reminders.tick(deadline - HOUR + MINUTE);
    await h.bridge.reminders.tick(deadline - 30 * MINUTE);
    await h.bridge.reminders.tick(deadline - 10 * MINUTE);
    const warnings = h.telegram.textsIn(STAFF, thread).filter((t) => t.startsWith("⏰"));
    expect(warnings).toEqual([
      "⏰ Less than 1 h left to answer (the marketplace allows 48 h after the buyer's message).",
    ]);
    // The card tells the time left as of the warning.
    const asOf = deadline - HOUR + MINUTE;
    await waitFor(() => card(chat) === `⏳ Reply by ${moscow(deadline, asOf)} (59 min left)`);

    // An answer ends the wait: the deadline leaves the card.
    h.telegram.staffSends({ threadId: thread, text: "Завтра" });
    await waitFor(() => card(chat) === undefined, { message: "the card without a deadline" });
  });
});

describe("idle topics", () => {
  const h = useHarness({ start: true, env: () => ({ AUTO_CLOSE_DAYS: "3" }) });

  it("closes a topic after AUTO_CLOSE_DAYS without a message; a message or /reopen opens it", async () => {
    const { chat, thread } = await h.openChat("вопрос");
    const start = Date.now();
    await h.bridge.autoClose.tick(start + 3 * DAY - HOUR);
    expect(h.telegram.topic(thread, STAFF)?.closed).toBe(false);
    await h.bridge.autoClose.tick(start + 3 * DAY + MINUTE);
    await waitFor(() => h.telegram.topic(thread, STAFF)?.closed);
    expect(h.telegram.topic(thread, STAFF)?.name).toMatch(/^⚪/);
    expect(h.telegram.textsIn(STAFF, thread).at(-1)).toBe(
      "⚪ No message in this chat for 3 days: the topic is closed. The buyer's next message or /reopen opens it again.",
    );

    h.ozon.buyerWrites(chat, "я снова тут");
    await waitFor(() => h.telegram.topic(thread, STAFF)?.closed === false);
    // The record follows the topic's rename, reopening and card: a tick before it would skip
    // the topic as closed.
    const { store } = h.bridge;
    await waitFor(async () => {
      const known = await store.topics.byThread(STAFF, thread);
      const record = known && (await store.topics.get(known.accountId, known.chatId));
      return record !== undefined && !record.closed && record.waiting === "us";
    });
    expect(h.telegram.topic(thread, STAFF)?.name).toMatch(/^🔴/);
    await h.bridge.autoClose.tick(Date.now() + 2 * DAY);
    expect(h.telegram.topic(thread, STAFF)?.closed).toBe(false);

    await h.bridge.autoClose.tick(Date.now() + 3 * DAY + MINUTE);
    await waitFor(() => h.telegram.topic(thread, STAFF)?.closed);
    h.telegram.staffSends({ threadId: thread, text: "/reopen" });
    await waitFor(() => h.telegram.topic(thread, STAFF)?.closed === false);
    // Reopened by staff: the count starts again.
    await h.bridge.autoClose.tick(Date.now() + 2 * DAY);
    expect(h.telegram.topic(thread, STAFF)?.closed).toBe(false);
  });
});
