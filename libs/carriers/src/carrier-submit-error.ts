// The one error a connector's submit() throws. `error` places the failure in the shared
// taxonomy (libs/domain/src/error-taxonomy.ts: our code, what the workflow should do next, the
// carrier's raw code); `kind` is the coarse view a connector or a dashboard needs.
import type { ClassifiedError } from '@app/domain';

/**
 * - `throttled`: the carrier asked us to slow down (SMPP ESME_RTHROTTLED, ESME_RMSGQFUL; HTTP 429).
 * - `unavailable`: no answer, no bind, a lost link or a transient carrier fault; the message
 *   may be retried on the same carrier. After a timeout the outcome is unknown: the carrier may
 *   still have taken it.
 * - `rejected`: the carrier answered and refused this message (bad address, content, policy).
 */
export type CarrierSubmitErrorKind = 'rejected' | 'throttled' | 'unavailable';

export interface CarrierSubmitErrorDetails {
  /** SMPP command_status of the submit_sm_resp, when the carrier answered with one. */
  commandStatus?: number;
  /** Its name, e.g. "ESME_RINVDSTADR". */
  commandStatusName?: string;
}

export function submitErrorKind(error: ClassifiedError): CarrierSubmitErrorKind {
  if (error.code === 'carrier_throttled') return 'throttled';
  if (error.class === 'retry_same_carrier') return 'unavailable';
  return 'rejected';
}

/** A carrier did not take a message; `error` says why in our taxonomy, `kind` in short. */
export class CarrierSubmitError extends Error {
  readonly kind: CarrierSubmitErrorKind;
  readonly commandStatus?: number;
  readonly commandStatusName?: string;

  constructor(
    readonly error: ClassifiedError,
    message: string,
    details: CarrierSubmitErrorDetails = {},
  ) {
    super(message);
    this.name = 'CarrierSubmitError';
    this.kind = submitErrorKind(error);
    this.commandStatus = details.commandStatus;
    this.commandStatusName = details.commandStatusName;
  }
}
