// /export: the whole conversation as the marketplace holds it, read from its history (so also
// what was written before the bridge ran), posted into the topic as one HTML file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Api } from "grammy";
import type { Message } from "grammy/types";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GrammyTelegram } from "../../src/bot/telegram-port.ts";
import { type Account, TOPIC_ICON_COLORS } from "../../src/bridge/account.ts";
import { ChatExport } from "../../src/bridge/export.ts";
import type { MarketplaceProvider } from "../../src/bridge/provider.ts";
import { GroupSendQueue } from "../../src/bridge/send-queue.ts";
import { Store } from "../../src/bridge/store/index.ts";
import { textsFor } from "../../src/bridge/texts/index.ts";
import { moscowTime } from "../../src/bridge/transcript.ts";
import { WildberriesProvider } from "../../src/providers/wildberries/provider.ts";
import { YandexProvider } from "../../src/providers/yandex/provider.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { FakeYandex } from "../fakes/yandex.ts";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, TOKEN, useHarness } from "./harness.ts";

/** The HTML documents the bot posted in a topic. */
function documentsIn(telegram: FakeTelegram, thread: number): Message[] {
  return telegram
    .messagesIn(STAFF, thread)
    .map((m) => m.message)
    .filter((m) => m.document?.file_name?.endsWith(".html"));
}

function fileText(telegram: FakeTelegram, message: Message): string {
  const bytes = telegram.fileBytes(message.document?.file_id ?? "");
  if (!bytes) throw new Error("no bytes for the document");
  return bytes.toString("utf8");
}

/** The message blocks of an exported file, in order. */
const blocks = (html: string) => html.match(/<div class="m [a-z]+">.*?<\/div><\/div>/g) ?? [];

describe("/export in an Ozon topic", () => {
  const h = useHarness();

  it("posts every message of the chat, also those older than the bridge, as one HTML file", async () => {
    const order = "47873153-0052-1";
    const chat = h.ozon.addChat({ orderNumber: order });
    const seededFrom = Date.now();
    // 150 messages before the bridge ever ran: more than one history page (100).
    for (let i = 1; i <= 148; i++) h.ozon.buyerWrites(chat, `старое сообщение ${i}`);
    h.ozon.sellerWritesInCabinet(chat, "Ответ из кабинета <b>не жирный</b> & co");
    h.ozon.systemWrites(chat, "Courier", "Курьер в пути");
    h.ozon.sellerReadsInCabinet(chat);
    const seededTo = Date.now();
    await h.start();

    h.ozon.buyerSendsFile(chat, Buffer.from("%PDF-1.4"), "чек.pdf");
    h.ozon.buyerWrites(chat, "новый вопрос");
    const thread = await h.waitForThread(chat);
    await h.waitForBuyerTexts(thread, 2);
    const staff = h.telegram.staffSends({ threadId: thread, text: "Ответ через бота" });
    await waitFor(() => h.telegram.reactions.find((r) => r.messageId === staff.message_id));
    // The send comes back when the chat is read again (the buyer's next message): from then on
    // the bridge knows its id, and so its author.
    h.ozon.buyerWrites(chat, "спасибо");
    await h.waitForBuyerTexts(thread, 3);

    h.telegram.staffSends({ threadId: thread, text: "/export" });
    const [doc] = await waitFor(() => {
      const docs = documentsIn(h.telegram, thread);
      return docs.length > 0 ? docs : undefined;
    });
    if (!doc) throw new Error("no document");
    expect(doc.document?.file_name).toBe(`${order}.html`);
    const all = h.ozon.messages(chat);
    expect(all).toHaveLength(154);
    expect(doc.caption).toBe(
      `📄 The whole conversation as the marketplace holds it: ${all.length} messages`,
    );

    const html = fileText(h.telegram, doc);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain(`<li><b>Order / posting:</b> ${order}</li>`);
    expect(html).toContain(`<li><b>Chat ID:</b> ${chat}</li>`);
    const found = blocks(html);
    expect(found).toHaveLength(all.length);
    // Oldest first, each with its date and who wrote it.
    const firstHead = /<div class="h">([^<]*)<\/div>/.exec(found[0] ?? "")?.[1];
    expect([moscowTime(seededFrom), moscowTime(seededTo)].map((at) => `${at} · Buyer`)).toContain(
      firstHead,
    );
    expect(found[0]).toContain("старое сообщение 1<");
    expect(found[147]).toContain("старое сообщение 148<");
    expect(found[148]).toMatch(
      /class="m seller".*· Shop<.*Ответ из кабинета &lt;b&gt;не жирный&lt;\/b&gt; &amp; co/,
    );
    expect(found[149]).toMatch(/class="m system".*· Ozon · Courier<.*Курьер в пути/);
    expect(found[150]).toContain("📎 чек.pdf");
    expect(found[151]).toContain("новый вопрос");
    // Sent through the bridge: the staff member's name; typed in the cabinet: the shop alone.
    expect(found[152]).toMatch(/class="m seller".*· Shop · Anna Staff<.*Ответ через бота/);
    expect(found[153]).toContain("спасибо");
    expect(html).not.toContain("<b>не жирный");
  });

  it("answers outside a buyer topic that it works only inside one", async () => {
    await h.start();
    h.telegram.staffSends({ text: "/export" });
    await waitFor(() =>
      h.telegram.textsIn(STAFF, "general").includes("This command works inside a buyer topic."),
    );
  });
});

describe("export from Yandex Market and Wildberries (ChatExport over real HTTP)", () => {
  let telegram: FakeTelegram;
  let yandex: FakeYandex;
  let store: Store;
  let dataDir: string;
  let exporter: ChatExport;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
    yandex = new FakeYandex({ apiKey: "ACMA:yandex-key", businessId: 777 });
    await telegram.start();
    await yandex.start();
    dataDir = mkdtempSync(join(tmpdir(), "bridge-export-"));
    store = await Store.open(dataDir);
    const port = new GrammyTelegram(new Api(TOKEN, { apiRoot: telegram.url }), {
      apiRoot: telegram.url,
      token: TOKEN,
    });
    exporter = new ChatExport({
      store,
      telegram: port,
      queue: new GroupSendQueue(10_000),
      texts: textsFor("ru"),
      maxMessages: 100,
    });
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await store.close();
    await telegram.stop();
    await yandex.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const account = (id: string, provider: MarketplaceProvider): Account => {
    closers.push(async () => provider.close?.());
    return {
      id,
      name: "Shop",
      staffChatId: STAFF,
      provider,
      iconColor: TOPIC_ICON_COLORS.yellow,
      showName: false,
      log: pino({ level: "silent" }),
      words: { startNumbers: {} },
    };
  };

  it("reads Yandex Market's history page by page and keeps the newest when over the cap", async () => {
    const chat = yandex.addChat({
      context: { type: "ORDER", orderId: 55501, customerName: "Иван" },
    });
    for (let i = 1; i <= 130; i++) yandex.customerWrites(chat, `вопрос ${i}`);
    yandex.marketWrites(chat, "Заказ доставлен");
    const ours = yandex.partnerWritesInCabinet(chat, "Ответ через бота");
    const provider = new YandexProvider({
      apiKey: "ACMA:yandex-key",
      businessId: "777",
      apiUrl: yandex.url,
    });
    const { topic } = telegram.createTopicByHuman("Заказ 55501");
    const thread = topic.message_thread_id;
    const a = account("yandex-777", provider);
    await store.topics.save({
      accountId: a.id,
      chatId: String(chat),
      staffChatId: STAFF,
      threadId: thread,
      title: "Заказ 55501",
      orderNumber: "55501",
      buyerName: "Иван",
    });
    // Attribution as the bridge records it: Анна's answer, seen back under the market's id.
    await store.answers.add(a.id, String(chat), {
      jobId: "job-1",
      messageId: 901,
      at: Date.now(),
      userId: 7000001,
      name: "Анна",
    });
    await store.answers.link(a.id, String(chat), 901, String(ours));

    expect(await exporter.post(a, String(chat), thread)).toBeUndefined();
    const [doc] = documentsIn(telegram, thread);
    if (!doc) throw new Error("no document");
    expect(doc.document?.file_name).toBe("55501.html");
    expect(doc.caption).toBe("📄 Переписка целиком из маркетплейса: 100 сообщ.");
    const html = fileText(telegram, doc);
    expect(html).toContain("Показаны последние 100 сообщений: более ранние в файл не вошли.");
    const found = blocks(html);
    expect(found).toHaveLength(100);
    // 132 messages, the newest 100 kept: "вопрос 33" … "вопрос 130", Market's, the shop's.
    expect(found[0]).toMatch(/· Покупатель · Иван<.*вопрос 33</);
    expect(found[97]).toContain("вопрос 130<");
    expect(found[98]).toMatch(/class="m system".*· Yandex Market · .*Заказ доставлен/);
    expect(found[99]).toMatch(/class="m seller".*· Магазин · Анна<.*Ответ через бота/);
    expect(yandex.countByOperation("getChatHistory")).toBeGreaterThan(1);
  });

  it("says plainly that Wildberries gives out no chat history", async () => {
    const provider = new WildberriesProvider({
      // A buyer-chat token shape; nothing is requested from Wildberries here.
      token: jwtToken(),
      apiUrl: "http://127.0.0.1:9",
    });
    const { topic } = telegram.createTopicByHuman("WB");
    const reply = await exporter.post(account("wb-1", provider), "chat-1", topic.message_thread_id);
    expect(reply).toBe("Wildberries не отдаёт историю чата через API: выгрузить переписку нельзя.");
    expect(documentsIn(telegram, topic.message_thread_id)).toEqual([]);
  });
});

function jwtToken(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const claims = { acc: 3, exp: Date.now() / 1000 + 86_400, s: 2 ** 9, sid: "sid-1" };
  return `${part({ alg: "ES256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJl`;
}
