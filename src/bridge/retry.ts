// One-tap retry of a staff message that failed for a reason that may pass: which failures get
// the button, and the button's callback data (validated on the way back: it is user input).
import { ProviderError } from "./provider.ts";
import { TelegramError } from "./telegram.ts";

const PREFIX = "retry:";
/** Telegram's limit on callback data. */
const MAX_DATA_BYTES = 64;
const DATA = /^retry:(\d{1,12}(?::[\w.:-]{1,40})?)$/;

/**
 * A final failure after which the same message may go through later, so staff get a button
 * rather than having to type it again:
 * - `transient`, `rate_limited`: the marketplace was down, slow or throttling until the
 *   retries ran out; it comes back.
 * - `forbidden`: mostly a closed reply window, which reopens when the buyer writes again (or a
 *   subscription the shop can buy).
 * - Telegram failing to hand out the staff member's file (network, 5xx).
 * Never: `auth` (the key must be replaced in the settings and the bridge restarted, which takes
 * longer than the button lives usefully), `not_found` (the chat is gone), `invalid` (file
 * type, size or text the marketplace refuses: the same content fails the same way), a file
 * Telegram refused, or an error of our own.
 */
export function mayPass(error: unknown): boolean {
  if (error instanceof ProviderError) {
    return (
      error.kind === "transient" || error.kind === "rate_limited" || error.kind === "forbidden"
    );
  }
  return error instanceof TelegramError && error.kind === "transient";
}

/**
 * The retry button's data: the job's id without its group (the callback tells the group), or
 * undefined when it does not fit.
 */
export function retryData(job: { id: string; staffChatId: number }): string | undefined {
  const group = `${job.staffChatId}:`;
  if (!job.id.startsWith(group)) return undefined;
  const data = PREFIX + job.id.slice(group.length);
  return DATA.test(data) && Buffer.byteLength(data) <= MAX_DATA_BYTES ? data : undefined;
}

/** The job a tap in `staffChatId` names, or undefined for data that is not a retry's. */
export function retriedJobId(staffChatId: number, data: string): string | undefined {
  const match = DATA.exec(data);
  return match ? `${staffChatId}:${match[1]}` : undefined;
}

export function isRetryData(data: string): boolean {
  return data.startsWith(PREFIX);
}
