// deliverStatusCallback: POSTs one status change to the customer's statusCallbackUrl, retried
// with exponential backoff for up to a day, as its own workflow so a slow customer endpoint
// never delays the message and every try is visible in history.
import { proxyActivities } from '@temporalio/workflow';
import type { StatusCallbackInput } from '@app/contracts';
import type { MessageActivities } from '../activities/messages/message.activities';

const { postStatusCallback } = proxyActivities<MessageActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: ['CallbackRejected'] },
});
const { recordEvent } = proxyActivities<MessageActivities>({ startToCloseTimeout: '30s' });

export async function deliverStatusCallback(input: StatusCallbackInput): Promise<void> {
  try {
    const { httpStatus } = await postStatusCallback(input);
    await recordEvent({ messageId: input.messageId, type: 'callback_delivered', detail: { status: input.payload.status, httpStatus } });
  } catch (err) {
    const reason = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    await recordEvent({ messageId: input.messageId, type: 'callback_failed', detail: { status: input.payload.status, reason } });
  }
}
