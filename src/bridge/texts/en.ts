import type { Texts } from "./ru.ts";

export const en: Texts = {
  marketplaceLabel: (title, account) => (account ? `${title} · ${account}` : title),
  chatSubject: (shortId) => `Chat ${shortId}`,
  returnSubject: (number) => `Return ${number}`,
  headerTitle: "🛒 New buyer chat",
  headerRecreated: "♻️ Topic created again (the previous one was deleted)",
  headerMarketplace: "Marketplace",
  headerOrder: "Order / posting",
  headerReturn: "Return",
  headerBuyer: "Buyer",
  headerDispute: "⚖️ Dispute (arbitration) in progress",
  headerChat: "Chat ID",
  disputeStarted: "⚖️ The marketplace opened a dispute (arbitration) on this chat.",
  disputeFinished: "⚖️ The dispute (arbitration) on this chat is over.",
  chatClosed: "🔒 The chat was closed on the marketplace.",
  sellerLabel: (where) => `💼 Seller (in the ${where} cabinet, not via the bot):`,
  systemLabel: (where, who) => `ℹ️ ${where} · ${who}:`,
  attachmentUnavailable: (name, reason) =>
    `📎 ${name}: the file could not be downloaded (${reason}). Open the chat in the marketplace cabinet.`,
  unsupportedKind: (kind) =>
    `⚠️ Not sent: ${kind} cannot be passed to the buyer through the marketplace API. Send text, a photo or a file.`,
  kinds: {
    sticker: "a sticker",
    voice: "a voice message",
    video_note: "a video message",
    video: "a video",
    audio: "audio",
    animation: "a GIF",
    poll: "a poll",
    location: "a location",
    venue: "a venue",
    contact: "a contact",
    dice: "a dice",
    game: "a game",
    story: "a story",
    other: "this message",
  },
  fileTooBig: (sizeMb, limitMb, where) =>
    `⚠️ Not sent: the file is ${sizeMb} MB and ${where} accepts at most ${limitMb} MB.`,
  telegramFileTooBig: (sizeMb) =>
    `⚠️ Not sent: the file is ${sizeMb} MB. Telegram lets bots download files only up to 20 MB.`,
  sendFailed: (reason) => `⚠️ Not delivered to the buyer: ${reason}`,
  reasons: {
    forbidden: (detail) =>
      `the marketplace refused (${detail}). Usually the reply window has closed (48 h after the buyer's last message or 72 h after delivery) or the required subscription is missing (Premium Plus / Premium Pro on Ozon).`,
    auth: "the marketplace did not accept the API key. Check the key in the bot settings.",
    not_found: "the chat was not found on the marketplace.",
    invalid: (detail) => `the marketplace rejected the message (${detail}).`,
    gaveUp: (detail) =>
      `the marketplace is unavailable, gave up retrying (${detail}). Send the message again later.`,
    telegramFile: (detail) => `could not get the file from Telegram (${detail}).`,
  },
  onlyStaffGroup: "This bot works only in its shop's staff group.",
};
