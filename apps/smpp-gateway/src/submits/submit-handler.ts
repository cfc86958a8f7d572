// submit_sm, submit_multi, query_sm and cancel_sm from a bound customer. Submits go through
// the same MessageIntake as the REST API. A concatenated submit (UDH or SAR) is kept part by
// part in PostgreSQL until complete, then becomes one message whose id every part was
// answered with. Over its system_id's throughput limit or its account's ceiling (both across
// replicas, see SubmitTokens) a submit is answered ESME_RTHROTTLED (the ESME sends it again),
// never dropped. The credential's interop settings apply: its default country for national
// numbers, and the alphabet data_coding 0 is read in.
import type { Logger } from 'pino';
import * as smpp from 'smpp';
import { ForbiddenError, MessagePriority, MessageStatus, NotFoundError, RateLimitedError, UnavailableError, ValidationError } from '@app/contracts';
import { MessageRepository, SmppAccountLimits, SmppDefaultAlphabet, SmppMultipartRepository } from '@app/db';
import { Alphabet, decodeText, reassembleText, splitUserData, UserDataError } from '@app/domain';
import { MessageCancel, MessageIntake } from '@app/messaging';
import { userDataOf } from '@app/smpp';
import type { CustomerSession } from '../session/customer-session';
import { AddressError, destinationFromSmpp, sourceFromSmpp } from './addresses';
import { SubmitTokens } from './submit-tokens';

/** What the first part of a multipart submit leaves for the message built from all parts. */
export interface PendingSubmit {
  accountId: string;
  systemId: string;
  from: string;
  to: string;
  alphabet: Alphabet;
  registeredDelivery: number;
  priority: MessagePriority;
  sendAt: string | null;
  smartEncoding: boolean;
}

export interface SubmitHandlerDeps {
  intake: MessageIntake;
  canceller: MessageCancel;
  messages: MessageRepository;
  multipart: SmppMultipartRepository;
  smartEncodingOf: (accountId: string) => Promise<boolean>;
  /** The account's SMPP ceilings (cached by the gateway, refreshed when an operator changes them). */
  accountLimitsOf: (accountId: string) => Promise<SmppAccountLimits>;
  tokens: SubmitTokens;
  /** How plain submits are sent (SMPP_DELIVERY): in bulk pages, or one workflow each. */
  delivery: 'batch' | 'workflow';
  logger: Logger;
}

type Params = Record<string, unknown>;
const E = smpp.errors;

/** SMPP message_state (§5.2.28) of our statuses. */
const MESSAGE_STATE: Record<MessageStatus, number> = { accepted: 1, queued: 1, submitted: 1, delivered: 2, failed: 5, cancelled: 4, rejected: 8 };
const FINAL: readonly MessageStatus[] = ['delivered', 'failed', 'cancelled', 'rejected'];

/** SMPP absolute time: YYMMDDhhmmss, tenths, offset in quarter hours, '+'. Always UTC here. */
export function smppTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}000+`;
}

class SubmitRefused extends Error {
  constructor(
    readonly commandStatus: number,
    message: string,
  ) {
    super(message);
  }
}

/** data_coding 0 is the "SMSC default alphabet": GSM 03.38 unless the credential says ASCII (as IA5, 1) or Latin-1 (3). */
export function effectiveDataCoding(dataCoding: number, defaultAlphabet: SmppDefaultAlphabet): number {
  if (dataCoding !== 0) return dataCoding;
  return defaultAlphabet === 'ascii' ? 0x01 : defaultAlphabet === 'latin1' ? 0x03 : 0x00;
}

export class SubmitHandler {  /** Parts of one multipart message are handled one after another (in this process). */
  private readonly groupChains = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: SubmitHandlerDeps) {}

  async handle(pdu: smpp.PDU, session: CustomerSession): Promise<Params> {
    try {
      switch (pdu.command) {
        case 'submit_sm':
          await this.throttle(session);
          return { message_id: await this.submitOne(pdu, session, pdu.destination_addr, pdu.dest_addr_ton) };
        case 'submit_multi':
          return await this.submitMulti(pdu, session);
        case 'query_sm':
          return await this.query(pdu, session);
        case 'cancel_sm':
          return await this.cancel(pdu, session);
        default:
          return { command_status: E.ESME_RINVCMDID };
      }
    } catch (err) {
      return { command_status: this.statusOf(err, session, pdu) };
    }
  }

  private statusOf(err: unknown, session: CustomerSession, pdu: smpp.PDU): number {
    if (err instanceof SubmitRefused || err instanceof AddressError) return err.commandStatus;
    if (err instanceof UserDataError) return err.reason === 'unsupported_data_coding' ? E.ESME_RINVDCS : err.reason === 'malformed_udh' ? E.ESME_RINVESMCLASS : E.ESME_RINVMSGLEN;
    if (err instanceof ValidationError) {
      if (err.field === 'to') return E.ESME_RINVDSTADR;
      if (err.field === 'from') return E.ESME_RINVSRCADR;
      return E.ESME_RINVMSGLEN;
    }
    // The intake's limits and fraud rules: a refused destination or priority, or a quota or velocity limit.
    if (err instanceof ForbiddenError) return err.field === 'priority' ? E.ESME_RINVPRTFLG : err.field === 'from' ? E.ESME_RINVSRCADR : E.ESME_RINVDSTADR;
    if (err instanceof RateLimitedError) return E.ESME_RTHROTTLED;
    if (err instanceof UnavailableError) return E.ESME_RSYSERR;
    this.deps.logger.error({ err, systemId: session.systemId, command: pdu.command }, 'request failed');
    return E.ESME_RSYSERR;
  }

  /** The credential's throughputPerSecond and the account's ceiling, across replicas. */
  private async throttle(session: CustomerSession): Promise<void> {
    const credential = session.credential!;
    const account = await this.deps.accountLimitsOf(credential.accountId);
    const ok = await this.deps.tokens.take({
      systemId: credential.systemId,
      accountId: credential.accountId,
      credentialPerSecond: credential.throughputPerSecond,
      accountPerSecond: account.maxThroughputPerSecond,
    });
    if (!ok) throw new SubmitRefused(E.ESME_RTHROTTLED, 'throughput limit');
  }

  private sendAtOf(pdu: smpp.PDU): Date | null {
    const value = pdu.schedule_delivery_time;
    if (value === undefined || value === null || value === '') return null;
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new SubmitRefused(E.ESME_RINVSCHED, 'schedule_delivery_time is not a valid SMPP time');
    return value;
  }

  /** One destination of a submit_sm or submit_multi: returns the message id for the response. */
  private async submitOne(pdu: smpp.PDU, session: CustomerSession, destination: unknown, destinationTon: unknown): Promise<string> {
    const credential = session.credential!;
    const to = destinationFromSmpp(destination, destinationTon, credential.defaultCountry);
    const from = sourceFromSmpp(pdu.source_addr, pdu.source_addr_ton, credential.defaultCountry);
    const data = userDataOf(pdu);
    if (data.both) throw new SubmitRefused(E.ESME_RINVMSGLEN, 'short_message and message_payload both carry text');
    const esmClass = Number(pdu.esm_class ?? 0);
    const sar =
      pdu.sar_msg_ref_num !== undefined && pdu.sar_total_segments !== undefined && pdu.sar_segment_seqnum !== undefined
        ? { reference: Number(pdu.sar_msg_ref_num), total: Number(pdu.sar_total_segments), sequence: Number(pdu.sar_segment_seqnum) }
        : undefined;
    const split = splitUserData({ dataCoding: effectiveDataCoding(Number(pdu.data_coding ?? 0), credential.defaultAlphabet), udhi: (esmClass & 0x40) !== 0, octets: new Uint8Array(data.octets), sar });
    const pending: PendingSubmit = {
      accountId: credential.accountId,
      systemId: credential.systemId,
      from,
      to,
      alphabet: split.alphabet,
      registeredDelivery: Number(pdu.registered_delivery ?? 0) & 0x03,
      priority: Number(pdu.priority_flag ?? 0) >= 2 ? 'otp' : 'transactional',
      sendAt: this.sendAtOf(pdu)?.toISOString() ?? null,
      smartEncoding: await this.deps.smartEncodingOf(credential.accountId),
    };
    if (!split.concat || split.concat.total === 1) {
      const body = decodeText(split.alphabet, split.octets);
      return (await this.accept(pending, body)).id;
    }
    const { reference, total, sequence } = split.concat;
    const groupKey = `${from}|${to}|${reference}|${total}`;
    const chainKey = `${credential.systemId}|${groupKey}`;
    const previous = this.groupChains.get(chainKey) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.addPart(pending, groupKey, total, sequence, split.octets));
    this.groupChains.set(chainKey, run);
    // The caller handles run's failure; this bookkeeping branch must not turn it into an unhandled rejection (which ends the process).
    void run
      .finally(() => {
        if (this.groupChains.get(chainKey) === run) this.groupChains.delete(chainKey);
      })
      .catch(() => undefined);
    return run;
  }

  private async addPart(pending: PendingSubmit, groupKey: string, total: number, sequence: number, octets: Uint8Array): Promise<string> {
    const group = await this.deps.multipart.addPart(pending.systemId, groupKey, total, pending, sequence, octets);
    if (group.parts.length >= group.total) await this.completeGroup(group.id, group.submit, group.total, group.parts);
    return group.id;
  }

  /** Builds the message from every part (also used by the sweeper after a restart). */
  async completeGroup(groupId: string, submit: PendingSubmit, total: number, parts: { sequence: number; octets: Uint8Array }[]): Promise<void> {
    try {
      await this.accept(submit, reassembleText(submit.alphabet, total, parts), groupId);
    } catch (err) {
      // Refused for good (invalid text or address, a refused destination): the parts are of no further use. A
      // temporary failure (Temporal down) keeps them for the sweeper to try again.
      if (err instanceof ValidationError || err instanceof ForbiddenError || err instanceof UserDataError) await this.deps.multipart.complete(groupId);
      throw err;
    }
    await this.deps.multipart.complete(groupId);
  }

  private accept(pending: PendingSubmit, body: string, id?: string) {
    return this.deps.intake.accept({
      accountId: pending.accountId,
      to: pending.to,
      from: pending.from,
      body,
      priority: pending.priority,
      smartEncoding: pending.smartEncoding,
      smpp: { systemId: pending.systemId, registeredDelivery: pending.registeredDelivery },
      sendAt: pending.sendAt ? new Date(pending.sendAt) : null,
      // The shape this bind asks for (SMPP_DELIVERY); the intake decides (deliveryShape: OTP rules).
      delivery: this.deps.delivery,
      ...(id ? { id, idempotencyKey: `smpp-multipart:${id}` } : {}),
    });
  }

  /** Each SME destination becomes its own message; the response carries the first id and the refused ones. */
  private async submitMulti(pdu: smpp.PDU, session: CustomerSession): Promise<Params> {
    const destinations = (Array.isArray(pdu.dest_address) ? pdu.dest_address : []) as { dest_addr_ton?: number; destination_addr?: string; dl_name?: string }[];
    if (destinations.length === 0 || destinations.length > 255) return { command_status: E.ESME_RINVNUMDESTS };
    const ids: string[] = [];
    const unsuccess: { dest_addr_ton: number; dest_addr_npi: number; destination_addr: string; error_status_code: number }[] = [];
    for (const destination of destinations) {
      if (destination.dl_name !== undefined) {
        unsuccess.push({ dest_addr_ton: 0, dest_addr_npi: 0, destination_addr: destination.dl_name, error_status_code: E.ESME_RINVDLNAME });
        continue;
      }
      try {
        await this.throttle(session);
        ids.push(await this.submitOne(pdu, session, destination.destination_addr, destination.dest_addr_ton));
      } catch (err) {
        unsuccess.push({
          dest_addr_ton: Number(destination.dest_addr_ton ?? 0),
          dest_addr_npi: 1,
          destination_addr: String(destination.destination_addr ?? ''),
          error_status_code: this.statusOf(err, session, pdu),
        });
      }
    }
    if (ids.length === 0) return { command_status: unsuccess[0]?.error_status_code ?? E.ESME_RSUBMITFAIL };
    return { message_id: ids[0], unsuccess_sme: unsuccess };
  }

  private async query(pdu: smpp.PDU, session: CustomerSession): Promise<Params> {
    const id = typeof pdu.message_id === 'string' ? pdu.message_id : '';
    const message = /^[0-9a-f-]{36}$/i.test(id) ? await this.deps.messages.findForAccount(session.accountId!, id) : null;
    if (!message) return { command_status: E.ESME_RQUERYFAIL };
    const final = FINAL.includes(message.status);
    const errorCode = /(\d{1,3})\s*$/.exec(message.carrierErrorCode ?? '')?.[1];
    return {
      message_id: id,
      final_date: final ? smppTime(message.updatedAt) : '',
      message_state: MESSAGE_STATE[message.status],
      error_code: message.status === 'failed' && errorCode ? Number(errorCode) & 0xff : 0,
    };
  }

  private async cancel(pdu: smpp.PDU, session: CustomerSession): Promise<Params> {
    const id = typeof pdu.message_id === 'string' ? pdu.message_id : '';
    // Cancelling by source/destination alone (no message_id) would cancel many: not offered.
    if (!id) return { command_status: E.ESME_RCANCELFAIL };
    try {
      const result = await this.deps.canceller.cancel(session.accountId!, id);
      if (!result.cancelled) this.deps.logger.info({ messageId: id, reason: result.reason }, 'cancel_sm refused');
      return result.cancelled ? {} : { command_status: E.ESME_RCANCELFAIL };
    } catch (err) {
      if (err instanceof NotFoundError) return { command_status: E.ESME_RINVMSGID };
      throw err;
    }
  }
}
