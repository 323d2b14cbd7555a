// Only staff messages in a mapped topic of the staff group reach the buyer. Other groups are
// left, private chats get one line saying where the bot works, General and topics staff made
// for themselves are ignored: nothing is sent to Ozon and the bot says nothing there (a
// sticker would otherwise get an explanation).
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { SEND_FILE, SEND_MESSAGE, STAFF, useHarness } from "./harness.ts";

describe("what the bot listens to", () => {
  const h = useHarness({ start: true });

  it("ignores other chats, General and unmapped topics; serves the mapped topic", async () => {
    const { ozon, telegram } = h;
    const { chat, thread } = await h.openChat("hello");

    const other = telegram.otherGroupSends({ text: "from another group" });
    telegram.otherGroupSends({ sticker: true });
    const privateChat = telegram.userSendsPrivate({ text: "hi bot" });
    telegram.userSendsPrivate({ sticker: true });
    telegram.staffSends({ text: "chatting in General" });
    telegram.staffSends({ sticker: true });
    const { topic } = telegram.createTopicByHuman("Staff only: shifts");
    const unmapped = topic.message_thread_id;
    telegram.staffSends({ threadId: unmapped, text: "who takes Saturday?" });
    telegram.staffSends({ threadId: unmapped, sticker: true });

    // Updates are handled one after another: once this one is through, so are those above.
    const served = telegram.staffSends({ threadId: thread, text: "Hello, how can we help?" });
    await waitFor(() => telegram.reactions.find((r) => r.messageId === served.message_id), {
      message: "the receipt on the served message",
    });
    await h.bridge.outbound.idle();
    await waitFor(() => telegram.pendingUpdates.length === 0, { message: "all updates confirmed" });

    expect(ozon.sentBySeller(chat)).toEqual([
      expect.objectContaining({ kind: "text", text: "Hello, how can we help?" }),
    ]);
    expect(ozon.countByPath(SEND_MESSAGE)).toBe(1);
    expect(ozon.countByPath(SEND_FILE)).toBe(0);
    expect(telegram.messagesIn(other.chat.id)).toEqual([]);
    expect(telegram.callsOf("leaveChat").map((c) => c.params.chat_id)).toEqual([other.chat.id]);
    expect(telegram.textsIn(privateChat.chat.id)).toEqual([
      "This bot works only in its shop's staff group.",
      "This bot works only in its shop's staff group.",
    ]);
    expect(telegram.messagesIn(STAFF, "general")).toEqual([]);
    expect(telegram.messagesIn(STAFF, unmapped)).toEqual([]);
    expect(telegram.reactions.map((r) => r.messageId)).toEqual([served.message_id]);
    expect(telegram.topics(STAFF)).toHaveLength(2);
  });
});
