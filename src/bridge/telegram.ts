// What the bridge needs from Telegram, without grammY details. The bot layer implements it.

export interface SendOptions {
  /** Post without a sound: system notices, the bridge's own bookkeeping. */
  silent?: boolean;
  /** Reply to this message (e.g. a failure reason under the staff message). */
  replyTo?: number;
  /** One row of inline buttons under the message. */
  buttons?: InlineButton[];
}

/** An inline button; `data` comes back in the callback when a staff member taps it. */
export interface InlineButton {
  text: string;
  /** At most 64 bytes (Telegram's limit on callback data). */
  data: string;
}

export interface MediaFile {
  name: string;
  bytes: Uint8Array;
}

/** Photos show inline (and are recompressed by Telegram); documents keep the file as is. */
export type MediaKind = "photo" | "document";

export interface TelegramFileInfo {
  size?: number;
  path?: string;
}

export interface TelegramPort {
  createTopic(staffChatId: number, name: string, iconColor: number): Promise<number>;
  renameTopic(staffChatId: number, threadId: number, name: string): Promise<void>;
  reopenTopic(staffChatId: number, threadId: number): Promise<void>;
  closeTopic(staffChatId: number, threadId: number): Promise<void>;
  /** Replaces the text; the buttons are replaced too (none given: none left). */
  editText(
    staffChatId: number,
    messageId: number,
    html: string,
    options?: { buttons?: InlineButton[] },
  ): Promise<void>;
  pin(staffChatId: number, messageId: number): Promise<void>;
  /** `html` uses Telegram's HTML parse mode; returns the new message id. */
  sendText(
    staffChatId: number,
    threadId: number | undefined,
    html: string,
    options?: SendOptions,
  ): Promise<number>;
  sendMedia(
    staffChatId: number,
    threadId: number,
    kind: MediaKind,
    file: MediaFile,
    captionHtml: string | undefined,
    options?: SendOptions,
  ): Promise<number>;
  react(staffChatId: number, messageId: number, emoji: string): Promise<void>;
  fileInfo(fileId: string): Promise<TelegramFileInfo>;
  /** What keeps the bot from running topics in the group (undefined: nothing). */
  rightsProblem(staffChatId: number): Promise<string | undefined>;
  downloadFile(path: string, maxBytes: number): Promise<Uint8Array>;
}

export type TelegramErrorKind =
  /** The topic was deleted by a human (or never existed). */
  | "thread_not_found"
  | "topic_closed"
  /** Telegram could not parse or accept this content; sending it again will not help. */
  | "rejected"
  /** Network trouble, 5xx, or 429 beyond the retry budget: try again later. */
  | "transient"
  /** The bot lost its rights or the chat: an operator has to act. */
  | "fatal";

export class TelegramError extends Error {
  readonly kind: TelegramErrorKind;
  constructor(kind: TelegramErrorKind, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "TelegramError";
    this.kind = kind;
  }
}

export function isTelegramError(error: unknown, kind: TelegramErrorKind): error is TelegramError {
  return error instanceof TelegramError && error.kind === kind;
}

/** t.me link to a topic of a supergroup (-100… ids drop their prefix in links). */
export function topicLink(staffChatId: number, threadId: number): string {
  return `https://t.me/c/${String(staffChatId).replace(/^-100/, "")}/${threadId}`;
}
