// Alerts in the group when a shop's polling fails: a refused key at once, any other failure
// after 10 minutes without a successful poll; one message per incident and one when it is over.
// Incidents posts through the real Telegram port to the fake Telegram; the clock is passed in.
import { Api } from "grammy";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GrammyTelegram } from "../../src/bot/telegram-port.ts";
import { type Account, TOPIC_ICON_COLORS } from "../../src/bridge/account.ts";
import { Incidents } from "../../src/bridge/incidents.ts";
import { type MarketplaceProvider, ProviderError } from "../../src/bridge/provider.ts";
import { textsFor } from "../../src/bridge/texts/index.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, TOKEN } from "./harness.ts";

const MINUTE = 60_000;
const T0 = Date.parse("2026-12-03T09:00:00Z");

describe("poll alerts", () => {
  let telegram: FakeTelegram;
  let incidents: Incidents;
  const shop: Account = {
    id: "ozon-1",
    name: "Дом",
    staffChatId: STAFF,
    provider: {} as MarketplaceProvider,
    iconColor: TOPIC_ICON_COLORS.blue,
    showName: false,
    log: pino({ level: "silent" }),
    words: { startNumbers: {} },
  };
  const general = () => telegram.textsIn(STAFF, "general");
  const network = new ProviderError("transient", "Ozon API: connect ECONNREFUSED");

  beforeEach(async () => {
    telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
    await telegram.start();
    const port = new GrammyTelegram(new Api(TOKEN, { apiRoot: telegram.url }), {
      apiRoot: telegram.url,
      token: TOKEN,
    });
    incidents = new Incidents({
      telegram: port,
      texts: textsFor("ru"),
      log: pino({ level: "silent" }),
      staffChatIds: [STAFF],
    });
  });

  afterEach(async () => {
    await telegram.stop();
  });

  it("network failures: nothing for 10 minutes, then one alert, then one recovery", async () => {
    incidents.pollResult(shop, undefined, T0);
    for (let minute = 1; minute < 10; minute++)
      incidents.pollResult(shop, network, T0 + minute * MINUTE);
    expect(incidents.problems()).toEqual([]);
    for (let minute = 10; minute <= 15; minute++) {
      incidents.pollResult(shop, network, T0 + minute * MINUTE);
    }
    const alert = await waitFor(() => general().find((t) => t.includes("не отвечает на опрос")));
    expect(alert).toBe(
      "🚨 «Дом»: маркетплейс не отвечает на опрос уже 10 мин (Ozon API: connect ECONNREFUSED). Сообщения покупателей этого магазина не приходят. Проверьте, что сервер бота видит API маркетплейса; подробности — /status.",
    );
    expect(incidents.problems()).toHaveLength(1);
    incidents.pollResult(shop, undefined, T0 + 16 * MINUTE);
    incidents.pollResult(shop, undefined, T0 + 17 * MINUTE);
    await waitFor(() => general().find((t) => t.includes("опрос маркетплейса снова работает")));
    expect(general()).toHaveLength(2);
    expect(incidents.problems()).toEqual([]);
  });

  it("a refused key is told at once, and not again as a quiet poll later", async () => {
    const refused = new ProviderError("auth", "Ozon API: HTTP 401: invalid Api-Key");
    incidents.pollResult(shop, refused, T0);
    for (let minute = 1; minute <= 20; minute++) {
      incidents.pollResult(shop, refused, T0 + minute * MINUTE);
    }
    await waitFor(() => general().find((t) => t.includes("не принимает ключ API «Дом»")));
    incidents.pollResult(shop, undefined, T0 + 21 * MINUTE);
    await waitFor(() => general().find((t) => t.includes("снова принимается")));
    expect(general()).toHaveLength(2);
  });

  it("with several instances, a group hears of an incident from the one serving it, start and end", async () => {
    let serving = false;
    const other = new Incidents({
      telegram: new GrammyTelegram(new Api(TOKEN, { apiRoot: telegram.url }), {
        apiRoot: telegram.url,
        token: TOKEN,
      }),
      texts: textsFor("ru"),
      log: pino({ level: "silent" }),
      staffChatIds: [STAFF],
      serves: () => serving,
    });
    // Standing by: the incident is its own (/healthz), the group hears nothing of it.
    other.pollResult(shop, network, T0);
    other.pollResult(shop, network, T0 + 10 * MINUTE);
    expect(other.problems()).toHaveLength(1);
    other.pollResult(shop, undefined, T0 + 11 * MINUTE);
    // Serving when it starts: told, and its end told there too, though served elsewhere by then.
    serving = true;
    other.pollResult(shop, network, T0 + 21 * MINUTE);
    serving = false;
    other.pollResult(shop, undefined, T0 + 22 * MINUTE);
    await waitFor(() => general().find((t) => t.includes("снова")), { message: "the end told" });
    expect(general()).toHaveLength(2);
    expect(general()[0]).toContain("не отвечает на опрос");
  });

  it("a bridge started while the marketplace is down counts the 10 minutes from the first failure", async () => {
    incidents.pollResult(shop, network, T0);
    incidents.pollResult(shop, network, T0 + 9 * MINUTE);
    expect(incidents.problems()).toEqual([]);
    incidents.pollResult(shop, network, T0 + 10 * MINUTE);
    expect(incidents.problems()).toHaveLength(1);
    await waitFor(() => general().find((t) => t.includes("не отвечает на опрос")));
  });
});
