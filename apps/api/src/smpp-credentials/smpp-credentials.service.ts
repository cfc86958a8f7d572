// An account's own SMPP logins. The password is generated here, returned once and stored
// only as a scrypt hash; system_ids are global because a bind names nothing else. A
// credential's throughput and binds may not exceed the account's ceilings (set by operators:
// a tenant may lower its limits, never raise them). The gateways apply every change to open
// sessions (NOTIFY from a trigger).
import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError } from '@app/contracts';
import { generateSmppPassword, hashSmppPassword, SmppAccountLimits, SmppCredential, SmppCredentialRepository, SmppCredentialWithHash, withoutHash } from '@app/db';
import { isPhoneCountry } from '@app/domain';
import { validAllowedIps } from '@app/egress';
import {
  CreatedSmppCredentialView,
  CreateSmppCredentialDto,
  SmppAccountLimitsDto,
  SmppAccountLimitsView,
  SmppCredentialView,
  SmppPasswordView,
  UpdateSmppCredentialDto,
} from './dto/smpp-credential.dto';

const DEFAULTS = { maxBinds: 4, throughputPerSecond: 100, enabled: true, defaultAlphabet: 'gsm' as const };
const GENERATED_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** A generated id clashing is a 1-in-36^8 event; a few tries make it irrelevant. */
const GENERATED_ID_TRIES = 5;

function generateSystemId(): string {
  let id = 'acc';
  for (let i = 0; i < 8; i += 1) id += GENERATED_ID_ALPHABET[randomInt(GENERATED_ID_ALPHABET.length)];
  return id;
}

function validCountry(country: string | null | undefined): string | null | undefined {
  if (country === undefined || country === null || isPhoneCountry(country)) return country;
  throw new ValidationError('invalid_field', `defaultCountry ${JSON.stringify(country)} is not a country with a known numbering plan (ISO 3166-1 alpha-2, e.g. GB)`, 'defaultCountry');
}

/** A tenant may set its credential's limits up to the account's ceilings, not above. */
function withinCeilings(settings: { maxBinds?: number; throughputPerSecond?: number }, ceilings: SmppAccountLimits): void {
  if (settings.throughputPerSecond !== undefined && settings.throughputPerSecond > ceilings.maxThroughputPerSecond) {
    throw new ValidationError(
      'above_account_limit',
      `throughputPerSecond ${settings.throughputPerSecond} is above this account's ceiling of ${ceilings.maxThroughputPerSecond}/s (an operator sets it)`,
      'throughputPerSecond',
    );
  }
  if (settings.maxBinds !== undefined && settings.maxBinds > ceilings.maxBinds) {
    throw new ValidationError('above_account_limit', `maxBinds ${settings.maxBinds} is above this account's ceiling of ${ceilings.maxBinds} binds (an operator sets it)`, 'maxBinds');
  }
}

function toView(credential: SmppCredential): SmppCredentialView {
  const { systemId, maxBinds, allowedIps, throughputPerSecond, enabled, defaultCountry, defaultAlphabet, createdAt, updatedAt } = credential;
  return {
    systemId,
    maxBinds,
    allowedIps,
    throughputPerSecond,
    enabled,
    defaultCountry,
    defaultAlphabet,
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}

const notFound = (systemId: string) => new NotFoundError('smpp_credential_not_found', `No SMPP credential ${systemId} on this account`);

@Injectable()
export class SmppCredentialsService {
  constructor(private readonly credentials: SmppCredentialRepository) {}

  async create(accountId: string, dto: CreateSmppCredentialDto): Promise<CreatedSmppCredentialView> {
    const ceilings = await this.credentials.accountLimits(accountId);
    withinCeilings(dto, ceilings);
    const settings = {
      maxBinds: dto.maxBinds ?? Math.min(DEFAULTS.maxBinds, ceilings.maxBinds),
      allowedIps: validAllowedIps(dto.allowedIps ?? []),
      throughputPerSecond: dto.throughputPerSecond ?? Math.min(DEFAULTS.throughputPerSecond, ceilings.maxThroughputPerSecond),
      enabled: dto.enabled ?? DEFAULTS.enabled,
      defaultCountry: validCountry(dto.defaultCountry) ?? null,
      defaultAlphabet: dto.defaultAlphabet ?? DEFAULTS.defaultAlphabet,
    };
    const password = generateSmppPassword();
    const passwordHash = await hashSmppPassword(password);
    let created: SmppCredentialWithHash | null = null;
    if (dto.systemId !== undefined) {
      created = await this.credentials.create(accountId, dto.systemId, passwordHash, settings);
      if (!created) throw new ConflictError('system_id_taken', `The system_id ${dto.systemId} is taken`, 'systemId');
    } else {
      for (let i = 0; i < GENERATED_ID_TRIES && !created; i += 1) created = await this.credentials.create(accountId, generateSystemId(), passwordHash, settings);
      if (!created) throw new ConflictError('system_id_taken', 'Could not generate a free system_id; send one', 'systemId');
    }
    return { ...toView(withoutHash(created)), password };
  }

  async list(accountId: string): Promise<SmppCredentialView[]> {
    return (await this.credentials.listForAccount(accountId)).map((c) => toView(withoutHash(c)));
  }

  async update(accountId: string, systemId: string, dto: UpdateSmppCredentialDto): Promise<SmppCredentialView> {
    withinCeilings(dto, await this.credentials.accountLimits(accountId));
    const updated = await this.credentials.update(accountId, systemId, {
      maxBinds: dto.maxBinds,
      allowedIps: dto.allowedIps === undefined ? undefined : validAllowedIps(dto.allowedIps),
      throughputPerSecond: dto.throughputPerSecond,
      enabled: dto.enabled,
      defaultCountry: validCountry(dto.defaultCountry),
      defaultAlphabet: dto.defaultAlphabet,
    });
    if (!updated) throw notFound(systemId);
    return toView(withoutHash(updated));
  }

  async rotatePassword(accountId: string, systemId: string): Promise<SmppPasswordView> {
    const password = generateSmppPassword();
    const updated = await this.credentials.update(accountId, systemId, { passwordHash: await hashSmppPassword(password) });
    if (!updated) throw notFound(systemId);
    return { systemId: updated.systemId, password };
  }

  async remove(accountId: string, systemId: string): Promise<void> {
    if (!(await this.credentials.delete(accountId, systemId))) throw notFound(systemId);
  }

  /** The account's ceilings, as its tenant sees them. */
  async limits(accountId: string): Promise<SmppAccountLimitsView> {
    return this.credentials.accountLimits(accountId);
  }

  /** Operators: sets an account's ceilings. Credentials above them are held to them by the gateway. */
  async setLimits(accountId: string, dto: SmppAccountLimitsDto): Promise<SmppAccountLimitsView> {
    const limits = { maxThroughputPerSecond: dto.maxThroughputPerSecond, maxBinds: dto.maxBinds };
    if (!(await this.credentials.setAccountLimits(accountId, limits))) throw new NotFoundError('account_not_found', `No account ${accountId}`);
    return { ...limits, custom: true };
  }
}
