// SMPP addresses (TON/NPI + digits or text) of a customer's submit to our canonical forms
// (our forms to SMPP: toSmppAddress in libs/smpp). Destinations: TON 1 (international) is "+" and the digits; TON 0 (unknown) is read as
// international too, with or without a leading "+", because most ESMEs send it that way;
// national and other TONs are refused (ESME_RINVDSTTON): we cannot know the country.
import * as smpp from 'smpp';
import { TON } from '@app/smpp';

export class AddressError extends Error {
  constructor(
    readonly commandStatus: number,
    message: string,
  ) {
    super(message);
  }
}

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
