// Accepting and reading messages. A message row is written before its workflow starts; if
// the start fails the row is removed again, so there is never one without the other.
import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '@app/contracts';
import type { ApiConfig } from '@app/config';
import { MessageEntity, MessageRepository } from '@app/db';
import { analyzeText, errorDefinition, normalizeE164, normalizeSender } from '@app/domain';
import { startSendMessage } from '@app/temporal';
import { API_CONFIG, TEMPORAL_CLIENT } from '../tokens';
import { SendMessageDto } from './dto/send-message.dto';
import { AcceptedMessageView, MessageView } from './dto/message.view';

const MAX_IDEMPOTENCY_KEY = 255;

@Injectable()
export class MessagesService {
  private readonly logger = new Logger(MessagesService.name);

  constructor(
    private readonly messages: MessageRepository,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async send(accountId: string, dto: SendMessageDto, idempotencyKey?: string): Promise<AcceptedMessageView> {
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
      throw new ValidationError('invalid_idempotency_key', `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`, 'Idempotency-Key');
    }
    const to = normalizeE164(dto.to, 'to').e164;
    const from = normalizeSender(dto.from, 'from').value;
    const { encoding, segments } = analyzeText(dto.body);
    const priority = dto.priority ?? 'transactional';
    const requestHash = createHash('sha256').update(JSON.stringify([to, from, dto.body, dto.statusCallbackUrl ?? null, priority])).digest('hex');

    if (idempotencyKey) {
      const existing = await this.messages.findByIdempotencyKey(accountId, idempotencyKey);
      if (existing) return this.replay(existing, requestHash);
    }

    const id = randomUUID();
    const inserted = await this.messages.insertAccepted({
      id,
      accountId,
      to,
      from,
      body: dto.body,
      encoding,
      segments,
      statusCallbackUrl: dto.statusCallbackUrl ?? null,
      idempotencyKey: idempotencyKey ?? null,
      requestHash,
      priority,
    });
    if (!inserted) {
      // Another request with the same Idempotency-Key won the race.
      const existing = await this.messages.findByIdempotencyKey(accountId, idempotencyKey!);
      return this.replay(existing!, requestHash);
    }

    try {
      await startSendMessage(this.temporal, this.config.temporal.taskQueue, { messageId: id, accountId });
    } catch (err) {
      this.logger.error(`workflow start failed for message ${id}: ${(err as Error).message}`);
      await this.messages.deleteAccepted(id);
      throw new UnavailableError('temporal_unavailable', 'The message could not be queued; nothing was stored. Retry later.');
    }
    return { id, status: 'accepted', segments, encoding };
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

  private replay(existing: MessageEntity, requestHash: string): AcceptedMessageView {
    if (existing.requestHash !== requestHash) {
      throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with a different request', 'Idempotency-Key');
    }
    return { id: existing.id, status: existing.status, segments: existing.segments, encoding: existing.encoding };
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
