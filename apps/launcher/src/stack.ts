// Starts the whole system: embedded PostgreSQL and the Temporal dev server unless
// DATABASE_URL / TEMPORAL_ADDRESS are given, then carrier-sim, worker, API and SMPP gateway
// as processes. With `supervise` (npm start), each of them is restarted when it dies (supervisor.ts).
// Used by `npm start` (apps/launcher/src/main.ts) and by the end-to-end tests.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { AccountRepository, ApiKeyScope, EmbeddedPostgresHandle, LOOPBACK_ONLY, openDatabase, SecretBox, SmppCredentialRepository, startEmbeddedPostgres, SenderRepository } from '@app/db';
import { DEFAULT_VERIFY_SENDER, MAX_LIMITS, senderIdKey } from '@app/domain';
import { DevServerHandle, startTemporalDevServer } from '@app/temporal';
import { ManagedProcess } from './managed-process';
import { RestartPolicy, SupervisedRun, Supervisor } from './supervisor';

// The apps always run compiled, from dist/, also when this file runs from source (tests).
const here = path.resolve(__dirname, '../../..');
const distRoot = path.basename(here) === 'dist' ? here : path.join(here, 'dist');
const appScript = (app: string) => path.join(distRoot, 'apps', app, 'src', 'main.js');

export interface SimCarrier {
  id: string;
  smppPort: number;
  systemId: string;
  password: string;
  /** The worker's submit window towards this simulated SMSC (default 50). */
  window?: number;
  /** The worker's setting for this carrier's multipart receipts (default each part). */
  multipartReceipts?: 'each' | 'first';
  /** SMPP over TLS to this simulated SMSC (needs the stack's `tls`). */
  tls?: boolean;
}

/** A simulated carrier with an HTTP API; `tls`: reached over HTTPS with requireTls (needs the stack's `tls`). */
export interface SimHttpCarrier {
  id: string;
  token: string;
  tls?: boolean;
}

/**
 * TLS across the stack with one certificate (for 127.0.0.1) issued by a CA in `caFile`: the API
 * serves HTTPS, the SMPP gateway also listens for SMPP over TLS on `smppGatewayPort`, the
 * simulator serves its carriers marked `tls` over TLS (and its control API over HTTPS on
 * `carrierSimControlPort`), and the worker reaches those carriers over TLS trusting `caFile`.
 */
export interface StackTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  smppGatewayPort: number;
  carrierSimControlPort: number;
}

export interface StackOptions {
  dataDir: string;
  databaseUrl?: string;
  temporalAddress?: string;
  postgresPort: number;
  temporalPort: number;
  /** Omit for a headless Temporal server. */
  temporalUiPort?: number;
  temporalInMemory?: boolean;
  /** More settings for the embedded PostgreSQL server. */
  postgresFlags?: string[];
  /** Node options for the worker, API and SMPP gateway (bench/: --cpu-prof). */
  nodeArgs?: string[];
  apiPort: number;
  carrierSimControlPort: number;
  startCarrierSim: boolean;
  simCarriers: SimCarrier[];
  /** Simulated carriers with an HTTP API (served by carrier-sim's control port). */
  simHttpCarriers: SimHttpCarrier[];
  /** TLS for the API, the SMPP gateway and the simulated carriers marked `tls` (see StackTls). */
  tls?: StackTls;
  /** Where the worker receives HTTP carriers' receipts. */
  carrierWebhookPort: number;
  /** Where customers' ESMEs bind (the SMPP gateway). */
  smppGatewayPort: number;
  /**
   * More replicas of the worker, the API and the SMPP gateway against the same PostgreSQL and
   * Temporal (scale-out tests): one per port given (a worker's is its carrier-webhook port).
   */
  extraReplicas?: { workerWebhookPorts: number[]; apiPorts: number[]; smppGatewayPorts: number[] };
  /** Extra environment for the worker / API (e.g. LOG_LEVEL). */
  workerEnv?: Record<string, string>;
  apiEnv?: Record<string, string>;
  smppGatewayEnv?: Record<string, string>;
  /**
   * Restart what dies (PostgreSQL and Temporal when embedded, and every app) with this policy;
   * `onGiveUp` is called when one of them fails too often. Without it, nothing is restarted (tests that kill and restart parts themselves).
   */
  supervise?: { policy: RestartPolicy; onGiveUp: (reason: Error) => void };
  /**
   * CPU niceness of the processes that work behind the accepts (workers and the Temporal dev
   * server; BACKGROUND_NICE). On a machine they share with the API, the SMPP gateway and
   * PostgreSQL, accepts then keep their latency while a backlog drains; with CPU to spare it
   * changes nothing. 0 or unset: every process at the launcher's priority.
   */
  backgroundNice?: number;
  /** Write each app's output to <logDir>/<app>.log instead of our stdout. */
  logDir?: string;
  log?: (line: string) => void;
}

export interface Stack {
  apiUrl: string;
  databaseUrl: string;
  displayDatabaseUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  carrierSimUrl?: string;
  smppGateway: { host: string; port: number };
  /** The SMPP gateway's TLS port, with `tls`. */
  smppGatewayTls?: { host: string; port: number };
  processes: { carrierSim?: ManagedProcess; worker: ManagedProcess; api: ManagedProcess; smppGateway: ManagedProcess };
  /** Every API and SMPP gateway replica, the first ones included (one each unless `replicas` was given). */
  apiUrls: string[];
  smppGateways: { host: string; port: number }[];
  /** Demo account's API key (created at first start, kept in <dataDir>/demo-api-key). */
  demoApiKey: string;
  startWorker(): Promise<ManagedProcess>;
  startSmppGateway(): Promise<ManagedProcess>;
  stop(): Promise<void>;
}

export const DEFAULT_SIM_CARRIERS: SimCarrier[] = [
  { id: 'alpha', smppPort: 2776, systemId: 'alpha', password: 'alpha-pw' },
  { id: 'beta', smppPort: 2777, systemId: 'beta', password: 'beta-pw' },
];
/** The simulator answers at once: a window of 50 lets bulk pages through without queueing behind round trips. */
const SIM_WINDOW = 50;

export const DEFAULT_SIM_HTTP_CARRIERS = [{ id: 'gamma', token: 'gamma-token' }];

/**
 * One GET over HTTPS (global fetch cannot be given a CA): resolves on any answer. Without a CA
 * (npm start with API_TLS_* in the environment) the certificate is not checked: this only asks
 * whether our own child on loopback is up.
 */
function httpsAnswers(url: string, ca: Buffer | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...(ca ? { ca } : { rejectUnauthorized: false }), timeout: 2000 }, (res) => {
      res.resume();
      resolve();
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitForHttp(url: string, timeoutMs = 60_000, ca?: Buffer): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (url.startsWith('https:')) {
        await httpsAnswers(url, ca);
        return;
      }
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * The carrier simulator as a process, as the stack runs it (default behaviour: receipts on);
 * also used by bench scenarios that point another system (a peer) at the same simulator.
 */
export function carrierSimProcess(options: { controlPort: number; simCarriers: SimCarrier[]; simHttpCarriers: SimHttpCarrier[]; tls?: StackTls; logFile?: string }): ManagedProcess {
  const { tls } = options;
  return new ManagedProcess({
    name: 'carrier-sim',
    script: appScript('carrier-sim'),
    env: {
      CARRIER_SIM_CONTROL_PORT: String(options.controlPort),
      CARRIER_SIM_CARRIERS: JSON.stringify(options.simCarriers),
      CARRIER_SIM_HTTP_CARRIERS: JSON.stringify(options.simHttpCarriers),
      ...(tls ? { CARRIER_SIM_TLS_CERT_FILE: tls.certFile, CARRIER_SIM_TLS_KEY_FILE: tls.keyFile, CARRIER_SIM_TLS_CONTROL_PORT: String(tls.carrierSimControlPort) } : {}),
    },
    ready: () => waitForHttp(`http://127.0.0.1:${options.controlPort}/health`),
    logFile: options.logFile,
  });
}

const isReadyLine = (msg: string) => (line: string) => line.startsWith(msg);

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = path.resolve(options.dataDir);
  // Keys, the demo key, PostgreSQL's and Temporal's data: readable by their owner only.
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  const { tls } = options;
  // API_TLS_* from the stack's tls, the API's extra environment, or ours (npm start): the API then speaks HTTPS only.
  const apiScheme = tls || options.apiEnv?.API_TLS_CERT_FILE || process.env.API_TLS_CERT_FILE ? 'https' : 'http';
  const apiUrl = `${apiScheme}://127.0.0.1:${options.apiPort}`;
  const cleanups: (() => Promise<void>)[] = [];
  const supervisors: Supervisor[] = [];
  const stopAll = async () => {
    for (const supervisor of supervisors) supervisor.hold();
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => log(`stop: ${(err as Error).message}`));
    cleanups.length = 0;
  };

  /** Starts a part once, or under a Supervisor when asked; either way it is stopped by stopAll. */
  const keep = async (name: string, start: () => Promise<SupervisedRun>): Promise<{ pid?: number }> => {
    if (!options.supervise) {
      const run = await start();
      cleanups.push(() => run.stop());
      return run;
    }
    const supervisor = new Supervisor({ name, start, policy: options.supervise.policy, log: (line) => log(`[launcher] ${line}`), onGiveUp: options.supervise.onGiveUp });
    await supervisor.start();
    supervisors.push(supervisor);
    cleanups.push(() => supervisor.stop());
    return supervisor;
  };

  try {
    let databaseUrl = options.databaseUrl;
    let displayDatabaseUrl = databaseUrl?.replace(/:[^:@/]+@/, ':****@') ?? '';
    if (!databaseUrl) {
      // A restart reuses the data directory and the port, so the apps' pools reconnect.
      let pg: EmbeddedPostgresHandle | undefined;
      const started = await keep('postgres', async () => (pg = await startEmbeddedPostgres({ dir: path.join(dataDir, 'postgres'), port: options.postgresPort, extraFlags: options.postgresFlags })));
      databaseUrl = pg!.url;
      displayDatabaseUrl = pg!.displayUrl;
      log(`PostgreSQL (embedded)   ${pg!.displayUrl}   (pid ${started.pid})`);
    }

    let temporalAddress = options.temporalAddress;
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      // A restart reuses the port and the SQLite file: running workflows carry on.
      let temporal: DevServerHandle | undefined;
      const started = await keep(
        'temporal',
        async () =>
          (temporal = await startTemporalDevServer({
            dataDir: path.join(dataDir, 'temporal'),
            port: options.temporalPort,
            uiPort: options.temporalUiPort,
            // The Web UI decodes the encrypted payloads through the API (an operator signs in at /v1/codec/login).
            uiCodecEndpoint: `${apiUrl}/v1/codec`,
            inMemory: options.temporalInMemory,
            nice: options.backgroundNice,
          })),
      );
      temporalAddress = temporal!.address;
      temporalUiUrl = temporal!.uiUrl;
      log(`Temporal (dev server)   ${temporal!.address}${temporal!.uiUrl ? `   Web UI ${temporal!.uiUrl}` : ''}   (pid ${started.pid})`);
    }

    // Migrations and the demo account, before the apps start.
    const db: DataSource = await openDatabase(databaseUrl, { poolSize: 1, applicationName: 'sms-launcher' });
    let demoApiKey: string;
    try {
      demoApiKey = await ensureDemoKey(new AccountRepository(db), new SmppCredentialRepository(db), new SenderRepository(db), dataDir);
    } finally {
      await db.destroy();
    }

    const logFile = (name: string) => (options.logDir ? path.join(options.logDir, `${name}.log`) : undefined);
    const common = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, SECRETS_KEY: process.env.SECRETS_KEY || localSecretsKey(dataDir) };

    let carrierSim: ManagedProcess | undefined;
    let carrierSimUrl: string | undefined;
    if (options.startCarrierSim) {
      carrierSimUrl = `http://127.0.0.1:${options.carrierSimControlPort}`;
      // HTTP carriers send MOs to the worker's inbound webhook.
      const simHttpCarriers = options.simHttpCarriers.map((c) => ({ ...c, inboundUrl: `http://127.0.0.1:${options.carrierWebhookPort}/carriers/${c.id}/inbound` }));
      carrierSim = carrierSimProcess({ controlPort: options.carrierSimControlPort, simCarriers: options.simCarriers, simHttpCarriers, tls: options.tls, logFile: logFile('carrier-sim') });
      const sim = await keep('carrier-sim', () => carrierSim!.run());
      log(
        `Carrier simulator       ${carrierSimUrl}  (SMPP ${options.simCarriers.map((c) => `${c.id}:${c.smppPort}`).join(', ')}; HTTP ${options.simHttpCarriers.map((c) => c.id).join(', ')}; voice)   (pid ${sim.pid})`,
      );
    }

    const stackTls = (carrierId: string): StackTls => {
      if (!options.tls) throw new Error(`simulated carrier ${carrierId} wants TLS but the stack has no tls option`);
      return options.tls;
    };
    const carriersEnv: Record<string, string> = options.startCarrierSim
      ? {
          CARRIERS: JSON.stringify([
            ...options.simCarriers.map((c) => ({
              id: c.id,
              type: 'smpp',
              host: '127.0.0.1',
              port: c.smppPort,
              systemId: c.systemId,
              password: c.password,
              window: c.window ?? SIM_WINDOW,
              ...(c.multipartReceipts ? { multipartReceipts: c.multipartReceipts } : {}),
              ...(c.tls ? { tls: true, tlsCa: fs.readFileSync(stackTls(c.id).caFile, 'utf8') } : {}),
            })),
            ...options.simHttpCarriers.map((c) =>
              c.tls
                ? { id: c.id, type: 'http', url: `https://127.0.0.1:${stackTls(c.id).carrierSimControlPort}/http/${c.id}`, token: c.token, requireTls: true }
                : { id: c.id, type: 'http', url: `${carrierSimUrl}/http/${c.id}`, token: c.token },
            ),
          ]),
          VOICE_PROVIDER_URL: `${carrierSimUrl}/voice`,
          NUMBER_LOOKUP_URL: `${carrierSimUrl}/lookup`,
          // HTTP carriers over HTTPS (fetch) trust the test CA this way; SMPP carriers are given it as tlsCa.
          ...(options.tls ? { NODE_EXTRA_CA_CERTS: options.tls.caFile } : {}),
        }
      : {};
    const workerProcess = (webhookPort = options.carrierWebhookPort, name = 'worker') =>
      new ManagedProcess({
        name,
        script: appScript('worker'),
        env: { ...common, ...carriersEnv, CARRIER_WEBHOOK_PORT: String(webhookPort), WORKFLOW_BUNDLE: path.join(distRoot, 'workflow-bundle.js'), ...options.workerEnv },
        ready: (p) => p.waitForLine(isReadyLine('worker ready')).then(() => undefined),
        logFile: logFile(name),
        nodeArgs: options.nodeArgs,
        nice: options.backgroundNice,
      });
    const worker = workerProcess();
    const workerRun = await keep('worker', () => worker.run());
    log(`Worker                  running   (pid ${workerRun.pid})`);

    const apiTlsEnv: Record<string, string> = tls ? { API_TLS_CERT_FILE: tls.certFile, API_TLS_KEY_FILE: tls.keyFile } : {};
    const caPem = tls ? fs.readFileSync(tls.caFile) : undefined;
    const apiProcess = (port: number, name: string) =>
      new ManagedProcess({
        name,
        script: appScript('api'),
        env: {
          ...common,
          ...(carrierSimUrl ? { NUMBER_LOOKUP_URL: `${carrierSimUrl}/lookup` } : {}),
          ...(temporalUiUrl ? { CODEC_CORS_ORIGINS: temporalUiUrl } : {}),
          API_PORT: String(port),
          API_HOST: '127.0.0.1',
          ...apiTlsEnv,
          ...options.apiEnv,
        },
        ready: () => waitForHttp(`${apiScheme}://127.0.0.1:${port}/health`, undefined, caPem),
        logFile: logFile(name),
        nodeArgs: options.nodeArgs,
      });
    const api = apiProcess(options.apiPort, 'api');
    const apiRun = await keep('api', () => api.run());
    log(`API                     ${apiUrl}   OpenAPI docs ${apiUrl}/docs   (pid ${apiRun.pid})`);

    const smppGatewayProcess = (port = options.smppGatewayPort, name = 'smpp-gateway') =>
      new ManagedProcess({
        name,
        script: appScript('smpp-gateway'),
        env: {
          ...common,
          SMPP_GATEWAY_HOST: '127.0.0.1',
          SMPP_GATEWAY_PORT: String(port),
          // Only the first gateway gets the TLS port (replicas would collide on it).
          ...(tls && port === options.smppGatewayPort ? { SMPP_TLS_PORT: String(tls.smppGatewayPort), SMPP_TLS_CERT_FILE: tls.certFile, SMPP_TLS_KEY_FILE: tls.keyFile } : {}),
          ...options.smppGatewayEnv,
        },
        ready: (p) => p.waitForLine(isReadyLine('smpp-gateway ready')).then(() => undefined),
        logFile: logFile(name),
        nodeArgs: options.nodeArgs,
      });
    const smppGateway = smppGatewayProcess();
    const gatewayRun = await keep('smpp-gateway', () => smppGateway.run());
    log(`SMPP gateway            127.0.0.1:${options.smppGatewayPort}${tls ? `, TLS 127.0.0.1:${tls.smppGatewayPort}` : ''}   (credentials: POST ${apiUrl}/v1/smpp/credentials)   (pid ${gatewayRun.pid})`);

    const extra = options.extraReplicas ?? { workerWebhookPorts: [], apiPorts: [], smppGatewayPorts: [] };
    const replicas = [
      ...extra.workerWebhookPorts.map((port, i) => workerProcess(port, `worker-${i + 2}`)),
      ...extra.apiPorts.map((port, i) => apiProcess(port, `api-${i + 2}`)),
      ...extra.smppGatewayPorts.map((port, i) => smppGatewayProcess(port, `smpp-gateway-${i + 2}`)),
    ];
    for (const replica of replicas) await keep(replica.name, () => replica.run());
    if (replicas.length > 0) log(`Replicas                ${replicas.map((r) => r.name).join(', ')}`);

    const stack: Stack = {
      apiUrl,
      databaseUrl,
      displayDatabaseUrl,
      temporalAddress,
      temporalUiUrl,
      carrierSimUrl,
      smppGateway: { host: '127.0.0.1', port: options.smppGatewayPort },
      ...(tls ? { smppGatewayTls: { host: '127.0.0.1', port: tls.smppGatewayPort } } : {}),
      apiUrls: [apiUrl, ...extra.apiPorts.map((port) => `${apiScheme}://127.0.0.1:${port}`)],
      smppGateways: [options.smppGatewayPort, ...extra.smppGatewayPorts].map((port) => ({ host: '127.0.0.1', port })),
      processes: { carrierSim, worker, api, smppGateway },
      demoApiKey,
      async startWorker() {
        // The same ManagedProcess with a new child, so stopping the stack stops this one.
        await worker.start();
        return worker;
      },
      async startSmppGateway() {
        // The same ManagedProcess with a new child, so stopping the stack stops this one.
        await smppGateway.start();
        return smppGateway;
      },
      stop: stopAll,
    };
    return stack;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** For local use only: a generated SECRETS_KEY kept in the data dir, so sealed credentials stay readable across restarts. */
function localSecretsKey(dataDir: string): string {
  const file = path.join(dataDir, 'secrets-key');
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${SecretBox.generateKey()}\n`, { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * The operator's own local account: demos, benchmarks and tests drive it far beyond a new
 * tenant's defaults (README, "Limits, quotas and fraud rules"). Set once; an operator's later
 * change of them stays.
 */
const DEMO_LIMITS = {
  requestsPerSecond: MAX_LIMITS.requestsPerSecond,
  keyRequestsPerSecond: MAX_LIMITS.requestsPerSecond,
  dailyMessages: MAX_LIMITS.dailyMessages,
  otpPriority: true,
  perNumberPerMinute: MAX_LIMITS.perNumber,
  perNumberPerHour: MAX_LIMITS.perNumber,
  perPrefixPerMinute: MAX_LIMITS.perNumber,
};

/** The demo account's key is printed at every start, so it is kept in the (local, git-ignored) data dir. */
async function ensureDemoKey(accounts: AccountRepository, smpp: SmppCredentialRepository, senders: SenderRepository, dataDir: string): Promise<string> {
  const keyFile = path.join(dataDir, 'demo-api-key');
  const existing = await accounts.findByName('demo');
  let key: string | undefined;
  if (existing && fs.existsSync(keyFile)) {
    const stored = fs.readFileSync(keyFile, 'utf8').trim();
    if (await accounts.authenticate(stored)) key = stored;
  }
  if (!key) {
    // The local demo key may also manage carriers and routes (a production operator key is separate).
    const scopes: ApiKeyScope[] = ['messages', 'smpp', 'keys', 'operator'];
    // Bound to this machine's addresses: an operator key may then make operator changes without an operator's MFA token.
    key = existing ? await accounts.addKey(existing.id, 'demo', scopes, { allowedIps: LOOPBACK_ONLY }) : (await accounts.createWithKey('demo', 'demo', scopes, { allowedIps: LOOPBACK_ONLY })).apiKey;
    fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  }
  // Limits and SMPP ceilings the local demo and the benchmarks need (an operator sets them per
  // account; see README).
  const demo = await accounts.findByName('demo');
  if (demo) {
    await accounts.setLimitsIfUnset(demo.id, DEMO_LIMITS);
    await smpp.setAccountLimits(demo.id, DEMO_SMPP_LIMITS);
    // The sender ID the README's examples, the benchmarks and the tests send from (README,
    // "Numbers and sender IDs"), approved in Croatia for the campaign examples' Croatian
    // audiences; numbers an operator gives it with POST /v1/numbers.
    await senders.grantSenderId(demo.id, DEMO_SENDER_ID, senderIdKey(DEMO_SENDER_ID));
    await senders.setRegistration(demo.id, senderIdKey(DEMO_SENDER_ID), 'HR', 'approved', 'local demo', true);
    // Verify's default sender, so the README's verify round trip works on the demo account.
    await senders.grantSenderId(demo.id, DEFAULT_VERIFY_SENDER, senderIdKey(DEFAULT_VERIFY_SENDER));
  }
  return key;
}

const DEMO_SMPP_LIMITS = { maxThroughputPerSecond: 10_000, maxBinds: 32 };
const DEMO_SENDER_ID = 'Acme';
