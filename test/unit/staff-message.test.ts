// toStaffMessage (src/bot/staff-message.ts): which Telegram messages in the staff group are
// staff writing to a buyer, and what the bridge is to send. Messages are shaped as Telegram
// delivers them (Bot API: a message in a topic carries message_thread_id and is_topic_message;
// one in General carries neither, a reply in General carries message_thread_id alone).
import type { Message, PhotoSize, User } from "grammy/types";
import { describe, expect, it } from "vitest";
import { toStaffMessage } from "../../src/bot/staff-message.ts";

const STAFF = -1001234567890;
const THREAD = 42;
const MESSAGE_ID = 317;
const DATE = 1_764_000_000;

const chat = {
  id: STAFF,
  type: "supergroup",
  title: "Marketplace support",
  is_forum: true,
} as const;
const anna: User = { id: 7000001, is_bot: false, first_name: "Anna", language_code: "ru" };
const bridgeBot: User = { id: 123456789, is_bot: true, first_name: "Bridge", username: "b_bot" };
/** The topic's creation message: every non-reply message in a topic replies to it. */
const root = {
  message_id: THREAD,
  date: DATE - 3600,
  chat,
  from: bridgeBot,
  message_thread_id: THREAD,
  is_topic_message: true,
  forum_topic_created: { name: "Ozon · 12345678-0001", icon_color: 7322096 },
};

/** A message Anna wrote in the buyer's topic, with `content` (text, photo, sticker…). */
function inTopic(content: Record<string, unknown>): Message {
  return {
    message_id: MESSAGE_ID,
    date: DATE,
    chat,
    from: anna,
    message_thread_id: THREAD,
    is_topic_message: true,
    reply_to_message: root,
    ...content,
  } as unknown as Message;
}

/** What every relayed message says about where it came from. */
/** Every relayed message names who wrote it (attribution). */
const base = {
  staffChatId: STAFF,
  threadId: THREAD,
  messageId: MESSAGE_ID,
  sender: { userId: anna.id, name: "Anna" },
};

function photoSizes(unique: string, sizes: Array<[number, number, number?]>): PhotoSize[] {
  return sizes.map(([width, height, size], i) => ({
    file_id: `AgACAgIAAx0-${unique}-${i}`,
    file_unique_id: `${unique}${i}`,
    width,
    height,
    ...(size !== undefined ? { file_size: size } : {}),
  }));
}

describe("text", () => {
  it("relays a text written in the topic, as written", () => {
    const text = "  Здравствуйте! Заказ 12345678-0001 отправлен сегодня.\n";
    expect(toStaffMessage(inTopic({ text }))).toEqual({ ...base, text });
  });

  it("carries edit_date of an edited message", () => {
    const message = inTopic({ text: "исправлено", edit_date: DATE + 60 });
    expect(toStaffMessage(message)).toEqual({ ...base, text: "исправлено", editedAt: DATE + 60 });
  });

  it("gives neither text nor a refusal for whitespace only (the bridge answers that)", () => {
    expect(toStaffMessage(inTopic({ text: " \n\t " }))).toEqual(base);
  });
});

describe("photos", () => {
  it("takes the largest size (Telegram lists them smallest first) as a .jpg, with the caption", () => {
    const photo = photoSizes("AQADxyz", [
      [90, 67, 1_214],
      [320, 240, 15_302],
      [800, 600, 61_877],
      [1280, 960, 118_402],
    ]);
    expect(toStaffMessage(inTopic({ photo, caption: "Вот фото упаковки" }))).toEqual({
      ...base,
      text: "Вот фото упаковки",
      file: {
        fileId: "AgACAgIAAx0-AQADxyz-3",
        name: "photo_AQADxyz3.jpg",
        mime: "image/jpeg",
        size: 118_402,
      },
    });
  });

  it("sends a photo without a caption, and without a size when Telegram gives none", () => {
    const photo = photoSizes("AQADabc", [
      [90, 90],
      [320, 320],
    ]);
    expect(toStaffMessage(inTopic({ photo }))).toEqual({
      ...base,
      file: { fileId: "AgACAgIAAx0-AQADabc-1", name: "photo_AQADabc1.jpg", mime: "image/jpeg" },
    });
  });

  it("drops a caption of whitespace", () => {
    const photo = photoSizes("AQADws", [[320, 240, 100]]);
    const staff = toStaffMessage(inTopic({ photo, caption: "   " }));
    expect(staff).toEqual({
      ...base,
      file: {
        fileId: "AgACAgIAAx0-AQADws-0",
        name: "photo_AQADws0.jpg",
        mime: "image/jpeg",
        size: 100,
      },
    });
  });
});

describe("documents", () => {
  const document = (fields: Record<string, unknown>) => ({
    file_id: "BQACAgIAAx0-doc",
    file_unique_id: "AgADdoc",
    ...fields,
  });

  it("keeps a file name that has an extension, with MIME type, size and caption", () => {
    const message = inTopic({
      document: document({
        file_name: "Счёт 15.pdf",
        mime_type: "application/pdf",
        file_size: 48_213,
      }),
      caption: "Счёт во вложении",
    });
    expect(toStaffMessage(message)).toEqual({
      ...base,
      text: "Счёт во вложении",
      file: {
        fileId: "BQACAgIAAx0-doc",
        name: "Счёт 15.pdf",
        mime: "application/pdf",
        size: 48_213,
      },
    });
  });

  it("keeps the name's own extension even when the MIME type says otherwise", () => {
    const message = inTopic({
      document: document({ file_name: "scan.PNG", mime_type: "image/jpeg" }),
    });
    expect(toStaffMessage(message)?.file).toEqual({
      fileId: "BQACAgIAAx0-doc",
      name: "scan.PNG",
      mime: "image/jpeg",
    });
  });

  it("adds the MIME type's extension to a name without one", () => {
    const message = inTopic({
      document: document({
        file_name: "Акт от 12.05",
        mime_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      }),
    });
    expect(toStaffMessage(message)?.file?.name).toBe("Акт от 12.05.docx");
  });

  it("names a document without file_name after its unique id, with the MIME's extension", () => {
    const message = inTopic({ document: document({ mime_type: "image/png", file_size: 7 }) });
    expect(toStaffMessage(message)).toEqual({
      ...base,
      file: { fileId: "BQACAgIAAx0-doc", name: "file_AgADdoc.png", mime: "image/png", size: 7 },
    });
  });

  it("falls back to .bin and application/octet-stream without file_name and MIME type", () => {
    const message = inTopic({ document: document({}) });
    expect(toStaffMessage(message)?.file).toEqual({
      fileId: "BQACAgIAAx0-doc",
      name: "file_AgADdoc.bin",
      mime: "application/octet-stream",
    });
  });
});

describe("kinds a marketplace cannot take", () => {
  const file = { file_id: "CAACAgIAAx0-x", file_unique_id: "AgADx" };
  const kinds: Array<[string, Record<string, unknown>]> = [
    [
      "sticker",
      {
        sticker: {
          ...file,
          type: "regular",
          width: 512,
          height: 512,
          is_animated: false,
          is_video: false,
        },
      },
    ],
    ["voice", { voice: { ...file, duration: 4, mime_type: "audio/ogg" } }],
    ["video_note", { video_note: { ...file, length: 240, duration: 5 } }],
    ["video", { video: { ...file, width: 640, height: 360, duration: 9 }, caption: "видео" }],
    ["audio", { audio: { ...file, duration: 180, title: "track" } }],
    [
      "poll",
      {
        poll: {
          id: "1",
          question: "Удобно?",
          options: [],
          total_voter_count: 0,
          is_closed: false,
          is_anonymous: true,
          type: "regular",
          allows_multiple_answers: false,
        },
      },
    ],
    ["location", { location: { latitude: 55.75, longitude: 37.62 } }],
    ["contact", { contact: { phone_number: "+70000000000", first_name: "Ivan" } }],
    ["dice", { dice: { emoji: "🎲", value: 3 } }],
    ["game", { game: { title: "g", description: "d", photo: [] } }],
    ["story", { story: { chat, id: 5 } }],
  ];

  it.each(kinds)("refuses %s by its kind, without file or text", (kind, content) => {
    expect(toStaffMessage(inTopic(content))).toEqual({ ...base, unsupported: kind });
  });

  it("refuses a GIF as animation, though Telegram also sets document on it", () => {
    const gif = {
      ...file,
      width: 320,
      height: 240,
      duration: 2,
      file_name: "a.gif.mp4",
      mime_type: "video/mp4",
    };
    const message = inTopic({ animation: gif, document: gif });
    expect(toStaffMessage(message)).toEqual({ ...base, unsupported: "animation" });
  });

  it('refuses a kind without a rule of its own as "other"', () => {
    // A content kind the Bot API may add later: staff hear it was not sent, never silence.
    const message = inTopic({ hologram: { id: 1 } } as never);
    expect(toStaffMessage(message)).toEqual({ ...base, unsupported: "other" });
  });

  // The Bot API sets `location` on every venue message ("For backward compatibility, when this
  // field is set, the location field will also be set"): the venue must win.
  it("refuses a venue as a venue (Telegram also sets location on it)", () => {
    const location = { latitude: 55.75, longitude: 37.62 };
    const venue = { location, title: "Склад", address: "Москва, ул. Складская, 1" };
    expect(toStaffMessage(inTopic({ venue, location }))).toEqual({ ...base, unsupported: "venue" });
  });
});

describe("not staff writing to a buyer", () => {
  it.each([
    ["forum_topic_edited", { name: "Ozon · 12345678-0001 ✅" }],
    ["forum_topic_closed", {}],
    ["forum_topic_reopened", {}],
    ["pinned_message", { ...root, message_id: 90, text: "карточка" }],
    ["new_chat_members", [anna]],
    ["left_chat_member", anna],
    ["new_chat_title", "Support"],
    ["message_auto_delete_timer_changed", { message_auto_delete_time: 86400 }],
    ["video_chat_started", {}],
    ["boost_added", { boost_count: 1 }],
  ])("ignores the service message %s in a topic", (key, value) => {
    expect(toStaffMessage(inTopic({ [key]: value }))).toBeUndefined();
  });

  it("ignores the topic's own creation message", () => {
    expect(toStaffMessage(root as unknown as Message)).toBeUndefined();
  });

  // Service messages Telegram posts inside a topic must not be answered with "Not sent".
  it.each([
    ["checklist_tasks_done", { marked_as_done_task_ids: [1] }],
    ["checklist_tasks_added", { tasks: [{ id: 2, text: "ещё" }] }],
    ["poll_option_added", { option_persistent_id: "x", option_text: "да" }],
    ["proximity_alert_triggered", { traveler: anna, watcher: anna, distance: 50 }],
  ])("ignores the service message %s in a topic", (key, value) => {
    expect(toStaffMessage(inTopic({ [key]: value }))).toBeUndefined();
  });

  it("ignores messages from bots", () => {
    const other: User = { id: 555000111, is_bot: true, first_name: "Other", username: "other_bot" };
    expect(toStaffMessage({ ...inTopic({ text: "hi" }), from: other })).toBeUndefined();
    expect(toStaffMessage({ ...inTopic({ text: "hi" }), from: bridgeBot })).toBeUndefined();
  });

  it("ignores a message in General (no message_thread_id, no is_topic_message)", () => {
    const {
      message_thread_id: _t,
      is_topic_message: _i,
      reply_to_message: _r,
      ...general
    } = inTopic({ text: "всем привет" }) as Message & Record<string, unknown>;
    expect(toStaffMessage(general as Message)).toBeUndefined();
  });

  it("ignores a reply in General (message_thread_id of the replied message, no is_topic_message)", () => {
    const earlier = { message_id: 88, date: DATE - 60, chat, from: anna, text: "вопрос" };
    const reply = {
      message_id: MESSAGE_ID,
      date: DATE,
      chat,
      from: anna,
      message_thread_id: 88,
      reply_to_message: earlier,
      text: "ответ",
    } as unknown as Message;
    expect(toStaffMessage(reply)).toBeUndefined();
  });

  it("ignores a message that has is_topic_message but no message_thread_id", () => {
    const { message_thread_id: _t, ...odd } = inTopic({ text: "?" }) as Message &
      Record<string, unknown>;
    expect(toStaffMessage(odd as Message)).toBeUndefined();
  });
});

describe("anonymous administrators", () => {
  // An admin with "Remain anonymous" on writes as GroupAnonymousBot (from.is_bot: true,
  // sender_chat: the group); the reply is staff's all the same.
  it("relays a reply written by an anonymous admin of the staff group", () => {
    const anonymous: User = {
      id: 1087968824,
      is_bot: true,
      first_name: "Group",
      username: "GroupAnonymousBot",
    };
    const message = { ...inTopic({ text: "Добрый день!" }), from: anonymous, sender_chat: chat };
    // Recorded as the group (with the admin's signature when set): no person to name.
    expect(toStaffMessage(message as Message)).toEqual({
      ...base,
      sender: { userId: STAFF, name: "Marketplace support" },
      text: "Добрый день!",
    });
  });
});
