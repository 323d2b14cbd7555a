// Leases on a real PostgreSQL database: one holder at a time, taken when expired (by the
// server's clock), handed over at a release; a holder that cannot renew stops counting the
// lease as its own before the database lets another take it.
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Leases } from "../../src/bridge/leases.ts";
import { Store } from "../../src/bridge/store/index.ts";
import type { LeaseBoard } from "../../src/bridge/store/table.ts";
import { freshDatabase } from "../support/postgres.ts";
import { waitFor } from "../support/wait-for.ts";

const log = pino({ level: "silent" });
const TTL_MS = 900;

describe("leases on Postgres", () => {
  let stores: Store[];
  let board: LeaseBoard;
  beforeEach(async () => {
    const url = await freshDatabase();
    stores = [await Store.open(url), await Store.open(url)];
    board = stores[0]?.leases as LeaseBoard;
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it("gives a unit to one holder until it expires or is released", async () => {
    expect(await board.claim("a", ["bot", "group:1"], TTL_MS)).toEqual(["bot", "group:1"]);
    expect(await board.claim("b", ["bot", "group:1"], TTL_MS)).toEqual([]);
    // Renewed by its holder.
    expect(await board.claim("a", ["bot"], TTL_MS)).toEqual(["bot"]);
    await board.release("a", ["group:1"]);
    expect(await board.claim("b", ["bot", "group:1"], TTL_MS)).toEqual(["group:1"]);
    // "bot" was renewed last: taken only after its expiry.
    expect(await board.claim("b", ["bot"], TTL_MS)).toEqual([]);
    await waitFor(async () => !(await board.holders()).some((l) => l.unit === "bot"), {
      message: "bot expired",
    });
    expect(await board.claim("b", ["bot", "group:1"], TTL_MS)).toEqual(["bot", "group:1"]);
    expect((await board.holders()).map((l) => [l.unit, l.holder])).toEqual([
      ["bot", "b"],
      ["group:1", "b"],
    ]);
  });

  it("tells the other instances through NOTIFY", async () => {
    const heard: string[] = [];
    await stores[1]?.leases?.listen("jobs", (payload) => heard.push(payload));
    await board.notify("jobs", "-100123");
    await waitFor(() => heard.length > 0, { message: "the notice" });
    expect(heard).toEqual(["-100123"]);
  });

  it("a holder that cannot renew stops before another may take over; a stop hands over at once", async () => {
    let failing = false;
    const flaky: LeaseBoard = {
      ...board,
      claim: (...args) =>
        failing ? Promise.reject(new Error("connection lost")) : board.claim(...args),
    };
    const events: string[] = [];
    const leases = (id: string, on: LeaseBoard) =>
      new Leases({
        board: on,
        instanceId: id,
        ttlMs: TTL_MS,
        units: ["group:1"],
        log,
        events: {
          gained: (unit) => events.push(`${id} gained ${unit}`),
          lost: (unit) => events.push(`${id} lost ${unit}`),
        },
      });
    const a = leases("a", flaky);
    const b = leases("b", stores[1]?.leases as LeaseBoard);
    await a.start();
    await b.start();
    expect(a.serves(1)).toBe(true);
    expect(b.serves(1)).toBe(false);

    failing = true;
    await waitFor(() => !a.holds("group:1"), { message: "a stops counting on its lease" });
    // Still a's in the database for a while: nobody works on the group in between.
    expect((await board.holders()).map((l) => l.holder)).toEqual(["a"]);
    expect(b.holds("group:1")).toBe(false);
    await waitFor(() => b.holds("group:1"), { message: "b takes over after the expiry" });
    expect(events).toEqual(["a gained group:1", "a lost group:1", "b gained group:1"]);

    failing = false;
    await a.claim();
    expect(a.holds("group:1")).toBe(false);
    const stopped = performance.now();
    await b.stop();
    await waitFor(() => a.holds("group:1"), { message: "a takes over at b's release" });
    expect(performance.now() - stopped).toBeLessThan(TTL_MS / 2);
    await a.stop();
    expect(await board.holders()).toEqual([]);
  });
});
