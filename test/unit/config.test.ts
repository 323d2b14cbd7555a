import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, secretsOf } from "../../src/config.ts";

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

  it("bounds the timer settings: Node fires a timer longer than 24.8 days at once", () => {
    expect(problems({ ...valid, POLL_INTERVAL_SECONDS: "9999999" })).toEqual([
      "POLL_INTERVAL_SECONDS: a whole number of seconds from 1 to 3600",
    ]);
    expect(problems({ ...valid, LEASE_SECONDS: "86400" })).toEqual([
      "LEASE_SECONDS: a whole number of seconds from 1 to 600",
    ]);
    expect(problems({ ...valid, POLL_INTERVAL_SECONDS: "3600", LEASE_SECONDS: "600" })).toEqual([]);
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

  it("configures a Yandex Market cabinet from its two variables", () => {
    const { OZON_CLIENT_ID: _, OZON_API_KEY: __, ...telegramOnly } = valid;
    const config = loadConfig({
      ...telegramOnly,
      YANDEX_API_KEY: "ACMA:yandex-secret",
      YANDEX_BUSINESS_ID: "7654321",
    });
    expect(config.accounts).toEqual([
      {
        marketplace: "yandex",
        id: "yandex-7654321",
        name: "Yandex Market",
        businessId: "7654321",
        apiKey: "ACMA:yandex-secret",
        apiUrl: "https://api.partner.market.yandex.ru",
        staffChatId: -1001234567890,
      },
    ]);
    expect(problems({ ...telegramOnly, YANDEX_API_KEY: "k" })).toEqual([
      "YANDEX_BUSINESS_ID: required when YANDEX_API_KEY is set",
    ]);
  });

  it("reads several shops from ACCOUNTS_FILE, each optionally with its own group", () => {
    const file = join(mkdtempSync(join(tmpdir(), "accounts-")), "accounts.json");
    writeFileSync(
      file,
      JSON.stringify({
        accounts: [
          { marketplace: "ozon", name: "Одежда", clientId: "111", apiKey: "k1" },
          {
            marketplace: "yandex",
            name: "Обувь",
            businessId: 222,
            apiKey: "k2",
            staffChatId: "-1009876543210",
          },
        ],
      }),
    );
    const config = loadConfig({ ...valid, ACCOUNTS_FILE: file });
    expect(config.accounts.map((a) => [a.id, a.name, a.staffChatId])).toEqual([
      ["ozon-12345", "Ozon", -1001234567890],
      ["ozon-111", "Одежда", -1001234567890],
      ["yandex-222", "Обувь", -1009876543210],
    ]);
  });

  it("keys named sandboxes of ACCOUNTS_FILE by their names", () => {
    const file = join(mkdtempSync(join(tmpdir(), "accounts-")), "accounts.json");
    writeFileSync(
      file,
      JSON.stringify([
        { marketplace: "sandbox", name: "Обувь и сумки!" },
        { marketplace: "sandbox", staffChatId: "-1009876543210" },
      ]),
    );
    const { OZON_CLIENT_ID: _, OZON_API_KEY: __, ...telegramOnly } = valid;
    expect(loadConfig({ ...telegramOnly, ACCOUNTS_FILE: file }).accounts).toEqual([
      {
        marketplace: "sandbox",
        id: "sandbox-обувь-и-сумки-",
        name: "Обувь и сумки!",
        staffChatId: -1001234567890,
      },
      { marketplace: "sandbox", id: "sandbox", name: "Sandbox", staffChatId: -1009876543210 },
    ]);
  });

  it("names the entry and field of a bad ACCOUNTS_FILE, never a key", () => {
    const file = join(mkdtempSync(join(tmpdir(), "accounts-")), "accounts.json");
    writeFileSync(
      file,
      JSON.stringify([
        { marketplace: "ozon", clientId: "abc", apiKey: "secret-one" },
        { marketplace: "avito", apiKey: "secret-two" },
        { marketplace: "yandex", businessId: "5" },
      ]),
    );
    const found = problems({ ...valid, ACCOUNTS_FILE: file });
    expect(found).toEqual([
      expect.stringMatching(/^ACCOUNTS_FILE \[0\]\.clientId: /),
      expect.stringMatching(/^ACCOUNTS_FILE \[1\]\.marketplace: /),
      expect.stringMatching(/^ACCOUNTS_FILE \[2\]\.apiKey: required/),
    ]);
    expect(found.join("\n")).not.toMatch(/secret-/);
    expect(problems({ ...valid, ACCOUNTS_FILE: join(tmpdir(), "missing.json") })).toEqual([
      expect.stringContaining("ACCOUNTS_FILE: cannot read"),
    ]);
  });

  it("writes the lines the README's table of startup errors quotes", () => {
    const file = join(mkdtempSync(join(tmpdir(), "accounts-")), "accounts.json");
    writeFileSync(file, JSON.stringify([{ marketplace: "ozon", clientId: "12345", apiKey: "k" }]));
    expect(problems({ ...valid, ACCOUNTS_FILE: file })).toEqual(["ozon-12345: configured twice"]);
    expect(problems({ ...valid, ON_DUTY: "@anna_k, Boris B" })).toEqual([
      "ON_DUTY.1: comma-separated Telegram usernames, like @anna,@boris",
    ]);
    expect(problems({ ...valid, OZON_CLIENT_ID: "", YANDEX_BUSINESS_ID: "5" })).toEqual([
      "OZON_CLIENT_ID: required when OZON_API_KEY is set",
      "YANDEX_API_KEY: required when YANDEX_BUSINESS_ID is set",
    ]);
  });

  it("enables push endpoints only with a long enough PUSH_SECRET", () => {
    expect(loadConfig(valid).push).toBeUndefined();
    const config = loadConfig({
      ...valid,
      PUSH_SECRET: "s3cr3t-path-segment-1234",
      YANDEX_PUSH_ALLOWED_IPS: "5.45.207.0/25, 141.8.142.0/25",
      TRUST_PROXY: "true",
    });
    expect(config.push).toEqual({
      secret: "s3cr3t-path-segment-1234",
      allowedIps: { ozon: [], yandex: ["5.45.207.0/25", "141.8.142.0/25"] },
      trustProxy: true,
    });
    expect(config.httpPort).toBe(8080);
    expect(problems({ ...valid, PUSH_SECRET: "short" })).toEqual([
      expect.stringMatching(/^PUSH_SECRET: /),
    ]);
    expect(problems({ ...valid, OZON_PUSH_ALLOWED_IPS: "195.34.21.0/24, 195.34.21/24" })).toEqual([
      'OZON_PUSH_ALLOWED_IPS: "195.34.21/24" is not an IPv4 or IPv6 address or CIDR range (e.g. 195.34.21.0/24)',
    ]);
    expect(secretsOf(config)).toContain("s3cr3t-path-segment-1234");
  });

  it("MARKETPLACE_SANDBOX=1 is an account of its own, with no credentials", () => {
    const { OZON_CLIENT_ID: _, OZON_API_KEY: __, ...telegramOnly } = valid;
    const config = loadConfig({ ...telegramOnly, MARKETPLACE_SANDBOX: "1" });
    expect(config.accounts).toEqual([
      { marketplace: "sandbox", id: "sandbox", name: "Sandbox", staffChatId: -1001234567890 },
    ]);
    expect(secretsOf(config)).toEqual([valid.TELEGRAM_BOT_TOKEN]);
  });

  it("reads switches in any case as true/false, 1/0, yes/no, on/off, y/n", () => {
    const push = { ...valid, PUSH_SECRET: "s3cr3t-path-segment-1234" };
    for (const on of ["true", "TRUE", "1", "yes", "Yes", "on", "y"]) {
      expect(loadConfig({ ...push, TRUST_PROXY: on }).push?.trustProxy, on).toBe(true);
      expect(loadConfig({ ...valid, MARKETPLACE_SANDBOX: on }).accounts, on).toHaveLength(2);
    }
    for (const off of ["false", "False", "0", "no", "off", "N"]) {
      expect(loadConfig({ ...push, TRUST_PROXY: off }).push?.trustProxy, off).toBe(false);
      expect(loadConfig({ ...valid, MARKETPLACE_SANDBOX: off }).accounts, off).toHaveLength(1);
    }
    expect(problems({ ...push, TRUST_PROXY: "maybe", MARKETPLACE_SANDBOX: "2" })).toEqual([
      "MARKETPLACE_SANDBOX: 1 or 0",
      "TRUST_PROXY: true or false",
    ]);
  });

  it("strips a trailing slash from API roots", () => {
    const config = loadConfig({ ...valid, TELEGRAM_API_ROOT: "http://127.0.0.1:8081/" });
    expect(config.telegram.apiRoot).toBe("http://127.0.0.1:8081");
  });
});
