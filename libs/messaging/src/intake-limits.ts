// The limits and fraud rules every accepted message passes, REST or SMPP (README, "Limits,
// quotas and fraud rules"): OTP priority only for entitled accounts, the destination's country
// and number type, then the daily quota and velocity counters in PostgreSQL (shared by every
// replica). The counters of the messages arriving together are added in one statement.
import { UnavailableError } from '@app/contracts';
import type { CounterIncrement } from '@app/db';
import { AccountLimits, destinationRefusal, E164Number, priorityRefusal, usageCounters, usageRefusal } from '@app/domain';

export interface LimitsSource {
  limits(accountId: string): Promise<AccountLimits | null>;
}

export interface CounterStore {
  add(increments: CounterIncrement[]): Promise<Map<string, number>>;
  purgeExpired(): Promise<void>;
}

export interface IntakeLimitsOptions {
  /** How long an account's limits are reused before they are read again (operators' changes apply within it). */
  cacheMs?: number;
  /** How often counters of ended windows are dropped. */
  purgeEveryMs?: number;
  now?: () => number;
}

interface Pending {
  increments: CounterIncrement[];
  resolve: (counts: number[]) => void;
  reject: (err: unknown) => void;
}

export class IntakeLimits {
  private readonly cache = new Map<string, { limits: AccountLimits; at: number }>();
  private pending: Pending[] = [];
  private purgeTimer: NodeJS.Timeout | null = null;
  private readonly cacheMs: number;
  private readonly purgeEveryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly accounts: LimitsSource,
    private readonly counters: CounterStore,
    options: IntakeLimitsOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 5_000;
    this.purgeEveryMs = options.purgeEveryMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  /** The account's limits: those the caller read already (REST reads them with the key), else a recent read. */
  async limitsOf(accountId: string, known?: AccountLimits): Promise<AccountLimits> {
    if (known) return known;
    const cached = this.cache.get(accountId);
    if (cached && this.now() - cached.at < this.cacheMs) return cached.limits;
    let limits: AccountLimits | null;
    try {
      limits = await this.accounts.limits(accountId);
    } catch {
      throw new UnavailableError('database_unavailable', 'The message could not be stored. Retry later.');
    }
    // The account was authenticated a moment ago; gone since, it may send nothing.
    if (!limits) throw new UnavailableError('account_unavailable', 'The account could not be read. Retry later.');
    this.cache.set(accountId, { limits, at: this.now() });
    return limits;
  }

  /** Refusals that need no counting: throws a ForbiddenError naming `priority` or `to`. */
  check(limits: AccountLimits, priority: string, number: E164Number): void {
    const refusal = priorityRefusal(limits, priority) ?? destinationRefusal(limits, number);
    if (refusal) throw refusal;
  }

  /**
   * Counts one message to `e164` against the account's quota and velocity limits; throws a
   * RateLimitedError (429, ESME_RTHROTTLED) when one is over. A refused message counts too:
   * retrying faster does not help. `alsoCount` (a counter with no limit, in the same statement):
   * its count with this message is returned.
   */
  async consume(accountId: string, e164: string, limits: AccountLimits, alsoCount?: (now: number) => { key: string; resetsAt: Date }): Promise<number | undefined> {
    const now = this.now();
    const counters = usageCounters(accountId, e164, limits, now);
    const extra = alsoCount?.(now);
    const increments = counters.map((c) => ({ key: c.key, by: 1, expiresAt: c.resetsAt }));
    const counts = await this.add(extra ? [...increments, { key: extra.key, by: 1, expiresAt: extra.resetsAt }] : increments);
    const refusal = usageRefusal(counters, counts, now);
    if (refusal) throw refusal;
    return extra ? counts[counters.length] : undefined;
  }

  /** Queues increments for the next flush (messages arriving in the same tick share one statement). */
  private add(increments: CounterIncrement[]): Promise<number[]> {
    this.schedulePurge();
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ increments, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.counters.add(batch.flatMap((p) => p.increments)).then(
      (totals) => {
        // Each message sees the total as if the messages before it in this batch had been counted alone.
        const remaining = new Map<string, number>();
        for (const p of batch) for (const inc of p.increments) remaining.set(inc.key, (remaining.get(inc.key) ?? 0) + inc.by);
        const added = new Map<string, number>();
        for (const p of batch) {
          p.resolve(
            p.increments.map((inc) => {
              const before = added.get(inc.key) ?? 0;
              added.set(inc.key, before + inc.by);
              return (totals.get(inc.key) ?? 0) - remaining.get(inc.key)! + before + inc.by;
            }),
          );
        }
      },
      () => {
        const unavailable = new UnavailableError('database_unavailable', 'The message could not be stored. Retry later.');
        batch.forEach((p) => p.reject(unavailable));
      },
    );
  }

  private schedulePurge(): void {
    if (this.purgeTimer) return;
    this.purgeTimer = setTimeout(() => {
      this.purgeTimer = null;
      this.counters.purgeExpired().catch(() => undefined);
    }, this.purgeEveryMs);
    this.purgeTimer.unref();
  }
}
