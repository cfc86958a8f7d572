// The settings an account changes for itself with its own API key.
import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@app/contracts';
import { AccountRepository } from '@app/db';
import { AccountSettingsView, UpdateAccountSettingsDto } from './dto/account-settings.dto';

@Injectable()
export class AccountService {
  constructor(private readonly accounts: AccountRepository) {}

  async settings(accountId: string): Promise<AccountSettingsView> {
    const settings = await this.accounts.settings(accountId);
    if (!settings) throw new NotFoundError('account_not_found', 'The account of this API key no longer exists');
    return settings;
  }

  async update(accountId: string, dto: UpdateAccountSettingsDto): Promise<AccountSettingsView> {
    // The key was authenticated a moment ago, so the account exists.
    return this.accounts.updateSettings(accountId, { smartEncoding: dto.smartEncoding });
  }
}
