// Environment (+ optional accounts file) → typed, validated configuration. Problems are
// collected and reported one per line, naming the variable or file entry and what is expected,
// never echoing a value (they may be secrets).
import { readFileSync } from "node:fs";
import { z } from "zod";
import { errorText } from "./bridge/errors.ts";
import { parseAllowList } from "./http/ip-allow-list.ts";

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const url = (fallback: string) =>
  z
    .url({ protocol: /^https?$/, error: "an http(s) URL" })
    .default(fallback)
    .transform((u) => u.replace(/\/+$/, ""));

const positiveInt = (fallback: number, what: string) =>
  z.coerce.number({ error: what }).int(what).min(1, what).default(fallback);

const optionalSecret = z.string().trim().min(1).optional();

const DEFAULT_URLS = {
  ozon: "https://api-seller.ozon.ru",
  yandex: "https://api.partner.market.yandex.ru",
};
const DEFAULT_NAMES = { ozon: "Ozon", yandex: "Yandex Market" };

const staffChatId = z
  .union([z.string(), z.number()], {
    error: "required: the id of the staff forum supergroup, like -1001234567890",
  })
  .transform(String)
  .pipe(
    z
      .string()
      .trim()
      .regex(/^-100\d+$/, "a supergroup id starting with -100, like -1001234567890"),
  )
  .transform(Number);

const digits = (what: string) =>
  z
    .union([z.string(), z.number()], { error: `required: ${what}` })
    .transform(String)
    .pipe(z.string().trim().regex(/^\d+$/, what));

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

const secretField = z.string({ error: "required" }).trim().min(1, "required");

/** One entry of ACCOUNTS_FILE. */
const fileAccount = z.discriminatedUnion(
  "marketplace",
  [
    z.object({
      marketplace: z.literal("ozon"),
      name: z.string().trim().min(1).optional(),
      clientId: digits("the numeric Client-Id"),
      apiKey: secretField,
      staffChatId: staffChatId.optional(),
      apiUrl: url(DEFAULT_URLS.ozon),
    }),
    z.object({
      marketplace: z.literal("sandbox"),
      name: z.string().trim().min(1).optional(),
      staffChatId: staffChatId.optional(),
    }),
    z.object({
      marketplace: z.literal("yandex"),
      name: z.string().trim().min(1).optional(),
      businessId: digits("the numeric business (cabinet) id"),
      apiKey: secretField,
      staffChatId: staffChatId.optional(),
      apiUrl: url(DEFAULT_URLS.yandex),
    }),
  ],
  { error: 'one of "ozon", "yandex" or "sandbox"' },
);

const envSchema = z.object({
  TELEGRAM_BOT_TOKEN: z
    .string({ error: "required: the bot token from @BotFather (123456:ABC…)" })
    .trim()
    .regex(/^\d+:\S+$/, "a bot token from @BotFather, like 123456789:AAE…"),
  TELEGRAM_STAFF_CHAT_ID: staffChatId,
  TELEGRAM_API_ROOT: url("https://api.telegram.org"),
  TELEGRAM_GROUP_MESSAGES_PER_MINUTE: positiveInt(20, "a whole number of messages ≥ 1"),
  OZON_CLIENT_ID: z
    .string()
    .trim()
    .regex(/^\d+$/, "the numeric Client-Id from the Ozon seller cabinet")
    .optional(),
  OZON_API_KEY: optionalSecret,
  OZON_API_URL: url(DEFAULT_URLS.ozon),
  YANDEX_API_KEY: optionalSecret,
  YANDEX_BUSINESS_ID: z
    .string()
    .trim()
    .regex(/^\d+$/, "the numeric business (cabinet) id from the Yandex Market cabinet")
    .optional(),
  YANDEX_API_URL: url(DEFAULT_URLS.yandex),
  ACCOUNTS_FILE: z.string().trim().min(1).optional(),
  MARKETPLACE_SANDBOX: z.stringbool({ error: "1 or 0" }).default(false),
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
  OZON_PUSH_ALLOWED_IPS: cidrList,
  YANDEX_PUSH_ALLOWED_IPS: cidrList,
  TRUST_PROXY: z.stringbool({ error: "true or false" }).default(false),
  DATA_DIR: z.string().trim().min(1, "a directory path").default("./data"),
  POLL_INTERVAL_SECONDS: positiveInt(5, "a whole number of seconds ≥ 1"),
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
  ON_DUTY: z
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
    ),
});

/** Empty strings in .env files mean "not set", as in most deployment tools. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") out[key] = value;
  }
  return out;
}

/** Every environment variable the bridge reads (the README and .env.example document each). */
export const ENVIRONMENT_VARIABLES = Object.keys(envSchema.shape);

/** An entry of ACCOUNTS_FILE, or the account a pair of variables describes. */
type AccountEntry = z.infer<typeof fileAccount>;

/**
 * The environment, checked variable by variable, then as a whole: the accounts it describes and
 * the settings in the shape the bridge uses.
 */
const configSchema = envSchema.transform((e, ctx) => {
  const problems: string[] = [];
  const entries: AccountEntry[] = [];

  if (e.OZON_CLIENT_ID || e.OZON_API_KEY) {
    if (!e.OZON_CLIENT_ID) problems.push("OZON_CLIENT_ID: required when OZON_API_KEY is set");
    if (!e.OZON_API_KEY) problems.push("OZON_API_KEY: required when OZON_CLIENT_ID is set");
    if (e.OZON_CLIENT_ID && e.OZON_API_KEY) {
      entries.push({
        marketplace: "ozon",
        clientId: e.OZON_CLIENT_ID,
        apiKey: e.OZON_API_KEY,
        apiUrl: e.OZON_API_URL,
      });
    }
  }
  if (e.YANDEX_API_KEY || e.YANDEX_BUSINESS_ID) {
    if (!e.YANDEX_API_KEY) problems.push("YANDEX_API_KEY: required when YANDEX_BUSINESS_ID is set");
    if (!e.YANDEX_BUSINESS_ID) {
      problems.push("YANDEX_BUSINESS_ID: required when YANDEX_API_KEY is set");
    }
    if (e.YANDEX_API_KEY && e.YANDEX_BUSINESS_ID) {
      entries.push({
        marketplace: "yandex",
        businessId: e.YANDEX_BUSINESS_ID,
        apiKey: e.YANDEX_API_KEY,
        apiUrl: e.YANDEX_API_URL,
      });
    }
  }
  if (e.MARKETPLACE_SANDBOX) entries.push({ marketplace: "sandbox" });
  if (e.ACCOUNTS_FILE) entries.push(...readAccountsFile(e.ACCOUNTS_FILE, problems));
  const accounts = entries.map((entry) => account(entry, e.TELEGRAM_STAFF_CHAT_ID));

  const seen = new Set<string>();
  for (const { id } of accounts) {
    if (seen.has(id)) problems.push(`${id}: configured twice`);
    seen.add(id);
  }
  if (accounts.length === 0 && problems.length === 0) {
    problems.push(
      "No marketplace account: set OZON_CLIENT_ID and OZON_API_KEY, or YANDEX_API_KEY and YANDEX_BUSINESS_ID, or ACCOUNTS_FILE (or MARKETPLACE_SANDBOX=1 to try the bot with a simulated shop)",
    );
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
            allowedIps: { ozon: e.OZON_PUSH_ALLOWED_IPS, yandex: e.YANDEX_PUSH_ALLOWED_IPS },
            trustProxy: e.TRUST_PROXY,
          },
        }
      : {}),
    dataDir: e.DATA_DIR,
    pollIntervalMs: e.POLL_INTERVAL_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
    language: e.BOT_LANGUAGE,
    /** Staff messages starting with it stay in Telegram. */
    notePrefix: e.NOTE_PREFIX,
    /** Minutes a buyer may wait before a reminder; 0 = no reminders at all. */
    reminderMinutes: e.REMINDER_MINUTES,
    /** Usernames mentioned in reminders. */
    onDuty: e.ON_DUTY,
  };
});

export type Config = z.infer<typeof configSchema>;
export type AccountConfig = Config["accounts"][number];

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
function account(entry: AccountEntry, staff: number) {
  const staffChatId = entry.staffChatId ?? staff;
  switch (entry.marketplace) {
    case "ozon":
      return {
        ...entry,
        id: `ozon-${entry.clientId}`,
        name: entry.name ?? DEFAULT_NAMES.ozon,
        staffChatId,
      };
    case "yandex":
      return {
        ...entry,
        id: `yandex-${entry.businessId}`,
        name: entry.name ?? DEFAULT_NAMES.yandex,
        staffChatId,
      };
    case "sandbox": {
      // Named sandboxes in ACCOUNTS_FILE are separate shops with separate state.
      const id = entry.name
        ? `sandbox-${entry.name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-")}`
        : "sandbox";
      return { ...entry, id, name: entry.name ?? "Sandbox", staffChatId };
    }
  }
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
  return parsed.data;
}

/** Every value that must never reach a log line or a staff message. */
export function secretsOf(config: Config): string[] {
  return [
    config.telegram.token,
    ...config.accounts.flatMap((a) => ("apiKey" in a ? [a.apiKey] : [])),
    ...(config.push ? [config.push.secret] : []),
  ];
}
