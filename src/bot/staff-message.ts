// A Telegram message from staff → what the bridge can send, or the reason it cannot.
import type { Message } from "grammy/types";
import { withExtension } from "../bridge/files.ts";
import type { StaffMessage } from "../bridge/outbound.ts";
import { senderOf } from "./team.ts";

/** Content a marketplace cannot take. A venue also carries `location`, so it comes first. */
const UNSUPPORTED = [
  "sticker",
  "voice",
  "video_note",
  "video",
  "live_photo",
  "paid_media",
  "audio",
  "animation",
  "poll",
  "checklist",
  "venue",
  "location",
  "contact",
  "dice",
  "game",
  "story",
  "invoice",
  "giveaway",
] as const;

/**
 * Service messages (topic created, pinned, members, …: every kind the Bot API names) are not
 * staff writing to a buyer. A kind missing here would get a "not sent" reply, never silence.
 */
const SERVICE = [
  "forum_topic_created",
  "forum_topic_edited",
  "forum_topic_closed",
  "forum_topic_reopened",
  "general_forum_topic_hidden",
  "general_forum_topic_unhidden",
  "pinned_message",
  "new_chat_members",
  "left_chat_member",
  "new_chat_title",
  "new_chat_photo",
  "delete_chat_photo",
  "group_chat_created",
  "supergroup_chat_created",
  "channel_chat_created",
  "migrate_to_chat_id",
  "migrate_from_chat_id",
  "message_auto_delete_timer_changed",
  "chat_background_set",
  "chat_owner_left",
  "chat_owner_changed",
  "community_chat_added",
  "community_chat_removed",
  "community_chat_joined",
  "checklist_tasks_done",
  "checklist_tasks_added",
  "poll_option_added",
  "poll_option_deleted",
  "proximity_alert_triggered",
  "video_chat_started",
  "video_chat_ended",
  "video_chat_scheduled",
  "video_chat_participants_invited",
  "boost_added",
  "write_access_allowed",
  "users_shared",
  "chat_shared",
  "connected_website",
  "passport_data",
  "web_app_data",
  "managed_bot_created",
  "successful_payment",
  "refunded_payment",
  "suggested_post_approved",
  "suggested_post_approval_failed",
  "suggested_post_declined",
  "suggested_post_paid",
  "suggested_post_refunded",
  "giveaway_created",
  "giveaway_winners",
  "giveaway_completed",
  "gift",
  "gift_upgrade_sent",
  "unique_gift",
  "paid_message_price_changed",
  "direct_message_price_changed",
] as const;

/** Undefined when the message is not something staff wrote for the buyer. */
export function toStaffMessage(message: Message): StaffMessage | undefined {
  if (!message.is_topic_message || message.message_thread_id === undefined) return undefined;
  // Bots are not staff; an admin writing anonymously is (Telegram shows the group as sender).
  if (message.from?.is_bot && message.sender_chat?.id !== message.chat.id) return undefined;
  if (SERVICE.some((key) => key in message)) return undefined;
  const sender = senderOf(message);
  const base = {
    ...(sender ? { sender } : {}),
    staffChatId: message.chat.id,
    threadId: message.message_thread_id,
    messageId: message.message_id,
    ...(message.edit_date !== undefined ? { editedAt: message.edit_date } : {}),
  };
  const unsupported = UNSUPPORTED.find((key) => key in message);
  if (unsupported) return { ...base, unsupported };

  const text = message.text ?? message.caption;
  const withText = text?.trim() ? { text } : {};
  const largest = message.photo?.at(-1);
  if (largest) {
    return {
      ...base,
      ...withText,
      file: {
        fileId: largest.file_id,
        name: `photo_${largest.file_unique_id}.jpg`,
        mime: "image/jpeg",
        ...(largest.file_size !== undefined ? { size: largest.file_size } : {}),
      },
    };
  }
  const document = message.document;
  if (document) {
    const mime = document.mime_type ?? "application/octet-stream";
    return {
      ...base,
      ...withText,
      file: {
        fileId: document.file_id,
        // Marketplaces derive the file type from the name, so it must have an extension.
        name: withExtension(document.file_name ?? `file_${document.file_unique_id}`, mime),
        mime,
        ...(document.file_size !== undefined ? { size: document.file_size } : {}),
      },
    };
  }
  if (message.text !== undefined) return { ...base, ...withText };
  return { ...base, unsupported: "other" };
}
