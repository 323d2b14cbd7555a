// Several instances on one shared state take turns by leases (store/table.ts `LeaseBoard`):
// one lease per staff group and one for the bot. A group's lease covers everything that writes
// into that group and into its chats' records: polling its accounts (an account posts into one
// group only), its outbound jobs, reminders, off-hours replies, idle topics, the digest and key
// notices. So one holder is the one writer of a group's chats (the in-process KeyedGates of the
// repositories stay right) and the one sender into the group (its Telegram budget holds). The bot
// lease says who long-polls Telegram.
//
// A lease is renewed every third of its length. The holder counts it as its own until the
// moment it sent the last successful claim plus LEASE_VALID of the length: the database counts
// the expiry from later than that, so a holder that cannot renew stops working before anybody
// else may take the lease.
import type { Logger } from "../logger.ts";
import type { Claimed, LeaseBoard, LeaseRow } from "./store/table.ts";

export const BOT_LEASE = "bot";
export const groupLease = (staffChatId: number): string => `group:${staffChatId}`;
/** A notice on it: a lease was given up, claim now. */
export const RELEASED_CHANNEL = "leases";
/** A notice on it (a staff group's id): a staff job was stored for that group's holder. */
export const JOBS_CHANNEL = "jobs";

/** The share of a lease's length its holder works on it after the claim went out. */
const LEASE_VALID = 0.8;
/** A claim aimed at another holder's expiry goes this much after it (the expiry is strict). */
const EXPIRY_MARGIN_MS = 100;

/** Whether this process serves a staff group now (always, with one process). */
export type Serves = (staffChatId: number) => boolean;
export const servesAll: Serves = () => true;

export interface LeaseEvents {
  /**
   * `previousUntil`: taken over from a holder whose lease ran out, which worked on it until
   * this moment at the latest (ms since the epoch, this host's clock); absent when unknown.
   */
  gained(unit: string, previousUntil?: number): void;
  /** The lease lapsed or went to another instance: its work must stop now. */
  lost(unit: string): void;
}

export class Leases {
  readonly instanceId: string;
  readonly #board: LeaseBoard;
  readonly #ttlMs: number;
  readonly #units: readonly string[];
  readonly #log: Logger;
  readonly #events: LeaseEvents;
  /** Per held unit: until when (performance.now()) it is ours, and the timer ending it then. */
  readonly #held = new Map<string, { until: number; timer: NodeJS.Timeout }>();
  #timer: NodeJS.Timeout | undefined;
  /** A claim at the moment another holder's lapsing lease runs out. */
  #atExpiry: NodeJS.Timeout | undefined;
  #claiming: Promise<void> | undefined;
  #again = false;
  #failing = false;
  #stopped = false;

  constructor(deps: {
    board: LeaseBoard;
    instanceId: string;
    ttlMs: number;
    units: readonly string[];
    log: Logger;
    events: LeaseEvents;
  }) {
    this.#board = deps.board;
    this.instanceId = deps.instanceId;
    this.#ttlMs = deps.ttlMs;
    this.#units = deps.units;
    this.#log = deps.log.child({ instance: deps.instanceId });
    this.#events = deps.events;
  }

  holds(unit: string): boolean {
    const lease = this.#held.get(unit);
    return lease !== undefined && performance.now() < lease.until;
  }

  readonly serves: Serves = (staffChatId) => this.holds(groupLease(staffChatId));

  /** Staff groups held now. */
  groups(): number[] {
    return [...this.#held.keys()]
      .filter((unit) => unit.startsWith("group:") && this.holds(unit))
      .map((unit) => Number(unit.slice("group:".length)));
  }

  /** Who holds what, across instances. */
  holders(): Promise<LeaseRow[]> {
    return this.#board.holders();
  }

  /** Claims what is free, then keeps claiming every third of a lease, and at a released one. */
  async start(): Promise<void> {
    await this.#board.listen(RELEASED_CHANNEL, () => void this.claim());
    await this.claim();
    this.#timer = setInterval(() => void this.claim(), this.#ttlMs / 3);
    this.#timer.unref();
  }

  /** One round of claims; a round asked for while one runs follows it. */
  claim(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#claiming) {
      this.#again = true;
      return this.#claiming;
    }
    this.#claiming = this.#round().finally(() => {
      this.#claiming = undefined;
      if (this.#again) {
        this.#again = false;
        void this.claim();
      }
    });
    return this.#claiming;
  }

  async #round(): Promise<void> {
    const sent = performance.now();
    let got: Map<string, Claimed>;
    try {
      const claimed = await this.#board.claim(this.instanceId, this.#units, this.#ttlMs);
      got = new Map(claimed.map((c) => [c.unit, c]));
    } catch (error) {
      // Held leases run out by their timers; the next round tries again.
      if (!this.#failing) this.#log.warn({ err: error }, "leases could not be renewed");
      this.#failing = true;
      return;
    }
    if (this.#failing) this.#log.info("leases renewed again");
    this.#failing = false;
    if (this.#stopped) return;
    const answered = Date.now();
    for (const unit of this.#units) {
      const claimed = got.get(unit);
      // The previous holder stopped LEASE_VALID into its last lease, the rest before expiry.
      const previousUntil =
        claimed?.expiredMsAgo === undefined
          ? undefined
          : answered - claimed.expiredMsAgo - this.#ttlMs * (1 - LEASE_VALID);
      if (claimed) this.#keep(unit, sent + this.#ttlMs * LEASE_VALID, previousUntil);
      else if (this.#held.has(unit)) this.#lose(unit);
    }
    if (got.size < this.#units.length) await this.#watchExpiry();
  }

  /**
   * A holder that renews has more than a round of its lease left at any time; one with less
   * has stopped renewing (died). Its lease is claimed the moment it runs out, not up to a round
   * later, so a takeover takes LEASE_SECONDS at most.
   */
  async #watchExpiry(): Promise<void> {
    let rows: LeaseRow[];
    try {
      rows = await this.#board.holders();
    } catch {
      return; // the next round tries again
    }
    const lapsing = rows.filter(
      (row) =>
        row.holder !== this.instanceId &&
        this.#units.includes(row.unit) &&
        row.expiresInMs < this.#ttlMs / 3,
    );
    if (lapsing.length === 0 || this.#stopped) return;
    const wait = Math.max(0, Math.min(...lapsing.map((row) => row.expiresInMs)));
    clearTimeout(this.#atExpiry);
    this.#atExpiry = setTimeout(() => void this.claim(), wait + EXPIRY_MARGIN_MS);
    this.#atExpiry.unref();
  }

  #keep(unit: string, until: number, previousUntil: number | undefined): void {
    const previous = this.#held.get(unit);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => this.#lose(unit), Math.max(0, until - performance.now()));
    timer.unref();
    this.#held.set(unit, { until, timer });
    if (previous) return;
    this.#log.info({ lease: unit }, "lease taken");
    this.#events.gained(unit, previousUntil);
  }

  #lose(unit: string): void {
    const lease = this.#held.get(unit);
    if (!lease) return;
    clearTimeout(lease.timer);
    this.#held.delete(unit);
    this.#log.warn({ lease: unit }, "lease lost");
    this.#events.lost(unit);
  }

  /**
   * Gives every lease up at once and tells the others (call it once this instance's work has
   * stopped), so another instance takes over without waiting for the expiry.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#atExpiry);
    await this.#claiming;
    const units = [...this.#held.keys()];
    for (const { timer } of this.#held.values()) clearTimeout(timer);
    this.#held.clear();
    try {
      // All units: a claim that went through as the stop began holds some not counted above.
      await this.#board.release(this.instanceId, this.#units);
      if (units.length === 0) return;
      await this.#board.notify(RELEASED_CHANNEL, this.instanceId);
      this.#log.info({ leases: units }, "leases handed over");
    } catch (error) {
      this.#log.warn({ err: error }, "leases not handed over; they expire by themselves");
    }
  }
}
