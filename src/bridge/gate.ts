// The one concurrency primitive: a gate lets at most `limit` tasks run at once; the others wait
// in the order they came. A keyed gate keeps one such gate of one per key, so the tasks of one
// chat run in order while different chats proceed side by side.

export class Gate {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #drained: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Tasks running or waiting for their turn. */
  get size(): number {
    return this.#running + this.#waiting.length;
  }

  /**
   * Runs `task` when a place is free. An abort while waiting rejects with the signal's reason
   * and gives the place up; a task already running is not interrupted.
   */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.#running >= this.#limit) await this.#enter(signal);
    else this.#running++;
    try {
      return await task();
    } finally {
      this.#leave();
    }
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #enter(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const admit = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(admit), 1);
        reject(signal?.reason);
        this.#settle();
      };
      this.#waiting.push(admit);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #leave(): void {
    // The place passes straight to the next in line, so nobody can slip in between.
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
    this.#settle();
  }

  #settle(): void {
    if (this.size > 0) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}

export class KeyedGate {
  readonly #gates = new Map<string, Gate>();

  /** Runs `task` after every task submitted earlier under the same key has settled. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let gate = this.#gates.get(key);
    if (!gate) {
      gate = new Gate(1);
      this.#gates.set(key, gate);
    }
    try {
      return await gate.run(task);
    } finally {
      if (gate.size === 0 && this.#gates.get(key) === gate) this.#gates.delete(key);
    }
  }

  /** Resolves when every task submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.#gates.size > 0) await Promise.all([...this.#gates.values()].map((g) => g.idle()));
  }
}

/** A round of work that never runs twice at once: a call while it runs shares that run. */
export class SingleFlight {
  #running: Promise<void> | undefined;

  get busy(): boolean {
    return this.#running !== undefined;
  }

  run(task: () => Promise<unknown>): Promise<void> {
    this.#running ??= task()
      .then(() => undefined)
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }
}

/** Runs `work` for every item, at most `limit` at a time. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const gate = new Gate(limit);
  await Promise.all(items.map((item) => gate.run(() => work(item))));
}
