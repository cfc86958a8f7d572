// Client address allow-lists (SMPP credentials, API keys): entries are IPv4/IPv6 addresses or
// CIDR blocks, checked with node's BlockList; IPv4 clients seen through an IPv6 socket
// (::ffff:a.b.c.d) are matched as IPv4.
import { BlockList, isIP } from 'node:net';
import { ValidationError } from '@app/contracts';

/** The client's address as the allow-lists see it (an IPv4-mapped IPv6 address as plain IPv4). */
export function sourceAddress(remoteAddress: string | undefined): string {
  const address = remoteAddress ?? '';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * Each entry must be an IPv4/IPv6 address or CIDR block the gateway's BlockList accepts;
 * anything else is refused here rather than silently never matching at bind time.
 */
export function validAllowedIps(entries: string[]): string[] {
  return entries.map((raw, i) => {
    const field = `allowedIps[${i}]`;
    const fail = (): never => {
      throw new ValidationError('invalid_field', `${field} must be an IPv4 or IPv6 address or a CIDR block such as 203.0.113.0/24, got ${JSON.stringify(raw)}`, field);
    };
    const entry = raw.trim();
    const [address, prefix, ...rest] = entry.split('/');
    // Zone ids (fe80::1%eth0) never appear on a remote address, so they would never match.
    if (rest.length > 0 || address.includes('%')) return fail();
    const version = isIP(address);
    if (version === 0) return fail();
    const family = version === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) return entry;
    if (!/^\d{1,3}$/.test(prefix)) return fail();
    try {
      new BlockList().addSubnet(address, Number(prefix), family);
    } catch {
      return fail();
    }
    return entry;
  });
}

/** Whether the client address is allowed (an empty list allows any). */
export function ipAllowed(remoteAddress: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const address = sourceAddress(remoteAddress);
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const entry of allowed) {
    const [net, prefix] = entry.split('/');
    const entryFamily = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(net, entryFamily);
    else list.addSubnet(net, Number(prefix), entryFamily);
  }
  return list.check(address, family);
}
