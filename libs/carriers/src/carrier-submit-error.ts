/**
 * Why a carrier did not take a message:
 * - rejected: the carrier refused this message (bad address, invalid content…): try another carrier;
 * - throttled: the carrier asks us to slow down: retry later;
 * - unavailable: no bind, timeout or a transient carrier error: retry, then another carrier.
 */
export type SubmitErrorKind = 'rejected' | 'throttled' | 'unavailable';

export class CarrierSubmitError extends Error {
  constructor(
    readonly kind: SubmitErrorKind,
    message: string,
    readonly commandStatus?: number,
    readonly commandStatusName?: string,
  ) {
    super(message);
    this.name = 'CarrierSubmitError';
  }
}
