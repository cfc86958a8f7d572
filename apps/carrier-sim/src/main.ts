// carrier-sim process: simulated carriers for development, tests, demos and benchmarks.
// Never a production dependency.
import { createLogger, logFatalErrors } from '@app/logging';
import { configOrExit, ConfigError, readJson, readPort, readString, readTlsIdentity } from '@app/config';
import { BehaviourError, parseBehaviour } from './behaviour';
import { startCarrierSim } from './carrier-sim';
import type { HttpCarrierConfig } from './http-carrier';
import type { SimCarrierConfig } from './smsc';

const DEFAULT_CARRIERS: SimCarrierConfig[] = [
  { id: 'alpha', smppPort: 2776, systemId: 'alpha', password: 'alpha-pw' },
  { id: 'beta', smppPort: 2777, systemId: 'beta', password: 'beta-pw' },
];

const DEFAULT_HTTP_CARRIERS: HttpCarrierConfig[] = [{ id: 'gamma', token: 'gamma-token' }];

function parseHttpCarriers(value: unknown): HttpCarrierConfig[] {
  if (!Array.isArray(value)) throw new Error('must be a JSON array');
  return value.map((c: Record<string, unknown>, i) => {
    for (const field of ['id', 'token']) if (typeof c?.[field] !== 'string' || !c[field]) throw new Error(`[${i}].${field} must be a non-empty string`);
    if (c.inboundUrl !== undefined && typeof c.inboundUrl !== 'string') throw new Error(`[${i}].inboundUrl must be a URL`);
    return { id: c.id as string, token: c.token as string, inboundUrl: c.inboundUrl as string | undefined };
  });
}

function parseCarriers(value: unknown): SimCarrierConfig[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('must be a non-empty JSON array');
  return value.map((c: Record<string, unknown>, i) => {
    for (const field of ['id', 'systemId', 'password']) if (typeof c?.[field] !== 'string' || !c[field]) throw new Error(`[${i}].${field} must be a non-empty string`);
    if (typeof c.smppPort !== 'number' || !Number.isInteger(c.smppPort) || c.smppPort < 0 || c.smppPort > 65535) throw new Error(`[${i}].smppPort must be a port number`);
    let behaviour;
    try {
      behaviour = c.behaviour === undefined ? undefined : parseBehaviour(c.behaviour);
    } catch (err) {
      throw new Error(`[${i}].behaviour.${(err as BehaviourError).field}: ${(err as Error).message}`);
    }
    if (c.tls !== undefined && typeof c.tls !== 'boolean') throw new Error(`[${i}].tls must be true or false`);
    return { id: c.id as string, smppPort: c.smppPort, systemId: c.systemId as string, password: c.password as string, tls: c.tls === true, behaviour };
  });
}

async function main(): Promise<void> {
  const logger = createLogger('carrier-sim');
  logFatalErrors(logger);
  const config = configOrExit(
    (env) => {
      const carriers = readJson(env, 'CARRIER_SIM_CARRIERS', DEFAULT_CARRIERS, parseCarriers);
      // CARRIER_SIM_TLS_CERT_FILE / _KEY_FILE: SMSCs with "tls": true, and HTTPS control on CARRIER_SIM_TLS_CONTROL_PORT.
      const tls = readTlsIdentity(env, 'CARRIER_SIM_TLS');
      const wantsTls = carriers.find((c) => c.tls);
      if (wantsTls && !tls) throw new ConfigError('CARRIER_SIM_TLS_CERT_FILE', `is required: carrier ${wantsTls.id} has "tls": true`);
      return {
        host: readString(env, 'CARRIER_SIM_HOST', '127.0.0.1'),
        controlPort: readPort(env, 'CARRIER_SIM_CONTROL_PORT', 8090),
        carriers,
        httpCarriers: readJson(env, 'CARRIER_SIM_HTTP_CARRIERS', DEFAULT_HTTP_CARRIERS, parseHttpCarriers),
        tls,
        tlsControlPort: tls ? readPort(env, 'CARRIER_SIM_TLS_CONTROL_PORT', 8443) : undefined,
      };
    },
    process.env,
    (message) => logger.fatal(message),
  );
  const sim = await startCarrierSim({ ...config, logger });
  logger.info({ control: sim.controlUrl, tlsControl: sim.tlsControlUrl, smpp: sim.ports }, 'carrier simulator ready');
  const stop = async () => {
    await sim.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error('carrier-sim failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
