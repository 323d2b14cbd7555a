// Quick replies in the group: /template add|del, /templates with a button per template, "!name"
// in a topic, and the preview whose "send" button sends a template once.
import { Composer, type Context, InlineKeyboard } from "grammy";
import type { Message, User } from "grammy/types";
import type { Outbound, StaffMessage } from "../bridge/outbound.ts";
import type { Store } from "../bridge/store/index.ts";
import {
  type FilledTemplate,
  MAX_NAME_LENGTH,
  MAX_TEMPLATE_LENGTH,
  MAX_TEMPLATES,
  type QuickReplies,
  type TemplateProblem,
  templateCall,
} from "../bridge/templates.ts";
import { escapeHtml } from "../bridge/text.ts";
import type { Texts } from "../bridge/texts/index.ts";

const SHOW = "tpl:";
const SEND = "tpl-send";
const CANCEL = "tpl-cancel";
/** How much of each template the list shows beside its name: 50 lines stay within 4096 characters. */
const LIST_EXCERPT = 40;

export interface TemplateDeps {
  templates: QuickReplies;
  store: Store;
  outbound: () => Outbound;
  texts: Texts;
}

/**
 * The relay's hook for a staff message in a topic: true when it was a template call it handled.
 * `note`: the message starts with the note prefix, so a call of no template is a note.
 */
export type TemplateShortcut = (
  ctx: Context,
  staff: StaffMessage,
  note: boolean,
) => Promise<boolean>;

/**
 * "!name" in a buyer's topic sends the template as if staff had typed its text (same job, same
 * receipt on their message), or replies why not; the call itself never reaches the buyer.
 */
export function templateShortcut(deps: TemplateDeps): TemplateShortcut {
  return async (ctx, staff, note) => {
    const name = staff.file ? undefined : templateCall(staff.text);
    if (name === undefined) return false;
    // An anonymous admin writes as the group: there is no staff name for {staff}.
    const sender = ctx.msg?.sender_chat ? undefined : ctx.from;
    const filled = await deps.templates.forTopic(
      staff.staffChatId,
      staff.threadId,
      name,
      sender && staffName(sender),
    );
    if (filled.kind === "notBuyerChat" || (note && filled.kind === "unknown")) return false;
    if (filled.kind === "ready") {
      return deps.outbound().handleStaffMessage({ ...staff, text: filled.text });
    }
    await ctx.reply(refusal(deps.texts, filled, name), {
      parse_mode: "HTML",
      reply_parameters: { message_id: staff.messageId, allow_sending_without_reply: true },
    });
    return true;
  };
}

export function templateCommands(deps: TemplateDeps): Composer<Context> {
  const { texts: t, templates } = deps;
  const composer = new Composer<Context>();
  const html = (ctx: Context, text: string, keyboard?: InlineKeyboard) =>
    ctx.reply(text, {
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      ...(keyboard ? { reply_markup: keyboard } : {}),
    });

  composer.command("template", async (ctx) => {
    const chatId = ctx.chat?.id;
    const [, action, name, rest] = /^(\S+)(?:\s+(\S+))?\s*([\s\S]*)$/.exec(ctx.match.trim()) ?? [];
    if (chatId === undefined || name === undefined) return html(ctx, t.templateUsage);
    if (action === "add") {
      const text = rest || quotedText(ctx.msg);
      const saved = await templates.save(chatId, name, text ?? "");
      if ("problem" in saved) return html(ctx, problemText(t, saved.problem));
      const shown = escapeHtml(name);
      return html(ctx, saved.replaced ? t.templateReplaced(shown) : t.templateAdded(shown));
    }
    if (action === "del" && !rest) {
      const removed = await templates.remove(chatId, name);
      return html(
        ctx,
        removed ? t.templateDeleted(escapeHtml(name)) : t.templateUnknown(escapeHtml(name)),
      );
    }
    return html(ctx, t.templateUsage);
  });

  composer.command("templates", async (ctx) => {
    if (ctx.chat === undefined) return;
    const list = await templates.list(ctx.chat.id);
    if (list.length === 0) return html(ctx, t.templatesNone);
    const keyboard = new InlineKeyboard();
    const lines = [t.templatesTitle(list.length)];
    for (const template of list) {
      keyboard.text(template.name, `${SHOW}${template.name}`).row();
      lines.push(`• <b>${escapeHtml(template.name)}</b> — ${escapeHtml(excerpt(template.text))}`);
    }
    lines.push("", t.templatesHint);
    await html(ctx, lines.join("\n"), keyboard);
  });

  // A template's button: inside a buyer's topic a preview to send from; elsewhere its text.
  composer.callbackQuery(new RegExp(`^${SHOW}(.+)$`), async (ctx) => {
    const message = ctx.callbackQuery.message;
    const name = ctx.match[1] as string;
    if (!message) return ctx.answerCallbackQuery();
    const filled = message.is_topic_message
      ? await templates.forTopic(
          message.chat.id,
          message.message_thread_id as number,
          name,
          staffName(ctx.from),
        )
      : ({ kind: "notBuyerChat" } as const);
    await ctx.answerCallbackQuery();
    if (filled.kind === "notBuyerChat") {
      const template = await templates.get(message.chat.id, name);
      if (!template) return html(ctx, t.templateUnknown(escapeHtml(name)));
      return html(ctx, t.templateShow(escapeHtml(template.name), escapeHtml(template.text)));
    }
    if (filled.kind !== "ready") return html(ctx, refusal(t, filled, name));
    const preview = await html(
      ctx,
      t.templatePreview(escapeHtml(filled.name), escapeHtml(filled.text)),
      new InlineKeyboard().text(t.templateSendButton, SEND).text(t.templateCancelButton, CANCEL),
    );
    await deps.store.previews.set(message.chat.id, preview.message_id, {
      threadId: message.message_thread_id as number,
      name: filled.name,
      text: filled.text,
    });
  });

  composer.callbackQuery(SEND, async (ctx) => {
    const message = ctx.callbackQuery.message;
    const preview = message && (await deps.store.previews.get(message.chat.id, message.message_id));
    if (!message || !preview) return ctx.answerCallbackQuery(t.templateHandled);
    // The preview message stands for the staff message: its id keys the job (a second tap, or
    // a tap again after a crash before the preview was forgotten, is the same job) and the 👍
    // and any failure reply go to it.
    const sent = await deps.outbound().handleStaffMessage({
      staffChatId: message.chat.id,
      threadId: preview.threadId,
      messageId: message.message_id,
      text: preview.text,
    });
    await deps.store.previews.delete(message.chat.id, message.message_id);
    await ctx.answerCallbackQuery(sent ? t.templateSending : t.templateNoChat);
    const name = escapeHtml(preview.name);
    await ctx.editMessageText(
      sent
        ? t.templateSent(name, escapeHtml(staffName(ctx.from)), escapeHtml(preview.text))
        : t.templateNoChat,
      { parse_mode: "HTML" },
    );
  });

  composer.callbackQuery(CANCEL, async (ctx) => {
    const message = ctx.callbackQuery.message;
    const preview = message && (await deps.store.previews.get(message.chat.id, message.message_id));
    if (!message || !preview) return ctx.answerCallbackQuery(t.templateHandled);
    await deps.store.previews.delete(message.chat.id, message.message_id);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(t.templateCancelled(escapeHtml(preview.name)), {
      parse_mode: "HTML",
    });
  });

  return composer;
}

/** The text of the message a command replies to, unless that is only the topic it is in. */
function quotedText(message: Message | undefined): string | undefined {
  const quoted = message?.reply_to_message;
  if (!quoted || quoted.forum_topic_created) return undefined;
  return quoted.text ?? quoted.caption;
}

function staffName(user: User): string {
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > LIST_EXCERPT ? `${line.slice(0, LIST_EXCERPT - 1)}…` : line;
}

function refusal(
  t: Texts,
  filled: Exclude<FilledTemplate, { kind: "ready" | "notBuyerChat" }>,
  name: string,
): string {
  if (filled.kind === "unknown") return t.templateNotSent(escapeHtml(name));
  const what = filled.placeholders.map((p) => t.placeholderMissing[p] ?? `{${p}}`).join(", ");
  return t.templateMissing(escapeHtml(filled.name), escapeHtml(what));
}

function problemText(t: Texts, problem: TemplateProblem): string {
  switch (problem.kind) {
    case "badName":
      return t.templateBadName(MAX_NAME_LENGTH);
    case "noText":
      return t.templateNoText;
    case "tooLong":
      return t.templateTooLong(problem.length, MAX_TEMPLATE_LENGTH);
    case "tooMany":
      return t.templateTooMany(MAX_TEMPLATES);
  }
}
