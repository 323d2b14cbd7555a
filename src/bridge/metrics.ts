// What the bridge counts, for /metrics. The bridge only reports events; the HTTP layer decides
// how they are exposed.

export interface BridgeMetrics {
  /** A marketplace message reached its topic. */
  messageIn(marketplace: string): void;
  /** A staff message reached the marketplace. */
  messageOut(marketplace: string): void;
  /** Something failed: a poll, a chat sync, a staff message (by ProviderError kind). */
  failure(marketplace: string, kind: string): void;
  pollDuration(marketplace: string, seconds: number): void;
  pushReceived(marketplace: string, type: string): void;
  /** A buyer's wait ended with an answer after `seconds` (clock time), in `shop` (account id). */
  firstResponse(marketplace: string, shop: string, seconds: number): void;
}

export const noMetrics: BridgeMetrics = {
  messageIn: () => {},
  messageOut: () => {},
  failure: () => {},
  pollDuration: () => {},
  pushReceived: () => {},
  firstResponse: () => {},
};
