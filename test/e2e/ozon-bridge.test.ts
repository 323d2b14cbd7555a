// The real entry point against fake Telegram and Ozon servers, as a user would try it: buyer
// messages become topics, staff replies reach the buyer, restarts and deleted topics lose and
// repeat nothing.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { type BridgeProcess, startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { waitFor } from "../support/wait-for.ts";

const TOKEN = "123456789:test-token-for-the-fake";
const STAFF = -1001234567890;
const OZON_KEY = "ozon-api-key-0f6b3c2a";

describe("Ozon ⇄ Telegram bridge, end to end", () => {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  const ozon = new FakeOzon({ clientId: "424242", apiKey: OZON_KEY });
  const dataDir = tempDataDir();
  let bridge: BridgeProcess;
  let chatId: string;
  let threadId: number;
  let allOutput = "";

  const start = async () => {
    bridge = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "600",
      OZON_CLIENT_ID: "424242",
      OZON_API_KEY: OZON_KEY,
      OZON_API_URL: ozon.url,
      DATA_DIR: dataDir,
      POLL_INTERVAL_SECONDS: "1",
      LOG_LEVEL: "debug",
    });
    await bridge.waitForLog("bridge started");
  };
  const stop = async () => {
    const exit = await bridge.stop("SIGTERM");
    allOutput += bridge.output();
    return exit;
  };
  const buyerPosts = () =>
    telegram
      .messagesIn(STAFF, threadId)
      .filter((m) => !m.service && m.params?.disable_notification !== true);

  beforeAll(async () => {
    await telegram.start();
    await ozon.start();
    // An existing shop: one chat already read (must stay quiet), one support chat (never a topic).
    const oldChat = ozon.addChat({ orderNumber: "11111111-0001" });
    ozon.buyerWrites(oldChat, "old question, already answered");
    ozon.sellerReadsInCabinet(oldChat);
    ozon.addChat({ type: "SELLER_SUPPORT" });
    await start();
  });

  afterAll(async () => {
    if (bridge) await stop();
    await telegram.stop();
    await ozon.stop();
  });

  it("mirrors a buyer message with a photo once, in a new topic named with the posting number", async () => {
    chatId = ozon.addChat({ orderNumber: "47873153-0052-1" });
    ozon.buyerWrites(chatId, "Здравствуйте! Пришёл <b>не тот</b> цвет & размер *XL*", {
      orderNumber: "47873153-0052-1",
    });
    const photo = randomBytes(2048);
    ozon.buyerSendsImage(chatId, photo, "jpg", { orderNumber: "47873153-0052-1" });

    const topic = await waitFor(
      () => telegram.topics(STAFF).find((t) => t.name.includes("47873153-0052-1")),
      {
        timeoutMs: 10_000,
        message: "a topic named with the posting number",
      },
    );
    threadId = topic.id;
    const posts = await waitFor(() => {
      const found = buyerPosts();
      return found.length >= 2 ? found : undefined;
    });
    expect(posts[0]?.message.text).toBe("Здравствуйте! Пришёл <b>не тот</b> цвет & размер *XL*");
    const photoPost = posts[1]?.message;
    expect(photoPost?.photo).toBeDefined();
    const largest = photoPost?.photo?.at(-1);
    expect(telegram.fileBytes(largest?.file_id ?? "")?.equals(photo)).toBe(true);
    expect(telegram.topics(STAFF)).toHaveLength(1); // the old and the support chat stay quiet
  });

  it("sends a staff text, photo and document to Ozon with identical bytes, with receipts", async () => {
    const text = telegram.staffSends({ threadId, text: "Добрый день! Сейчас разберёмся." });
    const photoBytes = randomBytes(4096);
    const photo = telegram.addFile(photoBytes, { kind: "photo", mime: "image/jpeg" });
    const photoMessage = telegram.staffSends({ threadId, photo });
    const docBytes = randomBytes(10_000);
    const doc = telegram.addFile(docBytes, {
      name: "Акт возврата №5.pdf",
      mime: "application/pdf",
    });
    const docMessage = telegram.staffSends({ threadId, document: doc, caption: "Заполните акт" });

    const sent = await waitFor(
      () => {
        const all = ozon.sentBySeller(chatId);
        return all.length >= 4 ? all : undefined;
      },
      { timeoutMs: 10_000, message: "four sends to Ozon" },
    );
    expect(sent.map((s) => s.kind)).toEqual(["text", "file", "file", "text"]);
    expect(sent[0]).toMatchObject({ text: "Добрый день! Сейчас разберёмся." });
    const [, sentPhoto, sentDoc, caption] = sent;
    expect(sentPhoto?.kind === "file" && Buffer.from(sentPhoto.bytes).equals(photoBytes)).toBe(
      true,
    );
    expect(sentDoc?.kind === "file" && Buffer.from(sentDoc.bytes).equals(docBytes)).toBe(true);
    expect(sentDoc?.kind === "file" && sentDoc.name).toBe("Акт возврата №5.pdf");
    expect(caption).toMatchObject({ text: "Заполните акт" });

    for (const message of [text, photoMessage, docMessage]) {
      await waitFor(() => telegram.reactions.find((r) => r.messageId === message.message_id));
    }
    expect(ozon.contractViolations).toEqual([]);
    // Marked read after the reply.
    await waitFor(() => ozon.unread(chatId) === 0);
  });

  it("splits a 2 500-character reply into ordered parts of at most 1 000", async () => {
    const paragraphs = Array.from({ length: 5 }, (_, i) => `${i}:${"слово ".repeat(83)}`.trim());
    const long = paragraphs.join("\n\n");
    expect(long.length).toBeGreaterThanOrEqual(2500);
    const before = ozon.sentBySeller(chatId).length;
    telegram.staffSends({ threadId, text: long });
    const parts = await waitFor(() => {
      const all = ozon.sentBySeller(chatId).slice(before);
      return all.length >= 3 ? all : undefined;
    });
    const texts = parts.map((p) => (p.kind === "text" ? p.text : ""));
    for (const part of texts) expect(part.length).toBeLessThanOrEqual(1000);
    expect(texts.join("\n\n")).toBe(long);
  });

  it("explains a sticker and sends nothing", async () => {
    const before = ozon.sentBySeller(chatId).length;
    const sticker = telegram.staffSends({ threadId, sticker: true });
    const reply = await waitFor(() =>
      telegram
        .messagesIn(STAFF, threadId)
        .find((m) => m.message.reply_to_message?.message_id === sticker.message_id),
    );
    expect(reply.message.text).toMatch(/стикер/);
    expect(ozon.sentBySeller(chatId)).toHaveLength(before);
  });

  it("does not echo the staff replies back into the topic", async () => {
    // Several poll cycles pass over the seller messages the bridge itself sent.
    await waitFor(() => bridge.logs().filter((l) => l.msg === "staff message sent").length >= 4);
    ozon.buyerWrites(chatId, "Спасибо!");
    await waitFor(() => buyerPosts().some((p) => p.message.text === "Спасибо!"));
    const seller = telegram
      .messagesIn(STAFF, threadId)
      .filter((m) => /Продавец/.test(m.message.text ?? ""));
    expect(seller).toEqual([]);
  });

  it("shows a seller message written in the Ozon cabinet, silently and marked", async () => {
    ozon.sellerWritesInCabinet(chatId, "Ответ из кабинета");
    const post = await waitFor(
      () =>
        telegram
          .messagesIn(STAFF, threadId)
          .find((m) => m.message.text?.includes("Ответ из кабинета")),
      { timeoutMs: 20_000, message: "the cabinet message (found by the periodic sweep)" },
    );
    expect(post.params?.disable_notification).toBe(true);
    expect(post.message.text).toMatch(/Продавец/);
  });

  it("posts nothing twice across a restart", async () => {
    const postsBefore = telegram.messagesIn(STAFF).filter((m) => !m.service).length;
    const sentBefore = ozon.sentBySeller(chatId).length;
    expect((await stop()).code).toBe(0);
    await start();
    ozon.buyerWrites(chatId, "после перезапуска");
    await waitFor(() => buyerPosts().some((p) => p.message.text === "после перезапуска"));
    // Let two more cycles run (the first after a start is a full sweep), then count.
    const cycles = bridge.logs().filter((l) => l.msg === "poll cycle").length;
    await waitFor(() => bridge.logs().filter((l) => l.msg === "poll cycle").length >= cycles + 2);
    const added = telegram
      .messagesIn(STAFF)
      .filter((m) => !m.service)
      .slice(postsBefore)
      .map((m) => m.message.text ?? m.message.caption ?? "");
    expect(added, "posts since the restart").toEqual(["после перезапуска"]);
    expect(ozon.sentBySeller(chatId)).toHaveLength(sentBefore);
  });

  it("recreates a deleted topic and delivers the next message there once", async () => {
    telegram.deleteTopicByHuman(threadId);
    ozon.buyerWrites(chatId, "вы тут?");
    const fresh = await waitFor(
      () => telegram.topics(STAFF).find((t) => !t.deleted && t.name.includes("47873153-0052-1")),
      { message: "a new topic" },
    );
    expect(fresh.id).not.toBe(threadId);
    threadId = fresh.id;
    await waitFor(() => buyerPosts().some((p) => p.message.text === "вы тут?"));
    expect(buyerPosts().filter((p) => p.message.text === "вы тут?")).toHaveLength(1);
    // Staff can answer in the new topic.
    telegram.staffSends({ threadId, text: "Да, мы здесь" });
    await waitFor(() =>
      ozon.sentBySeller(chatId).some((s) => s.kind === "text" && s.text === "Да, мы здесь"),
    );
  });

  it("stops with exit code 0 on SIGTERM and never logs a secret", async () => {
    const { code } = await stop();
    expect(code).toBe(0);
    expect(allOutput).not.toContain(OZON_KEY);
    expect(allOutput).not.toContain(TOKEN);
    bridge = startBridgeProcess({}); // a harmless process for afterAll to stop (exits 2 at once)
  });
});
