// Test vectors for the SMPP user-data codec: data_coding table, UDH/SAR parsing, decoding,
// octet-level reassembly and splitting into submit_sm parts (escape and surrogate edges).
import { analyzeText } from './encoding';
import { alphabetOf, decodeText, encodeSubmitParts, reassembleText, splitUserData, UserDataError } from './smpp-user-data';

const bytes = (...values: number[]) => Uint8Array.from(values);
const hex = (octets: Uint8Array) => Buffer.from(octets).toString('hex');
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
    [0x0d, null],
    [0x0e, null],
    [0x0f, null],
    [0x10, 'gsm7'], // general group, class 0
    [0x11, 'gsm7'],
    [0x14, 'binary'],
    [0x18, 'ucs2'],
    [0x19, 'ucs2'],
    [0x1c, null],
    [0x20, null], // compressed
    [0x38, null],
    [0x40, 'gsm7'], // automatic deletion group
    [0x48, 'ucs2'],
    [0x60, null],
    [0x80, null],
    [0xbf, null],
    [0xc0, 'gsm7'],
    [0xd8, 'gsm7'],
    [0xe0, 'ucs2'],
    [0xef, 'ucs2'],
    [0xf0, 'gsm7'],
    [0xf1, 'gsm7'],
    [0xf4, 'binary'],
    [0xf7, 'binary'],
  ])('data_coding 0x%s is %s', (dataCoding, alphabet) => {
    expect(alphabetOf(dataCoding)).toBe(alphabet);
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
  });

  it('returns no concatenation for a plain message', () => {
    expect(splitUserData({ dataCoding: 0, udhi: false, octets: ascii('Hi') }).concat).toBeNull();
  });

  it.each([
    ['UDHL past the end', bytes(0x09, 0x00, 0x03, 0x01)],
    ['an IE past the UDHL', bytes(0x03, 0x00, 0x03, 0x01, 0x02, 0x01)],
    ['IE 0x00 of length 2', bytes(0x04, 0x00, 0x02, 0x01, 0x02, 0x41)],
    ['IE 0x08 of length 3', bytes(0x05, 0x08, 0x03, 0x01, 0x02, 0x01, 0x41)],
    ['sequence 0', bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x00, 0x41)],
    ['sequence beyond total', bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x03, 0x41)],
    ['total 0', bytes(0x05, 0x00, 0x03, 0x01, 0x00, 0x00, 0x41)],
    ['no header at all', bytes()],
  ])('refuses a malformed UDH: %s', (_, octets) => {
    expect(() => splitUserData({ dataCoding: 0, udhi: true, octets })).toThrow(expect.objectContaining({ reason: 'malformed_udh' }));
  });

  it('refuses binary and unsupported codings', () => {
    for (const dataCoding of [0x02, 0x04, 0x06, 0xf4]) {
      expect(() => splitUserData({ dataCoding, udhi: false, octets: bytes(1) })).toThrow(UserDataError);
    }
  });
});

describe('decodeText', () => {
  it('decodes GSM 03.38 septets including the extension table', () => {
    const septets = bytes(0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x1b, 0x65, 0x1b, 0x3c, 0x1b, 0x3e, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x14, 0x1b, 0x3d, 0x1b, 0x2f, 0x1b, 0x40);
    expect(decodeText('gsm7', septets)).toBe('Hello €[]{}^~\\|');
    expect(decodeText('gsm7', bytes(0x00, 0x02, 0x11))).toBe('@$_');
  });

  it('decodes IA5 and refuses octets above 0x7F', () => {
    expect(decodeText('ascii', ascii('@{x}'))).toBe('@{x}');
    expect(() => decodeText('ascii', bytes(0x41, 0x80))).toThrow(expect.objectContaining({ reason: 'invalid_text' }));
  });

  it('decodes Latin-1', () => {
    expect(decodeText('latin1', bytes(0x63, 0x61, 0x66, 0xe9))).toBe('café');
  });

  it('decodes UCS-2 big-endian with surrogate pairs and refuses an odd length', () => {
    expect(decodeText('ucs2', bytes(0x04, 0x1f, 0x04, 0x40, 0x04, 0x38))).toBe('При');
    expect(decodeText('ucs2', bytes(0xd8, 0x3d, 0xde, 0x00))).toBe('😀');
    expect(() => decodeText('ucs2', bytes(0x00, 0x41, 0x00))).toThrow(expect.objectContaining({ reason: 'invalid_text' }));
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

  it('refuses missing, repeated and out-of-range parts', () => {
    const one = { sequence: 1, octets: ascii('a') };
    expect(() => reassembleText('gsm7', 2, [one])).toThrow(/part 2 of 2 is missing/);
    expect(() => reassembleText('gsm7', 2, [one, one])).toThrow(/appears twice/);
    expect(() => reassembleText('gsm7', 2, [one, { sequence: 3, octets: ascii('b') }])).toThrow(/out of range/);
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

  it('uses 67 UCS-2 units per part: 71 characters make two parts', () => {
    const parts = encodeSubmitParts('Ж'.repeat(71), 'udh8', 3);
    expect(parts.map((p) => (p.shortMessage.length - 6) / 2)).toEqual([67, 4]);
  });

  it('moves an extension character whole to the next part rather than splitting its escape', () => {
    const body = `${'A'.repeat(152)}€${'B'.repeat(20)}`; // the escape would be septet 153, its code 154
    const parts = encodeSubmitParts(body, 'udh8', 1);
    const first = parts[0].shortMessage.subarray(6);
    expect(first).toHaveLength(152);
    expect(first[151]).toBe(0x41);
    expect(hex(parts[1].shortMessage.subarray(6, 8))).toBe('1b65');
  });

  it('moves a surrogate pair whole to the next part', () => {
    const body = `${'Ж'.repeat(66)}😀${'Ж'.repeat(10)}`;
    const parts = encodeSubmitParts(body, 'udh8', 1);
    expect((parts[0].shortMessage.length - 6) / 2).toBe(66);
    expect(hex(parts[1].shortMessage.subarray(6, 10))).toBe('d83dde00');
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

  it('gives as many udh8/sar parts as analyzeText counts segments, and round-trips every mode', () => {
    // A fixed linear congruential generator: the same bodies on every run.
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ['a', 'Z', ' ', '€', '{', '\\', 'é', 'Ж', '😀', '\n', '^'];
    for (let n = 0; n < 200; n += 1) {
      const length = 1 + Math.floor(next() * 400);
      const gsmOnly = next() < 0.5;
      let body = '';
      for (let i = 0; i < length; i += 1) body += alphabet[Math.floor(next() * (gsmOnly ? 7 : alphabet.length))];
      const segments = analyzeText(body).segments;
      for (const mode of ['udh8', 'udh16', 'sar', 'payload'] as const) {
        const parts = encodeSubmitParts(body, mode, n);
        if (mode === 'udh8' || mode === 'sar') expect(parts).toHaveLength(segments);
        const split = parts.map((p) =>
          splitUserData({ dataCoding: p.dataCoding, udhi: (p.esmClass & 0x40) !== 0, octets: p.shortMessage, sar: p.sar }),
        );
        const text =
          split.length === 1 && !split[0].concat
            ? decodeText(split[0].alphabet, split[0].octets)
            : reassembleText(split[0].alphabet, split[0].concat!.total, split.map((s) => ({ sequence: s.concat!.sequence, octets: s.octets })));
        expect(text).toBe(body);
      }
    }
  });

  it('refuses more than 255 parts', () => {
    expect(() => encodeSubmitParts('😀'.repeat(34 * 256), 'udh8', 1)).toThrow(RangeError);
  });
});
