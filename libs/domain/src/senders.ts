// Which senders an account may put in `from` (README, "Numbers and sender IDs"): a long or
// short code it holds with the sms capability (a short code only towards its own country), or
// an alphanumeric sender ID it holds, approved for the destination's country when that country
// requires registered alphanumeric senders. One pure rule, used by the shared intake (REST and
// SMPP) and by campaigns, so every door refuses alike.
import { ForbiddenError } from '@app/contracts';
import type { Sender } from './phone';

export type NumberKind = 'long_code' | 'short_code';
export const NUMBER_KINDS: NumberKind[] = ['long_code', 'short_code'];
export type NumberCapability = 'sms' | 'inbound' | 'mms' | 'voice';
export const NUMBER_CAPABILITIES: NumberCapability[] = ['sms', 'inbound', 'mms', 'voice'];
export type RegistrationStatus = 'pending' | 'approved' | 'rejected';
export const REGISTRATION_STATUSES: RegistrationStatus[] = ['pending', 'approved', 'rejected'];

/**
 * Countries whose networks block or rewrite unregistered alphanumeric sender IDs, so a sender ID
 * must be approved for the country before it is used towards it. Sources: carriers' and
 * aggregators' published country rules (registration is the norm in these markets). Keep this
 * list as data: add a country here (ISO 3166-1 alpha-2) and the rule follows; README lists it.
 */
export const SENDER_ID_REGISTRATION_COUNTRIES: readonly string[] = [
  'AE', // United Arab Emirates: TRA registration
  'EG', // Egypt
  'HR', // Croatia: operators accept registered alphanumeric senders only
  'ID', // Indonesia
  'IN', // India: DLT header registration
  'JO', // Jordan
  'KW', // Kuwait
  'OM', // Oman
  'QA', // Qatar
  'SA', // Saudi Arabia: CITC registration
  'TR', // Turkey: BTK / IYS
  'VN', // Vietnam: brand name registration
];

const DEFAULT_REGISTRATION_COUNTRIES: ReadonlySet<string> = new Set(SENDER_ID_REGISTRATION_COUNTRIES);

/** A number an account holds, as the rule needs it. */
export interface HeldNumber {
  kind: NumberKind;
  /** ISO 3166-1 alpha-2; a short code is national. */
  country: string | null;
  capabilities: readonly string[];
}

/** What an account holds: numbers by E.164 (or short code digits), sender IDs by `senderIdKey`. */
export interface HeldSenders {
  numbers: ReadonlyMap<string, HeldNumber>;
  /** Registration status per country for each held sender ID. */
  senderIds: ReadonlyMap<string, ReadonlyMap<string, RegistrationStatus>>;
}

/** Sender IDs are matched without regard to case ("ACME" is the "Acme" an account holds). */
export function senderIdKey(senderId: string): string {
  return senderId.trim().toUpperCase();
}

/**
 * Why the account may not send from `sender` to a number of `destinationCountry`, as a
 * ForbiddenError naming `field`; null when it may.
 */
export function senderRefusal(
  held: HeldSenders,
  sender: Sender,
  destinationCountry: string | undefined,
  registrationCountries: ReadonlySet<string> = DEFAULT_REGISTRATION_COUNTRIES,
  field = 'from',
): ForbiddenError | null {
  if (sender.type === 'alphanumeric') {
    const registrations = held.senderIds.get(senderIdKey(sender.value));
    if (!registrations) return new ForbiddenError('sender_not_held', `The account does not hold the sender ID ${JSON.stringify(sender.value)}`, field);
    if (destinationCountry && registrationCountries.has(destinationCountry)) {
      const status = registrations.get(destinationCountry);
      if (status !== 'approved') {
        return new ForbiddenError(
          'sender_not_registered',
          `${destinationCountry} accepts registered alphanumeric senders only; ${JSON.stringify(sender.value)} is ${status ? `${status} there` : 'not registered there'}`,
          field,
        );
      }
    }
    return null;
  }
  const number = held.numbers.get(sender.value);
  if (!number) return new ForbiddenError('sender_not_held', `The account does not hold the number ${sender.value}`, field);
  if (!number.capabilities.includes('sms')) return new ForbiddenError('sender_not_capable', `${sender.value} is not enabled for sending SMS`, field);
  if (number.kind === 'short_code' && number.country && destinationCountry !== number.country) {
    return new ForbiddenError('sender_not_for_destination', `The short code ${sender.value} sends only to numbers of ${number.country}`, field);
  }
  return null;
}

/**
 * The number of a sender pool a subscriber gets the first time (later it keeps what it got,
 * SenderRepository.stickyNumber): among the pool's numbers that may send to its country, one
 * chosen by a hash of its number, so subscribers spread over the pool. Null when none may.
 */
export function poolCandidate(held: HeldSenders, poolNumbers: readonly string[], subscriber: string, country: string | undefined, registrationCountries?: ReadonlySet<string>): string | null {
  const eligible = poolNumbers.filter((n) => {
    const number = held.numbers.get(n);
    return number !== undefined && senderRefusal(held, { value: n, type: number.kind }, country, registrationCountries) === null;
  });
  if (eligible.length === 0) return null;
  // FNV-1a: stable across processes and releases, which is all the spread needs.
  let hash = 0x811c9dc5;
  for (let i = 0; i < subscriber.length; i += 1) hash = Math.imul(hash ^ subscriber.charCodeAt(i), 0x01000193) >>> 0;
  return eligible[hash % eligible.length];
}
