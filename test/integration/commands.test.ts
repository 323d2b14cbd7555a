// Staff commands and habits in the group: /status, /find, /close, /reopen, /doctor, /help,
// internal notes and edited messages — answered with real figures from the running bridge.
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { SEND_MESSAGE, STAFF, useHarness } from "./harness.ts";

describe("staff commands", () => {
  const h = useHarness({ start: true });
  const general = () => h.telegram.textsIn(STAFF, "general");
  const answer = (predicate: (text: string) => boolean) =>
    waitFor(() => general().find(predicate), { message: "the bot's answer in General" });

  it("registers its command menu in both languages", async () => {
    expect(
      h.telegram.commands({ type: "chat", chat_id: STAFF }, "ru").map((c) => c.command),
    ).toEqual([
      "help",
      "new",
      "status",
      "find",
      "stats",
      "take",
      "assign",
      "unassign",
      "close",
      "reopen",
      "export",
      "doctor",
      "template",
      "templates",
    ]);
    expect(h.telegram.commands({ type: "chat", chat_id: STAFF }, "en")[2]?.description).toBe(
      "Bridge status",
    );
  });

  it("/status counts who waits for an answer and the unsent messages", async () => {
    await h.openChat("первый вопрос");
    await h.openChat("второй вопрос");
    h.ozon.failNext(SEND_MESSAGE, { status: 500, times: 100 });
    const { thread } = await h.openChat("третий");
    h.telegram.staffSends({ threadId: thread, text: "ответ, который пока не уходит" });
    await waitFor(async () => (await h.bridge.outbound.pendingCount()) === 1);
    h.telegram.staffSends({ text: "/status" });
    const text = await answer((t) => t.startsWith("Status"));
    expect(text).toContain("waiting for an answer: 3");
    expect(text).toContain("waiting to be sent: 1");
    expect(text).toMatch(/poll: under a minute ago/);
    expect(text).toMatch(/Telegram: \d+ of 10000 messages this minute/);
  });

  it("/find links to the order's topic", async () => {
    const chat = h.ozon.addChat({ orderNumber: "88005553535-1" });
    h.ozon.buyerWrites(chat, "где заказ?", { orderNumber: "88005553535-1" });
    const thread = await h.waitForThread(chat);
    h.telegram.staffSends({ text: "/find 88005553535-1" });
    await answer((t) => t.includes("88005553535-1"));
    const link = h.telegram
      .messagesIn(STAFF, "general")
      .flatMap((m) => m.message.entities ?? [])
      .find((e) => e.type === "text_link");
    expect(link && "url" in link && link.url).toBe(`https://t.me/c/1234567890/${thread}`);
    h.telegram.staffSends({ text: "/find 000" });
    await answer((t) => t === "No topic found for “000”.");
  });

  it("/close and /reopen act on the topic they are typed in", async () => {
    const { thread } = await h.openChat("закроем?");
    h.telegram.staffSends({ threadId: thread, text: "/close" });
    await waitFor(() => h.telegram.topic(thread, STAFF)?.closed);
    h.telegram.staffSends({ threadId: thread, text: "/reopen" });
    await waitFor(() => h.telegram.topic(thread, STAFF)?.closed === false);
    h.telegram.staffSends({ text: "/close" });
    await answer((t) => t === "This command works inside a buyer topic.");
  });

  it("/doctor reports each check", async () => {
    h.telegram.staffSends({ text: "/doctor" });
    const text = await answer((t) => t.startsWith("Check"));
    expect(text).toContain("✅ the group is a forum with topics");
    expect(text).toContain("✅ the bot is an admin with Manage Topics");
    expect(text).toContain("✅ Ozon API key");
    expect(text).toContain("❌ push notifications: not enabled");
  });

  it("keeps // notes in Telegram and offers to resend an edited message", async () => {
    const { chat, thread } = await h.openChat("вопрос");
    const before = h.ozon.sentBySeller(chat).length;
    h.telegram.staffSends({ threadId: thread, text: "// клиент уже звонил, не отвечаем" });
    const original = h.telegram.staffSends({ threadId: thread, text: "Цена 100 руб" });
    await waitFor(() => h.ozon.sentBySeller(chat).length === before + 1);
    h.telegram.staffEdits(original, "Цена 120 руб");
    const offer = await waitFor(() =>
      h.telegram
        .messagesIn(STAFF, thread)
        .find((m) => m.message.reply_to_message?.message_id === original.message_id),
    );
    expect(offer.message.text).toMatch(/edit did not reach the buyer/);
    h.telegram.staffClicks(offer.message, `resend:${original.message_id}`);
    await waitFor(() => h.ozon.sentBySeller(chat).length === before + 2);
    expect(
      h.ozon
        .sentBySeller(chat)
        .slice(before)
        .map((s) => s.kind === "text" && s.text),
    ).toEqual(["Цена 100 руб", "Цена 120 руб"]);
    // A second tap sends nothing more.
    h.telegram.staffClicks(offer.message, `resend:${original.message_id}`);
    await h.cycles(2);
    expect(h.ozon.sentBySeller(chat)).toHaveLength(before + 2);
  });
});
