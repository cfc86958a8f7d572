import { randomBytes } from 'node:crypto';
import { aeadOpen, aeadSeal, deriveKekFromSecretsKey, generateDataKey, LocalKms, UnknownKekError } from './index';

it('seals with AES-256-GCM and refuses an altered value or the wrong key', () => {
  const key = generateDataKey();
  const sealed = aeadSeal(key, Buffer.from('Your code is 482913'));
  expect(sealed.includes(Buffer.from('482913'))).toBe(false);
  expect(aeadOpen(key, sealed).toString()).toBe('Your code is 482913');
  const altered = Buffer.from(sealed);
  altered[20] ^= 1;
  expect(() => aeadOpen(key, altered)).toThrow();
  expect(() => aeadOpen(generateDataKey(), sealed)).toThrow();
});

it('wraps data keys with the current KEK and unwraps with the KEK that wrapped them', async () => {
  const k1 = randomBytes(32);
  const old = new LocalKms([['k1', k1]]);
  const dataKey = generateDataKey();
  const wrapped = await old.wrap(dataKey);
  expect(wrapped.kekId).toBe('k1');
  // After a rotation the new KEK wraps; the old one, still configured, unwraps what it wrapped.
  const rotated = new LocalKms([['k2', randomBytes(32)], ['k1', k1]]);
  expect(await rotated.unwrap(wrapped)).toEqual(dataKey);
  expect((await rotated.wrap(dataKey)).kekId).toBe('k2');
  // A KEK id the KMS does not hold, or a wrapped key moved to another KEK id, is refused.
  await expect(new LocalKms([['k2', randomBytes(32)]]).unwrap(wrapped)).rejects.toBeInstanceOf(UnknownKekError);
  await expect(rotated.unwrap({ kekId: 'k2', wrapped: wrapped.wrapped })).rejects.toThrow();
});

it('derives a KEK of its own from SECRETS_KEY (never the key itself)', () => {
  const secretsKey = randomBytes(32).toString('base64');
  const kek = deriveKekFromSecretsKey(secretsKey);
  expect(kek).toHaveLength(32);
  expect(kek.equals(Buffer.from(secretsKey, 'base64'))).toBe(false);
  expect(deriveKekFromSecretsKey(secretsKey)).toEqual(kek);
});
