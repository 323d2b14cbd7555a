// Staff messages in a topic → the buyer on Ozon: in order, with a 👍 receipt, or with a reply
// under the staff message that says why nothing was sent.
import { Api } from "grammy";
import type { Message } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GrammyTelegram } from "../../src/bot/telegram-port.ts";
import { Echoes } from "../../src/bridge/echoes.ts";
import { Outbound } from "../../src/bridge/outbound.ts";
import { GroupSendQueue } from "../../src/bridge/send-queue.ts";
import { type OutboundJob, Store } from "../../src/bridge/store/index.ts";
import { textsFor } from "../../src/bridge/texts/index.ts";
import { Topics } from "../../src/bridge/topics.ts";
import { waitFor } from "../support/wait-for.ts";
import {
  ACCOUNT_ID,
  SEND_FILE,
  SEND_MESSAGE,
  STAFF,
  silentLog,
  TOKEN,
  useHarness,
} from "./harness.ts";

const MB = 1024 * 1024;

describe("outbound through the running bridge", () => {
  const h = useHarness({ start: true });
  let chat: string;
  let thread: number;

  beforeEach(async () => {
    ({ chat, thread } = await h.openChat("hello"));
  });

  /** The bot's reply to a staff message, in the same topic. */
  const replyTo = (message: Message) =>
    waitFor(
      () =>
        h.telegram
          .messagesIn(STAFF, thread)
          .find((m) => m.message.reply_to_message?.message_id === message.message_id),
      { message: `a reply to staff message ${message.message_id}` },
    );

  it("sends 10 quick staff messages to Ozon in order, each with a receipt", async () => {
    const { ozon, telegram } = h;
    const texts = Array.from({ length: 10 }, (_, i) => `reply ${i + 1}`);
    // The first send is slow: later ones must wait for it, not overtake it.
    ozon.delayNext(SEND_MESSAGE, 300);
    const sent = texts.map((text) => telegram.staffSends({ threadId: thread, text }));

    await waitFor(() => ozon.sentBySeller(chat).length >= 10, {
      timeoutMs: 10_000,
      message: "10 sends to Ozon",
    });
    for (const message of sent) {
      await waitFor(() => telegram.reactions.some((r) => r.messageId === message.message_id), {
        message: `a receipt on ${message.message_id}`,
      });
    }
    await h.bridge.outbound.idle();
    expect(ozon.sentBySeller(chat).map((s) => (s.kind === "text" ? s.text : s.name))).toEqual(
      texts,
    );
    expect(await h.bridge.outbound.pendingCount()).toBe(0);
  });

  it("a staff message accepted while stored jobs resume goes after its chat's older ones", async () => {
    const { ozon, telegram } = h;
    const store = h.bridge.store;
    // As a takeover finds it: a job the dead holder stored and never sent.
    const older: OutboundJob = {
      id: "stored-by-the-dead-holder",
      staffChatId: STAFF,
      threadId: thread,
      messageId: telegram.staffSends({ text: "a staff message in General" }).message_id,
      accountId: ACCOUNT_ID,
      chatId: chat,
      parts: [{ type: "text", text: "older" }],
      done: 0,
      attempts: 0,
      createdAt: Date.now(),
    };
    await store.jobs.save(older);
    // The resume has read the stored jobs and is still busy with them.
    const pending = store.jobs.pending.bind(store.jobs);
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    vi.spyOn(store.jobs, "pending").mockImplementation(async () => {
      const jobs = await pending();
      await released;
      return jobs;
    });
    const resuming = h.bridge.outbound.resume();

    const newer = telegram.staffSends({ threadId: thread, text: "newer" });
    await waitFor(() => store.jobs.known(`${STAFF}:${newer.message_id}`), {
      message: "the newer staff message stored",
    });
    // Time enough for the newer one to go out, had it been put in the chat's lane at once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await resuming;
    await waitFor(() => ozon.sentBySeller(chat).length >= 2, { message: "both sends" });
    await h.bridge.outbound.idle();
    expect(ozon.sentBySeller(chat).map((s) => (s.kind === "text" ? s.text : s.name))).toEqual([
      "older",
      "newer",
    ]);
  });

  it("explains a closed reply window under the staff message and sends nothing", async () => {
    const { ozon, telegram } = h;
    ozon.setSendWindowClosed(chat);
    const staff = telegram.staffSends({ threadId: thread, text: "Can we help?" });

    const reply = await replyTo(staff);
    // The generic refusal, then what it usually means on Ozon (Ozon's own words).
    expect(reply.message.text).toMatch(
      /^⚠️ Not delivered to the buyer: the marketplace refused \(Ozon API: .*\)\. Usually the reply window has closed \(48 h after the buyer's last message or 72 h after delivery\) or the Premium Plus \/ Premium Pro subscription is missing\.\nWhen the cause has passed, tap “🔁 Retry” and the bot sends the message again\.$/,
    );
    expect(reply.params?.reply_parameters).toMatchObject({ message_id: staff.message_id });
    expect(reply.message.message_thread_id).toBe(thread);
    await h.bridge.outbound.idle();
    expect(ozon.sentBySeller(chat)).toEqual([]);
    expect(ozon.countByPath(SEND_MESSAGE)).toBe(1); // refused once, not retried
    expect(telegram.reactions.filter((r) => r.messageId === staff.message_id)).toEqual([]);
    expect(await h.bridge.outbound.pendingCount()).toBe(0);
  });

  it("refuses documents Ozon or Telegram cannot carry, before downloading anything", async () => {
    const { ozon, telegram } = h;
    const big = telegram.addFile(Buffer.alloc(11 * MB, 1), {
      name: "Большой каталог.pdf",
      mime: "application/pdf",
    });
    const huge = telegram.addFile(Buffer.alloc(25 * MB, 2), {
      name: "Видео-инструкция.zip",
      mime: "application/zip",
    });
    const bigMessage = telegram.staffSends({ threadId: thread, document: big });
    const hugeMessage = telegram.staffSends({ threadId: thread, document: huge });

    const bigReply = await replyTo(bigMessage);
    expect(bigReply.message.text).toMatch(/not sent/i);
    expect(bigReply.message.text).toContain("11.0 MB");
    expect(bigReply.message.text).toMatch(/Ozon accepts at most 10\.0 MB/);

    const hugeReply = await replyTo(hugeMessage);
    expect(hugeReply.message.text).toMatch(/not sent/i);
    expect(hugeReply.message.text).toContain("25.0 MB");
    expect(hugeReply.message.text).toMatch(/Telegram lets bots download files only up to 20 MB/);

    expect(telegram.callsOf("getFile")).toEqual([]);
    expect(ozon.countByPath(SEND_FILE)).toBe(0);
    expect(ozon.sentBySeller(chat)).toEqual([]);
    expect(telegram.reactions).toEqual([]);
  });
});

describe("outbound in Russian", () => {
  const h = useHarness({ start: true, language: "ru" });

  it("explains a closed reply window in Ozon's own words, in Russian", async () => {
    const { chat, thread } = await h.openChat("привет");
    h.ozon.setSendWindowClosed(chat);
    const staff = h.telegram.staffSends({ threadId: thread, text: "Чем помочь?" });
    const reply = await waitFor(() =>
      h.telegram
        .messagesIn(STAFF, thread)
        .find((m) => m.message.reply_to_message?.message_id === staff.message_id),
    );
    expect(reply.message.text).toMatch(
      /^⚠️ Не доставлено покупателю: маркетплейс отказал \(Ozon API: .*\)\. Обычно это значит, что закрылось окно ответа \(48 ч после последнего сообщения покупателя или 72 ч после доставки\) или нет подписки Premium Plus \/ Premium Pro\.\nКогда причина пройдёт, нажмите «🔁 Повторить» — бот отправит сообщение ещё раз\.$/,
    );
    expect(h.ozon.sentBySeller(chat)).toEqual([]);
  });
});

describe("outbound retries (Outbound with a short backoff, real HTTP on both sides)", () => {
  const h = useHarness();
  let store: Store;
  let outbound: Outbound;

  beforeEach(async () => {
    store = await Store.open(h.state);
    const queue = new GroupSendQueue(10_000);
    const telegram = new GrammyTelegram(new Api(TOKEN, { apiRoot: h.telegram.url }), {
      apiRoot: h.telegram.url,
      token: TOKEN,
    });
    const texts = textsFor("en");
    outbound = new Outbound({
      accounts: [h.account()],
      store,
      echoes: new Echoes(store),
      topics: new Topics({ store, telegram, queue, texts, log: silentLog }),
      telegram,
      queue,
      texts,
      log: silentLog,
      backoffBaseMs: 20,
    });
  });

  afterEach(async () => {
    await outbound.stop();
    await store.close();
  });

  it("sends once after Ozon answered 500 twice, then sets the receipt", async () => {
    const { ozon, telegram } = h;
    const chat = ozon.addChat();
    ozon.buyerWrites(chat, "where is my order?");
    const { topic } = telegram.createTopicByHuman("Buyer chat");
    const thread = topic.message_thread_id;
    await store.topics.save({
      accountId: ACCOUNT_ID,
      chatId: chat,
      staffChatId: STAFF,
      threadId: thread,
      title: "Buyer chat",
    });
    const staff = telegram.staffSends({ threadId: thread, text: "It ships today." });
    ozon.failNext(SEND_MESSAGE, { status: 500, times: 2 });

    await outbound.handleStaffMessage({
      staffChatId: STAFF,
      threadId: thread,
      messageId: staff.message_id,
      text: "It ships today.",
    });

    await waitFor(() => telegram.reactions.find((r) => r.messageId === staff.message_id), {
      message: "the 👍 receipt",
    });
    await outbound.idle();
    expect(telegram.reactions.find((r) => r.messageId === staff.message_id)?.reaction).toEqual([
      { type: "emoji", emoji: "👍" },
    ]);
    expect(ozon.countByPath(SEND_MESSAGE)).toBe(3);
    expect(ozon.sentBySeller(chat)).toEqual([
      expect.objectContaining({ kind: "text", text: "It ships today." }),
    ]);
    expect(telegram.messagesIn(STAFF, thread).filter((m) => !m.service)).toEqual([]); // no failure reply
    expect(await outbound.pendingCount()).toBe(0);
  });
});
