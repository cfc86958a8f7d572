// Checks shared by the end-to-end suites that count what reached the carriers: destinations
// unique within a suite, and "every message delivered, each destination received once".
import { randomInt } from 'node:crypto';
import type { Client as PgClient } from 'pg';
import { eventually, TestStack } from './stack';

/** A generator of destinations unique within the suite (the simulator's submissions are counted per destination). */
export function destinationNumbers(): (n: number) => string[] {
  let next = randomInt(2_000_000, 8_000_000);
  return (n) => Array.from({ length: n }, () => `+1415${next++}`);
}

/** Every message delivered, and the carriers alpha and beta received each destination exactly once. */
export async function expectDeliveredOnce(stack: TestStack, pg: PgClient, ids: string[], destinations: string[], timeoutMs = 90_000): Promise<void> {
  await eventually(
    async () => {
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) AND status = 'delivered'`, [ids]);
      return rows[0].n === ids.length ? true : undefined;
    },
    timeoutMs,
    `${ids.length} messages delivered`,
  );
  const received = new Map<string, number>();
  for (const carrier of ['alpha', 'beta']) {
    for (const s of await stack.sim<{ destination: string }[]>('GET', `/carriers/${carrier}/submissions`)) received.set(`+${s.destination}`, (received.get(`+${s.destination}`) ?? 0) + 1);
  }
  const wrong = destinations.filter((d) => received.get(d) !== 1);
  // On a failure, show what each offending message went through.
  const { rows } = await pg.query(
    `SELECT m.to_number, m.status, array_agg(a.carrier_id || ':' || a.status ORDER BY a.attempt) AS tries
     FROM messages m LEFT JOIN message_attempts a ON a.message_id = m.id WHERE m.to_number = ANY($1::text[]) GROUP BY m.id`,
    [wrong],
  );
  if (wrong.length > 0) throw new Error(`not received exactly once: ${JSON.stringify({ wrong: wrong.map((d) => [d, received.get(d) ?? 0]), rows })}`);
}
