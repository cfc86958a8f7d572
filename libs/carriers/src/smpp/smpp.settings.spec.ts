// SMPP carrier settings: defaults for what older CARRIERS entries leave out, and errors that name the field.
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
