// Two `npm start` processes on one Postgres against the fakes: the work of the one killed with
// SIGKILL is taken over by the other within LEASE_SECONDS plus a poll interval, and nothing is
// lost or repeated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { type BridgeProcess, startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { freshDatabase } from "../support/postgres.ts";
import { waitFor } from "../support/wait-for.ts";

const TOKEN = "123456789:test-token-for-the-fake";
const STAFF = -1001234567890;
const OZON_KEY = "ozon-api-key-0f6b3c2a";
const LEASE_SECONDS = 3;
const POLL_SECONDS = 1;

interface Instance {
  id: string;
  process: BridgeProcess;
  port: number;
}

describe("two instances on one Postgres, one killed", () => {
  const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF });
  const ozon = new FakeOzon({ clientId: "424242", apiKey: OZON_KEY });
  const instances: Instance[] = [];
  let databaseUrl: string;

  const start = async (id: string): Promise<Instance> => {
    const process = startBridgeProcess({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_STAFF_CHAT_ID: String(STAFF),
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_GROUP_MESSAGES_PER_MINUTE: "600",
      OZON_CLIENT_ID: "424242",
      OZON_API_KEY: OZON_KEY,
      OZON_API_URL: ozon.url,
      DATA_DIR: tempDataDir(),
      DATABASE_URL: databaseUrl,
      LEASE_SECONDS: String(LEASE_SECONDS),
      POLL_INTERVAL_SECONDS: String(POLL_SECONDS),
      INSTANCE_ID: id,
      LOG_LEVEL: "debug",
    });
    const listening = await process.waitForLog("http server listening", 20_000);
    await process.waitForLog("bridge started", 20_000);
    const instance = { id, process, port: Number(listening.port) };
    instances.push(instance);
    return instance;
  };
  const health = async (instance: Instance) => {
    const response = await fetch(`http://127.0.0.1:${instance.port}/healthz`);
    return (await response.json()) as {
      status: string;
      instance: string;
      leases: { unit: string; holder: string }[];
    };
  };
  const holderOf = async (instance: Instance, unit: string) =>
    (await health(instance)).leases.find((lease) => lease.unit === unit)?.holder;
  const buyerTexts = (thread: number) =>
    telegram
      .messagesIn(STAFF, thread)
      .filter((m) => !m.service && m.params?.disable_notification !== true)
      .map((m) => m.message.text ?? "");

  beforeAll(async () => {
    databaseUrl = await freshDatabase();
    await telegram.start();
    await ozon.start();
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.process.stop()));
    await telegram.stop();
    await ozon.stop();
  });

  it("delivers once before and after a SIGKILL of the group's holder, within the lease and a poll", async () => {
    const a = await start("a");
    const b = await start("b");
    // The first to start took every lease; the other stands by and says so.
    expect(await health(b)).toEqual({
      status: "ok",
      instance: "b",
      leases: [
        { unit: "bot", holder: "a", expiresInSeconds: expect.any(Number) },
        { unit: `group:${STAFF}`, holder: "a", expiresInSeconds: expect.any(Number) },
      ],
    });

    const chat = ozon.addChat();
    ozon.buyerWrites(chat, "is my order on its way?");
    const thread = await waitFor(
      () =>
        telegram
          .messagesIn(STAFF)
          .find((m) => m.message.is_topic_message && m.message.text?.includes(chat))?.message
          .message_thread_id,
      { timeoutMs: 10_000, message: "the chat's topic" },
    );
    await waitFor(() => buyerTexts(thread).length === 1, { message: "the buyer's message" });
    telegram.staffSends({ threadId: thread, text: "Yes, it is." });
    await waitFor(() => ozon.sentBySeller(chat).length === 1, { message: "the staff reply" });

    const holder = (await holderOf(b, `group:${STAFF}`)) === "a" ? a : b;
    const survivor = holder === a ? b : a;
    holder.process.child.kill("SIGKILL");
    await holder.process.exited;
    const killed = performance.now();
    ozon.buyerWrites(chat, "and when will it arrive?");
    telegram.staffSends({ threadId: thread, text: "Tomorrow." });

    const limitMs = (LEASE_SECONDS + POLL_SECONDS + 4) * 1000;
    await waitFor(() => buyerTexts(thread).length === 2 && ozon.sentBySeller(chat).length === 2, {
      timeoutMs: limitMs,
      message: "the buyer's message and the staff reply after the kill",
    });
    const tookMs = performance.now() - killed;
    expect(tookMs).toBeLessThan(limitMs);
    // Not before the killed one's lease ran out (its last renewal was at most a third before).
    expect(tookMs).toBeGreaterThan(((LEASE_SECONDS * 2) / 3) * 1000 - 500);
    expect(await holderOf(survivor, `group:${STAFF}`)).toBe(survivor.id);
    expect(await holderOf(survivor, "bot")).toBe(survivor.id);
    expect(survivor.process.logs().some((l) => l.msg === "lease taken")).toBe(true);

    // A poll later nothing more arrived either way.
    await new Promise((resolve) => setTimeout(resolve, (POLL_SECONDS + 1) * 1000));
    expect(buyerTexts(thread)).toEqual(["is my order on its way?", "and when will it arrive?"]);
    expect(ozon.sentBySeller(chat)).toEqual([
      expect.objectContaining({ kind: "text", text: "Yes, it is." }),
      expect.objectContaining({ kind: "text", text: "Tomorrow." }),
    ]);
  });
});
