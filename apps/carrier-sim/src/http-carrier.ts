// A simulated carrier with a JSON-over-HTTP API, beside the SMPP ones: POST /http/:id/messages
// (Bearer token) answers 202 { messageId }, and the delivery receipt is POSTed to the
// request's callbackUrl after `receiptDelayMs`, re-sent every second until it is acknowledged
// with a 2xx (store-and-forward, like the SMSCs). Inbound messages (MO) are POSTed the same way,
// { moId, from, to, text } with the token, to `inboundUrl` (the worker's inbound webhook).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { CarrierBehaviour, DEFAULT_BEHAVIOUR, drawReceipt } from './behaviour';
import type { Submission } from './smsc';

export interface HttpCarrierConfig {
  id: string;
  token: string;
  /** Where MOs go (the worker's `<CARRIER_WEBHOOK_URL>/carriers/<id>/inbound`). */
  inboundUrl?: string;
  behaviour?: Partial<CarrierBehaviour>;
}

/** How an HTTP carrier spells the receipt states. */
const HTTP_STATUS = { DELIVRD: 'delivered', UNDELIV: 'undelivered', REJECTD: 'rejected', EXPIRED: 'expired' } as const;
const now = () => performance.timeOrigin + performance.now();

export class HttpCarrier {
  behaviour: CarrierBehaviour;
  readonly submissions: Submission[] = [];
  readonly counters = { submits: 0, submitErrors: 0, receiptsSent: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending = 0;

  constructor(
    readonly config: HttpCarrierConfig,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...config.behaviour };
  }

  get receiptsQueued(): number {
    return this.pending;
  }

  authorized(header: string | undefined): boolean {
    const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
    const expected = Buffer.from(this.config.token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Returns the HTTP answer for a submit. */
  submit(input: Record<string, unknown>): { status: number; body: unknown } {
    this.counters.submits += 1;
    for (const field of ['to', 'from', 'text']) {
      if (typeof input[field] !== 'string' || !input[field]) return { status: 400, body: { error: { code: 'invalid_field', message: `${field} is required`, field } } };
    }
    const record: Submission = {
      carrierMessageId: null,
      source: String(input.from),
      destination: String(input.to),
      text: String(input.text),
      dataCoding: -1,
      esmClass: 0,
      registeredDelivery: typeof input.callbackUrl === 'string' ? 1 : 0,
      receivedAt: now(),
      outcome: 'accepted',
    };
    this.submissions.push(record);
    if (this.random() < this.behaviour.throttleRate) return this.fail(record, 429);
    if (this.random() < this.behaviour.submitErrorRate) return this.fail(record, 503);
    const messageId = randomBytes(8).toString('hex');
    record.carrierMessageId = messageId;
    if (typeof input.callbackUrl === 'string' && this.behaviour.receiptsEnabled) {
      const { stat, err } = drawReceipt(this.behaviour, this.random);
      record.outcome = stat;
      this.later(this.behaviour.receiptDelayMs, () => void this.sendReceipt(input.callbackUrl as string, { messageId, status: HTTP_STATUS[stat], errorCode: err }));
    }
    return { status: 202, body: { messageId } };
  }

  private fail(record: Submission, status: number): { status: number; body: unknown } {
    this.counters.submitErrors += 1;
    record.outcome = `HTTP ${status}`;
    return { status, body: { error: { code: status === 429 ? 'throttled' : 'unavailable', message: 'simulated failure' } } };
  }

  /** A handset's MO through this carrier: POSTed until acknowledged, like receipts; a given `moId` is kept (a carrier re-sending its MO). */
  sendInbound(message: { from: string; to: string; text: string; moId?: string }, url = this.config.inboundUrl): { moId: string } | { error: string } {
    if (!url) return { error: `carrier ${this.config.id} has no inboundUrl` };
    const moId = message.moId ?? `mo-${randomBytes(8).toString('hex')}`;
    void this.sendReceipt(url, { moId, from: message.from, to: message.to, text: message.text });
    return { moId };
  }

  private async sendReceipt(url: string, receipt: Record<string, unknown>, tries = 0): Promise<void> {
    if (tries === 0) this.pending += 1;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.config.token}` },
        body: JSON.stringify(receipt),
        signal: AbortSignal.timeout(5000),
      });
      await res.body?.cancel();
      if (res.ok) {
        this.pending -= 1;
        this.counters.receiptsSent += 1;
        return;
      }
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'receipt webhook failed; will retry');
    }
    if (tries >= 300) {
      this.pending -= 1;
      this.logger.error({ carrier: this.config.id, receipt }, 'receipt webhook gave up after 300 tries');
      return;
    }
    this.later(1000, () => void this.sendReceipt(url, receipt, tries + 1));
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  setBehaviour(update: Partial<CarrierBehaviour>): void {
    this.behaviour = { ...this.behaviour, ...update };
  }

  reset(): void {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...this.config.behaviour };
    this.submissions.length = 0;
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
