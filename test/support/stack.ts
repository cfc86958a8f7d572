// Boots the real stack for end-to-end tests: the PostgreSQL and Temporal from global setup,
// and carrier-sim, worker, API and SMPP gateway as real processes from dist/ on free ports, with a task
// queue of its own so stacks never share work.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { freePort } from '@app/config';
import { SimCarrier, SimHttpCarrier, startStack, Stack } from '../../apps/launcher/src/stack';
import { testDatabaseUrl, testSecretsKey, testTemporalAddress } from './env';
import { httpsRequest, makeTestCertificates, TestCertificates } from './tls';

/** A priority rule over alpha then beta: what each end-to-end suite starts from. */
export const DEFAULT_TEST_RULE = { id: 'default', strategy: 'priority', targets: [{ carrierId: 'alpha' }, { carrierId: 'beta' }] };

const OWN_OTP_WORKFLOWS = { OTP_WORKFLOWS_PER_SECOND: '1000000' };

export interface TestStack extends Stack {
  taskQueue: string;
  logDir: string;
  /** With `tls`: the throwaway CA and certificate the stack serves. */
  certificates?: TestCertificates;
  api<T = unknown>(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  sim<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
}

export async function startTestStack(
  env: {
    worker?: Record<string, string>;
    api?: Record<string, string>;
    gateway?: Record<string, string>;
    rule?: Record<string, unknown>;
    /** A Temporal server of the test's own (fault injection) instead of the run's shared one. */
    temporalAddress?: string;
    /** Two workers, two APIs and two SMPP gateways against the one PostgreSQL and Temporal (ports picked here). */
    twoOfEach?: boolean;
    /** More simulated SMPP carriers than alpha and beta (the port is picked here). */
    extraSimCarriers?: Omit<SimCarrier, 'smppPort'>[];
    /** More simulated HTTP carriers than gamma. */
    extraSimHttpCarriers?: SimHttpCarrier[];
    /**
     * TLS with a CA and certificate made for this run: the API over HTTPS, the SMPP gateway's TLS
     * port (stack.smppGatewayTls), and TLS to simulated carriers marked `tls`.
     */
    tls?: boolean;
  } = {},
): Promise<TestStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-e2e-'));
  const taskQueue = `e2e-${randomUUID()}`;
  const logDir = path.join(dataDir, 'logs');
  const simCarriers = [
    { id: 'alpha', smppPort: await freePort(), systemId: 'alpha', password: 'alpha-pw' },
    { id: 'beta', smppPort: await freePort(), systemId: 'beta', password: 'beta-pw' },
  ];
  for (const extra of env.extraSimCarriers ?? []) simCarriers.push({ ...extra, smppPort: await freePort() });
  const certificates = env.tls ? makeTestCertificates(path.join(dataDir, 'tls')) : undefined;
  const stack = await startStack({
    dataDir,
    databaseUrl: testDatabaseUrl(),
    temporalAddress: env.temporalAddress ?? testTemporalAddress(),
    postgresPort: 0,
    temporalPort: 0,
    apiPort: await freePort(),
    carrierSimControlPort: await freePort(),
    startCarrierSim: true,
    simCarriers,
    simHttpCarriers: [{ id: 'gamma', token: 'gamma-token' }, ...(env.extraSimHttpCarriers ?? [])],
    tls: certificates
      ? { certFile: certificates.certFile, keyFile: certificates.keyFile, caFile: certificates.caFile, smppGatewayPort: await freePort(), carrierSimControlPort: await freePort() }
      : undefined,
    carrierWebhookPort: await freePort(),
    smppGatewayPort: await freePort(),
    extraReplicas: env.twoOfEach ? { workerWebhookPorts: [await freePort()], apiPorts: [await freePort()], smppGatewayPorts: [await freePort()] } : undefined,
    // Callback receivers of the tests listen on 127.0.0.1, allowed by name; `localhost` stays refused (egress tests).
    // Every OTP gets its own workflow here (OTP_WORKFLOWS_PER_SECOND lifted): the suites reach
    // that shape through OTP, and suites running side by side share one database, so a
    // deployment-wide count would mix theirs. otp-pages.e2e runs the default (OTP on pages).
    workerEnv: { TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'info', EGRESS_ALLOW_HOSTS: '127.0.0.1', SECRETS_KEY: testSecretsKey(), ...OWN_OTP_WORKFLOWS, ...env.worker },
    apiEnv: { TEMPORAL_TASK_QUEUE: taskQueue, EGRESS_ALLOW_HOSTS: '127.0.0.1', SECRETS_KEY: testSecretsKey(), ...OWN_OTP_WORKFLOWS, ...env.api },
    smppGatewayEnv: { TEMPORAL_TASK_QUEUE: taskQueue, SECRETS_KEY: testSecretsKey(), ...OWN_OTP_WORKFLOWS, ...env.gateway },
    logDir,
    log: () => undefined,
  });
  const stopStack = stack.stop;
  const json = async (res: Response) => {
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  };
  const result = Object.assign(stack, {
    taskQueue,
    logDir,
    certificates,
    async api<T>(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
      const init = {
        method,
        headers: { authorization: `Bearer ${stack.demoApiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      };
      if (certificates) {
        const res = await httpsRequest(`${stack.apiUrl}${route}`, { ...init, ca: certificates.ca });
        return { status: res.status, body: (res.text ? JSON.parse(res.text) : undefined) as T };
      }
      const res = await fetch(`${stack.apiUrl}${route}`, init);
      return { status: res.status, body: (await json(res)) as T };
    },
    async sim<T>(method: string, route: string, body?: unknown) {
      const res = await fetch(`${stack.carrierSimUrl}${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) throw new Error(`carrier-sim ${method} ${route}: HTTP ${res.status} ${await res.text()}`);
      return (await json(res)) as T;
    },
    async stop() {
      await stopStack();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  });
  // Suites share one database: start each from known carrier settings, circuits and routes.
  const pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
  await pg.query(`UPDATE carriers SET circuit_state = 'closed', circuit_reason = NULL, circuit_changed_at = now()`);
  await pg.end();
  for (const id of [...simCarriers.map((c) => c.id), 'gamma', ...(env.extraSimHttpCarriers ?? []).map((c) => c.id)]) await result.api('PATCH', `/v1/carriers/${id}`, { enabled: true, costs: {}, maxTps: null });
  await result.api('PUT', '/v1/routes', { rules: [{ ...DEFAULT_TEST_RULE, ...env.rule }], comment: 'test stack' });
  return result;
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
