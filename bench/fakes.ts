// The test fakes, unchanged, plus the observation points the figures need: when a chat-list
// answer that shows a message left the fake Ozon, and when a send reached it (overhead); the size
// of each answer of the fake Wildberries, and the poll cycle it came in (idle).
import type { IncomingMessage, ServerResponse } from "node:http";
import { FakeOzon } from "../test/fakes/ozon.ts";
import type { FakeTelegram } from "../test/fakes/telegram.ts";
import { FakeWildberries } from "../test/fakes/wildberries.ts";
import { FakeYandex, type YandexOperationId } from "../test/fakes/yandex.ts";
import { now, OZON_CLIENT_ID, OZON_KEY, YANDEX_BUSINESS_ID, YANDEX_KEY } from "./common.ts";

export const OZON_LIST = "/v3/chat/list";
export const OZON_SEND = "/v1/chat/send/message";

type End = (...args: unknown[]) => ServerResponse;

export class TimedOzon extends FakeOzon {
  /** Called with the body of every chat-list answer as it is written, and the time. */
  onListAnswer: ((body: string, at: number) => void) | undefined;
  /** Called when a request arrives, before its body is read. */
  onArrival: ((path: string, at: number) => void) | undefined;

  constructor() {
    super({ clientId: OZON_CLIENT_ID, apiKey: OZON_KEY });
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    this.onArrival?.(path, now());
    const listener = this.onListAnswer;
    if (path === OZON_LIST && listener) {
      const end = res.end.bind(res) as End;
      (res as unknown as { end: End }).end = (...args: unknown[]) => {
        const [chunk] = args;
        if (Buffer.isBuffer(chunk)) listener(chunk.toString("utf8"), now());
        return end(...args);
      };
    }
    await super.handle(req, res);
  }
}

/** Chats that exist and are answered: every message read, nothing waiting for the shop. */
export function idleOzonChats(ozon: FakeOzon, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const chat = ozon.addChat({ orderNumber: `${10_000_000 + i}-0001-1` });
    ozon.buyerWrites(chat, `old question ${i}`);
    ozon.sellerWritesInCabinet(chat, `old answer ${i}`);
    ozon.sellerReadsInCabinet(chat);
    ids.push(chat);
  }
  return ids;
}

/** One answer of the fake Wildberries: when it was asked for, how big it was. */
export interface WbAnswer {
  /** What `tagOf` said when the request arrived (the bench's poll cycle). */
  tag: number;
  path: string;
  bytes: number;
  /** An events answer with totalEvents 0: the feed was read to its end. */
  drained: boolean;
}

export class MeteredWildberries extends FakeWildberries {
  readonly answers: WbAnswer[] = [];
  /** Read as each request arrives. */
  tagOf: () => number = () => 0;
  /** Called as each request arrives, before the fake's clock is read for it. */
  onArrival: (() => void) | undefined;

  constructor(token: string) {
    // The bench's clock (the idle part runs Date.now virtually); `new Date()` would not follow it.
    super({ token, now: () => new Date(Date.now()) });
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const answer: WbAnswer = { tag: this.tagOf(), path, bytes: 0, drained: false };
    this.answers.push(answer);
    this.onArrival?.();
    const end = res.end.bind(res) as End;
    (res as unknown as { end: End }).end = (...args: unknown[]) => {
      const [chunk] = args;
      if (Buffer.isBuffer(chunk)) {
        answer.bytes = chunk.length;
        answer.drained = chunk.includes('"totalEvents":0');
      }
      return end(...args);
    };
    await super.handle(req, res);
  }
}

/**
 * Chats the shop has answered: a buyer's question and the seller's answer in the portal, so the
 * buyer waits for nothing. Two events each, in the one feed of the account.
 */
export function idleWildberriesChats(wb: FakeWildberries, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const chat = wb.addChat();
    wb.buyerWrites(chat, `old question ${i}`);
    wb.sellerWritesInPortal(chat, `old answer ${i}`);
    ids.push(chat);
  }
  return ids;
}

export function fakeYandex(limits?: Partial<Record<YandexOperationId, number>>): FakeYandex {
  return new FakeYandex({
    apiKey: YANDEX_KEY,
    businessId: YANDEX_BUSINESS_ID,
    ...(limits ? { resourceLimits: limits } : {}),
  });
}

/** Chats the shop has answered: status WAITING_FOR_CUSTOMER, so not in the "waiting" filter. */
export function idleYandexChats(yandex: FakeYandex, count: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const chat = yandex.addChat();
    yandex.customerWrites(chat, `old question ${i}`);
    yandex.partnerWritesInCabinet(chat, `old answer ${i}`);
    ids.push(chat);
  }
  return ids;
}

/**
 * The fake reports retry_after in "window seconds" (windowMs / 60 ms each) and expects a bot
 * under test to scale it; the bridge (grammY auto-retry) waits retry_after real seconds and
 * has no setting for a scale. This rewrites each 429's retry_after into real seconds as the
 * answer is written, so a 429 costs the bridge the same share of the window as at full scale
 * instead of 30× more. The budget and the count of 429s are the fake's own.
 */
export function retryAfterInRealSeconds(telegram: FakeTelegram): void {
  type Finish = (res: unknown, record: unknown, outcome: unknown) => void;
  const target = telegram as unknown as { finish?: Finish };
  const finish = target.finish;
  if (typeof finish !== "function") {
    throw new Error("bench: FakeTelegram has no finish() any more; update retryAfterInRealSeconds");
  }
  target.finish = (res, record, outcome) => {
    const error = outcome as { error_code?: number; parameters?: { retry_after?: number } };
    const windowSeconds = error?.error_code === 429 ? error.parameters?.retry_after : undefined;
    if (windowSeconds !== undefined) {
      error.parameters = {
        ...error.parameters,
        retry_after: (windowSeconds * telegram.windowMs) / 60_000,
      };
    }
    finish.call(telegram, res, record, outcome);
  };
}

/**
 * The fake keeps every uploaded file (its bytes and the call that brought them) so tests can
 * look at them; a bench that uploads gigabytes needs none of it. This drops them once each
 * call is answered, so the bench process holds only what is in transit.
 */
export function forgetUploads(telegram: FakeTelegram): void {
  const target = telegram as unknown as {
    files?: Map<string, unknown>;
    filesByPath?: Map<string, unknown>;
  };
  const { files, filesByPath } = target;
  if (!(files instanceof Map) || !(filesByPath instanceof Map)) {
    throw new Error("bench: FakeTelegram keeps its files elsewhere now; update forgetUploads");
  }
  telegram.onCall((call) => {
    if (call.files.length === 0) return;
    call.files = [];
    files.clear();
    filesByPath.clear();
  });
}
