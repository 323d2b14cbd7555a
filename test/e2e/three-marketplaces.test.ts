// The real entry point with Ozon, Yandex Market and Wildberries accounts at once, against the
// fakes. Wildberries has no push: everything comes from its event feed, within 10 requests in
// any 10 s.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { FakeWildberries } from "../fakes/wildberries.ts";
import { FakeYandex } from "../fakes/yandex.ts";
import { type BridgeProcess, startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { waitFor } from "../support/wait-for.ts";

const TOKEN = "123456789:three-marketplaces-token";
const STAFF = -1001234567890;
const YANDEX_KEY = "ACMA:yandex-e2e-key:1234abcd";
const BUSINESS = 7654321;

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "ES256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}

/** A personal token with the buyers chat category, valid for a year. */
const WB_TOKEN = jwt({
  acc: 3,
  exp: Math.floor(Date.now() / 1000) + 365 * 24 * 3600,
  s: 2 ** 9,
  sid: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
});
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(4000)]);

describe("Ozon, Yandex Market and Wildberries in one bridge", () => {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  const ozon = new FakeOzon({ clientId: "424242", apiKey: "ozon-e2e-key-0001" });
  const yandex = new FakeYandex({ apiKey: YANDEX_KEY, businessId: BUSINESS });
  // A file in moderation is asked for again after 1 s, not the spec example's 30 s.
  const wb = new FakeWildberries({ token: WB_TOKEN, retrySeconds: 1 });
  const dataDir = tempDataDir();
  let bridge: BridgeProcess;
  let chat: string;
  let threadId: number;

  const postsIn = (thread: number) => telegram.messagesIn(STAFF, thread).filter((m) => !m.service);
  const start = async () => {
    bridge = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "6000",
      OZON_CLIENT_ID: "424242",
      OZON_API_KEY: "ozon-e2e-key-0001",
      OZON_API_URL: ozon.url,
      YANDEX_API_KEY: YANDEX_KEY,
      YANDEX_BUSINESS_ID: String(BUSINESS),
      YANDEX_API_URL: yandex.url,
      WB_API_TOKEN: WB_TOKEN,
      WB_API_URL: wb.url,
      DATA_DIR: dataDir,
      POLL_INTERVAL_SECONDS: "1",
    });
    await bridge.waitForLog("bridge started");
  };

  beforeAll(async () => {
    await Promise.all([telegram.start(), ozon.start(), yandex.start(), wb.start()]);
    await start();
  });

  afterAll(async () => {
    const exit = await bridge.stop();
    expect(exit.code).toBe(0);
    expect(bridge.output()).not.toContain(WB_TOKEN);
    expect(bridge.output()).not.toContain(YANDEX_KEY);
    // Every WB request carried the token as WB's scheme wants it, and only to WB.
    expect(wb.requests.every((r) => r.auth === "raw")).toBe(true);
    expect(wb.maxRequestsIn10s()).toBeLessThanOrEqual(10);
    expect(wb.count429).toBe(0);
    expect(wb.contractViolations).toEqual([]);
    await Promise.all([telegram.stop(), ozon.stop(), yandex.stop(), wb.stop()]);
  });

  it("mirrors a WB buyer's text and photo once, in a topic named with the order and buyer", async () => {
    chat = wb.addChat({
      clientName: "Светлана",
      goodCard: { nmID: 246813579, rid: "7f3a9c21e5b04d88", size: "42", price: 2490 },
    });
    wb.buyerWrites(chat, "Добрый день! Размер 42 маломерит?");
    wb.buyerSendsImage(chat, JPEG);

    const topic = await waitFor(
      () => telegram.topics(STAFF).find((t) => t.name.includes("7f3a9c21e5b04d88")),
      { timeoutMs: 15_000, message: "a topic named with the WB order" },
    );
    threadId = topic.id;
    expect(topic.name).toContain("Светлана");
    const posts = await waitFor(() => {
      const found = postsIn(threadId).filter((p) => p.params?.disable_notification !== true);
      return found.length >= 2 ? found : undefined;
    });
    expect(posts[0]?.message.text).toBe("Добрый день! Размер 42 маломерит?");
    const photo = posts[1]?.message.photo?.at(-1) ?? posts[1]?.message.document;
    expect(photo).toBeDefined();
    expect(telegram.fileBytes(photo?.file_id ?? "")?.equals(JPEG)).toBe(true);
    // The order card names the product, its size and price, and links its page.
    const card = postsIn(threadId).find((p) => p.message.text?.includes("246813579"));
    expect(card?.message.text).toMatch(/246813579 · 42 · 2490 RUB/);
    expect(JSON.stringify(card?.params)).toContain(
      "https://www.wildberries.ru/catalog/246813579/detail.aspx",
    );
  });

  it("posts a buyer's text at once while WB still checks the photo, and the photo once it is approved", async () => {
    wb.buyerWrites(chat, "А вот ещё фото бирки");
    const PNG = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      randomBytes(3000),
    ]);
    const held = wb.buyerSendsImage(chat, PNG, { moderation: "pending" });
    const note = await waitFor(
      () => postsIn(threadId).find((p) => p.message.text?.includes("ещё проверяет файл")),
      { timeoutMs: 15_000, message: "the note that WB still checks the photo" },
    );
    expect(postsIn(threadId).some((p) => p.message.text === "А вот ещё фото бирки")).toBe(true);
    // Messages after it are not held up either.
    wb.buyerWrites(chat, "Жду ответа");
    await waitFor(() => postsIn(threadId).some((p) => p.message.text === "Жду ответа"), {
      timeoutMs: 15_000,
      message: "the next message, while the photo is still checked",
    });
    expect(note.message.text).not.toContain("http");

    wb.setModeration(held.downloadID, "approved");
    const photos = () =>
      postsIn(threadId).filter((p) => {
        const file = p.message.photo?.at(-1) ?? p.message.document;
        return file !== undefined && telegram.fileBytes(file.file_id)?.equals(PNG);
      });
    await waitFor(() => photos().length > 0, { timeoutMs: 20_000, message: "the approved photo" });
    // A few more feed reads and held-back checks later, it is still there once.
    const reads = wb.countByOperation("getV1SellerEvents");
    await waitFor(() => wb.countByOperation("getV1SellerEvents") >= reads + 3, {
      timeoutMs: 20_000,
      message: "three more feed reads",
    });
    expect(photos()).toHaveLength(1);
  });

  it("sends staff text, a photo and a PDF to WB with identical bytes and the chat's replySign", async () => {
    telegram.staffSends({ threadId, text: "Да, берите на размер больше." });
    const photoBytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(20_000)]);
    const photo = telegram.addFile(photoBytes, { name: "photo.jpg", mime: "image/jpeg" });
    telegram.staffSends({ threadId, photo });
    const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n", "latin1"), randomBytes(100_000)]);
    const doc = telegram.addFile(pdf, { name: "таблица размеров.pdf", mime: "application/pdf" });
    const docMessage = telegram.staffSends({ threadId, document: doc });
    const sent = await waitFor(() => {
      const all = wb.sentBySeller(chat);
      return all.length >= 3 ? all : undefined;
    });
    expect(sent[0]?.text).toBe("Да, берите на размер больше.");
    expect(sent[1]?.files[0]?.bytes.equals(photoBytes)).toBe(true);
    expect(sent[2]?.files[0]?.name).toBe("таблица размеров.pdf");
    expect(sent[2]?.files[0]?.bytes.equals(pdf)).toBe(true);
    for (const s of sent) expect(s.replySign).toBe(wb.replySignOf(chat));
    await waitFor(() => telegram.reactions.find((r) => r.messageId === docMessage.message_id));
  });

  it("answers a .docx with what WB accepts and sends nothing", async () => {
    const before = wb.sentBySeller(chat).length;
    const docx = telegram.addFile(Buffer.concat([Buffer.from("PK\x03\x04"), randomBytes(2000)]), {
      name: "договор.docx",
      mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    });
    const message = telegram.staffSends({ threadId, document: docx });
    const reply = await waitFor(() =>
      postsIn(threadId).find((m) => m.message.reply_to_message?.message_id === message.message_id),
    );
    // WB's own words, in the staff's language (Russian by default).
    expect(reply.message.text).toBe(
      "⚠️ Не доставлено покупателю: Wildberries принимает только файлы JPEG, PNG и PDF не больше 5 МБ.",
    );
    expect(wb.sentBySeller(chat)).toHaveLength(before);
  });

  it("sends a 2 500-character reply as ordered parts of at most 1 000", async () => {
    const before = wb.sentBySeller(chat).length;
    const words = Array.from({ length: 500 }, (_, i) => `слово${String(i).padStart(3, "0")}`);
    const long = words.join(" ").slice(0, 2500);
    telegram.staffSends({ threadId, text: long });
    const parts = await waitFor(() => {
      const all = wb.sentBySeller(chat).slice(before);
      return all.length >= 3 ? all : undefined;
    });
    for (const p of parts) expect((p.text ?? "").length).toBeLessThanOrEqual(1000);
    const joined = parts.map((p) => p.text ?? "").join(" ");
    expect(joined.replace(/\s+/g, " ")).toBe(long.replace(/\s+/g, " "));
  });

  it("shows a message typed in the seller portal silently, and never our own sends", async () => {
    wb.sellerWritesInPortal(chat, "Ответ из кабинета WB");
    const post = await waitFor(() =>
      postsIn(threadId).find((m) => m.message.text?.includes("Ответ из кабинета WB")),
    );
    expect(post.params?.disable_notification).toBe(true);
    expect(post.message.text).toMatch(/Продавец/);
    const texts = telegram.textsIn(STAFF, threadId);
    expect(texts.some((t) => t.includes("Да, берите на размер больше."))).toBe(false);
  });

  it("posts nothing twice across a restart", async () => {
    const postsBefore = telegram.messagesIn(STAFF).filter((m) => !m.service).length;
    const sentBefore = wb.sentBySeller(chat).length;
    expect((await bridge.stop()).code).toBe(0);
    await start();
    wb.buyerWrites(chat, "после перезапуска");
    await waitFor(() => postsIn(threadId).some((p) => p.message.text === "после перезапуска"), {
      timeoutMs: 15_000,
    });
    // A few more poll cycles, then count.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const added = telegram
      .messagesIn(STAFF)
      .filter((m) => !m.service)
      .slice(postsBefore)
      .map((m) => m.message.text ?? m.message.caption ?? "");
    expect(added, "posts since the restart").toEqual(["после перезапуска"]);
    expect(wb.sentBySeller(chat)).toHaveLength(sentBefore);
  });

  it("says that WB moderation refused a buyer's file, not that access was denied", async () => {
    const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n", "latin1"), randomBytes(2000)]);
    wb.buyerSendsFile(chat, PDF, "чек.pdf", { moderation: "refused" });
    const note = await waitFor(
      () => postsIn(threadId).find((p) => p.message.text?.startsWith("📎 чек.pdf")),
      { timeoutMs: 15_000, message: "the note for the refused file" },
    );
    expect(note.message.text).toBe(
      "📎 чек.pdf: не удалось загрузить файл (Wildberries не пропустил файл на модерации). Откройте чат в кабинете маркетплейса.",
    );
  });

  it("serves the Ozon and Yandex accounts beside it", async () => {
    const ozonChat = ozon.addChat({ orderNumber: "47873153-0052-1" });
    ozon.buyerWrites(ozonChat, "А у меня вопрос по Ozon", { orderNumber: "47873153-0052-1" });
    yandex.addOrder(12345678, { customerName: "Анна" });
    const yandexChat = yandex.addChat({
      context: { type: "ORDER", orderId: 12345678, customerName: "Анна" },
    });
    yandex.customerWrites(yandexChat, "Вопрос по Маркету");
    const ozonTopic = await waitFor(() =>
      telegram.topics(STAFF).find((t) => t.name.includes("47873153-0052-1")),
    );
    const yandexTopic = await waitFor(() =>
      telegram.topics(STAFF).find((t) => t.name.includes("12345678")),
    );
    await waitFor(() =>
      postsIn(ozonTopic.id).some((p) => p.message.text === "А у меня вопрос по Ozon"),
    );
    await waitFor(() =>
      postsIn(yandexTopic.id).some((p) => p.message.text === "Вопрос по Маркету"),
    );
  });

  it("relays a burst of 40 new WB chats, each with a photo, within 10 requests in any 10 s", async () => {
    const chats = Array.from({ length: 40 }, (_, i) => {
      const id = wb.addChat({ clientName: `Покупатель ${i}` });
      wb.buyerWrites(id, `Вопрос номер ${i}`);
      wb.buyerSendsImage(id, Buffer.concat([JPEG.subarray(0, 4), randomBytes(1000)]));
      return id;
    });
    const names = chats.map((_, i) => `Покупатель ${i}`);
    const topics = await waitFor(
      () => {
        const found = telegram.topics(STAFF).filter((t) => names.some((n) => t.name.includes(n)));
        return found.length >= 40 ? found : undefined;
      },
      { timeoutMs: 90_000, message: "40 topics" },
    );
    // Every chat's photo too: 40 downloads on top of the feed and list reads.
    await waitFor(
      () =>
        topics.every((t) => postsIn(t.id).some((p) => p.message.photo || p.message.document))
          ? true
          : undefined,
      { timeoutMs: 90_000, message: "40 photos" },
    );
    expect(wb.maxRequestsIn10s()).toBeLessThanOrEqual(10);
    expect(wb.count429).toBe(0);
  }, 200_000);
  it("/help shows /new with each marketplace's own examples, none for WB", async () => {
    telegram.staffSends({ text: "/help" });
    const help = await waitFor(() =>
      telegram.textsIn(STAFF, "general").find((t) => t.startsWith("Как работать")),
    );
    expect(help).toContain(
      "/new — начать чат: /new ozon 47873153-0052-1, /new ym 12345678, /new ym return 123 или просто /new\n",
    );
  });

  it("explains that Wildberries does not let a seller start a chat", async () => {
    telegram.staffSends({ text: "/new wb 12345" });
    await waitFor(() =>
      telegram
        .textsIn(STAFF, "general")
        .some((t) => t.includes("Wildberries: начать чат там может только покупатель")),
    );
  });
});
