// SMPP 3.4 client connector for one carrier: bind_transceiver, enquire_link, reconnect with
// exponential backoff and jitter, a window of outstanding submit_sm, and delivery receipts
// acknowledged only after they were handled (so none is lost). GSM-7 text goes as
// data_coding 0 (GSM 03.38, one septet per octet), other text as UCS-2 (data_coding 8).
// A text longer than one segment travels whole in the message_payload TLV (SMPP 3.4 §5.3.2.32);
// the carrier segments it.
import { connect, PDU, Session } from 'smpp';
import type { Logger } from 'pino';
import { analyzeText, messageStateToStat, parseReceiptText } from '@app/domain';
import { BindState, CarrierConnector, ConnectorStatus, InboundMessage, InboundReceipt, OutboundSms } from '../carrier-connector';
import { commandStatusName, submitError, unavailable } from './smpp-errors';

export interface SmppConnectorOptions {
  carrierId: string;
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  window?: number;
  submitTimeoutMs?: number;
  enquireLinkMs?: number;
  reconnect?: { minMs: number; maxMs: number };
  logger?: Logger;
}

interface PendingSubmit {
  sms: OutboundSms;
  resolve: (value: { carrierMessageId: string }) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  inFlight: boolean;
}

const ESME_ROK = 0;
const ESME_RX_T_APPN = 0x64; // temporary application error: the SMSC retries the deliver_sm
const ESME_RX_P_APPN = 0x65; // permanent application error
const DELIVERY_RECEIPT = 0x04;

function address(value: string): { addr: string; ton: number; npi: number } {
  if (value.startsWith('+')) return { addr: value.slice(1), ton: 1, npi: 1 }; // international, E.164
  if (/^\d+$/.test(value)) return { addr: value, ton: 3, npi: 0 }; // short code: network specific
  return { addr: value, ton: 5, npi: 0 }; // alphanumeric
}

export class SmppConnector implements CarrierConnector {
  readonly carrierId: string;
  private session?: Session;
  private state: BindState = 'closed';
  private since = new Date().toISOString();
  private lastError?: string;
  private readonly queue: PendingSubmit[] = [];
  private readonly inFlight = new Set<PendingSubmit>();
  private receiptHandler?: (receipt: InboundReceipt) => Promise<void>;
  private inboundHandler?: (message: InboundMessage) => Promise<void>;
  private reconnectAttempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private enquireTimer?: NodeJS.Timeout;
  private closing = false;
  private readonly window: number;
  private readonly submitTimeoutMs: number;
  private readonly enquireLinkMs: number;
  private readonly backoff: { minMs: number; maxMs: number };

  constructor(private readonly options: SmppConnectorOptions) {
    this.carrierId = options.carrierId;
    this.window = options.window ?? 10;
    this.submitTimeoutMs = options.submitTimeoutMs ?? 10_000;
    this.enquireLinkMs = options.enquireLinkMs ?? 30_000;
    this.backoff = options.reconnect ?? { minMs: 500, maxMs: 30_000 };
  }

  start(): void {
    this.closing = false;
    this.connect();
  }

  onReceipt(handler: (receipt: InboundReceipt) => Promise<void>): void {
    this.receiptHandler = handler;
  }

  onInbound(handler: (message: InboundMessage) => Promise<void>): void {
    this.inboundHandler = handler;
  }

  status(): ConnectorStatus {
    return { carrierId: this.carrierId, state: this.state, since: this.since, lastError: this.lastError, outstanding: this.inFlight.size, queued: this.queue.length };
  }

  submit(sms: OutboundSms): Promise<{ carrierMessageId: string }> {
    if (this.closing) return Promise.reject(unavailable(`connector for ${this.carrierId} is closed`));
    return new Promise((resolve, reject) => {
      const pending: PendingSubmit = {
        sms,
        resolve,
        reject,
        inFlight: false,
        timer: setTimeout(() => {
          this.forget(pending);
          const where = pending.inFlight ? 'no submit_sm_resp' : `not bound (${this.state})`;
          reject(unavailable(`${where} within ${this.submitTimeoutMs} ms`));
        }, this.submitTimeoutMs),
      };
      this.queue.push(pending);
      this.drain();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.enquireTimer);
    for (const pending of [...this.queue, ...this.inFlight]) this.fail(pending, unavailable('connector closing'));
    const session = this.session;
    this.session = undefined;
    if (session) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          session.destroy();
          resolve();
        };
        const timer = setTimeout(done, 2000);
        if (this.state === 'bound') {
          (session.unbind as (cb: () => void) => void)(done);
        } else done();
      });
    }
    this.setState('closed');
  }

  private setState(state: BindState, error?: string): void {
    if (error) this.lastError = error;
    if (state === this.state) return;
    this.state = state;
    this.since = new Date().toISOString();
  }

  private connect(): void {
    if (this.closing) return;
    this.setState('connecting');
    const session = connect({ host: this.options.host, port: this.options.port });
    this.session = session;
    session.on('connect', () => {
      (session.bind_transceiver as (p: Record<string, unknown>, cb: (pdu: PDU) => void) => void)(
        { system_id: this.options.systemId, password: this.options.password, system_type: this.options.systemType ?? '', interface_version: 0x34 },
        (pdu) => {
          if (pdu.command_status !== ESME_ROK) {
            this.setState('down', `bind refused: ${commandStatusName(pdu.command_status)}`);
            this.options.logger?.warn({ status: commandStatusName(pdu.command_status) }, 'bind refused');
            session.destroy();
            return;
          }
          this.reconnectAttempt = 0;
          this.lastError = undefined;
          this.setState('bound');
          this.options.logger?.info('bound');
          this.startEnquireLink(session);
          this.drain();
        },
      );
    });
    session.on('error', (err: Error) => {
      this.lastError = err.message;
    });
    session.on('close', () => this.onDisconnect(session));
    session.on('deliver_sm', (pdu: PDU) => void this.onDeliver(session, pdu));
    session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
    session.on('unbind', (pdu: PDU) => {
      session.send(pdu.response());
      session.close();
    });
  }

  private startEnquireLink(session: Session): void {
    clearInterval(this.enquireTimer);
    this.enquireTimer = setInterval(() => {
      let answered = false;
      (session.enquire_link as (p: Record<string, unknown>, cb: () => void) => void)({}, () => {
        answered = true;
      });
      // No answer within half a period: the link is dead even if TCP has not noticed.
      setTimeout(() => {
        if (!answered && this.session === session) {
          this.lastError = 'enquire_link not answered';
          session.destroy();
        }
      }, this.enquireLinkMs / 2).unref();
    }, this.enquireLinkMs);
  }

  private onDisconnect(session: Session): void {
    if (this.session !== session) return;
    this.session = undefined;
    clearInterval(this.enquireTimer);
    for (const pending of [...this.inFlight]) this.fail(pending, unavailable('connection to the carrier lost before submit_sm_resp'));
    if (this.closing) return;
    this.setState('down', this.lastError ?? 'connection closed');
    const base = Math.min(this.backoff.maxMs, this.backoff.minMs * 2 ** this.reconnectAttempt);
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.reconnectAttempt += 1;
    this.options.logger?.warn({ lastError: this.lastError, retryInMs: delay }, 'carrier connection down');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private drain(): void {
    const session = this.session;
    while (session && this.state === 'bound' && this.inFlight.size < this.window && this.queue.length > 0) {
      const pending = this.queue.shift()!;
      pending.inFlight = true;
      this.inFlight.add(pending);
      const { sms } = pending;
      const source = address(sms.from);
      const destination = address(sms.to);
      const { encoding, segments } = analyzeText(sms.body);
      const text = { message: sms.body };
      const sent = session.send(
        new PDU('submit_sm', {
          source_addr: source.addr,
          source_addr_ton: source.ton,
          source_addr_npi: source.npi,
          destination_addr: destination.addr,
          dest_addr_ton: destination.ton,
          dest_addr_npi: destination.npi,
          registered_delivery: sms.registeredDelivery ? 1 : 0,
          data_coding: encoding === 'GSM-7' ? 0x00 : 0x08,
          ...(segments > 1 ? { message_payload: text } : { short_message: text }),
        }),
        (resp: PDU) => {
          if (!this.inFlight.has(pending)) return; // timed out already
          this.forget(pending);
          if (resp.command_status === ESME_ROK) pending.resolve({ carrierMessageId: String(resp.message_id) });
          else pending.reject(submitError(resp.command_status));
          this.drain();
        },
      );
      if (!sent) this.fail(pending, unavailable('socket not writable'));
    }
  }

  private forget(pending: PendingSubmit): void {
    clearTimeout(pending.timer);
    this.inFlight.delete(pending);
    const i = this.queue.indexOf(pending);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private fail(pending: PendingSubmit, err: Error): void {
    this.forget(pending);
    pending.reject(err);
  }

  private async onDeliver(session: Session, pdu: PDU): Promise<void> {
    // message_payload, when present, carries the text and short_message is empty (SMPP 3.4 §5.3.2.32).
    const payload = (pdu.message_payload as { message?: unknown } | undefined)?.message ?? (pdu.short_message as { message?: unknown } | undefined)?.message;
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('latin1') : '';
    const answer = (status: number) => session.send(pdu.response({ command_status: status }));
    try {
      if (((pdu.esm_class as number) & 0x3c) === DELIVERY_RECEIPT) {
        const parsed = parseReceiptText(text);
        const carrierMessageId = (pdu.receipted_message_id as string | undefined) || parsed?.id;
        const state = (typeof pdu.message_state === 'number' ? messageStateToStat(pdu.message_state) : undefined) ?? parsed?.stat;
        if (!carrierMessageId || !state) {
          // Kept at the carrier (not acknowledged as success) and logged in full for an operator.
          this.options.logger?.error({ rawText: text }, 'unparseable delivery receipt refused');
          answer(ESME_RX_P_APPN);
          return;
        }
        if (!this.receiptHandler) throw new Error('no receipt handler');
        await this.receiptHandler({ carrierId: this.carrierId, carrierMessageId, state, errorCode: parsed?.err ?? '000', rawText: text });
      } else {
        if (!this.inboundHandler) throw new Error('no inbound message handler');
        await this.inboundHandler({ carrierId: this.carrierId, from: String(pdu.source_addr), to: String(pdu.destination_addr), body: text });
      }
      answer(ESME_ROK);
    } catch (err) {
      this.options.logger?.warn({ err: (err as Error).message }, 'deliver_sm not handled; asked the carrier to retry');
      answer(ESME_RX_T_APPN);
    }
  }
}
