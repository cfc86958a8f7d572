// Carriers: connection settings come from the worker's configuration; what operators manage
// through the API (enabled, prices per country, throughput limit) lives only here.
import { DataSource } from 'typeorm';
import { CarrierEntity } from '../entities/carrier.entity';
import { returningRows } from './returning';

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
