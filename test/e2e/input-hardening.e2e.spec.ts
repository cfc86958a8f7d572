// Issue 10, "no input yields a 5xx", through the real API process: the rows of the table
// (null for a field that is not nullable, JSON nested 5,000 deep, `PUT /v1/routes` with a null
// comment, the duplicate Idempotency-Key header and the object-typed country of the OpenAPI
// document) and the limits around them (invalid UTF-8, prototype keys, NUL, X-Powered-By), on
// the 64 kB routes and on the 4 MB batch route alike. Every refusal has the error shape and
// writes nothing.
import http from 'node:http';
import { Client as PgClient } from 'pg';
import { testDatabaseUrl } from '../support/env';
import { startTestStack, TestStack } from '../support/stack';

type ErrorAnswer = { error: { code: string; message: string; field?: string } };

let stack: TestStack;
let pg: PgClient;

beforeAll(async () => {
  stack = await startTestStack();
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
}, 120_000);

afterAll(async () => {
  await pg?.end();
  await stack?.stop();
});

/** A raw request: bytes as given, so bodies JSON.stringify cannot produce can be sent. */
function raw(method: string, path: string, body?: Buffer | string, contentType = 'application/json'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: unknown }> {
  const url = new URL(stack.apiUrl);
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { authorization: `Bearer ${stack.demoApiKey}`, ...(payload ? { 'content-type': contentType, 'content-length': String(payload.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const count = async (table: string) => Number((await pg.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
const valid = { to: '+14155552671', from: 'Acme', body: 'hardening' };
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('null for a field that is not nullable is a 400 naming the field', () => {
  it('POST /v1/smpp/credentials {"systemId":null}: 400 systemId, no credential created', async () => {
    const before = await count('smpp_credentials');
    const res = await stack.api<ErrorAnswer>('POST', '/v1/smpp/credentials', { systemId: null });
    expect(res).toEqual({ status: 400, body: { error: { code: 'invalid_field', message: 'systemId must not be null (omit it instead)', field: 'systemId' } } });
    expect(await count('smpp_credentials')).toBe(before);
  });

  it('PATCH /v1/smpp/credentials/:id {"allowedIps":null}: 400 allowedIps, the credential unchanged', async () => {
    const created = await stack.api<{ systemId: string }>('POST', '/v1/smpp/credentials', { allowedIps: ['203.0.113.7'] });
    expect(created.status).toBe(201);
    for (const systemId of [created.body.systemId, 'x']) {
      const res = await stack.api<ErrorAnswer>('PATCH', `/v1/smpp/credentials/${systemId}`, { allowedIps: null });
      expect(res).toEqual({ status: 400, body: { error: { code: 'invalid_field', message: expect.stringContaining('null'), field: 'allowedIps' } } });
    }
    const list = await stack.api<{ systemId: string; allowedIps: string[] }[]>('GET', '/v1/smpp/credentials');
    expect(list.body.find((c) => c.systemId === created.body.systemId)?.allowedIps).toEqual(['203.0.113.7']);
  });

  it('PUT /v1/routes with "comment": null: 400 comment, no new version and the active one stays', async () => {
    const activeBefore = await stack.api<{ version: number }>('GET', '/v1/routes');
    const versionsBefore = await stack.api<unknown[]>('GET', '/v1/routes/versions');
    const res = await stack.api<ErrorAnswer>('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }] }], comment: null });
    expect(res).toEqual({ status: 400, body: { error: { code: 'invalid_field', message: expect.stringContaining('null'), field: 'comment' } } });
    expect((await stack.api<{ version: number }>('GET', '/v1/routes')).body.version).toBe(activeBefore.body.version);
    expect((await stack.api<unknown[]>('GET', '/v1/routes/versions')).body).toHaveLength(versionsBefore.body.length);
  });

  it('a field the document declares nullable still takes null: PATCH /v1/carriers/:id {"maxTps":null} removes the limit', async () => {
    expect((await stack.api<{ maxTps: number | null }>('PATCH', '/v1/carriers/beta', { maxTps: 5 })).body.maxTps).toBe(5);
    const res = await stack.api<{ maxTps: number | null }>('PATCH', '/v1/carriers/beta', { maxTps: null });
    expect(res.status).toBe(200);
    expect(res.body.maxTps).toBeNull();
  });

  it('POST /v1/messages with a null field: 400 naming it, nothing stored', async () => {
    const before = await count('messages');
    for (const field of ['to', 'priority', 'statusCallbackUrl', 'sendAt']) {
      const res = await stack.api<ErrorAnswer>('POST', '/v1/messages', { ...valid, [field]: null });
      expect(res).toEqual({ status: 400, body: { error: { code: 'invalid_field', message: expect.stringContaining('null'), field } } });
    }
    expect(await count('messages')).toBe(before);
  });

  it('a batch item with a null field is refused alone, naming messages[i].field; the others are accepted', async () => {
    const res = await stack.api<{ accepted: number; rejected: number; results: { index: number; id?: string; error?: { code: string; field: string } }[] }>('POST', '/v1/messages/batch', {
      messages: [valid, { ...valid, sendAt: null }, { ...valid, body: 'a\u0000b' }],
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.results[0].id).toEqual(expect.any(String));
    expect(res.body.results[1].error).toEqual({ code: 'invalid_field', message: expect.any(String), field: 'messages[1].sendAt' });
    expect(res.body.results[2].error).toEqual({ code: 'invalid_text', message: expect.any(String), field: 'messages[2].body' });
  });
});

describe('JSON bodies are checked before any transform, on every route and on the 4 MB batch route', () => {
  it.each(['/v1/messages', '/v1/messages/batch', '/v1/smpp/credentials'])('%s: a body nested 5,000 deep is a 400 too_deep, nothing stored', async (route) => {
    const before = await count('messages');
    for (const body of [`${'['.repeat(5000)}${']'.repeat(5000)}`, nested(5000), nested(33)]) {
      const res = await raw('POST', route, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { code: 'too_deep', message: 'JSON nested deeper than 32 levels' } });
    }
    expect(await count('messages')).toBe(before);
  });

  it('32 levels pass the parser: the field is then judged by its own rules', async () => {
    // rules[0] is an object nested 31 more levels: the routing rules refuse it as a rule, not as JSON.
    let rule: unknown = 1;
    for (let i = 0; i < 30; i++) rule = { a: rule };
    const res = await raw('PUT', '/v1/routes', JSON.stringify({ rules: [rule] }));
    expect(res.status).toBe(400);
    expect((res.body as ErrorAnswer).error.code).not.toBe('too_deep');
  });

  it.each(['/v1/messages', '/v1/messages/batch'])('%s: invalid UTF-8 is a 400 invalid_utf8, not a body with U+FFFD', async (route) => {
    const before = await count('messages');
    const message = Buffer.concat([Buffer.from('{"to":"+14155552671","from":"Acme","body":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]); // C3 28: a lead byte without its continuation
    const bad = route.endsWith('batch') ? Buffer.concat([Buffer.from('{"messages":['), message, Buffer.from(']}')]) : message;
    const res = await raw('POST', route, bad);
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_utf8', message: 'The request body is not valid UTF-8' } } });
    expect(await count('messages')).toBe(before);
  });

  it.each([
    ['/v1/messages', `{"to":"+14155552671","from":"Acme","body":"x","__proto__":{"admin":true}}`, '__proto__'],
    ['/v1/messages/batch', `{"messages":[{"to":"+14155552671","from":"Acme","body":"x","constructor":{"prototype":{"admin":true}}}]}`, 'messages[0].constructor'],
    ['/v1/smpp/credentials', `{"prototype":1}`, 'prototype'],
  ])('%s: a prototype key is a 400 forbidden_field naming it', async (route, body, field) => {
    const before = await count('messages');
    const res = await raw('POST', route, body);
    expect(res).toEqual({ status: 400, headers: expect.anything(), body: { error: { code: 'forbidden_field', message: expect.stringContaining(field), field } } });
    expect(await count('messages')).toBe(before);
  });

  it('the batch route takes bodies over the 64 kB of other routes', async () => {
    const messages = Array.from({ length: 60 }, () => ({ ...valid, body: 'y'.repeat(1600) }));
    const body = JSON.stringify({ messages });
    expect(body.length).toBeGreaterThan(64 * 1024);
    const res = await raw('POST', '/v1/messages/batch', body);
    expect(res).toMatchObject({ status: 202, body: { accepted: 60, rejected: 0 } });
    expect((await raw('POST', '/v1/messages', JSON.stringify({ ...valid, body: 'y'.repeat(70_000) }))).status).toBe(413);
  });

  it('the batch route keeps its 4 MB limit: a larger body is a 413 with the error shape', async () => {
    const res = await raw('POST', '/v1/messages/batch', JSON.stringify({ messages: [{ ...valid, body: 'x'.repeat(4.2 * 1024 * 1024) }] }));
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large', message: expect.any(String) } } });
  });

  it('JSON in another charset is a 415', async () => {
    const res = await raw('POST', '/v1/messages', Buffer.from(JSON.stringify(valid), 'utf16le'), 'application/json; charset=utf-16le');
    expect(res).toMatchObject({ status: 415, body: { error: { code: 'unsupported_charset' } } });
  });

  it('a NUL in a path parameter is a 400 naming it, not a database error', async () => {
    const res = await raw('DELETE', '/v1/smpp/credentials/a%00b');
    expect(res.body).toEqual({ error: { code: 'invalid_text', message: expect.any(String), field: 'systemId' } });
    expect(res.status).toBe(400);
  });
});

it('no answer carries X-Powered-By', async () => {
  for (const [method, path, body] of [
    ['GET', '/health'],
    ['GET', '/v1/messages/00000000-0000-4000-8000-000000000000'],
    ['POST', '/v1/messages', '{'],
    ['GET', '/nowhere'],
  ] as const) {
    const res = await raw(method, path, body);
    expect(res.headers['x-powered-by']).toBeUndefined();
  }
});

describe('the OpenAPI document says what the API does', () => {
  let doc: { paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean }[]; responses: Record<string, unknown> }>>; components: { schemas: Record<string, { properties: Record<string, { type?: string; nullable?: boolean }> }> } };
  beforeAll(async () => {
    doc = (await (await fetch(`${stack.apiUrl}/docs/openapi.json`)).json()) as typeof doc;
  });

  it('POST /v1/messages declares one Idempotency-Key header, optional', () => {
    const headers = (doc.paths['/v1/messages'].post.parameters ?? []).filter((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
    expect(headers).toEqual([expect.objectContaining({ name: 'Idempotency-Key', required: false })]);
  });

  it('RoutePlanView.country is a nullable string, as /v1/routing/simulate answers it', async () => {
    expect(doc.components.schemas.RoutePlanView.properties.country).toMatchObject({ type: 'string', nullable: true });
    const plan = await stack.api<{ country: unknown }>('POST', '/v1/routing/simulate', { to: '+14155552671', priority: 'transactional' });
    expect(plan.status).toBe(200);
    expect(plan.body.country).toBe('US');
  });

  it('every operation that reads a body declares 400, 413 and 415, and every keyed one 401 and 403', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const statuses = Object.keys(op.responses);
        if (['post', 'put', 'patch'].includes(method)) expect({ op: `${method} ${path}`, statuses }).toEqual({ op: `${method} ${path}`, statuses: expect.arrayContaining(['400', '413', '415']) });
        // Keyed: the operation asks for a bearer credential (public ones: /oauth/token, operator sign-in, the codec login page).
        const keyed = ((op as { security?: unknown[] }).security ?? []).length > 0 && path !== '/health';
        if (keyed) expect({ op: `${method} ${path}`, statuses }).toEqual({ op: `${method} ${path}`, statuses: expect.arrayContaining(['401', '403']) });
      }
    }
  });
});
