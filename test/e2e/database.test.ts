// DATABASE_URL through the real entry point: a URL that is not one, a server that does not
// answer, a role without the rights to create the schema, a schema from a newer bridge. Each
// stops the start with exit 2 and one line that says what is wrong, without the password.
import { describe, expect, it } from "vitest";
import { Store } from "../../src/bridge/store/index.ts";
import { startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { asSuperuser, freshDatabase } from "../support/postgres.ts";
import { freePort } from "../support/postgres-server.ts";

const PASSWORD = "db-secret-pass-4711";

async function start(databaseUrl: string) {
  const bridge = startBridgeProcess({
    TELEGRAM_BOT_TOKEN: "123456:database-checks",
    TELEGRAM_STAFF_CHAT_ID: "-1001234567890",
    OZON_CLIENT_ID: "31337",
    OZON_API_KEY: "ozon-database-key",
    // Never reached: the state is opened before anything else.
    OZON_API_URL: "http://127.0.0.1:9",
    TELEGRAM_API_ROOT: "http://127.0.0.1:9",
    DATA_DIR: tempDataDir(),
    DATABASE_URL: databaseUrl,
  });
  const { code } = await bridge.exited;
  const fatal = bridge.logs().filter((line) => line.level === "fatal");
  const output = bridge.output();
  expect(output).not.toContain(PASSWORD);
  expect(output).not.toMatch(/\n\s+at /);
  return { code, fatal: fatal.map((line) => String(line.msg)), output };
}

/** The URL of `database` for role `user` with the secret password. */
const as = (database: string, user: string) => {
  const url = new URL(database);
  url.username = user;
  url.password = PASSWORD;
  return url.toString();
};

describe("DATABASE_URL that the bridge cannot use", () => {
  it("is not a postgres URL: a configuration problem", async () => {
    const result = await start(`mysql://bridge:${PASSWORD}@localhost/bridge`);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(
      /^ {2}DATABASE_URL: a postgres:\/\/user:password@host:5432\/database URL$/m,
    );
  });

  it("points at no server", async () => {
    const port = await freePort();
    const result = await start(`postgres://bridge:${PASSWORD}@127.0.0.1:${port}/bridge`);
    expect(result.code).toBe(2);
    expect(result.fatal).toEqual([
      `DATABASE_URL postgres://bridge@127.0.0.1:${port}/bridge is not usable: ` +
        `connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
  });

  it("names a role that may not create the schema", async () => {
    const database = await freshDatabase();
    const name = new URL(database).pathname.slice(1);
    await asSuperuser(
      name,
      "CREATE ROLE reader LOGIN",
      `GRANT CONNECT ON DATABASE ${name} TO reader`,
    );
    const result = await start(as(database, "reader"));
    expect(result.code).toBe(2);
    expect(result.fatal).toHaveLength(1);
    expect(result.fatal[0]).toMatch(
      /^DATABASE_URL postgres:\/\/reader@.* is not usable: permission denied for schema public$/,
    );
  });

  it("holds a schema from a newer bridge", async () => {
    const database = await freshDatabase();
    await (await Store.open(database)).close();
    await asSuperuser(
      new URL(database).pathname.slice(1),
      "UPDATE bridge_meta SET value = '99' WHERE key = 'schema_version'",
    );
    const result = await start(as(database, "postgres"));
    expect(result.code).toBe(2);
    expect(result.fatal).toHaveLength(1);
    expect(result.fatal[0]).toMatch(
      /is not usable: the database's schema is version 99, newer than this bridge knows \(2\): run the bridge version that migrated it, or a newer one$/,
    );
  });
});
