// How a chaos run is scored, per chat and direction: what was expected, in which order, against
// what the receiving side shows. Pure, so the scoring itself is tested (count.test.ts).

export interface Tally {
  expected: number;
  /** Expected units that never arrived. */
  lost: number;
  /** Copies beyond the first. */
  duplicates: number;
  /** Arrivals of a unit older than one that already arrived (a repeat of the newest is not). */
  orderViolations: number;
}

export const emptyTally = (): Tally => ({
  expected: 0,
  lost: 0,
  duplicates: 0,
  orderViolations: 0,
});

/**
 * Scores one chat: `expected` in the order it was written, `arrived` in the order the receiver
 * shows it (units the chat never expected must be filtered out before). A crash between the
 * receiver accepting a unit and the bridge recording it repeats that unit right away, so a
 * repeat of the newest unit is a duplicate only; an older unit arriving after a newer one is
 * also an order violation.
 */
export function score(expected: readonly string[], arrived: readonly string[]): Tally {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const unit of arrived) {
    if (seen.has(unit)) duplicates++;
    seen.add(unit);
  }
  return {
    expected: expected.length,
    lost: expected.filter((unit) => !seen.has(unit)).length,
    duplicates,
    orderViolations: lateArrivals(expected, arrived).length,
  };
}

/** The arrivals of a unit older than one that already arrived, each with that newer one. */
export function lateArrivals(
  expected: readonly string[],
  arrived: readonly string[],
): Array<{ unit: string; after: string }> {
  const rank = new Map(expected.map((unit, index) => [unit, index]));
  const late: Array<{ unit: string; after: string }> = [];
  let newest = -1;
  for (const unit of arrived) {
    const index = rank.get(unit);
    if (index === undefined) throw new Error(`score: "${unit}" was not expected here`);
    if (index < newest) late.push({ unit, after: expected[newest] as string });
    newest = Math.max(newest, index);
  }
  return late;
}

export function add(a: Tally, b: Tally): Tally {
  return {
    expected: a.expected + b.expected,
    lost: a.lost + b.lost,
    duplicates: a.duplicates + b.duplicates,
    orderViolations: a.orderViolations + b.orderViolations,
  };
}
