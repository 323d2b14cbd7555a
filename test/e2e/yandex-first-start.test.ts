// First start on a Yandex Market cabinet that already has chats. The chat list carries no newest
// message id, only the time of the last change, so answered chats are remembered by that time
// without reading their history, and mirrored from their next message on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegram } from "../fakes/telegram.ts";
import { FakeYandex } from "../fakes/yandex.ts";
import { type BridgeProcess, startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { waitFor } from "../support/wait-for.ts";

const TOKEN = "123456789:yandex-first-start";
const STAFF = -1001234567891;
const YANDEX_KEY = "ACMA:yandex-first-start-key:1234abcd";
const BUSINESS = 7654322;

describe("first start on a Yandex Market cabinet with existing chats", () => {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  // The cabinet's history was written an hour before the bridge starts.
  let pastMs = 3_600_000;
  const yandex = new FakeYandex({
    apiKey: YANDEX_KEY,
    businessId: BUSINESS,
    now: () => new Date(Date.now() - pastMs),
  });
  let bridge: BridgeProcess;
  const answered: number[] = [];
  let waiting: number;
  let disputed: number;

  const buyerTexts = (chatId: number) => {
    const topic = telegram.topics(STAFF).find((t) => t.name.includes(String(orderOf(chatId))));
    if (!topic) return undefined;
    return telegram
      .messagesIn(STAFF, topic.id)
      .filter((m) => !m.service && m.params?.disable_notification !== true)
      .map((m) => m.message.text);
  };
  const orders = new Map<number, number>();
  const orderOf = (chatId: number) => orders.get(chatId);
  const addChat = () => {
    const orderId = 40_000_001 + orders.size;
    const chatId = yandex.addChat({ context: { type: "ORDER", orderId } });
    orders.set(chatId, orderId);
    return chatId;
  };
  const historyCalls = (chatId: number) =>
    yandex.requests.filter(
      (r) => r.operationId === "getChatHistory" && r.query.get("chatId") === String(chatId),
    ).length;

  beforeAll(async () => {
    await Promise.all([telegram.start(), yandex.start()]);
    for (let i = 0; i < 3; i++) {
      const chatId = addChat();
      yandex.customerWrites(chatId, `old question ${i}`);
      yandex.partnerWritesInCabinet(chatId, `old answer ${i}`);
      yandex.setStatus(chatId, "WAITING_FOR_CUSTOMER");
      answered.push(chatId);
    }
    waiting = addChat();
    yandex.customerWrites(waiting, "still waiting for an answer");
    // A dispute is not in the "waiting for the shop" filter, yet its buyer wrote last.
    disputed = addChat();
    yandex.partnerWritesInCabinet(disputed, "our offer");
    yandex.customerWrites(disputed, "not accepted, I open a dispute");
    yandex.setStatus(disputed, "WAITING_FOR_ARBITER");
    pastMs = 0;

    bridge = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "6000",
      YANDEX_API_KEY: YANDEX_KEY,
      YANDEX_BUSINESS_ID: String(BUSINESS),
      YANDEX_API_URL: yandex.url,
      DATA_DIR: tempDataDir(),
      POLL_INTERVAL_SECONDS: "1",
    });
    await bridge.waitForLog("bridge started");
  });

  afterAll(async () => {
    expect((await bridge.stop()).code).toBe(0);
    await Promise.all([telegram.stop(), yandex.stop()]);
  });

  it("mirrors the chats whose buyer wrote last and reads no history of the answered ones", async () => {
    await waitFor(() => buyerTexts(waiting)?.length === 1, {
      timeoutMs: 10_000,
      message: "the waiting chat's question in its topic",
    });
    expect(buyerTexts(waiting)).toEqual(["still waiting for an answer"]);
    await waitFor(() => buyerTexts(disputed)?.length === 1, {
      timeoutMs: 10_000,
      message: "the disputed chat's unanswered message in its topic",
    });
    expect(buyerTexts(disputed)).toEqual(["not accepted, I open a dispute"]);
    const listed = yandex.countByOperation("getChats");
    await waitFor(() => yandex.countByOperation("getChats") >= listed + 3, { timeoutMs: 10_000 });
    for (const chatId of answered) {
      expect(buyerTexts(chatId)).toBeUndefined();
      expect(historyCalls(chatId)).toBe(0);
    }
  });

  it("mirrors an answered chat from its next message on, without its old history", async () => {
    const [chatId] = answered as [number];
    yandex.customerWrites(chatId, "one more question");
    await waitFor(() => buyerTexts(chatId)?.length === 1, {
      timeoutMs: 10_000,
      message: "the new question in a new topic",
    });
    const listed = yandex.countByOperation("getChats");
    await waitFor(() => yandex.countByOperation("getChats") >= listed + 3, { timeoutMs: 10_000 });
    expect(buyerTexts(chatId)).toEqual(["one more question"]);
    const all = telegram.messagesIn(STAFF).map((m) => m.message.text ?? "");
    expect(all.some((text) => text.includes("old answer"))).toBe(false);
    expect(yandex.contractViolations).toEqual([]);
  });

  it("mirrors every message an answered chat got while the bridge was not looking, even 60", async () => {
    const chatId = answered[1] as number;
    const texts = Array.from({ length: 60 }, (_, i) => `question ${i + 1} of 60`);
    for (const text of texts) yandex.customerWrites(chatId, text);
    await waitFor(
      () =>
        buyerTexts(chatId)
          ?.join("\n\n")
          .includes(texts.at(-1) as string),
      {
        timeoutMs: 15_000,
        message: "60 questions in a new topic",
      },
    );
    // Sent one by one or, while Telegram's budget is short, a few texts per post: all of them.
    expect(buyerTexts(chatId)?.join("\n\n")).toBe(texts.join("\n\n"));
  });
});
