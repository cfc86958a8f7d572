import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeTestCertificates, TestCertificates } from '../../../test/support/tls';
import { ConfigError } from './env';
import { readApiConfig, readSmppGatewayConfig, readWorkerConfig } from './config';

const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/sms', TEMPORAL_ADDRESS: 'localhost:7233', SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') };

it('reads defaults', () => {
  expect(readApiConfig(base)).toMatchObject({ port: 3000, host: '127.0.0.1', temporal: { namespace: 'default', taskQueue: 'sms-messages' } });
  expect(readWorkerConfig(base).carriers.map((c) => [c.id, c.type])).toEqual([
    ['alpha', 'smpp'],
    ['beta', 'smpp'],
    ['gamma', 'http'],
  ]);
  expect(readWorkerConfig(base).webhook).toEqual({ host: '127.0.0.1', port: 8091, publicUrl: 'http://127.0.0.1:8091' });
});

it.each([
  [{ ...base, API_PORT: 'abc' }, 'API_PORT'],
  [{ ...base, API_PORT: '70000' }, 'API_PORT'],
  [{ ...base, DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
  [{ TEMPORAL_ADDRESS: 'localhost:7233' }, 'DATABASE_URL'],
  [{ ...base, TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS'],
  [{ ...base, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  [{ ...base, SECRETS_KEY: 'short' }, 'SECRETS_KEY'],
  [{ DATABASE_URL: base.DATABASE_URL, TEMPORAL_ADDRESS: base.TEMPORAL_ADDRESS }, 'SECRETS_KEY'],
  [{ ...base, ENCRYPTION_KEKS: 'k1' }, 'ENCRYPTION_KEKS'],
  [{ ...base, ENCRYPTION_KEKS: 'k1:c2hvcnQ=' }, 'ENCRYPTION_KEKS'],
  [{ ...base, ENCRYPTION_KEKS: `k1:${base.SECRETS_KEY},k1:${base.SECRETS_KEY}` }, 'ENCRYPTION_KEKS'],
  [{ ...base, CODEC_CORS_ORIGINS: 'http://127.0.0.1:8233/' }, 'CODEC_CORS_ORIGINS'],
  [{ ...base, CODEC_CORS_ORIGINS: 'ftp://ui' }, 'CODEC_CORS_ORIGINS'],
])('a bad setting stops start-up naming the variable (%#)', (env, variable) => {
  expect(() => readApiConfig(env)).toThrow(ConfigError);
  expect(() => readApiConfig(env)).toThrow(variable);
});

it.each([
  ['not json', 'must be valid JSON'],
  ['[]', 'non-empty JSON array'],
  ['[{"id":"h","type":"http","url":"ftp://x","token":"t"}]', '[0].url'],
  ['[{"id":"h","type":"fax","url":"http://x","token":"t"}]', '[0].type'],
  ['[{"id":"a","host":"h","port":99999,"systemId":"s","password":"p"}]', '[0].port'],
  ['[{"id":"a","host":"h","port":1,"systemId":"s","password":"p"},{"id":"a","host":"h","port":2,"systemId":"s","password":"p"}]', 'listed twice'],
])('validates CARRIERS (%s)', (value, message) => {
  expect(() => readWorkerConfig({ ...base, CARRIERS: value })).toThrow(/CARRIERS/);
  expect(() => readWorkerConfig({ ...base, CARRIERS: value })).toThrow(message);
});

it('reads the SMPP gateway abuse limits with their documented defaults, and refuses bad ones by name', () => {
  expect(readSmppGatewayConfig(base)).toMatchObject({
    maxConnections: 1000,
    maxConnectionsPerIp: 20,
    bindConcurrency: 2,
    bindFailures: { delayMs: 500, threshold: 10, lockoutMs: 300_000 },
  });
  expect(readSmppGatewayConfig({ ...base, SMPP_BIND_LOCKOUT_SECONDS: '60' }).bindFailures.lockoutMs).toBe(60_000);
  expect(() => readSmppGatewayConfig({ ...base, SMPP_MAX_CONNECTIONS_PER_IP: '0' })).toThrow('SMPP_MAX_CONNECTIONS_PER_IP');
  expect(() => readSmppGatewayConfig({ ...base, SMPP_BIND_LOCKOUT_FAILURES: 'many' })).toThrow('SMPP_BIND_LOCKOUT_FAILURES');
});

describe('TLS settings', () => {
  let dir: string;
  let certs: TestCertificates;
  let other: TestCertificates;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'config-tls-'));
    certs = makeTestCertificates(path.join(dir, 'a'));
    other = makeTestCertificates(path.join(dir, 'b'));
    writeFileSync(path.join(dir, 'garbage.pem'), 'not a certificate');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves TLS off by default: plain HTTP, plain SMPP only, plain gRPC to Temporal', () => {
    expect(readApiConfig(base).tls).toBeUndefined();
    expect(readSmppGatewayConfig(base).tls).toBeUndefined();
    expect(readApiConfig(base).temporal.tls).toBeUndefined();
  });

  it('reads the API and SMPP gateway certificate and key; the SMPP TLS port defaults to 3550', () => {
    const api = readApiConfig({ ...base, API_TLS_CERT_FILE: certs.certFile, API_TLS_KEY_FILE: certs.keyFile });
    expect(api.tls?.cert.toString()).toBe(readFileSync(certs.certFile, 'utf8'));
    expect(api.tls?.key.toString()).toBe(readFileSync(certs.keyFile, 'utf8'));
    const gateway = readSmppGatewayConfig({ ...base, SMPP_TLS_CERT_FILE: certs.certFile, SMPP_TLS_KEY_FILE: certs.keyFile });
    expect(gateway.tls?.port).toBe(3550);
    expect(gateway.port).toBe(2775);
    expect(readSmppGatewayConfig({ ...base, SMPP_TLS_CERT_FILE: certs.certFile, SMPP_TLS_KEY_FILE: certs.keyFile, SMPP_TLS_PORT: '3551' }).tls?.port).toBe(3551);
  });

  it.each([
    [{ API_TLS_CERT_FILE: '/nonexistent/api.pem', API_TLS_KEY_FILE: '/nonexistent/api.key' }, 'API_TLS_CERT_FILE', 'cannot be read: /nonexistent/api.pem (ENOENT)'],
    [{ API_TLS_CERT_FILE: 'GARBAGE', API_TLS_KEY_FILE: 'KEY' }, 'API_TLS_CERT_FILE', 'is not a PEM certificate'],
    [{ API_TLS_CERT_FILE: 'CERT', API_TLS_KEY_FILE: 'GARBAGE' }, 'API_TLS_KEY_FILE', 'is not a PEM private key'],
    [{ API_TLS_CERT_FILE: 'CERT' }, 'API_TLS_KEY_FILE', 'is required when API_TLS_CERT_FILE is set'],
    [{ API_TLS_KEY_FILE: 'KEY' }, 'API_TLS_CERT_FILE', 'is required when API_TLS_KEY_FILE is set'],
    [{ API_TLS_CERT_FILE: 'CERT', API_TLS_KEY_FILE: 'OTHER_KEY' }, 'API_TLS_KEY_FILE', 'does not match the certificate in API_TLS_CERT_FILE'],
  ])('a bad API certificate or key stops start-up naming the setting (%#)', (settings, variable, message) => {
    const files: Record<string, string> = { CERT: certs.certFile, KEY: certs.keyFile, OTHER_KEY: other.keyFile, GARBAGE: path.join(dir, 'garbage.pem') };
    const env = { ...base, ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, files[v] ?? v])) };
    expect(() => readApiConfig(env)).toThrow(ConfigError);
    expect(() => readApiConfig(env)).toThrow(`Invalid configuration: ${variable} ${message}`);
  });

  it('refuses an unreadable SMPP key and a TLS port equal to the plain one, by name', () => {
    expect(() => readSmppGatewayConfig({ ...base, SMPP_TLS_CERT_FILE: certs.certFile, SMPP_TLS_KEY_FILE: dir })).toThrow('SMPP_TLS_KEY_FILE cannot be read');
    expect(() => readSmppGatewayConfig({ ...base, SMPP_TLS_CERT_FILE: certs.certFile, SMPP_TLS_KEY_FILE: certs.keyFile, SMPP_TLS_PORT: '2775' })).toThrow('SMPP_TLS_PORT must differ from SMPP_GATEWAY_PORT');
  });

  it('reads Temporal TLS: the CA, the client pair for mTLS and the server name; on when a file is given', () => {
    const tls = readWorkerConfig({ ...base, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caFile, TEMPORAL_TLS_CLIENT_CERT_PATH: certs.certFile, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.keyFile, TEMPORAL_TLS_SERVER_NAME: 'temporal' }).temporal.tls;
    expect(tls?.ca?.toString()).toBe(readFileSync(certs.caFile, 'utf8'));
    expect(tls?.client?.cert.toString()).toBe(readFileSync(certs.certFile, 'utf8'));
    expect(tls?.serverName).toBe('temporal');
    // TLS against the system's roots (a cloud endpoint), no files.
    expect(readApiConfig({ ...base, TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({ ca: undefined, client: undefined, serverName: undefined });
  });

  it.each([
    [{ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'CA' }, 'TEMPORAL_TLS is false but TEMPORAL_TLS_SERVER_CA_CERT_PATH is set'],
    [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' }, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH cannot be read'],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: 'CERT' }, 'TEMPORAL_TLS_CLIENT_KEY_PATH is required when TEMPORAL_TLS_CLIENT_CERT_PATH is set'],
    [{ TEMPORAL_TLS: 'maybe' }, 'TEMPORAL_TLS must be true or false'],
  ])('a bad Temporal TLS setting stops start-up naming it (%#)', (settings, message) => {
    const files: Record<string, string> = { CA: certs.caFile, CERT: certs.certFile };
    const env = { ...base, ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, files[v] ?? v])) };
    expect(() => readSmppGatewayConfig(env)).toThrow(ConfigError);
    expect(() => readSmppGatewayConfig(env)).toThrow(message);
  });
});

it('derives the KEK from SECRETS_KEY by default, and keeps it to unwrap after ENCRYPTION_KEKS is set', () => {
  const unset = readApiConfig(base).keks;
  expect(unset.map(([id]) => id)).toEqual(['sk']);
  expect(unset[0][1].equals(Buffer.from(base.SECRETS_KEY, 'base64'))).toBe(false);
  const k2 = Buffer.alloc(32, 9).toString('base64');
  const set = readApiConfig({ ...base, ENCRYPTION_KEKS: ` k2:${k2} ` }).keks;
  expect(set.map(([id]) => id)).toEqual(['k2', 'sk']);
  expect(set[1][1]).toEqual(unset[0][1]);
  expect(readApiConfig({ ...base, CODEC_CORS_ORIGINS: 'http://127.0.0.1:8233, https://ui.example.com' }).codecCorsOrigins).toEqual(['http://127.0.0.1:8233', 'https://ui.example.com']);
});
