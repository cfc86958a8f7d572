// Campaigns through the real stack: a CSV audience across two countries and two locales, sent
// by its runCampaign workflow through the paged delivery path to the simulated carriers; what
// the carriers received must match each recipient's outcome (each sent recipient once, with
// its locale's personalized text; opted-out and non-consenting ones never), with alpha failing
// part-way and its recipients failed over to beta. Then a worker SIGKILLed mid-campaign, and
// pause, throttle and cancel as an operator uses them. CAMPAIGN_E2E_RECIPIENTS sizes the CSV
// campaign (default 1,000; the figure is 10,000).
import { randomInt } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { testDatabaseUrl } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';

// No receipt timeout on a loaded machine (a second carrier would count as a duplicate), no pause between attempts.
const POLICY = { receiptWaitMs: 120_000, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } };
const AUDIENCE = Number(process.env.CAMPAIGN_E2E_RECIPIENTS ?? 1000);

let stack: TestStack;
let pg: PgClient;

beforeAll(async () => {
  stack = await startTestStack({ rule: { policy: POLICY } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
}, 180_000);

afterAll(async () => {
  await pg?.end();
  await stack?.stop();
});

afterEach(async () => {
  for (const id of ['alpha', 'beta']) await stack.sim('POST', `/carriers/${id}/reset`);
});

interface CampaignView {
  id: string;
  status: string;
  counters: { recipients: Record<string, number>; messages: Record<string, number> };
}
interface Submission {
  destination: string;
  text: string;
  outcome: string;
  carrierMessageId: string | null;
}

/** Unique numbers per suite run: US (+1 415) and Croatian mobiles (+385 91). */
let nextUs = randomInt(2_000_000, 8_000_000);
let nextHr = randomInt(1_000_000, 8_000_000);
const usNumbers = (n: number) => Array.from({ length: n }, () => `+1415${nextUs++}`);
const hrNumbers = (n: number) => Array.from({ length: n }, () => `+38591${nextHr++}`);

async function createCampaign(body: Record<string, unknown>): Promise<string> {
  const res = await stack.api<{ id: string }>('POST', '/v1/campaigns', {
    name: 'e2e',
    from: 'Acme',
    category: 'marketing',
    message: { default: 'Hi {{name}}, 20% off this weekend', locales: { hr: 'Bok {{name}}, popust 20% — čekamo vas!' } },
    ...body,
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function uploadCsv(id: string, csv: string) {
  const res = await fetch(`${stack.apiUrl}/v1/campaigns/${id}/recipients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'text/csv' },
    body: csv,
  });
  return { status: res.status, body: (await res.json()) as { received: number; added: number; duplicates: number; invalid: number; errors: { line: number; field: string; reason: string }[] } };
}

const campaign = async (id: string) => (await stack.api<CampaignView>('GET', `/v1/campaigns/${id}`)).body;

async function waitForStatus(id: string, status: string, timeoutMs = 150_000): Promise<CampaignView> {
  return eventually(
    async () => {
      const c = await campaign(id);
      return c.status === status ? c : undefined;
    },
    timeoutMs,
    `campaign ${status}`,
  );
}

/** What alpha and beta accepted (a refused submit is not a send), per destination. */
async function accepted(): Promise<Map<string, Submission[]>> {
  const byDestination = new Map<string, Submission[]>();
  for (const carrier of ['alpha', 'beta']) {
    for (const s of await stack.sim<Submission[]>('GET', `/carriers/${carrier}/submissions`)) {
      if (!s.carrierMessageId) continue;
      const key = `+${s.destination}`;
      byDestination.set(key, [...(byDestination.get(key) ?? []), s]);
    }
  }
  return byDestination;
}

async function campaignMessageCount(id: string): Promise<number> {
  const { rows } = await pg.query(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1`, [id]);
  return rows[0].n;
}

it(`sends a ${AUDIENCE}-recipient CSV campaign across two countries and locales: each recipient once, opted-out never, alpha's failures failed over`, async () => {
  const us = usNumbers(AUDIENCE / 2);
  const hr = hrNumbers(AUDIENCE / 2);
  const everyone = [...us, ...hr];
  const optedOut = new Set(everyone.filter((_, i) => i % 50 === 7));
  const noConsent = new Set(everyone.filter((_, i) => i % 100 === 13));
  for (const phone of optedOut) expect((await stack.api('POST', '/v1/campaigns/opt-outs', { phone })).status).toBe(200);

  const id = await createCampaign({});
  const lines = ['phone,locale,name,consent'];
  everyone.forEach((phone, i) => lines.push(`${phone},${phone.startsWith('+385') ? 'hr' : 'en'},"Name ${i}",${noConsent.has(phone) ? 'no' : 'yes'}`));
  // A duplicate, a bad number, a bad locale and a row missing its variable: reported, not sent.
  lines.push(`${us[0]},en,Again,yes`, '+1555,en,Bad,yes', `${usNumbers(1)[0]},english!,Bad,yes`, `${usNumbers(1)[0]},en,,yes`);
  const upload = await uploadCsv(id, `${lines.join('\r\n')}\r\n`);
  expect(upload.status).toBe(200);
  expect(upload.body).toMatchObject({ received: AUDIENCE + 4, added: AUDIENCE, duplicates: 1, invalid: 3 });
  expect(upload.body.errors.map((e) => [e.line, e.field])).toEqual([
    [AUDIENCE + 3, 'phone'],
    [AUDIENCE + 4, 'locale'],
    [AUDIENCE + 5, 'variables.name'],
  ]);

  const preview = await stack.api<{ locales: { locale: string; encoding: string; segments: number; recipients: number }[] }>('POST', `/v1/campaigns/${id}/preview`);
  expect(preview.status).toBe(200);
  expect(preview.body.locales.map((l) => [l.locale, l.encoding, l.recipients])).toEqual([
    ['default', 'GSM-7', AUDIENCE / 2],
    ['hr', 'UCS-2', AUDIENCE / 2],
  ]);

  expect((await stack.api('POST', `/v1/campaigns/${id}/start`)).body).toEqual({ status: 'scheduled' });
  // Alpha starts refusing every submit once it has taken a fifth of the audience: the rest fail over to beta.
  await eventually(async () => ((await stack.sim<Submission[]>('GET', '/carriers/alpha/submissions')).length >= AUDIENCE / 5 ? true : undefined), 120_000, 'alpha busy');
  await stack.sim('PATCH', '/carriers/alpha/behaviour', { submitErrorRate: 1 });
  const done = await waitForStatus(id, 'completed');

  const expectedSent = everyone.filter((p) => !optedOut.has(p) && !noConsent.has(p));
  expect(done.counters.recipients).toMatchObject({ total: AUDIENCE, sent: expectedSent.length, opted_out: optedOut.size, no_consent: noConsent.size, pending: 0, deferred: 0 });
  expect(done.counters.messages).toMatchObject({ delivered: expectedSent.length, failed: 0, accepted: 0, queued: 0, submitted: 0 });

  const received = await accepted();
  const wrong = everyone.filter((p) => (received.get(p)?.length ?? 0) !== (expectedSent.includes(p) ? 1 : 0));
  expect(wrong).toEqual([]);
  // Each got its locale's text with its own name.
  const nameOf = new Map(everyone.map((p, i) => [p, `Name ${i}`]));
  const badText = expectedSent.filter((p) => received.get(p)![0].text !== (p.startsWith('+385') ? `Bok ${nameOf.get(p)}, popust 20% — čekamo vas!` : `Hi ${nameOf.get(p)}, 20% off this weekend`));
  expect(badText).toEqual([]);
  // Alpha's refusals were failed over: those recipients were delivered by beta on a second attempt.
  const { rows } = await pg.query(
    `SELECT count(*)::int AS n FROM messages m WHERE m.campaign_id = $1 AND m.status = 'delivered' AND m.carrier_id = 'beta'
       AND EXISTS (SELECT 1 FROM message_attempts a WHERE a.message_id = m.id AND a.carrier_id = 'alpha' AND a.status = 'submit_failed')`,
    [id],
  );
  expect(rows[0].n).toBeGreaterThan(0);

  const report = await stack.api<{ sent: number; delivered: number; optedOut: number; noConsent: number; byCountry: { country: string; delivered: number }[]; byCarrier: { carrierId: string }[] }>(
    'GET',
    `/v1/campaigns/${id}/report`,
  );
  expect(report.body).toMatchObject({ sent: expectedSent.length, delivered: expectedSent.length, optedOut: optedOut.size, noConsent: noConsent.size });
  expect(report.body.byCountry.map((c) => c.country).sort()).toEqual(['HR', 'US']);
  expect(report.body.byCarrier.map((c) => c.carrierId).sort()).toEqual(['alpha', 'beta']);

  const exported = await fetch(`${stack.apiUrl}/v1/campaigns/${id}/export`, { headers: { authorization: `Bearer ${stack.demoApiKey}` } });
  expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
  const exportLines = (await exported.text()).trim().split('\n');
  expect(exportLines).toHaveLength(AUDIENCE + 1);
  expect(exportLines.filter((l) => l.includes(',opted_out,'))).toHaveLength(optedOut.size);
}, 300_000);

it('finishes a campaign whose worker is SIGKILLed mid-way: nobody twice, counters exact', async () => {
  const audience = usNumbers(600);
  const id = await createCampaign({ category: 'transactional', throttle: { mps: 150 } });
  const added = await stack.api<{ added: number }>('POST', `/v1/campaigns/${id}/recipients`, { recipients: audience.slice(0, 300).map((phone) => ({ phone, variables: { name: 'A' } })) });
  const more = await stack.api<{ added: number }>('POST', `/v1/campaigns/${id}/recipients`, { recipients: audience.slice(300).map((phone) => ({ phone, variables: { name: 'B' } })) });
  expect(added.body.added + more.body.added).toBe(600);
  await stack.api('POST', `/v1/campaigns/${id}/start`);
  await eventually(async () => ((await campaignMessageCount(id)) >= 150 ? true : undefined), 60_000, 'a quarter handed over');
  await stack.processes.worker.kill();
  const atKill = await campaignMessageCount(id);
  expect(atKill).toBeLessThan(600);
  await stack.startWorker();
  const done = await waitForStatus(id, 'completed');
  expect(done.counters.recipients).toMatchObject({ total: 600, sent: 600 });
  expect(done.counters.messages).toMatchObject({ delivered: 600 });
  expect(await campaignMessageCount(id)).toBe(600);
  const received = await accepted();
  expect(audience.filter((p) => received.get(p)?.length !== 1)).toEqual([]);
}, 300_000);

it('pauses within two seconds, resumes where it stopped, applies a new throttle, and cancels what is left', async () => {
  const audience = usNumbers(400);
  const id = await createCampaign({ category: 'transactional', throttle: { mps: 20 } });
  await stack.api('POST', `/v1/campaigns/${id}/recipients`, { recipients: audience.map((phone) => ({ phone, variables: { name: 'C' } })) });
  await stack.api('POST', `/v1/campaigns/${id}/start`);
  await eventually(async () => ((await campaignMessageCount(id)) >= 20 ? true : undefined), 60_000, 'first pages');

  expect((await stack.api('POST', `/v1/campaigns/${id}/pause`)).body).toEqual({ status: 'paused' });
  await new Promise((r) => setTimeout(r, 2000));
  const paused = await campaignMessageCount(id);
  await new Promise((r) => setTimeout(r, 2500));
  expect(await campaignMessageCount(id)).toBe(paused);

  expect((await stack.api('POST', `/v1/campaigns/${id}/resume`)).body).toEqual({ status: 'running' });
  const patched = await stack.api<{ throttle: { mps: number } }>('PATCH', `/v1/campaigns/${id}`, { throttle: { mps: 100 } });
  expect(patched.body.throttle).toEqual({ mps: 100 });
  const before = await campaignMessageCount(id);
  await new Promise((r) => setTimeout(r, 3000));
  // At 20 mps three seconds add at most ~60 (a page); at 100 mps well over that.
  expect((await campaignMessageCount(id)) - before).toBeGreaterThan(100);

  expect((await stack.api('POST', `/v1/campaigns/${id}/cancel`)).body).toEqual({ status: 'cancelled' });
  const cancelled = await campaign(id);
  expect(cancelled.status).toBe('cancelled');
  const sentAtCancel = await campaignMessageCount(id);
  await new Promise((r) => setTimeout(r, 2000));
  expect(await campaignMessageCount(id)).toBe(sentAtCancel);
  const after = await campaign(id);
  expect(after.counters.recipients.pending + after.counters.recipients.deferred).toBe(0);
  expect(after.counters.recipients.sent + after.counters.recipients.cancelled).toBe(400);
  expect((await stack.api('POST', `/v1/campaigns/${id}/resume`)).status).toBe(409);
}, 300_000);

it('answers bad input with a 4xx naming the field, and stores nothing for it', async () => {
  const base = { name: 'bad', from: 'Acme', category: 'marketing', message: { default: 'Hi' } };
  const bad: [Record<string, unknown>, string][] = [
    [{ ...base, from: undefined }, 'from'],
    [{ ...base, senderPool: ['Acme'] }, 'senderPool'],
    [{ ...base, message: { default: 'Hi', locales: { 'not a locale': 'x' } } }, 'message.locales.not a locale'],
    [{ ...base, message: { default: 'Hi {{first name}}' } }, 'message.default'],
    [{ ...base, message: { default: 'Hi', locales: { hr: 7 } } }, 'message.locales.hr'],
    [{ ...base, schedule: { quietHours: { from: '25:00', to: '08:00' } } }, 'schedule.quietHours.from'],
    [{ ...base, schedule: { startAt: '2099-01-01T00:00:00Z' } }, 'schedule.startAt'],
    [{ ...base, throttle: { mps: -1 } }, 'throttle.mps'],
    [{ ...base, validity: 'long' }, 'validity'],
    [{ ...base, category: 'spam' }, 'category'],
    [{ ...base, extra: 1 }, 'extra'],
  ];
  for (const [body, field] of bad) {
    const res = await stack.api<{ error: { field?: string } }>('POST', '/v1/campaigns', body);
    expect([res.status, res.body.error.field]).toEqual([400, field]);
  }
  const id = await createCampaign({});
  const csv = (text: string, type = 'text/csv') =>
    fetch(`${stack.apiUrl}/v1/campaigns/${id}/recipients`, { method: 'POST', headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': type }, body: text });
  expect((await csv('name,locale\nAna,hr\n')).status).toBe(400);
  expect((await csv('phone,phone\n')).status).toBe(400);
  expect((await csv('phone,bad column\n')).status).toBe(400);
  expect((await csv('phone\n+14155550123\n', 'text/plain')).status).toBe(415);
  expect((await stack.api('POST', `/v1/campaigns/${id}/recipients`, { recipients: 'x' })).status).toBe(400);
  expect((await stack.api('POST', `/v1/campaigns/${id}/recipients`, { recipients: [{ phone: '+14155550123' }], more: 1 })).status).toBe(400);
  expect((await stack.api('POST', `/v1/campaigns/${id}/start`)).status).toBe(409);
  expect((await stack.api('POST', `/v1/campaigns/${id}/pause`)).status).toBe(409);
  expect((await stack.api('PATCH', `/v1/campaigns/${id}`, { throttle: { mps: 'fast' } })).status).toBe(400);
  expect((await stack.api('GET', '/v1/campaigns?limit=abc')).status).toBe(400);
  expect((await stack.api('GET', '/v1/campaigns?before=yesterday')).status).toBe(400);
  expect((await stack.api('POST', '/v1/campaigns/opt-outs', { phone: '12' })).status).toBe(400);
  for (const route of ['/v1/campaigns/nope', `/v1/campaigns/${crypto.randomUUID()}/report`, `/v1/campaigns/${crypto.randomUUID()}/export`]) {
    expect((await stack.api('GET', route)).status).toBe(404);
  }
  expect((await campaign(id)).counters.recipients.total).toBe(0);
}, 120_000);

it('holds recipients in their quiet hours (local time of their country) and sends them when the window opens', async () => {
  // A window that started an hour ago in Zagreb and ends two minutes from now.
  const zagreb = (at: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Zagreb', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  const now = Date.now();
  const quietHours = { from: zagreb(new Date(now - 3_600_000)), to: zagreb(new Date(now + 120_000)) };
  const opensAt = Math.floor((now + 120_000) / 60_000) * 60_000;
  const audience = hrNumbers(20);
  const id = await createCampaign({ category: 'transactional', schedule: { quietHours } });
  await stack.api('POST', `/v1/campaigns/${id}/recipients`, { recipients: audience.map((phone) => ({ phone, locale: 'hr', variables: { name: 'Iva' } })) });
  await stack.api('POST', `/v1/campaigns/${id}/start`);
  await eventually(async () => ((await campaign(id)).counters.recipients.deferred === 20 ? true : undefined), 30_000, 'recipients deferred');
  expect(await campaignMessageCount(id)).toBe(0);
  const done = await waitForStatus(id, 'completed', 240_000);
  expect(done.counters.recipients).toMatchObject({ sent: 20, deferred: 0 });
  const { rows } = await pg.query(`SELECT min(created_at) AS first FROM messages WHERE campaign_id = $1`, [id]);
  expect(rows[0].first.getTime()).toBeGreaterThanOrEqual(opensAt);
  const received = await accepted();
  expect(audience.filter((p) => received.get(p)?.length !== 1)).toEqual([]);
}, 300_000);
