// The simulator's protocol edges and control API, over real TCP and HTTP.
import net from 'node:net';
import { connect, PDU, Session } from 'smpp';
import { startCarrierSim, CarrierSim } from './carrier-sim';

let sim: CarrierSim;
const sessions: Session[] = [];

beforeEach(async () => {
  sim = await startCarrierSim({ carriers: [{ id: 'alpha', smppPort: 0, systemId: 'alpha', password: 'pw', behaviour: { receiptDelayMs: 10 } }], controlPort: 0 });
});
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  await sim.close();
});

function open(): Promise<Session> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: sim.ports.alpha }, () => resolve(s));
    s.on('error', () => undefined);
    sessions.push(s);
  });
}
const call = (s: Session, command: string, params: Record<string, unknown> = {}) =>
  new Promise<PDU>((resolve) => ((s as unknown as Record<string, (p: Record<string, unknown>, cb: (pdu: PDU) => void) => void>)[command])(params, resolve));

it('answers submit before bind with ESME_RINVBNDSTS and an unknown command with ESME_RINVCMDID', async () => {
  const s = await open();
  expect((await call(s, 'submit_sm', { destination_addr: '1', short_message: 'x' })).command_status).toBe(0x04);
  expect((await call(s, 'query_sm', { message_id: 'x' })).command_status).toBe(0x03);
});

it('survives a malformed PDU and keeps serving other sessions', async () => {
  await new Promise<void>((resolve) => {
    const raw = net.connect(sim.ports.alpha, '127.0.0.1', () => {
      raw.write(Buffer.from([0, 0, 0, 16, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1]));
      raw.write(Buffer.from([0, 0, 0, 3]));
      setTimeout(() => (raw.destroy(), resolve()), 100);
    });
    raw.on('error', () => undefined);
  });
  const s = await open();
  expect((await call(s, 'bind_transceiver', { system_id: 'alpha', password: 'pw' })).command_status).toBe(0);
});

it('queues receipts while no receiver is bound and delivers them in order after a bind', async () => {
  const tx = await open();
  await call(tx, 'bind_transmitter', { system_id: 'alpha', password: 'pw' });
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) ids.push(String((await call(tx, 'submit_sm', { destination_addr: '14155552671', short_message: `m${i}`, registered_delivery: 1 })).message_id));
  await new Promise((r) => setTimeout(r, 100));
  expect(sim.carriers.get('alpha')!.receiptsQueued).toBe(3);

  const rx = await open();
  const got: PDU[] = [];
  rx.on('deliver_sm', (pdu: PDU) => {
    got.push(pdu);
    rx.send(pdu.response());
  });
  await call(rx, 'bind_receiver', { system_id: 'alpha', password: 'pw' });
  const deadline = Date.now() + 3000;
  while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(got.map((p) => p.receipted_message_id)).toEqual(ids);
  expect(got.every((p) => p.esm_class === 4 && p.message_state === 2)).toBe(true);
});

describe('control API', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form JSON answers in assertions
  const api = (method: string, route: string, body?: string) => fetch(`${sim.controlUrl}${route}`, { method, body }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => undefined)) as any }));

  it('changes behaviour and validates it, naming the field', async () => {
    expect((await api('PATCH', '/carriers/alpha/behaviour', '{"undelivRate":0.5}')).body.behaviour.undelivRate).toBe(0.5);
    expect(await api('PATCH', '/carriers/alpha/behaviour', '{"undelivRate":2}')).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'invalid_behaviour', field: 'undelivRate' }) } });
    expect((await api('PATCH', '/carriers/alpha/behaviour', '{"colour":"red"}')).body.error.field).toBe('colour');
    expect((await api('PATCH', '/carriers/alpha/behaviour', '{bad')).body.error.code).toBe('invalid_json');
    expect((await api('GET', '/carriers/nope')).status).toBe(404);
    expect((await api('POST', '/carriers/alpha/reset')).body.behaviour.undelivRate).toBe(0);
  });
});
