// Access to the servers test/global-setup.ts started.
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run integration tests through jest (test/global-setup.ts)');
  return url;
}

export function testTemporalAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set: run integration tests through jest (test/global-setup.ts)');
  return address;
}
