import { validateRule, validateRuleSet } from './validate-rule';

const good = { id: 'us-otp', countries: ['US'], prefixes: ['1415'], priorities: ['otp'], strategy: 'least_cost', targets: [{ carrierId: 'a' }, { carrierId: 'b' }] };
const fields = (input: unknown) => validateRule(input).map((p) => p.field);

describe('validateRule', () => {
  it('accepts good rules, including a default rule and a full policy', () => {
    expect(validateRule(good)).toEqual([]);
    expect(validateRule({ id: 'default', strategy: 'priority', targets: [{ carrierId: 'a' }] })).toEqual([]);
    expect(
      validateRule({
        id: 'w',
        networks: ['310260'],
        senderTypes: ['short_code'],
        accountIds: ['11111111-1111-4111-8111-111111111111'],
        strategy: 'weighted',
        targets: [{ carrierId: 'a', weight: 33.5 }, { carrierId: 'b', weight: 66.5 }, { carrierId: 'c', weight: 0 }],
        policy: { maxAttempts: 4, receiptWaitMs: 45_000, backoff: { initialMs: 500, maxMs: 4_000, multiplier: 1.5 }, voiceFallback: true },
      }),
    ).toEqual([]);
  });

  it.each([
    ['unknown strategy', { ...good, strategy: 'fastest' }, 'strategy'],
    ['missing strategy', { id: 'x', targets: [{ carrierId: 'a' }] }, 'strategy'],
    ['empty targets', { ...good, targets: [] }, 'targets'],
    ['targets not a list', { ...good, targets: { carrierId: 'a' } }, 'targets'],
    ['a target that is not an object', { ...good, targets: [{ carrierId: 'a' }, 'b'] }, 'targets[1]'],
    ['a target without carrier', { ...good, targets: [{ carrierId: 'a' }, { weight: 1 }] }, 'targets[1].carrierId'],
    ['duplicate carrier ids', { ...good, targets: [{ carrierId: 'a' }, { carrierId: 'a' }] }, 'targets[1].carrierId'],
    ['lower-case country', { ...good, countries: ['us'] }, 'countries[0]'],
    ['three-letter country', { ...good, countries: ['US', 'USA'] }, 'countries[1]'],
    ['empty countries', { ...good, countries: [] }, 'countries'],
    ['prefix with +', { ...good, prefixes: ['+1'] }, 'prefixes[0]'],
    ['prefix with letters', { ...good, prefixes: ['1', '44a'] }, 'prefixes[1]'],
    ['prefix not a list', { ...good, prefixes: '1415' }, 'prefixes'],
    ['bad network', { ...good, networks: ['T-Mobile'] }, 'networks[0]'],
    ['bad priority', { ...good, priorities: ['urgent'] }, 'priorities[0]'],
    ['bad sender type', { ...good, senderTypes: ['email'] }, 'senderTypes[0]'],
    ['bad account id', { ...good, accountIds: ['acme'] }, 'accountIds[0]'],
    ['empty id', { ...good, id: '' }, 'id'],
    ['id with spaces', { ...good, id: 'us otp' }, 'id'],
    ['unknown field', { ...good, colour: 'red' }, 'colour'],
    ['weight missing', { id: 'w', strategy: 'weighted', targets: [{ carrierId: 'a', weight: 100 }, { carrierId: 'b' }] }, 'targets[1].weight'],
    ['negative weight', { id: 'w', strategy: 'weighted', targets: [{ carrierId: 'a', weight: -1 }] }, 'targets[0].weight'],
    ['weight over 100', { id: 'w', strategy: 'weighted', targets: [{ carrierId: 'a', weight: 101 }] }, 'targets[0].weight'],
    ['weight as text', { id: 'w', strategy: 'weighted', targets: [{ carrierId: 'a', weight: '100' }] }, 'targets[0].weight'],
    ['weights not adding up to 100', { id: 'w', strategy: 'weighted', targets: [{ carrierId: 'a', weight: 50 }, { carrierId: 'b', weight: 40 }] }, 'targets'],
    ['weights all zero', { id: 'w', strategy: 'weighted', targets: [{ carrierId: 'a', weight: 0 }] }, 'targets'],
    ['policy not an object', { ...good, policy: [3] }, 'policy'],
    ['maxAttempts 0', { ...good, policy: { maxAttempts: 0 } }, 'policy.maxAttempts'],
    ['maxAttempts 11', { ...good, policy: { maxAttempts: 11 } }, 'policy.maxAttempts'],
    ['maxAttempts fractional', { ...good, policy: { maxAttempts: 2.5 } }, 'policy.maxAttempts'],
    ['receiptWaitMs too short', { ...good, policy: { receiptWaitMs: 10 } }, 'policy.receiptWaitMs'],
    ['receiptWaitMs over 72 h', { ...good, policy: { receiptWaitMs: 73 * 3_600_000 } }, 'policy.receiptWaitMs'],
    ['voiceFallback not boolean', { ...good, policy: { voiceFallback: 'yes' } }, 'policy.voiceFallback'],
    ['unknown policy field', { ...good, policy: { retries: 3 } }, 'policy.retries'],
    ['backoff not an object', { ...good, policy: { backoff: 1000 } }, 'policy.backoff'],
    ['negative initialMs', { ...good, policy: { backoff: { initialMs: -1 } } }, 'policy.backoff.initialMs'],
    ['maxMs below initialMs', { ...good, policy: { backoff: { initialMs: 5_000, maxMs: 1_000 } } }, 'policy.backoff.maxMs'],
    ['multiplier below 1', { ...good, policy: { backoff: { multiplier: 0.5 } } }, 'policy.backoff.multiplier'],
    ['multiplier NaN', { ...good, policy: { backoff: { multiplier: Number.NaN } } }, 'policy.backoff.multiplier'],
    ['unknown backoff field', { ...good, policy: { backoff: { jitter: 'full' } } }, 'policy.backoff.jitter'],
  ])('names the field at fault: %s', (_case, input, field) => {
    expect(fields(input)).toContain(field);
  });

  it('reports every problem, each once, with a message', () => {
    const problems = validateRule({ id: 'x', strategy: 'weighted', countries: ['usa'], targets: [{ carrierId: 'a', weight: 60 }, { carrierId: 'a', weight: -5 }] });
    expect(problems).toEqual([
      { field: 'countries[0]', message: 'must be an ISO 3166 alpha-2 code such as "US", got "usa"' },
      { field: 'targets[1].carrierId', message: 'carrier "a" is listed twice' },
      { field: 'targets[1].weight', message: 'weight must be a percentage from 0 to 100' },
    ]);
  });

  it('accepts weights that add up to 100 despite floating point', () => {
    expect(validateRule({ id: 'w', strategy: 'weighted', targets: [0.1, 0.2, 99.7].map((weight, i) => ({ carrierId: `c${i}`, weight })) })).toEqual([]);
  });

  it('refuses something that is not a rule', () => {
    for (const input of [null, 'rule', [good], 42]) expect(validateRule(input)).toEqual([{ field: '', message: 'a rule must be an object' }]);
  });

  it('checks that carriers exist when told which do', () => {
    expect(validateRule({ id: 'x', strategy: 'priority', targets: [{ carrierId: 'zeta' }] }, new Set(['a']))).toEqual([{ field: 'targets[0].carrierId', message: 'no carrier "zeta"' }]);
  });
});

describe('validateRuleSet', () => {
  const defaultRule = { id: 'default', strategy: 'priority', targets: [{ carrierId: 'a' }] };

  it('accepts a set with a default rule', () => {
    expect(validateRuleSet([good, defaultRule])).toEqual([]);
  });

  it('requires a non-empty list with a default rule', () => {
    expect(validateRuleSet([])).toEqual([{ field: 'rules', message: 'rules must be a non-empty list' }]);
    expect(validateRuleSet({ rules: [] })[0].field).toBe('rules');
    expect(validateRuleSet([good])).toEqual([{ field: 'rules', message: 'add a default rule (one without match criteria) so every destination has a route' }]);
  });

  it('prefixes fields with the rule index and finds duplicate ids', () => {
    expect(validateRuleSet([defaultRule, { ...good, targets: [{ carrierId: 'a', weight: 1 }, {}] }])).toEqual([{ field: 'rules[1].targets[1].carrierId', message: 'carrierId is required' }]);
    expect(validateRuleSet([defaultRule, { ...defaultRule }])).toEqual([{ field: 'rules[1].id', message: 'rule id "default" is used twice' }]);
    expect(validateRuleSet([defaultRule, null])).toEqual([{ field: 'rules[1]', message: 'a rule must be an object' }]);
  });
});
