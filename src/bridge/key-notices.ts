// Warnings about API keys before they bite: a key that expires within two weeks, or one of a
// kind the marketplace throttles too hard for a live chat, is said in the account's General
// topic once a day until someone replaces it. A key already refused is an incident instead
// (incidents.ts), told when polling meets it.
import type { Logger } from "../logger.ts";
import type { Account } from "./account.ts";
import { SingleFlight } from "./gate.ts";
import { type Serves, servesAll } from "./leases.ts";
import { type KeyFacts, tellsKeyFacts } from "./provider.ts";
import type { Store } from "./store/index.ts";
import type { Texts } from "./texts/index.ts";

const DAY = 24 * 60 * 60 * 1000;
/** From how long before the expiry staff are told, once a day. */
export const EXPIRY_NOTICE_MS = 14 * DAY;

/** Whole days left, counting a started day as one. */
export function daysLeft(expiresAt: number, now: number): number {
  return Math.ceil((expiresAt - now) / DAY);
}

/** What is wrong with the key at `now`, in staff's words (plain text); empty when nothing. */
export function keyWarnings(
  facts: KeyFacts,
  texts: Texts,
  now: number,
): { key: string; text: string }[] {
  const warnings: { key: string; text: string }[] = [];
  const { expiresAt, throttled } = facts;
  if (expiresAt !== undefined && expiresAt > now && expiresAt - now <= EXPIRY_NOTICE_MS) {
    warnings.push({
      key: "expiry",
      text: texts.keyExpires(texts.date(expiresAt), daysLeft(expiresAt, now)),
    });
  }
  if (throttled) {
    warnings.push({
      key: "throttled",
      text: texts.keyThrottled(
        throttled.callsPerHour,
        throttled.suspected,
        throttled.instead[texts.language],
      ),
    });
  }
  return warnings;
}

export class KeyNotices {
  private readonly accounts: Account[];
  private readonly store: Store;
  private readonly texts: Texts;
  private readonly log: Logger;
  private readonly serves: Serves;
  private readonly post: (staffChatId: number, text: string) => Promise<void>;
  private readonly rounds = new SingleFlight();

  constructor(deps: {
    accounts: Account[];
    store: Store;
    texts: Texts;
    log: Logger;
    /** Staff groups other instances hold are left to them. */
    serves?: Serves;
    /** Posts plain text in the General topic of the group. */
    post: (staffChatId: number, text: string) => Promise<void>;
  }) {
    this.accounts = deps.accounts;
    this.store = deps.store;
    this.texts = deps.texts;
    this.log = deps.log;
    this.serves = deps.serves ?? servesAll;
    this.post = deps.post;
  }

  /**
   * Posts what is due at `now`: each warning of each account at most once a day. A call while
   * one runs joins it, so two callers never both find a warning untold.
   */
  tick(now: number): Promise<void> {
    return this.rounds.run(() => this.check(now));
  }

  private async check(now: number): Promise<void> {
    // What could not be marked as told would be told again every minute.
    if (this.store.writes.failure !== undefined) return;
    for (const account of this.accounts) {
      const provider = account.provider;
      if (!tellsKeyFacts(provider) || !this.serves(account.staffChatId)) continue;
      for (const warning of keyWarnings(provider.keyFacts(), this.texts, now)) {
        const key = `${account.id}:${warning.key}`;
        if (await this.store.notices.has(key)) continue;
        account.log.warn({ notice: warning.key }, "the API key needs attention; told in General");
        try {
          await this.post(account.staffChatId, this.texts.keyNotice(account.name, warning.text));
        } catch (error) {
          this.log.warn({ err: error, account: account.id }, "could not post a key notice");
          continue;
        }
        await this.store.notices.set(key, now, DAY);
      }
    }
  }
}
