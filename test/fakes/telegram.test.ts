import { randomBytes } from "node:crypto";
import { Bot, GrammyError, HttpError, InputFile } from "grammy";
import type { Message } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { FakeTelegram } from "./telegram.ts";

const TOKEN = "123456789:TEST-token_for-the-fake";
const STAFF = -1001234567890;

function pngBytes(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write("IHDR", 12, "latin1");
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return Buffer.concat([header, randomBytes(2000)]);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

async function grammyError(promise: Promise<unknown>): Promise<GrammyError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(GrammyError);
  return error as GrammyError;
}

describe("FakeTelegram through a real grammY client", () => {
  let fake: FakeTelegram;
  let bot: Bot;

  beforeEach(async () => {
    fake = new FakeTelegram({ token: TOKEN, staffChatId: STAFF, botUsername: "bridge_bot" });
    await fake.start();
    bot = new Bot(TOKEN, { client: { apiRoot: fake.url } });
  });

  afterEach(async () => {
    if (bot.isRunning()) await bot.stop();
    await fake.stop();
    expect(fake.internalErrors).toEqual([]);
  });

  it("answers getMe and rejects a wrong token or an unknown method", async () => {
    const me = await bot.api.getMe();
    expect(me).toMatchObject({
      id: 123456789,
      is_bot: true,
      username: "bridge_bot",
      can_join_groups: true,
      supports_inline_queries: false,
      has_topics_enabled: false,
    });

    const wrong = new Bot("1:nope", { client: { apiRoot: fake.url } });
    const unauthorized = await grammyError(wrong.api.getMe());
    expect(unauthorized.error_code).toBe(401);
    expect(unauthorized.description).toBe("Unauthorized");

    const response = await fetch(`${fake.url}/bot${TOKEN}/noSuchMethod`, { method: "POST" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      ok: false,
      error_code: 404,
      description: "Not Found",
    });
  });

  it("delivers an injected staff topic message to bot.start() long polling and ends the poll on stop()", async () => {
    const topic = await bot.api.createForumTopic(STAFF, "Ozon · order 12345");
    const received: Message[] = [];
    bot.on("message", (ctx) => {
      received.push(ctx.msg);
    });
    let started = false;
    const polling = bot.start({
      onStart: () => {
        started = true;
      },
    });
    await waitFor(
      () => started && fake.callsOf("getUpdates").some((c) => c.outcome === "pending"),
      {
        message: "the bot to start long polling",
      },
    );

    const inTopic = fake.staffSends({ threadId: topic.message_thread_id, text: "Здравствуйте!" });
    const inGeneral = fake.staffSends({ text: "general chatter" });
    const replyInGeneral = fake.staffSends({ text: "a reply", replyTo: inGeneral });
    await waitFor(() => received.length === 3, { message: "three updates" });

    expect(received.map((m) => m.message_id)).toEqual([
      inTopic.message_id,
      inGeneral.message_id,
      replyInGeneral.message_id,
    ]);
    const [topicMessage, generalMessage, generalReply] = received;
    expect(topicMessage).toMatchObject({
      message_thread_id: topic.message_thread_id,
      is_topic_message: true,
      text: "Здравствуйте!",
      chat: { id: STAFF, type: "supergroup", is_forum: true },
      reply_to_message: { message_id: topic.message_thread_id },
    });
    expect(topicMessage?.reply_to_message?.forum_topic_created?.name).toBe("Ozon · order 12345");
    expect(generalMessage?.message_thread_id).toBeUndefined();
    expect(generalMessage?.is_topic_message).toBeUndefined();
    expect(generalReply?.message_thread_id).toBe(inGeneral.message_id);
    expect(generalReply?.is_topic_message).toBeUndefined();

    // The fake's own end of this poll is its 30 s timer; stop() must not have to wait for it.
    const longPoll = await waitFor(
      () => fake.callsOf("getUpdates").find((c) => c.outcome === "pending"),
      { message: "the next long poll" },
    );
    expect(longPoll.params.timeout).toBe(30);
    const events = ["stop() called"];
    const unsubscribe = fake.onCall((call) => {
      if (call === longPoll) events.push("long poll ended");
      else if (call.method === "getUpdates") events.push("offset confirmed");
    });
    await bot.stop();
    await polling;
    unsubscribe();
    expect(events).toEqual(["stop() called", "long poll ended", "offset confirmed"]);
    // The confirmation moved the offset past every update, so the next instance gets none again.
    expect(fake.pendingUpdates).toEqual([]);
  });

  it("keeps a multipart document with a Cyrillic filename containing spaces byte-identical", async () => {
    const topic = await bot.api.createForumTopic(STAFF, "Yandex · 777");
    const bytes = randomBytes(64 * 1024);
    const name = "Счёт на оплату №5 (копия; финал).pdf";
    const message = await bot.api.sendDocument(STAFF, new InputFile(bytes, name), {
      message_thread_id: topic.message_thread_id,
      caption: "<b>Документ</b> от покупателя",
      parse_mode: "HTML",
      reply_parameters: { message_id: topic.message_thread_id },
      disable_notification: true,
    });

    expect(message.document).toMatchObject({
      file_name: name,
      mime_type: "application/pdf",
      file_size: bytes.length,
    });
    expect(message.caption).toBe("Документ от покупателя");
    expect(message.caption_entities).toEqual([{ type: "bold", offset: 0, length: 8 }]);
    expect(message.is_topic_message).toBe(true);

    const call = fake.callsOf("sendDocument")[0];
    expect(call?.params).toMatchObject({
      chat_id: STAFF,
      message_thread_id: topic.message_thread_id,
      disable_notification: true,
      reply_parameters: { message_id: topic.message_thread_id },
    });
    expect(call?.files[0]?.filename).toBe(name);
    expect(call?.files[0]?.bytes.equals(bytes)).toBe(true);

    const file = await bot.api.getFile(message.document?.file_id ?? "");
    const download = await fetch(`${fake.url}/file/bot${TOKEN}/${file.file_path}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("creates a topic whose service message counts as a chat message, then posts into it", async () => {
    const topic = await bot.api.createForumTopic(STAFF, "Заказ 1", { icon_color: 16766590 });
    expect(topic).toEqual({
      message_thread_id: expect.any(Number),
      name: "Заказ 1",
      icon_color: 16766590,
    });
    const sent = await bot.api.sendMessage(STAFF, "first", {
      message_thread_id: topic.message_thread_id,
    });
    expect(sent).toMatchObject({
      message_id: topic.message_thread_id + 1,
      message_thread_id: topic.message_thread_id,
      is_topic_message: true,
      from: { id: 123456789, is_bot: true },
      chat: { id: STAFF },
      text: "first",
    });
    expect(typeof sent.date).toBe("number");

    const posted = fake.messagesIn(STAFF, topic.message_thread_id);
    expect(posted.map((p) => [p.service, p.message.text])).toEqual([
      [true, undefined],
      [false, "first"],
    ]);
    expect(fake.topics()).toEqual([
      {
        id: topic.message_thread_id,
        name: "Заказ 1",
        icon_color: 16766590,
        icon_custom_emoji_id: undefined,
        closed: false,
        deleted: false,
        createdByBot: true,
      },
    ]);

    const general = await bot.api.sendMessage(STAFF, "to General");
    expect(general.message_thread_id).toBeUndefined();
    expect(fake.textsIn(STAFF, "general")).toEqual(["to General"]);

    const empty = await grammyError(bot.api.createForumTopic(STAFF, ""));
    expect(empty.error_code).toBe(400);
    const tooLong = await grammyError(bot.api.createForumTopic(STAFF, "x".repeat(129)));
    expect(tooLong.error_code).toBe(400);
  });

  it("answers 'message thread not found' for a topic deleted by a human or an unknown thread", async () => {
    const topic = await bot.api.createForumTopic(STAFF, "to be deleted");
    fake.deleteTopicByHuman(topic.message_thread_id);

    const error = await grammyError(
      bot.api.sendMessage(STAFF, "hello?", { message_thread_id: topic.message_thread_id }),
    );
    expect(error.error_code).toBe(400);
    expect(error.description).toBe("Bad Request: message thread not found");
    expect(error.method).toBe("sendMessage");

    const general = await grammyError(bot.api.sendMessage(STAFF, "x", { message_thread_id: 1 }));
    expect(general.description).toBe("Bad Request: message thread not found");

    const otherChat = await grammyError(bot.api.sendMessage(-100999, "x"));
    expect(otherChat.description).toBe("Bad Request: chat not found");
  });

  it("refuses posts into a closed topic with TOPIC_CLOSED until it is reopened", async () => {
    const topic = await bot.api.createForumTopic(STAFF, "closing");
    fake.closeTopicByHuman(topic.message_thread_id);

    const error = await grammyError(
      bot.api.sendMessage(STAFF, "late", { message_thread_id: topic.message_thread_id }),
    );
    expect(error.error_code).toBe(400);
    expect(error.description).toBe("Bad Request: TOPIC_CLOSED");

    await bot.api.reopenForumTopic(STAFF, topic.message_thread_id);
    await bot.api.sendMessage(STAFF, "now", { message_thread_id: topic.message_thread_id });

    await bot.api.closeForumTopic(STAFF, topic.message_thread_id);
    const again = await grammyError(bot.api.closeForumTopic(STAFF, topic.message_thread_id));
    expect(again.description).toBe("Bad Request: TOPIC_NOT_MODIFIED");
    fake.closedTopicsRejectBot = false;
    await bot.api.sendMessage(STAFF, "admin may", { message_thread_id: topic.message_thread_id });
    expect(fake.textsIn(STAFF, topic.message_thread_id)).toEqual(["now", "admin may"]);
  });

  it("injects failures, delays and network errors per method", async () => {
    fake.failNext("sendMessage", {
      error_code: 429,
      description: "Too Many Requests: retry after 7",
      parameters: { retry_after: 7 },
    });
    const limited = await grammyError(bot.api.sendMessage(STAFF, "one"));
    expect(limited.error_code).toBe(429);
    expect(limited.parameters.retry_after).toBe(7);
    expect(fake.count429).toBe(1);
    await bot.api.sendMessage(STAFF, "two");
    expect(fake.textsIn(STAFF)).toEqual(["two"]);

    fake.dropNext("sendMessage");
    expect(await rejection(bot.api.sendMessage(STAFF, "lost request"))).toBeInstanceOf(HttpError);
    fake.dropNext("sendMessage", { after: true });
    expect(await rejection(bot.api.sendMessage(STAFF, "lost answer"))).toBeInstanceOf(HttpError);
    expect(fake.textsIn(STAFF)).toEqual(["two", "lost answer"]);

    // A delayed call is held while later ones go through: the getMe sent first is answered after
    // a sendMessage sent while it waits (the delay only has to outlast one loopback round trip).
    fake.delayNext("getMe", 500);
    const answered: string[] = [];
    const delayed = bot.api.getMe().then(() => answered.push("getMe"));
    await waitFor(() => fake.callsOf("getMe").length > 0, { message: "getMe at the fake" });
    await bot.api.sendMessage(STAFF, "sent while getMe waits");
    answered.push("sendMessage");
    await delayed;
    expect(answered).toEqual(["sendMessage", "getMe"]);

    const file = fake.addFile("hello", { name: "a.txt" });
    fake.dropNext("download");
    await expect(fetch(`${fake.url}/file/bot${TOKEN}/${file.file_path}`)).rejects.toThrow();
    const call = await fake.waitForCall("download", (c) => c.outcome === "dropped");
    expect(call.params.file_path).toBe(file.file_path);

    fake.dropNext("getUpdates");
    await expect(fetch(`${fake.url}/bot${TOKEN}/getUpdates`)).rejects.toThrow();
  });

  it("honours getUpdates offset, limit, timeout and allowed_updates", async () => {
    const first = fake.staffSends({ text: "1" });
    fake.staffSends({ text: "2" });
    fake.staffSends({ text: "3" });
    const batch = await bot.api.getUpdates({ limit: 2 });
    expect(batch.map((u) => u.message?.text)).toEqual(["1", "2"]);
    // Not confirmed yet: asking again without an offset returns the same updates.
    expect((await bot.api.getUpdates({ limit: 1 }))[0]?.message?.message_id).toBe(first.message_id);
    const last = batch.at(-1)?.update_id ?? 0;
    const rest = await bot.api.getUpdates({ offset: last + 1 });
    expect(rest.map((u) => u.message?.text)).toEqual(["3"]);
    expect(fake.pendingUpdates).toHaveLength(1);

    const confirmAll = (rest.at(-1)?.update_id ?? 0) + 1;
    const waiting = bot.api.getUpdates({ offset: confirmAll, timeout: 10 });
    const longPoll = await waitFor(() =>
      fake.callsOf("getUpdates").find((c) => c.outcome === "pending"),
    );
    // Woken by the update, the poll is answered before a call sent after the update; left to its
    // 10 s timeout, it would be answered after.
    const answered: string[] = [];
    const unsubscribe = fake.onCall((call) => {
      if (call === longPoll) answered.push("long poll");
      else if (call.method === "getMe") answered.push("getMe");
    });
    fake.staffSends({ text: "wake up" });
    await bot.api.getMe();
    const woken = await waiting;
    unsubscribe();
    expect(answered).toEqual(["long poll", "getMe"]);
    expect(woken.map((u) => u.message?.text)).toEqual(["wake up"]);

    // Reactions are not delivered unless asked for, and the setting sticks.
    await bot.api.getUpdates({ offset: (woken[0]?.update_id ?? 0) + 1, allowed_updates: [] });
    const reaction = {
      chat: { id: STAFF, type: "supergroup" as const, title: "x" },
      message_id: first.message_id,
      date: 1,
      old_reaction: [],
      new_reaction: [],
    };
    expect(fake.pushUpdate({ message_reaction: reaction })).toBeUndefined();
    await bot.api.getUpdates({ allowed_updates: ["message_reaction"] });
    expect(fake.pushUpdate({ message_reaction: reaction })?.update_id).toBeGreaterThan(0);

    await bot.api.setWebhook("https://example.com/hook");
    const conflict = await grammyError(bot.api.getUpdates());
    expect(conflict.error_code).toBe(409);
    await bot.api.deleteWebhook({ drop_pending_updates: true });
    expect(await bot.api.getUpdates()).toEqual([]);
  });

  it("models chats, membership and bot rights", async () => {
    const chat = await bot.api.getChat(STAFF);
    expect(chat).toMatchObject({ id: STAFF, type: "supergroup", is_forum: true });
    const me = await bot.api.getChatMember(STAFF, 123456789);
    expect(me).toMatchObject({ status: "administrator", can_manage_topics: true });
    const admins = await bot.api.getChatAdministrators(STAFF);
    expect(admins.map((a) => a.status).sort()).toEqual(["administrator", "creator"]);

    fake.setBotAdmin(false);
    expect((await bot.api.getChatMember(STAFF, 123456789)).status).toBe("member");
    const denied = await grammyError(bot.api.createForumTopic(STAFF, "nope"));
    expect(denied.description).toBe("Bad Request: not enough rights to create a topic");
    fake.setBotAdmin({ can_manage_topics: true });

    const unknownUser = await grammyError(bot.api.sendMessage(5000001, "hi"));
    expect(unknownUser.description).toBe("Bad Request: chat not found");
    const dm = fake.userSendsPrivate({ text: "/start" });
    expect(dm.chat.type).toBe("private");
    await bot.api.sendMessage(dm.chat.id, "hello");
    fake.userBlocksBot(dm.chat.id);
    const blocked = await grammyError(bot.api.sendMessage(dm.chat.id, "again"));
    expect(blocked.error_code).toBe(403);

    const foreign = fake.otherGroupSends({ text: "hi bot" });
    expect(foreign.chat.id).not.toBe(STAFF);
    const noTopics = await grammyError(bot.api.createForumTopic(foreign.chat.id, "x"));
    expect(noTopics.description).toBe("Bad Request: the chat is not a forum");
    await bot.api.leaveChat(foreign.chat.id);
    expect((await grammyError(bot.api.sendMessage(foreign.chat.id, "x"))).error_code).toBe(403);
  });

  it("enforces the per-group message budget with 429 and retry_after", async () => {
    // On a clock that moves only when the test moves it, retry_after is exact and the slot
    // frees at the very millisecond the oldest post leaves the window.
    let clock = Date.UTC(2025, 0, 1);
    await fake.stop();
    fake = new FakeTelegram({
      token: TOKEN,
      staffChatId: STAFF,
      groupMessagesPerMinute: 3,
      now: () => clock,
    });
    await fake.start();
    bot = new Bot(TOKEN, { client: { apiRoot: fake.url } });

    const topic = await bot.api.createForumTopic(STAFF, "budget");
    await bot.api.sendMessage(STAFF, "1", { message_thread_id: topic.message_thread_id });
    await bot.api.sendMessage(STAFF, "2");
    const error = await grammyError(bot.api.sendMessage(STAFF, "3"));
    expect(error.error_code).toBe(429);
    expect(error.description).toBe("Too Many Requests: retry after 60");
    expect(error.parameters.retry_after).toBe(60);
    expect(fake.count429).toBe(1);
    expect(fake.textsIn(STAFF)).toEqual(["1", "2"]);

    clock += 59_999;
    const almost = await grammyError(bot.api.sendMessage(STAFF, "3"));
    expect(almost.parameters.retry_after).toBe(1);
    clock += 1;
    await bot.api.sendMessage(STAFF, "3");
    expect(fake.textsIn(STAFF)).toEqual(["1", "2", "3"]);
  });

  it("frees the budget when a scaled window passes", async () => {
    fake.groupMessagesPerMinute = 2;
    fake.windowMs = 300;
    await bot.api.sendMessage(STAFF, "a");
    await bot.api.sendMessage(STAFF, "b");
    const error = await grammyError(bot.api.sendMessage(STAFF, "c"));
    // retry_after is in window seconds (windowMs / 60 each), at most 60.
    expect(error.parameters.retry_after).toBeGreaterThan(0);
    expect(error.parameters.retry_after).toBeLessThanOrEqual(60);
    await waitFor(
      async () =>
        bot.api
          .sendMessage(STAFF, "c")
          .then(() => true)
          .catch(() => false),
      { message: "the window to free a slot" },
    );
    expect(fake.textsIn(STAFF)).toEqual(["a", "b", "c"]);
  });

  it("serves staff photos through getFile and the file route, largest size = original bytes", async () => {
    const original = pngBytes(1280, 960);
    const file = fake.addFile(original, { kind: "photo" });
    const message = fake.staffSends({ photo: file, caption: "фото товара" });
    const sizes = message.photo ?? [];
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.map((s) => s.width)).toEqual([...sizes.map((s) => s.width)].sort((a, b) => a - b));
    const largest = sizes.at(-1);
    expect(largest).toMatchObject({ width: 1280, height: 960, file_size: original.length });

    const info = await bot.api.getFile(largest?.file_id ?? "");
    expect(info).toMatchObject({ file_id: largest?.file_id, file_size: original.length });
    const response = await fetch(`${fake.url}/file/bot${TOKEN}/${info.file_path}`);
    expect(Buffer.from(await response.arrayBuffer()).equals(original)).toBe(true);

    const missing = await fetch(`${fake.url}/file/bot${TOKEN}/documents/nope.pdf`);
    expect(missing.status).toBe(404);

    const big = fake.addFile(Buffer.alloc(20 * 1024 * 1024 + 1), { name: "big.zip" });
    const tooBig = await grammyError(bot.api.getFile(big.file_id));
    expect(tooBig.description).toBe("Bad Request: file is too big");
  });

  it("validates texts and HTML like Telegram", async () => {
    const ok = await bot.api.sendMessage(
      STAFF,
      '  <b>Заказ</b> &lt;12&gt; <a href="https://example.com/?a=1&amp;b=2">ссылка</a>\n',
      { parse_mode: "HTML" },
    );
    expect(ok.text).toBe("Заказ <12> ссылка");
    expect(ok.entities).toEqual([
      { type: "bold", offset: 0, length: 5 },
      { type: "text_link", offset: 11, length: 6, url: "https://example.com/?a=1&b=2" },
    ]);

    for (const bad of ["<b>unclosed", "<b>x</i>", "line<br>break", "a < b", "R&D", "x</b>"]) {
      const error = await grammyError(bot.api.sendMessage(STAFF, bad, { parse_mode: "HTML" }));
      expect(error.error_code).toBe(400);
      expect(error.description).toMatch(/^Bad Request: can't parse entities: /);
    }
    const plain = await bot.api.sendMessage(STAFF, "a < b & R&D");
    expect(plain.text).toBe("a < b & R&D");

    const empty = await grammyError(bot.api.sendMessage(STAFF, " \n "));
    expect(empty.description).toBe("Bad Request: message text is empty");
    const long = await grammyError(bot.api.sendMessage(STAFF, "я".repeat(4097)));
    expect(long.description).toBe("Bad Request: message is too long");
    await bot.api.sendMessage(STAFF, "я".repeat(4096));
  });

  it("accepts callback data of 1 to 64 bytes, in sends and edits", async () => {
    const button = (data: string) => ({ inline_keyboard: [[{ text: "b", callback_data: data }]] });
    const sent = await bot.api.sendMessage(STAFF, "buttons", {
      reply_markup: button(`x:${"я".repeat(31)}`),
    });
    expect(sent.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({
      callback_data: `x:${"я".repeat(31)}`,
    });
    for (const bad of ["", `x:${"я".repeat(32)}`]) {
      const error = await grammyError(
        bot.api.sendMessage(STAFF, "buttons", { reply_markup: button(bad) }),
      );
      expect(error.description).toBe("Bad Request: BUTTON_DATA_INVALID");
      const edit = await grammyError(
        bot.api.editMessageText(STAFF, sent.message_id, "edited", { reply_markup: button(bad) }),
      );
      expect(edit.description).toBe("Bad Request: BUTTON_DATA_INVALID");
    }
  });

  it("sends an album as multipart, copies and reacts", async () => {
    const topic = await bot.api.createForumTopic(STAFF, "album");
    const sent = await bot.api.sendMediaGroup(
      STAFF,
      [
        { type: "photo", media: new InputFile(pngBytes(640, 480), "один.png"), caption: "1" },
        { type: "photo", media: new InputFile(pngBytes(320, 200), "два.png") },
      ],
      { message_thread_id: topic.message_thread_id },
    );
    // grammY types the result per media kind; the plain Message view is enough here.
    const album = sent as Message[];
    expect(album).toHaveLength(2);
    expect(album[0]?.media_group_id).toBeDefined();
    expect(album[0]?.media_group_id).toBe(album[1]?.media_group_id);
    expect(album[0]?.caption).toBe("1");
    expect(album.every((m) => m.message_thread_id === topic.message_thread_id)).toBe(true);

    const single = await grammyError(
      bot.api.sendMediaGroup(STAFF, [
        { type: "photo", media: album[0]?.photo?.[0]?.file_id ?? "" },
      ]),
    );
    expect(single.error_code).toBe(400);

    const staff = fake.staffSends({ threadId: topic.message_thread_id, text: "ответ покупателю" });
    const copy = await bot.api.copyMessage(STAFF, STAFF, staff.message_id);
    expect(fake.message(STAFF, copy.message_id)?.text).toBe("ответ покупателю");

    await bot.api.setMessageReaction(STAFF, staff.message_id, [{ type: "emoji", emoji: "👍" }]);
    expect(fake.reactions).toMatchObject([
      { chatId: STAFF, messageId: staff.message_id, reaction: [{ type: "emoji", emoji: "👍" }] },
    ]);
    const invalid = await grammyError(
      bot.api.setMessageReaction(STAFF, staff.message_id, [{ type: "emoji", emoji: "🦖" as "👍" }]),
    );
    expect(invalid.description).toBe("Bad Request: REACTION_INVALID");
  });
});
