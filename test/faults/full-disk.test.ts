// DATA_DIR on a filesystem that fills up while the bridge runs. Buyer messages that Telegram
// took but whose cursor could not be saved must not be posted again on every poll; a staff
// reply is never lost in silence; the incident is told once (General, /healthz, one error line)
// and so is its end; once space returns everything arrives, at most one duplicate per incident.
// Needs a tmpfs mount: root, as in CI and the project's machines; elsewhere the suite says why
// it is skipped.
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { STAFF, World } from "./world.ts";

/** Whether this machine lets the test mount a tmpfs (root, and a sandbox that allows mounts). */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), "bridge-mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

describe.skipIf(!canMount())("a full disk under DATA_DIR (a tmpfs: needs root and mounts)", () => {
  const mountPoint = mkdtempSync(join(tmpdir(), "bridge-full-"));
  const filler = join(mountPoint, "filler");
  let world: World;

  const healthz = async () => {
    const line = world.bridge.logs().find((l) => l.msg === "http server listening");
    const response = await fetch(`http://127.0.0.1:${String(line?.port)}/healthz`);
    return { status: response.status, body: await response.text() };
  };
  /** Writes zeros until the filesystem refuses more. */
  const fillDisk = () => {
    const fd = openSync(filler, "w");
    const chunk = Buffer.alloc(64 * 1024);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
    } finally {
      closeSync(fd);
    }
  };

  beforeAll(async () => {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]);
    world = new World({ accounts: ["ozon"], dataDir: join(mountPoint, "data") });
    await world.start();
  }, 60_000);

  afterAll(async () => {
    const exit = await world?.stopBridge("SIGTERM");
    await world?.close();
    execFileSync("umount", [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
    expect(exit).toEqual({ code: 0, signal: null });
  }, 30_000);

  it("holds buyer messages back, tells staff once, and delivers everything when space returns", async () => {
    const { chat, thread } = await world.openOzonChat("Здравствуйте!");
    const mark = world.mark();
    fillDisk();

    const texts = Array.from({ length: 6 }, (_, i) => `while the disk is full ${i + 1}`);
    for (const text of texts) world.ozon.buyerWrites(chat, text);
    await waitFor(() => world.generalTexts().some((t) => t.includes("cannot save its state")), {
      timeoutMs: 20_000,
      message: "the incident in General",
    });
    const staff = world.telegram.staffSends({
      chatId: STAFF,
      threadId: thread,
      text: "Мы проверим",
    });
    // Several poll intervals (1 s each) go by: polling pauses, so there are no cycles to count.
    await sleep(6000);

    // Nothing posted twice while full, however many polls went by.
    for (const text of texts) {
      expect(world.buyerTexts(thread).filter((t) => t === text).length).toBeLessThanOrEqual(1);
    }
    const sick = await healthz();
    expect(sick.status).toBe(503);
    expect(sick.body).toContain("state cannot be saved");
    const incidentLines = world
      .logsSince(mark)
      .filter((l) => l.level === "error" && String(l.msg).startsWith("state cannot be saved"));
    expect(incidentLines, JSON.stringify(world.logsSince(mark))).toHaveLength(1);

    rmSync(filler);
    await waitFor(() => world.generalTexts().some((t) => t.includes("can be saved again")), {
      timeoutMs: 90_000,
      message: "the recovery in General",
    });
    for (const text of texts) await world.waitForBuyerText(thread, text, 30_000);
    const counts = texts.map((text) => world.buyerTexts(thread).filter((t) => t === text).length);
    // At most one duplicate for the incident.
    expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(texts.length + 1);
    expect(world.generalTexts().filter((t) => t.includes("cannot save its state"))).toHaveLength(1);
    expect(world.generalTexts().filter((t) => t.includes("can be saved again"))).toHaveLength(1);
    expect((await healthz()).status).toBe(200);

    // The staff reply: sent once, or refused in words under it; never silence.
    const sent = () =>
      world.ozon.sentBySeller(chat).filter((s) => s.kind === "text" && s.text === "Мы проверим");
    const refused = () =>
      world.telegram
        .messagesIn(STAFF, thread)
        .some((m) => m.message.reply_to_message?.message_id === staff.message_id);
    await waitFor(() => sent().length === 1 || refused(), {
      timeoutMs: 30_000,
      message: "the staff reply sent or refused",
    });
    expect(sent().length).toBeLessThanOrEqual(1);
  }, 240_000);
});
