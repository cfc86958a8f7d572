// Which account receives the inbound (mobile-originated) SMS arriving on which number.
import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError } from '@app/contracts';
import { AccountNumber, InboundRepository } from '@app/db';
import { normalizeE164 } from '@app/domain';
import { AccountNumberView, AssignNumberDto } from './dto/number.dto';

/** PostgreSQL SQLSTATE foreign_key_violation: here, account_numbers.account_id names no account. */
const FOREIGN_KEY_VIOLATION = '23503';

function toView(n: AccountNumber): AccountNumberView {
  return { number: n.number, accountId: n.accountId, createdAt: n.createdAt.toISOString() };
}

@Injectable()
export class NumbersService {
  constructor(private readonly inbound: InboundRepository) {}

  async assign(dto: AssignNumberDto): Promise<AccountNumberView> {
    const { e164 } = normalizeE164(dto.number, 'number');
    let assigned: AccountNumber | null;
    try {
      assigned = await this.inbound.assignNumber(e164, dto.accountId);
    } catch (err) {
      // The foreign key is the check: a separate existence query could race a deletion.
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) throw new ValidationError('unknown_account', `No account ${dto.accountId}`, 'accountId');
      throw err;
    }
    if (!assigned) throw new ConflictError('number_taken', `${e164} already belongs to an account; release it first`, 'number');
    return toView(assigned);
  }

  async list(): Promise<AccountNumberView[]> {
    return (await this.inbound.listNumbers()).map(toView);
  }

  async release(number: string): Promise<void> {
    // Accept the number as written ('+44 7400 123456') as well as in E.164.
    let e164: string;
    try {
      e164 = normalizeE164(number, 'number').e164;
    } catch {
      e164 = number;
    }
    if (!(await this.inbound.releaseNumber(e164))) throw new NotFoundError('number_not_found', `No account receives on ${number}`);
  }
}
