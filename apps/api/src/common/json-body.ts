// JSON request bodies, with the checks that must come before any transform: bodies are read
// only on POST/PUT/PATCH, must be UTF-8 (invalid byte sequences are refused, not replaced),
// nest at most MAX_JSON_DEPTH levels (checked on the raw bytes, before JSON.parse), and hold no
// prototype keys. Every refusal is a RefusedBody: the error filter answers it with its own status
// (400; 415 for a charset other than UTF-8), code and field.
import { isUtf8 } from 'node:buffer';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';
import { ValidationError } from '@app/contracts';

export const MAX_JSON_DEPTH = 32;
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** body-parser keeps an error's own status and type; the error filter answers with both and the code. */
export class RefusedBody extends ValidationError {
  readonly type = 'entity.refused';
  constructor(
    code: string,
    message: string,
    field?: string,
    readonly status = 400,
  ) {
    super(code, message, field);
  }
}

/** Nesting depth of a UTF-8 JSON text, stopping as soon as it passes `max`. */
export function depthExceeds(raw: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next byte is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function checkRaw(_req: Request, _res: Response, raw: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8') {
    throw new RefusedBody('unsupported_charset', `Send JSON as UTF-8, not ${encoding}`, undefined, 415);
  }
  if (!isUtf8(raw)) throw new RefusedBody('invalid_utf8', 'The request body is not valid UTF-8');
  if (depthExceeds(raw, MAX_JSON_DEPTH)) throw new RefusedBody('too_deep', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
}

/** The path of the first prototype key (`__proto__`, `constructor`, `prototype`) in a parsed body. */
export function prototypeKeyPath(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = prototypeKeyPath(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      const field = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) return field;
      const found = prototypeKeyPath((value as Record<string, unknown>)[key], field);
      if (found) return found;
    }
  }
  return undefined;
}

/** The JSON body parser for every route (`limit` as body-parser takes it, e.g. '64kb'). */
export function jsonBody(limit: string): RequestHandler {
  const parse = json({
    limit,
    type: (req) => BODY_METHODS.has(req.method ?? '') && typeof (req as Request).is('application/json') === 'string',
    verify: checkRaw,
  });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      const field = prototypeKeyPath(req.body);
      if (field) return next(new RefusedBody('forbidden_field', `${field}: __proto__, constructor and prototype are not allowed as field names`, field));
      next();
    });
}
