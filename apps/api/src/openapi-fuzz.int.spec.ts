// Fuzz test of every operation of the OpenAPI document the API serves, against the real API on
// a real PostgreSQL (a database of its own, dropped afterwards, so the carriers and routes it
// creates reach no other test) and the integration run's Temporal. For each operation,
// fast-check generates requests from its schemas (test/support/openapi-fuzz.ts) and every answer
// must be below 500, declared for that operation, and shaped as the document says. The test
// walks the document: a new endpoint is fuzzed without any change here, and an operation that
// cannot be generated for fails the test instead of being skipped.
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { Client } from 'pg';
import { AccountRepository, HeartbeatRepository, HeartbeatWriter, LOOPBACK_ONLY } from '@app/db';
import { testDatabaseUrl, testTemporalAddress } from '../../../test/support/env';
import { Credentials, harvestIds, IdPool, OpenApiDocument, operationsOf, requestFor, ResponseChecker, send } from '../../../test/support/openapi-fuzz';
import { startApiApp } from '../../../test/support/api-app';

/** Requests per operation; FUZZ_RUNS raises it for a longer local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let app: INestApplication;
let baseUrl: string;
let credentials: Credentials;
let doc: OpenApiDocument;
let accountId: string;
let worker: HeartbeatWriter | undefined;
const taskQueue = `api-fuzz-${randomUUID()}`;
const database = `fuzz_${randomBytes(6).toString('hex')}`;
const agent = new http.Agent({ keepAlive: true });

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin(`CREATE DATABASE ${database}`);
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${database}`;
  ({ app, baseUrl } = await startApiApp({ databaseUrl: url.toString(), temporal: { address: testTemporalAddress(), namespace: 'default', taskQueue } }));
  const accounts = app.get(AccountRepository);
  const full = await accounts.createWithKey(`fuzz-${randomUUID()}`, 'fuzz', ['messages', 'smpp', 'keys', 'operator'], { allowedIps: LOOPBACK_ONLY });
  // Request limits high enough that fuzzed requests reach the operations (429 stays declared and checked).
  await accounts.setLimitsIfUnset(full.accountId, { requestsPerSecond: 100_000, keyRequestsPerSecond: 100_000, dailyMessages: 1_000_000, perNumberPerMinute: 1_000_000, perNumberPerHour: 1_000_000, perPrefixPerMinute: 1_000_000 });
  credentials = { full: full.apiKey, messagesOnly: await accounts.addKey(full.accountId, 'messages-only', ['messages']) };
  accountId = full.accountId;
  // A live worker, as far as /health can tell: its heartbeat (no worker runs here; /health would be 503, down).
  worker = new HeartbeatWriter(app.get(HeartbeatRepository), { kind: 'worker', taskQueue, intervalMs: 1000, host: 'fuzz', onFailure: () => undefined, onRecovery: () => undefined });
  await worker.start();
  doc = (await (await fetch(`${baseUrl}/docs/openapi.json`)).json()) as OpenApiDocument;
});

afterAll(async () => {
  await worker?.stop();
  agent.destroy();
  await app?.close();
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

it('answers every operation of its OpenAPI document, fuzzed, with no 5xx and only declared, schema-conforming answers', async () => {
  const operations = operationsOf(doc);
  expect(operations.length).toBeGreaterThan(0);
  const checker = new ResponseChecker(doc);
  const paramNames = new Set(operations.flatMap((op) => (op.operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)));
  // Things that exist, so valid requests can get past "not found": two carriers, a rule set over
  // them (created through the API, as an operator would), and the fuzzing account.
  const pool: IdPool = new Map([['accountId', [accountId]]]);
  for (const id of ['alpha', 'beta']) {
    const res = await fetch(`${baseUrl}/v1/carriers`, { method: 'POST', headers: { authorization: `Bearer ${credentials.full}`, 'content-type': 'application/json' }, body: JSON.stringify({ id, type: 'smpp', host: '127.0.0.1', port: 2775, systemId: id, password: 'pw' }) });
    expect(res.status).toBe(201);
  }
  pool.set('carrierId', ['alpha', 'beta']);
  const routes = await fetch(`${baseUrl}/v1/routes`, { method: 'PUT', headers: { authorization: `Bearer ${credentials.full}`, 'content-type': 'application/json' }, body: JSON.stringify({ rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }] }] }) });
  expect(routes.status).toBe(200);
  const fuzzed = new Map<string, Map<number, number>>();
  const failures: string[] = [];

  for (const op of operations) {
    const statuses = new Map<number, number>();
    fuzzed.set(op.name, statuses);
    const result = await fc.check(
      fc.asyncProperty(requestFor(doc, op, credentials, pool), async (req) => {
        const res = await send(baseUrl, req, agent);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status < 300 && res.text && String(res.headers['content-type'] ?? '').startsWith('application/json')) harvestIds(pool, paramNames, JSON.parse(res.text));
        const problem = checker.problem(op, res);
        if (problem) {
          const body = req.body ? JSON.stringify(req.body.toString('utf8').slice(0, 200)) : '';
          throw new Error(`${op.name} ${problem}\n  request: ${req.method} ${req.path.slice(0, 200)} (${req.kind}) ${body}\n  answer: ${res.text.slice(0, 500)}`);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    if (result.failed) failures.push(`${(result.errorInstance as Error | undefined)?.message ?? 'failed'}\n  (seed ${result.seed}, path ${result.counterexamplePath})`);
    else if (result.numRuns < RUNS) failures.push(`${op.name}: only ${result.numRuns} of ${RUNS} requests were generated`);
  }

  // Every operation of the document was fuzzed: all its requests answered, and not all of them
  // stopped at the key check.
  for (const op of operations) {
    const statuses = fuzzed.get(op.name) ?? new Map<number, number>();
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    if (answered < RUNS) failures.push(`${op.name}: ${answered} of ${RUNS} requests answered`);
    if (![...statuses.keys()].some((s) => s !== 401 && s !== 403)) failures.push(`${op.name}: no request got past the key check`);
  }
  if (process.env.FUZZ_REPORT) console.log([...fuzzed].map(([name, s]) => `${name}: ${JSON.stringify(Object.fromEntries(s))}`).join('\n'));
  expect(failures).toEqual([]);
});
