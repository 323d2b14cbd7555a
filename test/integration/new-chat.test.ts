// /new: staff start chats with buyers, in one line or guided; two staff members at once; the
// conversation never swallows a reply meant for a buyer; refusals come in words. What a number
// is called, its example and what a refusal usually means are Ozon's own words, in the staff's
// language; /help's examples come from them.
import type { User } from "grammy/types";
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, useHarness } from "./harness.ts";

const anna: User = { id: 501, is_bot: false, first_name: "Анна" };
const boris: User = { id: 502, is_bot: false, first_name: "Борис" };

describe("/new", () => {
  const h = useHarness({ start: true });
  const general = () => h.telegram.textsIn(STAFF, "general");
  const said = (predicate: (text: string) => boolean, after = 0) =>
    waitFor(() => general().slice(after).find(predicate), { message: "the bot's answer" });

  it("starts an Ozon chat in one line and leaves a topic staff can write into", async () => {
    const chatId = h.ozon.addChat({ orderNumber: "47873153-0052-1" });
    h.ozon.addPosting("47873153-0052-1", { chatId });
    h.telegram.staffSends({ text: "/new ozon 47873153-0052-1" });
    await said((t) => t.startsWith("Chat started"));
    const thread = await h.waitForThread(chatId);
    h.telegram.staffSends({ threadId: thread, text: "Здравствуйте, по вашему заказу" });
    await waitFor(() =>
      h.ozon
        .sentBySeller(chatId)
        .some((s) => s.kind === "text" && s.text.startsWith("Здравствуйте")),
    );
  });

  it("explains a refused start in words", async () => {
    h.ozon.addPosting("11111111-0001-1", { fbo: true });
    h.telegram.staffSends({ text: "/new ozon 11111111-0001-1" });
    const reply = await said((t) => t.startsWith("Chat not started"));
    expect(reply).toMatch(
      /^Chat not started: the marketplace refused \(Ozon API: .*\)\. Only the buyer can start an FBO chat; FBS\/rFBS chats within 72 hours after payment or delivery; Premium Plus or Premium Pro is required\.$/,
    );
    h.telegram.staffSends({ text: "/new ozon 99999999-0001-1" });
    await said((t) => t.includes("found no such order"));
  });

  it("guides two staff members at once without mixing their answers", async () => {
    h.ozon.addPosting("20000000-0001-1");
    h.ozon.addPosting("30000000-0001-1");
    const start = general().length;
    h.telegram.staffSends({ text: "/new", from: anna });
    h.telegram.staffSends({ text: "/new", from: boris });
    await waitFor(
      () =>
        general()
          .slice(start)
          .filter((t) => t.includes("which marketplace")).length === 2,
    );
    h.telegram.staffSends({ text: "ozon", from: anna });
    h.telegram.staffSends({ text: "ozon", from: boris });
    await waitFor(
      () =>
        general()
          .slice(start)
          .filter((t) => t === "The Ozon posting number (e.g. 47873153-0052-1)? /cancel to stop.")
          .length === 2,
    );
    // Anna answers something unusable first; Boris answers while she retries.
    h.telegram.staffSends({ text: "не помню", from: anna });
    await said(
      (t) => t === "That does not look like a number. Example: 47873153-0052-1. Again or /cancel.",
      start,
    );
    h.telegram.staffSends({ text: "30000000-0001-1", from: boris });
    h.telegram.staffSends({ text: "20000000-0001-1", from: anna });
    await waitFor(
      () =>
        general()
          .slice(start)
          .filter((t) => t.startsWith("Chat started")).length === 2,
    );
    const titles = h.telegram.topics(STAFF).map((topic) => topic.name);
    expect(titles.some((n) => n.includes("20000000-0001-1"))).toBe(true);
    expect(titles.some((n) => n.includes("30000000-0001-1"))).toBe(true);
  });

  it("never takes a buyer's reply, and /cancel ends it", async () => {
    const { chat, thread } = await h.openChat("вопрос покупателя");
    h.telegram.staffSends({ text: "/new", from: anna });
    await said((t) => t.includes("which marketplace"));
    // Anna answers the buyer in the buyer's topic while her /new waits in General.
    h.telegram.staffSends({ threadId: thread, text: "ozon", from: anna });
    await waitFor(() =>
      h.ozon.sentBySeller(chat).some((s) => s.kind === "text" && s.text === "ozon"),
    );
    h.telegram.staffSends({ text: "/cancel", from: anna });
    await said((t) => t === "Cancelled.");
  });

  it("/help shows /new with the connected marketplace's own example", async () => {
    h.telegram.staffSends({ text: "/help" });
    const help = await said((t) => t.startsWith("How it works"));
    expect(help).toContain("/new — start a chat: /new ozon 47873153-0052-1 or just /new\n");
  });
});

describe("/new in Russian", () => {
  const h = useHarness({ start: true, language: "ru" });
  const general = () => h.telegram.textsIn(STAFF, "general");
  const said = (predicate: (text: string) => boolean) =>
    waitFor(() => general().find(predicate), { message: "the bot's answer" });

  it("asks for an Ozon posting number in Ozon's words, and explains Ozon's refusal", async () => {
    h.ozon.addPosting("11111111-0001-1", { fbo: true });
    h.telegram.staffSends({ text: "/new ozon" });
    await said((t) => t === "Номер отправления Ozon (например 47873153-0052-1)? /cancel — отмена.");
    h.telegram.staffSends({ text: "11111111-0001-1" });
    const reply = await said((t) => t.startsWith("Чат не начат"));
    expect(reply).toMatch(
      /^Чат не начат: маркетплейс отказал \(Ozon API: .*\)\. Для FBO чат может начать только покупатель; для FBS\/rFBS — в течение 72 часов после оплаты или доставки; нужна подписка Premium Plus или Premium Pro\.$/,
    );
  });

  it("/help shows /new with Ozon's example", async () => {
    h.telegram.staffSends({ text: "/help" });
    const help = await said((t) => t.startsWith("Как работать"));
    expect(help).toContain("/new — начать чат: /new ozon 47873153-0052-1 или просто /new\n");
  });
});
