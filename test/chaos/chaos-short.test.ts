// The crash test in small, part of every `npm test`: 100 buyer messages over 10 chats and 20
// staff messages while the process is killed three times, in about 20 s.
import { expect, it } from "vitest";
import { freshSeed } from "../support/rng.ts";
import { failedChecks, formatReport, runChaos } from "./scenario.ts";

it("loses nothing, never echoes, repeats at most one message per kill, in small", async () => {
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
  expect(failedChecks(report), formatReport(report)).toEqual([]);
}, 60_000);
