// Accounts' SMPP ceilings as the gateway uses them on every bind and lease: read from
// PostgreSQL at most every few seconds per account, and at once after a change is announced.
import type { SmppAccountLimits, SmppCredentialRepository } from '@app/db';

const TTL_MS = 10_000;

export class AccountLimitsCache {
  private readonly entries = new Map<string, { limits: Promise<SmppAccountLimits>; at: number }>();

  constructor(private readonly credentials: SmppCredentialRepository) {}

  get(accountId: string): Promise<SmppAccountLimits> {
    const cached = this.entries.get(accountId);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.limits;
    const limits = this.credentials.accountLimits(accountId);
    this.entries.set(accountId, { limits, at: Date.now() });
    limits.catch(() => this.entries.delete(accountId));
    return limits;
  }

  invalidate(accountId: string): void {
    this.entries.delete(accountId);
  }
}
