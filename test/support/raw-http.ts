// Raw HTTP for the fakes' own tests: requests go out exactly as written (undici's request, no
// client of ours in between), answers come back whole, redirects are not followed, and a second
// server stands in for a foreign host that file links redirect to.

import type { IncomingHttpHeaders } from "node:http";
import { createServer } from "node:http";
import { request } from "undici";

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body as JSON; undefined when it does not parse. */
  // biome-ignore lint/suspicious/noExplicitAny: response shapes vary per endpoint
  json: any;
}

export interface RawRequest {
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

/** Sends `init` to `url` and reads the answer; `parse` reads JSON (Ozon's needs a lossless one). */
export async function rawRequest(
  url: string,
  init: RawRequest,
  parse: (text: string) => unknown = JSON.parse,
): Promise<Reply> {
  const res = await request(url, init);
  const text = await res.body.text();
  let json: unknown;
  try {
    json = parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** The status and Location of `url`'s answer; its body is discarded. */
export async function redirectOf(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; location: string }> {
  const res = await request(url, { headers });
  await res.body.dump();
  return { status: res.statusCode, location: String(res.headers.location) };
}

export interface ForeignHost {
  /** "http://127.0.0.1:PORT". */
  origin: string;
  /** The headers of every request it got, oldest first. */
  seen: IncomingHttpHeaders[];
}

/**
 * Runs `test` with a server on another port that answers "bytes" to anything, to check what
 * reaches it; the server is closed afterwards, whatever happens.
 */
export async function withForeignHost(test: (host: ForeignHost) => Promise<void>): Promise<void> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.end("bytes");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    await test({ origin: `http://127.0.0.1:${port}`, seen });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
