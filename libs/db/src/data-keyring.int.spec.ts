// Encryption at rest against a real PostgreSQL: bodies are sealed in the row and open through the
// repositories; a KEK rotation (new KEK first, old one kept, re-wrap, old one dropped) keeps every
// row readable; bodies stored in clear before encryption are read as they are, then sealed.
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LocalKms } from '@app/crypto';
import { testDatabaseUrl, testKms } from '../../../test/support/env';
import { openDatabase } from './data-source';
import { rewrapDataKeys, sealPlaintextRows } from './data-keyring';
import { AccountRepository } from './repositories/account.repository';
import { MessageRepository, NewMessage } from './repositories/message.repository';

const opened: DataSource[] = [];
const open = async (kms: LocalKms) => {
  const db = await openDatabase(testDatabaseUrl(), { kms, poolSize: 2 });
  opened.push(db);
  return db;
};
afterAll(async () => {
  for (const db of opened) await db.destroy();
});

const message = (accountId: string, body: string): NewMessage => ({
  id: randomUUID(),
  accountId,
  to: '+14155552671',
  from: 'Acme',
  body,
  encoding: 'GSM-7',
  segments: 1,
  statusCallbackUrl: null,
  idempotencyKey: null,
  requestHash: 'h',
  priority: 'transactional',
});

it('seals bodies in the row, opens them through the repository, and keeps them readable across a KEK rotation', async () => {
  const run = randomUUID().slice(0, 8);
  const [oldId, newId] = [`old-${run}`, `new-${run}`];
  const [oldKek, newKek] = [randomBytes(32), randomBytes(32)];
  const before = await open(new LocalKms([[oldId, oldKek]]));
  const accountId = (await new AccountRepository(before).createWithKey(`keyring-${run}`)).accountId;
  const first = message(accountId, `Your code is ${run}`);
  await new MessageRepository(before).insertAccepted(first);
  const [raw] = await before.query(`SELECT body FROM messages WHERE id = $1`, [first.id]);
  expect(raw.body).toMatch(/^enc1:[0-9a-f]{16}:/);
  expect(raw.body).not.toContain(run);
  expect((await new MessageRepository(before).findById(first.id))?.body).toBe(first.body);

  // Rotation: the new KEK first, the old one kept to unwrap. New rows use a data key under the new KEK.
  const during = await open(new LocalKms([[newId, newKek], [oldId, oldKek]]));
  const second = message(accountId, `Second ${run}`);
  await new MessageRepository(during).insertAccepted(second);
  expect((await new MessageRepository(during).findById(first.id))?.body).toBe(first.body);
  const keks = async () => (await during.query(`SELECT DISTINCT kek_id FROM data_keys WHERE kek_id = ANY($1::text[]) ORDER BY 1`, [[oldId, newId]])).map((r: { kek_id: string }) => r.kek_id);
  expect(await keks()).toEqual([newId, oldId]);

  // Re-wrap: the rows stay as they are, the data keys move to the new KEK; then the old KEK can go.
  expect(await rewrapDataKeys(during, new LocalKms([[newId, newKek], [oldId, oldKek]]), { fromKekId: oldId })).toEqual({ rewrapped: 1 });
  expect(await keks()).toEqual([newId]);
  const [unchanged] = await during.query(`SELECT body FROM messages WHERE id = $1`, [first.id]);
  expect(unchanged.body).toBe(raw.body);
  const after = await open(new LocalKms([[newId, newKek]]));
  expect((await new MessageRepository(after).findById(first.id))?.body).toBe(first.body);
  expect((await new MessageRepository(after).findById(second.id))?.body).toBe(second.body);

  // Without the KEK that wrapped its data key, a row cannot be read.
  const stranger = await open(new LocalKms([[`other-${run}`, randomBytes(32)]]));
  await expect(new MessageRepository(stranger).findById(first.id)).rejects.toThrow(/not configured/);
});

it('reads bodies stored in clear before encryption, and seals them with keys:rewrap', async () => {
  const db = await open(testKms());
  const accountId = (await new AccountRepository(db).createWithKey(`legacy-${randomUUID()}`)).accountId;
  const legacy = message(accountId, `Stored in clear ${randomUUID()}`);
  await new MessageRepository(db).insertAccepted(legacy);
  await db.query(`UPDATE messages SET body = $2 WHERE id = $1`, [legacy.id, legacy.body]);
  expect((await new MessageRepository(db).findById(legacy.id))?.body).toBe(legacy.body);
  expect((await sealPlaintextRows(db)).messages).toBeGreaterThanOrEqual(1);
  const [row] = await db.query(`SELECT body FROM messages WHERE id = $1`, [legacy.id]);
  expect(row.body).toMatch(/^enc1:/);
  expect((await new MessageRepository(db).findById(legacy.id))?.body).toBe(legacy.body);
});
