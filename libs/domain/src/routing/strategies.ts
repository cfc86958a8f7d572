// Orders a rule's carriers by its strategy, and says why each one is where it is.
//
// In every strategy, carriers that cannot take traffic are left out and listed in `skipped`:
// unknown to the caller, disabled, or with an open circuit (the health monitor saw an error
// spike or a dead bind). Half-open carriers (recovering after the cooldown) are kept but moved
// last, behind every healthy carrier, so ordinary traffic only reaches them when nothing else
// is left; the messages the caller picks as probes (`probe`, see planRoute) put them first
// instead, because a recovering carrier can only prove itself with real traffic.
//
// Strategies:
//   priority    the rule's target order.
//   least_cost  ascending price per segment for the destination country (the country's price,
//               else the carrier's '*' price); carriers without a price go last; ties keep the
//               rule's order.
//   weighted    the first carrier is drawn at random by weight (percentages, renormalised over
//               the carriers still available); the rest follow by descending weight as
//               fallbacks, ties in rule order.
//   quality     descending qualityScore (below); scores equal to two decimals count as a tie,
//               broken by price, then rule order. Rounding (rather than "within ε") keeps the
//               comparison transitive, so the sort is well defined.
import { CarrierFacts, PlannedCandidate, RouteRequest, RouteTarget, RoutingRule } from './routing-rule';

/** Delivery rate assumed for a carrier we know nothing about (a neutral prior). */
export const PRIOR_DELIVERY_RATE = 0.9;
/** The prior counts as this many messages: below about 20 real samples, the prior dominates. */
export const PRIOR_WEIGHT = 20;
/** Most a slow carrier can lose for receipt latency, reached at LATENCY_PENALTY_SPAN_MS. */
export const MAX_LATENCY_PENALTY = 0.1;
export const LATENCY_PENALTY_SPAN_MS = 60_000;

interface Price {
  cost: number;
  /** The country it was priced for, or '*' when the carrier's default price applied. */
  zone: string;
}

function priceFor(facts: CarrierFacts | undefined, country: string | undefined): Price | undefined {
  const costs = facts?.costs;
  if (!costs) return undefined;
  const local = country !== undefined ? costs[country] : undefined;
  if (isPrice(local)) return { cost: local, zone: country as string };
  return isPrice(costs['*']) ? { cost: costs['*'], zone: '*' } : undefined;
}

const isPrice = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Price per segment of a carrier for a destination country: the country's price, else '*'. */
export function costFor(facts: CarrierFacts | undefined, country: string | undefined): number | undefined {
  return priceFor(facts, country)?.cost;
}

/**
 * Quality score (0..1) of a carrier for a destination, from its live health:
 *
 *   c       = n / (n + 20)                         confidence, n = samples (finished messages)
 *   rate    = c · deliveryRate + (1 − c) · 0.9     delivery rate shrunk toward the prior
 *   penalty = c · 0.1 · min(p50 latency / 60 s, 1)
 *   score   = rate − penalty
 *
 * The delivery rate dominates (a point of delivery rate is worth 6 s of p50 latency). With few
 * samples both terms stay near the neutral prior, so a carrier is neither promoted nor buried by
 * a handful of messages, and there is no cliff at a sample threshold. No data at all gives 0.9.
 */
export function qualityScore(facts: CarrierFacts | undefined): number {
  const h = facts?.health;
  const n = Math.max(0, h?.samples ?? 0);
  const confidence = n / (n + PRIOR_WEIGHT);
  const observed = h?.deliveryRate;
  const rate = observed !== undefined && Number.isFinite(observed) ? Math.min(1, Math.max(0, observed)) : PRIOR_DELIVERY_RATE;
  const latency = Math.max(0, h?.receiptLatencyMs ?? 0);
  const penalty = confidence * MAX_LATENCY_PENALTY * Math.min(latency / LATENCY_PENALTY_SPAN_MS, 1);
  return confidence * rate + (1 - confidence) * PRIOR_DELIVERY_RATE - penalty;
}

export interface OrderedCandidates {
  candidates: PlannedCandidate[];
  skipped: { carrierId: string; reason: string }[];
}

const weightOf = (t: RouteTarget): number => (typeof t.weight === 'number' && Number.isFinite(t.weight) ? Math.max(0, t.weight) : 0);
const round = (n: number, places: number): number => Math.round(n * 10 ** places) / 10 ** places;
const percent = (rate: number): string => `${round(rate * 100, 1)}%`;

/**
 * The rule's usable carriers in the order to try them. `random` returns values in [0, 1) and
 * is only called by the weighted strategy (once per call). `probe` puts half-open carriers
 * first instead of last.
 */
export function orderCandidates(rule: RoutingRule, facts: CarrierFacts[], request: RouteRequest, random: () => number, probe = false): OrderedCandidates {
  const byId = new Map(facts.map((f) => [f.carrierId, f]));
  const skipped: { carrierId: string; reason: string }[] = [];
  const seen = new Set<string>();
  const usable: RouteTarget[] = [];
  for (const t of rule.targets) {
    const f = byId.get(t.carrierId);
    const unusable = seen.has(t.carrierId)
      ? 'listed twice in the rule'
      : !f
        ? 'unknown carrier'
        : !f.enabled
          ? 'disabled'
          : f.health?.circuit === 'open'
            ? 'circuit open: recent errors'
            : undefined;
    if (unusable) skipped.push({ carrierId: t.carrierId, reason: unusable });
    else usable.push(t);
    seen.add(t.carrierId);
  }
  const price = (carrierId: string) => priceFor(byId.get(carrierId), request.country);
  const where = (p: Price) => `${p.cost}/segment in ${request.country ?? 'an unknown country'}${p.zone === '*' ? ' (default price)' : ''}`;

  let ordered: PlannedCandidate[];
  switch (rule.strategy) {
    case 'priority':
      ordered = usable.map((t, i) => ({ carrierId: t.carrierId, reason: `priority ${i + 1} in rule ${rule.id}` }));
      break;
    case 'least_cost':
      ordered = usable
        .map((t, i) => ({ t, i, p: price(t.carrierId) }))
        .sort((a, b) => (a.p?.cost ?? Infinity) - (b.p?.cost ?? Infinity) || a.i - b.i)
        .map(({ t, p }, rank) => ({
          carrierId: t.carrierId,
          reason: p === undefined ? 'no price set: after priced carriers' : `${rank === 0 ? 'cheapest' : `rank ${rank + 1} by cost`}: ${where(p)}`,
        }));
      break;
    case 'weighted':
      ordered = weighted(rule, usable, random);
      break;
    case 'quality':
      ordered = usable
        .map((t, i) => ({ t, i, score: qualityScore(byId.get(t.carrierId)), p: price(t.carrierId) }))
        .sort((a, b) => Math.round(b.score * 100) - Math.round(a.score * 100) || (a.p?.cost ?? Infinity) - (b.p?.cost ?? Infinity) || a.i - b.i)
        .map(({ t, score, p }) => ({ carrierId: t.carrierId, score: round(score, 3), reason: `quality ${score.toFixed(3)}: ${evidence(byId.get(t.carrierId))}${p ? `; ${where(p)}` : ''}` }));
      break;
    default:
      // Rules are validated before they are stored; this guards data written around the API.
      throw new Error(`rule ${rule.id} has an unknown strategy "${String(rule.strategy)}"`);
  }

  const halfOpen = (c: PlannedCandidate) => byId.get(c.carrierId)?.health?.circuit === 'half_open';
  const recovering = ordered.filter(halfOpen).map((c) => ({ ...c, reason: `${c.reason}; circuit half-open: ${probe ? 'probe' : 'last resort'}` }));
  const healthy = ordered.filter((c) => !halfOpen(c));
  const candidates = probe ? [...recovering, ...healthy] : [...healthy, ...recovering];
  return {
    candidates: candidates.map((c) => {
      const p = price(c.carrierId);
      return p === undefined ? c : { ...c, costPerSegment: p.cost, estimatedCost: round(p.cost * request.segments, 6) };
    }),
    skipped,
  };
}

function weighted(rule: RoutingRule, usable: RouteTarget[], random: () => number): PlannedCandidate[] {
  const total = usable.reduce((sum, t) => sum + weightOf(t), 0);
  const ruleTotal = rule.targets.reduce((sum, t) => sum + weightOf(t), 0);
  let first: RouteTarget | undefined;
  if (total > 0) {
    let draw = random() * total;
    first = usable.find((t) => weightOf(t) > 0 && (draw -= weightOf(t)) < 0);
    // Only reached when `random` breaks its contract (1, NaN): the last carrier that has a weight.
    first ??= [...usable].reverse().find((t) => weightOf(t) > 0);
  }
  const rest = usable.filter((t) => t !== first).sort((a, b) => weightOf(b) - weightOf(a));
  const renormalised = total !== ruleTotal ? ` (of ${total}% still available)` : '';
  return [
    ...(first ? [{ carrierId: first.carrierId, reason: `drawn by weight ${weightOf(first)}%${renormalised}` }] : []),
    ...rest.map((t, i) => ({
      carrierId: t.carrierId,
      reason: !first && i === 0 ? `first in rule order: no available carrier has a weight` : `fallback (weight ${weightOf(t)}%)`,
    })),
  ];
}

function evidence(facts: CarrierFacts | undefined): string {
  const h = facts?.health;
  const n = h?.samples ?? 0;
  if (n <= 0) return `no recent data (prior ${percent(PRIOR_DELIVERY_RATE)})`;
  const delivered = h?.deliveryRate !== undefined ? `${percent(h.deliveryRate)} delivered of ${n}` : `${n} samples, no delivery rate`;
  const latency = h?.receiptLatencyMs !== undefined ? `, p50 ${(h.receiptLatencyMs / 1000).toFixed(1)} s` : '';
  const few = n < PRIOR_WEIGHT ? ` (few samples: weighted toward the ${percent(PRIOR_DELIVERY_RATE)} prior)` : '';
  return `${delivered}${latency}${few}`;
}
