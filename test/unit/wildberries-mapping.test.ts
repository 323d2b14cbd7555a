import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareIds, oldestFirst } from "../../src/bridge/provider.ts";
import type { WbEventsPage } from "../../src/providers/wildberries/client.ts";
import { initialCursor, MAX_SEEN_IDS, stepCursor } from "../../src/providers/wildberries/cursor.ts";
import {
  chatSummary,
  mapChat,
  mapEvent,
  messageIdOf,
  timeOfMessageId,
  timestampMs,
} from "../../src/providers/wildberries/mapping.ts";

// The spec's own examples (test/contract/wildberries-buyers-chat-subset.json).
interface Spec {
  paths: Record<string, { get: { responses: Record<string, { content: JsonExample }> } }>;
  components: { schemas: { Chat: { properties: Record<string, { example?: unknown }> } } };
}
interface JsonExample {
  "application/json": {
    example: { result: { events: Record<string, unknown>[]; next: number } };
  };
}
const SPEC = JSON.parse(
  readFileSync(new URL("../contract/wildberries-buyers-chat-subset.json", import.meta.url), "utf8"),
) as Spec;
const eventsResponse = SPEC.paths["/api/v1/seller/events"]?.get.responses["200"];
if (eventsResponse === undefined) throw new Error("the spec has no events example");
const eventsExample = eventsResponse.content["application/json"].example.result;
const EXAMPLE_EVENTS = eventsExample.events;

const API = "https://buyer-chat-api.wildberries.ru";
const downloadUrl = (id: string) => `${API}/api/v1/seller/download/${encodeURIComponent(id)}`;

describe("mapEvent on the spec's example", () => {
  const facts = EXAMPLE_EVENTS.map((e) => mapEvent(e, downloadUrl));

  it("maps all four events, with roles by sender", () => {
    expect(facts.map((f) => f?.message.role)).toEqual(["buyer", "buyer", "seller", "seller"]);
    expect(facts.map((f) => f?.origin)).toEqual([
      "buyer-app",
      "buyer-app",
      "seller-api",
      "unknown",
    ]);
    expect(facts.map((f) => f?.message.senderLabel)).toEqual([
      "client",
      "client",
      "seller",
      "seller",
    ]);
  });

  it("takes the time from addTimestamp (ms) and builds ids that order by it", () => {
    expect(facts.map((f) => f?.message.createdAt)).toEqual([
      "2023-10-23T05:02:20.000Z",
      "2023-10-23T05:03:07.000Z",
      "2023-10-23T05:15:24.000Z",
      "2023-10-23T07:19:36.000Z",
    ]);
    const ids = facts.map((f) => f?.message.id ?? "");
    for (const id of ids) expect(id).toMatch(/^\d{19}$/);
    expect(ids.map(timeOfMessageId)).toEqual([
      1698037340000, 1698037387000, 1698038124000, 1698045576000,
    ]);
    const shuffled = [...facts].reverse().map((f) => f?.message);
    expect(oldestFirst(shuffled.filter((m) => m !== undefined)).map((m) => m.id)).toEqual(ids);
  });

  it("keeps the first event's reply sign, buyer name, order and product", () => {
    const first = facts[0];
    expect(first).toMatchObject({
      eventId: "55adee45-11f0-33b6-a847-6ccc7c78b2ec",
      chatId: "1:1e265a58-a120-b178-008c-60af2460207c",
      isNewChat: true,
      clientName: "Алёна",
      source: "rusite",
      goodCard: {
        nmId: "12345678",
        price: 500,
        priceCurrency: "RUB",
        rid: "2fb52cd9e25e52538a5f05994e688ae5",
        size: "0",
      },
    });
    expect(first?.replySign).toMatch(/^1:1e265a58-a120-b178-008c-60af2460207c:[0-9a-f]{128}$/);
    expect(first?.message.orderNumber).toBe("2fb52cd9e25e52538a5f05994e688ae5");
    expect(first?.message.sku).toBe("12345678");
    expect(facts[1]?.replySign).toBeUndefined();
    expect(facts[1]?.isNewChat).toBe(false);
  });

  it("turns images and files into attachments fetched by their downloadID", () => {
    expect(facts[0]?.message.attachments).toEqual([
      {
        url: `${API}/api/v1/seller/download/fd6be4e3-5447-41d7-a1e6-b2d3e06c3b05`,
        name: "0823ff24-821e-40e9-8cdf-0a2b5fd86a32.jpg",
        kind: "image",
      },
      {
        url: `${API}/api/v1/seller/download/ecaeb056-a4ee-45b4-ae45-666811755d38`,
        name: "Чек.pdf",
        kind: "file",
        size: 1046143,
      },
    ]);
    expect(facts[0]?.files.map((f) => f.basketUrl?.startsWith("https://chat-basket-01."))).toEqual([
      true,
      true,
    ]);
    expect(facts[0]?.files[1]?.contentType).toBe("application/pdf");
  });

  it("keeps the bare fourth event, marked as having no content", () => {
    expect(facts[3]).toMatchObject({ hasContent: false });
    expect(facts[3]?.message.text).toBe("");
    expect(facts[3]?.message.attachments).toEqual([]);
    expect(facts[2]?.hasContent).toBe(true);
  });
});

describe("mapEvent on the rest", () => {
  const base = {
    chatID: "1:641b623c-5c0e-295b-db03-3d5b4d484c32",
    eventID: "cef95d3c-0345-4dc9-b6df-4c8c57a176a9",
    eventType: "message",
    addTimestamp: 1712848270018,
    message: { text: "Добрый день" },
  };

  it.each([
    [{ sender: "client" }, "buyer"],
    [{ sender: "seller", source: "seller-portal" }, "seller"],
    [{ sender: "wb" }, "system"],
    [{ sender: "robot" }, "system"],
    [{ source: "ios" }, "buyer"],
    [{ source: "seller-portal" }, "seller"],
    [{}, "system"],
  ])("%j is %s", (extra, role) => {
    expect(mapEvent({ ...base, ...extra }, downloadUrl)?.message.role).toBe(role);
  });

  it("a portal answer is the seller's, marked as written in the portal", () => {
    const facts = mapEvent({ ...base, sender: "seller", source: "seller-portal" }, downloadUrl);
    expect(facts?.origin).toBe("seller-portal");
  });

  it("reads an addTimestamp of seconds size as seconds, and falls back to addTime", () => {
    expect(mapEvent({ ...base, addTimestamp: 1712848270 }, downloadUrl)?.at).toBe(1712848270000);
    const { addTimestamp: _, ...noStamp } = base;
    expect(mapEvent({ ...noStamp, addTime: "2024-04-11T15:11:10Z" }, downloadUrl)?.at).toBe(
      Date.parse("2024-04-11T15:11:10Z"),
    );
    expect(timestampMs("1712848270018")).toBe(1712848270018);
    expect(timestampMs(0)).toBeUndefined();
    expect(timestampMs(-1)).toBeUndefined();
    expect(timestampMs(1.5)).toBeUndefined();
  });

  it.each([
    ["no eventID", { eventID: undefined }],
    ["no chatID", { chatID: "" }],
    ["no time", { addTimestamp: undefined }],
    ["another event type", { eventType: "refund" }],
  ])("gives nothing for an event with %s", (_label, extra) => {
    expect(mapEvent({ ...base, ...extra }, downloadUrl)).toBeUndefined();
  });

  it("skips files without a downloadID and tolerates junk in the lists", () => {
    const facts = mapEvent(
      {
        ...base,
        message: {
          attachments: {
            images: [
              null,
              { url: "https://chat-basket-01.wbbasket.ru/x.jpg" },
              { downloadID: "i1" },
            ],
            files: "not a list",
          },
        },
      },
      downloadUrl,
    );
    expect(facts?.message.attachments).toEqual([
      { url: `${API}/api/v1/seller/download/i1`, name: "", kind: "image" },
    ]);
    expect(facts?.hasContent).toBe(true);
  });
});

describe("message ids", () => {
  it("are stable, decimal, and differ for two events of one millisecond", () => {
    const at = 1698037340000;
    const a = messageIdOf(at, "fd22e5bf-64fd-43f7-b3a0-ad29uu027f97");
    expect(messageIdOf(at, "fd22e5bf-64fd-43f7-b3a0-ad29uu027f97")).toBe(a);
    const b = messageIdOf(at, "fd22e5bf-64fd-43f7-b3a0-ad29uu027f98");
    expect(a).not.toBe(b);
    expect(compareIds(a, messageIdOf(at + 1, "0"))).toBe(-1);
    expect(compareIds(b, messageIdOf(at + 1, "zzz"))).toBe(-1);
    expect(() => BigInt(a)).not.toThrow();
  });
});

describe("mapChat", () => {
  const example = Object.fromEntries(
    Object.entries(SPEC.components.schemas.Chat.properties).map(([k, v]) => [k, v.example]),
  );

  it("reads the spec's Chat example and full chats", () => {
    const chat = mapChat({
      ...example,
      goodCard: { nmID: 12345678, price: 500, priceCurrency: "RUB", rid: "r1", size: "M" },
      lastMessage: { text: "Спасибо!", addTimestamp: 1766138234889 },
    });
    expect(chat).toEqual({
      chatId: "1:4019cd7d-cca8-4e90-8b11-f78afbea42e3",
      replySign:
        "1:4019cd7d-cca8-4e90-8b11-f78afbea42e3:54828159:bc3a4c04079f5956cff170b25e73523aa1208b5c0bd7aea1e520a64ae3e212b1ebae6712661f3afd27520fa785fa3042254e8a3100ce00644322054ae7cfcd0e",
      clientName: "Иван",
      goodCard: { nmId: "12345678", price: 500, priceCurrency: "RUB", rid: "r1", size: "M" },
      lastMessage: { text: "Спасибо!", at: 1766138234889 },
    });
    expect(chat && chatSummary(chat)).toEqual({
      chatId: "1:4019cd7d-cca8-4e90-8b11-f78afbea42e3",
      isBuyerChat: true,
      changeToken: "1766138234889",
      unreadCount: 0,
      updatedAt: 1766138234889,
    });
  });

  it("takes a chat without goodCard or lastMessage, and refuses one without chatID", () => {
    const chat = mapChat({ chatID: "1:x", goodCard: null, lastMessage: "?" });
    expect(chat).toEqual({ chatId: "1:x" });
    expect(chat && chatSummary(chat).changeToken).toBe("");
    expect(mapChat({ replySign: "s" })).toBeUndefined();
    expect(mapChat("chat")).toBeUndefined();
  });
});

describe("stepCursor", () => {
  const event = (id: string, at: number) => ({ eventID: id, addTimestamp: at });
  const page = (events: unknown[], next: number | undefined, totalEvents?: number) =>
    ({
      events,
      next,
      totalEvents: totalEvents ?? events.length,
      oldestEventTime: undefined,
      newestEventTime: undefined,
      errors: [],
    }) satisfies WbEventsPage;

  it("follows the spec's example: next is the last event's time, then totalEvents 0 ends", () => {
    const first = stepCursor(initialCursor(), page(EXAMPLE_EVENTS, eventsExample.next));
    expect(first.fresh).toHaveLength(4);
    expect(first.done).toBe(false);
    expect(first.state.next).toBe(1698045576000);
    const end = stepCursor(first.state, page([], 1698045576000, 0));
    expect(end).toMatchObject({ fresh: [], done: true });
  });

  it("drops the boundary event an inclusive cursor repeats, and stops there", () => {
    const first = stepCursor(initialCursor(), page([event("a", 10), event("b", 20)], 20));
    const again = stepCursor(first.state, page([event("b", 20)], 20));
    expect(again.fresh).toEqual([]);
    expect(again.done).toBe(true);
    const more = stepCursor(
      again.state,
      page([event("b", 20), event("c", 20), event("d", 30)], 30),
    );
    expect(more.fresh).toEqual([event("c", 20), event("d", 30)]);
    expect(more.done).toBe(false);
  });

  it("never moves next back, to 0 or to nothing", () => {
    const first = stepCursor(initialCursor(), page([event("a", 50)], 50));
    expect(stepCursor(first.state, page([event("b", 60)], 0)).state.next).toBe(60);
    expect(stepCursor(first.state, page([], undefined, 0)).state.next).toBe(50);
    expect(stepCursor(first.state, page([event("c", 70)], 40)).state.next).toBe(50);
  });

  it("ends on an empty batch even when totalEvents is missing", () => {
    const step = stepCursor(initialCursor(), { ...page([], 5), totalEvents: undefined });
    expect(step.done).toBe(true);
    expect(step.state.next).toBe(5);
  });

  it("keeps a bounded list of seen ids, newest last, and dedupes within a batch", () => {
    const many = Array.from({ length: MAX_SEEN_IDS + 10 }, (_, i) => event(`e${i}`, 100 + i));
    const step = stepCursor(initialCursor(), page([...many, many[0]], 100 + many.length));
    expect(step.fresh).toHaveLength(many.length);
    expect(step.state.seen).toHaveLength(MAX_SEEN_IDS);
    expect(step.state.seen.at(-1)).toBe(`e${many.length - 1}`);
  });
});
