// An account's limits: the tenant reads its own; operators read and change any account's.
import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { AccountLimitsView, UpdateAccountLimitsDto } from './dto/account-limits.dto';
import { LimitsService } from './limits.service';
import { Audited } from '../audit/audited';
import { UUID } from '../common/uuid-param';

const LIMITS_DESCRIPTION =
  'Request rates (per account and per API key, 429 with Retry-After and RateLimit headers), the daily message quota, OTP priority entitlement, ' +
  'destination countries and number types, and velocity limits per destination number and per block of numbers. These apply to REST and SMPP alike (request rates to REST only).';

@ApiTags('account')
@KeyScope('messages')
@Controller('v1/account/limits')
export class AccountLimitsController {
  constructor(private readonly limits: LimitsService) {}

  @Get()
  @ApiOperation({ summary: "This account's limits", description: LIMITS_DESCRIPTION })
  @ApiResponse({ status: 200, type: AccountLimitsView })
  get(@CurrentAuth() auth: AuthenticatedKey): Promise<AccountLimitsView> {
    return this.limits.get(auth.accountId);
  }
}

@ApiTags('accounts (operator)')
@KeyScope('operator')
@ApiResponse({ status: 404, description: 'No such account', type: ErrorBody })
@Controller('v1/accounts/:accountId/limits')
export class OperatorLimitsController {
  constructor(private readonly limits: LimitsService) {}

  @Get()
  @ApiOperation({ summary: "An account's limits", description: LIMITS_DESCRIPTION })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiResponse({ status: 200, type: AccountLimitsView })
  get(@Param('accountId') accountId: string): Promise<AccountLimitsView> {
    return this.limits.get(accountId);
  }

  @Patch()
  @Audited({
    action: 'limits.update',
    targetType: 'account_limits',
    targetId: (req) => req.params.accountId as string,
    accountId: (req) => (UUID.test(req.params.accountId as string) ? (req.params.accountId as string) : null),
    read: (m, req) => m.get(LimitsService, { strict: false }).get(req.params.accountId as string),
  })
  @ApiOperation({
    summary: "Change an account's limits",
    description: `${LIMITS_DESCRIPTION} A field left out stays as it is; null returns it to the default. Applies within seconds on every replica.`,
  })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiResponse({ status: 200, type: AccountLimitsView })
  @ApiResponse({ status: 400, description: 'A setting out of range, of the wrong type or unknown (field names it)', type: ErrorBody })
  update(@Param('accountId') accountId: string, @Body() dto: UpdateAccountLimitsDto): Promise<AccountLimitsView> {
    return this.limits.update(accountId, dto);
  }
}
