// In-process fake of the Ozon Seller API chat methods, served over real HTTP.
//
// Built from the official (2026) swagger in test/contract/ozon-chat-openapi.json and
// /work/shared/specs/CHAT-API-REFERENCE.md section A, never from any client implementation.
// Where the spec is silent the fake picks the stricter or the more realistic behaviour; each
// such choice is marked "Spec silent:" below so a failing client test can be traced to it.
//
// Realism a client must survive:
// - Message ids are uint64 values above 2^53 and go out as bare JSON numbers (as real Ozon did
//   for /v2/chat/list), so a client that uses JSON.parse or Number() loses digits. Steps between
//   ids vary; every third one is smaller than 512, the spacing of doubles near 3e18, so rounded
//   ids even collide.
// - Request bodies are parsed losslessly and validated against the contract; a violation is
//   recorded in `contractViolations` and answered with HTTP 400.
// - Chat files are served only with Client-Id and Api-Key headers.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseLossless } from "../contract/lossless-json.ts";
import { integerValue, ozonChatPaths, validateOzonRequest } from "../contract/schema.ts";
import type { JsonStyle, Outcome } from "./fake-server.ts";
import {
  FakeServer,
  failureOutcome,
  headersWithoutCredentials,
  readBody,
  writeOutcome,
} from "./fake-server.ts";
import { CONTENT_TYPES as COMMON_CONTENT_TYPES, contentTypeFor, extensionOf } from "./mime.ts";

export { parseLossless } from "../contract/lossless-json.ts";
export type { FailOptions } from "./faults.ts";

export type OzonChatType =
  | "UNSPECIFIED"
  | "SELLER_SUPPORT"
  | "BUYER_SELLER"
  | "BUYER_SELLER_SELECT"
  | "SELLER_API_UPDATES"
  | "SELLER_API_NOTIFICATIONS"
  | "SELLER_NOTIFICATION_LOGISTICS"
  | "SELLER_NOTIFICATION_UPDATE_CONTENT"
  | "SELLER_PERSONAL_MANAGER_UNITY_CRM"
  | "SELLER_BUSINESS_DEVELOPMENT_GROUP";
export type OzonChatStatus = "OPENED" | "CLOSED";
export type OzonUserType =
  | "Customer"
  | "Seller"
  | "Crm"
  | "Courier"
  | "Support"
  | "NotificationUser";
export type OzonModerateImageStatus = "SUCCESS" | "MODERATION" | "FAILED";

export interface FakeOzonOptions {
  clientId: string;
  apiKey: string;
  /** Requests per second accepted from the client; more are answered with HTTP 429. */
  rps?: number;
  /** Clock for created_at values. */
  now?: () => Date;
  /** Spec silent on a size limit (reference D.1); set one to exercise the client's 400 path. */
  maxFileBytes?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-case names; Api-Key (and Authorization) removed. */
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** Parsed without loss: integers beyond 2^53 are bigint. Undefined if empty or invalid. */
  body: unknown;
  at: Date;
}

export interface ContractViolation {
  path: string;
  errors: string[];
}

export type SellerSent =
  | { kind: "text"; messageId: string; text: string }
  | { kind: "file"; messageId: string; name: string; bytes: Buffer; url: string };

export interface ChatOptions {
  chatId?: string;
  type?: OzonChatType | (string & {});
  status?: OzonChatStatus;
  orderNumber?: string;
}

export interface MessageContext {
  orderNumber?: string;
  sku?: string;
}

export interface AttachmentOptions extends MessageContext {
  /**
   * "same-host": the link answers 302 to another path on this fake (also authenticated).
   * Any other string: the link answers 302 to that absolute URL (e.g. a second server that
   * checks no credentials arrive there).
   */
  redirect?: "same-host" | (string & {});
  /** Images only. Default SUCCESS. */
  moderation?: OzonModerateImageStatus;
}

export interface Attachment {
  messageId: string;
  /** The URL written into the message's markdown. */
  url: string;
}

export interface FakeMessage {
  messageId: string;
  userType: string;
  userId: string;
  data: string[];
  isRead: boolean;
  isImage: boolean;
}

interface StoredMessage {
  id: bigint;
  userId: string;
  userType: string;
  createdAt: Date;
  isRead: boolean;
  data: string[];
  isImage: boolean;
  moderation?: OzonModerateImageStatus;
  orderNumber: string;
  sku: string;
}

interface StoredChat {
  id: string;
  type: string;
  status: OzonChatStatus;
  createdAt: Date;
  orderNumber: string;
  buyerId: string;
  messages: StoredMessage[];
  /** Id-space value of the latest event (creation or message); orders /v3/chat/list. */
  activity: bigint;
  sendWindowClosed: boolean;
  sent: SellerSent[];
}

type StoredFile =
  | { kind: "bytes"; bytes: Buffer; contentType: string }
  | { kind: "redirect"; location: string };

interface Posting {
  fbo: boolean;
  chatId?: string;
}

const API_PATHS = new Set(ozonChatPaths());
const FILE_PREFIX = "/v2/chat/file/";
const FIRST_MESSAGE_ID = 3000000000817031942n;
const UINT64_MASK = (1n << 64n) - 1n;
const IMAGE_EXTENSIONS = new Set(["jpg", "jpeg", "png", "gif", "webp", "bmp", "heic"]);
const CONTENT_TYPES = { ...COMMON_CONTENT_TYPES, bmp: "image/bmp" };
// Node 24 has JSON.rawJSON (it lets a replacer emit exact digits); TS's es2024 lib lacks it.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

// gRPC status codes as grpc-gateway maps them to HTTP (reference A.7).
const GRPC_CODE_BY_HTTP: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 6,
  429: 8,
  500: 13,
  501: 12,
  503: 14,
  504: 4,
};
const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  429: "Too Many Requests",
  500: "Internal error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

// Spec silent: the wording of a send attempt outside the 48-hour window is undocumented
// (reference D.3); HTTP 403 with PermissionDenied (7) follows "403 Доступ запрещён" in the spec.
export const SEND_WINDOW_CLOSED_MESSAGE =
  "The 48-hour reply window after the buyer's last message has expired, sending is not allowed";
// Spec silent: the wording for FBO postings is undocumented; the rule itself is in the spec
// ("FBO — начать чат может только покупатель").
export const FBO_START_MESSAGE = "A chat for an FBO posting can only be started by the buyer";

function rpcStatus(code: number, message: string): Record<string, unknown> {
  return { code, message, details: [] };
}

function rpc(status: number, code: number, message: string): Outcome {
  return { status, body: rpcStatus(code, message) };
}

/** JSON text in Ozon's style: bigint ids become bare numbers with every digit intact. */
export function toOzonJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "bigint" ? rawJSON(v.toString()) : v,
  );
}

const OZON_JSON: JsonStyle = { stringify: toOzonJson, contentType: "application/json" };

function errorEnvelope(status: number): Record<string, unknown> {
  return rpcStatus(GRPC_CODE_BY_HTTP[status] ?? 2, STATUS_TEXT[status] ?? `HTTP ${status}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function orderOfPosting(postingNumber: string): string {
  // An Ozon posting number is the order number plus "-<n>" ("47873153-0052-1").
  const cut = postingNumber.lastIndexOf("-");
  return cut > 0 ? postingNumber.slice(0, cut) : postingNumber;
}

/** Faults (failNext, delayNext, …) are keyed by path; "*" matches every path. */
export class FakeOzon extends FakeServer<string> {
  readonly requests: RecordedRequest[] = [];
  readonly contractViolations: ContractViolation[] = [];

  readonly #clientId: string;
  readonly #apiKey: string;
  readonly #rps: number | undefined;
  readonly #now: () => Date;
  readonly #maxFileBytes: number | undefined;
  readonly #chats = new Map<string, StoredChat>();
  readonly #files = new Map<string, StoredFile>();
  readonly #postings = new Map<string, Posting>();
  readonly #acceptedAt: number[] = [];
  #nextId = FIRST_MESSAGE_ID;
  #idCount = 0;
  #rng = 0x9e3779b97f4a7c15n;
  #buyerCount = 0;

  constructor(options: FakeOzonOptions) {
    super("FakeOzon");
    // Real Client-Ids are positive integers and Ozon rejects anything else (400, code 3).
    if (!/^[1-9][0-9]*$/.test(options.clientId)) {
      throw new Error(
        `FakeOzon: clientId must be a positive integer string, got "${options.clientId}"`,
      );
    }
    this.#clientId = options.clientId;
    this.#apiKey = options.apiKey;
    this.#rps = options.rps;
    this.#now = options.now ?? (() => new Date());
    this.#maxFileBytes = options.maxFileBytes;
  }

  // --- test-side world -----------------------------------------------------------------------

  addChat(options: ChatOptions = {}): string {
    const id = options.chatId ?? randomUUID();
    if (this.#chats.has(id)) throw new Error(`FakeOzon: chat ${id} exists`);
    this.#buyerCount += 1;
    this.#chats.set(id, {
      id,
      type: options.type ?? "BUYER_SELLER",
      status: options.status ?? "OPENED",
      createdAt: this.#now(),
      orderNumber: options.orderNumber ?? "",
      buyerId: String(115568 + this.#buyerCount * 7919),
      messages: [],
      activity: this.#takeId(),
      sendWindowClosed: false,
      sent: [],
    });
    return id;
  }

  /** Returns the new message id (decimal string). */
  buyerWrites(chatId: string, text: string, context: MessageContext = {}): string {
    const chat = this.#chat(chatId);
    // The FBO/FBS rules measure the reply window from the buyer's last message.
    chat.sendWindowClosed = false;
    return this.#append(chat, chat.buyerId, "Customer", [text], false, context).id.toString();
  }

  buyerSendsImage(
    chatId: string,
    bytes: Uint8Array,
    ext: string,
    options: AttachmentOptions = {},
  ): Attachment {
    const chat = this.#chat(chatId);
    chat.sendWindowClosed = false;
    const url = this.#storeFile(bytes, ext.replace(/^\./, "").toLowerCase(), options.redirect);
    const message = this.#append(chat, chat.buyerId, "Customer", [`![](${url})`], true, options);
    message.moderation = options.moderation ?? "SUCCESS";
    return { messageId: message.id.toString(), url };
  }

  buyerSendsFile(
    chatId: string,
    bytes: Uint8Array,
    name: string,
    options: AttachmentOptions = {},
  ): Attachment {
    const chat = this.#chat(chatId);
    chat.sendWindowClosed = false;
    const url = this.#storeFile(bytes, extensionOf(name) ?? "bin", options.redirect);
    const line = `[${name} (${formatSize(bytes.byteLength)})](${url})`;
    const message = this.#append(chat, chat.buyerId, "Customer", [line], false, options);
    return { messageId: message.id.toString(), url };
  }

  /** A message from Ozon's side: Crm, Courier, Support, NotificationUser, or any other type. */
  systemWrites(chatId: string, type: OzonUserType | (string & {}), text: string): string {
    const chat = this.#chat(chatId);
    return this.#append(chat, `${type.toLowerCase()}-1`, type, [text], false, {}).id.toString();
  }

  /** The seller answers in the Ozon web cabinet: a Seller message the API did not send. */
  sellerWritesInCabinet(chatId: string, text: string): string {
    const chat = this.#chat(chatId);
    return this.#append(chat, this.#clientId, "Seller", [text], false, {}).id.toString();
  }

  /** Someone reads the chat in the Ozon web cabinet. */
  sellerReadsInCabinet(chatId: string): void {
    for (const message of this.#chat(chatId).messages) message.isRead = true;
  }

  closeChat(chatId: string): void {
    this.#chat(chatId).status = "CLOSED";
  }

  /** send/message and send/file answer 403 until the buyer writes again (or closed=false). */
  setSendWindowClosed(chatId: string, closed = true): void {
    this.#chat(chatId).sendWindowClosed = closed;
  }

  /** A posting /v1/chat/start knows; `chatId` fixes the chat it opens (created on demand). */
  addPosting(postingNumber: string, options: { fbo?: boolean; chatId?: string } = {}): void {
    this.#postings.set(postingNumber, { fbo: options.fbo ?? false, chatId: options.chatId });
  }

  // --- inspection ----------------------------------------------------------------------------

  /** Texts and files that arrived through send/message and send/file, oldest first. */
  sentBySeller(chatId: string): SellerSent[] {
    return [...this.#chat(chatId).sent];
  }

  countByPath(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  unread(chatId: string): number {
    return this.#unread(this.#chat(chatId)).length;
  }

  messages(chatId: string): FakeMessage[] {
    return this.#chat(chatId).messages.map((m) => ({
      messageId: m.id.toString(),
      userType: m.userType,
      userId: m.userId,
      data: [...m.data],
      isRead: m.isRead,
      isImage: m.isImage,
    }));
  }

  chatStatus(chatId: string): OzonChatStatus {
    return this.#chat(chatId).status;
  }

  // --- internals -----------------------------------------------------------------------------

  #chat(chatId: string): StoredChat {
    const chat = this.#chats.get(chatId);
    if (chat === undefined) throw new Error(`FakeOzon: no chat ${chatId}`);
    return chat;
  }

  #takeId(): bigint {
    const id = this.#nextId;
    this.#idCount += 1;
    this.#rng = (this.#rng * 6364136223846793005n + 1442695040888963407n) & UINT64_MASK;
    const random = this.#rng >> 33n;
    this.#nextId += this.#idCount % 3 === 0 ? 1n + (random % 500n) : 1000n + (random % 4_000_000n);
    return id;
  }

  #append(
    chat: StoredChat,
    userId: string,
    userType: string,
    data: string[],
    isImage: boolean,
    context: MessageContext,
  ): StoredMessage {
    const message: StoredMessage = {
      id: this.#takeId(),
      userId,
      userType,
      createdAt: this.#now(),
      // Spec silent on whose reading is_read reflects; here it is the seller's, so the seller's
      // own messages never count as unread.
      isRead: userType === "Seller",
      data,
      isImage,
      orderNumber: context.orderNumber ?? chat.orderNumber,
      sku: context.sku ?? "",
    };
    chat.messages.push(message);
    chat.activity = message.id;
    return message;
  }

  #unread(chat: StoredChat): StoredMessage[] {
    return chat.messages.filter((m) => !m.isRead);
  }

  #storeFile(bytes: Uint8Array, ext: string, redirect: string | undefined): string {
    const key = `${randomUUID()}.${ext}`;
    this.#files.set(key, {
      kind: "bytes",
      bytes: Buffer.from(bytes),
      contentType: contentTypeFor(ext, CONTENT_TYPES),
    });
    const direct = `${this.url}${FILE_PREFIX}${key}`;
    if (redirect === undefined) return direct;
    const hop = `redirect/${randomUUID()}.${ext}`;
    this.#files.set(hop, {
      kind: "redirect",
      location: redirect === "same-host" ? direct : redirect,
    });
    return `${this.url}${FILE_PREFIX}${hop}`;
  }

  protected override crashBody(error: unknown): string {
    return toOzonJson(rpcStatus(13, `fake failure: ${String(error)}`));
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const method = req.method ?? "GET";
    const rawBody = (await readBody(req)).bytes.toString("utf8");

    let body: unknown;
    let parseError: string | undefined;
    if (rawBody !== "") {
      try {
        body = parseLossless(rawBody);
      } catch (error) {
        parseError = (error as Error).message;
      }
    }
    const headers = headersWithoutCredentials(req);
    this.requests.push({ method, path, headers, rawBody, body, at: new Date() });

    const isFile = method === "GET" && path.startsWith(FILE_PREFIX);
    const violations = isFile
      ? []
      : this.#checkContract(req, method, path, rawBody, body, parseError);
    if (violations.length > 0) this.contractViolations.push({ path, errors: violations });

    const faults = await this.arrive(path, req, res);
    if (faults === undefined) return;
    const outcome =
      faults.fail !== undefined
        ? failureOutcome(faults.fail, errorEnvelope)
        : (this.#authenticate(req) ??
          this.#rateLimit() ??
          this.#answer(path, method, body, violations));
    if (faults.resetAfterProcessing) {
      req.socket.destroy();
      return;
    }
    writeOutcome(res, outcome, faults.truncate, OZON_JSON);
  }

  #checkContract(
    req: IncomingMessage,
    method: string,
    path: string,
    rawBody: string,
    body: unknown,
    parseError: string | undefined,
  ): string[] {
    if (!API_PATHS.has(path)) return [`${method} ${path}: no such operation in the contract`];
    if (method !== "POST") return [`${method} ${path}: chat methods are POST only`];
    const errors: string[] = [];
    const contentType = req.headers["content-type"] ?? "";
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      errors.push(`Content-Type: must be application/json, got "${contentType}"`);
    }
    if (rawBody === "") return [...errors, "(body): request body is required"];
    if (parseError !== undefined) return [...errors, `(body): not valid JSON (${parseError})`];
    return [...errors, ...validateOzonRequest(path, body)];
  }

  #authenticate(req: IncomingMessage): Outcome | undefined {
    const clientId = req.headers["client-id"];
    const apiKey = req.headers["api-key"];
    // Observed live by third parties ([3P], not in the spec): missing headers → 401/16,
    // malformed Client-Id → 400/3, unknown key or Client-Id → 404/5 (not 401/403).
    if (
      typeof clientId !== "string" ||
      typeof apiKey !== "string" ||
      clientId === "" ||
      apiKey === ""
    ) {
      return rpc(401, 16, "Client-Id and Api-Key headers are required");
    }
    if (!/^[0-9]+$/.test(clientId)) {
      return rpc(400, 3, "Client-Id header value should be positive integer");
    }
    if (clientId !== this.#clientId || apiKey !== this.#apiKey) {
      return rpc(404, 5, "Invalid Api-Key, please check the key and try again");
    }
    return undefined;
  }

  #rateLimit(): Outcome | undefined {
    if (this.#rps === undefined) return undefined;
    const now = performance.now();
    while (this.#acceptedAt.length > 0 && (this.#acceptedAt[0] ?? 0) <= now - 1000) {
      this.#acceptedAt.shift();
    }
    // Rejected requests do not use up the budget (spec silent; a sliding one-second window).
    if (this.#acceptedAt.length >= this.#rps) {
      return rpc(429, 8, "You have reached request rate limit per second");
    }
    this.#acceptedAt.push(now);
    return undefined;
  }

  #serveFile(path: string): Outcome {
    const file = this.#files.get(path.slice(FILE_PREFIX.length));
    if (file === undefined) return rpc(404, 5, "file not found");
    if (file.kind === "redirect") {
      return { status: 302, body: "", headers: { location: file.location } };
    }
    return {
      status: 200,
      body: file.bytes,
      headers: { "content-type": file.contentType },
    };
  }

  #answer(path: string, method: string, body: unknown, violations: string[]): Outcome {
    if (method === "GET" && path.startsWith(FILE_PREFIX)) return this.#serveFile(path);
    // grpc-gateway routing answers before any body is looked at.
    if (!API_PATHS.has(path)) return rpc(404, 5, "Not Found");
    if (method !== "POST") return rpc(405, 12, "Method Not Allowed");
    if (violations.length > 0) return rpc(400, 3, violations.join("; "));
    return this.#route(path, body as Record<string, unknown>);
  }

  #route(path: string, body: Record<string, unknown>): Outcome {
    switch (path) {
      case "/v3/chat/list":
        return this.#list(body);
      case "/v3/chat/history":
        return this.#history(body);
      case "/v1/chat/send/message":
        return this.#sendMessage(body);
      case "/v1/chat/send/file":
        return this.#sendFile(body);
      case "/v1/chat/start":
        return this.#start(body);
      case "/v2/chat/read":
        return this.#read(body);
      default:
        return rpc(404, 5, "Not Found");
    }
  }

  #list(body: Record<string, unknown>): Outcome {
    const limit = Number(integerValue(body.limit) ?? 30n);
    const filter = isObject(body.filter) ? body.filter : {};
    const status =
      typeof filter.chat_status === "string" ? filter.chat_status.toUpperCase() : "ALL";
    let chats = [...this.#chats.values()]
      .filter((c) => status === "ALL" || c.status === status)
      .filter((c) => filter.unread_only !== true || this.#unread(c).length > 0)
      .sort((a, b) => (a.activity < b.activity ? 1 : a.activity > b.activity ? -1 : 0));
    // The cursor is the activity key of the last chat returned (keyset paging): a chat that
    // gets a new message moves to the front and is seen on the next poll, never twice.
    if (typeof body.cursor === "string" && body.cursor !== "") {
      if (!/^[0-9]+$/.test(body.cursor)) return rpc(400, 3, "invalid cursor");
      const after = BigInt(body.cursor);
      chats = chats.filter((c) => c.activity < after);
    }
    const page = chats.slice(0, limit);
    const last = page.at(-1);
    let totalUnread = 0;
    for (const chat of this.#chats.values()) totalUnread += this.#unread(chat).length;
    return {
      status: 200,
      body: {
        chats: page.map((c) => {
          const unread = this.#unread(c);
          return {
            chat: {
              chat_id: c.id,
              chat_status: c.status,
              chat_type: c.type,
              created_at: c.createdAt.toISOString(),
            },
            // Spec silent for empty values; proto3 emits the zero value, so 0 means "none".
            first_unread_message_id: unread[0]?.id ?? 0n,
            last_message_id: c.messages.at(-1)?.id ?? 0n,
            unread_count: unread.length,
          };
        }),
        total_unread_count: totalUnread,
        cursor: last === undefined ? (body.cursor ?? "") : last.activity.toString(),
        has_next: chats.length > limit,
      },
    };
  }

  #history(body: Record<string, unknown>): Outcome {
    const chat = this.#chats.get(String(body.chat_id));
    if (chat === undefined) return rpc(404, 5, "chat not found");
    const forward = body.direction === "Forward";
    const from = integerValue(body.from_message_id);
    const limit = Number(integerValue(body.limit) ?? 50n);
    const filter = isObject(body.filter) ? body.filter : {};
    let messages = chat.messages;
    if (Array.isArray(filter.message_ids) && filter.message_ids.length > 0) {
      const wanted = new Set(filter.message_ids.map((id) => String(id)));
      messages = messages.filter((m) => wanted.has(m.id.toString()));
    }
    // Spec silent (reference D.4): from_message_id is inclusive here, and it is a position, so an
    // id that is not in the chat still works as a bound.
    if (forward) {
      messages = messages.filter((m) => from === undefined || m.id >= from);
    } else {
      messages = messages.filter((m) => from === undefined || m.id <= from).reverse();
    }
    return {
      status: 200,
      body: {
        has_next: messages.length > limit,
        messages: messages.slice(0, limit).map((m) => ({
          message_id: m.id,
          user: { id: m.userId, type: m.userType },
          created_at: m.createdAt.toISOString(),
          is_read: m.isRead,
          data: m.data,
          is_image: m.isImage,
          ...(m.moderation === undefined ? {} : { moderate_image_status: m.moderation }),
          context: { order_number: m.orderNumber, sku: m.sku },
        })),
      },
    };
  }

  #sendable(chatId: unknown): StoredChat | Outcome {
    const chat = this.#chats.get(String(chatId));
    if (chat === undefined) return rpc(404, 5, "chat not found");
    if (chat.sendWindowClosed) return rpc(403, 7, SEND_WINDOW_CLOSED_MESSAGE);
    return chat;
  }

  #sendMessage(body: Record<string, unknown>): Outcome {
    const chat = this.#sendable(body.chat_id);
    if (!("messages" in chat)) return chat;
    const text = String(body.text);
    const message = this.#append(chat, this.#clientId, "Seller", [text], false, {});
    chat.sent.push({ kind: "text", messageId: message.id.toString(), text });
    return { status: 200, body: { result: "success" } };
  }

  #sendFile(body: Record<string, unknown>): Outcome {
    const chat = this.#sendable(body.chat_id);
    if (!("messages" in chat)) return chat;
    const name = String(body.name);
    const bytes = Buffer.from(String(body.base64_content), "base64");
    if (this.#maxFileBytes !== undefined && bytes.length > this.#maxFileBytes) {
      return rpc(400, 3, `file is too large: ${bytes.length} bytes, at most ${this.#maxFileBytes}`);
    }
    const ext = extensionOf(name) ?? "bin";
    const url = this.#storeFile(bytes, ext, undefined);
    // Spec silent on how a seller's file appears in history; it mirrors what buyers' files
    // look like (reference A.5).
    const image = IMAGE_EXTENSIONS.has(ext);
    const line = image ? `![](${url})` : `[${name} (${formatSize(bytes.length)})](${url})`;
    const message = this.#append(chat, this.#clientId, "Seller", [line], image, {});
    if (image) message.moderation = "SUCCESS";
    chat.sent.push({ kind: "file", messageId: message.id.toString(), name, bytes, url });
    return { status: 200, body: { result: "success" } };
  }

  #start(body: Record<string, unknown>): Outcome {
    const postingNumber = String(body.posting_number);
    const posting = this.#postings.get(postingNumber);
    if (posting === undefined) return rpc(404, 5, "posting not found");
    if (posting.fbo) return rpc(403, 7, FBO_START_MESSAGE);
    // Spec silent (reference D.4): a repeated start returns the same chat.
    let chatId = posting.chatId;
    if (chatId === undefined || !this.#chats.has(chatId)) {
      chatId = this.addChat({ chatId, orderNumber: orderOfPosting(postingNumber) });
      posting.chatId = chatId;
    }
    return { status: 200, body: { result: { chat_id: chatId } } };
  }

  #read(body: Record<string, unknown>): Outcome {
    const chat = this.#chats.get(String(body.chat_id));
    if (chat === undefined) return rpc(404, 5, "chat not found");
    // Spec silent when from_message_id is absent; then every message counts as read.
    const upTo = integerValue(body.from_message_id);
    for (const message of chat.messages) {
      if (upTo === undefined || message.id <= upTo) message.isRead = true;
    }
    return { status: 200, body: { unread_count: this.#unread(chat).length } };
  }
}
