import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthenticatedKey } from '@app/db';
import { Audited } from '../audit/audited';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { CampaignsService } from './campaigns.service';
import { CampaignReportView } from './dto/campaign-report.view';
import {
  ActionView,
  AddRecipientsDto,
  CampaignListView,
  CampaignPreviewView,
  CampaignView,
  CreateCampaignDto,
  OptOutDto,
  UpdateCampaignDto,
  UploadResultView,
} from './dto/campaign.dto';

const CSV_EXAMPLE = 'phone,locale,name,consent\n+385911234567,hr,Ana,yes\n+14155550123,en,Bob,yes\n';

@ApiTags('campaigns')
@KeyScope('messages')
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a campaign (a draft: add recipients, preview, then start)' })
  @ApiResponse({ status: 201, type: CampaignView })
  @ApiResponse({ status: 400, description: 'Invalid or unknown field; unknown_sender_pool (field senderPool)', type: ErrorBody })
  @ApiResponse({ status: 403, description: 'sender_not_held or sender_not_capable (field from or senderPool[i]): a sender the account does not hold or may not send SMS from', type: ErrorBody })
  create(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: CreateCampaignDto): Promise<CampaignView> {
    return this.campaigns.create(auth.accountId, dto);
  }

  @Get()
  @ApiOperation({ summary: 'The account\'s campaigns, newest first, with status and counters' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'before', required: false, schema: { type: 'string', format: 'date-time' }, description: 'The `next` of the previous page' })
  @ApiResponse({ status: 200, type: CampaignListView })
  @ApiResponse({ status: 400, type: ErrorBody })
  list(@CurrentAuth() auth: AuthenticatedKey, @Query('limit') limit?: string, @Query('before') before?: string): Promise<CampaignListView> {
    return this.campaigns.list(auth.accountId, limit, before);
  }

  @Post('opt-outs')
  @HttpCode(200)
  @Audited({
    action: 'opt_out.import',
    targetType: 'compliance_event',
    targetId: () => null,
    // What was recorded, never the number (the append-only audit log cannot be erased).
    read: async (_, __, result) => (result ? { optedOut: (result as { optedOut?: unknown }).optedOut } : null),
  })
  @ApiOperation({
    summary: 'Record an opt-out (or opt-in) of a number for this account',
    description: 'The operator path until two-way messaging records STOP replies: campaigns skip opted-out numbers and count them. Appends to the opt-out history; the latest record decides.',
  })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { phone: { type: 'string' }, optedOut: { type: 'boolean' } } } })
  @ApiResponse({ status: 400, type: ErrorBody })
  optOut(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: OptOutDto): Promise<{ phone: string; optedOut: boolean }> {
    return this.campaigns.recordOptOut(auth.accountId, dto.phone, dto.optedOut ?? true);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A campaign with its status and exact counters (recipients by state, messages by status)' })
  @ApiResponse({ status: 200, type: CampaignView })
  @ApiResponse({ status: 404, type: ErrorBody })
  get(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.get(auth.accountId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the throttle (a running campaign applies it within two seconds)' })
  @ApiResponse({ status: 200, type: CampaignView })
  @ApiResponse({ status: 400, type: ErrorBody })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'The campaign is completed or cancelled', type: ErrorBody })
  @ApiResponse({ status: 503, description: 'Temporal unreachable', type: ErrorBody })
  update(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string, @Body() dto: UpdateCampaignDto): Promise<CampaignView> {
    return this.campaigns.update(auth.accountId, id, dto);
  }

  @Post(':id/recipients')
  @HttpCode(200)
  @ApiExtraModels(AddRecipientsDto)
  @ApiConsumes('application/json', 'text/csv')
  @ApiOperation({
    summary: 'Add recipients to a draft campaign: JSON (up to 1,000) or a CSV upload of any size',
    description:
      'CSV (Content-Type: text/csv): a header line with `phone` and optionally `locale` and `consent` (true/false, yes/no, 1/0); every other column is a variable for `{{placeholders}}`. Streamed into PostgreSQL in chunks inside one transaction (a failed upload keeps nothing). Fields may be quoted ("a, b" with "" for a quote); a quoted field cannot span lines. Invalid rows are reported with their line and reason (the first 100) and skipped; a number already in the campaign is dropped.',
  })
  @ApiBody({
    required: true,
    description: 'JSON `{ recipients: [...] }` (application/json), or CSV text (text/csv)',
    schema: { oneOf: [{ $ref: getSchemaPath(AddRecipientsDto) }, { type: 'string', example: CSV_EXAMPLE }] },
  })
  @ApiResponse({ status: 200, type: UploadResultView })
  @ApiResponse({ status: 400, description: 'No phone column, a bad header, a line over 16 kB, malformed JSON', type: ErrorBody })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'The campaign is not a draft', type: ErrorBody })
  @ApiResponse({ status: 415, description: 'Neither JSON nor CSV', type: ErrorBody })
  addRecipients(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string, @Req() req: Request): Promise<UploadResultView> {
    return this.campaigns.addRecipients(auth.accountId, id, req);
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dry run: per locale the text, GSM-7 or UCS-2, segments and estimated cost; nothing is sent' })
  @ApiResponse({ status: 200, type: CampaignPreviewView })
  @ApiResponse({ status: 404, type: ErrorBody })
  preview(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<CampaignPreviewView> {
    return this.campaigns.preview(auth.accountId, id);
  }

  @Post(':id/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start the campaign\'s runCampaign workflow (at schedule.startAt if later)' })
  @ApiResponse({ status: 200, type: ActionView })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'Not a draft, or no recipients', type: ErrorBody })
  @ApiResponse({ status: 503, description: 'Temporal unreachable: still a draft', type: ErrorBody })
  start(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<ActionView> {
    return this.campaigns.start(auth.accountId, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause: no recipient is handed to delivery after the current page (within two seconds)' })
  @ApiResponse({ status: 200, type: ActionView })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'Not scheduled or running', type: ErrorBody })
  @ApiResponse({ status: 503, type: ErrorBody })
  pause(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<ActionView> {
    return this.campaigns.pause(auth.accountId, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused campaign where it stopped' })
  @ApiResponse({ status: 200, type: ActionView })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'Not paused', type: ErrorBody })
  @ApiResponse({ status: 503, type: ErrorBody })
  resume(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<ActionView> {
    return this.campaigns.resume(auth.accountId, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel: waiting recipients and messages no page has taken are cancelled; messages being sent finish' })
  @ApiResponse({ status: 200, type: ActionView })
  @ApiResponse({ status: 404, type: ErrorBody })
  @ApiResponse({ status: 409, description: 'Completed or cancelled already', type: ErrorBody })
  cancel(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<ActionView> {
    return this.campaigns.cancel(auth.accountId, id);
  }

  @Get(':id/report')
  @ApiOperation({ summary: 'Sent, delivered, failed by error code, opted out, cost, cost per delivered, receipt latency, by country and by carrier' })
  @ApiResponse({ status: 200, type: CampaignReportView })
  @ApiResponse({ status: 404, type: ErrorBody })
  report(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<CampaignReportView> {
    return this.campaigns.report(auth.accountId, id);
  }

  @Get(':id/export')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'Every recipient\'s outcome as CSV, streamed (phone, country, locale, state, message_id, status, carrier, attempts, failure_code, failure_reason, updated_at)' })
  @ApiResponse({ status: 200, description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 404, description: 'No such campaign in this account', content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBody) } } } })
  export(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string, @Res() res: Response): Promise<void> {
    return this.campaigns.export(auth.accountId, id, res);
  }
}
