// The built-in simulated shop: MARKETPLACE_SANDBOX=1, or ACCOUNTS_FILE entries
// {"marketplace": "sandbox", "name"} (each name a shop of its own). No credentials, no pushes.

import { z } from "zod";
import { TOPIC_ICON_COLORS } from "../../bridge/account.ts";
import { accountEntry, type Connector } from "../connector.ts";
import { SandboxProvider } from "./provider.ts";

const entry = accountEntry("sandbox", {});

const env = {
  MARKETPLACE_SANDBOX: z.stringbool({ error: "1 or 0" }).default(false),
};

export const sandbox: Connector<z.output<typeof entry>, typeof env> = {
  marketplace: "sandbox",
  title: "Sandbox",
  iconColor: TOPIC_ICON_COLORS.green,
  aliases: ["sandbox", "песочница"],
  words: {
    ru: {
      startNumbers: {
        order: { what: "заказа в песочнице", example: "12345678" },
        return: { what: "возврата в песочнице", example: "123" },
      },
    },
    en: {
      startNumbers: {
        order: { what: "sandbox order", example: "12345678" },
        return: { what: "sandbox return", example: "123" },
      },
    },
  },
  env,
  setup: "MARKETPLACE_SANDBOX=1 to try the bot with a simulated shop",
  simulated: true,
  fromEnv: (e) => (e.MARKETPLACE_SANDBOX ? { marketplace: "sandbox" } : undefined),
  entry,
  // Named sandboxes are separate shops with separate state.
  account: (a) => ({
    id: a.name ? `sandbox-${a.name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-")}` : "sandbox",
    secrets: [],
  }),
  provider: (a) => new SandboxProvider({ name: a.name }),
};
