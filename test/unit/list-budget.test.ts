import { describe, expect, it } from "vitest";
import { ListBudget } from "../../src/bridge/list-budget.ts";

describe("ListBudget", () => {
  it("allows calls up to its share of the hourly limit, then again as the hour slides", () => {
    let now = 0;
    const budget = new ListBudget(100, { share: 0.5, now: () => now });
    for (let i = 0; i < 50; i++) {
      expect(budget.allows(1)).toBe(true);
      budget.spend(1);
      now += 1000;
    }
    expect(budget.allows(1)).toBe(false);
    now = 60 * 60 * 1000 + 500; // the first call has left the window
    expect(budget.allows(1)).toBe(true);
    expect(budget.allows(2)).toBe(false);
  });
});
