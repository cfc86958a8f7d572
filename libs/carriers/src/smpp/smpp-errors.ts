// The one place SMPP command_status values become carrier errors (via the shared taxonomy).
import { errors } from 'smpp';
import { classified, classifySmppStatus, ERRORS } from '@app/domain';
import { CarrierSubmitError } from '../carrier-submit-error';

const NAMES = new Map<number, string>(Object.entries(errors).map(([name, code]) => [code, name]));

export function commandStatusName(status: number): string {
  return NAMES.get(status) ?? `0x${status.toString(16).padStart(8, '0')}`;
}

export function submitError(status: number): CarrierSubmitError {
  const name = commandStatusName(status);
  return new CarrierSubmitError(classifySmppStatus(status, NAMES.get(status)), `submit_sm answered ${name}`);
}

/** No bind, a lost connection or no answer: transient, on our side of the link. */
export function unavailable(reason: string): CarrierSubmitError {
  return new CarrierSubmitError(classified(ERRORS.carrierUnavailable, reason), reason);
}
