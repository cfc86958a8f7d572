// The API's Nest container.
import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { Connection } from '@temporalio/client';
import { LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { ApiConfig } from '@app/config';
import { AccountRepository, CampaignRepository, CarrierHealthRepository, CarrierRepository, InboundRepository, MessageRepository, openDatabase, PgAudienceCompliance, RoutePlanner, RoutingRepository, SmppCredentialRepository } from '@app/db';
import { createNumberLookup } from '@app/carriers';
import { connectTemporal, createTemporalClient } from '@app/temporal';
import { Client } from '@temporalio/client';
import { Logger } from '@nestjs/common';
import { EgressPolicy } from '@app/egress';
import { MessageCancel, MessageIntake } from '@app/messaging';
import { AccountController } from './account/account.controller';
import { AccountService } from './account/account.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CampaignsService } from './campaigns/campaigns.service';
import { CarriersController } from './carriers/carriers.controller';
import { CarriersService } from './carriers/carriers.service';
import { RoutesController } from './routes/routes.controller';
import { RoutesService } from './routes/routes.service';
import { ErrorFilter } from './common/error.filter';
import { JsonContentTypeMiddleware } from './common/json-content-type.middleware';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';
import { NumbersController } from './numbers/numbers.controller';
import { NumbersService } from './numbers/numbers.service';
import { SmppCredentialsController } from './smpp-credentials/smpp-credentials.controller';
import { SmppCredentialsService } from './smpp-credentials/smpp-credentials.service';
import { API_CONFIG, DATA_SOURCE, TEMPORAL_CLIENT, TEMPORAL_CONNECTION } from './tokens';

@Module({})
export class AppModule implements NestModule, OnApplicationShutdown {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            name: 'api',
            level: config.logLevel,
            // API keys must never reach the logs.
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
            autoLogging: { ignore: (req) => req.url === '/health' },
          },
        }),
      ],
      controllers: [MessagesController, CarriersController, RoutesController, SmppCredentialsController, NumbersController, AccountController, HealthController, CampaignsController],
      providers: [
        { provide: API_CONFIG, useValue: config },
        { provide: DATA_SOURCE, useFactory: () => openDatabase(config.databaseUrl, { applicationName: 'sms-api', poolSize: 20 }) },
        { provide: TEMPORAL_CONNECTION, useFactory: () => connectTemporal(config.temporal.address) },
        { provide: TEMPORAL_CLIENT, useFactory: (c: Connection) => createTemporalClient(c, config.temporal.namespace), inject: [TEMPORAL_CONNECTION] },
        { provide: MessageRepository, useFactory: (db: DataSource) => new MessageRepository(db), inject: [DATA_SOURCE] },
        { provide: AccountRepository, useFactory: (db: DataSource) => new AccountRepository(db), inject: [DATA_SOURCE] },
        { provide: CarrierRepository, useFactory: (db: DataSource) => new CarrierRepository(db), inject: [DATA_SOURCE] },
        { provide: RoutingRepository, useFactory: (db: DataSource) => new RoutingRepository(db), inject: [DATA_SOURCE] },
        { provide: CarrierHealthRepository, useFactory: (db: DataSource) => new CarrierHealthRepository(db), inject: [DATA_SOURCE] },
        { provide: SmppCredentialRepository, useFactory: (db: DataSource) => new SmppCredentialRepository(db), inject: [DATA_SOURCE] },
        { provide: InboundRepository, useFactory: (db: DataSource) => new InboundRepository(db), inject: [DATA_SOURCE] },
        { provide: CampaignRepository, useFactory: (db: DataSource) => new CampaignRepository(db), inject: [DATA_SOURCE] },
        { provide: PgAudienceCompliance, useFactory: (db: DataSource) => new PgAudienceCompliance(db), inject: [DATA_SOURCE] },
        {
          provide: RoutePlanner,
          useFactory: (routing: RoutingRepository, carriers: CarrierRepository, health: CarrierHealthRepository) =>
            new RoutePlanner(routing, carriers, health, createNumberLookup(config.numberLookup)),
          inject: [RoutingRepository, CarrierRepository, CarrierHealthRepository],
        },
        {
          provide: MessageIntake,
          useFactory: (messages: MessageRepository) => new MessageIntake(messages, new Logger(MessageIntake.name)),
          inject: [MessageRepository],
        },
        { provide: MessageCancel, useFactory: (messages: MessageRepository, client: Client) => new MessageCancel(messages, client), inject: [MessageRepository, TEMPORAL_CLIENT] },
        { provide: EgressPolicy, useValue: new EgressPolicy(config.egressAllowHosts) },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
        MessagesService,
        CarriersService,
        RoutesService,
        SmppCredentialsService,
        NumbersService,
        AccountService,
        HealthService,
        CampaignsService,
      ],
    };
  }

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TEMPORAL_CONNECTION) private readonly connection: Connection,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonContentTypeMiddleware).forRoutes('*path');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close().catch(() => undefined);
    if (this.db.isInitialized) await this.db.destroy();
  }
}
