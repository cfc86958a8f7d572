// Builds the configured Nest application (pipes, OpenAPI at /docs), shared by main.ts and tests.
import type { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { urlencoded } from 'express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { ApiConfig } from '@app/config';
import { AppModule } from './app.module';
import { ErrorBody } from './common/error-body';
import { jsonBody } from './common/json-body';
import { documentCommonAnswers } from './common/openapi';
import { createValidationPipe } from './common/validation.pipe';
import { codecMiddleware } from './codec/codec.middleware';

/** How long the API keeps an idle keep-alive connection open. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export async function createApiApp(config: ApiConfig): Promise<INestApplication> {
  // Body parsers are ours (common/json-body.ts): Nest's defaults would also parse url-encoded forms.
  // With API_TLS_CERT_FILE / API_TLS_KEY_FILE the one listener speaks HTTPS only.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
    ...(config.tls ? { httpsOptions: { cert: config.tls.cert, key: config.tls.key } } : {}),
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // An idle keep-alive connection stays open longer than clients and load balancers keep theirs
  // (60 s is common): Node's 5 s default closed connections clients were about to reuse, and
  // such a request got a reset, not an answer.
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  // A batch of 1,000 long texts needs more room than one message; every other route keeps 64 kB.
  // The same checks (UTF-8, depth, prototype keys) hold for both.
  app.use('/v1/messages/batch', jsonBody('4mb'));
  app.use('/v1/campaigns/:id/recipients', jsonBody('4mb'));
  // The OAuth2 token endpoint takes the form encoding RFC 6749 asks for (and JSON).
  app.use('/oauth/token', urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }));
  // The Temporal Web UI decodes histories here: CORS for its origin, its session cookie, payloads of a whole history.
  app.use('/v1/codec', codecMiddleware(config.codecCorsOrigins));
  app.use('/v1/codec', jsonBody('4mb'));
  app.use(jsonBody('64kb'));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('SMS aggregator API')
      .setDescription('Send SMS through durable Temporal workflows: routing, carrier failover, delivery receipts and status callbacks.')
      .setVersion('v1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (sk_...), or an access token from POST /oauth/token or /v1/operator-auth/token' })
      .build(),
    { extraModels: [ErrorBody] },
  );
  documentCommonAnswers(document);
  documentRequestLimits(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

const RATE_LIMITED =
  'Over the account\'s or API key\'s request rate (rate_limited), or too many invalid keys from this address (too_many_failed_authentications). ' +
  'Retry-After says when to retry; every authenticated answer carries RateLimit-Policy and RateLimit headers (IETF draft).';

/** Every authenticated operation may answer 429 (the guard's request limits): said once here rather than on each controller. */
function documentRequestLimits(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      if (!operation?.security?.length || operation.responses['429']) continue;
      operation.responses['429'] = {
        description: RATE_LIMITED,
        headers: {
          'Retry-After': { description: 'Seconds until the refused request may be sent again', schema: { type: 'integer' } },
          RateLimit: { description: 'Requests left and seconds to the next window, per policy: "account";r=0;t=1, "key";r=0;t=1', schema: { type: 'string' } },
          'RateLimit-Policy': { description: 'The limits: "account";q=100;w=1, "key";q=50;w=1', schema: { type: 'string' } },
        },
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
      };
    }
  }
}
