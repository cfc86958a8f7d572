// The routing decision for one message: the matching rule, its ordered candidates, and the
// failover policy (defaults by priority, overridden by the rule). Pure and deterministic for
// a given `random`, so it can run in workflow code.
import { matchRule } from './match-rules';
import { CarrierFacts, FailoverPolicy, MessagePriority, RoutePlanDecision, RouteRequest, RoutingRule } from './routing-rule';
import { orderCandidates } from './strategies';

export const DEFAULT_POLICIES: Record<MessagePriority, FailoverPolicy> = {
  // An OTP is useless after a minute or two: short waits, quick failover, then a voice call.
  otp: { maxAttempts: 3, receiptWaitMs: 30_000, backoff: { initialMs: 1_000, maxMs: 5_000, multiplier: 2 }, voiceFallback: true },
  transactional: { maxAttempts: 3, receiptWaitMs: 120_000, backoff: { initialMs: 2_000, maxMs: 30_000, multiplier: 2 }, voiceFallback: false },
  marketing: { maxAttempts: 2, receiptWaitMs: 600_000, backoff: { initialMs: 5_000, maxMs: 60_000, multiplier: 2 }, voiceFallback: false },
};

export function policyFor(rule: RoutingRule, priority: MessagePriority): FailoverPolicy {
  const base = DEFAULT_POLICIES[priority];
  return { ...base, ...rule.policy, backoff: { ...base.backoff, ...rule.policy?.backoff } };
}

/** Share of messages that try a half-open (recovering) carrier first. */
export const PROBE_SHARE = 0.2;

export function planRoute(rules: RoutingRule[], facts: CarrierFacts[], request: RouteRequest, random: () => number, probeShare = PROBE_SHARE): RoutePlanDecision {
  const rule = matchRule(rules, request);
  const probe = facts.some((f) => f.health?.circuit === 'half_open') && random() < probeShare;
  const { candidates, skipped } = orderCandidates(rule, facts, request, random, probe);
  return { ruleId: rule.id, strategy: rule.strategy, candidates, skipped, policy: policyFor(rule, request.priority) };
}

/** Pause before attempt `attempt` (2, 3, …): exponential, with "equal jitter" (half fixed, half random). */
export function backoffDelayMs(policy: Pick<FailoverPolicy, 'backoff'>, attempt: number, random: () => number): number {
  const { initialMs, maxMs, multiplier } = policy.backoff;
  const base = Math.min(maxMs, initialMs * multiplier ** Math.max(0, attempt - 2));
  return Math.round(base / 2 + (random() * base) / 2);
}
