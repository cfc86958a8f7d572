import {
  SEGMENT_LIMITS,
  analyzeText,
  fromGsm7Septets,
  isGsm7,
  packSeptets,
  smartEncode,
  splitSegments,
  toGsm7Septets,
  udhFillBits,
  unpackSeptets,
} from './encoding';

const hex = (octets: number[]): string => octets.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
const septetCount = (text: string): number => toGsm7Septets(text).length;

describe('GSM 03.38 alphabet', () => {
  // Positions from the TS 23.038 default alphabet table.
  it.each([
    ['@', 0x00], ['£', 0x01], ['$', 0x02], ['¥', 0x03], ['è', 0x04], ['é', 0x05], ['ù', 0x06], ['ì', 0x07],
    ['ò', 0x08], ['Ç', 0x09], ['\n', 0x0a], ['Ø', 0x0b], ['ø', 0x0c], ['\r', 0x0d], ['Å', 0x0e], ['å', 0x0f],
    ['Δ', 0x10], ['_', 0x11], ['Φ', 0x12], ['Γ', 0x13], ['Λ', 0x14], ['Ω', 0x15], ['Π', 0x16], ['Ψ', 0x17],
    ['Σ', 0x18], ['Θ', 0x19], ['Ξ', 0x1a], ['Æ', 0x1c], ['æ', 0x1d], ['ß', 0x1e], ['É', 0x1f],
    [' ', 0x20], ['¤', 0x24], ['0', 0x30], ['?', 0x3f], ['¡', 0x40], ['A', 0x41], ['Z', 0x5a],
    ['Ä', 0x5b], ['Ö', 0x5c], ['Ñ', 0x5d], ['Ü', 0x5e], ['§', 0x5f], ['¿', 0x60], ['a', 0x61], ['z', 0x7a],
    ['ä', 0x7b], ['ö', 0x7c], ['ñ', 0x7d], ['ü', 0x7e], ['à', 0x7f],
  ])('%j is septet 0x%s', (ch, septet) => {
    expect(toGsm7Septets(ch)).toEqual([septet]);
  });

  it.each([
    ['\f', 0x0a], ['^', 0x14], ['{', 0x28], ['}', 0x29], ['\\', 0x2f], ['[', 0x3c], ['~', 0x3d], [']', 0x3e], ['|', 0x40], ['€', 0x65],
  ])('extension %j is escape + 0x%s', (ch, septet) => {
    expect(toGsm7Septets(ch)).toEqual([0x1b, septet]);
  });

  it('decodes every default-alphabet septet back to the character it came from', () => {
    const septets = Array.from({ length: 128 }, (_, i) => i).filter((i) => i !== 0x1b);
    const text = fromGsm7Septets(septets);
    expect([...text]).toHaveLength(127);
    expect(toGsm7Septets(text)).toEqual(septets);
  });

  it.each([
    ['backtick', '`'],
    ['lower-case c cedilla', 'ç'],
    ['a acute', 'á'],
    ['Greek small alpha', 'α'],
    ['ohm sign (not Greek capital omega)', '\u2126'],
    ['tab', '\t'],
    ['raw escape character', '\u001b'],
    ['cent sign', '¢'],
    ['emoji', '😀'],
  ])('%s is not GSM-7', (_name, ch) => {
    expect(isGsm7(ch)).toBe(false);
    expect(() => toGsm7Septets(ch)).toThrow(RangeError);
  });

  it('names the offending code point', () => {
    expect(() => toGsm7Septets('ça')).toThrow(/U\+00E7/);
  });
});

describe('analyzeText', () => {
  it.each([
    ['a'.repeat(160), 'GSM-7', 1, 160],
    ['a'.repeat(161), 'GSM-7', 2, 161],
    ['a'.repeat(306), 'GSM-7', 2, 306],
    ['a'.repeat(307), 'GSM-7', 3, 307],
    ['€', 'GSM-7', 1, 2],
    ['\f', 'GSM-7', 1, 2],
    ['a'.repeat(159) + '€', 'GSM-7', 2, 161],
    ['a'.repeat(158) + '€', 'GSM-7', 1, 160],
    ['€'.repeat(80), 'GSM-7', 1, 160],
    ['€'.repeat(81), 'GSM-7', 2, 162],
    ['ΔΦΓΛΩΠΨΣΘΞ @£$¥', 'GSM-7', 1, 15],
    ['Grüße aus Köln, Ærø & Åland! ¿Qué tal?', 'GSM-7', 1, 38],
    ['ç', 'UCS-2', 1, 1],
    ['Привет', 'UCS-2', 1, 6],
    ['я'.repeat(70), 'UCS-2', 1, 70],
    ['я'.repeat(71), 'UCS-2', 2, 71],
    ['я'.repeat(134), 'UCS-2', 2, 134],
    ['я'.repeat(135), 'UCS-2', 3, 135],
    ['😀', 'UCS-2', 1, 2],
    ['😀'.repeat(35), 'UCS-2', 1, 70],
    ['a'.repeat(159) + 'ç', 'UCS-2', 3, 160],
  ])('%j → %s, %i segment(s), %i units', (text, encoding, segments, units) => {
    expect(analyzeText(text)).toMatchObject({ encoding, segments, units });
  });

  it('reports room left in a single segment', () => {
    expect(analyzeText('hello')).toEqual({ encoding: 'GSM-7', segments: 1, units: 5, unitsPerSegment: 160, unitsRemaining: 155 });
    expect(analyzeText('héllo 😀')).toEqual({ encoding: 'UCS-2', segments: 1, units: 8, unitsPerSegment: 70, unitsRemaining: 62 });
  });

  it('reports room left in the last concatenated segment', () => {
    expect(analyzeText('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, units: 161, unitsPerSegment: 153, unitsRemaining: 145 });
    expect(analyzeText('я'.repeat(71))).toEqual({ encoding: 'UCS-2', segments: 2, units: 71, unitsPerSegment: 67, unitsRemaining: 63 });
  });

  it('counts room left after an escape pushed to the next segment, not units modulo 153', () => {
    // Part one ends at 152 septets because '€' does not fit; part two holds '€' + 10.
    expect(analyzeText('a'.repeat(152) + '€' + 'b'.repeat(10))).toMatchObject({ segments: 2, units: 164, unitsRemaining: 141 });
  });

  it('treats the empty text as one empty GSM-7 segment', () => {
    expect(analyzeText('')).toEqual({ encoding: 'GSM-7', segments: 1, units: 0, unitsPerSegment: 160, unitsRemaining: 160 });
    expect(splitSegments('')).toEqual(['']);
  });
});

describe('splitSegments', () => {
  it('returns a text that fits one segment as is', () => {
    expect(splitSegments('hello')).toEqual(['hello']);
    expect(splitSegments('a'.repeat(160))).toEqual(['a'.repeat(160)]);
    expect(splitSegments('я'.repeat(70))).toEqual(['я'.repeat(70)]);
  });

  it('cuts GSM-7 text at 153 septets', () => {
    expect(splitSegments('a'.repeat(161))).toEqual(['a'.repeat(153), 'a'.repeat(8)]);
    expect(splitSegments('a'.repeat(306))).toEqual(['a'.repeat(153), 'a'.repeat(153)]);
    expect(splitSegments('a'.repeat(307)).map((p) => p.length)).toEqual([153, 153, 1]);
  });

  it('keeps an escape sequence whole when it would straddle 153 septets', () => {
    const text = 'a'.repeat(152) + '€' + 'b'.repeat(10);
    expect(splitSegments(text)).toEqual(['a'.repeat(152), '€' + 'b'.repeat(10)]);
  });

  it('keeps an escape sequence that ends exactly at 153 septets in the first part', () => {
    const text = 'a'.repeat(151) + '€' + 'b'.repeat(10);
    expect(splitSegments(text)).toEqual(['a'.repeat(151) + '€', 'b'.repeat(10)]);
  });

  it('splits 159 characters + € (161 septets) into 153 + 8', () => {
    const parts = splitSegments('a'.repeat(159) + '€');
    expect(parts.map(septetCount)).toEqual([153, 8]);
  });

  it('cuts UCS-2 text at 67 code units', () => {
    expect(splitSegments('я'.repeat(71))).toEqual(['я'.repeat(67), 'я'.repeat(4)]);
  });

  it('never splits a surrogate pair at the 67-unit boundary', () => {
    const text = 'я'.repeat(66) + '😀' + 'я'.repeat(10);
    const parts = splitSegments(text);
    expect(parts).toEqual(['я'.repeat(66), '😀' + 'я'.repeat(10)]);
  });

  it('keeps an emoji that ends exactly at 67 units in the first part', () => {
    const text = 'я'.repeat(65) + '😀' + 'я'.repeat(10);
    expect(splitSegments(text)).toEqual(['я'.repeat(65) + '😀', 'я'.repeat(10)]);
  });

  it('keeps parts within limits and loses nothing on mixed texts', () => {
    const gsmPieces = ['a', 'Ω', '€', '{', 'é', ' ', '\n', '|'];
    const ucsPieces = [...gsmPieces, 'я', '😀', '👍🏽', 'ç'];
    // A small deterministic generator so failures reproduce.
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const [pieces, encoding] of [[gsmPieces, 'GSM-7'], [ucsPieces, 'UCS-2']] as const) {
      for (let round = 0; round < 50; round += 1) {
        const length = 1 + next(400);
        let text = encoding === 'UCS-2' ? 'ç' : '';
        while (text.length < length) text += pieces[next(pieces.length)];
        const parts = splitSegments(text);
        expect(parts.join('')).toBe(text);
        expect(parts).toHaveLength(analyzeText(text).segments);
        if (parts.length === 1) continue;
        for (const part of parts) {
          expect(part).not.toBe('');
          const units = encoding === 'GSM-7' ? septetCount(part) : part.length;
          expect(units).toBeLessThanOrEqual(SEGMENT_LIMITS[encoding].multi);
          // No part starts with a lone low surrogate.
          expect(part.charCodeAt(0) >= 0xdc00 && part.charCodeAt(0) <= 0xdfff).toBe(false);
        }
      }
    }
  });
});

describe('GSM-7 septets', () => {
  it('round-trips text with extension characters', () => {
    const text = 'Price: 5€ [x] {y} ^~\\| page\fbreak @home £1 ΔΣ';
    expect(fromGsm7Septets(toGsm7Septets(text))).toBe(text);
  });

  it('encodes a short text', () => {
    expect(toGsm7Septets('Hi €1')).toEqual([0x48, 0x69, 0x20, 0x1b, 0x65, 0x31]);
  });

  it('accepts octets as Uint8Array and ignores the high bit', () => {
    expect(fromGsm7Septets(new Uint8Array([0x48, 0xe9]))).toBe('Hi');
  });

  it('shows an undefined extension code as the default-alphabet character', () => {
    expect(fromGsm7Septets([0x1b, 0x41])).toBe('A');
  });

  it('shows a double escape or a trailing escape as a space', () => {
    expect(fromGsm7Septets([0x41, 0x1b, 0x1b, 0x42])).toBe('A B');
    expect(fromGsm7Septets([0x41, 0x1b])).toBe('A ');
  });
});

describe('7-bit packing', () => {
  it('packs "hellohello"', () => {
    expect(hex(packSeptets(toGsm7Septets('hellohello')))).toBe('E8 32 9B FD 46 97 D9 EC 37');
  });

  it('packs after one fill bit (text behind a 6-octet UDH)', () => {
    expect(hex(packSeptets(toGsm7Septets('hellohello'), 1))).toBe('D0 65 36 FB 8D 2E B3 D9 6F');
  });

  it('fits 160 septets in 140 octets, and 153 septets behind a 6-octet UDH as well', () => {
    expect(packSeptets(new Array(160).fill(0x41))).toHaveLength(140);
    expect(6 + packSeptets(new Array(153).fill(0x41), udhFillBits(6)).length).toBe(140);
  });

  it('packs 8 septets into 7 octets', () => {
    expect(packSeptets(toGsm7Septets('abcdefgh'))).toHaveLength(7);
    expect(packSeptets(toGsm7Septets('abcdefg'))).toHaveLength(7);
    expect(packSeptets([])).toEqual([]);
  });

  it('unpacks known vectors', () => {
    expect(fromGsm7Septets(unpackSeptets([0xe8, 0x32, 0x9b, 0xfd, 0x46, 0x97, 0xd9, 0xec, 0x37]))).toBe('hellohello');
    expect(fromGsm7Septets(unpackSeptets([0xd0, 0x65, 0x36, 0xfb, 0x8d, 0x2e, 0xb3, 0xd9, 0x6f], 10, 1))).toBe('hellohello');
  });

  it('needs the septet count to tell 7 septets from 7 + a padding @', () => {
    const packed = packSeptets(toGsm7Septets('abcdefg'));
    expect(fromGsm7Septets(unpackSeptets(packed, 7))).toBe('abcdefg');
    expect(fromGsm7Septets(unpackSeptets(packed))).toBe('abcdefg@');
  });

  it('round-trips every length and fill', () => {
    const septets = toGsm7Septets('The quick brown fox €[jumps]~ over Δ lazy dog 0123456789 @£$¥');
    for (let length = 0; length <= septets.length; length += 1) {
      for (let fill = 0; fill <= 6; fill += 1) {
        const part = septets.slice(0, length);
        const packed = packSeptets(part, fill);
        expect(packed).toHaveLength(Math.ceil((fill + 7 * length) / 8));
        expect(unpackSeptets(packed, length, fill)).toEqual(part);
      }
    }
  });

  it('computes fill bits after a UDH', () => {
    expect(udhFillBits(0)).toBe(0);
    expect(udhFillBits(6)).toBe(1);
    expect(udhFillBits(7)).toBe(0);
    expect(udhFillBits(5)).toBe(2);
  });

  it('refuses impossible arguments', () => {
    expect(() => packSeptets([1], 7)).toThrow(RangeError);
    expect(() => unpackSeptets([1], 2)).toThrow(RangeError);
    expect(() => unpackSeptets([1], 1, -1)).toThrow(RangeError);
    expect(() => udhFillBits(-1)).toThrow(RangeError);
  });
});

describe('smartEncode', () => {
  it('turns look-alikes into GSM-7 so the text costs fewer segments', () => {
    const text = '\u201CHello\u201D \u2013 it\u2019s\u00A0here\u2026';
    expect(analyzeText(text).encoding).toBe('UCS-2');
    const encoded = smartEncode(text);
    expect(encoded).toBe('"Hello" - it\'s here...');
    expect(analyzeText(encoded).encoding).toBe('GSM-7');
  });

  it('saves segments on a long text with one curly apostrophe', () => {
    const text = `We\u2019ll be there at 10${'.'.repeat(100)}`;
    expect(analyzeText(text).segments).toBe(2);
    expect(analyzeText(smartEncode(text)).segments).toBe(1);
  });

  it.each([
    ['`quoted`', "'quoted'"],
    ['\u00ABguillemets\u00BB', '"guillemets"'],
    ['10\u201420', '10-20'],
    ['a\u2212b', 'a-b'],
    ['tab\there', 'tab here'],
    ['zero\u200Bwidth\uFEFF', 'zerowidth'],
    ['soft\u00ADhyphen', 'softhyphen'],
    ['line\u2028sep', 'line\nsep'],
    ['\uFF28\uFF49\uFF01', 'Hi!'],
    ['\u2022 item', '- item'],
    ['gar\u00E7on', 'garÇon'],
  ])('%j → %j', (input, output) => {
    expect(smartEncode(input)).toBe(output);
    expect(isGsm7(output)).toBe(true);
  });

  it('leaves a text unchanged when it would still need UCS-2', () => {
    const text = '\u201CПривет\u201D\u2026 😀';
    expect(smartEncode(text)).toBe(text);
  });

  it('leaves GSM-7 text unchanged', () => {
    const text = 'Plain text with [brackets] and €';
    expect(smartEncode(text)).toBe(text);
  });
});
