// Runs the Temporal workers of this process:
// - the main worker: the workflows (prebuilt bundle, or bundled at start when no bundle path is
//   configured) and every activity;
// - one activity worker per carrier on that carrier's task queue, whose rate the Temporal server
//   limits to the carrier's maxTps across all worker processes (maxTaskQueueActivitiesPerSecond).
//   The server's limit admits short bursts, so each process also paces its submits on the wire
//   (SmppConnector.setMaxTps). When an operator changes maxTps, that carrier's worker is replaced
//   to carry the new limit.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { carrierTaskQueue } from '@app/contracts';
import type { WorkerConfig } from '@app/config';
import { CarrierRepository } from '@app/db';
import { encryptedDataConverter, temporalTlsOption, workflowBundlerOptions } from '@app/temporal';
import { LocalKms } from '@app/crypto';
import type { DataConverter } from '@temporalio/common';
import type { MessageActivities } from '../../../../activities/messages/message.activities';
import { CarrierDirectoryService } from '../carriers/carrier-directory.service';
import { LOGGER, WORKER_CONFIG } from '../tokens';

export const MESSAGE_ACTIVITIES = Symbol('MESSAGE_ACTIVITIES');
const LIMIT_POLL_MS = 5000;

interface RunningWorker {
  worker: Worker;
  running: Promise<void>;
  maxTps: number | null;
}

@Injectable()
export class TemporalWorkerService implements OnApplicationShutdown {
  private connection?: NativeConnection;
  private main?: RunningWorker;
  private readonly carrierWorkers = new Map<string, RunningWorker>();
  private limitPoller?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(MESSAGE_ACTIVITIES) private readonly activities: MessageActivities,
    private readonly carriers: CarrierRepository,
    private readonly connectors: CarrierDirectoryService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Every payload encrypted (libs/temporal/src/payload-codec.ts), one codec (and data key) for all of this process's workers. */
  private dataConverter?: DataConverter;

  async start(): Promise<void> {
    this.dataConverter = encryptedDataConverter(new LocalKms(this.config.keks));
    this.connection = await NativeConnection.connect({ address: this.config.temporal.address, tls: temporalTlsOption(this.config.temporal.tls) });
    const workflows = this.config.workflowBundlePath ? { workflowBundle: { codePath: this.config.workflowBundlePath } } : workflowBundlerOptions();
    this.main = this.run(
      await Worker.create({
        connection: this.connection,
        namespace: this.config.temporal.namespace,
        taskQueue: this.config.temporal.taskQueue,
        activities: this.activities,
        dataConverter: this.dataConverter,
        ...workflows,
      }),
      null,
    );
    await this.syncCarrierWorkers();
    this.limitPoller = setInterval(() => void this.syncCarrierWorkers().catch((err) => this.logger.warn({ err: err.message }, 'carrier worker sync failed')), LIMIT_POLL_MS);
    this.logger.info({ taskQueue: this.config.temporal.taskQueue }, 'Temporal worker polling');
  }

  private run(worker: Worker, maxTps: number | null): RunningWorker {
    const running = worker.run().catch((err) => {
      this.logger.fatal({ err, taskQueue: worker.options.taskQueue }, 'Temporal worker stopped with an error: stopping this process');
      process.exitCode = 1;
      // A process that no longer polls must not go on beating as a live worker (/health): it stops
      // (cleanly, through Nest's shutdown hooks) so its supervisor (launcher, orchestrator) starts a new one.
      if (!this.stopping) process.kill(process.pid, 'SIGTERM');
    });
    return { worker, running, maxTps };
  }

  /** Starts a worker per carrier, replaces one whose maxTps changed, stops those of removed carriers. */
  private async syncCarrierWorkers(): Promise<void> {
    if (this.stopping || !this.connection) return;
    const limits = new Map((await this.carriers.list()).map((c) => [c.id, c.maxTps]));
    const ids = new Set(this.connectors.ids());
    for (const [id, gone] of this.carrierWorkers) {
      if (ids.has(id)) continue;
      gone.worker.shutdown();
      await gone.running;
      this.carrierWorkers.delete(id);
      this.logger.info({ carrierId: id }, 'carrier removed: submit worker stopped');
    }
    for (const id of ids) {
      const maxTps = limits.get(id) ?? null;
      // Exact pacing on the wire, in this process; the task queue limit below holds across processes.
      this.connectors.get(id)?.setMaxTps(maxTps);
      const current = this.carrierWorkers.get(id);
      if (current && current.maxTps === maxTps) continue;
      if (current) {
        current.worker.shutdown();
        await current.running;
      }
      if (this.stopping) return;
      const worker = await Worker.create({
        connection: this.connection,
        namespace: this.config.temporal.namespace,
        taskQueue: carrierTaskQueue(this.config.temporal.taskQueue, id),
        activities: { submitToCarrier: this.activities.submitToCarrier },
        dataConverter: this.dataConverter,
        ...(maxTps ? { maxTaskQueueActivitiesPerSecond: maxTps } : {}),
      });
      this.carrierWorkers.set(id, this.run(worker, maxTps));
      this.logger.info({ carrierId: id, maxTps }, 'carrier submit worker polling');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.limitPoller) clearInterval(this.limitPoller);
    const all = [this.main, ...this.carrierWorkers.values()].filter((w): w is RunningWorker => !!w);
    for (const { worker } of all) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.all(all.map((w) => w.running));
    await this.connection?.close();
  }
}
