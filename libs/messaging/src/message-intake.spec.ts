// MessageIntake rules (shared by the REST API and the SMPP gateway) with its collaborators stubbed.
import { ConflictError, ForbiddenError, RateLimitedError, UnavailableError, ValidationError } from '@app/contracts';
import { CounterIncrement, MessageEntity, MessageRepository } from '@app/db';
import { AccountLimits, resolveLimits } from '@app/domain';
import { IntakeLimits } from './intake-limits';
import { SenderRules } from './sender-rules';
import { deliveryShape, IntakeRequest, MessageIntake } from './message-intake';

/** Counters in a Map, as PostgreSQL's usage_counters would hold them. */
function counterStore() {
  const counts = new Map<string, number>();
  return {
    counts,
    add: jest.fn(async (increments: CounterIncrement[]) => {
      for (const inc of increments) counts.set(inc.key, (counts.get(inc.key) ?? 0) + inc.by);
      return new Map(increments.map((inc) => [inc.key, counts.get(inc.key)!]));
    }),
    purgeExpired: jest.fn(async () => undefined),
  };
}

const dto = { to: '+1 415 555 2671', from: 'Acme', body: 'Hello €' };
const request = (overrides: Partial<IntakeRequest> = {}, idempotencyKey?: string): IntakeRequest => ({ accountId: 'acct', ...dto, idempotencyKey, ...overrides });

function setup({
  insertFails = false,
  existing,
  limits = { otpPriority: true },
  otpWorkflowsPerSecond = 10,
  now,
}: { insertFails?: boolean; existing?: Partial<MessageEntity>; limits?: Partial<AccountLimits>; otpWorkflowsPerSecond?: number; now?: () => number } = {}) {
  const repo = {
    insertAccepted: insertFails ? jest.fn().mockRejectedValue(new Error('connection refused')) : jest.fn().mockResolvedValue(true),
    insertAcceptedMany: jest.fn().mockImplementation(async (rows: { id: string }[]) => new Set(rows.map((r) => r.id))),
    findByIdempotencyKey: jest.fn().mockResolvedValue(existing ?? null),
  };
  const logger = { error: jest.fn() };
  const counters = counterStore();
  const accounts = { limits: jest.fn(async () => resolveLimits(limits)) };
  // The account holds the sender ID Acme (the sender rules have their own spec).
  const senders = new SenderRules({
    held: async () => ({ numbers: new Map(), senderIds: new Map([['ACME', new Map()]]), pools: new Map() }),
    stickyNumber: async () => null,
  });
  const service = new MessageIntake(repo as unknown as MessageRepository, logger, new IntakeLimits(accounts, counters, { now }), senders, { otpWorkflowsPerSecond });
  return { service, repo, logger, counters, accounts };
}

it('stores the normalised message with its start intent and answers at commit, without Temporal', async () => {
  const { service, repo } = setup();
  const accepted = await service.accept(request());
  expect(accepted).toEqual({ id: expect.any(String), status: 'accepted', segments: 1, encoding: 'GSM-7' });
  expect(repo.insertAccepted).toHaveBeenCalledWith(expect.objectContaining({ id: accepted.id, to: '+14155552671', from: 'Acme', segments: 1, delivery: 'workflow', country: 'US' }));
});

it('refuses a sender the account does not hold before anything is counted or stored', async () => {
  const { service, repo, counters } = setup();
  await expect(service.accept(request({ from: 'PayPal' }))).rejects.toMatchObject({ code: 'sender_not_held', field: 'from' });
  expect(counters.add).not.toHaveBeenCalled();
  expect(repo.insertAccepted).not.toHaveBeenCalled();
});

it('answers 503 naming no field when PostgreSQL cannot store the message, and logs no body', async () => {
  const { service, logger } = setup({ insertFails: true });
  await expect(service.accept(request())).rejects.toBeInstanceOf(UnavailableError);
  expect(JSON.stringify(logger.error.mock.calls)).not.toContain('Hello');
});

it('writes paged messages arriving together in one multi-row insert', async () => {
  const { service, repo } = setup();
  const accepted = await Promise.all([1, 2, 3].map((n) => service.accept(request({ body: `page ${n}`, delivery: 'batch' }))));
  expect(repo.insertAcceptedMany).toHaveBeenCalledTimes(1);
  expect(repo.insertAcceptedMany.mock.calls[0][0].map((r: { id: string }) => r.id)).toEqual(accepted.map((a) => a.id));
  expect(repo.insertAccepted).not.toHaveBeenCalled();
});

it('decides the shape in one place: OTP gets its own workflow within the OTP a second, the rest ride what the channel asks for', () => {
  expect(deliveryShape({ priority: 'otp', requested: 'batch', otpThisSecond: 1 }, 10)).toBe('workflow');
  expect(deliveryShape({ priority: 'otp', requested: 'workflow', otpThisSecond: 10 }, 10)).toBe('workflow');
  expect(deliveryShape({ priority: 'otp', requested: 'workflow', otpThisSecond: 11 }, 10)).toBe('batch');
  expect(deliveryShape({ priority: 'otp', requested: 'workflow', otpThisSecond: 1 }, 0)).toBe('batch');
  expect(deliveryShape({ priority: 'marketing', requested: 'batch', otpThisSecond: 99 }, 10)).toBe('batch');
  expect(deliveryShape({ priority: 'transactional', requested: 'workflow' }, 10)).toBe('workflow');
});

it('gives the first OTP_WORKFLOWS_PER_SECOND OTP of a second their own workflow and pages the rest, counting in the limits\' statement', async () => {
  // All within one second (a real clock could cross into the next mid-test).
  const { service, repo, counters } = setup({ otpWorkflowsPerSecond: 2, now: () => Date.UTC(2026, 11, 6, 12, 0, 0, 400) });
  await Promise.all([0, 1, 2, 3].map((i) => service.accept(request({ priority: 'otp', to: `+1415555267${i}` }))));
  await service.accept(request({ to: '+14155552679', delivery: 'batch' }));
  expect(repo.insertAccepted.mock.calls.map(([row]) => row.delivery)).toEqual(['workflow', 'workflow']);
  expect(repo.insertAcceptedMany.mock.calls.flatMap(([rows]) => rows.map((r: { priority: string }) => r.priority))).toEqual(['otp', 'otp', 'transactional']);
  // One counter for the deployment's OTP of this second, counted with the account's limits; the transactional message is not in it.
  expect([...counters.counts].filter(([key]) => key.startsWith('otp:'))).toEqual([[`otp:s${Date.UTC(2026, 11, 6, 12, 0, 0) / 1000}`, 4]]);
  expect(counters.add).toHaveBeenCalledTimes(2);
});

it('puts every OTP on a page by default (OTP_WORKFLOWS_PER_SECOND 0), counting no OTP of the second', async () => {
  const { service, repo, counters } = setup({ otpWorkflowsPerSecond: 0 });
  await service.accept(request({ priority: 'otp' }));
  expect(repo.insertAccepted).not.toHaveBeenCalled();
  expect(repo.insertAcceptedMany.mock.calls[0][0]).toEqual([expect.objectContaining({ priority: 'otp', delivery: 'batch' })]);
  expect([...counters.counts.keys()].filter((key) => key.startsWith('otp:'))).toEqual([]);
});

it('returns the stored message for a repeated Idempotency-Key and stores nothing', async () => {
  const first = setup();
  await first.service.accept(request({}, 'k1'));
  const hash = first.repo.insertAccepted.mock.calls[0][0].requestHash;
  const { service, repo } = setup({ existing: { id: 'm1', status: 'queued', segments: 1, encoding: 'GSM-7', requestHash: hash } });
  expect(await service.accept(request({}, 'k1'))).toEqual({ id: 'm1', status: 'queued', segments: 1, encoding: 'GSM-7' });
  expect(repo.insertAccepted).not.toHaveBeenCalled();
});

it('refuses a reused Idempotency-Key with a different request', async () => {
  const { service } = setup({ existing: { id: 'm1', requestHash: 'other' } });
  await expect(service.accept(request({}, 'k1'))).rejects.toBeInstanceOf(ConflictError);
});

it('rejects an over-long Idempotency-Key naming the header', async () => {
  const { service } = setup();
  await expect(service.accept(request({}, 'k'.repeat(256)))).rejects.toMatchObject({ field: 'Idempotency-Key' });
  await expect(service.accept(request({ to: '12' }))).rejects.toBeInstanceOf(ValidationError);
});

it('applies the account\'s smart encoding before counting: curly quotes and dashes cost GSM-7, not UCS-2', async () => {
  const { service, repo } = setup();
  const body = '\u201CHello\u201D \u2013 it\u2019s here';
  expect(await service.accept(request({ body }))).toMatchObject({ encoding: 'UCS-2', segments: 1 });
  expect(await service.accept(request({ body, smartEncoding: true }))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  expect(repo.insertAccepted.mock.calls[1][0].body).toBe('"Hello" - it\'s here');
});

it('records an SMPP submit with its system_id, registered_delivery, schedule and the id its parts were answered with', async () => {
  const { service, repo } = setup();
  const sendAt = new Date('2030-01-01T00:00:00Z');
  const id = '0b7e3c9a-7d55-4a7e-9a55-3c1f1a2b3c4d';
  expect(await service.accept(request({ id, smpp: { systemId: 'acme1', registeredDelivery: 1 }, sendAt }))).toMatchObject({ id });
  expect(repo.insertAccepted).toHaveBeenCalledWith(expect.objectContaining({ id, source: 'smpp', smppSystemId: 'acme1', registeredDelivery: 1, sendAt }));
});

it('refuses an empty body and one over the maximum, naming the field', async () => {
  const { service } = setup();
  await expect(service.accept(request({ body: '' }))).rejects.toMatchObject({ field: 'body' });
  await expect(service.accept(request({ body: 'x'.repeat(1601) }))).rejects.toMatchObject({ field: 'body' });
});

it('refuses a NUL in the body or the Idempotency-Key, naming the field, and stores nothing', async () => {
  const { service, repo } = setup();
  await expect(service.accept(request({ body: 'a\u0000b' }))).rejects.toMatchObject({ field: 'body', code: 'invalid_body' });
  await expect(service.accept(request({}, 'k\u0000'))).rejects.toMatchObject({ field: 'Idempotency-Key' });
  expect(repo.insertAccepted).not.toHaveBeenCalled();
});

it('stores the others when one row of a multi-row insert fails, each on its own', async () => {
  const { service, repo } = setup();
  repo.insertAcceptedMany.mockImplementation(async (rows: { id: string; body: string }[]) => {
    if (rows.some((r) => r.body === 'poison')) throw new Error('invalid byte sequence');
    return new Set(rows.map((r) => r.id));
  });
  const results = await Promise.allSettled(['fine 1', 'poison', 'fine 2'].map((body) => service.accept(request({ body, delivery: 'batch' }))));
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
  // The group once, then each row alone.
  expect(repo.insertAcceptedMany.mock.calls.map((c: unknown[][]) => c[0].length)).toEqual([3, 1, 1, 1]);
});

describe('limits and fraud rules', () => {
  it('refuses OTP priority to an account not entitled to it, naming priority, and counts nothing', async () => {
    const { service, repo, counters } = setup({ limits: {} });
    const refusal = service.accept(request({ priority: 'otp' }));
    await expect(refusal).rejects.toBeInstanceOf(ForbiddenError);
    await expect(refusal).rejects.toMatchObject({ code: 'otp_priority_not_allowed', field: 'priority' });
    expect(counters.add).not.toHaveBeenCalled();
    expect(repo.insertAccepted).not.toHaveBeenCalled();
    await expect(service.accept(request({ priority: 'transactional' }))).resolves.toMatchObject({ status: 'accepted' });
  });

  it('refuses premium-rate numbers by default and countries outside the allow-list, naming to', async () => {
    const { service, repo } = setup({ limits: { allowedCountries: ['US', 'GB'] } });
    await expect(service.accept(request({ to: '+19005551234' }))).rejects.toMatchObject({ code: 'destination_number_type_refused', field: 'to' });
    await expect(service.accept(request({ to: '+4915123456789' }))).rejects.toMatchObject({ code: 'destination_country_not_allowed', field: 'to' });
    await expect(service.accept(request({ to: '+447400123456' }))).resolves.toMatchObject({ status: 'accepted' });
    expect(repo.insertAccepted).toHaveBeenCalledTimes(1);
  });

  it('refuses the message over the per-number velocity with 429 data, the others in the same tick pass', async () => {
    const { service, repo } = setup({ limits: { perNumberPerMinute: 3 } });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => service.accept(request({ body: `v ${n}` }))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    const reason = (results[3] as PromiseRejectedResult).reason as RateLimitedError;
    expect(reason).toBeInstanceOf(RateLimitedError);
    expect(reason).toMatchObject({ code: 'velocity_number_minute', field: 'to' });
    expect(reason.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(reason.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(repo.insertAccepted).toHaveBeenCalledTimes(3);
  });

  it('uses the limits the caller read with the key, else reads them once per account while fresh', async () => {
    const { service, accounts } = setup({ limits: {} });
    await expect(service.accept(request({ priority: 'otp', limits: resolveLimits({ otpPriority: true }) }))).resolves.toMatchObject({ status: 'accepted' });
    expect(accounts.limits).not.toHaveBeenCalled();
    await service.accept(request({ body: 'one' }));
    await service.accept(request({ body: 'two' }));
    expect(accounts.limits).toHaveBeenCalledTimes(1);
  });

  it('does not count a replayed Idempotency-Key', async () => {
    const first = setup();
    await first.service.accept(request({}, 'k1'));
    const hash = first.repo.insertAccepted.mock.calls[0][0].requestHash;
    const { service, counters } = setup({ existing: { id: 'm1', status: 'queued', segments: 1, encoding: 'GSM-7', requestHash: hash } });
    await service.accept(request({}, 'k1'));
    expect(counters.add).not.toHaveBeenCalled();
  });

  it('answers 503 when the counters cannot be written, and stores nothing', async () => {
    const { service, repo, counters } = setup();
    counters.add.mockRejectedValueOnce(new Error('connection refused'));
    await expect(service.accept(request())).rejects.toBeInstanceOf(UnavailableError);
    expect(repo.insertAccepted).not.toHaveBeenCalled();
  });
});
