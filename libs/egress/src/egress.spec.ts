// The egress policy and client against real sockets on loopback: which addresses a tenant's
// URL may reach, in every spelling, and what a call reports.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { EgressClient, EgressPolicy, isPublicAddress } from './index';

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888'])('lets %s through', (ip) => expect(isPublicAddress(ip)).toBe(true));
  it.each([
    '127.0.0.1',
    '10.0.0.5',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.1.1',
    '0.0.0.0',
    '224.0.0.1',
    '240.0.0.1',
    '255.255.255.255',
    '192.0.2.1',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    'not an address',
  ])('refuses %s', (ip) => expect(isPublicAddress(ip)).toBe(false));
});

describe('EgressPolicy', () => {
  const policy = new EgressPolicy();
  it.each(['http://0x7f000001/', 'http://2130706433/', 'http://127.1/', 'http://[::1]:8080/', 'http://[::ffff:7f00:1]/', 'http://169.254.169.254/latest/meta-data'])(
    'refuses %s at once, without resolving anything',
    (url) => expect(policy.parse(url)).toMatchObject({ ok: false, reason: expect.stringContaining('private, loopback') }),
  );

  it('refuses other schemes, credentials in the URL and what is not a URL', () => {
    expect(policy.parse('ftp://example.com/')).toMatchObject({ ok: false, reason: 'must be an http(s) URL' });
    expect(policy.parse('http://user:pw@example.com/')).toMatchObject({ ok: false, reason: 'must not carry credentials' });
    expect(policy.parse('nope')).toMatchObject({ ok: false, reason: 'is not a URL' });
  });

  it('refuses a host name that resolves to loopback, unless an operator allowed that name', async () => {
    expect(await policy.check('http://localhost:9/')).toMatchObject({ ok: false, reason: expect.stringContaining('loopback') });
    expect(await new EgressPolicy(['localhost']).check('http://localhost:9/')).toMatchObject({ ok: true, host: 'localhost', port: 9 });
    // Allowing 127.0.0.1 by address does not allow every name that resolves to it.
    expect(await new EgressPolicy(['127.0.0.1']).check('http://localhost:9/')).toMatchObject({ ok: false });
  });
});

describe('EgressClient', () => {
  let server: http.Server;
  let port: number;
  const requests: { path: string; body: string }[] = [];
  let answer = 204;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ path: req.url ?? '', body });
        res.writeHead(answer, answer === 302 ? { location: 'http://169.254.169.254/' } : {}).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    requests.length = 0;
    answer = 204;
  });

  const allowed = new EgressClient(new EgressPolicy(['127.0.0.1']));

  it('posts JSON to an allowed host and reports delivered', async () => {
    expect(await allowed.postJson(`http://127.0.0.1:${port}/cb?x=1`, { id: 'm1' }, 2000)).toEqual({ kind: 'delivered', status: 204 });
    expect(requests).toEqual([{ path: '/cb?x=1', body: '{"id":"m1"}' }]);
  });

  it('follows no redirect, and reports only the status class', async () => {
    answer = 302;
    expect(await allowed.postJson(`http://127.0.0.1:${port}/cb`, {}, 2000)).toEqual({ kind: 'rejected', status: 302, statusClass: '3xx', retry: false });
    expect(requests).toHaveLength(1);
    answer = 404;
    expect(await allowed.postJson(`http://127.0.0.1:${port}/cb`, {}, 2000)).toMatchObject({ kind: 'rejected', statusClass: '4xx', retry: false });
    answer = 503;
    expect(await allowed.postJson(`http://127.0.0.1:${port}/cb`, {}, 2000)).toMatchObject({ kind: 'rejected', statusClass: '5xx', retry: true });
  });

  it('reports an endpoint that does not answer as unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await allowed.postJson(`http://127.0.0.1:${closedPort}/`, {}, 2000)).toEqual({ kind: 'unreachable', retry: true });
  });

  it('never connects to an address the policy refuses', async () => {
    const strict = new EgressClient(new EgressPolicy());
    expect(await strict.postJson(`http://127.0.0.1:${port}/cb`, {}, 2000)).toMatchObject({ kind: 'refused', retry: false });
    expect(await strict.postJson(`http://localhost:${port}/cb`, {}, 2000)).toMatchObject({ kind: 'refused', retry: false });
    expect(requests).toEqual([]);
  });
});
