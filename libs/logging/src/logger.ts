// One logging setup for every process (api, worker, smpp-gateway, launcher, carrier-sim and the
// carrier connectors, which log through the worker's logger): pino with its own `redact` for
// fields that carry personal data or secrets, and serializers that keep errors useful without
// what a driver copies into them (SQL text and parameters: message bodies, numbers, keys).
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options as HttpLogOptions } from 'pino-http';

export const REDACTED = '[redacted]';

/**
 * Field names never written with their value, at the top level and one or two levels down
 * (`{ msg: { to } }`, `{ err: { sms: { body } } }`): bodies, numbers, credentials.
 */
const SENSITIVE_FIELDS = [
  'body',
  'text',
  'shortMessage',
  'short_message',
  'message_payload',
  'to',
  'from',
  'destination',
  'destinationAddr',
  'destination_addr',
  'source_addr',
  'msisdn',
  'phone',
  'phoneNumber',
  'password',
  'apiKey',
  'api_key',
  'secret',
  'token',
  'authorization',
  'cookie',
  'code',
  'otp',
  'credentials',
  'parameters',
  'query',
];

/** pino `redact` paths (fast-redact syntax) for the fields above. */
export const REDACT_PATHS: string[] = SENSITIVE_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]).filter(
  // `code` is a useful field on errors (SQLSTATE, ECONNREFUSED): only redacted where it is an OTP (`otp`, below).
  (p) => !p.endsWith('code'),
);

// A driver's message can quote the value it refused (`invalid input syntax for type uuid: "…"`).
// `…: "value"`, `…: 'value'` and `(column)=(value)` lose the value; identifiers (`relation "messages"`) stay.
const QUOTED_VALUE = /(: )(?:"(?:[^"]|"")*"|'(?:[^']|'')*')|(=\()[^)]*\)/g;
const maskValues = (text: unknown): unknown =>
  typeof text === 'string' ? text.replace(QUOTED_VALUE, (_m, colon?: string, paren?: string) => (colon ? `${colon}${REDACTED}` : `${paren}${REDACTED})`)) : text;

/** An error's message for a log line built as text: values a driver quoted are masked. */
export function errorText(err: unknown): string {
  return String(maskValues(err instanceof Error ? err.message : String(err)));
}

// Properties of driver errors (pg, TypeORM QueryFailedError) that hold SQL text, parameters or row values.
const DRIVER_FIELDS = ['parameters', 'query', 'driverError', 'detail', 'where', 'internalQuery', 'hint', 'sms', 'pdu', 'request', 'response', 'config'];

/** The `err` serializer: pino's standard one, minus what drivers copy from the statement. */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) return err;
  const serialized = (err instanceof Error ? pino.stdSerializers.err(err) : { ...(err as object) }) as Record<string, unknown>;
  const driverError = (err as { driverError?: { code?: unknown } }).driverError;
  for (const field of DRIVER_FIELDS) delete serialized[field];
  if (driverError && typeof driverError === 'object' && serialized.code === undefined && driverError.code !== undefined) serialized.code = driverError.code;
  serialized.message = maskValues(serialized.message);
  serialized.stack = maskValues(serialized.stack);
  if (serialized.cause) serialized.cause = serializeError((err as { cause?: unknown }).cause);
  if (Array.isArray(serialized.errors)) serialized.errors = (err as { errors: unknown[] }).errors.map(serializeError);
  return serialized;
}

export const LOG_SERIALIZERS = { err: serializeError, error: serializeError };

/** Options for any pino logger of ours: redaction and the error serializer always on. */
export function loggerOptions(name: string, level = 'info'): LoggerOptions {
  return { name, level, redact: { paths: REDACT_PATHS, censor: REDACTED }, serializers: LOG_SERIALIZERS };
}

export function createLogger(name: string, level = process.env.LOG_LEVEL || 'info', destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(name, level), destination) : pino(loggerOptions(name, level));
}

/**
 * An error nobody caught ends the process (the launcher or orchestrator restarts it), logged
 * through the serializers above instead of Node's default dump, which prints every property of
 * the error: a driver error's SQL parameters included.
 */
export function logFatalErrors(logger: Logger): void {
  const die = (what: string) => (err: unknown) => {
    logger.fatal({ err }, `${what}: exiting`);
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled promise rejection'));
}

export type RawRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string; originalUrl?: string; id?: unknown };

/** The matched route (`/v1/messages/:id`), else the path without its query string: no ids or numbers from the query in logs. */
export function routeOf(req: RawRequest): string {
  if (req.route?.path) return `${req.baseUrl ?? ''}${req.route.path}`;
  return (req.originalUrl ?? req.url ?? '').split('?')[0];
}

/**
 * pino-http options for the API's request logs: one line per request with method, route,
 * status and duration; no headers (Authorization), no query string, no body.
 */
export function httpLogOptions(name: string, level: string): HttpLogOptions<RawRequest, ServerResponse> & { serializers: Record<string, (value: never) => unknown> } {
  const line = (req: RawRequest, res: ServerResponse, ms: number) => `${req.method} ${routeOf(req)} ${res.statusCode} ${Math.round(ms)}ms`;
  return {
    ...loggerOptions(name, level),
    // Other lines logged during a request carry only its id.
    quietReqLogger: true,
    serializers: {
      ...LOG_SERIALIZERS,
      req: (req: { id?: unknown; method?: string; raw?: RawRequest }) => ({ id: req.id, method: req.method, route: req.raw ? routeOf(req.raw) : undefined }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customSuccessMessage: (req: RawRequest, res: ServerResponse, ms: number) => line(req, res, ms),
    // pino-http passes the response time as a 4th argument here too; its typings omit it.
    customErrorMessage: ((req: RawRequest, res: ServerResponse, _err: Error, ms: number) => line(req, res, ms)) as unknown as (req: RawRequest, res: ServerResponse, err: Error) => string,
    customLogLevel: (_req: RawRequest, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  };
}
