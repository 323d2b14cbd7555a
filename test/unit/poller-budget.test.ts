// The poller keeps an account's chat listing within the marketplace's hourly allowance,
// however many chats there are: cycles shrink to the cheap listing, then pause.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Account } from "../../src/bridge/account.ts";
import type { Inbound } from "../../src/bridge/inbound.ts";
import { Poller } from "../../src/bridge/poller.ts";
import type { ChatSummary, MarketplaceProvider } from "../../src/bridge/provider.ts";
import { Store } from "../../src/bridge/store.ts";
import type { Topics } from "../../src/bridge/topics.ts";
import { waitFor } from "../support/wait-for.ts";

/** 100 quiet chats behind a list call that pages by 20, optionally with an hourly limit. */
function quietShop(listCallsPerHour?: number) {
  const calls: ("all" | "unread")[] = [];
  const chats: ChatSummary[] = Array.from({ length: 100 }, (_, i) => ({
    chatId: String(i + 1),
    isBuyerChat: true,
    changeToken: "t",
    lastMessageId: "5",
    unreadCount: 0,
  }));
  const provider = {
    marketplace: "test",
    marketplaceTitle: "Test",
    capabilities: {
      maxTextLength: 100,
      maxFileBytes: 100,
      startChatBy: [],
      listPageSize: 20,
      ...(listCallsPerHour ? { listCallsPerHour } : {}),
    },
    async *listChats(scope: "all" | "unread") {
      const listed = scope === "all" ? chats : [];
      for (let page = 0; page < Math.max(1, listed.length / 20); page++) calls.push(scope);
      yield* listed;
    },
  } as unknown as MarketplaceProvider;
  return { provider, calls };
}

describe("Poller list budget", () => {
  it("never lists more than its share of the hourly allowance", async () => {
    const store = await Store.open(mkdtempSync(join(tmpdir(), "poller-budget-")));
    const { provider, calls } = quietShop(10);
    const account: Account = { id: "a", name: "A", staffChatId: -1001, provider, showName: false };
    const log = pino({ level: "silent" });
    const poller = new Poller({
      accounts: [account],
      store,
      inbound: {} as Inbound,
      topics: {} as Topics,
      log,
      intervalMs: 1,
      sweepEvery: 2,
    });
    poller.start();
    await waitFor(() => (poller.status.get("a")?.cycles ?? 0) >= 50, { timeoutMs: 10_000 });
    await poller.stop();
    await store.close();
    // 80 % of 10 calls: the first sweep (5 pages), then cheap listings (1 each) up to 8.
    expect(calls.length).toBe(8);
    expect(calls.filter((c) => c === "all")).toHaveLength(5);
  });

  it("spreads full sweeps out: ten cycles per call a sweep takes", async () => {
    const store = await Store.open(mkdtempSync(join(tmpdir(), "poller-sweeps-")));
    const { provider, calls } = quietShop();
    const account: Account = { id: "a", name: "A", staffChatId: -1001, provider, showName: false };
    const poller = new Poller({
      accounts: [account],
      store,
      inbound: {} as Inbound,
      topics: {} as Topics,
      log: pino({ level: "silent" }),
      intervalMs: 1,
      sweepEvery: 2,
    });
    poller.start();
    await waitFor(() => (poller.status.get("a")?.cycles ?? 0) >= 60, { timeoutMs: 10_000 });
    await poller.stop();
    await store.close();
    const cycles = poller.status.get("a")?.cycles ?? 0;
    // A sweep of 5 calls at cycles 0, 50, 100…; a cheap listing in every other cycle.
    const sweeps = Math.ceil(cycles / 50);
    expect(sweeps).toBeGreaterThanOrEqual(2);
    expect(calls.filter((c) => c === "all")).toHaveLength(5 * sweeps);
    expect(calls.filter((c) => c === "unread")).toHaveLength(cycles - sweeps);
  });
});
