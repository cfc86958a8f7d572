// REST request limits that hold across API replicas: requests per second per API key and per
// account, and failed authentications per client IP, counted by rate-limiter-flexible in
// PostgreSQL (`rate_limits`, on the limits pool). A replica takes a key's or account's requests
// from PostgreSQL a lease at a time (a tenth of the limit) and counts them down in memory, so
// most requests cost no round trip, and all replicas together never admit more than the limit
// (a lease left unused when its window ends is lost: a replica may refuse up to a lease early).
// Each limiter keeps an in-memory insurance limiter for when PostgreSQL cannot answer, and blocks
// an exhausted key in memory until its window ends, so a flood costs no round trip once refused.
// Answers carry IETF draft RateLimit headers.
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '@app/contracts';
import type { AuthenticatedKey, LimitsPool } from '@app/db';

/** Failed authentications one client IP may make per window before it is answered 429. */
export const AUTH_FAILURES_PER_WINDOW = 20;
export const AUTH_FAILURE_WINDOW_SECONDS = 60;
/** Access tokens one OAuth2 client may get per minute (each lives 15 minutes). */
export const TOKENS_PER_MINUTE = 30;

const TABLE = 'rate_limits';

export interface LimitHeaders {
  'RateLimit-Policy': string;
  RateLimit: string;
}

interface Policy {
  name: string;
  points: number;
  seconds: number;
}

/** Requests taken from PostgreSQL at once: a tenth of the limit (1 for small limits), at most 50. */
export function leaseSize(points: number): number {
  return Math.max(1, Math.min(50, Math.ceil(points / 10)));
}

/** Requests this replica holds of one key's or account's current window. */
interface Lease {
  left: number;
  endsAt: number;
  /** What PostgreSQL had left for everyone when the lease was taken (for the headers). */
  remainingElsewhere: number;
}

export class RequestLimits {
  private readonly limiters = new Map<string, RateLimiterPostgres>();
  private readonly leases = new Map<string, Lease>();
  private readonly leasing = new Map<string, Promise<void>>();

  constructor(private readonly pool: LimitsPool) {}

  /**
   * Counts one request for its key and its account: the headers to send, and the refusal
   * (429, Retry-After) when over a limit.
   */
  async admit(auth: Pick<AuthenticatedKey, 'keyId' | 'accountId' | 'limits'>): Promise<{ headers: LimitHeaders; refusal: RateLimitedError | null }> {
    const policies: [Policy, string][] = [
      [{ name: 'account', points: auth.limits.requestsPerSecond, seconds: 1 }, auth.accountId],
      [{ name: 'key', points: auth.limits.keyRequestsPerSecond, seconds: 1 }, auth.keyId],
    ];
    const results = await Promise.all(policies.map(([policy, id]) => this.take(policy, id)));
    const headers: LimitHeaders = {
      'RateLimit-Policy': policies.map(([p]) => `"${p.name}";q=${p.points};w=${p.seconds}`).join(', '),
      RateLimit: policies.map(([p], i) => `"${p.name}";r=${results[i].res.remainingPoints};t=${resetSeconds(results[i].res)}`).join(', '),
    };
    const refused = results.findIndex((r) => !r.allowed);
    if (refused < 0) return { headers, refusal: null };
    const [policy] = policies[refused];
    const what = policy.name === 'key' ? 'API key' : 'account';
    return { headers, refusal: new RateLimitedError('rate_limited', `Over ${policy.points} requests per second for this ${what}; retry after Retry-After seconds`, resetSeconds(results[refused].res)) };
  }

  /** Counts a token request of an OAuth2 client; throws a RateLimitedError (429) once over TOKENS_PER_MINUTE. */
  async tokenRequest(clientId: string): Promise<void> {
    const { allowed, res } = await this.consume({ name: 'token', points: TOKENS_PER_MINUTE, seconds: 60 }, clientId);
    if (!allowed) throw new RateLimitedError('too_many_token_requests', `Over ${TOKENS_PER_MINUTE} token requests a minute for this client; retry after ${resetSeconds(res)} s`, resetSeconds(res));
  }

  /** Counts a failed authentication from `ip`; throws a RateLimitedError (429) once over the limit. */
  async failedAuthentication(ip: string): Promise<void> {
    const { allowed, res } = await this.consume({ name: 'authfail', points: AUTH_FAILURES_PER_WINDOW, seconds: AUTH_FAILURE_WINDOW_SECONDS }, ip);
    if (!allowed) {
      throw new RateLimitedError('too_many_failed_authentications', `Too many requests with an invalid API key from this address; retry after ${resetSeconds(res)} s`, resetSeconds(res));
    }
  }

  /** One request from this replica's lease of the window, taking a new lease when it is used up. */
  private async take(policy: Policy, id: string): Promise<{ allowed: boolean; res: Pick<RateLimiterRes, 'remainingPoints' | 'msBeforeNext'> }> {
    const key = `${policy.name}:${policy.points}:${policy.seconds}:${id}`;
    for (;;) {
      const lease = this.leases.get(key);
      const now = Date.now();
      if (lease && lease.endsAt > now && lease.left > 0) {
        lease.left -= 1;
        return { allowed: true, res: { remainingPoints: lease.remainingElsewhere + lease.left, msBeforeNext: lease.endsAt - now } };
      }
      // Requests arriving together wait for one lease rather than each taking one.
      const pending = this.leasing.get(key);
      if (pending) {
        await pending;
        continue;
      }
      let refused: RateLimiterRes | undefined;
      const leasing = this.lease(policy, id).then(({ granted, res }) => {
        if (granted === 0) refused = res;
        else this.leases.set(key, { left: granted, endsAt: Date.now() + res.msBeforeNext, remainingElsewhere: res.remainingPoints });
      });
      this.leasing.set(key, leasing);
      try {
        await leasing;
      } finally {
        this.leasing.delete(key);
      }
      if (refused) return { allowed: false, res: refused };
    }
  }

  /**
   * Takes up to a lease of requests from the shared count: all of it, or what was left of the
   * window when the count passed the limit (the count is added atomically, so each replica
   * learns exactly which of its requests were within the limit).
   */
  private async lease(policy: Policy, id: string): Promise<{ granted: number; res: RateLimiterRes }> {
    const size = leaseSize(policy.points);
    const { allowed, res } = await this.consume(policy, id, size);
    if (allowed) return { granted: size, res };
    // Refused from memory (the key is blocked until its window ends): the count was not touched.
    if (res.consumedPoints < size) return { granted: 0, res };
    return { granted: Math.max(0, Math.min(size, policy.points - (res.consumedPoints - size))), res };
  }

  private async consume(policy: Policy, id: string, points = 1): Promise<{ allowed: boolean; res: RateLimiterRes }> {
    try {
      return { allowed: true, res: await this.limiter(policy).consume(id, points) };
    } catch (rejection) {
      // Over the limit (the insurance limiter answers when PostgreSQL cannot, so no Error here).
      if (rejection instanceof RateLimiterRes) return { allowed: false, res: rejection };
      throw rejection;
    }
  }

  /** One limiter per policy and size (an operator's change of a limit starts using another), all in one table. */
  private limiter(policy: Policy): RateLimiterPostgres {
    const id = `${policy.name}:${policy.points}:${policy.seconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterPostgres({
        storeClient: this.pool,
        storeType: 'pool',
        tableName: TABLE,
        tableCreated: true,
        keyPrefix: policy.name,
        points: policy.points,
        duration: policy.seconds,
        inMemoryBlockOnConsumed: policy.points + 1,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: policy.name, points: policy.points, duration: policy.seconds }),
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

function resetSeconds(res: Pick<RateLimiterRes, 'msBeforeNext'>): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
