// A conversation as one HTML file readable on a phone: UTF-8, inline CSS, no scripts, every
// marketplace text escaped.
import type { SenderRole } from "./provider.ts";
import { escapeHtml } from "./text.ts";

export interface TranscriptEntry {
  /** The marketplace's timestamp (ISO 8601). */
  at: string;
  role: SenderRole;
  /** Who wrote, already in words ("Buyer · Иван", "Shop · Анна", "Ozon · Courier"). */
  who: string;
  text: string;
  /** Attachment file names. */
  files: string[];
}

export interface Transcript {
  title: string;
  /** Label and value lines of the header (marketplace, order, buyer, chat…). */
  facts: [string, string][];
  /** Lines under the header (time zone, a cut, an empty chat). */
  notes: string[];
  /** Oldest first. */
  entries: TranscriptEntry[];
}

/** Marketplaces are Russian and their cabinets show Moscow time. */
const TIME = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Europe/Moscow",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});

export function moscowTime(iso: string | number): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : TIME.format(date);
}

const STYLE = `
body{margin:0;padding:12px;font:15px/1.4 -apple-system,system-ui,"Segoe UI",Roboto,sans-serif;background:#f4f4f5;color:#18181b}
h1{font-size:18px;margin:0 0 8px}
.facts{margin:0 0 8px;padding:0;list-style:none;font-size:14px}
.note{color:#52525b;font-size:13px;margin:4px 0}
.m{margin:10px 0;padding:8px 10px;border-radius:10px;background:#fff;max-width:92%;word-wrap:break-word}
.buyer{margin-right:auto}
.seller{margin-left:auto;background:#dcfce7}
.system{margin:10px auto;background:#e4e4e7;font-size:14px}
.h{font-size:12px;color:#71717a;margin-bottom:2px}
.t{white-space:pre-wrap}
.f{font-size:14px;color:#1d4ed8}
`.trim();

export function renderTranscript(transcript: Transcript): string {
  const facts = transcript.facts
    .map(([label, value]) => `<li><b>${escapeHtml(label)}:</b> ${escapeHtml(value)}</li>`)
    .join("\n");
  const notes = transcript.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("\n");
  const entries = transcript.entries.map(renderEntry).join("\n");
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(transcript.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(transcript.title)}</h1>
<ul class="facts">
${facts}
</ul>
${notes}
${entries}
</body></html>
`;
}

function renderEntry(entry: TranscriptEntry): string {
  const text = entry.text ? `<div class="t">${escapeHtml(entry.text)}</div>` : "";
  const files = entry.files.map((name) => `<div class="f">📎 ${escapeHtml(name)}</div>`).join("");
  const head = `${escapeHtml(moscowTime(entry.at))} · ${escapeHtml(entry.who)}`;
  return `<div class="m ${entry.role}"><div class="h">${head}</div>${text}${files}</div>`;
}
