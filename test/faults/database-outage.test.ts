// The database under DATABASE_URL stops answering while the bridge runs (the server refuses
// connections, as while it restarts): a staff message gets a reply under it that it was not
// sent, never silence; General hears of the incident once, and once when it ends; a buyer's
// message written meanwhile arrives once afterwards; the bridge does not exit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asSuperuser, freshDatabase } from "../support/postgres.ts";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, World } from "./world.ts";

describe("a database that stops answering", () => {
  let world: World;
  let name: string;
  /** Every session of the database ends, and no new one is let in, until `restore`. */
  const cut = () =>
    asSuperuser(
      "postgres",
      `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`,
    );
  const restore = () => asSuperuser("postgres", `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);

  beforeAll(async () => {
    const url = await freshDatabase();
    name = new URL(url).pathname.slice(1);
    world = new World({ accounts: ["ozon"], databaseUrl: url });
    await world.start();
  }, 60_000);

  afterAll(async () => {
    await restore();
    const exit = await world?.stopBridge("SIGTERM");
    await world?.close();
    expect(exit).toEqual({ code: 0, signal: null });
  }, 30_000);

  it("refuses a staff message in words, tells General once, and delivers once it is back", async () => {
    const { chat, thread } = await world.openOzonChat("Здравствуйте!");
    await cut();
    world.ozon.buyerWrites(chat, "while the database is away");
    const staff = world.telegram.staffSends({
      chatId: STAFF,
      threadId: thread,
      text: "Мы проверим",
    });
    const refusal = await waitFor(
      () =>
        world.telegram
          .messagesIn(STAFF, thread)
          .find((m) => m.message.reply_to_message?.message_id === staff.message_id),
      { timeoutMs: 20_000, message: "a reply under the staff message" },
    );
    expect(refusal.message.text).toMatch(/^⚠️ Not delivered to the buyer: .*database/);
    await waitFor(() => world.generalTexts().some((t) => t.includes("cannot save its state")), {
      timeoutMs: 20_000,
      message: "the incident in General",
    });

    await restore();
    await waitFor(() => world.generalTexts().some((t) => t.includes("can be saved again")), {
      timeoutMs: 60_000,
      message: "the recovery in General",
    });
    expect(await world.waitForBuyerText(thread, "while the database is away", 30_000)).toBe(1);
    expect(world.generalTexts().filter((t) => t.includes("cannot save its state"))).toHaveLength(1);
    expect(world.generalTexts().filter((t) => t.includes("can be saved again"))).toHaveLength(1);
    // Refused, so not sent: staff send it again.
    const sent = world.ozon.sentBySeller(chat);
    expect(sent.filter((s) => s.kind === "text" && s.text === "Мы проверим")).toEqual([]);
  }, 120_000);
});
