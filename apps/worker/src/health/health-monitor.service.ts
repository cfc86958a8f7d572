// Evaluates every carrier's circuit breaker every few seconds from the live message flow
// (libs/domain circuit-breaker.ts). With several workers, a transaction-scoped advisory lock
// lets one of them evaluate per tick; the state lives in the carriers table for all to read.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { WorkerConfig } from '@app/config';
import { CarrierHealthRepository, CarrierRepository } from '@app/db';
import { nextCircuit } from '@app/domain';
import { DATA_SOURCE, LOGGER, WORKER_CONFIG } from '../tokens';

const HEALTH_LOCK_ID = 727_002;

@Injectable()
export class HealthMonitorService implements OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    private readonly health: CarrierHealthRepository,
    private readonly carriers: CarrierRepository,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.config.circuit.evaluateEveryMs);
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.db.transaction(async (tx) => {
        const [{ locked }]: { locked: boolean }[] = await tx.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [HEALTH_LOCK_ID]);
        if (locked) await this.evaluate();
      });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'carrier health evaluation failed; will retry');
    } finally {
      this.running = false;
    }
  }

  private async evaluate(): Promise<void> {
    const { thresholds, windowMs } = this.config.circuit;
    const windows = await this.health.window(windowMs);
    const now = Date.now();
    for (const carrier of await this.carriers.list()) {
      if (!carrier.enabled) continue;
      const bound = carrier.bindState === 'bound';
      const change = nextCircuit(
        {
          state: carrier.circuitState,
          stateAgeMs: now - carrier.circuitChangedAt.getTime(),
          bound,
          unboundForMs: bound || !carrier.bindStateAt ? 0 : now - carrier.bindStateAt.getTime(),
          window: windows.get(carrier.id) ?? { attempts: 0, failures: 0 },
          sinceChange: carrier.circuitState === 'half_open' ? await this.health.sinceChange(carrier.id, carrier.circuitChangedAt) : { successes: 0, failures: 0 },
        },
        thresholds,
      );
      if (!change) continue;
      await this.health.setCircuit(carrier.id, change.state, change.reason);
      this.logger.warn({ carrierId: carrier.id, fromState: carrier.circuitState, toState: change.state, reason: change.reason }, 'carrier circuit changed');
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
