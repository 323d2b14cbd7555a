// Contract test: every request body the Ozon client sends, checked against the official chat
// schema (ozon-chat-openapi.json through schema.ts).
//
// FakeOzon validates each body it receives, but this test does not rely on that alone: an
// undici interceptor records what the client dispatched (method, path, headers, body text) on
// the client side, and the test re-validates those bodies itself, checks that the fake saw the
// very same requests, reads the raw text for id precision and the headers for credentials.

import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatSummary, MarketMessage } from "../../src/bridge/provider.ts";
import { OzonProvider } from "../../src/providers/ozon/provider.ts";
import { FakeOzon } from "../fakes/ozon.ts";
import { collect } from "../support/provider-http.ts";
import { bodyText, headerRecord } from "./dispatched.ts";
import { parseLossless } from "./lossless-json.ts";
import { ozonChatPaths, validateOzonRequest, validateOzonRequestAsDocumented } from "./schema.ts";
import { bytes, steps } from "./steps.ts";

const CLIENT_ID = "836412";
const API_KEY = "0f6b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d";
const CHAT_PATHS = ozonChatPaths();
const FILE_PREFIX = "/v2/chat/file/";
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const UNREAD_CHATS = 150;
const READ_CHATS = 90;
const BUSY_MESSAGES = 130;
const POSTING = "47873153-0052-1";

interface Dispatched {
  method: string;
  origin: string;
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The exact text put on the wire ("" when there was none). */
  body: string;
}

/** `"name":digits` as a bare JSON integer (no quotes), ending where the number ends. */
function bareField(name: string, digits: string): RegExp {
  return new RegExp(`"${name}"\\s*:\\s*${digits}\\s*[,}]`);
}

function field(body: string, name: string): unknown {
  const parsed = parseLossless(body);
  return typeof parsed === "object" && parsed !== null
    ? (parsed as Record<string, unknown>)[name]
    : undefined;
}

/** True when a double cannot hold the id, so Number() or JSON.parse would change it. */
function roundingChanges(id: string): boolean {
  return BigInt(Number(id)).toString() !== id;
}

describe("Ozon client against the official chat contract", () => {
  const sent: Dispatched[] = [];
  let fake: FakeOzon;
  let agent: Agent;
  let ozon: OzonProvider;

  // World and results, filled in beforeAll.
  const unreadChatIds: string[] = [];
  const readChatIds: string[] = [];
  let busyChat = "";
  let mediaChat = "";
  let unreadList: ChatSummary[] = [];
  let allList: ChatSummary[] = [];
  let afterId = "";
  let after: MarketMessage[] = [];
  let busyIds: string[] = [];
  let recent: MarketMessage[] = [];
  let imageBytes: Uint8Array = new Uint8Array();
  let downloaded: { name: string; mime: string; bytes: Uint8Array } | undefined;
  let startedChat = "";
  let readUpToId = "";
  let unreadAfterPartialRead = -1;
  let unreadAfterFullRead = -1;
  const { step, failures } = steps();
  const texts = [
    "Здравствуйте! Заказ уже в пути 🚚📦",
    "Спасибо за покупку!\nЕсли что-то не так — пишите 🙏 👨‍👩‍👧",
    // 1000 code points (1500 UTF-16 units): the documented maximum, counted as characters.
    "Ё😀".repeat(500),
  ];
  const pdfBytes = bytes(1001, 1);
  // A view into a larger buffer at an odd offset, as pooled Node Buffers are.
  const photoBacking = bytes(4099, 2);
  const photoBytes = new Uint8Array(photoBacking.buffer, 3, 4090);
  const pngBytes = bytes(2, 3);
  const files = [
    { name: "Счёт №17.pdf", mime: "application/pdf", bytes: pdfBytes, sentAs: "Счёт №17.pdf" },
    { name: "Фото упаковки", mime: "image/jpeg", bytes: photoBytes, sentAs: "Фото упаковки.jpg" },
    { name: "Фото от 12.05", mime: "image/png", bytes: pngBytes, sentAs: "Фото от 12.05.png" },
  ];

  beforeAll(async () => {
    fake = new FakeOzon({ clientId: CLIENT_ID, apiKey: API_KEY });
    await fake.start();
    agent = new Agent();
    const recording = agent.compose((dispatch) => (options, handler) => {
      sent.push({
        method: options.method,
        origin: String(options.origin ?? ""),
        path: options.path,
        headers: headerRecord(options.headers),
        body: bodyText(options.body),
      });
      return dispatch(options, handler);
    });
    ozon = new OzonProvider({
      clientId: CLIENT_ID,
      apiKey: API_KEY,
      apiUrl: fake.url,
      dispatcher: recording,
      retry: { baseDelayMs: 0 },
    });

    // --- the world: more than 100 chats either way, so both listings page with the cursor ---
    for (let i = 0; i < UNREAD_CHATS; i++) {
      const id = fake.addChat({ orderNumber: `4787${3153 + i}-0052` });
      fake.buyerWrites(id, `Здравствуйте, где мой заказ №${i}?`);
      unreadChatIds.push(id);
    }
    for (let i = 0; i < READ_CHATS; i++) {
      const id = fake.addChat();
      fake.buyerWrites(id, "Спасибо, всё пришло 👍");
      fake.sellerReadsInCabinet(id);
      readChatIds.push(id);
    }
    busyChat = fake.addChat({ orderNumber: "47873153-0099" });
    for (let i = 0; i < BUSY_MESSAGES; i++) fake.buyerWrites(busyChat, `Сообщение ${i} ✉️`);
    unreadChatIds.push(busyChat);
    mediaChat = fake.addChat();
    fake.buyerWrites(mediaChat, "Вот фото брака:");
    imageBytes = bytes(3000, 4);
    fake.buyerSendsImage(mediaChat, imageBytes, "jpg");
    unreadChatIds.push(mediaChat);
    fake.addPosting(POSTING);
    busyIds = fake.messages(busyChat).map((m) => m.messageId);

    // --- every provider method, in the order the bridge uses them. A failing call (a 400 for
    // a violation, say) is recorded and the rest still run, so (a) and (b) list every
    // violation of every method instead of stopping at the first one. ---
    unreadList = (await step("listChats(unread)", () => collect(ozon.listChats("unread")))) ?? [];
    allList = (await step("listChats(all)", () => collect(ozon.listChats("all")))) ?? [];

    afterId = busyIds[4] ?? "";
    after = (await step("messagesAfter", () => ozon.messagesAfter(busyChat, afterId))) ?? [];
    recent = (await step("recentMessages", () => ozon.recentMessages(mediaChat))) ?? [];
    const image = recent.flatMap((m) => m.attachments).find((a) => a.kind === "image");
    if (image !== undefined) downloaded = await step("download", () => ozon.download(image));

    for (const text of texts) await step("sendText", () => ozon.sendText(mediaChat, text));
    for (const file of files) {
      const { name, mime } = file;
      await step(`sendFile(${name})`, () =>
        ozon.sendFile(mediaChat, { name, mime, bytes: file.bytes }),
      );
    }

    startedChat =
      (await step("startChat", () => ozon.startChat({ kind: "posting", number: POSTING }))) ?? "";
    if (startedChat !== "") {
      const text = "Добрый день! Уточните, пожалуйста, адрес доставки 🏠";
      await step("sendText(started chat)", () => ozon.sendText(startedChat, text));
    }

    readUpToId = busyIds[50] ?? "";
    await step("markRead(upToId)", () => ozon.markRead(busyChat, readUpToId));
    unreadAfterPartialRead = fake.unread(busyChat);
    await step("markRead()", () => ozon.markRead(busyChat));
    unreadAfterFullRead = fake.unread(busyChat);
  });

  afterAll(async () => {
    await ozon?.close();
    await agent?.close();
    await fake?.stop();
  });

  const apiCalls = (): Dispatched[] => sent.filter((r) => !r.path.startsWith(FILE_PREFIX));
  const callsTo = (path: string): Dispatched[] => sent.filter((r) => r.path === path);

  it("gets the right answers, so every request was actually accepted", () => {
    expect(failures).toEqual([]);
    expect(new Set(unreadList.map((c) => c.chatId))).toEqual(new Set(unreadChatIds));
    expect(unreadList).toHaveLength(unreadChatIds.length);
    expect(new Set(allList.map((c) => c.chatId))).toEqual(
      new Set([...unreadChatIds, ...readChatIds]),
    );
    expect(allList).toHaveLength(unreadChatIds.length + readChatIds.length);

    expect(after.map((m) => m.id)).toEqual(busyIds.slice(5));
    expect(recent.map((m) => m.text)[0]).toBe("Вот фото брака:");
    expect(downloaded?.bytes).toEqual(imageBytes);
    expect(downloaded?.mime).toBe("image/jpeg");

    const fromSeller = fake.sentBySeller(mediaChat);
    expect(fromSeller.filter((s) => s.kind === "text").map((s) => s.text)).toEqual(texts);
    const sentFiles = fromSeller.filter((s) => s.kind === "file");
    expect(sentFiles.map((s) => s.name)).toEqual(files.map((f) => f.sentAs));
    expect(sentFiles.map((s) => new Uint8Array(s.bytes))).toEqual(
      files.map((f) => new Uint8Array(f.bytes)),
    );

    expect(startedChat).not.toBe("");
    expect(fake.sentBySeller(startedChat)).toHaveLength(1);
    expect(unreadAfterPartialRead).toBe(BUSY_MESSAGES - 51);
    expect(unreadAfterFullRead).toBe(0);
  });

  it("(a) the fake recorded no contract violation", () => {
    expect(fake.contractViolations).toEqual([]);
  });

  it("(b) every dispatched body passes the schema on re-validation", () => {
    const posts = apiCalls();
    expect(posts.length).toBeGreaterThan(10);
    for (const call of posts) {
      expect(call.origin).toBe(fake.url);
      expect(call.method).toBe("POST");
      expect(CHAT_PATHS).toContain(call.path);
      expect(call.headers["content-type"]).toMatch(/^application\/json\s*(;|$)/i);
      const body = parseLossless(call.body);
      expect({
        path: call.path,
        errors: validateOzonRequest(call.path, body),
        documented: validateOzonRequestAsDocumented(call.path, body),
      }).toEqual({ path: call.path, errors: [], documented: [] });
    }
    // The fake's own records describe the same requests, byte for byte.
    expect(fake.requests.map((r) => [r.method, r.path, r.rawBody])).toEqual(
      sent.map((r) => [r.method, r.path, r.body]),
    );
    for (const recorded of fake.requests.filter((r) => r.method === "POST")) {
      expect(validateOzonRequest(recorded.path, recorded.body)).toEqual([]);
    }
  });

  it("(b) every chat path the client uses was exercised", () => {
    expect(new Set(apiCalls().map((r) => r.path))).toEqual(new Set(CHAT_PATHS));
    const listBodies = callsTo("/v3/chat/list").map((r) => parseLossless(r.body));
    const unreadPages = listBodies.filter((b) => JSON.stringify(b).includes('"unread_only":true'));
    // 152 unread chats → 2 pages; 242 chats → 3 pages.
    expect(unreadPages).toHaveLength(2);
    expect(listBodies).toHaveLength(5);
    expect(callsTo("/v3/chat/history")).toHaveLength(3);
    expect(callsTo("/v1/chat/send/message")).toHaveLength(texts.length + 1);
    expect(callsTo("/v1/chat/send/file")).toHaveLength(files.length);
    expect(callsTo("/v1/chat/start")).toHaveLength(1);
    expect(callsTo("/v2/chat/read")).toHaveLength(2);
    expect(sent.filter((r) => r.method === "GET" && r.path.startsWith(FILE_PREFIX))).toHaveLength(
      1,
    );
  });

  it("(c) message ids go out as bare JSON integers with every digit, never as strings", () => {
    // The ids used are ones a double would change.
    const page2From = busyIds[103] ?? "";
    for (const id of [afterId, page2From, readUpToId]) {
      expect(BigInt(id)).toBeGreaterThan(MAX_SAFE);
      expect(id).toMatch(/^\d{19}$/);
      expect(roundingChanges(id)).toBe(true);
    }

    // The lossless parser gives a bigint only for a bare JSON integer: a quoted id stays a string.
    const history = callsTo("/v3/chat/history").map((r) => r.body);
    expect(history[0]).toMatch(bareField("from_message_id", afterId));
    expect(field(history[0] ?? "{}", "from_message_id")).toBe(BigInt(afterId));
    // Page 2 continues from the newest id of page 1, read losslessly from the response.
    expect(history[1]).toMatch(bareField("from_message_id", page2From));
    expect(field(history[1] ?? "{}", "from_message_id")).toBe(BigInt(page2From));
    expect(field(history[2] ?? "{}", "from_message_id")).toBeUndefined();

    const reads = callsTo("/v2/chat/read").map((r) => r.body);
    expect(reads[0]).toMatch(bareField("from_message_id", readUpToId));
    expect(field(reads[0] ?? "{}", "from_message_id")).toBe(BigInt(readUpToId));
    expect(field(reads[1] ?? "{}", "from_message_id")).toBeUndefined();

    // Cursors are uint64 values too: each page asks exactly from the last chat of the previous
    // one (every chat here has messages, so its activity key is its last message id).
    const lists = callsTo("/v3/chat/list").map((r) => r.body);
    const cursorsOf = (bodies: string[]): unknown[] => bodies.map((b) => field(b, "cursor"));
    const unreadBodies = lists.filter((b) => b.includes('"unread_only":true'));
    const allBodies = lists.filter((b) => !b.includes('"unread_only":true'));
    const expectedCursors = (list: ChatSummary[], pages: number): unknown[] => [
      undefined,
      ...Array.from({ length: pages - 1 }, (_, i) => list[(i + 1) * 100 - 1]?.lastMessageId),
    ];
    expect(cursorsOf(unreadBodies)).toEqual(expectedCursors(unreadList, 2));
    expect(cursorsOf(allBodies)).toEqual(expectedCursors(allList, 3));
    for (const cursor of [...cursorsOf(unreadBodies), ...cursorsOf(allBodies)].slice(1)) {
      if (cursor !== undefined) expect(cursor).toMatch(/^\d{19}$/);
    }
  });

  it("(d) Client-Id and Api-Key went with every call", () => {
    expect(sent.length).toBeGreaterThan(0);
    for (const call of sent) {
      expect({ path: call.path, clientId: call.headers["client-id"] }).toEqual({
        path: call.path,
        clientId: CLIENT_ID,
      });
      expect({ path: call.path, apiKey: call.headers["api-key"] }).toEqual({
        path: call.path,
        apiKey: API_KEY,
      });
    }
    // The fake strips Api-Key from its records, but Client-Id must be there on each.
    for (const recorded of fake.requests) expect(recorded.headers["client-id"]).toBe(CLIENT_ID);
  });
});

describe("validateOzonRequest has teeth (negative control)", () => {
  const chatId = "18b8e1f9-4ae7-461c-84ea-8e1f54d1a45e";
  const bigId = "3000000000817031942";

  it.each([
    {
      label: "send/message without text",
      path: "/v1/chat/send/message",
      body: { chat_id: chatId },
      error: "text: required field is missing",
    },
    {
      label: "send/message with an empty text",
      path: "/v1/chat/send/message",
      body: { chat_id: chatId, text: "" },
      error: "text: must be 1 to 1000 characters",
    },
    {
      label: "send/message with 1001 characters",
      path: "/v1/chat/send/message",
      body: { chat_id: chatId, text: "😀".repeat(1001) },
      error: "text: must be 1 to 1000 characters",
    },
    {
      label: "chat/list with limit 500",
      path: "/v3/chat/list",
      body: { limit: 500, filter: { chat_status: "ALL" } },
      error: "limit: must be between 1 and 100",
    },
    {
      label: "chat/list without limit",
      path: "/v3/chat/list",
      body: { filter: { chat_status: "ALL" } },
      error: "limit: required field is missing",
    },
    {
      label: "chat/list with an unknown chat_status",
      path: "/v3/chat/list",
      body: { limit: 100, filter: { chat_status: "ARCHIVED" } },
      error: "filter.chat_status: must be one of",
    },
    {
      label: "chat/list with an unknown field in the filter",
      path: "/v3/chat/list",
      body: { limit: 100, filter: { status: "ALL" } },
      error: "filter.status: unknown field",
    },
    {
      label: "chat/read with an unknown field",
      path: "/v2/chat/read",
      body: { chat_id: chatId, up_to_message_id: bigId },
      error: "up_to_message_id: unknown field",
    },
    {
      label: "chat/history with the camelCase alias",
      path: "/v3/chat/history",
      body: { chatId, limit: 50 },
      error: "chat_id: required field is missing",
    },
    {
      label: "chat/history with an id in exponent notation",
      path: "/v3/chat/history",
      body: { chat_id: chatId, direction: "Forward", from_message_id: "3.000000000817032e18" },
      error: "from_message_id: must be a uint64",
    },
    {
      label: "chat/history Forward without from_message_id",
      path: "/v3/chat/history",
      body: { chat_id: chatId, direction: "Forward", limit: 100 },
      error: "from_message_id: required when direction is Forward",
    },
    {
      label: "send/file with a name without extension",
      path: "/v1/chat/send/file",
      body: { chat_id: chatId, base64_content: "AAEC", name: "Фото упаковки" },
      error: "name: must be a file name with an extension",
    },
    {
      label: "send/file with a data: URL",
      path: "/v1/chat/send/file",
      body: { chat_id: chatId, base64_content: "data:image/png;base64,AAEC", name: "a.png" },
      error: "base64_content: must be bare base64",
    },
    {
      label: "chat/start with an empty posting number",
      path: "/v1/chat/start",
      body: { posting_number: "" },
      error: "posting_number: must not be empty",
    },
    {
      label: "a path that is not in the contract",
      path: "/v2/chat/list",
      body: { limit: 100 },
      error: "no such operation in the contract",
    },
  ])("reports $label", ({ path, body, error }) => {
    const errors = validateOzonRequest(path, body);
    expect(
      errors.some((e) => e.includes(error)),
      errors.join("\n"),
    ).toBe(true);
  });

  it("accepts the well-formed counterparts (so it is not rejecting everything)", () => {
    expect(
      validateOzonRequest("/v3/chat/list", {
        limit: 100,
        filter: { chat_status: "ALL", unread_only: true },
        cursor: bigId,
      }),
    ).toEqual([]);
    expect(
      validateOzonRequest("/v3/chat/history", {
        chat_id: chatId,
        direction: "Forward",
        from_message_id: bigId,
        limit: 100,
      }),
    ).toEqual([]);
    expect(validateOzonRequest("/v1/chat/send/message", { chat_id: chatId, text: "Ё😀" })).toEqual(
      [],
    );
    expect(
      validateOzonRequest("/v1/chat/send/file", {
        chat_id: chatId,
        base64_content: "AAEC",
        name: "Счёт №17.pdf",
      }),
    ).toEqual([]);
    expect(validateOzonRequest("/v1/chat/start", { posting_number: POSTING })).toEqual([]);
    expect(
      validateOzonRequest("/v2/chat/read", { chat_id: chatId, from_message_id: bigId }),
    ).toEqual([]);
  });

  it("holds a client to the documented JSON type of uint64 ids: integer, not string", () => {
    const quoted = { chat_id: chatId, direction: "Forward", from_message_id: bigId, limit: 100 };
    expect(validateOzonRequestAsDocumented("/v3/chat/history", quoted)).toEqual([
      `from_message_id: must be integer, got "${bigId}"`,
    ]);
    expect(
      validateOzonRequestAsDocumented("/v2/chat/read", { chat_id: chatId, from_message_id: bigId }),
    ).toEqual([`from_message_id: must be integer, got "${bigId}"`]);
    const bare = { ...quoted, from_message_id: BigInt(bigId) };
    expect(validateOzonRequestAsDocumented("/v3/chat/history", bare)).toEqual([]);
    expect(
      validateOzonRequestAsDocumented("/v2/chat/read", {
        chat_id: chatId,
        from_message_id: BigInt(bigId),
      }),
    ).toEqual([]);
  });
});
