import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { CreatedSmppCredentialView, CreateSmppCredentialDto, SmppAccountLimitsView, SmppCredentialView, SmppPasswordView, UpdateSmppCredentialDto } from './dto/smpp-credential.dto';
import { SmppCredentialsService } from './smpp-credentials.service';
import { Audited } from '../audit/audited';

const SYSTEM_ID_PARAM = { name: 'systemId', description: 'The SMPP system_id of one of your credentials', example: 'acme1' };

const ABOVE_CEILING = "Invalid or unknown field (`field` names it); above_account_limit: throughputPerSecond or maxBinds above the account's ceiling";

@ApiTags('smpp credentials')
@KeyScope('smpp')
@Controller('v1/smpp')
export class SmppCredentialsController {
  constructor(private readonly credentials: SmppCredentialsService) {}

  @Get('limits')
  @ApiOperation({
    summary: "This account's SMPP ceilings",
    description: 'Submits per second and binds of all its credentials together, set by an operator (defaults 100/s and 8 binds). A credential may be set lower, never higher.',
  })
  @ApiResponse({ status: 200, type: SmppAccountLimitsView })
  limits(@CurrentAuth() auth: AuthenticatedKey): Promise<SmppAccountLimitsView> {
    return this.credentials.limits(auth.accountId);
  }

  @Post('credentials')
  @Audited({
    action: 'smpp_credential.create',
    targetType: 'smpp_credential',
    targetId: (req, result) => (result as { systemId?: string } | undefined)?.systemId ?? null,
    read: (m, req, result) =>
      result
        ? m.get(SmppCredentialsService, { strict: false }).list(req.auth!.accountId).then((all) => all.find((c) => c.systemId === (result as { systemId: string }).systemId) ?? null)
        : Promise.resolve(null),
  })
  @ApiOperation({
    summary: 'Create an SMPP login for this account',
    description: 'Generates the 8-character password (SMPP 3.4 allows no more) and returns it this once; only a scrypt hash is stored. Omit systemId to get a generated one.',
  })
  @ApiResponse({ status: 201, type: CreatedSmppCredentialView })
  @ApiResponse({ status: 400, description: ABOVE_CEILING, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'system_id_taken: the system_id exists (system_ids are unique across accounts)', type: ErrorBody })
  create(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: CreateSmppCredentialDto): Promise<CreatedSmppCredentialView> {
    return this.credentials.create(auth.accountId, dto);
  }

  @Get('credentials')
  @ApiOperation({ summary: "This account's SMPP logins (passwords are never returned)" })
  @ApiResponse({ status: 200, type: [SmppCredentialView] })
  list(@CurrentAuth() auth: AuthenticatedKey): Promise<SmppCredentialView[]> {
    return this.credentials.list(auth.accountId);
  }

  @Patch('credentials/:systemId')
  @Audited({ action: 'smpp_credential.update', targetType: 'smpp_credential', targetId: (req) => req.params.systemId as string, read: (m, req) => m.get(SmppCredentialsService, { strict: false }).list(req.auth!.accountId).then((all) => all.find((c) => c.systemId === req.params.systemId) ?? null) })
  @ApiOperation({
    summary: 'Change the limits and interop settings of an SMPP login',
    description:
      'Open sessions follow within seconds, on every gateway: disabled, or bound from an address no longer allowed: unbound; over a lowered maxBinds: the newest unbound; new throughput, default country and alphabet apply to the next submit.',
  })
  @ApiParam(SYSTEM_ID_PARAM)
  @ApiResponse({ status: 200, type: SmppCredentialView })
  @ApiResponse({ status: 400, description: ABOVE_CEILING, type: ErrorBody })
  @ApiResponse({ status: 404, description: 'No such credential on this account', type: ErrorBody })
  update(@CurrentAuth() auth: AuthenticatedKey, @Param('systemId') systemId: string, @Body() dto: UpdateSmppCredentialDto): Promise<SmppCredentialView> {
    return this.credentials.update(auth.accountId, systemId, dto);
  }

  @Post('credentials/:systemId/password')
  @Audited({ action: 'smpp_credential.password', targetType: 'smpp_credential', targetId: (req) => req.params.systemId as string, read: (m, req) => m.get(SmppCredentialsService, { strict: false }).list(req.auth!.accountId).then((all) => all.find((c) => c.systemId === req.params.systemId) ?? null) })
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replace the password with a new generated one',
    description: 'The new password is returned this once; the old one no longer binds, and sessions bound with it are unbound within seconds.',
  })
  @ApiParam(SYSTEM_ID_PARAM)
  @ApiResponse({ status: 200, type: SmppPasswordView })
  @ApiResponse({ status: 404, description: 'No such credential on this account', type: ErrorBody })
  rotatePassword(@CurrentAuth() auth: AuthenticatedKey, @Param('systemId') systemId: string): Promise<SmppPasswordView> {
    return this.credentials.rotatePassword(auth.accountId, systemId);
  }

  @Delete('credentials/:systemId')
  @Audited({ action: 'smpp_credential.delete', targetType: 'smpp_credential', targetId: (req) => req.params.systemId as string, read: (m, req) => m.get(SmppCredentialsService, { strict: false }).list(req.auth!.accountId).then((all) => all.find((c) => c.systemId === req.params.systemId) ?? null) })
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an SMPP login', description: 'Its open sessions are unbound within seconds.' })
  @ApiParam(SYSTEM_ID_PARAM)
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiResponse({ status: 404, description: 'No such credential on this account', type: ErrorBody })
  remove(@CurrentAuth() auth: AuthenticatedKey, @Param('systemId') systemId: string): Promise<void> {
    return this.credentials.remove(auth.accountId, systemId);
  }
}
