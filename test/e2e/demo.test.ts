// `npm run demo`, the README's first command, as a newcomer runs it: no credentials, no .env,
// and it must show the whole loop and stop by itself.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");

describe("npm run demo", () => {
  it("shows a buyer message reaching a topic, a staff reply reaching the buyer, and the answer", async () => {
    const child = spawn("npm", ["run", "--silent", "demo"], {
      cwd: ROOT,
      // Nothing from the developer's shell or a .env file: the demo needs no settings at all.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: mkdtempSync(join(tmpdir(), "demo-home-")),
        NODE_NO_WARNINGS: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    // How long it takes is a figure of `npm run bench -- demo`; here it must end on its own,
    // after the whole loop: its deadline would print a warning and exit 1.
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once("exit", (...exit) => resolve(exit)),
    );

    expect({ code, signal }, out).toEqual({ code: 0, signal: null });
    const lines = out.split("\n");
    const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    const topic = at(/📂 new topic ".*Sandbox"/);
    const question = at(/buyer → topic: Здравствуйте! Получил заказ/);
    const photo = at(/buyer → topic: \[photo IMG_0001\.png\]/);
    const staff = at(/staff \(.*\) writes in the topic: Здравствуйте!/);
    const accepted = at(/✅ the sandbox shop accepted the reply/);
    const answer = at(/buyer → topic: Лучше замену/);
    const farewell = at(/^That is the whole loop/);
    expect(
      [topic, question, photo, staff, accepted, answer, farewell].every((i) => i >= 0),
      out,
    ).toBe(true);
    expect(topic).toBeLessThan(question);
    expect(question).toBeLessThan(staff);
    expect(staff).toBeLessThan(accepted);
    expect(accepted).toBeLessThan(answer);
    expect(answer).toBeLessThan(farewell);
    // Plain lines for a person, not the bridge's JSON log.
    expect(out).not.toMatch(/^\{"level"/m);
    expect(out).not.toMatch(/⚠️/);
  }, 60_000);
});
