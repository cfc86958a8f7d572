// Gives a tenant a test creates the senders it sends from: `from` must be a sender the account
// holds (README, "Numbers and sender IDs"). Through the real SenderRepository, as an operator's
// POST /v1/numbers and POST /v1/accounts/:id/sender-ids would. The running API and gateways
// learn it at once (the account_senders notification, and a refusal re-reads before it is final).
import { DataSource } from 'typeorm';
import { SenderRepository } from '@app/db';
import { normalizeE164, RegistrationStatus, senderIdKey } from '@app/domain';

/** The sender ID the suites send from; the bootstrapped demo account holds it too. */
export const TEST_SENDER_ID = 'Acme';

export interface TestSenders {
  /** Alphanumeric sender IDs (default: [TEST_SENDER_ID]). */
  senderIds?: string[];
  /** E.164 long codes (unique across accounts: pick numbers no other suite holds). */
  numbers?: string[];
  /** Registrations of the granted sender IDs, e.g. { senderId: 'Acme', country: 'HR', status: 'approved' }. */
  registrations?: { senderId: string; country: string; status: RegistrationStatus }[];
}

export async function grantSenders(db: DataSource, accountId: string, senders: TestSenders = {}): Promise<void> {
  const repo = new SenderRepository(db);
  for (const senderId of senders.senderIds ?? [TEST_SENDER_ID]) await repo.grantSenderId(accountId, senderId, senderIdKey(senderId));
  for (const written of senders.numbers ?? []) {
    const { e164, country } = normalizeE164(written, 'number');
    const assigned = await repo.assignNumber({ number: e164, accountId, kind: 'long_code', country: country ?? null, carrierId: null, capabilities: ['sms', 'inbound'] });
    if (!assigned) throw new Error(`${e164} belongs to another account already`);
  }
  for (const r of senders.registrations ?? []) {
    if (!(await repo.setRegistration(accountId, senderIdKey(r.senderId), r.country, r.status, null))) throw new Error(`${r.senderId} is not granted`);
  }
}
