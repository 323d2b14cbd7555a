// MARKETPLACE_SANDBOX=1: the real entry point with the built-in simulated shop and no
// marketplace credentials, as a seller would try the bot in their own group.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTelegram } from "../fakes/telegram.ts";
import { type BridgeProcess, startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { waitFor } from "../support/wait-for.ts";

const TOKEN = "123456789:sandbox-e2e-token";
const STAFF = -1001234567890;

describe("sandbox shop", () => {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  let bridge: BridgeProcess;

  beforeAll(async () => {
    await telegram.start();
    bridge = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "600",
      MARKETPLACE_SANDBOX: "1",
      DATA_DIR: tempDataDir(),
      POLL_INTERVAL_SECONDS: "1",
    });
    await bridge.waitForLog("bridge started");
  });
  afterAll(async () => {
    expect((await bridge.stop()).code).toBe(0);
    await telegram.stop();
  });

  it("a simulated buyer writes into a topic and answers the staff reply", async () => {
    const topic = await waitFor(() => telegram.topics(STAFF)[0], { timeoutMs: 10_000 });
    const loud = () =>
      telegram
        .messagesIn(STAFF, topic.id)
        .filter((m) => !m.service && !m.params?.disable_notification);
    await waitFor(() => loud().length > 0, { timeoutMs: 10_000 });
    const before = loud().length;
    telegram.staffSends({ threadId: topic.id, text: "Здравствуйте! Сейчас проверим." });
    await waitFor(() => loud().length > before, {
      timeoutMs: 20_000,
      message: "the buyer's answer",
    });
  });
});
