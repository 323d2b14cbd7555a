// One-tap retry: a staff message that failed for a reason that may pass gets "🔁 Retry" under
// its failure reply; one tap sends the same content once more, in the chat's order, and the
// reply is edited with the outcome. Refusals that cannot pass get no button; forged or stale
// taps change nothing.
import type { Message } from "grammy/types";
import { beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { SEND_FILE, SEND_MESSAGE, STAFF, useHarness } from "./harness.ts";

/** What Outbound tries before giving up (MAX_ATTEMPTS in src/bridge/outbound.ts). */
const ATTEMPTS = 8;

describe("one-tap retry of a failed staff message", () => {
  const h = useHarness({ start: true, outboundBackoffMs: 5 });
  let chat: string;
  let thread: number;

  beforeEach(async () => {
    ({ chat, thread } = await h.openChat("где мой заказ?"));
  });

  /** The bot's failure reply under a staff message, as it is now (edits applied). */
  const failureReply = async (staff: Message) => {
    const posted = await waitFor(
      () =>
        h.telegram
          .messagesIn(STAFF, thread)
          .find((m) => m.message.reply_to_message?.message_id === staff.message_id),
      { timeoutMs: 10_000, message: `a failure reply to ${staff.message_id}` },
    );
    return posted.message;
  };
  const current = (message: Message) => h.telegram.message(STAFF, message.message_id) as Message;
  const buttons = (message: Message) =>
    (current(message).reply_markup?.inline_keyboard ?? []).flat().map((b) => ({
      text: b.text,
      data: "callback_data" in b ? b.callback_data : undefined,
    }));
  /** Texts of the answers to callback queries, in order. */
  const answers = () =>
    h.telegram.callsOf("answerCallbackQuery").map((c) => c.params.text as string | undefined);
  const sentTexts = () =>
    h.ozon.sentBySeller(chat).map((s) => (s.kind === "text" ? s.text : s.name));

  /** A staff text that Ozon answers 500 until the bridge's retries run out. */
  const failWith500s = async (text: string) => {
    h.ozon.failNext(SEND_MESSAGE, { status: 500, times: ATTEMPTS });
    const staff = h.telegram.staffSends({ threadId: thread, text });
    const reply = await failureReply(staff);
    return { staff, reply };
  };

  it("offers Retry after 500s ran out the retries; one tap delivers it once and edits the reply", async () => {
    const { staff, reply } = await failWith500s("Отправим сегодня");
    expect(reply.text).toMatch(/^⚠️ Not delivered to the buyer: the marketplace is unavailable/);
    expect(buttons(reply)).toEqual([{ text: "🔁 Retry", data: `retry:${staff.message_id}` }]);
    expect(h.ozon.countByPath(SEND_MESSAGE)).toBe(ATTEMPTS);
    expect(sentTexts()).toEqual([]);

    // Ozon has recovered (its injected failures are used up).
    h.telegram.staffClicks(reply, `retry:${staff.message_id}`);
    await waitFor(() => current(reply).text?.startsWith("✅"), { message: "the edited reply" });
    expect(current(reply).text).toBe("✅ Delivered to the buyer on a retry.");
    expect(buttons(reply)).toEqual([]);
    expect(sentTexts()).toEqual(["Отправим сегодня"]);
    expect(h.ozon.countByPath(SEND_MESSAGE)).toBe(ATTEMPTS + 1);
    expect(answers()).toEqual(["Sending it again"]);
    await waitFor(() => h.telegram.reactions.find((r) => r.messageId === staff.message_id));

    // The button is gone, but a stale tap on the old data still changes nothing.
    h.telegram.staffClicks(reply, `retry:${staff.message_id}`);
    await waitFor(() => answers().length === 2);
    expect(answers()[1]).toBe("Nothing to retry: the message was sent already or is outdated");
    await h.bridge.outbound.idle();
    expect(sentTexts()).toEqual(["Отправим сегодня"]);
  });

  it("a second tap while the retry runs sends nothing more", async () => {
    const { staff, reply } = await failWith500s("Двойное нажатие");
    // The retry's send is slow, so the second tap arrives while it runs.
    h.ozon.delayNext(SEND_MESSAGE, 800);
    h.telegram.staffClicks(reply, `retry:${staff.message_id}`);
    h.telegram.staffClicks(reply, `retry:${staff.message_id}`);
    await waitFor(() => answers().length === 2, { message: "both taps answered" });
    expect(answers()).toEqual(["Sending it again", "Already being sent, please wait"]);
    await waitFor(() => current(reply).text?.startsWith("✅"), { message: "the edited reply" });
    await h.bridge.outbound.idle();
    expect(sentTexts()).toEqual(["Двойное нажатие"]);
    expect(h.ozon.countByPath(SEND_MESSAGE)).toBe(ATTEMPTS + 1);
  });

  it("keeps the order: a retry waits behind the chat's other sends", async () => {
    const { staff, reply } = await failWith500s("первое");
    h.ozon.delayNext(SEND_MESSAGE, 500);
    h.telegram.staffSends({ threadId: thread, text: "второе" });
    await waitFor(() => h.bridge.outbound.pendingCount().then((n) => n === 1));
    h.telegram.staffClicks(reply, `retry:${staff.message_id}`);
    await waitFor(() => sentTexts().length === 2, { message: "both sent" });
    expect(sentTexts()).toEqual(["второе", "первое"]);
  });

  it("a closed reply window may reopen: Retry, which fails again while it is closed", async () => {
    h.ozon.setSendWindowClosed(chat);
    const staff = h.telegram.staffSends({ threadId: thread, text: "Можно вопрос?" });
    const reply = await failureReply(staff);
    expect(reply.text).toMatch(/reply window/);
    expect(reply.text).toMatch(/tap “🔁 Retry” and the bot sends the message again\.$/);
    expect(reply.text).not.toMatch(/The retry at/);
    expect(buttons(reply)).toEqual([{ text: "🔁 Retry", data: `retry:${staff.message_id}` }]);

    // Still closed: one attempt, the reply says so again and keeps its button.
    h.telegram.clearCalls();
    h.telegram.staffClicks(reply, `retry:${staff.message_id}`);
    await waitFor(() => h.telegram.callsOf("editMessageText").length === 1);
    await h.bridge.outbound.idle();
    expect(h.ozon.countByPath(SEND_MESSAGE)).toBe(2);
    expect(current(reply).text).toMatch(/reply window/);
    // The edit says a retry happened: otherwise the tap would look like it did nothing.
    expect(current(reply).text).toMatch(/\nThe retry at \d\d:\d\d failed too\.\n/);
    expect(buttons(reply)).toEqual([{ text: "🔁 Retry", data: `retry:${staff.message_id}` }]);

    // The buyer wrote again: the window is open, and the same button delivers it.
    h.ozon.setSendWindowClosed(chat, false);
    h.telegram.staffClicks(reply, `retry:${staff.message_id}`);
    await waitFor(() => current(reply).text?.startsWith("✅"), { message: "the edited reply" });
    expect(sentTexts()).toEqual(["Можно вопрос?"]);
  });

  it("a file type the marketplace refuses gets no button", async () => {
    h.ozon.failNext(SEND_FILE, {
      status: 400,
      body: { code: 3, message: "file type is not supported", details: [] },
    });
    const file = h.telegram.addFile(Buffer.from("MZ binary"), {
      name: "setup.exe",
      mime: "application/x-msdownload",
    });
    const staff = h.telegram.staffSends({ threadId: thread, document: file });
    const reply = await failureReply(staff);
    expect(reply.text).toMatch(
      /the marketplace rejected the message \(.*file type is not supported/,
    );
    expect(reply.reply_markup).toBeUndefined();
    h.telegram.staffClicks(reply, `retry:${staff.message_id}`);
    await waitFor(() => answers().length === 1);
    expect(answers()).toEqual(["Nothing to retry: the message was sent already or is outdated"]);
    await h.bridge.outbound.idle();
    expect(h.ozon.countByPath(SEND_FILE)).toBe(1);
    expect(h.ozon.sentBySeller(chat)).toEqual([]);
  });

  it("forged callback data does nothing; the real button still works, also after a restart", async () => {
    const { staff, reply } = await failWith500s("Настоящее");
    const other = h.telegram.staffSends({ threadId: thread, text: "// заметка" });
    // Data naming no kept failure, malformed data, and the real data under another message.
    h.telegram.staffClicks(reply, "retry:999999");
    h.telegram.staffClicks(reply, "retry:../../etc");
    h.telegram.staffClicks(reply, `retry:${staff.message_id}:${"x".repeat(60)}`);
    h.telegram.staffClicks(other, `retry:${staff.message_id}`);
    await waitFor(() => answers().length === 4, { message: "four answers" });
    expect(new Set(answers())).toEqual(
      new Set(["Nothing to retry: the message was sent already or is outdated"]),
    );
    await h.bridge.outbound.idle();
    expect(sentTexts()).toEqual([]);
    expect(h.ozon.countByPath(SEND_MESSAGE)).toBe(ATTEMPTS);

    // The kept failure survives a restart.
    await h.stopBridge();
    await h.start();
    h.telegram.staffClicks(reply, `retry:${staff.message_id}`);
    await waitFor(() => current(reply).text?.startsWith("✅"), { message: "the edited reply" });
    expect(sentTexts()).toEqual(["Настоящее"]);
  });
});
