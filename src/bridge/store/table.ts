// The state engine: named tables of JSON values by string key, in one SQLite file through keyv.
// This is the only module that knows keyv. Each table gets its own adapter instance (sharing
// one mixes namespaces up in @keyv/sqlite 4), and errors throw instead of reading as "missing":
// a silent undefined on the topic map would create duplicate topics.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import Keyv from "keyv";

export interface Table<T> {
  get(key: string): Promise<T | undefined>;
  has(key: string): Promise<boolean>;
  /** `ttlMs`: the value reads as missing after that long. */
  set(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every entry, in no defined order. */
  entries(): AsyncIterable<[string, T]>;
}

/** Told of every failed write, so that a failing disk is noticed at once. */
export interface WriteObserver {
  failed(error: unknown): void;
}

export interface Engine {
  table<T>(name: string): Table<T>;
  close(): Promise<void>;
}

export async function openSqlite(
  dataDir: string,
  names: readonly string[],
  observer: WriteObserver,
): Promise<Engine> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, "bridge.sqlite");
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

  const write = async (action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      observer.failed(error);
      throw error;
    }
  };
  return {
    table<T>(name: string): Table<T> {
      const space = spaces.get(name) as Keyv<T> | undefined;
      if (!space) throw new Error(`no table ${name}`);
      return {
        get: (key) => space.get(key),
        has: (key) => space.has(key),
        set: (key, value, ttlMs) => write(() => space.set(key, value, ttlMs)),
        delete: (key) => write(() => space.delete(key)),
        async *entries() {
          const iterate = space.iterator;
          if (!iterate) throw new Error(`table ${name} cannot be listed`);
          for await (const [key, value] of iterate.call(space, undefined)) {
            if (value !== undefined) yield [String(key), value as T];
          }
        },
      };
    },
    async close() {
      await Promise.allSettled([...spaces.values()].map((space) => space.disconnect()));
    },
  };
}
