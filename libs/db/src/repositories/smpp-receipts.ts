// Queues the SMPP receipts of messages that just became final, inside the transaction that
// made them final, so a final status never exists without its receipt (when one was asked
// for: registered_delivery 1 always, 2 on failure only). Gateways are woken with NOTIFY.
import type { EntityManager } from 'typeorm';
import { returningRows } from './returning';

/** Channel on which gateways learn that SMPP deliveries (receipts, inbound) are waiting; the payload is the account id. */
export const SMPP_DELIVERIES_CHANNEL = 'smpp_deliveries';

export async function queueSmppReceipts(tx: EntityManager, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  const queued: { account_id: string }[] = returningRows(
    await tx.query(
      `INSERT INTO smpp_deliveries (account_id, system_id, kind, message_id, payload)
       SELECT account_id, smpp_system_id, 'receipt', id,
              jsonb_build_object('messageId', id, 'to', to_number, 'from', from_address, 'status', status,
                                 'carrierErrorCode', carrier_error_code, 'segments', segments,
                                 'submittedAt', created_at, 'doneAt', now())
       FROM messages
       WHERE id = ANY($1::uuid[]) AND smpp_system_id IS NOT NULL AND status IN ('delivered', 'failed', 'cancelled', 'rejected')
         AND ((registered_delivery & 3) = 1 OR ((registered_delivery & 3) = 2 AND status <> 'delivered'))
       ORDER BY id
       ON CONFLICT (message_id) WHERE kind = 'receipt' DO NOTHING
       RETURNING account_id`,
      [messageIds],
    ),
  );
  for (const accountId of new Set(queued.map((q) => q.account_id))) await tx.query(`SELECT pg_notify($1, $2)`, [SMPP_DELIVERIES_CHANNEL, accountId]);
}
