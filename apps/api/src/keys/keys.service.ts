// An account's API keys through the API: made with scopes (never more than the caller's own), an
// optional expiry and client-address allow-list; listed with their prefix and last use; revoked;
// rotated with an overlap window in which both keys work. Each change is in the audit log.
import { Injectable } from '@nestjs/common';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@app/contracts';
import { AccountRepository, ApiKeyView as StoredKey, AuditActor, AuditRepository, AuthenticatedKey } from '@app/db';
import { validAllowedIps } from '@app/egress';
import { ApiKeyView, CreateApiKeyDto, CreatedApiKeyView, DEFAULT_OVERLAP_SECONDS, RotateApiKeyDto, RotatedApiKeyView, UpdateApiKeyDto } from './dto/api-key.dto';

@Injectable()
export class KeysService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly audit: AuditRepository,
  ) {}

  async list(accountId: string): Promise<ApiKeyView[]> {
    return (await this.accounts.listKeys(accountId)).map(view);
  }

  async create(auth: AuthenticatedKey, actor: AuditActor, dto: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    const beyond = dto.scopes.filter((s) => !auth.scopes.includes(s));
    if (beyond.length > 0) throw new ForbiddenError('scope_not_held', `This key cannot give scopes it does not hold: ${beyond.join(', ')}`, 'scopes');
    let expiresAt: Date | null = null;
    if (dto.expiresAt !== undefined) {
      expiresAt = new Date(dto.expiresAt);
      if (expiresAt.getTime() <= Date.now()) throw new ValidationError('invalid_field', 'expiresAt must be in the future', 'expiresAt');
    }
    const allowedIps = validAllowedIps(dto.allowedIps ?? []);
    const { key, view: stored } = await this.accounts.createKey(auth.accountId, { name: dto.name, scopes: dto.scopes, expiresAt, allowedIps });
    await this.audit.record(actor, { action: 'api_key.create', targetType: 'api_key', targetId: stored.id, after: view(stored) });
    return { ...view(stored), key };
  }

  async update(accountId: string, actor: AuditActor, keyId: string, dto: UpdateApiKeyDto): Promise<ApiKeyView> {
    const before = await this.find(accountId, keyId);
    const allowedIps = dto.allowedIps === undefined ? undefined : validAllowedIps(dto.allowedIps);
    const after = await this.accounts.updateKey(accountId, keyId, { name: dto.name, allowedIps });
    if (!after) throw notFound(keyId);
    await this.audit.record(actor, { action: 'api_key.update', targetType: 'api_key', targetId: keyId, before: view(before), after: view(after) });
    return view(after);
  }

  async revoke(accountId: string, actor: AuditActor, keyId: string): Promise<void> {
    const before = await this.find(accountId, keyId);
    const after = await this.accounts.revokeKey(accountId, keyId);
    if (!after) throw notFound(keyId);
    await this.audit.record(actor, { action: 'api_key.revoke', targetType: 'api_key', targetId: keyId, before: view(before), after: view(after) });
  }

  async rotate(accountId: string, actor: AuditActor, keyId: string, dto: RotateApiKeyDto): Promise<RotatedApiKeyView> {
    const before = await this.find(accountId, keyId);
    const rotated = await this.accounts.rotateKey(accountId, keyId, dto.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS);
    if (!rotated) throw new ConflictError('key_not_active', `API key ${keyId} is revoked or expired: only an active key can be rotated`);
    await this.audit.record(actor, { action: 'api_key.rotate', targetType: 'api_key', targetId: keyId, before: view(before), after: { replaced: view(rotated.old), new: view(rotated.view) } });
    return { ...view(rotated.view), key: rotated.key, replaced: view(rotated.old) };
  }

  private async find(accountId: string, keyId: string): Promise<StoredKey> {
    const key = await this.accounts.findKey(accountId, keyId);
    if (!key) throw notFound(keyId);
    return key;
  }
}

const notFound = (keyId: string) => new NotFoundError('api_key_not_found', `This account has no API key ${keyId}`);

function view(key: StoredKey): ApiKeyView {
  const status = key.revokedAt ? 'revoked' : key.expiresAt && key.expiresAt.getTime() <= Date.now() ? 'expired' : 'active';
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    allowedIps: key.allowedIps,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    rotatedFrom: key.rotatedFrom,
    status,
  };
}
