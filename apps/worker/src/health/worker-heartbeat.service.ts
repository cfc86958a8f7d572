// Tells GET /health that this worker is alive: every WORKER_HEARTBEAT_SECONDS it upserts its
// worker_heartbeats row with the state of each carrier connection it holds. A worker that dies
// stops beating and its row goes stale after three intervals; one that stops cleanly removes it.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@app/config';
import { WorkerHeartbeatRepository } from '@app/db';
import { CarrierDirectoryService } from '../carriers/carrier-directory.service';
import { LOGGER, WORKER_CONFIG } from '../tokens';

@Injectable()
export class WorkerHeartbeatService implements OnApplicationShutdown {
  readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly startedAt = new Date();
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly heartbeats: WorkerHeartbeatRepository,
    private readonly carriers: CarrierDirectoryService,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.heartbeatMs);
  }

  async beat(): Promise<void> {
    try {
      await this.heartbeats.beat({
        workerId: this.workerId,
        taskQueue: this.config.temporal.taskQueue,
        host: os.hostname(),
        pid: process.pid,
        startedAt: this.startedAt,
        intervalMs: this.config.heartbeatMs,
        carriers: this.carriers.statuses(),
      });
      if (this.failing) this.logger.info('worker heartbeat recorded again');
      this.failing = false;
    } catch (err) {
      // Logged once per outage, not at every beat.
      if (!this.failing) this.logger.warn({ err }, 'worker heartbeat not recorded; /health shows this worker down until it is');
      this.failing = true;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.heartbeats.remove(this.workerId).catch(() => undefined);
  }
}
