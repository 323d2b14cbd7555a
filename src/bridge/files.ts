// File names and MIME types, read into each other through one table (mime-types). Marketplaces
// derive a sent file's type from its name (Ozon says so), and their downloads may not carry a
// useful Content-Type; both the bot and the providers need the same rules.
import { extension as extensionForMime, lookup as mimeForExtension } from "mime-types";

const GENERIC_MIMES = new Set([
  "",
  "application/octet-stream",
  "binary/octet-stream",
  "application/binary",
  "application/unknown",
  "application/force-download",
]);

/** Lower-case extension without the dot, when the name has a plausible one. */
export function extensionOf(name: string): string | undefined {
  // At least one letter, so "Фото от 12.05" has no extension; a leading dot is not one either.
  const match = /\.((?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,8})$/.exec(name);
  return match?.[1] && match.index > 0 ? match[1].toLowerCase() : undefined;
}

/** Adds an extension taken from the MIME type when the name has none ("bin" if unknown). */
export function withExtension(name: string, mime: string): string {
  if (extensionOf(name) !== undefined) return name;
  return `${name}.${extensionForMime(mime) || "bin"}`;
}

/** The server's type unless it is a generic one; then a guess from the name's extension. */
export function effectiveMime(serverMime: string | undefined, name: string): string {
  if (serverMime !== undefined && !GENERIC_MIMES.has(serverMime)) return serverMime;
  const extension = extensionOf(name);
  return (extension && mimeForExtension(extension)) || "application/octet-stream";
}
