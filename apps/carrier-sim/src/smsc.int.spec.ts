// The simulated SMSC over real TCP with the npm smpp client: binds, submits, receipts and
// their store-and-forward, behaviours, and the control API's view of them.
import { connect, PDU, Session } from 'smpp';
import { parseReceiptText } from '@app/domain';
import { startCarrierSim, CarrierSim } from './carrier-sim';
import type { CarrierBehaviour } from './behaviour';
import type { Smsc, Submission } from './smsc';

const SYSTEM = { system_id: 'alpha', password: 'pw' };
let sim: CarrierSim;
let draws: number[] = [];
const sessions: Session[] = [];

/** Deterministic random source: queued values first, then 0.99 (no error, DELIVRD). */
const random = () => draws.shift() ?? 0.99;

async function start(behaviour: Partial<CarrierBehaviour> = {}): Promise<void> {
  sim = await startCarrierSim({ carriers: [{ id: 'alpha', smppPort: 0, systemId: 'alpha', password: 'pw', behaviour: { receiptDelayMs: 5, ...behaviour } }], controlPort: 0, random });
}
beforeEach(() => {
  draws = [];
});
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  await sim?.close();
});

const smsc = () => sim.carriers.get('alpha') as Smsc;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(probe: () => T | undefined | false, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

function open(): Promise<Session> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: sim.ports.alpha }, () => resolve(s));
    s.on('error', () => undefined);
    sessions.push(s);
  });
}
const call = (s: Session, command: string, params: Record<string, unknown> = {}) =>
  new Promise<PDU>((resolve) => ((s as unknown as Record<string, (p: Record<string, unknown>, cb: (pdu: PDU) => void) => void>)[command])(params, resolve));
const closed = (s: Session) => new Promise<void>((resolve) => (s.socket.destroyed ? resolve() : s.once('close', () => resolve())));

/** A bound transceiver that records receipts and answers them with `answer()` (0 = ok). */
async function receiver(kind = 'bind_transceiver', answer: (pdu: PDU) => number | null = () => 0) {
  const s = await open();
  const receipts: PDU[] = [];
  const seen: PDU[] = [];
  s.on('deliver_sm', (pdu: PDU) => {
    seen.push(pdu);
    const status = answer(pdu);
    if (status === null) return;
    if (status === 0) receipts.push(pdu);
    s.send(pdu.response({ command_status: status }));
  });
  expect((await call(s, kind, SYSTEM)).command_status).toBe(0);
  return { s, receipts, seen };
}
const submit = async (s: Session, params: Record<string, unknown> = {}) => call(s, 'submit_sm', { source_addr: 'ACME', destination_addr: '14155552671', short_message: 'Your code is 1234', registered_delivery: 1, ...params });
const textOf = (pdu: PDU) => String((pdu.short_message as { message: string }).message);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form JSON answers in assertions
const api = (method: string, route: string, body?: string) => fetch(`${sim.controlUrl}${route}`, { method, body }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: (await r.json().catch(() => undefined)) as any }));

describe('binds', () => {
  beforeEach(() => start());

  it('accepts each bind type with the right credentials and refuses wrong ones', async () => {
    for (const kind of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) expect((await call(await open(), kind, SYSTEM)).command_status).toBe(0);
    expect((await call(await open(), 'bind_transceiver', { system_id: 'alpha', password: 'nope' })).command_status).toBe(0x0e);
    expect((await call(await open(), 'bind_transceiver', { system_id: 'other', password: 'pw' })).command_status).toBe(0x0f);
    expect(smsc().counters.binds).toBe(3);
  });

  it('refuses a second bind, answers enquire_link and closes after unbind', async () => {
    const s = await open();
    expect((await call(s, 'enquire_link')).command_status).toBe(0);
    await call(s, 'bind_transceiver', SYSTEM);
    expect((await call(s, 'bind_transceiver', SYSTEM)).command_status).toBe(0x05);
    expect((await call(s, 'enquire_link')).command_status).toBe(0);
    expect((await call(s, 'unbind')).command_status).toBe(0);
    await closed(s);
  });

  it('refuses submit_sm on a receiver bind', async () => {
    const s = await open();
    await call(s, 'bind_receiver', SYSTEM);
    expect((await submit(s)).command_status).toBe(0x04);
  });
});

describe('submit and receipt', () => {
  it('answers with a carrier message id and sends the standard receipt with its TLVs', async () => {
    await start();
    const { s, receipts } = await receiver();
    const resp = await submit(s);
    expect(resp.command_status).toBe(0);
    expect(resp.message_id).toMatch(/^[0-9a-f]{16}$/);
    const [receipt] = await until(() => receipts.length === 1 && receipts);
    expect(receipt).toMatchObject({ esm_class: 4, source_addr: '14155552671', destination_addr: 'ACME', receipted_message_id: resp.message_id, message_state: 2 });
    expect(parseReceiptText(textOf(receipt))).toMatchObject({ id: resp.message_id, sub: 1, dlvrd: 1, stat: 'DELIVRD', err: '000', text: 'Your code is 1234' });
    await until(() => smsc().counters.receiptsSent === 1);
    expect(smsc().counters).toMatchObject({ submits: 1, submitErrors: 0 });
    expect(smsc().receiptsQueued).toBe(0);
  });

  it('gives every submit its own id and no receipt without registered_delivery', async () => {
    await start();
    const { s, receipts } = await receiver();
    const ids = new Set<unknown>();
    for (let i = 0; i < 50; i += 1) ids.add((await submit(s, { registered_delivery: 0 })).message_id);
    expect(ids.size).toBe(50);
    await sleep(50);
    expect(receipts).toHaveLength(0);
  });

  it('answers submit errors and throttling per the drawn rates', async () => {
    await start({ submitErrorRate: 1 });
    const { s } = await receiver();
    const failed = await submit(s);
    expect(failed.command_status).toBe(0x08);
    expect(failed.message_id).toBeUndefined();
    smsc().setBehaviour({ submitErrorRate: 0.5, submitErrorStatus: 0x45 });
    draws = [0.99, 0.2]; // throttle draw misses, error draw hits
    expect((await submit(s)).command_status).toBe(0x45);
    smsc().setBehaviour({ submitErrorRate: 0, throttleRate: 1 });
    expect((await submit(s)).command_status).toBe(0x58);
    expect(smsc().counters).toMatchObject({ submits: 3, submitErrors: 3 });
    expect(smsc().submissions.map((r) => r.outcome)).toEqual(['error 0x8', 'error 0x45', 'error 0x58']);
  });

  it('reports UNDELIV, REJECTD and EXPIRED with their message_state and a non-zero err for UNDELIV', async () => {
    await start({ undelivRate: 0.25, rejectdRate: 0.25, expiredRate: 0.25 });
    const { s, receipts } = await receiver();
    // Per submit: throttle draw, error draw, outcome draw.
    draws = [0.99, 0.99, 0.1, 0.99, 0.99, 0.3, 0.99, 0.99, 0.6, 0.99, 0.99, 0.9];
    for (let i = 0; i < 4; i += 1) await submit(s);
    await until(() => receipts.length === 4);
    const got = receipts.map((p) => ({ state: p.message_state, ...parseReceiptText(textOf(p)) }));
    expect(got.map((r) => [r.stat, r.state, r.dlvrd])).toEqual([
      ['UNDELIV', 5, 0],
      ['REJECTD', 8, 0],
      ['EXPIRED', 3, 0],
      ['DELIVRD', 2, 1],
    ]);
    expect(got[0].err).toBe('032');
    smsc().setBehaviour({ undelivRate: 1, rejectdRate: 0, expiredRate: 0, receiptErrorCode: '001' });
    await submit(s);
    await until(() => receipts.length === 5);
    expect(parseReceiptText(textOf(receipts[4]))).toMatchObject({ stat: 'UNDELIV', err: '001' });
  });

  it('sends no receipt when receipts are disabled', async () => {
    await start({ receiptsEnabled: false });
    const { s, receipts } = await receiver();
    expect((await submit(s)).command_status).toBe(0);
    await sleep(100);
    expect(receipts).toHaveLength(0);
    expect(smsc().receiptsQueued).toBe(0);
  });

  it('delays submit_sm_resp by submitLatencyMs', async () => {
    await start({ submitLatencyMs: 80 });
    const { s } = await receiver();
    const started = Date.now();
    await submit(s);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });

  it('decodes the text by data_coding and reads message_payload', async () => {
    await start();
    const { s } = await receiver();
    await submit(s, { short_message: 'Grüße €', data_coding: 8 });
    await submit(s, { short_message: 'café', data_coding: 3 });
    await submit(s, { short_message: 'Hello @ £', data_coding: 0 });
    // Not `short_message: undefined`: the library's encoder throws on an undefined text.
    await call(s, 'submit_sm', { destination_addr: '1', message_payload: 'A long text in the payload TLV', data_coding: 0 });
    await submit(s, { short_message: Buffer.from([0xde, 0xad]), data_coding: 4 });
    await submit(s, { short_message: { udh: Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]), message: 'part one' }, data_coding: 0 });
    expect(smsc().submissions.map((r) => [r.text, r.dataCoding])).toEqual([
      ['Grüße €', 8],
      ['café', 3],
      ['Hello @ £', 0],
      ['A long text in the payload TLV', 0],
      ['dead', 4],
      ['part one', 0],
    ]);
    expect(smsc().submissions[5]).toMatchObject({ udh: '0500032a0201', esmClass: 0x40 });
  });
});

describe('store and forward', () => {
  it('keeps receipts while a receiver is away and delivers them in order after it binds again', async () => {
    await start();
    const tx = await open();
    await call(tx, 'bind_transmitter', SYSTEM);
    const ids: unknown[] = [];
    for (let i = 0; i < 25; i += 1) ids.push((await submit(tx, { short_message: `m${i}` })).message_id);
    await until(() => smsc().receiptsQueued === 25);
    const { receipts } = await receiver('bind_receiver');
    await until(() => receipts.length === 25);
    expect(receipts.map((p) => p.receipted_message_id)).toEqual(ids);
    await until(() => smsc().receiptsQueued === 0); // counted once our answers reach it
  });

  it('tries again after the ESME refuses a receipt, and after a receiver drops without answering', async () => {
    await start();
    const tx = await open();
    await call(tx, 'bind_transmitter', SYSTEM);
    let refuse = true;
    const first = await receiver('bind_receiver', () => (refuse ? 0x64 : 0)); // ESME_RX_T_APPN
    const a = (await submit(tx)).message_id;
    await until(() => smsc().submissions.length === 1);
    await sleep(100);
    expect(first.receipts).toHaveLength(0);
    expect(smsc().receiptsQueued).toBe(1);
    refuse = false;
    await until(() => first.receipts.length === 1, 3000); // after the retry pause
    expect(first.receipts[0].receipted_message_id).toBe(a);

    // A receiver that never answers, then disappears: its receipts go to the next bind.
    first.s.destroy();
    await closed(first.s);
    const silent = await receiver('bind_receiver', () => null);
    const more: unknown[] = [];
    for (let i = 0; i < 3; i += 1) more.push((await submit(tx)).message_id);
    await until(() => smsc().receiptsQueued === 3 && smsc().submissions.length === 4);
    await until(() => silent.seen.length === 3); // sent, never answered
    silent.s.destroy();
    await closed(silent.s);
    const next = await receiver('bind_receiver');
    await until(() => next.receipts.length === 3, 1000);
    expect(next.receipts.map((p) => p.receipted_message_id)).toEqual(more);
    await until(() => smsc().counters.receiptsSent === 4);
  });

  it('keeps up with a burst: 2,000 receipts through the window, in order', async () => {
    await start({ receiptDelayMs: 0 });
    const { s, receipts } = await receiver();
    const ids = await Promise.all(Array.from({ length: 2000 }, () => submit(s).then((r) => r.message_id)));
    await until(() => receipts.length === 2000, 5000);
    expect(new Set(receipts.map((p) => p.receipted_message_id)).size).toBe(2000);
    expect(receipts.map((p) => p.receipted_message_id)).toEqual(ids);
  });
});

describe('down', () => {
  it('drops sessions and refuses binds while down, keeps receipts, and recovers', async () => {
    await start({ receiptDelayMs: 20 });
    const { s } = await receiver();
    await submit(s);
    await api('PATCH', '/carriers/alpha/behaviour', '{"down":true}');
    await closed(s);
    const refused = await open();
    expect((await call(refused, 'bind_transceiver', SYSTEM)).command_status).toBe(0x0d);
    await closed(refused);
    await until(() => smsc().receiptsQueued === 1);

    expect((await api('PATCH', '/carriers/alpha/behaviour', '{"down":false}')).body.behaviour.down).toBe(false);
    const back = await receiver();
    await until(() => back.receipts.length === 1);
    expect((await submit(back.s)).command_status).toBe(0);
  });
});

describe('control API', () => {
  beforeEach(() => start());

  it('shows health, carriers, counters and the submissions record', async () => {
    expect(await api('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const { s } = await receiver();
    const before = performance.timeOrigin + performance.now();
    const id = (await submit(s)).message_id; // the library picks data_coding 1 for GSM-only text
    await until(() => smsc().counters.receiptsSent === 1);
    const list = await api('GET', '/carriers');
    expect(list.status).toBe(200);
    expect(list.type).toContain('application/json');
    expect(list.body).toEqual([
      expect.objectContaining({ id: 'alpha', smppPort: sim.ports.alpha, behaviour: expect.objectContaining({ receiptDelayMs: 5 }), counters: { binds: 1, submits: 1, submitErrors: 0, receiptsSent: 1, receiptsQueued: 0 } }),
    ]);
    expect((await api('GET', '/carriers/alpha')).body.id).toBe('alpha');
    const records = (await api('GET', '/carriers/alpha/submissions')).body as Submission[];
    expect(records).toEqual([{ carrierMessageId: id, source: 'ACME', destination: '14155552671', text: 'Your code is 1234', dataCoding: 1, esmClass: 0, registeredDelivery: 1, receivedAt: expect.any(Number), outcome: 'DELIVRD' }]);
    expect(records[0].receivedAt).toBeGreaterThanOrEqual(before);
    expect(records[0].receivedAt % 1).not.toBe(0); // sub-millisecond precision
    expect((await api('DELETE', '/carriers/alpha/submissions')).status).toBe(204);
    expect((await api('GET', '/carriers/alpha/submissions')).body).toEqual([]);
  });

  it.each([
    ['{"submitErrorRate":-0.1}', 'submitErrorRate'],
    ['{"expiredRate":"0.5"}', 'expiredRate'],
    ['{"receiptDelayMs":-1}', 'receiptDelayMs'],
    ['{"submitLatencyMs":1.5}', 'submitLatencyMs'],
    ['{"down":"yes"}', 'down'],
    ['{"receiptsEnabled":1}', 'receiptsEnabled'],
    ['{"submitErrorStatus":0}', 'submitErrorStatus'],
    ['{"throttleStatusRate":7}', 'throttleStatusRate'],
    ['{"receiptErrorCode":"1"}', 'receiptErrorCode'],
    ['{"undelivRate":0.6,"rejectdRate":0.6}', 'undelivRate'],
  ])('refuses behaviour %s naming %s', async (body, field) => {
    const answer = await api('PATCH', '/carriers/alpha/behaviour', body);
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_behaviour', field, message: expect.any(String) } } });
    expect(smsc().behaviour.submitErrorRate).toBe(0);
  });

  it('applies a partial update, takes throttleStatusRate as throttleRate, resets, and answers unknown routes with JSON', async () => {
    const patched = await api('PATCH', '/carriers/alpha/behaviour', '{"throttleStatusRate":0.25,"receiptDelayMs":50}');
    expect(patched.body.behaviour).toMatchObject({ throttleRate: 0.25, receiptDelayMs: 50, submitErrorRate: 0, down: false });
    const reset = await api('POST', '/carriers/alpha/reset');
    expect(reset.body.behaviour).toMatchObject({ throttleRate: 0, receiptDelayMs: 5 });
    expect(await api('GET', '/nowhere')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await api('GET', '/carriers/alpha/nothing')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await api('PATCH', '/carriers/nope/behaviour', '{}')).toMatchObject({ status: 404, body: { error: { code: 'carrier_not_found' } } });
    expect(await api('PATCH', '/carriers/alpha/behaviour', '[1,2')).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
  });
});
