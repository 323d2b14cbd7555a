import { describe, expect, it } from "vitest";
import { score } from "./count.ts";

describe("chaos scoring", () => {
  it("counts nothing for an exact arrival", () => {
    expect(score(["a", "b", "c"], ["a", "b", "c"])).toEqual({
      expected: 3,
      lost: 0,
      duplicates: 0,
      orderViolations: 0,
    });
  });

  it("counts a unit repeated right after itself as a duplicate in order", () => {
    expect(score(["a", "b", "c"], ["a", "b", "b", "c"])).toMatchObject({
      duplicates: 1,
      orderViolations: 0,
    });
  });

  it("counts an older unit after a newer one as out of order", () => {
    expect(score(["a", "b", "c"], ["a", "c", "b"])).toMatchObject({ lost: 0, orderViolations: 1 });
    expect(score(["a", "b", "c"], ["a", "b", "c", "b"])).toMatchObject({
      duplicates: 1,
      orderViolations: 1,
    });
  });

  it("counts what never arrived as lost", () => {
    expect(score(["a", "b", "c"], ["a", "c"])).toMatchObject({ lost: 1, orderViolations: 0 });
  });

  it("refuses a unit the chat never expected", () => {
    expect(() => score(["a"], ["a", "x"])).toThrow(/not expected/);
  });
});
