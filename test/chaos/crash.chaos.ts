// The full crash test (`npm run test:chaos`): 500 buyer messages over 50 chats (40 Ozon, 10
// Yandex Market) and 100 staff messages while the process is killed with SIGKILL ten times.
// CHAOS_SEED repeats a run; CHAOS_RUNS runs several seeds in a row; CHAOS_LOG_LEVEL=debug logs
// every poll cycle; CHAOS_KEEP_DATA=1 keeps the state file for a look afterwards.
import { expect, it } from "vitest";
import { freshSeed } from "../support/rng.ts";
import { type ChaosReport, formatReport, runChaos } from "./scenario.ts";

const runs = Number(process.env.CHAOS_RUNS ?? 1);
const firstSeed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : freshSeed();

for (let run = 0; run < runs; run++) {
  const seed = firstSeed + run;
  it(`loses nothing and repeats at most one message per kill (seed ${seed})`, async () => {
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
    expectSurvived(report);
  });
}

function expectSurvived(report: ChaosReport): void {
  const sides = [report.buyer.ozon, report.buyer.yandex, report.staff.ozon, report.staff.yandex];
  expect(report.kills).toBe(10);
  expect(sides.map((side) => side.lost)).toEqual([0, 0, 0, 0]);
  expect(sides.map((side) => side.orderViolations)).toEqual([0, 0, 0, 0]);
  // Neither receiving API has an idempotency key: at most one repeat per kill on each side.
  expect(report.buyer.ozon.duplicates + report.buyer.yandex.duplicates).toBeLessThanOrEqual(
    report.kills,
  );
  expect(report.staff.ozon.duplicates + report.staff.yandex.duplicates).toBeLessThanOrEqual(
    report.kills,
  );
  expect(report.misplaced).toBe(0);
  expect(report.orphanTopics).toBeLessThanOrEqual(report.kills);
  expect(report.unexpectedExits).toBe(0);
  expect(report.finalExit).toEqual({ code: 0, signal: null });
  expect(report.secretsFound).toEqual([]);
}
