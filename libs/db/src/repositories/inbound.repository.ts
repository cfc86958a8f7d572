// Inbound (mobile-originated) messages and the numbers they arrive on. An MO is stored before
// the carrier's deliver_sm (or webhook) is acknowledged, once:
// - a part of a concatenated MO waits in `inbound_parts` until every part is in, then the joined
//   text is stored as one message (a part the carrier sends again is kept once);
// - a carrier retry is stored once: by (carrier, carrier MO id) when the carrier gives one (HTTP
//   carriers' MO id, SMPP `receipted_message_id`), else by (carrier, content key = from, to,
//   text) within the dedup window (a subscriber sending the same text twice inside the window
//   counts once: the price of carriers that re-send without an id).
// Accept at commit: when an account holds the number, the MO joins the conversation of (our
// number, subscriber) and its signal intent (`conversation_signals`) is written in the same
// transaction; the worker's conversation dispatcher signals the conversation workflow, which
// records, applies keyword rules and forwards it (ConversationRepository). An MO for a number no
// account holds is stored (and counted), not forwarded.
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { keyringOf } from '../data-keyring';

/** Channel on which conversation dispatchers learn that signal intents wait. */
export const CONVERSATION_SIGNALS_CHANNEL = 'conversation_signals';
/** Parts of a concatenated MO whose siblings never came are dropped after this. */
const PART_TTL_SECONDS = 3600;

export interface NewInbound {
  carrierId: string;
  from: string;
  to: string;
  body: string;
  /** The carrier's id for this MO, when it gives one: its retries carry the same. */
  carrierMoId?: string;
  /** One part of a concatenated MO (UDH or SAR): stored until all `total` parts are in. */
  part?: { reference: number; total: number; sequence: number };
}

export type StoredInbound =
  /** Stored now: `conversationId` null when no account holds the number (stored only). */
  | { outcome: 'stored'; id: string; accountId: string | null; conversationId: string | null }
  /** A carrier retry of an MO stored before: nothing new. */
  | { outcome: 'duplicate'; id: string }
  /** A part stored; the message is complete when the others arrive. */
  | { outcome: 'part_stored' };

export class InboundRepository {
  /** @param dedupWindowSeconds how long an MO without a carrier id is remembered by its content */
  constructor(
    private readonly db: DataSource,
    private readonly dedupWindowSeconds = 60,
  ) {}

  async store(message: NewInbound): Promise<StoredInbound> {
    return this.db.transaction(async (tx) => {
      let body = message.body;
      let parts = 1;
      if (message.part && message.part.total > 1) {
        const joined = await this.storePart(tx, message, message.part);
        if (joined === null) return { outcome: 'part_stored' };
        body = joined;
        parts = message.part.total;
      }
      const contentKey = message.carrierMoId ? null : createHash('sha256').update(JSON.stringify([message.from, message.to, body])).digest('hex');
      // Serialises concurrent deliveries of the same MO (a retry racing the original).
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`inbound:${message.carrierId}:${message.carrierMoId ?? contentKey}`]);
      const seen: { id: string }[] = message.carrierMoId
        ? await tx.query(`SELECT id FROM inbound_messages WHERE carrier_id = $1 AND carrier_mo_id = $2`, [message.carrierId, message.carrierMoId])
        : await tx.query(`SELECT id FROM inbound_messages WHERE carrier_id = $1 AND content_key = $2 AND received_at > now() - make_interval(secs => $3) LIMIT 1`, [
            message.carrierId,
            contentKey,
            this.dedupWindowSeconds,
          ]);
      if (seen.length > 0) return { outcome: 'duplicate', id: seen[0].id };

      const owner: { account_id: string }[] = await tx.query(`SELECT account_id FROM account_numbers WHERE number = $1`, [message.to]);
      const accountId = owner[0]?.account_id ?? null;
      let conversationId: string | null = null;
      let sequence = 1;
      if (accountId) {
        const conversation: { id: string; inbound_count: number }[] = await tx.query(
          `INSERT INTO conversations (our_number, subscriber, account_id, inbound_count) VALUES ($1, $2, $3, 1)
           ON CONFLICT (our_number, subscriber) DO UPDATE SET account_id = EXCLUDED.account_id, inbound_count = conversations.inbound_count + 1, last_message_at = now()
           RETURNING id, inbound_count`,
          [message.to, message.from, accountId],
        );
        conversationId = conversation[0].id;
        sequence = conversation[0].inbound_count;
      }
      const id = randomUUID();
      await tx.query(
        `INSERT INTO inbound_messages (id, carrier_id, from_number, to_number, body, account_id, conversation_id, carrier_mo_id, content_key, parts, sequence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [id, message.carrierId, message.from, message.to, keyringOf(tx).seal(body), accountId, conversationId, message.carrierMoId ?? null, contentKey, parts, sequence],
      );
      if (conversationId) {
        await tx.query(`INSERT INTO conversation_signals (conversation_id, kind, ref_id) VALUES ($1, 'inbound', $2)`, [conversationId, id]);
        await tx.query(`SELECT pg_notify($1, '')`, [CONVERSATION_SIGNALS_CHANNEL]);
      }
      return { outcome: 'stored', id, accountId, conversationId };
    });
  }

  /** Keeps one part; returns the joined text when this was the last one missing, else null. */
  private async storePart(tx: EntityManager, message: NewInbound, part: NonNullable<NewInbound['part']>): Promise<string | null> {
    const group = [message.carrierId, message.from, message.to, part.reference, part.total];
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`inbound-part:${JSON.stringify(group)}`]);
    await tx.query(`DELETE FROM inbound_parts WHERE received_at < now() - make_interval(secs => $1)`, [PART_TTL_SECONDS]);
    await tx.query(
      `INSERT INTO inbound_parts (carrier_id, from_number, to_number, reference, total, sequence, body) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [...group, part.sequence, keyringOf(tx).seal(message.body)],
    );
    const parts: { sequence: number; body: string }[] = await tx.query(
      `SELECT sequence, body FROM inbound_parts WHERE carrier_id = $1 AND from_number = $2 AND to_number = $3 AND reference = $4 AND total = $5 ORDER BY sequence`,
      group,
    );
    if (parts.length < part.total) return null;
    await tx.query(`DELETE FROM inbound_parts WHERE carrier_id = $1 AND from_number = $2 AND to_number = $3 AND reference = $4 AND total = $5`, group);
    const keyring = keyringOf(tx);
    return (await Promise.all(parts.map((p) => keyring.open(p.body)))).join('');
  }
}
