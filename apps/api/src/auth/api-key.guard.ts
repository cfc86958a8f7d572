// Authenticates `Authorization: Bearer sk_...` against the hashed keys; puts the account on
// the request. Routes marked @Public() (docs) skip it; @OptionalKey() routes (health) serve
// anyone, and check a key only when one is sent.
import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenError, UnauthorizedError } from '@app/contracts';
import { AccountRepository, ApiKeyScope, AuthenticatedKey } from '@app/db';

const PUBLIC = 'isPublic';
const SCOPE = 'requiredScope';
const OPTIONAL = 'keyOptional';
export const Public = () => SetMetadata(PUBLIC, true);
/** Anyone may call; a key, when sent, must be valid and hold the route's scope (the answer then says more). */
export const OptionalKey = () => SetMetadata(OPTIONAL, true);
/** The scope a route needs; routes without it need `messages`. */
export const RequireScope = (scope: ApiKeyScope) => SetMetadata(SCOPE, scope);

type AuthedRequest = Request & { auth?: AuthenticatedKey };

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    if (!header && this.reflector.getAllAndOverride<boolean>(OPTIONAL, [context.getHandler(), context.getClass()])) return true;
    if (!header) throw new UnauthorizedError('missing_api_key', 'Send your API key as Authorization: Bearer sk_...');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedError('invalid_authorization', 'The Authorization header must be: Bearer <api key>');
    const auth = await this.accounts.authenticate(match[1]);
    if (!auth) throw new UnauthorizedError('invalid_api_key', 'The API key is not valid or has been revoked');
    const scope = this.reflector.getAllAndOverride<ApiKeyScope>(SCOPE, [context.getHandler(), context.getClass()]) ?? 'messages';
    if (!auth.scopes.includes(scope)) throw new ForbiddenError('insufficient_scope', `This API key lacks the "${scope}" scope`);
    req.auth = auth;
    return true;
  }
}

export const CurrentAuth = createParamDecorator((_: unknown, context: ExecutionContext): AuthenticatedKey => {
  return context.switchToHttp().getRequest<AuthedRequest>().auth!;
});
