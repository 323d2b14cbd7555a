// `npm run demo`, the README's first command, timed from the command to its exit as a newcomer
// runs it: no settings, no .env. The README says "about ten seconds"; most of that is the
// demo's own pacing (staff "typing", a linger at the end, the 1 s poll), so the figure moves
// with those as much as with the bridge.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { now, progress, removeDir, tempDir } from "./common.ts";

const ROOT = join(import.meta.dirname, "..");

/** Milliseconds from spawning `npm run demo` to its exit, one sample per run. */
export async function demoRuns(runs: number): Promise<number[]> {
  progress(`demo: ${runs} runs of npm run demo, command to exit`);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const home = tempDir("demo-home");
    try {
      times.push(await timeDemo(home));
    } finally {
      removeDir(home);
    }
  }
  return times;
}

function timeDemo(home: string): Promise<number> {
  const started = now();
  const child = spawn("npm", ["run", "--silent", "demo"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: home, NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      // A failed demo (its deadline passed) has no meaningful duration.
      if (code === 0) resolve(now() - started);
      else reject(new Error(`bench: npm run demo exited ${code}: ${stderr.trim()}`));
    });
  });
}
