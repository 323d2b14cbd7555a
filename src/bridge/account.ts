import type { Logger } from "../logger.ts";
import type { MarketplaceProvider } from "./provider.ts";

/** One connected marketplace account (shop or cabinet) and where its topics live. */
export interface Account {
  /** Stable key in state. */
  id: string;
  /** Display name; shown in topics only when several accounts share a group. */
  name: string;
  staffChatId: number;
  provider: MarketplaceProvider;
  /** Whether staff need the account name to tell shops apart. */
  showName: boolean;
  /** The bridge's log, with every line naming this account. */
  log: Logger;
  /** How push notifications name this account (Yandex businessId, Ozon Client-Id). */
  pushKey?: string;
}

export function accountLabel(account: Account): string {
  const title = account.provider.marketplaceTitle;
  return account.showName && account.name !== title ? `${title} · ${account.name}` : title;
}
