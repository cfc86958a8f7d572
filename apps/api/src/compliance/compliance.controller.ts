// Opt-out and consent evidence (GET /v1/compliance/events, JSON pages or streamed CSV; POST
// opt-outs, opt-ins and consents recorded by the customer), the account's compliance settings
// (GET/PATCH /v1/account/compliance) and its auto-reply rules (/v1/account/auto-replies).
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiProduces, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthenticatedKey } from '@app/db';
import { Audited } from '../audit/audited';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { ComplianceService } from './compliance.service';
import {
  AutoReplyDto,
  AutoReplyListView,
  AutoReplyView,
  ComplianceSettingsView,
  EvidenceEventView,
  EvidenceListView,
  EvidenceQuery,
  LocaleKeywordsView,
  RecordConsentDto,
  RecordOptOutDto,
  UpdateComplianceSettingsDto,
} from './dto/compliance.dto';

const EVIDENCE_DESCRIPTION =
  'Append-only records (PostgreSQL refuses to change or delete them): who (phone, sender scope), when, how (keyword, api, import, campaign_reply, operator) ' +
  'and from which inbound message. The latest event that applies to a (phone, sender) decides.';

@ApiTags('compliance')
@ApiExtraModels(EvidenceListView)
@KeyScope('messages')
@Controller('v1/compliance')
export class ComplianceController {
  constructor(private readonly compliance: ComplianceService) {}

  @Get('events')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({ summary: 'Export opt-out, opt-in and consent events, oldest first: a JSON page (cursor) or every event as streamed CSV', description: EVIDENCE_DESCRIPTION })
  @ApiResponse({
    status: 200,
    description: 'format=json: a page; format=csv: id,type,phone,sender,category,source,keyword,inbound_message_id,campaign_id,created_at,account_id',
    content: { 'application/json': { schema: { $ref: getSchemaPath(EvidenceListView) } }, 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 400, description: 'phone, since, format, limit or cursor invalid, or an unknown parameter (the error names it)', type: ErrorBody })
  events(@CurrentAuth() auth: AuthenticatedKey, @Query() query: EvidenceQuery, @Res() res: Response): Promise<void> {
    return this.compliance.events(auth.accountId, query, res);
  }

  @Post('opt-outs')
  @Audited({ action: 'opt_out.record', targetType: 'compliance_event', targetId: (_, result) => evidenceId(result), read: async (_, __, result) => evidenceSummary(result) })
  @ApiOperation({ summary: 'Record an opt-out (source api): outbound messages to this number (from this sender, or any) are refused from now on', description: EVIDENCE_DESCRIPTION })
  @ApiResponse({ status: 201, type: EvidenceEventView })
  @ApiResponse({ status: 400, description: 'phone or sender invalid (the error names it)', type: ErrorBody })
  optOut(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: RecordOptOutDto): Promise<EvidenceEventView> {
    return this.compliance.recordOptOut(auth.accountId, dto, true);
  }

  @Post('opt-ins')
  @Audited({ action: 'opt_in.record', targetType: 'compliance_event', targetId: (_, result) => evidenceId(result), read: async (_, __, result) => evidenceSummary(result) })
  @ApiOperation({ summary: 'Record an opt-in (source api): the subscriber may receive messages again', description: EVIDENCE_DESCRIPTION })
  @ApiResponse({ status: 201, type: EvidenceEventView })
  @ApiResponse({ status: 400, description: 'phone or sender invalid (the error names it)', type: ErrorBody })
  optIn(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: RecordOptOutDto): Promise<EvidenceEventView> {
    return this.compliance.recordOptOut(auth.accountId, dto, false);
  }

  @Post('consents')
  @Audited({ action: 'consent.record', targetType: 'compliance_event', targetId: (_, result) => evidenceId(result), read: async (_, __, result) => evidenceSummary(result) })
  @ApiOperation({ summary: 'Record a consent (or with granted false, its withdrawal) for a category (source api)', description: EVIDENCE_DESCRIPTION })
  @ApiResponse({ status: 201, type: EvidenceEventView })
  @ApiResponse({ status: 400, description: 'phone, sender, category or granted invalid (the error names it)', type: ErrorBody })
  consent(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: RecordConsentDto): Promise<EvidenceEventView> {
    return this.compliance.recordConsent(auth.accountId, dto);
  }
}

@ApiTags('account')
@ApiExtraModels(LocaleKeywordsView)
@KeyScope('messages')
@Controller('v1/account')
export class AccountComplianceController {
  constructor(private readonly compliance: ComplianceService) {}

  @Get('compliance')
  @ApiOperation({ summary: 'Opt-out scope, exempt categories, help text, keyword locales and the account\'s own keywords' })
  @ApiResponse({ status: 200, type: ComplianceSettingsView })
  @ApiResponse({ status: 404, description: 'account_not_found', type: ErrorBody })
  settings(@CurrentAuth() auth: AuthenticatedKey): Promise<ComplianceSettingsView> {
    return this.compliance.settings(auth.accountId);
  }

  @Patch('compliance')
  @ApiOperation({ summary: 'Change compliance settings: a field left out stays, null returns it to its default' })
  @ApiResponse({ status: 200, type: ComplianceSettingsView })
  @ApiResponse({ status: 400, description: 'A field invalid or unknown (the error names it)', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'account_not_found', type: ErrorBody })
  updateSettings(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: UpdateComplianceSettingsDto): Promise<ComplianceSettingsView> {
    return this.compliance.updateSettings(auth.accountId, dto);
  }

  @Get('auto-replies')
  @ApiOperation({ summary: 'Keyword → reply rules, applied to inbound messages after the compliance keywords' })
  @ApiResponse({ status: 200, type: AutoReplyListView })
  async listAutoReplies(@CurrentAuth() auth: AuthenticatedKey): Promise<AutoReplyListView> {
    return { items: await this.compliance.listAutoReplies(auth.accountId) };
  }

  @Post('auto-replies')
  @ApiOperation({ summary: 'Add a rule: an inbound message that is (exact) or starts with (prefix) the keyword gets the reply from the number it was sent to' })
  @ApiResponse({ status: 201, type: AutoReplyView })
  @ApiResponse({ status: 400, description: 'A field invalid or unknown (the error names it)', type: ErrorBody })
  @ApiResponse({ status: 409, description: 'auto_reply_exists: a rule with this keyword, match and locale', type: ErrorBody })
  createAutoReply(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: AutoReplyDto): Promise<AutoReplyView> {
    return this.compliance.createAutoReply(auth.accountId, dto);
  }

  @Get('auto-replies/:id')
  @ApiOperation({ summary: 'One rule' })
  @ApiResponse({ status: 200, type: AutoReplyView })
  @ApiResponse({ status: 404, type: ErrorBody })
  getAutoReply(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<AutoReplyView> {
    return this.compliance.getAutoReply(auth.accountId, id);
  }

  @Put('auto-replies/:id')
  @ApiOperation({ summary: 'Replace a rule' })
  @ApiResponse({ status: 200, type: AutoReplyView })
  @ApiResponse({ status: 400, description: 'A field invalid or unknown (the error names it)', type: ErrorBody })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'auto_reply_exists: another rule with this keyword, match and locale', type: ErrorBody })
  updateAutoReply(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string, @Body() dto: AutoReplyDto): Promise<AutoReplyView> {
    return this.compliance.updateAutoReply(auth.accountId, id, dto);
  }

  @Delete('auto-replies/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a rule' })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiResponse({ status: 404, type: ErrorBody })
  removeAutoReply(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<void> {
    return this.compliance.removeAutoReply(auth.accountId, id);
  }
}

// The audit log keeps what was recorded, never the number (the evidence row has it; an erasure can pseudonymise that, not the append-only audit log).
const evidenceId = (result: unknown) => ((result as { id?: unknown } | undefined)?.id === undefined ? null : String((result as { id: unknown }).id));
const evidenceSummary = (result: unknown) => {
  if (!result) return null;
  const { id, type, source, category } = result as { id?: unknown; type?: unknown; source?: unknown; category?: unknown };
  return { id, type, source, category };
};
