// OpenAPI-driven request generation and response checking for the API fuzz test
// (apps/api/src/openapi-fuzz.int.spec.ts). Requests come from each operation's own schemas,
// through fast-check: valid values, values one mutation away from valid (a null, a wrong type, a
// huge or NUL-laden string, deep nesting, an unknown or prototype field, a missing required
// field), raw bodies no JSON parser should accept, bad path ids and bad credentials. Responses
// are checked with ajv against what the document declares for the status. A schema construct
// this file does not understand throws, so no operation is silently left out.
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

export type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  additionalProperties?: boolean | Schema;
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Response {
  description?: string;
  content?: Record<string, { schema?: Schema }>;
}
export interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
  security?: Record<string, unknown>[];
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface OperationRef {
  method: string;
  path: string;
  operation: Operation;
  /** `GET /v1/messages/{id}` */
  name: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every operation of the document; parameterless paths first, so ids they create can be reused. */
export function operationsOf(doc: OpenApiDocument): OperationRef[] {
  const ops: OperationRef[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      ops.push({ method: method.toUpperCase(), path, operation, name: `${method.toUpperCase()} ${path}` });
    }
  }
  const params = (op: OperationRef) => (op.path.match(/\{/g) ?? []).length;
  return ops.sort((a, b) => params(a) - params(b) || (a.method === 'DELETE' ? 1 : 0) - (b.method === 'DELETE' ? 1 : 0));
}

export function deref(doc: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; current.$ref; hops++) {
    const match = /^#\/components\/schemas\/(.+)$/.exec(current.$ref);
    const target = match ? doc.components?.schemas?.[match[1]] : undefined;
    if (!target || hops > 20) throw new Error(`unresolvable $ref ${current.$ref}`);
    const { $ref: _ref, ...rest } = current;
    current = { ...target, ...rest };
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Values

const MAX_GENERATED_LENGTH = 40;

/** A value the schema accepts. Throws on a construct it cannot generate from. */
export function validValue(doc: OpenApiDocument, input: Schema, depth = 0, pool?: IdPool): fc.Arbitrary<unknown> {
  const schema = deref(doc, input);
  const base = ((): fc.Arbitrary<unknown> => {
    if (schema.allOf) {
      const merged = schema.allOf.map((s) => deref(doc, s)).reduce((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties }, required: [...(a.required ?? []), ...(b.required ?? [])] }), {} as Schema);
      return validValue(doc, merged, depth, pool);
    }
    if (schema.oneOf || schema.anyOf) return fc.oneof(...(schema.oneOf ?? schema.anyOf)!.map((s) => validValue(doc, s, depth + 1, pool)));
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const examples = schema.example !== undefined ? [schema.example] : [];
    switch (schema.type) {
      case 'string':
        return fc.oneof(...examples.map((e) => fc.constant(e)), stringFor(schema));
      case 'integer': {
        const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000_000;
        const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
        return fc.oneof(...examples.map((e) => fc.constant(e)), fc.integer({ min, max }));
      }
      case 'number': {
        const min = typeof schema.minimum === 'number' ? schema.minimum : -1e6;
        const max = typeof schema.maximum === 'number' ? schema.maximum : 1e6;
        return fc.oneof(...examples.map((e) => fc.constant(e)), fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
      }
      case 'boolean':
        return fc.boolean();
      case 'array': {
        if (!schema.items) throw new Error(`array without items: ${JSON.stringify(schema)}`);
        const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
        const maxLength = Math.max(minLength, Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 4, 4));
        return fc.oneof(...examples.map((e) => fc.constant(e)), fc.array(validValue(doc, schema.items, depth + 1, pool), { minLength, maxLength }));
      }
      case 'object':
      case undefined: {
        if (schema.properties) {
          const record: Record<string, fc.Arbitrary<unknown>> = {};
          for (const [name, prop] of Object.entries(schema.properties)) {
            if (prop.readOnly) continue;
            record[name] = pooled(pool, name, validValue(doc, prop, depth + 1, pool));
          }
          return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => k in record) });
        }
        if (schema.type === undefined && Object.keys(schema).some((k) => !['description', 'example', 'nullable', 'title', 'default'].includes(k))) {
          throw new Error(`schema without a type: ${JSON.stringify(schema)}`);
        }
        // A free-form object: its example (the documented shape), or any small JSON object.
        return fc.oneof(...examples.map((e) => fc.constant(e)), fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }));
      }
      default:
        throw new Error(`unsupported schema type ${String(schema.type)}`);
    }
  })();
  return schema.nullable ? fc.option(base, { nil: null, freq: 4 }) : base;
}

/** Half the time, a value of this name the API returned or the test seeded (an id that exists), when there is one. */
function pooled(pool: IdPool | undefined, name: string, base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  if (!pool) return base;
  return fc.tuple(base, fc.nat()).map(([value, i]) => {
    const known = pool.get(name);
    return known?.length && i % 2 === 0 ? known[(i >> 1) % known.length] : value;
  });
}

function stringFor(schema: Schema): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = Math.max(minLength, Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : MAX_GENERATED_LENGTH, MAX_GENERATED_LENGTH));
  if (typeof schema.pattern === 'string') {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= (typeof schema.maxLength === 'number' ? schema.maxLength : Infinity));
  }
  switch (schema.format) {
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case undefined:
      return fc.string({ minLength, maxLength });
    default:
      throw new Error(`unsupported string format ${String(schema.format)}`);
  }
}

/** Deep nesting past the API's limit (5,000 levels come as a raw body: JSON.stringify cannot). */
const deeplyNested = fc.constantFrom(33, 100, 1000).map((depth) => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
});

/** Values no schema field of this API accepts as they are. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53 + 2, 1e300, -1e300, 0.5),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', ' ', 'a\u0000b', '\u0000', '\ud800', 'x\udfffy', '💥'.repeat(300), '../../etc/passwd', "'; DROP TABLE messages; --", '${jndi:x}', '%00'),
  fc.constantFrom(2_000, 20_000, 70_000).map((n) => 'x'.repeat(n)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  deeplyNested,
);

/** Every path into a JSON value (keys of objects, indexes of arrays), the root first. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => paths.push(...pathsOf(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) paths.push(...pathsOf(v, [...prefix, k]));
  return paths;
}

function setAt(value: unknown, path: (string | number)[], replacement: unknown, remove = false): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (remove && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = setAt(copy[head as number], rest, replacement, remove);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (remove && rest.length === 0) delete copy[head as string];
  else copy[head as string] = setAt(copy[head as string], rest, replacement, remove);
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Requests

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What kind of request this is, for failure messages. */
  kind: string;
}

/** Bodies no JSON parser should take as they are (the API must answer 4xx, never 5xx). */
const RAW_BODIES: { kind: string; body: Buffer; contentType?: string; encoding?: string }[] = [
  { kind: 'malformed JSON', body: Buffer.from('{"to": "+1415555') },
  { kind: 'JSON nested 5,000 deep', body: Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`) },
  { kind: 'object nested 33 deep', body: Buffer.from(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`) },
  { kind: 'invalid UTF-8', body: Buffer.concat([Buffer.from('{"body":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]) },
  { kind: '__proto__ key', body: Buffer.from('{"__proto__":{"admin":true}}') },
  { kind: 'nested constructor key', body: Buffer.from('{"a":{"constructor":{"prototype":{"x":1}}}}') },
  { kind: 'prototype key', body: Buffer.from('{"prototype":1}') },
  { kind: 'top-level string', body: Buffer.from('"hello"') },
  { kind: 'top-level array', body: Buffer.from('[1,2,3]') },
  { kind: 'top-level null', body: Buffer.from('null') },
  { kind: 'empty JSON body', body: Buffer.alloc(0) },
  { kind: 'UTF-16 JSON', body: Buffer.from('{"a":1}', 'utf16le'), contentType: 'application/json; charset=utf-16' },
  { kind: 'form body', body: Buffer.from('to=%2B14155552671&body=x'), contentType: 'application/x-www-form-urlencoded' },
  { kind: 'text body', body: Buffer.from('hello'), contentType: 'text/plain' },
  { kind: 'body over 64 kB', body: Buffer.from(JSON.stringify({ body: 'x'.repeat(70_000) })) },
  { kind: 'gzip that is not gzip', body: Buffer.from('{"a":1}'), encoding: 'gzip' },
  { kind: 'unknown content encoding', body: Buffer.from('{"a":1}'), encoding: 'compress' },
  { kind: 'gzip bomb past the limit', body: gzipSync(Buffer.from(JSON.stringify({ body: ' '.repeat(5 * 1024 * 1024) }))), encoding: 'gzip' },
];

export interface Credentials {
  /** A key with every scope. */
  full: string;
  /** A key with the messages scope only. */
  messagesOnly: string;
}

/** Values 2xx answers returned, by name (e.g. `id`, `systemId`): reused as path parameters. */
export type IdPool = Map<string, string[]>;

/** Collects, anywhere in a 2xx answer, the values of fields named like a path parameter. */
export function harvestIds(pool: IdPool, names: Set<string>, body: unknown, depth = 0): void {
  if (depth > 4 || typeof body !== 'object' || body === null) return;
  for (const [key, value] of Object.entries(body)) {
    if (names.has(key) && (typeof value === 'string' || typeof value === 'number')) {
      const list = pool.get(key) ?? [];
      if (!list.includes(String(value))) pool.set(key, [...list, String(value)].slice(-20));
    } else harvestIds(pool, names, value, depth + 1);
  }
}

function pathParameter(doc: OpenApiDocument, param: Parameter, pool: IdPool): fc.Arbitrary<string> {
  const fromPool = fc.nat().map((i) => {
    const list = pool.get(param.name) ?? [];
    return list.length ? encodeURIComponent(list[i % list.length]) : 'none';
  });
  const fromSchema = validValue(doc, param.schema ?? { type: 'string' }).filter((v) => `${v as string}`.length > 0).map((v) => encodeURIComponent(String(v)));
  const hostile = fc.oneof(
    fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[\ud800-\udfff]/.test(s)).map(encodeURIComponent),
    fc.constantFrom('%00', 'a%00b', '%ZZ', '%E0%A4%A', '%ED%A0%80', '%FF', '..', '-1', '0', '1.5', '1e3', '99999999999999999999', '2147483648', '%20', 'null', 'undefined', '%7B%7D'),
    fc.constant('x'.repeat(3000)),
    fc.uuid(),
  );
  return fc.oneof({ weight: 3, arbitrary: fromPool }, { weight: 2, arbitrary: fromSchema }, { weight: 3, arbitrary: hostile });
}

const printable = fc.string({ minLength: 1, maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '_'));

/** Requests for one operation: its parameters, body and credentials, valid and otherwise. */
export function requestFor(doc: OpenApiDocument, op: OperationRef, credentials: Credentials, pool: IdPool): fc.Arbitrary<FuzzRequest> {
  const params = op.operation.parameters ?? [];
  for (const p of params) if (p.in === 'cookie') throw new Error(`${op.name}: cookie parameters are not generated`);
  const pathParams = fc.record(Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, pathParameter(doc, p, pool)])));
  const headerParams = fc.record(
    Object.fromEntries(
      params
        .filter((p) => p.in === 'header')
        .map((p) => [p.name, fc.option(fc.oneof(validValue(doc, p.schema ?? { type: 'string' }).map(String).map((s) => s.replace(/[^\x20-\x7e]/g, '_')), printable, fc.constant('k'.repeat(300))), { nil: undefined, freq: 3 })]),
    ),
  );
  const queryParams = fc.record(
    Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, fc.option(fc.oneof(validValue(doc, p.schema ?? { type: 'string' }).map(String), fc.string()), { nil: undefined })])),
  );
  const auth = fc.oneof(
    { weight: 10, arbitrary: fc.constant<string | undefined>(`Bearer ${credentials.full}`) },
    { weight: 1, arbitrary: fc.constant<string | undefined>(`Bearer ${credentials.messagesOnly}`) },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, 'Bearer', 'Bearer sk_wrong', `Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer ${'k'.repeat(4000)}`, 'bearer  x y') },
  );
  return fc.record({ pathParams, headerParams, queryParams, auth, body: bodyFor(doc, op, pool) }).map(({ pathParams: pp, headerParams: hp, queryParams: qp, auth: authorization, body }) => {
    const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => pp[name] as string);
    const query = Object.entries(qp)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v)).replace(/%EF%BF%BD/g, '')}`)
      .join('&');
    const headers: Record<string, string> = {};
    if (authorization) headers.authorization = authorization;
    for (const [k, v] of Object.entries(hp)) if (v !== undefined) headers[k.toLowerCase()] = v as string;
    if (body) headers['content-type'] = body.contentType;
    if (body?.encoding) headers['content-encoding'] = body.encoding;
    return { method: op.method, path: query ? `${path}?${query}` : path, headers, body: body?.body, kind: body?.kind ?? 'no body' };
  });
}

function bodyFor(doc: OpenApiDocument, op: OperationRef, pool: IdPool): fc.Arbitrary<{ kind: string; body: Buffer; contentType: string; encoding?: string } | undefined> {
  const raw = fc.constantFrom(...RAW_BODIES).map((r) => ({ kind: r.kind, body: r.body, contentType: r.contentType ?? 'application/json', encoding: r.encoding }));
  const content = op.operation.requestBody?.content;
  if (!content) return fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: raw });
  const media = content['application/json'];
  if (!media) throw new Error(`${op.name}: request body is not application/json (${Object.keys(content).join(', ')})`);
  const valid = validValue(doc, media.schema, 0, pool);
  const json = (kind: string) => (value: unknown) => ({ kind, body: Buffer.from(JSON.stringify(value)), contentType: 'application/json' });
  const mutated = fc.tuple(valid, fc.nat(), hostileValue).map(([value, at, replacement]) => {
    const paths = pathsOf(value).slice(1);
    const path = paths.length ? paths[at % paths.length] : [];
    return json(`field ${path.join('.') || '(root)'} set to a hostile value`)(setAt(value, path, replacement));
  });
  const nulled = fc.tuple(valid, fc.nat()).map(([value, at]) => {
    const paths = pathsOf(value).slice(1);
    const path = paths.length ? paths[at % paths.length] : [];
    return json(`field ${path.join('.') || '(root)'} set to null`)(setAt(value, path, null));
  });
  const removed = fc.tuple(valid, fc.nat()).map(([value, at]) => {
    const paths = pathsOf(value).slice(1);
    if (!paths.length) return json('valid')(value);
    const path = paths[at % paths.length];
    return json(`field ${path.join('.')} removed`)(setAt(value, path, undefined, true));
  });
  const unknownField = fc.tuple(valid, fc.nat(), fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })).map(([value, at, key, extra]) => {
    const objects = pathsOf(value).filter((p) => {
      const target = p.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k as string], value);
      return typeof target === 'object' && target !== null && !Array.isArray(target);
    });
    const path = objects.length ? objects[at % objects.length] : [];
    return json(`unknown field ${[...path, key].join('.')}`)(setAt(value, [...path, key], extra));
  });
  return fc.oneof(
    { weight: 4, arbitrary: valid.map(json('valid')) },
    { weight: 5, arbitrary: mutated },
    { weight: 2, arbitrary: nulled },
    { weight: 1, arbitrary: removed },
    { weight: 1, arbitrary: unknownField },
    { weight: 1, arbitrary: hostileValue.map(json('hostile body')) },
    { weight: 2, arbitrary: raw },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

export interface FuzzResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function send(baseUrl: string, req: FuzzRequest, agent: http.Agent): Promise<FuzzResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, agent, headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

// ---------------------------------------------------------------------------------------------
// Responses

const BASE = 'https://openapi.test/components/schemas/';

/** OpenAPI 3.0 schema → JSON Schema: `nullable` becomes a null alternative, refs absolute. */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'nullable' || k === 'example') continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace('#/components/schemas/', BASE);
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as object).map(([name, s]) => [name, toJsonSchema(s)]));
    else out[k] = toJsonSchema(v);
  }
  return (schema as Schema).nullable ? { anyOf: [out, { type: 'null' }] } : out;
}

export class ResponseChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly cache = new Map<unknown, ValidateFunction>();

  constructor(doc: OpenApiDocument) {
    addFormats(this.ajv);
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) this.ajv.addSchema(toJsonSchema(schema) as object, `${BASE}${name}`);
  }

  /** What is wrong with this answer for this operation, or undefined. */
  problem(op: OperationRef, res: FuzzResponse): string | undefined {
    if (res.status >= 500) return `answered ${res.status}`;
    if (res.headers['x-powered-by']) return `sent X-Powered-By: ${String(res.headers['x-powered-by'])}`;
    const declared = op.operation.responses[String(res.status)] ?? op.operation.responses.default;
    if (!declared) return `answered ${res.status}, which the document does not declare (declared: ${Object.keys(op.operation.responses).join(', ')})`;
    // An answer in a declared non-JSON media type (an export that also has a JSON form): fine.
    const answeredType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    if (answeredType && answeredType !== 'application/json' && declared.content?.[answeredType]) return undefined;
    const schema = declared.content?.['application/json']?.schema;
    if (!schema) {
      // A declared non-JSON body (text/csv exports): the media type must be the declared one.
      const mediaType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
      const others = Object.keys(declared.content ?? {});
      if (others.length > 0) return others.includes(mediaType) ? undefined : `answered ${res.status} with content-type ${mediaType}, declared: ${others.join(', ')}`;
      return res.text.length > 0 && res.status !== 204 ? `answered ${res.status} with a body, but the document declares none` : undefined;
    }
    if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) return `answered ${res.status} with content-type ${String(res.headers['content-type'])}`;
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      return `answered ${res.status} with a body that is not JSON`;
    }
    let validate = this.cache.get(schema);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
      this.cache.set(schema, validate);
    }
    if (!validate(body)) return `answered ${res.status} with a body that does not match the document: ${this.ajv.errorsText(validate.errors)}`;
    return undefined;
  }
}
