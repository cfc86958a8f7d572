// `npm run bench -- <scenario> [--rate N] [--seconds N]`: starts the stack in production mode
// on embedded defaults (free ports, a temporary data dir), drives load from this process,
// and writes bench/results/<scenario>.json and its section of BENCHMARKS.md.
// Scenarios: ceilings, otp-latency, smpp-ingress. (api-throughput and campaign are still to
// come: add them under bench/scenarios/ with the same shape.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@app/config';
import { DEFAULT_SIM_HTTP_CARRIERS, startStack, Stack } from '../apps/launcher/src/stack';
import { smppLoopback, temporalTrivial } from './scenarios/ceilings';
import { otpLatency } from './scenarios/otp-latency';
import { smppIngress } from './scenarios/smpp-ingress';
import { commit, machine, ResourceSampler, round, writeResults } from './support';

const here = path.resolve(__dirname, '..');
const root = path.basename(here) === 'dist' ? path.resolve(here, '..') : here;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

async function withStack<T>(run: (stack: Stack) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-bench-'));
  fs.chmodSync(dataDir, 0o755); // PostgreSQL runs as the postgres user when we are root
  const stack = await startStack({
    dataDir,
    postgresPort: await freePort(),
    temporalPort: await freePort(),
    apiPort: await freePort(),
    carrierSimControlPort: await freePort(),
    carrierWebhookPort: await freePort(),
    smppGatewayPort: await freePort(),
    startCarrierSim: true,
    simCarriers: [
      { id: 'alpha', smppPort: await freePort(), systemId: 'alpha', password: 'alpha-pw' },
      { id: 'beta', smppPort: await freePort(), systemId: 'beta', password: 'beta-pw' },
    ],
    simHttpCarriers: DEFAULT_SIM_HTTP_CARRIERS,
    workerEnv: { LOG_LEVEL: 'warn' },
    apiEnv: { LOG_LEVEL: 'warn' },
    smppGatewayEnv: { LOG_LEVEL: 'warn' },
    logDir: path.join(dataDir, 'logs'),
    log: (line) => console.log(`  ${line}`),
  });
  try {
    return await run(stack);
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const scenario = process.argv[2];
  const meta = { commit: commit(), date: new Date().toISOString(), machine: machine() };
  if (scenario === 'ceilings') {
    const smpp = await smppLoopback();
    const temporal = await withStack((stack) => temporalTrivial(stack.temporalAddress));
    const result = { scenario, ...meta, smpp, temporal };
    writeResults(root, scenario, result, [
      ['ceiling', 'figure', 'settings'],
      ['SMPP loopback (npm smpp client → carrier-sim, one process)', `${smpp.submitsPerSecond} submit_sm/s`, `${smpp.total} submits, window ${smpp.window}`],
      ['Temporal dev server, trivial workflow (1 activity + 1 signal)', `${temporal.workflowsPerSecond} workflows/s`, `${temporal.total} workflows, ${temporal.concurrency} concurrent`],
    ]);
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  if (scenario === 'otp-latency') {
    const rate = arg('rate', 50);
    const seconds = arg('seconds', 60);
    let resources: ReturnType<ResourceSampler['stop']> = {};
    const otp = await withStack(async (stack) => {
      const sampler = new ResourceSampler({ api: stack.processes.api.child?.pid, worker: stack.processes.worker.child?.pid, 'carrier-sim': stack.processes.carrierSim?.child?.pid });
      sampler.start();
      try {
        return await otpLatency(stack, rate, seconds);
      } finally {
        resources = sampler.stop();
      }
    });
    const ceilings = fs.existsSync(path.join(root, 'bench/results/ceilings.json')) ? JSON.parse(fs.readFileSync(path.join(root, 'bench/results/ceilings.json'), 'utf8')) : undefined;
    const achieved = otp.deliveredPerSecond;
    const result = { scenario, ...meta, ...otp, achievedPerSecond: achieved, resources, temporalCeiling: ceilings?.temporal?.workflowsPerSecond };
    writeResults(root, scenario, result, [
      ['figure', 'p50', 'p95', 'p99', 'target'],
      ['API accept (ms)', `${otp.acceptMs.p50}`, `${otp.acceptMs.p95}`, `${otp.acceptMs.p99}`, 'p99 ≤ 50'],
      ['accept → carrier submit_sm (ms)', `${otp.acceptToSubmitMs.p50}`, `${otp.acceptToSubmitMs.p95}`, `${otp.acceptToSubmitMs.p99}`, 'p99 ≤ 150'],
      ['accept → delivered (ms)', `${otp.acceptToDeliveredMs.p50}`, '', `${otp.acceptToDeliveredMs.p99}`, ''],
      ['load', `${otp.offeredPerSecond}/s offered for ${otp.seconds} s`, `${otp.accepted}/${otp.sent} accepted, ${otp.errors} errors`, `${otp.delivered} delivered`, ''],
      [
        'throughput vs ceiling',
        `${achieved} delivered/s`,
        ceilings ? `Temporal trivial ceiling ${ceilings.temporal.workflowsPerSecond}/s` : 'run `ceilings` first',
        ceilings ? `ratio ${round(achieved / ceilings.temporal.workflowsPerSecond, 2)}` : '',
        '',
      ],
      ...Object.entries(resources).map(([name, r]) => [`${name} RSS max / CPU avg`, `${r.rssMaxMb} MB`, `${r.cpuAvgPercent} % of a core`, '', '']),
    ]);
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  if (scenario === 'smpp-ingress') {
    const messages = arg('messages', 3000);
    let resources: ReturnType<ResourceSampler['stop']> = {};
    const ingress = await withStack(async (stack) => {
      const sampler = new ResourceSampler({
        'smpp-gateway': stack.processes.smppGateway.child?.pid,
        worker: stack.processes.worker.child?.pid,
        'carrier-sim': stack.processes.carrierSim?.child?.pid,
      });
      sampler.start();
      try {
        return await smppIngress(stack, messages);
      } finally {
        resources = sampler.stop();
      }
    });
    const ceilings = fs.existsSync(path.join(root, 'bench/results/ceilings.json')) ? JSON.parse(fs.readFileSync(path.join(root, 'bench/results/ceilings.json'), 'utf8')) : undefined;
    const result = { scenario, ...meta, ...ingress, resources, ceilings: ceilings && { smpp: ceilings.smpp.submitsPerSecond, temporal: ceilings.temporal.workflowsPerSecond } };
    const ratio = (value: number, ceiling?: number) => (ceiling ? `ratio ${round(value / ceiling, 3)} of ${ceiling}/s` : 'run `ceilings` first');
    writeResults(root, scenario, result, [
      ['figure', 'value', 'compared with', 'target'],
      ['accepted (submit_sm_resp OK) per second', `${ingress.acceptedPerSecond}`, ratio(ingress.acceptedPerSecond, ceilings?.smpp.submitsPerSecond), ''],
      ['end to end per second (receipt back as deliver_sm)', `${ingress.endToEndPerSecond}`, ratio(ingress.endToEndPerSecond, ceilings?.temporal.workflowsPerSecond), '≥ 1,500'],
      ['submit → receipt (ms) p50 / p95 / p99', `${ingress.submitToReceiptMs.p50} / ${ingress.submitToReceiptMs.p95} / ${ingress.submitToReceiptMs.p99}`, '', ''],
      ['load', `${ingress.messages} submits, window ${ingress.window}`, `${ingress.accepted} accepted, ${ingress.throttled} throttled, ${ingress.errors} errors`, `${ingress.receipts} receipts${ingress.timedOut ? ' (timed out)' : ''}`],
      ...Object.entries(resources).map(([name, r]) => [`${name} RSS max / CPU avg`, `${r.rssMaxMb} MB`, `${r.cpuAvgPercent} % of a core`, '']),
    ]);
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  throw new Error(`unknown scenario "${scenario}": use ceilings, otp-latency or smpp-ingress`);
}

main().catch((err) => {
  console.error(`bench failed: ${err instanceof Error ? err.stack : err}`);
  process.exit(1);
});
