import { DEFAULT_CIRCUIT_THRESHOLDS, nextCircuit, CircuitObservation } from './circuit-breaker';

const observe = (over: Partial<CircuitObservation>): CircuitObservation => ({
  state: 'closed',
  stateAgeMs: 0,
  bound: true,
  unboundForMs: 0,
  window: { attempts: 0, failures: 0 },
  sinceChange: { successes: 0, failures: 0 },
  ...over,
});

describe('nextCircuit', () => {
  it('opens on an error spike once the window has enough attempts', () => {
    expect(nextCircuit(observe({ window: { attempts: 4, failures: 4 } }))).toBeNull();
    expect(nextCircuit(observe({ window: { attempts: 10, failures: 4 } }))).toBeNull();
    expect(nextCircuit(observe({ window: { attempts: 6, failures: 3 } }))).toEqual({ state: 'open', reason: '3 of the last 6 attempts failed' });
  });

  it('opens on a bind down for longer than the grace period', () => {
    expect(nextCircuit(observe({ bound: false, unboundForMs: 2_000 }))).toBeNull();
    expect(nextCircuit(observe({ bound: false, unboundForMs: 12_000 }))?.state).toBe('open');
  });

  it('half-opens after the cooldown, only while bound', () => {
    const cooldown = DEFAULT_CIRCUIT_THRESHOLDS.cooldownMs;
    expect(nextCircuit(observe({ state: 'open', stateAgeMs: cooldown - 1 }))).toBeNull();
    expect(nextCircuit(observe({ state: 'open', stateAgeMs: cooldown }))?.state).toBe('half_open');
    expect(nextCircuit(observe({ state: 'open', stateAgeMs: cooldown, bound: false, unboundForMs: 60_000 }))).toBeNull();
  });

  it('closes after enough probe successes and reopens on probe failures', () => {
    expect(nextCircuit(observe({ state: 'half_open', sinceChange: { successes: 2, failures: 1 } }))).toBeNull();
    expect(nextCircuit(observe({ state: 'half_open', sinceChange: { successes: 3, failures: 1 } }))?.state).toBe('closed');
    expect(nextCircuit(observe({ state: 'half_open', sinceChange: { successes: 0, failures: 2 } }))?.state).toBe('open');
  });
});
