// Refuses to run with a wrong token or a staff chat the bot cannot manage topics in: a bridge
// that starts anyway would only fail later, one buyer message at a time.

import { type Api, type Bot, type Context, GrammyError, HttpError } from "grammy";
import { errorText } from "../bridge/errors.ts";
import { StartupError } from "../startup-error.ts";

/** A network blip at boot should not stop the bridge; an unreachable Telegram should. */
const GET_ME_ATTEMPTS = 3;
const GET_ME_PAUSE_MS = 2000;

export async function checkStaffChats<C extends Context>(
  bot: Bot<C>,
  staffChatIds: Set<number>,
): Promise<void> {
  // bot.init() would retry network errors forever; a wrong TELEGRAM_API_ROOT must fail visibly.
  bot.botInfo = await getMe(bot.api);
  for (const chatId of staffChatIds) {
    const problem = await staffChatProblem(bot.api, bot.botInfo.id, chatId);
    if (problem) throw new StartupError(`staff chat ${chatId}: ${problem}`);
  }
}

async function getMe(api: Api) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.getMe();
    } catch (error) {
      if (error instanceof GrammyError && error.error_code === 401) {
        throw new StartupError(
          "Telegram rejected TELEGRAM_BOT_TOKEN: check the token from @BotFather",
        );
      }
      if (!(error instanceof HttpError) || attempt >= GET_ME_ATTEMPTS) {
        throw new StartupError(`cannot reach Telegram at TELEGRAM_API_ROOT: ${errorText(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, GET_ME_PAUSE_MS));
    }
  }
}

/** What keeps the bot from running topics in the group (undefined: nothing). */
export async function staffChatProblem(
  api: Api,
  botId: number,
  chatId: number,
): Promise<string | undefined> {
  try {
    const chat = await api.getChat(chatId);
    if (chat.type !== "supergroup" || !chat.is_forum) {
      return "not a forum supergroup: enable Topics in the group settings";
    }
    const member = await api.getChatMember(chatId, botId);
    if (member.status === "creator") return undefined;
    if (member.status !== "administrator") {
      return "the bot is not an administrator: promote it with the Manage Topics right";
    }
    if (!member.can_manage_topics) return "the bot lacks the Manage Topics right";
    return undefined;
  } catch (error) {
    if (error instanceof GrammyError && error.error_code === 400) {
      return `the bot cannot see it (${error.description}): add the bot to the group`;
    }
    throw error;
  }
}
