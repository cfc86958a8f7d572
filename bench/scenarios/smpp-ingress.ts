// smpp-ingress: one ESME (npm smpp client, transceiver bind, window 100) submits N messages
// with registered_delivery to the SMPP gateway. Reports accepted/s (submit_sm_resp OK), and
// end to end/s: until every receipt has come back to the ESME as deliver_sm, which happens
// only after the final status is durable in PostgreSQL (the receipt is written with it).
import * as smpp from 'smpp';
import type { Stack } from '../../apps/launcher/src/stack';
import { peerRate, peerRatio, percentile, ratioTo, resourceRows, round, Scenario } from '../support';

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

/** An SMPP credential of the demo account with a throughput limit far above the offered load. */
export async function benchCredential(stack: Stack): Promise<{ systemId: string; password: string }> {
  const res = await fetch(`${stack.apiUrl}/v1/smpp/credentials`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.demoApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ throughputPerSecond: 10_000, maxBinds: 2 }),
  });
  if (res.status !== 201) throw new Error(`creating an SMPP credential: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { systemId: string; password: string };
}

/**
 * Submits `messages` over one transceiver bind with `window` submits outstanding, and waits up
 * to `timeoutMs` for every receipt (0: does not wait for receipts).
 */
export async function smppIngress(stack: Stack, messages: number, window = 100, timeoutMs = 600_000): Promise<SmppIngressResult> {
  const credential = await benchCredential(stack);

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
  let timer: NodeJS.Timeout | undefined;
  const timedOut = timeoutMs > 0 && (await Promise.race([receiptsDone.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]));
  clearTimeout(timer);
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

export const smppIngressScenario: Scenario = {
  name: 'smpp-ingress',
  async run(context) {
    const messages = context.arg('messages', 20_000);
    const { value: ingress, resources } = await context.withStack((stack) => smppIngress(stack, messages));
    const ceilings = context.ceilings;
    // Kannel through the same simulator, when it ran first in this invocation (`npm run bench -- kannel smpp-ingress`).
    const peer = peerRatio(ingress.endToEndPerSecond);
    if (peer) console.log(`  smpp-ingress end to end ${ingress.endToEndPerSecond}/s: ${peer}`);
    return {
      result: { ...ingress, resources, ceilings, kannelPerSecond: peerRate() ?? null },
      table: [
        ['figure', 'value', 'compared with', 'target'],
        ['accepted (submit_sm_resp OK) per second', `${ingress.acceptedPerSecond}`, ratioTo(ingress.acceptedPerSecond, ceilings?.smpp, 3), ''],
        [
          'end to end per second (receipt back as deliver_sm, final status durable)',
          `${ingress.endToEndPerSecond}`,
          `${ratioTo(ingress.endToEndPerSecond, ceilings?.smpp, 3)} (SMPP); ${ratioTo(ingress.endToEndPerSecond, ceilings?.temporal)} (Temporal trivial)`,
          '≥ 1,500',
        ],
        ...(peer ? [['end to end vs Kannel (`kannel` scenario run just before: HTTP sendsms → same simulator → DLR callback)', `${ingress.endToEndPerSecond}`, peer, '']] : []),
        ['submit → receipt (ms) p50 / p95 / p99', `${ingress.submitToReceiptMs.p50} / ${ingress.submitToReceiptMs.p95} / ${ingress.submitToReceiptMs.p99}`, '', ''],
        ['load', `${ingress.messages} submits, window ${ingress.window}`, `${ingress.accepted} accepted, ${ingress.throttled} throttled, ${ingress.errors} errors`, `${ingress.receipts} receipts${ingress.timedOut ? ' (timed out)' : ''}`],
        ...resourceRows(resources, 4),
      ],
    };
  },
};
