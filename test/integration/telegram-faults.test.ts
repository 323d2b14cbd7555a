// Telegram trouble while mirroring buyer messages: flood control, a topic closed by a human,
// lost connections. Nothing is lost; a lost answer repeats at most one post.
import { beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, useHarness } from "./harness.ts";

describe("inbound under Telegram faults", () => {
  const h = useHarness({ start: true });
  let chat: string;
  let thread: number;

  beforeEach(async () => {
    ({ chat, thread } = await h.openChat("hello"));
  });

  it("waits out a 429 with retry_after and delivers the message once", async () => {
    const { ozon, telegram } = h;
    telegram.failNext("sendMessage", {
      error_code: 429,
      description: "Too Many Requests: retry after 1",
      parameters: { retry_after: 1 },
    });
    ozon.buyerWrites(chat, "after the 429");

    await h.waitForBuyerTexts(thread, 2, 10_000);
    await h.cycles(3);
    expect(h.buyerTexts(thread)).toEqual(["hello", "after the 429"]);
    expect(telegram.callsOf("sendMessage").filter((c) => c.status === 429)).toHaveLength(1);
  });

  it("reopens a topic a human closed and delivers the message into it", async () => {
    const { ozon, telegram } = h;
    telegram.closeTopicByHuman(thread);
    ozon.buyerWrites(chat, "while the topic was closed");

    await h.waitForBuyerTexts(thread, 2);
    await h.cycles(3);
    expect(h.buyerTexts(thread)).toEqual(["hello", "while the topic was closed"]);
    expect(telegram.topic(thread)?.closed).toBe(false);
    expect(telegram.topics(STAFF)).toHaveLength(1);
    const refused = telegram
      .callsOf("sendMessage")
      .filter((c) => /TOPIC_CLOSED/.test(c.error?.description ?? ""));
    expect(refused).toHaveLength(1);
    expect(telegram.callsOf("reopenForumTopic").some((c) => c.outcome === "ok")).toBe(true);
  });

  it("delivers a message whose sendMessage connection was dropped before Telegram got it", async () => {
    const { ozon, telegram } = h;
    telegram.dropNext("sendMessage");
    ozon.buyerWrites(chat, "dropped once");

    await h.waitForBuyerTexts(thread, 2);
    await h.cycles(3);
    expect(telegram.callsOf("sendMessage").some((c) => c.outcome === "dropped")).toBe(true);
    expect(h.buyerTexts(thread)).toEqual(["hello", "dropped once"]);
  });

  it("repeats at most one post when Telegram posted but the answer was lost", async () => {
    const { ozon, telegram } = h;
    telegram.dropNext("sendMessage", { after: true });
    ozon.buyerWrites(chat, "answer lost");
    await h.waitForBuyerTexts(thread, 2);
    ozon.buyerWrites(chat, "next");

    await waitFor(() => h.buyerTexts(thread).includes("next"), { message: "the next message" });
    await h.cycles(3);
    const texts = h.buyerTexts(thread);
    const copies = texts.filter((t) => t === "answer lost").length;
    expect(copies).toBeGreaterThanOrEqual(1);
    expect(copies).toBeLessThanOrEqual(2);
    expect(texts.filter((t) => t === "next")).toHaveLength(1);
    expect(texts.at(-1)).toBe("next");
    expect(texts[0]).toBe("hello");
  });
});
