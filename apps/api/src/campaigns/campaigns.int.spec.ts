// /v1/campaigns through the real Nest app against the integration run's PostgreSQL and Temporal
// (no worker: the workflow is started and signalled, not run): answers match their OpenAPI
// schemas, a 200,000-row CSV streams in, accounts are kept apart, and start/pause/cancel move
// the status and reach the workflow.
import { randomInt, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { INestApplication } from '@nestjs/common';
import { Connection } from '@temporalio/client';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { campaignWorkflowId } from '@app/contracts';
import { AccountRepository } from '@app/db';
import { testTemporalAddress } from '../../../../test/support/env';
import { startApiApp } from '../../../../test/support/api-app';
import { grantSenders } from '../../../../test/support/senders';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../tokens';
import { testTemporalClient } from '../../../../test/support/temporal-client';

let app: INestApplication;
let baseUrl: string;
let key: string;
let otherKey: string;
let ownerId: string;
let temporal: Connection;
let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>; components: object };

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  const accounts = app.get(AccountRepository);
  const [owner, other] = [await accounts.createWithKey(`campaigns-${randomUUID()}`), await accounts.createWithKey(`campaigns-other-${randomUUID()}`)];
  [key, otherKey] = [owner.apiKey, other.apiKey];
  ownerId = owner.accountId;
  for (const tenant of [owner, other]) await grantSenders(app.get<DataSource>(DATA_SOURCE), tenant.accountId);
  doc = (await (await fetch(`${baseUrl}/docs/openapi.json`)).json()) as typeof doc;
  temporal = await Connection.connect({ address: testTemporalAddress() });
}, 60_000);

afterAll(async () => {
  await temporal?.close();
  await app?.close();
});

async function call<T = unknown>(method: string, route: string, body?: unknown, apiKey = key): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Checks an answer against the schema OpenAPI gives for that path, method and status. */
function expectSchema(path: string, method: string, status: number, body: unknown): void {
  const schema = doc.paths[path]?.[method]?.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no OpenAPI schema for ${method} ${path} ${status}`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile({ ...schema, components: doc.components });
  const ok = validate(body);
  expect({ path, method, status, errors: ok ? null : validate.errors }).toEqual({ path, method, status, errors: null });
}

const create = (extra: Record<string, unknown> = {}, apiKey = key) =>
  call<{ id: string }>('POST', '/v1/campaigns', {
    name: 'int',
    from: 'Acme',
    category: 'transactional',
    message: { default: 'Hi {{name}}', locales: { hr: 'Bok {{name}}, čekamo vas' } },
    schedule: { quietHours: { from: '21:00', to: '08:00' } },
    ...extra,
  }, apiKey);

it('documents every campaign operation, and its answers match their schemas', async () => {
  for (const path of ['/v1/campaigns', '/v1/campaigns/{id}', '/v1/campaigns/{id}/recipients', '/v1/campaigns/{id}/preview', '/v1/campaigns/{id}/start', '/v1/campaigns/{id}/pause', '/v1/campaigns/{id}/resume', '/v1/campaigns/{id}/cancel', '/v1/campaigns/{id}/report', '/v1/campaigns/{id}/export', '/v1/campaigns/opt-outs']) {
    expect(Object.keys(doc.paths)).toContain(path);
  }
  const created = await create();
  expect(created.status).toBe(201);
  expectSchema('/v1/campaigns', 'post', 201, created.body);
  const id = created.body.id;
  const upload = await call('POST', `/v1/campaigns/${id}/recipients`, {
    recipients: [{ phone: '+385911234567', locale: 'hr', variables: { name: 'Ana' } }, { phone: '+14155550123', variables: { name: 'Bob' } }, { phone: 'nope' }],
  });
  expect(upload.status).toBe(200);
  expectSchema('/v1/campaigns/{id}/recipients', 'post', 200, upload.body);
  expect(upload.body).toMatchObject({ received: 3, added: 2, invalid: 1, errors: [{ index: 2, field: 'recipients[2].phone' }] });

  const got = await call('GET', `/v1/campaigns/${id}`);
  expectSchema('/v1/campaigns/{id}', 'get', 200, got.body);
  const list = await call('GET', '/v1/campaigns?limit=5');
  expectSchema('/v1/campaigns', 'get', 200, list.body);
  const preview = await call<{ locales: { locale: string; encoding: string; ucs2Characters: string[]; recipients: number }[]; notes: string[] }>('POST', `/v1/campaigns/${id}/preview`);
  expectSchema('/v1/campaigns/{id}/preview', 'post', 200, preview.body);
  expect(preview.body.locales.map((l) => [l.locale, l.encoding, l.recipients])).toEqual([
    ['default', 'GSM-7', 1],
    ['hr', 'UCS-2', 1],
  ]);
  expect(preview.body.locales[1].ucs2Characters).toEqual(['č']);
  expect(preview.body.notes.join(' ')).toMatch(/hr: č is not in GSM-7.*UCS-2.*transliterate .* would make it GSM-7/);
  expect((preview.body.locales[1] as unknown as { withTransliteration: unknown }).withTransliteration).toEqual({ encoding: 'GSM-7', segments: 1 });
  const report = await call('GET', `/v1/campaigns/${id}/report`);
  expectSchema('/v1/campaigns/{id}/report', 'get', 200, report.body);
  const optOut = await call('POST', '/v1/campaigns/opt-outs', { phone: '+1 415 555 0123' });
  expect(optOut.body).toEqual({ phone: '+14155550123', optedOut: true });
});

it('takes 1,000 JSON recipients in one request (a body over the usual 64 kB), and refuses 1,001', async () => {
  const { body } = await create();
  const recipients = Array.from({ length: 1000 }, (_, i) => ({ phone: `+1415${3_000_000 + i}`, variables: { name: `A rather long customer name number ${i} `.repeat(4) } }));
  expect(JSON.stringify({ recipients }).length).toBeGreaterThan(64 * 1024);
  expect((await call('POST', `/v1/campaigns/${body.id}/recipients`, { recipients })).body).toMatchObject({ received: 1000, added: 1000, invalid: 0 });
  const tooMany = await call<{ error: { field: string } }>('POST', `/v1/campaigns/${body.id}/recipients`, { recipients: [...recipients, recipients[0]] });
  expect([tooMany.status, tooMany.body.error.field]).toEqual([400, 'recipients']);
});

it('keeps one account\'s campaigns from another', async () => {
  const { body } = await create();
  for (const [method, route] of [
    ['GET', `/v1/campaigns/${body.id}`],
    ['GET', `/v1/campaigns/${body.id}/report`],
    ['POST', `/v1/campaigns/${body.id}/start`],
    ['POST', `/v1/campaigns/${body.id}/cancel`],
  ]) {
    expect((await call(method, route, undefined, otherKey)).status).toBe(404);
  }
  const theirs = await call<{ campaigns: { id: string }[] }>('GET', '/v1/campaigns?limit=100', undefined, otherKey);
  expect(theirs.body.campaigns.map((c) => c.id)).not.toContain(body.id);
});

it('streams a 200,000-row CSV into PostgreSQL, reporting bad rows by line and dropping duplicates', async () => {
  const { body } = await create();
  const rows = 200_000;
  const csv = Readable.from(
    (function* () {
      yield 'phone,locale,name\n';
      for (let i = 0; i < rows; i += 1000) {
        const lines = [];
        for (let j = i; j < i + 1000; j += 1) lines.push(j === 500 ? 'not-a-number,en,X' : j === 501 ? `+1415${2_000_000},en,Dup` : `+1415${2_000_000 + j},${j % 2 ? 'hr' : 'en'},N${j}`);
        yield `${lines.join('\n')}\n`;
      }
    })(),
  );
  const started = Date.now();
  const res = await fetch(`${baseUrl}/v1/campaigns/${body.id}/recipients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
    body: Readable.toWeb(csv) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const result = await res.json();
  expect(res.status).toBe(200);
  expect(result).toEqual({ received: rows, added: rows - 2, duplicates: 1, invalid: 1, errors: [{ line: 502, field: 'phone', reason: expect.stringMatching(/phone/) }] });
  const got = await call<{ counters: { recipients: { total: number; pending: number } } }>('GET', `/v1/campaigns/${body.id}`);
  expect(got.body.counters.recipients).toMatchObject({ total: rows - 2, pending: rows - 2 });
  console.log(`200,000-row CSV upload: ${Date.now() - started} ms`);
}, 120_000);

it('starts the campaign\'s workflow once, pauses it by signal, and cancels what waits', async () => {
  const { body } = await create({ throttle: { mps: 5 } });
  await call('POST', `/v1/campaigns/${body.id}/recipients`, { recipients: [{ phone: '+14155550199', variables: { name: 'Z' } }] });
  expect(await call('POST', `/v1/campaigns/${body.id}/start`)).toEqual({ status: 200, body: { status: 'scheduled' } });
  expect((await call('POST', `/v1/campaigns/${body.id}/start`)).status).toBe(409);
  const client = testTemporalClient(temporal);
  const handle = client.workflow.getHandle(campaignWorkflowId(body.id));
  const described = await handle.describe();
  expect(described.type).toBe('runCampaign');
  expect(described.searchAttributes.CampaignId).toEqual([body.id]);
  expect(await call('POST', `/v1/campaigns/${body.id}/pause`)).toEqual({ status: 200, body: { status: 'paused' } });
  expect((await call('PATCH', `/v1/campaigns/${body.id}`, { throttle: null })).body).toMatchObject({ throttle: null });
  expect(await call('POST', `/v1/campaigns/${body.id}/cancel`)).toEqual({ status: 200, body: { status: 'cancelled' } });
  const history = await handle.fetchHistory();
  const signals = (history.events ?? []).flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
  expect(signals).toEqual(['pauseCampaign', 'setCampaignThrottle', 'cancelCampaign']);
  const got = await call<{ status: string; counters: { recipients: { cancelled: number } } }>('GET', `/v1/campaigns/${body.id}`);
  expect(got.body).toMatchObject({ status: 'cancelled', counters: { recipients: { cancelled: 1 } } });
  await handle.terminate('test over');
});

it('refuses a campaign from a sender the account does not hold (403 naming the field)', async () => {
  const res = await create({ from: 'PayPal' });
  expect(res).toEqual({ status: 403, body: { error: { code: 'sender_not_held', message: expect.any(String), field: 'from' } } });
  expectSchema('/v1/campaigns', 'post', 403, res.body);
  expect((await create({ from: undefined, senderPool: 'no-such-pool' })).body).toEqual({ error: { code: 'unknown_sender_pool', message: expect.any(String), field: 'senderPool' } });
  const pool = await create({ from: undefined, senderPool: ['Acme', '+14155550100'] });
  expect(pool).toEqual({ status: 403, body: { error: { code: 'sender_not_held', message: expect.any(String), field: 'senderPool[1]' } } });
});

it('sends from a named sender pool of the account', async () => {
  const number = `+1415${randomInt(200, 999)}${String(randomInt(0, 10_000)).padStart(4, '0')}`;
  await grantSenders(app.get<DataSource>(DATA_SOURCE), ownerId, { senderIds: [], numbers: [number] });
  const pool = await call('POST', '/v1/sender-pools', { name: 'campaign-pool', numbers: [number] });
  expect(pool.status).toBe(201);
  const res = await create({ from: undefined, senderPool: 'campaign-pool' });
  expect(res).toMatchObject({ status: 201, body: { from: null, senderPool: null, senderPoolName: 'campaign-pool' } });
  expectSchema('/v1/campaigns', 'post', 201, res.body);
  expect((await create({ from: undefined, senderPool: 'campaign-pool' }, otherKey)).status).toBe(400);
});
