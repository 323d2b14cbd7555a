import { describe, expect, it } from "vitest";
import { startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";

describe("npm start with a bad configuration", () => {
  it("exits 2, one line per problem, no stack trace, no secret echoed", async () => {
    const bridge = startBridgeProcess({
      TELEGRAM_STAFF_CHAT_ID: "not-a-number",
      OZON_API_KEY: "super-secret-ozon-key",
      POLL_INTERVAL_SECONDS: "0",
      DATA_DIR: tempDataDir(),
    });
    const { code } = await bridge.exited;
    const output = bridge.output();
    expect(code).toBe(2);
    expect(output).toMatch(/^ {2}TELEGRAM_BOT_TOKEN: /m);
    expect(output).toMatch(/^ {2}TELEGRAM_STAFF_CHAT_ID: /m);
    expect(output).toMatch(/^ {2}POLL_INTERVAL_SECONDS: /m);
    expect(output).not.toContain("super-secret-ozon-key");
    expect(output).not.toMatch(/\n\s+at /);
  });

  it("names the expected format of working hours, time zone and the other deadline settings", async () => {
    const bridge = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: "123456:abcdef",
      TELEGRAM_STAFF_CHAT_ID: "-1001234567890",
      MARKETPLACE_SANDBOX: "1",
      WORKING_HOURS: "Mon-Fri 9-18",
      TIMEZONE: "MSK+3",
      ESCALATE_MINUTES: "two hours",
      SUPERVISORS: "Anna Petrova",
      AUTO_CLOSE_DAYS: "-1",
      DATA_DIR: tempDataDir(),
    });
    const { code } = await bridge.exited;
    const lines = bridge.output().split("\n");
    expect(code).toBe(2);
    expect(lines).toContain(
      '  WORKING_HOURS: "9-18" is not a range like 09:00-18:00; expected days and hours separated by ;, like Mon-Fri 09:00-18:00; Sat 10:00-14:00 (days Mon…Sun, hours 00:00-24:00, several ranges a day with a comma)',
    );
    expect(lines).toContain(
      "  TIMEZONE: an IANA time zone name, like Europe/Moscow or Asia/Yekaterinburg",
    );
    expect(lines).toContain(
      "  ESCALATE_MINUTES: a whole number of minutes ≥ 0 (0 turns escalation off)",
    );
    expect(lines).toContain(
      "  SUPERVISORS.0: comma-separated Telegram usernames, like @anna,@boris",
    );
    expect(lines).toContain(
      "  AUTO_CLOSE_DAYS: a whole number of days ≥ 0 (0 turns auto-closing off)",
    );
  });

  it("treats a configuration without any marketplace account as an error", async () => {
    const bridge = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: "123456:abcdef",
      TELEGRAM_STAFF_CHAT_ID: "-1001234567890",
      DATA_DIR: tempDataDir(),
    });
    expect((await bridge.exited).code).toBe(2);
    expect(bridge.output()).toContain("No marketplace account");
  });
});
