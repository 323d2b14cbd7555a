// Leases on a real PostgreSQL database: one holder at a time, taken when expired (by the
// server's clock), handed over at a release; a holder that cannot renew stops counting the
// lease as its own before the database lets another take it.
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Leases } from "../../src/bridge/leases.ts";
import { Store } from "../../src/bridge/store/index.ts";
import type { LeaseBoard } from "../../src/bridge/store/table.ts";
import { asSuperuser, freshDatabase } from "../support/postgres.ts";
import { waitFor } from "../support/wait-for.ts";

const log = pino({ level: "silent" });
const TTL_MS = 900;

describe("leases on Postgres", () => {
  let stores: Store[];
  let board: LeaseBoard;
  let url: string;
  beforeEach(async () => {
    url = await freshDatabase();
    stores = [await Store.open(url), await Store.open(url)];
    board = stores[0]?.leases as LeaseBoard;
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it("gives a unit to one holder until it expires or is released", async () => {
    const claim = async (holder: string, units: string[]) =>
      (await board.claim(holder, units, TTL_MS)).map((c) => c.unit);
    expect(await claim("a", ["bot", "group:1"])).toEqual(["bot", "group:1"]);
    expect(await claim("b", ["bot", "group:1"])).toEqual([]);
    // Renewed by its holder.
    expect(await claim("a", ["bot"])).toEqual(["bot"]);
    await board.release("a", ["group:1"]);
    expect(await claim("b", ["bot", "group:1"])).toEqual(["group:1"]);
    // "bot" was renewed last: taken only after its expiry.
    expect(await claim("b", ["bot"])).toEqual([]);
    await waitFor(async () => !(await board.holders()).some((l) => l.unit === "bot"), {
      message: "bot expired",
    });
    expect(await claim("b", ["bot", "group:1"])).toEqual(["bot", "group:1"]);
    expect((await board.holders()).map((l) => [l.unit, l.holder])).toEqual([
      ["bot", "b"],
      ["group:1", "b"],
    ]);
  });

  it("tells a claimer how long ago the lease it took over had expired", async () => {
    await board.claim("a", ["group:1", "group:2"], TTL_MS);
    await board.release("a", ["group:2"]);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 300));
    const [taken, released] = await board.claim("b", ["group:1", "group:2"], TTL_MS);
    expect(taken?.unit).toBe("group:1");
    // Expired 300 ms ago, give or take the two clocks' step.
    expect(taken?.expiredMsAgo).toBeGreaterThanOrEqual(200);
    expect(taken?.expiredMsAgo).toBeLessThan(TTL_MS);
    // Released: free, no previous holder to wait for; a renewal names none either.
    expect(released).toEqual({ unit: "group:2" });
    expect(await board.claim("b", ["group:1"], TTL_MS)).toEqual([{ unit: "group:1" }]);
  });

  it("tells the other instances through NOTIFY", async () => {
    const heard: string[] = [];
    await stores[1]?.leases?.listen("jobs", (payload) => heard.push(payload));
    await board.notify("jobs", "-100123");
    await waitFor(() => heard.length > 0, { message: "the notice" });
    expect(heard).toEqual(["-100123"]);
  });

  it("takes a dead holder's lease the moment it runs out, not at its own next round", async () => {
    const ttlMs = 3000;
    const make = (id: string, on: LeaseBoard, gained: () => void) =>
      new Leases({
        board: on,
        instanceId: id,
        ttlMs,
        units: ["group:1"],
        log,
        events: { gained, lost: () => {} },
      });
    let failing = false;
    const dying: LeaseBoard = {
      ...board,
      claim: (...args) => (failing ? Promise.reject(new Error("killed")) : board.claim(...args)),
    };
    const a = make("a", dying, () => {});
    await a.start();
    // b's rounds (every second) fall 0.7 s after a's, so a round of b's comes 0.7 s after the expiry.
    await new Promise((resolve) => setTimeout(resolve, 700));
    let takenAt: number | undefined;
    const b = make("b", stores[1]?.leases as LeaseBoard, () => {
      takenAt = Date.now();
    });
    await b.start();
    failing = true; // a renews no more, as if killed
    // A claim of a's already under way lands first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [lease] = await board.holders();
    const expiresAt = Date.now() + (lease?.expiresInMs ?? 0);
    await waitFor(() => takenAt !== undefined, { timeoutMs: 2 * ttlMs, message: "b takes over" });
    // b's rounds come every second; without aiming at the expiry it would wait up to one.
    expect((takenAt ?? 0) - expiresAt).toBeGreaterThanOrEqual(-50);
    expect((takenAt ?? 0) - expiresAt).toBeLessThan(500);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("hears notices again after the server ended its session", async () => {
    const heard: string[] = [];
    await stores[1]?.leases?.listen("jobs", (payload) => heard.push(payload));
    const name = new URL(url).pathname.slice(1);
    await asSuperuser(
      "postgres",
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`,
    );
    // Sent until one is heard: notices while the session is away are lost (the periodic checks
    // cover them), and the session comes back within a few seconds.
    await waitFor(
      async () => {
        await board.notify("jobs", "-100123").catch(() => undefined);
        return heard.length > 0;
      },
      { timeoutMs: 10_000, intervalMs: 500, message: "a notice after the session came back" },
    );
    expect(heard[0]).toBe("-100123");
  });

  it("a holder that cannot renew stops before another may take over; a stop hands over at once", async () => {
    let failing = false;
    const flaky: LeaseBoard = {
      ...board,
      claim: (...args) =>
        failing ? Promise.reject(new Error("connection lost")) : board.claim(...args),
    };
    const events: string[] = [];
    const takenOver: { id: string; previousUntil: number }[] = [];
    const leases = (id: string, on: LeaseBoard) =>
      new Leases({
        board: on,
        instanceId: id,
        ttlMs: TTL_MS,
        units: ["group:1"],
        log,
        events: {
          gained: (unit, previousUntil) => {
            events.push(`${id} gained ${unit}`);
            if (previousUntil !== undefined) takenOver.push({ id, previousUntil });
          },
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
    const stoppedCounting = Date.now();
    // Still a's in the database for a while: nobody works on the group in between.
    expect((await board.holders()).map((l) => l.holder)).toEqual(["a"]);
    expect(b.holds("group:1")).toBe(false);
    await waitFor(() => b.holds("group:1"), { message: "b takes over after the expiry" });
    expect(events).toEqual(["a gained group:1", "a lost group:1", "b gained group:1"]);
    // b is told when a stopped working at the latest: before b took over, after a stopped.
    expect(takenOver.map((t) => t.id)).toEqual(["b"]);
    expect(takenOver[0]?.previousUntil).toBeLessThan(Date.now());
    expect(takenOver[0]?.previousUntil).toBeGreaterThanOrEqual(stoppedCounting - 100);

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
