// The full crash test (`npm run test:chaos`): 500 buyer messages over 50 chats (40 Ozon, 10
// Yandex Market) and 100 staff messages while the process is killed with SIGKILL ten times.
// Each run draws a fresh seed and prints it; CHAOS_SEED repeats a run; CHAOS_RUNS runs several
// seeds in a row (CHAOS_SEED, CHAOS_SEED + 1, …); CHAOS_LOG_LEVEL=debug logs every poll cycle;
// CHAOS_KEEP_DATA=1 keeps the state file for a look afterwards.
import { expect, it } from "vitest";
import { freshSeed } from "../support/rng.ts";
import { failedChecks, formatReport, runChaos } from "./scenario.ts";

const runs = positiveInteger("CHAOS_RUNS") ?? 1;
const given = positiveInteger("CHAOS_SEED");
const seeds = Array.from({ length: runs }, (_, run) =>
  given === undefined ? freshSeed() : given + run,
);
console.log(
  `chaos seeds: ${seeds.join(", ")} (${given === undefined ? "random" : "from CHAOS_SEED"}; ` +
    "repeat one with CHAOS_SEED=<seed> npm run test:chaos)",
);

for (const seed of seeds) {
  it(`loses nothing, never echoes, repeats at most one message per kill (seed ${seed})`, async () => {
    console.log(`chaos seed ${seed} (repeat with CHAOS_SEED=${seed})`);
    const report = await runChaos({
      seed,
      ozonChats: 40,
      yandexChats: 10,
      wbChats: 10,
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

function positiveInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}
