// What the marketplace fakes share as HTTP servers: a server on a free loopback port, the fault
// injection API, request bodies read whole, and answers written out whole or cut short. What
// the answers say stays in each fake; this module knows no marketplace.

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { FailOptions, PendingFaults, TruncateMode } from "./faults.ts";
import { FaultQueue } from "./faults.ts";

/** A fake's answer before it is written: a Buffer body goes out as is, anything else as JSON. */
export interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** How a fake writes JSON: its serialiser and the Content-Type its service sends with it. */
export interface JsonStyle {
  stringify(value: unknown): string;
  contentType: string;
}

/**
 * Base of the marketplace fakes. A subclass answers requests in `handle` and first lets `arrive`
 * apply the faults queued for the request's key (its own kind of key: a path, an operation).
 */
export abstract class FakeServer<Key extends string> {
  readonly #name: string;
  readonly #faults = new FaultQueue<Key>();
  #server: Server | undefined;
  #url: string | undefined;

  constructor(name: string) {
    this.#name = name;
  }

  /** "http://127.0.0.1:PORT"; use it as the API base URL. */
  get url(): string {
    if (this.#url === undefined) throw new Error(`${this.#name}: call start() first`);
    return this.#url;
  }

  /** Listens on `port` (default: a free one; a fixed one serves tools like serve-fakes.ts). */
  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(this.crashBody(error));
        } else {
          res.destroy();
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    this.#server = server;
    this.#url = `http://127.0.0.1:${address.port}`;
  }

  /** Closes every connection; requests still held by a delay are never answered. */
  async stop(): Promise<void> {
    this.#faults.cancelDelays();
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `options.times` (default 1) requests are answered with this failure. */
  failNext(key: Key | "*", options: FailOptions): void {
    this.#faults.failNext(key, options);
  }

  /** Holds the next request this long before answering; it stays in flight meanwhile. */
  delayNext(key: Key | "*", ms: number): void {
    this.#faults.delayNext(key, ms);
  }

  /**
   * Destroys the socket of the next request. By default before it is processed (nothing
   * happens); with afterProcessing the request takes effect and only the answer is lost.
   */
  resetNext(key: Key | "*", options: { afterProcessing?: boolean } = {}): void {
    this.#faults.resetNext(key, options.afterProcessing ?? false);
  }

  /** The next request is processed, then its answer is cut in half (see TruncateMode). */
  truncateNext(key: Key | "*", options: { mode?: TruncateMode } = {}): void {
    this.#faults.truncateNext(key, options.mode ?? "end");
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** The JSON of the HTTP 500 a request gets when `handle` throws, in the service's envelope. */
  protected abstract crashBody(error: unknown): string;

  /** See FaultQueue.arrive: undefined when the request is gone, else the faults still to apply. */
  protected arrive(
    key: Key | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<PendingFaults | undefined> {
    return this.#faults.arrive(key, req, res);
  }
}

/**
 * The whole request body. Past `keepAtMost` bytes the rest is drained but not kept (`bytes` is
 * then empty), so a fake can answer "too big" to an upload of any size; `size` counts it all.
 */
export async function readBody(
  req: IncomingMessage,
  keepAtMost = Number.POSITIVE_INFINITY,
): Promise<{ bytes: Buffer; size: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= keepAtMost) chunks.push(chunk as Buffer);
  }
  return { bytes: size <= keepAtMost ? Buffer.concat(chunks) : Buffer.alloc(0), size };
}

/** Request headers as tests may read them: the credentials are left out. */
export function headersWithoutCredentials(
  req: IncomingMessage,
): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  delete headers["api-key"];
  delete headers.authorization;
  return headers;
}

/** The answer of an injected failure: its own body, or `envelope` (the service's error body). */
export function failureOutcome(
  options: FailOptions,
  envelope: (status: number) => unknown,
): Outcome {
  const { status, body, headers } = options;
  return { status, body: body ?? envelope(status), headers };
}

/** Writes `outcome`, or half of its body when a truncate fault says so. */
export function writeOutcome(
  res: ServerResponse,
  outcome: Outcome,
  truncate: TruncateMode | undefined,
  json: JsonStyle,
): void {
  const { body } = outcome;
  const payload = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === "string" ? body : json.stringify(body ?? {}), "utf8");
  const headers: Record<string, string> = {
    ...(Buffer.isBuffer(body) || payload.length === 0 ? {} : { "content-type": json.contentType }),
    ...outcome.headers,
  };
  if (truncate === undefined) {
    res.writeHead(outcome.status, { ...headers, "content-length": String(payload.length) });
    res.end(payload);
    return;
  }
  const half = payload.subarray(0, Math.floor(payload.length / 2));
  if (truncate === "end") {
    res.writeHead(outcome.status, { ...headers, "content-length": String(half.length) });
    res.end(half);
    return;
  }
  res.writeHead(outcome.status, { ...headers, "content-length": String(payload.length) });
  res.write(half, () => res.destroy());
}
