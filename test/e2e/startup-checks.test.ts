// The bridge refuses to start, with a line an operator can act on, when it could only fail
// later: a wrong token, a group it cannot manage topics in, an unusable DATA_DIR.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";

const TOKEN = "123456789:startup-checks-token";
const STAFF = -1001234567890;

describe("startup checks", () => {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  const ozon = new FakeOzon({ clientId: "31337", apiKey: "ozon-startup-key" });
  beforeAll(async () => {
    await Promise.all([telegram.start(), ozon.start()]);
  });
  afterAll(async () => {
    await Promise.all([telegram.stop(), ozon.stop()]);
  });

  const run = async (env: Record<string, string>) => {
    const bridge = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: telegram.url,
      OZON_CLIENT_ID: "31337",
      OZON_API_KEY: "ozon-startup-key",
      OZON_API_URL: ozon.url,
      DATA_DIR: tempDataDir(),
      ...env,
    });
    const { code } = await bridge.exited;
    const fatal = bridge.logs().find((line) => line.level === "fatal");
    return { code, message: String(fatal?.msg ?? bridge.output()), output: bridge.output() };
  };

  it("refuses a token Telegram rejects", async () => {
    const result = await run({ TELEGRAM_BOT_TOKEN: "999:not-the-token" });
    expect(result.code).toBe(1);
    expect(result.message).toMatch(/rejected TELEGRAM_BOT_TOKEN/);
    expect(result.output).not.toContain("999:not-the-token");
  });

  it("refuses a staff chat the bot is not in", async () => {
    const result = await run({ TELEGRAM_STAFF_CHAT_ID: "-1009999999999" });
    expect(result.code).toBe(1);
    expect(result.message).toMatch(/add the bot to the group/);
  });

  it("refuses a group where the bot cannot manage topics", async () => {
    telegram.setBotAdmin({ can_manage_topics: false });
    const withoutRight = await run({});
    telegram.setBotAdmin(false);
    const notAdmin = await run({});
    telegram.setBotAdmin({});
    expect(withoutRight.code).toBe(1);
    expect(withoutRight.message).toMatch(/lacks the Manage Topics right/);
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.message).toMatch(/not an administrator/);
  });

  it("refuses a DATA_DIR it cannot write", async () => {
    const file = join(tempDataDir(), "not-a-directory");
    writeFileSync(file, "");
    const result = await run({ DATA_DIR: file });
    expect(result.code).toBe(1);
    expect(result.message).toMatch(/DATA_DIR .* is not usable/);
  });
});
