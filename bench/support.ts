// Shared pieces of the benchmarks: the scenario shape, percentiles, process resource
// sampling, results output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Stack, StackOptions } from '../apps/launcher/src/stack';

/** The figures every other figure is compared to (from the last `ceilings` run). */
export interface Ceilings {
  /** submit_sm/s, npm smpp client → carrier-sim over loopback. */
  smpp: number;
  /** Trivial workflows/s (one activity, one signal) on the embedded Temporal dev server. */
  temporal: number;
}

export interface BenchContext {
  arg(name: string, fallback: number): number;
  /** Runs `fn` against a fresh stack, sampling every process meanwhile. */
  withStack<T>(fn: (stack: Stack) => Promise<T>, options?: Partial<StackOptions>): Promise<{ value: T; resources: Resources }>;
  ceilings?: Ceilings;
}

export interface ScenarioOutput {
  result: Record<string, unknown>;
  /** Header row first; written to BENCHMARKS.md. */
  table: string[][];
  /** Markdown written under the table (what the figures say). */
  notes?: string;
}

export interface Scenario {
  name: string;
  run(context: BenchContext): Promise<ScenarioOutput>;
}

/** "ratio 0.47 of 47.2/s", or a hint when no ceilings were measured yet. */
export function ratioTo(value: number, ceiling: number | undefined, digits = 2): string {
  return ceiling ? `ratio ${round(value / ceiling, digits)} of ${ceiling}/s` : 'run `ceilings` first';
}

/**
 * End-to-end rates of the scenarios that ran earlier in this same `npm run bench` invocation
 * (e.g. `npm run bench -- kannel smpp-ingress`). Nothing is read from earlier runs' files: a
 * peer's figure from another day, commit or machine load is not compared against.
 */
const ratesThisRun = new Map<string, number>();

/** Called by the harness after each scenario that reports `endToEndPerSecond`. */
export function recordRate(scenario: string, endToEndPerSecond: number): void {
  ratesThisRun.set(scenario, endToEndPerSecond);
}

/** The peer's end-to-end rate (default: Kannel) if it ran earlier in this invocation. */
export function peerRate(peer = 'kannel'): number | undefined {
  return ratesThisRun.get(peer);
}

/** "ratio 0.45 = ours / Kannel's 2200/s (same invocation)", or undefined when the peer did not run. */
export function peerRatio(ours: number, peer = 'kannel'): string | undefined {
  const rate = peerRate(peer);
  return rate ? `ratio ${round(ours / rate, 2)} = ours / ${peer} ${rate}/s (same run)` : undefined;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * RSS (MB) and CPU (% of one core) of processes, each with its descendants (PostgreSQL's
 * backends count towards PostgreSQL), sampled from /proc every second; plus the machine's
 * CPU use over the same span, so a figure can be read as CPU-bound or not.
 */
export class ResourceSampler {
  private readonly samples = new Map<string, { rssMb: number[]; cpuTicks: number[]; at: number[] }>();
  private machineStart?: { busy: number; total: number };
  private timer?: NodeJS.Timeout;
  private stopped?: Resources;
  private readonly hz = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

  constructor(private readonly pids: Record<string, number | undefined>) {}

  start(): void {
    this.machineStart = machineTicks();
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  private sample(): void {
    const children = childrenByParent();
    for (const [name, pid] of Object.entries(this.pids)) {
      if (!pid) continue;
      let ticks = 0;
      let rss = 0;
      let alive = false;
      const others = new Set(Object.values(this.pids).filter((other) => other !== undefined && other !== pid));
      for (const p of [pid, ...descendants(pid, children, others)]) {
        const usage = processUsage(p);
        if (!usage) continue;
        alive = true;
        ticks += usage.ticks;
        rss += usage.rssMb;
      }
      if (!alive) continue;
      const s = this.samples.get(name) ?? { rssMb: [], cpuTicks: [], at: [] };
      s.rssMb.push(rss);
      s.cpuTicks.push(ticks);
      s.at.push(Date.now());
      this.samples.set(name, s);
    }
  }

  /** Ends the sampling and returns the figures; later calls return the same figures. */
  stop(): Resources {
    if (this.stopped) return this.stopped;
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const out: Resources = {};
    for (const [name, s] of this.samples) {
      const seconds = (s.at[s.at.length - 1] - s.at[0]) / 1000 || 1;
      out[name] = { rssMaxMb: round(Math.max(...s.rssMb)), cpuAvgPercent: round(((s.cpuTicks[s.cpuTicks.length - 1] - s.cpuTicks[0]) / this.hz / seconds) * 100) };
    }
    const end = machineTicks();
    if (this.machineStart && end.total > this.machineStart.total) {
      out.machine = { rssMaxMb: NaN, cpuAvgPercent: round(((end.busy - this.machineStart.busy) / (end.total - this.machineStart.total)) * 100 * os.cpus().length) };
    }
    this.stopped = out;
    return out;
  }
}

export type Resources = Record<string, { rssMaxMb: number; cpuAvgPercent: number }>;

/** Table rows for a Resources record (the machine row shows its CPU only). */
export function resourceRows(resources: Resources, width: number): string[][] {
  const pad = (row: string[]) => [...row, ...Array.from({ length: Math.max(0, width - row.length) }, () => '')];
  return Object.entries(resources).map(([name, r]) =>
    name === 'machine'
      ? pad([`machine CPU (all ${os.cpus().length} cores)`, `${r.cpuAvgPercent} % of a core`])
      : pad([`${name} RSS max / CPU avg`, `${r.rssMaxMb} MB`, `${r.cpuAvgPercent} % of a core`]),
  );
}

/** CPU ticks (user + system) and RSS of one process, from /proc; undefined once it has ended. */
export function processUsage(pid: number): { ticks: number; rssMb: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    return { ticks, rssMb };
  } catch {
    return undefined; // the process ended
  }
}

function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

/** A process's descendants, leaving out the subtrees of processes sampled on their own. */
function descendants(pid: number, children: Map<number, number[]>, sampledApart: Set<number | undefined>): number[] {
  const out: number[] = [];
  for (const child of children.get(pid) ?? []) {
    if (!sampledApart.has(child)) out.push(child, ...descendants(child, children, sampledApart));
  }
  return out;
}

/** The first process whose command line contains `text` (a server the stack started by path). */
export function findPid(text: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

function machineTicks(): { busy: number; total: number } {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3] + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** The statements that took PostgreSQL's time (needs pg_stat_statements preloaded: `--pg-profile`). */
export async function topStatements(databaseUrl: string, limit = 12): Promise<{ calls: number; totalMs: number; meanMs: number; maxMs: number; rows: number; query: string }[]> {
  const { Client } = await import('pg');
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    await pg.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await pg.query<{ calls: string; total: number; mean: number; max: number; rows: string; query: string }>(
      `SELECT calls, total_exec_time AS total, mean_exec_time AS mean, max_exec_time AS max, rows, query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ calls: Number(r.calls), totalMs: round(r.total), meanMs: round(r.mean, 3), maxMs: round(r.max, 1), rows: Number(r.rows), query: r.query.replace(/\s+/g, ' ').slice(0, 300) }));
  } finally {
    await pg.end();
  }
}

/** Rows written per table (pg_stat_user_tables), the row versions a run cost PostgreSQL (`--pg-profile`). */
export async function tableWrites(databaseUrl: string): Promise<{ table: string; inserted: number; updated: number; hot: number; deleted: number }[]> {
  const { Client } = await import('pg');
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ relname: string; ins: string; upd: string; hot: string; del: string }>(
      `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_del AS del FROM pg_stat_user_tables
        WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC`,
    );
    return rows.map((r) => ({ table: r.relname, inserted: Number(r.ins), updated: Number(r.upd), hot: Number(r.hot), deleted: Number(r.del) }));
  } finally {
    await pg.end();
  }
}

/** WAL a run wrote and the size of the message tables (`--pg-profile`): what the rows cost on disk. */
export async function walAndSizes(databaseUrl: string): Promise<{ walMb: number; fullPageImages: number; sizesMb: Record<string, { table: number; indexes: number }> }> {
  const { Client } = await import('pg');
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const { rows: wal } = await pg.query<{ bytes: string; fpi: string }>(`SELECT wal_bytes AS bytes, wal_fpi AS fpi FROM pg_stat_wal`);
    const { rows: sizes } = await pg.query<{ relname: string; heap: string; idx: string }>(
      `SELECT relname, pg_table_size(oid) AS heap, pg_indexes_size(oid) AS idx FROM pg_class
        WHERE relname IN ('messages', 'message_events', 'message_attempts', 'carrier_receipts', 'smpp_deliveries') ORDER BY relname`,
    );
    const mb = (n: string) => round(Number(n) / 2 ** 20, 1);
    return { walMb: mb(wal[0].bytes), fullPageImages: Number(wal[0].fpi), sizesMb: Object.fromEntries(sizes.map((r) => [r.relname, { table: mb(r.heap), indexes: mb(r.idx) }])) };
  } finally {
    await pg.end();
  }
}

export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** Writes bench/results/<scenario>.json and replaces the scenario's section of BENCHMARKS.md. */
export function writeResults(root: string, scenario: string, result: Record<string, unknown>, table: string[][], notes?: string): void {
  const dir = path.join(root, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${scenario}.json`), JSON.stringify(result, null, 2));
  const file = path.join(root, 'BENCHMARKS.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\nFigures from `npm run bench -- <scenario>`; each section is rewritten by its scenario.\n';
  const header = `| ${table[0].join(' | ')} |\n|${table[0].map(() => '---').join('|')}|\n`;
  const rows = table.slice(1).map((r) => `| ${r.join(' | ')} |`).join('\n');
  const section = `<!-- ${scenario}:start -->\n## ${scenario}\n\nCommand: \`npm run bench -- ${process.argv.slice(2).join(' ')}\` · commit ${result.commit} · ${result.date} · ${result.machine}\n\n${header}${rows}\n${notes ? `\n${notes.trim()}\n` : ''}<!-- ${scenario}:end -->`;
  const pattern = new RegExp(`<!-- ${scenario}:start -->[\\s\\S]*?<!-- ${scenario}:end -->`);
  fs.writeFileSync(file, pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`);
}
