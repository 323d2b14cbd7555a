// grammY bot for the staff group: only the configured chat is served; staff messages in mapped
// topics go to the bridge, everything else is ignored.
import { autoRetry } from "@grammyjs/auto-retry";
import { Bot, type Context } from "grammy";
import type { StaffMessage } from "../bridge/outbound.ts";
import type { Logger } from "../logger.ts";
import { toStaffMessage } from "./staff-message.ts";

export interface BotDeps {
  token: string;
  apiRoot: string;
  staffChatIds: Set<number>;
  onStaffMessage: (message: StaffMessage) => Promise<void>;
  log: Logger;
}

export function createBot(deps: BotDeps): Bot {
  const bot = new Bot(deps.token, { client: { apiRoot: deps.apiRoot, timeoutSeconds: 60 } });
  // Telegram's 429s and 5xx are retried here; network errors surface so callers decide,
  // because a blind retry of a send after a timeout can post twice.
  bot.api.config.use(
    autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 300, rethrowHttpErrors: true }),
  );

  const ignoredChats = new Set<number>();
  bot.use(async (ctx, next) => {
    const chatId = ctx.chat?.id;
    if (chatId !== undefined && deps.staffChatIds.has(chatId)) return next();
    if (chatId !== undefined && !ignoredChats.has(chatId)) {
      ignoredChats.add(chatId);
      deps.log.warn(
        { chatId, type: ctx.chat?.type },
        "update from a chat that is not the staff group ignored",
      );
    }
  });

  bot.on("message", async (ctx: Context) => {
    const message = ctx.message;
    if (!message) return;
    const staff = toStaffMessage(message);
    if (staff) await deps.onStaffMessage(staff);
  });

  bot.catch((error) => {
    deps.log.error(
      {
        updateId: error.ctx.update.update_id,
        err: error.error instanceof Error ? error.error.message : String(error.error),
      },
      "update handling failed",
    );
  });
  return bot;
}
