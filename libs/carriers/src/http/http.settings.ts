// An HTTP carrier's connection settings (CARRIERS entries and the API's carriers with
// type "http"), and their validation.
import { CarrierSettingsError } from '../carrier-kind';
import { optionalBoolean, requiredString } from '../settings-fields';

/** A carrier with a JSON-over-HTTP API (http.connector.ts). */
export interface HttpCarrierSettings {
  id: string;
  type: 'http';
  /** Base URL of the carrier's API, e.g. https://api.carrier.example/v1 */
  url: string;
  /** Bearer token, both ways: our submits and the carrier's receipts. */
  token: string;
  window: number;
  /**
   * true: only https — an http URL is refused here, and a redirect is never followed (it could
   * lead to plain http). The carrier's certificate is checked against the system's roots plus
   * NODE_EXTRA_CA_CERTS.
   */
  requireTls?: boolean;
}

export function parseHttpSettings(raw: Readonly<Record<string, unknown>>, common: { id: string; window: number }): HttpCarrierSettings {
  const url = requiredString(raw, 'url');
  if (!/^https?:\/\/\S+$/.test(url)) throw new CarrierSettingsError('url', 'must be an http(s) URL');
  const requireTls = optionalBoolean(raw, 'requireTls');
  if (requireTls && !url.startsWith('https://')) throw new CarrierSettingsError('url', 'must be an https URL (requireTls is true)');
  return { id: common.id, type: 'http', url, token: requiredString(raw, 'token'), window: common.window, ...(requireTls ? { requireTls } : {}) };
}
