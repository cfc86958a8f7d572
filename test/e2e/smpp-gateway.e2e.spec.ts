// The SMPP gateway end to end: an ESME (npm smpp client) binds over TCP, submits single and
// concatenated messages in both encodings, and gets its receipts as deliver_sm; the messages
// go through the real worker, carrier-sim over SMPP, PostgreSQL and Temporal.
import net from 'node:net';
import * as smpp from 'smpp';
import { Client as PgClient } from 'pg';
import { encodeSubmitParts } from '@app/domain';
import { connectEsme, deliverText, Esme } from '../support/esme';
import { runSmpplibPeer } from '../support/smpplib-peer';
import { testDatabaseUrl } from '../support/env';
import { eventually, startTestStack, TestStack } from '../support/stack';

const E = smpp.errors;

interface Credential {
  systemId: string;
  password: string;
}

interface MessageView {
  id: string;
  status: string;
  body: string;
  encoding: string;
  segments: number;
  carrierId: string | null;
}

let stack: TestStack;
let pg: PgClient;
const open: Esme[] = [];

beforeAll(async () => {
  // A short bind timeout, so the test of it is quick (every other session binds at once).
  stack = await startTestStack({ gateway: { SMPP_BIND_TIMEOUT_SECONDS: '2' } });
  pg = new PgClient({ connectionString: testDatabaseUrl() });
  await pg.connect();
}, 120_000);

afterEach(async () => {
  for (const esme of open.splice(0)) await esme.close();
  for (const id of ['alpha', 'beta']) await stack.sim('POST', `/carriers/${id}/reset`);
});

afterAll(async () => {
  await pg?.end();
  await stack?.stop();
});

async function credential(settings: Record<string, unknown> = {}): Promise<Credential> {
  const res = await stack.api<Credential>('POST', '/v1/smpp/credentials', settings);
  expect(res.status).toBe(201);
  return res.body;
}

async function esme(cred: Credential, bind: 'bind_transceiver' | 'bind_transmitter' | 'bind_receiver' | null = 'bind_transceiver'): Promise<Esme> {
  const client = await connectEsme({ port: stack.smppGateway.port, systemId: cred.systemId, password: cred.password, bind });
  open.push(client);
  return client;
}

const getMessage = async (id: string) => (await stack.api<MessageView>('GET', `/v1/messages/${id}`)).body;
const finalMessage = (id: string) =>
  eventually(async () => {
    const m = await getMessage(id);
    return ['delivered', 'failed', 'cancelled'].includes(m.status) ? m : undefined;
  }, 30_000, `message ${id} final`);

const submitParams = (to: string, extra: Record<string, unknown> = {}) => ({
  source_addr_ton: 5,
  source_addr_npi: 0,
  source_addr: 'Acme',
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: to.replace('+', ''),
  registered_delivery: 1,
  ...extra,
});

/** submit_sm for every part of `body` as encodeSubmitParts splits it (UDH or SAR). */
async function submitText(client: Esme, to: string, body: string, mode: 'udh8' | 'udh16' | 'sar' | 'payload', reference = 77): Promise<smpp.PDU[]> {
  const parts = encodeSubmitParts(body, mode, reference);
  const responses = [];
  for (const part of parts) {
    responses.push(
      await client.request(
        'submit_sm',
        submitParams(to, {
          esm_class: part.esmClass,
          data_coding: part.dataCoding,
          ...(part.inPayload ? { message_payload: Buffer.from(part.shortMessage) } : { short_message: Buffer.from(part.shortMessage) }),
          ...(part.sar ? { sar_msg_ref_num: part.sar.reference, sar_total_segments: part.sar.total, sar_segment_seqnum: part.sar.sequence } : {}),
        }),
      ),
    );
  }
  return responses;
}

describe('binding', () => {
  it('binds with the credential from the API and refuses a wrong password, a foreign address and binds over max_binds', async () => {
    const cred = await credential({ maxBinds: 1 });
    const good = await esme(cred);
    expect(good.bindStatus).toBe(E.ESME_ROK);
    expect((await esme({ ...cred, password: 'wrong' })).bindStatus).toBe(E.ESME_RINVPASWD);
    expect((await esme({ systemId: 'nobody', password: 'x' })).bindStatus).toBe(E.ESME_RINVPASWD);
    expect((await esme(cred)).bindStatus).toBe(E.ESME_RBINDFAIL); // max_binds 1
    const fenced = await credential({ allowedIps: ['10.0.0.0/8'] });
    expect((await esme(fenced)).bindStatus).toBe(E.ESME_RBINDFAIL);
    // The password is stored as a hash only.
    const row = await pg.query('SELECT password_hash FROM smpp_credentials WHERE system_id = $1', [cred.systemId]);
    expect(row.rows[0].password_hash).toMatch(/^scrypt\$/);
    expect(row.rows[0].password_hash).not.toContain(cred.password);
  });

  it('answers enquire_link before and after binding, and refuses a submit before bind with ESME_RINVBNDSTS', async () => {
    const cred = await credential();
    const client = await esme(cred, null);
    expect((await client.request('enquire_link')).command_status).toBe(E.ESME_ROK);
    expect((await client.request('submit_sm', submitParams('+447400123456', { short_message: Buffer.from('hi') }))).command_status).toBe(E.ESME_RINVBNDSTS);
    const receiver = await esme(cred, 'bind_receiver');
    expect((await receiver.request('submit_sm', submitParams('+447400123456', { short_message: Buffer.from('hi') }))).command_status).toBe(E.ESME_RINVBNDSTS);
  });

  it('closes a connection that does not bind within the bind timeout', async () => {
    const raw = net.connect(stack.smppGateway.port, '127.0.0.1');
    await new Promise((r) => raw.once('connect', r));
    const openedAt = Date.now();
    await new Promise((r) => raw.once('close', r));
    const openMs = Date.now() - openedAt;
    expect(openMs).toBeGreaterThanOrEqual(1500);
    expect(openMs).toBeLessThan(10_000);
  });

  it('answers an unknown command with generic_nack and keeps the session; a broken length closes only that connection', async () => {
    const cred = await credential();
    const client = await esme(cred);
    // Unknown command id 0x00000999, sequence 4242, through the raw socket of the bound session.
    const header = Buffer.alloc(16);
    header.writeUInt32BE(16, 0);
    header.writeUInt32BE(0x00000999, 4);
    header.writeUInt32BE(0, 8);
    header.writeUInt32BE(4242, 12);
    const nack = new Promise<smpp.PDU>((resolve) => client.session.on('generic_nack', resolve));
    client.session.socket.write(header);
    const received = await nack;
    expect(received.sequence_number).toBe(4242);
    expect(received.command_status).toBe(E.ESME_RINVCMDID);
    expect((await client.request('enquire_link')).command_status).toBe(E.ESME_ROK);

    // A command_length shorter than a header: generic_nack ESME_RINVCMDLEN, then the gateway closes that connection.
    const raw = net.connect(stack.smppGateway.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    raw.on('data', (d) => chunks.push(d));
    await new Promise((r) => raw.once('connect', r));
    const bad = Buffer.alloc(8);
    bad.writeUInt32BE(8, 0);
    bad.writeUInt32BE(0x00000004, 4);
    raw.write(bad);
    await new Promise((r) => raw.once('close', r));
    const answer = Buffer.concat(chunks);
    expect(answer.readUInt32BE(4)).toBe(0x80000000);
    expect(answer.readUInt32BE(8)).toBe(E.ESME_RINVCMDLEN);
    // The gateway and the other session are fine.
    expect((await client.request('enquire_link')).command_status).toBe(E.ESME_ROK);
    expect((await esme(cred)).bindStatus).toBe(E.ESME_ROK);
  });
});

describe('submits and receipts', () => {
  it('submits single and concatenated messages in GSM-7 and UCS-2 and receives one receipt per message as deliver_sm', async () => {
    const cred = await credential();
    const client = await esme(cred);
    const gsmLong = `${'Your order has shipped and will arrive soon. '.repeat(3)}Track it: {ref}[A1]~€`.padEnd(200, '.');
    const ucsLong = `${'Привет, это длинное сообщение. '.repeat(3)}😀 конец`;
    const cases = [
      { body: 'Hello from SMPP €', mode: 'udh8' as const, encoding: 'GSM-7', segments: 1 },
      { body: gsmLong, mode: 'udh8' as const, encoding: 'GSM-7', segments: 2 },
      { body: 'Привет 😀', mode: 'udh8' as const, encoding: 'UCS-2', segments: 1 },
      { body: ucsLong, mode: 'sar' as const, encoding: 'UCS-2', segments: 2 },
      { body: gsmLong, mode: 'udh16' as const, encoding: 'GSM-7', segments: 2 },
    ];
    const ids: string[] = [];
    for (const [i, c] of cases.entries()) {
      const responses = await submitText(client, '+447400123456', c.body, c.mode, 100 + i);
      for (const r of responses) expect(r.command_status).toBe(E.ESME_ROK);
      // Every part of one message is answered with that message's id.
      expect(new Set(responses.map((r) => r.message_id)).size).toBe(1);
      ids.push(responses[0].message_id as string);
    }
    for (const [i, c] of cases.entries()) {
      const message = await finalMessage(ids[i]);
      expect(message).toMatchObject({ status: 'delivered', body: c.body, encoding: c.encoding, segments: c.segments });
    }
    const receipts = await client.waitForDeliveries(ids.length);
    expect(receipts.map((r) => r.receipted_message_id).sort()).toEqual([...ids].sort());
    for (const r of receipts) {
      expect(Number(r.esm_class) & 0x3c).toBe(0x04);
      expect(r.message_state).toBe(2);
      expect(deliverText(r)).toMatch(new RegExp(`^id:${r.receipted_message_id} sub:001 dlvrd:001 .*stat:DELIVRD err:000`));
      expect(r.source_addr).toBe('447400123456');
      expect(r.destination_addr).toBe('Acme');
    }
    // Single-part and concatenated submits alike rode pages (sendBatch): one lifecycle decides multipart receipts in both shapes.
    const paths = await pg.query('SELECT id, delivery, batch_id FROM messages WHERE id = ANY($1)', [ids]);
    expect(paths.rows.map((r) => [r.delivery, typeof r.batch_id])).toEqual(ids.map(() => ['batch', 'string']));
    // Concatenated messages reached the carrier as UDH parts.
    const submissions = await stack.sim<{ destination: string; udh?: string; esmClass: number }[]>('GET', '/carriers/alpha/submissions');
    expect(submissions.filter((s) => s.udh?.startsWith('050003')).length).toBeGreaterThanOrEqual(6);
  });

  it('answers ESME_RTHROTTLED over the per-credential limit and keeps every accepted submit', async () => {
    const cred = await credential({ throughputPerSecond: 5 });
    const client = await esme(cred);
    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) => client.request('submit_sm', submitParams('+447400123456', { short_message: Buffer.from(`burst ${i}`), registered_delivery: 0 }))),
    );
    const ok = responses.filter((r) => r.command_status === E.ESME_ROK);
    const throttled = responses.filter((r) => r.command_status === E.ESME_RTHROTTLED);
    expect(ok.length + throttled.length).toBe(25);
    expect(throttled.length).toBeGreaterThan(0);
    expect(ok.length).toBeLessThanOrEqual(10);
    const stored = await pg.query('SELECT count(*)::int AS n FROM messages WHERE smpp_system_id = $1', [cred.systemId]);
    expect(stored.rows[0].n).toBe(ok.length);
  });

  it('refuses bad input with the matching SMPP status and stores nothing', async () => {
    const cred = await credential();
    const client = await esme(cred);
    const before = (await pg.query('SELECT count(*)::int AS n FROM messages WHERE smpp_system_id = $1', [cred.systemId])).rows[0].n;
    const bad = [
      [{ destination_addr: '12', short_message: Buffer.from('x') }, E.ESME_RINVDSTADR],
      [{ dest_addr_ton: 2, short_message: Buffer.from('x') }, E.ESME_RINVDSTTON],
      [{ data_coding: 0x02, short_message: Buffer.from([1, 2, 3]) }, E.ESME_RINVDCS],
      [{ esm_class: 0x40, short_message: Buffer.from([0x05, 0x00, 0x03, 0x01, 0x02, 0x03, 0x41]) }, E.ESME_RINVESMCLASS],
      [{ schedule_delivery_time: 'not-a-time', short_message: Buffer.from('x') }, E.ESME_RINVSCHED],
    ] as const;
    for (const [params, status] of bad) {
      expect((await client.request('submit_sm', submitParams('+447400123456', params))).command_status).toBe(status);
    }
    const after = (await pg.query('SELECT count(*)::int AS n FROM messages WHERE smpp_system_id = $1', [cred.systemId])).rows[0].n;
    expect(after).toBe(before);
  });

  it('reports the state with query_sm and cancels a scheduled message with cancel_sm', async () => {
    const cred = await credential();
    const client = await esme(cred);
    const [sent] = await submitText(client, '+447400123456', 'query me', 'udh8');
    await finalMessage(sent.message_id as string);
    const query = await client.request('query_sm', { message_id: sent.message_id, source_addr: 'Acme' });
    expect(query.command_status).toBe(E.ESME_ROK);
    expect(query.message_state).toBe(2);
    // The client decodes final_date (YYMMDDhhmmss000+) into a Date.
    expect(query.final_date).toBeInstanceOf(Date);
    expect(Math.abs((query.final_date as Date).getTime() - Date.now())).toBeLessThan(60_000);
    expect((await client.request('cancel_sm', { message_id: sent.message_id, source_addr: 'Acme', destination_addr: '447400123456' })).command_status).toBe(E.ESME_RCANCELFAIL);

    // Scheduled an hour ahead (relative time), then cancelled before it was sent.
    const scheduled = await client.request('submit_sm', submitParams('+447400123456', { short_message: Buffer.from('later'), schedule_delivery_time: '000001000000000R' }));
    expect(scheduled.command_status).toBe(E.ESME_ROK);
    const cancel = await eventually(async () => {
      const r = await client.request('cancel_sm', { message_id: scheduled.message_id, source_addr: 'Acme', destination_addr: '447400123456' });
      return r.command_status === E.ESME_ROK ? r : undefined;
    }, 10_000, 'cancel accepted');
    expect(cancel.command_status).toBe(E.ESME_ROK);
    expect(await finalMessage(scheduled.message_id as string)).toMatchObject({ status: 'cancelled', carrierId: null });
    const cancelledReceipt = await eventually(async () => client.delivered.find((d) => d.receipted_message_id === scheduled.message_id), 10_000, 'DELETED receipt');
    expect(cancelledReceipt.message_state).toBe(4);
    expect((await client.request('query_sm', { message_id: '00000000-0000-0000-0000-000000000000', source_addr: 'Acme' })).command_status).toBe(E.ESME_RQUERYFAIL);
  });
});

describe('the bulk path (sendBatch pages)', () => {
  it('fails over to the next carrier when the first reports UNDELIV, with the attempts and events of each message', async () => {
    await stack.sim('PATCH', '/carriers/alpha/behaviour', { undelivRate: 1 });
    const cred = await credential();
    const client = await esme(cred);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const r = await client.request('submit_sm', submitParams('+447400123456', { short_message: Buffer.from(`bulk failover ${i}`) }));
      expect(r.command_status).toBe(E.ESME_ROK);
      ids.push(r.message_id as string);
    }
    for (const id of ids) expect(await finalMessage(id)).toMatchObject({ status: 'delivered', carrierId: 'beta' });
    const view = await stack.api<{ attempts: number; attemptHistory: { carrierId: string; status: string }[]; events: { type: string }[] }>('GET', `/v1/messages/${ids[0]}`);
    expect(view.body.attempts).toBe(2);
    expect(view.body.attemptHistory.map((a) => [a.carrierId, a.status])).toEqual([
      ['alpha', 'receipt_failed'],
      ['beta', 'delivered'],
    ]);
    expect(view.body.events.map((e) => e.type)).toEqual(['accepted', 'queued', 'submitted', 'receipt', 'submitted', 'receipt', 'delivered']);
    const receipts = await client.waitForDeliveries(5);
    expect(receipts.every((r) => r.message_state === 2)).toBe(true);
  });

  it('refuses cancel_sm for a bulk message a page has already claimed', async () => {
    const cred = await credential();
    const client = await esme(cred);
    const r = await client.request('submit_sm', submitParams('+447400123456', { short_message: Buffer.from('bulk, claimed at once') }));
    await finalMessage(r.message_id as string);
    expect((await client.request('cancel_sm', { message_id: r.message_id, source_addr: 'Acme' })).command_status).toBe(E.ESME_RCANCELFAIL);
  });
});

describe('deliveries while no receiver is bound', () => {
  it('keeps receipts while unbound and across a gateway restart, then delivers them in order on rebind', async () => {
    const cred = await credential();
    const transmitter = await esme(cred, 'bind_transmitter');
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const [r] = await submitText(transmitter, '+447400123456', `kept receipt ${i}`, 'udh8');
      ids.push(r.message_id as string);
    }
    for (const id of ids) expect((await finalMessage(id)).status).toBe('delivered');
    const pending = await pg.query(`SELECT message_id FROM smpp_deliveries WHERE system_id = $1 AND delivered_at IS NULL ORDER BY id`, [cred.systemId]);
    expect(pending.rows.map((r) => r.message_id).sort()).toEqual([...ids].sort());
    const order = pending.rows.map((r) => r.message_id);

    await transmitter.close();
    open.splice(open.indexOf(transmitter), 1);
    await stack.processes.smppGateway.stop();
    await stack.startSmppGateway();

    const receiver = await esme(cred, 'bind_receiver');
    const receipts = await receiver.waitForDeliveries(3);
    expect(receipts.map((r) => r.receipted_message_id)).toEqual(order);
    await eventually(async () => {
      const left = await pg.query(`SELECT count(*)::int AS n FROM smpp_deliveries WHERE system_id = $1 AND delivered_at IS NULL`, [cred.systemId]);
      return left.rows[0].n === 0 ? true : undefined;
    }, 10_000, 'deliveries marked delivered');
  });

  it('delivers inbound messages for the account\u2019s numbers to its receivers as deliver_sm', async () => {
    const cred = await credential();
    const accountId = (await pg.query('SELECT account_id FROM smpp_credentials WHERE system_id = $1', [cred.systemId])).rows[0].account_id;
    const number = `+4474001${String(Date.now()).slice(-5)}`;
    expect((await stack.api('POST', '/v1/numbers', { number, accountId })).status).toBe(201);
    const receiver = await esme(cred, 'bind_receiver');
    await stack.sim('POST', '/carriers/alpha/inbound', { from: '+447700900999', to: number, text: 'STOP or Привет' });
    const [mo] = await receiver.waitForDeliveries(1);
    expect(Number(mo.esm_class) & 0x3c).toBe(0);
    expect(deliverText(mo)).toBe('STOP or Привет');
    expect(mo.source_addr).toBe('447700900999');
    expect(mo.destination_addr).toBe(number.slice(1));
    const stored = await pg.query('SELECT account_id FROM inbound_messages WHERE to_number = $1', [number]);
    expect(stored.rows[0].account_id).toBe(accountId);
  });
});

describe('an independent SMPP implementation (Python smpplib)', () => {
  it.each(['udh', 'sar'] as const)('submits single and multipart GSM-7 and UCS-2 messages (%s) and receives their receipts', async (concat) => {
    const cred = await credential();
    const messages = [
      { from: 'Acme', to: '+447400123456', text: 'Hello from smpplib {ok} €5', registeredDelivery: true },
      { from: 'Acme', to: '+447400123456', text: `${'A long GSM-7 text split by smpplib. '.repeat(5)}[end]`, registeredDelivery: true },
      { from: 'Acme', to: '+447400123456', text: 'Привет из Python 😀', registeredDelivery: true },
      { from: 'Acme', to: '+447400123456', text: `${'Длинное сообщение на кириллице. '.repeat(3)}😀 конец`, registeredDelivery: true },
    ];
    const result = await runSmpplibPeer({ port: stack.smppGateway.port, systemId: cred.systemId, password: cred.password, messages, concat, expectReceipts: 4, timeoutSeconds: 60 });
    expect(result).toMatchObject({ bound: true, bindStatus: 0, timedOut: false });
    expect(result.submits.map((s) => [s.parts, s.dataCoding])).toEqual([
      [1, 0],
      [2, 0],
      [1, 8],
      [2, 8],
    ]);
    const ids = result.submits.map((s) => {
      for (const r of s.responses) expect(r.status).toBe(E.ESME_ROK);
      // All parts of one text carry the id of the one message they form.
      expect(new Set(s.responses.map((r) => r.messageId)).size).toBe(1);
      return s.responses[0].messageId!;
    });
    for (const [i, id] of ids.entries()) expect(await finalMessage(id)).toMatchObject({ status: 'delivered', body: messages[i].text });
    expect(result.receipts.map((r) => r.receiptedMessageId).sort()).toEqual([...ids].sort());
    expect(result.receipts.every((r) => r.messageState === 2)).toBe(true);
  });
});
