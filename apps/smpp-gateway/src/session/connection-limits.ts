// Connections at once, in total and per source address (SMPP_MAX_CONNECTIONS,
// SMPP_MAX_CONNECTIONS_PER_IP). A connection over either cap is closed before any SMPP is read,
// so idle or hostile connections from one address cannot crowd out everyone else.

export class ConnectionLimits {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: { maxConnections: number; maxConnectionsPerIp: number }) {}

  /** Counts the connection in, or says which cap it is over (then it is not counted). */
  admit(address: string): { ok: true } | { ok: false; reason: string } {
    if (this.total >= this.limits.maxConnections) return { ok: false, reason: `${this.total} connections (SMPP_MAX_CONNECTIONS)` };
    const count = this.perAddress.get(address) ?? 0;
    if (count >= this.limits.maxConnectionsPerIp) return { ok: false, reason: `${count} connections from ${address} (SMPP_MAX_CONNECTIONS_PER_IP)` };
    this.total += 1;
    this.perAddress.set(address, count + 1);
    return { ok: true };
  }

  release(address: string): void {
    this.total -= 1;
    const count = (this.perAddress.get(address) ?? 1) - 1;
    if (count <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, count);
  }

  get connections(): number {
    return this.total;
  }
}
