// `npm start` recovers by itself: the launcher runs as a user runs it (its own embedded
// PostgreSQL and Temporal dev server, on free ports given by environment), messages are sent,
// then the worker, the SMPP gateway, the API, Temporal and PostgreSQL are SIGKILLed in turn.
// Each is logged with its exit cause and comes back by itself on the same port; /health shows
// it down meanwhile (where the API itself is down, the test just waits); every accepted message
// ends delivered, none sent twice. Ctrl-C then stops everything.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Client as PgClient } from 'pg';
import { freePort } from '@app/config';
import { destinationNumbers, expectDeliveredOnce } from '../support/delivery-checks';
import { eventually, TestStack } from '../support/stack';

const LAUNCHER = path.resolve(__dirname, '../../dist/apps/launcher/src/main.js');
// No failover to a second carrier during the outages (it would count as a duplicate), no backoff between attempts.
const POLICY = { receiptWaitMs: 120_000, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } };
// Restarts wait longer than a heartbeat takes to go stale (3 × 1 s), so /health can be seen down.
const RESTART_DELAY_MS = 4000;

let dir: string;
let launcher: ChildProcess;
let exited: Promise<number | null>;
const output: string[] = [];
const pids = new Map<string, number>();
let ports: Record<string, number>;
let apiUrl: string;
let key: string;
let pg: PgClient | undefined;

// Start-up lines name each part's pid; a restart says "[launcher] <name> restarted (pid N)".
const START_LINES: [string, RegExp][] = [
  ['postgres', /^PostgreSQL \(embedded\).*\(pid (\d+)\)$/],
  ['temporal', /^Temporal \(dev server\).*\(pid (\d+)\)$/],
  ['carrier-sim', /^Carrier simulator\s.*\(pid (\d+)\)$/],
  ['worker', /^Worker\s.*\(pid (\d+)\)$/],
  ['api', /^API\s.*\(pid (\d+)\)$/],
  ['smpp-gateway', /^SMPP gateway\s.*\(pid (\d+)\)$/],
];

function track(line: string): void {
  output.push(line);
  for (const [name, pattern] of START_LINES) {
    const m = pattern.exec(line);
    if (m) pids.set(name, Number(m[1]));
  }
  const restarted = /^\[launcher\] (\S+) restarted \(pid (\d+)\)$/.exec(line);
  if (restarted) pids.set(restarted[1], Number(restarted[2]));
}

const waitForOutput = (pattern: RegExp, timeoutMs = 120_000, what = String(pattern)) =>
  eventually(async () => output.find((l) => pattern.test(l)), timeoutMs, `launcher output ${what}`);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-launcher-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
  ports = {};
  for (const name of ['EMBEDDED_POSTGRES_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'API_PORT', 'CARRIER_SIM_CONTROL_PORT', 'CARRIER_WEBHOOK_PORT', 'SMPP_GATEWAY_PORT', 'SIM_ALPHA', 'SIM_BETA']) ports[name] = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: dir,
    CARRIER_SIM_SMPP_PORTS: `${ports.SIM_ALPHA},${ports.SIM_BETA}`,
    HEARTBEAT_SECONDS: '1',
    LAUNCHER_RESTART_DELAY_MS: String(RESTART_DELAY_MS),
    LOG_LEVEL: 'warn',
  };
  for (const [name, port] of Object.entries(ports)) if (!name.startsWith('SIM_')) env[name] = String(port);
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SECRETS_KEY', 'EGRESS_ALLOW_HOSTS']) delete env[name];
  launcher = spawn(process.execPath, [LAUNCHER], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  exited = new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
  for (const stream of [launcher.stdout!, launcher.stderr!]) readline.createInterface({ input: stream }).on('line', track);
  // A launcher that exits or hangs before it is ready fails here with what it printed.
  const gaveUp = exited.then((code) => Promise.reject(new Error(`launcher exited (${code}) before Ready.`)));
  await Promise.race([waitForOutput(/^Ready\.$/, 150_000, 'Ready.'), gaveUp]).catch((err: Error) => {
    throw new Error(`${err.message}\nlauncher output (last 40 lines):\n${output.slice(-40).join('\n')}`);
  });
  gaveUp.catch(() => undefined);
  apiUrl = `http://127.0.0.1:${ports.API_PORT}`;
  key = /Demo API key\s+(\S+)/.exec(output.join('\n'))![1];
  expect((await api('PUT', '/v1/routes', { rules: [{ id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }], policy: POLICY }], comment: 'supervision test' })).status).toBeLessThan(300);
}, 200_000);

afterAll(async () => {
  await pg?.end().catch(() => undefined);
  if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
    // Whatever happened, nothing of this test is left running: the launcher's group and each part's own group.
    for (const pid of [launcher.pid!, ...pids.values()]) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function api<T = unknown>(method: string, route: string, body?: unknown, auth = true): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${apiUrl}${route}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

interface Health {
  status: string;
  postgres: { status: string };
  temporal: { status: string };
  workers: { status: string; live: number };
  smppGateways: { status: string; live: number };
  carriers: { id: string; bindState: string }[];
}

const detail = async () => (await api<Health>('GET', '/health')).body;
const healthy = () =>
  eventually(
    async () => {
      const h = await detail();
      return h.status === 'ok' ? h : undefined;
    },
    90_000,
    '/health ok',
  );

const numbers = destinationNumbers();
const accepted: { id: string; to: string }[] = [];

async function send(count: number): Promise<void> {
  for (const to of numbers(count)) {
    const res = await api<{ id: string }>('POST', '/v1/messages', { to, from: 'Acme', body: 'across a crash' });
    expect(res.status).toBe(202);
    accepted.push({ id: res.body.id, to });
  }
}

async function kill(name: string): Promise<number> {
  const pid = pids.get(name)!;
  expect(pid).toBeGreaterThan(0);
  process.kill(pid, 'SIGKILL');
  await waitForOutput(new RegExp(`^\\[launcher\\] ${name} \\(pid ${pid}\\) died: killed by SIGKILL$`), 20_000, `${name} died`);
  return pid;
}

const restarted = (name: string, oldPid: number) =>
  eventually(async () => (pids.get(name) !== oldPid ? pids.get(name) : undefined), 120_000, `${name} restarted`);

it('starts everything and reports it healthy', async () => {
  const anonymous = await api('GET', '/health', undefined, false);
  expect(anonymous.status).toBe(200);
  expect(anonymous.body).toEqual({ status: 'up' });
  const h = await healthy();
  expect(h.workers.live).toBe(1);
  expect(h.carriers.filter((c) => c.id !== 'gamma').map((c) => c.bindState)).toEqual(['bound', 'bound']);
  await send(5);
});

it('restarts a SIGKILLed worker; meanwhile /health shows no live worker and unknown carrier binds', async () => {
  const old = await kill('worker');
  const down = await eventually(async () => {
    const h = await detail();
    return h.workers.status === 'down' ? h : undefined;
  }, RESTART_DELAY_MS + 2000, 'worker down in /health');
  expect(down.status).toBe('down');
  expect(down.carriers.every((c) => c.bindState === 'unknown')).toBe(true); // never the dead worker's last rows
  const anonymous = await api('GET', '/health', undefined, false);
  expect([anonymous.status, anonymous.body]).toEqual([503, { status: 'down' }]);
  await send(5); // accepted while no worker runs
  await restarted('worker', old);
  await healthy();
});

it('restarts a SIGKILLed SMPP gateway; meanwhile /health shows it down', async () => {
  const old = await kill('smpp-gateway');
  await eventually(async () => ((await detail()).smppGateways.status === 'down' ? true : undefined), RESTART_DELAY_MS + 2000, 'gateway down in /health');
  await restarted('smpp-gateway', old);
  await healthy();
});

it('restarts a SIGKILLed API on the same port', async () => {
  const old = await kill('api');
  await restarted('api', old);
  await healthy();
  await send(5);
});

it('restarts a SIGKILLed Temporal; meanwhile /health says down and sends are still answered at once', async () => {
  const old = await kill('temporal');
  const h = await eventually(async () => {
    const view = await detail();
    return view.temporal.status === 'down' ? view : undefined;
  }, 10_000, 'temporal down in /health');
  expect(h.status).toBe('down');
  const started = Date.now();
  await send(5);
  expect(Date.now() - started).toBeLessThan(5 * 2000); // accepted at commit: nothing waits on Temporal
  await restarted('temporal', old);
  await healthy();
});

it('restarts a SIGKILLed PostgreSQL on its data and port; meanwhile every route answers 503 with Retry-After', async () => {
  const old = await kill('postgres');
  const anonymous = await eventually(async () => {
    const res = await api('GET', '/health', undefined, false);
    return res.status === 503 ? res : undefined;
  }, 10_000, 'anonymous /health 503');
  expect(anonymous.headers.get('retry-after')).toMatch(/^\d+$/);
  // Checked in one pass while PostgreSQL is still away (its restart waits RESTART_DELAY_MS).
  const answers = await Promise.all([api('GET', '/health'), api('GET', `/v1/messages/${accepted[0].id}`), api('POST', '/v1/messages', { to: '+14155550100', from: 'Acme', body: 'x' }), api('GET', '/v1/carriers')]);
  for (const res of answers) {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  }
  await restarted('postgres', old);
  await healthy();
  await send(5);
});

it('delivers every accepted message exactly once', async () => {
  // Connected after the PostgreSQL restart, with the credentials the launcher keeps in its data dir.
  const creds = JSON.parse(fs.readFileSync(path.join(dir, 'postgres', 'credentials.json'), 'utf8')) as { user: string; password: string };
  pg = new PgClient({ host: '127.0.0.1', port: ports.EMBEDDED_POSTGRES_PORT, user: creds.user, password: creds.password, database: 'sms' });
  pg.on('error', () => undefined); // the launcher stops PostgreSQL in the next test
  await pg.connect();
  const stack = { sim: async <T>(method: string, route: string) => (await (await fetch(`http://127.0.0.1:${ports.CARRIER_SIM_CONTROL_PORT}${route}`, { method })).json()) as T } as unknown as TestStack;
  await expectDeliveredOnce(
    stack,
    pg!,
    accepted.map((a) => a.id),
    accepted.map((a) => a.to),
    120_000,
  );
  expect(accepted).toHaveLength(25);
  await pg.end();
  pg = undefined;
}, 150_000);

/** The process group a process belongs to (/proc/<pid>/stat, the field after the state and parent). */
const processGroup = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);

it('stops every part on Ctrl-C and exits 0', async () => {
  // A terminal's Ctrl-C goes to its foreground process group: the launcher's. Every part runs in
  // a group of its own, so only the launcher gets it and stops them in order (apps first,
  // PostgreSQL last, rather than PostgreSQL shutting down under apps still writing to it).
  for (const [name, pid] of pids) expect([name, processGroup(pid)]).toEqual([name, pid]);
  process.kill(-launcher.pid!, 'SIGINT');
  expect(await exited).toBe(0);
  for (const [name, pid] of pids) {
    const alive = (() => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    })();
    expect([name, alive]).toEqual([name, false]);
  }
}, 60_000);
