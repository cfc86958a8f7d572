// SMPP 3.4 client connector for one carrier (an ESME bound as transceiver).
//
// Link: bind_transceiver, then enquire_link every `enquireLinkMs`; an enquire_link still
// unanswered at the next tick, a bind not done within `bindTimeoutMs`, a socket error or a
// close drops the link, and the connector reconnects with exponential backoff and jitter until
// close(). status().state is 'bound', 'connecting' (an attempt is under way or the last one
// failed on the network), 'down' (the carrier refused the last bind: credentials or policy,
// see lastError) or 'closed' (not started, or closed).
//
// Submits: at most `window` submit_sm await their submit_sm_resp; the rest wait in a FIFO.
// Every submit has one deadline, `submitTimeoutMs` from the call, covering the wait for a bind,
// for a window slot and for the carrier's answer; past it the submit fails as `unavailable`.
// A submit that timed out after it was sent keeps its window slot until the carrier answers
// (a late answer is logged with both ids, as the carrier may have taken the message), the link
// drops, or another `submitTimeoutMs` passes. A lost link fails every sent submit as
// `unavailable`; queued ones wait for the next bind.
//
// Text: a body that analyzeText calls GSM-7 goes as data_coding 0 in GSM 03.38, one unpacked
// septet per octet (the escape and its code for extension characters such as € [ ] { }),
// encoded here with toGsm7Septets: the same table that counted the segments. Any other body
// goes as UCS-2 (UTF-16BE, data_coding 8; characters outside the BMP as surrogate pairs).
// A body of more than one segment is split here (libs/domain smpp-user-data, never inside an
// escape sequence or a surrogate pair) into one submit_sm per part, concatenated by a UDH with
// an 8-bit (default) or 16-bit reference or by SAR TLVs, as the carrier's `concatenation`
// setting says; or, with `payload`, sent whole in message_payload (SMPP 3.4 §5.3.2.32) for the
// carrier to split. submit() resolves when every part is accepted, with every part's id: the
// message workflow waits for the parts' receipts (or the first part's, `multipartReceipts`).
//
// deliver_sm: esm_class & 0x3C == 0x04 is a delivery receipt, anything else a mobile-originated
// message (a part of a concatenated one is handed on with its UDH/SAR reference, joined by the
// inbound store; `receipted_message_id`, when a carrier sets it on an MO, is its MO id). Its handler is awaited, then the deliver_sm is acknowledged with ESME_ROK. If no
// handler is registered, the handler throws or the connector is closing, the answer is
// ESME_RX_T_APPN (temporary) so the carrier delivers it again: nothing is acknowledged unhandled.
// A receipt without a message id or state (no receipted_message_id/message_state TLV and a text
// that does not parse) is answered ESME_RX_P_APPN (permanent): redelivering the same bytes
// cannot succeed and would loop; it is logged at error level with its raw text (the `text:`
// field masked: it can echo the start of the message), and the message it belonged to ends in
// its receipt timeout and failover, as if the receipt had been lost.
import { commands, connect, PDU, Session } from 'smpp';
import { pino, type Logger } from 'pino';
import { randomInt } from 'node:crypto';
import { encodeSubmitParts, messageStateToStat, parseReceiptText, SubmitPart } from '@app/domain';
import type { BindState, CarrierConnector, ConnectorStatus, InboundMessage, InboundReceipt, OutboundSms, SubmitAccepted } from '../carrier-connector';
import type { CarrierSubmitError } from '../carrier-submit-error';
import {
  addressParams,
  coalesceWrites,
  commandStatusName,
  e164IfInternational,
  ESME_RINVCMDID,
  ESME_RMSGQFUL,
  ESME_ROK,
  ESME_RTHROTTLED,
  ESME_RX_P_APPN,
  ESME_RX_T_APPN,
  toSmppAddress,
  userDataParams,
} from '@app/smpp';
import { statusNeedsRebind, submitStatusError, unavailable, unsendable } from './smpp.errors';
import type { SmppConcatenation } from './smpp.settings';

export interface SmppConnectorOptions {
  carrierId: string;
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  /** How a text longer than one segment goes out (see the header comment). Default udh8. */
  concatenation?: SmppConcatenation;
  /** 'first': this carrier sends a receipt for the first part of a concatenated text only. */
  multipartReceipts?: 'each' | 'first';
  /** SMPP over TLS: the bind waits for the handshake, and a certificate that does not verify drops the link (lastError says why). */
  tls?: { ca?: string; servername?: string; rejectUnauthorized: boolean };
  /** Most submit_sm awaiting their response at once. Default 10. */
  window?: number;
  /** Deadline of one submit() from the call: bind, window slot and response. Default 10 000. */
  submitTimeoutMs?: number;
  /** enquire_link period; an unanswered one at the next tick drops the link. Default 30 000. */
  enquireLinkMs?: number;
  /** TCP connect (and the TLS handshake) plus bind_transceiver must finish within this. Default 10 000. */
  bindTimeoutMs?: number;
  /** Reconnect delay: doubles from minMs up to maxMs, with jitter. Default 500 / 30 000. */
  reconnect?: { minMs: number; maxMs: number };
  logger?: Logger;
}

type Phase = 'queued' | 'sent' | 'timed_out' | 'done';

interface Submission {
  readonly sms: OutboundSms;
  readonly params: Record<string, unknown>;
  readonly resolve: (value: { carrierMessageId: string }) => void;
  readonly reject: (err: CarrierSubmitError) => void;
  phase: Phase;
  deadline?: NodeJS.Timeout;
  /** Frees the window slot of a submit that timed out after it was sent, if no answer comes. */
  release?: NodeJS.Timeout;
}

const INTERFACE_VERSION = 0x34;
const DELIVERY_RECEIPT = 0x04;
const MESSAGE_TYPE_MASK = 0x3c;
/** How long close() waits for running deliver_sm handlers and for unbind_resp. */
const CLOSE_GRACE_MS = 2000;
/** Requests answered by the connector itself; any other request gets ESME_RINVCMDID. */
const HANDLED_REQUESTS = new Set(['deliver_sm', 'enquire_link', 'unbind']);

/** The text of a deliver_sm as the smpp library decoded it by data_coding. */
function deliverText(pdu: PDU): string {
  // When message_payload is present the text is there and short_message is empty (SMPP 3.4 §5.3.2.32).
  const field = (pdu.message_payload ?? pdu.short_message) as { message?: unknown } | Buffer | undefined;
  const value = Buffer.isBuffer(field) ? field : field?.message;
  if (typeof value === 'string') return value;
  // A data_coding the library has no decoder for: show the octets as Latin-1 rather than drop them.
  return Buffer.isBuffer(value) ? value.toString('latin1') : '';
}

/**
 * The concatenation of an MO part: the UDH (IE 0x00 8-bit or 0x08 16-bit reference, as the
 * library splits it off the text) or the SAR TLVs; undefined for a single message.
 */
function concatOf(pdu: PDU): { reference: number; total: number; sequence: number } | undefined {
  const field = (pdu.message_payload ?? pdu.short_message) as { udh?: Buffer[] } | undefined;
  for (const element of Array.isArray(field?.udh) ? field.udh : []) {
    if (element[0] === 0x00 && element.length >= 5) return { reference: element[2], total: element[3], sequence: element[4] };
    if (element[0] === 0x08 && element.length >= 6) return { reference: (element[2] << 8) | element[3], total: element[4], sequence: element[5] };
  }
  if (pdu.sar_msg_ref_num !== undefined && pdu.sar_total_segments !== undefined && pdu.sar_segment_seqnum !== undefined) {
    return { reference: Number(pdu.sar_msg_ref_num), total: Number(pdu.sar_total_segments), sequence: Number(pdu.sar_segment_seqnum) };
  }
  return undefined;
}

/** network_error_code TLV (type octet, 16-bit code) as the 3-digit err a receipt text carries. */
function networkErrorCode(pdu: PDU): string | undefined {
  const value = pdu.network_error_code;
  if (!Buffer.isBuffer(value) || value.length < 3) return undefined;
  return String(value.readUInt16BE(1)).padStart(3, '0');
}

/** Receipt text for logs: the `text:` field can echo the first characters of the message. */
function maskReceiptText(raw: string): string {
  return raw.replace(/(\btext\s*:)(.*)$/is, (_, label: string, rest: string) => `${label}${'*'.repeat(rest.length)}`);
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class SmppConnector implements CarrierConnector {
  readonly carrierId: string;
  readonly receiptsForFirstPartOnly: boolean;
  private readonly options: Readonly<SmppConnectorOptions>;
  private readonly window: number;
  private readonly submitTimeoutMs: number;
  private readonly enquireLinkMs: number;
  private readonly bindTimeoutMs: number;
  private readonly backoff: { minMs: number; maxMs: number };
  private readonly log: Logger;

  private state: BindState = 'closed';
  private since = new Date().toISOString();
  private lastError?: string;
  private started = false;
  private closed = false;
  private closing?: Promise<void>;

  /** The session being connected, bound or unbound; undefined between attempts. */
  private session?: Session;
  /** Why the current session is being dropped, for status().lastError once it has closed. */
  private dropReason?: string;
  private reconnectAttempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private bindTimer?: NodeJS.Timeout;
  private enquireTimer?: NodeJS.Timeout;
  private enquireUnanswered = false;

  /** FIFO of queued submissions; entries before `queueHead` were taken or timed out. */
  private queue: Submission[] = [];
  private queueHead = 0;
  private queued = 0;
  /** Submissions holding a window slot (sent, response not yet seen). */
  private readonly outstanding = new Set<Submission>();

  // Pacing: submits leave at most every `minIntervalMs` (the carrier's maxTps), and a carrier's
  // ESME_RTHROTTLED pauses sending for a while (doubling while it persists) instead of failing.
  private minIntervalMs = 0;
  private nextSendAt = 0;
  private pausedUntil = 0;
  private throttlePauseMs = 0;
  private paceTimer?: NodeJS.Timeout;

  private receiptHandler?: (receipt: InboundReceipt) => Promise<void>;
  private inboundHandler?: (message: InboundMessage) => Promise<void>;
  private readonly deliveries = new Set<Promise<void>>();

  constructor(options: SmppConnectorOptions) {
    this.options = Object.freeze({ ...options, reconnect: options.reconnect && Object.freeze({ ...options.reconnect }) });
    this.carrierId = options.carrierId;
    this.receiptsForFirstPartOnly = options.multipartReceipts === 'first';
    this.window = options.window ?? 10;
    this.submitTimeoutMs = options.submitTimeoutMs ?? 10_000;
    this.enquireLinkMs = options.enquireLinkMs ?? 30_000;
    this.bindTimeoutMs = options.bindTimeoutMs ?? 10_000;
    this.backoff = this.options.reconnect ?? { minMs: 500, maxMs: 30_000 };
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError(`window must be a positive integer, got ${options.window}`);
    // Never the options object itself: it holds the password.
    this.log = (options.logger ?? pino({ enabled: false })).child({ smpp: `${options.systemId}@${options.host}:${options.port}` });
  }

  start(): void {
    if (this.closed) throw new Error(`SMPP connector ${this.carrierId} is closed; build a new one`);
    if (this.started) return;
    this.started = true;
    this.setState('connecting');
    this.connect();
  }

  async submit(sms: OutboundSms): Promise<SubmitAccepted> {
    if (this.closed) throw unavailable(`SMPP connector ${this.carrierId} is closed`);
    const parts = this.submitParams(sms);
    if (parts.length === 1) return this.submitPdu(sms, parts[0]);
    // Parts go in order through the same window; the message is accepted when every part is.
    // A refused part fails the attempt (parts already accepted may still reach the handset).
    const accepted = await Promise.all(parts.map((params) => this.submitPdu(sms, params)));
    return { carrierMessageId: accepted[0].carrierMessageId, partIds: accepted.map((a) => a.carrierMessageId) };
  }

  private submitPdu(sms: OutboundSms, params: Record<string, unknown>): Promise<{ carrierMessageId: string }> {
    return new Promise((resolve, reject) => {
      const submission: Submission = { sms, params, resolve, reject, phase: 'queued' };
      submission.deadline = setTimeout(() => this.onDeadline(submission), this.submitTimeoutMs);
      this.queue.push(submission);
      this.queued += 1;
      this.drain();
    });
  }

  onReceipt(handler: (receipt: InboundReceipt) => Promise<void>): void {
    this.receiptHandler = handler;
  }

  onInbound(handler: (message: InboundMessage) => Promise<void>): void {
    this.inboundHandler = handler;
  }

  status(): ConnectorStatus {
    return {
      carrierId: this.carrierId,
      state: this.state,
      since: this.since,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
      outstanding: this.outstanding.size,
      queued: this.queued,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  // ---- link ----------------------------------------------------------------------------

  private setState(state: BindState): void {
    if (state === this.state) return;
    this.state = state;
    this.since = new Date().toISOString();
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.closed) return;
    this.dropReason = undefined;
    const { tls } = this.options;
    const session = connect({ host: this.options.host, port: this.options.port, ...(tls ? { tls: true, ca: tls.ca, servername: tls.servername, rejectUnauthorized: tls.rejectUnauthorized } : {}) });
    this.session = session;
    this.bindTimer = setTimeout(() => this.drop(session, `no bind within ${this.bindTimeoutMs} ms`), this.bindTimeoutMs);

    // The library calls these from its socket 'readable' handler, where a throw would be an
    // uncaught exception: every listener is guarded.
    session.on(tls ? 'secureConnect' : 'connect', this.guard(() => this.bind(session)));
    session.on('error', (err: Error) => this.drop(session, errorMessage(err)));
    session.on('close', this.guard(() => this.onSessionClosed(session)));
    session.on('deliver_sm', (pdu: PDU) => this.track(this.onDeliverSm(session, pdu)));
    session.on('enquire_link', this.guard((pdu: PDU) => session.send(pdu.response())));
    session.on(
      'unbind',
      this.guard((pdu: PDU) => {
        // No more submits on this session; the state settles when the socket closes.
        if (session === this.session && this.state === 'bound') this.setState('connecting');
        session.send(pdu.response());
        this.drop(session, 'the carrier unbound', true);
      }),
    );
    session.on('pdu', this.guard((pdu: PDU) => this.refuseUnhandled(session, pdu)));
  }

  private bind(session: Session): void {
    session.socket.setNoDelay(true);
    session.socket.setKeepAlive(true, this.enquireLinkMs);
    coalesceWrites(session.socket);
    const sent = session.bind_transceiver(
      {
        system_id: this.options.systemId,
        password: this.options.password,
        system_type: this.options.systemType ?? '',
        interface_version: INTERFACE_VERSION,
      },
      this.guard((resp: PDU) => this.onBindResp(session, resp)),
    );
    if (!sent) this.drop(session, 'socket closed before bind_transceiver');
  }

  private onBindResp(session: Session, resp: PDU): void {
    if (session !== this.session || this.closed) return;
    clearTimeout(this.bindTimer);
    if (resp.command_status !== ESME_ROK) {
      const reason = `bind refused: ${commandStatusName(resp.command_status)}`;
      this.log.warn({ carrierId: this.carrierId, commandStatus: resp.command_status }, reason);
      this.setState('down');
      this.drop(session, reason);
      return;
    }
    this.reconnectAttempt = 0;
    this.lastError = undefined;
    this.setState('bound');
    this.log.info({ carrierId: this.carrierId }, 'SMPP bound (transceiver)');
    this.startEnquireLink(session);
    this.drain();
  }

  private startEnquireLink(session: Session): void {
    this.enquireUnanswered = false;
    this.enquireTimer = setInterval(
      this.guard(() => {
        if (session !== this.session) return;
        if (this.enquireUnanswered) {
          this.drop(session, `no enquire_link_resp within ${this.enquireLinkMs} ms`);
          return;
        }
        this.enquireUnanswered = true;
        session.enquire_link(
          this.guard(() => {
            if (session === this.session) this.enquireUnanswered = false;
          }),
        );
      }),
      this.enquireLinkMs,
    );
  }

  /** Ends a session; its 'close' event does the rest (fail sent submits, schedule a reconnect). */
  private drop(session: Session, reason: string, graceful = false): void {
    if (session === this.session && this.dropReason === undefined) {
      this.dropReason = reason;
      if (!this.closed) this.log.warn({ carrierId: this.carrierId, reason }, 'dropping SMPP link');
    }
    if (!graceful) return session.destroy();
    // Lets our last PDU (unbind_resp) go out; a peer that never closes its side is cut off.
    const timer = setTimeout(() => session.destroy(), CLOSE_GRACE_MS);
    session.socket.once('close', () => clearTimeout(timer));
    session.close();
  }

  private onSessionClosed(session: Session): void {
    if (session !== this.session) return;
    this.session = undefined;
    clearTimeout(this.bindTimer);
    clearInterval(this.enquireTimer);
    const reason = this.dropReason ?? 'connection closed by the carrier';
    for (const submission of [...this.outstanding]) {
      this.freeSlot(submission);
      if (submission.phase === 'sent') this.settle(submission, unavailable(`link to ${this.carrierId} lost before submit_sm_resp (${reason})`));
    }
    if (this.closed) return;
    this.lastError = reason;
    if (this.state !== 'down') this.setState('connecting');
    const base = Math.min(this.backoff.maxMs, this.backoff.minMs * 2 ** Math.min(this.reconnectAttempt, 30));
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.reconnectAttempt += 1;
    this.log.warn({ carrierId: this.carrierId, reason, retryInMs: delay }, 'SMPP link down; reconnecting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** SMPP wants every request answered: commands we do not take get ESME_RINVCMDID. */
  private refuseUnhandled(session: Session, pdu: PDU): void {
    if (pdu.isResponse() || HANDLED_REQUESTS.has(pdu.command)) return;
    if (pdu.command === 'unknown') session.send(pdu.response()); // generic_nack
    else if (`${pdu.command}_resp` in commands) session.send(pdu.response({ command_status: ESME_RINVCMDID }));
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.paceTimer);
    clearTimeout(this.bindTimer);
    clearInterval(this.enquireTimer);
    const closing = unavailable(`SMPP connector ${this.carrierId} closed`);
    for (let i = this.queueHead; i < this.queue.length; i += 1) if (this.queue[i].phase === 'queued') this.settle(this.queue[i], closing);
    this.queue = [];
    this.queueHead = 0;
    this.queued = 0;
    for (const submission of [...this.outstanding]) {
      this.freeSlot(submission);
      if (submission.phase === 'sent') this.settle(submission, closing);
    }
    // Receipts being handled right now get their deliver_sm_resp before we unbind.
    await withTimeout(Promise.allSettled([...this.deliveries]), CLOSE_GRACE_MS);
    const session = this.session;
    if (session) {
      if (this.state === 'bound') {
        await withTimeout(new Promise<void>((resolve) => session.unbind(() => resolve()) || resolve()), CLOSE_GRACE_MS);
      }
      await new Promise<void>((resolve) => {
        if (session.socket.closed) return resolve();
        session.socket.once('close', () => resolve());
        session.destroy();
      });
      this.session = undefined;
    }
    this.setState('closed');
    this.log.info({ carrierId: this.carrierId }, 'SMPP connector closed');
  }

  // ---- submits -------------------------------------------------------------------------

  /** One parameter set per submit_sm: one for a single segment, one per part of a concatenated text. */
  private submitParams(sms: OutboundSms): Record<string, unknown>[] {
    const concatenation = this.options.concatenation ?? 'udh8';
    let parts: SubmitPart[];
    try {
      // The reference only has to differ between concatenated messages in flight to one handset.
      parts = encodeSubmitParts(sms.body, concatenation, randomInt(0x10000));
    } catch (err) {
      throw unsendable(errorMessage(err));
    }
    const addresses = addressParams(toSmppAddress(sms.from), toSmppAddress(sms.to));
    return parts.map((part) => ({
      ...addresses,
      registered_delivery: sms.registeredDelivery ? 1 : 0,
      esm_class: part.esmClass,
      data_coding: part.dataCoding,
      ...userDataParams(part.shortMessage, part.inPayload),
      ...(part.sar ? { sar_msg_ref_num: part.sar.reference, sar_total_segments: part.sar.total, sar_segment_seqnum: part.sar.sequence } : {}),
    }));
  }

  /** Paces submits to at most `maxTps` per second on this connection (null: as fast as the window allows). */
  setMaxTps(maxTps: number | null): void {
    this.minIntervalMs = maxTps && maxTps > 0 ? 1000 / maxTps : 0;
    this.drain();
  }

  /** True when pacing holds the next submit back; schedules a drain for when it may go. */
  private paced(): boolean {
    const now = Date.now();
    const at = Math.max(this.nextSendAt, this.pausedUntil);
    if (now < at) {
      if (!this.paceTimer) {
        this.paceTimer = setTimeout(() => {
          this.paceTimer = undefined;
          this.drain();
        }, at - now);
      }
      return true;
    }
    if (this.minIntervalMs > 0) this.nextSendAt = Math.max(now, this.nextSendAt) + this.minIntervalMs;
    return false;
  }

  private drain(): void {
    const session = this.session;
    while (session && this.state === 'bound' && this.outstanding.size < this.window && this.queued > 0) {
      if (this.paced()) break;
      const submission = this.dequeue();
      if (!submission) break;
      const pdu = new PDU('submit_sm', submission.params);
      let sent: boolean;
      try {
        sent = session.send(
          pdu,
          this.guard((resp: PDU) => this.onSubmitResp(submission, resp)),
        );
      } catch (err) {
        // The library could not serialise it (a value out of range for its field).
        this.settle(submission, unsendable(`submit_sm could not be encoded: ${errorMessage(err)}`));
        continue;
      }
      if (!sent) {
        // The socket is closing; the 'close' event follows. Keep the submission's place.
        this.requeueFront(submission);
        this.drop(session, 'socket not writable');
        return;
      }
      submission.phase = 'sent';
      this.outstanding.add(submission);
    }
  }

  private dequeue(): Submission | undefined {
    while (this.queueHead < this.queue.length) {
      const submission = this.queue[this.queueHead];
      this.queueHead += 1;
      if (submission.phase === 'queued') {
        this.queued -= 1;
        this.compactQueue();
        return submission;
      }
    }
    this.compactQueue();
    return undefined;
  }

  private requeueFront(submission: Submission): void {
    if (this.queueHead > 0) this.queue[--this.queueHead] = submission;
    else this.queue.unshift(submission);
    this.queued += 1;
  }

  private compactQueue(): void {
    if (this.queued === 0) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private onSubmitResp(submission: Submission, resp: PDU): void {
    if (!this.outstanding.has(submission)) return; // the link was lost or the connector closed first
    this.freeSlot(submission);
    const status = resp.command_status;
    const accepted = status === ESME_ROK && resp.command === 'submit_sm_resp';
    const carrierMessageId = accepted ? String(resp.message_id ?? '') : undefined;
    if (submission.phase === 'sent') {
      this.settle(submission, accepted ? { carrierMessageId: carrierMessageId! } : status === ESME_ROK ? unavailable(`carrier answered submit_sm with ${resp.command}`) : submitStatusError(status));
    } else {
      // The caller was told `unavailable` at its deadline; this tells an operator what really happened.
      this.log.warn(
        { carrierId: this.carrierId, messageId: submission.sms.messageId, carrierMessageId, commandStatus: status },
        accepted ? 'late submit_sm_resp: the carrier took a message reported as unavailable' : 'late submit_sm_resp refusing a message already reported as unavailable',
      );
    }
    if (statusNeedsRebind(status) && this.session) this.drop(this.session, `carrier answered ${commandStatusName(status)}`);
    if (status === ESME_RTHROTTLED || status === ESME_RMSGQFUL) {
      this.throttlePauseMs = Math.min(10_000, Math.max(500, this.throttlePauseMs * 2));
      this.pausedUntil = Date.now() + this.throttlePauseMs;
      this.log.warn({ carrierId: this.carrierId, pauseMs: this.throttlePauseMs }, 'carrier throttled us: pausing submits');
    } else if (accepted) {
      this.throttlePauseMs = 0;
    }
    this.drain();
  }

  private onDeadline(submission: Submission): void {
    submission.deadline = undefined;
    if (submission.phase === 'queued') {
      this.queued -= 1;
      const why = this.state === 'bound' ? `window of ${this.window} full` : `not bound (${this.state}${this.lastError ? `: ${this.lastError}` : ''})`;
      this.settle(submission, unavailable(`not sent within ${this.submitTimeoutMs} ms: ${why}`));
      this.compactQueue();
    } else if (submission.phase === 'sent') {
      this.settle(submission, unavailable(`no submit_sm_resp within ${this.submitTimeoutMs} ms; the carrier may still take the message`), 'timed_out');
      submission.release = setTimeout(() => {
        this.log.warn({ carrierId: this.carrierId, messageId: submission.sms.messageId }, 'no submit_sm_resp at all; window slot freed');
        this.freeSlot(submission);
        this.drain();
      }, this.submitTimeoutMs);
    }
  }

  private settle(submission: Submission, outcome: { carrierMessageId: string } | CarrierSubmitError, phase: Phase = 'done'): void {
    clearTimeout(submission.deadline);
    submission.deadline = undefined;
    submission.phase = phase;
    if (outcome instanceof Error) submission.reject(outcome);
    else submission.resolve(outcome);
  }

  private freeSlot(submission: Submission): void {
    clearTimeout(submission.release);
    submission.release = undefined;
    this.outstanding.delete(submission);
    if (submission.phase === 'timed_out') submission.phase = 'done';
  }

  // ---- deliver_sm ----------------------------------------------------------------------

  private track(delivery: Promise<void>): void {
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  private async onDeliverSm(session: Session, pdu: PDU): Promise<void> {
    const answer = (status: number) => {
      try {
        if (!session.send(pdu.response({ command_status: status }))) {
          this.log.warn({ carrierId: this.carrierId }, 'deliver_sm not answered: link gone; the carrier will deliver it again');
        }
      } catch (err) {
        this.log.error({ carrierId: this.carrierId, err }, 'could not answer deliver_sm');
      }
    };
    try {
      if (this.closed) return answer(ESME_RX_T_APPN);
      const isReceipt = ((Number(pdu.esm_class) || 0) & MESSAGE_TYPE_MASK) === DELIVERY_RECEIPT;
      const text = deliverText(pdu);
      if (isReceipt) {
        const receipt = this.toReceipt(pdu, text);
        if (!receipt) {
          this.log.error(
            { carrierId: this.carrierId, rawText: maskReceiptText(text), receiptedMessageId: pdu.receipted_message_id, messageState: pdu.message_state },
            'delivery receipt without message id or state: refused with ESME_RX_P_APPN',
          );
          return answer(ESME_RX_P_APPN);
        }
        if (!this.receiptHandler) {
          this.log.warn({ carrierId: this.carrierId, carrierMessageId: receipt.carrierMessageId }, 'no receipt handler: receipt left with the carrier (ESME_RX_T_APPN)');
          return answer(ESME_RX_T_APPN);
        }
        await this.receiptHandler(receipt);
      } else {
        if (!this.inboundHandler) {
          this.log.warn({ carrierId: this.carrierId }, 'no inbound message handler: message left with the carrier (ESME_RX_T_APPN)');
          return answer(ESME_RX_T_APPN);
        }
        const part = concatOf(pdu);
        const moId = typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id.trim() : '';
        await this.inboundHandler({
          carrierId: this.carrierId,
          from: e164IfInternational(pdu.source_addr, pdu.source_addr_ton),
          to: e164IfInternational(pdu.destination_addr, pdu.dest_addr_ton),
          body: text,
          ...(moId ? { carrierMoId: moId } : {}),
          ...(part && part.total > 1 && part.sequence >= 1 && part.sequence <= part.total ? { part } : {}),
        });
      }
      answer(ESME_ROK);
    } catch (err) {
      this.log.warn({ carrierId: this.carrierId, err }, 'deliver_sm handler failed: asked the carrier to deliver it again (ESME_RX_T_APPN)');
      answer(ESME_RX_T_APPN);
    }
  }

  private toReceipt(pdu: PDU, text: string): InboundReceipt | undefined {
    const parsed = parseReceiptText(text);
    const tlvId = typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id.trim() : '';
    const carrierMessageId = tlvId || parsed?.id;
    const state = (typeof pdu.message_state === 'number' ? messageStateToStat(pdu.message_state) : undefined) ?? parsed?.stat;
    if (!carrierMessageId || !state) return undefined;
    return { carrierId: this.carrierId, carrierMessageId, state, errorCode: parsed?.err ?? networkErrorCode(pdu) ?? '000', rawText: text };
  }

  /** Wraps a callback the smpp library invokes, so that a bug here is logged, not fatal. */
  private guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (err) {
        this.log.error({ carrierId: this.carrierId, err }, 'SMPP connector callback failed');
      }
    };
  }
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
