// Campaign rules: creating and validating a campaign, its audience (JSON or a streamed CSV,
// inserted in chunks inside one transaction), starting its runCampaign workflow, pause,
// resume, cancel and throttle as signals, the preview, the report and the export.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { Request, Response } from 'express';
import type { ApiConfig } from '@app/config';
import {
  campaignWorkflowId,
  cancelCampaignSignal,
  CampaignStatus,
  ConflictError,
  NotFoundError,
  pauseCampaignSignal,
  resumeCampaignSignal,
  setCampaignThrottleSignal,
  UnavailableError,
  ValidationError,
} from '@app/contracts';
import { CampaignCounters, CampaignRecord, CampaignRepository, CarrierRepository, NewRecipient, PgAudienceCompliance, RoutePlanner } from '@app/db';
import { analyzeText, campaignText, isGsm7, LOCALE_PATTERN, normalizeE164, normalizeSender, placeholders, personalize, smartEncode, templateFor, transliterateToGsm7, VARIABLE_NAME } from '@app/domain';
import { SenderRules } from '@app/messaging';
import { startRunCampaign } from '@app/temporal';
import { API_CONFIG, TEMPORAL_CLIENT } from '../tokens';
import { csvRecords } from './csv-records';
import { parseConsent, RESERVED_COLUMNS, RowInput, validateRecipient } from './recipient-rows';
import type { AddRecipientsDto, CampaignView, CreateCampaignDto, UpdateCampaignDto, UploadResultView, CampaignPreviewView, LocalePreviewView } from './dto/campaign.dto';
import { UUID } from '../common/uuid-param';
import { csvField } from '../common/csv';

const MAX_SCHEDULE_MS = 35 * 24 * 3600 * 1000;
const CHUNK = 1000;
const MAX_JSON_RECIPIENTS = 1000;
const MAX_ROW_ERRORS = 100;
/** Rows one upload may hold (a CSV streams; this bounds what one request can make us store). */
export const MAX_UPLOAD_ROWS = 1_000_000;
const EXPORT_CHUNK = 2000;
const EXPORT_COLUMNS = ['phone', 'country', 'locale', 'state', 'message_id', 'status', 'carrier', 'attempts', 'failure_code', 'failure_reason', 'updated_at'];

const isFinal = (s: CampaignStatus) => s === 'completed' || s === 'cancelled';


@Injectable()
export class CampaignsService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly compliance: PgAudienceCompliance,
    private readonly carriers: CarrierRepository,
    private readonly planner: RoutePlanner,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly senders: SenderRules,
  ) {}

  async create(accountId: string, dto: CreateCampaignDto): Promise<CampaignView> {
    if (dto.name.includes('\u0000')) throw new ValidationError('invalid_field', 'name must not contain NUL', 'name');
    if (!dto.from === !dto.senderPool) throw new ValidationError('invalid_field', 'give either from or senderPool', dto.from ? 'senderPool' : 'from');
    // Senders the account holds and may send SMS from (a short code's country is checked per recipient at send).
    const from = dto.from !== undefined ? await this.senders.checkHeld(accountId, dto.from, 'from') : null;
    const senderPoolName = typeof dto.senderPool === 'string' ? await this.senders.checkPool(accountId, dto.senderPool) : null;
    const senderPool = Array.isArray(dto.senderPool) ? await Promise.all(dto.senderPool.map((s, i) => this.senders.checkHeld(accountId, s, `senderPool[${i}]`))) : null;
    this.checkText(dto.message.default, 'message.default');
    const locales: Record<string, string> = {};
    for (const [locale, text] of Object.entries(dto.message.locales ?? {})) {
      if (!LOCALE_PATTERN.test(locale)) throw new ValidationError('invalid_field', `"${locale}" is not a locale such as hr, en or pt-BR`, `message.locales.${locale}`);
      this.checkText(text, `message.locales.${locale}`);
      locales[locale] = text;
    }
    let startAt: Date | null = null;
    if (dto.schedule?.startAt) {
      startAt = new Date(dto.schedule.startAt);
      if (Number.isNaN(startAt.getTime())) throw new ValidationError('invalid_field', 'startAt must be an ISO 8601 time', 'schedule.startAt');
      if (startAt.getTime() - Date.now() > MAX_SCHEDULE_MS) throw new ValidationError('invalid_field', 'startAt must be at most 35 days ahead', 'schedule.startAt');
    }
    const campaign = await this.campaigns.create({
      id: randomUUID(),
      accountId,
      name: dto.name,
      from,
      senderPool,
      senderPoolName,
      message: { default: dto.message.default, locales },
      category: dto.category,
      startAt,
      quietHours: dto.schedule?.quietHours ? { from: dto.schedule.quietHours.from, to: dto.schedule.quietHours.to } : null,
      throttleMps: dto.throttle?.mps ?? null,
      validitySeconds: dto.validity ?? null,
      smartEncoding: dto.smartEncoding ?? false,
      transliterate: dto.transliterate ?? false,
    });
    return this.view(campaign);
  }

  private checkText(text: unknown, field: string): void {
    if (typeof text !== 'string' || text.length === 0 || text.length > 1600) throw new ValidationError('invalid_field', `${field} must be a text of 1 to 1600 characters`, field);
    if (text.includes('\u0000')) throw new ValidationError('invalid_field', `${field} must not contain NUL`, field);
    const bad = [...text.matchAll(/\{\{([^}]*)\}\}/g)].find((m) => !VARIABLE_NAME.test(m[1].trim()));
    if (bad) throw new ValidationError('invalid_field', `${field}: {{${bad[1]}}} is not a placeholder name (letters, digits and _)`, field);
  }

  async get(accountId: string, id: string): Promise<CampaignView> {
    return this.view(await this.find(accountId, id));
  }

  async list(accountId: string, limitParam?: string, beforeParam?: string): Promise<{ campaigns: CampaignView[]; next: string | null }> {
    const limit = limitParam === undefined ? 20 : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('invalid_field', 'limit must be an integer from 1 to 100', 'limit');
    const before = beforeParam === undefined ? undefined : new Date(beforeParam);
    if (before && Number.isNaN(before.getTime())) throw new ValidationError('invalid_field', 'before must be an ISO 8601 time', 'before');
    const rows = await this.campaigns.list(accountId, limit, before);
    return { campaigns: await Promise.all(rows.map((c) => this.view(c))), next: rows.length === limit ? rows[rows.length - 1].createdAt.toISOString() : null };
  }

  private async find(accountId: string, id: string): Promise<CampaignRecord> {
    const campaign = UUID.test(id) ? await this.campaigns.findForAccount(accountId, id) : null;
    if (!campaign) throw new NotFoundError('campaign_not_found', `No campaign ${id} in this account`);
    return campaign;
  }

  private async view(c: CampaignRecord, counters?: CampaignCounters): Promise<CampaignView> {
    return {
      id: c.id,
      name: c.name,
      status: c.status,
      category: c.category,
      from: c.from,
      senderPool: c.senderPool,
      senderPoolName: c.senderPoolName,
      message: c.message,
      schedule: { startAt: c.startAt?.toISOString() ?? null, quietHours: c.quietHours },
      throttle: c.throttleMps === null ? null : { mps: c.throttleMps },
      validity: c.validitySeconds,
      smartEncoding: c.smartEncoding,
      transliterate: c.transliterate,
      workflowId: campaignWorkflowId(c.id),
      createdAt: c.createdAt.toISOString(),
      startedAt: c.startedAt?.toISOString() ?? null,
      finishedAt: c.finishedAt?.toISOString() ?? null,
      counters: (counters ?? (await this.campaigns.counters(c.id))) as CampaignView['counters'],
    };
  }

  /** JSON (`{ recipients: [...] }`, up to 1,000) or CSV (text/csv, streamed, any size up to MAX_UPLOAD_ROWS). */
  async addRecipients(accountId: string, id: string, req: Request): Promise<UploadResultView> {
    const campaign = await this.find(accountId, id);
    if (campaign.status !== 'draft') throw new ConflictError('campaign_not_draft', `Recipients can be added to a draft campaign only (this one is ${campaign.status})`);
    const result: UploadResultView = { received: 0, added: 0, duplicates: 0, invalid: 0, errors: [] };
    const refuse = (where: { line?: number; index?: number }, field: string, reason: string) => {
      result.invalid += 1;
      if (result.errors.length < MAX_ROW_ERRORS) result.errors.push({ ...where, field, reason });
    };
    const rows = req.is('text/csv') ? this.csvRows(req, campaign, result, refuse) : this.jsonRows(req.body as AddRecipientsDto | undefined, campaign, result, refuse);
    try {
      result.added = await this.campaigns.addRecipients(campaign, rows);
    } catch (err) {
      if (err instanceof ValidationError || err instanceof ConflictError) throw err;
      throw new UnavailableError('database_unavailable', 'The recipients could not be stored; nothing of this upload was kept. Retry later.');
    }
    result.duplicates = result.received - result.invalid - result.added;
    return result;
  }

  private async *jsonRows(body: AddRecipientsDto | undefined, campaign: CampaignRecord, result: UploadResultView, refuse: (w: { index: number }, f: string, r: string) => void): AsyncGenerator<NewRecipient[]> {
    const items: unknown = body && typeof body === 'object' ? (body as { recipients?: unknown }).recipients : undefined;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_JSON_RECIPIENTS) {
      throw new ValidationError('invalid_field', `recipients must be an array of 1 to ${MAX_JSON_RECIPIENTS} recipients (or upload a CSV as text/csv)`, 'recipients');
    }
    const unknownTop = Object.keys(body as object).find((k) => k !== 'recipients');
    if (unknownTop) throw new ValidationError('unknown_field', `Unknown field "${unknownTop}"`, unknownTop);
    const ok: NewRecipient[] = [];
    items.forEach((item, index) => {
      result.received += 1;
      if (!item || typeof item !== 'object' || Array.isArray(item)) return refuse({ index }, `recipients[${index}]`, 'a recipient is an object { phone, locale?, variables?, consent? }');
      const unknown = Object.keys(item).find((k) => !['phone', 'locale', 'variables', 'consent'].includes(k));
      if (unknown) return refuse({ index }, `recipients[${index}].${unknown}`, `unknown field "${unknown}"`);
      const row = validateRecipient(item as RowInput, campaign);
      if ('ok' in row) ok.push(row.ok);
      else refuse({ index }, `recipients[${index}].${row.field}`, row.reason);
    });
    yield ok;
  }

  private async *csvRows(req: Request, campaign: CampaignRecord, result: UploadResultView, refuse: (w: { line: number }, f: string, r: string) => void): AsyncGenerator<NewRecipient[]> {
    let header: string[] | undefined;
    let chunk: NewRecipient[] = [];
    for await (const record of csvRecords(req)) {
      if (!header) {
        if (record.error) throw new ValidationError('invalid_csv_header', `line ${record.line}: ${record.error}`, 'body');
        header = record.fields.map((f) => f.trim());
        this.checkHeader(header);
        continue;
      }
      result.received += 1;
      if (result.received > MAX_UPLOAD_ROWS) throw new ValidationError('too_many_rows', `an upload holds at most ${MAX_UPLOAD_ROWS} rows`, 'body');
      if (record.error) {
        refuse({ line: record.line }, 'line', record.error);
        continue;
      }
      if (record.fields.length !== header.length) {
        refuse({ line: record.line }, 'line', `${record.fields.length} fields; the header has ${header.length}`);
        continue;
      }
      const input: RowInput = { phone: '', variables: {} };
      const variables: Record<string, string> = {};
      let consentError = false;
      header.forEach((column, i) => {
        const value = record.fields[i];
        if (column === 'phone') input.phone = value;
        else if (column === 'locale') input.locale = value.trim();
        else if (column === 'consent') {
          const consent = parseConsent(value);
          if (consent === undefined) consentError = true;
          input.consent = consent ?? false;
        } else variables[column] = value;
      });
      input.variables = variables;
      if (consentError) {
        refuse({ line: record.line }, 'consent', 'consent must be true/false, yes/no, 1/0 or empty');
        continue;
      }
      const row = validateRecipient(input, campaign);
      if ('ok' in row) chunk.push(row.ok);
      else refuse({ line: record.line }, row.field, row.reason);
      if (chunk.length >= CHUNK) {
        yield chunk;
        chunk = [];
      }
    }
    if (!header) throw new ValidationError('invalid_csv_header', 'the CSV is empty: its first line must be a header with a phone column', 'body');
    yield chunk;
  }

  private checkHeader(header: string[]): void {
    if (!header.includes('phone')) throw new ValidationError('invalid_csv_header', 'the header (line 1) must have a phone column', 'body');
    const seen = new Set<string>();
    for (const column of header) {
      if (seen.has(column)) throw new ValidationError('invalid_csv_header', `column "${column}" appears twice in the header`, 'body');
      seen.add(column);
      if (!(RESERVED_COLUMNS as readonly string[]).includes(column) && !VARIABLE_NAME.test(column)) {
        throw new ValidationError('invalid_csv_header', `column "${column}" is not phone, locale, consent or a variable name (letters, digits and _)`, 'body');
      }
    }
  }

  async start(accountId: string, id: string): Promise<{ status: CampaignStatus }> {
    const campaign = await this.find(accountId, id);
    if (campaign.status !== 'draft') throw new ConflictError('campaign_started', `The campaign is ${campaign.status}; only a draft can be started`);
    const counters = await this.campaigns.counters(id);
    if (counters.recipients.total === 0) throw new ConflictError('campaign_without_recipients', 'Add recipients before starting the campaign');
    if (!(await this.campaigns.transition(id, ['draft'], 'scheduled'))) throw new ConflictError('campaign_started', 'The campaign was started already');
    try {
      await startRunCampaign(this.temporal, this.config.temporal.taskQueue, {
        campaignId: id,
        accountId,
        throttleMps: campaign.throttleMps,
        startAt: campaign.startAt && campaign.startAt.getTime() > Date.now() ? campaign.startAt.toISOString() : null,
      });
    } catch {
      await this.campaigns.transition(id, ['scheduled'], 'draft');
      throw new UnavailableError('temporal_unavailable', 'The campaign could not be started (Temporal unreachable); it is still a draft. Retry later.');
    }
    return { status: 'scheduled' };
  }

  async pause(accountId: string, id: string): Promise<{ status: CampaignStatus }> {
    return this.change(accountId, id, ['scheduled', 'running'], 'paused', () => this.signal(id, pauseCampaignSignal));
  }

  async resume(accountId: string, id: string): Promise<{ status: CampaignStatus }> {
    const campaign = await this.find(accountId, id);
    // Paused before its start time: it goes back to waiting for it.
    const to = campaign.startAt && campaign.startAt.getTime() > Date.now() ? 'scheduled' : 'running';
    return this.change(accountId, id, ['paused'], to, () => this.signal(id, resumeCampaignSignal));
  }

  /** Effective at once in PostgreSQL (nothing waiting is handed over any more); the workflow then ends. */
  async cancel(accountId: string, id: string): Promise<{ status: CampaignStatus }> {
    const campaign = await this.find(accountId, id);
    if (isFinal(campaign.status)) throw new ConflictError('campaign_finished', `The campaign is ${campaign.status} already`);
    const started = campaign.status !== 'draft';
    await this.campaigns.transition(id, ['draft', 'scheduled', 'running', 'paused', 'sending'], 'cancelled');
    await this.campaigns.cancelWaiting(id);
    // The workflow ends on its own signal; should Temporal be unreachable now, it ends at its next page (nothing is taken from a cancelled campaign).
    if (started) await this.signal(id, cancelCampaignSignal).catch(() => undefined);
    return { status: 'cancelled' };
  }

  async update(accountId: string, id: string, dto: UpdateCampaignDto): Promise<CampaignView> {
    const campaign = await this.find(accountId, id);
    if (isFinal(campaign.status)) throw new ConflictError('campaign_finished', `The campaign is ${campaign.status}`);
    if (dto.throttle === undefined) return this.view(campaign);
    const mps = dto.throttle?.mps ?? null;
    await this.campaigns.setThrottle(id, mps);
    if (campaign.status !== 'draft') await this.signal(id, setCampaignThrottleSignal, { mps });
    return this.view((await this.campaigns.find(id))!);
  }

  private async change(accountId: string, id: string, from: CampaignStatus[], to: CampaignStatus, signal: () => Promise<void>): Promise<{ status: CampaignStatus }> {
    const campaign = await this.find(accountId, id);
    if (!(await this.campaigns.transition(id, from, to))) throw new ConflictError('campaign_state', `The campaign is ${campaign.status}; this needs ${from.join(' or ')}`);
    try {
      await signal();
    } catch (err) {
      await this.campaigns.transition(id, [to], campaign.status);
      throw err;
    }
    return { status: to };
  }

  private async signal<A extends unknown[]>(id: string, def: import('@temporalio/common').SignalDefinition<A>, ...args: A): Promise<void> {
    try {
      await this.temporal.workflow.getHandle(campaignWorkflowId(id)).signal(def, ...args);
    } catch {
      throw new UnavailableError('temporal_unavailable', 'The campaign could not be reached (Temporal unreachable). Retry later.');
    }
  }

  async recordOptOut(accountId: string, phone: string, optedOut: boolean): Promise<{ phone: string; optedOut: boolean }> {
    const e164 = normalizeE164(phone, 'phone').e164;
    await this.compliance.recordOptOut(accountId, e164, optedOut, 'api');
    return { phone: e164, optedOut };
  }

  async preview(accountId: string, id: string): Promise<CampaignPreviewView> {
    const campaign = await this.find(accountId, id);
    const groups = await this.campaigns.audienceGroups(id);
    const prices = new Map((await this.carriers.list()).map((c) => [c.id, c.costs]));
    const plan = await this.planner.snapshot();
    const byLocale = new Map<string, LocalePreviewView>();
    const notes = new Set<string>();
    // Every locale of the campaign is shown, with or without recipients yet.
    const wanted = [{ locale: null as string | null, country: null as string | null, count: 0, samplePhone: '', sampleVariables: {} as Record<string, string> }, ...Object.keys(campaign.message.locales ?? {}).map((l) => ({ locale: l, country: null, count: 0, samplePhone: '', sampleVariables: {} }))];
    for (const group of [...wanted, ...groups]) {
      const template = templateFor(campaign.message, group.locale);
      let entry = byLocale.get(template.locale);
      if (!entry) {
        const filled = personalize(template.text, group.sampleVariables).text;
        const text = campaignText(campaign, filled);
        const analysis = analyzeText(text);
        const ucs2Characters = [...new Set([...text].filter((ch) => !isGsm7(ch)))];
        const smart = smartEncode(text);
        const withSmart = smart !== text ? analyzeText(smart) : null;
        const transliterated = transliterateToGsm7(smart);
        const withTransliteration = transliterated !== text ? analyzeText(transliterated) : null;
        entry = {
          locale: template.locale,
          sample: group.count > 0 || placeholders(template.text).length === 0 ? text : template.text,
          encoding: analysis.encoding,
          segments: analysis.segments,
          ucs2Characters,
          withSmartEncoding: withSmart ? { encoding: withSmart.encoding, segments: withSmart.segments } : null,
          withTransliteration: withTransliteration ? { encoding: withTransliteration.encoding, segments: withTransliteration.segments } : null,
          recipients: 0,
          estimatedCost: 0,
        };
        if (analysis.encoding === 'UCS-2') {
          notes.add(
            `${template.locale}: ${ucs2Characters.slice(0, 10).join(' ')} ${ucs2Characters.length === 1 ? 'is' : 'are'} not in GSM-7, so this text goes as UCS-2 (70 characters per segment, 67 when concatenated)` +
              (withSmart?.encoding === 'GSM-7'
                ? '; smartEncoding would make it GSM-7'
                : withTransliteration?.encoding === 'GSM-7'
                  ? `; transliterate (with smartEncoding) would make it GSM-7, ${withTransliteration.segments} segment(s): letters such as č, ć, ž, š, đ become c, c, z, s, d`
                  : '; it stays UCS-2 even transliterated'),
          );
        }
        byLocale.set(template.locale, entry);
      }
      if (group.count === 0) continue;
      entry.recipients += group.count;
      // The segments of this group's sample text, priced at the first carrier its route would try.
      const segments = analyzeText(campaignText(campaign, personalize(template.text, group.sampleVariables).text)).segments;
      let price: number | undefined;
      try {
        const decision = await plan({
          to: group.samplePhone,
          country: group.country ?? undefined,
          priority: campaign.category === 'marketing' ? 'marketing' : 'transactional',
          senderType: campaign.senderPoolName ? 'long_code' : normalizeSender(campaign.from ?? campaign.senderPool![0]).type,
          accountId,
          segments,
        });
        const costs = prices.get(decision.candidates[0]?.carrierId ?? '') ?? {};
        price = costs[group.country ?? ''] ?? costs['*'];
      } catch {
        price = undefined;
      }
      if (price === undefined || entry.estimatedCost === null) {
        entry.estimatedCost = null;
        notes.add(`no price known for ${group.country ?? 'some numbers'} on the carrier its route tries first (PATCH /v1/carriers/:id { costs })`);
      } else entry.estimatedCost += price * segments * group.count;
    }
    const locales = [...byLocale.values()];
    const total = locales.some((l) => l.recipients > 0 && l.estimatedCost === null) ? null : locales.reduce((sum, l) => sum + (l.estimatedCost ?? 0), 0);
    return { locales, estimatedCost: total, notes: [...notes] };
  }

  async report(accountId: string, id: string) {
    const campaign = await this.find(accountId, id);
    return { id, status: campaign.status, ...(await this.campaigns.report(id)) };
  }

  /** Streams every recipient's outcome as CSV, a chunk at a time (memory flat in the audience size). */
  async export(accountId: string, id: string, res: Response): Promise<void> {
    await this.find(accountId, id);
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="campaign-${id}.csv"`);
    res.write(`${EXPORT_COLUMNS.join(',')}\n`);
    let after = '0';
    for (;;) {
      const rows = await this.campaigns.outcomes(id, after, EXPORT_CHUNK);
      if (rows.length === 0) break;
      const text = rows
        .map((r) => [r.phone, r.country, r.locale, r.state, r.message_id, r.status, r.carrier_id, r.attempts, r.failure_code, r.failure_reason, r.updated_at].map(csvField).join(','))
        .join('\n');
      if (!res.write(`${text}\n`)) await new Promise<void>((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
      after = rows[rows.length - 1].id;
      if (res.destroyed) return;
    }
    res.end();
  }
}
