// Who a bearer credential is: an API key (`sk_…`), or an access token we issued (an OAuth2
// client's, an operator's). Keys, clients and operators are read through ApiKeyCache, so a
// request costs no round trip and a revocation applies at once; a token's scopes are those it
// was issued with, within what its client or operator may still hold.
import { AuthenticatedKey, OAuthClientRepository, OperatorRepository } from '@app/db';
import type { ApiKeyScope } from '@app/db';
import { AccessTokens } from './access-tokens';
import { ApiKeyCache } from './api-key-cache';

/** What an operator's token may do. */
export const OPERATOR_SCOPES: ApiKeyScope[] = ['messages', 'smpp', 'keys', 'operator'];

export class Credentials {
  constructor(
    private readonly keys: ApiKeyCache,
    private readonly tokens: AccessTokens,
    private readonly clients: Pick<OAuthClientRepository, 'active'>,
    private readonly operators: Pick<OperatorRepository, 'active'>,
  ) {}

  async authenticate(bearer: string): Promise<AuthenticatedKey | null> {
    if (bearer.startsWith('sk_')) return this.keys.authenticate(bearer);
    const claims = await this.tokens.verify(bearer);
    if (!claims) return null;
    const holder =
      claims.kind === 'oauth_client'
        ? await this.keys.cached(`client:${claims.subject}`, async () => {
            const client = await this.clients.active(claims.subject);
            return client && { accountId: client.accountId, keyId: client.id, scopes: client.scopes, smartEncoding: client.smartEncoding, limits: client.limits, allowedIps: client.allowedIps, expiresAt: null, credential: 'oauth_client' };
          })
        : await this.keys.cached(`operator:${claims.subject}`, async () => {
            const operator = await this.operators.active(claims.subject);
            return operator && { accountId: operator.accountId, keyId: operator.id, scopes: OPERATOR_SCOPES, smartEncoding: operator.smartEncoding, limits: operator.limits, allowedIps: [], expiresAt: null, credential: 'operator' };
          });
    if (!holder) return null;
    return { ...holder, scopes: holder.scopes.filter((s) => claims.scopes.includes(s)), expiresAt: claims.expiresAt };
  }
}
