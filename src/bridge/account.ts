import type { Logger } from "../logger.ts";
import type { MarketplaceProvider } from "./provider.ts";
import type { MarketplaceWords } from "./texts/index.ts";

/** The six topic icon colours Telegram allows (createForumTopic's icon_color). */
export const TOPIC_ICON_COLORS = {
  blue: 0x6fb9f0,
  yellow: 0xffd67e,
  violet: 0xcb86db,
  green: 0x8eee98,
  pink: 0xff93b2,
  red: 0xfb6f5f,
} as const;
export type TopicIconColor = (typeof TOPIC_ICON_COLORS)[keyof typeof TOPIC_ICON_COLORS];

/** One connected marketplace account (shop or cabinet) and where its topics live. */
export interface Account {
  /** Stable key in state. */
  id: string;
  /** Display name; shown in topics only when several accounts share a group. */
  name: string;
  staffChatId: number;
  provider: MarketplaceProvider;
  /** Its topics' icon colour: the marketplace's, so staff tell marketplaces apart at a glance. */
  iconColor: TopicIconColor;
  /** What staff are told about its marketplace alone, in the staff's language. */
  words: MarketplaceWords;
  /** Whether staff need the account name to tell shops apart. */
  showName: boolean;
  /** The bridge's log, with every line naming this account. */
  log: Logger;
  /** How push notifications name this account (Yandex businessId, Ozon Client-Id). */
  pushKey?: string;
}

/** An account whose provider has the ability `A` (see provider.ts). */
export type AccountWith<A> = Account & { provider: MarketplaceProvider & A };

/** The account, typed with the ability `has` checks for, or undefined without it. */
export function withAbility<A>(
  account: Account,
  has: (provider: MarketplaceProvider) => provider is MarketplaceProvider & A,
): AccountWith<A> | undefined {
  return has(account.provider) ? (account as AccountWith<A>) : undefined;
}

export function accountLabel(account: Account): string {
  const title = account.provider.marketplaceTitle;
  return account.showName && account.name !== title ? `${title} · ${account.name}` : title;
}
