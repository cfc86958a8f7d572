// /v1/account/keys: an account's API keys (scope `keys`).
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor, AuthenticatedKey } from '@app/db';
import { CurrentActor, CurrentAuth } from '../auth/api-key.guard';
import { KeyScope } from '../auth/key-scope.decorator';
import { ErrorBody } from '../common/error-body';
import { ApiKeyListView, ApiKeyView, CreateApiKeyDto, CreatedApiKeyView, RotateApiKeyDto, RotatedApiKeyView, UpdateApiKeyDto } from './dto/api-key.dto';
import { KeysService } from './keys.service';
import { uuidParam } from '../common/uuid-param';

const KEY_ID = { name: 'id', description: 'The id of one of this account’s keys', format: 'uuid' };

@ApiTags('api keys')
@KeyScope('keys', 'The key lacks the keys scope, or is used from an address it does not allow')
@Controller('v1/account/keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Get()
  @ApiOperation({ summary: "This account's API keys, newest first", description: 'Prefix, scopes, allowed addresses, expiry, last use and revocation of each; never the key.' })
  @ApiResponse({ status: 200, type: ApiKeyListView })
  async list(@CurrentAuth() auth: AuthenticatedKey): Promise<ApiKeyListView> {
    return { items: await this.keys.list(auth.accountId) };
  }

  @Post()
  @ApiOperation({ summary: 'Make an API key', description: 'Returns the key this once; only its SHA-256 is stored. Scopes are limited to those of the key making it.' })
  @ApiResponse({ status: 201, type: CreatedApiKeyView })
  @ApiResponse({ status: 400, description: 'Invalid or unknown field (`field` names it): name, scopes, expiresAt (ISO 8601, in the future), allowedIps (addresses or CIDR blocks)', type: ErrorBody })
  create(@CurrentAuth() auth: AuthenticatedKey, @CurrentActor() actor: AuditActor, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    return this.keys.create(auth, actor, dto);
  }

  @Patch(':id')
  @ApiParam(KEY_ID)
  @ApiOperation({ summary: "Rename a key or change the addresses it may be used from", description: 'Takes effect on every API process at once.' })
  @ApiResponse({ status: 200, type: ApiKeyView })
  @ApiResponse({ status: 400, description: 'Invalid or unknown field', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'api_key_not_found', type: ErrorBody })
  update(@CurrentAuth() auth: AuthenticatedKey, @CurrentActor() actor: AuditActor, @Param('id') id: string, @Body() dto: UpdateApiKeyDto): Promise<ApiKeyView> {
    return this.keys.update(auth.accountId, actor, uuidParam(id, 'api_key_not_found'), dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam(KEY_ID)
  @ApiOperation({ summary: 'Revoke a key', description: 'It stops working at once, on every API process. The record stays (listed as revoked).' })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiResponse({ status: 404, description: 'api_key_not_found', type: ErrorBody })
  async revoke(@CurrentAuth() auth: AuthenticatedKey, @CurrentActor() actor: AuditActor, @Param('id') id: string): Promise<void> {
    await this.keys.revoke(auth.accountId, actor, uuidParam(id, 'api_key_not_found'));
  }

  @Post(':id/rotate')
  @ApiParam(KEY_ID)
  @ApiOperation({
    summary: 'Rotate a key',
    description: 'Makes a new key with the same name, scopes and allowed addresses, returned this once; the old key keeps working for overlapSeconds (default 86400), then expires.',
  })
  @ApiResponse({ status: 201, type: RotatedApiKeyView })
  @ApiResponse({ status: 400, description: 'overlapSeconds invalid, or an unknown field', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'api_key_not_found', type: ErrorBody })
  @ApiResponse({ status: 409, description: 'key_not_active: the key is revoked or expired', type: ErrorBody })
  rotate(@CurrentAuth() auth: AuthenticatedKey, @CurrentActor() actor: AuditActor, @Param('id') id: string, @Body() dto: RotateApiKeyDto): Promise<RotatedApiKeyView> {
    return this.keys.rotate(auth.accountId, actor, uuidParam(id, 'api_key_not_found'), dto);
  }
}
