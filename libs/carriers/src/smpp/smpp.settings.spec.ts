// SMPP carrier settings: defaults for what older CARRIERS entries leave out, and errors that name the field.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeTestCertificates } from '../../../../test/support/tls';
import { CarrierSettingsError } from '../carrier-kind';
import { parseSmppSettings } from './smpp.settings';

const valid = { host: 'smsc.example', port: 2775, systemId: 'acme', password: 'pw' };
const common = { id: 'alpha', window: 10 };

it('fills in the concatenation and multipart receipt defaults', () => {
  expect(parseSmppSettings(valid, common)).toEqual({ ...valid, ...common, type: 'smpp', systemType: undefined, concatenation: 'udh8', multipartReceipts: 'each' });
});

it.each([
  [{ port: 0 }, 'port must be a port number'],
  [{ port: '2775' }, 'port must be a port number'],
  [{ concatenation: 'udh7' }, 'concatenation must be one of udh8, udh16, sar, payload'],
  [{ multipartReceipts: 'some' }, 'multipartReceipts must be "each" or "first"'],
  [{ host: ' ' }, 'host must be a non-empty string'],
  [{ password: undefined }, 'password must be a non-empty string'],
  [{ systemType: 3 }, 'systemType must be a non-empty string'],
])('refuses %j: %s', (change, message) => {
  expect(() => parseSmppSettings({ ...valid, ...change }, common)).toThrow(CarrierSettingsError);
  expect(() => parseSmppSettings({ ...valid, ...change }, common)).toThrow(message);
});

describe('TLS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smpp-settings-'));
  const ca = makeTestCertificates(dir).ca.toString();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is off unless asked for; with tls: true keeps the CA, server name and verification choice', () => {
    expect(parseSmppSettings(valid, common).tls).toBeUndefined();
    expect(parseSmppSettings({ ...valid, tls: true }, common)).toMatchObject({ tls: true });
    expect(parseSmppSettings({ ...valid, tls: true, tlsCa: ca, tlsServername: 'smsc.example', tlsRejectUnauthorized: false }, common)).toMatchObject({
      tls: true,
      tlsCa: ca,
      tlsServername: 'smsc.example',
      tlsRejectUnauthorized: false,
    });
  });

  it('tls: false turns TLS off with its options (an API update of a stored carrier)', () => {
    const settings = parseSmppSettings({ ...valid, tls: false, tlsCa: ca }, common);
    expect(settings).not.toHaveProperty('tls');
    expect(settings).not.toHaveProperty('tlsCa');
  });

  it.each([
    [{ tls: 'yes' }, 'tls must be true or false'],
    [{ tls: true, tlsCa: 'not pem' }, 'tlsCa must be a PEM certificate'],
    [{ tls: true, tlsRejectUnauthorized: 'no' }, 'tlsRejectUnauthorized must be true or false'],
    [{ tlsServername: 'smsc.example' }, 'tlsServername needs "tls": true'],
  ])('refuses %j: %s', (change, message) => {
    expect(() => parseSmppSettings({ ...valid, ...change }, common)).toThrow(CarrierSettingsError);
    expect(() => parseSmppSettings({ ...valid, ...change }, common)).toThrow(message);
  });
});
