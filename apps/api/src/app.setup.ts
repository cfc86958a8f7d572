// Builds the configured Nest application (pipes, OpenAPI at /docs), shared by main.ts and tests.
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { ApiConfig } from '@app/config';
import { AppModule } from './app.module';
import { ErrorBody } from './common/error-body';
import { jsonBody } from './common/json-body';
import { documentCommonAnswers } from './common/openapi';
import { createValidationPipe } from './common/validation.pipe';

export async function createApiApp(config: ApiConfig): Promise<INestApplication> {
  // Body parsers are ours (common/json-body.ts): Nest's defaults would also parse url-encoded forms.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // A batch of 1,000 long texts needs more room than one message; every other route keeps 64 kB.
  // The same checks (UTF-8, depth, prototype keys) hold for both.
  app.use('/v1/messages/batch', jsonBody('4mb'));
  app.use(jsonBody('64kb'));
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
    { extraModels: [ErrorBody] },
  );
  documentCommonAnswers(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
