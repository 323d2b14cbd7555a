import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  Audio,
  BotCommand,
  CallbackQuery,
  Chat,
  ChatMember,
  ChatMemberAdministrator,
  Document,
  ForumTopic,
  Message,
  MessageEntity,
  PhotoSize,
  Poll,
  ReactionType,
  ResponseParameters,
  Sticker,
  Update,
  User,
  UserFromGetMe,
  Video,
  Voice,
} from "grammy/types";
import { CONTENT_TYPES, contentTypeFor } from "./mime.ts";

/**
 * A stateful fake of the Telegram Bot API (https://core.telegram.org/bots/api) served over real
 * HTTP on 127.0.0.1, so the bot under test talks to it exactly as it talks to api.telegram.org.
 *
 * Behaviour follows the official documentation. Where the documentation does not name the exact
 * error text, the description used here is marked "unverified" next to its constant; bots should
 * match such errors by `error_code` and a loose pattern, not by the full string.
 */

/** Fault-injection key for the `GET /file/bot<token>/<file_path>` download route. */
export const DOWNLOAD_ROUTE = "download";

const MAX_TEXT_LENGTH = 4096;
const MAX_CAPTION_LENGTH = 1024;
const MAX_TOPIC_NAME_LENGTH = 128;
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_PHOTO_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_URL_PHOTO_BYTES = 5 * 1024 * 1024;
const MAX_URL_FILE_BYTES = 20 * 1024 * 1024;
// Room for a maximal document plus multipart overhead; anything larger is rejected unread.
const MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 8 * 1024 * 1024;

const TOPIC_ICON_COLORS = [7322096, 16766590, 13338331, 9367192, 16749490, 16478047];

// The list documented for ReactionTypeEmoji.
const REACTION_EMOJI = new Set(
  "👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡".split(
    " ",
  ),
);

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

// getUpdates docs: an empty allowed_updates list means "all except these".
const DEFAULT_EXCLUDED_UPDATES = new Set([
  "chat_member",
  "message_reaction",
  "message_reaction_count",
]);

// Fields that arrive JSON-serialized when the request is multipart, urlencoded or a query string.
const JSON_FIELDS = new Set([
  "reply_parameters",
  "reply_markup",
  "media",
  "reaction",
  "entities",
  "caption_entities",
  "link_preview_options",
  "commands",
  "scope",
  "allowed_updates",
  "options",
  "message_ids",
  "permissions",
  "results",
]);
const INT_FIELDS = new Set([
  "chat_id",
  "from_chat_id",
  "message_thread_id",
  "message_id",
  "reply_to_message_id",
  "offset",
  "limit",
  "timeout",
  "user_id",
  "icon_color",
  "cache_time",
  "duration",
  "width",
  "height",
]);
const BOOL_FIELDS = new Set([
  "disable_notification",
  "protect_content",
  "allow_sending_without_reply",
  "show_alert",
  "is_big",
  "drop_pending_updates",
  "disable_content_type_detection",
  "has_spoiler",
  "show_caption_above_media",
  "allow_paid_broadcast",
  "remove_caption",
]);

const COPYABLE_FIELDS = [
  "text",
  "entities",
  "caption",
  "caption_entities",
  "photo",
  "document",
  "video",
  "audio",
  "voice",
  "sticker",
  "animation",
  "video_note",
  "contact",
  "location",
  "venue",
  "dice",
  "poll",
  "has_media_spoiler",
  "show_caption_above_media",
] as const;

// What Telegram reports beyond the shared table: text/plain without a charset, and more kinds.
const MIME_BY_EXTENSION = {
  ...CONTENT_TYPES,
  bmp: "image/bmp",
  txt: "text/plain",
  csv: "text/csv",
  html: "text/html",
  json: "application/json",
  xml: "application/xml",
  rar: "application/x-rar-compressed",
  "7z": "application/x-7z-compressed",
  mov: "video/quicktime",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  m4a: "audio/mp4",
  wav: "audio/x-wav",
};

export type Params = Record<string, unknown>;

export interface FakeTelegramOptions {
  token: string;
  staffChatId: number;
  staffChatTitle?: string;
  /** Defaults to the numeric prefix of the token (as with real tokens), else 100000001. */
  botId?: number;
  botUsername?: string;
  botFirstName?: string;
  /** If set, more than N bot messages into one group chat within `windowMs` → 429. */
  groupMessagesPerMinute?: number;
  /**
   * Length of the flood window (default 60 000). Scaling it also scales `retry_after`: it is
   * reported in "window seconds" (windowMs / 60 ms each), so a bot under test that multiplies
   * retry_after by the same scale waits exactly as long as it would against Telegram.
   */
  windowMs?: number;
  /** Reject bot posts into closed topics with TOPIC_CLOSED even though the bot is admin. */
  closedTopicsRejectBot?: boolean;
  /** Reject uploaded photos whose bytes are not a PNG/JPEG/GIF image, like Telegram does. */
  strictImages?: boolean;
  /** Clock in milliseconds; used for message dates and the flood window. */
  now?: () => number;
}

export interface UploadedPart {
  /** Multipart field name (grammY uses a random id referenced as `attach://<id>`). */
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  bytes: Buffer;
}

export interface ApiErrorBody {
  ok: false;
  error_code: number;
  description: string;
  parameters?: ResponseParameters;
}

export interface CallRecord {
  method: string;
  params: Params;
  files: UploadedPart[];
  time: number;
  /** "dropped" = the connection was destroyed instead of answering. */
  outcome: "pending" | "ok" | "error" | "dropped";
  status: number | undefined;
  result: unknown;
  error: ApiErrorBody | undefined;
}

export interface FakeFile {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_path: string;
  file_name?: string;
  mime_type?: string;
}

export interface PostedMessage {
  /** Current state of the message (edits applied). */
  message: Message;
  /** API method that created it; undefined for service messages created as a side effect. */
  method: string | undefined;
  /** Parameters of that call as received (parse_mode, entities, disable_notification, …). */
  params: Params | undefined;
  service: boolean;
  deleted: boolean;
  time: number;
}

export interface TopicInfo {
  id: number;
  name: string;
  icon_color: number;
  icon_custom_emoji_id: string | undefined;
  closed: boolean;
  deleted: boolean;
  createdByBot: boolean;
}

export interface ReactionRecord {
  chatId: number;
  messageId: number;
  reaction: ReactionType[];
  isBig: boolean;
  time: number;
}

export type BotAdminRights = Omit<
  ChatMemberAdministrator,
  "status" | "user" | "can_be_edited" | "is_anonymous" | "custom_title"
>;

export interface StaffMessageOptions {
  /** Defaults to the staff chat. */
  chatId?: number;
  /** Topic to post into; omitted = General. */
  threadId?: number;
  replyTo?: Message | number;
  from?: User;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  captionEntities?: MessageEntity[];
  photo?: FakeFile | string;
  document?: FakeFile | string;
  sticker?: FakeFile | string | true;
  voice?: FakeFile | string;
  poll?: { question: string; options: string[] };
  mediaGroupId?: string;
}

export type UpdateInput = Omit<Update, "update_id"> & { update_id?: number };

export interface FailSpec {
  error_code: number;
  description: string;
  parameters?: ResponseParameters;
  times?: number;
}

export type FileKind = "photo" | "document" | "video" | "audio" | "voice" | "sticker" | "animation";

interface StoredFile {
  file_id: string;
  file_unique_id: string;
  bytes: Buffer;
  file_path: string;
  kind: FileKind;
  file_name: string | undefined;
  mime_type: string | undefined;
  width: number | undefined;
  height: number | undefined;
  photoSizes: PhotoSize[] | undefined;
}

interface StoredMessage {
  message: Message;
  byBot: boolean;
  service: boolean;
  deleted: boolean;
  method: string | undefined;
  params: Params | undefined;
  time: number;
}

interface TopicState {
  id: number;
  name: string;
  icon_color: number;
  icon_custom_emoji_id: string | undefined;
  closed: boolean;
  deleted: boolean;
  createdByBot: boolean;
}

interface ChatState {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  topics: Map<number, TopicState>;
  postTimes: number[];
  botLeft: boolean;
  /** A human removed (banned) the bot: every call for the chat is refused until it is added back. */
  botKicked: boolean;
  blocked: boolean;
  botRights: BotAdminRights | null;
  members: Map<number, ChatMember>;
  pinned: number[];
}

interface HandlerContext {
  method: string;
  files: UploadedPart[];
  res: ServerResponse;
}

type Handler = (params: Params, ctx: HandlerContext) => unknown;

type OutcomeFault =
  | { type: "error"; error: ApiError; times: number }
  | { type: "drop"; after: boolean; times: number };

interface PollWaiter {
  limit: number;
  finish: (result: Update[] | ApiError) => void;
}

/** Where a bot's message goes: a forum topic, and the message it replies to. */
interface PostTarget {
  topic: TopicState | undefined;
  replyTo: Message | undefined;
}

interface PostOptions {
  from: User;
  byBot: boolean;
  service?: boolean;
  topic?: TopicState | undefined;
  replyTo?: Message | undefined;
  /** The message opens its own thread (forum_topic_created). */
  opensThread?: boolean;
  content: Record<string, unknown>;
  method?: string | undefined;
  params?: Params | undefined;
}

interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

class ApiError extends Error {
  readonly error_code: number;
  readonly description: string;
  readonly parameters: ResponseParameters | undefined;

  constructor(errorCode: number, description: string, parameters?: ResponseParameters) {
    super(description);
    this.error_code = errorCode;
    this.description = description;
    this.parameters = parameters;
  }

  toBody(): ApiErrorBody {
    const body: ApiErrorBody = {
      ok: false,
      error_code: this.error_code,
      description: this.description,
    };
    if (this.parameters) body.parameters = this.parameters;
    return body;
  }
}

function badRequest(description: string): ApiError {
  return new ApiError(400, `Bad Request: ${description}`);
}

/** What Telegram answers a bot removed from a group for any call about that group. */
function kickedError(chat: ChatState): ApiError {
  const kind = chat.chat.type === "supergroup" ? "supergroup" : "group";
  return new ApiError(403, `Forbidden: bot was kicked from the ${kind} chat`);
}

const FULL_ADMIN_RIGHTS: BotAdminRights = {
  can_manage_chat: true,
  can_delete_messages: true,
  can_manage_video_chats: true,
  can_restrict_members: true,
  can_promote_members: false,
  can_change_info: true,
  can_invite_users: true,
  can_post_stories: false,
  can_edit_stories: false,
  can_delete_stories: false,
  can_pin_messages: true,
  can_manage_topics: true,
  can_send_welcome_messages: false,
};

export class FakeTelegram {
  readonly token: string;
  readonly staffChatId: number;
  readonly botUser: User & { is_bot: true; username: string };
  /** Default sender of staffSends & co. */
  readonly staffUser: User = {
    id: 7000001,
    is_bot: false,
    first_name: "Anna",
    last_name: "Staff",
    username: "anna_staff",
    language_code: "ru",
  };
  /** Owner of the staff chat (getChatAdministrators). */
  readonly ownerUser: User = { id: 7000000, is_bot: false, first_name: "Owner" };

  groupMessagesPerMinute: number | undefined;
  windowMs: number;
  closedTopicsRejectBot: boolean;
  strictImages: boolean;
  canReadAllGroupMessages = false;

  /** Every request, in arrival order, including rejected and dropped ones. */
  readonly calls: CallRecord[] = [];
  /** History of setMessageReaction calls that succeeded. */
  readonly reactions: ReactionRecord[] = [];
  /** Number of 429 responses sent (flood control and injected). */
  count429 = 0;
  /** Exceptions thrown by the fake itself (answered with 500); should stay empty. */
  readonly internalErrors: unknown[] = [];
  webhookUrl = "";

  private readonly clock: () => number;
  private server: Server | undefined;
  private baseUrl = "";
  private stopped = false;
  private readonly handlers = new Map<string, { name: string; fn: Handler }>();
  private readonly chats = new Map<number, ChatState>();
  private readonly files = new Map<string, StoredFile>();
  private readonly filesByPath = new Map<string, StoredFile>();
  private fileSeq = 0;
  private queue: Update[] = [];
  private nextUpdateId = 100_000_001;
  private allowedUpdates: Set<string> | null = null;
  private poller: PollWaiter | undefined;
  private wakeScheduled = false;
  private readonly outcomeFaults = new Map<string, OutcomeFault[]>();
  private readonly delayFaults = new Map<string, Array<{ ms: number; times: number }>>();
  private readonly pendingSleeps = new Set<() => void>();
  private readonly listeners = new Set<(call: CallRecord) => void>();
  private readonly commandSets = new Map<string, BotCommand[]>();
  private readonly openCallbackQueries = new Set<string>();

  constructor(options: FakeTelegramOptions) {
    this.token = options.token;
    this.staffChatId = options.staffChatId;
    const tokenId = /^(\d+):/.exec(options.token)?.[1];
    this.botUser = {
      id: options.botId ?? (tokenId ? Number(tokenId) : 100000001),
      is_bot: true,
      first_name: options.botFirstName ?? "Bridge Bot",
      username: options.botUsername ?? "bridge_test_bot",
    };
    this.groupMessagesPerMinute = options.groupMessagesPerMinute;
    this.windowMs = options.windowMs ?? 60_000;
    this.closedTopicsRejectBot = options.closedTopicsRejectBot ?? true;
    this.strictImages = options.strictImages ?? false;
    this.clock = options.now ?? Date.now;
    const staff = this.addChat({
      id: options.staffChatId,
      type: "supergroup",
      title: options.staffChatTitle ?? "Marketplace support",
      is_forum: true,
    });
    staff.botRights = { ...FULL_ADMIN_RIGHTS };
    staff.members.set(this.ownerUser.id, {
      status: "creator",
      user: this.ownerUser,
      is_anonymous: false,
    });
    this.registerHandlers();
  }

  // ---------------------------------------------------------------- lifecycle

  /** "http://127.0.0.1:PORT", usable as grammY `client.apiRoot`. */
  get url(): string {
    if (!this.baseUrl) throw new Error("FakeTelegram: call start() first");
    return this.baseUrl;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.internalErrors.push(error);
        if (!res.headersSent && !res.destroyed) {
          sendJson(res, 500, { ok: false, error_code: 500, description: "Internal Server Error" });
        }
      });
    });
    // grammY keeps connections alive; a server-side idle close racing a reused socket would
    // surface as a random network error in tests, so idle sockets live until stop().
    server.keepAliveTimeout = 10 * 60_000;
    server.headersTimeout = 10 * 60_000 + 1000;
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  /** Ends pending long polls (answering them with no updates) and closes every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server || this.stopped) return;
    this.stopped = true;
    this.poller?.finish([]);
    for (const wake of [...this.pendingSleeps]) wake();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Give the just-answered long poll a moment to flush before its socket is torn down.
    await new Promise((resolve) => setTimeout(resolve, 10));
    server.closeAllConnections();
    await closed;
  }

  // ---------------------------------------------------------------- fault injection

  /** The next `times` (default 1) calls of `method` fail with this body and HTTP status. */
  failNext(method: string, spec: FailSpec): void {
    const error = new ApiError(spec.error_code, spec.description, spec.parameters);
    this.pushFault(method, { type: "error", error, times: spec.times ?? 1 });
  }

  /** The next `times` (default 1) calls of `method` wait `ms` before being processed. */
  delayNext(method: string, ms: number, options: { times?: number } = {}): void {
    const key = method.toLowerCase();
    const list = this.delayFaults.get(key) ?? [];
    list.push({ ms, times: options.times ?? 1 });
    this.delayFaults.set(key, list);
  }

  /**
   * The next `times` calls of `method` end with a destroyed connection (a network error for the
   * client). With `after: true` the call is executed first — the message is posted but the bot
   * never learns it, which is what a lost response looks like.
   * Use `DOWNLOAD_ROUTE` for file downloads; "getUpdates" works too.
   */
  dropNext(method: string, options: { times?: number; after?: boolean } = {}): void {
    this.pushFault(method, {
      type: "drop",
      after: options.after ?? false,
      times: options.times ?? 1,
    });
  }

  clearFaults(): void {
    this.outcomeFaults.clear();
    this.delayFaults.clear();
  }

  // ---------------------------------------------------------------- test-side actors

  /** Registers a file as if some user had uploaded it to Telegram. */
  addFile(
    bytes: Uint8Array | string,
    options: { name?: string; mime?: string; kind?: FileKind } = {},
  ): FakeFile {
    const stored = this.storeFile(
      Buffer.from(typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes),
      options.name,
      options.kind ?? "document",
      options.mime,
    );
    return publicFile(stored);
  }

  /** Bytes of a stored file, as getFile + download would return them. */
  fileBytes(fileId: string): Buffer | undefined {
    return this.files.get(fileId)?.bytes;
  }

  /**
   * A staff member posts in the staff chat (or another known chat); delivered as a `message`
   * update shaped like Telegram's: in a topic it carries message_thread_id, is_topic_message and
   * reply_to_message = the topic's creation message; in General it carries none of them unless it
   * is a reply, in which case message_thread_id is the replied thread root without is_topic_message.
   */
  staffSends(options: StaffMessageOptions): Message {
    const chat = this.requireKnownChat(options.chatId ?? this.staffChatId);
    const from = options.from ?? this.staffUser;
    let topic: TopicState | undefined;
    if (options.threadId !== undefined) {
      topic = chat.topics.get(options.threadId);
      if (!topic || topic.deleted) {
        throw new Error(`FakeTelegram.staffSends: no topic ${options.threadId} in ${chat.chat.id}`);
      }
    }
    let replyTo: Message | undefined;
    if (options.replyTo !== undefined) {
      const id = typeof options.replyTo === "number" ? options.replyTo : options.replyTo.message_id;
      const stored = chat.messages.get(id);
      if (!stored || stored.deleted) {
        throw new Error(`FakeTelegram.staffSends: no message ${id} to reply to`);
      }
      replyTo = stored.message;
      if (replyTo.is_topic_message && replyTo.message_thread_id !== undefined) {
        if (topic && topic.id !== replyTo.message_thread_id) {
          throw new Error("FakeTelegram.staffSends: replyTo is in another topic");
        }
        topic = chat.topics.get(replyTo.message_thread_id);
      }
    }
    const content = this.humanContent(options);
    const stored = this.post(chat, { from, byBot: false, topic, replyTo, content });
    this.rememberMember(chat, from);
    // A bot removed from the group gets nothing of what is written there.
    if (!chat.botKicked) this.emit("message", stored.message);
    return stored.message;
  }

  /** A staff member edits a message; delivered as an `edited_message` update. */
  staffEdits(message: Message, newText: string): Message {
    const chat = this.requireKnownChat(message.chat.id);
    const stored = chat.messages.get(message.message_id);
    if (!stored || stored.deleted) throw new Error("FakeTelegram.staffEdits: unknown message");
    const next: Record<string, unknown> = { ...stored.message, edit_date: this.unixNow() };
    if (typeof next.text === "string") {
      next.text = newText;
      delete next.entities;
    } else {
      next.caption = newText;
      delete next.caption_entities;
    }
    stored.message = next as unknown as Message;
    this.emit("edited_message", stored.message);
    return stored.message;
  }

  /** A staff member presses an inline button under `message`. */
  staffClicks(message: Message, data: string, from: User = this.staffUser): CallbackQuery {
    const query: CallbackQuery = {
      id: randomNumericId(),
      from,
      message,
      chat_instance: String(-Math.abs(message.chat.id) * 7),
      data,
    };
    this.openCallbackQueries.add(query.id);
    this.pushUpdate({ callback_query: query });
    return query;
  }

  /** Some user writes to the bot in private; the private chat becomes known. */
  userSendsPrivate(
    options: Omit<StaffMessageOptions, "chatId" | "threadId"> & { from?: User } = {},
  ): Message {
    const from = options.from ?? {
      id: 5000001,
      is_bot: false,
      first_name: "Ivan",
      username: "ivan_private",
    };
    if (!this.chats.has(from.id)) {
      const chat: Record<string, unknown> = {
        id: from.id,
        type: "private",
        first_name: from.first_name,
      };
      if (from.last_name) chat.last_name = from.last_name;
      if (from.username) chat.username = from.username;
      this.addChat(chat as unknown as Chat);
    }
    const chat = this.requireKnownChat(from.id);
    chat.blocked = false;
    const stored = this.post(chat, { from, byBot: false, content: this.humanContent(options) });
    this.emit("message", stored.message);
    return stored.message;
  }

  /** A message in some other group the bot was added to (not the staff chat). */
  otherGroupSends(
    options: Omit<StaffMessageOptions, "chatId" | "threadId"> & {
      chatId?: number;
      title?: string;
      type?: "group" | "supergroup";
    } = {},
  ): Message {
    const chatId = options.chatId ?? -1009999999999;
    if (!this.chats.has(chatId)) {
      this.addChat({
        id: chatId,
        type: options.type ?? "supergroup",
        title: options.title ?? "Some other group",
      } as Chat);
    }
    const { chatId: _chatId, title: _title, type: _type, ...rest } = options;
    return this.staffSends({ ...rest, chatId, from: options.from ?? this.staffUser });
  }

  /** A human creates a topic in the staff chat (delivered as a forum_topic_created message). */
  createTopicByHuman(
    name: string,
    options: { chatId?: number; from?: User; iconColor?: number } = {},
  ): { topic: ForumTopic; message: Message } {
    const chat = this.requireKnownChat(options.chatId ?? this.staffChatId);
    const from = options.from ?? this.staffUser;
    const { topic, message } = this.openTopic(
      chat,
      from,
      name,
      options.iconColor,
      undefined,
      false,
    );
    this.emit("message", message);
    return { topic, message };
  }

  /** A human deletes a topic. Telegram sends no update for this; sends into it start failing. */
  deleteTopicByHuman(threadId: number, chatId: number = this.staffChatId): void {
    const chat = this.requireKnownChat(chatId);
    const topic = chat.topics.get(threadId);
    if (!topic || topic.deleted) throw new Error(`FakeTelegram: no topic ${threadId}`);
    this.removeTopic(chat, topic);
  }

  /** A human closes a topic (delivered as a forum_topic_closed service message). */
  closeTopicByHuman(threadId: number, options: { chatId?: number; from?: User } = {}): Message {
    return this.humanTopicToggle(threadId, true, options);
  }

  reopenTopicByHuman(threadId: number, options: { chatId?: number; from?: User } = {}): Message {
    return this.humanTopicToggle(threadId, false, options);
  }

  /** Subsequent sends to this private chat fail with 403 "bot was blocked by the user". */
  userBlocksBot(userId: number): void {
    this.requireKnownChat(userId).blocked = true;
  }

  /**
   * Changes the bot's status in a group: rights object (merged over full admin rights) or
   * `false` for a plain member.
   */
  setBotAdmin(rights: Partial<BotAdminRights> | false, chatId: number = this.staffChatId): void {
    const chat = this.requireKnownChat(chatId);
    chat.botRights = rights === false ? null : { ...FULL_ADMIN_RIGHTS, ...rights };
  }

  /**
   * A human removes the bot from the group ("Remove from group", which bans it). The bot gets a
   * my_chat_member update (status "kicked"); the group gets a left_chat_member service message the
   * bot never sees. From then on every call for the chat fails with 403 "Forbidden: bot was
   * kicked from the supergroup chat" until a human adds the bot back.
   */
  removeBotByHuman(options: { chatId?: number; from?: User } = {}): void {
    const chat = this.requireKnownChat(options.chatId ?? this.staffChatId);
    if (chat.chat.type === "private") throw new Error("FakeTelegram: not a group");
    const from = options.from ?? this.ownerUser;
    const old = this.botMember(chat);
    chat.botKicked = true;
    chat.botRights = null;
    this.post(chat, {
      from,
      byBot: false,
      service: true,
      content: { left_chat_member: this.botUser },
    });
    this.botMemberChanged(chat, from, old);
  }

  /**
   * A human adds the bot (back) to the group, as an administrator with `rights` merged over full
   * admin rights, or as a plain member with `false`. Adding lifts a ban. The bot gets a
   * my_chat_member update and the new_chat_members service message.
   */
  addBotByHuman(
    rights: Partial<BotAdminRights> | false = {},
    options: { chatId?: number; from?: User } = {},
  ): void {
    const chat = this.requireKnownChat(options.chatId ?? this.staffChatId);
    if (chat.chat.type === "private") throw new Error("FakeTelegram: not a group");
    const from = options.from ?? this.ownerUser;
    const old = this.botMember(chat);
    chat.botKicked = false;
    chat.botLeft = false;
    chat.botRights = rights === false ? null : { ...FULL_ADMIN_RIGHTS, ...rights };
    this.botMemberChanged(chat, from, old);
    const stored = this.post(chat, {
      from,
      byBot: false,
      service: true,
      content: { new_chat_members: [this.botUser] },
    });
    this.emit("message", stored.message);
  }

  /** Overrides what getChatMember returns for a user. */
  setChatMember(chatId: number, member: ChatMember): void {
    this.requireKnownChat(chatId).members.set(member.user.id, member);
  }

  /**
   * Queues a raw update. Returns it with its update_id, or undefined when the current
   * allowed_updates setting means Telegram would never have created it.
   */
  pushUpdate(input: UpdateInput): Update | undefined {
    const updateId = input.update_id ?? this.nextUpdateId;
    this.nextUpdateId = Math.max(this.nextUpdateId, updateId + 1);
    const update = { ...input, update_id: updateId } as Update;
    const type = Object.keys(update).find((key) => key !== "update_id");
    if (type !== undefined && !this.isAllowedUpdate(type)) return undefined;
    this.queue.push(update);
    this.scheduleWake();
    return update;
  }

  private emit(kind: "message" | "edited_message", message: Message): void {
    // grammY's Update type narrows message chats to non-channel ones; ours never are channels.
    this.pushUpdate({ [kind]: message } as UpdateInput);
  }

  // ---------------------------------------------------------------- inspection

  /**
   * Messages the bot posted into a chat, in order, service messages included (flagged).
   * `threadId` narrows to one topic; "general" to messages outside any topic.
   */
  messagesIn(chatId: number, threadId?: number | "general"): PostedMessage[] {
    const chat = this.chats.get(chatId);
    if (!chat) return [];
    const result: PostedMessage[] = [];
    for (const stored of chat.messages.values()) {
      if (!stored.byBot || !inThread(stored.message, threadId)) continue;
      result.push({
        message: stored.message,
        method: stored.method,
        params: stored.params,
        service: stored.service,
        deleted: stored.deleted,
        time: stored.time,
      });
    }
    return result;
  }

  /** Texts (or captions) of the bot's non-service, non-deleted messages. */
  textsIn(chatId: number, threadId?: number | "general"): string[] {
    return this.messagesIn(chatId, threadId)
      .filter((posted) => !posted.service && !posted.deleted)
      .map((posted) => posted.message.text ?? posted.message.caption ?? "");
  }

  /** Any stored message (bot's or humans'), current state. */
  message(chatId: number, messageId: number): Message | undefined {
    return this.chats.get(chatId)?.messages.get(messageId)?.message;
  }

  topics(chatId: number = this.staffChatId): TopicInfo[] {
    const chat = this.chats.get(chatId);
    return chat ? [...chat.topics.values()].map((topic) => ({ ...topic })) : [];
  }

  topic(threadId: number, chatId: number = this.staffChatId): TopicInfo | undefined {
    const topic = this.chats.get(chatId)?.topics.get(threadId);
    return topic ? { ...topic } : undefined;
  }

  pinnedIn(chatId: number = this.staffChatId): number[] {
    return [...(this.chats.get(chatId)?.pinned ?? [])];
  }

  /** Updates queued and not yet confirmed by the bot. */
  get pendingUpdates(): Update[] {
    return [...this.queue];
  }

  commands(scope: unknown = { type: "default" }, languageCode = ""): BotCommand[] {
    return [...(this.commandSets.get(commandKey(scope, languageCode)) ?? [])];
  }

  callsOf(method: string): CallRecord[] {
    const key = method.toLowerCase();
    return this.calls.filter((call) => call.method.toLowerCase() === key);
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  /** Called once per request when its answer is decided. Returns an unsubscribe function. */
  onCall(listener: (call: CallRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first finished call (already made or future) matching method+predicate. */
  waitForCall(
    method: string,
    predicate: (call: CallRecord) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<CallRecord> {
    const key = method.toLowerCase();
    const matches = (call: CallRecord) =>
      call.outcome !== "pending" && call.method.toLowerCase() === key && predicate(call);
    const existing = this.calls.find(matches);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`FakeTelegram.waitForCall: no ${method} call within ${timeoutMs} ms`));
      }, timeoutMs);
      const unsubscribe = this.onCall((call) => {
        if (!matches(call)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(call);
      });
    });
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch {
      res.setHeader("connection", "close");
      sendJson(res, 413, { ok: false, error_code: 413, description: "Request Entity Too Large" });
      return;
    }
    if (url.pathname.startsWith("/file/")) {
      await this.handleDownload(req, res, url.pathname);
      return;
    }
    const route = /^\/bot([^/]*)\/([^/]*)$/.exec(url.pathname);
    const record = this.openCall(route?.[2] ?? url.pathname, {});
    if (!route) {
      this.finish(res, record, new ApiError(404, "Not Found"));
      return;
    }
    const [, rawToken = "", rawMethod = ""] = route;
    try {
      const parsed = parseRequest(req, body, url);
      record.params = parsed.params;
      record.files = parsed.files;
    } catch (error) {
      this.finish(
        res,
        record,
        error instanceof ApiError ? error : badRequest("can't parse request"),
      );
      return;
    }
    if (safeDecode(rawToken) !== this.token) {
      this.finish(res, record, new ApiError(401, "Unauthorized"));
      return;
    }
    const key = rawMethod.toLowerCase();
    const handler = this.handlers.get(key);
    if (handler) record.method = handler.name;
    await this.applyDelay(key);
    if (this.stopped) {
      this.drop(req, res, record);
      return;
    }
    const fault = this.takeFault(key);
    if (fault?.type === "drop" && !fault.after) {
      this.drop(req, res, record);
      return;
    }
    if (fault?.type === "error") {
      this.finish(res, record, fault.error);
      return;
    }
    if (!handler) {
      this.finish(res, record, new ApiError(404, "Not Found"));
      return;
    }
    let outcome: unknown;
    try {
      outcome = await handler.fn(record.params, {
        method: handler.name,
        files: record.files,
        res,
      });
    } catch (error) {
      if (error instanceof ApiError) {
        outcome = error;
      } else {
        this.internalErrors.push(error);
        const message = error instanceof Error ? error.message : String(error);
        outcome = new ApiError(500, `Internal Server Error: FakeTelegram bug: ${message}`);
      }
    }
    if (fault?.type === "drop") {
      this.drop(req, res, record);
      return;
    }
    this.finish(res, record, outcome);
  }

  private async handleDownload(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
  ): Promise<void> {
    const route = /^\/file\/bot([^/]*)\/(.+)$/.exec(pathname);
    const filePath = safeDecode(route?.[2] ?? "");
    const record = this.openCall(DOWNLOAD_ROUTE, { file_path: filePath });
    await this.applyDelay(DOWNLOAD_ROUTE);
    const fault = this.takeFault(DOWNLOAD_ROUTE);
    if (this.stopped || fault?.type === "drop") {
      this.drop(req, res, record);
      return;
    }
    if (fault?.type === "error") {
      this.finish(res, record, fault.error);
      return;
    }
    const file = this.filesByPath.get(filePath);
    if (!route || safeDecode(route[1] ?? "") !== this.token || !file) {
      this.finish(res, record, new ApiError(404, "Not Found"));
      return;
    }
    record.outcome = "ok";
    record.status = 200;
    record.result = { file_path: filePath, size: file.bytes.length };
    res.writeHead(200, {
      "content-type": file.mime_type ?? "application/octet-stream",
      "content-length": file.bytes.length,
    });
    res.end(file.bytes);
    this.notify(record);
  }

  /** Records a call as pending in `calls`; finish() or drop() settles it. */
  private openCall(method: string, params: Params): CallRecord {
    const record: CallRecord = {
      method,
      params,
      files: [],
      time: this.clock(),
      outcome: "pending",
      status: undefined,
      result: undefined,
      error: undefined,
    };
    this.calls.push(record);
    return record;
  }

  private finish(res: ServerResponse, record: CallRecord, outcome: unknown): void {
    if (outcome instanceof ApiError) {
      const body = outcome.toBody();
      record.outcome = "error";
      record.status = outcome.error_code;
      record.error = body;
      if (outcome.error_code === 429) this.count429++;
      sendJson(res, outcome.error_code, body);
    } else {
      record.outcome = "ok";
      record.status = 200;
      record.result = outcome;
      sendJson(res, 200, { ok: true, result: outcome });
    }
    this.notify(record);
  }

  private drop(req: IncomingMessage, res: ServerResponse, record: CallRecord): void {
    record.outcome = "dropped";
    req.socket.destroy();
    res.destroy();
    this.notify(record);
  }

  private notify(record: CallRecord): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(record);
      } catch (error) {
        this.internalErrors.push(error);
      }
    }
  }

  private pushFault(method: string, fault: OutcomeFault): void {
    const key = method.toLowerCase();
    const list = this.outcomeFaults.get(key) ?? [];
    list.push(fault);
    this.outcomeFaults.set(key, list);
  }

  private takeFault(key: string): OutcomeFault | undefined {
    const list = this.outcomeFaults.get(key);
    const fault = list?.[0];
    if (!list || !fault) return undefined;
    fault.times--;
    if (fault.times <= 0) list.shift();
    return fault;
  }

  private async applyDelay(key: string): Promise<void> {
    const list = this.delayFaults.get(key);
    const delay = list?.[0];
    if (!list || !delay) return;
    delay.times--;
    if (delay.times <= 0) list.shift();
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.pendingSleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, delay.ms);
      this.pendingSleeps.add(wake);
    });
  }

  // ---------------------------------------------------------------- method table

  private registerHandlers(): void {
    const on = (name: string, fn: Handler) => this.handlers.set(name.toLowerCase(), { name, fn });
    on("getMe", () => this.getMe());
    on("logOut", () => true);
    on("close", () => true);
    on("getUpdates", (p, ctx) => this.getUpdates(p, ctx));
    on("setWebhook", (p) => this.setWebhook(p));
    on("deleteWebhook", (p) => this.deleteWebhook(p));
    on("getWebhookInfo", () => ({
      url: this.webhookUrl,
      has_custom_certificate: false,
      pending_update_count: this.queue.length,
    }));
    on("getChat", (p) => this.getChat(p));
    on("getChatMember", (p) => this.getChatMember(p));
    on("getChatAdministrators", (p) => this.getChatAdministrators(p));
    on("getChatMemberCount", (p) => this.requireChat(p).members.size + 1);
    on("leaveChat", (p) => this.leaveChat(p));
    on("sendMessage", (p, ctx) => this.sendMessage(p, ctx));
    on("sendPhoto", (p, ctx) => this.sendMedia(p, ctx, "photo", "photo"));
    on("sendDocument", (p, ctx) => this.sendMedia(p, ctx, "document", "document"));
    on("sendVideo", (p, ctx) => this.sendMedia(p, ctx, "video", "video"));
    on("sendAudio", (p, ctx) => this.sendMedia(p, ctx, "audio", "audio"));
    on("sendVoice", (p, ctx) => this.sendMedia(p, ctx, "voice", "voice"));
    on("sendMediaGroup", (p, ctx) => this.sendMediaGroup(p, ctx));
    on("copyMessage", (p, ctx) => this.copyMessage(p, ctx));
    on("editMessageText", (p) => this.editMessageText(p));
    on("editMessageCaption", (p) => this.editMessageCaption(p));
    on("deleteMessage", (p) => this.deleteMessages(p, [reqInt(p, "message_id")], true));
    // Documented: messages that can't be found or deleted are skipped.
    on("deleteMessages", (p) => this.deleteMessages(p, intArray(p, "message_ids"), false));
    on("setMessageReaction", (p) => this.setMessageReaction(p));
    on("pinChatMessage", (p) => this.pinChatMessage(p));
    on("unpinChatMessage", (p) => this.unpinChatMessage(p));
    on("unpinAllChatMessages", (p) => {
      this.requireChat(p).pinned.length = 0;
      return true;
    });
    on("createForumTopic", (p, ctx) => this.createForumTopic(p, ctx));
    on("editForumTopic", (p) => this.editForumTopic(p));
    on("closeForumTopic", (p) => this.toggleForumTopic(p, true));
    on("reopenForumTopic", (p) => this.toggleForumTopic(p, false));
    on("deleteForumTopic", (p) => this.deleteForumTopic(p));
    on("getForumTopicIconStickers", () => []);
    on("getFile", (p) => this.getFile(p));
    on("setMyCommands", (p) => this.setMyCommands(p));
    on("getMyCommands", (p) =>
      this.commands(
        optJson(p, "scope") ?? { type: "default" },
        optString(p, "language_code") ?? "",
      ),
    );
    on("deleteMyCommands", (p) => {
      this.commandSets.delete(
        commandKey(optJson(p, "scope") ?? { type: "default" }, optString(p, "language_code") ?? ""),
      );
      return true;
    });
    on("answerCallbackQuery", (p) => this.answerCallbackQuery(p));
    on("sendChatAction", (p) => this.sendChatAction(p));
  }

  // ---------------------------------------------------------------- updates

  private getMe(): UserFromGetMe {
    return {
      ...this.botUser,
      can_join_groups: true,
      can_read_all_group_messages: this.canReadAllGroupMessages,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
  }

  private getUpdates(p: Params, ctx: HandlerContext): Update[] | Promise<Update[]> {
    if (this.webhookUrl) {
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = optInt(p, "offset");
    const requestedLimit = optInt(p, "limit") ?? 0;
    const limit = requestedLimit > 0 ? Math.min(requestedLimit, 100) : 100;
    const timeout = Math.max(0, optInt(p, "timeout") ?? 0);
    const allowed = optJson<unknown>(p, "allowed_updates");
    if (Array.isArray(allowed)) {
      this.allowedUpdates = allowed.length > 0 ? new Set(allowed.map(String)) : null;
    }
    if (offset !== undefined && offset > 0) {
      this.queue = this.queue.filter((update) => update.update_id >= offset);
    } else if (offset !== undefined && offset < 0) {
      this.queue = this.queue.slice(offset);
    }
    // Telegram lets only one getUpdates run at a time and cancels the older one.
    this.poller?.finish(
      new ApiError(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
      ),
    );
    const ready = this.queue.slice(0, limit);
    if (ready.length > 0 || timeout === 0 || this.stopped) return ready;
    return new Promise<Update[]>((resolve, reject) => {
      let settled = false;
      const waiter: PollWaiter = {
        limit,
        finish: (result) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (this.poller === waiter) this.poller = undefined;
          if (result instanceof ApiError) reject(result);
          else resolve(result);
        },
      };
      const timer = setTimeout(() => waiter.finish(this.queue.slice(0, limit)), timeout * 1000);
      ctx.res.once("close", () => waiter.finish([]));
      this.poller = waiter;
    });
  }

  private scheduleWake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    // Deferred so that updates pushed in one tick (an album, a burst) arrive in one batch.
    setImmediate(() => {
      this.wakeScheduled = false;
      const poller = this.poller;
      if (poller && this.queue.length > 0) poller.finish(this.queue.slice(0, poller.limit));
    });
  }

  private isAllowedUpdate(type: string): boolean {
    return this.allowedUpdates
      ? this.allowedUpdates.has(type)
      : !DEFAULT_EXCLUDED_UPDATES.has(type);
  }

  private setWebhook(p: Params): true {
    const url = optString(p, "url") ?? "";
    this.webhookUrl = url;
    if (optBool(p, "drop_pending_updates")) this.queue = [];
    return true;
  }

  private deleteWebhook(p: Params): true {
    this.webhookUrl = "";
    if (optBool(p, "drop_pending_updates")) this.queue = [];
    return true;
  }

  // ---------------------------------------------------------------- chats

  private addChat(chat: Chat): ChatState {
    const state: ChatState = {
      chat,
      // In groups message 1 is the creation service message, and in forums thread id 1 names
      // General (which cannot be addressed by id), so a created topic never gets id 1.
      nextMessageId: chat.type === "private" ? 1 : 2,
      messages: new Map(),
      topics: new Map(),
      postTimes: [],
      botLeft: false,
      botKicked: false,
      blocked: false,
      botRights: null,
      members: new Map(),
      pinned: [],
    };
    this.chats.set(chat.id, state);
    return state;
  }

  private requireKnownChat(chatId: number): ChatState {
    const chat = this.chats.get(chatId);
    if (!chat) throw new Error(`FakeTelegram: unknown chat ${chatId}`);
    return chat;
  }

  private lookupChat(raw: unknown): ChatState {
    if (raw === undefined || raw === null || raw === "") throw badRequest("chat_id is empty");
    if (typeof raw === "string" && raw.startsWith("@")) {
      const username = raw.slice(1).toLowerCase();
      for (const chat of this.chats.values()) {
        if (chat.chat.username?.toLowerCase() === username) return chat;
      }
      throw badRequest("chat not found");
    }
    const id =
      typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw.trim()) : Number.NaN;
    const chat = Number.isInteger(id) ? this.chats.get(id) : undefined;
    if (!chat) throw badRequest("chat not found");
    return chat;
  }

  /** A chat the bot can act in (it has not left it, is not blocked or kicked there). */
  private requireChat(p: Params, key = "chat_id"): ChatState {
    const chat = this.lookupChat(p[key]);
    if (chat.botKicked) throw kickedError(chat);
    if (chat.botLeft) {
      const kind = chat.chat.type === "supergroup" ? "supergroup" : "group";
      throw new ApiError(403, `Forbidden: bot is not a member of the ${kind} chat`);
    }
    if (chat.blocked) throw new ApiError(403, "Forbidden: bot was blocked by the user");
    return chat;
  }

  private getChat(p: Params): Record<string, unknown> {
    const chat = this.requireChat(p);
    const info: Record<string, unknown> = {
      ...chat.chat,
      accent_color_id: 0,
      max_reaction_count: 11,
      accepted_gift_types: {
        unlimited_gifts: false,
        limited_gifts: false,
        unique_gifts: false,
        premium_subscription: false,
        gifts_from_channels: false,
      },
    };
    const pinnedId = chat.pinned.at(-1);
    const pinned = pinnedId === undefined ? undefined : chat.messages.get(pinnedId);
    if (pinned && !pinned.deleted) info.pinned_message = withoutReply(pinned.message);
    return info;
  }

  /** The my_chat_member update a change of the bot's membership brings. */
  private botMemberChanged(chat: ChatState, from: User, old: ChatMember): void {
    this.pushUpdate({
      my_chat_member: {
        chat: chat.chat,
        from,
        date: this.unixNow(),
        old_chat_member: old,
        new_chat_member: this.botMember(chat),
      },
    } as UpdateInput);
  }

  private botMember(chat: ChatState): ChatMember {
    if (chat.botKicked) return { status: "kicked", user: this.botUser, until_date: 0 };
    if (chat.botLeft) return { status: "left", user: this.botUser };
    if (chat.botRights) {
      return {
        status: "administrator",
        user: this.botUser,
        can_be_edited: false,
        is_anonymous: false,
        ...chat.botRights,
      };
    }
    return { status: "member", user: this.botUser };
  }

  private getChatMember(p: Params): ChatMember {
    const chat = this.lookupChat(p.chat_id);
    const userId = reqInt(p, "user_id");
    if (userId === this.botUser.id) return this.botMember(chat);
    if (chat.botKicked) throw kickedError(chat);
    if (chat.botLeft)
      throw new ApiError(403, "Forbidden: bot is not a member of the supergroup chat");
    const member = chat.members.get(userId);
    if (member) return member;
    return {
      status: "left",
      user: { id: userId, is_bot: false, first_name: `User ${userId}` },
    };
  }

  private getChatAdministrators(p: Params): ChatMember[] {
    const chat = this.requireChat(p);
    if (chat.chat.type === "private") {
      throw badRequest("there are no administrators in the private chat");
    }
    const admins: ChatMember[] = [...chat.members.values()].filter(
      (member) => member.status === "creator" || member.status === "administrator",
    );
    if (chat.botRights) admins.push(this.botMember(chat));
    return admins;
  }

  private leaveChat(p: Params): true {
    const chat = this.requireChat(p);
    if (chat.chat.type === "private") {
      throw badRequest("chat member status can't be changed in private chats");
    }
    chat.botLeft = true;
    return true;
  }

  private rememberMember(chat: ChatState, user: User): void {
    if (chat.chat.type === "private" || chat.members.has(user.id)) return;
    chat.members.set(user.id, { status: "member", user });
  }

  // ---------------------------------------------------------------- sending

  private async sendMessage(p: Params, ctx: HandlerContext): Promise<Message> {
    const chat = this.requireChat(p);
    const formatted = formatText(
      optString(p, "text") ?? "",
      optString(p, "parse_mode"),
      optJson<MessageEntity[]>(p, "entities"),
    );
    if (formatted.text.length === 0) throw badRequest("message text is empty");
    if (formatted.text.length > MAX_TEXT_LENGTH) throw badRequest("message is too long");
    const target = this.resolveTarget(chat, p);
    this.consumeBudget(chat, 1);
    const content: Record<string, unknown> = { text: formatted.text };
    if (formatted.entities.length > 0) content.entities = formatted.entities;
    const preview = optJson<Record<string, unknown>>(p, "link_preview_options");
    if (preview) content.link_preview_options = preview;
    applyCommonOptions(content, p);
    return this.postAsBot(chat, target, content, ctx, p).message;
  }

  private async sendMedia(
    p: Params,
    ctx: HandlerContext,
    kind: FileKind,
    field: string,
  ): Promise<Message> {
    const chat = this.requireChat(p);
    const caption = captionOf(p);
    const target = this.resolveTarget(chat, p);
    const file = await this.resolveInputFile(p[field], field, ctx.files, kind);
    this.consumeBudget(chat, 1);
    const content: Record<string, unknown> = {
      ...this.mediaContent(kind, file),
      ...caption,
    };
    if (optBool(p, "has_spoiler")) content.has_media_spoiler = true;
    if (optBool(p, "show_caption_above_media")) content.show_caption_above_media = true;
    applyCommonOptions(content, p);
    return this.postAsBot(chat, target, content, ctx, p).message;
  }

  private async sendMediaGroup(p: Params, ctx: HandlerContext): Promise<Message[]> {
    const chat = this.requireChat(p);
    const media = optJson<unknown>(p, "media");
    if (media === undefined) throw badRequest('parameter "media" is required');
    if (!Array.isArray(media)) throw badRequest("can't parse media JSON object");
    if (media.length > 10) throw badRequest("too much messages to send as an album");
    // unverified wording; the documented rule is "must include 2-10 items"
    if (media.length < 2) throw badRequest("media group must include 2-10 items");
    const items = media.map((raw) => {
      if (typeof raw !== "object" || raw === null)
        throw badRequest("can't parse InputMedia JSON object");
      const item = raw as Params;
      const type = optString(item, "type");
      if (type !== "photo" && type !== "video" && type !== "document" && type !== "audio") {
        throw badRequest(`unsupported media type "${type ?? ""}" in the album`);
      }
      const kind: FileKind = type;
      return { item, type: kind, caption: captionOf(item) };
    });
    for (const exclusive of ["document", "audio"] as const) {
      if (items.some((i) => i.type === exclusive) && items.some((i) => i.type !== exclusive)) {
        throw badRequest(`${exclusive} can't be mixed with other media types`);
      }
    }
    const target = this.resolveTarget(chat, p);
    const files: StoredFile[] = [];
    for (const { item, type } of items) {
      files.push(await this.resolveInputFile(item.media, "media", ctx.files, type));
    }
    this.consumeBudget(chat, items.length);
    const mediaGroupId = randomNumericId();
    return items.map(({ item, type, caption }, index) => {
      const file = files[index];
      if (!file) throw new Error("file missing");
      const content: Record<string, unknown> = {
        media_group_id: mediaGroupId,
        ...this.mediaContent(type, file),
        ...caption,
      };
      if (optBool(item, "has_spoiler")) content.has_media_spoiler = true;
      if (optBool(p, "protect_content")) content.has_protected_content = true;
      return this.postAsBot(chat, target, content, ctx, p).message;
    });
  }

  private copyMessage(p: Params, ctx: HandlerContext): { message_id: number } {
    const chat = this.requireChat(p);
    const fromChat = this.lookupChat(p.from_chat_id);
    const source = fromChat.messages.get(reqInt(p, "message_id"));
    if (!source || source.deleted) throw badRequest("message to copy not found");
    if (source.service) throw badRequest("message can't be copied");
    const original = source.message as unknown as Record<string, unknown>;
    const content: Record<string, unknown> = {};
    for (const field of COPYABLE_FIELDS) {
      if (original[field] !== undefined) content[field] = original[field];
    }
    const hasMedia = content.text === undefined;
    if (hasMedia && (p.caption !== undefined || optBool(p, "remove_caption"))) {
      delete content.caption;
      delete content.caption_entities;
      if (!optBool(p, "remove_caption")) Object.assign(content, captionOf(p));
    }
    if (content.poll) {
      content.poll = { ...(content.poll as Poll), id: randomNumericId() };
    }
    const target = this.resolveTarget(chat, p);
    this.consumeBudget(chat, 1);
    applyCommonOptions(content, p);
    const stored = this.postAsBot(chat, target, content, ctx, p);
    return { message_id: stored.message.message_id };
  }

  private editMessageText(p: Params): Message {
    const stored = this.editableMessage(p);
    const current = stored.message;
    if (current.text === undefined) throw badRequest("there is no text in the message to edit");
    const formatted = formatText(
      optString(p, "text") ?? "",
      optString(p, "parse_mode"),
      optJson<MessageEntity[]>(p, "entities"),
    );
    if (formatted.text.length === 0) throw badRequest("message text is empty");
    if (formatted.text.length > MAX_TEXT_LENGTH) throw badRequest("message is too long");
    const markup = checkedMarkup(p);
    if (
      formatted.text === current.text &&
      JSON.stringify(formatted.entities) === JSON.stringify(current.entities ?? []) &&
      JSON.stringify(markup?.inline_keyboard ? markup : undefined) ===
        JSON.stringify(current.reply_markup)
    ) {
      throw badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    const next: Record<string, unknown> = {
      ...current,
      text: formatted.text,
      edit_date: this.unixNow(),
    };
    delete next.entities;
    delete next.reply_markup;
    if (formatted.entities.length > 0) next.entities = formatted.entities;
    if (markup?.inline_keyboard) next.reply_markup = markup;
    const preview = optJson<Record<string, unknown>>(p, "link_preview_options");
    if (preview) next.link_preview_options = preview;
    stored.message = next as unknown as Message;
    return stored.message;
  }

  private editMessageCaption(p: Params): Message {
    const stored = this.editableMessage(p);
    const current = stored.message;
    if (current.text !== undefined || stored.service) {
      throw badRequest("there is no caption in the message to edit");
    }
    const caption = captionOf(p);
    if (
      (caption.caption ?? "") === (current.caption ?? "") &&
      JSON.stringify(caption.caption_entities ?? []) ===
        JSON.stringify(current.caption_entities ?? [])
    ) {
      throw badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    const next: Record<string, unknown> = { ...current, edit_date: this.unixNow() };
    delete next.caption;
    delete next.caption_entities;
    Object.assign(next, caption);
    stored.message = next as unknown as Message;
    return stored.message;
  }

  private editableMessage(p: Params): StoredMessage {
    if (p.inline_message_id !== undefined) throw badRequest("message to edit not found");
    const chat = this.requireChat(p);
    const stored = chat.messages.get(reqInt(p, "message_id"));
    if (!stored || stored.deleted) throw badRequest("message to edit not found");
    if (!stored.byBot || stored.service) throw badRequest("message can't be edited");
    return stored;
  }

  private deleteMessages(p: Params, ids: number[], strict: boolean): true {
    const chat = this.requireChat(p);
    const targets: StoredMessage[] = [];
    for (const id of ids) {
      const stored = chat.messages.get(id);
      const isTopicRoot = stored?.message.forum_topic_created !== undefined;
      const mayDeleteOthers =
        chat.chat.type === "private" || chat.botRights?.can_delete_messages === true;
      let problem: string | undefined;
      if (!stored || stored.deleted) problem = "message to delete not found";
      else if (isTopicRoot || (!stored.byBot && !mayDeleteOthers)) {
        problem = "message can't be deleted";
      }
      if (problem && strict) throw badRequest(problem);
      if (stored && !problem) targets.push(stored);
    }
    for (const stored of targets) stored.deleted = true;
    return true;
  }

  private setMessageReaction(p: Params): true {
    const chat = this.requireChat(p);
    const messageId = reqInt(p, "message_id");
    const stored = chat.messages.get(messageId);
    // unverified wording
    if (!stored || stored.deleted) throw badRequest("message to react not found");
    const reaction = optJson<unknown>(p, "reaction") ?? [];
    if (!Array.isArray(reaction)) throw badRequest("can't parse reaction JSON object");
    for (const entry of reaction as ReactionType[]) {
      const valid =
        (entry?.type === "emoji" && REACTION_EMOJI.has(entry.emoji)) ||
        (entry?.type === "custom_emoji" && typeof entry.custom_emoji_id === "string");
      if (!valid) throw badRequest("REACTION_INVALID");
    }
    // Bots, like non-premium users, may set at most one reaction per message.
    if (reaction.length > 1) throw badRequest("REACTIONS_TOO_MANY");
    this.reactions.push({
      chatId: chat.chat.id,
      messageId,
      reaction: reaction as ReactionType[],
      isBig: optBool(p, "is_big"),
      time: this.clock(),
    });
    return true;
  }

  private pinChatMessage(p: Params): true {
    const chat = this.requireChat(p);
    if (chat.chat.type !== "private" && !chat.botRights?.can_pin_messages) {
      throw badRequest("not enough rights to manage pinned messages in the chat");
    }
    const stored = chat.messages.get(reqInt(p, "message_id"));
    if (!stored || stored.deleted) throw badRequest("message to pin not found");
    chat.pinned = chat.pinned.filter((id) => id !== stored.message.message_id);
    chat.pinned.push(stored.message.message_id);
    const topic =
      stored.message.is_topic_message && stored.message.message_thread_id !== undefined
        ? chat.topics.get(stored.message.message_thread_id)
        : undefined;
    this.post(chat, {
      from: this.botUser,
      byBot: true,
      service: true,
      topic,
      content: { pinned_message: withoutReply(stored.message) },
    });
    return true;
  }

  private unpinChatMessage(p: Params): true {
    const chat = this.requireChat(p);
    if (chat.chat.type !== "private" && !chat.botRights?.can_pin_messages) {
      throw badRequest("not enough rights to manage pinned messages in the chat");
    }
    const messageId = optInt(p, "message_id");
    if (messageId === undefined) chat.pinned.pop();
    else chat.pinned = chat.pinned.filter((id) => id !== messageId);
    return true;
  }

  private sendChatAction(p: Params): true {
    const chat = this.requireChat(p);
    const action = optString(p, "action");
    if (!action || !CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
    const threadId = optInt(p, "message_thread_id");
    if (threadId !== undefined) {
      const topic = chat.topics.get(threadId);
      if (!topic || topic.deleted) throw badRequest("message thread not found");
    }
    return true;
  }

  private answerCallbackQuery(p: Params): true {
    const id = optString(p, "callback_query_id");
    if (!id || !this.openCallbackQueries.delete(id)) {
      throw badRequest("query is too old and response timeout expired or query ID is invalid");
    }
    return true;
  }

  private setMyCommands(p: Params): true {
    const commands = optJson<unknown>(p, "commands");
    if (!Array.isArray(commands)) throw badRequest('parameter "commands" is required');
    if (commands.length > 100) throw badRequest("too many commands");
    const clean: BotCommand[] = commands.map((raw) => {
      const entry = (raw ?? {}) as Params;
      const command = optString(entry, "command") ?? "";
      const description = optString(entry, "description") ?? "";
      if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID");
      if (description.trim().length === 0 || description.length > 256) {
        throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
      }
      return { command, description };
    });
    const key = commandKey(
      optJson(p, "scope") ?? { type: "default" },
      optString(p, "language_code") ?? "",
    );
    this.commandSets.set(key, clean);
    return true;
  }

  /** Which topic (if any) a bot post lands in, and what it replies to; validates both. */
  private resolveTarget(chat: ChatState, p: Params): PostTarget {
    const threadId = optInt(p, "message_thread_id");
    let topic: TopicState | undefined;
    if (threadId !== undefined) {
      topic = chat.topics.get(threadId);
      if (!topic || topic.deleted) throw badRequest("message thread not found");
    }
    let reply = optJson<Params>(p, "reply_parameters");
    const legacyReplyId = optInt(p, "reply_to_message_id");
    if (!reply && legacyReplyId !== undefined) {
      reply = {
        message_id: legacyReplyId,
        allow_sending_without_reply: optBool(p, "allow_sending_without_reply"),
      };
    }
    let replyTo: Message | undefined;
    if (reply) {
      const replyChat = reply.chat_id === undefined ? chat : this.lookupChat(reply.chat_id);
      const stored = replyChat.messages.get(reqInt(reply, "message_id"));
      let found = stored && !stored.deleted ? stored.message : undefined;
      if (found && replyChat === chat) {
        const replyTopicId = found.is_topic_message ? found.message_thread_id : undefined;
        if (topic && replyTopicId !== topic.id) found = undefined;
        else if (!topic && replyTopicId !== undefined) topic = chat.topics.get(replyTopicId);
      }
      // Documented: allow_sending_without_reply is always false for other chats and topics.
      const mayDropReply =
        optBool(reply, "allow_sending_without_reply") && replyChat === chat && !topic;
      if (!found && !mayDropReply) throw badRequest("message to be replied not found");
      if (found && replyChat === chat) replyTo = found;
    }
    if (topic?.closed && (this.closedTopicsRejectBot || !chat.botRights)) {
      throw badRequest("TOPIC_CLOSED");
    }
    return { topic, replyTo };
  }

  private consumeBudget(chat: ChatState, count: number): void {
    const limit = this.groupMessagesPerMinute;
    if (limit === undefined) return;
    if (chat.chat.type !== "group" && chat.chat.type !== "supergroup") return;
    const now = this.clock();
    chat.postTimes = chat.postTimes.filter((time) => time > now - this.windowMs);
    const used = chat.postTimes.length;
    if (used + count > limit) {
      // The slot that must expire before `count` more fit in the window.
      const index = Math.min(used - 1, used + count - limit - 1);
      const freeAt = (index >= 0 ? (chat.postTimes[index] ?? now) : now) + this.windowMs;
      const retryAfter = Math.max(1, Math.ceil(((freeAt - now) * 60) / this.windowMs));
      throw new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, {
        retry_after: retryAfter,
      });
    }
    for (let i = 0; i < count; i++) chat.postTimes.push(now);
  }

  /** Posts what one of the bot's send methods asked for, where it asked for it. */
  private postAsBot(
    chat: ChatState,
    target: PostTarget,
    content: Record<string, unknown>,
    ctx: HandlerContext,
    p: Params,
  ): StoredMessage {
    return this.post(chat, {
      from: this.botUser,
      byBot: true,
      ...target,
      content,
      method: ctx.method,
      params: p,
    });
  }

  private post(chat: ChatState, options: PostOptions): StoredMessage {
    const messageId = chat.nextMessageId++;
    const message: Record<string, unknown> = { message_id: messageId };
    let replyTo = options.replyTo;
    const isForumChat = chat.chat.type === "supergroup";
    if (options.opensThread) {
      message.message_thread_id = messageId;
    } else if (options.topic) {
      message.message_thread_id = options.topic.id;
      // Telegram presents every non-reply message in a topic as a reply to the topic's root.
      if (!replyTo) replyTo = chat.messages.get(options.topic.id)?.message;
    } else if (replyTo && isForumChat) {
      message.message_thread_id = replyTo.message_thread_id ?? replyTo.message_id;
    }
    message.from = options.from;
    message.date = this.unixNow();
    message.chat = chat.chat;
    if (options.opensThread || options.topic) message.is_topic_message = true;
    if (replyTo) message.reply_to_message = withoutReply(replyTo);
    Object.assign(message, options.content);
    const stored: StoredMessage = {
      message: message as unknown as Message,
      byBot: options.byBot,
      service: options.service ?? false,
      deleted: false,
      method: options.method,
      params: options.params,
      time: this.clock(),
    };
    chat.messages.set(messageId, stored);
    return stored;
  }

  // ---------------------------------------------------------------- topics

  private createForumTopic(p: Params, ctx: HandlerContext): ForumTopic {
    const chat = this.requireChat(p);
    if (chat.chat.type !== "supergroup" || !chat.chat.is_forum) {
      throw badRequest("the chat is not a forum");
    }
    if (!chat.botRights?.can_manage_topics) {
      throw badRequest("not enough rights to create a topic");
    }
    const name = optString(p, "name") ?? "";
    // unverified wordings; the documented rule is "Topic name, 1-128 characters"
    if (name.trim().length === 0) throw badRequest("TOPIC_TITLE_EMPTY");
    if (name.length > MAX_TOPIC_NAME_LENGTH) throw badRequest("TOPIC_TITLE_TOO_LONG");
    const iconColor = optInt(p, "icon_color");
    if (iconColor !== undefined && !TOPIC_ICON_COLORS.includes(iconColor)) {
      throw badRequest("TOPIC_ICON_COLOR_INVALID");
    }
    this.consumeBudget(chat, 1);
    const emoji = optString(p, "icon_custom_emoji_id") || undefined;
    return this.openTopic(chat, this.botUser, name, iconColor, emoji, true, ctx.method, p).topic;
  }

  private openTopic(
    chat: ChatState,
    from: User,
    name: string,
    iconColor: number | undefined,
    emoji: string | undefined,
    byBot: boolean,
    method?: string,
    params?: Params,
  ): { topic: ForumTopic; message: Message } {
    const color = iconColor ?? TOPIC_ICON_COLORS[0] ?? 7322096;
    const created: Record<string, unknown> = { name, icon_color: color };
    if (emoji) created.icon_custom_emoji_id = emoji;
    const stored = this.post(chat, {
      from,
      byBot,
      service: true,
      opensThread: true,
      content: { forum_topic_created: created },
      method,
      params,
    });
    const id = stored.message.message_id;
    chat.topics.set(id, {
      id,
      name,
      icon_color: color,
      icon_custom_emoji_id: emoji,
      closed: false,
      deleted: false,
      createdByBot: byBot,
    });
    const topic: ForumTopic = { message_thread_id: id, name, icon_color: color };
    if (emoji) topic.icon_custom_emoji_id = emoji;
    return { topic, message: stored.message };
  }

  /** Topic management calls (edit/close/reopen/delete) report a missing topic differently. */
  private managedTopic(chat: ChatState, p: Params): TopicState {
    const topic = chat.topics.get(reqInt(p, "message_thread_id"));
    if (!topic || topic.deleted) throw badRequest("TOPIC_ID_INVALID");
    if (!topic.createdByBot && !chat.botRights?.can_manage_topics) {
      throw badRequest("not enough rights to manage forum topics");
    }
    return topic;
  }

  private editForumTopic(p: Params): true {
    const chat = this.requireChat(p);
    const topic = this.managedTopic(chat, p);
    const name = optString(p, "name");
    const emoji = optString(p, "icon_custom_emoji_id");
    if (name !== undefined && name.length > MAX_TOPIC_NAME_LENGTH) {
      throw badRequest("TOPIC_TITLE_TOO_LONG");
    }
    const edited: Record<string, unknown> = {};
    if (name && name !== topic.name) edited.name = name;
    if (emoji !== undefined && (emoji || undefined) !== topic.icon_custom_emoji_id) {
      edited.icon_custom_emoji_id = emoji;
    }
    if (Object.keys(edited).length === 0) throw badRequest("TOPIC_NOT_MODIFIED");
    if (typeof edited.name === "string") topic.name = edited.name;
    if (edited.icon_custom_emoji_id !== undefined) topic.icon_custom_emoji_id = emoji || undefined;
    this.post(chat, {
      from: this.botUser,
      byBot: true,
      service: true,
      topic,
      content: { forum_topic_edited: edited },
    });
    return true;
  }

  private toggleForumTopic(p: Params, close: boolean): true {
    const chat = this.requireChat(p);
    const topic = this.managedTopic(chat, p);
    if (topic.closed === close) throw badRequest("TOPIC_NOT_MODIFIED");
    topic.closed = close;
    this.post(chat, {
      from: this.botUser,
      byBot: true,
      service: true,
      topic,
      content: close ? { forum_topic_closed: {} } : { forum_topic_reopened: {} },
    });
    return true;
  }

  private deleteForumTopic(p: Params): true {
    const chat = this.requireChat(p);
    const topic = chat.topics.get(reqInt(p, "message_thread_id"));
    if (!topic || topic.deleted) throw badRequest("TOPIC_ID_INVALID");
    // unverified wording; the documented requirement is can_delete_messages
    if (!chat.botRights?.can_delete_messages)
      throw badRequest("not enough rights to delete a topic");
    this.removeTopic(chat, topic);
    return true;
  }

  private removeTopic(chat: ChatState, topic: TopicState): void {
    topic.deleted = true;
    for (const stored of chat.messages.values()) {
      if (stored.message.is_topic_message && stored.message.message_thread_id === topic.id) {
        stored.deleted = true;
      }
    }
    chat.pinned = chat.pinned.filter((id) => !chat.messages.get(id)?.deleted);
  }

  private humanTopicToggle(
    threadId: number,
    close: boolean,
    options: { chatId?: number; from?: User },
  ): Message {
    const chat = this.requireKnownChat(options.chatId ?? this.staffChatId);
    const topic = chat.topics.get(threadId);
    if (!topic || topic.deleted) throw new Error(`FakeTelegram: no topic ${threadId}`);
    topic.closed = close;
    const stored = this.post(chat, {
      from: options.from ?? this.staffUser,
      byBot: false,
      service: true,
      topic,
      content: close ? { forum_topic_closed: {} } : { forum_topic_reopened: {} },
    });
    this.emit("message", stored.message);
    return stored.message;
  }

  // ---------------------------------------------------------------- files

  private getFile(p: Params): FakeFile {
    const fileId = optString(p, "file_id");
    const file = fileId ? this.files.get(fileId) : undefined;
    if (!file) throw badRequest("invalid file_id");
    if (file.bytes.length > MAX_DOWNLOAD_BYTES) throw badRequest("file is too big");
    return {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_size: file.bytes.length,
      file_path: file.file_path,
    };
  }

  private async resolveInputFile(
    value: unknown,
    field: string,
    parts: UploadedPart[],
    kind: FileKind,
  ): Promise<StoredFile> {
    let part: UploadedPart | undefined;
    if (value === undefined || value === null || value === "") {
      part = parts.find((candidate) => candidate.name === field);
      if (!part) throw badRequest(`there is no ${field} in the request`);
    } else if (typeof value !== "string") {
      throw badRequest(`wrong type of the ${field} parameter`);
    } else if (value.startsWith("attach://")) {
      const name = value.slice("attach://".length);
      part = parts.find((candidate) => candidate.name === name);
      if (!part) throw badRequest("wrong file identifier/HTTP URL specified");
    } else if (/^https?:\/\//i.test(value)) {
      return this.fetchRemoteFile(value, kind);
    } else {
      const existing = this.files.get(value);
      if (!existing) throw badRequest("wrong file identifier/HTTP URL specified");
      // unverified wording; a photo id is not a document and vice versa
      if ((existing.kind === "photo") !== (kind === "photo")) {
        throw badRequest("type of file mismatch");
      }
      return existing;
    }
    if (part.bytes.length === 0) throw badRequest("file must be non-empty");
    if (part.bytes.length > MAX_UPLOAD_BYTES) {
      throw new ApiError(413, "Request Entity Too Large");
    }
    if (kind === "photo" && part.bytes.length > MAX_PHOTO_UPLOAD_BYTES) {
      throw badRequest("PHOTO_SAVE_FILE_INVALID");
    }
    if (kind === "photo" && this.strictImages && !imageSize(part.bytes)) {
      throw badRequest("IMAGE_PROCESS_FAILED");
    }
    return this.storeFile(part.bytes, part.filename, kind, undefined);
  }

  private async fetchRemoteFile(url: string, kind: FileKind): Promise<StoredFile> {
    const limit = kind === "photo" ? MAX_URL_PHOTO_BYTES : MAX_URL_FILE_BYTES;
    let bytes: Buffer;
    let mime: string | undefined;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = Buffer.from(await response.arrayBuffer());
      mime = response.headers.get("content-type")?.split(";")[0] || undefined;
    } catch {
      throw badRequest("failed to get HTTP URL content");
    }
    if (bytes.length === 0 || bytes.length > limit) {
      throw badRequest("failed to get HTTP URL content");
    }
    if (kind === "photo" && this.strictImages && !imageSize(bytes)) {
      throw badRequest("IMAGE_PROCESS_FAILED");
    }
    const name = safeDecode(new URL(url).pathname.split("/").pop() ?? "") || undefined;
    return this.storeFile(bytes, name, kind, kind === "photo" ? undefined : mime);
  }

  private storeFile(
    bytes: Buffer,
    fileName: string | undefined,
    kind: FileKind,
    mime: string | undefined,
  ): StoredFile {
    const serial = ++this.fileSeq;
    let width: number | undefined;
    let height: number | undefined;
    if (kind === "photo" || kind === "sticker") {
      const size = imageSize(bytes);
      const fallback = kind === "sticker" ? 512 : undefined;
      width = size?.width ?? fallback ?? 800;
      height = size?.height ?? fallback ?? 600;
    }
    const extension = extensionOf(fileName) ?? DEFAULT_EXTENSION[kind];
    const mimeType =
      kind === "photo"
        ? undefined
        : (mime ?? (kind === "voice" ? "audio/ogg" : mimeFor(extension)));
    const stored: StoredFile = {
      file_id: makeFileId(kind, serial),
      file_unique_id: `AgAD${randomBytes(6).toString("base64url")}${serial}`,
      bytes,
      file_path: `${DIRECTORY[kind]}/file_${serial}.${extension}`,
      kind,
      file_name: kind === "photo" || kind === "voice" || kind === "sticker" ? undefined : fileName,
      mime_type: mimeType,
      width,
      height,
      photoSizes: undefined,
    };
    this.files.set(stored.file_id, stored);
    this.filesByPath.set(stored.file_path, stored);
    return stored;
  }

  /** Telegram offers several downscaled copies; the largest one here keeps the original bytes. */
  private photoSizes(base: StoredFile): PhotoSize[] {
    if (base.photoSizes) return base.photoSizes;
    if (base.kind !== "photo") {
      base.kind = "photo";
      base.file_name = undefined;
      base.mime_type = undefined;
      const size = imageSize(base.bytes);
      base.width = size?.width ?? 800;
      base.height = size?.height ?? 600;
    }
    const width = base.width ?? 800;
    const height = base.height ?? 600;
    const longSide = Math.max(width, height);
    const sizes: PhotoSize[] = [];
    for (const side of [90, 320, 800]) {
      if (side >= longSide) break;
      const scale = side / longSide;
      const length = Math.max(1, Math.floor(base.bytes.length * scale * scale));
      const thumb = this.storeFile(
        Buffer.from(base.bytes.subarray(0, length)),
        undefined,
        "photo",
        undefined,
      );
      thumb.width = Math.max(1, Math.round(width * scale));
      thumb.height = Math.max(1, Math.round(height * scale));
      thumb.photoSizes = [];
      sizes.push(photoSize(thumb));
    }
    sizes.push(photoSize(base));
    base.photoSizes = sizes;
    for (const size of sizes) {
      const file = this.files.get(size.file_id);
      if (file && file !== base) file.photoSizes = sizes;
    }
    return sizes;
  }

  private mediaContent(kind: FileKind, file: StoredFile): Record<string, unknown> {
    switch (kind) {
      case "photo":
        return { photo: this.photoSizes(file) };
      case "document":
        return { document: documentOf(file) };
      case "video": {
        const video: Video = {
          ...documentOf(file),
          width: file.width ?? 640,
          height: file.height ?? 360,
          duration: 1,
        };
        return { video };
      }
      case "audio": {
        const audio: Audio = { ...documentOf(file), duration: 1 };
        return { audio };
      }
      case "voice": {
        const voice: Voice = {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          duration: 1,
          mime_type: file.mime_type ?? "audio/ogg",
          file_size: file.bytes.length,
        };
        return { voice };
      }
      case "sticker": {
        const sticker: Sticker = {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          type: "regular",
          width: file.width ?? 512,
          height: file.height ?? 512,
          is_animated: false,
          is_video: false,
          emoji: "👍",
          file_size: file.bytes.length,
        };
        return { sticker };
      }
      case "animation":
        return { document: documentOf(file) };
    }
  }

  private humanFile(ref: FakeFile | string, kind: FileKind): StoredFile {
    const id = typeof ref === "string" ? ref : ref.file_id;
    const file = this.files.get(id);
    if (!file) throw new Error(`FakeTelegram: unknown file ${id}`);
    if (kind !== "photo" && file.kind !== kind && file.kind !== "photo") file.kind = kind;
    return file;
  }

  private humanContent(options: StaffMessageOptions): Record<string, unknown> {
    const content: Record<string, unknown> = {};
    if (options.mediaGroupId) content.media_group_id = options.mediaGroupId;
    if (options.text !== undefined) {
      content.text = options.text;
      // Telegram marks commands itself (bot_command entities); bots find commands by them.
      const entities = options.entities ?? commandEntities(options.text);
      if (entities.length) content.entities = entities;
    }
    if (options.photo) content.photo = this.photoSizes(this.humanFile(options.photo, "photo"));
    if (options.document) {
      content.document = documentOf(this.humanFile(options.document, "document"));
    }
    if (options.voice)
      Object.assign(content, this.mediaContent("voice", this.humanFile(options.voice, "voice")));
    if (options.sticker) {
      const file =
        options.sticker === true
          ? this.storeFile(
              Buffer.from("RIFF-fake-webp-sticker"),
              undefined,
              "sticker",
              "image/webp",
            )
          : this.humanFile(options.sticker, "sticker");
      Object.assign(content, this.mediaContent("sticker", file));
    }
    if (options.poll) {
      const poll: Poll = {
        id: randomNumericId(),
        question: options.poll.question,
        options: options.poll.options.map((text, index) => ({
          persistent_id: String(index),
          text,
          voter_count: 0,
        })),
        total_voter_count: 0,
        is_closed: false,
        is_anonymous: true,
        type: "regular",
        allows_multiple_answers: false,
        allows_revoting: true,
        members_only: false,
      };
      content.poll = poll;
    }
    if (options.caption !== undefined && content.text === undefined) {
      content.caption = options.caption;
      if (options.captionEntities?.length) content.caption_entities = options.captionEntities;
    }
    if (Object.keys(content).filter((key) => key !== "media_group_id").length === 0) {
      throw new Error("FakeTelegram: a message needs text, a caption or some media");
    }
    return content;
  }

  private unixNow(): number {
    return Math.floor(this.clock() / 1000);
  }
}

// ---------------------------------------------------------------- helpers (module-private)

const DIRECTORY: Record<FileKind, string> = {
  photo: "photos",
  document: "documents",
  video: "videos",
  audio: "music",
  voice: "voice",
  sticker: "stickers",
  animation: "animations",
};

const DEFAULT_EXTENSION: Record<FileKind, string> = {
  photo: "jpg",
  document: "dat",
  video: "mp4",
  audio: "mp3",
  voice: "oga",
  sticker: "webp",
  animation: "mp4",
};

const FILE_ID_PREFIX: Record<FileKind, string> = {
  photo: "AgACAgIAAxkBAAI",
  document: "BQACAgIAAxkBAAI",
  video: "BAACAgIAAxkBAAI",
  audio: "CQACAgIAAxkBAAI",
  voice: "AwACAgIAAxkBAAI",
  sticker: "CAACAgIAAxkBAAI",
  animation: "CgACAgIAAxkBAAI",
};

function randomNumericId(): string {
  return BigInt(`0x${randomBytes(7).toString("hex")}`).toString();
}

function makeFileId(kind: FileKind, serial: number): string {
  return `${FILE_ID_PREFIX[kind]}${serial}_${randomBytes(12).toString("base64url")}`;
}

function publicFile(file: StoredFile): FakeFile {
  return { ...documentOf(file), file_size: file.bytes.length, file_path: file.file_path };
}

function photoSize(file: StoredFile): PhotoSize {
  return {
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_size: file.bytes.length,
    width: file.width ?? 800,
    height: file.height ?? 600,
  };
}

/** The fields every file object shares (a Document has no others); videos and audio add theirs. */
function documentOf(file: StoredFile): Document {
  const document: Document = {
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_size: file.bytes.length,
  };
  if (file.file_name) document.file_name = file.file_name;
  if (file.mime_type) document.mime_type = file.mime_type;
  return document;
}

function extensionOf(name: string | undefined): string | undefined {
  const match = name ? /\.([A-Za-z0-9]{1,8})$/.exec(name) : null;
  return match?.[1]?.toLowerCase();
}

function mimeFor(extension: string): string {
  return contentTypeFor(extension, MIME_BY_EXTENSION);
}

function withoutReply(message: Message): Message {
  // Telegram nests reply_to_message only one level deep.
  const { reply_to_message: _nested, ...rest } = message;
  return rest as Message;
}

function inThread(message: Message, threadId: number | "general" | undefined): boolean {
  if (threadId === undefined) return true;
  if (threadId === "general") return !message.is_topic_message;
  return message.is_topic_message === true && message.message_thread_id === threadId;
}

/** reply_markup, with each inline button's callback_data checked: 1-64 bytes (Bot API). */
function checkedMarkup(p: Params): Record<string, unknown> | undefined {
  const markup = optJson<Record<string, unknown>>(p, "reply_markup");
  const rows = markup?.inline_keyboard;
  for (const row of Array.isArray(rows) ? rows : []) {
    for (const button of Array.isArray(row) ? (row as Params[]) : []) {
      const data = button.callback_data;
      if (data === undefined) continue;
      const bytes = typeof data === "string" ? Buffer.byteLength(data, "utf8") : 0;
      if (bytes < 1 || bytes > 64) throw badRequest("BUTTON_DATA_INVALID");
    }
  }
  return markup;
}

function applyCommonOptions(content: Record<string, unknown>, p: Params): void {
  const markup = checkedMarkup(p);
  // Only inline keyboards are part of the Message object.
  if (markup?.inline_keyboard) content.reply_markup = markup;
  if (optBool(p, "protect_content")) content.has_protected_content = true;
}

function commandKey(scope: unknown, languageCode: string): string {
  return JSON.stringify([scope, languageCode]);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(data),
  });
  res.end(data);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(new Error("body too large"));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

// ---------------------------------------------------------------- parameter parsing

function parseRequest(
  req: IncomingMessage,
  body: Buffer,
  url: URL,
): { params: Params; files: UploadedPart[] } {
  const raw: Params = {};
  for (const [key, value] of url.searchParams) raw[key] = value;
  let files: UploadedPart[] = [];
  const contentType = req.headers["content-type"] ?? "";
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (body.length > 0) {
    if (mediaType === "application/json") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        throw badRequest("can't parse JSON encoded request parameters");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw badRequest("JSON request parameters must be an object");
      }
      Object.assign(raw, parsed);
    } else if (mediaType === "application/x-www-form-urlencoded") {
      for (const [key, value] of new URLSearchParams(body.toString("utf8"))) raw[key] = value;
    } else if (mediaType === "multipart/form-data") {
      const multipart = parseMultipart(body, contentType);
      Object.assign(raw, multipart.fields);
      files = multipart.files;
    }
  }
  const params: Params = {};
  for (const [key, value] of Object.entries(raw)) params[key] = normalizeField(key, value);
  return { params, files };
}

/** Form fields are all strings; give them the types a JSON request would have had. */
function normalizeField(key: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (INT_FIELDS.has(key) && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  if (BOOL_FIELDS.has(key) && (value === "true" || value === "false")) return value === "true";
  if (JSON_FIELDS.has(key) && /^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * grammY writes `content-disposition:form-data;name="x";filename=<raw UTF-8, unquoted>`, which
 * strict parsers (undici, busboy) reject or mangle; this one only needs the boundary.
 */
function parseMultipart(
  body: Buffer,
  contentType: string,
): { fields: Params; files: UploadedPart[] } {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw badRequest("can't parse multipart/form-data request: no boundary");
  const opener = Buffer.from(`--${boundary}`);
  const separator = Buffer.from(`\r\n--${boundary}`);
  const fields: Params = {};
  const files: UploadedPart[] = [];
  let position = body.indexOf(opener);
  if (position < 0) throw badRequest("can't parse multipart/form-data request");
  position += opener.length;
  for (;;) {
    if (body[position] === 0x2d && body[position + 1] === 0x2d) break;
    const lineEnd = body.indexOf("\r\n", position);
    if (lineEnd < 0) break;
    const headerStart = lineEnd + 2;
    let headerEnd: number;
    let contentStart: number;
    if (body[headerStart] === 0x0d && body[headerStart + 1] === 0x0a) {
      headerEnd = headerStart;
      contentStart = headerStart + 2;
    } else {
      headerEnd = body.indexOf("\r\n\r\n", headerStart);
      if (headerEnd < 0) throw badRequest("can't parse multipart/form-data request");
      contentStart = headerEnd + 4;
    }
    const next = body.indexOf(separator, contentStart);
    if (next < 0) throw badRequest("can't parse multipart/form-data request");
    const headers = new Map<string, string>();
    for (const line of body.subarray(headerStart, headerEnd).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0)
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = parseDisposition(headers.get("content-disposition") ?? "");
    const content = body.subarray(contentStart, next);
    if (disposition.name !== undefined) {
      if (disposition.filename !== undefined) {
        files.push({
          name: disposition.name,
          filename: disposition.filename,
          contentType: headers.get("content-type"),
          bytes: Buffer.from(content),
        });
      } else {
        fields[disposition.name] = content.toString("utf8");
      }
    }
    position = next + separator.length;
  }
  return { fields, files };
}

function parseDisposition(value: string): { name?: string; filename?: string } {
  const result: { name?: string; filename?: string } = {};
  let encodedFilename: string | undefined;
  let rest = value.replace(/^\s*form-data\s*/i, "");
  const keyPattern = /^\s*;?\s*([A-Za-z0-9*_-]+)\s*=\s*/;
  while (rest.length > 0) {
    const keyMatch = keyPattern.exec(rest);
    if (!keyMatch) break;
    const key = (keyMatch[1] ?? "").toLowerCase();
    rest = rest.slice(keyMatch[0].length);
    let parsed = "";
    if (rest.startsWith('"')) {
      let index = 1;
      while (index < rest.length && rest[index] !== '"') {
        if (rest[index] === "\\" && index + 1 < rest.length) index++;
        parsed += rest[index];
        index++;
      }
      rest = rest.slice(index + 1);
    } else {
      // Unquoted values (grammY's filenames) may contain spaces and even ';'; they end only
      // where something that looks like the next parameter starts.
      const stop = /;\s*[A-Za-z0-9*_-]+\s*=/.exec(rest);
      parsed = (stop ? rest.slice(0, stop.index) : rest).trim();
      rest = stop ? rest.slice(stop.index) : "";
    }
    if (key === "name") result.name = parsed;
    else if (key === "filename") result.filename = parsed;
    else if (key === "filename*") encodedFilename = parsed;
  }
  if (encodedFilename !== undefined) {
    const quote = encodedFilename.indexOf("''");
    result.filename = safeDecode(quote >= 0 ? encodedFilename.slice(quote + 2) : encodedFilename);
  }
  return result;
}

function optString(p: Params, key: string): string | undefined {
  const value = p[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw badRequest(`field "${key}" must be of type String`);
}

function optInt(p: Params, key: string): number | undefined {
  const value = p[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  throw badRequest(`field "${key}" must be of type Integer`);
}

function reqInt(p: Params, key: string): number {
  const value = optInt(p, key);
  if (value === undefined) throw badRequest(`parameter "${key}" is required`);
  return value;
}

function optBool(p: Params, key: string): boolean {
  const value = p[key];
  return value === true || value === "true" || value === 1 || value === "1";
}

function optJson<T>(p: Params, key: string): T | undefined {
  const value = p[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return value as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    throw badRequest(`can't parse ${key} JSON object`);
  }
}

function intArray(p: Params, key: string): number[] {
  const value = optJson<unknown>(p, key);
  if (!Array.isArray(value) || value.length === 0)
    throw badRequest(`parameter "${key}" is required`);
  return value.map((entry, index) => reqInt({ [`${key}[${index}]`]: entry }, `${key}[${index}]`));
}

// ---------------------------------------------------------------- text formatting

function captionOf(p: Params): { caption?: string; caption_entities?: MessageEntity[] } {
  const raw = optString(p, "caption");
  if (raw === undefined) return {};
  const formatted = formatText(
    raw,
    optString(p, "parse_mode"),
    optJson<MessageEntity[]>(p, "caption_entities"),
  );
  if (formatted.text.length > MAX_CAPTION_LENGTH) throw badRequest("message caption is too long");
  if (formatted.text.length === 0) return {};
  const result: { caption: string; caption_entities?: MessageEntity[] } = {
    caption: formatted.text,
  };
  if (formatted.entities.length > 0) result.caption_entities = formatted.entities;
  return result;
}

function formatText(
  raw: string,
  parseMode: string | undefined,
  entities: MessageEntity[] | undefined,
): FormattedText {
  let parsed: FormattedText;
  if (entities !== undefined) {
    if (!Array.isArray(entities)) throw badRequest("can't parse entities JSON object");
    parsed = { text: raw, entities };
  } else if (!parseMode) {
    parsed = { text: raw, entities: [] };
  } else {
    const mode = parseMode.toLowerCase();
    if (mode === "html") parsed = parseHtml(raw);
    // Markdown modes are passed through unparsed; this bot formats with HTML only.
    else if (mode === "markdown" || mode === "markdownv2") parsed = { text: raw, entities: [] };
    else throw badRequest("unsupported parse_mode");
  }
  return trimFormatted(parsed);
}

/** Telegram strips leading and trailing whitespace from texts and captions. */
function trimFormatted(input: FormattedText): FormattedText {
  const lead = input.text.length - input.text.trimStart().length;
  const text = input.text.trim();
  const entities: MessageEntity[] = [];
  for (const entity of input.entities) {
    const start = Math.max(0, entity.offset - lead);
    const end = Math.min(text.length, entity.offset + entity.length - lead);
    if (end > start) entities.push({ ...entity, offset: start, length: end - start });
  }
  return { text, entities };
}

const HTML_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "a",
  "tg-emoji",
  "tg-time",
  "code",
  "pre",
  "blockquote",
]);

interface OpenTag {
  tag: string;
  start: number;
  attributes: Map<string, string>;
  language?: string;
}

/**
 * Implements the documented HTML style: only the listed tags, proper nesting, and every `<`, `>`
 * and `&` that is not markup written as an entity. Errors use Telegram's
 * "can't parse entities: …" prefix.
 */
function parseHtml(input: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const stack: OpenTag[] = [];
  const at = (index: number) => Buffer.byteLength(input.slice(0, index), "utf8");
  const isNameChar = (char: string | undefined) => char !== undefined && /[A-Za-z0-9-]/.test(char);
  let i = 0;
  while (i < input.length) {
    const char = input[i] ?? "";
    if (char === "&") {
      const entity = /^&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));/.exec(
        input.slice(i, i + 12),
      );
      if (!entity) fail(`Character '&' must be escaped as "&amp;" at byte offset ${at(i)}`);
      const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
      let decoded: string;
      if (entity[1]) decoded = named[entity[1]] ?? "";
      else {
        const code = entity[2] ? Number(entity[2]) : Number.parseInt(entity[3] ?? "", 16);
        if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
          fail(`Invalid numeric HTML entity at byte offset ${at(i)}`);
        }
        decoded = String.fromCodePoint(code);
      }
      text += decoded;
      i += entity[0].length;
      continue;
    }
    if (char === ">") fail(`Character '>' must be escaped as "&gt;" at byte offset ${at(i)}`);
    if (char !== "<") {
      text += char;
      i++;
      continue;
    }
    const tagStart = i;
    if (input[i + 1] === "/") {
      let j = i + 2;
      while (isNameChar(input[j])) j++;
      const name = input.slice(i + 2, j).toLowerCase();
      while (input[j] === " " || input[j] === "\t" || input[j] === "\n") j++;
      if (input[j] !== ">") fail(`Unclosed end tag at byte offset ${at(tagStart)}`);
      const open = stack.pop();
      if (!open) return fail(`Unexpected end tag at byte offset ${at(tagStart)}`);
      if (open.tag !== name) {
        fail(
          `Unmatched end tag at byte offset ${at(tagStart)}, expected "</${open.tag}>", found "</${name}>"`,
        );
      }
      const entity = entityFor(open, text.length, stack.at(-1));
      if (entity && entity.length > 0) entities.push(entity);
      i = j + 1;
      continue;
    }
    let j = i + 1;
    while (isNameChar(input[j])) j++;
    const name = input.slice(i + 1, j).toLowerCase();
    if (!HTML_TAGS.has(name))
      fail(`Unsupported start tag "${name}" at byte offset ${at(tagStart)}`);
    const attributes = new Map<string, string>();
    for (;;) {
      while (input[j] === " " || input[j] === "\t" || input[j] === "\n" || input[j] === "\r") j++;
      if (j >= input.length) fail(`Unclosed start tag at byte offset ${at(tagStart)}`);
      if (input[j] === ">") {
        j++;
        break;
      }
      const attributeStart = j;
      while (j < input.length && /[A-Za-z0-9_-]/.test(input[j] ?? "")) j++;
      const attribute = input.slice(attributeStart, j).toLowerCase();
      if (!attribute)
        fail(`Empty attribute name in the tag "${name}" at byte offset ${at(tagStart)}`);
      while (input[j] === " ") j++;
      let value = "";
      if (input[j] === "=") {
        j++;
        while (input[j] === " ") j++;
        const quote = input[j];
        if (quote === '"' || quote === "'") {
          const end = input.indexOf(quote, j + 1);
          if (end < 0) fail(`Unclosed start tag at byte offset ${at(tagStart)}`);
          value = decodeAttribute(input.slice(j + 1, end));
          j = end + 1;
        } else {
          const valueStart = j;
          while (j < input.length && !/[\s>]/.test(input[j] ?? "")) j++;
          value = decodeAttribute(input.slice(valueStart, j));
        }
      }
      attributes.set(attribute, value);
    }
    if (name === "span" && attributes.get("class") !== "tg-spoiler") {
      fail(`Tag "span" must have class "tg-spoiler" at byte offset ${at(tagStart)}`);
    }
    if (name === "tg-emoji" && !/^\d+$/.test(attributes.get("emoji-id") ?? "")) {
      fail(`Custom emoji identifier must be specified at byte offset ${at(tagStart)}`);
    }
    if (name === "tg-time" && !/^\d+$/.test(attributes.get("unix") ?? "")) {
      fail(`Unix time must be specified at byte offset ${at(tagStart)}`);
    }
    stack.push({ tag: name, start: text.length, attributes });
    i = j;
  }
  const unclosed = stack.at(-1);
  if (unclosed) fail(`Can't find end tag corresponding to start tag "${unclosed.tag}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

function fail(reason: string): never {
  throw badRequest(`can't parse entities: ${reason}`);
}

function decodeAttribute(value: string): string {
  return value
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, "&");
}

function entityFor(
  open: OpenTag,
  end: number,
  parent: OpenTag | undefined,
): MessageEntity | undefined {
  const offset = open.start;
  const length = end - open.start;
  switch (open.tag) {
    case "b":
    case "strong":
      return { type: "bold", offset, length };
    case "i":
    case "em":
      return { type: "italic", offset, length };
    case "u":
    case "ins":
      return { type: "underline", offset, length };
    case "s":
    case "strike":
    case "del":
      return { type: "strikethrough", offset, length };
    case "span":
    case "tg-spoiler":
      return { type: "spoiler", offset, length };
    case "a": {
      const href = open.attributes.get("href");
      if (!href) return undefined;
      const mention = /^tg:\/\/user\?id=(\d+)$/.exec(href);
      if (mention) {
        return {
          type: "text_mention",
          offset,
          length,
          user: { id: Number(mention[1]), is_bot: false, first_name: "" },
        };
      }
      return { type: "text_link", offset, length, url: href };
    }
    case "tg-emoji":
      return {
        type: "custom_emoji",
        offset,
        length,
        custom_emoji_id: open.attributes.get("emoji-id") ?? "",
      };
    case "tg-time": {
      const entity: Record<string, unknown> = {
        type: "date_time",
        offset,
        length,
        unix_time: Number(open.attributes.get("unix")),
      };
      const format = open.attributes.get("format");
      if (format) entity.date_time_format = format;
      return entity as unknown as MessageEntity;
    }
    case "code": {
      // <pre><code class="language-x"> is one pre entity with a language, not two entities.
      if (parent?.tag === "pre") {
        const language = /^language-(.+)$/.exec(open.attributes.get("class") ?? "")?.[1];
        if (language) parent.language = language;
        return undefined;
      }
      return { type: "code", offset, length };
    }
    case "pre": {
      const entity: MessageEntity = { type: "pre", offset, length };
      if (open.language) entity.language = open.language;
      return entity;
    }
    case "blockquote":
      return {
        type: open.attributes.has("expandable") ? "expandable_blockquote" : "blockquote",
        offset,
        length,
      };
  }
}

// ---------------------------------------------------------------- image headers

function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (
    bytes.length >= 24 &&
    bytes.readUInt32BE(0) === 0x89504e47 &&
    bytes.readUInt32BE(4) === 0x0d0a1a0a
  ) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString("latin1", 0, 4) === "GIF8") {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return undefined;
      const marker = bytes[offset + 1] ?? 0;
      if (marker === 0xff) {
        offset++;
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        offset += 2;
        continue;
      }
      const isFrame =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) {
        return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
      }
      offset += 2 + bytes.readUInt16BE(offset + 2);
    }
  }
  return undefined;
}

/** The bot_command entities Telegram adds to a message text, e.g. "/find 123" or "/help@bot". */
function commandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const match of text.matchAll(/(?<=^|\s)\/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?/g)) {
    entities.push({ type: "bot_command", offset: match.index, length: match[0].length });
  }
  return entities;
}
