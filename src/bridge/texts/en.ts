import type { Texts } from "./ru.ts";

export const en: Texts = {
  chatSubject: (shortId) => `Chat ${shortId}`,
  returnSubject: (number) => `Return ${number}`,
  headerTitle: "🛒 New buyer chat",
  headerRecreated: "♻️ Topic created again (the previous one was deleted)",
  headerMarketplace: "Marketplace",
  headerOrder: "Order / posting",
  headerReturn: "Return",
  headerBuyer: "Buyer",
  headerSku: "Product (SKU)",
  headerDispute: "⚖️ Dispute (arbitration) in progress",
  headerChat: "Chat ID",
  disputeStarted: "⚖️ The marketplace opened a dispute (arbitration) on this chat.",
  disputeFinished: "⚖️ The dispute (arbitration) on this chat is over.",
  chatClosed: "🔒 The chat was closed on the marketplace.",
  sellerLabel: (where) => `💼 Seller (in the ${where} cabinet, not via the bot):`,
  systemLabel: (where, who) => `ℹ️ ${where} · ${who}:`,
  attachmentUnavailable: (name, reason) =>
    `📎 ${name}: the file could not be downloaded (${reason}). Open the chat in the marketplace cabinet.`,
  attachmentPending: (name) =>
    `📎 ${name}: the marketplace is still checking this file; it will appear here once it has.`,
  attachmentReasons: {
    invalid: () => "the file is too large or damaged",
    not_found: () => "the file is no longer on the marketplace",
    auth: () => "the marketplace did not accept the API key",
    forbidden: () => "the marketplace denied access to the file",
    fallback: () => "the marketplace did not hand out the file",
  },
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
    checklist: "a checklist",
    live_photo: "a live photo",
    paid_media: "paid media",
    invoice: "an invoice",
    giveaway: "a giveaway",
    other: "this message",
  },
  emptyNotSent: "⚠️ Not sent: the message has no text.",
  fileTooBig: (sizeMb, limitMb, where) =>
    `⚠️ Not sent: the file is ${sizeMb} MB and ${where} accepts at most ${limitMb} MB.`,
  telegramFileTooBig: (sizeMb) =>
    `⚠️ Not sent: the file is ${sizeMb} MB. Telegram lets bots download files only up to 20 MB.`,
  sendFailed: (reason) => `⚠️ Not delivered to the buyer: ${reason}`,
  reasons: {
    forbidden: (detail) =>
      `the marketplace refused (${detail}). Usually the reply window has closed (48 h after the buyer's last message or 72 h after delivery) or the required subscription is missing (Premium Plus / Premium Pro on Ozon).`,
    auth: () => "the marketplace did not accept the API key. Check the key in the bot settings.",
    not_found: () => "the chat was not found on the marketplace.",
    invalid: (detail) => `the marketplace rejected the message (${detail}).`,
    gaveUp: (detail) =>
      `the marketplace is unavailable, gave up retrying (${detail}). Send the message again later.`,
    telegramFile: (detail) => `could not get the file from Telegram (${detail}).`,
    stateNotSaved:
      "the bot cannot save its state (disk full?). Send the message again once that is fixed.",
  },
  stateFailing: (reason) =>
    `🚨 The bot cannot save its state (disk full?): ${reason}. Buyer messages are not relayed until writes work again, and staff replies are not sent. Free some disk space on the server.`,
  stateRecovered: "✅ State can be saved again: relaying continues.",
  rightsRecovered:
    "✅ The bot's rights in the group are back: buyer messages reach their topics again.",
  onlyStaffGroup: "This bot works only in its shop's staff group.",
  newAskMarketplace: (options) =>
    `Start a chat on which marketplace? Answer: ${options}. /cancel to stop.`,
  newAskAccount: (list) => `Which shop? Answer with its number:\n${list}`,
  newAskNumber: (kind) => `The ${kind} number? /cancel to stop.`,
  newNumberKinds: {
    posting: "Ozon posting (e.g. 47873153-0052-1)",
    order: "Yandex Market order (or “return 123” for a return)",
    return: "return",
  },
  newBadAnswer: "I did not get that. Try again or /cancel.",
  newBadNumber: (example) =>
    `That does not look like a number. Example: ${example}. Again or /cancel.`,
  newCancelled: "Cancelled.",
  newNoMarketplace: (name) => `${name} is not connected.`,
  newCannotStart: (names) => `${names}: only a buyer can start a chat there.`,
  newStarted: (link, title) => `Chat started: <a href="${link}">${title}</a>`,
  newRefused: (reason) => `Chat not started: ${reason}`,
  startReasons: {
    forbidden: (detail) =>
      `the marketplace refused (${detail}). On Ozon only the buyer can start an FBO chat; FBS/rFBS chats within 72 hours after payment or delivery; Premium Plus or Premium Pro is required.`,
    not_found: () => "the marketplace found no such order. Check the number.",
    auth: () => "the marketplace did not accept the API key.",
    invalid: (detail) => `the marketplace rejected the request (${detail}).`,
    fallback: (detail) => `the marketplace is unavailable now (${detail}). Try again later.`,
  },
  reminderWait: (minutes) => `⏰ The buyer has been waiting for ${minutes} min.`,
  reminderWindow: (hoursLeft, windowHours) =>
    `⏰ Less than ${Math.max(1, hoursLeft)} h left to answer (the marketplace allows ${windowHours} h after the buyer's message).`,
  commands: {
    help: "Help",
    new: "Start a chat with a buyer",
    status: "Bridge status",
    find: "Find a topic by order number",
    close: "Close this topic",
    reopen: "Reopen this topic",
    doctor: "Check the setup",
    export: "Export the conversation as a file",
  },
  help: (notePrefix) =>
    [
      "<b>How it works</b>",
      "Every buyer chat is a topic. Write in the topic: text, photos and files go to the buyer; 👍 = delivered, 👀 = read.",
      "🔴 = the buyer waits, 🟢 = answered, ⚪ = chat closed, ⚖️ = dispute.",
      `A message starting with <code>${notePrefix}</code> is a note for colleagues and is not sent.`,
      "",
      "/new — start a chat: <code>/new ozon 47873153-0052-1</code>, <code>/new ym 12345678</code>, <code>/new ym return 123</code> or just /new",
      "/status — polls, errors, queue, who waits for an answer",
      "/find <i>number</i> — link to the order's topic",
      "/close, /reopen — close or reopen the topic (inside a topic)",
      "/export — the whole conversation from the marketplace as one file (inside a topic)",
      "/doctor — check the bot's rights, marketplace keys and push",
    ].join("\n"),
  editNotSent: "✏️ The edit did not reach the buyer: marketplaces cannot change sent messages.",
  resendButton: "Send the corrected text",
  resendQueued: "Sending the corrected text",
  resendGone: "The corrected text was already sent or is outdated",
  retryButton: "🔁 Retry",
  retryQueued: "Sending it again",
  retryRunning: "Already being sent, please wait",
  retryGone: "Nothing to retry: the message was sent already or is outdated",
  retryDelivered: "✅ Delivered to the buyer on a retry.",
  exportNotSupported: (where) =>
    `${where} does not give out a chat's history through its API: the conversation cannot be exported.`,
  exportFailed: (reason) => `Conversation not exported: ${reason}`,
  exportCaption: (count) =>
    `📄 The whole conversation as the marketplace holds it: ${count} messages`,
  exportTitle: "Conversation with the buyer",
  exportedAt: "Exported",
  exportTimeNote: "Times are Moscow time.",
  exportCut: (count) =>
    `Only the newest ${count} messages are shown: earlier ones are not in the file.`,
  exportEmpty: "The chat has no messages.",
  exportBuyer: "Buyer",
  exportShop: "Shop",
  statusTitle: "<b>Status</b>",
  statusAccount: (name) => `<b>${name}</b>`,
  statusPoll: (age) => `poll: ${age} ago`,
  statusNeverPolled: "poll: no successful one yet",
  statusError: (error) => `error: ${error}`,
  statusPending: (count) => `waiting to be sent: ${count}`,
  statusWaiting: (count, oldest) =>
    count === 0
      ? "waiting for an answer: none"
      : `waiting for an answer: ${count}, longest ${oldest}`,
  statusBudget: (used, limit) => `Telegram: ${used} of ${limit} messages this minute`,
  findUsage: "Give a number: <code>/find 47873153-0052-1</code>",
  findNone: (number) => `No topic with number ${number}.`,
  findFound: (title, link) => `<a href="${link}">${title}</a>`,
  onlyInTopic: "This command works inside a buyer topic.",
  closed: "Topic closed. The buyer's next message opens it again.",
  reopened: "Topic reopened.",
  doctorTitle: "<b>Check</b>",
  doctorOk: (what) => `✅ ${what}`,
  doctorFail: (what, fix) => `❌ ${what}: ${fix}`,
  doctorForum: "the group is a forum with topics",
  doctorForumFix: "enable Topics in the group settings",
  doctorAdmin: "the bot is an admin with Manage Topics",
  doctorAdminFix: "make the bot an admin and enable Manage Topics",
  doctorPin: "the bot can pin messages (order card)",
  doctorPinFix: "give the bot the Pin Messages right",
  doctorKey: (name) => `${name} API key`,
  doctorKeyFix: (detail) => `the marketplace answered: ${detail}. Check the key and its rights`,
  doctorPush: "push notifications",
  doctorPushFix: "not enabled: set PUSH_SECRET and register the URLs (see README)",
  ago: (minutes) =>
    minutes < 1
      ? "under a minute"
      : minutes < 60
        ? `${minutes} min`
        : `${Math.floor(minutes / 60)} h ${minutes % 60} min`,
};
