// A customer's ESME for end-to-end tests, built on the npm `smpp` client: binds to the SMPP
// gateway, submits, and collects the deliver_sm it receives (answering each with ESME_ROK).
import * as smpp from 'smpp';

export interface Esme {
  session: smpp.Session;
  bindStatus: number;
  delivered: smpp.PDU[];
  request(command: string, params?: Record<string, unknown>): Promise<smpp.PDU>;
  waitForDeliveries(count: number, timeoutMs?: number): Promise<smpp.PDU[]>;
  close(): Promise<void>;
}

export async function connectEsme(options: {
  port: number;
  systemId: string;
  password: string;
  bind?: 'bind_transceiver' | 'bind_transmitter' | 'bind_receiver' | null;
  /** Answer deliver_sm with this status (default ESME_ROK). */
  deliverStatus?: number;
  /** Source address of the connection (127.0.0.x on Linux loopback: distinct client addresses). */
  localAddress?: string;
  /** SMPP over TLS, trusting `ca` (the gateway's SMPP_TLS_PORT). */
  tls?: { ca?: Buffer };
}): Promise<Esme> {
  const session = smpp.connect({
    host: '127.0.0.1',
    port: options.port,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    ...(options.tls ? { tls: true, ca: options.tls.ca } : {}),
  });
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
    session.socket.once('error', reject);
  });
  const delivered: smpp.PDU[] = [];
  const waiters: (() => void)[] = [];
  // The gateway unbinds (idle, or the credential changed): answer, as an ESME does.
  session.on('unbind', (pdu: smpp.PDU) => session.send(pdu.response()));
  session.on('deliver_sm', (pdu: smpp.PDU) => {
    delivered.push(pdu);
    session.send(pdu.response({ command_status: options.deliverStatus ?? 0 }));
    for (const w of waiters.splice(0)) w();
  });
  // A request fails at once when the gateway closes the connection (e.g. over a connection cap).
  const pending = new Set<(err: Error) => void>();
  session.socket.once('close', () => {
    for (const fail of [...pending]) fail(new Error('connection closed'));
  });
  const request = (command: string, params: Record<string, unknown> = {}) =>
    new Promise<smpp.PDU>((resolve, reject) => {
      const settle = (err?: Error, resp?: smpp.PDU) => {
        clearTimeout(timer);
        pending.delete(fail);
        if (err) reject(err);
        else resolve(resp!);
      };
      const fail = (err: Error) => settle(err);
      const timer = setTimeout(() => settle(new Error(`${command}: no response`)), 15_000);
      pending.add(fail);
      const sent = session.send(new smpp.PDU(command, params), (resp: smpp.PDU) => settle(undefined, resp));
      if (!sent) settle(new Error(`${command}: socket not writable`));
    });
  let bindStatus = 0;
  if (options.bind !== null) {
    const resp = await request(options.bind ?? 'bind_transceiver', { system_id: options.systemId, password: options.password, interface_version: 0x34 });
    bindStatus = resp.command_status;
  }
  return {
    session,
    bindStatus,
    delivered,
    request,
    async waitForDeliveries(count: number, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (delivered.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} deliver_sm, got ${delivered.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return delivered.slice(0, count);
    },
    async close() {
      if (session.socket.destroyed) return;
      await Promise.race([request('unbind').catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
      await new Promise<void>((resolve) => {
        if (session.socket.destroyed) return resolve();
        session.socket.once('close', () => resolve());
        session.destroy();
      });
    },
  };
}

/** The text of a deliver_sm as the npm smpp client decoded it. */
export function deliverText(pdu: smpp.PDU): string {
  const field = (pdu.message_payload ?? pdu.short_message) as { message?: unknown } | Buffer | undefined;
  const value = Buffer.isBuffer(field) ? field : field?.message;
  return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('latin1') : '';
}
