// What the unit tests of HttpClient and the providers share: an offline undici MockAgent, canned
// JSON answers, and reading what a provider call gave (its ProviderError, or a whole listing).

import { MockAgent } from "undici";
import { expect } from "vitest";
import { ProviderError } from "../../src/bridge/provider.ts";

/** A MockAgent that refuses real connections and keeps every call for assertions. */
export function offlineAgent(): MockAgent {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  return agent;
}

/** Answers the next `method path` at `origin` with JSON (a string body goes out as written). */
export function replyJson(
  agent: MockAgent,
  origin: string,
  request: { method: "GET" | "POST"; path: string },
  status: number,
  body: string | object,
  headers: Record<string, string> = {},
): void {
  const data = typeof body === "string" ? body : JSON.stringify(body);
  agent
    .get(origin)
    .intercept(request)
    .reply(status, data, { headers: { "content-type": "application/json", ...headers } });
}

/** The ProviderError `promise` rejects with; the test fails when it settles any other way. */
export async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/** Every item of a paged listing, in order. */
export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}
