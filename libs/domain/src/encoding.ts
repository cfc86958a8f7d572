// SMS text encoding per 3GPP TS 23.038: GSM 03.38 default alphabet (7-bit septets, with the
// extension table costing two septets each) or UCS-2 (UTF-16 code units) for anything else;
// segment counts for single (160/70) and concatenated (153/67) messages, septet conversion and
// 7-bit packing for the wire. Pure and free of Node built-ins: it runs in workflow code too.
import type { MessageEncoding } from '@app/contracts';

const ESC = 0x1b;

/** The GSM 03.38 default alphabet in septet order (0x00..0x7F); index 0x1B is the escape. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Extension table: character → septet sent after the escape. */
const GSM_EXTENSION: ReadonlyMap<string, number> = new Map([
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
]);

// The escape itself is not a character a text can contain, so it is left out of the index.
const BASIC_INDEX: ReadonlyMap<string, number> = new Map(
  [...GSM_BASIC].map((ch, i) => [ch, i] as const).filter(([, i]) => i !== ESC),
);
const EXTENSION_BY_SEPTET: ReadonlyMap<number, string> = new Map([...GSM_EXTENSION].map(([ch, s]) => [s, ch]));

export const SEGMENT_LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const satisfies Record<MessageEncoding, { single: number; multi: number }>;

export interface TextAnalysis {
  encoding: MessageEncoding;
  segments: number;
  /** Septets (GSM-7, escapes included) or UTF-16 code units (UCS-2). */
  units: number;
  /** 160/70 for a single-segment text, 153/67 once it is concatenated. */
  unitsPerSegment: number;
  /** Units still free in the last segment before another segment is needed. */
  unitsRemaining: number;
}

/** Septets a character costs in GSM-7, or undefined if GSM 03.38 cannot carry it. */
function gsmCost(ch: string): 1 | 2 | undefined {
  if (BASIC_INDEX.has(ch)) return 1;
  if (GSM_EXTENSION.has(ch)) return 2;
  return undefined;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (gsmCost(ch) === undefined) return false;
  return true;
}

function encodingOf(text: string): MessageEncoding {
  return isGsm7(text) ? 'GSM-7' : 'UCS-2';
}

/** Cost of one code point (`for..of` yields a surrogate pair as one string of length 2). */
function unitCost(ch: string, encoding: MessageEncoding): number {
  return encoding === 'GSM-7' ? gsmCost(ch)! : ch.length;
}

function unitsOf(text: string, encoding: MessageEncoding): number {
  if (encoding === 'UCS-2') return text.length;
  let units = 0;
  for (const ch of text) units += gsmCost(ch)!;
  return units;
}

/**
 * Encoding, length and segment count of a message body. GSM-7 only when every character is in
 * the default alphabet or its extension table; otherwise UCS-2.
 *
 * An empty body is one GSM-7 segment of 0 units (an SMS with no text is still one message; the
 * API rejects empty bodies before this matters).
 */
export function analyzeText(body: string): TextAnalysis {
  const encoding = encodingOf(body);
  const limits = SEGMENT_LIMITS[encoding];
  const units = unitsOf(body, encoding);
  if (units <= limits.single) {
    return { encoding, segments: 1, units, unitsPerSegment: limits.single, unitsRemaining: limits.single - units };
  }
  // Escapes and surrogate pairs are never split, so a part may end short of 153/67:
  // the last part, not units modulo the limit, tells what is left.
  const parts = splitInto(body, encoding, limits.multi);
  const lastUnits = unitsOf(parts[parts.length - 1], encoding);
  return { encoding, segments: parts.length, units, unitsPerSegment: limits.multi, unitsRemaining: limits.multi - lastUnits };
}

/**
 * Parts for concatenated sending, each within 153 septets (GSM-7) or 67 UTF-16 units (UCS-2).
 * Never splits an escape sequence (an extension character stays whole) or a surrogate pair.
 * A text that fits one segment is returned as `[body]`, the empty text included.
 */
export function splitSegments(body: string): string[] {
  const encoding = encodingOf(body);
  const limits = SEGMENT_LIMITS[encoding];
  if (unitsOf(body, encoding) <= limits.single) return [body];
  return splitInto(body, encoding, limits.multi);
}

/**
 * Parts of at most `limit` septets (GSM-7) or UTF-16 units (UCS-2), never splitting an escape
 * sequence or a surrogate pair; for headers other than the usual 6-octet one (e.g. a 16-bit
 * concatenation reference leaves 152/66).
 */
export function splitWithin(body: string, encoding: MessageEncoding, limit: number): string[] {
  if (!Number.isInteger(limit) || limit < 2) throw new RangeError(`part limit must be an integer of at least 2, got ${limit}`);
  return splitInto(body, encoding, limit);
}

function splitInto(body: string, encoding: MessageEncoding, limit: number): string[] {
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const ch of body) {
    const cost = unitCost(ch, encoding);
    if (used + cost > limit) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += ch;
    used += cost;
  }
  if (current !== '') parts.push(current);
  return parts;
}

/**
 * Unpacked septet values, one per octet as SMPP sends them with data_coding 0; extension
 * characters come out as the escape 0x1B and their code. Throws a RangeError for a character
 * GSM 03.38 cannot carry: callers choose the encoding with `analyzeText` first.
 */
export function toGsm7Septets(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const basic = BASIC_INDEX.get(ch);
    const extension = GSM_EXTENSION.get(ch);
    if (basic !== undefined) out.push(basic);
    else if (extension !== undefined) out.push(ESC, extension);
    else throw new RangeError(`character ${codePointLabel(ch)} is not in the GSM 03.38 alphabet`);
  }
  return out;
}

/**
 * Text from unpacked septets (high bit ignored). Follows TS 23.038 for codes the extension
 * table does not define: the default-alphabet character of the same code is shown, and an
 * escape followed by another escape (reserved) or by nothing shows as a space.
 */
export function fromGsm7Septets(septets: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < septets.length; i += 1) {
    const septet = septets[i] & 0x7f;
    if (septet !== ESC) {
      out += GSM_BASIC[septet];
      continue;
    }
    i += 1;
    const code = i < septets.length ? septets[i] & 0x7f : ESC;
    out += code === ESC ? ' ' : (EXTENSION_BY_SEPTET.get(code) ?? GSM_BASIC[code]);
  }
  return out;
}

/**
 * Fill bits needed after a user data header of `udhOctets` octets (UDHL included) so the first
 * septet starts on a septet boundary: 1 for the 6-octet concatenation header, 0 for 7 octets.
 */
export function udhFillBits(udhOctets: number): number {
  if (!Number.isInteger(udhOctets) || udhOctets < 0) throw new RangeError(`invalid UDH length: ${udhOctets}`);
  return (7 - ((udhOctets * 8) % 7)) % 7;
}

function checkFillBits(fillBits: number): void {
  if (!Number.isInteger(fillBits) || fillBits < 0 || fillBits > 6) throw new RangeError(`fill bits must be 0..6, got ${fillBits}`);
}

/**
 * 7-bit packing (TS 23.038 §6.1.2.1.1): septets laid end to end, least significant bit first.
 * `fillBits` zero bits come first, for text that follows a UDH (see `udhFillBits`); the octets
 * returned are those after the header. Unused bits of the last octet are zero.
 */
export function packSeptets(septets: ArrayLike<number>, fillBits = 0): number[] {
  checkFillBits(fillBits);
  const out: number[] = [];
  let acc = 0;
  let bits = fillBits;
  for (let i = 0; i < septets.length; i += 1) {
    acc |= (septets[i] & 0x7f) << bits;
    bits += 7;
    while (bits >= 8) {
      out.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out.push(acc & 0xff);
  return out;
}

/**
 * Reverses `packSeptets`. Pass `septetCount` (the user data length in septets) when known:
 * seven septets fill seven octets with seven spare bits, which would otherwise read back as a
 * trailing '@' (0x00). Without it, every whole septet in the octets is returned.
 */
export function unpackSeptets(octets: ArrayLike<number>, septetCount?: number, fillBits = 0): number[] {
  checkFillBits(fillBits);
  const available = Math.max(0, Math.floor((octets.length * 8 - fillBits) / 7));
  const count = septetCount ?? available;
  if (!Number.isInteger(count) || count < 0 || count > available) {
    throw new RangeError(`${octets.length} octets hold ${available} septets, not ${septetCount}`);
  }
  const out: number[] = [];
  for (let k = 0; k < count; k += 1) {
    // Septet k starts at bit fillBits + 7k and may straddle two octets.
    const bit = fillBits + 7 * k;
    const byte = bit >> 3;
    const pair = (octets[byte] & 0xff) | (byte + 1 < octets.length ? (octets[byte + 1] & 0xff) << 8 : 0);
    out.push((pair >> (bit & 7)) & 0x7f);
  }
  return out;
}

/** Look-alikes and what they become: each entry lists characters sharing one replacement. */
const LOOK_ALIKE_GROUPS: readonly [string, string][] = [
  ['\u2018\u2019\u201A\u201B\u2032\u2035\u00B4\u0060\u02BC\u2039\u203A', "'"],
  ['\u201C\u201D\u201E\u201F\u2033\u2036\u00AB\u00BB', '"'],
  ['\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63', '-'],
  ['\t\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u202F\u205F\u3000', ' '],
  ['\u200B\u200C\u200D\u2060\uFEFF\u00AD', ''],
  ['\u2028\u2029\u0085', '\n'],
  ['\u2026', '...'],
  ['\u2022', '-'],
  ['\u02C6', '^'],
  ['\u02DC', '~'],
  // GSM 0x09 was lower-case ç in the original GSM 03.38 and many handsets still show it so.
  ['\u00E7', 'Ç'],
];
const LOOK_ALIKES: ReadonlyMap<string, string> = new Map(
  LOOK_ALIKE_GROUPS.flatMap(([chars, replacement]) => [...chars].map((ch) => [ch, replacement] as const)),
);

/** Full-width ASCII (U+FF01..U+FF5E) sits at a fixed offset from ASCII. */
const FULL_WIDTH_OFFSET = 0xfee0;

/**
 * Replaces look-alike Unicode (curly quotes, dashes, odd spaces, ellipsis, full-width ASCII…)
 * by GSM-7 characters, for accounts that opt in to save segments. Letters are never changed,
 * except ç → Ç. If the text would still need UCS-2 afterwards (an emoji, Cyrillic…), the body
 * is returned unchanged: the substitutions would save nothing, and '…' → '...' would cost more.
 */
export function smartEncode(body: string): string {
  if (isGsm7(body)) return body;
  let out = '';
  for (const ch of body) {
    const code = ch.codePointAt(0)!;
    const ascii = code >= 0xff01 && code <= 0xff5e ? String.fromCharCode(code - FULL_WIDTH_OFFSET) : ch;
    out += LOOK_ALIKES.get(ascii) ?? ascii;
  }
  return isGsm7(out) ? out : body;
}

function codePointLabel(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
