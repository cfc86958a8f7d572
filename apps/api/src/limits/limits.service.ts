// Reading and changing an account's limits; the rules that apply them are in the guard
// (requests) and the shared intake (messages).
import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@app/contracts';
import { AccountRepository } from '@app/db';
import { AccountLimitsView, UpdateAccountLimitsDto } from './dto/account-limits.dto';
import { UUID } from '../common/uuid-param';


@Injectable()
export class LimitsService {
  constructor(private readonly accounts: AccountRepository) {}

  async get(accountId: string): Promise<AccountLimitsView> {
    const limits = UUID.test(accountId) ? await this.accounts.limits(accountId) : null;
    if (!limits) throw new NotFoundError('account_not_found', `No account ${accountId}`);
    return limits;
  }

  async update(accountId: string, dto: UpdateAccountLimitsDto): Promise<AccountLimitsView> {
    const limits = UUID.test(accountId) ? await this.accounts.updateLimits(accountId, { ...dto }) : null;
    if (!limits) throw new NotFoundError('account_not_found', `No account ${accountId}`);
    return limits;
  }
}
