import type { StartTarget } from "../provider.ts";
import { DEFAULT_TIME_ZONE } from "../working-hours.ts";
import { en } from "./en.ts";
import { ru, type Words } from "./ru.ts";

export type Language = "ru" | "en";

export type Texts = Words & {
  /** A day in the staff's words and time zone. */
  date(ms: number): string;
  /** A time of day in the staff's words and time zone. */
  time(ms: number): string;
};

/** The staff's texts in their language, dates and times in their zone (TIMEZONE). */
export function textsFor(language: Language, timeZone = DEFAULT_TIME_ZONE): Texts {
  const locale = language === "en" ? "en-GB" : "ru-RU";
  const day = new Intl.DateTimeFormat(locale, {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone,
  });
  const clock = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone });
  return {
    ...(language === "en" ? en : ru),
    date: (ms) => day.format(ms),
    time: (ms) => clock.format(ms),
  };
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
