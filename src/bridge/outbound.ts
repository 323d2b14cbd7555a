// Staff message → marketplace, exactly once, in order per chat, with a receipt or a reason.
// The job is stored before anything is sent and each part is marked done after the marketplace
// accepted it, so a restart continues where it stopped (at most one part repeats per crash:
// the marketplaces have no idempotency key).
import type { Logger } from "../logger.ts";
import type { Account } from "./account.ts";
import type { Echoes } from "./echoes.ts";
import { errorText, refusalText } from "./errors.ts";
import { Gate, KeyedGate } from "./gate.ts";
import { type Serves, servesAll } from "./leases.ts";
import { type BridgeMetrics, noMetrics } from "./metrics.ts";
import { marksRead, ProviderError } from "./provider.ts";
import { mayPass, retriedJobId, retryData } from "./retry.ts";
import type { GroupSendQueue } from "./send-queue.ts";
import { sleep } from "./sleep.ts";
import {
  chatKey,
  type OutboundJob,
  type OutboundPart,
  type StaffUser,
  type Store,
  type TopicRecord,
} from "./store/index.ts";
import {
  type InlineButton,
  isTelegramError,
  TelegramError,
  type TelegramPort,
} from "./telegram.ts";
import { escapeHtml, splitText } from "./text.ts";
import type { Texts } from "./texts/index.ts";
import type { Topics } from "./topics.ts";

/** Telegram's getFile refuses larger files for bots on the cloud Bot API. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;
const RECEIPT = "👍";
const MAX_ATTEMPTS = 8;
const BASE_BACKOFF_MS = 2000;
const MAX_BACKOFF_MS = 5 * 60_000;
/** First wait before a failed state write is tried again. */
const WRITE_RETRY_MS = 1000;

/** What a tap on a failure reply's retry button did. */
export type RetryOutcome =
  /** The message is on its way again, in the chat's order. */
  | "queued"
  /** A retry of it is already under way. */
  | "running"
  /** Nothing to retry: delivered, expired, or not this reply's button. */
  | "gone";

/** A staff message in a topic, as the bot layer saw it. */
export interface StaffMessage {
  staffChatId: number;
  threadId: number;
  messageId: number;
  /** Text or caption. */
  text?: string;
  file?: { fileId: string; name: string; mime: string; size?: number };
  /** Telegram's edit_date when this is an edited message. */
  editedAt?: number;
  /** Set for content a marketplace cannot take (sticker, voice, poll…): a key of texts.kinds. */
  unsupported?: string;
  /** Who wrote it (recorded with the answer; the first to reach the buyer owns the chat). */
  sender?: StaffUser;
}

export class Outbound {
  private readonly accounts: Map<string, Account>;
  private readonly store: Store;
  private readonly echoes: Echoes;
  private readonly topics: Topics;
  private readonly telegram: TelegramPort;
  private readonly queue: GroupSendQueue;
  private readonly texts: Texts;
  private readonly log: Logger;
  private readonly metrics: BridgeMetrics;
  private readonly serial = new KeyedGate();
  /** Jobs in a chat's lane (waiting or running), so a job is never in it twice. */
  private readonly scheduled = new Set<string>();
  /**
   * Puts jobs in lanes one caller at a time. A resume reads the stored jobs and awaits before it
   * enqueues each; a job accepted meanwhile must not overtake its chat's older stored ones (at
   * a takeover the new holder resumes the dead one's jobs while Telegram already delivers it
   * newer staff messages of the same chats).
   */
  private readonly placing = new Gate(1);
  private readonly serves: Serves;
  private readonly handOver: (staffChatId: number) => void;
  private readonly stopping = new AbortController();
  private readonly backoffBaseMs: number;
  private readonly syncChat: ((account: Account, chatId: string) => Promise<unknown>) | undefined;

  constructor(deps: {
    accounts: Account[];
    store: Store;
    echoes: Echoes;
    topics: Topics;
    telegram: TelegramPort;
    queue: GroupSendQueue;
    texts: Texts;
    log: Logger;
    metrics?: BridgeMetrics;
    backoffBaseMs?: number;
    /** Brings a chat's history in (the poller's sync), to see whether a send arrived. */
    syncChat?: (account: Account, chatId: string) => Promise<unknown>;
    /** Whether this instance runs the jobs of a staff group now (always, with one process). */
    serves?: Serves;
    /** Tells the instance that runs a group's jobs that one was stored for it. */
    handOver?: (staffChatId: number) => void;
  }) {
    this.serves = deps.serves ?? servesAll;
    this.handOver = deps.handOver ?? (() => {});
    this.accounts = new Map(deps.accounts.map((a) => [a.id, a]));
    this.store = deps.store;
    this.echoes = deps.echoes;
    this.topics = deps.topics;
    this.telegram = deps.telegram;
    this.queue = deps.queue;
    this.texts = deps.texts;
    this.log = deps.log;
    this.metrics = deps.metrics ?? noMetrics;
    this.backoffBaseMs = deps.backoffBaseMs ?? BASE_BACKOFF_MS;
    this.syncChat = deps.syncChat;
  }

  /**
   * Picks up the stored jobs of the groups this instance serves (of `staffChatId` alone, when
   * given) that are not in a lane yet: those a previous run left unfinished, those of a group
   * taken over from another instance, those another instance stored for this one.
   */
  resume(staffChatId?: number): Promise<void> {
    return this.placing.run(() => this.resumeNow(staffChatId));
  }

  private async resumeNow(staffChatId: number | undefined): Promise<void> {
    const jobs = (await this.store.jobs.pending()).filter(
      (job) =>
        (staffChatId === undefined || job.staffChatId === staffChatId) &&
        this.serves(job.staffChatId) &&
        !this.scheduled.has(job.id),
    );
    if (jobs.length === 0) return;
    this.log.info({ jobs: jobs.length }, "resuming unsent staff messages");
    // Reserved before the first await: no other path puts them in a lane meanwhile (a job
    // running while it is marked below could be stored again after it finished).
    const reserved = new Set(jobs.map((job) => job.id));
    for (const id of reserved) this.scheduled.add(id);
    try {
      for (const job of jobs) {
        // The run that stored the job may have died after the marketplace took the part it was
        // sending (its echo is still awaited): the chat is read before that part goes again.
        if (await this.echoes.isExpected(job.accountId, job.chatId, partEchoKey(job))) {
          await this.store.jobs.save({ ...job, uncertain: true });
        }
        reserved.delete(job.id);
        this.enqueue(job);
      }
    } finally {
      for (const id of reserved) this.scheduled.delete(id);
    }
  }

  /**
   * Accepts a staff message. Idempotent per Telegram message, so a re-delivered update after a
   * crash does not send twice.
   */
  async accept(job: Omit<OutboundJob, "done" | "attempts" | "createdAt">): Promise<void> {
    if (await this.store.jobs.known(job.id)) return;
    const full: OutboundJob = { ...job, done: 0, attempts: 0, createdAt: Date.now() };
    await this.store.jobs.save(full);
    await this.dispatch(full);
  }

  /**
   * Turns a staff message in a buyer's topic into a job, or explains why it cannot be sent.
   * False when the topic is not a buyer chat's (the message is not for a buyer).
   */
  async handleStaffMessage(message: StaffMessage, jobId?: string): Promise<boolean> {
    const thread = await this.store.topics.byThread(message.staffChatId, message.threadId);
    const account = thread && this.accounts.get(thread.accountId);
    if (!thread || !account) return false;
    const refusal = this.refusal(account, message);
    if (refusal) {
      await this.reply(message.staffChatId, message.threadId, message.messageId, refusal);
      return true;
    }
    const parts: OutboundPart[] = [];
    if (message.file) parts.push({ type: "file", ...message.file });
    for (const text of splitText(message.text ?? "", account.provider.capabilities.maxTextLength)) {
      parts.push({ type: "text", text });
    }
    if (parts.length === 0) {
      const text = this.texts.emptyNotSent;
      await this.reply(message.staffChatId, message.threadId, message.messageId, text);
      return true;
    }
    try {
      await this.accept({
        id: jobId ?? `${message.staffChatId}:${message.messageId}`,
        staffChatId: message.staffChatId,
        threadId: message.threadId,
        messageId: message.messageId,
        accountId: account.id,
        chatId: thread.chatId,
        parts,
        ...(message.sender ? { sender: message.sender } : {}),
      });
    } catch (error) {
      // Not stored, so not sent: staff must know, or the buyer waits for nothing.
      this.log.error({ err: error, messageId: message.messageId }, "staff message not stored");
      const text = this.texts.sendFailed(this.texts.reasons.stateNotSaved);
      await this.reply(message.staffChatId, message.threadId, message.messageId, text);
    }
    return true;
  }

  /**
   * Sends the bridge's own `text` to the buyer of `topic` (an off-hours reply) like a staff
   * message, within the marketplace's limits: a silent note in the topic stands for it (its
   * 👍, a failure reply), then the job is stored under `key`, so asking again for the same key
   * sends nothing more (a crash between the note and the job repeats only the note).
   */
  async sendAutomatic(account: Account, topic: TopicRecord, text: string, key: string) {
    const id = `auto:${account.id}:${topic.chatId}:${key}`;
    if (await this.store.jobs.known(id)) return;
    const parts = splitText(text, account.provider.capabilities.maxTextLength).map(
      (part): OutboundPart => ({ type: "text", text: part }),
    );
    const { staffChatId, threadId } = topic;
    const note = await this.queue.send(staffChatId, () =>
      this.telegram.sendText(staffChatId, threadId, escapeHtml(this.texts.autoReplyNote(text)), {
        silent: true,
      }),
    );
    await this.accept({
      id,
      staffChatId,
      threadId,
      messageId: note,
      accountId: account.id,
      chatId: topic.chatId,
      parts,
      automatic: true,
    });
  }

  /**
   * An edited staff message: marketplaces cannot edit, so the corrected text is kept for staff
   * to send as a new message. False when the topic is not a buyer chat or there is no text.
   */
  async rememberEdit(message: StaffMessage): Promise<boolean> {
    const thread = await this.store.topics.byThread(message.staffChatId, message.threadId);
    if (!thread || !message.text?.trim()) return false;
    await this.store.edits.set(message.staffChatId, message.messageId, {
      threadId: message.threadId,
      text: message.text,
      version: message.editedAt ?? 0,
      ...(message.sender ? { sender: message.sender } : {}),
    });
    return true;
  }

  /** Sends a remembered correction once; false when there is none (already sent or unknown). */
  async sendEdit(staffChatId: number, messageId: number): Promise<boolean> {
    const edit = await this.store.edits.get(staffChatId, messageId);
    if (!edit) return false;
    await this.store.edits.delete(staffChatId, messageId);
    await this.handleStaffMessage(
      {
        staffChatId,
        threadId: edit.threadId,
        messageId,
        text: edit.text,
        ...(edit.sender ? { sender: edit.sender } : {}),
      },
      `${staffChatId}:${messageId}:edit:${edit.version}`,
    );
    return true;
  }

  /**
   * A tap on the retry button under failure reply `replyId`: the failed message's remaining
   * parts go out once more, through the chat's lane like any job. The job is stored before the
   * kept failure goes, so a crash in between resumes it and a later tap finds it running.
   */
  async retry(staffChatId: number, replyId: number, data: string): Promise<RetryOutcome> {
    const jobId = retriedJobId(staffChatId, data);
    if (jobId === undefined) return "gone";
    if (await this.store.jobs.get(jobId)) return "running";
    if (await this.store.jobs.known(jobId)) return "gone"; // delivered since
    const failed = await this.store.failed.get(jobId);
    // Data naming another reply's message (forged, or copied from elsewhere) changes nothing.
    if (!failed || (failed.replyId !== undefined && failed.replyId !== replyId)) return "gone";
    const job: OutboundJob = {
      ...failed.job,
      attempts: 0,
      maxAttempts: 1,
      failureReplyId: replyId,
    };
    await this.store.jobs.save(job);
    await this.store.failed.delete(jobId);
    await this.dispatch(job);
    return "queued";
  }

  private refusal(account: Account, message: StaffMessage): string | undefined {
    const t = this.texts;
    if (message.unsupported) {
      return t.unsupportedKind(t.kinds[message.unsupported] ?? t.kinds.other ?? "");
    }
    const size = message.file?.size;
    if (size === undefined) return undefined;
    if (size > TELEGRAM_DOWNLOAD_LIMIT) return t.telegramFileTooBig(megabytes(size));
    const limit = account.provider.capabilities.maxFileBytes;
    if (size > limit) {
      return t.fileTooBig(megabytes(size), megabytes(limit), account.provider.marketplaceTitle);
    }
    return undefined;
  }

  /** Finishes the part being sent, then stops; the rest stays stored for the next start. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping.abort();
    await Promise.race([this.serial.idle(), sleep(graceMs)]);
  }

  pendingCount(): Promise<number> {
    return this.store.jobs.pending().then((jobs) => jobs.length);
  }

  /** Resolves when no job is running (used by tests and shutdown). */
  idle(): Promise<void> {
    return this.serial.idle();
  }

  /** A stored job runs here when this instance serves its group, else at the group's holder. */
  private async dispatch(job: OutboundJob): Promise<void> {
    if (this.serves(job.staffChatId)) await this.placing.run(async () => this.schedule(job));
    else this.handOver(job.staffChatId);
  }

  private schedule(job: OutboundJob): void {
    if (this.scheduled.has(job.id)) return;
    this.scheduled.add(job.id);
    this.enqueue(job);
  }

  /** Puts a job reserved in `scheduled` in its chat's lane. */
  private enqueue(job: OutboundJob): void {
    if (this.stopping.signal.aborted) {
      this.scheduled.delete(job.id);
      return;
    }
    void this.serial
      .run(chatKey(job.accountId, job.chatId), () => this.process(job.id))
      .catch((error: unknown) => {
        // Only a stop ends a job this way: it stays stored and resumes at the next start.
        if (!this.stopping.signal.aborted)
          this.log.error({ err: error, job: job.id }, "job failed");
      })
      .finally(() => this.scheduled.delete(job.id));
  }

  /**
   * Records a job's progress, waiting while state cannot be written: the chat's lane stays
   * held, so nothing is sent twice or out of order meanwhile. Throws only when stopping.
   */
  private async record(write: () => Promise<void>): Promise<void> {
    for (let delay = WRITE_RETRY_MS; ; delay = Math.min(delay * 2, MAX_BACKOFF_MS)) {
      try {
        return await write();
      } catch (error) {
        if (this.stopping.signal.aborted) throw error;
        await sleep(delay, this.stopping.signal);
      }
    }
  }

  /** False once this instance must leave the job to another (stopping, or the group's lease lost). */
  private mayRun(job: OutboundJob): boolean {
    return !this.stopping.signal.aborted && this.serves(job.staffChatId);
  }

  private async process(jobId: string): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const job = await this.store.jobs.get(jobId);
    if (!job || !this.mayRun(job)) return;
    const account = this.accounts.get(job.accountId);
    if (!account) {
      this.log.error({ job: job.id, account: job.accountId }, "job for an unknown account dropped");
      await this.record(() => this.store.jobs.drop(job.id));
      return;
    }
    // Retries wait here, holding the chat's lane: a later staff message never overtakes one
    // that is still being retried.
    for (;;) {
      try {
        while (job.done < job.parts.length) {
          if (!this.mayRun(job)) return;
          await this.sendPart(account, job, job.parts[job.done] as OutboundPart);
          job.done++;
          job.uncertain = false;
          // The message reached the buyer: who sent it is recorded before the progress, so a
          // crash in between repeats the part and the record (which ignores a second copy),
          // never loses the record.
          if (job.done === 1) await this.record(() => this.attribute(job));
          await this.record(() => this.store.jobs.save(job));
        }
        break;
      } catch (error) {
        const delay = await this.failed(account, job, error);
        if (delay === undefined) return;
        await sleep(delay, this.stopping.signal);
        if (!this.mayRun(job)) return;
      }
    }
    await this.record(() => this.store.jobs.finish(job.id));
    this.metrics.messageOut(account.provider.marketplace);
    account.log.info({ chatId: job.chatId, parts: job.parts.length }, "staff message sent");
    await this.afterSuccess(account, job);
  }

  private async attribute(job: OutboundJob): Promise<void> {
    if (!job.sender) return;
    await this.store.answers.add(job.accountId, job.chatId, {
      jobId: job.id,
      messageId: job.messageId,
      at: Date.now(),
      userId: job.sender.userId,
      name: job.sender.name,
    });
  }

  private async sendPart(account: Account, job: OutboundJob, part: OutboundPart): Promise<void> {
    const echoKey = partEchoKey(job);
    if (job.uncertain && (await this.arrivedAfterAll(account, job, echoKey))) return;
    // The sender rides on the echo: inbound ends the buyer's wait with it when the part comes
    // back, whatever the order of that and of the answer's record.
    const origin = {
      staff: { staffChatId: job.staffChatId, messageId: job.messageId },
      ...(job.sender ? { sender: job.sender } : {}),
    };
    if (part.type === "text") {
      const echo = { key: echoKey, kind: "text" as const, text: part.text, ...origin };
      await this.record(() => this.echoes.expect(account.id, job.chatId, echo));
      await this.withEcho(account, job, echoKey, () =>
        account.provider.sendText(job.chatId, part.text),
      );
      return;
    }
    const bytes = await this.fetchTelegramFile(part);
    const echo = { key: echoKey, kind: "file" as const, ...origin };
    await this.record(() => this.echoes.expect(account.id, job.chatId, echo));
    await this.withEcho(account, job, echoKey, () =>
      account.provider.sendFile(job.chatId, { name: part.name, mime: part.mime, bytes }),
    );
  }

  /** A send the marketplace refused will never echo back: drop its expectation. */
  private async withEcho(
    account: Account,
    job: OutboundJob,
    echoKey: string,
    send: () => Promise<void>,
  ): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (error instanceof ProviderError && !error.retryable) {
        await this.record(() => this.echoes.forget(account.id, job.chatId, echoKey));
      }
      throw error;
    }
  }

  private async fetchTelegramFile(part: Extract<OutboundPart, { type: "file" }>) {
    const info = await this.telegram.fileInfo(part.fileId);
    if (!info.path) throw new TelegramError("rejected", "Telegram returned no file path");
    return this.telegram.downloadFile(info.path, TELEGRAM_DOWNLOAD_LIMIT);
  }

  private async afterSuccess(account: Account, job: OutboundJob): Promise<void> {
    // The receipt first: it needs no turn in the group's send queue, which a slow post (a buyer's
    // file the marketplace holds back) may keep busy for a while.
    try {
      await this.telegram.react(job.staffChatId, job.messageId, RECEIPT);
    } catch (error) {
      this.log.warn({ job: job.id, err: error }, "could not set the sent receipt");
    }
    await this.editReply(job, this.texts.retryDelivered);
    // An automatic reply answers nothing: the chat still waits for staff, and stays unread.
    if (!job.automatic) {
      try {
        await this.topics.weAnswered(account, job.chatId, job.sender);
      } catch (error) {
        this.log.warn({ job: job.id, err: error }, "could not update the topic status");
      }
    }
    const provider = account.provider;
    if (job.automatic || !marksRead(provider)) return;
    try {
      const cursor = await this.store.cursors.get(account.id, job.chatId);
      await provider.markRead(job.chatId, cursor?.lastId);
    } catch (error) {
      this.log.warn({ job: job.id, err: error }, "could not mark the chat read");
    }
  }

  /** Records a failed attempt; the delay before the next one, or undefined when it was final. */
  private async failed(
    account: Account,
    job: OutboundJob,
    error: unknown,
  ): Promise<number | undefined> {
    const retryable =
      (error instanceof ProviderError && error.retryable) || isTelegramError(error, "transient");
    job.attempts++;
    this.metrics.failure(account.provider.marketplace, failureKind(error));
    if (retryable && job.attempts < (job.maxAttempts ?? MAX_ATTEMPTS)) {
      // No answer, or a server error: the marketplace may have taken the message after all.
      job.uncertain = maybeDelivered(error);
      await this.record(() => this.store.jobs.save(job));
      const hinted = error instanceof ProviderError ? (error.retryAfterMs ?? 0) : 0;
      const backoff = Math.min(MAX_BACKOFF_MS, this.backoffBaseMs * 2 ** (job.attempts - 1));
      const delay = Math.max(hinted, backoff * (0.75 + Math.random() * 0.5));
      account.log.warn(
        {
          job: job.id,
          attempt: job.attempts,
          delayMs: Math.round(delay),
          err: error,
        },
        "staff message not sent yet; retrying",
      );
      return delay;
    }
    account.log.error({ job: job.id, err: error }, "staff message could not be sent");
    // Kept for a retry before the job goes: a crash in between leaves the job, which resumes.
    const kept = mayPass(error) && retryData(job) !== undefined;
    if (kept) {
      const { failureReplyId: _, maxAttempts: __, ...rest } = job;
      const failed = { job: { ...rest, uncertain: maybeDelivered(error) }, failedAt: Date.now() };
      await this.record(() => this.store.failed.keep(failed));
      await this.record(() => this.store.jobs.drop(job.id));
      const replyId = await this.tellStaff(job, this.reason(account, error, retryable), true);
      if (replyId !== undefined) {
        await this.record(() => this.store.failed.keep({ ...failed, replyId }));
      }
      return undefined;
    }
    await this.record(() => this.store.jobs.drop(job.id));
    await this.tellStaff(job, this.reason(account, error, retryable), false);
    return undefined;
  }

  /**
   * After an attempt whose outcome is unknown: reads the chat (which consumes our echo if the
   * message is there) and tells whether the part already arrived, so it is not sent twice.
   */
  private async arrivedAfterAll(account: Account, job: OutboundJob, echoKey: string) {
    if (!this.syncChat) return false;
    try {
      await this.syncChat(account, job.chatId);
    } catch {
      return false;
    }
    const arrived = !(await this.echoes.isExpected(account.id, job.chatId, echoKey));
    if (arrived) this.log.info({ job: job.id }, "the marketplace had the message after all");
    return arrived;
  }

  private reason(account: Account, error: unknown, gaveUp: boolean): string {
    const r = this.texts.reasons;
    if (error instanceof TelegramError) return r.telegramFile(errorText(error));
    if (gaveUp) return r.gaveUp(errorText(error));
    const words = account.words;
    const forbidden = (detail: string) => r.forbidden(detail, words.sendForbidden);
    return refusalText(error, { ...r, forbidden, fallback: r.gaveUp }, words.refusals);
  }

  /**
   * The failure reply under the staff message (the one a retry was asked from is edited);
   * returns its id, undefined when it could not be posted.
   */
  private async tellStaff(
    job: OutboundJob,
    reason: string,
    retry: boolean,
  ): Promise<number | undefined> {
    const t = this.texts;
    const data = retry ? retryData(job) : undefined;
    const buttons = data ? [{ text: t.retryButton, data }] : [];
    // A retry's failure edits the reply it came from: say so, or the tap seems to do nothing.
    const text = [
      t.sendFailed(reason),
      job.failureReplyId === undefined ? undefined : t.retriedAt(t.time(Date.now())),
      data ? t.retryHint : undefined,
    ]
      .filter(Boolean)
      .join("\n");
    if (job.failureReplyId !== undefined && (await this.editReply(job, text, buttons))) {
      return job.failureReplyId;
    }
    return this.reply(job.staffChatId, job.threadId, job.messageId, text, buttons);
  }

  /** Edits the failure reply a retry came from; false when it is gone (then a new one is sent). */
  private async editReply(job: OutboundJob, text: string, buttons: InlineButton[] = []) {
    const replyId = job.failureReplyId;
    if (replyId === undefined) return false;
    try {
      await this.queue.send(job.staffChatId, () =>
        this.telegram.editText(job.staffChatId, replyId, escapeHtml(text), { buttons }),
      );
      return true;
    } catch (error) {
      this.log.warn({ job: job.id, err: error }, "could not edit the failure reply");
      return false;
    }
  }

  private async reply(
    staffChatId: number,
    threadId: number,
    messageId: number,
    text: string,
    buttons: InlineButton[] = [],
  ): Promise<number | undefined> {
    try {
      return await this.queue.send(staffChatId, () =>
        this.telegram.sendText(staffChatId, threadId, escapeHtml(text), {
          replyTo: messageId,
          buttons,
        }),
      );
    } catch (error) {
      this.log.error({ threadId, err: error }, "could not reply to staff");
      return undefined;
    }
  }
}

/** The echo of the part being sent (job id and part index). */
function partEchoKey(job: OutboundJob): string {
  return `${job.id}:${job.done}`;
}

/** A failure after which the marketplace may still have carried out the send. */
function maybeDelivered(error: unknown): boolean {
  if (!(error instanceof ProviderError) || error.kind !== "transient") return false;
  // No answer, a server error, or a 2xx answer that could not be read.
  const status = error.status;
  return status === undefined || status >= 500 || (status >= 200 && status < 300);
}

function failureKind(error: unknown): string {
  if (error instanceof ProviderError) return error.kind;
  if (error instanceof TelegramError) return `telegram_${error.kind}`;
  return "unknown";
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
