// A chat's waiting periods, kept as inbound reads the chat in the marketplace's own order: the
// buyer's first message after a shop message starts a wait, the next shop message that answers
// ends it. Because the order is the marketplace's, a buyer who writes just after an answer
// starts a new wait even when the clocks disagree by a few seconds.
import { compareIds, type Id, type MarketMessage } from "./provider.ts";
import type { ChatActivity, StaffUser, WaitRecord } from "./store/index.ts";

const DAY = 24 * 60 * 60 * 1000;
/** The longest /stats period: the waits kept reach this far back. */
export const MAX_STATS_DAYS = 90;
/** Waits are kept this long: the longest /stats period, plus the reply windows around it. */
const RETENTION_MS = (MAX_STATS_DAYS + 10) * DAY;
/** And at most this many per chat (the newest). */
const MAX_WAITS = 500;

export function emptyActivity(accountId: string, chatId: Id): ChatActivity {
  return { accountId, chatId, lastId: "0", waits: [] };
}

/** When a message was written, by the marketplace's clock (ours if it names no valid time). */
export function writtenAt(message: MarketMessage): number {
  const at = Date.parse(message.createdAt);
  return Number.isNaN(at) ? Date.now() : at;
}

/**
 * The buyer wrote: a new wait, or the open one goes on. False when nothing changed (a message
 * read again after a crash).
 */
export function buyerWrote(activity: ChatActivity, message: MarketMessage): boolean {
  if (!unseen(activity, message.id)) return false;
  activity.lastId = message.id;
  const at = writtenAt(message);
  const open = openWait(activity);
  if (open) {
    open.pause = Math.max(open.pause, at - open.last);
    open.last = Math.max(open.last, at);
    return true;
  }
  activity.waits.push({ since: at, last: at, pause: 0 });
  const kept = activity.waits.filter((w) => w.since >= at - RETENTION_MS).slice(-MAX_WAITS);
  activity.waits = kept;
  return true;
}

/**
 * A shop message that answers the buyer (`by` the staff member who sent it through the bridge;
 * undefined when it was written in the marketplace's cabinet): the wait it ended, if one was
 * open.
 */
export function shopAnswered(
  activity: ChatActivity,
  message: MarketMessage,
  by: StaffUser | undefined,
): WaitRecord | undefined {
  if (!unseen(activity, message.id)) return undefined;
  activity.lastId = message.id;
  const open = openWait(activity);
  if (!open) return undefined;
  open.answeredAt = writtenAt(message);
  if (by) open.by = { userId: by.userId, name: by.name };
  return open;
}

function unseen(activity: ChatActivity, id: Id): boolean {
  return compareIds(id, activity.lastId) > 0;
}

function openWait(activity: ChatActivity): WaitRecord | undefined {
  const last = activity.waits.at(-1);
  return last && last.answeredAt === undefined ? last : undefined;
}
