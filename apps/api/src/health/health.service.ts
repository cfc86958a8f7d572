// Health of each real component. Carrier binds are reported by the worker into the carriers
// table; an unbound carrier degrades the status but does not fail it (failover covers it).
import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Connection } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { DATA_SOURCE, TEMPORAL_CONNECTION } from '../tokens';

export class ComponentHealth {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiPropertyOptional()
  latencyMs?: number;

  @ApiPropertyOptional()
  error?: string;
}

export class CarrierHealth {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ['bound', 'connecting', 'down', 'closed'] })
  bindState!: string;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  since!: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  lastError!: string | null;
}

export class HealthView {
  @ApiProperty({ enum: ['ok', 'degraded', 'down'] })
  status!: 'ok' | 'degraded' | 'down';

  @ApiProperty({ type: ComponentHealth })
  api!: ComponentHealth;

  @ApiProperty({ type: ComponentHealth })
  postgres!: ComponentHealth;

  @ApiProperty({ type: ComponentHealth })
  temporal!: ComponentHealth;

  @ApiProperty({ type: [CarrierHealth] })
  carriers!: CarrierHealth[];
}

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<ComponentHealth> {
  const started = performance.now();
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref())]);
    return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { status: 'down', error: (err as Error).message };
  }
}

@Injectable()
export class HealthService {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TEMPORAL_CONNECTION) private readonly temporal: Connection,
  ) {}

  async check(): Promise<HealthView> {
    const [postgres, temporal] = await Promise.all([probe(() => this.db.query('SELECT 1')), probe(() => this.temporal.healthService.check({}))]);
    let carriers: CarrierHealth[] = [];
    if (postgres.status === 'up') {
      const rows: { id: string; bind_state: string; bind_state_at: Date | null; last_error: string | null }[] = await this.db.query(
        `SELECT id, bind_state, bind_state_at, last_error FROM carriers WHERE enabled ORDER BY priority`,
      );
      carriers = rows.map((r) => ({ id: r.id, bindState: r.bind_state, since: r.bind_state_at?.toISOString() ?? null, lastError: r.last_error }));
    }
    const down = postgres.status === 'down' || temporal.status === 'down';
    const degraded = carriers.length === 0 || carriers.some((c) => c.bindState !== 'bound');
    return { status: down ? 'down' : degraded ? 'degraded' : 'ok', api: { status: 'up' }, postgres, temporal, carriers };
  }
}
