// MessageIntake rules (shared by the REST API and the SMPP gateway) with its collaborators stubbed.
import { ConflictError, UnavailableError, ValidationError } from '@app/contracts';
import { MessageEntity, MessageRepository } from '@app/db';
import { deliveryShape, IntakeRequest, MessageIntake } from './message-intake';

const dto = { to: '+1 415 555 2671', from: 'Acme', body: 'Hello €' };
const request = (overrides: Partial<IntakeRequest> = {}, idempotencyKey?: string): IntakeRequest => ({ accountId: 'acct', ...dto, idempotencyKey, ...overrides });

function setup({ insertFails = false, existing }: { insertFails?: boolean; existing?: Partial<MessageEntity> } = {}) {
  const repo = {
    insertAccepted: insertFails ? jest.fn().mockRejectedValue(new Error('connection refused')) : jest.fn().mockResolvedValue(true),
    insertAcceptedMany: jest.fn().mockImplementation(async (rows: { id: string }[]) => new Set(rows.map((r) => r.id))),
    findByIdempotencyKey: jest.fn().mockResolvedValue(existing ?? null),
  };
  const logger = { error: jest.fn() };
  return { service: new MessageIntake(repo as unknown as MessageRepository, logger), repo, logger };
}

it('stores the normalised message with its start intent and answers at commit, without Temporal', async () => {
  const { service, repo } = setup();
  const accepted = await service.accept(request());
  expect(accepted).toEqual({ id: expect.any(String), status: 'accepted', segments: 1, encoding: 'GSM-7' });
  expect(repo.insertAccepted).toHaveBeenCalledWith(expect.objectContaining({ id: accepted.id, to: '+14155552671', from: 'Acme', segments: 1, delivery: 'workflow' }));
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

it('decides the shape in one place: OTP gets its own workflow, the rest ride what the channel asks for', () => {
  expect(deliveryShape({ priority: 'otp', requested: 'batch' })).toBe('workflow');
  expect(deliveryShape({ priority: 'marketing', requested: 'batch' })).toBe('batch');
  expect(deliveryShape({ priority: 'transactional', requested: 'workflow' })).toBe('workflow');
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
