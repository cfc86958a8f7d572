// What an account may send from (README, "Numbers and sender IDs"): the long and short codes it
// holds (`account_numbers`, also where inbound SMS find their account), its alphanumeric sender
// IDs with their registration status per country, and its sender pools with the sticky
// assignment of a subscriber to one pool number. Any change NOTIFYs `account_senders` with the
// account id (trigger), so caches of what an account holds (HeldSendersCache) stay current on
// every replica.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { HeldNumber, HeldSenders, NumberKind, RegistrationStatus } from '@app/domain';
import { returningRows } from './returning';

/** Channel on which every change to an account's senders is announced (payload: the account id). */
export const ACCOUNT_SENDERS_CHANNEL = 'account_senders';

export interface AccountNumber {
  number: string;
  accountId: string;
  kind: NumberKind;
  country: string | null;
  carrierId: string | null;
  capabilities: string[];
  createdAt: Date;
}

export interface NewAccountNumber {
  number: string;
  accountId: string;
  kind: NumberKind;
  country: string | null;
  carrierId: string | null;
  capabilities: string[];
}

export interface SenderIdRegistration {
  country: string;
  status: RegistrationStatus;
  note: string | null;
  requestedAt: Date;
  updatedAt: Date;
}

export interface SenderIdRecord {
  accountId: string;
  senderId: string;
  createdAt: Date;
  registrations: SenderIdRegistration[];
}

export interface SenderPoolRecord {
  id: string;
  accountId: string;
  name: string;
  numbers: string[];
  createdAt: Date;
}

/** What an account holds, as the intake needs it: the rule's input and its pools by name. */
export interface AccountSenders extends HeldSenders {
  pools: ReadonlyMap<string, { id: string; numbers: readonly string[] }>;
}

type NumberRow = { number: string; account_id: string; kind: NumberKind; country: string | null; carrier_id: string | null; capabilities: string[]; created_at: Date };

const toNumber = (r: NumberRow): AccountNumber => ({
  number: r.number,
  accountId: r.account_id,
  kind: r.kind,
  country: r.country,
  carrierId: r.carrier_id,
  capabilities: r.capabilities,
  createdAt: r.created_at,
});

export class SenderRepository {
  constructor(private readonly db: DataSource) {}

  /** Everything the account may send from, in three reads (one per kind of sender). */
  async held(accountId: string): Promise<AccountSenders> {
    const [numbers, registrations, pools] = await Promise.all([
      this.db.query(`SELECT number, kind, country, capabilities FROM account_numbers WHERE account_id = $1`, [accountId]) as Promise<NumberRow[]>,
      this.db.query(
        `SELECT s.sender_key, r.country, r.status FROM sender_ids s LEFT JOIN sender_id_registrations r USING (account_id, sender_key) WHERE s.account_id = $1`,
        [accountId],
      ) as Promise<{ sender_key: string; country: string | null; status: RegistrationStatus | null }[]>,
      this.db.query(
        `SELECT p.id, p.name, coalesce(array_agg(n.number ORDER BY n.number) FILTER (WHERE n.number IS NOT NULL), '{}') AS numbers
         FROM sender_pools p LEFT JOIN sender_pool_numbers n ON n.pool_id = p.id WHERE p.account_id = $1 GROUP BY p.id`,
        [accountId],
      ) as Promise<{ id: string; name: string; numbers: string[] }[]>,
    ]);
    const senderIds = new Map<string, Map<string, RegistrationStatus>>();
    for (const r of registrations) {
      const byCountry = senderIds.get(r.sender_key) ?? new Map<string, RegistrationStatus>();
      if (r.country && r.status) byCountry.set(r.country, r.status);
      senderIds.set(r.sender_key, byCountry);
    }
    return {
      numbers: new Map(numbers.map((n): [string, HeldNumber] => [n.number, { kind: n.kind, country: n.country, capabilities: n.capabilities }])),
      senderIds,
      pools: new Map(pools.map((p) => [p.name, { id: p.id, numbers: p.numbers }])),
    };
  }

  // Numbers (operator).

  /** Null when the number already belongs to an account. */
  async assignNumber(n: NewAccountNumber): Promise<AccountNumber | null> {
    const rows: NumberRow[] = await this.db.query(
      `INSERT INTO account_numbers (number, account_id, kind, country, carrier_id, capabilities) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (number) DO NOTHING RETURNING *`,
      [n.number, n.accountId, n.kind, n.country, n.carrierId, n.capabilities],
    );
    return rows[0] ? toNumber(rows[0]) : null;
  }

  /** Changes a number's carrier or capabilities; null when no account holds it. */
  async updateNumber(number: string, change: { carrierId?: string | null; capabilities?: string[] }): Promise<AccountNumber | null> {
    const rows = returningRows<NumberRow>(
      await this.db.query(
        `UPDATE account_numbers SET carrier_id = CASE WHEN $2 THEN $3 ELSE carrier_id END, capabilities = coalesce($4, capabilities) WHERE number = $1 RETURNING *`,
        [number, change.carrierId !== undefined, change.carrierId ?? null, change.capabilities ?? null],
      ),
    );
    return rows[0] ? toNumber(rows[0]) : null;
  }

  async listNumbers(accountId?: string): Promise<AccountNumber[]> {
    const rows: NumberRow[] = accountId
      ? await this.db.query(`SELECT * FROM account_numbers WHERE account_id = $1 ORDER BY number`, [accountId])
      : await this.db.query(`SELECT * FROM account_numbers ORDER BY number`);
    return rows.map(toNumber);
  }

  async releaseNumber(number: string): Promise<boolean> {
    return returningRows(await this.db.query(`DELETE FROM account_numbers WHERE number = $1 RETURNING number`, [number])).length > 0;
  }

  // Alphanumeric sender IDs.

  /** Grants a sender ID (idempotent: a sender ID held already keeps its spelling and registrations). */
  async grantSenderId(accountId: string, senderId: string, key: string): Promise<SenderIdRecord> {
    await this.db.query(`INSERT INTO sender_ids (account_id, sender_key, sender_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [accountId, key, senderId]);
    return (await this.findSenderId(accountId, key))!;
  }

  async revokeSenderId(accountId: string, key: string): Promise<boolean> {
    return returningRows(await this.db.query(`DELETE FROM sender_ids WHERE account_id = $1 AND sender_key = $2 RETURNING sender_key`, [accountId, key])).length > 0;
  }

  /**
   * Sets the registration status of a held sender ID in one country; false when the account
   * does not hold it. `onlyIfAbsent` (a tenant's request) never overwrites an operator's decision.
   */
  async setRegistration(accountId: string, key: string, country: string, status: RegistrationStatus, note: string | null, onlyIfAbsent = false): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO sender_id_registrations (account_id, sender_key, country, status, note)
       SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM sender_ids WHERE account_id = $1 AND sender_key = $2)
       ON CONFLICT (account_id, sender_key, country) DO ${onlyIfAbsent ? 'NOTHING' : 'UPDATE SET status = EXCLUDED.status, note = EXCLUDED.note, updated_at = now()'}
       RETURNING country`,
      [accountId, key, country, status, note],
    );
    if (rows.length > 0) return true;
    return onlyIfAbsent && (await this.findSenderId(accountId, key)) !== null;
  }

  async findSenderId(accountId: string, key: string): Promise<SenderIdRecord | null> {
    return (await this.listSenderIds(accountId, key))[0] ?? null;
  }

  async listSenderIds(accountId?: string, key?: string): Promise<SenderIdRecord[]> {
    const rows: { account_id: string; sender_key: string; sender_id: string; created_at: Date; registrations: { country: string; status: RegistrationStatus; note: string | null; requested_at: string; updated_at: string }[] }[] =
      await this.db.query(
        `SELECT s.account_id, s.sender_key, s.sender_id, s.created_at,
                coalesce(json_agg(json_build_object('country', r.country, 'status', r.status, 'note', r.note, 'requested_at', r.requested_at, 'updated_at', r.updated_at) ORDER BY r.country)
                         FILTER (WHERE r.country IS NOT NULL), '[]') AS registrations
         FROM sender_ids s LEFT JOIN sender_id_registrations r USING (account_id, sender_key)
         WHERE ($1::uuid IS NULL OR s.account_id = $1) AND ($2::text IS NULL OR s.sender_key = $2)
         GROUP BY s.account_id, s.sender_key ORDER BY s.account_id, s.sender_key`,
        [accountId ?? null, key ?? null],
      );
    return rows.map((r) => ({
      accountId: r.account_id,
      senderId: r.sender_id,
      createdAt: r.created_at,
      registrations: r.registrations.map((g) => ({ country: g.country, status: g.status, note: g.note, requestedAt: new Date(g.requested_at), updatedAt: new Date(g.updated_at) })),
    }));
  }

  // Sender pools.

  /**
   * Creates a pool of numbers the account holds. 'name_taken' when the account has a pool of
   * that name; 'not_held' with the numbers it does not hold.
   */
  async createPool(accountId: string, name: string, numbers: string[]): Promise<SenderPoolRecord | { refused: 'name_taken' } | { refused: 'not_held'; numbers: string[] }> {
    return this.db.transaction(async (tx) => {
      // Locks the numbers so none is released to another account while the pool takes it.
      const held: { number: string }[] = await tx.query(`SELECT number FROM account_numbers WHERE account_id = $1 AND number = ANY($2) FOR SHARE`, [accountId, numbers]);
      const missing = numbers.filter((n) => !held.some((h) => h.number === n));
      if (missing.length > 0) return { refused: 'not_held' as const, numbers: missing };
      const id = randomUUID();
      const created: { created_at: Date }[] = await tx.query(
        `INSERT INTO sender_pools (id, account_id, name) VALUES ($1, $2, $3) ON CONFLICT (account_id, name) DO NOTHING RETURNING created_at`,
        [id, accountId, name],
      );
      if (created.length === 0) return { refused: 'name_taken' as const };
      await tx.query(`INSERT INTO sender_pool_numbers (pool_id, number) SELECT $1, unnest($2::text[])`, [id, numbers]);
      return { id, accountId, name, numbers: [...numbers].sort(), createdAt: created[0].created_at };
    });
  }

  async listPools(accountId: string, name?: string): Promise<SenderPoolRecord[]> {
    const rows: { id: string; account_id: string; name: string; numbers: string[]; created_at: Date }[] = await this.db.query(
      `SELECT p.id, p.account_id, p.name, p.created_at, coalesce(array_agg(n.number ORDER BY n.number) FILTER (WHERE n.number IS NOT NULL), '{}') AS numbers
       FROM sender_pools p LEFT JOIN sender_pool_numbers n ON n.pool_id = p.id
       WHERE p.account_id = $1 AND ($2::text IS NULL OR p.name = $2) GROUP BY p.id ORDER BY p.name`,
      [accountId, name ?? null],
    );
    return rows.map((r) => ({ id: r.id, accountId: r.account_id, name: r.name, numbers: r.numbers, createdAt: r.created_at }));
  }

  async deletePool(accountId: string, name: string): Promise<boolean> {
    return returningRows(await this.db.query(`DELETE FROM sender_pools WHERE account_id = $1 AND name = $2 RETURNING id`, [accountId, name])).length > 0;
  }

  /**
   * The pool number `subscriber` gets: the one it got before while that number is still in the
   * pool, else `candidate` (recorded for next time). One statement; concurrent first messages to
   * one subscriber (any replica) all get the number the first of them recorded. Null when
   * `candidate` is no longer in the pool either (the caller's copy of the pool was stale).
   */
  async stickyNumber(poolId: string, subscriber: string, candidate: string): Promise<string | null> {
    return (await this.stickyNumbers(poolId, [{ subscriber, candidate }])).get(subscriber) ?? null;
  }

  /** stickyNumber for many distinct subscribers in one statement (a campaign page): subscriber → number. */
  async stickyNumbers(poolId: string, wanted: { subscriber: string; candidate: string }[]): Promise<Map<string, string>> {
    if (wanted.length === 0) return new Map();
    const [subscribers, candidates] = [wanted.map((w) => w.subscriber), wanted.map((w) => w.candidate)];
    const rows: { subscriber: string; number: string }[] = await this.db.query(
      `INSERT INTO sender_pool_assignments AS a (pool_id, subscriber, number)
       SELECT $1, t.subscriber, t.candidate FROM unnest($2::text[], $3::text[]) AS t(subscriber, candidate)
       WHERE EXISTS (SELECT 1 FROM sender_pool_numbers WHERE pool_id = $1 AND number = t.candidate)
       ON CONFLICT (pool_id, subscriber) DO UPDATE
         SET number = CASE WHEN EXISTS (SELECT 1 FROM sender_pool_numbers m WHERE m.pool_id = a.pool_id AND m.number = a.number) THEN a.number ELSE EXCLUDED.number END,
             assigned_at = CASE WHEN EXISTS (SELECT 1 FROM sender_pool_numbers m WHERE m.pool_id = a.pool_id AND m.number = a.number) THEN a.assigned_at ELSE now() END
       RETURNING a.subscriber, a.number`,
      [poolId, subscribers, candidates],
    );
    const got = new Map(rows.map((r) => [r.subscriber, r.number]));
    const missing = subscribers.filter((s) => !got.has(s));
    if (missing.length > 0) {
      // Their candidate left the pool: a subscriber assigned before may still keep its number.
      const kept: { subscriber: string; number: string }[] = await this.db.query(
        `SELECT a.subscriber, a.number FROM sender_pool_assignments a JOIN sender_pool_numbers m ON m.pool_id = a.pool_id AND m.number = a.number
         WHERE a.pool_id = $1 AND a.subscriber = ANY($2)`,
        [poolId, missing],
      );
      for (const k of kept) got.set(k.subscriber, k.number);
    }
    return got;
  }
}
