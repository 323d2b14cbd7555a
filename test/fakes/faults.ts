// Fault injection shared by the marketplace fakes. Faults queue up per key (a path or an
// operation; "*" stands for every request). A request takes at most one fault of each kind, so
// "fail" and "delay" queued for one key both act on the next request.

import type { IncomingMessage, ServerResponse } from "node:http";

export interface FailOptions {
  status: number;
  /** Response body: an object is sent as JSON, a string as is. Default: the error envelope. */
  body?: unknown;
  /** How many consecutive requests fail. Default 1. */
  times?: number;
  headers?: Record<string, string>;
}

/**
 * How truncateNext cuts an answer in half. "end": a complete HTTP response whose body is half a
 * JSON document; "close": Content-Length announces the whole body and the socket closes after
 * half of it.
 */
export type TruncateMode = "end" | "close";

/** What is left to do to a request that survived its arrival (see FaultQueue.arrive). */
export interface PendingFaults {
  /** Answer with this instead of processing the request. */
  fail: FailOptions | undefined;
  /** Process the request, then destroy the socket instead of answering. */
  resetAfterProcessing: boolean;
  truncate: TruncateMode | undefined;
}

type Fault =
  | { kind: "fail"; options: FailOptions; remaining: number }
  | { kind: "delay"; ms: number }
  | { kind: "reset"; afterProcessing: boolean }
  | { kind: "truncate"; mode: TruncateMode };

/** The queued faults of one fake, and the timers of the delays they hold requests in. */
export class FaultQueue<Key extends string> {
  readonly #queues = new Map<Key | "*", Fault[]>();
  readonly #timers = new Set<NodeJS.Timeout>();

  failNext(key: Key | "*", options: FailOptions): void {
    this.#add(key, { kind: "fail", options, remaining: options.times ?? 1 });
  }

  delayNext(key: Key | "*", ms: number): void {
    this.#add(key, { kind: "delay", ms });
  }

  resetNext(key: Key | "*", afterProcessing: boolean): void {
    this.#add(key, { kind: "reset", afterProcessing });
  }

  truncateNext(key: Key | "*", mode: TruncateMode): void {
    this.#add(key, { kind: "truncate", mode });
  }

  /**
   * Applies the faults that act before a request is processed: a reset destroys its socket, a
   * delay holds it. Returns undefined when the request is gone (reset, or the client gave up
   * during the delay), else the faults left for its answer. A request of no known key (undefined)
   * meets only the "*" faults.
   */
  async arrive(
    key: Key | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<PendingFaults | undefined> {
    const reset = this.#take(key, "reset");
    if (reset !== undefined && !reset.afterProcessing) {
      req.socket.destroy();
      return undefined;
    }
    const delay = this.#take(key, "delay");
    if (delay !== undefined) await this.#sleep(delay.ms);
    if (res.destroyed) return undefined;
    return {
      fail: this.#take(key, "fail")?.options,
      resetAfterProcessing: reset !== undefined,
      truncate: this.#take(key, "truncate")?.mode,
    };
  }

  /** Drops the timers of pending delays (on stop: their requests are never answered). */
  cancelDelays(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #add(key: Key | "*", fault: Fault): void {
    const list = this.#queues.get(key) ?? [];
    list.push(fault);
    this.#queues.set(key, list);
  }

  #take<K extends Fault["kind"]>(
    key: Key | undefined,
    kind: K,
  ): Extract<Fault, { kind: K }> | undefined {
    for (const candidate of [key, "*" as const]) {
      if (candidate === undefined) continue;
      const list = this.#queues.get(candidate);
      const index = list?.findIndex((f) => f.kind === kind) ?? -1;
      if (list === undefined || index < 0) continue;
      const fault = list[index] as Fault;
      if (fault.kind === "fail" && fault.remaining > 1) {
        fault.remaining -= 1;
      } else {
        list.splice(index, 1);
      }
      return fault as Extract<Fault, { kind: K }>;
    }
    return undefined;
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}
