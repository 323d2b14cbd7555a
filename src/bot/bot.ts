// grammY bot for the staff group: only the configured chat is served; staff messages in mapped
// topics go to the bridge, everything else is ignored.

import { autoRetry } from "@grammyjs/auto-retry";
import { Bot, type Composer, GrammyError, HttpError, InlineKeyboard } from "grammy";
import { errorText } from "../bridge/errors.ts";
import type { Outbound } from "../bridge/outbound.ts";
import type { StaffUser } from "../bridge/store/index.ts";
import { templateCall } from "../bridge/templates.ts";
import type { Texts } from "../bridge/texts/index.ts";
import type { Logger } from "../logger.ts";
import type { BotContext } from "./new-chat.ts";
import { Polling } from "./polling.ts";
import { retryButton } from "./retry-button.ts";
import { toStaffMessage } from "./staff-message.ts";
import { userOf } from "./team.ts";
import type { TemplateShortcut } from "./templates.ts";

export interface BotDeps {
  token: string;
  apiRoot: string;
  staffChatIds: Set<number>;
  /** Staff messages go here; a getter because the bridge is built after the bot. */
  outbound: () => Outbound;
  /** "!name" in a topic: a quick reply instead of the text (bot/templates.ts). */
  templateShortcut: () => TemplateShortcut;
  /** Commands and conversations, installed after the relay so they never see buyer replies. */
  features: () => Composer<BotContext>;
  /** Remembers who writes in a group, so /assign @username can name them. */
  staffSeen: (staffChatId: number, user: StaffUser) => Promise<void>;
  texts: Texts;
  /** A staff message starting with this stays in Telegram (a note for colleagues). */
  notePrefix: string;
  log: Logger;
  /** Several instances take turns at polling (the bot's lease): a 409 Conflict is waited out. */
  sharedPolling?: boolean;
}

const RESEND = "resend:";

export function createBot(deps: BotDeps): { bot: Bot<BotContext>; polling: Polling<BotContext> } {
  const bot = new Bot<BotContext>(deps.token, {
    client: { apiRoot: deps.apiRoot, timeoutSeconds: 60 },
  });
  const polling = new Polling(bot, deps.log, { shared: deps.sharedPolling === true });
  // grammY retries a failing getUpdates quietly; staff messages then stop arriving, so an
  // operator must read it in the log: once when it starts, once when it is over.
  let pollingTrouble: string | undefined;
  bot.api.config.use(async (prev, method, payload, signal) => {
    if (method !== "getUpdates") return prev(method, payload, signal);
    try {
      const result = await prev(method, payload, signal);
      if (pollingTrouble !== undefined) deps.log.info("receiving updates from Telegram again");
      pollingTrouble = undefined;
      return result;
    } catch (error) {
      if (signal?.aborted) throw error; // stopping, not trouble
      const message = errorText(error);
      if (pollingTrouble === undefined) {
        deps.log.error({ err: message }, "cannot receive updates from Telegram; retrying");
      }
      pollingTrouble = message;
      throw error;
    }
  });
  // Telegram's 429s and 5xx are retried here; network errors surface so callers decide,
  // because a blind retry of a send after a timeout can post twice.
  bot.api.config.use(
    autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 300, rethrowHttpErrors: true }),
  );

  // Only the staff groups are served. A private chat gets one line saying where the bot works;
  // any other group or channel is left, so that nobody can make the bot write to buyers.
  const leftChats = new Set<number>();
  bot.use(async (ctx, next) => {
    const chat = ctx.chat;
    if (!chat) return;
    if (deps.staffChatIds.has(chat.id)) return next();
    if (chat.type === "private") {
      if (ctx.message) await ctx.reply(deps.texts.onlyStaffGroup);
      return;
    }
    if (leftChats.has(chat.id)) return;
    leftChats.add(chat.id);
    deps.log.warn({ chatId: chat.id, type: chat.type }, "left a chat that is not the staff group");
    await ctx.api.leaveChat(chat.id).catch((error: unknown) => {
      deps.log.warn({ chatId: chat.id, err: error }, "could not leave the chat");
    });
  });

  bot.use(async (ctx, next) => {
    const chatId = ctx.chat?.id;
    if (chatId !== undefined && ctx.from && !ctx.from.is_bot) {
      // Awaited, so a following /assign sees it; a failed write costs only that lookup.
      await deps.staffSeen(chatId, userOf(ctx.from)).catch((error: unknown) => {
        deps.log.warn({ err: error }, "could not remember a staff member");
      });
    }
    return next();
  });

  // The relay first: a message in a buyer's topic is for the buyer, never a command's answer.
  bot.on("message", async (ctx, next) => {
    const staff = toStaffMessage(ctx.message);
    if (!staff || isCommand(staff.text)) return next();
    const note = staff.text?.trimStart().startsWith(deps.notePrefix) ?? false;
    let forBuyer: boolean;
    try {
      // Before notes: with "!" as the note prefix, "!name" of a template still sends it.
      if (await deps.templateShortcut()(ctx, staff, note)) return;
      if (note) return;
      forBuyer = await deps.outbound().handleStaffMessage(staff);
    } catch (error) {
      // The state could not be read (a database that does not answer): a message in a topic may
      // be for a buyer, and nothing of it was stored, so staff must hear that it was not sent.
      if (
        staff.threadId === undefined ||
        error instanceof GrammyError ||
        error instanceof HttpError
      ) {
        throw error;
      }
      deps.log.error({ err: error, messageId: staff.messageId }, "staff message not handled");
      await ctx.reply(deps.texts.sendFailed(deps.texts.reasons.stateNotSaved), {
        reply_parameters: { message_id: staff.messageId, allow_sending_without_reply: true },
      });
      return;
    }
    if (!forBuyer) await next();
  });

  bot.on("edited_message", async (ctx) => {
    const staff = toStaffMessage(ctx.editedMessage);
    if (!staff || staff.text?.trimStart().startsWith(deps.notePrefix)) return;
    // A template call edited in is not a text for the buyer either.
    if (templateCall(staff.text) !== undefined) return;
    if (!(await deps.outbound().rememberEdit(staff))) return;
    await ctx.reply(deps.texts.editNotSent, {
      reply_parameters: { message_id: staff.messageId, allow_sending_without_reply: true },
      reply_markup: new InlineKeyboard().text(
        deps.texts.resendButton,
        `${RESEND}${staff.messageId}`,
      ),
    });
  });

  bot.callbackQuery(new RegExp(`^${RESEND}(\\d+)$`), async (ctx) => {
    const chatId = ctx.chat?.id;
    const messageId = Number(ctx.match[1]);
    const sent = chatId !== undefined && (await deps.outbound().sendEdit(chatId, messageId));
    await ctx.answerCallbackQuery(sent ? deps.texts.resendQueued : deps.texts.resendGone);
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
  });

  bot.use(retryButton(deps));

  bot.use((ctx, next) => deps.features().middleware()(ctx, next));

  bot.catch((error) => {
    deps.log.error(
      {
        updateId: error.ctx.update.update_id,
        err: error.error,
      },
      "update handling failed",
    );
  });
  return { bot, polling };
}

function isCommand(text: string | undefined): boolean {
  return text?.startsWith("/") ?? false;
}
