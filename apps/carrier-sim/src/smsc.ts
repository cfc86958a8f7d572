// One simulated carrier: an SMPP 3.4 SMSC that answers submit_sm and sends delivery receipts
// (deliver_sm, esm_class 0x04) after a delay. Like a real SMSC it stores receipts while no
// receiver is bound or the ESME refuses them, and delivers them, in order, when it can.
import { randomBytes } from 'node:crypto';
import { createServer, PDU, Server, Session } from 'smpp';
import type { Logger } from 'pino';
import { encodeSubmitParts, formatReceiptText, ReceiptStat, statToMessageState } from '@app/domain';
import {
  addressParams,
  coalesceWrites,
  ESME_RALYBND,
  ESME_RBINDFAIL,
  ESME_RINVBNDSTS,
  ESME_RINVCMDID,
  ESME_RINVPASWD,
  ESME_RINVSYSID,
  ESME_ROK,
  ESME_RTHROTTLED,
  NPI,
  SmppAddress,
  toSmppAddress,
  TON,
  userDataParams,
  userDataParamsBySize,
} from '@app/smpp';
import { CarrierBehaviour, DEFAULT_BEHAVIOUR, drawReceipt } from './behaviour';

export interface SimCarrierConfig {
  id: string;
  smppPort: number;
  systemId: string;
  password: string;
  /** SMPP over TLS on smppPort (with the simulator's certificate). */
  tls?: boolean;
  behaviour?: Partial<CarrierBehaviour>;
}

export interface Submission {
  carrierMessageId: string | null;
  source: string;
  destination: string;
  /** Decoded by data_coding (0/1 GSM 03.38, 3 Latin-1, 8 UCS-2); hex for codings the library does not decode. */
  text: string;
  /** User data header, hex, when esm_class has UDHI set (concatenated parts). */
  udh?: string;
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
  /** Epoch ms with sub-ms precision. */
  receivedAt: number;
  /** 'accepted', 'error 0x…' or the receipt stat drawn for it. */
  outcome: string;
}

interface QueuedReceipt {
  /** Queue order: a receipt put back after a failed attempt goes back to its place. */
  seq: number;
  pdu: Record<string, unknown>;
}

interface InFlight {
  receipt: QueuedReceipt;
  session: Session;
  timer?: NodeJS.Timeout;
}

const E = { ROK: ESME_ROK, RINVCMDID: ESME_RINVCMDID, RINVBNDSTS: ESME_RINVBNDSTS, RALYBND: ESME_RALYBND, RBINDFAIL: ESME_RBINDFAIL, RINVPASWD: ESME_RINVPASWD, RINVSYSID: ESME_RINVSYSID, RTHROTTLED: ESME_RTHROTTLED };
const MAX_SUBMISSIONS = 200_000;
/** deliver_sm sent before the first answer: a window as large SMSCs allow, so receipts keep up with bulk rates. */
const RECEIPT_WINDOW = 100;
const RECEIPT_ANSWER_TIMEOUT_MS = 5000;
/** Pause after the ESME refused a receipt (or did not answer) before trying again. */
const RECEIPT_RETRY_MS = 1000;
const KNOWN_COMMANDS = new Set(['bind_transceiver', 'bind_transmitter', 'bind_receiver', 'enquire_link', 'unbind', 'submit_sm']);
const now = () => performance.timeOrigin + performance.now();

export class Smsc {
  behaviour: CarrierBehaviour;
  readonly submissions: Submission[] = [];
  readonly counters = { binds: 0, submits: 0, submitErrors: 0, receiptsSent: 0 };
  port = 0;
  private server?: Server;
  private closed = false;
  private readonly sessions = new Set<Session>();
  /** Bound receivers/transceivers, in the order receipts go to them (a failing one moves last). */
  private readonly receivers = new Set<Session>();
  private readonly pendingReceipts: QueuedReceipt[] = [];
  private readonly inFlight = new Map<QueuedReceipt, InFlight>();
  private receiptSeq = 0;
  private inboundReference = 1;
  private retryTimer?: NodeJS.Timeout;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly config: SimCarrierConfig,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...config.behaviour };
  }

  /** Receipts not yet acknowledged by an ESME (waiting or in flight). */
  get receiptsQueued(): number {
    return this.pendingReceipts.length + this.inFlight.size;
  }

  async listen(host: string, tls?: { cert: Buffer; key: Buffer }): Promise<void> {
    const server = createServer(tls ? { cert: tls.cert, key: tls.key } : {}, (session) => this.onSession(session));
    server.on('error', (err: Error) => this.logger.error({ carrier: this.config.id, err: err.message }, 'SMPP server error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.smppPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
  }

  setBehaviour(update: Partial<CarrierBehaviour>): void {
    this.behaviour = { ...this.behaviour, ...update };
    if (this.behaviour.down) for (const session of this.sessions) session.destroy();
  }

  /** Back to the configured behaviour and an empty submissions record; queued receipts are kept. */
  reset(): void {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...this.config.behaviour };
    this.submissions.length = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private onSession(session: Session): void {
    this.sessions.add(session);
    coalesceWrites(session.socket);
    let bound: 'none' | 'tx' | 'rx' | 'trx' = 'none';
    session.on('error', (err: Error) => {
      // A malformed PDU or a broken peer must not take the simulator down. After a decoding
      // error the library stops reading that socket, so the session is of no further use.
      this.logger.warn({ carrier: this.config.id, err: err.message }, 'session error; closing it');
      session.destroy();
    });
    session.on('close', () => {
      this.sessions.delete(session);
      this.receivers.delete(session);
      // The library never calls response callbacks of a closed socket: take its receipts back.
      for (const entry of [...this.inFlight.values()]) if (entry.session === session) this.receiptFailed(entry, 'session closed', false);
    });
    const bind = (kind: 'tx' | 'rx' | 'trx') => (pdu: PDU) => {
      if (this.behaviour.down) {
        session.send(pdu.response({ command_status: E.RBINDFAIL }));
        session.close();
        return;
      }
      if (bound !== 'none') return void session.send(pdu.response({ command_status: E.RALYBND }));
      if (pdu.system_id !== this.config.systemId) return void session.send(pdu.response({ command_status: E.RINVSYSID }));
      if (pdu.password !== this.config.password) return void session.send(pdu.response({ command_status: E.RINVPASWD }));
      bound = kind;
      this.counters.binds += 1;
      this.logger.info({ carrier: this.config.id, kind }, 'ESME bound');
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
      // Unknown command ids come through as 'unknown' and get a generic_nack from response().
      if (!pdu.isResponse() && !KNOWN_COMMANDS.has(pdu.command)) session.send(pdu.response({ command_status: E.RINVCMDID }));
    });
  }

  private onSubmit(session: Session, pdu: PDU): void {
    const b = this.behaviour;
    this.counters.submits += 1;
    const payload = (pdu.message_payload ?? pdu.short_message) as { message?: unknown; udh?: Buffer[] } | Buffer | undefined;
    const body = Buffer.isBuffer(payload) ? payload : payload?.message;
    const record: Submission = {
      carrierMessageId: null,
      source: String(pdu.source_addr ?? ''),
      destination: String(pdu.destination_addr ?? ''),
      text: typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('hex') : '',
      dataCoding: Number(pdu.data_coding ?? 0),
      esmClass: Number(pdu.esm_class ?? 0),
      registeredDelivery: Number(pdu.registered_delivery ?? 0),
      receivedAt: now(),
      outcome: 'accepted',
    };
    const udh = Buffer.isBuffer(payload) ? undefined : payload?.udh;
    if (udh?.length) {
      // The library splits the header into its elements and drops the length octet: put it back.
      const elements = Buffer.concat(udh);
      record.udh = Buffer.concat([Buffer.from([elements.length]), elements]).toString('hex');
    }
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
      const laterPart = partNumber(pdu, udh) > 1 && b.multipartReceipts === 'first';
      if ((record.registeredDelivery & 0x01) === 1 && b.receiptsEnabled && !laterPart) {
        const { stat, err } = drawReceipt(this.behaviour, this.random);
        record.outcome = stat;
        const submitDate = new Date();
        this.later(b.receiptDelayMs, () => this.queueReceipt(id, record, stat, err, submitDate));
      }
    };
    if (b.submitLatencyMs > 0) this.later(b.submitLatencyMs, respond);
    else respond();
  }

  /**
   * A mobile-originated message from a handset to one of our numbers, delivered like receipts
   * (in order, kept while no receiver is bound). GSM-7 when it fits, else UCS-2. A text longer
   * than one SMS arrives as concatenated parts (`udh8` by default, as handsets send them; `sar`
   * TLVs, or whole in `message_payload`). `moId`, when given, rides in `receipted_message_id`
   * (some SMSCs identify MOs so); `parts` limits which part numbers are sent (a carrier re-sending one part).
   */
  sendInbound(message: { from: string; to: string; text: string; moId?: string; concatenation?: 'udh8' | 'sar' | 'payload'; parts?: number[] }): { parts: number } {
    const parts = encodeSubmitParts(message.text, message.concatenation ?? 'udh8', this.inboundReference++ & 0xffff);
    // Like a handset's network: E.164 as international, anything else with an unknown TON.
    const address = (value: string): SmppAddress => (value.startsWith('+') ? toSmppAddress(value) : { addr: value, ton: TON.unknown, npi: NPI.unknown });
    parts.forEach((part, i) => {
      if (message.parts && !message.parts.includes(i + 1)) return;
      this.pendingReceipts.push({
        seq: (this.receiptSeq += 1),
        pdu: {
          ...addressParams(address(message.from), address(message.to)),
          esm_class: part.esmClass,
          data_coding: part.dataCoding,
          ...(part.inPayload ? userDataParams(part.shortMessage, true) : userDataParamsBySize(part.shortMessage)),
          ...(part.sar ? { sar_msg_ref_num: part.sar.reference, sar_total_segments: part.sar.total, sar_segment_seqnum: part.sar.sequence } : {}),
          ...(message.moId ? { receipted_message_id: message.moId } : {}),
        },
      });
    });
    this.flushReceipts();
    return { parts: parts.length };
  }

  private queueReceipt(id: string, record: Submission, stat: ReceiptStat, err: string, submitDate: Date): void {
    if (!this.behaviour.receiptsEnabled) return;
    this.pendingReceipts.push({
      seq: (this.receiptSeq += 1),
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

  /** Sends queued receipts in order, up to RECEIPT_WINDOW unanswered, to the first bound receiver. */
  private flushReceipts(): void {
    while (!this.closed && !this.retryTimer && this.inFlight.size < RECEIPT_WINDOW && this.pendingReceipts.length > 0) {
      const receiver = this.receivers.values().next().value;
      if (!receiver) return;
      const receipt = this.pendingReceipts.shift()!;
      const entry: InFlight = { receipt, session: receiver };
      this.inFlight.set(receipt, entry);
      entry.timer = this.later(RECEIPT_ANSWER_TIMEOUT_MS, () => this.receiptFailed(entry, 'no answer in time', true));
      const sent = receiver.send(new PDU('deliver_sm', receipt.pdu), (resp: PDU) => {
        if (resp.command_status === E.ROK) this.receiptDone(entry);
        else this.receiptFailed(entry, `answered 0x${resp.command_status.toString(16)}`, true);
      });
      if (!sent) this.receiptFailed(entry, 'socket not writable', true);
    }
  }

  private receiptDone(entry: InFlight): void {
    if (!this.inFlight.delete(entry.receipt)) return; // already given up on and queued again
    this.cancel(entry.timer);
    this.counters.receiptsSent += 1;
    this.flushReceipts();
  }

  /** Puts the receipt back in its place in the queue; with backOff, pauses sending for a while. */
  private receiptFailed(entry: InFlight, reason: string, backOff: boolean): void {
    if (!this.inFlight.delete(entry.receipt)) return;
    this.cancel(entry.timer);
    const at = this.pendingReceipts.findIndex((r) => r.seq > entry.receipt.seq);
    this.pendingReceipts.splice(at === -1 ? this.pendingReceipts.length : at, 0, entry.receipt);
    if (this.closed) return;
    this.logger.debug({ carrier: this.config.id, receiptedMessageId: entry.receipt.pdu.receipted_message_id, reason }, 'receipt not delivered; kept for later');
    if (this.receivers.delete(entry.session)) this.receivers.add(entry.session);
    if (backOff && !this.retryTimer) {
      this.retryTimer = this.later(RECEIPT_RETRY_MS, () => {
        this.retryTimer = undefined;
        this.flushReceipts();
      });
    } else if (!backOff) {
      this.flushReceipts();
    }
  }
}

/** The part number of a concatenated submit (UDH IE 0x00/0x08 or the SAR TLV); 1 for a single message. */
function partNumber(pdu: PDU, udh: Buffer[] | undefined): number {
  if (pdu.sar_segment_seqnum !== undefined) return Number(pdu.sar_segment_seqnum);
  for (const element of udh ?? []) {
    if (element[0] === 0x00 && element.length >= 5) return element[4];
    if (element[0] === 0x08 && element.length >= 6) return element[5];
  }
  return 1;
}
