// The API keys this replica authenticated lately, so a request costs no database round trip for
// its key: an entry lives up to API_KEY_CACHE_MS, and any change to a key or its account
// (revocation, scopes, limits; a trigger announces it on the `api_keys` channel) drops that
// account's entries on every replica at once. While the announcements cannot be heard (the
// listening connection is lost), nothing is cached: every request reads its key again. It also
// notes when each key was last used, written at most once a minute per key.
import type { ApiConfig } from '@app/config';
import { AccountRepository, API_KEYS_CHANNEL, AuthenticatedKey, hashApiKey, listenForNotifications, NotificationListener } from '@app/db';

export interface ApiKeyCacheOptions {
  /** How long an entry is used without an announcement (the backstop for a missed one). */
  ttlMs: number;
  /** Entries kept at most (the oldest go first). */
  maxEntries?: number;
  now?: () => number;
}

/** A key's last use is written at most this often (per process). */
const LAST_USED_EVERY_MS = 60_000;

export class ApiKeyCache {
  private readonly entries = new Map<string, { auth: AuthenticatedKey; at: number }>();
  private listener?: NotificationListener;
  /** True while the change announcements are heard. */
  private listening = false;
  /** Moves on each announcement: a read that began before one is not cached (it may be stale). */
  private generation = 0;
  private readonly now: () => number;
  /** When each key's use was last written, and the uses waiting to be written. */
  private readonly usedAt = new Map<string, number>();
  private used = new Set<string>();
  private usedTimer?: NodeJS.Timeout;

  constructor(
    private readonly accounts: Pick<AccountRepository, 'authenticate' | 'touchKeys'>,
    private readonly options: ApiKeyCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Starts listening for key and account changes (until then nothing is cached). */
  async listen(config: Pick<ApiConfig, 'databaseUrl'>, onLost: (err: Error) => void): Promise<void> {
    this.listener = await listenForNotifications({
      databaseUrl: config.databaseUrl,
      channel: API_KEYS_CHANNEL,
      applicationName: 'sms-api-keys',
      onNotify: (accountId) => this.forgetAccount(accountId),
      onLost: (err) => {
        this.listening = false;
        this.generation += 1;
        this.entries.clear();
        onLost(err);
      },
      onReady: () => (this.listening = true),
    });
  }

  async authenticate(key: string): Promise<AuthenticatedKey | null> {
    const hash = hashApiKey(key);
    const cached = this.entries.get(hash);
    const now = this.now();
    if (cached && this.listening && now - cached.at < this.options.ttlMs && (cached.auth.expiresAt === null || cached.auth.expiresAt.getTime() > now)) {
      this.noteUse(cached.auth.keyId);
      return cached.auth;
    }
    const generation = this.generation;
    const auth = await this.accounts.authenticate(key);
    this.entries.delete(hash);
    // Wrong keys are not kept: they cost their client IP's failed-authentication budget instead.
    if (auth && this.listening && generation === this.generation && this.options.ttlMs > 0) {
      this.entries.set(hash, { auth, at: this.now() });
      if (this.entries.size > (this.options.maxEntries ?? 10_000)) this.entries.delete(this.entries.keys().next().value!);
    }
    if (auth) this.noteUse(auth.keyId);
    return auth;
  }

  /** Queues a write of the key's last use, unless one was written within the minute. */
  private noteUse(keyId: string): void {
    const now = this.now();
    if (now - (this.usedAt.get(keyId) ?? -Infinity) < LAST_USED_EVERY_MS) return;
    this.usedAt.set(keyId, now);
    this.used.add(keyId);
    this.usedTimer ??= setTimeout(() => void this.writeUses(), 1_000).unref();
  }

  private async writeUses(): Promise<void> {
    this.usedTimer = undefined;
    const ids = [...this.used];
    this.used = new Set();
    // A lost write costs only the precision of "last used": the next use after a minute tries again.
    await this.accounts.touchKeys(ids).catch(() => ids.forEach((id) => this.usedAt.delete(id)));
    if (this.usedAt.size > (this.options.maxEntries ?? 10_000)) this.usedAt.clear();
  }

  /** Handles an announcement: the account's keys are read again on their next use. */
  forgetAccount(accountId: string): void {
    this.generation += 1;
    for (const [hash, entry] of this.entries) if (entry.auth.accountId === accountId) this.entries.delete(hash);
  }

  async close(): Promise<void> {
    this.listening = false;
    clearTimeout(this.usedTimer);
    if (this.used.size > 0) await this.writeUses();
    await this.listener?.close();
  }
}
