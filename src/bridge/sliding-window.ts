// "At most N in any window": Telegram's messages a minute into one group, a marketplace's list
// calls an hour. One counter for every such budget; what waits for it (a queue, a poll cycle)
// stays with its user. (Wildberries' limiter is not one: its rows are token buckets too, see
// src/providers/wildberries/limiter.ts.)

interface Stamp {
  at: number;
  weight: number;
}

export class SlidingWindow {
  readonly limit: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  /** Oldest first. */
  private readonly stamps: Stamp[] = [];

  /** `now` is read at every call (a benchmark may move Date.now itself). */
  constructor(limit: number, windowMs: number, now: () => number = () => Date.now()) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.now = now;
  }

  /** What was counted within the last window. */
  used(): number {
    this.prune();
    return this.stamps.reduce((sum, stamp) => sum + stamp.weight, 0);
  }

  allows(weight = 1): boolean {
    return this.used() + weight <= this.limit;
  }

  /** How long until `weight` more fit in the window (0: now). */
  waitMs(weight = 1): number {
    let excess = this.used() + weight - this.limit;
    if (excess <= 0) return 0;
    for (const stamp of this.stamps) {
      excess -= stamp.weight;
      if (excess <= 0) return Math.max(0, stamp.at + this.windowMs - this.now());
    }
    // More than the whole window holds: as soon as everything counted now has left it.
    return this.windowMs;
  }

  /**
   * Counts `weight` from now. The returned function moves it to the present again: a Telegram
   * send counts from when Telegram answered it, and is reserved while it is on its way.
   */
  record(weight = 1): () => void {
    const stamp = { at: this.now(), weight };
    this.stamps.push(stamp);
    return () => {
      const index = this.stamps.indexOf(stamp);
      if (index < 0) return;
      this.stamps.splice(index, 1);
      stamp.at = this.now();
      let at = this.stamps.length;
      while (at > 0 && (this.stamps[at - 1]?.at ?? 0) > stamp.at) at--;
      this.stamps.splice(at, 0, stamp);
    };
  }

  private prune(): void {
    const since = this.now() - this.windowMs;
    while (this.stamps.length > 0 && (this.stamps[0]?.at ?? 0) <= since) this.stamps.shift();
  }
}
