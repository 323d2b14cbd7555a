// Content types by file extension, one table for all the fakes so they agree on the common
// kinds; a fake spreads it and adds what its service answers differently. It is not shared with
// src/ on purpose: the fakes model the services, never our implementation.

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  pdf: "application/pdf",
  txt: "text/plain; charset=utf-8",
  mp4: "video/mp4",
  zip: "application/zip",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** The lower-case extension of a file name ("Чек.PDF" → "pdf"), undefined without one. */
export function extensionOf(name: string): string | undefined {
  return /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
}

/** The content type `table` gives an extension; application/octet-stream when it has none. */
export function contentTypeFor(
  extension: string | undefined,
  table: Readonly<Record<string, string>> = CONTENT_TYPES,
): string {
  return (extension === undefined ? undefined : table[extension]) ?? "application/octet-stream";
}
