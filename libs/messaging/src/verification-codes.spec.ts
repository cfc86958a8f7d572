import { VerificationCodes } from './verification-codes';

const codes = new VerificationCodes(Buffer.alloc(32, 7).toString('base64'));

describe('VerificationCodes', () => {
  it('draws codes of the asked length, digits only, uniformly enough', () => {
    const drawn = Array.from({ length: 2000 }, () => VerificationCodes.generate(6));
    expect(drawn.every((c) => /^[0-9]{6}$/.test(c))).toBe(true);
    expect(new Set(drawn).size).toBeGreaterThan(1990);
    const firsts = new Map<string, number>();
    for (const c of drawn) firsts.set(c[0], (firsts.get(c[0]) ?? 0) + 1);
    expect(firsts.size).toBe(10);
  });

  it('keeps a salted, keyed digest that matches only the same code and salt', () => {
    const salt = VerificationCodes.newSalt();
    const digest = codes.digest(salt, '482913');
    expect(digest).not.toContain('482913');
    expect(VerificationCodes.same(codes.digest(salt, '482913'), digest)).toBe(true);
    expect(VerificationCodes.same(codes.digest(salt, '482914'), digest)).toBe(false);
    expect(VerificationCodes.same(codes.digest(VerificationCodes.newSalt(), '482913'), digest)).toBe(false);
    expect(VerificationCodes.same(new VerificationCodes(Buffer.alloc(32, 8).toString('base64')).digest(salt, '482913'), digest)).toBe(false);
    expect(VerificationCodes.same('short', digest)).toBe(false);
  });

  it('reads a kept code back from a text by its digest', () => {
    const salt = VerificationCodes.newSalt();
    const digest = codes.digest(salt, '0482');
    expect(codes.recover('Your code is 0482. It expires in 10 minutes.', 4, salt, digest)).toBe('0482');
    expect(codes.recover('Your code is: 0, 4, 8, 2. Again: 0, 4, 8, 2.', 4, salt, digest)).toBe('0482');
    expect(codes.recover('Your code is 9999. It expires in 10 minutes.', 4, salt, digest)).toBeNull();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new VerificationCodes('c2hvcnQ=')).toThrow(/SECRETS_KEY/);
  });
});
