// What accounts may send from (README, "Numbers and sender IDs"): operators grant alphanumeric
// sender IDs and set their registration status per country; an account lists what it holds,
// asks for a registration, and groups its numbers into sender pools. Numbers themselves are
// granted in numbers/ (POST /v1/numbers). The rule that applies all this to each message is
// SenderRules in libs/messaging.
import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError, UUID } from '@app/contracts';
import { SenderIdRecord, SenderPoolRecord, SenderRepository } from '@app/db';
import { isPhoneCountry, normalizeE164, normalizeSender, RegistrationStatus, SENDER_ID_REGISTRATION_COUNTRIES, senderIdKey } from '@app/domain';
import { numberView } from '../numbers/numbers.service';
import { CreateSenderPoolDto, GrantSenderIdDto, HeldSendersView, SenderIdView, SenderPoolView } from './dto/senders.dto';

const FOREIGN_KEY_VIOLATION = '23503';

function senderIdView(s: SenderIdRecord): SenderIdView {
  return {
    accountId: s.accountId,
    senderId: s.senderId,
    registrations: s.registrations.map((r) => ({ country: r.country, status: r.status, note: r.note, requestedAt: r.requestedAt.toISOString(), updatedAt: r.updatedAt.toISOString() })),
    createdAt: s.createdAt.toISOString(),
  };
}

function poolView(p: SenderPoolRecord): SenderPoolView {
  return { name: p.name, numbers: p.numbers, createdAt: p.createdAt.toISOString() };
}

/** An alphanumeric sender ID as written, or a 400 naming `field`. */
function alphanumeric(senderId: string, field: string): string {
  const sender = normalizeSender(senderId, field);
  if (sender.type !== 'alphanumeric') throw new ValidationError('invalid_sender', `${field} must be an alphanumeric sender ID (numbers are granted with POST /v1/numbers)`, field);
  return sender.value;
}

function country(code: string): string {
  if (!isPhoneCountry(code)) throw new ValidationError('invalid_field', 'country must be an ISO 3166-1 alpha-2 code such as HR', 'country');
  return code;
}

@Injectable()
export class SendersService {
  constructor(private readonly senders: SenderRepository) {}

  async held(accountId: string): Promise<HeldSendersView> {
    const [numbers, senderIds, pools] = await Promise.all([this.senders.listNumbers(accountId), this.senders.listSenderIds(accountId), this.senders.listPools(accountId)]);
    return {
      numbers: numbers.map(numberView),
      senderIds: senderIds.map(senderIdView),
      pools: pools.map(poolView),
      registrationCountries: [...SENDER_ID_REGISTRATION_COUNTRIES],
    };
  }

  // Operator.

  async grantSenderId(accountId: string, dto: GrantSenderIdDto): Promise<SenderIdView> {
    const senderId = alphanumeric(dto.senderId, 'senderId');
    this.checkAccountId(accountId);
    try {
      return senderIdView(await this.senders.grantSenderId(accountId, senderId, senderIdKey(senderId)));
    } catch (err) {
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) throw new NotFoundError('account_not_found', `No account ${accountId}`);
      throw err;
    }
  }

  async revokeSenderId(accountId: string, senderId: string): Promise<void> {
    if (!UUID.test(accountId) || !(await this.senders.revokeSenderId(accountId, senderIdKey(senderId)))) {
      throw new NotFoundError('sender_id_not_found', `The account does not hold the sender ID ${JSON.stringify(senderId)}`);
    }
  }

  async setRegistration(accountId: string, senderId: string, code: string, status: RegistrationStatus, note: string | null): Promise<SenderIdView> {
    country(code);
    const key = senderIdKey(senderId);
    if (!UUID.test(accountId) || !(await this.senders.setRegistration(accountId, key, code, status, note))) {
      throw new NotFoundError('sender_id_not_found', `The account does not hold the sender ID ${JSON.stringify(senderId)}`);
    }
    return senderIdView((await this.senders.findSenderId(accountId, key))!);
  }

  // Account.

  /** A tenant asks for a registration: recorded as pending, never overwriting an operator's decision. */
  async requestRegistration(accountId: string, senderId: string, code: string): Promise<SenderIdView> {
    const key = senderIdKey(senderId);
    if (!(await this.senders.setRegistration(accountId, key, country(code), 'pending', null, true))) {
      throw new NotFoundError('sender_id_not_found', `The account does not hold the sender ID ${JSON.stringify(senderId)}`);
    }
    return senderIdView((await this.senders.findSenderId(accountId, key))!);
  }

  async createPool(accountId: string, dto: CreateSenderPoolDto): Promise<SenderPoolView> {
    const numbers = dto.numbers.map((n, i) => (/^\d{3,8}$/.test(n.trim()) ? n.trim() : normalizeE164(n, `numbers[${i}]`).e164));
    if (new Set(numbers).size !== numbers.length) throw new ValidationError('invalid_field', 'numbers must not repeat a number', 'numbers');
    const created = await this.senders.createPool(accountId, dto.name, numbers);
    if ('refused' in created) {
      if (created.refused === 'name_taken') throw new ConflictError('sender_pool_exists', `The account has a sender pool ${dto.name} already`, 'name');
      throw new ValidationError('sender_not_held', `The account does not hold ${created.numbers.join(', ')}`, `numbers[${numbers.indexOf(created.numbers[0])}]`);
    }
    return poolView(created);
  }

  async listPools(accountId: string): Promise<SenderPoolView[]> {
    return (await this.senders.listPools(accountId)).map(poolView);
  }

  async getPool(accountId: string, name: string): Promise<SenderPoolView> {
    const [pool] = await this.senders.listPools(accountId, name);
    if (!pool) throw new NotFoundError('sender_pool_not_found', `The account has no sender pool ${JSON.stringify(name)}`);
    return poolView(pool);
  }

  async deletePool(accountId: string, name: string): Promise<void> {
    if (!(await this.senders.deletePool(accountId, name))) throw new NotFoundError('sender_pool_not_found', `The account has no sender pool ${JSON.stringify(name)}`);
  }

  private checkAccountId(accountId: string): void {
    if (!UUID.test(accountId)) throw new NotFoundError('account_not_found', `No account ${accountId}`);
  }
}
