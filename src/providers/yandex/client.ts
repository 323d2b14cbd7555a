// Raw Yandex Market Partner API chat methods (spec: yandex-market-partner-chat-subset.bundled.json,
// paths under /v2/businesses/{businessId}/). Responses are only unwrapped from the
// {status, result} envelope here; items are interpreted in mapping.ts.

import { type Dispatcher, FormData } from "undici";
import { ProviderError, type ProviderErrorKind } from "../../bridge/provider.ts";
import {
  type DownloadedBytes,
  type ErrorDescription,
  HttpClient,
  headerValue,
  parseRetryAfter,
  type ResponseHeaders,
  type RetryPolicy,
} from "../http.ts";
import { isRecord } from "../wire.ts";

export const YANDEX_API_URL = "https://api.partner.market.yandex.ru";

export interface YandexClientOptions {
  apiKey: string;
  /** Cabinet id (digits); every chat path is under /v2/businesses/{businessId}/. */
  businessId: string;
  apiUrl?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  retry?: Partial<RetryPolicy>;
}

export type ChatStatus =
  | "NEW"
  | "WAITING_FOR_CUSTOMER"
  | "WAITING_FOR_PARTNER"
  | "WAITING_FOR_ARBITER"
  | "WAITING_FOR_MARKET"
  | "FINISHED";

/** GetChatsRequest; every filter has minItems 1, so an unused one is left out, never `[]`. */
export interface ChatsFilter {
  statuses?: ChatStatus[];
  types?: ("CHAT" | "ARBITRAGE")[];
  contextTypes?: ("ORDER" | "RETURN" | "DIRECT")[];
  contexts?: { type: "ORDER" | "RETURN"; id: number }[];
}

export interface ChatsPage {
  chats: unknown[];
  nextPageToken: string | undefined;
}

export interface HistoryPage {
  messages: unknown[];
  /** ChatFullContextDTO of the chat (order/return the chat is about). */
  context: Record<string, unknown>;
  /** Deprecated top-level order id, for servers that still send only it. */
  orderId: unknown;
  nextPageToken: string | undefined;
}

export interface UploadFile {
  name: string;
  mime: string;
  bytes: Uint8Array;
}

const API_NAME = "Yandex Market API";
// Yandex allows 4 simultaneous requests per cabinet; a fifth is answered 420.
const MAX_IN_FLIGHT = 4;
const CHATS_PAGE_LIMIT = 20;
const HISTORY_PAGE_LIMIT = 100;
// A 5 MB upload on a slow uplink outlasts the JSON deadline; used unless timeoutMs is given.
const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;
// Used when a 420 names no time, and for the parallel limit: that one clears when a request
// ends, but the slots may be held by another integration of the same cabinet. 10 s does not
// hammer and still fits HttpClient's default longest retry wait (reads are retried once).
const RATE_LIMIT_WAIT_MS = 10_000;
// X-RateLimit-Resource-Until already passed (clock skew): still never retry in a tight loop.
const MIN_RATE_LIMIT_WAIT_MS = 1_000;
const PARALLEL_LIMIT_TEXT = /parallel/i;

/** Status → kind as Yandex documents its codes; the envelope's messages become the detail. */
export function describeYandexError(status: number, body: unknown): ErrorDescription {
  const described: ErrorDescription = {};
  const message = envelopeMessage(body);
  if (message !== undefined) described.message = message;
  const kind = kindForStatus(status);
  if (kind !== undefined) described.kind = kind;
  if (kind === "rate_limited" && message !== undefined && PARALLEL_LIMIT_TEXT.test(message)) {
    // "Hit rate limit of 4 parallel requests": Resource-Until then names the end of the
    // hourly window, which would be a needlessly long wait.
    described.retryAfterMs = RATE_LIMIT_WAIT_MS;
  }
  return described;
}

function kindForStatus(status: number): ProviderErrorKind | undefined {
  if (status === 420 || status === 429) return "rate_limited";
  if (status === 401) return "auth";
  // Missing token scope, inactive store or cabinet.
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  // 423 Locked: the cabinet is being migrated; it passes.
  if (status === 423 || status >= 500) return "transient";
  if (status >= 400) return "invalid";
  return undefined;
}

/** `{status: "ERROR", errors: [{code, message}]}` → "CODE: message; …". */
function envelopeMessage(body: unknown): string | undefined {
  if (!isRecord(body) || !Array.isArray(body.errors)) return undefined;
  const texts = body.errors.filter(isRecord).map((e) => {
    const code = typeof e.code === "string" && e.code !== "" ? e.code : undefined;
    const text = typeof e.message === "string" && e.message !== "" ? e.message : undefined;
    return code && text ? `${code}: ${text}` : (code ?? text);
  });
  const joined = texts.filter((t) => t !== undefined).join("; ");
  return joined === "" ? undefined : joined;
}

/** Wait after a 420 from the X-RateLimit-* headers (Until is an RFC 822 date). */
export function yandexRetryAfterMs(headers: ResponseHeaders, now = Date.now()): number {
  const remaining = Number(headerValue(headers, "x-ratelimit-resource-remaining"));
  // Hourly quota left, yet throttled: the parallel limit, whatever Until says.
  if (Number.isFinite(remaining) && remaining > 0) return RATE_LIMIT_WAIT_MS;
  const until =
    parseRetryAfter(headerValue(headers, "x-ratelimit-resource-until"), now) ??
    parseRetryAfter(headerValue(headers, "retry-after"), now);
  return until === undefined ? RATE_LIMIT_WAIT_MS : Math.max(MIN_RATE_LIMIT_WAIT_MS, until);
}

/**
 * Hosts that may receive the Api-Key: the API host itself and Yandex's own domains
 * (chat files live on files.messenger.yandex.net). `host` is URL.host, port included.
 */
export function isYandexHost(host: string, apiHost: string): boolean {
  if (host === apiHost) return true;
  const name = host.replace(/:\d+$/, "").toLowerCase();
  return ["yandex.net", "yandex.ru"].some(
    (domain) => name === domain || name.endsWith(`.${domain}`),
  );
}

export class YandexClient {
  readonly #base: string;
  readonly #apiHost: string;
  readonly #auth: Record<string, string>;
  readonly #http: HttpClient;
  readonly #uploadTimeoutMs: number;

  constructor(options: YandexClientOptions) {
    const businessId = options.businessId.trim();
    if (!/^\d+$/.test(businessId) || BigInt(businessId) < 1n) {
      throw new ProviderError("invalid", "Yandex Market: businessId must be the cabinet id digits");
    }
    const apiUrl = new URL(options.apiUrl ?? YANDEX_API_URL);
    this.#apiHost = apiUrl.host;
    this.#base = `/v2/businesses/${businessId}`;
    this.#auth = { "Api-Key": options.apiKey };
    this.#uploadTimeoutMs = options.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
    this.#http = new HttpClient({
      name: API_NAME,
      baseUrl: apiUrl.href,
      headers: this.#auth,
      // Every call, uploads included, goes through this limit: a fifth request is a 420.
      maxInFlight: MAX_IN_FLIGHT,
      rateLimitStatuses: [420],
      retryAfterMs: (headers) => yandexRetryAfterMs(headers),
      describeError: describeYandexError,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retry ? { retry: options.retry } : {}),
    });
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  /** getChats: one page of at most 20 chats. */
  async chats(filter: ChatsFilter, pageToken?: string, signal?: AbortSignal): Promise<ChatsPage> {
    const path = `${this.#base}/chats`;
    const query: Record<string, string> = { limit: String(CHATS_PAGE_LIMIT) };
    if (pageToken !== undefined) query.pageToken = pageToken;
    const result = await this.#json("POST", path, {
      query,
      body: filter,
      idempotent: true,
      signal,
    });
    return {
      chats: Array.isArray(result.chats) ? result.chats : [],
      nextPageToken: nextPageToken(result),
    };
  }

  /** getChat: the GetChatInfoDTO of one chat. */
  async chat(chatId: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const path = `${this.#base}/chat`;
    return this.#json("GET", path, { query: { chatId }, idempotent: true, signal });
  }

  /** getChatHistory: one page of at most 100 messages. */
  async history(
    chatId: string,
    body: { messageIdFrom?: number },
    pageToken?: string,
    signal?: AbortSignal,
  ): Promise<HistoryPage> {
    const path = `${this.#base}/chats/history`;
    const query: Record<string, string> = { chatId, limit: String(HISTORY_PAGE_LIMIT) };
    if (pageToken !== undefined) query.pageToken = pageToken;
    const result = await this.#json("POST", path, { query, body, idempotent: true, signal });
    return {
      messages: Array.isArray(result.messages) ? result.messages : [],
      context: isRecord(result.context) ? result.context : {},
      orderId: result.orderId,
      nextPageToken: nextPageToken(result),
    };
  }

  /** getChatMessage: one ChatMessageDTO. */
  async message(
    chatId: string,
    messageId: string,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const path = `${this.#base}/chats/message`;
    return this.#json("GET", path, { query: { chatId, messageId }, idempotent: true, signal });
  }

  /** createChat: returns result.chatId (new or the existing chat), raw. */
  async createChat(context: { type: "ORDER" | "RETURN"; id: number }): Promise<unknown> {
    const path = `${this.#base}/chats/new`;
    const result = await this.#json("POST", path, { body: { context }, idempotent: false });
    return result.chatId;
  }

  /** sendMessageToChat: answers only {status: "OK"}, no message id. */
  async sendMessage(chatId: string, message: string): Promise<void> {
    const path = `${this.#base}/chats/message`;
    await this.#json("POST", path, {
      query: { chatId },
      body: { message },
      idempotent: false,
      allowEmpty: true,
    });
  }

  /** sendFileToChat: multipart/form-data with the single part `file`; never retried. */
  async sendFile(chatId: string, file: UploadFile): Promise<void> {
    const form = new FormData();
    form.append("file", new Blob([file.bytes], { type: file.mime }), file.name);
    await this.#json("POST", `${this.#base}/chats/file/send`, {
      query: { chatId },
      form,
      timeoutMs: this.#uploadTimeoutMs,
      idempotent: false,
      allowEmpty: true,
    });
  }

  /** Fetches a chat file; the Api-Key goes to Yandex hosts only, also across redirects. */
  download(url: string, maxBytes: number, signal?: AbortSignal): Promise<DownloadedBytes> {
    return this.#http.downloadFile(url, {
      allowedHosts: (host) => isYandexHost(host, this.#apiHost),
      authHeaders: this.#auth,
      maxBytes,
      ...(signal ? { signal } : {}),
    });
  }

  async #json(
    method: "GET" | "POST",
    path: string,
    options: {
      query?: Record<string, string>;
      body?: unknown;
      form?: FormData;
      timeoutMs?: number;
      idempotent: boolean;
      signal?: AbortSignal | undefined;
      allowEmpty?: boolean;
    },
  ): Promise<Record<string, unknown>> {
    const { allowEmpty = false, signal, ...request } = options;
    const response = await this.#http.json({
      method,
      path,
      ...request,
      ...(signal ? { signal } : {}),
    });
    return unwrap(response, `${method} ${path}`, allowEmpty);
  }
}

/**
 * The `result` of a {status, result} envelope. A 200 that says status ERROR is still an
 * error; methods that answer only {status: "OK"} pass with `allowEmpty`.
 */
function unwrap(body: unknown, label: string, allowEmpty: boolean): Record<string, unknown> {
  if (isRecord(body) && body.status === "ERROR") {
    const detail = envelopeMessage(body) ?? "status ERROR";
    throw new ProviderError("transient", `${API_NAME}: ${label}: ${detail}`);
  }
  if (isRecord(body) && isRecord(body.result)) return body.result;
  if (allowEmpty) return {};
  throw new ProviderError("transient", `${API_NAME}: ${label}: unexpected response shape`);
}

function nextPageToken(result: Record<string, unknown>): string | undefined {
  const token = isRecord(result.paging) ? result.paging.nextPageToken : undefined;
  return typeof token === "string" && token !== "" ? token : undefined;
}
