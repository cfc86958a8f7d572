// One recipient row, from a CSV line or a JSON item: the phone number in E.164 (its country
// comes from libphonenumber-js), the locale, the variables its template needs, and whether the
// uploader attests the recipient's consent. A bad row is refused with its reason; the upload
// goes on.
import { DomainError } from '@app/contracts';
import type { CampaignRecord, NewRecipient } from '@app/db';
import { LOCALE_PATTERN, normalizeE164, placeholders, templateFor, VARIABLE_NAME } from '@app/domain';

export const MAX_VARIABLES = 50;
export const MAX_VARIABLE_LENGTH = 500;
/** Columns of a CSV upload with a meaning of their own; every other column is a variable. */
export const RESERVED_COLUMNS = ['phone', 'locale', 'consent'] as const;

export interface RowInput {
  phone: unknown;
  locale?: unknown;
  variables?: unknown;
  consent?: unknown;
}

export type RowResult = { ok: NewRecipient } | { field: string; reason: string };

const CONSENT_WORDS: Record<string, boolean> = { '': false, true: true, false: false, yes: true, no: false, '1': true, '0': false };

export function parseConsent(value: string): boolean | undefined {
  return CONSENT_WORDS[value.trim().toLowerCase()];
}

export function validateRecipient(row: RowInput, campaign: Pick<CampaignRecord, 'message'>): RowResult {
  let e164;
  try {
    e164 = normalizeE164(row.phone, 'phone');
  } catch (err) {
    return { field: 'phone', reason: err instanceof DomainError ? err.message : 'phone is not a valid number' };
  }
  let locale: string | null = null;
  if (row.locale !== undefined && row.locale !== null && row.locale !== '') {
    if (typeof row.locale !== 'string' || !LOCALE_PATTERN.test(row.locale)) return { field: 'locale', reason: 'locale must be a language tag such as hr, en or pt-BR' };
    locale = row.locale;
  }
  const variables: Record<string, string> = {};
  if (row.variables !== undefined && row.variables !== null) {
    if (typeof row.variables !== 'object' || Array.isArray(row.variables)) return { field: 'variables', reason: 'variables must be an object of names to texts' };
    const entries = Object.entries(row.variables as Record<string, unknown>);
    if (entries.length > MAX_VARIABLES) return { field: 'variables', reason: `at most ${MAX_VARIABLES} variables` };
    for (const [name, value] of entries) {
      if (!VARIABLE_NAME.test(name)) return { field: `variables.${name}`, reason: 'a variable name is letters, digits and _, starting with a letter or _ (at most 64)' };
      if (typeof value !== 'string' && typeof value !== 'number') return { field: `variables.${name}`, reason: 'a variable value must be a text or a number' };
      const text = String(value);
      if (text.length > MAX_VARIABLE_LENGTH || text.includes('\u0000')) return { field: `variables.${name}`, reason: `a variable value is at most ${MAX_VARIABLE_LENGTH} characters, without NUL` };
      if (text !== '') variables[name] = text;
    }
  }
  const missing = placeholders(templateFor(campaign.message, locale).text).filter((name) => variables[name] === undefined);
  if (missing.length > 0) return { field: `variables.${missing[0]}`, reason: `the ${locale ?? 'default'} text needs {{${missing.join('}}, {{')}}}` };
  if (row.consent !== undefined && typeof row.consent !== 'boolean') return { field: 'consent', reason: 'consent must be true or false' };
  return { ok: { phone: e164.e164, country: e164.country ?? null, locale, variables, consent: row.consent === true } };
}
