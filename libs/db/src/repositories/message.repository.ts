// Queries on messages, their attempts and their event timeline. Each state change of a
// message writes its row and its event together, in one statement.
import { PRIORITY_KEYS, type FinalizeInput, type MessageEventType, type RecordEventInput, type RoutePlan } from '@app/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { keyringOf } from '../data-keyring';
import { AttemptStatus, MessageAttemptEntity } from '../entities/message-attempt.entity';
import { MessageEntity } from '../entities/message.entity';
import { wakeDispatchers } from './dispatch.repository';
import { TIMELINE_SQL, TimelineEvent, toTimelineEvent } from './message-timeline';
import { returningRows } from './returning';
import { queueSmppReceipts, smppReceiptCtes, SMPP_RECEIPTS_NOTIFIED } from './smpp-receipts';
import { CHANGED_MESSAGE_COLUMNS, NEXT_CALLBACK_SEQUENCE, queueStatusCallbacks, statusCallbackCtes, STATUS_CALLBACKS_NOTIFIED } from './status-callbacks';

export type NewMessage = Omit<
  MessageEntity,
  | 'createdAt'
  | 'updatedAt'
  | 'carrierId'
  | 'attempts'
  | 'failureReason'
  | 'failureCode'
  | 'carrierErrorCode'
  | 'status'
  | 'routingVersion'
  | 'routingRuleId'
  | 'country'
  | 'channel'
  | 'source'
  | 'smppSystemId'
  | 'registeredDelivery'
  | 'sendAt'
  | 'delivery'
  | 'batchId'
  | 'optOutExempt'
> &
  Partial<Pick<MessageEntity, 'source' | 'smppSystemId' | 'registeredDelivery' | 'sendAt' | 'delivery' | 'optOutExempt' | 'country'>>;

export { SMPP_DELIVERIES_CHANNEL } from './smpp-receipts';


export class MessageRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Inserts a message (the row is also its `accepted` event, message-timeline.ts) and, for a
   * message with a workflow of its own, the intent to start it (accept at commit); returns false
   * if the idempotency key already exists. Wakes the dispatchers.
   */
  async insertAccepted(message: NewMessage): Promise<boolean> {
    // One statement (one round trip, its own transaction): the accept latency is this commit.
    // The dispatchers are woken after it (wakeDispatchers says why not inside it).
    const inserted: unknown[] = await this.db.query(
      `WITH m AS (
         INSERT INTO messages (id, account_id, to_number, from_address, body, encoding, segments, status, status_callback_url, idempotency_key, request_hash, priority,
           source, smpp_system_id, registered_delivery, send_at, delivery, opt_out_exempt, country)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', $8, $9, $10, $11, $12, $13, $14, $15, $16, $18, $19)
         ON CONFLICT (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id, account_id, delivery),
       w AS (INSERT INTO workflow_starts (message_id, account_id, priority, rank) SELECT id, account_id, $11, $17 FROM m WHERE delivery = 'workflow')
       SELECT id FROM m`,
      [
        message.id,
        message.accountId,
        message.to,
        message.from,
        keyringOf(this.db).seal(message.body),
        message.encoding,
        message.segments,
        message.statusCallbackUrl,
        message.idempotencyKey,
        message.requestHash,
        message.priority,
        message.source ?? 'api',
        message.smppSystemId ?? null,
        message.registeredDelivery ?? 0,
        message.sendAt ?? null,
        message.delivery ?? 'workflow',
        PRIORITY_KEYS[message.priority],
        message.optOutExempt ?? null,
        message.country ?? null,
      ],
    );
    if (inserted.length > 0) {
      if (message.delivery === 'batch') wakeDispatchers(this.db, 'pages', 1);
      else wakeDispatchers(this.db, 'workflows');
    }
    return inserted.length > 0;
  }

  /**
   * Inserts accepted messages that ride pages (REST singles and batches, bulk SMPP), each row its
   * own `accepted` event: the accept path, where the answer waits for this commit. Wakes the
   * dispatchers.
   */
  async insertAcceptedMany(messages: NewMessage[]): Promise<Set<string>> {
    if (messages.length === 0) return new Set();
    const col = <K extends keyof NewMessage>(key: K, fallback: NewMessage[K] | null = null) => messages.map((m) => m[key] ?? fallback);
    const keyring = keyringOf(this.db);
    // One statement (one round trip, one commit) for the rows; the dispatchers
    // are woken after it. A row whose Idempotency-Key the account used already is left out (the
    // caller replays the first).
    const inserted: { id: string }[] = await this.db.query(
      `WITH ins AS (
         INSERT INTO messages (id, account_id, to_number, from_address, body, encoding, segments, status, status_callback_url, request_hash, priority,
           source, smpp_system_id, registered_delivery, send_at, delivery, idempotency_key, country)
         SELECT id, account_id, to_number, from_address, body, encoding, segments, 'accepted', cb, request_hash, priority, source, smpp_system_id, rd, send_at, delivery, ikey, country
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::smallint[], $14::timestamptz[], $15::text[], $16::text[], $17::text[])
           AS t(id, account_id, to_number, from_address, body, encoding, segments, cb, request_hash, priority, source, smpp_system_id, rd, send_at, delivery, ikey, country)
         ON CONFLICT (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id)
       SELECT ins.id FROM ins`,
      [
        col('id'),
        col('accountId'),
        col('to'),
        col('from'),
        messages.map((m) => keyring.seal(m.body)),
        col('encoding'),
        col('segments'),
        col('statusCallbackUrl'),
        col('requestHash'),
        col('priority'),
        col('source', 'api'),
        col('smppSystemId'),
        col('registeredDelivery', 0),
        col('sendAt'),
        col('delivery', 'batch'),
        col('idempotencyKey'),
        col('country'),
      ],
    );
    if (inserted.length > 0) wakeDispatchers(this.db, 'pages', inserted.length);
    return new Set(inserted.map((r) => r.id));
  }

  /**
   * Cancels a message nothing has started on yet: a paged message no page has taken, or a
   * message whose workflow start is still an unleased intent (the intent goes with it).
   * Its receipt, if asked for, is queued.
   */
  async cancelAccepted(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const intent = returningRows(await tx.query(`DELETE FROM workflow_starts WHERE message_id = $1 AND not_before <= now() RETURNING message_id`, [id]));
      const changed = returningRows(
        await tx.query(
          `UPDATE messages SET status = 'cancelled', failure_reason = 'cancelled by the customer before it was sent', updated_at = now()
           WHERE id = $1 AND status = 'accepted' AND (delivery = 'batch' AND batch_id IS NULL OR $2) RETURNING id`,
          [id, intent.length > 0],
        ),
      );
      if (changed.length === 0) return false;
      await this.addEvent(tx, { messageId: id, type: 'cancelled', detail: { reason: 'cancelled by the customer before it was sent' } });
      await queueSmppReceipts(tx, [id]);
      await queueStatusCallbacks(tx, [id], 'cancelled');
      return true;
    });
  }

  async findById(id: string): Promise<MessageEntity | null> {
    return this.opened(await this.db.getRepository(MessageEntity).findOneBy({ id }));
  }

  /** The carriers a message was tried on, in order, and its last attempt (a page's, before it handed the message over). */
  async pastAttempts(id: string): Promise<NonNullable<RoutePlan['previous']>> {
    const rows: { carrier_id: string; status: string; error: { reason?: string; code?: string; rawCode?: string } | null }[] = await this.db.query(
      `SELECT carrier_id, status, error::jsonb AS error FROM message_attempts WHERE message_id = $1 ORDER BY attempt`,
      [id],
    );
    const last = rows.at(-1);
    return { tried: rows.map((r) => r.carrier_id), last: last ? { carrierId: last.carrier_id, status: last.status, error: last.error } : null };
  }

  async findForAccount(accountId: string, id: string): Promise<MessageEntity | null> {
    return this.opened(await this.db.getRepository(MessageEntity).findOneBy({ id, accountId }));
  }

  async findByIdempotencyKey(accountId: string, idempotencyKey: string): Promise<MessageEntity | null> {
    return this.opened(await this.db.getRepository(MessageEntity).findOneBy({ accountId, idempotencyKey }));
  }

  /** The body is sealed at rest (data-keyring.ts): every entity read opens it here. */
  private async opened(message: MessageEntity | null): Promise<MessageEntity | null> {
    if (message) message.body = await keyringOf(this.db).open(message.body);
    return message;
  }

  /** The message's timeline, its `accepted` event first (message-timeline.ts). */
  async events(messageId: string): Promise<TimelineEvent[]> {
    return ((await this.db.query(TIMELINE_SQL, [[messageId]])) as Parameters<typeof toTimelineEvent>[0][]).map(toTimelineEvent);
  }

  attempts(messageId: string): Promise<MessageAttemptEntity[]> {
    return this.db.getRepository(MessageAttemptEntity).find({ where: { messageId }, order: { attempt: 'ASC' } });
  }

  // Each state change below is one statement (data-modifying CTEs): the message's row, its
  // attempt, its event and what the change queues (status callback, SMPP receipt, their NOTIFY)
  // are written together, atomically, in one round trip instead of a transaction of four to six.

  /** Queued with its route: the routing version and rule that chose the carriers, and why. */
  async markQueued(messageId: string, route: { routingVersion: number | null; ruleId: string | null; country?: string; detail: Record<string, unknown> }): Promise<void> {
    await this.db.query(
      `WITH m AS (
         UPDATE messages SET status = 'queued', routing_version = $2, routing_rule_id = $3, country = $4, updated_at = now(), ${NEXT_CALLBACK_SEQUENCE}
         WHERE id = $1 AND status = 'accepted' RETURNING ${CHANGED_MESSAGE_COLUMNS}),
       event AS (INSERT INTO message_events (message_id, type, detail) SELECT id, 'queued', $5::jsonb FROM m),
       ${statusCallbackCtes('m', `'queued'::text`)}
       SELECT ${STATUS_CALLBACKS_NOTIFIED}`,
      [messageId, route.routingVersion, route.ruleId, route.country ?? null, JSON.stringify(route.detail)],
    );
  }

  /**
   * Records the start of an attempt and returns the carrier message id if this attempt was
   * already submitted (an activity retried after the carrier accepted): never submit twice.
   */
  async startAttempt(messageId: string, attempt: number, carrierId: string): Promise<string | null> {
    const [row]: { carrier_message_id: string | null }[] = await this.db.query(
      `WITH submitted AS (
         SELECT carrier_message_id FROM message_attempts
         WHERE message_id = $1 AND attempt = $2 AND carrier_id = $3 AND carrier_message_id IS NOT NULL),
       started AS (
         INSERT INTO message_attempts (message_id, attempt, carrier_id, status)
         SELECT $1::uuid, $2::int, $3::text, 'submitting' WHERE NOT EXISTS (SELECT 1 FROM submitted)
         ON CONFLICT (message_id, attempt) DO UPDATE SET carrier_id = EXCLUDED.carrier_id, status = 'submitting', error = NULL
         RETURNING message_id),
       event AS (INSERT INTO message_events (message_id, type, carrier_id, attempt) SELECT message_id, 'submit_attempt', $3::text, $2::int FROM started)
       SELECT (SELECT carrier_message_id FROM submitted) AS carrier_message_id`,
      [messageId, attempt, carrierId],
    );
    return row.carrier_message_id;
  }

  /** Carrier ids of the parts of an attempt sent as several submit_sm, in order (empty for one part). */
  async partIds(messageId: string, attempt: number): Promise<string[]> {
    const rows: { carrier_message_id: string }[] = await this.db.query(
      `SELECT carrier_message_id FROM message_parts WHERE message_id = $1 AND attempt = $2 ORDER BY part_number`,
      [messageId, attempt],
    );
    return rows.map((r) => r.carrier_message_id);
  }

  async markSubmitted(messageId: string, attempt: number, carrierId: string, carrierMessageId: string, partIds: string[] = [], firstPartOnly = false): Promise<void> {
    const multipart = partIds.length > 1;
    await this.db.query(
      `WITH parts AS (
         INSERT INTO message_parts (carrier_id, carrier_message_id, message_id, attempt, part_number)
         SELECT $3::text, id, $1::uuid, $2::int, n FROM unnest($6::text[]) WITH ORDINALITY AS p(id, n) WHERE cardinality($6::text[]) > 1
         ON CONFLICT DO NOTHING),
       submitted_attempt AS (
         UPDATE message_attempts SET carrier_message_id = $4, status = 'submitted', submitted_at = now(), receipts_first_part_only = $5
         WHERE message_id = $1 AND attempt = $2 AND carrier_id = $3),
       m AS (
         UPDATE messages SET status = 'submitted', carrier_id = $3, attempts = $2, updated_at = now(), ${NEXT_CALLBACK_SEQUENCE}
         WHERE id = $1 RETURNING ${CHANGED_MESSAGE_COLUMNS}),
       event AS (INSERT INTO message_events (message_id, type, carrier_id, attempt, detail) SELECT id, 'submitted', $3::text, $2::int, $7::jsonb FROM m),
       ${statusCallbackCtes('m', `'submitted'::text`)}
       SELECT ${STATUS_CALLBACKS_NOTIFIED}`,
      [messageId, attempt, carrierId, carrierMessageId, multipart && firstPartOnly, partIds, JSON.stringify(multipart ? { carrierMessageId, partIds } : { carrierMessageId })],
    );
  }

  async recordAttemptOutcome(messageId: string, attempt: number, carrierId: string, status: AttemptStatus, detail?: Record<string, unknown>): Promise<void> {
    const eventType: Record<AttemptStatus, MessageEventType | null> = {
      submitting: null,
      submitted: null,
      delivered: 'receipt',
      receipt_failed: 'receipt',
      receipt_timeout: 'receipt_timeout',
      submit_failed: 'submit_failed',
    };
    // Activities run at least once: only the first recording of an outcome changes anything.
    await this.db.query(
      `WITH outcome AS (
         UPDATE message_attempts SET status = $4, error = $5, completed_at = now()
         WHERE message_id = $1 AND attempt = $2 AND carrier_id = $3 AND completed_at IS NULL RETURNING message_id),
       m AS (UPDATE messages SET attempts = GREATEST(attempts, $2), updated_at = now() WHERE id = $1 AND EXISTS (SELECT 1 FROM outcome)),
       event AS (
         INSERT INTO message_events (message_id, type, carrier_id, attempt, detail)
         SELECT message_id, $6::text, $3::text, $2::int, $7::jsonb FROM outcome WHERE $6::text IS NOT NULL)
       SELECT 1`,
      [messageId, attempt, carrierId, status, status === 'delivered' ? null : JSON.stringify(detail ?? {}), eventType[status], detail ? JSON.stringify(detail) : null],
    );
  }

  async finalize(input: FinalizeInput): Promise<void> {
    // Idempotent: a retried finalize finds the message final already and records nothing more.
    const detail = input.reason ? { reason: input.reason, ...input.error } : undefined;
    await this.db.query(
      `WITH m AS (
         UPDATE messages SET status = $2, carrier_id = COALESCE($3, carrier_id), attempts = $4, failure_reason = $5, failure_code = $6, carrier_error_code = $7,
           channel = $8, updated_at = now(), ${NEXT_CALLBACK_SEQUENCE}
         WHERE id = $1 AND status NOT IN ('delivered', 'failed', 'cancelled', 'rejected') RETURNING ${CHANGED_MESSAGE_COLUMNS}),
       event AS (INSERT INTO message_events (message_id, type, carrier_id, attempt, detail) SELECT id, $2::text, $3::text, $4::int, $9::jsonb FROM m),
       ${smppReceiptCtes('m')},
       ${statusCallbackCtes('m', '$2::text')}
       SELECT ${SMPP_RECEIPTS_NOTIFIED}, ${STATUS_CALLBACKS_NOTIFIED}`,
      [
        input.messageId,
        input.status,
        input.carrierId ?? null,
        input.attempts,
        input.reason ?? null,
        input.error?.code ?? null,
        input.error?.rawCode ?? null,
        input.channel ?? 'sms',
        detail ? JSON.stringify(detail) : null,
      ],
    );
  }

  async recordEvent(event: RecordEventInput): Promise<void> {
    await this.addEvent(this.db.manager, event);
  }

  private async addEvent(tx: EntityManager, event: RecordEventInput): Promise<void> {
    await tx.query(`INSERT INTO message_events (message_id, type, carrier_id, attempt, detail) VALUES ($1, $2, $3, $4, $5)`, [
      event.messageId,
      event.type,
      event.carrierId ?? null,
      event.attempt ?? null,
      event.detail ? JSON.stringify(event.detail) : null,
    ]);
  }
}

