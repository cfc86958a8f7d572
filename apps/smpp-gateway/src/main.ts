// smpp-gateway process: the SMPP 3.4 server customers bind to (see README "Sending over SMPP").
import os from 'node:os';
import { createLogger, logFatalErrors } from '@app/logging';
import { configOrExit, readSmppGatewayConfig } from '@app/config';
import { AccountRepository, MessageRepository, openDatabase, SmppCredentialRepository, SmppDeliveryRepository, SmppGatewayStateRepository, SmppMultipartRepository, openLimitsPool, UsageCounterRepository, HeartbeatRepository, HeartbeatWriter, SenderRepository } from '@app/db';
import { LocalKms } from '@app/crypto';
import { IntakeLimits, listenForSenderChanges, MessageCancel, MessageIntake, SenderRules } from '@app/messaging';
import { connectTemporal, createTemporalClient } from '@app/temporal';
import { DeliveryDispatcher } from './deliveries/delivery-dispatcher';
import { SmppGateway } from './gateway';
import { AccountLimitsCache } from './session/account-limits';
import { BindPolicy } from './session/bind-policy';
import { SubmitHandler } from './submits/submit-handler';
import { SubmitTokens } from './submits/submit-tokens';

const SETTINGS_TTL_MS = 10_000;

async function main(): Promise<void> {
  const logger = createLogger('smpp-gateway');
  logFatalErrors(logger);
  const config = configOrExit(readSmppGatewayConfig, process.env, (message) => logger.fatal(message));
  const kms = new LocalKms(config.keks);
  const db = await openDatabase(config.databaseUrl, { applicationName: 'sms-smpp-gateway', poolSize: 20, kms });
  const connection = await connectTemporal(config.temporal);
  const temporal = createTemporalClient(connection, config.temporal.namespace, kms);
  const messages = new MessageRepository(db);
  const accounts = new AccountRepository(db);
  const multipart = new SmppMultipartRepository(db);
  const credentials = new SmppCredentialRepository(db);
  const state = new SmppGatewayStateRepository(db);
  const accountLimits = new AccountLimitsCache(credentials);
  const limitsPool = openLimitsPool(config.databaseUrl, { applicationName: 'sms-smpp-gateway-limits' });
  // What each account may send from, cached and kept current by the account_senders notifications.
  const senders = new SenderRules(new SenderRepository(db));
  const sendersListener = await listenForSenderChanges(senders, {
    databaseUrl: config.databaseUrl,
    applicationName: 'sms-smpp-gateway-senders',
    onLost: (err) => logger.warn({ err: err.message }, 'sender change notifications lost; reconnecting'),
  });

  // The account's smart-encoding setting, read at most every few seconds per account.
  const settings = new Map<string, { smartEncoding: boolean; at: number }>();
  const smartEncodingOf = async (accountId: string) => {
    const cached = settings.get(accountId);
    if (cached && Date.now() - cached.at < SETTINGS_TTL_MS) return cached.smartEncoding;
    const smartEncoding = (await accounts.settings(accountId))?.smartEncoding ?? false;
    settings.set(accountId, { smartEncoding, at: Date.now() });
    return smartEncoding;
  };

  const gateway = new SmppGateway({
    config,
    logger,
    bindPolicy: new BindPolicy(credentials, state, config),
    multipart,
    credentials,
    state,
    accountLimits,
    submits: new SubmitHandler({
      intake: new MessageIntake(messages, { error: (m) => logger.error(m) }, new IntakeLimits(accounts, new UsageCounterRepository(limitsPool)), senders, { otpWorkflowsPerSecond: config.otpWorkflowsPerSecond }),
      canceller: new MessageCancel(messages, temporal),
      messages,
      multipart,
      smartEncodingOf,
      accountLimitsOf: (accountId) => accountLimits.get(accountId),
      tokens: new SubmitTokens(state),
      delivery: config.delivery,
      logger,
    }),
    createDispatcher: (sessions) =>
      new DeliveryDispatcher({ ...sessions, deliveries: new SmppDeliveryRepository(db), databaseUrl: config.databaseUrl, deliverWindow: config.deliverWindow, logger }),
  });
  const address = await gateway.listen();
  // GET /health counts this gateway live while its heartbeat row is fresh.
  const heartbeat = new HeartbeatWriter(new HeartbeatRepository(db), {
    kind: 'smpp-gateway',
    taskQueue: config.temporal.taskQueue,
    intervalMs: config.heartbeatMs,
    host: os.hostname(),
    onFailure: (err) => logger.warn({ err }, 'gateway heartbeat not recorded; /health shows this gateway down until it is'),
    onRecovery: () => logger.info('gateway heartbeat recorded again'),
  });
  await heartbeat.start();
  // The launcher waits for this line.
  const tls = gateway.tlsAddress();
  console.log(`smpp-gateway ready: listening on ${address.address}:${address.port}${tls ? `, TLS on ${tls.address}:${tls.port}` : ''}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await heartbeat.stop();
    await gateway.close().catch((err: unknown) => logger.error({ err }, 'close failed'));
    await connection.close().catch(() => undefined);
    await sendersListener.close();
    await limitsPool.end().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`smpp-gateway failed to start: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
