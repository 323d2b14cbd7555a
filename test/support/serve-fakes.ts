// Runs the fake Telegram Bot API, the fake Ozon Seller API, the fake Yandex Market Partner API and
// the fake Wildberries buyers chat API on fixed 127.0.0.1 ports, with one buyer chat in each (a
// question, and on Ozon and WB a photo) waiting, so the bridge can be tried against them by hand:
// `npm start` or the container (host network). Nothing reaches the real services.
//
//   npm run fakes          then start the bridge with the env it prints
//
// It logs what the bridge does as plain lines (topics, posts, receipts, what reached the buyer)
// and serves a small inspection API on the inspection port:
//   GET  /state       JSON: topics, the bot's texts per topic, what the seller sent to the buyer
//   POST /staff-says  body = text: a staff member writes it into the seeded Ozon chat's topic;
//                     ?chat=wb|yandex|general for another place, ?as=boris for the second
//                     staff member (Boris, @boris_staff) instead of Anna (@anna_staff)
//   POST /staff-says-wb  the same in the seeded Wildberries chat's topic
//   POST /buyer-says  body = text: the buyer of the seeded chat writes (?chat=wb|yandex)
//   POST /tap?message=<id>  body = callback data: a staff member taps that button (?as=boris)
//   POST /ozon-fails?times=N  Ozon answers the next N sends with 500 (to see a failed send)
// Ports: FAKE_TELEGRAM_PORT (18081), FAKE_OZON_PORT (18082), FAKE_INSPECT_PORT (18083),
// FAKE_WB_PORT (18084), FAKE_YANDEX_PORT (18085).
// Stops on SIGTERM / SIGINT.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { connect, createServer as createTcpServer, type Server } from "node:net";
import { FakeOzon } from "../fakes/ozon.ts";
import { FakeTelegram } from "../fakes/telegram.ts";
import { FakeWildberries } from "../fakes/wildberries.ts";
import { FakeYandex } from "../fakes/yandex.ts";

const TOKEN = "123456789:fake-token-for-serve-fakes";
const STAFF_CHAT_ID = -1001234567890;
const OZON_CLIENT_ID = "424242";
const OZON_API_KEY = "fake-ozon-api-key";
const POSTING = "47873153-0052-1";
/** A personal WB token with the buyers chat category (claims only; the fake checks nothing else). */
const WB_TOKEN = [
  { alg: "ES256", typ: "JWT" },
  { acc: 3, exp: Math.floor(Date.now() / 1000) + 180 * 24 * 3600, s: 2 ** 9, sid: "fake-seller" },
  "fake-signature",
]
  .map((part) => Buffer.from(JSON.stringify(part)).toString("base64url"))
  .join(".");
const WB_ORDER = "5c0ffee5d00d4b1e";
const YANDEX_KEY = "ACMA:fake-yandex-key:0000";
const YANDEX_BUSINESS = 7654321;
const YANDEX_ORDER = 55501234;
/** The second staff member, for trying ownership and /assign. */
const BORIS = {
  id: 7000002,
  is_bot: false,
  first_name: "Boris",
  last_name: "Staff",
  username: "boris_staff",
  language_code: "ru",
};
const PHOTO = readFileSync(
  new URL("../../src/providers/sandbox/assets/parcel.png", import.meta.url),
);

const ports = {
  telegram: port("FAKE_TELEGRAM_PORT", 18081),
  ozon: port("FAKE_OZON_PORT", 18082),
  inspect: port("FAKE_INSPECT_PORT", 18083),
  wildberries: port("FAKE_WB_PORT", 18084),
  yandex: port("FAKE_YANDEX_PORT", 18085),
};

function port(variable: string, fallback: number): number {
  const value = Number(process.env[variable] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${variable}: a TCP port number`);
  }
  return value;
}

function say(line: string): void {
  process.stdout.write(`[fakes] ${line}\n`);
}

/** FakeTelegram listens on an ephemeral port; a plain TCP relay gives it a fixed one. */
async function relay(fixedPort: number, target: string): Promise<Server> {
  const targetPort = Number(new URL(target).port);
  const server = createTcpServer((socket) => {
    const upstream = connect(targetPort, "127.0.0.1");
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", close);
    upstream.on("error", close);
  });
  await listen(server, fixedPort);
  return server;
}

function listen(server: Server, at: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(at, "127.0.0.1", () => resolve());
  });
}

const telegram = new FakeTelegram({ token: TOKEN, staffChatId: STAFF_CHAT_ID });
const ozon = new FakeOzon({ clientId: OZON_CLIENT_ID, apiKey: OZON_API_KEY });
await telegram.start();
// Fixed port for Ozon itself: it writes its own address into file links in messages.
await ozon.start(ports.ozon);

const chatId = ozon.addChat({ orderNumber: POSTING });
ozon.buyerWrites(chatId, "Здравствуйте! Коробка пришла помятая, товар целый? Фото ниже.", {
  orderNumber: POSTING,
});
ozon.buyerSendsImage(chatId, PHOTO, "png", { orderNumber: POSTING });

// Fixed port for Wildberries too: the bridge is started with its address.
const wb = new FakeWildberries({ token: WB_TOKEN });
await wb.start(ports.wildberries);
const wbChat = wb.addChat({
  clientName: "Ирина",
  goodCard: { nmID: 175842963, rid: WB_ORDER, size: "M", price: 1490 },
});
wb.buyerWrites(wbChat, "Добрый день! Пришёл не тот цвет, вот фото.");
wb.buyerSendsImage(wbChat, PHOTO);

const yandex = new FakeYandex({ apiKey: YANDEX_KEY, businessId: YANDEX_BUSINESS });
await yandex.start(ports.yandex);
yandex.addOrder(YANDEX_ORDER, { customerName: "Иван" });
const yandexChat = yandex.addChat({
  context: { type: "ORDER", orderId: YANDEX_ORDER, customerName: "Иван" },
});
yandex.customerWrites(yandexChat, "Когда привезут заказ? Жду уже неделю.");

const threadOf = (call: { params: Record<string, unknown> }) =>
  call.params.message_thread_id === undefined
    ? "General"
    : `topic ${call.params.message_thread_id}`;

telegram.onCall((call) => {
  if (call.outcome !== "ok") {
    if (call.method !== "getUpdates") say(`Telegram ${call.method} → ${call.outcome}`);
    return;
  }
  const result = call.result as Record<string, unknown> | undefined;
  switch (call.method) {
    case "createForumTopic":
      say(`topic created: "${String(result?.name)}" (id ${String(result?.message_thread_id)})`);
      break;
    case "sendMessage":
      say(`bot → ${threadOf(call)}: ${String(result?.text).replace(/\n/g, " ⏎ ")}`);
      break;
    case "sendPhoto":
    case "sendDocument":
      say(`bot → ${threadOf(call)}: ${call.method === "sendPhoto" ? "photo" : "document"}`);
      break;
    case "setMessageReaction":
      say(
        `receipt on message ${String(call.params.message_id)}: ${JSON.stringify(call.params.reaction)}`,
      );
      break;
  }
});

// What the bridge sent to the buyer shows up in the fake's state; report each once.
let reported = 0;
let wbReported = 0;
let yandexReported = 0;
const sentWatch = setInterval(() => {
  const sent = ozon.sentBySeller(chatId);
  for (const item of sent.slice(reported)) {
    say(`seller → buyer (Ozon chat ${chatId}): ${item.kind === "text" ? item.text : item.name}`);
  }
  reported = sent.length;
  const wbSent = wb.sentBySeller(wbChat);
  for (const item of wbSent.slice(wbReported)) {
    const what = [item.text, ...item.files.map((f) => f.name)].filter(Boolean).join(" + ");
    say(`seller → buyer (Wildberries chat ${wbChat}): ${what}`);
  }
  wbReported = wbSent.length;
  const yandexSent = yandex.sentByPartner(yandexChat);
  for (const item of yandexSent.slice(yandexReported)) {
    say(
      `seller → buyer (Yandex Market chat ${yandexChat}): ${item.kind === "text" ? item.text : item.name}`,
    );
  }
  yandexReported = yandexSent.length;
}, 250);

function seededTopic(order = POSTING): number | undefined {
  return telegram.topics(STAFF_CHAT_ID).find((t) => t.name.includes(order) && !t.deleted)?.id;
}

function state() {
  return {
    ozonChatId: chatId,
    topics: telegram.topics(STAFF_CHAT_ID).map((topic) => ({
      ...topic,
      botTexts: telegram.textsIn(STAFF_CHAT_ID, topic.id),
      // The newest posts with their ids and buttons, for POST /tap.
      lastPosts: telegram
        .messagesIn(STAFF_CHAT_ID, topic.id)
        .filter((m) => !m.service)
        .slice(-5)
        .map(({ message }) => ({
          id: message.message_id,
          text: message.text ?? message.caption,
          buttons: message.reply_markup?.inline_keyboard.flat(),
        })),
    })),
    sentToBuyer: ozon
      .sentBySeller(chatId)
      .map((s) => (s.kind === "text" ? s : { kind: s.kind, name: s.name, size: s.bytes.length })),
    wildberriesChatId: wbChat,
    sentToWildberriesBuyer: wb.sentBySeller(wbChat).map((s) => ({
      text: s.text,
      files: s.files.map((f) => ({ name: f.name, size: f.bytes.length })),
    })),
    reactions: telegram.reactions,
  };
}

const USAGE = "GET /state; POST /staff-says, /staff-says-wb, /buyer-says, /tap, /ozon-fails";

const inspect = createServer((req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(`${JSON.stringify(body, null, 2)}\n`);
  };
  const url = new URL(req.url ?? "/", "http://fakes");
  const chat = url.pathname === "/staff-says-wb" ? "wb" : (url.searchParams.get("chat") ?? "ozon");
  const from = url.searchParams.get("as") === "boris" ? BORIS : telegram.staffUser;
  if (req.method === "GET" && url.pathname === "/state") return reply(200, state());
  if (req.method !== "POST") return reply(404, { error: USAGE });
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    body += chunk;
  });
  req.on("end", () => {
    const text = body.trim();
    switch (url.pathname) {
      case "/staff-says":
      case "/staff-says-wb": {
        const order = { ozon: POSTING, wb: WB_ORDER, yandex: String(YANDEX_ORDER) }[chat];
        const threadId = order === undefined ? undefined : seededTopic(order);
        if (chat !== "general" && threadId === undefined) {
          return reply(409, { error: "no topic for the seeded chat yet" });
        }
        const message = telegram.staffSends({
          ...(threadId === undefined ? {} : { threadId }),
          text: text || "Здравствуйте!",
          from,
        });
        say(`${from.first_name} → ${threadId ? `topic ${threadId}` : "General"}: ${message.text}`);
        return reply(200, { messageId: message.message_id, threadId });
      }
      case "/buyer-says": {
        if (chat === "wb") wb.buyerWrites(wbChat, text || "Ещё вопрос");
        else if (chat === "yandex") yandex.customerWrites(yandexChat, text || "Ещё вопрос");
        else ozon.buyerWrites(chatId, text || "Ещё вопрос", { orderNumber: POSTING });
        say(`buyer (${chat}) writes: ${text}`);
        return reply(200, {});
      }
      case "/tap": {
        const message = telegram.message(STAFF_CHAT_ID, Number(url.searchParams.get("message")));
        if (message === undefined) return reply(404, { error: "no such message" });
        telegram.staffClicks(message, text, from);
        say(`${from.first_name} taps "${text}" under message ${message.message_id}`);
        return reply(200, {});
      }
      case "/ozon-fails": {
        const times = Number(url.searchParams.get("times") ?? 1);
        ozon.failNext("/v1/chat/send/message", { status: 500, times });
        say(`Ozon will answer the next ${times} sends with 500`);
        return reply(200, {});
      }
    }
    reply(404, { error: USAGE });
  });
});

const relays = [await relay(ports.telegram, telegram.url)];
await listen(inspect, ports.inspect);

say("fake Telegram, Ozon, Yandex Market and Wildberries are up; start the bridge with:");
process.stdout.write(
  [
    `TELEGRAM_BOT_TOKEN=${TOKEN}`,
    `TELEGRAM_STAFF_CHAT_ID=${STAFF_CHAT_ID}`,
    `TELEGRAM_API_ROOT=http://127.0.0.1:${ports.telegram}`,
    `OZON_CLIENT_ID=${OZON_CLIENT_ID}`,
    `OZON_API_KEY=${OZON_API_KEY}`,
    `OZON_API_URL=http://127.0.0.1:${ports.ozon}`,
    `YANDEX_API_KEY=${YANDEX_KEY}`,
    `YANDEX_BUSINESS_ID=${YANDEX_BUSINESS}`,
    `YANDEX_API_URL=http://127.0.0.1:${ports.yandex}`,
    `WB_API_TOKEN=${WB_TOKEN}`,
    `WB_API_URL=http://127.0.0.1:${ports.wildberries}`,
    "POLL_INTERVAL_SECONDS=1",
    "",
  ].join("\n"),
);
say(`buyer chat ${chatId} (posting ${POSTING}) waits with a question and a photo`);
say(`Wildberries chat ${wbChat} (order ${WB_ORDER}) waits with a question and a photo`);
say(`Yandex Market chat ${yandexChat} (order ${YANDEX_ORDER}) waits with a question`);
say(`inspect: curl http://127.0.0.1:${ports.inspect}/state`);
say(`reply as staff: curl -d 'text' http://127.0.0.1:${ports.inspect}/staff-says`);
say(`reply on Wildberries: curl -d 'text' http://127.0.0.1:${ports.inspect}/staff-says-wb`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(sentWatch);
  // Open relay sockets would hold close() back; the process exits right after anyway.
  for (const server of relays) server.close();
  inspect.close();
  inspect.closeAllConnections();
  await telegram.stop();
  await ozon.stop();
  await wb.stop();
  await yandex.stop();
  say("stopped");
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
