// /new: staff start a chat with a buyer, in one line (`/new ozon 47873153-0052-1`,
// `/new ym 12345678`, `/new ym return 123`) or guided, one question at a time. Each
// conversation belongs to one staff member in one place (chat + topic + user), so two people
// can start chats at once, and it never sees messages in buyer topics: the relay takes those
// before the conversation middleware runs.
import { autoRetry } from "@grammyjs/auto-retry";
import {
  type Conversation,
  type ConversationFlavor,
  conversations,
  createConversation,
} from "@grammyjs/conversations";
import { Composer, type Context } from "grammy";
import type { Account } from "../bridge/account.ts";
import type { StartTarget } from "../bridge/provider.ts";
import { startChat, startRefusal } from "../bridge/start-chat.ts";
import type { Store } from "../bridge/store/index.ts";
import { escapeHtml } from "../bridge/text.ts";
import type { Texts } from "../bridge/texts/index.ts";
import type { Topics } from "../bridge/topics.ts";
import { topicLink } from "./commands.ts";

export type BotContext = ConversationFlavor<Context>;
type Talk = Conversation<BotContext, Context>;

const MARKETPLACE_ALIASES: Record<string, string> = {
  ozon: "ozon",
  озон: "ozon",
  ym: "yandex",
  yandex: "yandex",
  яндекс: "yandex",
  ям: "yandex",
  market: "yandex",
  маркет: "yandex",
  sandbox: "sandbox",
  песочница: "sandbox",
};
const RETURN_WORDS = new Set(["return", "возврат"]);
const NUMBER_FORMATS: Record<StartTarget["kind"], { pattern: RegExp; example: string }> = {
  posting: { pattern: /^\d+-\d+(-\d+)?$/, example: "47873153-0052-1" },
  order: { pattern: /^\d{1,19}$/, example: "12345678" },
  return: { pattern: /^\d{1,19}$/, example: "123" },
};
/** Bumped whenever the conversation's steps change: stored replay logs become invalid. */
const VERSION = 1;

export interface NewChatDeps {
  accounts: Account[];
  store: Store;
  topics: Topics;
  texts: Texts;
}

interface Request {
  marketplace?: string;
  target?: StartTarget;
}

export function newChat(deps: NewChatDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(
    conversations<BotContext, Context>({
      storage: {
        type: "key",
        version: VERSION,
        prefix: "new:",
        getStorageKey: (ctx) =>
          ctx.chatId === undefined
            ? undefined
            : `${ctx.chatId}:${ctx.msg?.is_topic_message ? ctx.msg.message_thread_id : 0}:${ctx.from?.id ?? 0}`,
        adapter: {
          read: (key) => deps.store.conversations.get(key) as never,
          write: async (key, state) => {
            await deps.store.conversations.set(key, state);
          },
          delete: async (key) => {
            await deps.store.conversations.delete(key);
          },
        },
      },
      // Transformers on bot.api do not reach the API inside conversations.
      plugins: [
        async (ctx, next) => {
          ctx.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 300 }));
          await next();
        },
      ],
    }),
  );
  composer.use(
    createConversation<BotContext, Context>(
      (conversation, ctx) => run(conversation, ctx, deps),
      "new-chat",
    ),
  );
  composer.command("new", (ctx) => ctx.conversation.enter("new-chat"));
  return composer;
}

async function run(conversation: Talk, ctx: Context, deps: NewChatDeps): Promise<void> {
  const t = deps.texts;
  // ctx.match belongs to the outside context; inside, read the command's words from the text.
  const request = parse(ctx.msg?.text?.replace(/^\/\S+\s*/, "") ?? "");
  const staffId = ctx.from?.id;
  const html = (c: Context, text: string) =>
    c.reply(text, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });

  /** The staff member's next text answer; undefined after /cancel. */
  const ask = async (question: string): Promise<string | undefined> => {
    await html(ctx, question);
    const answer = await conversation
      .waitFor("message:text", { otherwise: (c) => html(c, t.newBadAnswer) })
      .andFrom(staffId ?? 0);
    const text = answer.message.text.trim();
    // /cancel, or any other command: staff moved on.
    if (text.startsWith("/")) {
      await html(answer, t.newCancelled);
      return undefined;
    }
    return text;
  };

  const connected = [...new Set(deps.accounts.map((a) => a.provider.marketplace))];
  let marketplace = request.marketplace;
  while (!marketplace || !connected.includes(marketplace)) {
    if (marketplace) await html(ctx, t.newNoMarketplace(escapeHtml(marketplace)));
    const options = connected.map((m) => (m === "yandex" ? "ym" : m)).join(" / ");
    const answer = await ask(t.newAskMarketplace(options));
    if (answer === undefined) return;
    const parsed = parse(answer);
    marketplace = parsed.marketplace;
    request.target ??= parsed.target;
  }

  const candidates = deps.accounts.filter(
    (a) => a.provider.marketplace === marketplace && a.staffChatId === ctx.chatId,
  );
  let account = candidates.length === 1 ? candidates[0] : undefined;
  while (!account) {
    const list = candidates.map((a, i) => `${i + 1}. ${escapeHtml(a.name)}`).join("\n");
    const answer = await ask(t.newAskAccount(list));
    if (answer === undefined) return;
    account = candidates[Number(answer) - 1];
  }

  const kinds = account.provider.capabilities.startChatBy;
  let target = request.target;
  while (!target || !kinds.includes(target.kind) || !valid(target)) {
    if (target) await html(ctx, t.newBadNumber(NUMBER_FORMATS[target.kind].example));
    const kind = kinds[0] ?? "order";
    const answer = await ask(t.newAskNumber(t.newNumberKinds[kind] ?? kind));
    if (answer === undefined) return;
    target = targetFrom(answer.split(/\s+/), kinds);
  }

  const chosen = account;
  const started = await conversation.external(async () => {
    try {
      const topic = await startChat(deps.topics, chosen, target);
      return {
        ok: true as const,
        title: topic.title,
        link: topicLink(topic.staffChatId, topic.threadId),
      };
    } catch (error) {
      return { ok: false as const, reason: startRefusal(error, t) };
    }
  });
  await html(
    ctx,
    started.ok
      ? t.newStarted(started.link, escapeHtml(started.title))
      : t.newRefused(escapeHtml(started.reason)),
  );
}

/** `ozon 47873153-0052-1`, `ym 12345678`, `ym return 123`, or any prefix of it. */
function parse(text: string): Request {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const marketplace = MARKETPLACE_ALIASES[words[0]?.toLowerCase() ?? ""];
  if (!marketplace) return words[0] ? { marketplace: words[0] } : {};
  const target = targetFrom(
    words.slice(1),
    marketplace === "ozon" ? ["posting"] : ["order", "return"],
  );
  return target ? { marketplace, target } : { marketplace };
}

function targetFrom(words: string[], kinds: StartTarget["kind"][]): StartTarget | undefined {
  const [first, second] = words;
  if (!first) return undefined;
  if (RETURN_WORDS.has(first.toLowerCase())) {
    return second ? { kind: "return", number: second } : undefined;
  }
  return { kind: kinds.includes("posting") ? "posting" : "order", number: first };
}

function valid(target: StartTarget): boolean {
  return NUMBER_FORMATS[target.kind].pattern.test(target.number);
}
