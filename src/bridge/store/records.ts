// What the bridge keeps between runs, record by record.
import type { Attachment, Id, ProductFacts } from "../provider.ts";

export interface TopicRecord {
  accountId: string;
  chatId: Id;
  staffChatId: number;
  threadId: number;
  title: string;
  orderNumber?: string;
  returnNumber?: string;
  buyerName?: string;
  /** Product SKU the buyer asks about, when the marketplace tells it. */
  sku?: string;
  /** Size, price and page of that product, when the marketplace tells them. */
  product?: ProductFacts;
  disputed?: boolean;
  /** Who the conversation waits for: "us" when the buyer wrote last. */
  waiting?: "us" | "buyer";
  closed?: boolean;
  /** When the buyer's unanswered message arrived (ms); reminders count from it. */
  waitingSince?: number;
  /** Reminder thresholds already posted for the current wait. */
  reminded?: string[];
  /** When the buyer's latest message arrived (ms): a reply window counts from it. */
  buyerAt?: number;
  /** When the card's "time left" was worked out (ms): it is edited only when that matters. */
  cardAt?: number;
  /** The last message in the chat, or staff reopening the topic (ms): auto-closing counts from it. */
  activeAt?: number;
  /** The end (ms) of the off-hours period whose automatic reply the buyer was sent. */
  autoReplied?: number;
  /** The pinned order card, edited when the facts change. */
  cardMessageId?: number;
  /** The staff member who leads the chat: shown in the card, mentioned first by reminders. */
  owner?: StaffUser;
}

/** A staff member as Telegram names them (an anonymous admin: the group's id and title). */
export interface StaffUser {
  userId: number;
  name: string;
  username?: string;
}

/** Who sent a staff message that reached the buyer, and when (for /export and statistics). */
export interface AnswerRecord {
  /** The outbound job: a job finished again after a crash is not recorded twice. */
  jobId: string;
  /** The staff message in Telegram. */
  messageId: number;
  /** When the marketplace accepted its first part (ms). */
  at: number;
  userId: number;
  name: string;
  /** The marketplace's ids of its parts, learned as they came back in the chat. */
  marketIds?: Id[];
}

/**
 * Per chat: the buyer's waiting periods, for statistics. A wait starts with the buyer's first
 * message after a shop message and ends with the next shop message that answers (a staff
 * answer sent through the bridge, or one written in the marketplace's cabinet). Times are the
 * marketplace's, so a wait's length is measured on one clock.
 */
export interface ChatActivity {
  accountId: string;
  chatId: Id;
  /** The newest message applied: a message read again after a crash changes nothing. */
  lastId: Id;
  /** Oldest first; only the last RETENTION days (see activity.ts). */
  waits: WaitRecord[];
}

export interface WaitRecord {
  /** The buyer's first message of the wait (ms). */
  since: number;
  /** Their latest message of the wait (ms): a reply window counts from it. */
  last: number;
  /** The longest pause between their messages within the wait (ms): a window can lapse there. */
  pause: number;
  /** The answer that ended it (ms); absent while the buyer waits. */
  answeredAt?: number;
  /** Who answered: absent for an answer written in the marketplace's cabinet. */
  by?: { userId: number; name: string };
}

export interface ThreadRecord {
  accountId: string;
  chatId: Id;
}

export interface CursorRecord {
  /** Newest marketplace message delivered to Telegram (or baselined). */
  lastId: Id;
  /** The chat list's change token when the chat was last synced. */
  changeToken: string;
  /** When the last sync read the history (ms, our clock). */
  syncedAt?: number;
  /** When a sync first read the chat with its current change token (ms, our clock). */
  tokenSeenAt?: number;
  /**
   * Set on a first start when the list has no newest message id (Yandex): messages up to this
   * time (ms) were there already and stay unposted. `lastId` is "0" until the chat's first sync.
   */
  baselineAt?: number;
}

export interface AccountState {
  /** The first full listing is done: from now on unknown chats are new chats. */
  baselined: boolean;
}

export type OutboundPart =
  | { type: "text"; text: string }
  | { type: "file"; fileId: string; name: string; mime: string; size?: number };

export interface OutboundJob {
  id: string;
  staffChatId: number;
  threadId: number;
  /** The staff message in Telegram: receipts and failure replies go to it. */
  messageId: number;
  accountId: string;
  chatId: Id;
  parts: OutboundPart[];
  /** Who wrote it; absent on jobs stored before senders were recorded, and on automatic ones. */
  sender?: StaffUser;
  /**
   * Sent by the bridge itself (OFF_HOURS_REPLY; `messageId` is its note in the topic): not an
   * answer, so the chat keeps waiting, nobody becomes its owner and no answer is recorded.
   */
  automatic?: boolean;
  /** Parts already accepted by the marketplace. */
  done: number;
  /** The last attempt at part `done` failed in a way that may have delivered it anyway. */
  uncertain?: boolean;
  attempts: number;
  /** Attempts this run may make (default: the outbound's own); a tapped retry makes one. */
  maxAttempts?: number;
  /** The failure reply this run was asked for from (its retry button): edited with the outcome. */
  failureReplyId?: number;
  createdAt: number;
}

/**
 * A staff message whose last run failed for a reason that may pass, kept (with its progress:
 * parts already accepted are not sent again) for a tap on the failure reply's retry button.
 */
export interface FailedSend {
  job: OutboundJob;
  /** The failure reply carrying the button, once it is posted. */
  replyId?: number;
  failedAt: number;
}

export interface EchoRecord {
  /** Job id and part index: re-registering after a restart does not add a second entry. */
  key: string;
  kind: "text" | "file";
  text?: string;
  at: number;
  /** The staff message it came from, for the "read by the buyer" receipt. */
  staff?: StaffMessageRef;
  /**
   * Who wrote it: a staff answer, which ends the buyer's wait (statistics). Absent on the
   * bridge's own messages, which answer nobody.
   */
  sender?: StaffUser;
  /** The marketplace message that consumed it, kept until a newer message consumes another. */
  consumedBy?: Id;
}

/** A buyer's file the marketplace was still checking when its message was posted. */
export interface DeferredFile {
  accountId: string;
  chatId: Id;
  attachment: Attachment;
  /** When to ask for it again (ms). */
  notBefore: number;
}

export interface StaffEdit {
  threadId: number;
  text: string;
  sender?: StaffUser;
  /** Telegram's edit_date: each edit can be sent once. */
  version: number;
}

/** A quick reply of a staff group, under the name staff type after "!". */
export interface TemplateRecord {
  /** As staff wrote it; lookups ignore case. */
  name: string;
  /** With its placeholders ({order}, …) unfilled. */
  text: string;
  updatedAt: number;
}

/** A template shown in a topic, waiting for "send" or "cancel" under its preview. */
export interface TemplatePreview {
  threadId: number;
  name: string;
  /** Filled when the preview was made: what staff saw is what the buyer gets. */
  text: string;
}

export interface StaffMessageRef {
  staffChatId: number;
  messageId: number;
}

/** A staff message the marketplace now shows under `marketId`, not yet read by the buyer. */
export interface SentRecord extends StaffMessageRef {
  marketId: Id;
}
