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
