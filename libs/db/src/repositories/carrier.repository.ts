// Carriers: connection settings come from the worker's configuration; what operators manage
// through the API (enabled, prices per country, throughput limit) lives only here.
import { CarrierConfig, joinSecrets, splitSecrets } from '@app/carriers';
import { DataSource, EntityManager } from 'typeorm';
import { CarrierEntity } from '../entities/carrier.entity';
import { SecretBox } from '../secrets';
import { returningRows } from './returning';

/** A carrier's connection as the worker needs it, with a fingerprint that changes when it does. */
export interface CarrierConnection {
  config: CarrierConfig;
  fingerprint: string;
}

/** Row columns for a carrier configuration; its kind's secret fields are sealed, the rest stays readable. */
function toRow(c: CarrierConfig, box: SecretBox) {
  const { settings, secret, columns } = splitSecrets(c);
  return { ...columns, settings: JSON.stringify(settings), credentials: box.seal(secret) };
}

export interface CarrierUpdate {
  enabled?: boolean;
  costs?: Record<string, number>;
  maxTps?: number | null;
}

export class CarrierRepository {
  constructor(private readonly db: DataSource) {}

  list(): Promise<CarrierEntity[]> {
    return this.db.getRepository(CarrierEntity).find({ order: { priority: 'ASC', id: 'ASC' } });
  }

  find(id: string): Promise<CarrierEntity | null> {
    return this.db.getRepository(CarrierEntity).findOneBy({ id });
  }

  /** At worker start: CARRIERS defines these carriers' connections (config wins; prices, limits and enabled stay the operators'). */
  async upsertFromConfig(configs: CarrierConfig[], box: SecretBox): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const [priority, c] of configs.entries()) {
        const row = toRow(c, box);
        await tx.query(
          `INSERT INTO carriers (id, connector_type, host, port, system_id, priority, bind_window, settings, credentials, source, enabled, bind_state)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'config', true, 'connecting')
           ON CONFLICT (id) DO UPDATE SET connector_type = $2, host = $3, port = $4, system_id = $5, priority = $6, bind_window = $7, settings = $8,
             credentials = $9, source = 'config', updated_at = now()`,
          [c.id, c.type, row.host, row.port, row.systemId, priority, c.window, row.settings, row.credentials],
        );
      }
    });
  }

  /** An operator's new carrier; null if the id is taken. */
  async create(c: CarrierConfig, box: SecretBox, extra: { enabled?: boolean; costs?: Record<string, number>; maxTps?: number | null }): Promise<CarrierEntity | null> {
    const row = toRow(c, box);
    const inserted = await this.db.query(
      `INSERT INTO carriers (id, connector_type, host, port, system_id, priority, bind_window, settings, credentials, source, enabled, costs, max_tps, bind_state)
       VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(max(priority), -1) + 1 FROM carriers), $6, $7, $8, 'api', $9, $10, $11, 'connecting')
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [c.id, c.type, row.host, row.port, row.systemId, c.window, row.settings, row.credentials, extra.enabled ?? true, JSON.stringify(extra.costs ?? {}), extra.maxTps ?? null],
    );
    return inserted.length ? this.find(c.id) : null;
  }

  /** Replaces the connection of an operator-managed carrier. */
  async updateConnection(c: CarrierConfig, box: SecretBox, tx: EntityManager = this.db.manager): Promise<void> {
    const row = toRow(c, box);
    await tx.query(`UPDATE carriers SET connector_type = $2, host = $3, port = $4, system_id = $5, bind_window = $6, settings = $7, credentials = $8, updated_at = now() WHERE id = $1`, [
      c.id,
      c.type,
      row.host,
      row.port,
      row.systemId,
      c.window,
      row.settings,
      row.credentials,
    ]);
  }

  /**
   * Every carrier's connection, credentials opened (for the worker only), validated by its kind
   * with the kind's defaults for settings stored before they existed.
   */
  async connections(box: SecretBox): Promise<CarrierConnection[]> {
    const rows = await this.db.getRepository(CarrierEntity).find({ order: { priority: 'ASC', id: 'ASC' } });
    return rows
      .filter((r) => r.credentials)
      .map((r) => {
        const config = joinSecrets({ id: r.id, type: r.connectorType, window: r.bindWindow, settings: r.settings, secret: box.open(r.credentials!) });
        return { config, fingerprint: `${JSON.stringify(r.settings)}|${r.credentials}|${r.bindWindow}` };
      });
  }

  async update(id: string, update: CarrierUpdate): Promise<CarrierEntity | null> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (update.enabled !== undefined) set('enabled', update.enabled);
    if (update.costs !== undefined) set('costs', JSON.stringify(update.costs));
    if (update.maxTps !== undefined) set('max_tps', update.maxTps);
    if (sets.length > 0) {
      const updated = returningRows(await this.db.query(`UPDATE carriers SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING id`, params));
      if (updated.length === 0) return null;
    }
    return this.find(id);
  }
}
