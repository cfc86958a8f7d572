// The HTTP carrier kind: a carrier with a JSON-over-HTTP API that sends receipts to our webhook.
import type { CarrierKind } from '../carrier-kind';
import { HttpConnector } from './http.connector';
import { HttpCarrierSettings, parseHttpSettings } from './http.settings';

export const httpKind: CarrierKind<HttpCarrierSettings, HttpConnector> = {
  name: 'http',
  fields: ['url', 'token', 'requireTls'],
  secretFields: ['token'],
  parseSettings: parseHttpSettings,
  columns: (s) => ({ host: s.url, port: 0, systemId: '' }),
  endpoint: ({ host }) => host,
  createConnector: (s, context) => new HttpConnector({ carrierId: s.id, url: s.url, token: s.token, requireTls: s.requireTls, callbackUrl: context.receiptWebhookUrl }),
  handleReceiptWebhook: (connector, request) => connector.handleWebhook(request.authorization, request.body),
  handleInboundWebhook: (connector, request) => connector.handleInboundWebhook(request.authorization, request.body),
};
