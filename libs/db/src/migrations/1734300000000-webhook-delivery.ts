import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks you can trust (the `status_callbacks` outbox carries status callbacks and inbound
 * webhooks alike):
 * - `order_key`: what a webhook is ordered within (the message of a status callback, the
 *   conversation of an inbound webhook), generated from the row so every insert path sets it.
 *   A webhook is sent only once every earlier webhook of its key is done.
 * - `delivered_at` tells a delivered webhook from one given up; `queued_at` starts the retry
 *   window (a replay starts a new one).
 * - `webhook_attempts`: every try (time, HTTP status or coarse error, latency, outcome, next
 *   retry), the delivery log of GET /v1/webhooks/deliveries.
 * - `webhook_endpoints`: health per (account, URL): failing for long marks it unhealthy, and its
 *   webhooks are then held (probed one at a time) until it answers again.
 */
export class WebhookDelivery1734300000000 implements MigrationInterface {
  name = 'WebhookDelivery1734300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE status_callbacks
      ADD COLUMN order_key text GENERATED ALWAYS AS (coalesce(message_id::text, payload->>'conversationId', inbound_id::text)) STORED,
      ADD COLUMN delivered_at timestamptz,
      ADD COLUMN queued_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`UPDATE status_callbacks SET queued_at = created_at, delivered_at = CASE WHEN done_at IS NOT NULL AND last_error IS NULL THEN done_at END`);
    await q.query(`CREATE INDEX status_callbacks_order ON status_callbacks (order_key, id) WHERE done_at IS NULL`);
    await q.query(`CREATE INDEX status_callbacks_account ON status_callbacks (account_id, id DESC)`);
    await q.query(`CREATE TABLE webhook_attempts (
      id bigserial PRIMARY KEY,
      callback_id bigint NOT NULL REFERENCES status_callbacks(id) ON DELETE CASCADE,
      attempted_at timestamptz NOT NULL DEFAULT now(),
      http_status int,
      error text,
      latency_ms int NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'held', 'failed')),
      next_retry_at timestamptz)`);
    await q.query(`CREATE INDEX webhook_attempts_callback ON webhook_attempts (callback_id, id)`);
    await q.query(`CREATE TABLE webhook_endpoints (
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      url text NOT NULL,
      healthy boolean NOT NULL DEFAULT true,
      last_success_at timestamptz,
      last_failure_at timestamptz,
      failing_since timestamptz,
      unhealthy_since timestamptz,
      next_probe_at timestamptz,
      PRIMARY KEY (account_id, url))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_endpoints`);
    await q.query(`DROP TABLE webhook_attempts`);
    await q.query(`DROP INDEX status_callbacks_account`);
    await q.query(`DROP INDEX status_callbacks_order`);
    await q.query(`ALTER TABLE status_callbacks DROP COLUMN order_key, DROP COLUMN delivered_at, DROP COLUMN queued_at`);
  }
}
