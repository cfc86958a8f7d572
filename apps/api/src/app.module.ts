// The API's Nest container.
import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { Connection } from '@temporalio/client';
import { LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { ApiConfig } from '@app/config';
import { AccountRepository, CarrierHealthRepository, CarrierRepository, ConversationRepository, InboundRepository, SecretBox, WebhookSecretRepository, MessageRepository, openDatabase, RoutePlanner, RoutingRepository, SmppCredentialRepository, LimitsPool, openLimitsPool, UsageCounterRepository, HeartbeatRepository, CampaignRepository, PgAudienceCompliance, AuditRepository, OAuthClientRepository, OperatorRepository, WebhookLogRepository, ComplianceRepository, AutoReplyRepository, SenderRepository, NotificationListener, VerificationRepository, RetentionRepository, DataSubjectRepository, SubjectHasher } from '@app/db';
import { CodecController } from './codec/codec.controller';
import { CodecService } from './codec/codec.service';
import { LocalKms } from '@app/crypto';
import { createNumberLookup } from '@app/carriers';
import { connectTemporal, createTemporalClient } from '@app/temporal';
import { Client } from '@temporalio/client';
import { Logger } from '@nestjs/common';
import { EgressPolicy } from '@app/egress';
import { IntakeLimits, listenForSenderChanges, MessageCancel, MessageIntake, SenderRules } from '@app/messaging';
import { httpLogOptions } from '@app/logging';
import { AccountController } from './account/account.controller';
import { AccountService } from './account/account.service';
import { WebhooksController } from './account/webhooks.controller';
import { WebhooksService } from './account/webhooks.service';
import { WebhookDeliveriesController } from './webhooks/webhook-deliveries.controller';
import { WebhookDeliveriesService } from './webhooks/webhook-deliveries.service';
import { AccountComplianceController, ComplianceController } from './compliance/compliance.controller';
import { ComplianceService } from './compliance/compliance.service';
import { ConversationsController, MessageListController } from './conversations/conversations.controller';
import { ConversationsService } from './conversations/conversations.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyCache } from './auth/api-key-cache';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { KeysController } from './keys/keys.controller';
import { AccessTokens } from './auth/access-tokens';
import { Credentials } from './auth/credentials';
import { OAuthClientsController } from './oauth/oauth-clients.controller';
import { TokenController } from './oauth/token.controller';
import { OperatorAuthController } from './operators/operator-auth.controller';
import { OperatorsController } from './operators/operators.controller';
import { KeysService } from './keys/keys.service';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CampaignsService } from './campaigns/campaigns.service';
import { CarriersController } from './carriers/carriers.controller';
import { CarriersService } from './carriers/carriers.service';
import { RoutesController } from './routes/routes.controller';
import { RoutesService } from './routes/routes.service';
import { ErrorFilter } from './common/error.filter';
import { AccountPrivacyController, OperatorPrivacyController } from './privacy/privacy.controller';
import { PrivacyService } from './privacy/privacy.service';
import { JsonContentTypeMiddleware } from './common/json-content-type.middleware';
import { HealthController } from './health/health.controller';
import { AccountLimitsController, OperatorLimitsController } from './limits/limits.controller';
import { LimitsService } from './limits/limits.service';
import { RequestLimits } from './limits/request-limits';
import { HealthService } from './health/health.service';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';
import { NumbersController } from './numbers/numbers.controller';
import { NumbersService } from './numbers/numbers.service';
import { OperatorSenderIdsController, SenderPoolsController, SendersController } from './senders/senders.controller';
import { SendersService } from './senders/senders.service';
import { SmppAccountLimitsController } from './smpp-credentials/smpp-account-limits.controller';
import { SmppCredentialsController } from './smpp-credentials/smpp-credentials.controller';
import { SmppCredentialsService } from './smpp-credentials/smpp-credentials.service';
import { API_CONFIG, DATA_SOURCE, LIMITS_POOL, SENDERS_LISTENER, TEMPORAL_CLIENT, TEMPORAL_CONNECTION } from './tokens';

/** How long a replica reuses an authenticated key without hearing of a change to it (changes are announced at once). */
const API_KEY_CACHE_MS = 30_000;
import { VerificationsController, VerifySettingsController } from './verifications/verifications.controller';
import { VerificationsService } from './verifications/verifications.service';

@Module({})
export class AppModule implements NestModule, OnApplicationShutdown {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          // Method, route, status and duration per request; no headers, bodies or numbers (libs/logging).
          pinoHttp: { ...httpLogOptions('api', config.logLevel), autoLogging: { ignore: (req) => req.url === '/health' } },
        }),
      ],
      controllers: [MessageListController, MessagesController, ConversationsController, WebhooksController, CarriersController, RoutesController, SmppCredentialsController, SmppAccountLimitsController, NumbersController, AccountController, AccountLimitsController, OperatorLimitsController, HealthController, CampaignsController, KeysController, AuditController, TokenController, OAuthClientsController, OperatorAuthController, OperatorsController, WebhookDeliveriesController, ComplianceController, AccountComplianceController, SendersController, SenderPoolsController, OperatorSenderIdsController, VerificationsController, VerifySettingsController, CodecController, AccountPrivacyController, OperatorPrivacyController],
      providers: [
        { provide: API_CONFIG, useValue: config },
        CodecService,
        { provide: DATA_SOURCE, useFactory: () => openDatabase(config.databaseUrl, { applicationName: 'sms-api', poolSize: 20, kms: new LocalKms(config.keks) }) },
        { provide: LIMITS_POOL, useFactory: () => openLimitsPool(config.databaseUrl, { applicationName: 'sms-api-limits' }) },
        { provide: TEMPORAL_CONNECTION, useFactory: () => connectTemporal(config.temporal) },
        { provide: TEMPORAL_CLIENT, useFactory: (c: Connection) => createTemporalClient(c, config.temporal.namespace, new LocalKms(config.keks)), inject: [TEMPORAL_CONNECTION] },
        { provide: MessageRepository, useFactory: (db: DataSource) => new MessageRepository(db), inject: [DATA_SOURCE] },
        { provide: AccountRepository, useFactory: (db: DataSource) => new AccountRepository(db), inject: [DATA_SOURCE] },
        { provide: CarrierRepository, useFactory: (db: DataSource) => new CarrierRepository(db), inject: [DATA_SOURCE] },
        { provide: RoutingRepository, useFactory: (db: DataSource) => new RoutingRepository(db), inject: [DATA_SOURCE] },
        { provide: CarrierHealthRepository, useFactory: (db: DataSource) => new CarrierHealthRepository(db), inject: [DATA_SOURCE] },
        { provide: SmppCredentialRepository, useFactory: (db: DataSource) => new SmppCredentialRepository(db), inject: [DATA_SOURCE] },
        { provide: InboundRepository, useFactory: (db: DataSource) => new InboundRepository(db), inject: [DATA_SOURCE] },
        { provide: ConversationRepository, useFactory: (db: DataSource) => new ConversationRepository(db), inject: [DATA_SOURCE] },
        { provide: WebhookLogRepository, useFactory: (db: DataSource) => new WebhookLogRepository(db), inject: [DATA_SOURCE] },
        { provide: WebhookSecretRepository, useFactory: (db: DataSource) => new WebhookSecretRepository(db, new SecretBox(config.secretsKey)), inject: [DATA_SOURCE] },
        { provide: HeartbeatRepository, useFactory: (db: DataSource) => new HeartbeatRepository(db), inject: [DATA_SOURCE] },
        { provide: CampaignRepository, useFactory: (db: DataSource) => new CampaignRepository(db), inject: [DATA_SOURCE] },
        { provide: AuditRepository, useFactory: (db: DataSource) => new AuditRepository(db), inject: [DATA_SOURCE] },
        { provide: VerificationRepository, useFactory: (db: DataSource) => new VerificationRepository(db), inject: [DATA_SOURCE] },
        { provide: PgAudienceCompliance, useFactory: (db: DataSource) => new PgAudienceCompliance(db, new SubjectHasher(config.secretsKey)), inject: [DATA_SOURCE] },
        { provide: ComplianceRepository, useFactory: (db: DataSource) => new ComplianceRepository(db, new SubjectHasher(config.secretsKey)), inject: [DATA_SOURCE] },
        { provide: AutoReplyRepository, useFactory: (db: DataSource) => new AutoReplyRepository(db), inject: [DATA_SOURCE] },
        { provide: RetentionRepository, useFactory: (db: DataSource) => new RetentionRepository(db), inject: [DATA_SOURCE] },
        { provide: DataSubjectRepository, useFactory: (db: DataSource) => new DataSubjectRepository(db, new SubjectHasher(config.secretsKey)), inject: [DATA_SOURCE] },
        {
          provide: RoutePlanner,
          useFactory: (routing: RoutingRepository, carriers: CarrierRepository, health: CarrierHealthRepository) =>
            new RoutePlanner(routing, carriers, health, createNumberLookup(config.numberLookup)),
          inject: [RoutingRepository, CarrierRepository, CarrierHealthRepository],
        },
        { provide: SenderRepository, useFactory: (db: DataSource) => new SenderRepository(db), inject: [DATA_SOURCE] },
        { provide: SenderRules, useFactory: (senders: SenderRepository) => new SenderRules(senders), inject: [SenderRepository] },
        {
          provide: SENDERS_LISTENER,
          useFactory: (rules: SenderRules) => {
            const logger = new Logger(SenderRules.name);
            return listenForSenderChanges(rules, { databaseUrl: config.databaseUrl, applicationName: 'sms-api-senders', onLost: (err) => logger.warn(`sender change notifications lost (${err.message}); reconnecting`) });
          },
          inject: [SenderRules],
        },
        {
          provide: MessageIntake,
          useFactory: (messages: MessageRepository, accounts: AccountRepository, pool: LimitsPool, senders: SenderRules) =>
            new MessageIntake(messages, new Logger(MessageIntake.name), new IntakeLimits(accounts, new UsageCounterRepository(pool)), senders, { otpWorkflowsPerSecond: config.otpWorkflowsPerSecond }),
          inject: [MessageRepository, AccountRepository, LIMITS_POOL, SenderRules],
        },
        {
          provide: ApiKeyCache,
          useFactory: async (accounts: AccountRepository) => {
            const cache = new ApiKeyCache(accounts, { ttlMs: API_KEY_CACHE_MS });
            const log = new Logger(ApiKeyCache.name);
            await cache.listen(config, (err) => log.warn(`API key change listener lost (${err.message}); keys are read on every request until it is back`));
            return cache;
          },
          inject: [AccountRepository],
        },
        { provide: AccessTokens, useValue: new AccessTokens(config.secretsKey) },
        { provide: OAuthClientRepository, useFactory: (db: DataSource) => new OAuthClientRepository(db), inject: [DATA_SOURCE] },
        { provide: OperatorRepository, useFactory: (db: DataSource) => new OperatorRepository(db, new SecretBox(config.secretsKey)), inject: [DATA_SOURCE] },
        {
          provide: Credentials,
          useFactory: (keys: ApiKeyCache, tokens: AccessTokens, clients: OAuthClientRepository, operators: OperatorRepository) => new Credentials(keys, tokens, clients, operators),
          inject: [ApiKeyCache, AccessTokens, OAuthClientRepository, OperatorRepository],
        },
        { provide: RequestLimits, useFactory: (pool: LimitsPool) => new RequestLimits(pool), inject: [LIMITS_POOL] },
        { provide: MessageCancel, useFactory: (messages: MessageRepository, client: Client) => new MessageCancel(messages, client), inject: [MessageRepository, TEMPORAL_CLIENT] },
        { provide: EgressPolicy, useValue: new EgressPolicy(config.egressAllowHosts) },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
        MessagesService,
        CarriersService,
        RoutesService,
        SmppCredentialsService,
        NumbersService,
        SendersService,
        AccountService,
        WebhooksService,
        WebhookDeliveriesService,
        ConversationsService,
        LimitsService,
        HealthService,
        CampaignsService,
        KeysService,
        AuditService,
        ComplianceService,
        VerificationsService,
        PrivacyService,
      ],
    };
  }

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TEMPORAL_CONNECTION) private readonly connection: Connection,
    @Inject(LIMITS_POOL) private readonly limitsPool: LimitsPool,
    private readonly keys: ApiKeyCache,
    @Inject(SENDERS_LISTENER) private readonly sendersListener: NotificationListener,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonContentTypeMiddleware).forRoutes('*path');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close().catch(() => undefined);
    await this.keys.close().catch(() => undefined);
    await this.sendersListener.close();
    await this.limitsPool.end().catch(() => undefined);
    if (this.db.isInitialized) await this.db.destroy();
  }
}
