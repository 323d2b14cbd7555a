// Every marketplace the bridge knows. A new one is a folder under src/providers/ with a
// connector.ts, plus its line here. The order is the order of ACCOUNTS_FILE's error line, of the
// accounts the environment describes, and of the "No marketplace account" suggestions.

import type { Connector } from "./connector.ts";
import { ozon } from "./ozon/connector.ts";
import { sandbox } from "./sandbox/connector.ts";
import { wildberries } from "./wildberries/connector.ts";
import { yandex } from "./yandex/connector.ts";

export const connectors: readonly Connector[] = [ozon, yandex, wildberries, sandbox];

/** The push endpoints: each marketplace that has one, with its parser and allow-list variable. */
export const pushEndpoints = connectors.flatMap((c) =>
  c.push ? [{ marketplace: c.marketplace, ...c.push }] : [],
);

/** The connector of `marketplace`; config accepts no account of any other. */
export function connectorFor(marketplace: string): Connector {
  const found = connectors.find((c) => c.marketplace === marketplace);
  if (!found) throw new Error(`no connector for marketplace "${marketplace}"`);
  return found;
}
