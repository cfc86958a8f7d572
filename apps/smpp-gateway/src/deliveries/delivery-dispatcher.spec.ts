// Inbound messages as deliver_sm in the receiving credential's alphabet for data_coding 0.
import { inboundParams } from './delivery-dispatcher';

const payload = (body: string) => ({ inboundId: 'i1', from: '+447400123456', to: '+447700900000', body, receivedAt: new Date(0).toISOString() });

it('sends GSM 03.38 by default, and ASCII or Latin-1 octets in data_coding 0 for credentials that read it so', () => {
  expect(inboundParams(payload('@ {ok}'))).toMatchObject({ data_coding: 0, short_message: Buffer.from([0x00, 0x20, 0x1b, 0x28, 0x6f, 0x6b, 0x1b, 0x29]) });
  expect(inboundParams(payload('@ {ok}'), 'ascii')).toMatchObject({ data_coding: 0, short_message: Buffer.from('@ {ok}', 'latin1') });
  expect(inboundParams(payload('café'), 'latin1')).toMatchObject({ data_coding: 0, short_message: Buffer.from('café', 'latin1') });
});

it('falls back to UCS-2 when the text does not fit the alphabet', () => {
  expect(inboundParams(payload('café'), 'ascii')).toMatchObject({ data_coding: 8, short_message: Buffer.from([0, 0x63, 0, 0x61, 0, 0x66, 0, 0xe9]) });
});
