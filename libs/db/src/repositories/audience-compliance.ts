// Who may receive a campaign: opt-outs and consents, behind an interface so the campaign
// activities do not care where they are kept. The PostgreSQL implementation reads the
// append-only `opt_out_events` and `consent_events` (the latest event per number decides);
// two-way messaging (STOP/START keywords), the compliance API (ComplianceRepository), the path
// POST /v1/campaigns/opt-outs and a recipient uploaded with `consent: true` append to them. An
// opt-out of one sender only (per-sender scope) does not skip a recipient here: the delivery
// check refuses that sender's messages (`rejected`, recipient_opted_out).
import type { CampaignCategory } from '@app/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { erasedPhoneParams, erasedPhoneSql, SubjectHasher } from './data-subject.repository';

export interface RecipientCompliance {
  optedOut: boolean;
  /** Marketing needs a granted consent; transactional campaigns do not ask. */
  consent: boolean;
  /** The records that decided (kept on the recipient as the check's evidence). */
  evidence: { optOutEventId: string | null; consentEventId: string | null };
}

export interface AudienceCompliance {
  check(accountId: string, category: CampaignCategory, phones: string[]): Promise<Map<string, RecipientCompliance>>;
}

export class PgAudienceCompliance implements AudienceCompliance {
  constructor(
    private readonly db: DataSource,
    /** Without it, opt-outs of erased numbers are not matched (see erasedPhoneSql). */
    private readonly hasher?: SubjectHasher,
  ) {}

  async check(accountId: string, category: CampaignCategory, phones: string[]): Promise<Map<string, RecipientCompliance>> {
    const rows: { phone: string; opt_id: string | null; opted_out: boolean | null; consent_id: string | null; granted: boolean | null }[] = await this.db.query(
      `SELECT p.phone, o.id AS opt_id, o.opted_out, c.id AS consent_id, c.granted
       FROM unnest($2::text[]) AS p(phone)
       LEFT JOIN LATERAL (SELECT id, opted_out FROM opt_out_events WHERE phone IN (p.phone, ${erasedPhoneSql('p.phone', '$4', '$5')}) AND (account_id = $1 OR account_id IS NULL) AND sender IS NULL ORDER BY id DESC LIMIT 1) o ON true
       LEFT JOIN LATERAL (SELECT id, granted FROM consent_events WHERE account_id = $1 AND phone = p.phone AND category = $3 ORDER BY id DESC LIMIT 1) c ON true`,
      [accountId, phones, category, ...erasedPhoneParams(this.hasher)],
    );
    return new Map(
      rows.map((r) => [
        r.phone,
        {
          optedOut: r.opted_out === true,
          consent: category !== 'marketing' || r.granted === true,
          evidence: { optOutEventId: r.opt_id, consentEventId: r.consent_id },
        },
      ]),
    );
  }

  /** Appends an opt-out (or, with optedOut false, an opt-in); accountId null applies to every account. */
  async recordOptOut(accountId: string | null, phone: string, optedOut: boolean, source: 'api' | 'operator'): Promise<void> {
    await this.db.query(`INSERT INTO opt_out_events (account_id, phone, opted_out, source) VALUES ($1, $2, $3, $4)`, [accountId, phone, optedOut, source]);
  }

  /** Appends granted consents for many numbers at once (an upload's `consent: true` rows, source `import`), in the caller's transaction. */
  static async recordConsents(tx: EntityManager, accountId: string, phones: string[], category: CampaignCategory, campaignId: string): Promise<void> {
    if (phones.length === 0) return;
    await tx.query(
      `INSERT INTO consent_events (account_id, phone, category, granted, source, campaign_id) SELECT $1, phone, $3, true, 'import', $4 FROM unnest($2::text[]) AS t(phone)`,
      [accountId, phones, category, campaignId],
    );
  }
}
