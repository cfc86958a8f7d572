// The delivery receipt text of SMPP 3.4 Appendix B (de-facto standard):
// `id:… sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:…`
import type { ReceiptState } from '@app/contracts';

export type ReceiptStat = ReceiptState;

export interface ParsedReceipt {
  id: string;
  sub?: number;
  dlvrd?: number;
  submitDate?: string;
  doneDate?: string;
  stat: ReceiptStat;
  err: string;
  text?: string;
}

const STATS: ReceiptStat[] = ['DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD', 'ENROUTE'];
/** SMPP 3.4 message_state TLV values. */
const STATE_NUMBERS: Record<ReceiptStat, number> = { ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8 };

export function statToMessageState(stat: ReceiptStat): number {
  return STATE_NUMBERS[stat];
}

export function messageStateToStat(state: number): ReceiptStat | undefined {
  return STATS.find((s) => STATE_NUMBERS[s] === state);
}

export function isFinalStat(stat: ReceiptStat): boolean {
  return stat !== 'ENROUTE' && stat !== 'ACCEPTD';
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const smppDate = (d: Date) => `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;

export function formatReceiptText(r: { id: string; sub?: number; dlvrd?: number; submitDate: Date; doneDate: Date; stat: ReceiptStat; err: string; text?: string }): string {
  const dlvrd = r.dlvrd ?? (r.stat === 'DELIVRD' ? 1 : 0);
  return `id:${r.id} sub:${pad(r.sub ?? 1, 3)} dlvrd:${pad(dlvrd, 3)} submit date:${smppDate(r.submitDate)} done date:${smppDate(r.doneDate)} stat:${r.stat} err:${r.err} text:${(r.text ?? '').slice(0, 20)}`;
}

/** Parses a receipt text, tolerant of case and spacing variants; null when it is not a receipt. */
export function parseReceiptText(text: string): ParsedReceipt | null {
  const field = (name: string, pattern = '\\S+') => new RegExp(`(?:^|\\s)${name}\\s*:\\s*(${pattern})`, 'i').exec(text)?.[1];
  const id = field('id');
  const stat = field('stat')?.toUpperCase() as ReceiptStat | undefined;
  if (!id || !stat || !STATS.includes(stat)) return null;
  const num = (v?: string) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const textMatch = /(?:^|\s)text\s*:(.*)$/is.exec(text);
  return {
    id,
    sub: num(field('sub')),
    dlvrd: num(field('dlvrd')),
    submitDate: field('submit[ _]date', '\\d{10,12}'),
    doneDate: field('done[ _]date', '\\d{10,12}'),
    stat,
    err: field('err') ?? '000',
    text: textMatch?.[1],
  };
}
