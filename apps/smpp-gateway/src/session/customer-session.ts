// One customer connection: the SMPP 3.4 session state machine (open → bound as transmitter,
// receiver or transceiver → closed), with the bind and idle timeouts, enquire_link, unbind,
// generic_nack for unknown or malformed PDUs and ESME_RINVBNDSTS for a request the session's
// state does not allow. Requests run concurrently (the ESME's window); every request gets
// exactly one response, and an exception in a handler becomes ESME_RSYSERR, never a crash.
// A session whose credential changed is revoked: unbound, then closed.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import * as smpp from 'smpp';
import type { SmppGatewayConfig } from '@app/config';
import type { SmppCredentialWithHash } from '@app/db';
import { coalesceWrites, MalformedPduError } from '@app/smpp';
import type { BindOutcome, BindPolicy } from './bind-policy';

export type BindType = 'transmitter' | 'receiver' | 'transceiver';
type State = 'open' | 'binding' | 'bound' | 'unbinding' | 'closed';

/** What a session needs from the gateway around it. */
export interface SessionHost {
  readonly config: SmppGatewayConfig;
  readonly logger: Logger;
  readonly bindPolicy: BindPolicy;
  /** Registers a bound session (across replicas); null, or why not (max_binds or the account's ceiling reached). */
  register(session: CustomerSession): Promise<string | null>;
  unregister(session: CustomerSession): void;
  /** Answers submit_sm, submit_multi, query_sm and cancel_sm: the response's parameters. */
  handleRequest(pdu: smpp.PDU, session: CustomerSession): Promise<Record<string, unknown>>;
}

const BIND_COMMANDS: Record<string, BindType> = { bind_transmitter: 'transmitter', bind_receiver: 'receiver', bind_transceiver: 'transceiver' };
const SUBMIT_COMMANDS = new Set(['submit_sm', 'submit_multi', 'query_sm', 'cancel_sm']);
const CLOSE_AFTER_UNBIND_MS = 2000;

let nextSessionId = 1;

export class CustomerSession {
  readonly id = nextSessionId++;
  /** The session's row in smpp_sessions (binds counted across replicas). */
  readonly rowId = randomUUID();
  private state: State = 'open';
  bindType?: BindType;
  credential?: SmppCredentialWithHash;
  private bindTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private readonly outstanding = new Set<(status: number) => void>();
  /** Waiting for a deliver_sm slot to free up (see slotFreed). */
  private slotWaiters: (() => void)[] = [];
  readonly remoteAddress: string;

  constructor(
    readonly session: smpp.Session,
    private readonly host: SessionHost,
  ) {
    this.remoteAddress = session.socket.remoteAddress ?? '';
    coalesceWrites(session.socket);
    this.bindTimer = setTimeout(() => this.closeWith('no bind within the bind timeout'), host.config.bindTimeoutMs);
    session.on('pdu', (pdu: smpp.PDU) => this.onPdu(pdu));
    session.on('error', (err: Error) => this.onError(err));
    session.on('close', () => this.onClose());
  }

  get systemId(): string | undefined {
    return this.credential?.systemId;
  }

  get accountId(): string | undefined {
    return this.credential?.accountId;
  }

  /** A method-like getter, so TypeScript does not narrow `state` across awaits. */
  private get closed(): boolean {
    return this.state === 'closed';
  }

  get bound(): boolean {
    return this.state === 'bound';
  }

  get canReceive(): boolean {
    return this.state === 'bound' && (this.bindType === 'receiver' || this.bindType === 'transceiver');
  }

  get canSubmit(): boolean {
    return this.state === 'bound' && (this.bindType === 'transmitter' || this.bindType === 'transceiver');
  }

  /** deliver_sm awaiting the ESME's answer. */
  get inFlight(): number {
    return this.outstanding.size;
  }

  private get log(): Logger {
    return this.host.logger.child({ session: this.id, systemId: this.systemId, remote: this.remoteAddress });
  }

  private resetIdle(): void {
    if (this.state !== 'bound') return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.revoke('idle timeout'), this.host.config.idleTimeoutMs);
  }

  /** Unbinds (no more requests are accepted), then closes when the ESME answers or after a grace period. */
  revoke(reason: string): void {
    if (this.state !== 'bound') return;
    this.log.info({ reason }, 'unbinding');
    this.state = 'unbinding';
    clearTimeout(this.idleTimer);
    const close = () => this.session.destroy();
    setTimeout(close, CLOSE_AFTER_UNBIND_MS).unref();
    try {
      if (!this.session.unbind(close)) close();
    } catch {
      close();
    }
  }

  private reply(pdu: smpp.PDU, options: Record<string, unknown> = {}): void {
    if (this.state === 'closed') return;
    try {
      this.session.send(pdu.response(options));
    } catch (err) {
      // A response the library cannot encode (a value out of range): answer with a bare status instead.
      this.log.error({ err, command: pdu.command }, 'response could not be encoded');
      this.session.send(pdu.response({ command_status: smpp.errors.ESME_RSYSERR }));
    }
  }

  private onPdu(pdu: smpp.PDU): void {
    this.resetIdle();
    if (pdu.isResponse()) return; // deliver_sm_resp / generic_nack are settled through their callbacks
    const bindType = BIND_COMMANDS[pdu.command];
    if (bindType) return void this.onBind(pdu, bindType);
    if (pdu.command === 'enquire_link') return this.reply(pdu);
    if (pdu.command === 'unbind') {
      this.reply(pdu);
      this.state = 'closed';
      setTimeout(() => this.session.close(), 50).unref();
      return;
    }
    if (SUBMIT_COMMANDS.has(pdu.command)) {
      if (!this.canSubmit) return this.reply(pdu, { command_status: smpp.errors.ESME_RINVBNDSTS });
      void this.host
        .handleRequest(pdu, this)
        .then((params) => this.reply(pdu, params))
        .catch((err: unknown) => {
          this.log.error({ err, command: pdu.command, sequence: pdu.sequence_number }, 'request failed');
          this.reply(pdu, { command_status: smpp.errors.ESME_RSYSERR });
        });
      return;
    }
    if (pdu.command === 'unknown') return this.reply(pdu); // generic_nack, ESME_RINVCMDID
    // A command an ESME does not send to an SMSC (deliver_sm, outbind…) or that we do not offer (data_sm, replace_sm).
    if (smpp.commands[`${pdu.command}_resp`]) return this.reply(pdu, { command_status: smpp.errors.ESME_RINVCMDID });
    this.session.send(new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: smpp.errors.ESME_RINVCMDID }));
  }

  private async onBind(pdu: smpp.PDU, bindType: BindType): Promise<void> {
    if (this.state !== 'open') return this.reply(pdu, { command_status: smpp.errors.ESME_RALYBND });
    this.state = 'binding';
    let outcome = await this.host.bindPolicy
      .authenticate(pdu.system_id, pdu.password, this.remoteAddress)
      .catch((err: unknown): BindOutcome => ({ ok: false, commandStatus: smpp.errors.ESME_RSYSERR, reason: `bind check failed: ${(err as Error).message}` }));
    if (this.closed) return;
    if (outcome.ok) {
      this.credential = outcome.credential;
      this.bindType = bindType;
      const refused = await this.host.register(this).catch((err: unknown) => `bind could not be recorded: ${(err as Error).message}`);
      if (this.closed) {
        // Closed while registering: onClose ran before the row existed.
        if (!refused) this.host.unregister(this);
        return;
      }
      if (refused) {
        this.credential = undefined;
        this.bindType = undefined;
        outcome = await this.host.bindPolicy.refuse(smpp.errors.ESME_RBINDFAIL, refused);
      }
    }
    if (this.closed) return;
    if (!outcome.ok) {
      this.state = 'open';
      this.log.warn({ systemId: typeof pdu.system_id === 'string' ? pdu.system_id : undefined, reason: outcome.reason }, 'bind refused');
      this.reply(pdu, { command_status: outcome.commandStatus });
      if (outcome.close) this.closeWith('failed binds: locked out');
      return;
    }
    this.state = 'bound';
    clearTimeout(this.bindTimer);
    this.reply(pdu, { system_id: this.host.config.systemId });
    this.resetIdle();
    this.log.info({ bindType }, 'bound');
  }

  private onError(err: Error): void {
    if (err instanceof MalformedPduError) {
      this.log.warn({ err: err.message, commandId: err.commandId }, 'malformed PDU');
      this.session.send(new smpp.PDU('generic_nack', { sequence_number: err.sequenceNumber, command_status: smpp.errors.ESME_RINVCMDLEN }));
      if (!err.framed) return this.closeWith('stream lost its PDU framing');
      // The bad PDU was consumed whole: let the library read the next one.
      const internals = this.session as unknown as { _busy: boolean; _command_length: number | null; _extractPDUs(): void };
      internals._command_length = null;
      internals._busy = false;
      setImmediate(() => internals._extractPDUs());
      return;
    }
    if (/PDU length was too large/.test(err.message)) {
      this.session.send(new smpp.PDU('generic_nack', { sequence_number: 0, command_status: smpp.errors.ESME_RINVCMDLEN }));
      return this.closeWith(err.message);
    }
    this.log.info({ err: err.message }, 'connection error');
  }

  private closeWith(reason: string): void {
    if (this.state === 'closed') return;
    this.log.info({ reason }, 'closing session');
    this.state = 'closed';
    setTimeout(() => this.session.destroy(), 50).unref();
  }

  private onClose(): void {
    this.state = 'closed';
    clearTimeout(this.bindTimer);
    clearTimeout(this.idleTimer);
    for (const settle of [...this.outstanding]) settle(-1);
    if (this.credential) this.host.unregister(this);
  }

  /**
   * Sends a deliver_sm and resolves with the ESME's command_status (-1: no answer within the
   * deliver timeout, or the session closed; the caller sends it again later).
   */
  deliver(params: Record<string, unknown>): Promise<number> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const settle = (status: number) => {
        if (!this.outstanding.delete(settle)) return;
        clearTimeout(timer);
        for (const wake of this.slotWaiters.splice(0)) wake();
        resolve(status);
      };
      this.outstanding.add(settle);
      timer = setTimeout(() => settle(-1), this.host.config.deliverTimeoutMs);
      let sent = false;
      try {
        sent = this.session.send(new smpp.PDU('deliver_sm', params), (resp: smpp.PDU) => settle(resp.command_status));
      } catch (err) {
        this.log.error({ err }, 'deliver_sm could not be encoded');
      }
      if (!sent) settle(-1);
    });
  }

  /** Resolves when a deliver_sm of this session is answered (or given up on), or after `maxMs`. */
  slotFreed(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.slotWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Unbinds and closes (gateway shutdown). */
  async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'bound' || this.state === 'unbinding') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_AFTER_UNBIND_MS);
        this.session.unbind(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.state = 'closed';
    await new Promise<void>((resolve) => {
      if (this.session.socket.destroyed) return resolve();
      this.session.socket.once('close', () => resolve());
      this.session.destroy();
    });
  }
}
