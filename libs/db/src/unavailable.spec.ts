import { isDatabaseUnavailable, recordDespiteOutage } from './unavailable';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('isDatabaseUnavailable', () => {
  it('tells an unreachable or restarting server from other database errors', () => {
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable({ driverError: { code: '57P01' } })).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable({ code: '23505', message: 'duplicate key value' })).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('recordDespiteOutage', () => {
  it('retries a write while the database is away and returns its result once it is back', async () => {
    let calls = 0;
    let waits = 0;
    const result = await recordDespiteOutage(
      async () => {
        calls += 1;
        if (calls < 3) throw refused;
        return 'recorded';
      },
      5_000,
      () => (waits += 1),
    );
    expect([result, calls, waits]).toEqual(['recorded', 3, 2]);
  });

  it('throws other errors at once', async () => {
    let calls = 0;
    const bug = new Error('column "x" does not exist');
    await expect(
      recordDespiteOutage(async () => {
        calls += 1;
        throw bug;
      }, 5_000),
    ).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it('gives up when the outage outlasts the budget', async () => {
    let calls = 0;
    await expect(
      recordDespiteOutage(async () => {
        calls += 1;
        throw refused;
      }, 500),
    ).rejects.toBe(refused);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(3);
  });
});
