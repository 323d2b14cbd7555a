// An hourly allowance of chat-list calls (Yandex: getChats 5 000 per hour per cabinet). The
// poller asks before each listing, so that however many chats an account has, polling slows
// down instead of drawing 420s that would also block sends.

const HOUR_MS = 60 * 60 * 1000;

export class ListBudget {
  private readonly perHour: number;
  private readonly now: () => number;
  private readonly spent: { at: number; calls: number }[] = [];

  /** `share` keeps a margin for other tools of the same cabinet and for our retries. */
  constructor(perHour: number, options: { share?: number; now?: () => number } = {}) {
    this.perHour = Math.floor(perHour * (options.share ?? 0.8));
    this.now = options.now ?? Date.now;
  }

  allows(calls: number): boolean {
    return this.used() + calls <= this.perHour;
  }

  spend(calls: number): void {
    this.spent.push({ at: this.now(), calls });
  }

  private used(): number {
    const since = this.now() - HOUR_MS;
    while (this.spent.length > 0 && (this.spent[0]?.at ?? 0) <= since) this.spent.shift();
    return this.spent.reduce((sum, entry) => sum + entry.calls, 0);
  }
}
