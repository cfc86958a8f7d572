// rest-accept: single POST /v1/messages at `--rate` (100/s) for `--seconds` (60), open loop, at
// each priority the shape rule treats differently (transactional rides pages; OTP pages too,
// OTP first, past OTP_WORKFLOWS_PER_SECOND own workflows). Accept is answered at commit (the
// message and its start intent), so its latency must not follow the backlog of workflows still
// to start: reports accept p50/p95/p99 and how many messages were still unfinished when the
// load ended (the backlog), not waiting for them.
import { offerLoad } from '../rest-load';
import { resourceRows, Scenario } from '../support';

export const restAcceptScenario: Scenario = {
  name: 'rest-accept',
  async run(context) {
    const rate = context.arg('rate', 100);
    const seconds = context.arg('seconds', 60);
    const warmup = context.arg('warmup', 10);
    const { value: steps, resources } = await context.withStack(async (stack) => {
      // Not measured: the processes' first seconds (JIT, caches, connection pools, the worker's
      // first workflow tasks) at the same rate, as a live gateway is warm when load arrives.
      if (warmup > 0) await offerLoad(stack, { ratePerSecond: rate, seconds: warmup, priority: 'transactional', tag: 'accept-warmup', settleMs: 1 });
      const transactional = await offerLoad(stack, { ratePerSecond: rate, seconds, priority: 'transactional', tag: 'accept-tx', settleMs: 1 });
      console.log(`  transactional ${rate}/s: accept p99 ${transactional.acceptMs.p99} ms, backlog ${transactional.unfinished}`);
      const otp = await offerLoad(stack, { ratePerSecond: rate, seconds, priority: 'otp', tag: 'accept-otp', settleMs: 1 });
      console.log(`  otp ${rate}/s: accept p99 ${otp.acceptMs.p99} ms, backlog ${otp.unfinished}`);
      return [
        ['transactional', transactional],
        ['otp (behind the transactional backlog)', otp],
      ] as const;
    });
    return {
      result: { rate, seconds, steps: Object.fromEntries(steps), resources },
      table: [
        ['priority', 'offered', 'accepted', 'accept p50 / p95 / p99 (ms)', 'not final when the load ended (backlog)', 'target'],
        ...steps.map(([name, s]) => [
          name,
          `${s.offeredPerSecond}/s for ${s.seconds} s`,
          `${s.accepted}/${s.sent}${Object.keys(s.refused).length ? ` (refused ${JSON.stringify(s.refused)})` : ''}`,
          `${s.acceptMs.p50} / ${s.acceptMs.p95} / ${s.acceptMs.p99}`,
          `${s.unfinished}`,
          'accept p99 ≤ 50 ms',
        ]),
        ...resourceRows(resources, 6),
      ],
    };
  },
};
