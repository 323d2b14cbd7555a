// GET /healthz's verdict on polling: an account that polled within three intervals, or began
// polling within them (a start, a takeover waiting for the marketplace's rate window), is fine.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../src/bridge/account.ts";
import type { PollStatus } from "../../src/bridge/poller.ts";
import { Store } from "../../src/bridge/store/index.ts";
import { health } from "../../src/http/health.ts";

const INTERVAL = 5_000;
const account = { id: "wildberries-seller", staffChatId: -100 } as Account;

describe("health of polling", () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(mkdtempSync(join(tmpdir(), "health-")));
  });
  afterAll(async () => {
    await store.close();
  });

  const verdict = async (poll: PollStatus) => {
    const reply = await health({
      store,
      incidents: { problems: () => [] },
      accounts: [account],
      polls: new Map([[account.id, poll]]),
      pollIntervalMs: INTERVAL,
    });
    return { status: reply.status, body: JSON.parse(String(reply.body)) };
  };

  it("gives a poll that just began three intervals, then says it never went through", async () => {
    const now = Date.now();
    expect((await verdict({ cycles: 0, servingSince: now - INTERVAL })).status).toBe(200);
    const late = await verdict({ cycles: 0, servingSince: now - 4 * INTERVAL });
    expect(late.status).toBe(503);
    expect(late.body.problems).toEqual(["wildberries-seller: no successful poll yet"]);
  });

  it("counts a takeover as a fresh start, not from this instance's last poll long ago", async () => {
    const now = Date.now();
    const taken = { cycles: 9, lastSuccessAt: now - 3_600_000, servingSince: now - 2_000 };
    expect((await verdict(taken)).status).toBe(200);
    const stuck = await verdict({ ...taken, servingSince: now - 4 * INTERVAL, lastError: "429" });
    expect(stuck.body.problems).toEqual([
      "wildberries-seller: last successful poll 3600 s ago (429)",
    ]);
  });
});
