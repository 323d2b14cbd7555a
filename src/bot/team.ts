// Who leads a buyer chat: /take, /assign @username (or as a reply to a staff member's message),
// /unassign, and the "🙋 Take" button under the order card and reminders. Every change edits
// the pinned card (Topics does that) and is said in the topic with a mention that notifies.
import { Composer, type Context } from "grammy";
import type { Message, User } from "grammy/types";
import { mention, TAKE } from "../bridge/ownership.ts";
import type { StaffUser } from "../bridge/store/index.ts";
import { type CommandDeps, locate } from "./commands.ts";

type TeamDeps = Pick<CommandDeps, "accounts" | "store" | "topics" | "texts">;

export function team(deps: TeamDeps): Composer<Context> {
  const { texts: t } = deps;
  const composer = new Composer<Context>();
  const html = (ctx: Context, text: string) => ctx.reply(text, { parse_mode: "HTML" });

  /** Makes `owner` (undefined: nobody) the owner of the chat behind the command's topic. */
  const setOwner = async (ctx: Context, owner: StaffUser | undefined) => {
    const located = await locate(deps, ctx);
    if (!located) return html(ctx, t.onlyInTopic);
    await deps.topics.update(located.account, located.chatId, { owner });
    return html(ctx, owner ? t.ownerSet(mention(owner)) : t.ownerCleared);
  };

  composer.command("take", (ctx) => {
    const me = ctx.msg && senderOf(ctx.msg);
    if (!me || me.userId < 0) return html(ctx, t.ownerAnonymous);
    return setOwner(ctx, me);
  });

  composer.command("assign", async (ctx) => {
    if (!(await locate(deps, ctx))) return html(ctx, t.onlyInTopic);
    const username = ctx.match.trim().replace(/^@/, "");
    const chat = ctx.chat?.id;
    if (username && chat !== undefined) {
      const known = await deps.store.staff.byUsername(chat, username);
      return known ? setOwner(ctx, known) : html(ctx, t.assignUnknown(username));
    }
    const replied = repliedStaff(ctx.msg);
    if (!replied) return html(ctx, t.assignUsage);
    if (replied.userId < 0) return html(ctx, t.ownerAnonymous);
    return setOwner(ctx, replied);
  });

  composer.command("unassign", (ctx) => setOwner(ctx, undefined));

  // A tap does what /take does, also when someone else owns the chat: the card says who does.
  composer.callbackQuery(TAKE, async (ctx) => {
    const located = await locate(deps, ctx);
    if (!located) return ctx.answerCallbackQuery(t.takeGone);
    const me = userOf(ctx.from);
    if (me.userId < 0) return ctx.answerCallbackQuery(t.ownerAnonymous);
    const before = await deps.topics.get(located.account, located.chatId);
    await deps.topics.update(located.account, located.chatId, { owner: me });
    await ctx.answerCallbackQuery(t.tookChat);
    if (before?.owner?.userId !== me.userId) {
      await ctx.reply(t.ownerSet(mention(me)), { parse_mode: "HTML", disable_notification: true });
    }
  });

  return composer;
}

/**
 * Who wrote a message: a person, or an admin writing anonymously as the group (then the
 * group's id, which no owner can have, and the admin's signature or the group's title).
 */
export function senderOf(message: Message): StaffUser | undefined {
  if (message.sender_chat?.id === message.chat.id) {
    return { userId: message.chat.id, name: message.author_signature ?? message.chat.title ?? "" };
  }
  return message.from && !message.from.is_bot ? userOf(message.from) : undefined;
}

export function userOf(user: User): StaffUser {
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
  return { userId: user.id, name, ...(user.username ? { username: user.username } : {}) };
}

/**
 * The staff member whose message /assign replies to. In a topic every message replies to the
 * topic's first message unless it is a real reply, so that one does not count.
 */
function repliedStaff(message: Message | undefined): StaffUser | undefined {
  const replied = message?.reply_to_message;
  if (!replied || replied.message_id === message.message_thread_id) return undefined;
  return senderOf(replied);
}
