// The outbox of deliver_sm for customers' SMPP binds: receipts (written with the final status,
// see MessageRepository.finalize) and inbound messages. A row stays until a bound ESME has
// answered its deliver_sm with ESME_ROK, so nothing is lost while no session is bound or when
// a gateway restarts. Rows of one account go out in id order; a gateway takes a batch under a
// short lease, so two gateway processes never send the same row at once.
import { DataSource } from 'typeorm';
import { keyringOf } from '../data-keyring';
import { returningRows } from './returning';
import { SEALED_PAYLOAD_FIELDS } from './status-callbacks';

export interface SmppReceiptPayload {
  messageId: string;
  to: string;
  from: string;
  status: 'delivered' | 'failed' | 'cancelled' | 'rejected';
  carrierErrorCode: string | null;
  segments: number;
  submittedAt: string;
  doneAt: string;
}

export interface SmppInboundPayload {
  inboundId: string;
  from: string;
  to: string;
  body: string;
  receivedAt: string;
}

export type SmppDelivery =
  | { id: string; accountId: string; systemId: string | null; kind: 'receipt'; attempts: number; payload: SmppReceiptPayload }
  | { id: string; accountId: string; systemId: string | null; kind: 'inbound'; attempts: number; payload: SmppInboundPayload };

interface Row {
  id: string;
  account_id: string;
  system_id: string | null;
  kind: 'receipt' | 'inbound';
  attempts: number;
  payload: SmppReceiptPayload | SmppInboundPayload;
}

const toDelivery = (r: Row): SmppDelivery => ({ id: String(r.id), accountId: r.account_id, systemId: r.system_id, kind: r.kind, attempts: r.attempts, payload: r.payload }) as SmppDelivery;

export class SmppDeliveryRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Leases the oldest pending rows of an account for `leaseMs`. `systemIds` are the system_ids
   * bound as receivers here: a receipt goes only to the system_id that submitted its message;
   * an inbound message (system_id null) to any receiver of the account. Rows leased by another
   * gateway are skipped; any row of the account older than the first one skipped is not
   * overtaken, so order holds per account.
   */
  async lease(accountId: string, systemIds: string[], limit: number, leaseMs: number): Promise<SmppDelivery[]> {
    const rows = returningRows<Row>(
      await this.db.query(
        `UPDATE smpp_deliveries SET lease_until = now() + make_interval(secs => $4), attempts = attempts + 1
         WHERE id IN (
           SELECT id FROM smpp_deliveries
           WHERE account_id = $1 AND delivered_at IS NULL AND (system_id IS NULL OR system_id = ANY($2))
             AND (lease_until IS NULL OR lease_until < now())
           ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING id, account_id, system_id, kind, attempts, payload`,
        [accountId, systemIds, limit, leaseMs / 1000],
      ),
    );
    const keyring = keyringOf(this.db);
    // An inbound deliver_sm carries the MO body sealed at rest (ConversationRepository.forwardInbound).
    const opened = await Promise.all(rows.map(async (r) => (r.kind === 'inbound' ? { ...r, payload: await keyring.openFields(r.payload, SEALED_PAYLOAD_FIELDS) } : r)));
    return opened.map(toDelivery).sort((a, b) => Number(a.id) - Number(b.id));
  }

  async markDelivered(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE smpp_deliveries SET delivered_at = now(), lease_until = NULL WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Gives a row back (the ESME refused it or the session closed) so it goes out again, soon. */
  async release(id: string, retryInMs: number): Promise<void> {
    await this.db.query(`UPDATE smpp_deliveries SET lease_until = now() + make_interval(secs => $2) WHERE id = $1 AND delivered_at IS NULL`, [id, retryInMs / 1000]);
  }

  /** Accounts with rows waiting (for a periodic sweep that does not rely on NOTIFY alone). */
  async accountsWithPending(accountIds: string[]): Promise<string[]> {
    if (accountIds.length === 0) return [];
    const rows: { account_id: string }[] = await this.db.query(
      `SELECT DISTINCT account_id FROM smpp_deliveries WHERE delivered_at IS NULL AND account_id = ANY($1::uuid[])`,
      [accountIds],
    );
    return rows.map((r) => r.account_id);
  }

  async pendingCount(accountId: string): Promise<number> {
    const rows: { n: string }[] = await this.db.query(`SELECT count(*) AS n FROM smpp_deliveries WHERE account_id = $1 AND delivered_at IS NULL`, [accountId]);
    return Number(rows[0].n);
  }
}
