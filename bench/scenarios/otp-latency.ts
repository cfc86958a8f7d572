// otp-latency: a fixed offered load of OTP messages through POST /v1/messages (default 50/s for
// 60 s). Reports API accept latency, accept → carrier submit_sm (timestamped by the carrier
// simulator on receipt) and accept → delivered (the delivered event in PostgreSQL).
import { offerLoad } from '../rest-load';
import { ratioTo, resourceRows, Scenario } from '../support';

export const otpLatencyScenario: Scenario = {
  name: 'otp-latency',
  async run(context) {
    const rate = context.arg('rate', 50);
    const seconds = context.arg('seconds', 60);
    const { value: otp, resources } = await context.withStack((stack) => offerLoad(stack, { ratePerSecond: rate, seconds, priority: 'otp', tag: 'otp', settleMs: 180_000 }));
    const ceiling = context.ceilings?.temporal;
    const refused = Object.values(otp.refused).reduce((a, b) => a + b, 0);
    return {
      result: { ...otp, resources, temporalCeiling: ceiling },
      table: [
        ['figure', 'p50', 'p95', 'p99', 'target'],
        ['API accept (ms)', `${otp.acceptMs.p50}`, `${otp.acceptMs.p95}`, `${otp.acceptMs.p99}`, 'p99 ≤ 50'],
        ['accept → carrier submit_sm (ms)', `${otp.acceptToSubmitMs.p50}`, `${otp.acceptToSubmitMs.p95}`, `${otp.acceptToSubmitMs.p99}`, 'p99 ≤ 150'],
        ['accept → final status (ms)', `${otp.acceptToFinalMs.p50}`, `${otp.acceptToFinalMs.p95}`, `${otp.acceptToFinalMs.p99}`, ''],
        ['load', `${otp.offeredPerSecond}/s offered for ${otp.seconds} s`, `${otp.accepted}/${otp.sent} accepted, ${refused} refused`, `${otp.delivered} delivered, ${otp.failed} failed, ${otp.unfinished} unfinished`, ''],
        ['throughput vs ceiling', `${otp.finalPerSecond} final/s`, 'per-message workflows vs the Temporal trivial ceiling', ratioTo(otp.finalPerSecond, ceiling), '≥ 0.5'],
        ...resourceRows(resources, 5),
      ],
    };
  },
};
