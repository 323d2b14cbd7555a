// The events feed cursor (WILDBERRIES-CHAT.md §6): first request without `next`, then repeat with
// the `next` of the previous answer until `totalEvents` is 0.
//
// The spec leaves open (ref §11.4) whether `next` is inclusive (the boundary event comes again)
// or exclusive, and whether totalEvents counts the batch or what remains. The cursor sends `next`
// exactly as WB returned it and is right under every reading:
// - Repeats (inclusive reading): every event is deduplicated by its eventID against the ids the
//   cursor has already handed out. Only events at or after `next` can come again, so the state
//   keeps the ids of the newest events (all of those at the boundary millisecond), bounded.
// - The end: totalEvents 0 ends the drain as documented. Under the inclusive reading the last
//   batch never reaches 0 (it holds the boundary event again), so a batch that brings nothing
//   new and does not move `next` ends it too; so does an empty batch.
// - Losses (exclusive reading): none as long as WB stamps events after the `next` it has handed
//   out; an event written later with an older time would be lost under either reading (the
//   server filters by time), which no client can see.
// - `next` never goes back and is never 0 or absent once known: a missing or smaller value keeps
//   the previous one (WB refuses next=0, ref §5.2).
// The state is plain data so the poller can store it between runs.

import { isRecord } from "../wire.ts";
import type { WbEventsPage } from "./client.ts";

export interface EventCursorState {
  /** The `next` to send; undefined before the first batch. */
  next?: number;
  /** eventIDs already handed out at or near `next` (newest last), for deduplication. */
  seen: string[];
}

export interface CursorStep {
  state: EventCursorState;
  /** Raw events of the batch not handed out before, in WB's order. */
  fresh: unknown[];
  /** The feed is drained for now: stop asking until the next poll. */
  done: boolean;
}

/** Most ids kept for deduplication; far more than events can share one millisecond. */
export const MAX_SEEN_IDS = 1000;

export function initialCursor(): EventCursorState {
  return { seen: [] };
}

/** Folds one batch into the cursor: what is new, the next state, whether to stop. */
export function stepCursor(state: EventCursorState, page: WbEventsPage): CursorStep {
  const seen = new Set(state.seen);
  const fresh: unknown[] = [];
  const newIds: string[] = [];
  let newest: number | undefined;
  for (const event of page.events) {
    const id = isRecord(event) && typeof event.eventID === "string" ? event.eventID : undefined;
    const at = isRecord(event) ? event.addTimestamp : undefined;
    if (typeof at === "number" && Number.isSafeInteger(at) && at > 0) {
      newest = Math.max(newest ?? at, at);
    }
    // An event without an id cannot be deduplicated: handed out once, as it came.
    if (id !== undefined) {
      if (seen.has(id)) continue;
      seen.add(id);
      newIds.push(id);
    }
    fresh.push(event);
  }
  // `next` as WB returned it; only when it has none (or an unusable one) the newest event's time,
  // which is what the spec's example returns anyway (ref §6).
  const returned =
    page.next !== undefined && Number.isSafeInteger(page.next) && page.next > 0
      ? page.next
      : undefined;
  const next = advance(state.next, returned ?? newest);
  const moved = next !== state.next;
  const done = page.totalEvents === 0 || page.events.length === 0 || (fresh.length === 0 && !moved);
  return {
    state: {
      ...(next === undefined ? {} : { next }),
      seen: [...state.seen, ...newIds].slice(-MAX_SEEN_IDS),
    },
    fresh,
    done,
  };
}

/** The cursor only moves forward, and only to positive integers. */
function advance(current: number | undefined, proposed: number | undefined): number | undefined {
  if (proposed === undefined || !Number.isSafeInteger(proposed) || proposed <= 0) return current;
  return current === undefined || proposed > current ? proposed : current;
}

export interface DrainResult {
  state: EventCursorState;
  /** New raw events, oldest batch first. */
  events: unknown[];
  /** False when maxPages ran out before the feed said it was drained. */
  drained: boolean;
  /** Requests made. */
  pages: number;
}

/**
 * Reads batches until the feed is drained (or `maxPages` were read; the rest waits for the next
 * call). A failing batch throws; the state passed in is then still the one to resume from.
 */
export async function drainEvents(
  client: { events(next?: number, signal?: AbortSignal): Promise<WbEventsPage> },
  state: EventCursorState,
  options: { maxPages?: number; signal?: AbortSignal } = {},
): Promise<DrainResult> {
  const maxPages = options.maxPages ?? 20;
  const events: unknown[] = [];
  let current = state;
  for (let pages = 1; pages <= maxPages; pages++) {
    const page = await client.events(current.next, options.signal);
    const step = stepCursor(current, page);
    current = step.state;
    events.push(...step.fresh);
    if (step.done) return { state: current, events, drained: true, pages };
  }
  return { state: current, events, drained: false, pages: maxPages };
}
