import { matchRule, ruleSpecificity } from './match-rules';
import { NoRouteError } from './routing-rule';
import { ACCOUNT, priorityRule, routeRequest } from '../../../../test/support/routing-fixtures';

const OTHER_ACCOUNT = '22222222-2222-4222-8222-222222222222';
const request = routeRequest;
const rule = priorityRule;
const UK = { to: '+447400123456', country: 'GB' };

describe('matchRule', () => {
  const table = [rule('default'), rule('us', { countries: ['US'] }), rule('1', { prefixes: ['1'] }), rule('1415', { prefixes: ['1415'] })];

  it('prefers the longest prefix, then the country, then the default rule', () => {
    expect(matchRule(table, request()).id).toBe('1415');
    expect(matchRule(table, request({ to: '+12125550100' })).id).toBe('1');
    expect(matchRule([rule('default'), rule('us', { countries: ['US'] })], request()).id).toBe('us');
    expect(matchRule(table, request(UK)).id).toBe('default');
  });

  it('takes the longest of the prefixes one rule lists', () => {
    const rules = [rule('1415-or-1', { prefixes: ['1', '1415'] }), rule('141', { prefixes: ['141'] })];
    expect(matchRule(rules, request()).id).toBe('1415-or-1');
    expect(ruleSpecificity(rules[0], request())?.[0]).toBe(4);
  });

  it('compares prefixes on the digits after the +', () => {
    expect(matchRule([rule('d'), rule('44', { prefixes: ['44'] })], request({ ...UK, to: '447400123456' })).id).toBe('44');
    expect(matchRule([rule('d'), rule('4', { prefixes: ['4'] })], request({ to: '+14155552671' })).id).toBe('d');
  });

  it('requires both prefix and country when a rule lists both', () => {
    const both = rule('both', { prefixes: ['44'], countries: ['GB'] });
    expect(matchRule([rule('default'), both], request(UK)).id).toBe('both');
    // +44 7781… is Guernsey: the prefix matches, the country does not.
    expect(matchRule([rule('default'), both], request({ to: '+447781123456', country: 'GG' })).id).toBe('default');
    // And with an equal prefix, the rule that also pins the country is the more specific one.
    expect(matchRule([rule('44', { prefixes: ['44'] }), both], request(UK)).id).toBe('both');
  });

  it('ranks a network match above a country match, and ignores network rules when the network is unknown', () => {
    const tmo = rule('tmo', { networks: ['310260'] });
    expect(matchRule([rule('us', { countries: ['US'] }), tmo], request({ network: '310260' })).id).toBe('tmo');
    expect(matchRule([rule('us', { countries: ['US'] }), tmo], request({ network: '310410' })).id).toBe('us');
    expect(matchRule([rule('d'), tmo], request()).id).toBe('d');
  });

  it('ranks a prefix above a network, and a network above country, account, priority and sender together', () => {
    const everything = rule('everything', { countries: ['US'], accountIds: [ACCOUNT], priorities: ['otp'], senderTypes: ['short_code'] });
    const otp = request({ network: '310260', priority: 'otp', senderType: 'short_code' });
    expect(matchRule([everything, rule('tmo', { networks: ['310260'] })], otp).id).toBe('tmo');
    expect(matchRule([rule('tmo', { networks: ['310260'] }), rule('1', { prefixes: ['1'] })], otp).id).toBe('1');
  });

  it('ranks an account-specific rule above a generic one, and above priority and sender-type rules', () => {
    const acct = rule('acct', { countries: ['US'], accountIds: [ACCOUNT] });
    const generic = rule('generic', { countries: ['US'] });
    expect(matchRule([generic, acct], request()).id).toBe('acct');
    expect(matchRule([generic, acct], request({ accountId: OTHER_ACCOUNT })).id).toBe('generic');
    const otp = rule('otp', { countries: ['US'], priorities: ['otp'], senderTypes: ['alphanumeric'] });
    expect(matchRule([otp, acct], request({ priority: 'otp' })).id).toBe('acct');
    // Destination first: an account rule without a country loses to a country rule.
    expect(matchRule([rule('acct-anywhere', { accountIds: [ACCOUNT] }), generic], request()).id).toBe('generic');
  });

  it('ranks a priority-specific rule (otp) above a generic one, and above a sender-type rule', () => {
    const otp = rule('otp', { countries: ['US'], priorities: ['otp'] });
    const generic = rule('generic', { countries: ['US'] });
    expect(matchRule([generic, otp], request({ priority: 'otp' })).id).toBe('otp');
    expect(matchRule([generic, otp], request({ priority: 'marketing' })).id).toBe('generic');
    expect(matchRule([rule('alpha', { countries: ['US'], senderTypes: ['alphanumeric'] }), otp], request({ priority: 'otp' })).id).toBe('otp');
  });

  it('matches sender types', () => {
    const short = rule('short', { countries: ['US'], senderTypes: ['short_code'] });
    const generic = rule('generic', { countries: ['US'] });
    expect(matchRule([generic, short], request({ senderType: 'short_code' })).id).toBe('short');
    expect(matchRule([generic, short], request({ senderType: 'long_code' })).id).toBe('generic');
  });

  it('keeps the earlier of two equally specific rules', () => {
    expect(matchRule([rule('first', { countries: ['US'] }), rule('second', { countries: ['US', 'CA'] })], request()).id).toBe('first');
    expect(matchRule([rule('second', { countries: ['US', 'CA'] }), rule('first', { countries: ['US'] })], request()).id).toBe('second');
    expect(matchRule([rule('d1'), rule('d2')], request()).id).toBe('d1');
  });

  it('lets a default rule route numbers without a country', () => {
    expect(matchRule([rule('us', { countries: ['US'] }), rule('d')], request({ to: '+80012345678', country: undefined })).id).toBe('d');
  });

  it('treats empty criteria lists as absent', () => {
    expect(ruleSpecificity(rule('x', { countries: [], prefixes: [] }), request())).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('throws NoRouteError, naming the number, when nothing matches', () => {
    const match = () => matchRule([rule('us', { countries: ['US'] })], request({ to: '+33612345678', country: 'FR' }));
    expect(match).toThrow(NoRouteError);
    expect(match).toThrow(/\+33612345678 \(FR, transactional/);
    expect(() => matchRule([], request())).toThrow(NoRouteError);
  });
});
