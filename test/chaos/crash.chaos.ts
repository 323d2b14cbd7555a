// The full crash test (`npm run test:chaos`): 500 buyer messages over 50 chats (40 Ozon, 10
// Yandex Market) and 100 staff messages while the process is killed with SIGKILL ten times.
// CHAOS_SEED repeats a run; CHAOS_RUNS runs several seeds in a row; CHAOS_LOG_LEVEL=debug logs
// every poll cycle; CHAOS_KEEP_DATA=1 keeps the state file for a look afterwards.
import { expect, it } from "vitest";
import { freshSeed } from "../support/rng.ts";
import { failedChecks, formatReport, runChaos } from "./scenario.ts";

const runs = Number(process.env.CHAOS_RUNS ?? 1);
const firstSeed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : freshSeed();

for (let run = 0; run < runs; run++) {
  const seed = firstSeed + run;
  it(`loses nothing, never echoes, repeats at most one message per kill (seed ${seed})`, async () => {
    console.log(`chaos seed ${seed} (repeat with CHAOS_SEED=${seed})`);
    const report = await runChaos({
      seed,
      ozonChats: 40,
      yandexChats: 10,
      buyerMessages: 500,
      staffMessages: 100,
      kills: 10,
      spreadMs: 60_000,
      drainMs: 60_000,
      progress: (line) => console.log(`  ${line}`),
      ...(process.env.CHAOS_LOG_LEVEL ? { logLevel: process.env.CHAOS_LOG_LEVEL } : {}),
      keepDataDir: process.env.CHAOS_KEEP_DATA === "1",
    });
    console.log(formatReport(report));
    expect(failedChecks(report), `seed ${seed}\n${formatReport(report)}`).toEqual([]);
  });
}
