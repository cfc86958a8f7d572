// api-throughput: POST /v1/messages (transactional priority) at an offered rate that doubles
// step by step (default 5/s, 10/s, … for 20 s each), on one stack, each step's messages left
// to reach their final status before the next starts. A step is sustained when its messages
// reach a final status at ≥ 90 % of the offered rate with nothing refused or left unfinished;
// the run stops after the first step that is not. Reports the highest sustained rate and
// where it broke (refusals, 429s, unfinished messages, the accept-latency knee).
import { LoadOutcome, offerLoad } from '../rest-load';
import { ratioTo, resourceRows, Scenario } from '../support';

const sustained = (s: LoadOutcome) => s.unfinished === 0 && s.accepted === s.sent && s.finalPerSecond >= 0.9 * s.offeredPerSecond;

export const apiThroughputScenario: Scenario = {
  name: 'api-throughput',
  async run(context) {
    const start = context.arg('start', 5);
    const max = context.arg('max', 640);
    const seconds = context.arg('seconds', 20);
    const { value: steps, resources } = await context.withStack(async (stack) => {
      const out: LoadOutcome[] = [];
      for (let rate = start; rate <= max; rate *= 2) {
        const step = await offerLoad(stack, { ratePerSecond: rate, seconds, priority: 'transactional', tag: `step${rate}`, settleMs: 180_000 });
        out.push(step);
        console.log(`  ${rate}/s offered: ${step.finalPerSecond} final/s, accept p99 ${step.acceptMs.p99} ms, ${step.unfinished} unfinished`);
        if (!sustained(step)) break;
      }
      return out;
    });
    const best = steps.filter(sustained).at(-1);
    const broke = steps.find((s) => !sustained(s));
    const ceiling = context.ceilings?.temporal;
    const refusedText = (s: LoadOutcome) => Object.entries(s.refused).map(([status, n]) => `${n}× HTTP ${status === '0' ? 'none' : status}`).join(', ') || 'none';
    return {
      result: { steps, sustainedPerSecond: best?.finalPerSecond ?? 0, brokeAtOfferedPerSecond: broke?.offeredPerSecond ?? null, resources, temporalCeiling: ceiling },
      table: [
        ['offered/s', 'final/s', 'accept p50 / p99 (ms)', 'accept → submit_sm p50 / p99 (ms)', 'accept → final p50 / p99 (ms)', 'refused', 'unfinished', 'sustained'],
        ...steps.map((s) => [
          `${s.offeredPerSecond}`,
          `${s.finalPerSecond} (${ratioTo(s.finalPerSecond, ceiling)})`,
          `${s.acceptMs.p50} / ${s.acceptMs.p99}`,
          `${s.acceptToSubmitMs.p50} / ${s.acceptToSubmitMs.p99}`,
          `${s.acceptToFinalMs.p50} / ${s.acceptToFinalMs.p99}`,
          refusedText(s),
          `${s.unfinished}`,
          sustained(s) ? 'yes' : 'no',
        ]),
        [
          'result',
          best ? `${best.finalPerSecond} sustained` : 'no step sustained',
          broke ? `broke at ${broke.offeredPerSecond}/s offered` : `held up to ${max}/s`,
          '',
          '',
          '',
          '',
          '',
        ],
        ...resourceRows(resources, 8),
      ],
    };
  },
};
