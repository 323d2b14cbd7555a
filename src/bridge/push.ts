// Push notifications from marketplaces, normalized. A push only says "look at this chat now";
// the poller's sync does the fetching and de-duplication, so a missed or repeated push changes
// nothing, and the poller stays the safety net.
import type { Logger } from "../logger.ts";
import type { Account } from "./account.ts";
import { type BridgeMetrics, noMetrics } from "./metrics.ts";
import type { Id } from "./provider.ts";

export type PushEvent =
  /** A check from the marketplace; nothing to do but answer. */
  | { type: "ping" }
  /** Something new in the chat (message, new chat): sync it. */
  | { type: "chat_changed"; chatId: Id }
  /** The buyer read our messages up to `upToId`. */
  | { type: "read_by_buyer"; chatId: Id; upToId: Id }
  | { type: "chat_closed"; chatId: Id }
  /** A dispute (arbitration) started or finished. */
  | { type: "dispute"; chatId: Id; active: boolean }
  /** A notification type the bridge does not use. */
  | { type: "ignored"; what: string };

export interface PushReply {
  status: number;
  body: unknown;
}

export interface PushResult {
  reply: PushReply;
  /** Present when the body was understood. */
  event?: PushEvent;
  /** Account key the notification names (Yandex businessId, Ozon seller id), when it does. */
  accountKey?: string;
}

/** Parses one marketplace's notification bodies and builds the replies it documents. */
export interface PushParser {
  readonly marketplace: string;
  /**
   * Further path segments its endpoint also answers on (/push/<secret>/<marketplace>/<suffix>),
   * for a marketplace that may append its method's name to the registered URL.
   */
  readonly pathSuffixes?: readonly string[];
  handle(body: unknown, now: Date): PushResult;
  /** The documented answer to a body that is not valid JSON. */
  malformed(now: Date, reason: string): PushReply;
}

/** What the bridge does with an understood push. */
export interface PushActions {
  syncChat(account: Account, chatId: Id): Promise<unknown>;
  readByBuyer(account: Account, chatId: Id, upToId: Id): Promise<void>;
  chatClosed(account: Account, chatId: Id): Promise<void>;
  dispute(account: Account, chatId: Id, active: boolean): Promise<void>;
}

export class PushReceiver {
  private readonly accounts: Account[];
  private readonly actions: PushActions;
  private readonly log: Logger;
  private readonly metrics: BridgeMetrics;

  constructor(deps: {
    accounts: Account[];
    actions: PushActions;
    log: Logger;
    metrics?: BridgeMetrics;
  }) {
    this.accounts = deps.accounts;
    this.actions = deps.actions;
    this.log = deps.log;
    this.metrics = deps.metrics ?? noMetrics;
  }

  /** Starts the work a push asks for without waiting: marketplaces want a fast answer. */
  dispatch(marketplace: string, result: PushResult): void {
    const event = result.event;
    if (event) this.metrics.pushReceived(marketplace, event.type);
    if (!event || event.type === "ping" || event.type === "ignored") return;
    const account = this.accountFor(marketplace, result.accountKey);
    if (!account) {
      this.log.warn({ marketplace, accountKey: result.accountKey }, "push for an unknown account");
      return;
    }
    void this.apply(account, event).catch((error: unknown) => {
      account.log.warn(
        { event: event.type, err: error },
        "push handling failed; the poller will catch up",
      );
    });
  }

  private apply(account: Account, event: PushEvent): Promise<unknown> {
    switch (event.type) {
      case "chat_changed":
        return this.actions.syncChat(account, event.chatId);
      case "read_by_buyer":
        return this.actions.readByBuyer(account, event.chatId, event.upToId);
      case "chat_closed":
        return this.actions.chatClosed(account, event.chatId);
      case "dispute":
        return this.actions.dispute(account, event.chatId, event.active);
      default:
        return Promise.resolve();
    }
  }

  private accountFor(marketplace: string, key: string | undefined): Account | undefined {
    const candidates = this.accounts.filter((a) => a.provider.marketplace === marketplace);
    if (key !== undefined) {
      const named = candidates.find((a) => a.pushKey === key);
      if (named) return named;
    }
    // One account of that marketplace: it is the one, whatever the body says.
    return candidates.length === 1 ? candidates[0] : undefined;
  }
}
