import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { validateOzonRequest } from "../contract/schema.ts";
import { type Reply, rawRequest, redirectOf, withForeignHost } from "../support/raw-http.ts";
import { waitFor } from "../support/wait-for.ts";
import { FakeOzon, parseLossless, SEND_WINDOW_CLOSED_MESSAGE } from "./ozon.ts";

const CLIENT_ID = "123456";
const API_KEY = "9f8e7d6c-0000-4000-8000-123456789abc";
const AUTH = { "client-id": CLIENT_ID, "api-key": API_KEY };

let fake: FakeOzon;

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = AUTH,
): Promise<Reply> {
  return rawRequest(
    `${fake.url}${path}`,
    {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    },
    parseLossless,
  );
}

beforeEach(async () => {
  fake = new FakeOzon({ clientId: CLIENT_ID, apiKey: API_KEY });
  await fake.start();
});

afterEach(async () => {
  await fake.stop();
});

describe("FakeOzon transport", () => {
  it("rejects missing and wrong credentials like Ozon", async () => {
    const missing = await post("/v3/chat/list", { limit: 10 }, {});
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({
      code: 16,
      message: "Client-Id and Api-Key headers are required",
      details: [],
    });

    const wrong = await post("/v3/chat/list", { limit: 10 }, { ...AUTH, "api-key": "nope" });
    expect(wrong.status).toBe(404);
    expect(wrong.json.message).toBe("Invalid Api-Key, please check the key and try again");

    const badClient = await post("/v3/chat/list", { limit: 10 }, { ...AUTH, "client-id": "abc" });
    expect(badClient.status).toBe(400);
    expect(fake.requests.every((r) => !("api-key" in r.headers))).toBe(true);
  });

  it("records a contract violation and answers 400", async () => {
    const chatId = fake.addChat();
    const res = await post("/v3/chat/history", { chatId, limit: 5 });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe(3);
    expect(fake.contractViolations).toEqual([
      {
        path: "/v3/chat/history",
        errors: [
          "chat_id: required field is missing",
          "chatId: unknown field (the contract does not define it)",
        ],
      },
    ]);

    const removed = await post("/v2/chat/list", { limit: 10 });
    expect(removed.status).toBe(404);
    expect(fake.contractViolations[1]?.errors[0]).toMatch(/no such operation/);
  });

  it("validates 64-bit fields the protobuf JSON way", () => {
    const base = { chat_id: "c", direction: "Forward" };
    expect(
      validateOzonRequest("/v3/chat/history", { ...base, from_message_id: "3000000000817031942" }),
    ).toEqual([]);
    expect(
      validateOzonRequest("/v3/chat/history", { ...base, from_message_id: 3000000000817031942n }),
    ).toEqual([]);
    expect(
      validateOzonRequest("/v3/chat/history", { ...base, from_message_id: "-1" }),
    ).toHaveLength(1);
    expect(validateOzonRequest("/v3/chat/history", { chat_id: "c", direction: "Forward" })).toEqual(
      [expect.stringMatching(/^from_message_id: required when direction is Forward/)],
    );
    expect(
      validateOzonRequest("/v3/chat/list", { limit: 5, filter: { chat_status: "Opened" } }),
    ).toEqual([]);
  });
});

describe("FakeOzon chats", () => {
  it("writes 19-digit message ids as bare JSON numbers", async () => {
    const chatId = fake.addChat({ orderNumber: "47873153-0052" });
    const first = fake.buyerWrites(chatId, "hello", { sku: "987654321" });
    const second = fake.buyerWrites(chatId, "anyone?");
    expect(BigInt(first)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(BigInt(second)).toBeGreaterThan(BigInt(first));

    const history = await post("/v3/chat/history", { chat_id: chatId });
    expect(history.status).toBe(200);
    expect(history.text).toContain(`"message_id":${first},`);
    expect(history.text).toContain(`"message_id":${second},`);
    expect(String(JSON.parse(history.text).messages[0].message_id)).not.toBe(second);
    expect(history.json.messages.map((m: { data: string[] }) => m.data[0])).toEqual([
      "anyone?",
      "hello",
    ]);
    expect(history.json.messages[1]).toMatchObject({
      user: { type: "Customer" },
      is_read: false,
      context: { order_number: "47873153-0052", sku: "987654321" },
    });

    const list = await post("/v3/chat/list", { limit: 10 });
    expect(list.text).toContain(`"first_unread_message_id":${first},`);
    expect(list.text).toContain(`"last_message_id":${second},`);
  });

  it("pages the chat list with a cursor, newest activity first", async () => {
    const ids = Array.from({ length: 5 }, () => fake.addChat());
    fake.buyerWrites(ids[1] as string, "bump");
    fake.closeChat(ids[4] as string);
    const seen: string[] = [];
    let cursor: string | undefined;
    const hasNext: boolean[] = [];
    do {
      const res = await post("/v3/chat/list", { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      seen.push(...res.json.chats.map((c: { chat: { chat_id: string } }) => c.chat.chat_id));
      hasNext.push(res.json.has_next);
      cursor = res.json.has_next ? res.json.cursor : undefined;
    } while (cursor !== undefined);
    expect(hasNext).toEqual([true, true, false]);
    expect(seen).toEqual([ids[1], ids[4], ids[3], ids[2], ids[0]]);

    const closed = await post("/v3/chat/list", { limit: 100, filter: { chat_status: "closed" } });
    expect(closed.json.chats.map((c: { chat: { chat_id: string } }) => c.chat.chat_id)).toEqual([
      ids[4],
    ]);
    const unread = await post("/v3/chat/list", { limit: 100, filter: { unread_only: true } });
    expect(unread.json.chats).toHaveLength(1);
    expect(unread.json.total_unread_count).toBe(1);

    expect((await post("/v3/chat/list", { limit: 101 })).status).toBe(400);
  });

  it("reads history Forward from an id, inclusive, with the id as number or string", async () => {
    const chatId = fake.addChat();
    const ids = ["a", "b", "c", "d"].map((t) => fake.buyerWrites(chatId, t));
    const from = ids[1] as string;

    const asNumber = await post(
      "/v3/chat/history",
      `{"chat_id":"${chatId}","direction":"Forward","from_message_id":${from},"limit":2}`,
    );
    expect(asNumber.status).toBe(200);
    expect(asNumber.json.has_next).toBe(true);
    expect(asNumber.json.messages.map((m: { message_id: bigint }) => String(m.message_id))).toEqual(
      [ids[1], ids[2]],
    );

    const asString = await post("/v3/chat/history", {
      chat_id: chatId,
      direction: "Forward",
      from_message_id: ids[2],
    });
    expect(asString.json.has_next).toBe(false);
    expect(asString.json.messages.map((m: { data: string[] }) => m.data[0])).toEqual(["c", "d"]);

    const byId = await post("/v3/chat/history", {
      chat_id: chatId,
      filter: { message_ids: [ids[0]] },
    });
    expect(byId.json.messages).toHaveLength(1);
    expect(fake.contractViolations).toEqual([]);
  });

  it("sends text up to 1000 characters and rejects longer text", async () => {
    const chatId = fake.addChat();
    const ok = await post("/v1/chat/send/message", { chat_id: chatId, text: "ё".repeat(1000) });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ result: "success" });

    const tooLong = await post("/v1/chat/send/message", {
      chat_id: chatId,
      text: "x".repeat(1001),
    });
    expect(tooLong.status).toBe(400);
    expect(fake.contractViolations).toHaveLength(1);

    expect(fake.sentBySeller(chatId)).toEqual([
      expect.objectContaining({ kind: "text", text: "ё".repeat(1000) }),
    ]);
    const history = await post("/v3/chat/history", { chat_id: chatId });
    expect(history.json.messages[0]).toMatchObject({ user: { type: "Seller" }, is_read: true });

    fake.setSendWindowClosed(chatId);
    const late = await post("/v1/chat/send/message", { chat_id: chatId, text: "late" });
    expect(late.status).toBe(403);
    expect(late.json).toEqual({ code: 7, message: SEND_WINDOW_CLOSED_MESSAGE, details: [] });
    fake.buyerWrites(chatId, "still there?");
    expect((await post("/v1/chat/send/message", { chat_id: chatId, text: "yes" })).status).toBe(
      200,
    );
  });

  it("stores files sent by the seller", async () => {
    const chatId = fake.addChat();
    const bytes = Buffer.from("%PDF-1.4 fake");
    const res = await post("/v1/chat/send/file", {
      chat_id: chatId,
      name: "invoice.pdf",
      base64_content: bytes.toString("base64"),
    });
    expect(res.json).toEqual({ result: "success" });
    const [sent] = fake.sentBySeller(chatId);
    expect(sent).toMatchObject({ kind: "file", name: "invoice.pdf", bytes });
    const history = await post("/v3/chat/history", { chat_id: chatId });
    expect(history.json.messages[0].data[0]).toMatch(
      /^\[invoice\.pdf \(1 KB\)\]\(http:\/\/127\.0\.0\.1:\d+\/v2\/chat\/file\/[0-9a-f-]+\.pdf\)$/,
    );
  });

  it("starts chats for known FBS postings only", async () => {
    fake.addPosting("47873153-0052-1");
    fake.addPosting("11111111-0001-1", { fbo: true });
    const first = await post("/v1/chat/start", { posting_number: "47873153-0052-1" });
    const again = await post("/v1/chat/start", { posting_number: "47873153-0052-1" });
    expect(first.status).toBe(200);
    expect(again.json.result.chat_id).toBe(first.json.result.chat_id);
    expect((await post("/v1/chat/start", { posting_number: "11111111-0001-1" })).status).toBe(403);
    expect((await post("/v1/chat/start", { posting_number: "0-0-0" })).status).toBe(404);
  });

  it("marks messages read up to an id", async () => {
    const chatId = fake.addChat();
    const ids = ["a", "b", "c"].map((t) => fake.buyerWrites(chatId, t));
    const res = await post("/v2/chat/read", { chat_id: chatId, from_message_id: ids[1] });
    expect(res.json).toEqual({ unread_count: 1 });
    expect(fake.unread(chatId)).toBe(1);
  });
});

describe("FakeOzon files", () => {
  it("serves buyer files only with credentials", async () => {
    const chatId = fake.addChat();
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const { url } = fake.buyerSendsImage(chatId, bytes, "jpg");
    const history = await post("/v3/chat/history", { chat_id: chatId });
    expect(history.json.messages[0]).toMatchObject({
      data: [`![](${url})`],
      is_image: true,
      moderate_image_status: "SUCCESS",
    });

    const anonymous = await request(url);
    await anonymous.body.dump();
    expect(anonymous.statusCode).toBe(401);

    const authed = await request(url, { headers: AUTH });
    expect(authed.statusCode).toBe(200);
    expect(authed.headers["content-type"]).toBe("image/jpeg");
    expect(Buffer.from(await authed.body.arrayBuffer())).toEqual(bytes);

    const doc = fake.buyerSendsFile(chatId, Buffer.alloc(12 * 1024), "act.pdf", {
      redirect: "same-host",
    });
    expect(fake.messages(chatId).at(-1)?.data[0]).toBe(`[act.pdf (12 KB)](${doc.url})`);
    const hop = await redirectOf(doc.url, AUTH);
    expect(hop.status).toBe(302);
    const target = await request(hop.location, { headers: AUTH });
    expect((await target.body.arrayBuffer()).byteLength).toBe(12 * 1024);
  });

  it("can redirect a file link to a foreign host", async () => {
    await withForeignHost(async (foreign) => {
      const chatId = fake.addChat();
      const { url } = fake.buyerSendsImage(chatId, Buffer.from("img"), "png", {
        redirect: `${foreign.origin}/storage/x.png`,
      });
      const hop = await redirectOf(url, AUTH);
      expect(hop.status).toBe(302);
      expect(hop.location).toBe(`${foreign.origin}/storage/x.png`);
      // A correct client follows the hop without the Ozon credentials.
      const res = await request(hop.location);
      expect(await res.body.text()).toBe("bytes");
      expect(foreign.seen[0]?.["api-key"]).toBeUndefined();
    });
  });
});

describe("FakeOzon faults", () => {
  it("fails, delays, resets and truncates on demand", async () => {
    fake.failNext("/v3/chat/list", { status: 503, times: 2, headers: { "retry-after": "1" } });
    const failed = await post("/v3/chat/list", { limit: 1 });
    expect(failed.status).toBe(503);
    expect(failed.headers["retry-after"]).toBe("1");
    expect(failed.json).toEqual({ code: 14, message: "Service Unavailable", details: [] });
    expect((await post("/v3/chat/list", { limit: 1 })).status).toBe(503);
    expect((await post("/v3/chat/list", { limit: 1 })).status).toBe(200);

    // A delayed request stays in flight while later ones are answered (the delay only has to
    // outlast one loopback round trip).
    fake.delayNext("/v3/chat/list", 500);
    const answered: string[] = [];
    const held = post("/v3/chat/list", { limit: 1 }).then((res) => {
      answered.push(`held ${res.status}`);
    });
    await waitFor(() => fake.countByPath("/v3/chat/list") === 4, { message: "the held request" });
    answered.push(`later ${(await post("/v3/chat/list", { limit: 1 })).status}`);
    await held;
    expect(answered).toEqual(["later 200", "held 200"]);

    fake.resetNext("/v3/chat/list");
    await expect(post("/v3/chat/list", { limit: 1 })).rejects.toThrow();

    fake.truncateNext("/v3/chat/list");
    const cut = await post("/v3/chat/list", { limit: 1 });
    expect(cut.status).toBe(200);
    expect(() => JSON.parse(cut.text)).toThrow();
    expect(fake.countByPath("/v3/chat/list")).toBe(7);
  });

  it("limits the request rate", async () => {
    // The fake counts its one-second window on performance.now(); frozen, it moves only when the
    // test moves it, so the outcome does not depend on how fast the requests go.
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      await fake.stop();
      fake = new FakeOzon({ clientId: CLIENT_ID, apiKey: API_KEY, rps: 2 });
      await fake.start();
      const status = async () => (await post("/v3/chat/list", { limit: 1 })).status;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(await status());
      expect(statuses).toEqual([200, 200, 429, 429]);
      const limited = await post("/v3/chat/list", { limit: 1 });
      expect(limited.json).toEqual({
        code: 8,
        message: "You have reached request rate limit per second",
        details: [],
      });

      vi.advanceTimersByTime(999);
      expect(await status()).toBe(429);
      vi.advanceTimersByTime(1);
      expect([await status(), await status(), await status()]).toEqual([200, 200, 429]);
    } finally {
      vi.useRealTimers();
    }
  });
});
