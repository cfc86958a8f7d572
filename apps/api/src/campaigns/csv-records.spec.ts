import { Readable } from 'node:stream';
import { csvRecords, MAX_LINE_CHARS, splitCsvLine } from './csv-records';

async function records(chunks: (string | Buffer)[]) {
  const out = [];
  for await (const r of csvRecords(Readable.from(chunks))) out.push(r);
  return out;
}

describe('splitCsvLine', () => {
  it('splits plain and quoted fields', () => {
    expect(splitCsvLine('a,b,,d')).toEqual(['a', 'b', '', 'd']);
    expect(splitCsvLine('"a, b","say ""hi""",c')).toEqual(['a, b', 'say "hi"', 'c']);
    expect(splitCsvLine('"",x')).toEqual(['', 'x']);
    expect(splitCsvLine('x,""')).toEqual(['x', '']);
  });

  it('refuses broken quoting with a reason', () => {
    expect(() => splitCsvLine('"open,b')).toThrow(/not closed/);
    expect(() => splitCsvLine('"a"b,c')).toThrow(/after a quoted field/);
    expect(() => splitCsvLine('a"b,c')).toThrow(/quote inside an unquoted field/);
  });
});

describe('csvRecords', () => {
  it('numbers lines across chunks, with CRLF, a BOM and blank lines', async () => {
    const text = '\uFEFFphone,name\r\n+1,"A, B"\r\n\r\n+2,C';
    const bytes = Buffer.from(text);
    // Chunks cut anywhere, even inside a multi-byte character.
    const out = await records([bytes.subarray(0, 5), bytes.subarray(5, 17), bytes.subarray(17)]);
    expect(out).toEqual([
      { line: 1, fields: ['phone', 'name'] },
      { line: 2, fields: ['+1', 'A, B'] },
      { line: 4, fields: ['+2', 'C'] },
    ]);
    const split = Buffer.from('x\nčć\n');
    expect((await records([split.subarray(0, 3), split.subarray(3)]))[1].fields).toEqual(['čć']);
  });

  it('reports a bad line and goes on; a line over the limit stops the upload', async () => {
    const out = await records(['h\n"bad\nok\n']);
    expect(out[1]).toMatchObject({ line: 2, error: expect.stringMatching(/not closed/) });
    expect(out[2]).toEqual({ line: 3, fields: ['ok'] });
    await expect(records(['h\n', 'x'.repeat(MAX_LINE_CHARS + 1)])).rejects.toThrow(/longer than/);
  });
});
