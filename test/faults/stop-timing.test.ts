// A graceful stop at a bad moment: SIGTERM just before, while, and just after the bridge takes a
// staff reply from Telegram. Whatever the timing, the reply reaches the buyer exactly once
// (after the restart if need be), and the stop is clean (exit 0, no "update handling failed").
import { expect, it } from "vitest";
import type { CallRecord } from "../fakes/telegram.ts";
import { waitFor } from "../support/wait-for.ts";
import { OZON, useChatWorld } from "./lane-chat.ts";
import { lane, STAFF } from "./world.ts";

/** When SIGTERM comes, in ms after Telegram handed the reply to the bridge (-1: just before). */
const MOMENTS = [-1, 0, 1, 2, 4, 8, 16];

lane("SIGTERM around a staff reply", () => {
  const { world, c } = useChatWorld(OZON, "Здравствуйте, где мой заказ?");

  it.each(MOMENTS)("SIGTERM %i ms after the reply was fetched: sent once", async (moment) => {
    const text = `reply at ${moment} ms`;
    const bridge = world.bridge;
    const fetched = (call: CallRecord, messageId: number) =>
      call.method === "getUpdates" &&
      Array.isArray(call.result) &&
      call.result.some(
        (u: { message?: { message_id: number } }) => u.message?.message_id === messageId,
      );
    const send = () =>
      world.telegram.staffSends({ chatId: STAFF, threadId: c.thread, text }).message_id;
    let messageId = 0;
    if (moment < 0) {
      bridge.child.kill("SIGTERM");
      messageId = send();
    } else {
      const signalled = new Promise<void>((resolve) => {
        const stopOn = world.telegram.onCall((call) => {
          if (!fetched(call, messageId)) return;
          stopOn();
          setTimeout(() => {
            bridge.child.kill("SIGTERM");
            resolve();
          }, moment);
        });
      });
      messageId = send();
      await signalled;
    }
    const exit = await world.stopBridge("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(world.output()).not.toContain("update handling failed");

    await world.startBridge();
    const sent = () =>
      world.ozon.sentBySeller(c.chat).filter((s) => s.kind === "text" && s.text === text);
    await waitFor(() => sent().length > 0, { timeoutMs: 20_000, message: `"${text}" at Ozon` });
    await world.receiptOn(messageId);
    await world.ozonCycles(2);
    expect(sent()).toHaveLength(1);
  });
});
