// What an error says, for a person: its message when it is an Error, else its text.
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
