// The shared logger drops what a driver copies into its errors and the fields that carry
// bodies, numbers and keys, and keeps the rest of a log line intact.
import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger, httpLogOptions, REDACTED, routeOf } from './logger';

function capture(): { lines: () => Record<string, unknown>[]; raw: () => string; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, raw: () => chunks.join(''), lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l)) };
}

it('drops a TypeORM error’s SQL, parameters and driver details, keeping its message, code and stack', () => {
  const driverError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
    code: '22021',
    detail: 'Failing row contains (+14155550100, secret body)',
    where: 'unnamed portal parameter $2 = \'secret body\'',
  });
  const err = new QueryFailedError('INSERT INTO messages (to_number, body) VALUES ($1, $2)', ['+14155550100', 'secret body', 'sk_live_key'], driverError);
  const out = capture();
  createLogger('t', 'info', out.stream).error({ err, accountId: 'a1' }, 'request failed');
  const [line] = out.lines();
  expect(out.raw()).not.toMatch(/14155550100|secret body|sk_live_key|INSERT INTO/);
  expect(line).toMatchObject({ msg: 'request failed', accountId: 'a1', err: { type: 'QueryFailedError', code: '22021', message: 'invalid byte sequence for encoding "UTF8": 0x00' } });
  expect(String((line.err as { stack: string }).stack)).toContain('QueryFailedError');
});

it('masks the value a driver quotes in its message, not the identifiers', () => {
  const out = capture();
  createLogger('t', 'info', out.stream).warn({ err: new Error('invalid input syntax for type uuid: "+14155550100"; relation "messages"; Key (id)=(abc) exists') }, 'x');
  expect(out.raw()).not.toContain('14155550100');
  expect(out.raw()).not.toContain('(abc)');
  expect(out.lines()[0].err).toMatchObject({ message: `invalid input syntax for type uuid: ${REDACTED}; relation "messages"; Key (id)=(${REDACTED}) exists` });
});

it('redacts bodies, numbers and credentials wherever they sit in a line, and nested error causes', () => {
  const out = capture();
  const cause = Object.assign(new Error('boom'), { parameters: ['+14155550101'] });
  createLogger('t', 'info', out.stream).info(
    { to: '+14155550101', body: 'hello secret', msg2: { from: '+14155550102', password: 'pw-1' }, deep: { sms: { apiKey: 'sk_x' } }, err: new Error('outer', { cause }), carrierId: 'alpha' },
    'sent',
  );
  expect(out.raw()).not.toMatch(/1415555010[12]|hello secret|pw-1|sk_x/);
  expect(out.lines()[0]).toMatchObject({ to: REDACTED, body: REDACTED, msg2: { from: REDACTED, password: REDACTED }, carrierId: 'alpha' });
});

it('logs a request as method, route, status and duration, without headers or query string', () => {
  const opts = httpLogOptions('api', 'info');
  const req = { method: 'GET', url: '/v1/messages?to=+14155550100', originalUrl: '/v1/messages?to=+14155550100', headers: { authorization: 'Bearer sk_1' } } as never;
  expect(opts.customSuccessMessage!(req, { statusCode: 200 } as never, 12.4)).toBe('GET /v1/messages 200 12ms');
  expect((opts.customErrorMessage as unknown as (...a: unknown[]) => string)({ ...(req as object), route: { path: '/v1/messages/:id' }, baseUrl: '' } as never, { statusCode: 503 } as never, new Error('x'), 3)).toBe(
    'GET /v1/messages/:id 503 3ms',
  );
  expect((opts.serializers.req as (r: unknown) => unknown)({ id: 1, method: 'GET', raw: req })).toEqual({ id: 1, method: 'GET', route: '/v1/messages' });
  expect(routeOf({ url: '/health?x=1' } as never)).toBe('/health');
  expect(opts.customLogLevel!(req, { statusCode: 404 } as never)).toBe('warn');
  expect(opts.customLogLevel!(req, { statusCode: 500 } as never)).toBe('error');
});
