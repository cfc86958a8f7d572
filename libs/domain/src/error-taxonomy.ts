// One error taxonomy for every carrier: SMPP command_status values, delivery receipt stat/err
// codes and HTTP carrier answers all map to our codes, each with a class that tells the
// message workflow what to do next, and a remediation text for the customer.
//
// Receipt `err` values are carrier-specific; most SMSCs report the GSM MAP error (3GPP TS 29.002)
// there, which is what this table assumes. Unknown values fall back to the receipt's stat.
// Pure: it runs in workflow code.
import type { ReceiptState } from '@app/contracts';

export type ErrorClass =
  /** Transient on this carrier: retry the same carrier (with backoff) before moving on. */
  | 'retry_same_carrier'
  /** This carrier cannot deliver it; another one may. */
  | 'try_next_carrier'
  /** No carrier can deliver it: stop failover. */
  | 'permanent';

export interface ErrorDefinition {
  code: string;
  class: ErrorClass;
  description: string;
  remediation: string;
}

const define = (code: string, cls: ErrorClass, description: string, remediation: string): ErrorDefinition => ({ code, class: cls, description, remediation });

export const ERRORS = {
  carrierThrottled: define('carrier_throttled', 'retry_same_carrier', 'The carrier asked us to slow down', 'None: the message is retried automatically at a lower rate.'),
  carrierUnavailable: define('carrier_unavailable', 'retry_same_carrier', 'The carrier could not be reached or had a transient error', 'None: the message is retried and then sent through another carrier.'),
  carrierRejected: define('carrier_rejected', 'try_next_carrier', 'The carrier refused the message', 'None: another carrier is tried. If every carrier refuses, check the sender id and content.'),
  invalidSender: define('invalid_sender', 'try_next_carrier', 'The carrier does not accept this sender id', 'Register the sender id for the destination country, or send from a number.'),
  invalidMessage: define('invalid_message', 'try_next_carrier', 'The carrier refused the message content or length', 'Shorten the message or remove characters the destination does not support.'),
  invalidDestination: define('invalid_destination', 'permanent', 'The destination number is not valid', 'Check the number: it must be a valid E.164 mobile number.'),
  unknownSubscriber: define('unknown_subscriber', 'permanent', 'The number is not assigned to a subscriber', 'Remove the number from your list or ask the customer for a current one.'),
  destinationBarred: define('destination_barred', 'permanent', 'The subscriber or network blocks this message', 'The subscriber cannot receive messages from you; do not retry.'),
  optedOut: define('opted_out', 'permanent', 'The subscriber opted out of messages from this sender', 'Do not send again unless the subscriber opts in.'),
  recipientOptedOut: define('recipient_opted_out', 'permanent', 'The recipient opted out of messages from this account (or sender): refused before any carrier had it', 'Send only after the subscriber opts in again (START), or in a category the account marks exempt.'),
  absentSubscriber: define('absent_subscriber', 'try_next_carrier', 'The handset was off or out of coverage until the message expired', 'None: it may succeed later or through another route.'),
  deliveryFailed: define('delivery_failed', 'try_next_carrier', 'The carrier could not deliver the message', 'None: another carrier is tried.'),
  expired: define('expired', 'try_next_carrier', 'The message expired before delivery', 'None: another carrier is tried.'),
  receiptTimeout: define('receipt_timeout', 'try_next_carrier', 'No delivery receipt arrived in time', 'None: another carrier is tried.'),
  noRoute: define('no_route', 'permanent', 'No carrier is available for this destination', 'Contact support: the destination is not covered by your routes.'),
} as const;

const BY_CODE = new Map<string, ErrorDefinition>(Object.values(ERRORS).map((e) => [e.code, e]));

export function errorDefinition(code: string): ErrorDefinition | undefined {
  return BY_CODE.get(code);
}

/** A classified failure: our code plus the carrier's own, as the message status shows them. */
export interface ClassifiedError extends ErrorDefinition {
  /** The carrier's raw code, e.g. "ESME_RINVDSTADR (0x0000000b)", "UNDELIV err:001" or "HTTP 429". */
  rawCode: string;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** SMPP 3.4 command_status values (§5.1.3) that mean something other than "rejected". */
const SMPP: Record<number, ErrorDefinition> = {
  0x01: ERRORS.invalidMessage, // ESME_RINVMSGLEN
  0x08: ERRORS.carrierUnavailable, // ESME_RSYSERR
  0x0a: ERRORS.invalidSender, // ESME_RINVSRCADR
  0x0b: ERRORS.invalidDestination, // ESME_RINVDSTADR
  0x14: ERRORS.carrierThrottled, // ESME_RMSGQFUL
  0x45: ERRORS.carrierUnavailable, // ESME_RSUBMITFAIL
  0x48: ERRORS.invalidSender, // ESME_RINVSRCTON
  0x49: ERRORS.invalidSender, // ESME_RINVSRCNPI
  0x50: ERRORS.invalidDestination, // ESME_RINVDSTTON
  0x51: ERRORS.invalidDestination, // ESME_RINVDSTNPI
  0x58: ERRORS.carrierThrottled, // ESME_RTHROTTLED
  0x64: ERRORS.carrierUnavailable, // ESME_RX_T_APPN
  0x66: ERRORS.destinationBarred, // ESME_RX_R_APPN (rejected by the SMSC's policy)
};

export function classifySmppStatus(commandStatus: number, name?: string): ClassifiedError {
  const definition = SMPP[commandStatus] ?? ERRORS.carrierRejected;
  return { ...definition, rawCode: name ? `${name} (${hex(commandStatus)})` : hex(commandStatus) };
}

/** GSM MAP errors (3GPP TS 29.002) as carriers report them in the receipt's err field. */
const MAP_ERRORS: Record<number, ErrorDefinition> = {
  1: ERRORS.unknownSubscriber,
  5: ERRORS.unknownSubscriber, // unidentified subscriber
  6: ERRORS.absentSubscriber,
  9: ERRORS.destinationBarred, // illegal subscriber
  11: ERRORS.destinationBarred, // teleservice not provisioned
  12: ERRORS.unknownSubscriber, // illegal equipment
  13: ERRORS.destinationBarred, // call barred
  27: ERRORS.absentSubscriber,
  31: ERRORS.absentSubscriber, // subscriber busy for MT SMS
  32: ERRORS.deliveryFailed, // SM delivery failure
  33: ERRORS.absentSubscriber, // message waiting list full
};

const BY_STAT: Partial<Record<ReceiptState, ErrorDefinition>> = {
  UNDELIV: ERRORS.deliveryFailed,
  EXPIRED: ERRORS.expired,
  REJECTD: ERRORS.carrierRejected,
  DELETED: ERRORS.deliveryFailed,
  UNKNOWN: ERRORS.deliveryFailed,
};

/** Classifies a final, unsuccessful receipt (DELIVRD is not an error). */
export function classifyReceipt(state: ReceiptState, errorCode: string): ClassifiedError {
  const err = /^\d+$/.test(errorCode) ? Number(errorCode) : NaN;
  const definition = (err > 0 ? MAP_ERRORS[err] : undefined) ?? BY_STAT[state] ?? ERRORS.deliveryFailed;
  return { ...definition, rawCode: `${state} err:${errorCode}` };
}

/** HTTP carrier answers: 429 throttled, 5xx/408 transient, other 4xx a rejection. */
export function classifyHttpStatus(status: number): ClassifiedError {
  let definition: ErrorDefinition = ERRORS.carrierRejected;
  if (status === 429) definition = ERRORS.carrierThrottled;
  else if (status >= 500 || status === 408) definition = ERRORS.carrierUnavailable;
  return { ...definition, rawCode: `HTTP ${status}` };
}

export function classified(definition: ErrorDefinition, rawCode: string): ClassifiedError {
  return { ...definition, rawCode };
}
