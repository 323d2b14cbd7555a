// What the rest of the program knows about one marketplace, declared in the marketplace's own
// folder (in the spirit of mautrix bridgev2's NetworkConnector). Each src/providers/<name>/
// exports one Connector; registry.ts lists them. Config, the composition root, the bot and the
// HTTP server read the registry and never name a marketplace.
//
// A connector declares its settings (environment variables and ACCOUNTS_FILE fields, validated,
// with its own error lines), how an account is named and keyed, how to build its provider,
// how staff see it (and what they are told about it alone: `words`), and its push endpoint when
// it has one. What a marketplace can do (capabilities, and optional abilities such as MarksRead,
// StartsChats, TellsKeyFacts) is declared by the provider it builds: see
// src/bridge/provider.ts.

import { z } from "zod";
import type { TopicIconColor } from "../bridge/account.ts";
import type { MarketplaceProvider } from "../bridge/provider.ts";
import type { PushParser } from "../bridge/push.ts";
import type { Language, MarketplaceWords } from "../bridge/texts/index.ts";

/** What every account entry has, whatever its marketplace. */
export interface AccountEntry {
  /** The connector's key. */
  marketplace: string;
  /** Staff-facing name; the connector's title when not set. */
  name?: string | undefined;
  /** Its own staff group instead of TELEGRAM_STAFF_CHAT_ID. */
  staffChatId?: number | undefined;
}

/** An entry as the bridge uses it: keyed, named, and with its staff group. */
export type ConfiguredAccount<Entry extends AccountEntry = AccountEntry> = Entry & {
  id: string;
  name: string;
  staffChatId: number;
};

/** What the program needs to know about one account beyond its settings. */
export interface AccountFacts {
  /** Keys the account's state, so it comes from the shop's own id and survives a rename. */
  id: string;
  /** Values that must never reach a log line or a staff message (API keys). */
  secrets: string[];
  /** How the marketplace's push notifications name this account, when they do. */
  pushKey?: string;
}

/** A marketplace's push endpoint: POST /push/<PUSH_SECRET>/<marketplace>. */
export interface ConnectorPush {
  /** Reads its bodies and builds the replies it documents (with any extra path suffixes). */
  parser: PushParser;
  /** The variable holding the CIDR ranges its pushes may come from. */
  allowedIpsVariable: string;
  /** Whether its pushes say when the buyer read the shop's messages (the 👀 receipt). */
  readReceipts: boolean;
}

export interface Connector<
  Entry extends AccountEntry = AccountEntry,
  Env extends z.core.$ZodShape = z.core.$ZodShape,
> {
  /** The key of ACCOUNTS_FILE's "marketplace", of push paths, metrics and account ids. */
  readonly marketplace: string;
  /** The staff-facing name; also the name of an account that has none. */
  readonly title: string;
  /** Its forum topics' icon colour, so staff tell marketplaces apart at a glance. */
  readonly iconColor: TopicIconColor;
  /**
   * Words staff may use for it in commands (`/new ym 12345678`), lower case; the first is the
   * one the bot suggests.
   */
  readonly aliases: readonly string[];
  /**
   * What staff are told about this marketplace alone (its numbers, what its refusals usually
   * mean), in each staff language. Declared here beside the title and aliases rather than in
   * the provider's capabilities: like them these are fixed facts about how staff see the
   * marketplace, the same for every account and held in both languages, while capabilities are
   * what a provider built for one account can do, and a provider knows nothing of the staff's
   * language. The composition root hands each account its marketplace's words in the staff
   * language (`Account.words`).
   */
  readonly words: Readonly<Record<Language, MarketplaceWords>>;

  /** Its environment variables (one account), merged into config's environment schema. */
  readonly env: Env;
  /**
   * What to set for one account, for the "No marketplace account" line: "OZON_CLIENT_ID and
   * OZON_API_KEY".
   */
  readonly setup: string;
  /** A shop that does not exist (the sandbox): suggested last, only as a way to try the bot. */
  readonly simulated?: boolean;
  /**
   * The account the parsed environment describes, or undefined. Half a pair pushes a problem
   * line ("OZON_CLIENT_ID: required when OZON_API_KEY is set") instead.
   */
  fromEnv(env: z.output<z.ZodObject<Env>>, problems: string[]): Entry | undefined;
  /** One ACCOUNTS_FILE entry (`marketplace: z.literal(key)`; see `accountEntry`). */
  readonly entry: z.ZodType<Entry>;
  account(entry: Entry): AccountFacts;
  provider(account: ConfiguredAccount<Entry>): MarketplaceProvider;
  /** What is known at start to go wrong with the account (an expired key), logged once. */
  warnings?(entry: Entry): string[];

  readonly push?: ConnectorPush;
}

// --- field schemas the connectors and config share --------------------------------------------

/** An http(s) URL without a trailing slash. */
export const httpUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: "an http(s) URL" })
    .default(fallback)
    .transform((u) => u.replace(/\/+$/, ""));

/** A supergroup id, as a string or a number. */
export const staffChatId = z
  .union([z.string(), z.number()], {
    error: "required: the id of the staff forum supergroup, like -1001234567890",
  })
  .transform(String)
  .pipe(
    z
      .string()
      .trim()
      .regex(/^-100\d+$/, "a supergroup id starting with -100, like -1001234567890"),
  )
  .transform(Number);

/** A decimal id, as a string or a number, kept as a string. */
export const digits = (what: string) =>
  z
    .union([z.string(), z.number()], { error: `required: ${what}` })
    .transform(String)
    .pipe(z.string().trim().regex(/^\d+$/, what));

/** A decimal id in an environment variable that may be unset. */
export const optionalDigits = (what: string) => z.string().trim().regex(/^\d+$/, what).optional();

/** A required secret field of ACCOUNTS_FILE. */
export const secretField = z.string({ error: "required" }).trim().min(1, "required");

/** A secret environment variable that may be unset. */
export const optionalSecret = z.string().trim().min(1).optional();

/** An ACCOUNTS_FILE entry of `marketplace`: its own fields plus a name and a staff group. */
export function accountEntry<const M extends string, Shape extends z.core.$ZodShape>(
  marketplace: M,
  shape: Shape,
) {
  return z.object({
    marketplace: z.literal(marketplace),
    name: z.string().trim().min(1).optional(),
    ...shape,
    staffChatId: staffChatId.optional(),
  });
}
