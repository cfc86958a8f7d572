import { CarrierFacts, RoutingRule, RoutingStrategy } from './routing-rule';
import { costFor, orderCandidates, OrderedCandidates, qualityScore } from './strategies';
import { routeRequest, seeded } from '../../../../test/support/routing-fixtures';

const request = routeRequest;
const targets = [{ carrierId: 'a' }, { carrierId: 'b' }, { carrierId: 'c' }];
const rule = (strategy: RoutingStrategy, over: Partial<RoutingRule> = {}): RoutingRule => ({ id: `r-${strategy}`, strategy, targets, ...over });
const facts = (over: Record<string, Partial<CarrierFacts>> = {}): CarrierFacts[] =>
  ['a', 'b', 'c'].map((carrierId) => ({ carrierId, enabled: true, ...over[carrierId] }));
const ids = (r: OrderedCandidates) => r.candidates.map((c) => c.carrierId);
const noRandom = () => {
  throw new Error('random must not be used here');
};


describe('orderCandidates: every strategy', () => {
  const weights = [{ carrierId: 'a', weight: 50 }, { carrierId: 'b', weight: 30 }, { carrierId: 'c', weight: 20 }];
  const strategies: RoutingStrategy[] = ['priority', 'least_cost', 'weighted', 'quality'];

  it.each(strategies)('%s skips disabled, open-circuit and unknown carriers, saying why', (strategy) => {
    const r = orderCandidates(
      rule(strategy, { targets: [...weights, { carrierId: 'zeta', weight: 0 }] }),
      facts({ a: { enabled: false }, b: { health: { circuit: 'open' } } }),
      request(),
      seeded(1),
    );
    expect(ids(r)).toEqual(['c']);
    expect(r.skipped).toEqual([
      { carrierId: 'a', reason: 'disabled' },
      { carrierId: 'b', reason: 'circuit open: recent errors' },
      { carrierId: 'zeta', reason: 'unknown carrier' },
    ]);
  });

  it.each(strategies)('%s puts a half-open carrier last, or first when the message is a probe', (strategy) => {
    const f = facts({ a: { health: { circuit: 'half_open' } } });
    const last = orderCandidates(rule(strategy, { targets: weights }), f, request(), () => 0);
    expect(ids(last)[2]).toBe('a');
    expect(last.candidates[2].reason).toMatch(/circuit half-open: last resort$/);
    const probe = orderCandidates(rule(strategy, { targets: weights }), f, request(), () => 0.99, true);
    expect(ids(probe)[0]).toBe('a');
    expect(probe.candidates[0].reason).toMatch(/circuit half-open: probe$/);
  });

  it.each(strategies)('%s gives every candidate a reason and returns an empty plan when nothing is usable', (strategy) => {
    const r = orderCandidates(rule(strategy, { targets: weights }), facts({ a: { costs: { US: 0.01 } } }), request(), () => 0.5);
    expect(r.candidates).toHaveLength(3);
    for (const c of r.candidates) expect(c.reason).toMatch(/\w/);
    const none = orderCandidates(rule(strategy, { targets: weights }), facts({ a: { enabled: false }, b: { enabled: false }, c: { enabled: false } }), request(), () => 0.5);
    expect(none.candidates).toEqual([]);
    expect(none.skipped).toHaveLength(3);
  });

  it('skips a carrier listed twice after its first listing', () => {
    const r = orderCandidates(rule('priority', { targets: [...targets, { carrierId: 'a' }] }), facts(), request(), noRandom);
    expect(ids(r)).toEqual(['a', 'b', 'c']);
    expect(r.skipped).toEqual([{ carrierId: 'a', reason: 'listed twice in the rule' }]);
  });

  it('refuses an unknown strategy', () => {
    expect(() => orderCandidates(rule('fastest' as RoutingStrategy), facts(), request(), noRandom)).toThrow(/unknown strategy "fastest"/);
  });
});

describe('priority', () => {
  it('keeps the rule order and says so', () => {
    const r = orderCandidates(rule('priority', { id: 'us-otp', targets: [{ carrierId: 'c' }, { carrierId: 'a' }, { carrierId: 'b' }] }), facts(), request(), noRandom);
    expect(ids(r)).toEqual(['c', 'a', 'b']);
    expect(r.candidates.map((c) => c.reason)).toEqual(['priority 1 in rule us-otp', 'priority 2 in rule us-otp', 'priority 3 in rule us-otp']);
  });

  it('numbers the carriers that are left after skipping', () => {
    const r = orderCandidates(rule('priority', { id: 'd' }), facts({ a: { enabled: false } }), request(), noRandom);
    expect(r.candidates[0]).toMatchObject({ carrierId: 'b', reason: 'priority 1 in rule d' });
  });
});

describe('least_cost', () => {
  it('sorts by the destination price, falls back to *, puts unpriced carriers last', () => {
    const r = orderCandidates(rule('least_cost'), facts({ a: { costs: { US: 0.01, '*': 0.001 } }, b: { costs: { '*': 0.005 } }, c: {} }), request({ segments: 3 }), noRandom);
    expect(ids(r)).toEqual(['b', 'a', 'c']);
    expect(r.candidates[0]).toMatchObject({ costPerSegment: 0.005, estimatedCost: 0.015, reason: 'cheapest: 0.005/segment in US (default price)' });
    expect(r.candidates[1]).toMatchObject({ costPerSegment: 0.01, estimatedCost: 0.03, reason: 'rank 2 by cost: 0.01/segment in US' });
    expect(r.candidates[2]).toEqual({ carrierId: 'c', reason: 'no price set: after priced carriers' });
  });

  it('keeps the rule order among equal prices and among unpriced carriers', () => {
    const r = orderCandidates(rule('least_cost'), facts({ a: {}, b: { costs: { US: 0.004 } }, c: { costs: { US: 0.004 } } }), request(), noRandom);
    expect(ids(r)).toEqual(['b', 'c', 'a']);
    expect(ids(orderCandidates(rule('least_cost'), facts(), request(), noRandom))).toEqual(['a', 'b', 'c']);
  });

  it('ignores a price for another country, and uses * when the country is unknown', () => {
    const f = facts({ a: { costs: { GB: 0.001 } }, b: { costs: { US: 0.002, '*': 0.009 } }, c: { costs: { '*': 0.003 } } });
    expect(ids(orderCandidates(rule('least_cost'), f, request(), noRandom))).toEqual(['b', 'c', 'a']);
    const unknown = orderCandidates(rule('least_cost'), f, request({ to: '+80012345678', country: undefined }), noRandom);
    expect(ids(unknown)).toEqual(['c', 'b', 'a']);
    expect(unknown.candidates[0].reason).toBe('cheapest: 0.003/segment in an unknown country (default price)');
  });

  it('exposes the price lookup', () => {
    expect(costFor({ carrierId: 'x', enabled: true, costs: { US: 0, '*': 1 } }, 'US')).toBe(0);
    expect(costFor({ carrierId: 'x', enabled: true, costs: { '*': 1 } }, 'FR')).toBe(1);
    expect(costFor({ carrierId: 'x', enabled: true }, 'FR')).toBeUndefined();
    expect(costFor(undefined, 'FR')).toBeUndefined();
  });

  it('adds prices to candidates of the other strategies too', () => {
    const r = orderCandidates(rule('priority'), facts({ b: { costs: { US: 0.0042 } } }), request({ segments: 2 }), noRandom);
    expect(r.candidates[1]).toMatchObject({ carrierId: 'b', costPerSegment: 0.0042, estimatedCost: 0.0084 });
    expect(r.candidates[0].costPerSegment).toBeUndefined();
  });
});

describe('weighted', () => {
  const weighted = rule('weighted', { targets: [{ carrierId: 'a', weight: 70 }, { carrierId: 'b', weight: 20 }, { carrierId: 'c', weight: 10 }] });
  const firstCounts = (r: RoutingRule, f: CarrierFacts[], random: () => number, draws = 10_000) => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < draws; i += 1) {
      const first = orderCandidates(r, f, request(), random).candidates[0].carrierId;
      counts[first] = (counts[first] ?? 0) + 1;
    }
    return counts;
  };

  it('draws the first carrier by weight: 10,000 seeded draws land within ±2 % of the weights', () => {
    const counts = firstCounts(weighted, facts(), seeded(42));
    expect(Math.abs(counts.a / 10_000 - 0.7)).toBeLessThan(0.02);
    expect(Math.abs(counts.b / 10_000 - 0.2)).toBeLessThan(0.02);
    expect(Math.abs(counts.c / 10_000 - 0.1)).toBeLessThan(0.02);
  });

  it('renormalises over the carriers still available', () => {
    const counts = firstCounts(weighted, facts({ a: { health: { circuit: 'open' } } }), seeded(7));
    expect(Math.abs(counts.b / 10_000 - 2 / 3)).toBeLessThan(0.02);
    expect(Math.abs(counts.c / 10_000 - 1 / 3)).toBeLessThan(0.02);
    expect(orderCandidates(weighted, facts({ a: { enabled: false } }), request(), () => 0).candidates[0].reason).toBe('drawn by weight 20% (of 30% still available)');
  });

  it('maps the draw onto the weights in rule order, then falls back by descending weight', () => {
    expect(ids(orderCandidates(weighted, facts(), request(), () => 0))).toEqual(['a', 'b', 'c']);
    expect(ids(orderCandidates(weighted, facts(), request(), () => 0.69))).toEqual(['a', 'b', 'c']);
    expect(ids(orderCandidates(weighted, facts(), request(), () => 0.7))).toEqual(['b', 'a', 'c']);
    const r = orderCandidates(weighted, facts(), request(), () => 0.95);
    expect(ids(r)).toEqual(['c', 'a', 'b']);
    expect(r.candidates.map((c) => c.reason)).toEqual(['drawn by weight 10%', 'fallback (weight 70%)', 'fallback (weight 20%)']);
  });

  it('never draws a zero-weight carrier first, even from an out-of-range random', () => {
    const zero = rule('weighted', { targets: [{ carrierId: 'a', weight: 0 }, { carrierId: 'b', weight: 100 }, { carrierId: 'c', weight: 0 }] });
    for (const x of [0, 0.5, 0.999999, 1, Number.NaN]) expect(ids(orderCandidates(zero, facts(), request(), () => x))).toEqual(['b', 'a', 'c']);
  });

  it('falls back to the rule order when no available carrier has a weight', () => {
    expect(ids(orderCandidates(weighted, facts({ a: { enabled: false }, b: { enabled: false } }), request(), () => 0.5))).toEqual(['c']);
    const unweighted = orderCandidates(rule('weighted'), facts(), request(), noRandom);
    expect(ids(unweighted)).toEqual(['a', 'b', 'c']);
    expect(unweighted.candidates[0].reason).toBe('first in rule order: no available carrier has a weight');
  });
});

describe('quality', () => {
  const health = (deliveryRate: number | undefined, samples: number, receiptLatencyMs?: number): Partial<CarrierFacts> => ({
    health: { circuit: 'closed', deliveryRate, samples, receiptLatencyMs },
  });

  it('ranks by delivery rate first, latency second', () => {
    const r = orderCandidates(rule('quality'), facts({ a: health(0.6, 500, 1_000), b: health(0.99, 500, 3_000), c: health(0.97, 500, 1_000) }), request(), noRandom);
    expect(ids(r)).toEqual(['b', 'c', 'a']);
    const latency = orderCandidates(rule('quality'), facts({ a: health(0.95, 500, 40_000), b: health(0.95, 500, 2_000), c: health(0.95, 500, 20_000) }), request(), noRandom);
    expect(ids(latency)).toEqual(['b', 'c', 'a']);
  });

  it('treats carriers with few samples as close to the 90 % prior', () => {
    // Two failed messages do not bury a carrier below one that is measurably bad…
    const r = orderCandidates(rule('quality'), facts({ a: health(0.6, 500), b: health(0.99, 500), c: health(0, 2, 60_000) }), request(), noRandom);
    expect(ids(r)).toEqual(['b', 'c', 'a']);
    expect(r.candidates[1].reason).toMatch(/few samples/);
    // …and three lucky ones do not lift it above one that is measurably good.
    const lucky = orderCandidates(rule('quality'), facts({ a: health(1, 3, 500), b: health(0.96, 1_000, 2_000), c: {} }), request(), noRandom);
    expect(ids(lucky)).toEqual(['b', 'a', 'c']);
    expect(qualityScore({ carrierId: 'x', enabled: true })).toBeCloseTo(0.9, 10);
    expect(qualityScore({ carrierId: 'x', enabled: true, health: { circuit: 'closed', deliveryRate: 0, samples: 0, receiptLatencyMs: 99_000 } })).toBeCloseTo(0.9, 10);
  });

  it('follows the documented formula', () => {
    // c = 180/200 = 0.9; rate 0.9·0.95 + 0.1·0.9 = 0.945; penalty 0.9·0.1·(6/60) = 0.009
    expect(qualityScore({ carrierId: 'x', enabled: true, health: { circuit: 'closed', deliveryRate: 0.95, samples: 180, receiptLatencyMs: 6_000 } })).toBeCloseTo(0.936, 10);
    // Latency past 60 s costs no more than 60 s.
    const slow = (ms: number) => qualityScore({ carrierId: 'x', enabled: true, health: { circuit: 'closed', deliveryRate: 1, samples: 1e9, receiptLatencyMs: ms } });
    expect(slow(600_000)).toBeCloseTo(slow(60_000), 6);
    expect(slow(60_000)).toBeCloseTo(0.9, 6);
  });

  it('breaks ties (equal to two decimals) by cost, then by rule order', () => {
    const tie = orderCandidates(rule('quality'), facts({ a: { costs: { US: 2 } }, b: { costs: { US: 1 } }, c: { costs: { US: 3 } } }), request(), noRandom);
    expect(ids(tie)).toEqual(['b', 'a', 'c']);
    const near = orderCandidates(rule('quality'), facts({ a: { ...health(0.951, 1e6), costs: { US: 0.02 } }, b: { ...health(0.949, 1e6), costs: { US: 0.01 } } }), request(), noRandom);
    expect(ids(near)).toEqual(['b', 'a', 'c']);
    expect(ids(orderCandidates(rule('quality'), facts(), request(), noRandom))).toEqual(['a', 'b', 'c']);
  });

  it('explains the score with the evidence behind it', () => {
    const r = orderCandidates(rule('quality'), facts({ a: { ...health(0.97, 500, 2_100), costs: { US: 0.004 } }, b: {}, c: health(1, 5) }), request(), noRandom);
    expect(r.candidates[0]).toMatchObject({ carrierId: 'a', reason: 'quality 0.964: 97% delivered of 500, p50 2.1 s; 0.004/segment in US' });
    expect(r.candidates[0].score).toBeCloseTo(0.964, 3);
    expect(r.candidates.find((c) => c.carrierId === 'b')?.reason).toBe('quality 0.900: no recent data (prior 90%)');
    expect(r.candidates.find((c) => c.carrierId === 'c')?.reason).toBe('quality 0.920: 100% delivered of 5 (few samples: weighted toward the 90% prior)');
  });
});
