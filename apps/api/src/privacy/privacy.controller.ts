// Retention and data subjects (GDPR): a tenant reads its retention periods, exports what it
// holds about a phone number and erases it; operators do the same for any account and change
// its retention periods. Changes and erasures are audited.
import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedKey } from '@app/db';
import { Audited } from '../audit/audited';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { UUID } from '../common/uuid-param';
import { DataSubjectDto, ErasureView, RETENTION_DESCRIPTION, RetentionSettingsView, SubjectExportView, UpdateRetentionDto } from './dto/privacy.dto';
import { PrivacyService } from './privacy.service';

const EXPORT_DESCRIPTION =
  'Everything the account holds about the number, as JSON: messages to it (with events, attempts, receipts, webhooks), inbound messages from it, conversations, opt-out and consent events, campaign audiences, SMPP deliveries, sticky sender assignments and earlier erasures.';
const ERASE_DESCRIPTION =
  'Erases the number from every table of the account (messages and everything hanging on them, receipts, inbound messages, conversations, outboxes, audiences, counters) in bounded batches by the `eraseSubject` workflow (`erasure-<id>`). ' +
  'Opt-out and consent evidence is kept with the number replaced by a keyed hash. A tombstone records the erasure (account, hash, who, when), never what was erased. Audited.';
const erasureTarget = (_req: unknown, result?: unknown) => (result as ErasureView | undefined)?.id ?? null;

@ApiTags('account')
@KeyScope('messages')
@ApiResponse({ status: 404, description: 'account_not_found: the account of this key no longer exists', type: ErrorBody })
@Controller('v1/account')
export class AccountPrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @Get('retention')
  @ApiOperation({ summary: "This account's retention periods", description: RETENTION_DESCRIPTION })
  @ApiResponse({ status: 200, type: RetentionSettingsView })
  retention(@CurrentAuth() auth: AuthenticatedKey): Promise<RetentionSettingsView> {
    return this.privacy.settings(auth.accountId);
  }

  @Post('data-subjects/export')
  @HttpCode(200)
  @ApiOperation({ summary: 'Export what this account holds about a phone number', description: EXPORT_DESCRIPTION })
  @ApiResponse({ status: 200, type: SubjectExportView })
  @ApiResponse({ status: 400, description: 'phone missing or not a valid number (field names it)', type: ErrorBody })
  export(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: DataSubjectDto): Promise<object> {
    return this.privacy.export(auth.accountId, dto);
  }

  @Post('erasures')
  @HttpCode(202)
  @Audited({ action: 'subject.erase', targetType: 'erasure', targetId: erasureTarget, read: async (_m, _req, result) => result ?? null })
  @ApiOperation({ summary: 'Erase a phone number from this account', description: ERASE_DESCRIPTION })
  @ApiResponse({ status: 202, type: ErasureView, description: 'Recorded and started; GET /v1/account/erasures/{id} says when it is done' })
  @ApiResponse({ status: 400, description: 'phone missing or not a valid number (field names it)', type: ErrorBody })
  @ApiResponse({ status: 503, description: 'Temporal unreachable: nothing was recorded or erased', type: ErrorBody })
  erase(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: DataSubjectDto): Promise<ErasureView> {
    return this.privacy.erase(auth.accountId, dto, auth.keyId);
  }

  @Get('erasures/:id')
  @ApiOperation({ summary: 'An erasure of this account' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: ErasureView })
  erasure(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<ErasureView> {
    return this.privacy.erasure(auth.accountId, id);
  }
}

const accountOf = (req: { params: Record<string, unknown> }) => (UUID.test(req.params.accountId as string) ? (req.params.accountId as string) : null);

@ApiTags('accounts (operator)')
@KeyScope('operator')
@ApiResponse({ status: 404, description: 'No such account', type: ErrorBody })
@Controller('v1/accounts/:accountId')
export class OperatorPrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @Get('retention')
  @ApiOperation({ summary: "An account's retention periods", description: RETENTION_DESCRIPTION })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiResponse({ status: 200, type: RetentionSettingsView })
  retention(@Param('accountId') accountId: string): Promise<RetentionSettingsView> {
    return this.privacy.settings(accountId);
  }

  @Patch('retention')
  @Audited({
    action: 'retention.update',
    targetType: 'account_retention',
    targetId: (req) => req.params.accountId as string,
    accountId: accountOf,
    read: (m, req) => m.get(PrivacyService, { strict: false }).settings(req.params.accountId as string),
  })
  @ApiOperation({ summary: "Change an account's retention periods", description: `${RETENTION_DESCRIPTION} A field left out stays as it is. Audited.` })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiResponse({ status: 200, type: RetentionSettingsView })
  @ApiResponse({ status: 400, description: 'A period out of range, not a whole number of days, unknown, or bodies kept longer than metadata (field names it)', type: ErrorBody })
  updateRetention(@Param('accountId') accountId: string, @Body() dto: UpdateRetentionDto): Promise<RetentionSettingsView> {
    return this.privacy.updateSettings(accountId, dto);
  }

  @Post('data-subjects/export')
  @HttpCode(200)
  @ApiOperation({ summary: 'Export what an account holds about a phone number', description: EXPORT_DESCRIPTION })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiResponse({ status: 200, type: SubjectExportView })
  @ApiResponse({ status: 400, description: 'phone missing or not a valid number (field names it)', type: ErrorBody })
  export(@Param('accountId') accountId: string, @Body() dto: DataSubjectDto): Promise<object> {
    return this.privacy.export(accountId, dto);
  }

  @Post('erasures')
  @HttpCode(202)
  @Audited({ action: 'subject.erase', targetType: 'erasure', targetId: erasureTarget, accountId: accountOf, read: async (_m, _req, result) => result ?? null })
  @ApiOperation({ summary: 'Erase a phone number from an account', description: ERASE_DESCRIPTION })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiResponse({ status: 202, type: ErasureView, description: 'Recorded and started; GET /v1/accounts/{accountId}/erasures/{id} says when it is done' })
  @ApiResponse({ status: 400, description: 'phone missing or not a valid number (field names it)', type: ErrorBody })
  @ApiResponse({ status: 503, description: 'Temporal unreachable: nothing was recorded or erased', type: ErrorBody })
  erase(@CurrentAuth() auth: AuthenticatedKey, @Param('accountId') accountId: string, @Body() dto: DataSubjectDto): Promise<ErasureView> {
    return this.privacy.erase(accountId, dto, auth.keyId);
  }

  @Get('erasures/:id')
  @ApiOperation({ summary: 'An erasure of an account' })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: ErasureView })
  erasure(@Param('accountId') accountId: string, @Param('id') id: string): Promise<ErasureView> {
    return this.privacy.erasure(accountId, id);
  }
}
