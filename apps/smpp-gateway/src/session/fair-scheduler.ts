// Runs at most `concurrency` tasks at once (the scrypt password checks of binds). One key
// (source address) holds at most `concurrency - 1` of them, so a slot is always left for
// another address, and waiting keys are served in turn: an address flooding binds waits behind
// its own queue while a bind from elsewhere starts at once.
export class FairScheduler {
  private running = 0;
  private readonly runningPerKey = new Map<string, number>();
  /** Waiting tasks per key; Map order is the round-robin order. */
  private readonly queues = new Map<string, (() => void)[]>();
  private readonly maxPerKey: number;

  constructor(private readonly concurrency: number) {
    this.maxPerKey = Math.max(1, concurrency - 1);
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (this.canStart(key)) {
      this.start(key);
    } else {
      await new Promise<void>((resolve) => {
        const queue = this.queues.get(key) ?? [];
        queue.push(resolve);
        this.queues.set(key, queue);
      });
    }
    try {
      return await task();
    } finally {
      this.finish(key);
    }
  }

  private canStart(key: string): boolean {
    return this.running < this.concurrency && (this.runningPerKey.get(key) ?? 0) < this.maxPerKey;
  }

  private start(key: string): void {
    this.running += 1;
    this.runningPerKey.set(key, (this.runningPerKey.get(key) ?? 0) + 1);
  }

  private finish(key: string): void {
    this.running -= 1;
    const left = (this.runningPerKey.get(key) ?? 1) - 1;
    if (left <= 0) this.runningPerKey.delete(key);
    else this.runningPerKey.set(key, left);
    this.wake();
  }

  /** Fills free slots from the waiting keys in turn; a served key goes to the back of the line. */
  private wake(): void {
    for (;;) {
      let chosen: string | undefined;
      for (const key of this.queues.keys()) {
        if (this.canStart(key)) {
          chosen = key;
          break;
        }
      }
      if (chosen === undefined) return;
      const queue = this.queues.get(chosen)!;
      const resume = queue.shift()!;
      this.queues.delete(chosen);
      if (queue.length > 0) this.queues.set(chosen, queue);
      this.start(chosen);
      resume();
    }
  }

  get waiting(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }
}
