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

export function refusalText(error: unknown, words: Refusals): string {
  const say = error instanceof ProviderError ? words[error.kind] : undefined;
  return (say ?? words.fallback)(errorText(error));
}
