// The compliance API's rules: evidence export (JSON pages or streamed CSV), opt-outs, opt-ins
// and consents a customer records (source `api`), the account's compliance settings (keywords
// checked here, the nested part class-validator cannot describe) and auto-reply rules.
import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { NotFoundError, ValidationError } from '@app/contracts';
import { AutoReply, AutoReplyRepository, ComplianceRepository, decodeEvidenceCursor, EvidenceEvent } from '@app/db';
import { ComplianceSettings, LOCALE_PATTERN, normalizeE164, normalizeSender } from '@app/domain';
import { DEFAULT_PAGE } from '../conversations/dto/conversation.dto';
import { AutoReplyDto, EvidenceListView, EvidenceQuery, RecordConsentDto, RecordOptOutDto, UpdateComplianceSettingsDto } from './dto/compliance.dto';
import { csvField } from '../common/csv';

const CSV_CHUNK = 1000;
const CSV_COLUMNS = ['id', 'type', 'phone', 'sender', 'category', 'source', 'keyword', 'inbound_message_id', 'campaign_id', 'created_at', 'account_id'];
const KEYWORD_LISTS = ['optOut', 'optOutAll', 'optIn', 'help'] as const;
const REPLY_KEYS = ['optOut', 'optIn', 'help'] as const;
const MAX_KEYWORDS = 50;


@Injectable()
export class ComplianceService {
  constructor(
    private readonly compliance: ComplianceRepository,
    private readonly autoReplies: AutoReplyRepository,
  ) {}

  async events(accountId: string, query: EvidenceQuery, res: Response): Promise<void> {
    const filter = { phone: query.phone === undefined ? undefined : normalizeE164(query.phone.replace(/^ (?=\d)/, '+'), 'phone').e164, since: query.since ? new Date(query.since) : undefined };
    let cursor = query.cursor === undefined ? null : decodeEvidenceCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw new ValidationError('invalid_cursor', 'cursor must be the nextCursor of a previous page', 'cursor');
    if (query.format !== 'csv') {
      const page = await this.compliance.listEvents(accountId, filter, query.limit ?? DEFAULT_PAGE, cursor);
      const view: EvidenceListView = { items: page.items, nextCursor: page.nextCursor };
      res.status(200).json(view);
      return;
    }
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="compliance-events.csv"');
    res.write(`${CSV_COLUMNS.join(',')}\n`);
    for (;;) {
      const page = await this.compliance.listEvents(accountId, filter, CSV_CHUNK, cursor);
      if (page.items.length > 0) {
        const text = page.items.map((e) => [e.id, e.type, e.phone, e.sender, e.category, e.source, e.keyword, e.inboundMessageId, e.campaignId, e.createdAt, e.accountId].map(csvField).join(',')).join('\n');
        if (!res.write(`${text}\n`)) await new Promise<void>((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
      }
      if (res.destroyed || !page.nextCursor) break;
      cursor = decodeEvidenceCursor(page.nextCursor);
    }
    res.end();
  }

  async recordOptOut(accountId: string, dto: RecordOptOutDto, optedOut: boolean): Promise<EvidenceEvent> {
    const phone = normalizeE164(dto.phone, 'phone').e164;
    const sender = dto.sender === undefined ? null : normalizeSender(dto.sender, 'sender').value;
    const id = await this.compliance.recordOptOut({ accountId, phone, optedOut, sender, source: 'api' });
    return this.recorded(accountId, `opt-${id}`);
  }

  async recordConsent(accountId: string, dto: RecordConsentDto): Promise<EvidenceEvent> {
    const phone = normalizeE164(dto.phone, 'phone').e164;
    const sender = dto.sender === undefined ? null : normalizeSender(dto.sender, 'sender').value;
    const id = await this.compliance.recordConsent({ accountId, phone, category: dto.category, granted: dto.granted ?? true, sender, source: 'api' });
    return this.recorded(accountId, `consent-${id}`);
  }

  /** The event as the export shows it (read back: what was stored, with its time). */
  private async recorded(accountId: string, id: string): Promise<EvidenceEvent> {
    const event = await this.compliance.getEvent(accountId, id);
    if (!event) throw new NotFoundError('event_not_found', 'The recorded event could not be read back');
    return event;
  }

  async settings(accountId: string): Promise<ComplianceSettings> {
    const settings = await this.compliance.settings(accountId);
    if (!settings) throw new NotFoundError('account_not_found', 'The account of this key no longer exists');
    return settings;
  }

  async updateSettings(accountId: string, dto: UpdateComplianceSettingsDto): Promise<ComplianceSettings> {
    if (dto.locales) {
      if (dto.locales.length === 0) throw new ValidationError('invalid_field', 'locales must hold at least one locale', 'locales');
      dto.locales.forEach((l, i) => {
        if (!LOCALE_PATTERN.test(l)) throw new ValidationError('invalid_field', `"${l}" is not a locale such as hr, en or pt-BR`, `locales[${i}]`);
      });
    }
    if (dto.keywords) checkKeywords(dto.keywords);
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    const settings = await this.compliance.updateSettings(accountId, changes);
    if (!settings) throw new NotFoundError('account_not_found', 'The account of this key no longer exists');
    return settings;
  }

  listAutoReplies(accountId: string): Promise<AutoReply[]> {
    return this.autoReplies.list(accountId);
  }

  async getAutoReply(accountId: string, id: string): Promise<AutoReply> {
    const rule = isUuid(id) ? await this.autoReplies.get(accountId, id) : null;
    if (!rule) throw new NotFoundError('auto_reply_not_found', 'No such auto-reply rule in this account');
    return rule;
  }

  createAutoReply(accountId: string, dto: AutoReplyDto): Promise<AutoReply> {
    return this.autoReplies.create(accountId, ruleFields(dto));
  }

  async updateAutoReply(accountId: string, id: string, dto: AutoReplyDto): Promise<AutoReply> {
    const rule = isUuid(id) ? await this.autoReplies.update(accountId, id, ruleFields(dto)) : null;
    if (!rule) throw new NotFoundError('auto_reply_not_found', 'No such auto-reply rule in this account');
    return rule;
  }

  async removeAutoReply(accountId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await this.autoReplies.remove(accountId, id))) throw new NotFoundError('auto_reply_not_found', 'No such auto-reply rule in this account');
  }
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

function ruleFields(dto: AutoReplyDto) {
  if (dto.keyword.trim().length === 0) throw new ValidationError('invalid_field', 'keyword must not be blank', 'keyword');
  return { keyword: dto.keyword.trim(), match: dto.match ?? 'exact', locale: dto.locale ?? null, reply: dto.reply };
}

/** keywords: { <locale>: { optOut?, optOutAll?, optIn?, help?: string[]; replies?: { optOut?, optIn?, help?: string } } }. */
function checkKeywords(keywords: Record<string, unknown>): void {
  const fail = (field: string, message: string): never => {
    throw new ValidationError('invalid_field', message, field);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const [locale, entry] of Object.entries(keywords)) {
    const at = `keywords.${locale}`;
    if (!LOCALE_PATTERN.test(locale)) fail(at, `"${locale}" is not a locale such as hr, en or pt-BR`);
    if (!isObject(entry)) fail(at, `${at} must be an object`);
    const obj = entry as Record<string, unknown>;
    for (const [key, value] of Object.entries(obj)) {
      if ((KEYWORD_LISTS as readonly string[]).includes(key)) {
        if (!Array.isArray(value) || value.length > MAX_KEYWORDS) fail(`${at}.${key}`, `${at}.${key} must be a list of at most ${MAX_KEYWORDS} keywords`);
        (value as unknown[]).forEach((w, i) => {
          if (typeof w !== 'string' || w.trim().length === 0 || w.length > 32) fail(`${at}.${key}[${i}]`, `${at}.${key}[${i}] must be a keyword of 1 to 32 characters`);
        });
      } else if (key === 'replies') {
        if (!isObject(value)) fail(`${at}.replies`, `${at}.replies must be an object`);
        for (const [reply, text] of Object.entries(value as Record<string, unknown>)) {
          if (!(REPLY_KEYS as readonly string[]).includes(reply)) fail(`${at}.replies.${reply}`, `${at}.replies.${reply} is not a known field (optOut, optIn, help)`);
          if (typeof text !== 'string' || text.length === 0 || text.length > 1600) fail(`${at}.replies.${reply}`, `${at}.replies.${reply} must be a text of 1 to 1600 characters`);
        }
      } else {
        fail(`${at}.${key}`, `${at}.${key} is not a known field (optOut, optOutAll, optIn, help, replies)`);
      }
    }
  }
}
