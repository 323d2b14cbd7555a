// A staff message that could not be sent yet is stored, not lost: a new bridge on the same
// state picks it up and sends it exactly once. On both engines: this is the integration suite's
// run on PostgreSQL (the whole suite runs there with TEST_STATE_ENGINE=postgres).
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { drainOzonFailures, SEND_MESSAGE, STAFF, useHarness } from "./harness.ts";

describe.each(["sqlite", "postgres"] as const)("a staff message across a restart (%s)", (state) => {
  const h = useHarness({ state });

  it("is sent once by the next bridge after the first one stopped while Ozon failed", async () => {
    const { ozon, telegram } = h;
    await h.start();
    const { chat, thread } = await h.openChat("is anyone there?");

    ozon.failNext(SEND_MESSAGE, { status: 500, times: 50 });
    const staff = telegram.staffSends({ threadId: thread, text: "Yes, we are here." });
    await waitFor(() => ozon.countByPath(SEND_MESSAGE) >= 1, { message: "a failed send attempt" });
    await h.stopBridge();
    expect(ozon.sentBySeller(chat)).toEqual([]);

    // Ozon is healthy again.
    const failedAttempts = ozon.countByPath(SEND_MESSAGE);
    expect(await drainOzonFailures(ozon, SEND_MESSAGE)).toBe(50 - failedAttempts);

    await h.start();
    await waitFor(() => telegram.reactions.find((r) => r.messageId === staff.message_id), {
      message: "the 👍 receipt after the restart",
    });
    await h.bridge.outbound.idle();
    await h.cycles(2);
    expect(await h.bridge.outbound.pendingCount()).toBe(0);
    expect(ozon.sentBySeller(chat)).toEqual([
      expect.objectContaining({ kind: "text", text: "Yes, we are here." }),
    ]);
    // Nothing else reached the topic: no failure reply, no echo of the bridge's own send.
    expect(h.buyerTexts(thread)).toEqual(["is anyone there?"]);
    const echoed = telegram
      .messagesIn(STAFF, thread)
      .filter((m) => m.message.text?.includes("Yes, we are here."));
    expect(echoed).toEqual([]);
  });
});
