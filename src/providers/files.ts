// Files the providers download from marketplaces; names and MIME types are src/bridge/files.ts.

/**
 * Largest marketplace file the bridge downloads. Telegram bots may upload up to 50 MB, but
 * downloads are buffered in memory before the upload; 20 MB keeps a few parallel transfers
 * affordable.
 */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/** Strips path separators and control characters so a name is a plain file name. */
export function safeFileName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]+/g, "_").trim();
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "file" : cleaned;
}
