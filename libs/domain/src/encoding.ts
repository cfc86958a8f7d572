// SMS text encoding per 3GPP TS 23.038: GSM 03.38 default alphabet (7-bit septets, with the
// extension table costing two septets each) or UCS-2 (UTF-16 code units) for anything else;
// segment counts for single (160/70) and concatenated (153/67) messages. Pure: it runs in
// workflow code too.
import type { MessageEncoding } from '@app/contracts';

/** The GSM 03.38 default alphabet, in septet order (0x00..0x7F); 0x1B is the escape. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Extension table: character → septet after the escape. */
const GSM_EXTENSION: Record<string, number> = { '\f': 0x0a, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2f, '[': 0x3c, '~': 0x3d, ']': 0x3e, '|': 0x40, '€': 0x65 };

const BASIC_INDEX = new Map<string, number>([...GSM_BASIC].map((ch, i) => [ch, i]));
const EXTENSION_BY_SEPTET = new Map<number, string>(Object.entries(GSM_EXTENSION).map(([ch, s]) => [s, ch]));

export const SEGMENT_LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

export interface TextAnalysis {
  encoding: MessageEncoding;
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  unitsPerSegment: number;
  unitsRemaining: number;
}

/** Septets a character costs in GSM-7, or undefined if it is not in GSM 03.38. */
function gsmCost(ch: string): 1 | 2 | undefined {
  if (BASIC_INDEX.has(ch) && ch !== '\u001b') return 1;
  if (ch in GSM_EXTENSION) return 2;
  return undefined;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (gsmCost(ch) === undefined) return false;
  return true;
}

export function analyzeText(body: string): TextAnalysis {
  const encoding: MessageEncoding = isGsm7(body) ? 'GSM-7' : 'UCS-2';
  let units = 0;
  if (encoding === 'GSM-7') for (const ch of body) units += gsmCost(ch)!;
  else units = body.length;
  const limits = SEGMENT_LIMITS[encoding];
  // An empty text still goes out as one (empty) segment.
  const segments = units <= limits.single ? 1 : splitSegments(body).length;
  const unitsPerSegment = segments === 1 ? limits.single : limits.multi;
  const unitsRemaining = segments === 1 ? limits.single - units : segments * limits.multi - units;
  return { encoding, segments, units, unitsPerSegment, unitsRemaining: Math.max(0, unitsRemaining) };
}

/**
 * Parts for concatenated sending. Never splits an escape sequence (an extension character
 * stays whole) or a UTF-16 surrogate pair; a text that fits one segment is returned as is.
 */
export function splitSegments(body: string): string[] {
  const gsm = isGsm7(body);
  const limits = SEGMENT_LIMITS[gsm ? 'GSM-7' : 'UCS-2'];
  const total = gsm ? [...body].reduce((n, ch) => n + gsmCost(ch)!, 0) : body.length;
  if (total <= limits.single) return [body];
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const ch of body) {
    // for..of iterates code points, so a surrogate pair is one `ch` of length 2.
    const cost = gsm ? gsmCost(ch)! : ch.length;
    if (used + cost > limits.multi) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += ch;
    used += cost;
  }
  if (current) parts.push(current);
  return parts;
}

/** Unpacked septet values (one per byte on the wire for SMPP data_coding 0), escapes included. */
export function toGsm7Septets(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const basic = BASIC_INDEX.get(ch);
    if (basic !== undefined && ch !== '\u001b') out.push(basic);
    else if (ch in GSM_EXTENSION) out.push(0x1b, GSM_EXTENSION[ch]);
    else throw new RangeError(`character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} is not in the GSM 03.38 alphabet`);
  }
  return out;
}

export function fromGsm7Septets(septets: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < septets.length; i += 1) {
    const s = septets[i] & 0x7f;
    if (s === 0x1b && i + 1 < septets.length) {
      i += 1;
      // An unknown extension code shows as a space, as TS 23.038 recommends.
      out += EXTENSION_BY_SEPTET.get(septets[i] & 0x7f) ?? ' ';
    } else {
      out += GSM_BASIC[s];
    }
  }
  return out;
}

/** Packs septets into octets (7-bit packing), LSB first. */
export function packSeptets(septets: number[]): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const s of septets) {
    acc |= (s & 0x7f) << bits;
    bits += 7;
    while (bits >= 8) {
      out.push(acc & 0xff);
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out.push(acc & 0xff);
  return out;
}

const LOOK_ALIKES: [RegExp, string][] = [
  [/[\u2018\u2019\u201A\u201B\u2032\u00B4`]/g, "'"],
  [/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"'],
  [/[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]/g, '-'],
  [/[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, ' '],
  [/[\u200B\u200C\u200D\u2060\uFEFF]/g, ''],
  [/\u2026/g, '...'],
  [/\u2022/g, '-'],
  [/\u00E7/g, 'Ç'],
];

/** Replaces look-alike Unicode (curly quotes, dashes, odd spaces…) by GSM-7 characters, for accounts that opt in. */
export function smartEncode(body: string): string {
  return LOOK_ALIKES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), body);
}
