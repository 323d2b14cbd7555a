// The crash test in small, part of every `npm test`: 100 buyer messages over 10 chats and 20
// staff messages while the process is killed three times, in about 20 s per seed. The seeds are
// fixed so that CI runs the same schedules every time (where a kill lands in the bridge's work
// still depends on timing); `npm run test:chaos` draws fresh ones.
import { expect, it } from "vitest";
import { failedChecks, formatReport, runChaos } from "./scenario.ts";

const SEEDS = [20_250_601, 1_234_567];

for (const seed of SEEDS) {
  it(`loses nothing, never echoes, repeats at most one message per kill, in small (seed ${seed})`, async () => {
    const report = await runChaos({
      seed,
      ozonChats: 8,
      yandexChats: 2,
      wbChats: 2,
      buyerMessages: 100,
      staffMessages: 20,
      kills: 3,
      spreadMs: 15_000,
      drainMs: 15_000,
    });
    console.log(formatReport(report));
    expect(failedChecks(report), formatReport(report)).toEqual([]);
  }, 60_000);
}
