// Every carrier kind, by the `type` CARRIERS and the API give it. Adding a kind is one folder
// under libs/carriers/src/<kind>/ and one line here; config, storage, the API and the worker
// look kinds up here and never switch on them.
import type { CarrierConnector } from './carrier-connector';
import { CarrierKind, CarrierSettingsBase, CarrierSettingsError, ConnectorContext, ReceiptWebhookRequest } from './carrier-kind';
import { httpKind } from './http/http.kind';
import { smppKind } from './smpp/smpp.kind';

export const CARRIER_KINDS = {
  smpp: smppKind,
  http: httpKind,
} as const;

export type CarrierKindName = keyof typeof CARRIER_KINDS;
type SettingsOf<K> = K extends CarrierKind<infer S, infer _C> ? S : never;
/** One carrier's validated settings, of any kind (discriminated by `type`). */
export type CarrierConfig = SettingsOf<(typeof CARRIER_KINDS)[CarrierKindName]>;

export const CARRIER_KIND_NAMES = Object.keys(CARRIER_KINDS) as CarrierKindName[];

/** Connection fields of every kind (besides id and type), as the API accepts them. */
export const CARRIER_CONNECTION_FIELDS: readonly string[] = ['window', ...new Set(Object.values(CARRIER_KINDS).flatMap((k) => k.fields as readonly string[]))];

export function isCarrierKindName(value: unknown): value is CarrierKindName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CARRIER_KINDS, value);
}

/** The kind of a settings `type`; a kind's own settings type is erased here, its parse made it consistent. */
export function carrierKind(type: string): CarrierKind {
  if (!isCarrierKindName(type)) throw new CarrierSettingsError('type', `must be ${CARRIER_KIND_NAMES.map((k) => `"${k}"`).join(' or ')}`);
  return CARRIER_KINDS[type] as unknown as CarrierKind;
}

/** The kind of a settings object without a `type` (CARRIERS entries from before HTTP carriers). */
const DEFAULT_KIND: CarrierKindName = 'smpp';
const CARRIER_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * One carrier's settings from CARRIERS, the API or the carriers table: id, type (default
 * "smpp") and window here, the rest by its kind. Throws CarrierSettingsError naming the field.
 */
export function parseCarrierSettings(raw: unknown): CarrierConfig {
  if (typeof raw !== 'object' || raw === null) throw new CarrierSettingsError('', 'must be an object');
  const c = raw as Record<string, unknown>;
  const id = c.id;
  if (typeof id !== 'string' || id.trim() === '') throw new CarrierSettingsError('id', 'must be a non-empty string');
  if (!CARRIER_ID.test(id)) throw new CarrierSettingsError('id', 'must be lowercase letters, digits, - or _ (max 32)');
  const type = c.type ?? DEFAULT_KIND;
  const kind = carrierKind(typeof type === 'string' ? type : '');
  const window = c.window ?? 10;
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1 || window > 1000) throw new CarrierSettingsError('window', 'must be an integer 1..1000');
  return kind.parseSettings(c, { id, window }) as CarrierConfig;
}

/** Settings as stored: the readable part (a JSON object) and the secret fields (one string). */
export function splitSecrets(config: CarrierConfig): { settings: Record<string, unknown>; secret: string; columns: { host: string; port: number; systemId: string } } {
  const kind = carrierKind(config.type);
  const all = config as unknown as Record<string, unknown>;
  const secretFields = kind.secretFields as readonly string[];
  const settings = Object.fromEntries(Object.entries(all).filter(([field]) => field !== 'id' && field !== 'type' && !secretFields.includes(field)));
  // One secret field is stored as its value (rows written before kinds could have several stay readable).
  const secret = secretFields.length === 1 ? String(all[secretFields[0]]) : JSON.stringify(Object.fromEntries(secretFields.map((f) => [f, all[f]])));
  return { settings, secret, columns: kind.columns(config as CarrierSettingsBase) };
}

/** The inverse of splitSecrets: stored settings and the opened secret back to validated settings. */
export function joinSecrets(stored: { id: string; type: string; window: number; settings: Record<string, unknown>; secret: string }): CarrierConfig {
  const kind = carrierKind(stored.type);
  const secretFields = kind.secretFields as readonly string[];
  const secrets: Record<string, unknown> = secretFields.length === 1 ? { [secretFields[0]]: stored.secret } : (JSON.parse(stored.secret) as Record<string, unknown>);
  return parseCarrierSettings({ ...stored.settings, ...secrets, id: stored.id, type: stored.type, window: stored.window });
}

/** The endpoint operators see for a carrier row. */
export function carrierEndpoint(type: string, columns: { host: string; port: number }): string {
  return isCarrierKindName(type) ? CARRIER_KINDS[type].endpoint(columns) : columns.host;
}

export interface BuiltCarrier {
  connector: CarrierConnector;
  /** Present for kinds whose carriers POST receipts to the worker's webhook. */
  receiptWebhook?: (request: ReceiptWebhookRequest) => Promise<number>;
  /** Present for kinds whose carriers POST inbound messages (MO) to the worker's webhook. */
  inboundWebhook?: (request: ReceiptWebhookRequest) => Promise<number>;
}

/** One immutable connector for one carrier, with its receipt webhook handler if its kind has one. */
export function buildCarrier(config: CarrierConfig, context: ConnectorContext): BuiltCarrier {
  const kind = carrierKind(config.type);
  const connector = kind.createConnector(config, context);
  const handle = kind.handleReceiptWebhook;
  const handleInbound = kind.handleInboundWebhook;
  return {
    connector,
    receiptWebhook: handle && ((request) => handle.call(kind, connector, request)),
    inboundWebhook: handleInbound && ((request) => handleInbound.call(kind, connector, request)),
  };
}
