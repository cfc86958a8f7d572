// A carrier's maxTps against a real PostgreSQL: slots 1/maxTps apart for every caller; a page's
// reservations stop at the horizon, so a message's own workflow (an OTP) is not queued behind
// everything a page holds.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { CarrierPacer } from './carrier-pacer';

let db: DataSource;
const carrier = `paced-${randomUUID().slice(0, 8)}`;
const free = `free-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 2 });
  await db.query(`INSERT INTO carriers (id, connector_type, host, port, system_id, priority, max_tps) VALUES ($1, 'smpp', '127.0.0.1', 1, 'x', 99, 5), ($2, 'smpp', '127.0.0.1', 1, 'x', 99, NULL)`, [carrier, free]);
});
afterAll(async () => {
  await db?.query(`DELETE FROM carrier_pacing WHERE carrier_id = ANY($1)`, [[carrier, free]]);
  await db?.query(`DELETE FROM carriers WHERE id = ANY($1)`, [[carrier, free]]);
  await db?.destroy();
});

it('spaces slots 1/maxTps apart, stops a page at its horizon, and lets a message of its own in right after it', async () => {
  const pacer = new CarrierPacer(db);
  expect(await pacer.reserve(free, 1, 1000)).toBe(0);

  // A page of 20 at maxTps 5 with a 1 s horizon: slots at 0, 200, … ms until the next one would start beyond 1 s.
  const page: (number | null)[] = [];
  for (let i = 0; i < 20; i += 1) page.push(await pacer.reserve(carrier, 1, 1000));
  const held = page.filter((w): w is number => w !== null);
  expect(held.length).toBeGreaterThanOrEqual(5);
  expect(held.length).toBeLessThanOrEqual(7);
  expect(page.slice(held.length).every((w) => w === null)).toBe(true);
  held.forEach((w, i) => expect(w).toBeGreaterThanOrEqual(i * 200 - 50));

  // An OTP's own workflow reserves without a horizon: it goes right after what the page holds, not after the page's other 13+.
  const otp = (await pacer.reserve(carrier))!;
  expect(otp).toBeGreaterThanOrEqual(held.length * 200 - 100);
  expect(otp).toBeLessThan(1600);
});
