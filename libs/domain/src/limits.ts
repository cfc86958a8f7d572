// An account's limits and the fraud rules of every message, whichever channel it came by: the
// settings with their defaults, which destinations an account may reach (country allow-list,
// risky number types refused), and the counters a message consumes (velocity per number and
// per number block, daily quota). Pure: the intake counts in PostgreSQL and decides with these.
import { DomainError, ForbiddenError, RateLimitedError } from '@app/contracts';
import type { E164Number } from './phone';

/** libphonenumber-js number types (metadata "max"). */
export const NUMBER_TYPES = [
  'MOBILE',
  'FIXED_LINE',
  'FIXED_LINE_OR_MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

export interface AccountLimits {
  /** REST requests per second for the whole account (all its keys). */
  requestsPerSecond: number;
  /** REST requests per second for each of its API keys. */
  keyRequestsPerSecond: number;
  /** Messages accepted per UTC day (REST and SMPP). */
  dailyMessages: number;
  /** May send with `priority: "otp"` (its own workflow, ahead of every queue). Set by operators. */
  otpPriority: boolean;
  /** ISO 3166-1 alpha-2 codes this account may send to; null: every country. */
  allowedCountries: string[] | null;
  /** Destination number types refused (SMS pumping and premium-rate fraud). */
  blockedNumberTypes: NumberType[];
  /** Messages to one number per minute and per hour. */
  perNumberPerMinute: number;
  perNumberPerHour: number;
  /** Messages to one block of numbers (the number without its last PREFIX_DROPPED_DIGITS digits) per minute. */
  perPrefixPerMinute: number;
}

export const DEFAULT_ACCOUNT_LIMITS: Readonly<AccountLimits> = Object.freeze<AccountLimits>({
  requestsPerSecond: 100,
  keyRequestsPerSecond: 50,
  dailyMessages: 10_000,
  otpPriority: false,
  allowedCountries: null,
  blockedNumberTypes: ['PREMIUM_RATE', 'SHARED_COST', 'UAN', 'VOICEMAIL', 'PAGER'],
  perNumberPerMinute: 10,
  perNumberPerHour: 100,
  perPrefixPerMinute: 100,
});

/** A number block is the number without its last three digits: a range of 1,000 numbers. */
export const PREFIX_DROPPED_DIGITS = 3;

/** Upper bounds an operator may set (and the local demo account has). */
export const MAX_LIMITS = { requestsPerSecond: 100_000, dailyMessages: 1_000_000_000, perNumber: 1_000_000_000 } as const;

/** The limits in force: the account's own settings over the defaults (a missing or null setting is the default). */
export function resolveLimits(overrides: Partial<Record<keyof AccountLimits, unknown>> | null | undefined): AccountLimits {
  const limits: AccountLimits = { ...DEFAULT_ACCOUNT_LIMITS, blockedNumberTypes: [...DEFAULT_ACCOUNT_LIMITS.blockedNumberTypes] };
  if (!overrides) return limits;
  for (const name of Object.keys(DEFAULT_ACCOUNT_LIMITS) as (keyof AccountLimits)[]) {
    const value = overrides[name];
    if (value !== undefined && value !== null) (limits as unknown as Record<string, unknown>)[name] = value;
  }
  return limits;
}

/** Refuses OTP priority to accounts an operator has not entitled to it. */
export function priorityRefusal(limits: AccountLimits, priority: string): DomainError | null {
  if (priority !== 'otp' || limits.otpPriority) return null;
  return new ForbiddenError('otp_priority_not_allowed', 'priority "otp" is reserved for accounts an operator has entitled to it; send "transactional"', 'priority');
}

/** Refuses a destination outside the account's countries, or of a refused number type. */
export function destinationRefusal(limits: AccountLimits, number: E164Number): DomainError | null {
  if (limits.allowedCountries && !(number.country && limits.allowedCountries.includes(number.country))) {
    return new ForbiddenError('destination_country_not_allowed', `This account may not send to ${number.country ?? 'non-geographic numbers'}; allowed: ${limits.allowedCountries.join(', ') || 'none'}`, 'to');
  }
  if (number.type && (limits.blockedNumberTypes as string[]).includes(number.type)) {
    return new ForbiddenError('destination_number_type_refused', `to is a ${number.type.toLowerCase().replace(/_/g, '-')} number; this account may not send to ${number.type} numbers`, 'to');
  }
  return null;
}

/** One counter a message adds one to, with the most it may reach in its window. */
export interface UsageCounter {
  key: string;
  limit: number;
  /** End of the window: the counter is dropped after it, and a refusal says to retry then. */
  resetsAt: Date;
  code: string;
  message: string;
  field?: string;
}

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const windowEnd = (now: number, size: number) => new Date(Math.floor(now / size) * size + size);

/** The counters one message to `e164` consumes: fixed windows (minute, hour, UTC day) named by their start. */
export function usageCounters(accountId: string, e164: string, limits: AccountLimits, now: number): UsageCounter[] {
  const minute = Math.floor(now / MINUTE);
  const prefix = e164.slice(0, -PREFIX_DROPPED_DIGITS);
  const day = new Date(Math.floor(now / DAY) * DAY).toISOString().slice(0, 10);
  return [
    {
      key: `q:${accountId}:${day}`,
      limit: limits.dailyMessages,
      resetsAt: windowEnd(now, DAY),
      code: 'daily_quota_exceeded',
      message: `This account's daily quota of ${limits.dailyMessages} messages is used up; it renews at 00:00 UTC`,
    },
    {
      key: `n:${accountId}:${e164}:m${minute}`,
      limit: limits.perNumberPerMinute,
      resetsAt: windowEnd(now, MINUTE),
      code: 'velocity_number_minute',
      message: `At most ${limits.perNumberPerMinute} messages a minute to one number`,
      field: 'to',
    },
    {
      key: `n:${accountId}:${e164}:h${Math.floor(now / HOUR)}`,
      limit: limits.perNumberPerHour,
      resetsAt: windowEnd(now, HOUR),
      code: 'velocity_number_hour',
      message: `At most ${limits.perNumberPerHour} messages an hour to one number`,
      field: 'to',
    },
    {
      key: `p:${accountId}:${prefix}:m${minute}`,
      limit: limits.perPrefixPerMinute,
      resetsAt: windowEnd(now, MINUTE),
      code: 'velocity_prefix_minute',
      message: `At most ${limits.perPrefixPerMinute} messages a minute to numbers starting ${prefix}`,
      field: 'to',
    },
  ];
}

/**
 * The deployment-wide count of OTP messages accepted in the current UTC second, every replica's
 * (README, "Which shape carries a message"): the first OTP_WORKFLOWS_PER_SECOND of a second get
 * their own workflow, the rest ride pages. Not counted when that setting is 0.
 */
export function otpSecondCounter(now: number): { key: string; resetsAt: Date } {
  return { key: `otp:s${Math.floor(now / SECOND)}`, resetsAt: windowEnd(now, SECOND) };
}

/** The first counter over its limit, as the error to answer (429 with Retry-After), or null. */
export function usageRefusal(counters: UsageCounter[], counts: number[], now: number): RateLimitedError | null {
  const over = counters.findIndex((counter, i) => counts[i] > counter.limit);
  if (over < 0) return null;
  const counter = counters[over];
  return new RateLimitedError(counter.code, counter.message, Math.max(1, Math.ceil((counter.resetsAt.getTime() - now) / 1000)), counter.field);
}
