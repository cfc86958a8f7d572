// The SMPP gateway under abuse and with common ESMEs (issue 10, item 5), over real TCP against
// the whole stack: credential changes unbind open sessions; idle connections and password
// guessing hit the connection caps and the lockout while a legitimate bind stays fast; an
// unknown system_id and a wrong password are answered after the same delay; TON 2 numbers and
// ASCII in data_coding 0 arrive right; an account's ceilings hold across two gateway replicas.
// Distinct source addresses: 127.0.0.x bound as the client socket's local address.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as smpp from 'smpp';
import { Client as PgClient } from 'pg';
import { freePort } from '@app/config';
import { AccountRepository, openDatabase } from '@app/db';
import { grantSenders } from '../support/senders';
import { connectEsme, Esme } from '../support/esme';
import { testDatabaseUrl, testKms, testSecretsKey, testTemporalAddress } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';
import { openSealed } from '../support/sealed';

const E = smpp.errors;
/** Short back-off so the suite stays short; the lockout threshold is the default (10). */
const FAILURE_DELAY_MS = 200;

interface Credential {
  systemId: string;
  password: string;
}

let stack: TestStack;
let pg: PgClient;
const open: Esme[] = [];
const sockets: net.Socket[] = [];

beforeAll(async () => {
  stack = await startTestStack({ gateway: { SMPP_BIND_FAILURE_DELAY_MS: String(FAILURE_DELAY_MS), LOG_LEVEL: 'warn' } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
}, 120_000);

afterEach(async () => {
  for (const esme of open.splice(0)) await esme.close();
  for (const socket of sockets.splice(0)) socket.destroy();
});

afterAll(async () => {
  await pg?.end();
  await stack?.stop();
});

async function credential(settings: Record<string, unknown> = {}, key?: string): Promise<Credential> {
  const res = await stack.api<Credential>('POST', '/v1/smpp/credentials', settings, key ? { authorization: `Bearer ${key}` } : {});
  expect(res.status).toBe(201);
  return res.body;
}

async function esme(cred: Credential, localAddress?: string, port = stack.smppGateway.port): Promise<Esme> {
  const client = await connectEsme({ port, systemId: cred.systemId, password: cred.password, localAddress });
  open.push(client);
  return client;
}

/** When the gateway closed this session, as a promise of the moment. */
const closedAt = (client: Esme) => new Promise<number>((resolve) => client.session.socket.once('close', () => resolve(Date.now())));

const submit = (client: Esme, extra: Record<string, unknown> = {}) =>
  client.request('submit_sm', {
    source_addr_ton: 5,
    source_addr: 'Acme',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: '447400123456',
    short_message: Buffer.from('hello'),
    ...extra,
  });

/** A raw TCP connection from `localAddress`; resolves with it and whether the gateway closed it within `closeWithinMs`. */
async function rawConnection(localAddress: string, closeWithinMs: number): Promise<{ socket: net.Socket; closed: boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port: stack.smppGateway.port, localAddress });
  sockets.push(socket);
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), closeWithinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  return { socket, closed };
}

describe('credential changes reach open sessions', () => {
  it('unbinds the sessions of a deleted, a disabled and a re-passworded credential within seconds', async () => {
    const [deleted, disabled, rotated, untouched] = await Promise.all([credential(), credential(), credential(), credential()]);
    const clients = await Promise.all([deleted, disabled, rotated, untouched].map((c) => esme(c)));
    for (const client of clients) expect(client.bindStatus).toBe(E.ESME_ROK);
    const closings = clients.map(closedAt);
    const changedAt = Date.now();
    expect((await stack.api('DELETE', `/v1/smpp/credentials/${deleted.systemId}`)).status).toBe(204);
    expect((await stack.api('PATCH', `/v1/smpp/credentials/${disabled.systemId}`, { enabled: false })).status).toBe(200);
    expect((await stack.api('POST', `/v1/smpp/credentials/${rotated.systemId}/password`)).status).toBe(200);
    const closed = await Promise.all(closings.slice(0, 3));
    for (const at of closed) expect(at - changedAt).toBeLessThan(3000);
    // The untouched credential's session goes on.
    expect((await submit(clients[3], { registered_delivery: 0 })).command_status).toBe(E.ESME_ROK);
    expect(clients[3].session.socket.destroyed).toBe(false);
  });

  it('applies a new default country to an open session', async () => {
    const cred = await credential();
    const client = await esme(cred);
    const national = { dest_addr_ton: 2, destination_addr: '07400123456', registered_delivery: 0 };
    expect((await submit(client, national)).command_status).toBe(E.ESME_RINVDSTTON);
    expect((await stack.api('PATCH', `/v1/smpp/credentials/${cred.systemId}`, { defaultCountry: 'GB' })).status).toBe(200);
    await eventually(async () => ((await submit(client, national)).command_status === E.ESME_ROK ? true : undefined), 5000, 'the new default country applied');
  });
});

describe('connection caps and bind lockout', () => {
  it('holds 150 idle connections and 32 password guesses to the caps, locks the guesser out, and keeps a legitimate bind fast', async () => {
    const victim = await credential();
    const legit = await credential();
    const baselineStart = Date.now();
    expect((await esme(legit, '127.0.0.4')).bindStatus).toBe(E.ESME_ROK);
    const baselineMs = Date.now() - baselineStart;
    await open.pop()!.close();

    // 150 idle connections from one address: SMPP_MAX_CONNECTIONS_PER_IP (20) stay, the rest are closed at once.
    const idle = await Promise.all(Array.from({ length: 150 }, () => rawConnection('127.0.0.2', 300)));
    expect(idle.filter((c) => !c.closed)).toHaveLength(20);

    // 32 connections guessing the victim's password from another address.
    const guessers: Esme[] = [];
    const guesses = Array.from({ length: 32 }, (_, i) =>
      connectEsme({ port: stack.smppGateway.port, systemId: victim.systemId, password: `guess${i}`, localAddress: '127.0.0.3' }).then(
        (client) => (guessers.push(client), client.bindStatus),
        () => 'refused' as const,
      ),
    );
    // Meanwhile a legitimate ESME binds from a third address.
    await new Promise((r) => setTimeout(r, 50));
    const legitStart = Date.now();
    const legitClient = await esme(legit, '127.0.0.4');
    const legitMs = Date.now() - legitStart;
    expect(legitClient.bindStatus).toBe(E.ESME_ROK);
    expect(legitMs).toBeLessThan(Math.max(1000, baselineMs * 3));

    const outcomes = await Promise.all(guesses);
    // Over the per-address cap the connection is closed before any bind is answered.
    expect(outcomes.filter((o) => o === 'refused').length).toBeGreaterThanOrEqual(12);
    expect(outcomes).not.toContain(E.ESME_ROK);
    expect(outcomes.filter((o) => o === E.ESME_RINVPASWD).length).toBeGreaterThan(0);

    // Locked out in PostgreSQL, for the address and for the system_id (every replica sees it).
    const locks = await pg.query(`SELECT key FROM smpp_bind_failures WHERE key = ANY($1) AND locked_until > now() ORDER BY key`, [[`ip:127.0.0.3`, `sid:${victim.systemId}`]]);
    expect(locks.rows.map((r) => r.key)).toEqual([`ip:127.0.0.3`, `sid:${victim.systemId}`]);
    await Promise.all(guessers.map((client) => client.close()));
    // The right password no longer binds the locked system_id, from anywhere; the locked address binds nothing.
    expect((await esme(victim, '127.0.0.5')).bindStatus).toBe(E.ESME_RBINDFAIL);
    expect((await esme(legit, '127.0.0.3')).bindStatus).toBe(E.ESME_RBINDFAIL);
  });

  it('answers an unknown system_id and a wrong password after the same delay', async () => {
    const creds = await Promise.all(Array.from({ length: 4 }, () => credential()));
    const timeBind = async (systemId: string, password: string, localAddress: string) => {
      const started = Date.now();
      const client = await connectEsme({ port: stack.smppGateway.port, systemId, password, localAddress });
      open.push(client);
      expect(client.bindStatus).toBe(E.ESME_RINVPASWD);
      return Date.now() - started;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    // Fresh addresses and system_ids: each is a first failure, so the back-off is the base delay for both.
    for (let i = 0; i < 4; i += 1) {
      unknown.push(await timeBind(`nobody${randomBytes(4).toString('hex')}`, 'whatever', `127.0.0.${10 + i}`));
      wrong.push(await timeBind(creds[i].systemId, 'wrongpwd', `127.0.0.${20 + i}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const ms of [...unknown, ...wrong]) expect(ms).toBeGreaterThanOrEqual(FAILURE_DELAY_MS);
    expect(Math.abs(median(unknown) - median(wrong))).toBeLessThan(40);
  });
});

describe('interop with common ESME defaults', () => {
  it('resolves TON 2 numbers with the default country and reads data_coding 0 as ASCII when the credential says so', async () => {
    const cred = await credential({ defaultCountry: 'GB', defaultAlphabet: 'ascii' });
    const client = await esme(cred);
    const resp = await submit(client, { dest_addr_ton: 2, dest_addr_npi: 1, destination_addr: '07400123456', data_coding: 0, short_message: Buffer.from('@ {ok}', 'ascii') });
    expect(resp.command_status).toBe(E.ESME_ROK);
    const message = (await stack.api<{ to: string; body: string }>('GET', `/v1/messages/${resp.message_id}`)).body;
    expect(message).toMatchObject({ to: '+447400123456', body: '@ {ok}' });
    // The same octets on a GSM credential are GSM 03.38, as before.
    const gsm = await esme(await credential());
    const gsmResp = await submit(gsm, { data_coding: 0, short_message: Buffer.from('@ {ok}', 'ascii') });
    expect((await stack.api<{ body: string }>('GET', `/v1/messages/${gsmResp.message_id}`)).body.body).not.toBe('@ {ok}');
  });
});

/** Kannel (Debian package `kannel`), the open-source ESME of the interop row. */
const bearerbox = ['/usr/sbin/bearerbox', '/usr/bin/bearerbox'].find((p) => fs.existsSync(p));
const smsbox = bearerbox && path.join(path.dirname(bearerbox), 'smsbox');

// Skipped only where Kannel is not installed (`apt-get install kannel`): the tests above cover the same rules with the npm client.
(bearerbox ? describe : describe.skip)('Kannel with its default TON settings', () => {
  const children: ChildProcess[] = [];
  let dir: string | undefined;
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends a national number (TON 2) that the credential default country resolves', async () => {
    const cred = await credential({ defaultCountry: 'GB' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kannel-'));
    const ports = { admin: await freePort(), smsbox: await freePort(), sendsms: await freePort() };
    const conf = path.join(dir, 'kannel.conf');
    // No dest-addr-ton / source-addr-ton: Kannel's defaults, which send numbers without '+' as TON 2.
    const lines = [
      'group = core',
      `admin-port = ${ports.admin}`,
      'admin-password = test',
      'admin-allow-ip = 127.0.0.1',
      `smsbox-port = ${ports.smsbox}`,
      'box-allow-ip = 127.0.0.1',
      'group = smsc',
      'smsc = smpp',
      'smsc-id = gateway',
      'host = 127.0.0.1',
      `port = ${stack.smppGateway.port}`,
      'receive-port = 0',
      'transceiver-mode = true',
      `smsc-username = "${cred.systemId}"`,
      `smsc-password = "${cred.password}"`,
      'system-type = ""',
      'group = smsbox',
      'bearerbox-host = 127.0.0.1',
      `bearerbox-port = ${ports.smsbox}`,
      `sendsms-port = ${ports.sendsms}`,
      'group = sendsms-user',
      'username = test',
      'password = test-pw',
      'group = sms-service',
      'keyword = default',
      'text = "No service"',
      'catch-all = true',
    ];
    // Kannel groups are separated by blank lines.
    fs.writeFileSync(conf, `${lines.join('\n').replace(/\ngroup = /g, '\n\ngroup = ')}\n`);
    for (const bin of [bearerbox!, smsbox!]) {
      children.push(spawn(bin, ['-v', '4', conf], { stdio: 'ignore', cwd: dir }));
      await new Promise((r) => setTimeout(r, 500));
    }
    await eventually(
      async () => {
        const res = await fetch(`http://127.0.0.1:${ports.sendsms}/cgi-bin/sendsms?username=test&password=test-pw&from=Acme&to=07400123456&text=${encodeURIComponent('@ {ok}')}`);
        return res.status === 202 ? true : undefined;
      },
      20_000,
      'Kannel accepting sendsms',
    );
    const row = await eventually(
      async () => (await pg.query('SELECT to_number, body FROM messages WHERE smpp_system_id = $1', [cred.systemId])).rows[0] as { to_number: string; body: string } | undefined,
      20_000,
      'the message from Kannel stored',
    );
    expect({ ...row, body: await openSealed(pg, row.body) }).toEqual({ to_number: '+447400123456', body: '@ {ok}' });
  });
});

describe('account ceilings across gateway replicas', () => {
  let second: ChildProcess | undefined;
  afterAll(async () => {
    if (second && second.exitCode === null) {
      second.kill('SIGTERM');
      await new Promise((r) => second!.once('exit', r));
    }
  });

  it('holds binds and submits per second of all credentials of an account across two gateways', async () => {
    const port = await freePort();
    second = spawn(process.execPath, [path.join(__dirname, '../../dist/apps/smpp-gateway/src/main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: testDatabaseUrl(),
        TEMPORAL_ADDRESS: testTemporalAddress(),
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
        // The run's key: the data keys this gateway reads were wrapped with it (bodies at rest).
        SECRETS_KEY: testSecretsKey(),
        SMPP_GATEWAY_PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    second.stderr!.resume();
    await new Promise<void>((resolve, reject) => {
      second!.stdout!.on('data', (d: Buffer) => d.toString().includes('smpp-gateway ready') && resolve());
      second!.once('exit', (code) => reject(new Error(`second gateway exited ${code}`)));
    });

    const db = await openDatabase(testDatabaseUrl(), { kms: testKms(), poolSize: 1 });
    const tenant = await new AccountRepository(db)
      .createWithKey(`ceilings-${randomUUID()}`, 'default', ['messages', 'smpp'])
      .then(async (created) => (await grantSenders(db, created.accountId), created))
      .finally(() => db.destroy());
    expect((await stack.api('PUT', `/v1/smpp/accounts/${tenant.accountId}/limits`, { maxThroughputPerSecond: 20, maxBinds: 2 })).status).toBe(200);
    // Every submit goes to one number: lift the per-number velocity rules, so only the ceiling counts.
    const velocity = { perNumberPerMinute: 1_000_000, perNumberPerHour: 1_000_000, perPrefixPerMinute: 1_000_000 };
    expect((await stack.api('PATCH', `/v1/accounts/${tenant.accountId}/limits`, velocity)).status).toBe(200);
    const [one, two] = [await credential({ throughputPerSecond: 20 }, tenant.apiKey), await credential({ throughputPerSecond: 20 }, tenant.apiKey)];
    const a = await esme(one);
    const b = await esme(two, undefined, port);
    expect([a.bindStatus, b.bindStatus]).toEqual([E.ESME_ROK, E.ESME_ROK]);
    // A third bind, on either replica, is over the account's 2.
    expect((await esme(one, undefined, port)).bindStatus).toBe(E.ESME_RBINDFAIL);

    // Both offer 100 submits/s for 3 s: together at most 20 per second are accepted.
    let accepted = 0;
    const started = Date.now();
    while (Date.now() - started < 3000) {
      const burst = await Promise.all([a, b].flatMap((client) => Array.from({ length: 10 }, () => submit(client, { registered_delivery: 0 }))));
      accepted += burst.filter((r) => r.command_status === E.ESME_ROK).length;
      expect(burst.every((r) => r.command_status === E.ESME_ROK || r.command_status === E.ESME_RTHROTTLED)).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    expect(accepted).toBeLessThanOrEqual(20 * seconds);
    expect(accepted).toBeGreaterThanOrEqual(20 * 2);

    // The operator lowers the bind ceiling: the newest session is unbound within seconds.
    const bClosed = closedAt(b);
    expect((await stack.api('PUT', `/v1/smpp/accounts/${tenant.accountId}/limits`, { maxThroughputPerSecond: 20, maxBinds: 1 })).status).toBe(200);
    const at = await bClosed;
    expect(a.session.socket.destroyed).toBe(false);
    expect(at).toBeGreaterThan(0);
  });
});
