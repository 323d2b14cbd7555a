// The bridge's one HTTP listener: marketplace push notifications at /push/<secret>/<marketplace>,
// plus whatever small routes the composition root adds (health, metrics). Marketplaces sign
// nothing, so a push is trusted only for its secret path and its source address. The reply goes
// out before any work starts: Yandex allows 1 s for a PING, Ozon suspends pushes slower than 5 s.

import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP, SocketAddress } from "node:net";
import type { PushParser, PushReply, PushResult } from "../bridge/push.ts";
import type { Logger } from "../logger.ts";
import { parseJsonLossless } from "../providers/http.ts";
import type { AllowList } from "./ip-allow-list.ts";

/** Pushes are a few hundred bytes; anything near this is not a notification. */
export const MAX_PUSH_BODY_BYTES = 1024 * 1024;

const CLOSE_GRACE_MS = 3_000;
const REQUEST_TIMEOUT_MS = 15_000;
// Far more than marketplaces and scrapers ever open at once, and far below the usual limit of
// 1024 open files, so a flood of connections cannot starve the bot's own outgoing ones.
const MAX_CONNECTIONS = 256;
// Node enforces the request and header timeouts only when it sweeps the open connections, by
// default every 30 s, so a slow client could stay up to 30 s past its deadline.
const TIMEOUT_SWEEP_MS = 1_000;
// On refusals: closing the connection drops whatever body is still coming instead of reading it.
const CLOSE = { connection: "close" };

export interface HttpReply {
  status: number;
  body: string;
  contentType: string;
}

/** An extra exact-path route, e.g. GET /healthz. */
export interface HttpRoute {
  method: "GET" | "POST";
  path: string;
  handle(req: IncomingMessage): HttpReply | Promise<HttpReply>;
}

export interface PushDispatcher {
  dispatch(marketplace: string, result: PushResult): void;
}

export interface HttpServerOptions {
  port: number;
  /** Default: every interface (dual-stack where available). */
  host?: string;
  /** Push routes exist only when set. */
  pushSecret?: string;
  parsers: readonly PushParser[];
  /** Per marketplace; a missing or empty list allows every source. */
  allowLists: ReadonlyMap<string, AllowList>;
  /** Take the client address from X-Forwarded-For (set only behind a reverse proxy). */
  trustProxy: boolean;
  receiver: PushDispatcher;
  log: Logger;
  routes?: readonly HttpRoute[];
  maxBodyBytes?: number;
  /** How long a client may take to send a whole request, headers and body. Default 15 s. */
  requestTimeoutMs?: number;
  /** Connections open at once; the ones over it are closed as they arrive. Default 256. */
  maxConnections?: number;
}

export interface RunningHttpServer {
  port: number;
  close(): Promise<void>;
}

interface PushTarget {
  parser: PushParser;
  secretSegment: string;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const handler = new RequestHandler(options);
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const server = createServer(
    {
      // A push is one small request: a client slow in its headers or its body is stalled or
      // hostile, and gets the same deadline either way.
      requestTimeout,
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: TIMEOUT_SWEEP_MS,
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      void handler.handle(req, res);
    },
  );
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  server.on("drop", (peer) => {
    options.log.warn({ source: peer?.remoteAddress }, "connection closed: too many connections");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: options.port, host: options.host }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close((error) => {
          clearTimeout(force);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

class RequestHandler {
  readonly #options: HttpServerOptions;
  readonly #parsers: ReadonlyMap<string, PushParser>;
  readonly #secretDigest: Buffer | undefined;
  readonly #maxBodyBytes: number;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    this.#parsers = new Map(options.parsers.map((p) => [p.marketplace, p]));
    const secret = options.pushSecret;
    this.#secretDigest = secret ? digest(secret) : undefined;
    this.#maxBodyBytes = options.maxBodyBytes ?? MAX_PUSH_BODY_BYTES;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.#route(req, res);
    } catch (error) {
      // Never the URL: it carries the push secret.
      this.#options.log.error({ err: error }, "http request failed");
      if (!res.headersSent) sendJson(res, 500, { error: { message: "internal error" } });
      else res.destroy();
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = new Date();
    const path = (req.url ?? "").split("?")[0] ?? "";
    const route = this.#options.routes?.find((r) => r.path === path);
    if (route) {
      if (req.method !== route.method) return methodNotAllowed(res, route.method);
      const reply = await route.handle(req);
      return send(res, reply.status, reply.body, reply.contentType);
    }
    const target = this.#pushTarget(path);
    if (!target) return notFound(res);
    const { parser } = target;
    const marketplace = parser.marketplace;
    const log = this.#options.log;
    // The source check comes before the secret check so that a stranger cannot tell a right
    // secret from a wrong one: every guess from outside the allow-list gets the same 403.
    const source = clientAddress(req, this.#options.trustProxy);
    const allowList = this.#options.allowLists.get(marketplace);
    if (allowList && !allowList.allows(source)) {
      log.warn({ marketplace, source }, "push from an address outside the allow-list");
      return sendJson(res, 403, { error: { message: "forbidden" } }, CLOSE);
    }
    if (!this.#secretMatches(target.secretSegment)) {
      // Worth a warning: a marketplace still using an old secret gets nothing but 404s.
      log.warn({ marketplace }, "push with a wrong secret");
      return notFound(res);
    }
    if (req.method !== "POST") return methodNotAllowed(res, "POST");

    const declared = Number(req.headers["content-length"]);
    const body =
      Number.isFinite(declared) && declared > this.#maxBodyBytes
        ? "too_large"
        : await readBody(req, this.#maxBodyBytes);
    if (body === "aborted") return;
    if (body === "too_large") {
      log.warn({ marketplace }, "push body over the size limit");
      const reply = parser.malformed(now, `body larger than ${this.#maxBodyBytes} bytes`);
      return sendJson(res, 413, reply.body, CLOSE);
    }

    let parsed: unknown;
    try {
      // A byte-order mark is not JSON, but some senders add one; it carries no meaning.
      parsed = parseJsonLossless(body.toString("utf8").replace(/^\uFEFF/, ""));
    } catch {
      log.warn({ marketplace }, "push body is not JSON");
      return sendReply(res, parser.malformed(now, "body is not valid JSON"));
    }
    const result = parser.handle(parsed, now);
    sendReply(res, result.reply);
    const event = result.event;
    if (!event) {
      log.warn({ marketplace, status: result.reply.status }, "push rejected as malformed");
      return;
    }
    const quiet = event.type === "ping" || event.type === "ignored";
    log[quiet ? "debug" : "info"](
      {
        marketplace,
        event: event.type,
        ...(event.type === "ignored" ? { what: event.what } : {}),
        ...(result.accountKey === undefined ? {} : { accountKey: result.accountKey }),
      },
      "push received",
    );
    try {
      this.#options.receiver.dispatch(marketplace, result);
    } catch (error) {
      log.error({ marketplace, err: error }, "push dispatch failed");
    }
  }

  /**
   * /push/<secret>/<marketplace>[/<suffix>], a suffix only where its parser names it; the secret
   * is checked later, in constant time.
   */
  #pushTarget(path: string): PushTarget | undefined {
    if (this.#secretDigest === undefined) return undefined;
    const [empty, push, secretSegment, marketplace, suffix, ...rest] = path.split("/");
    if (empty !== "" || push !== "push" || secretSegment === undefined || rest.length > 0) {
      return undefined;
    }
    const parser = marketplace === undefined ? undefined : this.#parsers.get(marketplace);
    if (!parser) return undefined;
    if (suffix !== undefined && !parser.pathSuffixes?.includes(suffix)) {
      return undefined;
    }
    return { parser, secretSegment };
  }

  #secretMatches(segment: string): boolean {
    if (this.#secretDigest === undefined) return false;
    let candidate: string;
    try {
      candidate = decodeURIComponent(segment);
    } catch {
      return false;
    }
    // Equal-length digests make the comparison independent of where the strings differ.
    return timingSafeEqual(digest(candidate), this.#secretDigest);
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * The peer address, or with trustProxy the right-most X-Forwarded-For entry. A proxy appends the
 * address it received the request from, so that entry is the one the client cannot forge;
 * entries to its left are whatever the client sent. This assumes exactly one trusted proxy in
 * front; behind a chain, its hops must be in the allow-list too, or the last one is what counts.
 */
function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? "";
  if (!trustProxy) return peer;
  const header = req.headers["x-forwarded-for"];
  const joined = Array.isArray(header) ? header.join(",") : (header ?? "");
  const last = joined
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop !== "")
    .at(-1);
  return last === undefined ? peer : withoutPort(last);
}

/** "[2001:db8::1]:443" → "2001:db8::1", "203.0.113.5:80" → "203.0.113.5". */
function withoutPort(hop: string): string {
  // A bare IPv6 address does not parse as a socket address: its colons read as a port.
  return isIP(hop) ? hop : (SocketAddress.parse(hop)?.address ?? hop);
}

type BodyOutcome = Buffer | "too_large" | "aborted";

/** Buffers the body up to `max` bytes; stops buffering as soon as it is over. */
function readBody(req: IncomingMessage, max: number): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: BodyOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        settle("too_large");
      } else {
        chunks.push(chunk);
      }
    });
    req.on("end", () => settle(Buffer.concat(chunks, size)));
    req.on("error", () => settle("aborted"));
    req.on("close", () => settle("aborted"));
  });
}

function sendReply(res: ServerResponse, reply: PushReply): void {
  sendJson(res, reply.status, reply.body);
}

function notFound(res: ServerResponse): void {
  sendJson(res, 404, { error: { message: "not found" } }, CLOSE);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, { error: { message: "method not allowed" } }, { ...CLOSE, allow });
}

// Exactly "application/json": Yandex refuses other media types (UNSUPPORTED_MEDIA_TYPE), and
// JSON is UTF-8 by definition, so a charset parameter adds nothing but risk.
function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, JSON.stringify(body), "application/json", headers);
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
