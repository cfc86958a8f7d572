// The SMPP connector over real TCP against a small SMSC built here with the smpp library's server.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo, createServer as createTcpServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createServer, PDU, Server, Session } from 'smpp';
import type { InboundMessage, InboundReceipt, OutboundSms } from '../carrier-connector';
import { CarrierSubmitError } from '../carrier-submit-error';
import { SmppConnector, SmppConnectorOptions } from './smpp.connector';
import { makeTestCertificates, TestCertificates } from '../../../../test/support/tls';

interface ReceivedSubmit {
  text: string;
  dataCoding: number;
  viaPayload: boolean;
  shortMessageText: string;
  esmClass: number;
  /** The concatenation UDH as hex (length octet included), when esm_class has UDHI. */
  udh?: string;
  sar?: { reference: number; total: number; sequence: number };
  source: { addr: string; ton: number; npi: number };
  destination: { addr: string; ton: number; npi: number };
  registeredDelivery: number;
}

/** An SMSC that binds one password, answers submit_sm as told and sends deliver_sm on demand. */
class TestSmsc {
  private server?: Server;
  port = 0;
  readonly submits: ReceivedSubmit[] = [];
  binds = 0;
  unbinds = 0;
  outstanding = 0;
  maxOutstanding = 0;
  behaviour = { password: 'pw', submitDelayMs: 0, submitStatus: 0, holdSubmits: false, answerEnquireLink: true };
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 1;

  async listen(port = 0, tls?: { cert: Buffer; key: Buffer }): Promise<void> {
    const server = createServer(tls ? { cert: tls.cert, key: tls.key } : {}, (session) => this.accept(session));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
  }

  /** Like a crash: every connection reset, held submit_sm never answered, nothing listening. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.outstanding = 0;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of [...server.sessions]) session.destroy();
    await closed;
  }

  get session(): Session {
    const session = this.server?.sessions[0];
    if (!session) throw new Error('no ESME connected');
    return session;
  }

  /** Sends a deliver_sm to the connected ESME; resolves with its deliver_sm_resp. */
  deliver(params: Record<string, unknown>): Promise<PDU> {
    return new Promise((resolve, reject) => {
      if (!this.session.deliver_sm({ data_coding: 0, ...params }, resolve)) reject(new Error('not writable'));
    });
  }

  private accept(session: Session): void {
    session.on('error', () => undefined);
    session.on('bind_transceiver', (pdu: PDU) => {
      this.binds += 1;
      session.send(pdu.response({ command_status: pdu.password === this.behaviour.password ? 0 : 0x0e, system_id: 'test-smsc' }));
    });
    session.on('enquire_link', (pdu: PDU) => {
      if (this.behaviour.answerEnquireLink) session.send(pdu.response());
    });
    session.on('unbind', (pdu: PDU) => {
      this.unbinds += 1;
      session.send(pdu.response());
      session.close();
    });
    session.on('submit_sm', (pdu: PDU) => {
      const payload = pdu.message_payload as { message: string } | undefined;
      const shortMessage = pdu.short_message as { message: string; udh?: Buffer[] };
      const udh = shortMessage.udh?.length ? Buffer.concat(shortMessage.udh) : undefined;
      this.submits.push({
        text: payload?.message ?? shortMessage.message,
        dataCoding: pdu.data_coding as number,
        viaPayload: payload !== undefined,
        shortMessageText: shortMessage.message,
        esmClass: pdu.esm_class as number,
        udh: udh ? Buffer.concat([Buffer.from([udh.length]), udh]).toString('hex') : undefined,
        sar: pdu.sar_total_segments !== undefined ? { reference: pdu.sar_msg_ref_num as number, total: pdu.sar_total_segments as number, sequence: pdu.sar_segment_seqnum as number } : undefined,
        source: { addr: pdu.source_addr as string, ton: pdu.source_addr_ton as number, npi: pdu.source_addr_npi as number },
        destination: { addr: pdu.destination_addr as string, ton: pdu.dest_addr_ton as number, npi: pdu.dest_addr_npi as number },
        registeredDelivery: pdu.registered_delivery as number,
      });
      this.outstanding += 1;
      this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
      if (this.behaviour.holdSubmits) return;
      const { submitStatus } = this.behaviour;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.outstanding -= 1;
        session.send(pdu.response(submitStatus ? { command_status: submitStatus } : { message_id: `smsc-${this.nextId++}` }));
      }, this.behaviour.submitDelayMs);
      this.timers.add(timer);
    });
  }
}

let smsc: TestSmsc;
const connectors: SmppConnector[] = [];

beforeEach(async () => {
  smsc = new TestSmsc();
  await smsc.listen();
});

afterEach(async () => {
  await Promise.all(connectors.splice(0).map((c) => c.close()));
  await smsc.kill();
});

function connector(overrides: Partial<SmppConnectorOptions> = {}): SmppConnector {
  const c = new SmppConnector({
    carrierId: 'alpha',
    host: '127.0.0.1',
    port: smsc.port,
    systemId: 'esme',
    password: 'pw',
    reconnect: { minMs: 20, maxMs: 100 },
    submitTimeoutMs: 2000,
    bindTimeoutMs: 1000,
    ...overrides,
  });
  connectors.push(c);
  return c;
}

async function bound(overrides: Partial<SmppConnectorOptions> = {}): Promise<SmppConnector> {
  const c = connector(overrides);
  c.start();
  await until(() => c.status().state === 'bound');
  return c;
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sms = (body: string, over: Partial<OutboundSms> = {}): OutboundSms => ({ messageId: 'm1', from: 'Acme', to: '+14155552671', body, registeredDelivery: true, ...over });

/** A pino logger whose lines land in `lines`. */
function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('submit', () => {
  it('binds and returns the message_id of the submit_sm_resp', async () => {
    const c = await bound();
    expect(c.status()).toMatchObject({ carrierId: 'alpha', state: 'bound', outstanding: 0, queued: 0 });
    await expect(c.submit(sms('hello'))).resolves.toEqual({ carrierMessageId: 'smsc-1' });
    expect(smsc.submits[0]).toMatchObject({
      source: { addr: 'Acme', ton: 5, npi: 0 },
      destination: { addr: '14155552671', ton: 1, npi: 1 },
      registeredDelivery: 1,
    });
    await c.submit(sms('no receipt', { from: '12345', registeredDelivery: false }));
    expect(smsc.submits[1]).toMatchObject({ source: { addr: '12345', ton: 3, npi: 0 }, registeredDelivery: 0 });
  });

  it('sends GSM-7 text as data_coding 0 with €, £ and the extension table intact', async () => {
    const c = await bound();
    const text = 'Price 5€, £3 [ok] {x} ~^|\\ @ΩßÑ_$¥';
    await c.submit(sms(text));
    expect(smsc.submits[0]).toMatchObject({ text, dataCoding: 0, viaPayload: false });
  });

  it('sends other text as UCS-2 (data_coding 8), emoji included', async () => {
    const c = await bound();
    const text = 'Привет, мир! 👋🏽 ✓';
    await c.submit(sms(text));
    expect(smsc.submits[0]).toMatchObject({ text, dataCoding: 8, viaPayload: false });
  });

  it('sends a text longer than one segment as UDH-concatenated parts and returns every part id', async () => {
    const c = await bound();
    const gsm = 'x€'.repeat(100); // 300 septets: 51 "x€" (153 septets) + 49
    const accepted = await c.submit(sms(gsm));
    expect(accepted.partIds).toHaveLength(2);
    expect(accepted.carrierMessageId).toBe(accepted.partIds![0]);
    expect(new Set(accepted.partIds).size).toBe(2);
    const [first, second] = smsc.submits;
    expect(first).toMatchObject({ dataCoding: 0, esmClass: 0x40, viaPayload: false, text: 'x€'.repeat(51) });
    expect(second).toMatchObject({ dataCoding: 0, esmClass: 0x40, text: 'x€'.repeat(49) });
    const reference = first.udh!.slice(6, 8);
    expect(first.udh).toBe(`050003${reference}0201`);
    expect(second.udh).toBe(`050003${reference}0202`);
  });

  it('concatenates with a 16-bit reference, SAR TLVs or message_payload as the carrier is set up', async () => {
    const ucs2 = 'Ж'.repeat(71);
    const udh16 = await bound({ concatenation: 'udh16' });
    await udh16.submit(sms(ucs2));
    expect(smsc.submits.map((s) => s.udh?.slice(0, 6))).toEqual(['060804', '060804']);
    expect(smsc.submits.map((s) => s.text.length)).toEqual([66, 5]);
    await udh16.close();
    smsc.submits.length = 0;

    const sar = await bound({ concatenation: 'sar' });
    await sar.submit(sms(ucs2));
    expect(smsc.submits.map((s) => [s.sar?.total, s.sar?.sequence, s.text.length, s.esmClass])).toEqual([
      [2, 1, 67, 0],
      [2, 2, 4, 0],
    ]);
    expect(smsc.submits[0].sar!.reference).toBe(smsc.submits[1].sar!.reference);
    await sar.close();
    smsc.submits.length = 0;

    const payload = await bound({ concatenation: 'payload' });
    const accepted = await payload.submit(sms(ucs2));
    expect(accepted.partIds).toBeUndefined();
    expect(smsc.submits).toEqual([expect.objectContaining({ text: ucs2, dataCoding: 8, viaPayload: true, shortMessageText: '' })]);
  });

  it('classifies throttled, unavailable and rejected answers', async () => {
    const c = await bound();
    const answer = async (status: number) => {
      smsc.behaviour.submitStatus = status;
      return c.submit(sms('x')).catch((err: unknown) => err);
    };
    const throttled = await answer(0x58);
    expect(throttled).toBeInstanceOf(CarrierSubmitError);
    expect(throttled).toMatchObject({ kind: 'throttled', commandStatus: 0x58, commandStatusName: 'ESME_RTHROTTLED', error: { code: 'carrier_throttled' } });
    expect(await answer(0x14)).toMatchObject({ kind: 'throttled', commandStatusName: 'ESME_RMSGQFUL' });
    expect(await answer(0x08)).toMatchObject({ kind: 'unavailable', commandStatusName: 'ESME_RSYSERR', error: { class: 'retry_same_carrier' } });
    expect(await answer(0x0b)).toMatchObject({
      kind: 'rejected',
      commandStatus: 0x0b,
      error: { code: 'invalid_destination', class: 'permanent', rawCode: 'ESME_RINVDSTADR (0x0000000b)' },
    });
    expect(await answer(0x0a)).toMatchObject({ kind: 'rejected', error: { code: 'invalid_sender' } });
    expect(await answer(0x400)).toMatchObject({ kind: 'rejected', commandStatus: 0x400, error: { code: 'carrier_rejected', rawCode: '0x00000400' } });
    expect(c.status().state).toBe('bound');
  });

  it('paces submits to maxTps, evenly spaced', async () => {
    const c = await bound({ window: 10 });
    c.setMaxTps(20);
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit(sms(`p${i}`))));
    // Ten submits 50 ms apart: the last leaves 450 ms after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(440);
    c.setMaxTps(null);
    const fast = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit(sms(`f${i}`))));
    expect(Date.now() - fast).toBeLessThan(300);
  });

  it('pauses sending after ESME_RTHROTTLED instead of hammering the carrier', async () => {
    const c = await bound();
    smsc.behaviour.submitStatus = 0x58;
    await expect(c.submit(sms('t1'))).rejects.toMatchObject({ kind: 'throttled' });
    smsc.behaviour.submitStatus = 0;
    const started = Date.now();
    await c.submit(sms('t2'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(450); // the first pause is 500 ms
  });

  it('keeps at most `window` submit_sm outstanding at the SMSC and queues the rest in order', async () => {
    const c = await bound({ window: 3 });
    smsc.behaviour.submitDelayMs = 40;
    let maxOutstanding = 0;
    let maxQueued = 0;
    const watcher = setInterval(() => {
      maxOutstanding = Math.max(maxOutstanding, c.status().outstanding);
      maxQueued = Math.max(maxQueued, c.status().queued);
    }, 2);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit(sms(`w${i}`))));
    clearInterval(watcher);
    expect(smsc.maxOutstanding).toBe(3);
    expect(maxOutstanding).toBeLessThanOrEqual(3);
    expect(maxQueued).toBeGreaterThan(0);
    expect(smsc.submits.map((s) => s.text)).toEqual(Array.from({ length: 10 }, (_, i) => `w${i}`));
    expect(new Set(results.map((r) => r.carrierMessageId)).size).toBe(10);
    expect(c.status()).toMatchObject({ outstanding: 0, queued: 0 });
  });

  it('fails a submit nobody answers after submitTimeoutMs without giving its window slot to another', async () => {
    const c = await bound({ window: 1, submitTimeoutMs: 150 });
    smsc.behaviour.holdSubmits = true;
    const first = c.submit(sms('held'));
    const second = c.submit(sms('behind'));
    await expect(first).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('no submit_sm_resp') });
    await expect(second).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('window of 1 full') });
    expect(smsc.submits).toHaveLength(1);
  });
});

describe('link', () => {
  it('fails a submit while the carrier is unreachable after submitTimeoutMs', async () => {
    await smsc.kill();
    const c = connector({ submitTimeoutMs: 200 });
    c.start();
    const started = Date.now();
    const err = await c.submit(sms('nowhere')).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(err).toBeInstanceOf(CarrierSubmitError);
    expect(err).toMatchObject({ kind: 'unavailable', error: { code: 'carrier_unavailable' }, message: expect.stringContaining('not bound (connecting') });
    expect(c.status()).toMatchObject({ state: 'connecting', queued: 0, lastError: expect.stringContaining('ECONNREFUSED') });
  });

  it('fails outstanding submits when the SMSC dies and rebinds when it is back on the same port', async () => {
    const c = await bound();
    smsc.behaviour.holdSubmits = true;
    const pending = Promise.allSettled([c.submit(sms('a')), c.submit(sms('b'))]);
    await until(() => smsc.submits.length === 2);
    expect(c.status().outstanding).toBe(2);
    const port = smsc.port;
    await smsc.kill();
    for (const result of await pending) {
      expect(result).toMatchObject({ status: 'rejected', reason: { kind: 'unavailable', message: expect.stringContaining('lost before submit_sm_resp') } });
    }
    await until(() => c.status().state === 'connecting');
    expect(c.status()).toMatchObject({ outstanding: 0 });
    // A submit made while down waits for the bind (within its deadline).
    const waiting = c.submit(sms('after'));
    await sleep(100);
    expect(c.status().queued).toBe(1);
    smsc.behaviour.holdSubmits = false;
    await smsc.listen(port);
    await until(() => c.status().state === 'bound');
    await expect(waiting).resolves.toHaveProperty('carrierMessageId');
    await expect(c.submit(sms('again'))).resolves.toHaveProperty('carrierMessageId');
  });

  it('treats an unanswered enquire_link as a dead link and binds again', async () => {
    const c = await bound({ enquireLinkMs: 50 });
    expect(smsc.binds).toBe(1);
    smsc.behaviour.answerEnquireLink = false;
    await until(() => c.status().state !== 'bound');
    expect(c.status().lastError).toMatch(/no enquire_link_resp/);
    smsc.behaviour.answerEnquireLink = true;
    await until(() => c.status().state === 'bound' && smsc.binds === 2);
  });

  it('gives up on a bind that is never answered after bindTimeoutMs and tries again', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const c = connector({ port: (silent.address() as AddressInfo).port, bindTimeoutMs: 100 });
    c.start();
    await until(() => sockets.length >= 2);
    expect(c.status()).toMatchObject({ state: 'connecting', lastError: 'no bind within 100 ms' });
    await c.close();
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => silent.close(resolve));
  });

  it('answers an unbind from the SMSC and binds again', async () => {
    const c = await bound();
    const resp = await new Promise<PDU>((resolve) => smsc.session.unbind(resolve));
    expect(resp.command_status).toBe(0);
    await until(() => smsc.binds === 2 && c.status().state === 'bound');
    await expect(c.submit(sms('after unbind'))).resolves.toHaveProperty('carrierMessageId');
  });

  it('rebinds when the SMSC says the session is not bound (ESME_RINVBNDSTS)', async () => {
    const c = await bound();
    smsc.behaviour.submitStatus = 0x04;
    await expect(c.submit(sms('x'))).rejects.toMatchObject({ kind: 'unavailable', commandStatusName: 'ESME_RINVBNDSTS' });
    smsc.behaviour.submitStatus = 0;
    await until(() => smsc.binds === 2 && c.status().state === 'bound');
    await expect(c.submit(sms('y'))).resolves.toHaveProperty('carrierMessageId');
  });

  it('reports a refused bind as down, keeps retrying, and never logs the password', async () => {
    smsc.behaviour.password = 'other';
    const { logger, lines } = capturingLogger();
    const c = connector({ password: 'S3cret-pw', logger });
    c.start();
    await until(() => c.status().state === 'down');
    expect(c.status().lastError).toBe('bind refused: ESME_RINVPASWD');
    smsc.behaviour.password = 'S3cret-pw';
    await until(() => c.status().state === 'bound');
    expect(c.status().lastError).toBeUndefined();
    await c.close();
    expect(lines.some((l) => l.includes('bind refused: ESME_RINVPASWD'))).toBe(true);
    expect(lines.join('')).not.toContain('S3cret-pw');
  });

  it('closes cleanly: unbinds, fails queued and outstanding submits, refuses new ones', async () => {
    const c = await bound({ window: 1 });
    smsc.behaviour.holdSubmits = true;
    const outstanding = c.submit(sms('sent')).catch((e: unknown) => e);
    const queued = c.submit(sms('queued')).catch((e: unknown) => e);
    await until(() => smsc.submits.length === 1);
    await c.close();
    expect(await outstanding).toMatchObject({ kind: 'unavailable', message: 'SMPP connector alpha closed' });
    expect(await queued).toMatchObject({ kind: 'unavailable' });
    expect(smsc.unbinds).toBe(1);
    expect(c.status()).toMatchObject({ state: 'closed', outstanding: 0, queued: 0 });
    await expect(c.submit(sms('late'))).rejects.toMatchObject({ kind: 'unavailable' });
    expect(() => c.start()).toThrow(/closed/);
    await c.close(); // idempotent
  });
});

describe('deliver_sm', () => {
  const receiptText = (id: string, stat = 'DELIVRD', err = '000') =>
    `id:${id} sub:001 dlvrd:001 submit date:2601011200 done date:2601011201 stat:${stat} err:${err} text:hello`;

  it('hands a receipt to the handler and acknowledges it only after the handler resolves', async () => {
    const c = await bound();
    const gate = deferred();
    const receipts: InboundReceipt[] = [];
    c.onReceipt(async (r) => {
      receipts.push(r);
      await gate.promise;
    });
    let resp: PDU | undefined;
    const answered = smsc.deliver({ esm_class: 0x04, short_message: receiptText('smsc-9'), receipted_message_id: 'smsc-9', message_state: 2 }).then((p) => (resp = p));
    await until(() => receipts.length === 1);
    await sleep(100);
    expect(resp).toBeUndefined();
    gate.resolve();
    await answered;
    expect(resp!.command_status).toBe(0);
    expect(receipts[0]).toEqual({ carrierId: 'alpha', carrierMessageId: 'smsc-9', state: 'DELIVRD', errorCode: '000', rawText: receiptText('smsc-9') });
  });

  it('reads a receipt from its text when the TLVs are missing', async () => {
    const c = await bound();
    const receipts: InboundReceipt[] = [];
    c.onReceipt(async (r) => void receipts.push(r));
    const resp = await smsc.deliver({ esm_class: 0x04, short_message: receiptText('abc123', 'UNDELIV', '001') });
    expect(resp.command_status).toBe(0);
    expect(receipts[0]).toMatchObject({ carrierMessageId: 'abc123', state: 'UNDELIV', errorCode: '001' });
  });

  it('answers ESME_RX_T_APPN when the handler throws or none is registered, so the SMSC redelivers', async () => {
    const c = await bound();
    const params = { esm_class: 0x04, short_message: receiptText('smsc-1'), receipted_message_id: 'smsc-1', message_state: 2 };
    expect((await smsc.deliver(params)).command_status).toBe(0x64);
    let calls = 0;
    c.onReceipt(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database down');
    });
    expect((await smsc.deliver(params)).command_status).toBe(0x64);
    expect((await smsc.deliver(params)).command_status).toBe(0);
    expect(calls).toBe(2);
  });

  it('refuses a receipt it cannot read with ESME_RX_P_APPN, logged with its raw text, without calling the handler', async () => {
    const { logger, lines } = capturingLogger();
    const c = await bound({ logger });
    const handler = jest.fn(async () => undefined);
    c.onReceipt(handler);
    const resp = await smsc.deliver({ esm_class: 0x04, short_message: 'ident:77 status:GONE text:code 1234' });
    expect(resp.command_status).toBe(0x65);
    expect(handler).not.toHaveBeenCalled();
    const line = JSON.parse(lines.find((l) => l.includes('ESME_RX_P_APPN'))!);
    expect(line).toMatchObject({ level: 50, carrierId: 'alpha', rawText: 'ident:77 status:GONE text:*********' });
  });

  it('hands a mobile-originated message to the inbound handler, then acknowledges it', async () => {
    const c = await bound();
    const received: InboundMessage[] = [];
    c.onInbound(async (m) => void received.push(m));
    const resp = await smsc.deliver({ esm_class: 0, source_addr: '14155552671', destination_addr: '12345', short_message: 'STOP £5' });
    expect(resp.command_status).toBe(0);
    expect(received).toEqual([{ carrierId: 'alpha', from: '14155552671', to: '12345', body: 'STOP £5' }]);
    const ucs2 = await smsc.deliver({ esm_class: 0, source_addr: '1', destination_addr: '2', data_coding: 8, short_message: 'Да 👍' });
    expect(ucs2.command_status).toBe(0);
    expect(received[1].body).toBe('Да 👍');
  });

  it('tells the inbound handler which part of a concatenated MO it got (UDH 8/16-bit, SAR) and the carrier MO id', async () => {
    const c = await bound();
    const received: InboundMessage[] = [];
    c.onInbound(async (m) => void received.push(m));
    const udh8 = Buffer.concat([Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]), Buffer.from('Hello ')]);
    const udh16 = Buffer.concat([Buffer.from([0x06, 0x08, 0x04, 0x01, 0x02, 0x03, 0x03]), Buffer.from('end')]);
    for (const params of [
      { esm_class: 0x40, short_message: udh8 },
      { esm_class: 0x40, short_message: udh16, receipted_message_id: 'mo-77' },
      { esm_class: 0, short_message: 'sar part', sar_msg_ref_num: 9, sar_total_segments: 2, sar_segment_seqnum: 2 },
    ]) {
      expect((await smsc.deliver({ source_addr: '1', destination_addr: '2', ...params })).command_status).toBe(0);
    }
    expect(received).toEqual([
      { carrierId: 'alpha', from: '1', to: '2', body: 'Hello ', part: { reference: 0x2a, total: 2, sequence: 1 } },
      { carrierId: 'alpha', from: '1', to: '2', body: 'end', carrierMoId: 'mo-77', part: { reference: 0x0102, total: 3, sequence: 3 } },
      { carrierId: 'alpha', from: '1', to: '2', body: 'sar part', part: { reference: 9, total: 2, sequence: 2 } },
    ]);
  });
});

describe('TLS', () => {
  let dir: string;
  let certs: TestCertificates;
  let otherCa: TestCertificates;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'smpp-tls-'));
    certs = makeTestCertificates(path.join(dir, 'smsc'));
    otherCa = makeTestCertificates(path.join(dir, 'other'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    await smsc.kill();
    await smsc.listen(0, { cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) });
  });

  it('binds over TLS to an SMSC whose certificate chains to tlsCa, and submits', async () => {
    const c = await bound({ tls: { ca: certs.ca.toString(), rejectUnauthorized: true } });
    await expect(c.submit(sms('secret text'))).resolves.toEqual({ carrierMessageId: 'smsc-1' });
    expect(smsc.submits.map((s) => s.text)).toEqual(['secret text']);
  });

  it('never binds when the certificate does not verify (another CA, or not the expected name): lastError says why', async () => {
    const untrusted = connector({ tls: { ca: otherCa.ca.toString(), rejectUnauthorized: true } });
    const wrongName = connector({ tls: { ca: certs.ca.toString(), servername: 'smsc.carrier.example', rejectUnauthorized: true } });
    untrusted.start();
    wrongName.start();
    await until(() => Boolean(untrusted.status().lastError && wrongName.status().lastError));
    await sleep(100);
    expect(untrusted.status()).toMatchObject({ state: 'connecting', lastError: expect.stringMatching(/certificate/i) });
    expect(wrongName.status()).toMatchObject({ state: 'connecting', lastError: expect.stringMatching(/does not match/i) });
    expect(smsc.binds).toBe(0);
  });

  it('a plain connector cannot bind to a TLS-only SMSC', async () => {
    const c = connector();
    c.start();
    await sleep(500);
    expect(c.status().state).not.toBe('bound');
    expect(smsc.binds).toBe(0);
  });
});
