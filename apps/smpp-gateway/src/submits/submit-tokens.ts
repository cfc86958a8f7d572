// Submit throughput limits that hold across gateway replicas: the credential's
// throughputPerSecond and its account's ceiling (set by operators). Tokens of the current second
// are leased from PostgreSQL (smpp_rate_windows, both windows at once) in chunks of a tenth of
// the lower limit, and spent here without a round trip; when a window is spent no replica gets
// more until the next second. Concurrent submits wait for one lease, never start several.
import type { SmppGatewayStateRepository } from '@app/db';

/** Leases per window at full rate: a bigger chunk means fewer round trips but more tokens idle in one replica. */
const CHUNKS_PER_WINDOW = 10;

interface Bucket {
  tokens: number;
  expiresAt: number;
  /** The window is spent: refuse until then without asking PostgreSQL. */
  spentUntil: number;
  leasing?: Promise<void>;
}

export interface TokenLimits {
  systemId: string;
  accountId: string;
  credentialPerSecond: number;
  accountPerSecond: number;
}

export class SubmitTokens {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly state: SmppGatewayStateRepository) {}

  /** True when the submit may go on; false: over a limit this second (ESME_RTHROTTLED). */
  async take(limits: TokenLimits): Promise<boolean> {
    let bucket = this.buckets.get(limits.systemId);
    if (!bucket) {
      bucket = { tokens: 0, expiresAt: 0, spentUntil: 0 };
      this.buckets.set(limits.systemId, bucket);
    }
    // Each lease grants at least one token or marks the window spent, so this ends.
    for (;;) {
      const now = Date.now();
      if (bucket.tokens > 0 && now < bucket.expiresAt) {
        bucket.tokens -= 1;
        return true;
      }
      if (now < bucket.spentUntil) return false;
      bucket.leasing ??= this.lease(bucket, limits).finally(() => (bucket.leasing = undefined));
      await bucket.leasing;
    }
  }

  private async lease(bucket: Bucket, limits: TokenLimits): Promise<void> {
    const lower = Math.min(limits.credentialPerSecond, limits.accountPerSecond);
    const want = Math.max(1, Math.ceil(lower / CHUNKS_PER_WINDOW));
    const { granted, expiresInMs } = await this.state.leaseTokens(
      [
        { key: `acct:${limits.accountId}`, limit: limits.accountPerSecond },
        { key: `cred:${limits.systemId}`, limit: limits.credentialPerSecond },
      ],
      want,
    );
    const expiresAt = Date.now() + expiresInMs;
    bucket.tokens = granted;
    bucket.expiresAt = expiresAt;
    if (granted === 0) bucket.spentUntil = expiresAt;
  }
}
