// Yandex Market Partner API: one account per business (cabinet), settings YANDEX_* or
// ACCOUNTS_FILE entries {"marketplace": "yandex", "businessId", "apiKey"}, pushes at
// /push/<secret>/yandex (and its /notification form).

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
import { YANDEX_API_URL } from "./client.ts";
import { YandexProvider } from "./provider.ts";
import { yandexPush } from "./push.ts";

const entry = accountEntry("yandex", {
  businessId: digits("the numeric business (cabinet) id"),
  apiKey: secretField,
  apiUrl: httpUrl(YANDEX_API_URL),
});

const env = {
  YANDEX_API_KEY: optionalSecret,
  YANDEX_BUSINESS_ID: optionalDigits(
    "the numeric business (cabinet) id from the Yandex Market cabinet",
  ),
  YANDEX_API_URL: httpUrl(YANDEX_API_URL),
};

const FORBIDDEN_RU =
  "Обычно это значит, что у ключа API нет доступа к чатам (communication или all-methods) или кабинет неактивен.";
const FORBIDDEN_EN =
  "Usually the API key lacks access to chats (the communication or all-methods scope) or the cabinet is inactive.";

export const yandex: Connector<z.output<typeof entry>, typeof env> = {
  marketplace: "yandex",
  title: "Yandex Market",
  iconColor: TOPIC_ICON_COLORS.yellow,
  aliases: ["ym", "yandex", "яндекс", "ям", "market", "маркет"],
  // Market has no reply window; a 403 is a key without a chat scope or an inactive cabinet
  // (CHAT-API-REFERENCE B.1, B.6).
  words: {
    ru: {
      startNumbers: {
        order: { what: "заказа Яндекс Маркета", example: "12345678" },
        return: { what: "возврата Яндекс Маркета", example: "123" },
      },
      sendForbidden: FORBIDDEN_RU,
      startForbidden: FORBIDDEN_RU,
    },
    en: {
      startNumbers: {
        order: { what: "Yandex Market order", example: "12345678" },
        return: { what: "Yandex Market return", example: "123" },
      },
      sendForbidden: FORBIDDEN_EN,
      startForbidden: FORBIDDEN_EN,
    },
  },
  env,
  setup: "YANDEX_API_KEY and YANDEX_BUSINESS_ID",
  fromEnv(e, problems) {
    if (!e.YANDEX_API_KEY && !e.YANDEX_BUSINESS_ID) return undefined;
    if (!e.YANDEX_API_KEY) problems.push("YANDEX_API_KEY: required when YANDEX_BUSINESS_ID is set");
    if (!e.YANDEX_BUSINESS_ID) {
      problems.push("YANDEX_BUSINESS_ID: required when YANDEX_API_KEY is set");
    }
    if (!e.YANDEX_API_KEY || !e.YANDEX_BUSINESS_ID) return undefined;
    return {
      marketplace: "yandex",
      businessId: e.YANDEX_BUSINESS_ID,
      apiKey: e.YANDEX_API_KEY,
      apiUrl: e.YANDEX_API_URL,
    };
  },
  entry,
  account: (a) => ({ id: `yandex-${a.businessId}`, secrets: [a.apiKey], pushKey: a.businessId }),
  provider: (a) =>
    new YandexProvider({ apiKey: a.apiKey, businessId: a.businessId, apiUrl: a.apiUrl }),
  // Market's notifications carry no read events.
  push: { parser: yandexPush, allowedIpsVariable: "YANDEX_PUSH_ALLOWED_IPS", readReceipts: false },
};
