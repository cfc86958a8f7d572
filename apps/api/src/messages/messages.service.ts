// Sending, reading and cancelling messages for the REST API. Accepting is the shared
// MessageIntake (the SMPP gateway uses the same), so both paths validate and count alike.
import { Injectable } from '@nestjs/common';
import { CancelMessageResult, NotFoundError } from '@app/contracts';
import type { AuthenticatedKey } from '@app/db';
import { MessageEntity, MessageRepository } from '@app/db';
import { errorDefinition } from '@app/domain';
import { MessageCancel, MessageIntake } from '@app/messaging';
import { SendMessageDto } from './dto/send-message.dto';
import { AcceptedMessageView, MessageView } from './dto/message.view';

@Injectable()
export class MessagesService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly intake: MessageIntake,
    private readonly canceller: MessageCancel,
  ) {}

  send(auth: Pick<AuthenticatedKey, 'accountId' | 'smartEncoding'>, dto: SendMessageDto, idempotencyKey?: string): Promise<AcceptedMessageView> {
    return this.intake.accept({ ...dto, accountId: auth.accountId, smartEncoding: auth.smartEncoding, idempotencyKey });
  }

  cancel(accountId: string, id: string): Promise<CancelMessageResult> {
    return this.canceller.cancel(accountId, id);
  }

  private errorView(message: MessageEntity): MessageView['error'] {
    if (!message.failureCode) return null;
    const definition = errorDefinition(message.failureCode);
    return {
      code: message.failureCode,
      class: definition?.class ?? 'try_next_carrier',
      carrierCode: message.carrierErrorCode ?? '',
      remediation: definition?.remediation ?? '',
    };
  }

  async get(accountId: string, id: string): Promise<MessageView> {
    const message = /^[0-9a-f-]{36}$/i.test(id) ? await this.messages.findForAccount(accountId, id) : null;
    if (!message) throw new NotFoundError('message_not_found', `No message ${id} in this account`);
    const [events, attempts] = await Promise.all([this.messages.events(id), this.messages.attempts(id)]);
    return {
      id: message.id,
      status: message.status,
      to: message.to,
      from: message.from,
      body: message.body,
      encoding: message.encoding,
      segments: message.segments,
      carrierId: message.carrierId,
      priority: message.priority,
      channel: message.channel,
      routingVersion: message.routingVersion,
      routingRuleId: message.routingRuleId,
      attempts: message.attempts,
      failureReason: message.failureReason,
      error: this.errorView(message),
      createdAt: message.createdAt.toISOString(),
      updatedAt: message.updatedAt.toISOString(),
      attemptHistory: attempts.map((a) => ({ attempt: a.attempt, carrierId: a.carrierId, carrierMessageId: a.carrierMessageId, status: a.status, error: a.error })),
      events: events.map((e) => ({ type: e.type, carrierId: e.carrierId, attempt: e.attempt, detail: e.detail, occurredAt: e.occurredAt.toISOString() })),
    };
  }
}
