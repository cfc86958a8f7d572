// A real API for integration specs: the Nest app as main.ts builds it, listening on a free
// loopback port, against the run's PostgreSQL and Temporal (or what `overrides` name).
import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { ApiConfig } from '@app/config';
import { createApiApp } from '../../apps/api/src/app.setup';
import { testDatabaseUrl, testKeks, testTemporalAddress } from './env';

export async function startApiApp(overrides: Partial<ApiConfig> = {}): Promise<{ app: INestApplication; baseUrl: string }> {
  const app = await createApiApp({
    databaseUrl: testDatabaseUrl(),
    temporal: { address: testTemporalAddress(), namespace: 'default', taskQueue: `api-int-${randomUUID()}` },
    logLevel: 'silent',
    numberLookup: {},
    secretsKey: randomBytes(32).toString('base64'),
    keks: testKeks(),
    codecCorsOrigins: [],
    egressAllowHosts: [],
    // Suites share one database: the deployment-wide OTP count would mix theirs (test/support/stack.ts).
    otpWorkflowsPerSecond: 1_000_000,
    host: '127.0.0.1',
    port: 0,
    ...overrides,
  });
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
