// The conversation workflow against Temporal's time-skipping test server, its activities
// stubbed: MOs recorded, passed through the keyword-rules step and forwarded in order; a repeated
// MO and an MO nobody holds the number of forwarded never; replies only in history; idle end;
// continue-as-new handing over what was not handled.
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { CONVERSATION_WORKFLOW, ConversationEvent, ConversationInput, ConversationResult, conversationWorkflowId, inboundMessageSignal, replySentSignal } from '@app/contracts';
import type { ConversationActivities } from '../activities/conversations/conversation.activities';
import { startTimeSkipping } from '../test/support/time-skipping';

let env: TestWorkflowEnvironment;
let workflowBundle: { code: string };

beforeAll(async () => {
  ({ env, workflowBundle } = await startTimeSkipping());
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

const HOUR = 3600_000;

/** Stub activities over a little in-memory table of MOs: who holds the number, whether it was forwarded. */
function stubs(mos: Record<string, { accountId: string | null; forwarded?: boolean }>, calls: string[]): ConversationActivities {
  return {
    recordInbound: async ({ inboundId }) => (calls.push(`record ${inboundId}`), { inboundId, accountId: mos[inboundId].accountId, first: !mos[inboundId].forwarded }),
    applyKeywordRules: async ({ inboundId }) => (calls.push(`keywords ${inboundId}`), { matched: 'no_rule' }),
    forwardInbound: async ({ inboundId }) => {
      calls.push(`forward ${inboundId}`);
      mos[inboundId].forwarded = true;
      return { forwardedTo: ['webhook'] };
    },
  };
}

async function run(
  activities: ConversationActivities,
  signals: ConversationEvent[],
  input: Partial<ConversationInput> = {},
): Promise<{ result: ConversationResult; firstRunStatus: string }> {
  const taskQueue = `conversation-${randomUUID()}`;
  const conversationId = randomUUID();
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(async () => {
    const args: [ConversationInput] = [{ conversationId, accountId: 'acc', idleTimeoutMs: HOUR, maxEventsPerRun: 100, ...input }];
    const workflowId = conversationWorkflowId(conversationId);
    const runIds: string[] = [];
    for (const event of signals) {
      const signal = event.kind === 'inbound' ? inboundMessageSignal : replySentSignal;
      runIds.push((await env.client.workflow.signalWithStart(CONVERSATION_WORKFLOW, { taskQueue, workflowId, args, signal, signalArgs: [event] })).signaledRunId);
    }
    // result() follows continue-as-new to the last run.
    const result = (await env.client.workflow.getHandle(workflowId).result()) as ConversationResult;
    const firstRunStatus = (await env.client.workflow.getHandle(workflowId, runIds[0]).describe()).status.name;
    return { result, firstRunStatus };
  });
}

it('records, checks keywords and forwards each MO in order; a reply only shows in history; ends when idle', async () => {
  const calls: string[] = [];
  const { result, firstRunStatus } = await run(stubs({ a: { accountId: 'acc' }, b: { accountId: 'acc' } }, calls), [
    { kind: 'inbound', id: 'a' },
    { kind: 'reply', id: 'r' },
    { kind: 'inbound', id: 'b' },
  ]);
  expect(result).toEqual({ ended: 'idle', events: 3 });
  expect(calls).toEqual(['record a', 'keywords a', 'forward a', 'record b', 'keywords b', 'forward b']);
  expect(firstRunStatus).toBe('COMPLETED');
});

it('forwards an MO signalled twice once, and never one for a number nobody holds', async () => {
  const calls: string[] = [];
  const { result } = await run(stubs({ a: { accountId: 'acc' }, orphan: { accountId: null } }, calls), [
    { kind: 'inbound', id: 'a' },
    { kind: 'inbound', id: 'a' },
    { kind: 'inbound', id: 'orphan' },
  ]);
  expect(result.events).toBe(3);
  expect(calls).toEqual(['record a', 'keywords a', 'forward a', 'record a', 'record orphan']);
});

it('continues as new after maxEventsPerRun events, handing over the MOs not handled yet', async () => {
  const calls: string[] = [];
  const mos = Object.fromEntries(['m1', 'm2', 'm3', 'm4', 'm5'].map((id) => [id, { accountId: 'acc' }]));
  const { result, firstRunStatus } = await run(
    stubs(mos, calls),
    Object.keys(mos).map((id) => ({ kind: 'inbound' as const, id })),
    { maxEventsPerRun: 2 },
  );
  expect(calls.filter((c) => c.startsWith('forward'))).toEqual(['forward m1', 'forward m2', 'forward m3', 'forward m4', 'forward m5']);
  // 5 events, 2 per run: the last run handled one.
  expect(result).toEqual({ ended: 'idle', events: 1 });
  expect(firstRunStatus).toBe('CONTINUED_AS_NEW');
});
