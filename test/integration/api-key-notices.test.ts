// What staff hear about an API key before and when it stops working, with a Wildberries
// account (its tokens are JWTs that name their expiry and type): a key expiring within two
// weeks and a basic (one call an hour) key are said in General once a day and shown by /doctor;
// a key the marketplace refuses is one loud message, and one more when it works again.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RunningBridge, startBridge } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { FakeWildberries } from "../fakes/wildberries.ts";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, silentLog, TOKEN } from "./harness.ts";

const DAY = 24 * 3600 * 1000;

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "ES256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}

const claims = (days: number, extra: Record<string, unknown> = {}) => ({
  acc: 3,
  exp: Math.floor((Date.now() + days * DAY) / 1000),
  s: 2 ** 9,
  sid: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
  ...extra,
});

describe("API key notices (Wildberries tokens)", () => {
  let telegram: FakeTelegram;
  let wb: FakeWildberries | undefined;
  let dataDir: string;
  let bridge: RunningBridge | undefined;

  beforeEach(async () => {
    telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
    await telegram.start();
    dataDir = mkdtempSync(join(tmpdir(), "bridge-key-notices-"));
  });

  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    await wb?.stop();
    await telegram.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (token: string, language = "ru") => {
    bridge = await startBridge(
      loadConfig({
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_STAFF_CHAT_ID: String(STAFF),
        TELEGRAM_API_ROOT: telegram.url,
        WB_API_TOKEN: token,
        WB_API_URL: wb?.url,
        DATA_DIR: dataDir,
        LOG_LEVEL: "silent",
        BOT_LANGUAGE: language,
        HTTP_PORT: "0",
        POLL_INTERVAL_SECONDS: "1",
      }),
      silentLog,
    );
    return bridge;
  };
  const general = () => telegram.textsIn(STAFF, "general");
  const doctor = async () => {
    const before = general().length;
    telegram.staffSends({ text: "/doctor" });
    return waitFor(
      () =>
        general()
          .slice(before)
          .find((t) => t.includes("Проверка")),
      {
        message: "the /doctor answer",
      },
    );
  };

  it("a token expiring in 5 days: one warning a day in General, and /doctor shows the date", async () => {
    const token = jwt(claims(5));
    wb = new FakeWildberries({ token });
    await wb.start();
    await start(token);
    const warning = await waitFor(() => general().find((t) => t.includes("истекает")), {
      message: "the expiry warning",
    });
    expect(warning).toContain("осталось дней: 5");
    expect(warning).toContain("Wildberries");
    expect(warning).not.toContain(token);
    const check = await doctor();
    expect(check).toMatch(
      /❌ ключ API Wildberries действует до .+ \(осталось дней: 5\): создайте новый ключ/,
    );

    // A restart the same day says nothing again.
    await bridge?.stop();
    await start(token);
    const running = bridge;
    // WB's first poll after a restart waits out the previous process's 10 s window.
    await waitFor(() => [...(running?.poller.status.values() ?? [])][0]?.lastSuccessAt, {
      timeoutMs: 20_000,
    });
    await doctor();
    expect(general().filter((t) => t.includes("истекает"))).toHaveLength(1);
  });

  it("a token valid for months: no warning, /doctor shows it valid", async () => {
    const token = jwt(claims(120));
    wb = new FakeWildberries({ token });
    await wb.start();
    await start(token);
    const check = await doctor();
    expect(check).toMatch(/✅ ключ API Wildberries действует до .+ \(осталось дней: 120\)/);
    expect(general().some((t) => t.includes("⚠️ Ключ API"))).toBe(false);
  });

  it("a basic token its claims do not name is told from WB's 429s, in General and /doctor", async () => {
    const token = jwt(claims(120, { acc: undefined }));
    wb = new FakeWildberries({
      token: "unused",
      tokens: [{ token, type: "basic" }],
      retryHeader: true,
    });
    await wb.start();
    await start(token, "en");
    const warning = await waitFor(
      () => general().find((t) => t.includes("limited to 1 request an hour")),
      { timeoutMs: 10_000, message: "the basic-token warning" },
    );
    expect(warning).toContain("judging by the marketplace's answers");
    expect(warning).toContain("Create a Personal token");
    const before = general().length;
    telegram.staffSends({ text: "/doctor" });
    const check = await waitFor(() =>
      general()
        .slice(before)
        .find((t) => t.includes("Check")),
    );
    expect(check).toContain("❌ API key Wildberries: its type: judging by");
  });

  it("a revoked token: one loud message while it fails, one when it works again", async () => {
    const token = jwt(claims(120));
    wb = new FakeWildberries({ token });
    await wb.start();
    const running = await start(token);
    const status = () => [...running.poller.status.values()][0];
    await waitFor(() => status()?.lastSuccessAt, { message: "a first poll" });
    wb.revokeToken(token);
    const alarm = await waitFor(() => general().find((t) => t.includes("не принимает ключ")), {
      message: "the refused-key message",
    });
    expect(alarm).toContain("🚨");
    const cycles = status()?.cycles ?? 0;
    await waitFor(() => (status()?.cycles ?? 0) >= cycles + 3, { message: "three more cycles" });
    expect(general().filter((t) => t.includes("не принимает ключ"))).toHaveLength(1);
    wb.revokeToken(token, false);
    await waitFor(() => general().find((t) => t.includes("снова принимается")), {
      message: "the recovery message",
    });
    const after = status()?.cycles ?? 0;
    await waitFor(() => (status()?.cycles ?? 0) >= after + 2);
    expect(general().filter((t) => t.includes("снова принимается"))).toHaveLength(1);
    expect(general().filter((t) => t.includes("не принимает ключ"))).toHaveLength(1);
  });
});
