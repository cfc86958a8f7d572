import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadClient } from './http-client';

describe('LoadClient', () => {
  let server: http.Server;
  let base: string;
  const sockets = new Set<unknown>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        res.writeHead(req.url === '/missing' ? 404 : 202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization ?? null, length: req.headers['content-length'] ?? null, body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the method, path with query, headers and body, and answers with the status and body', async () => {
    const client = new LoadClient();
    const body = JSON.stringify({ to: '+14155552671', body: 'héllo' });
    const res = await client.request(`${base}/v1/messages?x=1`, { method: 'POST', headers: { authorization: 'Bearer k' }, body });
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toEqual({ method: 'POST', url: '/v1/messages?x=1', auth: 'Bearer k', length: String(Buffer.byteLength(body)), body });
    expect((await client.request(`${base}/missing`)).status).toBe(404);
    client.close();
  });

  it('keeps its connections open for the next requests', async () => {
    sockets.clear();
    const client = new LoadClient(2);
    for (let i = 0; i < 3; i += 1) await Promise.all([client.request(`${base}/a`), client.request(`${base}/b`)]);
    expect(sockets.size).toBe(2);
    client.close();
  });

  it('rejects when nothing listens', async () => {
    const client = new LoadClient();
    await expect(client.request('http://127.0.0.1:1/')).rejects.toThrow();
    client.close();
  });
});
