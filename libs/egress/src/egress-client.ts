// POSTs JSON to a tenant's URL through the egress policy: the host is resolved and checked, the
// connection goes to the checked address (pinned: a second lookup cannot swap in another), no
// redirect is followed, and the outcome is coarse (what a tenant may be told about a URL it gave).
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { EgressPolicy } from './egress-policy';

export type EgressOutcome =
  | { kind: 'delivered'; status: number }
  /** The endpoint answered, but not 2xx (a redirect counts: none is followed). */
  | { kind: 'rejected'; status: number; statusClass: '3xx' | '4xx' | '5xx'; retry: boolean }
  | { kind: 'unreachable'; retry: true }
  /** The URL may not be called at all (refused by the policy): never retried. */
  | { kind: 'refused'; reason: string; retry: false };

export class EgressClient {
  constructor(
    private readonly policy: EgressPolicy,
    private readonly userAgent = 'sms-aggregator/0.1',
  ) {}

  async postJson(url: string, body: unknown, timeoutMs: number): Promise<EgressOutcome> {
    return this.postRawJson(url, JSON.stringify(body), timeoutMs);
  }

  /** Posts JSON text exactly as given (what a signature was computed over), with extra headers. */
  async postRawJson(url: string, rawJson: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<EgressOutcome> {
    const checked = await this.policy.check(url);
    if (!checked.ok) return { kind: 'refused', reason: checked.reason, retry: false };
    const parsed = new URL(url);
    const payload = Buffer.from(rawJson);
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (typeof options === 'object' && options?.all) (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: checked.address, family: checked.family }]);
      else callback(null, checked.address, checked.family);
    };
    const transport = checked.protocol === 'https:' ? https : http;
    return new Promise<EgressOutcome>((resolve) => {
      const req = transport.request(
        {
          protocol: checked.protocol,
          host: checked.host,
          port: checked.port,
          path: `${parsed.pathname}${parsed.search}`,
          method: 'POST',
          lookup: pinned,
          servername: checked.host,
          agent: false,
          timeout: timeoutMs,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length, 'user-agent': this.userAgent },
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve({ kind: 'delivered', status });
          const statusClass = status >= 500 ? '5xx' : status >= 400 ? '4xx' : '3xx';
          resolve({ kind: 'rejected', status, statusClass, retry: status >= 500 || status === 408 || status === 429 });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', () => resolve({ kind: 'unreachable', retry: true }));
      req.end(payload);
    });
  }
}
