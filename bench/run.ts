// `npm run bench -- <scenario> [<scenario> …] [--name value …]`: starts the stack in production mode on
// embedded defaults (free ports, a temporary data dir), drives load from this process, samples
// every process's RSS and CPU (PostgreSQL and Temporal included), and writes
// bench/results/<scenario>.json and the scenario's section of BENCHMARKS.md.
// Scenarios live in bench/scenarios/, one file each, registered below. Several scenarios run one
// after the other, in the order given; a scenario can compare itself with a peer that ran
// earlier in the same invocation (`npm run bench -- kannel smpp-ingress`: see peerRate()).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, readBackgroundNice } from '@app/config';
import { DEFAULT_SIM_HTTP_CARRIERS, startStack, Stack, StackOptions } from '../apps/launcher/src/stack';
import { apiThroughputScenario } from './scenarios/api-throughput';
import { campaignScenario } from './scenarios/campaign';
import { ceilingsScenario } from './scenarios/ceilings';
import { kannelScenario } from './scenarios/kannel';
import { otpLatencyScenario } from './scenarios/otp-latency';
import { restAcceptScenario } from './scenarios/rest-accept';
import { restBatchScenario } from './scenarios/rest-batch';
import { smppIngressScenario } from './scenarios/smpp-ingress';
import { verifyScenario } from './scenarios/verify';
import { workerMemoryScenario } from './scenarios/worker-memory';
import { BenchContext, Ceilings, commit, findPid, machine, recordRate, Resources, ResourceSampler, Scenario, tableWrites, topStatements, walAndSizes, writeResults } from './support';

const here = path.resolve(__dirname, '..');
const root = path.basename(here) === 'dist' ? path.resolve(here, '..') : here;

const SCENARIOS: Scenario[] = [ceilingsScenario, otpLatencyScenario, apiThroughputScenario, smppIngressScenario, workerMemoryScenario, campaignScenario, kannelScenario, restBatchScenario, restAcceptScenario, verifyScenario];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] === undefined) throw new Error(`--${name} needs a value`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/** The scenario running now (names its CPU profiles' directory). */
let currentScenario = 'run';

async function withStack<T>(run: (stack: Stack) => Promise<T>, extra: Partial<StackOptions> = {}): Promise<{ value: T; resources: Resources }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-bench-'));
  fs.chmodSync(dataDir, 0o755); // PostgreSQL runs as the postgres user when we are root
  // --cpu-prof: the worker, API and gateway write V8 CPU profiles on exit (Chrome DevTools, speedscope).
  const profileDir = path.join(root, 'bench', 'results', 'profiles', currentScenario);
  const profiling = process.argv.includes('--cpu-prof');
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
    logDir: path.join(dataDir, 'logs'),
    log: (line) => console.log(`  ${line}`),
    postgresFlags: process.argv.includes('--pg-profile') ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all'] : undefined,
    // As `npm start` runs them: background work below the accepting processes (BACKGROUND_NICE).
    backgroundNice: readBackgroundNice(process.env),
    ...extra,
    nodeArgs: profiling ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : undefined,
    workerEnv: { LOG_LEVEL: 'warn', ...extra.workerEnv },
    apiEnv: { LOG_LEVEL: 'warn', ...extra.apiEnv },
    smppGatewayEnv: { LOG_LEVEL: 'warn', ...extra.smppGatewayEnv },
  });
  const sampler = new ResourceSampler({
    api: stack.processes.api.child?.pid,
    worker: stack.processes.worker.child?.pid,
    'smpp-gateway': stack.processes.smppGateway.child?.pid,
    'carrier-sim': stack.processes.carrierSim?.child?.pid,
    postgres: findPid(path.join(dataDir, 'postgres')),
    temporal: findPid(path.join(dataDir, 'temporal')),
    'bench (load)': process.pid,
  });
  sampler.start();
  try {
    const value = await run(stack);
    const resources = sampler.stop();
    if (process.argv.includes('--pg-profile')) {
      const statements = await topStatements(stack.databaseUrl, 40);
      const total = statements.reduce((sum, st) => sum + st.totalMs, 0);
      console.log(`PostgreSQL statements by total time (--pg-profile; the top ${statements.length} took ${Math.round(total)} ms):`);
      for (const st of statements) console.log(`  ${st.totalMs} ms  ${st.calls} calls  ${st.meanMs} ms each (max ${st.maxMs})  ${st.rows} rows  ${st.query}`);
      console.log('Rows written per table (inserted / updated (HOT) / deleted):');
      for (const t of await tableWrites(stack.databaseUrl)) console.log(`  ${t.table}: ${t.inserted} / ${t.updated} (${t.hot}) / ${t.deleted}`);
      const { walMb, fullPageImages, sizesMb } = await walAndSizes(stack.databaseUrl);
      console.log(`WAL written: ${walMb} MB (${fullPageImages} full-page images). Size in MB (table / indexes):`);
      for (const [table, size] of Object.entries(sizesMb)) console.log(`  ${table}: ${size.table} / ${size.indexes}`);
    }
    return { value, resources };
  } finally {
    sampler.stop();
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (profiling) console.log(`CPU profiles (--cpu-prof): ${profileDir}`);
  }
}

function ceilings(): Ceilings | undefined {
  const file = path.join(root, 'bench/results/ceilings.json');
  if (!fs.existsSync(file)) return undefined;
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { smpp: { submitsPerSecond: number }; temporal: { workflowsPerSecond: number } };
  return { smpp: saved.smpp.submitsPerSecond, temporal: saved.temporal.workflowsPerSecond };
}

/** The scenario names: the arguments before the first --option. */
function scenarioNames(): string[] {
  const names: string[] = [];
  for (const a of process.argv.slice(2)) {
    if (a.startsWith('--')) break;
    names.push(a);
  }
  return names;
}

async function main(): Promise<void> {
  const names = scenarioNames();
  const scenarios = names.map((name) => SCENARIOS.find((s) => s.name === name));
  if (names.length === 0 || scenarios.some((s) => !s)) {
    throw new Error(`unknown scenario "${names.find((n, i) => !scenarios[i]) ?? ''}": use one or more of ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  for (const scenario of scenarios as Scenario[]) {
    // Ceilings are re-read: a `ceilings` run earlier in this invocation has just rewritten them.
    const context: BenchContext = { arg, withStack, ceilings: ceilings() };
    const meta = { scenario: scenario.name, commit: commit(), date: new Date().toISOString(), machine: machine() };
    currentScenario = scenario.name;
    console.log(`== ${scenario.name}`);
    const { result, table, notes } = await scenario.run(context);
    const full = { ...meta, ...result };
    writeResults(root, scenario.name, full, table, notes);
    if (typeof result.endToEndPerSecond === 'number' && result.endToEndPerSecond > 0) recordRate(scenario.name, result.endToEndPerSecond);
    console.log(JSON.stringify(full, null, 2));
  }
}

main().catch((err) => {
  console.error(`bench failed: ${err instanceof Error ? err.stack : err}`);
  process.exit(1);
});
