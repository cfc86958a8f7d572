// Which sender a message goes out from, REST and SMPP alike (README, "Numbers and sender IDs"):
// the `from` the caller gave, if the account may use it for this destination (the rule is
// `senderRefusal` in libs/domain), or the number a sender pool gives this subscriber (sticky:
// kept in PostgreSQL, so replies land in one conversation whatever replica sent). What each
// account holds is cached in memory, so the accept path makes no extra round trip for `from`:
// a change is announced on the `account_senders` channel (the caller wires `invalidate` to
// it), entries also expire after `ttlMs`, and a refusal re-reads once before it is final, so a
// sender granted a moment ago is usable at once.
import { ForbiddenError, UnavailableError, ValidationError } from '@app/contracts';
import { ACCOUNT_SENDERS_CHANNEL, AccountSenders, listenForNotifications, NotificationListener } from '@app/db';
import { E164Number, normalizeSender, poolCandidate, senderRefusal } from '@app/domain';

export interface SendersSource {
  held(accountId: string): Promise<AccountSenders>;
  stickyNumber(poolId: string, subscriber: string, candidate: string): Promise<string | null>;
}

export interface SenderRulesOptions {
  /** How long what an account holds is reused without a notification (a missed one costs this long). */
  ttlMs?: number;
  /** A refusal re-reads what the account holds, unless it was read less than this ago. */
  recheckAfterMs?: number;
  registrationCountries?: ReadonlySet<string>;
  now?: () => number;
}

export interface SenderChoice {
  from?: string;
  senderPool?: string;
}

export class SenderRules {
  private readonly cache = new Map<string, { held: AccountSenders; at: number }>();
  private readonly loading = new Map<string, Promise<{ held: AccountSenders; at: number }>>();
  /** Bumped by each invalidation: a read that started before one is used once, never cached. */
  private generation = 0;
  private readonly ttlMs: number;
  private readonly recheckAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: SendersSource,
    private readonly options: SenderRulesOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.recheckAfterMs = options.recheckAfterMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /** Drops what is cached for one account (a change was announced), or for all (notifications were lost). */
  invalidate(accountId?: string): void {
    this.generation += 1;
    this.loading.clear();
    if (accountId === undefined) this.cache.clear();
    else this.cache.delete(accountId);
  }

  /**
   * The sender to store for a message to `to`: `from` (normalised) when the account may use it,
   * or the pool's number for this subscriber. Throws ValidationError / ForbiddenError naming
   * `from` or `senderPool`.
   */
  async resolve(accountId: string, choice: SenderChoice, to: E164Number): Promise<string> {
    if (choice.from !== undefined && choice.senderPool !== undefined) {
      throw new ValidationError('invalid_field', 'give either from or senderPool, not both', 'senderPool');
    }
    if (choice.senderPool !== undefined) return this.fromPool(accountId, choice.senderPool, to);
    if (choice.from === undefined) throw new ValidationError('invalid_field', 'from (or senderPool) is required', 'from');
    const sender = normalizeSender(choice.from, 'from');
    let entry = await this.entry(accountId);
    let refusal = senderRefusal(entry.held, sender, to.country, this.options.registrationCountries);
    if (refusal && this.now() - entry.at >= this.recheckAfterMs) {
      entry = await this.entry(accountId, true);
      refusal = senderRefusal(entry.held, sender, to.country, this.options.registrationCountries);
    }
    if (refusal) throw refusal;
    return sender.value;
  }

  /**
   * Whether the account holds `from` and may send SMS from it, whatever the destination (a
   * campaign's sender, checked at creation; each recipient's country is checked as it is sent).
   */
  async checkHeld(accountId: string, from: string, field = 'from'): Promise<string> {
    const sender = normalizeSender(from, field);
    const check = (held: AccountSenders) => {
      const refusal = senderRefusal(held, sender, undefined, new Set(), field);
      // A short code is checked against each recipient's country when sent.
      return refusal?.code === 'sender_not_for_destination' ? null : refusal;
    };
    let refusal = check((await this.entry(accountId)).held);
    if (refusal) refusal = check((await this.entry(accountId, true)).held);
    if (refusal) throw refusal;
    return sender.value;
  }

  /** That the account has a sender pool of this name (a campaign's, checked at creation); 400 naming `field` if not. */
  async checkPool(accountId: string, name: string, field = 'senderPool'): Promise<string> {
    let entry = await this.entry(accountId);
    if (!entry.held.pools.has(name)) entry = await this.entry(accountId, true);
    if (!entry.held.pools.has(name)) throw new ValidationError('unknown_sender_pool', `The account has no sender pool ${JSON.stringify(name)}`, field);
    return name;
  }

  private async fromPool(accountId: string, name: string, to: E164Number): Promise<string> {
    let entry = await this.entry(accountId);
    if (!entry.held.pools.has(name) && this.now() - entry.at >= this.recheckAfterMs) entry = await this.entry(accountId, true);
    for (let attempt = 0; ; attempt += 1) {
      const pool = entry.held.pools.get(name);
      if (!pool) throw new ValidationError('unknown_sender_pool', `The account has no sender pool ${JSON.stringify(name)}`, 'senderPool');
      // A subscriber's first number is spread by a hash of it; later ones are what it got first.
      const candidate = poolCandidate(entry.held, pool.numbers, to.e164, to.country, this.options.registrationCountries);
      if (candidate === null) {
        throw new ForbiddenError('sender_pool_no_number', `Sender pool ${JSON.stringify(name)} has no number that may send to ${to.country ?? 'this destination'}`, 'senderPool');
      }
      let number: string | null;
      try {
        number = await this.source.stickyNumber(pool.id, to.e164, candidate);
      } catch {
        throw new UnavailableError('database_unavailable', 'The message could not be stored. Retry later.');
      }
      const type = number ? entry.held.numbers.get(number)?.kind : undefined;
      if (number && type && !senderRefusal(entry.held, { value: number, type }, to.country, this.options.registrationCountries)) return number;
      // The pool or its numbers changed since they were cached: read them again, once.
      if (attempt > 0) throw new ForbiddenError('sender_pool_no_number', `The number sender pool ${JSON.stringify(name)} keeps for this subscriber may not send to it`, 'senderPool');
      entry = await this.entry(accountId, true);
    }
  }

  private async entry(accountId: string, fresh = false): Promise<{ held: AccountSenders; at: number }> {
    const cached = this.cache.get(accountId);
    if (!fresh && cached && this.now() - cached.at < this.ttlMs) return cached;
    const pending = this.loading.get(accountId);
    if (pending) return pending;
    const at = this.now();
    const generation = this.generation;
    const load = this.source.held(accountId).then(
      (held) => {
        const entry = { held, at };
        if (generation === this.generation) this.cache.set(accountId, entry);
        return entry;
      },
      () => {
        throw new UnavailableError('database_unavailable', 'The message could not be stored. Retry later.');
      },
    );
    this.loading.set(accountId, load);
    try {
      return await load;
    } finally {
      if (this.loading.get(accountId) === load) this.loading.delete(accountId);
    }
  }
}

/**
 * Keeps `rules` current on this replica: each change to an account's senders (any replica, any
 * operator) is announced on `account_senders`; when the listening connection is lost, everything
 * cached is dropped (changes meanwhile would be missed) and the connection is retried.
 */
export function listenForSenderChanges(rules: SenderRules, options: { databaseUrl: string; applicationName: string; onLost: (err: Error) => void }): Promise<NotificationListener> {
  return listenForNotifications({
    databaseUrl: options.databaseUrl,
    channel: ACCOUNT_SENDERS_CHANNEL,
    applicationName: options.applicationName,
    onNotify: (accountId) => rules.invalidate(accountId || undefined),
    onLost: (err) => {
      rules.invalidate();
      options.onLost(err);
    },
  });
}
