// What gateway replicas share in PostgreSQL: binds counted across replicas, submit tokens of a
// second shared by an account's credentials, failed binds locking a key out, and the
// smpp_credentials NOTIFY a trigger sends on every change.
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { listenForNotifications } from '../notifications';
import { AccountRepository } from './account.repository';
import { SMPP_CREDENTIALS_CHANNEL, SmppCredentialRepository } from './smpp-credential.repository';
import { SmppGatewayStateRepository } from './smpp-gateway-state.repository';

let db: DataSource;
let state: SmppGatewayStateRepository;
let credentials: SmppCredentialRepository;
let accountId: string;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  state = new SmppGatewayStateRepository(db);
  credentials = new SmppCredentialRepository(db);
  accountId = (await new AccountRepository(db).createWithKey(`smpp-state-${randomUUID()}`)).accountId;
});
afterAll(async () => {
  await db?.destroy();
});

const settings = { maxBinds: 2, allowedIps: [], throughputPerSecond: 10, enabled: true, defaultCountry: null, defaultAlphabet: 'gsm' as const };
const systemId = () => `s${randomBytes(6).toString('hex')}`;

it('counts binds of a credential and of its account across replicas, and names the excess after a lowered ceiling', async () => {
  const [one, two] = [systemId(), systemId()];
  await credentials.create(accountId, one, 'x', settings);
  await credentials.create(accountId, two, 'x', settings);
  const [gatewayA, gatewayB] = [randomUUID(), randomUUID()];
  const bind = (id: string, gatewayId: string, accountMaxBinds = 3) =>
    state.registerSession({ id: randomUUID(), gatewayId, systemId: id, accountId, remoteAddress: '127.0.0.1' }, { credentialMaxBinds: 2, accountMaxBinds }, 30_000);
  expect(await bind(one, gatewayA)).toEqual({ ok: true });
  expect(await bind(one, gatewayB)).toEqual({ ok: true });
  expect(await bind(one, gatewayA)).toEqual({ ok: false, limit: 'credential', max: 2 });
  expect(await bind(two, gatewayB)).toEqual({ ok: true });
  expect(await bind(two, gatewayA)).toEqual({ ok: false, limit: 'account', max: 3 });
  const rows: { id: string; system_id: string }[] = await db.query(`SELECT id, system_id FROM smpp_sessions WHERE account_id = $1 ORDER BY bound_at, id`, [accountId]);
  // Ceiling lowered to 2: the newest goes.
  expect(await state.excessSessions(accountId, 2, 30_000)).toEqual([rows[2].id]);
  await state.removeGateway(gatewayA);
  await state.removeGateway(gatewayB);
  expect(await bind(two, gatewayA)).toEqual({ ok: true });
  await state.removeGateway(gatewayA);
});

it('leases tokens of the current second from the account and the credential window together', async () => {
  const keys = (cred: string) => [
    { key: `acct:${accountId}`, limit: 10 },
    { key: `cred:${cred}`, limit: 8 },
  ];
  // Wait for the start of a second so the window does not turn mid-test.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
  const first = await state.leaseTokens(keys('c1'), 6);
  expect(first.granted).toBe(6);
  expect(first.expiresInMs).toBeLessThanOrEqual(1000);
  expect((await state.leaseTokens(keys('c1'), 6)).granted).toBe(2); // the credential's 8
  expect((await state.leaseTokens(keys('c2'), 6)).granted).toBe(2); // the account's 10
  expect((await state.leaseTokens(keys('c3'), 1)).granted).toBe(0);
  await new Promise((r) => setTimeout(r, first.expiresInMs + 20));
  expect((await state.leaseTokens(keys('c3'), 5)).granted).toBe(5); // a new second
});

it('locks a key out after the threshold of failures within the window, and a success clears it', async () => {
  const policy = { threshold: 3, windowMs: 60_000, lockoutMs: 60_000 };
  const ip = `ip:${randomUUID()}`;
  const sid = `sid:${randomUUID()}`;
  expect(await state.recordFailure([ip, sid], policy)).toBe(1);
  expect(await state.recordFailure([ip], policy)).toBe(2);
  expect(await state.lockedOut([ip, sid])).toBe(false);
  expect(await state.recordFailure([ip, sid], policy)).toBe(3);
  expect(await state.lockedOut([ip])).toBe(true);
  expect(await state.lockedOut([sid])).toBe(false);
  await state.clearFailures(ip);
  expect(await state.lockedOut([ip])).toBe(false);
});

it('announces credential and ceiling changes on smpp_credentials', async () => {
  const payloads: string[] = [];
  const listener = await listenForNotifications({ databaseUrl: testDatabaseUrl(), channel: SMPP_CREDENTIALS_CHANNEL, applicationName: 'test', onNotify: (p) => payloads.push(p), onLost: () => undefined });
  try {
    const id = systemId();
    await credentials.create(accountId, id, 'x', settings);
    await credentials.update(accountId, id, { enabled: false });
    await credentials.setAccountLimits(accountId, { maxThroughputPerSecond: 50, maxBinds: 3 });
    await credentials.delete(accountId, id);
    const deadline = Date.now() + 5000;
    while (payloads.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(payloads.map((p) => JSON.parse(p))).toEqual([{ systemId: id, accountId }, { accountId }, { systemId: id, accountId }]);
  } finally {
    await listener.close();
  }
});
