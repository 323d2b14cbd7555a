// What a Wildberries API token says about itself. WB tokens are JWTs (RFC 7519); the bridge
// reads their claims WITHOUT verifying the signature (it has no key, and WB checks it on every
// call anyway), only to tell staff facts early: when the token expires, which type it is (a
// Basic token gets 1 request per hour on the chat methods, WILDBERRIES-CHAT.md §3), and whether
// it carries the buyers chat category at all.
//
// The claims come from WB's knowledge base, not from the OpenAPI files (which say nothing about
// the token's content): "Декодирование и проверка токенов WB API" and "Работа с токенами для
// партнёрских сервисов" (dev.wildberries.ru/knowledge-base, 2026-04). Relied on:
// - `exp`: expiry, a NumericDate (seconds since the epoch). A value of millisecond size is read
//   as milliseconds.
// - `acc`: token type, 1 Базовый (basic), 2 Тестовый (test, sandbox only), 3 Персональный
//   (personal), 4 Сервисный (service). Any other value or none: type "unknown".
// - `t`: true on test tokens (a test token is reported as such even without `acc`).
// - `s`: bitmask of categories, bit n meaning `1 << n`: 1 Контент, 2 Аналитика, 3 Цены и скидки,
//   4 Маркетплейс, 5 Статистика, 6 Продвижение, 7 Вопросы и отзывы, 8 Рекомендации,
//   9 Чат с покупателями, 10 Поставки, 11 Возвраты покупателями, 12 Документы; bit 30 means
//   read-only. Other bits are reported as "bit N". Absent or not an integer: "unknown".
// - `sid` (seller UUID), else `oid` (seller id): the seller account, reported as `account`.
// The limit tables also name "Базовый с секретом" (basic with secret): a basic token used by a
// catalogue service together with its service secret. The claims cannot tell it from a plain
// basic token, and this client sends no secret, so `acc: 1` is always "basic" here.
//
// Nothing here ever puts the token (or any part of it) into a message.

export type WbTokenType = "basic" | "test" | "personal" | "service" | "unknown";

export interface WbTokenInfo {
  /** The value has the three base64url parts of a JWT with a JSON object as payload. */
  isJwt: boolean;
  /** From `exp`; undefined when unknown. */
  expiresAt: Date | undefined;
  type: WbTokenType;
  /** Category names from `s` (see CATEGORY_BITS), or "unknown". */
  categories: readonly string[] | "unknown";
  /** Whether `s` has the buyers chat bit (9); "unknown" without `s`. */
  buyerChat: boolean | "unknown";
  /** Bit 30 of `s`: the token cannot change anything (sending is a change). */
  readOnly: boolean | "unknown";
  /** The seller account (`sid`, else `oid`), for telling tokens of one account apart; not secret. */
  account: string | undefined;
}

/** The category name the chat methods need (`x-category: buyerchat`, ref §2). */
export const BUYER_CHAT_CATEGORY = "Чат с покупателями";

const BUYER_CHAT_BIT = 9;
const READ_ONLY_BIT = 30;
const CATEGORY_BITS: Record<number, string> = {
  1: "Контент",
  2: "Аналитика",
  3: "Цены и скидки",
  4: "Маркетплейс",
  5: "Статистика",
  6: "Продвижение",
  7: "Вопросы и отзывы",
  8: "Рекомендации",
  [BUYER_CHAT_BIT]: BUYER_CHAT_CATEGORY,
  10: "Поставки",
  11: "Возвраты покупателями",
  12: "Документы",
};
const TYPE_BY_ACC: Record<number, WbTokenType> = {
  1: "basic",
  2: "test",
  3: "personal",
  4: "service",
};
// A NumericDate beyond this is in milliseconds (1e11 s is the year 5138, 1e11 ms is 1973).
const MS_THRESHOLD = 100_000_000_000;

const UNKNOWN: WbTokenInfo = {
  isJwt: false,
  expiresAt: undefined,
  type: "unknown",
  categories: "unknown",
  buyerChat: "unknown",
  readOnly: "unknown",
  account: undefined,
};

/**
 * The token as the Authorization header carries it. WB's own scheme is the bare token (apiKey
 * in `Authorization`, ref §2, §11.1); a value pasted with the "Bearer " of the mirror's scheme
 * is taken without it, so either spelling in the configuration sends the same header.
 */
export function bareToken(value: string): string {
  return value.trim().replace(/^bearer\s+/i, "");
}

/** Reads the claims (signature not checked); every fact it cannot read is "unknown". */
export function readWbToken(token: string): WbTokenInfo {
  const payload = jwtPayload(bareToken(token));
  if (payload === undefined) return { ...UNKNOWN };
  const mask = bitmask(payload.s);
  const acc = typeof payload.acc === "number" ? TYPE_BY_ACC[payload.acc] : undefined;
  const type: WbTokenType = acc ?? (payload.t === true ? "test" : "unknown");
  return {
    isJwt: true,
    expiresAt: expiry(payload.exp),
    type,
    categories: mask === undefined ? "unknown" : categoriesOf(mask),
    buyerChat: mask === undefined ? "unknown" : hasBit(mask, BUYER_CHAT_BIT),
    readOnly: mask === undefined ? "unknown" : hasBit(mask, READ_ONLY_BIT),
    account: accountOf(payload),
  };
}

/** Expired at `now`; "unknown" when the token names no expiry. */
export function isExpired(info: WbTokenInfo, now = Date.now()): boolean | "unknown" {
  return info.expiresAt === undefined ? "unknown" : info.expiresAt.getTime() <= now;
}

/** One line for logs and staff: type, expiry, categories. Never contains the token. */
export function describeWbToken(info: WbTokenInfo): string {
  if (!info.isJwt) return "not a JWT: type, expiry and categories unknown";
  const type = info.type === "unknown" ? "type unknown" : `${info.type} token`;
  const expires =
    info.expiresAt === undefined ? "expiry unknown" : `expires ${info.expiresAt.toISOString()}`;
  const categories =
    info.categories === "unknown"
      ? "categories unknown"
      : `categories: ${info.categories.join(", ") || "none"}`;
  const mode = info.readOnly === true ? ", read-only" : "";
  return `${type}, ${expires}, ${categories}${mode}`;
}

/**
 * What the claims say will go wrong with the chat methods, in words for staff (empty when
 * nothing is known to be wrong). Unknown facts are not problems: WB's answer will tell.
 */
export function tokenProblems(info: WbTokenInfo, now = Date.now()): string[] {
  const problems: string[] = [];
  if (isExpired(info, now) === true) {
    problems.push(
      `the token expired on ${info.expiresAt?.toISOString()}: create a new one in the seller portal (Настройки → Доступ к API)`,
    );
  }
  if (info.buyerChat === false) {
    problems.push(
      `the token lacks the "${BUYER_CHAT_CATEGORY}" (buyers chat) category: create a token with it`,
    );
  }
  if (info.readOnly === true) {
    problems.push("the token is read-only: messages to buyers cannot be sent with it");
  }
  if (info.type === "test") {
    problems.push("a test token works only in WB's sandbox, and the buyers chat has none");
  }
  if (info.type === "basic") {
    problems.push(
      "a basic token may call each chat method once per hour (downloads: 10 per hour): a personal token is needed for a live chat",
    );
  }
  return problems;
}

function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+={0,2}$/.test(p))) {
    return undefined;
  }
  try {
    const json: unknown = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8"));
    return typeof json === "object" && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function expiry(value: unknown): Date | undefined {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return undefined;
  const ms = value >= MS_THRESHOLD ? value : value * 1000;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function bitmask(value: unknown): bigint | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  return undefined;
}

function hasBit(mask: bigint, bit: number): boolean {
  return (mask & (1n << BigInt(bit))) !== 0n;
}

function categoriesOf(mask: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if (bit === READ_ONLY_BIT || !hasBit(mask, bit)) continue;
    names.push(CATEGORY_BITS[bit] ?? `bit ${bit}`);
  }
  return names;
}

function accountOf(payload: Record<string, unknown>): string | undefined {
  for (const key of ["sid", "oid"]) {
    const value = payload[key];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
    if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  }
  return undefined;
}
