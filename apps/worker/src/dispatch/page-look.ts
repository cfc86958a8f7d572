// When the dispatcher looks for bulk messages to group into a page. A page is due when a full
// page waits or the oldest waiting message is older than the page delay; looking is a query on
// `messages`, and on every wake-up (one per accepting turn: ~100 a second at 100 paged REST
// singles a second) it cost PostgreSQL more than the accepts it followed. A look tells how many
// wait and how old the oldest is; the wake-ups after it announce how many more came
// (`pages=<n>`). So the next look is when those could fill a page, when the oldest comes of age,
// when a wake-up does not say how many (a page ended, a sender that does not count), `pollMs`
// after a look that found a page due but no room for it (room comes back without a wake-up), and
// at the latest `maxGapMs` after the last look (scheduled messages coming due, a lost notification).

export class PageLook {
  /** Messages waiting at the last look (at most a page: the look counts no further). */
  private waiting = 0;
  private announced = 0;
  /** Wake-ups that did not say how many (the first look is one). */
  private unknown = 1;
  private nextAt = 0;
  /** What the look under way covers: what was announced before its query. */
  private covering = { announced: 0, unknown: 0 };

  constructor(
    private readonly pageSize: number,
    private readonly pageDelayMs: number,
    private readonly pollMs: number,
    private readonly maxGapMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A wake-up announced `count` more paged messages; null: something changed, count unknown. */
  announce(count: number | null): void {
    if (count === null) this.unknown += 1;
    else this.announced += count;
  }

  /** Whether a page may be due now, so the dispatcher should look. */
  due(): boolean {
    return this.unknown > 0 || this.waiting + this.announced >= this.pageSize || this.now() >= this.nextAt;
  }

  /** Called before a look's query: what was announced until now, the look will see. */
  looking(): void {
    this.covering = { announced: this.announced, unknown: this.unknown };
  }

  /** Whether what a look found makes a page due: a full page, or the oldest past the page delay. */
  pageDue(found: { count: number; oldestMs: number }): boolean {
    return found.count >= this.pageSize || (found.count > 0 && found.oldestMs >= this.pageDelayMs);
  }

  /**
   * What a look found and left waiting: `count` messages (the oldest `oldestMs` old) not due as a
   * page yet, or due but with no room for another page now (`blocked`: look again soon, since
   * room comes back without a wake-up).
   */
  looked(found: { count: number; oldestMs: number }, blocked = false): void {
    // Announced while the query ran: not seen by it, still to count.
    this.announced -= this.covering.announced;
    this.unknown -= this.covering.unknown;
    this.covering = { announced: 0, unknown: 0 };
    this.waiting = found.count;
    // Not due yet (pageDue): the oldest comes of age after the rest of the page delay.
    const untilDue = blocked ? this.pollMs : found.count === 0 ? this.maxGapMs : Math.max(0, this.pageDelayMs - found.oldestMs);
    this.nextAt = this.now() + Math.min(this.maxGapMs, untilDue);
  }
}
