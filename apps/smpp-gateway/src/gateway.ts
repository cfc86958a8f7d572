// The SMPP gateway: an SMPP 3.4 server (npm `smpp`) for customers' ESMEs. Keeps the bound
// sessions per system_id (for max_binds and for sending deliver_sm), answers requests through
// the SubmitHandler, sends the deliveries outbox through the DeliveryDispatcher, and finishes
// multipart submits left complete or stale by a restart.
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import * as smpp from 'smpp';
import type { SmppGatewayConfig } from '@app/config';
import { SmppMultipartRepository } from '@app/db';
import { installLibraryAdapter } from '@app/smpp';
import { DeliveryDispatcher } from './deliveries/delivery-dispatcher';
import type { BindPolicy } from './session/bind-policy';
import { CustomerSession, SessionHost } from './session/customer-session';
import type { PendingSubmit, SubmitHandler } from './submits/submit-handler';

const MULTIPART_SWEEP_MS = 10_000;

export interface GatewayDeps {
  config: SmppGatewayConfig;
  logger: Logger;
  bindPolicy: BindPolicy;
  submits: SubmitHandler;
  multipart: SmppMultipartRepository;
  /** Built by the gateway with its session registry. */
  createDispatcher(sessions: { receiversOf(accountId: string): CustomerSession[]; accountsWithReceivers(): string[] }): DeliveryDispatcher;
}

export class SmppGateway implements SessionHost {
  readonly config: SmppGatewayConfig;
  readonly logger: Logger;
  readonly bindPolicy: BindPolicy;
  private readonly server: smpp.Server;
  private readonly sessions = new Set<CustomerSession>();
  private readonly bound = new Map<string, Set<CustomerSession>>();
  private readonly dispatcher: DeliveryDispatcher;
  private multipartSweeper?: NodeJS.Timeout;

  constructor(private readonly deps: GatewayDeps) {
    installLibraryAdapter();
    this.config = deps.config;
    this.logger = deps.logger;
    this.bindPolicy = deps.bindPolicy;
    this.dispatcher = deps.createDispatcher({ receiversOf: (a) => this.receiversOf(a), accountsWithReceivers: () => this.accountsWithReceivers() });
    this.server = smpp.createServer({}, (session) => {
      const customer = new CustomerSession(session, this);
      this.sessions.add(customer);
      session.on('close', () => this.sessions.delete(customer));
    });
    this.server.on('error', (err) => this.logger.error({ err }, 'SMPP server error'));
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.config.port, this.config.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    await this.dispatcher.start();
    this.multipartSweeper = setInterval(() => void this.sweepMultipart(), MULTIPART_SWEEP_MS);
    void this.sweepMultipart();
    return this.server.address() as AddressInfo;
  }

  register(session: CustomerSession): boolean {
    const systemId = session.systemId!;
    const set = this.bound.get(systemId) ?? new Set<CustomerSession>();
    if (set.size >= session.credential!.maxBinds) return false;
    set.add(session);
    this.bound.set(systemId, set);
    if (session.canReceive || session.bindType !== 'transmitter') setImmediate(() => this.dispatcher.kick(session.accountId!));
    return true;
  }

  unregister(session: CustomerSession): void {
    const set = this.bound.get(session.systemId!);
    set?.delete(session);
    if (set?.size === 0) this.bound.delete(session.systemId!);
  }

  handleRequest(pdu: smpp.PDU, session: CustomerSession): Promise<Record<string, unknown>> {
    return this.deps.submits.handle(pdu, session);
  }

  private receiversOf(accountId: string): CustomerSession[] {
    const out: CustomerSession[] = [];
    for (const set of this.bound.values()) for (const s of set) if (s.accountId === accountId && s.canReceive) out.push(s);
    return out;
  }

  private accountsWithReceivers(): string[] {
    const out = new Set<string>();
    for (const set of this.bound.values()) for (const s of set) if (s.canReceive) out.add(s.accountId!);
    return [...out];
  }

  /** Multipart groups complete but not yet a message (a crash in between), or too old to complete. */
  private async sweepMultipart(): Promise<void> {
    try {
      for (const group of await this.deps.multipart.sweepable<PendingSubmit>(this.config.multipartTimeoutMs)) {
        if (group.parts.length >= group.total) {
          await this.deps.submits.completeGroup(group.id, group.submit, group.total, group.parts).catch((err: unknown) => {
            this.logger.warn({ err, groupId: group.id }, 'multipart message could not be created yet');
          });
        } else if (await this.deps.multipart.remove(group.id)) {
          this.logger.warn({ groupId: group.id, systemId: group.systemId, received: group.parts.length, total: group.total }, 'multipart submit never completed: parts dropped');
        }
      }
    } catch (err) {
      this.logger.warn({ err }, 'multipart sweep failed');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.multipartSweeper);
    await this.dispatcher.stop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.sessions].map((s) => s.shutdown()));
  }
}
