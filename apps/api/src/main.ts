// API process: REST v1, OpenAPI docs at /docs, health at /health.
import 'reflect-metadata';
import { ConfigError, readApiConfig } from '@app/config';
import { createApiApp } from './app.setup';

async function main(): Promise<void> {
  let config;
  try {
    config = readApiConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  const app = await createApiApp(config);
  await app.listen(config.port, config.host);
  console.log(`API listening on http://${config.host}:${config.port} (docs at /docs)`);
}

main().catch((err) => {
  console.error('API failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
