// Worker process: runs the message workflows and activities and holds the carrier binds.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { configOrExit, readWorkerConfig } from '@app/config';
import { createLogger, logFatalErrors } from '@app/logging';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const logger = createLogger('worker');
  logFatalErrors(logger);
  // The SDK's own lines (e.g. a failed activity and its error) go through our serializers and redaction too.
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => logger[level === 'TRACE' ? 'trace' : (level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error')]({ ...meta, sdk: 'temporal' }, message)),
  });
  const config = configOrExit(readWorkerConfig, process.env, (message) => logger.fatal(message));
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, logger), { logger: ['error', 'warn'] });
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  // A plain line whatever LOG_LEVEL says: the launcher waits for it.
  console.log(`worker ready: task queue ${config.temporal.taskQueue}, carriers ${config.carriers.map((c) => c.id).join(', ')}`);
}

main().catch((err) => {
  console.error('worker failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
