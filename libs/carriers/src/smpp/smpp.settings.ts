// An SMPP carrier's connection settings (CARRIERS entries and the API's carriers with
// type "smpp"), and their validation.
import { CarrierSettingsError } from '../carrier-kind';
import { oneOf, optionalBoolean, optionalCertificate, optionalString, requiredString } from '../settings-fields';

export const SMPP_CONCATENATIONS = ['udh8', 'udh16', 'sar', 'payload'] as const;
export type SmppConcatenation = (typeof SMPP_CONCATENATIONS)[number];
export const SMPP_MULTIPART_RECEIPTS = ['each', 'first'] as const;

export interface SmppCarrierSettings {
  id: string;
  type: 'smpp';
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  window: number;
  /**
   * How a text longer than one segment is sent: UDH with an 8-bit (default) or 16-bit
   * reference, SAR TLVs, or whole in message_payload for the carrier to split.
   */
  concatenation?: SmppConcatenation;
  /** 'first': the carrier sends a receipt for the first part of a concatenated message only. */
  multipartReceipts?: (typeof SMPP_MULTIPART_RECEIPTS)[number];
  /** SMPP over TLS (the carrier's TLS port, often 3550): the link is never opened in plain text. */
  tls?: boolean;
  /** PEM CA certificate(s) the carrier's certificate must chain to, instead of the system's roots. */
  tlsCa?: string;
  /** The name the carrier's certificate must carry, when it is not `host` (SNI as well). */
  tlsServername?: string;
  /** false accepts any certificate (encryption without authentication): only for a carrier's test system. Default true. */
  tlsRejectUnauthorized?: boolean;
}

/** The TLS fields: only with `tls: true`, so a CA or server name never suggests an encryption that is not there. */
function parseTls(raw: Readonly<Record<string, unknown>>): Pick<SmppCarrierSettings, 'tls' | 'tlsCa' | 'tlsServername' | 'tlsRejectUnauthorized'> {
  const tls = optionalBoolean(raw, 'tls');
  const options = { tlsCa: optionalCertificate(raw, 'tlsCa'), tlsServername: optionalString(raw, 'tlsServername'), tlsRejectUnauthorized: optionalBoolean(raw, 'tlsRejectUnauthorized') };
  const given = Object.entries(options).filter(([, v]) => v !== undefined);
  // An explicit false turns TLS off with whatever options were stored; options without `tls` are a mistake.
  if (tls === false) return {};
  if (!tls) {
    if (given.length > 0) throw new CarrierSettingsError(given[0][0], 'needs "tls": true');
    return {};
  }
  return { tls: true, ...Object.fromEntries(given) };
}

export function parseSmppSettings(raw: Readonly<Record<string, unknown>>, common: { id: string; window: number }): SmppCarrierSettings {
  const port = raw.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new CarrierSettingsError('port', 'must be a port number');
  const concatenation = oneOf(raw, 'concatenation', SMPP_CONCATENATIONS, 'udh8');
  const multipartReceipts = oneOf(raw, 'multipartReceipts', SMPP_MULTIPART_RECEIPTS, 'each', 'must be "each" or "first"');
  return {
    id: common.id,
    type: 'smpp',
    host: requiredString(raw, 'host'),
    port,
    systemId: requiredString(raw, 'systemId'),
    password: requiredString(raw, 'password'),
    systemType: optionalString(raw, 'systemType'),
    window: common.window,
    concatenation,
    multipartReceipts,
    ...parseTls(raw),
  };
}
