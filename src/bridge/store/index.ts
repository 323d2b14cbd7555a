// Typed repositories over the state engine. Where a change takes more than one write, the
// order that keeps a crash safe lives here, beside the records it protects. A failing write
// throws to its caller and is reported once to `writes` (see WriteHealth), which the bridge
// uses to stop the work that would otherwise repeat.
import { errorText } from "../errors.ts";
import { KeyedGate } from "../gate.ts";
import type { Id } from "../provider.ts";
import { openEngine } from "./open.ts";
import type {
  AccountState,
  AnswerRecord,
  ChatActivity,
  CursorRecord,
  DeferredFile,
  EchoRecord,
  FailedSend,
  OutboundJob,
  SentRecord,
  StaffEdit,
  StaffUser,
  TemplatePreview,
  ThreadRecord,
  TopicRecord,
} from "./records.ts";
import type { Engine, LeaseBoard, Table, WriteObserver } from "./table.ts";
import { Templates } from "./templates.ts";

export type * from "./records.ts";

/** Every table of the state, in either engine (what `state:copy` moves). */
export const TABLES = [
  "topics",
  "threads",
  "waiting",
  "cursors",
  "accounts",
  "jobs",
  "echoes",
  "sent",
  "edits",
  "done",
  "conv",
  "probe",
  "feeds",
  "deferred",
  "notices",
  "answers",
  "staff",
  "templates",
  "previews",
  "failed",
  "activity",
] as const;

/** What a probe writes: room for a few hundred records beyond the one at hand. */
const PROBE_ROOM = "x".repeat(256 * 1024);

/** How long a "send the corrected text" or template preview button stays usable. */
const BUTTON_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Telegram re-delivers an unconfirmed update within minutes; a week is plenty. */
const DONE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** How long a failed staff message can be retried. */
export const FAILED_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const chatKey = (accountId: string, chatId: Id) => `${accountId}:${chatId}`;
const messageKey = (staffChatId: number, messageId: number) => `${staffChatId}:${messageId}`;

/**
 * Whether state can be written. Any failed write starts an incident; only a probe ends it (see
 * Store.probe): a small write that happens to fit into space the file already holds proves
 * nothing, and an incident that flaps would be told again and again.
 */
export class WriteHealth implements WriteObserver {
  #failure: string | undefined;
  #closed = false;
  readonly #listeners: ((failure: string | undefined) => void)[] = [];

  /** Why writes fail, while they do. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** Called with the reason when writes start failing, and with undefined when they work again. */
  onChange(listener: (failure: string | undefined) => void): void {
    this.#listeners.push(listener);
  }

  failed(error: unknown): void {
    // A write that loses the race with a stop is not a disk that failed.
    if (this.#failure !== undefined || this.#closed) return;
    this.#failure = errorText(error);
    for (const listener of this.#listeners) listener(this.#failure);
  }

  /** The store is closing: later failures are the stop's, not the disk's. */
  close(): void {
    this.#closed = true;
  }

  recovered(): void {
    if (this.#failure === undefined) return;
    this.#failure = undefined;
    for (const listener of this.#listeners) listener(undefined);
  }
}

/** A table keyed by marketplace chat. */
class PerChat<T> {
  protected readonly table: Table<T>;
  constructor(table: Table<T>) {
    this.table = table;
  }
  get(accountId: string, chatId: Id): Promise<T | undefined> {
    return this.table.get(chatKey(accountId, chatId));
  }
  set(accountId: string, chatId: Id, value: T): Promise<void> {
    return this.table.set(chatKey(accountId, chatId), value);
  }
  delete(accountId: string, chatId: Id): Promise<void> {
    return this.table.delete(chatKey(accountId, chatId));
  }
}

/**
 * Chat cursors. A cursor whose write failed is kept in memory and read from there until a
 * write of it succeeds: the message it covers is in Telegram already, and must not be posted
 * again while the disk is full.
 */
export class Cursors extends PerChat<CursorRecord> {
  readonly #unsaved = new Map<string, CursorRecord>();

  override async get(accountId: string, chatId: Id): Promise<CursorRecord | undefined> {
    return this.#unsaved.get(chatKey(accountId, chatId)) ?? (await super.get(accountId, chatId));
  }

  override async set(accountId: string, chatId: Id, cursor: CursorRecord): Promise<void> {
    const key = chatKey(accountId, chatId);
    try {
      await this.table.set(key, cursor);
      this.#unsaved.delete(key);
    } catch (error) {
      this.#unsaved.set(key, cursor);
      throw error;
    }
  }

  /** Writes the cursors held in memory; throws while writes still fail. */
  async flush(): Promise<void> {
    for (const [key, cursor] of this.#unsaved) {
      await this.table.set(key, cursor);
      this.#unsaved.delete(key);
    }
  }
}

/**
 * Chat ↔ topic mapping, both ways, plus the set of chats waiting for an answer (so reminders
 * read those, not every topic).
 */
export class TopicMap {
  readonly #topics: Table<TopicRecord>;
  readonly #threads: Table<ThreadRecord>;
  readonly #waiting: Table<ThreadRecord>;

  constructor(
    topics: Table<TopicRecord>,
    threads: Table<ThreadRecord>,
    waiting: Table<ThreadRecord>,
  ) {
    this.#topics = topics;
    this.#threads = threads;
    this.#waiting = waiting;
  }

  get(accountId: string, chatId: Id): Promise<TopicRecord | undefined> {
    return this.#topics.get(chatKey(accountId, chatId));
  }

  /** The marketplace chat behind a forum topic, if it is a buyer chat's topic. */
  byThread(staffChatId: number, threadId: number): Promise<ThreadRecord | undefined> {
    return this.#threads.get(messageKey(staffChatId, threadId));
  }

  async save(topic: TopicRecord): Promise<void> {
    const key = chatKey(topic.accountId, topic.chatId);
    const ref = { accountId: topic.accountId, chatId: topic.chatId };
    // Reverse key first: a crash in between leaves a thread that is found, never a chat mapped
    // to a thread that nothing routes back from.
    await this.#threads.set(messageKey(topic.staffChatId, topic.threadId), ref);
    await this.#topics.set(key, topic);
    if (topic.waiting === "us" && !topic.closed) await this.#waiting.set(key, ref);
    else await this.#waiting.delete(key);
  }

  /** The topic was deleted in Telegram: its thread no longer routes to the chat. */
  forgetThread(staffChatId: number, threadId: number): Promise<void> {
    return this.#threads.delete(messageKey(staffChatId, threadId));
  }

  async all(): Promise<TopicRecord[]> {
    const topics: TopicRecord[] = [];
    for await (const [, topic] of this.#topics.entries()) topics.push(topic);
    return topics;
  }

  /** The topics of chats where the buyer waits for us. */
  async waiting(): Promise<TopicRecord[]> {
    const topics: TopicRecord[] = [];
    for await (const [, ref] of this.#waiting.entries()) {
      const topic = await this.get(ref.accountId, ref.chatId);
      if (topic) topics.push(topic);
    }
    return topics;
  }
}

/** Staff messages on their way to a marketplace. */
export class Jobs {
  readonly #jobs: Table<OutboundJob>;
  readonly #done: Table<true>;

  constructor(jobs: Table<OutboundJob>, done: Table<true>) {
    this.#jobs = jobs;
    this.#done = done;
  }

  /** A job with this id is stored or was finished recently (a re-delivered update). */
  async known(id: string): Promise<boolean> {
    return (await this.#jobs.has(id)) || (await this.#done.has(id));
  }

  get(id: string): Promise<OutboundJob | undefined> {
    return this.#jobs.get(id);
  }

  /** Stores a new job or its progress. */
  save(job: OutboundJob): Promise<void> {
    return this.#jobs.set(job.id, job);
  }

  async finish(id: string): Promise<void> {
    // Marked done before the job goes, so a crash in between cannot make the update look new.
    await this.#done.set(id, true, DONE_TTL_MS);
    await this.#jobs.delete(id);
  }

  /** A job given up: staff are told, and a re-delivered update may try again. */
  drop(id: string): Promise<void> {
    return this.#jobs.delete(id);
  }

  /** All stored jobs, oldest first. */
  async pending(): Promise<OutboundJob[]> {
    const jobs: OutboundJob[] = [];
    for await (const [, job] of this.#jobs.entries()) jobs.push(job);
    return jobs.sort((a, b) => a.createdAt - b.createdAt || a.messageId - b.messageId);
  }
}

/**
 * Failed staff messages kept for a retry, by job id. They expire after a week: by then the
 * reply window has long closed on every marketplace, and the buyer no longer waits for it.
 */
export class FailedSends {
  readonly #table: Table<FailedSend>;
  constructor(table: Table<FailedSend>) {
    this.#table = table;
  }
  get(jobId: string): Promise<FailedSend | undefined> {
    return this.#table.get(jobId);
  }
  /**
   * Keeps (or, with the reply's id, updates) a failed send; the week counts from the failure.
   * Expired ones are swept first (listing deletes them), so the table holds one week at most.
   */
  async keep(failed: FailedSend): Promise<void> {
    for await (const _ of this.#table.entries());
    const left = failed.failedAt + FAILED_TTL_MS - Date.now();
    await this.#table.set(failed.job.id, failed, Math.max(1, left));
  }
  /** Taken up again (or given up): gone. */
  delete(jobId: string): Promise<void> {
    return this.#table.delete(jobId);
  }
}

/** Per account: the cursor of its event feed (marketplaces with one feed for all chats). */
class FeedCursors {
  readonly #table: Table<string>;
  constructor(table: Table<string>) {
    this.#table = table;
  }
  get(accountId: string): Promise<string | undefined> {
    return this.#table.get(accountId);
  }
  /** Written only once every message before `cursor` is in Telegram. */
  set(accountId: string, cursor: string): Promise<void> {
    return this.#table.set(accountId, cursor);
  }
}

/** Buyers' files still being checked by the marketplace, posted when they are ready. */
class DeferredFiles {
  readonly #table: Table<DeferredFile>;
  constructor(table: Table<DeferredFile>) {
    this.#table = table;
  }
  /** Keyed by where the file was: a message read again does not defer it twice. */
  add(file: DeferredFile): Promise<void> {
    return this.#table.set(deferredKey(file), file);
  }
  async due(now: number): Promise<DeferredFile[]> {
    const due: DeferredFile[] = [];
    for await (const [, file] of this.#table.entries()) if (file.notBefore <= now) due.push(file);
    return due;
  }
  postpone(file: DeferredFile, notBefore: number): Promise<void> {
    return this.#table.set(deferredKey(file), { ...file, notBefore });
  }
  /** Posted (or given up): gone. */
  remove(file: DeferredFile): Promise<void> {
    return this.#table.delete(deferredKey(file));
  }
}

const deferredKey = (file: DeferredFile) =>
  `${chatKey(file.accountId, file.chatId)}:${file.attachment.url}`;

/**
 * Per chat: who sent each staff message that reached the buyer, and under which ids the
 * marketplace shows it. The outbound lane appends and inbound links ids as our sends come
 * back: both rewrite the chat's list, so they take turns.
 */
class Answers extends PerChat<AnswerRecord[]> {
  readonly #serial = new KeyedGate();

  /** Idempotent per job: a job resumed after a crash may finish twice. */
  add(accountId: string, chatId: Id, answer: AnswerRecord): Promise<void> {
    return this.#serial.run(chatKey(accountId, chatId), async () => {
      const answers = (await this.get(accountId, chatId)) ?? [];
      if (answers.some((a) => a.jobId === answer.jobId)) return;
      await this.set(accountId, chatId, [...answers, answer]);
    });
  }

  /**
   * The marketplace shows part of the answer to staff message `messageId` as `marketId`.
   * Idempotent: a message read again after a crash links again.
   */
  link(accountId: string, chatId: Id, messageId: number, marketId: Id): Promise<void> {
    return this.#serial.run(chatKey(accountId, chatId), async () => {
      const answers = (await this.get(accountId, chatId)) ?? [];
      const answer = answers.find((a) => a.messageId === messageId);
      if (!answer || answer.marketIds?.includes(marketId)) return;
      answer.marketIds = [...(answer.marketIds ?? []), marketId];
      await this.set(accountId, chatId, answers);
    });
  }

  /** Who wrote each of the chat's messages the bridge sent, by the marketplace's id. */
  async authors(accountId: string, chatId: Id): Promise<Map<Id, string>> {
    const authors = new Map<Id, string>();
    for (const answer of (await this.get(accountId, chatId)) ?? []) {
      for (const id of answer.marketIds ?? []) authors.set(id, answer.name);
    }
    return authors;
  }
}

/** Per chat: the buyer's waiting periods (written by inbound alone; read by statistics). */
class Activity extends PerChat<ChatActivity> {
  async all(): Promise<ChatActivity[]> {
    const all: ChatActivity[] = [];
    for await (const [, activity] of this.table.entries()) all.push(activity);
    return all;
  }
}

/**
 * Staff seen in each group, by username: a bot cannot resolve @username to a user id, so
 * /assign @username and /find @username look here. Written only when something changed.
 */
class StaffDirectory {
  readonly #table: Table<StaffUser>;
  readonly #written = new Map<string, string>();
  constructor(table: Table<StaffUser>) {
    this.#table = table;
  }
  async seen(staffChatId: number, user: StaffUser): Promise<void> {
    if (!user.username) return;
    const key = staffKey(staffChatId, user.username);
    const value = JSON.stringify(user);
    if (this.#written.get(key) === value) return;
    await this.#table.set(key, user);
    this.#written.set(key, value);
  }
  byUsername(staffChatId: number, username: string): Promise<StaffUser | undefined> {
    return this.#table.get(staffKey(staffChatId, username));
  }
}

const staffKey = (staffChatId: number, username: string) =>
  `${staffChatId}:${username.replace(/^@/, "").toLowerCase()}`;

/** Per staff message (by group and message id). */
class PerStaffMessage<T> {
  private readonly table: Table<T>;
  private readonly ttlMs: number;
  /** Each record is forgotten `ttlMs` after it was written: its buttons are stale by then. */
  constructor(table: Table<T>, ttlMs: number) {
    this.table = table;
    this.ttlMs = ttlMs;
  }
  get(staffChatId: number, messageId: number): Promise<T | undefined> {
    return this.table.get(messageKey(staffChatId, messageId));
  }
  set(staffChatId: number, messageId: number, value: T): Promise<void> {
    return this.table.set(messageKey(staffChatId, messageId), value, this.ttlMs);
  }
  delete(staffChatId: number, messageId: number): Promise<void> {
    return this.table.delete(messageKey(staffChatId, messageId));
  }
}

export class Store {
  readonly writes: WriteHealth;
  readonly topics: TopicMap;
  readonly cursors: Cursors;
  readonly jobs: Jobs;
  readonly feeds: FeedCursors;
  readonly deferred: DeferredFiles;
  /** Staff messages that failed for a reason that may pass, waiting for a tap on retry. */
  readonly failed: FailedSends;
  /** Per chat: our sends not yet seen back in the chat's history. */
  readonly echoes: PerChat<EchoRecord[]>;
  /** Per chat: our messages awaiting the buyer's read receipt. */
  readonly sent: PerChat<SentRecord[]>;
  /** Corrected texts of edited staff messages, waiting for a tap on "send". */
  readonly edits: PerStaffMessage<StaffEdit>;
  readonly answers: Answers;
  readonly activity: Activity;
  readonly staff: StaffDirectory;
  readonly templates: Templates;
  /** Template previews in topics, by the preview message, until sent or cancelled. */
  readonly previews: PerStaffMessage<TemplatePreview>;
  /** Bot conversation state (grammY conversations plugin), by the plugin's own keys. */
  readonly conversations: Table<unknown>;
  /** Warnings told to staff (by account and kind), each kept for as long as it stays told. */
  readonly notices: Table<number>;
  /** Set only on an engine several instances share (Postgres). */
  readonly leases: LeaseBoard | undefined;
  readonly #accounts: Table<AccountState>;
  readonly #probes: Table<string>;
  readonly #engine: Engine;

  private constructor(engine: Engine, writes: WriteHealth) {
    this.#engine = engine;
    this.writes = writes;
    this.topics = new TopicMap(
      engine.table("topics"),
      engine.table("threads"),
      engine.table("waiting"),
    );
    this.cursors = new Cursors(engine.table("cursors"));
    this.jobs = new Jobs(engine.table("jobs"), engine.table("done"));
    this.feeds = new FeedCursors(engine.table("feeds"));
    this.deferred = new DeferredFiles(engine.table("deferred"));
    this.failed = new FailedSends(engine.table("failed"));
    this.echoes = new PerChat(engine.table("echoes"));
    this.sent = new PerChat(engine.table("sent"));
    this.edits = new PerStaffMessage(engine.table("edits"), BUTTON_TTL_MS);
    this.answers = new Answers(engine.table("answers"));
    this.activity = new Activity(engine.table("activity"));
    this.staff = new StaffDirectory(engine.table("staff"));
    this.templates = new Templates(engine.table("templates"));
    this.previews = new PerStaffMessage(engine.table("previews"), BUTTON_TTL_MS);
    this.conversations = engine.table("conv");
    this.notices = engine.table("notices");
    this.leases = engine.leases;
    this.#accounts = engine.table("accounts");
    this.#probes = engine.table("probe");
  }

  /** `location`: a DATA_DIR path, or a `postgres://` URL (DATABASE_URL). */
  static async open(location: string): Promise<Store> {
    const writes = new WriteHealth();
    const store = new Store(await openEngine(location, TABLES, writes), writes);
    await store.probe();
    return store;
  }

  /** The first full listing is done: from now on unknown chats are new chats. */
  async baselined(accountId: string): Promise<boolean> {
    return (await this.#accounts.get(accountId))?.baselined ?? false;
  }

  markBaselined(accountId: string): Promise<void> {
    return this.#accounts.set(accountId, { baselined: true });
  }

  /** One read: fails, with the reason, when the state cannot be read. */
  async ping(): Promise<void> {
    await this.#accounts.get("__ping__");
  }

  /**
   * Writes what a full disk held back in memory and a value with room to spare, then deletes
   * it; fails, with the reason, while state cannot be saved. Success ends a write incident.
   */
  async probe(): Promise<void> {
    await this.cursors.flush();
    await this.#probes.set("room", PROBE_ROOM);
    await this.#probes.delete("room");
    this.writes.recovered();
  }

  close(): Promise<void> {
    this.writes.close();
    return this.#engine.close();
  }
}
