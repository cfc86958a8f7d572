// GET /v1/audit: the audit log of control-plane changes, newest first, as JSON pages or a
// streamed CSV export. An account's `keys` key sees its own account; an operator key any.
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthenticatedKey } from '@app/db';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { AuditService } from './audit.service';
import { AuditListView, AuditQueryDto } from './dto/audit.dto';

@ApiTags('audit')
@KeyScope('keys', 'The key lacks the keys scope; or accountId given by a key without the operator scope')
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary: 'Control-plane changes, newest first',
    description: 'Who (key and client address) changed what (API keys, SMPP credentials, limits, routes, carriers), when, with the state before and after. Append-only. format=csv exports every matching change.',
  })
  @ApiResponse({ status: 200, type: AuditListView })
  @ApiResponse({ status: 400, description: 'A filter, limit or cursor invalid, or an unknown parameter (the error names it)', type: ErrorBody })
  async list(@CurrentAuth() auth: AuthenticatedKey, @Query() query: AuditQueryDto, @Res({ passthrough: true }) res: Response): Promise<AuditListView | void> {
    if (query.format !== 'csv') return this.audit.page(auth, query);
    await this.audit.exportCsv(auth, query, res);
  }
}
