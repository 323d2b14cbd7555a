// Composition root: config → store → providers → bridge → bot; graceful shutdown.
import { GrammyError } from "grammy";
import { createBot } from "./bot/bot.ts";
import { GrammyTelegram } from "./bot/telegram-port.ts";
import type { Account } from "./bridge/account.ts";
import { Echoes } from "./bridge/echoes.ts";
import { Inbound } from "./bridge/inbound.ts";
import { Outbound } from "./bridge/outbound.ts";
import { Poller } from "./bridge/poller.ts";
import { GroupSendQueue } from "./bridge/send-queue.ts";
import { Store } from "./bridge/store.ts";
import { textsFor } from "./bridge/texts/index.ts";
import { Topics } from "./bridge/topics.ts";
import { type AccountConfig, type Config, ConfigError, loadConfig, secretsOf } from "./config.ts";
import { createLogger, type Logger } from "./logger.ts";
import { OzonProvider } from "./providers/ozon/provider.ts";

const SHUTDOWN_DEADLINE_MS = 9000;

function readConfig(): Config {
  try {
    process.loadEnvFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
    process.exit(2);
  }
}

function providerFor(account: AccountConfig) {
  return new OzonProvider({
    clientId: account.clientId,
    apiKey: account.apiKey,
    apiUrl: account.apiUrl,
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config.logLevel, secretsOf(config));
  const texts = textsFor(config.language);

  let store: Store;
  try {
    store = await Store.open(config.dataDir);
  } catch (error) {
    log.fatal({ dataDir: config.dataDir, err: (error as Error).message }, "cannot open DATA_DIR");
    process.exit(1);
  }

  const accounts: Account[] = config.accounts.map((a) => ({
    id: a.id,
    name: a.name,
    staffChatId: config.telegram.staffChatId,
    provider: providerFor(a),
    showName: config.accounts.length > 1,
  }));
  const staffChatIds = new Set(accounts.map((a) => a.staffChatId));

  const queue = new GroupSendQueue(config.telegram.groupMessagesPerMinute);
  const echoes = new Echoes(store);
  const bot = createBot({
    token: config.telegram.token,
    apiRoot: config.telegram.apiRoot,
    staffChatIds,
    // Updates flow only after bot.start(), when outbound exists.
    onStaffMessage: (message) => outbound.handleStaffMessage(message),
    log,
  });
  const telegram = new GrammyTelegram(bot.api, {
    apiRoot: config.telegram.apiRoot,
    token: config.telegram.token,
  });
  const topics = new Topics({ store, telegram, queue, texts, log });
  const inbound = new Inbound({ store, topics, echoes, telegram, queue, texts, log });
  const outbound = new Outbound({ accounts, store, echoes, telegram, queue, texts, log });
  const poller = new Poller({ accounts, store, inbound, log, intervalMs: config.pollIntervalMs });

  await checkTelegram(bot, staffChatIds, log);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    const deadline = setTimeout(() => {
      log.warn("shutdown took too long; exiting");
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    await Promise.allSettled([bot.stop(), poller.stop(), outbound.stop()]);
    await store.close();
    log.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));

  await outbound.resume();
  poller.start();
  log.info(
    { accounts: accounts.map((a) => a.id), staffChatIds: [...staffChatIds] },
    "bridge started",
  );
  await bot.start({
    allowed_updates: ["message", "edited_message", "my_chat_member"],
    drop_pending_updates: false,
  });
}

/** Refuses to run with a wrong token or a staff chat the bot cannot manage topics in. */
async function checkTelegram(
  bot: ReturnType<typeof createBot>,
  staffChatIds: Set<number>,
  log: Logger,
): Promise<void> {
  try {
    await bot.init();
  } catch (error) {
    const unauthorized = error instanceof GrammyError && error.error_code === 401;
    log.fatal(
      { err: (error as Error).message },
      unauthorized
        ? "Telegram rejected TELEGRAM_BOT_TOKEN: check the token from @BotFather"
        : "cannot reach Telegram (TELEGRAM_API_ROOT)",
    );
    process.exit(1);
  }
  for (const chatId of staffChatIds) {
    const problem = await staffChatProblem(bot, chatId);
    if (problem) {
      log.fatal({ chatId }, problem);
      process.exit(1);
    }
  }
}

async function staffChatProblem(
  bot: ReturnType<typeof createBot>,
  chatId: number,
): Promise<string | undefined> {
  try {
    const chat = await bot.api.getChat(chatId);
    if (chat.type !== "supergroup" || !chat.is_forum) {
      return "the staff chat is not a forum supergroup: enable Topics in the group settings";
    }
    const member = await bot.api.getChatMember(chatId, bot.botInfo.id);
    if (member.status !== "administrator" && member.status !== "creator") {
      return "the bot is not an administrator of the staff group: promote it with Manage Topics";
    }
    if (member.status === "administrator" && !member.can_manage_topics) {
      return "the bot lacks the Manage Topics right in the staff group";
    }
    return undefined;
  } catch (error) {
    if (error instanceof GrammyError && /chat not found/i.test(error.description)) {
      return "TELEGRAM_STAFF_CHAT_ID names a chat the bot is not in: add the bot to the group";
    }
    throw error;
  }
}

await main();
