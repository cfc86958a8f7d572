// Routing engine through the real stack: operator APIs for carriers and routes.
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { AccountRepository, openDatabase } from '@app/db';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { testDatabaseUrl, testKms } from '../support/env';

let stack: TestStack;
let pg: PgClient;
let customerKey: string;

beforeAll(async () => {
  stack = await startTestStack({ worker: { CIRCUIT_MIN_ATTEMPTS: '3', CIRCUIT_COOLDOWN_SECONDS: '3', CIRCUIT_PROBE_SUCCESSES: '2' } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
  const db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 2 });
  customerKey = (await new AccountRepository(db).createWithKey(`customer-${randomUUID()}`)).apiKey;
  await db.destroy();
}, 120_000);

afterAll(async () => {
  await pg?.end();
  await stack?.stop();
});

describe('carriers (operator API)', () => {
  it('lists carriers with their bind state', async () => {
    type Carrier = { id: string; bindState: string; enabled: boolean };
    // The worker records bind states once a second.
    // This stack's carriers (suites before it share the database and may have added their own).
    const ours = ['alpha', 'beta', 'gamma'];
    const carriers = await eventually(async () => {
      const res = await stack.api<Carrier[]>('GET', '/v1/carriers');
      const mine = res.status === 200 ? res.body.filter((c) => ours.includes(c.id)) : [];
      return mine.length === ours.length && mine.every((c) => c.bindState === 'bound') ? mine : undefined;
    });
    expect(carriers.map((c) => [c.id, c.bindState, c.enabled])).toEqual([
      ['alpha', 'bound', true],
      ['beta', 'bound', true],
      ['gamma', 'bound', true],
    ]);
  });

  it('sets prices and a throughput limit, validating each field', async () => {
    const ok = await stack.api('PATCH', '/v1/carriers/beta', { costs: { US: 0.004, '*': 0.05 }, maxTps: 20 });
    expect(ok).toMatchObject({ status: 200, body: { id: 'beta', costs: { US: 0.004, '*': 0.05 }, maxTps: 20 } });
    const badCountry = await stack.api('PATCH', '/v1/carriers/beta', { costs: { usa: 1 } });
    expect(badCountry).toEqual({ status: 400, body: { error: expect.objectContaining({ field: 'costs.usa' }) } });
    const badTps = await stack.api('PATCH', '/v1/carriers/beta', { maxTps: 0 });
    expect(badTps).toEqual({ status: 400, body: { error: expect.objectContaining({ field: 'maxTps' }) } });
    expect((await stack.api('PATCH', '/v1/carriers/nope', { enabled: false })).status).toBe(404);
    const unchanged = await stack.api<{ costs: Record<string, number> }>('GET', '/v1/carriers/beta');
    expect(unchanged.body.costs).toEqual({ US: 0.004, '*': 0.05 });
  });

  it('refuses a key without the operator scope', async () => {
    const res = await stack.api('GET', '/v1/carriers', undefined, { authorization: `Bearer ${customerKey}` });
    expect(res).toEqual({ status: 403, body: { error: { code: 'insufficient_scope', message: expect.any(String) } } });
  });
});

describe('routes (operator API) and routing of messages', () => {
  type Plan = { routingVersion: number; ruleId: string; strategy: string; candidates: { carrierId: string; reason: string; estimatedCost?: number }[]; policy: { maxAttempts: number } };
  type Message = { status: string; carrierId: string; routingVersion: number; routingRuleId: string };
  const rules = (first: string, second: string, extra: object[] = []) => [...extra, { id: 'default', strategy: 'priority', targets: [{ carrierId: first }, { carrierId: second }] }];
  const putRoutes = (body: object) => stack.api<{ version: number }>('PUT', '/v1/routes', body);
  const sendAndWait = async (body: Record<string, unknown> = {}) => {
    const accepted = await stack.api<{ id: string }>('POST', '/v1/messages', { to: '+14155552671', from: 'Acme', body: 'routing test', ...body });
    return eventually(async () => {
      const m = (await stack.api<Message>('GET', `/v1/messages/${accepted.body.id}`)).body;
      return m.status === 'delivered' || m.status === 'failed' ? m : undefined;
    });
  };

  it('refuses an invalid rule set naming the field, and keeps the active version', async () => {
    const before = (await stack.api<{ version: number }>('GET', '/v1/routes')).body.version;
    const bad = await putRoutes({ rules: rules('alpha', 'beta', [{ id: 'w', countries: ['US'], strategy: 'weighted', targets: [{ carrierId: 'alpha', weight: 150 }] }]) });
    expect(bad).toEqual({ status: 400, body: { error: { code: 'invalid_rule', message: expect.any(String), field: 'rules[0].targets[0].weight' } } });
    const unknownCarrier = await putRoutes({ rules: rules('alpha', 'zeta') });
    expect(unknownCarrier.body).toEqual({ error: expect.objectContaining({ field: 'rules[0].targets[1].carrierId' }) });
    const noDefault = await putRoutes({ rules: [{ id: 'us', countries: ['US'], strategy: 'priority', targets: [{ carrierId: 'alpha' }] }] });
    expect(noDefault.body).toEqual({ error: expect.objectContaining({ field: 'rules' }) });
    expect((await stack.api<{ version: number }>('GET', '/v1/routes')).body.version).toBe(before);
  });

  it('simulates a plan with the reason for each carrier, by least cost', async () => {
    await stack.api('PATCH', '/v1/carriers/alpha', { costs: { US: 0.009 } });
    await stack.api('PATCH', '/v1/carriers/beta', { costs: { US: 0.004 } });
    const { body: v } = await putRoutes({ rules: rules('alpha', 'beta', [{ id: 'us-lcr', countries: ['US'], strategy: 'least_cost', targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }] }]) });
    const sim = await stack.api<Plan>('POST', '/v1/routing/simulate', { to: '+14155552671', priority: 'otp', body: 'x'.repeat(200) });
    expect(sim.status).toBe(200);
    expect(sim.body).toMatchObject({ routingVersion: v.version, ruleId: 'us-lcr', strategy: 'least_cost', policy: { maxAttempts: 3 } });
    expect(sim.body.candidates).toEqual([
      expect.objectContaining({ carrierId: 'beta', reason: 'cheapest: 0.004/segment in US', estimatedCost: 0.008 }),
      expect.objectContaining({ carrierId: 'alpha', estimatedCost: 0.018 }),
    ]);
    const gb = await stack.api<Plan>('POST', '/v1/routing/simulate', { to: '+447400123456', priority: 'marketing' });
    expect(gb.body).toMatchObject({ ruleId: 'default', candidates: [{ carrierId: 'alpha' }, { carrierId: 'beta' }] });
    expect((await stack.api('POST', '/v1/routing/simulate', { to: '12', priority: 'otp' })).status).toBe(400);

    const message = await sendAndWait();
    expect(message).toMatchObject({ status: 'delivered', carrierId: 'beta', routingVersion: v.version, routingRuleId: 'us-lcr' });
  });

  it('routes new messages by a changed rule set, and by the restored one after a rollback', async () => {
    const { body: first } = await putRoutes({ rules: rules('alpha', 'beta'), comment: 'alpha first' });
    expect(await sendAndWait()).toMatchObject({ carrierId: 'alpha', routingVersion: first.version, routingRuleId: 'default' });

    const { body: second } = await putRoutes({ rules: rules('beta', 'alpha'), comment: 'beta first' });
    expect(second.version).toBeGreaterThan(first.version);
    expect(await sendAndWait()).toMatchObject({ carrierId: 'beta', routingVersion: second.version });

    const rollback = await stack.api<{ version: number }>('POST', `/v1/routes/versions/${first.version}/activate`);
    expect(rollback).toMatchObject({ status: 200, body: { version: first.version } });
    expect(await sendAndWait()).toMatchObject({ carrierId: 'alpha', routingVersion: first.version });

    const versions = await stack.api<{ version: number; active: boolean; comment: string }[]>('GET', '/v1/routes/versions');
    expect(versions.body.find((v) => v.active)).toMatchObject({ version: first.version, comment: 'alpha first' });
    expect((await stack.api('POST', '/v1/routes/versions/999999/activate')).status).toBe(404);
  });

  it('skips a disabled carrier', async () => {
    await putRoutes({ rules: rules('alpha', 'beta') });
    await stack.api('PATCH', '/v1/carriers/alpha', { enabled: false });
    try {
      const sim = await stack.api<Plan & { skipped: { carrierId: string; reason: string }[] }>('POST', '/v1/routing/simulate', { to: '+14155552671', priority: 'transactional' });
      expect(sim.body.candidates.map((c) => c.carrierId)).toEqual(['beta']);
      expect(sim.body.skipped).toEqual([{ carrierId: 'alpha', reason: 'disabled' }]);
      expect(await sendAndWait()).toMatchObject({ status: 'delivered', carrierId: 'beta' });
    } finally {
      await stack.api('PATCH', '/v1/carriers/alpha', { enabled: true });
    }
  });
});

describe('live carrier health', () => {
  type Health = { circuit: { state: string; reason: string | null }; window: { attempts: number; failures: number } };
  type Message = { id: string; status: string; carrierId: string; attempts: number };
  const health = async (id: string) => (await stack.api<Health>('GET', `/v1/carriers/${id}/health`)).body;
  const send = async () => {
    const accepted = await stack.api<{ id: string }>('POST', '/v1/messages', { to: '+14155552671', from: 'Acme', body: 'health test' });
    return eventually(async () => {
      const m = (await stack.api<Message>('GET', `/v1/messages/${accepted.body.id}`)).body;
      return m.status === 'delivered' || m.status === 'failed' ? m : undefined;
    });
  };

  it('opens the circuit of a failing carrier within seconds, moves traffic to the next, and returns after recovery', async () => {
    await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }], policy: { backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } } }] });
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { submitErrorRate: 1, submitErrorStatus: 0x0a });

    const failingSince = Date.now();
    const during = await Promise.all(Array.from({ length: 4 }, () => send()));
    expect(during.map((m) => [m.status, m.carrierId, m.attempts])).toEqual(during.map(() => ['delivered', 'beta', 2]));
    const opened = await eventually(async () => ((await health('alpha')).circuit.state === 'open' ? health('alpha') : undefined), 15_000, 'circuit open');
    const secondsToOpen = (Date.now() - failingSince) / 1000;
    expect(secondsToOpen).toBeLessThan(15);
    expect(opened.circuit.reason).toMatch(/attempts failed/);

    // While open, alpha is skipped: one attempt, straight to beta.
    const skipped = await send();
    expect(skipped).toMatchObject({ status: 'delivered', carrierId: 'beta', attempts: 1 });
    const sim = await stack.api<{ skipped: { carrierId: string; reason: string }[] }>('POST', '/v1/routing/simulate', { to: '+14155552671', priority: 'transactional' });
    expect(sim.body.skipped).toEqual([{ carrierId: 'alpha', reason: 'circuit open: recent errors' }]);

    // Alpha recovers: after the cooldown it is probed, then closed, and takes traffic again.
    await stack.sim('POST', '/carriers/alpha/reset');
    await eventually(async () => ((await health('alpha')).circuit.state === 'half_open' ? true : undefined), 15_000, 'circuit half-open');
    await eventually(
      async () => {
        await send();
        return (await health('alpha')).circuit.state === 'closed' ? true : undefined;
      },
      60_000,
      'circuit closed after probes',
    );
    expect(await send()).toMatchObject({ status: 'delivered', carrierId: 'alpha', attempts: 1 });
  });
});

describe('carrier throughput', () => {
  type Submission = { text: string; receivedAt: number };
  it('keeps a burst within the carrier maxTps, measured at the carrier, and sends OTP ahead of a marketing backlog', async () => {
    const maxTps = 5;
    await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }] }] });
    await stack.api('PATCH', '/v1/carriers/alpha', { maxTps });
    await stack.sim('DELETE', '/carriers/alpha/submissions');
    // The worker picks up a new limit within its 5 s poll.
    await new Promise((r) => setTimeout(r, 6000));
    try {
      const marketing = Array.from({ length: 25 }, (_, i) => stack.api('POST', '/v1/messages', { to: '+14155552671', from: 'Acme', body: `bulk ${i}`, priority: 'marketing' }));
      await Promise.all(marketing);
      await new Promise((r) => setTimeout(r, 500));
      await stack.api('POST', '/v1/messages', { to: '+14155552671', from: 'Acme', body: 'otp 123456', priority: 'otp' });
      const submissions = await eventually(async () => {
        const s = await stack.sim<Submission[]>('GET', '/carriers/alpha/submissions');
        return s.length >= 26 ? s : undefined;
      }, 30_000, 'all 26 submitted');
      const times = submissions.map((s) => s.receivedAt).sort((a, b) => a - b);
      let peak = 0;
      for (let i = 0; i < times.length; i += 1) peak = Math.max(peak, times.filter((t) => t >= times[i] && t < times[i] + 1000).length);
      const span = (times[times.length - 1] - times[0]) / 1000;
      console.log(`throughput: 26 submits over ${span.toFixed(2)} s, peak ${peak} in any 1 s window (maxTps ${maxTps})`);
      // Sends leave 1/maxTps apart; receive-time jitter at the simulator can put one more in a window.
      expect(peak).toBeLessThanOrEqual(maxTps + 1);
      expect(span).toBeGreaterThanOrEqual((26 - 1) / maxTps - 1);
      const otpPosition = submissions.findIndex((s) => s.text === 'otp 123456');
      expect(otpPosition).toBeLessThan(15);
    } finally {
      await stack.api('PATCH', '/v1/carriers/alpha', { maxTps: null });
    }
  });
});

describe('voice fallback', () => {
  type Message = { status: string; carrierId: string; attempts: number; events: { type: string; detail: Record<string, unknown> | null }[] };
  it('reads an OTP out in a call when no SMS carrier delivers it, and fails when the call is not answered', async () => {
    await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }], policy: { backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } } }] });
    for (const id of ['alpha', 'beta']) await stack.sim('PATCH', `/carriers/${id}/behaviour`, { undelivRate: 1 });
    const send = async (body: string) => {
      const accepted = await stack.api<{ id: string }>('POST', '/v1/messages', { to: '+14155552671', from: 'Acme', body, priority: 'otp' });
      return eventually(async () => {
        const m = (await stack.api<Message>('GET', `/v1/messages/${accepted.body.id}`)).body;
        return m.status === 'delivered' || m.status === 'failed' ? m : undefined;
      });
    };
    try {
      const answered = await send('Your code is 482913');
      expect(answered).toMatchObject({ status: 'delivered', carrierId: 'voice', attempts: 2, channel: 'voice' });
      expect(answered.events.filter((e) => e.type === 'voice_call').map((e) => e.detail?.status)).toEqual(['placed', 'answered']);
      const calls = await stack.sim<{ text: string; to: string }[]>('GET', '/voice/calls');
      expect(calls).toContainEqual(expect.objectContaining({ text: 'Your code is 482913', to: '+14155552671' }));

      await stack.sim('PATCH', '/voice/behaviour', { outcome: 'no_answer' });
      const unanswered = await send('Your code is 111111');
      expect(unanswered).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('voice fallback call ended no_answer') });
    } finally {
      for (const id of ['alpha', 'beta']) await stack.sim('POST', `/carriers/${id}/reset`);
      await stack.sim('POST', '/voice/reset');
    }
  });
});

describe('HTTP carrier', () => {
  type Message = { status: string; carrierId: string; attempts: number; error: { code: string } | null };
  const send = async () => {
    const accepted = await stack.api<{ id: string }>('POST', '/v1/messages', { to: '+14155552671', from: 'Acme', body: 'over HTTP' });
    return eventually(async () => {
      const m = (await stack.api<Message>('GET', `/v1/messages/${accepted.body.id}`)).body;
      return m.status === 'delivered' || m.status === 'failed' ? m : undefined;
    });
  };

  it('mixes connector types in one route: SMPP fails over to HTTP, whose receipt comes back by webhook', async () => {
    await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'gamma' }, { carrierId: 'alpha' }], policy: { backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } } }] });
    expect(await send()).toMatchObject({ status: 'delivered', carrierId: 'gamma', attempts: 1 });
    const submissions = await stack.sim<{ text: string; destination: string }[]>('GET', '/carriers/gamma/submissions');
    expect(submissions).toContainEqual(expect.objectContaining({ text: 'over HTTP', destination: '+14155552671' }));

    // An UNDELIV receipt over HTTP fails over to the SMPP carrier.
    await stack.sim('PATCH', '/carriers/gamma/behaviour', { undelivRate: 1 });
    try {
      expect(await send()).toMatchObject({ status: 'delivered', carrierId: 'alpha', attempts: 2 });
    } finally {
      await stack.sim('POST', '/carriers/gamma/reset');
    }
  });
});

describe('network routing', () => {
  it('routes by the mobile network a number lookup reports (a ported number)', async () => {
    await stack.sim('PATCH', '/lookup/numbers', { '+14155550123': '310260' });
    await stack.api('PUT', '/v1/routes', {
      rules: [
        { id: 'tmobile-us', networks: ['310260'], strategy: 'priority', targets: [{ carrierId: 'beta' }] },
        { id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }] },
      ],
    });
    try {
      const sim = await stack.api<{ ruleId: string; network: string | null; candidates: { carrierId: string }[] }>('POST', '/v1/routing/simulate', { to: '+14155550123', priority: 'transactional' });
      expect(sim.body).toMatchObject({ ruleId: 'tmobile-us', network: '310260', candidates: [{ carrierId: 'beta' }] });
      const other = await stack.api<{ ruleId: string; network: string | null }>('POST', '/v1/routing/simulate', { to: '+14155552671', priority: 'transactional' });
      expect(other.body).toMatchObject({ ruleId: 'default', network: null });

      const accepted = await stack.api<{ id: string }>('POST', '/v1/messages', { to: '+14155550123', from: 'Acme', body: 'by network' });
      const message = await eventually(async () => {
        const m = (await stack.api<{ status: string; carrierId: string; routingRuleId: string }>('GET', `/v1/messages/${accepted.body.id}`)).body;
        return m.status === 'delivered' ? m : undefined;
      });
      expect(message).toMatchObject({ carrierId: 'beta', routingRuleId: 'tmobile-us' });
    } finally {
      await stack.sim('POST', '/lookup/reset');
    }
  });
});

describe('carriers added through the API', () => {
  type Carrier = { id: string; endpoint: string; bindState: string; source: string; hasCredentials: boolean; lastError: string | null };
  type Message = { status: string; carrierId: string; attempts: number };
  const send = async (body: string) => {
    const accepted = await stack.api<{ id: string }>('POST', '/v1/messages', { to: '+14155552671', from: 'Acme', body });
    return eventually(async () => {
      const m = (await stack.api<Message>('GET', `/v1/messages/${accepted.body.id}`)).body;
      return m.status === 'delivered' || m.status === 'failed' ? m : undefined;
    });
  };

  afterAll(async () => {
    // The worker closes the connectors of carriers that are gone.
    await pg.query(`DELETE FROM carriers WHERE id IN ('delta', 'epsilon')`);
  });

  it('connects a new carrier within seconds, routes to it, replaces its connection on change, and keeps its credentials sealed', async () => {
    const gamma = (await stack.api<Carrier>('GET', '/v1/carriers/gamma')).body;
    const created = await stack.api<Carrier & Record<string, unknown>>('POST', '/v1/carriers', { id: 'delta', type: 'http', url: gamma.endpoint, token: 'gamma-token', costs: { US: 0.001 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'delta', source: 'api', hasCredentials: true });
    expect(JSON.stringify(created.body)).not.toContain('gamma-token');
    const [{ credentials }] = (await pg.query(`SELECT credentials FROM carriers WHERE id = 'delta'`)).rows;
    expect(credentials).toMatch(/^v1:/);
    expect(credentials).not.toContain('gamma-token');

    await stack.api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'delta' }, { carrierId: 'beta' }], policy: { backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } } }] });
    // The worker picks the carrier up within its 5 s reconcile, and its submit queue soon after.
    expect(await send('via delta')).toMatchObject({ status: 'delivered', carrierId: 'delta', attempts: 1 });

    // A wrong token: the worker replaces the connection; the carrier refuses (401) and beta takes over.
    expect((await stack.api('PATCH', '/v1/carriers/delta', { token: 'wrong' })).status).toBe(200);
    await eventually(async () => {
      const m = await send('after the token change');
      return m.carrierId === 'beta' ? m : undefined;
    }, 30_000, 'delta replaced');

    // An SMPP carrier with a wrong password: its refused bind is reported.
    const alpha = (await stack.api<Carrier>('GET', '/v1/carriers/alpha')).body;
    const port = Number(alpha.endpoint.split(':').pop());
    expect((await stack.api('POST', '/v1/carriers', { id: 'epsilon', type: 'smpp', host: '127.0.0.1', port, systemId: 'alpha', password: 'wrong', enabled: false })).status).toBe(201);
    const refused = await eventually(async () => {
      const c = (await stack.api<Carrier>('GET', '/v1/carriers/epsilon')).body;
      return c.bindState === 'down' ? c : undefined;
    }, 20_000, 'epsilon refused');
    expect(refused.lastError).toMatch(/ESME_RINVPASWD/);

    expect((await stack.api('POST', '/v1/carriers', { id: 'delta', type: 'http', url: gamma.endpoint, token: 'x' })).status).toBe(409);
    expect((await stack.api('POST', '/v1/carriers', { id: 'zeta', type: 'smpp', host: 'x', port: 70000, systemId: 'x', password: 'x' })).body).toEqual({
      error: expect.objectContaining({ code: 'invalid_field', field: 'port' }),
    });
    expect((await stack.api('PATCH', '/v1/carriers/alpha', { host: '10.0.0.1' })).body).toEqual({ error: expect.objectContaining({ code: 'managed_by_configuration' }) });
  });
});
