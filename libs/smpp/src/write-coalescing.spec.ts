// coalesceWrites over a real loopback TCP connection: what one turn of the event loop writes
// reaches the peer in one read, and every byte arrives in order.
import net from 'node:net';
import { coalesceWrites } from './write-coalescing';

async function pair(): Promise<{ client: net.Socket; server: net.Socket; close: () => Promise<void> }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  client.setNoDelay(true);
  await new Promise((resolve) => client.once('connect', resolve));
  const server = await accepted;
  return {
    client,
    server,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

/** How the stream hands data to the socket: one call per chunk (_write) or one for many (_writev). */
function countSocketCalls(socket: net.Socket): { write: number; writev: number[] } {
  const calls = { write: 0, writev: [] as number[] };
  const internals = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (chunks: unknown[], cb: unknown) => void };
  const write = internals._write.bind(socket);
  const writev = internals._writev.bind(socket);
  internals._write = (...a: unknown[]) => ((calls.write += 1), write(...a));
  internals._writev = (chunks: unknown[], cb: unknown) => (calls.writev.push(chunks.length), writev(chunks, cb));
  return calls;
}

const pdus = (n: number) => Array.from({ length: n }, (_, i) => `pdu${String(i).padStart(2, '0')};`);

it('hands what one turn writes to the socket in one call, in order, and a later turn after it', async () => {
  const { client, server, close } = await pair();
  const chunks: Buffer[] = [];
  server.on('data', (d: Buffer) => chunks.push(d));
  coalesceWrites(client);
  coalesceWrites(client); // twice is once
  const calls = countSocketCalls(client);
  for (const pdu of pdus(50)) client.write(pdu);
  await new Promise((r) => setTimeout(r, 50));
  expect(calls).toEqual({ write: 0, writev: [50] });
  client.write('late;');
  await new Promise((r) => setTimeout(r, 50));
  expect(Buffer.concat(chunks).toString()).toBe(`${pdus(50).join('')}late;`);
  await close();
});

it('without it, each write is its own call (what the test above tells apart)', async () => {
  const { client, close } = await pair();
  const calls = countSocketCalls(client);
  for (const pdu of pdus(50)) client.write(pdu);
  await new Promise((r) => setTimeout(r, 50));
  expect(calls.writev).not.toEqual([50]);
  expect(calls.write).toBeGreaterThan(1);
  await close();
});

it('still calls each write callback', async () => {
  const { client, close } = await pair();
  coalesceWrites(client);
  const done = await Promise.all([1, 2, 3].map((i) => new Promise<number>((resolve) => client.write(`x${i}`, () => resolve(i)))));
  expect(done).toEqual([1, 2, 3]);
  await close();
});
