import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

const valid = {
  TELEGRAM_BOT_TOKEN: "123456:secret-token-value",
  TELEGRAM_STAFF_CHAT_ID: "-1001234567890",
  OZON_CLIENT_ID: "12345",
  OZON_API_KEY: "ozon-secret-key",
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("applies documented defaults", () => {
    const config = loadConfig(valid);
    expect(config.telegram).toEqual({
      token: valid.TELEGRAM_BOT_TOKEN,
      staffChatId: -1001234567890,
      apiRoot: "https://api.telegram.org",
      groupMessagesPerMinute: 20,
    });
    expect(config.accounts).toEqual([
      expect.objectContaining({ marketplace: "ozon", apiUrl: "https://api-seller.ozon.ru" }),
    ]);
    expect(config).toMatchObject({ dataDir: "./data", pollIntervalMs: 5000, language: "ru" });
  });

  it("names every missing or malformed variable, one problem each, without values", () => {
    const found = problems({
      TELEGRAM_STAFF_CHAT_ID: "12345",
      POLL_INTERVAL_SECONDS: "0",
      TELEGRAM_API_ROOT: "ftp://x",
      BOT_LANGUAGE: "de",
      OZON_API_KEY: "ozon-secret-key",
    });
    expect(found.map((p) => p.split(":")[0]).sort()).toEqual([
      "BOT_LANGUAGE",
      "POLL_INTERVAL_SECONDS",
      "TELEGRAM_API_ROOT",
      "TELEGRAM_BOT_TOKEN",
      "TELEGRAM_STAFF_CHAT_ID",
    ]);
    expect(found.join("\n")).not.toContain("ozon-secret-key");
  });

  it("requires both halves of an Ozon account", () => {
    expect(problems({ ...valid, OZON_CLIENT_ID: "" })).toEqual([
      "OZON_CLIENT_ID: required when OZON_API_KEY is set",
    ]);
  });

  it("refuses to start without any marketplace account", () => {
    const { OZON_CLIENT_ID: _, OZON_API_KEY: __, ...telegramOnly } = valid;
    expect(problems(telegramOnly)).toEqual([expect.stringContaining("No marketplace account")]);
  });

  it("strips a trailing slash from API roots", () => {
    const config = loadConfig({ ...valid, TELEGRAM_API_ROOT: "http://127.0.0.1:8081/" });
    expect(config.telegram.apiRoot).toBe("http://127.0.0.1:8081");
  });
});
