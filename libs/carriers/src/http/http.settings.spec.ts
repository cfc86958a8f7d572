// HTTP carrier settings: an http(s) base URL and a token, errors naming the field.
import { CarrierSettingsError } from '../carrier-kind';
import { parseHttpSettings } from './http.settings';

const common = { id: 'gamma', window: 5 };

it('keeps the URL and token', () => {
  expect(parseHttpSettings({ url: 'https://api.example/v1', token: 't' }, common)).toEqual({ id: 'gamma', type: 'http', url: 'https://api.example/v1', token: 't', window: 5 });
});

it('keeps requireTls for an https URL', () => {
  expect(parseHttpSettings({ url: 'https://api.example/v1', token: 't', requireTls: true }, common)).toMatchObject({ url: 'https://api.example/v1', requireTls: true });
});

it.each([
  [{ url: 'ftp://api.example', token: 't' }, 'url', 'url must be an http(s) URL'],
  [{ token: 't' }, 'url', 'url must be a non-empty string'],
  [{ url: 'http://api.example' }, 'token', 'token must be a non-empty string'],
  [{ url: 'http://api.example', token: 't', requireTls: true }, 'url', 'url must be an https URL (requireTls is true)'],
  [{ url: 'https://api.example', token: 't', requireTls: 'yes' }, 'requireTls', 'requireTls must be true or false'],
])('refuses %j naming %s', (raw, field, message) => {
  let error: unknown;
  try {
    parseHttpSettings(raw, common);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(CarrierSettingsError);
  expect(error).toMatchObject({ field, message });
});
