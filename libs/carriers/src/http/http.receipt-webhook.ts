// An HTTP carrier's webhooks: receipts — the carrier POSTs { messageId, status, errorCode? }
// with its Bearer token to the callbackUrl given with the submit — and inbound messages (MO) —
// { moId, from, to, text } POSTed to <CARRIER_WEBHOOK_URL>/carriers/:id/inbound. Parsing and
// the token check live here; the connector answers (http.connector.ts).
import { timingSafeEqual } from 'node:crypto';
import type { ReceiptState } from '@app/contracts';
import type { InboundMessage, InboundReceipt } from '../carrier-connector';

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

/** The MO in a webhook body, or undefined when a field is missing. `moId` is what deduplicates the carrier's retries. */
export function parseHttpInbound(carrierId: string, body: unknown): InboundMessage | undefined {
  const mo = body as { moId?: unknown; from?: unknown; to?: unknown; text?: unknown };
  for (const field of ['moId', 'from', 'to', 'text'] as const) if (typeof mo?.[field] !== 'string' || mo[field] === '') return undefined;
  if ((mo.text as string).includes('\u0000') || (mo.moId as string).length > 200) return undefined;
  return { carrierId, carrierMoId: mo.moId as string, from: mo.from as string, to: mo.to as string, body: mo.text as string };
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
