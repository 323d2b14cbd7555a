// Quick replies through the running bridge: /template add|del, /templates, "!name" in a topic,
// the preview with Send/Cancel, and templates kept across a restart. Only what reached the fake
// Telegram and the fake Ozon counts.
import type { Message } from "grammy/types";
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, useHarness } from "./harness.ts";

const DELIVERY = "Ваш заказ {order} уже в пути. {staff}, магазин {shop}";

describe("quick replies", () => {
  const h = useHarness({ start: true });
  const general = () => h.telegram.textsIn(STAFF, "general");
  const inGeneral = (predicate: (text: string) => boolean) =>
    waitFor(() => general().find(predicate), { message: "the bot's answer in General" });
  /** The bot's reply to a message, wherever it is. */
  const replyTo = (message: Message) =>
    waitFor(
      () =>
        h.telegram
          .messagesIn(STAFF)
          .find((m) => m.message.reply_to_message?.message_id === message.message_id),
      { message: `a reply to message ${message.message_id}` },
    );
  /** The bot's answer to a command: the newest of its messages after `after`. */
  const answerAfter = (after: Message, threadId?: number) =>
    waitFor(
      () =>
        h.telegram
          .messagesIn(STAFF, threadId ?? "general")
          .find((m) => !m.service && m.message.message_id > after.message_id),
      { message: `an answer after message ${after.message_id}` },
    );
  const command = async (text: string, threadId?: number) => {
    const sent = h.telegram.staffSends({ text, ...(threadId !== undefined ? { threadId } : {}) });
    return (await answerAfter(sent, threadId)).message;
  };
  const sellerTexts = (chat: string) =>
    h.ozon.sentBySeller(chat).map((s) => (s.kind === "text" ? s.text : s.name));
  /** A typed message reaches the buyer: everything sent before it in that topic was handled. */
  const typedAndDelivered = async (chat: string, thread: number, text: string) => {
    h.telegram.staffSends({ threadId: thread, text });
    await waitFor(() => sellerTexts(chat).includes(text), { message: `"${text}" at Ozon` });
  };
  const orderChat = async (orderNumber: string) => {
    const chat = h.ozon.addChat({ orderNumber });
    h.ozon.buyerWrites(chat, "где заказ?", { orderNumber });
    const thread = await h.waitForThread(chat);
    await h.waitForBuyerTexts(thread, 1);
    return { chat, thread };
  };
  const buttonsOf = (message: Message) =>
    (message.reply_markup?.inline_keyboard ?? []).flat().map((b) => ({
      text: b.text,
      data: "callback_data" in b ? b.callback_data : undefined,
    }));

  it("adds, lists, replaces and deletes templates, with names in any case", async () => {
    expect((await command(`/template add Доставка ${DELIVERY}`)).text).toBe(
      "✅ Template Доставка saved. In a topic: !Доставка",
    );
    expect((await command("/template add доставка Заказ {order} отправлен")).text).toBe(
      "✅ Template доставка replaced with the new text. In a topic: !доставка",
    );
    // A reply's text becomes the template.
    const quoted = h.telegram.staffSends({
      text: "Возврат оформляется в приложении\nв разделе «Заказы»",
    });
    const viaReply = h.telegram.staffSends({ text: "/template add return_1", replyTo: quoted });
    expect((await answerAfter(viaReply)).message.text).toBe(
      "✅ Template return_1 saved. In a topic: !return_1",
    );

    const list = await command("/templates");
    expect(list.text).toBe(
      [
        "Reply templates (2)",
        "• return_1 — Возврат оформляется в приложении в разд…",
        "• доставка — Заказ {order} отправлен",
        "",
        "In a buyer topic: !name sends at once, a button shows it first.",
      ].join("\n"),
    );
    expect(buttonsOf(list)).toEqual([
      { text: "return_1", data: "tpl:return_1" },
      { text: "доставка", data: "tpl:доставка" },
    ]);

    expect((await command("/template del RETURN_1")).text).toBe("🗑 Template RETURN_1 deleted.");
    expect((await command("/template del return_1")).text).toBe(
      "There is no template return_1. The list: /templates",
    );
    expect((await command("/templates")).text).toMatch(/^Reply templates \(1\)\n• доставка — /);
  });

  it("refuses bad names, missing and overlong texts with a reason", async () => {
    expect((await command("/template add доставка.срочно текст")).text).toBe(
      'A template name is one word of up to 30 characters: letters, digits, "_" and "-".',
    );
    expect((await command(`/template add ${"я".repeat(31)} текст`)).text).toMatch(
      /^A template name is one word of up to 30 characters/,
    );
    expect((await command("/template add пусто")).text).toBe(
      "The template has no text: write it after the name, or reply with the command to a message with text.",
    );
    expect((await command(`/template add длинный ${"а".repeat(3001)}`)).text).toBe(
      "The template's text has 3001 characters; at most 3000 are allowed.",
    );
    expect((await command("/template")).text).toMatch(/^Reply templates:\n\/template add delivery/);
    expect((await command("/templates")).text).toBe(
      "No templates yet. Add one: /template add delivery Your order {order} is on its way",
    );
    // The longest name allowed still fits in a button (64 bytes of callback data).
    const longest = "я".repeat(30);
    await command(`/template add ${longest} текст`);
    expect(buttonsOf(await command("/templates"))).toEqual([
      { text: longest, data: `tpl:${longest}` },
    ]);
  });

  it("holds 50 templates of the longest names and texts, all listed in one message", async () => {
    const names = Array.from({ length: 50 }, (_, i) => `${"я".repeat(27)}${100 + i}`);
    for (const name of names) await command(`/template add ${name} ${"а".repeat(3000)}`);
    expect((await command(`/template add ещё_один текст`)).text).toBe(
      "The group already has 50 templates: delete one you no longer need (/template del name).",
    );
    // Replacing one is still allowed.
    expect((await command(`/template add ${names[0]} короче`)).text).toMatch(/replaced/);
    const list = await command("/templates");
    expect(list.text?.split("\n")).toHaveLength(53);
    expect(buttonsOf(list).map((b) => b.data)).toEqual(names.map((n) => `tpl:${n}`));
  });

  it("!доставка sends the filled template once, with 👍 on the staff's message", async () => {
    await command(`/template add доставка ${DELIVERY}`);
    const { chat, thread } = await orderChat("12345678-0001");
    const call = h.telegram.staffSends({ threadId: thread, text: "!ДОСТАВКА" });
    await waitFor(() => h.telegram.reactions.find((r) => r.messageId === call.message_id), {
      message: "the 👍 receipt on !ДОСТАВКА",
    });
    await typedAndDelivered(chat, thread, "что-нибудь ещё?");
    expect(sellerTexts(chat)).toEqual([
      "Ваш заказ 12345678-0001 уже в пути. Anna Staff, магазин Ozon",
      "что-нибудь ещё?",
    ]);
    expect(h.telegram.reactions.find((r) => r.messageId === call.message_id)?.reaction).toEqual([
      { type: "emoji", emoji: "👍" },
    ]);
    // Nothing but the buyer's question was posted in the topic: no reply to the call.
    expect(
      h.telegram
        .messagesIn(STAFF, thread)
        .filter((m) => m.message.reply_to_message?.message_id === call.message_id),
    ).toEqual([]);
  });

  it("a placeholder without a value, or an unknown name, sends nothing and says why", async () => {
    await command("/template add привет Здравствуйте, {buyer}! Заказ {order} у нас.");
    const { chat, thread } = await h.openChat("вопрос без заказа");

    const missing = h.telegram.staffSends({ threadId: thread, text: "!привет" });
    expect((await replyTo(missing)).message.text).toBe(
      "⚠️ Not sent: template привет has nothing to put in place of {buyer} (the marketplace did not tell the buyer's name), {order} (this chat has no order number).",
    );
    const unknown = h.telegram.staffSends({ threadId: thread, text: "!нет_такого" });
    const reply = await replyTo(unknown);
    expect(reply.message.text).toBe(
      "⚠️ Not sent: there is no template нет_такого. The list: /templates",
    );
    expect(reply.message.message_thread_id).toBe(thread);

    await typedAndDelivered(chat, thread, "ответ вручную");
    expect(sellerTexts(chat)).toEqual(["ответ вручную"]);
    const reacted = h.telegram.reactions.map((r) => r.messageId);
    expect(reacted).not.toContain(missing.message_id);
    expect(reacted).not.toContain(unknown.message_id);
  });

  it("a button in a topic previews; Send sends once even when tapped twice, Cancel sends nothing", async () => {
    await command(`/template add доставка ${DELIVERY}`);
    const { chat, thread } = await orderChat("55555555-0002");
    const list = await command("/templates", thread);
    const previewAfter = async (tap: Message) => {
      h.telegram.staffClicks(tap, "tpl:доставка");
      const posted = await waitFor(
        () =>
          h.telegram
            .messagesIn(STAFF, thread)
            .find((m) => m.message.message_id > tap.message_id && m.message.reply_markup),
        { message: "the preview" },
      );
      return posted.message;
    };

    const preview = await previewAfter(list);
    expect(preview.text).toBe(
      "👁 Template доставка. The buyer will get:\n\nВаш заказ 55555555-0002 уже в пути. Anna Staff, магазин Ozon",
    );
    expect(buttonsOf(preview)).toEqual([
      { text: "Send", data: "tpl-send" },
      { text: "Cancel", data: "tpl-cancel" },
    ]);
    expect(h.ozon.sentBySeller(chat)).toEqual([]); // nothing in one tap

    h.telegram.staffClicks(preview, "tpl-send");
    h.telegram.staffClicks(preview, "tpl-send");
    await waitFor(() => h.telegram.reactions.find((r) => r.messageId === preview.message_id), {
      message: "the 👍 receipt on the preview",
    });
    await typedAndDelivered(chat, thread, "после шаблона");
    expect(sellerTexts(chat)).toEqual([
      "Ваш заказ 55555555-0002 уже в пути. Anna Staff, магазин Ozon",
      "после шаблона",
    ]);
    const edited = h.telegram.message(STAFF, preview.message_id);
    expect(edited?.text).toBe(
      "📤 Template доставка sent to the buyer (by Anna Staff):\n\nВаш заказ 55555555-0002 уже в пути. Anna Staff, магазин Ozon",
    );
    expect(edited?.reply_markup).toBeUndefined();
    const answers = h.telegram.callsOf("answerCallbackQuery").map((c) => c.params?.text);
    expect(answers.slice(-2)).toEqual([
      "Sending to the buyer",
      "This preview was already sent or cancelled",
    ]);

    const second = await previewAfter(list);
    h.telegram.staffClicks(second, "tpl-cancel");
    await waitFor(() => h.telegram.message(STAFF, second.message_id)?.text?.includes("cancelled"));
    expect(h.telegram.message(STAFF, second.message_id)?.text).toBe(
      "✖️ Template доставка not sent: cancelled.",
    );
    h.telegram.staffClicks(second, "tpl-send");
    await waitFor(() => h.telegram.callsOf("answerCallbackQuery").length === answers.length + 3);
    await typedAndDelivered(chat, thread, "последнее");
    expect(sellerTexts(chat)).toEqual([
      "Ваш заказ 55555555-0002 уже в пути. Anna Staff, магазин Ozon",
      "после шаблона",
      "последнее",
    ]);
  });

  it("a button outside a buyer topic shows the template's text", async () => {
    await command(`/template add доставка ${DELIVERY}`);
    const list = await command("/templates");
    h.telegram.staffClicks(list, "tpl:доставка");
    expect(await inGeneral((t) => t.startsWith("доставка\n"))).toBe(`доставка\n\n${DELIVERY}`);
  });

  it("templates survive a restart on the same data", async () => {
    await command(`/template add Доставка ${DELIVERY}`);
    await h.stopBridge();
    await h.start();
    expect((await command("/templates")).text).toMatch(/^Reply templates \(1\)\n• Доставка — /);
    const { chat, thread } = await orderChat("77777777-0003");
    const call = h.telegram.staffSends({ threadId: thread, text: "!доставка" });
    await waitFor(() => h.telegram.reactions.find((r) => r.messageId === call.message_id));
    expect(sellerTexts(chat)).toEqual([
      "Ваш заказ 77777777-0003 уже в пути. Anna Staff, магазин Ozon",
    ]);
  });
});

describe('quick replies with "!" as the note prefix', () => {
  const h = useHarness({ start: true, notePrefix: "!" });

  it("!name of a template sends it; any other ! message stays a note", async () => {
    const added = h.telegram.staffSends({ text: "/template add спасибо Спасибо за заказ!" });
    await waitFor(() =>
      h.telegram.messagesIn(STAFF, "general").find((m) => m.message.message_id > added.message_id),
    );
    const { chat, thread } = await h.openChat("вопрос");
    h.telegram.staffSends({ threadId: thread, text: "!срочно" });
    h.telegram.staffSends({ threadId: thread, text: "!клиент уже звонил" });
    const call = h.telegram.staffSends({ threadId: thread, text: "!Спасибо" });
    await waitFor(() => h.telegram.reactions.find((r) => r.messageId === call.message_id));
    h.telegram.staffSends({ threadId: thread, text: "до свидания" });
    await waitFor(() => h.ozon.sentBySeller(chat).length === 2);
    expect(h.ozon.sentBySeller(chat).map((s) => s.kind === "text" && s.text)).toEqual([
      "Спасибо за заказ!",
      "до свидания",
    ]);
    // The notes got no answer: the topic holds only the buyer's question.
    expect(h.telegram.textsIn(STAFF, thread).filter((t) => !t.startsWith("🛒"))).toEqual([
      "вопрос",
    ]);
  });
});
