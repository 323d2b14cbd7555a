// Reading values out of marketplace JSON, which changes spellings without notice.

/** A string with something in it; undefined for anything else. */
export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An id as decimal digits, from a JSON integer (safe ones arrive as numbers, larger ones as the
 * digit strings of parseJsonLossless) or a string of digits; undefined for anything else.
 */
export function idValue(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
    return String(value);
  }
  if (typeof value === "string" && /^\d+$/.test(value.trim())) return value.trim();
  return undefined;
}
