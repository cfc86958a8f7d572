// Picks the routing rule for a message: the most specific matching rule wins.
//
// A rule matches when every criterion it lists matches the message (a criterion it omits
// matches anything; `prefixes` and `countries` together both have to match). A rule that lists
// none is a default rule and matches every message. Among matching rules, specificity is
// compared criterion by criterion, in this order:
//   1. the longest matching number prefix: like a classic LCR table, '1415' (San Francisco)
//      is a finer cut than '1' (all of NANP), and a prefix is the finest cut there is;
//   2. a network (MCC+MNC) match: a ported or MVNO number is better described by its network
//      than by its country; it only matches when the caller looked the network up;
//   3. a country match, which beats any rule that leaves the country open;
//   4. an account match: a customer's own contract or sender registration for a destination;
//   5. a message priority match (e.g. 'otp' on premium routes);
//   6. a sender type match (short codes and alphanumeric ids need their own routes);
//   7. rules that leave fewer criteria open. (With every listed criterion required to match,
//      rules equal on 1–6 list the same criteria, so this never separates them in practice.)
// The destination (prefix, network, country) comes first because it decides which carriers
// can reach the number at all and at what price; who sends and what comes after.
// Equally specific rules: the one listed first wins, so the order of the table is a tie-breaker
// an operator can see and change.
import { NoRouteError, RouteRequest, RoutingRule } from './routing-rule';

type Specificity = [prefixLength: number, network: number, country: number, account: number, priority: number, senderType: number];

/** How specifically `rule` matches `request`, or undefined when it does not match. */
export function ruleSpecificity(rule: RoutingRule, request: RouteRequest): Specificity | undefined {
  const digits = request.to.replace(/^\+/, '');
  let prefixLength = 0;
  if (rule.prefixes?.length) {
    const matching = rule.prefixes.filter((p) => p !== '' && digits.startsWith(p));
    if (matching.length === 0) return undefined;
    prefixLength = Math.max(...matching.map((p) => p.length));
  }
  // 1 when the rule lists the criterion and it matches, 0 when the rule leaves it open.
  const listed = <T>(values: readonly T[] | undefined, value: T | undefined): number | undefined => {
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
  return [prefixLength, ...(parts as number[])] as Specificity;
}

/** The most specific matching rule (see the ordering above); throws NoRouteError when none matches. */
export function matchRule(rules: readonly RoutingRule[], request: RouteRequest): RoutingRule {
  let best: { rule: RoutingRule; specificity: Specificity } | undefined;
  for (const rule of rules) {
    const specificity = ruleSpecificity(rule, request);
    // Strictly greater only: on a tie the earlier rule stays.
    if (specificity && (!best || compare(specificity, best.specificity) > 0)) best = { rule, specificity };
  }
  if (!best) {
    const facts = [request.country ?? 'unknown country', request.network && `network ${request.network}`, request.priority, request.senderType].filter(Boolean).join(', ');
    throw new NoRouteError(`no routing rule matches ${request.to} (${facts}); add a default rule without match criteria`);
  }
  return best.rule;
}

function compare(a: Specificity, b: Specificity): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
