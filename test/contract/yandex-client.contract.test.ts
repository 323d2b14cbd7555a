// Contract test: every request the Yandex Market client sends, checked against the official
// chat subset (yandex-chat-openapi.json through schema.ts).
//
// FakeYandex validates each request it receives, but this test does not rely on that alone: an
// undici interceptor records what the client dispatched (method, path with query, headers, body)
// on the client side, and the test re-validates those requests itself, classifies them by the
// contract's own operations, checks that the fake saw the very same requests (the multipart
// bytes parsed again with a different parser), reads the headers for credentials and the fake's
// counters for the parallel limit.

import { Agent, FormData } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ChatDetails,
  ChatSummary,
  DownloadedFile,
  MarketMessage,
  MarketplaceProvider,
} from "../../src/bridge/provider.ts";
import { ProviderError } from "../../src/bridge/provider.ts";
import { YandexProvider } from "../../src/providers/yandex/provider.ts";
import type { YandexOperationId } from "../fakes/yandex.ts";
import { FakeYandex } from "../fakes/yandex.ts";
import { collect } from "../support/provider-http.ts";
import { bodyText, headerRecord } from "./dispatched.ts";
import type { MultipartPartInfo } from "./schema.ts";
import { validateYandexRequest, yandexContract } from "./schema.ts";
import { bytes, steps } from "./steps.ts";

const API_KEY = "ACMA:I4c4CxCSYaI41RSC2uYWP2qj3Rhhm4knMiBEga5K:151c0664";
const BUSINESS_ID = 4815162342;
const BASE = `/v2/businesses/${BUSINESS_ID}`;
const FILE_PREFIX = "/files/";
// Unread scope (NEW or WAITING_FOR_PARTNER): 30 answered-by-nobody chats, 13 without messages,
// plus the busy, media and return chats = 46 → getChats pages of 20, 20, 6.
const WAITING_CHATS = 30;
const NEW_CHATS = 13;
// Not unread: 24 answered, 3 finished, 1 dispute → 74 chats in all → pages 20, 20, 20, 14.
const ANSWERED_CHATS = 24;
const FINISHED_CHATS = 3;
const UNREAD_TOTAL = WAITING_CHATS + NEW_CHATS + 3;
const ALL_TOTAL = UNREAD_TOTAL + ANSWERED_CHATS + FINISHED_CHATS + 1;
// > 100, so getChatHistory pages with nextPageToken (100, 100, 50).
const BUSY_MESSAGES = 250;
const ORDER_TO_START = 61_803_398;
const RETURN_TO_START = 902_777;
const RETURN_ORDER = 61_803_311;
// Calls fired at once to test the parallel limit; the fake holds each of them a while, so the
// client's four slots are all taken while the rest wait in line.
const BURST_CHATS = 6;
const BURST_HOLD_MS = 250;
const UNREAD_STATUSES = ["NEW", "WAITING_FOR_PARTNER"];
const OPERATIONS: readonly YandexOperationId[] = [
  "getChats",
  "getChat",
  "getChatHistory",
  "getChatMessage",
  "createChat",
  "sendMessageToChat",
  "sendFileToChat",
];

interface Dispatched {
  method: string;
  origin: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  /** The query exactly as written on the request line ("" when none). */
  rawQuery: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** JSON text as put on the wire ("" when there was none, "<form>" for multipart). */
  body: string;
  /** The multipart body the client handed to undici. */
  form: FormData | undefined;
}

interface ClientPart {
  name: string;
  filename: string | undefined;
  type: string | undefined;
  bytes: Uint8Array;
}

/** The contract's operations as method + path pattern, read from the document itself. */
function contractOperations(): { method: string; pattern: RegExp; operationId: string }[] {
  const document = yandexContract() as { paths: Record<string, Record<string, unknown>> };
  const out: { method: string; pattern: RegExp; operationId: string }[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const operationId = (operation as { operationId?: unknown } | null)?.operationId;
      if (typeof operationId !== "string") continue;
      const source = template
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
        .join("[^/]+");
      out.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}$`), operationId });
    }
  }
  return out;
}

const CONTRACT_OPERATIONS = contractOperations();

function operationOf(call: { method: string; path: string }): string | undefined {
  return CONTRACT_OPERATIONS.find((op) => op.method === call.method && op.pattern.test(call.path))
    ?.operationId;
}

/** Every array anywhere in a JSON value that is empty, by its place. */
function emptyArrays(value: unknown, at = "(body)"): string[] {
  if (Array.isArray(value)) {
    return value.length === 0
      ? [at]
      : value.flatMap((item, index) => emptyArrays(item, `${at}[${index}]`));
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => emptyArrays(item, `${at}.${key}`));
  }
  return [];
}

type FormEntry = [
  string,
  string | { name: string; type: string; arrayBuffer(): Promise<ArrayBuffer> },
];

async function partsOf(entries: Iterable<FormEntry>): Promise<ClientPart[]> {
  const parts: ClientPart[] = [];
  for (const [name, value] of entries) {
    parts.push(
      typeof value === "string"
        ? { name, filename: undefined, type: undefined, bytes: new TextEncoder().encode(value) }
        : {
            name,
            filename: value.name,
            type: value.type,
            bytes: new Uint8Array(await value.arrayBuffer()),
          },
    );
  }
  return parts;
}

/** The parts of the FormData the client handed to undici. */
function clientParts(form: FormData): Promise<ClientPart[]> {
  return partsOf(form);
}

/** The multipart body as it arrived, parsed by Node's fetch (not by the fake's parser). */
async function wireParts(raw: Buffer, contentType: string): Promise<ClientPart[]> {
  const form = await new Response(new Uint8Array(raw), {
    headers: { "content-type": contentType },
  }).formData();
  return partsOf(form);
}

function partInfos(parts: ClientPart[]): MultipartPartInfo[] {
  return parts.map((p) => ({
    name: p.name,
    ...(p.filename === undefined ? {} : { filename: p.filename }),
    size: p.bytes.byteLength,
  }));
}

describe("Yandex Market client against the official chat contract", () => {
  const sent: Dispatched[] = [];
  let fake: FakeYandex;
  let agent: Agent;
  let yandex: YandexProvider;

  // World and results, filled in beforeAll.
  const unreadChatIds: number[] = [];
  const readChatIds: number[] = [];
  const waitingChatIds: number[] = [];
  let busyChat = 0;
  let busyIds: number[] = [];
  let mediaChat = 0;
  let mediaTextId = 0;
  let imageMessageId = 0;
  let returnChat = 0;
  let returnChatReturnId = 0;
  let busyOrderId = 0;
  const imageBytes = bytes(3000, 4);
  let unreadList: ChatSummary[] = [];
  let allList: ChatSummary[] = [];
  let busyDetails: ChatDetails | undefined;
  let returnDetails: ChatDetails | undefined;
  let after: MarketMessage[] = [];
  let nothingNew: MarketMessage[] | undefined;
  let recentBusy: MarketMessage[] = [];
  let recentMedia: MarketMessage[] = [];
  let textMessage: MarketMessage | undefined;
  let fileMessage: MarketMessage | undefined;
  let downloaded: DownloadedFile | undefined;
  let orderChat = "";
  let returnStarted = "";
  let refusals: string[] = [];
  let requestsForRefused = -1;
  let requestsBeforeMarkRead = -1;
  let requestsAfterMarkRead = -1;
  let burstStart = -1;
  let burstResults: unknown[] = [];
  const { step, failures } = steps();

  const texts = [
    "Здравствуйте! Заказ уже в пути 🚚📦",
    "Спасибо за покупку!\nЕсли что-то не так — пишите 🙏 👨‍👩‍👧",
    // Exactly 4096 characters, all Cyrillic (4096 code points = 4096 UTF-16 units).
    "Уважаемый покупатель, благодарим за заказ. ".repeat(100).slice(0, 4096),
    // Exactly 4096 UTF-16 units (2731 code points): the documented maximum, counted strictly.
    `${"Ё😀".repeat(1365)}Ё`,
  ];
  const files = [
    {
      name: "Счёт на оплату №17.pdf",
      mime: "application/pdf",
      bytes: bytes(1001, 1),
      sentAs: "Счёт на оплату №17.pdf",
    },
    {
      name: "Фото упаковки",
      mime: "image/jpeg",
      // A view into a larger buffer at an odd offset, as pooled Node Buffers are.
      bytes: new Uint8Array(bytes(4099, 2).buffer, 3, 4090),
      sentAs: "Фото упаковки.jpg",
    },
  ];
  const startedTexts = [
    "Добрый день! Уточните, пожалуйста, адрес доставки 🏠",
    "Здравствуйте! Мы получили ваш возврат, деньги придут в течение 3 дней 💳",
  ];
  const burstText = "Спасибо за ожидание! Отвечаем по порядку 🙏";

  beforeAll(async () => {
    fake = new FakeYandex({ apiKey: API_KEY, businessId: BUSINESS_ID });
    await fake.start();
    agent = new Agent();
    const recording = agent.compose((dispatch) => (options, handler) => {
      const [path = "", rawQuery = ""] = options.path.split(/\?(.*)/s);
      sent.push({
        method: options.method,
        origin: String(options.origin ?? ""),
        path,
        query: new URLSearchParams(rawQuery),
        rawQuery,
        headers: headerRecord(options.headers),
        body: bodyText(options.body),
        form: options.body instanceof FormData ? options.body : undefined,
      });
      return dispatch(options, handler);
    });
    yandex = new YandexProvider({
      apiKey: API_KEY,
      businessId: String(BUSINESS_ID),
      apiUrl: fake.url,
      dispatcher: recording,
      retry: { baseDelayMs: 0 },
    });

    // --- the world -----------------------------------------------------------------------------
    for (let i = 0; i < WAITING_CHATS; i++) {
      const id = fake.addChat();
      fake.customerWrites(id, `Здравствуйте, где мой заказ №${i}?`);
      unreadChatIds.push(id);
      waitingChatIds.push(id);
    }
    for (let i = 0; i < NEW_CHATS; i++) unreadChatIds.push(fake.addChat());
    for (let i = 0; i < ANSWERED_CHATS; i++) {
      const id = fake.addChat();
      fake.customerWrites(id, "Можно поменять цвет?");
      fake.partnerWritesInCabinet(id, "Да, конечно 👍");
      readChatIds.push(id);
    }
    for (let i = 0; i < FINISHED_CHATS; i++) {
      const id = fake.addChat();
      fake.customerWrites(id, "Спасибо, всё пришло!");
      fake.setStatus(id, "FINISHED");
      readChatIds.push(id);
    }
    readChatIds.push(fake.addChat({ type: "ARBITRAGE", status: "WAITING_FOR_ARBITER" }));

    busyOrderId = 61_700_001;
    busyChat = fake.addChat({ context: { type: "ORDER", orderId: busyOrderId } });
    for (let i = 0; i < BUSY_MESSAGES; i++) fake.customerWrites(busyChat, `Сообщение ${i} ✉️`);
    busyIds = fake.messages(busyChat).map((m) => m.messageId);
    unreadChatIds.push(busyChat);

    mediaChat = fake.addChat();
    mediaTextId = fake.customerWrites(mediaChat, "Вот фото брака:");
    imageMessageId = fake.customerSendsFile(mediaChat, imageBytes, "Фото брака.jpg").messageId;
    fake.customerSendsFile(mediaChat, bytes(500, 5), "Акт приёмки.pdf", { text: "И акт" });
    unreadChatIds.push(mediaChat);

    returnChatReturnId = 902_500;
    returnChat = fake.addChat({
      context: { type: "RETURN", returnId: returnChatReturnId, orderId: 61_700_002 },
    });
    fake.customerWrites(returnChat, "Хочу вернуть товар, он не подошёл");
    unreadChatIds.push(returnChat);

    fake.addOrder(ORDER_TO_START, { customerName: "Анна К." });
    fake.addReturn(RETURN_TO_START, { orderId: RETURN_ORDER });

    // --- every provider method, in the order the bridge uses them. A failing call (a 400 for a
    // violation, say) is recorded and the rest still run, so (a) and (b) list every violation of
    // every method instead of stopping at the first one. -----------------------------------------
    unreadList = (await step("listChats(unread)", () => collect(yandex.listChats("unread")))) ?? [];
    allList = (await step("listChats(all)", () => collect(yandex.listChats("all")))) ?? [];

    busyDetails = await step("chatDetails(order)", () => yandex.chatDetails(String(busyChat)));
    returnDetails = await step("chatDetails(return)", () => yandex.chatDetails(String(returnChat)));

    const afterId = String(busyIds[4]);
    after =
      (await step("messagesAfter", () => yandex.messagesAfter(String(busyChat), afterId))) ?? [];
    const newest = String(busyIds.at(-1));
    nothingNew = await step("messagesAfter(newest)", () =>
      yandex.messagesAfter(String(busyChat), newest),
    );
    recentBusy =
      (await step("recentMessages(busy)", () => yandex.recentMessages(String(busyChat)))) ?? [];
    recentMedia =
      (await step("recentMessages(media)", () => yandex.recentMessages(String(mediaChat)))) ?? [];

    textMessage = await step("message(text)", () =>
      yandex.message(String(mediaChat), String(mediaTextId)),
    );
    fileMessage = await step("message(file)", () =>
      yandex.message(String(mediaChat), String(imageMessageId)),
    );
    const image = fileMessage?.attachments.find((a) => a.kind === "image");
    if (image !== undefined) downloaded = await step("download", () => yandex.download(image));

    for (const text of texts)
      await step("sendText", () => yandex.sendText(String(mediaChat), text));
    for (const file of files) {
      const { name, mime } = file;
      await step(`sendFile(${name})`, () =>
        yandex.sendFile(String(mediaChat), { name, mime, bytes: file.bytes }),
      );
    }

    orderChat =
      (await step("startChat(order)", () =>
        yandex.startChat({ kind: "order", number: String(ORDER_TO_START) }),
      )) ?? "";
    returnStarted =
      (await step("startChat(return)", () =>
        yandex.startChat({ kind: "return", number: ` ${RETURN_TO_START} ` }),
      )) ?? "";
    const [orderText = "", returnText = ""] = startedTexts;
    if (orderChat !== "")
      await step("sendText(order)", () => yandex.sendText(orderChat, orderText));
    if (returnStarted !== "") {
      await step("sendText(return)", () => yandex.sendText(returnStarted, returnText));
    }

    // What the contract forbids must be refused before anything goes out.
    const refusal = (promise: Promise<unknown>): Promise<string> =>
      promise.then(
        () => "sent",
        (error: unknown) => (error instanceof ProviderError ? error.kind : String(error)),
      );
    const beforeRefused = sent.length;
    refusals = [
      await refusal(yandex.sendText(String(mediaChat), "Ж".repeat(4097))),
      // 4097 UTF-16 units, though only 2049 code points.
      await refusal(yandex.sendText(String(mediaChat), `Ё${"😀".repeat(2048)}`)),
      await refusal(yandex.sendText(String(mediaChat), " \n ")),
      await refusal(
        yandex.sendFile(String(mediaChat), {
          name: "Видео распаковки.mp4",
          mime: "video/mp4",
          bytes: new Uint8Array(5 * 1024 * 1024 + 1),
        }),
      ),
      await refusal(yandex.startChat({ kind: "order", number: "0" })),
    ];
    requestsForRefused = sent.length - beforeRefused;

    requestsBeforeMarkRead = sent.length;
    // As the bridge calls it: only where the provider has the ability (Yandex has not).
    const asBridge: MarketplaceProvider = yandex;
    await step("markRead(upToId)", async () =>
      asBridge.markRead?.(String(busyChat), String(busyIds[50])),
    );
    await step("markRead()", async () => asBridge.markRead?.(String(busyChat)));
    requestsAfterMarkRead = sent.length;

    // --- the burst: many calls at once, as a poll cycle after a quiet night makes them --------
    const burstChats = waitingChatIds.slice(0, BURST_CHATS);
    const calls: Promise<unknown>[] = [];
    // Marked before the calls start: a call with a free slot dispatches within the call itself.
    for (let i = 0; i < BURST_CHATS * 4; i++) fake.delayNext("*", BURST_HOLD_MS);
    burstStart = sent.length;
    for (const chatId of burstChats) {
      const id = String(chatId);
      const firstMessage = String(fake.messages(chatId)[0]?.messageId);
      calls.push(
        step("burst chatDetails", () => yandex.chatDetails(id)),
        step("burst message", () => yandex.message(id, firstMessage)),
        step("burst recentMessages", () => yandex.recentMessages(id)),
        step("burst sendText", () => yandex.sendText(id, burstText)),
      );
    }
    burstResults = await Promise.all(calls);
  });

  afterAll(async () => {
    await yandex?.close();
    await agent?.close();
    await fake?.stop();
  });

  const apiCalls = (): Dispatched[] => sent.filter((r) => !r.path.startsWith(FILE_PREFIX));
  const callsOf = (operationId: string): Dispatched[] =>
    sent.filter((r) => operationOf(r) === operationId);
  const jsonOf = (call: Dispatched): unknown =>
    call.form !== undefined || call.body === "" ? undefined : JSON.parse(call.body);

  it("gets the right answers, so every request was actually accepted", () => {
    expect(failures).toEqual([]);

    expect(unreadList).toHaveLength(UNREAD_TOTAL);
    expect(new Set(unreadList.map((c) => c.chatId))).toEqual(new Set(unreadChatIds.map(String)));
    expect(allList).toHaveLength(ALL_TOTAL);
    expect(new Set(allList.map((c) => c.chatId))).toEqual(
      new Set([...unreadChatIds, ...readChatIds].map(String)),
    );

    expect(busyDetails?.orderNumber).toBe(String(busyOrderId));
    expect(returnDetails?.returnNumber).toBe(String(returnChatReturnId));

    expect(after.map((m) => m.id)).toEqual(busyIds.slice(5).map(String));
    expect(nothingNew).toEqual([]);
    // Every message it read, oldest first (the bridge keeps what it needs of them).
    expect(recentBusy.map((m) => m.id)).toEqual(busyIds.map(String));
    expect(recentMedia.map((m) => m.text)).toEqual(["Вот фото брака:", "", "И акт"]);

    expect(textMessage?.text).toBe("Вот фото брака:");
    expect(fileMessage?.attachments.map((a) => a.name)).toEqual(["Фото брака.jpg"]);
    expect(downloaded?.bytes).toEqual(imageBytes);
    expect(downloaded?.mime).toBe("image/jpeg");

    const fromPartner = fake.sentByPartner(mediaChat);
    expect(fromPartner.filter((s) => s.kind === "text").map((s) => s.text)).toEqual(texts);
    const sentFiles = fromPartner.filter((s) => s.kind === "file");
    expect(sentFiles.map((s) => s.name)).toEqual(files.map((f) => f.sentAs));
    expect(sentFiles.map((s) => new Uint8Array(s.bytes))).toEqual(
      files.map((f) => new Uint8Array(f.bytes)),
    );
    expect(sentFiles.map((s) => s.contentType)).toEqual(files.map((f) => f.mime));

    expect(orderChat).toMatch(/^\d+$/);
    expect(returnStarted).toMatch(/^\d+$/);
    expect(orderChat).not.toBe(returnStarted);
    expect(fake.sentByPartner(Number(orderChat)).map((s) => s.kind)).toEqual(["text"]);
    expect(fake.sentByPartner(Number(returnStarted)).map((s) => s.kind)).toEqual(["text"]);

    // markRead: Yandex has no such method, so nothing may go out.
    expect(requestsAfterMarkRead).toBe(requestsBeforeMarkRead);

    expect(burstResults).toHaveLength(BURST_CHATS * 4);
    for (const chatId of waitingChatIds.slice(0, BURST_CHATS)) {
      expect(fake.sentByPartner(chatId).map((s) => (s.kind === "text" ? s.text : s.name))).toEqual([
        burstText,
      ]);
    }
  });

  it("(a) the fake recorded no contract violation", () => {
    expect(fake.contractViolations).toEqual([]);
  });

  it("(b) every dispatched request passes the contract on re-validation", async () => {
    const calls = apiCalls();
    expect(calls.length).toBeGreaterThan(40);
    for (const call of calls) {
      expect(call.origin).toBe(fake.url);
      expect(call.path.startsWith(`${BASE}/`)).toBe(true);
      const operation = operationOf(call);
      expect({ call: `${call.method} ${call.path}`, operation }).toEqual({
        call: `${call.method} ${call.path}`,
        operation: expect.any(String),
      });
      let parts: MultipartPartInfo[] | undefined;
      if (operation === "sendFileToChat") {
        expect(call.form).toBeDefined();
        parts = partInfos(await clientParts(call.form ?? new FormData()));
      } else if (call.method === "POST") {
        expect(call.headers["content-type"]).toMatch(/^application\/json\s*(;|$)/i);
      } else {
        expect(call.body).toBe("");
        expect(call.headers["content-type"]).toBeUndefined();
      }
      const errors = validateYandexRequest({
        method: call.method,
        path: call.path,
        query: call.query,
        body: call.form === undefined ? jsonOf(call) : undefined,
        ...(parts === undefined ? {} : { parts }),
      });
      expect({ call: `${call.method} ${call.path}?${call.rawQuery}`, errors }).toEqual({
        call: `${call.method} ${call.path}?${call.rawQuery}`,
        errors: [],
      });
    }

    // The fake saw the same requests (arrival order may differ in the burst).
    const key = (method: string, path: string, query: URLSearchParams, body: string): string =>
      `${method} ${path}?${new URLSearchParams(query).toString()} ${body}`;
    const fakeKeys = fake.requests.map((r) =>
      key(
        r.method,
        r.path,
        r.query,
        r.operationId === "sendFileToChat" ? "<form>" : r.rawBody.toString("utf8"),
      ),
    );
    const sentKeys = sent.map((r) => key(r.method, r.path, r.query, r.body));
    expect([...fakeKeys].sort()).toEqual([...sentKeys].sort());

    // The fake's records, re-validated from their parsed JSON bodies.
    for (const recorded of fake.requests) {
      if (recorded.operationId === "file" || recorded.operationId === "sendFileToChat") continue;
      expect(
        validateYandexRequest({
          method: recorded.method,
          path: recorded.path,
          query: recorded.query,
          body: recorded.body,
        }),
      ).toEqual([]);
    }

    // Multipart: the bytes on the wire, parsed by Node's fetch, are what the client meant to
    // send: one part `file`, its name (Cyrillic, spaces, №) and type intact, no byte changed.
    const uploads = fake.requests.filter((r) => r.operationId === "sendFileToChat");
    expect(uploads).toHaveLength(files.length);
    for (const [index, upload] of uploads.entries()) {
      const contentType = String(upload.headers["content-type"]);
      expect(contentType).toMatch(/^multipart\/form-data;\s*boundary=/i);
      const parts = await wireParts(upload.rawBody, contentType);
      expect(validateYandexRequest({ ...upload, parts: partInfos(parts) })).toEqual([]);
      const file = files[index];
      expect(parts.map((p) => [p.name, p.filename, p.type])).toEqual([
        ["file", file?.sentAs, file?.mime],
      ]);
      expect(parts[0]?.bytes).toEqual(new Uint8Array(file?.bytes ?? []));
      const client = callsOf("sendFileToChat")[index]?.form;
      expect(client).toBeDefined();
      expect(await clientParts(client ?? new FormData())).toEqual(parts);
    }
  });

  it("(b) each of the seven chat operations was used, as often as the calls require", () => {
    const counts = Object.fromEntries(OPERATIONS.map((op) => [op, callsOf(op).length]));
    expect(counts).toEqual({
      // unread 46 → 3 pages; all 74 → 4 pages.
      getChats: 3 + 4,
      // 2 + one per burst chat.
      getChat: 2 + BURST_CHATS,
      // after (246 from the bound → 3 pages) + nothing new (1) + recent busy (250 → 3 pages)
      // + recent media (1) + one per burst chat.
      getChatHistory: 3 + 1 + 3 + 1 + BURST_CHATS,
      getChatMessage: 2 + BURST_CHATS,
      createChat: 2,
      sendMessageToChat: texts.length + startedTexts.length + BURST_CHATS,
      sendFileToChat: files.length,
    });
    for (const op of OPERATIONS) expect(fake.countByOperation(op)).toBe(counts[op]);
    // Nothing went to a route the contract does not know; the only other request is the file.
    expect(apiCalls().every((r) => operationOf(r) !== undefined)).toBe(true);
    expect(sent.filter((r) => r.path.startsWith(FILE_PREFIX)).map((r) => r.method)).toEqual([
      "GET",
    ]);

    // The operations carry what was asked of them.
    const created = callsOf("createChat").map(jsonOf);
    expect(created).toEqual([
      { context: { type: "ORDER", id: ORDER_TO_START } },
      { context: { type: "RETURN", id: RETURN_TO_START } },
    ]);
    const messages = callsOf("sendMessageToChat").map((r) => jsonOf(r) as { message: string });
    expect(messages.slice(0, texts.length)).toEqual(texts.map((message) => ({ message })));
    const longest = messages.map((m) => m.message.length).sort((a, b) => b - a);
    expect(longest.slice(0, 2)).toEqual([4096, 4096]);
    expect(
      callsOf("getChatMessage")
        .slice(0, 2)
        .map((r) => r.query.get("messageId")),
    ).toEqual([String(mediaTextId), String(imageMessageId)]);
    expect(
      callsOf("getChat")
        .slice(0, 2)
        .map((r) => r.query.get("chatId")),
    ).toEqual([String(busyChat), String(returnChat)]);
  });

  it("(c) filters are never empty arrays, limits stay within 1–20 / 1–100, pages chain", () => {
    for (const call of apiCalls()) {
      expect({ path: call.path, empty: emptyArrays(jsonOf(call)) }).toEqual({
        path: call.path,
        empty: [],
      });
    }

    const chats = callsOf("getChats");
    const bodies = chats.map(jsonOf);
    // Unread: exactly the two statuses; all: no filter at all (`{}`, never `statuses: []`).
    expect(bodies).toEqual([
      ...Array.from({ length: 3 }, () => ({ statuses: UNREAD_STATUSES })),
      ...Array.from({ length: 4 }, () => ({})),
    ]);
    for (const call of chats) {
      const limit = call.query.get("limit");
      expect(limit).toMatch(/^\d+$/);
      expect(Number(limit)).toBeGreaterThanOrEqual(1);
      expect(Number(limit)).toBeLessThanOrEqual(20);
    }
    const history = callsOf("getChatHistory");
    for (const call of history) {
      const limit = call.query.get("limit");
      expect(limit).toMatch(/^\d+$/);
      expect(Number(limit)).toBeGreaterThanOrEqual(1);
      expect(Number(limit)).toBeLessThanOrEqual(100);
    }
    for (const call of [...chats, ...history]) {
      expect(call.query.getAll("limit")).toHaveLength(1);
      expect(call.query.has("page_token")).toBe(false);
      expect(call.query.getAll("pageToken").length).toBeLessThanOrEqual(1);
      // The token (base64: "+", "/", "=") is percent-encoded, so it survives the query string.
      const rawToken = /(?:^|&)pageToken=([^&]*)/.exec(call.rawQuery)?.[1];
      if (rawToken !== undefined) expect(rawToken).not.toMatch(/[+/=]/);
    }

    // Each listing starts without a token and then follows nextPageToken page by page.
    expect(chats.map((r) => r.query.has("pageToken"))).toEqual([
      false,
      true,
      true,
      false,
      true,
      true,
      true,
    ]);
    const tokens = chats.map((r) => r.query.get("pageToken")).filter((t) => t !== null);
    expect(new Set(tokens).size).toBe(tokens.length);

    // History: messageIdFrom a JSON integer when asked "after", absent for the newest pages.
    const sequential = history.filter((r) => sent.indexOf(r) < burstStart);
    expect(sequential.map((r) => [r.query.get("chatId"), r.query.has("pageToken")])).toEqual([
      [String(busyChat), false],
      [String(busyChat), true],
      [String(busyChat), true],
      [String(busyChat), false],
      [String(busyChat), false],
      [String(busyChat), true],
      [String(busyChat), true],
      [String(mediaChat), false],
    ]);
    expect(sequential.map((r) => r.body)).toEqual([
      ...Array.from({ length: 3 }, () => `{"messageIdFrom":${busyIds[4]}}`),
      `{"messageIdFrom":${busyIds.at(-1)}}`,
      ...Array.from({ length: 4 }, () => "{}"),
    ]);
    const withFrom = history.filter((r) => r.body.includes("messageIdFrom"));
    const withoutFrom = history.filter((r) => !r.body.includes("messageIdFrom"));
    expect([withFrom.length, withoutFrom.length]).toEqual([4, 4 + BURST_CHATS]);
  });

  it("(d) Api-Key goes with every call, never a Bearer token or Authorization header", () => {
    expect(sent.length).toBeGreaterThan(0);
    for (const call of sent) {
      expect({ path: call.path, apiKey: call.headers["api-key"] }).toEqual({
        path: call.path,
        apiKey: API_KEY,
      });
      expect({ path: call.path, authorization: call.headers.authorization }).toEqual({
        path: call.path,
        authorization: undefined,
      });
      for (const [name, value] of Object.entries(call.headers)) {
        expect({ header: name, bearer: /\b(Bearer|OAuth)\b/i.test(value) }).toEqual({
          header: name,
          bearer: false,
        });
      }
    }
    // And nothing reached the fake that it had to turn away for credentials.
    expect(fake.requests).toHaveLength(sent.length);
    expect(fake.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it("(f) the client itself refuses what the contract forbids, sending nothing", () => {
    expect(refusals).toEqual(["invalid", "invalid", "invalid", "invalid", "invalid"]);
    expect(requestsForRefused).toBe(0);
  });

  it("(e) never more than 4 requests in flight, so the parallel limit never answers 420", () => {
    const burst = sent.slice(burstStart);
    expect(burst).toHaveLength(BURST_CHATS * 4);
    expect(fake.count420).toBe(0);
    expect(fake.parallelPeak).toBeLessThanOrEqual(4);
    // The burst really pressed on the limit: with 24 calls fired at once and every one held by
    // the fake, the four slots were all taken (else ≤ 4 above would prove nothing).
    expect(fake.parallelPeak).toBe(4);
  });
});

describe("validateYandexRequest has teeth (negative control)", () => {
  const chatsPath = `${BASE}/chats`;
  const historyPath = `${BASE}/chats/history`;
  const messagePath = `${BASE}/chats/message`;
  const newPath = `${BASE}/chats/new`;
  const filePath = `${BASE}/chats/file/send`;
  const chatQuery = (extra: Record<string, string> = {}): URLSearchParams =>
    new URLSearchParams({ chatId: "4812307", ...extra });

  it.each([
    {
      label: "getChats with an empty statuses filter",
      request: {
        method: "POST",
        path: chatsPath,
        query: new URLSearchParams({ limit: "20" }),
        body: { statuses: [] },
      },
      error: "statuses: must NOT have fewer than 1 items",
    },
    {
      label: "getChats with an empty types filter next to a good one",
      request: {
        method: "POST",
        path: chatsPath,
        query: new URLSearchParams({ limit: "20" }),
        body: { statuses: ["NEW"], types: [] },
      },
      error: "types: must NOT have fewer than 1 items",
    },
    {
      label: "getChats with limit 50",
      request: {
        method: "POST",
        path: chatsPath,
        query: new URLSearchParams({ limit: "50" }),
        body: {},
      },
      error: "query.limit: must be <= 20",
    },
    {
      label: "getChats with limit 0",
      request: {
        method: "POST",
        path: chatsPath,
        query: new URLSearchParams({ limit: "0" }),
        body: {},
      },
      error: "query.limit: must be >= 1",
    },
    {
      label: "getChats with an unknown status",
      request: {
        method: "POST",
        path: chatsPath,
        query: new URLSearchParams({ limit: "20" }),
        body: { statuses: ["UNREAD"] },
      },
      error: "statuses[0]: must be one of",
    },
    {
      label: "getChats with pageToken and its alias at once",
      request: {
        method: "POST",
        path: chatsPath,
        query: new URLSearchParams({ limit: "20", pageToken: "YQ==", page_token: "YQ==" }),
        body: {},
      },
      error: "query.pageToken: given more than once",
    },
    {
      label: "getChatHistory with limit 101",
      request: {
        method: "POST",
        path: historyPath,
        query: chatQuery({ limit: "101" }),
        body: {},
      },
      error: "query.limit: must be <= 100",
    },
    {
      label: "getChatHistory with messageIdFrom as a string",
      request: {
        method: "POST",
        path: historyPath,
        query: chatQuery({ limit: "100" }),
        body: { messageIdFrom: "1240000117" },
      },
      error: "messageIdFrom: must be integer",
    },
    {
      label: "getChatHistory with messageIdFrom 0",
      request: {
        method: "POST",
        path: historyPath,
        query: chatQuery({ limit: "100" }),
        body: { messageIdFrom: 0 },
      },
      error: "messageIdFrom: must be >= 1",
    },
    {
      label: "getChatHistory without chatId",
      request: {
        method: "POST",
        path: historyPath,
        query: new URLSearchParams({ limit: "100" }),
        body: {},
      },
      error: "chatId: required field is missing",
    },
    {
      label: "sendMessageToChat with 4097 characters",
      request: {
        method: "POST",
        path: messagePath,
        query: chatQuery(),
        body: { message: "Ж".repeat(4097) },
      },
      error: "message: must NOT have more than 4096 characters",
    },
    {
      label: "sendMessageToChat with 4097 UTF-16 units (emoji)",
      request: {
        method: "POST",
        path: messagePath,
        query: chatQuery(),
        body: { message: `Ё${"😀".repeat(2048)}` },
      },
      error: "message: at most 4096 UTF-16 code units, got 4097",
    },
    {
      label: "sendMessageToChat with an empty message",
      request: { method: "POST", path: messagePath, query: chatQuery(), body: { message: "" } },
      error: "message: must NOT have fewer than 1 characters",
    },
    {
      label: "sendMessageToChat with an unknown body field",
      request: {
        method: "POST",
        path: messagePath,
        query: chatQuery(),
        body: { message: "Здравствуйте!", text: "Здравствуйте!" },
      },
      error: "text: unknown field",
    },
    {
      label: "sendMessageToChat with chatId in the body instead of the query",
      request: {
        method: "POST",
        path: messagePath,
        query: new URLSearchParams(),
        body: { chatId: 4812307, message: "Здравствуйте!" },
      },
      error: "chatId: unknown field",
    },
    {
      label: "createChat with both context and the deprecated orderId",
      request: {
        method: "POST",
        path: newPath,
        query: new URLSearchParams(),
        body: { orderId: ORDER_TO_START, context: { type: "ORDER", id: ORDER_TO_START } },
      },
      error: "orderId: deprecated; send context alone",
    },
    {
      label: "createChat with a DIRECT context",
      request: {
        method: "POST",
        path: newPath,
        query: new URLSearchParams(),
        body: { context: { type: "DIRECT", id: 1 } },
      },
      error: "context.type: must be one of",
    },
    {
      label: "createChat with an id as a string",
      request: {
        method: "POST",
        path: newPath,
        query: new URLSearchParams(),
        body: { context: { type: "RETURN", id: String(RETURN_TO_START) } },
      },
      error: "context.id: must be integer",
    },
    {
      label: "sendFileToChat with a JSON body",
      request: { method: "POST", path: filePath, query: chatQuery(), body: { file: "AAEC" } },
      error: "(body): must be multipart/form-data",
    },
    {
      label: "sendFileToChat with the part under another name",
      request: {
        method: "POST",
        path: filePath,
        query: chatQuery(),
        parts: [{ name: "document", filename: "Счёт.pdf", size: 3 }],
      },
      error: "file: required part is missing",
    },
    {
      label: "sendFileToChat with a part that has no file name",
      request: {
        method: "POST",
        path: filePath,
        query: chatQuery(),
        parts: [{ name: "file", size: 3 }],
      },
      error: "file: must be a file part",
    },
    {
      label: "sendFileToChat above 5 MB",
      request: {
        method: "POST",
        path: filePath,
        query: chatQuery(),
        parts: [{ name: "file", filename: "Видео.mp4", size: 5 * 1024 * 1024 + 1 }],
      },
      error: "file: at most 5242880 bytes",
    },
    {
      label: "getChat without chatId",
      request: { method: "GET", path: `${BASE}/chat`, query: new URLSearchParams() },
      error: "chatId: required field is missing",
    },
    {
      label: "getChatMessage with a non-numeric messageId",
      request: {
        method: "GET",
        path: messagePath,
        query: chatQuery({ messageId: "1.24e9" }),
      },
      error: "query.messageId: must be integer",
    },
    {
      label: "getChats with GET (no such operation)",
      request: { method: "GET", path: chatsPath, query: new URLSearchParams() },
      error: "no such operation in the contract",
    },
    {
      label: "a cabinet id that is not a number",
      request: {
        method: "GET",
        path: "/v2/businesses/abc/chat",
        query: chatQuery(),
      },
      error: "path.businessId: must be integer",
    },
  ])("reports $label", ({ request, error }) => {
    const errors = validateYandexRequest(request);
    expect(
      errors.some((e) => e.includes(error)),
      `expected "${error}" among:\n${errors.join("\n")}`,
    ).toBe(true);
  });

  it("accepts the well-formed counterparts (so it is not rejecting everything)", () => {
    const limit20 = new URLSearchParams({ limit: "20" });
    expect(
      validateYandexRequest({
        method: "POST",
        path: chatsPath,
        query: limit20,
        body: { statuses: UNREAD_STATUSES },
      }),
    ).toEqual([]);
    expect(
      validateYandexRequest({ method: "POST", path: chatsPath, query: limit20, body: {} }),
    ).toEqual([]);
    expect(
      validateYandexRequest({
        method: "POST",
        path: chatsPath,
        query: new URLSearchParams({ limit: "1", page_token: "eyBuZXh0SWQ6IDIzNDIgfQ==" }),
        body: { types: ["CHAT", "ARBITRAGE"], contexts: [{ type: "RETURN", id: 1 }] },
      }),
    ).toEqual([]);
    expect(
      validateYandexRequest({
        method: "POST",
        path: historyPath,
        query: chatQuery({ limit: "100", pageToken: "eyBuZXh0SWQ6IDIzNDIgfQ==" }),
        body: { messageIdFrom: 1240000117 },
      }),
    ).toEqual([]);
    expect(
      validateYandexRequest({
        method: "POST",
        path: messagePath,
        query: chatQuery(),
        body: { message: "Ж".repeat(4096) },
      }),
    ).toEqual([]);
    expect(
      validateYandexRequest({
        method: "POST",
        path: messagePath,
        query: chatQuery(),
        body: { message: `${"Ё😀".repeat(1365)}Ё` },
      }),
    ).toEqual([]);
    expect(
      validateYandexRequest({
        method: "POST",
        path: newPath,
        query: new URLSearchParams(),
        body: { context: { type: "RETURN", id: RETURN_TO_START } },
      }),
    ).toEqual([]);
    expect(
      validateYandexRequest({
        method: "POST",
        path: filePath,
        query: chatQuery(),
        parts: [{ name: "file", filename: "Счёт на оплату №17.pdf", size: 5 * 1024 * 1024 }],
      }),
    ).toEqual([]);
    expect(
      validateYandexRequest({ method: "GET", path: `${BASE}/chat`, query: chatQuery() }),
    ).toEqual([]);
    expect(
      validateYandexRequest({
        method: "GET",
        path: messagePath,
        query: chatQuery({ messageId: "1240000117" }),
      }),
    ).toEqual([]);
  });
});
