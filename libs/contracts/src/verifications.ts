// Verify (one-time codes): the verifyPhone workflow's input, its updates and signal, and the
// statuses the API answers with. Dependency-free: the workflow bundle imports this file. No
// payload here ever carries a code: checks carry a keyed digest computed by the API
// (libs/messaging/src/verification-codes.ts), and the code itself lives only inside the send
// activity and the SMS body.
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';

export const VERIFY_PHONE_WORKFLOW = 'verifyPhone';
export type VerificationChannel = 'sms' | 'voice';
export const VERIFICATION_CHANNELS: readonly VerificationChannel[] = ['sms', 'voice'];

/** Stored status of a verification. `pending` until a code is approved or the verification ends. */
export type VerificationStatus = 'pending' | 'approved' | 'expired' | 'max_attempts' | 'cancelled';
/** What a check answers: `denied` = the verification can no longer be checked (cancelled, or its code already used). */
export type CheckStatus = 'approved' | 'pending' | 'denied' | 'expired' | 'max_attempts';

/** Derived from the verification id: a second start of the same verification starts nothing. */
export const verificationWorkflowId = (verificationId: string): string => `verify-${verificationId}`;

/** The limits a verification runs with, resolved from the account's settings when it starts. */
export interface VerificationPolicy {
  /** Checks allowed (the next one is refused). */
  maxChecks: number;
  /** Codes sent, the first included. */
  maxSends: number;
  /** Least time between two sends. */
  resendCooldownMs: number;
  /** A resend keeps the code (true) or sends a new one (false). */
  keepCodeOnResend: boolean;
}

export interface VerifyPhoneInput {
  verificationId: string;
  accountId: string;
  channel: VerificationChannel;
  /** ISO time after which no check is accepted. */
  expiresAt: string;
  policy: VerificationPolicy;
}

export interface VerifyPhoneResult {
  status: Exclude<VerificationStatus, 'pending'>;
  checks: number;
  sends: number;
}

/** What the send activity did: the message row that carries the code (SMS body or spoken text). */
export interface SentCode {
  messageId: string;
  channel: VerificationChannel;
  /** false: a resend kept the previous code. */
  rotated: boolean;
}

/** A check: the keyed digest of the code the user typed (never the code). */
export interface CheckCodeInput {
  digest: string;
}
export interface CheckCodeResult {
  status: CheckStatus;
  checks: number;
}
export interface ResendCodeInput {
  channel?: VerificationChannel;
}
export interface ResendCodeResult {
  channel: VerificationChannel;
  sends: number;
}

/**
 * Reasons a validator refuses an update (the ApplicationFailure type the client sees): nothing
 * is written to history. `cooldown` carries the milliseconds left as its first detail.
 */
export const VerificationRefusals = {
  expired: 'VerificationExpired',
  maxAttempts: 'VerificationMaxAttempts',
  closed: 'VerificationClosed',
  maxSends: 'VerificationMaxSends',
  cooldown: 'VerificationResendCooldown',
} as const;

export const checkCodeUpdate = { type: 'update', name: 'checkCode' } as UpdateDefinition<CheckCodeResult, [CheckCodeInput], 'checkCode'>;
export const resendCodeUpdate = { type: 'update', name: 'resendCode' } as UpdateDefinition<ResendCodeResult, [ResendCodeInput], 'resendCode'>;
export const cancelVerificationUpdate = { type: 'update', name: 'cancelVerification' } as UpdateDefinition<{ status: VerificationStatus }, [], 'cancelVerification'>;
/** Sent by a newer verification of the same number (same account) to the older pending one. */
export const supersededSignal = { type: 'signal', name: 'superseded' } as SignalDefinition<[{ byVerificationId: string }], 'superseded'>;
