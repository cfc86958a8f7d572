// Operators set each account's SMPP ceilings: submits per second and binds of all its
// credentials together. Tenants see them (GET /v1/smpp/limits) and may set their credentials
// lower, never higher. Gateways apply a change to open sessions within seconds.
import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '@app/contracts';
import { ErrorBody } from '../common/error-body';
import { SmppAccountLimitsDto, SmppAccountLimitsView } from './dto/smpp-credential.dto';
import { SmppCredentialsService } from './smpp-credentials.service';
import { UUID } from '../common/uuid-param';
import { Audited } from '../audit/audited';
import { KeyScope } from '../auth/key-scope.decorator';

const ACCOUNT_PARAM = { name: 'accountId', description: 'The account (UUID)', example: '0b6a1f7e-2f55-4a43-9a55-1c1e5b0c7d11' };

function accountIdOf(value: string): string {
  if (!UUID.test(value)) throw new NotFoundError('account_not_found', `No account ${value}`);
  return value;
}

@ApiTags('smpp account limits (operator)')
@KeyScope('operator')
@Controller('v1/smpp/accounts')
export class SmppAccountLimitsController {
  constructor(private readonly credentials: SmppCredentialsService) {}

  @Get(':accountId/limits')
  @ApiOperation({ summary: "An account's SMPP ceilings", description: 'The defaults (100/s, 8 binds) until an operator sets them.' })
  @ApiParam(ACCOUNT_PARAM)
  @ApiResponse({ status: 200, type: SmppAccountLimitsView })
  @ApiResponse({ status: 404, description: 'account_not_found', type: ErrorBody })
  async get(@Param('accountId') accountId: string): Promise<SmppAccountLimitsView> {
    return this.credentials.limits(accountIdOf(accountId));
  }

  @Put(':accountId/limits')
  @Audited({
    action: 'smpp_account_limits.set',
    targetType: 'smpp_account_limits',
    targetId: (req) => req.params.accountId as string,
    accountId: (req) => (UUID.test(req.params.accountId as string) ? (req.params.accountId as string) : null),
    read: (m, req) => m.get(SmppCredentialsService, { strict: false }).limits(req.params.accountId as string),
  })
  @ApiOperation({
    summary: "Set an account's SMPP ceilings",
    description:
      'Submits per second and simultaneous binds of all its credentials together, held across gateway replicas. Lowering them unbinds the newest sessions over the new bind ceiling within seconds.',
  })
  @ApiParam(ACCOUNT_PARAM)
  @ApiResponse({ status: 200, type: SmppAccountLimitsView })
  @ApiResponse({ status: 400, description: 'A field missing, out of range or unknown; `field` names it', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'account_not_found', type: ErrorBody })
  set(@Param('accountId') accountId: string, @Body() dto: SmppAccountLimitsDto): Promise<SmppAccountLimitsView> {
    return this.credentials.setLimits(accountIdOf(accountId), dto);
  }
}
