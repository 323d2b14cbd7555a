// Long polling that confirms an update to Telegram only once its handler has finished. grammY's
// own stop() confirms the update being handled at that moment, before its handler has stored
// anything: a staff reply arriving just as the bridge stops was acknowledged and then lost when
// the state closed under it. Here a stop holds that confirmation until the updates already
// fetched are handled, and confirms exactly those.
// With several instances, polling passes from one to another (the bot's lease): it starts again
// after a stop, and a 409 Conflict (Telegram ends the older of two getUpdates calls) is what a
// hand-over looks like, not a failure: it is waited out. A lone bridge keeps grammY's way: a
// conflict ends polling, because a second program is reading the bot's updates.
import type { Bot, Context, PollingOptions } from "grammy";
import { sleep } from "../bridge/sleep.ts";
import type { Logger } from "../logger.ts";

/** After a 409 Conflict: the other poller has usually stopped by then. */
const CONFLICT_WAIT_MS = 1000;
/** Conflicts for this long are no hand-over: someone outside the leases reads the updates. */
const CONFLICT_WARN_MS = 60_000;

export class Polling<C extends Context> {
  readonly #bot: Bot<C>;
  /** The newest update whose handler has finished (updates are handled one at a time). */
  #handled = 0;
  #stopping = false;
  #done: Promise<void> = Promise.resolve();

  /** Install before any other middleware, so that every handler is inside the count. */
  constructor(bot: Bot<C>, log: Logger, options: { shared?: boolean } = {}) {
    this.#bot = bot;
    let conflictSince: number | undefined;
    let warned = false;
    bot.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        this.#handled = ctx.update.update_id;
      }
    });
    bot.api.config.use(async (prev, method, payload, signal) => {
      if (method !== "getUpdates") return prev(method, payload, signal);
      if (!this.#stopping) {
        const result = await prev(method, payload, signal);
        if (result.ok || result.error_code !== 409 || !options.shared) {
          conflictSince = undefined;
          return result;
        }
        conflictSince ??= Date.now();
        if (!warned && Date.now() - conflictSince >= CONFLICT_WARN_MS) {
          warned = true;
          log.warn("getUpdates keeps conflicting: is a bot outside these instances running?");
        } else {
          const { description } = result;
          log.debug({ description }, "another instance polls Telegram; waiting");
        }
        await sleep(CONFLICT_WAIT_MS, signal as AbortSignal | undefined);
        // No updates: grammY asks again from the same offset.
        return { ok: true, result: [] as never };
      }
      // The confirming call of stop(): after the batch in hand, with the offset it earned.
      await this.#done.catch(() => undefined);
      const offset = this.#handled > 0 ? { offset: this.#handled + 1 } : {};
      return prev(method, { ...payload, ...offset }, signal);
    });
  }

  /** Resolves when polling has ended (after stop(), or rejects when it failed for good). */
  start(options: PollingOptions): Promise<void> {
    this.#stopping = false;
    this.#done = this.#bot.start(options);
    return this.#done;
  }

  /** Stops fetching, lets the handlers of fetched updates finish, then confirms them. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#bot.stop();
    await this.#done.catch(() => undefined);
  }
}
