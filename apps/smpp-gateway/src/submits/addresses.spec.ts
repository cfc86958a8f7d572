// Destination and source addresses of customers' submits, with and without a default country.
import * as smpp from 'smpp';
import { AddressError, destinationFromSmpp, sourceFromSmpp } from './addresses';
import { effectiveDataCoding } from './submit-handler';

const statusOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof AddressError ? err.commandStatus : -1;
  }
};

describe('destinationFromSmpp', () => {
  it('reads TON 1 and TON 0 as international without a default country, and refuses TON 2', () => {
    expect(destinationFromSmpp('447400123456', 1)).toBe('+447400123456');
    expect(destinationFromSmpp('+447400123456', 0)).toBe('+447400123456');
    expect(destinationFromSmpp('447400123456', 0)).toBe('+447400123456');
    expect(statusOf(() => destinationFromSmpp('07400123456', 2))).toBe(smpp.errors.ESME_RINVDSTTON);
    expect(statusOf(() => destinationFromSmpp('447400123456', 4))).toBe(smpp.errors.ESME_RINVDSTTON);
  });

  it('reads national numbers (TON 2) of the default country, with or without the trunk prefix', () => {
    expect(destinationFromSmpp('07400123456', 2, 'GB')).toBe('+447400123456');
    expect(destinationFromSmpp('7400123456', 2, 'GB')).toBe('+447400123456');
    expect(destinationFromSmpp('4155552671', 2, 'US')).toBe('+14155552671');
    expect(statusOf(() => destinationFromSmpp('12', 2, 'GB'))).toBe(smpp.errors.ESME_RINVDSTADR);
  });

  it('reads TON 0 as international when that is valid, else as national with a default country', () => {
    expect(destinationFromSmpp('447400123456', 0, 'US')).toBe('+447400123456');
    expect(destinationFromSmpp('07400123456', 0, 'GB')).toBe('+447400123456');
    // Without a default country the national form stays as written (and fails validation later).
    expect(destinationFromSmpp('07400123456', 0)).toBe('+07400123456');
  });
});

describe('sourceFromSmpp', () => {
  it('reads national senders as short codes or numbers of the default country', () => {
    expect(sourceFromSmpp('12345', 2)).toBe('12345');
    expect(sourceFromSmpp('07400123456', 2, 'GB')).toBe('+447400123456');
    expect(statusOf(() => sourceFromSmpp('07400123456', 2))).toBe(smpp.errors.ESME_RINVSRCTON);
  });
});

describe('effectiveDataCoding', () => {
  it('reads data_coding 0 in the credential alphabet and leaves other codings alone', () => {
    expect(effectiveDataCoding(0, 'gsm')).toBe(0);
    expect(effectiveDataCoding(0, 'ascii')).toBe(1);
    expect(effectiveDataCoding(0, 'latin1')).toBe(3);
    expect(effectiveDataCoding(8, 'ascii')).toBe(8);
    expect(effectiveDataCoding(1, 'gsm')).toBe(1);
  });
});
