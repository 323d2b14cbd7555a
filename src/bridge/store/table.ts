// What the typed repositories stand on: named tables of JSON values by string key, in one of two
// engines (open.ts picks one). Errors throw
// instead of reading as "missing": a silent undefined on the topic map would create duplicate
// topics.
export interface Table<T> {
  get(key: string): Promise<T | undefined>;
  has(key: string): Promise<boolean>;
  /** `ttlMs`: the value reads as missing after that long. */
  set(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every entry, in no defined order. */
  entries(): AsyncIterable<[string, T]>;
}

/** Told of every failed write, so that a failing disk or database is noticed at once. */
export interface WriteObserver {
  failed(error: unknown): void;
}

/** One entry as a copy takes it: with the moment it expires, if it does. */
export interface Row {
  key: string;
  value: unknown;
  expiresAt?: number;
}

export interface Engine {
  table<T>(name: string): Table<T>;
  /** Every live entry of a table, with its expiry (what `state:copy` moves). */
  rows(name: string): AsyncIterable<Row>;
  /** Only an engine several processes can share (Postgres) coordinates them. */
  leases?: LeaseBoard;
  close(): Promise<void>;
}

/** A unit of work and who holds it (`expiresInMs` counted by the database's clock). */
export interface LeaseRow {
  unit: string;
  holder: string;
  expiresInMs: number;
}

/** A unit a claim holds. */
export interface Claimed {
  unit: string;
  /**
   * Taken from another holder whose lease had expired this long before (ms, by the database's
   * clock). Absent when the unit was free (never held, or released) or already the claimer's.
   */
  expiredMsAgo?: number;
}

/**
 * Where instances sharing one state take turns: leases with an expiry counted by the database's
 * clock (so the hosts' clocks do not matter), and notices from one instance to the others.
 */
export interface LeaseBoard {
  /**
   * Takes each unit that is free or expired, and renews those `holder` holds, for `ttlMs`;
   * returns the units `holder` holds now.
   */
  claim(holder: string, units: readonly string[], ttlMs: number): Promise<Claimed[]>;
  /** Gives up `holder`'s leases of `units` at once. */
  release(holder: string, units: readonly string[]): Promise<void>;
  /** Every lease not yet expired. */
  holders(): Promise<LeaseRow[]>;
  notify(channel: string, payload: string): Promise<void>;
  /** Calls `heard` with each notice on `channel` from any instance (this one included). */
  listen(channel: string, heard: (payload: string) => void): Promise<void>;
}

/**
 * Who opens the state. Bridges share it (and mark it as theirs while they run); a copy takes it
 * to itself and refuses while a bridge is running on it (`StateInUse`).
 */
export type Use = "shared" | "exclusive";

export class StateInUse extends Error {
  override name = "StateInUse";
}

/** A write that fails is reported to the observer, then thrown to its caller. */
export function reporting(observer: WriteObserver) {
  return async (action: () => Promise<unknown>): Promise<void> => {
    try {
      await action();
    } catch (error) {
      observer.failed(error);
      throw error;
    }
  };
}
