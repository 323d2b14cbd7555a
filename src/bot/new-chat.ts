// /new: staff start a chat with a buyer, in one line (`/new <alias> <number>`,
// `/new <alias> return <number>`) or guided, one question at a time. What a number is called
// and an example of one are the marketplace's words (`Account.words`). Each
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
import { type StartTarget, startsChats } from "../bridge/provider.ts";
import { startChat, startRefusal } from "../bridge/start-chat.ts";
import type { Store } from "../bridge/store/index.ts";
import { topicLink } from "../bridge/telegram.ts";
import { escapeHtml } from "../bridge/text.ts";
import type { Texts } from "../bridge/texts/index.ts";
import type { Topics } from "../bridge/topics.ts";

export type BotContext = ConversationFlavor<Context>;
type Talk = Conversation<BotContext, Context>;

/** The word before a return's number; the first is the one the bot suggests. */
const RETURN_WORDS = ["return", "возврат"];
const NUMBER_FORMATS: Record<StartTarget["kind"], RegExp> = {
  posting: /^\d+-\d+(-\d+)?$/,
  order: /^\d{1,19}$/,
  return: /^\d{1,19}$/,
};
/** Bumped whenever the conversation's steps change: stored replay logs become invalid. */
const VERSION = 1;

/** What /new knows of a marketplace: its connector's names (app.ts passes the registry). */
export interface MarketplaceNames {
  readonly marketplace: string;
  readonly title: string;
  /** Lower-case words staff may type for it; the first is the one the bot suggests. */
  readonly aliases: readonly string[];
}

export interface NewChatDeps {
  accounts: Account[];
  /** Every marketplace the bridge knows, connected or not (/new <alias> … says "not connected"). */
  marketplaces: readonly MarketplaceNames[];
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
  const names = new Map<string, string>();
  for (const m of deps.marketplaces) {
    names.set(m.marketplace, m.marketplace);
    for (const alias of m.aliases) names.set(alias.toLowerCase(), m.marketplace);
  }
  /** What staff can start a chat by on a marketplace; nothing when none of its accounts can. */
  const kindsOf = (marketplace: string): StartTarget["kind"][] => {
    const able = deps.accounts.find(
      (a) => a.provider.marketplace === marketplace && startsChats(a.provider),
    );
    return able?.provider.capabilities.startChatBy ?? [];
  };
  const titleOf = (marketplace: string) =>
    escapeHtml(deps.marketplaces.find((m) => m.marketplace === marketplace)?.title ?? marketplace);
  const suggested = (marketplace: string) =>
    deps.marketplaces.find((m) => m.marketplace === marketplace)?.aliases[0] ?? marketplace;
  const parse = (text: string) => parseRequest(text, names, kindsOf);
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
  const startable = connected.filter((m) => kindsOf(m).length > 0);
  if (startable.length === 0) {
    await html(ctx, t.newCannotStart(connected.map(titleOf).join(", ")));
    return;
  }
  let marketplace = request.marketplace;
  while (!marketplace || !startable.includes(marketplace)) {
    if (marketplace) {
      await html(
        ctx,
        connected.includes(marketplace)
          ? t.newCannotStart(titleOf(marketplace))
          : t.newNoMarketplace(escapeHtml(marketplace)),
      );
    }
    const options = startable.map(suggested).join(" / ");
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
  const words = account.words.startNumbers;
  const example = (kind: StartTarget["kind"]) => escapeHtml(words[kind]?.example ?? "");
  let target = request.target;
  while (!target || !kinds.includes(target.kind) || !valid(target)) {
    if (target) await html(ctx, t.newBadNumber(example(target.kind)));
    const kind = kinds.find((k) => k !== "return") ?? "return";
    const what = escapeHtml(words[kind]?.what ?? t.newNumberKinds[kind] ?? kind);
    const returnExample = kind !== "return" && kinds.includes("return") ? example("return") : "";
    const answer = await ask(t.newAskNumber(what, example(kind), returnExample || undefined));
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
      return { ok: false as const, reason: startRefusal(error, t, chosen) };
    }
  });
  await html(
    ctx,
    started.ok
      ? t.newStarted(started.link, escapeHtml(started.title))
      : t.newRefused(escapeHtml(started.reason)),
  );
}

/**
 * `<alias> <number>`, `<alias> return <number>`, or any prefix of it. A number counts
 * only for a marketplace that can start chats here: it means nothing to another one.
 */
function parseRequest(
  text: string,
  names: ReadonlyMap<string, string>,
  kindsOf: (marketplace: string) => StartTarget["kind"][],
): Request {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const marketplace = names.get(words[0]?.toLowerCase() ?? "");
  if (!marketplace) return words[0] ? { marketplace: words[0] } : {};
  const target = targetFrom(words.slice(1), kindsOf(marketplace));
  return target ? { marketplace, target } : { marketplace };
}

function targetFrom(words: string[], kinds: StartTarget["kind"][]): StartTarget | undefined {
  const [first, second] = words;
  if (!first || kinds.length === 0) return undefined;
  if (RETURN_WORDS.includes(first.toLowerCase())) {
    return second ? { kind: "return", number: second } : undefined;
  }
  return { kind: kinds.includes("posting") ? "posting" : "order", number: first };
}

function valid(target: StartTarget): boolean {
  return NUMBER_FORMATS[target.kind].test(target.number);
}

/**
 * /new in one line for each connected marketplace that can start chats here, one per kind of
 * number, as /help shows them (HTML): the marketplace's suggested alias and its own examples.
 */
export function newChatExamples(
  accounts: readonly Account[],
  marketplaces: readonly MarketplaceNames[],
): string[] {
  return marketplaces.flatMap((m) => {
    const account = accounts.find(
      (a) => a.provider.marketplace === m.marketplace && startsChats(a.provider),
    );
    if (!account) return [];
    const alias = m.aliases[0] ?? m.marketplace;
    return account.provider.capabilities.startChatBy.flatMap((kind) => {
      const example = account.words.startNumbers[kind]?.example;
      if (example === undefined) return [];
      const words = kind === "return" ? [alias, RETURN_WORDS[0], example] : [alias, example];
      return [`<code>/new ${escapeHtml(words.join(" "))}</code>`];
    });
  });
}
