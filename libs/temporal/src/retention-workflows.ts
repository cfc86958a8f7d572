// Retention in Temporal: the `retention` Schedule that runs applyRetention (created or brought
// up to date at each worker start, so every replica converges on one schedule), the namespace's
// own retention of closed workflow histories, and starting an erasure's workflow.
import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import {
  APPLY_RETENTION_WORKFLOW,
  ApplyRetentionInput,
  ERASE_SUBJECT_WORKFLOW,
  EraseSubjectInput,
  erasureWorkflowId,
  RETENTION_SCHEDULE_ID,
  RETENTION_WORKFLOW_ID,
} from '@app/contracts';
import { msToTs } from '@temporalio/common/lib/time';

export interface RetentionScheduleOptions {
  taskQueue: string;
  /** Seconds between runs. */
  everySeconds: number;
  /** Default RETENTION_SCHEDULE_ID (tests sharing one server use their own). */
  scheduleId?: string;
}

/** Creates the schedule, or updates its interval and action to these; idempotent. */
export async function ensureRetentionSchedule(client: Client, { taskQueue, everySeconds, scheduleId = RETENTION_SCHEDULE_ID }: RetentionScheduleOptions): Promise<void> {
  const spec = { intervals: [{ every: `${everySeconds}s` }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: APPLY_RETENTION_WORKFLOW,
    workflowId: RETENTION_WORKFLOW_ID,
    taskQueue,
    args: [{} satisfies ApplyRetentionInput],
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      // A pass still running when the next is due: the next is skipped (the running one catches up).
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}

/** Sets how long the namespace keeps closed workflows' histories, unless it already does. */
export async function ensureNamespaceRetention(connection: Connection, namespace: string, days: number): Promise<void> {
  const seconds = days * 86_400;
  const described = await connection.workflowService.describeNamespace({ namespace });
  if (Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0) === seconds) return;
  await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: msToTs(seconds * 1000) } });
}

/** Starts an erasure's workflow; a second start of the same erasure does nothing. */
export async function startEraseSubject(client: Client, taskQueue: string, input: EraseSubjectInput): Promise<{ started: boolean }> {
  try {
    await client.workflow.start(ERASE_SUBJECT_WORKFLOW, { taskQueue, workflowId: erasureWorkflowId(input.erasureId), args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
    return { started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { started: false };
    throw err;
  }
}
