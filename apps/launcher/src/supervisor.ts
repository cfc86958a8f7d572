// Keeps one part of the `npm start` stack running: when it dies, the cause (exit code or
// signal) is logged and it is started again on the same port and data, after a backoff that
// doubles with each failure in the window; after too many failures in that window the
// supervisor gives up loudly (the launcher then stops everything and exits non-zero).
import { setTimeout as sleep } from 'node:timers/promises';

export interface ExitCause {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running instance of a supervised part. */
export interface SupervisedRun {
  pid?: number;
  /** Settles when the process ends, for whatever reason. */
  exited: Promise<ExitCause>;
  stop(): Promise<void>;
}

export interface RestartPolicy {
  /** Delay before the first restart; doubled for each further failure within the window. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** More failures than this within `windowMs` and the supervisor gives up. */
  maxRestarts: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, maxRestarts: 5, windowMs: 60_000 };

export interface SupervisorOptions {
  name: string;
  /** Starts one instance and resolves once it is ready (rejects if it is not). */
  start: () => Promise<SupervisedRun>;
  policy: RestartPolicy;
  log: (line: string) => void;
  /** Called once when restarting is abandoned. */
  onGiveUp: (reason: Error) => void;
}

export const describeExit = ({ code, signal }: ExitCause): string => (signal ? `killed by ${signal}` : `exit code ${code}`);

export class Supervisor {
  private current?: SupervisedRun;
  private stopped = false;
  private readonly failures: number[] = [];
  private restarting?: Promise<void>;
  /** Cuts a backoff wait short when the launcher stops. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: SupervisorOptions) {}

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.current?.pid;
  }

  /** The first start: a failure here is a start-up failure, reported to the caller (no restart). */
  async start(): Promise<void> {
    this.current = await this.options.start();
    this.watch(this.current);
  }

  /**
   * Restarts nothing from now on. The launcher holds every part before it stops them one by one:
   * a part that exits before its turn (an app losing a dependency stopped before it) must not be
   * started again during the shutdown.
   */
  hold(): void {
    this.stopped = true;
    this.stopping.abort();
  }

  async stop(): Promise<void> {
    this.hold();
    await this.restarting?.catch(() => undefined);
    await this.current?.stop();
  }

  private watch(run: SupervisedRun): void {
    void run.exited.then((cause) => {
      if (this.stopped || run !== this.current) return;
      this.options.log(`${this.name} (pid ${run.pid ?? '?'}) died: ${describeExit(cause)}`);
      this.restarting = this.restart(`${describeExit(cause)}`);
    });
  }

  private async restart(lastFailure: string): Promise<void> {
    const { policy, log } = this.options;
    for (;;) {
      const now = Date.now();
      this.failures.push(now);
      while (this.failures.length > 0 && now - this.failures[0] > policy.windowMs) this.failures.shift();
      if (this.failures.length > policy.maxRestarts) {
        const reason = new Error(`${this.name} failed ${this.failures.length} times within ${Math.round(policy.windowMs / 1000)} s (last: ${lastFailure}); giving up`);
        log(reason.message);
        this.options.onGiveUp(reason);
        return;
      }
      const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (this.failures.length - 1));
      log(`${this.name}: restart ${this.failures.length} of at most ${policy.maxRestarts} within ${Math.round(policy.windowMs / 1000)} s, in ${delay} ms`);
      await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      if (this.stopped) return;
      try {
        const run = await this.options.start();
        if (this.stopped) {
          await run.stop();
          return;
        }
        this.current = run;
        log(`${this.name} restarted (pid ${run.pid ?? '?'})`);
        this.watch(run);
        return;
      } catch (err) {
        lastFailure = (err as Error).message;
        log(`${this.name} did not restart: ${lastFailure}`);
      }
    }
  }
}
