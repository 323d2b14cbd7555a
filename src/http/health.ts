// GET /healthz: healthy while the state file answers, no incident is open (state that cannot
// be written, rights lost in a group) and every account has polled successfully within three
// poll intervals (or began polling within them); otherwise 503 with the reasons, for the hosting's health check and for a
// person reading it. With several instances, an instance answers for the accounts whose group it
// holds, and says who holds what.
import type { Account } from "../bridge/account.ts";
import { errorText } from "../bridge/errors.ts";
import type { Incidents } from "../bridge/incidents.ts";
import type { Leases } from "../bridge/leases.ts";
import type { PollStatus } from "../bridge/poller.ts";
import type { Store } from "../bridge/store/index.ts";
import type { HttpReply } from "./server.ts";

export interface HealthDeps {
  store: Store;
  incidents: Pick<Incidents, "problems">;
  accounts: Account[];
  polls: Map<string, PollStatus>;
  pollIntervalMs: number;
  leases?: Pick<Leases, "instanceId" | "holders" | "serves">;
}

export async function health(deps: HealthDeps): Promise<HttpReply> {
  const now = Date.now();
  const problems: string[] = [...deps.incidents.problems()];
  try {
    await deps.store.ping();
  } catch (error) {
    problems.push(`state file: ${errorText(error)}`);
  }
  let leases: { instance: string; leases: object[] } | undefined;
  if (deps.leases) {
    try {
      const rows = await deps.leases.holders();
      leases = {
        instance: deps.leases.instanceId,
        leases: rows.map((row) => ({
          unit: row.unit,
          holder: row.holder,
          expiresInSeconds: Math.max(0, Math.round(row.expiresInMs / 1000)),
        })),
      };
    } catch (error) {
      problems.push(`leases: ${errorText(error)}`);
    }
  }
  for (const account of deps.accounts) {
    if (deps.leases && !deps.leases.serves(account.staffChatId)) continue;
    const poll = deps.polls.get(account.id);
    const last = poll?.lastSuccessAt;
    // A poll just started (or taken over, perhaps held back by the marketplace's rate limit)
    // has three intervals to go through, like one that went through.
    const since = Math.max(
      last ?? Number.NEGATIVE_INFINITY,
      poll?.servingSince ?? Number.NEGATIVE_INFINITY,
    );
    if (now - since <= 3 * deps.pollIntervalMs) continue;
    const what =
      last === undefined
        ? "no successful poll yet"
        : `last successful poll ${Math.round((now - last) / 1000)} s ago`;
    problems.push(`${account.id}: ${what}${poll?.lastError ? ` (${poll.lastError})` : ""}`);
  }
  const ok = problems.length === 0;
  return {
    status: ok ? 200 : 503,
    contentType: "application/json",
    body: JSON.stringify({
      ...(ok ? { status: "ok" } : { status: "unhealthy", problems }),
      ...leases,
    }),
  };
}
