// Verify (one-time codes), the pure part: an account's verification settings with their
// defaults, the localized texts (one SMS segment), the velocity counters a verification consumes
// (kept in usage_counters, like the message limits of libs/domain/src/limits.ts) and the
// conversion-rate guard against SMS pumping.
import { ForbiddenError, RateLimitedError, ValidationError } from '@app/contracts';
import { analyzeText } from './encoding';
import type { E164Number } from './phone';
import { PREFIX_DROPPED_DIGITS, UsageCounter } from './limits';

export const VERIFY_LOCALES = ['en', 'hr'] as const;
export type VerifyLocale = (typeof VERIFY_LOCALES)[number];

/**
 * The sender of verification texts and calls when the account has not set one: the one place to
 * change it (for instance once `from` must be a sender the account holds).
 */
export const DEFAULT_VERIFY_SENDER = 'Verify';

export interface VerifySettings {
  /** `from` of the code's SMS and voice call. */
  sender: string;
  /** Locale when a request names none. */
  defaultLocale: VerifyLocale;
  /** SMS text with `{code}` (and optionally `{minutes}`); null: the locale's default. */
  template: string | null;
  codeLength: number;
  expiryMinutes: number;
  maxChecks: number;
  maxSends: number;
  resendCooldownSeconds: number;
  /** A resend sends the same code (true) or a new one (false). */
  keepCodeOnResend: boolean;
  /** Countries a verification may be sent to (ISO alpha-2); null: those the account may send to. */
  allowedCountries: string[] | null;
  /** Verifications started per hour to one number, to one number block, and by the account. */
  perNumberPerHour: number;
  perPrefixPerHour: number;
  perAccountPerHour: number;
  /** Conversion guard: a number block with this many verifications in the last hour… */
  conversionMinStarts: number;
  /** …of which fewer than this share were approved is refused new ones (0 turns the guard off). */
  conversionMinRate: number;
}

export const DEFAULT_VERIFY_SETTINGS: Readonly<VerifySettings> = Object.freeze<VerifySettings>({
  sender: DEFAULT_VERIFY_SENDER,
  defaultLocale: 'en',
  template: null,
  codeLength: 6,
  expiryMinutes: 10,
  maxChecks: 5,
  maxSends: 5,
  resendCooldownSeconds: 30,
  keepCodeOnResend: true,
  allowedCountries: null,
  perNumberPerHour: 5,
  perPrefixPerHour: 50,
  perAccountPerHour: 1000,
  conversionMinStarts: 20,
  conversionMinRate: 0.1,
});

export const CODE_LENGTH = { min: 4, max: 10 } as const;
/** How long the conversion guard looks back, and how long a throttled block waits. */
export const CONVERSION_WINDOW_MS = 3_600_000;
export const CONVERSION_RETRY_AFTER_S = 900;

/** The settings in force: the account's own over the defaults (a missing or null value is the default). */
export function resolveVerifySettings(own: Partial<Record<keyof VerifySettings, unknown>> | null | undefined): VerifySettings {
  const settings: VerifySettings = { ...DEFAULT_VERIFY_SETTINGS };
  for (const name of Object.keys(DEFAULT_VERIFY_SETTINGS) as (keyof VerifySettings)[]) {
    const value = own?.[name];
    if (value !== undefined && value !== null) (settings as unknown as Record<string, unknown>)[name] = value;
  }
  return settings;
}

const TEMPLATES: Record<VerifyLocale, { sms: string; voice: string }> = {
  en: { sms: 'Your verification code is {code}. It expires in {minutes} minutes.', voice: 'Your verification code is: {code}. Again: {code}.' },
  hr: { sms: 'Vaš kontrolni kod je {code}. Vrijedi {minutes} minuta.', voice: 'Vaš kontrolni kod je: {code}. Ponavljam: {code}.' },
};

/** A template must carry `{code}` once and fit one SMS segment with the longest code. */
export function templateProblem(template: string, field = 'template'): ValidationError | null {
  if ((template.match(/\{code\}/g) ?? []).length !== 1) return new ValidationError('invalid_field', `${field} must contain {code} exactly once`, field);
  const longest = renderSms(template, '0'.repeat(CODE_LENGTH.max), 60);
  if (analyzeText(longest).segments > 1) return new ValidationError('invalid_field', `${field} must fit one SMS segment with a ${CODE_LENGTH.max}-digit code`, field);
  return null;
}

function renderSms(template: string, code: string, minutes: number): string {
  return template.replace('{code}', code).replace(/\{minutes\}/g, String(minutes));
}

/** The SMS text carrying the code. */
export function verificationSms(code: string, options: { locale: VerifyLocale; template: string | null; minutes: number }): string {
  return renderSms(options.template ?? TEMPLATES[options.locale].sms, code, options.minutes);
}

/** The text a voice call reads out: digits one by one, said twice. */
export function verificationSpeech(code: string, locale: VerifyLocale): string {
  return TEMPLATES[locale].voice.replace(/\{code\}/g, code.split('').join(', '));
}

/** Refuses a destination outside the account's verification countries. */
export function verifyCountryRefusal(settings: VerifySettings, number: E164Number): ForbiddenError | null {
  if (!settings.allowedCountries || (number.country && settings.allowedCountries.includes(number.country))) return null;
  return new ForbiddenError(
    'verify_country_not_allowed',
    `This account may not verify numbers in ${number.country ?? 'non-geographic ranges'}; allowed: ${settings.allowedCountries.join(', ') || 'none'}`,
    'to',
  );
}

const HOUR = 3_600_000;

/** The number block a verification counts against (the number without its last digits). */
export const verifyPrefix = (e164: string): string => e164.slice(0, -PREFIX_DROPPED_DIGITS);

/** The counters one verification start consumes (hourly fixed windows), checked with usageRefusal. */
export function verificationCounters(accountId: string, e164: string, settings: VerifySettings, now: number): UsageCounter[] {
  const hour = Math.floor(now / HOUR);
  const resetsAt = new Date(hour * HOUR + HOUR);
  const prefix = verifyPrefix(e164);
  return [
    { key: `vn:${accountId}:${e164}:h${hour}`, limit: settings.perNumberPerHour, resetsAt, code: 'verify_velocity_number', message: `At most ${settings.perNumberPerHour} verifications an hour to one number`, field: 'to' },
    { key: `vp:${accountId}:${prefix}:h${hour}`, limit: settings.perPrefixPerHour, resetsAt, code: 'verify_velocity_prefix', message: `At most ${settings.perPrefixPerHour} verifications an hour to numbers starting ${prefix}`, field: 'to' },
    { key: `va:${accountId}:h${hour}`, limit: settings.perAccountPerHour, resetsAt, code: 'verify_velocity_account', message: `At most ${settings.perAccountPerHour} verifications an hour for this account` },
  ];
}

/** The conversion guard: refuses a number block whose recent verifications are rarely approved. */
export function conversionRefusal(settings: VerifySettings, prefix: string, recent: { started: number; approved: number }): RateLimitedError | null {
  if (settings.conversionMinRate <= 0 || recent.started < settings.conversionMinStarts) return null;
  if (recent.approved / recent.started >= settings.conversionMinRate) return null;
  return new RateLimitedError(
    'verify_conversion_guard',
    `Verifications to numbers starting ${prefix} are throttled: ${recent.approved} of the last ${recent.started} were approved (below ${Math.round(settings.conversionMinRate * 100)}%)`,
    CONVERSION_RETRY_AFTER_S,
    'to',
  );
}

/** Finished verifications a carrier needs in a country before its conversion counts. */
export const CONVERSION_MIN_SAMPLES = 5;

/**
 * Conversion feedback for quality routing: each carrier's delivery rate scaled by its verify
 * conversion relative to the best carrier's for the same country (users who never type a code
 * affect every carrier alike; a carrier whose "delivered" codes are not entered falls behind).
 * Carriers with fewer than CONVERSION_MIN_SAMPLES finished verifications are left as they are.
 */
export function withConversion<Q extends { deliveryRate?: number; samples: number }>(
  quality: Map<string, Q>,
  conversion: readonly { carrierId: string; finished: number; approved: number }[],
): Map<string, Q | { deliveryRate: number; samples: number }> {
  const rates = new Map(conversion.filter((c) => c.finished >= CONVERSION_MIN_SAMPLES).map((c) => [c.carrierId, c.approved / c.finished]));
  const best = Math.max(0, ...rates.values());
  if (best === 0) return quality;
  const out = new Map<string, Q | { deliveryRate: number; samples: number }>(quality);
  for (const [carrierId, rate] of rates) {
    const known = quality.get(carrierId);
    const samples = Math.max(known?.samples ?? 0, conversion.find((c) => c.carrierId === carrierId)!.finished);
    out.set(carrierId, { ...(known ?? {}), deliveryRate: (known?.deliveryRate ?? 1) * (rate / best), samples } as Q);
  }
  return out;
}
