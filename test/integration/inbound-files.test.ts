// Marketplace files → their topic, fetched one per group just before their post's turn: a
// backlog waiting for the group's Telegram budget holds one downloaded file, a slow download
// holds up no text, and a file that fails after its message's text went out does not post that
// text again.
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, useHarness } from "./harness.ts";

// A valid 1×1 PNG: the Telegram fake runs with strictImages, like Telegram itself.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
const FILE_PREFIX = "/v2/chat/file/";

describe("inbound files: fetched one per group, just before their post's turn", () => {
  // Telegram's real budget: the first 20 posts go out, the rest wait a minute (longer than
  // the test), which is a backlog.
  const h = useHarness({ start: true, groupMessagesPerMinute: 20 });

  it("fetches at most one file ahead of the group's budget", async () => {
    const { ozon, telegram } = h;
    // Each chat costs 3 posts for its topic (topic, card, pin) and 1 for its photo: 24 in all.
    const chats = Array.from({ length: 6 }, () => ozon.addChat());
    for (const chat of chats) ozon.buyerSendsImage(chat, PNG, "png");

    const downloads = () => ozon.requests.filter((r) => r.path.startsWith(FILE_PREFIX)).length;
    const photos = () => telegram.callsOf("sendPhoto").filter((c) => c.outcome === "ok").length;
    await waitFor(
      () =>
        h.bridge.queue.usage(STAFF).used >= 20 && h.bridge.queue.depth().some((d) => d.depth > 0),
      { message: "the budget used up with posts waiting" },
    );
    // Whatever a sync does next without the budget has had time to happen.
    await h.cycles(3);

    expect(photos()).toBeLessThan(chats.length);
    // The next file waits for its turn fetched (so a slow download holds up no text); no other.
    expect(downloads()).toBe(photos() + 1);
  });

  it("posts a note for a file that cannot be had, after its text, without posting the text again", async () => {
    const { ozon } = h;
    let long = "";
    while (long.length < 5000) long += "Где мой заказ? Уже неделю жду посылку. ";
    long = long.trim();
    // A file the marketplace no longer has: first a 500 (try again), then a 404 (gone).
    const path = `${FILE_PREFIX}gone-act.pdf`;
    ozon.failNext(path, { status: 500 });
    const chat = ozon.addChat();
    ozon.buyerWrites(chat, `${long}\n[act.pdf (1 KB)](${ozon.url}${path})`);

    const thread = await h.waitForThread(chat);
    const texts = await h.waitForBuyerTexts(thread, 3, 10_000);
    await h.cycles(2);
    expect(h.buyerTexts(thread)).toEqual(texts);
    expect(texts).toHaveLength(3);
    expect(texts.slice(0, 2).join(" ")).toBe(long);
    expect(texts[2]).toMatch(/^📎 act\.pdf: the file could not be downloaded/);
    expect(ozon.countByPath(path)).toBe(2);
  });

  it("posts a lone file's text with the note when the file cannot be had", async () => {
    const { ozon } = h;
    const chat = ozon.addChat();
    ozon.buyerWrites(chat, `Акт во вложении [act.pdf (1 KB)](${ozon.url}${FILE_PREFIX}gone.pdf)`);

    const thread = await h.waitForThread(chat);
    await h.waitForBuyerTexts(thread, 1);
    await h.cycles(2);
    const [text, ...rest] = h.buyerTexts(thread);
    expect(rest).toEqual([]);
    expect(text).toMatch(/^Акт во вложении\n\n📎 act\.pdf: the file could not be downloaded/);
    // The reason in words; the API's own error names the file's address, which staff need not see.
    expect(text).toContain("(the file is no longer on the marketplace)");
    expect(text).not.toContain(ozon.url);
  });

  it("says a refused file in the generic words when the marketplace has none of its own", async () => {
    const { ozon } = h;
    const path = `${FILE_PREFIX}denied.pdf`;
    ozon.failNext(path, { status: 403 });
    const chat = ozon.addChat();
    ozon.buyerWrites(chat, `[act.pdf (1 KB)](${ozon.url}${path})`);
    const thread = await h.waitForThread(chat);
    const [text] = await h.waitForBuyerTexts(thread, 1);
    expect(text).toBe(
      "📎 act.pdf: the file could not be downloaded (the marketplace denied access to the file). Open the chat in the marketplace cabinet.",
    );
  });
});

describe("inbound files: a slow download", () => {
  const h = useHarness({ start: true });

  it("holds up no text of another chat in the same group", async () => {
    const { ozon, telegram } = h;
    const photos = () => telegram.callsOf("sendPhoto").filter((c) => c.outcome === "ok").length;
    const slow = ozon.addChat();
    const { url } = ozon.buyerSendsImage(slow, PNG, "png");
    ozon.delayNext(new URL(url).pathname, 4000);
    await h.waitForThread(slow);
    const other = ozon.addChat();
    ozon.buyerWrites(other, "Где мой заказ?");
    const thread = await h.waitForThread(other);
    expect(await h.waitForBuyerTexts(thread, 1)).toEqual(["Где мой заказ?"]);
    // The photo was still on its way when the other chat's text went out.
    expect(photos()).toBe(0);
    await waitFor(() => photos() === 1, {
      message: "the photo posted after all",
      timeoutMs: 10_000,
    });
  });
});
