// verify: verifications started at a steady rate through POST /v1/verifications (default 10/s
// for 30 s, each to its own number), on a fresh stack with the demo account's verification
// limits lifted. Reports verifications started per second, the API's start latency, and
// start → the code's submit_sm at the carrier (timestamped by the carrier simulator on receipt).
import type { Stack } from '../../apps/launcher/src/stack';
import { LoadClient } from '../http-client';
import { percentile, resourceRows, round, Scenario } from '../support';

interface VerifyLoad {
  offered: number;
  started: number;
  refused: Record<string, number>;
  seconds: number;
  startedPerSecond: number;
  startMs: { p50: number; p99: number };
  startToCodeMs: { p50: number; p99: number };
  codesSeen: number;
}

/** A valid US number per index (exchange 200+, never 0 or 1). */
const destination = (i: number) => `+1415${200 + Math.floor(i / 10_000)}${String(i % 10_000).padStart(4, '0')}`;

async function run(stack: Stack, ratePerSecond: number, seconds: number): Promise<VerifyLoad> {
  const headers = { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' };
  const lifted = await fetch(`${stack.apiUrl}/v1/verify/settings`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({ perNumberPerHour: 1_000, perPrefixPerHour: 1_000_000, perAccountPerHour: 1_000_000, conversionMinRate: 0 }),
  });
  if (!lifted.ok) throw new Error(`PATCH /v1/verify/settings: HTTP ${lifted.status}`);
  const total = Math.round(ratePerSecond * seconds);
  const startedAt = new Map<string, number>();
  const startMs: number[] = [];
  const refused: Record<string, number> = {};
  const begin = Date.now();
  const inFlight: Promise<void>[] = [];
  const load = new LoadClient();
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / ratePerSecond;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const to = destination(i);
    inFlight.push(
      (async () => {
        const at = Date.now();
        const res = await load.request(`${stack.apiUrl}/v1/verifications`, { method: 'POST', headers, body: JSON.stringify({ to, channel: 'sms' }) });
        const body = JSON.parse(res.body) as { error?: { code: string } };
        if (res.status === 201) {
          startedAt.set(to.slice(1), at);
          startMs.push(Date.now() - at);
        } else refused[body.error?.code ?? String(res.status)] = (refused[body.error?.code ?? String(res.status)] ?? 0) + 1;
      })(),
    );
  }
  await Promise.all(inFlight);
  load.close();
  const elapsed = (Date.now() - begin) / 1000;
  // Wait for the codes to reach the carrier (or 60 s).
  const codeMs = new Map<string, number>();
  const deadline = Date.now() + 60_000;
  while (codeMs.size < startedAt.size && Date.now() < deadline) {
    const submissions = (await (await fetch(`${stack.carrierSimUrl}/carriers/alpha/submissions`)).json()) as { destination: string; receivedAt: number }[];
    for (const s of submissions) {
      const at = startedAt.get(s.destination);
      if (at !== undefined && !codeMs.has(s.destination)) codeMs.set(s.destination, s.receivedAt - at);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const toCode = [...codeMs.values()];
  return {
    offered: total,
    started: startedAt.size,
    refused,
    seconds: round(elapsed),
    startedPerSecond: round(startedAt.size / elapsed),
    startMs: { p50: percentile(startMs, 50), p99: percentile(startMs, 99) },
    startToCodeMs: { p50: Math.round(percentile(toCode, 50)), p99: Math.round(percentile(toCode, 99)) },
    codesSeen: toCode.length,
  };
}

export const verifyScenario: Scenario = {
  name: 'verify',
  async run(context) {
    const rate = context.arg('rate', 10);
    const seconds = context.arg('seconds', 30);
    const { value, resources } = await context.withStack((stack) => run(stack, rate, seconds));
    const refused = Object.entries(value.refused).map(([code, n]) => `${n} ${code}`).join(', ') || 'none refused';
    return {
      result: { ...value },
      table: [
        ['figure', 'p50', 'p99', 'note'],
        ['verifications started per second', `${value.startedPerSecond}`, '', `${value.started}/${value.offered} started at ${rate}/s offered for ${value.seconds} s; ${refused}`],
        ['POST /v1/verifications (ms)', `${value.startMs.p50}`, `${value.startMs.p99}`, 'row written and verifyPhone started'],
        ['start → code at the carrier (ms)', `${value.startToCodeMs.p50}`, `${value.startToCodeMs.p99}`, `${value.codesSeen} codes seen at alpha (submit_sm receipt time)`],
        ...resourceRows(resources, 4),
      ],
    };
  },
};
