// The bridge's TelegramPort on grammY's Api. Bot API errors become TelegramError kinds the
// bridge can act on; file downloads go straight to the Bot API file endpoint with a size cap.
import { readFile, stat } from "node:fs/promises";
import { type Api, GrammyError, HttpError, InputFile } from "grammy";
import { request } from "undici";
import {
  type InlineButton,
  type MediaFile,
  type MediaKind,
  type SendOptions,
  TelegramError,
  type TelegramFileInfo,
  type TelegramPort,
} from "../bridge/telegram.ts";
import { staffChatProblem } from "./startup-checks.ts";

type IconColor = 7322096 | 16766590 | 13338331 | 9367192 | 16749490 | 16478047;

export class GrammyTelegram implements TelegramPort {
  private readonly api: Api;
  private readonly fileRoot: string;

  constructor(api: Api, options: { apiRoot: string; token: string }) {
    this.api = api;
    this.fileRoot = `${options.apiRoot}/file/bot${options.token}/`;
  }

  async rightsProblem(staffChatId: number): Promise<string | undefined> {
    return call(async () => staffChatProblem(this.api, (await this.api.getMe()).id, staffChatId));
  }

  createTopic(staffChatId: number, name: string, iconColor: number): Promise<number> {
    return call(async () => {
      const topic = await this.api.createForumTopic(staffChatId, name, {
        icon_color: iconColor as IconColor,
      });
      return topic.message_thread_id;
    });
  }

  renameTopic(staffChatId: number, threadId: number, name: string): Promise<void> {
    return call(() =>
      unlessAlready(TOPIC_UNCHANGED, () =>
        this.api.editForumTopic(staffChatId, threadId, { name }),
      ),
    );
  }

  reopenTopic(staffChatId: number, threadId: number): Promise<void> {
    return call(() =>
      unlessAlready(TOPIC_UNCHANGED, () => this.api.reopenForumTopic(staffChatId, threadId)),
    );
  }

  closeTopic(staffChatId: number, threadId: number): Promise<void> {
    return call(() =>
      unlessAlready(TOPIC_UNCHANGED, () => this.api.closeForumTopic(staffChatId, threadId)),
    );
  }

  editText(
    staffChatId: number,
    messageId: number,
    html: string,
    options: { buttons?: InlineButton[] } = {},
  ): Promise<void> {
    return call(() =>
      unlessAlready(/message is not modified/i, () =>
        this.api.editMessageText(staffChatId, messageId, html, {
          parse_mode: "HTML",
          link_preview_options: { is_disabled: true },
          ...keyboard(options.buttons),
        }),
      ),
    );
  }

  pin(staffChatId: number, messageId: number): Promise<void> {
    return call(async () => {
      await this.api.pinChatMessage(staffChatId, messageId, { disable_notification: true });
    });
  }

  sendText(
    staffChatId: number,
    threadId: number | undefined,
    html: string,
    options: SendOptions = {},
  ): Promise<number> {
    return call(async () => {
      const sent = await this.api.sendMessage(staffChatId, html, {
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        ...(threadId !== undefined ? { message_thread_id: threadId } : {}),
        ...common(options),
      });
      return sent.message_id;
    });
  }

  sendMedia(
    staffChatId: number,
    threadId: number,
    kind: MediaKind,
    file: MediaFile,
    captionHtml: string | undefined,
    options: SendOptions = {},
  ): Promise<number> {
    return call(async () => {
      const other = {
        message_thread_id: threadId,
        ...caption(captionHtml),
        ...common(options),
      };
      const input = new InputFile(file.bytes, file.name);
      const sent =
        kind === "photo"
          ? await this.api.sendPhoto(staffChatId, input, other)
          : await this.api.sendDocument(staffChatId, input, other);
      return sent.message_id;
    });
  }

  react(staffChatId: number, messageId: number, emoji: string): Promise<void> {
    return call(async () => {
      await this.api.setMessageReaction(staffChatId, messageId, [
        { type: "emoji", emoji: emoji as "👍" },
      ]);
    });
  }

  fileInfo(fileId: string): Promise<TelegramFileInfo> {
    return call(async () => {
      const file = await this.api.getFile(fileId);
      return {
        ...(file.file_size !== undefined ? { size: file.file_size } : {}),
        ...(file.file_path !== undefined ? { path: file.file_path } : {}),
      };
    });
  }

  async downloadFile(path: string, maxBytes: number): Promise<Uint8Array> {
    // A local Bot API server (--local) hands out absolute paths on its own disk.
    if (path.startsWith("/")) {
      const info = await stat(path);
      if (info.size > maxBytes) throw new TelegramError("rejected", "file is too big");
      return new Uint8Array(await readFile(path));
    }
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(this.fileRoot + path, {
        method: "GET",
        signal: AbortSignal.timeout(120_000),
      });
    } catch (error) {
      // The URL holds the bot token: report only the cause's code.
      throw new TelegramError("transient", `file download failed: ${codeOf(error)}`);
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      const kind = response.statusCode >= 500 ? "transient" : "rejected";
      throw new TelegramError(kind, `file download failed: HTTP ${response.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response.body) {
        total += (chunk as Buffer).byteLength;
        if (total > maxBytes) {
          response.body.destroy();
          throw new TelegramError("rejected", "file is too big");
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof TelegramError) throw error;
      throw new TelegramError("transient", `file download failed: ${codeOf(error)}`);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
}

const TOPIC_UNCHANGED = /TOPIC_NOT_MODIFIED/i;

/** Runs `action`; Telegram saying the state is already the wanted one counts as success. */
async function unlessAlready(already: RegExp, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof GrammyError && already.test(error.description))) throw error;
  }
}

function common(options: SendOptions) {
  return {
    ...keyboard(options.buttons),
    ...(options.silent ? { disable_notification: true } : {}),
    ...(options.replyTo !== undefined
      ? { reply_parameters: { message_id: options.replyTo, allow_sending_without_reply: true } }
      : {}),
  };
}

function keyboard(buttons: InlineButton[] | undefined) {
  if (!buttons?.length) return {};
  return {
    reply_markup: {
      inline_keyboard: [buttons.map(({ text, data }) => ({ text, callback_data: data }))],
    },
  };
}

function caption(html: string | undefined) {
  return html ? { caption: html, parse_mode: "HTML" as const } : {};
}

function codeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  return (error as { code?: string })?.code ?? cause?.code ?? (error as Error)?.name ?? "error";
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toTelegramError(error);
  }
}

export function toTelegramError(error: unknown): unknown {
  if (error instanceof TelegramError) return error;
  if (error instanceof HttpError) {
    return new TelegramError("transient", `Telegram unreachable: ${codeOf(error.error)}`, {
      cause: error,
    });
  }
  if (!(error instanceof GrammyError)) return error;
  const text = `${error.method}: ${error.error_code} ${error.description}`;
  const description = error.description;
  if (/message thread not found|TOPIC_DELETED|TOPIC_ID_INVALID/i.test(description)) {
    return new TelegramError("thread_not_found", text, { cause: error });
  }
  if (/TOPIC_CLOSED/i.test(description))
    return new TelegramError("topic_closed", text, { cause: error });
  if (error.error_code === 429 || error.error_code >= 500) {
    return new TelegramError("transient", text, { cause: error });
  }
  // Removed from the group, or stripped of the rights the bridge needs there.
  const lostRights =
    /chat not found|not enough rights|CHAT_ADMIN_REQUIRED|need administrator rights/i;
  if (error.error_code === 401 || error.error_code === 403 || lostRights.test(description)) {
    return new TelegramError("fatal", text, { cause: error });
  }
  return new TelegramError("rejected", text, { cause: error });
}
