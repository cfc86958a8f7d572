// Domain errors thrown by services and activities. One Nest exception filter maps them to
// HTTP; activity failures carry these names as ApplicationFailure types.

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input from a client (HTTP 400/422). `field` names the offending field. */
export class ValidationError extends DomainError {
  constructor(code: string, message: string, field?: string) {
    super(code, message, field);
  }
}
export class UnauthorizedError extends DomainError {}
/** Authenticated, but the key lacks the scope this needs (HTTP 403). */
export class ForbiddenError extends DomainError {}
export class NotFoundError extends DomainError {}
export class ConflictError extends DomainError {}
/** Well-formed, but cannot be done (HTTP 422), e.g. no route for a destination. */
export class UnprocessableError extends DomainError {}
/** Over a rate limit, quota or velocity limit: HTTP 429 with Retry-After (SMPP: ESME_RTHROTTLED). */
export class RateLimitedError extends DomainError {
  constructor(code: string, message: string, readonly retryAfterSeconds: number, field?: string) {
    super(code, message, field);
  }
}
/** A dependency (Temporal, PostgreSQL) is unavailable: HTTP 503, the client may retry. */
export class UnavailableError extends DomainError {}

/** ApplicationFailure types raised by activities; the workflow decides on these names. */
export const FailureTypes = {
  /** This carrier cannot take the message: try the next carrier. */
  carrierRejected: 'CarrierRejected',
  /** No carrier can deliver it (invalid number, barred…): stop failover. */
  carrierPermanent: 'CarrierPermanentError',
  /** Transient (no bind, timeout, throttled): retried on the same carrier, then the next. */
  carrierUnavailable: 'CarrierUnavailable',
  /** Message cannot be sent anywhere (e.g. row missing): stop. */
  messageInvalid: 'MessageInvalid',
} as const;
