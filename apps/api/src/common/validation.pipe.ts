// class-validator with unknown fields refused; the first problem becomes a ValidationError
// naming its field (nested fields as a.b). Two rules hold for every DTO before class-validator
// runs, so no endpoint needs its own: `null` is refused for a field unless its OpenAPI metadata
// declares it nullable (IsOptional alone would let null through to the service), and no string
// or key anywhere in the input, path parameters included, may hold text PostgreSQL cannot
// store (NUL, unpaired surrogates).
import { ArgumentMetadata, Injectable, PipeTransform, ValidationError as ClassValidatorError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { ValidationError } from '@app/contracts';

export interface InputProblem {
  code: string;
  field: string;
  message: string;
}

export function firstProblem(errors: ClassValidatorError[], parent = ''): { field: string; message: string; unknown: boolean } | undefined {
  for (const err of errors) {
    const field = parent ? `${parent}.${err.property}` : err.property;
    if (err.constraints) {
      const [kind, message] = Object.entries(err.constraints)[0];
      return { field, message, unknown: kind === 'whitelistValidation' };
    }
    const nested = firstProblem(err.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

const UNSTORABLE_TEXT = /\u0000|\p{Cs}/u;

/** The first string or object key holding NUL or an unpaired surrogate, as a field path. */
function unstorableText(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return UNSTORABLE_TEXT.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableText(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (UNSTORABLE_TEXT.test(key)) return path || key;
      const found = unstorableText(inner, field);
      if (found) return found;
    }
  }
  return undefined;
}

export function textProblem(value: unknown, path = ''): InputProblem | undefined {
  const field = unstorableText(value, path);
  return field === undefined ? undefined : { code: 'invalid_text', field, message: `${field || 'The request'} must not contain NUL (U+0000) or unpaired surrogate characters` };
}

// @nestjs/swagger's metadata keys (its constants module is not exported).
const SWAGGER_PROPERTIES = 'swagger/apiModelPropertiesArray';
const SWAGGER_PROPERTY = 'swagger/apiModelProperties';

type SwaggerProperty = { nullable?: boolean; type?: unknown; isArray?: boolean };
type Constructor = abstract new (...args: never[]) => unknown;

/** The properties a DTO class declares for OpenAPI (inherited ones included). */
function declaredProperties(dto: Constructor): Map<string, SwaggerProperty> | undefined {
  const names: string[] | undefined = Reflect.getMetadata(SWAGGER_PROPERTIES, dto.prototype);
  if (!names) return undefined;
  const properties = new Map<string, SwaggerProperty>();
  for (const name of names.map((n) => n.replace(/^:/, ''))) {
    properties.set(name, (Reflect.getMetadata(SWAGGER_PROPERTY, dto.prototype, name) ?? {}) as SwaggerProperty);
  }
  return properties;
}

/** Whether class-validator descends into this property (`@ValidateNested`). */
function validatesNested(dto: Constructor, property: string): boolean {
  return getMetadataStorage()
    .getTargetValidationMetadatas(dto as new () => unknown, '', true, false)
    .some((m) => m.propertyName === property && m.type === ValidationTypes.NESTED_VALIDATION);
}

/**
 * The rules every input meets before class-validator sees it: no null unless declared nullable,
 * no unstorable text. Nested DTOs are checked where class-validator checks them; items a service
 * validates one by one (batch messages) are left to it, which calls this for each item.
 */
export function inputProblem(dto: Constructor, value: unknown, parent = ''): InputProblem | undefined {
  const properties = declaredProperties(dto);
  if (!properties || typeof value !== 'object' || value === null || Array.isArray(value)) return textProblem(value, parent);
  for (const [name, inner] of Object.entries(value)) {
    const field = parent ? `${parent}.${name}` : name;
    if (UNSTORABLE_TEXT.test(name)) return textProblem(name, parent || name);
    const property = properties.get(name);
    if (inner === null) {
      if (!property || property.nullable) continue;
      return { code: 'invalid_field', field, message: `${field} must not be null (omit it instead)` };
    }
    const nested = property && typeof property.type === 'function' && declaredProperties(property.type as Constructor) ? (property.type as Constructor) : undefined;
    if (!nested) {
      const found = textProblem(inner, field);
      if (found) return found;
      continue;
    }
    if (!validatesNested(dto, name)) continue;
    const items = Array.isArray(inner) ? inner.map((item, i) => [item, `${field}[${i}]`] as const) : [[inner, field] as const];
    for (const [item, path] of items) {
      const found = inputProblem(nested, item, path);
      if (found) return found;
    }
  }
  return undefined;
}

@Injectable()
class ApiValidationPipe implements PipeTransform {
  private readonly classValidation = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const problem = firstProblem(errors);
      if (!problem) return new ValidationError('invalid_request', 'The request body must be a JSON object');
      if (problem.unknown) return new ValidationError('unknown_field', `Unknown field "${problem.field}"`, problem.field);
      return new ValidationError('invalid_field', problem.message, problem.field);
    },
  });

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const problem =
      metadata.type === 'body' && metadata.metatype
        ? inputProblem(metadata.metatype as Constructor, value)
        : metadata.type === 'param' || metadata.type === 'query'
          ? textProblem(value, metadata.data ?? '')
          : undefined;
    if (problem) throw new ValidationError(problem.code, problem.message, problem.field);
    return this.classValidation.transform(value, metadata);
  }
}

/**
 * A path parameter that is a positive integer PostgreSQL's `integer` holds; anything else is a 400
 * naming it (ParseIntPipe takes 99999999999999999999, which the query then fails on). The global
 * pipe may already have made the string a number.
 */
@Injectable()
export class PositiveIntPipe implements PipeTransform<unknown, number> {
  transform(value: unknown, metadata: ArgumentMetadata): number {
    const n = /^[1-9][0-9]{0,9}$/.test(String(value)) ? Number(value) : NaN;
    if (!(n <= 2_147_483_647)) throw new ValidationError('invalid_field', `${metadata.data ?? 'value'} must be a positive integer`, metadata.data);
    return n;
  }
}

export function createValidationPipe(): PipeTransform {
  return new ApiValidationPipe();
}
