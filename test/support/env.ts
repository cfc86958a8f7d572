// Access to the servers test/global-setup.ts started.
import { readEncryptionKeks } from '@app/config';
import { LocalKms } from '@app/crypto';

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run integration tests through jest (test/global-setup.ts)');
  return url;
}

/** The SECRETS_KEY every test stack of the run shares (what one stack seals in the shared database, the next opens). */
export function testSecretsKey(): string {
  const key = process.env.TEST_SECRETS_KEY;
  if (!key) throw new Error('TEST_SECRETS_KEY is not set: run integration tests through jest (test/global-setup.ts)');
  return key;
}

export function testTemporalAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set: run integration tests through jest (test/global-setup.ts)');
  return address;
}

/** The KEKs of the run's stacks (derived from the shared SECRETS_KEY, as ENCRYPTION_KEKS unset does). */
export function testKeks(): [string, Buffer][] {
  return readEncryptionKeks({}, testSecretsKey());
}

/** What a test's own database connection needs to read and write bodies (sealed at rest). */
export function testKms(): LocalKms {
  return new LocalKms(testKeks());
}
