// The worker's Nest container: configuration, database, Temporal client, carrier
// connectors, receipt routing and the Temporal worker itself.
import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { WorkerConfig } from '@app/config';
import { BatchRepository, CarrierHealthRepository, ConversationRepository, DispatchRepository, SecretBox, WebhookSecretRepository, StatusCallbackRepository, CarrierPacer, CarrierRepository, InboundRepository, MessageRepository, openDatabase, ReceiptRepository, RoutePlanner, RoutingRepository, HeartbeatRepository, CampaignRepository, PgAudienceCompliance, ComplianceRepository, AutoReplyRepository, AccountRepository, openLimitsPool, UsageCounterRepository, LimitsPool, SenderRepository, VerificationRepository, RetentionRepository, DataSubjectRepository, SubjectHasher } from '@app/db';
import { IntakeLimits, MessageIntake, SenderRules } from '@app/messaging';
import { LocalKms } from '@app/crypto';
import { createNumberLookup, VoiceConnector } from '@app/carriers';
import { Client } from '@temporalio/client';
import { connectTemporal, createTemporalClient, ensureNamespaceRetention, ensureRetentionSchedule, ensureSearchAttributes, startEraseSubject } from '@app/temporal';
import { createMessageActivities } from '../../../activities/messages/message.activities';
import { createBatchActivities } from '../../../activities/batches/batch.activities';
import { createConversationActivities } from '../../../activities/conversations/conversation.activities';
import { createCampaignActivities } from '../../../activities/campaigns/campaign.activities';
import { createVerificationActivities } from '../../../activities/verifications/verification.activities';
import { VerificationCodes } from '@app/messaging';
import { createRetentionActivities } from '../../../activities/retention/retention.activities';
import { CarrierDirectoryService } from './carriers/carrier-directory.service';
import { StatusCallbackSenderService } from './callbacks/status-callback-sender.service';
import { CarrierWebhookService } from './carriers/carrier-webhook.service';
import { ConversationDispatcherService } from './conversations/conversation-dispatcher.service';
import { DispatcherService } from './dispatch/dispatcher.service';
import { HealthMonitorService } from './health/health-monitor.service';
import { WorkerHeartbeatService } from './health/worker-heartbeat.service';
import { ReceiptRouterService } from './receipts/receipt-router.service';
import { MESSAGE_ACTIVITIES, TemporalWorkerService } from './temporal/temporal-worker.service';
import { DATA_SOURCE, LIMITS_POOL, LOGGER, TEMPORAL_CLIENT, TEMPORAL_CONNECTION, WORKER_CONFIG } from './tokens';

@Module({})
export class WorkerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  static forRoot(config: WorkerConfig, logger: Logger): DynamicModule {
    return {
      module: WorkerModule,
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: DATA_SOURCE, useFactory: () => openDatabase(config.databaseUrl, { applicationName: 'sms-worker', poolSize: 20, kms: new LocalKms(config.keks) }) },
        { provide: TEMPORAL_CONNECTION, useFactory: () => connectTemporal(config.temporal) },
        { provide: TEMPORAL_CLIENT, useFactory: (c: Connection) => createTemporalClient(c, config.temporal.namespace, new LocalKms(config.keks)), inject: [TEMPORAL_CONNECTION] },
        { provide: LIMITS_POOL, useFactory: () => openLimitsPool(config.databaseUrl, { applicationName: 'sms-worker-limits' }) },
        { provide: MessageRepository, useFactory: (db: DataSource) => new MessageRepository(db), inject: [DATA_SOURCE] },
        { provide: ComplianceRepository, useFactory: (db: DataSource) => new ComplianceRepository(db, new SubjectHasher(config.secretsKey)), inject: [DATA_SOURCE] },
        {
          // Keyword confirmations and auto-replies are accepted like any message (limits, sender rule,
          // conversation, opt-out check). What an account holds is re-read after a few seconds here
          // (no change listener in the worker; a refusal re-reads it at once anyway).
          provide: MessageIntake,
          useFactory: (messages: MessageRepository, db: DataSource, pool: LimitsPool) =>
            new MessageIntake(
              messages,
              { error: (m) => logger.error(m) },
              new IntakeLimits(new AccountRepository(db), new UsageCounterRepository(pool)),
              new SenderRules(new SenderRepository(db), { ttlMs: 5_000 }),
              { otpWorkflowsPerSecond: config.otpWorkflowsPerSecond },
            ),
          inject: [MessageRepository, DATA_SOURCE, LIMITS_POOL],
        },
        { provide: ReceiptRepository, useFactory: (db: DataSource) => new ReceiptRepository(db), inject: [DATA_SOURCE] },
        { provide: InboundRepository, useFactory: (db: DataSource) => new InboundRepository(db, config.conversations.dedupWindowSeconds), inject: [DATA_SOURCE] },
        { provide: ConversationRepository, useFactory: (db: DataSource) => new ConversationRepository(db), inject: [DATA_SOURCE] },
        { provide: WebhookSecretRepository, useFactory: (db: DataSource) => new WebhookSecretRepository(db, new SecretBox(config.secretsKey)), inject: [DATA_SOURCE] },
        { provide: BatchRepository, useFactory: (db: DataSource) => new BatchRepository(db), inject: [DATA_SOURCE] },
        { provide: DispatchRepository, useFactory: (db: DataSource) => new DispatchRepository(db), inject: [DATA_SOURCE] },
        { provide: CarrierPacer, useFactory: (db: DataSource) => new CarrierPacer(db), inject: [DATA_SOURCE] },
        { provide: StatusCallbackRepository, useFactory: (db: DataSource) => new StatusCallbackRepository(db), inject: [DATA_SOURCE] },
        { provide: RoutingRepository, useFactory: (db: DataSource) => new RoutingRepository(db), inject: [DATA_SOURCE] },
        { provide: CarrierRepository, useFactory: (db: DataSource) => new CarrierRepository(db), inject: [DATA_SOURCE] },
        { provide: CarrierHealthRepository, useFactory: (db: DataSource) => new CarrierHealthRepository(db), inject: [DATA_SOURCE] },
        { provide: HeartbeatRepository, useFactory: (db: DataSource) => new HeartbeatRepository(db), inject: [DATA_SOURCE] },
        {
          provide: RoutePlanner,
          useFactory: (routing: RoutingRepository, carriers: CarrierRepository, health: CarrierHealthRepository) =>
            new RoutePlanner(routing, carriers, health, createNumberLookup(config.numberLookup, (err) => logger.warn({ err: err.message }, 'number lookup failed'))),
          inject: [RoutingRepository, CarrierRepository, CarrierHealthRepository],
        },
        {
          provide: MESSAGE_ACTIVITIES,
          // One worker runs every path: per-message (sendMessage), bulk pages (sendBatch), conversations, campaigns (runCampaign) and verifications (verifyPhone).
          useFactory: (
            messages: MessageRepository,
            receipts: ReceiptRepository,
            carriers: CarrierDirectoryService,
            planner: RoutePlanner,
            batches: BatchRepository,
            pacer: CarrierPacer,
            conversations: ConversationRepository,
            db: DataSource,
            compliance: ComplianceRepository,
            intake: MessageIntake,
          ) => ({
            ...createMessageActivities({
              messages,
              receipts,
              carriers,
              planner,
              pacer,
              compliance,
              voice: config.voiceProviderUrl ? new VoiceConnector({ baseUrl: config.voiceProviderUrl }) : undefined,
            }),
            ...createBatchActivities({ batches, receipts, carriers, planner, pacer, compliance }),
            ...createConversationActivities({ conversations, compliance, autoReplies: new AutoReplyRepository(db), intake }),
            ...createCampaignActivities({ campaigns: new CampaignRepository(db), compliance: new PgAudienceCompliance(db, new SubjectHasher(config.secretsKey)), senders: new SenderRepository(db) }),
            ...createVerificationActivities({ verifications: new VerificationRepository(db), codes: new VerificationCodes(config.secretsKey) }),
            ...createRetentionActivities({ retention: new RetentionRepository(db), subjects: new DataSubjectRepository(db, new SubjectHasher(config.secretsKey)) }),
          }),
          inject: [MessageRepository, ReceiptRepository, CarrierDirectoryService, RoutePlanner, BatchRepository, CarrierPacer, ConversationRepository, DATA_SOURCE, ComplianceRepository, MessageIntake],
        },
        CarrierDirectoryService,
        CarrierWebhookService,
        ReceiptRouterService,
        DispatcherService,
        ConversationDispatcherService,
        StatusCallbackSenderService,
        HealthMonitorService,
        WorkerHeartbeatService,
        TemporalWorkerService,
      ],
    };
  }

  constructor(
    @Inject(TEMPORAL_CONNECTION) private readonly connection: Connection,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(LIMITS_POOL) private readonly limitsPool: LimitsPool,
    private readonly carriers: CarrierDirectoryService,
    private readonly webhook: CarrierWebhookService,
    private readonly routing: RoutingRepository,
    private readonly receipts: ReceiptRouterService,
    private readonly dispatcher: DispatcherService,
    private readonly conversationDispatcher: ConversationDispatcherService,
    private readonly callbackSender: StatusCallbackSenderService,
    private readonly healthMonitor: HealthMonitorService,
    private readonly heartbeat: WorkerHeartbeatService,
    private readonly worker: TemporalWorkerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureSearchAttributes(this.connection, this.config.temporal.namespace);
    // Closed workflows' histories (numbers, URLs) are kept as long as README "Retention and erasure" says.
    if (this.config.retention.namespaceRetentionDays > 0) await ensureNamespaceRetention(this.connection, this.config.temporal.namespace, this.config.retention.namespaceRetentionDays);
    await ensureRetentionSchedule(this.client, { taskQueue: this.config.temporal.taskQueue, everySeconds: this.config.retention.scheduleEverySeconds });
    for (const erasureId of await new DataSubjectRepository(this.db, new SubjectHasher(this.config.secretsKey)).pendingErasureIds()) {
      await startEraseSubject(this.client, this.config.temporal.taskQueue, { erasureId });
    }
    await this.carriers.start();
    await this.webhook.start();
    // First start: a default rule trying the configured carriers in order.
    await this.routing.seedIfEmpty(
      [{ id: 'default', strategy: 'priority', targets: this.config.carriers.map((c) => ({ carrierId: c.id })) }],
      'default rule seeded from CARRIERS at first start',
    );
    await this.worker.start();
    this.receipts.startSweeper();
    await this.dispatcher.start();
    await this.conversationDispatcher.start();
    await this.callbackSender.start();
    this.healthMonitor.start();
    // Last: a worker is reported alive only once it polls its task queues.
    await this.heartbeat.start();
  }

  // Nest calls module hooks after the providers' own: connectors and worker are already closed.
  async onApplicationShutdown(): Promise<void> {
    await this.connection.close().catch(() => undefined);
    await this.limitsPool.end().catch(() => undefined);
    if (this.db.isInitialized) await this.db.destroy();
  }
}
