// /v1/smpp/credentials through the real Nest app (validation pipe, guard, error filter)
// against the integration run's PostgreSQL and Temporal.
import { randomBytes, randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountRepository, verifySmppPassword, LOOPBACK_ONLY } from '@app/db';
import { DATA_SOURCE } from '../tokens';
import { startApiApp } from '../../../../test/support/api-app';

type Credential = {
  systemId: string;
  maxBinds: number;
  allowedIps: string[];
  throughputPerSecond: number;
  enabled: boolean;
  defaultCountry: string | null;
  defaultAlphabet: string;
  createdAt: string;
  updatedAt: string;
};
type Answer<T = unknown> = { status: number; body: T };
type ErrorAnswer = { error: { code: string; message: string; field?: string } };

let app: INestApplication;
let db: DataSource;
let baseUrl: string;
let ownerKey: string;
let otherKey: string;
let operatorKey: string;
let ownerAccountId: string;
let otherAccountId: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  db = app.get<DataSource>(DATA_SOURCE);
  const accounts = app.get(AccountRepository);
  ({ apiKey: ownerKey, accountId: ownerAccountId } = await accounts.createWithKey(`smpp-owner-${randomUUID()}`, 'default', ['messages', 'smpp']));
  ({ apiKey: otherKey, accountId: otherAccountId } = await accounts.createWithKey(`smpp-other-${randomUUID()}`, 'default', ['messages', 'smpp']));
  operatorKey = (await accounts.createWithKey(`smpp-operator-${randomUUID()}`, 'ops', ['operator'], { allowedIps: LOOPBACK_ONLY })).apiKey;
  // The owner's operator raised its ceilings; the other account keeps the defaults (100/s, 8 binds).
  const raised = await call('PUT', `/v1/smpp/accounts/${ownerAccountId}/limits`, { maxThroughputPerSecond: 10_000, maxBinds: 100 }, operatorKey);
  expect(raised.status).toBe(200);
});

afterAll(async () => {
  await app?.close();
});

async function call<T = unknown>(method: string, path: string, body?: unknown, key: string | null = ownerKey): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A system_id no other test (or run) uses: 15 characters, SMPP's maximum. */
const uniqueSystemId = () => `t${randomBytes(7).toString('hex')}`;

async function storedHash(systemId: string): Promise<string | undefined> {
  const rows: { password_hash: string }[] = await db.query('SELECT password_hash FROM smpp_credentials WHERE system_id = $1', [systemId]);
  return rows[0]?.password_hash;
}

async function create(settings: Record<string, unknown> = {}, key = ownerKey): Promise<Credential & { password: string }> {
  const res = await call<Credential & { password: string }>('POST', '/v1/smpp/credentials', settings, key);
  expect(res.status).toBe(201);
  return res.body;
}

describe('POST /v1/smpp/credentials', () => {
  it('creates a credential, returns its 8-character password once and stores only a hash of it', async () => {
    const systemId = uniqueSystemId();
    const res = await call<Record<string, unknown>>('POST', '/v1/smpp/credentials', { systemId, allowedIps: ['203.0.113.0/24', '2001:db8::1', ' 198.51.100.7 '], maxBinds: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      systemId,
      password: expect.stringMatching(/^[A-Za-z0-9]{8}$/),
      maxBinds: 2,
      allowedIps: ['203.0.113.0/24', '2001:db8::1', '198.51.100.7'],
      throughputPerSecond: 100,
      enabled: true,
      defaultCountry: null,
      defaultAlphabet: 'gsm',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(new Date(res.body.createdAt as string).toISOString()).toBe(res.body.createdAt);

    const password = res.body.password as string;
    const hash = await storedHash(systemId);
    expect(hash).toBeDefined();
    expect(hash).not.toBe(password);
    expect(hash).not.toContain(password);
    expect(JSON.stringify(res.body)).not.toContain(hash!);
    expect(await verifySmppPassword(password, hash!)).toBe(true);
    expect(await verifySmppPassword(`${password.slice(0, 7)}${password[7] === 'x' ? 'y' : 'x'}`, hash!)).toBe(false);
  });

  it('generates a system_id when none is given, and applies the given settings', async () => {
    const created = await create({ throughputPerSecond: 10000, maxBinds: 100, enabled: false });
    expect(created.systemId).toMatch(/^acc[a-z0-9]{8}$/);
    expect(created).toMatchObject({ maxBinds: 100, throughputPerSecond: 10000, enabled: false, allowedIps: [] });
    expect(await verifySmppPassword(created.password, (await storedHash(created.systemId))!)).toBe(true);
  });

  it('answers 409 system_id_taken for a system_id that exists, on this or another account', async () => {
    const systemId = uniqueSystemId();
    const first = await create({ systemId });
    const hashBefore = await storedHash(systemId);
    for (const key of [ownerKey, otherKey]) {
      const res = await call<ErrorAnswer>('POST', '/v1/smpp/credentials', { systemId }, key);
      expect(res).toEqual({ status: 409, body: { error: { code: 'system_id_taken', message: expect.any(String), field: 'systemId' } } });
    }
    // The first credential keeps its password.
    expect(await storedHash(systemId)).toBe(hashBefore);
    expect(await verifySmppPassword(first.password, hashBefore!)).toBe(true);
  });

  it.each([
    [['10.0.0.0/33'], 'allowedIps[0]'],
    [['10.0.0.1', 'not-an-ip'], 'allowedIps[1]'],
    [['192.168.1.0/24', '10.0.0.0/8/8'], 'allowedIps[1]'],
    [['2001:db8::/129'], 'allowedIps[0]'],
    [['10.0.0.0/'], 'allowedIps[0]'],
    [['10.0.0.0/-1'], 'allowedIps[0]'],
    [['256.1.1.1'], 'allowedIps[0]'],
    [['fe80::1%eth0'], 'allowedIps[0]'],
    [[''], 'allowedIps[0]'],
  ])('refuses allowedIps %j naming %s, storing nothing', async (allowedIps, field) => {
    const systemId = uniqueSystemId();
    const res = await call<ErrorAnswer>('POST', '/v1/smpp/credentials', { systemId, allowedIps });
    expect(res).toEqual({ status: 400, body: { error: { code: 'invalid_field', message: expect.any(String), field } } });
    expect(await storedHash(systemId)).toBeUndefined();
  });

  it.each([
    [{ maxBinds: 0 }, 'maxBinds'],
    [{ maxBinds: 101 }, 'maxBinds'],
    [{ maxBinds: 2.5 }, 'maxBinds'],
    [{ throughputPerSecond: 0 }, 'throughputPerSecond'],
    [{ throughputPerSecond: 10001 }, 'throughputPerSecond'],
    [{ enabled: 'yes' }, 'enabled'],
    [{ allowedIps: '10.0.0.1' }, 'allowedIps'],
    [{ allowedIps: [42] }, 'allowedIps'],
    [{ systemId: '' }, 'systemId'],
    [{ systemId: 'a'.repeat(16) }, 'systemId'],
    [{ systemId: 'has space' }, 'systemId'],
    [{ systemId: 'ümlaut' }, 'systemId'],
    [{ password: 'chosen12' }, 'password'],
    [{ systemId: null }, 'systemId'],
    [{ maxBinds: null }, 'maxBinds'],
    [{ allowedIps: null }, 'allowedIps'],
    [{ defaultCountry: 'gb' }, 'defaultCountry'],
    [{ defaultCountry: 'XX' }, 'defaultCountry'],
    [{ defaultAlphabet: 'ebcdic' }, 'defaultAlphabet'],
    [{ defaultAlphabet: null }, 'defaultAlphabet'],
  ])('refuses %j naming %s', async (body, field) => {
    const res = await call<ErrorAnswer>('POST', '/v1/smpp/credentials', body);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
  });

  it('requires an API key', async () => {
    expect((await call('POST', '/v1/smpp/credentials', {}, null)).status).toBe(401);
    expect((await call('GET', '/v1/smpp/credentials', undefined, null)).status).toBe(401);
  });
});

describe('GET /v1/smpp/credentials', () => {
  it("lists the account's own credentials without passwords or hashes", async () => {
    const mine = await create({ systemId: uniqueSystemId() });
    const theirs = await create({ systemId: uniqueSystemId() }, otherKey);
    const res = await call<Credential[]>('GET', '/v1/smpp/credentials');
    expect(res.status).toBe(200);
    const ids = res.body.map((c) => c.systemId);
    expect(ids).toContain(mine.systemId);
    expect(ids).not.toContain(theirs.systemId);
    const { password: _password, ...view } = mine;
    expect(res.body.find((c) => c.systemId === mine.systemId)).toEqual(view);
    for (const credential of res.body) expect(Object.keys(credential).sort()).toEqual([
        'allowedIps',
        'createdAt',
        'defaultAlphabet',
        'defaultCountry',
        'enabled',
        'maxBinds',
        'systemId',
        'throughputPerSecond',
        'updatedAt',
      ]);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(mine.password);
    expect(text).not.toContain('scrypt$');
  });
});

describe('PATCH /v1/smpp/credentials/:systemId', () => {
  it('changes the given settings only', async () => {
    const created = await create({ systemId: uniqueSystemId(), allowedIps: ['10.0.0.0/8'], throughputPerSecond: 50 });
    const res = await call<Credential>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { maxBinds: 7, enabled: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ systemId: created.systemId, maxBinds: 7, enabled: false, allowedIps: ['10.0.0.0/8'], throughputPerSecond: 50 });
    expect(res.body).not.toHaveProperty('password');
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));

    const cleared = await call<Credential>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { allowedIps: [], throughputPerSecond: 10 });
    expect(cleared.body).toMatchObject({ maxBinds: 7, enabled: false, allowedIps: [], throughputPerSecond: 10 });
    // The password is untouched by a settings change.
    expect(await verifySmppPassword(created.password, (await storedHash(created.systemId))!)).toBe(true);
  });

  it('validates like creation', async () => {
    const created = await create({ systemId: uniqueSystemId() });
    const badIp = await call<ErrorAnswer>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { allowedIps: ['10.0.0.1', '10.0.0.0/40'] });
    expect(badIp).toEqual({ status: 400, body: { error: expect.objectContaining({ field: 'allowedIps[1]' }) } });
    const badBinds = await call<ErrorAnswer>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { maxBinds: 0 });
    expect(badBinds).toEqual({ status: 400, body: { error: expect.objectContaining({ field: 'maxBinds' }) } });
    const rename = await call<ErrorAnswer>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { systemId: 'renamed' });
    expect(rename).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'unknown_field', field: 'systemId' }) } });
    const list = await call<Credential[]>('GET', '/v1/smpp/credentials');
    expect(list.body.find((c) => c.systemId === created.systemId)).toMatchObject({ maxBinds: 4, allowedIps: [] });
  });

  it("answers 404 for another account's credential and leaves it alone", async () => {
    const theirs = await create({ systemId: uniqueSystemId() }, otherKey);
    const res = await call<ErrorAnswer>('PATCH', `/v1/smpp/credentials/${theirs.systemId}`, { enabled: false });
    expect(res).toEqual({ status: 404, body: { error: { code: 'smpp_credential_not_found', message: expect.any(String) } } });
    const list = await call<Credential[]>('GET', '/v1/smpp/credentials', undefined, otherKey);
    expect(list.body.find((c) => c.systemId === theirs.systemId)?.enabled).toBe(true);
    expect((await call('PATCH', '/v1/smpp/credentials/nosuchid', { enabled: false })).status).toBe(404);
  });
});

describe('POST /v1/smpp/credentials/:systemId/password', () => {
  it('replaces the password: the new one verifies, the old one does not', async () => {
    const created = await create({ systemId: uniqueSystemId() });
    const before = await storedHash(created.systemId);
    const res = await call<{ systemId: string; password: string }>('POST', `/v1/smpp/credentials/${created.systemId}/password`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ systemId: created.systemId, password: expect.stringMatching(/^[A-Za-z0-9]{8}$/) });
    const after = await storedHash(created.systemId);
    expect(after).not.toBe(before);
    expect(after).not.toContain(res.body.password);
    expect(await verifySmppPassword(res.body.password, after!)).toBe(true);
    // Equal by chance once in 57^8 rotations.
    expect(res.body.password).not.toBe(created.password);
    expect(await verifySmppPassword(created.password, after!)).toBe(false);
  });

  it("answers 404 for another account's credential without changing it", async () => {
    const theirs = await create({ systemId: uniqueSystemId() }, otherKey);
    const before = await storedHash(theirs.systemId);
    expect((await call('POST', `/v1/smpp/credentials/${theirs.systemId}/password`)).status).toBe(404);
    expect(await storedHash(theirs.systemId)).toBe(before);
  });
});

describe('DELETE /v1/smpp/credentials/:systemId', () => {
  it("removes the account's own credential, and answers 404 for another account's", async () => {
    const mine = await create({ systemId: uniqueSystemId() });
    const theirs = await create({ systemId: uniqueSystemId() }, otherKey);

    const refused = await call<ErrorAnswer>('DELETE', `/v1/smpp/credentials/${theirs.systemId}`);
    expect(refused).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'smpp_credential_not_found' }) } });
    expect(await storedHash(theirs.systemId)).toBeDefined();

    const removed = await call('DELETE', `/v1/smpp/credentials/${mine.systemId}`);
    expect(removed).toEqual({ status: 204, body: undefined });
    expect(await storedHash(mine.systemId)).toBeUndefined();
    expect((await call<Credential[]>('GET', '/v1/smpp/credentials')).body.map((c) => c.systemId)).not.toContain(mine.systemId);
    expect((await call('DELETE', `/v1/smpp/credentials/${mine.systemId}`)).status).toBe(404);
    // A removed system_id can be created again.
    expect((await call('POST', '/v1/smpp/credentials', { systemId: mine.systemId })).status).toBe(201);
  });
});

describe('interop settings', () => {
  it('sets, changes and clears the default country and the data_coding 0 alphabet', async () => {
    const created = await create({ systemId: uniqueSystemId(), defaultCountry: 'GB', defaultAlphabet: 'ascii' });
    expect(created).toMatchObject({ defaultCountry: 'GB', defaultAlphabet: 'ascii' });
    const changed = await call<Credential>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { defaultAlphabet: 'latin1' });
    expect(changed.body).toMatchObject({ defaultCountry: 'GB', defaultAlphabet: 'latin1' });
    const cleared = await call<Credential>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { defaultCountry: null });
    expect(cleared.body).toMatchObject({ defaultCountry: null, defaultAlphabet: 'latin1' });
    const bad = await call<ErrorAnswer>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { enabled: null });
    expect(bad).toEqual({ status: 400, body: { error: expect.objectContaining({ field: 'enabled' }) } });
  });
});

describe('SMPP ceilings', () => {
  it('gives a new credential the lower of the defaults and the ceilings, and refuses settings above the ceilings', async () => {
    const limits = await call('GET', '/v1/smpp/limits', undefined, otherKey);
    expect(limits).toEqual({ status: 200, body: { maxThroughputPerSecond: 100, maxBinds: 8, custom: false } });
    const tooFast = await call<ErrorAnswer>('POST', '/v1/smpp/credentials', { systemId: uniqueSystemId(), throughputPerSecond: 101 }, otherKey);
    expect(tooFast).toEqual({ status: 400, body: { error: { code: 'above_account_limit', message: expect.any(String), field: 'throughputPerSecond' } } });
    const created = await create({ systemId: uniqueSystemId(), throughputPerSecond: 100 }, otherKey);
    const tooMany = await call<ErrorAnswer>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { maxBinds: 9 }, otherKey);
    expect(tooMany).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'above_account_limit', field: 'maxBinds' }) } });
    // A tenant may lower its own.
    expect((await call<Credential>('PATCH', `/v1/smpp/credentials/${created.systemId}`, { throughputPerSecond: 5 }, otherKey)).body.throughputPerSecond).toBe(5);
    // An operator lowers the ceiling: new credentials start at it.
    expect((await call('PUT', `/v1/smpp/accounts/${otherAccountId}/limits`, { maxThroughputPerSecond: 20, maxBinds: 2 }, operatorKey)).status).toBe(200);
    expect(await create({ systemId: uniqueSystemId() }, otherKey)).toMatchObject({ throughputPerSecond: 20, maxBinds: 2 });
    expect((await call('GET', '/v1/smpp/limits', undefined, otherKey)).body).toEqual({ maxThroughputPerSecond: 20, maxBinds: 2, custom: true });
    expect((await call('PUT', `/v1/smpp/accounts/${otherAccountId}/limits`, { maxThroughputPerSecond: 100, maxBinds: 8 }, operatorKey)).status).toBe(200);
  });

  it('lets only operator keys set ceilings, validated', async () => {
    const tenant = await call<ErrorAnswer>('PUT', `/v1/smpp/accounts/${otherAccountId}/limits`, { maxThroughputPerSecond: 10_000, maxBinds: 100 }, otherKey);
    expect(tenant).toEqual({ status: 403, body: { error: expect.objectContaining({ code: 'insufficient_scope' }) } });
    const missing = await call<ErrorAnswer>('PUT', `/v1/smpp/accounts/${otherAccountId}/limits`, { maxBinds: 3 }, operatorKey);
    expect(missing).toEqual({ status: 400, body: { error: expect.objectContaining({ field: 'maxThroughputPerSecond' }) } });
    expect((await call('PUT', `/v1/smpp/accounts/${randomUUID()}/limits`, { maxThroughputPerSecond: 1, maxBinds: 1 }, operatorKey)).status).toBe(404);
    expect((await call('GET', '/v1/smpp/accounts/not-a-uuid/limits', undefined, operatorKey)).status).toBe(404);
  });
});

describe('the smpp scope', () => {
  it('is needed to manage SMPP credentials', async () => {
    const accounts = app.get(AccountRepository);
    const messagesOnly = (await accounts.createWithKey(`smpp-messages-only-${randomUUID()}`)).apiKey;
    const res = await call<ErrorAnswer>('GET', '/v1/smpp/credentials', undefined, messagesOnly);
    expect(res).toEqual({ status: 403, body: { error: expect.objectContaining({ code: 'insufficient_scope' }) } });
    expect((await call('POST', '/v1/smpp/credentials', {}, messagesOnly)).status).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('documents the ceilings endpoints and the interop fields', async () => {
    const doc = (await (await fetch(`${baseUrl}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties: Record<string, { nullable?: boolean; enum?: string[] }> }> };
    };
    expect(Object.keys(doc.paths['/v1/smpp/limits'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/smpp/accounts/{accountId}/limits']).sort()).toEqual(['get', 'put']);
    expect(doc.paths['/v1/smpp/accounts/{accountId}/limits'].put.responses).toHaveProperty('404');
    const view = doc.components.schemas.SmppCredentialView.properties;
    expect(view.defaultCountry.nullable).toBe(true);
    expect(view.defaultAlphabet.enum).toEqual(['gsm', 'ascii', 'latin1']);
    expect(doc.components.schemas.UpdateSmppCredentialDto.properties).toHaveProperty('defaultAlphabet');
  });
});
