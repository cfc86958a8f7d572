// Per-account keyword → reply rules (auto-replies), applied by the conversation workflow's
// keyword step after the compliance keywords. `normalized` is the keyword in the form MOs are
// compared in (libs/domain keywords.ts), so two rules that would match the same words clash (409).
import { ConflictError } from '@app/contracts';
import { normalizeKeyword, type AutoReplyRule } from '@app/domain';
import { DataSource } from 'typeorm';
import { returningRows } from './returning';

export interface AutoReply extends AutoReplyRule {
  createdAt: Date;
  updatedAt: Date;
}

export interface AutoReplyFields {
  keyword: string;
  match: 'exact' | 'prefix';
  locale: string | null;
  reply: string;
}

interface Row {
  id: string;
  keyword: string;
  match: 'exact' | 'prefix';
  locale: string | null;
  reply: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, keyword, match, locale, reply, created_at, updated_at';
const toRule = (r: Row): AutoReply => ({ id: r.id, keyword: r.keyword, match: r.match, locale: r.locale, reply: r.reply, createdAt: r.created_at, updatedAt: r.updated_at });
const UNIQUE_VIOLATION = '23505';

export class AutoReplyRepository {
  constructor(private readonly db: DataSource) {}

  async list(accountId: string): Promise<AutoReply[]> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM auto_replies WHERE account_id = $1 ORDER BY created_at, id`, [accountId]);
    return rows.map(toRule);
  }

  async get(accountId: string, id: string): Promise<AutoReply | null> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM auto_replies WHERE account_id = $1 AND id = $2`, [accountId, id]);
    return rows[0] ? toRule(rows[0]) : null;
  }

  async create(accountId: string, fields: AutoReplyFields): Promise<AutoReply> {
    const rows = await this.clashing(() =>
      this.db.query(`INSERT INTO auto_replies (account_id, keyword, normalized, match, locale, reply) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`, [
        accountId,
        fields.keyword,
        normalizeKeyword(fields.keyword),
        fields.match,
        fields.locale,
        fields.reply,
      ]),
    );
    return toRule(returningRows<Row>(rows)[0]);
  }

  async update(accountId: string, id: string, fields: AutoReplyFields): Promise<AutoReply | null> {
    const rows = await this.clashing(() =>
      this.db.query(
        `UPDATE auto_replies SET keyword = $3, normalized = $4, match = $5, locale = $6, reply = $7, updated_at = now() WHERE account_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [accountId, id, fields.keyword, normalizeKeyword(fields.keyword), fields.match, fields.locale, fields.reply],
      ),
    );
    const updated = returningRows<Row>(rows)[0];
    return updated ? toRule(updated) : null;
  }

  async remove(accountId: string, id: string): Promise<boolean> {
    return returningRows(await this.db.query(`DELETE FROM auto_replies WHERE account_id = $1 AND id = $2 RETURNING id`, [accountId, id])).length > 0;
  }

  private async clashing(write: () => Promise<unknown>): Promise<unknown> {
    try {
      return await write();
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION || (err as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) {
        throw new ConflictError('auto_reply_exists', 'A rule with this keyword, match and locale exists already', 'keyword');
      }
      throw err;
    }
  }
}
