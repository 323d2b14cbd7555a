// Wildberries buyers chat: one account per API token (category "Чат с покупателями"), settings
// WB_* or ACCOUNTS_FILE entries {"marketplace": "wildberries", "token"}. Polled only: WB has no
// push for the buyers chat.

import { createHash } from "node:crypto";
import type { z } from "zod";
import { TOPIC_ICON_COLORS } from "../../bridge/account.ts";
import {
  accountEntry,
  type Connector,
  httpUrl,
  optionalSecret,
  secretField,
} from "../connector.ts";
import { WB_REFUSALS, WILDBERRIES_API_URL } from "./client.ts";
import { WildberriesProvider } from "./provider.ts";
import { bareToken, readWbToken, tokenProblems } from "./token.ts";

const entry = accountEntry("wildberries", {
  token: secretField,
  apiUrl: httpUrl(WILDBERRIES_API_URL),
});

const env = {
  WB_API_TOKEN: optionalSecret,
  WB_API_URL: httpUrl(WILDBERRIES_API_URL),
};

/** The seller account the token names (a claim, not secret), else a short hash of the token. */
function accountKey(token: string): string {
  const seller = readWbToken(token).account;
  if (seller !== undefined && /^[A-Za-z0-9-]{1,64}$/.test(seller)) return seller;
  return createHash("sha256").update(bareToken(token)).digest("hex").slice(0, 12);
}

export const wildberries: Connector<z.output<typeof entry>, typeof env> = {
  marketplace: "wildberries",
  title: "Wildberries",
  iconColor: TOPIC_ICON_COLORS.violet,
  aliases: ["wb", "вб", "wildberries"],
  // Only buyers open chats here. A 403 is a token without the buyers chat category or a
  // read-only one (WILDBERRIES-CHAT §2, §4); files: JPEG, PNG, PDF up to 5 MB (§9).
  words: {
    ru: {
      startNumbers: {},
      sendForbidden:
        "Обычно это значит, что у токена нет категории «Чат с покупателями» или он только для чтения: создайте новый токен в кабинете продавца (Настройки → Доступ к API).",
      refusals: {
        [WB_REFUSALS.moderation]: "Wildberries не пропустил файл на модерации",
        [WB_REFUSALS.acceptedFiles]:
          "Wildberries принимает только файлы JPEG, PNG и PDF не больше 5 МБ.",
      },
    },
    en: {
      startNumbers: {},
      sendForbidden:
        "Usually the token lacks the buyers chat category (Чат с покупателями) or is read-only: create a new token in the seller portal (Settings → API access).",
      refusals: {
        [WB_REFUSALS.moderation]: "Wildberries moderation refused the file",
        [WB_REFUSALS.acceptedFiles]:
          "Wildberries accepts only JPEG, PNG and PDF files of at most 5 MB.",
      },
    },
  },
  env,
  setup: "WB_API_TOKEN",
  fromEnv(e) {
    if (!e.WB_API_TOKEN) return undefined;
    return { marketplace: "wildberries", token: e.WB_API_TOKEN, apiUrl: e.WB_API_URL };
  },
  entry,
  // The token as configured and as sent (without a pasted "Bearer "): neither may be logged.
  account: (a) => ({
    id: `wildberries-${accountKey(a.token)}`,
    secrets: [...new Set([a.token, bareToken(a.token)])],
  }),
  provider: (a) => new WildberriesProvider({ token: a.token, apiUrl: a.apiUrl }),
  warnings: (a) => tokenProblems(readWbToken(a.token)),
};
