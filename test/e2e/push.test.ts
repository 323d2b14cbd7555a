// Push notifications through the real entry point: with a 60-second poll, a push alone brings
// the buyer's message; duplicates and the poller afterwards post nothing twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { FakeYandex } from "../fakes/yandex.ts";
import { type BridgeProcess, startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { waitFor } from "../support/wait-for.ts";

const TOKEN = "123456789:push-e2e-token";
const STAFF = -1001234567890;
const SECRET = "push-secret-0123456789abcdef";
const BUSINESS = 5550001;

describe("push notifications", () => {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  const ozon = new FakeOzon({ clientId: "777001", apiKey: "ozon-push-key-01" });
  const yandex = new FakeYandex({ apiKey: "ACMA:push-e2e", businessId: BUSINESS });
  const dataDir = tempDataDir();
  let bridge: BridgeProcess;
  let port: number;
  let ozonChat: string;

  const start = async (pollSeconds: string) => {
    bridge = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "6000",
      OZON_CLIENT_ID: "777001",
      OZON_API_KEY: "ozon-push-key-01",
      OZON_API_URL: ozon.url,
      YANDEX_API_KEY: "ACMA:push-e2e",
      YANDEX_BUSINESS_ID: String(BUSINESS),
      YANDEX_API_URL: yandex.url,
      DATA_DIR: dataDir,
      POLL_INTERVAL_SECONDS: pollSeconds,
      PUSH_SECRET: SECRET,
      HTTP_PORT: "0",
      LOG_LEVEL: "debug",
    });
    const line = await bridge.waitForLog("http server listening");
    port = Number(line.port);
    await bridge.waitForLog("bridge started");
    // The first cycle (at start) is done once the poller has listed both accounts.
    await waitFor(() => bridge.logs().filter((l) => l.msg === "poll cycle").length >= 2);
  };
  const post = (path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const texts = () => telegram.messagesIn(STAFF).map((m) => m.message.text ?? "");

  beforeAll(async () => {
    await Promise.all([telegram.start(), ozon.start(), yandex.start()]);
    await start("60");
  });
  afterAll(async () => {
    await bridge.stop();
    expect(bridge.output()).not.toContain(SECRET);
    await Promise.all([telegram.stop(), ozon.stop(), yandex.stop()]);
  });

  it("answers Yandex's PING as documented", async () => {
    const response = await post(`/push/${SECRET}/yandex`, {
      notificationType: "PING",
      time: new Date().toISOString(),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["name", "time", "version"]);
  });

  it("puts a Yandex message in its topic on CHAT_MESSAGE_SENT, with no poll", async () => {
    yandex.addOrder(31337, { customerName: "Иван" });
    const chatId = yandex.addChat({ context: { type: "ORDER", orderId: 31337 } });
    const messageId = yandex.customerWrites(chatId, "пришло по пушу");
    const notification = {
      notificationType: "CHAT_MESSAGE_SENT",
      businessId: BUSINESS,
      chatId,
      messageId: String(messageId),
      sentAt: new Date().toISOString(),
    };
    expect((await post(`/push/${SECRET}/yandex`, notification)).status).toBe(200);
    expect((await post(`/push/${SECRET}/yandex/notification`, notification)).status).toBe(200);
    await waitFor(() => texts().includes("пришло по пушу"), { timeoutMs: 10_000 });
    expect(telegram.topics(STAFF).find((t) => t.name.includes("31337"))).toBeDefined();
  });

  it("puts an Ozon message in its topic on TYPE_NEW_MESSAGE", async () => {
    ozonChat = ozon.addChat({ orderNumber: "1111-2222-1" });
    const chatId = ozonChat;
    const messageId = ozon.buyerWrites(chatId, "озон по пушу");
    const response = await post(`/push/${SECRET}/ozon`, {
      message_type: "TYPE_NEW_MESSAGE",
      chat_id: chatId,
      chat_type: "Buyer_Seller",
      message_id: messageId,
      created_at: new Date().toISOString(),
      user: { id: "1", type: "Customer" },
      data: ["озон по пушу"],
      seller_id: "777001",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: true });
    await waitFor(() => texts().includes("озон по пушу"), { timeoutMs: 10_000 });
  });

  it("marks staff messages the buyer read with 👀 on TYPE_MESSAGE_READ", async () => {
    const topic = await waitFor(() =>
      telegram.topics(STAFF).find((t) => t.name.includes("1111-2222-1")),
    );
    const staff = telegram.staffSends({ threadId: topic.id, text: "Ответ покупателю" });
    await waitFor(() => telegram.reactions.find((r) => r.messageId === staff.message_id));
    const sent = ozon
      .messages(ozonChat)
      .filter((m) => m.userType === "Seller")
      .at(-1);
    // Ozon tells about our own message too; the sync matches it to the staff message.
    const echo = {
      message_type: "TYPE_NEW_MESSAGE",
      chat_id: ozonChat,
      chat_type: "Buyer_Seller",
      message_id: sent?.messageId,
      created_at: new Date().toISOString(),
      user: { id: "777001", type: "Seller" },
      data: ["Ответ покупателю"],
      seller_id: "777001",
    };
    await post(`/push/${SECRET}/ozon`, echo);
    const read = {
      message_type: "TYPE_MESSAGE_READ",
      chat_id: ozonChat,
      chat_type: "Buyer_Seller",
      last_read_message_id: sent?.messageId,
      created_at: new Date().toISOString(),
      user: { id: "1", type: "Customer" },
      seller_id: "777001",
    };
    await waitFor(async () => {
      await post(`/push/${SECRET}/ozon`, read);
      return telegram.reactions.find(
        (r) => r.messageId === staff.message_id && JSON.stringify(r.reaction).includes("👀"),
      );
    });
    // Our own message coming back was recognised, not posted again by the bot.
    expect(texts().filter((t) => t.includes("Ответ покупателю"))).toHaveLength(0);
  });

  it("marks a Yandex dispute in the topic's name and with a notice", async () => {
    const chatId = yandex.chatIds()[0] ?? 0;
    const started = {
      notificationType: "CHAT_ARBITRAGE_STARTED",
      businessId: BUSINESS,
      chatId,
      startedAt: new Date().toISOString(),
    };
    expect((await post(`/push/${SECRET}/yandex`, started)).status).toBe(200);
    await waitFor(() =>
      telegram.topics(STAFF).find((t) => t.name.includes("⚖️") && t.name.includes("31337")),
    );
    await waitFor(() => texts().some((t) => t.includes("спор")));
  });

  it("refuses a wrong secret and a malformed body", async () => {
    expect(
      (await post("/push/not-the-secret-at-all-000/yandex", { notificationType: "PING" })).status,
    ).toBe(404);
    const response = await fetch(`http://127.0.0.1:${port}/push/${SECRET}/yandex`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "WRONG_EVENT_FORMAT" } });
  });

  it("posts nothing twice when the poller comes round afterwards", async () => {
    const posts = () => telegram.messagesIn(STAFF).filter((m) => !m.service).length;
    const before = posts();
    expect(texts().filter((t) => t === "пришло по пушу")).toHaveLength(1);
    expect((await bridge.stop()).code).toBe(0);
    await start("1");
    // A few cycles, the first of them a full sweep of both marketplaces.
    const cycles = bridge.logs().filter((l) => l.msg === "poll cycle").length;
    await waitFor(() => bridge.logs().filter((l) => l.msg === "poll cycle").length >= cycles + 4);
    // The sweep may correct names and cards to the marketplace's state, but posts nothing new.
    expect(posts()).toBe(before);
    expect(texts().filter((t) => t === "пришло по пушу")).toHaveLength(1);
    expect(texts().filter((t) => t === "озон по пушу")).toHaveLength(1);
  });
});
