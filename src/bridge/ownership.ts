// Who leads a buyer chat: how an owner is named in the group and the button that takes a chat.
import type { StaffUser } from "./store/index.ts";
import type { InlineButton } from "./telegram.ts";
import { escapeHtml } from "./text.ts";
import type { Texts } from "./texts/index.ts";

/** Callback data of the "🙋 Take" button: the tapped message's topic says which chat. */
export const TAKE = "take";

export function takeButton(texts: Texts): InlineButton {
  return { text: texts.takeButton, data: TAKE };
}

/** A link that notifies the person (HTML); an anonymous admin (the group) is only named. */
export function mention(user: StaffUser): string {
  const name = escapeHtml(user.name);
  return user.userId > 0 ? `<a href="tg://user?id=${user.userId}">${name}</a>` : name;
}
