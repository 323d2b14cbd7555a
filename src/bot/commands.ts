// Staff commands in the group: /help, /status, /find, /stats, /close, /reopen, /export, /doctor (/take,
// /assign and /unassign are in team.ts, /template and /templates in templates.ts). Replies go
// where the command was typed (grammY adds the topic only for real topic messages).
import { type Api, Composer, type Context } from "grammy";
import type { Account } from "../bridge/account.ts";
import { MAX_STATS_DAYS } from "../bridge/activity.ts";
import type { ChatExport } from "../bridge/export.ts";
import { daysLeft, EXPIRY_NOTICE_MS } from "../bridge/key-notices.ts";
import { tellsKeyFacts } from "../bridge/provider.ts";
import { renderReport, type Statistics } from "../bridge/stats.ts";
import { type BridgeStatus, keyProblem } from "../bridge/status.ts";
import type { Store } from "../bridge/store/index.ts";
import { topicLink } from "../bridge/telegram.ts";
import { escapeHtml, splitText } from "../bridge/text.ts";
import { type Texts, textsFor } from "../bridge/texts/index.ts";
import type { Topics } from "../bridge/topics.ts";
import type { Logger } from "../logger.ts";

export const COMMANDS = [
  "help",
  "new",
  "status",
  "find",
  "stats",
  "take",
  "assign",
  "unassign",
  "close",
  "reopen",
  "export",
  "doctor",
  "template",
  "templates",
] as const;
/** /find lists at most this many topics, then says how many more matched. */
const FIND_LIMIT = 10;
/** /stats without a number looks back a week. */
const STATS_DAYS = 7;
const DAY = 24 * 60 * 60 * 1000;
const TEXT_LIMIT = 4096;

export interface CommandDeps {
  accounts: Account[];
  store: Store;
  topics: Topics;
  status: BridgeStatus;
  stats: Statistics;
  /** The time /stats counts to (the clock, or a test's). */
  now: () => number;
  exports: ChatExport;
  texts: Texts;
  notePrefix: string;
  /** /help's one-line /new examples (HTML), from the connected marketplaces' words. */
  newExamples: readonly string[];
  pushEnabled: boolean;
}

export function commands(deps: CommandDeps): Composer<Context> {
  const { texts: t } = deps;
  const composer = new Composer<Context>();
  const html = (ctx: Context, text: string) =>
    ctx.reply(text, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });

  composer.command(["help", "start"], (ctx) =>
    html(ctx, t.help(escapeHtml(deps.notePrefix), deps.newExamples)),
  );

  composer.command("status", async (ctx) => {
    const report = await deps.status.report();
    const now = Date.now();
    const minutes = (since: number) => t.ago(Math.floor((now - since) / 60_000));
    const lines = [t.statusTitle];
    for (const a of report.accounts) {
      lines.push(
        "",
        t.statusAccount(escapeHtml(a.account.name)),
        ...(a.servedBy !== undefined ? [t.statusServedBy(escapeHtml(a.servedBy))] : []),
        // Another instance's polls are its own to tell.
        ...(a.servedBy !== undefined && a.servedBy !== report.instances?.self
          ? []
          : [
              a.lastPollAt !== undefined
                ? t.statusPoll(minutes(a.lastPollAt))
                : t.statusNeverPolled,
              ...(a.lastError ? [t.statusError(escapeHtml(a.lastError))] : []),
            ]),
        t.statusPending(a.pendingJobs),
        t.statusWaiting(
          a.waiting,
          a.oldestWaitSince !== undefined ? minutes(a.oldestWaitSince) : "",
        ),
      );
    }
    const budget = report.budget.find((b) => b.staffChatId === ctx.chat?.id);
    if (budget) lines.push("", t.statusBudget(budget.used, budget.limit));
    const instances = report.instances;
    if (instances) {
      const bot = instances.bot ?? t.statusNobody;
      lines.push("", t.statusInstances(escapeHtml(instances.self), escapeHtml(bot)));
    }
    await html(ctx, lines.join("\n"));
  });

  composer.command("find", async (ctx) => {
    const query = ctx.match.trim();
    if (!query || ctx.chat === undefined) return html(ctx, t.findUsage);
    const found = await deps.status.find(ctx.chat.id, query);
    if (found.length === 0) return html(ctx, t.findNone(escapeHtml(query)));
    const links = found
      .slice(0, FIND_LIMIT)
      .map((topic) =>
        t.findFound(escapeHtml(topic.title), topicLink(topic.staffChatId, topic.threadId)),
      );
    if (found.length > FIND_LIMIT) links.push(t.findMore(found.length - FIND_LIMIT));
    await html(ctx, links.join("\n"));
  });

  composer.command("stats", async (ctx) => {
    if (ctx.chat === undefined) return;
    const wanted = ctx.match.trim();
    const days = wanted === "" ? STATS_DAYS : /^\d+$/.test(wanted) ? Number(wanted) : 0;
    if (days < 1 || days > MAX_STATS_DAYS) return html(ctx, t.statsUsage(MAX_STATS_DAYS));
    const now = deps.now();
    const report = await deps.stats.report(ctx.chat.id, now - days * DAY, now, now);
    // Every line is whole HTML, and a part is cut at a line.
    const text = [t.statsTitle(days), ...renderReport(report, t)].join("\n");
    for (const part of splitText(text, TEXT_LIMIT)) await html(ctx, part);
  });

  for (const [command, closed] of [
    ["close", true],
    ["reopen", false],
  ] as const) {
    composer.command(command, async (ctx) => {
      const located = await locate(deps, ctx);
      if (!located) return html(ctx, t.onlyInTopic);
      // The reply first: a bot cannot post into a topic it has just closed.
      if (closed) await html(ctx, t.closed);
      await deps.topics.update(located.account, located.chatId, { closed });
      if (!closed) await html(ctx, t.reopened);
    });
  }

  composer.command("export", async (ctx) => {
    const located = await locate(deps, ctx);
    if (!located || ctx.msg?.message_thread_id === undefined) return html(ctx, t.onlyInTopic);
    const { account, chatId } = located;
    const problem = await deps.exports.post(account, chatId, ctx.msg.message_thread_id);
    if (problem) await html(ctx, problem);
  });

  composer.command("doctor", async (ctx) => {
    if (ctx.chat === undefined) return;
    const lines = [t.doctorTitle, ...(await telegramChecks(ctx.api, ctx.chat.id, t))];
    for (const account of deps.accounts.filter((a) => a.staffChatId === ctx.chat?.id)) {
      const problem = await keyProblem(account);
      const what = t.doctorKey(escapeHtml(account.name));
      lines.push(
        problem ? t.doctorFail(what, t.doctorKeyFix(escapeHtml(problem))) : t.doctorOk(what),
        ...keyFactLines(account, t, Date.now()),
      );
    }
    lines.push(
      deps.pushEnabled ? t.doctorOk(t.doctorPush) : t.doctorFail(t.doctorPush, t.doctorPushFix),
    );
    await html(ctx, lines.join("\n"));
  });

  return composer;
}

/**
 * The command menu of each staff group, in both languages: Telegram shows the one matching the
 * staff member's app language. A failure here costs only the menu, never the bridge.
 */
export async function registerCommands(api: Api, staffChatIds: Set<number>, log: Logger) {
  for (const chatId of staffChatIds) {
    for (const language of ["ru", "en"] as const) {
      const descriptions = textsFor(language).commands;
      const menu = COMMANDS.map((command) => ({
        command,
        description: descriptions[command] ?? command,
      }));
      try {
        await api.setMyCommands(menu, {
          scope: { type: "chat", chat_id: chatId },
          language_code: language,
        });
      } catch (error) {
        log.warn({ chatId, err: error }, "could not register the command menu");
      }
    }
  }
}

/** What the key says about itself: its expiry, and a kind too slow for a chat. */
function keyFactLines(account: Account, t: Texts, now: number): string[] {
  const provider = account.provider;
  if (!tellsKeyFacts(provider)) return [];
  const { expiresAt, throttled } = provider.keyFacts();
  const name = escapeHtml(account.name);
  const lines: string[] = [];
  if (expiresAt !== undefined) {
    const date = t.date(expiresAt);
    const days = daysLeft(expiresAt, now);
    lines.push(
      expiresAt <= now
        ? t.doctorFail(t.doctorKeyExpired(name, date), t.doctorKeyRenew)
        : expiresAt - now <= EXPIRY_NOTICE_MS
          ? t.doctorFail(t.doctorKeyExpiry(name, date, days), t.doctorKeyRenew)
          : t.doctorOk(t.doctorKeyExpiry(name, date, days)),
    );
  }
  if (throttled) {
    const why = t.keyThrottled(
      throttled.callsPerHour,
      throttled.suspected,
      throttled.instead[t.language],
    );
    lines.push(t.doctorFail(t.doctorKeyThrottled(name), escapeHtml(why)));
  }
  return lines;
}

/** The marketplace chat behind the topic the command was typed (or the button tapped) in. */
export async function locate(deps: Pick<CommandDeps, "accounts" | "store">, ctx: Context) {
  const message = ctx.msg;
  if (!message?.is_topic_message || message.message_thread_id === undefined) return undefined;
  const thread = await deps.store.topics.byThread(message.chat.id, message.message_thread_id);
  const account = thread && deps.accounts.find((a) => a.id === thread.accountId);
  return thread && account ? { account, chatId: thread.chatId } : undefined;
}

async function telegramChecks(api: Api, chatId: number, t: Texts): Promise<string[]> {
  const check = (ok: boolean, what: string, fix: string) =>
    ok ? t.doctorOk(what) : t.doctorFail(what, fix);
  const chat = await api.getChat(chatId);
  const me = await api.getMe();
  const member = await api.getChatMember(chatId, me.id);
  const admin = member.status === "administrator" ? member : undefined;
  const creator = member.status === "creator";
  return [
    check(chat.type === "supergroup" && Boolean(chat.is_forum), t.doctorForum, t.doctorForumFix),
    check(creator || Boolean(admin?.can_manage_topics), t.doctorAdmin, t.doctorAdminFix),
    check(creator || Boolean(admin?.can_pin_messages), t.doctorPin, t.doctorPinFix),
  ];
}
