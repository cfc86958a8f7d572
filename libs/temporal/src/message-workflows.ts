// Starting a message's workflow, shared by the API and the worker's reconciler so both use
// the same id, search attributes and duplicate policy.
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { messageWorkflowId, searchAttributes, SendMessageInput } from '@app/contracts';

export async function startSendMessage(client: Client, taskQueue: string, input: SendMessageInput): Promise<{ started: boolean }> {
  try {
    await client.workflow.start('sendMessage', {
      taskQueue,
      workflowId: messageWorkflowId(input.messageId),
      args: [input],
      // The id is derived from the message id: a second start for the same message is refused.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: searchAttributes.messageId, value: input.messageId },
        { key: searchAttributes.accountId, value: input.accountId },
        { key: searchAttributes.messageStatus, value: 'accepted' },
      ],
    });
    return { started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
    throw err;
  }
}
