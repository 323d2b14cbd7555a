// A fresh database on the run's PostgreSQL server (test/support/postgres-server.ts) for each
// test that needs one, so tests never see each other's state.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

/** The test server's URL for database `name`. */
export function databaseUrl(name: string): string {
  const url = new URL(inject("postgresUrl"));
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs statements as the server's superuser, in database `name`. */
export async function asSuperuser(name: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl(name) });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A new empty database; its URL. */
export async function freshDatabase(): Promise<string> {
  const name = `bridge_${randomBytes(6).toString("hex")}`;
  await asSuperuser("postgres", `CREATE DATABASE ${name}`);
  return databaseUrl(name);
}
