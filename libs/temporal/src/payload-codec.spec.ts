import { randomBytes } from 'node:crypto';
import { DefaultPayloadConverter } from '@temporalio/common';
import { LocalKms } from '@app/crypto';
import { decodePayloadsDeep, EncryptionCodec, ENCRYPTED_ENCODING } from './payload-codec';

const converter = new DefaultPayloadConverter();
const kek = randomBytes(32);
const input = { to: '+14155552671', statusCallbackUrl: 'https://hooks.example.com/sms' };

it('encrypts payloads so that no number or URL is left, and decodes them back', async () => {
  const codec = new EncryptionCodec(new LocalKms([['k1', kek]]));
  const [encoded] = await codec.encode([converter.toPayload(input)]);
  expect(Buffer.from(encoded.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  const wire = Buffer.concat([encoded.data!, ...Object.values(encoded.metadata!).map((v) => Buffer.from(v!))]).toString('latin1');
  expect(wire).not.toContain('4155552671');
  expect(wire).not.toContain('hooks.example.com');
  // Another process (a new data key) with the same KEK decodes it.
  const [decoded] = await new EncryptionCodec(new LocalKms([['k1', kek]])).decode([encoded]);
  expect(converter.fromPayload(decoded)).toEqual(input);
});

it('passes payloads that were never encrypted through, and refuses one under an unknown KEK', async () => {
  const codec = new EncryptionCodec(new LocalKms([['k1', kek]]));
  const plain = converter.toPayload(input);
  expect(await codec.decode([plain])).toEqual([plain]);
  const [encoded] = await codec.encode([plain]);
  await expect(new EncryptionCodec(new LocalKms([['k2', randomBytes(32)]])).decode([encoded])).rejects.toThrow(/KEK "k1"/);
});

it('decodes every encrypted payload nested in a history-shaped object', async () => {
  const codec = new EncryptionCodec(new LocalKms([['k1', kek]]));
  const [a, b] = await codec.encode([converter.toPayload(input), converter.toPayload('x')]);
  const history = { events: [{ eventId: 1, attributes: { input: { payloads: [a] } } }, { eventId: 2, result: { payloads: [b] } }] };
  const decoded = await decodePayloadsDeep(history, codec);
  expect(converter.fromPayload(decoded.events[0].attributes!.input.payloads[0])).toEqual(input);
  expect(converter.fromPayload(decoded.events[1].result!.payloads[0])).toBe('x');
  expect(decoded.events[0].eventId).toBe(1);
});
