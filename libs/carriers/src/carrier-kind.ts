// What a carrier kind (SMPP, HTTP, the next one) plugs in: its settings, which of them are
// secret, how its connector is built, and optionally how its receipt webhook is answered.
// Each kind is one folder (<kind>/<kind>.kind.ts and siblings) and one line in registry.ts;
// nothing else in the project switches on the kind.
import type { Logger } from 'pino';
import type { CarrierConnector } from './carrier-connector';

/** Settings every kind has; the kind adds its connection fields. */
export interface CarrierSettingsBase {
  id: string;
  type: string;
  /** Most submits awaiting the carrier's answer at once. */
  window: number;
}

/** A connection setting that is missing or wrong; `field` names it (e.g. "port"). */
export class CarrierSettingsError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(field ? `${field} ${reason}` : reason);
    this.name = 'CarrierSettingsError';
  }
}

/** What the worker gives a connector besides its settings. */
export interface ConnectorContext {
  /** Where this carrier is to send receipts over HTTP (the worker's webhook endpoint for it). */
  receiptWebhookUrl: string;
  logger: Logger;
}

export interface ReceiptWebhookRequest {
  authorization: string | undefined;
  /** The parsed JSON body. */
  body: unknown;
}

export interface CarrierKind<S extends CarrierSettingsBase = CarrierSettingsBase, C extends CarrierConnector = CarrierConnector> {
  /** The `type` of its settings, in CARRIERS and in the API. */
  readonly name: S['type'];
  /** Connection fields besides id, type and window, as CARRIERS and the API take them. */
  readonly fields: readonly (keyof S & string)[];
  /** Fields sealed at rest with SECRETS_KEY and never returned by the API (a subset of `fields`). */
  readonly secretFields: readonly (keyof S & string)[];
  /**
   * Validates the kind's own fields of raw settings and applies their defaults; id, type and
   * window are checked already (`common`). Throws CarrierSettingsError naming the field.
   */
  parseSettings(raw: Readonly<Record<string, unknown>>, common: Pick<S, 'id' | 'window'>): S;
  /** The carriers table's host, port and system_id columns (shown to operators). */
  columns(settings: S): { host: string; port: number; systemId: string };
  /** The endpoint operators see, from those columns. */
  endpoint(columns: { host: string; port: number }): string;
  /** One immutable connector for one configured carrier. */
  createConnector(settings: S, context: ConnectorContext): C;
  /** A receipt POSTed by the carrier to the worker's webhook: the HTTP status to answer with. */
  handleReceiptWebhook?(connector: C, request: ReceiptWebhookRequest): Promise<number>;
  /** An inbound message (MO) POSTed by the carrier to the worker's webhook: the HTTP status to answer with. */
  handleInboundWebhook?(connector: C, request: ReceiptWebhookRequest): Promise<number>;
}
