// Generic JSON-over-HTTP carrier connector, beside SMPP:
//   submit:  POST {url}/messages  { from, to, text, callbackUrl }  (Authorization: Bearer token)
//            → 2xx { messageId }; other answers are classified in http.errors.ts.
//   receipt: the carrier POSTs { messageId, status, errorCode? } to callbackUrl with the same
//            token (parsed in http.receipt-webhook.ts); handleWebhook() answers 200 only once
//            the receipt handler resolved (so it is stored), and 503 otherwise so the carrier
//            re-sends it.
//   inbound: the carrier POSTs { moId, from, to, text } to the worker's inbound webhook;
//            handleInboundWebhook() answers 200 once the MO is stored (a retry with the same
//            moId is stored once), 503 otherwise.
import type { CarrierConnector, ConnectorStatus, InboundMessage, InboundReceipt, OutboundSms } from '../carrier-connector';
import { httpStatusError, noMessageId, unavailable } from './http.errors';
import { bearerMatches, parseHttpInbound, parseHttpReceipt } from './http.receipt-webhook';

export interface HttpConnectorOptions {
  carrierId: string;
  /** Base URL of the carrier's API, e.g. https://api.carrier.example/v1 */
  url: string;
  token: string;
  /** Where the carrier sends receipts for this connector (the worker's webhook endpoint). */
  callbackUrl: string;
  /** Only https: a redirect is an error rather than followed (it could lead to plain http). */
  requireTls?: boolean;
  timeoutMs?: number;
}

export class HttpConnector implements CarrierConnector {
  readonly carrierId: string;
  private receiptHandler?: (receipt: InboundReceipt) => Promise<void>;
  private inboundHandler?: (message: InboundMessage) => Promise<void>;
  private lastError?: string;
  private since = new Date().toISOString();
  private outstanding = 0;
  private minIntervalMs = 0;
  private nextSendAt = 0;
  private closed = false;

  constructor(private readonly options: HttpConnectorOptions) {
    this.carrierId = options.carrierId;
  }

  start(): void {
    this.closed = false;
  }

  onReceipt(handler: (receipt: InboundReceipt) => Promise<void>): void {
    this.receiptHandler = handler;
  }

  onInbound(handler: (message: InboundMessage) => Promise<void>): void {
    this.inboundHandler = handler;
  }

  /** An HTTP carrier has no bind: it counts as bound unless its last request failed to connect. */
  status(): ConnectorStatus {
    return { carrierId: this.carrierId, state: this.closed ? 'closed' : this.lastError ? 'connecting' : 'bound', since: this.since, lastError: this.lastError, outstanding: this.outstanding, queued: 0 };
  }

  setMaxTps(maxTps: number | null): void {
    this.minIntervalMs = maxTps && maxTps > 0 ? 1000 / maxTps : 0;
  }

  async submit(sms: OutboundSms): Promise<{ carrierMessageId: string }> {
    if (this.closed) throw unavailable('connector closed');
    if (this.minIntervalMs > 0) {
      const at = Math.max(Date.now(), this.nextSendAt);
      this.nextSendAt = at + this.minIntervalMs;
      if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
    }
    this.outstanding += 1;
    let res: Response;
    try {
      res = await fetch(`${this.options.url.replace(/\/+$/, '')}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body: JSON.stringify({ from: sms.from, to: sms.to, text: sms.body, ...(sms.registeredDelivery ? { callbackUrl: this.options.callbackUrl } : {}) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        ...(this.options.requireTls ? { redirect: 'error' as const } : {}),
      });
    } catch (err) {
      this.setError(`carrier unreachable: ${(err as Error).message}`);
      throw unavailable(this.lastError!);
    } finally {
      this.outstanding -= 1;
    }
    this.setError(undefined);
    if (!res.ok) {
      await res.body?.cancel();
      throw httpStatusError(res.status);
    }
    const body = (await res.json().catch(() => ({}))) as { messageId?: unknown };
    if (typeof body.messageId !== 'string' || !body.messageId) throw noMessageId();
    return { carrierMessageId: body.messageId };
  }

  /** A receipt webhook from the carrier: returns the HTTP status to answer with. */
  async handleWebhook(authorization: string | undefined, body: unknown): Promise<number> {
    if (!bearerMatches(authorization, this.options.token)) return 401;
    const receipt = parseHttpReceipt(this.carrierId, body);
    if (!receipt) return 400;
    if (!this.receiptHandler) return 503;
    try {
      await this.receiptHandler(receipt);
      return 200;
    } catch {
      return 503;
    }
  }

  /** An inbound message (MO) webhook from the carrier: returns the HTTP status to answer with. */
  async handleInboundWebhook(authorization: string | undefined, body: unknown): Promise<number> {
    if (!bearerMatches(authorization, this.options.token)) return 401;
    const message = parseHttpInbound(this.carrierId, body);
    if (!message) return 400;
    if (!this.inboundHandler) return 503;
    try {
      await this.inboundHandler(message);
      return 200;
    } catch {
      return 503;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private setError(error: string | undefined): void {
    if ((error === undefined) !== (this.lastError === undefined)) this.since = new Date().toISOString();
    this.lastError = error;
  }
}
