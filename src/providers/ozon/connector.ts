// Ozon Seller API: one account per Client-Id, settings OZON_* or ACCOUNTS_FILE entries
// {"marketplace": "ozon", "clientId", "apiKey"}, pushes at /push/<secret>/ozon.

import type { z } from "zod";
import { TOPIC_ICON_COLORS } from "../../bridge/account.ts";
import {
  accountEntry,
  type Connector,
  digits,
  httpUrl,
  optionalDigits,
  optionalSecret,
  secretField,
} from "../connector.ts";
import { OZON_API_URL } from "./client.ts";
import { OzonProvider } from "./provider.ts";
import { ozonPush } from "./push.ts";

const entry = accountEntry("ozon", {
  clientId: digits("the numeric Client-Id"),
  apiKey: secretField,
  apiUrl: httpUrl(OZON_API_URL),
});

const env = {
  OZON_CLIENT_ID: optionalDigits("the numeric Client-Id from the Ozon seller cabinet"),
  OZON_API_KEY: optionalSecret,
  OZON_API_URL: httpUrl(OZON_API_URL),
};

/** A posting number as Ozon writes it, the example /new and /help show. */
const POSTING = "47873153-0052-1";

export const ozon: Connector<z.output<typeof entry>, typeof env> = {
  marketplace: "ozon",
  title: "Ozon",
  iconColor: TOPIC_ICON_COLORS.blue,
  aliases: ["ozon", "озон"],
  // The reply windows, the chat start rules and the subscription: CHAT-API-REFERENCE A.2.
  words: {
    ru: {
      startNumbers: { posting: { what: "отправления Ozon", example: POSTING } },
      sendForbidden:
        "Обычно это значит, что закрылось окно ответа (48 ч после последнего сообщения покупателя или 72 ч после доставки) или нет подписки Premium Plus / Premium Pro.",
      startForbidden:
        "Для FBO чат может начать только покупатель; для FBS/rFBS — в течение 72 часов после оплаты или доставки; нужна подписка Premium Plus или Premium Pro.",
    },
    en: {
      startNumbers: { posting: { what: "Ozon posting", example: POSTING } },
      sendForbidden:
        "Usually the reply window has closed (48 h after the buyer's last message or 72 h after delivery) or the Premium Plus / Premium Pro subscription is missing.",
      startForbidden:
        "Only the buyer can start an FBO chat; FBS/rFBS chats within 72 hours after payment or delivery; Premium Plus or Premium Pro is required.",
    },
  },
  env,
  setup: "OZON_CLIENT_ID and OZON_API_KEY",
  fromEnv(e, problems) {
    if (!e.OZON_CLIENT_ID && !e.OZON_API_KEY) return undefined;
    if (!e.OZON_CLIENT_ID) problems.push("OZON_CLIENT_ID: required when OZON_API_KEY is set");
    if (!e.OZON_API_KEY) problems.push("OZON_API_KEY: required when OZON_CLIENT_ID is set");
    if (!e.OZON_CLIENT_ID || !e.OZON_API_KEY) return undefined;
    return {
      marketplace: "ozon",
      clientId: e.OZON_CLIENT_ID,
      apiKey: e.OZON_API_KEY,
      apiUrl: e.OZON_API_URL,
    };
  },
  entry,
  account: (a) => ({ id: `ozon-${a.clientId}`, secrets: [a.apiKey], pushKey: a.clientId }),
  provider: (a) => new OzonProvider({ clientId: a.clientId, apiKey: a.apiKey, apiUrl: a.apiUrl }),
  push: { parser: ozonPush, allowedIpsVariable: "OZON_PUSH_ALLOWED_IPS", readReceipts: true },
};
