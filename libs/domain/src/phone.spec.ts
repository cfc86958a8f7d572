import { ValidationError } from '@app/contracts';
import { normalizeE164, normalizeSender } from './phone';

function validationErrorOf(run: () => unknown): ValidationError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError, but the input was accepted');
}

describe('normalizeE164', () => {
  it.each([
    ['+14155552671', '+14155552671', 'US'],
    ['+44 7400 123456', '+447400123456', 'GB'],
    ['+44 20 7183 8750', '+442071838750', 'GB'],
    ['+49 1512 3456789', '+4915123456789', 'DE'],
    ['+91 98765 43210', '+919876543210', 'IN'],
    ['+234 803 123 4567', '+2348031234567', 'NG'],
    ['+55 (11) 91234-5678', '+5511912345678', 'BR'],
    ['+33 6 12 34 56 78', '+33612345678', 'FR'],
    ['+61 491 570 156', '+61491570156', 'AU'],
    ['+39 06 1234 5678', '+390612345678', 'IT'],
  ])('%s → %s (%s)', (input, e164, country) => {
    expect(normalizeE164(input)).toMatchObject({ e164, country });
  });

  it.each([
    ['+1 (415) 555-2671', '+14155552671'],
    ['  +1.415.555.2671  ', '+14155552671'],
    ['+1\u00A0415\u2013555\u20132671', '+14155552671'],
    ['+49 151/23456789', '+4915123456789'],
    ['+44 (0)7400 123456', '+447400123456'],
    ['+49 (0)151 23456789', '+4915123456789'],
  ])('normalises the written form %j to %s', (input, e164) => {
    expect(normalizeE164(input).e164).toBe(e164);
  });

  it('reports the number type when the metadata tells', () => {
    expect(normalizeE164('+447400123456')).toEqual({ e164: '+447400123456', country: 'GB', type: 'MOBILE' });
    expect(normalizeE164('+442071838750').type).toBe('FIXED_LINE');
  });

  it('accepts a non-geographic number without a country', () => {
    expect(normalizeE164('+800 1234 5678')).toMatchObject({ e164: '+80012345678', country: undefined });
  });

  it.each([
    ['a national US number', '4155552671', /E\.164.*\+.*country code/],
    ['a national UK number', '07400 123456', /E\.164.*\+.*country code/],
    ['digits with the country code but no +', '14155552671', /E\.164/],
    ['the 00 international prefix', '00447400123456', /E\.164/],
    ['letters', '+1 415 CALL NOW', /only digits/],
    ['an extension', '+1 415 555 2671 ext 3', /only digits/],
    ['two plus signs', '++14155552671', /only digits/],
    ['a plus in the middle', '1+4155552671', /only digits/],
    ['16 digits', '+1234567890123456', /16 digits.*at most 15/],
    ['too few digits', '+1415', /not a valid phone number/],
    ['an unassigned US range', '+10005550000', /not a valid phone number/],
    ['a number too long for its country', '+44740012345678', /not a valid phone number/],
    ['an empty string', '', /E\.164/],
    ['only spaces', '   ', /E\.164/],
    ['a bare plus', '+', /only digits/],
  ])('rejects %s (%j)', (_name, input, message) => {
    const err = validationErrorOf(() => normalizeE164(input, 'to'));
    expect(err).toMatchObject({ code: 'invalid_phone_number', field: 'to' });
    expect(err.message).toMatch(message);
  });

  it.each([[undefined], [null], [14155552671], [{ e164: '+14155552671' }]])('rejects the non-string %p', (input) => {
    expect(validationErrorOf(() => normalizeE164(input))).toMatchObject({ code: 'invalid_phone_number', field: 'to' });
  });

  it('names the field it was given', () => {
    const err = validationErrorOf(() => normalizeE164('12345', 'recipients[3]'));
    expect(err.field).toBe('recipients[3]');
    expect(err.message).toMatch(/^recipients\[3\] /);
  });
});

describe('normalizeSender', () => {
  it.each([
    ['Acme', 'Acme', 'alphanumeric'],
    ['A', 'A', 'alphanumeric'],
    ['Acme 24', 'Acme 24', 'alphanumeric'],
    ['ABCDEFGHIJK', 'ABCDEFGHIJK', 'alphanumeric'],
    ['2FA', '2FA', 'alphanumeric'],
    ['  Acme  ', 'Acme', 'alphanumeric'],
    ['123', '123', 'short_code'],
    ['12345', '12345', 'short_code'],
    ['12345678', '12345678', 'short_code'],
    ['+14155552671', '+14155552671', 'long_code'],
    ['+1 (415) 555-2671', '+14155552671', 'long_code'],
    ['+44 7400 123456', '+447400123456', 'long_code'],
  ])('%j → %j (%s)', (input, value, type) => {
    expect(normalizeSender(input)).toEqual({ value, type });
  });

  it.each([
    ['a 12-character id', 'ABCDEFGHIJKL', /12 characters.*at most 11/],
    ['Acme Corporation Ltd', 'Acme Corporation Ltd', /at most 11/],
    ['punctuation', 'Acme!', /only letters A–Z, digits and spaces/],
    ['an accented letter', 'Açme', /only letters A–Z, digits and spaces/],
    ['a hyphen in an id', 'Acme-Co', /only letters A–Z, digits and spaces/],
    ['two digits', '12', /E\.164.*short code has 3–8 digits/],
    ['nine digits without +', '123456789', /E\.164/],
    ['an invalid long code', '+1000', /not a valid phone number/],
    ['an empty string', '', /sender id, a short code or an E\.164/],
    ['only spaces', '   ', /sender id, a short code or an E\.164/],
  ])('rejects %s (%j)', (_name, input, message) => {
    const err = validationErrorOf(() => normalizeSender(input, 'from'));
    expect(err).toMatchObject({ code: 'invalid_sender', field: 'from' });
    expect(err.message).toMatch(message);
  });

  it('rejects a non-string', () => {
    expect(validationErrorOf(() => normalizeSender(12345))).toMatchObject({ code: 'invalid_sender', field: 'from' });
  });
});
