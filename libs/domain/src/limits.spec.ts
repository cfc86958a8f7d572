// The limit and fraud rules: defaults, destinations, counters and their windows.
import { ForbiddenError, RateLimitedError } from '@app/contracts';
import { DEFAULT_ACCOUNT_LIMITS, destinationRefusal, priorityRefusal, resolveLimits, usageCounters, usageRefusal } from './limits';
import { normalizeE164 } from './phone';

it('resolves an account\'s settings over the defaults; a missing or null setting is the default', () => {
  expect(resolveLimits(null)).toEqual(DEFAULT_ACCOUNT_LIMITS);
  expect(resolveLimits({ perNumberPerMinute: 3, dailyMessages: null })).toEqual({ ...DEFAULT_ACCOUNT_LIMITS, perNumberPerMinute: 3 });
  // The defaults are not shared mutable state.
  resolveLimits({}).blockedNumberTypes.push('MOBILE');
  expect(DEFAULT_ACCOUNT_LIMITS.blockedNumberTypes).not.toContain('MOBILE');
});

it('gives OTP priority only to entitled accounts', () => {
  expect(priorityRefusal(resolveLimits({}), 'otp')).toMatchObject({ code: 'otp_priority_not_allowed', field: 'priority' });
  expect(priorityRefusal(resolveLimits({}), 'transactional')).toBeNull();
  expect(priorityRefusal(resolveLimits({ otpPriority: true }), 'otp')).toBeNull();
});

it.each([
  ['+19005551234', 'PREMIUM_RATE'],
  ['+449098790123', 'PREMIUM_RATE'],
  ['+33899123456', 'PREMIUM_RATE'],
  ['+445511234567', 'UAN'],
  ['+447640123456', 'PAGER'],
])('refuses %s (%s) by default', (to, type) => {
  const number = normalizeE164(to);
  expect(number.type).toBe(type);
  const refusal = destinationRefusal(resolveLimits({}), number);
  expect(refusal).toBeInstanceOf(ForbiddenError);
  expect(refusal).toMatchObject({ code: 'destination_number_type_refused', field: 'to' });
  expect(destinationRefusal(resolveLimits({ blockedNumberTypes: [] }), number)).toBeNull();
});

it.each(['+14155552671', '+4915123456789', '+18005551234', '+4970012345678'])('lets %s through by default', (to) => {
  expect(destinationRefusal(resolveLimits({}), normalizeE164(to))).toBeNull();
});

it('keeps an account to its countries; non-geographic numbers only without a list', () => {
  const limits = resolveLimits({ allowedCountries: ['GB'] });
  expect(destinationRefusal(limits, normalizeE164('+447400123456'))).toBeNull();
  expect(destinationRefusal(limits, normalizeE164('+14155552671'))).toMatchObject({ code: 'destination_country_not_allowed', field: 'to' });
  expect(destinationRefusal(limits, { e164: '+80012345678' })).toMatchObject({ code: 'destination_country_not_allowed' });
  expect(destinationRefusal(resolveLimits({ allowedCountries: [] }), normalizeE164('+447400123456'))).toMatchObject({ code: 'destination_country_not_allowed' });
});

describe('counters', () => {
  const now = Date.UTC(2026, 11, 6, 13, 45, 30);
  const counters = usageCounters('acct', '+14155552671', resolveLimits({ perNumberPerMinute: 2 }), now);

  it('names each window in its key: the UTC day, the minute and hour per number, the minute per number block', () => {
    expect(counters.map((c) => c.code)).toEqual(['daily_quota_exceeded', 'velocity_number_minute', 'velocity_number_hour', 'velocity_prefix_minute']);
    expect(counters[0].key).toBe('q:acct:2026-12-06');
    expect(counters[0].resetsAt.toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(counters[1].resetsAt.toISOString()).toBe('2026-12-06T13:46:00.000Z');
    expect(counters[2].resetsAt.toISOString()).toBe('2026-12-06T14:00:00.000Z');
    expect(counters[3].key).toMatch(/^p:acct:\+14155552:m\d+$/);
    // Another account counts apart; the next minute is a new window.
    expect(usageCounters('other', '+14155552671', resolveLimits({}), now)[1].key).not.toBe(counters[1].key);
    expect(usageCounters('acct', '+14155552671', resolveLimits({}), now + 30_000)[1].key).not.toBe(counters[1].key);
    // Neighbouring numbers share the block, not the number's counters.
    const neighbour = usageCounters('acct', '+14155552672', resolveLimits({}), now);
    expect(neighbour[3].key).toBe(counters[3].key);
    expect(neighbour[1].key).not.toBe(counters[1].key);
  });

  it('refuses at the first counter over its limit, with Retry-After to the end of its window', () => {
    expect(usageRefusal(counters, [1, 2, 2, 2], now)).toBeNull();
    const minute = usageRefusal(counters, [1, 3, 3, 3], now)!;
    expect(minute).toBeInstanceOf(RateLimitedError);
    expect(minute).toMatchObject({ code: 'velocity_number_minute', field: 'to', retryAfterSeconds: 30 });
    const quota = usageRefusal(counters, [DEFAULT_ACCOUNT_LIMITS.dailyMessages + 1, 1, 1, 1], now)!;
    expect(quota).toMatchObject({ code: 'daily_quota_exceeded', retryAfterSeconds: (10 * 60 + 14) * 60 + 30 });
    expect(quota.field).toBeUndefined();
  });
});
