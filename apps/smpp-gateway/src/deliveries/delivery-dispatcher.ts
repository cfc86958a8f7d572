// Sends the outbox (smpp_deliveries: receipts and inbound messages) to customers' bound
// receivers as deliver_sm. Woken by PostgreSQL NOTIFY when a row is written, and by a sweep
// every few seconds (a missed notification, a row given back, a session that just bound).
// Per account the rows go out in id order, at most `deliverWindow` awaiting answers per
// session; a row is marked delivered only after the ESME answered ESME_ROK, so a session
// that drops or a gateway that restarts loses nothing: the row goes out again.
import type { Logger } from 'pino';
import type { ReceiptState } from '@app/contracts';
import {
  listenForNotifications,
  NotificationListener,
  SMPP_DELIVERIES_CHANNEL,
  SmppDefaultAlphabet,
  SmppDelivery,
  SmppDeliveryRepository,
  SmppInboundPayload,
  SmppReceiptPayload,
} from '@app/db';
import { encodeSubmitParts, formatReceiptText, statToMessageState } from '@app/domain';
import { addressParams, toSmppAddress, userDataParamsBySize } from '@app/smpp';
import type { CustomerSession } from '../session/customer-session';

const SWEEP_MS = 2000;
const LEASE_MS = 30_000;
const RETRY_MS = 5000;
/** Rows leased at once, in windows per receiver. */
const LEASE_BATCH_WINDOWS = 20;
const RECEIPT_STATES: readonly ReceiptState[] = ['DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'REJECTD', 'UNKNOWN'];

export interface DispatcherDeps {
  deliveries: SmppDeliveryRepository;
  /** Sessions bound as receiver or transceiver for an account. */
  receiversOf(accountId: string): CustomerSession[];
  /** Accounts with at least one receiver bound here. */
  accountsWithReceivers(): string[];
  databaseUrl: string;
  deliverWindow: number;
  logger: Logger;
}

/** The receipt state a final status is reported as. */
export function receiptStateOf(payload: Pick<SmppReceiptPayload, 'status' | 'carrierErrorCode'>): ReceiptState {
  if (payload.status === 'delivered') return 'DELIVRD';
  if (payload.status === 'cancelled') return 'DELETED';
  if (payload.status === 'rejected') return 'REJECTD';
  const carrierState = RECEIPT_STATES.find((s) => payload.carrierErrorCode?.startsWith(s));
  return carrierState && carrierState !== 'DELIVRD' ? carrierState : 'UNDELIV';
}

export function receiptParams(payload: SmppReceiptPayload): Record<string, unknown> {
  const state = receiptStateOf(payload);
  const err = /err:(\d{1,3})/.exec(payload.carrierErrorCode ?? '')?.[1] ?? '000';
  const text = formatReceiptText({
    id: payload.messageId,
    sub: 1,
    dlvrd: state === 'DELIVRD' ? 1 : 0,
    submitDate: new Date(payload.submittedAt),
    doneDate: new Date(payload.doneAt),
    stat: state,
    err,
  });
  // The receipt comes from the handset (source) to the sender (destination).
  return {
    ...addressParams(toSmppAddress(payload.to), toSmppAddress(payload.from)),
    esm_class: 0x04,
    data_coding: 0,
    short_message: Buffer.from(text, 'ascii'),
    receipted_message_id: payload.messageId,
    message_state: statToMessageState(state),
  };
}

/**
 * An inbound message as deliver_sm: data_coding 0 in the receiver's default alphabet (GSM 03.38,
 * or ASCII / Latin-1 for a credential that reads data_coding 0 so) when the text fits it, else UCS-2.
 */
export function inboundParams(payload: SmppInboundPayload, defaultAlphabet: SmppDefaultAlphabet = 'gsm'): Record<string, unknown> {
  const [part] = encodeSubmitParts(payload.body, 'payload', 0);
  let dataCoding = part.dataCoding;
  let octets: Uint8Array = part.shortMessage;
  if (defaultAlphabet !== 'gsm') {
    const highest = defaultAlphabet === 'ascii' ? 0x7f : 0xff;
    const fits = [...payload.body].every((c) => c.codePointAt(0)! <= highest);
    dataCoding = fits ? 0x00 : 0x08;
    octets = fits ? Buffer.from(payload.body, 'latin1') : Buffer.from(payload.body, 'utf16le').swap16();
  }
  return {
    ...addressParams(toSmppAddress(payload.from), toSmppAddress(payload.to)),
    esm_class: 0,
    data_coding: dataCoding,
    ...userDataParamsBySize(octets),
  };
}

export class DeliveryDispatcher {
  private listener?: NotificationListener;
  private sweeper?: NodeJS.Timeout;
  private stopped = false;
  /** markDelivered writes of leases whose deliver_sm are still being answered. */
  private readonly marking = new Set<Promise<void>>();
  /** Accounts being pumped, and whether more work arrived meanwhile. */
  private readonly pumping = new Map<string, boolean>();

  constructor(private readonly deps: DispatcherDeps) {}

  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    await this.listen();
  }

  private async listen(): Promise<void> {
    this.listener = await listenForNotifications({
      databaseUrl: this.deps.databaseUrl,
      channel: SMPP_DELIVERIES_CHANNEL,
      applicationName: 'sms-smpp-gateway-listen',
      onNotify: (accountId) => accountId && this.kick(accountId),
      onLost: (err) => this.deps.logger.warn({ err: err.message }, 'deliveries listener lost; reconnecting'),
    });
  }

  private sweep(): void {
    for (const accountId of this.deps.accountsWithReceivers()) this.kick(accountId);
  }

  /** Something may be waiting for this account: pump it unless a pump is already running. */
  kick(accountId: string): void {
    if (this.stopped) return;
    if (this.pumping.has(accountId)) {
      this.pumping.set(accountId, true);
      return;
    }
    if (this.deps.receiversOf(accountId).length === 0) return;
    this.pumping.set(accountId, false);
    void this.pump(accountId)
      .catch((err: unknown) => this.deps.logger.warn({ err, accountId }, 'delivery pump failed; the sweep retries'))
      .finally(() => {
        const again = this.pumping.get(accountId);
        this.pumping.delete(accountId);
        if (again) this.kick(accountId);
      });
  }

  private async pump(accountId: string): Promise<void> {
    for (;;) {
      const receivers = this.deps.receiversOf(accountId);
      if (receivers.length === 0 || this.stopped) return;
      const systemIds = [...new Set(receivers.map((s) => s.systemId!))];
      // Several windows' worth per lease: rows stream through the sessions' windows, and the
      // acknowledged ones are marked delivered together.
      const batch = LEASE_BATCH_WINDOWS * this.deps.deliverWindow * receivers.length;
      const rows = await this.deps.deliveries.lease(accountId, systemIds, batch, LEASE_MS);
      if (rows.length === 0) return;
      const sends: Promise<string | undefined>[] = [];
      for (const row of rows) {
        const session = await this.sessionFor(row, accountId);
        if (!session) {
          await this.deps.deliveries.release(row.id, 0);
          continue;
        }
        sends.push(this.send(session, row));
      }
      // The next lease does not wait for this one's answers (they are in flight in order);
      // acknowledged rows are marked delivered as their batch completes.
      const marking = Promise.all(sends)
        .then((ids) => this.deps.deliveries.markDelivered(ids.filter((id): id is string => id !== undefined)))
        // Not marked: the rows go out again when their lease ends (the ESME may see a duplicate).
        .catch((err: unknown) => this.deps.logger.warn({ err, accountId }, 'could not mark deliveries delivered'));
      this.marking.add(marking);
      void marking.finally(() => this.marking.delete(marking));
      if (this.marking.size > 2) await Promise.race(this.marking);
      if (rows.length < batch) {
        await Promise.all(this.marking);
        if (!this.pumping.get(accountId)) return;
        this.pumping.set(accountId, false);
      }
    }
  }

  /** The receiver with the most free window that may take this row, waiting for a slot if all are full. */
  private async sessionFor(row: SmppDelivery, accountId: string): Promise<CustomerSession | undefined> {
    for (;;) {
      const eligible = this.deps.receiversOf(accountId).filter((s) => row.systemId === null || s.systemId === row.systemId);
      if (eligible.length === 0) return undefined;
      const free = eligible.filter((s) => s.inFlight < this.deps.deliverWindow).sort((a, b) => a.inFlight - b.inFlight);
      if (free.length > 0) return free[0];
      // Every window is full: wake as soon as any of them has a slot again.
      await Promise.race(eligible.map((s) => s.slotFreed(100)));
    }
  }

  /** The row's id once the ESME acknowledged it; undefined when it goes out again later. */
  private async send(session: CustomerSession, row: SmppDelivery): Promise<string | undefined> {
    const params = row.kind === 'receipt' ? receiptParams(row.payload) : inboundParams(row.payload, session.credential?.defaultAlphabet);
    const status = await session.deliver(params);
    if (status === 0) return row.id;
    this.deps.logger.info({ deliveryId: row.id, kind: row.kind, status, session: session.id }, 'deliver_sm not acknowledged; will send again');
    await this.deps.deliveries.release(row.id, RETRY_MS);
    return undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    await this.listener?.close();
  }
}
