// Numbers and sender IDs as data (README, "Numbers and sender IDs"): what an account holds and
// its sender pools (scope messages), and the operator's grants and registration decisions.
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { CreateSenderPoolDto, GrantSenderIdDto, HeldSendersView, RequestRegistrationDto, SenderIdView, SenderPoolView, SetRegistrationDto } from './dto/senders.dto';
import { SendersService } from './senders.service';

const SENDER_ID_PARAM = { name: 'senderId', description: 'Alphanumeric sender ID, URL-encoded; matched without regard to case', example: 'Acme' };

@ApiTags('senders')
@KeyScope('messages')
@Controller('v1/senders')
export class SendersController {
  constructor(private readonly senders: SendersService) {}

  @Get()
  @ApiOperation({
    summary: 'What this account may send from',
    description:
      'Its long and short codes (with carrier and capabilities), its alphanumeric sender IDs with their registration status per country, its sender pools, and the countries that require registered alphanumeric senders. `from` must be one of these (an alphanumeric one approved for the destination country where registration is required).',
  })
  @ApiResponse({ status: 200, type: HeldSendersView })
  held(@CurrentAuth() auth: AuthenticatedKey): Promise<HeldSendersView> {
    return this.senders.held(auth.accountId);
  }

  @Post('sender-ids/:senderId/registrations')
  @ApiOperation({ summary: 'Ask for a sender ID to be registered in a country', description: 'Recorded as pending for an operator to approve or reject; a registration already recorded is returned as it is.' })
  @ApiParam(SENDER_ID_PARAM)
  @ApiResponse({ status: 201, type: SenderIdView })
  @ApiResponse({ status: 400, description: 'country invalid', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'sender_id_not_found: the account does not hold the sender ID', type: ErrorBody })
  requestRegistration(@CurrentAuth() auth: AuthenticatedKey, @Param('senderId') senderId: string, @Body() dto: RequestRegistrationDto): Promise<SenderIdView> {
    return this.senders.requestRegistration(auth.accountId, senderId, dto.country);
  }
}

@ApiTags('senders')
@KeyScope('messages')
@Controller('v1/sender-pools')
export class SenderPoolsController {
  constructor(private readonly senders: SendersService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a sender pool',
    description: 'A named set of numbers the account holds. POST /v1/messages with `senderPool` sends from one of them, and a subscriber keeps getting the same number (so replies land in one conversation).',
  })
  @ApiResponse({ status: 201, type: SenderPoolView })
  @ApiResponse({ status: 400, description: 'Invalid name or numbers; sender_not_held (field numbers[i]): a number the account does not hold', type: ErrorBody })
  @ApiResponse({ status: 409, description: 'sender_pool_exists: a pool of that name exists', type: ErrorBody })
  create(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: CreateSenderPoolDto): Promise<SenderPoolView> {
    return this.senders.createPool(auth.accountId, dto);
  }

  @Get()
  @ApiOperation({ summary: "This account's sender pools" })
  @ApiResponse({ status: 200, type: [SenderPoolView] })
  list(@CurrentAuth() auth: AuthenticatedKey): Promise<SenderPoolView[]> {
    return this.senders.listPools(auth.accountId);
  }

  @Get(':name')
  @ApiOperation({ summary: 'A sender pool' })
  @ApiResponse({ status: 200, type: SenderPoolView })
  @ApiResponse({ status: 404, type: ErrorBody })
  get(@CurrentAuth() auth: AuthenticatedKey, @Param('name') name: string): Promise<SenderPoolView> {
    return this.senders.getPool(auth.accountId, name);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a sender pool (its numbers stay with the account; its subscribers are forgotten)' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({ status: 404, type: ErrorBody })
  remove(@CurrentAuth() auth: AuthenticatedKey, @Param('name') name: string): Promise<void> {
    return this.senders.deletePool(auth.accountId, name);
  }
}

@ApiTags('senders (operator)')
@KeyScope('operator')
@Controller('v1/accounts/:accountId/sender-ids')
export class OperatorSenderIdsController {
  constructor(private readonly senders: SendersService) {}

  @Post()
  @ApiOperation({ summary: 'Grant an account an alphanumeric sender ID', description: 'Idempotent: granting one it holds returns it as it is. Countries that require registration also need an approved registration.' })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiResponse({ status: 201, type: SenderIdView })
  @ApiResponse({ status: 400, description: 'invalid_sender (field senderId)', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'account_not_found', type: ErrorBody })
  grant(@Param('accountId') accountId: string, @Body() dto: GrantSenderIdDto): Promise<SenderIdView> {
    return this.senders.grantSenderId(accountId, dto);
  }

  @Delete(':senderId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take a sender ID (and its registrations) from an account' })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiParam(SENDER_ID_PARAM)
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiResponse({ status: 404, description: 'sender_id_not_found', type: ErrorBody })
  revoke(@Param('accountId') accountId: string, @Param('senderId') senderId: string): Promise<void> {
    return this.senders.revokeSenderId(accountId, senderId);
  }

  @Put(':senderId/registrations/:country')
  @ApiOperation({ summary: "Record a sender ID's registration status in a country (pending, approved, rejected)" })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiParam(SENDER_ID_PARAM)
  @ApiParam({ name: 'country', description: 'ISO 3166-1 alpha-2', example: 'HR' })
  @ApiResponse({ status: 200, type: SenderIdView })
  @ApiResponse({ status: 400, description: 'Invalid status or country', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'sender_id_not_found: the account does not hold the sender ID', type: ErrorBody })
  setRegistration(@Param('accountId') accountId: string, @Param('senderId') senderId: string, @Param('country') country: string, @Body() dto: SetRegistrationDto): Promise<SenderIdView> {
    return this.senders.setRegistration(accountId, senderId, country, dto.status, dto.note ?? null);
  }
}
