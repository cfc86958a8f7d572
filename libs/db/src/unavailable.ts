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
