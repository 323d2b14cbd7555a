// Failures of the bridge's own (state that cannot be written, rights lost in a group) are loud
// once: one error line and one message in the General topic when they start, one line and one
// message when they end, and /healthz names them meanwhile. Never the same complaint per poll.
import type { Logger } from "../logger.ts";
import type { Account } from "./account.ts";
import { errorText } from "./errors.ts";
import { type Serves, servesAll } from "./leases.ts";
import type { PollObserver } from "./poller.ts";
import { ProviderError } from "./provider.ts";
import type { SendObserver } from "./send-queue.ts";
import { sleep } from "./sleep.ts";
import type { Store } from "./store/index.ts";
import { isTelegramError, type TelegramPort } from "./telegram.ts";
import { escapeHtml } from "./text.ts";
import type { Texts } from "./texts/index.ts";

/** First wait before state writes are tried again, doubling up to the maximum. */
const PROBE_FIRST_MS = 2000;
const PROBE_MAX_MS = 60_000;
/** How often posts that go through during a rights incident may trigger a check of the rights. */
const RIGHTS_CHECK_EVERY_MS = 10_000;
/** How long an account may go without a successful poll before the group hears of it. */
const QUIET_POLL_MS = 10 * 60_000;

export class Incidents implements SendObserver, PollObserver {
  /**
   * Open incidents: the reason, and the groups told of it, which are told of its end; none for
   * an incident kept quiet until it ends (rights: nothing can be posted meanwhile).
   */
  private readonly open = new Map<string, { reason: string; told?: number[] }>();
  /** Per account: the last successful poll cycle, or the first failure seen before any (ms). */
  private readonly lastPoll = new Map<string, number>();
  /** When the rights of a group under an incident were last checked, and checks under way. */
  private readonly checkedAt = new Map<string, number>();
  private readonly checking = new Set<string>();
  private readonly telegram: TelegramPort;
  private readonly texts: Texts;
  private readonly log: Logger;
  private readonly groups: number[];
  private readonly serves: Serves;

  constructor(deps: {
    telegram: TelegramPort;
    texts: Texts;
    log: Logger;
    staffChatIds: Iterable<number>;
    /** With several instances, a group hears of an incident from the one serving it. */
    serves?: Serves;
  }) {
    this.telegram = deps.telegram;
    this.texts = deps.texts;
    this.log = deps.log;
    this.groups = [...deps.staffChatIds];
    this.serves = deps.serves ?? servesAll;
  }

  /** What is wrong now, for /healthz. */
  problems(): string[] {
    return [...this.open.values()].map((incident) => incident.reason);
  }

  /**
   * Watches state writes: when they fail, says so and tries again with backoff until one
   * works (which also writes what was held in memory meanwhile), then says that too.
   */
  watchState(store: Store, signal: AbortSignal): void {
    let probing = false;
    store.writes.onChange((failure) => {
      if (signal.aborted) return;
      if (failure === undefined) {
        this.end("state", "state can be saved again", this.texts.stateRecovered);
        return;
      }
      this.begin("state", `state cannot be saved: ${failure}`, this.texts.stateFailing(failure));
      if (probing) return;
      probing = true;
      void (async () => {
        for (
          let delay = PROBE_FIRST_MS;
          !signal.aborted;
          delay = Math.min(delay * 2, PROBE_MAX_MS)
        ) {
          await sleep(delay, signal);
          try {
            await store.probe();
            if (store.writes.failure === undefined) break;
          } catch {
            // Still failing: the incident is open already.
          }
        }
        probing = false;
      })();
    });
  }

  /**
   * Watches what Telegram answers posts into each group: the bot removed or stripped of its
   * rights there is one incident. A post that goes through does not end it by itself (a plain
   * member still posts into existing topics but cannot create one): it makes the bridge check
   * the bot's rights, and the incident ends when they are whole again.
   */
  sendResult(staffChatId: number, error: unknown): void {
    const key = `rights:${staffChatId}`;
    if (error === undefined) {
      if (this.open.has(key)) this.checkRights(staffChatId, key);
    } else if (isTelegramError(error, "fatal")) {
      // Nothing can be posted there now; the group hears about it when it is over.
      this.begin(key, `the bot cannot post in staff group ${staffChatId}: ${errorText(error)}`);
    }
  }

  /**
   * Watches polling. A key the marketplace refuses (revoked, expired, lacking a right) is an
   * incident of its account at once; any other failure (network, 5xx) becomes one when the
   * account has had no successful cycle for QUIET_POLL_MS. Both are told in the account's group,
   * and the next cycle that goes through ends them.
   */
  pollResult(account: Account, error: unknown, now = Date.now()): void {
    const key = `key:${account.id}`;
    const quiet = `quiet:${account.id}`;
    const groups = [account.staffChatId];
    if (error === undefined) {
      this.lastPoll.set(account.id, now);
      this.end(
        key,
        "the marketplace accepts the key again",
        this.texts.keyRecovered(account.name),
        groups,
      );
      this.end(quiet, "polling works again", this.texts.pollRecovered(account.name), groups);
      return;
    }
    const since = this.lastPoll.get(account.id);
    if (since === undefined) this.lastPoll.set(account.id, now);
    if (error instanceof ProviderError && (error.kind === "auth" || error.kind === "forbidden")) {
      this.begin(
        key,
        `${account.id}: the marketplace refuses the key: ${errorText(error)}`,
        this.texts.keyRefused(account.name, errorText(error)),
        groups,
      );
    } else if (!this.open.has(key) && since !== undefined && now - since >= QUIET_POLL_MS) {
      const minutes = Math.floor((now - since) / 60_000);
      this.begin(
        quiet,
        `${account.id}: no successful poll for ${minutes} min: ${errorText(error)}`,
        this.texts.pollFailing(account.name, minutes, errorText(error)),
        groups,
      );
    }
  }

  /** Checks the group's rights once the last check is long enough ago (one check at a time). */
  private checkRights(staffChatId: number, key: string): void {
    if (this.checking.has(key)) return;
    this.checking.add(key);
    const wait = Math.max(0, (this.checkedAt.get(key) ?? 0) + RIGHTS_CHECK_EVERY_MS - Date.now());
    setTimeout(async () => {
      this.checkedAt.set(key, Date.now());
      let whole = false;
      try {
        whole = (await this.telegram.rightsProblem(staffChatId)) === undefined;
      } catch {
        // Checked again after the next post that goes through.
      }
      this.checking.delete(key);
      if (!whole) return;
      this.checkedAt.delete(key);
      this.end(key, "the bot can post in the staff group again", this.texts.rightsRecovered, [
        staffChatId,
      ]);
    }, wait).unref();
  }

  private begin(key: string, reason: string, message?: string, groups = this.groups): void {
    if (this.open.has(key)) return;
    const told = message && groups.filter((staffChatId) => this.serves(staffChatId));
    this.open.set(key, told ? { reason, told } : { reason });
    this.log.error({ incident: key }, reason);
    if (message && told) this.announce(message, told);
  }

  /** Told where its start was told; one kept quiet ends in its groups. */
  private end(key: string, line: string, message: string, groups = this.groups): void {
    const incident = this.open.get(key);
    if (!incident) return;
    this.open.delete(key);
    this.log.info({ incident: key }, line);
    this.announce(message, incident.told ?? groups);
  }

  /** Outside the send queue: one rare post must not wait behind a backlog of buyer messages. */
  private announce(text: string, groups: number[]): void {
    for (const staffChatId of groups) {
      void this.telegram
        .sendText(staffChatId, undefined, escapeHtml(text))
        .then(() => this.sendResult(staffChatId, undefined))
        .catch((error: unknown) => {
          this.log.warn({ err: error, staffChatId }, "could not post in the General topic");
        });
    }
  }
}
