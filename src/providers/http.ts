// JSON-over-HTTP for marketplace APIs on undici: deadlines, bounded retries for reads,
// a parallel-request limit, lossless ids and ProviderError mapping. Marketplace-neutral:
// everything marketplace-specific comes in through the options.

import { parse as parseDisposition } from "content-disposition";
import { Agent, type Dispatcher, type FormData, request } from "undici";
import { Gate } from "../bridge/gate.ts";
import { ProviderError, type ProviderErrorKind } from "../bridge/provider.ts";
import { sleep } from "../bridge/sleep.ts";
import { scrub } from "../logger.ts";
import { isRecord } from "./wire.ts";

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** What a marketplace can say about one of its error responses. */
export interface ErrorDescription {
  message?: string;
  kind?: ProviderErrorKind;
  /** The marketplace's own name for the refusal (`ProviderError.code`). */
  code?: string;
  retryAfterMs?: number;
}

export interface RetryPolicy {
  /** Attempts for idempotent calls, the first included. */
  attempts: number;
  baseDelayMs: number;
  /** Longest single wait, also the cap for honouring a rate limit's retry time. */
  maxDelayMs: number;
}

export interface HttpClientOptions {
  /** Names the remote side in error messages, e.g. "Ozon API". */
  name: string;
  baseUrl: string;
  /** Sent on every JSON call (never by downloadFile); values are scrubbed from messages. */
  headers?: Record<string, string>;
  /** Replaces the client's own keep-alive Agent (tests inject a MockAgent). */
  dispatcher?: Dispatcher;
  /** Deadline for one attempt, from connect to the last body byte. */
  timeoutMs?: number;
  /** Requests in flight at once; more wait in line. */
  maxInFlight?: number;
  /** Statuses that mean "throttled" besides 429 (Yandex uses 420). */
  rateLimitStatuses?: readonly number[];
  /** Retry time from marketplace-specific headers; Retry-After is the fallback. */
  retryAfterMs?: (headers: ResponseHeaders) => number | undefined;
  /** Reads a marketplace error body (JSON when it parsed, else the raw text). */
  describeError?: (status: number, body: unknown) => ErrorDescription | undefined;
  retry?: Partial<RetryPolicy>;
}

export interface JsonRequest {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** A multipart body instead of JSON (file uploads); undici's FormData, sent as is. */
  form?: FormData;
  /** Overrides the client's deadline for this call (a large upload needs longer). */
  timeoutMs?: number;
  /**
   * The answer's body carries nothing the caller needs: once the status says 2xx the call
   * succeeded, even if the body then arrives cut (a send must not be repeated for that).
   */
  ignoreBody?: boolean;
  /** Only idempotent calls are retried; sends must never be. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface DownloadOptions {
  /** Hosts (URL.host, with a non-default port) that may receive authHeaders. */
  allowedHosts: (host: string) => boolean;
  authHeaders: Record<string, string>;
  maxBytes: number;
  maxRedirects?: number;
  /** Deadline for the whole download, redirects included, from when it leaves the line. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DownloadedBytes {
  bytes: Uint8Array;
  /** Content-Type without parameters; informational, servers often say octet-stream. */
  mime?: string;
  nameFromHeaders?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 120_000;
// Used when a throttled response names no retry time: long enough not to hammer, short
// enough for a per-second limit (Ozon: 50 rps per Client-Id).
const DEFAULT_RATE_LIMIT_WAIT_MS = 2_000;
const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 };
const MAX_DETAIL_CHARS = 300;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const TRANSIENT_4XX = new Set([408, 423, 425]);

type Reviver = (
  this: unknown,
  key: string,
  value: unknown,
  context?: { source?: string },
) => unknown;

// Node 24 hands revivers the source text of primitives, so integers beyond 2^53 (Ozon's
// uint64 message ids) are kept as their exact digits instead of being rounded.
const keepBigIntegers: Reviver = (_key, value, context) => {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    const source = context?.source;
    if (source !== undefined && /^-?\d+$/.test(source)) return source;
  }
  return value;
};

/** JSON.parse that returns integers that are not safe JS integers as digit strings. */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(text, keepBigIntegers);
}

/** The shape JSON.rawJSON returns; TypeScript's es2024 lib does not declare it yet. */
export interface RawJsonInteger {
  readonly rawJSON: string;
}

const rawJSON = (JSON as unknown as { rawJSON(text: string): RawJsonInteger }).rawJSON;

/**
 * A bare JSON integer with exactly these digits, for JSON.stringify: the way out for an id that
 * parseJsonLossless kept as digits, since a JS number would round it.
 */
export function jsonInteger(digits: string): RawJsonInteger {
  if (!/^-?\d+$/.test(digits)) throw new TypeError(`not an integer: ${digits}`);
  // BigInt drops leading zeros, which JSON does not allow.
  return rawJSON(BigInt(digits).toString());
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export class HttpClient {
  readonly #name: string;
  readonly #baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #dispatcher: Dispatcher;
  readonly #ownAgent: Agent | undefined;
  readonly #timeoutMs: number;
  readonly #inFlight: Gate;
  readonly #rateLimitStatuses: ReadonlySet<number>;
  readonly #retryAfterMs: HttpClientOptions["retryAfterMs"];
  readonly #describeError: HttpClientOptions["describeError"];
  readonly #retry: RetryPolicy;
  readonly #secrets: string[];

  constructor(options: HttpClientOptions) {
    this.#name = options.name;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#headers = options.headers ?? {};
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      this.#ownAgent = undefined;
    } else {
      // Keep-alive pool; the per-call deadline below bounds the whole exchange.
      const agent = new Agent({
        connect: { timeout: 10_000 },
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
        keepAliveTimeout: 30_000,
      });
      this.#dispatcher = agent;
      this.#ownAgent = agent;
    }
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#inFlight = new Gate(options.maxInFlight ?? Number.POSITIVE_INFINITY);
    this.#rateLimitStatuses = new Set([429, ...(options.rateLimitStatuses ?? [])]);
    this.#retryAfterMs = options.retryAfterMs;
    this.#describeError = options.describeError;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#secrets = secretValues(this.#headers);
  }

  /** Closes the client's own Agent; an injected dispatcher belongs to the caller. */
  async close(): Promise<void> {
    await this.#ownAgent?.close();
  }

  /**
   * Sends a JSON request and returns the parsed body (undefined when empty). Failures are
   * ProviderErrors, except a caller abort, which rethrows the caller signal's reason.
   */
  async json(req: JsonRequest): Promise<unknown> {
    const attempts = req.idempotent ? Math.max(1, this.#retry.attempts) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#jsonOnce(req);
      } catch (error) {
        if (attempt >= attempts || !(error instanceof ProviderError) || !error.retryable) {
          throw error;
        }
        const delay = this.#retryDelay(error, attempt);
        if (delay === undefined) throw error;
        // An abort ends the wait early; the next attempt then throws the caller's reason.
        await sleep(delay, req.signal);
      }
    }
  }

  /**
   * GETs a file, following redirects by hand so that authHeaders reach only allowed hosts
   * (and never over plain http once the chain started on https). Sends no default headers.
   */
  downloadFile(url: string, options: DownloadOptions): Promise<DownloadedBytes> {
    // One place in line for the whole download: its redirects follow each other at once.
    return this.#inFlight.run(() => this.#download(url, options), options.signal);
  }

  async #download(url: string, options: DownloadOptions): Promise<DownloadedBytes> {
    const secrets = [...this.#secrets, ...secretValues(options.authHeaders)];
    const maxRedirects = options.maxRedirects ?? 3;
    const deadline = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    let target = httpUrl(url, this.#name);
    const startedSecure = target.protocol === "https:";
    for (let redirects = 0; ; redirects++) {
      const label = `GET ${target.host}${target.pathname}`;
      const mayAuth =
        options.allowedHosts(target.host) && (target.protocol === "https:" || !startedSecure);
      const res = await this.#send(label, options.signal, deadline, () =>
        request(target, {
          method: "GET",
          headers: mayAuth ? options.authHeaders : {},
          dispatcher: this.#dispatcher,
          signal,
        }),
      );
      const location = headerValue(res.headers, "location");
      if (REDIRECT_STATUSES.has(res.statusCode) && location !== undefined) {
        await res.body.dump();
        if (redirects >= maxRedirects) {
          throw new ProviderError(
            "invalid",
            `${this.#name}: ${label}: more than ${maxRedirects} redirects`,
            { status: res.statusCode },
          );
        }
        target = httpUrl(new URL(location, target).href, this.#name);
        continue;
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const text = await this.#readText(res, label, options.signal, deadline);
        throw this.#statusError(res.statusCode, res.headers, text, label, secrets);
      }
      const length = Number(headerValue(res.headers, "content-length"));
      if (Number.isFinite(length) && length > options.maxBytes) {
        res.body.destroy();
        throw tooLarge(this.#name, label, options.maxBytes);
      }
      const bytes = await this.#readCapped(res, label, options, deadline);
      const mime = headerValue(res.headers, "content-type")?.split(";")[0]?.trim().toLowerCase();
      const disposition = headerValue(res.headers, "content-disposition");
      // The parser is lenient (it never throws) and prefers an RFC 5987 filename* it can decode.
      const nameFromHeaders =
        disposition === undefined ? undefined : parseDisposition(disposition).parameters.filename;
      return {
        bytes,
        ...(mime ? { mime } : {}),
        ...(nameFromHeaders ? { nameFromHeaders } : {}),
      };
    }
  }

  async #jsonOnce(req: JsonRequest): Promise<unknown> {
    const method = req.method ?? "POST";
    const label = `${method} ${req.path}`;
    const query = req.query ? `?${new URLSearchParams(req.query)}` : "";
    const url = `${this.#baseUrl}${req.path}${query}`;
    const headers: Record<string, string> = { accept: "application/json", ...this.#headers };
    let body: string | FormData | undefined = req.form;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers["content-type"] = "application/json";
    }
    return this.#inFlight.run(async () => {
      // Started after the wait in line, so a queued call still gets its full time.
      const deadline = AbortSignal.timeout(req.timeoutMs ?? this.#timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
      const res = await this.#send(label, req.signal, deadline, () =>
        request(url, { method, headers, body, dispatcher: this.#dispatcher, signal }),
      );
      if (req.ignoreBody && res.statusCode >= 200 && res.statusCode < 300) {
        await res.body.dump().catch(() => undefined);
        return undefined;
      }
      const text = await this.#readText(res, label, req.signal, deadline);
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw this.#statusError(res.statusCode, res.headers, text, label, this.#secrets);
      }
      if (text.trim() === "") return undefined;
      try {
        return parseJsonLossless(text);
      } catch (error) {
        throw new ProviderError("transient", `${this.#name}: ${label}: malformed JSON response`, {
          status: res.statusCode,
          cause: error,
        });
      }
    }, req.signal);
  }

  async #send(
    label: string,
    callerSignal: AbortSignal | undefined,
    deadline: AbortSignal,
    send: () => Promise<Dispatcher.ResponseData>,
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await send();
    } catch (error) {
      throw this.#networkError(error, label, callerSignal, deadline);
    }
  }

  async #readText(
    res: Dispatcher.ResponseData,
    label: string,
    callerSignal: AbortSignal | undefined,
    deadline: AbortSignal,
  ): Promise<string> {
    try {
      return await res.body.text();
    } catch (error) {
      throw this.#networkError(error, label, callerSignal, deadline);
    }
  }

  async #readCapped(
    res: Dispatcher.ResponseData,
    label: string,
    options: DownloadOptions,
    deadline: AbortSignal,
  ): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body) {
        const buffer = chunk as Buffer;
        total += buffer.length;
        // Breaking out of the loop destroys the stream, so the rest is never buffered.
        if (total > options.maxBytes) throw tooLarge(this.#name, label, options.maxBytes);
        chunks.push(buffer);
      }
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw this.#networkError(error, label, options.signal, deadline);
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  }

  #networkError(
    error: unknown,
    label: string,
    callerSignal: AbortSignal | undefined,
    deadline: AbortSignal,
  ): unknown {
    // The caller gave up (shutdown): not a marketplace failure, let the reason through.
    if (callerSignal?.aborted) return callerSignal.reason;
    if (deadline.aborted) {
      return new ProviderError("transient", `${this.#name}: ${label}: timed out`, {
        cause: error,
      });
    }
    const code = (error as { code?: unknown } | null)?.code;
    const reason = typeof code === "string" ? code : error instanceof Error ? error.name : "error";
    return new ProviderError("transient", `${this.#name}: ${label}: network error ${reason}`, {
      cause: error,
    });
  }

  #statusError(
    status: number,
    headers: ResponseHeaders,
    text: string,
    label: string,
    secrets: string[],
  ): ProviderError {
    const body = tryParseJson(text);
    const described = this.#describeError?.(status, body);
    const detail = described?.message ?? genericErrorMessage(body) ?? text;
    const kind = described?.kind ?? this.#kindForStatus(status);
    const retryAfterMs =
      kind === "rate_limited"
        ? (described?.retryAfterMs ??
          this.#retryAfterMs?.(headers) ??
          parseRetryAfter(headerValue(headers, "retry-after")) ??
          DEFAULT_RATE_LIMIT_WAIT_MS)
        : undefined;
    const suffix = detail.trim() === "" ? "" : `: ${shorten(detail)}`;
    const message = scrub(`${this.#name}: ${label} → HTTP ${status}${suffix}`, secrets);
    return new ProviderError(kind, message, {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(described?.code === undefined ? {} : { code: described.code }),
    });
  }

  #kindForStatus(status: number): ProviderErrorKind {
    if (this.#rateLimitStatuses.has(status)) return "rate_limited";
    if (status === 401) return "auth";
    if (status === 403) return "forbidden";
    if (status === 404) return "not_found";
    // 400, 409, 413, 422 and the like: the request itself is wrong, retrying cannot help.
    if (status >= 400 && status < 500 && !TRANSIENT_4XX.has(status)) return "invalid";
    return "transient";
  }

  #retryDelay(error: ProviderError, attempt: number): number | undefined {
    const { baseDelayMs, maxDelayMs } = this.#retry;
    if (error.kind === "rate_limited") {
      const wait = error.retryAfterMs ?? baseDelayMs;
      return wait <= maxDelayMs ? wait : undefined;
    }
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }
}

function httpUrl(raw: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderError("invalid", `${name}: not a valid file URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ProviderError("invalid", `${name}: refusing to download a ${url.protocol} URL`);
  }
  return url;
}

function tooLarge(name: string, label: string, maxBytes: number): ProviderError {
  return new ProviderError("invalid", `${name}: ${label}: file too large (over ${maxBytes} bytes)`);
}

function tryParseJson(text: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    return text;
  }
}

// Common envelopes: {message} (gRPC gateways such as Ozon) and {errors: [{message}]} (Yandex).
function genericErrorMessage(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const { message, errors } = body;
  if (typeof message === "string" && message !== "") return message;
  if (Array.isArray(errors)) {
    const texts = errors
      .map((e) => (e as { message?: unknown; code?: unknown } | null) ?? {})
      .map((e) => (typeof e.message === "string" ? e.message : e.code))
      .filter((t): t is string => typeof t === "string" && t !== "");
    if (texts.length > 0) return texts.join("; ");
  }
  return undefined;
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_DETAIL_CHARS ? `${flat.slice(0, MAX_DETAIL_CHARS)}…` : flat;
}

// Header values that look like credentials; short values (a version, "json") are left alone.
function secretValues(headers: Record<string, string>): string[] {
  return Object.values(headers).filter((v) => v.length >= 6);
}
