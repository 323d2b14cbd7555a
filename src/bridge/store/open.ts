// Which engine holds the state: DATA_DIR's SQLite file (sqlite.ts) serves one box; a
// `postgres://` URL (postgres.ts) puts the same tables in a database the operator already runs
// and backs up.
import { openPostgres } from "./postgres.ts";
import { openSqlite } from "./sqlite.ts";
import type { Engine, Use, WriteObserver } from "./table.ts";

/** A `postgres://` or `postgresql://` URL; anything else is a DATA_DIR path. */
export const isDatabaseUrl = (location: string): boolean =>
  /^postgres(ql)?:\/\//i.test(location.trim());

/** The state at `location`: a DATA_DIR path or a database URL. */
export function openEngine(
  location: string,
  names: readonly string[],
  observer: WriteObserver,
  use: Use = "shared",
): Promise<Engine> {
  return isDatabaseUrl(location)
    ? openPostgres(location, names, observer, use)
    : openSqlite(location, names, observer, use);
}

/** The location as it may be shown: a database URL without its password. */
export function withoutPassword(location: string): string {
  if (!isDatabaseUrl(location)) return location;
  try {
    const url = new URL(location);
    url.password = "";
    return url.toString();
  } catch {
    return "(a database URL that does not parse)";
  }
}
