// Which carrier comes next, how long to pause before it, and whether a voice call follows.
import { backoffDelayMs } from '../../domain/src/routing/plan-route';
import type { AttemptFailure } from './failures';

export { backoffDelayMs };

/**
 * The next carrier of the plan: the first candidate not tried yet, while fewer than
 * `maxAttempts` attempts were made (undefined: failover is over).
 */
export function nextCarrier(candidates: readonly string[], tried: readonly string[], maxAttempts: number): string | undefined {
  if (tried.length >= maxAttempts) return undefined;
  return candidates.find((c) => !tried.includes(c));
}

/**
 * After every SMS attempt failed, a voice call reads the message out when the rule asks for it,
 * unless the number itself is the problem (a permanent error would fail the call too).
 */
export function wantsVoiceFallback(voiceFallback: boolean, attempts: number, last: AttemptFailure | undefined): boolean {
  return voiceFallback && attempts > 0 && last !== undefined && !last.stop;
}
