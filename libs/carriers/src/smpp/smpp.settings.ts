// An SMPP carrier's connection settings (CARRIERS entries and the API's carriers with
// type "smpp"), and their validation.
import { CarrierSettingsError } from '../carrier-kind';
import { oneOf, optionalString, requiredString } from '../settings-fields';

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
  };
}
