// Start intents: accept at commit. A message that gets a workflow of its own is written with a
// `workflow_starts` row in the same transaction; bulk messages are grouped into pages, each
// written with a `page_starts` row. The worker's dispatcher leases due intents (SKIP LOCKED, so
// any number of worker replicas share them), starts the workflows and drops the intents (a page's
// intent stays, never due again, until its first attempt is done); an intent whose start failed
// comes due again later. Temporal being slow or down delays starts, never accepts.
import { PRIORITY_KEYS, type MessagePriority } from '@app/contracts';
import { DataSource } from 'typeorm';
import { returningRows } from './returning';
import { queueStatusCallbacks } from './status-callbacks';

/** Channel on which the dispatchers learn that intents or bulk messages wait. */
export const DISPATCH_CHANNEL = 'message_dispatch';

/**
 * What a wake-up says is due: intents to start messages' own workflows, and how many more bulk
 * messages wait for a page. A NOTIFY's payload spells it `workflows`, `pages=<n>` or both,
 * comma-separated (wakePayload); a payload without a count (`pages`, or empty) means "look".
 */
export interface DispatchWake {
  workflows: boolean;
  pages: number;
}

/**
 * How many paged messages a wake-up announces: 0 none, null some or unknown (a payload that
 * names nothing, or a count that is not one). A dispatcher leases workflow starts on every
 * wake-up (one SKIP LOCKED statement), so `workflows` is said for the log, not read.
 */
export function announcedPages(payload: string): number | null {
  if (payload.trim() === '') return null;
  let pages: number | null = 0;
  for (const part of payload.split(',')) {
    const [name, count] = part.split('=');
    if (name !== 'pages') continue;
    const n = count === undefined ? NaN : Number(count);
    pages = pages === null || !Number.isSafeInteger(n) || n < 0 ? null : pages + n;
  }
  return pages;
}

/** The NOTIFY payload for what a wake-up says is due (announcedPages reads it). */
export function wakePayload(wake: DispatchWake): string {
  return [...(wake.pages > 0 ? [`pages=${wake.pages}`] : []), ...(wake.workflows ? ['workflows'] : [])].join(',');
}

const wakers = new WeakMap<DataSource, (work: 'workflows' | 'pages', count: number) => void>();

/**
 * Wakes the dispatchers (LISTEN on DISPATCH_CHANNEL) once the accepts of this turn of the event
 * loop have committed: one NOTIFY for all of them, in a statement of its own, saying what they
 * made due (workflow starts, and how many messages wait for a page: a dispatcher looks for pages
 * only when enough have been announced to fill one, or the oldest comes of age). Not in the
 * accept's statement: PostgreSQL serialises the commits of transactions that NOTIFY (one lock on
 * the notification queue, held through the commit's WAL flush), so every accept would wait for
 * the flush of the one before it; measured, the accept p99 at 100 OTP a second fell from
 * 237–332 ms to 154 ms without it (BENCHMARKS.md). A lost wake-up costs a dispatcher's poll.
 */
export function wakeDispatchers(db: DataSource, work: 'workflows'): void;
export function wakeDispatchers(db: DataSource, work: 'pages', count: number): void;
export function wakeDispatchers(db: DataSource, work: 'workflows' | 'pages', count = 0): void {
  let wake = wakers.get(db);
  if (!wake) {
    let due: DispatchWake | null = null;
    wake = (kind, n) => {
      if (!due) {
        due = { workflows: false, pages: 0 };
        setImmediate(() => {
          const payload = wakePayload(due!);
          due = null;
          db.query(`SELECT pg_notify($1, $2)`, [DISPATCH_CHANNEL, payload]).catch(() => undefined);
        });
      }
      if (kind === 'workflows') due.workflows = true;
      else due.pages += n;
    };
    wakers.set(db, wake);
  }
  wake(work, count);
}

export interface WorkflowStartIntent {
  messageId: string;
  accountId: string;
  priority: MessagePriority;
  tries: number;
}

export interface PageStartIntent {
  batchId: string;
  size: number;
  /** The accounts whose messages the page carries. */
  accountIds: string[];
  tries: number;
}

export class DispatchRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Leases up to `limit` due workflow starts for `leaseMs` (another dispatcher skips them
   * meanwhile), OTP first, then by age: an OTP never waits behind a backlog of other messages.
   */
  async leaseWorkflowStarts(limit: number, leaseMs: number): Promise<WorkflowStartIntent[]> {
    const rows = returningRows<{ message_id: string; account_id: string; priority: MessagePriority; tries: number; created_at: Date }>(
      await this.db.query(
        // MATERIALIZED: the due rows are picked once (a subquery in the join could be rescanned and lease more than the limit).
        `WITH due AS MATERIALIZED (SELECT message_id FROM workflow_starts WHERE not_before <= now() ORDER BY rank, not_before LIMIT $1 FOR UPDATE SKIP LOCKED)
         UPDATE workflow_starts w SET not_before = now() + make_interval(secs => $2), tries = w.tries + 1
         FROM due WHERE w.message_id = due.message_id RETURNING w.message_id, w.account_id, w.priority, w.tries, w.rank, w.created_at`,
        [limit, leaseMs / 1000],
      ),
    );
    return rows
      .sort((a, b) => PRIORITY_KEYS[a.priority] - PRIORITY_KEYS[b.priority] || a.created_at.getTime() - b.created_at.getTime())
      .map((r) => ({ messageId: r.message_id, accountId: r.account_id, priority: r.priority, tries: r.tries }));
  }

  /** Of these messages (on their own workflows), those not yet handed to a carrier nor scheduled for later. */
  async stillStarting(messageIds: string[]): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM messages WHERE id = ANY($1::uuid[]) AND attempts = 0 AND status IN ('accepted', 'queued') AND (send_at IS NULL OR send_at <= now())`,
      [messageIds],
    );
    return rows.map((r) => r.id);
  }

  async workflowsStarted(messageIds: string[]): Promise<void> {
    if (messageIds.length > 0) await this.db.query(`DELETE FROM workflow_starts WHERE message_id = ANY($1::uuid[])`, [messageIds]);
  }

  /**
   * Groups waiting bulk messages into one page (up to `pageSize`) and writes its start intent,
   * in one transaction; the page's id is its first message's id. OTP come first (they ride pages,
   * past OTP_WORKFLOWS_PER_SECOND, and must not wait behind bulk), then the oldest others;
   * `otpOnly` (the dispatcher's cap on unsubmitted paged messages is reached): OTP alone. Returns
   * null when nothing waits. Scheduled messages join a page once their time has come.
   */
  async createPage(pageSize: number, otpOnly = false): Promise<PageStartIntent | null> {
    return this.db.transaction(async (tx) => {
      const claimed = returningRows<{ id: string; batch_id: string; account_id: string }>(
        await tx.query(
          // MATERIALIZED: each set is picked and locked once. The second scan leaves OTP to the first.
          `WITH o AS MATERIALIZED (
             SELECT id, created_at FROM messages WHERE awaiting_page AND priority = 'otp' AND (send_at IS NULL OR send_at <= now())
             ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED),
           r AS MATERIALIZED (
             SELECT id, created_at FROM messages WHERE NOT $2::boolean AND awaiting_page AND priority <> 'otp' AND (send_at IS NULL OR send_at <= now())
             ORDER BY created_at, id LIMIT greatest($1 - (SELECT count(*) FROM o), 0) FOR UPDATE SKIP LOCKED),
           w AS (SELECT * FROM o UNION ALL SELECT * FROM r),
           p AS (SELECT id, first_value(id) OVER (ORDER BY created_at, id) AS first FROM w)
           UPDATE messages m SET status = 'queued', batch_id = p.first, queued_at = now(), updated_at = now()
           FROM p
           WHERE m.id = p.id RETURNING m.id, m.batch_id, m.account_id`,
          [pageSize, otpOnly],
        ),
      );
      if (claimed.length === 0) return null;
      const batchId = claimed[0].batch_id;
      const ids = claimed.map((c) => c.id);
      // queued_at and batch_id are the messages' `queued` event (message-timeline.ts): no event row.
      await queueStatusCallbacks(tx, ids, 'queued');
      const accountIds = [...new Set(claimed.map((c) => c.account_id))].sort();
      await tx.query(`INSERT INTO page_starts (batch_id, size, account_ids, unsubmitted) VALUES ($1, $2, $3, $2)`, [batchId, ids.length, accountIds]);
      return { batchId, size: ids.length, accountIds, tries: 0 };
    });
  }

  async leasePageStarts(limit: number, leaseMs: number): Promise<PageStartIntent[]> {
    const rows = returningRows<{ batch_id: string; size: number; account_ids: string[]; tries: number }>(
      await this.db.query(
        `WITH due AS MATERIALIZED (SELECT batch_id FROM page_starts WHERE not_before <= now() ORDER BY not_before LIMIT $1 FOR UPDATE SKIP LOCKED)
         UPDATE page_starts s SET not_before = now() + make_interval(secs => $2), tries = s.tries + 1
         FROM due WHERE s.batch_id = due.batch_id RETURNING s.batch_id, s.size, s.account_ids, s.tries`,
        [limit, leaseMs / 1000],
      ),
    );
    return rows.map((r) => ({ batchId: r.batch_id, size: r.size, accountIds: r.account_ids, tries: r.tries }));
  }

  /**
   * The page's workflow runs: its intent is never leased again, and stays until the page has
   * been through its first attempt (`BatchRepository.firstAttemptDone`) so `pending` counts
   * what the page has not handed to a carrier yet.
   */
  async pageStarted(batchId: string): Promise<void> {
    await this.db.query(`UPDATE page_starts SET not_before = 'infinity' WHERE batch_id = $1`, [batchId]);
  }

  /**
   * Bulk messages waiting for a page (at most `limit` counted) and the age of the oldest, the
   * same for the OTP among them (`otp`), and how many paged messages no carrier has been handed
   * yet, across every worker replica. The first two read small partial indexes; the last sums
   * the pages still in their first attempt, each counted down as its messages go to a carrier
   * (`handedOver`).
   */
  async pending(limit: number): Promise<{ count: number; oldestMs: number; otp: { count: number; oldestMs: number }; unsubmitted: number }> {
    const due = `awaiting_page AND (send_at IS NULL OR send_at <= now())`;
    const waiting = (where: string) =>
      `SELECT count(*) AS n, (EXTRACT(EPOCH FROM now() - min(created_at)) * 1000)::float8 AS age
       FROM (SELECT created_at FROM messages WHERE ${where} ORDER BY created_at LIMIT $1) w`;
    const rows: { n: string; age: number | null; otp_n: string; otp_age: number | null; unsubmitted: string }[] = await this.db.query(
      `SELECT a.n, a.age, o.n AS otp_n, o.age AS otp_age, (SELECT coalesce(sum(unsubmitted), 0) FROM page_starts) AS unsubmitted
       FROM (${waiting(due)}) a, (${waiting(`${due} AND priority = 'otp'`)}) o`,
      [limit],
    );
    const row = rows[0];
    return {
      count: Number(row.n),
      oldestMs: row.age ?? 0,
      otp: { count: Number(row.otp_n), oldestMs: row.otp_age ?? 0 },
      unsubmitted: Number(row.unsubmitted),
    };
  }
}

/**
 * `count` messages of page `batchId` left "claimed, not yet handed to a carrier" (submitted,
 * failed or released in the page's first attempt), in the caller's transaction. A message the
 * opt-out check rejects is not counted down, and a retried chunk may count down twice (never
 * below zero): either way the page's count goes when its first attempt is done
 * (`BatchRepository.firstAttemptDone`).
 */
export async function handedOver(tx: Pick<DataSource, 'query'>, batchId: string, count: number): Promise<void> {
  if (count > 0) await tx.query(`UPDATE page_starts SET unsubmitted = greatest(unsubmitted - $2, 0) WHERE batch_id = $1`, [batchId, count]);
}
