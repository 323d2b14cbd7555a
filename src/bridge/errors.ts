// What an error says, for a person.
import { ProviderError, type ProviderErrorKind } from "./provider.ts";

/** Its message when it is an Error, else its text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Words for what a marketplace refused, by kind; `fallback` for every other failure. */
export type Refusals = Partial<Record<ProviderErrorKind, (detail: string) => string>> & {
  fallback: (detail: string) => string;
};

/**
 * What the marketplace refused, in words: its own words for the error's code when it has them
 * (`own`, from `MarketplaceWords.refusals`), else the words of the error's kind.
 */
export function refusalText(
  error: unknown,
  words: Refusals,
  own?: Readonly<Record<string, string>>,
): string {
  const code = error instanceof ProviderError ? error.code : undefined;
  const said = code === undefined ? undefined : own?.[code];
  if (said !== undefined) return said;
  const say = error instanceof ProviderError ? words[error.kind] : undefined;
  return (say ?? words.fallback)(errorText(error));
}
