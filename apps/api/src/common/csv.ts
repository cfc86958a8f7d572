// One CSV field of an export (compliance evidence, campaign outcomes, the audit log): quoted when
// it holds a quote, comma or line break; a leading = - @ (or a + that is not a phone number)
// would be a formula to a spreadsheet, so it is prefixed and quoted, as OWASP advises.
export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  const safe = /^[=\-@]/.test(text) || (/^\+/.test(text) && !/^\+\d+$/.test(text)) ? `'${text}` : text;
  return /[",\r\n']/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
