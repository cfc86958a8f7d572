// Queues the SMPP receipts of messages that just became final, inside the transaction that
// made them final, so a final status never exists without its receipt (when one was asked
// for: registered_delivery 1 always, 2 on failure only). Gateways are woken with NOTIFY.
import type { EntityManager } from 'typeorm';
import { CHANGED_MESSAGE_COLUMNS } from './status-callbacks';

/** Channel on which gateways learn that SMPP deliveries (receipts, inbound) are waiting; the payload is the account id. */
export const SMPP_DELIVERIES_CHANNEL = 'smpp_deliveries';

/**
 * CTEs queueing the SMPP receipts of `changed` (a CTE returning CHANGED_MESSAGE_COLUMNS,
 * status-callbacks.ts, as the rows stand after their change) and waking the gateways. The
 * statement must read SMPP_RECEIPTS_NOTIFIED, or the NOTIFY is not sent.
 */
export function smppReceiptCtes(changed: string): string {
  return `smpp_receipts_queued AS (
       INSERT INTO smpp_deliveries (account_id, system_id, kind, message_id, payload)
       SELECT account_id, smpp_system_id, 'receipt', id,
              jsonb_build_object('messageId', id, 'to', to_number, 'from', from_address, 'status', status,
                                 'carrierErrorCode', carrier_error_code, 'segments', segments,
                                 'submittedAt', created_at, 'doneAt', now())
       FROM ${changed}
       WHERE smpp_system_id IS NOT NULL AND status IN ('delivered', 'failed', 'cancelled', 'rejected')
         AND ((registered_delivery & 3) = 1 OR ((registered_delivery & 3) = 2 AND status <> 'delivered'))
       ORDER BY id
       ON CONFLICT (message_id) WHERE kind = 'receipt' DO NOTHING
       RETURNING account_id),
     smpp_receipts_notified AS (
       SELECT pg_notify('${SMPP_DELIVERIES_CHANNEL}', account_id::text) FROM (SELECT DISTINCT account_id FROM smpp_receipts_queued) a)`;
}

/** An expression to SELECT in a statement using smppReceiptCtes (it sends the NOTIFY). */
export const SMPP_RECEIPTS_NOTIFIED = '(SELECT count(*) FROM smpp_receipts_notified)';

export async function queueSmppReceipts(tx: EntityManager, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  await tx.query(
    `WITH m AS (SELECT ${CHANGED_MESSAGE_COLUMNS} FROM messages WHERE id = ANY($1::uuid[])),
     ${smppReceiptCtes('m')}
     SELECT ${SMPP_RECEIPTS_NOTIFIED}`,
    [messageIds],
  );
}
