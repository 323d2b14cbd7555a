// `npm run demo`: the whole bridge in this process, with the built-in sandbox shop as its
// marketplace and the test suite's fake Telegram as its Telegram. No credentials, no network:
// a newcomer watches a buyer's question become a forum topic, a staff reply reach the buyer,
// and the buyer's answer come back, in about ten seconds. Then it stops by itself.
//
// What is printed is read from the fake Telegram (what the bot created and posted there), so it
// shows exactly what staff would see in their group.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message } from "grammy/types";
import { type RunningBridge, startBridge } from "../src/app.ts";
import { loadConfig, secretsOf } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { type CallRecord, FakeTelegram } from "../test/fakes/telegram.ts";

const TOKEN = "123456789:demo-token-for-the-fake-telegram";
const STAFF_CHAT_ID = -1001234567890;
// The sandbox's first buyer always reports a dented parcel (with a photo).
const STAFF_REPLY =
  "Здравствуйте! Очень жаль, что так вышло. Пришлём замену или вернём деньги — как вам удобнее?";
/** How long staff "take" to answer after the buyer's first message. */
const STAFF_TYPING_MS = 1500;
/** After the buyer answered, a little more of the shop before stopping. */
const LINGER_MS = 3000;
/** The whole demo gives up after this (something is broken: exit 1). */
const DEADLINE_MS = 45_000;

const started = Date.now();
const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const dim = (text: string) => (colour ? `\x1b[2m${text}\x1b[0m` : text);
const bold = (text: string) => (colour ? `\x1b[1m${text}\x1b[0m` : text);

function say(line: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`${dim(`${seconds}s`)}  ${line}\n`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " · ");
}

const telegram = new FakeTelegram({
  token: TOKEN,
  staffChatId: STAFF_CHAT_ID,
  staffChatTitle: "Shop support (demo)",
  // Telegram refuses photos that are not real images; so does the fake here.
  strictImages: true,
});
await telegram.start();
const dataDir = mkdtempSync(join(tmpdir(), "bridge-demo-"));

// The same path as `npm start`: settings from an environment, here a made-up one.
const config = loadConfig({
  TELEGRAM_BOT_TOKEN: TOKEN,
  TELEGRAM_STAFF_CHAT_ID: String(STAFF_CHAT_ID),
  TELEGRAM_API_ROOT: telegram.url,
  MARKETPLACE_SANDBOX: "1",
  DATA_DIR: dataDir,
  POLL_INTERVAL_SECONDS: "1",
  // Any free port: the demo must not collide with a bridge already running here.
  HTTP_PORT: "0",
  BOT_LANGUAGE: process.env.BOT_LANGUAGE ?? "en",
});
// Only real trouble reaches the screen; the conversation is the output.
const log = createLogger("error", secretsOf(config));

let firstTopic: number | undefined;
/** The first topic's story: the buyer writes, staff answer, the buyer answers back. */
let phase: "buyer" | "staff typing" | "staff replied" | "done" = "buyer";
let staffMessage: Message | undefined;
let finish: (() => void) | undefined;
const finished = new Promise<void>((resolve) => {
  finish = resolve;
});

function threadOf(call: CallRecord): number | undefined {
  const thread = call.params.message_thread_id;
  return thread === undefined ? undefined : Number(thread);
}

/** Loud posts are buyer messages; the bridge posts its own lines (cards, notices) silently. */
function isBuyerPost(call: CallRecord): boolean {
  const silent = call.params.disable_notification;
  return silent !== true && silent !== "true";
}

function describePost(call: CallRecord, message: Message): string {
  const text = message.text ?? message.caption ?? "";
  if (call.method === "sendPhoto") {
    const name = call.files[0]?.filename ?? "photo";
    return `[photo ${name}]${text ? ` ${oneLine(text)}` : ""}`;
  }
  if (call.method === "sendDocument") {
    return `[file ${message.document?.file_name ?? "document"}]${text ? ` ${oneLine(text)}` : ""}`;
  }
  return oneLine(text);
}

telegram.onCall((call) => {
  if (call.outcome !== "ok") {
    if (call.outcome === "error" && call.method !== "getUpdates") {
      say(`⚠️  Telegram refused ${call.method}: ${call.error?.description ?? "?"}`);
    }
    return;
  }
  const thread = threadOf(call);
  switch (call.method) {
    case "createForumTopic": {
      const topic = call.result as { name: string; message_thread_id: number };
      say(`📂 new topic ${bold(`"${topic.name}"`)}`);
      firstTopic ??= topic.message_thread_id;
      return;
    }
    case "editForumTopic":
      if (typeof call.params.name === "string") say(`📂 topic renamed "${call.params.name}"`);
      return;
    case "sendMessage":
    case "sendPhoto":
    case "sendDocument": {
      const message = call.result as Message;
      const where = thread === firstTopic ? "topic" : `topic #${thread ?? "General"}`;
      if (!isBuyerPost(call)) {
        say(dim(`🤖 bot → ${where}: ${describePost(call, message)}`));
        return;
      }
      say(`🛍  buyer → ${where}: ${bold(describePost(call, message))}`);
      if (thread === undefined || thread !== firstTopic) return;
      if (phase === "buyer") {
        phase = "staff typing";
        setTimeout(() => staffReplies(thread), STAFF_TYPING_MS);
      } else if (phase === "staff replied") {
        phase = "done";
        setTimeout(() => finish?.(), LINGER_MS);
      }
      return;
    }
    case "setMessageReaction":
      if (staffMessage && Number(call.params.message_id) === staffMessage.message_id) {
        say("✅ the sandbox shop accepted the reply: the bot marks the staff message 👍");
      }
      return;
  }
});

/** A staff member answers in the topic, as a person would type it in the Telegram group. */
function staffReplies(thread: number): void {
  staffMessage = telegram.staffSends({ threadId: thread, text: STAFF_REPLY });
  phase = "staff replied";
  say(`👩 staff (${telegram.staffUser.first_name}) writes in the topic: ${bold(STAFF_REPLY)}`);
}

process.stdout.write(
  [
    bold("Marketplace chats → Telegram topics: offline demo"),
    "The bridge runs here with a simulated shop (the sandbox marketplace) and a fake Telegram",
    "group. Nothing leaves this machine. Lines show what staff would see in their group.",
    "",
  ].join("\n"),
);

let bridge: RunningBridge | undefined;
let exitCode = 0;
const deadline = setTimeout(() => {
  say("⚠️  the conversation did not complete in time");
  exitCode = 1;
  finish?.();
}, DEADLINE_MS);
process.once("SIGINT", () => finish?.());
process.once("SIGTERM", () => finish?.());

try {
  bridge = await startBridge(config, log);
  say(`bridge started; the sandbox shop's first buyer is writing`);
  await finished;
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 1;
} finally {
  clearTimeout(deadline);
  await bridge?.stop();
  await telegram.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
if (exitCode === 0) {
  process.stdout.write(
    [
      "",
      "That is the whole loop: buyer → topic, staff reply in the topic → buyer, and back.",
      "Try it in your own Telegram group with the sandbox shop: set TELEGRAM_BOT_TOKEN,",
      "TELEGRAM_STAFF_CHAT_ID and MARKETPLACE_SANDBOX=1 in .env, then `npm start`.",
      "",
    ].join("\n"),
  );
}
process.exit(exitCode);
