// OAuth2 client credentials and operator sign-in with TOTP, through the real Nest app against the
// run's PostgreSQL: token issue (form and Basic), scope enforcement, revocation, expiry; MFA
// (missing or wrong code refused, correct accepted, a code and a recovery code work once); and
// operator changes refused without an operator token or an address-bound operator key.
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { generate } from 'otplib';
import { AccountRepository, LOOPBACK_ONLY } from '@app/db';
import { startApiApp } from '../../../../test/support/api-app';
import { AccessTokens } from '../auth/access-tokens';

type Json = Record<string, unknown> & { error?: unknown };

let app: INestApplication;
let baseUrl: string;
let accounts: AccountRepository;
let tenant: { apiKey: string; accountId: string };
let boundOperatorKey: string;
let looseOperatorKey: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startApiApp());
  accounts = app.get(AccountRepository);
  tenant = await accounts.createWithKey(`oauth-${randomUUID()}`, 'admin', ['messages', 'keys']);
  await accounts.updateLimits(tenant.accountId, { keyRequestsPerSecond: 1000, requestsPerSecond: 1000 });
  const ops = await accounts.createWithKey(`operators-${randomUUID()}`, 'ops', ['messages', 'keys', 'operator'], { allowedIps: LOOPBACK_ONLY });
  boundOperatorKey = ops.apiKey;
  looseOperatorKey = await accounts.addKey(ops.accountId, 'loose', ['messages', 'operator']);
});
afterAll(async () => {
  await app?.close();
});

async function call(method: string, route: string, bearer?: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const all: Record<string, string> = { ...headers };
  if (bearer) all.authorization = `Bearer ${bearer}`;
  let payload: string | undefined;
  if (typeof body === 'string') payload = body;
  else if (body !== undefined) {
    all['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${baseUrl}${route}`, { method, headers: all, body: payload });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json, headers: res.headers };
}
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('OAuth2 client credentials', () => {
  it('issues a token for a form request, which carries only the scopes asked for, and stops working when the client is revoked', async () => {
    const created = await call('POST', '/v1/account/oauth-clients', tenant.apiKey, { name: 'backend', scopes: ['messages', 'keys'] });
    expect(created.status).toBe(201);
    const { id, clientSecret } = created.body as { id: string; clientSecret: string };
    const token = await call('POST', '/oauth/token', undefined, form({ grant_type: 'client_credentials', client_id: id, client_secret: clientSecret, scope: 'messages' }), FORM);
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    expect(token.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'messages' });
    const bearer = token.body.access_token as string;
    expect((await call('GET', '/v1/account/settings', bearer)).status).toBe(200);
    expect((await call('GET', '/v1/account/keys', bearer)).status).toBe(403); // keys scope not asked for
    // HTTP Basic works too, with every scope of the client.
    const basic = Buffer.from(`${id}:${clientSecret}`).toString('base64');
    const full = await call('POST', '/oauth/token', undefined, form({ grant_type: 'client_credentials' }), { ...FORM, authorization: `Basic ${basic}` });
    expect(full.body.scope).toBe('messages keys');
    expect((await call('GET', '/v1/account/keys', full.body.access_token as string)).status).toBe(200);
    expect((await call('DELETE', `/v1/account/oauth-clients/${id}`, tenant.apiKey)).status).toBe(204);
    expect((await call('GET', '/v1/account/settings', bearer)).status).toBe(401);
    expect(await call('POST', '/oauth/token', undefined, { grant_type: 'client_credentials', client_id: id, client_secret: clientSecret })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('answers RFC 6749 errors: wrong secret, unsupported grant, scope beyond the client', async () => {
    const { id, clientSecret } = (await call('POST', '/v1/account/oauth-clients', tenant.apiKey, { name: 'narrow', scopes: ['messages'] })).body as { id: string; clientSecret: string };
    expect(await call('POST', '/oauth/token', undefined, { grant_type: 'client_credentials', client_id: id, client_secret: `${clientSecret}x` })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await call('POST', '/oauth/token', undefined, { grant_type: 'password', client_id: id, client_secret: clientSecret })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(await call('POST', '/oauth/token', undefined, { grant_type: 'client_credentials', client_id: id, client_secret: clientSecret, scope: 'operator' })).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    expect(await call('POST', '/oauth/token', undefined, {})).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    // A client cannot be given scopes its maker lacks.
    expect((await call('POST', '/v1/account/oauth-clients', tenant.apiKey, { name: 'x', scopes: ['operator'] })).status).toBe(403);
  });

  it('refuses an expired or forged token', async () => {
    const { id } = (await call('POST', '/v1/account/oauth-clients', tenant.apiKey, { name: 'expiring', scopes: ['messages'] })).body as { id: string };
    const tokens = app.get(AccessTokens);
    const expired = await tokens.issue('oauth_client', id, ['messages'], -10);
    expect((await call('GET', '/v1/account/settings', expired)).status).toBe(401);
    const forged = await new AccessTokens(Buffer.alloc(32, 7).toString('base64')).issue('oauth_client', id, ['messages'], 600);
    expect((await call('GET', '/v1/account/settings', forged)).status).toBe(401);
    expect((await call('GET', '/v1/account/settings', await tokens.issue('oauth_client', id, ['messages'], 600))).status).toBe(200);
  });
});

describe('operators: password + TOTP, recovery codes, and operator changes', () => {
  const email = `ops-${randomUUID()}@example.com`;
  const password = 'correct horse battery';
  let secret: string;
  let recoveryCodes: string[];
  let confirmingCode: string;

  it('needs an operator token or an address-bound operator key for operator changes', async () => {
    expect(await call('POST', '/v1/operators', looseOperatorKey, { email, password })).toMatchObject({ status: 403, body: { error: { code: 'mfa_required' } } });
    expect((await call('GET', '/v1/operators', looseOperatorKey)).status).toBe(200); // reading is fine
    expect((await call('POST', '/v1/operators', boundOperatorKey, { email, password })).status).toBe(201);
    expect((await call('POST', '/v1/operators', boundOperatorKey, { email, password })).status).toBe(409);
  });

  it('enrols TOTP: the secret and recovery codes once, confirmed by a first code', async () => {
    expect((await call('POST', '/v1/operator-auth/token', undefined, { email, password, code: '000000' })).status).toBe(401); // not enrolled
    const enrolled = await call('POST', '/v1/operator-auth/enrol', undefined, { email, password });
    expect(enrolled.status).toBe(200);
    ({ secret, recoveryCodes } = enrolled.body as { secret: string; recoveryCodes: string[] });
    expect(recoveryCodes).toHaveLength(10);
    expect(enrolled.body.otpauthUri).toContain(encodeURIComponent(email));
    expect((await call('POST', '/v1/operator-auth/enrol/confirm', undefined, { email, password, code: '123456' })).status).toBe(401);
    confirmingCode = await generate({ secret });
    expect(await call('POST', '/v1/operator-auth/enrol/confirm', undefined, { email, password, code: confirmingCode })).toMatchObject({ status: 200, body: { mfaEnabled: true } });
    expect((await call('POST', '/v1/operator-auth/enrol', undefined, { email, password })).status).toBe(409);
  });

  it('signs in only with password and a valid code (each code once), or a recovery code (once); the token makes operator changes', async () => {
    expect((await call('POST', '/v1/operator-auth/token', undefined, { email, password })).status).toBe(401); // code missing
    expect((await call('POST', '/v1/operator-auth/token', undefined, { email, password: 'wrong password!', code: await generate({ secret }) })).status).toBe(401);
    expect((await call('POST', '/v1/operator-auth/token', undefined, { email, password, code: '999999' })).status).toBe(401);
    // The code that confirmed the enrolment was used: it does not sign in again (the same code,
    // not a fresh one: a new 30 s step may have begun since).
    expect((await call('POST', '/v1/operator-auth/token', undefined, { email, password, code: confirmingCode })).status).toBe(401);
    const byRecovery = await call('POST', '/v1/operator-auth/token', undefined, { email, password, recoveryCode: recoveryCodes[0] });
    expect(byRecovery).toMatchObject({ status: 200, body: { tokenType: 'Bearer', recoveryCodesLeft: 9 } });
    expect((await call('POST', '/v1/operator-auth/token', undefined, { email, password, recoveryCode: recoveryCodes[0] })).status).toBe(401);
    const token = byRecovery.body.accessToken as string;
    expect((await call('POST', '/v1/operators', token, { email: `second-${email}`, password })).status).toBe(201);
    // Disabled: its token stops at once.
    const { items } = (await call('GET', '/v1/operators', token)).body as { items: { id: string; email: string }[] };
    const me = items.find((o) => o.email === email)!;
    expect((await call('DELETE', `/v1/operators/${me.id}`, boundOperatorKey)).status).toBe(204);
    expect((await call('GET', '/v1/operators', token)).status).toBe(401);
  });
});
