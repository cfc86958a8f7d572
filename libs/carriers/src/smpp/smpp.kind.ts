// The SMPP carrier kind: an SMSC the worker binds to as a transceiver.
import type { CarrierKind } from '../carrier-kind';
import { SmppConnector } from './smpp.connector';
import { parseSmppSettings, SmppCarrierSettings } from './smpp.settings';

export const smppKind: CarrierKind<SmppCarrierSettings, SmppConnector> = {
  name: 'smpp',
  fields: ['host', 'port', 'systemId', 'systemType', 'password', 'concatenation', 'multipartReceipts', 'tls', 'tlsCa', 'tlsServername', 'tlsRejectUnauthorized'],
  secretFields: ['password'],
  parseSettings: parseSmppSettings,
  columns: (s) => ({ host: s.host, port: s.port, systemId: s.systemId }),
  endpoint: ({ host, port }) => `${host}:${port}`,
  createConnector: (s, context) =>
    new SmppConnector({
      carrierId: s.id,
      host: s.host,
      port: s.port,
      systemId: s.systemId,
      password: s.password,
      systemType: s.systemType,
      window: s.window,
      concatenation: s.concatenation,
      multipartReceipts: s.multipartReceipts,
      tls: s.tls ? { ca: s.tlsCa, servername: s.tlsServername, rejectUnauthorized: s.tlsRejectUnauthorized ?? true } : undefined,
      logger: context.logger.child({ carrierId: s.id }),
    }),
};
