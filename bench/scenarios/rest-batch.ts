// rest-batch: the REST counterpart of the peer's HTTP workload. `--clients` (50) concurrent
// clients POST /v1/messages/batch with `--batch` (100) messages each until `--messages`
// (20,000) are accepted; end to end is until every message has its final status durable in
// PostgreSQL (the moment its status callback would be queued). Reports accepted/s, end to end/s,
// the batch requests' latency, and the ratio to Kannel when `kannel` ran earlier in the same
// invocation (`npm run bench -- kannel rest-batch`).
import { Client as PgClient } from 'pg';
import type { Stack } from '../../apps/launcher/src/stack';
import { LoadClient } from '../http-client';
import { peerRate, peerRatio, percentile, resourceRows, round, Scenario } from '../support';

export interface RestBatchResult {
  messages: number;
  clients: number;
  batch: number;
  accepted: number;
  rejected: number;
  acceptedPerSecond: number;
  delivered: number;
  failed: number;
  endToEndPerSecond: number;
  requestMs: { p50: number; p95: number; p99: number };
  timedOut: boolean;
}

const now = () => performance.timeOrigin + performance.now();

export async function restBatch(stack: Stack, messages: number, clients: number, batch: number, timeoutMs = 600_000): Promise<RestBatchResult> {
  const http = new LoadClient(clients);
  const url = new URL('/v1/messages/batch', stack.apiUrl);
  const ids: string[] = [];
  const requestMs: number[] = [];
  let rejected = 0;
  let next = 0;
  const startedAt = now();
  let lastAcceptAt = startedAt;
  const client = async () => {
    while (next < messages) {
      const from = next;
      const count = Math.min(batch, messages - from);
      next += count;
      const body = JSON.stringify({ messages: Array.from({ length: count }, (_, i) => ({ to: '+14155552671', from: 'Acme', body: `Batch message ${from + i}` })) });
      const sentAt = now();
      const res = await http.request(url, { method: 'POST', headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' }, body });
      requestMs.push(now() - sentAt);
      if (res.status !== 202) throw new Error(`POST /v1/messages/batch: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      const answer = JSON.parse(res.body) as { rejected: number; results: { id?: string }[] };
      rejected += answer.rejected;
      for (const r of answer.results) if (r.id) ids.push(r.id);
      lastAcceptAt = now();
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  http.close();

  // Final statuses, from PostgreSQL: counted every 250 ms; the last one's commit time ends the span.
  const pg = new PgClient({ connectionString: stack.databaseUrl });
  await pg.connect();
  let delivered = 0;
  let failed = 0;
  let lastFinalAt = 0;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const { rows } = await pg.query(
        `SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                (EXTRACT(EPOCH FROM max(updated_at)) * 1000)::float8 AS last
         FROM messages WHERE id = ANY($1::uuid[]) AND status IN ('delivered', 'failed', 'cancelled')`,
        [ids],
      );
      delivered = rows[0].delivered;
      failed = rows[0].failed;
      lastFinalAt = rows[0].last ?? 0;
      if (delivered + failed >= ids.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await pg.end();
  }
  const p = (q: number) => round(percentile(requestMs, q));
  return {
    messages,
    clients,
    batch,
    accepted: ids.length,
    rejected,
    acceptedPerSecond: round((ids.length / (lastAcceptAt - startedAt)) * 1000),
    delivered,
    failed,
    endToEndPerSecond: round((delivered / (Math.max(lastFinalAt, lastAcceptAt) - startedAt)) * 1000),
    requestMs: { p50: p(50), p95: p(95), p99: p(99) },
    timedOut: delivered + failed < ids.length,
  };
}

export const restBatchScenario: Scenario = {
  name: 'rest-batch',
  async run(context) {
    const messages = context.arg('messages', 20_000);
    const clients = context.arg('clients', 50);
    const batch = context.arg('batch', 100);
    const { value: run, resources } = await context.withStack((stack) => restBatch(stack, messages, clients, batch));
    const peer = peerRatio(run.endToEndPerSecond);
    if (peer) console.log(`  rest-batch end to end ${run.endToEndPerSecond}/s: ${peer}`);
    return {
      result: { ...run, resources, kannelPerSecond: peerRate() ?? null },
      table: [
        ['figure', 'value', 'compared with', 'target'],
        ['accepted per second (messages in 202 answers)', `${run.acceptedPerSecond}`, '', ''],
        ['end to end per second (final status durable in PostgreSQL)', `${run.endToEndPerSecond}`, peer ?? 'run `kannel` first in the same invocation for the ratio', '≥ 1.0 × Kannel'],
        ['batch request latency (ms) p50 / p95 / p99', `${run.requestMs.p50} / ${run.requestMs.p95} / ${run.requestMs.p99}`, `${run.batch} messages per request`, ''],
        ['load', `${run.messages} messages, ${run.clients} clients`, `${run.accepted} accepted, ${run.rejected} rejected`, `${run.delivered} delivered, ${run.failed} failed${run.timedOut ? ' (timed out)' : ''}`],
        ...resourceRows(resources, 4),
      ],
    };
  },
};
