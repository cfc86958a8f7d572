// The one place errors become HTTP answers: `{ "error": { "code", "message", "field"? } }`.
// Domain errors map by class; Nest and body-parser errors by status; anything unexpected is
// logged (through the redacting serializers of libs/logging) and answered 500 without internals;
// PostgreSQL being unreachable is 503 with Retry-After, whatever the route.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, RateLimitedError, UnauthorizedError, UnavailableError, UnprocessableError, ValidationError } from '@app/contracts';
import { isDatabaseUnavailable } from '@app/db';
import { RefusedBody } from './json-body';

/** Seconds a client should wait before retrying a 503: about one restart of a supervised PostgreSQL. */
export const RETRY_AFTER_SECONDS = '5';

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

function statusOf(err: DomainError): number {
  if (err instanceof ValidationError) return HttpStatus.BAD_REQUEST;
  if (err instanceof UnauthorizedError) return HttpStatus.UNAUTHORIZED;
  if (err instanceof ForbiddenError) return HttpStatus.FORBIDDEN;
  if (err instanceof NotFoundError) return HttpStatus.NOT_FOUND;
  if (err instanceof ConflictError) return HttpStatus.CONFLICT;
  if (err instanceof UnavailableError) return HttpStatus.SERVICE_UNAVAILABLE;
  if (err instanceof RateLimitedError) return HttpStatus.TOO_MANY_REQUESTS;
  if (err instanceof UnprocessableError) return HttpStatus.UNPROCESSABLE_ENTITY;
  return HttpStatus.UNPROCESSABLE_ENTITY;
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body, headers } = this.toAnswer(exception);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).json(body);
  }

  private toAnswer(exception: unknown): { status: number; body: { error: { code: string; message: string; field?: string } }; headers: Record<string, string> } {
    // Refused by our body parser (json-body.ts): its own status, code and field.
    const refused = exception instanceof HttpException ? exception.cause : exception;
    if (refused instanceof RefusedBody) {
      return { status: refused.status, body: { error: { code: refused.code, message: refused.message, ...(refused.field ? { field: refused.field } : {}) } }, headers: {} };
    }
    if (exception instanceof DomainError) {
      const headers: Record<string, string> =
        exception instanceof UnauthorizedError
          ? { 'www-authenticate': 'Bearer' }
          : exception instanceof UnavailableError
            ? { 'retry-after': RETRY_AFTER_SECONDS }
            : exception instanceof RateLimitedError
              ? { 'retry-after': String(exception.retryAfterSeconds) }
              : {};
      return { status: statusOf(exception), body: { error: { code: exception.code, message: exception.message, ...(exception.field ? { field: exception.field } : {}) } }, headers };
    }
    // body-parser errors (malformed JSON, too large, bad charset) carry a type; Nest wraps them
    // in an HttpException whose cause is the original error.
    const parserError = ((exception instanceof HttpException ? exception.cause : exception) ?? {}) as { status?: number; type?: string; message?: string };
    if (parserError.type === 'entity.parse.failed') {
      return { status: 400, body: { error: { code: 'invalid_json', message: 'The request body is not valid JSON' } }, headers: {} };
    }
    if (typeof parserError.type === 'string' && typeof parserError.status === 'number' && parserError.status < 500) {
      return { status: parserError.status, body: { error: { code: STATUS_CODES[parserError.status] ?? 'bad_request', message: parserError.message ?? 'Bad request' } }, headers: {} };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
      if (status >= 500) this.logger.error(exception);
      return { status, body: { error: { code: STATUS_CODES[status] ?? 'error', message } }, headers: {} };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ err: exception }, 'PostgreSQL unreachable: answered 503');
      return { status: 503, body: { error: { code: 'database_unavailable', message: 'The database is unreachable; retry shortly' } }, headers: { 'retry-after': RETRY_AFTER_SECONDS } };
    }
    this.logger.error(exception instanceof Error ? exception : { err: exception });
    return { status: 500, body: { error: { code: 'internal_error', message: 'Internal error' } }, headers: {} };
  }
}
