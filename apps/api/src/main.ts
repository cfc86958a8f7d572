// API process: REST v1, OpenAPI docs at /docs, health at /health.
import 'reflect-metadata';
import { configOrExit, readApiConfig } from '@app/config';
import { createLogger, logFatalErrors } from '@app/logging';
import { createApiApp } from './app.setup';

async function main(): Promise<void> {
  const config = configOrExit(readApiConfig);
  logFatalErrors(createLogger('api', config.logLevel));
  const app = await createApiApp(config);
  await app.listen(config.port, config.host);
  console.log(`API listening on ${config.tls ? 'https' : 'http'}://${config.host}:${config.port} (docs at /docs)`);
}

main().catch((err) => {
  console.error('API failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
