// Builds the TypeORM DataSource every process uses, and runs migrations at start-up under a
// PostgreSQL advisory lock so the API and the worker starting together never race.
import { DataSource } from 'typeorm';
import type { Kms } from '@app/crypto';
import { attachKeyring, DataKeyring } from './data-keyring';
import { AccountEntity } from './entities/account.entity';
import { ApiKeyEntity } from './entities/api-key.entity';
import { CarrierEntity } from './entities/carrier.entity';
import { MessageAttemptEntity } from './entities/message-attempt.entity';
import { MessageEntity } from './entities/message.entity';
import { InitialSchema1732500000000 } from './migrations/1732500000000-initial-schema';
import { MessageErrorCodes1732600000000 } from './migrations/1732600000000-message-error-codes';
import { RoutingTables1732700000000 } from './migrations/1732700000000-routing-tables';
import { CarrierHealth1732800000000 } from './migrations/1732800000000-carrier-health';
import { MessageChannel1732900000000 } from './migrations/1732900000000-message-channel';
import { CarrierSettings1733000000000 } from './migrations/1733000000000-carrier-settings';
import { SmppGateway1733100000000 } from './migrations/1733100000000-smpp-gateway';
import { MessageBatches1733200000000 } from './migrations/1733200000000-message-batches';
import { BatchBookkeeping1733300000000 } from './migrations/1733300000000-batch-bookkeeping';
import { DeliveryEngine1733400000000 } from './migrations/1733400000000-delivery-engine';
import { AccountLimits1733500000000 } from './migrations/1733500000000-account-limits';
import { SmppHardening1733600000000 } from './migrations/1733600000000-smpp-hardening';
import { TwoWayMessaging1733900000000 } from './migrations/1733900000000-two-way-messaging';
import { ServiceHeartbeats1733700000000 } from './migrations/1733700000000-service-heartbeats';
import { Campaigns1734000000000 } from './migrations/1734000000000-campaigns';
import { ApiKeyLifecycle1734050000000 } from './migrations/1734050000000-api-key-lifecycle';
import { OAuthClientsAndOperators1734070000000 } from './migrations/1734070000000-oauth-clients-and-operators';
import { OptOutCompliance1734100000000 } from './migrations/1734100000000-opt-out-compliance';
import { Senders1734200000000 } from './migrations/1734200000000-senders';
import { WebhookDelivery1734300000000 } from './migrations/1734300000000-webhook-delivery';
import { Verifications1734400000000 } from './migrations/1734400000000-verifications';
import { DataKeys1734500000000 } from './migrations/1734500000000-data-keys';
import { RetentionAndErasure1734700000000 } from './migrations/1734700000000-retention-and-erasure';
import { InPlaceStatusUpdates1734800000000 } from './migrations/1734800000000-in-place-status-updates';
import { OtpPages1734900000000 } from './migrations/1734900000000-otp-pages';
import { EventsFromRows1735000000000 } from './migrations/1735000000000-events-from-rows';

export const ENTITIES = [AccountEntity, ApiKeyEntity, CarrierEntity, MessageEntity, MessageAttemptEntity];
export const MIGRATIONS = [InitialSchema1732500000000, MessageErrorCodes1732600000000, RoutingTables1732700000000, CarrierHealth1732800000000, MessageChannel1732900000000, CarrierSettings1733000000000, SmppGateway1733100000000, MessageBatches1733200000000, BatchBookkeeping1733300000000, DeliveryEngine1733400000000, AccountLimits1733500000000, SmppHardening1733600000000, ServiceHeartbeats1733700000000, TwoWayMessaging1733900000000, Campaigns1734000000000, ApiKeyLifecycle1734050000000, OAuthClientsAndOperators1734070000000, OptOutCompliance1734100000000, Senders1734200000000, WebhookDelivery1734300000000, Verifications1734400000000, DataKeys1734500000000, RetentionAndErasure1734700000000, InPlaceStatusUpdates1734800000000, OtpPages1734900000000, EventsFromRows1735000000000];

const MIGRATION_LOCK_ID = 727_001;

export function createDataSource(databaseUrl: string, { poolSize = 10, applicationName = 'sms-aggregator' } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
    applicationName,
    // Migrations hold an advisory lock on one connection while running on another.
    extra: { max: Math.max(2, poolSize) },
  });
}

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Connects, runs pending migrations, and returns the initialised DataSource. With `kms`, the
 * DataSource gets its keyring (bodies at rest); without one, nothing that reads or writes bodies
 * works on it.
 */
export async function openDatabase(databaseUrl: string, options?: { poolSize?: number; applicationName?: string; kms?: Kms }): Promise<DataSource> {
  const dataSource = createDataSource(databaseUrl, options);
  await dataSource.initialize();
  await runMigrations(dataSource);
  if (options?.kms) attachKeyring(dataSource, await DataKeyring.load(dataSource, options.kms));
  return dataSource;
}
