// The crash test's echo leaks, each with the kill at the exact step that made it, instead of
// waiting for a random kill to land there. A staff message sent to the marketplace comes back
// in the chat's history as a seller message; the bridge recognises it as its own
// (src/bridge/echoes.ts) and must never post it into the topic as if it had been written in the
// marketplace cabinet, wherever the process dies.
import { rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CursorRecord } from "../../src/bridge/store/index.ts";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { ACCOUNT_ID, STAFF as HARNESS_STAFF, useHarness } from "../integration/harness.ts";
import { type BridgeProcess, startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { waitFor } from "../support/wait-for.ts";

const TOKEN = "123456789:AAEcho-kill-token-4Hq8";
const STAFF = -1001234567890;
const CLIENT_ID = "424242";
const OZON_KEY = "ozon-echo-kill-key-9c2d";
const SEND = "/v1/chat/send/message";
const LIST = "/v3/chat/list";
const STAFF_TEXT = "It left the warehouse today.";

/**
 * FakeOzon that takes the next send (the message is stored: it is in the chat's history) and
 * then, instead of answering, runs `onTaken`; the answer never comes.
 */
class OzonTakingSilently extends FakeOzon {
  onTaken: (() => Promise<void>) | undefined;

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hook = this.onTaken;
    if (hook !== undefined && req.url === SEND) {
      this.onTaken = undefined;
      // The fake writes its answer only once the message is stored.
      res.writeHead = (() => {
        void hook().then(() => res.destroy());
        return res;
      }) as typeof res.writeHead;
      res.end = (() => res) as typeof res.end;
    }
    return super.handle(req, res);
  }
}

describe("a kill while a staff message is on its way (real process, SIGKILL)", () => {
  let telegram: FakeTelegram;
  let ozon: OzonTakingSilently;
  let dataDir: string;
  let bridge: BridgeProcess | undefined;

  beforeEach(async () => {
    telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
    ozon = new OzonTakingSilently({ clientId: CLIENT_ID, apiKey: OZON_KEY });
    dataDir = tempDataDir();
    await Promise.all([telegram.start(), ozon.start()]);
  });

  afterEach(async () => {
    await bridge?.stop("SIGTERM");
    bridge = undefined;
    await Promise.all([telegram.stop(), ozon.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startBridge = async () => {
    bridge = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "60000",
      OZON_CLIENT_ID: CLIENT_ID,
      OZON_API_KEY: OZON_KEY,
      OZON_API_URL: ozon.url,
      DATA_DIR: dataDir,
      POLL_INTERVAL_SECONDS: "1",
      BOT_LANGUAGE: "en",
    });
    await bridge.waitForLog("bridge started", 20_000);
    return bridge;
  };
  const kill = async (process: BridgeProcess) => {
    process.child.kill("SIGKILL");
    expect(await process.exited).toEqual({ code: null, signal: "SIGKILL" });
  };
  /** A chat whose first buyer message is in its topic. */
  const openChat = async () => {
    const chat = ozon.addChat();
    ozon.buyerWrites(chat, "where is my order?");
    const thread = await waitFor(
      () =>
        telegram
          .messagesIn(STAFF)
          .find((m) => m.message.is_topic_message && m.message.text?.includes(`Chat ID: ${chat}`))
          ?.message.message_thread_id,
      { timeoutMs: 10_000, message: "the chat's topic" },
    );
    return { chat, thread };
  };
  const waitForPost = (thread: number, text: string) =>
    waitFor(() => telegram.textsIn(STAFF, thread).some((t) => t.includes(text)), {
      timeoutMs: 10_000,
      message: `"${text}" in the topic`,
    });
  const pollCycles = async (n: number) => {
    const target = ozon.countByPath(LIST) + n;
    await waitFor(() => ozon.countByPath(LIST) >= target, { timeoutMs: 10_000 });
  };
  /** The restarted bridge finished the job, then read the chat with the staff message in it. */
  const finishAfterRestart = async (chat: string, thread: number, staffMessageId: number) => {
    await startBridge();
    await waitFor(() => telegram.reactions.find((r) => r.messageId === staffMessageId), {
      timeoutMs: 10_000,
      message: "the 👍 receipt after the restart",
    });
    ozon.buyerWrites(chat, "thank you");
    await waitForPost(thread, "thank you");
    await pollCycles(3);
  };
  /** Bot posts showing the staff text: our own message shown as if written in the cabinet. */
  const shownBack = () =>
    telegram.messagesIn(STAFF).filter((m) => !m.service && m.message.text?.includes(STAFF_TEXT));

  it("after Ozon took it, before the bridge heard back: never shown, sent once", async () => {
    const first = await startBridge();
    const { chat, thread } = await openChat();
    ozon.onTaken = () => kill(first);
    const staff = telegram.staffSends({ threadId: thread, text: STAFF_TEXT });
    await first.exited;
    expect(ozon.sentBySeller(chat)).toEqual([expect.objectContaining({ text: STAFF_TEXT })]);

    await finishAfterRestart(chat, thread, staff.message_id);
    expect(shownBack()).toEqual([]);
    // The restarted bridge read the chat and found the message there instead of sending again.
    expect(ozon.sentBySeller(chat)).toHaveLength(1);
  }, 60_000);

  it("after the bridge read it back, before it recorded the send: a repeat, never shown", async () => {
    const first = await startBridge();
    const { chat, thread } = await openChat();
    // Ozon holds its answer while the chat is read (the buyer writes): the echo is recognised
    // and the chat's cursor moves past it, and only then the process dies.
    ozon.onTaken = async () => {
      ozon.buyerWrites(chat, "hello?");
      await waitForPost(thread, "hello?");
      await kill(first);
    };
    const staff = telegram.staffSends({ threadId: thread, text: STAFF_TEXT });
    await first.exited;

    await finishAfterRestart(chat, thread, staff.message_id);
    expect(shownBack()).toEqual([]);
    // Sent again (neither marketplace has an idempotency key): at most one repeat per kill.
    expect(ozon.sentBySeller(chat).length).toBeLessThanOrEqual(2);
  }, 60_000);
});

describe("a kill while the bridge reads its own message back (in process)", () => {
  const h = useHarness();

  it("after the echo was recognised, before the chat's cursor moved: never shown", async () => {
    await h.start();
    const { chat, thread } = await h.openChat("where is my order?");
    // The kill: the cursor write for our own message coming back never happens, and the bridge
    // is replaced by a new one on the same DATA_DIR.
    const cursors = h.bridge.store.cursors;
    const write = cursors.set.bind(cursors);
    let killedAt: string | undefined;
    cursors.set = (accountId: string, chatId: string, value: CursorRecord) => {
      const ours = h.ozon.sentBySeller(chat).map((s) => s.messageId);
      if (accountId === ACCOUNT_ID && chatId === chat && ours.includes(value.lastId)) {
        killedAt = value.lastId;
        return new Promise<void>(() => {});
      }
      return write(accountId, chatId, value);
    };

    const staff = h.telegram.staffSends({ threadId: thread, text: STAFF_TEXT });
    await waitFor(() => h.telegram.reactions.find((r) => r.messageId === staff.message_id), {
      message: "the 👍 receipt",
    });
    // The buyer answers: the chat is read, our own message first.
    h.ozon.buyerWrites(chat, "thank you");
    await waitFor(() => killedAt, { timeoutMs: 10_000, message: "the echo's cursor write" });
    await h.stopBridge();

    await h.start();
    await h.waitForBuyerTexts(thread, 2, 10_000);
    await h.cycles(3);
    const shownBack = h.telegram
      .messagesIn(HARNESS_STAFF, thread)
      .filter((m) => !m.service && m.message.text?.includes(STAFF_TEXT));
    expect(shownBack).toEqual([]);
    expect(h.buyerTexts(thread)).toEqual(["where is my order?", "thank you"]);
  }, 30_000);
});
