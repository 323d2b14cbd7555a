// The crash test in small, part of every `npm test`: 100 buyer messages over 10 chats and 20
// staff messages while the process is killed three times, in about 20 s.
import { expect, it } from "vitest";
import { freshSeed } from "../support/rng.ts";
import { formatReport, runChaos } from "./scenario.ts";

it("loses nothing and repeats at most one message per kill, in small", async () => {
  const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : freshSeed();
  const report = await runChaos({
    seed,
    ozonChats: 8,
    yandexChats: 2,
    buyerMessages: 100,
    staffMessages: 20,
    kills: 3,
    spreadMs: 15_000,
    drainMs: 15_000,
  });
  console.log(formatReport(report));
  const sides = [report.buyer.ozon, report.buyer.yandex, report.staff.ozon, report.staff.yandex];
  expect(report.kills).toBe(3);
  expect(sides.map((side) => side.lost)).toEqual([0, 0, 0, 0]);
  expect(sides.map((side) => side.orderViolations)).toEqual([0, 0, 0, 0]);
  expect(report.buyer.ozon.duplicates + report.buyer.yandex.duplicates).toBeLessThanOrEqual(3);
  expect(report.staff.ozon.duplicates + report.staff.yandex.duplicates).toBeLessThanOrEqual(3);
  expect(report.misplaced).toBe(0);
  expect(report.unexpectedExits).toBe(0);
  expect(report.finalExit).toEqual({ code: 0, signal: null });
  expect(report.secretsFound).toEqual([]);
}, 60_000);
