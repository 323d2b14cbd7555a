// Two bridges on one Postgres share the work by leases: the group's holder polls and sends, the
// bot's holder reads Telegram and hands a staff job to the group's holder at once (NOTIFY), and
// a graceful stop hands everything over without waiting for the leases to expire.
import { afterEach, describe, expect, it } from "vitest";
import { type RunningBridge, startBridge } from "../../src/app.ts";
import { Store } from "../../src/bridge/store/index.ts";
import { asSuperuser } from "../support/postgres.ts";
import { waitFor } from "../support/wait-for.ts";
import { ACCOUNT_ID, STAFF, silentLog, TOKEN, useHarness } from "./harness.ts";

const POLL_MS = 3000;

describe("two instances on one database", () => {
  const h = useHarness({
    state: "postgres",
    pollIntervalMs: POLL_MS,
    env: () => ({ INSTANCE_ID: "first", LEASE_SECONDS: "10" }),
  });
  let second: RunningBridge | undefined;
  afterEach(async () => {
    await second?.stop();
    second = undefined;
  });
  const startSecond = () => startBridge({ ...h.config(), instanceId: "second" }, silentLog);
  const holders = async (bridge: RunningBridge) =>
    Object.fromEntries(
      ((await bridge.leases?.holders()) ?? []).map((lease) => [lease.unit, lease.holder]),
    );

  it("the bot's holder stores a staff reply; the group's holder sends it at once, once", async () => {
    // The second instance held the bot's lease before the first started.
    await (await Store.open(h.state)).close();
    await asSuperuser(
      new URL(h.state).pathname.slice(1),
      "INSERT INTO bridge_leases VALUES ('bot', 'second', now() + interval '1 minute')",
    );
    await h.start();
    second = await startSecond();
    expect(await holders(h.bridge)).toEqual({ bot: "second", [`group:${STAFF}`]: "first" });

    const { chat, thread } = await h.openChat("where is my parcel?");
    expect(h.buyerTexts(thread)).toEqual(["where is my parcel?"]);
    // Only the group's holder polls the marketplace.
    expect(second.poller.status.get(ACCOUNT_ID)?.lastSuccessAt).toBeUndefined();

    const asked = performance.now();
    h.telegram.staffSends({ threadId: thread, text: "It left the warehouse today." });
    await waitFor(() => h.ozon.sentBySeller(chat).length > 0, {
      message: "the reply at the buyer",
    });
    // Well within a poll interval, where the first instance would otherwise find the job.
    expect(performance.now() - asked).toBeLessThan(POLL_MS / 2);
    await h.bridge.outbound.idle();
    await h.cycles(1);
    expect(h.ozon.sentBySeller(chat)).toEqual([
      expect.objectContaining({ text: "It left the warehouse today." }),
    ]);
    expect(await second.outbound.pendingCount()).toBe(0);

    // /status is answered by the bot's holder, which names who serves the shop.
    h.telegram.staffSends({ text: "/status" });
    const status = await waitFor(
      () => h.telegram.textsIn(STAFF, "general").find((t) => t.startsWith("Status")),
      { message: "the /status answer" },
    );
    expect(status).toContain("served by instance first");
    expect(status).not.toContain("poll:");
    expect(status).toContain("Answered by instance second; Telegram updates read by second");
  });

  it("a graceful stop hands every lease over at once; nothing is lost or repeated", async () => {
    await h.start();
    second = await startSecond();
    expect(await holders(second)).toEqual({ bot: "first", [`group:${STAFF}`]: "first" });
    const { chat, thread } = await h.openChat("hello?");

    const stopped = performance.now();
    await h.stopBridge();
    const taken = second;
    await waitFor(() => taken.leases?.holds(`group:${STAFF}`) && taken.leases.holds("bot"), {
      message: "the second instance holding the group and the bot",
    });
    // LEASE_SECONDS is 10: the leases were handed over, not left to expire.
    expect(performance.now() - stopped).toBeLessThan(2000);
    expect(await holders(taken)).toEqual({ bot: "second", [`group:${STAFF}`]: "second" });

    h.ozon.buyerWrites(chat, "anyone?");
    await h.waitForBuyerTexts(thread, 2, POLL_MS * 3);
    // A getUpdates from elsewhere (as a stopping holder's last one) ends the new holder's long
    // poll with a 409 Conflict: waited out, polling goes on.
    const conflicts = () => h.telegram.callsOf("getUpdates").filter((c) => c.status === 409);
    await waitFor(() => h.telegram.callsOf("getUpdates").some((c) => c.outcome === "pending"), {
      message: "the second instance's long poll",
    });
    const before = conflicts().length;
    await (await fetch(`${h.telegram.url}/bot${TOKEN}/getUpdates?timeout=0&limit=1`)).text();
    await waitFor(() => conflicts().length === before + 1, { message: "the 409 Conflict" });
    h.telegram.staffSends({ threadId: thread, text: "Yes, here." });
    await waitFor(() => h.ozon.sentBySeller(chat).length > 0, {
      timeoutMs: POLL_MS * 3,
      message: "the reply sent by the second instance",
    });
    await taken.outbound.idle();
    expect(h.buyerTexts(thread)).toEqual(["hello?", "anyone?"]);
    expect(h.ozon.sentBySeller(chat)).toEqual([expect.objectContaining({ text: "Yes, here." })]);
    expect(conflicts()).toHaveLength(before + 1);
    // Polling did not end: done settles only at the stop.
    const settled = await Promise.race([taken.done.then(() => "done"), Promise.resolve("running")]);
    expect(settled).toBe("running");
  });
});
