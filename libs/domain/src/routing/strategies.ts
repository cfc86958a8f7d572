// Orders a rule's carriers by its strategy. Disabled carriers and carriers whose circuit is
// open are skipped. Half-open carriers (recovering) go last, except for the messages chosen as
// probes (`probe`), where they go first: that is how a recovering carrier proves itself.
import { CarrierFacts, PlannedCandidate, RouteRequest, RoutingRule } from './routing-rule';

/** Too few receipts to judge a carrier: assume this delivery rate (a neutral prior). */
export const PRIOR_DELIVERY_RATE = 0.9;
export const PRIOR_WEIGHT = 20;

export function costFor(facts: CarrierFacts | undefined, country: string | undefined): number | undefined {
  const costs = facts?.costs;
  if (!costs) return undefined;
  return (country !== undefined ? costs[country] : undefined) ?? costs['*'];
}

/**
 * Quality score of a carrier for a destination: the delivery rate blended with the prior by
 * sample count ((rate·n + 0.9·20) / (n + 20)), minus up to 0.1 for slow receipts (linear up to
 * 60 s p50). Cost breaks ties between scores within 0.005.
 */
export function qualityScore(facts: CarrierFacts | undefined): number {
  const n = facts?.health?.samples ?? 0;
  const rate = facts?.health?.deliveryRate ?? PRIOR_DELIVERY_RATE;
  const blended = (rate * n + PRIOR_DELIVERY_RATE * PRIOR_WEIGHT) / (n + PRIOR_WEIGHT);
  const latency = facts?.health?.receiptLatencyMs ?? 0;
  return blended - Math.min(latency / 60_000, 1) * 0.1;
}

export interface OrderedCandidates {
  candidates: PlannedCandidate[];
  skipped: { carrierId: string; reason: string }[];
}

export function orderCandidates(rule: RoutingRule, facts: CarrierFacts[], request: RouteRequest, random: () => number, probe = false): OrderedCandidates {
  const byId = new Map(facts.map((f) => [f.carrierId, f]));
  const skipped: { carrierId: string; reason: string }[] = [];
  const usable = rule.targets.filter((t) => {
    const f = byId.get(t.carrierId);
    if (!f) skipped.push({ carrierId: t.carrierId, reason: 'unknown carrier' });
    else if (!f.enabled) skipped.push({ carrierId: t.carrierId, reason: 'disabled' });
    else if (f.health?.circuit === 'open') skipped.push({ carrierId: t.carrierId, reason: 'circuit open: recent errors' });
    else return true;
    return false;
  });
  const price = (carrierId: string) => costFor(byId.get(carrierId), request.country);
  const withCost = (c: PlannedCandidate): PlannedCandidate => {
    const cost = price(c.carrierId);
    return cost === undefined ? c : { ...c, costPerSegment: cost, estimatedCost: Math.round(cost * request.segments * 1e6) / 1e6 };
  };

  let ordered: PlannedCandidate[];
  switch (rule.strategy) {
    case 'priority':
      ordered = usable.map((t, i) => ({ carrierId: t.carrierId, reason: `priority ${i + 1} in rule ${rule.id}` }));
      break;
    case 'least_cost':
      ordered = usable
        .map((t, i) => ({ t, i, cost: price(t.carrierId) }))
        .sort((a, b) => (a.cost ?? Infinity) - (b.cost ?? Infinity) || a.i - b.i)
        .map(({ t, cost }, rank) => ({
          carrierId: t.carrierId,
          reason: cost === undefined ? 'no price set: after priced carriers' : `${rank === 0 ? 'cheapest' : `rank ${rank + 1} by cost`}: ${cost}/segment in ${request.country ?? '*'}`,
        }));
      break;
    case 'weighted': {
      const total = usable.reduce((n, t) => n + Math.max(0, t.weight ?? 0), 0);
      let first = usable[0];
      if (total > 0) {
        let draw = random() * total;
        first = usable.find((t) => (draw -= Math.max(0, t.weight ?? 0)) < 0) ?? usable[usable.length - 1];
      }
      const rest = usable.filter((t) => t !== first).sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
      ordered = [first, ...rest]
        .filter(Boolean)
        .map((t, i) => ({ carrierId: t.carrierId, reason: i === 0 ? `drawn by weight ${t.weight ?? 0}%` : `fallback (weight ${t.weight ?? 0}%)` }));
      break;
    }
    case 'quality':
      ordered = usable
        .map((t, i) => ({ t, i, score: qualityScore(byId.get(t.carrierId)), cost: price(t.carrierId) }))
        .sort((a, b) => (Math.abs(a.score - b.score) > 0.005 ? b.score - a.score : (a.cost ?? Infinity) - (b.cost ?? Infinity) || a.i - b.i))
        .map(({ t, score }) => {
          const h = byId.get(t.carrierId)?.health;
          const evidence = (h?.samples ?? 0) > 0 ? `${Math.round((h?.deliveryRate ?? 0) * 1000) / 10}% delivered of ${h?.samples}, p50 ${((h?.receiptLatencyMs ?? 0) / 1000).toFixed(1)} s` : 'no recent data';
          return { carrierId: t.carrierId, score: Math.round(score * 1000) / 1000, reason: `quality ${score.toFixed(3)} (${evidence})` };
        });
      break;
  }
  const halfOpen = (c: PlannedCandidate) => byId.get(c.carrierId)?.health?.circuit === 'half_open';
  const recovering = ordered.filter(halfOpen).map((c) => ({ ...c, reason: `${c.reason}; circuit half-open: ${probe ? 'probe' : 'last resort'}` }));
  const healthy = ordered.filter((c) => !halfOpen(c));
  const candidates = probe ? [...recovering, ...healthy] : [...healthy, ...recovering];
  return { candidates: candidates.map(withCost), skipped };
}
