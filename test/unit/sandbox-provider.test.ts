import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { compareIds, type MarketMessage, ProviderError } from "../../src/bridge/provider.ts";
import {
  SandboxProvider,
  type SandboxProviderOptions,
} from "../../src/providers/sandbox/provider.ts";
import { FILE_RECEIVED, NUDGES, SHOP_STARTED_REPLIES } from "../../src/providers/sandbox/script.ts";
import { collect } from "../support/provider-http.ts";

const NOW = 1_763_800_000_123;
const PHOTO = readFileSync(
  new URL("../../src/providers/sandbox/assets/parcel.png", import.meta.url),
);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const open: SandboxProvider[] = [];

function sandbox(options: SandboxProviderOptions = {}): SandboxProvider {
  const provider = new SandboxProvider({ now: () => NOW, ...options });
  open.push(provider);
  return provider;
}

/** A passive shop (no timers) with `chats` buyer-opened chats (steps may also remind). */
async function passive(chats = 1, seed = 1): Promise<SandboxProvider> {
  const provider = sandbox({ buyerIntervalMs: 0, seed });
  while ((await collect(provider.listChats("all"))).length < chats && provider.step()) {}
  return provider;
}

async function history(provider: SandboxProvider, chatId: string): Promise<MarketMessage[]> {
  return provider.messagesAfter(chatId, "0");
}

async function firstChatId(provider: SandboxProvider): Promise<string> {
  const [chat] = await collect(provider.listChats("all"));
  if (!chat) throw new Error("no chat");
  return chat.chatId;
}

function expectProviderError(kind: ProviderError["kind"]) {
  return expect.objectContaining({ name: "ProviderError", kind });
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
  vi.useRealTimers();
});

describe("SandboxProvider: a provider like the others", () => {
  it("names itself and takes Yandex Market's limits", async () => {
    const provider = await passive(0);
    expect(provider.marketplace).toBe("sandbox");
    expect(provider.marketplaceTitle).toBe("Sandbox");
    expect(provider.capabilities).toMatchObject({
      maxTextLength: 4096,
      maxFileBytes: 5 * 1024 * 1024,
      startChatBy: ["order", "return"],
    });
    expect(provider.capabilities.listCallsPerHour).toBeUndefined();
    expect(sandbox({ name: "Тестовый магазин", buyerIntervalMs: 0 }).marketplaceTitle).toBe(
      "Тестовый магазин",
    );
  });

  it("has its first buyer waiting at once, with an order number, a name and Russian text", async () => {
    const provider = sandbox();
    const chats = await collect(provider.listChats("unread"));
    expect(chats).toHaveLength(1);
    const [chat] = chats;
    expect(chat).toMatchObject({ isBuyerChat: true });
    expect(chat?.unreadCount).toBeGreaterThan(0);
    expect(chat?.lastMessageId).toBe(chat?.changeToken);

    const details = await provider.chatDetails(chat?.chatId ?? "");
    expect(details.orderNumber).toMatch(/^\d{10}$/);
    expect(details.buyerName).toMatch(/^[А-ЯЁ][а-яё]+ [А-ЯЁ]\.$/);

    const messages = await provider.recentMessages(chat?.chatId ?? "");
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(message).toMatchObject({
        chatId: chat?.chatId,
        role: "buyer",
        unread: true,
        orderNumber: details.orderNumber,
        createdAt: new Date(NOW).toISOString(),
      });
    }
    expect(messages[0]?.text).toMatch(/^(Здравствуйте|Добрый|Можно)[^a-z]*[А-Яа-яЁё]{4,}/);
    // The first buyer always shows both kinds: a question, then a photo with a few words.
    expect(messages.map((m) => m.attachments.map((a) => a.kind))).toEqual([[], ["image"]]);
  });

  it("is passive with buyerIntervalMs 0 until step()", async () => {
    const provider = await passive(0);
    expect(await collect(provider.listChats("all"))).toEqual([]);
    expect(provider.step()).toBe(true);
    expect(await collect(provider.listChats("all"))).toHaveLength(1);
  });

  it("uses increasing decimal ids that continue from the clock", async () => {
    const provider = await passive(4);
    const chats = await collect(provider.listChats("all"));
    const ids: string[] = [];
    for (const chat of chats) {
      ids.push(chat.chatId, ...(await history(provider, chat.chatId)).map((m) => m.id));
    }
    for (const id of ids) {
      expect(id).toMatch(/^\d+$/);
      // A restart a second later starts above everything this run could have used.
      expect(BigInt(id)).toBeGreaterThan(BigInt(Math.floor(NOW / 1000)) * 1000n);
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const chat of chats) {
      const messages = await history(provider, chat.chatId);
      const sorted = [...messages].sort((a, b) => compareIds(a.id, b.id));
      expect(messages).toEqual(sorted);
      expect(compareIds(messages[0]?.id ?? "0", chat.chatId)).toBeGreaterThan(0);
    }
  });

  it("is deterministic for a seed", async () => {
    const world = async (seed: number) => {
      const provider = await passive(6, seed);
      const chats = await collect(provider.listChats("all"));
      return Promise.all(
        chats.map(async (c) => ({
          details: await provider.chatDetails(c.chatId),
          messages: await history(provider, c.chatId),
        })),
      );
    };
    const a = await world(7);
    expect(await world(7)).toEqual(a);
    expect(await world(8)).not.toEqual(a);
  });

  it("lists newest activity first and only waiting chats as unread", async () => {
    const provider = await passive(2);
    const [newer, older] = await collect(provider.listChats("all"));
    expect(compareIds(newer?.chatId ?? "", older?.chatId ?? "")).toBeGreaterThan(0);

    await provider.markRead(newer?.chatId ?? "");
    expect((await collect(provider.listChats("unread"))).map((c) => c.chatId)).toEqual([
      older?.chatId,
    ]);
    expect((await history(provider, newer?.chatId ?? "")).every((m) => m.unread === false)).toBe(
      true,
    );
    const read = await collect(provider.listChats("all"));
    expect(read.find((c) => c.chatId === newer?.chatId)?.unreadCount).toBe(0);
  });

  it("marks read only up to the given id", async () => {
    const provider = await passive(0);
    let chatId = "";
    // Some story opens with a text and a photo: two messages to split.
    for (let i = 0; i < 8 && !chatId; i++) {
      provider.step();
      for (const chat of await collect(provider.listChats("all"))) {
        if ((await history(provider, chat.chatId)).length >= 2) chatId = chat.chatId;
      }
    }
    const [first, second] = await history(provider, chatId);
    await provider.markRead(chatId, first?.id);
    const after = await history(provider, chatId);
    expect(after.map((m) => m.unread)).toEqual([false, true]);
    expect(after[1]?.id).toBe(second?.id);
    const [summary] = await collect(provider.listChats("unread"));
    expect(summary?.unreadCount).toBe(1);
  });

  it("returns messages after an id, oldest first, as copies", async () => {
    const provider = await passive(1);
    const chatId = await firstChatId(provider);
    const all = await history(provider, chatId);
    const last = all.at(-1);
    expect(await provider.messagesAfter(chatId, last?.id ?? "")).toEqual([]);
    const tail = await provider.messagesAfter(chatId, all[0]?.id ?? "");
    expect(tail).toEqual(all.slice(1));

    all[0]?.attachments.push({ url: "x", name: "x", kind: "file" });
    if (all[0]) all[0].text = "changed";
    expect((await history(provider, chatId))[0]?.text).not.toBe("changed");
    expect((await history(provider, chatId))[0]?.attachments).toEqual([]);
  });

  it("refuses unknown chats and malformed ids in the provider's error kinds", async () => {
    const provider = await passive(1);
    const chatId = await firstChatId(provider);
    await expect(provider.messagesAfter("999", "0")).rejects.toEqual(
      expectProviderError("not_found"),
    );
    await expect(provider.sendText("999", "Здравствуйте")).rejects.toBeInstanceOf(ProviderError);
    await expect(provider.chatDetails("999")).rejects.toEqual(expectProviderError("not_found"));
    await expect(provider.messagesAfter(chatId, "abc")).rejects.toEqual(
      expectProviderError("invalid"),
    );
    await expect(provider.markRead(chatId, "1e3")).rejects.toEqual(expectProviderError("invalid"));
  });
});

describe("SandboxProvider: the sample photo", () => {
  it("sends the bundled PNG as an image attachment and downloads its bytes", async () => {
    expect([...PHOTO.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(PHOTO.byteLength).toBeLessThan(16 * 1024);

    const provider = await passive(8);
    const photos: MarketMessage[] = [];
    for (const chat of await collect(provider.listChats("all"))) {
      photos.push(...(await history(provider, chat.chatId)).filter((m) => m.attachments.length));
    }
    expect(photos.length).toBeGreaterThan(0);
    for (const message of photos) {
      const [attachment] = message.attachments;
      expect(attachment).toMatchObject({ kind: "image", size: PHOTO.byteLength });
      expect(attachment?.name).toMatch(/^IMG_\d{4}\.png$/);
      expect(message.text).not.toBe("");
      const file = await provider.download(attachment ?? { url: "", name: "", kind: "file" });
      expect(file.mime).toBe("image/png");
      expect(file.name).toBe(attachment?.name);
      expect(Buffer.from(file.bytes).equals(PHOTO)).toBe(true);
    }
  });

  it("answers not_found for a link it never gave out", async () => {
    const provider = await passive(0);
    await expect(
      provider.download({ url: "sandbox://file/1", name: "a.pdf", kind: "file" }),
    ).rejects.toEqual(expectProviderError("not_found"));
  });
});

describe("SandboxProvider: staff replies", () => {
  it("shows a staff text in the history at once and the buyer's answer a bit later", async () => {
    vi.useFakeTimers();
    const provider = await passive(1);
    const chatId = await firstChatId(provider);
    const before = await history(provider, chatId);

    await provider.sendText(chatId, "Здравствуйте! Сейчас проверим ваш заказ.");
    const echoed = await provider.messagesAfter(chatId, before.at(-1)?.id ?? "0");
    expect(echoed).toEqual([
      expect.objectContaining({
        role: "seller",
        text: "Здравствуйте! Сейчас проверим ваш заказ.",
        attachments: [],
        unread: false,
      }),
    ]);

    await vi.advanceTimersByTimeAsync(900);
    expect(await provider.messagesAfter(chatId, echoed[0]?.id ?? "")).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    const [answer, ...rest] = await provider.messagesAfter(chatId, echoed[0]?.id ?? "");
    expect(rest).toEqual([]);
    expect(answer).toMatchObject({ role: "buyer", unread: true });
    expect(answer?.text).toMatch(/[А-Яа-яЁё]/);
    expect((await collect(provider.listChats("unread"))).map((c) => c.chatId)).toEqual([chatId]);
  });

  it("answers a burst of staff messages once, and goes on answering later replies", async () => {
    vi.useFakeTimers();
    const provider = await passive(1);
    const chatId = await firstChatId(provider);
    const start = (await history(provider, chatId)).length;

    await provider.sendText(chatId, "Часть 1");
    await vi.advanceTimersByTimeAsync(500);
    await provider.sendText(chatId, "Часть 2");
    await vi.advanceTimersByTimeAsync(5000);
    const roles = (await history(provider, chatId)).slice(start).map((m) => m.role);
    expect(roles).toEqual(["seller", "seller", "buyer"]);

    const answers: string[] = [];
    for (let i = 0; i < 4; i++) {
      await provider.sendText(chatId, `Ответ ${i}`);
      await vi.advanceTimersByTimeAsync(5000);
      answers.push((await history(provider, chatId)).at(-1)?.text ?? "");
    }
    expect(answers.every((text) => text !== "" && !text.startsWith("Ответ"))).toBe(true);
  });

  it("acknowledges a file, and its echo downloads as the file sent", async () => {
    vi.useFakeTimers();
    const provider = await passive(1);
    const chatId = await firstChatId(provider);
    const bytes = new TextEncoder().encode("%PDF-1.4 return form");
    await provider.sendFile(chatId, { name: "Заявление", mime: "application/pdf", bytes });

    const echo = (await history(provider, chatId)).at(-1);
    expect(echo).toMatchObject({ role: "seller", text: "" });
    expect(echo?.attachments).toEqual([
      expect.objectContaining({ name: "Заявление.pdf", kind: "file", size: bytes.byteLength }),
    ]);
    const file = await provider.download(
      echo?.attachments[0] ?? { url: "", name: "", kind: "file" },
    );
    expect(file).toMatchObject({ name: "Заявление.pdf", mime: "application/pdf" });
    expect(Buffer.from(file.bytes).equals(Buffer.from(bytes))).toBe(true);

    await vi.advanceTimersByTimeAsync(5000);
    expect((await history(provider, chatId)).at(-1)).toMatchObject({
      role: "buyer",
      text: FILE_RECEIVED,
    });
  });

  it("refuses what Yandex Market would refuse, as invalid", async () => {
    const provider = await passive(1);
    const chatId = await firstChatId(provider);
    const count = (await history(provider, chatId)).length;
    await expect(provider.sendText(chatId, "   ")).rejects.toEqual(expectProviderError("invalid"));
    await expect(provider.sendText(chatId, "я".repeat(4097))).rejects.toEqual(
      expectProviderError("invalid"),
    );
    await provider.sendText(chatId, "я".repeat(4096));
    const mime = "image/jpeg";
    await expect(
      provider.sendFile(chatId, {
        name: "big.jpg",
        mime,
        bytes: new Uint8Array(5 * 1024 * 1024 + 1),
      }),
    ).rejects.toEqual(expectProviderError("invalid"));
    await expect(
      provider.sendFile(chatId, { name: "empty.jpg", mime, bytes: new Uint8Array(0) }),
    ).rejects.toEqual(expectProviderError("invalid"));
    expect((await history(provider, chatId)).length).toBe(count + 1);
  });

  it("stops answering after close()", async () => {
    vi.useFakeTimers();
    const provider = await passive(1);
    const chatId = await firstChatId(provider);
    await provider.sendText(chatId, "Минуту");
    await provider.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await history(provider, chatId)).at(-1)?.role).toBe("seller");
  });
});

describe("SandboxProvider: chats started by staff", () => {
  it("starts a chat for any order number, once per number", async () => {
    vi.useFakeTimers();
    const provider = await passive(0);
    const chatId = await provider.startChat({ kind: "order", number: " 12345 " });
    expect(chatId).toMatch(/^\d+$/);
    expect(await provider.startChat({ kind: "order", number: "12345" })).toBe(chatId);
    expect(await provider.startChat({ kind: "order", number: "A-77" })).not.toBe(chatId);
    expect(await provider.chatDetails(chatId)).toMatchObject({ chatId, orderNumber: "12345" });
    expect(await history(provider, chatId)).toEqual([]);
    const [listed] = await collect(provider.listChats("all"));
    expect(listed).toMatchObject({ isBuyerChat: true, unreadCount: 0 });

    await provider.sendText(chatId, "Здравствуйте! Уточните, пожалуйста, адрес доставки.");
    await vi.advanceTimersByTimeAsync(5000);
    expect((await history(provider, chatId)).at(-1)).toMatchObject({
      role: "buyer",
      text: SHOP_STARTED_REPLIES[0],
    });
  });

  it("starts a chat by return number, and refuses postings and empty numbers", async () => {
    const provider = await passive(0);
    const chatId = await provider.startChat({ kind: "return", number: "900" });
    expect(await provider.chatDetails(chatId)).toMatchObject({ returnNumber: "900" });
    expect((await provider.chatDetails(chatId)).orderNumber).toBeUndefined();
    await expect(provider.startChat({ kind: "posting", number: "1-2-3" })).rejects.toEqual(
      expectProviderError("invalid"),
    );
    await expect(provider.startChat({ kind: "order", number: "  " })).rejects.toEqual(
      expectProviderError("invalid"),
    );
  });
});

describe("SandboxProvider: spontaneous buyers", () => {
  it("opens chats and reminds unanswered buyers over time, then rests", async () => {
    vi.useFakeTimers();
    const provider = sandbox({ buyerIntervalMs: 1000, now: () => Date.now() });
    expect(await collect(provider.listChats("all"))).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect((await collect(provider.listChats("all"))).length).toBeGreaterThan(1);

    // Every story told (8) and every buyer reminded once: nothing is scheduled any more.
    await vi.advanceTimersByTimeAsync(60_000);
    const chats = await collect(provider.listChats("all"));
    expect(chats).toHaveLength(8);
    expect(vi.getTimerCount()).toBe(0);
    for (const chat of chats) {
      const texts = (await history(provider, chat.chatId)).map((m) => m.text);
      expect(texts.filter((text) => NUDGES.includes(text))).toHaveLength(1);
    }
    expect(provider.step()).toBe(false);
  });

  it("does not remind a buyer staff already answered", async () => {
    vi.useFakeTimers();
    const provider = await passive(1);
    const chatId = await firstChatId(provider);
    await provider.sendText(chatId, "Здравствуйте!");
    await vi.advanceTimersByTimeAsync(5000);
    const length = (await history(provider, chatId)).length;
    while (provider.step()) {}
    expect((await history(provider, chatId)).length).toBe(length);
  });

  it("refuses a negative interval", () => {
    expect(() => new SandboxProvider({ buyerIntervalMs: -1 })).toThrow(RangeError);
  });
});
