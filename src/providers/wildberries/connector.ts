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
import { WILDBERRIES_API_URL } from "./client.ts";
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
