// The circuit breaker of one carrier, as a pure state machine evaluated every few seconds:
//   closed → open      when, in the recent window, enough attempts failed through the carrier's
//                      fault (permanent errors such as unknown numbers don't count), or its bind
//                      has been down for longer than the grace period;
//   open → half_open   after the cooldown: routing then sends it a share of traffic as probes;
//   half_open → closed after enough probe successes; → open again at the first probe failures.
export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitThresholds {
  /** Failures only count once the window holds this many attempts. */
  minAttempts: number;
  /** Share of failed attempts (0..1) that opens the circuit. */
  failureRate: number;
  cooldownMs: number;
  /** Successful attempts in half-open that close the circuit. */
  probeSuccesses: number;
  /** How long a carrier may be unbound (e.g. reconnecting) before its circuit opens. */
  unboundGraceMs: number;
}

export const DEFAULT_CIRCUIT_THRESHOLDS: CircuitThresholds = { minAttempts: 5, failureRate: 0.5, cooldownMs: 15_000, probeSuccesses: 3, unboundGraceMs: 10_000 };

export interface CircuitObservation {
  state: CircuitState;
  /** Time spent in `state`. */
  stateAgeMs: number;
  bound: boolean;
  /** How long the carrier has been unbound (0 when bound). */
  unboundForMs: number;
  window: { attempts: number; failures: number };
  /** Attempts that finished since the state last changed. */
  sinceChange: { successes: number; failures: number };
}

export function nextCircuit(o: CircuitObservation, t: CircuitThresholds = DEFAULT_CIRCUIT_THRESHOLDS): { state: CircuitState; reason: string } | null {
  const unbound = !o.bound && o.unboundForMs >= t.unboundGraceMs;
  switch (o.state) {
    case 'closed': {
      if (unbound) return { state: 'open', reason: `not bound for ${Math.round(o.unboundForMs / 1000)} s` };
      const { attempts, failures } = o.window;
      if (attempts >= t.minAttempts && failures / attempts >= t.failureRate) {
        return { state: 'open', reason: `${failures} of the last ${attempts} attempts failed` };
      }
      return null;
    }
    case 'open':
      if (o.stateAgeMs >= t.cooldownMs && o.bound) return { state: 'half_open', reason: `probing after ${Math.round(t.cooldownMs / 1000)} s cooldown` };
      return null;
    case 'half_open':
      if (unbound || o.sinceChange.failures >= 2) return { state: 'open', reason: unbound ? 'not bound while probing' : `${o.sinceChange.failures} probe attempts failed` };
      if (o.sinceChange.successes >= t.probeSuccesses) return { state: 'closed', reason: `${o.sinceChange.successes} probe attempts succeeded` };
      return null;
  }
}
