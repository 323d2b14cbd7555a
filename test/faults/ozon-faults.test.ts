// Fault matrix, Ozon side, against the real entry point: server errors, throttling, lost
// connections, cut and malformed answers, unexpected enum spellings and missing optional fields.
// For each: the process keeps running, the affected message arrives once when the fault clears,
// and the log says what happened once (a failure the client's read retry absorbs says nothing).
import { beforeAll, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { OZON, useChatWorld } from "./lane-chat.ts";
import {
  describeLines,
  expectOneProblem,
  lane,
  OZON_ACCOUNT,
  OZON_HISTORY,
  OZON_LIST,
  OZON_READ,
  OZON_SEND,
  OZON_SEND_FILE,
  problems,
  useWorld,
  type World,
} from "./world.ts";

/** An Ozon-only World and one chat with its topic, for the calling lane. */
const ozonLane = () => useChatWorld(OZON, "Здравствуйте, вопрос по заказу");

lane("Ozon chat/list fails", () => {
  const { world, c } = ozonLane();

  it("absorbs a single 500 in the read retry, without a warning", async () => {
    const mark = await c.arrivesOnceAfter("after one list 500", () =>
      world.ozon.failNext(OZON_LIST, { status: 500 }),
    );
    expect(world.problemsSince(mark), describeLines(world.problemsSince(mark))).toEqual([]);
  });

  it("logs 502s that outlast the read retries once, then delivers", async () => {
    const mark = await c.arrivesOnceAfter("after list 502", () =>
      world.ozon.failNext(OZON_LIST, { status: 502, times: 3 }),
    );
    expectOneProblem(world, mark, "polling failed; will retry", "HTTP 502");
    await waitFor(() => world.logsSince(mark).some((l) => l.msg === "polling recovered"));
  });

  it("waits out a 429 without a retry hint, without a warning", async () => {
    const mark = await c.arrivesOnceAfter("after list 429 without hint", () =>
      world.ozon.failNext(OZON_LIST, {
        status: 429,
        body: { code: 8, message: "You have reached request rate limit per second", details: [] },
      }),
    );
    expect(problems(world, mark)).toEqual([]);
  });

  it("waits out a 429 with Retry-After, without a warning", async () => {
    const mark = await c.arrivesOnceAfter("after list 429 with Retry-After", () =>
      world.ozon.failNext(OZON_LIST, { status: 429, headers: { "retry-after": "1" } }),
    );
    expect(problems(world, mark)).toEqual([]);
  });

  it("reads an item without the optional fields and with its type spelled Buyer_Seller", async () => {
    const mark = world.mark();
    const text = c.next("listed sparsely");
    const id = world.ozon.buyerWrites(c.chat, text);
    world.ozon.failNext(OZON_LIST, {
      status: 200,
      body: {
        chats: [
          { chat: { chat_id: c.chat, chat_type: "Buyer_Seller" }, last_message_id: BigInt(id) },
        ],
      },
    });
    await c.arrivesOnce(text);
    expect(problems(world, mark)).toEqual([]);
  });

  it("skips a listing with an unknown chat type and delivers once the type is known again", async () => {
    const mark = world.mark();
    const text = c.next("listed with an unknown type once");
    const id = world.ozon.buyerWrites(c.chat, text);
    world.ozon.failNext(OZON_LIST, {
      status: 200,
      body: {
        chats: [
          {
            chat: { chat_id: c.chat, chat_type: "BUYER_SELLER_PREMIUM", chat_status: "OPENED" },
            last_message_id: BigInt(id),
            unread_count: 1,
          },
        ],
        has_next: false,
      },
    });
    await c.arrivesOnce(text);
    expect(problems(world, mark)).toEqual([]);
  });

  it("posted nothing twice, three poll cycles later", () => c.noneTwice());
});

lane("Ozon chat/history and chat files fail", () => {
  const { world, c } = ozonLane();

  it("logs 503s that outlast the read retries once, then delivers", async () => {
    const mark = await c.arrivesOnceAfter("after history 503", () =>
      world.ozon.failNext(OZON_HISTORY, { status: 503, times: 3 }),
    );
    expectOneProblem(world, mark, "chat sync failed; will retry", "HTTP 503");
    await waitFor(() => world.logsSince(mark).some((l) => l.msg === "chat sync recovered"));
  });

  it("logs connection resets once, then delivers", async () => {
    const mark = await c.arrivesOnceAfter("after history resets", () => {
      for (let i = 0; i < 3; i++) world.ozon.resetNext(OZON_HISTORY);
    });
    expectOneProblem(world, mark, "chat sync failed; will retry", /network error/);
  });

  it.each(["end", "close"] as const)(
    "logs answers cut short (%s) once, then delivers",
    async (mode) => {
      const mark = await c.arrivesOnceAfter(`after history truncated (${mode})`, () => {
        for (let i = 0; i < 3; i++) world.ozon.truncateNext(OZON_HISTORY, { mode });
      });
      const err = mode === "end" ? /malformed JSON/ : /network error/;
      expectOneProblem(world, mark, "chat sync failed; will retry", err);
    },
  );

  it("logs a proxy's HTML page answered with 200 once, then delivers", async () => {
    const html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    const mark = await c.arrivesOnceAfter("after HTML answers", () =>
      world.ozon.failNext(OZON_HISTORY, { status: 200, body: html, times: 3 }),
    );
    expect(problems(world, mark)).toEqual(["chat sync failed; will retry"]);
  });

  it("logs a reset image download once and posts the photo when it works", async () => {
    const mark = world.mark();
    const image = world.ozon.buyerSendsImage(c.chat, Buffer.from("jpeg bytes"), "jpg");
    world.ozon.resetNext(new URL(image.url).pathname);
    const photos = () => world.buyerPosts(c.thread).filter((m) => m.message.photo !== undefined);
    await waitFor(() => photos().length > 0, { timeoutMs: 30_000, message: "the photo" });
    expect(photos()).toHaveLength(1);
    const err = /GET .*\/v2\/chat\/file\/.*network error/;
    expectOneProblem(world, mark, "chat sync failed; will retry", err);
  });

  it("logs a file download 500 once and posts the file when it works", async () => {
    const mark = world.mark();
    const name = `invoice-${c.next("f").replace(/\W/g, "")}.pdf`;
    const file = world.ozon.buyerSendsFile(c.chat, Buffer.from("%PDF-1.4 fake"), name);
    world.ozon.failNext(new URL(file.url).pathname, { status: 500 });
    await c.arrivesOnce(name);
    expect(problems(world, mark)).toEqual(["chat sync failed; will retry"]);
  });

  it("reads sender types spelled differently (CUSTOMER) or unknown (a new type)", async () => {
    const mark = world.mark();
    const buyerText = c.next("buyer, type spelled CUSTOMER");
    const botText = c.next("from a sender type Ozon added later");
    const buyerId = world.ozon.buyerWrites(c.chat, buyerText);
    const botId = world.ozon.systemWrites(c.chat, "ChatBot", botText);
    // The next history answer spells the types differently; the rest is what Ozon has.
    world.ozon.failNext(OZON_HISTORY, {
      status: 200,
      body: {
        has_next: false,
        messages: [
          historyItem(buyerId, "CUSTOMER", buyerText),
          historyItem(botId, "CHAT_BOT_V2", botText),
        ],
      },
    });
    await c.arrivesOnce(buyerText);
    // An unknown sender is shown as a marketplace message (silent, labelled with its type).
    const system = await waitFor(() =>
      world.silentPosts(c.thread).find((m) => m.message.text?.includes(botText)),
    );
    expect(system.message.text).toContain("CHAT_BOT_V2");
    expect(problems(world, mark)).toEqual([]);
  });

  it("delivers a message that has only an id, a sender type and data", async () => {
    const mark = world.mark();
    const text = c.next("bare message");
    const id = world.ozon.buyerWrites(c.chat, text);
    world.ozon.failNext(OZON_HISTORY, {
      status: 200,
      body: { messages: [{ message_id: BigInt(id), user: { type: "Customer" }, data: [text] }] },
    });
    await c.arrivesOnce(text);
    expect(problems(world, mark)).toEqual([]);
  });

  it("posted nothing twice, three poll cycles later", () => c.noneTwice());
});

lane("Ozon sends fail", () => {
  const { world, c } = ozonLane();

  it.each([
    ["500", { status: 500 }],
    ["429 with Retry-After", { status: 429, headers: { "retry-after": "1" } }],
  ] as const)("retries send/message after a %s and sends once", async (_label, fault) => {
    const mark = world.mark();
    const text = c.next(`staff after send ${_label}`);
    world.ozon.failNext(OZON_SEND, fault);
    await c.staffWrites(text);
    expect(c.copiesOf(text)).toBe(1);
    expectOneProblem(world, mark, "staff message not sent yet; retrying", `HTTP ${fault.status}`);
  });

  it("retries send/message after the connection was reset before Ozon got it", async () => {
    const mark = world.mark();
    const text = c.next("staff after a reset");
    world.ozon.resetNext(OZON_SEND);
    await c.staffWrites(text);
    expect(c.copiesOf(text)).toBe(1);
    expect(problems(world, mark)).toEqual(["staff message not sent yet; retrying"]);
  });

  it("retries send/file after a 503 and sends the document once", async () => {
    const mark = world.mark();
    world.ozon.failNext(OZON_SEND_FILE, { status: 503 });
    await c.staffDocumentArrivesOnce("акт.pdf", Buffer.from("%PDF-1.4 staff document"));
    expect(problems(world, mark)).toEqual(["staff message not sent yet; retrying"]);
  });

  it("sends once and logs it once when marking the chat read fails", async () => {
    const mark = world.mark();
    const text = c.next("staff while chat/read fails");
    world.ozon.failNext(OZON_READ, { status: 500 });
    await c.staffWrites(text);
    expect(c.copiesOf(text)).toBe(1);
    // The receipt comes first; marking the chat read follows it.
    await waitFor(() => problems(world, mark).length > 0);
    expect(problems(world, mark)).toEqual(["could not mark the chat read"]);
  });

  // A job waiting for its retry holds its chat's lane, so a later staff message of the same
  // chat does not go first (it did before f0aaabc).
  it("keeps the order of two staff messages when the first needs a retry", async () => {
    world.ozon.failNext(OZON_SEND, { status: 500 });
    const first = c.next("first, needs a retry");
    const second = c.next("second");
    const one = world.telegram.staffSends({ threadId: c.thread, text: first });
    const two = world.telegram.staffSends({ threadId: c.thread, text: second });
    await world.receiptOn(one.message_id);
    await world.receiptOn(two.message_id);
    expect(c.sentTexts().filter((t) => t === first || t === second)).toEqual([first, second]);
  });

  // Ozon answered the send with 200 but the body was cut short: the 2xx counts, nothing is sent
  // again (before f0aaabc the bridge took it for a failure).
  it("does not send again when Ozon accepted a message but its answer was cut", async () => {
    const text = c.next("staff, answer cut");
    world.ozon.truncateNext(OZON_SEND);
    await c.staffWrites(text);
    expect(c.copiesOf(text)).toBe(1);
  });

  // Ozon carried out the send but the answer was lost. Ozon has no idempotency key, and this is
  // not a crash, so "nothing duplicated in normal operation, including retries" applies: the
  // bridge looks for the first copy in the chat before repeating it.
  it("does not send again when Ozon carried out a send whose answer was lost", async () => {
    const text = c.next("staff, answer lost");
    world.ozon.resetNext(OZON_SEND, { afterProcessing: true });
    await c.staffWrites(text);
    expect(c.copiesOf(text)).toBe(1);
  });
});

/** One /v3/chat/history item as Ozon writes it, with the sender type given. */
function historyItem(id: string, type: string, text: string) {
  return {
    message_id: BigInt(id),
    user: { id: "115568", type },
    created_at: new Date().toISOString(),
    is_read: false,
    data: [text],
    is_image: false,
    context: { order_number: "", sku: "" },
  };
}

lane("An Ozon outage leaves the Yandex account alone", () => {
  const world = useWorld();
  let ozon: { chat: string; thread: number };
  let yandex: { chat: number; thread: number };
  beforeAll(async () => {
    ozon = await world.openOzonChat("Ozon: здравствуйте");
    yandex = await world.openYandexChat("Yandex: здравствуйте");
  }, 30_000);

  it("keeps Yandex flowing both ways while every Ozon call fails, and logs Ozon once", async () => {
    const mark = world.mark();
    world.ozon.failNext("*", { status: 503, times: 300 });
    const staff = world.telegram.staffSends({ threadId: ozon.thread, text: "Ответ в Ozon" });
    // Several poll cycles of Ozon failing: still one line about it.
    await world.ozonCycles(4);
    world.yandex.customerWrites(yandex.chat, "Yandex: ещё вопрос");
    expect(await world.waitForBuyerText(yandex.thread, "Yandex: ещё вопрос")).toBe(1);
    const answer = world.telegram.staffSends({ threadId: yandex.thread, text: "Ответ в Yandex" });
    await world.receiptOn(answer.message_id);
    const ozonLines = world
      .problemsSince(mark)
      .filter((l) => l.account === OZON_ACCOUNT && l.msg === "polling failed; will retry");
    expect(ozonLines).toHaveLength(1);
    // Ozon is back: the staff message waiting for it goes out once.
    await drainOzon(world);
    await world.receiptOn(staff.message_id, 30_000);
    const sent = world.ozon.sentBySeller(ozon.chat);
    expect(sent.filter((s) => s.kind === "text" && s.text === "Ответ в Ozon")).toHaveLength(1);
    await waitFor(() => world.logsSince(mark).some((l) => l.msg === "polling recovered"));
  }, 60_000);
});

/** Uses up the failures queued for every Ozon path with harmless unauthenticated requests. */
async function drainOzon(world: World): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const response = await fetch(`${world.ozon.url}${OZON_LIST}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ limit: 1 }),
    });
    await response.arrayBuffer();
    // Injected failures come before authentication; the first request past them gets 401.
    if (response.status !== 503) return;
  }
  throw new Error("drainOzon: the failures never ran out");
}
