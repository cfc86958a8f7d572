import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { AccountService } from './account.service';
import { AccountSettingsView, SMART_ENCODING_DESCRIPTION, UpdateAccountSettingsDto } from './dto/account-settings.dto';

@ApiTags('account')
@KeyScope('messages')
@ApiResponse({ status: 404, description: 'account_not_found: the account of this key no longer exists', type: ErrorBody })
@Controller('v1/account')
export class AccountController {
  constructor(private readonly account: AccountService) {}

  @Get('settings')
  @ApiOperation({ summary: "This account's settings", description: SMART_ENCODING_DESCRIPTION })
  @ApiResponse({ status: 200, type: AccountSettingsView })
  settings(@CurrentAuth() auth: AuthenticatedKey): Promise<AccountSettingsView> {
    return this.account.settings(auth.accountId);
  }

  @Patch('settings')
  @ApiOperation({ summary: 'Change settings: turn smart encoding on or off', description: SMART_ENCODING_DESCRIPTION })
  @ApiResponse({ status: 200, type: AccountSettingsView })
  @ApiResponse({ status: 400, description: 'smartEncoding missing or not a boolean, or an unknown field', type: ErrorBody })
  update(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: UpdateAccountSettingsDto): Promise<AccountSettingsView> {
    return this.account.update(auth.accountId, dto);
  }
}
