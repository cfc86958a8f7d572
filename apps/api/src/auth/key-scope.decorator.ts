// The class decorator of a controller whose routes take a key (or an access token): the scope the
// guard asks for (ApiKeyGuard; a route's own @RequireScope overrides it) and what the OpenAPI
// document says about it (the bearer scheme and the 403 naming the scope; the 401 is added to
// every secured operation by documentCommonAnswers, common/openapi.ts).
import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import type { ApiKeyScope } from '@app/db';
import { ErrorBody } from '../common/error-body';
import { RequireScope } from './api-key.guard';

/** `forbidden`: the 403's description, when there is more to say than the missing scope. */
export const KeyScope = (scope: ApiKeyScope, forbidden = `The key lacks the ${scope} scope`) =>
  applyDecorators(
    ApiBearerAuth(),
    RequireScope(scope),
    ApiResponse({ status: 403, description: forbidden, type: ErrorBody }),
  );
