// In-process fake of the Wildberries buyers chat API ("Чат с покупателями"), served over real HTTP.
//
// Built from WB's spec (/work/shared/specs/wildberries-buyers-chat-subset.bundled.json, the
// chat subset of wildberries-communications-openapi.yaml) and the reference
// /work/shared/specs/WILDBERRIES-CHAT.md, never from any client implementation. Sections cited
// as "ref §N" are that reference's; "ref §11.N" is its list of ambiguities. Where the sources are
// silent the fake takes the most literal reading of the spec's words (or the stricter behaviour
// when nothing is literal); each such choice is marked "Spec silent:" so a failing client test
// can be traced to it, and the ones a test may need the other way are constructor options.
//
// Realism a client must survive:
// - The token goes in `Authorization` as is (WB's own `HeaderApiKey` scheme); "Bearer <token>"
//   is refused unless `bearerPrefix: "accept"` (ref §2, §11.1).
// - Rate limits per token from each operation's table (ref §3), 429 problem+json with no
//   headers; by default the four chat methods also share one bucket (ref §11.3).
// - Events come in batches; `next` is the last event's addTimestamp (ms) and the documented
//   procedure "repeat until totalEvents is 0" ends (ref §6). `next=0` and non-numbers are 400.
// - replySign is only on a chat's first event (isNewChat), can be rotated by the test, and a
//   stale one answers 400 "Invalid signature" (ref §8).
// - The seller's own API sends come back in the events with source "seller-public-api".
// - Buyer files may be "in moderation" (202 with retrySeconds) or refused (451) (ref §5.4).
// - Content types differ per answer: problem+json for 401/402/403/429/451 and the send 400,
//   plain JSON for the events/download 400 (ref §10).
// - Most event fields are optional and appear only sometimes, as in the spec's example (ref §10).
//
// Requests that do not match the spec are recorded in `contractViolations`; where the operation
// documents a 400 they are also answered 400, otherwise (chats, ping) answered normally.

import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JsonStyle, Outcome } from "./fake-server.ts";
import { FakeServer, headersWithoutCredentials, readBody, writeOutcome } from "./fake-server.ts";
import type { FailOptions } from "./faults.ts";

export type { FailOptions } from "./faults.ts";

/** The spec's operationIds. */
export type WbOperation =
  | "getV1SellerChats"
  | "getV1SellerEvents"
  | "postV1SellerMessage"
  | "getV1SellerDownloadId";
/**
 * Keys of faults and call counts: the operations, "ping" (GET /ping, from the general spec) and
 * "basket" (the file `url`s of events, served by this fake in place of chat-basket-*.wbbasket.ru).
 */
export type WbKey = WbOperation | "ping" | "basket";
/** Token types of the limit tables (ref §2): Персональный, Сервисный, Базовый с секретом, Базовый. */
export type WbTokenType = "personal" | "service" | "basic-with-secret" | "basic";
export type WbSender = "client" | "seller" | "wb";
/** "pending": 202 on download; "refused": 451; "approved": the bytes. */
export type WbModeration = "approved" | "pending" | "refused";

export interface WbTokenOptions {
  token: string;
  /** Token categories (x-category values). Default ["buyerchat"]; without it: 403. */
  categories?: string[];
  /** Default "personal". "basic" has the hourly limits of the tables. */
  type?: WbTokenType;
}

/** One row of a limit table: "Период | Лимит | Интервал | Всплеск". */
export interface WbLimit {
  periodMs: number;
  limit: number;
  intervalMs: number;
  burst: number;
}

export interface FakeWildberriesOptions {
  /** A personal token of category buyerchat. */
  token: string;
  /** More tokens: other categories (403), other types (e.g. "basic"). */
  tokens?: WbTokenOptions[];
  /** Clock for timestamps, recorded requests and the rate-limit windows. */
  now?: () => Date;
  /**
   * WB's own spec declares `HeaderApiKey` (apiKey in the Authorization header, the raw token);
   * the "Bearer" scheme of the mirror was injected by its post-processor (ref §2, §11.1). Default
   * "reject": "Bearer <token>" is an unknown token (401). "accept" strips the prefix.
   */
  bearerPrefix?: "reject" | "accept";
  /** Default true. false: no 429s at all (call counts are still kept). */
  rateLimits?: boolean;
  /**
   * Ref §11.3: each operation has its own table, "на один аккаунт продавца", and unlike the
   * feedbacks tables they do not say "для всех методов категории"; old09 had one row
   * (10 s / 10 / 1 s / 10) for all four. Default true (the stricter reading: a client within
   * one shared budget is within each method's budget too): the four methods also draw on one
   * bucket with that row, on top of each method's own table. false: each method alone.
   */
  sharedRateLimit?: boolean;
  /**
   * Spec silent on rate-limit headers (ref §3, §11.2: none declared). Default false: a 429 has
   * no headers beyond Content-Type. true: an X-Ratelimit-Retry header (seconds) as third-party
   * code reads it.
   */
  retryHeader?: boolean;
  /** Spec silent on the batch size (ref §11.4). Default 50. */
  eventsBatchSize?: number;
  /**
   * Ref §11.4: whether `next` is inclusive. Default "exclusive" (events with addTimestamp >
   * next): the only reading under which the documented procedure — `next` is the last event's
   * addTimestamp (§6, example) and the loop ends at totalEvents 0 — terminates. "inclusive"
   * (>= next, so the boundary event comes again) is the literal "с какого момента".
   */
  eventsCursor?: "exclusive" | "inclusive";
  /**
   * Ref §11.4: totalEvents counts the batch (default, as in the example: 4 events, totalEvents
   * 4) or "remaining": every event after the cursor, this batch included.
   */
  totalEvents?: "batch" | "remaining";
  /**
   * Ref §9: a bad file is answered 400 for the whole send (default "reject", as the 400
   * examples), or "partial": the message and the good files are delivered and each bad file is
   * named in `errors` of the 200 ("Ошибки загрузки файлов, если есть").
   */
  fileErrors?: "reject" | "partial";
  /** Default 5 MiB: the spec's "5 Мб", which its own error spells "Max size: 5MiB". */
  maxFileBytes?: number;
  /** Default 30 MiB ("30 Мб", the same unit). */
  maxTotalFileBytes?: number;
  /**
   * Ref §11.6: MessageResponse.result.addTime is "Дата и время создания чата" (09), "upload
   * time" in old09. Default "chat-created" (the words of the current spec); "message": the
   * addTimestamp of the new event.
   */
  sendAddTime?: "chat-created" | "message";
  /** retrySeconds of a 202. Default 30 (the spec's example). */
  retrySeconds?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The operation (or "ping"/"basket"); undefined for routes the spec does not have. */
  key: WbKey | undefined;
  query: URLSearchParams;
  /** Lower-case names; Authorization removed. */
  headers: Record<string, string | string[] | undefined>;
  /** How the Authorization header was written (the token itself is not kept). */
  auth: "missing" | "raw" | "bearer";
  /** For multipart: the parts without their bytes. Undefined otherwise. */
  parts?: { name: string; filename?: string; contentType?: string; size: number }[];
  bodySize: number;
  at: Date;
}

export interface ContractViolation {
  method: string;
  path: string;
  errors: string[];
}

export interface Listing {
  nmID: number;
  price: number;
  priceCurrency: string;
  rid: string;
  size: string;
}

export interface ChatOptions {
  /** Default "1:<uuid>" as in the examples. */
  chatID?: string;
  /** Default "Покупатель N". */
  clientName?: string;
  /** Fields to set; the rest are generated. null: the chat has no goodCard. */
  goodCard?: Partial<Listing> | null;
  /** Default "<chatID>:<128 hex>", the events example's shape (ref §8). */
  replySign?: string;
}

export interface FileOptions {
  /** Text of the same message. */
  text?: string;
  /** Default a fresh uuid. */
  downloadID?: string;
  /** Default "approved". */
  moderation?: WbModeration;
  /** With moderation "pending": after this many 202 answers the file becomes `afterPending`. */
  pendingPolls?: number;
  /** Default "approved". */
  afterPending?: "approved" | "refused";
  /** Source of the buyer's message. Default "rusite". */
  source?: string;
}

export interface BuyerFile {
  eventID: string;
  downloadID: string;
  /** The `url` the event carries (served by this fake without credentials when approved). */
  url: string;
}

export interface SentFile {
  name: string;
  bytes: Buffer;
  /** The part's Content-Type as sent, if any. */
  contentType: string | undefined;
  /** What the bytes are (by their signature). */
  detectedType: string;
  downloadID: string;
}

/** A message that arrived through POST /api/v1/seller/message and was accepted. */
export interface SellerSent {
  eventID: string;
  replySign: string;
  /** The `message` part; undefined when the send had none. */
  text: string | undefined;
  files: SentFile[];
  /** Per-file errors reported in the 200 (fileErrors "partial"). */
  errors: string[];
  addTimestamp: number;
}

interface StoredFile {
  downloadID: string;
  kind: "file" | "image";
  name: string;
  bytes: Buffer;
  contentType: string;
  moderation: WbModeration;
  pendingPolls: number | undefined;
  afterPending: "approved" | "refused";
  date: string;
  basketPath: string;
}

interface StoredEvent {
  chatID: string;
  eventID: string;
  isNewChat: boolean;
  replySign: string | undefined;
  goodCard: Listing | undefined;
  /** undefined: an event without `message` (the example's fourth event). */
  text: string | undefined;
  hasMessage: boolean;
  files: StoredFile[];
  source: string | undefined;
  addTimestamp: number;
  sender: WbSender;
  clientName: string | undefined;
}

interface StoredChat {
  chatID: string;
  clientName: string;
  goodCard: Listing | undefined;
  replySign: string;
  createdAt: number;
  events: StoredEvent[];
  sent: SellerSent[];
}

interface StoredToken {
  token: string;
  categories: string[];
  type: WbTokenType;
}

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  bytes: Buffer;
}

interface Route {
  key: WbKey;
  method: string;
  template: string;
  pattern: RegExp;
  /** Query parameters the spec declares. */
  query: readonly string[];
}

/** What a request's contract check found: the violations, and the 400 detail if it gets one. */
interface Check {
  violations: string[];
  reject?: string;
}

// Paths, methods and parameters of the subset (ref §5) and of /ping (ref §1).
const ROUTES: readonly Route[] = [
  {
    key: "getV1SellerChats",
    method: "GET",
    template: "/api/v1/seller/chats",
    pattern: /^\/api\/v1\/seller\/chats$/,
    query: [],
  },
  {
    key: "getV1SellerEvents",
    method: "GET",
    template: "/api/v1/seller/events",
    pattern: /^\/api\/v1\/seller\/events$/,
    query: ["next"],
  },
  {
    key: "postV1SellerMessage",
    method: "POST",
    template: "/api/v1/seller/message",
    pattern: /^\/api\/v1\/seller\/message$/,
    query: [],
  },
  {
    key: "getV1SellerDownloadId",
    method: "GET",
    template: "/api/v1/seller/download/{id}",
    pattern: /^\/api\/v1\/seller\/download\/([^/]+)$/,
    query: [],
  },
  { key: "ping", method: "GET", template: "/ping", pattern: /^\/ping$/, query: [] },
  {
    key: "basket",
    method: "GET",
    template: "/basket/{path}",
    pattern: /^\/basket\/(.+)$/,
    query: [],
  },
];
const CHAT_OPERATIONS: readonly WbOperation[] = [
  "getV1SellerChats",
  "getV1SellerEvents",
  "postV1SellerMessage",
  "getV1SellerDownloadId",
];
const CATEGORY = "buyerchat"; // x-category of all four operations (ref §2)
const HOUR_MS = 60 * 60 * 1000;
const WINDOW_MS = 10_000;
const MIB = 1024 * 1024;
const MSK_OFFSET_MS = 3 * HOUR_MS;
// Limit tables (ref §3): personal, service and basic with secret share one row per operation.
const STANDARD_LIMIT: WbLimit = { periodMs: 10_000, limit: 10, intervalMs: 1_000, burst: 10 };
const BASIC_LIMITS: Record<WbOperation, WbLimit> = {
  getV1SellerChats: { periodMs: HOUR_MS, limit: 1, intervalMs: HOUR_MS, burst: 1 },
  getV1SellerEvents: { periodMs: HOUR_MS, limit: 1, intervalMs: HOUR_MS, burst: 1 },
  postV1SellerMessage: { periodMs: HOUR_MS, limit: 1, intervalMs: HOUR_MS, burst: 1 },
  getV1SellerDownloadId: { periodMs: HOUR_MS, limit: 10, intervalMs: 6 * 60 * 1000, burst: 1 },
};
// /ping: 30 s / 3 / 10 s / 99, "separately for each domain" (ref §1, 01 paths./ping.get).
const PING_LIMIT: WbLimit = { periodMs: 30_000, limit: 3, intervalMs: 10_000, burst: 99 };
const ALLOWED_TYPES = new Set(["image/jpeg", "image/png", "application/pdf"]);
const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  429: "Too Many Requests",
  451: "Unavailable For Legal Reasons",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};
const JSON_TYPE = "application/json; charset=utf-8";
const PROBLEM_TYPE = "application/problem+json; charset=utf-8";
const WB_JSON: JsonStyle = { stringify: JSON.stringify, contentType: JSON_TYPE };
const CLIENT_NAMES = ["Алёна", "Иван", "Мария", "Дмитрий", "Ольга", "Сергей"];

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

function requestId(): string {
  return hex(16);
}

/** Event.addTime: UTC, whole seconds, "Z" ("2023-10-23T05:02:20Z", ref §10). */
function utcSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * File.date / Image.date: with milliseconds and "Z", and in the example 3 h after the event's
 * addTime (ref §10, §11.13): Moscow wall time labelled UTC. The fake copies the quirk, so a
 * client that trusts this field for ordering finds out.
 */
function attachmentDate(ms: number): string {
  return new Date(ms + MSK_OFFSET_MS).toISOString();
}

/** /ping's TS: Moscow time with its offset, "2024-08-16T11:19:05+03:00" (01 ping example). */
function mskSeconds(ms: number): string {
  return `${new Date(ms + MSK_OFFSET_MS).toISOString().slice(0, 19)}+03:00`;
}

/** A problem+json of the gateway (ag-marketplace): the 401/403/429 shape (ref §3, §4). */
function gatewayProblem(
  status: number,
  title: string,
  detail: string,
  now: number,
): Record<string, unknown> {
  return {
    title,
    detail,
    code: `${hex(4)}-${hex(6)}-[UK-${randomBytes(8).toString("base64url").slice(0, 11)}]`,
    requestId: requestId(),
    origin: "ag-marketplace",
    status,
    statusText: STATUS_TEXT[status] ?? `HTTP ${status}`,
    timestamp: utcSeconds(now),
  };
}

/** The 400 of proxy-chats (events, message, download: ref §5.2–5.4). */
function badRequest(detail: string, title = "Bad Request"): Record<string, unknown> {
  return {
    status: 400,
    title,
    origin: "proxy-chats",
    detail,
    requestId: requestId(),
    error: detail,
  };
}

function problem(status: number, body: unknown, headers: Record<string, string> = {}): Outcome {
  return { status, body, headers: { "content-type": PROBLEM_TYPE, ...headers } };
}

function json(status: number, body: unknown): Outcome {
  return { status, body, headers: { "content-type": JSON_TYPE } };
}

/** An error id like the examples' "A24FA09844E": 11 upper-case hex digits. */
function errorId(): string {
  return hex(6).toUpperCase().slice(0, 11);
}

/** The type the bytes are, by signature; undefined for anything but JPEG, PNG and PDF. */
function sniff(bytes: Buffer): string | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return "image/jpeg";
  }
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return "image/png";
  }
  if (bytes.subarray(0, 5).toString("latin1") === "%PDF-") return "application/pdf";
  return undefined;
}

/**
 * multipart/form-data parser: needs the boundary, keeps raw UTF-8 in part headers (a Cyrillic
 * filename arrives as sent), prefers RFC 5987 `filename*`. Throws on a body it cannot split.
 */
export function parseMultipart(body: Buffer, contentType: string): Part[] {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) throw new Error("no boundary in Content-Type");
  const delimiter = Buffer.from(`--${boundary}`, "latin1");
  const separator = Buffer.from(`\r\n--${boundary}`, "latin1");
  let position = body.indexOf(delimiter);
  if (position < 0) throw new Error("no boundary in the body");
  const parts: Part[] = [];
  for (;;) {
    position += delimiter.length;
    if (body[position] === 0x2d && body[position + 1] === 0x2d) break;
    if (position >= body.length) throw new Error("no closing boundary");
    const headerEnd = body.indexOf("\r\n\r\n", position);
    if (headerEnd < 0) throw new Error("part headers do not end");
    const next = body.indexOf(separator, headerEnd + 4);
    if (next < 0) throw new Error("part does not end with a boundary");
    const headers = new Map<string, string>();
    for (const line of body.subarray(position, headerEnd).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) {
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
    const disposition = headers.get("content-disposition") ?? "";
    const name = dispositionParam(disposition, "name");
    if (name === undefined) throw new Error("a part without a name");
    const extended = dispositionParam(disposition, "filename*");
    let filename = dispositionParam(disposition, "filename");
    if (extended !== undefined) {
      const encoded = extended.includes("''")
        ? extended.slice(extended.indexOf("''") + 2)
        : extended;
      try {
        filename = decodeURIComponent(encoded);
      } catch {
        filename = encoded;
      }
    }
    parts.push({
      name,
      ...(filename === undefined ? {} : { filename }),
      ...(headers.has("content-type") ? { contentType: headers.get("content-type") } : {}),
      bytes: Buffer.from(body.subarray(headerEnd + 4, next)),
    });
    position = next + 2;
  }
  return parts;
}

function dispositionParam(header: string, key: string): string | undefined {
  const escaped = key.replace(/[*]/g, "\\*");
  const pattern = new RegExp(`;\\s*${escaped}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, "i");
  const match = pattern.exec(header);
  if (match === null) return undefined;
  if (match[1] !== undefined) return match[1].replace(/\\(["\\])/g, "$1");
  return match[2]?.trim();
}

/**
 * The limiter of one bucket, enforcing both readings of a table row: at most `limit` requests in
 * any `period` (a sliding window), and a bucket of `burst` refilled one request per `interval`.
 * Spec silent on the algorithm (the portal page that defines the columns was not read, ref §3);
 * a client that keeps to either reading keeps to both only if the fake checks both.
 */
class Limiter {
  readonly #spec: WbLimit;
  readonly #admitted: number[] = [];
  #theoreticalArrival = Number.NEGATIVE_INFINITY;

  constructor(spec: WbLimit) {
    this.#spec = spec;
  }

  /** 0 when a request may pass at `now`, else how long until one may. */
  waitMs(now: number): number {
    const { periodMs, limit, intervalMs, burst } = this.#spec;
    while (this.#admitted.length > 0 && (this.#admitted[0] ?? 0) <= now - periodMs) {
      this.#admitted.shift();
    }
    const windowWait =
      this.#admitted.length >= limit
        ? (this.#admitted[this.#admitted.length - limit] ?? now) + periodMs - now
        : 0;
    const bucketWait = this.#theoreticalArrival - (burst - 1) * intervalMs - now;
    return Math.max(0, windowWait, bucketWait);
  }

  take(now: number): void {
    this.#admitted.push(now);
    this.#theoreticalArrival = Math.max(this.#theoreticalArrival, now) + this.#spec.intervalMs;
  }
}

/**
 * Faults (failNext, delayNext, …) are keyed by operationId, "ping" or "basket"; "*" matches every
 * request. An injected failure without a body gets the spec's body for its status.
 */
export class FakeWildberries extends FakeServer<WbKey> {
  readonly requests: RecordedRequest[] = [];
  readonly contractViolations: ContractViolation[] = [];

  readonly #tokens = new Map<string, StoredToken>();
  /** Tokens the seller revoked in the portal: WB answers them 401 like any unknown token. */
  readonly #revoked = new Set<string>();
  readonly #now: () => Date;
  readonly #bearer: "reject" | "accept";
  readonly #rateLimits: boolean;
  readonly #shared: boolean;
  readonly #retryHeader: boolean;
  readonly #batchSize: number;
  readonly #cursor: "exclusive" | "inclusive";
  readonly #totalEvents: "batch" | "remaining";
  readonly #fileErrors: "reject" | "partial";
  readonly #maxFileBytes: number;
  readonly #maxTotalFileBytes: number;
  readonly #sendAddTime: "chat-created" | "message";
  readonly #retrySeconds: number;
  readonly #chats = new Map<string, StoredChat>();
  readonly #signs = new Map<string, string>();
  readonly #events: StoredEvent[] = [];
  readonly #files = new Map<string, StoredFile>();
  readonly #limiters = new Map<string, Limiter>();
  #lastStamp = 0;
  #count429 = 0;
  #buyers = 0;
  #nmID = 148_203_117;

  constructor(options: FakeWildberriesOptions) {
    super("FakeWildberries");
    for (const t of [{ token: options.token }, ...(options.tokens ?? [])]) {
      if (t.token === "") throw new Error("FakeWildberries: empty token");
      this.#tokens.set(t.token, {
        token: t.token,
        categories: t.categories ?? [CATEGORY],
        type: t.type ?? "personal",
      });
    }
    this.#now = options.now ?? (() => new Date());
    this.#bearer = options.bearerPrefix ?? "reject";
    this.#rateLimits = options.rateLimits ?? true;
    this.#shared = options.sharedRateLimit ?? true;
    this.#retryHeader = options.retryHeader ?? false;
    this.#batchSize = options.eventsBatchSize ?? 50;
    this.#cursor = options.eventsCursor ?? "exclusive";
    this.#totalEvents = options.totalEvents ?? "batch";
    this.#fileErrors = options.fileErrors ?? "reject";
    this.#maxFileBytes = options.maxFileBytes ?? 5 * MIB;
    this.#maxTotalFileBytes = options.maxTotalFileBytes ?? 30 * MIB;
    this.#sendAddTime = options.sendAddTime ?? "chat-created";
    this.#retrySeconds = options.retrySeconds ?? 30;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) {
      throw new Error("FakeWildberries: eventsBatchSize must be a positive integer");
    }
  }

  /** HTTP 429 answers sent so far (rate limits and injected ones). */
  get count429(): number {
    return this.#count429;
  }

  // --- test-side world -----------------------------------------------------------------------

  /** The seller revokes (or, with false, a test restores) a token. */
  revokeToken(token: string, revoked = true): void {
    if (revoked) this.#revoked.add(token);
    else this.#revoked.delete(token);
  }

  /** A chat in the seller's account; no events until someone writes. Returns its chatID. */
  addChat(options: ChatOptions = {}): string {
    const chatID = options.chatID ?? `1:${randomUUID()}`;
    if (this.#chats.has(chatID)) throw new Error(`FakeWildberries: chat ${chatID} exists`);
    this.#buyers += 1;
    const replySign = options.replySign ?? `${chatID}:${hex(64)}`;
    if (this.#signs.has(replySign)) throw new Error("FakeWildberries: replySign in use");
    let goodCard: Listing | undefined;
    if (options.goodCard !== null) {
      this.#nmID += 7919 * this.#buyers;
      goodCard = {
        nmID: this.#nmID,
        price: 500,
        priceCurrency: "RUB",
        rid: hex(16),
        size: "0",
        ...options.goodCard,
      };
    }
    this.#chats.set(chatID, {
      chatID,
      clientName:
        options.clientName ??
        `${CLIENT_NAMES[(this.#buyers - 1) % CLIENT_NAMES.length]} ${this.#buyers}`,
      goodCard,
      replySign,
      createdAt: this.#now().getTime(),
      events: [],
      sent: [],
    });
    this.#signs.set(replySign, chatID);
    return chatID;
  }

  /** The buyer writes text. Returns the eventID. */
  buyerWrites(chatID: string, text: string, options: { source?: string } = {}): string {
    return this.#append(this.#chat(chatID), {
      sender: "client",
      source: options.source ?? "rusite",
      text,
      files: [],
    }).eventID;
  }

  /** The buyer sends a photo (JPEG or PNG bytes): an `images` attachment. */
  buyerSendsImage(chatID: string, bytes: Uint8Array, options: FileOptions = {}): BuyerFile {
    const type = sniff(Buffer.from(bytes));
    const contentType = type === "image/png" ? "image/png" : "image/jpeg";
    return this.#buyerFile(chatID, bytes, "image", "", contentType, options);
  }

  /** The buyer sends a file (a PDF, by name): a `files` attachment with name and size. */
  buyerSendsFile(
    chatID: string,
    bytes: Uint8Array,
    name: string,
    options: FileOptions = {},
  ): BuyerFile {
    const type = sniff(Buffer.from(bytes)) ?? "application/pdf";
    return this.#buyerFile(chatID, bytes, "file", name, type, options);
  }

  /** The seller answers in the WB seller portal (source "seller-portal"). */
  sellerWritesInPortal(chatID: string, text: string): string {
    return this.#append(this.#chat(chatID), {
      sender: "seller",
      source: "seller-portal",
      text,
      files: [],
    }).eventID;
  }

  /** A message from Wildberries itself (sender "wb"). Spec silent on its source: none. */
  wbWrites(chatID: string, text: string): string {
    return this.#append(this.#chat(chatID), {
      sender: "wb",
      source: undefined,
      text,
      files: [],
    }).eventID;
  }

  /**
   * An event with neither `message` nor `source`, like the fourth event of the spec's example
   * (ref §10). Its meaning is undocumented; a client must not fail on it.
   */
  bareEvent(chatID: string, sender: WbSender = "seller"): string {
    return this.#append(this.#chat(chatID), {
      sender,
      source: undefined,
      text: undefined,
      files: [],
      bare: true,
    }).eventID;
  }

  /** A file's moderation ends (or changes): "approved", "refused" or back to "pending". */
  setModeration(downloadID: string, state: WbModeration): void {
    const file = this.#files.get(downloadID);
    if (file === undefined) throw new Error(`FakeWildberries: no file ${downloadID}`);
    file.moderation = state;
    file.pendingPolls = undefined;
  }

  /**
   * Spec silent on whether replySign expires or rotates (ref §11.7). The chat gets a new one;
   * the old one answers "Invalid signature" from now on. Returns the new sign.
   */
  rotateReplySign(chatID: string): string {
    const chat = this.#chat(chatID);
    this.#signs.delete(chat.replySign);
    chat.replySign = `${chatID}:${hex(64)}`;
    this.#signs.set(chat.replySign, chatID);
    return chat.replySign;
  }

  // --- inspection ----------------------------------------------------------------------------

  /** Accepted sends through the API, oldest first. */
  sentBySeller(chatID: string): SellerSent[] {
    return [...this.#chat(chatID).sent];
  }

  /** The chat's current replySign (what GET /chats shows). */
  replySignOf(chatID: string): string {
    return this.#chat(chatID).replySign;
  }

  /** The chat's events as GET /events would describe them, oldest first. */
  eventsOf(chatID: string): Record<string, unknown>[] {
    return this.#chat(chatID).events.map((e) => this.#eventDto(e));
  }

  chatIDs(): string[] {
    return [...this.#chats.keys()];
  }

  /** Requests to one operation (or ping/basket), whatever their answer. */
  countByOperation(key: WbKey): number {
    return this.requests.filter((r) => r.key === key).length;
  }

  /**
   * Requests per path, keyed "METHOD template" for the spec's routes ("GET
   * /api/v1/seller/download/{id}") and "METHOD path" for anything else.
   */
  callsByPath(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.requests) {
      const route = ROUTES.find((x) => x.key === r.key);
      const label = `${r.method} ${route?.template ?? r.path}`;
      counts[label] = (counts[label] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * The most requests to the four chat operations (or to `keys`) that arrived within any 10 s,
   * whatever their answer (401s and 429s included), by the fake's clock; only those that arrived
   * at or after `since`, when given.
   */
  maxRequestsIn10s(keys: readonly WbKey[] = CHAT_OPERATIONS, since?: Date): number {
    const from = since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const times = this.requests
      .filter((r) => r.key !== undefined && keys.includes(r.key) && r.at.getTime() >= from)
      .map((r) => r.at.getTime())
      .sort((a, b) => a - b);
    let best = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] ?? 0) - (times[start] ?? 0) >= WINDOW_MS) start += 1;
      best = Math.max(best, end - start + 1);
    }
    return best;
  }

  // --- internals: world ----------------------------------------------------------------------

  #chat(chatID: string): StoredChat {
    const chat = this.#chats.get(chatID);
    if (chat === undefined) throw new Error(`FakeWildberries: no chat ${chatID}`);
    return chat;
  }

  /**
   * Event times are unique and grow, and each is later than every `next` handed out, so an
   * exclusive cursor never skips an event written after it was issued. Spec silent (ref §11.4)
   * on ties and on late writes; the fake has neither.
   */
  #stamp(): number {
    this.#lastStamp = Math.max(this.#now().getTime(), this.#lastStamp + 1);
    return this.#lastStamp;
  }

  #buyerFile(
    chatID: string,
    bytes: Uint8Array,
    kind: "file" | "image",
    name: string,
    contentType: string,
    options: FileOptions,
  ): BuyerFile {
    const chat = this.#chat(chatID);
    const file = this.#storeFile(Buffer.from(bytes), kind, name, contentType, options);
    const event = this.#append(chat, {
      sender: "client",
      source: options.source ?? "rusite",
      text: options.text,
      files: [file],
    });
    return {
      eventID: event.eventID,
      downloadID: file.downloadID,
      url: this.#basketUrl(file),
    };
  }

  #storeFile(
    bytes: Buffer,
    kind: "file" | "image",
    name: string,
    contentType: string,
    options: FileOptions,
  ): StoredFile {
    const downloadID = options.downloadID ?? randomUUID();
    if (this.#files.has(downloadID)) throw new Error(`FakeWildberries: file ${downloadID} exists`);
    const extension = contentType === "application/pdf" ? "pdf" : contentType.split("/")[1];
    const file: StoredFile = {
      downloadID,
      kind,
      name,
      bytes,
      contentType,
      moderation: options.moderation ?? "approved",
      pendingPolls: options.pendingPolls,
      afterPending: options.afterPending ?? "approved",
      date: attachmentDate(this.#now().getTime()),
      basketPath: `vol0/part${1000 + (this.#files.size % 9000)}/${randomUUID()}/${extension}/${downloadID}.${extension === "jpeg" ? "jpg" : extension}`,
    };
    this.#files.set(downloadID, file);
    return file;
  }

  #basketUrl(file: StoredFile): string {
    return `${this.url}/basket/${file.basketPath}`;
  }

  #append(
    chat: StoredChat,
    init: {
      sender: WbSender;
      source: string | undefined;
      text: string | undefined;
      files: StoredFile[];
      bare?: boolean;
    },
  ): StoredEvent {
    const isNewChat = chat.events.length === 0;
    const event: StoredEvent = {
      chatID: chat.chatID,
      eventID: randomUUID(),
      isNewChat,
      // "Доступна только при isNewChat: true" (ref §8); the sign current at that moment.
      replySign: isNewChat ? chat.replySign : undefined,
      // In the example only the first event carries the goodCard (ref §10).
      goodCard: isNewChat ? chat.goodCard : undefined,
      text: init.text,
      hasMessage: init.bare !== true,
      files: init.files,
      source: init.source,
      addTimestamp: this.#stamp(),
      sender: init.sender,
      // The example has clientName on the buyer's events only (ref §10).
      clientName: init.sender === "client" ? chat.clientName : undefined,
    };
    chat.events.push(event);
    this.#events.push(event);
    return event;
  }

  #eventDto(event: StoredEvent): Record<string, unknown> {
    const attachments: Record<string, unknown> = {};
    if (event.goodCard !== undefined) attachments.goodCard = { ...event.goodCard };
    const files = event.files.filter((f) => f.kind === "file");
    const images = event.files.filter((f) => f.kind === "image");
    if (files.length > 0) {
      attachments.files = files.map((f) => ({
        contentType: f.contentType,
        date: f.date,
        downloadID: f.downloadID,
        name: f.name,
        url: this.#basketUrl(f),
        size: f.bytes.length,
      }));
    }
    if (images.length > 0) {
      attachments.images = images.map((f) => ({
        date: f.date,
        downloadID: f.downloadID,
        url: this.#basketUrl(f),
      }));
    }
    const message: Record<string, unknown> = {};
    if (Object.keys(attachments).length > 0) message.attachments = attachments;
    if (event.text !== undefined) message.text = event.text;
    // Key order as in the spec's example.
    return {
      chatID: event.chatID,
      eventID: event.eventID,
      eventType: "message",
      ...(event.isNewChat ? { isNewChat: true } : {}),
      ...(event.hasMessage ? { message } : {}),
      ...(event.source === undefined ? {} : { source: event.source }),
      addTimestamp: event.addTimestamp,
      addTime: utcSeconds(event.addTimestamp),
      ...(event.replySign === undefined ? {} : { replySign: event.replySign }),
      sender: event.sender,
      ...(event.clientName === undefined ? {} : { clientName: event.clientName }),
    };
  }

  #chatDto(chat: StoredChat): Record<string, unknown> {
    const last = chat.events.findLast((e) => e.hasMessage);
    return {
      chatID: chat.chatID,
      replySign: chat.replySign,
      clientName: chat.clientName,
      ...(chat.goodCard === undefined ? {} : { goodCard: { ...chat.goodCard } }),
      ...(last === undefined
        ? {}
        : { lastMessage: { text: last.text ?? "", addTimestamp: last.addTimestamp } }),
    };
  }

  // --- internals: HTTP -----------------------------------------------------------------------

  protected override crashBody(error: unknown): string {
    return JSON.stringify(
      gatewayProblem(500, "internal server error", `fake failure: ${String(error)}`, Date.now()),
    );
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const query = url.searchParams;
    const at = this.#now();
    const route = ROUTES.find((r) => r.pattern.test(path));
    const routed = route !== undefined && route.method === method ? route : undefined;

    const cap = this.#maxTotalFileBytes + 8 * MIB;
    const { bytes, size } = await readBody(req, cap);
    const contentType = req.headers["content-type"] ?? "";
    const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
    let parts: Part[] | undefined;
    let parseError: string | undefined;
    if (routed?.key === "postV1SellerMessage" && mediaType === "multipart/form-data") {
      if (size > cap) {
        parseError = `larger than ${cap} bytes (${size})`;
      } else {
        try {
          parts = parseMultipart(bytes, contentType);
        } catch (error) {
          parseError = (error as Error).message;
        }
      }
    }
    const authorization = req.headers.authorization;
    this.requests.push({
      method,
      path,
      key: route?.key,
      query,
      headers: headersWithoutCredentials(req),
      auth:
        authorization === undefined || authorization === ""
          ? "missing"
          : /^bearer\s/i.test(authorization)
            ? "bearer"
            : "raw",
      ...(parts === undefined
        ? {}
        : {
            parts: parts.map((p) => ({
              name: p.name,
              ...(p.filename === undefined ? {} : { filename: p.filename }),
              ...(p.contentType === undefined ? {} : { contentType: p.contentType }),
              size: p.bytes.length,
            })),
          }),
      bodySize: size,
      at,
    });

    const check =
      route === undefined
        ? { violations: [`${method} ${path}: no such operation in the contract`] }
        : routed === undefined
          ? { violations: [`${method} ${path}: the contract has only ${route.method} here`] }
          : this.#checkContract(routed, path, query, size, mediaType, parts, parseError);
    if (check.violations.length > 0) {
      this.contractViolations.push({ method, path, errors: check.violations });
    }

    const faults = await this.arrive(route?.key, req, res);
    if (faults === undefined) return;
    const outcome =
      faults.fail !== undefined
        ? this.#injected(faults.fail, route?.key)
        : this.#answer(req, route, routed, path, query, check, parts ?? []);
    if (faults.resetAfterProcessing) {
      req.socket.destroy();
      return;
    }
    if (outcome.status === 429) this.#count429 += 1;
    writeOutcome(res, outcome, faults.truncate, WB_JSON);
  }

  /** An injected failure: its own body, else the spec's body for the status. */
  #injected(options: FailOptions, key: WbKey | undefined): Outcome {
    const now = this.#now().getTime();
    let fallback: Outcome;
    if (options.status === 400) {
      fallback =
        key === "postV1SellerMessage"
          ? problem(400, badRequest("Bad Request"))
          : json(400, badRequest("Bad Request"));
    } else if (options.status === 402) {
      // The spec's 402 example (ref §4).
      fallback = problem(402, {
        title: "payment required",
        detail:
          "wb solution for business has insufficient funds on its balance. please top up the balance in the company's personal account https://dev.wildberries.ru/company",
      });
    } else if (options.status === 451) {
      fallback = problem(451, this.#refusedBody());
    } else {
      const text = STATUS_TEXT[options.status] ?? `HTTP ${options.status}`;
      fallback = problem(
        options.status,
        gatewayProblem(options.status, text.toLowerCase(), text, now),
      );
    }
    const given = options.body !== undefined;
    return {
      status: options.status,
      body: given ? options.body : fallback.body,
      headers: {
        ...(!given
          ? fallback.headers
          : {
              "content-type":
                typeof options.body === "string" ? "text/plain; charset=utf-8" : JSON_TYPE,
            }),
        ...options.headers,
      },
    };
  }

  #answer(
    req: IncomingMessage,
    route: Route | undefined,
    routed: Route | undefined,
    path: string,
    query: URLSearchParams,
    check: Check,
    parts: Part[],
  ): Outcome {
    const now = this.#now().getTime();
    // Spec silent on unknown routes and wrong methods (no such answers are documented).
    if (route === undefined) {
      return problem(404, gatewayProblem(404, "not found", `no route for ${path}`, now));
    }
    if (routed === undefined) {
      return problem(405, gatewayProblem(405, "method not allowed", `use ${route.method}`, now));
    }
    if (routed.key === "basket") return this.#serveBasket(path);

    const token = this.#authenticate(req, now);
    if (!("token" in token)) return token;
    const limited = this.#limit(token.token, routed.key, now);
    if (limited !== undefined) return limited;

    switch (routed.key) {
      case "ping":
        return json(200, { TS: mskSeconds(now), Status: "OK" });
      case "getV1SellerChats":
        // No 400 is documented here: a violation is only recorded.
        return this.#listChats();
      case "getV1SellerEvents":
        return check.reject !== undefined
          ? json(400, badRequest(check.reject))
          : this.#listEvents(query, now);
      case "postV1SellerMessage":
        return check.reject !== undefined
          ? problem(400, badRequest(check.reject))
          : this.#send(parts);
      case "getV1SellerDownloadId":
        return check.reject !== undefined
          ? json(400, badRequest(check.reject, check.reject))
          : this.#download(path);
    }
  }

  /**
   * The token is the whole Authorization value (WB's `HeaderApiKey`, ref §2). "Bearer <token>"
   * is accepted only with `bearerPrefix: "accept"`. Spec silent on the 401 wording: always the
   * spec's one 401 example's detail.
   */
  #authenticate(req: IncomingMessage, now: number): { token: StoredToken } | Outcome {
    let value = req.headers.authorization ?? "";
    if (this.#bearer === "accept") value = value.replace(/^bearer\s+/i, "");
    const token = value === "" || this.#revoked.has(value) ? undefined : this.#tokens.get(value);
    if (token === undefined) {
      return problem(
        401,
        gatewayProblem(
          401,
          "unauthorized",
          "token problem; token is malformed: could not base64 decode signature: illegal base64 data at input byte 84",
          now,
        ),
      );
    }
    if (!token.categories.includes(CATEGORY)) {
      // The spec's Response403TokenCategory example (ref §2); /ping checks the category too.
      return problem(403, {
        status: 403,
        statusText: "Forbidden",
        title: "Forbidden",
        detail: "scope is not allowed for this resource",
        requestId: randomUUID(),
        origin: "ag-marketplace",
        timestamp: utcSeconds(now),
      });
    }
    return { token };
  }

  /**
   * Spec silent on whether refused requests use up the budget: only admitted ones count, and
   * 401/403 answers are not attributed to a token at all. Limits are per token (the tables say
   * "per seller account"; each configured token stands for one).
   */
  #limit(token: StoredToken, key: WbKey, now: number): Outcome | undefined {
    if (!this.#rateLimits) return undefined;
    const buckets: [string, WbLimit][] = [];
    if (key === "ping") {
      buckets.push([`${token.token}|ping`, PING_LIMIT]);
    } else if (key !== "basket") {
      const own = token.type === "basic" ? BASIC_LIMITS[key] : STANDARD_LIMIT;
      buckets.push([`${token.token}|${key}`, own]);
      if (this.#shared) buckets.push([`${token.token}|chat`, STANDARD_LIMIT]);
    }
    const limiters = buckets.map(([id, spec]) => {
      let limiter = this.#limiters.get(id);
      if (limiter === undefined) {
        limiter = new Limiter(spec);
        this.#limiters.set(id, limiter);
      }
      return limiter;
    });
    const wait = Math.max(0, ...limiters.map((l) => l.waitMs(now)));
    if (wait > 0) {
      // The spec's 429 example (ref §3): detail "limited by <uuid>".
      const body = gatewayProblem(429, "too many requests", `limited by ${randomUUID()}`, now);
      const headers: Record<string, string> = this.#retryHeader
        ? { "x-ratelimit-retry": String(Math.ceil(wait / 1000)) }
        : {};
      return problem(429, body, headers);
    }
    for (const limiter of limiters) limiter.take(now);
    return undefined;
  }

  #checkContract(
    route: Route,
    path: string,
    query: URLSearchParams,
    size: number,
    mediaType: string,
    parts: Part[] | undefined,
    parseError: string | undefined,
  ): Check {
    const check: Check = { violations: [] };
    const fail = (violation: string, reject?: string) => {
      check.violations.push(violation);
      if (reject !== undefined) check.reject ??= reject;
    };
    for (const name of new Set(query.keys())) {
      if (!route.query.includes(name)) {
        fail(
          `query.${name}: unknown parameter (the contract does not define it)`,
          `unknown parameter "${name}"`,
        );
      } else if (query.getAll(name).length > 1) {
        fail(`query.${name}: given more than once`, `Invalid value for "${name}"`);
      }
    }
    if (route.method === "GET" && size > 0) {
      fail(`(body): a GET has no request body (${size} bytes sent)`);
    }
    if (route.key === "getV1SellerEvents") this.#checkNext(query, fail);
    if (route.key === "getV1SellerDownloadId") {
      const raw = route.pattern.exec(path)?.[1] ?? "";
      try {
        decodeURIComponent(raw);
      } catch {
        fail("path.id: malformed percent-encoding", "invalid fileID");
      }
    }
    if (route.key === "postV1SellerMessage") {
      this.#checkMessage(size, mediaType, parts, parseError, fail);
    }
    return check;
  }

  #checkNext(query: URLSearchParams, fail: (violation: string, reject?: string) => void): void {
    const raw = query.get("next");
    if (raw === null) return;
    // The spec's two 400 examples (ref §5.2): "Invalid number" and `Invalid value for "next"`.
    if (!/^-?[0-9]+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      fail(`query.next: must be integer, got ${JSON.stringify(raw)}`, "Invalid number");
      return;
    }
    const value = Number(raw);
    if (value <= 0) {
      // 0 is documented as refused; a negative moment is refused the same way (spec silent).
      fail(
        `query.next: must be a positive Unix timestamp in ms, got ${raw}`,
        'Invalid value for "next"',
      );
    } else if (value < 100_000_000_000) {
      // "Unix timestamp с миллисекундами" (ref §5.2). A value before 1973 in ms is most likely
      // seconds; WB would answer it (from 1970), so the fake records it and answers too.
      fail(`query.next: ${raw} looks like seconds; the contract wants milliseconds`);
    }
  }

  #checkMessage(
    size: number,
    mediaType: string,
    parts: Part[] | undefined,
    parseError: string | undefined,
    fail: (violation: string, reject?: string) => void,
  ): void {
    // The body "required: true" as multipart/form-data (ref §5.3). Spec silent on the wording
    // of these refusals.
    if (size === 0 && mediaType === "") {
      fail("(body): request body is required", "request Content-Type isn't multipart/form-data");
      return;
    }
    if (mediaType !== "multipart/form-data") {
      fail(
        `Content-Type: must be multipart/form-data, got "${mediaType}"`,
        "request Content-Type isn't multipart/form-data",
      );
      return;
    }
    if (parseError?.startsWith("larger than") === true) {
      // Far beyond the total limit, so not even read: the total-size refusal of #send.
      fail(
        `(body): ${parseError}; files may total ${this.#maxTotalFileBytes} bytes`,
        `${errorId()}: attachments too big. Max total size: ${this.#maxTotalFileBytes / MIB}MiB`,
      );
      return;
    }
    if (parseError !== undefined || parts === undefined) {
      fail(
        `(body): malformed multipart/form-data (${parseError ?? "unreadable"})`,
        "malformed multipart body",
      );
      return;
    }
    const byName = new Map<string, Part[]>();
    for (const part of parts) byName.set(part.name, [...(byName.get(part.name) ?? []), part]);
    for (const [name, list] of byName) {
      if (name !== "replySign" && name !== "message" && name !== "file") {
        fail(
          `${name}: unknown part (the contract has replySign, message, file)`,
          `unknown field "${name}"`,
        );
        continue;
      }
      if (name === "file") {
        for (const part of list) {
          if (part.filename === undefined || part.filename === "") {
            fail(
              "file: must be a file part (Content-Disposition with a filename)",
              'Invalid value for "file"',
            );
          }
        }
        continue;
      }
      if (list.length > 1)
        fail(`${name}: must be one part, got ${list.length}`, `Invalid value for "${name}"`);
      if (list.some((p) => p.filename !== undefined)) {
        fail(`${name}: must be a plain field, not a file part`, `Invalid value for "${name}"`);
      }
    }
    const sign = byName.get("replySign")?.[0]?.bytes.toString("utf8");
    if (sign === undefined) {
      fail("replySign: required part is missing", 'Invalid value for "replySign"');
    } else if (sign === "") {
      fail("replySign: must not be empty", 'Invalid value for "replySign"');
    } else if ([...sign].length > 255) {
      fail(`replySign: longer than 255 characters (${[...sign].length})`, "Invalid signature");
    }
    const message = byName.get("message")?.[0]?.bytes.toString("utf8");
    // maxLength 1000 ("Максимум 1000 символов"). JSON Schema counts code points; the unit WB
    // counts is not stated, so UTF-16 code units are held to 1000 too (the stricter reading).
    if (message !== undefined && message.length > 1000) {
      fail(
        `message: at most 1000 characters, got ${[...message].length} code points (${message.length} UTF-16 units)`,
        'Invalid value for "message"',
      );
    }
  }

  #listChats(): Outcome {
    // Spec silent on the order: latest activity first, as a chat list in the portal.
    const activity = (c: StoredChat) => c.events.at(-1)?.addTimestamp ?? c.createdAt;
    const chats = [...this.#chats.values()].sort((a, b) => activity(b) - activity(a));
    // "errors" is null in the example (ref §10).
    return json(200, { result: chats.map((c) => this.#chatDto(c)), errors: null });
  }

  #listEvents(query: URLSearchParams, now: number): Outcome {
    const raw = query.get("next");
    const cursor = raw === null ? undefined : Number(raw);
    // Without `next`: every event from the first (ref §6: "to get all events, first request
    // without next"); spec silent on how far back that reaches (ref §11.4).
    const after =
      cursor === undefined
        ? this.#events
        : this.#events.filter((e) =>
            this.#cursor === "inclusive" ? e.addTimestamp >= cursor : e.addTimestamp > cursor,
          );
    const batch = after.slice(0, this.#batchSize);
    const first = batch[0];
    const last = batch.at(-1);
    // `next` = the last event's addTimestamp (ref §6, example). An empty batch: spec silent; the
    // cursor sent (still a valid value to pass, since 0 is refused), or now on a first call.
    const next = last?.addTimestamp ?? cursor ?? now;
    // Later events must come after a `next` the fake made up, or an exclusive cursor would skip
    // one stamped in the same millisecond. A cursor the client sent is not followed: a bogus
    // future value must keep hiding new events, not move the fake's clock.
    if (last === undefined && cursor === undefined) {
      this.#lastStamp = Math.max(this.#lastStamp, next);
    }
    const result: Record<string, unknown> = { next };
    if (first !== undefined && last !== undefined) {
      result.newestEventTime = utcSeconds(last.addTimestamp);
      result.oldestEventTime = utcSeconds(first.addTimestamp);
    }
    result.totalEvents = this.#totalEvents === "batch" ? batch.length : after.length;
    result.events = batch.map((e) => this.#eventDto(e));
    return json(200, { result, errors: null });
  }

  #send(parts: Part[]): Outcome {
    const sign = parts.find((p) => p.name === "replySign")?.bytes.toString("utf8") ?? "";
    const chatID = this.#signs.get(sign);
    if (chatID === undefined) return problem(400, badRequest("Invalid signature"));
    const chat = this.#chat(chatID);
    const text = parts.find((p) => p.name === "message")?.bytes.toString("utf8");
    const fileParts = parts.filter((p) => p.name === "file");
    // Ref §11.9: neither part is required. A message with files only is accepted; one with no
    // files and no text (or only white space) gets the documented `Invalid value for "message"`.
    if (fileParts.length === 0 && (text === undefined || text.trim() === "")) {
      return problem(400, badRequest('Invalid value for "message"'));
    }
    const total = fileParts.reduce((sum, p) => sum + p.bytes.length, 0);
    if (total > this.#maxTotalFileBytes) {
      // Spec silent on the wording; modelled on the per-file example.
      return problem(
        400,
        badRequest(
          `${errorId()}: attachments too big. Max total size: ${this.#maxTotalFileBytes / MIB}MiB`,
        ),
      );
    }
    const errors: string[] = [];
    const accepted: { part: Part; detected: string }[] = [];
    for (const part of fileParts) {
      const name = part.filename ?? "";
      const detected = sniff(part.bytes);
      const declared = part.contentType?.split(";")[0]?.trim().toLowerCase();
      // "JPEG, PDF или PNG": judged by the bytes; a declared type other than those three (or
      // application/octet-stream) is refused too. Spec silent on which of the two WB reads.
      const declaredOk =
        declared === undefined ||
        declared === "application/octet-stream" ||
        ALLOWED_TYPES.has(declared);
      if (detected === undefined || !declaredOk) {
        errors.push(`${errorId()}: "${name}" has unsupported mime type`);
      } else if (part.bytes.length > this.#maxFileBytes) {
        errors.push(`${errorId()}: attachment too big. Max size: ${this.#maxFileBytes / MIB}MiB`);
      } else {
        accepted.push({ part, detected });
      }
    }
    const hasText = text !== undefined && text.trim() !== "";
    const [firstError] = errors;
    if (
      firstError !== undefined &&
      (this.#fileErrors === "reject" || (accepted.length === 0 && !hasText))
    ) {
      return problem(400, badRequest(firstError));
    }
    const files = accepted.map(({ part, detected }) =>
      this.#storeFile(
        part.bytes,
        detected === "application/pdf" ? "file" : "image",
        part.filename ?? "",
        detected,
        {},
      ),
    );
    const event = this.#append(chat, {
      sender: "seller",
      source: "seller-public-api",
      text: hasText ? text : undefined,
      files,
    });
    chat.sent.push({
      eventID: event.eventID,
      replySign: sign,
      text,
      files: accepted.map(({ part, detected }, index) => ({
        name: part.filename ?? "",
        bytes: part.bytes,
        contentType: part.contentType,
        detectedType: detected,
        downloadID: files[index]?.downloadID ?? "",
      })),
      errors,
      addTimestamp: event.addTimestamp,
    });
    // `sign`: "Подпись чата", the words of Chat.replySign, so the chat's current sign (ref §8,
    // §11.7). `errors` is [] as in the example when there are none.
    return json(200, {
      result: {
        addTime: this.#sendAddTime === "message" ? event.addTimestamp : chat.createdAt,
        chatID: chat.chatID,
        sign: chat.replySign,
      },
      errors,
    });
  }

  #refusedBody(): Record<string, unknown> {
    // The 451 schema's examples (ref §5.4).
    return {
      status: 451,
      title: "Unavailable for Legal Reasons",
      origin: "proxy-chats",
      detail: "moderation error",
      requestId: requestId(),
    };
  }

  #download(path: string): Outcome {
    const raw = /^\/api\/v1\/seller\/download\/([^/]+)$/.exec(path)?.[1] ?? "";
    const file = this.#files.get(decodeURIComponent(raw));
    // Spec: 400 "invalid fileID" (ref §5.4); an unknown id is answered the same (spec silent).
    if (file === undefined) return json(400, badRequest("invalid fileID", "invalid fileID"));
    if (file.moderation === "pending") {
      if (file.pendingPolls !== undefined) {
        file.pendingPolls -= 1;
        if (file.pendingPolls < 0) {
          file.moderation = file.afterPending;
          file.pendingPolls = undefined;
          return this.#download(path);
        }
      }
      return json(202, { moderationState: "pending", retrySeconds: this.#retrySeconds });
    }
    if (file.moderation === "refused") return problem(451, this.#refusedBody());
    return { status: 200, body: file.bytes, headers: { "content-type": file.contentType } };
  }

  /**
   * The events' `url`s. Spec silent on whether they need auth or expire (ref §11.11): served
   * without credentials and outside the rate limits, only once moderation approved the file.
   */
  #serveBasket(path: string): Outcome {
    const tail = path.slice("/basket/".length);
    const file = [...this.#files.values()].find((f) => f.basketPath === tail);
    if (file === undefined || file.moderation !== "approved") {
      return { status: 404, body: "", headers: {} };
    }
    return { status: 200, body: file.bytes, headers: { "content-type": file.contentType } };
  }
}
