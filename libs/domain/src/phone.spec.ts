import { ValidationError } from '@app/contracts';
import { normalizeE164, normalizeSender } from './phone';

describe('normalizeE164', () => {
  it.each([
    ['+14155552671', '+14155552671', 'US'],
    ['+44 7400 123456', '+447400123456', 'GB'],
    ['+49 1512 3456789', '+4915123456789', 'DE'],
    ['+91 98765 43210', '+919876543210', 'IN'],
    ['+234 803 123 4567', '+2348031234567', 'NG'],
    ['+55 (11) 91234-5678', '+5511912345678', 'BR'],
  ])('%s → %s', (input, e164, country) => {
    expect(normalizeE164(input)).toMatchObject({ e164, country });
  });

  it.each(['4155552671', '+1415', 'hello', '', '+1234567890123456', '+10005550000'])('rejects %j with a field-named error', (input) => {
    try {
      normalizeE164(input, 'to');
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('to');
      expect((err as ValidationError).code).toBe('invalid_phone_number');
    }
  });
});

describe('normalizeSender', () => {
  it('classifies senders', () => {
    expect(normalizeSender('Acme')).toEqual({ value: 'Acme', type: 'alphanumeric' });
    expect(normalizeSender('12345')).toEqual({ value: '12345', type: 'short_code' });
    expect(normalizeSender('+14155552671')).toEqual({ value: '+14155552671', type: 'long_code' });
  });

  it('rejects over-long alphanumeric ids and symbols', () => {
    expect(() => normalizeSender('AcmeCorporation')).toThrow(ValidationError);
    expect(() => normalizeSender('Acme!')).toThrow(ValidationError);
  });
});
