// Small readers for environment variables. Each validates one value and, when it is bad,
// throws ConfigError naming the variable, so start-up stops with a message a person can act on.

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function readString(env: Env, name: string, fallback?: string): string {
  const value = env[name]?.trim();
  if (value) return value;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(name, 'is required');
}

export function readOptionalString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function readInt(env: Env, name: string, fallback: number, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function readPort(env: Env, name: string, fallback: number): number {
  return readInt(env, name, fallback, { min: 0, max: 65535 });
}

export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function readUrl(env: Env, name: string, protocols: readonly string[], fallback?: string): string {
  const raw = readString(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
  return raw;
}

/** host:port, as Temporal expects its address. */
export function readHostPort(env: Env, name: string): string {
  const raw = readString(env, name);
  if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(raw)) throw new ConfigError(name, `must be host:port, got "${raw}"`);
  return raw;
}

export function readJson<T>(env: Env, name: string, fallback: T, validate: (value: unknown) => T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(name, `must be valid JSON (${(err as Error).message})`);
  }
  try {
    return validate(parsed);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(name, (err as Error).message);
  }
}

/**
 * Reads a process's configuration at start-up; on a bad setting prints the message naming the
 * variable and exits with EX_CONFIG (78), so no process starts half-configured.
 */
export function configOrExit<T>(read: (env: Env) => T, env: Env = process.env, report: (message: string) => void = (m) => console.error(m)): T {
  try {
    return read(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    report(err.message);
    process.exit(78);
  }
}
