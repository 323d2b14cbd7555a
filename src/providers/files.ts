// Files the providers download from marketplaces; names and MIME types are src/bridge/files.ts.

import { effectiveMime, extensionOf, withExtension } from "../bridge/files.ts";
import type { Attachment, DownloadedFile } from "../bridge/provider.ts";
import type { DownloadedBytes } from "./http.ts";

/**
 * Largest marketplace file the bridge downloads. Telegram bots may upload up to 50 MB, but
 * downloads are buffered in memory before the upload; 20 MB keeps a few parallel transfers
 * affordable.
 */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/** A marketplace client: fetches its chat files with its own credentials, size-capped. */
export interface FileSource {
  download(url: string, maxBytes: number, signal?: AbortSignal): Promise<DownloadedBytes>;
}

/** MarketplaceProvider.download for the HTTP marketplaces: the file, named and typed. */
export async function downloadAttachment(
  source: FileSource,
  attachment: Attachment,
  signal?: AbortSignal,
): Promise<DownloadedFile> {
  const file = await source.download(attachment.url, MAX_DOWNLOAD_BYTES, signal);
  let name = safeFileName(attachment.name || file.nameFromHeaders || "file");
  if (extensionOf(name) === undefined) {
    // File URLs often end in the real extension when the name has none (Ozon's link texts).
    const hinted =
      extensionOf(file.nameFromHeaders ?? "") ?? extensionOf(new URL(attachment.url).pathname);
    if (hinted !== undefined) name = `${name}.${hinted}`;
  }
  const mime = effectiveMime(file.mime, name);
  return { name: withExtension(name, mime), mime, bytes: file.bytes };
}

/** Strips path separators and control characters so a name is a plain file name. */
export function safeFileName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]+/g, "_").trim();
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "file" : cleaned;
}
