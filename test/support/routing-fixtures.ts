// Fixtures shared by the routing specs (libs/domain/src/routing/*.spec.ts).
import type { RouteRequest, RoutingRule } from '../../libs/domain/src/routing/routing-rule';

export const ACCOUNT = '11111111-1111-4111-8111-111111111111';

export const routeRequest = (over: Partial<RouteRequest> = {}): RouteRequest => ({
  to: '+14155552671',
  country: 'US',
  priority: 'transactional',
  senderType: 'alphanumeric',
  accountId: ACCOUNT,
  segments: 1,
  ...over,
});

/** A priority rule over carrier "a", with the given criteria. */
export const priorityRule = (id: string, over: Partial<RoutingRule> = {}): RoutingRule => ({ id, strategy: 'priority', targets: [{ carrierId: 'a' }], ...over });

/** Seeded PRNG (mulberry32): the same draws on every run. */
export function seeded(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
