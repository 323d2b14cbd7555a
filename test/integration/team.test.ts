// A team in the group: who owns a chat (the first answer, /take, /assign, /unassign, the Take
// button, reminders), /find by buyer, chat id or @staff, and who sent each answer.
import type { Message, User } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeWildberries } from "../fakes/wildberries.ts";
import { waitFor } from "../support/wait-for.ts";
import { ACCOUNT_ID, STAFF, useHarness } from "./harness.ts";

const MINUTE = 60_000;
const TAKE_BUTTONS = { inline_keyboard: [[{ text: "🙋 Take", callback_data: "take" }]] };
const boris: User = { id: 7000002, is_bot: false, first_name: "Boris", username: "boris_staff" };

describe("chat owners", () => {
  const h = useHarness({ start: true });
  const anna = () => h.telegram.staffUser;

  /** The pinned order card of a topic, as it is now. */
  const card = (thread: number): Message => {
    const found = h.telegram
      .messagesIn(STAFF, thread)
      .find((m) => m.message.text?.includes("Chat ID:"))?.message;
    if (!found) throw new Error(`no card in topic ${thread}`);
    return found;
  };
  const ownerLine = (thread: number) =>
    card(thread)
      .text?.split("\n")
      .find((line) => line.startsWith("Owner: "));
  /** Ids of the people a message mentions with a notifying link. */
  const mentioned = (message: Message) =>
    (message.entities ?? []).flatMap((e) => (e.type === "text_mention" ? [e.user.id] : []));
  const textIn = (thread: number, predicate: (text: string) => boolean) =>
    waitFor(
      () => h.telegram.messagesIn(STAFF, thread).find((m) => predicate(m.message.text ?? "")),
      { message: "the bot's answer in the topic" },
    );
  const reacted = (message: Message) =>
    waitFor(() => h.telegram.reactions.some((r) => r.messageId === message.message_id), {
      message: `a receipt on ${message.message_id}`,
    });

  it("makes the first staff member whose answer reaches the buyer the owner", async () => {
    const { chat, thread } = await h.openChat("кто ответит?");
    expect(ownerLine(thread)).toBe("Owner: nobody — tap “🙋 Take”");
    expect(card(thread).reply_markup).toEqual(TAKE_BUTTONS);

    await reacted(h.telegram.staffSends({ threadId: thread, text: "Здравствуйте!" }));
    await reacted(h.telegram.staffSends({ threadId: thread, text: "Я тоже тут", from: boris }));
    await h.bridge.outbound.idle();

    expect(h.ozon.sentBySeller(chat)).toHaveLength(2);
    expect(ownerLine(thread)).toBe("Owner: Anna Staff");
    expect(mentioned(card(thread))).toEqual([anna().id]);
    // The edit kept the button.
    expect(card(thread).reply_markup).toEqual(TAKE_BUTTONS);
  });

  it("/assign hands a chat over by @username or by a reply, /unassign clears it", async () => {
    const { thread } = await h.openChat("вопрос");
    h.telegram.staffSends({ threadId: thread, text: "/assign @boris_staff" });
    await textIn(thread, (t) => t.startsWith("The bot does not know @boris_staff yet"));
    expect(ownerLine(thread)).toMatch(/^Owner: nobody/);

    h.telegram.staffSends({ text: "доброе утро", from: boris }); // in General: now known
    h.telegram.staffSends({ threadId: thread, text: "/assign @Boris_Staff" });
    const said = await textIn(thread, (t) => t === "👤 Boris owns this chat now.");
    expect(mentioned(said.message)).toEqual([boris.id]);
    await waitFor(() => ownerLine(thread) === "Owner: Boris");
    expect(card(thread).edit_date).toBeDefined();
    expect(mentioned(card(thread))).toEqual([boris.id]);

    const note = h.telegram.staffSends({ threadId: thread, text: "// беру этот чат" });
    h.telegram.staffSends({ threadId: thread, text: "/assign", replyTo: note, from: boris });
    await waitFor(() => ownerLine(thread) === "Owner: Anna Staff");

    h.telegram.staffSends({ threadId: thread, text: "/unassign" });
    await textIn(thread, (t) => t === "👤 The chat has no owner now.");
    await waitFor(() => ownerLine(thread)?.startsWith("Owner: nobody"));

    h.telegram.staffSends({ text: "/take" });
    await waitFor(() =>
      h.telegram.textsIn(STAFF, "general").includes("This command works inside a buyer topic."),
    );
  });

  it("the Take button makes whoever taps it the owner", async () => {
    const { thread } = await h.openChat("вопрос");
    const query = h.telegram.staffClicks(card(thread), "take", boris);
    await waitFor(() => ownerLine(thread) === "Owner: Boris");
    const answered = await waitFor(() =>
      h.telegram
        .callsOf("answerCallbackQuery")
        .find((c) => c.params.callback_query_id === query.id && c.outcome === "ok"),
    );
    expect(answered.params.text).toBe("This chat is yours now");
    await textIn(thread, (t) => t === "👤 Boris owns this chat now.");

    // Someone else taps while Boris owns it: the tapper takes it, as /take would.
    h.telegram.staffClicks(card(thread), "take");
    await waitFor(() => ownerLine(thread) === "Owner: Anna Staff");
    expect(card(thread).reply_markup).toEqual(TAKE_BUTTONS);
  });

  it("a reminder mentions the owner first and carries the Take button", async () => {
    const { thread } = await h.openChat("ответьте, пожалуйста");
    await waitFor(() => h.telegram.topic(thread, STAFF)?.name.startsWith("🔴"));
    h.telegram.staffSends({ threadId: thread, text: "/take", from: boris });
    await waitFor(() => ownerLine(thread) === "Owner: Boris");

    await h.bridge.reminders.tick(Date.now() + 31 * MINUTE);
    const reminder = (await textIn(thread, (t) => t.startsWith("⏰"))).message;
    expect(reminder.text?.split("\n")).toEqual([
      expect.stringMatching(/^⏰ The buyer has been waiting for 3\d min/),
      "Boris",
    ]);
    expect(mentioned(reminder)).toEqual([boris.id]);
    expect(reminder.reply_markup).toEqual(TAKE_BUTTONS);

    h.telegram.staffClicks(reminder, "take");
    await waitFor(() => ownerLine(thread) === "Owner: Anna Staff");
  });

  it("records who sent each message that reached the buyer, and not a refused one", async () => {
    const { chat, thread } = await h.openChat("вопрос");
    const startedAt = Date.now();
    const first = h.telegram.staffSends({ threadId: thread, text: "Первый ответ" });
    await reacted(first);
    // Long enough to go in several parts: still one record.
    const long = h.telegram.staffSends({
      threadId: thread,
      text: "длинно ".repeat(400),
      from: boris,
    });
    await reacted(long);
    const partsSoFar = h.ozon.sentBySeller(chat).length;
    expect(partsSoFar).toBeGreaterThan(2);

    h.ozon.setSendWindowClosed(chat);
    const refused = h.telegram.staffSends({ threadId: thread, text: "Третий" });
    await waitFor(() =>
      h.telegram
        .messagesIn(STAFF, thread)
        .find((m) => m.message.reply_to_message?.message_id === refused.message_id),
    );
    await h.bridge.outbound.idle();

    expect(h.ozon.sentBySeller(chat)).toHaveLength(partsSoFar);
    const answers = (await h.bridge.store.answers.get(ACCOUNT_ID, chat)) ?? [];
    expect(answers.map(({ userId, name, messageId }) => ({ userId, name, messageId }))).toEqual([
      { userId: anna().id, name: "Anna Staff", messageId: first.message_id },
      { userId: boris.id, name: "Boris", messageId: long.message_id },
    ]);
    for (const answer of answers) {
      expect(answer.at).toBeGreaterThanOrEqual(startedAt);
      expect(answer.at).toBeLessThanOrEqual(Date.now());
    }
  });
});

describe("/find", () => {
  const h = useHarness({ start: true });

  /** Sends a command in General and returns the bot's answer to it. */
  const ask = async (text: string) => {
    const before = h.telegram.messagesIn(STAFF, "general").length;
    h.telegram.staffSends({ text });
    return waitFor(
      () =>
        h.telegram
          .messagesIn(STAFF, "general")
          .slice(before)
          .find((m) => m.message.from?.is_bot)?.message,
      { message: `the answer to ${text}` },
    );
  };
  const links = (message: Message) =>
    (message.entities ?? []).flatMap((e) => (e.type === "text_link" ? [e.url] : []));
  const linkTo = (thread: number) => `https://t.me/c/1234567890/${thread}`;

  it("finds a chat by its id and the chats a staff member owns", async () => {
    const a = await h.openChat("первый");
    const b = await h.openChat("второй");
    h.telegram.staffSends({ threadId: a.thread, text: "/take" });
    await waitFor(() =>
      h.telegram.textsIn(STAFF, a.thread).includes("👤 Anna Staff owns this chat now."),
    );

    expect(links(await ask("/find @anna_staff"))).toEqual([linkTo(a.thread)]);
    expect(links(await ask(`/find ${b.chat}`))).toEqual([linkTo(b.thread)]);
    expect((await ask("/find @boris_staff")).text).toBe("No topic found for “@boris_staff”.");
    expect((await ask("/find")).text).toMatch(/^Find what\?/);
  });

  it("lists at most ten topics and says how many more matched", async () => {
    const chats = Array.from({ length: 12 }, (_, i) => {
      const orderNumber = `55500${String(i + 10)}-1`;
      const chat = h.ozon.addChat({ orderNumber });
      h.ozon.buyerWrites(chat, "где заказ?", { orderNumber });
      return chat;
    });
    for (const chat of chats) await h.waitForThread(chat, 10_000);
    const answer = await ask("/find 55500");
    expect(links(answer)).toHaveLength(10);
    expect(answer.text?.split("\n").at(-1)).toBe("…and 2 more. Narrow the search.");
  });
});

describe("/find by a buyer's name", () => {
  // Wildberries tells the buyer's name; Ozon does not.
  const token = `${b64({ alg: "ES256" })}.${b64({ acc: 3, s: 2 ** 9, exp: 4102444800 })}.c2ln`;
  const wb = new FakeWildberries({ token });
  beforeAll(() => wb.start());
  afterAll(() => wb.stop());
  const h = useHarness({
    start: true,
    env: () => ({ WB_API_TOKEN: token, WB_API_URL: wb.url }),
  });

  it("finds the chat of a buyer called Иван in any case", async () => {
    const ivan = wb.addChat({ clientName: "Иван" });
    const petr = wb.addChat({ clientName: "Пётр" });
    wb.buyerWrites(ivan, "Здравствуйте, где мой заказ?");
    wb.buyerWrites(petr, "Добрый день");
    const topicOf = (name: string) =>
      waitFor(() => h.telegram.topics(STAFF).find((t) => t.name.includes(name))?.id, {
        timeoutMs: 15_000,
        message: `the topic of ${name}`,
      });
    const thread = await topicOf("Иван");
    await topicOf("Пётр");

    for (const query of ["Иван", "иван", "ВАН"]) {
      h.telegram.staffSends({ text: `/find ${query}` });
    }
    const answers = await waitFor(() => {
      const found = h.telegram
        .messagesIn(STAFF, "general")
        .filter((m) => m.message.from?.is_bot)
        .map((m) => m.message);
      return found.length >= 3 ? found : undefined;
    });
    for (const answer of answers) {
      const urls = (answer.entities ?? []).flatMap((e) => (e.type === "text_link" ? [e.url] : []));
      expect(urls).toEqual([`https://t.me/c/1234567890/${thread}`]);
    }
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
