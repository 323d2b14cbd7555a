// An echo leak without a kill: a staff message's next part registers its echo while the poller
// consumes the part before it, in the same chat. Both change the chat's one stored list, so the
// two must not interleave: the later write would undo the earlier one (the next part's echo
// lost and that part shown back in its topic, or a consumed echo back and waiting).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { Echoes } from "../../src/bridge/echoes.ts";
import type { MarketMessage } from "../../src/bridge/provider.ts";
import { Store } from "../../src/bridge/store/index.ts";

let dataDir: string;
let store: Store;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "bridge-echoes-"));
  store = await Store.open(dataDir);
});

afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const comesBack = (chatId: string, id: string, text: string): MarketMessage => ({
  id,
  chatId,
  createdAt: new Date().toISOString(),
  role: "seller",
  senderLabel: "Seller",
  text,
  attachments: [],
});

it("keeps the next part's echo while the part before it comes back", async () => {
  const echoes = new Echoes(store);
  // Several chats, as the timing of two stores in flight varies.
  const chats = Array.from({ length: 10 }, (_, i) => `chat-${i}`);
  for (const chat of chats) {
    await echoes.expect("ozon", chat, { key: "job:0", kind: "text", text: "part one" });
  }
  await Promise.all(
    chats.flatMap((chat) => [
      echoes.consume("ozon", comesBack(chat, "100", "part one")),
      echoes.expect("ozon", chat, { key: "job:1", kind: "text", text: "part two" }),
    ]),
  );
  for (const chat of chats) {
    expect([
      await echoes.isExpected("ozon", chat, "job:0"),
      await echoes.isExpected("ozon", chat, "job:1"),
    ]).toEqual([false, true]);
    expect(await echoes.consume("ozon", comesBack(chat, "101", "part two"))).toMatchObject({
      key: "job:1",
    });
  }
});
