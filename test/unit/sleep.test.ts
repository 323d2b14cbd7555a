import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sleep } from "../../src/bridge/sleep.ts";

// sleep() takes its timer from node:timers/promises, which only fakeNodeBuiltins replaces; the
// clock then moves only when a test moves it, so nothing here waits for real time.
beforeEach(() => {
  vi.useFakeTimers({ fakeNodeBuiltins: true });
});

afterEach(() => {
  vi.useRealTimers();
});

/** The sleep's outcome so far, readable while it is still pending. */
function watch(promise: Promise<void>): { state: "pending" | "resolved" | "rejected" } {
  const watched: { state: "pending" | "resolved" | "rejected" } = { state: "pending" };
  promise.then(
    () => {
      watched.state = "resolved";
    },
    () => {
      watched.state = "rejected";
    },
  );
  return watched;
}

describe("sleep", () => {
  it("resolves once its time has passed, not a millisecond earlier", async () => {
    const slept = watch(sleep(1000));
    await vi.advanceTimersByTimeAsync(999);
    expect(slept.state).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(slept.state).toBe("resolved");
  });

  it("ends at once, without an error, when its signal aborts", async () => {
    const controller = new AbortController();
    const slept = watch(sleep(60_000, controller.signal));
    await vi.advanceTimersByTimeAsync(10);
    expect(slept.state).toBe("pending");

    controller.abort(new Error("stopping"));
    await vi.advanceTimersByTimeAsync(0);
    expect(slept.state).toBe("resolved");
    // Its timer went with it: nothing is left to keep a stopping process alive.
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not wait at all when the signal is already aborted", async () => {
    const slept = watch(sleep(60_000, AbortSignal.abort()));
    await vi.advanceTimersByTimeAsync(0);
    expect(slept.state).toBe("resolved");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("waits its full time when given a signal that does not abort", async () => {
    const slept = watch(sleep(500, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(499);
    expect(slept.state).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(slept.state).toBe("resolved");
  });
});
