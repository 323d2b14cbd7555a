// The client's own rate limit for Wildberries, so that the client itself never exceeds what WB
// allows and a 429 only ever comes from someone else using the same seller account.
//
// Why not a Gate (src/bridge/gate.ts, the project's one concurrency primitive): a gate bounds how
// many tasks run AT ONCE; WB limits how many requests START within a period (ref §3: "период 10
// сек, лимит 10, интервал 1 сек, всплеск 10"), whatever their duration. Ten quick requests free
// a gate at once, yet use up the whole 10 s budget. So this is a small scheduler of its own; it
// waits with the project's one sleep (src/bridge/sleep.ts).
//
// A table row "period P, limit L, interval I, burst B" has two readings, and the portal page that
// defines the columns was not read (ref §3): a sliding window (at most L starts within any P) or
// a token bucket (B at once, then one more per I). Every row is enforced under BOTH: a request
// gets the earliest moment that keeps every bucket it draws on within its window and within its
// bucket, plus a safety margin for the difference between when a request leaves here and when WB
// counts it. For the standard rows (10 s / 10 / 1 s / 10) the window is the binding reading.
//
// Requests are scheduled in call order (a later call never leaves before an earlier one on the
// same bucket), so waiting is fair. A request whose slot is further away than `maxWaitMs` (a
// Basic token's hourly limits) is not queued at all: it fails at once with "rate_limited" and the
// time until its slot, and takes nothing from the budget.

import { ProviderError } from "../../bridge/provider.ts";
import { sleep as projectSleep } from "../../bridge/sleep.ts";

/** One row of a limit table: "Период | Лимит | Интервал | Всплеск". */
export interface LimitRow {
  periodMs: number;
  limit: number;
  intervalMs: number;
  burst: number;
}

export interface RateLimiterOptions {
  /** Clock (ms). Tests give the fake server and the limiter one virtual clock. */
  now?: () => number;
  /** How to wait; must end early (without an error) on abort, as src/bridge/sleep.ts does. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Added to every window and bucket wait. Default 1000 ms. */
  marginMs?: number;
  /** A slot further away than this is refused instead of waited for. Default 60 s. */
  maxWaitMs?: number;
  /** Names the limit in refusals, e.g. "Wildberries API". */
  name?: string;
}

interface Bucket {
  row: LimitRow;
  /** Start times of admitted (or scheduled) requests, ascending. */
  starts: number[];
  /** Token bucket as GCRA: the theoretical arrival time after the last request. */
  tat: number;
  /** No request before this (set after a 429). */
  notBefore: number;
}

const DEFAULT_MARGIN_MS = 1_000;
const DEFAULT_MAX_WAIT_MS = 60_000;

export class RateLimiter {
  readonly #rows: Readonly<Record<string, LimitRow>>;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #marginMs: number;
  readonly #maxWaitMs: number;
  readonly #name: string;

  /** `rows`: the limit of each bucket by name; a request names the buckets it draws on. */
  constructor(rows: Record<string, LimitRow>, options: RateLimiterOptions = {}) {
    for (const [name, row] of Object.entries(rows)) {
      const valid = row.periodMs > 0 && row.limit >= 1 && row.intervalMs >= 0 && row.burst >= 1;
      if (!valid) throw new RangeError(`RateLimiter: bad row for ${name}`);
    }
    this.#rows = { ...rows };
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? projectSleep;
    this.#marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
    this.#maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.#name = options.name ?? "rate limit";
  }

  /**
   * Takes a place for one request in every named bucket and waits for it. Throws a
   * "rate_limited" ProviderError (nothing taken) when the place is more than maxWaitMs away; an
   * abort while waiting rejects with the signal's reason (the place stays used: erring towards
   * fewer requests).
   */
  async acquire(names: readonly string[], signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.#now();
    const buckets = names.map((name) => this.#bucket(name));
    const at = Math.max(now, ...buckets.map((b) => this.#earliest(b, now)));
    const wait = at - now;
    if (wait > this.#maxWaitMs) {
      throw new ProviderError(
        "rate_limited",
        `${this.#name}: the client's own limit allows the next ${names.join("+")} request in ${Math.ceil(wait / 1000)} s`,
        { retryAfterMs: Math.ceil(wait) },
      );
    }
    for (const bucket of buckets) {
      bucket.starts.push(at);
      bucket.tat = Math.max(bucket.tat, at) + bucket.row.intervalMs;
    }
    if (wait > 0) await this.#sleep(wait, signal);
    signal?.throwIfAborted();
  }

  /** No request on these buckets before `ms` from now (WB answered 429, or a new worker begins). */
  pause(names: readonly string[], ms: number): void {
    const until = this.#now() + Math.max(0, ms);
    for (const name of names) {
      const bucket = this.#bucket(name);
      bucket.notBefore = Math.max(bucket.notBefore, until);
    }
  }

  /** How long a request on these buckets would wait now (0: it may leave at once). */
  waitMs(names: readonly string[]): number {
    const now = this.#now();
    return Math.max(0, ...names.map((name) => this.#earliest(this.#bucket(name), now) - now));
  }

  #bucket(name: string): Bucket {
    let bucket = this.#buckets.get(name);
    if (bucket === undefined) {
      const row = this.#rows[name];
      if (row === undefined) throw new RangeError(`RateLimiter: no bucket ${name}`);
      bucket = { row, starts: [], tat: Number.NEGATIVE_INFINITY, notBefore: 0 };
      this.#buckets.set(name, bucket);
    }
    return bucket;
  }

  /** The earliest start at or after `now` this bucket allows for its next request. */
  #earliest(bucket: Bucket, now: number): number {
    const { periodMs, limit, intervalMs, burst } = bucket.row;
    const margin = this.#marginMs;
    // Starts that can no longer share a window with anything at or after `now`.
    const horizon = now - periodMs - margin;
    let drop = 0;
    while (drop < bucket.starts.length && (bucket.starts[drop] ?? 0) <= horizon) drop++;
    if (drop > 0) bucket.starts.splice(0, drop);
    const { starts } = bucket;
    let at = Math.max(now, bucket.notBefore, starts.at(-1) ?? now);
    // Window: the L-th latest start must have left the window (period + margin) behind.
    if (starts.length >= limit) {
      at = Math.max(at, (starts[starts.length - limit] ?? 0) + periodMs + margin);
    }
    // Bucket (GCRA): a start conforms when it is no earlier than TAT − (B − 1)·I.
    if (Number.isFinite(bucket.tat)) {
      at = Math.max(at, bucket.tat - (burst - 1) * intervalMs + margin);
    }
    return at;
  }
}
