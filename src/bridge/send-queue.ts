// One queue per staff group: Telegram allows a bot about 20 messages a minute into one group,
// for all its topics together. Sends go out one at a time, first come first served (each chat
// waits for its previous message, so chats take turns), and never more than the budget in any
// sliding minute. A 429 is retried inside the call (auto-retry), which holds the queue too.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class GroupSendQueue {
  private readonly perMinute: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly lanes = new Map<number, Lane>();

  constructor(perMinute: number, options: { windowMs?: number; clock?: Clock } = {}) {
    this.perMinute = perMinute;
    this.windowMs = options.windowMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Runs `send` when the group's budget allows; it counts as one message in the group. */
  send<T>(staffChatId: number, send: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(staffChatId);
    if (!lane) {
      lane = { tail: Promise.resolve(), sentAt: [], waiting: 0 };
      this.lanes.set(staffChatId, lane);
    }
    const current = lane;
    current.waiting++;
    const run = async () => {
      try {
        await this.waitForBudget(current);
      } finally {
        current.waiting--;
      }
      current.sentAt.push(this.clock.now());
      return send();
    };
    const result = current.tail.then(run, run);
    current.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** True while posts wait for the group's budget: the budget, not the bridge, sets the pace. */
  backlogged(staffChatId: number): boolean {
    const { used, limit } = this.usage(staffChatId);
    return used + (this.lanes.get(staffChatId)?.waiting ?? 0) >= limit;
  }

  /** Posts waiting for their turn, per group. */
  depth(): { staffChatId: number; depth: number }[] {
    return [...this.lanes].map(([staffChatId, lane]) => ({ staffChatId, depth: lane.waiting }));
  }

  /** Messages sent into the group within the last window, and the budget. */
  usage(staffChatId: number): { used: number; limit: number } {
    const since = this.clock.now() - this.windowMs;
    const sent = this.lanes.get(staffChatId)?.sentAt ?? [];
    return { used: sent.filter((at) => at > since).length, limit: this.perMinute };
  }

  private async waitForBudget(lane: Lane): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      while (lane.sentAt.length > 0 && (lane.sentAt[0] ?? 0) <= now - this.windowMs) {
        lane.sentAt.shift();
      }
      if (lane.sentAt.length < this.perMinute) return;
      await this.clock.sleep((lane.sentAt[0] ?? now) + this.windowMs - now);
    }
  }
}

interface Lane {
  tail: Promise<unknown>;
  sentAt: number[];
  /** Sends queued behind the budget (for the queue-depth metric). */
  waiting: number;
}
