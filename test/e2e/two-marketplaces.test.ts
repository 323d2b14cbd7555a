// The real entry point with one Ozon and one Yandex Market account at once, against the fakes.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { FakeYandex } from "../fakes/yandex.ts";
import { type BridgeProcess, startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { waitFor } from "../support/wait-for.ts";

const TOKEN = "123456789:two-marketplaces-token";
const STAFF = -1001234567890;
const YANDEX_KEY = "ACMA:yandex-e2e-key:1234abcd";
const BUSINESS = 7654321;

describe("Ozon and Yandex Market in one bridge", () => {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  const ozon = new FakeOzon({ clientId: "424242", apiKey: "ozon-e2e-key-0001" });
  const yandex = new FakeYandex({ apiKey: YANDEX_KEY, businessId: BUSINESS });
  let bridge: BridgeProcess;
  let chatId: number;
  let threadId: number;

  const postsIn = (thread: number) => telegram.messagesIn(STAFF, thread).filter((m) => !m.service);

  beforeAll(async () => {
    await Promise.all([telegram.start(), ozon.start(), yandex.start()]);
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
      DATA_DIR: tempDataDir(),
      POLL_INTERVAL_SECONDS: "1",
    });
    await bridge.waitForLog("bridge started");
  });

  afterAll(async () => {
    const exit = await bridge.stop();
    expect(exit.code).toBe(0);
    expect(bridge.output()).not.toContain(YANDEX_KEY);
    await Promise.all([telegram.stop(), ozon.stop(), yandex.stop()]);
  });

  it("mirrors a Yandex buyer text and file once, in a topic named with the order number", async () => {
    yandex.addOrder(12345678, { customerName: "Анна" });
    chatId = yandex.addChat({
      context: { type: "ORDER", orderId: 12345678, customerName: "Анна" },
    });
    yandex.customerWrites(chatId, "Где мой заказ? <b>срочно</b> & быстро");
    const file = randomBytes(3000);
    yandex.customerSendsFile(chatId, file, "фото чека.pdf");

    const topic = await waitFor(
      () => telegram.topics(STAFF).find((t) => t.name.includes("12345678")),
      { timeoutMs: 10_000, message: "a topic named with the order number" },
    );
    threadId = topic.id;
    expect(topic.name).toContain("Анна");
    const posts = await waitFor(() => {
      const found = postsIn(threadId).filter((p) => p.params?.disable_notification !== true);
      return found.length >= 2 ? found : undefined;
    });
    expect(posts[0]?.message.text).toBe("Где мой заказ? <b>срочно</b> & быстро");
    const document = posts[1]?.message.document;
    expect(document?.file_name).toBe("фото чека.pdf");
    expect(telegram.fileBytes(document?.file_id ?? "")?.equals(file)).toBe(true);
    expect(yandex.contractViolations).toEqual([]);
  });

  it("sends staff text and a document to Yandex with identical bytes", async () => {
    telegram.staffSends({ threadId, text: "Заказ уже в пути." });
    const bytes = randomBytes(200_000);
    const doc = telegram.addFile(bytes, { name: "накладная.pdf", mime: "application/pdf" });
    const docMessage = telegram.staffSends({ threadId, document: doc });
    const sent = await waitFor(() => {
      const all = yandex.sentByPartner(chatId);
      return all.length >= 2 ? all : undefined;
    });
    expect(sent[0]).toMatchObject({ kind: "text", text: "Заказ уже в пути." });
    const file = sent[1];
    expect(file?.kind === "file" && file.name).toBe("накладная.pdf");
    expect(file?.kind === "file" && file.bytes.equals(bytes)).toBe(true);
    await waitFor(() => telegram.reactions.find((r) => r.messageId === docMessage.message_id));
    expect(yandex.contractViolations).toEqual([]);
  });

  it("refuses a 6 MB document with a clear reply and sends nothing", async () => {
    const before = yandex.sentByPartner(chatId).length;
    const big = telegram.addFile(new Uint8Array(6 * 1024 * 1024), {
      name: "большой.pdf",
      mime: "application/pdf",
    });
    const message = telegram.staffSends({ threadId, document: big });
    const reply = await waitFor(() =>
      postsIn(threadId).find((m) => m.message.reply_to_message?.message_id === message.message_id),
    );
    expect(reply.message.text).toMatch(/6\.0 МБ.*5\.0 МБ/);
    expect(yandex.sentByPartner(chatId)).toHaveLength(before);
  });

  it("brings 30 Yandex chats changing at once without a single 420", async () => {
    const chats = Array.from({ length: 30 }, (_, i) => {
      const id = yandex.addChat({ context: { type: "ORDER", orderId: 90_000_000 + i } });
      yandex.customerWrites(id, `вопрос ${i}`);
      return id;
    });
    await waitFor(
      () =>
        chats.every((_, i) =>
          telegram.topics(STAFF).some((t) => t.name.includes(String(90_000_000 + i))),
        ),
      { timeoutMs: 30_000, message: "30 topics" },
    );
    for (let i = 0; i < chats.length; i++) {
      const topic = telegram.topics(STAFF).find((t) => t.name.includes(String(90_000_000 + i)));
      await waitFor(() => postsIn(topic?.id ?? 0).some((p) => p.message.text === `вопрос ${i}`));
    }
    expect(yandex.count420).toBe(0);
    expect(yandex.parallelPeak).toBeLessThanOrEqual(4);
  });

  it("starts Yandex chats with /new, by order and by return", async () => {
    yandex.addOrder(12349999, { customerName: "Пётр" });
    telegram.staffSends({ text: "/new ym 12349999" });
    const topic = await waitFor(() =>
      telegram.topics(STAFF).find((t) => t.name.includes("12349999")),
    );
    expect(topic.name).toContain("Пётр");
    await waitFor(() => telegram.textsIn(STAFF, "general").some((t) => t.startsWith("Чат начат")));
    telegram.staffSends({ text: "/new ym 4242" });
    await waitFor(() =>
      telegram.textsIn(STAFF, "general").some((t) => t.includes("не нашёл такой заказ")),
    );
  });

  it("asks for a Yandex Market order number in Market's own words", async () => {
    telegram.staffSends({ text: "/new ym" });
    await waitFor(() =>
      telegram
        .textsIn(STAFF, "general")
        .includes(
          "Номер заказа Яндекс Маркета (например 12345678) или «return 123» для возврата? /cancel — отмена.",
        ),
    );
    telegram.staffSends({ text: "/cancel" });
    await waitFor(() => telegram.textsIn(STAFF, "general").includes("Отменено."));
  });

  it("serves the Ozon account beside it", async () => {
    const ozonChat = ozon.addChat({ orderNumber: "47873153-0052-1" });
    ozon.buyerWrites(ozonChat, "А у меня вопрос по Ozon", { orderNumber: "47873153-0052-1" });
    const topic = await waitFor(() =>
      telegram.topics(STAFF).find((t) => t.name.includes("47873153-0052-1")),
    );
    expect(topic.name).toContain("Ozon");
    await waitFor(() =>
      postsIn(topic.id).some((p) => p.message.text === "А у меня вопрос по Ozon"),
    );
  });
});
