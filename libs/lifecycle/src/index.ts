// The delivery lifecycle every message follows, whichever shape carries it (its own sendMessage
// workflow or a sendBatch page): the outcome of an attempt from its receipts, the next carrier,
// the pause between attempts, the failure reason and error of each way an attempt can end,
// and whether a voice call follows. Workflow-safe (pure, no Node or npm imports beyond the
// dependency-free contracts), so workflows import it by name and the page's activities and
// repositories call the very same functions.
export * from './attempt-outcome';
export * from './failover';
export * from './failures';
export * from './first-steps';
