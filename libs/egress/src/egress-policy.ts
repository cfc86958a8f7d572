// Which addresses a tenant's URL may reach: public unicast only. Loopback, private, link-local,
// CGNAT, multicast, reserved, documentation, IPv4-mapped/translated and other special ranges are
// refused (ipaddr.js classifies them), in every spelling the URL parser normalises (numeric and
// hex IPv4, IPv6 literals). Operators may allow named internal hosts (EGRESS_ALLOW_HOSTS): the
// local demo and the tests do, explicitly. A host name is checked by every address it resolves to.
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export type EgressCheck = { ok: true; host: string; port: number; protocol: 'http:' | 'https:'; address: string; family: 4 | 6 } | { ok: false; reason: string };

/** Public unicast: the only range a tenant's URL may reach. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

export class EgressPolicy {
  private readonly allowed: Set<string>;

  constructor(allowHosts: readonly string[] = []) {
    this.allowed = new Set(allowHosts.map((h) => h.toLowerCase()));
  }

  /** The URL's scheme and host, without resolving names (what validation at submit can say at once). */
  parse(url: string): { ok: true; parsed: URL; host: string } | { ok: false; reason: string } {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, reason: 'is not a URL' };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, reason: 'must be an http(s) URL' };
    if (parsed.username || parsed.password) return { ok: false, reason: 'must not carry credentials' };
    const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (ipaddr.isValid(host) && !this.allowed.has(host) && !isPublicAddress(host)) return { ok: false, reason: 'must not point at a private, loopback, link-local or reserved address' };
    return { ok: true, parsed, host };
  }

  /** Resolves the host and checks every address; the one to connect to comes back (pinned). */
  async check(url: string): Promise<EgressCheck> {
    const first = this.parse(url);
    if (!first.ok) return first;
    const { parsed, host } = first;
    let addresses: { address: string; family: number }[];
    try {
      addresses = ipaddr.isValid(host) ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }] : await lookup(host, { all: true, verbatim: true });
    } catch {
      return { ok: false, reason: 'host name does not resolve' };
    }
    if (addresses.length === 0) return { ok: false, reason: 'host name does not resolve' };
    if (!this.allowed.has(host) && !addresses.every((a) => isPublicAddress(a.address))) {
      return { ok: false, reason: 'must not point at a private, loopback, link-local or reserved address' };
    }
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
    return { ok: true, host, port, protocol: parsed.protocol as 'http:' | 'https:', address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
  }
}
