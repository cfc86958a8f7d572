// `npm start`: the whole system on embedded defaults, with the URLs and the demo API key
// printed; Ctrl-C stops every part in order. Every part it starts is supervised: one that dies
// is logged with its exit cause and restarted with backoff; after too many failures in a short
// window the launcher says so, stops the rest and exits 1.
import 'reflect-metadata';
import { configOrExit, readLauncherConfig } from '@app/config';
import { DEFAULT_SIM_CARRIERS, DEFAULT_SIM_HTTP_CARRIERS, startStack, Stack } from './stack';
import { DEFAULT_RESTART_POLICY } from './supervisor';

const LOCAL_DEMO_EGRESS = '127.0.0.1,localhost';

async function main(): Promise<void> {
  // Everything this launcher and the parts it starts create (data dir, logs, temporal.sqlite, key
  // files) is readable by its owner only.
  process.umask(0o077);
  const config = configOrExit(readLauncherConfig);
  console.log('Starting the SMS aggregator...');
  const running: { stack?: Stack } = {};
  let stopping = false;
  const shutdown = async (why: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: stopping API, SMPP gateway, worker, carrier simulator, Temporal and PostgreSQL...`);
    await running.stack?.stop();
    console.log('Stopped.');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  const stack = await startStack({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    temporalAddress: config.temporalAddress,
    postgresPort: config.postgresPort,
    temporalPort: config.temporalPort,
    temporalUiPort: config.temporalUiPort,
    apiPort: config.apiPort,
    carrierSimControlPort: config.carrierSimControlPort,
    startCarrierSim: config.startCarrierSim,
    simCarriers: DEFAULT_SIM_CARRIERS.map((c, i) => ({ ...c, smppPort: config.simSmppPorts[i] })),
    simHttpCarriers: DEFAULT_SIM_HTTP_CARRIERS,
    carrierWebhookPort: config.carrierWebhookPort,
    smppGatewayPort: config.smppGatewayPort,
    // The local demo may post status callbacks to this machine; production allows no internal host unless told.
    apiEnv: { EGRESS_ALLOW_HOSTS: process.env.EGRESS_ALLOW_HOSTS ?? LOCAL_DEMO_EGRESS },
    workerEnv: { EGRESS_ALLOW_HOSTS: process.env.EGRESS_ALLOW_HOSTS ?? LOCAL_DEMO_EGRESS },
    backgroundNice: config.backgroundNice,
    supervise: {
      policy: { ...DEFAULT_RESTART_POLICY, ...config.restarts },
      onGiveUp: (reason) => {
        console.error(`\n[launcher] GIVING UP: ${reason.message}. The system cannot run without it.`);
        void shutdown('Gave up', 1);
      },
    },
  });
  running.stack = stack;
  if (stopping) return;
  console.log(`
Ready.
  API           ${stack.apiUrl}      (OpenAPI docs: ${stack.apiUrl}/docs, health: ${stack.apiUrl}/health)
  Temporal UI   ${stack.temporalUiUrl ?? '(external Temporal: see its own UI)'}
  Carrier sim   ${stack.carrierSimUrl ?? '(not started)'}
  Demo API key  ${stack.demoApiKey}

Send a message:
  curl -s -X POST ${stack.apiUrl}/v1/messages \\
    -H "Authorization: Bearer ${stack.demoApiKey}" -H "Content-Type: application/json" \\
    -d '{"to":"+14155552671","from":"Acme","body":"Hello from the SMS aggregator"}'

Press Ctrl-C to stop.`);
}

main().catch((err) => {
  console.error(`Start-up failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
