// The typed configuration of each process, read and validated once at start-up.
// Every environment variable the project reads is listed here (and in the README table).
import { CarrierConfig, CarrierSettingsError, parseCarrierSettings } from '@app/carriers';
import { DEFAULT_TASK_QUEUE } from '@app/contracts';
import { ConfigError, Env, readBool, readEnum, readHostPort, readInt, readJson, readOptionalString, readPort, readString, readUrl } from './env';
import { readCertificateFile, readTlsIdentity, TlsIdentity } from './tls';
import { deriveKekFromSecretsKey, SECRETS_DERIVED_KEK_ID } from '@app/crypto';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * TLS to the Temporal frontend (TEMPORAL_TLS*): the server checked against `ca` (or the system's
 * roots), a client certificate for mTLS when the cluster asks for one.
 */
export interface TemporalTlsConfig {
  ca?: Buffer;
  client?: TlsIdentity;
  serverName?: string;
}

export interface CommonConfig {
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string; tls?: TemporalTlsConfig };
  logLevel: LogLevel;
  /** Mobile network lookup for network-specific routing rules. */
  numberLookup: { url?: string; prefixes?: Record<string, string> };
  /** Key sealing carrier credentials at rest (32 bytes, base64). */
  secretsKey: string;
  /** Key-encryption keys wrapping the data keys of bodies at rest and Temporal payloads (ENCRYPTION_KEKS), the current one first. */
  keks: [string, Buffer][];
  /** Internal hosts a tenant's URL (status callbacks) may reach anyway; none by default. */
  egressAllowHosts: string[];
  /** OTP messages a second, across replicas, given their own workflow; the rest ride pages (OTP_WORKFLOWS_PER_SECOND, default 0: every OTP). */
  otpWorkflowsPerSecond: number;
}

/** How often a worker or SMPP gateway records that it is alive (GET /health: stale after three of these). */
const readHeartbeatMs = (env: Env) => readInt(env, 'HEARTBEAT_SECONDS', 5, { min: 1, max: 60 }) * 1000;

export function readSecretsKey(env: Env): string {
  const key = readString(env, 'SECRETS_KEY');
  if (!/^[A-Za-z0-9+/]{43}=$/.test(key)) throw new ConfigError('SECRETS_KEY', 'must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');
  return key;
}

/**
 * ENCRYPTION_KEKS: `id:base64key[,id:base64key…]`, the first wraps new data keys, the others only
 * unwrap (rotation). Unset: one KEK derived from SECRETS_KEY, id `sk`, which also stays available to
 * unwrap what it wrapped before ENCRYPTION_KEKS was set.
 */
export function readEncryptionKeks(env: Env, secretsKey: string): [string, Buffer][] {
  const raw = env.ENCRYPTION_KEKS?.trim();
  const derived: [string, Buffer] = [SECRETS_DERIVED_KEK_ID, deriveKekFromSecretsKey(secretsKey)];
  if (!raw) return [derived];
  const keks: [string, Buffer][] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]{43}=)$/.exec(entry);
    if (!match) throw new ConfigError('ENCRYPTION_KEKS', `entry "${entry.split(':')[0]}:…" must be "id:key" with an id of letters, digits, _ or - and a 32-byte base64 key (e.g. \`k2:$(openssl rand -base64 32)\`)`);
    if (keks.some(([id]) => id === match[1])) throw new ConfigError('ENCRYPTION_KEKS', `lists the id "${match[1]}" twice`);
    keks.push([match[1], Buffer.from(match[2], 'base64')]);
  }
  if (!keks.some(([id]) => id === SECRETS_DERIVED_KEK_ID)) keks.push(derived);
  return keks;
}

function parseNetworkPrefixes(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a JSON object of "prefix": "MCC+MNC"');
  for (const [prefix, network] of Object.entries(value)) {
    if (!/^[1-9]\d{0,14}$/.test(prefix)) throw new Error(`key "${prefix}" must be E.164 digits without "+"`);
    if (typeof network !== 'string' || !/^\d{5,6}$/.test(network)) throw new Error(`"${prefix}" must map to MCC+MNC digits such as "310260"`);
  }
  return value as Record<string, string>;
}

export interface ApiConfig extends CommonConfig {
  host: string;
  port: number;
  /** API_TLS_CERT_FILE / API_TLS_KEY_FILE: HTTPS with this certificate; plain HTTP without. */
  tls?: TlsIdentity;
  /** Origins (the Temporal Web UI's) allowed to call the codec endpoint /v1/codec from a browser. */
  codecCorsOrigins: string[];
}

/** A carrier's settings: its kind's (libs/carriers/src/<kind>/<kind>.settings.ts), by `type`. */
export type { CarrierConfig } from '@app/carriers';

export interface WorkerConfig extends CommonConfig {
  /** Carriers in failover order: the first is tried first. */
  carriers: CarrierConfig[];
  workflowBundlePath?: string;
  callbackTimeoutMs: number;
  /** Webhook retries (exponential backoff with jitter from retryBaseMs, capped at retryMaxMs, for giveUpAfterMs) and endpoint health. */
  webhooks: { retryBaseMs: number; retryMaxMs: number; giveUpAfterMs: number; unhealthyAfterMs: number; probeIntervalMs: number };
  /** HEARTBEAT_SECONDS: how often this worker records that it is alive (GET /health). */
  heartbeatMs: number;
  /** Where HTTP carriers send receipts: this process listens, carriers call `publicUrl`. */
  webhook: { host: string; port: number; publicUrl: string };
  /** Voice (text-to-speech) provider for the voice fallback; unset = no voice fallback. */
  voiceProviderUrl?: string;
  /** Two-way messaging: when an idle conversation workflow ends, when a long one continues as new, how long an MO without a carrier id is remembered by its content. */
  conversations: { idleTimeoutMs: number; maxEventsPerRun: number; dedupWindowSeconds: number };
  /** The bulk path (sendBatch): messages per page, how long a partial page waits, pages at once, carriers per message. */
  batches: {
    pageSize: number;
    pageDelayMs: number;
    /** Pages running at once per worker (most of them waiting for receipts). */
    maxRunning: number;
    /** Pages' worth of claimed messages not yet handed to a carrier, across workers, before another page starts. */
    maxSubmitting: number;
    maxAttempts: number;
  };
  /** Messages' own sendMessage workflows a worker's dispatcher keeps started but not yet submitted (WORKFLOW_MAX_STARTING). */
  maxStartingWorkflows: number;
  circuit: {
    windowMs: number;
    evaluateEveryMs: number;
    thresholds: { minAttempts: number; failureRate: number; cooldownMs: number; probeSuccesses: number; unboundGraceMs: number };
  };
  /** RETENTION_SCHEDULE_SECONDS: how often the `retention` schedule runs applyRetention; TEMPORAL_RETENTION_DAYS: the namespace's history retention (0: leave it). */
  retention: { scheduleEverySeconds: number; namespaceRetentionDays: number };
}

/**
 * Temporal's own client environment names (as its CLI and SDKs' environment configuration read
 * them): TEMPORAL_TLS (default: on when a file is given), TEMPORAL_TLS_SERVER_CA_CERT_PATH,
 * TEMPORAL_TLS_CLIENT_CERT_PATH + TEMPORAL_TLS_CLIENT_KEY_PATH (mTLS), TEMPORAL_TLS_SERVER_NAME.
 */
export function readTemporalTls(env: Env): TemporalTlsConfig | undefined {
  const files = ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'].filter((name) => env[name]?.trim());
  const enabled = readBool(env, 'TEMPORAL_TLS', files.length > 0);
  if (!enabled) {
    if (files.length > 0) throw new ConfigError('TEMPORAL_TLS', `is false but ${files.join(', ')} ${files.length > 1 ? 'are' : 'is'} set`);
    return undefined;
  }
  return {
    ca: readCertificateFile(env, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH')?.pem,
    client: readTlsIdentity(env, 'TEMPORAL_TLS_CLIENT', { cert: 'TEMPORAL_TLS_CLIENT_CERT_PATH', key: 'TEMPORAL_TLS_CLIENT_KEY_PATH' }),
    serverName: readOptionalString(env, 'TEMPORAL_TLS_SERVER_NAME'),
  };
}

export function readCommonConfig(env: Env): CommonConfig {
  const tls = readTemporalTls(env);
  return {
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    temporal: {
      address: readHostPort(env, 'TEMPORAL_ADDRESS'),
      namespace: readString(env, 'TEMPORAL_NAMESPACE', 'default'),
      taskQueue: readString(env, 'TEMPORAL_TASK_QUEUE', DEFAULT_TASK_QUEUE),
      ...(tls ? { tls } : {}),
    },
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    ...secretsAndKeks(env),
    egressAllowHosts: readHostList(env, 'EGRESS_ALLOW_HOSTS'),
    otpWorkflowsPerSecond: readInt(env, 'OTP_WORKFLOWS_PER_SECOND', 0, { min: 0, max: 1_000_000 }),
    numberLookup: {
      url: env.NUMBER_LOOKUP_URL?.trim() ? readUrl(env, 'NUMBER_LOOKUP_URL', ['http:', 'https:']) : undefined,
      prefixes: readJson(env, 'NETWORK_PREFIXES', {}, parseNetworkPrefixes),
    },
  };
}

function secretsAndKeks(env: Env): { secretsKey: string; keks: [string, Buffer][] } {
  const secretsKey = readSecretsKey(env);
  return { secretsKey, keks: readEncryptionKeks(env, secretsKey) };
}

/** A comma-separated list of host names or IP addresses (no scheme, no port). */
function readHostList(env: Env, name: string): string[] {
  const hosts = (env[name] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const bad = hosts.find((h) => !/^[a-z0-9.:-]+$/.test(h));
  if (bad) throw new ConfigError(name, `"${bad}" is not a host name or IP address (comma-separated, no scheme or port)`);
  return hosts;
}

export function readApiConfig(env: Env): ApiConfig {
  const tls = readTlsIdentity(env, 'API_TLS');
  return {
    ...readCommonConfig(env),
    host: readString(env, 'API_HOST', '127.0.0.1'),
    port: readPort(env, 'API_PORT', 3000),
    codecCorsOrigins: readOriginList(env, 'CODEC_CORS_ORIGINS'),
    ...(tls ? { tls } : {}),
  };
}

/** A comma-separated list of web origins (`scheme://host[:port]`, no path). */
function readOriginList(env: Env, name: string): string[] {
  const origins = (env[name] ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(name, `"${origin}" is not an origin such as http://127.0.0.1:8233 (scheme, host and port; no path or trailing slash)`);
    }
  }
  return origins;
}

export const DEFAULT_CARRIERS: CarrierConfig[] = [
  { id: 'alpha', type: 'smpp', host: '127.0.0.1', port: 2776, systemId: 'alpha', password: 'alpha-pw', window: 10 },
  { id: 'beta', type: 'smpp', host: '127.0.0.1', port: 2777, systemId: 'beta', password: 'beta-pw', window: 10 },
  { id: 'gamma', type: 'http', url: 'http://127.0.0.1:8090/http/gamma', token: 'gamma-token', window: 10 },
];

/** CARRIERS: each entry validated by its kind (libs/carriers/src/registry.ts); an error names `[i].field`. */
export function parseCarriers(value: unknown): CarrierConfig[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('must be a non-empty JSON array of carriers');
  const seen = new Set<string>();
  return value.map((raw, i) => {
    let carrier: CarrierConfig;
    try {
      carrier = parseCarrierSettings(raw);
    } catch (err) {
      if (!(err instanceof CarrierSettingsError)) throw err;
      throw new Error(err.field ? `[${i}].${err.field} ${err.reason}` : `[${i}] ${err.reason}`);
    }
    if (seen.has(carrier.id)) throw new Error(`[${i}].id "${carrier.id}" is listed twice`);
    seen.add(carrier.id);
    return carrier;
  });
}

export function readWorkerConfig(env: Env): WorkerConfig {
  return {
    ...readCommonConfig(env),
    carriers: readJson(env, 'CARRIERS', DEFAULT_CARRIERS, parseCarriers),
    workflowBundlePath: env.WORKFLOW_BUNDLE?.trim() || undefined,
    callbackTimeoutMs: readInt(env, 'STATUS_CALLBACK_TIMEOUT_MS', 5000, { min: 100, max: 60000 }),
    retention: {
      scheduleEverySeconds: readInt(env, 'RETENTION_SCHEDULE_SECONDS', 3600, { min: 1, max: 7 * 86_400 }),
      namespaceRetentionDays: readInt(env, 'TEMPORAL_RETENTION_DAYS', 30, { min: 0, max: 3650 }),
    },
    webhooks: {
      retryBaseMs: readInt(env, 'WEBHOOK_RETRY_BASE_MS', 2000, { min: 10, max: 600_000 }),
      retryMaxMs: readInt(env, 'WEBHOOK_RETRY_MAX_MS', 600_000, { min: 10, max: 6 * 3600_000 }),
      giveUpAfterMs: readInt(env, 'WEBHOOK_RETRY_HOURS', 24, { min: 1, max: 168 }) * 3600_000,
      unhealthyAfterMs: readInt(env, 'WEBHOOK_UNHEALTHY_AFTER_SECONDS', 1800, { min: 1, max: 7 * 86_400 }) * 1000,
      probeIntervalMs: readInt(env, 'WEBHOOK_PROBE_SECONDS', 60, { min: 1, max: 3600 }) * 1000,
    },
    heartbeatMs: readHeartbeatMs(env),
    webhook: (() => {
      const host = readString(env, 'CARRIER_WEBHOOK_HOST', '127.0.0.1');
      const port = readPort(env, 'CARRIER_WEBHOOK_PORT', 8091);
      return { host, port, publicUrl: readUrl(env, 'CARRIER_WEBHOOK_URL', ['http:', 'https:'], `http://${host}:${port}`).replace(/\/+$/, '') };
    })(),
    voiceProviderUrl: env.VOICE_PROVIDER_URL?.trim() ? readUrl(env, 'VOICE_PROVIDER_URL', ['http:', 'https:']) : undefined,
    conversations: {
      idleTimeoutMs: readInt(env, 'CONVERSATION_IDLE_SECONDS', 86_400, { min: 1, max: 30 * 86_400 }) * 1000,
      maxEventsPerRun: readInt(env, 'CONVERSATION_MAX_EVENTS', 500, { min: 1, max: 10_000 }),
      dedupWindowSeconds: readInt(env, 'INBOUND_DEDUP_WINDOW_SECONDS', 60, { min: 0, max: 86_400 }),
    },
    batches: {
      pageSize: readInt(env, 'BATCH_PAGE_SIZE', 500, { min: 1, max: 5000 }),
      pageDelayMs: readInt(env, 'BATCH_PAGE_DELAY_MS', 250, { min: 0, max: 60_000 }),
      maxRunning: readInt(env, 'BATCH_MAX_RUNNING', 400, { min: 1, max: 10_000 }),
      maxSubmitting: readInt(env, 'BATCH_MAX_SUBMITTING', 8, { min: 1, max: 1000 }),
      maxAttempts: 3,
    },
    maxStartingWorkflows: readInt(env, 'WORKFLOW_MAX_STARTING', 64, { min: 1, max: 10_000 }),
    circuit: {
      windowMs: readInt(env, 'CIRCUIT_WINDOW_SECONDS', 60, { min: 5, max: 3600 }) * 1000,
      evaluateEveryMs: 2000,
      thresholds: {
        minAttempts: readInt(env, 'CIRCUIT_MIN_ATTEMPTS', 5, { min: 1, max: 10000 }),
        failureRate: readInt(env, 'CIRCUIT_FAILURE_PERCENT', 50, { min: 1, max: 100 }) / 100,
        cooldownMs: readInt(env, 'CIRCUIT_COOLDOWN_SECONDS', 15, { min: 1, max: 3600 }) * 1000,
        probeSuccesses: readInt(env, 'CIRCUIT_PROBE_SUCCESSES', 3, { min: 1, max: 100 }),
        unboundGraceMs: 10_000,
      },
    },
  };
}

/** The SMPP server customers bind to (apps/smpp-gateway). */
export interface SmppGatewayConfig extends CommonConfig {
  host: string;
  port: number;
  /** SMPP over TLS on its own port (SMPP_TLS_PORT, 3550 by default) beside the plain port, when SMPP_TLS_CERT_FILE / SMPP_TLS_KEY_FILE are set. */
  tls?: { port: number; identity: TlsIdentity };
  /** system_id the gateway names itself with in bind responses. */
  systemId: string;
  /** A connection must bind within this, or it is closed. */
  bindTimeoutMs: number;
  /** A bound session that sends nothing (not even enquire_link) for this long is unbound. */
  idleTimeoutMs: number;
  /** deliver_sm awaiting the ESME's answer at once, per session. */
  deliverWindow: number;
  /** The ESME must answer a deliver_sm within this, or it is sent again later. */
  deliverTimeoutMs: number;
  /** Parts of a multipart submit still missing siblings after this are dropped. */
  multipartTimeoutMs: number;
  /**
   * 'batch': submits are sent in pages by sendBatch workflows (bulk throughput); 'workflow': one
   * sendMessage workflow each. OTP-priority, scheduled and multipart submits always take their own.
   */
  delivery: 'batch' | 'workflow';
  /** Connections at once, in total and per source address; more are closed at once. */
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Password checks (scrypt) running at once; more wait, served round-robin by source address. */
  bindConcurrency: number;
  /** Failed binds: the answer waits `delayMs`, doubling per failure up to 16×; `threshold` failures within `lockoutMs` lock the IP or system_id out for `lockoutMs`. */
  bindFailures: { delayMs: number; threshold: number; lockoutMs: number };
  /** HEARTBEAT_SECONDS: how often this gateway records that it is alive (GET /health). */
  heartbeatMs: number;
}

export function readSmppGatewayConfig(env: Env): SmppGatewayConfig {
  const port = readPort(env, 'SMPP_GATEWAY_PORT', 2775);
  const identity = readTlsIdentity(env, 'SMPP_TLS');
  const tlsPort = readPort(env, 'SMPP_TLS_PORT', 3550);
  if (identity && tlsPort !== 0 && tlsPort === port) throw new ConfigError('SMPP_TLS_PORT', `must differ from SMPP_GATEWAY_PORT (${port})`);
  return {
    ...readCommonConfig(env),
    host: readString(env, 'SMPP_GATEWAY_HOST', '127.0.0.1'),
    port,
    ...(identity ? { tls: { port: tlsPort, identity } } : {}),
    systemId: readString(env, 'SMPP_GATEWAY_SYSTEM_ID', 'smsagg'),
    bindTimeoutMs: readInt(env, 'SMPP_BIND_TIMEOUT_SECONDS', 30, { min: 1, max: 3600 }) * 1000,
    idleTimeoutMs: readInt(env, 'SMPP_IDLE_TIMEOUT_SECONDS', 120, { min: 5, max: 86400 }) * 1000,
    deliverWindow: readInt(env, 'SMPP_DELIVER_WINDOW', 10, { min: 1, max: 1000 }),
    deliverTimeoutMs: readInt(env, 'SMPP_DELIVER_TIMEOUT_SECONDS', 10, { min: 1, max: 600 }) * 1000,
    multipartTimeoutMs: readInt(env, 'SMPP_MULTIPART_TIMEOUT_SECONDS', 600, { min: 10, max: 86400 }) * 1000,
    delivery: readEnum(env, 'SMPP_DELIVERY', ['batch', 'workflow'] as const, 'batch'),
    maxConnections: readInt(env, 'SMPP_MAX_CONNECTIONS', 1000, { min: 1, max: 100_000 }),
    maxConnectionsPerIp: readInt(env, 'SMPP_MAX_CONNECTIONS_PER_IP', 20, { min: 1, max: 100_000 }),
    bindConcurrency: readInt(env, 'SMPP_BIND_CONCURRENCY', 2, { min: 1, max: 64 }),
    bindFailures: {
      delayMs: readInt(env, 'SMPP_BIND_FAILURE_DELAY_MS', 500, { min: 0, max: 60_000 }),
      threshold: readInt(env, 'SMPP_BIND_LOCKOUT_FAILURES', 10, { min: 2, max: 10_000 }),
      lockoutMs: readInt(env, 'SMPP_BIND_LOCKOUT_SECONDS', 300, { min: 1, max: 86_400 }) * 1000,
    },
    heartbeatMs: readHeartbeatMs(env),
  };
}

/** `npm start`: which embedded services to start and on which ports. */
export interface LauncherConfig {
  dataDir: string;
  databaseUrl?: string;
  temporalAddress?: string;
  postgresPort: number;
  temporalPort: number;
  temporalUiPort: number;
  apiPort: number;
  carrierSimControlPort: number;
  carrierWebhookPort: number;
  smppGatewayPort: number;
  startCarrierSim: boolean;
  /** The simulated SMSCs alpha and beta (CARRIER_SIM_SMPP_PORTS). */
  simSmppPorts: [number, number];
  /**
   * A part that dies is restarted after `initialDelayMs`, doubled for each further failure within
   * `windowMs`; more than `maxRestarts` failures in that window and the launcher gives up (exit 1).
   */
  restarts: { initialDelayMs: number; maxRestarts: number; windowMs: number };
  /** BACKGROUND_NICE: CPU niceness of the worker and the Temporal dev server (0: none). */
  backgroundNice: number;
}

/** BACKGROUND_NICE (0–19, default 5): how far below the accepting processes the background work runs. */
export function readBackgroundNice(env: Env): number {
  return readInt(env, 'BACKGROUND_NICE', 5, { min: 0, max: 19 });
}

function readPortPair(env: Env, name: string, fallback: [number, number]): [number, number] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const ports = raw.split(',').map((p) => p.trim());
  if (ports.length !== 2 || ports.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535)) throw new ConfigError(name, `must be two ports, comma-separated (e.g. 2776,2777), got "${raw}"`);
  return [Number(ports[0]), Number(ports[1])];
}

export function readLauncherConfig(env: Env): LauncherConfig {
  const databaseUrl = env.DATABASE_URL?.trim() ? readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']) : undefined;
  const temporalAddress = env.TEMPORAL_ADDRESS?.trim() ? readHostPort(env, 'TEMPORAL_ADDRESS') : undefined;
  return {
    dataDir: readString(env, 'DATA_DIR', '.data'),
    databaseUrl,
    temporalAddress,
    postgresPort: readPort(env, 'EMBEDDED_POSTGRES_PORT', 5433),
    temporalPort: readPort(env, 'TEMPORAL_PORT', 7233),
    temporalUiPort: readPort(env, 'TEMPORAL_UI_PORT', 8233),
    apiPort: readPort(env, 'API_PORT', 3000),
    carrierSimControlPort: readPort(env, 'CARRIER_SIM_CONTROL_PORT', 8090),
    carrierWebhookPort: readPort(env, 'CARRIER_WEBHOOK_PORT', 8091),
    smppGatewayPort: readPort(env, 'SMPP_GATEWAY_PORT', 2775),
    startCarrierSim: readBool(env, 'START_CARRIER_SIM', true),
    simSmppPorts: readPortPair(env, 'CARRIER_SIM_SMPP_PORTS', [2776, 2777]),
    restarts: {
      initialDelayMs: readInt(env, 'LAUNCHER_RESTART_DELAY_MS', 500, { min: 0, max: 60_000 }),
      maxRestarts: readInt(env, 'LAUNCHER_MAX_RESTARTS', 5, { min: 0, max: 1000 }),
      windowMs: readInt(env, 'LAUNCHER_RESTART_WINDOW_SECONDS', 60, { min: 1, max: 86_400 }) * 1000,
    },
    backgroundNice: readBackgroundNice(env),
  };
}

export { ConfigError };
