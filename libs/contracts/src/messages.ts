// Message payloads shared by the API, the worker, workflows and activities.
// Deliberately free of runtime dependencies: the workflow bundle imports this file.

/** `rejected`: refused before any carrier had it (the recipient opted out: error code `recipient_opted_out`). */
export type MessageStatus = 'accepted' | 'queued' | 'submitted' | 'delivered' | 'failed' | 'cancelled' | 'rejected';
export const FINAL_STATUSES: readonly MessageStatus[] = ['delivered', 'failed', 'cancelled', 'rejected'];
export type MessagePriority = 'otp' | 'transactional' | 'marketing';

export type MessageEncoding = 'GSM-7' | 'UCS-2';

/** Workflow input. Holds ids only: the body (which may carry an OTP code) never enters history. */
export interface SendMessageInput {
  messageId: string;
  accountId: string;
}

/** How a message's workflow is started: its input, and the task priority its priority gives. */
export interface SendMessageStart extends SendMessageInput {
  priority: MessagePriority;
}

export interface SendMessageResult {
  status: 'delivered' | 'failed' | 'cancelled' | 'rejected';
  carrierId?: string;
  attempts: number;
  reason?: string;
  error?: MessageError;
  /** Set when the voice fallback was used. */
  channel?: 'sms' | 'voice';
}

export type VoiceCallOutcome = 'answered' | 'no_answer' | 'busy' | 'failed';

/** What the submit activity returns for one attempt on one carrier. */
export interface SubmitResult {
  /** The carrier's id of the (first) part. */
  carrierMessageId: string;
  /** Every part's carrier id, in order, when the text went as several submit_sm (UDH/SAR). */
  partIds?: string[];
  /** The carrier sends a receipt for the first part only (carrier setting multipartReceipts: first). */
  receiptsForFirstPartOnly?: boolean;
  /** Receipts that reached us before the submit response was recorded (see receipts design in README). */
  earlyReceipts: CarrierReceipt[];
}

/** Final receipt states as defined by SMPP 3.4 (message_state / stat in the receipt text). */
export type ReceiptState = 'DELIVRD' | 'EXPIRED' | 'DELETED' | 'UNDELIV' | 'ACCEPTD' | 'UNKNOWN' | 'REJECTD' | 'ENROUTE';

/** A delivery receipt from a carrier, already matched to our message. Signalled to the message workflow. */
export interface CarrierReceipt {
  carrierId: string;
  carrierMessageId: string;
  state: ReceiptState;
  /** Carrier's raw error code from the receipt (`err:`), e.g. "000". */
  errorCode: string;
  receivedAt: string;
}

export type MessageEventType =
  | 'accepted'
  | 'queued'
  /** A paged message that needs per-message handling moved to its own workflow. */
  | 'left_page'
  | 'submit_attempt'
  | 'submitted'
  | 'submit_failed'
  | 'receipt'
  | 'receipt_timeout'
  | 'failover'
  | 'delivered'
  | 'failed'
  | 'cancelled'
  /** Refused before any carrier had it: the recipient opted out (detail: code, optOutEventId). */
  | 'rejected'
  /** Sent although the recipient opted out: an exempt category or a keyword's confirmation (detail: reason, optOutEventId). */
  | 'opt_out_exempt'
  | 'voice_call'
  | 'callback_delivered'
  | 'callback_failed';

export interface RecordEventInput {
  messageId: string;
  type: MessageEventType;
  carrierId?: string;
  attempt?: number;
  detail?: Record<string, unknown>;
}

export interface AttemptOutcome {
  messageId: string;
  attempt: number;
  carrierId: string;
  outcome: 'delivered' | 'receipt_failed' | 'receipt_timeout' | 'submit_failed';
  detail?: Record<string, unknown>;
}

export interface RoutePlan {
  /** Carriers in the order to try them, at most the policy's maximum attempts. */
  carriers: string[];
  receiptTimeoutMs: number;
  /** Pause between attempts: exponential with jitter. */
  backoff: { initialMs: number; maxMs: number; multiplier: number };
  priority: MessagePriority;
  /** After every SMS attempt failed, read the message out in a voice call. */
  voiceFallback: boolean;
  /** The routing table version and rule that chose the carriers (null: no route). */
  routingVersion: number | null;
  ruleId: string | null;
  /** ISO time before which nothing is submitted (scheduled delivery); null: now. */
  sendAt: string | null;
  /**
   * The attempts the message made before this workflow took it (a page whose carriers all failed
   * hands the message over for its voice call): carriers tried in order, and the last attempt.
   * The workflow goes on from there. Absent for a message no carrier has had.
   */
  previous?: { tried: string[]; last: { carrierId: string; status: string; error: { reason?: string; code?: string; rawCode?: string } | null } | null };
}

/** What the opt-out check before routing decided (per-message workflow's `checkRecipient` step). */
export interface RecipientCheck {
  /** clear: not opted out; exempt: opted out, sent anyway (recorded); rejected: final status `rejected`. */
  outcome: 'clear' | 'exempt' | 'rejected';
  /** The opt-out event that decided (exempt, rejected). */
  optOutEventId?: string;
  error?: MessageError;
  reason?: string;
}

/**
 * The per-message workflow's first local step (`prepareMessage`): the opt-out check and, for a
 * recipient who may get the message, its route plan.
 */
export type PreparedMessage = { check: RecipientCheck & { outcome: 'rejected' }; plan: null } | { check: RecipientCheck & { outcome: 'clear' | 'exempt' }; plan: RoutePlan };

/** A delivered attempt and the message's final status, recorded in one local step (`finishDelivered`). */
export interface DeliveredInput {
  outcome: AttemptOutcome;
  final: FinalizeInput;
}

/** A failure in our error taxonomy (libs/domain/src/error-taxonomy.ts). */
export interface MessageError {
  /** Our code, e.g. "unknown_subscriber". */
  code: string;
  /** The carrier's own, e.g. "UNDELIV err:001" or "ESME_RINVDSTADR (0x0000000b)". */
  rawCode: string;
}

export interface FinalizeInput {
  messageId: string;
  status: 'delivered' | 'failed' | 'cancelled';
  carrierId?: string;
  attempts: number;
  reason?: string;
  error?: MessageError;
  /** Set when the voice fallback was used. */
  channel?: 'sms' | 'voice';
}

/** Body POSTed to a customer's statusCallbackUrl on each status change (queued by libs/db status-callbacks). */
export interface StatusCallbackPayload {
  id: string;
  status: MessageStatus;
  to: string;
  carrierId: string | null;
  attempts: number;
  reason: string | null;
  /** Increases with each status change of the message: callbacks may arrive out of order. */
  sequence: number;
  occurredAt: string;
}


/** Answer to a cancel request (SMPP cancel_sm, POST /v1/messages/:id/cancel). */
export type CancelMessageResult = { cancelled: true } | { cancelled: false; reason: string };
