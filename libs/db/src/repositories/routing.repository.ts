// Versioned routing rule sets. A change never edits a version: it writes a new one, and one
// version is active at a time, so a rollback is activating an older version. Rules are stored
// as JSON documents; their shape is validated by libs/domain routing before they get here.
import { DataSource } from 'typeorm';

export interface StoredRule {
  id: string;
  [field: string]: unknown;
}

export interface RoutingVersion {
  version: number;
  comment: string | null;
  createdAt: Date;
  active: boolean;
  ruleCount: number;
}

export class RoutingRepository {
  constructor(private readonly db: DataSource) {}

  async active<T extends StoredRule = StoredRule>(): Promise<{ version: number; rules: T[] } | null> {
    const rows: { version: number; definition: T }[] = await this.db.query(
      `SELECT v.version, r.definition FROM routing_versions v JOIN routing_rules r ON r.version = v.version WHERE v.active ORDER BY r.position`,
    );
    return rows.length ? { version: rows[0].version, rules: rows.map((r) => r.definition) } : null;
  }

  async rules<T extends StoredRule = StoredRule>(version: number): Promise<T[] | null> {
    const exists: unknown[] = await this.db.query(`SELECT 1 FROM routing_versions WHERE version = $1`, [version]);
    if (exists.length === 0) return null;
    const rows: { definition: T }[] = await this.db.query(`SELECT definition FROM routing_rules WHERE version = $1 ORDER BY position`, [version]);
    return rows.map((r) => r.definition);
  }

  async versions(): Promise<RoutingVersion[]> {
    const rows: { version: number; comment: string | null; created_at: Date; active: boolean; rule_count: string }[] = await this.db.query(
      `SELECT v.version, v.comment, v.created_at, v.active, count(r.*) AS rule_count
       FROM routing_versions v LEFT JOIN routing_rules r ON r.version = v.version GROUP BY v.version ORDER BY v.version DESC`,
    );
    return rows.map((r) => ({ version: r.version, comment: r.comment, createdAt: r.created_at, active: r.active, ruleCount: Number(r.rule_count) }));
  }

  /** Writes the rules as a new version and (by default) activates it; returns its number. */
  async createVersion(rules: StoredRule[], { comment = null, createdBy = null, activate = true }: { comment?: string | null; createdBy?: string | null; activate?: boolean } = {}): Promise<number> {
    return this.db.transaction(async (tx) => {
      // Serialises version numbering and activation between concurrent writers.
      await tx.query(`LOCK TABLE routing_versions IN EXCLUSIVE MODE`);
      const [{ next }]: { next: number }[] = await tx.query(`SELECT COALESCE(max(version), 0) + 1 AS next FROM routing_versions`);
      if (activate) await tx.query(`UPDATE routing_versions SET active = false WHERE active`);
      await tx.query(`INSERT INTO routing_versions (version, comment, created_by, active) VALUES ($1, $2, $3, $4)`, [next, comment, createdBy, activate]);
      for (const [position, rule] of rules.entries()) {
        await tx.query(`INSERT INTO routing_rules (version, position, rule_id, definition) VALUES ($1, $2, $3, $4)`, [next, position, rule.id, JSON.stringify(rule)]);
      }
      return next;
    });
  }

  /** Makes `version` the active one (roll back or forward); false if it does not exist. */
  async activate(version: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query(`LOCK TABLE routing_versions IN EXCLUSIVE MODE`);
      const exists: unknown[] = await tx.query(`SELECT 1 FROM routing_versions WHERE version = $1`, [version]);
      if (exists.length === 0) return false;
      // Clear first: a unique index allows one active version at any moment.
      await tx.query(`UPDATE routing_versions SET active = false WHERE active AND version <> $1`, [version]);
      await tx.query(`UPDATE routing_versions SET active = true WHERE version = $1`, [version]);
      return true;
    });
  }

  /** Seeds version 1 when no rule set exists yet (first start). */
  async seedIfEmpty(rules: StoredRule[], comment: string): Promise<number | null> {
    const [{ count }]: { count: string }[] = await this.db.query(`SELECT count(*) FROM routing_versions`);
    if (Number(count) > 0) return null;
    return this.createVersion(rules, { comment });
  }
}
