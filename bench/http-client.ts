// The load drivers' HTTP client: node:http with a keep-alive agent. Global fetch (undici) cost
// the bench process about three times the CPU on the two cores it shares with the stack under
// test (measured in the kannel scenario), and its event loop's stalls counted as the server's
// latency; every scenario that offers load over HTTP uses this one, so ours and the peer's are
// driven alike.
import http from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

export class LoadClient {
  /** One connection per request in flight, kept open for the next (no limit: an open-loop driver must not queue). */
  private readonly agent: http.Agent;

  constructor(maxSockets = Infinity) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(url: string | URL, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpAnswer> {
    const target = typeof url === 'string' ? new URL(url) : url;
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
    return new Promise((resolve, reject) => {
      const req = http.request({ agent: this.agent, host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: options.method ?? 'GET', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
