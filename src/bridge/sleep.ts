// The one way to wait: Node's promise timer, ended early (without an error) by an abort, so a
// stopping loop wakes at once and decides for itself what a stop means.
import { setTimeout as timer } from "node:timers/promises";

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await timer(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}
