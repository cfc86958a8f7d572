// The API keys (and OAuth clients and operators) this replica authenticated lately, so a request
// costs no database round trip for its credential: an entry lives up to API_KEY_CACHE_MS, and any
// change to a key, client, operator or their account (revocation, scopes, limits; triggers
// announce it on the `api_keys` channel) drops that
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
    const auth = await this.cached(hashApiKey(key), () => this.accounts.authenticate(key));
    if (auth) this.noteUse(auth.keyId);
    return auth;
  }

  /**
   * What `load` reads for `cacheKey` (an API key's hash, an OAuth client's or an operator's id),
   * from memory while it is fresh. Null answers (a wrong key, a revoked client) are not kept.
   */
  async cached(cacheKey: string, load: () => Promise<AuthenticatedKey | null>): Promise<AuthenticatedKey | null> {
    const cached = this.entries.get(cacheKey);
    const now = this.now();
    if (cached && this.listening && now - cached.at < this.options.ttlMs && (cached.auth.expiresAt === null || cached.auth.expiresAt.getTime() > now)) return cached.auth;
    const generation = this.generation;
    const auth = await load();
    this.entries.delete(cacheKey);
    if (auth && this.listening && generation === this.generation && this.options.ttlMs > 0) {
      this.entries.set(cacheKey, { auth, at: this.now() });
      if (this.entries.size > (this.options.maxEntries ?? 10_000)) this.entries.delete(this.entries.keys().next().value!);
    }
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
