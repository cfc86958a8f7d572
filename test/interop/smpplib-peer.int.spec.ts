// Interop: smpplib (Python, PyPI 2.2.4) as the ESME against carrier-sim's SMSC, run as the real
// process from dist/ (npm run build first; node scripts/setup.js --test installs smpplib).
// Proves the peer that the SMPP gateway's end-to-end tests rely on: GSM-7 and UCS-2, single and
// concatenated (UDH and SAR), one receipt per submit_sm with the TLVs, MO messages and bind refusal.
import path from 'node:path';
import { freePort } from '@app/config';
import { ManagedProcess } from '../../apps/launcher/src/managed-process';
import { runSmpplibPeer, SmpplibMessage } from '../support/smpplib-peer';

const ROOT = path.resolve(__dirname, '../..');
const SIM_SCRIPT = path.join(ROOT, 'dist', 'apps', 'carrier-sim', 'src', 'main.js');

let sim: ManagedProcess;
let controlUrl: string;
let smppPort: number;

async function waitForHealth(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`carrier-sim did not answer on ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function simCall<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${controlUrl}${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`carrier-sim ${method} ${route}: HTTP ${res.status} ${await res.text()}`);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

beforeAll(async () => {
  smppPort = await freePort();
  const controlPort = await freePort();
  controlUrl = `http://127.0.0.1:${controlPort}`;
  sim = new ManagedProcess({
    name: 'carrier-sim',
    script: SIM_SCRIPT,
    env: {
      LOG_LEVEL: 'warn',
      CARRIER_SIM_CONTROL_PORT: String(controlPort),
      CARRIER_SIM_CARRIERS: JSON.stringify([{ id: 'alpha', smppPort, systemId: 'alpha', password: 'alpha-pw', behaviour: { receiptDelayMs: 50 } }]),
      CARRIER_SIM_HTTP_CARRIERS: '[]',
    },
    ready: () => waitForHealth(controlUrl),
  });
  await sim.start();
});

afterAll(async () => {
  await sim?.stop();
});

beforeEach(async () => {
  await simCall('POST', '/carriers/alpha/reset');
});

const TO = '+447700900123';
const GSM_SHORT = 'Hello from smpplib @ 5€!';
const GSM_LONG = 'The quick brown fox jumps over the lazy dog. '.repeat(5).slice(0, 200);
const UCS2_SHORT = 'Привет, мир!';
const UCS2_LONG = 'Съешь же ещё этих мягких французских булок, да выпей чаю. '.repeat(2).slice(0, 100) + '😀';
const MESSAGES: SmpplibMessage[] = [GSM_SHORT, GSM_LONG, UCS2_SHORT, UCS2_LONG].map((text) => ({ from: 'ACME', to: TO, text, registeredDelivery: true }));

interface Submission {
  carrierMessageId: string | null;
  source: string;
  destination: string;
  text: string;
  udh?: string;
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
}

describe.each(['udh', 'sar'] as const)('smpplib ESME against carrier-sim (concat %s)', (concat) => {
  it('submits GSM-7 and UCS-2, single and two-part, and gets one DELIVRD receipt per part', async () => {
    const result = await runSmpplibPeer({ port: smppPort, systemId: 'alpha', password: 'alpha-pw', messages: MESSAGES, concat, expectReceipts: 6, timeoutSeconds: 30 });

    expect(result).toMatchObject({ bound: true, bindStatus: 0, timedOut: false, unbound: true, inbound: [] });
    expect(result.submits.map((s) => [s.text, s.parts, s.dataCoding])).toEqual([
      [GSM_SHORT, 1, 0],
      [GSM_LONG, 2, 0],
      [UCS2_SHORT, 1, 8],
      [UCS2_LONG, 2, 8],
    ]);
    expect(result.submits.map((s) => s.esmClass)).toEqual(concat === 'udh' ? [0, 0x40, 0, 0x40] : [0, 0, 0, 0]);
    const responses = result.submits.flatMap((s) => s.responses);
    expect(responses).toHaveLength(6);
    for (const r of responses) expect(r).toEqual({ status: 0, messageId: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const ids = responses.map((r) => r.messageId);
    expect(result.receipts).toHaveLength(6);
    expect(result.receipts.map((r) => r.receiptedMessageId).sort()).toEqual([...ids].sort());
    for (const receipt of result.receipts) {
      expect(receipt).toMatchObject({ messageState: 2, esmClass: 0x04, sourceAddr: '447700900123', destinationAddr: 'ACME', fromTlv: { receiptedMessageId: true, messageState: true } });
      expect(receipt.text).toContain(`id:${receipt.receiptedMessageId} `);
      expect(receipt.text).toContain('stat:DELIVRD');
    }

    // What the SMSC decoded: addresses without '+', the texts back together, the concatenation.
    const submissions = await simCall<Submission[]>('GET', '/carriers/alpha/submissions');
    expect(submissions).toHaveLength(6);
    for (const s of submissions) expect(s).toMatchObject({ source: 'ACME', destination: '447700900123', registeredDelivery: 1 });
    expect(submissions.map((s) => s.carrierMessageId)).toEqual(ids);
    expect(submissions.map((s) => s.dataCoding)).toEqual([0, 0, 0, 8, 8, 8]);
    const join = (from: number, to: number) => submissions.slice(from, to).map((s) => s.text).join('');
    expect([join(0, 1), join(1, 3), join(3, 4), join(4, 6)]).toEqual([GSM_SHORT, GSM_LONG, UCS2_SHORT, UCS2_LONG]);
    if (concat === 'udh') {
      const [a, b] = [submissions[1].udh, submissions[2].udh];
      expect(a).toMatch(/^050003[0-9a-f]{2}0201$/);
      expect(b).toBe(`${a!.slice(0, 8)}0202`);
    } else {
      for (const s of submissions) expect(s.udh).toBeUndefined();
    }
  });
});

it('reports a refused bind with its command_status and exits 0', async () => {
  const result = await runSmpplibPeer({ port: smppPort, systemId: 'alpha', password: 'wrong', timeoutSeconds: 10 });
  expect(result).toMatchObject({ bound: false, bindStatus: 0x0e, submits: [], receipts: [] });
});

it('collects mobile-originated messages on a receiver bind', async () => {
  await simCall('POST', '/carriers/alpha/inbound', { from: '+447700900999', to: '+447700900111', text: 'Reply YES' });
  await simCall('POST', '/carriers/alpha/inbound', { from: '+447700900999', to: '+447700900111', text: 'Ответ 👍' });
  const result = await runSmpplibPeer({ port: smppPort, systemId: 'alpha', password: 'alpha-pw', bind: 'receiver', expectInbound: 2, timeoutSeconds: 15 });
  expect(result.timedOut).toBe(false);
  expect(result.inbound).toEqual([
    { from: '447700900999', to: '447700900111', text: 'Reply YES', dataCoding: 0, parts: 1 },
    { from: '447700900999', to: '447700900111', text: 'Ответ 👍', dataCoding: 8, parts: 1 },
  ]);
});

it('rejects with the error when nothing listens', async () => {
  await expect(runSmpplibPeer({ port: await freePort(), systemId: 'alpha', password: 'alpha-pw', timeoutSeconds: 5 })).rejects.toThrow(/exited with 2: .*cannot connect/);
});
