import { complianceSettings, DEFAULT_HELP_TEXT, matchAutoReply, matchComplianceKeyword, normalizeKeyword } from './keywords';

describe('normalizeKeyword', () => {
  it('trims, collapses spaces, removes accents and case and trailing punctuation', () => {
    expect(normalizeKeyword('  stop ')).toBe('STOP');
    expect(normalizeKeyword('Pomoć!')).toBe('POMOC');
    expect(normalizeKeyword('ODJAVA.')).toBe('ODJAVA');
    expect(normalizeKeyword('đak  \t žena')).toBe('DAK ZENA');
    expect(normalizeKeyword('Ünsubscribe')).toBe('UNSUBSCRIBE');
  });
});

describe('matchComplianceKeyword', () => {
  const defaults = complianceSettings(null);

  it.each(['STOP', 'stop', ' Stop ', 'UNSUBSCRIBE', 'cancel', 'END', 'quit'])('%s opts out of the account by default, with the English confirmation', (text) => {
    const match = matchComplianceKeyword(text, defaults);
    expect(match).toMatchObject({ action: 'opt_out', scope: 'account', locale: 'en' });
    expect(match!.reply).toMatch(/unsubscribed/);
  });

  it('STOPALL opts out of the whole account even with per-sender scope', () => {
    const perSender = complianceSettings({ optOutScope: 'sender' });
    expect(matchComplianceKeyword('stopall', perSender)).toMatchObject({ action: 'opt_out_all', scope: 'account' });
    expect(matchComplianceKeyword('stop', perSender)).toMatchObject({ action: 'opt_out', scope: 'sender' });
  });

  it('START, UNSTOP and YES opt back in; HELP and INFO answer with the help text', () => {
    for (const word of ['START', 'unstop', 'Yes']) expect(matchComplianceKeyword(word, defaults)).toMatchObject({ action: 'opt_in', locale: 'en' });
    expect(matchComplianceKeyword('help', defaults)).toMatchObject({ action: 'help', reply: DEFAULT_HELP_TEXT });
    const custom = complianceSettings({ helpText: 'Acme: call 555-0100' });
    expect(matchComplianceKeyword('info', custom)!.reply).toBe('Acme: call 555-0100');
  });

  it('Croatian ODJAVA (any case and accent) opts out with the Croatian confirmation; STOP follows the locale order', () => {
    const match = matchComplianceKeyword('odjava', defaults);
    expect(match).toMatchObject({ action: 'opt_out', locale: 'hr', keyword: 'ODJAVA' });
    expect(match!.reply).toMatch(/Odjavljeni ste/);
    expect(matchComplianceKeyword('pomoc', defaults)).toMatchObject({ action: 'help', locale: 'hr' });
    expect(matchComplianceKeyword('STOP', complianceSettings({ locales: ['hr', 'en'] }))).toMatchObject({ locale: 'hr' });
    expect(matchComplianceKeyword('odjava', complianceSettings({ locales: ['en'] }))).toBeNull();
  });

  it("an account's own keywords and confirmations add to the shipped ones", () => {
    const settings = complianceSettings({ locales: ['de', 'en'], keywords: { de: { optOut: ['ABMELDEN'], replies: { optOut: 'Abgemeldet.' } } } });
    expect(matchComplianceKeyword('abmelden', settings)).toMatchObject({ action: 'opt_out', locale: 'de', reply: 'Abgemeldet.' });
    expect(matchComplianceKeyword('STOP', settings)).toMatchObject({ locale: 'en' });
  });

  it('anything else is no keyword: a sentence that contains STOP does not opt out', () => {
    expect(matchComplianceKeyword('please stop by tomorrow', defaults)).toBeNull();
    expect(matchComplianceKeyword('   ', defaults)).toBeNull();
  });
});

describe('matchAutoReply', () => {
  const rules = [
    { id: '1', keyword: 'price', match: 'prefix' as const, locale: null, reply: 'prefix' },
    { id: '2', keyword: 'PRICE LIST', match: 'exact' as const, locale: null, reply: 'exact' },
    { id: '3', keyword: 'cijena', match: 'exact' as const, locale: 'hr', reply: 'hr' },
    { id: '4', keyword: 'Cijena', match: 'exact' as const, locale: 'en', reply: 'en' },
  ];

  it('prefers exact over prefix, matches prefixes at a word boundary', () => {
    expect(matchAutoReply('price list', rules, ['en'])?.id).toBe('2');
    expect(matchAutoReply('Price of shoes?', rules, ['en'])?.id).toBe('1');
    expect(matchAutoReply('PRICE', rules, ['en'])?.id).toBe('1');
    expect(matchAutoReply('prices', rules, ['en'])).toBeNull();
  });

  it('is accent-insensitive and ranks rules by the account locale order', () => {
    expect(matchAutoReply('CIJENA', rules, ['hr', 'en'])?.id).toBe('3');
    expect(matchAutoReply('cijena', rules, ['en', 'hr'])?.id).toBe('4');
  });
});
