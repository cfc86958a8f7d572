// Reading the audit log: which account a key may see, pages for JSON, and a CSV export written
// a thousand rows at a time (never the whole log in memory).
import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { ForbiddenError } from '@app/contracts';
import { AuditEvent, AuditQuery, AuditRepository, AuthenticatedKey } from '@app/db';
import { AuditEventView, AuditListView, AuditQueryDto } from './dto/audit.dto';
import { csvField } from '../common/csv';

const EXPORT_CHUNK = 1000;
const CSV_COLUMNS = ['id', 'at', 'account_id', 'actor_key_id', 'actor_ip', 'action', 'target_type', 'target_id', 'before', 'after'];

@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  async page(auth: AuthenticatedKey, dto: AuditQueryDto): Promise<AuditListView> {
    const limit = dto.limit ?? 50;
    const events = await this.audit.list({ ...this.query(auth, dto), limit: limit + 1 });
    const items = events.slice(0, limit).map(view);
    return { items, nextCursor: events.length > limit ? items[items.length - 1].id : null };
  }

  async exportCsv(auth: AuthenticatedKey, dto: AuditQueryDto, res: Response): Promise<void> {
    const query = this.query(auth, dto);
    res.status(200).type('text/csv').setHeader('Content-Disposition', 'attachment; filename="audit.csv"');
    res.write(`${CSV_COLUMNS.join(',')}\n`);
    for (let beforeId = query.beforeId; ; ) {
      const events = await this.audit.list({ ...query, beforeId, limit: EXPORT_CHUNK });
      for (const e of events) {
        const row = [e.id, e.at.toISOString(), e.accountId, e.actorKeyId, e.actorIp, e.action, e.targetType, e.targetId, json(e.before), json(e.after)];
        res.write(`${row.map(csvField).join(',')}\n`);
      }
      if (events.length < EXPORT_CHUNK) break;
      beforeId = events[events.length - 1].id;
    }
    res.end();
  }

  private query(auth: AuthenticatedKey, dto: AuditQueryDto): Omit<AuditQuery, 'limit'> {
    const operator = auth.scopes.includes('operator');
    if (dto.accountId !== undefined && !operator) throw new ForbiddenError('insufficient_scope', 'Only an operator key may read another account’s audit log (accountId)', 'accountId');
    return {
      accountId: operator ? (dto.accountId ?? null) : auth.accountId,
      action: dto.action,
      targetType: dto.targetType,
      since: dto.since ? new Date(dto.since) : undefined,
      until: dto.until ? new Date(dto.until) : undefined,
      beforeId: dto.cursor,
    };
  }
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));


function view(e: AuditEvent): AuditEventView {
  return { ...e, at: e.at.toISOString() };
}
