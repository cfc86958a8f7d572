import { SecretBox } from './secrets';

it('seals and opens, with a fresh IV each time, and rejects tampering or another key', () => {
  const box = new SecretBox(SecretBox.generateKey());
  const a = box.seal('alpha-pw');
  expect(a).toMatch(/^v1:/);
  expect(a).not.toContain('alpha-pw');
  expect(box.seal('alpha-pw')).not.toBe(a);
  expect(box.open(a)).toBe('alpha-pw');
  const parts = a.split(':');
  const tampered = [...parts.slice(0, 3), Buffer.from('x').toString('base64url')].join(':');
  expect(() => box.open(tampered)).toThrow();
  expect(() => new SecretBox(SecretBox.generateKey()).open(a)).toThrow();
  expect(() => new SecretBox('c2hvcnQ=')).toThrow(/32 bytes/);
});
