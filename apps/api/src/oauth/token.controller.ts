// POST /oauth/token: the OAuth2 client-credentials grant (RFC 6749 §4.4). The client authenticates
// with HTTP Basic or client_id/client_secret in the body (form-encoded or JSON) and gets a
// short-lived signed access token with the scopes asked for (within its own). Errors are RFC 6749
// §5.2 bodies. A wrong secret counts against the client address's failed authentications, and
// each client may ask for a limited number of tokens a minute (429 with Retry-After).
import { Body, Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiKeyScope, OAuthClientRepository } from '@app/db';
import { ipAllowed, sourceAddress } from '@app/egress';
import { Public } from '../auth/api-key.guard';
import { AccessTokens, CLIENT_TOKEN_SECONDS } from '../auth/access-tokens';
import { ErrorBody } from '../common/error-body';
import { RequestLimits } from '../limits/request-limits';
import { OAuthErrorView, TokenRequestDto, TokenView } from './dto/oauth.dto';

@ApiTags('oauth')
@ApiExtraModels(OAuthErrorView)
@Controller('oauth')
export class TokenController {
  constructor(
    private readonly clients: OAuthClientRepository,
    private readonly tokens: AccessTokens,
    private readonly limits: RequestLimits,
  ) {}

  @Post('token')
  @Public()
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequestDto })
  @ApiOperation({ summary: 'Get an access token (OAuth2 client credentials)', description: `Tokens live ${CLIENT_TOKEN_SECONDS} s. Client authentication: HTTP Basic (client_id:client_secret) or in the body.` })
  @ApiResponse({ status: 200, type: TokenView })
  @ApiResponse({
    status: 400,
    description: 'invalid_request, unsupported_grant_type or invalid_scope (RFC 6749 §5.2); a body that is not valid JSON or form gets the API’s usual error body',
    schema: { oneOf: [{ $ref: getSchemaPath(OAuthErrorView) }, { $ref: getSchemaPath(ErrorBody) }] },
  })
  @ApiResponse({ status: 401, description: 'invalid_client: unknown or revoked client, wrong secret, or a client address it does not allow', type: OAuthErrorView })
  @ApiResponse({ status: 429, description: 'Too many token requests for this client, or too many failed authentications from this address', type: ErrorBody })
  async token(@Body() body: unknown, @Headers('authorization') authorization: string | undefined, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<TokenView | OAuthErrorView> {
    res.setHeader('Cache-Control', 'no-store');
    const fail = (status: number, error: string, description: string): OAuthErrorView => {
      res.status(status);
      if (status === 401 && authorization) res.setHeader('WWW-Authenticate', 'Basic realm="oauth"');
      return { error, error_description: description };
    };
    const form = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    if (text('grant_type') === undefined) return fail(400, 'invalid_request', 'grant_type is required');
    if (text('grant_type') !== 'client_credentials') return fail(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported');
    let clientId = text('client_id');
    let clientSecret = text('client_secret');
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return fail(400, 'invalid_request', 'HTTP Basic credentials must be client_id:client_secret');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (!clientId || !clientSecret) return fail(400, 'invalid_request', 'client_id and client_secret are required (HTTP Basic or in the body)');
    const ip = sourceAddress(req.ip ?? req.socket.remoteAddress);
    const client = await this.clients.authenticate(clientId, clientSecret);
    if (!client || !ipAllowed(ip, client.allowedIps)) {
      await this.limits.failedAuthentication(ip);
      return fail(401, 'invalid_client', 'Unknown or revoked client, wrong secret, or a client address it does not allow');
    }
    const asked = text('scope')?.split(' ').filter(Boolean) as ApiKeyScope[] | undefined;
    const beyond = (asked ?? []).filter((s) => !client.scopes.includes(s));
    if (beyond.length > 0) return fail(400, 'invalid_scope', `The client may not have: ${beyond.join(', ')}`);
    await this.limits.tokenRequest(client.id);
    const scopes = asked && asked.length > 0 ? asked : client.scopes;
    return { access_token: await this.tokens.issue('oauth_client', client.id, scopes, CLIENT_TOKEN_SECONDS), token_type: 'Bearer', expires_in: CLIENT_TOKEN_SECONDS, scope: scopes.join(' ') };
  }
}
