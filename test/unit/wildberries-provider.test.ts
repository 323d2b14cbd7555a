// WildberriesProvider against FakeWildberries over real HTTP on 127.0.0.1. The fake and the
// provider's limiter share one virtual clock running 20 times faster than real time, so WB's
// 10 s windows pass in half a second while the fake still counts by them.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { refusalText } from "../../src/bridge/errors.ts";
import { type MarketMessage, ProviderError } from "../../src/bridge/provider.ts";
import { sleep } from "../../src/bridge/sleep.ts";
import { textsFor } from "../../src/bridge/texts/index.ts";
import { wildberries } from "../../src/providers/wildberries/connector.ts";
import { createWbLimiter } from "../../src/providers/wildberries/limits.ts";
import {
  parseCursor,
  serializeCursor,
  WildberriesProvider,
  type WildberriesProviderOptions,
} from "../../src/providers/wildberries/provider.ts";
import { FakeWildberries, type FakeWildberriesOptions } from "../fakes/wildberries.ts";

const SPEED = 20;
const T0 = Date.parse("2026-03-02T09:00:00.000Z");

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "ES256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}

const TOKEN = jwt({
  acc: 3,
  exp: Date.parse("2026-08-29T09:00:00Z") / 1000,
  s: 2 ** 9,
  sid: "764bb5eb-b610-427d-b167-904935fde848",
});

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(3000, 7)]);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n", "latin1");
const DOCX = Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.alloc(100, 1)]);

function virtualClock() {
  const started = performance.now();
  const now = () => T0 + Math.floor((performance.now() - started) * SPEED);
  return { now, sleep: (ms: number, signal?: AbortSignal) => sleep(ms / SPEED, signal) };
}

let clock: ReturnType<typeof virtualClock>;
let fake: FakeWildberries;
const providers: WildberriesProvider[] = [];

async function startFake(options: Partial<FakeWildberriesOptions> = {}): Promise<void> {
  fake = new FakeWildberries({ token: TOKEN, now: () => new Date(clock.now()), ...options });
  await fake.start();
}

function makeProvider(options: Partial<WildberriesProviderOptions> = {}): WildberriesProvider {
  const made = new WildberriesProvider({
    token: TOKEN,
    apiUrl: fake.url,
    limiter: createWbLimiter("personal", { now: clock.now, sleep: clock.sleep }),
    retry: { baseDelayMs: 1, maxDelayMs: 10_000 },
    now: clock.now,
    sleep: clock.sleep,
    ...options,
  });
  providers.push(made);
  return made;
}

/** Every page from `cursor` on, as the bridge's FeedSync reads them. */
async function readAll(provider: WildberriesProvider, cursor?: string) {
  const messages: MarketMessage[] = [];
  let pages = 0;
  for (;;) {
    const page = await provider.readFeed(cursor);
    pages++;
    messages.push(...page.messages);
    cursor = page.cursor;
    if (!page.more) return { messages, cursor, pages };
    if (pages > 20) throw new Error("the feed never ends");
  }
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  expect((error as Error).message).not.toContain(TOKEN);
  return error as ProviderError;
}

beforeEach(async () => {
  clock = virtualClock();
  await startFake();
});

afterEach(async () => {
  for (const p of providers.splice(0)) await p.close();
  await fake.stop();
});

describe("WildberriesProvider", () => {
  it("declares what WB allows: no chat starts, no read marks, 1 000 characters, 5 MB", () => {
    const provider = makeProvider();
    expect(provider.capabilities).toEqual({
      maxTextLength: 1000,
      maxFileBytes: 5_000_000,
      startChatBy: [],
    });
    const abilities = provider as unknown as Record<string, unknown>;
    expect(abilities.startChat).toBeUndefined();
    expect(abilities.markRead).toBeUndefined();
    expect(abilities.listChats).toBeUndefined();
    expect(typeof provider.readFeed).toBe("function");
    expect(typeof provider.chatDetails).toBe("function");
  });

  it("reads the feed page by page and resumes from the stored cursor", async () => {
    await fake.stop();
    await startFake({ eventsBatchSize: 2 });
    const chat = fake.addChat({
      clientName: "Мария",
      goodCard: { nmID: 123456789, rid: "abc123def456", size: "M", price: 1990 },
    });
    fake.buyerWrites(chat, "Здравствуйте, где заказ?");
    fake.buyerSendsImage(chat, JPEG);
    fake.sellerWritesInPortal(chat, "Добрый день, уже едет");
    fake.bareEvent(chat);
    fake.wbWrites(chat, "Чат закрыт");
    const provider = makeProvider();

    const first = await readAll(provider);
    expect(first.pages).toBeGreaterThanOrEqual(3);
    expect(first.messages.map((m) => [m.role, m.text])).toEqual([
      ["buyer", "Здравствуйте, где заказ?"],
      ["buyer", ""],
      ["seller", "Добрый день, уже едет"],
      ["system", "Чат закрыт"],
    ]);
    const [text, photo, portal, wb] = first.messages as MarketMessage[];
    expect(text?.senderLabel).toBe("Мария");
    expect(portal?.senderLabel).toBe("seller portal");
    expect(wb?.senderLabel).toBe("Wildberries");
    // Only the chat's first event names order and product; every message carries them.
    for (const m of first.messages) {
      expect(m.chatId).toBe(chat);
      expect(m.orderNumber).toBe("abc123def456");
      expect(m.sku).toBe("123456789");
    }
    expect(photo?.attachments).toHaveLength(1);
    expect(photo?.attachments[0]?.kind).toBe("image");
    // Ids order as decimal numbers, oldest first.
    const ids = first.messages.map((m) => BigInt(m.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    expect(parseCursor(first.cursor).next).toBeGreaterThan(0);

    // A restart: a new provider from the stored cursor sees nothing old, then only the new.
    // The previous process may have used WB's window until the restart, so the new one's
    // first request waits a whole window from when it began working the account.
    const requestsBefore = fake.requests.length;
    const again = makeProvider();
    const began = clock.now();
    again.beginWork(first.cursor);
    expect((await readAll(again, first.cursor)).messages).toEqual([]);
    const firstAgain = fake.requests[requestsBefore]?.at.getTime() ?? 0;
    expect(firstAgain - began).toBeGreaterThanOrEqual(10_000);
    fake.buyerWrites(chat, "Спасибо!");
    const later = await readAll(again, first.cursor);
    expect(later.messages.map((m) => m.text)).toEqual(["Спасибо!"]);
    expect(later.messages[0]?.orderNumber).toBeUndefined();
    expect(fake.contractViolations).toEqual([]);
  });

  it("holds a new worker's every request a window after the previous one stopped, or when the feed was read lately", async () => {
    const chat = fake.addChat();
    fake.buyerWrites(chat, "Вопрос");
    const { cursor } = await readAll(makeProvider());
    const stale = serializeCursor(parseCursor(cursor), clock.now() - 2 * 60 * 60_000);
    /** When the first request of a provider that began working from `stored` left. */
    const firstRequestAfterBegin = async (stored: string | undefined, previousAgo?: number) => {
      const provider = makeProvider();
      const before = fake.requests.length;
      const began = clock.now();
      provider.beginWork(stored, previousAgo === undefined ? undefined : began - previousAgo);
      await provider.sendText(chat, "Ответ");
      return (fake.requests[before]?.at.getTime() ?? Number.NaN) - began;
    };
    expect(await firstRequestAfterBegin(cursor)).toBeGreaterThanOrEqual(10_000);
    expect(await firstRequestAfterBegin(stale)).toBeLessThan(5_000);
    expect(await firstRequestAfterBegin(undefined)).toBeLessThan(5_000);
    // Taken over from an instance known to have stopped 6 s ago: the rest of its window, 5 s
    // with the margin; stopped 20 s ago: nothing to wait for.
    const rest = await firstRequestAfterBegin(cursor, 6_000);
    expect(rest).toBeGreaterThanOrEqual(5_000);
    expect(rest).toBeLessThan(8_000);
    expect(await firstRequestAfterBegin(cursor, 20_000)).toBeLessThan(3_000);
    expect(fake.contractViolations).toEqual([]);
  });

  it("comes back with our own API sends as seller messages (for the echo match)", async () => {
    const chat = fake.addChat();
    fake.buyerWrites(chat, "Вопрос");
    const provider = makeProvider();
    const { cursor } = await readAll(provider);
    await provider.sendText(chat, "Ответ через бота");
    const { messages } = await readAll(provider, cursor);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ role: "seller", text: "Ответ через бота" });
  });

  it("tells the chat's buyer and order from the chat list, read once", async () => {
    const chat = fake.addChat({
      clientName: "Олег",
      goodCard: { rid: "r-77", nmID: 555, size: "L", price: 1990, priceCurrency: "RUB" },
    });
    const provider = makeProvider();
    expect(await provider.chatDetails(chat)).toEqual({
      chatId: chat,
      buyerName: "Олег",
      orderNumber: "r-77",
      product: {
        sku: "555",
        size: "L",
        price: "1990 RUB",
        url: "https://www.wildberries.ru/catalog/555/detail.aspx",
      },
    });
    await provider.sendText(chat, "Здравствуйте");
    expect(fake.countByOperation("getV1SellerChats")).toBe(1);
    expect(fake.sentBySeller(chat)[0]?.replySign).toBe(fake.replySignOf(chat));
  });

  it("reads the chat list again after 'Invalid signature' and sends once more with the fresh sign", async () => {
    const chat = fake.addChat();
    fake.buyerWrites(chat, "Привет");
    const provider = makeProvider();
    await readAll(provider);
    // The sign came with the chat's first event: no list read needed for the first send.
    await provider.sendText(chat, "Первый ответ");
    expect(fake.countByOperation("getV1SellerChats")).toBe(0);
    const fresh = fake.rotateReplySign(chat);
    await provider.sendText(chat, "Второй ответ");
    expect(fake.countByOperation("getV1SellerChats")).toBe(1);
    const sent = fake.sentBySeller(chat);
    expect(sent.map((s) => s.text)).toEqual(["Первый ответ", "Второй ответ"]);
    expect(sent[1]?.replySign).toBe(fresh);
    // Three sends reached WB: the refused one, and one after the list read.
    expect(fake.countByOperation("postV1SellerMessage")).toBe(3);
  });

  it("refuses a .docx without any request, naming what WB accepts", async () => {
    const chat = fake.addChat();
    const provider = makeProvider();
    const before = fake.requests.length;
    const error = await failure(
      provider.sendFile(chat, {
        name: "договор.docx",
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        bytes: DOCX,
      }),
    );
    expect(error.kind).toBe("invalid");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/JPEG, PNG and PDF.*5 MB/);
    expect(fake.requests.length).toBe(before);
    // Staff read it in WB's own words, in their language, not the English detail.
    const reply = (language: "ru" | "en") => {
      const t = textsFor(language);
      const reasons = { ...t.reasons, fallback: t.reasons.gaveUp };
      return t.sendFailed(refusalText(error, reasons, wildberries.words[language].refusals));
    };
    expect(reply("ru")).toBe(
      "⚠️ Не доставлено покупателю: Wildberries принимает только файлы JPEG, PNG и PDF не больше 5 МБ.",
    );
    expect(reply("en")).toBe(
      "⚠️ Not delivered to the buyer: Wildberries accepts only JPEG, PNG and PDF files of at most 5 MB.",
    );
  });

  it("sends a PDF with identical bytes", async () => {
    const chat = fake.addChat();
    const provider = makeProvider();
    await provider.sendFile(chat, { name: "счёт.pdf", mime: "application/pdf", bytes: PDF });
    const file = fake.sentBySeller(chat)[0]?.files[0];
    expect(file?.name).toBe("счёт.pdf");
    expect(file?.bytes.equals(PDF)).toBe(true);
  });

  it("downloads a file in moderation later: 202 is pending, no request until the wait is over", async () => {
    await fake.stop();
    await startFake({ retrySeconds: 2 });
    const chat = fake.addChat();
    fake.buyerSendsImage(chat, JPEG, { moderation: "pending", pendingPolls: 1 });
    const provider = makeProvider();
    const { messages } = await readAll(provider);
    const attachment = messages[0]?.attachments[0];
    if (!attachment) throw new Error("no attachment");

    const pending = await failure(provider.download(attachment));
    expect(pending.kind).toBe("pending");
    expect(pending.retryAfterMs).toBe(2000);
    const downloads = () => fake.countByOperation("getV1SellerDownloadId");
    expect(downloads()).toBe(1);
    const early = await failure(provider.download(attachment));
    expect(early.kind).toBe("pending");
    expect(downloads()).toBe(1);

    await sleep(2100 / SPEED + 20);
    const file = await provider.download(attachment);
    expect(Buffer.from(file.bytes).equals(JPEG)).toBe(true);
    expect(file.mime).toBe("image/jpeg");
    expect(downloads()).toBe(2);
  });

  it("turns a file refused by moderation (451) into an error the bridge does not retry", async () => {
    const chat = fake.addChat();
    fake.buyerSendsImage(chat, JPEG, { moderation: "refused" });
    const provider = makeProvider();
    const { messages } = await readAll(provider);
    const attachment = messages[0]?.attachments[0];
    if (!attachment) throw new Error("no attachment");
    const error = await failure(provider.download(attachment));
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(451);
    expect(error.kind).toBe("forbidden");
    // Not "access denied": WB's words say moderation refused it, in the staff's language.
    const note = (language: "ru" | "en") => {
      const t = textsFor(language);
      const words = wildberries.words[language].refusals;
      return t.attachmentUnavailable("фото.jpg", refusalText(error, t.attachmentReasons, words));
    };
    expect(note("ru")).toBe(
      "📎 фото.jpg: не удалось загрузить файл (Wildberries не пропустил файл на модерации). Откройте чат в кабинете маркетплейса.",
    );
    expect(note("en")).toBe(
      "📎 фото.jpg: the file could not be downloaded (Wildberries moderation refused the file). Open the chat in the marketplace cabinet.",
    );
  });

  it("refuses texts over 1 000 characters and chats not in the list", async () => {
    const chat = fake.addChat();
    const provider = makeProvider();
    expect((await failure(provider.sendText(chat, "я".repeat(1001)))).kind).toBe("invalid");
    expect((await failure(provider.sendText("1:no-such-chat", "Привет"))).kind).toBe("not_found");
    expect(fake.countByOperation("postV1SellerMessage")).toBe(0);
  });
});

describe("the Wildberries connector", () => {
  const entry = (token: string) => ({
    marketplace: "wildberries" as const,
    token,
    apiUrl: "https://buyer-chat-api.wildberries.ru",
  });

  it("keys the account by the seller the token names, else by a hash, and hides the token", () => {
    expect(wildberries.account(entry(TOKEN))).toEqual({
      id: "wildberries-764bb5eb-b610-427d-b167-904935fde848",
      secrets: [TOKEN],
    });
    const plain = wildberries.account(entry("Bearer not-a-jwt-token"));
    expect(plain.id).toMatch(/^wildberries-[0-9a-f]{12}$/);
    expect(plain.id).toBe(wildberries.account(entry("not-a-jwt-token")).id);
    expect(plain.secrets).toEqual(["Bearer not-a-jwt-token", "not-a-jwt-token"]);
  });

  it("reads WB_API_TOKEN and WB_API_URL, and warns of a token that cannot serve the chat", () => {
    const problems: string[] = [];
    const parsed = z.object(wildberries.env).parse({ WB_API_TOKEN: TOKEN });
    expect(wildberries.fromEnv(parsed, problems)).toEqual(entry(TOKEN));
    expect(wildberries.fromEnv(z.object(wildberries.env).parse({}), problems)).toBeUndefined();
    expect(problems).toEqual([]);
    expect(wildberries.aliases).toEqual(["wb", "вб", "wildberries"]);
    const basic = jwt({ acc: 1, s: 2 ** 1, exp: 1_600_000_000 });
    const warnings = wildberries.warnings?.(entry(basic)) ?? [];
    expect(warnings.join("\n")).toMatch(/expired/);
    expect(warnings.join("\n")).toMatch(/Чат с покупателями/);
    expect(warnings.join("\n")).toMatch(/basic token/);
    expect(warnings.join("\n")).not.toContain(basic);
    const good = jwt({ acc: 3, s: 2 ** 9, exp: Math.floor(Date.now() / 1000) + 86_400 });
    expect(wildberries.warnings?.(entry(good))).toEqual([]);
  });
});
