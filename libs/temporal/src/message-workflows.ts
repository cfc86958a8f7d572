// Starting the delivery engine's workflows (a message's own, and a page), shared by the
// worker's dispatcher and the tests so every start uses the same id, search attributes and
// duplicate policy.
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import {
  batchWorkflowId,
  messageWorkflowId,
  PRIORITY_KEYS,
  searchAttributes,
  SEND_BATCH_WORKFLOW,
  SendBatchInput,
  SendBatchResult,
  SendMessageInput,
  SendMessageResult,
  SendMessageStart,
} from '@app/contracts';

/** Starts, or finds already started: the id is derived from the data, so a second start is refused. */
async function startOnce(start: () => Promise<unknown>): Promise<{ started: boolean }> {
  try {
    await start();
    return { started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
    throw err;
  }
}

/** Its workflow tasks carry the message's priority too: an OTP's workflow runs ahead of a backlog. */
export function startSendMessage(client: Client, taskQueue: string, { priority, ...input }: SendMessageStart): Promise<{ started: boolean }> {
  return startOnce(() =>
    client.workflow.start<(input: SendMessageInput) => Promise<SendMessageResult>>('sendMessage', {
      taskQueue,
      workflowId: messageWorkflowId(input.messageId),
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      priority: { priorityKey: PRIORITY_KEYS[priority] },
      typedSearchAttributes: [
        { key: searchAttributes.messageId, value: input.messageId },
        { key: searchAttributes.accountId, value: input.accountId },
        { key: searchAttributes.messageStatus, value: 'accepted' },
      ],
    }),
  );
}

export function startSendBatch(client: Client, taskQueue: string, input: SendBatchInput): Promise<{ started: boolean }> {
  return startOnce(() =>
    client.workflow.start<(input: SendBatchInput) => Promise<SendBatchResult>>(SEND_BATCH_WORKFLOW, {
      taskQueue,
      workflowId: batchWorkflowId(input.batchId),
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [{ key: searchAttributes.pageAccountIds, value: input.accountIds }],
    }),
  );
}
