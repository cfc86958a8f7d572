// TLS through the whole stack, with a CA and certificate made for this run (issue 14, item 6):
// the API answers over HTTPS; an ESME binds to the SMPP gateway's TLS port, submits and gets
// its receipt, under the same bind policy and connection caps as the plain port; the worker
// reaches an SMPP carrier and an HTTP carrier of the simulator over TLS only.
import { randomUUID } from 'node:crypto';
import * as smpp from 'smpp';
import { DataSource } from 'typeorm';
import { AccountRepository, openDatabase } from '@app/db';
import { destinationNumbers } from '../support/delivery-checks';
import { testDatabaseUrl } from '../support/env';
import { connectEsme, deliverText, Esme } from '../support/esme';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { httpsRequest } from '../support/tls';
import { grantSenders, TEST_SENDER_ID } from '../support/senders';

const E = smpp.errors;
/** Connections one address may hold on the gateway, over both ports together. */
const MAX_PER_IP = 3;

let stack: TestStack;
let db: DataSource;
let accounts: AccountRepository;
let ca: Buffer;
const open: Esme[] = [];
const numbers = destinationNumbers();

beforeAll(async () => {
  stack = await startTestStack({
    tls: true,
    gateway: { SMPP_MAX_CONNECTIONS_PER_IP: String(MAX_PER_IP) },
    // Messages go to the TLS-only SMSC; the HTTP carrier over HTTPS is routed to in its own test.
    extraSimCarriers: [{ id: 'delta-tls', systemId: 'deltatls', password: 'delta-pw', tls: true }],
    extraSimHttpCarriers: [{ id: 'gamma-tls', token: 'gamma-tls-token', tls: true }],
    rule: { targets: [{ carrierId: 'delta-tls' }] },
  });
  ca = stack.certificates!.ca;
  db = await openDatabase(testDatabaseUrl(), { poolSize: 2 });
  accounts = new AccountRepository(db);
}, 180_000);

afterEach(async () => {
  for (const esme of open.splice(0)) await esme.close();
});

afterAll(async () => {
  await db?.destroy();
  await stack?.stop();
});

async function tenant(): Promise<{ key: string; credential: { systemId: string; password: string } }> {
  const { apiKey, accountId } = await accounts.createWithKey(`tls-e2e-${randomUUID()}`, 'default', ['messages', 'smpp']);
  await grantSenders(db, accountId, { senderIds: [TEST_SENDER_ID] });
  const res = await stack.api<{ systemId: string; password: string }>('POST', '/v1/smpp/credentials', {}, { authorization: `Bearer ${apiKey}` });
  expect(res.status).toBe(201);
  return { key: apiKey, credential: res.body };
}

async function esme(options: Parameters<typeof connectEsme>[0]): Promise<Esme> {
  const client = await connectEsme(options);
  open.push(client);
  return client;
}

const tlsPort = () => stack.smppGatewayTls!.port;

describe('the API', () => {
  it('answers GET /health over HTTPS with the test certificate, to a client trusting the test CA', async () => {
    expect(stack.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await httpsRequest(`${stack.apiUrl}/health`, { ca });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toHaveProperty('status');
    expect(res.peerSubjectAltName).toContain('IP Address:127.0.0.1');
  });

  it('is refused by a client that does not trust the test CA, and does not speak plain HTTP', async () => {
    await expect(httpsRequest(`${stack.apiUrl}/health`, {})).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(fetch(stack.apiUrl.replace('https:', 'http:') + '/health', { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
  });
});

describe('the SMPP gateway over TLS', () => {
  it('binds an ESME on its TLS port, accepts a submit and delivers the receipt; the message went to the carrier over TLS', async () => {
    const { credential } = await tenant();
    const client = await esme({ port: tlsPort(), systemId: credential.systemId, password: credential.password, tls: { ca } });
    expect(client.bindStatus).toBe(E.ESME_ROK);
    const [to] = numbers(1);
    const resp = await client.request('submit_sm', {
      source_addr_ton: 5,
      source_addr: TEST_SENDER_ID,
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: to.slice(1),
      registered_delivery: 1,
      short_message: 'over TLS both ways',
    });
    expect(resp.command_status).toBe(E.ESME_ROK);
    const id = String(resp.message_id);
    const [receipt] = await client.waitForDeliveries(1, 60_000);
    expect(receipt.receipted_message_id).toBe(id);
    expect(Number(receipt.esm_class) & 0x3c).toBe(0x04);
    expect(deliverText(receipt)).toMatch(new RegExp(`^id:${id} .*stat:DELIVRD`));
    // delta-tls listens for SMPP over TLS only: the submit reached it through the worker's TLS link.
    const submissions = await stack.sim<{ destination: string; text: string }[]>('GET', '/carriers/delta-tls/submissions');
    expect(submissions.filter((s) => s.destination === to.slice(1) || s.destination === to).map((s) => s.text)).toEqual(['over TLS both ways']);
    const carrier = await stack.api<{ bindState: string }>('GET', '/v1/carriers/delta-tls');
    expect(carrier.body.bindState).toBe('bound');
  });

  it('applies the bind policy on the TLS port: a wrong password is refused', async () => {
    const { credential } = await tenant();
    const client = await esme({ port: tlsPort(), systemId: credential.systemId, password: 'wrong-pw', tls: { ca }, localAddress: '127.0.0.61' });
    expect(client.bindStatus).toBe(E.ESME_RINVPASWD);
  });

  it('counts TLS and plain connections against one per-address cap', async () => {
    const { credential } = await tenant();
    const from = '127.0.0.62';
    await esme({ port: stack.smppGateway.port, systemId: credential.systemId, password: credential.password, bind: null, localAddress: from });
    for (let i = 1; i < MAX_PER_IP; i++) await esme({ port: tlsPort(), systemId: credential.systemId, password: credential.password, bind: null, tls: { ca }, localAddress: from });
    // One over the cap: closed at the TCP connection, before any handshake.
    await expect(esme({ port: tlsPort(), systemId: credential.systemId, password: credential.password, tls: { ca }, localAddress: from })).rejects.toThrow();
    // Another address is not affected.
    const other = await esme({ port: tlsPort(), systemId: credential.systemId, password: credential.password, tls: { ca }, localAddress: '127.0.0.63' });
    expect(other.bindStatus).toBe(E.ESME_ROK);
  });

  it('does not speak plain SMPP on the TLS port, and a client not trusting the CA cannot bind', async () => {
    const { credential } = await tenant();
    await expect(esme({ port: tlsPort(), systemId: credential.systemId, password: credential.password, localAddress: '127.0.0.64' })).rejects.toThrow();
    await expect(esme({ port: tlsPort(), systemId: credential.systemId, password: credential.password, tls: {}, localAddress: '127.0.0.64' })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });
});

describe('carriers over TLS', () => {
  it('an HTTP carrier with requireTls delivers over HTTPS', async () => {
    const routed = await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'gamma-tls' }] }], comment: 'tls e2e: https carrier' });
    expect(routed.status).toBe(200);
    try {
      const [to] = numbers(1);
      const sent = await stack.api<{ id: string }>('POST', '/v1/messages', { to, from: 'Acme', body: 'over https' });
      expect(sent.status).toBe(202);
      const message = await eventually(
        async () => {
          const m = (await stack.api<{ status: string; carrierId: string | null }>('GET', `/v1/messages/${sent.body.id}`)).body;
          return ['delivered', 'failed'].includes(m.status) ? m : undefined;
        },
        60_000,
        'message final',
      );
      expect(message).toMatchObject({ status: 'delivered', carrierId: 'gamma-tls' });
      const submissions = await stack.sim<{ destination: string; text: string }[]>('GET', '/carriers/gamma-tls/submissions');
      expect(submissions.filter((s) => s.destination === to).map((s) => s.text)).toEqual(['over https']);
      // The configured URL is https: the carrier is reached only through the simulator's HTTPS port.
      const carrier = await stack.api<{ endpoint: string }>('GET', '/v1/carriers/gamma-tls');
      expect(carrier.body.endpoint).toMatch(/^https:\/\//);
    } finally {
      await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'delta-tls' }] }], comment: 'tls e2e' });
    }
  });
});
