import { analyzeText, fromGsm7Septets, isGsm7, packSeptets, smartEncode, splitSegments, toGsm7Septets } from './encoding';

describe('analyzeText', () => {
  it.each([
    ['a'.repeat(160), 'GSM-7', 1, 160],
    ['a'.repeat(161), 'GSM-7', 2, 161],
    ['a'.repeat(306), 'GSM-7', 2, 306],
    ['a'.repeat(307), 'GSM-7', 3, 307],
    ['€', 'GSM-7', 1, 2],
    ['a'.repeat(159) + '€', 'GSM-7', 2, 161],
    ['ΔΦΓΛΩΠΨΣΘΞ @£$¥', 'GSM-7', 1, 15],
    ['ç', 'UCS-2', 1, 1],
    ['Привет', 'UCS-2', 1, 6],
    ['я'.repeat(70), 'UCS-2', 1, 70],
    ['я'.repeat(71), 'UCS-2', 2, 71],
    ['😀', 'UCS-2', 1, 2],
  ])('%j → %s, %i segment(s), %i units', (text, encoding, segments, units) => {
    expect(analyzeText(text)).toMatchObject({ encoding, segments, units });
  });

  it('counts a backtick as non-GSM', () => {
    expect(isGsm7('`')).toBe(false);
  });
});

describe('splitSegments', () => {
  it('keeps an escape sequence whole at the 153-septet boundary', () => {
    const text = 'a'.repeat(152) + '€' + 'b'.repeat(10);
    const parts = splitSegments(text);
    expect(parts).toEqual(['a'.repeat(152), '€' + 'b'.repeat(10)]);
  });

  it('never splits a surrogate pair', () => {
    const text = 'я'.repeat(66) + '😀' + 'я'.repeat(10);
    const parts = splitSegments(text);
    expect(parts[0]).toBe('я'.repeat(66));
    expect(parts[1].startsWith('😀')).toBe(true);
    expect(parts.join('')).toBe(text);
  });

  it('returns a single-segment text as is', () => {
    expect(splitSegments('hello')).toEqual(['hello']);
  });
});

describe('GSM-7 septets', () => {
  it('round-trips the extension table', () => {
    const text = 'Price: 5€ [x] {y} ^~\\|';
    expect(fromGsm7Septets(toGsm7Septets(text))).toBe(text);
    expect(toGsm7Septets('€')).toEqual([0x1b, 0x65]);
  });

  it('packs septets (hellohello)', () => {
    const packed = packSeptets(toGsm7Septets('hellohello'));
    expect(packed.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')).toBe('E8 32 9B FD 46 97 D9 EC 37');
  });

  it('refuses characters outside GSM 03.38', () => {
    expect(() => toGsm7Septets('ç')).toThrow(/U\+00E7/);
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
});
