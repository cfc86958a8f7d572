// otp-latency: a fixed offered load of OTP messages through POST /v1/messages. Reports API
// accept latency, accept → carrier submit_sm (timestamped by the carrier simulator on receipt)
// and accept → delivered (the delivered event in PostgreSQL).
import { Client as PgClient } from 'pg';
import type { Stack } from '../../apps/launcher/src/stack';
import { percentile, round } from '../support';

export interface OtpLatencyResult {
  offeredPerSecond: number;
  seconds: number;
  sent: number;
  accepted: number;
  errors: number;
  acceptMs: { p50: number; p95: number; p99: number };
  acceptToSubmitMs: { p50: number; p95: number; p99: number };
  acceptToDeliveredMs: { p50: number; p99: number };
  delivered: number;
  /** Delivered messages per second, from the first request to the last delivery. */
  deliveredPerSecond: number;
}

const now = () => performance.timeOrigin + performance.now();

export async function otpLatency(stack: Stack, ratePerSecond: number, seconds: number): Promise<OtpLatencyResult> {
  const sent: { id?: string; text: string; at: number; acceptMs?: number }[] = [];
  let errors = 0;
  const requests: Promise<void>[] = [];
  const interval = 1000 / ratePerSecond;
  const startedAt = now();
  for (let i = 0; i < ratePerSecond * seconds; i += 1) {
    const due = startedAt + i * interval;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const entry: (typeof sent)[number] = { text: `Your code is 4829${i}`, at: now() };
    sent.push(entry);
    requests.push(
      fetch(`${stack.apiUrl}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ to: '+14155552671', from: 'Acme', body: entry.text, priority: 'otp' }),
      })
        .then(async (res) => {
          entry.acceptMs = now() - entry.at;
          if (res.status !== 202) errors += 1;
          else entry.id = ((await res.json()) as { id: string }).id;
        })
        .catch(() => {
          errors += 1;
        }),
    );
  }
  await Promise.all(requests);
  const accepted = sent.filter((s) => s.id);

  // Wait for the final statuses, then read the timestamps.
  const pg = new PgClient({ connectionString: stack.databaseUrl });
  await pg.connect();
  const ids = accepted.map((s) => s.id!);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { rows } = await pg.query(`SELECT count(*) FROM messages WHERE id = ANY($1) AND status IN ('delivered', 'failed')`, [ids]);
    if (Number(rows[0].count) === ids.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const { rows: delivered } = await pg.query(
    `SELECT m.id, (EXTRACT(EPOCH FROM min(e.occurred_at)) * 1000)::float8 AS at
     FROM messages m JOIN message_events e ON e.message_id = m.id AND e.type = 'delivered' WHERE m.id = ANY($1) GROUP BY m.id`,
    [ids],
  );
  await pg.end();
  const byId = new Map(accepted.map((s) => [s.id!, s]));
  const toDelivered = delivered.map((r: { id: string; at: number }) => r.at - byId.get(r.id)!.at);

  const byText = new Map(accepted.map((s) => [s.text, s]));
  const toSubmit: number[] = [];
  for (const carrier of ['alpha', 'beta', 'gamma']) {
    const res = await fetch(`${stack.carrierSimUrl}/carriers/${carrier}/submissions?since=${Math.floor(startedAt)}`);
    for (const s of (await res.json()) as { text: string; receivedAt: number }[]) {
      const entry = byText.get(s.text);
      if (entry) toSubmit.push(s.receivedAt - entry.at);
    }
  }
  const accepts = accepted.map((s) => s.acceptMs!);
  const p = (values: number[], q: number) => round(percentile(values, q));
  return {
    offeredPerSecond: ratePerSecond,
    seconds,
    sent: sent.length,
    accepted: accepted.length,
    errors,
    acceptMs: { p50: p(accepts, 50), p95: p(accepts, 95), p99: p(accepts, 99) },
    acceptToSubmitMs: { p50: p(toSubmit, 50), p95: p(toSubmit, 95), p99: p(toSubmit, 99) },
    acceptToDeliveredMs: { p50: p(toDelivered, 50), p99: p(toDelivered, 99) },
    delivered: toDelivered.length,
    deliveredPerSecond: round(toDelivered.length / (Math.max(...delivered.map((r: { at: number }) => r.at)) - startedAt) * 1000),
  };
}
