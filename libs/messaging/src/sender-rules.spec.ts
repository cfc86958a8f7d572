// The sender rule (libs/domain senderRefusal) and SenderRules (cache, re-read on refusal, pools)
// with what the account holds stubbed; the repository and endpoints have int specs, REST and
// SMPP refusals and the sticky pool an e2e spec (test/e2e/senders.e2e.spec.ts).
import { ForbiddenError, UnavailableError, ValidationError } from '@app/contracts';
import type { AccountSenders } from '@app/db';
import { HeldSenders, normalizeE164, RegistrationStatus, senderRefusal } from '@app/domain';
import { SenderRules } from './sender-rules';

const US = normalizeE164('+14155552671');
const HR = normalizeE164('+385911234567');
const GB = normalizeE164('+447400123456');

function held(overrides: Partial<AccountSenders> = {}): AccountSenders {
  return {
    numbers: new Map([
      ['+14155550100', { kind: 'long_code', country: 'US', capabilities: ['sms', 'inbound'] }],
      ['+14155550101', { kind: 'long_code', country: 'US', capabilities: ['sms', 'inbound'] }],
      ['+14155550199', { kind: 'long_code', country: 'US', capabilities: ['inbound'] }],
      ['12345', { kind: 'short_code', country: 'US', capabilities: ['sms'] }],
    ]),
    senderIds: new Map<string, Map<string, RegistrationStatus>>([
      ['ACME', new Map<string, RegistrationStatus>([['HR', 'approved']])],
      ['PENDINGCO', new Map<string, RegistrationStatus>([['HR', 'pending']])],
    ]),
    pools: new Map([['support', { id: 'pool-1', numbers: ['+14155550100', '+14155550101'] }]]),
    ...overrides,
  };
}

describe('senderRefusal', () => {
  const refusal = (h: HeldSenders, value: string, type: 'alphanumeric' | 'long_code' | 'short_code', country?: string) => senderRefusal(h, { value, type }, country);

  it('lets an account send from a sender ID it holds, in any case, where no registration is required', () => {
    expect(refusal(held(), 'Acme', 'alphanumeric', 'US')).toBeNull();
    expect(refusal(held(), 'ACME', 'alphanumeric', 'GB')).toBeNull();
    expect(refusal(held(), 'PendingCo', 'alphanumeric', 'US')).toBeNull();
  });

  it('refuses a sender ID the account does not hold, naming from', () => {
    const r = refusal(held(), 'PayPal', 'alphanumeric', 'US');
    expect(r).toBeInstanceOf(ForbiddenError);
    expect(r).toMatchObject({ code: 'sender_not_held', field: 'from' });
  });

  it('needs an approved registration in a country that requires one (Croatia)', () => {
    expect(refusal(held(), 'Acme', 'alphanumeric', 'HR')).toBeNull();
    expect(refusal(held(), 'PendingCo', 'alphanumeric', 'HR')).toMatchObject({ code: 'sender_not_registered', field: 'from', message: expect.stringContaining('pending') });
    expect(refusal(held(), 'Acme', 'alphanumeric', 'IN')).toMatchObject({ code: 'sender_not_registered', message: expect.stringContaining('not registered') });
  });

  it('lets an account send from its numbers with the sms capability only', () => {
    expect(refusal(held(), '+14155550100', 'long_code', 'GB')).toBeNull();
    expect(refusal(held(), '+14155550102', 'long_code', 'US')).toMatchObject({ code: 'sender_not_held' });
    expect(refusal(held(), '+14155550199', 'long_code', 'US')).toMatchObject({ code: 'sender_not_capable' });
  });

  it('sends from a short code only to numbers of its country', () => {
    expect(refusal(held(), '12345', 'short_code', 'US')).toBeNull();
    expect(refusal(held(), '12345', 'short_code', 'GB')).toMatchObject({ code: 'sender_not_for_destination' });
    expect(refusal(held(), '54321', 'short_code', 'US')).toMatchObject({ code: 'sender_not_held' });
  });
});

describe('SenderRules', () => {
  function setup(initial = held()) {
    let current = initial;
    let clock = 0;
    const assignments = new Map<string, string>();
    const source = {
      held: jest.fn(async () => current),
      stickyNumber: jest.fn(async (poolId: string, subscriber: string, candidate: string) => {
        const key = `${poolId}:${subscriber}`;
        if (!assignments.has(key)) assignments.set(key, candidate);
        return assignments.get(key)!;
      }),
    };
    const rules = new SenderRules(source, { ttlMs: 30_000, recheckAfterMs: 1_000, now: () => clock });
    return { rules, source, assignments, change: (next: AccountSenders) => (current = next), tick: (ms: number) => (clock += ms) };
  }

  it('reads what an account holds once and answers from memory after', async () => {
    const { rules, source } = setup();
    for (let i = 0; i < 5; i += 1) expect(await rules.resolve('a', { from: ' Acme ' }, US)).toBe('Acme');
    expect(await rules.resolve('a', { from: '+1 415 555 0100' }, US)).toBe('+14155550100');
    expect(source.held).toHaveBeenCalledTimes(1);
  });

  it('re-reads once before refusing, so a sender granted a moment ago is usable', async () => {
    const { rules, source, change, tick } = setup();
    await rules.resolve('a', { from: 'Acme' }, US);
    change(held({ senderIds: new Map([['ACME', new Map()], ['NEWCO', new Map()]]) }));
    tick(1_000);
    expect(await rules.resolve('a', { from: 'NewCo' }, US)).toBe('NewCo');
    expect(source.held).toHaveBeenCalledTimes(2);
  });

  it('does not re-read on every refusal of a flood', async () => {
    const { rules, source } = setup();
    for (let i = 0; i < 5; i += 1) await expect(rules.resolve('a', { from: 'PayPal' }, US)).rejects.toMatchObject({ code: 'sender_not_held', field: 'from' });
    expect(source.held).toHaveBeenCalledTimes(1);
  });

  it('forgets an account when told (a notification), so a revoked sender is refused at once', async () => {
    const { rules, change } = setup();
    await rules.resolve('a', { from: 'Acme' }, US);
    change(held({ senderIds: new Map() }));
    rules.invalidate('a');
    await expect(rules.resolve('a', { from: 'Acme' }, US)).rejects.toMatchObject({ code: 'sender_not_held' });
  });

  it('expires entries after the TTL in case a notification was missed', async () => {
    const { rules, change, tick } = setup();
    await rules.resolve('a', { from: 'Acme' }, US);
    change(held({ senderIds: new Map() }));
    await expect(rules.resolve('a', { from: 'Acme' }, US)).resolves.toBe('Acme');
    tick(30_000);
    await expect(rules.resolve('a', { from: 'Acme' }, US)).rejects.toMatchObject({ code: 'sender_not_held' });
  });

  it('answers 503 when what the account holds cannot be read', async () => {
    const rules = new SenderRules({ held: async () => Promise.reject(new Error('down')), stickyNumber: async () => null });
    await expect(rules.resolve('a', { from: 'Acme' }, US)).rejects.toBeInstanceOf(UnavailableError);
  });

  it('wants from or senderPool, not both and not neither', async () => {
    const { rules } = setup();
    await expect(rules.resolve('a', {}, US)).rejects.toMatchObject({ code: 'invalid_field', field: 'from' });
    await expect(rules.resolve('a', { from: 'Acme', senderPool: 'support' }, US)).rejects.toMatchObject({ code: 'invalid_field', field: 'senderPool' });
    await expect(rules.resolve('a', { from: 'not valid!' }, US)).rejects.toBeInstanceOf(ValidationError);
  });

  it('gives a subscriber the same pool number every time, and spreads subscribers over the pool', async () => {
    const { rules } = setup();
    const first = await rules.resolve('a', { senderPool: 'support' }, US);
    for (let i = 0; i < 20; i += 1) expect(await rules.resolve('a', { senderPool: 'support' }, US)).toBe(first);
    const others = new Set<string>();
    for (let i = 0; i < 40; i += 1) others.add(await rules.resolve('a', { senderPool: 'support' }, normalizeE164(`+1415555${String(2000 + i)}`)));
    expect([...others].sort()).toEqual(['+14155550100', '+14155550101']);
  });

  it('refuses an unknown pool naming senderPool, and a pool with no number for the destination', async () => {
    const { rules } = setup(held({ pools: new Map([['short', { id: 'pool-2', numbers: ['12345'] }]]) }));
    await expect(rules.resolve('a', { senderPool: 'nope' }, US)).rejects.toMatchObject({ code: 'unknown_sender_pool', field: 'senderPool' });
    await expect(rules.resolve('a', { senderPool: 'short' }, US)).resolves.toBe('12345');
    await expect(rules.resolve('a', { senderPool: 'short' }, GB)).rejects.toMatchObject({ code: 'sender_pool_no_number', field: 'senderPool' });
  });

  it('checks a campaign sender as held and able to send, whatever the destination', async () => {
    const { rules } = setup();
    await expect(rules.checkHeld('a', 'Acme')).resolves.toBe('Acme');
    await expect(rules.checkHeld('a', '12345')).resolves.toBe('12345');
    await expect(rules.checkHeld('a', 'PayPal')).rejects.toMatchObject({ code: 'sender_not_held', field: 'from' });
    await expect(rules.checkHeld('a', '+14155550199', 'senderPool[0]')).rejects.toMatchObject({ code: 'sender_not_capable', field: 'senderPool[0]' });
  });

  it('applies the registration rule to the destination of each message', async () => {
    const { rules } = setup();
    await expect(rules.resolve('a', { from: 'Acme' }, HR)).resolves.toBe('Acme');
    await expect(rules.resolve('a', { from: 'PendingCo' }, US)).resolves.toBe('PendingCo');
    await expect(rules.resolve('a', { from: 'PendingCo' }, HR)).rejects.toMatchObject({ code: 'sender_not_registered', field: 'from' });
  });
});
