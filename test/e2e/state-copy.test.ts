// `npm run state:copy -- <from> <to>`: the whole state from DATA_DIR's SQLite file into a real
// PostgreSQL database and back, read afterwards through the repositories; refused while a
// bridge holds the source, and into a place that holds state already.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type OutboundJob, Store, TABLES } from "../../src/bridge/store/index.ts";
import { freshDatabase } from "../support/postgres.ts";

const ROOT = join(import.meta.dirname, "..", "..");

function stateCopy(from: string, to: string): Promise<{ code: number | null; out: string }> {
  const child = spawn("npm", ["run", "--silent", "state:copy", "--", from, to], {
    cwd: ROOT,
    env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, out })));
}

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "bridge-copy-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A state with something in several tables, one entry of them expiring. */
async function fill(location: string): Promise<void> {
  const store = await Store.open(location);
  for (const [chatId, threadId] of [
    ["c1", 7],
    ["c2", 8],
  ] as const) {
    await store.topics.save({
      accountId: "ozon-1",
      chatId,
      staffChatId: -1001,
      threadId,
      title: `Chat ${chatId} «ёлка» \u0000`,
      waiting: "us",
    });
    await store.cursors.set("ozon-1", chatId, { lastId: `${threadId}0`, changeToken: "t" });
  }
  await store.templates.set(-1001, { name: "Hello", text: "Hi, {buyer}!", updatedAt: 1 });
  const job: OutboundJob = {
    id: "-1001:5",
    staffChatId: -1001,
    threadId: 7,
    messageId: 5,
    accountId: "ozon-1",
    chatId: "c1",
    parts: [{ type: "text", text: "on its way" }],
    done: 0,
    attempts: 0,
    createdAt: 1,
  };
  await store.jobs.save(job);
  await store.jobs.save({ ...job, id: "-1001:6", messageId: 6 });
  await store.jobs.finish("-1001:6");
  await store.markBaselined("ozon-1");
  await store.close();
}

async function expectFilled(location: string): Promise<void> {
  const store = await Store.open(location);
  try {
    expect((await store.topics.all()).map((t) => t.title).sort()).toEqual([
      "Chat c1 «ёлка» \u0000",
      "Chat c2 «ёлка» \u0000",
    ]);
    expect(await store.topics.byThread(-1001, 8)).toEqual({ accountId: "ozon-1", chatId: "c2" });
    expect((await store.topics.waiting()).length).toBe(2);
    expect((await store.cursors.get("ozon-1", "c2"))?.lastId).toBe("80");
    expect((await store.templates.get(-1001, "hello"))?.text).toBe("Hi, {buyer}!");
    expect((await store.jobs.pending()).map((j) => j.id)).toEqual(["-1001:5"]);
    // The done marker came along, with its week still running.
    expect(await store.jobs.known("-1001:6")).toBe(true);
    expect(await store.baselined("ozon-1")).toBe(true);
  } finally {
    await store.close();
  }
}

/** topics 2, threads 2, waiting 2, cursors 2, accounts 1, jobs 1, done 1, templates 1. */
const COPIED = 12;

const countsOf = (out: string) =>
  Object.fromEntries(
    out
      .split("\n")
      .map((line) => /^(\w+)\s+(\d+)$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => [m[1], Number(m[2])]),
  );

describe("npm run state:copy", () => {
  it("moves the state from SQLite into Postgres and back, printing what it copied", async () => {
    const sqlite = dataDir();
    await fill(sqlite);
    const postgres = await freshDatabase();

    const there = await stateCopy(sqlite, postgres);
    expect(there.code, there.out).toBe(0);
    const counts = countsOf(there.out);
    expect(Object.keys(counts)).toEqual([...TABLES]);
    expect(counts).toMatchObject({ topics: 2, threads: 2, waiting: 2, cursors: 2, jobs: 1 });
    expect(counts).toMatchObject({ done: 1, templates: 1, accounts: 1, probe: 0 });
    expect(there.out).toContain(`copied ${COPIED} entries from ${sqlite} to ${postgres}`);
    await expectFilled(postgres);

    const back = dataDir();
    const home = await stateCopy(postgres, back);
    expect(home.code, home.out).toBe(0);
    expect(home.out).toContain(`copied ${COPIED} entries`);
    await expectFilled(back);
  });

  it("refuses while a bridge holds the source, and into a place with state", async () => {
    const sqlite = dataDir();
    await fill(sqlite);
    const postgres = await freshDatabase();

    const running = await Store.open(sqlite);
    const whileSqlite = await stateCopy(sqlite, postgres);
    await running.close();
    expect(whileSqlite.code).toBe(2);
    expect(whileSqlite.out).toMatch(/a bridge is running on .* \(pid \d+/);

    expect((await stateCopy(sqlite, postgres)).code).toBe(0);
    const onPostgres = await Store.open(postgres);
    const whilePostgres = await stateCopy(postgres, dataDir());
    await onPostgres.close();
    expect(whilePostgres.code).toBe(2);
    expect(whilePostgres.out).toContain("a bridge is running on this database");

    const again = await stateCopy(sqlite, postgres);
    expect(again.code).toBe(2);
    expect(again.out).toMatch(/holds state already \(table topics\); copy into an empty one/);
  });

  it("says how it is used, and refuses a DATA_DIR without state", async () => {
    const usage = await stateCopy(dataDir(), "");
    expect(usage.code).toBe(2);
    expect(usage.out).toMatch(/^usage: npm run state:copy -- <from> <to>/);
    const empty = dataDir();
    const nothing = await stateCopy(empty, dataDir());
    expect(nothing.code).toBe(2);
    expect(nothing.out).toContain(`${empty} holds no state`);
  });
});
