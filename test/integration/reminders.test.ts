// Reminders with a fake clock: one per threshold, never a stream; a staff answer starts over.
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, useHarness } from "./harness.ts";

const MINUTE = 60_000;

describe("reminders", () => {
  const h = useHarness({ start: true });
  const reminders = (thread: number) =>
    h.telegram.textsIn(STAFF, thread).filter((t) => t.startsWith("⏰"));

  it("reminds once after REMINDER_MINUTES and when 4 h and 1 h of Ozon's 48-hour window remain", async () => {
    const { thread } = await h.openChat("ответьте, пожалуйста");
    await waitFor(() => h.telegram.topic(thread, STAFF)?.name.startsWith("🔴"));
    const start = Date.now();
    await h.bridge.reminders.tick(start + 29 * MINUTE);
    expect(reminders(thread)).toEqual([]);
    await h.bridge.reminders.tick(start + 31 * MINUTE);
    await h.bridge.reminders.tick(start + 90 * MINUTE);
    expect(reminders(thread)).toHaveLength(1);
    expect(reminders(thread)[0]).toMatch(/waiting for 3\d min/);
    const reminder = h.telegram
      .messagesIn(STAFF, thread)
      .find((m) => m.message.text?.startsWith("⏰"));
    expect(reminder?.params?.disable_notification).not.toBe(true);

    await h.bridge.reminders.tick(start + 44.5 * 60 * MINUTE);
    await h.bridge.reminders.tick(start + 46 * 60 * MINUTE);
    expect(reminders(thread)).toHaveLength(2);
    expect(reminders(thread)[1]).toMatch(/Less than 4 h left/);
    await h.bridge.reminders.tick(start + 47.5 * 60 * MINUTE);
    await h.bridge.reminders.tick(start + 47.8 * 60 * MINUTE);
    expect(reminders(thread)).toHaveLength(3);
    expect(reminders(thread)[2]).toMatch(/Less than 1 h left/);
  });

  it("starts over after a staff answer and says nothing while the buyer is answered", async () => {
    const { thread } = await h.openChat("вопрос");
    await waitFor(() => h.telegram.topic(thread, STAFF)?.name.startsWith("🔴"));
    const start = Date.now();
    await h.bridge.reminders.tick(start + 40 * MINUTE);
    expect(reminders(thread)).toHaveLength(1);
    h.telegram.staffSends({ threadId: thread, text: "Отвечаем" });
    await waitFor(() => h.telegram.topic(thread, STAFF)?.name.startsWith("🟢"));
    await h.bridge.reminders.tick(start + 600 * MINUTE);
    expect(reminders(thread)).toHaveLength(1);
  });
});
