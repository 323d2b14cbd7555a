// Wildberries buyers chat behind the bridge's MarketplaceProvider contract: one event feed for
// every chat (ReadsEventFeed) and the chat list for names, orders and reply signatures
// (TellsChatDetails). WB does not let a seller start a chat (no StartsChats) and keeps no read
// mark the seller could set (no MarksRead).
//
// Reply signatures. Every send needs the chat's `replySign`. Events carry it only on a chat's
// first event, the chat list (GET /chats) carries the current one. Signs are kept from both; the
// list is read lazily (on the first send or detail of a chat whose sign or facts are unknown) and
// again when WB refuses a sign as stale, never on every poll cycle.

import {
  type Attachment,
  type ChatDetails,
  type DownloadedFile,
  type FeedPage,
  type Id,
  type KeyFacts,
  type MarketMessage,
  type MarketplaceProvider,
  type OutgoingFile,
  type ProductFacts,
  type ProviderCapabilities,
  ProviderError,
  type ReadsEventFeed,
  type SharesRateWindow,
  type TellsChatDetails,
  type TellsKeyFacts,
} from "../../bridge/provider.ts";
import { sleep } from "../../bridge/sleep.ts";
import { downloadAttachment } from "../files.ts";
import {
  isReplySignError,
  sniffSendType,
  WB_MAX_FILE_BYTES,
  WB_MAX_TEXT_LENGTH,
  WB_REFUSALS,
  type WbSendRequest,
  WildberriesClient,
  type WildberriesClientOptions,
} from "./client.ts";
import { type EventCursorState, initialCursor, stepCursor } from "./cursor.ts";
import type { RateLimiter } from "./limiter.ts";
import { bucketsFor, STANDARD_ROW, sharedWbLimiter, type WbOperation } from "./limits.ts";
import { mapChat, mapEvent, type WbEventFacts, type WbGoodCard } from "./mapping.ts";
import { bareToken, readWbToken, type WbTokenInfo } from "./token.ts";

export type WildberriesProviderOptions = WildberriesClientOptions;

/** What the bridge keeps about one chat: its signature and what names it for staff. */
interface ChatFacts {
  replySign?: string;
  /** When the sign was learned (ms): a sign from an older event never replaces a newer one. */
  signAt?: number;
  clientName?: string;
  goodCard?: WbGoodCard;
}

/** A list read for an unknown chat is not repeated sooner than this (the budget is 10 per 10 s). */
const MIN_LIST_INTERVAL_MS = 10_000;
/**
 * eventIDs kept in the stored cursor. Only events at or after `next` can come again (cursor.ts),
 * a handful at most; the stored string stays small.
 */
const STORED_SEEN_IDS = 200;
/**
 * An idle feed (the last read found nothing more) is read again no sooner than this, however
 * short POLL_INTERVAL_SECONDS is: polling alone then takes at most half of WB's 10 requests per
 * 10 s, and sends, downloads and list reads keep the rest.
 */
const MIN_IDLE_FEED_INTERVAL_MS = 2_000;
/** A whole WB window and the limiter's margin: what a new worker of an account waits. */
const TAKEOVER_HOLD_MS = STANDARD_ROW.periodMs + 1_000;
/**
 * A feed read this recently means a process worked the account lately. A running holder reads
 * the feed every few seconds and stores each read; this leaves room for a long delivery.
 */
const LATELY_WORKED_MS = 60 * 60_000;
const ALL_OPERATIONS: WbOperation[] = ["chats", "events", "message", "download"];
/** Where a WB article's public page lives: /catalog/<nmID>/detail.aspx. */
const PRODUCT_PAGE_URL = "https://www.wildberries.ru/catalog";
/** What a basic token is allowed on the chat methods (ref §3), and what to use instead. */
const BASIC_CALLS_PER_HOUR = 1;
const PERSONAL_TOKEN = {
  ru: "Создайте персональный токен с категорией «Чат с покупателями» (кабинет продавца → Настройки → Доступ к API) и замените им этот.",
  en: "Create a Personal token with the Buyers chat (Чат с покупателями) category (seller portal → Settings → API access) and use it instead.",
};
const ACCEPTED_FILES = "Wildberries accepts only JPEG, PNG and PDF files of at most 5 MB";

export class WildberriesProvider
  implements MarketplaceProvider, ReadsEventFeed, TellsChatDetails, TellsKeyFacts, SharesRateWindow
{
  readonly marketplace = "wildberries";
  readonly marketplaceTitle = "Wildberries";
  readonly capabilities: ProviderCapabilities = {
    maxTextLength: WB_MAX_TEXT_LENGTH,
    maxFileBytes: WB_MAX_FILE_BYTES,
    // Only buyers open chats on Wildberries.
    startChatBy: [],
    // No reply window: WILDBERRIES-CHAT.md documents none (whether replySign expires is open).
  };
  readonly #client: WildberriesClient;
  readonly #chats = new Map<Id, ChatFacts>();
  readonly #now: () => number;
  /** The list read in flight, shared by everyone who needs it meanwhile. */
  #listing: Promise<void> | undefined;
  /** When the list was last read (ms); undefined before the first read. */
  #listedAt: number | undefined;
  /** Files WB still moderates: download address → when to ask again (ms). */
  readonly #moderated = new Map<string, number>();
  readonly #limiter: RateLimiter;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** When the last feed read that found the feed drained started (ms). */
  #idleReadAt: number | undefined;

  constructor(options: WildberriesProviderOptions & { sleep?: typeof sleep }) {
    const token = bareToken(options.token);
    // The client's limiter, made here so the provider can hold it back after a restart.
    this.#limiter = options.limiter ?? sharedWbLimiter(token, readWbToken(token).type);
    this.#client = new WildberriesClient({ ...options, limiter: this.#limiter });
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleep;
  }

  /** What the token's claims say (never the token). */
  get tokenInfo(): WbTokenInfo {
    return this.#client.tokenInfo;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  /** WB tokens expire (180 days) and a basic one gets one call an hour: both read from the claims. */
  keyFacts(): KeyFacts {
    const info = this.#client.tokenInfo;
    const claimed = info.type === "basic";
    const basic = claimed || this.#client.throttledLikeBasic;
    return {
      ...(info.expiresAt === undefined ? {} : { expiresAt: info.expiresAt.getTime() }),
      ...(basic
        ? {
            throttled: {
              callsPerHour: BASIC_CALLS_PER_HOUR,
              suspected: !claimed,
              instead: PERSONAL_TOKEN,
            },
          }
        : {}),
    };
  }

  async readFeed(cursor: string | undefined, signal?: AbortSignal): Promise<FeedPage> {
    const state = parseCursor(cursor);
    const idleSince = this.#idleReadAt;
    if (idleSince !== undefined) {
      const wait = idleSince + MIN_IDLE_FEED_INTERVAL_MS - this.#now();
      if (wait > 0) await this.#sleep(wait, signal);
      signal?.throwIfAborted();
    }
    const readAt = this.#now();
    const page = await this.#client.events(state.next, signal);
    const step = stepCursor(state, page);
    this.#idleReadAt = step.done ? readAt : undefined;
    const messages: MarketMessage[] = [];
    for (const raw of step.fresh) {
      const facts = mapEvent(raw, (id) => this.#client.downloadUrl(id));
      if (facts === undefined) continue;
      this.#learn(facts);
      if (!facts.hasContent) continue;
      messages.push(this.#message(facts));
    }
    return { messages, cursor: serializeCursor(step.state, readAt), more: !step.done };
  }

  /**
   * The previous worker of the account (the process before a restart, or the instance that
   * held the group) may have used WB's window until it stopped, with reads, replies and
   * downloads its stored cursor does not show. So nothing leaves before a whole window after
   * that: after `previousUntil` when it is known, else from now when the feed was read lately.
   */
  beginWork(feedCursor: string | undefined, previousUntil?: number): void {
    const now = this.#now();
    let hold = TAKEOVER_HOLD_MS;
    if (previousUntil !== undefined) hold = Math.min(hold, previousUntil + hold - now);
    else {
      const { readAt } = parseCursor(feedCursor);
      if (readAt === undefined || now - readAt > LATELY_WORKED_MS) return;
    }
    if (hold <= 0) return;
    const type = this.tokenInfo.type;
    const buckets = new Set(ALL_OPERATIONS.flatMap((op) => bucketsFor(op, type)));
    this.#limiter.pause([...buckets], hold);
  }

  async chatDetails(chatId: Id, signal?: AbortSignal): Promise<ChatDetails> {
    const known = this.#chats.get(chatId);
    if (known?.clientName === undefined || known.goodCard === undefined) {
      await this.#readList({ unless: "recent", signal });
    }
    const chat = this.#chats.get(chatId);
    const product = chat?.goodCard && productOf(chat.goodCard);
    return {
      chatId,
      ...(chat?.clientName ? { buyerName: chat.clientName } : {}),
      ...(chat?.goodCard?.rid ? { orderNumber: chat.goodCard.rid } : {}),
      ...(product ? { product } : {}),
    };
  }

  async sendText(chatId: Id, text: string): Promise<void> {
    if (text.trim() === "") throw new ProviderError("invalid", "Wildberries: the text is empty");
    if (text.length > WB_MAX_TEXT_LENGTH) {
      throw new ProviderError(
        "invalid",
        `Wildberries takes at most ${WB_MAX_TEXT_LENGTH} characters per message; this one has ${text.length}`,
      );
    }
    await this.#send(chatId, { text });
  }

  async sendFile(chatId: Id, file: OutgoingFile): Promise<void> {
    // Refused before any request, the chat list included: what WB takes is known here.
    const refused = { code: WB_REFUSALS.acceptedFiles };
    if (sniffSendType(file.bytes) === undefined) {
      const why = `${ACCEPTED_FILES}; "${file.name}" is none of these`;
      throw new ProviderError("invalid", why, refused);
    }
    const size = file.bytes.byteLength;
    if (size > WB_MAX_FILE_BYTES) {
      const why = `${ACCEPTED_FILES}; "${file.name}" has ${size} bytes`;
      throw new ProviderError("invalid", why, refused);
    }
    await this.#send(chatId, { files: [{ name: file.name, mime: file.mime, bytes: file.bytes }] });
  }

  /**
   * The file through the documented download. Under moderation (202): a "pending" error with
   * the wait WB named, and no request until that wait is over. Refused by moderation (451): a
   * "forbidden" error coded WB_REFUSALS.moderation, which the bridge turns into a note in the
   * topic in the connector's words.
   */
  async download(attachment: Attachment, signal?: AbortSignal): Promise<DownloadedFile> {
    const until = this.#moderated.get(attachment.url);
    const now = this.#now();
    if (until !== undefined && until > now) {
      throw new ProviderError("pending", "Wildberries: the file is still under moderation", {
        status: 202,
        retryAfterMs: until - now,
      });
    }
    try {
      const file = await downloadAttachment(this.#client.asFileSource(), attachment, signal);
      this.#moderated.delete(attachment.url);
      return file;
    } catch (error) {
      if (error instanceof ProviderError && error.status === 202) {
        this.#moderated.set(attachment.url, this.#now() + (error.retryAfterMs ?? 30_000));
      } else {
        this.#moderated.delete(attachment.url);
      }
      throw error;
    }
  }

  /** One send with the chat's sign; a sign WB refuses as stale is read again and used once. */
  async #send(chatId: Id, request: Omit<WbSendRequest, "replySign">): Promise<void> {
    const sign = await this.#signOf(chatId);
    try {
      await this.#client.sendMessage({ ...request, replySign: sign });
      return;
    } catch (error) {
      if (!isReplySignError(error)) throw error;
      await this.#readList({ unless: "never" });
      const fresh = this.#chats.get(chatId)?.replySign;
      if (fresh === undefined || fresh === sign) throw error;
      await this.#client.sendMessage({ ...request, replySign: fresh });
    }
  }

  async #signOf(chatId: Id): Promise<string> {
    const known = this.#chats.get(chatId)?.replySign;
    if (known !== undefined) return known;
    await this.#readList({ unless: "recent" });
    const sign = this.#chats.get(chatId)?.replySign;
    if (sign === undefined) {
      throw new ProviderError(
        "not_found",
        `Wildberries: chat ${chatId} is not in the seller's chat list, so it cannot be answered`,
      );
    }
    return sign;
  }

  /**
   * GET /chats into the facts. `recent`: not again within MIN_LIST_INTERVAL_MS of the last read
   * (an unknown chat stays unknown that long); `never`: read now (a sign was refused).
   */
  async #readList(options: { unless: "recent" | "never"; signal?: AbortSignal }): Promise<void> {
    if (this.#listing) return this.#listing;
    const last = this.#listedAt;
    if (options.unless === "recent" && last !== undefined) {
      if (this.#now() - last < MIN_LIST_INTERVAL_MS) return;
    }
    const run = (async () => {
      const startedAt = this.#now();
      const { chats } = await this.#client.chats(options.signal);
      for (const raw of chats) {
        const chat = mapChat(raw);
        if (chat === undefined) continue;
        const facts = this.#chats.get(chat.chatId) ?? {};
        if (chat.replySign !== undefined) {
          facts.replySign = chat.replySign;
          facts.signAt = startedAt;
        }
        if (chat.clientName !== undefined) facts.clientName = chat.clientName;
        if (chat.goodCard !== undefined) facts.goodCard = chat.goodCard;
        this.#chats.set(chat.chatId, facts);
      }
      this.#listedAt = startedAt;
    })();
    this.#listing = run;
    try {
      await run;
    } finally {
      this.#listing = undefined;
    }
  }

  /** What an event tells about its chat: a sign newer than the one kept, the buyer, the product. */
  #learn(event: WbEventFacts): void {
    const facts = this.#chats.get(event.chatId) ?? {};
    if (event.replySign !== undefined && (facts.signAt === undefined || event.at > facts.signAt)) {
      facts.replySign = event.replySign;
      facts.signAt = event.at;
    }
    if (event.clientName !== undefined) facts.clientName = event.clientName;
    if (event.goodCard !== undefined) facts.goodCard = { ...facts.goodCard, ...event.goodCard };
    this.#chats.set(event.chatId, facts);
  }

  /**
   * The event as the bridge's message. The role is mapping.ts's: the seller's messages (portal
   * and API alike) are "seller", which the bridge shows as written in the cabinet and which is
   * how its own sends are recognised and not shown again. Order and product come from the chat
   * when the event has none (only a chat's first event carries them).
   */
  #message(event: WbEventFacts): MarketMessage {
    const chat = this.#chats.get(event.chatId);
    const message = { ...event.message, senderLabel: labelOf(event, chat) };
    const rid = message.orderNumber ?? chat?.goodCard?.rid;
    const sku = message.sku ?? chat?.goodCard?.nmId;
    return {
      ...message,
      ...(rid === undefined ? {} : { orderNumber: rid }),
      ...(sku === undefined ? {} : { sku }),
    };
  }
}

/**
 * The goodCard as the order card shows it: the article linked to its public page, the size
 * ("0" is WB's "no size"), the price as WB states it (its unit is undocumented, ref §11.13; the
 * example reads as whole rubles).
 */
export function productOf(card: WbGoodCard): ProductFacts | undefined {
  if (card.nmId === undefined) return undefined;
  return {
    sku: card.nmId,
    url: `${PRODUCT_PAGE_URL}/${encodeURIComponent(card.nmId)}/detail.aspx`,
    ...(card.size && card.size !== "0" ? { size: card.size } : {}),
    ...(card.price === undefined
      ? {}
      : { price: `${card.price}${card.priceCurrency ? ` ${card.priceCurrency}` : ""}` }),
  };
}

function labelOf(event: WbEventFacts, chat: ChatFacts | undefined): string {
  switch (event.message.role) {
    case "buyer":
      return event.clientName ?? chat?.clientName ?? "buyer";
    case "seller":
      return event.origin === "seller-portal" ? "seller portal" : "seller";
    default:
      return "Wildberries";
  }
}

/** The cursor state and when its page was read (ms), for the restart hold. */
export type StoredCursor = EventCursorState & { readAt?: number };

/** The stored feed cursor: `{next, seen, at}` as JSON; anything unreadable starts over. */
export function parseCursor(cursor: string | undefined): StoredCursor {
  if (cursor === undefined || cursor === "") return initialCursor();
  try {
    const value: unknown = JSON.parse(cursor);
    if (typeof value !== "object" || value === null) return initialCursor();
    const record = value as Record<string, unknown>;
    const next = record.next;
    const seen = Array.isArray(record.seen)
      ? record.seen.filter((id): id is string => typeof id === "string")
      : [];
    const at = record.at;
    return {
      ...(typeof next === "number" && Number.isSafeInteger(next) && next > 0 ? { next } : {}),
      seen,
      ...(typeof at === "number" && Number.isFinite(at) ? { readAt: at } : {}),
    };
  } catch {
    return initialCursor();
  }
}

export function serializeCursor(state: EventCursorState, readAt?: number): string {
  return JSON.stringify({
    ...(state.next === undefined ? {} : { next: state.next }),
    seen: state.seen.slice(-STORED_SEEN_IDS),
    ...(readAt === undefined ? {} : { at: readAt }),
  });
}
