// Test vectors for the SMPP user-data codec: data_coding table, UDH/SAR parsing, decoding,
// octet-level reassembly and splitting into submit_sm parts (escape and surrogate edges).
import { analyzeText, splitWithin, toGsm7Septets } from './encoding';
import { alphabetOf, decodeText, encodeSubmitParts, reassembleText, splitUserData, UserDataError } from './smpp-user-data';

const bytes = (...values: number[]) => Uint8Array.from(values);
// No Buffer: libs/domain keeps clear of Node built-ins, its tests included.
const hex = (octets: Uint8Array) => Array.from(octets, (o) => o.toString(16).padStart(2, '0')).join('');
const ascii = (text: string) => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));

describe('alphabetOf', () => {
  it.each([
    [0x00, 'gsm7'],
    [0x01, 'ascii'],
    [0x02, 'binary'],
    [0x03, 'latin1'],
    [0x04, 'binary'],
    [0x05, null],
    [0x06, null],
    [0x07, null],
    [0x08, 'ucs2'],
    [0x09, null],
    [0x0a, null],
    [0x0b, null],
    [0x0c, null],
    [0x0d, null],
    [0x0e, null],
    [0x0f, null],
    [0x10, 'gsm7'], // general group, class 0
    [0x11, 'gsm7'],
    [0x12, 'gsm7'],
    [0x14, 'binary'],
    [0x15, 'binary'],
    [0x18, 'ucs2'],
    [0x19, 'ucs2'],
    [0x1c, null], // alphabet bits 11: reserved
    [0x1f, null],
    [0x20, null], // compressed
    [0x24, null],
    [0x28, null],
    [0x38, null],
    [0x3f, null],
    [0x40, 'gsm7'], // automatic deletion group: bits 5..0 as the general group
    [0x41, 'gsm7'],
    [0x44, 'binary'],
    [0x48, 'ucs2'],
    [0x4c, null],
    [0x60, null], // compressed
    [0x68, null],
    [0x7f, null],
    [0x80, null], // reserved coding groups
    [0x9a, null],
    [0xbf, null],
    [0xc0, 'gsm7'],
    [0xd8, 'gsm7'],
    [0xe0, 'ucs2'],
    [0xef, 'ucs2'],
    [0xf0, 'gsm7'],
    [0xf1, 'gsm7'],
    [0xf4, 'binary'],
    [0xf7, 'binary'],
  ])('data_coding %p is %p', (dataCoding, alphabet) => {
    expect(alphabetOf(dataCoding)).toBe(alphabet);
  });

  it('has no alphabet for values that are not an octet', () => {
    for (const value of [-1, 0x100, 1.5, Number.NaN]) expect(alphabetOf(value)).toBeNull();
  });
});

describe('splitUserData', () => {
  it('reads an 8-bit reference concatenation header', () => {
    const split = splitUserData({ dataCoding: 0, udhi: true, octets: bytes(0x05, 0x00, 0x03, 0xa7, 0x03, 0x02, 0x48, 0x69) });
    expect(split.concat).toEqual({ reference: 0xa7, total: 3, sequence: 2, referenceBits: 8 });
    expect(hex(split.octets)).toBe('4869');
    expect(split.alphabet).toBe('gsm7');
  });

  it('reads a 16-bit reference concatenation header', () => {
    const split = splitUserData({ dataCoding: 8, udhi: true, octets: bytes(0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01, 0x00, 0x41) });
    expect(split.concat).toEqual({ reference: 0x1234, total: 2, sequence: 1, referenceBits: 16 });
    expect(hex(split.octets)).toBe('0041');
  });

  it('skips other information elements and finds the concatenation one after them', () => {
    // IE 0x24 (national language single shift, length 1), then IE 0x00.
    const split = splitUserData({ dataCoding: 0, udhi: true, octets: bytes(0x08, 0x24, 0x01, 0x02, 0x00, 0x03, 0x01, 0x02, 0x02, 0x41) });
    expect(split.concat).toEqual({ reference: 1, total: 2, sequence: 2, referenceBits: 8 });
    expect(hex(split.octets)).toBe('41');
  });

  it('takes the SAR TLVs when there is no UDH', () => {
    const split = splitUserData({ dataCoding: 0, udhi: false, octets: ascii('Hi'), sar: { reference: 513, total: 2, sequence: 2 } });
    expect(split.concat).toEqual({ reference: 513, total: 2, sequence: 2, referenceBits: 16 });
    expect(hex(split.octets)).toBe('4869');
  });

  it('lets the UDH concatenation IE win over SAR TLVs', () => {
    const split = splitUserData({
      dataCoding: 0,
      udhi: true,
      octets: bytes(0x05, 0x00, 0x03, 0x2a, 0x04, 0x03, 0x41),
      sar: { reference: 999, total: 9, sequence: 9 },
    });
    expect(split.concat).toEqual({ reference: 0x2a, total: 4, sequence: 3, referenceBits: 8 });
    expect(hex(split.octets)).toBe('41');
  });

  it('takes the SAR TLVs when the UDH has no concatenation IE', () => {
    const split = splitUserData({ dataCoding: 8, udhi: true, octets: bytes(0x03, 0x24, 0x01, 0x02, 0x00, 0x41), sar: { reference: 7, total: 3, sequence: 1 } });
    expect(split.concat).toEqual({ reference: 7, total: 3, sequence: 1, referenceBits: 16 });
    expect(hex(split.octets)).toBe('0041');
  });

  it('returns a total of 1 as concatenation info for the caller to treat as single', () => {
    expect(splitUserData({ dataCoding: 0, udhi: true, octets: bytes(0x05, 0x00, 0x03, 0x09, 0x01, 0x01, 0x41) }).concat).toEqual({
      reference: 9,
      total: 1,
      sequence: 1,
      referenceBits: 8,
    });
  });

  it.each([
    ['sequence 0', { reference: 1, total: 2, sequence: 0 }],
    ['sequence beyond total', { reference: 1, total: 2, sequence: 3 }],
    ['total 0', { reference: 1, total: 0, sequence: 0 }],
  ])('refuses SAR TLVs with %s', (_, sar) => {
    expect(() => splitUserData({ dataCoding: 0, udhi: false, octets: ascii('Hi'), sar })).toThrow(expect.objectContaining({ reason: 'malformed_udh' }));
  });

  it('keeps a UDH with only other IEs and an empty UDH as a single message', () => {
    expect(splitUserData({ dataCoding: 0, udhi: true, octets: bytes(0x03, 0x24, 0x01, 0x02, 0x41) })).toMatchObject({ concat: null });
    const empty = splitUserData({ dataCoding: 0, udhi: true, octets: bytes(0x00, 0x41, 0x42) });
    expect(empty.concat).toBeNull();
    expect(hex(empty.octets)).toBe('4142');
  });

  it('returns no concatenation for a plain message', () => {
    expect(splitUserData({ dataCoding: 0, udhi: false, octets: ascii('Hi') }).concat).toBeNull();
  });

  it.each([
    ['UDHL past the end', bytes(0x09, 0x00, 0x03, 0x01)],
    ['an IE past the UDHL', bytes(0x03, 0x00, 0x03, 0x01, 0x02, 0x01)],
    ['an IE header cut off by the UDHL', bytes(0x06, 0x00, 0x03, 0x01, 0x02, 0x01, 0x24, 0x41)],
    ['an IE of another kind past the UDHL', bytes(0x03, 0x24, 0x05, 0x01, 0x41, 0x41, 0x41)],
    ['IE 0x00 of length 2', bytes(0x04, 0x00, 0x02, 0x01, 0x02, 0x41)],
    ['IE 0x08 of length 3', bytes(0x05, 0x08, 0x03, 0x01, 0x02, 0x01, 0x41)],
    ['sequence 0', bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x00, 0x41)],
    ['sequence beyond total', bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x03, 0x41)],
    ['total 0', bytes(0x05, 0x00, 0x03, 0x01, 0x00, 0x00, 0x41)],
    ['no header at all', bytes()],
  ])('refuses a malformed UDH: %s', (_, octets) => {
    expect(() => splitUserData({ dataCoding: 0, udhi: true, octets })).toThrow(expect.objectContaining({ reason: 'malformed_udh' }));
  });

  it('says what is wrong with a malformed UDH', () => {
    expect(() => splitUserData({ dataCoding: 0, udhi: true, octets: bytes(0x09, 0x00) })).toThrow(/UDH length 9 runs past the 2 octets/);
    expect(() => splitUserData({ dataCoding: 0, udhi: true, octets: bytes(0x04, 0x00, 0x02, 0x01, 0x02) })).toThrow(/IE 0x00 must have length 3, not 2/);
    expect(() => splitUserData({ dataCoding: 0, udhi: true, octets: bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x03) })).toThrow(/part 3 of 2 is out of range/);
  });

  it('refuses binary and unsupported codings', () => {
    for (const dataCoding of [0x02, 0x04, 0x05, 0x06, 0x09, 0x20, 0x80, 0xf4]) {
      let error: unknown;
      try {
        splitUserData({ dataCoding, udhi: false, octets: bytes(1) });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UserDataError);
      expect(error).toMatchObject({ reason: 'unsupported_data_coding', name: 'UserDataError' });
    }
  });

  it('accepts the text alphabets', () => {
    expect([0x00, 0x01, 0x03, 0x08, 0x18, 0xf0].map((dataCoding) => splitUserData({ dataCoding, udhi: false, octets: bytes(0x41, 0x42) }).alphabet)).toEqual([
      'gsm7',
      'ascii',
      'latin1',
      'ucs2',
      'ucs2',
      'gsm7',
    ]);
  });
});

describe('decodeText', () => {
  it('decodes GSM 03.38 septets including the extension table, and the same bytes are what is sent', () => {
    const septets = bytes(0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x1b, 0x65, 0x1b, 0x3c, 0x1b, 0x3e, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x14, 0x1b, 0x3d, 0x1b, 0x2f, 0x1b, 0x40);
    const text = 'Hello €[]{}^~\\|';
    expect(decodeText('gsm7', septets)).toBe(text);
    expect(hex(Uint8Array.from(toGsm7Septets(text)))).toBe(hex(septets));
    const [part] = encodeSubmitParts(text, 'udh8', 1);
    expect(part).toMatchObject({ dataCoding: 0, esmClass: 0, inPayload: false });
    expect(hex(part.shortMessage)).toBe(hex(septets));
    expect(decodeText('gsm7', bytes(0x00, 0x02, 0x11))).toBe('@$_');
  });

  it('decodes IA5 and refuses octets above 0x7F', () => {
    expect(decodeText('ascii', ascii('@{x}'))).toBe('@{x}');
    expect(() => decodeText('ascii', bytes(0x41, 0x80))).toThrow(expect.objectContaining({ reason: 'invalid_text' }));
  });

  it('decodes Latin-1', () => {
    expect(decodeText('latin1', bytes(0xe9))).toBe('é');
    expect(decodeText('latin1', bytes(0x63, 0x61, 0x66, 0xe9, 0xff))).toBe('caféÿ');
  });

  it('decodes UCS-2 big-endian with surrogate pairs and refuses an odd length', () => {
    const privet = bytes(0x04, 0x1f, 0x04, 0x40, 0x04, 0x38, 0x04, 0x32, 0x04, 0x35, 0x04, 0x42);
    expect(decodeText('ucs2', privet)).toBe('Привет');
    expect(decodeText('ucs2', bytes(0xd8, 0x3d, 0xde, 0x00))).toBe('😀');
    expect(() => decodeText('ucs2', bytes(0x00, 0x41, 0x00))).toThrow(expect.objectContaining({ reason: 'invalid_text' }));
  });

  it('encodes UCS-2 as UTF-16BE with the emoji as two units', () => {
    const [part] = encodeSubmitParts('Привет😀', 'udh8', 1);
    expect(part).toMatchObject({ dataCoding: 8, esmClass: 0, inPayload: false });
    expect(hex(part.shortMessage)).toBe('041f04400438043204350442d83dde00');
  });

  it('keeps a lone surrogate as a code unit for a neighbouring part to complete', () => {
    const text = decodeText('ucs2', bytes(0x00, 0x41, 0xd8, 0x3d));
    expect(text).toHaveLength(2);
    expect(text.charCodeAt(1)).toBe(0xd83d);
  });

  it('refuses to decode binary as text', () => {
    expect(() => decodeText('binary', bytes(0x41))).toThrow(expect.objectContaining({ reason: 'unsupported_data_coding' }));
  });
});

describe('reassembleText', () => {
  it('joins parts given in any order', () => {
    const parts = [
      { sequence: 3, octets: ascii('!') },
      { sequence: 1, octets: ascii('Hel') },
      { sequence: 2, octets: ascii('lo') },
    ];
    expect(reassembleText('gsm7', 3, parts)).toBe('Hello!');
  });

  it('decodes a GSM-7 escape split across parts (at the octet level)', () => {
    expect(reassembleText('gsm7', 2, [{ sequence: 2, octets: bytes(0x65, 0x31) }, { sequence: 1, octets: bytes(0x41, 0x1b) }])).toBe('A€1');
  });

  it('decodes a surrogate pair split across UCS-2 parts', () => {
    expect(reassembleText('ucs2', 2, [{ sequence: 1, octets: bytes(0x00, 0x41, 0xd8, 0x3d) }, { sequence: 2, octets: bytes(0xde, 0x00) }])).toBe('A😀');
  });

  it('decodes an escape that ends the last-but-one part of three given backwards', () => {
    const parts = [
      { sequence: 3, octets: bytes(0x3c, 0x5a) },
      { sequence: 2, octets: bytes(0x42, 0x1b) },
      { sequence: 1, octets: bytes(0x41) },
    ];
    expect(reassembleText('gsm7', 3, parts)).toBe('AB[Z');
  });

  it('refuses missing, repeated and out-of-range parts', () => {
    const one = { sequence: 1, octets: ascii('a') };
    const malformed = expect.objectContaining({ reason: 'malformed_udh' });
    expect(() => reassembleText('gsm7', 2, [one])).toThrow(/part 2 of 2 is missing/);
    expect(() => reassembleText('gsm7', 2, [one])).toThrow(malformed);
    expect(() => reassembleText('gsm7', 2, [one, one])).toThrow(/appears twice/);
    expect(() => reassembleText('gsm7', 2, [one, one])).toThrow(malformed);
    expect(() => reassembleText('gsm7', 2, [one, { sequence: 3, octets: ascii('b') }])).toThrow(/out of range/);
    expect(() => reassembleText('gsm7', 2, [{ sequence: 0, octets: ascii('b') }, one])).toThrow(malformed);
    expect(() => reassembleText('gsm7', 0, [])).toThrow(malformed);
  });
});

describe('encodeSubmitParts', () => {
  it('sends a one-segment text as one part without a header in every mode', () => {
    for (const mode of ['udh8', 'udh16', 'sar', 'payload'] as const) {
      const parts = encodeSubmitParts('A'.repeat(160), mode, 7);
      expect(parts).toHaveLength(1);
      expect(parts[0]).toMatchObject({ dataCoding: 0, esmClass: 0, inPayload: false });
      expect(parts[0].shortMessage).toHaveLength(160);
    }
    expect(encodeSubmitParts('Я'.repeat(70), 'udh8', 7)).toHaveLength(1);
  });

  it('sends exactly 160 septets and 70 units as one part, and the first escape past 160 makes two', () => {
    expect(encodeSubmitParts('A'.repeat(160), 'sar', 1)).toHaveLength(1);
    expect(encodeSubmitParts(`${'A'.repeat(158)}€`, 'udh8', 1)).toHaveLength(1);
    expect(encodeSubmitParts(`${'A'.repeat(159)}€`, 'udh8', 1)).toHaveLength(2);
    expect(encodeSubmitParts('Я'.repeat(70), 'udh16', 1)).toHaveLength(1);
    expect(encodeSubmitParts('Я'.repeat(71), 'udh16', 1)).toHaveLength(2);
    expect(encodeSubmitParts(`${'Я'.repeat(68)}😀`, 'sar', 1)).toHaveLength(1);
    expect(encodeSubmitParts(`${'Я'.repeat(69)}😀`, 'sar', 1)).toHaveLength(2);
  });

  it('puts the header then the first septets in an 8-bit reference part', () => {
    const parts = encodeSubmitParts(`Hello${'x'.repeat(200)}`, 'udh8', 0x3ff);
    expect(hex(parts[0].shortMessage.subarray(0, 11))).toBe('050003ff020148656c6c6f');
  });

  it('puts the header then the first units in UCS-2 parts', () => {
    const body = `Привет${'Ж'.repeat(100)}`;
    const udh8 = encodeSubmitParts(body, 'udh8', 0x1234);
    expect(hex(udh8[0].shortMessage.subarray(0, 10))).toBe('050003340201041f0440');
    expect(hex(udh8[1].shortMessage.subarray(0, 6))).toBe('050003340202');
    const udh16 = encodeSubmitParts(body, 'udh16', 0x1234);
    expect(hex(udh16[0].shortMessage.subarray(0, 11))).toBe('06080412340201041f0440');
    expect(udh16.every((p) => p.esmClass === 0x40 && p.dataCoding === 8)).toBe(true);
  });

  it('splits 161 GSM-7 characters in two parts with an 8-bit reference UDH', () => {
    const parts = encodeSubmitParts('A'.repeat(161), 'udh8', 0x1a7);
    expect(parts).toHaveLength(2);
    expect(hex(parts[0].shortMessage.subarray(0, 7))).toBe('050003a7020141');
    expect(hex(parts[1].shortMessage.subarray(0, 6))).toBe('050003a70202');
    expect(parts[0].shortMessage).toHaveLength(6 + 153);
    expect(parts[1].shortMessage).toHaveLength(6 + 8);
    expect(parts.every((p) => p.esmClass === 0x40 && p.dataCoding === 0)).toBe(true);
  });

  it('uses 152 septets / 66 UCS-2 units per part with a 16-bit reference (7-octet header)', () => {
    const gsm = encodeSubmitParts('B'.repeat(304), 'udh16', 0x1234);
    expect(gsm).toHaveLength(2);
    expect(hex(gsm[0].shortMessage.subarray(0, 7))).toBe('06080412340201');
    expect(gsm.map((p) => p.shortMessage.length)).toEqual([7 + 152, 7 + 152]);
    const ucs = encodeSubmitParts('Ж'.repeat(132), 'udh16', 1);
    expect(ucs.map((p) => p.shortMessage.length)).toEqual([7 + 132, 7 + 132]);
    expect(ucs[0].dataCoding).toBe(8);
  });

  it('needs a third part with a 16-bit reference where an 8-bit one fits in two', () => {
    expect(encodeSubmitParts('D'.repeat(306), 'udh8', 1).map((p) => p.shortMessage.length - 6)).toEqual([153, 153]);
    expect(encodeSubmitParts('D'.repeat(306), 'udh16', 1).map((p) => p.shortMessage.length - 7)).toEqual([152, 152, 2]);
    expect(encodeSubmitParts('Ж'.repeat(134), 'udh8', 1).map((p) => (p.shortMessage.length - 6) / 2)).toEqual([67, 67]);
    expect(encodeSubmitParts('Ж'.repeat(134), 'udh16', 1).map((p) => (p.shortMessage.length - 7) / 2)).toEqual([66, 66, 2]);
  });

  it('uses 67 UCS-2 units per part: 71 characters make two parts', () => {
    const parts = encodeSubmitParts('Ж'.repeat(71), 'udh8', 3);
    expect(parts.map((p) => (p.shortMessage.length - 6) / 2)).toEqual([67, 4]);
  });

  it('uses 153 septets / 67 units per SAR part', () => {
    expect(encodeSubmitParts('E'.repeat(161), 'sar', 1).map((p) => p.shortMessage.length)).toEqual([153, 8]);
    expect(encodeSubmitParts('Ж'.repeat(71), 'sar', 1).map((p) => p.shortMessage.length / 2)).toEqual([67, 4]);
  });

  it('moves an extension character whole to the next part rather than splitting its escape', () => {
    const body = `${'A'.repeat(152)}€${'B'.repeat(20)}`; // the escape would be septet 153, its code 154
    const parts = encodeSubmitParts(body, 'udh8', 1);
    const first = parts[0].shortMessage.subarray(6);
    expect(first).toHaveLength(152);
    expect(first[151]).toBe(0x41);
    expect(hex(parts[1].shortMessage.subarray(6, 8))).toBe('1b65');
  });

  it('moves an extension character whole under the 152-septet limit of a 16-bit reference', () => {
    const body = `${'A'.repeat(151)}€${'B'.repeat(20)}`; // escape at septet 152, its code at 153
    const parts = encodeSubmitParts(body, 'udh16', 1);
    expect(parts[0].shortMessage.subarray(7)).toHaveLength(151);
    expect(hex(parts[1].shortMessage.subarray(7, 9))).toBe('1b65');
  });

  it('moves a surrogate pair whole to the next part', () => {
    const body = `${'Ж'.repeat(66)}😀${'Ж'.repeat(10)}`;
    const parts = encodeSubmitParts(body, 'udh8', 1);
    expect((parts[0].shortMessage.length - 6) / 2).toBe(66);
    expect(hex(parts[1].shortMessage.subarray(6, 10))).toBe('d83dde00');
  });

  it('moves a surrogate pair whole under the 66-unit limit of a 16-bit reference', () => {
    const body = `${'Ж'.repeat(65)}😀${'Ж'.repeat(10)}`;
    const parts = encodeSubmitParts(body, 'udh16', 1);
    expect((parts[0].shortMessage.length - 7) / 2).toBe(65);
    expect(hex(parts[1].shortMessage.subarray(7, 11))).toBe('d83dde00');
  });

  it('sends SAR parts without a header and the whole text in message_payload for payload', () => {
    const sar = encodeSubmitParts('C'.repeat(200), 'sar', 0x10203);
    expect(sar.map((p) => p.sar)).toEqual([
      { reference: 0x0203, total: 2, sequence: 1 },
      { reference: 0x0203, total: 2, sequence: 2 },
    ]);
    expect(sar.every((p) => p.esmClass === 0)).toBe(true);
    const payload = encodeSubmitParts('C'.repeat(200), 'payload', 0);
    expect(payload).toEqual([expect.objectContaining({ inPayload: true, esmClass: 0 })]);
    expect(payload[0].shortMessage).toHaveLength(200);
  });

  it('gives as many udh8/sar parts as analyzeText counts segments, fits TP-UD, and round-trips every mode', () => {
    // mulberry32 from a fixed seed: the same bodies on every run.
    let seed = 0x5eed;
    const next = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    // The first seven are GSM-7 (two from the extension table); the rest need UCS-2.
    const alphabet = ['a', 'Z', ' ', '€', '{', '\\', 'é', 'Ж', '😀', '\n', '^', 'ü'];
    const seen = { 'GSM-7': 0, 'UCS-2': 0, multipart: 0 };
    for (let n = 0; n < 300; n += 1) {
      const length = 1 + Math.floor(next() * 420);
      const gsmOnly = next() < 0.5;
      let body = '';
      for (let i = 0; i < length; i += 1) body += alphabet[Math.floor(next() * (gsmOnly ? 7 : alphabet.length))];
      const { segments, encoding } = analyzeText(body);
      seen[encoding] += 1;
      if (segments > 1) seen.multipart += 1;
      const reference = (n * 7919) & 0xffff;
      for (const mode of ['udh8', 'udh16', 'sar', 'payload'] as const) {
        const parts = encodeSubmitParts(body, mode, reference);
        if (mode === 'udh8' || mode === 'sar') expect(parts).toHaveLength(segments);
        for (const p of parts) {
          expect(p.dataCoding).toBe(encoding === 'GSM-7' ? 0 : 8);
          if (p.inPayload) continue;
          // The part must fit the 140-octet TP-UD once the SMSC packs it (header, fill bits, septets).
          const udhOctets = p.esmClass & 0x40 ? p.shortMessage[0] + 1 : 0;
          const textOctets = p.shortMessage.length - udhOctets;
          const onAir = p.dataCoding === 0 ? Math.ceil((udhOctets * 8 + textOctets * 7) / 8) : udhOctets + textOctets;
          expect(onAir).toBeLessThanOrEqual(140);
        }
        const split = parts.map((p) =>
          splitUserData({ dataCoding: p.dataCoding, udhi: (p.esmClass & 0x40) !== 0, octets: p.shortMessage, sar: p.sar }),
        );
        if (split.length > 1) {
          const expected = mode === 'udh8' ? { reference: reference & 0xff, referenceBits: 8 } : { reference, referenceBits: 16 };
          for (const s of split) expect(s.concat).toMatchObject({ ...expected, total: split.length });
        }
        const text =
          split.length === 1 && !split[0].concat
            ? decodeText(split[0].alphabet, split[0].octets)
            : reassembleText(
                split[0].alphabet,
                split[0].concat!.total,
                // Reversed: the order parts arrive in must not matter.
                split.map((s) => ({ sequence: s.concat!.sequence, octets: s.octets })).reverse(),
              );
        expect(text).toBe(body);
      }
    }
    expect(seen['GSM-7']).toBeGreaterThan(50);
    expect(seen['UCS-2']).toBeGreaterThan(50);
    expect(seen.multipart).toBeGreaterThan(100);
  });

  it('allows 255 parts and refuses 256', () => {
    expect(encodeSubmitParts('A'.repeat(153 * 255), 'udh8', 1)).toHaveLength(255);
    expect(encodeSubmitParts('A'.repeat(153 * 255), 'sar', 1)).toHaveLength(255);
    expect(() => encodeSubmitParts('A'.repeat(153 * 255 + 1), 'udh8', 1)).toThrow(RangeError);
    expect(() => encodeSubmitParts('A'.repeat(153 * 255 + 1), 'sar', 1)).toThrow(RangeError);
    expect(() => encodeSubmitParts('A'.repeat(152 * 255 + 1), 'udh16', 1)).toThrow(RangeError);
    expect(() => encodeSubmitParts('😀'.repeat(34 * 256), 'udh8', 1)).toThrow(RangeError);
  });

  it('carries up to 65535 octets in message_payload', () => {
    expect(encodeSubmitParts('A'.repeat(65535), 'payload', 0)[0].shortMessage).toHaveLength(65535);
    expect(() => encodeSubmitParts('A'.repeat(65536), 'payload', 0)).toThrow(RangeError);
    expect(() => encodeSubmitParts('Ж'.repeat(32768), 'payload', 0)).toThrow(RangeError);
  });
});

describe('splitWithin', () => {
  it('splits at any limit without breaking an escape or a surrogate pair', () => {
    expect(splitWithin('AB€C', 'GSM-7', 3)).toEqual(['AB', '€C']);
    expect(splitWithin('Ж😀Ж', 'UCS-2', 2)).toEqual(['Ж', '😀', 'Ж']);
    expect(() => splitWithin('A', 'GSM-7', 1)).toThrow(RangeError);
  });
});
