// WildberriesClient against FakeWildberries over real HTTP on 127.0.0.1. The fake and the
// client's limiter share one virtual clock running 20 times faster than real time, so the 10 s
// windows of WB's limits pass in half a second while the fake still counts by them.

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/bridge/provider.ts";
import { sleep } from "../../src/bridge/sleep.ts";
import { downloadAttachment } from "../../src/providers/files.ts";
import {
  isReplySignError,
  WB_MAX_FILE_BYTES,
  WB_REFUSALS,
  WbReplySignError,
  WildberriesClient,
  type WildberriesClientOptions,
  wildberriesRetryAfterMs,
} from "../../src/providers/wildberries/client.ts";
import {
  drainEvents,
  type EventCursorState,
  initialCursor,
  stepCursor,
} from "../../src/providers/wildberries/cursor.ts";
import type { RateLimiter } from "../../src/providers/wildberries/limiter.ts";
import { createWbLimiter } from "../../src/providers/wildberries/limits.ts";
import { mapChat, mapEvent } from "../../src/providers/wildberries/mapping.ts";
import { readWbToken } from "../../src/providers/wildberries/token.ts";
import { FakeWildberries, type FakeWildberriesOptions } from "../fakes/wildberries.ts";

const SPEED = 20;
const T0 = Date.parse("2026-03-02T09:00:00.000Z");
const MIB = 1024 * 1024;

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "ES256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}

const CLAIMS = {
  acc: 3,
  exp: Date.parse("2026-08-29T09:00:00Z") / 1000,
  for: "self",
  s: 2 ** 9,
  sid: "764bb5eb-b610-427d-b167-904935fde848",
  t: false,
};
const TOKEN = jwt(CLAIMS);
const CONTENT_TOKEN = jwt({ ...CLAIMS, s: 2 ** 1, sid: "content" });
const EXPIRED_TOKEN = jwt({ ...CLAIMS, exp: T0 / 1000 - 3600, sid: "expired" });
const BASIC_TOKEN = jwt({ ...CLAIMS, acc: 1, for: undefined, sid: "basic" });
/** A basic token whose claims do not tell its type: only WB's answers can. */
const UNTYPED_BASIC_TOKEN = jwt({ ...CLAIMS, acc: undefined, sid: "untyped" });

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(3000, 7)]);
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(500, 3),
]);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n", "latin1");
const DOCX = Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.alloc(100, 1)]);

/** One clock for the fake and the limiter, SPEED times real time. */
function virtualClock() {
  const started = performance.now();
  const now = () => T0 + Math.floor((performance.now() - started) * SPEED);
  return {
    now,
    sleep: (ms: number, signal?: AbortSignal) => sleep(ms / SPEED, signal),
  };
}

let clock: ReturnType<typeof virtualClock>;
let fake: FakeWildberries;
let limiter: RateLimiter;
let client: WildberriesClient;
const clients: WildberriesClient[] = [];

async function startFake(options: Partial<FakeWildberriesOptions> = {}): Promise<void> {
  await fake?.stop();
  fake = new FakeWildberries({
    token: TOKEN,
    tokens: [
      { token: CONTENT_TOKEN, categories: ["content"] },
      { token: EXPIRED_TOKEN, categories: [] },
      { token: BASIC_TOKEN, type: "basic" },
      { token: UNTYPED_BASIC_TOKEN, type: "basic" },
    ],
    now: () => new Date(clock.now()),
    ...options,
  });
  await fake.start();
}

function makeClient(options: Partial<WildberriesClientOptions> = {}): WildberriesClient {
  const type = readWbToken(options.token ?? TOKEN).type;
  limiter = createWbLimiter(type, { now: clock.now, sleep: clock.sleep });
  const made = new WildberriesClient({
    token: TOKEN,
    apiUrl: fake.url,
    limiter,
    retry: { baseDelayMs: 1, maxDelayMs: 10_000 },
    now: clock.now,
    ...options,
  });
  clients.push(made);
  return made;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  const provider = error as ProviderError;
  expect(provider.message).not.toContain(TOKEN);
  for (const part of TOKEN.split(".")) expect(provider.message).not.toContain(part);
  return provider;
}

/** Requests the fake saw for one operation. */
const requestsOf = (key: Parameters<FakeWildberries["countByOperation"]>[0]) =>
  fake.requests.filter((r) => r.key === key);

beforeEach(async () => {
  clock = virtualClock();
  await startFake();
  client = makeClient();
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await fake.stop();
});

describe("authentication", () => {
  it("sends the bare token in Authorization, also when configured with a Bearer prefix", async () => {
    fake.addChat();
    await client.chats();
    const prefixed = makeClient({ token: `Bearer ${TOKEN}` });
    await prefixed.chats();
    await prefixed.events();
    expect(fake.requests.map((r) => r.auth)).toEqual(["raw", "raw", "raw"]);
    expect(fake.contractViolations).toEqual([]);
  });

  it("401 is an auth error, not retried, without the token in its message", async () => {
    const wrong = makeClient({ token: jwt({ ...CLAIMS, sid: "unknown-to-wb" }) });
    const error = await failure(wrong.chats());
    expect(error.kind).toBe("auth");
    expect(error.status).toBe(401);
    expect(error.message).toContain("the token was refused");
    expect(fake.requests).toHaveLength(1);
  });

  it("401 of an expired token says since when", async () => {
    await fake.stop();
    await startFake({ tokens: [] });
    const expired = makeClient({ token: EXPIRED_TOKEN });
    const error = await failure(expired.events());
    expect(error.kind).toBe("auth");
    expect(error.message).toContain("the token expired on 2026-03-02T08:00:00.000Z");
  });

  it("403 for the wrong category names the category to create", async () => {
    const content = makeClient({ token: CONTENT_TOKEN });
    const error = await failure(content.chats());
    expect(error.kind).toBe("forbidden");
    expect(error.message).toContain('"Чат с покупателями" (buyers chat)');
    expect(error.message).toContain("scope is not allowed for this resource");
  });

  it("402 is forbidden with WB's words", async () => {
    fake.failNext("getV1SellerChats", { status: 402 });
    const error = await failure(client.chats());
    expect(error.kind).toBe("forbidden");
    expect(error.message).toContain("payment required");
    expect(error.message).toContain("insufficient funds");
  });
});

describe("events", () => {
  /** 3 chats and 17 events of every kind, in the fake's order. */
  function world(): string[] {
    const ids: string[] = [];
    const a = fake.addChat({ clientName: "Алёна" });
    const b = fake.addChat();
    const c = fake.addChat({ goodCard: null });
    ids.push(fake.buyerWrites(a, "Здравствуйте! Пришёл не тот цвет"));
    ids.push(fake.buyerSendsImage(a, JPEG, { text: "Вот фото" }).eventID);
    ids.push(fake.sellerWritesInPortal(a, "Сейчас оформим возврат"));
    ids.push(fake.buyerSendsFile(b, PDF, "Чек.pdf").eventID);
    ids.push(fake.wbWrites(b, "Чат закрыт"));
    ids.push(fake.bareEvent(a));
    for (let i = 0; i < 11; i++) ids.push(fake.buyerWrites(i % 2 ? b : c, `Вопрос ${i}`));
    return ids;
  }

  const eventIds = (events: unknown[]) => events.map((e) => (e as { eventID: string }).eventID);

  it.each([
    { eventsCursor: "exclusive", totalEvents: "batch" },
    { eventsCursor: "inclusive", totalEvents: "batch" },
    { eventsCursor: "exclusive", totalEvents: "remaining" },
    { eventsCursor: "inclusive", totalEvents: "remaining" },
  ] as const)(
    "pages until drained, losing and repeating nothing ($eventsCursor, totalEvents $totalEvents)",
    async (options) => {
      await startFake({ eventsBatchSize: 5, ...options });
      client = makeClient();
      const ids = world();
      const first = await drainEvents(client, initialCursor());
      expect(first.drained).toBe(true);
      expect(eventIds(first.events)).toEqual(ids);

      const calls = requestsOf("getV1SellerEvents");
      expect(calls[0]?.query.has("next")).toBe(false);
      for (const call of calls.slice(1)) expect(Number(call.query.get("next"))).toBeGreaterThan(0);
      // 17 events in batches of 5 → 4 batches, then the one that says "nothing more".
      expect(calls).toHaveLength(5);

      // Later events come from where the cursor stopped, and only they.
      const later = [fake.buyerWrites(fake.chatIDs()[0] ?? "", "Ещё вопрос")];
      later.push(fake.sellerWritesInPortal(fake.chatIDs()[1] ?? "", "Ответ"));
      const second = await drainEvents(client, first.state);
      expect(eventIds(second.events)).toEqual(later);
      const third = await drainEvents(client, second.state);
      expect(third.events).toEqual([]);
      expect(third.state.next).toBe(second.state.next);
      expect(fake.contractViolations).toEqual([]);
    },
  );

  it("sends next exactly as the previous batch returned it, never 0", async () => {
    await startFake({ eventsBatchSize: 4 });
    client = makeClient();
    world();
    const returned: (number | undefined)[] = [];
    let state: EventCursorState = initialCursor();
    for (;;) {
      const page = await client.events(state.next);
      returned.push(page.next);
      const step = stepCursor(state, page);
      state = step.state;
      if (step.done) break;
    }
    const sent = requestsOf("getV1SellerEvents").map((r) => r.query.get("next"));
    expect(sent[0]).toBeNull();
    expect(sent.slice(1)).toEqual(returned.slice(0, -1).map(String));
    expect(sent).not.toContain("0");
  });

  it("a drained empty feed keeps a usable cursor and the next call finds new events", async () => {
    const empty = await drainEvents(client, initialCursor());
    expect(empty.events).toEqual([]);
    const chat = fake.addChat();
    const id = fake.buyerWrites(chat, "Первый вопрос");
    const after = await drainEvents(client, empty.state);
    expect(eventIds(after.events)).toEqual([id]);
  });

  it.each([0, -5, 1.5, Number.NaN])("refuses next=%s without a request", async (next) => {
    const error = await failure(client.events(next));
    expect(error.kind).toBe("invalid");
    expect(fake.requests).toHaveLength(0);
  });

  it("maps what it reads: roles, portal answers, files, the reply sign of a new chat", async () => {
    world();
    const { events } = await drainEvents(client, initialCursor());
    const facts = events.map((e) => mapEvent(e, (id) => client.downloadUrl(id)));
    expect(facts.map((f) => f?.message.role).slice(0, 6)).toEqual([
      "buyer",
      "buyer",
      "seller",
      "buyer",
      "system",
      "seller",
    ]);
    expect(facts[0]?.replySign).toBe(fake.replySignOf(fake.chatIDs()[0] ?? ""));
    expect(facts[2]?.origin).toBe("seller-portal");
    expect(facts[5]?.hasContent).toBe(false);
    const image = facts[1]?.message.attachments[0];
    expect(image?.kind).toBe("image");
    const file = await downloadAttachment(
      client.asFileSource(),
      image ?? { url: "", name: "", kind: "image" },
    );
    expect(Buffer.from(file.bytes)).toEqual(JPEG);
    expect(file.mime).toBe("image/jpeg");
    const ids = facts.map((f) => BigInt(f?.message.id ?? "0"));
    expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  });
});

describe("rate limits", () => {
  it("a burst of calls of all four kinds never exceeds 10 per 10 s, and the first 10 go at once", async () => {
    const chat = fake.addChat();
    const images = Array.from({ length: 8 }, () => fake.buyerSendsImage(chat, JPEG).downloadID);
    const sign = fake.replySignOf(chat);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 32; i++) {
      const kind = i % 4;
      if (kind === 0) calls.push(client.chats());
      else if (kind === 1) calls.push(client.events());
      else if (kind === 2) calls.push(client.download(images[i % images.length] ?? ""));
      else calls.push(client.sendMessage({ replySign: sign, text: `Ответ ${i}` }));
    }
    const results = await Promise.allSettled(calls);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(fake.count429).toBe(0);
    expect(fake.maxRequestsIn10s()).toBe(10);
    const times = fake.requests.map((r) => r.at.getTime());
    expect((times[9] ?? 0) - (times[0] ?? 0)).toBeLessThan(1000);
    expect(fake.contractViolations).toEqual([]);
  });

  it("retries a read after a 429 no sooner than X-Ratelimit-Retry says", async () => {
    fake.failNext("getV1SellerEvents", {
      status: 429,
      headers: { "x-ratelimit-retry": "3" },
    });
    const page = await client.events();
    expect(page.totalEvents).toBe(0);
    const [first, second] = requestsOf("getV1SellerEvents").map((r) => r.at.getTime());
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(3000);
  });

  it("without a header waits a whole 10 s window, and gives up as rate_limited after 3 tries", async () => {
    fake.failNext("getV1SellerChats", { status: 429, times: 3 });
    const error = await failure(client.chats());
    expect(error).toMatchObject({ kind: "rate_limited", status: 429, retryAfterMs: 10_000 });
    const times = requestsOf("getV1SellerChats").map((r) => r.at.getTime());
    expect(times).toHaveLength(3);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(10_000);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(10_000);
  });

  it("retries a read after a server error, and gives up after 3 attempts", async () => {
    fake.failNext("getV1SellerChats", { status: 503 });
    await client.chats();
    expect(requestsOf("getV1SellerChats")).toHaveLength(2);
    fake.failNext("getV1SellerEvents", { status: 502, times: 3 });
    const error = await failure(client.events());
    expect(error).toMatchObject({ kind: "transient", status: 502 });
    expect(requestsOf("getV1SellerEvents")).toHaveLength(3);
  });

  it("a 429 holds back every other request too", async () => {
    fake.failNext("getV1SellerChats", { status: 429, headers: { "x-ratelimit-retry": "5" } });
    const chats = client.chats();
    // Until the 429 is in (the limiter holds back from then on).
    while (limiter.waitMs(["buyerchat"]) < 1000) await sleep(1);
    const started = clock.now();
    await client.events();
    await chats;
    const eventsAt = requestsOf("getV1SellerEvents")[0]?.at.getTime() ?? 0;
    expect(eventsAt - started).toBeGreaterThanOrEqual(4000);
  });

  it("a 429 longer than the longest retry wait is the caller's: thrown at once", async () => {
    fake.failNext("getV1SellerEvents", { status: 429, headers: { "x-ratelimit-retry": "3600" } });
    const error = await failure(client.events());
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 3_600_000 });
    expect(requestsOf("getV1SellerEvents")).toHaveLength(1);
    // And the client keeps away meanwhile: the next call is refused without a request.
    const local = await failure(client.chats());
    expect(local.kind).toBe("rate_limited");
    expect(local.message).toContain("client's own limit");
    expect(fake.requests).toHaveLength(1);
  });

  it("reads X-Ratelimit-Retry, then Retry-After, within 1 s to 1 h", () => {
    expect(wildberriesRetryAfterMs({ "x-ratelimit-retry": "7" })).toBe(7000);
    expect(wildberriesRetryAfterMs({ "x-ratelimit-retry": "0" })).toBe(1000);
    expect(wildberriesRetryAfterMs({ "x-ratelimit-retry": "1772441000" })).toBe(3_600_000);
    expect(wildberriesRetryAfterMs({ "retry-after": "12" })).toBe(12_000);
    expect(wildberriesRetryAfterMs({ "x-ratelimit-retry": "soon", "retry-after": "2" })).toBe(2000);
    expect(wildberriesRetryAfterMs({})).toBeUndefined();
  });

  it("never retries a send, not even after a 429", async () => {
    const chat = fake.addChat();
    fake.failNext("postV1SellerMessage", { status: 429, headers: { "x-ratelimit-retry": "1" } });
    const error = await failure(
      client.sendMessage({ replySign: fake.replySignOf(chat), text: "Здравствуйте" }),
    );
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 1000 });
    expect(requestsOf("postV1SellerMessage")).toHaveLength(1);
    expect(fake.sentBySeller(chat)).toEqual([]);
  });

  it("a basic token whose claims do not say so is recognised by three 429s in a row", async () => {
    const untyped = makeClient({ token: UNTYPED_BASIC_TOKEN });
    expect(untyped.tokenInfo.type).toBe("unknown");
    await untyped.events();
    expect(untyped.throttledLikeBasic).toBe(false);
    // No wait header (none is declared): three tries 10 s apart, every one refused.
    const error = await failure(untyped.events());
    expect(error.kind).toBe("rate_limited");
    expect(requestsOf("getV1SellerEvents")).toHaveLength(4);
    expect(untyped.throttledLikeBasic).toBe(true);
  });

  it("a 429 naming a wait of an hour marks the token basic-like at once", async () => {
    await startFake({ retryHeader: true });
    const untyped = makeClient({ token: UNTYPED_BASIC_TOKEN });
    await untyped.events();
    await failure(untyped.events());
    expect(requestsOf("getV1SellerEvents")).toHaveLength(2);
    expect(untyped.throttledLikeBasic).toBe(true);
  });

  it("a personal token answered 429 now and then stays a personal token", async () => {
    fake.failNext("getV1SellerEvents", { status: 429, times: 2 });
    await client.events();
    expect(requestsOf("getV1SellerEvents")).toHaveLength(3);
    expect(client.throttledLikeBasic).toBe(false);
  });

  it("a basic token gets one chat list per hour: the second is refused locally", async () => {
    const basic = makeClient({ token: BASIC_TOKEN });
    expect(basic.tokenInfo.type).toBe("basic");
    await basic.chats();
    const error = await failure(basic.chats());
    expect(error.kind).toBe("rate_limited");
    expect(error.retryAfterMs).toBeGreaterThan(3_500_000);
    expect(requestsOf("getV1SellerChats")).toHaveLength(1);
  });
});

describe("downloads", () => {
  it("200: the bytes as WB sent them, with their type", async () => {
    const chat = fake.addChat();
    const pdf = fake.buyerSendsFile(chat, PDF, "Чек.pdf");
    const png = fake.buyerSendsImage(chat, PNG);
    expect(await client.download(pdf.downloadID)).toEqual({
      state: "ready",
      bytes: new Uint8Array(PDF),
      mime: "application/pdf",
    });
    const image = await client.download(png.downloadID);
    expect(image.state === "ready" && Buffer.from(image.bytes)).toEqual(PNG);
    expect(requestsOf("getV1SellerDownloadId").map((r) => r.path)).toEqual([
      `/api/v1/seller/download/${pdf.downloadID}`,
      `/api/v1/seller/download/${png.downloadID}`,
    ]);
  });

  it("202: not yet, with WB's retrySeconds, and the file once moderation passed", async () => {
    await startFake({ retrySeconds: 45 });
    client = makeClient();
    const chat = fake.addChat();
    const file = fake.buyerSendsImage(chat, JPEG, { moderation: "pending", pendingPolls: 1 });
    expect(await client.download(file.downloadID)).toEqual({
      state: "pending",
      retryAfterMs: 45_000,
      moderationState: "pending",
    });
    const later = await client.download(file.downloadID);
    expect(later.state).toBe("ready");
  });

  it("202 through the FileSource is a pending error carrying retryAfterMs", async () => {
    const chat = fake.addChat();
    const file = fake.buyerSendsImage(chat, JPEG, { moderation: "pending" });
    const error = await failure(
      client.asFileSource().download(client.downloadUrl(file.downloadID), MIB),
    );
    expect(error).toMatchObject({ kind: "pending", retryAfterMs: 30_000 });
    expect(error.message).toContain("moderation");
  });

  it("451: refused by moderation, not retryable, and said so", async () => {
    const chat = fake.addChat();
    const file = fake.buyerSendsFile(chat, PDF, "Договор.pdf", { moderation: "refused" });
    const error = await failure(client.download(file.downloadID));
    expect(error).toMatchObject({ kind: "forbidden", status: 451, retryable: false });
    // Coded, so staff are told moderation refused it rather than that access was denied.
    expect(error.code).toBe(WB_REFUSALS.moderation);
    expect(error.message).toContain("moderation refused this file");
    expect(requestsOf("getV1SellerDownloadId")).toHaveLength(1);
  });

  it("an unknown file id is not_found", async () => {
    const missing = await failure(client.download("00000000-0000-0000-0000-000000000000"));
    expect(missing).toMatchObject({ kind: "not_found", status: 400 });
  });

  // Streamed without Content-Length: a Content-Length over the cap makes the shared HttpClient
  // destroy an unread undici body, which raises an uncaught RequestAbortedError (not this
  // client's code; see the report), so only the streaming cap is exercised here.
  it("a file over the cap is refused as too large", async () => {
    const api = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/pdf", "transfer-encoding": "chunked" });
      res.write(PDF);
      res.end(Buffer.alloc(5000));
    });
    await listen(api);
    try {
      const capped = makeClient({ apiUrl: `http://127.0.0.1:${port(api)}` });
      const error = await failure(capped.download("big", { maxBytes: 1000 }));
      expect(error.kind).toBe("invalid");
      expect(error.message).toContain("file too large");
    } finally {
      await close(api);
    }
  });

  it("fetches only its own download addresses (never a basket link)", async () => {
    const chat = fake.addChat();
    const file = fake.buyerSendsImage(chat, JPEG);
    const error = await failure(client.asFileSource().download(file.url, MIB));
    expect(error.kind).toBe("invalid");
    expect(fake.requests).toHaveLength(0);
    expect(client.downloadIdOf(client.downloadUrl("a/b c?d"))).toBe("a/b c?d");
  });

  it("keeps the token to the API host when a download is redirected elsewhere", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { "content-type": "image/jpeg" });
      res.end(JPEG);
    });
    await listen(other);
    const api = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(302, { location: `http://127.0.0.1:${port(other)}/file.jpg` });
      res.end();
    });
    await listen(api);
    try {
      const redirected = makeClient({ apiUrl: `http://127.0.0.1:${port(api)}` });
      const file = await redirected.download("abc");
      expect(file.state === "ready" && Buffer.from(file.bytes)).toEqual(JPEG);
      expect(seen.map((h) => h.authorization)).toEqual([TOKEN, undefined]);
    } finally {
      await close(api);
      await close(other);
    }
  });
});

describe("sendMessage", () => {
  it("posts the chat's replySign, the text and each file with identical bytes", async () => {
    const chat = fake.addChat();
    const sign = fake.replySignOf(chat);
    // A view at an odd offset into a larger buffer, as pooled Node Buffers are.
    const backing = new Uint8Array(JPEG.length + 3);
    backing.set(JPEG, 3);
    const photo = new Uint8Array(backing.buffer, 3, JPEG.length);
    const result = await client.sendMessage({
      replySign: sign,
      text: "Здравствуйте! Отправляю чек и фото 📎",
      files: [
        { name: "Чек №17.pdf", mime: "application/pdf", bytes: PDF },
        { name: "Фото упаковки", mime: "image/jpeg", bytes: photo },
        { name: "скрин.png", mime: "image/png", bytes: PNG },
      ],
    });
    expect(result).toMatchObject({ chatId: chat, errors: [] });
    const [sent] = fake.sentBySeller(chat);
    expect(sent?.replySign).toBe(sign);
    expect(sent?.text).toBe("Здравствуйте! Отправляю чек и фото 📎");
    expect(sent?.files.map((f) => [f.name, f.contentType, f.detectedType])).toEqual([
      ["Чек №17.pdf", "application/pdf", "application/pdf"],
      ["Фото упаковки.jpg", "image/jpeg", "image/jpeg"],
      ["скрин.png", "image/png", "image/png"],
    ]);
    expect(sent?.files.map((f) => Buffer.from(f.bytes))).toEqual([PDF, JPEG, PNG]);
    expect(fake.contractViolations).toEqual([]);
    // The send comes back in the feed as the seller's, through the public API.
    const { events } = await drainEvents(client, initialCursor());
    const echo = mapEvent(events.at(-1), (id) => client.downloadUrl(id));
    expect(echo?.origin).toBe("seller-api");
    expect(echo?.message.role).toBe("seller");
    expect(echo?.message.attachments).toHaveLength(3);
  });

  it("goes by the bytes, not the declared type: a JPEG named .png is sent as a JPEG", async () => {
    const chat = fake.addChat();
    await client.sendMessage({
      replySign: fake.replySignOf(chat),
      files: [{ name: "фото.png", mime: "image/png", bytes: JPEG }],
    });
    const [sent] = fake.sentBySeller(chat);
    expect(sent?.text).toBeUndefined();
    expect(sent?.files.map((f) => [f.name, f.contentType])).toEqual([
      ["фото.png.jpg", "image/jpeg"],
    ]);
    expect(requestsOf("postV1SellerMessage")[0]?.parts?.map((p) => p.name)).toEqual([
      "replySign",
      "file",
    ]);
  });

  it("sends exactly 1000 characters and a file of exactly 5 MB", async () => {
    const chat = fake.addChat();
    const big = Buffer.concat([PDF, Buffer.alloc(WB_MAX_FILE_BYTES - PDF.length, 0x20)]);
    await client.sendMessage({
      replySign: fake.replySignOf(chat),
      text: "Ж".repeat(1000),
      files: [{ name: "Акт.pdf", bytes: big }],
    });
    expect(fake.sentBySeller(chat)[0]?.files[0]?.bytes.length).toBe(5_000_000);
  });

  it.each([
    ["a .docx", { files: [{ name: "Договор.docx", bytes: DOCX }] }, "not a JPEG, PNG or PDF"],
    [
      "a JPEG over 5 MB",
      { files: [{ name: "big.jpg", bytes: Buffer.concat([JPEG, Buffer.alloc(5_000_001)]) }] },
      "at most 5000000 bytes",
    ],
    [
      "seven files of 4.5 MB",
      {
        files: Array.from({ length: 7 }, (_, i) => ({
          name: `${i}.pdf`,
          bytes: Buffer.concat([PDF, Buffer.alloc(4_500_000)]),
        })),
      },
      "at most 30000000 bytes",
    ],
    ["1001 characters", { text: "Ж".repeat(1001) }, "1001 characters"],
    ["501 emoji (1002 UTF-16 units)", { text: "😀".repeat(501) }, "1002 characters"],
    ["nothing", { text: "  \n " }, "no text and no file"],
    ["an empty file", { files: [{ name: "a.pdf", bytes: new Uint8Array(0) }] }, "is empty"],
  ])("refuses %s locally, sending nothing", async (_label, content, words) => {
    const chat = fake.addChat();
    const error = await failure(
      client.sendMessage({ replySign: fake.replySignOf(chat), ...content }),
    );
    expect(error.kind).toBe("invalid");
    expect(error.message).toContain(words);
    expect(fake.requests).toHaveLength(0);
  });

  it("codes only the refusals of a file WB does not take, so staff get WB's own words", async () => {
    const chat = fake.addChat();
    const replySign = fake.replySignOf(chat);
    const send = (content: object) => failure(client.sendMessage({ replySign, ...content }));
    const docx = await send({ files: [{ name: "Договор.docx", bytes: DOCX }] });
    const big = Buffer.concat([JPEG, Buffer.alloc(5_000_001)]);
    const tooBig = await send({ files: [{ name: "big.jpg", bytes: big }] });
    const tooLong = await send({ text: "Ж".repeat(1001) });
    expect([docx.code, tooBig.code, tooLong.code]).toEqual([
      WB_REFUSALS.acceptedFiles,
      WB_REFUSALS.acceptedFiles,
      undefined,
    ]);
  });

  it.each([
    ["missing", ""],
    ["longer than 255", "x".repeat(256)],
  ])("refuses a replySign that is %s", async (_label, replySign) => {
    const error = await failure(client.sendMessage({ replySign, text: "Здравствуйте" }));
    expect(error.kind).toBe("invalid");
    expect(fake.requests).toHaveLength(0);
  });

  it("a stale replySign is a WbReplySignError; the chat list has the fresh one", async () => {
    const chat = fake.addChat();
    const stale = fake.replySignOf(chat);
    fake.rotateReplySign(chat);
    const error = await failure(client.sendMessage({ replySign: stale, text: "Здравствуйте" }));
    expect(error).toBeInstanceOf(WbReplySignError);
    expect(isReplySignError(error)).toBe(true);
    expect(error).toMatchObject({ kind: "invalid", status: 400 });
    expect(error.message).toContain("Invalid signature");
    const { chats } = await client.chats();
    const fresh = chats.map(mapChat).find((c) => c?.chatId === chat)?.replySign ?? "";
    await client.sendMessage({ replySign: fresh, text: "Здравствуйте" });
    expect(fake.sentBySeller(chat).map((s) => s.text)).toEqual(["Здравствуйте"]);
  });

  it("reports the files WB dropped from an accepted send, without throwing", async () => {
    await startFake({ fileErrors: "partial", maxFileBytes: 1000 });
    client = makeClient();
    const chat = fake.addChat();
    const result = await client.sendMessage({
      replySign: fake.replySignOf(chat),
      text: "Фото во вложении",
      files: [
        { name: "big.jpg", bytes: JPEG },
        { name: "small.png", bytes: PNG },
      ],
    });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toContain("attachment too big");
    expect(fake.sentBySeller(chat)[0]?.files.map((f) => f.name)).toEqual(["small.png"]);
  });

  it("a send whose 200 answer is cut is a transient error with status 200 (maybe delivered)", async () => {
    const chat = fake.addChat();
    fake.truncateNext("postV1SellerMessage");
    const error = await failure(
      client.sendMessage({ replySign: fake.replySignOf(chat), text: "Здравствуйте" }),
    );
    expect(error).toMatchObject({ kind: "transient", status: 200 });
    // WB took it: the bridge's "uncertain" path must look for the echo before sending again.
    expect(fake.sentBySeller(chat).map((s) => s.text)).toEqual(["Здравствуйте"]);
    expect(requestsOf("postV1SellerMessage")).toHaveLength(1);
  });

  it("a 400 of another kind stays a plain invalid error", async () => {
    const chat = fake.addChat();
    fake.failNext("postV1SellerMessage", {
      status: 400,
      body: { status: 400, title: "Bad Request", detail: 'Invalid value for "message"' },
    });
    const error = await failure(
      client.sendMessage({ replySign: fake.replySignOf(chat), text: "Здравствуйте" }),
    );
    expect(error.kind).toBe("invalid");
    expect(error).not.toBeInstanceOf(WbReplySignError);
    expect(error.message).toContain('Invalid value for "message"');
  });
});

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
