// Wildberries' limit tables for the four chat methods (WILDBERRIES-CHAT.md §3), as RateLimiter
// buckets, and the one limiter per token that every client of that token shares.

import { createHash } from "node:crypto";
import { type LimitRow, RateLimiter, type RateLimiterOptions } from "./limiter.ts";
import type { WbTokenType } from "./token.ts";

/** The four chat operations of the spec (chats, events, message, download). */
export type WbOperation = "chats" | "events" | "message" | "download";

const HOUR_MS = 60 * 60 * 1000;

/** Personal, service and basic-with-secret: the same row for each of the four methods. */
export const STANDARD_ROW: LimitRow = { periodMs: 10_000, limit: 10, intervalMs: 1_000, burst: 10 };

/** The "Базовый" rows: one request per hour, downloads 10 per hour, one every 6 minutes. */
export const BASIC_ROWS: Readonly<Record<WbOperation, LimitRow>> = {
  chats: { periodMs: HOUR_MS, limit: 1, intervalMs: HOUR_MS, burst: 1 },
  events: { periodMs: HOUR_MS, limit: 1, intervalMs: HOUR_MS, burst: 1 },
  message: { periodMs: HOUR_MS, limit: 1, intervalMs: HOUR_MS, burst: 1 },
  download: { periodMs: HOUR_MS, limit: 10, intervalMs: 6 * 60 * 1000, burst: 1 },
};

// Ref §11.3: the tables do not say whether the four methods share one budget. Every request
// draws on one shared bucket with the standard row (old09 had that one row for all four), the
// stricter reading: a client within one shared budget is within each method's own as well. A
// basic token's requests draw on their method's hourly bucket too.
const SHARED = "buyerchat";

/** The buckets a request of `operation` draws on. */
export function bucketsFor(operation: WbOperation, type: WbTokenType): string[] {
  return type === "basic" ? [SHARED, operation] : [SHARED];
}

/** The bucket to hold back after WB answered 429 to `operation`: the most specific one. */
export function pauseBucketFor(operation: WbOperation, type: WbTokenType): string {
  return type === "basic" ? operation : SHARED;
}

/**
 * The wait after a 429 that names no time: long enough to clear the row under either reading
 * (a full 10 s window for the standard row; a basic method's own interval), never a tight loop.
 */
export function fallbackRetryMs(type: WbTokenType): number {
  // For a basic token the shortest hourly interval (downloads, 6 min): the per-method buckets
  // hold the other methods to their hour anyway.
  return type === "basic" ? BASIC_ROWS.download.intervalMs : STANDARD_ROW.periodMs;
}

/** A fresh limiter with WB's rows for a token of this type. */
export function createWbLimiter(type: WbTokenType, options: RateLimiterOptions = {}): RateLimiter {
  const rows: Record<string, LimitRow> = { [SHARED]: STANDARD_ROW };
  if (type === "basic") Object.assign(rows, BASIC_ROWS);
  return new RateLimiter(rows, { name: "Wildberries API", ...options });
}

const shared = new Map<string, RateLimiter>();

/**
 * The limiter of this token, shared by every client made with it in this process (the limits
 * are per seller account, ref §3, so two clients of one token must not each spend the budget).
 * Keyed by a hash: the map never holds the token itself.
 */
export function sharedWbLimiter(token: string, type: WbTokenType): RateLimiter {
  const key = `${type}:${createHash("sha256").update(token).digest("hex")}`;
  let limiter = shared.get(key);
  if (limiter === undefined) {
    limiter = createWbLimiter(type);
    shared.set(key, limiter);
  }
  return limiter;
}
