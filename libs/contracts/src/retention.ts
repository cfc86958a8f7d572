// Retention and erasure: workflow names, ids and payloads (ids and counts only: no numbers).

export const APPLY_RETENTION_WORKFLOW = 'applyRetention';
export const ERASE_SUBJECT_WORKFLOW = 'eraseSubject';

/** The Temporal Schedule that runs applyRetention (one per namespace; the worker keeps it up to date). */
export const RETENTION_SCHEDULE_ID = 'retention';
/** Each run's workflow id is this plus the scheduled time (Temporal appends it). */
export const RETENTION_WORKFLOW_ID = 'retention';

/** Derived from the erasure id, so a repeated start runs one workflow. */
export const erasureWorkflowId = (erasureId: string): string => `erasure-${erasureId}`;

export interface ApplyRetentionInput {
  /** Rows per statement (default 500). */
  batchSize?: number;
  /** Where a run that continued as new resumes: the next account after this id (null: the rows of no account come first). */
  resume?: { afterAccountId: string | null; counters: RetentionCounters };
}

export interface RetentionCounters {
  accounts: number;
  /** Rows redacted or deleted, per step. */
  rows: Record<string, number>;
}

export interface RetentionAccountResult {
  /** false: the activity stopped at its batch budget; call again. */
  done: boolean;
  rows: Record<string, number>;
  /** The step to go on from in the next call. */
  nextStep: number;
}

export interface EraseSubjectInput {
  erasureId: string;
  batchSize?: number;
}

export interface EraseSubjectResult {
  erasureId: string;
  rows: number;
}
