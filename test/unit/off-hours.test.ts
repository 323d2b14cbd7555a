// The off-hours reply's rules, with a fake clock and topics held in memory.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Account } from "../../src/bridge/account.ts";
import { OffHoursReply } from "../../src/bridge/off-hours.ts";
import type { TopicRecord } from "../../src/bridge/store/index.ts";
import type { Topics } from "../../src/bridge/topics.ts";
import { workingHours } from "../../src/bridge/working-hours.ts";

/** Monday 2 June 2025 in Moscow. */
const msk = (day: number, hm: string) =>
  Date.parse(`2025-06-${String(day).padStart(2, "0")}T${hm}:00+03:00`);

const TEXT = "Ответим утром";

function setup(topic: Partial<TopicRecord>, text: string | undefined) {
  let record: TopicRecord = {
    accountId: "shop",
    chatId: "c1",
    staffChatId: -100,
    threadId: 7,
    title: "t",
    waiting: "us",
    ...topic,
  };
  const topics = {
    waiting: async () => [record],
    update: async (_account: Account, _chat: string, patch: Partial<TopicRecord>) => {
      record = { ...record, ...patch };
      return record;
    },
  } as unknown as Topics;
  const sent: string[] = [];
  const replies = new OffHoursReply({
    accounts: [{ id: "shop" } as Account],
    topics,
    hours: workingHours("Mon-Fri 09:00-18:00", "Europe/Moscow"),
    text,
    log: pino({ level: "silent" }),
    send: async (_account, _topic, body, key) => {
      sent.push(`${key}:${body}`);
    },
  });
  const buyerWrites = (at: number) => {
    record = { ...record, buyerAt: at };
  };
  return { replies, sent, record: () => record, buyerWrites };
}

describe("the off-hours reply", () => {
  it("goes once per off-hours period, keyed by the opening that ends it", async () => {
    const { replies, sent, record, buyerWrites } = setup({ buyerAt: msk(2, "23:00") }, TEXT);
    await replies.tick(msk(2, "23:01"));
    await replies.tick(msk(3, "03:00"));
    expect(sent).toEqual([`${msk(3, "09:00")}:Ответим утром`]);
    expect(record().autoReplied).toBe(msk(3, "09:00"));
    // Still unanswered the next evening: nothing until the buyer writes in this new period.
    await replies.tick(msk(3, "19:00"));
    expect(sent).toHaveLength(1);
    buyerWrites(msk(3, "19:30"));
    await replies.tick(msk(3, "19:31"));
    expect(sent).toEqual([`${msk(3, "09:00")}:Ответим утром`, `${msk(4, "09:00")}:Ответим утром`]);
  });

  it("is never sent in a closed or disputed chat, nor for a message in working hours", async () => {
    for (const topic of [
      { buyerAt: msk(2, "23:00"), closed: true },
      { buyerAt: msk(2, "23:00"), disputed: true },
      { buyerAt: msk(2, "17:59") },
      { buyerAt: msk(2, "23:00"), waiting: "buyer" as const },
    ]) {
      const { replies, sent } = setup(topic, TEXT);
      await replies.tick(msk(2, "23:05"));
      expect(sent).toEqual([]);
    }
  });

  it("sends nothing during working hours or without OFF_HOURS_REPLY", async () => {
    const open = setup({ buyerAt: msk(2, "08:00") }, TEXT);
    await open.replies.tick(msk(2, "09:00"));
    expect(open.sent).toEqual([]);
    const unset = setup({ buyerAt: msk(2, "23:00") }, undefined);
    await unset.replies.tick(msk(2, "23:01"));
    expect(unset.sent).toEqual([]);
  });
});
