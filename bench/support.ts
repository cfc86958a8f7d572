// Shared pieces of the benchmarks: percentiles, process resource sampling, results output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** RSS (MB) and CPU (% of one core) of processes, sampled from /proc every second. */
export class ResourceSampler {
  private readonly samples = new Map<string, { rssMb: number[]; cpuTicks: number[]; at: number[] }>();
  private timer?: NodeJS.Timeout;
  private readonly hz = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

  constructor(private readonly pids: Record<string, number | undefined>) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      if (!pid) continue;
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
        const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
        const s = this.samples.get(name) ?? { rssMb: [], cpuTicks: [], at: [] };
        s.rssMb.push(rss);
        s.cpuTicks.push(ticks);
        s.at.push(Date.now());
        this.samples.set(name, s);
      } catch {
        // the process ended
      }
    }
  }

  stop(): Record<string, { rssMaxMb: number; cpuAvgPercent: number }> {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const out: Record<string, { rssMaxMb: number; cpuAvgPercent: number }> = {};
    for (const [name, s] of this.samples) {
      const seconds = (s.at[s.at.length - 1] - s.at[0]) / 1000 || 1;
      out[name] = { rssMaxMb: round(Math.max(...s.rssMb)), cpuAvgPercent: round(((s.cpuTicks[s.cpuTicks.length - 1] - s.cpuTicks[0]) / this.hz / seconds) * 100) };
    }
    return out;
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
export function writeResults(root: string, scenario: string, result: Record<string, unknown>, table: string[][]): void {
  const dir = path.join(root, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${scenario}.json`), JSON.stringify(result, null, 2));
  const file = path.join(root, 'BENCHMARKS.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\nFigures from `npm run bench -- <scenario>`; each section is rewritten by its scenario.\n';
  const header = `| ${table[0].join(' | ')} |\n|${table[0].map(() => '---').join('|')}|\n`;
  const rows = table.slice(1).map((r) => `| ${r.join(' | ')} |`).join('\n');
  const section = `<!-- ${scenario}:start -->\n## ${scenario}\n\nCommand: \`npm run bench -- ${process.argv.slice(2).join(' ')}\` · commit ${result.commit} · ${result.date} · ${result.machine}\n\n${header}${rows}\n<!-- ${scenario}:end -->`;
  const pattern = new RegExp(`<!-- ${scenario}:start -->[\\s\\S]*?<!-- ${scenario}:end -->`);
  fs.writeFileSync(file, pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`);
}
