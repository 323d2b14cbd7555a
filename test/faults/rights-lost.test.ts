// The bot loses its rights in the staff group, against the real entry point. Telegram then
// refuses every post there (403 "bot was kicked", 400 "not enough rights…"); the bridge must
// treat that as one incident: one error line however many polls and chats run into it,
// /healthz 503 naming it, no buyer message lost, and when posts go through again one info line
// and one message in the group's General topic. Polls are counted on the Ozon fake (its list
// calls), never timed.
import { expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { describeLines, type LogLine, lane, STAFF, useWorld, type World } from "./world.ts";

const INCIDENT = "the bot cannot post in staff group";
const RECOVERED = "the bot can post in the staff group again";
/** The English General-topic text (BOT_LANGUAGE=en) when the rights are back. */
const BACK = "The bot's rights in the group are back";

/** The bridge's /healthz, on the port its "http server listening" line names. */
async function healthz(world: World): Promise<{ status: number; problems: string[] }> {
  const line = world.bridge.logs().find((l) => l.msg === "http server listening");
  const response = await fetch(`http://127.0.0.1:${String(line?.port)}/healthz`);
  const body = (await response.json()) as { problems?: string[] };
  return { status: response.status, problems: body.problems ?? [] };
}

const incidentLines = (lines: LogLine[]) =>
  lines.filter((l) => l.level === "error" && String(l.msg).startsWith(INCIDENT));

/** Calls of `method` into the staff group that Telegram refused with `description`. */
function refused(world: World, method: string, description: RegExp): number {
  return world.telegram
    .callsOf(method)
    .filter(
      (c) =>
        Number(c.params.chat_id) === STAFF &&
        c.outcome === "error" &&
        description.test(c.error?.description ?? ""),
    ).length;
}

lane("the bot removed from the staff group and added back", () => {
  const world = useWorld({ accounts: ["ozon"] });

  it("is one incident over several polls and two chats; every buyer message arrives once after", async () => {
    const first = await world.openOzonChat("Здравствуйте, где мой заказ?");
    const second = await world.openOzonChat("Добрый день, хочу вернуть товар");
    const mark = world.mark();
    const kicked = /^Forbidden: bot was kicked from the supergroup chat$/;

    world.telegram.removeBotByHuman();
    const texts = [
      [first.thread, "while removed: first chat, 1"],
      [second.thread, "while removed: second chat, 1"],
      [first.thread, "while removed: first chat, 2"],
    ] as const;
    world.ozon.buyerWrites(first.chat, texts[0][1]);
    world.ozon.buyerWrites(second.chat, texts[1][1]);
    world.ozon.buyerWrites(first.chat, texts[2][1]);

    // Both chats ran into the refusal, and the bridge kept trying poll after poll.
    await waitFor(() => incidentLines(world.logsSince(mark)).length > 0, {
      timeoutMs: 20_000,
      message: "the incident's error line",
    });
    const refusedAtStart = refused(world, "sendMessage", kicked);
    await world.ozonCycles(4);
    await waitFor(() => refused(world, "sendMessage", kicked) >= refusedAtStart + 2, {
      timeoutMs: 20_000,
      message: "more refused posts on later polls",
    });
    const chatsRefused = new Set(
      world.telegram
        .callsOf("sendMessage")
        .filter((c) => c.outcome === "error" && kicked.test(c.error?.description ?? ""))
        .map((c) => Number(c.params.message_thread_id)),
    );
    expect(chatsRefused).toEqual(new Set([first.thread, second.thread]));

    // One error line for the whole incident, and nothing said again on later polls.
    const lines = world.logsSince(mark);
    const errors = incidentLines(lines);
    expect(errors, describeLines(lines)).toHaveLength(1);
    expect(String(errors[0]?.msg)).toMatch(
      new RegExp(`^${INCIDENT} ${STAFF}: sendMessage: 403 Forbidden: bot was kicked`),
    );
    expect(lines.filter((l) => l.level === "error" || l.level === "fatal")).toHaveLength(1);
    const problemsSoFar = world.problemsSince(mark).length;
    await world.ozonCycles(3);
    expect(world.problemsSince(mark), describeLines(world.logsSince(mark))).toHaveLength(
      problemsSoFar,
    );

    const sick = await healthz(world);
    expect(sick.status).toBe(503);
    expect(sick.problems).toEqual([expect.stringMatching(/cannot post in staff group.*kicked/)]);
    // Nothing reached the group meanwhile.
    for (const [thread, text] of texts) expect(world.buyerTexts(thread)).not.toContain(text);

    world.telegram.addBotByHuman();
    await waitFor(() => world.generalTexts().some((t) => t.includes(BACK)), {
      timeoutMs: 30_000,
      message: "the recovery message in General",
    });
    for (const [thread, text] of texts) {
      expect(await world.waitForBuyerText(thread, text, 30_000), text).toBe(1);
    }
    expect((await healthz(world)).status).toBe(200);

    // Some polls later: still each message once, one recovery line and one General message.
    await world.ozonCycles(3);
    for (const [thread, text] of texts) {
      expect(
        world.buyerTexts(thread).filter((t) => t === text),
        text,
      ).toHaveLength(1);
    }
    expect(world.buyerTexts(first.thread).filter((t) => t.startsWith("Здравствуйте"))).toHaveLength(
      1,
    );
    const after = world.logsSince(mark);
    expect(incidentLines(after), describeLines(after)).toHaveLength(1);
    expect(after.filter((l) => l.level === "info" && l.msg === RECOVERED)).toHaveLength(1);
    expect(world.generalTexts()).toEqual([expect.stringContaining(BACK)]);
    expect(world.ozon.contractViolations).toEqual([]);
  }, 150_000);
});

lane("the bot demoted to a plain member: no topic for a new chat", () => {
  const world = useWorld({ accounts: ["ozon"] });

  // A plain member still posts into existing topics but cannot create one: posts that go through
  // must not end the incident (and a false "rights are back") while new chats get no topic.
  it("is one incident while new chats cannot get a topic, even as posts into old topics go through", async () => {
    const old = await world.openOzonChat("Здравствуйте, вопрос по размеру");
    const mark = world.mark();
    const noTopicRights = /^Bad Request: not enough rights to create a topic$/;

    world.telegram.setBotAdmin(false);
    const fresh = world.ozon.addChat();
    world.ozon.buyerWrites(fresh, "new chat while demoted");
    await waitFor(() => incidentLines(world.logsSince(mark)).length > 0, {
      timeoutMs: 20_000,
      message: "the incident's error line",
    });
    expect(String(incidentLines(world.logsSince(mark))[0]?.msg)).toMatch(
      /createForumTopic: 400 Bad Request: not enough rights to create a topic$/,
    );

    // A plain member may still post into the topic it has: the old chat's buyer goes on writing.
    for (const text of ["old chat while demoted, 1", "old chat while demoted, 2"]) {
      world.ozon.buyerWrites(old.chat, text);
      expect(await world.waitForBuyerText(old.thread, text, 30_000)).toBe(1);
      await world.ozonCycles(2);
    }
    expect(refused(world, "createForumTopic", noTopicRights)).toBeGreaterThanOrEqual(2);

    // The new chat still has no topic: the incident is not over, and it was reported once.
    const lines = world.logsSince(mark);
    expect(world.threadOf(fresh)).toBeUndefined();
    expect(incidentLines(lines), describeLines(lines)).toHaveLength(1);
    expect(
      world.generalTexts().filter((t) => t.includes(BACK)),
      describeLines(lines),
    ).toEqual([]);
    const sick = await healthz(world);
    expect(sick.status).toBe(503);
    expect(sick.problems).toEqual([
      expect.stringMatching(/cannot post in staff group.*not enough rights to create a topic/),
    ]);

    world.telegram.setBotAdmin({});
    const thread = await world.waitForThread(fresh, 30_000);
    expect(await world.waitForBuyerText(thread, "new chat while demoted", 30_000)).toBe(1);
    await waitFor(() => world.generalTexts().some((t) => t.includes(BACK)), {
      timeoutMs: 30_000,
      message: "the recovery message in General",
    });
    expect((await healthz(world)).status).toBe(200);
    await world.ozonCycles(3);
    const after = world.logsSince(mark);
    expect(incidentLines(after), describeLines(after)).toHaveLength(1);
    expect(after.filter((l) => l.level === "info" && l.msg === RECOVERED)).toHaveLength(1);
    expect(world.generalTexts().filter((t) => t.includes(BACK))).toHaveLength(1);
  }, 150_000);
});
