import { describe, expect, it } from "vitest";
import { type Clock, GroupSendQueue } from "../../src/bridge/send-queue.ts";

/** A clock whose time moves only when the queue sleeps, so no test waits for real. */
function virtualClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe("GroupSendQueue", () => {
  it("never sends more than the budget within any window, in submission order", async () => {
    const clock = virtualClock();
    const queue = new GroupSendQueue(3, { windowMs: 60_000, clock });
    const sentAt: number[] = [];
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        queue.send(-100, async () => {
          sentAt.push(clock.now());
          order.push(i);
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (let i = 3; i < sentAt.length; i++) {
      expect((sentAt[i] ?? 0) - (sentAt[i - 3] ?? 0)).toBeGreaterThanOrEqual(60_000);
    }
    expect(sentAt).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
  });

  it("keeps separate budgets per group", async () => {
    const clock = virtualClock();
    const queue = new GroupSendQueue(1, { windowMs: 1000, clock });
    const sentAt: Record<string, number> = {};
    await Promise.all([
      queue.send(-1, async () => {
        sentAt.a = clock.now();
      }),
      queue.send(-2, async () => {
        sentAt.b = clock.now();
      }),
    ]);
    expect(sentAt).toEqual({ a: 0, b: 0 });
  });

  it("counts a send from Telegram's answer, since Telegram counts it from its arrival", async () => {
    const clock = virtualClock();
    const queue = new GroupSendQueue(1, { windowMs: 1000, clock });
    const startedAt: number[] = [];
    const slowSend = async () => {
      startedAt.push(clock.now());
      await clock.sleep(300); // the request travels and Telegram answers
    };
    await Promise.all([queue.send(-1, slowSend), queue.send(-1, slowSend)]);
    expect(startedAt).toEqual([0, 1300]);
  });

  it("goes on after a failed send", async () => {
    const queue = new GroupSendQueue(10, { clock: virtualClock() });
    await expect(queue.send(-1, async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    await expect(queue.send(-1, async () => 42)).resolves.toBe(42);
  });
});
