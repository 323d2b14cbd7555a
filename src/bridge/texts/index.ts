import type { StartTarget } from "../provider.ts";
import { en } from "./en.ts";
import { ru, type Texts } from "./ru.ts";

export type { Texts };

export type Language = "ru" | "en";

export function textsFor(language: Language): Texts {
  return language === "en" ? en : ru;
}

/**
 * What staff are told that is true of one marketplace only, in one language. Each marketplace
 * declares its words (its connector's `words`), the composition root hands the staff language's
 * set to its accounts (`Account.words`), and the generic texts above take them as parameters,
 * so these texts never name a marketplace. Plain text (escaped where it is posted).
 */
export interface MarketplaceWords {
  /**
   * For each kind of number the marketplace starts chats by: what /new asks for ("Ozon
   * posting") and an example of one.
   */
  startNumbers: Partial<Record<StartTarget["kind"], { what: string; example: string }>>;
  /** What a "forbidden" refusal of a staff message usually means here, as whole sentences. */
  sendForbidden?: string;
  /** What a "forbidden" refusal to start a chat usually means here. */
  startForbidden?: string;
  /**
   * Refusals the provider names by their own code (`ProviderError.code`), each said in full in
   * place of the generic words of its kind.
   */
  refusals?: Readonly<Record<string, string>>;
}
