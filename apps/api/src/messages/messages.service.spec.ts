// MessagesService rules with its collaborators stubbed.
import { Client } from '@temporalio/client';
import { ConflictError, UnavailableError, ValidationError } from '@app/contracts';
import type { ApiConfig } from '@app/config';
import { MessageEntity, MessageRepository } from '@app/db';
import { MessagesService } from './messages.service';

const config = { temporal: { taskQueue: 'q', address: 'x:1', namespace: 'default' } } as ApiConfig;
const dto = { to: '+1 415 555 2671', from: 'Acme', body: 'Hello €' };

function setup({ startFails = false, existing }: { startFails?: boolean; existing?: Partial<MessageEntity> } = {}) {
  const repo = {
    insertAccepted: jest.fn().mockResolvedValue(true),
    deleteAccepted: jest.fn().mockResolvedValue(undefined),
    findByIdempotencyKey: jest.fn().mockResolvedValue(existing ?? null),
  };
  const start = startFails ? jest.fn().mockRejectedValue(new Error('connection refused')) : jest.fn().mockResolvedValue({});
  const temporal = { workflow: { start } } as unknown as Client;
  return { service: new MessagesService(repo as unknown as MessageRepository, temporal, config), repo, start };
}

it('stores the normalised message, then starts its workflow with an id derived from the message id', async () => {
  const { service, repo, start } = setup();
  const accepted = await service.send('acct', dto);
  expect(accepted).toEqual({ id: expect.any(String), status: 'accepted', segments: 1, encoding: 'GSM-7' });
  expect(repo.insertAccepted).toHaveBeenCalledWith(expect.objectContaining({ id: accepted.id, to: '+14155552671', from: 'Acme', segments: 1 }));
  expect(start).toHaveBeenCalledWith('sendMessage', expect.objectContaining({ workflowId: `msg-${accepted.id}`, args: [{ messageId: accepted.id, accountId: 'acct' }] }));
  expect(JSON.stringify(start.mock.calls)).not.toContain('Hello');
});

it('removes the row and answers 503 when the workflow cannot be started: nothing half-written', async () => {
  const { service, repo } = setup({ startFails: true });
  await expect(service.send('acct', dto)).rejects.toBeInstanceOf(UnavailableError);
  const id = repo.insertAccepted.mock.calls[0][0].id;
  expect(repo.deleteAccepted).toHaveBeenCalledWith(id);
});

it('returns the stored message for a repeated Idempotency-Key and starts nothing', async () => {
  const first = setup();
  await first.service.send('acct', dto, 'k1');
  const hash = first.repo.insertAccepted.mock.calls[0][0].requestHash;
  const { service, start, repo } = setup({ existing: { id: 'm1', status: 'queued', segments: 1, encoding: 'GSM-7', requestHash: hash } });
  expect(await service.send('acct', dto, 'k1')).toEqual({ id: 'm1', status: 'queued', segments: 1, encoding: 'GSM-7' });
  expect(start).not.toHaveBeenCalled();
  expect(repo.insertAccepted).not.toHaveBeenCalled();
});

it('refuses a reused Idempotency-Key with a different request', async () => {
  const { service } = setup({ existing: { id: 'm1', requestHash: 'other' } });
  await expect(service.send('acct', dto, 'k1')).rejects.toBeInstanceOf(ConflictError);
});

it('rejects an over-long Idempotency-Key naming the header', async () => {
  const { service } = setup();
  await expect(service.send('acct', dto, 'k'.repeat(256))).rejects.toMatchObject({ field: 'Idempotency-Key' });
  await expect(service.send('acct', { ...dto, to: '12' })).rejects.toBeInstanceOf(ValidationError);
});
