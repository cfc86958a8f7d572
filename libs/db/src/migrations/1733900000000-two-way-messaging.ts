import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two-way messaging (inbound MO by signal) and signed webhooks:
 * - `conversations`: one row per (our number, subscriber), the id of its `conversation-<id>`
 *   workflow (no phone number in a workflow id or in history); `account_id` is who holds the
 *   number when its last MO arrived (null: nobody, the MO is stored and counted only).
 * - `inbound_messages` learn their conversation, the carrier's MO id (HTTP carriers, SMPP
 *   `receipted_message_id`) and a content key, which deduplicate carrier retries; parts of a
 *   concatenated MO wait in `inbound_parts` until the last one arrives.
 * - `conversation_signals`: accept at commit for conversations. An MO (and an outbound reply
 *   in a conversation) is written with its signal intent in one transaction; the worker's
 *   conversation dispatcher signals-with-start the workflow and drops the intent.
 * - `messages.conversation_id`: an outbound message from a number to a subscriber that has a
 *   conversation with the sending account joins it, set by a trigger at insert (every intake
 *   path, single and multi-row, without a round trip) and queued as a `reply` signal.
 * - webhooks: `accounts.inbound_webhook_url`; secrets per account (`webhook_secrets`, sealed
 *   with SECRETS_KEY, two active during a rotation); the `status_callbacks` outbox carries
 *   inbound webhooks too (`kind`), each with an `event_id`.
 */
export class TwoWayMessaging1733900000000 implements MigrationInterface {
  name = 'TwoWayMessaging1733900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts ADD COLUMN inbound_webhook_url text`);
    await q.query(`CREATE TABLE webhook_secrets (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      sealed text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz)`);
    await q.query(`CREATE INDEX webhook_secrets_account ON webhook_secrets (account_id, created_at)`);
    await q.query(`CREATE TABLE conversations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      our_number text NOT NULL,
      subscriber text NOT NULL,
      account_id uuid REFERENCES accounts(id) ON DELETE SET NULL,
      inbound_count int NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_message_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (our_number, subscriber))`);
    await q.query(`CREATE INDEX conversations_account ON conversations (account_id, last_message_at DESC, id DESC)`);
    await q.query(`ALTER TABLE inbound_messages
      ADD COLUMN conversation_id uuid REFERENCES conversations(id) ON DELETE SET NULL,
      ADD COLUMN carrier_mo_id text,
      ADD COLUMN content_key text,
      ADD COLUMN parts int NOT NULL DEFAULT 1,
      ADD COLUMN sequence int NOT NULL DEFAULT 1,
      ADD COLUMN recorded_at timestamptz,
      ADD COLUMN keyword_result text,
      ADD COLUMN forwarded_at timestamptz,
      ADD COLUMN forwarded_to text[] NOT NULL DEFAULT '{}'`);
    await q.query(`CREATE UNIQUE INDEX inbound_messages_carrier_mo ON inbound_messages (carrier_id, carrier_mo_id) WHERE carrier_mo_id IS NOT NULL`);
    await q.query(`CREATE INDEX inbound_messages_content ON inbound_messages (carrier_id, content_key, received_at) WHERE content_key IS NOT NULL`);
    await q.query(`CREATE INDEX inbound_messages_account ON inbound_messages (account_id, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX inbound_messages_conversation ON inbound_messages (conversation_id, received_at)`);
    await q.query(`CREATE TABLE inbound_parts (
      carrier_id text NOT NULL,
      from_number text NOT NULL,
      to_number text NOT NULL,
      reference int NOT NULL,
      total int NOT NULL,
      sequence int NOT NULL,
      body text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (carrier_id, from_number, to_number, reference, total, sequence))`);
    await q.query(`CREATE TABLE conversation_signals (
      id bigserial PRIMARY KEY,
      conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('inbound', 'reply')),
      ref_id uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      not_before timestamptz NOT NULL DEFAULT now(),
      tries int NOT NULL DEFAULT 0,
      UNIQUE (kind, ref_id))`);
    await q.query(`CREATE INDEX conversation_signals_due ON conversation_signals (not_before, id)`);
    await q.query(`ALTER TABLE messages ADD COLUMN conversation_id uuid`);
    await q.query(`CREATE INDEX messages_conversation ON messages (conversation_id, created_at) WHERE conversation_id IS NOT NULL`);
    await q.query(`CREATE INDEX messages_account_created ON messages (account_id, created_at DESC, id DESC)`);
    // A reply joins its conversation at accept, whichever intake path inserted it.
    await q.query(`CREATE FUNCTION messages_join_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.conversation_id IS NULL THEN
          SELECT id INTO NEW.conversation_id FROM conversations
          WHERE our_number = NEW.from_address AND subscriber = NEW.to_number AND account_id = NEW.account_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER messages_join_conversation BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION messages_join_conversation()`);
    await q.query(`CREATE FUNCTION messages_signal_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO conversation_signals (conversation_id, kind, ref_id) VALUES (NEW.conversation_id, 'reply', NEW.id) ON CONFLICT DO NOTHING;
        UPDATE conversations SET last_message_at = now() WHERE id = NEW.conversation_id;
        PERFORM pg_notify('conversation_signals', '');
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER messages_signal_conversation AFTER INSERT ON messages FOR EACH ROW WHEN (NEW.conversation_id IS NOT NULL) EXECUTE FUNCTION messages_signal_conversation()`);
    await q.query(`ALTER TABLE status_callbacks
      ALTER COLUMN message_id DROP NOT NULL,
      ADD COLUMN kind text NOT NULL DEFAULT 'status' CHECK (kind IN ('status', 'inbound')),
      ADD COLUMN inbound_id uuid REFERENCES inbound_messages(id) ON DELETE CASCADE,
      ADD COLUMN event_id uuid NOT NULL DEFAULT gen_random_uuid()`);
    await q.query(`CREATE UNIQUE INDEX status_callbacks_one_inbound ON status_callbacks (inbound_id) WHERE inbound_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX status_callbacks_one_inbound`);
    await q.query(`DELETE FROM status_callbacks WHERE kind = 'inbound'`);
    await q.query(`ALTER TABLE status_callbacks DROP COLUMN event_id, DROP COLUMN inbound_id, DROP COLUMN kind, ALTER COLUMN message_id SET NOT NULL`);
    await q.query(`DROP TRIGGER messages_signal_conversation ON messages`);
    await q.query(`DROP TRIGGER messages_join_conversation ON messages`);
    await q.query(`DROP FUNCTION messages_signal_conversation()`);
    await q.query(`DROP FUNCTION messages_join_conversation()`);
    await q.query(`DROP INDEX messages_account_created`);
    await q.query(`ALTER TABLE messages DROP COLUMN conversation_id`);
    await q.query(`DROP TABLE conversation_signals`);
    await q.query(`DROP TABLE inbound_parts`);
    await q.query(`ALTER TABLE inbound_messages DROP COLUMN conversation_id, DROP COLUMN carrier_mo_id, DROP COLUMN content_key, DROP COLUMN parts, DROP COLUMN sequence,
      DROP COLUMN recorded_at, DROP COLUMN keyword_result, DROP COLUMN forwarded_at, DROP COLUMN forwarded_to`);
    await q.query(`DROP TABLE conversations`);
    await q.query(`DROP TABLE webhook_secrets`);
    await q.query(`ALTER TABLE accounts DROP COLUMN inbound_webhook_url`);
  }
}
