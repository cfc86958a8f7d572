// worker-memory: the worker's RSS while N messages (default 100,000) wait for their delivery
// receipts. The carrier simulator withholds receipts (both SMPP carriers), an ESME submits the
// messages to the SMPP gateway (the bulk path: pages of messages, their receipt state in
// PostgreSQL), and the scenario follows the number of attempts awaiting a receipt and the
// worker's RSS each second until every message waits, or the time is up.
import { Client as PgClient } from 'pg';
import { processUsage, resourceRows, round, Scenario } from '../support';
import { smppIngress } from './smpp-ingress';

export const workerMemoryScenario: Scenario = {
  name: 'worker-memory',
  async run(context) {
    const messages = context.arg('messages', 100_000);
    const timeoutSeconds = context.arg('timeout', 600);
    const { value, resources } = await context.withStack(async (stack) => {
      for (const carrier of ['alpha', 'beta']) {
        const res = await fetch(`${stack.carrierSimUrl}/carriers/${carrier}/behaviour`, { method: 'PATCH', body: JSON.stringify({ receiptsEnabled: false }) });
        if (!res.ok) throw new Error(`carrier-sim ${carrier}: HTTP ${res.status}`);
      }
      const workerPid = stack.processes.worker.child!.pid!;
      const pg = new PgClient({ connectionString: stack.databaseUrl });
      await pg.connect();
      const started = Date.now();
      const submitted = smppIngress(stack, messages, 100, 0);
      let peak = { awaiting: 0, workerRssMb: 0, atSeconds: 0 };
      let workerRssMaxMb = 0;
      try {
        while (Date.now() - started < timeoutSeconds * 1000) {
          await new Promise((r) => setTimeout(r, 1000));
          const { rows } = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM message_attempts WHERE status = 'submitted'`);
          const awaiting = Number(rows[0].n);
          const rss = processUsage(workerPid)?.rssMb ?? 0;
          workerRssMaxMb = Math.max(workerRssMaxMb, rss);
          if (awaiting >= peak.awaiting) peak = { awaiting, workerRssMb: round(rss), atSeconds: round((Date.now() - started) / 1000) };
          if (awaiting >= messages) break;
        }
        const ingress = await submitted;
        return { ...peak, workerRssMaxMb: round(workerRssMaxMb), accepted: ingress.accepted, acceptedPerSecond: ingress.acceptedPerSecond };
      } finally {
        await pg.end();
      }
    });
    return {
      result: { messages, ...value, resources },
      table: [
        ['figure', 'value', 'target'],
        ['messages awaiting a receipt at the peak', `${value.awaiting} of ${messages} (${value.accepted} accepted at ${value.acceptedPerSecond}/s)`, '100,000'],
        ['worker RSS at the peak / max during the run', `${value.workerRssMb} MB / ${value.workerRssMaxMb} MB`, '≤ 512 MB'],
        ['time to the peak', `${value.atSeconds} s`, ''],
        ...resourceRows(resources, 3),
      ],
    };
  },
};
