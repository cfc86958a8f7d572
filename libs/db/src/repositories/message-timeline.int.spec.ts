// A message's timeline against a real PostgreSQL: the accept writes the message row alone, and
// the timeline still opens with its `accepted` event, read from that row.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { AccountRepository } from './account.repository';
import { MessageRepository, NewMessage } from './message.repository';

let db: DataSource;
let messages: MessageRepository;
let accountId: string;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  messages = new MessageRepository(db);
  accountId = (await new AccountRepository(db).createWithKey(`timeline-${randomUUID()}`)).accountId;
});
afterAll(async () => {
  await db?.destroy();
});

const message = (fields: Partial<NewMessage> = {}): NewMessage => ({
  id: randomUUID(),
  accountId,
  to: '+14155552671',
  from: 'Acme',
  body: 'x',
  encoding: 'UCS-2',
  segments: 2,
  statusCallbackUrl: null,
  idempotencyKey: null,
  requestHash: 'h',
  priority: 'transactional',
  ...fields,
});
const storedEvents = async (id: string) => ((await db.query(`SELECT type FROM message_events WHERE message_id = $1 ORDER BY id`, [id])) as { type: string }[]).map((e) => e.type);

it.each([
  ['its own workflow', 'workflow'],
  ['a page', 'batch'],
] as const)('a message accepted for %s stores no event row, and its timeline opens with `accepted` from the row', async (_shape, delivery) => {
  const m = message({ delivery });
  if (delivery === 'batch') expect(await messages.insertAcceptedMany([m])).toEqual(new Set([m.id]));
  else expect(await messages.insertAccepted(m)).toBe(true);
  expect(await storedEvents(m.id)).toEqual([]);

  await messages.recordEvent({ messageId: m.id, type: 'queued', detail: { batchId: 'b' } });
  const timeline = await messages.events(m.id);
  const [row] = (await db.query(`SELECT created_at FROM messages WHERE id = $1`, [m.id])) as { created_at: Date }[];
  expect(timeline.map((e) => [e.type, e.detail])).toEqual([
    ['accepted', { segments: 2, encoding: 'UCS-2' }],
    ['queued', { batchId: 'b' }],
  ]);
  expect(timeline[0].occurredAt.getTime()).toBe(new Date(row.created_at).getTime());
});

it('shows a stored `accepted` event (a message accepted before, a verification send) once, with its own detail', async () => {
  const m = message();
  await messages.insertAccepted(m);
  await messages.recordEvent({ messageId: m.id, type: 'accepted', detail: { segments: 2, encoding: 'UCS-2', verificationId: 'v1' } });
  await messages.recordEvent({ messageId: m.id, type: 'queued' });
  expect((await messages.events(m.id)).map((e) => [e.type, e.detail])).toEqual([
    ['accepted', { segments: 2, encoding: 'UCS-2', verificationId: 'v1' }],
    ['queued', null],
  ]);
});

it('has no timeline for a message that does not exist', async () => {
  expect(await messages.events(randomUUID())).toEqual([]);
});
