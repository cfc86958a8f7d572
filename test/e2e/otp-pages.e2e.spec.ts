// OTP past OTP_WORKFLOWS_PER_SECOND ride pages, through the real stack: here the setting is its
// default, 0, so every OTP does. A paged OTP still goes ahead of a bulk backlog: the page claim takes OTP
// first, and past the dispatcher's cap on paged messages not yet with a carrier
// (BATCH_MAX_SUBMITTING pages' worth) an OTP gets a page of its own.
import { eventually, startTestStack, TestStack } from '../support/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    api: { OTP_WORKFLOWS_PER_SECOND: '0' },
    worker: { BATCH_PAGE_SIZE: '10', BATCH_MAX_SUBMITTING: '1', BATCH_PAGE_DELAY_MS: '50' },
    rule: { targets: [{ carrierId: 'alpha' }] },
  });
}, 120_000);

afterAll(async () => {
  await stack?.api('PATCH', '/v1/carriers/alpha', { maxTps: null });
  await stack?.stop();
});

interface MessageView {
  status: string;
  workflowId: string | null;
  events: { type: string }[];
}

it('sends an OTP over the rate on a page of its own, ahead of a bulk backlog held back by the cap', async () => {
  const maxTps = 5;
  await stack.api('PATCH', '/v1/carriers/alpha', { maxTps });
  await stack.sim('DELETE', '/carriers/alpha/submissions');
  // The worker picks up a new limit within its 5 s poll.
  await new Promise((r) => setTimeout(r, 6000));
  const bulk = await stack.api<{ accepted: number }>('POST', '/v1/messages/batch', {
    messages: Array.from({ length: 40 }, (_, i) => ({ to: '+14155552671', from: 'Acme', body: `bulk ${i}`, priority: 'marketing' })),
  });
  expect(bulk.body.accepted).toBe(40);
  // The first page (10) is with the carrier at 5 a second; the other 30 wait behind the cap.
  await new Promise((r) => setTimeout(r, 500));
  const otp = await stack.api<{ id: string }>('POST', '/v1/messages', { to: '+14155552672', from: 'Acme', body: 'Your code is 730519', priority: 'otp' });
  expect(otp.status).toBe(202);

  const delivered = await eventually(
    async () => {
      const m = (await stack.api<MessageView>('GET', `/v1/messages/${otp.body.id}`)).body;
      return m.status === 'delivered' ? m : undefined;
    },
    30_000,
    'the OTP delivered',
  );
  // A page of its own, named by the OTP (the bulk backlog did not join it), with the page's events.
  expect(delivered.workflowId).toBe(`batch-${otp.body.id}`);
  expect(delivered.events.map((e) => e.type)).toEqual(expect.arrayContaining(['accepted', 'queued', 'submitted', 'delivered']));
  const submissions = await stack.sim<{ text: string }[]>('GET', '/carriers/alpha/submissions');
  // Ahead of the 30 bulk messages still waiting when it came: after the first page at most (and a
  // page holds the carrier's slots at most 1 s ahead).
  const position = submissions.findIndex((s) => s.text === 'Your code is 730519');
  expect(position).toBeGreaterThanOrEqual(0);
  expect(position).toBeLessThan(16);
}, 90_000);
