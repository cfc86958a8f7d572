// Secrets and personal data never reach the logs: real traffic through the stack (REST sends
// and SMPP submits with a distinctive body, numbers and keys; a wrong key; submits that fail in
// PostgreSQL, through the single and the multipart paths of the SMPP gateway and through REST),
// then everything the API, worker, SMPP gateway and carrier simulator logged (at info level) is
// searched for what was sent.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { encodeSubmitParts } from '@app/domain';
import { connectEsme, Esme } from '../support/esme';
import { destinationNumbers } from '../support/delivery-checks';
import { testDatabaseUrl } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { openSealed } from '../support/sealed';

const marker = randomUUID().replace(/-/g, '').slice(0, 16);
const BODY = `Secret body ${marker} code 493817`;
const FAILING_BODY = `Failing body ${marker}`;
const numbers = destinationNumbers();
/** Destinations whose messages PostgreSQL refuses (bodies are sealed at rest, so the trigger picks rows by number). */
const [restFailTo, smppFailTo] = numbers(2);
const WRONG_KEY = `sk_live_${marker}wrongkey`;

let stack: TestStack;
let pg: PgClient;
let esme: Esme | undefined;
let systemId: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: { LOG_LEVEL: 'info' }, api: { LOG_LEVEL: 'info' }, gateway: { LOG_LEVEL: 'info', SMPP_DELIVERY: 'workflow' } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
  // Failures in PostgreSQL for this test's rows only: a message to a failing number (refused as
  // PostgreSQL refuses bad input, quoting the value), and every multipart group of this test's SMPP
  // credential.
  await pg.query(`CREATE OR REPLACE FUNCTION log_redaction_fail() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'invalid input syntax for type integer: "%"', NEW.${'body'} USING ERRCODE = '22P02'; END $$`);
  await pg.query(`CREATE TRIGGER log_redaction_fail BEFORE INSERT ON messages FOR EACH ROW WHEN (NEW.to_number IN ('${restFailTo}', '${smppFailTo}')) EXECUTE FUNCTION log_redaction_fail()`);
}, 120_000);

afterAll(async () => {
  await esme?.close();
  await pg?.query(`DROP TRIGGER IF EXISTS log_redaction_fail ON messages`);
  await pg?.query(`DROP TRIGGER IF EXISTS log_redaction_fail_multipart ON smpp_multipart_groups`);
  await pg?.query(`DROP FUNCTION IF EXISTS log_redaction_fail_multipart()`);
  await pg?.query(`DROP FUNCTION IF EXISTS log_redaction_fail()`);
  await pg?.end();
  if (process.env.KEEP_LOGS) fs.cpSync(stack.logDir, process.env.KEEP_LOGS, { recursive: true });
  await stack?.stop();
});

function allLogs(): string {
  return fs
    .readdirSync(stack.logDir)
    .map((f) => fs.readFileSync(path.join(stack.logDir, f), 'utf8'))
    .join('\n');
}

it('logs requests and failures without bodies, numbers, keys or passwords', async () => {
  const [restTo, smppTo, multipartTo] = numbers(3);
  const cred = (await stack.api<{ systemId: string; password: string }>('POST', '/v1/smpp/credentials', {})).body;
  systemId = cred.systemId;
  await pg.query(`CREATE OR REPLACE FUNCTION log_redaction_fail_multipart() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
  await pg.query(
    `CREATE TRIGGER log_redaction_fail_multipart BEFORE INSERT ON smpp_multipart_groups FOR EACH ROW WHEN (NEW.system_id = '${systemId}') EXECUTE FUNCTION log_redaction_fail_multipart()`,
  );

  // REST: one that goes all the way to the carrier, one PostgreSQL refuses, one with a wrong key.
  const sent = await stack.api<{ id: string }>('POST', '/v1/messages', { to: restTo, from: 'Acme', body: BODY });
  expect(sent.status).toBe(202);
  const failed = await stack.api('POST', '/v1/messages', { to: restFailTo, from: 'Acme', body: FAILING_BODY });
  expect(failed.status).toBeGreaterThanOrEqual(500);
  const wrongKey = await stack.api('GET', `/v1/messages/${sent.body.id}`, undefined, { authorization: `Bearer ${WRONG_KEY}` });
  expect(wrongKey.status).toBe(401);

  // SMPP: a submit that is sent, one PostgreSQL refuses, and a multipart one whose group cannot be stored.
  esme = await connectEsme({ port: stack.smppGateway.port, systemId: cred.systemId, password: cred.password, bind: 'bind_transceiver' });
  const submit = (to: string, extra: Record<string, unknown>) =>
    esme!.request('submit_sm', { source_addr_ton: 5, source_addr: 'Acme', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: to.slice(1), registered_delivery: 1, ...extra });
  expect((await submit(smppTo, { short_message: Buffer.from(BODY) })).command_status).toBe(0);
  expect((await submit(smppFailTo, { short_message: Buffer.from(FAILING_BODY) })).command_status).not.toBe(0);
  const [part] = encodeSubmitParts(`${BODY} ${'x'.repeat(200)}`, 'udh8', 91);
  expect((await submit(multipartTo, { esm_class: part.esmClass, data_coding: part.dataCoding, short_message: Buffer.from(part.shortMessage) })).command_status).not.toBe(0);

  // Both sent messages reach the carrier and get their receipt (the worker and connectors log on the way).
  await eventually(async () => {
    const { rows } = await pg.query(`SELECT body FROM messages WHERE to_number = ANY($1::text[]) AND status = 'delivered'`, [[restTo, smppTo]]);
    const bodies = await Promise.all(rows.map((r) => openSealed(pg, r.body)));
    return bodies.filter((b) => b === BODY).length === 2 ? true : undefined;
  }, 60_000, 'both messages delivered');
  await new Promise((r) => setTimeout(r, 1500)); // the last lines reach the files

  const logs = allLogs();
  // The capture works, and the failures were logged (so the search below means something).
  expect(logs).toMatch(/POST \/v1\/messages 202 \d+ms/);
  expect(logs).toMatch(/GET \/v1\/messages\/:id 401 \d+ms/);
  expect(logs).toContain('"msg":"request failed"');
  expect(logs).toContain('insert of message');
  expect(logs).not.toContain('undefinedms');

  const secrets = {
    marker,
    otpLikeCode: '493817',
    wrongKey: WRONG_KEY,
    demoKey: stack.demoApiKey,
    smppPassword: cred.password,
    ...Object.fromEntries([restTo, restFailTo, smppTo, smppFailTo, multipartTo].map((n, i) => [`number${i}`, n.slice(2)])),
  };
  // On a failure, the offending lines name what leaked.
  const found = Object.entries(secrets).flatMap(([name, value]) => logs.split('\n').filter((line) => line.includes(value)).map((line) => `${name}: ${line}`));
  expect(found).toEqual([]);
  // No header of a request reaches the logs at all.
  expect(logs.toLowerCase()).not.toContain('authorization');
}, 120_000);
