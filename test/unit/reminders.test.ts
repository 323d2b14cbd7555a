import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Reminders } from "../../src/bridge/reminders.ts";
import { textsFor } from "../../src/bridge/texts/index.ts";
import type { Topics } from "../../src/bridge/topics.ts";

describe("Reminders", () => {
  it("posts nothing at all when REMINDER_MINUTES is 0", async () => {
    const sent: string[] = [];
    const topics = {
      all: async () => {
        throw new Error("reminders must not even look at topics when off");
      },
    } as unknown as Topics;
    const reminders = new Reminders({
      accounts: [],
      topics,
      texts: textsFor("ru"),
      log: pino({ level: "silent" }),
      reminderMinutes: 0,
      onDuty: ["anna_support"],
      send: async (_topic, html) => {
        sent.push(html);
      },
    });
    expect(reminders.enabled).toBe(false);
    await reminders.tick(Date.now() + 100 * 60 * 60 * 1000);
    expect(sent).toEqual([]);
  });
});
