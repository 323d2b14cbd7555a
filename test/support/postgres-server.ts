// vitest globalSetup: one real PostgreSQL server for the whole run, on a free port of
// 127.0.0.1, in a temporary directory, stopped and removed at the end. PostgreSQL refuses to
// run as root (CI runs as root): then the server runs as `nobody` through runuser. The binaries
// come from PATH or Debian's /usr/lib/postgresql/<version>/bin (.ci/run installs the package
// when they are missing). The benchmark starts one the same way (startPostgres).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  interface ProvidedContext {
    /** The superuser's URL of the test server; test/support/postgres.ts makes databases on it. */
    postgresUrl: string;
  }
}

const NOBODY = 65534;

function binaries(): string {
  const onPath = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const debian = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join("/usr/lib/postgresql", version, "bin"))
    : [];
  const found = [...onPath, ...debian].find((dir) => existsSync(join(dir, "initdb")));
  if (!found) {
    throw new Error(
      "PostgreSQL's server binaries (initdb, postgres) are not installed: the tests need them " +
        "(Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql)",
    );
  }
  return found;
}

/** A port of 127.0.0.1 nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function ready(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`PostgreSQL exited:\n${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not start: ${error}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export interface PostgresServer {
  /** The superuser's URL of database "postgres". */
  url: string;
  stop(): Promise<void>;
}

/**
 * A server of its own. `throwaway`: no fsync and no waiting for the WAL at commit (tests);
 * otherwise PostgreSQL's own durable defaults, as a deployment runs it (the benchmark).
 */
export async function startPostgres(options: { throwaway: boolean }): Promise<PostgresServer> {
  const bin = binaries();
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "bridge-postgres-"));
  if (root) chownSync(dir, NOBODY, NOBODY);
  const data = join(dir, "data");
  const as = (command: string, args: string[]): [string, string[]] =>
    root ? ["runuser", ["-u", "nobody", "--", command, ...args]] : [command, args];

  const [initdb, initArgs] = as(join(bin, "initdb"), [
    ...["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
  ]);
  execFileSync(initdb, initArgs, { cwd: dir, stdio: "pipe" });

  const port = await freePort();
  const [postgres, args] = as(join(bin, "postgres"), [
    ...["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1"],
    ...["-c", `unix_socket_directories=${dir}`, "-c", "max_connections=300"],
    // Throwaway data: durability only costs time here.
    ...(options.throwaway
      ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
      : []),
  ]);
  const server = spawn(postgres, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-10_000);
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await ready(url, server, () => log);

  return {
    url,
    async stop() {
      // The postmaster itself (runuser may not pass a signal on); SIGINT: fast shutdown.
      const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      const exited = new Promise((resolve) => server.once("exit", resolve));
      process.kill(pid, "SIGINT");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres({ throwaway: true });
  project.provide("postgresUrl", server.url);
  return () => server.stop();
}
