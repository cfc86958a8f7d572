// The SMPP connector over real TCP against the carrier simulator.
import { startCarrierSim, CarrierSim } from '../../../../apps/carrier-sim/src/carrier-sim';
import type { InboundReceipt } from '../carrier-connector';
import { CarrierSubmitError } from '../carrier-submit-error';
import { SmppConnector } from './smpp-connector';

let sim: CarrierSim;
const connectors: SmppConnector[] = [];

beforeEach(async () => {
  sim = await startCarrierSim({ carriers: [{ id: 'alpha', smppPort: 0, systemId: 'alpha', password: 'pw', behaviour: { receiptDelayMs: 20 } }], controlPort: 0 });
});

afterEach(async () => {
  await Promise.all(connectors.splice(0).map((c) => c.close()));
  await sim.close();
});

function connector(overrides: Partial<ConstructorParameters<typeof SmppConnector>[0]> = {}): SmppConnector {
  const c = new SmppConnector({ carrierId: 'alpha', host: '127.0.0.1', port: sim.ports.alpha, systemId: 'alpha', password: 'pw', reconnect: { minMs: 50, maxMs: 200 }, submitTimeoutMs: 2000, ...overrides });
  connectors.push(c);
  return c;
}

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const sms = (body: string) => ({ messageId: 'm1', from: 'Acme', to: '+14155552671', body, registeredDelivery: true });

it('binds, submits and hands the receipt to the handler before acknowledging it', async () => {
  const c = connector();
  const receipts: InboundReceipt[] = [];
  c.onReceipt(async (r) => {
    receipts.push(r);
  });
  c.start();
  await until(() => c.status().state === 'bound');
  const { carrierMessageId } = await c.submit(sms('Price 5€ [ok]'));
  await until(() => receipts.length === 1);
  expect(receipts[0]).toMatchObject({ carrierId: 'alpha', carrierMessageId, state: 'DELIVRD', errorCode: '000' });
  expect(receipts[0].rawText).toContain(`id:${carrierMessageId}`);
  const smsc = sim.carriers.get('alpha')!;
  expect(smsc.submissions[0]).toMatchObject({ text: 'Price 5€ [ok]', dataCoding: 0, source: 'Acme', destination: '14155552671' });
  // Counted when the simulator gets our deliver_sm_resp, which follows the handler.
  await until(() => smsc.counters.receiptsSent === 1);
});

it('does not acknowledge a receipt its handler failed on; the carrier delivers it again', async () => {
  const c = connector();
  let calls = 0;
  c.onReceipt(async () => {
    calls += 1;
    if (calls === 1) throw new Error('database down');
  });
  c.start();
  await until(() => c.status().state === 'bound');
  await c.submit(sms('retry me'));
  await until(() => calls === 2, 5000);
  // One receipt, sent once it was finally acknowledged (the simulator counts on deliver_sm_resp).
  await until(() => sim.carriers.get('alpha')!.counters.receiptsSent === 1);
  expect(sim.carriers.get('alpha')!.receiptsQueued).toBe(0);
});

it('sends UCS-2 as data_coding 8 and long text in message_payload', async () => {
  const c = connector();
  c.onReceipt(async () => undefined);
  c.start();
  const long = 'Ж'.repeat(100);
  await c.submit(sms(long));
  await c.submit(sms('x'.repeat(400)));
  const [first, second] = sim.carriers.get('alpha')!.submissions;
  expect(first).toMatchObject({ text: long, dataCoding: 8 });
  expect(second).toMatchObject({ text: 'x'.repeat(400), dataCoding: 0 });
});

it('classifies carrier answers with the shared taxonomy', async () => {
  const c = connector();
  c.start();
  sim.carriers.get('alpha')!.setBehaviour({ submitErrorRate: 1, submitErrorStatus: 0x0b });
  await expect(c.submit(sms('a'))).rejects.toMatchObject({ error: { code: 'invalid_destination', class: 'permanent', rawCode: 'ESME_RINVDSTADR (0x0000000b)' } });
  sim.carriers.get('alpha')!.setBehaviour({ submitErrorRate: 0, throttleRate: 1 });
  await expect(c.submit(sms('b'))).rejects.toMatchObject({ error: { code: 'carrier_throttled', class: 'retry_same_carrier' } });
});

it('keeps at most `window` submits outstanding', async () => {
  const c = connector({ window: 4 });
  c.start();
  sim.carriers.get('alpha')!.setBehaviour({ submitLatencyMs: 100, receiptsEnabled: false });
  let maxOutstanding = 0;
  const watcher = setInterval(() => (maxOutstanding = Math.max(maxOutstanding, c.status().outstanding)), 5);
  const started = Date.now();
  await Promise.all(Array.from({ length: 12 }, (_, i) => c.submit(sms(`w${i}`))));
  clearInterval(watcher);
  expect(maxOutstanding).toBe(4);
  expect(Date.now() - started).toBeGreaterThanOrEqual(300); // three rounds of four
});

it('goes down when the carrier drops it, fails submits as unavailable, and rebinds on recovery', async () => {
  const c = connector({ submitTimeoutMs: 300 });
  c.start();
  await until(() => c.status().state === 'bound');
  sim.carriers.get('alpha')!.setBehaviour({ down: true });
  await until(() => c.status().state !== 'bound');
  const err = await c.submit(sms('while down')).catch((e) => e);
  expect(err).toBeInstanceOf(CarrierSubmitError);
  expect(err.error.code).toBe('carrier_unavailable');
  await until(() => /ESME_RBINDFAIL/.test(c.status().lastError ?? ''));
  sim.carriers.get('alpha')!.setBehaviour({ down: false });
  await until(() => c.status().state === 'bound', 5000);
  await expect(c.submit(sms('back'))).resolves.toHaveProperty('carrierMessageId');
});

it('reports a wrong password as a refused bind', async () => {
  const c = connector({ password: 'wrong' });
  c.start();
  await until(() => /ESME_RINVPASWD/.test(c.status().lastError ?? ''));
  expect(c.status().state).not.toBe('bound');
});
