// Webhook settings of an account: the inbound webhook URL and the secrets its webhooks (status
// callbacks and inbound messages) are signed with. A secret is generated here, returned once,
// and kept sealed with SECRETS_KEY (the sender must be able to sign with it, so it cannot be a
// hash). Rotation keeps the previous secret active for an overlap window: meanwhile both sign
// every webhook, so a receiver can switch at its own pace.
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { returningRows } from './returning';
import type { SecretBox } from '../secrets';

export interface WebhookSettings {
  inboundWebhookUrl: string | null;
  /** Secrets in use (newest first): when each was created and, during a rotation, until when the older one signs. */
  secrets: { id: string; createdAt: Date; expiresAt: Date | null }[];
}

/** `whsec_` + 32 random bytes, base64url. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export class WebhookSecretRepository {
  constructor(
    private readonly db: DataSource,
    private readonly box: SecretBox,
  ) {}

  async settings(accountId: string): Promise<WebhookSettings | null> {
    const account: { inbound_webhook_url: string | null }[] = await this.db.query(`SELECT inbound_webhook_url FROM accounts WHERE id = $1`, [accountId]);
    if (!account[0]) return null;
    const secrets: { id: string; created_at: Date; expires_at: Date | null }[] = await this.db.query(
      `SELECT id, created_at, expires_at FROM webhook_secrets WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC`,
      [accountId],
    );
    return { inboundWebhookUrl: account[0].inbound_webhook_url, secrets: secrets.map((s) => ({ id: s.id, createdAt: s.created_at, expiresAt: s.expires_at })) };
  }

  /** Sets (or clears, with null) the inbound webhook URL; the first configuration also creates the signing secret, returned once. */
  async setInboundWebhookUrl(accountId: string, url: string | null): Promise<{ secret: string | null }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
      await tx.query(`UPDATE accounts SET inbound_webhook_url = $2 WHERE id = $1`, [accountId, url]);
      const active: unknown[] = await tx.query(`SELECT 1 FROM webhook_secrets WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > now())`, [accountId]);
      if (active.length > 0) return { secret: null };
      const secret = newWebhookSecret();
      await tx.query(`INSERT INTO webhook_secrets (account_id, sealed) VALUES ($1, $2)`, [accountId, this.box.seal(secret)]);
      return { secret };
    });
  }

  /**
   * A new secret (returned once); the ones active until now keep signing for `overlapSeconds`
   * (0: retired at once). Older secrets already expiring keep their earlier end.
   */
  async rotate(accountId: string, overlapSeconds: number): Promise<{ secret: string; previousExpiresAt: Date | null }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
      const retired = returningRows<{ expires_at: Date }>(
        await tx.query(
          `UPDATE webhook_secrets SET expires_at = now() + make_interval(secs => $2) WHERE account_id = $1 AND expires_at IS NULL RETURNING expires_at`,
          [accountId, overlapSeconds],
        ),
      );
      const secret = newWebhookSecret();
      await tx.query(`INSERT INTO webhook_secrets (account_id, sealed) VALUES ($1, $2)`, [accountId, this.box.seal(secret)]);
      return { secret, previousExpiresAt: retired[0]?.expires_at ?? null };
    });
  }

  /**
   * The secrets that sign this account's webhooks now, newest first. An account that never set
   * one up gets one here (every webhook is signed; it learns the secret by rotating).
   */
  async signingSecrets(accountId: string): Promise<string[]> {
    let rows: { sealed: string }[] = await this.db.query(
      `SELECT sealed FROM webhook_secrets WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC LIMIT 2`,
      [accountId],
    );
    if (rows.length === 0) {
      await this.ensureSecret(accountId);
      rows = await this.db.query(`SELECT sealed FROM webhook_secrets WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC LIMIT 2`, [accountId]);
    }
    return rows.map((r) => this.box.open(r.sealed));
  }

  private async ensureSecret(accountId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
      const active: unknown[] = await tx.query(`SELECT 1 FROM webhook_secrets WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > now())`, [accountId]);
      if (active.length === 0) await tx.query(`INSERT INTO webhook_secrets (account_id, sealed) VALUES ($1, $2)`, [accountId, this.box.seal(newWebhookSecret())]);
    });
  }
}
