// Long polling that confirms an update to Telegram only once its handler has finished. grammY's
// own stop() confirms the update being handled at that moment, before its handler has stored
// anything: a staff reply arriving just as the bridge stops was acknowledged and then lost when
// the state closed under it. Here a stop holds that confirmation until the updates already
// fetched are handled, and confirms exactly those.
import type { Bot, Context, PollingOptions } from "grammy";

export class Polling<C extends Context> {
  readonly #bot: Bot<C>;
  /** The newest update whose handler has finished (updates are handled one at a time). */
  #handled = 0;
  #stopping = false;
  #done: Promise<void> = Promise.resolve();

  /** Install before any other middleware, so that every handler is inside the count. */
  constructor(bot: Bot<C>) {
    this.#bot = bot;
    bot.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        this.#handled = ctx.update.update_id;
      }
    });
    bot.api.config.use(async (prev, method, payload, signal) => {
      if (method !== "getUpdates" || !this.#stopping) return prev(method, payload, signal);
      // The confirming call of stop(): after the batch in hand, with the offset it earned.
      await this.#done.catch(() => undefined);
      const offset = this.#handled > 0 ? { offset: this.#handled + 1 } : {};
      return prev(method, { ...payload, ...offset }, signal);
    });
  }

  /** Resolves when polling has ended (after stop(), or rejects when it failed for good). */
  start(options: PollingOptions): Promise<void> {
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
