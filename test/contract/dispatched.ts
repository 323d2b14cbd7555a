// What a client handed to undici, as plain text: the contract tests record each request on the
// client side (an interceptor composed onto the client's Agent) and check those records, not
// only what the fake received.

import type { Dispatcher } from "undici";
import { FormData } from "undici";

/** Header names in lower case, repeated values joined with ", ". */
export function headerRecord(
  headers: Dispatcher.DispatchOptions["headers"],
): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  };
  if (headers === undefined || headers === null) return out;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) put(String(headers[i]), headers[i + 1]);
  } else if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<[string, unknown]>) put(name, value);
  } else {
    for (const [name, value] of Object.entries(headers)) put(name, value);
  }
  return out;
}

/** The body text as put on the wire; "" for none, "<form>" for multipart, "<stream>" else. */
export function bodyText(body: Dispatcher.DispatchOptions["body"]): string {
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  if (body instanceof FormData) return "<form>";
  return "<stream>";
}
