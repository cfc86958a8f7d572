import { matchRule } from './match-rules';
import { backoffDelayMs, DEFAULT_POLICIES, planRoute } from './plan-route';
import { CarrierFacts, NoRouteError, RouteRequest, RoutingRule } from './routing-rule';
import { orderCandidates, qualityScore } from './strategies';
import { validateRule, validateRuleSet } from './validate-rule';

const request = (over: Partial<RouteRequest> = {}): RouteRequest => ({
  to: '+14155552671',
  country: 'US',
  priority: 'transactional',
  senderType: 'alphanumeric',
  accountId: '11111111-1111-4111-8111-111111111111',
  segments: 1,
  ...over,
});
const rule = (id: string, over: Partial<RoutingRule> = {}): RoutingRule => ({ id, strategy: 'priority', targets: [{ carrierId: 'a' }], ...over });

/** Deterministic PRNG (mulberry32) for distribution tests. */
function seeded(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('matchRule', () => {
  const rules = [rule('default'), rule('us', { countries: ['US'] }), rule('1415', { prefixes: ['1415'] }), rule('1', { prefixes: ['1'] })];

  it('prefers the longest prefix, then country, then the default', () => {
    expect(matchRule(rules, request()).id).toBe('1415');
    expect(matchRule(rules, request({ to: '+12125550100' })).id).toBe('1');
    expect(matchRule([rule('default'), rule('us', { countries: ['US'] })], request()).id).toBe('us');
    expect(matchRule(rules, request({ to: '+447400123456', country: 'GB' })).id).toBe('default');
  });

  it('requires every listed criterion (prefix and country together)', () => {
    const both = rule('both', { prefixes: ['44'], countries: ['GB'] });
    expect(matchRule([rule('default'), both], request({ to: '+447400123456', country: 'GB' })).id).toBe('both');
    expect(matchRule([rule('default'), both], request({ to: '+447400123456', country: 'GG' })).id).toBe('default');
  });

  it('ranks an account- or priority-specific rule above a generic one of the same reach', () => {
    const acct = rule('acct', { countries: ['US'], accountIds: [request().accountId] });
    const otp = rule('otp', { countries: ['US'], priorities: ['otp'] });
    const generic = rule('generic', { countries: ['US'] });
    expect(matchRule([generic, otp, acct], request()).id).toBe('acct');
    expect(matchRule([generic, otp], request({ priority: 'otp' })).id).toBe('otp');
    expect(matchRule([generic, otp], request({ priority: 'marketing' })).id).toBe('generic');
    expect(matchRule([generic, rule('short', { countries: ['US'], senderTypes: ['short_code'] })], request({ senderType: 'short_code' })).id).toBe('short');
  });

  it('keeps the earlier of two equally specific rules, and matches networks when known', () => {
    expect(matchRule([rule('first', { countries: ['US'] }), rule('second', { countries: ['US'] })], request()).id).toBe('first');
    const net = rule('tmo', { networks: ['310260'] });
    expect(matchRule([rule('us', { countries: ['US'] }), net], request({ network: '310260' })).id).toBe('tmo');
    expect(matchRule([rule('d'), net], request()).id).toBe('d');
  });

  it('throws NoRouteError when nothing matches', () => {
    expect(() => matchRule([rule('us', { countries: ['US'] })], request({ country: 'FR', to: '+33612345678' }))).toThrow(NoRouteError);
  });
});

describe('orderCandidates', () => {
  const facts = (over: Record<string, Partial<CarrierFacts>> = {}): CarrierFacts[] =>
    ['a', 'b', 'c'].map((carrierId) => ({ carrierId, enabled: true, ...over[carrierId] }));
  const targets = [{ carrierId: 'a' }, { carrierId: 'b' }, { carrierId: 'c' }];
  const ids = (r: { candidates: { carrierId: string }[] }) => r.candidates.map((c) => c.carrierId);

  it('priority keeps the order; skips disabled and open-circuit carriers; puts half-open last', () => {
    const r = orderCandidates(rule('p', { targets }), facts({ a: { health: { circuit: 'half_open' } }, b: { enabled: false }, c: {} }), request(), Math.random);
    expect(ids(r)).toEqual(['c', 'a']);
    expect(r.skipped).toEqual([{ carrierId: 'b', reason: 'disabled' }]);
    const open = orderCandidates(rule('p', { targets }), facts({ a: { health: { circuit: 'open' } } }), request(), Math.random);
    expect(ids(open)).toEqual(['b', 'c']);
    expect(open.skipped[0].reason).toMatch(/circuit open/);
  });

  it('least_cost sorts by the destination price, falls back to *, puts unpriced last', () => {
    const r = orderCandidates(
      rule('lc', { strategy: 'least_cost', targets }),
      facts({ a: { costs: { US: 0.01 } }, b: { costs: { '*': 0.005 } }, c: {} }),
      request({ segments: 3 }),
      Math.random,
    );
    expect(ids(r)).toEqual(['b', 'a', 'c']);
    expect(r.candidates[0]).toMatchObject({ costPerSegment: 0.005, estimatedCost: 0.015, reason: 'cheapest: 0.005/segment in US' });
    expect(r.candidates[2].reason).toMatch(/no price/);
  });

  it('weighted draws the first carrier by weight (10,000 draws within ±2 %)', () => {
    const weighted = rule('w', { strategy: 'weighted', targets: [{ carrierId: 'a', weight: 70 }, { carrierId: 'b', weight: 20 }, { carrierId: 'c', weight: 10 }] });
    const random = seeded(42);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 10_000; i += 1) counts[orderCandidates(weighted, facts(), request(), random).candidates[0].carrierId] += 1;
    expect(counts.a / 10_000).toBeCloseTo(0.7, 1);
    expect(Math.abs(counts.b / 10_000 - 0.2)).toBeLessThan(0.02);
    expect(Math.abs(counts.c / 10_000 - 0.1)).toBeLessThan(0.02);
    const r = orderCandidates(weighted, facts(), request(), () => 0.95);
    expect(ids(r)).toEqual(['c', 'a', 'b']);
  });

  it('quality ranks by delivery rate with a prior for few samples, then latency, then cost', () => {
    const r = orderCandidates(
      rule('q', { strategy: 'quality', targets }),
      facts({
        a: { health: { circuit: 'closed', deliveryRate: 0.6, receiptLatencyMs: 2000, samples: 500 } },
        b: { health: { circuit: 'closed', deliveryRate: 0.99, receiptLatencyMs: 3000, samples: 500 } },
        c: { health: { circuit: 'closed', deliveryRate: 0, samples: 2 } },
      }),
      request(),
      Math.random,
    );
    expect(ids(r)).toEqual(['b', 'c', 'a']);
    expect(qualityScore({ carrierId: 'x', enabled: true })).toBeCloseTo(0.9);
    const tie = orderCandidates(rule('q', { strategy: 'quality', targets }), facts({ a: { costs: { US: 2 } }, b: { costs: { US: 1 } }, c: { costs: { US: 3 } } }), request(), Math.random);
    expect(ids(tie)).toEqual(['b', 'a', 'c']);
  });
});

describe('planRoute', () => {
  it('returns the rule, candidates and the policy for the priority, with rule overrides', () => {
    const rules = [rule('default', { targets: [{ carrierId: 'a' }] }), rule('otp', { priorities: ['otp'], targets: [{ carrierId: 'a' }], policy: { maxAttempts: 2 } })];
    const plan = planRoute(rules, [{ carrierId: 'a', enabled: true }], request({ priority: 'otp' }), Math.random);
    expect(plan).toMatchObject({ ruleId: 'otp', strategy: 'priority', candidates: [{ carrierId: 'a' }] });
    expect(plan.policy).toEqual({ ...DEFAULT_POLICIES.otp, maxAttempts: 2 });
    expect(planRoute(rules, [{ carrierId: 'a', enabled: true }], request({ priority: 'marketing' }), Math.random).policy.receiptWaitMs).toBe(600_000);
  });

  it('backs off exponentially with equal jitter, capped', () => {
    const policy = DEFAULT_POLICIES.transactional; // 2 s initial, ×2, max 30 s
    expect(backoffDelayMs(policy, 2, () => 0)).toBe(1000);
    expect(backoffDelayMs(policy, 2, () => 1)).toBe(2000);
    expect(backoffDelayMs(policy, 4, () => 0.5)).toBe(6000);
    expect(backoffDelayMs(policy, 20, () => 1)).toBe(30_000);
  });
});

describe('validateRule', () => {
  it('accepts a good rule', () => {
    expect(validateRule({ id: 'us-otp', countries: ['US'], priorities: ['otp'], strategy: 'least_cost', targets: [{ carrierId: 'a' }], policy: { maxAttempts: 2 } })).toEqual([]);
  });

  it.each([
    [{ id: 'x', strategy: 'fastest', targets: [{ carrierId: 'a' }] }, 'strategy'],
    [{ id: 'x', strategy: 'priority', targets: [] }, 'targets'],
    [{ id: 'x', strategy: 'priority', countries: ['usa'], targets: [{ carrierId: 'a' }] }, 'countries[0]'],
    [{ id: 'x', strategy: 'priority', prefixes: ['+1'], targets: [{ carrierId: 'a' }] }, 'prefixes[0]'],
    [{ id: 'x', strategy: 'priority', targets: [{ carrierId: 'a' }, { carrierId: 'a' }] }, 'targets[1].carrierId'],
    [{ id: 'x', strategy: 'weighted', targets: [{ carrierId: 'a', weight: 50 }, { carrierId: 'b', weight: 40 }] }, 'targets'],
    [{ id: 'x', strategy: 'weighted', targets: [{ carrierId: 'a', weight: -1 }] }, 'targets[0].weight'],
    [{ id: 'x', strategy: 'priority', targets: [{ carrierId: 'a' }], policy: { maxAttempts: 0 } }, 'policy.maxAttempts'],
    [{ id: 'x', strategy: 'priority', targets: [{ carrierId: 'a' }], colour: 'red' }, 'colour'],
    [{ id: '', strategy: 'priority', targets: [{ carrierId: 'a' }] }, 'id'],
  ])('names the field at fault (%#)', (input, field) => {
    expect(validateRule(input).map((p) => p.field)).toContain(field);
  });

  it('checks carriers exist when told which do', () => {
    expect(validateRule({ id: 'x', strategy: 'priority', targets: [{ carrierId: 'zeta' }] }, new Set(['a']))).toEqual([{ field: 'targets[0].carrierId', message: 'no carrier "zeta"' }]);
  });

  it('requires a default rule and unique ids in a rule set', () => {
    expect(validateRuleSet([{ id: 'us', countries: ['US'], strategy: 'priority', targets: [{ carrierId: 'a' }] }])[0].field).toBe('rules');
    const dup = validateRuleSet([
      { id: 'd', strategy: 'priority', targets: [{ carrierId: 'a' }] },
      { id: 'd', strategy: 'priority', targets: [{ carrierId: 'a' }] },
    ]);
    expect(dup).toEqual([{ field: 'rules[1].id', message: 'rule id "d" is used twice' }]);
    expect(validateRuleSet([{ id: 'd', strategy: 'priority', targets: [{ carrierId: 'a', x: 1 }] }])).toEqual([]);
  });
});

describe('probes of half-open carriers', () => {
  const rules: RoutingRule[] = [{ id: 'd', strategy: 'priority', targets: [{ carrierId: 'a' }, { carrierId: 'b' }] }];
  const facts: CarrierFacts[] = [
    { carrierId: 'a', enabled: true, health: { circuit: 'half_open' } },
    { carrierId: 'b', enabled: true, health: { circuit: 'closed' } },
  ];
  it('puts a half-open carrier first for the probe share of messages, last otherwise', () => {
    expect(planRoute(rules, facts, request(), () => 0.1).candidates.map((c) => c.carrierId)).toEqual(['a', 'b']);
    expect(planRoute(rules, facts, request(), () => 0.1).candidates[0].reason).toMatch(/probe/);
    expect(planRoute(rules, facts, request(), () => 0.5).candidates.map((c) => c.carrierId)).toEqual(['b', 'a']);
  });
});
