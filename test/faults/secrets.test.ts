// No configured secret in any output: the bot token, both API keys and the push secret are
// provoked into error paths that carry them (error bodies echoing a key, a Telegram error naming
// the token, file URLs that contain the token, wrong and right push secrets, a wrong token at
// startup), then every line every process printed, and every message the bot posted, is searched
// for them. The other fault lanes and the chaos run end with the same search over their output.
import { expect, it } from "vitest";
import { startBridgeProcess, tempDataDir } from "../support/bridge-process.ts";
import { leakedSecrets } from "../support/secrets.ts";
import { waitFor } from "../support/wait-for.ts";
import {
  lane,
  OZON_CLIENT_ID,
  OZON_KEY,
  OZON_LIST,
  OZON_SEND,
  PUSH_SECRET,
  TOKEN,
  useWorld,
  YANDEX_KEY,
} from "./world.ts";

it("the search finds a secret as written, URL-encoded, and a token without its bot id", () => {
  const secrets = { token: "123:abc/def+ghi=jkl", key: "plain-key-1234" };
  expect(leakedSecrets("nothing here", secrets)).toEqual([]);
  expect(leakedSecrets("x plain-key-1234 y", secrets)).toEqual(["key (as is)"]);
  expect(leakedSecrets("/bot123%3Aabc%2Fdef%2Bghi%3Djkl/", secrets)).toEqual([
    "token (URL-encoded)",
  ]);
  expect(leakedSecrets("tail abc/def+ghi=jkl only", secrets)).toEqual([
    "token (token without the bot id)",
  ]);
});

lane("Secrets stay out of logs and replies", () => {
  const world = useWorld({ push: true });

  it("keeps keys echoed in Ozon and Yandex error bodies out of the log", async () => {
    const mark = world.mark();
    world.ozon.failNext(OZON_LIST, {
      status: 500,
      body: {
        code: 13,
        message: `upstream refused Client-Id ${OZON_CLIENT_ID} Api-Key ${OZON_KEY}`,
      },
      times: 3,
    });
    world.yandex.failNext("getChats", {
      status: 401,
      body: {
        status: "ERROR",
        errors: [{ code: "UNAUTHORIZED", message: `Api-Key ${YANDEX_KEY}` }],
      },
    });
    // Both refusals logged (the Yandex one also opens a key incident: a line of its own).
    const text = await waitFor(
      () => {
        const logged = JSON.stringify(world.logsSince(mark));
        return logged.includes("upstream refused") && logged.includes("UNAUTHORIZED")
          ? logged
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(leakedSecrets(text, world.secrets)).toEqual([]);
  });

  it("keeps the token out of the log when a Telegram error names it", async () => {
    const { chat, thread } = await world.openOzonChat("первое сообщение");
    const mark = world.mark();
    world.telegram.failNext("sendMessage", {
      error_code: 400,
      description: `Bad Request: token ${TOKEN} is not allowed here`,
    });
    world.ozon.buyerWrites(chat, "второе сообщение");
    await world.waitForBuyerText(thread, "второе сообщение");
    const text = JSON.stringify(world.logsSince(mark));
    expect(text).toContain("is not allowed here");
    expect(leakedSecrets(text, world.secrets)).toEqual([]);
  });

  it("keeps keys out of the reply that tells staff a message was refused", async () => {
    const { thread } = await world.openOzonChat("вопрос для отказа");
    world.ozon.failNext(OZON_SEND, {
      status: 400,
      body: { code: 3, message: `invalid request from Api-Key ${OZON_KEY}` },
    });
    const staff = world.telegram.staffSends({ threadId: thread, text: "Ответ покупателю" });
    const reply = await world.replyTo(staff.message_id);
    expect(reply.message.text).toMatch(/invalid request from Api-Key/);
    expect(leakedSecrets(reply.message.text ?? "", world.secrets)).toEqual([]);
  });

  it("keeps the token out when downloading a staff file from Telegram fails", async () => {
    const { chat, thread } = await world.openOzonChat("пришлите документ");
    const mark = world.mark();
    world.telegram.failNext("download", { error_code: 404, description: `no file for ${TOKEN}` });
    const doc = world.telegram.addFile("%PDF doc", { name: "doc.pdf", mime: "application/pdf" });
    const staff = world.telegram.staffSends({ threadId: thread, document: doc });
    await world.replyTo(staff.message_id, 20_000);
    expect(world.ozon.sentBySeller(chat)).toEqual([]);
    expect(leakedSecrets(JSON.stringify(world.logsSince(mark)), world.secrets)).toEqual([]);
  });

  it("answers pushes with a wrong secret 404 and never logs the right one", async () => {
    const listening = await world.bridge.waitForLog("http server listening");
    const base = `http://127.0.0.1:${String(listening.port)}/push`;
    const post = async (path: string, body: string) => {
      const response = await fetch(`${base}/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await response.arrayBuffer();
      return response.status;
    };
    const ping = JSON.stringify({ message_type: "TYPE_PING", time: new Date().toISOString() });
    expect(await post(`${PUSH_SECRET}x/ozon`, ping)).toBe(404);
    expect(await post(`${PUSH_SECRET.slice(0, -1)}/ozon`, ping)).toBe(404);
    expect(await post(`${PUSH_SECRET}/ozon`, ping)).toBe(200);
    expect(await post(`${PUSH_SECRET}/ozon`, "{not json")).toBeGreaterThanOrEqual(400);
    expect(await post(`${PUSH_SECRET}/yandex`, "[]")).toBeGreaterThanOrEqual(400);
    await waitFor(() => world.problemsSince(0).some((l) => l.msg === "push with a wrong secret"));
    expect(leakedSecrets(world.output(), world.secrets)).toEqual([]);
  });

  it("never echoes a wrong token when Telegram refuses it at startup", async () => {
    const wrong = "987654321:AAWrong-token-never-to-be-logged";
    const bridge = startBridgeProcess({
      ...world.env(),
      TELEGRAM_BOT_TOKEN: wrong,
      DATA_DIR: tempDataDir(),
    });
    const exit = await bridge.exited;
    expect(exit.code).toBe(1);
    expect(bridge.output()).toMatch(/TELEGRAM_BOT_TOKEN/);
    expect(leakedSecrets(bridge.output(), { wrong, ...world.secrets })).toEqual([]);
  });

  it("posted no secret into Telegram", () => {
    expect(leakedSecrets(world.botTexts(), world.secrets)).toEqual([]);
  });
});
