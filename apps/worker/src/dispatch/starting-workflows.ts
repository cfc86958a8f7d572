// Admission for messages' own sendMessage workflows: the dispatcher starts at most `max` that
// have not yet handed their message to a carrier. Started faster than the workers run them,
// workflows pile up as tasks on the Temporal server, where every one costs polling, timeouts and
// history while none gets further (on the 2-core bench machine, 50 OTP a second offered to an
// unbounded dispatcher were carried at 19 a second; BENCHMARKS.md, `otp-latency`). Bounded, the
// backlog waits as start intents in PostgreSQL, which cost nothing until their turn, and OTP
// still goes first (intents are leased by rank). Per dispatcher, like the pages it follows.

/** Which of these messages are still waiting for their first submit (the rest are gone from the count). */
export type StillStarting = (messageIds: string[]) => Promise<string[]>;

/** A started workflow not seen to submit within this is no longer counted (stopped, or waiting for a slow carrier's slot). */
export const FORGET_AFTER_MS = 60_000;

export class StartingWorkflows {
  private readonly started = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly stillStarting: StillStarting,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many more workflows may start now; when the count is full, first asks which have submitted since. */
  async room(): Promise<number> {
    if (this.started.size >= this.max) await this.refresh();
    return Math.max(0, this.max - this.started.size);
  }

  add(messageIds: string[]): void {
    const at = this.now();
    for (const id of messageIds) this.started.set(id, at);
  }

  get size(): number {
    return this.started.size;
  }

  private async refresh(): Promise<void> {
    const cutoff = this.now() - FORGET_AFTER_MS;
    for (const [id, at] of this.started) if (at < cutoff) this.started.delete(id);
    if (this.started.size === 0) return;
    const still = new Set(await this.stillStarting([...this.started.keys()]));
    for (const id of this.started.keys()) if (!still.has(id)) this.started.delete(id);
  }
}
