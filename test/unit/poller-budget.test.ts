// The poller keeps an account's chat listing at one call per cycle and within the
// marketplace's hourly allowance, however many chats there are: a full sweep is read one page
// per sweep cycle, and cycles pause when the allowance is used up.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type Account, TOPIC_ICON_COLORS } from "../../src/bridge/account.ts";
import { ChatSync } from "../../src/bridge/chat-sync.ts";
import { FeedSync } from "../../src/bridge/feed-sync.ts";
import type { Inbound } from "../../src/bridge/inbound.ts";
import { Poller } from "../../src/bridge/poller.ts";
import {
  type ChatSummary,
  type MarketplaceProvider,
  ProviderError,
} from "../../src/bridge/provider.ts";
import { GroupSendQueue } from "../../src/bridge/send-queue.ts";
import { type CursorRecord, Store } from "../../src/bridge/store/index.ts";
import type { Topics } from "../../src/bridge/topics.ts";
import { waitFor } from "../support/wait-for.ts";

/**
 * 100 quiet chats behind a list call that pages by 20, optionally with an hourly limit, and
 * optionally with page tokens that expire as soon as any other list call is made.
 */
function quietShop(listCallsPerHour?: number, tokensExpire = false, allUnread = false) {
  /** Every list call made, as "scope:page". */
  const calls: string[] = [];
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
      ...(listCallsPerHour ? { listCallsPerHour } : {}),
    },
    // Lazy like the real providers: a page is requested only when the caller asks for it.
    async *listChats(scope: "all" | "unread") {
      const listed = scope === "all" || allUnread ? chats : [];
      for (let page = 0; page === 0 || page * 20 < listed.length; page++) {
        const expired = tokensExpire && page > 0 && calls.at(-1) !== `${scope}:${page - 1}`;
        calls.push(`${scope}:${page}`);
        if (expired) throw new ProviderError("invalid", "Ozon API: 400 invalid cursor");
        yield listed.slice(page * 20, page * 20 + 20);
      }
    },
  } as unknown as MarketplaceProvider;
  return { provider, calls };
}

/** A poller of one account (staff group -1001) on `provider`, with an inbound that only baselines. */
function quietPoller(
  store: Store,
  provider: MarketplaceProvider,
  options: Pick<ConstructorParameters<typeof Poller>[0], "intervalMs" | "sweepEvery" | "serves">,
): Poller {
  const account: Account = {
    id: "a",
    name: "A",
    staffChatId: -1001,
    provider,
    iconColor: TOPIC_ICON_COLORS.violet,
    words: { startNumbers: {} },
    showName: false,
    log: pino({ level: "silent" }),
  };
  const inbound = {
    baseline: (a: Account, chatId: string, cursor: CursorRecord) =>
      store.cursors.set(a.id, chatId, cursor),
  } as unknown as Inbound;
  const feeds = new FeedSync({ store, inbound });
  return new Poller({
    accounts: [account],
    store,
    // History reads are not counted here: a sync that reaches inbound fails, as before.
    chats: new ChatSync({ store, inbound, feeds, topics: {} as Topics }),
    feeds,
    inbound,
    queue: new GroupSendQueue(20),
    ...options,
  });
}

async function pollQuietShop(options: {
  listCallsPerHour?: number;
  tokensExpire?: boolean;
  /** Every chat is listed as unread too (a shop whose buyers' last words stay unanswered). */
  allUnread?: boolean;
  /** A restart: the account is baselined and every chat has its cursor. */
  restart?: { changedOnFirstPage: boolean };
  cycles: number;
}) {
  const store = await Store.open(mkdtempSync(join(tmpdir(), "poller-budget-")));
  const { provider, calls } = quietShop(
    options.listCallsPerHour,
    options.tokensExpire,
    options.allUnread,
  );
  if (options.restart) {
    await store.markBaselined("a");
    for (let i = 1; i <= 100; i++) {
      const changed = options.restart.changedOnFirstPage && i <= 20;
      await store.cursors.set("a", String(i), { lastId: "5", changeToken: changed ? "old" : "t" });
    }
  }
  const poller = quietPoller(store, provider, { intervalMs: 1, sweepEvery: 2 });
  poller.start();
  await waitFor(() => (poller.status.get("a")?.cycles ?? 0) >= options.cycles, {
    timeoutMs: 10_000,
  });
  await poller.stop();
  await store.close();
  return { calls, cycles: poller.status.get("a")?.cycles ?? 0 };
}

describe("Poller list calls", () => {
  it("never lists more than its share of the hourly allowance", async () => {
    const { calls } = await pollQuietShop({ listCallsPerHour: 10, cycles: 50 });
    // 80 % of 10 calls: the first start (5 pages), then one call per cycle up to 8.
    expect(calls).toHaveLength(8);
    expect(calls.slice(0, 5)).toEqual(["all:0", "all:1", "all:2", "all:3", "all:4"]);
  });

  it("makes one call per cycle: a sweep goes on page by page, every sweepEvery-th cycle", async () => {
    const { calls, cycles } = await pollQuietShop({ cycles: 30 });
    const firstStart = ["all:0", "all:1", "all:2", "all:3", "all:4"];
    // Cycle 1, 3, 5…: the next sweep page; the others: the unread listing. A finished sweep
    // starts over without an extra call.
    const steady = Array.from({ length: 24 }, (_, i) =>
      (i + 1) % 2 === 1 ? `all:${(i / 2) % 5}` : "unread:0",
    );
    expect(calls.slice(0, 5 + 24)).toEqual([...firstStart, ...steady]);
    // At most one call per cycle after the first start (the last cycle may be under way).
    expect(calls.length - 5).toBeLessThanOrEqual(cycles);
  });

  it("sweeps in one go, as seldom, when page tokens do not last until the next sweep cycle", async () => {
    const { calls } = await pollQuietShop({ tokensExpire: true, cycles: 24 });
    const whole = ["all:0", "all:1", "all:2", "all:3", "all:4"];
    expect(calls.slice(0, 5 + 2 + 1 + 5 + 9)).toEqual([
      ...whole, // first start
      "all:0", // cycle 1: the sweep's first page
      "unread:0",
      "all:1", // cycle 3: its token is refused, so the whole sweep follows in the same cycle
      ...whole,
      // The four sweep cycles the whole sweep took more go by with the cheap listing.
      ...["unread:0", "unread:0", "unread:0", "unread:0", "unread:0"],
      ...["unread:0", "unread:0", "unread:0", "unread:0"],
    ]);
    expect(calls.slice(22, 27)).toEqual(whole); // cycle 13: the next whole sweep
  });

  it("stops a long unread listing where the hourly allowance ends", async () => {
    const { calls } = await pollQuietShop({ listCallsPerHour: 10, allUnread: true, cycles: 20 });
    expect(calls).toHaveLength(8);
  });

  it("after a restart, reads sweep pages beside the unread call until one brings nothing new", async () => {
    const quiet = await pollQuietShop({ restart: { changedOnFirstPage: false }, cycles: 6 });
    // Cycle 0: unread and the newest sweep page (nothing changed: caught up); cycle 1 is a
    // sweep cycle; then one call per cycle again.
    expect(quiet.calls.slice(0, 6)).toEqual([
      "unread:0",
      "all:0",
      "all:1",
      "unread:0",
      "all:2",
      "unread:0",
    ]);
    const busy = await pollQuietShop({ restart: { changedOnFirstPage: true }, cycles: 6 });
    // The first page held chats that changed while stopped, so cycle 2 reads one more page.
    expect(busy.calls.slice(0, 7)).toEqual([
      "unread:0",
      "all:0",
      "all:1",
      "unread:0",
      "all:2",
      "all:3",
      "unread:0",
    ]);
  });
});

describe("Poller standby (several instances)", () => {
  it("polls a group at once when this instance gains it, not a poll interval later", async () => {
    const store = await Store.open(mkdtempSync(join(tmpdir(), "poller-standby-")));
    const { provider, calls } = quietShop();
    let served = false;
    // A minute between cycles: only wake() can make the standby poll within the test.
    const poller = quietPoller(store, provider, { intervalMs: 60_000, serves: () => served });
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toEqual([]);
    served = true;
    poller.wake(-1001);
    await waitFor(() => (poller.status.get("a")?.cycles ?? 0) >= 1, { timeoutMs: 2000 });
    expect(calls[0]).toBe("all:0");
    await poller.stop();
    await store.close();
  });
});
