// File names and types: marketplaces derive a sent file's type from its name (Ozon says so),
// and their download responses may not carry a useful Content-Type.

/**
 * Largest marketplace file the bridge downloads. Telegram bots may upload up to 50 MB, but
 * downloads are buffered in memory before the upload; 20 MB keeps a few parallel transfers
 * affordable.
 */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  bmp: "image/bmp",
  pdf: "application/pdf",
  txt: "text/plain",
  csv: "text/csv",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  zip: "application/zip",
  mp4: "video/mp4",
  mov: "video/quicktime",
};

// First extension listed for a type wins, so image/jpeg → jpg.
const EXTENSION_BY_MIME = new Map<string, string>();
for (const [extension, mime] of Object.entries(MIME_BY_EXTENSION)) {
  if (!EXTENSION_BY_MIME.has(mime)) EXTENSION_BY_MIME.set(mime, extension);
}

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
  // At least one letter, so "Фото от 12.05" has no extension.
  const match = /\.((?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,8})$/.exec(name);
  return match?.[1] && match.index > 0 ? match[1].toLowerCase() : undefined;
}

/** Adds an extension taken from the MIME type when the name has none ("bin" if unknown). */
export function withExtension(name: string, mime: string): string {
  if (extensionOf(name) !== undefined) return name;
  const base = mime.split(";")[0]?.trim().toLowerCase() ?? "";
  return `${name}.${EXTENSION_BY_MIME.get(base) ?? "bin"}`;
}

/** The server's type unless it is a generic one; then a guess from the name's extension. */
export function effectiveMime(serverMime: string | undefined, name: string): string {
  if (serverMime !== undefined && !GENERIC_MIMES.has(serverMime)) return serverMime;
  const extension = extensionOf(name);
  return (extension && MIME_BY_EXTENSION[extension]) ?? "application/octet-stream";
}

/** Strips path separators and control characters so a name is a plain file name. */
export function safeFileName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]+/g, "_").trim();
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "file" : cleaned;
}
