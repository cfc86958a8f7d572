// Cancelling a message that has not been sent yet (SMPP cancel_sm, REST POST
// /v1/messages/:id/cancel). The workflow decides, through an update, so the answer is exact:
// a cancel it accepts means no submit will ever start; once a submit has started, the
// message can no longer be taken back from the carrier and the cancel is refused.
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { cancelMessageUpdate, CancelMessageResult, FINAL_STATUSES, messageWorkflowId, NotFoundError } from '@app/contracts';
import type { MessageRepository } from '@app/db';

export class MessageCancel {
  constructor(
    private readonly messages: Pick<MessageRepository, 'findForAccount' | 'cancelAccepted'>,
    private readonly temporal: Client,
  ) {}

  async cancel(accountId: string, id: string): Promise<CancelMessageResult> {
    const message = /^[0-9a-f-]{36}$/i.test(id) ? await this.messages.findForAccount(accountId, id) : null;
    if (!message) throw new NotFoundError('message_not_found', `No message ${id} in this account`);
    if (FINAL_STATUSES.includes(message.status)) return { cancelled: false, reason: `the message is already ${message.status}` };
    // Nothing started on it yet (no page took it, its workflow not started): taken back in PostgreSQL.
    if (message.status === 'accepted' && (await this.messages.cancelAccepted(id))) return { cancelled: true };
    // A paged message can be taken back only before a page takes it.
    if (message.delivery === 'batch') return { cancelled: false, reason: 'the message is being sent' };
    try {
      return await this.temporal.workflow.getHandle(messageWorkflowId(id)).executeUpdate(cancelMessageUpdate);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { cancelled: false, reason: 'the message is being queued; try again in a moment' };
      throw err;
    }
  }
}
