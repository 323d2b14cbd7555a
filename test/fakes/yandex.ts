// In-process fake of the Yandex Market Partner API chat methods, served over real HTTP.
//
// Built from the official spec in test/contract/yandex-chat-openapi.json and
// /work/shared/specs/CHAT-API-REFERENCE.md section B (with the documentation pages it cites),
// never from any client implementation. Routes, parameters, bodies and the hourly limits are
// read from the contract document itself. Where the sources are silent the fake picks the
// stricter or the more realistic behaviour; each such choice is marked "Spec silent:" below so a
// failing client test can be traced to it.
//
// Realism a client must survive:
// - At most `maxParallel` (4) requests in flight per cabinet; one more is answered HTTP 420 at
//   once, while the others are still running (reference B.6).
// - Hourly per-method resource limits from the spec's `x-resource-limit-config`, used up by 2xx
//   and 4xx answers alike; every API answer carries X-RateLimit-Resource-Limit / -Remaining /
//   -Until, and a used-up method answers 420 until the hour is over.
// - Path and query parameters and bodies are validated against the contract; a violation is
//   recorded in `contractViolations` and answered 400 (415 for a wrong Content-Type).
// - Dates are written in +03:00 without fractions of a second, so messages written within one
//   second have equal createdAt; only messageId orders them. Ids are not consecutive.
// - File links need the Api-Key header (undocumented, reference B.7) and can redirect to another
//   host, where a careful client must not send the key.
//
// Push notifications (Market → partner) are not part of this fake.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { MultipartPartInfo } from "../contract/schema.ts";
import { validateYandexRequest, yandexContract } from "../contract/schema.ts";
import type { JsonStyle, Outcome } from "./fake-server.ts";
import {
  FakeServer,
  failureOutcome,
  headersWithoutCredentials,
  readBody,
  writeOutcome,
} from "./fake-server.ts";
import { contentTypeFor, extensionOf } from "./mime.ts";

export type { FailOptions } from "./faults.ts";

export type YandexOperationId =
  | "getChats"
  | "getChat"
  | "getChatHistory"
  | "getChatMessage"
  | "createChat"
  | "sendMessageToChat"
  | "sendFileToChat";
/** Key of file downloads in `requests` and faults; not an operation of the spec. */
export type FileOperation = "file";
export type YandexChatType = "CHAT" | "ARBITRAGE";
export type YandexChatStatus =
  | "NEW"
  | "WAITING_FOR_CUSTOMER"
  | "WAITING_FOR_PARTNER"
  | "WAITING_FOR_ARBITER"
  | "WAITING_FOR_MARKET"
  | "FINISHED";
export type YandexContextType = "ORDER" | "RETURN" | "DIRECT";
export type YandexSender = "PARTNER" | "CUSTOMER" | "MARKET" | "SUPPORT";

export interface FakeYandexOptions {
  apiKey: string;
  businessId: number;
  /** Requests in flight per cabinet; one more is answered HTTP 420. Default 4. */
  maxParallel?: number;
  /** Requests per hour per method. Defaults: the spec's (getChats 5000, getChatHistory 10000…). */
  resourceLimits?: Partial<Record<YandexOperationId, number>>;
  /** Clock for createdAt/updatedAt, recorded requests and the hourly resource windows. */
  now?: () => Date;
  /** campaignId written into ORDER and RETURN contexts. */
  campaignId?: number;
  /**
   * Spec silent (reference D.7) on the order of getChatHistory. Default "asc" (oldest first,
   * the reading of messageIdFrom's "all subsequent messages"); "desc" lets a client test prove
   * it does not depend on the order.
   */
  historyOrder?: "asc" | "desc";
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The spec's operationId, "file" for file links, undefined for unknown routes. */
  operationId: YandexOperationId | FileOperation | undefined;
  query: URLSearchParams;
  /** Lower-case names; Api-Key and Authorization removed. */
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** Parsed JSON, or for multipart the parts without their bytes. Undefined if empty/invalid. */
  body: unknown;
  at: Date;
}

export interface ContractViolation {
  method: string;
  path: string;
  errors: string[];
}

export type PartnerSent =
  | { kind: "text"; messageId: number; text: string }
  | {
      kind: "file";
      messageId: number;
      name: string;
      bytes: Buffer;
      contentType: string | undefined;
      url: string;
    };

export interface ChatContextOptions {
  type: YandexContextType;
  /** ORDER and RETURN; generated when absent. */
  orderId?: number;
  /** RETURN only; generated when absent. */
  returnId?: number;
  /** Public name of the buyer; null: no `customer` in the context. Default "Покупатель N". */
  customerName?: string | null;
  campaignId?: number;
}

export interface ChatOptions {
  chatId?: number;
  type?: YandexChatType;
  status?: YandexChatStatus;
  context?: ChatContextOptions;
}

export interface OrderOptions {
  /** createChat for this order answers 400 with this message. */
  refuse?: string;
  customerName?: string;
}

export interface ReturnOptions {
  orderId: number;
  /** createChat for this return answers 400 with this message. */
  refuse?: string;
}

export interface FileOptions {
  /** Text of the same message (`message` next to `payload`). */
  text?: string;
  /** Served Content-Type. Default: by the name's extension. */
  contentType?: string;
  /**
   * "same-host": the link answers 302 to another link on this fake (also authenticated).
   * Any other string: the link answers 302 to that absolute URL (e.g. a second server that
   * checks no credentials arrive there).
   */
  redirect?: "same-host" | (string & {});
}

export interface Attachment {
  messageId: number;
  url: string;
}

export interface PayloadItem {
  name: string;
  url: string;
  size: number;
}

export interface FakeMessage {
  messageId: number;
  sender: YandexSender;
  createdAt: string;
  message?: string;
  payload?: PayloadItem[];
}

interface StoredMessage {
  id: number;
  sender: YandexSender;
  createdAt: Date;
  text?: string;
  payload?: PayloadItem[];
}

interface StoredContext {
  type: YandexContextType;
  customer?: { name: string; publicId: string };
  campaignId?: number;
  orderId?: number;
  returnId?: number;
}

interface StoredChat {
  id: number;
  type: YandexChatType;
  status: YandexChatStatus;
  context: StoredContext;
  createdAt: Date;
  /** Sequence of the latest event (creation or message); orders getChats. */
  activity: number;
  messages: StoredMessage[];
  sent: PartnerSent[];
}

type StoredFile =
  | { kind: "bytes"; bytes: Buffer; contentType: string }
  | { kind: "redirect"; location: string };

interface UploadedPart {
  name: string;
  filename?: string;
  contentType?: string;
  bytes: Buffer;
}

interface Route {
  operationId: YandexOperationId;
  method: string;
  template: string;
  pattern: RegExp;
  multipart: boolean;
  limit: number;
}

interface RouteMatch {
  route?: Route;
  /** Some operation lives at this path (a wrong method is then 405, not 404). */
  pathKnown: boolean;
  /** The {businessId} segment as written. */
  business?: string;
}

const OPERATION_IDS: readonly YandexOperationId[] = [
  "getChats",
  "getChat",
  "getChatHistory",
  "getChatMessage",
  "createChat",
  "sendMessageToChat",
  "sendFileToChat",
];
const FILE_PREFIX = "/files/";
const HOUR_MS = 60 * 60 * 1000;
const MSK_OFFSET_MS = 3 * HOUR_MS;
// Documented for every request body ("The request is too big", 512 KB). Which of this and the
// 5 MB file limit wins for multipart is not stated (reference B.3.7); the method-specific one is
// applied to sendFileToChat.
const MAX_JSON_BODY_BYTES = 512 * 1024;
// Bodies beyond this are drained without being kept and answered "The request is too big".
const MAX_READ_BYTES = 16 * 1024 * 1024;
const DEFAULT_CAMPAIGN_ID = 21847395;
const FIRST_CHAT_ID = 4812307;
const FIRST_MESSAGE_ID = 1240000117;
// Spec silent on `errors[].code` except UNAUTHORIZED (reference B.2 example); BAD_REQUEST is
// what Yandex answered in a public report, the others follow the same pattern.
const ERROR_CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  415: "UNSUPPORTED_MEDIA_TYPE",
  420: "HIT_RATE_LIMIT",
  500: "INTERNAL_SERVER_ERROR",
  503: "SERVICE_UNAVAILABLE",
};
const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  415: "Unsupported Media Type",
  420: "Enhance Your Calm",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service temporarily unavailable. Please, try again later",
  504: "Gateway Timeout",
};

function errorBody(code: string, message: string): Record<string, unknown> {
  return { status: "ERROR", errors: [{ code, message }] };
}

const YANDEX_JSON: JsonStyle = {
  stringify: JSON.stringify,
  contentType: "application/json;charset=UTF-8",
};

function errorEnvelope(status: number): Record<string, unknown> {
  return errorBody(ERROR_CODES[status] ?? "ERROR", STATUS_TEXT[status] ?? `HTTP ${status}`);
}

function failure(status: number, message: string): Outcome {
  return { status, body: errorBody(ERROR_CODES[status] ?? "ERROR", message) };
}

function ok(result?: unknown): Outcome {
  return { status: 200, body: result === undefined ? { status: "OK" } : { status: "OK", result } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** ISO 8601 in Moscow time with the offset and no fraction, as the spec's examples. */
export function yandexDate(date: Date): string {
  const shifted = new Date(date.getTime() + MSK_OFFSET_MS).toISOString();
  return `${shifted.slice(0, 19)}+03:00`;
}

// Spec silent on the token format; this copies the documented example
// (`eyBuZXh0SWQ6IDIzNDIgfQ==` = base64 of "{ nextId: 2342 }"). It may contain "+", "/" and "=",
// so a client that does not URL-encode it gets a 400.
function encodePageToken(nextId: number): string {
  return Buffer.from(`{ nextId: ${nextId} }`, "utf8").toString("base64");
}

function decodePageToken(token: string): number | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const match = /^\{ nextId: ([0-9]{1,15}) \}$/.exec(Buffer.from(token, "base64").toString("utf8"));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function contentTypeOf(name: string): string {
  return contentTypeFor(extensionOf(name));
}

function routesFromContract(): Route[] {
  const document = yandexContract();
  const paths = isObject(document) && isObject(document.paths) ? document.paths : {};
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (!isObject(operation)) continue;
      const operationId = OPERATION_IDS.find((id) => id === operation.operationId);
      if (operationId === undefined) continue;
      // Both documented tiers ("none", "medium") carry the same amounts; their meaning is not
      // documented (reference D.9), so "none" is used.
      const config = operation["x-resource-limit-config"];
      const tier = isObject(config) && isObject(config.none) ? config.none : {};
      if (tier.period !== "hours" || tier["period-duration"] !== 1) {
        throw new Error(`FakeYandex: ${operationId} has an unexpected limit period`);
      }
      const body = isObject(operation.requestBody) ? operation.requestBody.content : undefined;
      const source = template
        .split(/\{businessId\}/)
        .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
        .join("([^/]+)");
      routes.push({
        operationId,
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        multipart: isObject(body) && "multipart/form-data" in body,
        limit: typeof tier.amount === "number" ? tier.amount : 1000,
      });
    }
  }
  const missing = OPERATION_IDS.filter((id) => !routes.some((r) => r.operationId === id));
  if (missing.length > 0) throw new Error(`FakeYandex: contract lacks ${missing.join(", ")}`);
  return routes;
}

/**
 * Lenient multipart/form-data parser: needs only the boundary, keeps raw UTF-8 in headers (a
 * quoted or even unquoted `filename` with Cyrillic and spaces arrives byte-identical), prefers
 * RFC 5987 `filename*`, and does not require the closing `--`.
 */
function parseMultipart(body: Buffer, contentType: string): UploadedPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) throw new Error("no boundary in Content-Type");
  const delimiter = Buffer.from(`--${boundary}`, "latin1");
  const separator = Buffer.from(`\r\n--${boundary}`, "latin1");
  let position = body.indexOf(delimiter);
  if (position < 0) throw new Error("no boundary in the body");
  const parts: UploadedPart[] = [];
  for (;;) {
    position += delimiter.length;
    if (position >= body.length || (body[position] === 0x2d && body[position + 1] === 0x2d)) {
      break;
    }
    const lineEnd = body.indexOf("\r\n", position);
    if (lineEnd < 0) throw new Error("truncated part");
    const headerEnd = body.indexOf("\r\n\r\n", lineEnd);
    if (headerEnd < 0) throw new Error("part headers do not end");
    const contentStart = headerEnd + 4;
    const next = body.indexOf(separator, contentStart);
    if (next < 0) throw new Error("part does not end with a boundary");
    const headers = new Map<string, string>();
    const headerText =
      headerEnd > lineEnd ? body.subarray(lineEnd + 2, headerEnd) : Buffer.alloc(0);
    for (const line of headerText.toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) {
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
    const disposition = parseDisposition(headers.get("content-disposition") ?? "");
    if (disposition.name !== undefined) {
      parts.push({
        name: disposition.name,
        filename: disposition.filename,
        contentType: headers.get("content-type"),
        bytes: Buffer.from(body.subarray(contentStart, next)),
      });
    }
    position = next + 2;
  }
  return parts;
}

function parseDisposition(value: string): { name?: string; filename?: string } {
  const result: { name?: string; filename?: string } = {};
  let extended: string | undefined;
  let rest = value.replace(/^\s*form-data\s*/i, "");
  const keyPattern = /^\s*;?\s*([A-Za-z0-9*_.-]+)\s*=\s*/;
  while (rest.trim() !== "") {
    const key = keyPattern.exec(rest);
    if (key === null) break;
    rest = rest.slice(key[0].length);
    let text = "";
    if (rest.startsWith('"')) {
      // Only \" and \\ are escapes: browsers send Windows paths' backslashes bare.
      let index = 1;
      while (index < rest.length && rest.charAt(index) !== '"') {
        const next = rest.charAt(index + 1);
        if (rest.charAt(index) === "\\" && (next === '"' || next === "\\")) index += 1;
        text += rest.charAt(index);
        index += 1;
      }
      rest = rest.slice(index + 1);
    } else {
      // Unquoted values (some clients write raw filenames) may contain spaces and ';'; they end
      // only where something that looks like the next parameter starts.
      const stop = /;\s*[A-Za-z0-9*_.-]+\s*=/.exec(rest);
      text = (stop === null ? rest : rest.slice(0, stop.index)).trim();
      rest = stop === null ? "" : rest.slice(stop.index);
    }
    const name = (key[1] ?? "").toLowerCase();
    if (name === "name") result.name = text;
    else if (name === "filename") result.filename = text;
    else if (name === "filename*") extended = text;
  }
  if (extended !== undefined) {
    const quote = extended.indexOf("''");
    const encoded = quote >= 0 ? extended.slice(quote + 2) : extended;
    try {
      result.filename = decodeURIComponent(encoded);
    } catch {
      result.filename = encoded;
    }
  }
  return result;
}

/** Wording of the documented 400 messages (reference B.5, error-codes page) where one exists. */
function yandexWording(violation: string): string {
  if (/^query\.limit: must be <= /.test(violation)) return "Limit exceeded";
  const json = /^\(body\): not valid JSON \((.*)\)$/.exec(violation);
  if (json !== null) return `JSON: ${json[1]}`;
  const big = /^\(body\): larger than ([0-9]+) bytes \(([0-9]+)\)$/.exec(violation);
  if (big !== null) return `The request is too big: ${big[2]} bytes, at most ${big[1]}`;
  return violation;
}

/**
 * Faults (failNext, delayNext, …) are keyed by operationId, "file" for the file links; "*"
 * matches every request.
 */
export class FakeYandex extends FakeServer<YandexOperationId | FileOperation> {
  readonly requests: RecordedRequest[] = [];
  readonly contractViolations: ContractViolation[] = [];

  readonly #apiKey: string;
  readonly #businessId: number;
  readonly #maxParallel: number;
  readonly #limits: Record<YandexOperationId, number>;
  readonly #now: () => Date;
  readonly #campaignId: number;
  readonly #historyOrder: "asc" | "desc";
  readonly #routes: Route[];
  readonly #chats = new Map<number, StoredChat>();
  readonly #orders = new Map<number, OrderOptions>();
  readonly #returns = new Map<number, ReturnOptions>();
  readonly #files = new Map<string, StoredFile>();
  readonly #windows = new Map<YandexOperationId, { start: number; used: number }>();
  #admitted = 0;
  #concurrent = 0;
  #parallelPeak = 0;
  #count420 = 0;
  #activity = 0;
  #nextChatId = FIRST_CHAT_ID;
  #nextMessageId = FIRST_MESSAGE_ID;
  #nextOrderId = 51203377;
  #nextReturnId = 902115;
  #buyerCount = 0;
  #rng = 0x2545f491;

  constructor(options: FakeYandexOptions) {
    super("FakeYandex");
    if (!Number.isSafeInteger(options.businessId) || options.businessId < 1) {
      throw new Error(
        `FakeYandex: businessId must be a positive integer, got ${options.businessId}`,
      );
    }
    this.#apiKey = options.apiKey;
    this.#businessId = options.businessId;
    this.#maxParallel = options.maxParallel ?? 4;
    this.#now = options.now ?? (() => new Date());
    this.#campaignId = options.campaignId ?? DEFAULT_CAMPAIGN_ID;
    this.#historyOrder = options.historyOrder ?? "asc";
    this.#routes = routesFromContract();
    const limits = {} as Record<YandexOperationId, number>;
    for (const route of this.#routes) {
      limits[route.operationId] = options.resourceLimits?.[route.operationId] ?? route.limit;
    }
    this.#limits = limits;
  }

  /**
   * Most requests from the client to the cabinet in flight at once, counting the ones the
   * parallel limit turned away (so a value above maxParallel shows the client overshot).
   */
  get parallelPeak(): number {
    return this.#parallelPeak;
  }

  /** HTTP 420 answers sent so far (parallel limit, resource limit and injected ones). */
  get count420(): number {
    return this.#count420;
  }

  // --- test-side world -----------------------------------------------------------------------

  /** A chat in the cabinet. Default: a CHAT about a new order, status NEW, no messages. */
  addChat(options: ChatOptions = {}): number {
    let id = options.chatId;
    if (id === undefined) {
      do id = this.#takeChatId();
      while (this.#chats.has(id));
    } else if (this.#chats.has(id)) {
      throw new Error(`FakeYandex: chat ${id} exists`);
    }
    const given = options.context ?? { type: "ORDER" };
    const context: StoredContext = { type: given.type };
    if (given.customerName !== null) {
      this.#buyerCount += 1;
      context.customer = {
        name: given.customerName ?? `Покупатель ${this.#buyerCount}`,
        publicId: (0x1f3a9c7 + this.#buyerCount * 7919).toString(36),
      };
    }
    if (given.type !== "DIRECT") {
      // The chat's order (and return) become known to createChat, which then finds this chat.
      const orderId = given.orderId ?? this.#takeOrderId();
      context.campaignId = given.campaignId ?? this.#campaignId;
      context.orderId = orderId;
      if (!this.#orders.has(orderId)) this.#orders.set(orderId, {});
      if (given.type === "RETURN") {
        const returnId = given.returnId ?? this.#takeReturnId();
        context.returnId = returnId;
        if (!this.#returns.has(returnId)) this.#returns.set(returnId, { orderId });
      }
    }
    this.#chats.set(id, {
      id,
      type: options.type ?? "CHAT",
      status: options.status ?? "NEW",
      context,
      createdAt: this.#now(),
      activity: this.#takeActivity(),
      messages: [],
      sent: [],
    });
    return id;
  }

  /** An order createChat knows. `refuse` makes createChat answer 400 with that message. */
  addOrder(orderId: number, options: OrderOptions = {}): void {
    this.#orders.set(orderId, options);
  }

  /** A return createChat knows (context type RETURN). */
  addReturn(returnId: number, options: ReturnOptions): void {
    this.#returns.set(returnId, options);
    if (!this.#orders.has(options.orderId)) this.#orders.set(options.orderId, {});
  }

  /** Returns the new message id. The chat becomes WAITING_FOR_PARTNER. */
  customerWrites(chatId: number, text: string): number {
    return this.#append(this.#chat(chatId), "CUSTOMER", text, undefined).id;
  }

  /** A buyer's file (optionally with text in the same message). */
  customerSendsFile(
    chatId: number,
    bytes: Uint8Array,
    name: string,
    options: FileOptions = {},
  ): Attachment {
    const chat = this.#chat(chatId);
    const url = this.#storeFile(
      bytes,
      options.contentType ?? contentTypeOf(name),
      options.redirect,
    );
    const payload = [{ name, url, size: bytes.byteLength }];
    return { messageId: this.#append(chat, "CUSTOMER", options.text, payload).id, url };
  }

  /** An automatic message from Market. */
  marketWrites(chatId: number, text: string): number {
    return this.#append(this.#chat(chatId), "MARKET", text, undefined).id;
  }

  /** A message from a Market support agent. */
  supportWrites(chatId: number, text: string): number {
    return this.#append(this.#chat(chatId), "SUPPORT", text, undefined).id;
  }

  /** The shop answers in the Market cabinet: a PARTNER message the API did not send. */
  partnerWritesInCabinet(chatId: number, text: string): number {
    return this.#append(this.#chat(chatId), "PARTNER", text, undefined).id;
  }

  setStatus(chatId: number, status: YandexChatStatus): void {
    this.#chat(chatId).status = status;
  }

  // --- inspection ----------------------------------------------------------------------------

  /** Texts and files that arrived through sendMessageToChat / sendFileToChat, oldest first. */
  sentByPartner(chatId: number): PartnerSent[] {
    return [...this.#chat(chatId).sent];
  }

  /** Every message of the chat, oldest first, as getChatHistory would describe it. */
  messages(chatId: number): FakeMessage[] {
    return this.#chat(chatId).messages.map((m) => this.#messageDto(m));
  }

  chatStatus(chatId: number): YandexChatStatus {
    return this.#chat(chatId).status;
  }

  /** Chat ids, newest activity first (the getChats order). */
  chatIds(): number[] {
    return this.#sortedChats().map((c) => c.id);
  }

  countByOperation(operationId: YandexOperationId | FileOperation): number {
    return this.requests.filter((r) => r.operationId === operationId).length;
  }

  // --- internals: world ----------------------------------------------------------------------

  #chat(chatId: number): StoredChat {
    const chat = this.#chats.get(chatId);
    if (chat === undefined) throw new Error(`FakeYandex: no chat ${chatId}`);
    return chat;
  }

  #random(): number {
    // xorshift32: deterministic gaps, so runs are reproducible.
    let x = this.#rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rng = x >>> 0;
    return this.#rng;
  }

  #takeChatId(): number {
    const id = this.#nextChatId;
    this.#nextChatId += 1 + (this.#random() % 40);
    return id;
  }

  #takeMessageId(): number {
    // Ids are unique across chats and grow, but with gaps: other chats' messages live between.
    const id = this.#nextMessageId;
    this.#nextMessageId += 1 + (this.#random() % 3000);
    return id;
  }

  #takeOrderId(): number {
    this.#nextOrderId += 1 + (this.#random() % 500);
    return this.#nextOrderId;
  }

  #takeReturnId(): number {
    this.#nextReturnId += 1 + (this.#random() % 50);
    return this.#nextReturnId;
  }

  #takeActivity(): number {
    this.#activity += 1;
    return this.#activity;
  }

  #append(
    chat: StoredChat,
    sender: YandexSender,
    text: string | undefined,
    payload: PayloadItem[] | undefined,
  ): StoredMessage {
    const message: StoredMessage = {
      id: this.#takeMessageId(),
      sender,
      createdAt: this.#now(),
      ...(text === undefined ? {} : { text }),
      ...(payload === undefined ? {} : { payload }),
    };
    chat.messages.push(message);
    chat.activity = this.#takeActivity();
    // Spec silent on transitions; these follow the status names. They apply in every state (a
    // buyer writing into a FINISHED chat reopens it); MARKET and SUPPORT change nothing.
    if (sender === "CUSTOMER") chat.status = "WAITING_FOR_PARTNER";
    if (sender === "PARTNER") chat.status = "WAITING_FOR_CUSTOMER";
    return message;
  }

  #storeFile(bytes: Uint8Array, contentType: string, redirect: string | undefined): string {
    const key = randomUUID();
    this.#files.set(key, { kind: "bytes", bytes: Buffer.from(bytes), contentType });
    const direct = `${this.url}${FILE_PREFIX}${key}`;
    if (redirect === undefined) return direct;
    const hop = randomUUID();
    this.#files.set(hop, {
      kind: "redirect",
      location: redirect === "same-host" ? direct : redirect,
    });
    return `${this.url}${FILE_PREFIX}${hop}`;
  }

  #sortedChats(): StoredChat[] {
    // Spec silent on the order of getChats: latest activity first, as the cabinet lists chats.
    return [...this.#chats.values()].sort((a, b) => b.activity - a.activity);
  }

  #contextDto(context: StoredContext): Record<string, unknown> {
    return {
      type: context.type,
      ...(context.customer === undefined ? {} : { customer: { ...context.customer } }),
      ...(context.campaignId === undefined ? {} : { campaignId: context.campaignId }),
      ...(context.orderId === undefined ? {} : { orderId: context.orderId }),
      ...(context.returnId === undefined ? {} : { returnId: context.returnId }),
    };
  }

  #chatDto(chat: StoredChat): Record<string, unknown> {
    const last = chat.messages.at(-1);
    return {
      chatId: chat.id,
      // Deprecated, still sent: a client must read context.orderId, but may meet both.
      ...(chat.context.orderId === undefined ? {} : { orderId: chat.context.orderId }),
      context: this.#contextDto(chat.context),
      type: chat.type,
      status: chat.status,
      createdAt: yandexDate(chat.createdAt),
      // "Дата и время последнего сообщения в чате"; a chat without messages: its creation.
      updatedAt: yandexDate(last?.createdAt ?? chat.createdAt),
    };
  }

  #messageDto(message: StoredMessage): FakeMessage {
    return {
      messageId: message.id,
      createdAt: yandexDate(message.createdAt),
      sender: message.sender,
      ...(message.text === undefined ? {} : { message: message.text }),
      ...(message.payload === undefined ? {} : { payload: message.payload.map((p) => ({ ...p })) }),
    };
  }

  // --- internals: HTTP -----------------------------------------------------------------------

  #match(method: string, path: string): RouteMatch {
    let pathKnown = false;
    for (const route of this.#routes) {
      const match = route.pattern.exec(path);
      if (match === null) continue;
      pathKnown = true;
      if (route.method === method) return { route, pathKnown, business: match[1] };
    }
    return { pathKnown };
  }

  protected override crashBody(error: unknown): string {
    return JSON.stringify(errorBody("INTERNAL_SERVER_ERROR", `fake failure: ${String(error)}`));
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const isFile = path.startsWith(FILE_PREFIX);
    const match: RouteMatch = isFile ? { pathKnown: true } : this.#match(method, path);
    const route = match.route;
    const operationId = isFile ? "file" : route?.operationId;

    // Admission is decided on arrival, before the body is read: that is when the gateway counts
    // a request as in flight. Spec silent on the order of checks: credentials, then the cabinet
    // in the URL, then the limits; only requests that pass the first two take a slot.
    const denied =
      this.#authenticate(req) ?? (route === undefined ? undefined : this.#checkBusiness(match));
    let admission: "admitted" | "rejected" | undefined;
    if (route !== undefined && denied === undefined && this.#isOwnBusiness(match.business)) {
      admission = this.#admit(res);
    }

    const { bytes: rawBody, size } = await readBody(req, MAX_READ_BYTES);
    const contentType = req.headers["content-type"] ?? "";
    const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";

    let body: unknown;
    let parts: UploadedPart[] | undefined;
    let parseError: string | undefined;
    if (route?.multipart === true && mediaType === "multipart/form-data") {
      try {
        parts = parseMultipart(rawBody, contentType);
        body = {
          parts: parts.map((p) => ({
            name: p.name,
            filename: p.filename,
            contentType: p.contentType,
            size: p.bytes.length,
          })),
        };
      } catch (error) {
        parseError = `malformed multipart/form-data (${(error as Error).message})`;
      }
    } else if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString("utf8"));
      } catch (error) {
        parseError = `not valid JSON (${(error as Error).message})`;
      }
    }
    const headers = headersWithoutCredentials(req);
    const query = url.searchParams;
    this.requests.push({
      method,
      path,
      operationId,
      query,
      headers,
      rawBody,
      body,
      at: this.#now(),
    });

    const violations = isFile
      ? []
      : this.#checkContract(method, path, query, route, mediaType, size, body, parts, parseError);
    if (violations.length > 0) this.contractViolations.push({ method, path, errors: violations });

    const faults = await this.arrive(operationId, req, res);
    if (faults === undefined) return;

    let outcome: Outcome;
    let consumes = false;
    if (faults.fail !== undefined) {
      outcome = failureOutcome(faults.fail, errorEnvelope);
    } else if (denied !== undefined) {
      outcome = denied;
    } else if (isFile) {
      outcome =
        method === "GET"
          ? this.#serveFile(path)
          : failure(405, `Request method '${method}' not supported`);
    } else if (route === undefined) {
      outcome = match.pathKnown
        ? failure(405, `Request method '${method}' not supported`)
        : failure(404, "Resource not found");
    } else if (admission === "rejected") {
      outcome = failure(
        420,
        `Hit rate limit of ${this.#maxParallel} parallel requests for businessId ${this.#businessId}`,
      );
      consumes = true;
    } else if (admission === "admitted" && this.#exhausted(route.operationId)) {
      outcome = failure(
        420,
        `Hit rate limit of ${this.#limits[route.operationId]} requests per 1 hour for resource ${route.template}`,
      );
    } else if (violations.length > 0) {
      outcome = this.#rejectViolations(violations);
      consumes = admission === "admitted";
    } else {
      outcome = this.#route(route.operationId, query, body, parts ?? []);
      consumes = admission === "admitted";
    }

    // 2xx and 4xx answers both use up the hourly budget (reference B.6), including a 420 from
    // the parallel limit; 5xx answers and a used-up budget's own 420s do not.
    if (
      route !== undefined &&
      consumes &&
      outcome.status >= 200 &&
      outcome.status < 500 &&
      !this.#exhausted(route.operationId)
    ) {
      this.#window(route.operationId, true).used += 1;
    }
    if (route !== undefined) {
      outcome = { ...outcome, headers: { ...this.#limitHeaders(route), ...outcome.headers } };
    }

    if (faults.resetAfterProcessing) {
      req.socket.destroy();
      return;
    }
    if (outcome.status === 420) this.#count420 += 1;
    writeOutcome(res, outcome, faults.truncate, YANDEX_JSON);
  }

  #checkContract(
    method: string,
    path: string,
    query: URLSearchParams,
    route: Route | undefined,
    mediaType: string,
    size: number,
    body: unknown,
    parts: UploadedPart[] | undefined,
    parseError: string | undefined,
  ): string[] {
    if (route === undefined || route.method !== "POST") {
      return validateYandexRequest({ method, path, query, body });
    }
    const errors: string[] = [];
    const expected = route.multipart ? "multipart/form-data" : "application/json";
    if (mediaType === "") errors.push("Content-Type: missing");
    else if (mediaType !== expected) {
      errors.push(`Content-Type: must be ${expected}, got "${mediaType}"`);
    }
    if (size > MAX_READ_BYTES || (!route.multipart && size > MAX_JSON_BODY_BYTES)) {
      const cap = route.multipart ? MAX_READ_BYTES : MAX_JSON_BODY_BYTES;
      return [...errors, `(body): larger than ${cap} bytes (${size})`];
    }
    if (parseError !== undefined) return [...errors, `(body): ${parseError}`];
    const partInfos: MultipartPartInfo[] | undefined = parts?.map((p) => ({
      name: p.name,
      filename: p.filename,
      size: p.bytes.length,
    }));
    return [...errors, ...validateYandexRequest({ method, path, query, body, parts: partInfos })];
  }

  #rejectViolations(violations: string[]): Outcome {
    const contentType = violations.find((v) => v.startsWith("Content-Type:"));
    if (contentType !== undefined) {
      // The error-codes page documents 415 with these two wordings.
      return failure(
        415,
        contentType === "Content-Type: missing"
          ? "Missing Content-Type"
          : `Content type '${/got "(.*)"$/.exec(contentType)?.[1] ?? ""}' not supported`,
      );
    }
    return {
      status: 400,
      body: {
        status: "ERROR",
        errors: violations.map((v) => ({ code: "BAD_REQUEST", message: yandexWording(v) })),
      },
    };
  }

  #authenticate(req: IncomingMessage): Outcome | undefined {
    const key = req.headers["api-key"];
    const authorization = req.headers.authorization;
    if (typeof key !== "string" || key === "") {
      if (typeof authorization === "string" && authorization !== "") {
        // This fake issues no OAuth tokens (deprecated); wordings from the error-codes page.
        return /^(Bearer|OAuth)\s/i.test(authorization)
          ? failure(403, "OAuth token is invalid")
          : failure(401, "Unsupported authorization type specified in Authorization header");
      }
      return failure(401, "Credentials are not specified");
    }
    if (/^(Bearer|OAuth)\s/i.test(key)) return failure(401, "Api-Key token prefix invalid");
    if (key !== this.#apiKey) return failure(401, "Api-Key token is invalid");
    return undefined;
  }

  #isOwnBusiness(business: string | undefined): boolean {
    return (
      business !== undefined && /^[0-9]+$/.test(business) && Number(business) === this.#businessId
    );
  }

  #checkBusiness(match: RouteMatch): Outcome | undefined {
    // A non-numeric id is a contract violation (400), not someone else's cabinet.
    if (match.business === undefined || !/^[0-9]+$/.test(match.business)) return undefined;
    return this.#isOwnBusiness(match.business) ? undefined : failure(403, "Access denied");
  }

  #admit(res: ServerResponse): "admitted" | "rejected" {
    this.#concurrent += 1;
    this.#parallelPeak = Math.max(this.#parallelPeak, this.#concurrent);
    const admitted = this.#admitted < this.#maxParallel;
    if (admitted) this.#admitted += 1;
    res.once("close", () => {
      this.#concurrent -= 1;
      if (admitted) this.#admitted -= 1;
    });
    return admitted ? "admitted" : "rejected";
  }

  #window(operationId: YandexOperationId, create: boolean): { start: number; used: number } {
    // Spec silent on the window: a fixed hour that starts with the first counted request.
    const now = this.#now().getTime();
    const current = this.#windows.get(operationId);
    if (current !== undefined && now < current.start + HOUR_MS) return current;
    const fresh = { start: now, used: 0 };
    if (create) this.#windows.set(operationId, fresh);
    return fresh;
  }

  #exhausted(operationId: YandexOperationId): boolean {
    return this.#window(operationId, false).used >= this.#limits[operationId];
  }

  #limitHeaders(route: Route): Record<string, string> {
    const window = this.#window(route.operationId, false);
    const limit = this.#limits[route.operationId];
    return {
      "x-ratelimit-resource-limit": String(limit),
      "x-ratelimit-resource-remaining": String(Math.max(0, limit - window.used)),
      "x-ratelimit-resource-until": new Date(window.start + HOUR_MS).toUTCString(),
    };
  }

  #serveFile(path: string): Outcome {
    const file = this.#files.get(path.slice(FILE_PREFIX.length));
    if (file === undefined) return failure(404, "File not found");
    if (file.kind === "redirect") {
      return { status: 302, body: "", headers: { location: file.location } };
    }
    return { status: 200, body: file.bytes, headers: { "content-type": file.contentType } };
  }

  // --- internals: operations -----------------------------------------------------------------

  #route(
    operationId: YandexOperationId,
    query: URLSearchParams,
    body: unknown,
    parts: UploadedPart[],
  ): Outcome {
    const json = isObject(body) ? body : {};
    switch (operationId) {
      case "getChats":
        return this.#getChats(query, json);
      case "getChat":
        return this.#withChat(query, (chat) => ok(this.#chatDto(chat)));
      case "getChatHistory":
        return this.#withChat(query, (chat) => this.#getChatHistory(chat, query, json));
      case "getChatMessage":
        return this.#withChat(query, (chat) => this.#getChatMessage(chat, query));
      case "createChat":
        return this.#createChat(json);
      case "sendMessageToChat":
        return this.#withChat(query, (chat) => this.#sendMessage(chat, json));
      case "sendFileToChat":
        return this.#withChat(query, (chat) => this.#sendFile(chat, parts));
    }
  }

  #withChat(query: URLSearchParams, then: (chat: StoredChat) => Outcome): Outcome {
    const chatId = Number(query.get("chatId"));
    const chat = this.#chats.get(chatId);
    // Spec silent on the wording.
    return chat === undefined ? failure(404, `Chat ${chatId} not found`) : then(chat);
  }

  #pageStart(query: URLSearchParams): number | undefined | Outcome {
    const token = query.get("pageToken") ?? query.get("page_token");
    if (token === null) return undefined;
    const nextId = decodePageToken(token);
    // Spec silent on the wording.
    return nextId === undefined ? failure(400, "Invalid page token") : nextId;
  }

  #getChats(query: URLSearchParams, body: Record<string, unknown>): Outcome {
    const limit = Number(query.get("limit") ?? 10);
    const start = this.#pageStart(query);
    if (typeof start === "object") return start;
    const list = <T>(value: unknown): T[] | undefined =>
      Array.isArray(value) ? (value as T[]) : undefined;
    const orderIds = list<number>(body.orderIds);
    const contexts = list<{ type: string; id: number }>(body.contexts);
    const contextTypes = list<string>(body.contextTypes);
    const types = list<string>(body.types);
    const statuses = list<string>(body.statuses);
    let chats = this.#sortedChats().filter((chat) => {
      const context = chat.context;
      if (orderIds !== undefined && !orderIds.includes(context.orderId ?? -1)) return false;
      if (
        contexts !== undefined &&
        !contexts.some((c) =>
          c.type === "RETURN"
            ? context.type === "RETURN" && context.returnId === c.id
            : context.type === "ORDER" && context.orderId === c.id,
        )
      ) {
        return false;
      }
      if (contextTypes !== undefined && !contextTypes.includes(context.type)) return false;
      if (types !== undefined && !types.includes(chat.type)) return false;
      if (statuses !== undefined && !statuses.includes(chat.status)) return false;
      return true;
    });
    // Keyset paging on the activity sequence: a chat that gets a message while a client pages
    // moves to the front and is seen on the next pass, never twice in one.
    if (start !== undefined) chats = chats.filter((c) => c.activity <= start);
    const next = chats[limit];
    return ok({
      chats: chats.slice(0, limit).map((c) => this.#chatDto(c)),
      paging: next === undefined ? {} : { nextPageToken: encodePageToken(next.activity) },
    });
  }

  #getChatHistory(
    chat: StoredChat,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ): Outcome {
    const limit = Number(query.get("limit") ?? 50);
    const start = this.#pageStart(query);
    if (typeof start === "object") return start;
    // Spec silent (reference D.7): messageIdFrom is inclusive, and a bound rather than a
    // lookup, so an id that is not in this chat works too.
    const from = typeof body.messageIdFrom === "number" ? body.messageIdFrom : undefined;
    let messages = chat.messages.filter((m) => from === undefined || m.id >= from);
    if (this.#historyOrder === "desc") {
      messages = messages.reverse().filter((m) => start === undefined || m.id <= start);
    } else {
      messages = messages.filter((m) => start === undefined || m.id >= start);
    }
    const next = messages[limit];
    return ok({
      ...(chat.context.orderId === undefined ? {} : { orderId: chat.context.orderId }),
      context: this.#contextDto(chat.context),
      messages: messages.slice(0, limit).map((m) => this.#messageDto(m)),
      paging: next === undefined ? {} : { nextPageToken: encodePageToken(next.id) },
    });
  }

  #getChatMessage(chat: StoredChat, query: URLSearchParams): Outcome {
    const messageId = Number(query.get("messageId"));
    const message = chat.messages.find((m) => m.id === messageId);
    if (message === undefined) return failure(404, `Message ${messageId} not found`);
    return ok(this.#messageDto(message));
  }

  #createChat(body: Record<string, unknown>): Outcome {
    const context = isObject(body.context) ? body.context : undefined;
    const type = context === undefined ? "ORDER" : String(context.type);
    const id = Number(context === undefined ? body.orderId : context.id);
    if (type === "RETURN") {
      const known = this.#returns.get(id);
      if (known === undefined) return failure(404, `Return ${id} not found`);
      // Spec silent on refusals (e.g. a return of a DBS shop); 400 with the configured text.
      if (known.refuse !== undefined) return failure(400, known.refuse);
      const existing = [...this.#chats.values()].find(
        (c) => c.type === "CHAT" && c.context.type === "RETURN" && c.context.returnId === id,
      );
      const chatId =
        existing?.id ??
        this.addChat({ context: { type: "RETURN", returnId: id, orderId: known.orderId } });
      return ok({ chatId });
    }
    const order = this.#orders.get(id);
    if (order === undefined) return failure(404, `Order ${id} not found`);
    if (order.refuse !== undefined) return failure(400, order.refuse);
    // "возвращает информацию о нем или созданном ранее": the same chat for the same order.
    const existing = [...this.#chats.values()].find(
      (c) => c.type === "CHAT" && c.context.type === "ORDER" && c.context.orderId === id,
    );
    const chatId =
      existing?.id ??
      this.addChat({
        context: { type: "ORDER", orderId: id, customerName: order.customerName },
      });
    return ok({ chatId });
  }

  #sendMessage(chat: StoredChat, body: Record<string, unknown>): Outcome {
    const text = String(body.message);
    const message = this.#append(chat, "PARTNER", text, undefined);
    chat.sent.push({ kind: "text", messageId: message.id, text });
    // EmptyApiResponse: no messageId comes back.
    return ok();
  }

  #sendFile(chat: StoredChat, parts: UploadedPart[]): Outcome {
    const file = parts.find((p) => p.name === "file");
    if (file === undefined) return failure(400, "Missing field: file");
    const name = file.filename ?? "";
    // Spec silent on what the part's Content-Type is used for; it is what downloads answer with,
    // unless absent or generic.
    const declared = file.contentType;
    const contentType =
      declared === undefined || declared === "application/octet-stream"
        ? contentTypeOf(name)
        : declared;
    const url = this.#storeFile(file.bytes, contentType, undefined);
    const message = this.#append(chat, "PARTNER", undefined, [
      { name, url, size: file.bytes.length },
    ]);
    chat.sent.push({
      kind: "file",
      messageId: message.id,
      name,
      bytes: file.bytes,
      contentType: declared,
      url,
    });
    return ok();
  }
}
