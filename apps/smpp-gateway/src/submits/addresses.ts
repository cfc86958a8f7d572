// SMPP addresses (TON/NPI + digits or text) of a customer's submit to our canonical forms
// (our forms to SMPP: toSmppAddress in libs/smpp). Destinations: TON 1 (international) is "+"
// and the digits. TON 2 (national) needs the credential's default country. TON 0 (unknown) is
// read as international (with or without a leading "+") when that is a valid number, else, with
// a default country, as a national number of it. Other TONs are refused (ESME_RINVDSTTON).
import * as smpp from 'smpp';
import { isValidInternational, nationalToE164 } from '@app/domain';
import { TON } from '@app/smpp';

export class AddressError extends Error {
  constructor(
    readonly commandStatus: number,
    message: string,
  ) {
    super(message);
  }
}

export function destinationFromSmpp(addr: unknown, ton: unknown, defaultCountry: string | null = null): string {
  const value = typeof addr === 'string' ? addr.trim() : '';
  if (!value) throw new AddressError(smpp.errors.ESME_RINVDSTADR, 'destination_addr is empty');
  const t = Number(ton ?? 0);
  if (t === TON.national) {
    if (!defaultCountry) throw new AddressError(smpp.errors.ESME_RINVDSTTON, 'dest_addr_ton 2 (national) needs a default country on the SMPP credential');
    const e164 = nationalToE164(value, defaultCountry);
    if (!e164) throw new AddressError(smpp.errors.ESME_RINVDSTADR, `destination_addr is not a valid national number of ${defaultCountry}`);
    return e164;
  }
  if (t !== TON.international && t !== TON.unknown) throw new AddressError(smpp.errors.ESME_RINVDSTTON, `dest_addr_ton ${t} is not supported: send international numbers (TON 1)`);
  if (value.startsWith('+')) return value;
  if (t === TON.unknown && defaultCountry && !isValidInternational(value)) return nationalToE164(value, defaultCountry) ?? `+${value}`;
  return `+${value}`;
}

/**
 * A sender: alphanumeric (TON 5), a short code (TON 3, or unknown or national TON digits of up
 * to 8), an international number, or a national one (TON 2) of the credential's default country.
 */
export function sourceFromSmpp(addr: unknown, ton: unknown, defaultCountry: string | null = null): string {
  const value = typeof addr === 'string' ? addr.trim() : '';
  if (!value) throw new AddressError(smpp.errors.ESME_RINVSRCADR, 'source_addr is empty');
  const t = Number(ton ?? 0);
  if (t === TON.alphanumeric || t === TON.networkSpecific || t === TON.abbreviated) return value;
  if (t === TON.international) return value.startsWith('+') ? value : `+${value}`;
  if (t === TON.unknown) return /^\d{9,}$/.test(value) ? `+${value}` : value;
  if (t === TON.national && /^\d{1,8}$/.test(value)) return value;
  if (t === TON.national && defaultCountry) {
    const e164 = nationalToE164(value, defaultCountry);
    if (!e164) throw new AddressError(smpp.errors.ESME_RINVSRCADR, `source_addr is not a valid national number of ${defaultCountry}`);
    return e164;
  }
  throw new AddressError(smpp.errors.ESME_RINVSRCTON, `source_addr_ton ${t} is not supported`);
}
