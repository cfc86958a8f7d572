// The audit log of control-plane changes (API keys, SMPP credentials, routes, carriers, limits):
// who (account and key), when, from which client address, what (action and target), and the
// state before and after. Append-only (a trigger refuses UPDATE and DELETE); writers pass
// before/after with secrets already left out (a key's hash, a password are never in them).
import { DataSource, EntityManager } from 'typeorm';

export interface AuditActor {
  accountId: string;
  keyId: string;
  ip: string;
}

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string | null;
  /** The account the change concerns (an operator's change of another account names that one). */
  accountId?: string | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditEvent {
  id: string;
  at: Date;
  accountId: string | null;
  actorKeyId: string | null;
  actorIp: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditQuery {
  /** Only this account's events (null: every account, for operators). */
  accountId: string | null;
  action?: string;
  targetType?: string;
  since?: Date;
  until?: Date;
  /** Events older than this id (the cursor of the page before). */
  beforeId?: string;
  limit: number;
}

export class AuditRepository {
  constructor(private readonly db: DataSource) {}

  async record(actor: AuditActor, entry: AuditEntry, tx: EntityManager = this.db.manager): Promise<void> {
    await tx.query(
      `INSERT INTO audit_events (account_id, actor_key_id, actor_ip, action, target_type, target_id, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
      [
        entry.accountId === undefined ? actor.accountId : entry.accountId,
        actor.keyId,
        actor.ip,
        entry.action,
        entry.targetType,
        entry.targetId,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
      ],
    );
  }

  /** Newest first. */
  async list(query: AuditQuery): Promise<AuditEvent[]> {
    const rows: { id: string; at: Date; account_id: string | null; actor_key_id: string | null; actor_ip: string | null; action: string; target_type: string; target_id: string | null; before: unknown; after: unknown }[] =
      await this.db.query(
        `SELECT id::text, at, account_id, actor_key_id, actor_ip, action, target_type, target_id, before, after FROM audit_events
         WHERE ($1::uuid IS NULL OR account_id = $1) AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR target_type = $3)
           AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) AND ($6::bigint IS NULL OR id < $6)
         ORDER BY audit_events.id DESC LIMIT $7`,
        [query.accountId, query.action ?? null, query.targetType ?? null, query.since ?? null, query.until ?? null, query.beforeId ?? null, query.limit],
      );
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      accountId: r.account_id,
      actorKeyId: r.actor_key_id,
      actorIp: r.actor_ip,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      before: r.before,
      after: r.after,
    }));
  }
}
