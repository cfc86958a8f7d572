// Tells "PostgreSQL cannot be reached right now" apart from every other database error, so the
// API answers 503 with Retry-After (and callers retry) instead of 500 while it is down or restarting.

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
// SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57P01-57P03 (shutting down, starting up).
const SQLSTATE = /^(08|53|57P0[1-3])/;
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed|Cannot use a pool after calling end/i;

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || SQLSTATE.test(e.code))) return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  return [e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])].some((inner) => isDatabaseUnavailable(inner, depth + 1));
}

/**
 * Runs a write that records something a carrier already has (a submit it accepted), retrying
 * while PostgreSQL is unreachable for up to `budgetMs`: losing that fact would make a retry
 * send the message again. Other errors, and an outage longer than the budget, are thrown.
 */
export async function recordDespiteOutage<T>(write: () => Promise<T>, budgetMs: number, onWait: () => void = () => undefined): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delayMs = 200; ; delayMs = Math.min(delayMs * 2, 2000)) {
    try {
      return await write();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() + delayMs > deadline) throw err;
      onWait();
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
