// Raw Wildberries buyers chat methods ("Чат с покупателями"; spec:
// test/contract/wildberries-buyers-chat-subset.json, notes: /work/shared/specs/WILDBERRIES-CHAT.md,
// cited "ref §N"). Responses are only unwrapped here; chats and events are interpreted in
// mapping.ts, the events cursor is kept by cursor.ts.
//
// All four operations go through the shared HttpClient (deadlines, size caps, credentials kept to
// the API host, secrets scrubbed from messages) and, before each attempt, through the token's
// RateLimiter. HttpClient's own retries are switched off for that reason: a retry it made would
// leave without asking the limiter. Reads are retried here instead, each attempt through the
// limiter; sends never are.

import { type Dispatcher, FormData } from "undici";
import { extensionOf } from "../../bridge/files.ts";
import { ProviderError, type ProviderErrorKind } from "../../bridge/provider.ts";
import { sleep } from "../../bridge/sleep.ts";
import { type FileSource, MAX_DOWNLOAD_BYTES } from "../files.ts";
import {
  type DownloadedBytes,
  type ErrorDescription,
  HttpClient,
  headerValue,
  parseJsonLossless,
  parseRetryAfter,
  type ResponseHeaders,
  type RetryPolicy,
} from "../http.ts";
import { isRecord, nonEmptyString } from "../wire.ts";
import type { RateLimiter } from "./limiter.ts";
import {
  bucketsFor,
  fallbackRetryMs,
  pauseBucketFor,
  sharedWbLimiter,
  type WbOperation,
} from "./limits.ts";
import {
  BUYER_CHAT_CATEGORY,
  bareToken,
  isExpired,
  readWbToken,
  type WbTokenInfo,
} from "./token.ts";

export const WILDBERRIES_API_URL = "https://buyer-chat-api.wildberries.ru";

const API_NAME = "Wildberries API";
const CHATS_PATH = "/api/v1/seller/chats";
const EVENTS_PATH = "/api/v1/seller/events";
const MESSAGE_PATH = "/api/v1/seller/message";
const DOWNLOAD_PATH = "/api/v1/seller/download/";

/**
 * Send limits (ref §5.3, §9). "5 Мб" / "30 Мб" may mean MB or MiB (ref §11.10; WB's own 400 says
 * "5MiB"): the smaller, decimal reading is enforced, so no file this client lets through can be
 * refused by WB for its size.
 */
export const WB_MAX_FILE_BYTES = 5_000_000;
export const WB_MAX_TOTAL_FILE_BYTES = 30_000_000;
/**
 * "Максимум 1000 символов": counted in UTF-16 code units, the stricter of the two usual counts
 * (code points are never more), so a text within it is within WB's limit either way.
 */
export const WB_MAX_TEXT_LENGTH = 1000;
const MAX_REPLY_SIGN_LENGTH = 255;
/** The file types a send may carry: JPEG, PNG, PDF (ref §9), with the extension each gets. */
const SEND_TYPES: Record<string, string[]> = {
  "image/jpeg": ["jpg", "jpeg"],
  "image/png": ["png"],
  "application/pdf": ["pdf"],
};
// 202 without a usable retrySeconds (spec: required, example 30).
const DEFAULT_MODERATION_RETRY_MS = 30_000;
// An X-Ratelimit-Retry of 0 must still not make a tight loop.
const MIN_RATE_LIMIT_WAIT_MS = 1_000;
const MAX_RATE_LIMIT_WAIT_MS = 60 * 60 * 1000;
/**
 * How a basic token (one call an hour per chat method) shows itself when its claims do not say
 * so: a 429 naming a wait this long (a personal token's waits are seconds), or this many 429s in
 * a row although every request waited for the limiter and every named pause.
 */
const BASIC_LIKE_WAIT_MS = 10 * 60 * 1000;
const BASIC_LIKE_RUN = 3;
// A 5 MB upload (six of them) on a slow uplink outlasts the JSON deadline.
const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;
const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 };
const INVALID_SIGNATURE_TEXT = /invalid signature|invalid value for "replySign"/i;

export interface WildberriesClientOptions {
  /** The API token; a "Bearer " prefix is dropped (WB's scheme is the bare token, ref §2). */
  token: string;
  apiUrl?: string;
  /** Deadline of one read attempt. */
  timeoutMs?: number;
  /** Deadline of one send (multipart upload). Default 120 s. */
  uploadTimeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Attempts of reads (chats, events, download) and their backoff; sends are never retried. */
  retry?: Partial<RetryPolicy>;
  /** Default: the one limiter of this token in the process (limits.ts). */
  limiter?: RateLimiter;
  /** Clock for the token's expiry in error messages. */
  now?: () => number;
}

export interface WbChatsResult {
  /** Raw `Chat` items (mapping.ts reads them). */
  chats: unknown[];
  /** The response's `errors` ([] when null or absent). */
  errors: string[];
}

export interface WbEventsPage {
  /** Raw `Event` items, in the order WB sent them. */
  events: unknown[];
  /** `result.next` when it is a positive integer (the only kind that may be sent back). */
  next: number | undefined;
  /** `result.totalEvents` when it is a non-negative integer. */
  totalEvents: number | undefined;
  oldestEventTime: string | undefined;
  newestEventTime: string | undefined;
  errors: string[];
}

export interface WbOutgoingFile {
  name: string;
  /** The type the sender believes; the bytes decide (JPEG, PNG or PDF), this only names them. */
  mime?: string;
  bytes: Uint8Array;
}

export interface WbSendRequest {
  /** The chat's signature (from chats() or a first event); required, at most 255 characters. */
  replySign: string;
  /** At most 1000 characters; blank text is left out. */
  text?: string;
  files?: readonly WbOutgoingFile[];
}

export interface WbSendResult {
  chatId: string | undefined;
  /** `result.sign` ("подпись чата"); its relation to replySign is undocumented (ref §11.7). */
  sign: string | undefined;
  /** `result.addTime` (ms): "chat creation" per the spec, maybe the message time (ref §11.6). */
  addTime: number | undefined;
  /**
   * File errors of an accepted send ("ошибки загрузки файлов"): the message went, these files
   * did not. Never a reason to send again.
   */
  errors: string[];
}

export type WbDownload =
  | { state: "ready"; bytes: Uint8Array; mime: string | undefined }
  /** 202: the file is under moderation; ask again after retryAfterMs. */
  | { state: "pending"; retryAfterMs: number; moderationState: string };

/**
 * WB refused a send's replySign (400 "Invalid signature"): the sign is stale or wrong. Re-read
 * the chat list (chats()) for the chat's current replySign and send again.
 */
export class WbReplySignError extends ProviderError {
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super("invalid", message, options);
    this.name = "WbReplySignError";
  }
}

export function isReplySignError(error: unknown): error is WbReplySignError {
  return error instanceof WbReplySignError;
}

/**
 * The wait a 429 names: X-Ratelimit-Retry (seconds), as third-party WB clients read it, else a
 * standard Retry-After. Neither is declared by the spec (ref §3, §11.2), so a value is taken
 * only within [1 s, 1 h] (1 h is the longest period of WB's tables): a header meaning something
 * else (an epoch time, say) must not park the client for years.
 */
export function wildberriesRetryAfterMs(
  headers: ResponseHeaders,
  now = Date.now(),
): number | undefined {
  const value = headerValue(headers, "x-ratelimit-retry")?.trim();
  const ms =
    value !== undefined && /^\d+(\.\d+)?$/.test(value)
      ? Math.ceil(Number(value) * 1000)
      : parseRetryAfter(headerValue(headers, "retry-after"), now);
  return ms === undefined
    ? undefined
    : Math.min(MAX_RATE_LIMIT_WAIT_MS, Math.max(MIN_RATE_LIMIT_WAIT_MS, ms));
}

/**
 * WB's own refusals (`ProviderError.code`): their kind alone would tell staff the wrong thing,
 * so the connector's words say them in the staff's language.
 */
export const WB_REFUSALS = {
  /** A buyer's file WB's moderation refused (download 451), not a right the token lacks. */
  moderation: "moderation_refused",
  /** A file WB does not take: only JPEG, PNG and PDF of at most 5 MB. */
  acceptedFiles: "accepted_files",
} as const;

/**
 * Status and problem body → ProviderError description (ref §4, §5). `token` adds what the claims
 * say (expired, read-only) to the refusals they explain.
 */
export function describeWildberriesError(
  status: number,
  body: unknown,
  token?: WbTokenInfo,
  now = Date.now(),
): ErrorDescription {
  const detail = problemDetail(body);
  const wb = detail === undefined ? "" : ` (WB: ${detail})`;
  const say = (kind: ProviderErrorKind, message: string): ErrorDescription => ({ kind, message });
  switch (status) {
    case 401: {
      const expired = token !== undefined && isExpired(token, now) === true;
      const why = expired
        ? `the token expired on ${token?.expiresAt?.toISOString()}`
        : token?.isJwt === false
          ? "the token is not a WB API token (not a JWT)"
          : "the token was refused";
      return say("auth", `${why}: create a new token in the seller portal${wb}`);
    }
    case 402:
      return say("forbidden", `payment required${wb}`);
    case 403: {
      if (detail !== undefined && /scope is not allowed/i.test(detail)) {
        return say(
          "forbidden",
          `the token lacks the "${BUYER_CHAT_CATEGORY}" (buyers chat) category: create a token with it in the seller portal, Настройки → Доступ к API${wb}`,
        );
      }
      if (detail !== undefined && /token is not allowed|token type/i.test(detail)) {
        return say("forbidden", `WB does not accept this type of token for the method${wb}`);
      }
      const readOnly = token?.readOnly === true ? ": the token is read-only" : "";
      return say("forbidden", `access denied${readOnly}${wb}`);
    }
    case 429:
      return say("rate_limited", `too many requests${wb}`);
    case 451:
      return {
        ...say("forbidden", `WB moderation refused this file; it cannot be downloaded${wb}`),
        code: WB_REFUSALS.moderation,
      };
    case 400:
      if (detail !== undefined && /invalid fileID/i.test(detail)) {
        return say("not_found", `no such file${wb}`);
      }
      return say("invalid", detail ?? "bad request");
    default:
      return detail === undefined ? {} : { message: detail };
  }
}

/** detail, else error, else title of a problem+json or proxy-chats error body. */
function problemDetail(body: unknown): string | undefined {
  if (!isRecord(body)) {
    return typeof body === "string" && body.trim() !== "" ? body.trim() : undefined;
  }
  for (const key of ["detail", "error", "title"]) {
    const value = body[key];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}

export class WildberriesClient {
  /** What the token's claims say (never the token itself). */
  readonly tokenInfo: WbTokenInfo;
  readonly #apiUrl: URL;
  readonly #auth: Record<string, string>;
  readonly #http: HttpClient;
  readonly #limiter: RateLimiter;
  readonly #retry: RetryPolicy;
  readonly #uploadTimeoutMs: number;
  readonly #now: () => number;
  /** 429s since the last answer that was not one. */
  #rateLimitedRun = 0;
  #basicLike = false;

  constructor(options: WildberriesClientOptions) {
    const token = bareToken(options.token);
    if (token === "") throw new ProviderError("auth", `${API_NAME}: the token is empty`);
    this.tokenInfo = readWbToken(token);
    this.#apiUrl = new URL(options.apiUrl ?? WILDBERRIES_API_URL);
    this.#now = options.now ?? Date.now;
    // WB's own scheme: apiKey in the Authorization header, the token as is (ref §2, §11.1).
    this.#auth = { Authorization: token };
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
    this.#limiter = options.limiter ?? sharedWbLimiter(token, this.tokenInfo.type);
    const fallbackMs = fallbackRetryMs(this.tokenInfo.type);
    this.#http = new HttpClient({
      name: API_NAME,
      baseUrl: this.#apiUrl.href,
      headers: this.#auth,
      retryAfterMs: (headers) => wildberriesRetryAfterMs(headers) ?? fallbackMs,
      describeError: (status, body) =>
        describeWildberriesError(status, body, this.tokenInfo, this.#now()),
      // Every attempt must pass the limiter: HttpClient would retry behind its back.
      retry: { attempts: 1 },
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  /**
   * WB has answered as it answers a basic token (see BASIC_LIKE_WAIT_MS). Stays true: a token's
   * type does not change while the process runs.
   */
  get throttledLikeBasic(): boolean {
    return this.#basicLike;
  }

  /** GET /api/v1/seller/chats: every chat of the seller, no paging (ref §5.1). */
  async chats(signal?: AbortSignal): Promise<WbChatsResult> {
    const body = await this.#read("chats", signal, () =>
      this.#http.json({ method: "GET", path: CHATS_PATH, idempotent: true, signal }),
    );
    const envelope = expectRecord(body, `GET ${CHATS_PATH}`);
    return {
      chats: Array.isArray(envelope.result) ? envelope.result : [],
      errors: stringList(envelope.errors),
    };
  }

  /**
   * GET /api/v1/seller/events: one batch. Without `next` the first batch; else `next` exactly as
   * the previous batch returned it (ref §6). `next` must be a positive integer (0 is refused by
   * WB, ref §5.2): anything else is refused here without a request.
   */
  async events(next?: number, signal?: AbortSignal): Promise<WbEventsPage> {
    if (next !== undefined && !(Number.isSafeInteger(next) && next > 0)) {
      throw new ProviderError(
        "invalid",
        `${API_NAME}: events: next must be a positive integer (a value from a previous batch), got ${next}`,
      );
    }
    const query = next === undefined ? undefined : { next: String(next) };
    const body = await this.#read("events", signal, () =>
      this.#http.json({
        method: "GET",
        path: EVENTS_PATH,
        ...(query ? { query } : {}),
        idempotent: true,
        signal,
      }),
    );
    const envelope = expectRecord(body, `GET ${EVENTS_PATH}`);
    const result = expectRecord(envelope.result, `GET ${EVENTS_PATH}`);
    return {
      events: Array.isArray(result.events) ? result.events : [],
      next: positiveInteger(result.next),
      totalEvents: count(result.totalEvents),
      oldestEventTime: nonEmptyString(result.oldestEventTime),
      newestEventTime: nonEmptyString(result.newestEventTime),
      errors: stringList(envelope.errors),
    };
  }

  /**
   * POST /api/v1/seller/message (multipart: replySign, message, file…). Everything the spec
   * forbids (type, sizes, length, no sign, nothing to send) is refused as "invalid" before any
   * request. A stale replySign fails with WbReplySignError. Never retried.
   */
  async sendMessage(request: WbSendRequest): Promise<WbSendResult> {
    const form = buildSendForm(request);
    let body: unknown;
    try {
      body = await this.#call("message", undefined, 1, () =>
        this.#http.json({
          method: "POST",
          path: MESSAGE_PATH,
          form,
          timeoutMs: this.#uploadTimeoutMs,
          idempotent: false,
        }),
      );
    } catch (error) {
      if (
        error instanceof ProviderError &&
        error.kind === "invalid" &&
        INVALID_SIGNATURE_TEXT.test(error.message)
      ) {
        throw new WbReplySignError(
          `${error.message}: the replySign is stale or wrong; read the chat list for the current one`,
          { ...(error.status === undefined ? {} : { status: error.status }), cause: error },
        );
      }
      throw error;
    }
    // The send was accepted (2xx): whatever the body holds, nothing here may throw now, or the
    // caller would send it again.
    const envelope = isRecord(body) ? body : {};
    const result = isRecord(envelope.result) ? envelope.result : {};
    return {
      chatId: nonEmptyString(result.chatID),
      sign: nonEmptyString(result.sign),
      addTime: positiveInteger(result.addTime),
      errors: stringList(envelope.errors),
    };
  }

  /**
   * GET /api/v1/seller/download/{id}: the file (capped at `maxBytes`, default the bridge's
   * download cap), or "pending" while WB moderates it (202). 451 (moderation refused) is a
   * "forbidden" ProviderError, 400 "invalid fileID" a "not_found" one.
   */
  async download(
    downloadId: string,
    options: { maxBytes?: number; signal?: AbortSignal } = {},
  ): Promise<WbDownload> {
    if (downloadId.trim() === "") {
      throw new ProviderError("invalid", `${API_NAME}: download: the file id is empty`);
    }
    const url = this.downloadUrl(downloadId);
    const { signal } = options;
    const file = await this.#read("download", signal, () =>
      this.#http.downloadFile(url, {
        allowedHosts: (host) => host === this.#apiUrl.host,
        authHeaders: this.#auth,
        maxBytes: options.maxBytes ?? MAX_DOWNLOAD_BYTES,
        ...(signal ? { signal } : {}),
      }),
    );
    return pendingOf(file) ?? { state: "ready", bytes: file.bytes, mime: file.mime };
  }

  /** The API address of a file (what mapping.ts puts into Attachment.url). */
  downloadUrl(downloadId: string): string {
    return new URL(`${DOWNLOAD_PATH}${encodeURIComponent(downloadId)}`, this.#apiUrl).href;
  }

  /** The file id in an address made by downloadUrl; undefined for any other address. */
  downloadIdOf(url: string): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (parsed.origin !== this.#apiUrl.origin || !parsed.pathname.startsWith(DOWNLOAD_PATH)) {
      return undefined;
    }
    const raw = parsed.pathname.slice(DOWNLOAD_PATH.length);
    if (raw === "" || raw.includes("/")) return undefined;
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }

  /**
   * This client as a FileSource (src/providers/files.ts) for the bridge's downloadAttachment: it
   * fetches only addresses made by downloadUrl (never the events' basket `url`s, ref §11.11), and
   * a file still under moderation is a "pending" ProviderError carrying retryAfterMs.
   */
  asFileSource(): FileSource {
    return {
      download: async (url, maxBytes, signal) => {
        const id = this.downloadIdOf(url);
        if (id === undefined) {
          throw new ProviderError("invalid", `${API_NAME}: not a chat file address of this API`);
        }
        const file = await this.download(id, { maxBytes, ...(signal ? { signal } : {}) });
        if (file.state === "pending") {
          throw new ProviderError(
            "pending",
            `${API_NAME}: the file is still under WB moderation (${file.moderationState}); try again in ${Math.ceil(file.retryAfterMs / 1000)} s`,
            { status: 202, retryAfterMs: file.retryAfterMs },
          );
        }
        return { bytes: file.bytes, ...(file.mime ? { mime: file.mime } : {}) };
      },
    };
  }

  /** A read: retried on transient failures and 429s, every attempt through the limiter. */
  #read<T>(
    operation: WbOperation,
    signal: AbortSignal | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    return this.#call(operation, signal, Math.max(1, this.#retry.attempts), run);
  }

  async #call<T>(
    operation: WbOperation,
    signal: AbortSignal | undefined,
    attempts: number,
    run: () => Promise<T>,
  ): Promise<T> {
    const type = this.tokenInfo.type;
    for (let attempt = 1; ; attempt++) {
      await this.#limiter.acquire(bucketsFor(operation, type), signal);
      try {
        const result = await run();
        this.#rateLimitedRun = 0;
        return result;
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        this.#rateLimitedRun = error.kind === "rate_limited" ? this.#rateLimitedRun + 1 : 0;
        if (error.kind === "rate_limited") {
          if (
            (error.retryAfterMs ?? 0) >= BASIC_LIKE_WAIT_MS ||
            this.#rateLimitedRun >= BASIC_LIKE_RUN
          ) {
            this.#basicLike = true;
          }
          // Someone else spends this account's budget too: hold every request back, not only
          // the next attempt of this one.
          const wait = error.retryAfterMs ?? fallbackRetryMs(type);
          this.#limiter.pause([pauseBucketFor(operation, type)], wait);
        }
        if (attempt >= attempts || !error.retryable) throw error;
        if (error.kind === "rate_limited") {
          // The limiter now waits until the pause is over; too long a wait is the caller's call.
          if ((error.retryAfterMs ?? 0) > this.#retry.maxDelayMs) throw error;
          continue;
        }
        const ceiling = Math.min(
          this.#retry.maxDelayMs,
          this.#retry.baseDelayMs * 2 ** (attempt - 1),
        );
        await sleep(ceiling / 2 + (Math.random() * ceiling) / 2, signal);
        signal?.throwIfAborted();
      }
    }
  }
}

/** The multipart body of a send, or an "invalid" ProviderError for what the spec forbids. */
function buildSendForm(request: WbSendRequest): FormData {
  const refuse = (why: string, code?: string): never => {
    throw new ProviderError("invalid", `${API_NAME}: not sent: ${why}`, code ? { code } : {});
  };
  const sign = typeof request.replySign === "string" ? request.replySign : "";
  if (sign.trim() === "") refuse("the chat's replySign is missing");
  // UTF-16 units: never fewer than code points, so the stricter count.
  if (sign.length > MAX_REPLY_SIGN_LENGTH) {
    refuse(`a replySign has at most ${MAX_REPLY_SIGN_LENGTH} characters`);
  }
  const text = request.text ?? "";
  if (text.length > WB_MAX_TEXT_LENGTH) {
    refuse(
      `the text has ${text.length} characters; Wildberries takes at most ${WB_MAX_TEXT_LENGTH} per message`,
    );
  }
  const files = request.files ?? [];
  if (text.trim() === "" && files.length === 0) refuse("there is no text and no file");
  const parts: { name: string; type: string; bytes: Uint8Array }[] = [];
  let total = 0;
  for (const file of files) {
    const label = `"${file.name}"`;
    const size = file.bytes.byteLength;
    if (size === 0) refuse(`${label} is empty`);
    const type = sniffSendType(file.bytes);
    if (type === undefined) {
      refuse(
        `${label} is not a JPEG, PNG or PDF file; Wildberries accepts only these`,
        WB_REFUSALS.acceptedFiles,
      );
    } else {
      if (size > WB_MAX_FILE_BYTES) {
        refuse(
          `${label} is ${size} bytes; Wildberries takes files of at most ${WB_MAX_FILE_BYTES} bytes (5 MB)`,
          WB_REFUSALS.acceptedFiles,
        );
      }
      total += size;
      parts.push({ name: nameFor(file.name, type), type, bytes: file.bytes });
    }
  }
  if (total > WB_MAX_TOTAL_FILE_BYTES) {
    refuse(
      `the files total ${total} bytes; Wildberries takes at most ${WB_MAX_TOTAL_FILE_BYTES} bytes (30 MB) per message`,
    );
  }
  const form = new FormData();
  form.append("replySign", sign);
  if (text.trim() !== "") form.append("message", text);
  for (const part of parts) {
    form.append("file", new Blob([part.bytes], { type: part.type }), part.name);
  }
  return form;
}

/** JPEG, PNG or PDF by the bytes' signature (what WB and the spec go by); else undefined. */
export function sniffSendType(bytes: Uint8Array): string | undefined {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length >= 8 && png.every((v, i) => b[i] === v)) return "image/png";
  if (b.length >= 5 && Buffer.from(b.buffer, b.byteOffset, 5).toString("latin1") === "%PDF-") {
    return "application/pdf";
  }
  return undefined;
}

/** The name with an extension of its type ("Чек" → "Чек.pdf", "scan.heic" → "scan.heic.jpg"). */
function nameFor(name: string, type: string): string {
  const base = name.trim() === "" ? "file" : name.trim();
  const allowed = SEND_TYPES[type] ?? [];
  const extension = extensionOf(base);
  return extension !== undefined && allowed.includes(extension)
    ? base
    : `${base}.${allowed[0] ?? "bin"}`;
}

/**
 * A 2xx download that is the 202 "under moderation" answer. HttpClient.downloadFile returns
 * every 2xx as bytes without its status, so the answer is told by its type: a file is JPEG,
 * PNG or PDF (ref §5.4), the 202 body is JSON {moderationState, retrySeconds}.
 */
function pendingOf(file: DownloadedBytes): WbDownload | undefined {
  const mime = file.mime ?? "";
  if (mime !== "application/json" && !mime.endsWith("+json")) return undefined;
  let body: unknown;
  try {
    body = parseJsonLossless(Buffer.from(file.bytes).toString("utf8"));
  } catch {
    body = undefined;
  }
  const record = isRecord(body) ? body : {};
  const seconds = typeof record.retrySeconds === "number" ? record.retrySeconds : Number.NaN;
  return {
    state: "pending",
    retryAfterMs:
      Number.isFinite(seconds) && seconds > 0
        ? Math.ceil(seconds * 1000)
        : DEFAULT_MODERATION_RETRY_MS,
    moderationState: nonEmptyString(record.moderationState) ?? "pending",
  };
}

function expectRecord(value: unknown, label: string): Record<string, unknown> {
  if (isRecord(value)) return value;
  throw new ProviderError("transient", `${API_NAME}: ${label}: unexpected response shape`);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
