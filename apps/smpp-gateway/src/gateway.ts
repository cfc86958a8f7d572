// The SMPP gateway: an SMPP 3.4 server (npm `smpp`) for customers' ESMEs, on a plain port and,
// with a certificate, over TLS on a port of its own (SMPP_TLS_PORT); both listeners share every
// rule below. Caps connections in total and per source address, records bound sessions in PostgreSQL (max_binds per
// credential and per account across replicas, kept alive by a heartbeat) and here per
// system_id (for sending deliver_sm), answers requests through the SubmitHandler, sends the
// deliveries outbox through the DeliveryDispatcher, applies credential changes to open
// sessions (CredentialWatcher), and finishes multipart submits left complete or stale by a restart.
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import * as smpp from 'smpp';
import type { SmppGatewayConfig } from '@app/config';
import { SmppCredentialRepository, SmppGatewayStateRepository, SmppMultipartRepository } from '@app/db';
import { installLibraryAdapter } from '@app/smpp';
import { DeliveryDispatcher } from './deliveries/delivery-dispatcher';
import type { AccountLimitsCache } from './session/account-limits';
import type { BindPolicy } from './session/bind-policy';
import { sourceAddress } from '@app/egress';
import { ConnectionLimits } from './session/connection-limits';
import { CredentialWatcher } from './session/credential-watcher';
import { CustomerSession, SessionHost } from './session/customer-session';
import type { PendingSubmit, SubmitHandler } from './submits/submit-handler';

const MULTIPART_SWEEP_MS = 10_000;
/** Bound sessions are refreshed in PostgreSQL this often, and count as gone (a replica died) after SESSION_STALE_MS. */
const SESSION_HEARTBEAT_MS = 10_000;
const SESSION_STALE_MS = 30_000;
const REFUSAL_LOG_MS = 60_000;

export interface GatewayDeps {
  config: SmppGatewayConfig;
  logger: Logger;
  bindPolicy: BindPolicy;
  submits: SubmitHandler;
  multipart: SmppMultipartRepository;
  credentials: SmppCredentialRepository;
  state: SmppGatewayStateRepository;
  accountLimits: AccountLimitsCache;
  /** Built by the gateway with its session registry. */
  createDispatcher(sessions: { receiversOf(accountId: string): CustomerSession[]; accountsWithReceivers(): string[] }): DeliveryDispatcher;
}

/** A UUID-shaped id derived from what identifies a replica. */
function replicaId(identity: string): string {
  const hex = createHash('sha256').update(identity).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export class SmppGateway implements SessionHost {
  readonly config: SmppGatewayConfig;
  readonly logger: Logger;
  readonly bindPolicy: BindPolicy;
  private readonly server: smpp.Server;
  /** SMPP over TLS (SMPP_TLS_PORT), when configured: the same sessions, limits and policy as the plain port. */
  private readonly tlsServer?: smpp.Server;
  private readonly sessions = new Set<CustomerSession>();
  private readonly bound = new Map<string, Set<CustomerSession>>();
  private readonly dispatcher: DeliveryDispatcher;
  private readonly watcher: CredentialWatcher;
  private readonly connections: ConnectionLimits;
  /**
   * This replica in smpp_sessions: the same for a restart on the same host and port, so a
   * gateway that was killed frees its binds when it comes back rather than after SESSION_STALE_MS.
   */
  private readonly gatewayId: string;
  private multipartSweeper?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  /** Refused connections per address since its last log line: a flood logs once a minute, not once a connection. */
  private readonly refusals = new Map<string, { count: number; loggedAt: number }>();

  constructor(private readonly deps: GatewayDeps) {
    installLibraryAdapter();
    this.config = deps.config;
    this.logger = deps.logger;
    this.bindPolicy = deps.bindPolicy;
    this.dispatcher = deps.createDispatcher({ receiversOf: (a) => this.receiversOf(a), accountsWithReceivers: () => this.accountsWithReceivers() });
    // Port 0 (any free port) names no stable endpoint: a fresh id then.
    this.gatewayId = deps.config.port === 0 ? randomUUID() : replicaId(`${hostname()}|${deps.config.host}|${deps.config.port}`);
    this.connections = new ConnectionLimits(deps.config);
    this.watcher = new CredentialWatcher({
      databaseUrl: deps.config.databaseUrl,
      credentials: deps.credentials,
      state: deps.state,
      accountLimits: deps.accountLimits,
      boundSessions: () => [...this.bound.values()].flatMap((set) => [...set]),
      staleAfterMs: SESSION_STALE_MS,
      logger: deps.logger,
    });
    this.server = this.createServer({});
    const tls = deps.config.tls;
    if (tls) {
      // A TLS handshake must finish within the bind timeout, like the bind that follows it.
      this.tlsServer = this.createServer({ cert: tls.identity.cert, key: tls.identity.key, handshakeTimeout: deps.config.bindTimeoutMs });
      this.tlsServer.on('tlsClientError', (err: Error, socket: Socket) => this.logger.debug({ err: err.message, remote: socket.remoteAddress }, 'TLS handshake failed'));
    }
  }

  /**
   * One listener. Connections are counted when the TCP connection arrives (before a TLS
   * handshake, so a flood of handshakes meets the same caps) and released when it closes.
   */
  private createServer(options: Record<string, unknown>): smpp.Server {
    const server = smpp.createServer(options, (session) => {
      // For TLS the session's socket wraps the TCP socket admitted below; test the session's own.
      if (session.socket.destroyed) return;
      const customer = new CustomerSession(session, this);
      this.sessions.add(customer);
      session.on('close', () => this.sessions.delete(customer));
    });
    server.prependListener('connection', (socket: Socket) => {
      const address = sourceAddress(socket.remoteAddress);
      const admission = this.connections.admit(address);
      if (!admission.ok) {
        this.logRefusal(address, admission.reason);
        socket.destroy();
        return;
      }
      socket.once('close', () => this.connections.release(address));
    });
    server.on('error', (err) => this.logger.error({ err }, 'SMPP server error'));
    return server;
  }

  private static async listenOn(server: smpp.Server, port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** The TLS listener's address, once listen() resolved (undefined without SMPP_TLS_*). */
  tlsAddress(): AddressInfo | undefined {
    return this.tlsServer?.listening ? (this.tlsServer.address() as AddressInfo) : undefined;
  }

  async listen(): Promise<AddressInfo> {
    await this.deps.state.removeGateway(this.gatewayId);
    const address = await SmppGateway.listenOn(this.server, this.config.port, this.config.host);
    if (this.tlsServer) await SmppGateway.listenOn(this.tlsServer, this.config.tls!.port, this.config.host);
    await this.dispatcher.start();
    await this.watcher.start();
    this.heartbeat = setInterval(() => {
      this.deps.state.heartbeat(this.gatewayId, SESSION_STALE_MS, this.config.bindFailures.lockoutMs).catch((err: unknown) => this.logger.warn({ err }, 'session heartbeat failed'));
    }, SESSION_HEARTBEAT_MS);
    this.multipartSweeper = setInterval(() => void this.sweepMultipart(), MULTIPART_SWEEP_MS);
    void this.sweepMultipart();
    return address;
  }

  private logRefusal(address: string, reason: string): void {
    const entry = this.refusals.get(address) ?? { count: 0, loggedAt: 0 };
    entry.count += 1;
    this.refusals.set(address, entry);
    if (Date.now() - entry.loggedAt < REFUSAL_LOG_MS) return;
    this.logger.warn({ remote: address, reason, refused: entry.count }, 'connections refused');
    this.refusals.set(address, { count: 0, loggedAt: Date.now() });
    if (this.refusals.size > 10_000) this.refusals.clear();
  }

  async register(session: CustomerSession): Promise<string | null> {
    const credential = session.credential!;
    const limits = await this.deps.accountLimits.get(credential.accountId);
    const result = await this.deps.state.registerSession(
      { id: session.rowId, gatewayId: this.gatewayId, systemId: credential.systemId, accountId: credential.accountId, remoteAddress: session.remoteAddress },
      { credentialMaxBinds: credential.maxBinds, accountMaxBinds: limits.maxBinds },
      SESSION_STALE_MS,
    );
    if (!result.ok) return result.limit === 'credential' ? `already ${result.max} binds (max_binds)` : `the account already has ${result.max} binds (its ceiling)`;
    const set = this.bound.get(credential.systemId) ?? new Set<CustomerSession>();
    set.add(session);
    this.bound.set(credential.systemId, set);
    if (session.bindType !== 'transmitter') setImmediate(() => this.dispatcher.kick(credential.accountId));
    return null;
  }

  unregister(session: CustomerSession): void {
    const set = this.bound.get(session.systemId!);
    set?.delete(session);
    if (set?.size === 0) this.bound.delete(session.systemId!);
    this.deps.state.removeSession(session.rowId).catch((err: unknown) => this.logger.warn({ err }, 'session row could not be removed (it expires)'));
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
    clearInterval(this.heartbeat);
    await this.watcher.stop();
    await this.dispatcher.stop();
    await Promise.all([this.server, this.tlsServer].map((server) => new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()))));
    await Promise.all([...this.sessions].map((s) => s.shutdown()));
    await this.deps.state.removeGateway(this.gatewayId).catch(() => undefined);
  }
}
