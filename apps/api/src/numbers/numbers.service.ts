// The long and short codes accounts hold (operator): an account sends from its numbers that have
// the sms capability, and inbound (mobile-originated) SMS to a number reach its account.
import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError } from '@app/contracts';
import { AccountNumber, SenderRepository } from '@app/db';
import { isPhoneCountry, normalizeE164 } from '@app/domain';
import { AccountNumberView, AssignNumberDto, UpdateNumberDto } from './dto/number.dto';

/** PostgreSQL SQLSTATE foreign_key_violation: an account or carrier that does not exist. */
const FOREIGN_KEY_VIOLATION = '23503';
const SHORT_CODE = /^\d{3,8}$/;

export function numberView(n: AccountNumber): AccountNumberView {
  return { number: n.number, accountId: n.accountId, kind: n.kind, country: n.country, carrierId: n.carrierId, capabilities: n.capabilities, createdAt: n.createdAt.toISOString() };
}

/** The foreign key is the check: a separate existence query could race a deletion. */
function foreignKeyField(err: unknown): string | null {
  const e = err as { code?: unknown; constraint?: unknown };
  if (e.code !== FOREIGN_KEY_VIOLATION) return null;
  return typeof e.constraint === 'string' && e.constraint.includes('carrier') ? 'carrierId' : 'accountId';
}

@Injectable()
export class NumbersService {
  constructor(private readonly senders: SenderRepository) {}

  async assign(dto: AssignNumberDto): Promise<AccountNumberView> {
    const written = dto.number.trim();
    let number: string;
    let country: string | null;
    const kind = SHORT_CODE.test(written) ? 'short_code' : 'long_code';
    if (kind === 'short_code') {
      if (!dto.country) throw new ValidationError('invalid_field', 'country is required for a short code (it sends only to numbers of its country)', 'country');
      if (!isPhoneCountry(dto.country)) throw new ValidationError('invalid_field', `country ${dto.country} is not a country with phone numbers`, 'country');
      [number, country] = [written, dto.country];
    } else {
      const parsed = normalizeE164(written, 'number');
      if (dto.country !== undefined && dto.country !== parsed.country) throw new ValidationError('invalid_field', `${parsed.e164} is a number of ${parsed.country ?? 'no country'}, not ${dto.country}`, 'country');
      [number, country] = [parsed.e164, parsed.country ?? null];
    }
    let assigned: AccountNumber | null;
    try {
      assigned = await this.senders.assignNumber({ number, accountId: dto.accountId, kind, country, carrierId: dto.carrierId ?? null, capabilities: dto.capabilities ?? ['sms', 'inbound'] });
    } catch (err) {
      const field = foreignKeyField(err);
      if (field === 'carrierId') throw new ValidationError('unknown_carrier', `No carrier ${dto.carrierId}`, 'carrierId');
      if (field) throw new ValidationError('unknown_account', `No account ${dto.accountId}`, 'accountId');
      throw err;
    }
    if (!assigned) throw new ConflictError('number_taken', `${number} already belongs to an account; release it first`, 'number');
    return numberView(assigned);
  }

  async list(): Promise<AccountNumberView[]> {
    return (await this.senders.listNumbers()).map(numberView);
  }

  async update(number: string, dto: UpdateNumberDto): Promise<AccountNumberView> {
    let updated: AccountNumber | null;
    try {
      updated = await this.senders.updateNumber(this.canonical(number), dto);
    } catch (err) {
      if (foreignKeyField(err)) throw new ValidationError('unknown_carrier', `No carrier ${dto.carrierId}`, 'carrierId');
      throw err;
    }
    if (!updated) throw new NotFoundError('number_not_found', `No account holds ${number}`);
    return numberView(updated);
  }

  async release(number: string): Promise<void> {
    if (!(await this.senders.releaseNumber(this.canonical(number)))) throw new NotFoundError('number_not_found', `No account receives on ${number}`);
  }

  /** The number as written ('+44 7400 123456') or in E.164, or a short code. */
  private canonical(number: string): string {
    const written = number.trim();
    if (SHORT_CODE.test(written)) return written;
    try {
      return normalizeE164(written, 'number').e164;
    } catch {
      return written;
    }
  }
}
