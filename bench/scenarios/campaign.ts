// campaign: the campaigns feature end to end (ARCHITECTURE.md, flow 5). An audience of
// `--recipients` (100,000) is uploaded as one streamed CSV (POST /v1/campaigns/:id/recipients),
// the campaign is started, and its runCampaign workflow hands it to the paged delivery path;
// the figure is final statuses per second from the start until the last recipient's message is
// final (the campaign `completed`), beside the delivery engine's peers measured earlier in the
// same invocation (`npm run bench -- smpp-ingress kannel campaign`): the target is at least the
// smpp-ingress figure. Each process's RSS and CPU are sampled: run two audience sizes to see
// that memory stays flat in the audience size. `--throttle` (mps) sets the campaign's rate.
import { Readable } from 'node:stream';
import { Client as PgClient } from 'pg';
import type { Stack } from '../../apps/launcher/src/stack';
import { peerRate, peerRatio, resourceRows, round, Scenario } from '../support';

export interface CampaignBenchResult {
  recipients: number;
  uploadRowsPerSecond: number;
  uploadMs: number;
  delivered: number;
  failed: number;
  endToEndPerSecond: number;
  durationMs: number;
  pages: number;
  timedOut: boolean;
}

const now = () => performance.timeOrigin + performance.now();

async function api<T>(stack: Stack, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${stack.demoApiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** The audience as CSV, generated while it is sent (the bench process does not hold it either). */
function audienceCsv(recipients: number): Readable {
  const first = 2_000_000;
  let i = 0;
  return Readable.from(
    (function* () {
      yield 'phone,locale,name\n';
      while (i < recipients) {
        const lines: string[] = [];
        for (let n = 0; n < 1000 && i < recipients; n += 1, i += 1) lines.push(`+1415${first + i},en,Customer ${i}`);
        yield `${lines.join('\n')}\n`;
      }
    })(),
  );
}

export async function runCampaignBench(stack: Stack, recipients: number, throttle: number | null, timeoutMs = 1_800_000): Promise<CampaignBenchResult> {
  const campaign = await api<{ id: string }>(stack, 'POST', '/v1/campaigns', {
    name: `bench ${recipients}`,
    from: 'Acme',
    category: 'transactional',
    message: { default: 'Hi {{name}}, your winter offer is here' },
    ...(throttle ? { throttle: { mps: throttle } } : {}),
  });
  const uploadStart = now();
  const res = await fetch(`${stack.apiUrl}/v1/campaigns/${campaign.id}/recipients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'text/csv' },
    body: Readable.toWeb(audienceCsv(recipients)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const upload = (await res.json()) as { added: number; invalid: number };
  const uploadMs = now() - uploadStart;
  if (!res.ok || upload.added !== recipients) throw new Error(`upload: HTTP ${res.status} ${JSON.stringify(upload).slice(0, 300)}`);

  const startedAt = now();
  await api(stack, 'POST', `/v1/campaigns/${campaign.id}/start`);
  const pg = new PgClient({ connectionString: stack.databaseUrl });
  await pg.connect();
  let delivered = 0;
  let failed = 0;
  let lastFinalAt = startedAt;
  let status = '';
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const { rows } = await pg.query(
        `SELECT c.status, count(*) FILTER (WHERE m.status = 'delivered')::int AS delivered, count(*) FILTER (WHERE m.status = 'failed')::int AS failed,
                (EXTRACT(EPOCH FROM max(m.updated_at)) * 1000)::float8 AS last
         FROM campaigns c LEFT JOIN messages m ON m.campaign_id = c.id WHERE c.id = $1 GROUP BY c.status`,
        [campaign.id],
      );
      ({ status, delivered, failed } = rows[0]);
      lastFinalAt = rows[0].last ?? lastFinalAt;
      if (status === 'completed' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await pg.end();
  }
  const pages = await pagesOf(stack, campaign.id);
  return {
    recipients,
    uploadRowsPerSecond: round((recipients / uploadMs) * 1000),
    uploadMs: round(uploadMs),
    delivered,
    failed,
    endToEndPerSecond: round(((delivered + failed) / (lastFinalAt - startedAt)) * 1000),
    durationMs: round(lastFinalAt - startedAt),
    pages,
    timedOut: status !== 'completed',
  };
}

/** Pages (sendBatch workflows) that carried the campaign's messages. */
async function pagesOf(stack: Stack, campaignId: string): Promise<number> {
  const pg = new PgClient({ connectionString: stack.databaseUrl });
  await pg.connect();
  try {
    const { rows } = await pg.query(`SELECT count(DISTINCT batch_id)::int AS n FROM messages WHERE campaign_id = $1`, [campaignId]);
    return rows[0].n;
  } finally {
    await pg.end();
  }
}

export const campaignScenario: Scenario = {
  name: 'campaign',
  async run(context) {
    const recipients = context.arg('recipients', 100_000);
    const throttle = process.argv.includes('--throttle') ? context.arg('throttle', 1) : null;
    const { value: run, resources } = await context.withStack((stack) => runCampaignBench(stack, recipients, throttle));
    const ingress = peerRate('smpp-ingress');
    const kannel = peerRatio(run.endToEndPerSecond);
    console.log(`  campaign: ${recipients} recipients, ${run.endToEndPerSecond} final statuses/s${ingress ? ` (smpp-ingress ${ingress}/s in this run)` : ''}`);
    return {
      result: { ...run, throttle, resources, smppIngressPerSecond: ingress ?? null, kannelPerSecond: peerRate() ?? null },
      table: [
        ['figure', 'value', 'compared with', 'target'],
        [
          'final statuses per second (start → last message final)',
          `${run.endToEndPerSecond}`,
          ingress ? `smpp-ingress ${ingress}/s (same run): ratio ${round(run.endToEndPerSecond / ingress, 2)}` : 'run `smpp-ingress` first in the same invocation',
          '≥ smpp-ingress',
        ],
        ...(kannel ? [['vs Kannel', `${run.endToEndPerSecond}`, kannel, '']] : []),
        ['CSV upload (streamed, one transaction)', `${run.uploadRowsPerSecond} rows/s`, `${run.uploadMs} ms for ${recipients}`, ''],
        ['load', `${recipients} recipients${throttle ? ` at ${throttle} mps` : ', no throttle'}`, `${run.pages} pages`, `${run.delivered} delivered, ${run.failed} failed${run.timedOut ? ' (timed out)' : ''}`],
        ...resourceRows(resources, 4),
      ],
      notes: 'Memory: compare the RSS rows of two runs with different `--recipients`; the API streams the upload and the worker holds one page at a time, so they should not grow with the audience.',
    };
  },
};
