// otp-latency: a fixed offered load of OTP messages through POST /v1/messages (default 50/s for
// 60 s), then the same at a rate the stack sustains (default 10/s), each on a fresh stack.
// Reports API accept latency, accept → carrier submit_sm (timestamped by the carrier simulator
// on receipt) and accept → final status (the event in PostgreSQL), and the final statuses per
// second against the Temporal trivial-workflow ceiling. The second run separates what the
// latency is when the server keeps up from what queueing adds when it does not. It measures
// the per-message shape: OTP_WORKFLOWS_PER_SECOND is lifted, so no OTP rides a page.
import { LoadOutcome, offerLoad } from '../rest-load';
import { ratioTo, resourceRows, Resources, Scenario } from '../support';

export const otpLatencyScenario: Scenario = {
  name: 'otp-latency',
  async run(context) {
    const rate = context.arg('rate', 50);
    const low = context.arg('low', 10);
    const seconds = context.arg('seconds', 60);
    const runs: { rate: number; otp: LoadOutcome; resources: Resources }[] = [];
    for (const r of [rate, low]) {
      // The per-message shape's capacity: every OTP on its own workflow, past OTP_WORKFLOWS_PER_SECOND too.
      const { value, resources } = await context.withStack((stack) => offerLoad(stack, { ratePerSecond: r, seconds, priority: 'otp', tag: `otp${r}`, settleMs: 300_000 }), {
        apiEnv: { OTP_WORKFLOWS_PER_SECOND: '1000000' },
      });
      runs.push({ rate: r, otp: value, resources });
    }
    const ceiling = context.ceilings?.temporal;
    const refused = (o: LoadOutcome) => Object.values(o.refused).reduce((a, b) => a + b, 0);
    const rows = runs.flatMap(({ rate: r, otp, resources }) => [
      [`**${r}/s offered for ${otp.seconds} s**`, '', '', '', ''],
      ['API accept (ms)', `${otp.acceptMs.p50}`, `${otp.acceptMs.p95}`, `${otp.acceptMs.p99}`, 'p99 ≤ 50'],
      ['accept → carrier submit_sm (ms)', `${otp.acceptToSubmitMs.p50}`, `${otp.acceptToSubmitMs.p95}`, `${otp.acceptToSubmitMs.p99}`, 'p99 ≤ 150'],
      ['accept → final status (ms)', `${otp.acceptToFinalMs.p50}`, `${otp.acceptToFinalMs.p95}`, `${otp.acceptToFinalMs.p99}`, ''],
      ['load', `${otp.accepted}/${otp.sent} accepted, ${refused(otp)} refused`, `${otp.delivered} delivered, ${otp.failed} failed`, `${otp.unfinished} unfinished`, ''],
      ['final statuses per second', `${otp.finalPerSecond}`, 'per-message workflows vs the Temporal trivial ceiling', ratioTo(otp.finalPerSecond, ceiling), '≥ 0.5'],
      ...resourceRows(resources, 5),
    ]);
    return {
      result: { runs, temporalCeiling: ceiling },
      table: [['figure', 'p50', 'p95', 'p99', 'target'], ...rows],
    };
  },
};
