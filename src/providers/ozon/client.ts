// Raw Ozon Seller API chat methods (spec: ozon-seller-chat-subset-2026-reconstructed.json).
// Request bodies follow the spec, uint64 ids included: they go out as bare JSON integers, as
// the schema types them, written from their digits because JS numbers cannot carry 19 of them.
// Responses are only unwrapped here; items are interpreted in mapping.ts.

import type { Dispatcher } from "undici";
import { ProviderError } from "../../bridge/provider.ts";
import {
  type DownloadedBytes,
  type ErrorDescription,
  HttpClient,
  jsonInteger,
  type RetryPolicy,
} from "../http.ts";
import { isRecord } from "../wire.ts";

export const OZON_API_URL = "https://api-seller.ozon.ru";

export interface OzonClientOptions {
  clientId: string;
  apiKey: string;
  apiUrl?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  retry?: Partial<RetryPolicy>;
}

export interface ChatListRequest {
  limit: number;
  cursor?: string;
  filter?: { chat_status?: "ALL" | "OPENED" | "CLOSED"; unread_only?: boolean };
}

export interface ChatHistoryRequest {
  chat_id: string;
  direction?: "Forward" | "Backward";
  /** Decimal digits; sent as a bare JSON integer. */
  from_message_id?: string;
  limit?: number;
}

export interface ChatListPage {
  chats: unknown[];
  cursor: string | undefined;
  hasNext: boolean;
}

export interface ChatHistoryPage {
  messages: unknown[];
  hasNext: boolean;
}

// "Circle is open": Ozon's circuit breaker blocks the method "for a few minutes".
const CIRCUIT_OPEN_WAIT_MS = 60_000;
const RATE_LIMIT_TEXT = /rate limit|circle is open/i;
const CIRCUIT_OPEN_TEXT = /circle is open/i;
const AUTH_TEXT = /invalid api-?key|api-?key is (deactivated|missing a required role|restricted)/i;
// Refusals Ozon words in prose (exact codes undocumented): subscription, reply windows, FBO.
const FORBIDDEN_TEXT =
  /premium|subscription|подписк|\b(48|72)\s*(h|hours?|час\S*)\b|\bfbo\b|chat is closed|чат закрыт|offer not signed/i;
// gRPC status codes carried in rpcStatus.code.
const GRPC_PERMISSION_DENIED = 7;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAUTHENTICATED = 16;

/** Reads an rpcStatus error body `{code, message, details}` into a ProviderError description. */
export function describeOzonError(status: number, body: unknown): ErrorDescription | undefined {
  if (!isRecord(body)) return undefined;
  const message = typeof body.message === "string" && body.message !== "" ? body.message : "";
  const code = typeof body.code === "number" ? body.code : undefined;
  const described: ErrorDescription = message === "" ? {} : { message };
  if (status === 429 || code === GRPC_RESOURCE_EXHAUSTED || RATE_LIMIT_TEXT.test(message)) {
    described.kind = "rate_limited";
    if (CIRCUIT_OPEN_TEXT.test(message)) described.retryAfterMs = CIRCUIT_OPEN_WAIT_MS;
  } else if (status === 401 || code === GRPC_UNAUTHENTICATED || AUTH_TEXT.test(message)) {
    described.kind = "auth";
  } else if (
    (status === 400 || status === 403) &&
    (code === GRPC_PERMISSION_DENIED || FORBIDDEN_TEXT.test(message))
  ) {
    described.kind = "forbidden";
  }
  return described;
}

export class OzonClient {
  /** Scheme, host and port of the API: file links elsewhere are not Ozon chat files. */
  readonly origin: string;
  readonly #host: string;
  readonly #auth: Record<string, string>;
  readonly #http: HttpClient;

  constructor(options: OzonClientOptions) {
    const apiUrl = new URL(options.apiUrl ?? OZON_API_URL);
    this.origin = apiUrl.origin;
    this.#host = apiUrl.host;
    this.#auth = { "Client-Id": options.clientId, "Api-Key": options.apiKey };
    this.#http = new HttpClient({
      name: "Ozon API",
      baseUrl: apiUrl.href,
      headers: this.#auth,
      describeError: describeOzonError,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retry ? { retry: options.retry } : {}),
    });
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  async chatList(body: ChatListRequest, signal?: AbortSignal): Promise<ChatListPage> {
    const path = "/v3/chat/list";
    const res = expectObject(await this.#post(path, body, true, signal), path);
    return {
      chats: Array.isArray(res.chats) ? res.chats : [],
      cursor: typeof res.cursor === "string" && res.cursor !== "" ? res.cursor : undefined,
      hasNext: isTrue(res.has_next),
    };
  }

  async chatHistory(body: ChatHistoryRequest, signal?: AbortSignal): Promise<ChatHistoryPage> {
    const path = "/v3/chat/history";
    const res = expectObject(await this.#post(path, withWireIds(body), true, signal), path);
    return {
      messages: Array.isArray(res.messages) ? res.messages : [],
      hasNext: isTrue(res.has_next),
    };
  }

  async sendMessage(body: { chat_id: string; text: string }): Promise<void> {
    await this.#send("/v1/chat/send/message", body);
  }

  async sendFile(body: { chat_id: string; base64_content: string; name: string }): Promise<void> {
    await this.#send("/v1/chat/send/file", body);
  }

  /** Returns the chat id, or undefined when the answer carries none. */
  async chatStart(body: { posting_number: string }): Promise<string | undefined> {
    const path = "/v1/chat/start";
    const res = expectObject(await this.#post(path, body, false), path);
    const chatId = isRecord(res.result) ? res.result.chat_id : undefined;
    return typeof chatId === "string" && chatId !== "" ? chatId : undefined;
  }

  async chatRead(body: { chat_id: string; from_message_id?: string }): Promise<void> {
    await this.#post("/v2/chat/read", withWireIds(body), false);
  }

  /** Fetches a chat file; the credentials go to the API host only, never across redirects. */
  download(url: string, maxBytes: number, signal?: AbortSignal): Promise<DownloadedBytes> {
    return this.#http.downloadFile(url, {
      allowedHosts: (host) => host === this.#host,
      authHeaders: this.#auth,
      maxBytes,
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * A send answers only {result: "success"}: a 2xx status is the acceptance, and a cut body
   * after it must not make the bridge send the message again.
   */
  async #send(path: string, body: unknown): Promise<void> {
    await this.#http.json({ method: "POST", path, body, idempotent: false, ignoreBody: true });
  }

  #post(path: string, body: unknown, idempotent: boolean, signal?: AbortSignal): Promise<unknown> {
    return this.#http.json({
      method: "POST",
      path,
      body,
      idempotent,
      ...(signal ? { signal } : {}),
    });
  }
}

/** The body with its uint64 id (kept as digits) written as the JSON integer the schema wants. */
function withWireIds(body: { from_message_id?: string }): unknown {
  const id = body.from_message_id;
  return id === undefined ? body : { ...body, from_message_id: jsonInteger(id) };
}

// The documented example sends has_next as the string "true".
function isTrue(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.trim().toLowerCase() === "true");
}

function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (isRecord(value)) return value;
  throw new ProviderError("transient", `Ozon API: POST ${path}: unexpected response shape`);
}
