// `npm run state:copy`: the whole state from one place to another (DATA_DIR's SQLite file,
// a PostgreSQL database), so a seller who moves to Postgres, or back, keeps every topic
// mapping, cursor, job and template. Both sides are held exclusively for the copy: it refuses
// while a bridge runs on either, and a bridge cannot start on them until it has finished.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TABLES } from "./index.ts";
import { isDatabaseUrl, openEngine, withoutPassword } from "./open.ts";
import { SQLITE_FILE } from "./sqlite.ts";
import type { Engine, WriteObserver } from "./table.ts";

/** A problem with what was asked: nothing was written. */
export class CopyRefused extends Error {
  override name = "CopyRefused";
}

/** Entries copied, per table, in TABLES' order. */
export type CopyCounts = Array<[table: string, entries: number]>;

/** A copy has no incident to open: a failed write simply fails it. */
const noObserver: WriteObserver = { failed() {} };

export async function copyState(from: string, to: string): Promise<CopyCounts> {
  if (!isDatabaseUrl(from) && !existsSync(join(from, SQLITE_FILE))) {
    throw new CopyRefused(`${from} holds no state (no ${SQLITE_FILE} there)`);
  }
  const source = await openEngine(from, TABLES, noObserver, "exclusive");
  let target: Engine | undefined;
  try {
    target = await openEngine(to, TABLES, noObserver, "exclusive");
    for (const name of TABLES) {
      for await (const _ of target.rows(name)) {
        throw new CopyRefused(
          `${withoutPassword(to)} holds state already (table ${name}); copy into an empty one`,
        );
      }
    }
    const counts: CopyCounts = [];
    for (const name of TABLES) {
      const table = target.table<unknown>(name);
      let copied = 0;
      for await (const row of source.rows(name)) {
        const left = row.expiresAt === undefined ? undefined : row.expiresAt - Date.now();
        if (left !== undefined && left <= 0) continue;
        await table.set(row.key, row.value, left);
        copied++;
      }
      counts.push([name, copied]);
    }
    return counts;
  } finally {
    await Promise.allSettled([source.close(), target?.close()]);
  }
}
