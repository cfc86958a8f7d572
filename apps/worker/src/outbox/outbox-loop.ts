// The loop every outbox consumer of the worker runs (workflow starts, conversation signals,
// webhooks): woken by NOTIFY on its channel and by a short poll, one round at a time (a wake-up
// during a round asks for another), again at once while a round says more may be waiting, and
// backing off exponentially after a failed round (the work waits in PostgreSQL meanwhile).
import type { Logger } from 'pino';
import { listenForNotifications, NotificationListener } from '@app/db';

export interface OutboxLoopOptions {
  databaseUrl: string;
  /** NOTIFY channel that says work is due. */
  channel: string;
  /** PostgreSQL application_name of the LISTEN connection. */
  applicationName: string;
  pollMs: number;
  maxBackoffMs: number;
  logger: Logger;
  /** Logged (warn) with the error when a round fails. */
  failureMessage: string;
  /** Sees each notification's payload before the wake-up it causes (what the sender says is due). */
  onNotify?: (payload: string) => void;
  /** One round of work; answers true when more may be waiting at once. Throws to back off. */
  round: () => Promise<boolean>;
}

export class OutboxLoop {
  private timer?: NodeJS.Timeout;
  private listener?: NotificationListener;
  private running = false;
  private again = false;
  private stopped = false;
  /** After a failed round: no new round before this time. */
  private pausedUntil = 0;
  private failures = 0;

  constructor(private readonly options: OutboxLoopOptions) {}

  async start(): Promise<void> {
    const { logger, channel } = this.options;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.listener = await listenForNotifications({
      databaseUrl: this.options.databaseUrl,
      channel,
      applicationName: this.options.applicationName,
      onNotify: (payload) => {
        this.options.onNotify?.(payload);
        this.wake();
      },
      onLost: (err) => logger.warn({ err: err.message, channel }, 'listener lost; reconnecting (polling meanwhile)'),
    });
    this.wake();
  }

  /** Runs a round now, or right after the one under way. */
  wake(): void {
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.stopped || Date.now() < this.pausedUntil) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        if (await this.options.round()) this.again = true;
      } while (this.again && !this.stopped && Date.now() >= this.pausedUntil);
      this.failures = 0;
    } catch (err) {
      this.failures += 1;
      const delay = Math.min(this.options.maxBackoffMs, 100 * 2 ** this.failures);
      this.pausedUntil = Date.now() + delay;
      this.options.logger.warn({ err: (err as Error).message, retryInMs: delay }, this.options.failureMessage);
    } finally {
      this.running = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.listener?.close();
  }
}
