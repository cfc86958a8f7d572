// The one place in the HTTP connector where a failed request becomes a CarrierSubmitError:
// the HTTP status is classified by the shared taxonomy (classifyHttpStatus in
// libs/domain/src/error-taxonomy.ts: 429 throttled, 5xx/408 transient, other 4xx rejected);
// no connection, no answer in time, an answer without a message id or a closed connector are
// transient and on the carrier's side (carrier_unavailable).
import { classified, classifyHttpStatus, ERRORS } from '@app/domain';
import { CarrierSubmitError } from '../carrier-submit-error';

/** A non-2xx answer to a submit. */
export function httpStatusError(status: number): CarrierSubmitError {
  return new CarrierSubmitError(classifyHttpStatus(status), `carrier answered HTTP ${status}`);
}

/** The request did not get an answer (connection refused, reset, timed out) or the connector is closed. */
export function unavailable(reason: string): CarrierSubmitError {
  return new CarrierSubmitError(classified(ERRORS.carrierUnavailable, reason), reason);
}

/** A 2xx answer without the carrier's message id: the message may or may not have been taken. */
export function noMessageId(): CarrierSubmitError {
  return new CarrierSubmitError(classified(ERRORS.carrierUnavailable, 'no messageId in the answer'), 'carrier answered without a messageId');
}
