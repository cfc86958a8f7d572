// Offered load through POST /v1/messages at a fixed rate (open loop: requests are sent on
// schedule whether or not earlier ones have been answered), then the messages' final statuses
// and timestamps from PostgreSQL and the carrier simulator. Shared by otp-latency and
// api-throughput.
import { Client as PgClient } from 'pg';
import type { Stack } from '../apps/launcher/src/stack';
import { TIMELINE_SQL } from '../libs/db/src/repositories/message-timeline';
import { LoadClient } from './http-client';
import { percentile, round } from './support';

export interface LoadStep {
  ratePerSecond: number;
  seconds: number;
  priority: 'otp' | 'transactional' | 'marketing';
  /** Distinguishes the bodies of one step from another's (the simulator matches by text). */
  tag: string;
  /** How long to wait for the final statuses after the last request. */
  settleMs: number;
}

export interface LoadOutcome {
  offeredPerSecond: number;
  seconds: number;
  sent: number;
  accepted: number;
  /** Answers other than 202, by status (0: no answer, with the client's error code). */
  refused: Record<string, number>;
  acceptMs: { p50: number; p95: number; p99: number };
  acceptToSubmitMs: { p50: number; p95: number; p99: number };
  acceptToFinalMs: { p50: number; p95: number; p99: number };
  delivered: number;
  failed: number;
  /** Messages with no final status when the wait ended. */
  unfinished: number;
  /** Final statuses per second, from the first request to the last final status. */
  finalPerSecond: number;
}

const now = () => performance.timeOrigin + performance.now();
const p3 = (values: number[]) => ({ p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), p99: round(percentile(values, 99)) });

export async function offerLoad(stack: Stack, step: LoadStep): Promise<LoadOutcome> {
  const sent: { id?: string; text: string; at: number; acceptMs?: number }[] = [];
  const refused: Record<string, number> = {};
  const requests: Promise<void>[] = [];
  const interval = 1000 / step.ratePerSecond;
  const http = new LoadClient();
  const startedAt = now();
  for (let i = 0; i < step.ratePerSecond * step.seconds; i += 1) {
    const wait = startedAt + i * interval - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const entry: (typeof sent)[number] = { text: `${step.tag} code 4829${i}`, at: now() };
    sent.push(entry);
    requests.push(
      http
        .request(`${stack.apiUrl}/v1/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ to: '+14155552671', from: 'Acme', body: entry.text, priority: step.priority }),
        })
        .then((res) => {
          entry.acceptMs = now() - entry.at;
          if (res.status === 202) entry.id = (JSON.parse(res.body) as { id: string }).id;
          else refused[res.status] = (refused[res.status] ?? 0) + 1;
        })
        .catch((err: NodeJS.ErrnoException) => {
          // No answer: counted under 0 with the client's error code (ECONNRESET, …), to tell causes apart.
          const key = `0${err.code ? ` ${err.code}` : ''}`;
          refused[key] = (refused[key] ?? 0) + 1;
        }),
    );
  }
  await Promise.all(requests);
  http.close();
  const accepted = sent.filter((s) => s.id);
  const ids = accepted.map((s) => s.id!);

  const pg = new PgClient({ connectionString: stack.databaseUrl });
  await pg.connect();
  try {
    const deadline = Date.now() + step.settleMs;
    while (Date.now() < deadline) {
      const { rows } = await pg.query(`SELECT count(*) FROM messages WHERE id = ANY($1) AND status IN ('delivered', 'failed')`, [ids]);
      if (Number(rows[0].count) === ids.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const { rows: finals } = await pg.query<{ id: string; status: string; at: number }>(
      // The final event, from the timeline (a paged message's `delivered` is read from its attempt row).
      `SELECT m.id, m.status, (EXTRACT(EPOCH FROM min(e.occurred_at)) * 1000)::float8 AS at
       FROM messages m JOIN (${TIMELINE_SQL}) e ON e.message_id = m.id AND e.type = m.status
       WHERE m.id = ANY($1) AND m.status IN ('delivered', 'failed') GROUP BY m.id, m.status`,
      [ids],
    );
    const byId = new Map(accepted.map((s) => [s.id!, s]));
    const toFinal = finals.map((r) => r.at - byId.get(r.id)!.at);

    const byText = new Map(accepted.map((s) => [s.text, s]));
    const toSubmit: number[] = [];
    for (const carrier of ['alpha', 'beta', 'gamma']) {
      const res = await fetch(`${stack.carrierSimUrl}/carriers/${carrier}/submissions?since=${Math.floor(startedAt)}`);
      for (const s of (await res.json()) as { text: string; receivedAt: number }[]) {
        const entry = byText.get(s.text);
        if (entry) toSubmit.push(s.receivedAt - entry.at);
      }
    }
    const lastFinal = finals.length > 0 ? Math.max(...finals.map((r) => r.at)) : now();
    return {
      offeredPerSecond: step.ratePerSecond,
      seconds: step.seconds,
      sent: sent.length,
      accepted: accepted.length,
      refused,
      acceptMs: p3(sent.filter((s) => s.acceptMs !== undefined).map((s) => s.acceptMs!)),
      acceptToSubmitMs: p3(toSubmit),
      acceptToFinalMs: p3(toFinal),
      delivered: finals.filter((r) => r.status === 'delivered').length,
      failed: finals.filter((r) => r.status === 'failed').length,
      unfinished: ids.length - finals.length,
      finalPerSecond: round((finals.length / (lastFinal - startedAt)) * 1000),
    };
  } finally {
    await pg.end();
  }
}
