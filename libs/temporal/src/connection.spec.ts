// The Temporal client's TLS option from TEMPORAL_TLS_* settings: what the SDK's Connection and NativeConnection are given.
import { temporalTlsOption } from './connection';

it('is plain gRPC without TLS settings', () => {
  expect(temporalTlsOption(undefined)).toBeUndefined();
});

it('is TLS against the system roots when TLS is on without files', () => {
  expect(temporalTlsOption({})).toEqual({});
});

it('passes the CA, the client certificate pair (mTLS) and the server name', () => {
  const ca = Buffer.from('ca');
  const client = { cert: Buffer.from('crt'), key: Buffer.from('key') };
  expect(temporalTlsOption({ ca, client, serverName: 'temporal' })).toEqual({
    serverRootCACertificate: ca,
    clientCertPair: { crt: client.cert, key: client.key },
    serverNameOverride: 'temporal',
  });
});
