// Accepting a message, whoever sends it: the REST API (single and batch) and the SMPP gateway
// all come here, so validation, smart encoding, segment counting, idempotency and the choice of
// shape are one piece of code. Accept at commit: the answer is given once PostgreSQL has the
// message and its start intent (one transaction); the worker's dispatcher starts its workflow
// or page from there, so Temporal being slow or down delays sending, never accepting. Limits
// and fraud rules (IntakeLimits) and the sender rules (SenderRules: a `from` the account holds,
// or a number of one of its sender pools) apply here too, so both channels refuse alike.
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, MessageEncoding, MessagePriority, MessageStatus, UnavailableError, ValidationError } from '@app/contracts';
import { MessageEntity, MessageRepository, NewMessage } from '@app/db';
import { AccountLimits, analyzeText, normalizeE164, otpSecondCounter, smartEncode } from '@app/domain';
import type { IntakeLimits } from './intake-limits';
import type { SenderRules } from './sender-rules';
import { errorText } from '@app/logging';

export const MAX_BODY_LENGTH = 1600;
export const MAX_IDEMPOTENCY_KEY = 255;

export interface IntakeRequest {
  accountId: string;
  to: string;
  /** The sender; or give `senderPool`, and the pool's number for this subscriber is used. */
  from?: string;
  senderPool?: string;
  body: string;
  priority?: MessagePriority;
  statusCallbackUrl?: string | null;
  idempotencyKey?: string;
  /** The account's smart-encoding setting: look-alike Unicode becomes GSM-7 before counting. */
  smartEncoding?: boolean;
  /** The account's limits when the caller has them already (REST reads them with the key). */
  limits?: AccountLimits;
  /** Preassigned id: a multipart SMPP submit has answered every part with it already. */
  id?: string;
  /** Set for messages from a customer's SMPP bind: who sent it and whether a receipt is wanted. */
  smpp?: { systemId: string; registeredDelivery: number };
  /** Not submitted before this time. */
  sendAt?: Date | null;
  /**
   * The shape the channel asks for: 'batch' (a page: REST batches, bulk SMPP binds) or
   * 'workflow' (its own). `deliveryShape` has the last word.
   */
  delivery?: Delivery;
  /** Sent even if the recipient opted out, for this reason (a keyword's confirmation); the exemption is recorded. */
  optOutExempt?: string;
}

export type Delivery = 'workflow' | 'batch';

/**
 * Which shape carries a message: the one place this is decided (README, "Which shape carries a
 * message"). An OTP gets its own sendMessage workflow (the shortest path to the carrier) while
 * the deployment's OTP this second are within `otpWorkflowsPerSecond` (OTP_WORKFLOWS_PER_SECOND,
 * 0 by default: on the bench machine, 10 own workflows a second beside 100 accepts a second
 * kept the accept p99 over 100 ms); otherwise it rides a page, which takes OTP first. Every
 * other message rides the shape its channel asks for: REST singles and batch items and bulk
 * SMPP binds ask for pages. (A paged message whose SMS carriers all failed and whose route
 * ends in a voice call leaves its page for the call: activities/batches.)
 */
export function deliveryShape(message: { priority: MessagePriority; requested: Delivery; otpThisSecond?: number }, otpWorkflowsPerSecond: number): Delivery {
  if (message.priority !== 'otp') return message.requested;
  return (message.otpThisSecond ?? 1) <= otpWorkflowsPerSecond ? 'workflow' : 'batch';
}

/** How long the first bulk message of a group waits for others before they are written together. */
const BULK_FLUSH_MS = 2;
const BULK_MAX_ROWS = 500;

export interface AcceptedMessage {
  id: string;
  status: MessageStatus;
  segments: number;
  encoding: MessageEncoding;
}

export interface IntakeOptions {
  /** OTP_WORKFLOWS_PER_SECOND: OTP messages a second, across replicas, given their own workflow (`deliveryShape`). */
  otpWorkflowsPerSecond: number;
}

export interface IntakeLogger {
  error(message: string): void;
}

export class MessageIntake {
  private bulk: { rows: NewMessage[]; done: { resolve: (inserted: boolean) => void; reject: (err: unknown) => void }[] } | null = null;

  constructor(
    private readonly messages: MessageRepository,
    private readonly logger: IntakeLogger,
    private readonly limits: IntakeLimits,
    private readonly senders: SenderRules,
    private readonly options: IntakeOptions,
  ) {}

  async accept(request: IntakeRequest): Promise<AcceptedMessage> {
    const { idempotencyKey } = request;
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY || idempotencyKey.includes('\u0000'))) {
      throw new ValidationError('invalid_idempotency_key', `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters, without NUL`, 'Idempotency-Key');
    }
    const number = normalizeE164(request.to, 'to');
    const to = number.e164;
    if (request.body.length === 0) throw new ValidationError('invalid_body', 'body must not be empty', 'body');
    // No handset shows a NUL, and PostgreSQL text cannot hold one: refused here, alone, rather
    // than failing the multi-row insert it would share with other customers' messages.
    if (request.body.includes('\u0000')) throw new ValidationError('invalid_body', 'body must not contain NUL (U+0000) characters', 'body');
    const body = request.smartEncoding ? smartEncode(request.body) : request.body;
    if (body.length > MAX_BODY_LENGTH) throw new ValidationError('invalid_body', `body must be at most ${MAX_BODY_LENGTH} characters`, 'body');
    const { encoding, segments } = analyzeText(body);
    const priority = request.priority ?? 'transactional';
    const limits = await this.limits.limitsOf(request.accountId, request.limits);
    this.limits.check(limits, priority, number);
    const from = await this.senders.resolve(request.accountId, { from: request.from, senderPool: request.senderPool }, number);
    // A pool's request is the same request whichever number the pool gives.
    const requestHash = createHash('sha256')
      .update(JSON.stringify([to, request.senderPool === undefined ? from : { senderPool: request.senderPool }, request.body, request.statusCallbackUrl ?? null, priority]))
      .digest('hex');

    if (idempotencyKey) {
      const existing = await this.messages.findByIdempotencyKey(request.accountId, idempotencyKey);
      if (existing) return this.replay(existing, requestHash);
    }
    // A replay above is free; anything new counts against the quota and velocity limits (and,
    // an OTP, in the deployment's OTP of this second, which decide its shape).
    const counted = priority === 'otp' && this.options.otpWorkflowsPerSecond > 0;
    const otpThisSecond = await this.limits.consume(request.accountId, to, limits, counted ? otpSecondCounter : undefined);

    const id = request.id ?? randomUUID();
    const statusCallbackUrl = request.statusCallbackUrl ?? null;
    const row: NewMessage = {
      id,
      accountId: request.accountId,
      to,
      from,
      body,
      encoding,
      segments,
      statusCallbackUrl,
      idempotencyKey: idempotencyKey ?? null,
      requestHash,
      priority,
      source: request.smpp ? 'smpp' : 'api',
      smppSystemId: request.smpp?.systemId ?? null,
      registeredDelivery: request.smpp?.registeredDelivery ?? 0,
      sendAt: request.sendAt ?? null,
      delivery: deliveryShape({ priority, requested: request.delivery ?? 'workflow', otpThisSecond }, this.options.otpWorkflowsPerSecond),
      optOutExempt: request.optOutExempt ?? null,
      // Known from the number already: a page routes by it without parsing the number again.
      country: number.country ?? null,
    };
    const inserted = row.delivery === 'batch' ? await this.insertBulk(row) : await this.insertOne(row);
    if (!inserted) {
      // Another request with the same Idempotency-Key won the race.
      const existing = await this.messages.findByIdempotencyKey(request.accountId, idempotencyKey!);
      return this.replay(existing!, requestHash);
    }
    return { id, status: 'accepted', segments, encoding };
  }

  private async insertOne(row: NewMessage): Promise<boolean> {
    try {
      return await this.messages.insertAccepted(row);
    } catch (err) {
      this.logger.error(`insert of message ${row.id} failed: ${errorText(err)}`);
      throw new UnavailableError('database_unavailable', 'The message could not be stored. Retry later.');
    }
  }

  /**
   * Resolves once the row is committed (with the others written in the same transaction):
   * false when its Idempotency-Key was taken already.
   */
  private insertBulk(row: NewMessage): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (!this.bulk) {
        const group = { rows: [] as NewMessage[], done: [] as { resolve: (inserted: boolean) => void; reject: (err: unknown) => void }[] };
        this.bulk = group;
        setTimeout(() => this.flushBulk(group), BULK_FLUSH_MS);
      }
      const group = this.bulk;
      group.rows.push(row);
      group.done.push({ resolve, reject });
      if (group.rows.length >= BULK_MAX_ROWS) this.flushBulk(group);
    });
  }

  private flushBulk(group: NonNullable<MessageIntake['bulk']>): void {
    if (this.bulk === group) this.bulk = null;
    if (group.rows.length === 0) return;
    const { rows, done } = group;
    group.rows = [];
    group.done = [];
    this.messages.insertAcceptedMany(rows).then(
      (inserted) => done.forEach((d, i) => d.resolve(inserted.has(rows[i].id))),
      (err: unknown) => {
        this.logger.error(`bulk insert of ${rows.length} messages failed (${errorText(err)}); inserting them one by one`);
        // One row's fault must not refuse the others (they may be other customers'): each on its own.
        rows.forEach((row, i) =>
          this.messages.insertAcceptedMany([row]).then(
            (inserted) => done[i].resolve(inserted.has(row.id)),
            (rowErr: unknown) => {
              this.logger.error(`insert of message ${row.id} failed: ${errorText(rowErr)}`);
              done[i].reject(new UnavailableError('database_unavailable', 'The message could not be stored. Retry later.'));
            },
          ),
        );
      },
    );
  }

  private replay(existing: MessageEntity, requestHash: string): AcceptedMessage {
    if (existing.requestHash !== requestHash) {
      throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with a different request', 'Idempotency-Key');
    }
    return { id: existing.id, status: existing.status, segments: existing.segments, encoding: existing.encoding };
  }
}
