// Runs the Temporal worker: the prebuilt workflow bundle (or the workflows/ sources, bundled
// at start when no bundle path is configured) and the message activities.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { WorkerConfig } from '@app/config';
import { workflowBundlerOptions } from '@app/temporal';
import type { MessageActivities } from '../../../../activities/messages/message.activities';
import { LOGGER, WORKER_CONFIG } from '../tokens';

export const MESSAGE_ACTIVITIES = Symbol('MESSAGE_ACTIVITIES');

@Injectable()
export class TemporalWorkerService implements OnApplicationShutdown {
  private worker?: Worker;
  private connection?: NativeConnection;
  private running?: Promise<void>;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(MESSAGE_ACTIVITIES) private readonly activities: MessageActivities,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.connection = await NativeConnection.connect({ address: this.config.temporal.address });
    const workflows = this.config.workflowBundlePath ? { workflowBundle: { codePath: this.config.workflowBundlePath } } : workflowBundlerOptions();
    this.worker = await Worker.create({
      connection: this.connection,
      namespace: this.config.temporal.namespace,
      taskQueue: this.config.temporal.taskQueue,
      activities: this.activities,
      ...workflows,
    });
    this.running = this.worker.run().catch((err) => {
      this.logger.fatal({ err }, 'Temporal worker stopped with an error');
      process.exitCode = 1;
    });
    this.logger.info({ taskQueue: this.config.temporal.taskQueue }, 'Temporal worker polling');
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running;
    await this.connection?.close();
  }
}
