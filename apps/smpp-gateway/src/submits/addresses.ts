// SMPP addresses (TON/NPI + digits or text) to our canonical forms and back.
// Destinations: TON 1 (international) is "+" and the digits; TON 0 (unknown) is read as
// international too, with or without a leading "+", because most ESMEs send it that way;
// national and other TONs are refused (ESME_RINVDSTTON): we cannot know the country.
import * as smpp from 'smpp';

export class AddressError extends Error {
  constructor(
    readonly commandStatus: number,
    message: string,
  ) {
    super(message);
  }
}

const TON = { unknown: 0, international: 1, national: 2, networkSpecific: 3, subscriber: 4, alphanumeric: 5, abbreviated: 6 };

export function destinationFromSmpp(addr: unknown, ton: unknown): string {
  const value = typeof addr === 'string' ? addr.trim() : '';
  if (!value) throw new AddressError(smpp.errors.ESME_RINVDSTADR, 'destination_addr is empty');
  const t = Number(ton ?? 0);
  if (t !== TON.international && t !== TON.unknown) throw new AddressError(smpp.errors.ESME_RINVDSTTON, `dest_addr_ton ${t} is not supported: send international numbers (TON 1)`);
  return value.startsWith('+') ? value : `+${value}`;
}

/** A sender: alphanumeric (TON 5), a short code (TON 3, or unknown-TON digits of up to 8), or an international number. */
export function sourceFromSmpp(addr: unknown, ton: unknown): string {
  const value = typeof addr === 'string' ? addr.trim() : '';
  if (!value) throw new AddressError(smpp.errors.ESME_RINVSRCADR, 'source_addr is empty');
  const t = Number(ton ?? 0);
  if (t === TON.alphanumeric || t === TON.networkSpecific || t === TON.abbreviated) return value;
  if (t === TON.international) return value.startsWith('+') ? value : `+${value}`;
  if (t === TON.unknown) return /^\d{9,}$/.test(value) ? `+${value}` : value;
  throw new AddressError(smpp.errors.ESME_RINVSRCTON, `source_addr_ton ${t} is not supported`);
}

/** Our address as SMPP parameters: E.164 as TON 1/NPI 1, digits as a short code, text as alphanumeric. */
export function toSmppAddress(value: string): { addr: string; ton: number; npi: number } {
  if (value.startsWith('+')) return { addr: value.slice(1), ton: TON.international, npi: 1 };
  if (/^\d+$/.test(value)) return { addr: value, ton: TON.networkSpecific, npi: 0 };
  return { addr: value, ton: TON.alphanumeric, npi: 0 };
}
