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
