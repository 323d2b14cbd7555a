// Buyer messages → their forum topic: one topic per chat even when syncs race, every message
// once and in order, and content (markup-looking text, long text, images, files) intact.
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, useHarness } from "./harness.ts";

// A valid 1×1 PNG: the Telegram fake runs with strictImages, like Telegram itself.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

describe("inbound: marketplace → topic", () => {
  const h = useHarness({ start: true });

  it("creates one topic when a push-style sync races the poller on a brand-new chat", async () => {
    const { ozon, telegram } = h;
    const account = h.account();
    // Topic creation is slow, so everything below happens while it is in flight.
    telegram.delayNext("createForumTopic", 300);
    const chat = ozon.addChat();
    ozon.buyerWrites(chat, "first");
    ozon.buyerWrites(chat, "second");
    const syncs = [h.bridge.chats.sync(account, chat)];
    await waitFor(() => telegram.callsOf("createForumTopic").length > 0, {
      message: "topic creation to start",
    });
    ozon.buyerWrites(chat, "third");
    syncs.push(h.bridge.chats.sync(account, chat), h.bridge.chats.sync(account, chat));
    await Promise.all(syncs);

    const thread = await h.waitForThread(chat);
    await h.waitForBuyerTexts(thread, 3);
    await h.cycles(3);
    expect(h.buyerTexts(thread)).toEqual(["first", "second", "third"]);
    expect(telegram.topics(STAFF)).toHaveLength(1);
    expect(telegram.callsOf("createForumTopic")).toHaveLength(1);
  });

  it("keeps the order of 20 buyer messages that arrive at once", async () => {
    const { ozon } = h;
    const chat = ozon.addChat();
    const texts = Array.from({ length: 20 }, (_, i) => `message ${i + 1}`);
    for (const text of texts) ozon.buyerWrites(chat, text);

    const thread = await h.waitForThread(chat);
    await h.waitForBuyerTexts(thread, 20, 10_000);
    await h.cycles(2);
    expect(h.buyerTexts(thread)).toEqual(texts);
  });

  it("delivers markup-looking and long text intact, images as photos, files by their name", async () => {
    const { ozon, telegram } = h;
    const unit = "<b>not bold</b> & *not italic* `not code` _x_ a&amp;b 1<2>3 ";
    let long = "";
    while (long.length < 5000) long += unit;
    long = `${long.slice(0, 4999)}!`;
    expect(long).toHaveLength(5000);
    const fileBytes = Buffer.from("%PDF-1.4 fake act of reconciliation\n", "utf8");
    const fileName = "Акт сверки №3 от 12.05.pdf";

    const chat = ozon.addChat();
    ozon.buyerWrites(chat, long);
    ozon.buyerSendsImage(chat, PNG, "png");
    ozon.buyerSendsFile(chat, fileBytes, fileName);

    const thread = await h.waitForThread(chat);
    await waitFor(() => h.buyerPosts(thread).length >= 4, { message: "2 text parts + 2 files" });
    await h.cycles(2);
    const posts = h.buyerPosts(thread);
    expect(posts).toHaveLength(4);

    const [part1, part2, photo, document] = posts.map((p) => p.message);
    const parts = [part1?.text ?? "", part2?.text ?? ""];
    for (const part of parts) {
      expect(part.length).toBeGreaterThan(0);
      expect(part.length).toBeLessThanOrEqual(4096);
    }
    // The split falls on a space; nothing was added, lost or interpreted as markup.
    expect(parts.join(" ")).toBe(long);
    expect(part1?.entities ?? []).toEqual([]);
    expect(part2?.entities ?? []).toEqual([]);

    const largest = photo?.photo?.at(-1);
    expect(largest).toBeDefined();
    expect(photo?.document).toBeUndefined();
    expect(telegram.fileBytes(largest?.file_id ?? "")?.equals(PNG)).toBe(true);

    expect(document?.document?.file_name).toBe(fileName);
    expect(telegram.fileBytes(document?.document?.file_id ?? "")?.equals(fileBytes)).toBe(true);
  });
});
