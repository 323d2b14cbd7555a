import type { Words } from "./ru.ts";

export const en: Words = {
  language: "en",
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
  headerOwner: "Owner",
  headerReplyBy: (when, left) => `⏳ Reply by ${when} (${left} left)`,
  headerReplyClosed: (when) => `⌛ The reply window closed at ${when}`,
  autoReplyNote: (text) => `🤖 Automatic reply to the buyer (outside working hours):\n${text}`,
  autoClosed: (days) =>
    `⚪ No message in this chat for ${days} days: the topic is closed. The buyer's next message or /reopen opens it again.`,
  headerNoOwner: "nobody — tap “🙋 Take”",
  takeButton: "🙋 Take",
  ownerSet: (who) => `👤 ${who} owns this chat now.`,
  ownerCleared: "👤 The chat has no owner now.",
  tookChat: "This chat is yours now",
  takeGone: "This topic is no longer linked to a buyer chat",
  ownerAnonymous:
    "An anonymous admin cannot own a chat. Assign someone: <code>/assign @username</code>.",
  assignUsage:
    "Assign to whom? <code>/assign @username</code>, or reply /assign to a staff member's message.",
  assignUnknown: (username) =>
    `The bot does not know @${username} yet: Telegram does not tell bots who a username is. Ask @${username} to write something in the group first, then /assign again.`,
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
    forbidden: (detail, usually) =>
      `the marketplace refused (${detail}).${usually ? ` ${usually}` : ""}`,
    auth: () => "the marketplace did not accept the API key. Check the key in the bot settings.",
    not_found: () => "the chat was not found on the marketplace.",
    invalid: (detail) => `the marketplace rejected the message (${detail}).`,
    gaveUp: (detail) => `the marketplace is unavailable, gave up retrying (${detail}).`,
    telegramFile: (detail) => `could not get the file from Telegram (${detail}).`,
    stateNotSaved:
      "the bot cannot read or save its state (disk full, or the database unreachable?). Send the message again once that is fixed.",
  },
  stateFailing: (reason) =>
    `🚨 The bot cannot save its state (disk full, or the database unreachable?): ${reason}. Buyer messages are not relayed until writes work again, and staff replies are not sent. Free some disk space on the server, or bring the database back.`,
  stateRecovered: "✅ State can be saved again: relaying continues.",
  keyNotice: (name, text) => `⚠️ API key "${name}": ${text}`,
  keyExpires: (date, days) =>
    `expires on ${date} (${days} ${days === 1 ? "day" : "days"} left). Create a new key in the marketplace's seller portal and put it in the bot's settings, or buyer messages stop arriving.`,
  keyThrottled: (perHour, suspected, instead) =>
    `${suspected ? "judging by the marketplace's answers, this is a key" : "this is a key"} limited to ${perHour} request an hour on the chat methods: too few for a live chat. ${instead}`,
  keyRefused: (name, detail) =>
    `🚨 The marketplace does not accept the API key "${name}": ${detail}. This shop's buyer messages do not arrive and replies are not sent until the key is replaced.`,
  keyRecovered: (name) => `✅ The API key "${name}" is accepted again: buyer messages are relayed.`,
  pollFailing: (name, minutes, detail) =>
    `🚨 "${name}": the marketplace has not answered a poll for ${minutes} min (${detail}). This shop's buyer messages do not arrive. Check that the bot's server can reach the marketplace's API; details in /status.`,
  pollRecovered: (name) =>
    `✅ "${name}": polling the marketplace works again; buyer messages are relayed.`,
  rightsRecovered:
    "✅ The bot's rights in the group are back: buyer messages reach their topics again.",
  onlyStaffGroup: "This bot works only in its shop's staff group.",
  newAskMarketplace: (options) =>
    `Start a chat on which marketplace? Answer: ${options}. /cancel to stop.`,
  newAskAccount: (list) => `Which shop? Answer with its number:\n${list}`,
  newAskNumber: (what, example, returnExample) =>
    `The ${what} number${example ? ` (e.g. ${example})` : ""}${returnExample ? `, or “return ${returnExample}” for a return` : ""}? /cancel to stop.`,
  newNumberKinds: {
    posting: "posting",
    order: "order",
    return: "return",
  },
  newBadAnswer: "I did not get that. Try again or /cancel.",
  newBadNumber: (example) =>
    `That does not look like a number.${example ? ` Example: ${example}.` : ""} Again or /cancel.`,
  newCancelled: "Cancelled.",
  newNoMarketplace: (name) => `${name} is not connected.`,
  newCannotStart: (names) => `${names}: only a buyer can start a chat there.`,
  newStarted: (link, title) => `Chat started: <a href="${link}">${title}</a>`,
  newRefused: (reason) => `Chat not started: ${reason}`,
  startReasons: {
    forbidden: (detail, usually) =>
      `the marketplace refused (${detail}).${usually ? ` ${usually}` : ""}`,
    not_found: () => "the marketplace found no such order. Check the number.",
    auth: () => "the marketplace did not accept the API key.",
    invalid: (detail) => `the marketplace rejected the request (${detail}).`,
    fallback: (detail) => `the marketplace is unavailable now (${detail}). Try again later.`,
  },
  duration: (minutes) => {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
  },
  reminderWait: (waited) => `⏰ The buyer has been waiting for ${waited}.`,
  reminderEscalate: (waited) =>
    `🚨 The buyer has been waiting for ${waited} and has no answer yet.`,
  reminderWindow: (hoursLeft, windowHours) =>
    `⏰ Less than ${Math.max(1, hoursLeft)} h left to answer (the marketplace allows ${windowHours} h after the buyer's message).`,
  commands: {
    help: "Help",
    new: "Start a chat with a buyer",
    status: "Bridge status",
    find: "Find a topic: number, buyer, chat ID, @staff",
    take: "Take this chat",
    assign: "Assign this chat to someone",
    unassign: "Clear the chat's owner",
    close: "Close this topic",
    reopen: "Reopen this topic",
    doctor: "Check the setup",
    template: "Add or delete a reply template",
    templates: "Reply templates",
    export: "Export the conversation as a file",
    stats: "Response statistics: /stats 30 for 30 days",
  },
  help: (notePrefix, newExamples) =>
    [
      "<b>How it works</b>",
      "Every buyer chat is a topic. Write in the topic: text, photos and files go to the buyer; 👍 = delivered, 👀 = read.",
      "🔴 = the buyer waits, 🟢 = answered, ⚪ = chat closed, ⚖️ = dispute.",
      `A message starting with <code>${notePrefix}</code> is a note for colleagues and is not sent.`,
      "",
      newExamples.length > 0
        ? `/new — start a chat: ${newExamples.join(", ")} or just /new`
        : "/new — start a chat",
      "/status — polls, errors, queue, who waits for an answer",
      "/find <i>order number, buyer's name, chat ID or @staff</i> — links to the topics",
      "/stats — how fast buyers were answered in 7 days, per shop and staff member; /stats 30 — in 30 days",
      "/take — take the chat (or the “🙋 Take” button); /assign @username — hand it over; /unassign — clear the owner. The first one whose answer reaches the buyer becomes the owner.",
      "/close, /reopen — close or reopen the topic (inside a topic)",
      "/export — the whole conversation from the marketplace as one file (inside a topic)",
      "/doctor — check the bot's rights, marketplace keys and push",
      "",
      "<b>Reply templates</b>",
      "/template add <i>name</i> <i>text</i> — save a template (or as a reply to a message: its text becomes the template); /template del <i>name</i> — delete it",
      "/templates — the list; in a topic a template's button shows what the buyer gets and sends it on «Send»",
      "<code>!name</code> in a topic — send the template to the buyer. The text may hold {order} (order number), {buyer} (buyer's name), {shop} (shop), {staff} (your name)",
    ].join("\n"),
  editNotSent: "✏️ The edit did not reach the buyer: marketplaces cannot change sent messages.",
  resendButton: "Send the corrected text",
  resendQueued: "Sending the corrected text",
  resendGone: "The corrected text was already sent or is outdated",
  retryButton: "🔁 Retry",
  retryHint: "When the cause has passed, tap “🔁 Retry” and the bot sends the message again.",
  retriedAt: (time) => `The retry at ${time} failed too.`,
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
  statusServedBy: (instance) => `served by instance ${instance}`,
  statusInstances: (self, bot) => `Answered by instance ${self}; Telegram updates read by ${bot}`,
  statusNobody: "nobody",
  findUsage:
    "Find what? An order number, a buyer's name, a chat ID or @staff: <code>/find 12345678</code>, <code>/find Ivan</code>, <code>/find @anna</code>",
  findNone: (query) => `No topic found for “${query}”.`,
  findMore: (count) => `…and ${count} more. Narrow the search.`,
  findFound: (title, link) => `<a href="${link}">${title}</a>`,
  onlyInTopic: "This command works inside a buyer topic.",
  closed: "Topic closed. The buyer's next message opens it again.",
  reopened: "Topic reopened.",
  templateUsage:
    "Reply templates:\n<code>/template add delivery Your order {order} is on its way</code> — save (or as a reply to a message: <code>/template add delivery</code>)\n<code>/template del delivery</code> — delete\n/templates — the list",
  templateBadName: (max) =>
    `A template name is one word of up to ${max} characters: letters, digits, "_" and "-".`,
  templateNoText:
    "The template has no text: write it after the name, or reply with the command to a message with text.",
  templateTooLong: (length, max) =>
    `The template's text has ${length} characters; at most ${max} are allowed.`,
  templateTooMany: (max) =>
    `The group already has ${max} templates: delete one you no longer need (/template del <i>name</i>).`,
  templateAdded: (name) => `✅ Template <b>${name}</b> saved. In a topic: <code>!${name}</code>`,
  templateReplaced: (name) =>
    `✅ Template <b>${name}</b> replaced with the new text. In a topic: <code>!${name}</code>`,
  templateDeleted: (name) => `🗑 Template <b>${name}</b> deleted.`,
  templateUnknown: (name) => `There is no template <b>${name}</b>. The list: /templates`,
  templateNotSent: (name) =>
    `⚠️ Not sent: there is no template <b>${name}</b>. The list: /templates`,
  templateMissing: (name, what) =>
    `⚠️ Not sent: template <b>${name}</b> has nothing to put in place of ${what}.`,
  placeholderMissing: {
    order: "{order} (this chat has no order number)",
    buyer: "{buyer} (the marketplace did not tell the buyer's name)",
    shop: "{shop} (the shop has no name)",
    staff: "{staff} (the message was sent anonymously)",
  },
  templatesNone:
    "No templates yet. Add one: <code>/template add delivery Your order {order} is on its way</code>",
  templatesTitle: (count) => `<b>Reply templates</b> (${count})`,
  templatesHint: "In a buyer topic: <code>!name</code> sends at once, a button shows it first.",
  templateShow: (name, text) => `<b>${name}</b>\n\n${text}`,
  templatePreview: (name, text) => `👁 Template <b>${name}</b>. The buyer will get:\n\n${text}`,
  templateSendButton: "Send",
  templateCancelButton: "Cancel",
  templateSent: (name, staff, text) =>
    `📤 Template <b>${name}</b> sent to the buyer (by ${staff}):\n\n${text}`,
  templateCancelled: (name) => `✖️ Template <b>${name}</b> not sent: cancelled.`,
  templateSending: "Sending to the buyer",
  templateHandled: "This preview was already sent or cancelled",
  templateNoChat: "This topic is no longer linked to a buyer chat",
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
  doctorKeyExpiry: (name, date, days) =>
    `API key ${name} is valid until ${date} (${days} days left)`,
  doctorKeyExpired: (name, date) => `API key ${name} expired on ${date}`,
  doctorKeyRenew:
    "create a new key in the marketplace's seller portal and put it in the bot's settings",
  doctorKeyThrottled: (name) => `API key ${name}: its type`,
  doctorPush: "push notifications",
  doctorPushFix: "not enabled: set PUSH_SECRET and register the URLs (see README)",
  ago: (minutes) =>
    minutes < 1
      ? "under a minute"
      : minutes < 60
        ? `${minutes} min`
        : `${Math.floor(minutes / 60)} h ${minutes % 60} min`,
  calendarDay: (year, month, day) =>
    new Intl.DateTimeFormat("en-GB", {
      day: "numeric",
      month: "long",
      year: "numeric",
      timeZone: "UTC",
    }).format(Date.UTC(year, month - 1, day)),
  statsUsage: (max) =>
    `For how many days? <code>/stats</code> for 7, <code>/stats 30</code> for 30 (1 to ${max}).`,
  statsTitle: (days) => `📊 <b>First responses to buyers, last ${days} days</b>`,
  digestTitle: (day) => `📊 <b>Summary for ${day}</b>`,
  statsRow: (name, chats, answered) => `<b>${name}</b> — chats: ${chats}, answers: ${answered}`,
  statsWorking: (median, p90) =>
    `first response in working time: median ${median}, 90% within ${p90}`,
  statsClock: (median, p90) => `first response by the clock: median ${median}, 90% within ${p90}`,
  statsNoAnswers: "first response: no answers",
  statsWithinHour: (within, of, percent) =>
    `answered within an hour: ${within} of ${of} (${percent}%)`,
  statsWithinHourNone: "answered within an hour: nothing to judge yet",
  statsWindowsMissed: (count) => `reply windows missed: ${count}`,
  statsStaff: "<b>Staff</b>",
  statsNoStaff: "nobody answered through the bot",
  digestWaiting: (count) => `⏳ <b>Waiting for an answer: ${count}</b> (longest first)`,
  digestWaitingChat: (title, link, waited) => `<a href="${link}">${title}</a> — waiting ${waited}`,
  digestMore: (count) => `…and ${count} more`,
  digestNoneWaiting: "⏳ Nobody is waiting for an answer now.",
};
