// One-time codes: drawn from the operating system's cryptographic RNG, kept only as a keyed
// digest (HMAC-SHA256 under SECRETS_KEY over a per-verification random salt), compared in
// constant time. The API digests what the user typed and sends the digest to the workflow, so
// the code itself never enters workflow history; the worker compares it with the stored one.
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export class VerificationCodes {
  private readonly key: Buffer;

  /** `secretsKey`: the deployment's SECRETS_KEY (32 bytes, base64). */
  constructor(secretsKey: string) {
    this.key = Buffer.from(secretsKey, 'base64');
    if (this.key.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes, base64-encoded');
  }

  /** `length` decimal digits, each uniform (randomInt rejects biased draws). */
  static generate(length: number): string {
    let code = '';
    for (let i = 0; i < length; i++) code += String(randomInt(10));
    return code;
  }

  static newSalt(): string {
    return randomBytes(16).toString('base64url');
  }

  /** The digest stored for a code, and sent by the API for a typed one. */
  digest(salt: string, code: string): string {
    return createHmac('sha256', this.key).update(`${salt}\u0000${code}`).digest('base64url');
  }

  /** Constant-time comparison of two digests. */
  static same(a: string, b: string): boolean {
    const x = Buffer.from(a, 'base64url');
    const y = Buffer.from(b, 'base64url');
    return x.length === y.length && timingSafeEqual(x, y);
  }

  /**
   * The code a text carries, found by its digest: a resend that keeps the code reads it back
   * from the previous message's text (the messages table holds every body) instead of keeping
   * the code anywhere else. Null when no run of digits in the text matches.
   */
  recover(text: string, length: number, salt: string, digest: string): string | null {
    const digits = text.replace(/\D/g, '');
    for (let i = 0; i + length <= digits.length; i++) {
      const candidate = digits.slice(i, i + length);
      if (VerificationCodes.same(this.digest(salt, candidate), digest)) return candidate;
    }
    return null;
  }
}
