// Walks the carrier-kind registry: every kind is a folder with its siblings' file names, its
// settings validation names the bad field, its secrets stay out of the readable settings, and
// a connector comes out of valid settings. A kind added to CARRIER_KINDS without an example
// here does not compile.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { CarrierSettingsError } from './carrier-kind';
import { makeTestCertificates } from '../../../test/support/tls';
import { buildCarrier, CARRIER_CONNECTION_FIELDS, CARRIER_KINDS, carrierEndpoint, CarrierKindName, isCarrierKindName, joinSecrets, parseCarrierSettings, splitSecrets } from './registry';

const certDir = mkdtempSync(path.join(tmpdir(), 'registry-spec-'));
const TEST_CA = makeTestCertificates(certDir).ca.toString();
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

/** Valid connection settings of each kind (without id, type and window). */
const EXAMPLES = {
  smpp: {
    host: '127.0.0.1',
    port: 2775,
    systemId: 'acme',
    // Not a substring of the PEM below (the test looks for the secret in the readable settings).
    password: 'pw!secret',
    systemType: 'vas',
    concatenation: 'sar',
    multipartReceipts: 'first',
    tls: true,
    tlsCa: TEST_CA,
    tlsServername: 'smsc.example',
    tlsRejectUnauthorized: true,
  },
  http: { url: 'https://127.0.0.1:9/http/x', token: 'tok', requireTls: true },
} satisfies Record<CarrierKindName, Record<string, unknown>>;

const kinds = Object.entries(CARRIER_KINDS).map(([name, kind]) => ({ name: name as CarrierKindName, kind, example: EXAMPLES[name as CarrierKindName] as Record<string, unknown> }));
const context = { receiptWebhookUrl: 'http://127.0.0.1:9/carriers/c1/receipts', logger: pino({ level: 'silent' }) };

function settingsError(raw: unknown): CarrierSettingsError {
  try {
    parseCarrierSettings(raw);
  } catch (err) {
    if (err instanceof CarrierSettingsError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe.each(kinds)('carrier kind $name', ({ name, kind, example }) => {
  const raw = { id: 'c1', type: name, window: 7, ...example };

  it('is one folder with the same file names as its siblings, named after its registry key', () => {
    expect(kind.name).toBe(name);
    for (const role of ['connector', 'settings', 'errors', 'kind']) expect(existsSync(path.join(__dirname, name, `${name}.${role}.ts`))).toBe(true);
    expect(existsSync(path.join(__dirname, name, `${name}.receipt-webhook.ts`))).toBe(kind.handleReceiptWebhook !== undefined);
  });

  it('accepts its example, normalizes it idempotently and lists every field it takes', () => {
    const config = parseCarrierSettings(raw);
    expect(config).toMatchObject({ id: 'c1', type: name, window: 7, ...example });
    expect(parseCarrierSettings(config)).toEqual(config);
    expect(Object.keys(example).sort()).toEqual([...kind.fields].sort());
    for (const field of kind.fields) expect(CARRIER_CONNECTION_FIELDS).toContain(field);
  });

  it.each(Object.keys(example))('rejects a wrong %s, naming it', (field) => {
    const error = settingsError({ ...raw, [field]: { not: 'valid' } });
    expect(error.field).toBe(field);
    expect(error.message).toMatch(new RegExp(`^${field} \\S`));
  });

  it('rejects missing secrets, naming the field', () => {
    expect(kind.secretFields.length).toBeGreaterThan(0);
    for (const field of kind.secretFields) {
      const { [field]: _omitted, ...rest } = raw as Record<string, unknown>;
      expect(settingsError(rest).field).toBe(field);
    }
  });

  it('keeps its secret fields out of the readable settings and restores them', () => {
    const config = parseCarrierSettings(raw);
    const { settings, secret, columns } = splitSecrets(config);
    for (const field of kind.secretFields) {
      expect(settings).not.toHaveProperty(field);
      expect(secret).toContain((config as unknown as Record<string, string>)[field]);
    }
    expect(settings).not.toHaveProperty('id');
    expect(JSON.stringify(settings)).not.toContain(secret);
    expect(joinSecrets({ id: 'c1', type: name, window: 7, settings: JSON.parse(JSON.stringify(settings)), secret })).toEqual(config);
    expect(typeof carrierEndpoint(name, columns)).toBe('string');
  });

  it('builds a connector from valid settings', async () => {
    const { connector, receiptWebhook } = buildCarrier(parseCarrierSettings(raw), context);
    expect(connector.carrierId).toBe('c1');
    expect(connector.status()).toMatchObject({ carrierId: 'c1', outstanding: 0, queued: 0 });
    expect(receiptWebhook !== undefined).toBe(kind.handleReceiptWebhook !== undefined);
    if (receiptWebhook) expect(await receiptWebhook({ authorization: 'Bearer wrong', body: {} })).toBe(401);
    await connector.close();
    expect(connector.status().state).toBe('closed');
  });
});

describe('the registry', () => {
  it('checks id, type and window for every kind', () => {
    expect(settingsError({ ...EXAMPLES.smpp, id: 'Bad Id', type: 'smpp' }).field).toBe('id');
    expect(settingsError({ ...EXAMPLES.smpp, type: 'smpp' }).field).toBe('id');
    expect(settingsError({ id: 'c1', type: 'fax' })).toMatchObject({ field: 'type', message: 'type must be "smpp" or "http"' });
    expect(settingsError({ id: 'c1', type: 'toString' }).field).toBe('type');
    expect(settingsError({ ...EXAMPLES.http, id: 'c1', type: 'http', window: 0 }).field).toBe('window');
    expect(settingsError(null).field).toBe('');
  });

  it('reads a settings object without a type as SMPP with its defaults', () => {
    const { systemType: _s, concatenation: _c, multipartReceipts: _m, ...minimal } = EXAMPLES.smpp;
    expect(parseCarrierSettings({ id: 'c1', ...minimal })).toEqual({ id: 'c1', type: 'smpp', ...minimal, systemType: undefined, window: 10, concatenation: 'udh8', multipartReceipts: 'each' });
  });

  it('knows its kinds and nothing else', () => {
    expect(Object.keys(CARRIER_KINDS).every(isCarrierKindName)).toBe(true);
    expect(isCarrierKindName('fax')).toBe(false);
    expect(isCarrierKindName('constructor')).toBe(false);
  });

  it('shows endpoints as operators know them', () => {
    expect(carrierEndpoint('smpp', { host: 'smsc.example', port: 2775 })).toBe('smsc.example:2775');
    expect(carrierEndpoint('http', { host: 'https://api.example/v1', port: 0 })).toBe('https://api.example/v1');
  });
});
