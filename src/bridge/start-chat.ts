// Staff start a conversation with a buyer: the marketplace opens (or finds) the chat, and the
// chat gets its topic like any other.

import type { Account } from "./account.ts";
import { refusalText } from "./errors.ts";
import { ProviderError, type StartTarget, startsChats } from "./provider.ts";
import type { TopicRecord } from "./store/index.ts";
import type { Texts } from "./texts/index.ts";
import type { Topics } from "./topics.ts";

export async function startChat(
  topics: Topics,
  account: Account,
  target: StartTarget,
): Promise<TopicRecord> {
  const provider = account.provider;
  // /new asks first and says so in its own words; this is the guard behind it.
  if (!startsChats(provider)) {
    throw new ProviderError("invalid", `${provider.marketplaceTitle} cannot start chats`);
  }
  const chatId = await provider.startChat(target);
  const facts =
    target.kind === "return" ? { returnNumber: target.number } : { orderNumber: target.number };
  return topics.ensure(account, chatId, facts);
}

/** Why the marketplace did not start the chat, in words staff can act on (its own included). */
export function startRefusal(error: unknown, texts: Texts, account: Account): string {
  const r = texts.startReasons;
  const words = account.words;
  const forbidden = (detail: string) => r.forbidden(detail, words.startForbidden);
  return refusalText(error, { ...r, forbidden }, words.refusals);
}
