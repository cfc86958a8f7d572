// What GET /health concludes from its probes (collaborators stubbed): down without PostgreSQL,
// Temporal or a live worker; degraded without a gateway, a bind or a poller; carrier binds only
// from live workers.
import type { ApiConfig } from '@app/config';
import type { HeartbeatRepository, LiveProcess } from '@app/db';
import { carrierStates, HealthService } from './health.service';

const live = (kind: LiveProcess['kind'], carriers: LiveProcess['carriers'] = []): LiveProcess => ({
  id: `${kind}-1`,
  kind,
  taskQueue: 'q',
  host: 'h',
  pid: 1,
  startedAt: new Date(),
  beatAt: new Date('2026-01-01T00:00:00Z'),
  intervalMs: 1000,
  carriers,
});
const bound = (id: string) => ({ id, state: 'bound', since: null, lastError: null });

function service(options: { pgUp?: boolean; temporalUp?: boolean; processes?: LiveProcess[]; pollers?: number }) {
  const { pgUp = true, temporalUp = true, processes = [], pollers = 1 } = options;
  const db = {
    query: jest.fn(async (sql: string) => {
      if (!pgUp) throw new Error('connect ECONNREFUSED');
      return sql.includes('FROM carriers') ? [{ id: 'alpha' }, { id: 'beta' }] : [{}];
    }),
  };
  const temporal = {
    healthService: { check: jest.fn(async () => (temporalUp ? {} : Promise.reject(new Error('unavailable')))) },
    workflowService: { describeTaskQueue: jest.fn(async () => ({ pollers: Array.from({ length: pollers }, () => ({ lastAccessTime: { seconds: Math.floor(Date.now() / 1000) } })) })) },
  };
  const heartbeats = { live: jest.fn(async () => processes) } as unknown as HeartbeatRepository;
  const config = { temporal: { address: 'x', namespace: 'default', taskQueue: 'q' } } as ApiConfig;
  return new HealthService(db as never, temporal as never, config, heartbeats);
}

it('is ok with every component up, a live worker and gateway, binds and pollers', async () => {
  const view = await service({ processes: [live('worker', [bound('alpha'), bound('beta')]), live('smpp-gateway')] }).check();
  expect(view).toMatchObject({ status: 'ok', workers: { status: 'up', live: 1 }, smppGateways: { status: 'up', live: 1 }, taskQueues: [{ pollers: 1 }, { pollers: 1 }] });
  expect(view.carriers.map((c) => c.bindState)).toEqual(['bound', 'bound']);
});

it('is down without a live worker, with every carrier unknown; the summary says down only', async () => {
  const s = service({ processes: [live('smpp-gateway')] });
  const view = await s.check();
  expect(view.status).toBe('down');
  expect(view.workers).toMatchObject({ status: 'down', live: 0 });
  expect(view.carriers.map((c) => c.bindState)).toEqual(['unknown', 'unknown']);
  expect(await s.summary()).toEqual({ status: 'down' });
});

it('is down when PostgreSQL or Temporal is unreachable, and asks Temporal nothing more when it is down', async () => {
  expect((await service({ pgUp: false, processes: [live('worker')] }).check()).status).toBe('down');
  const view = await service({ temporalUp: false, processes: [live('worker', [bound('alpha'), bound('beta')]), live('smpp-gateway')] }).check();
  expect(view).toMatchObject({ status: 'down', temporal: { status: 'down', error: 'unavailable' } });
  expect(view.taskQueues.map((q) => q.pollers)).toEqual([null, null]);
});

it('is degraded (summary up) without a gateway, a bind or a poller', async () => {
  const noGateway = service({ processes: [live('worker', [bound('alpha'), bound('beta')])] });
  expect((await noGateway.check()).status).toBe('degraded');
  expect(await noGateway.summary()).toEqual({ status: 'up' });
  expect((await service({ processes: [live('worker', [bound('alpha')]), live('smpp-gateway')] }).check()).status).toBe('degraded');
  expect((await service({ processes: [live('worker', [bound('alpha'), bound('beta')]), live('smpp-gateway')], pollers: 0 }).check()).status).toBe('degraded');
});

it('takes a carrier as bound when any live worker holds a bind, else the least bad state reported', () => {
  const down = { id: 'alpha', state: 'down', since: '2026-01-01T00:00:00.000Z', lastError: 'refused' };
  const connecting = { id: 'alpha', state: 'connecting', since: null, lastError: null };
  expect(carrierStates(['alpha'], [live('worker', [down]), live('worker', [bound('alpha')])])[0].bindState).toBe('bound');
  expect(carrierStates(['alpha'], [live('worker', [down]), live('worker', [connecting])])[0].bindState).toBe('connecting');
  expect(carrierStates(['alpha'], [live('worker', [down])])[0]).toEqual({ id: 'alpha', bindState: 'down', since: down.since, lastError: 'refused' });
});
