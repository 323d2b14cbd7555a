// One marketplace chat per lane, opened before the lane's first test and shared by all of them:
// opening a chat costs a topic and a few poll cycles, so each test writes a fresh text into the
// same chat instead. Ozon and Yandex lanes differ only in the calls in Marketplace, so the fault
// suites of both (and the Telegram one, which rides on an Ozon chat) keep one copy of the
// bookkeeping that proves "arrives once" and "nothing twice".
import { beforeAll, expect } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, useWorld, type World } from "./world.ts";

/** What the bridge sent into a marketplace chat for the staff, as both fakes record it. */
type StaffSent = { kind: "text"; text: string } | { kind: "file"; bytes: Buffer };

/** The calls of a World that depend on the marketplace a lane's chat is on. */
export interface Marketplace<Chat> {
  account: "ozon" | "yandex";
  /** Opens a chat with a first buyer text and resolves once that text is in its topic. */
  open(world: World, text: string): Promise<{ chat: Chat; thread: number }>;
  buyerWrites(world: World, chat: Chat, text: string): void;
  /** Resolves after about `n` more poll cycles of this marketplace. */
  cycles(world: World, n: number): Promise<unknown>;
  contractViolations(world: World): readonly unknown[];
  sentByStaff(world: World, chat: Chat): readonly StaffSent[];
  /** How long a buyer text may take to reach its topic once a fault has cleared. */
  arrivalTimeoutMs: number;
}

export const OZON: Marketplace<string> = {
  account: "ozon",
  open: (world, text) => world.openOzonChat(text),
  buyerWrites: (world, chat, text) => {
    world.ozon.buyerWrites(chat, text);
  },
  cycles: (world, n) => world.ozonCycles(n),
  contractViolations: (world) => world.ozon.contractViolations,
  sentByStaff: (world, chat) => world.ozon.sentBySeller(chat),
  arrivalTimeoutMs: 30_000,
};

export const YANDEX: Marketplace<number> = {
  account: "yandex",
  open: (world, text) => world.openYandexChat(text),
  buyerWrites: (world, chat, text) => {
    world.yandex.customerWrites(chat, text);
  },
  cycles: (world, n) => world.yandexCycles(n),
  contractViolations: (world) => world.yandex.contractViolations,
  sentByStaff: (world, chat) => world.yandex.sentByPartner(chat),
  // The Yandex suite's own allowance, kept: some of its faults (a 420's wait) clear more slowly.
  arrivalTimeoutMs: 40_000,
};

/** The chat of the calling lane, opened in its beforeAll with `greeting` as the first text. */
export function laneChat<Chat>(world: World, market: Marketplace<Chat>, greeting: string) {
  const state: { chat?: Chat; thread: number; seq: number; lastArrival: number } = {
    thread: 0,
    seq: 0,
    lastArrival: 0,
  };
  const delivered: Array<{ thread: number; text: string }> = [];
  beforeAll(async () => {
    const opened = await market.open(world, greeting);
    state.chat = opened.chat;
    state.thread = opened.thread;
    state.lastArrival = Date.now();
  }, 30_000);

  const chat = (): Chat => {
    if (state.chat === undefined) throw new Error("laneChat: the chat did not open");
    return state.chat;
  };
  const next = (label: string) => `${label} #${++state.seq}`;
  const sentTexts = () =>
    market.sentByStaff(world, chat()).flatMap((s) => (s.kind === "text" ? [s.text] : []));

  /** Waits for `text` in `thread`, expects one copy, and remembers it for noneTwice. */
  async function arrivesOnce(text: string, thread = state.thread): Promise<void> {
    expect(await world.waitForBuyerText(thread, text, market.arrivalTimeoutMs)).toBe(1);
    state.lastArrival = Date.now();
    delivered.push({ thread, text });
  }

  /** Sends a staff text into the topic and waits for its receipt. */
  async function staffWrites(text: string, receiptTimeoutMs?: number) {
    const message = world.telegram.staffSends({ threadId: state.thread, text });
    await world.receiptOn(message.message_id, receiptTimeoutMs);
    return message;
  }

  return {
    get chat(): Chat {
      return chat();
    },
    get thread(): number {
      return state.thread;
    },
    /** Every buyer text arrivesOnce saw, with the topic it arrived in. */
    delivered: delivered as ReadonlyArray<{ thread: number; text: string }>,
    /** A unique text for the current test. */
    next,
    arrivesOnce,
    /**
     * The common shape of a read fault: marks the log, injects `fault`, has the buyer write a
     * fresh text and expects it once in the topic. Returns the mark, for what was logged.
     */
    async arrivesOnceAfter(label: string, fault: () => void): Promise<number> {
      const mark = world.mark();
      const text = next(label);
      fault();
      market.buyerWrites(world, chat(), text);
      await arrivesOnce(text);
      return mark;
    },
    /**
     * Resolves once the wall clock is in a later second than the last arrival. Yandex dates have
     * whole seconds and the bridge missed a message written in the second of its last sync of
     * the chat (see the same-second test in yandex-faults); tests of other faults must not trip
     * over that.
     */
    async freshSecond(): Promise<void> {
      const second = Math.floor(state.lastArrival / 1000);
      await waitFor(() => Math.floor(Date.now() / 1000) > second, { timeoutMs: 2000 });
    },
    /** After three more poll cycles, every remembered text is still there once. */
    async noneTwice(): Promise<void> {
      await market.cycles(world, 3);
      for (const { thread, text } of delivered)
        expect(
          world.buyerTexts(thread).filter((t) => t === text),
          text,
        ).toHaveLength(1);
      expect(market.contractViolations(world)).toEqual([]);
      expect(world.telegram.messagesIn(STAFF, "general")).toEqual([]);
    },
    staffWrites,
    /** Texts the bridge sent into the chat for the staff, oldest first. */
    sentTexts,
    copiesOf: (text: string) => sentTexts().filter((t) => t === text).length,
    /**
     * Staff send `bytes` as a PDF named `name` in the topic; expects the receipt and exactly one
     * copy of those bytes in the chat.
     */
    async staffDocumentArrivesOnce(name: string, bytes: Buffer, receiptTimeoutMs?: number) {
      const doc = world.telegram.addFile(bytes, { name, mime: "application/pdf" });
      const message = world.telegram.staffSends({ threadId: state.thread, document: doc });
      await world.receiptOn(message.message_id, receiptTimeoutMs);
      const copies = market
        .sentByStaff(world, chat())
        .filter((s) => s.kind === "file" && s.bytes.equals(bytes));
      expect(copies).toHaveLength(1);
    },
  };
}

/**
 * A World with only `market`'s account, and its chat, for the calling lane: a fault on one
 * marketplace then cannot be blamed on the other.
 */
export function useChatWorld<Chat>(market: Marketplace<Chat>, greeting: string) {
  const world = useWorld({ accounts: [market.account] });
  return { world, c: laneChat(world, market, greeting) };
}
