// Fault matrix, Yandex Market side, against the real entry point: server errors, 420s with and
// without the rate-limit headers, lost connections, cut and malformed answers, error envelopes
// in a 200, unexpected enum values and missing optional fields. For each: the process keeps
// running, the affected message arrives once when the fault clears, and the log says what
// happened once (a failure the client's read retry absorbs says nothing).
import { expect, it } from "vitest";
import { yandexDate } from "../fakes/yandex.ts";
import { waitFor } from "../support/wait-for.ts";
import { useChatWorld, YANDEX } from "./lane-chat.ts";
import { describeLines, expectOneProblem, lane, problems, type World } from "./world.ts";

/** A Yandex-only World and one chat with its topic, for the calling lane. */
const yandexLane = () => useChatWorld(YANDEX, "Здравствуйте, где мой заказ?");

/** The 420 Yandex sends when the hourly limit of a method is used up, ending in a second. */
const usedUp420 = () => ({
  status: 420,
  headers: {
    "x-ratelimit-resource-remaining": "0",
    "x-ratelimit-resource-until": new Date(Date.now() + 1000).toUTCString(),
  },
});

/** When the newest message of a chat was written, as the fake dates it. */
const newestDate = (world: World, chat: number) => world.yandex.messages(chat).at(-1)?.createdAt;

/**
 * A getChatHistory answer of an order chat with just `messages` (and `extra` result fields), to
 * serve once in place of what Yandex has.
 */
const historyAnswer = (messages: object[], extra: object = {}) => ({
  status: 200,
  body: { status: "OK", result: { messages, context: { type: "ORDER" }, ...extra } },
});

lane("Yandex reads fail", () => {
  const { world, c } = yandexLane();

  it("logs getChats 500s that outlast the read retries once, then delivers", async () => {
    await c.freshSecond();
    const mark = await c.arrivesOnceAfter("after getChats 500", () =>
      world.yandex.failNext("getChats", { status: 500, times: 3 }),
    );
    expectOneProblem(world, mark, "polling failed; will retry", "HTTP 500");
    await waitFor(() => world.logsSince(mark).some((l) => l.msg === "polling recovered"));
  });

  it("waits out a 420 that names when the limit ends, without a warning", async () => {
    await c.freshSecond();
    const mark = await c.arrivesOnceAfter("after a used-up getChats limit", () =>
      world.yandex.failNext("getChats", usedUp420()),
    );
    expect(world.problemsSince(mark), describeLines(world.problemsSince(mark))).toEqual([]);
  });

  it("logs getChatHistory connection resets once, then delivers", async () => {
    await c.freshSecond();
    const mark = await c.arrivesOnceAfter("after history resets", () => {
      for (let i = 0; i < 3; i++) world.yandex.resetNext("getChatHistory");
    });
    expectOneProblem(world, mark, "chat sync failed; will retry", /network error/);
  });

  it("logs getChatHistory answers cut short once, then delivers", async () => {
    await c.freshSecond();
    const mark = await c.arrivesOnceAfter("after history cut short", () => {
      for (let i = 0; i < 3; i++) world.yandex.truncateNext("getChatHistory");
    });
    expectOneProblem(world, mark, "chat sync failed; will retry", /malformed JSON/);
  });

  it("logs a 200 that carries status ERROR once, then delivers", async () => {
    await c.freshSecond();
    const mark = await c.arrivesOnceAfter("after status ERROR in a 200", () =>
      world.yandex.failNext("getChatHistory", {
        status: 200,
        body: { status: "ERROR", errors: [{ code: "INTERNAL_ERROR", message: "try later" }] },
        times: 3,
      }),
    );
    expect(problems(world, mark)).toEqual(["chat sync failed; will retry"]);
  });

  it("logs a reset file download once and posts the file when it works", async () => {
    await c.freshSecond();
    const mark = world.mark();
    const name = `чек-${c.next("f").replace(/\W/g, "")}.pdf`;
    world.yandex.customerSendsFile(c.chat, Buffer.from("%PDF-1.4 receipt"), name);
    world.yandex.resetNext("file");
    await c.arrivesOnce(name);
    expectOneProblem(world, mark, "chat sync failed; will retry", /GET .*\/files\/.*network error/);
  });

  it("posted nothing twice, three poll cycles later", () => c.noneTwice());
});

lane("Yandex throttles without a hint, and a chat's details fail", () => {
  const { world, c } = yandexLane();

  it("waits out a 420 without a used-up limit (the 4-parallel limit), without a warning", async () => {
    await c.freshSecond();
    const mark = await c.arrivesOnceAfter("after a parallel-limit 420", () =>
      world.yandex.failNext("getChatHistory", {
        status: 420,
        body: {
          status: "ERROR",
          errors: [{ code: "HIT_RATE_LIMIT", message: "Hit rate limit of 4 parallel requests" }],
        },
      }),
    );
    expect(problems(world, mark)).toEqual([]);
  }, 40_000);

  it("names a new chat's topic without details when getChat fails, and logs it once", async () => {
    const mark = world.mark();
    const chat = world.yandex.addChat({
      context: { type: "ORDER", orderId: 77001234, customerName: "Ольга" },
    });
    world.yandex.failNext("getChat", { status: 503, times: 3 });
    world.yandex.customerWrites(chat, "Здравствуйте, это новый чат");
    const thread = await world.waitForThread(chat);
    expect(await world.waitForBuyerText(thread, "Здравствуйте, это новый чат")).toBe(1);
    // The order still comes from the history's context; the buyer's name only from getChat.
    const topic = world.telegram.topic(thread);
    expect(topic?.name).toContain("77001234");
    expect(topic?.name).not.toContain("Ольга");
    expect(problems(world, mark)).toEqual([
      "chat details unavailable; naming the topic without them",
    ]);
  });

  it("posted nothing twice, three poll cycles later", () => c.noneTwice());
});

lane("Yandex answers that differ from the spec", () => {
  const { world, c } = yandexLane();

  it("shows a message from a sender type Yandex added later as a marketplace message", async () => {
    await c.freshSecond();
    const mark = world.mark();
    const text = c.next("from a new sender type");
    const buyerText = c.next("and a buyer message after it");
    const id = world.yandex.marketWrites(c.chat, text);
    const buyerId = world.yandex.customerWrites(c.chat, buyerText);
    const createdAt = newestDate(world, c.chat);
    // The next history answer names a sender the spec does not know; the rest is what Yandex has.
    world.yandex.failNext(
      "getChatHistory",
      historyAnswer(
        [
          { messageId: id, createdAt, sender: "ASSISTANT_BOT", message: text },
          { messageId: buyerId, createdAt, sender: "CUSTOMER", message: buyerText },
        ],
        { paging: {} },
      ),
    );
    await c.arrivesOnce(buyerText);
    const system = world.silentPosts(c.thread).find((m) => m.message.text?.includes(text));
    expect(system?.message.text).toContain("ASSISTANT_BOT");
    expect(problems(world, mark)).toEqual([]);
  });

  it("lists a chat with an unknown type and status, without customer or paging", async () => {
    await c.freshSecond();
    const mark = world.mark();
    const text = c.next("listed with new enum values");
    world.yandex.customerWrites(c.chat, text);
    const newest = world.yandex.messages(c.chat).at(-1);
    world.yandex.failNext("getChats", {
      status: 200,
      body: {
        status: "OK",
        result: {
          chats: [
            {
              chatId: c.chat,
              type: "CHAT_WITH_ASSISTANT",
              status: "WAITING_FOR_SOMETHING_NEW",
              createdAt: yandexDate(new Date(Date.now() - 60_000)),
              updatedAt: newest?.createdAt,
              context: { type: "ORDER", orderId: 12345 },
            },
          ],
        },
      },
    });
    await c.arrivesOnce(text);
    expect(problems(world, mark)).toEqual([]);
  });

  it("delivers a message with a file and no text field, and one without a payload size", async () => {
    await c.freshSecond();
    const mark = world.mark();
    const name = `фото-${c.next("p").replace(/\W/g, "")}.pdf`;
    const file = world.yandex.customerSendsFile(c.chat, Buffer.from("%PDF-1.4"), name);
    const createdAt = newestDate(world, c.chat);
    world.yandex.failNext(
      "getChatHistory",
      historyAnswer([
        {
          messageId: file.messageId,
          createdAt,
          sender: "CUSTOMER",
          payload: [{ name, url: file.url }],
        },
      ]),
    );
    await c.arrivesOnce(name);
    expect(problems(world, mark)).toEqual([]);
  });

  // Yandex dates have whole seconds: a message written in the same second as the bridge's last
  // read of the chat, with the status unchanged, leaves the chat's change token as it was, and
  // when it is the chat's last message no later one changes the token to make up for it.
  it("delivers a buyer message written in the same second as the last sync", async () => {
    world.yandexFrozenAt = Math.floor(Date.now() / 1000) * 1000;
    try {
      const chat = world.yandex.addChat();
      world.yandex.customerWrites(chat, "first message of the second");
      const thread = await world.waitForThread(chat);
      await world.waitForBuyerText(thread, "first message of the second");
      world.yandex.customerWrites(chat, "second message of the same second");
      await world.waitForBuyerText(thread, "second message of the same second", 8000);
    } finally {
      world.yandexFrozenAt = undefined;
    }
  }, 20_000);

  it("posted nothing twice, three poll cycles later", () => c.noneTwice());
});

lane("Yandex sends fail", () => {
  const { world, c } = yandexLane();

  it.each([
    ["503", { status: 503 }],
    ["420 naming when the limit ends", usedUp420()],
    [
      "200 with status ERROR",
      { status: 200, body: { status: "ERROR", errors: [{ code: "INTERNAL_ERROR" }] } },
    ],
  ] as const)("retries sendMessageToChat after a %s and sends once", async (_label, fault) => {
    const mark = world.mark();
    const text = c.next(`staff after ${_label}`);
    world.yandex.failNext("sendMessageToChat", fault);
    await c.staffWrites(text);
    expect(c.copiesOf(text)).toBe(1);
    expect(problems(world, mark)).toEqual(["staff message not sent yet; retrying"]);
  });

  it("retries sendMessageToChat after the connection was reset before Yandex got it", async () => {
    const mark = world.mark();
    const text = c.next("staff after a reset");
    world.yandex.resetNext("sendMessageToChat");
    await c.staffWrites(text);
    expect(c.copiesOf(text)).toBe(1);
    expect(problems(world, mark)).toEqual(["staff message not sent yet; retrying"]);
  });

  it("retries sendFileToChat after a 502 and sends the document once", async () => {
    const mark = world.mark();
    world.yandex.failNext("sendFileToChat", { status: 502 });
    await c.staffDocumentArrivesOnce("накладная.pdf", Buffer.from("%PDF-1.4 накладная"));
    expect(problems(world, mark)).toEqual(["staff message not sent yet; retrying"]);
  });

  // Unlike Ozon, a Yandex 200 may say {"status":"ERROR"} (tested above), so a cut body cannot
  // simply count as success: it counts as "maybe delivered", and the chat is read before a retry.
  it("does not send again when Yandex accepted a message but its answer was cut", async () => {
    const text = c.next("staff, answer cut");
    world.yandex.truncateNext("sendMessageToChat");
    await c.staffWrites(text);
    expect(c.copiesOf(text)).toBe(1);
  });
});
