// Runs at most `concurrency` tasks at once (the scrypt password checks of binds), and when
// tasks wait, serves their keys (source addresses) in turn: one address flooding binds waits
// behind its own queue, while a bind from another address takes the next free slot.
export class FairScheduler {
  private running = 0;
  /** Waiting tasks per key; Map order is the round-robin order. */
  private readonly queues = new Map<string, (() => void)[]>();

  constructor(private readonly concurrency: number) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve) => {
        const queue = this.queues.get(key) ?? [];
        queue.push(resolve);
        this.queues.set(key, queue);
      });
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      this.next();
    }
  }

  /** Hands the freed slot to the first waiting key, which then goes to the back of the line. */
  private next(): void {
    const first = this.queues.entries().next();
    if (first.done) {
      this.running -= 1;
      return;
    }
    const [key, queue] = first.value;
    const wake = queue.shift()!;
    this.queues.delete(key);
    if (queue.length > 0) this.queues.set(key, queue);
    wake();
  }

  get waiting(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }
}
