// Inbound (mobile-originated) messages and the numbers they arrive on. An inbound message is
// stored before the carrier's deliver_sm is acknowledged; when the number belongs to an
// account, its deliver_sm for the account's SMPP binds is queued in the same transaction.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SMPP_DELIVERIES_CHANNEL } from './message.repository';
import { returningRows } from './returning';

export interface AccountNumber {
  number: string;
  accountId: string;
  createdAt: Date;
}

export class InboundRepository {
  constructor(private readonly db: DataSource) {}

  async store(message: { carrierId: string; from: string; to: string; body: string }): Promise<{ id: string; accountId: string | null }> {
    return this.db.transaction(async (tx) => {
      const id = randomUUID();
      const rows: { account_id: string | null; received_at: Date }[] = await tx.query(
        `INSERT INTO inbound_messages (id, carrier_id, from_number, to_number, body, account_id)
         VALUES ($1, $2, $3, $4, $5, (SELECT account_id FROM account_numbers WHERE number = $4))
         RETURNING account_id, received_at`,
        [id, message.carrierId, message.from, message.to, message.body],
      );
      const accountId = rows[0].account_id;
      if (accountId) {
        const payload = { inboundId: id, from: message.from, to: message.to, body: message.body, receivedAt: new Date(rows[0].received_at).toISOString() };
        await tx.query(`INSERT INTO smpp_deliveries (account_id, system_id, kind, payload) VALUES ($1, NULL, 'inbound', $2)`, [accountId, JSON.stringify(payload)]);
        await tx.query(`SELECT pg_notify($1, $2)`, [SMPP_DELIVERIES_CHANNEL, accountId]);
      }
      return { id, accountId };
    });
  }

  /** Null when the number already belongs to an account. */
  async assignNumber(number: string, accountId: string): Promise<AccountNumber | null> {
    const rows: { number: string; account_id: string; created_at: Date }[] = await this.db.query(
      `INSERT INTO account_numbers (number, account_id) VALUES ($1, $2) ON CONFLICT (number) DO NOTHING RETURNING *`,
      [number, accountId],
    );
    return rows[0] ? { number: rows[0].number, accountId: rows[0].account_id, createdAt: rows[0].created_at } : null;
  }

  async listNumbers(): Promise<AccountNumber[]> {
    const rows: { number: string; account_id: string; created_at: Date }[] = await this.db.query(`SELECT * FROM account_numbers ORDER BY number`);
    return rows.map((r) => ({ number: r.number, accountId: r.account_id, createdAt: r.created_at }));
  }

  async releaseNumber(number: string): Promise<boolean> {
    return returningRows(await this.db.query(`DELETE FROM account_numbers WHERE number = $1 RETURNING number`, [number])).length > 0;
  }
}
