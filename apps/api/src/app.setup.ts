// Builds the configured Nest application (pipes, OpenAPI at /docs), shared by main.ts and tests.
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { ApiConfig } from '@app/config';
import { AppModule } from './app.module';
import { createValidationPipe } from './common/validation.pipe';

export async function createApiApp(config: ApiConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // A batch of 1,000 long texts needs more room than one message; every other route keeps 64 kB.
  app.use('/v1/messages/batch', json({ limit: '4mb' }));
  app.use('/v1/campaigns/:id/recipients', json({ limit: '4mb' }));
  app.useBodyParser('json', { limit: '64kb' });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('SMS aggregator API')
      .setDescription('Send SMS through durable Temporal workflows: routing, carrier failover, delivery receipts and status callbacks.')
      .setVersion('v1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (sk_...)' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
