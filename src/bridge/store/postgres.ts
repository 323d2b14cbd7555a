// The engine for several boxes: the same named tables in a PostgreSQL database, through `pg`.
// The bridge creates and migrates its schema at start (versioned in bridge_meta), and holds a
// session-level advisory lock while it runs, so that `state:copy` can tell that a bridge is
// using the database. Leases for several instances (issue 16, item 2) belong beside that lock:
// a `leases` table in a later migration and heartbeats on the held session (`holder` below).
import pg from "pg";
import {
  type Engine,
  type Row,
  reporting,
  StateInUse,
  type Table,
  type Use,
  type WriteObserver,
} from "./table.ts";

/** Schema migrations, in order: the schema's version is how many of them ran. */
const MIGRATIONS = [
  `CREATE TABLE bridge_state (
     tbl text NOT NULL,
     key text NOT NULL,
     -- json, not jsonb: it takes any string JSON can carry, \\u0000 included.
     value json NOT NULL,
     -- Milliseconds since the epoch; NULL: kept until deleted.
     expires_at bigint,
     PRIMARY KEY (tbl, key)
   )`,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Advisory lock keys: this program's space, then what is locked in it. */
const LOCKS = 0x6d636272; // "mcbr"
const MIGRATING = 1;
const RUNNING = 2;

/** Rows per round trip when a table is listed. */
const PAGE = 500;

export async function openPostgres(
  url: string,
  names: readonly string[],
  observer: WriteObserver,
  use: Use,
): Promise<Engine> {
  const settings: pg.PoolConfig = {
    connectionString: url,
    application_name: "marketplace-chat-bridge",
    // An unreachable server fails the start (or the write) instead of hanging it.
    connectionTimeoutMillis: 10_000,
    query_timeout: 30_000,
    keepAlive: true,
  };
  const pool = new pg.Pool({ ...settings, max: 8 });
  // A pooled connection the server dropped while idle: the next query reconnects or fails.
  pool.on("error", () => {});
  const holder = new pg.Client(settings);
  // The held session lost: only `state:copy` would no longer see this bridge.
  holder.on("error", () => {});
  try {
    await holder.connect();
    await hold(holder, use);
    await migrate(pool);
  } catch (error) {
    await Promise.allSettled([holder.end(), pool.end()]);
    // Node reports a refused connection to a name with several addresses as an AggregateError
    // with an empty message; the first attempt's error says what happened.
    throw error instanceof AggregateError && error.errors[0] !== undefined
      ? error.errors[0]
      : error;
  }

  const known = new Set(names);
  const checked = (name: string) => {
    if (!known.has(name)) throw new Error(`no table ${name}`);
    return name;
  };
  const write = reporting(observer);
  const query = (text: string, values: unknown[]) => pool.query(text, values);
  const live = "(expires_at IS NULL OR expires_at > $3)";

  async function* pages(tbl: string): AsyncIterable<Row> {
    let after: string | null = null;
    for (;;) {
      const { rows } = await query(
        `SELECT key, value, expires_at FROM bridge_state
          WHERE tbl = $1 AND ($2::text IS NULL OR key > $2) AND ${live}
          ORDER BY key LIMIT ${PAGE}`,
        [tbl, after, Date.now()],
      );
      for (const row of rows) {
        yield {
          key: row.key,
          value: row.value,
          ...(row.expires_at === null ? {} : { expiresAt: Number(row.expires_at) }),
        };
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].key;
    }
  }

  return {
    table<T>(name: string): Table<T> {
      const tbl = checked(name);
      return {
        async get(key) {
          const { rows } = await query(
            `SELECT value FROM bridge_state WHERE tbl = $1 AND key = $2 AND ${live}`,
            [tbl, key, Date.now()],
          );
          return rows[0]?.value as T | undefined;
        },
        async has(key) {
          const { rowCount } = await query(
            `SELECT 1 FROM bridge_state WHERE tbl = $1 AND key = $2 AND ${live}`,
            [tbl, key, Date.now()],
          );
          return (rowCount ?? 0) > 0;
        },
        set: (key, value, ttlMs) =>
          write(() =>
            query(
              `INSERT INTO bridge_state (tbl, key, value, expires_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (tbl, key)
               DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
              [tbl, key, JSON.stringify(value), ttlMs === undefined ? null : Date.now() + ttlMs],
            ),
          ),
        delete: (key) =>
          write(() => query("DELETE FROM bridge_state WHERE tbl = $1 AND key = $2", [tbl, key])),
        async *entries() {
          // Listing sweeps what expired, as the SQLite engine does (FailedSends relies on it).
          await write(() =>
            query("DELETE FROM bridge_state WHERE tbl = $1 AND expires_at <= $2", [
              tbl,
              Date.now(),
            ]),
          );
          for await (const row of pages(tbl)) yield [row.key, row.value as T];
        },
      };
    },
    rows: (name) => pages(checked(name)),
    async close() {
      await Promise.allSettled([holder.end(), pool.end()]);
    },
  };
}

/**
 * Bridges hold the running lock shared, a copy exclusively; the session keeps it until it ends
 * (also when the process is killed: the server ends the session).
 */
async function hold(session: pg.Client, use: Use): Promise<void> {
  const take = use === "shared" ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock";
  const { rows } = await session.query(`SELECT ${take}($1, $2) AS held`, [LOCKS, RUNNING]);
  if (rows[0]?.held === true) return;
  throw new StateInUse(
    use === "shared"
      ? "a state copy is running on this database; start the bridge when it has finished"
      : "a bridge is running on this database; stop every bridge that uses it first",
  );
}

/** Brings the schema up to this bridge's version; refuses a newer one. */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // Two bridges starting at once: the second waits, then finds the schema current.
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCKS, MIGRATING]);
    // Checked before creating: a role with only read and write rights may run a migrated schema.
    const { rows: meta } = await client.query(
      "SELECT to_regclass('bridge_meta') IS NOT NULL AS ok",
    );
    if (meta[0]?.ok !== true) {
      await client.query("CREATE TABLE bridge_meta (key text PRIMARY KEY, value text NOT NULL)");
    }
    const { rows } = await client.query(
      "SELECT value FROM bridge_meta WHERE key = 'schema_version'",
    );
    const found = Number(rows[0]?.value ?? 0);
    if (found > SCHEMA_VERSION) {
      throw new Error(
        `the database's schema is version ${found}, newer than this bridge knows ` +
          `(${SCHEMA_VERSION}): run the bridge version that migrated it, or a newer one`,
      );
    }
    for (const migration of MIGRATIONS.slice(found)) await client.query(migration);
    if (found < SCHEMA_VERSION) {
      await client.query(
        `INSERT INTO bridge_meta (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [String(SCHEMA_VERSION)],
      );
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
