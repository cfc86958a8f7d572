// Every way an attempt or a message can fail, each with the reason shown to the customer, our
// error code, the carrier's raw code, and whether failover stops there.
import type { MessageError, ReceiptState } from '@app/contracts';
import { classifyReceipt, ClassifiedError, ERRORS, ErrorClass, errorDefinition } from '../../domain/src/error-taxonomy';

export interface AttemptFailure {
  reason: string;
  error: MessageError;
  errorClass: ErrorClass;
  /** No other carrier can deliver it (a permanent error): failover stops. */
  stop: boolean;
}

function failure(reason: string, error: ClassifiedError | (MessageError & { class?: ErrorClass })): AttemptFailure {
  const errorClass = ('class' in error && error.class) || errorDefinition(error.code)?.class || 'try_next_carrier';
  return { reason, error: { code: error.code, rawCode: error.rawCode }, errorClass, stop: errorClass === 'permanent' };
}

/** A final receipt other than DELIVRD. */
export function receiptFailure(carrierId: string, receipt: { state: ReceiptState; errorCode: string }): AttemptFailure {
  const classified = classifyReceipt(receipt.state, receipt.errorCode);
  return failure(`carrier ${carrierId} reported ${receipt.state} (err ${receipt.errorCode}): ${classified.description}`, classified);
}

/** The carrier refused the submit (or could not be reached after the same-carrier retries). */
export function submitFailure(carrierId: string, error: MessageError & { class?: ErrorClass }, cause: string): AttemptFailure {
  return failure(`carrier ${carrierId} did not accept the message: ${cause}`, error);
}

/** No final receipt within the rule's receipt wait. */
export function receiptTimeoutFailure(carrierId: string, receiptWaitMs: number): AttemptFailure {
  return failure(`no delivery receipt from carrier ${carrierId} within ${Math.round(receiptWaitMs / 1000)} s`, {
    ...ERRORS.receiptTimeout,
    rawCode: `no receipt within ${receiptWaitMs} ms`,
  });
}

/** Nothing to try: no rule matched, or every carrier of the plan was tried. */
export function noCarrierFailure(why = 'no carrier available for this destination'): AttemptFailure {
  return failure(why, { ...ERRORS.noRoute, rawCode: 'no carrier in the route plan' });
}

/** A message's last attempt as a page reads it back from PostgreSQL. */
export interface LastAttempt {
  carrierId: string;
  status: string;
  error: { reason?: string; code?: string; rawCode?: string } | null;
}

/**
 * The failure a message ends with once every carrier of its plan was tried: its last attempt's,
 * as a message's own workflow reports it (a page reads the attempt back rather than holding it).
 */
export function exhaustedFailure(last: LastAttempt | null, receiptWaitMs: number): AttemptFailure {
  if (last?.status === 'receipt_timeout') return receiptTimeoutFailure(last.carrierId, receiptWaitMs);
  if (last?.error?.reason && last.error.code) return failure(last.error.reason, { code: last.error.code, rawCode: last.error.rawCode ?? '' });
  return noCarrierFailure('every carrier of the route plan was tried');
}

/** The voice fallback's outcome appended to the SMS failure it followed. */
export function withVoiceOutcome(last: AttemptFailure, outcome: string): AttemptFailure {
  return { ...last, reason: `${last.reason}; voice fallback ${outcome}` };
}
