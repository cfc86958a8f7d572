// The SMPP short_message / message_payload codec: which alphabet a data_coding means (SMPP 3.4
// §5.2.19, 3GPP TS 23.038 §4 coding groups), the user data header of concatenated parts (IE 0x00
// with an 8-bit reference, IE 0x08 with a 16-bit one) or SAR TLVs, decoding text octets,
// joining parts at the octet level, and splitting an outgoing text into submit_sm parts.
// Used by the SMPP gateway (customers' submits) and the SMPP connector (submits to carriers).
// Free of Node built-ins (no Buffer): libs/domain also runs in workflow code.
import { analyzeText, fromGsm7Septets, SEGMENT_LIMITS, splitWithin, toGsm7Septets } from './encoding';

export type Alphabet = 'gsm7' | 'ascii' | 'latin1' | 'ucs2' | 'binary';

/** A TS 23.038 general data coding value (bits 7..6 = 00 or 01): alphabet in bits 3..2, compression in bit 5. */
function generalGroup(dataCoding: number): Alphabet | null {
  if (dataCoding & 0x20) return null; // compressed text: not supported by anyone in practice
  return (['gsm7', 'binary', 'ucs2', null] as const)[(dataCoding >> 2) & 0x03];
}

/** null = a data_coding we do not carry (the gateway answers ESME_RINVDCS). */
export function alphabetOf(dataCoding: number): Alphabet | null {
  if (!Number.isInteger(dataCoding) || dataCoding < 0 || dataCoding > 0xff) return null;
  // SMPP 3.4 values 0x00..0x0F. 5 JIS, 6 Cyrillic, 7 Hebrew, 9 pictogram, 10 ISO-2022-JP,
  // 13 extended kanji, 14 KS C 5601 are not carried; the rest are reserved.
  if (dataCoding <= 0x0f) {
    const smpp: Record<number, Alphabet> = { 0x00: 'gsm7', 0x01: 'ascii', 0x02: 'binary', 0x03: 'latin1', 0x04: 'binary', 0x08: 'ucs2' };
    return smpp[dataCoding] ?? null;
  }
  if (dataCoding <= 0x3f) return generalGroup(dataCoding);
  if (dataCoding <= 0x7f) return generalGroup(dataCoding & 0x3f); // same groups, marked for automatic deletion
  if (dataCoding <= 0xbf) return null; // reserved coding groups
  if (dataCoding <= 0xdf) return 'gsm7'; // message waiting indication, GSM-7
  if (dataCoding <= 0xef) return 'ucs2'; // message waiting indication, UCS-2
  return dataCoding & 0x04 ? 'binary' : 'gsm7'; // data coding / message class
}

/**
 * Where one part sits in a concatenated message. `referenceBits` says which header carried it
 * (8: IE 0x00; 16: IE 0x08 or the 16-bit sar_msg_ref_num TLV), so references of different
 * widths are never mistaken for the same message.
 */
export interface ConcatInfo {
  reference: number;
  total: number;
  sequence: number;
  referenceBits: 8 | 16;
}

export type UserDataErrorReason = 'unsupported_data_coding' | 'malformed_udh' | 'invalid_text';

/**
 * Refusal of user data, with a reason the SMPP gateway maps to a command status:
 * unsupported_data_coding → ESME_RINVDCS, malformed_udh → ESME_RINVESMCLASS,
 * invalid_text → ESME_RINVMSGLEN.
 */
export class UserDataError extends Error {
  constructor(
    readonly reason: UserDataErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'UserDataError';
  }
}

export interface SplitUserData {
  alphabet: Alphabet;
  /** Octets of the text after any UDH. */
  octets: Uint8Array;
  /** From the UDH (IEI 0x00 8-bit reference, IEI 0x08 16-bit reference) or from the SAR TLVs; null for a single message. */
  concat: ConcatInfo | null;
}

function checkConcat(total: number, sequence: number): void {
  if (!Number.isInteger(total) || !Number.isInteger(sequence)) throw new UserDataError('malformed_udh', `part ${sequence} of ${total} is not a whole number`);
  if (total < 1) throw new UserDataError('malformed_udh', `concatenation total of ${total} parts`);
  if (sequence < 1 || sequence > total) throw new UserDataError('malformed_udh', `part ${sequence} of ${total} is out of range`);
}

/** Parses a user data header; returns the concatenation IE if there is one, and where the text starts. */
function parseUdh(octets: Uint8Array): { concat: ConcatInfo | null; textStart: number } {
  if (octets.length === 0) throw new UserDataError('malformed_udh', 'UDHI is set but there is no user data header');
  const udhl = octets[0];
  if (1 + udhl > octets.length) throw new UserDataError('malformed_udh', `UDH length ${udhl} runs past the ${octets.length} octets of user data`);
  let concat: ConcatInfo | null = null;
  for (let i = 1; i < 1 + udhl; ) {
    if (i + 2 > 1 + udhl) throw new UserDataError('malformed_udh', `information element at octet ${i} is cut off`);
    const iei = octets[i];
    const length = octets[i + 1];
    const data = i + 2;
    if (data + length > 1 + udhl) throw new UserDataError('malformed_udh', `information element 0x${iei.toString(16)} of length ${length} runs past the UDH`);
    if (iei === 0x00) {
      if (length !== 3) throw new UserDataError('malformed_udh', `concatenation IE 0x00 must have length 3, not ${length}`);
      concat = { reference: octets[data], total: octets[data + 1], sequence: octets[data + 2], referenceBits: 8 };
    } else if (iei === 0x08) {
      if (length !== 4) throw new UserDataError('malformed_udh', `concatenation IE 0x08 must have length 4, not ${length}`);
      concat = { reference: (octets[data] << 8) | octets[data + 1], total: octets[data + 2], sequence: octets[data + 3], referenceBits: 16 };
    }
    i = data + length;
  }
  if (concat) checkConcat(concat.total, concat.sequence);
  return { concat, textStart: 1 + udhl };
}

/**
 * Separates the text octets of a short_message (or message_payload) from its user data header
 * and tells which part of a concatenated message it is. A concatenation IE in the UDH wins over
 * SAR TLVs sent alongside it (the header is what handsets honour). A total of 1 is returned as
 * is: the caller treats it as a single message. Binary data_codings are refused here, before any
 * part is stored, because only text is carried onwards: the customer learns it at the first
 * part rather than after the last.
 */
export function splitUserData(input: {
  dataCoding: number;
  /** esm_class bit 0x40 (UDHI) set */
  udhi: boolean;
  octets: Uint8Array;
  /** sar_msg_ref_num / sar_total_segments / sar_segment_seqnum TLVs when present */
  sar?: { reference: number; total: number; sequence: number };
}): SplitUserData {
  const alphabet = alphabetOf(input.dataCoding);
  if (!alphabet || alphabet === 'binary') {
    throw new UserDataError('unsupported_data_coding', `data_coding 0x${input.dataCoding.toString(16).padStart(2, '0')} is not a text coding we carry`);
  }
  if (input.udhi) {
    const { concat, textStart } = parseUdh(input.octets);
    if (concat || !input.sar) return { alphabet, octets: input.octets.subarray(textStart), concat };
    checkConcat(input.sar.total, input.sar.sequence);
    return { alphabet, octets: input.octets.subarray(textStart), concat: { ...input.sar, referenceBits: 16 } };
  }
  if (input.sar) {
    checkConcat(input.sar.total, input.sar.sequence);
    return { alphabet, octets: input.octets, concat: { ...input.sar, referenceBits: 16 } };
  }
  return { alphabet, octets: input.octets, concat: null };
}

/**
 * Decodes text octets of one alphabet. gsm7: unpacked septets (fromGsm7Septets); ascii:
 * 0x00–0x7F only, else invalid_text; latin1: one character per octet; ucs2: UTF-16BE, an odd
 * length is invalid_text (a lone surrogate is kept as a code unit: the neighbouring part may
 * complete it). binary is not text: unsupported_data_coding. Hand-written rather than
 * TextDecoder, which workflow code cannot rely on.
 */
export function decodeText(alphabet: Alphabet, octets: Uint8Array): string {
  switch (alphabet) {
    case 'gsm7':
      return fromGsm7Septets(octets);
    case 'ascii': {
      let out = '';
      for (const o of octets) {
        if (o > 0x7f) throw new UserDataError('invalid_text', `octet 0x${o.toString(16)} is not IA5/ASCII`);
        out += String.fromCharCode(o);
      }
      return out;
    }
    case 'latin1': {
      let out = '';
      for (const o of octets) out += String.fromCharCode(o);
      return out;
    }
    case 'ucs2': {
      if (octets.length % 2 !== 0) throw new UserDataError('invalid_text', `UCS-2 text of ${octets.length} octets (an odd number)`);
      let out = '';
      for (let i = 0; i < octets.length; i += 2) out += String.fromCharCode((octets[i] << 8) | octets[i + 1]);
      return out;
    }
    default:
      throw new UserDataError('unsupported_data_coding', 'binary user data is not text');
  }
}

/**
 * Joins the parts of a concatenated message at the octet level, then decodes once, so an
 * escape (0x1B) at the end of a GSM-7 part or a surrogate pair split across UCS-2 parts decodes
 * correctly. Parts may come in any order; a sequence number missing, repeated or outside
 * 1..total is a malformed_udh error.
 */
export function reassembleText(alphabet: Alphabet, total: number, parts: readonly { sequence: number; octets: Uint8Array }[]): string {
  if (!Number.isInteger(total) || total < 1) throw new UserDataError('malformed_udh', `concatenation total of ${total} parts`);
  const bySequence = new Map<number, Uint8Array>();
  for (const part of parts) {
    if (!Number.isInteger(part.sequence) || part.sequence < 1 || part.sequence > total) throw new UserDataError('malformed_udh', `part ${part.sequence} of ${total} is out of range`);
    if (bySequence.has(part.sequence)) throw new UserDataError('malformed_udh', `part ${part.sequence} appears twice`);
    bySequence.set(part.sequence, part.octets);
  }
  let length = 0;
  for (let sequence = 1; sequence <= total; sequence += 1) {
    const octets = bySequence.get(sequence);
    if (!octets) throw new UserDataError('malformed_udh', `part ${sequence} of ${total} is missing`);
    length += octets.length;
  }
  const joined = new Uint8Array(length);
  let offset = 0;
  for (let sequence = 1; sequence <= total; sequence += 1) {
    const octets = bySequence.get(sequence)!;
    joined.set(octets, offset);
    offset += octets.length;
  }
  return decodeText(alphabet, joined);
}

export type ConcatMode = 'udh8' | 'udh16' | 'sar' | 'payload';

export interface SubmitPart {
  dataCoding: 0x00 | 0x08;
  /** 0x40 (UDHI) when shortMessage starts with a UDH, else 0x00. */
  esmClass: number;
  /** short_message octets (UDH included), or the whole text when `inPayload`. */
  shortMessage: Uint8Array;
  /** true: send these octets in the message_payload TLV with an empty short_message. */
  inPayload: boolean;
  sar?: { reference: number; total: number; sequence: number };
}

const UDHI = 0x40;
/** message_payload's length field is 16 bits. */
const MAX_PAYLOAD_OCTETS = 0xffff;
/** TP-UD holds 140 octets; the 7-octet UDH of a 16-bit reference leaves 152 septets or 66 UCS-2 units. */
const UDH16_LIMITS = { 'GSM-7': 152, 'UCS-2': 66 } as const;

function textOctets(text: string, ucs2: boolean): Uint8Array {
  if (!ucs2) return Uint8Array.from(toGsm7Septets(text));
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    out[2 * i] = unit >> 8;
    out[2 * i + 1] = unit & 0xff;
  }
  return out;
}

function withHeader(header: readonly number[], text: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + text.length);
  out.set(header, 0);
  out.set(text, header.length);
  return out;
}

/**
 * The submit_sm (or deliver_sm) parts for a text: GSM-7 (data_coding 0, unpacked septets,
 * escape + code for extension characters) when `analyzeText` says so, else UCS-2 (data_coding
 * 8, UTF-16BE, surrogate pairs as two units). A text of one segment is one part without UDH,
 * SAR or payload whatever the mode. 'udh8' and 'sar' parts hold 153 septets / 67 units, so their
 * count is `analyzeText(body).segments` (what the customer is billed); 'udh16' has a 7-octet
 * header and holds 152 / 66; 'payload' sends the whole text in message_payload for the SMSC to
 * split. Parts never split an escape sequence or a surrogate pair. `reference` is masked to the
 * header's width. Throws a RangeError past 255 parts or 65535 payload octets.
 */
export function encodeSubmitParts(body: string, mode: ConcatMode, reference: number): SubmitPart[] {
  const { encoding, segments } = analyzeText(body);
  const ucs2 = encoding === 'UCS-2';
  const dataCoding = ucs2 ? 0x08 : 0x00;
  if (mode === 'payload' || segments === 1) {
    const octets = textOctets(body, ucs2);
    if (octets.length > MAX_PAYLOAD_OCTETS) throw new RangeError(`text of ${octets.length} octets is longer than message_payload can carry (${MAX_PAYLOAD_OCTETS})`);
    return [{ dataCoding, esmClass: 0, shortMessage: octets, inPayload: segments > 1 }];
  }
  const limit = mode === 'udh16' ? UDH16_LIMITS[encoding] : SEGMENT_LIMITS[encoding].multi;
  const texts = splitWithin(body, encoding, limit);
  const total = texts.length;
  if (total > 255) throw new RangeError(`text needs ${total} parts; concatenation allows 255`);
  const ref8 = reference & 0xff;
  const ref16 = reference & 0xffff;
  return texts.map((text, i) => {
    const sequence = i + 1;
    const octets = textOctets(text, ucs2);
    if (mode === 'sar') return { dataCoding, esmClass: 0, shortMessage: octets, inPayload: false, sar: { reference: ref16, total, sequence } };
    const header = mode === 'udh16' ? [0x06, 0x08, 0x04, ref16 >> 8, ref16 & 0xff, total, sequence] : [0x05, 0x00, 0x03, ref8, total, sequence];
    return { dataCoding, esmClass: UDHI, shortMessage: withHeader(header, octets), inPayload: false };
  });
}
