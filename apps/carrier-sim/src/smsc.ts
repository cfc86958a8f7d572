// One simulated carrier: an SMPP 3.4 SMSC that answers submit_sm and sends delivery receipts
// (deliver_sm, esm_class 0x04) after a delay. Like a real SMSC it stores receipts while no
// receiver is bound and delivers them, in order, when one binds.
import { randomBytes } from 'node:crypto';
import { createServer, PDU, Server, Session } from 'smpp';
import type { Logger } from 'pino';
import { formatReceiptText, ReceiptStat, statToMessageState } from '@app/domain';
import { CarrierBehaviour, DEFAULT_BEHAVIOUR } from './behaviour';

export interface SimCarrierConfig {
  id: string;
  smppPort: number;
  systemId: string;
  password: string;
  behaviour?: Partial<CarrierBehaviour>;
}

export interface Submission {
  carrierMessageId: string | null;
  source: string;
  destination: string;
  text: string;
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
  receivedAt: number;
  outcome: string;
}

interface QueuedReceipt {
  pdu: Record<string, unknown>;
}

const E = { ROK: 0, RINVBNDSTS: 0x04, RINVPASWD: 0x0e, RINVSYSID: 0x0f, RBINDFAIL: 0x0d, RTHROTTLED: 0x58, RINVCMDID: 0x03 };
const MAX_SUBMISSIONS = 200_000;
const now = () => performance.timeOrigin + performance.now();

export class Smsc {
  behaviour: CarrierBehaviour;
  readonly submissions: Submission[] = [];
  readonly counters = { binds: 0, submits: 0, submitErrors: 0, receiptsSent: 0 };
  port = 0;
  private server?: Server;
  private readonly sessions = new Set<Session>();
  private readonly receivers = new Set<Session>();
  private readonly pendingReceipts: QueuedReceipt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private flushing = false;

  constructor(
    readonly config: SimCarrierConfig,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...config.behaviour };
  }

  get receiptsQueued(): number {
    return this.pendingReceipts.length;
  }

  async listen(host: string): Promise<void> {
    const server = createServer({}, (session) => this.onSession(session));
    server.on('error', (err: Error) => this.logger.error({ err: err.message }, 'SMPP server error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.smppPort, host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
  }

  setBehaviour(update: Partial<CarrierBehaviour>): void {
    this.behaviour = { ...this.behaviour, ...update };
    if (this.behaviour.down) for (const session of this.sessions) session.destroy();
  }

  reset(): void {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...this.config.behaviour };
    this.submissions.length = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private onSession(session: Session): void {
    this.sessions.add(session);
    let bound: 'none' | 'tx' | 'rx' | 'trx' = 'none';
    session.on('error', (err: Error) => {
      // A malformed PDU or a broken peer must not take the simulator down.
      this.logger.warn({ carrier: this.config.id, err: err.message }, 'session error; closing it');
      session.destroy();
    });
    session.on('close', () => {
      this.sessions.delete(session);
      this.receivers.delete(session);
    });
    const bind = (kind: 'tx' | 'rx' | 'trx') => (pdu: PDU) => {
      if (this.behaviour.down) {
        session.send(pdu.response({ command_status: E.RBINDFAIL }));
        session.close();
        return;
      }
      if (pdu.system_id !== this.config.systemId) return void session.send(pdu.response({ command_status: E.RINVSYSID }));
      if (pdu.password !== this.config.password) return void session.send(pdu.response({ command_status: E.RINVPASWD }));
      bound = kind;
      this.counters.binds += 1;
      session.send(pdu.response({ system_id: this.config.id }));
      if (kind !== 'tx') {
        this.receivers.add(session);
        this.flushReceipts();
      }
    };
    session.on('bind_transceiver', bind('trx'));
    session.on('bind_transmitter', bind('tx'));
    session.on('bind_receiver', bind('rx'));
    session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
    session.on('unbind', (pdu: PDU) => {
      session.send(pdu.response());
      this.receivers.delete(session);
      session.close();
    });
    session.on('submit_sm', (pdu: PDU) => {
      if (bound !== 'tx' && bound !== 'trx') return void session.send(pdu.response({ command_status: E.RINVBNDSTS }));
      this.onSubmit(session, pdu);
    });
    session.on('pdu', (pdu: PDU) => {
      const known = ['bind_transceiver', 'bind_transmitter', 'bind_receiver', 'enquire_link', 'unbind', 'submit_sm'];
      if (!pdu.isResponse() && !known.includes(pdu.command)) session.send(pdu.response({ command_status: E.RINVCMDID }));
    });
  }

  private onSubmit(session: Session, pdu: PDU): void {
    const b = this.behaviour;
    this.counters.submits += 1;
    const body = (pdu.message_payload as { message?: unknown } | undefined)?.message ?? (pdu.short_message as { message?: unknown } | undefined)?.message ?? '';
    const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('hex') : '';
    const record: Submission = {
      carrierMessageId: null,
      source: String(pdu.source_addr ?? ''),
      destination: String(pdu.destination_addr ?? ''),
      text,
      dataCoding: Number(pdu.data_coding ?? 0),
      esmClass: Number(pdu.esm_class ?? 0),
      registeredDelivery: Number(pdu.registered_delivery ?? 0),
      receivedAt: now(),
      outcome: 'accepted',
    };
    if (this.submissions.length >= MAX_SUBMISSIONS) this.submissions.shift();
    this.submissions.push(record);

    let status = E.ROK;
    if (this.random() < b.throttleRate) status = E.RTHROTTLED;
    else if (this.random() < b.submitErrorRate) status = b.submitErrorStatus;
    const respond = () => {
      if (status !== E.ROK) {
        this.counters.submitErrors += 1;
        record.outcome = `error 0x${status.toString(16)}`;
        session.send(pdu.response({ command_status: status }));
        return;
      }
      const id = randomBytes(8).toString('hex');
      record.carrierMessageId = id;
      session.send(pdu.response({ message_id: id }));
      if ((record.registeredDelivery & 0x01) === 1 && b.receiptsEnabled) {
        const stat = this.drawOutcome();
        record.outcome = stat;
        const submitDate = new Date();
        this.later(b.receiptDelayMs, () => this.queueReceipt(id, record, stat, submitDate));
      }
    };
    if (b.submitLatencyMs > 0) this.later(b.submitLatencyMs, respond);
    else respond();
  }

  private drawOutcome(): ReceiptStat {
    const r = this.random();
    const b = this.behaviour;
    if (r < b.undelivRate) return 'UNDELIV';
    if (r < b.undelivRate + b.rejectdRate) return 'REJECTD';
    if (r < b.undelivRate + b.rejectdRate + b.expiredRate) return 'EXPIRED';
    return 'DELIVRD';
  }

  private queueReceipt(id: string, record: Submission, stat: ReceiptStat, submitDate: Date): void {
    if (!this.behaviour.receiptsEnabled) return;
    const err = stat === 'DELIVRD' ? '000' : (this.behaviour.receiptErrorCode ?? (stat === 'UNDELIV' ? '032' : '000'));
    this.pendingReceipts.push({
      pdu: {
        source_addr: record.destination,
        destination_addr: record.source,
        esm_class: 0x04,
        data_coding: 0,
        short_message: formatReceiptText({ id, submitDate, doneDate: new Date(), stat, err, text: /^[\x20-\x7e]*$/.test(record.text) ? record.text : '' }),
        receipted_message_id: id,
        message_state: statToMessageState(stat),
      },
    });
    this.flushReceipts();
  }

  /** Sends queued receipts, in order, one at a time; on no receiver or a failed answer, keeps them. */
  private flushReceipts(): void {
    if (this.flushing) return;
    const receiver = [...this.receivers][0];
    const next = this.pendingReceipts[0];
    if (!receiver || !next) return;
    this.flushing = true;
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      this.flushing = false;
      if (ok) {
        this.pendingReceipts.shift();
        this.counters.receiptsSent += 1;
        this.flushReceipts();
      } else {
        // Retry later, as an SMSC would.
        this.later(1000, () => this.flushReceipts());
      }
    };
    this.later(5000, () => settle(false));
    const sent = receiver.send(new PDU('deliver_sm', next.pdu), (resp: PDU) => settle(resp.command_status === E.ROK));
    if (!sent) settle(false);
  }
}
