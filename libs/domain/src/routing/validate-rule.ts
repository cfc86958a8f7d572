// Validation of routing rules before they are stored: each problem names its field, so the
// API can answer 400 with it (e.g. "rules[2].targets[1].weight"). Input is unknown (parsed
// JSON), so every shape is checked here rather than trusted from the types.
import { MESSAGE_PRIORITIES, ROUTE_SENDER_TYPES, ROUTING_STRATEGIES, RoutingRule } from './routing-rule';

export interface RuleProblem {
  field: string;
  message: string;
}

const SENDER_TYPES: readonly string[] = ROUTE_SENDER_TYPES;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Problems of one rule, each naming its field; an empty list means the rule is valid. */
export function validateRule(input: unknown, knownCarriers?: ReadonlySet<string>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });
  if (!isObject(input)) return [{ field: '', message: 'a rule must be an object' }];
  const rule = input;
  const allowed = new Set(['id', 'countries', 'prefixes', 'networks', 'priorities', 'senderTypes', 'accountIds', 'strategy', 'targets', 'policy']);
  for (const key of Object.keys(rule)) if (!allowed.has(key)) problem(key, `unknown field "${key}"`);

  if (typeof rule.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(rule.id)) problem('id', 'id must be 1–64 letters, digits, ".", "_" or "-"');
  const list = (key: string, test: (v: string) => boolean, what: string) => {
    if (rule[key] === undefined) return;
    if (!isStringArray(rule[key]) || (rule[key] as string[]).length === 0) return problem(key, `${key} must be a non-empty list of strings`);
    (rule[key] as string[]).forEach((v, i) => test(v) || problem(`${key}[${i}]`, `${what}, got "${v}"`));
  };
  list('countries', (v) => /^[A-Z]{2}$/.test(v), 'must be an ISO 3166 alpha-2 code such as "US"');
  list('prefixes', (v) => /^[1-9]\d{0,14}$/.test(v), 'must be E.164 digits without "+", such as "1415"');
  list('networks', (v) => /^\d{5,6}$/.test(v), 'must be MCC+MNC digits such as "310260"');
  list('priorities', (v) => (MESSAGE_PRIORITIES as readonly string[]).includes(v), `must be one of ${MESSAGE_PRIORITIES.join(', ')}`);
  list('senderTypes', (v) => SENDER_TYPES.includes(v), `must be one of ${SENDER_TYPES.join(', ')}`);
  list('accountIds', (v) => /^[0-9a-f-]{36}$/i.test(v), 'must be an account id (uuid)');

  if (!(ROUTING_STRATEGIES as readonly unknown[]).includes(rule.strategy)) problem('strategy', `strategy must be one of ${ROUTING_STRATEGIES.join(', ')}`);
  if (!Array.isArray(rule.targets) || rule.targets.length === 0) {
    problem('targets', 'targets must list at least one carrier');
  } else {
    const seen = new Set<string>();
    let weights = 0;
    rule.targets.forEach((t: unknown, i) => {
      if (!isObject(t)) return problem(`targets[${i}]`, 'a target must be an object such as { "carrierId": "alpha" }');
      const target = t as { carrierId?: unknown; weight?: unknown };
      if (typeof target.carrierId !== 'string' || !target.carrierId) return problem(`targets[${i}].carrierId`, 'carrierId is required');
      if (seen.has(target.carrierId)) problem(`targets[${i}].carrierId`, `carrier "${target.carrierId}" is listed twice`);
      if (knownCarriers && !knownCarriers.has(target.carrierId)) problem(`targets[${i}].carrierId`, `no carrier "${target.carrierId}"`);
      seen.add(target.carrierId);
      if (rule.strategy === 'weighted') {
        if (target.weight === undefined) problem(`targets[${i}].weight`, 'weight is required by the weighted strategy (a percentage)');
        else if (typeof target.weight !== 'number' || !(target.weight >= 0 && target.weight <= 100)) problem(`targets[${i}].weight`, 'weight must be a percentage from 0 to 100');
        else weights += target.weight;
      }
    });
    if (rule.strategy === 'weighted' && problems.every((p) => !p.field.endsWith('.weight')) && Math.abs(weights - 100) > 1e-9) {
      problem('targets', `weights must add up to 100, not ${weights}`);
    }
  }

  if (rule.policy !== undefined) {
    const policy = rule.policy;
    if (!isObject(policy)) problem('policy', 'policy must be an object');
    else {
      const known = new Set(['maxAttempts', 'receiptWaitMs', 'backoff', 'voiceFallback']);
      for (const key of Object.keys(policy)) if (!known.has(key)) problem(`policy.${key}`, `unknown field "${key}"`);
      const int = (key: string, min: number, max: number, value = policy[key], field = `policy.${key}`) => {
        if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)) problem(field, `${key} must be an integer from ${min} to ${max}`);
      };
      int('maxAttempts', 1, 10);
      int('receiptWaitMs', 1_000, 72 * 3_600_000);
      if (policy.voiceFallback !== undefined && typeof policy.voiceFallback !== 'boolean') problem('policy.voiceFallback', 'voiceFallback must be true or false');
      const backoff = policy.backoff;
      if (backoff !== undefined && !isObject(backoff)) problem('policy.backoff', 'backoff must be an object such as { "initialMs": 1000, "maxMs": 5000, "multiplier": 2 }');
      else if (backoff !== undefined) {
        const before = problems.length;
        int('initialMs', 0, 3_600_000, backoff.initialMs, 'policy.backoff.initialMs');
        int('maxMs', 0, 3_600_000, backoff.maxMs, 'policy.backoff.maxMs');
        if (backoff.multiplier !== undefined && (typeof backoff.multiplier !== 'number' || !(backoff.multiplier >= 1 && backoff.multiplier <= 10))) {
          problem('policy.backoff.multiplier', 'multiplier must be a number from 1 to 10');
        }
        for (const key of Object.keys(backoff)) if (!['initialMs', 'maxMs', 'multiplier'].includes(key)) problem(`policy.backoff.${key}`, `unknown field "${key}"`);
        // Only when both are given: the other one comes from the priority's defaults, which differ.
        if (problems.length === before && typeof backoff.initialMs === 'number' && typeof backoff.maxMs === 'number' && backoff.maxMs < backoff.initialMs) {
          problem('policy.backoff.maxMs', `maxMs (${backoff.maxMs}) must not be less than initialMs (${backoff.initialMs})`);
        }
      }
    }
  }
  return problems;
}

/** Validates a whole rule set: a default rule (no criteria) must cover every destination. */
export function validateRuleSet(input: unknown, knownCarriers?: ReadonlySet<string>): RuleProblem[] {
  if (!Array.isArray(input) || input.length === 0) return [{ field: 'rules', message: 'rules must be a non-empty list' }];
  const problems = input.flatMap((rule, i) => validateRule(rule, knownCarriers).map((p) => ({ field: `rules[${i}]${p.field ? `.${p.field}` : ''}`, message: p.message })));
  const ids = new Set<string>();
  input.forEach((rule: { id?: unknown }, i) => {
    if (typeof rule?.id === 'string' && ids.has(rule.id)) problems.push({ field: `rules[${i}].id`, message: `rule id "${rule.id}" is used twice` });
    if (typeof rule?.id === 'string') ids.add(rule.id);
  });
  const criteria = ['countries', 'prefixes', 'networks', 'priorities', 'senderTypes', 'accountIds'];
  if (problems.length === 0 && !input.some((rule: RoutingRule) => criteria.every((c) => rule[c as keyof RoutingRule] === undefined))) {
    problems.push({ field: 'rules', message: 'add a default rule (one without match criteria) so every destination has a route' });
  }
  return problems;
}
