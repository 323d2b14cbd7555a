// A built-in simulated shop behind the MarketplaceProvider contract, so a seller can see the
// bridge work in their own Telegram group before connecting a marketplace account, and the demo
// can run with no credentials at all. Simulated buyers open chats about orders, write (texts
// and a bundled photo), and answer staff replies a little later.
//
// Everything lives in memory and is deterministic for a given seed and clock. The world starts
// empty on every start; ids continue from the clock (seconds × 1000), so a restart against an
// existing state file sees new, larger chat and message ids instead of colliding with the
// previous run's cursors.

import { readFileSync } from "node:fs";
import { withExtension } from "../../bridge/files.ts";
import {
  type Attachment,
  type ChatDetails,
  type ChatSummary,
  compareIds,
  type DownloadedFile,
  type Id,
  type MarketMessage,
  type MarketplaceProvider,
  type MarksRead,
  type OutgoingFile,
  type ProviderCapabilities,
  ProviderError,
  type ReadsChats,
  type ReadsHistory,
  type SenderRole,
  type StartsChats,
  type StartTarget,
  type TellsChatDetails,
} from "../../bridge/provider.ts";
import { safeFileName } from "../files.ts";
import {
  type BuyerStory,
  FILE_RECEIVED,
  NUDGES,
  SHOP_STARTED_BUYERS,
  SHOP_STARTED_REPLIES,
  STORIES,
  THANKS,
} from "./script.ts";

export interface SandboxProviderOptions {
  /** Shown to staff as the marketplace's name. Default "Sandbox". */
  name?: string;
  /** Same seed, same buyers, stories and order numbers. Default 1. */
  seed?: number;
  /**
   * Mean pause between spontaneous buyer actions (a new chat, or a reminder from a buyer
   * nobody answered). The first buyer writes at once. 0 = no spontaneous buyers: only
   * `step()` and staff replies make buyers write. Default 20 000.
   */
  buyerIntervalMs?: number;
  /** Clock in milliseconds, for message dates and the id base. Default Date.now. */
  now?: () => number;
}

// The limits of Yandex Market, so staff meet the same splitting and refusals as with a shop.
const MAX_TEXT_LENGTH = 4096;
const MAX_SEND_FILE_BYTES = 5 * 1024 * 1024;
const DEFAULT_INTERVAL_MS = 20_000;
const MAX_NUMBER_LENGTH = 64;

const PHOTO_URL = "sandbox://photo/";
const FILE_URL = "sandbox://file/";
const PHOTO_MIME = "image/png";

// Read on first use: a provider that never sends a photo never touches the disk.
let samplePhoto: Uint8Array | undefined;
function photoBytes(): Uint8Array {
  samplePhoto ??= new Uint8Array(readFileSync(new URL("./assets/parcel.png", import.meta.url)));
  return samplePhoto;
}

interface SandboxChat {
  id: Id;
  orderNumber?: string;
  returnNumber?: string;
  buyerName: string;
  messages: MarketMessage[];
  /** Newest message id the shop has read (markRead). */
  readUpTo: Id | undefined;
  /** Buyer-opened chats remind once when nobody answers; shop-started ones do not. */
  openedByBuyer: boolean;
  /** The buyer's answers still to come, in order. */
  replies: string[];
  answered: boolean;
  nudged: boolean;
  /** Whether staff wrote text since the buyer's last answer (else only files came). */
  staffTexted: boolean;
  replyTimer: NodeJS.Timeout | undefined;
}

export class SandboxProvider
  implements MarketplaceProvider, ReadsChats, ReadsHistory, MarksRead, StartsChats, TellsChatDetails
{
  readonly marketplace = "sandbox";
  readonly marketplaceTitle: string;
  readonly capabilities: ProviderCapabilities = {
    maxTextLength: MAX_TEXT_LENGTH,
    maxFileBytes: MAX_SEND_FILE_BYTES,
    startChatBy: ["order", "return"],
  };

  readonly #now: () => number;
  readonly #random: () => number;
  readonly #intervalMs: number;
  readonly #replyDelayMs: number;
  readonly #chats = new Map<Id, SandboxChat>();
  /** Files staff sent, by their sandbox URL, so their echoes can be downloaded like any file. */
  readonly #files = new Map<string, { name: string; mime: string; bytes: Uint8Array }>();
  readonly #stories: BuyerStory[];
  readonly #timers = new Set<NodeJS.Timeout>();
  #nextId: bigint;
  #nextStory = 0;
  #shopStarted = 0;
  #photos = 0;
  #closed = false;

  constructor(options: SandboxProviderOptions = {}) {
    const interval = options.buyerIntervalMs ?? DEFAULT_INTERVAL_MS;
    if (!Number.isFinite(interval) || interval < 0) {
      throw new RangeError("SandboxProvider: buyerIntervalMs must be a number ≥ 0");
    }
    this.marketplaceTitle = options.name ?? "Sandbox";
    this.#now = options.now ?? Date.now;
    this.#random = mulberry32(options.seed ?? 1);
    this.#intervalMs = interval;
    // A person takes a moment to answer; a quick sandbox answers quickly too.
    this.#replyDelayMs = Math.min(4000, Math.max(1000, Math.round((interval || 4000) / 4)));
    this.#nextId = BigInt(Math.floor(this.#now() / 1000)) * 1000n;
    // The first buyer always brings text and a photo, so a first look shows both at once.
    const [first, ...rest] = STORIES;
    this.#stories = [first as BuyerStory, ...shuffle(rest, this.#random)];
    if (interval > 0) {
      this.step();
      this.#scheduleStep();
    }
  }

  /** Stops the simulated buyers; the chats stay readable. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /**
   * One spontaneous buyer action: a new buyer opens a chat, or a buyer nobody answered writes
   * a reminder. Returns false when there is nothing left to do (every story told, every
   * waiting buyer reminded once).
   */
  step(): boolean {
    const waiting = [...this.#chats.values()].filter(
      (chat) => chat.openedByBuyer && !chat.answered && !chat.nudged,
    );
    const canOpen = this.#nextStory < this.#stories.length;
    if (canOpen && (waiting.length === 0 || this.#random() < 0.6)) {
      this.#openChat(this.#stories[this.#nextStory++] as BuyerStory);
      return true;
    }
    const chat = waiting[Math.floor(this.#random() * waiting.length)];
    if (!chat) return false;
    chat.nudged = true;
    this.#append(chat, "buyer", { text: pick(NUDGES, this.#random) });
    return true;
  }

  async *listChats(scope: "unread" | "all", signal?: AbortSignal): AsyncGenerator<ChatSummary[]> {
    signal?.throwIfAborted();
    const chats = [...this.#chats.values()]
      .map((chat) => ({ chat, summary: summaryOf(chat) }))
      .filter(({ summary }) => scope === "all" || summary.unreadCount > 0)
      // Newest activity first, as the marketplaces list them.
      .sort((a, b) => compareIds(lastActivity(b.chat), lastActivity(a.chat)));
    yield chats.map(({ summary }) => summary);
  }

  async chatDetails(chatId: Id, signal?: AbortSignal): Promise<ChatDetails> {
    signal?.throwIfAborted();
    const chat = this.#chat(chatId);
    return {
      chatId: chat.id,
      buyerName: chat.buyerName,
      ...(chat.orderNumber ? { orderNumber: chat.orderNumber } : {}),
      ...(chat.returnNumber ? { returnNumber: chat.returnNumber } : {}),
    };
  }

  async messagesAfter(chatId: Id, afterId: Id, signal?: AbortSignal): Promise<MarketMessage[]> {
    signal?.throwIfAborted();
    requireId(afterId, "afterId");
    const chat = this.#chat(chatId);
    return chat.messages.filter((m) => compareIds(m.id, afterId) > 0).map((m) => view(chat, m));
  }

  async recentMessages(chatId: Id, signal?: AbortSignal): Promise<MarketMessage[]> {
    signal?.throwIfAborted();
    const chat = this.#chat(chatId);
    return chat.messages.map((m) => view(chat, m));
  }

  async *history(chatId: Id, signal?: AbortSignal): AsyncGenerator<MarketMessage[]> {
    signal?.throwIfAborted();
    const chat = this.#chat(chatId);
    yield chat.messages.map((m) => view(chat, m)).reverse();
  }

  async sendText(chatId: Id, text: string): Promise<void> {
    const chat = this.#chat(chatId);
    if (text.trim() === "" || text.length > MAX_TEXT_LENGTH) {
      throw new ProviderError(
        "invalid",
        `Sandbox: a message must have 1 to ${MAX_TEXT_LENGTH} characters, this one has ${text.length}`,
      );
    }
    // Sent messages come back in the history as seller messages, as on the marketplaces.
    this.#append(chat, "seller", { text });
    chat.staffTexted = true;
    this.#staffWrote(chat);
  }

  async sendFile(chatId: Id, file: OutgoingFile): Promise<void> {
    const chat = this.#chat(chatId);
    const size = file.bytes.byteLength;
    if (size === 0) throw new ProviderError("invalid", "Sandbox: the file is empty");
    if (size > MAX_SEND_FILE_BYTES) {
      throw new ProviderError(
        "invalid",
        `Sandbox: file too large (${size} bytes); chat files may have at most 5 MB (${MAX_SEND_FILE_BYTES} bytes)`,
      );
    }
    const name = withExtension(safeFileName(file.name), file.mime);
    const url = `${FILE_URL}${this.#files.size + 1}`;
    this.#files.set(url, { name, mime: file.mime, bytes: Uint8Array.from(file.bytes) });
    const kind = file.mime.startsWith("image/") ? "image" : "file";
    this.#append(chat, "seller", { text: "", attachment: { url, name, kind, size } });
    this.#staffWrote(chat);
  }

  async startChat(target: StartTarget): Promise<Id> {
    if (target.kind === "posting") {
      throw new ProviderError("invalid", "Sandbox starts chats by order or return number");
    }
    const number = target.number.trim();
    if (number === "" || number.length > MAX_NUMBER_LENGTH) {
      throw new ProviderError(
        "invalid",
        `Sandbox: the ${target.kind} number must have 1 to ${MAX_NUMBER_LENGTH} characters`,
      );
    }
    const field = target.kind === "order" ? "orderNumber" : "returnNumber";
    for (const chat of this.#chats.values()) {
      if (chat[field] === number) return chat.id;
    }
    const buyerName = SHOP_STARTED_BUYERS[this.#shopStarted++ % SHOP_STARTED_BUYERS.length];
    const chat = this.#newChat({ [field]: number }, buyerName as string, false, [
      ...SHOP_STARTED_REPLIES,
    ]);
    return chat.id;
  }

  async markRead(chatId: Id, upToId?: Id): Promise<void> {
    const chat = this.#chat(chatId);
    const newest = chat.messages.at(-1)?.id;
    const upTo = upToId === undefined ? newest : requireId(upToId, "upToId");
    if (
      upTo !== undefined &&
      (chat.readUpTo === undefined || compareIds(upTo, chat.readUpTo) > 0)
    ) {
      chat.readUpTo = upTo;
    }
  }

  async download(attachment: Attachment, signal?: AbortSignal): Promise<DownloadedFile> {
    signal?.throwIfAborted();
    if (attachment.url.startsWith(PHOTO_URL)) {
      return { name: attachment.name, mime: PHOTO_MIME, bytes: Uint8Array.from(photoBytes()) };
    }
    const file = this.#files.get(attachment.url);
    if (!file) throw new ProviderError("not_found", `Sandbox: no file at ${attachment.url}`);
    return { name: file.name, mime: file.mime, bytes: Uint8Array.from(file.bytes) };
  }

  #chat(chatId: Id): SandboxChat {
    const chat = this.#chats.get(chatId);
    if (!chat) throw new ProviderError("not_found", `Sandbox: no chat ${chatId}`);
    return chat;
  }

  #takeId(): Id {
    this.#nextId += 1n;
    return this.#nextId.toString();
  }

  #newChat(
    subject: { orderNumber?: string; returnNumber?: string },
    buyerName: string,
    openedByBuyer: boolean,
    replies: string[],
  ): SandboxChat {
    const chat: SandboxChat = {
      id: this.#takeId(),
      ...subject,
      buyerName,
      messages: [],
      readUpTo: undefined,
      openedByBuyer,
      replies,
      answered: false,
      nudged: false,
      staffTexted: false,
      replyTimer: undefined,
    };
    this.#chats.set(chat.id, chat);
    return chat;
  }

  #openChat(story: BuyerStory): void {
    // Ten digits, like Yandex Market order numbers.
    const orderNumber = String(4_000_000_000 + Math.floor(this.#random() * 1_000_000_000));
    const chat = this.#newChat({ orderNumber }, story.buyerName, true, [...story.replies]);
    for (const line of story.opening) {
      if ("text" in line) {
        this.#append(chat, "buyer", { text: line.text });
        continue;
      }
      const bytes = photoBytes();
      const number = ++this.#photos;
      const url = `${PHOTO_URL}${number}`;
      const name = `IMG_${String(number).padStart(4, "0")}.png`;
      this.#append(chat, "buyer", {
        text: line.photo,
        attachment: { url, name, kind: "image", size: bytes.byteLength },
      });
    }
  }

  #append(
    chat: SandboxChat,
    role: SenderRole,
    content: { text: string; attachment?: Attachment },
  ): MarketMessage {
    const message: MarketMessage = {
      id: this.#takeId(),
      chatId: chat.id,
      createdAt: new Date(this.#now()).toISOString(),
      role,
      senderLabel: role === "buyer" ? chat.buyerName : role === "seller" ? "Shop" : "Sandbox",
      text: content.text,
      attachments: content.attachment ? [content.attachment] : [],
    };
    if (chat.orderNumber) message.orderNumber = chat.orderNumber;
    chat.messages.push(message);
    return message;
  }

  /** The buyer answers once after a burst of staff messages (a long text arrives in parts). */
  #staffWrote(chat: SandboxChat): void {
    chat.answered = true;
    if (this.#closed) return;
    if (chat.replyTimer) this.#clearTimer(chat.replyTimer);
    chat.replyTimer = this.#setTimer(() => {
      chat.replyTimer = undefined;
      this.#buyerAnswers(chat);
    }, this.#replyDelayMs);
  }

  #buyerAnswers(chat: SandboxChat): void {
    const text = chat.staffTexted
      ? (chat.replies.shift() ?? pick(THANKS, this.#random))
      : FILE_RECEIVED;
    chat.staffTexted = false;
    this.#append(chat, "buyer", { text });
  }

  #scheduleStep(): void {
    // Around the mean, so buyers do not write in lockstep.
    const delay = Math.round(this.#intervalMs * (0.5 + this.#random()));
    this.#setTimer(() => {
      if (this.step()) this.#scheduleStep();
    }, delay);
  }

  #setTimer(run: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) run();
    }, ms);
    // The simulation never keeps a process alive on its own.
    timer.unref();
    this.#timers.add(timer);
    return timer;
  }

  #clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.#timers.delete(timer);
  }
}

function summaryOf(chat: SandboxChat): ChatSummary {
  const last = chat.messages.at(-1);
  return {
    chatId: chat.id,
    isBuyerChat: true,
    changeToken: last?.id ?? "0",
    ...(last ? { lastMessageId: last.id } : {}),
    unreadCount: chat.messages.filter((m) => isUnread(chat, m)).length,
  };
}

function lastActivity(chat: SandboxChat): Id {
  return chat.messages.at(-1)?.id ?? chat.id;
}

function isUnread(chat: SandboxChat, message: MarketMessage): boolean {
  return (
    message.role === "buyer" &&
    (chat.readUpTo === undefined || compareIds(message.id, chat.readUpTo) > 0)
  );
}

/** A copy the bridge may keep or change without touching the simulated world. */
function view(chat: SandboxChat, message: MarketMessage): MarketMessage {
  return {
    ...message,
    attachments: message.attachments.map((a) => ({ ...a })),
    unread: isUnread(chat, message),
  };
}

function requireId(id: Id, what: string): Id {
  if (!/^\d+$/.test(id)) throw new ProviderError("invalid", `Sandbox: ${what} is not an id`);
  return id;
}

/** Small seeded PRNG (mulberry32): the same seed gives the same shop, on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}
