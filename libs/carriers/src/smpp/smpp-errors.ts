// The one place SMPP command_status values are classified.
import { errors } from 'smpp';
import { CarrierSubmitError, SubmitErrorKind } from '../carrier-submit-error';

const NAMES = new Map<number, string>(Object.entries(errors).map(([name, code]) => [code, name]));

const THROTTLED = new Set(['ESME_RTHROTTLED', 'ESME_RMSGQFUL']);
// Transient trouble on the carrier's side or ours: the same message may succeed on retry.
const UNAVAILABLE = new Set(['ESME_RSYSERR', 'ESME_RINVBNDSTS', 'ESME_RSUBMITFAIL', 'ESME_RX_T_APPN', 'ESME_RUNKNOWNERR', 'ESME_RDELIVERYFAILURE']);

export function commandStatusName(status: number): string {
  return NAMES.get(status) ?? `0x${status.toString(16).padStart(8, '0')}`;
}

export function classifyCommandStatus(status: number): SubmitErrorKind {
  const name = commandStatusName(status);
  if (THROTTLED.has(name)) return 'throttled';
  if (UNAVAILABLE.has(name)) return 'unavailable';
  return 'rejected';
}

export function submitError(status: number): CarrierSubmitError {
  const name = commandStatusName(status);
  return new CarrierSubmitError(classifyCommandStatus(status), `submit_sm answered ${name}`, status, name);
}
