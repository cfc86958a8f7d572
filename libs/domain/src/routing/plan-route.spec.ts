import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backoffDelayMs, DEFAULT_POLICIES, planRoute, policyFor } from './plan-route';
import { CarrierFacts, MessagePriority, NoRouteError, RoutingRule } from './routing-rule';
import { priorityRule, routeRequest, seeded } from '../../../../test/support/routing-fixtures';

const request = routeRequest;
const rule = priorityRule;
const enabled = (...ids: string[]): CarrierFacts[] => ids.map((carrierId) => ({ carrierId, enabled: true }));


describe('planRoute', () => {
  it('combines the matching rule, its ordered candidates, the skipped carriers and the policy', () => {
    const rules = [
      rule('default', { targets: [{ carrierId: 'a' }] }),
      rule('us', { countries: ['US'], strategy: 'least_cost', targets: [{ carrierId: 'a' }, { carrierId: 'b' }, { carrierId: 'c' }] }),
    ];
    const facts: CarrierFacts[] = [
      { carrierId: 'a', enabled: true, costs: { US: 0.01 } },
      { carrierId: 'b', enabled: true, costs: { US: 0.004 } },
      { carrierId: 'c', enabled: false },
    ];
    expect(planRoute(rules, facts, request({ segments: 2 }), Math.random)).toEqual({
      ruleId: 'us',
      strategy: 'least_cost',
      candidates: [
        { carrierId: 'b', reason: 'cheapest: 0.004/segment in US', costPerSegment: 0.004, estimatedCost: 0.008 },
        { carrierId: 'a', reason: 'rank 2 by cost: 0.01/segment in US', costPerSegment: 0.01, estimatedCost: 0.02 },
      ],
      skipped: [{ carrierId: 'c', reason: 'disabled' }],
      policy: DEFAULT_POLICIES.transactional,
    });
  });

  it('returns every ordered candidate, even beyond maxAttempts (the workflow stops at maxAttempts)', () => {
    const targets = ['a', 'b', 'c', 'd'].map((carrierId) => ({ carrierId }));
    const plan = planRoute([rule('d', { targets, policy: { maxAttempts: 2 } })], enabled('a', 'b', 'c', 'd'), request(), Math.random);
    expect(plan.candidates).toHaveLength(4);
    expect(plan.policy.maxAttempts).toBe(2);
  });

  it('throws NoRouteError when no rule matches', () => {
    expect(() => planRoute([rule('gb', { countries: ['GB'] })], enabled('a'), request(), Math.random)).toThrow(NoRouteError);
  });

  it('is deterministic for a given random sequence', () => {
    const rules = [rule('w', { strategy: 'weighted', targets: [{ carrierId: 'a', weight: 50 }, { carrierId: 'b', weight: 50 }] })];
    const facts: CarrierFacts[] = [
      { carrierId: 'a', enabled: true, health: { circuit: 'half_open' } },
      { carrierId: 'b', enabled: true },
    ];
    const plans = (seed: number) => {
      const random = seeded(seed);
      return Array.from({ length: 50 }, () => planRoute(rules, facts, request(), random));
    };
    expect(plans(3)).toEqual(plans(3));
  });
});

describe('failover policy', () => {
  it.each<[MessagePriority, number, number, { initialMs: number; maxMs: number; multiplier: number }, boolean]>([
    ['otp', 3, 30_000, { initialMs: 1_000, maxMs: 5_000, multiplier: 2 }, true],
    ['transactional', 3, 120_000, { initialMs: 2_000, maxMs: 30_000, multiplier: 2 }, false],
    ['marketing', 2, 600_000, { initialMs: 5_000, maxMs: 60_000, multiplier: 2 }, false],
  ])('defaults for %s: %d attempts, %d ms receipt wait', (priority, maxAttempts, receiptWaitMs, backoff, voiceFallback) => {
    const plan = planRoute([rule('d')], enabled('a'), request({ priority }), Math.random);
    expect(plan.policy).toEqual({ maxAttempts, receiptWaitMs, backoff, voiceFallback });
  });

  it('takes each field the rule sets, and the defaults for the rest', () => {
    const rules = [rule('default'), rule('otp', { priorities: ['otp'], policy: { maxAttempts: 2, backoff: { maxMs: 8_000 } as never, voiceFallback: false } })];
    expect(planRoute(rules, enabled('a'), request({ priority: 'otp' }), Math.random).policy).toEqual({
      maxAttempts: 2,
      receiptWaitMs: 30_000,
      backoff: { initialMs: 1_000, maxMs: 8_000, multiplier: 2 },
      voiceFallback: false,
    });
  });

  it('keeps a default when the rule sets a field to undefined', () => {
    expect(policyFor(rule('x', { policy: { maxAttempts: undefined, receiptWaitMs: 5_000 } }), 'marketing')).toEqual({ ...DEFAULT_POLICIES.marketing, receiptWaitMs: 5_000 });
  });

  it('does not let one plan change the defaults of the next', () => {
    const plan = planRoute([rule('d')], enabled('a'), request({ priority: 'otp' }), Math.random);
    plan.policy.backoff.maxMs = 1;
    expect(DEFAULT_POLICIES.otp.backoff.maxMs).toBe(5_000);
  });
});

describe('probes of half-open carriers', () => {
  const rules: RoutingRule[] = [rule('d', { targets: [{ carrierId: 'a' }, { carrierId: 'b' }] })];
  const facts: CarrierFacts[] = [
    { carrierId: 'a', enabled: true, health: { circuit: 'half_open' } },
    { carrierId: 'b', enabled: true, health: { circuit: 'closed' } },
  ];

  it('puts a half-open carrier first for the probe share of messages (20 %), last otherwise', () => {
    expect(planRoute(rules, facts, request(), () => 0.1).candidates.map((c) => c.carrierId)).toEqual(['a', 'b']);
    expect(planRoute(rules, facts, request(), () => 0.1).candidates[0].reason).toMatch(/probe/);
    expect(planRoute(rules, facts, request(), () => 0.5).candidates.map((c) => c.carrierId)).toEqual(['b', 'a']);
    const random = seeded(9);
    let probes = 0;
    for (let i = 0; i < 10_000; i += 1) if (planRoute(rules, facts, request(), random).candidates[0].carrierId === 'a') probes += 1;
    expect(Math.abs(probes / 10_000 - 0.2)).toBeLessThan(0.02);
  });

  it('draws no random number when the rule has no half-open carrier to probe', () => {
    const random = jest.fn(() => 0);
    planRoute(rules, [...facts.slice(1), { carrierId: 'a', enabled: true }], request(), random);
    planRoute([rule('b', { targets: [{ carrierId: 'b' }] })], facts, request(), random);
    planRoute(rules, [{ ...facts[0], enabled: false }, facts[1]], request(), random);
    expect(random).not.toHaveBeenCalled();
  });
});

describe('backoffDelayMs', () => {
  const policy = DEFAULT_POLICIES.transactional; // 2 s initial, ×2, at most 30 s

  it('is exponential with equal jitter: between half the base and the base', () => {
    expect(backoffDelayMs(policy, 2, () => 0)).toBe(1_000);
    expect(backoffDelayMs(policy, 2, () => 1)).toBe(2_000);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(3_000);
    expect(backoffDelayMs(policy, 4, () => 0.5)).toBe(6_000);
  });

  it('stays within [base/2, base] and under maxMs for every attempt', () => {
    const random = seeded(5);
    for (const priority of ['otp', 'transactional', 'marketing'] as const) {
      const { initialMs, maxMs, multiplier } = DEFAULT_POLICIES[priority].backoff;
      for (let attempt = 2; attempt <= 30; attempt += 1) {
        const base = Math.min(maxMs, initialMs * multiplier ** (attempt - 2));
        for (let i = 0; i < 100; i += 1) {
          const delay = backoffDelayMs(DEFAULT_POLICIES[priority], attempt, random);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base / 2));
          expect(delay).toBeLessThanOrEqual(Math.min(base, maxMs));
        }
      }
    }
    expect(backoffDelayMs(policy, 1_000, () => 1)).toBe(30_000);
  });

  it('treats attempt 1 like attempt 2 and survives odd inputs', () => {
    expect(backoffDelayMs(policy, 1, () => 1)).toBe(2_000);
    expect(backoffDelayMs(policy, 2, () => Number.NaN)).toBe(1_000);
    expect(backoffDelayMs(policy, 2, () => 7)).toBe(2_000);
    expect(backoffDelayMs({ backoff: { initialMs: 0, maxMs: 0, multiplier: 2 } }, 5, () => 0.5)).toBe(0);
    expect(backoffDelayMs({ backoff: { initialMs: 1_000, maxMs: 10_000, multiplier: 0.5 } }, 5, () => 1)).toBe(1_000);
  });
});

describe('the routing module', () => {
  // Workflow code imports it: no Node built-ins, no I/O, no libphonenumber-js metadata.
  it.each(readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')))('%s imports nothing but its siblings', (file) => {
    const source = readFileSync(join(__dirname, file), 'utf8');
    const imports = [...source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]);
    for (const spec of imports) expect(spec).toMatch(/^\.\/[\w-]+$/);
    expect(source).not.toMatch(/Math\.random|Date\.now|new Date\(/);
  });
});
