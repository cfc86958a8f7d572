import { addressParams, e164IfInternational, toSmppAddress } from './addresses';
import { userDataParams, userDataParamsBySize } from './user-data-params';
import { commandStatusName } from './command-status';

describe('SMPP addresses', () => {
  it('maps E.164, short codes and alphanumeric senders to TON/NPI', () => {
    expect(toSmppAddress('+14155550100')).toEqual({ addr: '14155550100', ton: 1, npi: 1 });
    expect(toSmppAddress('12345')).toEqual({ addr: '12345', ton: 3, npi: 0 });
    expect(toSmppAddress('ACME')).toEqual({ addr: 'ACME', ton: 5, npi: 0 });
  });

  it('reads international numbers back as E.164 and leaves other addresses alone', () => {
    expect(e164IfInternational('14155550100', 1)).toBe('+14155550100');
    expect(e164IfInternational('14155550100', 0)).toBe('14155550100');
    expect(e164IfInternational('ACME', 1)).toBe('ACME');
    expect(e164IfInternational(undefined, 1)).toBe('');
  });

  it('builds the six address parameters', () => {
    expect(addressParams(toSmppAddress('ACME'), toSmppAddress('+447700900000'))).toEqual({
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'ACME',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '447700900000',
    });
  });
});

describe('SMPP user data parameters', () => {
  it('puts octets in short_message, or in message_payload with an empty short_message', () => {
    expect(userDataParams(Uint8Array.of(1, 2), false)).toEqual({ short_message: Buffer.from([1, 2]) });
    expect(userDataParams(Uint8Array.of(1, 2), true)).toEqual({ short_message: Buffer.alloc(0), message_payload: Buffer.from([1, 2]) });
  });

  it('chooses message_payload past 254 octets', () => {
    expect(Object.keys(userDataParamsBySize(new Uint8Array(254)))).toEqual(['short_message']);
    expect(Object.keys(userDataParamsBySize(new Uint8Array(255)))).toEqual(['short_message', 'message_payload']);
  });
});

describe('command status names', () => {
  it('names known statuses and shows others in hex', () => {
    expect(commandStatusName(0x0b)).toBe('ESME_RINVDSTADR');
    expect(commandStatusName(0x4242)).toBe('0x00004242');
  });
});
