// Picks the rule for a message: the most specific matching rule wins, like a classic LCR table.
// Specificity, compared in this order:
//   1. the longest matching number prefix (a rule with prefixes must match one);
//   2. a network (MCC+MNC) match;  3. a country match;  4. an account match;
//   5. a priority match;  6. a sender-type match;
//   7. then the rule listed first. A rule without criteria is a default rule.
// Every criterion a rule lists must match; criteria it omits match anything.
import { NoRouteError, RouteRequest, RoutingRule } from './routing-rule';

type Score = [number, number, number, number, number, number];

function score(rule: RoutingRule, request: RouteRequest): Score | undefined {
  const digits = request.to.replace(/^\+/, '');
  let prefixLength = 0;
  if (rule.prefixes?.length) {
    const matching = rule.prefixes.filter((p) => digits.startsWith(p));
    if (matching.length === 0) return undefined;
    prefixLength = Math.max(...matching.map((p) => p.length));
  }
  const listed = <T>(values: T[] | undefined, value: T | undefined): number | undefined => {
    if (!values?.length) return 0;
    return value !== undefined && values.includes(value) ? 1 : undefined;
  };
  const parts = [
    listed(rule.networks, request.network),
    listed(rule.countries, request.country),
    listed(rule.accountIds, request.accountId),
    listed(rule.priorities, request.priority),
    listed(rule.senderTypes, request.senderType),
  ];
  if (parts.some((p) => p === undefined)) return undefined;
  return [prefixLength, ...(parts as number[])] as Score;
}

export function matchRule(rules: RoutingRule[], request: RouteRequest): RoutingRule {
  let best: { rule: RoutingRule; score: Score } | undefined;
  for (const rule of rules) {
    const s = score(rule, request);
    if (!s) continue;
    if (!best || compare(s, best.score) > 0) best = { rule, score: s };
  }
  if (!best) throw new NoRouteError(`no routing rule matches ${request.to} (${request.country ?? 'unknown country'}, ${request.priority})`);
  return best.rule;
}

function compare(a: Score, b: Score): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0; // equal: the earlier rule stays
}
