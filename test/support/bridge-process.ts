// Starts the real entry point as a child process, by the very command `npm start` runs
// (package.json's start script: node src/main.ts with its memory settings), with the given
// environment, and collects its output for assertions.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { waitFor } from "./wait-for.ts";

const ROOT = join(import.meta.dirname, "..", "..");

/** package.json's start script; it ends by exec-ing node, so the child's pid is the bridge's. */
export const START_SCRIPT: string = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }
).scripts.start;

export interface BridgeProcess {
  child: ChildProcess;
  output(): string;
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), "bridge-data-"));
}

/** `viaNpm` runs `npm start` exactly as the README says, so signals go through npm. */
export function startBridgeProcess(
  env: Record<string, string>,
  options: { viaNpm?: boolean } = {},
): BridgeProcess {
  const [command, args] = options.viaNpm
    ? ["npm", ["start", "--silent"]]
    : ["sh", ["-c", START_SCRIPT]];
  const child = spawn(command, args, {
    cwd: ROOT,
    // A clean environment: nothing from the developer's shell or a .env file leaks in.
    env: {
      // The node running the tests (the project's Node 24) comes first, as under npm.
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      HOME: process.env.HOME ?? "",
      NODE_NO_WARNINGS: "1",
      // Any free port: several bridges run side by side in the tests.
      HTTP_PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const logs = () =>
    out
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    child,
    exited,
    output: () => out,
    logs,
    waitForLog: (msg, timeoutMs = 10_000) =>
      waitFor(() => logs().find((line) => line.msg === msg), {
        timeoutMs,
        message: `log line "${msg}" did not appear; output so far:\n${out}`,
      }),
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
