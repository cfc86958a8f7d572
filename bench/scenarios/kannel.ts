// kannel: a peer through the same simulator. Kannel 1.4.5 (Debian's package, installed here if
// bearerbox/smsbox are missing) with one SMPP SMSC connection to the project's carrier
// simulator (started as the stack starts it: same carriers, default behaviour, receipts on),
// messages stored on disk (store-type = file). N messages go in as HTTP sendsms from C
// concurrent keep-alive clients, each with dlr-mask=3 and a dlr-url pointing at a small HTTP
// server in this process that counts each message's final DLR once. End to end = first sendsms
// sent → last delivered DLR received. Its rate is recorded for scenarios run after it in the
// same invocation (`npm run bench -- kannel smpp-ingress` prints ours / Kannel's).
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@app/config';
import { stopChild } from '@app/temporal';
import { carrierSimProcess, DEFAULT_SIM_HTTP_CARRIERS, SimCarrier } from '../../apps/launcher/src/stack';
import type { ManagedProcess } from '../../apps/launcher/src/managed-process';
import { LoadClient } from '../http-client';
import { percentile, ratioTo, resourceRows, ResourceSampler, round, Scenario } from '../support';

/** Kannel's `%d` in a dlr-url (FACTS.md): exact values, never a substring match (`s=1` also matches 16). */
export const DLR_TYPE = { delivered: 1, failed: 2, smscAck: 8, smscReject: 16 } as const;

export type DlrOutcome = 'delivered' | 'failed' | 'rejected' | 'ack' | 'unknown';

/** The outcome of one dlr-url call from its `%d` value, parsed exactly ("1", not "16" or "1x"). */
export function dlrOutcome(type: string | null): DlrOutcome {
  if (type === null || !/^\d+$/.test(type)) return 'unknown';
  switch (Number(type)) {
    case DLR_TYPE.delivered:
      return 'delivered';
    case DLR_TYPE.failed:
      return 'failed';
    case DLR_TYPE.smscReject:
      return 'rejected';
    case DLR_TYPE.smscAck:
      return 'ack';
    default:
      return 'unknown';
  }
}

export interface KannelConfOptions {
  dir: string;
  adminPort: number;
  adminPassword: string;
  smsboxPort: number;
  sendsmsPort: number;
  smsc: { id: string; port: number; systemId: string; password: string };
  /** submit_sm outstanding towards the SMSC (Kannel's max-pending-submits). */
  window: number;
  user: { username: string; password: string };
}

/** kannel.conf: bearerbox with one SMPP transceiver to the simulator, file store, one smsbox with a sendsms user; everything on 127.0.0.1. */
export function kannelConf(o: KannelConfOptions): string {
  return `# Written by bench/scenarios/kannel.ts for one run.
group = core
admin-port = ${o.adminPort}
admin-password = ${o.adminPassword}
admin-allow-ip = 127.0.0.1
smsbox-port = ${o.smsboxPort}
box-allow-ip = 127.0.0.1
log-file = "${path.join(o.dir, 'bearerbox.log')}"
log-level = 2
store-type = file
store-location = "${path.join(o.dir, 'kannel.store')}"
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = ${o.smsc.id}
host = 127.0.0.1
port = ${o.smsc.port}
receive-port = 0
transceiver-mode = true
smsc-username = "${o.smsc.systemId}"
smsc-password = "${o.smsc.password}"
system-type = ""
# numbers without '+' are international here (Kannel sends TON 2 otherwise); msg-id-type stays
# unset: the simulator's message ids are not numbers.
dest-addr-ton = 1
dest-addr-npi = 1
max-pending-submits = ${o.window}
reconnect-delay = 1
enquire-link-interval = 30

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${o.smsboxPort}
sendsms-port = ${o.sendsmsPort}
log-file = "${path.join(o.dir, 'smsbox.log')}"
log-level = 2

group = sendsms-user
username = ${o.user.username}
password = ${o.user.password}
max-messages = 1

group = sms-service
keyword = default
text = "No service"
catch-all = true
`;
}

function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  return dirs.map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
}

function runLoud(cmd: string, args: string[]): void {
  console.log(`  kannel: $ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})`);
}

/** bearerbox and smsbox from PATH or /usr/sbin; Debian's `kannel` installed first when missing. */
export function ensureKannel(): { bearerbox: string; smsbox: string; version: string } {
  let bearerbox = findBinary('bearerbox');
  let smsbox = findBinary('smsbox');
  if (!bearerbox || !smsbox) {
    console.log('  kannel: bearerbox/smsbox not found; installing Debian package kannel (apt-get update, then apt-get install -y kannel)');
    runLoud('apt-get', ['update']);
    runLoud('apt-get', ['install', '-y', 'kannel']);
    bearerbox = findBinary('bearerbox');
    smsbox = findBinary('smsbox');
    if (!bearerbox || !smsbox) throw new Error('apt-get install kannel did not provide bearerbox and smsbox');
  }
  const q = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'kannel'], { encoding: 'utf8' });
  const version = q.status === 0 && q.stdout.trim() ? q.stdout.trim() : 'unknown (not from dpkg)';
  console.log(`  kannel: ${bearerbox}, ${smsbox} (package version ${version})`);
  return { bearerbox, smsbox, version };
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; fails early when one of `children` has exited. */
async function waitFor(what: string, check: () => Promise<boolean>, children: { name: string; child: ChildProcess; log: string }[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const c of children) {
      if (c.child.exitCode !== null || c.child.signalCode !== null) {
        throw new Error(`${c.name} exited (code ${c.child.exitCode}, signal ${c.child.signalCode}) while waiting for ${what}; see ${c.log}:\n${tail(c.log)}`);
      }
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}


export interface KannelRun {
  kannelVersion: string;
  messages: number;
  clients: number;
  window: number;
  accepted: number;
  refused: number;
  refusedSamples: string[];
  acceptedPerSecond: number;
  /** Delivered DLRs per second, first sendsms sent → last delivered DLR received. */
  endToEndPerSecond: number;
  delivered: number;
  failed: number;
  /** Final DLRs with %d = 16 (SMSC reject). */
  rejected: number;
  /** Intermediate DLRs (%d = 8); dlr-mask=3 should give none. */
  acks: number;
  /** A second final DLR for a message already final (counted once). */
  duplicates: number;
  unknownDlrs: number;
  missing: number;
  acceptMs: { p50: number; p95: number; p99: number };
  sendToDeliveredMs: { p50: number; p95: number; p99: number };
  simulator: { submits: number; receiptsSent: number; receiptsQueued: number };
  timedOut: boolean;
}

/** A small HTTP server counting dlr-url calls: each message's first final DLR counts, later ones are duplicates. */
async function dlrServer(messages: number, onFinal: () => void) {
  const final = new Uint8Array(messages); // 0 none, 1 delivered, 2 failed, 3 rejected
  const finalAt = new Float64Array(messages);
  const counts = { delivered: 0, failed: 0, rejected: 0, acks: 0, duplicates: 0, unknown: 0 };
  let lastDeliveredAt = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const id = Number(url.searchParams.get('id'));
    const outcome = dlrOutcome(url.searchParams.get('type'));
    if (url.pathname !== '/dlr' || !Number.isInteger(id) || id < 0 || id >= messages || outcome === 'unknown') counts.unknown += 1;
    else if (outcome === 'ack') counts.acks += 1;
    else if (final[id] !== 0) counts.duplicates += 1;
    else {
      const at = now();
      final[id] = outcome === 'delivered' ? 1 : outcome === 'failed' ? 2 : 3;
      finalAt[id] = at;
      counts[outcome] += 1;
      if (outcome === 'delivered') lastDeliveredAt = at;
      onFinal();
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    final,
    finalAt,
    lastDeliveredAt: () => lastDeliveredAt,
    finals: () => counts.delivered + counts.failed + counts.rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const kannelScenario: Scenario = {
  name: 'kannel',
  async run(context) {
    const messages = context.arg('messages', 20_000);
    const clients = context.arg('clients', 50);
    const idleTimeoutMs = context.arg('idle-timeout', 60) * 1000;
    // Default: our worker's submit window towards the simulator (stack.ts SIM_WINDOW), the same for Kannel.
    const window = context.arg('window', 50);
    const kannel = ensureKannel();

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kannel-bench-'));
    const started: { name: string; child: ChildProcess; log: string }[] = [];
    let sim: ManagedProcess | undefined;
    let dlr: Awaited<ReturnType<typeof dlrServer>> | undefined;
    let sampler: ResourceSampler | undefined;
    // Should this process end without reaching `finally` (process.exit elsewhere), Kannel does not outlive it.
    const killAll = () => started.forEach((s) => s.child.exitCode === null && s.child.signalCode === null && s.child.kill('SIGKILL'));
    process.once('exit', killAll);
    try {
      // The simulator exactly as the bench stack starts it (bench/run.ts withStack): carriers alpha and beta, default behaviour.
      const simCarriers: SimCarrier[] = [
        { id: 'alpha', smppPort: await freePort(), systemId: 'alpha', password: 'alpha-pw' },
        { id: 'beta', smppPort: await freePort(), systemId: 'beta', password: 'beta-pw' },
      ];
      const controlPort = await freePort();
      sim = carrierSimProcess({ controlPort, simCarriers, simHttpCarriers: DEFAULT_SIM_HTTP_CARRIERS, logFile: path.join(dir, 'carrier-sim.log') });
      await sim.start();
      const simUrl = `http://127.0.0.1:${controlPort}`;
      const carrier = simCarriers[0];

      const sentAt = new Float64Array(messages);
      const acceptLatencies: number[] = [];
      const refusedSamples: string[] = [];
      let accepted = 0;
      let refused = 0;
      let next = 0;
      let sendingDone = false;
      let lastAcceptAt = 0;
      let allFinal: () => void = () => undefined;
      let lastProgressAt = now();
      dlr = await dlrServer(messages, () => {
        lastProgressAt = now();
        if (dlr && dlr.finals() >= accepted && sendingDone) allFinal();
      });

      const ports = { admin: await freePort(), smsbox: await freePort(), sendsms: await freePort() };
      const adminPassword = 'bench-admin';
      const user = { username: 'bench', password: 'bench-pw' };
      const confFile = path.join(dir, 'kannel.conf');
      fs.writeFileSync(
        confFile,
        kannelConf({
          dir,
          adminPort: ports.admin,
          adminPassword,
          smsboxPort: ports.smsbox,
          sendsmsPort: ports.sendsms,
          smsc: { id: carrier.id, port: carrier.smppPort, systemId: carrier.systemId, password: carrier.password },
          window,
          user,
        }),
      );
      console.log(`  kannel: config ${confFile}; simulator ${simUrl} (SMPP ${carrier.id}:${carrier.smppPort}); admin ${ports.admin}, smsbox ${ports.smsbox}, sendsms ${ports.sendsms}, DLR server ${dlr.port}`);

      const start = (name: string, bin: string) => {
        const log = path.join(dir, `${name}.stderr.log`);
        const fd = fs.openSync(log, 'a');
        // -v 2: warnings and up on the console too (the default is debug, a line per PDU).
        const child = spawn(bin, ['-v', '2', confFile], { stdio: ['ignore', fd, fd], cwd: dir });
        fs.closeSync(fd);
        child.on('error', (err) => console.error(`  ${name}: ${err.message}`));
        started.push({ name, child, log });
        return child;
      };
      const status = async () => {
        const res = await fetch(`http://127.0.0.1:${ports.admin}/status.txt?password=${adminPassword}`, { signal: AbortSignal.timeout(2000) });
        return res.ok ? res.text() : '';
      };
      const bearerbox = start('bearerbox', kannel.bearerbox);
      await waitFor('the SMSC connection online (bearerbox status.txt)', async () => /\bonline\b/.test((await status()).split(/SMSC connections:/i)[1] ?? ''), started);
      const smsbox = start('smsbox', kannel.smsbox);
      await waitFor('smsbox connected to bearerbox', async () => /smsbox/i.test((await status()).split(/Box connections:/i)[1] ?? ''), started);
      await waitFor(
        'smsbox sendsms port',
        async () => {
          const res = await fetch(`http://127.0.0.1:${ports.sendsms}/`, { signal: AbortSignal.timeout(2000) });
          await res.body?.cancel();
          return true;
        },
        started,
      );

      sampler = new ResourceSampler({ bearerbox: bearerbox.pid, smsbox: smsbox.pid, 'carrier-sim': sim.child?.pid, 'bench (load)': process.pid });
      sampler.start();

      const finished = new Promise<void>((resolve) => (allFinal = resolve));
      const base = `http://127.0.0.1:${ports.sendsms}/cgi-bin/sendsms?username=${user.username}&password=${user.password}&from=Acme&to=14155552671&dlr-mask=3`;
      // One keep-alive connection per client (bench/http-client.ts, as our REST scenarios drive the API).
      const load = new LoadClient(clients);
      const get = (url: string) => load.request(url);
      const startedAt = now();
      const client = async () => {
        while (next < messages) {
          const i = next;
          next += 1;
          const dlrUrl = `http://127.0.0.1:${dlr!.port}/dlr?id=${i}&type=%d`;
          const url = `${base}&text=${encodeURIComponent(`Bulk message ${i}`)}&dlr-url=${encodeURIComponent(dlrUrl)}`;
          const t0 = now();
          sentAt[i] = t0;
          try {
            const res = await get(url);
            const body = res.body;
            const t1 = now();
            if (res.status >= 200 && res.status < 300) {
              accepted += 1;
              acceptLatencies.push(t1 - t0);
              lastAcceptAt = t1;
            } else {
              refused += 1;
              if (refusedSamples.length < 5) refusedSamples.push(`HTTP ${res.status} ${body.trim()}`);
            }
          } catch (err) {
            refused += 1;
            if (refusedSamples.length < 5) refusedSamples.push((err as Error).message);
          }
        }
      };
      await Promise.all(Array.from({ length: clients }, client));
      sendingDone = true;
      load.close();
      lastProgressAt = Math.max(lastProgressAt, now());
      console.log(`  kannel: ${accepted} accepted, ${refused} refused in ${round((lastAcceptAt - startedAt) / 1000, 2)} s; waiting for DLRs (${dlr.finals()} final so far)`);
      let timedOut = false;
      if (dlr.finals() < accepted) {
        timedOut = await new Promise<boolean>((resolve) => {
          finished.then(() => resolve(false));
          const tick = setInterval(() => {
            if (now() - lastProgressAt > idleTimeoutMs) {
              clearInterval(tick);
              resolve(true);
            }
          }, 500);
          finished.then(() => clearInterval(tick));
        });
      }
      const resources = sampler.stop();
      const died = started.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
      if (died) throw new Error(`${died.name} exited during the run (code ${died.child.exitCode}, signal ${died.child.signalCode}):\n${tail(died.log)}`);

      // The simulator's own count, once Kannel has answered the receipts in flight (up to 5 s).
      type SimView = { counters: { submits: number; receiptsSent: number; receiptsQueued: number } };
      let simView = (await (await fetch(`${simUrl}/carriers/${carrier.id}`)).json()) as SimView;
      for (let waited = 0; simView.counters.receiptsQueued > 0 && waited < 5000; waited += 250) {
        await sleep(250);
        simView = (await (await fetch(`${simUrl}/carriers/${carrier.id}`)).json()) as SimView;
      }
      const latencies: number[] = [];
      for (let i = 0; i < messages; i += 1) if (dlr.final[i] === 1) latencies.push(dlr.finalAt[i] - sentAt[i]);
      const p = (values: number[]) => ({ p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), p99: round(percentile(values, 99)) });
      const c = dlr.counts;
      const run: KannelRun = {
        kannelVersion: kannel.version,
        messages,
        clients,
        window,
        accepted,
        refused,
        refusedSamples,
        acceptedPerSecond: round((accepted / (lastAcceptAt - startedAt)) * 1000),
        endToEndPerSecond: c.delivered > 0 ? round((c.delivered / (dlr.lastDeliveredAt() - startedAt)) * 1000) : 0,
        delivered: c.delivered,
        failed: c.failed,
        rejected: c.rejected,
        acks: c.acks,
        duplicates: c.duplicates,
        unknownDlrs: c.unknown,
        missing: messages - (c.delivered + c.failed + c.rejected),
        acceptMs: p(acceptLatencies),
        sendToDeliveredMs: p(latencies),
        simulator: { submits: simView.counters.submits, receiptsSent: simView.counters.receiptsSent, receiptsQueued: simView.counters.receiptsQueued },
        timedOut,
      };
      console.log(`  kannel: ${run.delivered} delivered, ${run.failed} failed, ${run.rejected} rejected, ${run.missing} missing; ${run.endToEndPerSecond} delivered/s end to end`);
      const ceilings = context.ceilings;
      return {
        result: { ...run, resources, ceilings },
        table: [
          ['figure', 'value', 'compared with', 'settings'],
          [
            `**Kannel ${run.kannelVersion}** delivered per second end to end (first sendsms sent → last delivered DLR received)`,
            `${run.endToEndPerSecond}`,
            ratioTo(run.endToEndPerSecond, ceilings?.smpp, 3) + ' (SMPP)',
            `${run.messages} messages, ${run.clients} HTTP clients (node:http, keep-alive)`,
          ],
          ['sendsms accepted per second', `${run.acceptedPerSecond}`, '', `${run.accepted} accepted (HTTP 2xx), ${run.refused} refused${run.refusedSamples.length ? ` (${run.refusedSamples.join('; ')})` : ''}`],
          ['sendsms accept latency (ms) p50 / p95 / p99', `${run.acceptMs.p50} / ${run.acceptMs.p95} / ${run.acceptMs.p99}`, '', ''],
          ['sendsms sent → delivered DLR (ms) p50 / p95 / p99', `${run.sendToDeliveredMs.p50} / ${run.sendToDeliveredMs.p95} / ${run.sendToDeliveredMs.p99}`, '', 'simulator receipt delay 200 ms (default)'],
          [
            'final DLRs (dlr-mask=3, %d parsed exactly)',
            `${run.delivered} delivered, ${run.failed} failed, ${run.rejected} SMSC-rejected`,
            `${run.missing} missing${run.timedOut ? ` (no DLR for ${idleTimeoutMs / 1000} s)` : ''}`,
            `${run.duplicates} duplicate finals, ${run.acks} SMSC acks, ${run.unknownDlrs} unparsed`,
          ],
          ['simulator counters (after the last DLR, up to 5 s for answers)', `${run.simulator.submits} submit_sm`, `${run.simulator.receiptsSent} receipts answered`, `${run.simulator.receiptsQueued} receipts in flight`],
          ...resourceRows(resources, 4),
        ],
        notes: `Kannel (Debian package) with \`store-type = file\`, one SMPP transceiver to the project's carrier simulator (started as the bench stack starts it; carrier \`alpha\`), \`max-pending-submits = ${window}\` (our worker's window towards the simulator), \`dest-addr-ton = 1\`, \`msg-id-type\` unset, log level warning and no access log (our apps run at \`LOG_LEVEL=warn\`). Each sendsms carries \`dlr-mask=3\` and a \`dlr-url\` to an HTTP server in the bench process, which counts each message's first final DLR (\`%d\` = 1 delivered, 2 failed, 16 SMSC reject; 8 is an SMSC ack). All on 127.0.0.1, ports picked at run time. Compare with \`npm run bench -- kannel smpp-ingress\`: smpp-ingress then prints ours / Kannel's end-to-end rate from the same invocation. Kannel's ingress here is HTTP and its end is a DLR callback; ours in smpp-ingress is SMPP in and a deliver_sm receipt out after the final status is durable in PostgreSQL.`,
      };
    } finally {
      sampler?.stop();
      for (const s of [...started].reverse()) {
        await stopChild(s.child);
        console.log(`  kannel: ${s.name} stopped (code ${s.child.exitCode}, signal ${s.child.signalCode})`);
      }
      process.off('exit', killAll);
      await sim?.stop();
      await dlr?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
