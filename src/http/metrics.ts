// Prometheus metrics (prom-client) for GET /metrics: counters the bridge reports, and gauges
// read at scrape time from the running bridge (queue depth, Telegram budget use, chats waiting).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { BridgeMetrics } from "../bridge/metrics.ts";

export interface Gauges {
  /** Posts waiting for their turn in each staff group's queue. */
  queueDepth(): { staffChatId: number; depth: number }[];
  /** Messages sent into each group within the last minute, and the budget. */
  budget(): { staffChatId: number; used: number; limit: number }[];
  /** Chats whose buyer waits for an answer, per shop (every shop, waiting or not). */
  waiting(): Promise<{ marketplace: string; shop: string; chats: number }[]>;
}

/** First responses take minutes to days: buckets from a minute to two days. */
const RESPONSE_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800];

export class PrometheusMetrics implements BridgeMetrics {
  readonly registry = new Registry();
  private readonly messages: Counter<"direction" | "marketplace">;
  private readonly failures: Counter<"marketplace" | "kind">;
  private readonly polls: Histogram<"marketplace">;
  private readonly pushes: Counter<"marketplace" | "type">;
  private readonly responses: Histogram<"marketplace" | "shop">;

  constructor(gauges: Gauges) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.messages = new Counter({
      name: "bridge_messages_total",
      help: "Messages relayed: in = marketplace → Telegram, out = staff → marketplace",
      labelNames: ["direction", "marketplace"],
      registers,
    });
    this.failures = new Counter({
      name: "bridge_failures_total",
      help: "Failures by marketplace and kind (auth, forbidden, rate_limited, transient, …)",
      labelNames: ["marketplace", "kind"],
      registers,
    });
    this.polls = new Histogram({
      name: "bridge_poll_duration_seconds",
      help: "Duration of one poll cycle (listing changed chats)",
      labelNames: ["marketplace"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.pushes = new Counter({
      name: "bridge_push_notifications_total",
      help: "Push notifications received, by marketplace and event type",
      labelNames: ["marketplace", "type"],
      registers,
    });
    this.responses = new Histogram({
      name: "bridge_first_response_seconds",
      help: "Time from a buyer's first unanswered message to the shop's answer (clock time)",
      labelNames: ["marketplace", "shop"],
      buckets: RESPONSE_BUCKETS,
      registers,
    });
    new Gauge({
      name: "bridge_chats_waiting",
      help: "Chats whose buyer waits for an answer",
      labelNames: ["marketplace", "shop"],
      registers,
      async collect() {
        const waiting = await gauges.waiting();
        this.reset();
        for (const w of waiting) this.set({ marketplace: w.marketplace, shop: w.shop }, w.chats);
      },
    });
    new Gauge({
      name: "bridge_telegram_queue_depth",
      help: "Posts waiting for the group's Telegram budget",
      labelNames: ["chat"],
      registers,
      collect() {
        this.reset();
        for (const q of gauges.queueDepth()) this.set({ chat: String(q.staffChatId) }, q.depth);
      },
    });
    new Gauge({
      name: "bridge_telegram_budget_used_ratio",
      help: "Share of the group's per-minute Telegram budget used in the last minute",
      labelNames: ["chat"],
      registers,
      collect() {
        this.reset();
        for (const b of gauges.budget())
          this.set({ chat: String(b.staffChatId) }, b.used / b.limit);
      },
    });
  }

  messageIn(marketplace: string): void {
    this.messages.inc({ direction: "in", marketplace });
  }

  messageOut(marketplace: string): void {
    this.messages.inc({ direction: "out", marketplace });
  }

  failure(marketplace: string, kind: string): void {
    this.failures.inc({ marketplace, kind });
  }

  pollDuration(marketplace: string, seconds: number): void {
    this.polls.observe({ marketplace }, seconds);
  }

  pushReceived(marketplace: string, type: string): void {
    this.pushes.inc({ marketplace, type });
  }

  firstResponse(marketplace: string, shop: string, seconds: number): void {
    this.responses.observe({ marketplace, shop }, seconds);
  }
}
