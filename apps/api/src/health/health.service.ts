// What is true now about each real component. PostgreSQL and Temporal are probed; workers and
// SMPP gateways are alive when their heartbeat row (service_heartbeats) is fresh; the task queues' pollers come from
// Temporal (DescribeTaskQueue); carrier binds are those reported by live workers only, so what a
// dead worker last wrote is never shown. Anyone sees up/down; the details need an operator key.
import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { DataSource } from 'typeorm';
import type { ApiConfig } from '@app/config';
import { CarrierBindReport, HeartbeatRepository, LiveProcess } from '@app/db';
import { API_CONFIG, DATA_SOURCE, TEMPORAL_CONNECTION } from '../tokens';

/** A poller counts when Temporal saw it poll this recently (an idle worker re-polls about every minute). */
const POLLER_FRESH_MS = 90_000;

export class HealthSummary {
  @ApiProperty({ enum: ['up', 'down'], description: 'down: PostgreSQL or Temporal unreachable, or no live worker' })
  status!: 'up' | 'down';
}

export class ComponentHealth {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiPropertyOptional()
  latencyMs?: number;

  @ApiPropertyOptional()
  error?: string;
}

export class ProcessesHealth {
  @ApiProperty({ enum: ['up', 'down'], description: 'up when at least one such process beat within three of its heartbeat intervals (HEARTBEAT_SECONDS)' })
  status!: 'up' | 'down';

  @ApiProperty({ description: 'Processes with a fresh heartbeat' })
  live!: number;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', description: 'The most recent heartbeat among them' })
  lastBeatAt!: string | null;

  @ApiPropertyOptional({ description: 'Why the heartbeats could not be read' })
  error?: string;
}

export class TaskQueueHealth {
  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: ['workflow', 'activity'] })
  type!: 'workflow' | 'activity';

  @ApiProperty({ nullable: true, type: Number, description: 'Pollers Temporal saw in the last 90 s; null when Temporal could not be asked' })
  pollers!: number | null;
}

export class CarrierHealth {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: ['bound', 'connecting', 'down', 'closed', 'unknown'], description: 'As live workers hold it; unknown when no live worker reports this carrier' })
  bindState!: string;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' })
  since!: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  lastError!: string | null;
}

export class HealthView {
  @ApiProperty({ enum: ['ok', 'degraded', 'down'], description: 'down as in the summary; degraded when no SMPP gateway is live, a carrier is not bound or a task queue has no poller' })
  status!: 'ok' | 'degraded' | 'down';

  @ApiProperty({ type: ComponentHealth })
  api!: ComponentHealth;

  @ApiProperty({ type: ComponentHealth })
  postgres!: ComponentHealth;

  @ApiProperty({ type: ComponentHealth })
  temporal!: ComponentHealth;

  @ApiProperty({ type: ProcessesHealth, description: 'Temporal workers (they send); none live means down' })
  workers!: ProcessesHealth;

  @ApiProperty({ type: ProcessesHealth, description: 'SMPP gateways (customers bind there); none live means degraded' })
  smppGateways!: ProcessesHealth;

  @ApiProperty({ type: [TaskQueueHealth] })
  taskQueues!: TaskQueueHealth[];

  @ApiProperty({ type: [CarrierHealth] })
  carriers!: CarrierHealth[];
}

function withTimeout<T>(work: Promise<T>, timeoutMs = 2000): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref())]);
}

async function probe(check: () => Promise<unknown>): Promise<ComponentHealth> {
  const started = performance.now();
  try {
    await withTimeout(check());
    return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { status: 'down', error: (err as Error).message };
  }
}

const BIND_RANK: Record<string, number> = { bound: 0, connecting: 1, down: 2, closed: 3 };

/** One view per carrier across live workers: bound if any holds a bind, else the least bad state reported. */
export function carrierStates(enabled: string[], workers: LiveProcess[]): CarrierHealth[] {
  return enabled.map((id) => {
    const reports = workers.flatMap((w) => w.carriers.filter((c) => c.id === id));
    const best = reports.sort((a, b) => (BIND_RANK[a.state] ?? 9) - (BIND_RANK[b.state] ?? 9))[0] as CarrierBindReport | undefined;
    return best ? { id, bindState: best.state, since: best.since, lastError: best.lastError } : { id, bindState: 'unknown', since: null, lastError: null };
  });
}

@Injectable()
export class HealthService {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TEMPORAL_CONNECTION) private readonly temporal: Connection,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly heartbeats: HeartbeatRepository,
  ) {}

  async summary(): Promise<HealthSummary> {
    const view = await this.check();
    return { status: view.status === 'down' ? 'down' : 'up' };
  }

  async check(): Promise<HealthView> {
    const [postgres, temporal] = await Promise.all([probe(() => this.db.query('SELECT 1')), probe(() => this.temporal.healthService.check({}))]);
    const unknown = (error?: string): ProcessesHealth => ({ status: 'down', live: 0, lastBeatAt: null, ...(error ? { error } : {}) });
    let workers = unknown();
    let smppGateways = unknown();
    let carriers: CarrierHealth[] = [];
    if (postgres.status === 'up') {
      try {
        const live = await withTimeout(this.heartbeats.live(this.config.temporal.taskQueue));
        const enabled: { id: string }[] = await withTimeout(this.db.query(`SELECT id FROM carriers WHERE enabled ORDER BY priority, id`));
        const view = (processes: LiveProcess[]): ProcessesHealth => ({ status: processes.length > 0 ? 'up' : 'down', live: processes.length, lastBeatAt: processes[0]?.beatAt.toISOString() ?? null });
        const liveWorkers = live.filter((p) => p.kind === 'worker');
        workers = view(liveWorkers);
        smppGateways = view(live.filter((p) => p.kind === 'smpp-gateway'));
        carriers = carrierStates(
          enabled.map((c) => c.id),
          liveWorkers,
        );
      } catch (err) {
        workers = smppGateways = unknown((err as Error).message);
      }
    }
    const taskQueues = await this.taskQueues(temporal.status === 'up');
    const down = postgres.status === 'down' || temporal.status === 'down' || workers.status === 'down';
    const degraded = smppGateways.status === 'down' || carriers.length === 0 || carriers.some((c) => c.bindState !== 'bound') || taskQueues.some((q) => q.pollers === 0);
    return { status: down ? 'down' : degraded ? 'degraded' : 'ok', api: { status: 'up' }, postgres, temporal, workers, smppGateways, taskQueues, carriers };
  }

  private async taskQueues(reachable: boolean): Promise<TaskQueueHealth[]> {
    const name = this.config.temporal.taskQueue;
    const types = [
      ['workflow', proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
      ['activity', proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
    ] as const;
    return Promise.all(
      types.map(async ([type, taskQueueType]): Promise<TaskQueueHealth> => {
        if (!reachable) return { name, type, pollers: null };
        try {
          const { pollers } = await withTimeout(
            this.temporal.workflowService.describeTaskQueue({
              namespace: this.config.temporal.namespace,
              taskQueue: { name, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
              taskQueueType,
            }),
          );
          const now = Date.now();
          const fresh = pollers.filter((p) => !p.lastAccessTime?.seconds || now - Number(p.lastAccessTime.seconds) * 1000 < POLLER_FRESH_MS);
          return { name, type, pollers: fresh.length };
        } catch {
          return { name, type, pollers: null };
        }
      }),
    );
  }
}
