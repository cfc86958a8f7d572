import { connect, PDU, Session } from 'smpp';
import { startCarrierSim } from './carrier-sim';
it('bench receipts', async () => {
  const sim = await startCarrierSim({ carriers: [{ id: 'a', smppPort: 0, systemId: 'a', password: 'p', behaviour: { receiptDelayMs: 0 } }], controlPort: 0 });
  const s: Session = await new Promise((r) => { const x = connect({ host: '127.0.0.1', port: sim.ports.a }, () => r(x)); });
  let got = 0;
  s.on('deliver_sm', (p: PDU) => { got++; s.send(p.response()); });
  await new Promise((r) => s.bind_transceiver({ system_id: 'a', password: 'p' }, r));
  const N = 20000; let acked = 0; const t0 = Date.now();
  await new Promise<void>((resolve) => { let inflight = 0, sent = 0;
    const pump = () => { while (inflight < 200 && sent < N) { inflight++; sent++; s.submit_sm({ destination_addr: '1', short_message: 'hi', registered_delivery: 1 }, () => { inflight--; acked++; if (acked === N) resolve(); else pump(); }); } };
    pump(); });
  const t1 = Date.now();
  while (got < N) await new Promise((r) => setTimeout(r, 10));
  const t2 = Date.now();
  console.log(`submits ${N} in ${t1 - t0} ms; all receipts after ${t2 - t0} ms`);
  s.destroy(); await sim.close();
}, 60000);
