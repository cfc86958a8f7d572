// Which mobile network (MCC+MNC) serves a number, for network-specific routing rules. Two
// providers behind one interface: an HTTP number-lookup (HLR/MNP) service, which knows about
// ported numbers, and a static prefix table, which knows the ranges networks were given.

export interface NumberLookupResult {
  /** MCC+MNC, e.g. "310260". */
  network?: string;
  ported?: boolean;
  source: 'lookup' | 'prefix_table';
}

export interface NumberLookup {
  lookup(e164: string): Promise<NumberLookupResult | undefined>;
}

/** Longest matching E.164 prefix (digits, no "+") → MCC+MNC. */
export class PrefixTableLookup implements NumberLookup {
  private readonly prefixes: [string, string][];

  constructor(table: Record<string, string>) {
    this.prefixes = Object.entries(table).sort((a, b) => b[0].length - a[0].length);
  }

  async lookup(e164: string): Promise<NumberLookupResult | undefined> {
    const digits = e164.replace(/^\+/, '');
    const hit = this.prefixes.find(([prefix]) => digits.startsWith(prefix));
    return hit ? { network: hit[1], source: 'prefix_table' } : undefined;
  }
}

/** GET {url}/{e164} → { network, ported } (404: unknown number). */
export class HttpNumberLookup implements NumberLookup {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 2000,
  ) {}

  async lookup(e164: string): Promise<NumberLookupResult | undefined> {
    const res = await fetch(`${this.url.replace(/\/+$/, '')}/${encodeURIComponent(e164)}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`number lookup answered HTTP ${res.status}`);
    }
    const body = (await res.json()) as { network?: unknown; ported?: unknown };
    return { network: typeof body.network === 'string' ? body.network : undefined, ported: body.ported === true, source: 'lookup' };
  }
}

/** Asks each provider in turn; a failing provider is skipped (routing must not stop on a lookup). */
export class ChainedLookup implements NumberLookup {
  constructor(
    private readonly providers: NumberLookup[],
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  async lookup(e164: string): Promise<NumberLookupResult | undefined> {
    for (const provider of this.providers) {
      try {
        const result = await provider.lookup(e164);
        if (result?.network) return result;
      } catch (err) {
        this.onError(err as Error);
      }
    }
    return undefined;
  }
}

/** The configured providers: the HTTP lookup service first (it knows ported numbers), then the prefix table. */
export function createNumberLookup(config: { url?: string; prefixes?: Record<string, string> }, onError?: (err: Error) => void): NumberLookup | undefined {
  const providers: NumberLookup[] = [];
  if (config.url) providers.push(new HttpNumberLookup(config.url));
  if (config.prefixes && Object.keys(config.prefixes).length > 0) providers.push(new PrefixTableLookup(config.prefixes));
  return providers.length > 0 ? new ChainedLookup(providers, onError) : undefined;
}
