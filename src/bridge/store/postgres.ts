// The engine for several boxes: the same named tables in a PostgreSQL database, through `pg`.
// The bridge creates and migrates its schema at start (versioned in bridge_meta), and holds a
// session-level advisory lock while it runs, so that `state:copy` can tell that a bridge is
// using the database. Several instances share the work through `bridge_leases` (the board
// below; bridge/leases.ts decides what to claim): the held session LISTENs for the others'
// notices, claims go through the pool; both reconnect after the server restarted.
import pg from "pg";
import { sleep } from "../sleep.ts";
import {
  type Engine,
  type LeaseBoard,
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
  // Who holds which unit of work, until when (the server's clock: hosts' clocks may differ).
  `CREATE TABLE bridge_leases (
     unit text PRIMARY KEY,
     holder text NOT NULL,
     expires_at timestamptz NOT NULL
   )`,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Waits before the held session is opened again after the server ended it, doubling. */
const REOPEN_FIRST_MS = 1_000;
const REOPEN_MAX_MS = 30_000;

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
  const holder = new HeldSession(settings, use);
  try {
    await holder.open();
    await migrate(pool);
  } catch (error) {
    await Promise.allSettled([holder.close(), pool.end()]);
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
    leases: board(pool, holder),
    async close() {
      await Promise.allSettled([holder.close(), pool.end()]);
    },
  };
}

/** Channels are this program's: a notice never reaches another program's listener. */
const channel = (name: string) => `bridge_${name}`;

/**
 * The session that holds the running lock and LISTENs for notices. The server may end it (a
 * restart, a failover, a dropped connection): it is opened again, with the lock and the same
 * channels, trying every few seconds. Notices sent meanwhile are lost; the periodic checks
 * (claims, stored jobs) cover them.
 */
class HeldSession {
  readonly #settings: pg.ClientConfig;
  readonly #use: Use;
  readonly #listeners = new Map<string, (payload: string) => void>();
  #client: pg.Client | undefined;
  #closed = false;

  constructor(settings: pg.ClientConfig, use: Use) {
    this.#settings = settings;
    this.#use = use;
  }

  /** Connects and takes the lock; fails (StateInUse) when a copy or a bridge holds it. */
  async open(): Promise<void> {
    const client = new pg.Client(this.#settings);
    // Reported by 'end' below; an unhandled 'error' would end the process.
    client.on("error", () => {});
    client.on("notification", (message) => {
      this.#listeners.get(message.channel)?.(message.payload ?? "");
    });
    try {
      await client.connect();
      await hold(client, this.#use);
      for (const name of this.#listeners.keys()) await client.query(`LISTEN ${name}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      // Closed while this reopened it.
      await client.end().catch(() => {});
      return;
    }
    client.on("end", () => {
      if (!this.#closed) void this.#reopen();
    });
    this.#client = client;
  }

  async #reopen(): Promise<void> {
    this.#client = undefined;
    for (let delay = REOPEN_FIRST_MS; !this.#closed; delay = Math.min(delay * 2, REOPEN_MAX_MS)) {
      await sleep(delay);
      if (this.#closed) return;
      try {
        await this.open();
        return;
      } catch {
        // The server is still away (or a copy took the lock): try again later.
      }
    }
  }

  /** An identifier, not a parameter: only this program's own lower-case names. */
  async listen(name: string, heard: (payload: string) => void): Promise<void> {
    if (!/^[a-z_]+$/.test(name)) throw new Error(`not a channel name: ${name}`);
    this.#listeners.set(name, heard);
    await this.#client?.query(`LISTEN ${name}`);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#client?.end();
  }
}

function board(pool: pg.Pool, session: HeldSession): LeaseBoard {
  return {
    async claim(holder, units, ttlMs) {
      // One statement: of two instances claiming an expired unit at once, the row lock lets
      // one through and the other finds it held (its WHERE is checked again after the wait).
      // Every unit of a claim gets the same expiry (the statement's start), and instances list
      // the units in the same order: the first to claim after a holder's leases ran out takes
      // them all, so the bot's and the groups' leases stay on one instance.
      // `before` is the statement's snapshot: the expired lease a unit was taken from.
      const { rows } = await pool.query(
        `WITH before AS (SELECT unit, holder, expires_at FROM bridge_leases WHERE unit = ANY($2::text[]))
         INSERT INTO bridge_leases (unit, holder, expires_at)
           SELECT unit, $1, now() + $3 * interval '1 millisecond'
             FROM unnest($2::text[]) AS unit
         ON CONFLICT (unit) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE bridge_leases.holder = excluded.holder OR bridge_leases.expires_at < clock_timestamp()
         RETURNING unit,
           (SELECT (extract(epoch FROM clock_timestamp() - b.expires_at) * 1000)::bigint
              FROM before b WHERE b.unit = bridge_leases.unit AND b.holder <> $1) AS expired_ms_ago`,
        [holder, [...units], ttlMs],
      );
      return rows.map((row) =>
        row.expired_ms_ago === null
          ? { unit: row.unit as string }
          : { unit: row.unit as string, expiredMsAgo: Number(row.expired_ms_ago) },
      );
    },
    async release(holder, units) {
      await pool.query("DELETE FROM bridge_leases WHERE holder = $1 AND unit = ANY($2::text[])", [
        holder,
        [...units],
      ]);
    },
    async holders() {
      const { rows } = await pool.query(
        `SELECT unit, holder,
                (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::bigint AS left_ms
           FROM bridge_leases WHERE expires_at > clock_timestamp() ORDER BY unit`,
      );
      return rows.map((row) => ({
        unit: row.unit as string,
        holder: row.holder as string,
        expiresInMs: Number(row.left_ms),
      }));
    },
    async notify(name, payload) {
      await pool.query("SELECT pg_notify($1, $2)", [channel(name), payload]);
    },
    listen: (name, heard) => session.listen(channel(name), heard),
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
