// GET /healthz and GET /metrics on the running bridge.
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/wait-for.ts";
import { useHarness } from "./harness.ts";

describe("health and metrics", () => {
  const h = useHarness({ start: true });
  const get = (path: string) => fetch(`http://127.0.0.1:${h.bridge.httpPort}${path}`);

  it("is healthy while polls succeed, and says why when they stop", async () => {
    const ok = await get("/healthz");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "ok" });

    h.ozon.failNext("/v3/chat/list", { status: 500, times: 1000 });
    const failing = await waitFor(
      async () => {
        const response = await get("/healthz");
        if (response.status !== 503) return undefined;
        const body = (await response.json()) as { problems: string[] };
        return body.problems[0]?.includes("500") ? body : undefined;
      },
      { message: "503 once polls fail for three intervals" },
    );
    expect(failing.problems[0]).toMatch(/^ozon-424242: last successful poll \d+ s ago \(.*500/);
  });

  it("counts relayed messages, failures and poll durations in Prometheus format", async () => {
    await h.openChat("вопрос");
    const text = await waitFor(async () => {
      const body = await (await get("/metrics")).text();
      return body.includes('bridge_messages_total{direction="in",marketplace="ozon"}')
        ? body
        : undefined;
    });
    expect(text).toMatch(/bridge_messages_total\{direction="in",marketplace="ozon"\} [1-9]/);
    expect(text).toContain("bridge_poll_duration_seconds_bucket");
    expect(text).toContain("bridge_telegram_budget_used_ratio");
    expect(text).toContain("bridge_telegram_queue_depth");
  });
});
