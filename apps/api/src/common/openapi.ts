// Answers the framework gives for whole classes of operations, added to the OpenAPI document
// once here rather than repeated on every endpoint: 401/403 where a key is needed, 400/413/415
// where a body is read, 400 where a path or query parameter is validated, and 503 (PostgreSQL
// unreachable, with Retry-After) everywhere. An operation's own
// decorators (404, 409, 422, 503, or a more precise 400) are kept as they are.
import type { OpenAPIObject } from '@nestjs/swagger';
import { MAX_JSON_DEPTH } from './json-body';

type Operation = { security?: unknown[]; parameters?: { in?: string }[]; responses: Record<string, unknown> };

const ERROR_BODY = { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };

const INVALID =
  `Invalid request; \`field\` names the field or parameter when there is one: a value that fails validation, null for a field that is not nullable, text with NUL or unpaired surrogates, ` +
  `an unknown field, malformed or non-UTF-8 JSON, JSON nested deeper than ${MAX_JSON_DEPTH} levels, or a __proto__, constructor or prototype key`;

const BODY_ANSWERS: Record<string, string> = {
  '400': INVALID,
  '413': 'Body over the size limit (64 kB; 4 MB for /v1/messages/batch)',
  '415': 'Body is not JSON in UTF-8 (send Content-Type: application/json)',
};
const UNAVAILABLE: Record<string, string> = { '503': 'PostgreSQL unreachable: nothing was changed; retry after Retry-After seconds' };
const KEY_ANSWERS: Record<string, string> = {
  '401': 'Missing or invalid API key',
  '403': 'The key lacks the scope this operation needs',
};

export function documentCommonAnswers(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const add = (answers: Record<string, string>) => {
        for (const [status, description] of Object.entries(answers)) op.responses[status] ??= { description, ...ERROR_BODY };
      };
      add(UNAVAILABLE);
      if (op.security?.length) add(KEY_ANSWERS);
      if (['post', 'put', 'patch'].includes(method)) add(BODY_ANSWERS);
      if (path.includes('{') || op.parameters?.some((p) => p.in === 'query')) add({ '400': INVALID });
    }
  }
}
