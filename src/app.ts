// Wires config → store → providers → bridge → bot, and takes it all down again. The entry point
// (main.ts) adds process concerns: environment, signals, exit codes.

import { Composer } from "grammy";
import { createBot } from "./bot/bot.ts";
import { commands, registerCommands } from "./bot/commands.ts";
import { type BotContext, newChat, newChatExamples } from "./bot/new-chat.ts";
import { checkStaffChats } from "./bot/startup-checks.ts";
import { team } from "./bot/team.ts";
import { GrammyTelegram } from "./bot/telegram-port.ts";
import { templateCommands, templateShortcut } from "./bot/templates.ts";
import type { Account } from "./bridge/account.ts";
import { AutoClose } from "./bridge/auto-close.ts";
import { ChatSync } from "./bridge/chat-sync.ts";
import { Digest } from "./bridge/digest.ts";
import { Echoes } from "./bridge/echoes.ts";
import { errorText } from "./bridge/errors.ts";
import { ChatExport } from "./bridge/export.ts";
import { FeedSync } from "./bridge/feed-sync.ts";
import { SingleFlight } from "./bridge/gate.ts";
import { Inbound } from "./bridge/inbound.ts";
import { Incidents } from "./bridge/incidents.ts";
import { KeyNotices } from "./bridge/key-notices.ts";
import {
  BOT_LEASE,
  groupLease,
  JOBS_CHANNEL,
  Leases,
  type Serves,
  servesAll,
} from "./bridge/leases.ts";
import { OffHoursReply } from "./bridge/off-hours.ts";
import { Outbound } from "./bridge/outbound.ts";
import { Poller } from "./bridge/poller.ts";
import { PushReceiver } from "./bridge/push.ts";
import { Receipts } from "./bridge/receipts.ts";
import { Reminders } from "./bridge/reminders.ts";
import { GroupSendQueue } from "./bridge/send-queue.ts";
import { Statistics } from "./bridge/stats.ts";
import { BridgeStatus, waitsForUs } from "./bridge/status.ts";
import { Store } from "./bridge/store/index.ts";
import { withoutPassword } from "./bridge/store/open.ts";
import { QuickReplies } from "./bridge/templates.ts";
import { escapeHtml } from "./bridge/text.ts";
import { type Language, textsFor } from "./bridge/texts/index.ts";
import { Topics } from "./bridge/topics.ts";
import type { AccountConfig, Config } from "./config.ts";
import { health } from "./http/health.ts";
import { parseAllowList } from "./http/ip-allow-list.ts";
import { PrometheusMetrics } from "./http/metrics.ts";
import { type RunningHttpServer, startHttpServer } from "./http/server.ts";
import type { Logger } from "./logger.ts";
import { connectorFor, connectors, pushEndpoints } from "./providers/registry.ts";
import { StartupError } from "./startup-error.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface RunningBridge {
  store: Store;
  poller: Poller;
  /** Brings one chat up to date now (what a push does). */
  chats: ChatSync;
  outbound: Outbound;
  queue: GroupSendQueue;
  reminders: Reminders;
  offHours: OffHoursReply;
  autoClose: AutoClose;
  digest: Digest;
  /** Where /healthz, /metrics and (with PUSH_SECRET) the push endpoints listen. */
  httpPort: number;
  /** With DATABASE_URL: this instance's leases. */
  leases?: Leases;
  /** Resolves when the bridge stopped; rejects when polling Telegram failed for good. */
  done: Promise<void>;
  stop(): Promise<void>;
}

function toAccount(
  config: AccountConfig,
  all: AccountConfig[],
  language: Language,
  log: Logger,
): Account {
  const connector = connectorFor(config.marketplace);
  const { pushKey } = connector.account(config);
  const accountLog = log.child({ account: config.id });
  const problems = connector.warnings?.(config) ?? [];
  if (problems.length > 0) accountLog.warn({ problems }, "the account's credentials have problems");
  return {
    id: config.id,
    log: accountLog,
    name: config.name,
    staffChatId: config.staffChatId,
    provider: connector.provider(config),
    iconColor: connector.iconColor,
    words: connector.words[language],
    // Several shops in one group: staff need the shop's name to tell topics apart.
    showName: all.filter((a) => a.staffChatId === config.staffChatId).length > 1,
    ...(pushKey === undefined ? {} : { pushKey }),
  };
}

/**
 * `sendQueue` replaces the Telegram send queue built from the config's per-minute budget: the
 * benchmark uses one that counts the same budget in a shorter window. `outboundBackoffMs`
 * shortens the first wait between attempts of a staff message (tests run out its retries).
 * `now` is the clock the digest and /stats count by (tests set the day).
 */
export async function startBridge(
  config: Config,
  log: Logger,
  options: { sendQueue?: GroupSendQueue; outboundBackoffMs?: number; now?: () => number } = {},
): Promise<RunningBridge> {
  const now = options.now ?? Date.now;
  const texts = textsFor(config.language, config.timeZone);
  let store: Store;
  try {
    store = await Store.open(config.databaseUrl ?? config.dataDir);
  } catch (error) {
    // A database the bridge cannot use is a wrong setting, like a bad configuration.
    throw config.databaseUrl
      ? new StartupError(
          `DATABASE_URL ${withoutPassword(config.databaseUrl)} is not usable: ${errorText(error)}`,
          { exitCode: 2 },
        )
      : new StartupError(`DATA_DIR ${config.dataDir} is not usable: ${errorText(error)}`);
  }

  const accounts = config.accounts.map((a) => toAccount(a, config.accounts, config.language, log));
  const staffChatIds = new Set(accounts.map((a) => a.staffChatId));
  // Several instances share a database's work; one process on a SQLite file does it all.
  let running = false;
  /** Groups the first claims took from a dead holder: until when it may have worked on them. */
  const takenFrom = new Map<number, number>();
  const leases =
    store.leases &&
    new Leases({
      board: store.leases,
      instanceId: config.instanceId,
      ttlMs: config.leaseMs,
      units: [BOT_LEASE, ...[...staffChatIds].map(groupLease)],
      log,
      events: {
        gained: (unit, previousUntil) => {
          if (unit === BOT_LEASE) {
            if (running) startPolling(); // else the start takes it up
            return;
          }
          const staffChatId = Number(unit.slice("group:".length));
          if (!running) {
            // The start takes up what the first claims brought.
            if (previousUntil !== undefined) takenFrom.set(staffChatId, previousUntil);
            return;
          }
          // The previous holder's requests may still fill a marketplace's rate window.
          poller
            .beginWork(staffChatId, previousUntil)
            .catch((error: unknown) => log.warn({ err: error }, "could not read feed cursors"))
            .finally(() => {
              resumeJobs(staffChatId);
              poller.wake(staffChatId);
            });
        },
        lost: (unit) => {
          // A group's work stops by itself (everything asks `serves`); polling is told.
          if (unit === BOT_LEASE && running) stopPolling();
        },
      },
    });
  const serves: Serves = leases ? leases.serves : servesAll;
  // Set once the bot exists (below); the bot's lease starts and stops its polling.
  let startPolling = () => {};
  let stopPolling = () => {};
  /** Jobs stored for this instance's groups (of one group, when given) go to their lanes. */
  const resumeJobs = (staffChatId?: number) => {
    if (staffChatId !== undefined && !serves(staffChatId)) return;
    outbound.resume(staffChatId).catch((error: unknown) => {
      log.warn({ err: error }, "could not resume stored staff messages");
    });
  };

  const { bot, polling } = createBot({
    token: config.telegram.token,
    apiRoot: config.telegram.apiRoot,
    staffChatIds,
    // Updates flow only after bot.start(), when these exist.
    outbound: () => outbound,
    templateShortcut: () => shortcut,
    features: () => features,
    staffSeen: (staffChatId, user) => store.staff.seen(staffChatId, user),
    texts,
    notePrefix: config.notePrefix,
    log,
    sharedPolling: leases !== undefined,
  });
  const telegram = new GrammyTelegram(bot.api, {
    apiRoot: config.telegram.apiRoot,
    token: config.telegram.token,
  });
  const incidents = new Incidents({ telegram, texts, log, staffChatIds, serves });
  const queue =
    options.sendQueue ??
    new GroupSendQueue(config.telegram.groupMessagesPerMinute, { observer: incidents, serves });
  const metrics = new PrometheusMetrics({
    queueDepth: () => queue.depth(),
    budget: () => [...staffChatIds].map((id) => ({ staffChatId: id, ...queue.usage(id) })),
    waiting: async () => {
      const waiting = (await store.topics.waiting()).filter(waitsForUs);
      return accounts.map((a) => ({
        marketplace: a.provider.marketplace,
        shop: a.id,
        chats: waiting.filter((t) => t.accountId === a.id).length,
      }));
    },
  });
  const echoes = new Echoes(store);
  const topics = new Topics({ store, telegram, queue, texts, log, timeZone: config.timeZone });
  const receipts = new Receipts({ store, telegram, log });
  const inbound = new Inbound({
    store,
    topics,
    echoes,
    receipts,
    telegram,
    queue,
    texts,
    log,
    metrics,
  });
  const feeds = new FeedSync({ store, inbound });
  const chats = new ChatSync({ store, inbound, feeds, topics, metrics });
  const outbound = new Outbound({
    accounts,
    store,
    echoes,
    topics,
    telegram,
    queue,
    texts,
    log,
    metrics,
    syncChat: (account, chatId) => chats.sync(account, chatId),
    serves,
    handOver: (staffChatId) => {
      store.leases?.notify(JOBS_CHANNEL, String(staffChatId)).catch((error: unknown) => {
        // Stored all the same: the group's holder finds it at its next look (a poll interval).
        log.warn({ err: error, staffChatId }, "could not tell the group's instance of a job");
      });
    },
    ...(options.outboundBackoffMs === undefined
      ? {}
      : { backoffBaseMs: options.outboundBackoffMs }),
  });
  const keyNotices = new KeyNotices({
    accounts,
    store,
    texts,
    log,
    serves,
    post: async (staffChatId, text) => {
      await queue.send(staffChatId, () =>
        telegram.sendText(staffChatId, undefined, escapeHtml(text)),
      );
    },
  });
  const poller = new Poller({
    accounts,
    store,
    chats,
    feeds,
    inbound,
    queue,
    metrics,
    observer: {
      pollResult: (account, error) => {
        incidents.pollResult(account, error);
        // A marketplace may reveal a key's kind only by how it refuses (a throttled key).
        if (error !== undefined) {
          keyNotices
            .tick(Date.now())
            .catch((e: unknown) => log.warn({ err: e }, "API key check failed"));
        }
      },
    },
    intervalMs: config.pollIntervalMs,
    serves,
  });
  // A push for a group another instance holds is left to that instance's next poll.
  const ifServed =
    <A extends unknown[], R>(action: (account: Account, ...rest: A) => Promise<R>) =>
    async (account: Account, ...rest: A): Promise<R | undefined> =>
      serves(account.staffChatId) ? action(account, ...rest) : undefined;
  const push = new PushReceiver({
    accounts,
    log,
    metrics,
    actions: {
      syncChat: ifServed((account, chatId) => chats.sync(account, chatId)),
      readByBuyer: ifServed(async (account, chatId, upToId) => {
        await receipts.readUpTo(account.id, chatId, upToId);
      }),
      chatClosed: ifServed((account, chatId) => topics.closedByMarketplace(account, chatId)),
      dispute: ifServed((account, chatId, active) => topics.setDisputed(account, chatId, active)),
    },
  });

  try {
    await checkStaffChats(bot, staffChatIds);
  } catch (error) {
    await store.close();
    throw error;
  }

  const reminders = new Reminders({
    accounts,
    topics,
    texts,
    log,
    reminderMinutes: config.reminderMinutes,
    onDuty: config.onDuty,
    escalateMinutes: config.escalateMinutes,
    supervisors: config.supervisors,
    hours: config.workingHours,
    serves,
    send: async (topic, html, buttons) => {
      await queue.send(topic.staffChatId, () =>
        telegram.sendText(topic.staffChatId, topic.threadId, html, { buttons }),
      );
    },
  });
  const offHours = new OffHoursReply({
    accounts,
    topics,
    hours: config.workingHours,
    text: config.offHoursReply,
    log,
    serves,
    send: (account, topic, text, key) => outbound.sendAutomatic(account, topic, text, key),
  });
  const autoClose = new AutoClose({
    accounts,
    topics,
    texts,
    log,
    serves,
    days: config.autoCloseDays,
  });
  const templates = {
    templates: new QuickReplies({ store, accounts }),
    store,
    outbound: () => outbound,
    texts,
  };
  const shortcut = templateShortcut(templates);
  const status = new BridgeStatus({
    accounts,
    store,
    topics,
    queue,
    polls: poller.status,
    ...(leases ? { leases } : {}),
  });
  const stats = new Statistics({
    accounts,
    store,
    workingMs: (from, to) => config.workingHours.workingMs(from, to),
  });
  const digest = new Digest({
    accounts,
    store,
    stats,
    texts,
    log,
    atMinutes: config.digestMinutes,
    timeZone: config.timeZone,
    serves,
    post: async (staffChatId, html) => {
      await queue.send(staffChatId, () =>
        telegram.sendText(staffChatId, undefined, html, { silent: true }),
      );
    },
  });
  const features = new Composer<BotContext>(
    newChat({ accounts, marketplaces: connectors, store, topics, texts }),
    commands({
      accounts,
      store,
      topics,
      status,
      stats,
      now,
      exports: new ChatExport({ store, telegram, queue, texts }),
      texts,
      notePrefix: config.notePrefix,
      newExamples: newChatExamples(accounts, connectors),
      pushEnabled: config.push !== undefined,
    }),
    team({ accounts, store, topics, texts }),
    templateCommands(templates),
  );

  let http: RunningHttpServer;
  try {
    http = await startHttpServer({
      port: config.httpPort,
      ...(config.push ? { pushSecret: config.push.secret } : {}),
      parsers: pushEndpoints.map((p) => p.parser),
      allowLists: new Map(
        pushEndpoints.map((p) => [
          p.marketplace,
          parseAllowList(config.push?.allowedIps[p.marketplace] ?? []),
        ]),
      ),
      trustProxy: config.push?.trustProxy ?? false,
      receiver: push,
      log,
      routes: [
        {
          method: "GET",
          path: "/healthz",
          handle: () =>
            health({
              store,
              incidents,
              accounts,
              polls: poller.status,
              pollIntervalMs: config.pollIntervalMs,
              ...(leases ? { leases } : {}),
            }),
        },
        {
          method: "GET",
          path: "/metrics",
          handle: async () => ({
            status: 200,
            contentType: metrics.registry.contentType,
            body: await metrics.registry.metrics(),
          }),
        },
      ],
    });
  } catch (error) {
    await store.close();
    throw new StartupError(`HTTP_PORT ${config.httpPort}: ${errorText(error)}`);
  }
  log.info({ port: http.port, push: config.push !== undefined }, "http server listening");

  await registerCommands(bot.api, staffChatIds, log);
  const stopping = new AbortController();
  incidents.watchState(store, stopping.signal);
  if (leases) {
    try {
      await store.leases?.listen(JOBS_CHANNEL, (payload) => resumeJobs(Number(payload)));
      await leases.start();
    } catch (error) {
      await Promise.allSettled([http.close(), store.close()]);
      throw new StartupError(`leases in DATABASE_URL: ${errorText(error)}`, { exitCode: 2 });
    }
  }
  // A restart, like a takeover, may follow requests of the previous process.
  for (const staffChatId of staffChatIds)
    await poller.beginWork(staffChatId, takenFrom.get(staffChatId));
  await outbound.resume();
  running = true;
  poller.start();
  // Periodic checks, one round of each at a time; a failure is logged and tried next round.
  const accountsById = new Map(accounts.map((a) => [a.id, a]));
  const timers = [
    every(MINUTE, "reminder check", log, () => reminders.tick(Date.now())),
    every(MINUTE, "off-hours reply check", log, () => offHours.tick(Date.now())),
    // Also at once: a key about to expire is told at start, and a digest missed while the
    // bridge was down goes out now, the same day.
    every(MINUTE, "API key check", log, () => keyNotices.tick(Date.now()), { atOnce: true }),
    every(MINUTE, "digest check", log, () => digest.tick(now()), { atOnce: true }),
    every(HOUR, "idle topic check", log, () => autoClose.tick(Date.now())),
    // Files the marketplace was still checking: asked for again at the poll's pace.
    every(config.pollIntervalMs, "held-back files check", log, () =>
      inbound.retryDeferred(accountsById, serves),
    ),
    // A job another instance stored while its notice could not reach this one.
    ...(leases
      ? [every(config.pollIntervalMs, "stored jobs check", log, () => outbound.resume())]
      : []),
  ];
  const started = {
    accounts: accounts.map((a) => a.id),
    staffChatIds: [...staffChatIds],
    ...(leases ? { instance: leases.instanceId } : {}),
  };
  let ended!: () => void;
  let failed!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    ended = resolve;
    failed = reject;
  });
  startPolling = () => {
    polling
      .start({
        allowed_updates: ["message", "edited_message", "callback_query", "my_chat_member"],
        drop_pending_updates: false,
        onStart: () =>
          leases
            ? log.info({ instance: leases.instanceId }, "polling Telegram")
            : log.info(started, "bridge started"),
      })
      .catch(failed);
  };
  stopPolling = () => {
    polling.stop().catch((error: unknown) => {
      log.warn({ err: error }, "could not confirm the last updates to Telegram");
    });
  };
  if (!leases || leases.holds(BOT_LEASE)) startPolling();
  if (leases) {
    const held = [BOT_LEASE, ...[...staffChatIds].map(groupLease)].filter((u) => leases.holds(u));
    log.info({ ...started, leases: held }, "bridge started");
  }

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stopping.abort();
      for (const timer of timers) clearInterval(timer);
      // Staff messages already fetched are stored as jobs before anything closes; then the
      // inbound side stops before a post could go out whose cursor would find the state closed.
      await polling.stop().catch((error: unknown) => {
        log.warn({ err: error }, "could not confirm the last updates to Telegram");
      });
      await Promise.allSettled([poller.stop(), queue.close(), outbound.stop(), http.close()]);
      // Only now that nothing of this instance's work runs: the next holder starts at once.
      await leases?.stop();
      await Promise.allSettled(accounts.map((a) => a.provider.close?.()));
      await store.close();
      ended();
    })();
    return stopped;
  };
  return {
    store,
    poller,
    chats,
    outbound,
    queue,
    reminders,
    offHours,
    autoClose,
    digest,
    httpPort: http.port,
    ...(leases ? { leases } : {}),
    done,
    stop,
  };
}

/** Runs `task` every `ms` (and once now with `atOnce`), never two rounds at once. */
function every(
  ms: number,
  what: string,
  log: Logger,
  task: () => Promise<unknown>,
  options: { atOnce?: boolean } = {},
): NodeJS.Timeout {
  const rounds = new SingleFlight();
  // One line when rounds start failing and one when they work again, not one per round (a
  // database away for a minute would write one a second).
  let failing = false;
  const run = () => {
    // A round still under way is not joined: it reports its own failure.
    if (rounds.busy) return;
    rounds.run(task).then(
      () => {
        if (failing) log.info(`${what} works again`);
        failing = false;
      },
      (error: unknown) => {
        if (!failing) log.warn({ err: error }, `${what} failed; tried again every round`);
        failing = true;
      },
    );
  };
  if (options.atOnce) run();
  const timer = setInterval(run, ms);
  timer.unref();
  return timer;
}
