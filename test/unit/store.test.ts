// The typed repositories on both engines, a real SQLite file and a real PostgreSQL database:
// what each promises about its writes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  FAILED_TTL_MS,
  type OutboundJob,
  Store,
  type TopicRecord,
} from "../../src/bridge/store/index.ts";
import { asSuperuser, freshDatabase } from "../support/postgres.ts";

describe.each(["sqlite", "postgres"])("state on %s", (engine) => {
  let location: string;
  let store: Store;

  beforeEach(async () => {
    location =
      engine === "sqlite" ? mkdtempSync(join(tmpdir(), "bridge-store-")) : await freshDatabase();
    store = await Store.open(location);
  });

  afterEach(async () => {
    await store.close();
    if (engine === "sqlite") rmSync(location, { recursive: true, force: true });
  });

  const topic = (patch: Partial<TopicRecord> = {}): TopicRecord => ({
    accountId: "ozon-1",
    chatId: "c1",
    staffChatId: -1001,
    threadId: 7,
    title: "Chat c1",
    ...patch,
  });

  describe("topics", () => {
    it("finds a chat by its thread and keeps the set of chats waiting for us", async () => {
      await store.topics.save(topic({ waiting: "us", waitingSince: 1 }));
      await store.topics.save(topic({ chatId: "c2", threadId: 8, waiting: "buyer" }));
      expect(await store.topics.byThread(-1001, 7)).toEqual({ accountId: "ozon-1", chatId: "c1" });
      expect((await store.topics.waiting()).map((t) => t.chatId)).toEqual(["c1"]);

      await store.topics.save(topic({ waiting: "us", closed: true }));
      expect(await store.topics.waiting()).toEqual([]);
      await store.topics.forgetThread(-1001, 7);
      expect(await store.topics.byThread(-1001, 7)).toBeUndefined();
      expect((await store.topics.all()).length).toBe(2);
    });
  });

  describe("templates", () => {
    it("lists a group's templates, however many (a listing takes pages)", async () => {
      const names = Array.from({ length: 501 }, (_, i) => `t${String(i).padStart(4, "0")}`);
      await Promise.all(
        names.map((name) => store.templates.set(-1001, { name, text: name, updatedAt: 1 })),
      );
      await store.templates.set(-1002, { name: "other", text: "x", updatedAt: 1 });
      expect((await store.templates.list(-1001)).map((t) => t.name)).toEqual(names);
    });
  });

  describe("jobs", () => {
    const job: OutboundJob = {
      id: "-1001:5",
      staffChatId: -1001,
      threadId: 7,
      messageId: 5,
      accountId: "ozon-1",
      chatId: "c1",
      parts: [{ type: "text", text: "hi" }],
      done: 0,
      attempts: 0,
      createdAt: 1,
    };

    it("remembers a finished job, so a re-delivered update is not taken as new", async () => {
      await store.jobs.save(job);
      expect(await store.jobs.known(job.id)).toBe(true);
      await store.jobs.finish(job.id);
      expect(await store.jobs.pending()).toEqual([]);
      expect(await store.jobs.known(job.id)).toBe(true);
    });

    it("forgets a dropped job", async () => {
      await store.jobs.save(job);
      await store.jobs.drop(job.id);
      expect(await store.jobs.known(job.id)).toBe(false);
    });
  });

  describe("failed sends kept for a retry", () => {
    const failedJob = (id: string): OutboundJob => ({
      id,
      staffChatId: -1001,
      threadId: 7,
      messageId: 42,
      accountId: "ozon-1",
      chatId: "c1",
      parts: [{ type: "text", text: "hi" }],
      done: 0,
      attempts: 8,
      createdAt: 1,
    });

    it("keeps one for a week from its failure, also when its reply is recorded later", async () => {
      const now = Date.now();
      await store.failed.keep({ job: failedJob("-1001:1"), failedAt: now - FAILED_TTL_MS + 300 });
      await store.failed.keep({ job: failedJob("-1001:2"), failedAt: now });
      await store.failed.keep({ job: failedJob("-1001:2"), failedAt: now, replyId: 99 });
      expect((await store.failed.get("-1001:1"))?.job.messageId).toBe(42);
      expect((await store.failed.get("-1001:2"))?.replyId).toBe(99);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await store.failed.get("-1001:1")).toBeUndefined();
      expect((await store.failed.get("-1001:2"))?.replyId).toBe(99);
      await store.failed.delete("-1001:2");
      expect(await store.failed.get("-1001:2")).toBeUndefined();
    });
  });

  describe("a store closed by a stop", () => {
    it("does not take its refused writes for a failing disk, and keeps a refused cursor readable", async () => {
      const other = await Store.open(location);
      const changes: (string | undefined)[] = [];
      other.writes.onChange((failure) => changes.push(failure));
      await other.close();
      await expect(
        other.cursors.set("ozon-1", "c1", { lastId: "2", changeToken: "b" }),
      ).rejects.toThrow();
      expect(other.writes.failure).toBeUndefined();
      expect(changes).toEqual([]);
      // The message behind it is in Telegram: the chat must read the refused cursor, not an older one.
      expect((await other.cursors.get("ozon-1", "c1"))?.lastId).toBe("2");
    });
  });
});

describe("state on postgres, when the database refuses writes", () => {
  it("reports the failed write once, and a probe ends it when writes work again", async () => {
    const location = await freshDatabase();
    const store = await Store.open(location);
    const database = new URL(location).pathname.slice(1);
    const changes: (string | undefined)[] = [];
    store.writes.onChange((failure) => changes.push(failure));
    try {
      await asSuperuser(
        database,
        `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$`,
        "CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON bridge_state EXECUTE FUNCTION refuse()",
      );
      await expect(
        store.cursors.set("ozon-1", "c1", { lastId: "2", changeToken: "b" }),
      ).rejects.toThrow("No space left on device");
      await expect(store.jobs.finish("-1001:5")).rejects.toThrow();
      expect(store.writes.failure).toBe("could not extend file: No space left on device");
      // The cursor of a message already in Telegram is read from memory meanwhile.
      expect((await store.cursors.get("ozon-1", "c1"))?.lastId).toBe("2");
      await expect(store.probe()).rejects.toThrow();

      await asSuperuser(database, "DROP TRIGGER refuse ON bridge_state");
      await store.probe();
      expect(changes).toEqual(["could not extend file: No space left on device", undefined]);
    } finally {
      await store.close();
    }
    const reopened = await Store.open(location);
    expect((await reopened.cursors.get("ozon-1", "c1"))?.lastId).toBe("2");
    await reopened.close();
  });
});
