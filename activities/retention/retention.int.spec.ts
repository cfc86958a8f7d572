// Retention on schedule, against the run's real PostgreSQL and Temporal dev server: an account
// whose periods are minutes (the intervals are stored as such; the API speaks days) gets its
// bodies redacted and old rows deleted by the applyRetention workflow that a Temporal Schedule
// starts; the schedule can be described through the client; another account (default
// periods) and a message still in flight keep theirs.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import { APPLY_RETENTION_WORKFLOW } from '@app/contracts';
import { AccountRepository, DataSubjectRepository, openDatabase, RetentionRepository, SubjectHasher } from '@app/db';
import { ensureRetentionSchedule, workflowBundlerOptions } from '@app/temporal';
import { testDatabaseUrl, testSecretsKey, testTemporalAddress, testKms } from '../../test/support/env';
import { createRetentionActivities } from './retention.activities';

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let db: DataSource;
let connection: Connection;
let nativeConnection: NativeConnection;
let client: Client;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms() });
  connection = await Connection.connect({ address: testTemporalAddress() });
  nativeConnection = await NativeConnection.connect({ address: testTemporalAddress() });
  client = new Client({ connection });
});

afterAll(async () => {
  await nativeConnection?.close();
  await connection?.close();
  await db?.destroy();
});

async function insertMessage(accountId: string, body: string, { status = 'delivered', ageSeconds = 600 } = {}): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO messages (id, account_id, to_number, from_address, body, encoding, segments, status, request_hash, created_at)
     VALUES ($1, $2, '+14155550123', 'Acme', $3, 'GSM-7', 1, $4, 'h', now() - make_interval(secs => $5))`,
    [id, accountId, body, status, ageSeconds],
  );
  await db.query(`INSERT INTO message_events (message_id, type, detail) VALUES ($1, 'accepted', '{}')`, [id]);
  await db.query(
    `INSERT INTO carrier_receipts (carrier_id, carrier_message_id, state, error_code, raw_text, message_id, applied_at, received_at)
     VALUES ('alpha', $1, 'DELIVRD', '000', $2, $3, now(), now() - make_interval(secs => $4))`,
    [randomUUID(), `id:1 stat:DELIVRD err:000 text:${body.slice(0, 20)}`, id, ageSeconds],
  );
  return id;
}

async function messageRow(id: string): Promise<{ body: string; redacted_at: Date | null } | undefined> {
  return ((await db.query(`SELECT body, redacted_at FROM messages WHERE id = $1`, [id])) as { body: string; redacted_at: Date | null }[])[0];
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a Temporal Schedule runs applyRetention: bodies past the account period are redacted, rows past the metadata period deleted', async () => {
  const accounts = new AccountRepository(db);
  const short = await accounts.createWithKey(`retention-short-${randomUUID()}`);
  const other = await accounts.createWithKey(`retention-default-${randomUUID()}`);
  // Minutes instead of days: the test-only override (the API accepts whole days).
  await db.query(`UPDATE accounts SET body_retention = interval '5 minutes', metadata_retention = interval '1 hour' WHERE id = $1`, [short.accountId]);

  const due = await insertMessage(short.accountId, 'Your code is 482913');
  const inFlight = await insertMessage(short.accountId, 'Still being sent', { status: 'queued' });
  const old = await insertMessage(short.accountId, 'Two hours old', { ageSeconds: 7200 });
  const fresh = await insertMessage(short.accountId, 'Just sent', { ageSeconds: 0 });
  const otherAccount = await insertMessage(other.accountId, 'Default periods');
  const inboundId = randomUUID();
  await db.query(
    `INSERT INTO inbound_messages (id, carrier_id, from_number, to_number, body, account_id, received_at) VALUES ($1, 'alpha', '+14155550123', '+14155550100', 'STOP texting me', $2, now() - interval '10 minutes')`,
    [inboundId, short.accountId],
  );

  const taskQueue = `retention-${randomUUID()}`;
  const scheduleId = `retention-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ ...workflowBundlerOptions(), logger: quiet as never }),
    activities: createRetentionActivities({ retention: new RetentionRepository(db), subjects: new DataSubjectRepository(db, new SubjectHasher(testSecretsKey())) }),
  });
  await worker.runUntil(async () => {
    await ensureRetentionSchedule(client, { taskQueue, everySeconds: 1, scheduleId });
    try {
      await waitFor(async () => (await messageRow(due))?.redacted_at != null, 60_000);
      await waitFor(async () => (await messageRow(old)) === undefined, 30_000);

      const handle = client.schedule.getHandle(scheduleId);
      const described = await handle.describe();
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: APPLY_RETENTION_WORKFLOW, taskQueue });
      expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 1000 })]);
      expect(described.info.recentActions.length).toBeGreaterThan(0);

      // Again at the next worker start: updated in place, not duplicated.
      await ensureRetentionSchedule(client, { taskQueue, everySeconds: 3600, scheduleId });
      expect((await handle.describe()).spec.intervals).toEqual([expect.objectContaining({ every: 3600_000 })]);
    } finally {
      await client.schedule.getHandle(scheduleId).delete();
    }
  });

  expect(await messageRow(due)).toEqual({ body: '', redacted_at: expect.any(Date) });
  const [receipt] = await db.query(`SELECT raw_text, redacted_at FROM carrier_receipts WHERE message_id = $1`, [due]);
  expect(receipt).toEqual({ raw_text: '', redacted_at: expect.any(Date) });
  const [inbound] = await db.query(`SELECT body, redacted_at FROM inbound_messages WHERE id = $1`, [inboundId]);
  expect(inbound).toEqual({ body: '', redacted_at: expect.any(Date) });
  // Past the metadata period: the message and what hangs on it are gone.
  expect(await db.query(`SELECT 1 FROM message_events WHERE message_id = $1`, [old])).toHaveLength(0);
  expect(await db.query(`SELECT 1 FROM carrier_receipts WHERE message_id = $1`, [old])).toHaveLength(0);
  // Not final, not yet due, or of an account with the default periods: kept as they are.
  expect(await messageRow(inFlight)).toEqual({ body: 'Still being sent', redacted_at: null });
  expect(await messageRow(fresh)).toEqual({ body: 'Just sent', redacted_at: null });
  expect(await messageRow(otherAccount)).toEqual({ body: 'Default periods', redacted_at: null });
});
