// Reads a CSV request body as a stream of records, one line at a time, without holding the
// upload in memory. No CSV parser package is installed (csv-parse and friends are not in
// node_modules), so this reads a documented subset of RFC 4180: comma-separated fields, a
// field may be quoted ("…", with "" for a quote inside) so it can hold commas, CRLF or LF line
// ends, an optional UTF-8 BOM, blank lines skipped. A quoted field cannot span lines.
import { ValidationError } from '@app/contracts';

export interface CsvRecord {
  /** 1-based line number in the upload. */
  line: number;
  fields: string[];
  /** Set when the line could not be split into fields (e.g. an unterminated quote). */
  error?: string;
}

export const MAX_LINE_CHARS = 16_384;

/** Splits one line into fields; throws with a reason when its quoting is broken. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('a quoted field is not closed on its line (quoted fields cannot span lines)');
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ',') throw new Error(`unexpected ${JSON.stringify(line[i])} after a quoted field`);
      i += 1;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) throw new Error('a quote inside an unquoted field (quote the field and double the quote)');
      fields.push(value);
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}

/** Records of a CSV stream, in order. A line longer than MAX_LINE_CHARS stops the upload (400). */
export async function* csvRecords(stream: AsyncIterable<Buffer | string>): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let line = 0;
  const emit = function* (text: string): Generator<CsvRecord> {
    line += 1;
    let content = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line === 1 && content.startsWith('\uFEFF')) content = content.slice(1);
    if (content.trim() === '') return;
    try {
      yield { line, fields: splitCsvLine(content) };
    } catch (err) {
      yield { line, fields: [], error: (err as Error).message };
    }
  };
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    let newline: number;
    while ((newline = pending.indexOf('\n', start)) >= 0) {
      if (newline - start > MAX_LINE_CHARS) throw new ValidationError('csv_line_too_long', `line ${line + 1} is longer than ${MAX_LINE_CHARS} characters`, 'body');
      yield* emit(pending.slice(start, newline));
      start = newline + 1;
    }
    pending = pending.slice(start);
    if (pending.length > MAX_LINE_CHARS) throw new ValidationError('csv_line_too_long', `line ${line + 1} is longer than ${MAX_LINE_CHARS} characters`, 'body');
  }
  pending += decoder.decode();
  if (pending.length > 0) yield* emit(pending);
}
