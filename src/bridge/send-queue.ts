// One queue per staff group: Telegram allows a bot about 20 messages a minute into one group,
// for all its topics together. Sends go out one at a time, first come first served (each chat
// waits for its previous message, so chats take turns), and never more than the budget in any
// sliding minute. A 429 is retried inside the call (auto-retry), which holds the queue too.
// A send counts from when Telegram answered it, not from when it left: Telegram counts it from
// its arrival, so a slot counted from the departure would free up a little too early.
// At a stop the queue closes: sends still waiting are refused (their messages stay unposted and
// their cursors unmoved), the one under way finishes. With several instances, a send whose turn
// comes when this instance no longer holds the group's lease is refused the same way: the new
// holder posts it.
import { Gate } from "./gate.ts";
import { type Serves, servesAll } from "./leases.ts";
import { sleep } from "./sleep.ts";
import { SlidingWindow } from "./sliding-window.ts";

export interface Clock {
  now(): number;
  /** Ends early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Told how each send into a group went (undefined: it went through). */
export interface SendObserver {
  sendResult(staffChatId: number, error: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, signal),
};

export class GroupSendQueue {
  private readonly perMinute: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly lanes = new Map<number, Lane>();
  private readonly closing = new AbortController();
  private readonly observer: SendObserver | undefined;
  private readonly serves: Serves;

  constructor(
    perMinute: number,
    options: { windowMs?: number; clock?: Clock; observer?: SendObserver; serves?: Serves } = {},
  ) {
    this.serves = options.serves ?? servesAll;
    this.perMinute = perMinute;
    this.windowMs = options.windowMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
    this.observer = options.observer;
  }

  /** Runs `send` when the group's budget allows; it counts as one message in the group. */
  send<T>(staffChatId: number, send: () => Promise<T>): Promise<T> {
    const current = this.lane(staffChatId);
    current.waiting++;
    let counted = true;
    const uncount = () => {
      if (counted) current.waiting--;
      counted = false;
    };
    const run = async () => {
      try {
        await this.waitForBudget(current);
      } finally {
        uncount();
      }
      this.closing.signal.throwIfAborted();
      if (!this.serves(staffChatId)) {
        throw new Error(`another instance holds staff group ${staffChatId} now`);
      }
      // Reserved now so usage() sees it; stamped again once Telegram has answered.
      const answered = current.sent.record();
      try {
        const result = await send();
        this.observer?.sendResult(staffChatId, undefined);
        return result;
      } catch (error) {
        this.observer?.sendResult(staffChatId, error);
        throw error;
      } finally {
        answered();
      }
    };
    return current.gate.run(run, this.closing.signal).finally(uncount);
  }

  /** Refuses every send from now on; resolves once the send under way (if any) is done. */
  async close(): Promise<void> {
    this.closing.abort(new Error("the bridge is stopping"));
    await Promise.all([...this.lanes.values()].map((lane) => lane.gate.idle()));
  }

  /**
   * Announces a post that is on its way (a changed chat whose messages are being fetched);
   * call the returned function once it is queued or dropped.
   */
  expect(staffChatId: number): () => void {
    const lane = this.lane(staffChatId);
    lane.expected++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      lane.expected--;
    };
  }

  /**
   * True while posts sent, waiting and on their way fill the group's budget: the budget, not
   * the bridge, sets the pace.
   */
  backlogged(staffChatId: number): boolean {
    const { used, limit } = this.usage(staffChatId);
    const lane = this.lanes.get(staffChatId);
    return used + (lane?.waiting ?? 0) + (lane?.expected ?? 0) >= limit;
  }

  /** Posts waiting for their turn, per group. */
  depth(): { staffChatId: number; depth: number }[] {
    return [...this.lanes].map(([staffChatId, lane]) => ({ staffChatId, depth: lane.waiting }));
  }

  /** Messages sent into the group within the last window, and the budget. */
  usage(staffChatId: number): { used: number; limit: number } {
    return { used: this.lanes.get(staffChatId)?.sent.used() ?? 0, limit: this.perMinute };
  }

  private lane(staffChatId: number): Lane {
    let lane = this.lanes.get(staffChatId);
    if (!lane) {
      const sent = new SlidingWindow(this.perMinute, this.windowMs, () => this.clock.now());
      lane = { gate: new Gate(1), sent, waiting: 0, expected: 0 };
      this.lanes.set(staffChatId, lane);
    }
    return lane;
  }

  private async waitForBudget(lane: Lane): Promise<void> {
    while (!lane.sent.allows() && !this.closing.signal.aborted) {
      await this.clock.sleep(lane.sent.waitMs(), this.closing.signal);
    }
  }
}

interface Lane {
  /** One send at a time, in the order they came. */
  gate: Gate;
  /** Messages into the group within the last window. */
  sent: SlidingWindow;
  /** Sends queued behind the budget (for the queue-depth metric). */
  waiting: number;
  /** Posts announced but not queued yet. */
  expected: number;
}
