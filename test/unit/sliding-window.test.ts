import { describe, expect, it } from "vitest";
import { SlidingWindow } from "../../src/bridge/sliding-window.ts";

const HOUR = 60 * 60 * 1000;

describe("SlidingWindow", () => {
  it("allows up to its limit, then again as the window slides", () => {
    let now = 0;
    const window = new SlidingWindow(50, HOUR, () => now);
    for (let i = 0; i < 50; i++) {
      expect(window.allows()).toBe(true);
      window.record();
      now += 1000;
    }
    expect(window.allows()).toBe(false);
    expect(window.used()).toBe(50);
    now = HOUR + 500; // the first call has left the window
    expect(window.allows()).toBe(true);
    expect(window.allows(2)).toBe(false);
  });

  it("says how long until more fit, counting weights", () => {
    let now = 0;
    const window = new SlidingWindow(5, 60_000, () => now);
    window.record(2);
    now = 10_000;
    window.record(3);
    expect(window.waitMs()).toBe(50_000);
    expect(window.waitMs(3)).toBe(60_000 - 10_000 + 10_000);
    expect(window.waitMs(6)).toBe(60_000);
    now = 60_000;
    expect(window.waitMs()).toBe(0);
    expect(window.used()).toBe(3);
  });

  it("moves a reserved stamp to the moment it is confirmed, keeping the oldest first", () => {
    let now = 0;
    const window = new SlidingWindow(2, 60_000, () => now);
    const confirm = window.record();
    now = 5_000;
    window.record();
    now = 20_000;
    confirm(); // the first now counts from 20 s, after the second (5 s)
    now = 65_000; // the second has left, the first has not
    expect(window.used()).toBe(1);
    expect(window.waitMs(2)).toBe(20_000 + 60_000 - 65_000);
    confirm(); // only once
    expect(window.used()).toBe(1);
  });
});
