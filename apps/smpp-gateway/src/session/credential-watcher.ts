// Brings credential changes to open sessions within seconds, on every replica: a trigger
// NOTIFYs `smpp_credentials` on any change to a credential or an account's ceilings, and a
// sweep re-checks every bound credential in case a notification was missed. Sessions of a
// deleted or disabled credential, of one with a new password, or from an address no longer
// allowed are unbound; new limits (throughput, default country, alphabet) apply to the next
// submit; sessions over a lowered max_binds or account ceiling are unbound, newest first.
import type { Logger } from 'pino';
import { listenForNotifications, NotificationListener, SMPP_CREDENTIALS_CHANNEL, SmppCredentialRepository, SmppGatewayStateRepository } from '@app/db';
import type { AccountLimitsCache } from './account-limits';
import { ipAllowed } from '@app/egress';
import type { CustomerSession } from './customer-session';

const SWEEP_MS = 15_000;

export interface CredentialWatcherDeps {
  databaseUrl: string;
  credentials: SmppCredentialRepository;
  state: SmppGatewayStateRepository;
  accountLimits: AccountLimitsCache;
  /** Bound sessions of this replica. */
  boundSessions(): CustomerSession[];
  /** Sessions are considered gone when their replica has not refreshed them for this long. */
  staleAfterMs: number;
  logger: Logger;
}

export class CredentialWatcher {
  private listener?: NotificationListener;
  private sweeper?: NodeJS.Timeout;
  private checking: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CredentialWatcherDeps) {}

  async start(): Promise<void> {
    this.listener = await listenForNotifications({
      databaseUrl: this.deps.databaseUrl,
      channel: SMPP_CREDENTIALS_CHANNEL,
      applicationName: 'sms-smpp-gateway-credentials',
      onNotify: (payload) => this.onNotify(payload),
      onLost: (err) => this.deps.logger.warn({ err: err.message }, 'credential notifications lost; reconnecting'),
    });
    this.sweeper = setInterval(() => this.enqueue(() => this.check()), SWEEP_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.listener?.close();
    await this.checking;
  }

  private onNotify(payload: string): void {
    let change: { systemId?: string; accountId?: string };
    try {
      change = JSON.parse(payload) as typeof change;
    } catch {
      return;
    }
    if (change.accountId) this.deps.accountLimits.invalidate(change.accountId);
    this.enqueue(() => this.check(change.accountId));
  }

  /** One check at a time, in order. */
  private enqueue(task: () => Promise<void>): void {
    this.checking = this.checking.then(task).catch((err: unknown) => this.deps.logger.warn({ err }, 'credential check failed'));
  }

  /** Re-checks the bound sessions (of one account, or all). */
  private async check(accountId?: string): Promise<void> {
    const sessions = this.deps.boundSessions().filter((s) => !accountId || s.accountId === accountId);
    if (sessions.length === 0) return;
    const current = new Map((await this.deps.credentials.findMany([...new Set(sessions.map((s) => s.systemId!))])).map((c) => [c.systemId, c]));
    for (const session of sessions) {
      const credential = current.get(session.systemId!);
      const reason = !credential
        ? 'credential deleted'
        : !credential.enabled
          ? 'credential disabled'
          : credential.passwordHash !== session.credential!.passwordHash
            ? 'password changed'
            : !ipAllowed(session.remoteAddress, credential.allowedIps)
              ? 'source address no longer allowed'
              : undefined;
      if (reason) session.revoke(reason);
      else session.credential = credential;
    }
    for (const account of new Set(sessions.filter((s) => s.bound).map((s) => s.accountId!))) {
      const limits = await this.deps.accountLimits.get(account);
      const excess = new Set(await this.deps.state.excessSessions(account, limits.maxBinds, this.deps.staleAfterMs));
      for (const session of sessions) if (excess.has(session.rowId) && session.bound) session.revoke('over max_binds after a change of limits');
    }
  }
}
