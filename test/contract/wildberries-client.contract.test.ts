// Contract test: every request the Wildberries client sends, checked against the official buyers
// chat subset (wildberries-buyers-chat-subset.json).
//
// FakeWildberries validates what it receives, but this test does not rely on that alone: an
// undici interceptor records what the client dispatched (method, origin, path and query, headers,
// the FormData of a send), and the test validates those records itself: path and query with
// schema.ts's parameter validator, multipart parts with a validator of its own below (schema.ts's
// multipart helper takes every property as one part, while WB's `file` is an array of binary
// parts), and the prose rules of the spec (file types and sizes). It then checks that the fake
// saw the very same requests, reads the headers for the token, the events cursor for what §6
// says, and the fake's counters for the rate limits.

import { readFileSync } from "node:fs";
import { Agent, FormData } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/bridge/sleep.ts";
import {
  type WbDownload,
  type WbEventsPage,
  type WbSendResult,
  WildberriesClient,
} from "../../src/providers/wildberries/client.ts";
import { drainEvents, initialCursor } from "../../src/providers/wildberries/cursor.ts";
import { createWbLimiter } from "../../src/providers/wildberries/limits.ts";
import { mapChat } from "../../src/providers/wildberries/mapping.ts";
import { FakeWildberries } from "../fakes/wildberries.ts";
import { headerRecord } from "./dispatched.ts";
import { createParameterValidator, type ParameterValidator } from "./schema.ts";
import { bytes, steps } from "./steps.ts";

const SPEC_URL = new URL("./wildberries-buyers-chat-subset.json", import.meta.url);
const SPEED = 20;
const T0 = Date.parse("2026-03-02T09:00:00.000Z");
const BATCH = 4;
const BURST = 24;

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "ES256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}
const TOKEN = jwt({
  acc: 3,
  exp: Date.parse("2026-08-29T09:00:00Z") / 1000,
  for: "self",
  s: 2 ** 9,
  sid: "764bb5eb-b610-427d-b167-904935fde848",
  t: false,
});

type JsonObject = Record<string, unknown>;

const SPEC = JSON.parse(readFileSync(SPEC_URL, "utf8")) as JsonObject;

/** The spec's operations: method, path pattern, operationId. */
const OPERATIONS = Object.entries(SPEC.paths as JsonObject).flatMap(([template, item]) =>
  Object.entries(item as JsonObject).map(([method, op]) => ({
    method: method.toUpperCase(),
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    operationId: String((op as JsonObject).operationId),
  })),
);

function operationOf(call: { method: string; path: string }): string | undefined {
  return OPERATIONS.find((op) => op.method === call.method && op.pattern.test(call.path))
    ?.operationId;
}

// --- the multipart check ---------------------------------------------------------------------

interface PartInfo {
  name: string;
  /** Set for file parts. */
  filename?: string;
  /** The part's Content-Type, if any. */
  type?: string;
  bytes: Uint8Array;
}

// Prose of `file` (ref §9): "формат JPEG, PDF или PNG, максимальный размер — 5 Мб каждый.
// Максимальный суммарный размер файлов — 30 Мб". "Мб" read as decimal megabytes, the reading
// under which WB cannot refuse a file for its size whichever unit it means.
const FILE_TYPES = new Set(["image/jpeg", "image/png", "application/pdf"]);
const MAX_FILE = 5_000_000;
const MAX_TOTAL = 30_000_000;

/** JPEG, PNG, PDF by signature; written apart from the client's own sniffing on purpose. */
function typeOfBytes(data: Uint8Array): string | undefined {
  const head = Buffer.from(data.subarray(0, 8));
  if (head.subarray(0, 3).equals(Buffer.from("ffd8ff", "hex"))) return "image/jpeg";
  if (head.equals(Buffer.from("89504e470d0a1a0a", "hex"))) return "image/png";
  if (head.subarray(0, 5).toString("latin1") === "%PDF-") return "application/pdf";
  return undefined;
}

/**
 * The parts of a POST /api/v1/seller/message against its multipart/form-data schema (read from
 * the document) and the prose rules: required parts present, no unknown part, a scalar property
 * is one plain part within maxLength (in code points and, stricter, UTF-16 units), an array of
 * binary is file parts with a name, of an allowed type, within the sizes.
 */
function validateSendParts(parts: readonly PartInfo[]): string[] {
  const paths = SPEC.paths as JsonObject;
  const post = (paths["/api/v1/seller/message"] as JsonObject).post as JsonObject;
  const content = (post.requestBody as JsonObject).content as JsonObject;
  const schema = (content["multipart/form-data"] as JsonObject).schema as JsonObject;
  const properties = schema.properties as Record<string, JsonObject>;
  const required = (schema.required as string[]) ?? [];
  const violations: string[] = [];
  const byName = new Map<string, PartInfo[]>();
  for (const part of parts) byName.set(part.name, [...(byName.get(part.name) ?? []), part]);
  for (const name of required) {
    if (!byName.has(name)) violations.push(`${name}: required part is missing`);
  }
  let total = 0;
  for (const [name, list] of byName) {
    const property = properties[name];
    if (property === undefined) {
      violations.push(`${name}: unknown part (the contract does not define it)`);
      continue;
    }
    if (property.type === "array") {
      const items = property.items as JsonObject;
      for (const part of list) {
        if (items.format === "binary" && !part.filename) {
          violations.push(`${name}: must be a file part (Content-Disposition with a filename)`);
        }
        const declared = part.type?.split(";")[0]?.trim().toLowerCase();
        const actual = typeOfBytes(part.bytes);
        if (actual === undefined || !FILE_TYPES.has(declared ?? "")) {
          violations.push(
            `${name}: "${part.filename}" must be JPEG, PNG or PDF (declared ${declared}, bytes ${actual})`,
          );
        } else if (declared !== actual) {
          violations.push(`${name}: "${part.filename}" declared ${declared} but is ${actual}`);
        }
        if (part.bytes.byteLength > MAX_FILE) {
          violations.push(`${name}: "${part.filename}" over ${MAX_FILE} bytes ("5 Мб каждый")`);
        }
        total += part.bytes.byteLength;
      }
      continue;
    }
    if (list.length > 1) violations.push(`${name}: must be one part, got ${list.length}`);
    for (const part of list) {
      if (part.filename !== undefined) violations.push(`${name}: must be a plain field`);
      const value = Buffer.from(part.bytes).toString("utf8");
      const max = typeof property.maxLength === "number" ? property.maxLength : undefined;
      if (max !== undefined && (value.length > max || [...value].length > max)) {
        violations.push(`${name}: longer than ${max} characters (${value.length} UTF-16 units)`);
      }
      if (required.includes(name) && value === "") violations.push(`${name}: must not be empty`);
    }
  }
  if (total > MAX_TOTAL) violations.push(`file: ${total} bytes in all, over ${MAX_TOTAL}`);
  return violations;
}

async function partsOf(form: FormData): Promise<PartInfo[]> {
  const parts: PartInfo[] = [];
  for (const [name, value] of form) {
    parts.push(
      typeof value === "string"
        ? { name, bytes: new TextEncoder().encode(value) }
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

// --- the run ---------------------------------------------------------------------------------

interface Dispatched {
  method: string;
  origin: string;
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  headers: Record<string, string>;
  hasBody: boolean;
  form: FormData | undefined;
}

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(bytes(4000, 1))]);
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from(bytes(2500, 2)),
]);
const PDF = Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), Buffer.from(bytes(3000, 3))]);
const DOCX = Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.from(bytes(900, 4))]);

describe("Wildberries client against the official buyers chat contract", () => {
  const sent: Dispatched[] = [];
  const { step, failures } = steps();
  let fake: FakeWildberries;
  let agent: Agent;
  let client: WildberriesClient;
  let validateParameters: ParameterValidator;

  const chatIds: string[] = [];
  let eventCount = 0;
  const returnedNext: (number | undefined)[] = [];
  let drainedIds: string[] = [];
  let chatsSeen = 0;
  let downloads: (WbDownload | undefined)[] = [];
  let refusedDownload = "";
  const sends: { chat: string; text?: string; files: { name: string; bytes: Buffer }[] }[] = [];
  const sendResults: (WbSendResult | undefined)[] = [];
  let refusals: string[] = [];
  let requestsForRefused = -1;
  let burstStart = -1;

  beforeAll(async () => {
    validateParameters = createParameterValidator(SPEC);
    const started = performance.now();
    const now = () => T0 + Math.floor((performance.now() - started) * SPEED);
    fake = new FakeWildberries({
      token: TOKEN,
      now: () => new Date(now()),
      eventsBatchSize: BATCH,
    });
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
        hasBody: options.body !== undefined && options.body !== null,
        form: options.body instanceof FormData ? options.body : undefined,
      });
      return dispatch(options, handler);
    });
    client = new WildberriesClient({
      token: TOKEN,
      apiUrl: fake.url,
      dispatcher: recording,
      limiter: createWbLimiter("personal", {
        now,
        sleep: (ms, signal) => sleep(ms / SPEED, signal),
      }),
      retry: { baseDelayMs: 1 },
    });

    // --- the world ---------------------------------------------------------------------------
    for (let i = 0; i < 3; i++) chatIds.push(fake.addChat());
    const [a = "", b = "", c = ""] = chatIds;
    fake.buyerWrites(a, "Здравствуйте! Пришёл не тот цвет 😕");
    const photo = fake.buyerSendsImage(a, JPEG, { text: "Вот фото" });
    const receipt = fake.buyerSendsFile(b, PDF, "Чек №17.pdf");
    const pending = fake.buyerSendsImage(b, PNG, { moderation: "pending" });
    const refused = fake.buyerSendsFile(c, PDF, "Паспорт.pdf", { moderation: "refused" });
    refusedDownload = refused.downloadID;
    fake.sellerWritesInPortal(a, "Оформим возврат");
    fake.wbWrites(c, "Покупатель оценил ответ");
    fake.bareEvent(b);
    for (let i = 0; i < 6; i++) fake.buyerWrites(chatIds[i % 3] ?? a, `Вопрос ${i}`);
    eventCount = fake.chatIDs().reduce((n, id) => n + fake.eventsOf(id).length, 0);

    // --- every method, as the bridge will use them ---------------------------------------------
    const recorder = {
      events: async (next?: number, signal?: AbortSignal): Promise<WbEventsPage> => {
        const page = await client.events(next, signal);
        returnedNext.push(page.next);
        return page;
      },
    };
    const drained = await step("drain", () => drainEvents(recorder, initialCursor()));
    drainedIds = (drained?.events ?? []).map((e) => (e as { eventID: string }).eventID);
    const list = await step("chats", () => client.chats());
    chatsSeen = list?.chats.length ?? 0;
    const signs = new Map(
      (list?.chats ?? []).map(mapChat).map((chat) => [chat?.chatId, chat?.replySign]),
    );

    downloads = [
      await step("download(photo)", () => client.download(photo.downloadID)),
      await step("download(receipt)", () => client.download(receipt.downloadID)),
      await step("download(pending)", () => client.download(pending.downloadID)),
    ];
    await client.download(refused.downloadID).catch(() => undefined);

    sends.push(
      { chat: a, text: "Здравствуйте! Приносим извинения, оформили возврат 🙏", files: [] },
      {
        chat: b,
        text: "Акт и фото упаковки во вложении",
        files: [
          { name: "Акт приёмки.pdf", bytes: PDF },
          { name: "Упаковка.jpg", bytes: JPEG },
          { name: "Схема", bytes: PNG },
        ],
      },
      { chat: c, files: [{ name: "Инструкция.pdf", bytes: PDF }] },
      { chat: c, text: "Ё".repeat(1000), files: [] },
    );
    for (const send of sends) {
      sendResults.push(
        await step(`send to ${send.chat}`, () =>
          client.sendMessage({
            replySign: signs.get(send.chat) ?? "",
            ...(send.text === undefined ? {} : { text: send.text }),
            files: send.files,
          }),
        ),
      );
    }

    const refusal = (promise: Promise<unknown>): Promise<string> =>
      promise.then(
        () => "sent",
        (error: unknown) =>
          error instanceof Error ? ((error as { kind?: string }).kind ?? "") : "",
      );
    const sign = signs.get(a) ?? "";
    const before = sent.length;
    refusals = [
      await refusal(
        client.sendMessage({ replySign: sign, files: [{ name: "Договор.docx", bytes: DOCX }] }),
      ),
      await refusal(
        client.sendMessage({
          replySign: sign,
          files: [{ name: "big.jpg", bytes: Buffer.concat([JPEG, Buffer.alloc(MAX_FILE)]) }],
        }),
      ),
      await refusal(client.sendMessage({ replySign: sign, text: "Ж".repeat(1001) })),
      await refusal(client.sendMessage({ replySign: sign, text: "" })),
      await refusal(client.sendMessage({ replySign: "", text: "Здравствуйте" })),
      await refusal(client.events(0)),
    ];
    requestsForRefused = sent.length - before;

    // --- a burst as a poll cycle after a quiet night makes it: the limiter's turn --------------
    burstStart = sent.length;
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < BURST; i++) {
      if (i % 3 === 0) calls.push(step("burst chats", () => client.chats()));
      else if (i % 3 === 1) calls.push(step("burst events", () => client.events()));
      else calls.push(step("burst download", () => client.download(photo.downloadID)));
    }
    await Promise.all(calls);
  });

  afterAll(async () => {
    await client?.close();
    await agent?.close();
    await fake?.stop();
  });

  it("gets the right answers, so every request was actually accepted", () => {
    expect(failures).toEqual([]);
    expect(drainedIds).toHaveLength(eventCount);
    expect(new Set(drainedIds).size).toBe(eventCount);
    expect(chatsSeen).toBe(3);
    expect(downloads.map((d) => d?.state)).toEqual(["ready", "ready", "pending"]);
    expect(downloads[0]?.state === "ready" && Buffer.from(downloads[0].bytes)).toEqual(JPEG);
    expect(downloads[1]?.state === "ready" && Buffer.from(downloads[1].bytes)).toEqual(PDF);
    for (const send of sends) {
      const accepted = fake.sentBySeller(send.chat).find((s) => s.text === send.text);
      expect(accepted?.files.map((f) => Buffer.from(f.bytes))).toEqual(
        send.files.map((f) => f.bytes),
      );
    }
    expect(sendResults.map((r) => r?.errors)).toEqual(sends.map(() => []));
    expect(refusedDownload).not.toBe("");
  });

  it("(a) the fake recorded no contract violation", () => {
    expect(fake.contractViolations).toEqual([]);
  });

  it("(b) every dispatched request passes the contract on re-validation", async () => {
    expect(sent.length).toBeGreaterThan(20);
    for (const call of sent) {
      const label = `${call.method} ${call.path}?${call.rawQuery}`;
      expect({ label, origin: call.origin }).toEqual({ label, origin: fake.url });
      expect({ label, operation: operationOf(call) }).toEqual({
        label,
        operation: expect.any(String),
      });
      expect({ label, errors: validateParameters(call.method, call.path, call.query) }).toEqual({
        label,
        errors: [],
      });
      if (call.method === "GET") {
        expect({ label, body: call.hasBody, type: call.headers["content-type"] }).toEqual({
          label,
          body: false,
          type: undefined,
        });
      } else {
        expect(call.form).toBeInstanceOf(FormData);
        const parts = await partsOf(call.form ?? new FormData());
        expect({ label, errors: validateSendParts(parts) }).toEqual({ label, errors: [] });
      }
    }

    // The fake saw the same requests with the same parts: in the same order up to the burst,
    // whose requests leave together and may arrive in any order.
    const key = (method: string, path: string, query: URLSearchParams) =>
      `${method} ${path}?${query.toString()}`;
    const seen = fake.requests.map((r) => key(r.method, r.path, r.query));
    const dispatched = sent.map((r) => key(r.method, r.path, r.query));
    expect(seen.slice(0, burstStart)).toEqual(dispatched.slice(0, burstStart));
    expect(seen.slice(burstStart).sort()).toEqual(dispatched.slice(burstStart).sort());
    const posts = sent.filter((r) => r.method === "POST");
    const received = fake.requests.filter((r) => r.method === "POST");
    expect(received).toHaveLength(sends.length);
    for (const [index, post] of posts.entries()) {
      const parts = await partsOf(post.form ?? new FormData());
      expect(received[index]?.parts).toEqual(
        parts.map((p) => ({
          name: p.name,
          ...(p.filename === undefined ? {} : { filename: p.filename }),
          ...(p.type === undefined ? {} : { contentType: p.type }),
          size: p.bytes.byteLength,
        })),
      );
      expect(String(received[index]?.headers["content-type"])).toMatch(
        /^multipart\/form-data;\s*boundary=/i,
      );
    }
  });

  it("(b) each of the four operations was used, as often as the calls require", () => {
    const counts: Record<string, number> = {};
    for (const call of sent) {
      const op = operationOf(call) ?? "none";
      counts[op] = (counts[op] ?? 0) + 1;
    }
    const pages = Math.ceil(eventCount / BATCH) + 1;
    expect(counts).toEqual({
      getV1SellerEvents: pages + BURST / 3,
      getV1SellerChats: 1 + BURST / 3,
      getV1SellerDownloadId: 4 + BURST / 3,
      postV1SellerMessage: sends.length,
    });
    const downloadsSent = sent.filter((r) => operationOf(r) === "getV1SellerDownloadId");
    expect(downloadsSent[3]?.path).toBe(`/api/v1/seller/download/${refusedDownload}`);
  });

  it("(c) the events cursor: first without next, then each next as returned, never 0", () => {
    const events = sent.slice(0, burstStart).filter((r) => operationOf(r) === "getV1SellerEvents");
    expect(events.map((r) => r.rawQuery.split("&").filter(Boolean).length)).toEqual(
      events.map((_, i) => (i === 0 ? 0 : 1)),
    );
    expect(events[0]?.query.has("next")).toBe(false);
    const nexts = events.slice(1).map((r) => r.query.get("next"));
    expect(nexts).toEqual(returnedNext.slice(0, -1).map(String));
    for (const next of nexts) expect(Number(next)).toBeGreaterThan(1e12);
    // The burst's event calls start anew, without next.
    for (const call of sent.slice(burstStart)) expect(call.query.has("next")).toBe(false);
  });

  it("(d) the token goes as is in Authorization, with every call, and nowhere else", () => {
    for (const call of sent) {
      const label = `${call.method} ${call.path}`;
      expect({ label, authorization: call.headers.authorization }).toEqual({
        label,
        authorization: TOKEN,
      });
      for (const [name, value] of Object.entries(call.headers)) {
        if (name === "authorization") continue;
        expect({ label, name, leaks: value.includes(TOKEN.split(".")[1] ?? TOKEN) }).toEqual({
          label,
          name,
          leaks: false,
        });
      }
      expect(call.rawQuery).not.toContain(TOKEN.split(".")[1]);
    }
    expect(fake.requests.every((r) => r.auth === "raw")).toBe(true);
  });

  it("(e) never more than 10 requests in any 10 s, so WB never answered 429", () => {
    expect(fake.count429).toBe(0);
    expect(fake.maxRequestsIn10s()).toBeLessThanOrEqual(10);
    // The burst really pressed on the limit: 24 calls at once, the first 10 straight away.
    expect(fake.maxRequestsIn10s()).toBe(10);
  });

  it("(f) the client itself refuses what the contract forbids, sending nothing", () => {
    expect(refusals).toEqual(["invalid", "invalid", "invalid", "invalid", "invalid", "invalid"]);
    expect(requestsForRefused).toBe(0);
  });
});

describe("validateSendParts has teeth (negative control)", () => {
  const text = (name: string, value: string): PartInfo => ({
    name,
    bytes: new TextEncoder().encode(value),
  });
  const file = (filename: string, type: string, data: Uint8Array): PartInfo => ({
    name: "file",
    filename,
    type,
    bytes: data,
  });
  const sign = text("replySign", "1:4019cd7d-cca8-4e90-8b11-f78afbea42e3:54828159:bc3a");

  it.each([
    ["no replySign", [text("message", "Здравствуйте")], "replySign: required part is missing"],
    ["an empty replySign", [text("replySign", "")], "replySign: must not be empty"],
    ["a 256-character replySign", [text("replySign", "x".repeat(256))], "longer than 255"],
    ["1001 characters", [sign, text("message", "Ж".repeat(1001))], "longer than 1000"],
    ["1002 UTF-16 units", [sign, text("message", "😀".repeat(501))], "longer than 1000"],
    ["two messages", [sign, text("message", "a"), text("message", "b")], "must be one part"],
    ["an unknown part", [sign, text("text", "Здравствуйте")], "text: unknown part"],
    [
      "the sign as a file",
      [{ ...text("replySign", "s"), filename: "sign.txt" }],
      "must be a plain field",
    ],
    [
      "a file without a name",
      [sign, { name: "file", type: "image/jpeg", bytes: JPEG }],
      "file part",
    ],
    ["a .docx", [sign, file("Договор.docx", "application/octet-stream", DOCX)], "JPEG, PNG or PDF"],
    ["a JPEG declared as PNG", [sign, file("a.png", "image/png", JPEG)], "declared image/png"],
    [
      "a file over 5 MB",
      [sign, file("a.pdf", "application/pdf", Buffer.concat([PDF, Buffer.alloc(MAX_FILE)]))],
      "over 5000000 bytes",
    ],
    [
      "seven files of 4.5 MB",
      [
        sign,
        ...Array.from({ length: 7 }, (_, i) =>
          file(`${i}.pdf`, "application/pdf", Buffer.concat([PDF, Buffer.alloc(4_500_000)])),
        ),
      ],
      "over 30000000",
    ],
  ])("reports %s", (_label, parts, error) => {
    const errors = validateSendParts(parts);
    expect(
      errors.some((e) => e.includes(error)),
      `expected "${error}" among:\n${errors.join("\n")}`,
    ).toBe(true);
  });

  it("accepts the well-formed counterparts", () => {
    expect(validateSendParts([sign, text("message", "Ё".repeat(1000))])).toEqual([]);
    expect(
      validateSendParts([
        sign,
        file("Чек №17.pdf", "application/pdf", PDF),
        file("Фото.jpg", "image/jpeg", JPEG),
        file("Схема.png", "image/png", PNG),
      ]),
    ).toEqual([]);
  });

  it("the parameter validator rejects what the client must never send", () => {
    const validate = createParameterValidator(SPEC);
    const events = "/api/v1/seller/events";
    expect(validate("GET", events, new URLSearchParams({ next: "abc" })).join()).toContain(
      "query.next: must be integer",
    );
    expect(validate("GET", events, new URLSearchParams({ cursor: "1" })).join()).toContain(
      "unknown parameter",
    );
    expect(validate("POST", "/api/v1/seller/chats", new URLSearchParams()).join()).toContain(
      "no such operation",
    );
    expect(validate("GET", events, new URLSearchParams({ next: "1698045576000" }))).toEqual([]);
  });
});
