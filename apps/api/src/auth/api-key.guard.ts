// Authenticates `Authorization: Bearer sk_...` against the hashed keys (through this replica's
// cache of recently used keys, ApiKeyCache); puts the account on
// the request. Routes marked @Public() (docs) skip it; @OptionalKey() routes (health) serve
// anyone, and check a key only when one is sent. Every authenticated request counts against its
// key's and account's request limits; a wrong key counts against the client IP's failed
// authentications (README, "Limits, quotas and fraud rules"); a key with allowed addresses is
// refused (403) from any other. Besides API keys, the bearer may be an access token we issued (an
// OAuth2 client's or an operator's, Credentials). Changes through operator routes need an
// operator token (password + TOTP) or an operator key restricted to client addresses.
import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '@app/contracts';
import { ipAllowed, sourceAddress } from '@app/egress';
import { ApiKeyScope, AuditActor, AuthenticatedKey } from '@app/db';
import { RequestLimits } from '../limits/request-limits';
import { Credentials } from './credentials';

const PUBLIC = 'isPublic';
const SCOPE = 'requiredScope';
const OPTIONAL = 'keyOptional';
export const Public = () => SetMetadata(PUBLIC, true);
/** Anyone may call; a key, when sent, must be valid and hold the route's scope (the answer then says more). */
export const OptionalKey = () => SetMetadata(OPTIONAL, true);
/** The scope a route needs; routes without it need `messages`. */
export const RequireScope = (scope: ApiKeyScope) => SetMetadata(SCOPE, scope);

type AuthedRequest = Request & { auth?: AuthenticatedKey };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** An operator change is made by a person who passed MFA, or by a machine credential bound to known addresses. */
function strongOperator(auth: AuthenticatedKey): boolean {
  return auth.credential === 'operator' || auth.allowedIps.length > 0;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly credentials: Credentials,
    private readonly reflector: Reflector,
    private readonly limits: RequestLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    if (!header && this.reflector.getAllAndOverride<boolean>(OPTIONAL, [context.getHandler(), context.getClass()])) return true;
    if (!header) throw new UnauthorizedError('missing_api_key', 'Send your API key as Authorization: Bearer sk_...');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return this.refuse(req, new UnauthorizedError('invalid_authorization', 'The Authorization header must be: Bearer <api key>'));
    const auth = await this.credentials.authenticate(match[1]);
    if (!auth) return this.refuse(req, new UnauthorizedError('invalid_api_key', 'The API key is not valid, has expired or has been revoked'));
    if (!ipAllowed(req.ip ?? req.socket.remoteAddress ?? '', auth.allowedIps)) {
      throw new ForbiddenError('ip_not_allowed', "This API key may not be used from this client address (see the key's allowedIps)");
    }
    const { headers, refusal } = await this.limits.admit(auth);
    context.switchToHttp().getResponse<Response>().set(headers);
    if (refusal) throw refusal;
    const scope = this.reflector.getAllAndOverride<ApiKeyScope>(SCOPE, [context.getHandler(), context.getClass()]) ?? 'messages';
    if (!auth.scopes.includes(scope)) throw new ForbiddenError('insufficient_scope', `This API key lacks the "${scope}" scope`);
    if (scope === 'operator' && !SAFE_METHODS.has(req.method) && !strongOperator(auth)) {
      throw new ForbiddenError(
        'mfa_required',
        'Operator changes need an operator token (POST /v1/operator-auth/token with password and TOTP code) or an operator key restricted to client addresses (allowedIps)',
      );
    }
    req.auth = auth;
    return true;
  }

  /** A wrong key is a 401, until its client IP has made too many: then 429. */
  private async refuse(req: Request, unauthorized: UnauthorizedError): Promise<never> {
    await this.limits.failedAuthentication(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    throw unauthorized;
  }
}

export const CurrentAuth = createParamDecorator((_: unknown, context: ExecutionContext): AuthenticatedKey => {
  return context.switchToHttp().getRequest<AuthedRequest>().auth!;
});

/** Who makes a control-plane change, for the audit log: the key's account and id, and the client address. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): AuditActor => {
  const req = context.switchToHttp().getRequest<AuthedRequest>();
  return { accountId: req.auth!.accountId, keyId: req.auth!.keyId, ip: sourceAddress(req.ip ?? req.socket.remoteAddress) };
});
