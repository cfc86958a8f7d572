// One app of the stack as a child process: started from dist/, its output prefixed to ours
// (or written to a file), awaited until ready, stopped with SIGTERM then SIGKILL.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { lowerPriority, stopChild } from '@app/temporal';
import type { ExitCause, SupervisedRun } from './supervisor';

export interface ManagedProcessOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  /** Resolves once the process is ready; rejects on failure. */
  ready: (proc: ManagedProcess) => Promise<void>;
  /** Write output to this file instead of our stdout. */
  logFile?: string;
  /** Node options before the script, e.g. ['--cpu-prof', '--cpu-prof-dir=…'] (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  /** CPU niceness of the child (0: as ours); see StackOptions.backgroundNice. */
  nice?: number;
}

export class ManagedProcess {
  child?: ChildProcess;
  /** Settles when the current child ends. */
  exited?: Promise<ExitCause>;
  private readonly lineListeners = new Set<(line: string) => void>();
  private logStream?: fs.WriteStream;

  constructor(readonly options: ManagedProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  async start(): Promise<void> {
    const { name, script, env, logFile } = this.options;
    if (!fs.existsSync(script)) throw new Error(`${script} is missing: run npm run build first`);
    this.logStream?.end(); // a previous child's (restarts)
    this.logStream = undefined;
    const child = spawn(process.execPath, ['--enable-source-maps', ...(this.options.nodeArgs ?? []), script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: Ctrl-C reaches the launcher, which stops apps in order
    });
    this.child = child;
    if (this.options.nice) lowerPriority(child.pid, this.options.nice);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    if (logFile) {
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      this.logStream = fs.createWriteStream(logFile, { flags: 'a' });
    }
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        if (this.logStream) this.logStream.write(`${line}\n`);
        else process.stdout.write(`[${name}] ${formatLine(line)}\n`);
        for (const listener of this.lineListeners) listener(line);
      });
    }
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`${name} exited during start-up (code ${code}, signal ${signal})${logFile ? `; see ${logFile}` : ''}`))),
    );
    exited.catch(() => undefined);
    try {
      await Promise.race([this.options.ready(this), exited]);
    } catch (err) {
      // A process that did not become ready is not left running behind us.
      await this.kill();
      this.logStream?.end();
      throw err;
    }
  }

  /** Starts a child and hands it to a Supervisor (apps/launcher/src/supervisor.ts). */
  async run(): Promise<SupervisedRun> {
    await this.start();
    return { pid: this.child!.pid, exited: this.exited!, stop: () => this.stop() };
  }

  /** Resolves when a line of output satisfies `match`. */
  waitForLine(match: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.lineListeners.delete(listener);
        reject(new Error(`${this.name} not ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (line: string) => {
        if (!match(line)) return;
        clearTimeout(timer);
        this.lineListeners.delete(listener);
        resolve(line);
      };
      this.lineListeners.add(listener);
    });
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, 15_000);
    this.logStream?.end();
  }

  /** Kills the process abruptly, as a crash would. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child!.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * Pino JSON lines shown as `level: msg {fields}` for a person at a terminal. A request line's
 * message already says `METHOD /route status duration` (libs/logging), so its req/res are left out.
 */
export function formatLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const { level, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
    const rest = Object.fromEntries(Object.entries(fields).filter(([key]) => !['time', 'pid', 'hostname', 'name', 'req', 'res', 'responseTime'].includes(key)));
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    return `${LEVELS[level as number] ?? level}: ${msg ?? ''}${extra}`;
  } catch {
    return line;
  }
}
