// ceilings: the limits the other figures are compared to.
// - SMPP loopback: an npm smpp client submitting (window 100) to the carrier simulator in the
//   same process, nothing else in the way;
// - Temporal: the dev server's rate for a trivial workflow (one activity, one signal), with
//   a worker in this process.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { connect, PDU, Session } from 'smpp';
import { startCarrierSim } from '../../apps/carrier-sim/src/carrier-sim';
import { round, Scenario } from '../support';

export async function smppLoopback(total = 50_000, window = 100): Promise<{ submitsPerSecond: number; total: number; window: number }> {
  const sim = await startCarrierSim({ carriers: [{ id: 'c', smppPort: 0, systemId: 'c', password: 'p', behaviour: { receiptsEnabled: false } }], controlPort: 0 });
  const session: Session = await new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: sim.ports.c }, () => resolve(s));
  });
  await new Promise((resolve) => (session.bind_transceiver as (p: object, cb: (pdu: PDU) => void) => void)({ system_id: 'c', password: 'p' }, resolve));
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let done = 0;
    let inFlight = 0;
    const pump = () => {
      while (inFlight < window && sent < total) {
        inFlight += 1;
        sent += 1;
        (session.submit_sm as (p: object, cb: () => void) => void)({ destination_addr: '14155552671', short_message: 'ceiling', registered_delivery: 0 }, () => {
          inFlight -= 1;
          done += 1;
          if (done === total) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const seconds = (performance.now() - started) / 1000;
  session.destroy();
  await sim.close();
  return { submitsPerSecond: round(total / seconds), total, window };
}

export async function temporalTrivial(address: string, total = 1000, concurrency = 50): Promise<{ workflowsPerSecond: number; total: number; concurrency: number }> {
  const taskQueue = `bench-${randomUUID()}`;
  const native = await NativeConnection.connect({ address });
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows/trivial.workflow'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
  const worker = await Worker.create({ connection: native, taskQueue, workflowBundle: { code }, activities: { benchNoop: async () => undefined } });
  const client = new Client({ connection: await Connection.connect({ address }) });
  const started = performance.now();
  await worker.runUntil(async () => {
    let next = 0;
    const one = async () => {
      while (next < total) {
        next += 1;
        const handle = await client.workflow.start('benchTrivial', { taskQueue, workflowId: `bench-${randomUUID()}` });
        await handle.signal('benchDone');
        await handle.result();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, one));
  });
  const seconds = (performance.now() - started) / 1000;
  await client.connection.close();
  await native.close();
  return { workflowsPerSecond: round(total / seconds), total, concurrency };
}

export const ceilingsScenario: Scenario = {
  name: 'ceilings',
  async run(context) {
    const smpp = await smppLoopback();
    const { value: temporal } = await context.withStack((stack) => temporalTrivial(stack.temporalAddress));
    return {
      result: { smpp, temporal },
      table: [
        ['ceiling', 'figure', 'settings'],
        ['SMPP loopback (npm smpp client → carrier-sim, one process)', `${smpp.submitsPerSecond} submit_sm/s`, `${smpp.total} submits, window ${smpp.window}`],
        ['Temporal dev server, trivial workflow (1 activity + 1 signal)', `${temporal.workflowsPerSecond} workflows/s`, `${temporal.total} workflows, ${temporal.concurrency} concurrent`],
      ],
    };
  },
};
