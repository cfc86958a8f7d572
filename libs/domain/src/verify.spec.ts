import { RateLimitedError, ValidationError } from '@app/contracts';
import { analyzeText } from './encoding';
import { usageRefusal } from './limits';
import {
  conversionRefusal,
  DEFAULT_VERIFY_SETTINGS,
  resolveVerifySettings,
  templateProblem,
  verificationCounters,
  verificationSms,
  verificationSpeech,
  verifyCountryRefusal,
  withConversion,
} from './verify';

describe('verification texts', () => {
  it('fit one segment in English and Croatian with the longest code', () => {
    for (const locale of ['en', 'hr'] as const) {
      const text = verificationSms('0123456789', { locale, template: null, minutes: 10 });
      expect(text).toContain('0123456789');
      expect(analyzeText(text).segments).toBe(1);
    }
    expect(verificationSms('4821', { locale: 'hr', template: null, minutes: 10 })).toBe('Vaš kontrolni kod je 4821. Vrijedi 10 minuta.');
  });

  it("uses the account's or the request's template, which must carry {code} once and fit a segment", () => {
    expect(verificationSms('4821', { locale: 'en', template: 'Acme: {code} ({minutes} min)', minutes: 7 })).toBe('Acme: 4821 (7 min)');
    expect(templateProblem('Acme {code}')).toBeNull();
    expect(templateProblem('no code')).toBeInstanceOf(ValidationError);
    expect(templateProblem('{code} {code}')).toBeInstanceOf(ValidationError);
    expect(templateProblem(`{code} ${'x'.repeat(160)}`)?.message).toMatch(/one SMS segment/);
  });

  it('speaks the digits one by one, twice', () => {
    expect(verificationSpeech('482', 'en')).toBe('Your verification code is: 4, 8, 2. Again: 4, 8, 2.');
  });
});

describe('verification fraud rules', () => {
  it('resolves settings over the defaults', () => {
    expect(resolveVerifySettings({ maxChecks: 3, template: null })).toEqual({ ...DEFAULT_VERIFY_SETTINGS, maxChecks: 3 });
  });

  it('refuses numbers outside the verify countries', () => {
    const settings = resolveVerifySettings({ allowedCountries: ['HR'] });
    expect(verifyCountryRefusal(settings, { e164: '+385911234567', country: 'HR' })).toBeNull();
    expect(verifyCountryRefusal(settings, { e164: '+14155552671', country: 'US' })?.code).toBe('verify_country_not_allowed');
    expect(verifyCountryRefusal(DEFAULT_VERIFY_SETTINGS, { e164: '+14155552671', country: 'US' })).toBeNull();
  });

  it('counts per number, per number block and per account, and refuses the first over its limit with Retry-After', () => {
    const now = Date.UTC(2026, 11, 6, 10, 30);
    const counters = verificationCounters('acc', '+14155552671', resolveVerifySettings({ perNumberPerHour: 2 }), now);
    expect(counters.map((c) => c.key)).toEqual(['vn:acc:+14155552671:h' + Math.floor(now / 3_600_000), 'vp:acc:+14155552:h' + Math.floor(now / 3_600_000), 'va:acc:h' + Math.floor(now / 3_600_000)]);
    expect(usageRefusal(counters, [2, 2, 2], now)).toBeNull();
    const refused = usageRefusal(counters, [3, 3, 3], now)!;
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused.code).toBe('verify_velocity_number');
    expect(refused.retryAfterSeconds).toBe(30 * 60);
  });

  it('throttles a number block whose verifications are rarely approved', () => {
    const s = resolveVerifySettings({ conversionMinStarts: 10, conversionMinRate: 0.2 });
    expect(conversionRefusal(s, '+1415555', { started: 9, approved: 0 })).toBeNull();
    expect(conversionRefusal(s, '+1415555', { started: 10, approved: 2 })).toBeNull();
    expect(conversionRefusal(s, '+1415555', { started: 10, approved: 1 })?.code).toBe('verify_conversion_guard');
    expect(conversionRefusal(resolveVerifySettings({ conversionMinRate: 0 }), '+1415555', { started: 100, approved: 0 })).toBeNull();
  });
});

describe('conversion feedback', () => {
  it("scales each carrier's delivery rate by its conversion relative to the best", () => {
    const quality = new Map([
      ['alpha', { deliveryRate: 0.99, samples: 100 }],
      ['beta', { deliveryRate: 0.95, samples: 100 }],
    ]);
    const out = withConversion(quality, [
      { carrierId: 'alpha', finished: 50, approved: 10 },
      { carrierId: 'beta', finished: 50, approved: 40 },
      { carrierId: 'gamma', finished: 2, approved: 0 },
    ]);
    expect(out.get('alpha')!.deliveryRate).toBeCloseTo(0.99 * 0.25);
    expect(out.get('beta')!.deliveryRate).toBeCloseTo(0.95);
    expect(out.has('gamma')).toBe(false);
    expect(withConversion(quality, [])).toBe(quality);
  });
});
