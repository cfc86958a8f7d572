// An HTTP carrier's receipt webhook: the carrier POSTs { messageId, status, errorCode? } with
// its Bearer token to the callbackUrl given with the submit. Parsing and the token check live
// here; the connector answers (http.connector.ts handleWebhook).
import { timingSafeEqual } from 'node:crypto';
import type { ReceiptState } from '@app/contracts';
import type { InboundReceipt } from '../carrier-connector';

const STATES: Record<string, ReceiptState> = {
  delivered: 'DELIVRD',
  undelivered: 'UNDELIV',
  failed: 'UNDELIV',
  rejected: 'REJECTD',
  expired: 'EXPIRED',
  accepted: 'ACCEPTD',
  enroute: 'ENROUTE',
};

/** The Authorization header carries exactly this token (compared in constant time). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The receipt in a webhook body, or undefined when it has no message id or an unknown status. */
export function parseHttpReceipt(carrierId: string, body: unknown): InboundReceipt | undefined {
  const receipt = body as { messageId?: unknown; status?: unknown; errorCode?: unknown };
  const state = typeof receipt?.status === 'string' ? STATES[receipt.status.toLowerCase()] : undefined;
  if (typeof receipt?.messageId !== 'string' || !receipt.messageId || !state) return undefined;
  return {
    carrierId,
    carrierMessageId: receipt.messageId,
    state,
    errorCode: typeof receipt.errorCode === 'string' ? receipt.errorCode : '000',
    rawText: JSON.stringify(body),
  };
}
