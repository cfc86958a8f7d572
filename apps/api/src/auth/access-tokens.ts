// Short-lived access tokens (JWT, HS256, jose): OAuth2 client-credentials tokens for machine
// clients and operator tokens after password + TOTP. The signing key is derived from SECRETS_KEY
// (HKDF), so every API replica of a deployment accepts what another issued and nothing is stored.
// A token names its subject (client or operator id) and scopes; each request still checks the
// subject (revoked client, disabled operator: refused at once, through ApiKeyCache).
import { hkdfSync, randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { ApiKeyScope } from '@app/db';

export const ISSUER = 'sms-aggregator';
/** Lifetime of a client token. */
export const CLIENT_TOKEN_SECONDS = 900;
/** Lifetime of an operator token. */
export const OPERATOR_TOKEN_SECONDS = 900;

export type TokenKind = 'oauth_client' | 'operator';

export interface AccessTokenClaims {
  kind: TokenKind;
  subject: string;
  scopes: ApiKeyScope[];
  expiresAt: Date;
}

export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(secretsKey: string) {
    this.key = new Uint8Array(hkdfSync('sha256', Buffer.from(secretsKey, 'base64'), Buffer.alloc(0), 'sms-aggregator access tokens v1', 32));
  }

  async issue(kind: TokenKind, subject: string, scopes: ApiKeyScope[], seconds: number): Promise<string> {
    return new SignJWT({ scope: scopes.join(' '), kind })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setSubject(subject)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${seconds}s`)
      .sign(this.key);
  }

  /** The claims of a valid, unexpired token of ours; null for anything else. */
  async verify(token: string): Promise<AccessTokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'], typ: 'at+jwt' });
      if ((payload.kind !== 'oauth_client' && payload.kind !== 'operator') || typeof payload.sub !== 'string' || typeof payload.scope !== 'string' || !payload.exp) return null;
      return { kind: payload.kind, subject: payload.sub, scopes: payload.scope.split(' ').filter(Boolean) as ApiKeyScope[], expiresAt: new Date(payload.exp * 1000) };
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  }
}
