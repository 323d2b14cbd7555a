// Quick replies: a staff group's named texts, checked when saved and filled for one buyer chat
// when sent. Sending itself is a staff message like any other (outbound.ts).
import type { Account } from "./account.ts";
import type { Store, TemplateRecord } from "./store/index.ts";

export const MAX_NAME_LENGTH = 30;
/** Leaves room for the preview's header within Telegram's 4096 characters. */
export const MAX_TEMPLATE_LENGTH = 3000;
/** Each is a button under /templates; Telegram allows 100 buttons under a message. */
export const MAX_TEMPLATES = 50;

/**
 * Latin or Cyrillic letters, digits, "_" and "-": two bytes at most in UTF-8, so a name fits
 * in a button's callback data (64 bytes) with its prefix.
 */
const NAME = new RegExp(`^[A-Za-z0-9_\\u0400-\\u04FF-]{1,${MAX_NAME_LENGTH}}$`);
const PLACEHOLDER = /\{(order|buyer|shop|staff)\}/g;
export type Placeholder = "order" | "buyer" | "shop" | "staff";

export type TemplateProblem =
  | { kind: "badName" }
  | { kind: "noText" }
  | { kind: "tooLong"; length: number }
  | { kind: "tooMany" };

/** A template filled for the buyer chat behind a topic, or why it cannot be. */
export type FilledTemplate =
  | { kind: "notBuyerChat" }
  | { kind: "unknown" }
  | { kind: "missing"; name: string; placeholders: Placeholder[] }
  | { kind: "ready"; name: string; text: string };

export function isTemplateName(name: string): boolean {
  return NAME.test(name);
}

/** The template a staff message calls for: its whole text is "!name". */
export function templateCall(text: string | undefined): string | undefined {
  const name = text?.trim().match(/^!(\S+)$/)?.[1];
  return name !== undefined && isTemplateName(name) ? name : undefined;
}

/** Puts the values in; a placeholder without a value (none, or empty) is reported, not blanked. */
export function fillTemplate(
  text: string,
  values: Record<Placeholder, string | undefined>,
): { text: string } | { missing: Placeholder[] } {
  const missing = new Set<Placeholder>();
  const filled = text.replace(PLACEHOLDER, (_whole, key: Placeholder) => {
    const value = values[key]?.trim();
    if (!value) missing.add(key);
    return value ?? "";
  });
  return missing.size > 0 ? { missing: [...missing] } : { text: filled };
}

export class QuickReplies {
  readonly #store: Store;
  readonly #accounts: Map<string, Account>;

  constructor(deps: { store: Store; accounts: Account[] }) {
    this.#store = deps.store;
    this.#accounts = new Map(deps.accounts.map((a) => [a.id, a]));
  }

  /** Saves a template (replacing one of the same name); a problem when it cannot be saved. */
  async save(
    staffChatId: number,
    name: string,
    text: string,
  ): Promise<{ replaced: boolean } | { problem: TemplateProblem }> {
    const trimmed = text.trim();
    if (!isTemplateName(name)) return { problem: { kind: "badName" } };
    if (!trimmed) return { problem: { kind: "noText" } };
    if (trimmed.length > MAX_TEMPLATE_LENGTH) {
      return { problem: { kind: "tooLong", length: trimmed.length } };
    }
    const templates = this.#store.templates;
    const replaced = (await templates.get(staffChatId, name)) !== undefined;
    if (!replaced && (await templates.list(staffChatId)).length >= MAX_TEMPLATES) {
      return { problem: { kind: "tooMany" } };
    }
    await templates.set(staffChatId, { name, text: trimmed, updatedAt: Date.now() });
    return { replaced };
  }

  remove(staffChatId: number, name: string): Promise<boolean> {
    return this.#store.templates.delete(staffChatId, name);
  }

  list(staffChatId: number): Promise<TemplateRecord[]> {
    return this.#store.templates.list(staffChatId);
  }

  get(staffChatId: number, name: string): Promise<TemplateRecord | undefined> {
    return this.#store.templates.get(staffChatId, name);
  }

  /**
   * The template filled from the chat behind a topic and from the staff member sending it
   * (`staffName` is undefined for an anonymous admin).
   */
  async forTopic(
    staffChatId: number,
    threadId: number,
    name: string,
    staffName: string | undefined,
  ): Promise<FilledTemplate> {
    const thread = await this.#store.topics.byThread(staffChatId, threadId);
    const account = thread && this.#accounts.get(thread.accountId);
    if (!thread || !account) return { kind: "notBuyerChat" };
    const template = await this.#store.templates.get(staffChatId, name);
    if (!template) return { kind: "unknown" };
    const topic = await this.#store.topics.get(thread.accountId, thread.chatId);
    const filled = fillTemplate(template.text, {
      order: topic?.orderNumber ?? topic?.returnNumber,
      buyer: topic?.buyerName,
      shop: account.name,
      staff: staffName,
    });
    return "missing" in filled
      ? { kind: "missing", name: template.name, placeholders: filled.missing }
      : { kind: "ready", name: template.name, text: filled.text };
  }
}
