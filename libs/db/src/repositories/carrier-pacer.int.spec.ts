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
  // Each wait is from the moment PostgreSQL ran the call; `since(i)` bounds how much later than
  // the first call that was (a loaded machine makes the calls slow), so the bounds hold either way.
  const page: (number | null)[] = [];
  const startedAt = performance.now();
  const doneAt: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    page.push(await pacer.reserve(carrier, 1, 1000));
    doneAt.push(performance.now());
  }
  const since = (i: number) => doneAt[i] - startedAt;
  // Held: the calls that got a slot (a slow later call may get one again as time moves on).
  const held = page.flatMap((w, i) => (w === null ? [] : [{ w, i }]));
  expect(held.length).toBeGreaterThanOrEqual(5);
  expect(held.length).toBeLessThanOrEqual(7 + Math.ceil(since(19) / 200));
  expect(page.slice(0, 5).every((w) => w !== null)).toBe(true);
  expect(page.some((w) => w === null)).toBe(true); // the page stopped at its horizon
  held.forEach(({ w, i }, k) => expect(w).toBeGreaterThanOrEqual(k * 200 - since(i) - 5));
  held.forEach(({ w }) => expect(w).toBeLessThanOrEqual(1000));

  // An OTP's own workflow reserves without a horizon: it goes right after what the page holds, not after the page's other 13+.
  const otp = (await pacer.reserve(carrier))!;
  const otpSince = performance.now() - startedAt;
  expect(otp).toBeGreaterThanOrEqual(held.length * 200 - otpSince - 5);
  expect(otp).toBeLessThanOrEqual(held.length * 200 + 5);
});
