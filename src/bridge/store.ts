// State in one SQLite file under DATA_DIR, through keyv. Each namespace gets its own adapter
// instance (sharing one mixes namespaces up in @keyv/sqlite 4), and errors throw instead of
// reading as "missing": a silent undefined on the topic map would create duplicate topics.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import Keyv from "keyv";
import type { Id } from "./provider.ts";

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
  disputed?: boolean;
  /** Who the conversation waits for: "us" when the buyer wrote last. */
  waiting?: "us" | "buyer";
  closed?: boolean;
  /** When the buyer's unanswered message arrived (ms); reminders count from it. */
  waitingSince?: number;
  /** Reminder thresholds already posted for the current wait. */
  reminded?: string[];
  /** The pinned order card, edited when the facts change. */
  cardMessageId?: number;
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
  /** Parts already accepted by the marketplace. */
  done: number;
  /** The last attempt at part `done` failed in a way that may have delivered it anyway. */
  uncertain?: boolean;
  attempts: number;
  createdAt: number;
}

export interface EchoRecord {
  /** Job id and part index: re-registering after a restart does not add a second entry. */
  key: string;
  kind: "text" | "file";
  text?: string;
  at: number;
  /** The staff message it came from, for the "read by the buyer" receipt. */
  staff?: StaffMessageRef;
}

export interface StaffEdit {
  threadId: number;
  text: string;
  /** Telegram's edit_date: each edit can be sent once. */
  version: number;
}

export interface StaffMessageRef {
  staffChatId: number;
  messageId: number;
}

/** A staff message the marketplace now shows under `marketId`, not yet read by the buyer. */
export interface SentRecord extends StaffMessageRef {
  marketId: Id;
}

const NAMESPACES = [
  "topics",
  "threads",
  "cursors",
  "accounts",
  "jobs",
  "echoes",
  "sent",
  "edits",
  "done",
  "conv",
] as const;
type Namespace = (typeof NAMESPACES)[number];

export class Store {
  readonly topics: Keyv<TopicRecord>;
  readonly threads: Keyv<ThreadRecord>;
  readonly cursors: Keyv<CursorRecord>;
  readonly accounts: Keyv<AccountState>;
  readonly jobs: Keyv<OutboundJob>;
  readonly echoes: Keyv<EchoRecord[]>;
  /** Per chat: our messages awaiting the buyer's read receipt. */
  readonly sent: Keyv<SentRecord[]>;
  /** Corrected texts of edited staff messages, waiting for a tap on "send". */
  readonly edits: Keyv<StaffEdit>;
  /** Staff messages already sent (by job id, expiring): a re-delivered update is not resent. */
  readonly done: Keyv<true>;
  /** Bot conversation state (grammY conversations plugin). */
  readonly conversations: Keyv<unknown>;
  readonly file: string;
  private readonly all: Keyv[];

  private constructor(file: string, spaces: Record<Namespace, Keyv>) {
    this.file = file;
    this.topics = spaces.topics as Keyv<TopicRecord>;
    this.threads = spaces.threads as Keyv<ThreadRecord>;
    this.cursors = spaces.cursors as Keyv<CursorRecord>;
    this.accounts = spaces.accounts as Keyv<AccountState>;
    this.jobs = spaces.jobs as Keyv<OutboundJob>;
    this.echoes = spaces.echoes as Keyv<EchoRecord[]>;
    this.sent = spaces.sent as Keyv<SentRecord[]>;
    this.edits = spaces.edits as Keyv<StaffEdit>;
    this.done = spaces.done as Keyv<true>;
    this.conversations = spaces.conv;
    this.all = Object.values(spaces);
  }

  static async open(dataDir: string): Promise<Store> {
    const dir = resolve(dataDir);
    await mkdir(dir, { recursive: true });
    const file = join(dir, "bridge.sqlite");
    const open = (namespace: Namespace) =>
      new Keyv({
        store: new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 }),
        namespace,
        throwOnErrors: true,
      });
    // WAL lets the per-namespace connections read while another writes. Switching needs the
    // file to itself, so one connection creates the table and switches before the others open.
    const first = open("topics");
    await (first.store as KeyvSqlite).query("PRAGMA journal_mode=WAL");
    const spaces = { topics: first } as Record<Namespace, Keyv>;
    for (const namespace of NAMESPACES) spaces[namespace] ??= open(namespace);
    const store = new Store(file, spaces);
    await store.probe();
    return store;
  }

  /** Fails now, with the file name, when the directory is not writable. */
  private async probe(): Promise<void> {
    await this.accounts.set("__probe__", { baselined: false });
    await this.accounts.delete("__probe__");
  }

  /** All outbound jobs, oldest first (keyv iteration order is not defined). */
  async pendingJobs(): Promise<OutboundJob[]> {
    const jobs: OutboundJob[] = [];
    const iterate = this.jobs.iterator;
    if (!iterate) throw new Error("store cannot iterate jobs");
    for await (const [, job] of iterate.call(this.jobs, undefined)) {
      if (job) jobs.push(job as OutboundJob);
    }
    return jobs.sort((a, b) => a.createdAt - b.createdAt || a.messageId - b.messageId);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.map((space) => space.disconnect()));
  }
}

export const chatKey = (accountId: string, chatId: Id) => `${accountId}:${chatId}`;
export const threadKey = (staffChatId: number, threadId: number) => `${staffChatId}:${threadId}`;
