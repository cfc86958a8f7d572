// Sending, reading and cancelling messages for the REST API. Accepting is the shared
// MessageIntake (the SMPP gateway uses the same), so both paths validate and count alike.
import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { batchWorkflowId, CancelMessageResult, DomainError, messageWorkflowId, NotFoundError, UnavailableError, ValidationError } from '@app/contracts';
import type { AuthenticatedKey } from '@app/db';
import { MessageEntity, MessageRepository } from '@app/db';
import { errorDefinition } from '@app/domain';
import { EgressPolicy } from '@app/egress';
import { MessageCancel, MessageIntake } from '@app/messaging';
import { firstProblem, inputProblem } from '../common/validation.pipe';
import { BatchAcceptedView, BatchItemView, BatchMessageDto, SendBatchDto } from './dto/send-batch.dto';
import { MAX_SCHEDULE_DAYS, SendMessageDto } from './dto/send-message.dto';
import { AcceptedMessageView, MessageView } from './dto/message.view';

/** A scheduled time, refused beyond the horizon; a past one sends now. */
function scheduledAt(sendAt: string | undefined): Date | null {
  if (sendAt === undefined) return null;
  const at = new Date(sendAt);
  if (at.getTime() > Date.now() + MAX_SCHEDULE_DAYS * 86_400_000) throw new ValidationError('invalid_field', `sendAt must be at most ${MAX_SCHEDULE_DAYS} days ahead`, 'sendAt');
  return at.getTime() > Date.now() ? at : null;
}

@Injectable()
export class MessagesService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly intake: MessageIntake,
    private readonly canceller: MessageCancel,
    private readonly egress: EgressPolicy,
  ) {}

  async send(auth: Pick<AuthenticatedKey, 'accountId' | 'smartEncoding' | 'limits'>, dto: SendMessageDto, idempotencyKey?: string): Promise<AcceptedMessageView> {
    const { sendAt, ...message } = dto;
    await this.checkCallbackUrl(message.statusCallbackUrl);
    // A single message asks for a page like a batch item: pages carry ~25 times the messages a
    // second that per-message workflows do on the bench machine, at ~0.2 s more to the carrier
    // (README, "Which shape carries a message"). OTP too, unless OTP_WORKFLOWS_PER_SECOND gives
    // it its own workflow (deliveryShape).
    return this.intake.accept({ ...message, sendAt: scheduledAt(sendAt), accountId: auth.accountId, smartEncoding: auth.smartEncoding, limits: auth.limits, idempotencyKey, delivery: 'batch' });
  }

  /** A callback URL must lead to a public address (or an operator-allowed host), checked at submit and again at each call. */
  private async checkCallbackUrl(url: string | undefined): Promise<void> {
    if (url === undefined) return;
    const checked = await this.egress.check(url);
    if (!checked.ok) throw new ValidationError('invalid_field', `statusCallbackUrl ${checked.reason}`, 'statusCallbackUrl');
  }

  /**
   * A batch rides pages: each item is validated and accepted on its own (its own
   * Idempotency-Key), and the items accepted together are written in one multi-row insert.
   * One bad item is answered with its error; the others go on. PostgreSQL unreachable answers
   * the whole request with 503 only when no item could be stored.
   */
  async sendBatch(auth: Pick<AuthenticatedKey, 'accountId' | 'smartEncoding' | 'limits'>, dto: SendBatchDto): Promise<BatchAcceptedView> {
    const results = await Promise.all(
      dto.messages.map(async (raw, index): Promise<BatchItemView> => {
        const field = (name?: string) => `messages[${index}]${name ? `.${name}` : ''}`;
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
          return { index, error: { code: 'invalid_field', message: `${field()} must be an object`, field: field() } };
        }
        const shape = inputProblem(BatchMessageDto, raw, field());
        if (shape) return { index, error: { code: shape.code, message: shape.message, field: shape.field } };
        const item = plainToInstance(BatchMessageDto, raw);
        const problem = firstProblem(await validate(item, { whitelist: true, forbidNonWhitelisted: true }));
        if (problem) {
          const code = problem.unknown ? 'unknown_field' : 'invalid_field';
          return { index, error: { code, message: problem.unknown ? `Unknown field "${problem.field}"` : problem.message, field: field(problem.field) } };
        }
        const { idempotencyKey, sendAt, ...message } = item;
        try {
          await this.checkCallbackUrl(message.statusCallbackUrl);
          const accepted = await this.intake.accept({ ...message, sendAt: scheduledAt(sendAt), accountId: auth.accountId, smartEncoding: auth.smartEncoding, limits: auth.limits, idempotencyKey, delivery: 'batch' });
          return { index, ...accepted };
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          return { index, error: { code: err.code, message: err.message, ...(err.field ? { field: field(err.field === 'Idempotency-Key' ? 'idempotencyKey' : err.field) } : {}) } };
        }
      }),
    );
    const accepted = results.filter((r) => r.id !== undefined).length;
    if (accepted === 0 && results.some((r) => r.error?.code === 'database_unavailable')) {
      throw new UnavailableError('database_unavailable', 'The messages could not be stored. Retry later.');
    }
    return { accepted, rejected: results.length - accepted, results };
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
      workflowId: message.delivery === 'batch' ? (message.batchId ? batchWorkflowId(message.batchId) : null) : messageWorkflowId(message.id),
      failureReason: message.failureReason,
      error: this.errorView(message),
      createdAt: message.createdAt.toISOString(),
      updatedAt: message.updatedAt.toISOString(),
      attemptHistory: attempts.map((a) => ({ attempt: a.attempt, carrierId: a.carrierId, carrierMessageId: a.carrierMessageId, status: a.status, error: a.error })),
      events: events.map((e) => ({ type: e.type, carrierId: e.carrierId, attempt: e.attempt, detail: e.detail, occurredAt: e.occurredAt.toISOString() })),
    };
  }
}
