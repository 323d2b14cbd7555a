// The embedded engine: named tables of JSON values in one SQLite file under DATA_DIR, through
// keyv. This is the only module that knows keyv. Each table gets its own adapter instance
// (sharing one mixes namespaces up in @keyv/sqlite 4).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import Keyv from "keyv";
import {
  type Engine,
  reporting,
  StateInUse,
  type Table,
  type Use,
  type WriteObserver,
} from "./table.ts";

export const SQLITE_FILE = "bridge.sqlite";
/** Who has DATA_DIR open: a running bridge, or a copy that needs it to itself. */
const HOLDER_FILE = "bridge.pid";

interface Holder {
  pid: number;
  host: string;
  use: Use;
}

export async function openSqlite(
  dataDir: string,
  names: readonly string[],
  observer: WriteObserver,
  use: Use,
): Promise<Engine> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
  const release = hold(dir, use);
  try {
    return await connect(join(dir, SQLITE_FILE), names, observer, release);
  } catch (error) {
    release();
    throw error;
  }
}

async function connect(
  file: string,
  names: readonly string[],
  observer: WriteObserver,
  release: () => void,
): Promise<Engine> {
  const open = (namespace: string) =>
    new Keyv({
      store: new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 }),
      namespace,
      throwOnErrors: true,
    });
  // WAL lets the per-table connections read while another writes. Switching needs the file to
  // itself, so one connection creates the table and switches before the others open.
  const spaces = new Map<string, Keyv>();
  const [first, ...rest] = names;
  if (first === undefined) throw new Error("no tables");
  const head = open(first);
  await (head.store as KeyvSqlite).query("PRAGMA journal_mode=WAL");
  spaces.set(first, head);
  for (const name of rest) spaces.set(name, open(name));

  const space = <T>(name: string) => {
    const found = spaces.get(name) as Keyv<T> | undefined;
    if (!found) throw new Error(`no table ${name}`);
    return found;
  };
  const write = reporting(observer);
  const table = <T>(name: string): Table<T> => {
    const keyv = space<T>(name);
    return {
      get: (key) => keyv.get(key),
      has: (key) => keyv.has(key),
      set: (key, value, ttlMs) => write(() => keyv.set(key, value, ttlMs)),
      delete: (key) => write(() => keyv.delete(key)),
      async *entries() {
        const iterate = keyv.iterator;
        if (!iterate) throw new Error(`table ${name} cannot be listed`);
        for await (const [key, value] of iterate.call(keyv, undefined)) {
          if (value !== undefined) yield [String(key), value as T];
        }
      },
    };
  };
  return {
    table,
    async *rows(name) {
      const keyv = space<unknown>(name);
      for await (const [key] of table(name).entries()) {
        const raw = await keyv.getRaw(key);
        if (raw?.value === undefined) continue;
        yield {
          key,
          value: raw.value,
          ...(typeof raw.expires === "number" ? { expiresAt: raw.expires } : {}),
        };
      }
    },
    async close() {
      await Promise.allSettled([...spaces.values()].map((keyv) => keyv.disconnect()));
      release();
    },
  };
}

/**
 * Marks DATA_DIR as held, after checking that no one holding it is in the way: a bridge may
 * start beside another holder only if that one is a bridge too; a copy only if no one else runs.
 * A holder that died without cleaning up is told apart by its pid on this host; one on another
 * host (a container sharing the volume) cannot be checked, so it counts as running until its
 * file is removed. Returns the release.
 */
function hold(dir: string, use: Use): () => void {
  const file = join(dir, HOLDER_FILE);
  const other = readHolder(file);
  if (other && running(other) && (use === "exclusive" || other.use === "exclusive")) {
    const who = other.use === "exclusive" ? "a state copy" : "a bridge";
    throw new StateInUse(
      `${who} is running on ${dir} (pid ${other.pid} on ${other.host}); stop it first, or ` +
        `delete ${file} if it is not running`,
    );
  }
  const mine: Holder = { pid: process.pid, host: hostname(), use };
  writeFileSync(file, `${JSON.stringify(mine)}\n`);
  return () => {
    const now = readHolder(file);
    if (now?.pid === mine.pid && now.host === mine.host) rmSync(file, { force: true });
  };
}

function readHolder(file: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, "utf8")) as Partial<Holder>;
    if (typeof holder.pid !== "number" || typeof holder.host !== "string") return undefined;
    return { pid: holder.pid, host: holder.host, use: holder.use ?? "shared" };
  } catch {
    // Missing or torn: no one to wait for.
    return undefined;
  }
}

function running(holder: Holder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
