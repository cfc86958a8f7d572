import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SMPP gateway: customers' SMPP credentials (password hashed), the parts of multipart
 * submits waiting for their siblings, the outbox of deliver_sm (receipts and inbound messages)
 * for customers' binds, the numbers each account receives on, and on messages where they came
 * from and whether a receipt was asked for. Also per-account smart encoding and the
 * `cancelled` status (cancel_sm).
 */
export class SmppGateway1733100000000 implements MigrationInterface {
  name = 'SmppGateway1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts ADD COLUMN smart_encoding boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE messages
      ADD COLUMN source text NOT NULL DEFAULT 'api',
      ADD COLUMN smpp_system_id text,
      ADD COLUMN registered_delivery smallint NOT NULL DEFAULT 0,
      ADD COLUMN send_at timestamptz`);
    await q.query(`CREATE TABLE smpp_credentials (
      system_id text PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      password_hash text NOT NULL,
      max_binds int NOT NULL,
      allowed_ips text[] NOT NULL DEFAULT '{}',
      throughput_per_second int NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX smpp_credentials_account ON smpp_credentials (account_id)`);
    await q.query(`CREATE TABLE smpp_multipart_groups (
      id uuid PRIMARY KEY,
      system_id text NOT NULL,
      group_key text NOT NULL,
      total int NOT NULL,
      submit jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (system_id, group_key))`);
    await q.query(`CREATE TABLE smpp_multipart_parts (
      group_id uuid NOT NULL REFERENCES smpp_multipart_groups(id) ON DELETE CASCADE,
      sequence int NOT NULL,
      octets bytea NOT NULL,
      PRIMARY KEY (group_id, sequence))`);
    await q.query(`CREATE TABLE smpp_deliveries (
      id bigserial PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      system_id text,
      kind text NOT NULL CHECK (kind IN ('receipt', 'inbound')),
      message_id uuid,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      attempts int NOT NULL DEFAULT 0,
      lease_until timestamptz,
      delivered_at timestamptz)`);
    await q.query(`CREATE INDEX smpp_deliveries_pending ON smpp_deliveries (account_id, id) WHERE delivered_at IS NULL`);
    await q.query(`CREATE UNIQUE INDEX smpp_deliveries_one_receipt ON smpp_deliveries (message_id) WHERE kind = 'receipt'`);
    // Carrier ids of every part of a message sent as several submit_sm (UDH/SAR concatenation).
    await q.query(`CREATE TABLE message_parts (
      carrier_id text NOT NULL,
      carrier_message_id text NOT NULL,
      message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      attempt int NOT NULL,
      part_number int NOT NULL,
      PRIMARY KEY (carrier_id, carrier_message_id))`);
    await q.query(`CREATE INDEX message_parts_message ON message_parts (message_id, attempt)`);
    await q.query(`CREATE TABLE account_numbers (
      number text PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE inbound_messages (
      id uuid PRIMARY KEY,
      carrier_id text NOT NULL,
      from_number text NOT NULL,
      to_number text NOT NULL,
      body text NOT NULL,
      account_id uuid REFERENCES accounts(id) ON DELETE SET NULL,
      received_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['inbound_messages', 'account_numbers', 'message_parts', 'smpp_deliveries', 'smpp_multipart_parts', 'smpp_multipart_groups', 'smpp_credentials']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`ALTER TABLE messages DROP COLUMN source, DROP COLUMN smpp_system_id, DROP COLUMN registered_delivery, DROP COLUMN send_at`);
    await q.query(`ALTER TABLE accounts DROP COLUMN smart_encoding`);
  }
}
