// Plain text helpers shared by both directions.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/**
 * Splits text into ordered parts of at most `max` characters (UTF-16 code units, as both
 * Telegram and the marketplaces count), preferring paragraph, then line, then word boundaries,
 * and never cutting a surrogate pair.
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = bestCut(rest, max);
    const head = rest.slice(0, cut).trimEnd();
    if (head) parts.push(head);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

function bestCut(text: string, max: number): number {
  const window = text.slice(0, max + 1);
  const minimum = Math.floor(max / 2);
  for (const separator of ["\n\n", "\n", " "]) {
    const at = window.lastIndexOf(separator);
    if (at >= minimum) return at + separator.length;
  }
  const code = text.charCodeAt(max - 1);
  const isHighSurrogate = code >= 0xd800 && code <= 0xdbff;
  return isHighSurrogate ? max - 1 : max;
}
