// /v1/account/oauth-clients: an account's OAuth2 client-credentials clients (scope `keys`).
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ForbiddenError, NotFoundError } from '@app/contracts';
import { AuthenticatedKey, OAuthClientRepository, OAuthClientView as StoredClient } from '@app/db';
import { validAllowedIps } from '@app/egress';
import { Audited } from '../audit/audited';
import { CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { CreatedOAuthClientView, CreateOAuthClientDto, OAuthClientListView, OAuthClientView } from './dto/oauth.dto';

const readClient = (clients: OAuthClientRepository, accountId: string, id: string | undefined) => (id ? clients.find(accountId, id).then((c) => c && view(c)) : Promise.resolve(null));

@ApiTags('oauth')
@KeyScope('keys')
@Controller('v1/account/oauth-clients')
export class OAuthClientsController {
  constructor(private readonly clients: OAuthClientRepository) {}

  @Get()
  @ApiOperation({ summary: "This account's OAuth2 clients, newest first (never their secrets)" })
  @ApiResponse({ status: 200, type: OAuthClientListView })
  async list(@CurrentAuth() auth: AuthenticatedKey): Promise<OAuthClientListView> {
    return { items: (await this.clients.list(auth.accountId)).map(view) };
  }

  @Post()
  @Audited({
    action: 'oauth_client.create',
    targetType: 'oauth_client',
    targetId: (_, result) => (result as { id?: string } | undefined)?.id ?? null,
    read: (m, req, result) => readClient(m.get(OAuthClientRepository, { strict: false }), req.auth!.accountId, (result as { id?: string } | undefined)?.id),
  })
  @ApiOperation({ summary: 'Make an OAuth2 client', description: 'Returns the client_secret this once. Exchange it at POST /oauth/token for access tokens.' })
  @ApiResponse({ status: 201, type: CreatedOAuthClientView })
  @ApiResponse({ status: 400, description: 'Invalid or unknown field (`field` names it)', type: ErrorBody })
  async create(@CurrentAuth() auth: AuthenticatedKey, @Body() dto: CreateOAuthClientDto): Promise<CreatedOAuthClientView> {
    const beyond = dto.scopes.filter((s) => !auth.scopes.includes(s));
    if (beyond.length > 0) throw new ForbiddenError('scope_not_held', `This key cannot give scopes it does not hold: ${beyond.join(', ')}`, 'scopes');
    const { secret, client } = await this.clients.create(auth.accountId, { name: dto.name, scopes: dto.scopes, allowedIps: validAllowedIps(dto.allowedIps ?? []) });
    return { ...view(client), clientSecret: secret };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam({ name: 'id', format: 'uuid' })
  @Audited({ action: 'oauth_client.revoke', targetType: 'oauth_client', targetId: (req) => req.params.id as string, read: (m, req) => readClient(m.get(OAuthClientRepository, { strict: false }), req.auth!.accountId, req.params.id as string) })
  @ApiOperation({ summary: 'Revoke an OAuth2 client', description: 'Its tokens stop working at once, on every API process.' })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiResponse({ status: 404, description: 'oauth_client_not_found', type: ErrorBody })
  async revoke(@CurrentAuth() auth: AuthenticatedKey, @Param('id') id: string): Promise<void> {
    if (!(await this.clients.revoke(auth.accountId, id))) throw new NotFoundError('oauth_client_not_found', `This account has no OAuth2 client ${id}`);
  }
}

function view(c: StoredClient): OAuthClientView {
  return { id: c.id, name: c.name, scopes: c.scopes, allowedIps: c.allowedIps, createdAt: c.createdAt.toISOString(), revokedAt: c.revokedAt?.toISOString() ?? null };
}
