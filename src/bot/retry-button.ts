// The "🔁 Retry" button under a failure reply. Its data is user input: the bridge checks it
// against the failure it kept for this group and this reply, and anything else gets a harmless
// answer.
import { Composer, type Context } from "grammy";
import type { Outbound, RetryOutcome } from "../bridge/outbound.ts";
import { isRetryData } from "../bridge/retry.ts";
import type { Texts } from "../bridge/texts/index.ts";
import type { Logger } from "../logger.ts";

export function retryButton(deps: {
  outbound: () => Outbound;
  texts: Texts;
  log: Logger;
}): Composer<Context> {
  const t = deps.texts;
  const answers: Record<RetryOutcome, string> = {
    queued: t.retryQueued,
    running: t.retryRunning,
    gone: t.retryGone,
  };
  const composer = new Composer<Context>();
  composer.on("callback_query:data", async (ctx, next) => {
    const data = ctx.callbackQuery.data;
    if (!isRetryData(data)) return next();
    const chatId = ctx.chat?.id;
    const replyId = ctx.callbackQuery.message?.message_id;
    let outcome: RetryOutcome = "gone";
    try {
      if (chatId !== undefined && replyId !== undefined) {
        outcome = await deps.outbound().retry(chatId, replyId, data);
      }
    } catch (error) {
      deps.log.error({ err: error }, "retry not stored");
      await ctx.answerCallbackQuery(t.reasons.stateNotSaved);
      return;
    }
    await ctx.answerCallbackQuery(answers[outcome]);
  });
  return composer;
}
