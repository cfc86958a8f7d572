// What the receipts of one attempt say about it: still waiting, delivered, or failed (and how).
import type { ReceiptState } from '@app/contracts';
import { isFinalStat } from '../../domain/src/receipt-text';
import { AttemptFailure, receiptFailure } from './failures';

/** The final receipt of one part, as stored or signalled. */
export interface PartReceipt {
  state: ReceiptState;
  errorCode: string;
}

export type AttemptDecision =
  | { outcome: 'waiting' }
  | { outcome: 'delivered'; receipt: PartReceipt }
  | ({ outcome: 'failed'; receipt: PartReceipt } & AttemptFailure);

/**
 * Decides an attempt from the receipts of its parts, in part order (`undefined`: no final
 * receipt yet; intermediate states such as ENROUTE count as none). The first failed part fails
 * the attempt at once; otherwise every part must be delivered, or only the first for a
 * carrier that sends receipts for first parts only (`firstPartOnly`).
 */
export function decideAttempt(carrierId: string, parts: readonly (PartReceipt | null | undefined)[], firstPartOnly: boolean): AttemptDecision {
  const final = parts.map((p) => (p && isFinalStat(p.state) ? p : undefined));
  const failed = final.find((p) => p !== undefined && p.state !== 'DELIVRD');
  if (failed) return { outcome: 'failed', receipt: failed, ...receiptFailure(carrierId, failed) };
  const needed = firstPartOnly ? final.slice(0, 1) : final;
  if (needed.length === 0 || needed.some((p) => p === undefined)) return { outcome: 'waiting' };
  return { outcome: 'delivered', receipt: needed[0]! };
}
