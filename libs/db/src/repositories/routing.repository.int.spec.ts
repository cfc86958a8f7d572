// Versioned routing rule sets against a real PostgreSQL.
import { DataSource } from 'typeorm';
import { testDatabaseUrl, testKms } from '../../../../test/support/env';
import { openDatabase } from '../data-source';
import { RoutingRepository } from './routing.repository';

let db: DataSource;
let routing: RoutingRepository;

beforeAll(async () => {
  db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 4 });
  routing = new RoutingRepository(db);
  // This suite owns the routing tables of the shared test database.
  await db.query('DELETE FROM routing_versions');
});
afterAll(async () => {
  await db?.query('DELETE FROM routing_versions');
  await db?.destroy();
});

it('creates versions, keeps one active, and rolls back and forward', async () => {
  expect(await routing.seedIfEmpty([{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }] }], 'seed')).toBe(1);
  expect(await routing.seedIfEmpty([{ id: 'other' }], 'seed again')).toBeNull();
  const v2 = await routing.createVersion([{ id: 'us', prefixes: ['1'] }, { id: 'default' }], { comment: 'add US' });
  expect(v2).toBe(2);
  expect(await routing.active()).toEqual({ version: 2, rules: [{ id: 'us', prefixes: ['1'] }, { id: 'default' }] });

  expect(await routing.activate(1)).toBe(true);
  expect((await routing.active())?.version).toBe(1);
  expect((await routing.versions()).map((v) => [v.version, v.active, v.ruleCount])).toEqual([
    [2, false, 2],
    [1, true, 1],
  ]);
  expect(await routing.activate(99)).toBe(false);
  expect((await routing.active())?.version).toBe(1);
  expect(await routing.rules(2)).toEqual([{ id: 'us', prefixes: ['1'] }, { id: 'default' }]);
  expect(await routing.rules(99)).toBeNull();
});

it('numbers concurrent versions without gaps or clashes, with exactly one active', async () => {
  const created = await Promise.all(Array.from({ length: 5 }, (_, i) => routing.createVersion([{ id: `r${i}` }])));
  expect(new Set(created).size).toBe(5);
  const [{ count }] = await db.query('SELECT count(*) FROM routing_versions WHERE active');
  expect(Number(count)).toBe(1);
});
