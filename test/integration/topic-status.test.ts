// A topic's name tells at a glance who waits, and the topic follows the marketplace chat's
// state: open, answered, closed, reopened by the next buyer message.
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, useHarness } from "./harness.ts";

describe("topic status", () => {
  const h = useHarness({ start: true });

  it("flips between waiting for us, waiting for the buyer, closed and reopened", async () => {
    const { ozon, telegram } = h;
    const chat = ozon.addChat({ orderNumber: "555-1" });
    ozon.buyerWrites(chat, "Здравствуйте!");
    const thread = await h.waitForThread(chat);
    const name = () => telegram.topic(thread, STAFF)?.name ?? "";
    await waitFor(() => name().startsWith("🔴"), { message: "🔴 after the buyer wrote" });

    const renames = () => telegram.callsOf("editForumTopic").length;
    telegram.staffSends({ threadId: thread, text: "Добрый день" });
    await waitFor(() => name().startsWith("🟢"), { message: "🟢 after staff answered" });
    const afterAnswer = renames();
    await h.cycles(3);
    expect(renames()).toBe(afterAnswer); // nothing changed, nothing renamed

    ozon.closeChat(chat);
    await waitFor(() => telegram.topic(thread, STAFF)?.closed && name().startsWith("⚪"), {
      timeoutMs: 10_000,
      message: "topic closed with the chat",
    });

    ozon.buyerWrites(chat, "Ещё вопрос");
    await waitFor(() => !telegram.topic(thread, STAFF)?.closed && name().startsWith("🔴"), {
      timeoutMs: 10_000,
      message: "reopened by the buyer",
    });
    await h.waitForBuyerTexts(thread, 2);
  });

  it("pins an order card in every new topic", async () => {
    const { ozon, telegram } = h;
    const chat = ozon.addChat({ orderNumber: "777-2" });
    ozon.buyerWrites(chat, "Вопрос", { orderNumber: "777-2", sku: "1234567890" });
    const thread = await h.waitForThread(chat);
    await waitFor(() => telegram.pinnedIn(STAFF).length > 0);
    const pinned = telegram.pinnedIn(STAFF).map((id) => telegram.message(STAFF, id));
    const card = (text: string | undefined) =>
      text?.includes("777-2") && text.includes("1234567890");
    expect(pinned.some((m) => m?.message_thread_id === thread && card(m.text))).toBe(true);
  });
});
