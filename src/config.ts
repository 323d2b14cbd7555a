// Environment → typed, validated configuration. Problems are collected and reported one per
// line, naming the variable and what is expected, never echoing a value (they may be secrets).
import { z } from "zod";

export interface OzonAccountConfig {
  marketplace: "ozon";
  /** Stable key for state: survives renames of the display name. */
  id: string;
  name: string;
  clientId: string;
  apiKey: string;
  apiUrl: string;
}

export type AccountConfig = OzonAccountConfig;

export interface Config {
  telegram: {
    token: string;
    staffChatId: number;
    apiRoot: string;
    groupMessagesPerMinute: number;
  };
  accounts: AccountConfig[];
  dataDir: string;
  pollIntervalMs: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  language: "ru" | "en";
}

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

const envSchema = z.object({
  TELEGRAM_BOT_TOKEN: z
    .string({ error: "required: the bot token from @BotFather (123456:ABC…)" })
    .trim()
    .regex(/^\d+:\S+$/, "a bot token from @BotFather, like 123456789:AAE…"),
  TELEGRAM_STAFF_CHAT_ID: z
    .string({ error: "required: the id of the staff forum supergroup, like -1001234567890" })
    .trim()
    .regex(/^-100\d+$/, "a supergroup id starting with -100, like -1001234567890")
    .transform(Number),
  TELEGRAM_API_ROOT: url("https://api.telegram.org"),
  TELEGRAM_GROUP_MESSAGES_PER_MINUTE: positiveInt(20, "a whole number of messages ≥ 1"),
  OZON_CLIENT_ID: z
    .string()
    .trim()
    .regex(/^\d+$/, "the numeric Client-Id from the Ozon seller cabinet")
    .optional(),
  OZON_API_KEY: optionalSecret,
  OZON_API_URL: url("https://api-seller.ozon.ru"),
  DATA_DIR: z.string().trim().min(1, "a directory path").default("./data"),
  POLL_INTERVAL_SECONDS: positiveInt(5, "a whole number of seconds ≥ 1"),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
  BOT_LANGUAGE: z.enum(["ru", "en"], { error: "ru or en" }).default("ru"),
});

/** Empty strings in .env files mean "not set", as in most deployment tools. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") out[key] = value;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const accounts: AccountConfig[] = [];

  if (e.OZON_CLIENT_ID || e.OZON_API_KEY) {
    if (!e.OZON_CLIENT_ID) problems.push("OZON_CLIENT_ID: required when OZON_API_KEY is set");
    if (!e.OZON_API_KEY) problems.push("OZON_API_KEY: required when OZON_CLIENT_ID is set");
    if (e.OZON_CLIENT_ID && e.OZON_API_KEY) {
      accounts.push({
        marketplace: "ozon",
        id: `ozon-${e.OZON_CLIENT_ID}`,
        name: "Ozon",
        clientId: e.OZON_CLIENT_ID,
        apiKey: e.OZON_API_KEY,
        apiUrl: e.OZON_API_URL,
      });
    }
  }
  if (accounts.length === 0 && problems.length === 0) {
    problems.push("No marketplace account: set OZON_CLIENT_ID and OZON_API_KEY");
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    telegram: {
      token: e.TELEGRAM_BOT_TOKEN,
      staffChatId: e.TELEGRAM_STAFF_CHAT_ID,
      apiRoot: e.TELEGRAM_API_ROOT,
      groupMessagesPerMinute: e.TELEGRAM_GROUP_MESSAGES_PER_MINUTE,
    },
    accounts,
    dataDir: e.DATA_DIR,
    pollIntervalMs: e.POLL_INTERVAL_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
    language: e.BOT_LANGUAGE,
  };
}

/** Every value that must never reach a log line or a staff message. */
export function secretsOf(config: Config): string[] {
  return [config.telegram.token, ...config.accounts.map((a) => a.apiKey)];
}
