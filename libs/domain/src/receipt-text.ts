// The delivery receipt text of SMPP 3.4 Appendix B (de-facto standard):
// `id:… sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:…`
// Formatting is strict (what the simulator sends); parsing is lenient, because carriers vary
// the case, spacing, key spelling and date length, and some leave fields out.
import type { ReceiptState } from '@app/contracts';

export type ReceiptStat = ReceiptState;

export interface ParsedReceipt {
  id: string;
  sub?: number;
  dlvrd?: number;
  /** As sent (10 or 12 digits, YYMMDDhhmm[ss]); the carrier's time zone is unknown, so not a Date. */
  submitDate?: string;
  doneDate?: string;
  stat: ReceiptStat;
  /** Raw `err:` value; "000" when the carrier left it out. */
  err: string;
  /** Everything after `text:`; undefined when there is no `text:` field. */
  text?: string;
}

export interface ReceiptTextInput {
  id: string;
  sub?: number;
  dlvrd?: number;
  submitDate: Date;
  doneDate: Date;
  stat: ReceiptStat;
  err: string;
  text?: string;
}

const STATS: readonly ReceiptStat[] = ['DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD', 'ENROUTE'];
/** SMPP 3.4 message_state TLV values (section 5.3.2.35). */
const STATE_NUMBERS: Record<ReceiptStat, number> = { ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8 };
/** Spelled-out states some SMSCs put in `stat:` instead of the 7-letter codes. */
const LONG_STATS: Record<string, ReceiptStat> = {
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  UNDELIVERED: 'UNDELIV',
  REJECTED: 'REJECTD',
  ACCEPTED: 'ACCEPTD',
};

export function statToMessageState(stat: ReceiptStat): number {
  return STATE_NUMBERS[stat];
}

/** undefined for values outside 1..8 (0 is "SCHEDULED"/reserved, 9 "SKIPPED" in later versions). */
export function messageStateToStat(state: number): ReceiptStat | undefined {
  return STATS.find((s) => STATE_NUMBERS[s] === state);
}

/** ENROUTE and ACCEPTD are intermediate: another receipt may follow. */
export function isFinalStat(stat: ReceiptStat): boolean {
  return stat !== 'ENROUTE' && stat !== 'ACCEPTD';
}

export function isSuccessStat(stat: ReceiptStat): boolean {
  return stat === 'DELIVRD';
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const smppDate = (d: Date) => `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;

export function formatReceiptText(r: ReceiptTextInput): string {
  const dlvrd = r.dlvrd ?? (r.stat === 'DELIVRD' ? 1 : 0);
  const err = /^\d{1,2}$/.test(r.err) ? r.err.padStart(3, '0') : r.err;
  return `id:${r.id} sub:${pad(r.sub ?? 1, 3)} dlvrd:${pad(dlvrd, 3)} submit date:${smppDate(r.submitDate)} done date:${smppDate(r.doneDate)} stat:${r.stat} err:${err} text:${(r.text ?? '').slice(0, 20)}`;
}

function toStat(value: string | undefined): ReceiptStat | undefined {
  if (!value) return undefined;
  const upper = value.toUpperCase();
  return (STATS as readonly string[]).includes(upper) ? (upper as ReceiptStat) : LONG_STATS[upper];
}

/** The pattern of each receipt field, compiled once (every receipt of every carrier is parsed). */
const FIELD_PATTERNS = new Map<string, RegExp>();
const fieldPattern = (key: string, value: string): RegExp => {
  const id = `${key}\u0000${value}`;
  let pattern = FIELD_PATTERNS.get(id);
  if (!pattern) FIELD_PATTERNS.set(id, (pattern = new RegExp(`(?:^|\\s)${key}\\s*:\\s*(${value})`, 'i')));
  return pattern;
};

/** Parses a receipt text, tolerant of real-world variants; null when it is not a receipt (no id or no known stat). */
export function parseReceiptText(text: string): ParsedReceipt | null {
  // Fields are only looked for before `text:`, so a message that quotes "stat:…" cannot fool us.
  const textKey = /(?:^|\s)text\s*:/i.exec(text);
  const head = textKey ? text.slice(0, textKey.index) : text;
  const field = (key: string, value = '[^\\s]+') => fieldPattern(key, value).exec(head)?.[1];
  const id = field('id');
  const stat = toStat(field('stat', '[A-Za-z_]+'));
  if (!id || !stat) return null;
  const num = (v?: string) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const date = (key: string) => field(`${key}[\\s_]*date`, '\\d{12}(?!\\d)|\\d{10}(?!\\d)');
  return {
    id,
    sub: num(field('sub')),
    dlvrd: num(field('dlvrd')),
    submitDate: date('submit'),
    doneDate: date('done'),
    stat,
    err: field('err') ?? '000',
    text: textKey ? text.slice(textKey.index + textKey[0].length) : undefined,
  };
}
