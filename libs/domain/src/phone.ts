// Phone numbers and sender ids, validated with libphonenumber-js.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { ValidationError } from '@app/contracts';

export interface E164Number {
  e164: string;
  country?: string;
  type?: string;
}

/** Accepts international numbers (+ and country code); spaces, dashes, dots and parentheses are ignored. */
export function normalizeE164(input: unknown, field = 'to'): E164Number {
  if (typeof input !== 'string' || input.trim() === '') throw new ValidationError('invalid_phone_number', `${field} must be a phone number in E.164 format, e.g. +14155552671`, field);
  const compact = input.trim().replace(/[\s\-.()]/g, '');
  if (!/^\+\d+$/.test(compact)) {
    throw new ValidationError('invalid_phone_number', `${field} must be in E.164 format: + followed by the country code and number, e.g. +14155552671`, field);
  }
  if (compact.length > 16) throw new ValidationError('invalid_phone_number', `${field} has more than 15 digits, the E.164 maximum`, field);
  const parsed = parsePhoneNumberFromString(compact);
  if (!parsed || !parsed.isValid()) throw new ValidationError('invalid_phone_number', `${field} is not a valid phone number: ${input.trim()}`, field);
  return { e164: parsed.number, country: parsed.country, type: parsed.getType() };
}

export type SenderType = 'alphanumeric' | 'long_code' | 'short_code';

/** Sender: alphanumeric id (1–11 of A–Z a–z 0–9 space, with a letter), short code (3–8 digits) or E.164 long code. */
export function normalizeSender(input: unknown, field = 'from'): { value: string; type: SenderType } {
  if (typeof input !== 'string' || input.trim() === '') throw new ValidationError('invalid_sender', `${field} must be a sender id or a phone number`, field);
  const value = input.trim();
  if (/^\d{3,8}$/.test(value)) return { value, type: 'short_code' };
  if (/^[+\d\s\-.()]+$/.test(value)) return { value: normalizeE164(value, field).e164, type: 'long_code' };
  if (/^[A-Za-z0-9 ]{1,11}$/.test(value) && /[A-Za-z]/.test(value)) return { value, type: 'alphanumeric' };
  throw new ValidationError('invalid_sender', `${field} must be an alphanumeric sender id of at most 11 letters, digits or spaces, a 3–8 digit short code, or an E.164 number`, field);
}
