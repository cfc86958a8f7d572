// Accepting a message, whoever sends it: the REST API and the SMPP gateway both come here, so
// validation, smart encoding, segment counting, idempotency and the workflow start are one
// piece of code. A message row is written before its workflow starts; if the start fails the
// row is removed again, so there is never one without the other.
import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { ConflictError, MessageEncoding, MessagePriority, MessageStatus, UnavailableError, ValidationError } from '@app/contracts';
import { MessageEntity, MessageRepository } from '@app/db';
import { analyzeText, normalizeE164, normalizeSender, smartEncode } from '@app/domain';
import { startSendMessage } from '@app/temporal';

export const MAX_BODY_LENGTH = 1600;
export const MAX_IDEMPOTENCY_KEY = 255;

export interface IntakeRequest {
  accountId: string;
  to: string;
  from: string;
  body: string;
  priority?: MessagePriority;
  statusCallbackUrl?: string | null;
  idempotencyKey?: string;
  /** The account's smart-encoding setting: look-alike Unicode becomes GSM-7 before counting. */
  smartEncoding?: boolean;
  /** Preassigned id: a multipart SMPP submit has answered every part with it already. */
  id?: string;
  /** Set for messages from a customer's SMPP bind: who sent it and whether a receipt is wanted. */
  smpp?: { systemId: string; registeredDelivery: number };
  /** Not submitted before this time. */
  sendAt?: Date | null;
}

export interface AcceptedMessage {
  id: string;
  status: MessageStatus;
  segments: number;
  encoding: MessageEncoding;
}

export interface IntakeLogger {
  error(message: string): void;
}

export class MessageIntake {
  constructor(
    private readonly messages: MessageRepository,
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly logger: IntakeLogger,
  ) {}

  async accept(request: IntakeRequest): Promise<AcceptedMessage> {
    const { idempotencyKey } = request;
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
      throw new ValidationError('invalid_idempotency_key', `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`, 'Idempotency-Key');
    }
    const to = normalizeE164(request.to, 'to').e164;
    const from = normalizeSender(request.from, 'from').value;
    if (request.body.length === 0) throw new ValidationError('invalid_body', 'body must not be empty', 'body');
    const body = request.smartEncoding ? smartEncode(request.body) : request.body;
    if (body.length > MAX_BODY_LENGTH) throw new ValidationError('invalid_body', `body must be at most ${MAX_BODY_LENGTH} characters`, 'body');
    const { encoding, segments } = analyzeText(body);
    const priority = request.priority ?? 'transactional';
    const requestHash = createHash('sha256')
      .update(JSON.stringify([to, from, request.body, request.statusCallbackUrl ?? null, priority]))
      .digest('hex');

    if (idempotencyKey) {
      const existing = await this.messages.findByIdempotencyKey(request.accountId, idempotencyKey);
      if (existing) return this.replay(existing, requestHash);
    }

    const id = request.id ?? randomUUID();
    const inserted = await this.messages.insertAccepted({
      id,
      accountId: request.accountId,
      to,
      from,
      body,
      encoding,
      segments,
      statusCallbackUrl: request.statusCallbackUrl ?? null,
      idempotencyKey: idempotencyKey ?? null,
      requestHash,
      priority,
      source: request.smpp ? 'smpp' : 'api',
      smppSystemId: request.smpp?.systemId ?? null,
      registeredDelivery: request.smpp?.registeredDelivery ?? 0,
      sendAt: request.sendAt ?? null,
    });
    if (!inserted) {
      // Another request with the same Idempotency-Key won the race.
      const existing = await this.messages.findByIdempotencyKey(request.accountId, idempotencyKey!);
      return this.replay(existing!, requestHash);
    }

    try {
      await startSendMessage(this.temporal, this.taskQueue, { messageId: id, accountId: request.accountId });
    } catch (err) {
      this.logger.error(`workflow start failed for message ${id}: ${(err as Error).message}`);
      await this.messages.deleteAccepted(id);
      throw new UnavailableError('temporal_unavailable', 'The message could not be queued; nothing was stored. Retry later.');
    }
    return { id, status: 'accepted', segments, encoding };
  }

  private replay(existing: MessageEntity, requestHash: string): AcceptedMessage {
    if (existing.requestHash !== requestHash) {
      throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with a different request', 'Idempotency-Key');
    }
    return { id: existing.id, status: existing.status, segments: existing.segments, encoding: existing.encoding };
  }
}
