// SMPP addresses (TON/NPI + digits or text) from our canonical forms, and back: the one copy
// used by the carrier connector, the customer gateway and the simulator.

/** type_of_number values (SMPP 3.4 §5.2.5). */
export const TON = { unknown: 0, international: 1, national: 2, networkSpecific: 3, subscriber: 4, alphanumeric: 5, abbreviated: 6 } as const;
/** numbering_plan_indicator values used here (SMPP 3.4 §5.2.6). */
export const NPI = { unknown: 0, isdn: 1 } as const;

export interface SmppAddress {
  addr: string;
  ton: number;
  npi: number;
}

/** Our address as SMPP parameters: E.164 as TON 1/NPI 1, digits as a short code (TON 3), text as alphanumeric (TON 5). */
export function toSmppAddress(value: string): SmppAddress {
  if (value.startsWith('+')) return { addr: value.slice(1), ton: TON.international, npi: NPI.isdn };
  if (/^\d+$/.test(value)) return { addr: value, ton: TON.networkSpecific, npi: NPI.unknown };
  return { addr: value, ton: TON.alphanumeric, npi: NPI.unknown };
}

/** An international number (TON 1) as E.164; other addresses as they came. */
export function e164IfInternational(addr: unknown, ton: unknown): string {
  const value = String(addr ?? '');
  return Number(ton) === TON.international && /^\d+$/.test(value) ? `+${value}` : value;
}

/** The six address parameters of a submit_sm or deliver_sm. */
export function addressParams(source: SmppAddress, destination: SmppAddress): Record<string, unknown> {
  return {
    source_addr_ton: source.ton,
    source_addr_npi: source.npi,
    source_addr: source.addr,
    dest_addr_ton: destination.ton,
    dest_addr_npi: destination.npi,
    destination_addr: destination.addr,
  };
}
