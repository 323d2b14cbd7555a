import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { waitFor } from "../support/wait-for.ts";

const TOKEN = "123456789:npm-start-token";
const STAFF = -1001234567890;

describe("npm start", () => {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  const ozon = new FakeOzon({ clientId: "1001", apiKey: "ozon-npm-start-key" });

  beforeAll(async () => {
    await telegram.start();
    await ozon.start();
  });
  afterAll(async () => {
    await telegram.stop();
    await ozon.stop();
  });

  it("starts the bridge and exits 0 when npm receives SIGTERM", async () => {
    const bridge = startBridgeProcess(
      {
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_STAFF_CHAT_ID: String(STAFF),
        TELEGRAM_API_ROOT: telegram.url,
        OZON_CLIENT_ID: "1001",
        OZON_API_KEY: "ozon-npm-start-key",
        OZON_API_URL: ozon.url,
        DATA_DIR: tempDataDir(),
      },
      { viaNpm: true },
    );
    await bridge.waitForLog("bridge started", 20_000);
    await waitFor(() => telegram.calls.some((c) => c.method === "getUpdates"));
    const exit = await bridge.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(bridge.logs().map((l) => l.msg)).toContain("stopped");
  });
});
