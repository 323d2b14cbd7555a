// Environment (+ optional accounts file) → typed, validated configuration. Problems are
// collected and reported one per line, naming the variable or file entry and what is expected,
// never echoing a value (they may be secrets). What each marketplace reads (its variables, its
// ACCOUNTS_FILE fields, its push allow-list) comes from its connector in the registry.

import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { z } from "zod";
import { errorText } from "./bridge/errors.ts";
import {
  DEFAULT_TIME_ZONE,
  isTimeZone,
  parseSchedule,
  WORKING_HOURS_FORMAT,
  workingHours,
} from "./bridge/working-hours.ts";
import { parseAllowList } from "./http/ip-allow-list.ts";
import {
  type AccountEntry,
  type ConfiguredAccount,
  httpUrl,
  staffChatId,
} from "./providers/connector.ts";
import { connectorFor, connectors, pushEndpoints } from "./providers/registry.ts";

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const positiveInt = (fallback: number, what: string, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: what }).int(what).min(1, what).max(max, what).default(fallback);

/** Comma-separated Telegram usernames (ON_DUTY, SUPERVISORS). */
const usernames = z
  .string()
  .optional()
  .transform((list) =>
    (list ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .string()
        .regex(/^@?[A-Za-z0-9_]{5,32}$/, "comma-separated Telegram usernames, like @anna,@boris"),
    ),
  );

const cidrList = z
  .string()
  .optional()
  .transform((list, ctx) => {
    const entries = (list ?? "").split(/[\s,]+/).filter(Boolean);
    try {
      parseAllowList(entries);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: errorText(error) });
      return z.NEVER;
    }
    return entries;
  });

/** "a", "b" or "c". */
function orList(words: string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}

/** One entry of ACCOUNTS_FILE: the registry's entries, told apart by "marketplace". */
const fileAccount = z.discriminatedUnion(
  "marketplace",
  connectors.map((c) => c.entry) as unknown as [z.core.$ZodTypeDiscriminable],
  { error: `one of ${orList(connectors.map((c) => `"${c.marketplace}"`))}` },
);

// The environment's variables in the order their problems are listed: Telegram, each
// marketplace's (from the registry), the accounts file and the HTTP server, each push endpoint's
// allow-list, then the rest.
const telegramVariables = {
  TELEGRAM_BOT_TOKEN: z
    .string({ error: "required: the bot token from @BotFather (123456:ABC…)" })
    .trim()
    .regex(/^\d+:\S+$/, "a bot token from @BotFather, like 123456789:AAE…"),
  TELEGRAM_STAFF_CHAT_ID: staffChatId,
  TELEGRAM_API_ROOT: httpUrl("https://api.telegram.org"),
  TELEGRAM_GROUP_MESSAGES_PER_MINUTE: positiveInt(20, "a whole number of messages ≥ 1"),
};

/** Each marketplace's variables for its single account (OZON_CLIENT_ID, …). */
const marketplaceVariables: z.core.$ZodShape = Object.assign({}, ...connectors.map((c) => c.env));

const serverVariables = {
  ACCOUNTS_FILE: z.string().trim().min(1).optional(),
  HTTP_PORT: z.coerce
    .number({ error: "a TCP port number" })
    .int("a TCP port number")
    .min(0, "a TCP port number")
    .max(65535, "a TCP port number")
    .default(8080),
  PUSH_SECRET: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{16,}$/, "at least 16 letters, digits, - or _ (it is part of the URL)")
    .optional(),
};

/** OZON_PUSH_ALLOWED_IPS, …: a CIDR list per push endpoint. */
const allowListVariables: z.core.$ZodShape = Object.fromEntries(
  pushEndpoints.map((p) => [p.allowedIpsVariable, cidrList]),
);

const otherVariables = {
  TRUST_PROXY: z.stringbool({ error: "true or false" }).default(false),
  DATA_DIR: z.string().trim().min(1, "a directory path").default("./data"),
  DATABASE_URL: z
    .string()
    .trim()
    .refine(databaseUrl, "a postgres://user:password@host:5432/database URL")
    .optional(),
  // Both become timers, and Node fires one longer than 24.8 days at once: bounded, a typo
  // cannot turn polling into a tight loop.
  LEASE_SECONDS: positiveInt(15, "a whole number of seconds from 1 to 600", 600),
  INSTANCE_ID: z
    .string()
    .trim()
    .regex(/^[\w.:@-]{1,100}$/, "up to 100 letters, digits, . : @ - or _")
    .optional(),
  POLL_INTERVAL_SECONDS: positiveInt(5, "a whole number of seconds from 1 to 3600", 3600),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
  BOT_LANGUAGE: z.enum(["ru", "en"], { error: "ru or en" }).default("ru"),
  NOTE_PREFIX: z.string().trim().min(1, "one or more characters, like //").default("//"),
  REMINDER_MINUTES: z.coerce
    .number({ error: "a whole number of minutes ≥ 0 (0 turns reminders off)" })
    .int("a whole number of minutes ≥ 0 (0 turns reminders off)")
    .min(0, "a whole number of minutes ≥ 0 (0 turns reminders off)")
    .default(30),
  DIGEST_TIME: z
    .string()
    .trim()
    .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, "a time of day as HH:MM, like 09:30")
    .transform((time) => {
      const [hours, minutes] = time.split(":").map(Number) as [number, number];
      return hours * 60 + minutes;
    })
    .optional(),
  ON_DUTY: usernames,
  ESCALATE_MINUTES: z.coerce
    .number({ error: "a whole number of minutes ≥ 0 (0 turns escalation off)" })
    .int("a whole number of minutes ≥ 0 (0 turns escalation off)")
    .min(0, "a whole number of minutes ≥ 0 (0 turns escalation off)")
    .default(120),
  SUPERVISORS: usernames,
  WORKING_HOURS: z
    .string()
    .optional()
    .refine((spec) => spec === undefined || typeof parseSchedule(spec) !== "string", {
      error: (issue) => `${parseSchedule(String(issue.input))}; expected ${WORKING_HOURS_FORMAT}`,
    }),
  TIMEZONE: z
    .string()
    .trim()
    .refine(isTimeZone, "an IANA time zone name, like Europe/Moscow or Asia/Yekaterinburg")
    .default(DEFAULT_TIME_ZONE),
  OFF_HOURS_REPLY: z.string().trim().optional(),
  AUTO_CLOSE_DAYS: z.coerce
    .number({ error: "a whole number of days ≥ 0 (0 turns auto-closing off)" })
    .int("a whole number of days ≥ 0 (0 turns auto-closing off)")
    .min(0, "a whole number of days ≥ 0 (0 turns auto-closing off)")
    .default(14),
};

// The marketplaces' variables are typed where they are read, in their connectors.
const envSchema = z.object({
  ...telegramVariables,
  ...marketplaceVariables,
  ...serverVariables,
  ...allowListVariables,
  ...otherVariables,
} as typeof telegramVariables & typeof serverVariables & typeof otherVariables);

/** Empty strings in .env files mean "not set", as in most deployment tools. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") out[key] = value;
  }
  return out;
}

/** The parsed environment, with the variables only connectors know by name. */
type Parsed = Readonly<Record<string, unknown>>;

/** Every environment variable the bridge reads (the README and .env.example document each). */
export const ENVIRONMENT_VARIABLES = Object.keys(envSchema.shape);

/**
 * The environment, checked variable by variable, then as a whole: the accounts it describes and
 * the settings in the shape the bridge uses.
 */
const configSchema = envSchema.transform((e, ctx) => {
  const problems: string[] = [];
  const entries: AccountEntry[] = [];

  for (const connector of connectors) {
    const entry = connector.fromEnv(e, problems);
    if (entry) entries.push(entry);
  }
  if (e.ACCOUNTS_FILE) entries.push(...readAccountsFile(e.ACCOUNTS_FILE, problems));
  const accounts = entries.map((entry) => account(entry, e.TELEGRAM_STAFF_CHAT_ID));

  const seen = new Set<string>();
  for (const { id } of accounts) {
    if (seen.has(id)) problems.push(`${id}: configured twice`);
    seen.add(id);
  }
  if (accounts.length === 0 && problems.length === 0) {
    problems.push(noAccount());
  }
  if (problems.length > 0) {
    for (const message of problems) ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  }

  return {
    telegram: {
      token: e.TELEGRAM_BOT_TOKEN,
      staffChatId: e.TELEGRAM_STAFF_CHAT_ID,
      apiRoot: e.TELEGRAM_API_ROOT,
      groupMessagesPerMinute: e.TELEGRAM_GROUP_MESSAGES_PER_MINUTE,
    },
    accounts,
    httpPort: e.HTTP_PORT,
    // Push endpoints exist only with the secret, the unguessable segment of their path.
    ...(e.PUSH_SECRET
      ? {
          push: {
            secret: e.PUSH_SECRET,
            /** CIDR lists per marketplace; empty = every source allowed. */
            allowedIps: Object.fromEntries(
              pushEndpoints.map((p) => [
                p.marketplace,
                (e as Parsed)[p.allowedIpsVariable] as string[],
              ]),
            ),
            trustProxy: e.TRUST_PROXY,
          },
        }
      : {}),
    dataDir: e.DATA_DIR,
    /** Set: all state in this PostgreSQL database instead of DATA_DIR's SQLite file. */
    databaseUrl: e.DATABASE_URL,
    /** With DATABASE_URL: how long a lease lasts without a heartbeat (renewed every third). */
    leaseMs: e.LEASE_SECONDS * 1000,
    /** This process among several on one database (leases, /status, /healthz). */
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    pollIntervalMs: e.POLL_INTERVAL_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
    language: e.BOT_LANGUAGE,
    /** Staff messages starting with it stay in Telegram. */
    notePrefix: e.NOTE_PREFIX,
    /** Minutes a buyer may wait before a reminder; 0 = no reminders at all. */
    reminderMinutes: e.REMINDER_MINUTES,
    /** Usernames mentioned in reminders when a chat has no owner. */
    onDuty: e.ON_DUTY,
    /** Minutes of waiting after which SUPERVISORS are mentioned; 0 = never. */
    escalateMinutes: e.ESCALATE_MINUTES,
    supervisors: e.SUPERVISORS,
    /** The staff's time zone: reply deadlines are shown in it, working hours read in it. */
    timeZone: e.TIMEZONE,
    workingHours: workingHours(e.WORKING_HOURS, e.TIMEZONE),
    /** Sent to a buyer who writes outside working hours, once per off-hours period. */
    ...(e.OFF_HOURS_REPLY ? { offHoursReply: e.OFF_HOURS_REPLY } : {}),
    /** Days without a message after which a chat's topic is closed; 0 = never. */
    autoCloseDays: e.AUTO_CLOSE_DAYS,
    /** When the daily digest is posted, in minutes after midnight (staff time); none if unset. */
    digestMinutes: e.DIGEST_TIME,
  };
});

export type Config = z.infer<typeof configSchema>;
export type AccountConfig = ConfiguredAccount;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(withoutEmpty(env));
  if (parsed.success) return parsed.data;
  // A problem with one variable names it; the others are whole lines already.
  throw new ConfigError(
    parsed.error.issues.map(({ path, message }) =>
      path.length > 0 ? `${path.join(".")}: ${message}` : message,
    ),
  );
}

/**
 * The account as the bridge uses it, with a name and a staff group. Its id keys the account's
 * state, so it comes from the shop's own id and survives a rename.
 */
function account(entry: AccountEntry, staff: number): ConfiguredAccount {
  const connector = connectorFor(entry.marketplace);
  return {
    ...entry,
    id: connector.account(entry).id,
    name: entry.name ?? connector.title,
    staffChatId: entry.staffChatId ?? staff,
  };
}

/** What to set: each marketplace's variables, the accounts file, then the simulated shop. */
function noAccount(): string {
  const real = connectors.filter((c) => !c.simulated).map((c) => c.setup);
  const simulated = connectors.filter((c) => c.simulated).map((c) => c.setup);
  const trying = simulated.length > 0 ? ` (or ${simulated.join(", or ")})` : "";
  return `No marketplace account: set ${[...real, "ACCOUNTS_FILE"].join(", or ")}${trying}`;
}

function readAccountsFile(path: string, problems: string[]): AccountEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "not valid JSON";
    problems.push(`ACCOUNTS_FILE: cannot read ${path} (${reason})`);
    return [];
  }
  // Either a bare array or {"accounts": [...]}; anything else has no entries to name.
  const list = Array.isArray(raw) ? raw : (raw as { accounts?: unknown } | null)?.accounts;
  if (!Array.isArray(list)) {
    problems.push('ACCOUNTS_FILE: expected a JSON array of accounts, or {"accounts": [...]}');
    return [];
  }
  const parsed = z.array(fileAccount).safeParse(list);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = issue.path
        .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
        .join("")
        .replace(/^\./, "");
      problems.push(`ACCOUNTS_FILE ${where || "(whole file)"}: ${issue.message}`);
    }
    return [];
  }
  return parsed.data as AccountEntry[];
}

/** postgres:// or postgresql:// (the host may be a socket directory, in `?host=`). */
function databaseUrl(value: string): boolean {
  return URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol);
}

/** The password in DATABASE_URL, as written and as the server gets it. */
function databasePassword(url: string | undefined): string[] {
  const password = url === undefined ? "" : new URL(url).password;
  if (password === "") return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}

/** Every value that must never reach a log line or a staff message. */
export function secretsOf(config: Config): string[] {
  return [
    config.telegram.token,
    ...config.accounts.flatMap((a) => connectorFor(a.marketplace).account(a).secrets),
    ...(config.push ? [config.push.secret] : []),
    ...databasePassword(config.databaseUrl),
  ];
}
