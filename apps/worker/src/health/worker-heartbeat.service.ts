// Tells GET /health that this worker is alive: every WORKER_HEARTBEAT_SECONDS it upserts its
// service_heartbeats row with the state of each carrier connection it holds. A worker that dies
// stops beating and its row goes stale after three intervals; one that stops cleanly removes it.
import os from 'node:os';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@app/config';
import { HeartbeatRepository, HeartbeatWriter } from '@app/db';
import { CarrierDirectoryService } from '../carriers/carrier-directory.service';
import { LOGGER, WORKER_CONFIG } from '../tokens';

@Injectable()
export class WorkerHeartbeatService implements OnApplicationShutdown {
  private readonly writer: HeartbeatWriter;

  constructor(heartbeats: HeartbeatRepository, carriers: CarrierDirectoryService, @Inject(WORKER_CONFIG) config: WorkerConfig, @Inject(LOGGER) logger: Logger) {
    this.writer = new HeartbeatWriter(heartbeats, {
      kind: 'worker',
      taskQueue: config.temporal.taskQueue,
      intervalMs: config.heartbeatMs,
      host: os.hostname(),
      carriers: () => carriers.statuses(),
      onFailure: (err) => logger.warn({ err }, 'worker heartbeat not recorded; /health shows this worker down until it is'),
      onRecovery: () => logger.info('worker heartbeat recorded again'),
    });
  }

  start(): Promise<void> {
    return this.writer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer.stop();
  }
}
