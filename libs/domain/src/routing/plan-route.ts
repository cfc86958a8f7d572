// The routing decision for one message: the matching rule, its ordered candidates, and the
// failover policy (defaults by priority, overridden field by field by the rule). Pure and
// deterministic for a given `random`, so it can run in workflow code; the workflow imports
// backoffDelayMs from this file directly, so it must not import ../phone (libphonenumber-js).
// All ordered candidates are returned: the workflow stops after policy.maxAttempts.
import { matchRule } from './match-rules';
import { CarrierFacts, FailoverPolicy, MessagePriority, RoutePlanDecision, RouteRequest, RoutingRule } from './routing-rule';
import { orderCandidates } from './strategies';

export const DEFAULT_POLICIES: Readonly<Record<MessagePriority, Readonly<FailoverPolicy>>> = {
  // An OTP is useless after a minute or two: short waits, quick failover, then a voice call.
  otp: { maxAttempts: 3, receiptWaitMs: 30_000, backoff: { initialMs: 1_000, maxMs: 5_000, multiplier: 2 }, voiceFallback: true },
  transactional: { maxAttempts: 3, receiptWaitMs: 120_000, backoff: { initialMs: 2_000, maxMs: 30_000, multiplier: 2 }, voiceFallback: false },
  // Marketing can wait for slow receipts, and a duplicate costs more than a late message.
  marketing: { maxAttempts: 2, receiptWaitMs: 600_000, backoff: { initialMs: 5_000, maxMs: 60_000, multiplier: 2 }, voiceFallback: false },
};

/** Drops undefined fields, so `{ maxAttempts: undefined }` keeps the default instead of erasing it. */
function defined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The rule's policy with every field it leaves out taken from the priority's defaults. */
export function policyFor(rule: RoutingRule, priority: MessagePriority): FailoverPolicy {
  const base = DEFAULT_POLICIES[priority];
  const own = defined(rule.policy);
  return { ...base, ...own, backoff: { ...base.backoff, ...defined(rule.policy?.backoff) } };
}

/** Share of messages that try a half-open (recovering) carrier first, as probes. */
export const PROBE_SHARE = 0.2;

/**
 * Plans the route of one message. `random` returns values in [0, 1); it decides whether this
 * message probes a half-open carrier (only drawn when the rule has one available) and the
 * weighted strategy's draw. Throws NoRouteError when no rule matches.
 */
export function planRoute(
  rules: readonly RoutingRule[],
  facts: CarrierFacts[],
  request: RouteRequest,
  random: () => number,
  probeShare = PROBE_SHARE,
): RoutePlanDecision {
  const rule = matchRule(rules, request);
  const byId = new Map(facts.map((f) => [f.carrierId, f]));
  const recovering = rule.targets.some((t) => byId.get(t.carrierId)?.enabled && byId.get(t.carrierId)?.health?.circuit === 'half_open');
  const probe = recovering && random() < probeShare;
  const { candidates, skipped } = orderCandidates(rule, facts, request, random, probe);
  return { ruleId: rule.id, strategy: rule.strategy, candidates, skipped, policy: policyFor(rule, request.priority) };
}

/**
 * Pause before attempt `attempt` (2, 3, …; attempt 1 is not delayed by the workflow):
 * exponential, base = min(maxMs, initialMs · multiplier^(attempt − 2)), with "equal jitter":
 * half the base fixed, half random, so the delay is in [base/2, base]. Equal rather than full
 * jitter keeps a floor under the pause (a carrier that just failed gets some rest) while still
 * spreading the retries of many messages that failed at the same moment.
 */
export function backoffDelayMs(policy: Pick<FailoverPolicy, 'backoff'>, attempt: number, random: () => number): number {
  const { initialMs, maxMs, multiplier } = policy.backoff;
  const exponent = Math.max(0, Math.floor(attempt) - 2);
  const base = Math.max(0, Math.min(maxMs, initialMs * Math.max(1, multiplier) ** exponent));
  const drawn = random();
  const r = drawn >= 0 && drawn <= 1 ? drawn : drawn > 1 ? 1 : 0;
  return Math.round(base / 2 + (r * base) / 2);
}
