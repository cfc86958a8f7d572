// Field readers for the kinds' settings validation: each failure names its field.
import { CarrierSettingsError } from './carrier-kind';

export function requiredString(raw: Readonly<Record<string, unknown>>, field: string): string {
  const v = raw[field];
  if (typeof v !== 'string' || v.trim() === '') throw new CarrierSettingsError(field, 'must be a non-empty string');
  return v;
}

export function optionalString(raw: Readonly<Record<string, unknown>>, field: string): string | undefined {
  return raw[field] === undefined ? undefined : requiredString(raw, field);
}

export function oneOf<T extends string>(raw: Readonly<Record<string, unknown>>, field: string, values: readonly T[], fallback: T, reason?: string): T {
  const v = raw[field] ?? fallback;
  if (!(values as readonly unknown[]).includes(v)) throw new CarrierSettingsError(field, reason ?? `must be one of ${values.join(', ')}`);
  return v as T;
}
