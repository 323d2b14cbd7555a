// Ozon message bodies are Markdown. Files and images come as links to the Seller API host
// (`![](…/v2/chat/file/…)`, `[photo.jpg (12 KB)](…)`); the bridge wants plain text plus
// attachments it can download with the seller's credentials.

import { extensionOf } from "../../bridge/files.ts";
import type { Attachment } from "../../bridge/provider.ts";
import { safeFileName } from "../files.ts";

export interface ParsedContent {
  text: string;
  attachments: Attachment[];
}

const FILE_PATH_PREFIX = "/v2/chat/file/";
// Marks where an attachment link stood until the whitespace around it is tidied.
const GAP = "\uE000";

// One pass finds backslash escapes and links together, so an escaped "\[" never opens a
// link. Link targets may hold one level of balanced parentheses and an optional title.
const ESCAPE_OR_LINK =
  /\\([!-/:-@[-`{-~])|(!?)\[((?:\\.|[^\\\]])*)\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+"[^"\n]*")?\s*\)/g;
const ESCAPE = /\\([!-/:-@[-`{-~])/g;
const SIZE_SUFFIX = /\s*\(\s*(\d+(?:[.,]\d+)?)\s*(bytes?|b|kb|mb|gb|байт|б|кб|мб|гб)\s*\)\s*$/iu;
const UNIT_BYTES: Record<string, number> = {
  byte: 1,
  bytes: 1,
  b: 1,
  байт: 1,
  б: 1,
  kb: 1024,
  кб: 1024,
  mb: 1024 ** 2,
  мб: 1024 ** 2,
  gb: 1024 ** 3,
  гб: 1024 ** 3,
};

export function unescapeMarkdown(text: string): string {
  return text.replace(ESCAPE, "$1");
}

/**
 * Turns Ozon Markdown into plain text and attachments. Only links to `apiOrigin` under
 * /v2/chat/file/ become attachments (they are what the seller's credentials may fetch);
 * other links stay readable as "label (url)".
 */
export function parseOzonMarkdown(
  markdown: string,
  apiOrigin: string,
  isImage: boolean,
): ParsedContent {
  const attachments: Attachment[] = [];
  const replaced = markdown
    .replaceAll(GAP, "")
    .replace(
      ESCAPE_OR_LINK,
      (_match, escaped: string | undefined, bang: string, rawLabel: string, rawUrl: string) => {
        if (escaped !== undefined) return escaped;
        const url = rawUrl.startsWith("<") ? rawUrl.slice(1, -1) : rawUrl;
        const label = unescapeMarkdown(rawLabel).trim();
        const fileUrl = ozonFileUrl(url, apiOrigin);
        if (fileUrl === undefined) return label === "" || label === url ? url : `${label} (${url})`;
        attachments.push(toAttachment(fileUrl, label, bang === "!" || isImage));
        return GAP;
      },
    );
  // A removed attachment takes the spaces around it along, so "see ![](…) here" reads
  // "see here" and a line holding only attachments disappears.
  const text = replaced
    .replace(/^[ \t]*\uE000(?:[ \t]*\uE000)*[ \t]*/gm, "")
    .replace(/[ \t]*\uE000(?:[ \t]*\uE000)*[ \t]*$/gm, "")
    .replace(/[ \t]*\uE000(?:[ \t]*\uE000)*[ \t]*/g, " ")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { text, attachments };
}

function ozonFileUrl(url: string, apiOrigin: string): URL | undefined {
  try {
    const parsed = new URL(url);
    const isFile = parsed.origin === apiOrigin && parsed.pathname.startsWith(FILE_PATH_PREFIX);
    return isFile ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function toAttachment(url: URL, label: string, image: boolean): Attachment {
  const lastSegment = decodeSegment(url.pathname.slice(url.pathname.lastIndexOf("/") + 1));
  const size = SIZE_SUFFIX.exec(label);
  const labelName = label.replace(SIZE_SUFFIX, "").trim();
  let name = labelName === "" ? lastSegment : labelName;
  // The link text is a human title; the URL usually keeps the real extension.
  const urlExtension = extensionOf(lastSegment);
  if (extensionOf(name) === undefined && urlExtension !== undefined) {
    name = `${name}.${urlExtension}`;
  }
  const attachment: Attachment = {
    url: url.href,
    name: safeFileName(name),
    kind: image ? "image" : "file",
  };
  if (size?.[1] && size[2]) {
    const unit = UNIT_BYTES[size[2].toLowerCase()] ?? 1;
    // Ozon rounds the size it shows ("12 KB"), so this is approximate.
    attachment.size = Math.round(Number(size[1].replace(",", ".")) * unit);
  }
  return attachment;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
