import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/bridge/provider.ts";
import { type LimitRow, RateLimiter } from "../../src/providers/wildberries/limiter.ts";
import {
  BASIC_ROWS,
  bucketsFor,
  createWbLimiter,
  STANDARD_ROW,
} from "../../src/providers/wildberries/limits.ts";

/** A clock that only moves when the limiter sleeps; records every start. */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The most starts within any window of `periodMs` (half-open, as WB would count). */
function maxIn(starts: number[], periodMs: number): number {
  let best = 0;
  for (const [i, t] of starts.entries()) {
    best = Math.max(best, starts.slice(i).filter((s) => s < t + periodMs).length);
  }
  return best;
}

/** Whether `starts` conform to a token bucket of `row` (GCRA). */
function conformsToBucket(starts: number[], row: LimitRow): boolean {
  let tat = Number.NEGATIVE_INFINITY;
  for (const t of starts) {
    if (t < tat - (row.burst - 1) * row.intervalMs) return false;
    tat = Math.max(tat, t) + row.intervalMs;
  }
  return true;
}

describe("RateLimiter with WB's standard row", () => {
  it("lets a burst of 10 go at once, then keeps to 10 per 10 s and to the 1 s bucket", async () => {
    const clock = manualClock();
    const limiter = createWbLimiter("personal", { ...clock, marginMs: 0 });
    const starts: number[] = [];
    for (let i = 0; i < 35; i++) {
      await limiter.acquire(bucketsFor("events", "personal"));
      starts.push(clock.now());
    }
    expect(starts.slice(0, 10).every((t) => t === starts[0])).toBe(true);
    expect(maxIn(starts, 10_000)).toBe(10);
    expect(conformsToBucket(starts, STANDARD_ROW)).toBe(true);
  });

  it("keeps the margin on top of the window", async () => {
    const clock = manualClock();
    const limiter = createWbLimiter("personal", { ...clock, marginMs: 1000 });
    const starts: number[] = [];
    for (let i = 0; i < 21; i++) {
      await limiter.acquire(["buyerchat"]);
      starts.push(clock.now());
    }
    expect(maxIn(starts, 11_000)).toBe(10);
  });

  it("draws all four operations from one budget (ref §11.3, the stricter reading)", async () => {
    const clock = manualClock();
    const limiter = createWbLimiter("service", { ...clock, marginMs: 0 });
    const starts: number[] = [];
    const ops = ["chats", "events", "message", "download"] as const;
    for (let i = 0; i < 24; i++) {
      await limiter.acquire(bucketsFor(ops[i % 4] ?? "chats", "service"));
      starts.push(clock.now());
    }
    expect(maxIn(starts, 10_000)).toBe(10);
  });

  it("schedules concurrent callers in call order without exceeding the window", async () => {
    const now = 1_000_000;
    const slots: number[] = [];
    const limiter = createWbLimiter("personal", {
      now: () => now,
      // Nobody really waits: each caller's slot is when its sleep would end.
      sleep: async (ms) => {
        slots.push(now + ms);
      },
      marginMs: 0,
    });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        limiter.acquire(["buyerchat"]).then(() => order.push(i)),
      ),
    );
    expect(order).toEqual(Array.from({ length: 25 }, (_, i) => i));
    // The first 10 do not sleep at all; the rest are spread out in call order.
    expect(slots).toHaveLength(15);
    const starts = [...Array.from({ length: 10 }, () => now), ...slots];
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(maxIn(starts, 10_000)).toBe(10);
  });

  it("holds every request back after pause()", async () => {
    const clock = manualClock();
    const limiter = createWbLimiter("personal", { ...clock, marginMs: 0 });
    await limiter.acquire(["buyerchat"]);
    limiter.pause(["buyerchat"], 7_000);
    expect(limiter.waitMs(["buyerchat"])).toBe(7_000);
    const before = clock.now();
    await limiter.acquire(["buyerchat"]);
    expect(clock.now() - before).toBe(7_000);
  });

  it("refuses a place further away than maxWaitMs, taking nothing from the budget", async () => {
    const clock = manualClock();
    const limiter = createWbLimiter("personal", { ...clock, marginMs: 0, maxWaitMs: 5_000 });
    limiter.pause(["buyerchat"], 30_000);
    const error = await limiter.acquire(["buyerchat"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 30_000 });
    expect((error as Error).message).toContain("client's own limit");
    clock.advance(30_000);
    expect(limiter.waitMs(["buyerchat"])).toBe(0);
  });

  it("rejects with the signal's reason when aborted while waiting", async () => {
    let wake: (() => void) | undefined;
    const limiter = new RateLimiter(
      { only: { periodMs: 1000, limit: 1, intervalMs: 1000, burst: 1 } },
      {
        marginMs: 0,
        sleep: (_ms, signal) =>
          new Promise<void>((resolve) => {
            wake = resolve;
            signal?.addEventListener("abort", () => resolve(), { once: true });
          }),
      },
    );
    await limiter.acquire(["only"]);
    const controller = new AbortController();
    const waiting = limiter.acquire(["only"], controller.signal);
    controller.abort(new Error("stopping"));
    await expect(waiting).rejects.toThrow("stopping");
    wake?.();
  });
});

describe("RateLimiter with WB's basic rows", () => {
  it("allows one chats call per hour and refuses the second at once with the time left", async () => {
    const clock = manualClock();
    const limiter = createWbLimiter("basic", { ...clock, marginMs: 0 });
    await limiter.acquire(bucketsFor("chats", "basic"));
    const error = await limiter.acquire(bucketsFor("chats", "basic")).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 3_600_000 });
    // The other methods have their own hour.
    await limiter.acquire(bucketsFor("events", "basic"));
    await limiter.acquire(bucketsFor("download", "basic"));
  });

  it("spaces downloads 6 minutes apart (burst 1), 10 per hour", async () => {
    const clock = manualClock();
    const limiter = createWbLimiter("basic", { ...clock, marginMs: 0, maxWaitMs: 10 * 60_000 });
    const starts: number[] = [];
    for (let i = 0; i < 12; i++) {
      await limiter.acquire(bucketsFor("download", "basic"));
      starts.push(clock.now());
    }
    expect(conformsToBucket(starts, BASIC_ROWS.download)).toBe(true);
    expect(maxIn(starts, 3_600_000)).toBe(10);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBe(6 * 60_000);
  });
});

it("refuses rows that make no sense", () => {
  expect(() => new RateLimiter({ x: { periodMs: 0, limit: 1, intervalMs: 1, burst: 1 } })).toThrow(
    RangeError,
  );
  expect(() => new RateLimiter({}).waitMs(["nope"])).toThrow(RangeError);
});
