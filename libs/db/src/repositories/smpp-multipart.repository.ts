// Parts of a customer's multipart submit (UDH or SAR concatenation) wait here for their
// siblings, so a part acknowledged before a gateway restart is not lost. The group id is
// decided by the first part and becomes the message id: every part's submit_sm_resp carries it.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { keyringOf } from '../data-keyring';
import { returningRows } from './returning';

export interface MultipartGroup<Submit> {
  id: string;
  total: number;
  submit: Submit;
  parts: { sequence: number; octets: Uint8Array }[];
}

export class SmppMultipartRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Stores one part (a re-sent part replaces nothing) and returns the group with every part
   * received so far. `submit` holds the first part's parameters (addresses, data_coding…).
   */
  async addPart<Submit>(systemId: string, groupKey: string, total: number, submit: Submit, sequence: number, octets: Uint8Array): Promise<MultipartGroup<Submit>> {
    return this.db.transaction(async (tx) => {
      const inserted: { id: string; total: number; submit: Submit }[] = await tx.query(
        `INSERT INTO smpp_multipart_groups (id, system_id, group_key, total, submit) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (system_id, group_key) DO UPDATE SET group_key = EXCLUDED.group_key
         RETURNING id, total, submit`,
        [randomUUID(), systemId, groupKey, total, JSON.stringify(submit)],
      );
      const group = inserted[0];
      await tx.query(`INSERT INTO smpp_multipart_parts (group_id, sequence, octets) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [group.id, sequence, keyringOf(tx).sealBytes(octets)]);
      const parts: { sequence: number; octets: Buffer }[] = await tx.query(`SELECT sequence, octets FROM smpp_multipart_parts WHERE group_id = $1 ORDER BY sequence`, [group.id]);
      return { id: group.id, total: group.total, submit: group.submit, parts: await this.opened(parts) };
    });
  }

  /** Part octets (the body) are sealed at rest. */
  private async opened(parts: { sequence: number; octets: Buffer }[]): Promise<{ sequence: number; octets: Uint8Array }[]> {
    const keyring = keyringOf(this.db);
    return Promise.all(parts.map(async (p) => ({ sequence: p.sequence, octets: new Uint8Array(await keyring.openBytes(p.octets)) })));
  }

  async complete(groupId: string): Promise<void> {
    await this.db.query(`DELETE FROM smpp_multipart_groups WHERE id = $1`, [groupId]);
  }

  /** Complete groups (a crash between the last part and the message) and groups older than `maxAgeMs`. */
  async sweepable<Submit>(maxAgeMs: number): Promise<(MultipartGroup<Submit> & { systemId: string; expired: boolean })[]> {
    const groups: { id: string; system_id: string; total: number; submit: Submit; expired: boolean }[] = await this.db.query(
      `SELECT g.id, g.system_id, g.total, g.submit, g.created_at < now() - make_interval(secs => $1) AS expired
       FROM smpp_multipart_groups g
       WHERE g.created_at < now() - make_interval(secs => $1)
          OR (SELECT count(*) FROM smpp_multipart_parts p WHERE p.group_id = g.id) >= g.total
       ORDER BY g.created_at LIMIT 100`,
      [maxAgeMs / 1000],
    );
    const out = [];
    for (const g of groups) {
      const parts: { sequence: number; octets: Buffer }[] = await this.db.query(`SELECT sequence, octets FROM smpp_multipart_parts WHERE group_id = $1 ORDER BY sequence`, [g.id]);
      out.push({ id: g.id, systemId: g.system_id, total: g.total, submit: g.submit, expired: g.expired, parts: await this.opened(parts) });
    }
    return out;
  }

  async remove(groupId: string): Promise<boolean> {
    return returningRows(await this.db.query(`DELETE FROM smpp_multipart_groups WHERE id = $1 RETURNING id`, [groupId])).length > 0;
  }
}
