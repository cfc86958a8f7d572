// smpp-ingress: one ESME (npm smpp client, transceiver bind, window 100) submits N messages
// with registered_delivery to the SMPP gateway. Reports accepted/s (submit_sm_resp OK), and
// end to end/s: until every receipt has come back to the ESME as deliver_sm, which happens
// only after the final status is durable in PostgreSQL (the receipt is written with it).
import * as smpp from 'smpp';
import type { Stack } from '../../apps/launcher/src/stack';
import { percentile, round } from '../support';

export interface SmppIngressResult {
  messages: number;
  window: number;
  accepted: number;
  throttled: number;
  errors: number;
  acceptedPerSecond: number;
  receipts: number;
  endToEndPerSecond: number;
  submitToReceiptMs: { p50: number; p95: number; p99: number };
  timedOut: boolean;
}

const now = () => performance.timeOrigin + performance.now();

export async function smppIngress(stack: Stack, messages: number, window = 100, timeoutMs = 600_000): Promise<SmppIngressResult> {
  const res = await fetch(`${stack.apiUrl}/v1/smpp/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ throughputPerSecond: 10_000, maxBinds: 2 }),
  });
  if (res.status !== 201) throw new Error(`creating an SMPP credential: HTTP ${res.status} ${await res.text()}`);
  const credential = (await res.json()) as { systemId: string; password: string };

  const session = smpp.connect({ host: stack.smppGateway.host, port: stack.smppGateway.port });
  session.on('error', (err: Error) => console.error(`  ESME: ${err.message}`));
  await new Promise<void>((resolve) => session.socket.once('connect', () => resolve()));
  const submittedAt = new Map<string, number>();
  const latencies: number[] = [];
  let receipts = 0;
  let lastReceiptAt = 0;
  let allReceipts: () => void = () => undefined;
  const receiptsDone = new Promise<void>((resolve) => (allReceipts = resolve));
  session.on('deliver_sm', (pdu: smpp.PDU) => {
    session.send(pdu.response());
    const id = String(pdu.receipted_message_id ?? '');
    const at = submittedAt.get(id);
    if (at === undefined) return;
    submittedAt.delete(id);
    latencies.push(now() - at);
    receipts += 1;
    lastReceiptAt = now();
    if (receipts === accepted) allReceipts();
  });
  const bind = await new Promise<smpp.PDU>((resolve) => session.send(new smpp.PDU('bind_transceiver', { system_id: credential.systemId, password: credential.password }), resolve));
  if (bind.command_status !== 0) throw new Error(`bind refused: 0x${bind.command_status.toString(16)}`);

  let accepted = 0;
  let throttled = 0;
  let errors = 0;
  let inFlight = 0;
  let next = 0;
  const startedAt = now();
  let lastAcceptAt = startedAt;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inFlight < window && next < messages) {
        const i = next;
        next += 1;
        inFlight += 1;
        const sentAt = now();
        const pdu = new smpp.PDU('submit_sm', {
          source_addr_ton: 5,
          source_addr: 'Acme',
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: '14155552671',
          registered_delivery: 1,
          short_message: Buffer.from(`Bulk message ${i}`),
        });
        session.send(pdu, (resp: smpp.PDU) => {
          inFlight -= 1;
          if (resp.command_status === 0) {
            accepted += 1;
            submittedAt.set(String(resp.message_id), sentAt);
            lastAcceptAt = now();
          } else if (resp.command_status === smpp.errors.ESME_RTHROTTLED) {
            throttled += 1;
          } else {
            errors += 1;
          }
          if (next >= messages && inFlight === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const timedOut = await Promise.race([receiptsDone.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs))]);
  session.destroy();
  const p = (q: number) => round(percentile(latencies, q));
  return {
    messages,
    window,
    accepted,
    throttled,
    errors,
    acceptedPerSecond: round((accepted / (lastAcceptAt - startedAt)) * 1000),
    receipts,
    endToEndPerSecond: round((receipts / ((lastReceiptAt || now()) - startedAt)) * 1000),
    submitToReceiptMs: { p50: p(50), p95: p(95), p99: p(99) },
    timedOut,
  };
}
