// The full crash test (`npm run test:chaos`): 500 buyer messages over 50 chats (40 Ozon, 10
// Yandex Market) and 100 staff messages while the process is killed with SIGKILL ten times.
// Each run draws a fresh seed and prints it; CHAOS_SEED repeats a run; CHAOS_RUNS runs several
// seeds in a row (CHAOS_SEED, CHAOS_SEED + 1, …); CHAOS_LOG_LEVEL=debug logs every poll cycle;
// CHAOS_KEEP_DATA=1 keeps the state file for a look afterwards.
//
// Then the same load on two instances sharing one Postgres database, each kill hitting one of
// them, with the takeover after a kill of the group's holder measured. CHAOS_INSTANCES=1 or 2
// runs only that mode.
import { expect, it } from "vitest";
import { freshDatabase } from "../support/postgres.ts";
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

const instances = positiveInteger("CHAOS_INSTANCES");
if (instances !== undefined && instances > 2) throw new Error("CHAOS_INSTANCES must be 1 or 2");
const modes = instances === undefined ? [1, 2] : [instances];

for (const mode of modes) {
  for (const seed of seeds) {
    const what = mode === 1 ? "one instance" : "two instances on Postgres, one of them killed";
    it(`loses nothing, never echoes, repeats at most one message per kill, ${what} (seed ${seed})`, async () => {
      console.log(
        `chaos seed ${seed}, ${what} (repeat with CHAOS_SEED=${seed} CHAOS_INSTANCES=${mode})`,
      );
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
        ...(mode === 2 ? { twoInstances: { databaseUrl: await freshDatabase() } } : {}),
      });
      console.log(formatReport(report));
      expect(failedChecks(report), `seed ${seed}\n${formatReport(report)}`).toEqual([]);
    });
  }
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
