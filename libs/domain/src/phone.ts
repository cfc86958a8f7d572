// Recipient numbers and sender ids: validated and brought to one canonical form (E.164 for
// numbers) before anything is stored or sent. Validity comes from libphonenumber-js with its
// full ("max") metadata: the default metadata only checks lengths, not number ranges.
import { CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { ValidationError } from '@app/contracts';

export interface E164Number {
  /** Canonical E.164: '+', country code, national number, digits only. */
  e164: string;
  /** ISO 3166-1 alpha-2; absent for non-geographic numbers such as +800. */
  country?: string;
  /** libphonenumber-js type (MOBILE, FIXED_LINE, FIXED_LINE_OR_MOBILE…) when it can tell. */
  type?: string;
}

export type SenderType = 'alphanumeric' | 'long_code' | 'short_code';

export interface Sender {
  value: string;
  type: SenderType;
}

const E164_MAX_DIGITS = 15;
const EXAMPLE = '+14155552671';
/** Spaces, dashes (ASCII and Unicode), dots, slashes and parentheses people write in numbers. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212./()]/g;

/**
 * Validates an international phone number and returns it in E.164. Separators are ignored, so
 * '+1 (415) 555-2671' gives '+14155552671', and a national trunk zero written after the country
 * code is dropped ('+44 (0)7400 123456' gives '+447400123456'). A '+' and the country code are
 * required: a number without them is ambiguous ('15123456789' is a US number or a German one
 * missing its 0), so it is refused, never guessed.
 *
 * The number type is reported, not enforced: landlines and toll-free numbers can receive SMS
 * in some countries.
 */
export function normalizeE164(input: unknown, field = 'to'): E164Number {
  const fail = (message: string): never => {
    throw new ValidationError('invalid_phone_number', message, field);
  };
  if (typeof input !== 'string' || input.trim() === '') {
    return fail(`${field} must be a phone number in E.164 format, e.g. ${EXAMPLE}`);
  }
  const written = input.trim();
  const compact = written.replace(SEPARATORS, '');
  if (!/^\+?\d+$/.test(compact)) {
    return fail(`${field} must contain only digits after a leading +, e.g. ${EXAMPLE} (got ${JSON.stringify(written)})`);
  }
  const digits = compact.replace('+', '');
  if (digits.length > E164_MAX_DIGITS) {
    return fail(`${field} has ${digits.length} digits; an E.164 number has at most ${E164_MAX_DIGITS}`);
  }
  if (!compact.startsWith('+')) {
    return fail(`${field} must be in E.164 format: + followed by the country code and number, e.g. ${EXAMPLE}`);
  }
  const parsed = parsePhoneNumberFromString(compact);
  // With the full metadata a number is valid exactly when it has a type: asking for the type
  // first walks its country's number patterns once instead of twice (isValid, then getType).
  const type = parsed?.getType();
  if (!parsed || (type === undefined && !parsed.isValid())) {
    return fail(`${field} is not a valid phone number for its country code: ${written}`);
  }
  return { e164: parsed.number, country: parsed.country, type };
}

/** Whether `code` is an ISO 3166-1 alpha-2 country libphonenumber knows numbers of. */
export function isPhoneCountry(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}

/**
 * A number written the national way (e.g. '07400 123456' in GB, trunk prefix optional) as
 * E.164, or null when it is not a valid number of `country`.
 */
export function nationalToE164(input: string, country: string): string | null {
  if (!isPhoneCountry(country)) return null;
  const parsed = parsePhoneNumberFromString(input.replace(SEPARATORS, ''), country as CountryCode);
  return parsed?.isValid() ? parsed.number : null;
}

/** Whether '+' and these digits form a valid E.164 number. */
export function isValidInternational(digits: string): boolean {
  return /^\d{1,15}$/.test(digits) && (parsePhoneNumberFromString(`+${digits}`)?.isValid() ?? false);
}

const ALPHANUMERIC_MAX = 11;
const SHORT_CODE = /^\d{3,8}$/;
const PHONE_LIKE = /^[+\d\s\-\u2010-\u2015\u2212./()]+$/;

/**
 * Classifies and validates a sender. Surrounding spaces are dropped. A 3–8 digit string is a
 * short code; anything else made only of digits, '+' and separators must be an E.164 long
 * code; otherwise it is an alphanumeric sender id of 1–11 characters A–Z, a–z, 0–9 and space
 * with at least one letter (handsets cannot reply to it). All failures use `invalid_sender`.
 */
export function normalizeSender(input: unknown, field = 'from'): Sender {
  const fail = (message: string): never => {
    throw new ValidationError('invalid_sender', message, field);
  };
  if (typeof input !== 'string' || input.trim() === '') {
    return fail(`${field} must be an alphanumeric sender id, a short code or an E.164 phone number`);
  }
  const value = input.trim();
  if (SHORT_CODE.test(value)) return { value, type: 'short_code' };
  if (PHONE_LIKE.test(value)) {
    try {
      return { value: normalizeE164(value, field).e164, type: 'long_code' };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return fail(`${err.message} (a short code has 3–8 digits)`);
    }
  }
  // Digits and spaces alone were taken as a phone number above, so a match here has a letter.
  if (!/^[A-Za-z0-9 ]+$/.test(value)) {
    return fail(`${field} may contain only letters A–Z, digits and spaces when it is an alphanumeric sender id (got ${JSON.stringify(value)})`);
  }
  if (value.length > ALPHANUMERIC_MAX) {
    return fail(`${field} is ${value.length} characters; an alphanumeric sender id has at most ${ALPHANUMERIC_MAX}`);
  }
  return { value, type: 'alphanumeric' };
}
