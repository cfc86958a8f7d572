// Field readers for the kinds' settings validation: each failure names its field.
import { X509Certificate } from 'node:crypto';
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

export function optionalBoolean(raw: Readonly<Record<string, unknown>>, field: string): boolean | undefined {
  const v = raw[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new CarrierSettingsError(field, 'must be true or false');
  return v;
}

/** PEM certificate(s) a TLS connection trusts instead of the system's roots; the first must parse. */
export function optionalCertificate(raw: Readonly<Record<string, unknown>>, field: string): string | undefined {
  const pem = optionalString(raw, field);
  if (pem === undefined) return undefined;
  try {
    new X509Certificate(pem);
  } catch {
    throw new CarrierSettingsError(field, 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
  }
  return pem;
}
