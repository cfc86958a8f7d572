// The verification activities against a real PostgreSQL: what a send writes (an otp message
// without a start intent, a digest but never the code), retries that write nothing twice, a
// resend that keeps or rotates the code, checks, superseding, and the conversion record that
// quality routing reads.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccountRepository, CarrierHealthRepository, openDatabase, VerificationRepository, keyringOf } from '@app/db';
import { verifyPrefix } from '@app/domain';
import { VerificationCodes } from '@app/messaging';
import { testDatabaseUrl, testKms } from '../../test/support/env';
import { createVerificationActivities, VerificationActivities } from './verification.activities';

let db: DataSource;
let repo: VerificationRepository;
let activities: VerificationActivities;
let accountId: string;
const codes = new VerificationCodes(Buffer.alloc(32, 3).toString('base64'));

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { poolSize: 2, kms: testKms() });
  repo = new VerificationRepository(db);
  activities = createVerificationActivities({ verifications: repo, codes });
  ({ accountId } = await new AccountRepository(db).createWithKey(`verify-int-${randomUUID()}`, 'default', ['messages']));
});
afterAll(async () => {
  await db?.destroy();
});

let line = 2000;
async function verification(over: { to?: string; codeLength?: number; locale?: string } = {}): Promise<string> {
  const id = randomUUID();
  const to = over.to ?? `+1415555${line++}`;
  await repo.create({ id, accountId, to, prefix: verifyPrefix(to), country: 'US', channel: 'sms', locale: over.locale ?? 'en', codeLength: over.codeLength ?? 6, template: null, codeSalt: VerificationCodes.newSalt(), expiresAt: new Date(Date.now() + 600_000) });
  return id;
}

/** The message row, its body opened (stored sealed: encryption at rest). */
const bodyOf = async (messageId: string) => {
  const row = (await db.query(`SELECT body, priority, channel, from_address FROM messages WHERE id = $1`, [messageId]))[0];
  expect(row.body).toMatch(/^enc1:/);
  return { ...row, body: await keyringOf(db).open(row.body) };
};
const codeIn = (text: string, length = 6) => new RegExp(`\\b(\\d{${length}})\\b`).exec(text)![1];

it('writes the code in an otp message only, keeps its digest, and compares in constant time', async () => {
  const id = await verification({ codeLength: 8 });
  const sent = await activities.sendCode({ verificationId: id, channel: 'sms', send: 1, rotate: true });
  const message = await bodyOf(sent.messageId);
  expect(message).toMatchObject({ priority: 'otp', channel: 'sms', from_address: 'Verify' });
  const code = codeIn(message.body, 8);
  expect(message.body).toBe(`Your verification code is ${code}. It expires in 10 minutes.`);
  // The worker's dispatcher does not start it: the verification's workflow does.
  expect(await db.query(`SELECT 1 FROM workflow_starts WHERE message_id = $1`, [sent.messageId])).toHaveLength(0);
  const row = (await repo.findById(id))!;
  expect(row).toMatchObject({ sends: 1, messageIds: [sent.messageId] });
  expect(JSON.stringify(row)).not.toContain(code);

  // A retried activity writes nothing twice.
  expect(await activities.sendCode({ verificationId: id, channel: 'sms', send: 1, rotate: true })).toMatchObject({ messageId: sent.messageId });
  expect((await repo.findById(id))!.sends).toBe(1);

  expect(await activities.compareCode({ verificationId: id, digest: codes.digest(row.codeSalt, code), check: 1 })).toEqual({ match: true });
  const wrong = code === '00000000' ? '11111111' : '00000000';
  expect(await activities.compareCode({ verificationId: id, digest: codes.digest(row.codeSalt, wrong), check: 2 })).toEqual({ match: false });
  expect((await repo.findById(id))!.checks).toBe(2);
});

it('resends the same code when keeping it (also as a call in Croatian), and a new one when rotating', async () => {
  const id = await verification({ locale: 'hr' });
  const first = codeIn((await bodyOf((await activities.sendCode({ verificationId: id, channel: 'sms', send: 1, rotate: true })).messageId)).body);
  const kept = await activities.sendCode({ verificationId: id, channel: 'voice', send: 2, rotate: false });
  expect(kept.rotated).toBe(false);
  const spoken = await bodyOf(kept.messageId);
  expect(spoken).toMatchObject({ channel: 'voice', body: `Vaš kontrolni kod je: ${first.split('').join(', ')}. Ponavljam: ${first.split('').join(', ')}.` });
  // Kept again from the spoken text.
  const again = codeIn((await bodyOf((await activities.sendCode({ verificationId: id, channel: 'sms', send: 3, rotate: false })).messageId)).body);
  expect(again).toBe(first);

  const rotated = await activities.sendCode({ verificationId: id, channel: 'sms', send: 4, rotate: true });
  const fresh = codeIn((await bodyOf(rotated.messageId)).body);
  const row = (await repo.findById(id))!;
  expect(row.sends).toBe(4);
  const matches = (code: string) => activities.compareCode({ verificationId: id, digest: codes.digest(row.codeSalt, code), check: 1 });
  expect(await matches(fresh)).toEqual({ match: true });
  if (fresh !== first) expect(await matches(first)).toEqual({ match: false });
});

it('lists the older pending verifications of the same number, and records carrier and country when one ends', async () => {
  const to = `+1415555${line++}`;
  const older = await verification({ to });
  const newer = await verification({ to });
  expect(await activities.olderVerifications({ verificationId: newer })).toEqual([older]);
  await activities.finishVerification({ verificationId: older, status: 'cancelled' });
  expect(await activities.olderVerifications({ verificationId: newer })).toEqual([]);

  const sent = await activities.sendCode({ verificationId: newer, channel: 'sms', send: 1, rotate: true });
  const carrierId = `conv-${randomUUID().slice(0, 8)}`;
  await db.query(`UPDATE messages SET carrier_id = $2 WHERE id = $1`, [sent.messageId, carrierId]);
  await activities.finishVerification({ verificationId: newer, status: 'approved' });
  expect(await repo.findById(newer)).toMatchObject({ status: 'approved', carrierId });
  // A second end changes nothing.
  await activities.finishVerification({ verificationId: newer, status: 'expired' });
  expect((await repo.findById(newer))!.status).toBe('approved');
  const conversion = (await new CarrierHealthRepository(db).conversionByCountry(3_600_000)).filter((c) => c.carrierId === carrierId);
  expect(conversion).toEqual([{ carrierId, country: 'US', finished: 1, approved: 1 }]);
  expect(await repo.recentConversion(accountId, verifyPrefix(to), 3_600_000)).toEqual({ started: 2, approved: 1 });
});

it('keeps settings over the defaults; null returns one to its default', async () => {
  expect((await repo.updateSettings(accountId, { maxChecks: 3, sender: 'Acme' })).maxChecks).toBe(3);
  const reset = await repo.updateSettings(accountId, { maxChecks: null });
  expect(reset).toMatchObject({ maxChecks: 5, sender: 'Acme' });
  await repo.updateSettings(accountId, { sender: null });
});
