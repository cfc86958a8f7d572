// Activities of the verifyPhone workflow: the only place a one-time code exists in plain. The
// send activity draws it (or, for a resend that keeps it, reads it back from the previous
// message's text by its digest), writes the message that carries it and the new digest, and
// returns the message id; the workflow then sends that message through the delivery engine
// (sendMessage) or a voice call. Nothing here logs or returns a code.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { FailureTypes, SentCode, VerificationChannel, VerificationStatus } from '@app/contracts';
import type { VerificationRepository } from '@app/db';
import { analyzeText, VerifyLocale, verificationSms, verificationSpeech } from '@app/domain';
import { VerificationCodes } from '@app/messaging';

export interface VerificationActivityDeps {
  verifications: Pick<VerificationRepository, 'findById' | 'settings' | 'olderPending' | 'lastMessageText' | 'recordSend' | 'recordCheck' | 'finish'>;
  codes: VerificationCodes;
  now?: () => number;
}

/** The message id of a verification's n-th send: the same on every retry of the activity. */
export function sendMessageId(verificationId: string, send: number): string {
  const h = createHash('sha256').update(`verification:${verificationId}:${send}`).digest('hex');
  // A version-4-shaped UUID (the column is uuid; ids elsewhere are v4).
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function createVerificationActivities(deps: VerificationActivityDeps) {
  const { verifications, codes } = deps;
  const now = deps.now ?? Date.now;

  async function load(verificationId: string) {
    const v = await verifications.findById(verificationId);
    if (!v) throw ApplicationFailure.nonRetryable(`verification ${verificationId} does not exist`, FailureTypes.messageInvalid);
    return v;
  }

  return {
    /** Pending verifications of the same number (same account) that this one replaces. */
    async olderVerifications({ verificationId }: { verificationId: string }): Promise<string[]> {
      return verifications.olderPending(verificationId);
    },

    /**
     * Writes the `send`-th message of a verification: a new code, or the previous one when
     * `rotate` is false and it can be read back. Idempotent per (verification, send).
     */
    async sendCode({ verificationId, channel, send, rotate }: { verificationId: string; channel: VerificationChannel; send: number; rotate: boolean }): Promise<SentCode> {
      const v = await load(verificationId);
      const messageId = sendMessageId(verificationId, send);
      if (v.messageIds.includes(messageId)) return { messageId, channel, rotated: rotate };
      const settings = await verifications.settings(v.accountId);
      let code: string | null = null;
      if (!rotate && v.codeDigest) {
        const previous = await verifications.lastMessageText(verificationId);
        code = previous === null ? null : codes.recover(previous, v.codeLength, v.codeSalt, v.codeDigest);
      }
      const rotated = code === null;
      code ??= VerificationCodes.generate(v.codeLength);
      const locale = v.locale as VerifyLocale;
      const minutes = Math.max(1, Math.ceil((v.expiresAt.getTime() - now()) / 60_000));
      const text = channel === 'sms' ? verificationSms(code, { locale, template: v.template ?? settings.template, minutes }) : verificationSpeech(code, locale);
      const { encoding, segments } = analyzeText(text);
      await verifications.recordSend(verificationId, { id: messageId, from: settings.sender, body: text, encoding, segments, channel }, rotated ? codes.digest(v.codeSalt, code) : null);
      return { messageId, channel, rotated };
    },

    /** Compares a check's digest with the stored one in constant time, and records the check. */
    async compareCode({ verificationId, digest, check }: { verificationId: string; digest: string; check: number }): Promise<{ match: boolean }> {
      const v = await load(verificationId);
      await verifications.recordCheck(verificationId, check);
      return { match: v.codeDigest !== null && VerificationCodes.same(digest, v.codeDigest) };
    },

    /** The final status, with the carrier of the latest message as the conversion record. */
    async finishVerification({ verificationId, status }: { verificationId: string; status: Exclude<VerificationStatus, 'pending'> }): Promise<void> {
      await verifications.finish(verificationId, status);
    },
  };
}

export type VerificationActivities = ReturnType<typeof createVerificationActivities>;
