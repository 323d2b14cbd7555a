// The contract every marketplace provider implements. The bridge sees only these normalized
// types, so a new marketplace is a new folder under src/providers/ (its connector builds the
// provider; see src/providers/connector.ts).

/** Marketplace ids (chat, message) are decimal strings or UUIDs; never JS numbers. */
export type Id = string;

export type SenderRole = "buyer" | "seller" | "system";

export interface Attachment {
  /** Where the provider can download it from (with its own credentials). */
  url: string;
  /** File name with extension when known. */
  name: string;
  kind: "image" | "file";
  /** Size in bytes when the marketplace tells it. */
  size?: number;
}

export interface MarketMessage {
  id: Id;
  chatId: Id;
  createdAt: string;
  role: SenderRole;
  /** Marketplace's own sender label (e.g. "Courier", "MARKET"), for staff display. */
  senderLabel: string;
  /** Plain text with attachment links taken out; may be empty when only files came. */
  text: string;
  attachments: Attachment[];
  /** Unread by the seller, when the marketplace tells it (used on the first start). */
  unread?: boolean;
  /** Posting/order number this message is about, when known. */
  orderNumber?: string;
  /** The product (marketplace SKU) this message is about, when known. */
  sku?: string;
}

export interface ChatSummary {
  chatId: Id;
  /** Only buyer chats become topics; support and notification chats are skipped. */
  isBuyerChat: boolean;
  /** Opaque value that changes whenever the chat has a new message (last id, update time). */
  changeToken: string;
  /** Id of the newest message when the list tells it. */
  lastMessageId?: Id;
  unreadCount: number;
  /** The shop wrote the chat's last message: nothing in it waits for the shop. */
  answered?: boolean;
  closed?: boolean;
  /** A dispute (arbitration) is running. */
  disputed?: boolean;
  /**
   * When the chat last changed (ms), for marketplaces whose change token has whole seconds:
   * a message in the same second as a sync leaves the token as it was.
   */
  updatedAt?: number;
}

/** The product a chat is about, for the order card. */
export interface ProductFacts {
  /** Marketplace SKU (article). */
  sku: string;
  size?: string;
  /** Price as the marketplace states it, with its currency ("2490 RUB"). */
  price?: string;
  /** The product's public page. */
  url?: string;
}

export interface ChatDetails {
  chatId: Id;
  orderNumber?: string;
  returnNumber?: string;
  buyerName?: string;
  product?: ProductFacts;
  /** A dispute (arbitration) is running. */
  disputed?: boolean;
  closed?: boolean;
}

export interface OutgoingFile {
  name: string;
  mime: string;
  bytes: Uint8Array;
}

export interface DownloadedFile {
  name: string;
  mime: string;
  bytes: Uint8Array;
}

export type StartTarget =
  | { kind: "posting"; number: string }
  | { kind: "order"; number: string }
  | { kind: "return"; number: string };

export interface ProviderCapabilities {
  /** Longest text one send accepts; longer staff texts are split. */
  maxTextLength: number;
  /** Largest file one send accepts, in bytes. */
  maxFileBytes: number;
  /**
   * What staff can start a chat by; empty where only buyers open chats (the provider is then
   * no `StartsChats`).
   */
  startChatBy: StartTarget["kind"][];
  /** Hours after the buyer's last message within which the seller may still answer. */
  replyWindowHours?: number;
  /** An hourly limit on chat-list calls, when the marketplace has one. */
  listCallsPerHour?: number;
}

// Abilities not every marketplace has. A provider that has one says so (`implements
// MarketplaceProvider, MarksRead`); the bridge checks before it calls (`marksRead(provider)`,
// `provider.chatDetails?.()`), so a marketplace without the ability has no method at all rather
// than one that does nothing or throws.

/** The marketplace keeps a read mark the shop sets (so its cabinet stops showing the chat). */
export interface MarksRead {
  /** Marks the chat read up to `upToId` (everything when omitted). */
  markRead(chatId: Id, upToId?: Id): Promise<void>;
}

/** Staff can open a chat with a buyer (by what `capabilities.startChatBy` lists). */
export interface StartsChats {
  /** Starts (or finds) the chat about an order; returns its id. */
  startChat(target: StartTarget): Promise<Id>;
}

/** The API tells a chat's order or return context beyond what its messages say. */
export interface TellsChatDetails {
  /** Order/return context of a chat. */
  chatDetails(chatId: Id, signal?: AbortSignal): Promise<ChatDetails>;
}

/** The API hands out a chat's whole history (for an export of the conversation). */
export interface ReadsHistory {
  /**
   * Every message of the chat, each once, newest → oldest: each page is older than the one
   * before it (in any order within itself), so a caller that stops early keeps the newest.
   */
  history(chatId: Id, signal?: AbortSignal): AsyncIterable<MarketMessage[]>;
}

/**
 * How new messages are found, one of two ways. Chats listed page by page, each read from its
 * own cursor (Ozon, Yandex Market):
 */
export interface ReadsChats {
  /**
   * Chats page by page, one API call per page, newest activity first where the API allows.
   * `unread` asks only for chats with unread messages when the API can filter so (cheap
   * path); providers that cannot filter return every chat. Pages are read only as the caller
   * asks for them, so a caller may spread a long listing over time.
   */
  listChats(scope: "unread" | "all", signal?: AbortSignal): AsyncIterable<ChatSummary[]>;
  /** Messages newer than `afterId`, oldest first. */
  messagesAfter(chatId: Id, afterId: Id, signal?: AbortSignal): Promise<MarketMessage[]>;
  /**
   * The newest messages of a chat, oldest first: at least the newest 50 when it has that many;
   * more is fine (a chat baselined only by a time needs every message after it).
   */
  recentMessages(chatId: Id, signal?: AbortSignal): Promise<MarketMessage[]>;
}

/** One page of an account's event feed. */
export interface FeedPage {
  /** New messages of any chats, oldest first within each chat. */
  messages: MarketMessage[];
  /** Where the next read starts; stored only once these messages are delivered. */
  cursor: string;
  /** More pages wait behind this one. */
  more: boolean;
}

/** … or one feed of every chat's new messages, read from one cursor per account (Wildberries). */
export interface ReadsEventFeed {
  /**
   * The page after `cursor` (undefined: the feed's start, as far back as the marketplace keeps
   * it). One API call; it may not skip a message, and may repeat one the caller has delivered
   * (the chat's cursor filters it).
   */
  readFeed(cursor: string | undefined, signal?: AbortSignal): Promise<FeedPage>;
}

/**
 * A feed marketplace whose rate limit counts every process's requests under one key
 * (Wildberries): the requests of whoever worked the account just before this process took it
 * up still count in the marketplace's window, and this process's limiter has not seen them.
 */
export interface SharesRateWindow {
  /**
   * This process begins working the account now: at its start, or taking it over from another
   * instance. `feedCursor` is the account's stored `readFeed` cursor, which tells whether the
   * account was worked lately; `previousUntil`, when known, the moment (ms since the epoch) the
   * previous worker stopped at the latest. Holds the account's requests back as long as the
   * window needs; called before any of them, and makes no request itself.
   */
  beginWork(feedCursor: string | undefined, previousUntil?: number): void;
}

/** A text in each language the bot speaks to staff. */
export interface Localized {
  ru: string;
  en: string;
}

/**
 * What an API key says about itself, learned from the key (a JWT's claims) or from how the
 * marketplace has answered so far. Never found by a call, and never containing the key.
 */
export interface KeyFacts {
  /** When the key stops working (ms since the epoch). */
  expiresAt?: number;
  /** The key is of a kind the marketplace throttles too hard for a live chat. */
  throttled?: {
    /** Calls an hour the marketplace allows such a key on the chat methods. */
    callsPerHour: number;
    /** Inferred from rate-limit answers rather than read from the key. */
    suspected: boolean;
    /** What key to create instead, and where. */
    instead: Localized;
  };
}

/** A marketplace whose keys expire or come in kinds too slow for a chat, and say so. */
export interface TellsKeyFacts {
  /** Cheap and synchronous: called by /doctor and once a minute by the notices. */
  keyFacts(): KeyFacts;
}

export interface MarketplaceProvider
  extends Partial<ReadsChats>,
    Partial<ReadsEventFeed>,
    Partial<MarksRead>,
    Partial<StartsChats>,
    Partial<TellsChatDetails>,
    Partial<TellsKeyFacts>,
    Partial<SharesRateWindow>,
    Partial<ReadsHistory> {
  /** "ozon" | "yandex" | …: used in state keys and topic headers. */
  readonly marketplace: string;
  /** Human name of the marketplace for staff. */
  readonly marketplaceTitle: string;
  readonly capabilities: ProviderCapabilities;

  sendText(chatId: Id, text: string): Promise<void>;
  sendFile(chatId: Id, file: OutgoingFile): Promise<void>;
  download(attachment: Attachment, signal?: AbortSignal): Promise<DownloadedFile>;
  /** Releases connections on shutdown. */
  close?(): Promise<void>;
}

export function readsChats(
  provider: MarketplaceProvider,
): provider is MarketplaceProvider & ReadsChats {
  return typeof provider.listChats === "function";
}

export function readsEventFeed(
  provider: MarketplaceProvider,
): provider is MarketplaceProvider & ReadsEventFeed {
  return typeof provider.readFeed === "function";
}

export function marksRead(
  provider: MarketplaceProvider,
): provider is MarketplaceProvider & MarksRead {
  return typeof provider.markRead === "function";
}

export function readsHistory(
  provider: MarketplaceProvider,
): provider is MarketplaceProvider & ReadsHistory {
  return typeof provider.history === "function";
}

/** A provider that can start chats by at least one kind of number. */
export function startsChats(
  provider: MarketplaceProvider,
): provider is MarketplaceProvider & StartsChats {
  return typeof provider.startChat === "function" && provider.capabilities.startChatBy.length > 0;
}

export function tellsKeyFacts(
  provider: MarketplaceProvider,
): provider is MarketplaceProvider & TellsKeyFacts {
  return typeof provider.keyFacts === "function";
}

export function sharesRateWindow(
  provider: MarketplaceProvider,
): provider is MarketplaceProvider & SharesRateWindow {
  return typeof provider.beginWork === "function";
}

export type ProviderErrorKind =
  /** Credentials wrong or revoked. */
  | "auth"
  /** Not allowed now: reply window closed, subscription missing, FBO chat. */
  | "forbidden"
  | "not_found"
  /** Throttled; `retryAfterMs` says when to try again. */
  | "rate_limited"
  /** The request itself is wrong (too long, bad file); retrying cannot help. */
  | "invalid"
  /** Network, timeout, 5xx: retrying may help. */
  | "transient"
  /** Not ready yet (a buyer's file still in moderation); `retryAfterMs` says when to ask again. */
  | "pending";

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  /**
   * The marketplace's own name for this refusal, when its kind alone would mislead staff (a
   * file refused by moderation is "forbidden", but not for a missing right): the marketplace's
   * words (`MarketplaceWords.refusals`) say it in the staff's language.
   */
  readonly code: string | undefined;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; code?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ProviderError";
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.code = options.code;
  }

  get retryable(): boolean {
    return this.kind === "transient" || this.kind === "rate_limited";
  }
}

/** Marketplace ids are decimal and may exceed 2^53: compare them as BigInt. */
export function compareIds(a: Id, b: Id): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Messages in the order the contract hands them over: oldest (smallest id) first. */
export function oldestFirst(messages: MarketMessage[]): MarketMessage[] {
  return messages.sort((a, b) => compareIds(a.id, b.id));
}
