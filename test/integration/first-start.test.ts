// First start on a shop that already has chats: only what staff have not read yet is mirrored;
// everything else is remembered silently and mirrored from its next message on.
import { describe, expect, it } from "vitest";
import { STAFF, useHarness } from "./harness.ts";

describe("first start on an existing shop", () => {
  const h = useHarness();

  it("mirrors only unread buyer messages; read and support chats wait for their next message", async () => {
    const { ozon, telegram } = h;
    const unreadChat = ozon.addChat();
    ozon.buyerWrites(unreadChat, "old question, answered in the cabinet");
    ozon.sellerReadsInCabinet(unreadChat);
    ozon.buyerWrites(unreadChat, "new question 1");
    ozon.buyerWrites(unreadChat, "new question 2");

    const readChat = ozon.addChat();
    ozon.buyerWrites(readChat, "read long ago");
    ozon.sellerReadsInCabinet(readChat);

    const supportChat = ozon.addChat({ type: "SELLER_SUPPORT" });
    ozon.systemWrites(supportChat, "Support", "unread support message");

    await h.start();
    const thread = await h.waitForThread(unreadChat);
    await h.cycles(3);

    expect(h.buyerTexts(thread)).toEqual(["new question 1", "new question 2"]);
    expect(telegram.topics(STAFF).map((t) => t.id)).toEqual([thread]);
    expect(h.threadOf(readChat)).toBeUndefined();
    expect(h.threadOf(supportChat)).toBeUndefined();

    ozon.buyerWrites(readChat, "a new message in the read chat");
    const readThread = await h.waitForThread(readChat);
    await h.waitForBuyerTexts(readThread, 1);
    await h.cycles(3);
    expect(h.buyerTexts(readThread)).toEqual(["a new message in the read chat"]);
    expect(telegram.topics(STAFF)).toHaveLength(2);
    expect(h.threadOf(supportChat)).toBeUndefined();
  });

  // The first-start rule must survive a failed first sync: a retry on a later cycle (or after a
  // restart) must not treat the old chat as brand new and post its read history.
  it("still mirrors only unread messages when the first sync of a chat fails once", async () => {
    const { ozon, telegram } = h;
    const chat = ozon.addChat();
    ozon.buyerWrites(chat, "old question, answered in the cabinet");
    ozon.sellerReadsInCabinet(chat);
    ozon.buyerWrites(chat, "new question");
    telegram.dropNext("createForumTopic");

    await h.start();
    const thread = await h.waitForThread(chat);
    await h.waitForBuyerTexts(thread, 1);
    await h.cycles(3);
    expect(h.buyerTexts(thread)).toEqual(["new question"]);
  });
});
